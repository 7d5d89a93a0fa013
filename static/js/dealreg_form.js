// The registration form: "Add a product line" copies the empty line, and the checks beside the
// form are asked again (debounced) whenever a checked field changes. Without JavaScript the form
// still works: one line, checks on submit.
(function () {
  "use strict";
  var form = document.getElementById("reg-form");
  var hints = document.querySelectorAll("[data-hints]");  // beside the form, and on phones above its buttons
  if (!form || !hints.length) return;

  var add = form.querySelector("[data-add-line]");
  var template = document.getElementById("line-template");
  var total = form.querySelector("[name='lines-TOTAL_FORMS']");
  if (add && template && total) {
    add.addEventListener("click", function () {
      var index = parseInt(total.value, 10);
      var html = template.innerHTML.replace(/__prefix__/g, String(index)).replace(/__number__/g, String(index + 1));
      document.getElementById("lines").insertAdjacentHTML("beforeend", html);
      total.value = String(index + 1);
      var first = document.getElementById("lines").lastElementChild.querySelector("select, input");
      if (first) first.focus();
    });
  }

  var timer = null;
  var asked = 0;
  function check() {
    // Only what the checks read goes in the address (never the files or the CSRF token).
    var query = new URLSearchParams();
    new FormData(form).forEach(function (value, name) {
      if (typeof value === "string" && name !== "csrfmiddlewaretoken" && name !== "intent") query.append(name, value);
    });
    var mine = ++asked;
    fetch(form.dataset.checkUrl + "?" + query.toString(), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) { if (html === null || mine !== asked) return;
        hints.forEach(function (box) { box.innerHTML = html; }); })
      .catch(function () { /* the checks run again on submit */ });
  }
  function later(event) {
    if (!event.target.hasAttribute || !event.target.hasAttribute("data-check")) return;
    clearTimeout(timer);
    timer = setTimeout(check, 500);
  }
  form.addEventListener("input", later);
  form.addEventListener("change", later);
  check();
})();
