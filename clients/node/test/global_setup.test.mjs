// The globalSetup / globalTeardown modules, called as Vitest and Jest call them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { GetSessionStatusCommand } from "@aws-sdk/client-athena";
import { attachAthenaEmu, startAthenaEmu } from "athena-emu";
import setup from "athena-emu/global-setup";
import jestTeardown from "athena-emu/global-teardown";

test("Jest: globalSetup starts one emulator, globalTeardown stops it", async () => {
  delete process.env.ATHENA_EMU_URL;
  await setup(); // Jest ignores what it returns
  const url = process.env.ATHENA_EMU_URL;
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
  const emu = await attachAthenaEmu();
  assert.equal((await emu.admin("GET", "clock")).mode, "manual");
  const out = await emu.client().send(new GetSessionStatusCommand({ SessionId: "example-idle" }));
  assert.equal(out.Status.State, "IDLE");
  await jestTeardown();
  assert.equal(process.env.ATHENA_EMU_URL, undefined);
  await assert.rejects(attachAthenaEmu(url), /no answer/);
});

test("Vitest: the returned teardown; ATHENA_EMU_CLOCK=system", async () => {
  delete process.env.ATHENA_EMU_URL;
  process.env.ATHENA_EMU_CLOCK = "system";
  try {
    const teardown = await setup();
    const url = process.env.ATHENA_EMU_URL;
    assert.equal((await (await attachAthenaEmu()).admin("GET", "clock")).mode, "system");
    await teardown();
    await assert.rejects(attachAthenaEmu(url), /no answer/);
  } finally {
    delete process.env.ATHENA_EMU_CLOCK;
  }
});

test("with ATHENA_EMU_URL set (a container, compose), nothing is started or stopped", async () => {
  const outside = await startAthenaEmu();
  try {
    process.env.ATHENA_EMU_URL = outside.url;
    const teardown = await setup();
    assert.equal(process.env.ATHENA_EMU_URL, outside.url);
    await teardown();
    await jestTeardown();
    assert.equal((await outside.health()).status, "ok");
  } finally {
    delete process.env.ATHENA_EMU_URL;
    assert.equal(await outside.stop(), 0);
  }
});
