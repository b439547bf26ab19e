// Projector: a fixed 1920×1080 canvas scaled to the window; the live
// fragment polled with If-None-Match and swapped in when it changed; the
// presenter's keys (listed by "?") and, for the facilitator who runs the
// poll, the round controls with a confirmation.
(function () {
  "use strict";
  var W = 1920, H = 1080;
  var stage = document.getElementById("stage");
  var box = document.getElementById("live");
  if (!stage || !box) return;
  var status = document.getElementById("display-status");
  var toast = document.getElementById("toast");
  var help = document.getElementById("help");
  var confirmBox = document.getElementById("confirm");
  var texts = document.getElementById("texts").dataset;
  var etag = box.dataset.etag;
  var interval = parseInt(box.dataset.interval, 10) || 2000;
  var storeKey = "prioriza-view:" + location.pathname;
  var state = null, chosen = null, toastTimer = null, timer = null;

  // ---- the canvas --------------------------------------------------------
  function scale() {
    var s = Math.min(window.innerWidth / W, window.innerHeight / H);
    var x = (window.innerWidth - W * s) / 2, y = (window.innerHeight - H * s) / 2;
    stage.style.transform = "translate(" + x + "px," + y + "px) scale(" + s + ")";
  }
  window.addEventListener("resize", scale);

  // ---- views -------------------------------------------------------------
  function grid() { return box.querySelector("[data-views]"); }
  function available() {
    var g = grid();
    var views = g ? g.dataset.views.split(" ") : [];
    if (awaitingCue()) views = views.filter(function (v) { return v !== "matrix" && v !== "agreement"; });
    return views;
  }
  function revealKey() { return "prioriza-revealed:" + grid().dataset.round; }
  function awaitingCue() {
    var g = grid();
    return !!g && g.dataset.cue === "1" && sessionStorage.getItem(revealKey()) !== "1";
  }
  function show(view) {
    stage.dataset.view = view;
    stage.classList.toggle("awaiting-cue", awaitingCue());
    fit();
  }
  function saved() {
    try { return JSON.parse(sessionStorage.getItem(storeKey) || "null"); } catch (e) { return null; }
  }
  function remember() {
    sessionStorage.setItem(storeKey, JSON.stringify({ state: state, view: chosen }));
  }
  // After every swap: keep the presenter's choice while the round is in the
  // same state; a new state (opened, closed, consent check) starts afresh.
  function settle() {
    var g = grid();
    if (!g) return;
    document.body.className = document.body.className.replace(/theme-\w+/, "theme-" + g.dataset.theme);
    if (state === null) {
      var last = saved();
      if (last && last.state === g.dataset.state) chosen = last.view;
    } else if (state !== g.dataset.state) {
      chosen = null;
    }
    state = g.dataset.state;
    var views = available();
    var view = chosen && views.indexOf(chosen) >= 0 ? chosen : g.dataset.start;
    if (views.indexOf(view) < 0) view = views[0] || "results";
    show(view);
    remember();
  }
  function go(view) {
    var views = available();
    if (view === "results" && awaitingCue()) {
      sessionStorage.setItem(revealKey(), "1");
      stage.classList.add("revealing");
      setTimeout(function () { stage.classList.remove("revealing"); }, 900);
      views = available();
    }
    if (views.indexOf(view) < 0) {
      var g = grid();
      say(view === "results" && g && g.dataset.hiddenReason ? g.dataset.hiddenReason : texts.unavailable);
      return;
    }
    chosen = view;
    show(view);
    remember();
  }
  function step(delta) {
    var views = available();
    var i = views.indexOf(stage.dataset.view);
    if (views.length) go(views[(i + delta + views.length) % views.length]);
  }
  function say(text) {
    toast.textContent = text;
    toast.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { toast.hidden = true; }, 3000);
  }

  // Past 12 options or 20 delegations a view may still overflow: condense it
  // step by step (tighter rows, no second-language line, two columns).
  function fit() {
    var steps = ["fit-1", "fit-2", "fit-3"];
    steps.forEach(function (cls) { stage.classList.remove(cls); });
    steps.forEach(function (cls) {
      if (overflows()) stage.classList.add(cls);
    });
  }
  function overflows() {
    var panels = box.querySelectorAll(".side, .main-col, .view, .consent-panel, .turnout");
    for (var i = 0; i < panels.length; i++) {
      var p = panels[i];
      if (p.offsetParent !== null && p.scrollHeight > p.clientHeight + 1) return true;
    }
    return false;
  }

  // ---- keys --------------------------------------------------------------
  var KEYS = { j: "join", r: "results", m: "matrix", a: "agreement", c: "consent" };
  function typing(target) {
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }
  function fullscreen() {
    var doc = document.documentElement;
    if (document.fullscreenElement) return document.exitFullscreen();
    if (!doc.requestFullscreen) return say(texts.fullscreen);
    doc.requestFullscreen().catch(function () { say(texts.fullscreen); });
  }
  document.addEventListener("keydown", function (event) {
    if (typing(event.target) || event.ctrlKey || event.metaKey || event.altKey) return;
    if (!confirmBox.hidden) {
      if (event.key === "Escape") answer(false);
      return;
    }
    var key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
    if (key === "?") help.hidden = !help.hidden;
    else if (key === "Escape") help.hidden = true;
    else if (key === "f") fullscreen();
    else if (KEYS[key]) go(KEYS[key]);
    else if (key === "ArrowRight" || key === "PageDown") step(1);
    else if (key === "ArrowLeft" || key === "PageUp") step(-1);
    else return;
    event.preventDefault();
  });

  // ---- round controls (signed-in facilitator only) -----------------------
  var pending = null;
  box.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.dataset.confirm) return;
    event.preventDefault();
    pending = form;
    document.getElementById("confirm-text").textContent = form.dataset.confirm;
    confirmBox.hidden = false;
    confirmBox.querySelector("[data-answer=no]").focus();
  });
  function answer(yes) {
    var form = pending;
    confirmBox.hidden = true;
    pending = null;
    if (!yes || !form) return;
    fetch(form.action, { method: "POST", body: new FormData(form), redirect: "manual", credentials: "same-origin" })
      .then(function (response) {
        // The console answers a done action with a redirect to itself.
        if (response.type !== "opaqueredirect" && !response.ok) say(texts.unavailable);
      })
      .catch(function () { status.textContent = box.dataset.offline; })
      .then(function () { clearTimeout(timer); refresh(); });
  }
  confirmBox.addEventListener("click", function (event) {
    var button = event.target.closest("[data-answer]");
    if (button) answer(button.dataset.answer === "yes");
  });

  // ---- polling -----------------------------------------------------------
  function refresh() {
    fetch(box.dataset.url, { headers: { "If-None-Match": '"' + etag + '"' }, cache: "no-store" })
      .then(function (response) {
        status.textContent = "";
        if (response.status === 200) {
          etag = (response.headers.get("ETag") || "").replace(/^W\//, "").replace(/"/g, "");
          return response.text().then(function (html) { box.innerHTML = html; settle(); });
        }
      })
      .catch(function () { status.textContent = box.dataset.offline; })
      .then(function () { timer = setTimeout(refresh, interval); });
  }
  scale();
  settle();
  timer = setTimeout(refresh, interval);
})();
