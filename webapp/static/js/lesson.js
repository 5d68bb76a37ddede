/* Norskvei lesson helpers: æ/ø/å buttons, word chips, study-time heartbeat.
   Everything works without this file; it only makes the page quicker to use. */
(function () {
  "use strict";

  // æ, ø and å buttons insert the letter where the cursor is; word tiles add their word to the
  // sentence being built. Delegated, so they work in an exercise the player swapped in.
  function showHelpers(root) {
    var hidden = root.querySelectorAll(".letters, .chips-clear, .word-count");
    for (var i = 0; i < hidden.length; i++) hidden[i].hidden = false;
  }
  document.addEventListener("click", function (event) {
    var letter = event.target.closest(".letters .letter");
    if (letter) {
      var input = document.getElementById(letter.parentNode.dataset.target);
      var start = input.selectionStart || input.value.length;
      var end = input.selectionEnd || start;
      input.value = input.value.slice(0, start) + letter.dataset.letter + input.value.slice(end);
      input.focus();
      input.setSelectionRange(start + 1, start + 1);
      input.dispatchEvent(new Event("input", { bubbles: true }));
      return;
    }
    var chip = event.target.closest(".chips .chip");
    if (chip) {
      var sentence = document.getElementById(chip.parentNode.dataset.target);
      sentence.value = (sentence.value.trim() + " " + chip.dataset.word).trim();
      chip.disabled = true;
      return;
    }
    var clear = event.target.closest(".chips-clear");
    if (clear) {
      document.getElementById(clear.dataset.target).value = "";
      var chips = document.querySelectorAll('.chips[data-target="' + clear.dataset.target + '"] .chip');
      for (var c = 0; c < chips.length; c++) chips[c].disabled = false;
    }
  });

  // Live word count for free writing, counted as the server counts: on the text in NFC, runs
  // of letters, digits and _, joined by - or ' (Python's \w+(?:[-']\w+)*).
  var WORD = /[\p{L}\p{N}_]+(?:[-'][\p{L}\p{N}_]+)*/gu;
  document.addEventListener("input", function (event) {
    var area = event.target;
    if (!area.matches || !area.matches("textarea[data-min]")) return;
    var counter = document.getElementById(area.id + "-count");
    if (!counter) return;
    var words = (area.value.normalize("NFC").match(WORD) || []).length;
    counter.querySelector("[data-count]").textContent = words;
    var outside = words < +area.dataset.min || words > +area.dataset.max;
    counter.classList.toggle("outside", outside);
  });
  function countWords(root) {
    var areas = root.querySelectorAll("textarea[data-min]");
    for (var i = 0; i < areas.length; i++) areas[i].dispatchEvent(new Event("input", { bubbles: true }));
  }

  // Answers post in the background: the exercise is swapped for the one the server returns,
  // with its feedback, and focus moves to the feedback. Without fetch the form posts as usual.
  var csrf = document.querySelector('meta[name="csrf-token"]');
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList.contains("exercise-form") || !window.fetch || !csrf) return;
    event.preventDefault();
    var button = form.querySelector('button[type="submit"]');
    if (button) button.disabled = true;
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf.content, "Accept": "application/json" }
    }).then(function (response) {
      if (!response.ok && response.status !== 422) throw new Error(String(response.status));
      return response.json();
    }).then(function (data) {
      var section = document.getElementById("exercise");
      var holder = document.createElement("div");
      holder.innerHTML = data.html;
      var fresh = holder.firstElementChild;
      section.parentNode.replaceChild(fresh, section);
      showHelpers(fresh);
      countWords(fresh);
      if (window.norskveiPlayers) window.norskveiPlayers(fresh);
      var focus = fresh.querySelector("#feedback") || fresh.querySelector(".next");
      if (focus) focus.focus();
    }).catch(function () {
      form.submit(); // let the plain form do it
    });
  });

  showHelpers(document);
  countWords(document);

  // Study time: a beat every 30 s while the page is visible and the learner was active lately.
  var root = document.querySelector("[data-heartbeat]");
  var url = root && root.dataset.heartbeat;
  var token = document.querySelector('meta[name="csrf-token"]');
  if (url && token && window.fetch) {
    var lastActivity = Date.now();
    ["keydown", "pointerdown", "scroll", "touchstart"].forEach(function (name) {
      window.addEventListener(name, function () { lastActivity = Date.now(); }, { passive: true });
    });
    var beat = function () {
      if (document.visibilityState !== "visible") return;
      if (Date.now() - lastActivity > 120000) return; // idle: no credit
      var body = new URLSearchParams({ source: root.dataset.source || "lesson" });
      fetch(url, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { "X-CSRFToken": token.content }
      }).catch(function () {});
    };
    beat();
    setInterval(beat, 30000);
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible") { lastActivity = Date.now(); beat(); }
    });
  }

  // After answering (a plain post), move focus to the feedback so screen readers announce it.
  var feedback = document.getElementById("feedback");
  if (feedback) feedback.focus();
})();
