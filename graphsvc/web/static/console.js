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
  var paramForm = document.getElementById("cypher-param-form");
  var lastGraph = null;
  var network = null;
  // Every run gets the next number; an answer that is not for the latest run is
  // dropped, so a slow query never overwrites the table or status of a later one.
  var seq = 0;

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
      // Nodes and relationships compactly (label + id, type): the graph tab and its
      // tooltips carry the properties; a JSON blob per cell hides the table.
      if (value.labels && value.properties) {
        var p = value.properties;
        return named("kinds", value.labels[0] || "") + " " +
          String(p.id !== undefined ? p.id : value.id);
      }
      if (value.type && value.properties && value.start !== undefined) {
        return ":" + named("edges", value.type);
      }
      return JSON.stringify(value);
    }
    return String(value);
  }

  function formParams() {
    // The saved query's parameter form: an empty field leaves the parameter out (the
    // server then uses the declared default); a value is read as JSON when it parses
    // (numbers, true, null), else as text.
    var out = {};
    Array.prototype.forEach.call(paramForm.querySelectorAll("input[data-param]"), function (input) {
      var raw = input.value.trim();
      if (raw === "") { return; }
      try { out[input.getAttribute("data-param")] = JSON.parse(raw); }
      catch (err) { out[input.getAttribute("data-param")] = raw; }
    });
    return out;
  }

  function buildParamForm(q) {
    paramForm.textContent = "";
    (q.params || []).forEach(function (name) {
      var label = document.createElement("label");
      label.textContent = name;
      var input = document.createElement("input");
      input.type = "text";
      input.setAttribute("data-param", name);
      input.name = "param-" + name;
      if (Object.prototype.hasOwnProperty.call(q.defaults || {}, name)) {
        var d = q.defaults[name];
        input.value = typeof d === "string" ? d : JSON.stringify(d);
      } else {
        input.required = true;
      }
      label.appendChild(input);
      paramForm.appendChild(label);
    });
    paramForm.hidden = !(q.params || []).length;
  }

  function clearResults() {
    table.textContent = "";
    lastGraph = null;
    tabGraph.disabled = true;
    if (network) { network.destroy(); network = null; }
    select("table");
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

  // Names in the page's language, from the server (pages.console_styles): the canvas
  // draws text no catalog check of the HTML can see (issue #13).
  function named(group, key) {
    var names = (styles.names || {})[group] || {};
    return Object.prototype.hasOwnProperty.call(names, key) ? names[key] : key;
  }

  function nodeLabel(n) {
    var p = n.properties || {};
    var kind = (n.labels || [])[0] || "";
    if (kind === "Institution" && p.name) { return String(p.name); }
    if (kind === "Ring" && p.typology) { return named("typologies", String(p.typology)); }
    return String(p.id !== undefined ? p.id : n.id);
  }

  function tooltip(head, props) {
    var lines = [head];
    Object.keys(props || {}).sort().slice(0, 12).forEach(function (k) {
      if (k === "evidence_json" || k === "params_json" || k === "load_id" ||
          k === "row_hash") { return; }
      var v = props[k];
      if (k === "typology") { v = named("typologies", String(v)); }
      lines.push(named("facts", k) + ": " + cellText(v));
    });
    return lines.join("\n");
  }

  function visData(graph) {
    var nodes = graph.nodes.map(function (n) {
      var kind = (n.labels || [])[0] || "";
      var s = styles.nodes[kind] || styles.other;
      return { id: n.id, label: nodeLabel(n), title: tooltip(named("kinds", kind), n.properties),
               shape: s.shape, size: s.size, color: { background: s.color, border: s.color } };
    });
    var edges = graph.edges.map(function (e) {
      var s = styles.edges[e.type] || styles.other_edge;
      return { id: "e" + e.id, from: e.start, to: e.end, label: named("edges", e.type),
               title: tooltip(named("edges", e.type), e.properties), color: { color: s.color }, dashes: s.dashes };
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
    var mine = ++seq;
    showError("");
    clearResults();
    var params;
    try {
      params = JSON.parse(paramsBox.value || "{}");
    } catch (err) {
      status.textContent = "";
      showError(String(err));
      return;
    }
    var fields = formParams();
    Object.keys(fields).forEach(function (k) { params[k] = fields[k]; });
    status.textContent = "#" + mine + " …";
    status.setAttribute("data-seq", String(mine));
    fetch("/api/cypher", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrfToken() },
      body: JSON.stringify({ query: queryBox.value, parameters: params })
    }).then(function (resp) {
      return resp.json().then(function (body) { return { ok: resp.ok, body: body }; });
    }).then(function (r) {
      if (mine !== seq) { return; }
      if (!r.ok) {
        status.textContent = "#" + mine + " HTTP " + r.status;
        // ``message``: the error in the page's language (issue #13); ``detail`` is English
        showError(typeof r.body.message === "string" ? r.body.message :
          typeof r.body.detail === "string" ? r.body.detail : JSON.stringify(r.body.detail));
        return;
      }
      var res = r.body;
      status.textContent = "#" + mine + " · " + res.row_count + (res.truncated ? "+" : "") +
        " · " + res.elapsed_ms + " ms";
      if (res.notice) { status.textContent += " · " + res.notice; }
      renderTable(res);
      lastGraph = res.graph && res.graph.nodes && res.graph.nodes.length ? res.graph : null;
      tabGraph.disabled = !lastGraph;
      select(lastGraph ? "graph" : "table");
    }).catch(function (err) {
      if (mine !== seq) { return; }
      status.textContent = "#" + mine;
      showError(String(err));
    });
  }

  function loadSaved() {
    var box = document.getElementById("saved-queries");
    // descriptions in the page's language (the catalogs' query.<name>, issue #13)
    var lang = document.documentElement.lang === "en" ? "en" : "zh";
    fetch("/api/queries?lang=" + lang, { credentials: "same-origin" }).then(function (resp) {
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
          // Parameters go in the form, prefilled with the declared defaults.
          paramsBox.value = "{}";
          buildParamForm(q);
        });
        box.appendChild(b);
      });
    }).catch(function (err) { box.textContent = String(err); });
  }

  form.addEventListener("submit", run);
  tabTable.addEventListener("click", function () { select("table"); });
  tabGraph.addEventListener("click", function () { select("graph"); });
  tabGraph.disabled = true;
  paramForm.hidden = true;
  loadSaved();
})();
