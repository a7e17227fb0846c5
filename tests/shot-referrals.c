/* shot-referrals.c — the README's screenshot of « Orientations »
 *
 * Not a test: fills a local store with demo-like referrals (the demo's
 * dossier and three more, in the states a discharge team sees in a week),
 * opens the real main window on « Orientations » in French, opens the demo
 * dossier, and renders the window into a PNG.
 *
 *   build-aux/test-wrapper.sh _build/tests/shot-referrals data/screenshots/referrals.png
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <locale.h>
#include <string.h>

#include "cercle-application.h"
#include "cercle-referral.h"
#include "cercle-referral-repo.h"
#include "cercle-referrals-page.h"
#include "cercle-window.h"
#include "referral-seed.h"

static void
iterate (guint ms)
{
  gint64 until = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < until)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (2000);
}

/* What the server would have answered, as the sync writes it. */
static void
answer (CercleDb   *db,
        const char *sr_id,
        const char *owner,
        const char *status,
        const char *business,
        const char *reason,
        const char *admission_date,
        gboolean    reminded,
        int         hours_ago)
{
  g_autofree char *sql = g_strdup_printf ("SELECT id, json, patient_id FROM resource WHERE type = 'Task'"
                                          " AND json_extract (json, '$.focus.reference') = 'ServiceRequest/%s'"
                                          " AND json_extract (json, '$.owner.reference') = 'Organization/%s'",
                                          sr_id, owner);
  sqlite3_stmt *stmt = cercle_db_prepare (db, sql, NULL);
  g_autofree char *id = NULL, *patient = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *json = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) when = g_date_time_add_hours (now, -hours_ago);
  g_autofree char *when_text = cercle_fhir_format_date_time (when);
  JsonObject *task;

  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  id = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  node = json_from_string ((const char *) sqlite3_column_text (stmt, 1), NULL);
  patient = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
  sqlite3_reset (stmt);
  task = json_node_get_object (node);
  json_object_set_string_member (task, "status", status);
  json_object_set_string_member (task, "lastModified", when_text);
  if (business)
    json_object_set_object_member (task, "businessStatus",
                                   cercle_fhir_codeable_concept_new (CERCLE_FHIR_SYSTEM_TASK_BUSINESS_STATUS, business,
                                                                     NULL));
  else
    json_object_remove_member (task, "businessStatus");
  if (reason)
    json_object_set_object_member (task, "statusReason",
                                   cercle_fhir_codeable_concept_new (CERCLE_FHIR_SYSTEM_REFERRAL_REASON, reason, NULL));
  if (admission_date)
    {
      JsonArray *outputs = json_array_new ();
      JsonObject *output = json_object_new ();

      json_object_set_object_member (output, "type",
                                     cercle_fhir_codeable_concept_new (CERCLE_FHIR_SYSTEM_REFERRAL_OUTPUT,
                                                                       "admission-date", NULL));
      json_object_set_string_member (output, "valueDate", admission_date);
      json_array_add_object_element (outputs, output);
      json_object_set_array_member (task, "output", outputs);
    }
  if (reminded)
    {
      JsonArray *notes = json_array_new ();
      JsonObject *note = json_object_new ();

      json_object_set_string_member (note, "authorString", "Cercle");
      json_object_set_string_member (note, "text", "Relance : pas de réponse à l’échéance");
      json_array_add_object_element (notes, note);
      json_object_set_array_member (task, "note", notes);
    }
  json = json_to_string (node, FALSE);
  g_assert_true (cercle_store_resource_put (db, "Task", id, patient, NULL, json, "2", NULL, NULL));
}

/* The dossier was sent @hours_ago, not at the moment the picture is
 * taken: its times (authoredOn, the step to requested, the deadline) move
 * back together, as if the sync had brought it from the server. */
