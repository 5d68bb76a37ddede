/* Norskvei lesson helpers: listen buttons, æ/ø/å buttons, word chips, study-time heartbeat.
   Everything works without this file; it only makes the page quicker to use. */
(function () {
  "use strict";

  // Listen: the browser's speech synthesis with a Norwegian voice, hidden where there is none.
  function norwegianVoice() {
    if (!("speechSynthesis" in window)) return null;
    var voices = window.speechSynthesis.getVoices();
    for (var i = 0; i < voices.length; i++) {
      var lang = (voices[i].lang || "").toLowerCase();
      if (lang.indexOf("nb") === 0 || lang.indexOf("no") === 0 || lang.indexOf("nn") === 0) return voices[i];
    }
    return null;
  }
  function setUpListening() {
    var voice = norwegianVoice();
    var buttons = document.querySelectorAll(".listen-button");
    for (var i = 0; i < buttons.length; i++) {
      var button = buttons[i];
      button.hidden = !voice;
      if (voice && !button.dataset.ready) {
        button.dataset.ready = "1";
        button.addEventListener("click", function (event) {
          var utterance = new SpeechSynthesisUtterance(event.currentTarget.dataset.say);
          utterance.lang = "nb-NO";
          utterance.voice = norwegianVoice();
          utterance.rate = 0.9;
          window.speechSynthesis.cancel();
          window.speechSynthesis.speak(utterance);
        });
      }
    }
    var fallbacks = document.querySelectorAll(".no-voice");
    for (var j = 0; j < fallbacks.length; j++) fallbacks[j].hidden = !!voice;
  }
  if ("speechSynthesis" in window) {
    window.speechSynthesis.addEventListener("voiceschanged", setUpListening);
  }
  setUpListening();

  // æ, ø and å buttons insert the letter where the cursor is.
  var letterRows = document.querySelectorAll(".letters");
  for (var k = 0; k < letterRows.length; k++) {
    letterRows[k].hidden = false;
    letterRows[k].addEventListener("click", function (event) {
      var button = event.target.closest(".letter");
      if (!button) return;
      var input = document.getElementById(event.currentTarget.dataset.target);
      var start = input.selectionStart || input.value.length;
      var end = input.selectionEnd || start;
      input.value = input.value.slice(0, start) + button.dataset.letter + input.value.slice(end);
      input.focus();
      input.setSelectionRange(start + 1, start + 1);
    });
  }

  // Word chips add their word to the sentence being built.
  var chipRows = document.querySelectorAll(".chips");
  for (var m = 0; m < chipRows.length; m++) {
    chipRows[m].addEventListener("click", function (event) {
      var chip = event.target.closest(".chip");
      if (!chip) return;
      var input = document.getElementById(event.currentTarget.dataset.target);
      input.value = (input.value.trim() + " " + chip.dataset.word).trim();
      chip.disabled = true;
      input.focus();
    });
  }

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

  // After answering, move focus to the feedback so screen readers announce it.
  var feedback = document.querySelector(".feedback[tabindex]");
  if (feedback) feedback.focus();
})();
