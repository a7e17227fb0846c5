/* test-e2e-notes.c — the care team's notes end to end, with every real part
 *
 * Issue 15 and 16's story, as a person goes through it, in French under
 * Xvfb: a real `cercle-server --demo` on 127.0.0.1, a real cercle-syncd on
 * the private session bus and unlocked keyring of build-aux/test-wrapper.sh
 * (spawned here, the local store in $CERCLE_DB), and the real app window
 * (CercleApplication, CercleWindow). Dr Martin signs in through the
 * sign-in dialog and gets the demo patients; the server goes down, a note
 * written on Jeanne Durand's file waits (« En attente d'envoi ») under the
 * offline banner, then goes once the server is back (« Envoyé », the open
 * file reloaded by the service's Changed signal); Ide Bernard, a member of
 * the circle, gets it through a second cercle-syncd on a second private bus
 * with its own keyring and store, Dr Dehors, outside the circle, does not;
 * « Se déconnecter » empties the patients, the directory stays.
 *
 * With CERCLE_SCREENSHOT=FILE.png the window is saved once the note is
 * sent (the patient page with the synced note).
 *
 * This process serves the GTK window: it never blocks in a D-Bus call or a
 * subprocess, it iterates its main context.
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
#include "cercle-note-row.h"
#include "cercle-patient-view.h"
#include "cercle-patients-page.h"
#include "cercle-sign-in-dialog.h"
#include "cercle-sign-out-dialog.h"
#include "cercle-store.h"
#include "cercle-sync-banner.h"
#include "cercle-sync-status.h"
#include "cercle-test-e2e.h"
#include "cercle-test-gui.h"
#include "cercle-test-server.h"
#include "cercle-window.h"

#define PASSWORD "cercle-demo"
#define OFFLINE_TEXT "Hors connexion — les modifications seront envoyées au retour du réseau"
#define NOTE_TEXT "Passage de 18 h : Mme Durand tousse, 38,2 °C. Prévenir le médecin traitant si la fièvre persiste demain."

static CercleApplication *app;
static CercleTestServer *server;
static char *server_url;
static char *server_db;
static char *app_db;
static GSubprocess *syncd;

/* --------------------------------------------------------- on screen -- */

static GtkEditable *
find_entry_row (GtkWidget  *dialog,
                const char *title)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new ();

  cercle_test_collect (dialog, ADW_TYPE_ENTRY_ROW, FALSE, rows);
  for (guint i = 0; i < rows->len; i++)
    if (g_strcmp0 (adw_preferences_row_get_title (g_ptr_array_index (rows, i)), title) == 0)
      return g_ptr_array_index (rows, i);
  g_error ("no field named « %s »", title);
}

/* The banner's bar is on screen with @text. */
static gboolean
banner_shows (CercleWindow *window,
              const char   *text)
{
  GtkWidget *banner = cercle_test_find_one (GTK_WIDGET (window), CERCLE_TYPE_SYNC_BANNER);
  GtkRevealer *revealer = GTK_REVEALER (cercle_test_find_one (banner, GTK_TYPE_REVEALER));

  return gtk_revealer_get_reveal_child (revealer) && gtk_revealer_get_child_revealed (revealer)
         && cercle_test_find_label (banner, text) != NULL;
}

/* The timeline row of the note showing @text, if it is on screen. */
static GtkWidget *
note_row (GtkWidget  *view,
          const char *text)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new ();

  cercle_test_collect (view, CERCLE_TYPE_NOTE_ROW, TRUE, rows);
  for (guint i = 0; i < rows->len; i++)
    if (cercle_test_find_label (g_ptr_array_index (rows, i), text) != NULL)
      return g_ptr_array_index (rows, i);
  return NULL;
}

static gboolean
note_shows (GtkWidget  *view,
            const char *text,
            const char *state)
{
  GtkWidget *row = note_row (view, text);

  return row != NULL && cercle_test_find_label (row, state) != NULL;
}

static void
save_screenshot (GtkWidget  *window,
                 const char *path)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (window);
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;

  gdk_paintable_snapshot (paintable, snapshot, gtk_widget_get_width (window), gtk_widget_get_height (window));
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node, NULL);
  g_assert_true (gdk_texture_save_to_png (texture, path));
}