static void
sent_ago (CercleDb   *db,
          const char *sr_id,
          int         hours_ago)
{
  g_autofree char *sql = g_strdup_printf ("SELECT json_extract (json, '$.authoredOn') FROM resource"
                                          " WHERE type = 'ServiceRequest' AND id = '%s'", sr_id);
  sqlite3_stmt *stmt = cercle_db_prepare (db, sql, NULL);
  g_autoptr(GDateTime) authored = NULL;
  g_autoptr(GDateTime) then = NULL;
  g_autoptr(GDateTime) deadline = NULL;
  g_autofree char *old_text = NULL, *then_text = NULL, *old_deadline = NULL, *deadline_text = NULL;
  g_autofree char *update = NULL;

  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  old_text = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);
  authored = cercle_fhir_parse_date_time (old_text);
  then = g_date_time_add_hours (authored, -hours_ago);
  then_text = cercle_fhir_format_date_time (then);
  old_deadline = cercle_fhir_format_date_time (deadline = g_date_time_add_hours (authored, 48));
  g_clear_pointer (&deadline, g_date_time_unref);
  deadline = g_date_time_add_hours (then, 48);
  deadline_text = cercle_fhir_format_date_time (deadline);
  update = g_strdup_printf ("UPDATE resource SET json = replace (replace (json, '%s', '%s'), '%s', '%s')"
                            " WHERE (type = 'ServiceRequest' AND id = '%s') OR (type = 'Task'"
                            " AND json_extract (json, '$.focus.reference') = 'ServiceRequest/%s')",
                            old_text, then_text, old_deadline, deadline_text, sr_id, sr_id);
  g_assert_true (cercle_db_exec (db, update, NULL));
}

static char *
dossier (CercleDb   *db,
         const char *patient,
         const char *type,
         const char *reason,
         const char *const *destinations,
         int         hours_ago)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CercleReferralDraft) draft = cercle_referral_repo_new_draft (db, patient, &error);

  g_assert_no_error (error);
  cercle_referral_draft_set_orientation_type (draft, type);
  cercle_referral_draft_set_field (draft, "reason", reason);
  cercle_referral_draft_set_field (draft, "treatments", "Voir ordonnance de sortie");
  cercle_referral_draft_set_field (draft, "gir", "3");
  cercle_referral_draft_set_field (draft, "nursing", "Aide à la toilette, pansements");
  cercle_referral_draft_set_field (draft, "living", "Vit seul(e) à domicile");
  for (guint i = 0; destinations[i]; i += 2)
    cercle_referral_draft_add_destination (draft, destinations[i], destinations[i + 1], NULL, -1, TRUE);
  g_assert_true (cercle_referral_repo_send (db, draft, 48, &error));
  g_assert_no_error (error);
  sent_ago (db, cercle_referral_draft_get_id (draft), hours_ago);
  return g_strdup (cercle_referral_draft_get_id (draft));
}

