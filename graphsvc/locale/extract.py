"""Babel extractors that read the project's call shape (``pybabel extract -F babel.cfg``).

Code and templates ask for texts with ``t(key, lang)`` (pages), and ``both(key)``,
``pair(key)``, ``one(key, lang)`` or the case pages' ``ct(key)`` (the ``report``
context). These wrappers run Babel's Python extractor and Jinja's, and hand the calls
on as ``gettext(key)`` and ``pgettext("report", key)``, the keywords every gettext
tool knows, so ``pybabel extract`` needs no keyword options and yields the catalogs'
message ids and contexts. Calls whose key is built at run time (``label("role", r)``,
``both("status." ~ s)``) cannot be extracted; tests/test_i18n_catalogs.py checks those
families against the data they come from.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Mapping
from io import BytesIO
from typing import Any, BinaryIO, cast

from babel.messages.extract import extract_python as _babel_python
from jinja2.ext import babel_extract as _jinja

PAGE_CALLS = frozenset({"t"})
# Msg("reason.…", **values): detection and screening texts (graphsvc.locale.msg)
MSG_CALLS = frozenset({"Msg"})
REPORT_CALLS = frozenset({"both", "pair", "one", "ct"})
REPORT_CONTEXT = "report"

Extracted = tuple[int, str, Any, list[str]]

# A Python module's text calls count only where it imports them: ``t``, ``one`` and
# ``pair`` are common names (a loop variable, a detector's helper).
_IMPORTS = {
    "graphsvc.web.i18n": PAGE_CALLS,
    "graphsvc.cases.texts": REPORT_CALLS,
    "graphsvc.locale.msg": MSG_CALLS,
}
# ``from m import (a, b)`` may span lines; ``from m import a, b`` ends at its line (a
# pattern that crossed it swallowed the next import's module name).
_FROM = re.compile(r"^[ \t]*from\s+([\w.]+)\s+import\s+(?:\(([\w\s,]+)\)|([\w \t,]+))", re.M)


def _imported(source: str) -> frozenset[str]:
    """The project's text calls a module imports (``from graphsvc.web import i18n``
    brings ``i18n.t``)."""
    names: set[str] = set()
    for module, grouped, inline in _FROM.findall(source):
        imported = grouped or inline
        items = {n.strip() for n in imported.split(",")}
        names |= _IMPORTS.get(module, frozenset()) & items
        for full, calls in _IMPORTS.items():
            package, _, leaf = full.rpartition(".")
            if module == package and leaf in items:
                names |= calls
    return frozenset(names)


def _translate(
    found: Iterator[Any], page_calls: frozenset[str] = PAGE_CALLS
) -> Iterator[Extracted]:
    for lineno, funcname, messages, comments in found:
        first = messages[0] if isinstance(messages, tuple) else messages
        if not isinstance(first, str):
            continue  # a key built at run time
        if funcname in page_calls or funcname in MSG_CALLS:
            yield lineno, "gettext", first, list(comments)
        elif funcname in REPORT_CALLS:
            yield lineno, "pgettext", (REPORT_CONTEXT, first), list(comments)
        else:
            yield lineno, funcname, messages, list(comments)


def extract_python(
    fileobj: BinaryIO,
    keywords: Collection[str],
    comment_tags: Collection[str],
    options: Mapping[str, Any],
) -> Iterator[Extracted]:
    """Babel's Python extractor, seeing the text calls the module imports."""
    source = fileobj.read()
    calls = _imported(source.decode("utf-8"))
    names = {*keywords, *calls}
    found = _babel_python(BytesIO(source), dict.fromkeys(names), comment_tags, cast(Any, options))
    yield from _translate(f for f in found if f[1] in calls or f[1] in keywords)


def extract_jinja(
    fileobj: BinaryIO,
    keywords: Collection[str],
    comment_tags: Collection[str],
    options: Mapping[str, Any],
) -> Iterator[Extracted]:
    """Jinja's extractor, seeing the templates' text calls.

    The option ``page_calls`` (babel.cfg) names calls that read page texts in that
    template, e.g. the published results' bilingual ``both`` over page keys."""
    extra = frozenset(n.strip() for n in str(options.get("page_calls", "")).split(",") if n.strip())
    names = [*keywords, *PAGE_CALLS, *REPORT_CALLS]
    jinja_options = {k: v for k, v in options.items() if k != "page_calls"}
    found = _jinja(fileobj, names, list(comment_tags), jinja_options)
    yield from _translate(found, PAGE_CALLS | extra)
