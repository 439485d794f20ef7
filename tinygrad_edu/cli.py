"""The ``tinygrad-edu`` command (also ``python -m tinygrad_edu``).

    tinygrad-edu demo                                   # train on digits, save pictures
    tinygrad-edu graph "tanh(x*w + b)" --set x=2 --set w=-3 --set b=6.88 --out g.svg
    tinygrad-edu explain "tanh(x*w + b)" --wrt w --set x=2 --set w=-3 --set b=6.88
    tinygrad-edu explore "tanh(x*w + b)" --set x=2 --set w=-3 --set b=6.88 --out g.html

Expressions are parsed with Python's ``ast`` module and a whitelist of node
types; nothing is ever passed to ``eval``.
"""
from __future__ import annotations

import argparse
import ast
import errno
import math
import os
import sys
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from .tensor import Tensor
from .viz import GraphvizError

__all__ = ["main", "parse_expression", "ExpressionError", "FUNCTIONS"]

FUNCTIONS = ("exp", "log", "sin", "cos", "tanh", "sigmoid", "relu")
_BINARY = {ast.Add: "__add__", ast.Sub: "__sub__", ast.Mult: "__mul__",
           ast.Div: "__truediv__", ast.Pow: "__pow__"}
_MAX_LENGTH = 1000


class ExpressionError(ValueError):
    """A bad expression for ``graph``/``explain``: the message is one line."""


def _apply_binary(op: str, a: Any, b: Any) -> Any:
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        a = Tensor(float(a))       # two constants: compute them as a tensor too
    if isinstance(a, Tensor):
        return getattr(a, op)(b)
    return getattr(b, "__r" + op[2:])(a)


def parse_expression(source: str, variables: dict[str, Tensor]) -> Any:
    """Evaluate a scalar expression over ``variables`` by walking its syntax tree.

    Allowed: numbers, variable names, ``+ - * / **``, unary ``-``/``+``, and calls
    of ``exp log sin cos tanh sigmoid relu`` with one argument. Anything else
    raises ``ExpressionError``.
    """
    if len(source) > _MAX_LENGTH:
        raise ExpressionError(f"expression too long ({len(source)} characters, at most "
                              f"{_MAX_LENGTH})")
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"cannot parse {source!r}: {exc.msg}") from None
    allowed = "use numbers, names, + - * / ** and " + " ".join(FUNCTIONS)

    def visit(node: ast.AST) -> Any:
        if isinstance(node, ast.Constant):
            if isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
                try:
                    return float(node.value)
                except OverflowError:       # an integer literal beyond float range
                    raise ExpressionError(f"the number {ast.unparse(node)[:20]}… is too "
                                          f"large") from None
            raise ExpressionError(f"{node.value!r} is not a number; {allowed}")
        if isinstance(node, ast.Name):
            if node.id not in variables:
                hint = (f"{node.id} is a function: call it like {node.id}(x)"
                        if node.id in FUNCTIONS else f"give its value with --set {node.id}=VALUE")
                raise ExpressionError(f"unknown name {node.id!r}: {hint}")
            return variables[node.id]
        if isinstance(node, ast.BinOp):
            op = _BINARY.get(type(node.op))
            if op is None:
                hint = "; use ** for powers" if isinstance(node.op, ast.BitXor) else ""
                raise ExpressionError(f"operator {ast.unparse(node)!r} is not allowed{hint}; "
                                      f"{allowed}")
            return _apply_binary(op, visit(node.left), visit(node.right))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            value = visit(node.operand)
            return -value if isinstance(node.op, ast.USub) else value
        if isinstance(node, ast.Call):
            name = node.func.id if isinstance(node.func, ast.Name) else None
            if name not in FUNCTIONS:
                raise ExpressionError(f"unknown function {ast.unparse(node.func)!r}; "
                                      f"allowed: {', '.join(FUNCTIONS)}")
            if len(node.args) != 1 or node.keywords:
                raise ExpressionError(f"{name}() takes exactly one argument, got "
                                      f"{ast.unparse(node)!r}")
            arg = visit(node.args[0])
            return getattr(arg if isinstance(arg, Tensor) else Tensor(arg), name)()
        raise ExpressionError(f"{ast.unparse(node)!r} is not allowed; {allowed}")

    try:
        with np.errstate(all="ignore"):
            return visit(tree.body)
    except RecursionError:
        raise ExpressionError("expression nested too deeply") from None


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _assignment(text: str) -> tuple[str, float]:
    name, sep, value = text.partition("=")
    name = name.strip()
    if not sep or not name.isidentifier():
        raise argparse.ArgumentTypeError(f"expected NAME=NUMBER, got {text!r}")
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number (in {text!r})") \
            from None
    if not math.isfinite(number):
        raise argparse.ArgumentTypeError(f"{text!r}: the value must be finite")
    return name, number


