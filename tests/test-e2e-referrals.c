/* test-e2e-referrals.c — the discharge referral story, every part real
 *
 * The real cercle-server (--demo) on 127.0.0.1, the real cercle-syncd on the
 * private session bus of build-aux/test-wrapper.sh (and its unlocked
 * keyring), the real main window (CercleWindow, « Orientations » and
 * « Demandes reçues ») in French under Xvfb. Four accounts: the discharge
 * nurse sortie.melun and the desks ssiad.melun, smr.coubert, had.melun.
 *
 * Only one cercle-syncd may own fr.cercle.Cercle.Sync on a bus: the users
 * take turns, each with a store of their own ($CERCLE_DB, read by the
 * service and the window alike). Signed in once, a user's session comes
 * back from the keyring when their service starts again, as after a
 * logout and login on a shared workstation.
 *
 * The story: the nurse sends a dossier to the SSIAD, the SMR and the HAD;
 * each desk syncs, opens it (« Lue » on the server, through the sync
 * engine's read of the opened Task); the SSIAD refuses (pas de place), the
 * SMR accepts; the nurse confirms the SMR and the HAD shows « Annulée
 * automatiquement »; every window shows the final statuses; a move the
 * rules forbid is refused in French, locally and by the server; a dossier
 * sent while the server is down is delivered once.
 *
 * This process runs the windows and waits for D-Bus calls and
 * subprocesses by iterating its main context: it never blocks.
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>
#include <signal.h>
#include <string.h>

#include "cercle-application.h"
#include "cercle-demo.h"
#include "cercle-dossier-row.h"
#include "cercle-dossier-view.h"
#include "cercle-note-row.h"
#include "cercle-patient-view.h"
#include "cercle-received-page.h"
#include "cercle-referral-repo.h"
#include "cercle-referrals-page.h"
#include "cercle-test-server.h"
#include "cercle-window.h"

#define PASSWORD     "cercle-demo"
#define NURSE        "sortie.melun"
#define SSIAD        "ssiad.melun"
#define SMR          "smr.coubert"
#define HAD          "had.melun"
#define SSIAD_FINESS "770999209"
#define SMR_FINESS   "770999308"
#define HAD_FINESS   "770999407"

typedef struct {
  CercleTestServer  *server;
  char              *server_db;
  GDBusConnection   *bus;
  CercleApplication *app;
  GSubprocess       *syncd;
  char              *login;          /* whose service runs */
  char              *referral;       /* the dossier sent to three */
  char              *tasks[3];       /* its Tasks: SSIAD, SMR, HAD */
} Fixture;

static Fixture fx;

/* -------------------------------------------------------------- looping -- */

static gboolean
timeout_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
iterate_for (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, timeout_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

static void
async_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      data)
{
  *(GAsyncResult **) data = g_object_ref (result);
}

static GAsyncResult *
wait_result (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *slot;
}

typedef gboolean (*Condition) (gpointer data);

static void
wait_until (Condition   cond,
            gpointer    data,
            guint       seconds,
            const char *what)
{
  gint64 deadline = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;

  while (!cond (data))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("Timed out waiting for %s", what);
      iterate_for (20);
    }
}

/* ---------------------------------------------------------- the service -- */

static char *
store_path (const char *login)
{
  g_autofree char *name = g_strdup_printf ("e2e-%s.db", login);

  return g_build_filename (g_getenv ("CERCLE_TEST_TMPDIR"), name, NULL);
}

static GVariant *
call (const char  *method,
      GVariant    *parameters,
      GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  GVariant *reply;

  g_dbus_connection_call (fx.bus, "fr.cercle.Cercle.Sync", "/fr/cercle/Cercle/Sync", "fr.cercle.Cercle.Sync",
                          method, parameters, NULL, G_DBUS_CALL_FLAGS_NO_AUTO_START, 120000, NULL, async_done_cb,
                          &result);
  reply = g_dbus_connection_call_finish (fx.bus, wait_result (&result), error);
  if (error && *error)
    g_dbus_error_strip_remote_error (*error);
  return reply;
}

static gboolean
sync_and_wait (GError **error)
{
  g_autoptr(GVariant) reply = call ("SyncAndWait", NULL, error);

  return reply != NULL;
}

static void
sync_ok (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (sync_and_wait (&error));
  g_assert_no_error (error);
}

