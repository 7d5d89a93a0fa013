/* The frame of every page: the menu button that opens and closes the navigation on narrow
   screens, and a scrolling box around each table so a wide table scrolls inside it instead of
   widening the page.

   Loaded in <head> so the `js` class is set before the first paint. Without JavaScript the class
   is missing: the button stays hidden, the navigation stays open above the page, and on narrow
   screens the tables themselves scroll (static/css/app.css). */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function setUpMenu() {
    var button = document.querySelector("[data-menu-button]");
    var nav = button && document.getElementById(button.getAttribute("aria-controls"));
    if (!nav) return;

    function isOpen() {
      return button.getAttribute("aria-expanded") === "true";
    }
    function show(open) {
      button.setAttribute("aria-expanded", open ? "true" : "false");
      nav.classList.toggle("open", open);
    }

    button.addEventListener("click", function () {
      show(!isOpen()); // a disclosure: the links follow the button in the tab order
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && isOpen()) {
        show(false);
        button.focus();
      }
    });
  }

  function wrapTables() {
    var tables = document.querySelectorAll("main table");
    for (var i = 0; i < tables.length; i++) {
      var table = tables[i];
      if (table.parentElement.classList.contains("table-scroll")) continue;
      var box = document.createElement("div");
      box.className = "table-scroll";
      table.parentElement.insertBefore(box, table);
      box.appendChild(table);
    }
  }

  function setUp() {
    wrapTables();
    setUpMenu();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
