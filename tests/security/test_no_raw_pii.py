"""No raw personal data in the graph (issue #14): console tricks find nothing to reassemble.

Why against the store and not through the console's masking: masking answers on the way
out cannot hold against a query language (``split``, ``substring``, ``STARTS WITH``
probing, comparisons). These queries run straight on the graph of a generated province
(loaded, then detected), unmasked, and no raw value of the generated data may appear in
any answer: not because output is masked, but because the graph holds none. The list
grows: add every new trick here.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from graphsvc.config import Settings
from graphsvc.contract.normalise import normalise_identifier
from graphsvc.errors import StoreError
from graphsvc.store import Store, open_store

# {pid}: a participant holding an ID number and identifiers; {did}: a doctor.
QUERIES: list[str] = [
    "MATCH (p:Participant {{id: '{pid}'}}) RETURN [c IN split(p.id_number, '') | c]",
    "MATCH (p:Participant {{id: '{pid}'}}) "
    "RETURN reduce(s = '', c IN split(p.id_number, '') | s + c)",
    "MATCH (p:Participant {{id: '{pid}'}}) RETURN substring(p.id_number, 0, 18)",
    "MATCH (p:Participant {{id: '{pid}'}}) RETURN substring(p.id_number, 4, 10)",
    "MATCH (p:Participant {{id: '{pid}'}}) RETURN reverse(p.id_number)",
    "MATCH (p:Participant {{id: '{pid}'}}) RETURN reverse(reverse(p.id_number))",
    "MATCH (p:Participant {{id: '{pid}'}}) RETURN toUpper(p.id_number), toLower(p.name)",
    "MATCH (p:Participant {{id: '{pid}'}}) RETURN p.name, p.id_number",
    "MATCH (p:Participant {{id: '{pid}'}}) RETURN properties(p)",
    "MATCH (p:Participant {{id: '{pid}'}}) RETURN p {{.*}}",
    "MATCH (p:Participant {{id: '{pid}'}}) RETURN toString(p.id_number)",
    "MATCH (p:Participant {{id: '{pid}'}}) RETURN keys(p)",
    "MATCH (p:Participant {{id: '{pid}'}}) RETURN [k IN keys(p) | p[k]]",
    "MATCH (p:Participant {{id: '{pid}'}}) RETURN [k IN keys(p) | toString(p[k])]",
    "MATCH (p:Participant {{id: '{pid}'}}) RETURN p['id_' + 'number'], p['na' + 'me']",
    "MATCH (p:Participant {{id: '{pid}'}}) RETURN left(p.id_number, 18), right(p.id_number, 14)",
    "MATCH (p:Participant {{id: '{pid}'}}) RETURN split(p.name, '')",
    "MATCH (p:Participant {{id: '{pid}'}}) "
    "RETURN [i IN range(0, size(p.id_number) - 1) | substring(p.id_number, i, 1)]",
    # probing: which character sits at each position (what a masked answer cannot stop)
    "MATCH (p:Participant {{id: '{pid}'}}) "
    "WITH p, [i IN range(0, 17) | [c IN split('0123456789X', '') "
    "WHERE substring(p.id_number, i, 1) = c]] AS found "
    "RETURN reduce(s = '', x IN found | s + coalesce(head(x), '?'))",
    "MATCH (p:Participant {{id: '{pid}'}}) UNWIND range(0, 9) AS d "
    "WITH p, d WHERE p.id_number STARTS WITH (substring(p.id_number, 0, 4) + toString(d)) "
    "RETURN collect(d)",
    "MATCH (p:Participant {{id: '{pid}'}}) UNWIND split('0123456789', '') AS c "
    "WITH p, c WHERE p.id_number CONTAINS c RETURN collect(c)",
    "MATCH (p:Participant {{id: '{pid}'}}) "
    "RETURN p.id_number > '4', p.id_number < '5', p.id_number = p.id_number",
    "MATCH (p:Participant {{id: '{pid}'}}) RETURN p.name + '|' + p.id_number",
    "MATCH (p:Participant {{id: '{pid}'}}) RETURN p.id_number + ''",
    "MATCH (p:Participant {{id: '{pid}'}}) UNWIND keys(p) AS k RETURN k, p[k]",
    "MATCH (p:Participant {{id: '{pid}'}}) RETURN substring(p.name, 0, 1) + substring(p.name, 1)",
    "MATCH (p:Participant {{id: '{pid}'}}) RETURN trim(p.name), ltrim(p.id_number)",
    "MATCH (p:Participant {{id: '{pid}'}}) RETURN replace(p.id_number, '*', '')",
    "MATCH (p:Participant {{id: '{pid}'}}) RETURN {{n: p.name, i: p.id_number}} AS m",
    "MATCH (p:Participant {{id: '{pid}'}}) RETURN toString(size(p.id_number)) + p.id_number",
    "MATCH (p:Participant {{id: '{pid}'}})-[:HAS_IDENTIFIER]->(x) RETURN x.id, x.value, x.key",
    "MATCH (p:Participant {{id: '{pid}'}})-[:HAS_IDENTIFIER]->(x) RETURN split(x.id, ':')",
    "MATCH (p:Participant {{id: '{pid}'}})-[:HAS_IDENTIFIER]->(x) "
    "RETURN [c IN split(x.id, '') | c]",
    "MATCH (p:Participant {{id: '{pid}'}})-[:HAS_IDENTIFIER]->(x) RETURN substring(x.id, 6)",
    "MATCH (p:Participant {{id: '{pid}'}})-[:HAS_IDENTIFIER]->(x) RETURN properties(x)",
    "MATCH (p:Participant {{id: '{pid}'}})-[r:HAS_IDENTIFIER]->(x) RETURN properties(r), x",
    "MATCH (p:Participant {{id: '{pid}'}})-[:HAS_IDENTIFIER]->(x) "
    "RETURN reduce(s = '', c IN split(x.value, '') | s + c)",
    "MATCH path = (p:Participant {{id: '{pid}'}})-[:HAS_IDENTIFIER]->(x) RETURN path",
    "MATCH (p:Participant {{id: '{pid}'}})-[r]-(n) RETURN p, r, n LIMIT 200",
    "MATCH (p:Participant {{id: '{pid}'}})-[*1..2]-(n) RETURN DISTINCT properties(n) LIMIT 300",
    "MATCH (d:Doctor {{id: '{did}'}}) RETURN d.name, split(d.name, ''), properties(d)",
    "MATCH (d:Doctor {{id: '{did}'}}) RETURN reverse(d.name), d {{.*}}",
    "MATCH (p:Participant) RETURN p.name, p.id_number LIMIT 500",
    "MATCH (p:Participant) RETURN collect(DISTINCT p.name)[0..500]",
    "MATCH (p:Participant) WITH p ORDER BY p.id_number LIMIT 300 RETURN collect(p.id_number)",
    "MATCH (p:Participant) RETURN [x IN collect(p)[0..200] | x.id_number]",
    "MATCH (p:Participant) RETURN properties(p) LIMIT 300",
    "MATCH (p:Participant) RETURN p LIMIT 300",
    "MATCH (d:Doctor) RETURN d.name, properties(d) LIMIT 300",
    "MATCH (x:Identifier) RETURN x.id, x.value LIMIT 500",
    "MATCH (x:Identifier {kind: 'phone'}) RETURN replace(x.id, 'phone:', ''), x.value LIMIT 300",
    "MATCH (x:Identifier {kind: 'address'}) RETURN x.value, split(x.value, ' ') LIMIT 300",
    "MATCH (x:Identifier {kind: 'bank_account'}) RETURN x LIMIT 300",
    "MATCH (x:Identifier {kind: 'email'}) RETURN properties(x) LIMIT 300",
    "MATCH (x:Identifier {kind: 'device'}) RETURN x.id, reverse(x.id) LIMIT 300",
    "MATCH (x:Identifier) RETURN collect(x.value)[0..500]",
    "MATCH (x:Identifier) RETURN x.kind, [c IN split(x.value, '') | c] LIMIT 200",
    "MATCH (x:Identifier) WITH x.kind AS k, collect(x.id)[0..100] AS ids RETURN k, ids",
    "MATCH (p:Participant)-[:HAS_IDENTIFIER]->(x) RETURN p.id, collect(x.id) LIMIT 200",
    "MATCH (p:Participant)-[:HAS_IDENTIFIER]->(x)<-[:HAS_IDENTIFIER]-(q) "
    "RETURN x.value, collect(DISTINCT q.name) LIMIT 100",
    "MATCH (n) RETURN n LIMIT 400",
    "MATCH (n) RETURN properties(n) LIMIT 600",
    "MATCH ()-[r]->() RETURN properties(r) LIMIT 600",
    "MATCH (g:Ring) RETURN g.reasons, g.reasons_zh, g.evidence_json LIMIT 100",
    "MATCH (g:Ring)-[:HAS_MEMBER]->(p:Participant) RETURN g.id, collect(p.id_number) LIMIT 100",
    "MATCH (g:Ring) RETURN properties(g) LIMIT 100",
]


def _values(obj: Any) -> Iterator[str]:
    """Every string inside an answer (nodes, paths, lists, maps), and its JSON text."""
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield str(k)
            yield from _values(v)
    elif isinstance(obj, list | tuple):
        for v in obj:
            yield from _values(v)
    elif hasattr(obj, "to_json"):
        yield from _values(obj.to_json())
    elif hasattr(obj, "properties"):
        yield from _values(dict(obj.properties))
    elif obj is not None:
        yield str(obj)


@pytest.fixture(scope="module")
def detected(detected_settings: Settings) -> Iterator[Store]:
    s = open_store(detected_settings, start=False)
    try:
        yield s
    finally:
        s.close()


@pytest.fixture(scope="module")
def raw(province_dir: Path) -> dict[str, set[str]]:
    """The generated data's raw personal values, as written and as normalised."""
    out: dict[str, set[str]] = {"name": set(), "id_number": set(), "identifier": set()}
    with (province_dir / "participants.csv").open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if r["name"]:
                out["name"].add(r["name"])
            if r["id_number"]:
                out["id_number"].update({r["id_number"], r["id_number"].upper()})
    with (province_dir / "doctors.csv").open(encoding="utf-8") as fh:
        out["name"].update(r["name"] for r in csv.DictReader(fh) if r["name"])
    with (province_dir / "identifiers.csv").open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            out["identifier"].update({r["value"], normalise_identifier(r["kind"], r["value"])})
    return out