static void
stop_syncd (void)
{
  g_autoptr(GAsyncResult) result = NULL;

  if (fx.syncd == NULL)
    return;
  g_subprocess_send_signal (fx.syncd, SIGTERM);
  g_subprocess_wait_async (fx.syncd, NULL, async_done_cb, &result);
  g_subprocess_wait_finish (fx.syncd, wait_result (&result), NULL);
  g_clear_object (&fx.syncd);
  g_clear_pointer (&fx.login, g_free);
}

/* @login's turn: their store for the window and their service on the bus,
 * signed in the first time, taken up from the keyring afterwards; then a
 * sync. */
static void
become (const char *login)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = store_path (login);
  gboolean first = !g_file_test (path, G_FILE_TEST_EXISTS);
  gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  stop_syncd ();
  g_setenv ("CERCLE_DB", path, TRUE);
  g_subprocess_launcher_setenv (launcher, "CERCLE_DB", path, TRUE);
  g_subprocess_launcher_setenv (launcher, "LC_ALL", "fr_FR.UTF-8", TRUE);
  fx.syncd = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("CERCLE_SYNCD_BIN"),
                                          "--request-timeout", "3", NULL);
  g_assert_no_error (error);
  fx.login = g_strdup (login);
  for (;;)
    {
      g_autoptr(GVariant) reply = NULL;
      g_autoptr(GAsyncResult) result = NULL;

      g_dbus_connection_call (fx.bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                              "GetNameOwner", g_variant_new ("(s)", "fr.cercle.Cercle.Sync"), NULL,
                              G_DBUS_CALL_FLAGS_NO_AUTO_START, -1, NULL, async_done_cb, &result);
      reply = g_dbus_connection_call_finish (fx.bus, wait_result (&result), NULL);
      if (reply)
        break;
      g_assert_cmpint (g_get_monotonic_time (), <, end);
      iterate_for (20);
    }
  if (first)
    {
      g_autoptr(GVariant) reply = call ("SignIn", g_variant_new ("(sss)", cercle_test_server_get_url (fx.server),
                                                                 login, PASSWORD), &error);

      g_assert_no_error (error);
    }
  sync_ok ();
}

static CercleDb *
open_store (const char *login)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = store_path (login);
  CercleDb *db = cercle_store_open (path, &error);

  g_assert_no_error (error);
  return db;
}

static gint64
count (CercleDb   *db,
       const char *sql,
       const char *param)
{
  sqlite3_stmt *stmt = cercle_db_prepare (db, sql, NULL);
  gint64 n;

  g_assert_nonnull (stmt);
  if (param)
    sqlite3_bind_text (stmt, 1, param, -1, SQLITE_TRANSIENT);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  n = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return n;
}

/* What the server holds, read by the nurse (her reads mark nothing). */
static CercleTestResponse *
server_get (const char *path)
{
  g_autofree char *token = cercle_test_server_login (fx.server, NURSE, PASSWORD);
  g_autofree char *full = g_strconcat ("/fhir/", path, NULL);

  return cercle_test_server_request (fx.server, "GET", full, token, NULL, NULL, NULL);
}

static char *
server_task_state (const char *task_id)
{
  g_autofree char *path = g_strconcat ("Task/", task_id, NULL);
  g_autoptr(CercleTestResponse) r = server_get (path);
  JsonObject *business;
  const char *code = NULL;

  g_assert_cmpuint (r->status, ==, 200);
  business = json_object_has_member (r->json, "businessStatus")
             ? json_object_get_object_member (r->json, "businessStatus") : NULL;
  if (business)
    code = json_object_get_string_member (json_array_get_object_element (
                                            json_object_get_array_member (business, "coding"), 0), "code");
  return g_strdup_printf ("%s/%s", json_object_get_string_member (r->json, "status"), code ? code : "");
}

static guint
server_total (const char *search)
{
  g_autoptr(CercleTestResponse) r = server_get (search);

  g_assert_cmpuint (r->status, ==, 200);
  return json_object_has_member (r->json, "entry")
         ? json_array_get_length (json_object_get_array_member (r->json, "entry")) : 0;
}

/* ----------------------------------------------------------- the window -- */

static GtkWidget *
find_widget (GtkWidget *root,
             GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type))
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_widget (c, type);

      if (found)
        return found;
    }
  return NULL;
}

static gboolean
is_mapped (gpointer data)
{
  return gtk_widget_get_mapped (data);
}

