#!/usr/bin/env python3
"""athena-emu smoke client: the session lifecycle a Spark job's driver code walks, via boto3.

Starts a session in the built-in `spark` workgroup, polls GetSessionStatus until IDLE (about
6 s with the default profile: CREATING 5 s, CREATED 1 s), terminates it and waits for
TERMINATED (3 s). Exits 0 on success, 1 on failure.

The endpoint comes only from AWS_ENDPOINT_URL_ATHENA (e.g. http://athena-emu:4599), the
standard per-service endpoint variable. botocore reads that variable by itself from 1.31.x on,
but Debian 12's python3-boto3 is botocore 1.29, which ignores it, so this script reads it and
passes endpoint_url explicitly (harmless on a newer botocore). Credentials and region come
from the usual AWS_* variables; any values work (athena-emu does not check them), so test
values are filled in when they are unset.
"""
import os
import sys
import time

import boto3
import botocore.exceptions

POLL_S = 0.5
TIMEOUT_S = float(os.environ.get("SMOKE_TIMEOUT_S", "60"))


def log(msg):
    print(f"smoke: {msg}", flush=True)


def wait_for(athena, session_id, wanted, deadline):
    last = None
    while True:
        state = athena.get_session_status(SessionId=session_id)["Status"]["State"]
        if state != last:
            log(f"{session_id}: {state}")
            last = state
        if state == wanted:
            return
        if state in ("FAILED", "TERMINATED", "DEGRADED"):
            raise RuntimeError(f"session {session_id} reached {state}, expected {wanted}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"session {session_id} still {state} after {TIMEOUT_S:.0f} s, expected {wanted}")
        time.sleep(POLL_S)


def main():
    endpoint = os.environ.get("AWS_ENDPOINT_URL_ATHENA")
    if not endpoint:
        log("AWS_ENDPOINT_URL_ATHENA is not set (e.g. http://athena-emu:4599)")
        return 1
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "test")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "test")
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    athena = boto3.client("athena", endpoint_url=endpoint, region_name=region)
    log(f"endpoint {endpoint} (boto3 {boto3.__version__}, botocore {botocore.__version__})")

    deadline = time.monotonic() + TIMEOUT_S
    # With compose's depends_on: service_healthy the emulator is up already; retry anyway so
    # the script also works on its own.
    while True:
        try:
            athena.get_work_group(WorkGroup="spark")
            break
        except botocore.exceptions.EndpointConnectionError as e:
            if time.monotonic() > deadline:
                log(f"no emulator at {endpoint}: {e}")
                return 1
            time.sleep(POLL_S)

    started = athena.start_session(WorkGroup="spark", Description="athena-emu smoke client",
                                   EngineConfiguration={"MaxConcurrentDpus": 20})
    session_id = started["SessionId"]
    log(f"StartSession -> {session_id} {started['State']}")
    t0 = time.monotonic()
    wait_for(athena, session_id, "IDLE", time.monotonic() + TIMEOUT_S)
    log(f"IDLE after {time.monotonic() - t0:.1f} s")

    log(f"TerminateSession -> {athena.terminate_session(SessionId=session_id)['State']}")
    wait_for(athena, session_id, "TERMINATED", time.monotonic() + TIMEOUT_S)
    log("ok")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (RuntimeError, botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        log(f"FAILED: {e}")
        sys.exit(1)
