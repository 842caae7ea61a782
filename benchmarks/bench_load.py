"""Load benchmark: throughput of ``graphsvc load`` and the store's raw write ceiling.

    .venv/bin/python benchmarks/bench_load.py --sizes 20000 [200000] [--sweep 1000 5000 20000]

For each size a province is generated once (``benchmarks/out/province-N-SEED``, the
generator of graphsvc.generate; ``--synthetic`` uses a simple built-in one instead).
Each case runs in a fresh child process on a private embedded FalkorDB, so the peak
RSS of the loader (``ru_maxrss``) and of redis-server (``VmHWM``) belong to that case.

Per case: the full ``load_directory`` (read, lookups, validate, write, verify, save),
settlements/s, rows/s; then, on an emptied graph, the raw ceiling: the same prepared
UNWIND batches sent straight through ``store.write_batches`` (no parsing, validation,
lookups, verification or save), with rows/s per write query. ``--sweep`` repeats the
raw write for several batch sizes. Results: a table on stdout, JSON in ``--out``.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import (  # noqa: E402
    OUT,
    machine,
    peak_rss_bytes,
    private_store,
    process_hwm_bytes,
)


# -- a simple synthetic province (only with --synthetic) -------------------------------
def synthetic_province(out: Path, participants: int, seed: int) -> Path:
    """Contract CSVs of a plausible shape: ~6 settlements and ~2.5 lines per person."""
    from graphsvc.contract.normalise import gb11643_check_digit
    from graphsvc.contract.schema import SPECS

    rng = random.Random(seed)  # noqa: S311  seeded for reproducible results, not for security
    out.mkdir(parents=True, exist_ok=True)
    n_inst = max(20, participants // 200)
    n_doc = n_inst * 5

    def w(name: str, rows: Any) -> None:
        """One contract table, its header in the contract's order (graphsvc.contract.schema)."""
        with (out / f"{name}.csv").open("w", encoding="utf-8", newline="") as fh:
            wr = csv.writer(fh)
            wr.writerow(SPECS[name].columns)
            wr.writerows(rows)

    kinds = ["hospital", "clinic", "pharmacy"]
    w(
        "institutions",
        ([f"I{i:05d}", f"机构{i}", kinds[i % 3], i % 4, "460100"] for i in range(n_inst)),
    )
    w(
        "doctors",
        ([f"D{i:06d}", f"医生{i}", f"I{i % n_inst:05d}", "内科"] for i in range(n_doc)),
    )

    def person(i: int) -> list[Any]:
        born = date(1940, 1, 1) + timedelta(days=rng.randrange(365 * 70))
        first17 = f"460100{born:%Y%m%d}{i % 1000:03d}"
        return [
            f"P{i:07d}",
            f"姓名{i}",
            first17 + gb11643_check_digit(first17),
            "MF"[i % 2],
            born.isoformat(),
            ("employee", "resident")[i % 2],
            "460100",
        ]

    w(
        "participants",
        (person(i) for i in range(participants)),
    )
    w(
        "identifiers",
        ([f"P{i:07d}", "phone", f"+86 138{rng.randrange(10**8):08d}"] for i in range(participants)),
    )
    w(
        "family_links",
        (
            [f"P{i:07d}", f"P{i + 1:07d}", "spouse", "2020-01-01"]
            for i in range(0, participants - 1, 10)
        ),
    )
    presc: list[list[Any]] = []
    items: list[list[Any]] = []
    for s in range(participants * 6):
        inst = rng.randrange(n_inst)
        vt = ("inpatient", "outpatient", "pharmacy")[inst % 3]
        day = date(2024, 1, 1) + timedelta(days=rng.randrange(365))
        total = round(rng.uniform(10, 3000), 2)
        holder = f"P{rng.randrange(participants):07d}" if s % 50 == 0 else ""
        presc.append(
            [
                f"S{s:08d}",
                f"P{rng.randrange(participants):07d}",
                f"I{inst:05d}",
                f"D{rng.randrange(n_doc):06d}",
                day.isoformat(),
                (day + timedelta(days=3)).isoformat() if vt == "inpatient" else "",
                vt,
                "J06.9",
                total,
                round(total * 0.6, 2),
                holder,
                0,
            ]
        )
        for k in range(rng.choice((1, 2, 3, 4))):
            items.append([f"S{s:08d}", f"X{rng.randrange(2000):05d}", "药品", k + 1, 9.5, ""])
    w(
        "prescriptions",
        presc,
    )
    w(
        "prescription_items",
        items,
    )
    (out / "ground_truth.json").write_text("{}")
    return out


