"""Loading a directory into the store: the I/O around the pure read/validate/rows steps.

Order of a load (why): parse every file first, so an unreadable file stops the load
before anything is written; ask the store which ids it already holds (incremental
loads and reloads); validate; write in dependency order; verify the counts; save.

No half state: every node a load creates and every relationship it adds between
nodes it did not create carries ``load_id``. If anything fails after the first
write (a store error, a lost connection, Ctrl-C), the load deletes exactly those,
so entities that were already stored (matched, never modified) stay as they were.
A killed process (SIGKILL, power loss) cannot clean up. Then either run the same load
again (it resumes: rows already stored count as unchanged, and the relationships a
row should have are MERGEd, so the graph ends exactly like a clean load), or
``graphsvc load --rollback LOAD_ID`` removes what it wrote; the load id is logged
when the load starts.
"""

from __future__ import annotations

import logging
import os
import queue
import signal
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import islice
from pathlib import Path
from typing import Any

from graphsvc import model
from graphsvc.errors import StoreError
from graphsvc.security.vault import pii_for_store
from graphsvc.store.base import Store
from loaders import journal
from loaders.mapping import ColumnMapping, read_mapping
from loaders.read import Table, read_directory
from loaders.report import LoadReport, TableCounts, check_writable, write_rejects
from loaders.rows import Batch, table_batches
from loaders.validate import KnownIds, Reject, Row, ids_to_look_up, iter_checked, new_context

log = logging.getLogger(__name__)

# Rows per UNWIND statement. Measured with benchmarks/bench_load.py (docs/loading.md):
# on FalkorDB throughput is flat within noise from 1k to 20k rows per batch and lower
# at 500; 5k keeps each statement's parameter text (sent inline as Cypher text by
# FalkorDB's protocol) near 1-2 MB. Same as the GRAPHSVC_BATCH_SIZE default.
BATCH_SIZE = 5_000
LOOKUP_BATCH = 10_000
ROLLBACK_BATCH = 10_000
# Rollback (and created_counts) scan every node or relationship once: on a full province
# that can outlast the interactive default timeout, and they must not be cut short.
SCAN_TIMEOUT_MS = 30 * 60 * 1000
# Rewrite the store's append-only log every this many rows written (and after a table
# once a quarter of it was written since the last rewrite: _Upkeep), so a restart
# after a crash replays at most about this much (issue #19: replay ran ~6 MB/s,
# 47.6 MB in 7.7 s at 20k participants; docs/benchmarks.md).
CHECKPOINT_ROWS = 200_000

LOOKUP_QUERIES: dict[str, str] = {
    model.INSTITUTION: "load_lookup_institutions",
    model.DOCTOR: "load_lookup_doctors",
    model.PARTICIPANT: "load_lookup_participants",
    model.PRESCRIPTION: "load_lookup_prescriptions",
    model.REFERRAL: "load_lookup_referrals",
}

BatchHook = Callable[[str, int], None]

# Test hooks (documented in docs/loading.md, used by tests/store/test_crash_recovery.py):
# with CRASH_AFTER_ROWS=N, the loader SIGKILLs itself once N rows have been written, so
# a crash lands at a chosen point of a load, reproducibly, without sleeps; with
# CRASH_PID also set, it SIGKILLs that process instead (the store) and carries on.
CRASH_AFTER_ROWS_ENV = "GRAPHSVC_TEST_CRASH_AFTER_ROWS"
CRASH_PID_ENV = "GRAPHSVC_TEST_CRASH_PID"


def crash_hook(environ: Mapping[str, str] | None = None) -> BatchHook | None:
    """The kill-at-N-rows hook of ``GRAPHSVC_TEST_CRASH_AFTER_ROWS``, or None when unset.

    >>> crash_hook({}) is None
    True
    """
    env = os.environ if environ is None else environ
    raw = env.get(CRASH_AFTER_ROWS_ENV, "")
    if not raw.strip():
        return None
    limit = int(raw)
    target = int(env.get(CRASH_PID_ENV, "") or os.getpid())
    written = [0]

    def hook(query: str, n: int) -> None:
        before, written[0] = written[0], written[0] + n
        if before < limit <= written[0]:  # once: a killed store is not killed again
            log.warning(
                "%s=%d: SIGKILL to pid %d after %d rows",
                CRASH_AFTER_ROWS_ENV,
                limit,
                target,
                written[0],
            )
            os.kill(target, signal.SIGKILL)

    return hook


