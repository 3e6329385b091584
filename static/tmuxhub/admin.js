// tmuxhub's admin pages: confirmations for buttons that cannot be undone, and the live pane view.
// Every page works without this file: forms still post, the pane page reloads itself instead.
(function () {
  "use strict";

  // An action's outcome takes the focus: the keyboard (and a screen reader) continue from it.
  const outcome = document.getElementById("hub-messages");
  if (outcome) outcome.focus();

  // A button that cannot do its job (aria-disabled: Submit without ABUSEIPDB_KEY) points at the note
  // that says why, instead of asking a question whose answer could only fail.
  document.addEventListener("click", function (event) {
    const button = event.target.closest && event.target.closest("button[aria-disabled=true]");
    if (!button) return;
    event.preventDefault();
    const note = document.getElementById(button.getAttribute("aria-describedby"));
    if (note) note.focus();
  });

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
      const cannot = option && document.querySelector("[data-refuses-action='" + option.value + "']");
      if (cannot) { // nothing to confirm: say why it cannot run (the server would refuse it too)
        event.preventDefault();
        event.stopImmediatePropagation();
        cannot.hidden = false;
        cannot.focus();
        return;
      }
      if (option && IRREVERSIBLE.includes(option.value) && !window.confirm(option.text + ": " + count + " selected?")) {
        event.preventDefault();
        event.stopImmediatePropagation();
      }
    });
  }

  // On a phone the filters come before the list (admin.css): folded, except one in use, so the list
  // follows them in the first screens.
  if (window.matchMedia("(max-width: 767px)").matches) {
    document.querySelectorAll("#changelist-filter details").forEach(function (filter) {
      if (filter.querySelector("li.selected") === filter.querySelector("li")) filter.open = false;
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
  // instead, per pane (remembered in this browser): a shell's long lines read better wrapped, while
  // wrapping scrambles a boxed screen like Claude Code's.
  const wrap = document.getElementById("pane-wrap");
  const wrapKey = "tmuxhub.pane-wrap:" + view.dataset.name;
  function setWrap(on) {
    view.classList.toggle("hub-terminal-wrap", on);
    wrap.setAttribute("aria-pressed", String(on));
  }
  wrap.hidden = false;
  setWrap(localStorage.getItem(wrapKey) === "1");
  wrap.addEventListener("click", function () {
    const on = wrap.getAttribute("aria-pressed") !== "true";
    localStorage.setItem(wrapKey, on ? "1" : "0");
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
        // Server-rendered: every character of the pane is HTML-escaped there (tmuxhub/lib/ansi.py).
        view.innerHTML = body.html;
        digest = body.digest;
        follow(body.one_screen, bottom);
        wait = every;
      }
      // The hub's clock, as the page's "as of" was: not this browser's time zone.
      show("live · " + body.at, false);
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
  show(status.textContent.replace("as of", "live ·"), false); // the hub's clock, as each poll gives it
  schedule();
})();