def get_province(size: int, seed: int, synthetic: bool) -> Path:
    path = OUT / f"{'synthetic' if synthetic else 'province'}-{size}-{seed}"
    if not (path / "ground_truth.json").exists():
        t0 = time.perf_counter()
        if synthetic:
            synthetic_province(path, size, seed)
        else:
            from graphsvc.generate import generate_province

            generate_province(path, participants=size, seed=seed)
        print(f"generated {path.name} in {time.perf_counter() - t0:.0f}s", file=sys.stderr)
    return path


# -- one case, in a child process --------------------------------------------------------
def timed_write(store: Any, batches: Any, batch_size: int) -> dict[str, Any]:
    """Send prepared batches straight to the store; rows/s per query."""
    per_query: dict[str, dict[str, float]] = {}
    t_all = time.perf_counter()
    for b in batches:
        if not b.rows:
            continue
        t = time.perf_counter()
        store.write_batches(b.query, b.rows, batch_size=batch_size, extra={"load_id": "raw"})
        el = time.perf_counter() - t
        per_query[b.query] = {
            "rows": len(b.rows),
            "s": round(el, 3),
            "rows_per_s": round(len(b.rows) / max(el, 1e-9), 1),
        }
    return {
        "batch_size": batch_size,
        "write_s": round(time.perf_counter() - t_all, 3),
        "per_query": per_query,
    }


_BULK_NODES = (
    ("Institution", "load_institutions"),
    ("Doctor", "load_doctors"),
    ("Participant", "load_participants"),
    ("Prescription", "load_prescriptions"),
    ("Referral", "load_referrals"),
)
# type, start label, end label, query, start field, end field, props of the row
_BULK_RELS: tuple[tuple[str, str, str, str, str, str, str | None], ...] = (
    ("WORKS_AT", "Doctor", "Institution", "load_works_at", "id", "institution_id", None),
    (
        "HAS_IDENTIFIER",
        "Participant",
        "Identifier",
        "load_identifiers",
        "participant_id",
        "id",
        None,
    ),
    (
        "SHARES_ACCOUNT",
        "Participant",
        "Participant",
        "load_family_links",
        "holder_id",
        "member_id",
        "props",
    ),
    ("PATIENT", "Prescription", "Participant", "load_prescriptions", "id", "participant_id", None),
    ("AT", "Prescription", "Institution", "load_prescriptions", "id", "institution_id", None),
    ("PRESCRIBED_BY", "Prescription", "Doctor", "load_prescribed_by", "id", "doctor_id", None),
    (
        "PAID_BY_ACCOUNT",
        "Prescription",
        "Participant",
        "load_paid_by_account",
        "id",
        "holder_id",
        None,
    ),
    ("CONTAINS", "Prescription", "Item", "load_contains", "prescription_id", "item_code", "props"),
    ("REFERS", "Referral", "Participant", "load_referrals", "id", "participant_id", None),
    ("REFERRED_FROM", "Referral", "Institution", "load_referrals", "id", "from_id", None),
    ("REFERRED_TO", "Referral", "Institution", "load_referrals", "id", "to_id", None),
    ("REFERRED_BY", "Referral", "Doctor", "load_referred_by", "id", "doctor_id", None),
)


def _typed_csv(path: Path, first: list[str], rows: list[tuple[list[str], dict[str, Any]]]) -> None:
    """A CSV in falkordb-bulk-loader's --enforce-schema format."""
    keys: dict[str, str] = {}
    for _, props in rows:
        for k, v in props.items():
            if v is not None and k not in keys:
                keys[k] = (
                    "INT" if isinstance(v, int) else "DOUBLE" if isinstance(v, float) else "STRING"
                )
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(first + [f"{k}:{t}" for k, t in keys.items()])
        for ids, props in rows:
            out.writerow(ids + ["" if props.get(k) is None else props[k] for k in keys])


