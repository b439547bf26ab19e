// Facilitator console: "select all / none" for the badge sheet. Without
// JavaScript the boxes are ticked one by one and the button stays hidden.
(function () {
  "use strict";
  document.querySelectorAll("[data-select-all]").forEach(function (button) {
    var boxes = document.querySelectorAll(button.getAttribute("data-select-all"));
    button.hidden = false;
    button.addEventListener("click", function () {
      var tick = Array.prototype.some.call(boxes, function (box) { return !box.checked; });
      boxes.forEach(function (box) { box.checked = tick; });
    });
  });
})();
