/* Norskvei recordings: record with the microphone (MediaRecorder) into a form's file input
   (play.js plays lesson texts).
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
})();
