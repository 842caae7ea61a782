/* Draws every .gs-plot container from its JSON block with the vendored ECharts
 * (/static/vendor/echarts.min.js; no CDN, no inline script: CSP script-src 'self').
 * The spec is built on the server (graphsvc/web/charts.py) with its texts already in
 * the page's language; this file only maps it onto ECharts options. Animation is off:
 * the same data draws the same picture at once (and a screenshot sees it drawn). */
(function () {
  "use strict";

  var LANG = document.documentElement.lang || "zh-CN";
  var COMPACT = new Intl.NumberFormat(LANG, { notation: "compact", maximumFractionDigits: 1 });
  var FULL = new Intl.NumberFormat(LANG, { maximumFractionDigits: 0 });

  // axis labels short (25万 / 250K), tooltips exact
  function compact(v) { return typeof v === "number" ? COMPACT.format(v) : v; }
  function money(v) { return typeof v === "number" ? FULL.format(v) : v; }

  function options(spec) {
    var horizontal = !!spec.horizontal;
    var category = { type: "category", data: spec.categories || [],
                     axisLabel: { hideOverlap: true }, inverse: horizontal };
    var single = (spec.series || []).length < 2;
    var values = (spec.axes || [""]).slice(0, single ? 1 : 2).map(function (name, i) {
      var axis = { type: "value", name: name, axisLabel: { formatter: compact },
                   splitLine: { show: i === 0 } };
      if (horizontal) {
        axis.position = i ? "top" : "bottom";
        axis.nameLocation = "middle";
        axis.nameGap = 26;
      } else {
        axis.position = i ? "right" : "left";
      }
      return axis;
    });
    var series = (spec.series || []).map(function (s) {
      var out = { name: s.name, type: s.type || "bar", data: s.data || [], animation: false };
      if (horizontal) { out.xAxisIndex = s.axis || 0; } else { out.yAxisIndex = s.axis || 0; }
      if (out.type === "line") { out.symbolSize = 5; }
      return out;
    });
    return {
      animation: false,
      color: ["#4e79a7", "#e15759", "#f28e2b", "#76b7b2", "#59a14f"],
      tooltip: { trigger: "axis", valueFormatter: money },
      legend: { top: 0, show: !single },
      grid: { left: horizontal ? 130 : 64, right: values.length > 1 && !horizontal ? 72 : 24,
              top: single ? 12 : 36, bottom: horizontal ? 48 : 36 },
      xAxis: horizontal ? values : category,
      yAxis: horizontal ? category : values,
      series: series
    };
  }

  function drawAll() {
    var containers = document.querySelectorAll(".gs-plot[data-chart]");
    for (var i = 0; i < containers.length; i++) {
      var el = containers[i];
      var block = document.getElementById(el.getAttribute("data-chart"));
      if (!block) { continue; }
      if (typeof echarts === "undefined") {
        el.setAttribute("data-state", "error");
        el.textContent = "echarts failed to load";
        continue;
      }
      try {
        var chart = echarts.init(el, null, { renderer: "canvas" });
        chart.setOption(options(JSON.parse(block.textContent || "{}")));
        el.setAttribute("data-state", "drawn");
        window.addEventListener("resize", chart.resize);
      } catch (err) {
        el.setAttribute("data-state", "error");
        el.textContent = String(err);
      }
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
