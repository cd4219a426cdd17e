// The README's Node Testcontainers recipe, for real: testcontainers 11 starts the image of
// docker/ through podman's Docker-compatible API, waits on /_emulator/health, and the AWS SDK
// and the athena-emu Node package drive it on the mapped port.
//
// Needs Node >= 20 (testcontainers 11), root and a podman that runs; else it prints why and
// exits 77 (CTest: SKIP_RETURN_CODE). The podman helper script is ATHENA_EMU_CONTAINER_TOOL or,
// repository-relative, ../shared/tools/container. Builds the image as
// localhost/athena-emu:testcontainers (ATHENA_EMU_TC_IMAGE: use that image, no build).
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, watch } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { once } from "node:events";
import test from "node:test";
import assert from "node:assert/strict";

const SKIP = 77;
const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, "..", "..", "..");
const tool = process.env.ATHENA_EMU_CONTAINER_TOOL || resolve(repo, "..", "shared", "tools", "container");

function skip(why) {
  console.log(`SKIP: ${why}`);
  process.exit(SKIP);
}

const [major] = process.versions.node.split(".").map(Number);
if (major < 20) skip(`testcontainers 11 needs Node >= 20; this is Node ${process.versions.node}`);
if (!existsSync(tool)) skip(`no podman helper script at ${tool} (set ATHENA_EMU_CONTAINER_TOOL)`);
if (process.getuid() !== 0) skip("podman builds here need root");
const info = spawnSync("bash", [tool, "podman", "info", "--format", "{{.Store.GraphDriverName}}"], { encoding: "utf8", timeout: 120000 });
if (info.status !== 0) skip(`podman cannot run here: ${(info.stderr || info.error?.message || "").trim().split("\n").pop()}`);

let image = process.env.ATHENA_EMU_TC_IMAGE;
if (!image) {
  image = "localhost/athena-emu:testcontainers";
  const t0 = Date.now();
  const build = spawnSync("bash", [tool, "build", "docker/Dockerfile", ".", image], { cwd: repo, encoding: "utf8" });
  if (build.status !== 0) throw new Error(`image build failed:\n${(build.stdout + build.stderr).slice(-4000)}`);
  console.log(`# built ${image} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

// The image's OCI labels (docker/Dockerfile).
const inspect = spawnSync("bash", [tool, "podman", "image", "inspect", "--format", "{{json .Labels}}", image], { encoding: "utf8" });
const labels = JSON.parse(inspect.stdout.trim().split("\n").pop());
for (const key of ["title", "description", "version", "revision", "created", "source"]) {
  assert.ok(labels[`org.opencontainers.image.${key}`], `label org.opencontainers.image.${key} missing: ${inspect.stdout}`);
}
assert.equal(labels["org.opencontainers.image.title"], "athena-emu");

// podman's Docker-compatible API on a socket of our own; stopped by its PID at the end.
const sockDir = mkdtempSync(join(tmpdir(), "athena-emu-tc-"));
const sock = join(sockDir, "podman.sock");
const appeared = new Promise((resolveSock) => {
  const w = watch(sockDir, () => {
    if (existsSync(sock)) {
      w.close();
      resolveSock();
    }
  });
});
const service = spawn("bash", [tool, "service", sock], { stdio: ["ignore", "inherit", "inherit"] });
const serviceDied = once(service, "exit").then(([code]) => {
  throw new Error(`podman system service exited ${code} before its socket appeared`);
});
await Promise.race([appeared, serviceDied]);
process.env.DOCKER_HOST = `unix://${sock}`;
process.env.TESTCONTAINERS_RYUK_DISABLED = "true"; // no registry to pull Ryuk from: stop in `finally`
process.env.TESTCONTAINERS_HOST_OVERRIDE = "127.0.0.1";

test.after(() => {
  service.kill("SIGTERM");
  rmSync(sockDir, { recursive: true, force: true });
});

test("the Node Testcontainers recipe: GenericContainer, port 4599, wait on /_emulator/health", async () => {
  // ---- the recipe, as docs/testing-your-client.md shows it ----
  const { GenericContainer, Wait } = await import("testcontainers");
  const { AthenaClient, GetSessionStatusCommand, StartSessionCommand } = await import("@aws-sdk/client-athena");
  const container = await new GenericContainer(image)
    .withExposedPorts(4599)
    .withEnvironment({ ATHENA_EMU_DB: ":memory:" })
    .withCommand(["--clock", "manual"])
    .withWaitStrategy(Wait.forHttp("/_emulator/health", 4599).forStatusCode(200))
    .start();
  try {
    const endpoint = `http://${container.getHost()}:${container.getMappedPort(4599)}`;
    const athena = new AthenaClient({ endpoint, region: "us-east-1",
      credentials: { accessKeyId: "test", secretAccessKey: "test" } });
    // ---- end of the recipe ----
    const out = await athena.send(new GetSessionStatusCommand({ SessionId: "example-idle" }));
    assert.equal(out.Status.State, "IDLE");

    const { attachAthenaEmu } = await import("../../../clients/node/index.mjs");
    const emu = await attachAthenaEmu(endpoint);
    const { SessionId } = await athena.send(new StartSessionCommand({ WorkGroup: "spark",
      EngineConfiguration: { MaxConcurrentDpus: 20 }, Tags: [{ Key: "athena-emu:session-id", Value: "in-a-container" }] }));
    assert.equal(SessionId, "in-a-container");
    await emu.clock.advance(6000);
    assert.equal((await athena.send(new GetSessionStatusCommand({ SessionId }))).Status.State, "IDLE");
    assert.equal((await emu.journal({ sessionId: SessionId })).length, 2);
    assert.equal(await emu.stop(), null); // attached: the container is Testcontainers' to stop
  } finally {
    await container.stop();
  }
});