/* ------------------------------------------------------------ stores -- */

static char *
note_id (const char *path,
         const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CercleDb) db = cercle_store_open (path, &error);
  sqlite3_stmt *stmt;
  g_autofree char *pattern = g_strdup_printf ("%%%s%%", text);
  char *id = NULL;

  g_assert_no_error (error);
  stmt = cercle_db_prepare (db, "SELECT id FROM resource WHERE type = 'Communication' AND json LIKE ?", &error);
  g_assert_no_error (error);
  sqlite3_bind_text (stmt, 1, pattern, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    id = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  return id;
}

/* The HTTP status the server gives @login reading @type/@id. */
static guint
server_read (const char *login,
             const char *type,
             const char *id)
{
  g_autofree char *token = cercle_test_server_login (server, login, PASSWORD);
  g_autofree char *path = g_strdup_printf ("/fhir/%s/%s", type, id);
  g_autoptr(CercleTestResponse) r = cercle_test_server_request (server, "GET", path, token, NULL, NULL, NULL);

  return r->status;
}

/* ---------------------------------------------------------- services -- */

static void
start_server (const char *listen)
{
  const char *args[] = { "--demo", listen ? "--listen" : NULL, listen, NULL };

  server = cercle_test_server_start (server_db, args);
  g_assert_nonnull (server);
}

/* ------------------------------------------------------------- story -- */

