// Client form: when a country is chosen, start the region code with its prefix
// ("US-"), so the therapist only types the rest. The form works without this.
(function () {
  "use strict";
  var region = document.querySelector("[data-country-field]");
  if (!region) { return; }
  var country = document.getElementById(region.getAttribute("data-country-field"));
  if (!country) { return; }
  country.addEventListener("change", function () {
    var code = country.value;
    var current = region.value.trim();
    if (!code) { return; }
    if (!current || /^[A-Z]{2}-?$/i.test(current) || current.slice(0, 3).toUpperCase() !== code + "-") {
      if (!current || /^[A-Z]{2}-?$/i.test(current)) { region.value = code + "-"; }
    }
    region.placeholder = code + "-…";
  });
}());
