/* Norskvei: a "Copy" button beside every read-only text field marked data-copy. Without
   JavaScript the field is still there to select and copy by hand; the button is added here
   only, so it never shows where it could not work. */
(function () {
  "use strict";
  var fields = document.querySelectorAll("input[data-copy]");
  Array.prototype.forEach.call(fields, function (field) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button secondary copy-button";
    button.textContent = field.getAttribute("data-copy");
    var status = document.getElementById(field.getAttribute("data-copy-status"));
    field.addEventListener("focus", function () { field.select(); });
    button.addEventListener("click", function () {
      field.focus();
      field.select();
      var done = function () {
        if (status) status.textContent = field.getAttribute("data-copied");
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(done, function () {
          if (document.execCommand("copy")) done();
        });
      } else if (document.execCommand("copy")) {
        done();
      }
    });
    field.parentNode.insertBefore(button, field.nextSibling);
  });
})();
