/* bench-directory-page.c — does the directory page stay responsive?
 *
 * Figures, not a test: the page in a real window (under the Xvfb of the
 * test wrapper) imports the whole national FINESS directory (FHIR ndjson,
 * 95,000 sites) and La Poste's postcode base from SHARED_DATA_DIR, then
 * answers a few searches, while a high-priority 2 ms timeout measures how
 * long the main loop goes without running. A stall is what a user feels as
 * a frozen window: the page promises there is none while importing or
 * searching.
 *
 *   meson test -C _build --benchmark --verbose bench-directory-page
 *   (or build-aux/test-wrapper.sh _build/tests/bench/bench-directory-page ../shared/data)
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>
#include <stdio.h>

#include "cercle-directory-page.h"

typedef struct
{
  gint64 last;
  gint64 max_gap;
  GArray *gaps; /* gint64, µs */
} Monitor;

static Monitor monitor;

static gboolean
tick (gpointer data)
{
  gint64 now = g_get_monotonic_time ();

  if (monitor.last != 0)
    {
      gint64 gap = now - monitor.last;

      g_array_append_val (monitor.gaps, gap);
      monitor.max_gap = MAX (monitor.max_gap, gap);
    }
  monitor.last = now;

  return G_SOURCE_CONTINUE;
}

static void
monitor_reset (void)
{
  /* From now: a stall that starts right away counts too. */
  monitor.last = g_get_monotonic_time ();
  monitor.max_gap = 0;
  g_array_set_size (monitor.gaps, 0);
}

static int
compare_gaps (gconstpointer a,
              gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

static void
monitor_report (const char *what,
                gint64      elapsed_us)
{
  gint64 p99 = 0;

  /* The stretch since the last tick is a gap as well. */
  tick (NULL);
  if (monitor.gaps->len > 0)
    {
      g_array_sort (monitor.gaps, compare_gaps);
      p99 = g_array_index (monitor.gaps, gint64, (monitor.gaps->len * 99) / 100);
    }

  printf ("%-44s %9.1f ms   main loop: longest gap %6.1f ms, 99th percentile %5.1f ms (%u samples)\n",
          what, elapsed_us / 1000.0, monitor.max_gap / 1000.0, p99 / 1000.0, monitor.gaps->len);
  fflush (stdout);
}

typedef gboolean (*Condition) (gpointer data);

static void
run_until (Condition cond,
           gpointer  data)
{
  while (!cond (data))
    g_main_context_iteration (NULL, TRUE);
}

static gboolean
page_ready (gpointer data)
{
  GtkStack *stack = GTK_STACK (gtk_widget_get_template_child (data, CERCLE_TYPE_DIRECTORY_PAGE, "results_stack"));

  return gtk_widget_get_mapped (data)
         && !cercle_directory_page_get_busy (data)
         && g_strcmp0 (gtk_stack_get_visible_child_name (stack), "preparing") != 0;
}

static gboolean
import_done (gpointer data)
{
  GtkRevealer *revealer = GTK_REVEALER (gtk_widget_get_template_child (data, CERCLE_TYPE_DIRECTORY_PAGE,
                                                                       "import_revealer"));

  return !gtk_revealer_get_reveal_child (revealer);
}

static gboolean
results_done (gpointer data)
{
  GtkStack *stack = GTK_STACK (gtk_widget_get_template_child (data, CERCLE_TYPE_DIRECTORY_PAGE, "results_stack"));
  const char *name = gtk_stack_get_visible_child_name (stack);

  return !cercle_directory_page_get_busy (data)
         && (g_strcmp0 (name, "results") == 0 || g_strcmp0 (name, "no-results") == 0);
}

static void
close_dialogs (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = g_list_model_get_n_items (toplevels); i-- > 0;)
    {
      g_autoptr(GObject) window = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (window))
        gtk_window_destroy (GTK_WINDOW (window));
    }
}

static void
set_chip (GtkWidget  *page,
          const char *id,
          gboolean    active)
{
  g_autofree char *name = g_strdup_printf ("chip-%s", id);
  GtkWidget *flow = GTK_WIDGET (gtk_widget_get_template_child (page, CERCLE_TYPE_DIRECTORY_PAGE, "chips_box"));

  for (GtkWidget *child = gtk_widget_get_first_child (flow); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *chip = gtk_flow_box_child_get_child (GTK_FLOW_BOX_CHILD (child));

      if (g_strcmp0 (gtk_widget_get_name (chip), name) == 0)
        gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (chip), active);
    }
}

