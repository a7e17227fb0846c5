/* cercle-cli-subcommand.h — what the commands with subcommands share
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cercle-cli.h"

G_BEGIN_DECLS

#define CERCLE_CLI_EXIT_USAGE 2

typedef struct {
  const char       *name;
  CercleCliCommand  run;
  const char       *summary;   /* marked for translation, translated when shown */
} CercleCliSubcommand;

int             cercle_cli_dispatch     (const char                *command,
                                         const CercleCliSubcommand *subcommands,
                                         guint                      n_subcommands,
                                         const CercleCliGlobals    *globals,
                                         int                        argc,
                                         char                     **argv);
GOptionContext *cercle_cli_context_new  (const char                *parameters,
                                         const char                *summary,
                                         const GOptionEntry        *entries);
int             cercle_cli_usage_error  (GOptionContext            *context,
                                         const char                *message);

G_END_DECLS
