// Forms marked data-confirm ask once more before they are sent: an irreversible step takes a second,
// deliberate click in a dialog that names what will happen. A {name} in the text stands for what the
// form's field of that name holds when it is sent (a select's chosen option as it reads). Without
// <dialog> support the form is sent as before (the server still checks everything).
(function () {
  "use strict";
  var dialog = document.getElementById("confirm-dialog");
  if (!dialog || typeof dialog.showModal !== "function") return;
  var message = document.getElementById("confirm-message");
  var ok = document.getElementById("confirm-ok");
  var cancel = document.getElementById("confirm-cancel");
  var okLabel = ok.textContent;
  var pending = null;

  function filled(form, text) {
    return text.replace(/\{([a-z_]+)\}/g, function (whole, name) {
      var field = form.elements.namedItem(name);
      if (!field) return whole;
      if (field.tagName === "SELECT") {
        return field.selectedOptions.length ? field.selectedOptions[0].textContent.trim() : "";
      }
      return (field.value || "").trim();
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-confirm]") || form.dataset.confirmed === "1") return;
    event.preventDefault();
    pending = {form: form, submitter: event.submitter || null};
    message.textContent = filled(form, form.dataset.confirm);
    ok.textContent = form.dataset.confirmButton || okLabel;
    dialog.returnValue = "";
    dialog.showModal();
    cancel.focus();  // Enter alone never confirms
  }, true);

  dialog.addEventListener("close", function () {
    var chosen = pending;
    pending = null;
    if (dialog.returnValue !== "ok" || !chosen) return;
    chosen.form.dataset.confirmed = "1";
    if (chosen.submitter) chosen.form.requestSubmit(chosen.submitter);
    else chosen.form.requestSubmit();
  });
})();
