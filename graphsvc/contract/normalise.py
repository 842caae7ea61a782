"""Value normalisation shared by the loader and the detectors (pure functions).

Why one module: the same phone written ``+86 138-0013-8000`` and ``13800138000``
must become one Identifier node, and the detectors group CSV-read identifiers the
same way (``graphsvc.detection.data`` imports :func:`normalise_identifier`).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from graphsvc.contract.address import address_key

_WS = re.compile(r"\s+")
_DIGITS = re.compile(r"\D+")
_PROP_BAD = re.compile(r"[^a-z0-9_]+")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$")
_DECIMAL = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_REGION = re.compile(r"^\d{6}$")

GB11643_WEIGHTS: tuple[int, ...] = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
GB11643_CHECK = "10X98765432"


def clean_text(value: str) -> str:
    """NFKC (full-width to half-width), trim and collapse inner whitespace.

    >>> clean_text("  ＡＢ１２　 c ")
    'AB12 c'
    """
    if value.isascii():  # fast path: most cells are plain ASCII without runs of spaces
        text = value.strip()
        if "  " not in text and "\t" not in text and "\n" not in text and "\r" not in text:
            return text
        return _WS.sub(" ", text)
    return _WS.sub(" ", unicodedata.normalize("NFKC", value)).strip()


def normalise_identifier(kind: str, value: str) -> str:
    """The matching form of an identifier value (its node id is ``kind:<this>``).

    Phones keep digits only, without the +86/0086 country prefix; bank accounts keep
    digits only; email and device are lower-cased; an address becomes its canonical key
    (:func:`graphsvc.contract.address.address_key`: the same flat written with or without
    province, suffixes, 室, in Chinese numerals or full-width digits is one identifier).
    This runs before any pseudonymisation (issue #14 hashes the normalised value).

    >>> normalise_identifier("phone", "+86 138-0013-8000")
    '13800138000'
    >>> normalise_identifier("phone", "(0086)１３８００１３８０００")
    '13800138000'
    >>> normalise_identifier("email", " Li.Ming@Example.COM")
    'li.ming@example.com'
    >>> normalise_identifier("bank_account", "6222 0202 0000 1234 567")
    '6222020200001234567'
    >>> normalise_identifier("address", "海南省  海口市 ＡＢＣ路１号")
    '海南省海口市abc路1号'
    >>> normalise_identifier("address", "海口龙华海秀路12号三栋201")
    '海南省海口市海秀路12号3栋201室'
    """
    text = clean_text(value)
    if kind == "phone":
        stripped = text.lstrip()
        plus = stripped.startswith("+")
        digits = _DIGITS.sub("", stripped)
        if digits.startswith("0086") and len(digits) > 11:
            digits = digits[4:]
        elif (plus or len(digits) == 13) and digits.startswith("86") and len(digits) > 11:
            digits = digits[2:]
        return digits
    if kind == "bank_account":
        return _DIGITS.sub("", text)
    if kind == "address":
        return address_key(text)
    return text.casefold() if kind in ("email", "device") else text


def identifier_id(kind: str, normalised: str) -> str:
    """``kind:value``, the Identifier node's unique id.

    >>> identifier_id("phone", "13800138000")
    'phone:13800138000'
    """
    return f"{kind}:{normalised}"


def gb11643_valid(number: str) -> bool:
    """Whether an 18-character resident ID has a correct GB 11643 check digit.

    >>> gb11643_valid("11010519491231002X")
    True
    >>> gb11643_valid("110105194912310021")
    False
    """
    if len(number) != 18 or not number[:17].isdigit() or not number[:17].isascii():
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], GB11643_WEIGHTS, strict=True))
    return GB11643_CHECK[total % 11] == number[17]


def gb11643_check_digit(first17: str) -> str:
    """The check digit completing 17 digits (for fixtures and generators).

    >>> gb11643_check_digit("11010519491231002")
    'X'
    """
    total = sum(int(d) * w for d, w in zip(first17, GB11643_WEIGHTS, strict=True))
    return GB11643_CHECK[total % 11]


def parse_date(value: str) -> str | None:
    """``YYYY-MM-DD`` of a real calendar day, else None.

    >>> parse_date("2024-02-29"), parse_date("2023-02-29"), parse_date("2024/01/01")
    ('2024-02-29', None, None)
    """
    if not _DATE.match(value):
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        return None


def parse_date_or_datetime(value: str) -> tuple[str, str | None] | None:
    """(ISO date, ISO datetime or None) of ``YYYY-MM-DD[ HH:MM[:SS]]``, else None.

    >>> parse_date_or_datetime("2024-03-01 08:15:00")
    ('2024-03-01', '2024-03-01T08:15:00')
    >>> parse_date_or_datetime("2024-03-01")
    ('2024-03-01', None)
    """
    d = parse_date(value)
    if d is not None:
        return d, None
    m = _DATETIME.match(value)
    if not m:
        return None
    try:
        year, month, day = (int(p) for p in m.group(1).split("-"))
        dt = datetime(
            year,
            month,
            day,
            int(m.group(2)),
            int(m.group(3)),
            int(m.group(4) or 0),
        )
    except ValueError:
        return None
    return dt.date().isoformat(), dt.isoformat()


def parse_decimal(value: str) -> Decimal | None:
    """A finite decimal number written plainly (no thousands separators), else None.

    >>> parse_decimal("12.50"), parse_decimal("1e3"), parse_decimal("1,000")
    (Decimal('12.50'), None, None)
    """
    if not _DECIMAL.match(value):
        return None
    try:
        return Decimal(value)
    except InvalidOperation:  # pragma: no cover - the pattern already excludes these
        return None


def valid_region(value: str) -> bool:
    return bool(_REGION.match(value)) and value.isascii()


def property_name(column: str) -> str:
    """A safe property name for an extra column: ``[a-z0-9_]``, not starting with a digit.

    >>> property_name("Visit Note (free text)")
    'visit_note_free_text'
    >>> property_name("2nd-opinion")
    'x_2nd_opinion'
    >>> property_name("备注")
    ''
    """
    name = _PROP_BAD.sub("_", unicodedata.normalize("NFKC", column).lower()).strip("_")
    name = re.sub(r"_+", "_", name)
    if name and name[0].isdigit():
        name = "x_" + name
    return name
