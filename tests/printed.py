"""Compare printed text the way the tests may: words exactly, numbers with a tolerance.

Floating-point results of training, BLAS products and long reductions differ in their
last bits between CPUs (OpenBLAS picks a kernel per CPU model) and thread counts, and a
printout rounds those bits into visible digits. So a test never compares such text
character by character: it splits both texts into numbers and the words between them;
the words (white space folded) must be equal, and each pair of numbers must agree to

    |actual − expected| ≤ rtol · max(|actual|, |expected|) + one unit of the last printed digit

(the unit only for numbers printed with a decimal point or an exponent: a rounding
boundary can flip that digit; integers such as counts get no such slack).
"""
from __future__ import annotations

import math
import re

# a number as Python, NumPy and the docs print it: 12, -0.5, 1.5e-05, −3 (typographic minus)
_NUMBER = re.compile(r"(?<![\w.])[-+−]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?(?![\w])"
                     r"|(?<![\w])[-+−]?(?:nan|inf)(?![\w])")

DEFAULT_RTOL = 1e-3


def _parse(token: str) -> tuple[float, float]:
    """(value, one unit of its last printed digit)."""
    text = token.replace("−", "-")
    value = float(text)
    mantissa, _, exponent = text.lower().partition("e")
    decimals = len(mantissa.partition(".")[2])
    if "." not in mantissa and not exponent:
        return value, 0.0
    return value, 10.0 ** (int(exponent or 0) - decimals)


def _split(text: str) -> tuple[list[str], list[str]]:
    """The words between the numbers (white space folded) and the numbers."""
    numbers = _NUMBER.findall(text)
    words = [" ".join(part.split()) for part in _NUMBER.split(text)]
    return words, numbers


def printout_difference(actual: str, expected: str, rtol: float = DEFAULT_RTOL) -> str | None:
    """``None`` when the two printouts agree, else what differs first."""
    words_a, nums_a = _split(actual)
    words_e, nums_e = _split(expected)
    if words_a != words_e or len(nums_a) != len(nums_e):
        for i, (wa, we) in enumerate(zip(words_a, words_e)):
            if wa != we:
                return f"text differs after {i} numbers: {wa!r} printed, {we!r} expected"
        return (f"{len(nums_a)} numbers printed, {len(nums_e)} expected:\n--- printed\n"
                f"{actual}\n--- expected\n{expected}")
    for i, (ta, te) in enumerate(zip(nums_a, nums_e)):
        (a, unit_a), (e, unit_e) = _parse(ta), _parse(te)
        if math.isnan(a) or math.isnan(e):
            if math.isnan(a) and math.isnan(e):
                continue
        elif a == e or abs(a - e) <= rtol * max(abs(a), abs(e)) + max(unit_a, unit_e) * (1 + 1e-9):
            continue
        return f"number {i + 1} ({words_e[i][-40:]!r} …): printed {ta}, expected {te} (rtol {rtol})"
    return None


def assert_same_printout(actual: str, expected: str, rtol: float = DEFAULT_RTOL,
                         where: str = "") -> None:
    diff = printout_difference(actual, expected, rtol)
    assert diff is None, f"{where}: {diff}" if where else diff
