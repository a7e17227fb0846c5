#!/bin/bash
# Starts Cercle on the demo data from a build tree: the demo backend
# (cercle-server --demo on 127.0.0.1, its database under the user's data
# folder), then the app window; the server stops when the app exits. The
# sync service joins them as its issue lands.
#
# Copyright 2026 The Cercle authors
# SPDX-License-Identifier: GPL-3.0-or-later
set -euo pipefail
build="$1"
export GSETTINGS_SCHEMA_DIR="$build/data"
export CERCLE_LOCALEDIR="$build/po"
# The demo directory of the source tree, loaded on first run.
export CERCLE_DEMO_DIR="${CERCLE_DEMO_DIR:-$(cd "$(dirname "$0")/.." && pwd)/data/demo}"
# The demo is shown in French, whatever the locale of the shell that started
# it (CERCLE_DEMO_LOCALE=C.UTF-8 shows the English source strings).
export LC_ALL="${CERCLE_DEMO_LOCALE:-fr_FR.UTF-8}"
export LANGUAGE="${LC_ALL%%_*}"

data="${XDG_DATA_HOME:-$HOME/.local/share}/cercle"
mkdir -p "$data"
port="${CERCLE_DEMO_PORT:-8642}"
server_log="$data/server-demo.log"
server_pid=""
stop_server () {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
}
trap stop_server EXIT INT TERM

if [ -x "$build/src/server/cercle-server" ]; then
  # Demo accounts (password cercle-demo): see README.md.
  "$build/src/server/cercle-server" --demo --db "$data/server-demo.db" --listen "127.0.0.1:$port" \
    >"$data/server-demo.out" 2>"$server_log" &
  server_pid=$!
  for _ in $(seq 100); do
    if ! kill -0 "$server_pid" 2>/dev/null; then
      echo "run-demo: cercle-server did not start (port $port busy?), see $server_log" >&2
      server_pid=""
      break
    fi
    grep -q '^Listening on' "$data/server-demo.out" 2>/dev/null && break
    sleep 0.1
  done
  [ -n "$server_pid" ] && echo "run-demo: cercle-server on http://127.0.0.1:$port/fhir (log: $server_log)" >&2
fi

export CERCLE_SERVER_URL="http://127.0.0.1:$port"
"$build/src/cercle/cercle"
