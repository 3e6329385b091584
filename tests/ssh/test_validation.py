"""What ssh_open accepts as host, user and port, checked before anything runs."""

import pytest
from pydantic import TypeAdapter, ValidationError

from bridge.schemas import SshPort, check_host, check_path, check_user


def test_it_accepts_names_addresses_and_aliases():
    assert check_host("example.com") == "example.com"
    assert check_host("my_box-2") == "my_box-2"
    assert check_host("192.0.2.7") == "192.0.2.7"
    assert check_host("2001:db8::1") == "2001:db8::1"
    assert check_host("[::1]") == "::1"
    assert check_host("fe80::1%eth0") == "fe80::1%eth0"


@pytest.mark.parametrize(
    "host",
    [
        "",
        "-oProxyCommand=id",
        "a b",
        "a;b",
        "user@host",
        "host:22",
        "#{pane_id}",
        "$(id)",
        "fe80::1%$(id)",
        "x" * 254,
    ],
)
def test_it_refuses_anything_else_as_a_host(host):
    with pytest.raises(ValueError, match="not a host"):
        check_host(host)


@pytest.mark.parametrize("user", ["", "root\n", "-l", "root;id", "a b", "$(id)", "x" * 33])
def test_it_refuses_odd_user_names(user):
    with pytest.raises(ValueError, match="not a user name"):
        check_user(user)


def test_ports_are_1_to_65535():
    port = TypeAdapter(SshPort)
    assert port.validate_python(1) == 1 and port.validate_python(65535) == 65535
    for wrong in (0, 65536, -22):
        with pytest.raises(ValidationError):
            port.validate_python(wrong)


@pytest.mark.parametrize("path", ["", "a\nb", "a\x00b", "x" * 4097])
def test_it_refuses_paths_a_terminal_would_mangle(path):
    with pytest.raises(ValueError, match="not a usable path"):
        check_path(path)
