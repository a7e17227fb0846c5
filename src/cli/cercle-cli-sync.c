/* cercle-cli-sync.c — cercle-cli sync: the sync service from a shell
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The CLI never signs in itself: it asks cercle-syncd over the session bus
 * (starting it by D-Bus activation), as the app does. The password comes
 * from standard input only, never from the command line (other users see
 * it in the process list).
 */
#define G_LOG_DOMAIN "cercle-cli"

#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>

#include "cercle-cli-subcommand.h"
#include "cercle-sync-dbus.h"

static CercleDBusSync *
service_proxy (GError **error)
{
  g_autoptr(GError) local_error = NULL;
  CercleDBusSync *proxy;

  /* Without DO_NOT_AUTO_START, a service that is not running is started. */
  proxy = cercle_dbus_sync_proxy_new_for_bus_sync (G_BUS_TYPE_SESSION, G_DBUS_PROXY_FLAGS_NONE,
                                                   "fr.cercle.Cercle.Sync", "/fr/cercle/Cercle/Sync",
                                                   NULL, &local_error);
  if (proxy == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   _("The sync service cannot be reached (is there a session bus?): %s"), local_error->message);
      return NULL;
    }
  /* A longer wait than D-Bus's 25 s: a first pull can take a while. */
  g_dbus_proxy_set_default_timeout (G_DBUS_PROXY (proxy), G_MAXINT);
  return proxy;
}

static int
fail (GError *error)
{
  g_dbus_error_strip_remote_error (error);
  g_printerr ("cercle-cli: %s\n", error->message);
  return 1;
}

static char *
read_password (void)
{
  char buffer[1024];
  gsize n;

  if (fgets (buffer, sizeof buffer, stdin) == NULL)
    return NULL;
  n = strcspn (buffer, "\r\n");
  buffer[n] = '\0';
  return g_strndup (buffer, n);
}

static int
sync_login (const CercleCliGlobals  *globals,
            int                      argc,
            char                   **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CercleDBusSync) proxy = NULL;
  g_autofree char *server = NULL;
  g_autofree char *user = NULL;
  char *password;
  gboolean from_stdin = FALSE;
  gboolean ok;
  GOptionEntry entries[] = {
    { "server", 0, 0, G_OPTION_ARG_STRING, &server, N_("The server's address (https://…)"), N_("URL") },
    { "user", 0, 0, G_OPTION_ARG_STRING, &user, N_("The account's login"), N_("NAME") },
    { "password-stdin", 0, 0, G_OPTION_ARG_NONE, &from_stdin, N_("Read the password from standard input"), NULL },
    { NULL }
  };

  context = cercle_cli_context_new (NULL, _("Signs the sync service in to a server. The session is kept in the keyring."),
                                    entries);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return cercle_cli_usage_error (context, error->message);
  if (server == NULL || user == NULL)
    return cercle_cli_usage_error (context, _("Give --server and --user"));
  if (!from_stdin)
    return cercle_cli_usage_error (context, _("Give the password on standard input, with --password-stdin"));
  password = read_password ();
  if (password == NULL || *password == '\0')
    {
      g_free (password);
      g_printerr ("cercle-cli: %s\n", _("No password on standard input"));
      return 1;
    }
  proxy = service_proxy (&error);
  ok = proxy && cercle_dbus_sync_call_sign_in_sync (proxy, server, user, password, NULL, &error);
  explicit_bzero (password, strlen (password));
  g_free (password);
  if (!ok)
    return fail (error);
  /* TRANSLATORS: %s is a login */
  g_print (_("Signed in as %s\n"), user);
  return 0;
}

static const char *
state_label (const char *state)
{
  static const struct { const char *state; const char *label; } labels[] = {
    { "offline", N_("offline: changes will be sent when the server is back") },
    { "idle", N_("up to date") },
    { "syncing", N_("syncing") },
    { "error", N_("error") },
    { "auth-required", N_("signed out by the server: sign in again") },
    { "signed-out", N_("nobody signed in") },
  };

  for (guint i = 0; state && i < G_N_ELEMENTS (labels); i++)
    if (g_str_equal (state, labels[i].state))
      return _(labels[i].label);
  return state ? state : "";
}

