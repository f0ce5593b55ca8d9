/* Draws every <canvas data-chart='{"type": …, "labels": […], "series": [{"label": …, "data": […]}]}'>
   with the vendored Chart.js, in the page's colours. */
(function () {
  var palette = ["#d9363e", "#1d4ed8", "#15803d", "#b45309", "#7c3aed", "#0e7490", "#6b7280"];
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var spec = JSON.parse(canvas.dataset.chart);
    var round = spec.type === "doughnut";
    new Chart(canvas, {
      type: spec.type,
      data: {
        labels: spec.labels,
        datasets: spec.series.map(function (s, i) {
          return {
            label: s.label, data: s.data,
            backgroundColor: round ? palette.slice(0, s.data.length) : palette[i % palette.length],
            borderColor: round ? "#fff" : palette[i % palette.length], borderWidth: round ? 2 : 1
          };
        })
      },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        plugins: {legend: {position: "bottom"}},
        scales: round ? {} : {y: {beginAtZero: true, stacked: !!spec.stacked}, x: {stacked: !!spec.stacked}}
      }
    });
  });
})();
