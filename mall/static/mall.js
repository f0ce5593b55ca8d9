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

// Programme editor: the preview follows the form. The server computes it (the same arithmetic as a save),
// so no rule is written here; without a script the Preview button does the same.
(function () {
  var form = document.getElementById("programme-form");
  var target = document.getElementById("programme-preview");
  if (!form || !target || !form.dataset.previewUrl || !window.fetch) {
    return;
  }
  var timer = null;
  var asked = 0;
  function refresh() {
    var mine = ++asked;
    fetch(form.dataset.previewUrl, {method: "POST", body: new FormData(form), credentials: "same-origin",
                                    headers: {"Accept": "application/json"}})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (reply) {
        if (reply && mine === asked) {  // an older answer arriving late must not replace a newer one
          target.innerHTML = reply.html;
        }
      })
      .catch(function () {});
  }
  function later(event) {
    if (event.target.closest("fieldset:disabled") || event.target.type === "file") {
      return;
    }
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 350);
  }
  form.addEventListener("input", later);
  form.addEventListener("change", later);
})();

// Audit log: times in the viewer's own time zone. The browser names it; the page is drawn again once with it.
(function () {
  var page = document.querySelector("[data-viewer-zone]");
  var zone = window.Intl && Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (!page || !zone || !/^[A-Za-z0-9_+\-\/]+$/.test(zone)) {
    return;
  }
  var had = (document.cookie.match(/(?:^|; )tz=([^;]*)/) || [])[1];
  if (had !== zone) {
    document.cookie = "tz=" + zone + "; path=/; max-age=31536000; SameSite=Lax";
    if (page.dataset.viewerZone !== zone) {
      window.location.reload();
    }
  }
})();
