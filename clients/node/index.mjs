// athena-emu in your tests (Node >= 18, ESM): start or attach to the emulator, get an AthenaClient
// for it, move its manual clock, add faults, read its journal.
//
//   import { startAthenaEmu } from "athena-emu";
//   const emu = await startAthenaEmu();                 // the binary on a free port, manual clock
//   const athena = emu.client();                        // AthenaClient: endpoint, region, dummy keys
//   await emu.clock.advance(6000);
//   await emu.stop();
//
// `attachAthenaEmu(url)` uses an emulator that runs already (a container, a compose service, the
// one a globalSetup started: ATHENA_EMU_URL) and never stops it. Admin API errors reject with an
// AthenaEmuError carrying the emulator's message and the HTTP status.

import { spawn } from "node:child_process";
import { accessSync, constants, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, watch } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { delimiter, join, resolve } from "node:path";
import { once } from "node:events";
import { AthenaClient } from "@aws-sdk/client-athena";

export const DUMMY_CREDENTIALS = Object.freeze({ accessKeyId: "test", secretAccessKey: "test" });

export class AthenaEmuError extends Error {
  constructor(message, { status = 0, method, path } = {}) {
    super(message);
    this.name = "AthenaEmuError";
    this.status = status;
    this.method = method;
    this.path = path;
  }
}

function isExecutable(path) {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

// The athena-emu executable: `binary`, else $ATHENA_EMU_BIN, else `athena-emu` on PATH, else
// ./build/athena-emu. Throws an AthenaEmuError naming every place it looked.
export function findBinary(binary) {
  for (const [source, candidate] of [["argument", binary], ["ATHENA_EMU_BIN", process.env.ATHENA_EMU_BIN]]) {
    if (!candidate) continue;
    if (isExecutable(candidate)) return resolve(candidate);
    throw new AthenaEmuError(`athena-emu binary ${JSON.stringify(candidate)} (from the ${source}) is not an executable file`);
  }
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir && isExecutable(join(dir, "athena-emu"))) return join(dir, "athena-emu");
  }
  const local = resolve("build", "athena-emu");
  if (isExecutable(local)) return local;
  throw new AthenaEmuError(
    "no athena-emu binary: pass it ({ binary }), set ATHENA_EMU_BIN, put athena-emu on PATH or build " +
      "./build/athena-emu (scripts/run.sh builds it); or attach to a running emulator with attachAthenaEmu(url)",
  );
}

function timeArg(t) {
  return t instanceof Date ? t.toISOString() : t; // RFC 3339 text or epoch seconds pass as they are
}

export class AthenaEmu {
  constructor({ url, region = "us-east-1", adminToken, child, dir, command } = {}) {
    this.url = url.replace(/\/+$/, "");
    this.region = region;
    this.process = child ?? null;
    this._token = adminToken;
    this._dir = dir;
    this._command = command;
    this._log = [];
    if (child) {
      child.stdout.on("data", (c) => this._log.push(c));
      child.stderr.on("data", (c) => this._log.push(c));
    }
    const emu = this;
    // Plain functions (no `this`): emu.clock.sleep can be handed around as it is.
    this.clock = {
      now: async () => new Date((await emu.admin("GET", "clock")).now),
      advance: async (ms) => new Date((await emu.admin("POST", "clock", { advance_ms: Math.round(ms) })).now),
      set: async (t) => new Date((await emu.admin("POST", "clock", { set: timeArg(t) })).now),
      // A stand-in for a sleep of `ms` milliseconds that moves the emulator's clock instead of
      // waiting: hand it to your polling code.
      sleep: async (ms) => {
        await emu.clock.advance(ms);
      },
    };
    this.faults = {
      // A rule as the README's fault rules; the keys error, status, message, members, latency_ms
      // and transport also go into its action: add({ operation: "GetSessionStatus", error: "ThrottlingException" }).
      async add(rule) {
        const { action = {}, ...rest } = rule ?? {};
        const act = { ...action };
        for (const key of ["error", "status", "message", "members", "latency_ms", "transport"]) {
          if (key in rest) {
            act[key] = rest[key];
            delete rest[key];
          }
        }
        return emu.admin("POST", "faults", { operation: "*", ...rest, action: act });
      },
      async list() {
        return (await emu.admin("GET", "faults")).faults;
      },
      async remove(id) {
        await emu.admin("DELETE", `faults/${encodeURIComponent(id)}`);
      },
      async clear() {
        await emu.admin("DELETE", "faults");
      },
    };
    this.fixtures = {
      // A fixture document (object), or the path of a JSON file or of a directory of *.json files
      // (applied in name order). Resolves to the counts applied (an array for a directory).
      async load(docOrPath) {
        if (typeof docOrPath === "object" && docOrPath !== null) {
          return (await emu.admin("POST", "fixtures", docOrPath)).applied;
        }
        const path = String(docOrPath);
        if (statSync(path).isDirectory()) {
          const out = [];
          for (const name of readdirSync(path).filter((n) => n.endsWith(".json")).sort()) {
            out.push(await emu.fixtures.load(join(path, name)));
          }
          return out;
        }
        let doc;
        try {
          doc = JSON.parse(readFileSync(path, "utf8"));
        } catch (e) {
          throw new AthenaEmuError(`${path}: not JSON: ${e.message}`);
        }
        try {
          return await emu.fixtures.load(doc);
        } catch (e) {
          if (e instanceof AthenaEmuError) e.message = `${path}: ${e.message}`;
          throw e;
        }
      },
    };
    const sessionPath = (id, what) => `sessions/${encodeURIComponent(id)}/${what}`;
    this.sessions = {
      async transition(id, state, reason, { account, region } = {}) {
        const body = reason === undefined ? { state } : { state, reason };
        return emu.admin("POST", sessionPath(id, "transition"), body, { account, region });
      },
      async history(id, { account, region } = {}) {
        return (await emu.admin("GET", sessionPath(id, "history"), undefined, { account, region })).transitions;
      },
      async setNextCalculationId(id, calculationId, { account, region } = {}) {
        return emu.admin("POST", sessionPath(id, "next-calculation-id"), { id: calculationId }, { account, region });
      },
    };
  }

