/* cercle-test-e2e.c — sessions and cercle-syncd for the end-to-end tests
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Moved out of test-e2e-notes.c and test-e2e-conflict.c, which each held
 * a copy. This process serves a GTK window: nothing here blocks in a D-Bus
 * call or a subprocess, it iterates the main context.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>

#include "cercle-store.h"
#include "cercle-test-e2e.h"

void
cercle_test_flush_events (guint ms)
{
  gint64 until = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < until)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (2000);
}

void
cercle_test_async_done_cb (GObject      *source,
                           GAsyncResult *result,
                           gpointer      data)
{
  *(GAsyncResult **) data = g_object_ref (result);
}

GAsyncResult *
cercle_test_wait_result (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *slot;
}

gboolean
cercle_test_name_has_owner (GDBusConnection *bus,
                            const char      *name)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GVariant) reply = NULL;
  gboolean owned = FALSE;

  g_dbus_connection_call (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                          "NameHasOwner", g_variant_new ("(s)", name), G_VARIANT_TYPE ("(b)"),
                          G_DBUS_CALL_FLAGS_NO_AUTO_START, -1, NULL, cercle_test_async_done_cb, &result);
  reply = g_dbus_connection_call_finish (bus, cercle_test_wait_result (&result), NULL);
  if (reply)
    g_variant_get (reply, "(b)", &owned);
  return owned;
}

static void
exited_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  /* cancelled once the service is up: then nothing is written */
  if (g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL) && data != NULL)
    *(gboolean *) data = TRUE;
}

/* cercle-syncd with @env (NULL: this process's), on the bus of @bus. */
GSubprocess *
cercle_test_spawn_syncd (GDBusConnection *bus,
                         char           **env,
                         const char      *db_path)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autoptr(GError) error = NULL;
  GSubprocess *process;
  gboolean exited = FALSE;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();

  if (env)
    g_subprocess_launcher_set_environ (launcher, env);
  g_subprocess_launcher_setenv (launcher, "CERCLE_DB", db_path, TRUE);
  process = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("CERCLE_SYNCD_BIN"),
                                         "--request-timeout", "2", NULL);
  g_assert_no_error (error);
  g_subprocess_wait_async (process, cancellable, exited_cb, &exited);
  CERCLE_TEST_WAIT_FOR (cercle_test_name_has_owner (bus, CERCLE_TEST_SYNC_NAME) || exited);
  g_assert_false (exited);
  g_cancellable_cancel (cancellable);
  cercle_test_flush_events (10);
  return process;
}

void
cercle_test_stop_process (GSubprocess **process)
{
  g_autoptr(GAsyncResult) result = NULL;

  if (*process == NULL)
    return;
  g_subprocess_send_signal (*process, SIGTERM);
  g_subprocess_wait_async (*process, NULL, cercle_test_async_done_cb, &result);
  g_subprocess_wait_finish (*process, cercle_test_wait_result (&result), NULL);
  g_clear_object (process);
}

/* A method of cercle-syncd on @bus, without blocking the window. */
GVariant *
cercle_test_syncd_call (GDBusConnection  *bus,
                        const char       *method,
                        GVariant         *parameters,
                        GError          **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  GVariant *reply;

  g_dbus_connection_call (bus, CERCLE_TEST_SYNC_NAME, CERCLE_TEST_SYNC_PATH, CERCLE_TEST_SYNC_NAME, method,
                          parameters, NULL, G_DBUS_CALL_FLAGS_NO_AUTO_START, 90 * 1000, NULL,
                          cercle_test_async_done_cb, &result);
  reply = g_dbus_connection_call_finish (bus, cercle_test_wait_result (&result), error);
  if (error && *error)
    g_dbus_error_strip_remote_error (*error);
  return reply;
}

