"""Containers: ``Sequential`` (chains its modules) and ``ModuleList`` (holds them)."""
from __future__ import annotations

from collections import OrderedDict
from typing import Any, Iterable, Iterator

from .module import Module

__all__ = ["Sequential", "ModuleList"]


class _Indexed(Module):
    """Shared list behaviour: children named "0", "1", ... indexable and sliceable."""

    def _key(self, idx: int) -> str:
        n = len(self._modules)
        if not -n <= idx < n:
            raise IndexError(f"{type(self).__name__}: index {idx} is out of range for "
                             f"{n} modules")
        return list(self._modules)[idx % n]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __setitem__(self, idx: int, module: Module) -> None:
        setattr(self, self._key(idx), module)

    def __delitem__(self, idx: int | slice) -> None:
        """Remove modules, then renumber the rest "0", "1", ... (as torch), so that
        ``append`` never reuses a name that is still taken."""
        keys = list(self._modules)[idx] if isinstance(idx, slice) else [self._key(idx)]
        for key in keys:
            delattr(self, key)
        rest = list(self._modules.values())
        for key in list(self._modules):
            delattr(self, key)
        for i, module in enumerate(rest):
            self.add_module(str(i), module)

    def append(self, module: Module) -> "_Indexed":
        """Add ``module`` at the end (named by the next free integer)."""
        self.add_module(str(len(self._modules)), module)
        return self


class Sequential(_Indexed):
    """Feeds the input through its modules in order: ``Sequential(a, b)(x) = b(a(x))``.
    Accepts modules or one ``OrderedDict`` of named modules. Slicing returns a
    ``Sequential`` that keeps the original names (as torch)."""

    def __init__(self, *args: Any) -> None:
        super().__init__()
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            for name, module in args[0].items():
                self.add_module(name, module)
        else:
            for i, module in enumerate(args):
                if not isinstance(module, Module):
                    raise TypeError(f"Sequential: argument {i} is a "
                                    f"{type(module).__name__}, not an nn.Module")
                self.add_module(str(i), module)

    def __getitem__(self, idx: int | slice) -> Any:
        if isinstance(idx, slice):
            return Sequential(OrderedDict(list(self._modules.items())[idx]))
        return self._modules[self._key(idx)]

    def forward(self, input: Any) -> Any:
        for module in self._modules.values():
            input = module(input)
        return input


class ModuleList(_Indexed):
    """A list of modules whose parameters are registered (no forward of its own)."""

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __getitem__(self, idx: int | slice) -> Any:
        if isinstance(idx, slice):
            return ModuleList(list(self._modules.values())[idx])
        return self._modules[self._key(idx)]

    def extend(self, modules: Iterable[Module]) -> "ModuleList":
        for module in modules:
            self.append(module)
        return self

    def forward(self, *args: Any) -> Any:
        raise NotImplementedError("ModuleList has no forward(); iterate over it instead")
