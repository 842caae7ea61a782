"""GB 11643 resident ID numbers: 6-digit region + YYYYMMDD + 3-digit sequence + check.

The sequence is odd for men and even for women; the check character is ISO 7064
MOD 11-2 over the first 17 digits (``X`` stands for 10).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
CHECK_CHARS = "10X98765432"


def check_char(first17: str) -> str:
    """The check character of 17 digits.

    >>> check_char("11010519491231002")
    'X'
    >>> check_char("46010619900307123")
    '5'
    """
    total = sum(int(c) * int(w) for c, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def is_valid(id_number: str) -> bool:
    """Shape and check digit (the date part is not checked here).

    >>> is_valid("11010519491231002X"), is_valid("110105194912310021")
    (True, False)
    """
    if len(id_number) != 18 or not id_number[:17].isdigit():
        return False
    return check_char(id_number[:17]) == id_number[17].upper()


def check_chars(first17: npt.NDArray[np.str_]) -> npt.NDArray[np.str_]:
    """Vectorised :func:`check_char` over an array of 17-digit strings."""
    digits = np.frombuffer(
        np.ascontiguousarray(first17.astype("S17")).tobytes(), dtype=np.uint8
    ).reshape(-1, 17).astype(np.int64) - ord("0")
    rem = (digits @ WEIGHTS) % 11
    out: npt.NDArray[np.str_] = np.array(list(CHECK_CHARS))[rem]
    return out