int
main (int   argc,
      char *argv[])
{
  const char *build_dir = g_getenv ("CERCLE_BUILD_DIR");
  const char *tmp = g_getenv ("CERCLE_TEST_TMPDIR") ? g_getenv ("CERCLE_TEST_TMPDIR") : g_get_tmp_dir ();
  g_autofree char *db_path = g_build_filename (tmp, "shot-referrals.db", NULL);
  g_autofree char *localedir = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CercleDb) db = NULL;
  g_autoptr(CercleApplication) app = NULL;
  g_autofree char *leroy = NULL, *faure = NULL, *nguyen = NULL;
  static const char *const leroy_to[] = { "770999407", "HAD de Melun (fictif)", "770999209", "SSIAD de Melun (fictif)",
                                          NULL };
  static const char *const faure_to[] = { "770900207", "EHPAD Les Glycines", "770900215", "EHPAD Le Clos du Pénil",
                                          NULL };
  static const char *const nguyen_to[] = { "770999209", "SSIAD de Melun (fictif)", NULL };
  CercleWindow *window;
  GtkWidget *page = NULL;
  GdkPaintable *paintable;
  GtkSnapshot *snapshot;
  GskRenderNode *node;
  GdkTexture *texture;
  int width, height;

  if (argc != 2)
    {
      g_printerr ("usage: shot-referrals OUTPUT.png\n");
      return 2;
    }

  g_unlink (db_path);
  g_setenv ("CERCLE_DB", db_path, TRUE);
  g_setenv ("CERCLE_OFFLINE_MAP", "1", TRUE);
  setlocale (LC_ALL, "fr_FR.UTF-8");
  if (build_dir)
    {
      localedir = g_build_filename (build_dir, "po", NULL);
      bindtextdomain (GETTEXT_PACKAGE, localedir);
    }
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  gtk_disable_setlocale ();
  adw_init ();

  db = cercle_store_open (db_path, &error);
  g_assert_no_error (error);
  seed_demo (db, TRUE);
  seed_account (db, "sortie.melun");
  leroy = dossier (db, CERCLE_DEMO_PAT_LEROY, "HAD", "Insuffisance cardiaque, retour à domicile", leroy_to, 72);
  faure = dossier (db, CERCLE_DEMO_PAT_FAURE, "EHPAD", "Maintien à domicile impossible", faure_to, 100);
  nguyen = dossier (db, CERCLE_DEMO_PAT_NGUYEN, "SSIAD", "Soins après chirurgie", nguyen_to, 2);
  /* What the server answered meanwhile (the Nguyen dossier is still in the
   * outbox: sent offline). */
  g_assert_true (cercle_db_exec (db, "DELETE FROM outbox WHERE resource_type = 'Bundle' AND resource_id != '"
                                     "__keep__'", NULL));
  {
    g_autofree char *keep = g_strdup_printf ("INSERT INTO outbox (resource_type, resource_id, patient_id, method, body)"
                                             " VALUES ('Bundle', '%s', '%s', 'POST', '{}')", nguyen,
                                             CERCLE_DEMO_PAT_NGUYEN);

    g_assert_true (cercle_db_exec (db, keep, NULL));
  }
  answer (db, leroy, CERCLE_DEMO_ORG_HAD_MELUN, "accepted", "accord", NULL, "2026-12-09", FALSE, 5);
  answer (db, leroy, CERCLE_DEMO_ORG_SSIAD_MELUN, "rejected", NULL, "hors-zone", NULL, FALSE, 20);
  answer (db, faure, "demo-770900207", "requested", "non-lue", NULL, NULL, TRUE, 2);
  answer (db, faure, "demo-770900215", "accepted", "liste-attente", NULL, NULL, FALSE, 30);

  app = cercle_application_new ();
  g_application_register (G_APPLICATION (app), NULL, &error);
  g_assert_no_error (error);
  window = cercle_window_new (app);
  gtk_window_set_default_size (GTK_WINDOW (window), 1180, 760);
  gtk_window_present (GTK_WINDOW (window));
  cercle_window_set_page (window, "referrals");
  iterate (500);
  {
    g_autoptr(GPtrArray) stack = g_ptr_array_new ();
    GtkWidget *w = GTK_WIDGET (window);

    g_ptr_array_add (stack, w);
    while (stack->len > 0 && page == NULL)
      {
        GtkWidget *cur = g_ptr_array_steal_index (stack, stack->len - 1);

        if (CERCLE_IS_REFERRALS_PAGE (cur))
          page = cur;
        for (GtkWidget *c = gtk_widget_get_first_child (cur); c; c = gtk_widget_get_next_sibling (c))
          g_ptr_array_add (stack, c);
      }
  }
  g_assert_nonnull (page);
  gtk_widget_activate_action (page, "referrals.open", "s", CERCLE_DEMO_REFERRAL);
  iterate (1500);

  width = gtk_widget_get_width (GTK_WIDGET (window));
  height = gtk_widget_get_height (GTK_WIDGET (window));
  paintable = gtk_widget_paintable_new (GTK_WIDGET (window));
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  g_assert_true (gdk_texture_save_to_png (texture, argv[1]));
  g_print ("shot-referrals: %d×%d written to %s\n", width, height, argv[1]);

  g_object_unref (texture);
  gsk_render_node_unref (node);
  g_object_unref (paintable);
  gtk_window_destroy (GTK_WINDOW (window));
  iterate (100);
  return 0;
}
