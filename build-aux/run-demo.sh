#!/bin/bash
# Starts Cercle on the demo data from a build tree: the app window (the demo
# backend and the sync service join it as their issues land).
#
# Copyright 2026 The Cercle authors
# SPDX-License-Identifier: GPL-3.0-or-later
set -euo pipefail
build="$1"
export GSETTINGS_SCHEMA_DIR="$build/data"
export CERCLE_LOCALEDIR="$build/po"
# The demo directory of the source tree, loaded on first run.
export CERCLE_DEMO_DIR="${CERCLE_DEMO_DIR:-$(cd "$(dirname "$0")/.." && pwd)/data/demo}"
exec "$build/src/cercle/cercle"
