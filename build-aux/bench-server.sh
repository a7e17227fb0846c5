#!/bin/bash
# Benchmarks cercle-server with wrk on loopback and prints the figures:
#
#   build-aux/bench-server.sh BUILD_DIR [SECONDS] [CONNECTIONS]
#
# Starts the server on a fresh demo database, logs in as dr.martin, then
# measures: authenticated GET of a patient's notes, the _history sync feed,
# and note creation (durable: each 2xx is on disk). Memory (RSS) is sampled
# at rest and under load.
#
# Copyright 2026 The Cercle authors
# SPDX-License-Identifier: GPL-3.0-or-later
set -euo pipefail

build="${1:?usage: bench-server.sh BUILD_DIR [SECONDS] [CONNECTIONS]}"
seconds="${2:-10}"
connections="${3:-64}"
server="$build/src/server/cercle-server"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cercle-bench.XXXXXX")
pid=""
cleanup () {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

"$server" --db "$tmp/bench.db" --listen 127.0.0.1:0 --demo >"$tmp/out" 2>"$tmp/log" &
pid=$!
for _ in $(seq 100); do
  grep -q '^Listening on' "$tmp/out" 2>/dev/null && break
  sleep 0.05
done
url=$(sed -n 's/^Listening on \(.*\)\/$/\1/p' "$tmp/out")
token=$(curl -sf -d grant_type=password -d username=dr.martin -d password=cercle-demo "$url/auth/token" |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')
patient=pat-durand-jeanne

rss () { awk '/^VmRSS/ { print $2 " kB" }' "/proc/$pid/status"; }

cat >"$tmp/post.lua" <<LUA
local n = 0
request = function ()
  n = n + 1
  local body = '{"resourceType":"Communication","status":"completed","subject":{"reference":"Patient/$patient"},' ..
               '"payload":[{"contentString":"Note de bench ' .. n .. '"}]}'
  return wrk.format("POST", "/fhir/Communication",
                    { ["Authorization"] = "Bearer $token", ["Content-Type"] = "application/fhir+json" }, body)
end
LUA

echo "cercle-server on $url, $(nproc) cores, wrk -t1 -c$connections -d${seconds}s"
echo "RSS at rest: $(rss)"

# CPU time (user + system, in clock ticks) of each thread of the server.
cpu () { for t in /proc/"$pid"/task/*; do echo "$(cat "$t/comm") $(awk '{ print $14 + $15 }' "$t/stat")"; done; }

run () {
  local title="$1"; shift
  echo
  echo "== $title"
  ( sleep $((seconds / 2)); echo "RSS under load: $(rss)" >"$tmp/rss" ) &
  local sampler=$!
  cpu >"$tmp/cpu.before"
  wrk -t1 -c"$connections" -d"${seconds}s" --latency "$@" >"$tmp/wrk"
  cpu >"$tmp/cpu.after"
  grep -E 'Requests/sec|Latency|99%|90%|50%|Non-2xx|Socket errors' "$tmp/wrk"
  wait "$sampler"
  cat "$tmp/rss"
  # Steadier than requests/s on a shared machine: the server's CPU per request.
  local requests ticks
  requests=$(awk '/requests in/ { print $1 }' "$tmp/wrk")
  ticks=$(getconf CLK_TCK)
  paste "$tmp/cpu.before" "$tmp/cpu.after" |
    awk -v n="$requests" -v hz="$ticks" '
      { used[$1] += ($4 - $2) * 1e6 / hz }
      END { printf "Server CPU per request:"; for (t in used) if (used[t] > 0) printf " %s %.0f µs", t, used[t] / n; print "" }'
}

run "GET a patient's notes (Communication?subject=Patient/$patient)" \
  -H "Authorization: Bearer $token" "$url/fhir/Communication?subject=Patient/$patient"
run "GET the _history feed (_count=50)" \
  -H "Authorization: Bearer $token" "$url/fhir/_history?_count=50"
# What a client's sync service asks most of the time: what changed since its
# last poll: here nothing, as most of the time.
since=$(date -u +%Y-%m-%dT%H:%M:%SZ)
run "GET the _history feed since the last poll (_since=$since)" \
  -H "Authorization: Bearer $token" "$url/fhir/_history?_since=$since&_count=50"
run "POST a note (durable)" -s "$tmp/post.lua" "$url"

echo
echo "RSS at rest after the runs: $(rss)"
echo "Notes stored: $(sqlite3 "$tmp/bench.db" "SELECT COUNT(*) FROM resources WHERE type = 'Communication'" 2>/dev/null || echo '?')"
echo "Audit links (one per commit): $(sqlite3 "$tmp/bench.db" "SELECT COUNT(*) FROM audit" 2>/dev/null || echo "?")"
"$server" --db "$tmp/bench.db" audit verify
