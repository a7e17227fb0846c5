/* cercle-cli-directory.c — cercle-cli directory …
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cercle-cli"

#include "config.h"

#include <glib/gi18n.h>

#include "cercle-cli.h"

int
cercle_cli_directory (const CercleCliGlobals  *globals,
                      int                      argc,
                      char                   **argv)
{
  g_printerr (_("cercle-cli directory: not available yet\n"));
  return 2;
}
