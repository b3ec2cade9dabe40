// Dr-Web's Event Thresholds page: hrProcessorLoad over the last hour with the CPU triggers'
// rising and falling thresholds, drawn by uPlot (served locally under /static/vendor/).
// The data comes from /api/load with the session cookie and is refreshed every 10 s.
/* global uPlot */
(function () {
  'use strict';
  var box = document.getElementById('load-chart');
  if (!box || typeof uPlot === 'undefined') return;
  var COLORS = ['#1f5f99', '#2e8b57', '#8a2be2', '#b8860b', '#008b8b', '#c71585', '#556b2f', '#4b0082'];
  var plot = null;
  var shape = '';

  function flat(times, v) {
    return times.map(function () { return v; });
  }

  function build(d) {
    var times = d.data[0];
    var series = [{}];
    var data = [times];
    d.labels.forEach(function (label, i) {
      series.push({ label: label + ' %', stroke: COLORS[i % COLORS.length], width: 2 });
      data.push(d.data[i + 1]);
    });
    d.rising.forEach(function (v, i) {
      series.push({ label: 'rising ' + (i + 1), stroke: '#c0392b', dash: [6, 4], width: 1 });
      data.push(flat(times, v));
    });
    d.falling.forEach(function (v, i) {
      series.push({ label: 'falling ' + (i + 1), stroke: '#7f8c8d', dash: [2, 4], width: 1 });
      data.push(flat(times, v));
    });
    return { series: series, data: data };
  }

  function draw(d) {
    var b = build(d);
    var now = d.labels.length + ':' + d.rising.length + ':' + d.falling.length;
    if (plot && now === shape) {
      plot.setData(b.data);
      return;
    }
    if (plot) plot.destroy();
    shape = now;
    plot = new uPlot({
      width: Math.max(320, box.clientWidth || 800),
      height: 280,
      scales: { y: { range: [0, 100] } },
      axes: [{}, { label: 'load %' }],
      series: b.series,
    }, b.data, box);
  }

  function refresh() {
    fetch(box.getAttribute('data-source'), { credentials: 'same-origin', headers: { accept: 'application/json' } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (d) { if (d) { draw(d); box.setAttribute('data-points', String(d.data[0].length)); } })
      .catch(function () { /* the next refresh tries again */ });
  }

  refresh();
  setInterval(refresh, 10000);
})();
