"""AthenaEmu itself: finding and starting the binary, attaching by URL, every helper, errors."""
import datetime
import json
import os
import subprocess

import botocore.config
import botocore.exceptions
import pytest

from athena_emu import AthenaEmu, AthenaEmuError, find_binary, scenario_tag, session_id_tag

BIN = os.environ["ATHENA_EMU_BIN"]
ENGINE = {"MaxConcurrentDpus": 20}
T0 = "2026-01-01T00:00:00Z"
UTC = datetime.timezone.utc


@pytest.fixture
def emu():
    with AthenaEmu(BIN, start_time=T0) as e:
        yield e


def test_starts_on_a_free_port_and_stops_cleanly(capfd):
    e = AthenaEmu(BIN)
    with e:
        assert e.url.startswith("http://127.0.0.1:") and not e.url.endswith(":4599")
        assert e.health()["status"] == "ok"
        assert e.admin("GET", "clock")["mode"] == "manual"
        pid = e.process.pid
    assert e.process.returncode == 0
    assert not os.path.exists("/proc/%d" % pid) or open("/proc/%d/stat" % pid).read().split()[2] == "Z"
    assert "athena-emu log" not in capfd.readouterr().err   # a clean run prints no log


def test_shows_its_log_when_the_block_fails(capfd):
    with pytest.raises(ZeroDivisionError):
        with AthenaEmu(BIN) as e:
            e.client().get_session_status(SessionId="example-idle")
            1 / 0
    err = capfd.readouterr().err
    assert "---- athena-emu log (the block failed) ----" in err
    assert "listening on http://127.0.0.1:" in err and "GetSessionStatus" in err


def test_a_bad_flag_is_an_error_with_the_emulators_message():
    with pytest.raises(AthenaEmuError) as info:
        AthenaEmu(BIN, args=["--threads", "0"]).start()
    assert "exited 2 before it was ready" in str(info.value)
    assert "--threads" in str(info.value)


