"""athena-emu in your tests: start (or attach to) the emulator, get boto3 clients, drive its clock.

    from athena_emu import AthenaEmu

    with AthenaEmu() as emu:                       # the binary on a free port, manual clock
        athena = emu.client("athena")
        sid = athena.start_session(WorkGroup="spark",
                                   EngineConfiguration={"MaxConcurrentDpus": 20})["SessionId"]
        emu.clock.advance(6000)                    # CREATING 5 s, CREATED 1 s: now IDLE

`AthenaEmu(url=...)` attaches to an emulator that runs already (a container, a compose
service) and never stops it. Errors of the admin API raise `AthenaEmuError` with its message.
Standard library and boto3 only.
"""

import datetime
import json
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

__all__ = ["AthenaEmu", "AthenaEmuError", "find_binary", "DUMMY_CREDENTIALS"]
__version__ = "0.1.0"

DUMMY_CREDENTIALS = {"aws_access_key_id": "test", "aws_secret_access_key": "test"}
_CONTROL_PREFIX = "athena-emu:"


class AthenaEmuError(Exception):
    """An admin API call failed (`status` is its HTTP status, 0 when none came), or the
    emulator could not be found or started. `str(e)` is the emulator's own message."""

    def __init__(self, message, status=0, method=None, path=None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.method = method
        self.path = path


def find_binary(binary=None):
    """The athena-emu executable: `binary`, else $ATHENA_EMU_BIN, else `athena-emu` on PATH,
    else ./build/athena-emu. Raises AthenaEmuError naming every place it looked."""
    for source, candidate in (("argument", binary), ("ATHENA_EMU_BIN", os.environ.get("ATHENA_EMU_BIN"))):
        if candidate:
            path = shutil.which(str(candidate)) or (str(candidate) if os.access(str(candidate), os.X_OK) else None)
            if path:
                return path
            raise AthenaEmuError("athena-emu binary %r (from the %s) is not an executable file" % (str(candidate), source))
    on_path = shutil.which("athena-emu")
    if on_path:
        return on_path
    local = os.path.join(os.getcwd(), "build", "athena-emu")
    if os.access(local, os.X_OK):
        return local
    raise AthenaEmuError("no athena-emu binary: pass it (binary=..., --athena-emu-bin), set ATHENA_EMU_BIN, put "
                         "athena-emu on PATH or build ./build/athena-emu (scripts/run.sh builds it); or attach "
                         "to a running emulator with url=...")


def _parse_time(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def _time_arg(t):
    if isinstance(t, datetime.datetime):
        if t.tzinfo is None:
            raise ValueError("give an aware datetime (tzinfo set), e.g. datetime(2026, 1, 1, tzinfo=timezone.utc)")
        return t.isoformat()
    return t  # RFC 3339 text or epoch seconds, as the emulator reads them


class AthenaEmu:
    """One emulator: started from its binary (default) or attached to by `url`.

    binary: the executable (see find_binary). clock: "manual" (default: time stands still
    until `.clock` moves it) or "system". start_time: the manual clock's start (RFC 3339,
    epoch seconds or an aware datetime). fixtures: fixture files or directories for
    --fixtures (they replace the built-in ones; "none" for none). args: more flags.
    region: the region of `.client()`. admin_token: for an emulator run with --admin-token.
    """

    def __init__(self, binary=None, *, url=None, clock="manual", start_time=None, fixtures=None, args=(),
                 region="us-east-1", admin_token=None, ready_timeout_s=30.0, env=None):
        if clock not in ("manual", "system"):
            raise ValueError("clock must be 'manual' or 'system', not %r" % (clock,))
        self.region = region
        self.url = url.rstrip("/") if url else None
        self.process = None
        self._binary = binary
        self._clock_mode = clock
        self._start_time = start_time
        self._fixtures = [fixtures] if isinstance(fixtures, (str, os.PathLike)) else list(fixtures or [])
        self._args = list(args)
        self._token = admin_token
        self._ready_timeout_s = ready_timeout_s
        self._env = env
        self._dir = None
        self._log_file = None
        self._log_text = ""
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: never a proxy
        self.clock = _Clock(self)
        self.faults = _Faults(self)
        self.fixtures = _Fixtures(self)
        self.sessions = _Sessions(self)
        if self.url:
            self.health()  # fails now, naming the URL, when nothing answers there

    # --- process ------------------------------------------------------------------------
    def start(self):
        """Starts the binary on port 0 and waits for its ready file. Returns self."""
        if self.url:
            return self
        binary = find_binary(self._binary)
        self._dir = tempfile.mkdtemp(prefix="athena-emu-")
        ready = os.path.join(self._dir, "ready.json")
        cmd = [binary, "--port", "0", "--ready-file", ready, "--clock", self._clock_mode]
        if self._start_time is not None:
            cmd += ["--start-time", str(_time_arg(self._start_time))]
        for f in self._fixtures:
            cmd += ["--fixtures", os.fspath(f)]
        cmd += self._args
        if self._token:
            cmd += ["--admin-token", self._token]
        self._log_file = open(os.path.join(self._dir, "athena-emu.log"), "w+b")
        self.process = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=self._log_file,
                                        stderr=subprocess.STDOUT, env=self._env)
        deadline = time.monotonic() + self._ready_timeout_s
        while not os.path.exists(ready):
            try:
                code = self.process.wait(timeout=0.01)  # waits on the process, not a blind sleep
            except subprocess.TimeoutExpired:
                code = None
            if code is not None:
                log = self.log()
                self._cleanup()
                raise AthenaEmuError("athena-emu exited %d before it was ready: %s\n%s" % (code, " ".join(cmd), log))
            if time.monotonic() > deadline:
                log = self.log()
                self.stop()
                raise AthenaEmuError("athena-emu was not ready within %.0f s: %s\n%s"
                                     % (self._ready_timeout_s, " ".join(cmd), log))
        with open(ready) as f:
            port = json.load(f)["port"]
        self.url = "http://127.0.0.1:%d" % port
        return self

    def stop(self):
        """SIGTERM, then wait (SIGKILL after 10 s). Attached emulators are left running.
        Returns the exit code (None when attached)."""
        if self.process is None:
            return None
        code = self.process.poll()
        if code is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                code = self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                code = self.process.wait()
        self._cleanup()
        return code

    def _cleanup(self):
        if self._log_file is not None:
            self._log_text = self.log()
            self._log_file.close()
            self._log_file = None
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def log(self):
        """What the started emulator wrote on stderr so far ('' when attached)."""
        if self._log_file is None:
            return self._log_text
        self._log_file.flush()
        with open(self._log_file.name, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def __enter__(self):
        return self.start()

    def __exit__(self, exc_type, exc, tb):
        running = self.process is not None and self.process.poll() is None
        code = self.stop()
        if self.process is not None and (exc_type is not None or (code not in (0, None)) or not running):
            sys.stderr.write("---- athena-emu log (%s) ----\n%s---- end of athena-emu log ----\n"
                             % ("the block failed" if exc_type else "exit %s" % code, self.log()))
        return False

    # --- clients ------------------------------------------------------------------------
    def client(self, service="athena", **kwargs):
        """A boto3 client for the emulator: its endpoint, dummy credentials, `.region`.
        Keyword arguments override them and go to boto3.client (e.g. config=Config(...))."""
        import boto3
        self._require_url()
        options = dict(endpoint_url=self.url, region_name=self.region, **DUMMY_CREDENTIALS)
        options.update(kwargs)
        client = boto3.client(service, **options)
        if service == "athena":
            _send_tags_on_old_botocore(client)
        return client

    # --- admin API ----------------------------------------------------------------------
    def admin(self, method, path, body=None, query=None):
        """One admin call (`path` under /_emulator/); the decoded JSON answer (text for
        metrics). Raises AthenaEmuError with the emulator's message on any error status."""
        self._require_url()
        url = self.url + "/_emulator/" + path.lstrip("/")
        query = {k: v for k, v in (query or {}).items() if v is not None}
        if query:
            url += "?" + urllib.parse.urlencode(query)
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(url, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if self._token:
            req.add_header("Authorization", "Bearer " + self._token)
        try:
            with self._opener.open(req, timeout=30) as resp:
                raw, ctype = resp.read(), resp.headers.get("Content-Type", "")
        except urllib.error.HTTPError as e:
            raw = e.read()
            try:
                message = json.loads(raw)["error"]
            except (ValueError, KeyError, TypeError):
                message = raw.decode("utf-8", "replace") or e.reason
            raise AthenaEmuError("%s /_emulator/%s: %s (HTTP %d)" % (method, path, message, e.code),
                                 e.code, method, path) from None
        except OSError as e:
            raise AthenaEmuError("%s %s: no answer from athena-emu (%s)" % (method, url, e), 0, method, path) from None
        if "json" not in ctype:
            return raw.decode("utf-8")
        return json.loads(raw) if raw else {}

    def _require_url(self):
        if not self.url:
            raise AthenaEmuError("the emulator is not started: use `with AthenaEmu() as emu:` or call .start()")

    def health(self):
        return self.admin("GET", "health")

    def reset(self, fixtures=True):
        """Drops all state, returns the manual clock to its start, re-applies the startup
        fixtures (unless fixtures=False)."""
        self.admin("POST", "reset", {} if fixtures else {"fixtures": False})

    def journal(self, operation=None, session_id=None, since=None):
        """The AWS requests received, oldest first (dicts: operation, status, error_code, ...)."""
        return self.admin("GET", "requests", query={"operation": operation, "session_id": session_id,
                                                    "since": _time_arg(since) if since is not None else None})["requests"]

    def clear_journal(self):
        self.admin("DELETE", "requests")

    def state(self):
        """Everything, as a fixture document (`.fixtures.load(emu.state())` after a reset
        brings it back)."""
        return self.admin("GET", "state")

    def metrics(self):
        return self.admin("GET", "metrics")


def _send_tags_on_old_botocore(client):
    """botocore before 1.31 has no `Tags` on StartSession, so it could not send the control
    tags (athena-emu:session-id, athena-emu:scenario). On such a botocore the client takes
    `Tags` out before validation and puts it into the serialized JSON body."""
    shape = client.meta.service_model.operation_model("StartSession").input_shape
    if "Tags" in shape.members:
        return

    def take(params, context, **_):
        if "Tags" in params:
            context["athena_emu_tags"] = params.pop("Tags")

    def put(params, context, **_):
        tags = context.get("athena_emu_tags")
        if tags is not None:
            body = json.loads(params["body"] or b"{}")
            body["Tags"] = tags
            params["body"] = json.dumps(body).encode()
            params["headers"].pop("Content-Length", None)  # recomputed for the new body

    client.meta.events.register("before-parameter-build.athena.StartSession", take)
    client.meta.events.register("before-call.athena.StartSession", put)


class _Clock:
    def __init__(self, emu):
        self._emu = emu

    def now(self):
        """The emulator's time, an aware datetime."""
        return _parse_time(self._emu.admin("GET", "clock")["now"])

    def advance(self, ms):
        """Moves the manual clock forward by `ms` milliseconds; returns the new time."""
        return _parse_time(self._emu.admin("POST", "clock", {"advance_ms": int(ms)})["now"])

    def set(self, t):
        """Sets the manual clock (never backwards) to `t`: an aware datetime, RFC 3339 text
        or epoch seconds; returns the new time."""
        return _parse_time(self._emu.admin("POST", "clock", {"set": _time_arg(t)})["now"])

    def sleep(self, seconds):
        """A drop-in for time.sleep that moves the emulator's clock instead of waiting: hand
        it to your polling code (`sleep=emu.clock.sleep`)."""
        self.advance(round(seconds * 1000))


_ACTION_KEYS = ("error", "status", "message", "members", "latency_ms", "transport")


class _Faults:
    def __init__(self, emu):
        self._emu = emu

    def add(self, rule=None, **fields):
        """Adds a fault rule: a dict as the README's rules, or keywords. Keywords error,
        status, message, members, latency_ms and transport go into its action:
        `emu.faults.add(operation="GetSessionStatus", error="ThrottlingException", count=2)`.
        Returns the stored rule (with its id)."""
        rule = dict(rule or {})
        action = dict(rule.pop("action", {}))
        for key in _ACTION_KEYS:
            if key in fields:
                action[key] = fields.pop(key)
        rule.update(fields)
        rule.setdefault("operation", "*")
        rule["action"] = action
        return self._emu.admin("POST", "faults", rule)

    def list(self):
        return self._emu.admin("GET", "faults")["faults"]

    def remove(self, rule_id):
        self._emu.admin("DELETE", "faults/" + urllib.parse.quote(rule_id, safe=""))

    def clear(self):
        self._emu.admin("DELETE", "faults")


class _Fixtures:
    def __init__(self, emu):
        self._emu = emu

    def load(self, doc_or_path):
        """Applies a fixture document: a dict, or the path of a JSON file or of a directory of
        *.json files (applied in name order). Returns the counts applied (for a directory,
        the list of them). All of a document or nothing: a bad one raises AthenaEmuError."""
        if isinstance(doc_or_path, dict):
            return self._emu.admin("POST", "fixtures", doc_or_path)["applied"]
        path = pathlib.Path(doc_or_path)
        if path.is_dir():
            return [self.load(p) for p in sorted(path.glob("*.json"))]
        try:
            doc = json.loads(path.read_text())
        except ValueError as e:
            raise AthenaEmuError("%s: not JSON: %s" % (path, e)) from None
        try:
            return self.load(doc)
        except AthenaEmuError as e:
            raise AthenaEmuError("%s: %s" % (path, e.message), e.status, e.method, e.path) from None


class _Sessions:
    def __init__(self, emu):
        self._emu = emu

    def _path(self, session_id, what):
        return "sessions/%s/%s" % (urllib.parse.quote(session_id, safe=""), what)

    def transition(self, session_id, state, reason=None, account=None, region=None):
        """Forces `state` now (cancelling the session's remaining scripted steps)."""
        body = {"state": state}
        if reason is not None:
            body["reason"] = reason
        return self._emu.admin("POST", self._path(session_id, "transition"), body,
                               query={"account": account, "region": region})

    def history(self, session_id, account=None, region=None):
        """The session's transitions so far: [{"state", "time", "epoch_ms", "reason"?, "cause"}]."""
        return self._emu.admin("GET", self._path(session_id, "history"),
                               query={"account": account, "region": region})["transitions"]

    def set_next_calculation_id(self, session_id, calculation_id, account=None, region=None):
        """The id the session's next StartCalculationExecution returns (1 to 36 characters)."""
        return self._emu.admin("POST", self._path(session_id, "next-calculation-id"), {"id": calculation_id},
                               query={"account": account, "region": region})


def session_id_tag(session_id):
    """The StartSession tag that makes the emulator use `session_id` as the new session's id:
    `Tags=[session_id_tag("s-1")]`."""
    return {"Key": _CONTROL_PREFIX + "session-id", "Value": session_id}


def scenario_tag(name):
    """The StartSession tag that runs the fixture scenario `name` for the new session."""
    return {"Key": _CONTROL_PREFIX + "scenario", "Value": name}


__all__ += ["session_id_tag", "scenario_tag"]
