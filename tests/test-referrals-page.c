/* test-referrals-page.c — the referral story in real windows
 *
 * The real Orientations page in a real GtkWindow under Xvfb, in French,
 * over a real SQLite store seeded with the demo data the way the sync
 * writes it, and the project's demonstration directory. Nothing reaches a
 * server: what is sent waits in the outbox (« En attente d'envoi »), as
 * when the discharge team works offline.
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <locale.h>
#include <string.h>

#include "cercle-dossier-row.h"
#include "cercle-note-row.h"
#include "cercle-patient-view.h"
#include "cercle-referral.h"
#include "cercle-referral-pdf.h"
#include "cercle-referral-repo.h"
#include "cercle-referrals-page.h"
#include "referral-seed.h"

typedef gboolean (*Condition) (gpointer data);

static char *db_path;

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
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (2000);
    }
}

static void
flush_events (guint ms)
{
  gint64 until = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < until)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (2000);
}

static gpointer
child_of (gpointer    widget,
          GType       type,
          const char *name)
{
  GObject *child = gtk_widget_get_template_child (GTK_WIDGET (widget), type, name);

  g_assert_nonnull (child);
  return child;
}

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

/* A fresh store with the demo, signed in as @login. */
static CercleDb *
fresh_store (const char *login,
             gboolean    with_referral)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *wal = g_strconcat (db_path, "-wal", NULL);
  g_autofree char *shm = g_strconcat (db_path, "-shm", NULL);
  CercleDb *db;

  g_unlink (db_path);
  g_unlink (wal);
  g_unlink (shm);
  db = cercle_store_open (db_path, &error);
  g_assert_no_error (error);
  seed_demo (db, with_referral);
  seed_account (db, login);
  return db;
}

static gint64
count (CercleDb   *db,
       const char *sql)
{
  sqlite3_stmt *stmt = cercle_db_prepare (db, sql, NULL);
  gint64 n;

  g_assert_nonnull (stmt);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  n = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return n;
}

static GtkWidget *
show_page (int width)
{
  GtkWidget *window = gtk_window_new ();
  GtkWidget *page = cercle_referrals_page_new ();

  gtk_window_set_default_size (GTK_WINDOW (window), width, 700);
  gtk_window_set_child (GTK_WINDOW (window), page);
  gtk_window_present (GTK_WINDOW (window));
  return page;
}

static void
close_page (GtkWidget *page)
{
  GtkWidget *window = GTK_WIDGET (gtk_widget_get_root (page));

  gtk_window_destroy (GTK_WINDOW (window));
  flush_events (50);
}

/* What a click does (gtk_widget_activate() animates first, for 250 ms). */
static void
click (GtkWidget *button)
{
  g_assert_true (gtk_widget_is_sensitive (button));
  g_signal_emit_by_name (button, "clicked");
}

static gboolean
is_mapped (gpointer data)
{
  return gtk_widget_get_mapped (data);
}

static gboolean
editor_shown (gpointer data)
{
  return g_strcmp0 (cercle_referrals_page_get_content (data), "editor") == 0
         && gtk_widget_get_mapped (GTK_WIDGET (cercle_referrals_page_get_editor (data)));
}

static gboolean
destinations_listed (gpointer data)
{
  CercleDossierEditor *editor = data;
  GtkListBox *list = child_of (editor, CERCLE_TYPE_DOSSIER_EDITOR, "destinations_list");
  g_autoptr(GPtrArray) checks = g_ptr_array_new ();

  collect (GTK_WIDGET (list), GTK_TYPE_CHECK_BUTTON, checks);
  return !cercle_dossier_editor_get_searching (editor) && checks->len >= 3;
}

static void
type_text (CercleDossierEditor *editor,
           const char          *key,
           const char          *text)
{
  GtkWidget *row = cercle_dossier_editor_get_field_row (editor, key);

  g_assert_nonnull (row);
  gtk_editable_set_text (GTK_EDITABLE (row), text);
}

static char *
draft_json (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CercleDb) other = cercle_store_open (db_path, &error);
  sqlite3_stmt *stmt;
  char *json = NULL;

  g_assert_no_error (error);
  stmt = cercle_db_prepare (other, "SELECT json FROM referral_draft", NULL);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    json = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);
  return json;
}

/* From the patient's « Nouvelle orientation » to three structures, offline:
 * one outbox Bundle, the resources in the store, « En attente d'envoi ». */