def test_finds_the_binary_argument_env_path_then_build(tmp_path, monkeypatch):
    monkeypatch.delenv("ATHENA_EMU_BIN", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.chdir(tmp_path)
    with pytest.raises(AthenaEmuError) as info:
        find_binary()
    assert "ATHENA_EMU_BIN" in str(info.value) and "build/athena-emu" in str(info.value)
    (tmp_path / "build").mkdir()
    os.symlink(BIN, tmp_path / "build" / "athena-emu")
    assert find_binary() == str(tmp_path / "build" / "athena-emu")
    (tmp_path / "bin").mkdir()
    os.symlink(BIN, tmp_path / "bin" / "athena-emu")
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    assert find_binary() == str(tmp_path / "bin" / "athena-emu")
    monkeypatch.setenv("ATHENA_EMU_BIN", BIN)
    assert find_binary() == BIN
    assert find_binary(str(tmp_path / "build" / "athena-emu")) == str(tmp_path / "build" / "athena-emu")
    with pytest.raises(AthenaEmuError, match="is not an executable file"):
        find_binary(str(tmp_path / "nothing-here"))


def test_attaches_by_url_and_never_stops_what_it_did_not_start(emu):
    other = AthenaEmu(url=emu.url + "/")
    assert other.url == emu.url
    other.clock.advance(1000)
    assert emu.clock.now() == datetime.datetime(2026, 1, 1, 0, 0, 1, tzinfo=UTC)
    with other:
        pass
    assert other.stop() is None and emu.health()["status"] == "ok"


def test_attaching_to_nothing_names_the_url():
    with pytest.raises(AthenaEmuError, match=r"GET http://127.0.0.1:9/_emulator/health: no answer"):
        AthenaEmu(url="http://127.0.0.1:9")


def test_client_has_endpoint_region_and_dummy_credentials(emu):
    athena = emu.client("athena")
    assert athena.meta.endpoint_url == emu.url and athena.meta.region_name == "us-east-1"
    assert athena.get_session_status(SessionId="example-idle")["Status"]["State"] == "IDLE"
    other = emu.client(region_name="eu-west-1")
    with pytest.raises(other.exceptions.ResourceNotFoundException):
        other.get_session_status(SessionId="example-idle")   # fixtures live in us-east-1


def test_clock_now_advance_set_sleep(emu):
    assert emu.clock.now() == datetime.datetime(2026, 1, 1, tzinfo=UTC)
    assert emu.clock.advance(1500) == datetime.datetime(2026, 1, 1, 0, 0, 1, 500000, tzinfo=UTC)
    emu.clock.sleep(2.5)
    assert emu.clock.now() == datetime.datetime(2026, 1, 1, 0, 0, 4, tzinfo=UTC)
    assert emu.clock.set("2026-01-02T00:00:00Z") == datetime.datetime(2026, 1, 2, tzinfo=UTC)
    assert emu.clock.set(datetime.datetime(2026, 1, 3, tzinfo=UTC)).day == 3
    with pytest.raises(AthenaEmuError) as info:
        emu.clock.set(T0)
    assert info.value.status == 409 and "backwards" in str(info.value)


def test_system_clock_cannot_be_moved():
    with AthenaEmu(BIN, clock="system") as e:
        with pytest.raises(AthenaEmuError) as info:
            e.clock.advance(1)
        assert info.value.status == 409 and "manual" in info.value.message


def test_reset_drops_sessions_and_returns_the_clock(emu):
    athena = emu.client()
    sid = athena.start_session(WorkGroup="spark", EngineConfiguration=ENGINE)["SessionId"]
    emu.clock.advance(60000)
    emu.reset()
    assert emu.clock.now() == datetime.datetime(2026, 1, 1, tzinfo=UTC)
    with pytest.raises(athena.exceptions.ResourceNotFoundException):
        athena.get_session_status(SessionId=sid)
    assert athena.get_session_status(SessionId="example-idle")["Status"]["State"] == "IDLE"
    emu.reset(fixtures=False)
    with pytest.raises(athena.exceptions.ResourceNotFoundException):
        athena.get_session_status(SessionId="example-idle")


def test_faults_add_list_remove_clear(emu):
    athena = emu.client(config=botocore.config.Config(retries={"mode": "standard", "total_max_attempts": 1}))
    rule = emu.faults.add(operation="GetSessionStatus", error="ThrottlingException", status=429, count=1)
    assert rule["action"] == {"error": "ThrottlingException", "status": 429} and rule["count"] == 1
    with pytest.raises(botocore.exceptions.ClientError) as info:
        athena.get_session_status(SessionId="example-idle")
    assert info.value.response["Error"]["Code"] == "ThrottlingException"
    assert athena.get_session_status(SessionId="example-idle")["Status"]["State"] == "IDLE"   # count used up
    kept = emu.faults.add({"id": "slow", "operation": "ListSessions", "action": {"latency_ms": 1}})
    assert kept["id"] == "slow" and [f["id"] for f in emu.faults.list()] == ["slow"]
    emu.faults.remove("slow")
    assert emu.faults.list() == []
    emu.faults.add(operation="*", transport="reset")
    emu.faults.clear()
    assert emu.faults.list() == []
    with pytest.raises(AthenaEmuError) as info:
        emu.faults.add(operation="GetSessionStatus", transport="explode")
    assert info.value.status == 400 and "transport" in info.value.message


def test_journal_filters_and_clear(emu):
    athena = emu.client()
    athena.get_session_status(SessionId="example-idle")
    athena.get_session_status(SessionId="example-busy")
    athena.list_sessions(WorkGroup="spark")
    assert [r["operation"] for r in emu.journal()] == ["GetSessionStatus", "GetSessionStatus", "ListSessions"]
    only = emu.journal(operation="GetSessionStatus", session_id="example-busy")
    assert len(only) == 1 and only[0]["status"] == 200 and only[0]["session_id"] == "example-busy"
    emu.clear_journal()
    assert emu.journal() == []


def test_fixtures_load_doc_file_directory_and_errors(emu, tmp_path):
    athena = emu.client()
    doc = {"workgroups": [{"name": "wg", "engine_version": "PySpark engine version 3"}],
           "sessions": [{"id": "f-1", "workgroup": "wg"}]}
    assert emu.fixtures.load(doc)["sessions"] == 1
    (tmp_path / "a.json").write_text(json.dumps({"sessions": [{"id": "f-2", "workgroup": "wg"}]}))
    (tmp_path / "b.json").write_text(json.dumps({"sessions": [{"id": "f-3", "workgroup": "wg"}]}))
    assert emu.fixtures.load(tmp_path / "a.json")["sessions"] == 1
    assert [c["sessions"] for c in emu.fixtures.load(str(tmp_path))] == [1, 1]
    for sid in ("f-1", "f-2", "f-3"):
        assert athena.get_session_status(SessionId=sid)["SessionId"] == sid
    (tmp_path / "bad.json").write_text(json.dumps({"sessions": [{"id": "x", "workgroup": "missing"}]}))
    with pytest.raises(AthenaEmuError) as info:
        emu.fixtures.load(tmp_path / "bad.json")
    assert info.value.status == 400
    assert str(tmp_path / "bad.json") in str(info.value) and "sessions[0].workgroup" in str(info.value)


def test_sessions_transition_and_history(emu):
    out = emu.sessions.transition("example-idle", "FAILED", "disk full")
    assert out["state"] == "FAILED" and out["time"] == "2026-01-01T00:00:00.000Z"
    status = emu.client().get_session_status(SessionId="example-idle")["Status"]
    assert status["State"] == "FAILED" and status["StateChangeReason"] == "disk full"
    last = emu.sessions.history("example-idle")[-1]
    assert (last["state"], last["reason"], last["cause"]) == ("FAILED", "disk full", "admin")
    with pytest.raises(AthenaEmuError) as info:
        emu.sessions.history("no/such session")
    assert info.value.status == 404 and "no/such session" in info.value.message


def test_chosen_session_and_calculation_ids(emu):
    athena = emu.client()
    sid = athena.start_session(WorkGroup="spark", EngineConfiguration=ENGINE,
                               Tags=[session_id_tag("etl-1"), {"Key": "team", "Value": "data"}])["SessionId"]
    assert sid == "etl-1"
    with pytest.raises(athena.exceptions.SessionAlreadyExistsException) as info:
        athena.start_session(WorkGroup="spark", EngineConfiguration=ENGINE, Tags=[session_id_tag("etl-1")])
    assert "etl-1 already exists" in info.value.response["Error"]["Message"]
    arn = "arn:aws:athena:us-east-1:123456789012:session/etl-1"
    assert athena.list_tags_for_resource(ResourceARN=arn)["Tags"] == [{"Key": "team", "Value": "data"}]
    emu.clock.advance(6000)
    assert emu.sessions.set_next_calculation_id("etl-1", "calc-1") == {"session_id": "etl-1",
                                                                        "next_calculation_id": "calc-1"}
    calc = athena.start_calculation_execution(SessionId="etl-1", CodeBlock="print(1)")
    assert calc["CalculationExecutionId"] == "calc-1"
    with pytest.raises(AthenaEmuError) as info:
        emu.sessions.set_next_calculation_id("etl-1", "calc-1")
    assert info.value.status == 409 and "calc-1 already exists" in info.value.message


def test_scenario_tag_helper(emu):
    emu.fixtures.load({"scenarios": {"born-idle": [{"after_ms": 0, "state": "IDLE"}]}})
    out = emu.client().start_session(WorkGroup="spark", EngineConfiguration=ENGINE, Tags=[scenario_tag("born-idle")])
    assert out["State"] == "IDLE"


def test_state_round_trips(emu):
    athena = emu.client()
    athena.start_session(WorkGroup="spark", EngineConfiguration=ENGINE, Tags=[session_id_tag("kept")])
    emu.clock.advance(2000)
    doc = emu.state()
    emu.reset(fixtures=False)
    emu.fixtures.load(doc)
    assert emu.clock.now() == datetime.datetime(2026, 1, 1, 0, 0, 2, tzinfo=UTC)
    assert athena.get_session_status(SessionId="kept")["Status"]["State"] == "CREATING"


def test_admin_token_and_fixture_files_at_start(tmp_path):
    path = tmp_path / "mine.json"
    path.write_text(json.dumps({"workgroups": [{"name": "mine", "engine_version": "PySpark engine version 3"}]}))
    with AthenaEmu(BIN, fixtures=[path], admin_token="s3cret") as e:
        assert [w["Name"] for w in e.client().list_work_groups()["WorkGroups"]] == ["mine", "primary"]
        e.reset()   # the startup fixtures come back
        assert e.client().get_work_group(WorkGroup="mine")["WorkGroup"]["Name"] == "mine"
        with pytest.raises(AthenaEmuError) as info:
            AthenaEmu(url=e.url).reset()
        assert info.value.status == 401


def test_metrics_text(emu):
    emu.client().get_session_status(SessionId="example-idle")
    assert 'athena_emu_requests_total{operation="GetSessionStatus"' in emu.metrics()
