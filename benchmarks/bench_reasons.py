"""What rendering reasons from the gettext catalogs costs (issue #13).

    .venv/bin/python benchmarks/bench_reasons.py [--n 20000]

Times ``Msg(...).pair()`` (both languages) for three shapes of reason: the finding's
statistic sentence (two nested twins), a detector sentence with a joined list of nested
messages (organised visits' turnout) and a screening reason. Compare with the
f-string pair it replaced, built from the same values. Prints microseconds per pair.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from graphsvc.locale.msg import Join, Msg, Twin  # noqa: E402


def _statistic() -> tuple[str, str]:
    return Msg(
        "reason.statistic",
        observed="14",
        unit=Twin("shared sessions", "次共同就诊"),
        expected="0.3",
        null_model=Twin("independent visits", "独立就诊"),
        raw="1e-12",
        corrected="1e-9",
        tests=500,
    ).pair()


def _fstring() -> tuple[str, str]:
    o, u, uz, e, nm, nz, raw, corr, t = (
        "14", "shared sessions", "次共同就诊", "0.3", "independent visits", "独立就诊",
        "1e-12", "1e-9", 500,
    )  # fmt: skip
    return (
        f"observed {o} {u} where {e} expected (null model: {nm}); chance {raw}, {corr} after "
        f"correcting for {t} groups examined",
        f"观测到{o}{uz}，零假设（{nz}）下期望{e}；偶然概率{raw}，经{t}组检验校正后为{corr}",
    )


def _turnout() -> tuple[str, str]:
    days = Join(
        [Msg("reason.organised_visits.turnout_day", day=f"2025-01-{d:02d}", n=5) for d in (1, 8)],
        "sep.list",
    )
    return Msg(
        "reason.organised_visits.sessions",
        members=6,
        sessions=4,
        counted=3,
        present=5,
        providers=1,
        turnout=days,
    ).pair()


def _screen() -> tuple[str, str]:
    return Msg("screen.readmission", days=3, previous="RX1", diagnosis="J18").pair()


def per_pair_us(fn: Callable[[], tuple[str, str]], n: int) -> float:
    fn()  # catalogs compiled once, outside the timing
    t0 = time.perf_counter()
    for _ in range(n):
        fn()
    return round((time.perf_counter() - t0) / n * 1e6, 2)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=20000)
    args = ap.parse_args()
    out = {
        "machine": f"{platform.processor() or platform.machine()} {platform.python_version()}",
        "command": " ".join(sys.argv),
        "us_per_pair": {
            name: per_pair_us(fn, args.n)
            for name, fn in (
                ("statistic (catalog)", _statistic),
                ("statistic (f-strings it replaced)", _fstring),
                ("turnout, joined nested messages", _turnout),
                ("screening reason", _screen),
            )
        },
    }
    print(json.dumps(out, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
