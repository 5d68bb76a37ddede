/* Listening practice: read each text aloud with the browser's nb-NO voice. Where the device
   has no Norwegian voice, the page says so plainly and the set is sent as not scored
   (no_voice=1); with a voice the listen buttons appear and the attempt is scored. */
(function () {
  "use strict";

  function norwegianVoice() {
    if (!window.speechSynthesis) return null;
    var voices = window.speechSynthesis.getVoices();
    for (var i = 0; i < voices.length; i++) {
      var lang = (voices[i].lang || "").toLowerCase();
      if (lang.indexOf("nb") === 0 || lang.indexOf("no") === 0 || lang.indexOf("nn") === 0) return voices[i];
    }
    return null;
  }

  function setUp() {
    var voice = norwegianVoice();
    if (!voice) return;
    var field = document.querySelector(".practice-no-voice-field");
    var notice = document.querySelector(".practice-no-voice");
    if (field) field.value = "";
    if (notice) notice.hidden = true;
    document.querySelectorAll(".practice-listen .listen-button").forEach(function (button) {
      button.hidden = false;
      if (button.dataset.ready) return;
      button.dataset.ready = "1";
      button.addEventListener("click", function () {
        var utterance = new SpeechSynthesisUtterance(button.dataset.say);
        utterance.lang = "nb-NO";
        utterance.voice = norwegianVoice();
        utterance.rate = 0.9;
        window.speechSynthesis.cancel();
        window.speechSynthesis.speak(utterance);
      });
    });
  }

  // Reading a transcript turns that try into reading: it is then not scored as listening.
  document.querySelectorAll(".practice-transcript").forEach(function (details) {
    details.addEventListener("toggle", function () {
      var field = document.querySelector(".practice-no-voice-field");
      if (details.open && field) field.value = "1";
    });
  });

  if (window.speechSynthesis) {
    window.speechSynthesis.addEventListener("voiceschanged", setUp);
  }
  setUp();
})();
