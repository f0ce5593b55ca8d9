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

/* Pushes: the push form's audience count follows the filters (the "Preview audience" button does the same). */
(function () {
  var form = document.querySelector("form[data-audience]");
  if (!form || !window.fetch || !window.FormData) {
    return;
  }
  var box = document.getElementById("audience");
  var timer = null;
  function show(field, text) {
    var node = box.querySelector('[data-field="' + field + '"]');
    if (node) {
      node.textContent = text || "";
      node.hidden = !text;
    }
  }
  function refresh() {
    var data = new FormData(form);
    data.set("action", "preview");
    // getAttribute: the buttons named "action" shadow form.action.
    fetch(form.getAttribute("action"), {method: "POST", body: data, credentials: "same-origin", headers: {"X-Audience": "1"}})
      .then(function (r) { return r.json(); })
      .then(function (reply) {
        var line = box.querySelector(".audience-count");
        if (reply.count !== null && reply.count !== undefined) {
          var count = box.querySelector('[data-field="count"]');
          count.value = String(reply.count);
          count.textContent = reply.text;
          line.hidden = false;
          show("audience-help", "");
        } else {
          line.hidden = true;
        }
        show("sample", "");
        show("audience-errors", (reply.errors || []).join(" · "));
      })
      .catch(function () { /* the button still previews */ });
  }
  form.addEventListener("change", function (event) {
    if (event.target.name === "name" || event.target.name === "scheduled_at") {
      return;
    }
    clearTimeout(timer);
    timer = setTimeout(refresh, 400);
  });
})();
