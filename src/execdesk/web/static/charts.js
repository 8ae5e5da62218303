// execdesk charts: draws every <canvas data-chart='{...}'> with the vendored Chart.js.
// The server writes the chart as data (labels, series); no inline script (the CSP forbids it).
// Without JavaScript the table next to each chart carries the same numbers.
"use strict";
(function () {
  var PALETTE = ["#1f5fbf", "#b3261e", "#1e6b3a", "#8a5a00", "#6a3fb5", "#0f7b8a", "#c2185b", "#5b6472", "#7cb342", "#ef6c00"];

  function dataset(series, i, type) {
    var color = series.color || PALETTE[i % PALETTE.length];
    var kind = series.kind || type;
    return {
      type: kind,
      label: series.label,
      data: series.data,
      yAxisID: series.axis || "y",
      backgroundColor: kind === "line" ? color : color + "cc",
      borderColor: color,
      borderWidth: kind === "line" ? 2 : 0,
      pointRadius: kind === "line" ? 1.5 : 0,
      tension: 0.15,
      spanGaps: true,
      stack: series.stack
    };
  }

  function draw(canvas) {
    var spec;
    try { spec = JSON.parse(canvas.getAttribute("data-chart")); } catch (e) { return; }
    if (!spec || !window.Chart) { return; }
    var type = spec.type || "bar";
    var scales = {};
    if (type !== "doughnut") {
      scales.x = { stacked: !!spec.stacked, ticks: { maxRotation: 0, autoSkip: true, maxTicksLimit: 12 } };
      scales.y = { stacked: !!spec.stacked, beginAtZero: spec.beginAtZero !== false, title: { display: !!spec.yTitle, text: spec.yTitle || "" } };
      if (spec.y2Title) {
        scales.y2 = { position: "right", beginAtZero: true, grid: { drawOnChartArea: false }, title: { display: true, text: spec.y2Title } };
      }
      if (!spec.decimals) {  // counts: whole-number ticks on the value axis
        scales[spec.horizontal ? "x" : "y"].ticks = Object.assign(scales[spec.horizontal ? "x" : "y"].ticks || {}, { precision: 0 });
      }
      if (spec.yMin !== undefined) { scales.y.min = spec.yMin; }
      if (spec.yMax !== undefined) { scales.y.max = spec.yMax; }
    }
    var chart = new window.Chart(canvas, {
      type: type,
      data: { labels: spec.labels, datasets: spec.series.map(function (s, i) { return dataset(s, i, type); }) },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        indexAxis: spec.horizontal ? "y" : "x",
        plugins: { legend: { display: spec.series.length > 1 || type === "doughnut", position: "bottom" } },
        scales: scales
      }
    });
    canvas.setAttribute("data-drawn", "true");
    return chart;
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("canvas[data-chart]").forEach(draw);
  });
})();