static void
test_story (void)
{
  CercleSyncStatus *status = cercle_application_get_sync_status (app);
  CercleWindow *window;
  GtkWidget *page;
  GtkWidget *view;
  GtkWindow *dialog;
  g_autoptr(GtkWindow) weak_dialog = NULL;
  g_autofree char *count_text = NULL;
  g_autofree char *id = NULL;
  g_autofree char *port = NULL;
  g_autofree char *listen = NULL;
  GtkTextView *compose;
  guint patients, structures;
  const char *screenshot = g_getenv ("CERCLE_SCREENSHOT");

  window = cercle_window_new (app);
  gtk_window_set_default_size (GTK_WINDOW (window), 1200, 860);
  gtk_window_present (GTK_WINDOW (window));
  page = cercle_test_find_one (GTK_WIDGET (window), CERCLE_TYPE_PATIENTS_PAGE);
  view = cercle_test_find_one (page, CERCLE_TYPE_PATIENT_VIEW);
  CERCLE_TEST_WAIT_FOR (gtk_widget_get_mapped (page));
  CERCLE_TEST_WAIT_FOR (g_strcmp0 (cercle_sync_status_get_state (status), "signed-out") == 0);
  g_assert_nonnull (cercle_test_find_label (page, "Aucun patient pour l’instant"));

  /* (a) Dr Martin signs in through the dialog the banner opens. */
  CERCLE_TEST_WAIT_FOR (banner_shows (window,
                                     "Vous n’êtes pas connecté : vos données restent sur cet ordinateur"));
  gtk_widget_activate (cercle_test_find_button (cercle_test_find_one (GTK_WIDGET (window), CERCLE_TYPE_SYNC_BANNER), "Se connecter"));
  CERCLE_TEST_WAIT_FOR ((dialog = cercle_test_find_toplevel (CERCLE_TYPE_SIGN_IN_DIALOG)) != NULL);
  CERCLE_TEST_WAIT_FOR (gtk_widget_get_mapped (GTK_WIDGET (dialog)));
  g_set_weak_pointer (&weak_dialog, dialog);
  gtk_editable_set_text (find_entry_row (GTK_WIDGET (dialog), "Serveur"), server_url);
  gtk_editable_set_text (find_entry_row (GTK_WIDGET (dialog), "Identifiant"), "dr.martin");
  gtk_editable_set_text (find_entry_row (GTK_WIDGET (dialog), "Mot de passe"), PASSWORD);
  gtk_widget_activate (cercle_test_find_button (GTK_WIDGET (dialog), "Se connecter"));
  CERCLE_TEST_WAIT_FOR (weak_dialog == NULL);
  CERCLE_TEST_WAIT_FOR (cercle_sync_status_get_last_sync (status) > 0
                        && g_strcmp0 (cercle_sync_status_get_state (status), "idle") == 0);
  g_assert_cmpstr (cercle_sync_status_get_login (status), ==, "dr.martin");
  /* The demo patients, in the page, as many as the store holds. */
  patients = cercle_test_store_count (app_db, "SELECT count(*) FROM patient", NULL);
  g_assert_cmpuint (patients, >=, 5);
  count_text = g_strdup_printf ("%u patients", patients);
  CERCLE_TEST_WAIT_FOR (cercle_test_find_label (page, count_text) != NULL);
  g_assert_nonnull (cercle_test_find_label (page, "DURAND Jeanne"));
  structures = cercle_test_store_count (app_db, "SELECT count(*) FROM dir_structure", NULL);
  g_assert_cmpuint (structures, >, 0);

  /* (b) The file open, the server goes down. */
  g_action_group_activate_action (G_ACTION_GROUP (window), "open-patient",
                                  g_variant_new_string (CERCLE_DEMO_PAT_DURAND));
  CERCLE_TEST_WAIT_FOR (gtk_widget_get_mapped (view) && cercle_test_find_label (view, "DURAND Jeanne") != NULL);
  g_assert_cmpstr (cercle_patient_view_get_patient_id (CERCLE_PATIENT_VIEW (view)), ==, CERCLE_DEMO_PAT_DURAND);
  port = g_strdup (strrchr (server_url, ':') + 1);
  cercle_test_server_stop (server);
  cercle_test_server_free (server);
  server = NULL;
  /* What « Synchroniser maintenant » does: the round finds no server. */
  g_action_group_activate_action (G_ACTION_GROUP (window), "sync-now", NULL);
  CERCLE_TEST_WAIT_FOR (g_strcmp0 (cercle_sync_status_get_state (status), "offline") == 0);
  CERCLE_TEST_WAIT_FOR (banner_shows (window, OFFLINE_TEXT));

  compose = GTK_TEXT_VIEW (cercle_test_find_one (view, GTK_TYPE_TEXT_VIEW));
  gtk_widget_grab_focus (GTK_WIDGET (compose));
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (compose), NOTE_TEXT, -1);
  gtk_widget_activate (cercle_test_find_button (view, "Envoyer"));
  CERCLE_TEST_WAIT_FOR (note_shows (view, NOTE_TEXT, "En attente d'envoi"));
  /* Signed with the name the circle knows, not the login. */
  g_assert_nonnull (cercle_test_find_label (note_row (view, NOTE_TEXT), "Dr Paul Martin"));
  id = note_id (app_db, NOTE_TEXT);
  g_assert_nonnull (id);
  /* The page asked for a round: it fails too, the note waits. */
  CERCLE_TEST_WAIT_FOR (cercle_sync_status_get_pending_count (status) == 1);
  cercle_test_flush_events (500);
  CERCLE_TEST_WAIT_FOR (g_strcmp0 (cercle_sync_status_get_state (status), "offline") == 0);
  g_assert_true (note_shows (view, NOTE_TEXT, "En attente d'envoi"));

  /* The server is back on the same address: the service's next try sends
   * the note, its Changed signal reloads the open file. */
  listen = g_strdup_printf ("127.0.0.1:%s", port);
  start_server (listen);
  g_assert_cmpstr (cercle_test_server_get_url (server), ==, server_url);
  CERCLE_TEST_WAIT_FOR (note_shows (view, NOTE_TEXT, "Envoyé"));
  g_assert_false (note_shows (view, NOTE_TEXT, "En attente d'envoi"));
  CERCLE_TEST_WAIT_FOR (cercle_sync_status_get_pending_count (status) == 0);
  CERCLE_TEST_WAIT_FOR (!banner_shows (window, OFFLINE_TEXT));
  g_assert_cmpuint (server_read ("dr.martin", "Communication", id), ==, 200);
  if (screenshot)
    {
      cercle_test_flush_events (1000);
      save_screenshot (GTK_WIDGET (window), screenshot);
    }

  /* (c) Ide Bernard, in the circle, gets it in her own store through her
   * own cercle-syncd; Dr Dehors, outside it, does not. */
  {
    CercleTestSession *other = cercle_test_session_start ("bernard");
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) reply = NULL;

    reply = cercle_test_syncd_call (other->bus, "SignIn",
                                    g_variant_new ("(sss)", server_url, "ide.bernard", PASSWORD), &error);
    g_assert_no_error (error);
    g_clear_pointer (&reply, g_variant_unref);
    reply = cercle_test_syncd_call (other->bus, "SyncAndWait", NULL, &error);
    g_assert_no_error (error);
    g_clear_pointer (&reply, g_variant_unref);
    g_assert_cmpuint (cercle_test_store_count (other->db_path, "SELECT count(*) FROM resource WHERE type = 'Communication'"
                                                               " AND patient_id = '" CERCLE_DEMO_PAT_DURAND "' AND id = ?", id),
                      ==, 1);
    {
      g_autofree char *seen = note_id (other->db_path, NOTE_TEXT);

      g_assert_cmpstr (seen, ==, id);
    }

    /* The same service, now for Dr Dehors. */
    reply = cercle_test_syncd_call (other->bus, "SignOut", NULL, &error);
    g_assert_no_error (error);
    g_clear_pointer (&reply, g_variant_unref);
    g_assert_cmpuint (cercle_test_store_count (other->db_path, "SELECT count(*) FROM resource WHERE id = ?", id), ==, 0);
    reply = cercle_test_syncd_call (other->bus, "SignIn",
                                    g_variant_new ("(sss)", server_url, "dr.dehors", PASSWORD), &error);
    g_assert_no_error (error);
    g_clear_pointer (&reply, g_variant_unref);
    reply = cercle_test_syncd_call (other->bus, "SyncAndWait", NULL, &error);
    g_assert_no_error (error);
    g_clear_pointer (&reply, g_variant_unref);
    /* Its round did pull: the directory came down. */
    g_assert_cmpuint (cercle_test_store_count (other->db_path, "SELECT count(*) FROM dir_structure", NULL), >, 0);
    g_assert_cmpuint (cercle_test_store_count (other->db_path, "SELECT count(*) FROM resource WHERE id = ?", id), ==, 0);
    g_assert_cmpuint (cercle_test_store_count (other->db_path, "SELECT count(*) FROM patient WHERE id = ?",
                                               CERCLE_DEMO_PAT_DURAND), ==, 0);
    g_assert_cmpuint (server_read ("dr.dehors", "Communication", id), >=, 400);
    g_assert_cmpuint (server_read ("ide.bernard", "Communication", id), ==, 200);
    cercle_test_session_stop (other);
  }

  /* (d) « Se déconnecter »: asked first, then the patients leave the page
   * and the store; the directory stays. */
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (window), "sign-out"));
  g_action_group_activate_action (G_ACTION_GROUP (window), "sign-out", NULL);
  CERCLE_TEST_WAIT_FOR ((dialog = cercle_test_find_toplevel (CERCLE_TYPE_SIGN_OUT_DIALOG)) != NULL);
  CERCLE_TEST_WAIT_FOR (gtk_widget_get_mapped (GTK_WIDGET (dialog)));
  gtk_widget_activate (cercle_test_find_button (GTK_WIDGET (dialog), "_Se déconnecter"));
  CERCLE_TEST_WAIT_FOR (g_strcmp0 (cercle_sync_status_get_state (status), "signed-out") == 0);
  CERCLE_TEST_WAIT_FOR (cercle_test_find_label (page, "Aucun patient pour l’instant") != NULL);
  g_assert_null (cercle_test_find_label (page, "DURAND Jeanne"));
  g_assert_cmpuint (cercle_test_store_count (app_db, "SELECT count(*) FROM patient", NULL), ==, 0);
  g_assert_cmpuint (cercle_test_store_count (app_db, "SELECT count(*) FROM resource WHERE patient_id IS NOT NULL", NULL), ==, 0);
  g_assert_cmpuint (cercle_test_store_count (app_db, "SELECT count(*) FROM dir_structure", NULL), ==, structures);
  CERCLE_TEST_WAIT_FOR (banner_shows (window,
                                     "Vous n’êtes pas connecté : vos données restent sur cet ordinateur"));

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

  g_test_add_func ("/e2e/notes/story", test_story);
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
