"""Where the loader's client CPU goes, stage by stage, without a store (issue #20).

    .venv/bin/python benchmarks/bench_load_stages.py [--participants 20000] [--seed 1]

Each stage runs the loader's own code over the whole province once more than the one
before: CSV parsing; + cleaning and mapping (``record_of``/``extra_of``); + the
contract's rules (``iter_checked`` without pseudonyms); + pseudonyms and masking (with
a throw-away key and vault); + the UNWIND parameter rows and the vault's sealing and
commits; + the FalkorDB client spelling the parameters as Cypher text. CPU seconds
(``time.process_time``), because the machine is shared and wall time says more about
the neighbours than about the code. Results: a table on stdout, JSON in ``--out``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import OUT, machine, province  # noqa: E402


def _lines(tables: dict[str, Any]) -> None:
    for t in tables.values():
        for _ in t.iter_lines():
            pass


def _records(tables: dict[str, Any]) -> None:
    for t in tables.values():
        for _, fields in t.iter_lines():
            t.record_of(fields)
            t.extra_of(fields)


def _write_like(rows: Iterable[object], batch_size: int, pii: Any, spell: bool) -> None:
    """Chunk the parameter rows as write_batches does; spell them as the client does."""
    from falkordb.helpers import stringify_param_value

    chunk: list[object] = []
    for r in rows:
        chunk.append(r)
        if len(chunk) == batch_size:
            if spell:
                stringify_param_value(chunk)
            chunk = []
            if pii is not None:
                pii.vault.flush()  # the loader flushes the vault after each batch
    if chunk and spell:
        stringify_param_value(chunk)


def _checked(
    tables: dict[str, Any], keys: Path | None, batch_size: int, *, build: bool, spell: bool
) -> None:
    from graphsvc.security.vault import open_pii
    from loaders.rows import table_batches
    from loaders.validate import iter_checked, new_context

    pii = open_pii(keys, keys, f"g{time.monotonic_ns()}") if keys is not None else None
    ctx = new_context(today=date.today(), pii=pii)
    for t in tables.values():
        rows = iter_checked(t, ctx, [])
        if not build:
            for _ in rows:
                pass
            continue
        for b in table_batches(t.table, rows):
            _write_like(b.rows, batch_size, pii, spell)
        if pii is not None:
            pii.vault.flush()


def stages(directory: Path, batch_size: int) -> dict[str, float]:
    from loaders.mapping import ColumnMapping
    from loaders.read import read_directory

    tables = read_directory(directory, ColumnMapping())
    keys = Path(tempfile.mkdtemp(prefix="graphsvc-stages-"))
    n = batch_size
    plan: list[tuple[str, Callable[[], None]]] = [
        ("csv parsing", lambda: _lines(tables)),
        ("+ cleaning, mapping (record_of, extra_of)", lambda: _records(tables)),
        (
            "+ contract rules (iter_checked, no pseudonyms)",
            lambda: _checked(tables, None, n, build=False, spell=False),
        ),
        (
            "+ pseudonyms, masking (protect, keyed row hashes)",
            lambda: _checked(tables, keys, n, build=False, spell=False),
        ),
        (
            "+ UNWIND rows, vault sealing and commits",
            lambda: _checked(tables, keys, n, build=True, spell=False),
        ),
        (
            "+ client's Cypher text of the parameters",
            lambda: _checked(tables, keys, n, build=True, spell=True),
        ),
    ]
    out: dict[str, float] = {}
    try:
        for name, fn in plan:
            t = time.process_time()
            fn()
            out[name] = round(time.process_time() - t, 2)
    finally:
        shutil.rmtree(keys, ignore_errors=True)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--participants", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--batch-size", type=int, default=5_000)
    ap.add_argument("--out", type=Path, default=OUT / "bench_load_stages.json")
    args = ap.parse_args()
    result = stages(province(args.participants, args.seed), args.batch_size)
    for name, cpu in result.items():
        print(f"{name:<52}{cpu:>8.2f} CPU-s")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps({"machine": machine(), "participants": args.participants, "stages": result})
    )
    print(f"results in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
