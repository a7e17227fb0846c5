/* cercle-cli.c — cercle-cli, Cercle from a shell
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cercle-cli"

#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "cercle-cli.h"
#include "cercle-store.h"

static const struct {
  const char       *name;
  CercleCliCommand  run;
  const char       *summary;
} commands[] = {
  { "directory", cercle_cli_directory, N_("Import, search and export the directory of services") },
  { "sync", cercle_cli_sync, N_("Sign in, sync now, see the state of the sync") },
  { "patient", cercle_cli_patient, N_("The patients of the local store") },
  { "note", cercle_cli_note, N_("Write and read follow-up notes") },
};

static char *
describe_commands (void)
{
  GString *s = g_string_new (_("Commands:"));

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    g_string_append_printf (s, "\n  %-12s%s", commands[i].name, _(commands[i].summary));
  g_string_append_c (s, '\n');
  g_string_append (s, _("Run “cercle-cli COMMAND --help” for the options of a command."));
  return g_string_free (s, FALSE);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *db_path = NULL;
  g_autofree char *description = NULL;
  gboolean version = FALSE;
  CercleCliGlobals globals = { 0 };
  GOptionEntry entries[] = {
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &db_path,
      N_("The local store (default: $XDG_DATA_HOME/cercle/cercle.db)"), N_("PATH") },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version, N_("Print the version and exit"), NULL },
    { NULL }
  };

  /* CERCLE_LOCALEDIR lets a build tree run in French before installing
   * (tests, build-aux/run-demo.sh). */
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, g_getenv ("CERCLE_LOCALEDIR") ? g_getenv ("CERCLE_LOCALEDIR") : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  context = g_option_context_new (_("COMMAND [ARGUMENT…]"));
  g_option_context_set_summary (context, _("Cercle from the command line: the directory of services and the local store."));
  description = describe_commands ();
  g_option_context_set_description (context, description);
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  /* Stop at the command name: what follows belongs to the command. */
  g_option_context_set_strict_posix (context, TRUE);

  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("cercle-cli: %s\n", error->message);
      return 2;
    }

  if (version)
    {
      g_print ("cercle-cli %s\n", PACKAGE_VERSION);
      return 0;
    }

  if (argc < 2)
    {
      g_autofree char *help = g_option_context_get_help (context, TRUE, NULL);
      g_printerr ("%s", help);
      return 2;
    }

  if (db_path != NULL && !cercle_cli_check_db_path (db_path, &error))
    {
      g_printerr ("cercle-cli: %s\n", error->message);
      return 1;
    }
  if (db_path == NULL)
    db_path = cercle_store_default_path ();
  globals.db_path = db_path;

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (strcmp (argv[1], commands[i].name) == 0)
      return commands[i].run (&globals, argc - 1, argv + 1);

  g_printerr (_("cercle-cli: unknown command “%s”\n"), argv[1]);
  g_printerr ("%s\n", description);
  return 2;
}
