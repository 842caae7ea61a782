"""Helpers shared by detectors: explained ties, graph clustering, money and periods.

Explained ties are the heart of not flagging families: two participants who are
registered family (``family_links``, taken transitively: a holder's spouse and child
are one family) or who share a small address (a household) have every reason to share
a phone, visit a doctor together or pay for each other.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

import igraph as ig
import leidenalg
import numpy as np
import pandas as pd

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


class Explainer:
    """Which participant pairs are explained by family or household.

    Explained: registered family (transitively), the same small household address, or
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

    def __init__(self, data: GraphData, household_max: int) -> None:
        family = UnionFind()
        fl = data.family_links
        for h, m in zip(fl["holder_id"], fl["member_id"], strict=True):
            if h is not None and m is not None:
                family.union(str(h), str(m))
        self.family = family
        ids = data.identifiers
        addr = ids[ids["kind"] == "address"][["participant_id", "value"]].drop_duplicates()
        deg = addr.groupby("value")["participant_id"].transform("size")
        small = addr[(deg >= 2) & (deg <= household_max)]
        self.households: dict[str, set[str]] = {}
        residents: dict[str, list[str]] = {}
        for p, value in zip(small["participant_id"], small["value"], strict=True):
            self.households.setdefault(str(p), set()).add(str(value))
            residents.setdefault(str(value), []).append(str(p))
        # Family roots of each participant's co-residents (themselves included).
        self.kin: dict[str, set[str]] = {}
        for people in residents.values():
            roots = {family.find(p) for p in people}
            for p in people:
                self.kin.setdefault(p, set()).update(roots)

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
            self.same_family(a, b) or self.same_household(a, b) or self.relative_of_household(a, b)
        )

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


def region_of_participants(data: GraphData, participants: Iterable[str]) -> str | None:
    p = data.participants
    return majority(p.loc[p["participant_id"].isin(set(participants)), "region_code"])


def region_of_institutions(data: GraphData, institutions: Iterable[str]) -> str | None:
    i = data.institutions
    return majority(i.loc[i["institution_id"].isin(set(institutions)), "region_code"])


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
