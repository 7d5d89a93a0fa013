/* The co-branding page's live preview: the card follows the form as it is typed (colours, contact,
   service area, legal line, and the chosen logo file, read locally). Each colour has a picker and
   a text field kept in step. Nothing is sent until the form is saved; without JavaScript the
   preview shows the saved profile. */
(function () {
  "use strict";
  var HEX = /^#[0-9a-fA-F]{6}$/;
  function ready(fn) {
    if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", fn); } else { fn(); }
  }
  ready(function () {
    var form = document.querySelector("[data-preview-form]");
    if (!form) { return; }
    function part(name) { return document.querySelector('[data-preview="' + name + '"]'); }
    function field(name) { return form.elements.namedItem(name); }
    function colours() {
      var primary = field("primary_colour").value.trim();
      var secondary = field("secondary_colour").value.trim();
      if (HEX.test(primary)) { part("band").style.background = primary; }
      var cta = HEX.test(secondary) ? secondary : (HEX.test(primary) ? primary : "");
      if (cta) { part("cta").style.background = cta; }
    }
    function texts() {
      ["contact_name", "contact_email", "contact_phone", "service_area", "legal_line"].forEach(function (name) {
        var value = field(name).value.trim();
        part(name).textContent = value || (name === "contact_name" ? "your contact" : "");
      });
    }
    form.querySelectorAll("[data-colour-for]").forEach(function (picker) {
      var text = document.getElementById(picker.getAttribute("data-colour-for"));
      picker.addEventListener("input", function () { text.value = picker.value.toUpperCase(); colours(); });
      text.addEventListener("input", function () {
        if (HEX.test(text.value.trim())) { picker.value = text.value.trim().toLowerCase(); }
        colours();
      });
    });
    form.addEventListener("input", texts);
    var logo = field("logo");
    logo.addEventListener("change", function () {
      var file = logo.files && logo.files[0];
      var img = part("logo");
      if (!file || !/^image\//.test(file.type)) { return; }
      img.src = URL.createObjectURL(file);
      img.hidden = false;
    });
  });
})();
