// The terminal view's script. It runs in the same inline module as the ext-apps library, after it:
// `extApps` holds what the view takes from it (bridge/app_view.py). The pane's screen arrives as HTML
// the hub escaped (tmuxhub/lib/ansi.py); everything else the view shows is set as text, never as markup.
{
  const { App, PostMessageTransport, applyDocumentTheme, applyHostStyleVariables } = extApps;
  const $ = (id) => document.getElementById(id);
  const WAIT = 15; // seconds the hub holds a look open until the pane changes
  const RETRY = 2000; // milliseconds before trying again after a failed look
  // At most one look a second: a busy pane (Claude Code's spinner redraws ten times a second) would
  // otherwise cost a call, an audit row and a share of the token's rate limit for every redraw. A
  // pending look still answers at once when a quiet pane prints.
  const GAP = 1000;
  const LABELS = {
    idle: "Idle",
    draft: "Unsent text",
    working: "Working",
    dialog: "Needs you",
    menu: "Menu open",
    terminal: "Terminal",
    closed: "Closed",
  };

  const app = new App({ name: "tmuxhub-terminal", version: "1.0.0" }, {});
  let pane = "";
  let shown = null; // the last screen drawn (pane_view's structured result)
  let inView = true;
  let stopped = false;
  let running = false;
  let controller = null;
  let lastLook = 0;

  const sleep = (ms) => new Promise((done) => setTimeout(done, ms));
  const textOf = (result) => (result.content || []).filter((c) => c.type === "text").map((c) => c.text).join("\n");
  const note = (text) => { $("note").textContent = text || ""; };
  const visible = () => !stopped && inView && document.visibilityState !== "hidden";

  function applyContext(context) {
    if (!context) return;
    if (context.theme) applyDocumentTheme(context.theme);
    if (context.styles && context.styles.variables) applyHostStyleVariables(context.styles.variables);
    const insets = context.safeAreaInsets;
    if (insets) {
      for (const side of ["top", "right", "bottom", "left"]) {
        document.documentElement.style.setProperty(`--inset-${side}`, `${Math.max(0, Number(insets[side]) || 0)}px`);
      }
    }
  }

  function setState(state, label) {
    const badge = $("state");
    badge.dataset.state = state;
    badge.textContent = label;
  }

  function showDialog(agent, canAnswer) {
    const dialog = agent && agent.state === "dialog" ? agent.dialog : null;
    $("dialog").hidden = !dialog;
    const options = $("options");
    options.replaceChildren();
    if (!dialog) return;
    $("question").textContent = dialog.question || dialog.title || "Claude Code asks:";
    if (!canAnswer) {
      // A readonly person sees the choices, without buttons the hub would refuse.
      const list = document.createElement("ol");
      for (const option of dialog.options) {
        const item = document.createElement("li");
        item.value = option.number;
        item.textContent = option.label;
        list.append(item);
      }
      options.append(list);
      note("Read-only access: answer in the conversation.");
      return;
    }
    dialog.options.forEach((option, index) => {
      const button = document.createElement("button");
      button.type = "button";
      button.className = index === 0 ? "first" : "";
      button.textContent = `${option.number}. ${option.label}`;
      button.addEventListener("click", () => answer(option));
      options.append(button);
    });
  }

  function render(screen) {
    const first = !shown || shown.pane !== screen.pane;
    const term = $("screen");
    shown = screen;
    term.classList.toggle("closed", screen.closed);
    if (screen.closed) {
      term.textContent = screen.message;
      setState("closed", LABELS.closed);
      $("dialog").hidden = true;
      $("prompt").hidden = true;
      return;
    }
    const following = term.scrollTop + term.clientHeight >= term.scrollHeight - 8;
    term.innerHTML = screen.html; // escaped by the hub: text, and <span class> for colours only
    if (screen.one_screen) {
      if (first) term.scrollTop = 0; // a full-screen program: from its top
    } else if (first || following) {
      term.scrollTop = term.scrollHeight; // a shell: follow the newest line, unless scrolled back
    }
    const agent = screen.agent;
    const state = agent ? agent.state : "terminal";
    let label = LABELS[state] || state;
    if (state === "working" && agent.status) label = `${label}: ${agent.status}`;
    setState(state, label);
    showDialog(agent, screen.can_answer);
    $("prompt").hidden = !screen.can_prompt || state === "dialog" || state === "menu";
  }

  async function loop() {
    if (running) return;
    running = true;
    document.documentElement.dataset.live = "on"; // for whoever inspects the view: it is looking
    try {
      while (pane && visible() && !(shown && shown.closed && shown.pane === pane)) {
        await sleep(lastLook + GAP - Date.now());
        if (!pane || !visible()) break;
        lastLook = Date.now();
        const target = pane;
        const args = shown && shown.pane === target ? { pane: target, since: shown.digest, wait: WAIT } : { pane: target };
        controller = new AbortController();
        try {
          const result = await app.callServerTool({ name: "pane_view", arguments: args }, { signal: controller.signal });
          if (target !== pane) continue;
          if (result.isError) {
            note(textOf(result)); // refused or invalid: asking again would get the same answer
            setState("closed", "Not shown");
            break;
          }
          render(result.structuredContent);
        } catch (error) {
          if (controller.signal.aborted) break;
          note(`The hub did not answer (${error.message}); trying again.`);
          await sleep(RETRY);
        }
      }
    } finally {
      running = false;
      controller = null;
      document.documentElement.dataset.live = "off";
    }
  }

  function resume() {
    if (visible()) loop();
  }

  function pause() {
    if (controller) controller.abort();
  }

  async function call(name, args) {
    try {
      const result = await app.callServerTool({ name, arguments: args });
      return { ok: !result.isError, text: textOf(result), data: result.structuredContent || {} };
    } catch (error) {
      return { ok: false, text: `The hub did not answer: ${error.message}` };
    }
  }

  async function answer(option) {
    for (const button of $("options").querySelectorAll("button")) button.disabled = true;
    note(`Answering ${option.number}. ${option.label}`);
    const outcome = await call("answer_dialog", { pane, option: String(option.number) });
    note(outcome.ok ? outcome.data.detail || outcome.text : outcome.text);
    resume();
  }

  // A button, not a form: hosts sandbox views without `allow-forms`, which blocks form submission.
  async function send() {
    const box = $("text");
    if (!box.value.trim() || $("send").disabled) return;
    $("send").disabled = true;
    const outcome = await call("tmux_send_prompt", { pane, text: box.value });
    $("send").disabled = false;
    if (outcome.ok) box.value = "";
    note(outcome.ok ? outcome.data.detail || "Sent." : outcome.text);
    resume();
  }
  $("send").addEventListener("click", send);
  $("text").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) send();
  });

  $("wrap").addEventListener("click", () => {
    const wrapped = $("screen").classList.toggle("wrap");
    $("wrap").setAttribute("aria-pressed", String(wrapped));
  });

  function follow(target) {
    if (typeof target !== "string" || !target || target === pane) return;
    pane = target;
    $("pane").textContent = target;
    pause();
    resume();
  }

  // Looks only while the view can be seen: the host hid it, the tab is in the background, or the
  // person scrolled the conversation past it, and the pending look is dropped and no new one starts.
  document.addEventListener("visibilitychange", () => (visible() ? resume() : pause()));
  new IntersectionObserver((entries) => {
    inView = entries.some((entry) => entry.isIntersecting);
    if (visible()) resume();
    else pause();
  }).observe($("screen"));

  app.ontoolinput = (params) => follow(params.arguments && params.arguments.pane);
  app.ontoolresult = (result) => follow(result.structuredContent && result.structuredContent.pane);
  app.onhostcontextchanged = applyContext;
  app.onteardown = async () => {
    stopped = true;
    pause();
    return {};
  };

  await app.connect(new PostMessageTransport(window.parent, window.parent));
  applyContext(app.getHostContext());
}
