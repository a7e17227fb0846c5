/* bench-directory.c — figures for the directory: import, nearest, completion
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Prints figures, asserts nothing about time (the machine decides):
 *
 *   bench-directory [SHARED_DATA_DIR] [--points N] [--scan-points N] [--reuse DB]
 *
 *  1. La Poste communes import, then the national FINESS import (the 10
 *     FHIR ndjson files), each in a child process so that its peak memory
 *     (maxrss) is its own;
 *  2. nearest, k = 20, for N random points (around random sites, jittered),
 *     SSIAD and all categories: p50 / p99 in-process, and the brute-force
 *     scan of every structure on the first points of the same run (checked
 *     equal);
 *  3. commune completion for random name prefixes and postcodes.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cercle-directory.h"
#include "cercle-db.h"

static double
now_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* This thread's CPU time: what a query costs, whatever else runs. */
static double
cpu_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int
compare_doubles (const void *a,
                 const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static double
percentile (GArray *values,
            double  p)
{
  guint i;

  g_array_sort (values, compare_doubles);
  i = (guint) ceil (p / 100.0 * values->len) - 1;
  return g_array_index (values, double, MIN (i, values->len - 1));
}

/* Runs an import in a child process; prints its wall time and peak RSS. */
static void
timed_import (const char  *label,
              const char  *db_path,
              GPtrArray   *paths)
{
  double start = now_ms ();
  struct rusage usage;
  int status;
  pid_t pid;

  fflush (stdout);
  pid = fork ();
  if (pid == 0)
    {
      g_autoptr(CercleDirectory) directory = cercle_directory_new (db_path);
      g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_object_unref);
      g_autoptr(CercleImportReport) report = NULL;
      g_autoptr(GError) error = NULL;

      for (guint i = 0; i < paths->len; i++)
        g_ptr_array_add (files, g_file_new_for_path (g_ptr_array_index (paths, i)));
      report = cercle_directory_import (directory, (GFile **) files->pdata, files->len, NULL, NULL, NULL, &error);
      if (report == NULL)
        {
          g_printerr ("import failed: %s\n", error->message);
          _exit (1);
        }
      printf ("  %u structures, %u communes, %u skipped\n",
              cercle_import_report_get_structures (report), cercle_import_report_get_communes (report),
              cercle_import_report_get_skipped (report));
      fflush (stdout);
      _exit (0);
    }
  if (wait4 (pid, &status, 0, &usage) < 0 || !WIFEXITED (status) || WEXITSTATUS (status) != 0)
    {
      g_printerr ("%s: the import failed\n", label);
      exit (1);
    }
  /* CPU time as well as wall time: on a shared machine the wall time
   * says as much about the neighbours as about the import. */
  printf ("%-34s wall %.2f s, CPU %.2f s (user+sys), peak memory %.1f MB (maxrss)\n", label,
          (now_ms () - start) / 1000.0,
          usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 + usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6,
          usage.ru_maxrss / 1024.0);
}

typedef struct {
  double lat, lon;
} Point;

static GArray *
random_points (const char *db_path,
               guint       n,
               GRand      *rand)
{
  g_autoptr(CercleDb) db = cercle_db_open (db_path, NULL);
  g_autoptr(GArray) sites = g_array_new (FALSE, FALSE, sizeof (Point));
  GArray *points = g_array_new (FALSE, FALSE, sizeof (Point));
  sqlite3_stmt *stmt = cercle_db_prepare (db, "SELECT latitude, longitude FROM dir_structure"
                                          " WHERE latitude IS NOT NULL", NULL);

  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      Point p = { sqlite3_column_double (stmt, 0), sqlite3_column_double (stmt, 1) };
      g_array_append_val (sites, p);
    }
  sqlite3_reset (stmt);

  /* Where patients are: near the sites (so dense towns weigh as they
   * should), up to ~5 km off. */
  for (guint i = 0; i < n; i++)
    {
      Point p = g_array_index (sites, Point, g_rand_int_range (rand, 0, sites->len));

      p.lat += g_rand_double_range (rand, -0.045, 0.045);
      p.lon += g_rand_double_range (rand, -0.065, 0.065);
      g_array_append_val (points, p);
    }
  return points;
}

static gboolean
same_answer (GListModel *a,
             GListModel *b)
{
  if (g_list_model_get_n_items (a) != g_list_model_get_n_items (b))
    return FALSE;
  for (guint i = 0; i < g_list_model_get_n_items (a); i++)
    {
      g_autoptr(CercleStructure) x = g_list_model_get_item (a, i);
      g_autoptr(CercleStructure) y = g_list_model_get_item (b, i);

      if (g_strcmp0 (cercle_structure_get_finess (x), cercle_structure_get_finess (y)) != 0)
        return FALSE;
    }
  return TRUE;
}

