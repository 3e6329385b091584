"""Who the client is: the socket peer, or X-Forwarded-For only as far as trusted proxies vouch for it."""

from __future__ import annotations

from abuse.clientip import client_ip, drop_untrusted_forwarding, parse_networks

PROXY = parse_networks(["10.0.0.0/8", "fd00::/8"])


def scope(peer: str, *forwarded: str) -> dict[str, object]:
    return {
        "type": "http",
        "client": (peer, 5555),
        "headers": [(b"x-forwarded-for", value.encode()) for value in forwarded],
    }


def test_it_uses_the_socket_peer_without_trusted_proxies() -> None:
    assert client_ip(scope("203.0.113.9", "198.51.100.1"), ()) == "203.0.113.9"


def test_it_ignores_a_spoofed_header_from_an_untrusted_peer() -> None:
    assert client_ip(scope("203.0.113.9", "127.0.0.1"), PROXY) == "203.0.113.9"


def test_it_reads_right_to_left_and_stops_at_the_first_untrusted_hop() -> None:
    # The client claims to be 127.0.0.1; the proxy appended the address it really saw.
    assert client_ip(scope("10.0.0.2", "127.0.0.1, 198.51.100.7, 10.0.0.5"), PROXY) == "198.51.100.7"


def test_it_joins_several_header_lines() -> None:
    assert client_ip(scope("10.0.0.2", "1.1.1.1", "198.51.100.7"), PROXY) == "198.51.100.7"


def test_traversal_looking_values_never_become_an_ip() -> None:
    for junk in ("../../etc/passwd", "198.51.100.7/../../x", "1.2.3.4\x00", "%2e%2e/", "::1%eth0", "a" * 100):
        assert client_ip(scope("10.0.0.2", junk), PROXY) == "10.0.0.2"


def test_it_handles_ipv6_with_brackets_ports_and_mapped_ipv4() -> None:
    assert client_ip(scope("fd00::1", "[2001:db8::42]:443"), PROXY) == "2001:db8::42"
    assert client_ip(scope("10.0.0.2", "2001:DB8:0:0::42"), PROXY) == "2001:db8::42"
    assert client_ip(scope("::ffff:198.51.100.7"), ()) == "198.51.100.7"
    assert client_ip(scope("10.0.0.2", "198.51.100.7:61000"), PROXY) == "198.51.100.7"


def test_a_chain_of_trusted_proxies_only_is_the_last_one() -> None:
    assert client_ip(scope("10.0.0.2", "10.0.0.3"), PROXY) == "10.0.0.3"


def test_forwarding_headers_from_a_direct_client_never_reach_django() -> None:
    # Django trusts X-Forwarded-Proto behind https; a client talking to the hub directly must not
    # be able to claim it arrived over TLS.
    request = {**scope("203.0.113.9"), "headers": [(b"x-forwarded-proto", b"https"), (b"accept", b"*/*")]}

    assert drop_untrusted_forwarding(request, PROXY)["headers"] == [(b"accept", b"*/*")]
    assert drop_untrusted_forwarding(request, ())["headers"] == [(b"accept", b"*/*")]


def test_forwarding_headers_from_a_trusted_proxy_are_kept() -> None:
    request = {**scope("10.0.0.2"), "headers": [(b"x-forwarded-proto", b"https")]}

    assert drop_untrusted_forwarding(request, PROXY)["headers"] == [(b"x-forwarded-proto", b"https")]
