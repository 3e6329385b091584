// tmuxhub's admin pages: confirmations for buttons that cannot be undone, and the live pane view.
// Every page works without this file: forms still post, the pane page reloads itself instead.
(function () {
  "use strict";

  // <button data-confirm="Revoke …?">: ask first; a "Cancel" keeps the form from posting.
  document.addEventListener("submit", function (event) {
    const button = event.submitter || event.target.querySelector("[data-confirm]");
    const question = button && button.dataset.confirm;
    if (question && !window.confirm(question)) event.preventDefault();
  });

  // The change lists' bulk actions that cannot be undone ask too (actions are named in the admins).
  const IRREVERSIBLE = ["submit_reports", "allow_list", "revoke_tokens", "revoke_all_tokens"];
  const changelist = document.getElementById("changelist-form");
  if (changelist) {
    changelist.addEventListener("submit", function (event) {
      const select = changelist.querySelector("select[name=action]");
      const option = select && select.selectedOptions[0];
      const count = changelist.querySelectorAll("input.action-select:checked").length;
      if (option && IRREVERSIBLE.includes(option.value) && !window.confirm(option.text + ": " + count + " selected?")) {
        event.preventDefault();
        event.stopImmediatePropagation();
      }
    });
  }

  const view = document.getElementById("pane-text");
  if (!view) return;
  const status = document.getElementById("pane-status");
  const list = document.getElementById("pane-list");
  const every = Number(view.dataset.pollMs) || 2000;
  const slowest = Number(view.dataset.idleMs) || 10000;
  let digest = view.dataset.digest || "";
  let wait = every;
  let failures = 0;
  let timer = null;

  // Long lines scroll sideways inside the box, as the pane lays them out; the reader may wrap them
  // instead (remembered in this browser).
  const wrap = document.getElementById("pane-wrap");
  function setWrap(on) {
    view.classList.toggle("hub-terminal-wrap", on);
    wrap.setAttribute("aria-pressed", String(on));
  }
  wrap.hidden = false;
  setWrap(localStorage.getItem("tmuxhub.pane-wrap") === "1");
  wrap.addEventListener("click", function () {
    const on = wrap.getAttribute("aria-pressed") !== "true";
    localStorage.setItem("tmuxhub.pane-wrap", on ? "1" : "0");
    setWrap(on);
  });

  // A shell's newest lines are at the bottom: follow them while the reader is there. A full-screen
  // program (top, an editor) is one screen: keep the reader's position, its top first.
  function follow(oneScreen, wasAtBottom) {
    view.classList.toggle("hub-terminal-screen", oneScreen);
    if (!oneScreen && wasAtBottom) view.scrollTop = view.scrollHeight;
  }

  function atBottom() {
    return view.scrollTop + view.clientHeight >= view.scrollHeight - 4;
  }

  function show(text, isError) {
    status.textContent = text;
    status.classList.toggle("hub-error", isError);
  }

  async function poll() {
    timer = null;
    const url = view.dataset.url + "&since=" + encodeURIComponent(digest);
    try {
      const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
      const body = await response.json();
      if (body.panes_html !== undefined && list) list.innerHTML = body.panes_html;
      if (body.closed) throw new Error(view.dataset.name + " is closed: its program ended or it was killed. Pick another pane.");
      if (!response.ok) throw new Error(body.error || response.statusText);
      failures = 0;
      if (body.digest === digest) {
        wait = Math.min(wait * 1.5, slowest); // nothing moved: look less often
      } else {
        const bottom = atBottom();
        // Server-rendered: every character of the pane is HTML-escaped there (tmuxhub/ansi.py).
        view.innerHTML = body.html;
        digest = body.digest;
        follow(body.one_screen, bottom);
        wait = every;
      }
      show("live · " + new Date().toLocaleTimeString(), false);
    } catch (error) {
      failures += 1;
      wait = Math.min(every * 2 ** failures, 30000); // the pane or the hub is gone: back off
      show(String(error.message || error), true);
    }
    schedule();
  }

  function schedule() {
    if (!document.hidden && timer === null) timer = setTimeout(poll, wait);
  }

  // A hidden tab asks nothing; coming back shows the pane at once.
  document.addEventListener("visibilitychange", function () {
    if (document.hidden) {
      clearTimeout(timer);
      timer = null;
    } else {
      wait = every;
      clearTimeout(timer);
      timer = setTimeout(poll, 0);
    }
  });

  follow(view.classList.contains("hub-terminal-screen"), true);
  if (view.classList.contains("hub-terminal-screen")) view.scrollTop = 0;
  show("live", false);
  schedule();
})();
