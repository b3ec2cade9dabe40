// Draws the Dashboard's charts with uPlot from the JSON of /api/dashboard and refreshes
// them at the sampling interval. Served as a file: the CSP allows no inline script.
(function () {
  'use strict';
  var root = document.getElementById('charts');
  if (!root || typeof uPlot === 'undefined') return;
  var source = root.getAttribute('data-source');
  var every = Number(root.getAttribute('data-every')) || 10;
  var colours = ['#1f6fb2', '#c0392b'];
  var charts = [];

  function width(el) {
    return Math.max(300, (el.clientWidth || 800) - 16);
  }

  function build(el, data) {
    var names = el.getAttribute('data-series').split(',');
    var series = [{}].concat(names.map(function (n, i) {
      return { label: n, stroke: colours[i % colours.length], width: 2, spanGaps: false };
    }));
    var chart = new uPlot({ title: el.getAttribute('data-label'), width: width(el), height: 180, series: series, axes: [{}, {}] }, columns(names, data), el);
    charts.push({ chart: chart, names: names, el: el });
  }

  function columns(names, data) {
    return [data.t].concat(names.map(function (n) { return data[n]; }));
  }

  function refresh() {
    fetch(source, { credentials: 'same-origin', headers: { accept: 'application/json' } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) return;
        if (!charts.length) {
          Array.prototype.forEach.call(root.querySelectorAll('.chart'), function (el) { build(el, data); });
        } else {
          charts.forEach(function (c) { c.chart.setData(columns(c.names, data)); });
        }
        root.setAttribute('data-points', String(data.t.length));
      })
      .catch(function () { /* the next refresh tries again */ });
  }

  window.addEventListener('resize', function () {
    charts.forEach(function (c) { c.chart.setSize({ width: width(c.el), height: 180 }); });
  });
  refresh();
  setInterval(refresh, every * 1000);
})();
