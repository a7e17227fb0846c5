#!/bin/sh
# test-app-startup: the installed-to-be binary starts in French from the build
# tree, paints its main window and quits cleanly (CERCLE_STARTUP_PROBE, the
# hook build-aux/bench-startup.sh times). TAP output.
#
#   test-app-startup.sh CERCLE_BINARY
#
# Copyright 2026 The Cercle authors
# SPDX-License-Identifier: GPL-3.0-or-later
set -u

app=$1
out="${CERCLE_TEST_TMPDIR:-/tmp}/startup.out"

LC_ALL=fr_FR.UTF-8 LANGUAGE=fr CERCLE_LOCALEDIR="$CERCLE_BUILD_DIR/po" CERCLE_STARTUP_PROBE=1 \
  timeout 30 "$app" >"$out" 2>"$out.err"
status=$?

if [ $status -eq 0 ]; then
  echo "ok 1 - /app/startup/exit-status"
else
  echo "not ok 1 - /app/startup/exit-status"
  echo "# exited with $status"
  sed 's/^/# /' "$out.err"
fi

if grep -Eq '^first-frame-us [0-9]+$' "$out"; then
  echo "ok 2 - /app/startup/first-frame"
else
  echo "not ok 2 - /app/startup/first-frame"
  sed 's/^/# stdout: /' "$out"
  status=1
fi

# Nothing on stderr: no warning, no critical on the way up.
if [ ! -s "$out.err" ]; then
  echo "ok 3 - /app/startup/quiet"
else
  echo "not ok 3 - /app/startup/quiet"
  sed 's/^/# /' "$out.err"
  status=1
fi

# "cercle --version" answers on stdout and opens no window (no display
# needed: it must not even connect to one).
version=$(DISPLAY= WAYLAND_DISPLAY= timeout 10 "$app" --version 2>"$out.version-err")
if [ $? -eq 0 ] && echo "$version" | grep -Eq '^cercle [0-9]+\.[0-9]+'; then
  echo "ok 4 - /app/version"
else
  echo "not ok 4 - /app/version"
  echo "# stdout: $version"
  sed 's/^/# /' "$out.version-err"
  status=1
fi

echo "1..4"
[ $status -eq 0 ]
