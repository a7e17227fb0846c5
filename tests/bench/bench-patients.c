/* bench-patients.c — the patients page on a big store: filtering, opening a file, memory
 *
 * Figures, not a test. A generator fills a real store with 5,000 patients
 * and 50,000 notes (one patient has 200 of them, the others 0 to 19), then
 * the real patients page in a real window (under the Xvfb of the test
 * wrapper) is driven:
 *
 * - filtering: the search is typed one character at a time (names, a
 *   French date, an INS); for each keystroke, the time to filter and update
 *   the list (synchronous), and the time GTK then takes to lay out and
 *   paint the next frame (frame clock "layout" to "after-paint");
 * - opening the file of the patient with 200 notes, the same way;
 * - the process's resident memory at the end (VmRSS, VmHWM).
 *
 *   meson test -C _build --benchmark --verbose bench-patients
 *   (or build-aux/test-wrapper.sh _build/tests/bench/bench-patients)
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "cercle-fhir.h"
#include "cercle-note.h"
#include "cercle-patient-list.h"
#include "cercle-patient-view.h"
#include "cercle-patients-page.h"
#include "cercle-store.h"
#include "cercle-text.h"

#define N_PATIENTS 5000
#define N_NOTES 50000
#define BIG_PATIENT "bench-big"
#define BIG_NOTES 200

static const char *const families[] = {
  "Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Dubois", "Moreau", "Laurent",
  "Simon", "Michel", "Lefèvre", "Leroy", "Roux", "David", "Bertrand", "Morel", "Fournier", "Girard",
  "Bonnet", "Dupont", "Lambert", "Fontaine", "Rousseau", "Vincent", "Müller", "Lefebvre", "Faure", "André",
  "Mercier", "Blanc", "Guérin", "Boyer", "Garnier", "Chevalier", "François", "Legrand", "Gauthier", "Garcia",
};
static const char *const givens[] = {
  "Jeanne", "Marie", "Hélène", "Louise", "Madeleine", "Marcel", "Robert", "Jean", "André", "Lucienne",
  "Pierre", "Thérèse", "Georges", "Simone", "Paulette", "René", "Yvonne", "Henri", "Odette", "Raymond",
};
static const char *const categories[] = { "transmission", "vigilance", "compte-rendu", "information" };

static void
generate (CercleDb *db)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (1941);
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) base = g_date_time_new_utc (2026, 1, 1, 8, 0, 0);
  sqlite3_stmt *stmt;
  guint notes = 0;

  g_assert_true (cercle_db_begin (db, &error));
  stmt = cercle_db_prepare (db,
                            "INSERT INTO patient (id, ins, ins_kind, birth_family_name, birth_given_names,"
                            " first_given_name, birth_date, sex, from_insi, document_checked, commune_code,"
                            " commune_name, postcode, name_key, updated_at)"
                            " VALUES (?, ?, 'NIR', ?, ?, ?, ?, 'female', ?, ?, '77288', 'Melun', '77000', ?,"
                            " '2026-01-01T00:00:00Z')",
                            &error);
  g_assert_no_error (error);
  for (guint i = 0; i < N_PATIENTS; i++)
    {
      g_autofree char *id = i == 0 ? g_strdup (BIG_PATIENT) : g_strdup_printf ("bench-%05u", i);
      const char *family = families[g_rand_int_range (rand, 0, G_N_ELEMENTS (families))];
      const char *given = givens[g_rand_int_range (rand, 0, G_N_ELEMENTS (givens))];
      g_autofree char *date = g_strdup_printf ("19%02d-%02d-%02d", g_rand_int_range (rand, 20, 60),
                                               g_rand_int_range (rand, 1, 13), g_rand_int_range (rand, 1, 29));
      g_autofree char *first13 = g_strdup_printf ("2%02d%02d77%03d%03u", g_rand_int_range (rand, 20, 60),
                                                  g_rand_int_range (rand, 1, 13), g_rand_int_range (rand, 1, 999),
                                                  i % 1000);
      g_autofree char *ins = NULL;
      g_autofree char *key = cercle_text_fold (family);
      gint64 n13 = g_ascii_strtoll (first13, NULL, 10);

      ins = g_strdup_printf ("%s%02d", first13, (int) (97 - n13 % 97));
      sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 2, ins, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 3, family, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 4, given, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 5, given, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 6, date, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int (stmt, 7, i % 2);
      sqlite3_bind_int (stmt, 8, i % 3 == 0);
      sqlite3_bind_text (stmt, 9, key, -1, SQLITE_TRANSIENT);
      g_assert_true (cercle_db_step_done (db, stmt, &error));
    }

  for (guint i = 0; notes < N_NOTES; i++)
    {
      guint patient = i == 0 ? 0 : 1 + g_rand_int_range (rand, 0, N_PATIENTS - 1);
      guint count = i == 0 ? BIG_NOTES : (guint) g_rand_int_range (rand, 0, 20);
      g_autofree char *pid = patient == 0 ? g_strdup (BIG_PATIENT) : g_strdup_printf ("bench-%05u", patient);

      for (guint n = 0; n < count && notes < N_NOTES; n++, notes++)
        {
          g_autofree char *id = g_strdup_printf ("note-%06u", notes);
          g_autoptr(GDateTime) sent = g_date_time_add_minutes (base, notes * 7);
          g_autoptr(CercleNote) note = cercle_note_new (id, pid, n % 3 ? "pract-martin-paul" : "pract-bernard-sophie",
                                                        categories[n % 4],
                                                        "Passage à domicile : pansement refait, tension 13/8, "
                                                        "a bien mangé. À revoir jeudi avec le médecin traitant.");
          g_autoptr(JsonObject) fhir = NULL;
          g_autofree char *json = NULL;
          g_autofree char *updated = g_date_time_format_iso8601 (sent);

          g_object_set (note, "sent", sent, "author-display", n % 3 ? "Dr Paul Martin" : "Sophie Bernard", NULL);
          fhir = cercle_note_to_fhir (note);
          json = cercle_fhir_to_string (fhir);
          g_assert_true (cercle_store_resource_put (db, "Communication", id, pid,
                                                    n % 3 ? "Practitioner/pract-martin-paul"
                                                          : "Practitioner/pract-bernard-sophie",
                                                    json, "1", updated, &error));
        }
    }
  g_assert_true (cercle_db_commit (db, &error));
  g_assert_true (cercle_store_set_account (db, "http://127.0.0.1:9", "ide.bernard",
                                           "Practitioner/pract-bernard-sophie", NULL, "Sophie Bernard", &error));
}

/* The frame after a change: from its layout to its paint. */
static gint64 layout_at, painted_at;

