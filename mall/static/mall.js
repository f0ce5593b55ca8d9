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

// Checkout: the quote refreshes in place as the shopper changes a coupon, points or wallet choice. The form still
// posts with its Apply button without the script; the request is the page's own (session cookie + CSRF token).
(function () {
  var form = document.querySelector("form[data-quote-url]");
  if (!form || !window.fetch) {
    return;
  }
  form.classList.add("js-quote");
  var options = document.querySelector(".checkout-options");
  var csrf = form.querySelector("input[name=csrf_token]");
  var lines = JSON.parse(form.dataset.lines || "[]");
  var timer = null;
  var asked = 0;

  function cents(text) {
    // Money arrives as "12.34": whole cents, so no figure is ever a float.
    var parts = String(text).replace(/,/g, "").split(".");
    return parseInt(parts[0], 10) * 100 + parseInt(((parts[1] || "") + "00").slice(0, 2), 10);
  }
  function money(c) {
    // As the server writes money in both languages: grouped thousands, two decimals ("1,234.50").
    var sign = c < 0 ? "-" : "";
    c = Math.abs(c);
    var rest = String(c % 100);
    var whole = String(Math.floor(c / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return sign + whole + "." + (rest.length < 2 ? "0" + rest : rest);
  }
  function setText(root, selector, text) {
    var node = root.querySelector(selector);
    if (node) {
      node.textContent = text;
    }
  }
  function body() {
    var data = {lines: lines, coupons: [], points: {}};
    var fields = form.elements;
    for (var i = 0; i < fields.length; i++) {
      var field = fields[i];
      if (!field.name || field.disabled) {
        continue;
      }
      var value = field.value.trim();
      if ((field.type === "radio" || field.type === "checkbox") && !field.checked) {
        continue;
      }
      if ((field.name === "coupons" || field.name.indexOf("coupon-") === 0) && value) {
        data.coupons.push(parseInt(value, 10));
      } else if (field.name.indexOf("points-") === 0 && /^\d+$/.test(value) && value !== "0") {
        data.points[field.name.slice(7)] = parseInt(value, 10);
      } else if (field.name === "wallet" && value) {
        data.wallet = value;
      } else if (field.name === "address_id" && value) {
        data.address_id = parseInt(value, 10);
      }
    }
    return data;
  }
  function show(quote) {
    quote.orders.forEach(function (order, i) {
      var card = document.querySelector('.checkout-order[data-order="' + i + '"]');
      if (!card) {
        return;
      }
      order.lines.forEach(function (line, j) {
        var row = card.querySelector('tr[data-line="' + j + '"]');
        if (!row) {
          return;
        }
        setText(row, "[data-line-net]", "¥" + money(cents(line.net)));
        var box = row.querySelector("[data-adjustments]");
        box.textContent = "";
        line.adjustments.forEach(function (a) {
          var div = document.createElement("div");
          div.className = "muted small";
          div.textContent = a.label + " " + a.amount;
          box.appendChild(div);
        });
      });
      var points = card.querySelector("[data-order-points]");
      points.hidden = cents(order.points_value) === 0;
      setText(points, "[data-points-used]", String(order.points_used).replace(/\B(?=(\d{3})+(?!\d))/g, ","));
      setText(points, ".num", "−¥" + money(cents(order.points_value)));
      var shipping = card.querySelector("[data-order-shipping]");
      setText(shipping, "[data-waived]", order.shipping_waived_by ? " (" + order.shipping_waived_by + ")" : "");
      setText(shipping, ".num", "¥" + money(cents(order.shipping)));
      setText(card, "[data-order-total]", "¥" + money(cents(order.total)));
    });
    var list = form.querySelector("[data-savings]");
    list.textContent = "";
    quote.savings.forEach(function (s) {
      var li = document.createElement("li");
      li.className = "saving-" + s.kind;
      var label = document.createElement("span");
      label.textContent = s.label;
      var amount = document.createElement("span");
      amount.className = "num";
      amount.textContent = "−¥" + money(cents(s.amount));
      li.appendChild(label);
      li.appendChild(amount);
      list.appendChild(li);
    });
    form.querySelector("[data-no-savings]").hidden = quote.savings.length > 0;
    setText(form, "[data-saved]", "¥" + money(cents(quote.saved)));
    setText(form, "[data-total]", "¥" + money(cents(quote.total)));
    var wallet = 0, card = 0;
    quote.orders.forEach(function (order) {
      wallet += cents(order.wallet_paid);
      card += cents(order.gateway_paid);
    });
    var split = form.querySelector("[data-wallet-split]");
    split.hidden = wallet === 0;
    setText(split, "[data-from-wallet]", "¥" + money(wallet));
    setText(split, "[data-by-card]", "¥" + money(card));
  }
  function refresh() {
    var mine = ++asked;
    var error = form.querySelector("[data-quote-error]");
    form.classList.add("is-refreshing");
    fetch(form.dataset.quoteUrl, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf ? csrf.value : ""},
      body: JSON.stringify(body())
    }).then(function (response) {
      return response.json().then(function (data) {
        return {ok: response.ok, data: data};
      });
    }).then(function (result) {
      if (mine !== asked) {
        return;  // a later choice is on its way
      }
      form.classList.remove("is-refreshing");
      if (result.ok) {
        error.hidden = true;
        show(result.data);
        return;
      }
      var problem = result.data.error || {};
      var messages = [];
      Object.keys(problem.fields || {}).forEach(function (name) {
        messages = messages.concat(problem.fields[name]);
      });
      error.textContent = messages.length ? messages.join(" ") : (problem.message || error.dataset.fallback);
      error.hidden = false;
    }).catch(function () {
      if (mine === asked) {
        form.classList.remove("is-refreshing");
        error.textContent = error.dataset.fallback;
        error.hidden = false;
        form.classList.remove("js-quote");  // Apply comes back: the page still works by posting
      }
    });
  }
  function later() {
    clearTimeout(timer);
    timer = setTimeout(refresh, 250);
  }
  // A slider moves its number box (and the box its slider); the money value follows at once.
  document.querySelectorAll("[data-slider-for]").forEach(function (slider) {
    var number = document.getElementById(slider.dataset.sliderFor);
    slider.hidden = false;
    function value() {
      var output = document.querySelector('output[for="' + number.id + '"]');
      if (!output) {
        return;
      }
      if (number.dataset.perUnit) {
        var n = parseInt(number.value || "0", 10) || 0;
        output.textContent = "−¥" + money(Math.floor(n * 100 / parseInt(number.dataset.perUnit, 10)));
      } else if (/^\d+(\.\d{1,2})?$/.test(number.value.trim())) {
        output.textContent = "¥" + money(cents(number.value.trim()));
      }
    }
    slider.addEventListener("input", function () {
      number.value = slider.value === "0" ? "" : slider.value;
      value();
      later();
    });
    number.addEventListener("input", function () {
      slider.value = number.value || "0";
      value();
      later();
    });
  });
  [options, document.querySelector(".address-choices")].forEach(function (area) {
    if (area) {
      area.addEventListener("change", function (event) {
        if (event.target.type === "radio" || event.target.type === "checkbox") {
          later();
        }
      });
    }
  });
})();

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