def _build(args: argparse.Namespace) -> tuple[Tensor, dict[str, Tensor]]:
    """Parse ``args.expr`` with the ``--set`` values, check it, and backpropagate."""
    values: dict[str, float] = {}
    for name, value in args.set:
        if name in values:
            raise ExpressionError(f"--set {name} is given twice ({name}={values[name]:g} and "
                                  f"{name}={value:g}): give each variable once")
        values[name] = value
    variables = {name: Tensor(value, requires_grad=True, name=name)
                 for name, value in values.items()}
    root = parse_expression(args.expr, variables)
    if not isinstance(root, Tensor) or root.grad_fn is None:
        raise ExpressionError(f"{args.expr!r} applies no operation to a variable: there "
                              f"is nothing to differentiate")
    if not np.isfinite(root._data).all():
        raise ExpressionError(f"{args.expr!r} evaluates to {root.item()} at the given values")
    root.name = root.name or "out"
    with np.errstate(all="ignore"):
        root.backward()
    for name, v in variables.items():
        if v.grad is not None and not np.isfinite(v.grad._data).all():
            raise ExpressionError(f"the gradient of {args.expr!r} with respect to {name} is "
                                  f"{v.grad.item()} at the given values")
    return root, variables


def _make_dir(folder: Path) -> None:
    """Create ``folder`` (and its parents); a file on the way is a NotADirectoryError
    that names it (mkdir alone would say "File exists")."""
    for p in (folder, *folder.parents):
        if p.exists():
            if not p.is_dir():
                raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(p))
            break
    folder.mkdir(parents=True, exist_ok=True)


def _print_values(root: Tensor, variables: dict[str, Tensor]) -> None:
    print(f"{root.name} = {root.item():.6g}")
    for name, v in variables.items():
        g = "none (not used)" if v.grad is None else f"{v.grad.item():.6g}"
        print(f"d{root.name}/d{name} = {g}")


def _cmd_graph(args: argparse.Namespace) -> int:
    from . import viz
    out = Path(args.out)
    fmt = out.suffix.lstrip(".").lower() or "svg"
    if fmt not in ("svg", "png", "pdf", "dot"):
        raise ExpressionError(f"--out {out}: unsupported format {fmt!r} (use .svg, .png, "
                              f".pdf or .dot)")
    root, variables = _build(args)
    _print_values(root, variables)
    _make_dir(out.parent)
    print(f"graph written to {viz.render(root, out, format=fmt)}")
    return 0


def _cmd_explain(args: argparse.Namespace) -> int:
    from . import viz
    root, variables = _build(args)
    if args.wrt not in variables:
        raise ExpressionError(f"--wrt {args.wrt}: not a variable; give its value with "
                              f"--set {args.wrt}=VALUE")
    if variables[args.wrt].grad is None:
        raise ExpressionError(f"--wrt {args.wrt}: {args.wrt} does not appear in "
                              f"{args.expr!r}")
    print(viz.explain(root, variables[args.wrt]))
    return 0


def _cmd_explore(args: argparse.Namespace) -> int:
    from . import viz
    out = Path(args.out)
    if out.suffix.lower() not in (".html", ".htm"):
        raise ExpressionError(f"--out {out}: the explorer is a web page: give a .html file")
    root, variables = _build(args)
    _print_values(root, variables)
    _make_dir(out.parent)
    page = viz.explore(root, out, open_browser=args.open)
    print(f"explorer written to {page.path} (open it in a browser)")
    return 0


def _write_explorer(loss: Tensor, out: Path) -> str | None:
    """The demo's training step as an explorer page; None without Graphviz."""
    from . import viz
    try:
        return viz.explore(loss, out / "explore.html", title="One training step of the "
                           "digits MLP: click a node, step the backward pass").path
    except viz.GraphvizNotFound:
        return None


