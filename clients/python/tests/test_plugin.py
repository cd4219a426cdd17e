"""The pytest plugin as a user's suite sees it: run in a pytest of its own (pytester)."""
import json
import re
import os

import pytest

BIN = os.environ["ATHENA_EMU_BIN"]

USER_TEST = '''
STARTED = []

def test_a(athena_emu, athena_client):
    STARTED.append(athena_client.start_session(WorkGroup=WG, EngineConfiguration={"MaxConcurrentDpus": 20})["SessionId"])
    if athena_emu.admin("GET", "clock")["mode"] == "manual":
        athena_emu.clock.advance(1000)
    athena_emu.faults.add(operation="ListWorkGroups", error="InternalServerException")
    print("CLOCK", athena_emu.admin("GET", "clock")["mode"], athena_emu.url)

def test_b(athena_emu, athena_client):
    # reset before each test: no session of test_a, clock at its start, no fault, empty journal
    assert athena_emu.journal() == []
    assert athena_emu.faults.list() == []
    listed = [s["SessionId"] for s in athena_client.list_sessions(WorkGroup=WG)["Sessions"]]
    assert STARTED and STARTED[0] not in listed and len(listed) == EXPECTED_SESSIONS
    print("CLOCK", athena_emu.admin("GET", "clock")["mode"], athena_emu.url)
'''


def run(pytester, *args, wg="spark", expected=3):
    # expected: the active sessions the fixtures give WG (the built-in spark has 3)
    pytester.makepyfile(test_user="WG = %r\nEXPECTED_SESSIONS = %d\n" % (wg, expected) + USER_TEST)
    return pytester.runpytest_subprocess("-p", "athena_emu.pytest_plugin", "-s", *args)


def urls(result):
    return {m.group(2) for m in re.finditer(r"CLOCK (\w+) (\S+)", result.stdout.str())}


def test_one_emulator_per_session_reset_between_tests(pytester):
    result = run(pytester, "--athena-emu-bin", BIN)
    result.assert_outcomes(passed=2)
    assert len(urls(result)) == 1
    result.stdout.fnmatch_lines(["*CLOCK manual http://127.0.0.1:*"])


def test_ini_keys_binary_clock_and_fixtures(pytester, monkeypatch):
    monkeypatch.delenv("ATHENA_EMU_BIN", raising=False)
    pytester.path.joinpath("wg.json").write_text(json.dumps({
        "workgroups": [{"name": "ini-wg", "engine_version": "PySpark engine version 3"}]}))
    pytester.makeini("[pytest]\nathena_emu_bin = %s\nathena_emu_clock = system\nathena_emu_fixtures =\n    wg.json\n" % BIN)
    result = run(pytester, wg="ini-wg", expected=0)
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*CLOCK system *"])


def test_external_url_with_fixture_files_applied_after_each_reset(pytester):
    from athena_emu import AthenaEmu
    pytester.path.joinpath("s.json").write_text(json.dumps({
        "workgroups": [{"name": "ext", "engine_version": "PySpark engine version 3"}],
        "sessions": [{"id": "from-file", "workgroup": "ext"}]}))
    with AthenaEmu(BIN, fixtures="none") as outside:
        result = run(pytester, "--athena-emu-url", outside.url, "--athena-emu-fixtures", "s.json", wg="ext", expected=1)
        result.assert_outcomes(passed=2)
        assert urls(result) == {outside.url}
        assert outside.health()["status"] == "ok"   # pytest did not stop it


def test_env_url_and_a_failing_test_shows_the_emulator_log(pytester, monkeypatch):
    from athena_emu import AthenaEmu
    pytester.makepyfile(test_fail='''
def test_fails(athena_client):
    athena_client.get_session_status(SessionId="example-idle")
    assert False, "the user's assertion"
''')
    result = pytester.runpytest_subprocess("-p", "athena_emu.pytest_plugin", "--athena-emu-bin", BIN)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*athena-emu log (call)*", "*GetSessionStatus*example-idle*200*"])
    pytester.path.joinpath("test_fail.py").unlink()
    with AthenaEmu(BIN) as outside:
        monkeypatch.setenv("ATHENA_EMU_URL", outside.url)
        result = run(pytester)
        result.assert_outcomes(passed=2)
        assert urls(result) == {outside.url}


def test_no_binary_is_a_clear_error(pytester, monkeypatch):
    monkeypatch.delenv("ATHENA_EMU_BIN", raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")
    result = run(pytester)
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines(["*no athena-emu binary: pass it (binary=..., --athena-emu-bin), set ATHENA_EMU_BIN*"])


def test_tests_without_the_fixture_start_nothing(pytester):
    pytester.makepyfile(test_plain="def test_x():\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "athena_emu.pytest_plugin", "--athena-emu-bin", "/nonexistent")
    result.assert_outcomes(passed=1)


def test_help_lists_the_options(pytester):
    result = pytester.runpytest_subprocess("-p", "athena_emu.pytest_plugin", "--help")
    result.stdout.fnmatch_lines(["*athena-emu*", "*--athena-emu-bin*", "*--athena-emu-url*",
                                 "*--athena-emu-fixtures*", "*--athena-emu-clock*", "*athena_emu_bin*"])
