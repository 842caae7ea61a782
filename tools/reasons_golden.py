"""Dump every detected ring's texts, to check that a change of how reasons are built
(issue #13: rendered from the gettext catalogs) changes no sentence.

    .venv/bin/python -m graphsvc generate /tmp/p20k --participants 20000 --seed 3
    .venv/bin/python tools/reasons_golden.py /tmp/p20k before.json
    ... change ...
    .venv/bin/python tools/reasons_golden.py /tmp/p20k after.json
    cmp before.json after.json

Why a script and not a test: a 20k province takes minutes to detect; the unit tests
cover each sentence on small data. The dump holds, per ring (in the runner's order):
``reasons``, ``reasons_zh``, the folded rings' reasons, and every finding's unit, null
model and exemption texts in both languages (the parts of a reason a detector builds).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def dump(province: Path) -> list[dict[str, Any]]:
    from graphsvc.detection import DetectConfig, from_csv_dir, run_detectors

    result = run_detectors(from_csv_dir(province), DetectConfig())
    out: list[dict[str, Any]] = []
    for ring in result.rings:
        out.append(
            {
                "id": ring.ring_id,
                "typology": ring.typology,
                "reasons": ring.reasons,
                "reasons_zh": ring.reasons_zh,
                "also": [
                    {k: a.get(k) for k in ("ring_id", "reasons", "reasons_zh")} for a in ring.also
                ],
                "findings": [
                    {
                        "unit": [f.unit, f.unit_zh],
                        "null_model": [f.null_model, f.null_model_zh],
                        "details": [list(d) for d in f.details],
                        "exemptions": [
                            [e.name, e.reason, e.reason_zh, e.removed, e.unit, e.unit_zh]
                            for e in f.exemptions
                        ],
                    }
                    for f in ring.findings
                ],
            }
        )
    return out


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        sys.stderr.write(__doc__ or "")
        return 2
    rings = dump(Path(argv[0]))
    Path(argv[1]).write_text(
        json.dumps(rings, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )
    sys.stdout.write(f"{len(rings)} rings -> {argv[1]}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
