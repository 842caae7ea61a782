/* The analyst Cypher console: saved queries from GET /api/queries, statements sent
 * to POST /api/cypher (read-only, enforced server-side), results as a table and,
 * when they hold nodes/relationships, as a graph styled like every other view. */
(function () {
  "use strict";

  var root = document.getElementById("console");
  if (!root) { return; }
  var styles = JSON.parse(document.getElementById(root.getAttribute("data-styles")).textContent);
  var form = document.getElementById("cypher-form");
  var queryBox = document.getElementById("cypher-query");
  var paramsBox = document.getElementById("cypher-params");
  var status = document.getElementById("cypher-status");
  var errorBox = document.getElementById("cypher-error");
  var table = document.getElementById("cypher-table");
  var graphWrap = document.getElementById("cypher-graph-wrap");
  var graphBox = document.getElementById("cypher-graph");
  var tabTable = document.getElementById("tab-table");
  var tabGraph = document.getElementById("tab-graph");
  var lastGraph = null;
  var network = null;

  function csrfToken() {
    var parts = document.cookie.split(";");
    for (var i = 0; i < parts.length; i++) {
      var kv = parts[i].trim().split("=");
      if (kv[0] === "graphsvc_csrf") { return decodeURIComponent(kv.slice(1).join("=")); }
    }
    return "";
  }

  function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = !message;
  }

  function cellText(value) {
    if (value === null || value === undefined) { return ""; }
    if (typeof value === "object") {
      if (value.labels && value.properties) {
        return "(" + value.labels.join(":") + " " + JSON.stringify(value.properties) + ")";
      }
      if (value.type && value.properties && value.start !== undefined) {
        return "[:" + value.type + " " + JSON.stringify(value.properties) + "]";
      }
      return JSON.stringify(value);
    }
    return String(value);
  }

  function renderTable(result) {
    table.textContent = "";
    var t = document.createElement("table");
    var head = t.createTHead().insertRow();
    result.columns.forEach(function (c) {
      var th = document.createElement("th");
      th.textContent = c;
      head.appendChild(th);
    });
    var body = t.createTBody();
    result.rows.forEach(function (row) {
      var tr = body.insertRow();
      row.forEach(function (v) { tr.insertCell().textContent = cellText(v); });
    });
    table.appendChild(t);
  }

  function nodeLabel(n) {
    var p = n.properties || {};
    var kind = (n.labels || [])[0] || "";
    if (kind === "Institution" && p.name) { return String(p.name); }
    if (kind === "Ring" && p.typology) { return String(p.typology); }
    return String(p.id !== undefined ? p.id : n.id);
  }

  function tooltip(head, props) {
    var lines = [head];
    Object.keys(props || {}).sort().slice(0, 12).forEach(function (k) {
      if (k === "evidence_json" || k === "params_json") { return; }
      lines.push(k + ": " + cellText(props[k]));
    });
    return lines.join("\n");
  }

  function visData(graph) {
    var nodes = graph.nodes.map(function (n) {
      var kind = (n.labels || [])[0] || "";
      var s = styles.nodes[kind] || styles.other;
      return { id: n.id, label: nodeLabel(n), title: tooltip(kind, n.properties),
               shape: s.shape, size: s.size, color: { background: s.color, border: s.color } };
    });
    var edges = graph.edges.map(function (e) {
      var s = styles.edges[e.type] || styles.other_edge;
      return { id: "e" + e.id, from: e.start, to: e.end, label: e.type,
               title: tooltip(e.type, e.properties), color: { color: s.color }, dashes: s.dashes };
    });
    var big = nodes.length > styles.physics_limit;
    return { nodes: nodes, edges: edges, options: {
      nodes: { font: { size: 12 } },
      edges: { font: { size: 9, align: "middle", strokeWidth: 3 }, smooth: false,
               arrows: { to: { enabled: true, scaleFactor: 0.4 } } },
      physics: { enabled: !big, solver: "forceAtlas2Based",
                 stabilization: { enabled: true, iterations: 200, fit: true } },
      layout: { improvedLayout: nodes.length <= 150 },
      interaction: { hover: true, tooltipDelay: 120 } } };
  }

  function select(tab) {
    var graph = tab === "graph";
    tabTable.setAttribute("aria-selected", String(!graph));
    tabGraph.setAttribute("aria-selected", String(graph));
    table.hidden = graph;
    graphWrap.hidden = !graph;
    if (graph && lastGraph) {
      if (network) { network.destroy(); }
      network = window.GraphsvcNetwork.draw(graphBox, visData(lastGraph));
    }
  }

  function run(event) {
    event.preventDefault();
    showError("");
    var params;
    try {
      params = JSON.parse(paramsBox.value || "{}");
    } catch (err) {
      showError(String(err));
      return;
    }
    status.textContent = "…";
    fetch("/api/cypher", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrfToken() },
      body: JSON.stringify({ query: queryBox.value, parameters: params })
    }).then(function (resp) {
      return resp.json().then(function (body) { return { ok: resp.ok, body: body }; });
    }).then(function (r) {
      if (!r.ok) {
        status.textContent = "";
        showError(typeof r.body.detail === "string" ? r.body.detail : JSON.stringify(r.body.detail));
        return;
      }
      var res = r.body;
      status.textContent = res.row_count + (res.truncated ? "+" : "") + " · " + res.elapsed_ms + " ms";
      renderTable(res);
      lastGraph = res.graph && res.graph.nodes && res.graph.nodes.length ? res.graph : null;
      tabGraph.disabled = !lastGraph;
      select(lastGraph ? "graph" : "table");
    }).catch(function (err) {
      status.textContent = "";
      showError(String(err));
    });
  }

  function loadSaved() {
    var box = document.getElementById("saved-queries");
    fetch("/api/queries", { credentials: "same-origin" }).then(function (resp) {
      if (!resp.ok) { throw new Error("HTTP " + resp.status); }
      return resp.json();
    }).then(function (list) {
      list.forEach(function (q) {
        var b = document.createElement("button");
        b.type = "button";
        b.textContent = q.name + (q.description ? " — " + q.description : "");
        b.addEventListener("click", function () {
          queryBox.value = q.text.split("\n").filter(function (line) {
            return line.trim().indexOf("//") !== 0;
          }).join("\n").trim();
          var p = {};
          (q.params || []).forEach(function (name) { p[name] = null; });
          paramsBox.value = JSON.stringify(p);
        });
        box.appendChild(b);
      });
    }).catch(function (err) { box.textContent = String(err); });
  }

  form.addEventListener("submit", run);
  tabTable.addEventListener("click", function () { select("table"); });
  tabGraph.addEventListener("click", function () { select("graph"); });
  tabGraph.disabled = true;
  loadSaved();
})();
