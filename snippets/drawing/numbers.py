"""Numbers as the pages print them: true minus signs, vectors, scientific notation and tick labels
without mathtext; and the slope of a straight line on log-log axes, which several figures and
captions read off."""

import math
import re

import torch

SUPERSCRIPTS = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def minus(text):
    """`text` with true minus signs in place of hyphens."""
    return str(text).replace("-", "−")


# a hyphen that makes a number negative, or its exponent (1e-05); not one inside a word (1-D), nor
# the "-" of an operator between two operands (x - 1)
_NEGATIVE = re.compile(r"(?<![\w.)\]])-(?=\.?\d|inf\b)|(?<=\de)-(?=\d)")


def minus_numbers(text):
    """`text` with a true minus sign on every negative number, and every other hyphen kept (1-D)."""
    return _NEGATIVE.sub("−", str(text))


def fixed(value, digits=3):
    """A number with `digits` decimals and a true minus sign, never −0.000."""
    return minus(f"{round(float(value), digits) + 0.0:.{digits}f}")


def vec(v, digits=4):
    """A vector as text, (−2.2465, −2.7314), with true minus signs."""
    return minus(
        "(" + ", ".join(f"{round(float(t), digits) + 0.0:.{digits}f}" for t in v) + ")"
    )


def sci(value, digits=1):
    """A number in scientific notation as text, 3.3 × 10⁻¹¹ (and 10⁻⁵ for 1e-5)."""
    mantissa, exponent = f"{value:.{digits}e}".split("e")
    power = "10" + str(int(exponent)).translate(SUPERSCRIPTS)
    sign, mantissa = ("−", mantissa[1:]) if mantissa.startswith("-") else ("", mantissa)
    return sign + (
        power if mantissa in ("1", "1." + "0" * digits) else f"{mantissa} × {power}"
    )


def loglog_slope(hs, errors):
    """Return the slope of a straight line fitted to log10(error) against log10(h)."""
    lx = torch.tensor(hs, dtype=torch.float64).log10()
    ly = torch.tensor(errors, dtype=torch.float64).log10()
    lx, ly = lx - lx.mean(), ly - ly.mean()
    return ((lx * ly).sum() / (lx * lx).sum()).item()


def power_of_ten(value, _=None):
    """Tick label 10⁻⁵ for 1e-5 (and 1 for 1), in plain text: mathtext is slow to start."""
    exponent = round(math.log10(value))
    return "1" if exponent == 0 else "10" + str(exponent).translate(SUPERSCRIPTS)
