#pragma once
// `athena-emu healthcheck`: asks a running emulator's GET /_emulator/health, for container
// HEALTHCHECKs that have no curl. Exit 0 when it answers {"status":"ok"}, 1 otherwise.
namespace athena {

int run_healthcheck(int argc, const char* const* argv);

}  // namespace athena
