#!/bin/bash
# Start-up benchmark: from process start to the first painted frame of the
# main window, under a private Xvfb (software rendering) and D-Bus session.
# Prints each run and the median of 10 (one warm-up run first, not counted).
#
#   build-aux/bench-startup.sh [BUILD_DIR] [RUNS]
#
# The app prints the CLOCK_MONOTONIC time of its first frame's "after-paint"
# when CERCLE_STARTUP_PROBE is set, then quits; this script takes the same
# clock just before it spawns the process.
#
# Copyright 2026 The Cercle authors
# SPDX-License-Identifier: GPL-3.0-or-later
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build="${1:-${CERCLE_BUILD_DIR:-$top/_build}}"
runs="${2:-10}"
build=$(mkdir -p "$build" && cd "$build" && pwd)

if [ ! -f "$build/build.ninja" ]; then
  meson setup "$build" "$top"
fi
meson compile -C "$build" >/dev/null

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cercle-bench.XXXXXX")
xvfb_pid=
cleanup () {
  [ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null && wait "$xvfb_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

Xvfb -displayfd 3 -screen 0 1280x1024x24 -nolisten tcp -noreset 3>"$tmp/display" >/dev/null 2>&1 &
xvfb_pid=$!
for _ in $(seq 100); do
  [ -s "$tmp/display" ] && break
  sleep 0.05
done
[ -s "$tmp/display" ] || { echo "bench: Xvfb did not start" >&2; exit 1; }
export DISPLAY=":$(cat "$tmp/display")"

export HOME="$tmp/home" XDG_CONFIG_HOME="$tmp/config" XDG_DATA_HOME="$tmp/data"
export XDG_CACHE_HOME="$tmp/cache" XDG_STATE_HOME="$tmp/state"
mkdir -p "$HOME" "$XDG_CONFIG_HOME" "$XDG_DATA_HOME" "$XDG_CACHE_HOME" "$XDG_STATE_HOME"
export GSETTINGS_BACKEND=memory GSETTINGS_SCHEMA_DIR="$build/data" CERCLE_LOCALEDIR="$build/po"
export LANGUAGE=fr LC_ALL=fr_FR.UTF-8
export GSK_RENDERER=cairo GDK_BACKEND=x11 GTK_A11Y=none
export CERCLE_STARTUP_PROBE=1 CERCLE_APP="$build/src/cercle/cercle" CERCLE_RUNS="$runs"

dbus-run-session -- python3 - <<'PY' 2> >(grep -v "Failed to set fd limit" >&2)
import os, statistics, subprocess, sys, time

app = os.environ["CERCLE_APP"]
runs = int(os.environ["CERCLE_RUNS"])

def once():
    start_us = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
    p = subprocess.run([app], capture_output=True, text=True, timeout=60)
    for line in p.stdout.splitlines():
        if line.startswith("first-frame-us "):
            return (int(line.split()[1]) - start_us) / 1000.0
    sys.exit(f"bench: no first frame (exit {p.returncode}): {p.stderr.strip()}")

once()  # warm-up: page cache, fontconfig cache
times = []
for i in range(runs):
    ms = once()
    times.append(ms)
    print(f"run {i + 1:2d}: {ms:7.1f} ms")
print(f"start-up to first painted frame: median {statistics.median(times):.1f} ms "
      f"(min {min(times):.1f}, max {max(times):.1f}, {runs} runs, Xvfb, GSK_RENDERER=cairo)")
PY
