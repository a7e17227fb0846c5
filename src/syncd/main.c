/* main.c — cercle-syncd, the background sync service of the user's session
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cercle-syncd"

#include "config.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <locale.h>

#include "cercle-store.h"
#include "cercle-sync-service.h"

#define BUS_NAME "fr.cercle.Cercle.Sync"

typedef struct {
  GMainLoop         *loop;
  CercleSyncService *service;
  int                status;
} Daemon;

static void
bus_acquired_cb (GDBusConnection *connection,
                 const char      *name,
                 gpointer         user_data)
{
  Daemon *daemon = user_data;
  g_autoptr(GError) error = NULL;

  if (!cercle_sync_service_export (daemon->service, connection, &error))
    {
      g_printerr ("cercle-syncd: %s\n", error->message);
      daemon->status = 1;
      g_main_loop_quit (daemon->loop);
    }
}

static void
name_lost_cb (GDBusConnection *connection,
              const char      *name,
              gpointer         user_data)
{
  Daemon *daemon = user_data;

  /* One service per session: another one has the name, or there is no bus. */
  g_printerr ("cercle-syncd: %s\n", connection ? _("the sync service is already running in this session")
                                               : _("no session bus"));
  daemon->status = 1;
  g_main_loop_quit (daemon->loop);
}

static gboolean
quit_cb (gpointer user_data)
{
  Daemon *daemon = user_data;

  g_main_loop_quit (daemon->loop);
  return G_SOURCE_CONTINUE;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *db_path = NULL;
  int request_timeout = 0;
  int page_size = 0;
  int batch_size = 0;
  gboolean version = FALSE;
  Daemon daemon = { 0 };
  guint owner;
  GOptionEntry entries[] = {
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &db_path,
      N_("The local store (default: $XDG_DATA_HOME/cercle/cercle.db)"), N_("PATH") },
    { "request-timeout", 0, 0, G_OPTION_ARG_INT, &request_timeout,
      N_("Give up a request to the server after this many seconds (default 30)"), N_("SECONDS") },
    { "page-size", 0, 0, G_OPTION_ARG_INT, &page_size,
      N_("Changes asked for in one page of the server's feed (default and most 1000)"), N_("N") },
    { "batch-size", 0, 0, G_OPTION_ARG_INT, &batch_size,
      N_("Changes sent together in one transaction (default 100)"), N_("N") },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version, N_("Print the version and exit"), NULL },
    { NULL }
  };

  /* CERCLE_LOCALEDIR lets a build tree run in French before installing
   * (tests, build-aux/run-demo.sh). */
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, g_getenv ("CERCLE_LOCALEDIR") ? g_getenv ("CERCLE_LOCALEDIR") : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  context = g_option_context_new (NULL);
  g_option_context_set_summary (context, _("Keeps Cercle's local store in step with the care network's server, on the session bus as fr.cercle.Cercle.Sync."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("cercle-syncd: %s\n", error->message);
      return 2;
    }
  if (version)
    {
      g_print ("cercle-syncd %s\n", PACKAGE_VERSION);
      return 0;
    }
  if (db_path == NULL)
    db_path = cercle_store_default_path ();

  daemon.service = cercle_sync_service_new (db_path, MAX (request_timeout, 0), MAX (page_size, 0), MAX (batch_size, 0), &error);
  if (daemon.service == NULL)
    {
      g_printerr ("cercle-syncd: %s\n", error->message);
      return 1;
    }
  daemon.loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGTERM, quit_cb, &daemon);
  g_unix_signal_add (SIGINT, quit_cb, &daemon);
  owner = g_bus_own_name (G_BUS_TYPE_SESSION, BUS_NAME, G_BUS_NAME_OWNER_FLAGS_NONE,
                          bus_acquired_cb, NULL, name_lost_cb, &daemon, NULL);
  g_main_loop_run (daemon.loop);
  g_bus_unown_name (owner);
  g_clear_object (&daemon.service);
  g_main_loop_unref (daemon.loop);
  return daemon.status;
}
