#!/bin/sh
# test-data: the app's data files, as built (translations merged), pass the
# validators the software centres and desktops use. TAP output.
#
#   test-data.sh DESKTOP_FILE_VALIDATE APPSTREAMCLI GLIB_COMPILE_SCHEMAS XMLLINT \
#                DESKTOP_FILE METAINFO_FILE SCHEMA_DIR ICON...
#
# Copyright 2026 The Cercle authors
# SPDX-License-Identifier: GPL-3.0-or-later
set -u

desktop_file_validate=$1 appstreamcli=$2 glib_compile_schemas=$3 xmllint=$4
desktop=$5 metainfo=$6 schema_dir=$7
shift 7

n=0
failed=0
check () {
  name=$1
  shift
  n=$((n + 1))
  if output=$("$@" 2>&1); then
    echo "ok $n - $name"
  else
    echo "not ok $n - $name"
    failed=1
  fi
  [ -n "$output" ] && printf '%s\n' "$output" | sed 's/^/# /'
}

# Must also carry the French translations merged from po/fr.po.
has_french () {
  grep -q "$2" "$1"
}

check "/data/desktop/valid" "$desktop_file_validate" "$desktop"
check "/data/desktop/french" has_french "$desktop" '^Comment\[fr\]=Coordonner le cercle de soins'
check "/data/metainfo/valid" "$appstreamcli" validate --no-net --no-color "$metainfo"
check "/data/metainfo/french" has_french "$metainfo" '<p xml:lang="fr">Avec Cercle, vous pourrez'
check "/data/schema/strict" "$glib_compile_schemas" --strict --dry-run "$schema_dir"
for icon in "$@"; do
  check "/data/icon/$(basename "$icon")" "$xmllint" --noout "$icon"
done

echo "1..$n"
exit $failed
