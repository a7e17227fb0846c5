/* cercle-test-e2e.h — sessions and cercle-syncd for the end-to-end tests
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Shared by test-e2e-notes and test-e2e-conflict: waiting on the main
 * context (the process serves a GTK window, it never blocks), spawning
 * cercle-syncd ($CERCLE_SYNCD_BIN) and calling it on a bus, and a second
 * user's session on a second private bus with its own keyring.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define CERCLE_TEST_SYNC_NAME "fr.cercle.Cercle.Sync"
#define CERCLE_TEST_SYNC_PATH "/fr/cercle/Cercle/Sync"

/* A round trip to the server and the service: generous, two loaded cores. */
#define CERCLE_TEST_WAIT_SECONDS 60

/* Iterates the main context until @cond holds; a test error past
 * CERCLE_TEST_WAIT_SECONDS. */
#define CERCLE_TEST_WAIT_FOR(cond) \
  G_STMT_START { \
    gint64 wait_deadline = g_get_monotonic_time () + CERCLE_TEST_WAIT_SECONDS * G_USEC_PER_SEC; \
    while (!(cond)) \
      { \
        if (g_get_monotonic_time () > wait_deadline) \
          g_error ("Timed out waiting for %s", #cond); \
        if (!g_main_context_iteration (NULL, FALSE)) \
          g_usleep (2 * 1000); \
      } \
  } G_STMT_END

/* A second user's session: its own dbus-daemon, an unlocked
 * gnome-keyring-daemon on it, HOME and XDG folders of its own, and a
 * cercle-syncd with its own store (two services cannot own one name on
 * one bus). */
typedef struct {
  char            *dir;
  char            *address;
  char           **env;
  GSubprocess     *dbus;
  GSubprocess     *keyring;
  GSubprocess     *syncd;
  GDBusConnection *bus;
  char            *db_path;
} CercleTestSession;

void               cercle_test_flush_events   (guint              ms);
/* A GAsyncReadyCallback storing a ref on the result in *@data. */
void               cercle_test_async_done_cb  (GObject           *source,
                                               GAsyncResult      *result,
                                               gpointer           data);
GAsyncResult      *cercle_test_wait_result    (GAsyncResult     **slot);
gboolean           cercle_test_name_has_owner (GDBusConnection   *bus,
                                               const char        *name);
GSubprocess       *cercle_test_spawn_syncd    (GDBusConnection   *bus,
                                               char             **env,
                                               const char        *db_path);
void               cercle_test_stop_process   (GSubprocess      **process);
GVariant          *cercle_test_syncd_call     (GDBusConnection   *bus,
                                               const char        *method,
                                               GVariant          *parameters,
                                               GError           **error);
CercleTestSession *cercle_test_session_start  (const char        *name);
void               cercle_test_session_stop   (CercleTestSession *s);
guint              cercle_test_store_count    (const char        *path,
                                               const char        *sql,
                                               const char        *arg);

G_END_DECLS