static void
on_layout (GdkFrameClock *clock)
{
  if (layout_at == 0)
    layout_at = g_get_monotonic_time ();
}

static void
on_after_paint (GdkFrameClock *clock)
{
  if (layout_at != 0 && painted_at == 0)
    painted_at = g_get_monotonic_time ();
}

static double
wait_frame (GtkWidget *widget)
{
  gint64 deadline = g_get_monotonic_time () + 2 * G_USEC_PER_SEC;

  layout_at = painted_at = 0;
  gtk_widget_queue_draw (widget);
  while (painted_at == 0 && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  return painted_at ? (painted_at - layout_at) / 1000.0 : -1;
}

static int
compare_doubles (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

static double
percentile (GArray *values, double p)
{
  g_array_sort (values, compare_doubles);
  return g_array_index (values, double, MIN (values->len - 1, (guint) (p * values->len)));
}

static void
collect (GtkWidget *widget, GType type, GPtrArray *out)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    g_ptr_array_add (out, widget);
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
    collect (c, type, out);
}

static void
memory (guint *rss_kb, guint *hwm_kb)
{
  g_autofree char *status = NULL;
  const char *p;

  g_file_get_contents ("/proc/self/status", &status, NULL, NULL);
  p = strstr (status, "VmRSS:");
  *rss_kb = p ? (guint) g_ascii_strtoull (p + 6, NULL, 10) : 0;
  p = strstr (status, "VmHWM:");
  *hwm_kb = p ? (guint) g_ascii_strtoull (p + 6, NULL, 10) : 0;
}

int
main (int argc, char *argv[])
{
  g_autofree char *tmp = g_dir_make_tmp ("bench-patients-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (tmp, "bench.db", NULL);
  const char *typed[] = { "durand jeanne", "lefevre", "12/03/1941", "2 45 03 77", "mar hel" };
  g_autoptr(CercleDb) db = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) filter_ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) frame_ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) entry_ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GPtrArray) entries = g_ptr_array_new ();
  GtkWidget *window, *page, *entry = NULL;
  GdkFrameClock *clock;
  gint64 t0;
  double gen_s, open_ms, open_frame_ms;
  guint rss, hwm;

  setlocale (LC_ALL, "");
  setvbuf (stdout, NULL, _IOLBF, 0);
  g_setenv ("CERCLE_DB", path, TRUE);
  gtk_init ();
  adw_init ();

  t0 = g_get_monotonic_time ();
  db = cercle_store_open (path, &error);
  g_assert_no_error (error);
  generate (db);
  gen_s = (g_get_monotonic_time () - t0) / 1e6;

  window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (window), 1200, 800);
  page = cercle_patients_page_new ();
  gtk_window_set_child (GTK_WINDOW (window), page);
  gtk_window_present (GTK_WINDOW (window));
  t0 = g_get_monotonic_time ();
  collect (page, GTK_TYPE_SEARCH_ENTRY, entries);
  for (guint i = 0; i < entries->len; i++)
    if (gtk_widget_get_ancestor (g_ptr_array_index (entries, i), GTK_TYPE_POPOVER) == NULL)
      entry = g_ptr_array_index (entries, i);
  g_assert_nonnull (entry);
  while (!gtk_widget_get_mapped (page))
    g_main_context_iteration (NULL, TRUE);
  clock = gtk_widget_get_frame_clock (window);
  g_signal_connect (clock, "layout", G_CALLBACK (on_layout), NULL);
  g_signal_connect (clock, "after-paint", G_CALLBACK (on_after_paint), NULL);
  {
    g_autoptr(GPtrArray) lists = g_ptr_array_new ();
    GListModel *model;

    GtkWidget *list = NULL;

    collect (page, GTK_TYPE_LIST_VIEW, lists);
    /* Not the list of a drop-down's popover. */
    for (guint i = 0; i < lists->len; i++)
      if (gtk_widget_get_ancestor (g_ptr_array_index (lists, i), GTK_TYPE_POPOVER) == NULL)
        list = g_ptr_array_index (lists, i);
    model = G_LIST_MODEL (gtk_list_view_get_model (GTK_LIST_VIEW (list)));
    /* The list is read in a thread: wait for its rows, then a frame. */
    while (g_list_model_get_n_items (model) < N_PATIENTS)
      g_main_context_iteration (NULL, TRUE);
    printf ("store: %u patients, %u notes, generated in %.1f s\n", N_PATIENTS, N_NOTES, gen_s);
    printf ("list of %u read (thread) and shown in %.0f ms\n", g_list_model_get_n_items (model),
            (g_get_monotonic_time () - t0) / 1000.0);
    wait_frame (window);
  }

  for (guint r = 0; r < 3; r++)
    for (guint w = 0; w < G_N_ELEMENTS (typed); w++)
      {
        for (gsize n = 1; n <= strlen (typed[w]); n++)
          {
            g_autofree char *prefix = g_strndup (typed[w], n);
            double ms;

            /* The entry's own work (text, input method) is GTK's, not
             * the filter's: timed apart. */
            t0 = g_get_monotonic_time ();
            gtk_editable_set_text (GTK_EDITABLE (entry), prefix);
            ms = (g_get_monotonic_time () - t0) / 1000.0;
            g_array_append_val (entry_ms, ms);
            /* What the entry emits once the typing pauses. */
            t0 = g_get_monotonic_time ();
            g_signal_emit_by_name (entry, "search-changed");
            ms = (g_get_monotonic_time () - t0) / 1000.0;
            g_array_append_val (filter_ms, ms);
            ms = wait_frame (window);
            g_array_append_val (frame_ms, ms);
          }
        gtk_editable_set_text (GTK_EDITABLE (entry), "");
        g_signal_emit_by_name (entry, "search-changed");
        wait_frame (window);
      }
  {
    double f50 = percentile (filter_ms, 0.5), f99 = percentile (filter_ms, 0.99);
    double r50 = percentile (frame_ms, 0.5), r99 = percentile (frame_ms, 0.99);
    double e50 = percentile (entry_ms, 0.5), e99 = percentile (entry_ms, 0.99);

    printf ("filter, %u keystrokes: filter+list update median %.2f ms, p99 %.2f ms\n", filter_ms->len, f50, f99);
    printf ("  next frame layout+paint: median %.2f ms, p99 %.2f ms; filter+frame p99 %.2f ms\n", r50, r99, f99 + r99);
    printf ("  (the entry taking the text, GTK's own: median %.2f ms, p99 %.2f ms)\n", e50, e99);
  }

  /* The model alone, with no view: libcercle's part of a keystroke. */
  {
    g_autoptr(CerclePatientList) alone = cercle_patient_list_new ();
    g_autoptr(GArray) model_ms = g_array_new (FALSE, FALSE, sizeof (double));

    g_assert_true (cercle_patient_list_load (alone, db, NULL));
    for (guint w = 0; w < G_N_ELEMENTS (typed); w++)
      for (gsize n = 0; n <= strlen (typed[w]); n++)
        {
          g_autofree char *prefix = g_strndup (typed[w], n);
          double ms;

          t0 = g_get_monotonic_time ();
          cercle_patient_list_set_filter (alone, prefix);
          ms = (g_get_monotonic_time () - t0) / 1000.0;
          g_array_append_val (model_ms, ms);
        }
    printf ("  (the model alone, no view: median %.3f ms, p99 %.3f ms)\n",
            percentile (model_ms, 0.5), percentile (model_ms, 0.99));
  }

  t0 = g_get_monotonic_time ();
  gtk_widget_activate_action (page, "patients.open", "s", BIG_PATIENT);
  open_ms = (g_get_monotonic_time () - t0) / 1000.0;
  open_frame_ms = wait_frame (window);
  printf ("open the patient with %u notes: load+build %.1f ms, first frame layout+paint %.1f ms, total %.1f ms\n",
          BIG_NOTES, open_ms, open_frame_ms, open_ms + open_frame_ms);
  /* Again, the file already open once (a reload after a sync). */
  t0 = g_get_monotonic_time ();
  gtk_widget_activate_action (page, "patients.open", "s", BIG_PATIENT);
  open_ms = (g_get_monotonic_time () - t0) / 1000.0;
  open_frame_ms = wait_frame (window);
  printf ("reopen: load+build %.1f ms, frame %.1f ms\n", open_ms, open_frame_ms);

  memory (&rss, &hwm);
  printf ("memory: VmRSS %.1f MB, VmHWM %.1f MB\n", rss / 1024.0, hwm / 1024.0);

  gtk_window_destroy (GTK_WINDOW (window));
  g_clear_object (&db);
  g_unlink (path);
  g_rmdir (tmp);
  return 0;
}
