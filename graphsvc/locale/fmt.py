"""How numbers read in a rendered text: probabilities, money, counts, days (issue #13).

One helper per kind of value, the same in both languages (a probability reads
``1e-12`` in Chinese too: investigators quote it in court), so a :class:`~graphsvc.
locale.msg.Msg` gets its values already printed and its template only places them.
"""

from __future__ import annotations

import math
from datetime import date


def fmt_p(log10p: float) -> str:
    """A probability from its log10, readable: two decimals above 0.01, else a power of ten.

    >>> fmt_p(-12.34), fmt_p(-1.5), fmt_p(0.3)
    ('1e-12', '0.03', '1.00')
    """
    log10p = min(0.0, log10p)
    if log10p > -2:
        return f"{10**log10p:.2f}"
    return f"1e{math.floor(log10p + 0.5)}"


def fmt_money(x: float) -> str:
    """Yuan with thousands separators.

    >>> fmt_money(12345.6), fmt_money(0)
    ('¥12,345.60', '¥0.00')
    """
    return f"¥{x:,.2f}"


def fmt_num(x: float) -> str:
    """Counts as integers, rates with up to 3 significant digits.

    >>> fmt_num(14.0), fmt_num(0.01234), fmt_num(2.5)
    ('14', '0.0123', '2.5')
    """
    if float(x).is_integer():
        return str(int(x))
    return f"{x:.3g}"


def fmt_date(d: date) -> str:
    """A day as ISO ``YYYY-MM-DD`` (a pandas Timestamp is a date too).

    >>> from datetime import datetime
    >>> fmt_date(date(2025, 3, 1)), fmt_date(datetime(2025, 3, 1, 14, 30))
    ('2025-03-01', '2025-03-01')
    """
    return f"{d:%Y-%m-%d}"
