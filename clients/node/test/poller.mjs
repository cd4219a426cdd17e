// Stands for the user's own code under test: polls a session until it is IDLE (or ends).
import { GetSessionStatusCommand } from "@aws-sdk/client-athena";
import { setTimeout as realSleep } from "node:timers/promises";

const DONE = ["IDLE", "TERMINATED", "FAILED", "DEGRADED"];

export async function waitUntilIdle(athena, sessionId, { sleep = realSleep, pollMs = 1000, timeoutMs = 120000 } = {}) {
  for (let waited = 0; ; waited += pollMs) {
    const { Status } = await athena.send(new GetSessionStatusCommand({ SessionId: sessionId }));
    if (DONE.includes(Status.State)) return Status.State;
    if (waited >= timeoutMs) throw new Error(`session ${sessionId} still ${Status.State} after ${waited} ms`);
    await sleep(pollMs);
  }
}
