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

// Live console: the page polls its live URL with If-None-Match (as the
// projector does); on a change the answer is the page itself, and every
// region marked data-live="name" is replaced by the one of the same name.
// A region where the facilitator is typing (focus inside, or a field edited)
// is left alone. Without JavaScript the page refreshes itself (<noscript>).
(function () {
  "use strict";
  var root = document.querySelector("[data-live-url]");
  if (!root || !window.fetch || !window.DOMParser) return;
  var url = root.getAttribute("data-live-url");
  var interval = parseInt(root.getAttribute("data-live-interval"), 10) || 2000;
  var etag = null;

  document.addEventListener("input", function (event) {
    var region = event.target.closest && event.target.closest("[data-live]");
    if (region) region.setAttribute("data-edited", "");
  });

  function busy(region) {
    var focus = document.activeElement;
    var typing = focus && focus !== document.body && region.contains(focus) &&
      /^(INPUT|TEXTAREA|SELECT)$/.test(focus.tagName);
    return typing || region.hasAttribute("data-edited");
  }

  function swap(html) {
    var fresh = new DOMParser().parseFromString(html, "text/html");
    document.querySelectorAll("[data-live]").forEach(function (region) {
      var next = fresh.querySelector('[data-live="' + region.getAttribute("data-live") + '"]');
      if (!next || busy(region) || region.innerHTML === next.innerHTML) return;
      var focused = document.activeElement && region.contains(document.activeElement) &&
        document.activeElement.id;
      region.innerHTML = next.innerHTML;
      if (focused && document.getElementById(focused)) document.getElementById(focused).focus();
    });
  }

  function refresh() {
    var headers = {};
    if (etag) headers["If-None-Match"] = '"' + etag + '"';
    fetch(url, { headers: headers, cache: "no-store", credentials: "same-origin" })
      .then(function (response) {
        if (response.status !== 200) return;
        etag = (response.headers.get("ETag") || "").replace(/^W\//, "").replace(/"/g, "");
        return response.text().then(swap);
      })
      .catch(function () { /* offline: the next poll tries again */ })
      .then(function () { setTimeout(refresh, interval); });
  }
  setTimeout(refresh, interval);
})();
