"""Helpers shared by detectors: explained ties, graph clustering, money and periods.

Explained ties are the heart of not flagging families: two participants who are
registered family (``family_links``, taken transitively: a holder's spouse and child
are one family) or who share the address of a plausible household (small, and the
ages, surnames or registered links fit a family) have every reason to share a phone,
visit a doctor together or pay for each other. An address shared by 25 people of
unrelated ages explains nothing: that is how recruits registered at the recruiter's
address would hide (issue #11).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

import igraph as ig
import leidenalg
import numpy as np
import pandas as pd

from graphsvc.detection.config import SharedIdentityConfig
from graphsvc.detection.data import GraphData
from graphsvc.detection.rings import iso, majority


class UnionFind:
    """Plain union-find over hashable keys (deterministic representatives).

    >>> uf = UnionFind(); uf.union("a", "b"); uf.union("c", "b")
    >>> uf.find("a") == uf.find("c"), uf.find("a") == uf.find("z")
    (True, False)
    """

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        parent = self.parent
        root = x
        while parent.get(root, root) != root:
            root = parent[root]
        while parent.get(x, x) != root:
            parent[x], x = root, parent[x]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            lo, hi = sorted((ra, rb))
            self.parent[hi] = lo


HOUSEHOLD = "household"
CARE_HOME = "care_home"
NOT_A_HOUSEHOLD = "not_a_household"


def _birth_years(data: GraphData) -> dict[str, float]:
    """Birth date as a fractional year, for participants whose birth date is known."""
    p = data.participants[["participant_id", "birth_date"]].dropna()
    years = p["birth_date"].dt.year + (p["birth_date"].dt.day_of_year - 1) / 365.25
    return dict(zip(p["participant_id"].astype(str), years.astype(float), strict=True))


def _reference_year(data: GraphData) -> float:
    """The year ages are taken at: the latest settlement, else today."""
    d = data.prescriptions["date"].dropna()
    last = d.max() if not d.empty else pd.Timestamp.today()
    return float(last.year + (last.day_of_year - 1) / 365.25)


def ages_fit_family(birth_years: Sequence[float], generation_span_years: float) -> bool:
    """Birth years that could be one family: at most four generations, and only the
    youngest (the children) may hold more than two people, under an older generation.

    A generation is a run of birth years within ``generation_span_years`` of its eldest.
    Six adults born within a few years of each other are flatmates or recruits, not a
    family; parents, a couple and their children are.

    >>> ages_fit_family([1950, 1975, 1977, 2001, 2003, 2005], 15.0)
    True
    >>> ages_fit_family([1980, 1982, 1983, 1990, 1991, 1993], 15.0)
    False
    >>> ages_fit_family([1940, 1960, 1980, 2000, 2020], 15.0)
    False
    """
    ys = sorted(birth_years)
    bands: list[int] = []
    start = None
    for y in ys:
        if start is None or y - start > generation_span_years:
            bands.append(0)
            start = y
        bands[-1] += 1
    return (
        len(bands) <= 4 and all(b <= 2 for b in bands[:-1]) and (bands[-1] <= 2 or len(bands) >= 2)
    )


def _surname(name: object) -> str | None:
    text = str(name).strip() if name is not None else ""
    return text[0] if text and text != "nan" else None


def classify_addresses(
    data: GraphData,
    family: UnionFind,
    *,
    household_max: int,
    generation_span_years: float,
    care_home_min_age: float,
    care_home_elderly_share: float,
) -> dict[str, tuple[str, list[str]]]:
    """Each address shared by two or more participants: a household, a care home, or
    neither (issue #11: "a household of 25 unrelated ages and surnames is not a household").

    * household: at most ``household_max`` residents, and registered family among them,
      or two residents sharing a surname (where names are known), or birth years that
      fit a family (:func:`ages_fit_family`); with neither names nor birth dates known,
      the size alone decides;
    * care home: not a household, yet at least ``care_home_elderly_share`` of the
      residents (birth date known) are ``care_home_min_age`` or older: the elderly
      living in a home share its address, landline and often its bank account;
    * otherwise not a household: the address explains nobody (recruits registered at
      the recruiter's address, collective addresses of strangers).

    >>> import pandas as pd
    >>> ppl = pd.DataFrame({"participant_id": [f"R{i}" for i in range(10)],
    ...                     "birth_date": [f"{1960 + 3 * i}-01-01" for i in range(10)]})
    >>> ids = pd.DataFrame({"participant_id": [f"R{i}" for i in range(10)] + ["A", "B"],
    ...                     "kind": "address", "value": ["1 Road"] * 10 + ["2 Road"] * 2})
    >>> out = classify_addresses(GraphData.create(participants=ppl, identifiers=ids),
    ...     UnionFind(), household_max=8, generation_span_years=15, care_home_min_age=60,
    ...     care_home_elderly_share=0.8)
    >>> out["1 road"][0], out["2 road"][0]
    ('not_a_household', 'household')
    """
    ids = data.identifiers
    addr = ids[ids["kind"] == "address"][["participant_id", "value"]].drop_duplicates()
    addr = addr.sort_values(["value", "participant_id"], kind="stable")
    deg = addr.groupby("value")["participant_id"].transform("size")
    shared = addr[deg >= 2]
    if shared.empty:
        return {}
    births = _birth_years(data)
    ref = _reference_year(data)
    names: dict[str, str] = {}
    if "name" in data.participants.columns:
        for pid, name in zip(
            data.participants["participant_id"], data.participants["name"], strict=True
        ):
            sur = _surname(name)
            if sur is not None:
                names[str(pid)] = sur
    out: dict[str, tuple[str, list[str]]] = {}
    # Runs of one address in the sorted table (a groupby per address was most of the
    # explainer's time with 45k shared addresses).
    values = shared["value"].to_numpy(dtype=object)
    holders = shared["participant_id"].to_numpy(dtype=object)
    cuts = np.flatnonzero(values[1:] != values[:-1]) + 1
    for lo, hi in zip(np.r_[0, cuts], np.r_[cuts, len(values)], strict=True):
        value = values[lo]
        people = [str(p) for p in holders[lo:hi]]
        known = [births[p] for p in people if p in births]
        kind = NOT_A_HOUSEHOLD
        if len(people) <= household_max:
            roots = [family.find(p) for p in people]
            surnames = [names[p] for p in people if p in names]
            if (
                len(set(roots)) < len(roots)
                or len(set(surnames)) < len(surnames)
                or len(known) < 2
                or ages_fit_family(known, generation_span_years)
            ):
                kind = HOUSEHOLD
        if kind != HOUSEHOLD and len(known) >= max(2, 0.8 * len(people)):
            elderly = sum(1 for y in known if ref - y >= care_home_min_age)
            if elderly >= care_home_elderly_share * len(known):
                kind = CARE_HOME
        out[str(value)] = (kind, people)
    return out


def explainer_of(data: GraphData, cfg: SharedIdentityConfig) -> Explainer:
    """The :class:`Explainer` of ``data`` under the household settings of ``cfg``, built
    once and shared by every detector that weighs families and households (one definition
    of a household across detectors, and one build of it at scale)."""
    key = (
        "explainer",
        cfg.household_max,
        cfg.generation_span_years,
        cfg.care_home_min_age,
        cfg.care_home_elderly_share,
    )
    return data.derived(
        key,
        lambda d: Explainer(
            d,
            cfg.household_max,
            generation_span_years=cfg.generation_span_years,
            care_home_min_age=cfg.care_home_min_age,
            care_home_elderly_share=cfg.care_home_elderly_share,
        ),
    )


class Explainer:
    """Which participant pairs are explained by family, household or care home.

    Explained: registered family (transitively), the same address when it is a plausible
    household or a care home (:func:`classify_addresses`), or
    one step across both -- a relative registered on a household member's account who
    lives elsewhere (a grandparent on the head's 家庭共济 account shares the household's
    phone or bank account as legitimately as the household does). The mixed step is not
    made transitive: chains of addresses and accounts would explain strangers.

    >>> import pandas as pd
    >>> g = GraphData.create(
    ...     family_links=pd.DataFrame({"holder_id": ["A", "A", "H"], "member_id": ["B", "C", "G"]}),
    ...     identifiers=pd.DataFrame({"participant_id": ["D", "E", "H", "S", "S", "X"],
    ...                               "kind": ["address"] * 6,
    ...                               "value": ["1 Road"] * 2 + ["2 Road"] * 2 + ["3 Road"] * 2}))
    >>> ex = Explainer(g, household_max=8)
    >>> ex.explained("B", "C"), ex.explained("D", "E"), ex.explained("A", "D")
    (True, True, False)
    >>> ex.explained("G", "S"), ex.explained("S", "G"), ex.explained("G", "X")
    (True, True, False)
    """

    def __init__(
        self,
        data: GraphData,
        household_max: int,
        *,
        generation_span_years: float = 15.0,
        care_home_min_age: float = 60.0,
        care_home_elderly_share: float = 0.8,
    ) -> None:
        family = UnionFind()
        fl = data.family_links
        for h, m in zip(fl["holder_id"], fl["member_id"], strict=True):
            if h is not None and m is not None:
                family.union(str(h), str(m))
        self.family = family
        self.addresses = classify_addresses(
            data,
            family,
            household_max=household_max,
            generation_span_years=generation_span_years,
            care_home_min_age=care_home_min_age,
            care_home_elderly_share=care_home_elderly_share,
        )
        self.households: dict[str, set[str]] = {}
        self.care_homes: dict[str, set[str]] = {}
        residents: dict[str, list[str]] = {}
        for value, (kind, people) in self.addresses.items():
            if kind == HOUSEHOLD:
                residents[value] = people
                for p in people:
                    self.households.setdefault(p, set()).add(value)
            elif kind == CARE_HOME:
                for p in people:
                    self.care_homes.setdefault(p, set()).add(value)
        # Family roots of each participant's co-residents (themselves included).
        self.kin: dict[str, set[str]] = {}
        for people in residents.values():
            roots = {family.find(p) for p in people}
            for p in people:
                self.kin.setdefault(p, set()).update(roots)

    def same_care_home(self, a: str, b: str) -> bool:
        ha = self.care_homes.get(a)
        hb = self.care_homes.get(b)
        return bool(ha and hb and ha & hb)

    def same_family(self, a: str, b: str) -> bool:
        return self.family.find(a) == self.family.find(b)

    def same_household(self, a: str, b: str) -> bool:
        ha = self.households.get(a)
        hb = self.households.get(b)
        return bool(ha and hb and ha & hb)

    def relative_of_household(self, a: str, b: str) -> bool:
        """``a`` is registered family of someone living with ``b``, or the other way round."""
        return self.family.find(a) in self.kin.get(b, ()) or self.family.find(b) in self.kin.get(
            a, ()
        )

    def explained(self, a: str, b: str) -> bool:
        return (
            self.same_family(a, b)
            or self.same_household(a, b)
            or self.relative_of_household(a, b)
            or self.same_care_home(a, b)
        )

    def units(self) -> UnionFind:
        """Independent units: registered family, plausible households and care homes joined.

        Unlike :meth:`explained` this is transitive (a household and its relatives
        registered elsewhere are one unit); only registered links and address groups that
        passed the plausibility check join units, never shared phones or accounts.
        """
        uf = UnionFind()
        for child, root in list(self.family.parent.items()):
            uf.union(child, root)
        for kind, people in self.addresses.values():
            if kind in (HOUSEHOLD, CARE_HOME):
                for p in people[1:]:
                    uf.union(people[0], p)
        return uf

    def mask(self, left: Sequence[str], right: Sequence[str]) -> np.ndarray:
        """Boolean array: pair (left[i], right[i]) is explained."""
        return np.fromiter(
            (self.explained(a, b) for a, b in zip(left, right, strict=True)),
            dtype=bool,
            count=len(left),
        )


def leiden_communities(
    edges: pd.DataFrame, weight: str, *, seed: int, resolution: float = 1.0
) -> list[list[str]]:
    """Modularity communities of an undirected weighted graph (columns a, b, weight).

    Seeded and with vertices in sorted order, so the same edges give the same
    communities. ``objective_function="modularity"`` matters: leidenalg's default
    (CPM at resolution 1) returns singletons on weighted graphs like these.

    >>> import pandas as pd
    >>> e = pd.DataFrame({"a": ["1", "1", "2", "4", "4", "5"], "b": ["2", "3", "3", "5", "6", "6"],
    ...                   "w": [1.0] * 6})
    >>> sorted(sorted(c) for c in leiden_communities(e, "w", seed=1))
    [['1', '2', '3'], ['4', '5', '6']]
    """
    if edges.empty:
        return []
    names = sorted(set(edges["a"].astype(str)) | set(edges["b"].astype(str)))
    index = {n: i for i, n in enumerate(names)}
    e = edges.sort_values(["a", "b"], kind="stable")
    g = ig.Graph(
        n=len(names),
        edges=[(index[a], index[b]) for a, b in zip(e["a"], e["b"], strict=True)],
        directed=False,
    )
    g.es["weight"] = [float(w) for w in e[weight]]
    part = leidenalg.find_partition(
        g,
        leidenalg.RBConfigurationVertexPartition,
        weights="weight",
        resolution_parameter=resolution,
        seed=seed,
        n_iterations=-1,
    )
    communities = [sorted(names[v] for v in comm) for comm in part]
    return sorted(communities, key=lambda c: (-len(c), c[0] if c else ""))


def components(pairs: Iterable[tuple[str, str]]) -> list[list[str]]:
    """Connected components of an undirected edge list, sorted and deterministic.

    >>> components([("a", "b"), ("c", "d"), ("b", "e")])
    [['a', 'b', 'e'], ['c', 'd']]
    """
    uf = UnionFind()
    nodes: set[str] = set()
    for a, b in pairs:
        uf.union(a, b)
        nodes.update((a, b))
    groups: dict[str, list[str]] = {}
    for n in sorted(nodes):
        groups.setdefault(uf.find(n), []).append(n)
    return sorted(groups.values(), key=lambda c: (-len(c), c[0]))


def settlements_of(rx: pd.DataFrame, participants: Iterable[str] | None = None) -> pd.DataFrame:
    if participants is None:
        return rx
    return rx[rx["participant_id"].isin(set(participants))]


def money(rx: pd.DataFrame) -> float:
    return round(float(rx["fund_paid"].fillna(0.0).sum()), 2)


def period(dates: pd.Series) -> tuple[str | None, str | None]:
    d = dates.dropna()
    if d.empty:
        return None, None
    return iso(d.min()), iso(d.max())


def _regions_by_id(table: str, id_col: str) -> Callable[[GraphData], dict[str, list[object]]]:
    def build(data: GraphData) -> dict[str, list[object]]:
        frame = getattr(data, table)
        out: dict[str, list[object]] = {}
        for key, region in zip(frame[id_col], frame["region_code"], strict=True):
            out.setdefault(key, []).append(region)
        return out

    return build


def _majority_region(data: GraphData, table: str, id_col: str, ids: Iterable[str]) -> str | None:
    """The most common region of the rows of ``table`` whose id is in ``ids``.

    A lookup per id in a map built once per GraphData: a scan of the 200k participants per
    ring was seconds of detection at scale. Same rows as ``isin`` (every row of a repeated
    id), and :func:`majority` does not depend on their order.
    """
    by_id = data.derived(("regions", table, id_col), _regions_by_id(table, id_col))
    return majority(r for key in set(ids) for r in by_id.get(key, ()))


def region_of_participants(data: GraphData, participants: Iterable[str]) -> str | None:
    return _majority_region(data, "participants", "participant_id", participants)


def region_of_institutions(data: GraphData, institutions: Iterable[str]) -> str | None:
    return _majority_region(data, "institutions", "institution_id", institutions)


def fmt_money(x: float) -> str:
    """Yuan with thousands separators, e.g. '¥12,345.60'."""
    return f"¥{x:,.2f}"


def fmt_p(log10p: float) -> str:
    """A chance probability as a power of ten an investigator can read.

    >>> fmt_p(-12.34), fmt_p(-1.5)
    ('1e-12', '0.03')
    """
    if log10p > -2:
        return f"{10**log10p:.2f}"
    return f"1e{int(np.floor(log10p + 0.5))}"


LeidenFn = Callable[..., list[list[str]]]
ComponentsFn = Callable[[Iterable[tuple[str, str]]], list[list[str]]]


class Clustering(Protocol):
    """Where community detection and components run (injected into detectors).

    ``graphsvc.store.gds.Clustering`` satisfies it (server-side GDS or these Python
    functions); detectors stay pure: they only call the two functions they are given.
    """

    @property
    def backend(self) -> str: ...

    @property
    def leiden_communities(self) -> LeidenFn: ...

    @property
    def components(self) -> ComponentsFn: ...


@dataclass(frozen=True)
class PythonClustering:
    """The in-process implementations above (igraph/leidenalg, union-find)."""

    backend: str = "python"
    leiden_communities: LeidenFn = leiden_communities
    components: ComponentsFn = components


PYTHON_CLUSTERING = PythonClustering()


class RowIndex:
    """Rows of a frame by the value of one column, found without a scan of the frame.

    ``frame[frame[col].isin(keys)]`` scans every row: once per ring over the 1.3M
    settlements or the 3M line items it was a good part of detection's time. The same
    rows (every row holding a key, in frame order, with the frame's index) come from a
    hash lookup of the keys and the positions of each key's rows, built once.

    >>> import pandas as pd
    >>> f = pd.DataFrame({"k": ["b", "a", "b", None, "c"]}, index=[10, 11, 12, 13, 14])
    >>> list(RowIndex(f, "k").rows({"b", "z"}).index), len(RowIndex(f, "k").rows([]))
    ([10, 12], 0)
    """

    def __init__(self, frame: pd.DataFrame, col: str) -> None:
        self.frame = frame
        codes, names = pd.factorize(frame[col].to_numpy(dtype=object))
        self._names = pd.Index(names, dtype=object)
        self._order = np.argsort(codes, kind="stable")
        self._starts = np.searchsorted(codes[self._order], np.arange(len(names) + 1))

    def positions(self, keys: Iterable[object]) -> np.ndarray:
        """Row positions (ascending) of every row whose value is one of ``keys``."""
        wanted = list(set(keys))
        at = self._names.get_indexer(pd.Index(wanted, dtype=object)) if wanted else []
        at = np.asarray(at, dtype=np.int64)
        at = at[at >= 0]
        if len(at) == 0:
            return np.zeros(0, dtype=np.int64)
        lo, hi = self._starts[at], self._starts[at + 1]
        runs = [self._order[a:b] for a, b in zip(lo, hi, strict=True)]
        return np.sort(np.concatenate(runs))

    def rows(self, keys: Iterable[object]) -> pd.DataFrame:
        """The rows of :meth:`positions`, as ``frame[frame[col].isin(keys)]`` gives them."""
        return self.frame.iloc[self.positions(keys)]


def rows_by(data: GraphData, table: str, col: str) -> RowIndex:
    """The shared :class:`RowIndex` of ``data.<table>`` by ``col`` (built once)."""
    return data.derived(("rows", table, col), lambda d: RowIndex(getattr(d, table), col))
