import pytest

from tests.support.hub import call, call_error, mcp_session

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.anyio]


async def test_it_creates_renames_and_lists_sessions_windows_and_panes(hub, mcp_token, tmux):
    async with mcp_session(hub, mcp_token) as session:
        created = await call(
            session, "create_session", name="build", start_directory="/tmp", width=100, height=30
        )
        window = await call(session, "create_window", session="build", name="logs", command="sleep 600")
        await call(session, "rename_session", session=created["id"], new_name="ci")
        await call(session, "rename_window", window=window["id"], new_name="tail")
        sessions = await call(session, "tmux_list_sessions")
        windows = await call(session, "list_windows", session="ci")
        panes = await call(session, "list_panes", session="ci")
        sleepers = await call(session, "list_panes", command="sleep")

    assert [s["name"] for s in sessions["sessions"]] == ["ci"]
    assert [w["name"] for w in windows["windows"]] == [windows["windows"][0]["name"], "tail"]
    assert {p["session"] for p in panes["panes"]} == {"ci"}
    assert panes["panes"][0]["current_path"] == "/tmp"
    assert [p["window_id"] for p in sleepers["panes"]] == [window["id"]]


async def test_it_splits_arranges_and_resizes_panes(hub, mcp_token, shell_pane):
    async with mcp_session(hub, mcp_token) as session:
        right = await call(session, "split_window", pane=shell_pane.pane_id, direction="right", percent=30)
        below = await call(session, "split_window", pane=right["id"], direction="below")
        await call(session, "select_layout", window="work:0", layout="even-horizontal")
        await call(session, "resize_pane", pane=right["id"], width=40)
        await call(session, "resize_pane", pane=below["id"], zoom=True)
        windows = await call(session, "list_windows", session="work")
        nothing = await call_error(session, "resize_pane", {"pane": right["id"]})

    assert windows["windows"][0]["panes"] == 3
    assert windows["windows"][0]["zoomed"]
    assert "give width, height or zoom" in nothing


async def test_kill_tools_take_an_explicit_target(destructive_hub, destructive_token, make_pane):
    keep = make_pane("sleep 600", name="keep")
    doomed = make_pane("sleep 600", name="doomed")

    async with mcp_session(destructive_hub, destructive_token) as session:
        no_target = await call_error(session, "kill_session", {})
        split = await call(session, "split_window", pane=keep.pane_id)
        await call(session, "kill_pane", pane=split["id"])
        extra = await call(session, "create_window", session="keep")
        await call(session, "kill_window", window=extra["id"])
        await call(session, "kill_session", session="doomed")
        left = await call(session, "list_panes")

    assert "session: Field required" in no_target
    assert [p["id"] for p in left["panes"]] == [keep.pane_id]
    assert doomed.pane_id not in {p["id"] for p in left["panes"]}


@pytest.fixture
def hub_in_a_pane(hub_factory, make_pane, make_user, make_token, tmux_socket):
    """A destructive hub that believes it runs in a pane of its tmux server (as `$TMUX` tells it)."""
    own = make_pane("sleep 600", name="hubhome")
    inside = hub_factory(TMUXHUB_SAFETY_TIER="destructive", TMUX=f"{tmux_socket},1,0", TMUX_PANE=own.pane_id)
    return inside, make_token(make_user("owner"), resource=inside.mcp_url), own


async def test_kill_refuses_the_pane_the_hub_runs_in(hub_in_a_pane):
    inside, token, own = hub_in_a_pane

    async with mcp_session(inside, token) as session:
        pane = await call_error(session, "kill_pane", {"pane": own.pane_id})
        window = await call_error(session, "kill_window", {"window": "hubhome:0"})
        whole = await call_error(session, "kill_session", {"session": "hubhome"})

    for error in (pane, window, whole):
        assert f"the hub itself runs in pane {own.pane_id}" in error
    assert own.pane_id in own.cmd("display", "-p", "#{pane_id}").stdout


async def test_a_session_can_be_created_right_after_the_last_one_is_killed(
    destructive_hub, destructive_token, tmux
):
    # The hub keeps a control-mode client attached; a server it holds takes longer to exit, and a
    # session created meanwhile would reach the exiting server ("server exited unexpectedly").
    async with mcp_session(destructive_hub, destructive_token) as session:
        for round_ in range(40):
            await call(session, "create_session", name=f"only{round_}")
            await call(session, "tmux_list_sessions")  # attaches the hub's control client
            await call(session, "kill_session", session=f"only{round_}")
        await call(session, "create_session", name="after")
        listed = await call(session, "tmux_list_sessions")

    assert [s["name"] for s in listed["sessions"]] == ["after"]
    assert not listed["sessions"][0]["attached"]  # the hub's own client is not someone looking