/* The main window on « Orientations », over the current user's store. */
static CercleReferralsPage *
open_window (void)
{
  CercleWindow *window = cercle_window_new (fx.app);
  GtkWidget *page;

  gtk_window_set_default_size (GTK_WINDOW (window), 1180, 760);
  gtk_window_present (GTK_WINDOW (window));
  cercle_window_set_page (window, "referrals");
  page = find_widget (GTK_WIDGET (window), CERCLE_TYPE_REFERRALS_PAGE);
  g_assert_nonnull (page);
  wait_until (is_mapped, page, 10, "the Orientations page");
  return CERCLE_REFERRALS_PAGE (page);
}

static void
close_window (CercleReferralsPage *page)
{
  gtk_window_destroy (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (page))));
  iterate_for (50);
}

typedef struct {
  CercleReferralsPage *page;
  const char          *text;
} ViewWait;

static gboolean
view_says (gpointer data)
{
  ViewWait *w = data;
  g_autofree char *text = cercle_dossier_view_dup_text (cercle_referrals_page_get_view (w->page));

  return text && strstr (text, w->text) != NULL;
}

/* The dossier shown says @text: after a sync, the service's Changed signal
 * has the page read its store again. */
static void
wait_view_says (CercleReferralsPage *page,
                const char          *text)
{
  ViewWait w = { page, text };
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (!view_says (&w))
    {
      if (g_get_monotonic_time () > deadline)
        {
          g_autofree char *shown = cercle_dossier_view_dup_text (cercle_referrals_page_get_view (page));

          g_error ("the dossier does not say « %s »: %s", text, shown);
        }
      iterate_for (20);
    }
}

static guint
occurrences (const char *text,
             const char *what)
{
  guint n = 0;

  for (const char *p = text; (p = strstr (p, what)) != NULL; p += strlen (what))
    n++;
  return n;
}

static gint
received_position (CercleReferralsPage *page)
{
  GListModel *model = cercle_received_page_get_model (cercle_referrals_page_get_received_page (page));

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(CercleDossier) dossier = g_list_model_get_item (model, i);

      if (g_strcmp0 (cercle_dossier_get_referral_id (dossier), fx.referral) == 0)
        return i;
    }
  return -1;
}

static gboolean
received_listed (gpointer data)
{
  return received_position (data) >= 0;
}

/* A desk opens the request from « Demandes reçues ». */
static void
desk_opens (CercleReferralsPage *page)
{
  wait_until (received_listed, page, 10, "the request in « Demandes reçues »");
  g_signal_emit_by_name (cercle_received_page_get_list_view (cercle_referrals_page_get_received_page (page)),
                         "activate", (guint) received_position (page));
  iterate_for (50);
  g_assert_cmpstr (cercle_referrals_page_get_content (page), ==, "dossier");
  g_assert_cmpstr (cercle_dossier_view_get_referral_id (cercle_referrals_page_get_view (page)), ==, fx.referral);
}

static void
click (GtkWidget *button)
{
  g_assert_nonnull (button);
  g_assert_true (gtk_widget_is_sensitive (button));
  g_signal_emit_by_name (button, "clicked");
  iterate_for (20);
}

/* The patient page of the same window: the dossier in its referrals box,
 * with each destination's final status, and its steps in the timeline. */
typedef struct {
  GtkWidget *window;
  char      *row_text;
} PatientWait;

static void
collect (GtkWidget *widget,
         GType      type,
         GPtrArray *out)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    g_ptr_array_add (out, widget);
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
    collect (c, type, out);
}

static gboolean
patient_page_shows (gpointer data)
{
  PatientWait *w = data;
  GtkWidget *view = find_widget (w->window, CERCLE_TYPE_PATIENT_VIEW);
  g_autoptr(GPtrArray) rows = g_ptr_array_new ();

  if (view == NULL || g_strcmp0 (cercle_patient_view_get_patient_id (CERCLE_PATIENT_VIEW (view)),
                                 CERCLE_DEMO_PAT_DURAND) != 0)
    return FALSE;
  collect (GTK_WIDGET (cercle_patient_view_get_referrals_box (CERCLE_PATIENT_VIEW (view))), CERCLE_TYPE_DOSSIER_ROW,
           rows);
  for (guint i = 0; i < rows->len; i++)
    {
      g_autofree char *text = cercle_dossier_row_dup_text (g_ptr_array_index (rows, i));

      if (strstr (text, "Annulée automatiquement") != NULL)
        {
          g_free (w->row_text);
          w->row_text = g_steal_pointer (&text);
          return TRUE;
        }
    }
  return FALSE;
}

/* CERCLE_E2E_SCREENSHOT=/tmp/shot.png: the window as it is, for the
 * README (the demo data and the story's dossier, after a real sync). */
