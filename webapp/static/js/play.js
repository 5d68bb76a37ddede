/* Norskvei playback: a teacher's recording, else the browser's Norwegian voice, else a notice
   with the text. 0.75x and repeat; small listen buttons for words. A hidden "listening" field in the form tells the server
   whether the learner could hear the text. Without this file, recordings still play in the
   browser's own audio controls. */
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

  function setUpPlayer(box) {
    var audio = box.querySelector(".play-audio");
    var say = box.querySelector(".play-say");
    var controls = box.querySelector(".play-controls");
    var slow = box.querySelector(".play-slow");
    var again = box.querySelector(".play-again");
    var notice = box.querySelector(".no-voice");
    var field = box.querySelector(".play-listening");
    function speak() {
      var utterance = new SpeechSynthesisUtterance(box.dataset.say);
      utterance.lang = "nb-NO";
      utterance.voice = norwegianVoice();
      utterance.rate = 0.9 * (box.dataset.rate === "slow" ? 0.75 : 1);
      window.speechSynthesis.cancel();
      window.speechSynthesis.speak(utterance);
    }
    function play() {
      if (audio) {
        audio.playbackRate = box.dataset.rate === "slow" ? 0.75 : 1;
        audio.currentTime = 0;
        audio.play();
      } else if (norwegianVoice()) {
        speak();
      }
    }
    var usable = !!audio || !!norwegianVoice();
    if (say) say.hidden = !usable;
    if (notice) notice.hidden = usable;
    controls.hidden = !usable;
    box.dataset.listening = usable ? "yes" : "no";
    if (field) field.value = usable ? "1" : "0";
    if (box.dataset.ready) return;
    box.dataset.ready = "1";
    if (say) say.addEventListener("click", play);
    slow.addEventListener("click", function () {
      var slower = box.dataset.rate !== "slow";
      box.dataset.rate = slower ? "slow" : "";
      slow.setAttribute("aria-pressed", slower ? "true" : "false");
      if (audio) audio.playbackRate = slower ? 0.75 : 1;
    });
    again.addEventListener("click", play);
    if (audio) {
      audio.addEventListener("play", function () { audio.playbackRate = box.dataset.rate === "slow" ? 0.75 : 1; });
    }
  }

  // Small listen buttons (words, model answers): the lesson's published recording of the text
  // where the page lists one, else the Norwegian voice; hidden where there is neither.
  var recorded = {};
  var list = document.getElementById("published-recordings");
  if (list) {
    try { recorded = JSON.parse(list.textContent) || {}; } catch (error) { recorded = {}; }
  }
  var sound = null;
  function normalised(text) { return (text || "").split(/\s+/).filter(Boolean).join(" "); }
  function setUpButton(button) {
    var url = recorded[normalised(button.dataset.say)];
    button.hidden = !url && !norwegianVoice();
    if (button.dataset.ready) return;
    button.dataset.ready = "1";
    button.addEventListener("click", function () {
      var address = recorded[normalised(button.dataset.say)];
      if (address) {
        if (sound) sound.pause();
        sound = new Audio(address);
        sound.play();
        return;
      }
      var utterance = new SpeechSynthesisUtterance(button.dataset.say);
      utterance.lang = "nb-NO";
      utterance.voice = norwegianVoice();
      utterance.rate = 0.9;
      window.speechSynthesis.cancel();
      window.speechSynthesis.speak(utterance);
    });
  }

  function setUpPlayers(root) {
    var boxes = (root || document).querySelectorAll(".play");
    for (var i = 0; i < boxes.length; i++) setUpPlayer(boxes[i]);
    var buttons = (root || document).querySelectorAll(".listen-button");
    for (var j = 0; j < buttons.length; j++) setUpButton(buttons[j]);
  }
  window.norskveiPlayers = setUpPlayers; // lesson.js calls it on an exercise it swapped in
  if ("speechSynthesis" in window) {
    window.speechSynthesis.addEventListener("voiceschanged", function () { setUpPlayers(); });
  }
  setUpPlayers();
})();
