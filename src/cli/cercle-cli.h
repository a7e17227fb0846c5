/* cercle-cli.h — the commands of cercle-cli
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  const char *db_path;   /* the --db option, or the default store */
} CercleCliGlobals;

/* A command gets its own arguments (argv[0] is the command's name) and
 * returns the process exit status. */
typedef int (*CercleCliCommand) (const CercleCliGlobals  *globals,
                                 int                      argc,
                                 char                   **argv);

int cercle_cli_directory (const CercleCliGlobals *globals, int argc, char **argv);
int cercle_cli_sync (const CercleCliGlobals *globals, int argc, char **argv);
int cercle_cli_patient (const CercleCliGlobals *globals, int argc, char **argv);
int cercle_cli_note (const CercleCliGlobals *globals, int argc, char **argv);

/* An explicit --db must be in a folder that exists: a typo must not
 * silently start a new, empty store. */
gboolean cercle_cli_check_db_path (const char *path, GError **error);

G_END_DECLS
