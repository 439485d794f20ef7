"""The autograd package; its files show the architecture:

- ``grad_mode``: whether ops record (``no_grad``, ``enable_grad``, ``set_grad_enabled``);
- ``function``: the built-in ops' base ``Function`` (forward on NumPy arrays), one op =
  forward + backward, also the ctx and the graph node;
- ``custom``: the public ``Function`` (``te.autograd.Function``), custom ops written as
  PyTorch documents them (forward and backward on Tensors);
- ``engine``: the production backward engine (``backward``, ``grad``);
- ``anomaly``: ``detect_anomaly``;
- ``gradcheck`` and ``gradgradcheck`` (from ``tinygrad_edu.gradcheck``), as in
  ``torch.autograd``.
"""
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .anomaly import detect_anomaly
from .function import AccumulateGrad
from .custom import Function
from .engine import backward, grad, run_backward
from ..gradcheck import gradcheck, gradgradcheck    # (last: it imports grad from here)

__all__ = ["Function", "AccumulateGrad", "no_grad", "enable_grad", "set_grad_enabled",
           "is_grad_enabled", "grad", "detect_anomaly", "run_backward", "backward",
           "gradcheck", "gradgradcheck"]
