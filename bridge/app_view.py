"""The terminal view: an MCP App (SEP-1865) that shows a pane live inside the conversation.

Hosts that render MCP Apps (Claude, ChatGPT, VS Code, Goose...) see `_meta.ui.resourceUri` on the tools
that show a pane (capture_pane, agent_state, ask), read the `ui://` resource below and render it in a
sandboxed iframe. The view then follows the pane through the app-only tool `pane_view`
(`bridge/tools/view.py`), answers Claude Code's dialogs with `answer_dialog` and sends prompts with
`tmux_send_prompt`: each call the host makes for it carries the person's token, so it is tier-checked
and audited like a model's. Hosts without MCP Apps ignore `_meta` and get the same results as before.

The resource is one HTML document that loads nothing: its style, the view's script (`bridge/view/`)
and the official view library, `@modelcontextprotocol/ext-apps`'s `app-with-deps` build (pinned, its
SHA-256 checked), are all inlined, and `_meta.ui.csp` names no origin, so the host allows none.

The library is 540 KB of minified third-party code, so it is not committed: `install()` (run by
`make run`, `make test` and `tmuxhub manage install_terminal_view`) puts it in the cache with npm, and
`TMUXHUB_VIEW_SCRIPT` points elsewhere (the Docker image copies it in at build time).
"""

from __future__ import annotations

import functools
import hashlib
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from mcp.server.mcpserver.exceptions import ResourceError

from tmuxhub.lib import npm

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer

URI = "ui://tmuxhub/terminal.html"
MIME_TYPE = "text/html;profile=mcp-app"
PACKAGE = "@modelcontextprotocol/ext-apps"
VERSION = "2.0.4"
# sha256 of dist/src/app-with-deps.js in the registry's 2.0.4 tarball (its integrity is sha512-B+Pcbu...).
SCRIPT_SHA256 = "d24b6ae50dbc989539db8287e217f41f0833f2b0a81ac4c6dbde444715ef5cd0"
SCRIPT_IN_PACKAGE = Path("node_modules", *PACKAGE.split("/"), "dist", "src", "app-with-deps.js")
PREFIX = npm.CACHE / f"ext-apps-{VERSION}"
SOURCES = Path(__file__).resolve().parent / "view"
# The names the view's script takes from the library, out of the module's closing export list.
IMPORTED = ("App", "PostMessageTransport", "applyDocumentTheme", "applyHostStyleVariables")

# On the tools that show a pane. Both spellings: the nested one is the spec's, the flat one what
# hosts of the first drafts read (the ext-apps server helper sets both too).
SHOWS_PANE: dict[str, Any] = {"ui": {"resourceUri": URI}, "ui/resourceUri": URI}
# On tools only the view calls: hosts hide them from the model.
APP_ONLY: dict[str, Any] = {"ui": {"visibility": ["app"]}}
RESOURCE_META: dict[str, Any] = {
    "ui": {"csp": {"connectDomains": [], "resourceDomains": []}, "prefersBorder": True}
}


def script_path() -> Path:
    return Path(settings.TMUXHUB_VIEW_SCRIPT) if settings.TMUXHUB_VIEW_SCRIPT else PREFIX / SCRIPT_IN_PACKAGE


def _pinned(path: Path) -> bool:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest() == SCRIPT_SHA256
    except OSError:
        return False


def install() -> Path:
    """The pinned library in the cache, installed with npm when missing."""
    script = PREFIX / SCRIPT_IN_PACKAGE
    # --legacy-peer-deps: only the bundled view build is used, not the SDK packages it peers with.
    npm.install(PREFIX, [f"{PACKAGE}@{VERSION}"], lambda: _pinned(script), "--legacy-peer-deps")
    return script


def _library(path: Path) -> str:
    """The library as the start of one inline module script: its closing `export{a as B,...}` list
    becomes `const extApps={B:a,...}` for the names the view uses (an inline module cannot be
    imported, and the pinned hash makes the list's shape certain)."""
    if not _pinned(path):
        raise ResourceError(
            f"the terminal view's library ({PACKAGE}@{VERSION}) is missing or not the pinned build at "
            f"{path}: run `tmuxhub manage install_terminal_view` (npm) or set TMUXHUB_VIEW_SCRIPT"
        )
    code = path.read_text(encoding="utf-8")
    start = code.rindex("export{")
    exported = dict(
        (name, local)
        for local, name in re.findall(r"([\w$]+) as ([\w$]+)", code[start : code.index("}", start)])
    )
    binding = ",".join(f"{name}:{exported[name]}" for name in IMPORTED)
    return f"{code[:start]}const extApps={{{binding}}};"


@functools.cache
def _document(path: Path) -> str:
    page = (SOURCES / "terminal.html").read_text(encoding="utf-8")
    script = f"{_library(path)}\n{(SOURCES / 'terminal.js').read_text(encoding='utf-8')}"
    if "</script" in script.lower():  # would end the inline script early
        raise ResourceError("the terminal view's script contains '</script'; it cannot be inlined")
    return page.replace("/*STYLE*/", (SOURCES / "terminal.css").read_text(encoding="utf-8")).replace(
        "/*SCRIPT*/", script
    )


def document() -> str:
    """The view's HTML, built once per process."""
    return _document(script_path())


def register(server: MCPServer) -> None:
    @server.resource(
        URI,
        name="terminal",
        title="Terminal view of a pane",
        mime_type=MIME_TYPE,
        description="An MCP App that shows a pane live, with Claude Code's dialogs as buttons.",
        meta=RESOURCE_META,
    )
    def terminal() -> str:
        return document()
