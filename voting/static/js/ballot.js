// Every delegate page loads this one script (one request on a slow network):
// the ballot (below), then the page following the room (at the end).
//
// Delegate ballot: tap to rank, and a draft kept on the phone until the server
// confirms it. Without this script the same form is a rank select per option.
// Every text shown comes translated from the page's data-* attributes.
(() => {
  "use strict";
  const form = document.getElementById("ballot");
  if (!form || !window.fetch) return;
  const d = form.dataset;
  const $ = (id) => document.getElementById(id);
  const ranked = $("ranked");
  const pool = $("pool");
  const status = $("ballot-status");
  const live = $("ballot-live");
  const sendButton = $("send");
  const retryButton = $("retry");
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const allowTies = d.ties === "1";
  const items = new Map(); // option id → <li>, in the poll's order
  form.querySelectorAll("li.opt").forEach((li) => items.set(+li.dataset.id, li));

  // --- draft storage (localStorage when allowed, memory otherwise) ---------
  let memory = null;
  const store = {
    get() {
      try {
        return JSON.parse(localStorage.getItem(d.draft)) || memory;
      } catch (e) {
        return memory;
      }
    },
    set(draft) {
      memory = draft;
      try {
        localStorage.setItem(d.draft, JSON.stringify(draft));
      } catch (e) {
        /* private mode or full: the draft lives in memory */
      }
    },
    clear() {
      memory = null;
      try {
        localStorage.removeItem(d.draft);
      } catch (e) {
        /* nothing to clear */
      }
    },
  };

  const newKey = () => {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes); // randomUUID needs https; this does not
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  };

  // --- the ranking: tiers of option ids, best first ------------------------
  function readSelects() {
    const byRank = new Map();
    items.forEach((li, id) => {
      const rank = parseInt(li.querySelector("select").value, 10);
      if (rank > 0) byRank.set(rank, [...(byRank.get(rank) || []), id]);
    });
    const tiers = [...byRank.keys()].sort((a, b) => a - b).map((r) => byRank.get(r));
    return allowTies ? tiers : tiers.flat().map((id) => [id]);
  }

  let tiers = readSelects();
  // A ranking carried over from the previous round is not on the server yet.
  const onServer = d.carried === "1" ? null : JSON.stringify(tiers);

  const where = (id) => {
    for (let i = 0; i < tiers.length; i++) {
      const j = tiers[i].indexOf(id);
      if (j >= 0) return [i, j];
    }
    return null;
  };

  function toggle(id) {
    const at = where(id);
    if (at) tiers[at[0]].splice(at[1], 1);
    else tiers.push([id]);
    changed(id);
  }

  function move(id, step) {
    const [i, j] = where(id);
    if (tiers[i].length > 1) {
      // Leave the group of equals, just above or just below it.
      tiers[i].splice(j, 1);
      tiers.splice(step < 0 ? i : i + 1, 0, [id]);
    } else {
      const k = i + step;
      if (k < 0 || k >= tiers.length) return;
      [tiers[i], tiers[k]] = [tiers[k], tiers[i]];
    }
    changed(id);
  }

  function toggleTie(id) {
    const [i, j] = where(id);
    if (j > 0) tiers.splice(i + 1, 0, tiers[i].splice(j));
    else if (i > 0) tiers[i - 1].push(...tiers[i].splice(0, 1));
    changed(id);
  }

  // --- rendering -------------------------------------------------------------
  function render() {
    tiers = tiers.filter((tier) => tier.length);
    // Ranks as the results number them: equals share the rank, marked "=",
    // and the next rank skips (1=, 1=, 3).
    const flat = [];
    let before = 0;
    tiers.forEach((tier) => {
      const label = String(before + 1) + (tier.length > 1 ? "=" : "");
      tier.forEach((id, j) => flat.push([id, before + 1, j > 0, label]));
      before += tier.length;
    });
    flat.forEach(([id, rank, tied, label], k) => {
      const li = items.get(id);
      ranked.appendChild(li);
      li.classList.add("on");
      li.querySelector(".badge").textContent = label;
      li.querySelector(".pick").setAttribute("aria-pressed", "true");
      li.querySelector(".moves").hidden = false;
      li.querySelector('[data-step="-1"]').disabled = k === 0;
      li.querySelector('[data-step="1"]').disabled = k === flat.length - 1;
      const tie = li.querySelector(".tie");
      if (tie) {
        tie.hidden = k === 0;
        tie.setAttribute("aria-pressed", String(tied));
      }
      li.querySelector("select").value = String(rank);
    });
    const isRanked = new Set(flat.map(([id]) => id));
    items.forEach((li, id) => {
      if (isRanked.has(id)) return;
      pool.appendChild(li);
      li.classList.remove("on");
      li.querySelector(".badge").textContent = "";
      li.querySelector(".pick").setAttribute("aria-pressed", "false");
      li.querySelector(".moves").hidden = true;
      li.querySelector("select").value = "";
    });
    $("ranked-empty").hidden = flat.length > 0;
    $("pool-h").hidden = isRanked.size === items.size;
  }

  // The rank label of an option ("3", or "1=" for equals), as render() shows it.
  const rankLabel = (id) => items.get(id).querySelector(".badge").textContent;

  function changed(id) {
    const focused = document.activeElement;
    render();
    // Keep the keyboard on the moved item: ▲ at the top (▼ at the bottom) is
    // disabled now, so its other arrow (or the option itself) takes the focus.
    let target = focused;
    if (target && target.disabled) {
      const li = target.closest("li.opt");
      target = li && [...li.querySelectorAll("button")].find((b) => !b.disabled && !b.hidden &&
        !b.closest("[hidden]"));
    }
    if (target && target !== document.activeElement) {
      target.focus({ preventScroll: true });
      target.scrollIntoView({ block: "nearest" });
    }
    const at = where(id);
    const title = items.get(id).querySelector(".t").textContent;
    live.textContent = at
      ? d.ranked.replace("{t}", title).replace("{r}", rankLabel(id))
      : d.unranked.replace("{t}", title);
    // An edit un-queues: the delegate submits the new ranking themselves.
    clearTimeout(timer);
    retryButton.hidden = true;
    show("");
    store.set({ ranking: tiers, key: null, queued: false });
  }

  function show(message, bad) {
    status.textContent = message;
    status.hidden = !message;
    status.classList.toggle("bad", !!bad);
  }

  // --- submitting ------------------------------------------------------------
  let sending = false;
  let timer = 0;
  let delay = 5000;

  function submit() {
    if (!tiers.length) return show(d.empty, true);
    let draft = store.get();
    if (!draft || !draft.key || JSON.stringify(draft.ranking) !== JSON.stringify(tiers)) {
      // A new ranking gets a new key; a retry of the same one reuses it.
      draft = { ranking: tiers, key: newKey() };
    }
    draft.queued = true;
    store.set(draft);
    delay = 5000;
    send(draft);
  }

  function retry() {
    const draft = store.get();
    if (draft && draft.queued) send(draft);
  }

  function failed(message) {
    sending = false;
    sendButton.disabled = false;
    retryButton.hidden = false;
    show(message, true);
    clearTimeout(timer);
    timer = setTimeout(retry, delay);
    delay = Math.min(delay * 2, 60000);
  }

  async function send(draft) {
    if (sending) return;
    sending = true;
    form.dataset.sending = "1"; // the room follower (below) does not reload meanwhile
    clearTimeout(timer);
    sendButton.disabled = true;
    retryButton.hidden = true;
    show(d.sending);
    let response;
    const abort = new AbortController();
    const watchdog = setTimeout(() => abort.abort(), 15000);
    try {
      response = await fetch(d.api, {
        method: "POST",
        credentials: "same-origin",
        cache: "no-store",
        signal: abort.signal,
        headers: {
          "Content-Type": "application/json",
          Accept: "application/json",
          "X-CSRFToken": csrf,
          "Idempotency-Key": draft.key,
        },
        body: JSON.stringify({ ranking: draft.ranking }),
      });
    } catch (e) {
      return failed(navigator.onLine === false ? d.offline : d.failed);
    } finally {
      clearTimeout(watchdog);
      delete form.dataset.sending;
    }
    if (response.ok) {
      // Committed: only now the receipt, read back from the server.
      store.clear();
      window.location.assign(d.receipt);
      return;
    }
    let message = "";
    try {
      message = (await response.json()).message;
    } catch (e) {
      /* not JSON: a proxy or a server in trouble */
    }
    if (!message || response.status >= 500 || response.status === 429) {
      return failed(d.failed);
    }
    // The server refused this ranking: keep it to edit, nothing is queued.
    sending = false;
    sendButton.disabled = response.status === 409; // the round is not open
    if (response.status === 409) store.clear();
    else store.set({ ranking: draft.ranking, key: null, queued: false });
    show(message, true);
  }

  // --- start ------------------------------------------------------------------
  form.classList.add("js");
  form.querySelectorAll(".js-only").forEach((el) => (el.hidden = false));
  form.querySelectorAll(".nojs-only").forEach((el) => (el.hidden = true));
  ranked.hidden = false;
  items.forEach((li, id) => {
    const label = li.querySelector("label.pick");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "pick";
    while (label.firstChild) button.appendChild(label.firstChild);
    label.replaceWith(button);
    button.addEventListener("click", () => toggle(id));
    li.querySelectorAll("[data-step]").forEach((b) =>
      b.addEventListener("click", () => move(id, +b.dataset.step)),
    );
    const tie = li.querySelector(".tie");
    if (tie) tie.addEventListener("click", () => toggleTie(id));
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submit();
  });
  retryButton.addEventListener("click", () => {
    delay = 5000;
    retry();
  });
  window.addEventListener("online", retry);

  const draft = store.get();
  if (draft && Array.isArray(draft.ranking)) {
    const kept = draft.ranking
      .map((tier) => (Array.isArray(tier) ? tier.filter((id) => items.has(id)) : []))
      .filter((tier) => tier.length);
    if (JSON.stringify(kept) === onServer) {
      store.clear(); // the server has it already
    } else if (kept.length) {
      tiers = kept;
      render();
      show(d.restored);
      if (draft.queued) send({ ...draft, ranking: kept });
    }
  }
  render();
})();

