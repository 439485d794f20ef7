"""Which node produced a tensor, as seen by each consumer, once in-place ops rewrite it.

``x = a * 2; y = x * 3; x.mul_(b)``: after the write, ``x.grad_fn`` is the ``mul_``
node, but ``y`` was computed from the value before it, so the gradient from ``y``
must reach ``a * 2``, not ``mul_``. As in PyTorch (where each edge of the graph is
fixed when it is recorded), a consumer sees the producer that was current when it
was recorded: ``rewire`` logs the old producer with the write's epoch, and the
engine asks ``grad_fn_of(tensor, consumer)``.

Speed: a graph without in-place writes logs nothing, and the engine then reads
``tensor.grad_fn`` directly (``rewired()`` is false).
"""
from __future__ import annotations

import weakref
from typing import Any

from .grad_mode import _state
from .versions import bump, version

__all__ = ["rewire", "grad_fn_of", "rewired", "register_view", "view_root", "views_of",
           "check_writable", "untracked", "count_write", "version_of"]

# id(tensor) -> (weak reference to it, [(epoch of the write, producer before it), ...])
_log: dict[int, tuple[weakref.ref, list]] = {}


# forward mode's hooks (set by autograd/forward_ad.py): after an in-place write, the
# written tensor's tangent becomes the written value's
forward_hooks: dict = {"write": None, "rewire": None}


def rewire(tensor: Any, node: Any) -> None:
    """Make ``node`` the producer of ``tensor`` from now on (after an in-place write)."""
    if forward_hooks["rewire"] is not None:
        forward_hooks["rewire"](tensor, node)
    key = id(tensor)
    entry = _log.get(key)
    if entry is None:
        ref = weakref.ref(tensor, lambda _, key=key, log=_log: log.pop(key, None))
        entry = _log[key] = (ref, [])
    entry[1].append((_state["writes"], tensor.grad_fn))
    tensor.grad_fn = node
    tensor.requires_grad = node is not None or tensor.requires_grad


def rewired() -> bool:
    """Whether any live tensor was rewired (else every ``grad_fn`` is the only one)."""
    return bool(_log)


def grad_fn_of(tensor: Any, consumer: Any) -> Any:
    """The producer of ``tensor`` when ``consumer`` was recorded."""
    entry = _log.get(id(tensor))
    if entry is not None:
        epoch = consumer._epoch
        for written, before in entry[1]:
            if epoch < written:     # the consumer came before this write
                return before
    return tensor.grad_fn


# -- views ---------------------------------------------------------------------------
# A view (basic indexing, a reshape that copies nothing, permute, expand) shares its
# base's storage, so a write through it changes the base, and a write into the base
# changes every view. Views made in grad mode are remembered as (root, steps): the
# steps that make the view from the root tensor, replayed after a write to give the
# root and every live view their new history (PyTorch's CopySlices and view replay).
_views: dict[int, tuple] = {}                   # id(view) -> (ref(view), ref(root), steps)
_views_of: dict[int, dict[int, weakref.ref]] = {}   # id(root) -> {id(view): ref(view)}


def register_view(view: Any, parent: Any, step: tuple, grad_mode: bool) -> None:
    """Remember that ``view`` is ``step`` (``("index", i)``, ``("reshape", shape)``,
    ``("permute", dims)``, ``("expand", shape)``) applied to ``parent`` (in grad mode
    only: under no_grad nothing is recorded that a write could invalidate)."""
    if _untracked and _own(parent) is not None:   # a view of ``.data`` is cut from
        untracked(view)                              # autograd as well
        return
    if not grad_mode:
        return
    info = _views.get(id(parent))
    if info is not None and info[0]() is parent:
        root_ref, steps = info[1], info[2] + (step,)
    else:
        root_ref, steps = weakref.ref(parent), (step,)
    root = root_ref()
    if root is None:
        return
    vid, rid = id(view), id(root)

    def forget(_: Any, vid: int = vid, rid: int = rid, views: dict = _views,
               views_of: dict = _views_of) -> None:     # (bound: callbacks may run at exit)
        views.pop(vid, None)
        group = views_of.get(rid)
        if group is not None:
            group.pop(vid, None)
            if not group:
                del views_of[rid]

    ref = weakref.ref(view, forget)
    _views[vid] = (ref, root_ref, steps)
    _views_of.setdefault(rid, {})[vid] = ref


def view_root(tensor: Any) -> tuple | None:
    """``(root, steps)`` if ``tensor`` is a live view of ``root``, else None."""
    info = _views.get(id(tensor))
    if info is None or info[0]() is not tensor:
        return None
    root = info[1]()
    return None if root is None else (root, info[2])


def views_of(root: Any) -> list[tuple]:
    """``[(view, steps), ...]`` for the live views of ``root``, oldest first."""
    out = []
    for ref in list(_views_of.get(id(root), {}).values()):
        view = ref()
        info = _views.get(id(view)) if view is not None else None
        if info is not None and info[1]() is root:
            out.append((view, info[2]))
    return out


def check_writable(tensor: Any) -> None:
    """PyTorch's errors for an in-place write, in grad mode, into a leaf that requires
    grad (or a view of one): its gradient would no longer be defined."""
    if tensor.grad_fn is None and tensor.requires_grad:
        raise RuntimeError("a leaf Variable that requires grad is being used in an "
                           "in-place operation.")
    view = view_root(tensor)
    if view is not None and view[0].grad_fn is None and view[0].requires_grad:
        raise RuntimeError("a view of a leaf Variable that requires grad is being used "
                           "in an in-place operation.")


# -- .data ---------------------------------------------------------------------------
# ``t.data`` shares t's storage but, as in PyTorch, has its own version counter, so
# writes through it (``p.data -= lr * p.grad``) are not seen by autograd.
# id(tensor) -> [weak reference to it, its own version]  (not a WeakSet: weak references
# compare their referents with ==, and a Tensor's == is elementwise)
_untracked: dict[int, list] = {}


def _own(tensor: Any) -> list | None:
    entry = _untracked.get(id(tensor))
    return entry if entry is not None and entry[0]() is tensor else None


def untracked(tensor: Any) -> Any:
    """Mark ``tensor`` (made by ``.data``) as having its own version counter."""
    key = id(tensor)
    _untracked[key] = [weakref.ref(tensor, lambda _, key=key, own=_untracked: own.pop(key, None)),
                       0]
    return tensor


def count_write(tensor: Any) -> None:
    """Bump the version counter of ``tensor`` (its storage's, or its own)."""
    if forward_hooks["write"] is not None:
        forward_hooks["write"](tensor)
    own = _own(tensor) if _untracked else None
    if own is not None:
        own[1] += 1
    else:
        bump(tensor._data)


def version_of(tensor: Any) -> int:
    own = _own(tensor) if _untracked else None
    return own[1] if own is not None else version(tensor._data)
