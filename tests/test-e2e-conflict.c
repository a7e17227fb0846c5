/* test-e2e-conflict.c — two carers change the same file offline: the second one chooses
 *
 * Issue 15: « A 412 on push re-reads the server version; the user sees both
 * and chooses », with every real part, in French under Xvfb: a real
 * `cercle-server --demo` on 127.0.0.1, a real cercle-syncd for Dr Martin on
 * the private session bus (the app's), a second real cercle-syncd for Ide
 * Bernard on a second private bus with its own keyring and store, and the
 * real app window. Both change Jeanne Durand's phone number; Ide Bernard's
 * change reaches the server first, Dr Martin's round gets 412; his patient
 * page shows « Modifié ailleurs entre-temps » with both numbers; « Garder ma
 * version » sends his number again on top of the server's version, and the
 * server holds it.
 *
 * Sessions and service calls come from cercle-test-e2e.c, shared with
 * test-e2e-notes.c.
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <locale.h>
#include <signal.h>
#include <string.h>

#include "cercle-application.h"
#include "cercle-demo.h"
#include "cercle-patient-repo.h"
#include "cercle-sync-store.h"
#include "cercle-patient-view.h"
#include "cercle-patients-page.h"
#include "cercle-store.h"
#include "cercle-sync-status.h"
#include "cercle-test-e2e.h"
#include "cercle-test-gui.h"
#include "cercle-test-server.h"
#include "cercle-window.h"

#define PASSWORD "cercle-demo"

static CercleApplication *app;
static CercleTestServer *server;
static char *server_url;
static char *server_db;
static char *app_db;
static GSubprocess *syncd;

/* --------------------------------------------------------- on screen -- */

/* ------------------------------------------------------------ stores -- */

/* ---------------------------------------------------------- services -- */

static void
start_server (const char *listen)
{
  const char *args[] = { "--demo", listen ? "--listen" : NULL, listen, NULL };

  server = cercle_test_server_start (server_db, args);
  g_assert_nonnull (server);
}

/* ------------------------------------------------------------- story -- */

#define BERNARD_PHONE "01 64 10 20 30"
#define MARTIN_PHONE "06 12 34 56 78"

/* Durand's phone number as @login reads it on the server. */
static char *
server_phone (const char *login)
{
  g_autofree char *token = cercle_test_server_login (server, login, PASSWORD);
  g_autoptr(CercleTestResponse) r = cercle_test_server_request (server, "GET", "/fhir/Patient/" CERCLE_DEMO_PAT_DURAND,
                                                                token, NULL, NULL, NULL);
  JsonArray *telecom;

  g_assert_cmpuint (r->status, ==, 200);
  telecom = json_object_has_member (r->json, "telecom") ? json_object_get_array_member (r->json, "telecom") : NULL;
  for (guint i = 0; telecom && i < json_array_get_length (telecom); i++)
    {
      JsonObject *point = json_array_get_object_element (telecom, i);

      if (g_strcmp0 (json_object_get_string_member_with_default (point, "system", ""), "phone") == 0)
        return g_strdup (json_object_get_string_member (point, "value"));
    }
  return NULL;
}

/* What the patient form does: the patient row and its outbox entry. */
static void
change_phone (const char *db_path,
              const char *phone)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CercleDb) db = cercle_store_open (db_path, &error);
  g_autoptr(CerclePatient) patient = NULL;

  g_assert_no_error (error);
  patient = cercle_patient_repo_get (db, CERCLE_DEMO_PAT_DURAND, &error);
  g_assert_no_error (error);
  g_object_set (patient, "phone", phone, NULL);
  g_assert_true (cercle_patient_repo_save (db, patient, &error));
  g_assert_no_error (error);
}

