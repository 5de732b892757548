// Crisis-plan editor: add, remove and reorder list rows without a reload; open or close
// every section at once; long items grow with their text where CSS cannot do it.
// Without this file the same buttons submit the form, and the server re-renders it
// with the change applied and nothing saved or lost; sections still fold one by one.
//
// The rows are built by crisisplan/plans/editor_html.py. Every list has at least one
// row: a blank copy of its first row, taken when the page loads, is the row that "Add
// more rows" adds. A blank row has no buttons in the page; it gets a copy of the first
// row's. A row's buttons are told apart by their value ("part:index:up"). The
// names that say which row ("Move sign 2 up", "Warning sign 2", "Name, person 2") are
// read off the first row, number 1, as patterns, so that every name stays true as rows
// move.
(function () {
  "use strict";
  var form = document.querySelector("form.plan-editor");
  if (!form) { return; }
  // Django's JavaScript catalogue (/jsi18n/, loaded before this file) gives these;
  // without it, the English text.
  var gettext = window.gettext || function (text) { return text; };
  var interpolate = window.interpolate || function (text, args) { return text.replace("%s", args[0]); };
  var MAX_ROWS = 100;  // crisisplan/plans/sections.py: the server reads no more

  var status = document.createElement("p");
  status.className = "visually-hidden";
  status.setAttribute("role", "status");
  form.appendChild(status);

  function announce(text) {
    status.textContent = "";
    window.setTimeout(function () { status.textContent = text; }, 50);
  }

  function rowsOf(list) {
    return list.querySelectorAll(":scope > li");
  }

  function verb(button) {
    var value = button.value || "";
    return value.slice(value.lastIndexOf(":") + 1);
  }

  // What in a row carries its number: [element, how it shows it (an attribute or the
  // text)], in document order, the same for every row of a list.
  function numbered(row) {
    var found = [];
    row.querySelectorAll("[aria-label]").forEach(function (el) { found.push([el, "aria-label"]); });
    row.querySelectorAll("label > span").forEach(function (el) { found.push([el, ""]); });
    return found;
  }

  function read(item) {
    return item[1] ? item[0].getAttribute(item[1]) : item[0].textContent;
  }

  function write(item, text) {
    if (item[1]) { item[0].setAttribute(item[1], text); } else { item[0].textContent = text; }
  }

  var patterns = {};  // per list: the names of its first row, "%s" for the number
  var blanks = {};  // per list: its blank row
  var nextIndex = {};  // per list: the index the next added row takes (never reused)

  function renumber(list) {
    var names = patterns[list.getAttribute("data-part")] || [];
    rowsOf(list).forEach(function (row, position) {
      numbered(row).forEach(function (item, n) {
        if (names[n]) { write(item, names[n].replace("%s", String(position + 1))); }
      });
    });
  }

  function firstInput(row) {
    return row.querySelector("input, select, textarea");
  }

  // Names and ids carry the row's index: "coping-3-text", "id_helpers-3-name".
  var INDEX = /^(id_)?([a-z_]+)-(\d+)-/;

  function reindex(row, index) {
    row.querySelectorAll("[name], [id], [for], [aria-describedby]").forEach(function (el) {
      ["name", "id", "for", "aria-describedby"].forEach(function (attr) {
        var value = el.getAttribute(attr);
        if (!value) { return; }
        el.setAttribute(attr, value.split(" ").map(function (token) {
          return token.replace(INDEX, "$1$2-" + index + "-");
        }).join(" "));
      });
    });
    row.querySelectorAll(".plan-row-buttons > button").forEach(function (button) {
      button.value = button.value.replace(/:\d+:/, ":" + index + ":");
    });
  }

  // A row with nothing typed, nothing ticked and no error.
  function blankCopy(row) {
    var copy = row.cloneNode(true);
    copy.classList.remove("has-error");
    copy.querySelectorAll(".field-error").forEach(function (el) { el.remove(); });
    copy.querySelectorAll(".has-error").forEach(function (el) { el.classList.remove("has-error"); });
    copy.querySelectorAll("input, textarea, select").forEach(function (control) {
      control.removeAttribute("aria-invalid");
      control.removeAttribute("style");
      var described = (control.getAttribute("aria-describedby") || "").split(" ").filter(function (id) {
        return id && !/[-_]error$/.test(id);
      });
      if (described.length) {
        control.setAttribute("aria-describedby", described.join(" "));
      } else {
        control.removeAttribute("aria-describedby");
      }
      if (control.type === "checkbox") {
        control.checked = false;
        control.removeAttribute("checked");
      } else if (control.tagName === "SELECT") {
        control.selectedIndex = 0;
      } else if (control.tagName === "TEXTAREA") {
        control.value = "";
        control.textContent = "";
      } else {
        control.value = "";
        control.removeAttribute("value");
      }
    });
    return copy;
  }

  form.querySelectorAll("ol.plan-rows").forEach(function (list) {
    var part = list.getAttribute("data-part");
    var first = list.querySelector(":scope > li");
    var max = -1;
    list.querySelectorAll(":scope > li [name]").forEach(function (control) {
      var match = INDEX.exec(control.name);
      if (match) { max = Math.max(max, parseInt(match[3], 10)); }
    });
    nextIndex[part] = max + 1;
    if (!first) { return; }
    blanks[part] = blankCopy(first);
    // The first row is number 1: its names, with "%s" where the 1 is.
    patterns[part] = numbered(first).map(function (item) {
      return read(item).replace(/(^|\D)1(?!\d)/, "$1%s");
    });
    // A blank row comes without buttons (without this script they would do nothing:
    // the server drops blank rows); it gets a copy of the first row's.
    var buttons = first.querySelector(":scope > .plan-row-buttons");
    if (!buttons) { return; }
    rowsOf(list).forEach(function (row) {
      if (row.querySelector(":scope > .plan-row-buttons")) { return; }
      row.appendChild(buttons.cloneNode(true));
      reindex(row, INDEX.exec(firstInput(row).name)[3]);
    });
    renumber(list);
  });

  function addRow(part) {
    var list = form.querySelector('ol.plan-rows[data-part="' + part + '"]');
    var blank = blanks[part];
    if (!list || !blank) { return; }
    if (rowsOf(list).length >= MAX_ROWS) {
      announce(gettext("No more rows can be added here."));
      return;
    }
    var row = blank.cloneNode(true);
    reindex(row, nextIndex[part]++);
    list.appendChild(row);
    renumber(list);
    var input = firstInput(row);
    if (input) { input.focus(); }
    announce(interpolate(gettext("Row %s added."), [rowsOf(list).length]));
  }

  // Textareas grow with their text: CSS does it (field-sizing) where the browser can.
  if (!(window.CSS && CSS.supports && CSS.supports("field-sizing", "content"))) {
    var grow = function (area) {
      area.style.height = "auto";
      area.style.height = area.scrollHeight + 2 + "px";
    };
    form.querySelectorAll("textarea").forEach(grow);
    form.addEventListener("input", function (event) {
      if (event.target.tagName === "TEXTAREA") { grow(event.target); }
    });
  }

  // A folded section says what it holds: keep its count of items true while typing.
  function recount(section) {
    var summary = section && section.querySelector(".editor-section-summary[data-noun]");
    if (!summary) { return; }
    var filled = 0;
    section.querySelectorAll("ol.plan-rows > li").forEach(function (row) {
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
      addRow(button.value.split(":")[0]);
      return;
    }
    if (!button.parentElement.classList.contains("plan-row-buttons")) { return; }
    var row = button.closest("li");
    var list = row.parentElement;
    var action = verb(button);
    if (action === "remove") {
      event.preventDefault();
      var next = row.nextElementSibling || row.previousElementSibling;
      var section = row.closest("details.editor-section");
      row.remove();
      renumber(list);
      recount(section);
      var focusTarget = next ? firstInput(next) : form.querySelector('button.js-add-row[value="' + list.getAttribute("data-part") + ':add"]');
      if (focusTarget) { focusTarget.focus(); }
      announce(gettext("Row removed."));
    } else if (action === "up") {
      event.preventDefault();
      if (row.previousElementSibling) {
        list.insertBefore(row, row.previousElementSibling);
        renumber(list);
        button.focus();
        announce(gettext("Moved up."));
      }
    } else if (action === "down") {
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
