// Polls the import's progress and reloads the page once it is finished, to show the summary.
(function () {
  "use strict";
  var box = document.getElementById("scan-progress");
  if (!box) { return; }
  var url = box.getAttribute("data-url");
  var bar = document.getElementById("scan-bar");
  var done = document.getElementById("scan-done");
  var total = document.getElementById("scan-total");

  function show(body) {
    if (body.total !== null && body.total !== undefined) {
      bar.max = Math.max(body.total, 1);
      total.textContent = body.total;
    }
    bar.value = body.done || 0;
    done.textContent = body.done || 0;
  }

  function poll() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (body) {
        show(body);
        if (body.status === "done" || body.status === "failed") {
          window.location.reload();
        } else {
          window.setTimeout(poll, 1000);
        }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }

  window.setTimeout(poll, 500);
}());
