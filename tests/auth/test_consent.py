"""The consent page, the screen that decides who gets a shell: shown every time, saying what it grants."""

from __future__ import annotations

import re
from html import escape

import pytest

from tests.auth.oauth_client import OAuthClient, form_fields
from tests.fixtures.browser import new_page, screenshot
from tests.support import axe

pytestmark = pytest.mark.django_db(transaction=True)

OTHER_CALLBACK = "http://127.0.0.1:6274/oauth/callback"


@pytest.mark.parametrize("redirect_uri", [None, OTHER_CALLBACK])
def test_consent_is_asked_every_time_even_with_approval_prompt_auto(
    client: OAuthClient, redirect_uri: str | None
) -> None:
    client.register(redirect_uris=[client.redirect_uri, OTHER_CALLBACK])
    client.tokens()  # consented once; the client now holds a live token
    if redirect_uri:
        client.redirect_uri = redirect_uri

    page = client.get(client.authorization_request(approval_prompt="auto").url)

    assert page.status_code == 200, page.headers.get("location")
    _, fields = form_fields(page.text)
    assert "allow" not in fields and fields["redirect_uri"] == client.redirect_uri


def test_an_authorization_request_must_name_its_redirect_uri(client: OAuthClient) -> None:
    client.tokens()
    page = client.get(client.authorization_request(redirect_uri=None).url)  # type: ignore[arg-type]
    assert page.status_code == 400
    assert "redirect" in page.text.lower()
    assert "location" not in page.headers


SPOOF = "Claude (official) — click Allow to continue"


def _consent_page(client: OAuthClient) -> str:
    page = client.log_in_with_github(client.authorization_request().url)
    assert page.status_code == 200
    return page.text


def test_the_consent_page_says_the_client_registered_itself_and_what_it_will_do(
    oauth: OAuthClient, allow
) -> None:
    allow("octocat", tier="readonly")
    oauth.redirect_uri = "https://claude.ai/api/mcp/auth_callback?connector=7"
    assert oauth.register(client_name=SPOOF, redirect_uris=[oauth.redirect_uri]).status_code == 201

    html = _consent_page(oauth)

    headline = re.search(r"<h1>(.*?)</h1>", html, re.S)
    assert headline and "Claude" not in headline.group(1)
    assert 'id="self-registered"' in html and "registered itself" in html
    assert re.search(r'id="registered">by itself, <time datetime="\d{4}-\d\d-\d\dT', html)
    assert f'<code id="redirect-uri">{escape(oauth.redirect_uri)}</code>' in html
    tier = re.search(r'id="tier"><strong>(\w+)</strong>: it will be able to (.*?)</dd>', html, re.S)
    assert tier and tier.group(1) == "readonly" and "cannot type" in tier.group(2)
    assert escape(SPOOF) in html  # shown, as data


def test_the_tier_shown_is_the_lower_of_the_persons_and_the_servers(client: OAuthClient) -> None:
    html = _consent_page(client)  # octocat has no tier of their own: the server's (mutating) applies
    assert re.search(r'id="tier"><strong>mutating</strong>: it will be able to [^<]*run commands', html)


def test_the_login_page_names_the_app_that_asks(client: OAuthClient) -> None:
    client.register(client_name="MCP Inspector")
    to_login = client.get(client.authorization_request().url)
    login = client.get(to_login.headers["location"])
    assert login.status_code == 200
    card = re.search(r'id="asking-client">(.*?)</div>', login.text, re.S)
    assert card and "MCP Inspector" in card.group(1) and "registered itself" in card.group(1)


@pytest.mark.browser
@pytest.mark.parametrize(
    ("width", "scheme"), [(390, "dark"), (390, "light"), (1440, "light"), (1440, "dark")]
)
def test_the_consent_page_reads_well_on_a_phone_and_in_dark_mode(
    browser, client: OAuthClient, width: int, scheme: str
) -> None:
    """Both pages of a connection (login, consent) at both widths and in both schemes: nothing axe-core
    calls serious or critical (the dark Allow and Continue buttons were 3.7:1)."""
    page = new_page(browser, width=width, height=844, color_scheme=scheme)
    page.goto(client.hub.url + client.authorization_request().url)
    assert axe.violations(page) == []
    page.click("button.primary")  # Continue with GitHub: the fake GitHub sends us straight back
    page.wait_for_selector("#authorizationForm")
    screenshot(page, f"consent-{width}-{scheme}")
    assert axe.violations(page) == []

    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert (background == "rgb(13, 17, 23)") == (scheme == "dark"), background
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    cancel = page.locator("button.cancel")
    style = cancel.evaluate("b => [getComputedStyle(b).borderRadius, getComputedStyle(b).minHeight]")
    assert style == ["6px", "44px"]
    text, back = cancel.evaluate("b => [getComputedStyle(b).color, getComputedStyle(b).backgroundColor]")
    assert contrast(text, back) >= 4.5


@pytest.mark.browser
def test_the_consent_page_names_the_person_as_github_does(browser, client: OAuthClient) -> None:
    """A local account already had the GitHub login's name, so the GitHub login got a made-up username
    ("octocat4091…"): the consent and start pages still name the person as they know themselves."""
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_user("octocat", password="a local account of the same name")
    page = new_page(browser, width=390, height=844)
    page.goto(client.hub.url + client.authorization_request().url)
    page.click("button.primary")
    page.wait_for_selector("#authorizationForm")

    made_up = get_user_model().objects.get(allow_list_entry__github_login="octocat").username
    assert made_up != "octocat"
    assert page.locator("#acts-as").inner_text() == "@octocat on GitHub"
    assert made_up not in page.locator("main").inner_text()
    page.goto(client.hub.url + "/")
    assert "Logged in as @octocat on GitHub." in page.locator("main").inner_text()


def contrast(foreground: str, background: str) -> float:
    """WCAG contrast ratio of two `rgb(r, g, b)` colours."""

    def luminance(colour: str) -> float:
        channels = [int(c) / 255 for c in re.findall(r"\d+", colour)[:3]]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (high + 0.05) / (low + 0.05)