class _Upkeep:
    """After each batch: a checkpoint every CHECKPOINT_ROWS rows, and the test crash hook.

    After a table, a checkpoint only once a quarter of CHECKPOINT_ROWS was written since
    the last one (issue #20): each ``BGREWRITEAOF`` forks and rewrites the whole graph on
    the same two cores the load runs on, and one after a 2,800-row referrals table, right
    before the final ``save`` rewrites the log anyway, shortens no replay. The replay
    bound stays: at most CHECKPOINT_ROWS rows of log since the last checkpoint.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self.crash = crash_hook()
        self.since = 0

    def __call__(self, query: str, n: int) -> None:
        if self.crash is not None:
            self.crash(query, n)
        self.since += n
        if self.since >= CHECKPOINT_ROWS:
            self.checkpoint()

    def after_table(self) -> None:
        if self.since >= CHECKPOINT_ROWS // 4:
            self.checkpoint()

    def checkpoint(self) -> None:
        self.since = 0
        self.store.checkpoint()


def new_load_id() -> str:
    """Sortable by time, unique across machines."""
    return f"L{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"


def _chunks(items: list[str], size: int) -> list[list[str]]:
    it = iter(items)
    return list(iter(lambda: list(islice(it, size)), []))


def fetch_known(store: Store, table: Table, known: KnownIds) -> None:
    """Add to ``known`` the ids (and content hashes) of ``table`` the store already holds."""
    wanted = ids_to_look_up(table)
    for label, ids in wanted.items():
        query = LOOKUP_QUERIES[label]
        found = known.hashes.setdefault(label, {})
        for chunk in _chunks(sorted(ids - found.keys()), LOOKUP_BATCH):
            for key, stored_hash in store.run(query, {"ids": chunk}).rows:
                found[str(key)] = None if stored_hash is None else str(stored_hash)
    stored = known.hashes.get(model.PRESCRIPTION, {})
    if table.table == "prescription_items" and stored:
        # line ids of settlements loaded before: a reload must not double their lines
        settled = wanted.get(model.PRESCRIPTION, set()) & stored.keys()
        for chunk in _chunks(sorted(settled), LOOKUP_BATCH):
            known.line_ids.update(
                str(v) for v in store.run("load_lookup_lines", {"ids": chunk}).column("line_id")
            )


# What each write query can create: (node label, relationship types). Every row of a
# query creates all of these or nothing (a MATCH that misses drops the whole row), so a
# statement's counters split exactly: nodes_created is the label's, relationships_created
# / len(types) each type's.
CREATES: dict[str, tuple[str | None, tuple[str, ...]]] = {
    "load_institutions": (model.INSTITUTION, ()),
    "load_doctors": (model.DOCTOR, ()),
    "load_works_at": (None, (model.REL_WORKS_AT,)),
    "load_works_at_existing": (None, (model.REL_WORKS_AT,)),
    "load_participants": (model.PARTICIPANT, ()),
    "load_identifiers": (model.IDENTIFIER, (model.REL_HAS_IDENTIFIER,)),
    "load_family_links": (None, (model.REL_SHARES_ACCOUNT,)),
    "load_prescriptions": (model.PRESCRIPTION, (model.REL_PATIENT, model.REL_AT)),
    "load_prescribed_by": (None, (model.REL_PRESCRIBED_BY,)),
    "load_paid_by_account": (None, (model.REL_PAID_BY_ACCOUNT,)),
    "load_prescribed_by_existing": (None, (model.REL_PRESCRIBED_BY,)),
    "load_paid_by_account_existing": (None, (model.REL_PAID_BY_ACCOUNT,)),
    "load_contains": (model.ITEM, (model.REL_CONTAINS,)),
    "load_referrals": (
        model.REFERRAL,
        (model.REL_REFERS, model.REL_REFERRED_FROM, model.REL_REFERRED_TO),
    ),
    "load_referred_by": (None, (model.REL_REFERRED_BY,)),
    "load_referred_by_existing": (None, (model.REL_REFERRED_BY,)),
}
# Queries that CREATE (never MERGE) all they make: each row sent must show in the counters.
EXACT = frozenset(
    (
        "load_institutions",
        "load_doctors",
        "load_works_at",
        "load_participants",
        "load_prescriptions",
        "load_prescribed_by",
        "load_paid_by_account",
        "load_referrals",
        "load_referred_by",
    )
)


def created_from_counters(counters: Mapping[str, Mapping[str, float]]) -> dict[str, int]:
    """Nodes and relationships the writes created, per label/type, from the statements'
    own counters (``store.write_batches(counters=...)``); zero counts left out."""
    out: dict[str, int] = {}
    for query, c in counters.items():
        label, types = CREATES[query]
        nodes, rels = int(c.get("nodes_created", 0)), int(c.get("relationships_created", 0))
        if label is not None and nodes:
            out[label] = out.get(label, 0) + nodes
        for rel_type in types:
            if rels:
                out[rel_type] = out.get(rel_type, 0) + rels // len(types)
    return out


def verify(
    load_id: str, sent: Mapping[str, int], counters: Mapping[str, Mapping[str, float]]
) -> dict[str, int]:
    """Fail (and so roll back) when a write silently dropped rows (a MATCH that missed).

    Why from counters and not a scan of the graph afterwards (issue #20): the store
    reports per statement what it created; three full scans at the end of a load cost
    9-13 s of a 20k-participant load. Only the CREATE queries are predictable; the
    MERGEs (identifiers, items, ``*_existing`` links) may match (a clean reload) or
    create (a crash repair). Returns what was created (the report's ``created``).
    """
    wrong: dict[str, tuple[int, int]] = {}
    for query in sorted(EXACT & sent.keys()):
        label, types = CREATES[query]
        c = counters.get(query, {})
        if label is not None and int(c.get("nodes_created", 0)) != sent[query]:
            wrong[label] = (sent[query], int(c.get("nodes_created", 0)))
        if types and int(c.get("relationships_created", 0)) != sent[query] * len(types):
            got = int(c.get("relationships_created", 0)) // len(types)
            wrong.update({t: (sent[query], got) for t in types})
    if wrong:
        detail = ", ".join(f"{k} expected {e} got {g}" for k, (e, g) in sorted(wrong.items()))
        raise StoreError(f"load {load_id} wrote fewer entities than validated: {detail}")
    return dict(sorted(created_from_counters(counters).items()))


def created_counts(store: Store, load_id: str, *, on_existing: bool = False) -> dict[str, int]:
    """Nodes and relationships load ``load_id`` created, per label/type, read from the graph.

    Without ``on_existing``: what hangs off the nodes it created. With it: also the
    relationships it added to nodes that were already stored (MERGEd links, links
    repaired after a crash). The loader itself counts from the write counters
    (:func:`verify`); this scan stays for reports of a load after the fact.
    """
    out: dict[str, int] = {}
    params = {"load_id": load_id}
    queries = ["load_created_rels"] + (["load_created_rels_existing"] if on_existing else [])
    for label, count in store.run("load_created_nodes", params, timeout_ms=SCAN_TIMEOUT_MS).rows:
        out[str(label)] = int(count)
    for query in queries:
        for rel_type, count in store.run(query, params, timeout_ms=SCAN_TIMEOUT_MS).rows:
            out[str(rel_type)] = out.get(str(rel_type), 0) + int(count)
    return out


def rollback(store: Store, load_id: str) -> int:
    """Delete what load ``load_id`` created; returns the number of deleted items."""
    total = 0
    for query in ("load_rollback_rels", "load_rollback_nodes"):
        while True:
            deleted = int(
                store.run(
                    query, {"load_id": load_id, "limit": ROLLBACK_BATCH}, timeout_ms=SCAN_TIMEOUT_MS
                ).scalar()
                or 0
            )
            total += deleted
            if deleted == 0:
                break
    return total


_DONE = object()


def prefetched(
    rows: Iterable[dict[str, Any]], size: int, depth: int = 2
) -> Generator[dict[str, Any], None, None]:
    """Produce ``rows`` (read + validate + build) in a thread, ``depth`` batches ahead.

    Why: the store works in its own process; while it runs batch N, this process can
    already validate batch N+1 instead of waiting on the socket (the GIL is released
    while waiting). Errors of the producer re-raise here; abandoning the iterator
    stops the producer.
    """
    q: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: Any) -> bool:
        while not stop.is_set():
            try:
                q.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            it = iter(rows)
            while chunk := list(islice(it, size)):
                if not put(chunk):
                    return
            put(_DONE)
        except BaseException as exc:  # handed to the consumer, which re-raises it
            put(exc)

    worker = threading.Thread(target=produce, name="loader-prefetch", daemon=True)
    worker.start()
    try:
        while True:
            item = q.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield from item
    finally:
        stop.set()
        worker.join()


def write(
    store: Store,
    batches: list[Batch],
    load_id: str,
    *,
    batch_size: int = BATCH_SIZE,
    on_batch: BatchHook | None = None,
    counters: dict[str, dict[str, float]] | None = None,
) -> dict[str, int]:
    """Send batches in order with ``store.write_batches``; rows sent per query.

    ``counters``: per query, the statements' write counters are added in (:func:`verify`).
    """
    sent: dict[str, int] = {}
    for b in batches:

        def hook(n: int, query: str = b.query) -> None:
            if on_batch is not None:
                on_batch(query, n)

        into = None if counters is None else counters.setdefault(b.query, {})
        rows = b.rows if isinstance(b.rows, list) else prefetched(b.rows, batch_size)
        try:
            sent[b.query] = sent.get(b.query, 0) + store.write_batches(
                b.query,
                rows,
                batch_size=batch_size,
                extra={"load_id": load_id},
                on_batch=hook,
                counters=into,
            )
        finally:
            if not isinstance(rows, list):
                rows.close()  # stops the producer thread now, also when the write failed
    return sent


@dataclass
class _Progress:
    """One tqdm bar per table on stderr, advanced by the rows of its first query."""

    enabled: bool
    bar: Any = None

    def start(self, table: Table) -> None:
        self.close()
        if self.enabled:
            from tqdm import tqdm

            self.bar = tqdm(
                total=len(table),
                desc=f"load {table.table}",
                unit="row",
                dynamic_ncols=True,
                file=sys.stderr,
            )

    def update(self, n: int) -> None:
        if self.bar is not None:
            self.bar.update(n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def load_directory(
    store: Store,
    directory: Path,
    *,
    mapping: Path | str | None = None,
    rejects_path: Path | None = None,
    progress: bool = False,
    batch_size: int = BATCH_SIZE,
    today: date | None = None,
    on_batch: BatchHook | None = None,
    journal_dir: Path | None = None,
) -> LoadReport:
    """Load a contract directory into ``store``; see the module docstring for guarantees.

    ``on_batch(query, rows)`` is called after each written batch (progress reporting).
    ``journal_dir``: record the load there while it runs (:mod:`loaders.journal`), so
    ``graphsvc store start`` can name the command that finishes a killed load.
    """
    t0 = time.perf_counter()
    timings = {"read": 0.0, "lookup": 0.0, "validate_write": 0.0}
    directory = Path(directory)
    colmap = read_mapping(mapping) if mapping else ColumnMapping()
    tables = read_directory(directory, colmap)  # InputError here: nothing written
    if rejects_path is not None:
        check_writable(rejects_path)
    timings["read"] = time.perf_counter() - t0

    store.ensure_schema()
    first_load = not store.run("load_any_node").rows
    pii = pii_for_store(store)
    ctx = new_context(today=today or date.today(), pii=pii)
    load_id = new_load_id()
    log.info(
        "load %s of %s started (if interrupted: graphsvc load --rollback %s)",
        load_id,
        directory,
        load_id,
    )
    entry = journal.new_entry(load_id, directory, mapping, str(getattr(store, "graph_name", "")))
    if journal_dir is not None:
        journal.begin(journal_dir, entry)
    counts: dict[str, TableCounts] = {}
    rejects: list[Reject] = []
    sent: dict[str, int] = {}
    counters: dict[str, dict[str, float]] = {}
    bars = _Progress(progress)
    upkeep = _Upkeep(store)
    try:
        for name, table in tables.items():
            if not first_load:  # a first load has nothing to ask the store
                t = time.perf_counter()
                fetch_known(store, table, ctx.known)
                timings["lookup"] += time.perf_counter() - t
            t = time.perf_counter()
            bars.start(table)
            table_rejects: list[Reject] = []
            tally = _Tally()
            rows = tally.count(iter_checked(table, ctx, table_rejects))
            batches = table_batches(table.table, rows)
            main = batches[0].query

            def hook(query: str, n: int, main: str = main) -> None:
                if query == main:
                    bars.update(n)
                pii.vault.flush()  # raw values sealed as their pseudonymised rows land
                if on_batch is not None:
                    on_batch(query, n)
                upkeep(query, n)

            for query, n in write(
                store, batches, load_id, batch_size=batch_size, on_batch=hook, counters=counters
            ).items():
                sent[query] = sent.get(query, 0) + n
            bars.update(len(table_rejects) + tally.unchanged)
            bars.close()
            pii.vault.flush()
            upkeep.after_table()
            timings["validate_write"] += time.perf_counter() - t
            counts[name] = TableCounts(
                read=tally.valid + len(table_rejects),
                loaded=tally.valid,
                rejected=len(table_rejects),
                unchanged=tally.unchanged,
                netted=ctx.netted_rows.get(f"{table.file}:{table.table}", 0),
            )
            rejects.extend(table_rejects)
        t = time.perf_counter()
        created = verify(load_id, sent, counters)
        timings["verify"] = time.perf_counter() - t
    except BaseException:
        bars.close()
        log.error("load %s failed; removing what it wrote", load_id)
        try:
            removed = rollback(store, load_id)
        except Exception:  # the original failure matters more; say how to finish later
            log.exception(
                "rollback of %s failed; run: graphsvc load --rollback %s", load_id, load_id
            )
        else:
            log.info("rollback of %s removed %d nodes/relationships", load_id, removed)
            if journal_dir is not None:
                journal.finish(journal_dir, load_id)
        raise
    t = time.perf_counter()
    store.save()
    timings["save"] = time.perf_counter() - t
    if journal_dir is not None:  # only once saved: a crash before leaves the entry
        journal.finish(journal_dir, load_id)
        journal.finish_resumed(journal_dir, entry)

    rejects_file = _write_rejects(rejects, rejects_path, load_id)
    report = LoadReport(
        tables=counts,
        rejects_file=rejects_file,
        elapsed_s=time.perf_counter() - t0,
        load_id=load_id,
        source=str(directory),
        mapping=str(mapping) if mapping else None,
        created=created,
        timings_s=timings,
        unmapped={f"{file} {column}": codes for (file, column), codes in ctx.unmapped.items()},
    )
    log.info(
        "load %s done: %d rows read, %d rejected, %.1f s",
        load_id,
        report.rows_read,
        report.rejected,
        report.elapsed_s,
    )
    return report


@dataclass
class _Tally:
    valid: int = 0
    unchanged: int = 0

    def count(self, rows: Iterator[Row]) -> Iterator[Row]:
        for row in rows:
            self.valid += 1
            if row.unchanged:
                self.unchanged += 1
            yield row


def _write_rejects(rejects: list[Reject], path: Path | None, load_id: str) -> str | None:
    if path is None:
        if not rejects:
            return None
        # Never lose a rejected row: without a path it goes to a private temp file.
        path = Path(tempfile.gettempdir()) / f"graphsvc-rejects-{load_id}.csv"
    write_rejects(path, rejects)
    return str(path)
