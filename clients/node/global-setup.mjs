// globalSetup for Vitest and Jest: one athena-emu for the whole run, its URL in ATHENA_EMU_URL
// (test files: `const emu = await attachAthenaEmu()`).
//
//   Vitest (vitest.config.mjs):  export default { test: { globalSetup: ["athena-emu/global-setup"] } }
//   Jest (jest.config.mjs):      export default { globalSetup: "athena-emu/global-setup",
//                                                 globalTeardown: "athena-emu/global-teardown" }
//
// Vitest calls the default export and, at the end, the function it returns; Jest calls it and,
// at the end, global-teardown.mjs. When ATHENA_EMU_URL is set already (a container, a compose
// service) nothing is started. The binary is found as startAthenaEmu does (ATHENA_EMU_BIN, PATH,
// ./build/athena-emu); ATHENA_EMU_CLOCK picks the clock (manual by default); the binary itself
// reads ATHENA_EMU_FIXTURES and the other ATHENA_EMU_* variables.
import { startAthenaEmu } from "./index.mjs";

export default async function setup() {
  if (process.env.ATHENA_EMU_URL) return async () => {};
  const emu = await startAthenaEmu({ clock: process.env.ATHENA_EMU_CLOCK || "manual" });
  process.env.ATHENA_EMU_URL = emu.url;
  globalThis.__ATHENA_EMU__ = emu;
  return teardown;
}

export async function teardown() {
  const emu = globalThis.__ATHENA_EMU__;
  if (!emu) return;
  delete globalThis.__ATHENA_EMU__;
  delete process.env.ATHENA_EMU_URL;
  const code = await emu.stop();
  if (code !== 0) process.stderr.write(`athena-emu exited ${code}; its log:\n${emu.log()}`);
}
