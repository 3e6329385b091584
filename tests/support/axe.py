"""axe-core (pinned, from npm), the accessibility checker the browser tests run in every admin and OAuth
page: installed like the Claude Code TUI, into tmuxhub's cache outside the checkout, one installer at a
time (`tmuxhub.lib.npm`). `make test` installs it first; `python -m tests.support.axe` does only that.

    problems = violations(page)    # [] or ["target-size (serious): ...: 3 elements: a.hub-more ..."]
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from tmuxhub.lib import npm

VERSION = "4.14.1"
PREFIX = npm.CACHE / f"axe-core-{VERSION}"
SCRIPT = PREFIX / "node_modules" / "axe-core" / "axe.min.js"
PACKAGE_JSON = PREFIX / "node_modules" / "axe-core" / "package.json"
# What the review checked: WCAG 2.x A and AA, and best practice. Serious and critical findings fail.
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
FAILING = ("serious", "critical")


def installed() -> bool:
    return SCRIPT.exists() and json.loads(PACKAGE_JSON.read_text()).get("version") == VERSION


def ensure_installed() -> Path:
    npm.install(PREFIX, [f"axe-core@{VERSION}"], installed)
    return SCRIPT


@cache
def source() -> str:
    return ensure_installed().read_text()


def violations(page: Any, impacts: tuple[str, ...] = FAILING) -> list[str]:
    """axe's findings of those impacts on the page as shown, one line per rule with the elements it
    names. Injected through the DevTools protocol, so the page's Content-Security-Policy stays as is."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(source())
    found = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})"
        ".then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.map(n => n.target.join(' ') + (n.failureSummary ? ' [' +"
        " n.failureSummary.split('\\n').slice(1, 2).join('') + ']' : ''))})))",
        TAGS,
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']}: {len(v['nodes'])} elements: " + "; ".join(v["nodes"][:4])
        for v in found
        if v["impact"] in impacts
    ]


if __name__ == "__main__":
    print(ensure_installed())
