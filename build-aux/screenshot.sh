#!/bin/bash
# Takes the README/AppStream screenshot of the main window, in French, under
# a private Xvfb and D-Bus session. Anyone can re-run it:
#
#   build-aux/screenshot.sh [BUILD_DIR] [OUTPUT.png]
#
# Default output: data/screenshots/main-window.png. Needs Xvfb, dbus,
# x11-utils (xwininfo) and ImageMagick (import).
#
# Copyright 2026 The Cercle authors
# SPDX-License-Identifier: GPL-3.0-or-later
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build="${1:-${CERCLE_BUILD_DIR:-$top/_build}}"
out="${2:-$top/data/screenshots/main-window.png}"
build=$(mkdir -p "$build" && cd "$build" && pwd)
mkdir -p "$(dirname "$out")"
out="$(cd "$(dirname "$out")" && pwd)/$(basename "$out")"

if [ ! -f "$build/build.ninja" ]; then
  meson setup "$build" "$top"
fi
meson compile -C "$build" >/dev/null

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cercle-screenshot.XXXXXX")
xvfb_pid=
cleanup () {
  [ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null && wait "$xvfb_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

# Race-free: Xvfb writes its display number once it accepts connections.
Xvfb -displayfd 3 -screen 0 1280x1024x24 -nolisten tcp -noreset 3>"$tmp/display" >/dev/null 2>&1 &
xvfb_pid=$!
for _ in $(seq 100); do
  [ -s "$tmp/display" ] && break
  sleep 0.05
done
[ -s "$tmp/display" ] || { echo "screenshot: Xvfb did not start" >&2; exit 1; }
export DISPLAY=":$(cat "$tmp/display")"

# A clean, private session: default settings (window 960×640), the French
# translations from the build tree, stable software rendering.
export HOME="$tmp/home" XDG_CONFIG_HOME="$tmp/config" XDG_DATA_HOME="$tmp/data"
export XDG_CACHE_HOME="$tmp/cache" XDG_STATE_HOME="$tmp/state"
mkdir -p "$HOME" "$XDG_CONFIG_HOME/gtk-4.0" "$XDG_DATA_HOME" "$XDG_CACHE_HOME" "$XDG_STATE_HOME"
# What a GNOME session gives through XSettings: its interface font.
printf '[Settings]\ngtk-font-name=Cantarell 11\n' >"$XDG_CONFIG_HOME/gtk-4.0/settings.ini"
export GSETTINGS_BACKEND=memory GSETTINGS_SCHEMA_DIR="$build/data" CERCLE_LOCALEDIR="$build/po"
export LANGUAGE=fr LC_ALL=fr_FR.UTF-8 LANG=fr_FR.UTF-8
export GSK_RENDERER=cairo GDK_BACKEND=x11 GTK_A11Y=none

export CERCLE_APP="$build/src/cercle/cercle" CERCLE_SHOT="$out"
dbus-run-session -- bash -c '
  set -eu
  "$CERCLE_APP" & app=$!
  trap "kill $app 2>/dev/null || true" EXIT
  wid=
  for _ in $(seq 200); do
    wid=$(xwininfo -root -tree 2>/dev/null | awk "/\"Cercle\": \\(\"cercle\"/ { print \$1; exit }")
    [ -n "$wid" ] && break
    sleep 0.05
  done
  [ -n "$wid" ] || { echo "screenshot: no Cercle window" >&2; exit 1; }
  # Let the first frames (and the icon theme) settle.
  sleep 1.5
  eval "$(xwininfo -id "$wid" | awk "
    /Absolute upper-left X/ { print \"x=\" \$4 }
    /Absolute upper-left Y/ { print \"y=\" \$4 }
    /Width:/ { print \"w=\" \$2 }
    /Height:/ { print \"h=\" \$2 }")"
  import -window root -crop "${w}x${h}+${x}+${y}" +repage "$CERCLE_SHOT"
  echo "screenshot: ${w}x${h} window written to $CERCLE_SHOT"
' 2> >(grep -v "Failed to set fd limit" >&2)