static void
test_send_three_offline (void)
{
  g_autoptr(CercleDb) db = fresh_store ("sortie.melun", FALSE);
  GtkWidget *page = show_page (1100);
  CercleDossierEditor *editor = cercle_referrals_page_get_editor (CERCLE_REFERRALS_PAGE (page));
  AdwComboRow *type_row = child_of (editor, CERCLE_TYPE_DOSSIER_EDITOR, "type_row");
  GtkButton *send = child_of (editor, CERCLE_TYPE_DOSSIER_EDITOR, "send_button");
  GtkLabel *blocker = child_of (editor, CERCLE_TYPE_DOSSIER_EDITOR, "blocker_label");
  GtkListBox *list;
  g_autoptr(GPtrArray) checks = g_ptr_array_new ();
  g_autoptr(GPtrArray) rows = g_ptr_array_new ();
  g_autofree char *json = NULL;
  g_autofree char *view_text = NULL;
  GtkWidget *medical;
  GListModel *dossiers;

  wait_until (is_mapped, page, 10, "the page");
  g_assert_true (gtk_widget_activate_action (page, "referrals.new", "s", CERCLE_DEMO_PAT_DURAND));
  wait_until (editor_shown, page, 10, "the dossier editor");
  /* Listed at once as a draft, to be taken up later. */
  {
    g_autoptr(CercleDossier) listed = g_list_model_get_item (cercle_referrals_page_get_dossiers (CERCLE_REFERRALS_PAGE (page)), 0);

    g_assert_nonnull (listed);
    g_assert_cmpstr (cercle_dossier_get_status (listed), ==, "draft");
  }

  /* Pre-filled from the file and the circle. */
  g_assert_nonnull (strstr (gtk_editable_get_text (GTK_EDITABLE (cercle_dossier_editor_get_field_row (editor, "identity"))),
                            "DURAND"));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (cercle_dossier_editor_get_field_row (editor, "gp"))), ==,
                   "Dr Paul Martin");
  /* A nurse of the discharge team may read and write the médical volet. */
  medical = cercle_dossier_editor_get_section_group (editor, CERCLE_REFERRAL_SECTION_MEDICAL);
  g_assert_true (gtk_widget_get_visible (medical));
  g_assert_nonnull (strstr (adw_preferences_group_get_description (ADW_PREFERENCES_GROUP (medical)),
                            "le motif de l’orientation"));

  /* Not complete: « Envoyer » says why it waits. */
  g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (send)));
  g_assert_true (g_str_has_prefix (gtk_label_get_label (blocker), "Manque : le type d’orientation"));

  adw_combo_row_set_selected (type_row, 4);   /* SSIAD */
  type_text (editor, "reason", "Retour à domicile après ostéosynthèse");
  type_text (editor, "treatments", "Enoxaparine 4000 UI/j, paracétamol");
  type_text (editor, "gir", "3");
  type_text (editor, "nursing", "Injections quotidiennes, aide à la toilette");

  /* Saved as typed: another connection (the app after a crash) reads it. */
  json = draft_json ();
  g_assert_nonnull (json);
  g_assert_nonnull (strstr (json, "Retour à domicile après ostéosynthèse"));
  g_assert_nonnull (strstr (json, "\"SSIAD\""));
  g_assert_cmpint (count (db, "SELECT count(*) FROM outbox"), ==, 0);

  /* The nearest SSIAD from Melun, with distance and zone. */
  wait_until (destinations_listed, editor, 20, "the nearest structures");
  list = child_of (editor, CERCLE_TYPE_DOSSIER_EDITOR, "destinations_list");
  collect (GTK_WIDGET (list), GTK_TYPE_CHECK_BUTTON, checks);
  collect (GTK_WIDGET (list), ADW_TYPE_ACTION_ROW, rows);
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (g_ptr_array_index (rows, 0)), "km"));
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (g_ptr_array_index (rows, 0)), "couvre la commune du patient"));
  for (guint i = 0; i < 3; i++)
    gtk_check_button_set_active (g_ptr_array_index (checks, i), TRUE);
  g_assert_cmpuint (cercle_referral_draft_get_n_destinations (cercle_dossier_editor_get_draft (editor)), ==, 3);

  g_assert_true (gtk_widget_get_sensitive (GTK_WIDGET (send)));
  g_assert_cmpstr (gtk_label_get_label (blocker), ==, "Prêt à envoyer");
  click (GTK_WIDGET (send));
  flush_events (100);

  /* ONE outbox row, the resources' local copies, the draft gone. */
  g_assert_cmpint (count (db, "SELECT count(*) FROM outbox"), ==, 1);
  g_assert_cmpint (count (db, "SELECT count(*) FROM outbox WHERE resource_type = 'Bundle' AND method = 'POST'"
                              " AND json_array_length (body, '$.entry') = 4"), ==, 1);
  g_assert_cmpint (count (db, "SELECT count(*) FROM resource WHERE type = 'Task' AND version_id IS NULL"), ==, 3);
  g_assert_cmpint (count (db, "SELECT count(*) FROM resource WHERE type = 'ServiceRequest'"), ==, 1);
  g_assert_cmpint (count (db, "SELECT count(*) FROM referral_draft"), ==, 0);

  /* The dossier is shown, and listed, waiting to be sent. */
  g_assert_cmpstr (cercle_referrals_page_get_content (CERCLE_REFERRALS_PAGE (page)), ==, "dossier");
  view_text = cercle_dossier_view_dup_text (cercle_referrals_page_get_view (CERCLE_REFERRALS_PAGE (page)));
  g_test_message ("%s", view_text);
  g_assert_nonnull (strstr (view_text, "DURAND Jeanne"));
  g_assert_nonnull (strstr (view_text, "Soins infirmiers à domicile (SSIAD)"));
  g_assert_nonnull (strstr (view_text, "En attente d'envoi"));
  dossiers = cercle_referrals_page_get_dossiers (CERCLE_REFERRALS_PAGE (page));
  g_assert_cmpuint (g_list_model_get_n_items (dossiers), ==, 1);
  flush_events (100);
  {
    g_autoptr(GPtrArray) row_widgets = g_ptr_array_new ();
    g_autofree char *row_text = NULL;
    guint waiting = 0;

    collect (GTK_WIDGET (cercle_referrals_page_get_list_view (CERCLE_REFERRALS_PAGE (page))), CERCLE_TYPE_DOSSIER_ROW,
             row_widgets);
    g_assert_cmpuint (row_widgets->len, ==, 1);
    row_text = cercle_dossier_row_dup_text (g_ptr_array_index (row_widgets, 0));
    g_test_message ("%s", row_text);
    for (const char *p = row_text; (p = strstr (p, "En attente d'envoi")) != NULL; p++)
      waiting++;
    g_assert_cmpuint (waiting, ==, 3);
  }

  close_page (page);
}

static gboolean
received_listed (gpointer data)
{
  return g_list_model_get_n_items (cercle_received_page_get_model (data)) > 0;
}

/* An admission desk: its received request, a refusal refused locally
 * without a reason, then queued with one; a server refusal shown. */
