"""The autograd package; its files show the architecture:

- ``grad_mode``: whether ops record (``no_grad``, ``enable_grad``, ``set_grad_enabled``);
- ``function``: the built-in ops' base ``Function`` (forward on NumPy arrays), one op =
  forward + backward, also the ctx and the graph node;
- ``custom``: the public ``Function`` (``te.autograd.Function``), custom ops written as
  PyTorch documents them (forward and backward on Tensors);
- ``reference``: the whole of reverse mode in one short file, to read first;
- ``engine``: the production backward engine (``backward``, ``grad``), the same numbers
  plus hooks, ``retain_grad``, pruning for ``te.grad``, anomaly mode and speed;
  ``set_engine`` chooses between the two;
- ``versions``, ``history``: what in-place writes need (version counters; which node
  made a tensor, as each consumer saw it);
- ``forward_ad``: forward mode (``dual_level``, ``make_dual``, ``unpack_dual``), each
  op's ``jvp`` rule applied as the op runs;
- ``functional``: ``jacobian``, ``hessian``, ``vjp``, ``jvp``, ``vhp``, ``hvp`` of a function;
- ``anomaly``: ``detect_anomaly``;
- ``gradcheck`` and ``gradgradcheck`` (from ``tinygrad_edu.gradcheck``), as in
  ``torch.autograd``.
"""
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .anomaly import detect_anomaly
from .function import AccumulateGrad
from .custom import Function
from .engine import backward, get_engine, grad, run_backward, set_engine, use_engine
from . import forward_ad, functional
from ..gradcheck import gradcheck, gradgradcheck    # (last: it imports grad from here)

__all__ = ["Function", "AccumulateGrad", "no_grad", "enable_grad", "set_grad_enabled",
           "is_grad_enabled", "grad", "detect_anomaly", "run_backward", "backward",
           "set_engine", "get_engine", "use_engine", "gradcheck", "gradgradcheck", "forward_ad",
           "functional"]
