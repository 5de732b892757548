// The editor's directory search without leaving the page: fetches the results from
// plans:directory_search and puts them under the search field. Without this script, the
// Search button posts the editor's form, which comes back with the results and all that
// was typed (nothing is saved). Results already ticked stay when searching again.
(() => {
  "use strict";
  const box = document.querySelector("[data-directory-search]");
  if (!box || !window.fetch) return;
  const input = box.querySelector('input[name="directory_q"]');
  const button = box.querySelector('button[name="directory_search"]');
  const results = box.querySelector(".directory-results");

  const search = (event) => {
    event.preventDefault();
    const kept = [...results.querySelectorAll("li")].filter(
      (item) => item.querySelector('input[type="checkbox"]')?.checked,
    );
    const params = new URLSearchParams({ q: input.value });
    for (const item of kept) {
      params.append("offered", item.querySelector('input[type="hidden"]').value);
    }
    results.setAttribute("aria-busy", "true");
    fetch(`${box.dataset.directorySearch}?${params}`, { credentials: "same-origin" })
      .then((response) => {
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        return response.text();
      })
      .then((html) => {
        results.innerHTML = html;
        if (kept.length) {
          const list = document.createElement("ul");
          list.className = "directory-choices";
          list.append(...kept);
          results.prepend(list);
        }
      })
      // Whatever went wrong, the search that works without JavaScript still does.
      .catch(() => button.form.requestSubmit(button))
      .finally(() => results.removeAttribute("aria-busy"));
  };

  button.addEventListener("click", search);
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter") search(event);
  });
})();
