#!/usr/bin/env bash
# The whole test suite under AddressSanitizer (Swift and the C kernels alike), in its own build
# directory (.build-asan) so the ordinary build is not invalidated. Leaks that the toolchain's
# own libraries report at exit are suppressed (.ci/lsan-suppressions.txt says which); any other
# leak, and any memory error, fails the run. `.ci/run` calls this; run from any directory.
set -euo pipefail
cd "$(dirname "$0")/.."

export LSAN_OPTIONS="suppressions=$PWD/.ci/lsan-suppressions.txt${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
swift build --build-tests --sanitize=address --scratch-path .build-asan
swift test --skip-build --sanitize=address --scratch-path .build-asan "$@"