def bulk_ceiling(batches: Any, settings: Any, workdir: Path) -> dict[str, Any]:
    """First-load alternative: GRAPH.BULK via falkordb-bulk-loader into a new graph."""
    import shutil

    exe = shutil.which("falkordb-bulk-insert") or str(
        Path(sys.executable).with_name("falkordb-bulk-insert")
    )
    if not Path(exe).exists():
        return {"skipped": "falkordb-bulk-loader is not installed"}
    from graphsvc.store import embedded

    t0 = time.perf_counter()
    rows = {b.query: list(b.rows) for b in batches}
    workdir.mkdir(parents=True, exist_ok=True)
    args: list[str] = []
    for label, query in _BULK_NODES:
        path = workdir / f"{label}.csv"
        _typed_csv(path, [f"id:ID({label})"], [([r["id"]], r["props"]) for r in rows[query]])
        args += ["-N", label, str(path)]
    idents: dict[str, dict[str, Any]] = {}
    for r in rows["load_identifiers"]:
        idents.setdefault(r["id"], {"kind": r["kind"], "value": r["value"]})
    items: dict[str, dict[str, Any]] = {}
    for r in rows["load_contains"]:
        items.setdefault(r["item_code"], {"name": r["item_name"]})
    for label, found in (("Identifier", idents), ("Item", items)):
        path = workdir / f"{label}.csv"
        _typed_csv(path, [f"id:ID({label})"], [([k], v) for k, v in found.items()])
        args += ["-N", label, str(path)]
    for rel, start, end, query, a, b, props in _BULK_RELS:
        path = workdir / f"{rel}.csv"
        _typed_csv(
            path,
            [f":START_ID({start})", f":END_ID({end})"],
            [
                (
                    [r[a], r[b]],
                    r[props]
                    if props
                    else ({"amount": r["amount"]} if rel == "PAID_BY_ACCOUNT" else {}),
                )
                for r in rows[query]
            ],
        )
        args += ["-R", rel, str(path)]
    prep_s = time.perf_counter() - t0
    info = embedded.status(settings)
    if info is None:
        return {"error": "embedded store not running"}
    url = f"redis://:{settings.resolved_store_password()}@{info.host}:{info.port}"
    t1 = time.perf_counter()
    proc = subprocess.run(  # noqa: S603  fixed argv, no shell, no user input
        [exe, "bulk_graph", "-u", url, "--enforce-schema", *args],
        capture_output=True,
        text=True,
        check=False,
    )
    bulk_s = time.perf_counter() - t1
    if proc.returncode != 0:
        return {"error": proc.stderr[-2000:]}
    from falkordb import FalkorDB

    g = FalkorDB(
        host=info.host, port=info.port, password=settings.resolved_store_password()
    ).select_graph("bulk_graph")
    nodes = int(g.query("MATCH (n) RETURN count(n)").result_set[0][0])
    rels = int(g.query("MATCH ()-[r]->() RETURN count(r)").result_set[0][0])
    g.delete()
    shutil.rmtree(workdir, ignore_errors=True)  # hundreds of MB at 200k
    return {
        "prepare_csv_s": round(prep_s, 2),
        "bulk_insert_s": round(bulk_s, 2),
        "nodes": nodes,
        "relationships": rels,
        "elements_per_s": round((nodes + rels) / max(bulk_s, 1e-9), 1),
    }


