// "Copy the link" on the new-link page; without JavaScript the field can be selected and copied.
(function () {
  "use strict";
  var button = document.querySelector("[data-copy-button]");
  var source = document.querySelector("[data-copy-source]");
  var status = document.querySelector("[data-copy-status]");
  if (!button || !source) return;
  // Django's JavaScript catalogue (/jsi18n/, loaded before this file), or English.
  var gettext = window.gettext || function (text) { return text; };
  button.hidden = false;
  button.addEventListener("click", function () {
    source.select();
    var done = function () { status.textContent = gettext("Copied."); };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(source.value).then(done, function () {
        document.execCommand("copy"); done();
      });
    } else {
      document.execCommand("copy"); done();
    }
  });
})();
