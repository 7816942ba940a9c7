// Live progress of long work (imports, destruction, the search index, a scan being read), asked of the
// server one question at a time, without reloading the page, so a half-filled form is never lost.
//
// window.archivePoll(url) answers the state as JSON, or null when the thing is gone or no longer ours
// (404, 403, 410: stop asking about it); it fails with "signed out" when the session ended (stop asking
// at all: the next page load signs in again) and with the status otherwise (ask again later).
//
// A box marked data-progress-url follows its work by itself. The server answers
// {"status", "done", "total", "failed", "error", ...}; elements inside the box marked data-progress="bar",
// "state", "total", "error" or the name of any other number in the answer show them (the state in the
// words of data-label-<status>); elements marked data-progress-if-failed show only while failed is above
// zero, those marked data-progress-when="<status> ..." only in those statuses. Once the status is one
// of data-progress-final (default "done failed"), the page is read again in the background and the
// elements named in data-progress-refresh (ids; default the box) are replaced by their new versions,
// so the summary appears where it belongs.
(function () {
  "use strict";

  function poll(url) {
    return fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (answer) {
        if (answer.status === 404 || answer.status === 403 || answer.status === 410) return null;
        var json = (answer.headers.get("Content-Type") || "").indexOf("json") >= 0;
        if (answer.status === 401 || answer.redirected || (answer.ok && !json)) throw new Error("signed out");
        if (!answer.ok) throw new Error(String(answer.status));
        return answer.json();
      });
  }
  window.archivePoll = poll;

  function show(box, state) {
    var total = state.total === null || state.total === undefined ? null : state.total;
    var label = box.getAttribute("data-label-" + state.status);
    Array.prototype.forEach.call(box.querySelectorAll("[data-progress]"), function (el) {
      var name = el.getAttribute("data-progress");
      if (name === "bar") {
        if (total !== null) el.max = Math.max(total, 1);
        el.value = state.done || 0;
      } else if (name === "state") {
        el.textContent = label || "";
      } else if (name === "total") {
        el.textContent = total === null ? "?" : total;
      } else if (name === "error") {
        el.textContent = state.error || "";
        el.hidden = !state.error;
      } else if (typeof state[name] === "number") {
        el.textContent = state[name];
      }
    });
    Array.prototype.forEach.call(box.querySelectorAll("[data-progress-if-failed]"), function (el) {
      el.hidden = !(state.failed > 0);
    });
    Array.prototype.forEach.call(box.querySelectorAll("[data-progress-when]"), function (el) {
      el.hidden = el.getAttribute("data-progress-when").split(/\s+/).indexOf(state.status) < 0;
    });
    box.setAttribute("data-status", state.status);
  }

  function refresh(box) {
    var ids = (box.getAttribute("data-progress-refresh") || box.id).split(/\s+/).filter(Boolean);
    return fetch(window.location.href, {credentials: "same-origin", headers: {"Accept": "text/html"}})
      .then(function (answer) {
        if (!answer.ok || answer.redirected) throw new Error(String(answer.status));
        return answer.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        ids.forEach(function (id) {
          var now = document.getElementById(id);
          var then = fresh.getElementById(id);
          if (now && then) now.replaceWith(document.importNode(then, true));
        });
      });
  }

  function follow(box) {
    var url = box.getAttribute("data-progress-url");
    var final = box.hasAttribute("data-progress-final") ? box.getAttribute("data-progress-final").split(/\s+/)
      : ["done", "failed"];  // an empty list: the work never ends (the search index), so keep following it
    var every = parseInt(box.getAttribute("data-progress-every") || "1000", 10);
    function next() {
      poll(url)
        .then(function (state) {
          if (!state) return;
          show(box, state);
          if (final.indexOf(state.status) >= 0) {
            box.setAttribute("data-progress-ended", "1");
            return refresh(box).catch(function () { /* the numbers shown are final already */ });
          }
          window.setTimeout(next, every);
        })
        .catch(function (error) { if (error.message !== "signed out") window.setTimeout(next, 5000); });
    }
    window.setTimeout(next, every);
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-progress-url]"), follow);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
