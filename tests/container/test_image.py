#!/usr/bin/env python3
"""The container image, end to end, with podman (CTest label `container`).

Builds docker/Dockerfile with ../shared/tools/container, checks the image's configuration and
size, starts it (-p 127.0.0.1:<free port>:4599, a named volume on /data, a podman network),
waits for its health check, drives it with boto3 from the host (a session started in the
built-in `spark` workgroup is CREATING), runs docker/client (the compose example client) on the
same network against http://athena-emu:4599 as compose does, stops the container (SIGTERM →
exit 0), starts it again and checks that the sessions survived in the volume, stops it and
removes the container, the volume and the network. Prints the figures it measures.

Reads ATHENA_EMU_REPO (the source tree) and ATHENA_EMU_CONTAINER_TOOL (the container script).
"""
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

import boto3

REPO = os.environ["ATHENA_EMU_REPO"]
TOOL = os.environ["ATHENA_EMU_CONTAINER_TOOL"]
IMAGE = "localhost/athena-emu:ctest"
CLIENT_IMAGE = "localhost/athena-emu-smoke:ctest"
MAX_IMAGE_BYTES = 40_000_000   # tens of MB at most; it is about 12 MB
NAME = f"athena-emu-ctest-{os.getpid()}"
T_START = time.monotonic()


class Failure(Exception):
    pass


def say(msg):
    print(f"[{time.monotonic() - T_START:6.1f} s] {msg}", flush=True)


def noise(line):
    # Without systemd podman cannot schedule health checks by itself; it says so on every
    # start/stop. The test runs them with `podman healthcheck run`.
    return "systemd connection" in line or "failed to connect to syslog" in line


