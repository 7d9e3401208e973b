// dxmig operator console: the live view. Redraws "running now" from the server's event stream (no HTML from the
// server is inserted: every value is set as text). Without this script the page still shows the state when loaded.
"use strict";
(function () {
  const live = document.getElementById("live");
  if (!live || !window.EventSource) { return; }
  const number = (n) => Number(n || 0).toLocaleString("en-US");
  const bytes = (b) => {
    b = Number(b || 0);
    if (b < 1024) { return b + " B"; }
    if (b < 1048576) { return (b / 1024).toFixed(1) + " KB"; }
    if (b < 1073741824) { return (b / 1048576).toFixed(1) + " MB"; }
    return (b / 1073741824).toFixed(2) + " GB";
  };
  const span = (text) => { const s = document.createElement("span"); s.textContent = text; return s; };
  // A .NET TimeSpan as JSON: "[d.]hh:mm:ss[.fffffff]".
  const eta = (t) => {
    if (!t) { return "—"; }
    const m = /^(?:(\d+)\.)?(\d+):(\d+):(\d+)/.exec(t);
    if (!m) { return t; }
    const hours = Number(m[1] || 0) * 24 + Number(m[2]);
    return String(hours).padStart(2, "0") + ":" + m[3] + ":" + m[4];
  };
  function draw(snapshot) {
    const runs = snapshot.runs || [];
    const fresh = document.createDocumentFragment();
    if (runs.length === 0) {
      const p = document.createElement("p");
      p.className = "empty"; p.id = "live-none";
      p.textContent = "実行中のジョブはありません / nothing is running";
      fresh.appendChild(p);
    }
    for (const run of runs) {
      const box = document.createElement("div");
      box.className = "run"; box.dataset.job = run.job;
      const h = document.createElement("h3");
      h.textContent = run.job + " ";
      const facts = span("ノード / node " + run.node + "・アカウント / accounts " + number(run.accountsDone) + "/" + number(run.accounts) + "・");
      facts.className = "small";
      const items = span(number(run.items)); items.className = "live-items";
      facts.appendChild(items);
      facts.appendChild(document.createTextNode(" 件 / items・" + bytes(run.bytes) + "・" + bytes(run.bytesPerSecond) + "/s" +
        (run.remaining ? "・残り約 / about " + eta(run.remaining) + " left" : "")));
      h.appendChild(facts);
      box.appendChild(h);
      const wrap = document.createElement("div"); wrap.className = "scroll";
      const table = document.createElement("table"); table.id = "live-" + run.job;
      const head = table.createTHead().insertRow();
      for (const title of ["アカウント / Account", "件数 / Items", "容量 / Bytes", "速度 / Rate", "残り / ETA", "状態 / State"]) {
        const th = document.createElement("th"); th.textContent = title; head.appendChild(th);
      }
      const body = table.createTBody();
      for (const p of run.progress || []) {
        const row = body.insertRow();
        for (const value of [p.account, number(p.items), bytes(p.bytes), bytes(p.bytesPerSecond) + "/s", eta(p.remaining), p.finished ? p.outcome : "実行中 / running"]) {
          row.insertCell().textContent = value;
        }
      }
      wrap.appendChild(table);
      box.appendChild(wrap);
      fresh.appendChild(box);
    }
    live.replaceChildren(fresh);
    live.dataset.updated = snapshot.atUtc;
  }
  const source = new EventSource(live.dataset.live);
  source.addEventListener("progress", (e) => { try { draw(JSON.parse(e.data)); } catch (err) { console.warn("live view", err); } });
})();
