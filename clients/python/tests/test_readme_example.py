"""The README's five-line pytest example, as a user writes it (fixtures from the plugin)."""
from poller import wait_until_idle


def test_session_becomes_idle(athena_emu, athena_client):
    sid = athena_client.start_session(WorkGroup="spark", EngineConfiguration={"MaxConcurrentDpus": 20},
                                      Tags=[{"Key": "athena-emu:session-id", "Value": "s-1"}])["SessionId"]
    state = wait_until_idle(athena_client, sid, sleep=athena_emu.clock.sleep)   # your polling loop
    assert (sid, state) == ("s-1", "IDLE")
    assert len(athena_emu.journal(operation="GetSessionStatus", session_id=sid)) == 7  # 0 s, 1 s, ... 6 s


def test_each_test_starts_from_a_reset_emulator(athena_emu, athena_client):
    # The session of the test above is gone, the clock is back at its start, the journal empty.
    assert athena_emu.journal() == []
    assert not any(s["SessionId"] == "s-1" for s in athena_client.list_sessions(WorkGroup="spark")["Sessions"])
    sid = athena_client.start_session(WorkGroup="spark", EngineConfiguration={"MaxConcurrentDpus": 20},
                                      Tags=[{"Key": "athena-emu:session-id", "Value": "s-1"}])["SessionId"]
    assert sid == "s-1"


def test_polling_loop_gives_up(athena_emu, athena_client):
    athena_emu.fixtures.load({"scenarios": {"stuck": [{"after_ms": 0, "state": "CREATING"}]}})
    sid = athena_client.start_session(WorkGroup="spark", EngineConfiguration={"MaxConcurrentDpus": 20},
                                      Tags=[{"Key": "athena-emu:scenario", "Value": "stuck"}])["SessionId"]
    start = athena_emu.clock.now()
    try:
        wait_until_idle(athena_client, sid, sleep=athena_emu.clock.sleep, timeout_s=30)
    except TimeoutError as e:
        assert "still CREATING after 30 s" in str(e)
    else:
        raise AssertionError("the loop did not give up")
    assert (athena_emu.clock.now() - start).total_seconds() == 30
