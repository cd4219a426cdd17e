// startAthenaEmu / attachAthenaEmu and every helper, through @aws-sdk/client-athena and the
// admin API. The binary is ATHENA_EMU_BIN (CTest sets it).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, symlinkSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  GetSessionStatusCommand, ListSessionsCommand, ListTagsForResourceCommand, ListWorkGroupsCommand,
  StartCalculationExecutionCommand, StartSessionCommand,
} from "@aws-sdk/client-athena";
import { AthenaEmuError, attachAthenaEmu, findBinary, scenarioTag, sessionIdTag, startAthenaEmu } from "athena-emu";

const BIN = process.env.ATHENA_EMU_BIN;
const T0 = "2026-01-01T00:00:00Z";
const ENGINE = { MaxConcurrentDpus: 20 };

describe("a started emulator", () => {
  let emu;
  before(async () => {
    emu = await startAthenaEmu({ binary: BIN, startTime: T0 });
  });
  after(async () => {
    assert.equal(await emu.stop(), 0);
  });

  test("listens on a free port with a manual clock, and answers the SDK", async () => {
    assert.match(emu.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.notEqual(emu.url, "http://127.0.0.1:4599");
    assert.equal((await emu.health()).status, "ok");
    assert.equal((await emu.admin("GET", "clock")).mode, "manual");
    const out = await emu.client().send(new GetSessionStatusCommand({ SessionId: "example-idle" }));
    assert.equal(out.Status.State, "IDLE");
    assert.match(emu.log(), /listening on http:\/\/127\.0\.0\.1:/);
  });

  test("clock: now, advance, set, sleep; backwards is an AthenaEmuError with the message", async () => {
    await emu.reset();
    assert.equal((await emu.clock.now()).toISOString(), "2026-01-01T00:00:00.000Z");
    assert.equal((await emu.clock.advance(1500)).toISOString(), "2026-01-01T00:00:01.500Z");
    const { sleep } = emu.clock; // detached on purpose
    await sleep(500);
    assert.equal((await emu.clock.now()).toISOString(), "2026-01-01T00:00:02.000Z");
    assert.equal((await emu.clock.set(new Date("2026-01-02T00:00:00Z"))).toISOString(), "2026-01-02T00:00:00.000Z");
    await assert.rejects(emu.clock.set(T0), (e) => {
      assert.ok(e instanceof AthenaEmuError);
      assert.equal(e.status, 409);
      assert.match(e.message, /backwards/);
      return true;
    });
  });

  test("reset drops what a test made and brings the fixtures back", async () => {
    const athena = emu.client();
    const { SessionId } = await athena.send(new StartSessionCommand({ WorkGroup: "spark", EngineConfiguration: ENGINE }));
    await emu.reset();
    await assert.rejects(athena.send(new GetSessionStatusCommand({ SessionId })), { name: "ResourceNotFoundException" });
    await emu.reset({ fixtures: false });
    await assert.rejects(athena.send(new GetSessionStatusCommand({ SessionId: "example-idle" })),
      { name: "ResourceNotFoundException" });
    await emu.reset();
  });

  test("faults: add (keywords into the action), list, remove, clear", async () => {
    const athena = emu.client({ maxAttempts: 1 });
    const rule = await emu.faults.add({ operation: "GetSessionStatus", error: "ThrottlingException", status: 429, count: 1 });
    assert.deepEqual(rule.action, { error: "ThrottlingException", status: 429 });
    await assert.rejects(athena.send(new GetSessionStatusCommand({ SessionId: "example-idle" })),
      { name: "ThrottlingException" });
    assert.equal((await athena.send(new GetSessionStatusCommand({ SessionId: "example-idle" }))).Status.State, "IDLE");
    await emu.faults.add({ id: "slow", operation: "ListSessions", action: { latency_ms: 1 } });
    assert.deepEqual((await emu.faults.list()).map((f) => f.id), ["slow"]);
    await emu.faults.remove("slow");
    assert.deepEqual(await emu.faults.list(), []);
    await emu.faults.add({ transport: "reset" });
    await emu.faults.clear();
    assert.deepEqual(await emu.faults.list(), []);
    await assert.rejects(emu.faults.add({ transport: "explode" }), (e) => e.status === 400 && /transport/.test(e.message));
  });

  test("journal with filters, and clearJournal", async () => {
    await emu.clearJournal();
    const athena = emu.client();
    await athena.send(new GetSessionStatusCommand({ SessionId: "example-idle" }));
    await athena.send(new GetSessionStatusCommand({ SessionId: "example-busy" }));
    await athena.send(new ListSessionsCommand({ WorkGroup: "spark" }));
    assert.deepEqual((await emu.journal()).map((r) => r.operation), ["GetSessionStatus", "GetSessionStatus", "ListSessions"]);
    const only = await emu.journal({ operation: "GetSessionStatus", sessionId: "example-busy" });
    assert.equal(only.length, 1);
    assert.equal(only[0].status, 200);
    await emu.clearJournal();
    assert.deepEqual(await emu.journal(), []);
  });

  test("fixtures.load: an object, a file, a directory; a bad one names the file and the path", async () => {
    await emu.reset();
    const dir = mkdtempSync(join(tmpdir(), "athena-emu-node-test-"));
    assert.equal((await emu.fixtures.load({ workgroups: [{ name: "wg", engine_version: "PySpark engine version 3" }],
      sessions: [{ id: "f-1", workgroup: "wg" }] })).sessions, 1);
    mkdirSync(join(dir, "more"));
    writeFileSync(join(dir, "more", "a.json"), JSON.stringify({ sessions: [{ id: "f-2", workgroup: "wg" }] }));
    writeFileSync(join(dir, "more", "b.json"), JSON.stringify({ sessions: [{ id: "f-3", workgroup: "wg" }] }));
    writeFileSync(join(dir, "one.json"), JSON.stringify({ sessions: [{ id: "f-4", workgroup: "wg" }] }));
    assert.deepEqual((await emu.fixtures.load(join(dir, "more"))).map((c) => c.sessions), [1, 1]);
    assert.equal((await emu.fixtures.load(join(dir, "one.json"))).sessions, 1);
    for (const id of ["f-1", "f-2", "f-3", "f-4"]) {
      assert.equal((await emu.client().send(new GetSessionStatusCommand({ SessionId: id }))).SessionId, id);
    }
    writeFileSync(join(dir, "bad.json"), JSON.stringify({ sessions: [{ id: "x", workgroup: "missing" }] }));
    await assert.rejects(emu.fixtures.load(join(dir, "bad.json")), (e) => {
      assert.equal(e.status, 400);
      assert.ok(e.message.startsWith(join(dir, "bad.json") + ": "), e.message);
      assert.match(e.message, /sessions\[0\]\.workgroup/);
      return true;
    });
  });

  test("sessions.transition and history; an unknown id is a 404 with the id", async () => {
    await emu.reset();
    const out = await emu.sessions.transition("example-idle", "FAILED", "disk full");
    assert.equal(out.state, "FAILED");
    const status = (await emu.client().send(new GetSessionStatusCommand({ SessionId: "example-idle" }))).Status;
    assert.equal(status.State, "FAILED");
    assert.equal(status.StateChangeReason, "disk full");
    const last = (await emu.sessions.history("example-idle")).at(-1);
    assert.deepEqual([last.state, last.reason, last.cause], ["FAILED", "disk full", "admin"]);
    await assert.rejects(emu.sessions.history("no/such session"), (e) => e.status === 404 && /no\/such session/.test(e.message));
  });

  test("chosen session and calculation ids; control tags are not listed", async () => {
    await emu.reset();
    const athena = emu.client();
    const { SessionId } = await athena.send(new StartSessionCommand({ WorkGroup: "spark", EngineConfiguration: ENGINE,
      Tags: [sessionIdTag("etl-1"), { Key: "team", Value: "data" }] }));
    assert.equal(SessionId, "etl-1");
    await assert.rejects(athena.send(new StartSessionCommand({ WorkGroup: "spark", EngineConfiguration: ENGINE,
      Tags: [sessionIdTag("etl-1")] })), (e) => e.name === "SessionAlreadyExistsException" && /etl-1 already exists/.test(e.message));
    const tags = await athena.send(new ListTagsForResourceCommand({ ResourceARN: "arn:aws:athena:us-east-1:123456789012:session/etl-1" }));
    assert.deepEqual(tags.Tags, [{ Key: "team", Value: "data" }]);
    await emu.clock.advance(6000);
    assert.deepEqual(await emu.sessions.setNextCalculationId("etl-1", "calc-1"), { session_id: "etl-1", next_calculation_id: "calc-1" });
    const calc = await athena.send(new StartCalculationExecutionCommand({ SessionId: "etl-1", CodeBlock: "print(1)" }));
    assert.equal(calc.CalculationExecutionId, "calc-1");
    await assert.rejects(emu.sessions.setNextCalculationId("etl-1", "calc-1"), (e) => e.status === 409 && /calc-1 already exists/.test(e.message));
    await emu.fixtures.load({ scenarios: { "born-idle": [{ after_ms: 0, state: "IDLE" }] } });
    const idle = await athena.send(new StartSessionCommand({ WorkGroup: "spark", EngineConfiguration: ENGINE, Tags: [scenarioTag("born-idle")] }));
    assert.equal(idle.State, "IDLE");
  });

  test("state() round-trips through reset and fixtures.load", async () => {
    await emu.reset();
    await emu.client().send(new StartSessionCommand({ WorkGroup: "spark", EngineConfiguration: ENGINE, Tags: [sessionIdTag("kept")] }));
    await emu.clock.advance(2000);
    const doc = await emu.state();
    await emu.reset({ fixtures: false });
    await emu.fixtures.load(doc);
    assert.equal((await emu.clock.now()).toISOString(), "2026-01-01T00:00:02.000Z");
    assert.equal((await emu.client().send(new GetSessionStatusCommand({ SessionId: "kept" }))).Status.State, "CREATING");
    assert.match(await emu.metrics(), /athena_emu_requests_total\{operation="GetSessionStatus"/);
  });

  test("attach by URL: shares the emulator, never stops it", async () => {
    const other = await attachAthenaEmu(emu.url + "/");
    assert.equal(other.url, emu.url);
    assert.equal(await other.stop(), null);
    assert.equal((await emu.health()).status, "ok");
  });
});

test("attaching to nothing names the URL; no URL at all says how to give one", async () => {
  await assert.rejects(attachAthenaEmu("http://127.0.0.1:9"), /GET http:\/\/127\.0\.0\.1:9\/_emulator\/health: no answer/);
  const saved = process.env.ATHENA_EMU_URL;
  delete process.env.ATHENA_EMU_URL;
  try {
    await assert.rejects(attachAthenaEmu(), /set ATHENA_EMU_URL/);
  } finally {
    if (saved !== undefined) process.env.ATHENA_EMU_URL = saved;
  }
});

test("a bad flag rejects with the emulator's own message", async () => {
  await assert.rejects(startAthenaEmu({ binary: BIN, args: ["--threads", "0"] }),
    (e) => e instanceof AthenaEmuError && /exited 2 before it was ready/.test(e.message) && /--threads/.test(e.message));
});

test("system clock, admin token and fixture files at start", async () => {
  const dir = mkdtempSync(join(tmpdir(), "athena-emu-node-test-"));
  writeFileSync(join(dir, "mine.json"), JSON.stringify({ workgroups: [{ name: "mine", engine_version: "PySpark engine version 3" }] }));
  const emu = await startAthenaEmu({ binary: BIN, clock: "system", fixtures: [join(dir, "mine.json")], adminToken: "s3cret" });
  try {
    const wgs = await emu.client().send(new ListWorkGroupsCommand({}));
    assert.deepEqual(wgs.WorkGroups.map((w) => w.Name), ["mine", "primary"]);
    await assert.rejects(emu.clock.advance(1), (e) => e.status === 409 && /manual/.test(e.message));
    const noToken = new (emu.constructor)({ url: emu.url });
    await assert.rejects(noToken.reset(), (e) => e.status === 401);
    await emu.reset();
  } finally {
    assert.equal(await emu.stop(), 0);
  }
});

test("findBinary: argument, ATHENA_EMU_BIN, PATH, then ./build/athena-emu", () => {
  const dir = mkdtempSync(join(tmpdir(), "athena-emu-node-find-"));
  const saved = { bin: process.env.ATHENA_EMU_BIN, path: process.env.PATH, cwd: process.cwd() };
  try {
    delete process.env.ATHENA_EMU_BIN;
    process.env.PATH = join(dir, "empty");
    process.chdir(dir);
    assert.throws(() => findBinary(), /set ATHENA_EMU_BIN/);
    mkdirSync(join(dir, "build"));
    symlinkSync(BIN, join(dir, "build", "athena-emu"));
    assert.equal(findBinary(), join(dir, "build", "athena-emu"));
    mkdirSync(join(dir, "bin"));
    symlinkSync(BIN, join(dir, "bin", "athena-emu"));
    process.env.PATH = join(dir, "bin");
    assert.equal(findBinary(), join(dir, "bin", "athena-emu"));
    process.env.ATHENA_EMU_BIN = BIN;
    assert.equal(findBinary(), BIN);
    assert.throws(() => findBinary(join(dir, "nothing")), /is not an executable file/);
  } finally {
    process.chdir(saved.cwd);
    process.env.PATH = saved.path;
    if (saved.bin === undefined) delete process.env.ATHENA_EMU_BIN;
    else process.env.ATHENA_EMU_BIN = saved.bin;
  }
});