static void
test_desk_actions (void)
{
  g_autoptr(CercleDb) db = fresh_store ("ssiad.melun", TRUE);
  GtkWidget *page = show_page (1100);
  CercleReferralsPage *referrals = CERCLE_REFERRALS_PAGE (page);
  CercleReceivedPage *received = cercle_referrals_page_get_received_page (referrals);
  CercleDossierView *view = cercle_referrals_page_get_view (referrals);
  GtkStackSwitcher *switcher = child_of (page, CERCLE_TYPE_REFERRALS_PAGE, "lists_switcher");
  GtkStack *lists = child_of (page, CERCLE_TYPE_REFERRALS_PAGE, "lists_stack");
  GtkWidget *button;
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) task = NULL;

  wait_until (is_mapped, page, 10, "the page");
  wait_until (received_listed, received, 10, "the received requests");
  /* A desk lands on « Demandes reçues »; the other view is a switch away. */
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (switcher)));
  g_assert_cmpstr (gtk_stack_get_visible_child_name (lists), ==, "received");
  g_assert_cmpuint (g_list_model_get_n_items (cercle_received_page_get_model (received)), ==, 1);

  g_signal_emit_by_name (cercle_received_page_get_list_view (received), "activate", 0);
  flush_events (50);
  g_assert_cmpstr (cercle_referrals_page_get_content (referrals), ==, "dossier");
  /* Opened: read locally (the server records « Lue » at the next sync). */
  g_assert_cmpint (count (db, "SELECT count(*) FROM resource WHERE type = 'Task' AND id = 'task-durand-ssiad'"
                              " AND read_at IS NOT NULL"), ==, 1);

  /* Only the moves the rules allow from « Compléments demandés ». */
  g_assert_nonnull (cercle_dossier_view_get_action_button (view, CERCLE_DEMO_TASK_SSIAD, CERCLE_REFERRAL_ACTION_ACCEPT));
  g_assert_null (cercle_dossier_view_get_action_button (view, CERCLE_DEMO_TASK_SSIAD, CERCLE_REFERRAL_ACTION_ADMITTED));
  g_assert_null (cercle_dossier_view_get_action_button (view, CERCLE_DEMO_TASK_SMR, CERCLE_REFERRAL_ACTION_ACCEPT));

  button = cercle_dossier_view_get_action_button (view, CERCLE_DEMO_TASK_SSIAD, CERCLE_REFERRAL_ACTION_REFUSE);
  g_assert_nonnull (button);
  click (button);
  flush_events (50);
  g_assert_true (gtk_revealer_get_reveal_child (child_of (view, CERCLE_TYPE_DOSSIER_VIEW, "form_revealer")));

  /* No reason: refused here, in French, nothing queued. */
  cercle_dossier_view_fill_form (view, NULL, NULL, NULL, FALSE);
  cercle_dossier_view_submit_form (view);
  g_assert_cmpstr (cercle_dossier_view_get_feedback (view), ==,
                   "Un motif est obligatoire pour faire passer une demande à « Refusée »");
  g_assert_cmpint (count (db, "SELECT count(*) FROM outbox"), ==, 0);

  /* With one: the Task's PUT is queued. */
  cercle_dossier_view_fill_form (view, "hors-zone", NULL, NULL, FALSE);
  cercle_dossier_view_submit_form (view);
  g_assert_cmpint (count (db, "SELECT count(*) FROM outbox WHERE resource_type = 'Task' AND method = 'PUT'"
                              " AND resource_id = 'task-durand-ssiad'"
                              " AND json_extract (body, '$.status') = 'rejected'"
                              " AND json_extract (body, '$.statusReason.coding[0].code') = 'hors-zone'"), ==, 1);
  text = cercle_dossier_view_dup_text (view);
  g_assert_nonnull (strstr (text, "SSIAD de Melun (fictif) : En attente d'envoi"));
  /* Waiting for the server, no second move is offered. */
  g_assert_null (cercle_dossier_view_get_action_button (view, CERCLE_DEMO_TASK_SSIAD, CERCLE_REFERRAL_ACTION_ACCEPT));

  /* The server refused it (say the requester cancelled meanwhile): its
   * French reason shows in the chip. */
  g_assert_true (cercle_db_exec (db, "UPDATE outbox SET state = 'refused', last_error = "
                                     "'Une demande ne peut pas passer de « Annulée » à « Refusée »'", &error));
  g_assert_no_error (error);
  cercle_dossier_view_reload (view);
  g_free (text);
  text = cercle_dossier_view_dup_text (view);
  g_test_message ("%s", text);
  g_assert_nonnull (strstr (text, "Refusé : Une demande ne peut pas passer de « Annulée » à « Refusée »"));

  /* The desk's own request only: not the SMR's nor the HAD's. */
  g_assert_null (strstr (text, "SMR de Coubert"));
  task = cercle_referral_repo_get_resource (db, "Task", CERCLE_DEMO_TASK_SSIAD, NULL);
  g_assert_cmpstr (json_object_get_string_member (task, "status"), ==, "rejected");

  close_page (page);
}

/* The requester on the demo: the accepted SMR can be confirmed, and the
 * list filters by status. */
