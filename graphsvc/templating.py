"""The one Jinja environment factory (issue #18): the pages (``graphsvc.web``), the
network views (``viz``) and the case report (``graphsvc.cases``) each had their own
``Environment(...)``; built here, they cannot drift apart in escaping or whitespace.

Every environment escapes ``.html`` templates (what reaches a browser or a liaison's
disk is never trusted text), trims blocks so the generated HTML is stable byte for
byte, and sees the translation catalog (``t``, ``label``, an entity's ``fact_label`` and
``fact_value``, the clauses' ``clause_text``) and the URL helpers
(``quote``, ``urlencode``), so a template moved between them renders the same.
Callers add their own globals (the report's bilingual ``both``, the pages' legend).

Placed at the base layer beside the catalog it reads (tests/test_layers.py): the
three users sit in layers 4 and 5, two of them independent of each other.

>>> from pathlib import Path
>>> env = environment(Path("."), extra=lambda: "x")
>>> env.from_string("{{ '<b>' }}").render(), env.autoescape("a.html")
('&lt;b&gt;', True)
>>> sorted(k for k in env.globals if k in {"t", "label", "quote", "urlencode", "extra"})
['extra', 'label', 'quote', 't', 'urlencode']
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape

from graphsvc.contract.clauses import clause_text
from graphsvc.web import i18n


def _quote(value: Any) -> str:
    """A path segment: everything but unreserved characters percent-encoded."""
    return quote(str(value), safe="")


def environment(folder: Path, **globals_: Any) -> Environment:
    """An environment loading templates from ``folder``, with the shared settings and
    globals; ``globals_`` adds to (or overrides) them."""
    env = Environment(
        loader=FileSystemLoader(str(folder)),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(t=i18n.t, label=i18n.label, quote=_quote, urlencode=urlencode)
    env.globals.update(
        fact_label=i18n.fact_label,
        fact_value=i18n.fact_value,
        clause_text=clause_text,
        region_label=i18n.region_label,
    )
    env.globals.update(globals_)
    return env