static void
maybe_screenshot (GtkWidget *window)
{
  const char *path = g_getenv ("CERCLE_E2E_SCREENSHOT");
  int width = gtk_widget_get_width (window);
  int height = gtk_widget_get_height (window);
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GtkSnapshot *snapshot;
  GskRenderNode *node;

  if (path == NULL)
    return;
  iterate_for (500);
  paintable = gtk_widget_paintable_new (window);
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  g_assert_true (gdk_texture_save_to_png (texture, path));
  gsk_render_node_unref (node);
  g_test_message ("screenshot: %d×%d in %s", width, height, path);
}

/* ---------------------------------------------------------------- tests -- */

/* The nurse sends one dossier to three structures from her window; one
 * transaction on the server after the sync. */
static void
test_send (void)
{
  g_autoptr(CercleDb) db = NULL;
  g_autoptr(CercleReferralDraft) draft = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *search = NULL;
  CercleReferralsPage *page;
  static const char *owners[] = { CERCLE_DEMO_ORG_SSIAD_MELUN, CERCLE_DEMO_ORG_SMR_COUBERT, CERCLE_DEMO_ORG_HAD_MELUN };

  become (NURSE);
  db = open_store (NURSE);
  /* The demo's files came with the first sync. */
  g_assert_cmpint (count (db, "SELECT count(*) FROM patient WHERE id = ?", CERCLE_DEMO_PAT_DURAND), ==, 1);
  page = open_window ();

  /* As the dossier editor sends it (test-referrals-page drives the editor
   * itself): the repo, on the window's store. */
  draft = cercle_referral_repo_new_draft (db, CERCLE_DEMO_PAT_DURAND, &error);
  g_assert_no_error (error);
  cercle_referral_draft_set_orientation_type (draft, "SMR");
  cercle_referral_draft_set_field (draft, "reason", "Rééducation après ostéosynthèse du col");
  cercle_referral_draft_set_field (draft, "treatments", "Enoxaparine 4000 UI/j");
  cercle_referral_draft_set_field (draft, "gir", "3");
  cercle_referral_draft_set_field (draft, "nursing", "Aide à la toilette");
  cercle_referral_draft_add_destination (draft, SSIAD_FINESS, "SSIAD de Melun (fictif)", "354", 0.4, TRUE);
  cercle_referral_draft_add_destination (draft, SMR_FINESS, "SMR de Coubert (fictif)", "109", 14.8, FALSE);
  cercle_referral_draft_add_destination (draft, HAD_FINESS, "HAD de Melun (fictif)", "127", 0.6, TRUE);
  g_assert_true (cercle_referral_repo_send (db, draft, 48, &error));
  g_assert_no_error (error);
  fx.referral = g_strdup (cercle_referral_draft_get_id (draft));
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *sql = g_strdup_printf ("SELECT id FROM referral_task WHERE focus = 'ServiceRequest/' || ?"
                                              " AND owner = 'Organization/%s'", owners[i]);
      sqlite3_stmt *stmt = cercle_db_prepare (db, sql, NULL);

      sqlite3_bind_text (stmt, 1, fx.referral, -1, SQLITE_TRANSIENT);
      g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
      fx.tasks[i] = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      sqlite3_reset (stmt);
    }

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "referrals.open", "s", fx.referral));
  wait_view_says (page, "En attente d'envoi");
  text = cercle_dossier_view_dup_text (cercle_referrals_page_get_view (page));
  g_test_message ("%s", text);
  /* one line a destination, and the dossier's own */
  g_assert_cmpuint (occurrences (text, "(fictif) : En attente d'envoi"), ==, 3);

  sync_ok ();
  g_assert_cmpint (count (db, "SELECT count(*) FROM outbox", NULL), ==, 0);
  wait_view_says (page, "Envoyée");
  g_clear_pointer (&text, g_free);
  text = cercle_dossier_view_dup_text (cercle_referrals_page_get_view (page));
  g_test_message ("%s", text);
  g_assert_null (strstr (text, "En attente d'envoi"));
  /* Listed in « Orientations », read from the rows the sync brought back. */
  {
    GListModel *dossiers = cercle_referrals_page_get_dossiers (page);
    gboolean listed = FALSE;

    for (guint i = 0; i < g_list_model_get_n_items (dossiers); i++)
      {
        g_autoptr(CercleDossier) d = g_list_model_get_item (dossiers, i);

        listed |= g_strcmp0 (cercle_dossier_get_referral_id (d), fx.referral) == 0;
      }
    g_assert_true (listed);
  }
  /* The server's versions come with the next pull. */
  sync_ok ();
  g_assert_cmpint (count (db, "SELECT count(*) FROM resource WHERE type = 'Task' AND version_id IS NOT NULL"
                              " AND json_extract (json, '$.focus.reference') = 'ServiceRequest/' || ?", fx.referral),
                   ==, 3);

  search = g_strdup_printf ("Task?focus=ServiceRequest/%s", fx.referral);
  g_assert_cmpuint (server_total (search), ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *state = server_task_state (fx.tasks[i]);

      g_assert_cmpstr (state, ==, "requested/non-lue");
    }
  close_window (page);
}

