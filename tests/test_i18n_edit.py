"""The catalog helper (python -m graphsvc.locale.edit): adds a text to both catalogs and
moves an old branch's Python tables into them (issue #13)."""

from __future__ import annotations

import shutil
from pathlib import Path

from babel.messages.pofile import read_po

from graphsvc import locale
from graphsvc.locale.edit import add, from_tables

OLD = """
TEXTS: dict[str, dict[str, str]] = {
    "en": {"rings": "Suspected rings", "new_key": "New {n}", **{"x": "y"}},
    "zh": {"rings": "旧的译文", "new_key": "新的 {n}"},
}
"""


def _read(root: Path, lang: str) -> dict[tuple[str, str | None], str]:
    path = root / locale.po_path(lang).relative_to(locale.DIR)
    with path.open("rb") as fh:
        return {(str(m.id), m.context): str(m.string) for m in read_po(fh) if m.id}


def test_old_tables_move_into_both_catalogs(tmp_path: Path) -> None:
    root = tmp_path / "locale"
    shutil.copytree(locale.DIR, root, ignore=shutil.ignore_patterns("*.py", "*.mo"))
    before = _read(root, "zh")
    entries = from_tables(OLD)
    assert entries == [
        ("rings", "旧的译文", "Suspected rings", None),
        ("new_key", "新的 {n}", "New {n}", None),
    ]
    assert add(entries, root, replace=False) == 1  # "rings" was there already
    assert add([("status.open", "开启", "Opened", "report")], root) == 0  # replaced
    zh, en = _read(root, "zh"), _read(root, "en")
    assert len(zh) == len(before) + 1
    assert zh[("new_key", None)] == "新的 {n}" and en[("new_key", None)] == "New {n}"
    assert zh[("status.open", "report")] == "开启" and en[("status.open", "report")] == "Opened"
    assert zh[("rings", None)] == before[("rings", None)] == "可疑团伙"  # kept
