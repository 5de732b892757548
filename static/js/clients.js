// Client form: when a country is chosen and the region is empty (or only a prefix),
// start the region code with the country's prefix ("US-"). Works fine without this.
(function () {
  "use strict";
  var region = document.querySelector("[data-country-field]");
  var country = region && document.getElementById(region.getAttribute("data-country-field"));
  if (!country) { return; }
  country.addEventListener("change", function () {
    var current = region.value.trim();
    if (country.value && (!current || /^[A-Z]{2}-?$/i.test(current))) {
      region.value = country.value + "-";
    }
  });
}());
