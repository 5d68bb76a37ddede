/* Norskvei recordings: record with the microphone (MediaRecorder) into a form's file input, and
   play lesson texts (a teacher's recording, else the browser's Norwegian voice) slower or again.
   Without this file the forms still work: the file input opens the phone's sound recorder. */
(function () {
  "use strict";

  function chooseType() {
    var types = ["audio/webm;codecs=opus", "audio/mp4", "audio/webm"];
    for (var i = 0; i < types.length; i++) {
      if (window.MediaRecorder.isTypeSupported && MediaRecorder.isTypeSupported(types[i])) return types[i];
    }
    return "";
  }

  function setUpRecorder(box) {
    var input = document.getElementById(box.dataset.input);
    var start = box.querySelector(".recorder-start");
    var stop = box.querySelector(".recorder-stop");
    var time = box.querySelector(".recorder-time");
    var preview = box.querySelector(".recorder-preview");
    var denied = box.querySelector(".recorder-denied");
    var limit = parseInt(box.dataset.maxSeconds || "90", 10);
    var recorder = null, chunks = [], started = 0, timer = null;
    box.hidden = false;

    function finish() {
      if (recorder && recorder.state !== "inactive") recorder.stop();
    }
    start.addEventListener("click", function () {
      navigator.mediaDevices.getUserMedia({ audio: true }).then(function (stream) {
        var type = chooseType();
        recorder = type ? new MediaRecorder(stream, { mimeType: type }) : new MediaRecorder(stream);
        chunks = [];
        recorder.ondataavailable = function (event) { if (event.data.size) chunks.push(event.data); };
        recorder.onstop = function () {
          clearInterval(timer);
          stream.getTracks().forEach(function (track) { track.stop(); });
          var mime = (recorder.mimeType || type || "audio/webm").split(";")[0];
          var blob = new Blob(chunks, { type: mime });
          var name = "recording." + (mime.indexOf("mp4") >= 0 ? "m4a" : "webm");
          var transfer = new DataTransfer();
          transfer.items.add(new File([blob], name, { type: mime }));
          input.files = transfer.files;
          preview.src = URL.createObjectURL(blob);
          preview.hidden = false;
          start.hidden = false;
          start.textContent = start.textContent.replace("●", "↻");
          stop.hidden = true;
          box.dataset.recorded = "1";
        };
        recorder.start(1000);
        started = Date.now();
        start.hidden = true;
        stop.hidden = false;
        denied.hidden = true;
        timer = setInterval(function () {
          var seconds = Math.floor((Date.now() - started) / 1000);
          time.textContent = seconds + " / " + limit + " s";
          if (seconds >= limit) finish();
        }, 250);
      }).catch(function () { denied.hidden = false; });
    });
    stop.addEventListener("click", finish);
  }

  if (window.MediaRecorder && navigator.mediaDevices && navigator.mediaDevices.getUserMedia && window.DataTransfer) {
    var boxes = document.querySelectorAll(".recorder");
    for (var i = 0; i < boxes.length; i++) setUpRecorder(boxes[i]);
  }

  // Playback: a teacher's recording, else speech synthesis with a Norwegian voice.
  function norwegianVoice() {
    if (!("speechSynthesis" in window)) return null;
    var voices = window.speechSynthesis.getVoices();
    for (var i = 0; i < voices.length; i++) {
      var lang = (voices[i].lang || "").toLowerCase();
      if (lang.indexOf("nb") === 0 || lang.indexOf("no") === 0) return voices[i];
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
    var rate = 1;
    function speak() {
      var utterance = new SpeechSynthesisUtterance(box.dataset.say);
      utterance.lang = "nb-NO";
      utterance.voice = norwegianVoice();
      utterance.rate = 0.9 * rate;
      window.speechSynthesis.cancel();
      window.speechSynthesis.speak(utterance);
    }
    function play() {
      if (audio) {
        audio.playbackRate = rate;
        audio.currentTime = 0;
        audio.play();
      } else if (norwegianVoice()) {
        speak();
      }
    }
    function refresh() {
      var usable = !!audio || !!norwegianVoice();
      if (say) say.hidden = !usable;
      if (notice) notice.hidden = usable;
      controls.hidden = !usable;
      box.dataset.listening = usable ? "yes" : "no";
      var form = box.closest("form");
      if (form && !usable && !form.querySelector('input[name="listening"]')) {
        var field = document.createElement("input");
        field.type = "hidden";
        field.name = "listening";
        field.value = "0";
        form.appendChild(field);
      }
    }
    if (say && !box.dataset.ready) say.addEventListener("click", play);
    if (!box.dataset.ready) {
      slow.addEventListener("click", function () {
        rate = rate === 1 ? 0.75 : 1;
        slow.setAttribute("aria-pressed", rate === 1 ? "false" : "true");
        if (audio) audio.playbackRate = rate;
      });
      again.addEventListener("click", play);
    }
    box.dataset.ready = "1";
    refresh();
  }

  function setUpPlayers() {
    var boxes = document.querySelectorAll(".play");
    for (var i = 0; i < boxes.length; i++) setUpPlayer(boxes[i]);
  }
  if ("speechSynthesis" in window) window.speechSynthesis.addEventListener("voiceschanged", setUpPlayers);
  setUpPlayers();
})();