  // An AthenaClient for the emulator (endpoint, region, dummy credentials); `config` overrides.
  client(config = {}) {
    return new AthenaClient({ endpoint: this.url, region: this.region, credentials: { ...DUMMY_CREDENTIALS }, ...config });
  }

  // One admin call (path under /_emulator/): the decoded JSON answer (text for metrics).
  async admin(method, path, body, query) {
    const params = new URLSearchParams(Object.entries(query ?? {}).filter(([, v]) => v !== undefined && v !== null));
    const qs = params.toString();
    const target = `/_emulator/${path}${qs ? `?${qs}` : ""}`;
    const url = new URL(target, this.url);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers = {};
    if (payload !== undefined) {
      headers["content-type"] = "application/json";
      headers["content-length"] = Buffer.byteLength(payload);
    }
    if (this._token) headers.authorization = `Bearer ${this._token}`;
    let res, text;
    try {
      // node:http with no agent: nothing kept alive, never a proxy.
      const req = http.request(url, { method, headers, agent: false });
      req.end(payload);
      [res] = await once(req, "response");
      const chunks = [];
      for await (const c of res) chunks.push(c);
      text = Buffer.concat(chunks).toString("utf8");
    } catch (e) {
      throw new AthenaEmuError(`${method} ${url}: no answer from athena-emu (${e.message})`, { method, path });
    }
    if (res.statusCode >= 400) {
      let message = text;
      try {
        message = JSON.parse(text).error ?? text;
      } catch {
        /* not JSON: the text as it came */
      }
      throw new AthenaEmuError(`${method} /_emulator/${path}: ${message} (HTTP ${res.statusCode})`, {
        status: res.statusCode,
        method,
        path,
      });
    }
    if (!(res.headers["content-type"] ?? "").includes("json")) return text;
    return text === "" ? {} : JSON.parse(text);
  }

  health() {
    return this.admin("GET", "health");
  }

  // Drops all state, returns the manual clock to its start, re-applies the startup fixtures
  // unless { fixtures: false }.
  async reset({ fixtures = true } = {}) {
    await this.admin("POST", "reset", fixtures ? {} : { fixtures: false });
  }

  // The AWS requests received, oldest first; filters { operation, sessionId, since }.
  async journal({ operation, sessionId, since } = {}) {
    const q = { operation, session_id: sessionId, since: since === undefined ? undefined : timeArg(since) };
    return (await this.admin("GET", "requests", undefined, q)).requests;
  }

  async clearJournal() {
    await this.admin("DELETE", "requests");
  }

  state() {
    return this.admin("GET", "state");
  }

  metrics() {
    return this.admin("GET", "metrics");
  }