/* Each desk syncs, sees the request in « Demandes reçues » and opens it:
 * the next sync reads the Task, and the server marks it « Lue ». */
static void
desk_reads (const char *login,
            guint       index)
{
  g_autoptr(CercleDb) db = NULL;
  g_autoptr(GPtrArray) unread = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *state = NULL;
  CercleReferralsPage *page;

  become (login);
  db = open_store (login);
  /* Pulled into `resource`: the summary tables the lists read follow. */
  g_assert_cmpint (count (db, "SELECT count(*) FROM referral_task WHERE id = ? AND status = 'requested'",
                          fx.tasks[index]), ==, 1);
  page = open_window ();
  desk_opens (page);
  g_assert_cmpint (count (db, "SELECT count(*) FROM resource WHERE type = 'Task' AND id = ? AND read_at IS NOT NULL",
                          fx.tasks[index]), ==, 1);
  unread = cercle_referral_repo_list_unread_tasks (db, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (unread->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (unread, 0), ==, fx.tasks[index]);
  /* Opening it in the app told the server nothing yet; the list, the
   * search and the feed the desk's sync used do not mark it either. */
  state = server_task_state (fx.tasks[index]);
  g_assert_cmpstr (state, ==, "requested/non-lue");

  sync_ok ();
  g_clear_pointer (&state, g_free);
  state = server_task_state (fx.tasks[index]);
  g_assert_cmpstr (state, ==, "received/lue");
  g_clear_pointer (&unread, g_ptr_array_unref);
  unread = cercle_referral_repo_list_unread_tasks (db, &error);
  g_assert_cmpuint (unread->len, ==, 0);
  g_assert_cmpint (count (db, "SELECT count(*) FROM referral_task WHERE id = ? AND business = 'lue'",
                          fx.tasks[index]), ==, 1);
  wait_view_says (page, "Lue");
  /* Read once: a second sync reads nothing again. */
  sync_ok ();
  g_clear_pointer (&state, g_free);
  state = server_task_state (fx.tasks[index]);
  g_assert_cmpstr (state, ==, "received/lue");
  close_window (page);
}

static void
test_desks_read (void)
{
  desk_reads (SSIAD, 0);
  desk_reads (SMR, 1);
  desk_reads (HAD, 2);
}

/* The SSIAD refuses with a reason (none: refused here, in French); the SMR
 * accepts, as soon as possible. */
static void
test_desks_answer (void)
{
  CercleReferralsPage *page;
  CercleDossierView *view;
  g_autofree char *state = NULL;

  become (SSIAD);
  page = open_window ();
  desk_opens (page);
  view = cercle_referrals_page_get_view (page);
  click (cercle_dossier_view_get_action_button (view, fx.tasks[0], CERCLE_REFERRAL_ACTION_REFUSE));
  cercle_dossier_view_fill_form (view, NULL, NULL, NULL, FALSE);
  cercle_dossier_view_submit_form (view);
  g_assert_cmpstr (cercle_dossier_view_get_feedback (view), ==,
                   "Un motif est obligatoire pour faire passer une demande à « Refusée »");
  cercle_dossier_view_fill_form (view, "pas-de-place", NULL, NULL, FALSE);
  cercle_dossier_view_submit_form (view);
  sync_ok ();
  state = server_task_state (fx.tasks[0]);
  g_assert_cmpstr (state, ==, "rejected/");
  wait_view_says (page, "Refusée");
  close_window (page);

  become (SMR);
  page = open_window ();
  desk_opens (page);
  view = cercle_referrals_page_get_view (page);
  click (cercle_dossier_view_get_action_button (view, fx.tasks[1], CERCLE_REFERRAL_ACTION_ACCEPT));
  cercle_dossier_view_fill_form (view, NULL, NULL, NULL, TRUE);
  cercle_dossier_view_submit_form (view);
  sync_ok ();
  g_clear_pointer (&state, g_free);
  state = server_task_state (fx.tasks[1]);
  g_assert_cmpstr (state, ==, "accepted/accord");
  wait_view_says (page, "Acceptée");
  close_window (page);
}

/* The nurse sees both answers, confirms the SMR; the HAD is cancelled by
 * the server and her window says so after the sync. */
static void
test_confirm (void)
{
  CercleReferralsPage *page;
  CercleDossierView *view;
  g_autofree char *text = NULL;
  g_autofree char *state = NULL;

  become (NURSE);
  page = open_window ();
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "referrals.open", "s", fx.referral));
  view = cercle_referrals_page_get_view (page);
  wait_view_says (page, "Refusée");
  wait_view_says (page, "Acceptée");
  text = cercle_dossier_view_dup_text (view);
  g_test_message ("%s", text);
  g_assert_nonnull (strstr (text, "pas de place"));
  /* Nothing to confirm where nothing was accepted. */
  g_assert_null (cercle_dossier_view_get_action_button (view, fx.tasks[2], CERCLE_REFERRAL_ACTION_CONFIRM));
  click (cercle_dossier_view_get_action_button (view, fx.tasks[1], CERCLE_REFERRAL_ACTION_CONFIRM));
  sync_ok ();
  state = server_task_state (fx.tasks[1]);
  g_assert_cmpstr (state, ==, "in-progress/transfert-organise");
  g_clear_pointer (&state, g_free);
  state = server_task_state (fx.tasks[2]);
  g_assert_cmpstr (state, ==, "cancelled/annulation-auto");
  /* The server's cancellation comes with the next pull. */
  sync_ok ();
  wait_view_says (page, "Annulée automatiquement");
  g_clear_pointer (&text, g_free);
  text = cercle_dossier_view_dup_text (view);
  g_test_message ("%s", text);
  g_assert_nonnull (strstr (text, "Refusée"));

  /* Mme Durand's page tells the same. */
  {
    PatientWait w = { GTK_WIDGET (gtk_widget_get_root (GTK_WIDGET (page))), NULL };
    GtkWidget *patient_view;
    g_autoptr(GPtrArray) steps = g_ptr_array_new ();
    g_autoptr(GPtrArray) said = g_ptr_array_new_with_free_func (g_free);

    g_action_group_activate_action (G_ACTION_GROUP (w.window), "open-patient",
                                    g_variant_new_string (CERCLE_DEMO_PAT_DURAND));
    wait_until (patient_page_shows, &w, 10, "the dossier on the patient page");
    g_test_message ("%s", w.row_text);
    g_assert_nonnull (strstr (w.row_text, "Refusée"));
    g_assert_nonnull (strstr (w.row_text, "Admission confirmée"));
    g_free (w.row_text);
    patient_view = find_widget (w.window, CERCLE_TYPE_PATIENT_VIEW);
    collect (patient_view, CERCLE_TYPE_NOTE_ROW, steps);
    for (guint i = 0; i < steps->len; i++)
      {
        CercleTimelineEvent *event = cercle_note_row_get_event (g_ptr_array_index (steps, i));

        if (g_strcmp0 (cercle_timeline_event_get_referral_id (event), fx.referral) == 0)
          g_ptr_array_add (said, cercle_timeline_event_dup_referral_text (event));
      }
    for (guint i = 0; i < said->len; i++)
      g_test_message ("timeline: %s", (char *) g_ptr_array_index (said, i));

    /* newest first: the automatic cancellation, the confirmation, the
     * refusal, then the sending. The SMR's « Acceptée » is not told: the
     * server keeps the requester's and its own steps in a Task's history,
     * not a desk's (a desk may write status, reason, note and output
     * only), and a Task tells its current status when no step does. */
    g_assert_cmpuint (said->len, ==, 4);
    g_assert_cmpstr (g_ptr_array_index (said, 3), ==, "Orientation SMR envoyée à 3 structures");
    g_assert_true (g_ptr_array_find_with_equal_func (said, "HAD de Melun (fictif) : Annulée automatiquement",
                                                     g_str_equal, NULL));
    g_assert_true (g_ptr_array_find_with_equal_func (said, "SMR de Coubert (fictif) : Admission confirmée",
                                                     g_str_equal, NULL));
    g_assert_true (g_ptr_array_find_with_equal_func (said, "SSIAD de Melun (fictif) : Refusée (Pas de place)",
                                                     g_str_equal, NULL));

    cercle_window_set_page (CERCLE_WINDOW (w.window), "referrals");
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "referrals.open", "s", fx.referral));
    maybe_screenshot (w.window);
  }
  close_window (page);
}

