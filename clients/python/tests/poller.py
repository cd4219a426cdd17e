"""Stands for the user's own code under test: a loop that polls a session until it is IDLE."""
import time

DONE = ("IDLE", "TERMINATED", "FAILED", "DEGRADED")


def wait_until_idle(athena, session_id, sleep=time.sleep, poll_s=1.0, timeout_s=120.0):
    """Polls GetSessionStatus every `poll_s` seconds; returns the first state in DONE."""
    waited = 0.0
    while True:
        state = athena.get_session_status(SessionId=session_id)["Status"]["State"]
        if state in DONE:
            return state
        if waited >= timeout_s:
            raise TimeoutError("session %s still %s after %.0f s" % (session_id, state, waited))
        sleep(poll_s)
        waited += poll_s