def tool(*args, check=True):
    proc = subprocess.run(["bash", TOOL, *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, cwd=REPO)
    out = "\n".join(l for l in proc.stdout.splitlines() if not noise(l))
    if check and proc.returncode != 0:
        tail = "\n".join(out.splitlines()[-60:])
        raise Failure(f"`container {' '.join(args)}` exited {proc.returncode}:\n{tail}")
    return proc.returncode, out


def podman(*args, **kw):
    return tool("podman", *args, **kw)


def check(cond, msg):
    if not cond:
        raise Failure(msg)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def image_id(ref):
    rc, out = podman("image", "inspect", "--format", "{{.Id}}", ref, check=False)
    return out.strip() if rc == 0 else None


def build(dockerfile, context, tag):
    old = image_id(tag)
    t0 = time.monotonic()
    _, out = tool("build", dockerfile, context, tag)
    took = time.monotonic() - t0
    cached = sum(1 for l in out.splitlines() if l.startswith("--> Using cache"))
    hits = [l.strip() for l in out.splitlines() if l.strip().startswith("Hits:")]
    say(f"built {tag} in {took:.1f} s ({cached} cached steps{'; ccache ' + hits[0] if hits else ''})")
    new = image_id(tag)
    if old and old != new:
        # The previous build of this tag is now dangling: drop it (fails harmlessly if in use).
        podman("rmi", old, check=False)
    return took


def wait_healthy(timeout_s=30.0):
    """Runs the image's HEALTHCHECK until it passes; returns the seconds it took."""
    t0 = time.monotonic()
    while True:
        rc, out = podman("healthcheck", "run", NAME, check=False)
        if rc == 0:
            return time.monotonic() - t0
        if time.monotonic() - t0 > timeout_s:
            _, logs = podman("logs", NAME, check=False)
            raise Failure(f"not healthy after {timeout_s:.0f} s: {out.strip()}\nlogs:\n{logs}")
        time.sleep(0.2)


def wait_http(port, timeout_s=30.0):
    """Seconds until GET /_emulator/health answers through the published port."""
    t0 = time.monotonic()
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_emulator/health", timeout=2) as r:
                if json.load(r).get("status") == "ok":
                    return time.monotonic() - t0
        except OSError:
            pass
        if time.monotonic() - t0 > timeout_s:
            raise Failure(f"no health answer on 127.0.0.1:{port} after {timeout_s:.0f} s")
        time.sleep(0.02)


def stop():
    t0 = time.monotonic()
    podman("stop", "-t", "20", NAME)
    took = time.monotonic() - t0
    _, code = podman("inspect", "--format", "{{.State.ExitCode}}", NAME)
    check(code.strip() == "0", f"exit code after SIGTERM: {code.strip()}, expected 0")
    # A container that ignored SIGTERM would be killed after the 20 s grace period.
    check(took < 10, f"podman stop took {took:.1f} s: SIGTERM did not end the emulator")
    return took


def logs():
    _, out = podman("logs", NAME, check=False)
    return out


def check_image():
    _, out = podman("image", "inspect", IMAGE)
    info = json.loads(out)[0]
    cfg = info["Config"]
    size = info["Size"]
    say(f"image {IMAGE}: {size / 1e6:.1f} MB")
    check(size < MAX_IMAGE_BYTES, f"image is {size} bytes, more than {MAX_IMAGE_BYTES}")
    check(cfg.get("User") not in (None, "", "0", "root", "0:0"), f"image runs as {cfg.get('User')!r}")
    check("4599/tcp" in cfg.get("ExposedPorts", {}), f"EXPOSE: {cfg.get('ExposedPorts')}")
    check("/data" in cfg.get("Volumes", {}), f"VOLUME: {cfg.get('Volumes')}")
    check(cfg.get("StopSignal") in ("SIGTERM", "15"), f"STOPSIGNAL: {cfg.get('StopSignal')}")
    env = dict(e.split("=", 1) for e in cfg.get("Env", []))
    check(env.get("ATHENA_EMU_HOST") == "0.0.0.0", f"ATHENA_EMU_HOST={env.get('ATHENA_EMU_HOST')}")
    check(env.get("ATHENA_EMU_DB") == "/data/athena-emu.db", f"ATHENA_EMU_DB={env.get('ATHENA_EMU_DB')}")
    hc = info.get("Healthcheck") or info.get("HealthCheck") or cfg.get("Healthcheck") or {}
    check(hc.get("Test", [])[:2] == ["CMD", "/usr/local/bin/athena-emu"], f"HEALTHCHECK: {hc}")
    return size


def remove_stale():
    """Removes what an earlier run that was killed (a CTest timeout) left: containers, volumes
    and networks named athena-emu-ctest-<pid> whose process is gone."""
    prefix = "athena-emu-ctest-"

    def stale(name):
        pid = name[len(prefix):].split("-")[0]
        return name.startswith(prefix) and pid.isdigit() and not os.path.exists(f"/proc/{pid}")

    _, out = podman("ps", "-a", "--format", "{{.Names}}", check=False)
    for name in filter(stale, out.split()):
        podman("rm", "-f", "-v", name, check=False)
    for kind in ("volume", "network"):
        _, out = podman(kind, "ls", "--format", "{{.Name}}", check=False)
        for name in filter(stale, out.split()):
            podman(kind, "rm", "-f", name, check=False)


def athena(port):
    return boto3.client("athena", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                        aws_access_key_id="test", aws_secret_access_key="test")


def main():
    remove_stale()
    build_s = build("docker/Dockerfile", ".", IMAGE)
    size = check_image()
    client_build_s = build("docker/client/Dockerfile", "docker/client", CLIENT_IMAGE)

    port = free_port()
    created = []
    try:
        podman("network", "create", NAME)
        created.append(("network", NAME))
        podman("volume", "create", NAME)
        created.append(("volume", NAME))
        t0 = time.monotonic()
        created.append(("container", NAME))
        tool("run", "-d", "--name", NAME, "--network", NAME, "--network-alias", "athena-emu",
             "-p", f"127.0.0.1:{port}:4599", "-v", f"{NAME}:/data", IMAGE)
        run_s = time.monotonic() - t0
        http_s = wait_http(port)
        health_s = wait_healthy()
        say(f"started: `podman run -d` {run_s:.2f} s, first health answer on the published port "
            f"{run_s + http_s:.2f} s after `podman run` began; HEALTHCHECK passed {health_s:.2f} s later")

        emu = athena(port)
        state = emu.get_session_status(SessionId="example-idle")["Status"]["State"]
        check(state == "IDLE", f"built-in fixture example-idle is {state}")
        started = emu.start_session(WorkGroup="spark", EngineConfiguration={"MaxConcurrentDpus": 20})
        sid = started["SessionId"]
        check(started["State"] == "CREATING", f"StartSession answered {started['State']}")
        status = emu.get_session_status(SessionId=sid)["Status"]
        say(f"boto3 {boto3.__version__}: StartSession on spark -> {sid} {started['State']}")

        t0 = time.monotonic()
        rc, out = tool("run", "--rm", "--name", f"{NAME}-smoke", "--network", NAME,
                       "-e", "AWS_ENDPOINT_URL_ATHENA=http://athena-emu:4599",
                       "-e", "AWS_ACCESS_KEY_ID=test", "-e", "AWS_SECRET_ACCESS_KEY=test",
                       "-e", "AWS_DEFAULT_REGION=us-east-1", CLIENT_IMAGE, check=False)
        check(rc == 0 and "smoke: ok" in out, f"docker/client smoke.py failed (exit {rc}):\n{out}")
        smoke_sid = [l.split()[3] for l in out.splitlines() if "StartSession ->" in l][0]
        say(f"docker/client smoke.py passed in {time.monotonic() - t0:.1f} s (session {smoke_sid})")

        stop_s = stop()
        check("shutting down signal=SIGTERM" in logs(), "no 'shutting down signal=SIGTERM' in the logs")
        say(f"podman stop: exit code 0 after {stop_s:.2f} s")

        podman("start", NAME)
        wait_http(port)
        wait_healthy()
        check("database=restored" in logs(), "the restarted emulator did not restore /data/athena-emu.db")
        after = emu.get_session_status(SessionId=sid)["Status"]
        check(after["StartDateTime"] == status["StartDateTime"],
              f"session {sid} changed across the restart: {status} -> {after}")
        state = emu.get_session_status(SessionId=smoke_sid)["Status"]["State"]
        check(state == "TERMINATED", f"smoke session {smoke_sid} is {state} after the restart")
        say(f"restarted: session {sid} survived in the volume ({after['State']})")
        stop()
    finally:
        for kind, name in reversed(created):
            if kind == "container":
                podman("rm", "-f", "-v", name, check=False)
            else:
                podman(kind, "rm", "-f", name, check=False)

    say(f"ok: image {size / 1e6:.1f} MB, image build {build_s:.1f} s, client build "
        f"{client_build_s:.1f} s, total {time.monotonic() - T_START:.1f} s")


if __name__ == "__main__":
    try:
        main()
    except Failure as e:
        say(f"FAILED: {e}")
        sys.exit(1)
