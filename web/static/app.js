// Portail ACI — small progressive enhancements. Every form works without it.
(function () {
  "use strict";
  // Confirmation on irreversible actions: <form data-confirm="Texte">.
  document.addEventListener("submit", function (e) {
    var f = e.target;
    var msg = f && f.getAttribute && f.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) {
      e.preventDefault();
      return;
    }
    // Avoid double submission: disable submit buttons once the form is sent.
    if (f && f.querySelectorAll && !f.hasAttribute("data-no-disable")) {
      setTimeout(function () {
        f.querySelectorAll("button[type=submit], input[type=submit]").forEach(function (b) { b.disabled = true; });
      }, 0);
    }
  }, true);
})();
