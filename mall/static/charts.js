/* Draws every <canvas data-chart='{"type": …, "labels": […], "series": [{"label": …, "data": […]}], …}'>
   with the vendored Chart.js, in the page's colours and language. Optional keys: "x" and "y" (axis titles),
   "integer" (counts: whole-number ticks), "money" (yuan: two decimals in tooltips), "stacked" (negative values
   are drawn below the axis and shown as their size), "unit"
   (what a doughnut's slices count). The page shows the same figures as text, so nothing depends on this. */
(function () {
  if (typeof Chart === "undefined") { return; }
  var palette = ["#d9363e", "#1d4ed8", "#15803d", "#b45309", "#7c3aed", "#0e7490", "#6b7280"];
  var lang = document.documentElement.lang || "en";
  var whole = new Intl.NumberFormat(lang, {maximumFractionDigits: 0});
  var cents = new Intl.NumberFormat(lang, {minimumFractionDigits: 2, maximumFractionDigits: 2});
  var compact = new Intl.NumberFormat(lang, {notation: "compact", maximumFractionDigits: 1});
  var narrow = window.matchMedia("(max-width: 760px)").matches;
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.color = "#6b7280";

  function title(text) {
    return text ? {display: true, text: text, font: {weight: "600"}} : {display: false};
  }

  function value(spec, n) {
    n = Number(n);
    return spec.money ? "¥" + cents.format(n) : whole.format(n);
  }

  function axisTick(spec) {
    return function (n) {
      n = Number(n);
      if (Math.abs(n) >= 10000) { return (spec.money ? "¥" : "") + compact.format(n); }
      return (spec.money ? "¥" : "") + whole.format(n);
    };
  }

  // A stacked axis with values both sides of zero: bounds and step chosen so that zero is a tick.
  function fitAroundZero(axis, series) {
    var up = 0, down = 0;
    (series[0] || {data: []}).data.forEach(function (_, i) {
      var plus = 0, minus = 0;
      series.forEach(function (s) { var n = Number(s.data[i]); if (n > 0) { plus += n; } else { minus += n; } });
      up = Math.max(up, plus); down = Math.min(down, minus);
    });
    var span = Math.max(up - down, 1), raw = span / 5, power = Math.pow(10, Math.floor(Math.log10(raw)));
    var step = [1, 2, 5, 10].map(function (m) { return m * power; }).filter(function (v) { return v >= raw; })[0];
    step = Math.max(1, step);
    axis.min = -Math.ceil(-down / step) * step;
    axis.max = Math.max(step, Math.ceil(up / step) * step);
    axis.ticks.stepSize = step;
    axis.grid = {color: function (ctx) { return ctx.tick && ctx.tick.value === 0 ? "#9ca3af" : "#e5e7eb"; }};
  }

  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var spec = JSON.parse(canvas.dataset.chart);
    var round = spec.type === "doughnut";
    var scales = {};
    if (!round) {
      scales = {
        x: {stacked: !!spec.stacked, title: title(spec.x), grid: {display: false},
            ticks: {autoSkip: true, maxRotation: 0, autoSkipPadding: 8}},
        y: {beginAtZero: true, stacked: !!spec.stacked, title: title(spec.y),
            ticks: {precision: spec.integer ? 0 : undefined, callback: axisTick(spec)}}
      };
    }
    if (spec.stacked) { fitAroundZero(scales.y, spec.series); }
    new Chart(canvas, {
      type: spec.type,
      data: {
        labels: spec.labels,
        datasets: spec.series.map(function (s, i) {
          return {
            label: s.label, data: s.data.map(Number),
            backgroundColor: round ? palette.slice(0, s.data.length) : palette[i % palette.length],
            borderColor: round ? "#fff" : palette[i % palette.length], borderWidth: round ? 2 : 1,
            pointRadius: spec.type === "line" ? 2 : undefined, tension: 0.2,
            maxBarThickness: 40, categoryPercentage: 0.9, barPercentage: 0.95
          };
        })
      },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        plugins: {
          legend: {display: true, position: round && !narrow ? "right" : "bottom",
                   labels: {boxWidth: 12, boxHeight: 12}},
          tooltip: {callbacks: {label: function (ctx) {
            var name = round ? ctx.label : ctx.dataset.label;
            var n = ctx.parsed && typeof ctx.parsed === "object" ? ctx.parsed.y : ctx.parsed;
            // Below the axis means "went out": the series' name says which way, the figure is its size.
            var shown = value(spec, spec.stacked ? Math.abs(n) : n);
            return name + ": " + shown + (round && spec.unit ? " (" + spec.unit + ")" : "");
          }}}
        },
        scales: scales
      }
    });
  });
})();
