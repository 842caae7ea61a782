/* Draws every .gs-network container from its JSON block (see viz/render.py).
 * No inline script needed: CSP script-src 'self' is enough.
 * Physics runs until the layout stabilises, then stops for good, so a big
 * graph never keeps the investigator's CPU busy. Nodes an evidence layout placed
 * (viz/evidence_layout.py) come fixed; physics moves the others around them.
 *
 * Around the canvas: the legend's edge-type boxes hide and show that type, the
 * search box finds and highlights a node, and "expand this node" fetches the
 * node's neighbourhood from /api/entities/{kind}/{id}/neighborhood and adds what
 * is new to the drawn network, without reloading the page. */
(function () {
  "use strict";

  var STOP_AFTER_MS = 8000; // failsafe: stop physics even if stabilisation drags on
  var EXPAND_LIMIT = 60;    // neighbours fetched per expansion (the API counts the rest)
  var FOUND_BORDER = "#ff7f0e";

  function sameOriginPath(url) {
    return typeof url === "string" && url.charAt(0) === "/" && url.charAt(1) !== "/";
  }

  function text(ui, key, n) {
    var s = (ui && ui.texts && ui.texts[key]) || key;
    return n === undefined ? s : s.replace("{n}", String(n));
  }

  function money(v) {
    return "¥" + Number(v).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  }

  /* A tooltip for a node the page added, from the properties the server allows
   * (ui.facts) in the page's language: never load ids, row hashes or raw keys. */
  function tooltipOf(ui, kindName, label, props) {
    var lines = [kindName + " " + label];
    var facts = ui.facts || {};
    var moneyFields = ui.money || [];
    Object.keys(facts).forEach(function (prop) {
      var v = props[prop];
      if (v === undefined || v === null || v === "") { return; }
      var shown = moneyFields.indexOf(prop) >= 0 && typeof v === "number" ? money(v)
        : (ui.values && ui.values[prop + "." + v]) || String(v);
      lines.push(facts[prop] + ": " + shown);
    });
    return lines.join("\n");
  }

  function labelOf(kind, props, ui) {
    if (kind === "institution" && props.name) { return String(props.name); }
    if (kind === "ring" && props.typology) {
      return (ui.typologies && ui.typologies[props.typology]) || String(props.typology);
    }
    if (kind === "identifier") {
      var what = (ui.values && ui.values["kind." + props.kind]) || props.kind || "";
      return props.value ? what + ": " + props.value : what;
    }
    return String(props.id || "");
  }

  function Network(container, data) {
    this.container = container;
    this.data = data;
    this.ui = data.ui || {};
    this.nodes = new vis.DataSet(data.nodes || []);
    this.edges = new vis.DataSet(data.edges || []);
    this.hiddenTypes = {};
    var self = this;
    (data.edges || []).forEach(function (e) { if (e.hidden) { self.hiddenTypes[e.type] = true; } });
    this.network = new vis.Network(container, { nodes: this.nodes, edges: this.edges }, data.options || {});
    this.found = null;
  }

  Network.prototype.settle = function () {
    var self = this;
    var options = this.data.options || {};
    var stopped = false;
    function settle() {
      if (stopped) { return; }
      stopped = true;
      self.network.setOptions({ physics: { enabled: false } });
      self.container.setAttribute("data-state", "stable");
    }
    if (options.physics && options.physics.enabled) {
      this.network.once("stabilizationIterationsDone", settle);
      window.setTimeout(settle, STOP_AFTER_MS);
    } else {
      this.network.once("afterDrawing", settle);
    }
    this.count();
  };

  Network.prototype.count = function () {
    this.container.setAttribute("data-nodes", String(this.nodes.length));
    var shown = this.edges.get({ filter: function (e) { return !e.hidden; } }).length;
    this.container.setAttribute("data-edges-shown", String(shown));
  };

  Network.prototype.setTypeShown = function (type, shown) {
    if (shown) { delete this.hiddenTypes[type]; } else { this.hiddenTypes[type] = true; }
    var updates = this.edges.get({ filter: function (e) { return e.type === type; } })
      .map(function (e) { return { id: e.id, hidden: !shown }; });
    this.edges.update(updates);
    // A node only those edges tie in comes and goes with them (members always stay).
    var tied = {};
    this.edges.get({ filter: function (e) { return !e.hidden; } }).forEach(function (e) {
      tied[e.from] = true; tied[e.to] = true;
    });
    var appeared = false;
    var changes = this.nodes.get().filter(function (n) {
      return !n.member && !!n.hidden === !!tied[n.id];
    }).map(function (n) {
      if (tied[n.id]) { appeared = true; }
      return { id: n.id, hidden: !tied[n.id] };
    });
    this.nodes.update(changes);
    if (appeared) { this.relayout(); }
    this.count();
  };

  /* Nodes that appeared get a place by a short run of physics; fixed ones stay. */
  Network.prototype.relayout = function () {
    var net = this.network;
    net.setOptions({ physics: { enabled: true } });
    net.once("stabilizationIterationsDone", function () {
      net.setOptions({ physics: { enabled: false } });
    });
    net.stabilize(120);
  };

  Network.prototype.search = function (query) {
    var q = String(query || "").trim().toLowerCase();
    if (this.found) {
      this.nodes.update({ id: this.found.id, borderWidth: this.found.borderWidth, color: this.found.color });
      this.found = null;
    }
    if (!q) { return null; }
    var hits = this.nodes.get({
      filter: function (n) {
        return String(n.id).toLowerCase().indexOf(q) >= 0 ||
          String(n.label || "").toLowerCase().indexOf(q) >= 0;
      }
    });
    if (!hits.length) { return null; }
    hits.sort(function (a, b) { return String(a.id) < String(b.id) ? -1 : 1; });
    var hit = hits[0];
    this.found = { id: hit.id, borderWidth: hit.borderWidth, color: hit.color };
    var bg = (hit.color && hit.color.background) || "#999";
    this.nodes.update({ id: hit.id, borderWidth: 6, color: { background: bg, border: FOUND_BORDER } });
    this.network.selectNodes([hit.id]);
    this.network.focus(hit.id, { scale: 1.2, animation: false });
    this.container.setAttribute("data-found", String(hit.id));
    return hit;
  };

  /* The neighbourhood answer (graphsvc.services.explore.subgraph.to_json) as vis items
   * styled like the server's; only what is not drawn yet is added. */
  Network.prototype.addNeighbourhood = function (answer, around) {
    var ui = this.ui, self = this;
    var kinds = ui.kinds || {}, edgeStyles = ui.edges || {};
    var added = 0, pos = this.network.getPositions([around])[around] || { x: 0, y: 0 };
    var fresh = (answer.nodes || []).filter(function (n) { return !self.nodes.get(n.id); });
    fresh.forEach(function (n, i) {
      var style = kinds[n.kind] || ui.other_kind || { color: "#999", shape: "dot", size: 10 };
      var props = n.properties || {};
      var label = labelOf(n.kind, props, ui);
      var angle = (2 * Math.PI * i) / Math.max(1, fresh.length);
      var item = {
        id: n.id, label: label, kind: n.kind, shape: style.shape, size: style.size,
        color: { background: style.color, border: style.color }, borderWidth: 1,
        title: tooltipOf(ui, (kinds[n.kind] || {}).name || n.kind, label, props),
        x: pos.x + 160 * Math.cos(angle), y: pos.y + 160 * Math.sin(angle)
      };
      var m = /^([a-z]+):(.+)$/.exec(n.id);
      if (m && n.kind !== "identifier" && kinds[m[1]]) {
        item.url = "/entities/" + m[1] + "/" + encodeURIComponent(m[2]);
      }
      self.nodes.add(item);
      added += 1;
    });
    var have = {};
    this.edges.get().forEach(function (e) { have[e.from + "|" + e.type + "|" + e.to] = true; });
    (answer.edges || []).forEach(function (e, i) {
      var key = e.source + "|" + e.type + "|" + e.target;
      if (have[key] || !self.nodes.get(e.source) || !self.nodes.get(e.target)) { return; }
      have[key] = true;
      var style = edgeStyles[e.type] || ui.other_edge || { color: "#b0b0b0", dashes: false };
      self.edges.add({
        id: "x" + around + "|" + i, from: e.source, to: e.target, type: e.type,
        color: { color: style.color }, dashes: !!style.dashes, width: 1,
        title: (edgeStyles[e.type] || {}).name || e.type, hidden: !!self.hiddenTypes[e.type]
      });
    });
    this.count();
    if (added) { this.relayout(); }
    return added;
  };

  Network.prototype.expand = function (nodeId, status) {
    var self = this;
    var node = this.nodes.get(nodeId);
    if (!node || !sameOriginPath(node.url)) { return Promise.resolve(-1); }
    var m = /^\/entities\/([a-z]+)\/(.+)$/.exec(node.url);
    if (!m) { return Promise.resolve(-1); }
    status(text(this.ui, "expanding"));
    var url = "/api/entities/" + m[1] + "/" + m[2] + "/neighborhood?limit=" + EXPAND_LIMIT;
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (resp) {
        if (!resp.ok) { throw new Error(String(resp.status)); }
        return resp.json();
      })
      .then(function (answer) {
        var n = self.addNeighbourhood(answer, nodeId);
        status(text(self.ui, "expanded_n", n));
        self.container.setAttribute("data-expanded", String(n));
        return n;
      })
      .catch(function () {
        status(text(self.ui, "expand_failed"));
        return -1;
      });
  };

  function wireTools(net, dom) {
    var wrap = net.container.closest(".gs-network-wrap");
    if (!wrap) { return; }
    var status = wrap.querySelector(".gs-network-status");
    function say(s) { if (status) { status.textContent = s; } }
    var boxes = wrap.querySelectorAll("input[data-edge-type]");
    Array.prototype.forEach.call(boxes, function (box) {
      box.addEventListener("change", function () {
        net.setTypeShown(box.getAttribute("data-edge-type"), box.checked);
      });
    });
    var form = wrap.querySelector("form.gs-network-search");
    if (form) {
      form.addEventListener("submit", function (ev) {
        ev.preventDefault();
        var hit = net.search(form.elements.node.value);
        say(hit ? String(hit.label || hit.id) : text(net.ui, "no_match"));
      });
      if (net.ui.expand) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "gs-expand";
        button.disabled = true;
        button.textContent = text(net.ui, "expand_node");
        form.appendChild(button);
        net.network.on("selectNode", function (p) {
          var n = p.nodes && p.nodes.length === 1 ? net.nodes.get(p.nodes[0]) : null;
          button.disabled = !(n && sameOriginPath(n.url));
          button.setAttribute("data-node", n ? String(n.id) : "");
        });
        net.network.on("deselectNode", function () { button.disabled = true; });
        button.addEventListener("click", function () {
          var id = button.getAttribute("data-node");
          if (id) { net.expand(id, say); }
        });
      }
    }
  }

  function draw(container, data) {
    if (typeof vis === "undefined" || !vis.Network) {
      container.setAttribute("data-state", "error");
      container.textContent = "vis-network failed to load";
      return null;
    }
    var net = new Network(container, data);
    net.settle();
    net.network.on("doubleClick", function (params) {
      if (!params.nodes || params.nodes.length !== 1) { return; }
      var node = net.nodes.get(params.nodes[0]);
      // Same-origin paths only: never navigate to something a property smuggled in.
      if (node && sameOriginPath(node.url)) {
        window.location.href = node.url;
      }
    });
    wireTools(net);
    return net;
  }

  var drawn = {};

  function drawAll() {
    var containers = document.querySelectorAll(".gs-network[data-graph]");
    for (var i = 0; i < containers.length; i++) {
      var el = containers[i];
      var block = document.getElementById(el.getAttribute("data-graph"));
      if (!block) { continue; }
      try {
        drawn[el.id] = draw(el, JSON.parse(block.textContent || "{}"));
      } catch (err) {
        el.setAttribute("data-state", "error");
        el.textContent = String(err);
      }
    }
  }

  // draw() returns the vis.Network for callers that drew one themselves (the console).
  window.GraphsvcNetwork = {
    draw: function (container, data) { var n = draw(container, data); return n && n.network; },
    get: function (id) { return drawn[id] || null; }
  };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
