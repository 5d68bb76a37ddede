/* Placement listening items: read the Norwegian text aloud with the browser's nb-NO voice.
   Where the device has no Norwegian voice, the page says so and offers to skip the item;
   the text itself is never shown, since that would turn listening into reading. */
(function () {
  "use strict";

  function norwegianVoice() {
    if (!("speechSynthesis" in window)) return null;
    var voices = window.speechSynthesis.getVoices();
    for (var i = 0; i < voices.length; i++) {
      var lang = (voices[i].lang || "").toLowerCase();
      if (lang.indexOf("nb") === 0 || lang.indexOf("no") === 0 || lang.indexOf("nn") === 0) return voices[i];
    }
    return null;
  }

  function setUp() {
    var voice = norwegianVoice();
    var item = document.querySelector(".placement-item[data-skill=listening]");
    var noVoice = document.querySelector(".placement-no-voice");
    if (!item || !voice) return;
    var button = item.querySelector(".placement-listen");
    item.hidden = false;
    if (noVoice) noVoice.hidden = true;
    if (!button.dataset.ready) {
      button.dataset.ready = "1";
      button.addEventListener("click", function () {
        var utterance = new SpeechSynthesisUtterance(button.dataset.say);
        utterance.lang = "nb-NO";
        utterance.voice = norwegianVoice();
        utterance.rate = 0.9;
        window.speechSynthesis.cancel();
        window.speechSynthesis.speak(utterance);
      });
    }
  }

  if ("speechSynthesis" in window) {
    window.speechSynthesis.addEventListener("voiceschanged", setUp);
  }
  setUp();
})();
