/* Draws every .gs-network container from its JSON block (see viz/render.py).
 * No inline script needed: CSP script-src 'self' is enough.
 * Physics runs until the layout stabilises, then stops for good, so a big
 * graph never keeps the investigator's CPU busy. */
(function () {
  "use strict";

  var STOP_AFTER_MS = 8000; // failsafe: stop physics even if stabilisation drags on

  function draw(container, data) {
    if (typeof vis === "undefined" || !vis.Network) {
      container.setAttribute("data-state", "error");
      container.textContent = "vis-network failed to load";
      return null;
    }
    var nodes = new vis.DataSet(data.nodes || []);
    var edges = new vis.DataSet(data.edges || []);
    var options = data.options || {};
    var network = new vis.Network(container, { nodes: nodes, edges: edges }, options);
    var stopped = false;

    function settle() {
      if (stopped) { return; }
      stopped = true;
      network.setOptions({ physics: { enabled: false } });
      container.setAttribute("data-state", "stable");
    }

    if (options.physics && options.physics.enabled) {
      network.once("stabilizationIterationsDone", settle);
      window.setTimeout(settle, STOP_AFTER_MS);
    } else {
      network.once("afterDrawing", settle);
    }
    container.setAttribute("data-nodes", String(nodes.length));

    network.on("doubleClick", function (params) {
      if (!params.nodes || params.nodes.length !== 1) { return; }
      var node = nodes.get(params.nodes[0]);
      // Same-origin paths only: never navigate to something a property smuggled in.
      if (node && typeof node.url === "string" && node.url.charAt(0) === "/" &&
          node.url.charAt(1) !== "/") {
        window.location.href = node.url;
      }
    });
    return network;
  }

  function drawAll() {
    var containers = document.querySelectorAll(".gs-network[data-graph]");
    for (var i = 0; i < containers.length; i++) {
      var el = containers[i];
      var block = document.getElementById(el.getAttribute("data-graph"));
      if (!block) { continue; }
      try {
        draw(el, JSON.parse(block.textContent || "{}"));
      } catch (err) {
        el.setAttribute("data-state", "error");
        el.textContent = String(err);
      }
    }
  }

  window.GraphsvcNetwork = { draw: draw };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
