"""HTML of a view: our own template, assets served or inlined, nothing external."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

from graphsvc.store.values import Node, Relationship
from viz.model import GraphView, build_view
from viz.render import VIS_JS, network_data, network_fragment, network_html


def sample_view(n: int = 5) -> GraphView:
    nodes = [Node(f"participant:P{i}", ("Participant",), {"id": f"P{i}"}) for i in range(n)]
    hub = Node("institution:H1", ("Institution",), {"id": "H1", "name": "海口</script>诊所"})
    rels = [
        Relationship(f"r{i}", "VISITED", nodes[i].id, hub.id, {"count": i + 1}) for i in range(n)
    ]
    return build_view([*nodes, hub], rels, highlight={nodes[0].id}, cap=4)


class Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[dict[str, str | None]] = []
        self.links: list[dict[str, str | None]] = []
        self.inline_handlers: list[str] = []
        self.json_blocks: list[str] = []
        self._in_json = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.inline_handlers += [k for k in a if k.startswith("on")]
        if tag == "script":
            self.scripts.append(a)
            self._in_json = a.get("type") == "application/json"
        if tag == "link":
            self.links.append(a)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_json = False

    def handle_data(self, data: str) -> None:
        if self._in_json:
            self.json_blocks.append(data)


def parse(html: str) -> Collect:
    c = Collect()
    c.feed(html)
    return c


def test_served_page_links_only_static_assets() -> None:
    html = network_html(sample_view(), lang="en", assets="served")
    page = parse(html)
    srcs = [s.get("src") for s in page.scripts if s.get("src")]
    assert srcs == ["/static/vendor/vis-network.min.js", "/static/graph.js"]
    sheets = [lk.get("href") for lk in page.links if lk.get("rel") == "stylesheet"]
    assert sheets == ["/static/vendor/vis-network.css", "/static/app.css"]
    # The favicon is an empty data URL, so the browser does not ask the server for one.
    assert [lk.get("href") for lk in page.links if lk.get("rel") == "icon"] == ["data:,"]
    assert page.inline_handlers == []
    # The only inline script is the JSON data block (not executed, CSP-safe).
    inline = [s for s in page.scripts if not s.get("src")]
    assert [s.get("type") for s in inline] == ["application/json"]


def test_inline_file_is_self_contained() -> None:
    html = network_html(sample_view(), lang="zh", assets="inline")
    page = parse(html)
    assert all(not s.get("src") for s in page.scripts)
    assert [lk for lk in page.links if lk.get("rel") != "icon"] == []
    assert VIS_JS.read_text(encoding="utf-8")[:2000] in html
    assert 'lang="zh-CN"' in html


def test_data_block_is_valid_json_and_cannot_close_the_script() -> None:
    view = sample_view()
    html = network_fragment(view, lang="en")
    assert "</script>诊所" not in html  # the name is escaped inside the JSON block
    block = parse(str(html)).json_blocks
    data = json.loads("".join(block))
    names = [n["label"] for n in data["nodes"]]
    assert "海口</script>诊所" in names
    assert data["options"]["physics"]["enabled"] is True
    assert data["hidden_nodes"] == view.hidden_nodes == 2


def test_fragment_shows_cap_note_and_translated_legend() -> None:
    zh = str(network_fragment(sample_view(), lang="zh"))
    en = str(network_fragment(sample_view(), lang="en"))
    assert "另有 2 个节点未显示" in zh
    assert "2 more nodes not shown" in en
    assert "参保人" in zh and "Insured person" in en
    assert re.search(r"<svg class=\"gs-swatch\"[^>]*>", en)
    assert "style=" not in en  # CSP: no inline style attributes


def test_network_data_built_through_pyvis_keeps_view_styles() -> None:
    view = sample_view()
    data = network_data(view)
    by_id = {n["id"]: n for n in data["nodes"]}
    first = view.nodes[0]
    assert by_id[first.id]["shape"] == first.shape
    assert by_id[first.id]["color"]["background"] == first.color
    assert {(e["from"], e["to"]) for e in data["edges"]} == {
        (e.source, e.target) for e in view.edges
    }


def test_big_view_turns_physics_off() -> None:
    nodes = [Node(f"participant:P{i}", ("Participant",), {"id": f"P{i}"}) for i in range(40)]
    view = build_view(nodes, [], physics_limit=10)
    data = network_data(view)
    assert data["options"]["physics"]["enabled"] is False
    assert all("x" in n for n in data["nodes"])
    assert "physics off" in network_html(view, lang="en")