// Delegate pages follow the room: poll /vote/state with If-None-Match (a few
// bytes, every few seconds); when a round or a consent check opens or closes
// the page reloads and shows it. A page where the delegate is typing (a
// consent reason) or sending a ballot is not reloaded under them: a notice
// with a button appears instead. The ballot draft survives a reload.
(() => {
  "use strict";
  const meta = document.querySelector('meta[name="room-state"]');
  if (!meta || !window.fetch) return;
  const url = meta.content;
  const etag = meta.dataset.etag;
  const interval = parseInt(meta.dataset.interval, 10) || 5000;
  let typed = false;
  document.addEventListener("input", (event) => {
    if (event.target.matches("textarea, input[type=text]")) typed = true;
  });

  function notice() {
    if (document.getElementById("room-changed")) return;
    const box = document.createElement("p");
    box.id = "room-changed";
    box.className = "flash flash-warn";
    box.setAttribute("role", "status");
    box.textContent = meta.dataset.changed + " ";
    const button = document.createElement("button");
    button.type = "button";
    button.className = "button";
    button.textContent = meta.dataset.reload;
    button.addEventListener("click", () => window.location.reload());
    box.appendChild(button);
    const main = document.getElementById("main");
    main.insertBefore(box, main.firstChild);
  }

  function changed() {
    const form = document.getElementById("ballot");
    if (typed || (form && form.dataset.sending === "1")) return notice();
    window.location.reload();
  }

  // Asked as JSON: an answer for a session that has ended is then a short
  // JSON 401 that leaves the cookie alone, not an error page whose form token
  // would write a new session over a sign-in made meanwhile in the same browser.
  function tick() {
    const headers = { "If-None-Match": '"' + etag + '"', Accept: "application/json" };
    fetch(url, { headers: headers, cache: "no-store", credentials: "same-origin" })
      .then((response) => {
        const tag = (response.headers.get("ETag") || "").replace(/^W\//, "").replace(/"/g, "");
        if (response.status === 204 && tag && tag !== etag) return changed();
        // 304: nothing changed; 401: the session ended (the next page says so).
        if (response.status === 304) setTimeout(tick, interval);
      })
      .catch(() => setTimeout(tick, interval * 2));
  }
  setTimeout(tick, interval + Math.random() * 1000);
})();
