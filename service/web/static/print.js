// A page made for paper: buttons marked data-print open the browser's print dialog.
document.querySelectorAll("button[data-print]").forEach(function (button) {
  button.addEventListener("click", function () { window.print(); });
});
