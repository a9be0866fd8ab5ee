// Portail ACI — small progressive enhancements. Every form works without it.
(function () {
  "use strict";

  // Files over the limit (<input type=file data-max-size=bytes>) are refused
  // before sending, with the message next to the field.
  function tooBig(input) {
    var max = Number(input.getAttribute("data-max-size"));
    var f = input.files && input.files[0];
    return max > 0 && f && f.size > max ? f : null;
  }
  function sizeMessage(input, f) {
    var max = Number(input.getAttribute("data-max-size"));
    var mo = function (n) { return (n / 1048576).toLocaleString("fr-FR", { maximumFractionDigits: 1 }) + " Mo"; };
    return "« " + f.name + " » fait " + mo(f.size) + " : la limite est de " + mo(max) +
      ". Réduisez sa taille (PDF compressé, images moins lourdes) puis choisissez-le à nouveau.";
  }
  function showSizeError(input, msg) {
    var id = input.id + "-size-err";
    var p = document.getElementById(id);
    if (!p) {
      if (!msg) { return; }
      p = document.createElement("p");
      p.id = id;
      p.className = "error-msg";
      p.setAttribute("role", "alert");
      p.setAttribute("data-testid", "size-error");
      input.parentNode.insertBefore(p, input);
      var by = input.getAttribute("aria-describedby");
      input.setAttribute("aria-describedby", by ? by + " " + id : id);
    }
    p.textContent = msg;
    p.hidden = !msg;
    if (msg) { input.setAttribute("aria-invalid", "true"); } else { input.removeAttribute("aria-invalid"); }
  }

  // Choosing a file in a form marked data-autoupload sends it at once (htmx
  // handles the form's submit); the submit guard below makes it one upload.
  document.addEventListener("change", function (e) {
    var input = e.target;
    if (!input.matches || !input.matches("input[type=file][data-max-size]")) { return; }
    var f = tooBig(input);
    showSizeError(input, f ? sizeMessage(input, f) : "");
    if (f) {
      input.value = "";
      return;
    }
    var form = input.form;
    if (form && form.hasAttribute("data-autoupload") && window.htmx && input.files.length > 0 && form.requestSubmit) {
      form.requestSubmit();
    }
  });

  function cancel(e) {
    e.preventDefault();
    e.stopImmediatePropagation();
  }

  document.addEventListener("submit", function (e) {
    var f = e.target;
    if (!f || !f.getAttribute) { return; }
    // Confirmation on irreversible actions: <form data-confirm="Texte">.
    var msg = f.getAttribute("data-confirm");
    if (msg) {
      if (!window.confirm(msg)) {
        cancel(e);
        return;
      }
      // Confirmed in the dialog: the server need not ask again (without
      // JavaScript it shows a confirmation page instead).
      if (!f.querySelector("input[name=confirm]")) {
        var c = document.createElement("input");
        c.type = "hidden";
        c.name = "confirm";
        c.value = "1";
        f.appendChild(c);
      }
    }
    var big = null;
    f.querySelectorAll("input[type=file][data-max-size]").forEach(function (i) {
      var file = tooBig(i);
      if (file && !big) { big = i; showSizeError(i, sizeMessage(i, file)); }
    });
    if (big) {
      cancel(e);
      big.focus();
      return;
    }
    // One submission per form: a second submit while the first is under way
    // (double click, the button after an automatic upload) is dropped.
    if (f.hasAttribute("data-sending")) {
      cancel(e);
      return;
    }
    if (!f.hasAttribute("data-no-disable")) {
      f.setAttribute("data-sending", "");
      setTimeout(function () {
        f.querySelectorAll("button[type=submit], input[type=submit]").forEach(function (b) { b.disabled = true; });
      }, 0);
    }
  }, true);

  // An htmx form stays in the page: it may be sent again once answered.
  document.addEventListener("htmx:afterRequest", function (e) {
    var f = e.target;
    if (f && f.removeAttribute && f.hasAttribute("data-sending")) {
      f.removeAttribute("data-sending");
      f.querySelectorAll("button[type=submit], input[type=submit]").forEach(function (b) { b.disabled = false; });
    }
  });

  // Back to a page kept in the browser's cache: its forms can be sent again.
  window.addEventListener("pageshow", function (e) {
    if (!e.persisted) { return; }
    document.querySelectorAll("form[data-sending]").forEach(function (f) {
      f.removeAttribute("data-sending");
      f.querySelectorAll("button[type=submit], input[type=submit]").forEach(function (b) { b.disabled = false; });
    });
  });
})();
