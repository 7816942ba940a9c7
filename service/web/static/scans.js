// Scans: the upload area of a file page (drag and drop, one request per file with its progress)
// and the document viewer (pages, zoom, search with boxes over the page, OCR progress).
// The pages work without this script; it only adds to them. Every text shown comes from the
// page's data-msg-* attributes, so it is in the interface language.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (whole, key) { return key in values ? values[key] : whole; });
  }

  function cell(row) {
    var td = document.createElement("td");
    row.appendChild(td);
    return td;
  }

  function link(href, text) {
    var a = document.createElement("a");
    a.href = href;
    a.textContent = text;
    return a;
  }

  function parse(text) {
    try { return JSON.parse(text); } catch (e) { return null; }
  }

  function getJSON(url) {
    return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      });
  }

  // ---- the upload area of a file page ----

  function Uploader(form) {
    this.form = form;
    this.msg = form.dataset;
    this.token = form.querySelector("input[name=csrf_token]").value;
    this.queue = form.querySelector("#upload-queue");
    this.body = this.queue.querySelector("tbody");
    this.typeSelect = form.querySelector("#upload-doc-type");
    this.summary = form.querySelector("#upload-summary");
    this.rows = [];
    this.busy = false;
    form.querySelector("#plain-fields").hidden = true;
    this.listen();
  }

  Uploader.prototype.listen = function () {
    var self = this, zone = this.form.querySelector("#drop-zone"), input = this.form.querySelector("#upload-input");
    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (event) { event.preventDefault(); zone.classList.add("over"); });
    });
    zone.addEventListener("dragleave", function () { zone.classList.remove("over"); });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      zone.classList.remove("over");
      if (event.dataTransfer && event.dataTransfer.files) { self.add(event.dataTransfer.files); }
    });
    input.addEventListener("change", function () { self.add(input.files); input.value = ""; });
    this.form.addEventListener("submit", function (event) { event.preventDefault(); self.start(); });
    // a file dropped beside the zone must not make the browser leave the page
    ["dragover", "drop"].forEach(function (name) {
      window.addEventListener(name, function (event) { event.preventDefault(); });
    });
  };

  Uploader.prototype.add = function (files) {
    for (var i = 0; i < files.length; i++) { this.rows.push(this.row(files[i])); }
    this.queue.hidden = this.rows.length === 0;
    this.summary.textContent = "";
  };

  Uploader.prototype.row = function (file) {
    var self = this, tr = document.createElement("tr"), row = { file: file, tr: tr };
    tr.className = "upload-row";
    tr.dataset.state = "waiting";
    var name = cell(tr);
    name.className = "upload-name";
    name.textContent = file.name;
    row.select = this.typeSelect.cloneNode(true);
    row.select.removeAttribute("id");
    row.select.removeAttribute("name");
    row.select.className = "upload-type";
    row.select.value = this.typeSelect.value;
    cell(tr).appendChild(row.select);
    row.title = document.createElement("input");
    row.title.className = "upload-title";
    row.title.maxLength = 200;
    row.title.value = file.name.replace(/\.[^.]+$/, "");
    cell(tr).appendChild(row.title);
    row.progress = document.createElement("progress");
    row.progress.max = 100;
    row.progress.value = 0;
    row.percent = document.createElement("span");
    row.percent.className = "upload-percent";
    row.percent.textContent = "0%";
    cell(tr).append(row.progress, " ", row.percent);
    row.status = cell(tr);
    row.status.className = "upload-status";
    row.status.textContent = this.msg.msgWaiting;
    var remove = document.createElement("button");
    remove.type = "button";
    remove.className = "link upload-remove";
    remove.textContent = this.msg.msgRemove;
    remove.addEventListener("click", function () {
      if (tr.dataset.state === "uploading") { return; }
      self.rows.splice(self.rows.indexOf(row), 1);
      tr.remove();
      self.queue.hidden = self.rows.length === 0;
    });
    cell(tr).appendChild(remove);
    this.body.appendChild(tr);
    return row;
  };

  Uploader.prototype.start = function () {
    var self = this;
    var waiting = this.rows.filter(function (row) { return row.tr.dataset.state === "waiting"; });
    if (this.busy) { return; }
    if (!waiting.length) { this.summary.textContent = this.msg.msgEmpty; return; }
    this.busy = true;
    waiting.reduce(function (done, row) { return done.then(function () { return self.send(row); }); }, Promise.resolve())
      .then(function () { return self.refresh(); })
      .finally(function () { self.busy = false; });
  };

  Uploader.prototype.send = function (row) {
    var self = this;
    return new Promise(function (resolve) {
      var data = new FormData(), xhr = new XMLHttpRequest();
      data.append("csrf_token", self.token);
      data.append("doc_type", row.select.value);
      data.append("title", row.title.value);
      data.append("file", row.file, row.file.name);
      xhr.open("POST", self.form.action);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.setRequestHeader("X-CSRFToken", self.token);
      xhr.upload.onprogress = function (event) {
        if (event.lengthComputable) { self.progress(row, Math.round(100 * event.loaded / event.total)); }
      };
      xhr.upload.onload = function () { self.progress(row, 100); row.status.textContent = self.msg.msgSaving; };
      xhr.onload = function () { self.finish(row, xhr.status, parse(xhr.responseText)); resolve(); };
      xhr.onerror = function () { self.fail(row, self.msg.msgFailed, null); resolve(); };
      row.tr.dataset.state = "uploading";
      row.select.disabled = row.title.disabled = true;
      row.status.textContent = self.msg.msgUploading;
      xhr.send(data);
    });
  };

  Uploader.prototype.progress = function (row, percent) {
    row.progress.value = percent;
    row.percent.textContent = percent + "%";
  };

  Uploader.prototype.finish = function (row, status, body) {
    if (status === 201 && body) {
      this.progress(row, 100);
      row.tr.dataset.state = "done";
      row.status.textContent = this.msg.msgDone + " ";
      row.status.appendChild(link(body.url, this.msg.msgView));
      return;
    }
    var error = body && body.error;
    this.fail(row, error && error.message ? error.message : this.msg.msgFailed + " (HTTP " + status + ")",
              error && error.duplicate_url);
  };

  Uploader.prototype.fail = function (row, message, existing) {
    row.tr.dataset.state = "failed";
    row.status.textContent = message;
    if (existing) {
      row.status.append(" ");
      row.status.appendChild(link(existing, this.msg.msgExisting));
    }
  };

  Uploader.prototype.refresh = function () {
    var list = document.getElementById("document-list");
    return fetch(list.dataset.url, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
      .then(function (html) { list.innerHTML = html; })  // our own server's rendering of the list
      .catch(function () { window.location.reload(); });
  };

  // ---- the viewer ----

  function Viewer(root) {
    this.root = root;
    this.msg = root.dataset;
    this.pages = Number(root.dataset.pages);
    this.number = Number(root.dataset.page);
    this.cache = {};
    this.zoom = 1;
    this.el = function (id) { return document.getElementById(id); };
  }

  Viewer.prototype.start = function () {
    var state = this.msg.ocr;
    if (state === "pending" || state === "running") { this.poll(); }
    if (state !== "done" || !this.pages) { return; }
    this.listen();
    var self = this;
    this.load(this.number).then(function (data) { self.render(data); self.search(); });
  };

  Viewer.prototype.poll = function () {
    // one question at a time: the next is asked 2 s after the last answer, so a slow answer never
    // overlaps a second one and the page reloads once when the reading ends
    var self = this, text = this.el("ocr-state-text"), bar = this.el("ocr-progress");
    var ask = function () {
      getJSON(self.msg.stateUrl).then(function (state) {
        if (state.ocr_status === "done" || state.ocr_status === "failed") {
          window.location.reload();
          return;
        }
        if (state.ocr_status === "running" && state.pages) {
          text.textContent = fill(self.msg.msgRunning, { done: state.ocr_progress || 0, total: state.pages });
          bar.max = state.pages;
          bar.value = state.ocr_progress || 0;
        }
        window.setTimeout(ask, 2000);
      }).catch(function () { window.setTimeout(ask, 2000); });  // the server may be restarting
    };
    window.setTimeout(ask, 2000);
  };

  Viewer.prototype.listen = function () {
    var self = this, query = this.el("search-q"), timer = null;
    this.el("viewer-search").addEventListener("submit", function (event) { event.preventDefault(); self.search(); });
    query.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () { self.search(); }, 250);
    });
    this.el("thumbs").addEventListener("click", function (event) {
      var thumb = event.target.closest("a.thumb");
      if (thumb) { event.preventDefault(); self.show(Number(thumb.dataset.page)); }
    });
    ["prev-page", "next-page"].forEach(function (id) {
      self.el(id).addEventListener("click", function (event) {
        event.preventDefault();
        self.show(self.number + Number(event.currentTarget.dataset.step));
      });
    });
    this.el("zoom-in").addEventListener("click", function () { self.setZoom(self.zoom * 1.25); });
    this.el("zoom-out").addEventListener("click", function () { self.setZoom(self.zoom / 1.25); });
    this.el("zoom-fit").addEventListener("click", function () { self.setZoom(1); });
    this.el("print-page").addEventListener("click", function () { window.print(); });
    document.addEventListener("keydown", function (event) {
      if (event.target.closest("input, select, textarea")) { return; }
      if (event.key === "ArrowLeft" || event.key === "PageUp") { self.show(self.number - 1); }
      if (event.key === "ArrowRight" || event.key === "PageDown") { self.show(self.number + 1); }
    });
  };

  Viewer.prototype.load = function (n) {
    if (!this.cache[n]) {
      // a page whose text is missing shows as empty rather than stopping the search of the others
      this.cache[n] = getJSON(this.msg.pageUrl.replace(/\/0$/, "/" + n))
        .catch(function () { return { number: n, text: "", lines: [], width: 1, height: 1 }; });
    }
    return this.cache[n];
  };

  Viewer.prototype.show = function (n) {
    if (n < 1 || n > this.pages || n === this.number) { return; }
    var self = this, image = this.el("page-image");
    this.number = n;
    image.src = this.msg.imageUrl.replace(/\/0\/image$/, "/" + n + "/image");
    this.el("page-label").textContent = fill(this.msg.msgPage, { n: n, total: this.pages });
    this.el("prev-page").classList.toggle("disabled", n === 1);
    this.el("next-page").classList.toggle("disabled", n === this.pages);
    Array.prototype.forEach.call(document.querySelectorAll("#thumbs a.thumb"), function (thumb) {
      thumb.classList.toggle("current", Number(thumb.dataset.page) === n);
    });
    this.remember();
    this.load(n).then(function (data) { if (self.number === n) { self.render(data); } });
  };

  Viewer.prototype.query = function () {
    return this.el("search-q").value.trim().toLocaleLowerCase();
  };

  Viewer.prototype.remember = function () {
    var url = new URL(window.location.href);
    url.searchParams.set("page", this.number);
    if (this.query()) { url.searchParams.set("q", this.el("search-q").value.trim()); } else { url.searchParams.delete("q"); }
    window.history.replaceState(null, "", url);
    this.el("viewer-search").querySelector("input[name=page]").value = this.number;
  };

  Viewer.prototype.render = function (data) {
    var query = this.query(), text = this.el("page-text"), marks = this.el("page-marks");
    var lines = data.lines && data.lines.length ? data.lines :
      (data.text || "").split("\n").map(function (t) { return { text: t }; });
    var reveal = this.el("reveal-page"), form = this.el("reveal-page-form");
    this.data = data;
    if (reveal) { reveal.hidden = !data.covered; }  // the page's image hides numbers: offer to show it in full
    if (form) { form.querySelector("input[name=page]").value = this.number; }
    marks.setAttribute("viewBox", "0 0 " + data.width + " " + data.height);
    marks.replaceChildren();
    text.replaceChildren();
    lines.forEach(function (line) {
      var p = document.createElement("p"), hit = mark(p, line.text || "", query);
      p.className = hit ? "line hit" : "line";
      text.appendChild(p);
      if (hit && line.box) {
        var polygon = document.createElementNS("http://www.w3.org/2000/svg", "polygon");
        polygon.setAttribute("class", "hit");
        polygon.setAttribute("points", line.box.map(function (point) { return point[0] + "," + point[1]; }).join(" "));
        marks.appendChild(polygon);
      }
    });
  };

  // Puts the line's text into p with every match of query in <mark>; whether there was one.
  function mark(p, text, query) {
    var lower = text.toLocaleLowerCase(), at = 0, found = query ? lower.indexOf(query) : -1, hit = found >= 0;
    while (query && found >= 0) {
      p.append(text.slice(at, found));
      var m = document.createElement("mark");
      m.textContent = text.slice(found, found + query.length);
      p.appendChild(m);
      at = found + query.length;
      found = lower.indexOf(query, at);
    }
    p.append(text.slice(at));
    return hit;
  }

  Viewer.prototype.search = function () {
    var self = this, query = this.query(), count = this.el("search-count"), wanted = [];
    if (this.data) { this.render(this.data); }
    this.remember();
    for (var n = 1; n <= this.pages; n++) { wanted.push(this.load(n)); }
    Promise.all(wanted).then(function (pages) {
      if (query !== self.query()) { return; }
      var total = 0;
      pages.forEach(function (data, i) {
        var hits = query ? (data.lines && data.lines.length ? data.lines.map(function (l) { return l.text || ""; })
          : (data.text || "").split("\n")).filter(function (t) { return t.toLocaleLowerCase().indexOf(query) >= 0; }).length : 0;
        total += hits;
        var thumb = document.querySelector('#thumbs a.thumb[data-page="' + (i + 1) + '"]');
        if (thumb) { thumb.classList.toggle("has-hit", hits > 0); }
      });
      count.textContent = !query ? "" : total ? fill(self.msg.msgHits, { n: total }) : self.msg.msgNone;
    });
  };

  Viewer.prototype.setZoom = function (zoom) {
    this.zoom = Math.min(4, Math.max(0.25, zoom));
    this.el("page-box").style.width = Math.round(this.zoom * 100) + "%";
    this.el("zoom-level").textContent = Math.round(this.zoom * 100) + "%";
  };

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("upload-form"), viewer = document.getElementById("viewer");
    if (form) { new Uploader(form); }
    if (viewer) { new Viewer(viewer).start(); }
  });
}());