int
main (int   argc,
      char *argv[])
{
  const char *shared = argc > 1 ? argv[1] : g_getenv ("CERCLE_SHARED_DATA");
  const char *tmp = g_getenv ("CERCLE_TEST_TMPDIR");
  static const struct { const char *insee; const char *name; } communes[] = {
    /* La Poste lists Paris, Lyon and Marseille by arrondissement. */
    { "77288", "Melun" }, { "77284", "Meaux" }, { "31555", "Toulouse" },
    { "67482", "Strasbourg" }, { "29019", "Brest" },
  };
  g_autofree char *work = NULL;
  g_autofree char *db = NULL;
  g_autofree char *no_demo = NULL;
  g_autofree char *fhir_dir = NULL;
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GError) error = NULL;
  CercleDirectory *directory;
  GtkWidget *window, *page;
  const char *name;
  gint64 start;

  if (shared == NULL)
    {
      fprintf (stderr, "usage: bench-directory-page SHARED_DATA_DIR\n");
      return 2;
    }

  setlocale (LC_ALL, "fr_FR.UTF-8");
  setlocale (LC_NUMERIC, "C");
  gtk_disable_setlocale ();
  adw_init ();

  work = tmp ? g_strdup (tmp) : g_dir_make_tmp ("cercle-bench-XXXXXX", NULL);
  db = g_build_filename (work, "bench-page.db", NULL);
  no_demo = g_build_filename (work, "no-demo", NULL);
  g_mkdir_with_parents (no_demo, 0700);
  g_setenv ("CERCLE_DB", db, TRUE);
  g_setenv ("CERCLE_DEMO_DIR", no_demo, TRUE);
  g_setenv ("CERCLE_OFFLINE_MAP", "1", TRUE);

  g_ptr_array_add (files, g_file_new_build_filename (shared, "communes", "laposte_hexasmal.csv", NULL));
  fhir_dir = g_build_filename (shared, "finess-fhir", NULL);
  dir = g_dir_open (fhir_dir, 0, &error);
  if (dir == NULL)
    {
      fprintf (stderr, "bench-directory-page: %s\n", error->message);
      return 1;
    }
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, ".ndjson.gz"))
      g_ptr_array_add (files, g_file_new_build_filename (fhir_dir, name, NULL));

  monitor.gaps = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_timeout_add_full (G_PRIORITY_HIGH, 2, tick, NULL, NULL);

  window = gtk_window_new ();
  page = cercle_directory_page_new ();
  gtk_window_set_default_size (GTK_WINDOW (window), 1200, 800);
  gtk_window_set_child (GTK_WINDOW (window), page);
  gtk_window_present (GTK_WINDOW (window));
  run_until (page_ready, page);
  directory = cercle_directory_page_get_directory (CERCLE_DIRECTORY_PAGE (page));

  printf ("Directory page, %u files from %s, under Xvfb with GSK_RENDERER=%s\n",
          files->len, shared, g_getenv ("GSK_RENDERER") ? g_getenv ("GSK_RENDERER") : "default");

  /* The import: a progress bar, the window must keep drawing. */
  monitor_reset ();
  start = g_get_monotonic_time ();
  cercle_directory_page_import_files (CERCLE_DIRECTORY_PAGE (page), (GFile **) files->pdata, files->len);
  run_until (import_done, page);
  monitor_report ("import (FINESS FHIR + La Poste)", g_get_monotonic_time () - start);
  close_dialogs ();

  /* Searches: from the pick of a commune to the list and the map. */
  for (guint pass = 0; pass < 2; pass++)
    {
      set_chip (page, "ssiad", pass == 0);
      for (guint i = 0; i < G_N_ELEMENTS (communes); i++)
        {
          g_autoptr(CercleCommune) commune = cercle_directory_get_commune (directory, communes[i].insee, NULL);
          g_autofree char *what = NULL;

          if (commune == NULL)
            continue;
          if (cercle_directory_page_get_commune (CERCLE_DIRECTORY_PAGE (page)) != NULL)
            run_until (results_done, page);
          monitor_reset ();
          start = g_get_monotonic_time ();
          cercle_directory_page_set_commune (CERCLE_DIRECTORY_PAGE (page), commune);
          run_until (results_done, page);
          what = g_strdup_printf ("search %s around %s (%u rows)", pass == 0 ? "SSIAD" : "all kinds",
                                  communes[i].name,
                                  g_list_model_get_n_items (cercle_directory_page_get_results (CERCLE_DIRECTORY_PAGE (page))));
          monitor_report (what, g_get_monotonic_time () - start);
        }
    }

  gtk_window_destroy (GTK_WINDOW (window));
  return 0;
}
