"""pytest plugin (entry point `athena_emu`): the fixtures `athena_emu` and `athena_client`.

One emulator per pytest session, started on the first test that asks for it (or attached to
by URL), reset before each test that uses it; manual clock by default.

    def test_session_starts(athena_emu, athena_client):
        sid = athena_client.start_session(WorkGroup="spark",
                                          EngineConfiguration={"MaxConcurrentDpus": 20})["SessionId"]
        athena_emu.clock.advance(6000)
        assert athena_client.get_session_status(SessionId=sid)["Status"]["State"] == "IDLE"

Options (command line, or the ini key of the same name with `_` for `-`, e.g. `athena_emu_bin`):
  --athena-emu-bin PATH        the binary (else $ATHENA_EMU_BIN, PATH, ./build/athena-emu)
  --athena-emu-url URL         use the emulator running at URL (else $ATHENA_EMU_URL); never started
                               or stopped by pytest
  --athena-emu-fixtures PATH   fixture file or directory, repeatable (ini: one per line); they
                               replace the built-in fixtures and are applied again at each reset
  --athena-emu-clock MODE      manual (default) or system
Without the `athena_emu` fixture in a test, nothing is started.
"""

import pytest

from athena_emu import AthenaEmu

_OPTIONS = (
    ("bin", "athena-emu binary (default: $ATHENA_EMU_BIN, athena-emu on PATH, ./build/athena-emu)", "string"),
    ("url", "URL of a running athena-emu to use instead of starting one (default: $ATHENA_EMU_URL)", "string"),
    ("fixtures", "fixture files or directories for the emulator (they replace the built-in ones)", "linelist"),
    ("clock", "the emulator's clock: manual (default) or system", "string"),
)


def pytest_addoption(parser):
    group = parser.getgroup("athena-emu", "athena-emu (local Amazon Athena session API)")
    for name, help_text, kind in _OPTIONS:
        flag = "--athena-emu-" + name
        if kind == "linelist":
            group.addoption(flag, action="append", default=None, metavar="PATH", help=help_text)
        elif name == "clock":
            group.addoption(flag, choices=("manual", "system"), default=None, help=help_text)
        else:
            group.addoption(flag, default=None, help=help_text)
        parser.addini("athena_emu_" + name, help_text, type=kind if kind == "linelist" else None)


def _setting(config, name):
    value = config.getoption("athena_emu_" + name)
    return value if value else config.getini("athena_emu_" + name)


@pytest.fixture(scope="session")
def athena_emu_session(request):
    """The pytest session's emulator (not reset between tests: prefer `athena_emu`)."""
    import os
    config = request.config
    url = _setting(config, "url") or os.environ.get("ATHENA_EMU_URL")
    fixtures = list(_setting(config, "fixtures") or [])
    clock = _setting(config, "clock") or "manual"
    if clock not in ("manual", "system"):
        raise pytest.UsageError("athena_emu_clock must be manual or system, not %r" % (clock,))
    if url:
        emu = AthenaEmu(url=url)
        emu._plugin_fixtures = fixtures  # applied after each reset: its startup fixtures are its own
        yield emu
        return
    emu = AthenaEmu(_setting(config, "bin") or None, clock=clock, fixtures=fixtures)
    emu._plugin_fixtures = []
    with emu:
        yield emu


@pytest.fixture
def athena_emu(athena_emu_session):
    """The session's emulator, reset (state, clock, journal's tenants' data, fault rules)
    before the test."""
    emu = athena_emu_session
    emu.reset()
    emu.faults.clear()
    emu.clear_journal()
    for path in emu._plugin_fixtures:
        emu.fixtures.load(path)
    emu._plugin_log_mark = len(emu.log())
    return emu


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed test that used the emulator shows what the emulator logged during it."""
    outcome = yield
    report = outcome.get_result()
    emu = getattr(item, "funcargs", {}).get("athena_emu")
    if report.failed and emu is not None and emu.process is not None:
        text = emu.log()[getattr(emu, "_plugin_log_mark", 0):]
        report.sections.append(("athena-emu log (%s)" % report.when, text or "(nothing logged)\n"))


@pytest.fixture
def athena_client(athena_emu):
    """A boto3 Athena client pointed at the `athena_emu` emulator (dummy credentials)."""
    return athena_emu.client("athena")
