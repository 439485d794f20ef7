"""``tinygrad_edu.nn``: models written as in PyTorch (``Module``, layers, losses),
plus ``nn.functional`` (as ``F``), ``nn.init`` and ``nn.summary``."""
from . import functional, init, utils  # noqa: F401
from .activations import *  # noqa: F401,F403
from .containers import *  # noqa: F401,F403
from .layers import *  # noqa: F401,F403
from .losses import *  # noqa: F401,F403
from .module import *  # noqa: F401,F403
from .normalization import *  # noqa: F401,F403
from .attention import *  # noqa: F401,F403
from .rnn import *  # noqa: F401,F403
from .pooling import *  # noqa: F401,F403
from .conv import *  # noqa: F401,F403
from .summary import summary  # noqa: F401

F = functional
