// Autosave of the dossier content's text sections (internal/server/dossier_content.go).
// Forms marked data-autosave are posted 2 s after typing stops, with the header
// X-Autosave: 1: the server answers 204 (saved; X-Content-Version is the new
// version, copied into the form), or 409/422/403 with a French plain-text message,
// or 503 while the database is unavailable (« Enregistrement impossible,
// réessai… »): the save is retried, later each time (up to a minute).
// Nothing is kept in the browser's storage (no sensitive content there): when
// changes are not saved yet, leaving the page asks for confirmation.
(function () {
  'use strict';
  var DELAY = 2000;
  var dirty = new Set();

  function hhmm() {
    var d = new Date();
    return String(d.getHours()).padStart(2, '0') + ':' + String(d.getMinutes()).padStart(2, '0');
  }

  document.querySelectorAll('form[data-autosave]').forEach(function (form) {
    var status = form.querySelector('[data-autosave-status]');
    var version = form.querySelector('input[name="version"]');
    var timer = null;
    var inflight = false;
    var stopped = false; // after a conflict: the user must compare by submitting
    var retryDelay = DELAY; // after a 503, doubled up to a minute

    function say(msg) { if (status) { status.textContent = msg; } }

    function save() {
      timer = null;
      if (stopped) { return; }
      if (inflight) { timer = setTimeout(save, DELAY); return; }
      inflight = true;
      var body = new URLSearchParams(new FormData(form));
      fetch(form.action, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'X-Autosave': '1', 'Content-Type': 'application/x-www-form-urlencoded' },
        body: body
      }).then(function (res) {
        if (res.status === 204) {
          var v = res.headers.get('X-Content-Version');
          if (v && version) { version.value = v; }
          if (timer === null) { dirty.delete(form); }
          say('Brouillon enregistré à ' + hhmm());
          retryDelay = DELAY;
          return;
        }
        if (res.status === 503) {
          if (timer === null) { timer = setTimeout(save, retryDelay); }
          retryDelay = Math.min(retryDelay * 2, 60000);
          return res.text().then(function (t) { say(t || 'Enregistrement impossible, réessai…'); });
        }
        if (res.status === 409 || res.status === 403) { stopped = true; }
        return res.text().then(function (t) {
          say(t || 'Enregistrement automatique impossible : utilisez le bouton « Enregistrer ».');
        });
      }).catch(function () {
        say('Enregistrement automatique impossible (connexion interrompue ?) : votre texte reste dans la page, enregistrez-le avec le bouton.');
      }).finally(function () { inflight = false; });
    }

    form.addEventListener('input', function () {
      dirty.add(form);
      if (timer !== null) { clearTimeout(timer); }
      timer = setTimeout(save, DELAY);
    });
    form.addEventListener('submit', function () {
      if (timer !== null) { clearTimeout(timer); timer = null; }
      dirty.delete(form);
    });
  });

  // A submit button with data-confirm (an indicator's "Retirer") asks first;
  // cancelling the click means no submission at all.
  document.addEventListener('click', function (e) {
    var b = e.target && e.target.closest ? e.target.closest('button[data-confirm]') : null;
    if (b && !window.confirm(b.getAttribute('data-confirm'))) {
      e.preventDefault();
    }
  });

  window.addEventListener('beforeunload', function (e) {
    if (dirty.size > 0) {
      e.preventDefault();
      e.returnValue = '';
    }
  });
})();
