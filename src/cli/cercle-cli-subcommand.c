/* cercle-cli-subcommand.c — what the commands with subcommands share
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cercle-cli"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "cercle-cli-subcommand.h"

static void
print_help (const char                *command,
            const CercleCliSubcommand *subcommands,
            guint                      n_subcommands,
            gboolean                   to_stderr)
{
  g_autoptr(GString) s = g_string_new (NULL);

  g_string_append_printf (s, "%s\n  cercle-cli [--db PATH] %s %s\n\n%s\n", _("Usage:"), command,
                          _("COMMAND [OPTION…]"), _("Commands:"));
  for (guint i = 0; i < n_subcommands; i++)
    g_string_append_printf (s, "  %-10s%s\n", subcommands[i].name, _(subcommands[i].summary));
  g_string_append_c (s, '\n');
  /* TRANSLATORS: %s is a command of cercle-cli, e.g. "sync" */
  g_string_append_printf (s, _("Run “cercle-cli %s COMMAND --help” for the options of a command."), command);
  g_string_append_c (s, '\n');
  if (to_stderr)
    g_printerr ("%s", s->str);
  else
    g_print ("%s", s->str);
}

/* Runs `cercle-cli COMMAND SUBCOMMAND …`. */
int
cercle_cli_dispatch (const char                *command,
                     const CercleCliSubcommand *subcommands,
                     guint                      n_subcommands,
                     const CercleCliGlobals    *globals,
                     int                        argc,
                     char                     **argv)
{
  if (argc < 2)
    {
      print_help (command, subcommands, n_subcommands, TRUE);
      return CERCLE_CLI_EXIT_USAGE;
    }
  if (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0 || strcmp (argv[1], "help") == 0)
    {
      print_help (command, subcommands, n_subcommands, FALSE);
      return 0;
    }
  for (guint i = 0; i < n_subcommands; i++)
    if (strcmp (argv[1], subcommands[i].name) == 0)
      {
        g_autofree char *prgname = g_strdup_printf ("cercle-cli %s %s", command, subcommands[i].name);

        /* The usage line of --help names the whole command. */
        g_set_prgname (prgname);
        return subcommands[i].run (globals, argc - 1, argv + 1);
      }
  /* TRANSLATORS: the first %s is a command of cercle-cli, the second what was typed */
  g_printerr (_("cercle-cli %s: unknown command “%s”\n"), command, argv[1]);
  print_help (command, subcommands, n_subcommands, TRUE);
  return CERCLE_CLI_EXIT_USAGE;
}

GOptionContext *
cercle_cli_context_new (const char         *parameters,
                        const char         *summary,
                        const GOptionEntry *entries)
{
  GOptionContext *context = g_option_context_new (parameters);

  g_option_context_set_summary (context, summary);
  if (entries)
    g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  return context;
}

int
cercle_cli_usage_error (GOptionContext *context,
                        const char     *message)
{
  g_autofree char *help = g_option_context_get_help (context, TRUE, NULL);

  g_printerr ("cercle-cli: %s\n\n%s", message, help);
  return CERCLE_CLI_EXIT_USAGE;
}
