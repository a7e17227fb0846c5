/* bench-referrals-page.c — does « Orientations » open at once with 2,000 dossiers?
 *
 * Figures, not a test: a real local store (SQLite file) holding 2,000
 * sent dossiers (one ServiceRequest and three Tasks each: 6,000 Tasks, in
 * every status, some reminded), written the way the sync writes what it
 * pulls; then the real page in a real window (the Xvfb of the test wrapper)
 * is opened, and timed until the list shows its first rows on screen. The
 * process's resident memory is read from /proc at the end.
 *
 *   meson test -C _build --benchmark --verbose bench-referrals-page
 *   (or build-aux/test-wrapper.sh _build/tests/bench/bench-referrals-page)
 *
 * Goals (issue 17): opens in ≤ 200 ms; the app's memory ≤ 150 MB.
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <locale.h>
#include <sys/resource.h>
#include <stdio.h>
#include <string.h>

#include "cercle-destination.h"
#include "cercle-dossier-row.h"
#include "cercle-referral.h"
#include "cercle-referral-repo.h"
#include "cercle-referrals-page.h"
#include "../referral-seed.h"

#ifndef N_DOSSIERS
#define N_DOSSIERS 2000
#endif

static const struct {
  const char *status;
  const char *business;
} steps[] = {
  { "requested", "non-lue" }, { "received", "lue" }, { "received", "complement-demande" },
  { "accepted", "accord" }, { "accepted", "liste-attente" }, { "rejected", NULL },
  { "in-progress", "transfert-organise" }, { "cancelled", "annulation-auto" },
};

static char *
to_string (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), object);

  return json_to_string (node, FALSE);
}

static void
fill (CercleDb *db)
{
  static const char * const patients[] = {
    CERCLE_DEMO_PAT_DURAND, CERCLE_DEMO_PAT_LEROY, CERCLE_DEMO_PAT_FAURE, CERCLE_DEMO_PAT_NGUYEN,
    CERCLE_DEMO_PAT_GARNIER,
  };
  static const char * const owners[] = {
    CERCLE_DEMO_ORG_SSIAD_MELUN, CERCLE_DEMO_ORG_SMR_COUBERT, CERCLE_DEMO_ORG_HAD_MELUN,
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) base = g_date_time_new_now_utc ();

  g_assert_true (cercle_db_begin (db, &error));
  for (guint i = 0; i < N_DOSSIERS; i++)
    {
      g_autofree char *sr_id = g_strdup_printf ("sr-bench-%05u", i);
      g_autofree char *dossier_id = g_strdup_printf ("DO-2026-B%05u", i);
      const char *patient = patients[i % G_N_ELEMENTS (patients)];
      g_autoptr(GDateTime) when = g_date_time_add_minutes (base, -(gint) (i * 7));
      g_autoptr(CercleReferral) referral = cercle_referral_new (sr_id, dossier_id, patient, CERCLE_DEMO_PRACT_SORTIE,
                                                                 i % 2 ? "SSIAD" : "SMR");
      g_autoptr(JsonObject) sr = NULL;
      g_autofree char *sr_json = NULL;

      g_object_set (referral, "status", "active", "authored-on", when, "reason", "Retour à domicile", NULL);
      cercle_referral_set_section (referral, CERCLE_REFERRAL_SECTION_ADMINISTRATIVE, TRUE,
                                   "Identité : … Adresse : 12 rue Saint-Ambroise, 77000 Melun");
      cercle_referral_set_section (referral, CERCLE_REFERRAL_SECTION_MEDICAL, TRUE,
                                   "Motif : rééducation après fracture. Traitements : enoxaparine. GIR : 3");
      cercle_referral_set_section (referral, CERCLE_REFERRAL_SECTION_CARE, TRUE, "Soins d’hygiène, injections");
      for (guint o = 0; o < G_N_ELEMENTS (owners); o++)
        cercle_referral_add_destination (referral, owners[o]);
      sr = cercle_referral_to_fhir (referral);
      sr_json = to_string (sr);
      g_assert_true (cercle_store_resource_put (db, "ServiceRequest", sr_id, patient, "Practitioner/" CERCLE_DEMO_PRACT_SORTIE,
                                                sr_json, "1", NULL, &error));

      for (guint o = 0; o < G_N_ELEMENTS (owners); o++)
        {
          g_autofree char *task_id = g_strdup_printf ("task-bench-%05u-%u", i, o);
          g_autoptr(CercleDestination) d = cercle_destination_new (task_id, sr_id, dossier_id, patient,
                                                                   CERCLE_DEMO_PRACT_SORTIE, owners[o]);
          g_autoptr(JsonObject) task = NULL;
          g_autofree char *json = NULL;
          guint step = (i + o) % G_N_ELEMENTS (steps);

          g_object_set (d, "owner-display", o == 0 ? "SSIAD de Melun (fictif)" : o == 1 ? "SMR de Coubert (fictif)"
                                                                               : "HAD de Melun (fictif)", NULL);
          g_assert_true (cercle_destination_apply_transition (d, "requested", "non-lue", CERCLE_REFERRAL_ACTOR_REQUESTER,
                                                              NULL, NULL, when, NULL));
          task = cercle_destination_to_fhir (d);
          /* The statuses as the server would have them, without replaying each path. */
          json_object_set_string_member (task, "status", steps[step].status);
          if (steps[step].business)
            json_object_set_object_member (task, "businessStatus",
                                           cercle_fhir_codeable_concept_new (CERCLE_FHIR_SYSTEM_TASK_BUSINESS_STATUS,
                                                                             steps[step].business, NULL));
          else
            json_object_remove_member (task, "businessStatus");
          if (step == 0 && i % 3 == 0)
            {
              JsonArray *notes = json_array_new ();
              JsonObject *note = json_object_new ();

              json_object_set_string_member (note, "authorString", "Cercle");
              json_object_set_string_member (note, "text", "Relance : pas de réponse à l’échéance");
              json_array_add_object_element (notes, note);
              json_object_set_array_member (task, "note", notes);
            }
          json = to_string (task);
          g_assert_true (cercle_store_resource_put (db, "Task", task_id, patient, NULL, json, "1", NULL, &error));
        }
    }
  g_assert_true (cercle_db_commit (db, &error));
  g_assert_no_error (error);
}

