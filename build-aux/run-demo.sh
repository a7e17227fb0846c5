#!/bin/bash
# Starts Cercle on the demo data from a build tree: the demo backend
# (cercle-server --demo on 127.0.0.1, its database under the user's data
# folder), the sync service (cercle-syncd on the session bus, signed in as
# dr.martin: the session goes to the keyring), then the app window; what
# this script started stops when the app exits. Without a session bus or a
# keyring, the app still opens on the local store and a hint says why
# nothing syncs.
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
syncd_pid=""
app_pid=""
stop_server () {
  for pid in $app_pid $syncd_pid $server_pid; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
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

# The sync service, signed in as dr.martin, so that the app opens on the
# demo patients, notes and referral.
cli="$build/src/cli/cercle-cli"
syncd_log="$data/syncd-demo.log"
if [ -n "$server_pid" ] && [ -x "$build/src/syncd/cercle-syncd" ]; then
  if [ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ] && [ ! -S "${XDG_RUNTIME_DIR:-/run/user/$(id -u)}/bus" ]; then
    echo "run-demo : pas de bus de session D-Bus, la synchronisation ne démarre pas (l’application s’ouvre sur les données locales)." >&2
    echo "run-demo : lancez-la depuis une session de bureau, ou : dbus-run-session -- build-aux/dev run" >&2
  else
    # An installed service may already hold the name: it is used instead.
    "$build/src/syncd/cercle-syncd" 2>"$syncd_log" &
    syncd_pid=$!
    sleep 0.3
    kill -0 "$syncd_pid" 2>/dev/null || syncd_pid=""
    if login_error=$(printf '%s\n' cercle-demo | "$cli" sync login --server "$CERCLE_SERVER_URL" --user dr.martin \
                       --password-stdin 2>&1 >/dev/null); then
      "$cli" sync now --wait >/dev/null 2>&1 \
        || echo "run-demo : la première synchronisation a échoué (voir « $cli sync status »)" >&2
      echo "run-demo : cercle-syncd connecté en tant que dr.martin (log : $syncd_log)" >&2
    else
      echo "run-demo : la connexion de cercle-syncd a échoué : ${login_error#cercle-cli: }" >&2
      echo "run-demo : il faut un trousseau (Secret Service, p. ex. gnome-keyring) déverrouillé dans la session ;" \
           "l’application s’ouvre sur les données locales." >&2
    fi
  fi
fi

# In the background and waited for: a TERM sent to this script then stops
# the app, the service and the server at once (bash runs a trap only once
# its foreground command has ended).
"$build/src/cercle/cercle" &
app_pid=$!
status=0
wait "$app_pid" || status=$?
app_pid=""
exit "$status"
