// The README's five-line Vitest example, run here under node:test with the same globalSetup
// module a Vitest or Jest run uses (setup before, its returned teardown after).
import { after, before, beforeEach, test } from "node:test";
import assert from "node:assert/strict";
import { StartSessionCommand } from "@aws-sdk/client-athena";
import { attachAthenaEmu, sessionIdTag } from "athena-emu";
import setup from "athena-emu/global-setup";
import { waitUntilIdle } from "./poller.mjs";

let teardown;
before(async () => {
  delete process.env.ATHENA_EMU_URL;
  teardown = await setup();
});
after(() => teardown());

let emu;
beforeEach(async () => {
  emu = await attachAthenaEmu();
  await emu.reset();
});

test("session becomes idle", async () => {
  const { SessionId } = await emu.client().send(new StartSessionCommand({ WorkGroup: "spark",
    EngineConfiguration: { MaxConcurrentDpus: 20 }, Tags: [sessionIdTag("s-1")] }));
  assert.equal(await waitUntilIdle(emu.client(), SessionId, { sleep: emu.clock.sleep }), "IDLE");   // your polling loop
  assert.equal((await emu.journal({ operation: "GetSessionStatus", sessionId: "s-1" })).length, 7);
});

test("the polling loop gives up on a session stuck in CREATING", async () => {
  await emu.fixtures.load({ scenarios: { stuck: [{ after_ms: 0, state: "CREATING" }] } });
  const { SessionId } = await emu.client().send(new StartSessionCommand({ WorkGroup: "spark",
    EngineConfiguration: { MaxConcurrentDpus: 20 }, Tags: [{ Key: "athena-emu:scenario", Value: "stuck" }] }));
  const start = await emu.clock.now();
  await assert.rejects(waitUntilIdle(emu.client(), SessionId, { sleep: emu.clock.sleep, timeoutMs: 30000 }),
    /still CREATING after 30000 ms/);
  assert.equal((await emu.clock.now()) - start, 30000);
});
