// Projector: poll the live fragment with If-None-Match; swap it in when it changed.
(function () {
  "use strict";
  var box = document.getElementById("live");
  var status = document.getElementById("display-status");
  if (!box) return;
  var etag = box.dataset.etag;
  var interval = parseInt(box.dataset.interval, 10) || 2000;

  function refresh() {
    fetch(box.dataset.url, { headers: { "If-None-Match": '"' + etag + '"' }, cache: "no-store" })
      .then(function (response) {
        status.textContent = "";
        if (response.status === 200) {
          etag = (response.headers.get("ETag") || "").replace(/^W\//, "").replace(/"/g, "");
          return response.text().then(function (html) { box.innerHTML = html; });
        }
      })
      .catch(function () { status.textContent = box.dataset.offline; })
      .then(function () { setTimeout(refresh, interval); });
  }
  setTimeout(refresh, interval);
})();