static gboolean
rows_shown (GtkWidget *widget)
{
  if (CERCLE_IS_DOSSIER_ROW (widget) && gtk_widget_get_mapped (widget))
    return TRUE;
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
    if (rows_shown (c))
      return TRUE;
  return FALSE;
}

static guint
rss_mb (const char *field)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL) || (line = strstr (status, field)) == NULL)
    return 0;
  return (guint) (g_ascii_strtoull (line + strlen (field), NULL, 10) / 1024);
}

/* CPU time of the process, in ms: what the page costs, whatever else the
 * shared machine runs (the wall time is printed too). */
static double
cpu_ms (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec * 1000.0 + usage.ru_utime.tv_usec / 1000.0
         + usage.ru_stime.tv_sec * 1000.0 + usage.ru_stime.tv_usec / 1000.0;
}

static void
frame_cb (GdkFrameClock *clock,
          gboolean      *drawn)
{
  *drawn = TRUE;
}

int
main (int   argc,
      char *argv[])
{
  const char *tmp = g_getenv ("CERCLE_TEST_TMPDIR") ? g_getenv ("CERCLE_TEST_TMPDIR") : g_get_tmp_dir ();
  g_autofree char *path = g_build_filename (tmp, "bench-referrals.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(CercleDb) db = NULL;
  g_autoptr(GListModel) list = NULL;
  GtkWidget *window, *page;
  gint64 start, listed, shown;
  double cpu_start, cpu_listed, cpu_shown;
  double best_query = G_MAXDOUBLE;
  gboolean drawn = FALSE;

  setlocale (LC_ALL, "");
  g_unlink (path);
  g_setenv ("CERCLE_DB", path, TRUE);
  adw_init ();

  db = cercle_store_open (path, &error);
  g_assert_no_error (error);
  seed_demo (db, FALSE);
  seed_account (db, "sortie.melun");
  start = g_get_monotonic_time ();
  fill (db);
  printf ("store: %u dossiers, %u Tasks written in %.0f ms\n", N_DOSSIERS, N_DOSSIERS * 3,
          (g_get_monotonic_time () - start) / 1000.0);

  /* The store's query alone, warm, best of five. */
  for (guint i = 0; i < 5; i++)
    {
      start = g_get_monotonic_time ();
      list = cercle_referral_repo_list_dossiers (db, CERCLE_DOSSIER_FILTER_ALL, &error);
      g_assert_no_error (error);
      best_query = MIN (best_query, (g_get_monotonic_time () - start) / 1000.0);
      g_assert_cmpuint (g_list_model_get_n_items (list), ==, N_DOSSIERS);
      g_clear_object (&list);
    }
  printf ("list_dossiers (2,000 dossiers, 6,000 Tasks): %.1f ms (best of 5)\n", best_query);
  g_clear_object (&db);

  /* The app's window is up (theme, fonts) when the user opens the page:
   * a first window is painted before timing. */
  window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (window), 1100, 750);
  gtk_window_set_child (GTK_WINDOW (window), gtk_label_new ("Cercle"));
  gtk_window_present (GTK_WINDOW (window));
  g_signal_connect (gtk_widget_get_frame_clock (window), "after-paint", G_CALLBACK (frame_cb), &drawn);
  while (!drawn)
    g_main_context_iteration (NULL, TRUE);
  g_signal_handlers_disconnect_by_func (gtk_widget_get_frame_clock (window), frame_cb, &drawn);
  drawn = FALSE;

  /* The page, from nothing to its first rows on screen, its own store
   * connection opened cold. */
  start = g_get_monotonic_time ();
  cpu_start = cpu_ms ();
  page = cercle_referrals_page_new ();
  gtk_window_set_child (GTK_WINDOW (window), page);
  while (g_list_model_get_n_items (cercle_referrals_page_get_dossiers (CERCLE_REFERRALS_PAGE (page))) == 0)
    g_main_context_iteration (NULL, TRUE);
  listed = g_get_monotonic_time ();
  cpu_listed = cpu_ms ();
  while (!rows_shown (page))
    g_main_context_iteration (NULL, TRUE);
  g_signal_connect (gtk_widget_get_frame_clock (page), "after-paint", G_CALLBACK (frame_cb), &drawn);
  gtk_widget_queue_draw (page);
  while (!drawn)
    g_main_context_iteration (NULL, TRUE);
  shown = g_get_monotonic_time ();
  cpu_shown = cpu_ms ();
  printf ("Orientations page: list read %.0f ms after creation, first rows painted at %.0f ms (wall)\n",
          (listed - start) / 1000.0, (shown - start) / 1000.0);
  printf ("Orientations page: list read %.0f ms, first rows painted at %.0f ms (CPU time of the process)\n",
          cpu_listed - cpu_start, cpu_shown - cpu_start);

  /* A filter change reads again. */
  start = g_get_monotonic_time ();
  gtk_drop_down_set_selected (GTK_DROP_DOWN (gtk_widget_get_template_child (page, CERCLE_TYPE_REFERRALS_PAGE,
                                                                            "filter_dropdown")),
                              CERCLE_DOSSIER_FILTER_ACCEPTED);
  printf ("filter « Acceptés »: %.0f ms, %u dossiers\n", (g_get_monotonic_time () - start) / 1000.0,
          g_list_model_get_n_items (cercle_referrals_page_get_dossiers (CERCLE_REFERRALS_PAGE (page))));

  printf ("memory: VmRSS %u MB, VmHWM (peak) %u MB\n", rss_mb ("VmRSS:"), rss_mb ("VmHWM:"));
  gtk_window_destroy (GTK_WINDOW (window));
  return 0;
}
