#!/bin/bash
# Measures one pass of cercle-server's response-deadline check:
#
#   build-aux/bench-deadlines.sh BUILD_DIR [OPEN_TASKS]
#
# Starts the server on a fresh demo database (checks every second, default
# delay 1 h), sends OPEN_TASKS referral Tasks (default 5000) for one demo
# patient with their own deadline in a day (not due), prints the times of
# the passes that find nothing to do; then sends OPEN_TASKS / 2 more whose
# deadline has passed (reminded 100 per pass) and prints those pass times
# (the server logs them at debug level).
#
# Copyright 2026 The Cercle authors
# SPDX-License-Identifier: GPL-3.0-or-later
set -euo pipefail

build="${1:?usage: bench-deadlines.sh BUILD_DIR [OPEN_TASKS]}"
n="${2:-5000}"
server="$build/src/server/cercle-server"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cercle-bench.XXXXXX")
pid=""
cleanup () {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

G_MESSAGES_DEBUG=all "$server" --db "$tmp/bench.db" --listen 127.0.0.1:0 --demo \
  --response-delay 1h --reminder-grace 1h --deadline-check-seconds 1 >"$tmp/out" 2>"$tmp/log" &
pid=$!
for _ in $(seq 100); do
  grep -q '^Listening on' "$tmp/out" 2>/dev/null && break
  sleep 0.05
done
url=$(sed -n 's/^Listening on \(.*\)\/$/\1/p' "$tmp/out")
token=$(curl -sf -d grant_type=password -d username=dr.martin -d password=cercle-demo "$url/auth/token" |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')

send () {
python3 - "$url" "$token" "$1" "$2" "$3" <<'PY'
import datetime, json, sys, urllib.request
url, token, start, n, due = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5] == "due"
later = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
def task(i):
    return {"resourceType": "Task", "id": "bench-%d" % i, "status": "requested", "intent": "order",
            "businessStatus": {"coding": [{"code": "non-lue"}]},
            "restriction": {"period": {"end": "2026-01-05" if due else later}},
            "focus": {"reference": "ServiceRequest/sr-durand-sortie"},
            "for": {"reference": "Patient/pat-durand-jeanne"},
            "requester": {"reference": "Practitioner/pract-martin-paul"},
            "owner": {"reference": "Organization/org-bench-%d" % i}}
for first in range(start, start + n, 1000):
    bundle = {"resourceType": "Bundle", "type": "transaction",
              "entry": [{"resource": task(i), "request": {"method": "PUT", "url": "Task/bench-%d" % i}}
                        for i in range(first, min(start + n, first + 1000))]}
    req = urllib.request.Request(url + "/fhir", json.dumps(bundle).encode(), method="POST",
                                 headers={"Authorization": "Bearer " + token,
                                          "Content-Type": "application/fhir+json"})
    urllib.request.urlopen(req).read()
PY
}

echo "cercle-server, $(nproc) cores"
send 0 "$n" later
sleep 4
echo "$n open Tasks, none due:"
# Debug lines go to standard output.
grep -o 'Deadline check: .*' "$tmp/out" | tail -3
send "$n" $((n / 2)) due
sleep 5
echo "$((n + n / 2)) open Tasks, $((n / 2)) due:"
grep -o 'Deadline check: .*' "$tmp/out" | tail -4
