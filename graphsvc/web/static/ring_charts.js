/* The evidence charts of a ring page (ECharts, served from /static/vendor):
 * organised visits as people x group-visit dates (a heat map), split and ghost
 * stays as bars on a timeline with the settlements made elsewhere during a stay
 * marked. Data and words come from the page's JSON block (ring-charts-data),
 * written by graphsvc.web.ring_evidence; no inline script (CSP 'self'). */
(function () {
  "use strict";

  var DAY = 86400000;

  function money(v) {
    return "¥" + Number(v).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  }

  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;" }[c];
    });
  }

  function finished(el, chart) {
    chart.on("finished", function () { el.setAttribute("data-state", "drawn"); });
  }

  function heatmap(el, d) {
    var w = d.texts;
    el.style.height = Math.max(260, 90 + 18 * d.people.length) + "px";
    var chart = echarts.init(el, null, { renderer: "canvas" });
    finished(el, chart);
    chart.setOption({
      animation: false,
      title: { text: w.chart_heatmap_title, left: "center", textStyle: { fontSize: 14 } },
      tooltip: {
        formatter: function (p) {
          return esc(w.chart_person) + " " + esc(d.people[p.value[1]]) + "<br>" +
            esc(w.chart_session_date) + " " + esc(d.dates[p.value[0]]) + "<br>" +
            esc(w.chart_visits) + " " + p.value[2];
        }
      },
      grid: { left: 90, right: 30, top: 40, bottom: 90 },
      xAxis: { type: "category", data: d.dates, name: w.chart_session_date, nameLocation: "middle",
               nameGap: 70, axisLabel: { rotate: 60, fontSize: 10 }, splitArea: { show: true } },
      yAxis: { type: "category", data: d.people, axisLabel: { fontSize: 10 },
               splitArea: { show: true } },
      visualMap: { min: 0, max: Math.max(1, d.max), calculable: false, orient: "horizontal",
                   left: "right", bottom: 0, itemHeight: 80, inRange: { color: ["#fde0c5", "#b10026"] },
                   show: d.max > 1 },
      series: [{ type: "heatmap", data: d.cells, itemStyle: { borderColor: "#fff", borderWidth: 1 } }]
    });
    return chart;
  }

  function timeline(el, d) {
    var w = d.texts;
    el.style.height = Math.max(260, 110 + 26 * d.people.length) + "px";
    var chart = echarts.init(el, null, { renderer: "canvas" });
    finished(el, chart);
    var bars = d.stays.map(function (s) {
      return { value: [s[0], Date.parse(s[1]), Date.parse(s[2]) + DAY, s[3], s[4], s[5], s[6], s[7]],
               itemStyle: { color: s[7] > 0 ? "#e15759" : "#4e79a7" } };
    });
    var marks = d.outside.map(function (o) {
      return { value: [Date.parse(o[1]) + DAY / 2, o[0], o[2], o[3], o[4], o[5], o[1]] };
    });
    chart.setOption({
      animation: false,
      title: { text: w.chart_timeline_title, left: "center", textStyle: { fontSize: 14 } },
      legend: { bottom: 0, data: [w.chart_stay, w.chart_outside] },
      tooltip: {
        formatter: function (p) {
          var v = p.value;
          if (p.seriesIndex === 0) {
            return esc(w.chart_stay) + " " + esc(v[3]) + "<br>" + esc(w.chart_person) + " " + esc(d.people[v[0]]) +
              "<br>" + esc(w.chart_admitted) + " " + esc(d.stays[p.dataIndex][1]) +
              "<br>" + esc(w.chart_discharged) + " " + esc(d.stays[p.dataIndex][2]) +
              "<br>" + esc(w.chart_institution) + " " + esc(v[4]) + "<br>" + esc(w.chart_diagnosis) + " " + esc(v[5]) +
              "<br>" + esc(w.chart_amount) + " " + money(v[6]) + "<br>" + esc(w.chart_outside_n) + " " + v[7];
          }
          return esc(w.chart_outside) + " " + esc(v[2]) + "<br>" + esc(v[6]) + " " + esc(v[3]) +
            "<br>" + esc(w.chart_amount) + " " + money(v[4]) + "<br>" + esc(w.chart_stay) + " " + esc(v[5]);
        }
      },
      grid: { left: 90, right: 30, top: 40, bottom: 60 },
      xAxis: { type: "time" },
      yAxis: { type: "category", data: d.people, name: w.chart_person, inverse: true,
               axisLabel: { fontSize: 10 } },
      series: [
        {
          name: w.chart_stay, type: "custom", encode: { x: [1, 2], y: 0 }, data: bars,
          itemStyle: { color: "#4e79a7" },
          renderItem: function (params, api) {
            var lane = api.value(0);
            var start = api.coord([api.value(1), lane]);
            var end = api.coord([api.value(2), lane]);
            var h = api.size([0, 1])[1] * 0.55;
            var rect = echarts.graphic.clipRectByRect(
              { x: start[0], y: start[1] - h / 2, width: Math.max(2, end[0] - start[0]), height: h },
              { x: params.coordSys.x, y: params.coordSys.y, width: params.coordSys.width, height: params.coordSys.height }
            );
            return rect && { type: "rect", shape: rect, style: api.style() };
          }
        },
        {
          name: w.chart_outside, type: "scatter", data: marks, symbol: "triangle", symbolSize: 13,
          z: 10, itemStyle: { color: "#ff7f0e", borderColor: "#333", borderWidth: 1 },
          encode: { x: 0, y: 1 }
        }
      ]
    });
    return chart;
  }

  function drawAll() {
    var block = document.getElementById("ring-charts-data");
    if (!block) { return; }
    var data = JSON.parse(block.textContent || "{}");
    var charts = [];
    var boxes = document.querySelectorAll(".gs-chart[data-chart]");
    Array.prototype.forEach.call(boxes, function (el) {
      var kind = el.getAttribute("data-chart");
      if (typeof echarts === "undefined") {
        el.setAttribute("data-state", "error");
        return;
      }
      if (kind === "heatmap" && data.heatmap) { charts.push(heatmap(el, data.heatmap)); }
      if (kind === "timeline" && data.timeline) { charts.push(timeline(el, data.timeline)); }
    });
    window.addEventListener("resize", function () {
      charts.forEach(function (c) { c.resize(); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
