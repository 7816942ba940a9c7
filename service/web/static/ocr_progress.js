// The file page's scans: while a document is queued or being read, its state cell follows the worker
// (正在识别 3 / 5, then 已识别), asking the server one question at a time, two seconds after the last
// answer. Nothing else on the page changes, so a half-filled form is never lost.
(function () {
  "use strict";
  var table = document.getElementById("document-table");
  if (!table) return;
  var labels = table.dataset;
  function waiting() {
    return Array.prototype.filter.call(table.querySelectorAll("tr.document[data-state-url]"), function (row) {
      return row.dataset.ocr === "pending" || row.dataset.ocr === "running";
    });
  }
  function show(row, state) {
    var cell = row.querySelector(".doc-ocr");
    var text = labels[state.ocr_status] || state.ocr_status;
    if (state.ocr_status === "running" && state.pages) text += " " + (state.ocr_progress || 0) + " / " + state.pages;
    if (state.ocr_status === "failed" && state.ocr_error) text += "：" + state.ocr_error;
    cell.textContent = text;
    cell.className = "doc-ocr ocr-" + state.ocr_status;
    row.dataset.ocr = state.ocr_status;
  }
  function next() {
    var rows = waiting();
    if (!rows.length) return;
    var row = rows[0];
    fetch(row.dataset.stateUrl, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (answer) { if (!answer.ok) throw new Error(answer.status); return answer.json(); })
      .then(function (state) { show(row, state); window.setTimeout(next, rows.length > 1 ? 300 : 2000); })
      .catch(function () { window.setTimeout(next, 5000); });
  }
  window.setTimeout(next, 2000);
})();
