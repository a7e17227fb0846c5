#!/bin/sh
# The sync service's D-Bus activation file and systemd user unit, as built
# and as installed (TAP): they name the bus name and the binary the build
# installs, the unit passes systemd-analyze verify, and both are in the
# install plan.
#
# Copyright 2026 The Cercle authors
# SPDX-License-Identifier: GPL-3.0-or-later
set -u
build="$1"
libexecdir="$2"
n=0
fail=0
check () {
  n=$((n + 1))
  if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=1; fi
}

service="$build/src/syncd/fr.cercle.Cercle.Sync.service"
unit="$build/src/syncd/cercle-syncd.service"

grep -qx '\[D-BUS Service\]' "$service" && grep -qx 'Name=fr.cercle.Cercle.Sync' "$service"
check $? "activation file names fr.cercle.Cercle.Sync"
grep -qx "Exec=$libexecdir/cercle-syncd" "$service"
check $? "activation file runs the installed cercle-syncd"
grep -qx 'SystemdService=cercle-syncd.service' "$service"
check $? "activation goes through the systemd user unit when there is one"
grep -qx 'Type=dbus' "$unit" && grep -qx 'BusName=fr.cercle.Cercle.Sync' "$unit" \
  && grep -qx "ExecStart=$libexecdir/cercle-syncd" "$unit"
check $? "unit: Type=dbus, the bus name, the installed binary"

# systemd-analyze checks the binary exists: point a copy at the build's.
copy="${CERCLE_TEST_TMPDIR:-/tmp}/cercle-syncd.service"
sed "s|^ExecStart=.*|ExecStart=$build/src/syncd/cercle-syncd|" "$unit" >"$copy"
if command -v systemd-analyze >/dev/null; then
  out=$(systemd-analyze verify "$copy" 2>&1 | grep -v -e 'RuntimeDirectory' -e 'initialize manager')
  [ -z "$out" ]
  check $? "systemd-analyze verify accepts the unit${out:+: $out}"
else
  n=$((n + 1)); echo "ok $n - systemd-analyze verify # SKIP not installed"
fi

plan=$(meson introspect --installed "$build" 2>/dev/null)
echo "$plan" | grep -q '/dbus-1/services/fr.cercle.Cercle.Sync.service"'
check $? "the activation file is installed under dbus-1/services"
echo "$plan" | grep -q '/systemd/user/cercle-syncd.service"'
check $? "the unit is installed under systemd/user"
echo "$plan" | grep -q "\"$libexecdir/cercle-syncd\""
check $? "cercle-syncd is installed in libexecdir"

echo "1..$n"
exit $fail