/* Every desk's window shows its final status after its sync; a move the
 * rules forbid is refused in French, here and by the server. */
static void
test_final_statuses (void)
{
  static const struct {
    const char *login;
    const char *says;
  } desks[] = {
    { SSIAD, "Refusée" },
    { SMR, "Admission confirmée" },
    { HAD, "Annulée automatiquement" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (desks); i++)
    {
      CercleReferralsPage *page;

      become (desks[i].login);
      page = open_window ();
      desk_opens (page);
      wait_view_says (page, desks[i].says);
      if (i == 2)
        {
          g_autoptr(CercleDb) db = open_store (HAD);
          g_autoptr(GError) error = NULL;
          g_autofree char *token = cercle_test_server_login (fx.server, HAD, PASSWORD);
          g_autofree char *path = g_strconcat ("/fhir/Task/", fx.tasks[2], NULL);
          g_autoptr(CercleTestResponse) task = cercle_test_server_request (fx.server, "GET", path, token, NULL,
                                                                           NULL, NULL);
          g_autoptr(CercleTestResponse) refused = NULL;
          JsonObject *json;
          g_autofree char *body = NULL;

          /* Cancelled: the window offers no answer any more... */
          g_assert_null (cercle_dossier_view_get_action_button (cercle_referrals_page_get_view (page), fx.tasks[2],
                                                                CERCLE_REFERRAL_ACTION_ACCEPT));
          /* ...the rules refuse one, in French, and queue nothing... */
          g_assert_false (cercle_referral_repo_act (db, fx.tasks[2], CERCLE_REFERRAL_ACTION_ACCEPT, NULL, NULL,
                                                    NULL, TRUE, &error));
          g_assert_nonnull (error);
          g_test_message ("local refusal: %s", error->message);
          g_assert_cmpstr (error->message, ==, "Une demande ne peut pas passer de « Annulée automatiquement » à « Acceptée »");
          g_assert_cmpint (count (db, "SELECT count(*) FROM outbox", NULL), ==, 0);
          /* ...and so does the server, to a client that tries anyway. */
          g_assert_cmpuint (task->status, ==, 200);
          json = task->json;
          json_object_set_string_member (json, "status", "accepted");
          json_object_set_string_member (json_array_get_object_element (json_object_get_array_member (
                                           json_object_get_object_member (json, "businessStatus"), "coding"), 0),
                                         "code", "accord");
          {
            JsonNode *node = json_node_init_object (json_node_alloc (), json);

            body = json_to_string (node, FALSE);
            json_node_unref (node);
          }
          refused = cercle_test_server_request (fx.server, "PUT", path, token, "application/fhir+json", body, NULL);
          g_test_message ("server: %u %s", refused->status, refused->body);
          g_assert_cmpuint (refused->status, >=, 400);
          g_assert_cmpuint (refused->status, <, 500);
          g_assert_nonnull (strstr (refused->body, "ne peut pas passer de « Annulée automatiquement » à « Acceptée »"));
        }
      close_window (page);
    }
}

/* A dossier sent while the server is down waits in the outbox, « En
 * attente d'envoi »; the server back, it is delivered once. */
static void
test_offline_once (void)
{
  g_autoptr(CercleDb) db = NULL;
  g_autoptr(CercleReferralDraft) draft = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *listen = NULL;
  g_autofree char *id = NULL;
  g_autofree char *search = NULL;
  g_autofree char *requests = NULL;
  g_autofree char *url = NULL;
  CercleReferralsPage *page;
  guint before;
  gint64 deadline;

  become (NURSE);
  db = open_store (NURSE);
  requests = g_strdup_printf ("ServiceRequest?subject=Patient/%s", CERCLE_DEMO_PAT_LEROY);
  before = server_total (requests);
  url = g_strdup (cercle_test_server_get_url (fx.server));
  listen = g_strdup (url + strlen ("http://"));
  cercle_test_server_stop (fx.server);

  page = open_window ();
  draft = cercle_referral_repo_new_draft (db, CERCLE_DEMO_PAT_LEROY, &error);
  g_assert_no_error (error);
  cercle_referral_draft_set_orientation_type (draft, "HAD");
  cercle_referral_draft_set_field (draft, "reason", "Insuffisance cardiaque, retour à domicile");
  cercle_referral_draft_set_field (draft, "treatments", "Furosémide");
  cercle_referral_draft_set_field (draft, "gir", "4");
  cercle_referral_draft_set_field (draft, "nursing", "Surveillance du poids");
  cercle_referral_draft_add_destination (draft, HAD_FINESS, "HAD de Melun (fictif)", "127", 0.6, TRUE);
  g_assert_true (cercle_referral_repo_send (db, draft, 48, &error));
  g_assert_no_error (error);
  id = g_strdup (cercle_referral_draft_get_id (draft));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "referrals.open", "s", id));
  wait_view_says (page, "En attente d'envoi");

  /* Down: the sync fails, in French, and keeps the dossier. */
  g_assert_false (sync_and_wait (&error));
  g_assert_nonnull (error);
  g_test_message ("server down: %s", error->message);
  g_clear_error (&error);
  g_assert_cmpint (count (db, "SELECT count(*) FROM outbox WHERE state = 'pending' AND resource_type = 'Bundle'",
                          NULL), ==, 1);
  wait_view_says (page, "En attente d'envoi");

  /* Back on the same address and database. */
  {
    g_autofree char *listen_arg = g_strdup (listen);
    const char *args[] = { "--demo", "--listen", listen_arg, NULL };

    cercle_test_server_free (fx.server);
    fx.server = cercle_test_server_start (fx.server_db, args);
    g_assert_cmpstr (cercle_test_server_get_url (fx.server), ==, url);
  }
  /* The failed attempt waits out its backoff (seconds): sync until sent. */
  deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  while (count (db, "SELECT count(*) FROM outbox", NULL) > 0)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      if (!sync_and_wait (&error))
        g_test_message ("not yet: %s", error->message);
      g_clear_error (&error);
      iterate_for (500);
    }
  /* Once more: nothing goes twice. */
  sync_ok ();
  wait_view_says (page, "Envoyée");
  g_assert_cmpuint (server_total (requests), ==, before + 1);
  search = g_strdup_printf ("Task?focus=ServiceRequest/%s", id);
  g_assert_cmpuint (server_total (search), ==, 1);
  close_window (page);
}

