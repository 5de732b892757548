// Login pages: send the time zone this browser reports, so that a therapist who has not
// chosen one sees dates and times in their own (crisisplan/core/timezones.py).
(function () {
  "use strict";
  var zone = "";
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { return; }
  document.querySelectorAll("input[data-browser-time-zone]").forEach(function (input) {
    input.value = zone;
  });
}());
