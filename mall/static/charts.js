/* Draws every <canvas data-chart='{"type": …, "labels": […], "series": [{"label": …, "data": […]}], …}'>
   with the vendored Chart.js, in the page's colours and language. Optional keys: "x" and "y" (axis titles),
   "integer" (counts: whole-number ticks), "money" (yuan: two decimals in tooltips), "stacked", "unit"
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
    new Chart(canvas, {
      type: spec.type,
      data: {
        labels: spec.labels,
        datasets: spec.series.map(function (s, i) {
          return {
            label: s.label, data: s.data.map(Number),
            backgroundColor: round ? palette.slice(0, s.data.length) : palette[i % palette.length],
            borderColor: round ? "#fff" : palette[i % palette.length], borderWidth: round ? 2 : 1,
            pointRadius: spec.type === "line" ? 2 : undefined, tension: 0.2
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
            var shown = value(spec, ctx.parsed && typeof ctx.parsed === "object" ? ctx.parsed.y : ctx.parsed);
            return name + ": " + shown + (round && spec.unit ? " (" + spec.unit + ")" : "");
          }}}
        },
        scales: scales
      }
    });
  });
})();
