// Live, read-only view of one tmux pane: poll the capture endpoint and show its text.
(function () {
  "use strict";
  const view = document.getElementById("pane-text");
  if (!view) return;
  const status = document.getElementById("pane-status");
  const url = view.dataset.url;
  const every = Number(view.dataset.pollMs) || 1000;
  let failures = 0;

  async function poll() {
    if (!document.hidden) {
      try {
        const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
        const body = await response.json();
        if (!response.ok) throw new Error(body.error || response.statusText);
        const atBottom = view.scrollTop + view.clientHeight >= view.scrollHeight - 4;
        const text = body.lines.join("\n");
        if (view.textContent !== text) view.textContent = text;
        if (atBottom) view.scrollTop = view.scrollHeight;
        status.textContent = "updated " + new Date().toLocaleTimeString();
        status.classList.remove("hub-error");
        failures = 0;
      } catch (error) {
        failures += 1;
        status.textContent = String(error.message || error);
        status.classList.add("hub-error");
      }
    }
    // Back off while the pane or the hub is gone, up to 30 s between tries.
    setTimeout(poll, Math.min(every * 2 ** failures, 30000));
  }
  poll();
})();