static void
test_requester_confirm (void)
{
  g_autoptr(CercleDb) db = fresh_store ("sortie.melun", TRUE);
  GtkWidget *page = show_page (1100);
  CercleReferralsPage *referrals = CERCLE_REFERRALS_PAGE (page);
  CercleDossierView *view = cercle_referrals_page_get_view (referrals);
  GtkDropDown *filter = child_of (page, CERCLE_TYPE_REFERRALS_PAGE, "filter_dropdown");
  GtkWidget *button;

  wait_until (is_mapped, page, 10, "the page");
  g_assert_cmpuint (g_list_model_get_n_items (cercle_referrals_page_get_dossiers (referrals)), ==, 1);
  gtk_drop_down_set_selected (filter, CERCLE_DOSSIER_FILTER_CLOSED);
  g_assert_cmpuint (g_list_model_get_n_items (cercle_referrals_page_get_dossiers (referrals)), ==, 0);
  gtk_drop_down_set_selected (filter, CERCLE_DOSSIER_FILTER_ACCEPTED);
  g_assert_cmpuint (g_list_model_get_n_items (cercle_referrals_page_get_dossiers (referrals)), ==, 1);

  g_assert_true (gtk_widget_activate_action (page, "referrals.open", "s", CERCLE_DEMO_REFERRAL));
  g_assert_cmpstr (cercle_referrals_page_get_content (referrals), ==, "dossier");
  /* Not answered yet: nothing to confirm at the HAD. */
  g_assert_null (cercle_dossier_view_get_action_button (view, CERCLE_DEMO_TASK_HAD, CERCLE_REFERRAL_ACTION_CONFIRM));
  button = cercle_dossier_view_get_action_button (view, CERCLE_DEMO_TASK_SMR, CERCLE_REFERRAL_ACTION_CONFIRM);
  g_assert_nonnull (button);
  click (button);
  g_assert_cmpint (count (db, "SELECT count(*) FROM outbox WHERE resource_type = 'Task' AND resource_id = 'task-durand-smr'"
                              " AND json_extract (body, '$.status') = 'in-progress'"), ==, 1);
  g_assert_cmpstr (cercle_dossier_view_get_feedback (view), ==,
                   "Enregistré : ce sera envoyé à la prochaine synchronisation");
  close_page (page);
}

static gboolean
is_folded (gpointer data)
{
  return adw_leaflet_get_folded (data);
}

/* A narrow window: one pane at a time, with a way back. */
static void
test_narrow (void)
{
  g_autoptr(CercleDb) db = fresh_store ("sortie.melun", TRUE);
  GtkWidget *page = show_page (360);
  AdwLeaflet *leaflet = child_of (page, CERCLE_TYPE_REFERRALS_PAGE, "leaflet");

  wait_until (is_mapped, page, 10, "the page");
  wait_until (is_folded, leaflet, 10, "the folded leaflet");
  g_assert_cmpstr (adw_leaflet_get_visible_child_name (leaflet), ==, "lists");
  g_assert_true (gtk_widget_activate_action (page, "referrals.open", "s", CERCLE_DEMO_REFERRAL));
  flush_events (300);
  g_assert_cmpstr (adw_leaflet_get_visible_child_name (leaflet), ==, "content");
  g_assert_true (gtk_widget_activate_action (page, "referrals.back", NULL));
  flush_events (300);
  g_assert_cmpstr (adw_leaflet_get_visible_child_name (leaflet), ==, "lists");
  close_page (page);
}

/* The PDF: rendered, then read back by poppler's pdftotext. */
static void
test_pdf (void)
{
  g_autoptr(CercleDb) db = fresh_store ("sortie.melun", TRUE);
  g_autoptr(GError) error = NULL;
  g_autofree char *pdf = g_build_filename (g_getenv ("CERCLE_TEST_TMPDIR"), "dossier.pdf", NULL);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  const char *argv[] = { "pdftotext", "-enc", "UTF-8", pdf, "-", NULL };
  int status = -1;

  g_assert_true (cercle_referral_pdf_export (db, CERCLE_DEMO_REFERRAL, FALSE, pdf, &error));
  g_assert_no_error (error);
  if (g_find_program_in_path ("pdftotext") == NULL)
    {
      g_test_skip ("pdftotext (poppler-utils) is not installed: build-aux/dev installs it");
      return;
    }
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err, &status,
                               &error));
  g_assert_no_error (error);
  g_assert_cmpint (status, ==, 0);
  g_test_message ("%s", out);
  g_assert_nonnull (strstr (out, "DURAND Jeanne"));
  g_assert_nonnull (strstr (out, "SSIAD de Melun (fictif)"));
  g_assert_nonnull (strstr (out, "SMR de Coubert (fictif)"));
  g_assert_nonnull (strstr (out, "HAD de Melun (fictif)"));
  g_assert_nonnull (strstr (out, "Acceptée"));
  g_assert_nonnull (strstr (out, "DO-2026-000117"));
  /* Not a medical reader: no médical volet. */
  g_assert_null (strstr (out, "Anticoagulation"));
  g_assert_nonnull (strstr (out, "Vit seule"));

  g_clear_pointer (&out, g_free);
  g_assert_true (cercle_referral_pdf_export (db, CERCLE_DEMO_REFERRAL, TRUE, pdf, &error));
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, NULL, &status,
                               &error));
  g_assert_nonnull (strstr (out, "Anticoagulation"));
}

/* « Envoyer les compléments »: the volets open again under the structure's
 * message; one Bundle with the ServiceRequest and the Task back to
 * « Envoyée ». */