CercleTestSession *
cercle_test_session_start (const char *name)
{
  CercleTestSession *s = g_new0 (CercleTestSession, 1);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  const char *folders[] = { "home", "data", "config", "cache", "state", "runtime" };
  const char *variables[] = { "HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME",
                              "XDG_RUNTIME_DIR" };

  s->dir = g_build_filename (g_getenv ("CERCLE_TEST_TMPDIR"), name, NULL);
  s->env = g_get_environ ();
  for (guint i = 0; i < G_N_ELEMENTS (folders); i++)
    {
      g_autofree char *path = g_build_filename (s->dir, folders[i], NULL);

      g_assert_cmpint (g_mkdir_with_parents (path, 0700), ==, 0);
      s->env = g_environ_setenv (s->env, variables[i], path, TRUE);
    }
  s->db_path = g_build_filename (s->dir, "data", "cercle.db", NULL);

  /* The bus: it prints its address once it listens. */
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_set_environ (launcher, s->env);
  s->dbus = g_subprocess_launcher_spawn (launcher, &error, "dbus-daemon", "--session", "--nofork",
                                         "--print-address=1", NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (s->dbus));
  g_data_input_stream_read_line_async (out, G_PRIORITY_DEFAULT, NULL, cercle_test_async_done_cb, &result);
  s->address = g_data_input_stream_read_line_finish_utf8 (out, cercle_test_wait_result (&result), NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (s->address);
  s->env = g_environ_setenv (s->env, "DBUS_SESSION_BUS_ADDRESS", s->address, TRUE);
  g_clear_object (&result);
  g_dbus_connection_new_for_address (s->address,
                                     G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT
                                     | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                     NULL, NULL, cercle_test_async_done_cb, &result);
  s->bus = g_dbus_connection_new_for_address_finish (cercle_test_wait_result (&result), &error);
  g_assert_no_error (error);

  /* Its keyring, unlocked with a throw-away password (a locked one would
   * open a prompt); not ours, so not under fatal-warnings. */
  g_clear_object (&launcher);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE);
  g_subprocess_launcher_set_environ (launcher, s->env);
  g_subprocess_launcher_unsetenv (launcher, "G_DEBUG");
  g_subprocess_launcher_unsetenv (launcher, "G_ENABLE_DIAGNOSTIC");
  g_subprocess_launcher_unsetenv (launcher, "MALLOC_CHECK_");
  g_subprocess_launcher_unsetenv (launcher, "MALLOC_PERTURB_");
  s->keyring = g_subprocess_launcher_spawn (launcher, &error, "gnome-keyring-daemon", "--foreground", "--unlock",
                                            "--components=secrets", NULL);
  g_assert_no_error (error);
  g_assert_true (g_output_stream_write_all (g_subprocess_get_stdin_pipe (s->keyring), "cercle-test", 11, NULL,
                                            NULL, &error));
  g_assert_true (g_output_stream_close (g_subprocess_get_stdin_pipe (s->keyring), NULL, &error));
  CERCLE_TEST_WAIT_FOR (cercle_test_name_has_owner (s->bus, "org.freedesktop.secrets"));

  s->syncd = cercle_test_spawn_syncd (s->bus, s->env, s->db_path);
  return s;
}

void
cercle_test_session_stop (CercleTestSession *s)
{
  cercle_test_stop_process (&s->syncd);
  cercle_test_stop_process (&s->keyring);
  g_dbus_connection_close_sync (s->bus, NULL, NULL);
  g_clear_object (&s->bus);
  cercle_test_stop_process (&s->dbus);
  g_free (s->address);
  g_free (s->db_path);
  g_free (s->dir);
  g_strfreev (s->env);
  g_free (s);
}

/* The first column of @sql's one row in the store at @path, @arg bound to
 * its one parameter (if not NULL). */
guint
cercle_test_store_count (const char *path,
                         const char *sql,
                         const char *arg)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CercleDb) db = cercle_store_open (path, &error);
  sqlite3_stmt *stmt;
  guint n;

  g_assert_no_error (error);
  stmt = cercle_db_prepare (db, sql, &error);
  g_assert_no_error (error);
  if (arg)
    sqlite3_bind_text (stmt, 1, arg, -1, SQLITE_TRANSIENT);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  n = sqlite3_column_int (stmt, 0);
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  return n;
}
