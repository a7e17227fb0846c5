#!/bin/sh
# Runs one test headless: its own HOME and XDG folders, its own Xvfb (found
# race-free with -displayfd), a private D-Bus session and an unlocked
# gnome-keyring on it. meson uses it for every test (see tests/meson.build),
# so `meson test` alone gives the same run as CI.
#
# Copyright 2026 The Cercle authors
# SPDX-License-Identifier: GPL-3.0-or-later
set -u

if [ "${1:-}" = "--inside-bus" ]; then
  shift
  # Unlocked with a throw-away password: a locked keyring would open a
  # prompt and hang the test. The daemon is not ours: G_DEBUG=fatal-warnings
  # (for our code) makes it abort on its own warnings at the first item
  # stored.
  printf '%s' cercle-test | env -u G_DEBUG -u G_ENABLE_DIAGNOSTIC -u MALLOC_CHECK_ -u MALLOC_PERTURB_ \
    gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1
  "$@"
  status=$?
  keyring_pid=$(dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
                  org.freedesktop.DBus.GetConnectionUnixProcessID string:org.freedesktop.secrets 2>/dev/null \
                | awk '/uint32/ { print $2 }')
  [ -n "$keyring_pid" ] && kill "$keyring_pid" 2>/dev/null
  exit $status
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cercle-test.XXXXXX") || exit 99
cleanup () {
  [ -n "${xvfb_pid:-}" ] && kill "$xvfb_pid" 2>/dev/null && wait "$xvfb_pid" 2>/dev/null
  [ -z "${CERCLE_TEST_KEEP:-}" ] && rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

export HOME="$tmp/home"
export XDG_DATA_HOME="$tmp/data"
export XDG_CONFIG_HOME="$tmp/config"
export XDG_CACHE_HOME="$tmp/cache"
export XDG_STATE_HOME="$tmp/state"
export XDG_RUNTIME_DIR="$tmp/runtime"
mkdir -p "$HOME" "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME" "$XDG_STATE_HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
export CERCLE_TEST_TMPDIR="$tmp"

export GSETTINGS_BACKEND=memory
export GSK_RENDERER=cairo
export GDK_BACKEND=x11
export GTK_A11Y="${GTK_A11Y:-none}"
export NO_AT_BRIDGE=1
export LC_ALL="${LC_ALL:-C.UTF-8}"

# Xvfb writes its display number to fd 3 once it accepts connections.
# -noreset: an X server resets when its last client leaves, and refuses
# connections meanwhile; a short-lived client (at-spi-bus-launcher, xdpyinfo)
# leaving just as the app starts made it fail with "cannot open display".
Xvfb -displayfd 3 -screen 0 1280x1024x24 -nolisten tcp -noreset 3>"$tmp/display" >/dev/null 2>&1 &
xvfb_pid=$!
i=0
while [ ! -s "$tmp/display" ] && [ $i -lt 200 ]; do
  sleep 0.05
  i=$((i + 1))
done
if [ ! -s "$tmp/display" ]; then
  echo "test-wrapper: Xvfb did not start" >&2
  exit 99
fi
export DISPLAY=":$(cat "$tmp/display")"

dbus-run-session -- "$0" --inside-bus "$@"
