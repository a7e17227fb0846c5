#!/bin/bash
# Builds the libFuzzer targets with clang and AddressSanitizer in their own
# build folder and runs each for a bounded time (default 30 s each):
#
#   build-aux/fuzz.sh [SECONDS]
#
# The corpora start from tests/fuzz/corpus*; crashes land in the build folder
# (crash-*) and fail the run.
#
# Copyright 2026 The Cercle authors
# SPDX-License-Identifier: GPL-3.0-or-later
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build="${CERCLE_FUZZ_BUILD_DIR:-$top/_build-fuzz}"
seconds="${1:-30}"

if [ ! -f "$build/build.ninja" ]; then
  CC=clang meson setup "$build" "$top" -Dgui=false -Dfuzzing=true -Dfuzz_seconds="$seconds" \
    -Db_sanitize=address -Db_lundef=false -Dc_args=-fsanitize=fuzzer-no-link >/dev/null
else
  meson configure "$build" -Dfuzz_seconds="$seconds" >/dev/null
fi
# Each target with the seeds of its corpus folder under tests/fuzz/.
targets=(fuzz-fhir-parse:corpus fuzz-directory-import:corpus-directory)
for t in "${targets[@]}"; do
  ninja -C "$build" "tests/fuzz/${t%%:*}"
done
for t in "${targets[@]}"; do
  name="${t%%:*}"
  seeds="${t#*:}"
  # The corpus grows in a copy: the seeds in the source tree stay small.
  corpus="$build/fuzz-corpus/$name"
  mkdir -p "$corpus"
  cp -n "$top/tests/fuzz/$seeds"/* "$corpus"/
  echo "fuzz.sh: $name for ${seconds}s" >&2
  (cd "$build" && ASAN_OPTIONS=detect_leaks=1 "./tests/fuzz/$name" -max_total_time="$seconds" -timeout=10 \
     -print_final_stats=1 "$corpus")
done