static void
test_send_complements (void)
{
  g_autoptr(CercleDb) db = fresh_store ("sortie.melun", TRUE);
  GtkWidget *page = show_page (1100);
  CercleReferralsPage *referrals = CERCLE_REFERRALS_PAGE (page);
  CercleDossierView *view = cercle_referrals_page_get_view (referrals);
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  GtkWidget *button, *group, *care, *medical;

  /* What the sync brought: the SSIAD's question, on its Task. */
  g_assert_true (cercle_db_exec (db, "UPDATE resource SET json = json_set (json, '$.note',"
                                     " json_array (json_object ('authorReference', json_object ('reference',"
                                     " 'Practitioner/pract-ssiad'), 'text', 'Comment se passent les nuits ?')))"
                                     " WHERE type = 'Task' AND id = '" CERCLE_DEMO_TASK_SSIAD "'", &error));
  g_assert_no_error (error);

  wait_until (is_mapped, page, 10, "the page");
  g_assert_true (gtk_widget_activate_action (page, "referrals.open", "s", CERCLE_DEMO_REFERRAL));
  button = cercle_dossier_view_get_action_button (view, CERCLE_DEMO_TASK_SSIAD, CERCLE_REFERRAL_ACTION_SEND_COMPLEMENTS);
  g_assert_nonnull (button);
  click (button);
  flush_events (50);

  group = cercle_dossier_view_get_complements_group (view);
  g_assert_nonnull (group);
  /* Mapped at the next frame: on a loaded machine that can take longer
   * than the 50 ms above. */
  wait_until (is_mapped, group, 10, "the complements form");
  g_assert_cmpstr (adw_preferences_group_get_description (ADW_PREFERENCES_GROUP (group)), ==,
                   "La structure demande : « Comment se passent les nuits ? »");
  /* The dossier's volets, editable, with what was sent. */
  care = cercle_dossier_view_get_complements (view, CERCLE_REFERRAL_SECTION_CARE);
  medical = cercle_dossier_view_get_complements (view, CERCLE_REFERRAL_SECTION_MEDICAL);
  g_assert_nonnull (care);
  g_assert_nonnull (medical);
  g_assert_true (strlen (gtk_editable_get_text (GTK_EDITABLE (care))) > 0);
  g_assert_true (gtk_editable_get_editable (GTK_EDITABLE (care)));

  /* Nothing changed, nothing said: refused here, in French. */
  click (cercle_dossier_view_get_complements_button (view));
  g_assert_cmpstr (cercle_dossier_view_get_feedback (view), ==,
                   "Complétez un volet, ou écrivez un message à la structure");
  g_assert_cmpint (count (db, "SELECT count(*) FROM outbox"), ==, 0);

  g_free (text);
  text = g_strconcat (gtk_editable_get_text (GTK_EDITABLE (care)), " Nuits calmes, lever une fois.", NULL);
  gtk_editable_set_text (GTK_EDITABLE (care), text);
  gtk_editable_set_text (GTK_EDITABLE (cercle_dossier_view_get_complements (view, NULL)), "Volet soins complété");
  click (cercle_dossier_view_get_complements_button (view));

  g_assert_cmpint (count (db, "SELECT count(*) FROM outbox"), ==, 1);
  g_assert_cmpint (count (db, "SELECT count(*) FROM outbox WHERE resource_type = 'Bundle' AND method = 'POST'"
                              " AND resource_id = '" CERCLE_DEMO_TASK_SSIAD "'"
                              " AND json_array_length (body, '$.entry') = 2"
                              " AND json_extract (body, '$.entry[0].resource.resourceType') = 'ServiceRequest'"
                              " AND instr (json_extract (body, '$.entry[0].resource'), 'Nuits calmes') > 0"
                              " AND json_extract (body, '$.entry[1].resource.status') = 'requested'"
                              " AND json_extract (body, '$.entry[1].resource.businessStatus.coding[0].code')"
                              " = 'non-lue'"), ==, 1);
  g_assert_cmpstr (cercle_dossier_view_get_feedback (view), ==,
                   "Enregistré : ce sera envoyé à la prochaine synchronisation");
  g_assert_null (cercle_dossier_view_get_complements_group (view));
  g_clear_pointer (&text, g_free);
  text = cercle_dossier_view_dup_text (view);
  g_test_message ("%s", text);
  g_assert_nonnull (strstr (text, "SSIAD de Melun (fictif) : En attente d'envoi"));
  /* The dossier's volet shows the completed text. */
  {
    g_autoptr(JsonObject) json = cercle_referral_repo_get_resource (db, "ServiceRequest", CERCLE_DEMO_REFERRAL, NULL);
    g_autoptr(CercleReferral) referral = cercle_referral_new_from_fhir (json, NULL);
    const char *care_text = NULL;

    g_assert_true (cercle_referral_get_section (referral, CERCLE_REFERRAL_SECTION_CARE, NULL, &care_text));
    g_assert_nonnull (strstr (care_text, "Nuits calmes"));
  }
  close_page (page);
}

/* Every answer a desk may give is reached with Tab and pressed with the
 * keyboard; each button says what it does, in French. */
