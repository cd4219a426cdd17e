// Default sanitizer options of the `asan` build (ATHENA_SANITIZE), compiled into every
// executable; ASAN_OPTIONS / UBSAN_OPTIONS in the environment add to or override them.
// A report (memory error, leak, undefined behaviour) ends the process with exit code 86, so
// a test that runs the binary and checks its exit code or its answers fails.
extern "C" {

const char* __asan_default_options() {
    return "halt_on_error=1:detect_leaks=1:exitcode=86:detect_stack_use_after_return=1:"
           "check_initialization_order=1:strict_init_order=1";
}

const char* __ubsan_default_options() { return "halt_on_error=1:print_stacktrace=1"; }
}