def process_cpu_s(pid: int) -> float:
    """User+system CPU of a process and its reaped children (the store's log rewrites)."""
    import os

    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def one_case(province: Path, batch_size: int, sweep: list[int]) -> dict[str, Any]:
    from graphsvc.security.vault import pii_for_store
    from loaders import load_directory
    from loaders.mapping import ColumnMapping
    from loaders.read import read_directory
    from loaders.rows import to_rows
    from loaders.validate import validate

    with private_store() as (store, settings, pid):
        t0, c0, s0 = time.perf_counter(), time.process_time(), process_cpu_s(pid)
        report = load_directory(store, province, batch_size=batch_size)
        load_s = time.perf_counter() - t0
        # CPU seconds: the machine is shared, so wall time alone says how busy it was
        load_cpu = {
            "loader_cpu_s": round(time.process_time() - c0, 2),
            "store_cpu_s": round(process_cpu_s(pid) - s0, 2),
        }
        counts = {k: v for k, v in store.counts().items() if v}
        rels = int(store.query("MATCH ()-[r]->() RETURN count(r)").scalar() or 0)
        loader_rss = peak_rss_bytes()
        store_hwm = process_hwm_bytes(pid)
        settlements = report.tables["prescriptions"].loaded
        result: dict[str, Any] = {
            "province": province.name,
            "batch_size": batch_size,
            "load_s": round(load_s, 2),
            "timings_s": {k: round(v, 2) for k, v in report.timings_s.items()},
            "rows_read": report.rows_read,
            "rejected": report.rejected,
            "settlements": settlements,
            "settlements_per_s": round(settlements / load_s, 1),
            "rows_per_s": round(report.rows_read / load_s, 1),
            "nodes": counts,
            "relationships": rels,
            "loader_peak_rss_mib": round(loader_rss / 2**20, 1),
            "store_peak_rss_mib": round(store_hwm / 2**20, 1),
            "load_cpu": load_cpu,
        }
        # reload: idempotency costs (lookups + hashes, nothing written)
        t1 = time.perf_counter()
        load_directory(store, province, batch_size=batch_size)
        result["reload_s"] = round(time.perf_counter() - t1, 2)

        # the loader's own rows: pseudonymised as it writes them (issue #14), not raw values
        batches = to_rows(
            validate(
                read_directory(province, ColumnMapping()),
                today=date.today(),
                pii=pii_for_store(store),
            )
        )
        raws = []
        for size in sweep or [batch_size]:
            store.drop_all()
            store.ensure_schema()
            c1, s1 = time.process_time(), process_cpu_s(pid)
            raw = timed_write(store, batches, size)
            raw["client_cpu_s"] = round(time.process_time() - c1, 2)
            raw["store_cpu_s"] = round(process_cpu_s(pid) - s1, 2)
            raws.append(raw)
        result["raw_ceiling"] = raws
        nodes = sum(counts.values())
        best = min(raws, key=lambda r: r["write_s"])
        result["raw_best_elements_per_s"] = round((nodes + rels) / best["write_s"], 1)
        result["load_elements_per_s"] = round((nodes + rels) / load_s, 1)
        result["loader_over_raw"] = round(best["write_s"] / load_s, 3)
        result["bulk"] = bulk_ceiling(batches, settings, OUT / "bulk-csv" / province.name)
        return result


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--sizes", type=int, nargs="+", default=[20_000])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--batch-size", type=int, default=5_000)
    ap.add_argument(
        "--sweep",
        type=int,
        nargs="*",
        default=[],
        help="batch sizes for the raw ceiling (default: --batch-size only)",
    )
    ap.add_argument("--synthetic", action="store_true", help="built-in simple generator")
    ap.add_argument("--out", type=Path, default=OUT / "bench_load.json")
    ap.add_argument("--case", type=Path, help=argparse.SUPPRESS)  # child-process mode
    args = ap.parse_args()

    if args.case:
        print(json.dumps(one_case(args.case, args.batch_size, args.sweep)))
        return 0
    results = []
    for size in args.sizes:
        province = get_province(size, args.seed, args.synthetic)
        cmd = [
            sys.executable,
            __file__,
            "--case",
            str(province),
            "--batch-size",
            str(args.batch_size),
            "--sweep",
            *map(str, args.sweep),
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)  # noqa: S603  fixed argv, no shell, no user input
        if proc.returncode != 0:
            print(proc.stderr, file=sys.stderr)
            return proc.returncode
        res = json.loads(proc.stdout.strip().splitlines()[-1])
        res["participants"] = size
        results.append(res)
        print(
            f"{size:>8,} participants: {res['settlements']:,} settlements, "
            f"load {res['load_s']:.1f}s ({res['settlements_per_s']:,.0f} settlements/s, "
            f"{res['rows_per_s']:,.0f} rows/s), reload {res['reload_s']:.1f}s, "
            f"loader RSS {res['loader_peak_rss_mib']:,.0f} MiB, "
            f"store RSS {res['store_peak_rss_mib']:,.0f} MiB"
        )
        print(f"          timings {res['timings_s']}, CPU {res['load_cpu']}")
        print(f"          loader / raw write rate: {res['loader_over_raw']:.2f}")
        print(f"          bulk (GRAPH.BULK via falkordb-bulk-loader): {res['bulk']}")
        for raw in res["raw_ceiling"]:
            print(
                f"          raw write, batch {raw['batch_size']:>6}: {raw['write_s']:.1f}s "
                f"(CPU client {raw['client_cpu_s']}s, store {raw['store_cpu_s']}s)"
            )
            for q, v in raw["per_query"].items():
                print(f"            {q:<22}{v['rows']:>10,} rows {v['rows_per_s']:>10,.0f}/s")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"machine": machine(), "results": results}, indent=2))
    print(f"results in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