static void
test_desk_keyboard (void)
{
  static const struct {
    CercleReferralAction action;
    const char          *label;
  } expected[] = {
    { CERCLE_REFERRAL_ACTION_ACCEPT, "Accepter" },
    { CERCLE_REFERRAL_ACTION_WAITING_LIST, "Liste d’attente" },
    { CERCLE_REFERRAL_ACTION_ASK_COMPLEMENTS, "Demander des compléments" },
    { CERCLE_REFERRAL_ACTION_REFUSE, "Refuser" },
    { CERCLE_REFERRAL_ACTION_ADMITTED, "Patient admis" },
    { CERCLE_REFERRAL_ACTION_WITHDRAW, "Désistement" },
  };
  static const struct {
    const char *status, *business;
  } states[] = {
    { "received", "lue" },       /* accept, waiting list, complements, refuse */
    { "in-progress", "transfert-organise" },  /* admitted, withdrawal */
  };
  g_autoptr(CercleDb) db = fresh_store ("ssiad.melun", TRUE);
  GtkWidget *page = show_page (1100);
  CercleReferralsPage *referrals = CERCLE_REFERRALS_PAGE (page);
  CercleDossierView *view = cercle_referrals_page_get_view (referrals);
  GtkWidget *window = GTK_WIDGET (gtk_widget_get_root (page));
  guint reached = 0;

  wait_until (is_mapped, page, 10, "the page");
  for (gsize s = 0; s < G_N_ELEMENTS (states); s++)
    {
      g_autofree char *sql = g_strdup_printf ("UPDATE resource SET json = json_set (json, '$.status', '%s',"
                                              " '$.businessStatus.coding[0].code', '%s') WHERE type = 'Task'"
                                              " AND id = '" CERCLE_DEMO_TASK_SSIAD "'", states[s].status,
                                              states[s].business);
      g_autoptr(GPtrArray) focused = g_ptr_array_new ();

      g_assert_true (cercle_db_exec (db, sql, NULL));
      g_assert_true (gtk_widget_activate_action (page, "referrals.open", "s", CERCLE_DEMO_REFERRAL));
      /* As the desk sees it: its own Task. */
      cercle_referrals_page_reload (referrals, NULL);
      g_signal_emit_by_name (cercle_received_page_get_list_view (cercle_referrals_page_get_received_page (referrals)),
                             "activate", 0);
      flush_events (100);
      gtk_widget_grab_focus (page);
      for (guint i = 0; i < 80; i++)
        {
          GtkWidget *focus;

          if (!gtk_widget_child_focus (window, GTK_DIR_TAB_FORWARD))
            break;
          focus = gtk_root_get_focus (GTK_ROOT (window));
          if (focus && !g_ptr_array_find (focused, focus, NULL))
            g_ptr_array_add (focused, focus);
        }
      for (gsize i = 0; i < G_N_ELEMENTS (expected); i++)
        {
          GtkWidget *button = cercle_dossier_view_get_action_button (view, CERCLE_DEMO_TASK_SSIAD, expected[i].action);

          if (button == NULL)
            continue;
          g_test_message ("%s: %s", states[s].status, gtk_button_get_label (GTK_BUTTON (button)));
          g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (button)), ==, expected[i].label);
          g_assert_true (g_ptr_array_find (focused, button, NULL));
          reached++;
        }
    }
  /* The six answers, each once. */
  g_assert_cmpuint (reached, ==, 6);

  /* Enter on « Refuser »: its form, the reason first. */
  g_assert_true (cercle_db_exec (db, "UPDATE resource SET json = json_set (json, '$.status', 'received',"
                                     " '$.businessStatus.coding[0].code', 'lue') WHERE id = '"
                                     CERCLE_DEMO_TASK_SSIAD "'", NULL));
  cercle_dossier_view_reload (view);
  {
    GtkWidget *refuse = cercle_dossier_view_get_action_button (view, CERCLE_DEMO_TASK_SSIAD,
                                                               CERCLE_REFERRAL_ACTION_REFUSE);

    gtk_widget_grab_focus (refuse);
    g_assert_true (gtk_widget_has_focus (refuse));
    gtk_widget_activate (refuse);
    flush_events (400);
    g_assert_true (gtk_revealer_get_reveal_child (child_of (view, CERCLE_TYPE_DOSSIER_VIEW, "form_revealer")));
    g_assert_true (gtk_widget_is_ancestor (gtk_root_get_focus (GTK_ROOT (window)),
                                           child_of (view, CERCLE_TYPE_DOSSIER_VIEW, "reason_row"))
                   || gtk_root_get_focus (GTK_ROOT (window)) == child_of (view, CERCLE_TYPE_DOSSIER_VIEW, "reason_row"));
  }
  close_page (page);
}

static GtkWidget *
only_row (GtkWidget *page)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new ();

  collect (GTK_WIDGET (cercle_referrals_page_get_list_view (CERCLE_REFERRALS_PAGE (page))), CERCLE_TYPE_DOSSIER_ROW,
           rows);
  g_assert_cmpuint (rows->len, ==, 1);
  return g_ptr_array_index (rows, 0);
}

/* The draft's row follows the draft as the user types: the same dossier
 * in the model, the same row widget, new words. */
static void
test_draft_row_live (void)
{
  g_autoptr(CercleDb) db = fresh_store ("sortie.melun", FALSE);
  GtkWidget *page = show_page (1100);
  CercleDossierEditor *editor = cercle_referrals_page_get_editor (CERCLE_REFERRALS_PAGE (page));
  AdwComboRow *type_row = child_of (editor, CERCLE_TYPE_DOSSIER_EDITOR, "type_row");
  GListModel *dossiers = cercle_referrals_page_get_dossiers (CERCLE_REFERRALS_PAGE (page));
  g_autoptr(CercleDossier) before = NULL;
  g_autoptr(CercleDossier) after = NULL;
  g_autofree char *text = NULL;
  GtkWidget *row;

  wait_until (is_mapped, page, 10, "the page");
  g_assert_true (gtk_widget_activate_action (page, "referrals.new", "s", CERCLE_DEMO_PAT_DURAND));
  wait_until (editor_shown, page, 10, "the dossier editor");
  flush_events (100);
  before = g_list_model_get_item (dossiers, 0);
  row = only_row (page);
  text = cercle_dossier_row_dup_text (CERCLE_DOSSIER_ROW (row));
  g_test_message ("%s", text);
  g_assert_nonnull (strstr (text, "Type non choisi · Brouillon, non envoyé · Manque : le type d’orientation"));

  adw_combo_row_set_selected (type_row, 4);   /* SSIAD */
  type_text (editor, "reason", "Retour à domicile");
  flush_events (50);
  g_clear_pointer (&text, g_free);
  text = cercle_dossier_row_dup_text (CERCLE_DOSSIER_ROW (row));
  g_test_message ("%s", text);
  g_assert_nonnull (strstr (text, "Soins infirmiers à domicile (SSIAD) · Brouillon, non envoyé · Manque :"));
  g_assert_null (strstr (text, "le type d’orientation"));
  g_assert_nonnull (strstr (text, "au moins une structure"));
  /* Through the model: the same item, the same row. */
  after = g_list_model_get_item (dossiers, 0);
  g_assert_true (before == after);
  g_assert_true (row == only_row (page));
  g_assert_cmpuint (g_list_model_get_n_items (dossiers), ==, 1);

  close_page (page);
}