def run_demo(out: Path, epochs: int | None = None, quick: bool = False,
             progress: bool = True) -> dict[str, list[float]]:
    """Train a 64-128-10 MLP on the 8×8 digits (Adam, cross-entropy), print the test
    accuracy, and write ``loss_curve.png``, ``training_step.svg`` (the graph of one
    training step, one box per layer), ``explore.html`` (the same step to click
    through) and ``chain_rule.txt`` into ``out``."""
    from . import nn, optim, viz
    from .autograd import no_grad
    from .data import DataLoader, TensorDataset, load_digits, standardize, train_test_split
    from .random import manual_seed
    from .train import fit, plot_history

    epochs = epochs if epochs is not None else (3 if quick else 20)
    _make_dir(out)
    manual_seed(0)
    x, y = load_digits()
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.25, seed=0)
    x_train, x_test = standardize(x_train, x_test, eps=0.1)   # 0.1: pixels live in [0, 1]
    print(f"digits: {len(x_train)} training and {len(x_test)} test images of 8x8 pixels")
    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
    loss_fn = nn.CrossEntropyLoss()
    optimizer = optim.Adam(model.parameters(), lr=3e-3)
    train_loader = DataLoader(TensorDataset(x_train, y_train), batch_size=32, shuffle=True,
                              seed=0)
    test_loader = DataLoader(TensorDataset(x_test, y_test), batch_size=len(x_test))
    print(f"model: {model}".replace("\n", "\n  "))
    start = time.perf_counter()
    history = fit(model, loss_fn, optimizer, train_loader, epochs, val_loader=test_loader,
                  progress=progress)
    seconds = time.perf_counter() - start
    print(f"trained {epochs} epochs in {seconds:.1f} s: training loss "
          f"{history['loss'][0]:.4f} -> {history['loss'][-1]:.4f}")
    print(f"test accuracy: {history['val_accuracy'][-1]:.2%} ({len(x_test)} digits)")

    curve = plot_history(history, out / "loss_curve.png", title="MLP on 8x8 digits")
    # one training step on the hardest test digit (largest loss, so the gradients
    # are not all ~0): forward and loss; the graph shows backward too
    with no_grad():
        losses = nn.functional.cross_entropy(model(x_test), y_test, reduction="none")
    idx = np.argsort(-losses.detach().numpy(), kind="stable")[:1]
    digit = x_test[idx]
    digit.name = "x"
    label = y_test[idx]
    label.name = "label"
    model.zero_grad()
    loss = loss_fn(model(digit), label)
    loss.name = "loss"
    loss.backward()
    try:
        graph = viz.render(loss, out / "training_step.svg", format="svg",
                           collapse_modules=True)
    except viz.GraphvizNotFound as exc:   # keep going: the DOT source is still useful
        graph = viz.render(loss, out / "training_step.dot", format="dot",
                           collapse_modules=True)
        print(f"note: {str(exc).splitlines()[0]} — wrote the DOT source instead",
              file=sys.stderr)
    # a first-layer weight: from the brightest pixel of the digit to the hidden unit,
    # among those that fire (ReLU input > 0), that this pixel drives most
    col = int(digit[0].argmax().item())
    with no_grad():
        hidden = model[0](digit).detach().numpy()[0]
    drive = np.abs(model[0].weight.detach().numpy()[:, col]) * (hidden > 0)
    row = int(np.argmax(drive))
    text = viz.explain(loss, model[0].weight, index=(row, col))
    (out / "chain_rule.txt").write_text(text + "\n", encoding="utf-8")
    print(f"\nthe chain rule for one weight, 0.weight[{row}, {col}] (pixel {col} -> "
          f"hidden unit {row}), for the loss on the hardest test digit "
          f"(a {int(label.item())}):\n")
    print(text)
    explorer = _write_explorer(loss, out)
    print(f"\nwrote {curve}\nwrote {graph}" + (f"\nwrote {explorer}" if explorer else "")
          + f"\nwrote {out / 'chain_rule.txt'}")
    return history


