// The country and region picker (templates/includes/place_picker.html): when the country
// changes, the region list becomes that country's, in place. Without this file the
// "Show this country's regions" button sends the form back to be shown with them.
(function () {
  "use strict";

  function option(value, label) {
    var element = document.createElement("option");
    element.value = value;
    element.textContent = label;
    return element;
  }

  function setUp(picker) {
    var country = picker.querySelector("[data-place-country]");
    var region = picker.querySelector("[data-place-region]");
    var refresh = picker.querySelector("[data-place-refresh]");
    var status = picker.querySelector("[data-place-status]");
    var url = picker.getAttribute("data-regions-url");
    if (!country || !region || !url || !window.fetch) { return; }
    if (refresh) { refresh.hidden = true; }
    var asked = 0;

    country.addEventListener("change", function () {
      var ask = ++asked;
      var previous = region.value;
      var query = "?country=" + encodeURIComponent(country.value);
      if (!country.value) {
        region.replaceChildren(option("", picker.getAttribute("data-empty-none") || "Choose a country first"));
        return;
      }
      region.disabled = true;
      fetch(url + query, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) {
          if (!response.ok) { throw new Error(String(response.status)); }
          return response.json();
        })
        .then(function (data) {
          if (ask !== asked) { return; }  // a later change won
          var name = country.options[country.selectedIndex].textContent;
          var empty = data.regions.length ? picker.getAttribute("data-empty-some") : picker.getAttribute("data-empty-no-regions");
          var options = [option("", (empty || "").replace("%s", name))];
          data.regions.forEach(function (pair) { options.push(option(pair[0], pair[1])); });
          region.replaceChildren.apply(region, options);
          region.value = previous;
          if (region.value !== previous) { region.value = ""; }
          region.disabled = false;
          if (status) {
            status.textContent = (picker.getAttribute("data-announce") || "%n regions of %s.")
              .replace("%n", String(data.regions.length)).replace("%s", name);
          }
        })
        .catch(function () {
          // Logged out, offline, or a server error: fall back to the button.
          if (ask !== asked) { return; }
          region.disabled = false;
          if (refresh) { refresh.hidden = false; }
        });
    });
  }

  document.querySelectorAll("[data-place-picker]").forEach(setUp);
}());