static GDateTime *
utc (const char *iso)
{
  GDateTime *time = g_date_time_new_from_iso8601 (iso, NULL);

  g_assert_nonnull (time);
  return time;
}

/* The status lines read as French sentences; the time since sending comes
 * from the Task's step to `requested`, not from when it was written here. */
static void
test_status_lines (void)
{
  g_autoptr(CercleDb) db = fresh_store ("sortie.melun", TRUE);
  g_autoptr(GError) error = NULL;
  g_autoptr(CercleDossier) dossier = cercle_referral_repo_get_dossier (db, CERCLE_DEMO_REFERRAL, &error);
  g_autoptr(GDateTime) three_days = utc ("2026-11-23T09:20:00Z");
  CercleDossierDestination d = { 0 };
  g_autofree char *line = NULL;

  g_assert_no_error (error);
  for (guint i = 0; i < cercle_dossier_get_n_destinations (dossier); i++)
    {
      const CercleDossierDestination *dest = cercle_dossier_get_destination (dossier, i);
      g_autofree char *text = cercle_dossier_destination_chip_text (dest, FALSE, three_days);

      g_test_message ("%s: %s", dest->task_id, text);
      if (g_str_equal (dest->task_id, CERCLE_DEMO_TASK_SMR))
        g_assert_cmpstr (text, ==, "Acceptée le 22/11/2026 — admission prévue le 30/11/2026");
      else if (g_str_equal (dest->task_id, CERCLE_DEMO_TASK_SSIAD))
        g_assert_cmpstr (text, ==, "Compléments demandés le 21/11/2026");
      else
        {
          /* Sent on 20/11 (the step), stored today: three days at 23/11. */
          g_autoptr(GDateTime) sent = cercle_fhir_parse_date_time (dest->sent_at);
          g_autoptr(GDateTime) step = utc ("2026-11-20T09:15:00Z");

          g_assert_nonnull (sent);
          g_assert_true (g_date_time_equal (sent, step));
          g_assert_cmpstr (text, ==, "Envoyée il y a 3 j");
        }
    }

  d.owner_display = (char *) "SSIAD de Melun (fictif)";
  d.status = (char *) "rejected";
  d.reason = (char *) "pas-de-place";
  d.last_modified = (char *) "2026-11-22T12:00:00Z";
  line = cercle_dossier_destination_chip_text (&d, TRUE, three_days);
  g_assert_cmpstr (line, ==, "SSIAD de Melun (fictif) : Refusée le 22/11/2026 : pas de place");
  g_clear_pointer (&line, g_free);

  d.status = (char *) "accepted";
  d.business = (char *) "accord";
  d.reason = NULL;
  d.asap = TRUE;
  line = cercle_dossier_destination_chip_text (&d, FALSE, three_days);
  g_assert_cmpstr (line, ==, "Acceptée le 22/11/2026 — admission dès que possible");
  g_clear_pointer (&line, g_free);

  d.status = (char *) "received";
  d.business = (char *) "lue";
  d.reminded = TRUE;
  d.deadline = (char *) "2026-11-22T12:00:00Z";
  d.sent_at = (char *) "2026-11-20T09:20:00Z";
  line = cercle_dossier_destination_chip_text (&d, FALSE, three_days);
  g_test_message ("%s", line);
  g_assert_true (g_str_has_prefix (line, "Lue le 22/11/2026 · Relancée · réponse attendue avant le 22/11 à "));
  g_assert_true (g_str_has_suffix (line, " · envoyée il y a 3 j"));
  g_clear_pointer (&line, g_free);

  d.status = (char *) "requested";
  d.business = (char *) "non-lue";
  line = cercle_dossier_destination_chip_text (&d, FALSE, three_days);
  g_assert_true (g_str_has_prefix (line, "Envoyée il y a 3 j · Relancée · réponse attendue avant le 22/11 à "));
  g_clear_pointer (&line, g_free);

  d.status = (char *) "cancelled";
  d.business = NULL;
  d.reason = (char *) "autre";
  d.reason_text = (char *) "La famille a trouvé une place";
  line = cercle_dossier_destination_chip_text (&d, FALSE, three_days);
  g_assert_cmpstr (line, ==, "Annulée le 22/11/2026 : La famille a trouvé une place");
}

static void
open_referral_cb (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       user_data)
{
  g_free (*(char **) user_data);
  *(char **) user_data = g_variant_dup_string (parameter, NULL);
}

/* The patient page: the patient's dossiers with a status chip per
 * destination in its referrals box, and the referral's steps in the
 * timeline; each opens the dossier (win.open-referral). */
