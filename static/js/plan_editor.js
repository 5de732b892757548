// Crisis-plan editor: add, remove and reorder list rows without a reload.
// Without this file the same buttons submit the form, and the server re-renders it
// with the change applied and nothing saved or lost.
(function () {
  "use strict";
  var form = document.querySelector("form.plan-editor");
  if (!form) { return; }

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
      announce("No more rows can be added here.");
      return;
    }
    var index = parseInt(list.getAttribute("data-next-index"), 10) || 0;
    list.setAttribute("data-next-index", String(index + 1));
    list.insertAdjacentHTML("beforeend", template.innerHTML.replace(/__prefix__/g, String(index)));
    renumber(list);
    var row = list.lastElementChild;
    var input = firstInput(row);
    if (input) { input.focus(); }
    announce("Row " + list.children.length + " added.");
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
      row.remove();
      renumber(list);
      var focusTarget = next ? firstInput(next) : form.querySelector('button.js-add-row[data-part="' + list.getAttribute("data-part") + '"]');
      if (focusTarget) { focusTarget.focus(); }
      announce("Row removed.");
    } else if (button.classList.contains("js-move-up")) {
      event.preventDefault();
      if (row.previousElementSibling) {
        list.insertBefore(row, row.previousElementSibling);
        renumber(list);
        button.focus();
        announce("Moved up.");
      }
    } else if (button.classList.contains("js-move-down")) {
      event.preventDefault();
      if (row.nextElementSibling) {
        list.insertBefore(row.nextElementSibling, row);
        renumber(list);
        button.focus();
        announce("Moved down.");
      }
    }
  });
})();
