// Page behaviour that the content security policy allows only from a file: no inline handlers.
// A form, or the button that sends it, marked data-confirm="question" asks before it is sent.
document.addEventListener("submit", function (event) {
  var button = event.submitter;
  var question = (button && button.dataset.confirm) || event.target.dataset.confirm;
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
// A button marked data-print prints the page (the packing slip).
document.addEventListener("click", function (event) {
  if (event.target.closest && event.target.closest("[data-print]")) {
    window.print();
  }
});
