"""Add texts to both catalogs at once: ``python -m graphsvc.locale.edit``.

Why a helper: every text needs the same msgid (and msgctxt) in both ``.po`` files, and
branches written before the catalogs (issue #13) still add entries to the old Python
tables; ``from-tables`` adds the keys the catalogs lack after such a merge (texts
already in the catalogs are kept).

    python -m graphsvc.locale.edit add KEY 中文 English [--context report]
    python -m graphsvc.locale.edit from-tables OLD_i18n.py   # TEXTS/SUPERVISION_TEXTS
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections.abc import Iterable
from pathlib import Path

from babel.messages.pofile import read_po, write_po

from graphsvc.locale import DIR, LOCALES, po_path

Entry = tuple[str, str, str, str | None]  # key, Chinese, English, context


def add(entries: Iterable[Entry], root: Path = DIR, *, replace: bool = True) -> int:
    """Add entries to both catalogs under ``root`` (replacing texts already there unless
    ``replace`` is false); returns how many were new."""
    items = list(entries)
    new = 0
    for lang, code in LOCALES.items():
        path = root / po_path(lang).relative_to(DIR)
        with path.open("rb") as fh:
            catalog = read_po(fh, locale=code, domain="graphsvc")
        for key, zh, en, context in items:
            text = zh if lang == "zh" else en
            if catalog.get(key, context=context) is None:
                new += lang == "zh"
            elif replace:
                catalog.delete(key, context=context)
            else:
                continue  # the catalog's text wins over an old table's
            catalog.add(key, text, context=context)
        with path.open("wb") as fh:
            write_po(fh, catalog, width=100, sort_output=False)
    return new


def from_tables(source: str) -> list[Entry]:
    """The entries of an old ``graphsvc/web/i18n.py``'s literal ``{"en": {...}, "zh":
    {...}}`` tables (computed entries, like the typology names, are skipped)."""
    entries: list[Entry] = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.AnnAssign | ast.Assign) or not isinstance(node.value, ast.Dict):
            continue
        langs: dict[str, dict[str, str]] = {}
        for k, v in zip(node.value.keys, node.value.values, strict=True):
            if isinstance(k, ast.Constant) and k.value in LOCALES and isinstance(v, ast.Dict):
                langs[k.value] = {
                    kk.value: ast.literal_eval(vv)
                    for kk, vv in zip(v.keys, v.values, strict=True)
                    if isinstance(kk, ast.Constant) and isinstance(kk.value, str)
                }
        if set(langs) == set(LOCALES):
            zh, en = langs["zh"], langs["en"]
            entries += [(key, zh[key], en[key], None) for key in en if key in zh]
    return entries


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m graphsvc.locale.edit")
    sub = parser.add_subparsers(dest="cmd", required=True)
    one = sub.add_parser("add", help="one text in both languages")
    one.add_argument("key")
    one.add_argument("zh")
    one.add_argument("en")
    one.add_argument("--context", default=None, help="'report' for the case report's texts")
    tables = sub.add_parser("from-tables", help="the texts of an old i18n.py's tables")
    tables.add_argument("file", type=Path)
    args = parser.parse_args(argv)
    if args.cmd == "add":
        entries: list[Entry] = [(args.key, args.zh, args.en, args.context)]
        new = add(entries)
    else:
        entries = from_tables(args.file.read_text(encoding="utf-8"))
        new = add(entries, replace=False)  # only what the catalogs lack
    sys.stdout.write(f"{len(entries)} entries, {new} new\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
