/* Norskvei: keeps a learner import's progress page current by asking the server every
   1.5 seconds, and shows the result once the import has finished. Without JavaScript the
   page reloads itself instead (a refresh inside <noscript>). */
(function () {
  "use strict";
  var box = document.getElementById("import-progress");
  if (!box || !window.fetch) return;
  var bar = box.querySelector("progress");
  var text = document.getElementById("import-progress-text");
  var every = 1500;

  function show(status) {
    if (status.finished) {
      window.location.reload();
      return;
    }
    if (status.value === null || !status.max) {
      bar.removeAttribute("value");
    } else {
      bar.max = status.max;
      bar.value = status.value;
    }
    if (text.textContent !== status.text) text.textContent = status.text;
    window.setTimeout(poll, every);
  }

  function poll() {
    window.fetch(box.getAttribute("data-status-url"), {
      credentials: "same-origin",
      headers: { Accept: "application/json" }
    })
      .then(function (response) {
        if (!response.ok) throw new Error("status " + response.status);
        return response.json();
      })
      .then(show)
      .catch(function () {
        window.setTimeout(poll, every * 4); // the server is busy or away: ask less often
      });
  }

  window.setTimeout(poll, every);
})();
