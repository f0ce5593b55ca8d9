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

// Quantity steppers: a number box marked data-stepper gets − and + buttons beside it (without the script it stays
// a plain number box, which works the same).
document.querySelectorAll("input[type=number][data-stepper]").forEach(function (box) {
  var wrap = document.createElement("span");
  wrap.className = "stepper";
  box.parentNode.insertBefore(wrap, box);
  function button(text, step, label) {
    var b = document.createElement("button");
    b.type = "button";
    b.textContent = text;
    b.setAttribute("aria-label", label);
    b.addEventListener("click", function () {
      var low = box.min === "" ? -Infinity : Number(box.min);
      var high = box.max === "" ? Infinity : Number(box.max);
      var next = Math.min(high, Math.max(low, (parseInt(box.value, 10) || 0) + step));
      box.value = String(next);
      box.dispatchEvent(new Event("change", { bubbles: true }));
    });
    return b;
  }
  wrap.appendChild(button("−", -1, box.dataset.less || "−"));
  wrap.appendChild(box);
  wrap.appendChild(button("+", 1, box.dataset.more || "+"));
});

// On a phone the side navigation is a sideways strip: show the current section rather than the strip's start.
(function () {
  var current = document.querySelector(".side a.on");
  var strip = current && current.parentNode;
  if (strip && strip.scrollWidth > strip.clientWidth) {
    strip.scrollLeft = current.offsetLeft - strip.offsetLeft - 40;
  }
})();