int
main (int   argc,
      char *argv[])
{
  const char *build_dir = g_getenv ("CERCLE_BUILD_DIR");
  g_autofree char *localedir = NULL;
  g_autoptr(GError) error = NULL;
  const char *args[] = { "--demo", NULL };
  int status;

  g_assert_nonnull (build_dir);
  g_assert_nonnull (g_getenv ("CERCLE_TEST_TMPDIR"));
  g_setenv ("CERCLE_OFFLINE_MAP", "1", TRUE);

  /* French, as a user has it: gtk_test_init would force en_US. */
  g_assert_nonnull (setlocale (LC_ALL, "fr_FR.UTF-8"));
  /* the server answers in the language of its process */
  g_setenv ("LC_ALL", "fr_FR.UTF-8", TRUE);
  localedir = g_build_filename (build_dir, "po", NULL);
  bindtextdomain (GETTEXT_PACKAGE, localedir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  gtk_disable_setlocale ();

  g_test_init (&argc, &argv, NULL);
  adw_init ();

  fx.bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  fx.server_db = cercle_test_db_path ("e2e-referrals-server");
  fx.server = cercle_test_server_start (fx.server_db, args);
  fx.app = cercle_application_new ();
  g_application_register (G_APPLICATION (fx.app), NULL, &error);
  g_assert_no_error (error);

  /* One story, in order: each step starts where the last one left it. */
  g_test_add_func ("/e2e-referrals/send-to-three", test_send);
  g_test_add_func ("/e2e-referrals/desks-read", test_desks_read);
  g_test_add_func ("/e2e-referrals/desks-answer", test_desks_answer);
  g_test_add_func ("/e2e-referrals/requester-confirms", test_confirm);
  g_test_add_func ("/e2e-referrals/final-statuses", test_final_statuses);
  g_test_add_func ("/e2e-referrals/offline-delivered-once", test_offline_once);
  status = g_test_run ();

  stop_syncd ();
  g_clear_object (&fx.app);
  cercle_test_server_stop (fx.server);
  cercle_test_server_free (fx.server);
  g_free (fx.server_db);
  g_free (fx.referral);
  for (guint i = 0; i < G_N_ELEMENTS (fx.tasks); i++)
    g_free (fx.tasks[i]);
  g_free (fx.login);
  g_clear_object (&fx.bus);
  return status;
}
