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

// A product's variant picker: the quantity may go up to the chosen variant's stock (the server checks it too).
document.addEventListener("change", function (event) {
  var choice = event.target;
  if (choice.name !== "variant_id" || !choice.dataset.stock || !choice.form) {
    return;
  }
  var qty = choice.form.querySelector("input[name=qty]");
  if (qty) {
    var most = Math.min(parseInt(choice.dataset.stock, 10), parseInt(qty.dataset.maxQty || "999", 10));
    qty.max = String(most);
    if (parseInt(qty.value, 10) > most) {
      qty.value = String(most);
    }
  }
});

// Members admin: "select all on this page" ticks every row's box (without the script the server reads it itself).
document.addEventListener("change", function (event) {
  var box = event.target;
  var list = box.closest && box.closest("[data-select-list]");
  if (!list) {
    return;
  }
  var rows = list.querySelectorAll("input[name=ids]");
  if (box.hasAttribute("data-select-all")) {
    rows.forEach(function (row) { row.checked = box.checked; });
  } else if (box.name === "ids") {
    var all = list.querySelector("[data-select-all]");
    if (all) {
      all.checked = Array.prototype.every.call(rows, function (row) { return row.checked; });
    }
  }
});
