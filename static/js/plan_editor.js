// Crisis-plan editor: add, remove and reorder list rows without a reload; open or close
// every section at once; long items grow with their text where CSS cannot do it.
// Without this file the same buttons submit the form, and the server re-renders it
// with the change applied and nothing saved or lost; sections still fold one by one.
(function () {
  "use strict";
  var form = document.querySelector("form.plan-editor");
  if (!form) { return; }
  // Django's JavaScript catalogue (/jsi18n/, loaded before this file) gives these;
  // without it, the English text.
  var gettext = window.gettext || function (text) { return text; };
  var interpolate = window.interpolate || function (text, args) { return text.replace("%s", args[0]); };

  var status = document.createElement("p");
  status.className = "visually-hidden";
  status.setAttribute("role", "status");
  form.appendChild(status);

  function announce(text) {
    status.textContent = "";
    window.setTimeout(function () { status.textContent = text; }, 50);
  }

  function renumber(list) {
    var rows = list.querySelectorAll(":scope > li.plan-row");
    rows.forEach(function (row, position) {
      row.querySelectorAll(".js-row-number").forEach(function (el) {
        el.textContent = String(position + 1);
      });
    });
  }

  function firstInput(row) {
    return row.querySelector("input, select, textarea");
  }

  function addRow(part) {
    var list = form.querySelector('ol.plan-rows[data-part="' + part + '"]');
    var template = document.getElementById("row-template-" + part);
    if (!list || !template) { return; }
    var max = parseInt(list.getAttribute("data-max-rows"), 10) || 100;
    if (list.children.length >= max) {
      announce(gettext("No more rows can be added here."));
      return;
    }
    var index = parseInt(list.getAttribute("data-next-index"), 10) || 0;
    list.setAttribute("data-next-index", String(index + 1));
    list.insertAdjacentHTML("beforeend", template.innerHTML.replace(/__prefix__/g, String(index)));
    renumber(list);
    var row = list.lastElementChild;
    var input = firstInput(row);
    if (input) { input.focus(); }
    announce(interpolate(gettext("Row %s added."), [list.children.length]));
  }

  // Textareas grow with their text: CSS does it (field-sizing) where the browser can.
  if (!(window.CSS && CSS.supports && CSS.supports("field-sizing", "content"))) {
    var grow = function (area) {
      area.style.height = "auto";
      area.style.height = area.scrollHeight + 2 + "px";
    };
    form.querySelectorAll("textarea.grow").forEach(grow);
    form.addEventListener("input", function (event) {
      if (event.target.matches && event.target.matches("textarea.grow")) { grow(event.target); }
    });
  }

  // A folded section says what it holds: keep its count of items true while typing.
  function recount(section) {
    var summary = section && section.querySelector(".editor-section-summary[data-noun]");
    if (!summary) { return; }
    var filled = 0;
    section.querySelectorAll("li.plan-row").forEach(function (row) {
      var fields = row.querySelectorAll("input, textarea, select");
      var typed = function (f) { return f.type === "checkbox" ? f.checked : f.value.trim() !== ""; };
      if (Array.prototype.some.call(fields, typed)) { filled++; }
    });
    summary.textContent = filled ? filled + " " + summary.getAttribute(filled === 1 ? "data-noun" : "data-nouns") : summary.getAttribute("data-empty");
  }
  form.addEventListener("input", function (event) { recount(event.target.closest("details.editor-section")); });

  // "Close all sections" / "Open all sections".
  var toggle = form.querySelector(".js-toggle-sections");
  if (toggle) {
    var sections = form.querySelectorAll("details.editor-section");
    var label = function () {
      var anyOpen = Array.prototype.some.call(sections, function (s) { return s.open; });
      toggle.textContent = toggle.getAttribute(anyOpen ? "data-close" : "data-open");
      return anyOpen;
    };
    toggle.hidden = false;
    toggle.addEventListener("click", function () {
      var close = label();
      sections.forEach(function (s) { s.open = !close; });
      label();
    });
    sections.forEach(function (s) { s.addEventListener("toggle", label); });
  }

  form.addEventListener("click", function (event) {
    var button = event.target.closest("button");
    if (!button || !form.contains(button)) { return; }
    if (button.classList.contains("js-add-row")) {
      event.preventDefault();
      addRow(button.getAttribute("data-part"));
      return;
    }
    var row = button.closest("li.plan-row");
    if (!row) { return; }
    var list = row.parentElement;
    if (button.classList.contains("js-remove")) {
      event.preventDefault();
      var next = row.nextElementSibling || row.previousElementSibling;
      var section = row.closest("details.editor-section");
      row.remove();
      renumber(list);
      recount(section);
      var focusTarget = next ? firstInput(next) : form.querySelector('button.js-add-row[data-part="' + list.getAttribute("data-part") + '"]');
      if (focusTarget) { focusTarget.focus(); }
      announce(gettext("Row removed."));
    } else if (button.classList.contains("js-move-up")) {
      event.preventDefault();
      if (row.previousElementSibling) {
        list.insertBefore(row, row.previousElementSibling);
        renumber(list);
        button.focus();
        announce(gettext("Moved up."));
      }
    } else if (button.classList.contains("js-move-down")) {
      event.preventDefault();
      if (row.nextElementSibling) {
        list.insertBefore(row.nextElementSibling, row);
        renumber(list);
        button.focus();
        announce(gettext("Moved down."));
      }
    }
  });
})();