  // What the started emulator logged so far ("" when attached).
  log() {
    return Buffer.concat(this._log).toString("utf8");
  }

  // SIGTERM, then waits (SIGKILL after 10 s); resolves to the exit code. An attached emulator
  // is left running (resolves to null).
  async stop() {
    const child = this.process;
    if (!child) return null;
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, "exit");
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10000);
      await exited;
      clearTimeout(timer);
    }
    if (this._dir) rmSync(this._dir, { recursive: true, force: true });
    this._dir = undefined;
    return child.exitCode;
  }

  // `await using emu = await startAthenaEmu()` (where supported) stops it at the end of the block.
  async [Symbol.asyncDispose ?? Symbol.for("Symbol.asyncDispose")]() {
    await this.stop();
  }
}

// Starts the binary on port 0 with --ready-file (no polling of the port, no sleeps) and resolves
// once it listens. Options: binary, clock ("manual" | "system"; default manual), startTime,
// fixtures (paths, or "none"; they replace the built-in fixtures), args (more flags), region,
// adminToken, readyTimeoutMs (30000).
export async function startAthenaEmu({
  binary,
  clock = "manual",
  startTime,
  fixtures = [],
  args = [],
  region,
  adminToken,
  readyTimeoutMs = 30000,
  env,
} = {}) {
  if (clock !== "manual" && clock !== "system") {
    throw new AthenaEmuError(`clock must be "manual" or "system", not ${JSON.stringify(clock)}`);
  }
  const bin = findBinary(binary);
  const dir = mkdtempSync(join(tmpdir(), "athena-emu-"));
  const ready = join(dir, "ready.json");
  const cmd = ["--port", "0", "--ready-file", ready, "--clock", clock];
  if (startTime !== undefined) cmd.push("--start-time", String(timeArg(startTime)));
  for (const f of [fixtures].flat()) cmd.push("--fixtures", String(f));
  if (adminToken) cmd.push("--admin-token", adminToken);
  cmd.push(...args);
  const child = spawn(bin, cmd, { stdio: ["ignore", "pipe", "pipe"], env: env ?? process.env });
  const log = [];
  const collect = (c) => log.push(c);
  child.stdout.on("data", collect);
  child.stderr.on("data", collect);
  const command = [bin, ...cmd].join(" ");
  const failed = (why) => {
    rmSync(dir, { recursive: true, force: true });
    return new AthenaEmuError(`athena-emu ${why}: ${command}\n${Buffer.concat(log).toString("utf8")}`);
  };

  // The emulator renames the ready file into place once it listens: watch the directory for it.
  let port;
  const watcher = watch(dir);
  await new Promise((resolveReady, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(failed(`was not ready within ${readyTimeoutMs} ms`));
    }, readyTimeoutMs);
    const check = () => {
      try {
        port = JSON.parse(readFileSync(ready, "utf8")).port;
      } catch {
        return;
      }
      finish();
      resolveReady();
    };
    const onExit = (code, signal) => {
      finish();
      reject(failed(`exited ${code ?? signal} before it was ready`)); // "close": its output is all in
    };
    const finish = () => {
      clearTimeout(timer);
      watcher.close();
      child.off("close", onExit);
    };
    watcher.on("change", check);
    child.on("close", onExit);
    child.on("error", (e) => {
      finish();
      reject(failed(`could not be started (${e.message})`));
    });
    check();
  });
  child.stdout.off("data", collect);
  child.stderr.off("data", collect);
  const emu = new AthenaEmu({ url: `http://127.0.0.1:${port}`, region, adminToken, child, dir, command });
  emu._log.unshift(...log);
  return emu;
}

// An emulator that runs already, at `url` (default: $ATHENA_EMU_URL, which the globalSetup sets).
// Checks /_emulator/health first. stop() leaves it running.
export async function attachAthenaEmu(url = process.env.ATHENA_EMU_URL, { region, adminToken } = {}) {
  if (!url) {
    throw new AthenaEmuError(
      "no emulator URL: pass one, or set ATHENA_EMU_URL (the athena-emu/global-setup module does)",
    );
  }
  const emu = new AthenaEmu({ url, region, adminToken });
  await emu.health();
  return emu;
}

// StartSession tags: the session gets this id / runs this fixture scenario. Neither is shown by
// ListTagsForResource.
export const sessionIdTag = (id) => ({ Key: "athena-emu:session-id", Value: id });
export const scenarioTag = (name) => ({ Key: "athena-emu:scenario", Value: name });
