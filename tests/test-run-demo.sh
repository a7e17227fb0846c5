#!/bin/bash
# test-run-demo: the README's run command (build-aux/run-demo.sh, what
# `build-aux/dev run` starts) lands a new user on the demo data: a real
# cercle-server --demo, cercle-syncd signed in as dr.martin on the private
# bus and unlocked keyring of build-aux/test-wrapper.sh, and the app
# window; the local store then holds the demo patients, Jeanne Durand's
# notes and her referral. A TERM to the script stops all three. TAP output.
#
#   test-run-demo.sh SOURCE_DIR BUILD_DIR CERCLE_CLI
#
# Copyright 2026 The Cercle authors
# SPDX-License-Identifier: GPL-3.0-or-later
set -u

src=$1
build=$2
cli=$3
tmp="${CERCLE_TEST_TMPDIR:-/tmp}"
log="$tmp/run-demo.err"
store="${XDG_DATA_HOME:-$HOME/.local/share}/cercle/cercle.db"
port=$((20000 + RANDOM % 30000))
n=0
failed=0

check () {
  n=$((n + 1))
  if [ "$1" -eq 0 ]; then
    echo "ok $n - $2"
  else
    echo "not ok $n - $2"
    failed=1
    sed 's/^/# run-demo: /' "$log"
  fi
}

has_owner () {
  dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.NameHasOwner "string:$1" 2>/dev/null | grep -q 'boolean true'
}

owner_pid () {
  dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.GetConnectionUnixProcessID "string:$1" 2>/dev/null | awk '/uint32/ { print $2 }'
}

count () {
  python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])' \
    "$store" "$1" 2>/dev/null || echo 0
}

CERCLE_DEMO_PORT=$port "$src/build-aux/run-demo.sh" "$build" >"$tmp/run-demo.out" 2>"$log" &
demo=$!

# The app is up once it owns its name on the bus (run-demo starts it after
# the first sync).
up=1
for _ in $(seq 600); do
  if has_owner fr.cercle.Cercle; then up=0; break; fi
  kill -0 $demo 2>/dev/null || break
  sleep 0.1
done
check $up "/run-demo/app-started"

"$cli" sync status >"$tmp/status.out" 2>&1
grep -q '(idle)' "$tmp/status.out" && grep -q 'dr.martin' "$tmp/status.out"
check $? "/run-demo/signed-in-as-dr-martin"

"$cli" patient list --format tsv >"$tmp/patients.out" 2>&1
[ "$(grep -c '^pat-' "$tmp/patients.out")" -ge 5 ] && grep -q '^pat-durand-jeanne	DURAND Jeanne	' "$tmp/patients.out"
check $? "/run-demo/demo-patients"

"$cli" note list --patient pat-durand-jeanne --format tsv >"$tmp/notes.out" 2>&1
[ "$(grep -c . "$tmp/notes.out")" -ge 5 ]
check $? "/run-demo/demo-notes"

[ "$(count "SELECT count(*) FROM resource WHERE type = 'ServiceRequest' AND patient_id = 'pat-durand-jeanne'")" -ge 1 ] \
  && [ "$(count "SELECT count(*) FROM resource WHERE type = 'Task'")" -ge 3 ]
check $? "/run-demo/demo-referral"

# TERM to the script: the app, the service and the server stop with it.
kill -TERM $demo 2>/dev/null
stopped=1
for _ in $(seq 100); do
  if ! kill -0 $demo 2>/dev/null && ! has_owner fr.cercle.Cercle && ! has_owner fr.cercle.Cercle.Sync \
     && ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    stopped=0
    break
  fi
  sleep 0.1
done
check $stopped "/run-demo/term-stops-everything"
if [ $stopped -ne 0 ]; then
  # what was left running, by the pid its bus name gives
  for name in fr.cercle.Cercle fr.cercle.Cercle.Sync; do
    pid=$(owner_pid $name)
    [ -n "$pid" ] && kill "$pid" 2>/dev/null
  done
fi
wait $demo 2>/dev/null

echo "1..$n"
exit $failed
