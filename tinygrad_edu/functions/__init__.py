"""Every built-in op as a ``Function``: forward on arrays, backward on Tensors."""
from .elementwise import *  # noqa: F401,F403
from .matmul import *  # noqa: F401,F403
from .reduce import *  # noqa: F401,F403
from .shape import *  # noqa: F401,F403
from .nn import *  # noqa: F401,F403
from .unary import *  # noqa: F401,F403
from .indexing import *  # noqa: F401,F403
from .scan import *  # noqa: F401,F403
from .linalg import *  # noqa: F401,F403
from .fused import *  # noqa: F401,F403
from .assign import *  # noqa: F401,F403
from .conv import *  # noqa: F401,F403
from .names import apply_torch_names as _apply_torch_names

_apply_torch_names()