def _cmd_demo(args: argparse.Namespace) -> int:
    run_demo(Path(args.out), epochs=args.epochs, quick=args.quick,
             progress=not args.no_progress)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tinygrad-edu",
        description="tinygrad_edu: reverse-mode autodiff on NumPy with graphs you can see.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = sub.add_parser(
        "demo", help="train an MLP on the built-in digits and save its pictures",
        description="Train a 64-128-10 MLP on scikit-learn's 8x8 digits, print the test "
                    "accuracy, and write the loss curve (PNG), the graph of one training "
                    "step (SVG, and an interactive page explore.html) and the chain rule "
                    "for one weight (text) into --out.")
    demo.add_argument("--epochs", type=_positive_int, default=None,
                      help="training epochs (default 20, or 3 with --quick)")
    demo.add_argument("--quick", action="store_true", help="a few-second smoke run")
    demo.add_argument("--out", default="demo_output", help="output folder "
                      "(default: ./demo_output)")
    demo.add_argument("--no-progress", action="store_true", help="no progress bar")
    demo.set_defaults(func=_cmd_demo)

    expr_help = ("a scalar expression with + - * / **, unary -, numbers, names and "
                 + " ".join(FUNCTIONS) + ", e.g. 'tanh(x*w + b)'")
    set_help = "the value of a variable, e.g. --set w=-3 (repeat for each variable)"
    graph = sub.add_parser(
        "graph", help="draw the computation graph of an expression, with gradients",
        description="Build the graph of EXPR, backpropagate, and render it with values, "
                    "gradients and local derivatives.")
    graph.add_argument("expr", metavar="EXPR", help=expr_help)
    graph.add_argument("--set", type=_assignment, action="append", default=[],
                       metavar="NAME=VALUE", help=set_help)
    graph.add_argument("--out", default="graph.svg",
                       help="output file; the suffix picks the format: .svg (default "
                            "graph.svg), .png, .pdf or .dot")
    graph.set_defaults(func=_cmd_graph)

    explain = sub.add_parser(
        "explain", help="print the chain rule for d EXPR / d VARIABLE",
        description="Write out every path from the variable to EXPR with its local "
                    "derivatives, their products and sum, and compare with autograd.")
    explain.add_argument("expr", metavar="EXPR", help=expr_help)
    explain.add_argument("--wrt", required=True, metavar="NAME",
                         help="the variable to differentiate with respect to")
    explain.add_argument("--set", type=_assignment, action="append", default=[],
                         metavar="NAME=VALUE", help=set_help)
    explain.set_defaults(func=_cmd_explain)

    explore = sub.add_parser(
        "explore", help="write an interactive web page of the graph of an expression",
        description="Build the graph of EXPR and write one self-contained HTML page: click "
                    "a node for its value, gradient and local derivative, step through the "
                    "backward pass.")
    explore.add_argument("expr", metavar="EXPR", help=expr_help)
    explore.add_argument("--set", type=_assignment, action="append", default=[],
                         metavar="NAME=VALUE", help=set_help)
    explore.add_argument("--out", default="explore.html",
                         help="the page to write (default explore.html)")
    explore.add_argument("--open", action="store_true", help="open it in the web browser")
    explore.set_defaults(func=_cmd_explore)
    return parser


def _shield_leading_minus(argv: list[str]) -> list[str]:
    """argparse reads an argument such as ``-x*w`` as an unknown option; for
    ``graph``/``explain`` an argument that starts with ``-`` but is no option (and
    no option's value) is the expression, so it gets a leading space (which the
    parser strips again)."""
    if not argv or argv[0] not in ("graph", "explain", "explore"):
        return argv
    out, takes_value = [argv[0]], False
    for arg in argv[1:]:
        if arg == "--":
            return out + argv[len(out):]
        if not takes_value and arg.startswith("-") and arg != "-h" and not arg.startswith("--"):
            arg = " " + arg
        takes_value = arg in ("--set", "--wrt", "--out")
        out.append(arg)
    return out


def _os_error(exc: OSError) -> str:
    """An OS error in one line: what failed on which file (``--out`` unwritable, …)."""
    if exc.filename is not None and exc.strerror:
        return f"{exc.strerror}: {exc.filename}"
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code: 0 ok, 2 bad usage, a bad
    expression or an OS error (e.g. an unwritable ``--out``), 1 a missing optional
    dependency (scikit-learn, matplotlib, Graphviz) or a Graphviz failure."""
    parser = _parser()
    args = parser.parse_args(_shield_leading_minus(list(sys.argv[1:] if argv is None
                                                         else argv)))
    try:
        return args.func(args)
    except ExpressionError as exc:
        print(f"{parser.prog} {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"{parser.prog} {args.command}: error: {_os_error(exc)}", file=sys.stderr)
        return 2
    except (ImportError, GraphvizError) as exc:
        message = " ".join(str(exc).split())        # Graphviz's output: one line
        print(f"{parser.prog} {args.command}: error: {message}", file=sys.stderr)
        return 1
