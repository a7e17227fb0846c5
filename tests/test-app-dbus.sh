#!/bin/sh
# test-app-dbus: the app is D-Bus activatable, so that the sync service's
# notifications open a patient with no window open. Its service file, as
# built, names the app and starts it as a GApplication service; then a bus
# that knows only that file (its Exec pointed at the build tree) starts the
# real binary for app.open-patient, which opens the main window; app.quit
# ends it, quietly. TAP output.
#
#   test-app-dbus.sh SERVICE_FILE DESKTOP_FILE BINDIR CERCLE_BINARY
#
# Runs inside build-aux/test-wrapper.sh (Xvfb); the bus is a second, private
# one of its own (dbus-run-session --config-file).
#
# Copyright 2026 The Cercle authors
# SPDX-License-Identifier: GPL-3.0-or-later
set -u

service=$1 desktop=$2 bindir=$3 app=$4
tmp="${CERCLE_TEST_TMPDIR:?run me through build-aux/test-wrapper.sh}/app-dbus"
mkdir -p "$tmp/services"

n=0
failed=0
report () {
  n=$((n + 1))
  if [ "$1" -eq 0 ]; then
    echo "ok $n - $2"
  else
    echo "not ok $n - $2"
    failed=1
  fi
}

# The files as installed.
grep -qx 'Name=fr.cercle.Cercle' "$service"
report $? "/app-dbus/service-file/name"
grep -qx "Exec=$bindir/cercle --gapplication-service" "$service"
report $? "/app-dbus/service-file/exec"
grep -qx 'DBusActivatable=true' "$desktop" && [ "$(basename "$desktop")" = fr.cercle.Cercle.desktop ]
report $? "/app-dbus/desktop-file/dbus-activatable"

# The same file, starting the binary of the build tree.
sed "s|^Exec=.*/cercle |Exec=$app |" "$service" >"$tmp/services/fr.cercle.Cercle.service"
cat >"$tmp/bus.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=$tmp</listen>
  <servicedir>$tmp/services</servicedir>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
CONF

# What the activated app inherits from the bus: French, a store of its own.
export LC_ALL=fr_FR.UTF-8 LANGUAGE=fr CERCLE_LOCALEDIR="$CERCLE_BUILD_DIR/po" CERCLE_DB="$tmp/store.db"

dbus-run-session --config-file="$tmp/bus.conf" -- sh -c '
  tmp=$1
  # Not running: the bus starts it for the action.
  gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
    --method org.freedesktop.DBus.NameHasOwner fr.cercle.Cercle >"$tmp/owner-before"
  gdbus call --session --timeout 60 --dest fr.cercle.Cercle --object-path /fr/cercle/Cercle \
    --method org.freedesktop.Application.ActivateAction open-patient "[<\"patient-1\">]" "{}" \
    >"$tmp/activate.out" 2>&1
  echo $? >"$tmp/activate.status"
  # The window the action opened exports its actions, open-patient among them.
  gdbus call --session --dest fr.cercle.Cercle --object-path /fr/cercle/Cercle/window/1 \
    --method org.gtk.Actions.List >"$tmp/window-actions" 2>&1
  # And it is on screen.
  for _ in $(seq 100); do
    xwininfo -root -tree 2>/dev/null | grep -q "\"Cercle\": (\"cercle\"" && break
    sleep 0.1
  done
  xwininfo -root -tree 2>/dev/null | grep "\"Cercle\": (\"cercle\"" >"$tmp/x-window"
  gdbus call --session --dest fr.cercle.Cercle --object-path /fr/cercle/Cercle \
    --method org.freedesktop.Application.ActivateAction quit "[]" "{}" >/dev/null 2>&1
  for _ in $(seq 100); do
    gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
      --method org.freedesktop.DBus.NameHasOwner fr.cercle.Cercle | grep -q false && break
    sleep 0.1
  done
  gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
    --method org.freedesktop.DBus.NameHasOwner fr.cercle.Cercle >"$tmp/owner-after"
' sh "$tmp" 2>"$tmp/bus.err"

grep -q false "$tmp/owner-before"
report $? "/app-dbus/activation/not-running-before"
[ "$(cat "$tmp/activate.status" 2>/dev/null)" = 0 ]
status=$?
report $status "/app-dbus/activation/open-patient"
[ $status -eq 0 ] || sed 's/^/# /' "$tmp/activate.out"
grep -q "'open-patient'" "$tmp/window-actions"
status=$?
report $status "/app-dbus/activation/window-opened"
[ $status -eq 0 ] || sed 's/^/# /' "$tmp/window-actions"
[ -s "$tmp/x-window" ]
report $? "/app-dbus/activation/window-on-screen"
grep -q false "$tmp/owner-after"
report $? "/app-dbus/activation/quit"

# The app said nothing on the way (the bus passes its stderr on).
warnings=$(grep -E 'WARNING|CRITICAL|ERROR|Trace' "$tmp/bus.err" | grep -v 'Failed to set fd limit')
[ -z "$warnings" ]
report $? "/app-dbus/activation/quiet"
[ -n "$warnings" ] && printf '%s\n' "$warnings" | sed 's/^/# /'

echo "1..$n"
exit $failed
