// The file page's scans: while a document is queued, being read, or read but not yet in the search
// index, its state cells follow the worker (正在识别 3 / 5, then 已识别 正在加入检索, then 已识别 可检索),
// asking the server one question at a time, two seconds after the last answer. Nothing else on the
// page changes, so a half-filled form is never lost.
(function () {
  "use strict";
  var table = document.getElementById("document-table");
  if (!table || !window.archivePoll) return;
  var labels = table.dataset;
  function waiting() {
    return Array.prototype.filter.call(table.querySelectorAll("tr.document[data-state-url]"), function (row) {
      return row.dataset.ocr === "pending" || row.dataset.ocr === "running" ||
        (row.dataset.ocr === "done" && row.dataset.search !== "indexed");
    });
  }
  function showSearch(row, state) {
    var cell = row.querySelector(".doc-search");
    if (!cell) return;
    var indexed = state.search_status === "indexed";
    cell.textContent = state.ocr_status !== "done" ? "" : (indexed ? labels.indexed : labels.indexing);
    cell.className = "doc-search search-" + state.search_status;
    row.dataset.search = state.search_status;
  }
  function show(row, state) {
    var cell = row.querySelector(".doc-ocr");
    var text = labels[state.ocr_status] || state.ocr_status;
    if (state.ocr_status === "running" && state.pages) text += " " + (state.ocr_progress || 0) + " / " + state.pages;
    if (state.ocr_status === "failed" && state.ocr_error) text += "：" + state.ocr_error;
    cell.textContent = text;
    cell.className = "doc-ocr ocr-" + state.ocr_status;
    row.dataset.ocr = state.ocr_status;
    showSearch(row, state);
  }
  function next() {
    var rows = waiting();
    if (!rows.length) return;
    var row = rows[0];
    // gone or no longer ours (deleted, destroyed, access withdrawn): stop asking about it;
    // signed out: stop asking at all (progress.js says which)
    window.archivePoll(row.dataset.stateUrl)
      .then(function (state) {
        if (!state) row.removeAttribute("data-state-url");
        return state;
      })
      .then(function (state) {
        if (state) show(row, state);
        window.setTimeout(next, rows.length > 1 || !state ? 300 : 2000);
      })
      .catch(function (error) { if (error.message !== "signed out") window.setTimeout(next, 5000); });
  }
  window.setTimeout(next, 2000);
})();