static void
bench_nearest (CercleDirectory    *directory,
               const char         *label,
               const char * const *categories,
               GArray             *points,
               guint               scan_points)
{
  g_autoptr(GArray) index_ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) index_cpu = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) scan_ms = g_array_new (FALSE, FALSE, sizeof (double));
  guint mismatches = 0;
  double index_p50, scan_p50;

  for (guint i = 0; i < points->len; i++)
    {
      Point *p = &g_array_index (points, Point, i);
      CercleNearestQuery query = { categories, NULL, p->lat, p->lon, 20, 0 };
      g_autoptr(GListModel) model = NULL;
      double t = now_ms ();
      double c = cpu_ms ();

      model = cercle_directory_nearest (directory, &query, NULL);
      c = cpu_ms () - c;
      t = now_ms () - t;
      g_assert (model != NULL);
      g_array_append_val (index_ms, t);
      g_array_append_val (index_cpu, c);

      if (i < scan_points)
        {
          g_autoptr(GListModel) scanned = NULL;

          t = now_ms ();
          scanned = cercle_directory_nearest_scan (directory, &query, NULL);
          t = now_ms () - t;
          g_array_append_val (scan_ms, t);
          if (!same_answer (model, scanned))
            mismatches++;
        }
    }

  index_p50 = percentile (index_ms, 50);
  scan_p50 = percentile (scan_ms, 50);
  printf ("nearest k=20 %-20s index p50 %.3f ms, p99 %.3f ms (%u points); CPU p50 %.3f ms, p99 %.3f ms\n",
          label, index_p50, percentile (index_ms, 99), points->len,
          percentile (index_cpu, 50), percentile (index_cpu, 99));
  printf ("%-33s scan  p50 %.3f ms, p99 %.3f ms (%u points): index %.0fx faster at p50,"
          " %u different answers\n", "",
          scan_p50, percentile (scan_ms, 99), scan_ms->len, scan_p50 / index_p50, mismatches);
}

static void
bench_communes (CercleDirectory *directory,
                const char      *db_path,
                guint            n,
                GRand           *rand)
{
  g_autoptr(CercleDb) db = cercle_db_open (db_path, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) cpu = g_array_new (FALSE, FALSE, sizeof (double));
  sqlite3_stmt *stmt = cercle_db_prepare (db, "SELECT name, postcodes FROM dir_commune", NULL);
  guint empty = 0;

  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      g_ptr_array_add (names, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
      g_ptr_array_add (names, g_strndup ((const char *) sqlite3_column_text (stmt, 1), 5));
    }
  sqlite3_reset (stmt);

  for (guint i = 0; i < n; i++)
    {
      const char *name = g_ptr_array_index (names, g_rand_int_range (rand, 0, names->len));
      /* What a person has typed so far: 1 to 8 characters. */
      g_autofree char *typed = g_utf8_substring (name, 0, MIN (g_utf8_strlen (name, -1), g_rand_int_range (rand, 1, 9)));
      g_autoptr(GListModel) model = NULL;
      double t = now_ms ();
      double c = cpu_ms ();

      model = cercle_directory_find_communes (directory, typed, 20, NULL);
      c = cpu_ms () - c;
      t = now_ms () - t;
      g_array_append_val (ms, t);
      g_array_append_val (cpu, c);
      if (g_list_model_get_n_items (model) == 0)
        empty++;
    }
  printf ("commune completion (limit 20)       p50 %.3f ms, p99 %.3f ms, max %.3f ms (%u queries, %u empty);"
          " CPU p99 %.3f ms\n",
          percentile (ms, 50), percentile (ms, 99), percentile (ms, 100), n, empty, percentile (cpu, 99));
}

int
main (int   argc,
      char *argv[])
{
  const char *data = g_getenv ("CERCLE_SHARED_DATA");
  g_autofree char *tmp = g_dir_make_tmp ("cercle-bench-XXXXXX", NULL);
  g_autofree char *db_path = g_build_filename (tmp, "bench.db", NULL);
  g_autoptr(GPtrArray) communes = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) national = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(CercleDirectory) directory = NULL;
  g_autoptr(GArray) points = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (20260813);
  const char * const ssiad[] = { "354", NULL };
  guint n_points = 1000, scan_points = 200;
  const char *reuse = NULL;

  for (int i = 1; i < argc; i++)
    {
      if (g_strcmp0 (argv[i], "--points") == 0 && i + 1 < argc)
        n_points = atoi (argv[++i]);
      else if (g_strcmp0 (argv[i], "--scan-points") == 0 && i + 1 < argc)
        scan_points = atoi (argv[++i]);
      else if (g_strcmp0 (argv[i], "--reuse") == 0 && i + 1 < argc)
        reuse = argv[++i];
      else
        data = argv[i];
    }
  if (data == NULL)
    data = "../shared/data";

  g_ptr_array_add (communes, g_build_filename (data, "communes", "laposte_hexasmal.csv", NULL));
  for (guint i = 0; i < 10; i++)
    {
      static const char *names[] = {
        "etab0-10000", "etab10001-20000", "etab20001-30000", "etab30001-40000", "etab40001-50000",
        "etab50001-60000", "etab60001-70000", "etab70001-80000", "etab80001-90000", "etab90001-95541",
      };
      g_autofree char *name = g_strconcat (names[i], ".ndjson.gz", NULL);

      g_ptr_array_add (national, g_build_filename (data, "finess-fhir", name, NULL));
    }

  printf ("Cercle directory benchmark — %s, %ld CPU\n", data, sysconf (_SC_NPROCESSORS_ONLN));
  if (reuse)
    {
      /* Searches only, on a directory imported before. */
      g_free (db_path);
      db_path = g_strdup (reuse);
      goto search;
    }
  timed_import ("import La Poste communes (CSV)", db_path, communes);
  timed_import ("import national FINESS (10 ndjson)", db_path, national);
  {
    g_autofree char *fresh = g_build_filename (tmp, "fresh.db", NULL);

    timed_import ("same, into an empty directory", fresh, national);
  }

search:
  directory = cercle_directory_new (db_path);
  points = random_points (db_path, n_points, rand);
  bench_nearest (directory, "SSIAD (354)", ssiad, points, scan_points);
  bench_nearest (directory, "all categories", NULL, points, scan_points);
  bench_communes (directory, db_path, 1000, rand);

  g_clear_object (&directory);
  {
    g_autoptr(GDir) dir = g_dir_open (tmp, 0, NULL);
    const char *name;

    while (dir && (name = g_dir_read_name (dir)))
      {
        g_autofree char *path = g_build_filename (tmp, name, NULL);
        g_unlink (path);
      }
    g_rmdir (tmp);
  }
  return 0;
}