static void
test_story (void)
{
  CercleSyncStatus *status = cercle_application_get_sync_status (app);
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autofree char *phone = NULL;
  CercleWindow *window;
  GtkWidget *page;
  GtkWidget *view;
  CercleTestSession *other;

  window = cercle_window_new (app);
  gtk_window_set_default_size (GTK_WINDOW (window), 1200, 860);
  gtk_window_present (GTK_WINDOW (window));
  page = cercle_test_find_one (GTK_WIDGET (window), CERCLE_TYPE_PATIENTS_PAGE);
  view = cercle_test_find_one (page, CERCLE_TYPE_PATIENT_VIEW);
  CERCLE_TEST_WAIT_FOR (gtk_widget_get_mapped (page));

  /* Dr Martin (this app's service) and Ide Bernard (her own) both have the file. */
  reply = cercle_test_syncd_call (bus, "SignIn", g_variant_new ("(sss)", server_url, "dr.martin", PASSWORD), &error);
  g_assert_no_error (error);
  g_clear_pointer (&reply, g_variant_unref);
  reply = cercle_test_syncd_call (bus, "SyncAndWait", NULL, &error);
  g_assert_no_error (error);
  g_clear_pointer (&reply, g_variant_unref);
  g_assert_cmpuint (cercle_test_store_count (app_db, "SELECT count(*) FROM patient WHERE id = ?", CERCLE_DEMO_PAT_DURAND), ==, 1);
  CERCLE_TEST_WAIT_FOR (g_strcmp0 (cercle_sync_status_get_state (status), "idle") == 0);

  other = cercle_test_session_start ("bernard");
  reply = cercle_test_syncd_call (other->bus, "SignIn",
                                  g_variant_new ("(sss)", server_url, "ide.bernard", PASSWORD), &error);
  g_assert_no_error (error);
  g_clear_pointer (&reply, g_variant_unref);
  reply = cercle_test_syncd_call (other->bus, "SyncAndWait", NULL, &error);
  g_assert_no_error (error);
  g_clear_pointer (&reply, g_variant_unref);

  /* Both change the phone number; hers reaches the server first. */
  change_phone (other->db_path, BERNARD_PHONE);
  change_phone (app_db, MARTIN_PHONE);
  reply = cercle_test_syncd_call (other->bus, "SyncAndWait", NULL, &error);
  g_assert_no_error (error);
  g_clear_pointer (&reply, g_variant_unref);
  phone = server_phone ("dr.martin");
  g_assert_cmpstr (phone, ==, BERNARD_PHONE);
  g_clear_pointer (&phone, g_free);

  /* His round: 412, both versions kept, the change refused. */
  reply = cercle_test_syncd_call (bus, "SyncAndWait", NULL, NULL);
  g_clear_pointer (&reply, g_variant_unref);
  g_assert_cmpuint (cercle_test_store_count (app_db, "SELECT count(*) FROM sync_conflict WHERE resource_id = ?",
                                             CERCLE_DEMO_PAT_DURAND), ==, 1);
  g_assert_cmpuint (cercle_test_store_count (app_db, "SELECT count(*) FROM outbox WHERE state = 'refused' AND resource_id = ?",
                                             CERCLE_DEMO_PAT_DURAND), ==, 1);

  /* His patient page shows both and lets him choose. */
  g_action_group_activate_action (G_ACTION_GROUP (window), "open-patient",
                                  g_variant_new_string (CERCLE_DEMO_PAT_DURAND));
  CERCLE_TEST_WAIT_FOR (gtk_widget_get_mapped (view) && cercle_test_find_label (view, "DURAND Jeanne") != NULL);
  CERCLE_TEST_WAIT_FOR (cercle_test_find_label (view, "Modifié ailleurs entre-temps") != NULL);
  g_assert_nonnull (cercle_test_find_label (view, "Téléphone — ma version : " MARTIN_PHONE " ; serveur : " BERNARD_PHONE));
  gtk_widget_activate (cercle_test_find_button (view, "Garder ma version"));
  CERCLE_TEST_WAIT_FOR (cercle_test_find_label (view, "Modifié ailleurs entre-temps") == NULL);

  /* The page asked the service for a round: his number is on the server. */
  CERCLE_TEST_WAIT_FOR (cercle_test_store_count (app_db, "SELECT count(*) FROM outbox WHERE resource_id = ?",
                                                 CERCLE_DEMO_PAT_DURAND) == 0);
  g_assert_cmpuint (cercle_test_store_count (app_db, "SELECT count(*) FROM sync_conflict", NULL), ==, 0);
  phone = server_phone ("ide.bernard");
  g_assert_cmpstr (phone, ==, MARTIN_PHONE);
  g_clear_pointer (&phone, g_free);

  /* Her next round brings it to her. */
  reply = cercle_test_syncd_call (other->bus, "SyncAndWait", NULL, &error);
  g_assert_no_error (error);
  g_clear_pointer (&reply, g_variant_unref);
  g_assert_cmpuint (cercle_test_store_count (other->db_path, "SELECT count(*) FROM patient WHERE id = ? AND phone = '"
                                             MARTIN_PHONE "'", CERCLE_DEMO_PAT_DURAND), ==, 1);
  cercle_test_session_stop (other);

  gtk_window_destroy (GTK_WINDOW (window));
  cercle_test_flush_events (100);
}

int
main (int   argc,
      char *argv[])
{
  const char *build_dir = g_getenv ("CERCLE_BUILD_DIR");
  g_autofree char *localedir = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) bus = NULL;
  int status;

  g_assert_nonnull (build_dir);
  g_assert_nonnull (g_getenv ("CERCLE_TEST_TMPDIR"));
  app_db = g_build_filename (g_getenv ("CERCLE_TEST_TMPDIR"), "martin.db", NULL);
  g_setenv ("CERCLE_DB", app_db, TRUE);
  g_unsetenv ("CERCLE_SERVER_URL");

  /* French, as a user has it: gtk_test_init would force en_US. */
  g_assert_nonnull (setlocale (LC_ALL, "fr_FR.UTF-8"));
  g_setenv ("LANGUAGE", "fr", TRUE);
  localedir = g_build_filename (build_dir, "po", NULL);
  bindtextdomain (GETTEXT_PACKAGE, localedir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  gtk_disable_setlocale ();

  g_test_init (&argc, &argv, NULL);
  adw_init ();
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);

  server_db = cercle_test_db_path ("server.db");
  start_server (NULL);
  server_url = g_strdup (cercle_test_server_get_url (server));
  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  syncd = cercle_test_spawn_syncd (bus, NULL, app_db);

  app = cercle_application_new ();
  g_application_register (G_APPLICATION (app), NULL, &error);
  g_assert_no_error (error);
  g_application_hold (G_APPLICATION (app));

  g_test_add_func ("/e2e/conflict/story", test_story);
  status = g_test_run ();

  g_application_release (G_APPLICATION (app));
  g_clear_object (&app);
  cercle_test_stop_process (&syncd);
  if (server)
    cercle_test_server_free (server);
  g_free (server_url);
  g_free (server_db);
  g_free (app_db);
  return status;
}