def _leaks(text_values: list[str], raw: dict[str, set[str]]) -> set[str]:
    exact = set().union(*raw.values())
    long = sorted((v for v in exact if len(v) >= 3), key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(v) for v in long))
    found = {v for v in text_values if v in exact}
    for v in text_values:
        found.update(m.group(0) for m in pattern.finditer(v))
    return found


def _sample(store: Store) -> tuple[str, str]:
    pid = store.query(
        "MATCH (p:Participant)-[:HAS_IDENTIFIER]->(:Identifier) WHERE p.id_number IS NOT NULL "
        "AND p.name IS NOT NULL RETURN p.id ORDER BY p.id LIMIT 1"
    ).scalar()
    did = store.query("MATCH (d:Doctor) WHERE d.name IS NOT NULL RETURN d.id LIMIT 1").scalar()
    return str(pid), str(did)


def test_the_list_is_long_enough() -> None:
    assert len(QUERIES) >= 60
    assert len(set(QUERIES)) == len(QUERIES)


def test_no_console_query_reassembles_personal_data(
    detected: Store, raw: dict[str, set[str]]
) -> None:
    pid, did = _sample(detected)
    assert all(raw.values()), "the generated data must hold names, ID numbers, identifiers"
    leaks: dict[str, set[str]] = {}
    failed: dict[str, str] = {}
    for template in QUERIES:
        query = template.replace("{pid}", pid).replace("{did}", did)
        query = query.replace("{{", "{").replace("}}", "}")
        try:  # read-only, unmasked: the graph itself is examined
            res = detected.query(query)
        except StoreError as exc:  # a query that does not run tests nothing
            failed[query] = str(exc)
            continue
        if not res.rows:
            failed[query] = "no rows: the query tests nothing"
            continue
        strings = list(_values(res.rows))
        found = _leaks([*strings, json.dumps(res.rows, default=str, ensure_ascii=False)], raw)
        if found:
            leaks[query] = found
    assert not failed, failed
    assert not leaks, leaks


