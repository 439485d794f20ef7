"""Every built-in op as a ``Function``: forward on arrays, backward on Tensors."""
from .elementwise import *  # noqa: F401,F403
from .matmul import *  # noqa: F401,F403
from .reduce import *  # noqa: F401,F403
from .shape import *  # noqa: F401,F403
from .nn import *  # noqa: F401,F403
from .fused import *  # noqa: F401,F403