static void
test_patient_page (void)
{
  g_autoptr(CercleDb) db = fresh_store ("sortie.melun", TRUE);
  g_autoptr(GSimpleActionGroup) win_actions = g_simple_action_group_new ();
  g_autoptr(GSimpleAction) open_referral = g_simple_action_new ("open-referral", G_VARIANT_TYPE_STRING);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = g_ptr_array_new ();
  g_autoptr(GPtrArray) dossier_rows = g_ptr_array_new ();
  g_autoptr(GPtrArray) note_rows = g_ptr_array_new ();
  g_autofree char *opened = NULL;
  g_autofree char *text = NULL;
  GtkWidget *window = gtk_window_new ();
  GtkWidget *view = g_object_new (CERCLE_TYPE_PATIENT_VIEW, NULL);
  GtkBox *box;
  guint referral_entries = 0;

  g_signal_connect (open_referral, "activate", G_CALLBACK (open_referral_cb), &opened);
  g_action_map_add_action (G_ACTION_MAP (win_actions), G_ACTION (open_referral));
  gtk_widget_insert_action_group (window, "win", G_ACTION_GROUP (win_actions));
  gtk_window_set_default_size (GTK_WINDOW (window), 900, 800);
  gtk_window_set_child (GTK_WINDOW (window), view);
  gtk_window_present (GTK_WINDOW (window));
  wait_until (is_mapped, view, 10, "the patient page");

  /* A patient without referral says so. */
  cercle_patient_view_set_db (CERCLE_PATIENT_VIEW (view), db);
  g_assert_true (cercle_patient_view_open (CERCLE_PATIENT_VIEW (view), CERCLE_DEMO_PAT_LEROY, &error));
  g_assert_no_error (error);
  box = cercle_patient_view_get_referrals_box (CERCLE_PATIENT_VIEW (view));
  g_assert_cmpstr (gtk_widget_get_name (GTK_WIDGET (box)), ==, "referrals-box");
  g_assert_true (GTK_IS_LABEL (gtk_widget_get_first_child (GTK_WIDGET (box))));
  g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (gtk_widget_get_first_child (GTK_WIDGET (box)))), ==,
                   "Aucune orientation pour ce patient");

  /* The demo's dossier for Mme Durand: one row, three chips. */
  g_assert_true (cercle_patient_view_open (CERCLE_PATIENT_VIEW (view), CERCLE_DEMO_PAT_DURAND, &error));
  g_assert_no_error (error);
  flush_events (100);
  collect (GTK_WIDGET (box), GTK_TYPE_LIST_BOX_ROW, rows);
  collect (GTK_WIDGET (box), CERCLE_TYPE_DOSSIER_ROW, dossier_rows);
  g_assert_cmpuint (rows->len, ==, 1);
  g_assert_cmpuint (dossier_rows->len, ==, 1);
  text = cercle_dossier_row_dup_text (g_ptr_array_index (dossier_rows, 0));
  g_test_message ("%s", text);
  g_assert_nonnull (strstr (text, "Acceptée"));
  g_assert_nonnull (strstr (text, "Compléments demandés"));
  g_assert_nonnull (strstr (text, "Envoyée"));
  g_assert_cmpstr (gtk_actionable_get_action_name (g_ptr_array_index (rows, 0)), ==, "win.open-referral");
  /* A click opens it in « Orientations ». */
  g_signal_emit_by_name (g_ptr_array_index (rows, 0), "activate");
  flush_events (50);
  g_assert_cmpstr (opened, ==, CERCLE_DEMO_REFERRAL);

  /* The timeline: the sending and the answers, newest first, with the
   * notes; a step opens the dossier too. */
  collect (child_of (view, CERCLE_TYPE_PATIENT_VIEW, "timeline_list"), CERCLE_TYPE_NOTE_ROW, note_rows);
  g_clear_pointer (&opened, g_free);
  for (guint i = 0; i < note_rows->len; i++)
    {
      CercleTimelineEvent *event = cercle_note_row_get_event (g_ptr_array_index (note_rows, i));
      g_autofree char *line = cercle_timeline_event_dup_referral_text (event);

      if (line == NULL)
        continue;
      g_test_message ("%s", line);
      referral_entries++;
      g_assert_true (gtk_list_box_row_get_activatable (g_ptr_array_index (note_rows, i)));
      if (g_str_has_prefix (line, "SMR de Coubert (fictif) : Acceptée"))
        {
          g_signal_emit_by_name (g_ptr_array_index (note_rows, i), "activate");
          flush_events (50);
        }
    }
  g_assert_cmpuint (referral_entries, >=, 3);
  g_assert_cmpstr (opened, ==, CERCLE_DEMO_REFERRAL);

  gtk_window_destroy (GTK_WINDOW (window));
  flush_events (50);
}

int
main (int   argc,
      char *argv[])
{
  const char *source_dir = g_getenv ("CERCLE_SOURCE_DIR");
  const char *build_dir = g_getenv ("CERCLE_BUILD_DIR");
  const char *tmp = g_getenv ("CERCLE_TEST_TMPDIR");
  g_autofree char *localedir = NULL;
  g_autofree char *demo_dir = NULL;

  g_assert_nonnull (source_dir);
  g_assert_nonnull (build_dir);
  g_assert_nonnull (tmp);

  db_path = g_build_filename (tmp, "referrals-page.db", NULL);
  demo_dir = g_build_filename (source_dir, "data", "demo", NULL);
  g_setenv ("CERCLE_DB", db_path, TRUE);
  g_setenv ("CERCLE_DEMO_DIR", demo_dir, TRUE);
  g_setenv ("CERCLE_OFFLINE_MAP", "1", TRUE);

  /* French, as a user has it: gtk_test_init would force en_US. */
  g_assert_nonnull (setlocale (LC_ALL, "fr_FR.UTF-8"));
  localedir = g_build_filename (build_dir, "po", NULL);
  bindtextdomain (GETTEXT_PACKAGE, localedir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  gtk_disable_setlocale ();

  g_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add_func ("/referrals-page/send-three-offline", test_send_three_offline);
  g_test_add_func ("/referrals-page/desk-actions", test_desk_actions);
  g_test_add_func ("/referrals-page/requester-confirm", test_requester_confirm);
  g_test_add_func ("/referrals-page/narrow", test_narrow);
  g_test_add_func ("/referrals-page/pdf", test_pdf);
  g_test_add_func ("/referrals-page/draft-row-live", test_draft_row_live);
  g_test_add_func ("/referrals-page/status-lines", test_status_lines);
  g_test_add_func ("/referrals-page/send-complements", test_send_complements);
  g_test_add_func ("/referrals-page/desk-keyboard", test_desk_keyboard);
  g_test_add_func ("/referrals-page/patient-page", test_patient_page);

  return g_test_run ();
}