def test_raw_values_match_nothing_in_the_graph(detected: Store, raw: dict[str, set[str]]) -> None:
    """Comparisons and prefixes with the true values find nothing: there is nothing to find."""
    idn = sorted(raw["id_number"])[0]
    name = sorted(raw["name"])[0]
    phone = sorted(v for v in raw["identifier"] if v.isdigit() and len(v) == 11)[0]
    probes = [
        ("MATCH (p:Participant) WHERE p.id_number = $v RETURN count(p)", idn),
        ("MATCH (p:Participant) WHERE p.id_number STARTS WITH $v RETURN count(p)", idn[:10]),
        ("MATCH (p:Participant) WHERE p.name = $v RETURN count(p)", name),
        ("MATCH (x:Identifier) WHERE x.id ENDS WITH $v RETURN count(x)", phone),
        ("MATCH (x:Identifier) WHERE x.value CONTAINS $v RETURN count(x)", phone[2:9]),
        ("MATCH ()-[r]->() WHERE any(k IN keys(r) WHERE r[k] = $v) RETURN count(r)", phone),
    ]
    for query, value in probes:
        assert detected.query(query, {"v": value}).scalar() == 0, (query, value)
    # the same participant is still there, under its pseudonym and masked forms
    assert detected.query(
        "MATCH (p:Participant) WHERE p.id_number_key IS NOT NULL RETURN count(p)"
    ).scalar()
