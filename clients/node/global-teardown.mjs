// globalTeardown for Jest (Vitest uses the function global-setup returns): stops the emulator
// global-setup started.
export { teardown as default } from "./global-setup.mjs";