static int
sync_status (const CercleCliGlobals  *globals,
             int                      argc,
             char                   **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CercleDBusSync) proxy = NULL;
  const char *state;
  const char *last_error;
  gint64 last_sync;

  context = cercle_cli_context_new (NULL, _("Shows the state of the sync service."), NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return cercle_cli_usage_error (context, error->message);
  proxy = service_proxy (&error);
  if (proxy == NULL)
    return fail (g_steal_pointer (&error));
  state = cercle_dbus_sync_get_state (proxy);
  if (state == NULL)
    {
      g_printerr ("cercle-cli: %s\n", _("The sync service does not answer"));
      return 1;
    }
  last_error = cercle_dbus_sync_get_last_error (proxy);
  last_sync = cercle_dbus_sync_get_last_sync (proxy);
  g_print ("%s\t%s (%s)\n", _("State:"), state_label (state), state);
  g_print ("%s\t%s\n", _("Server:"), cercle_dbus_sync_get_server_url (proxy));
  g_print ("%s\t%s\n", _("Login:"), cercle_dbus_sync_get_login (proxy));
  g_print ("%s\t%u\n", _("Waiting:"), cercle_dbus_sync_get_pending_count (proxy));
  g_print ("%s\t%u\n", _("Refused:"), cercle_dbus_sync_get_refused_count (proxy));
  if (last_sync > 0)
    {
      g_autoptr(GDateTime) t = g_date_time_new_from_unix_local (last_sync / G_USEC_PER_SEC);
      g_autofree char *text = g_date_time_format (t, "%x %X");

      g_print ("%s\t%s\n", _("Last sync:"), text);
    }
  else
    g_print ("%s\t%s\n", _("Last sync:"), _("never"));
  if (last_error && *last_error)
    g_print ("%s\t%s\n", _("Last error:"), last_error);
  return 0;
}

static int
sync_now (const CercleCliGlobals  *globals,
          int                      argc,
          char                   **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CercleDBusSync) proxy = NULL;
  gboolean wait = FALSE;
  GOptionEntry entries[] = {
    { "wait", 0, 0, G_OPTION_ARG_NONE, &wait,
      N_("Return once everything is sent and received, or fail with the reason"), NULL },
    { NULL }
  };

  context = cercle_cli_context_new (NULL, _("Starts a sync now."), entries);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return cercle_cli_usage_error (context, error->message);
  proxy = service_proxy (&error);
  if (proxy == NULL)
    return fail (g_steal_pointer (&error));
  if (wait ? !cercle_dbus_sync_call_sync_and_wait_sync (proxy, NULL, &error)
           : !cercle_dbus_sync_call_sync_now_sync (proxy, NULL, &error))
    return fail (g_steal_pointer (&error));
  return 0;
}

static int
sync_logout (const CercleCliGlobals  *globals,
             int                      argc,
             char                   **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CercleDBusSync) proxy = NULL;

  context = cercle_cli_context_new (NULL, _("Signs out: ends the session on the server, forgets it in the keyring and "
                                            "removes the patients' files from this computer."), NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return cercle_cli_usage_error (context, error->message);
  proxy = service_proxy (&error);
  if (proxy == NULL || !cercle_dbus_sync_call_sign_out_sync (proxy, NULL, &error))
    return fail (g_steal_pointer (&error));
  g_print ("%s\n", _("Signed out"));
  return 0;
}

static const CercleCliSubcommand subcommands[] = {
  { "login", sync_login, N_("Sign in to a server (password on standard input)") },
  { "status", sync_status, N_("Show the state of the sync") },
  { "now", sync_now, N_("Sync now (--wait: until done)") },
  { "logout", sync_logout, N_("Sign out and remove the patients' files") },
};

int
cercle_cli_sync (const CercleCliGlobals  *globals,
                 int                      argc,
                 char                   **argv)
{
  return cercle_cli_dispatch ("sync", subcommands, G_N_ELEMENTS (subcommands), globals, argc, argv);
}
