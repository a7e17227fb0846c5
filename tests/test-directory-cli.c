/* test-directory-cli.c — cercle-cli directory, as a script drives it
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs the real cercle-cli on a real store: exit statuses, the tsv and json
 * formats, what goes to stdout and what to stderr.
 */
#include "config.h"

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <string.h>

typedef struct {
  int   status;
  char *out;
  char *err;
} Run;

static void
run_clear (Run *run)
{
  g_free (run->out);
  g_free (run->err);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Run, run_clear)

static char *db_path;

static Run
cli (const char *first, ...)
{
  g_autofree char *exe = g_build_filename (g_getenv ("CERCLE_BUILD_DIR"), "src", "cli", "cercle-cli", NULL);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  Run run = { 0 };
  va_list ap;

  g_ptr_array_add (argv, exe);
  g_ptr_array_add (argv, (char *) "--db");
  g_ptr_array_add (argv, db_path);
  g_ptr_array_add (argv, (char *) "directory");
  va_start (ap, first);
  for (const char *a = first; a; a = va_arg (ap, const char *))
    g_ptr_array_add (argv, (char *) a);
  va_end (ap);
  g_ptr_array_add (argv, NULL);

  process = g_subprocess_newv ((const char * const *) argv->pdata,
                               G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &run.out, &run.err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  run.status = g_subprocess_get_exit_status (process);
  return run;
}

static void
test_usage (void)
{
  g_auto(Run) none = cli (NULL, NULL);
  g_auto(Run) help = cli ("nearest", "--help", NULL);
  g_auto(Run) no_point = cli ("nearest", "--category", "354", NULL);
  g_auto(Run) both = cli ("nearest", "--commune", "77288", "--at", "48.5,2.6", NULL);
  g_auto(Run) bad_point = cli ("nearest", "--at", "48,54,2,66", NULL);
  g_auto(Run) bad_format = cli ("nearest", "--at", "48.5,2.6", "--format", "xml", NULL);
  g_auto(Run) unknown = cli ("frobnicate", NULL);
  g_auto(Run) no_output = cli ("export", "--category", "354", NULL);

  g_assert_cmpint (none.status, ==, 2);
  g_assert_nonnull (strstr (none.err, "nearest"));
  g_assert_cmpint (help.status, ==, 0);
  g_assert_nonnull (strstr (help.out, "--commune"));
  g_assert_nonnull (strstr (help.out, "--max-km"));
  g_assert_cmpint (no_point.status, ==, 2);
  g_assert_cmpint (both.status, ==, 2);
  g_assert_cmpint (bad_point.status, ==, 2);
  g_assert_cmpint (bad_format.status, ==, 2);
  g_assert_cmpint (unknown.status, ==, 2);
  g_assert_cmpint (no_output.status, ==, 2);
}

static void
test_import_and_search (void)
{
  g_autofree char *demo = g_strdup (g_getenv ("CERCLE_DEMO_DIR"));
  g_autofree char *communes = g_build_filename (demo, "communes-demo.csv", NULL);
  g_autofree char *structures = g_build_filename (demo, "structures-demo.ndjson", NULL);
  g_autofree char *bad = g_build_filename (g_getenv ("CERCLE_TEST_TMPDIR"), "bad.ndjson", NULL);
  g_autofree char *csv = g_build_filename (g_getenv ("CERCLE_TEST_TMPDIR"), "export.csv", NULL);
  g_autofree char *contents = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) lines = NULL;
  JsonArray *array;

  g_file_set_contents (bad, "{\"resourceType\":\"Organization\",\"id\":\"x\"\n[]\n", -1, &error);
  g_assert_no_error (error);

  {
    g_auto(Run) imported = cli ("import", communes, structures, bad, NULL);
    g_autofree char *line1 = g_strdup_printf ("%s:1: invalid JSON", "bad.ndjson");
    g_autofree char *line2 = g_strdup_printf ("%s:2: not a FHIR resource", "bad.ndjson");

    g_assert_cmpint (imported.status, ==, 0);
    g_assert_nonnull (strstr (imported.out, "41 structures, 40 communes"));
    g_assert_nonnull (strstr (imported.err, line1));
    g_assert_nonnull (strstr (imported.err, line2));
    /* Not a terminal: no progress line. */
    g_assert_null (strchr (imported.err, '\r'));
  }
  {
    g_auto(Run) failed = cli ("import", "/nonexistent/file.ndjson", NULL);

    g_assert_cmpint (failed.status, ==, 1);
    g_assert_nonnull (strstr (failed.err, "unchanged"));
  }

  {
    g_auto(Run) tsv = cli ("nearest", "--commune", "77040", "--category", "354", "--limit", "3",
                           "--format", "tsv", NULL);

    g_assert_cmpint (tsv.status, ==, 0);
    lines = g_strsplit (tsv.out, "\n", -1);
    g_assert_cmpuint (g_strv_length (lines), ==, 4);  /* and the empty one after the last \n */
    g_assert_cmpstr (lines[0], ==, "770900025\tSSIAD ADMR Brie et Seine\t354\t77445\t5.618");
    for (guint i = 0; i < 3; i++)
      {
        g_auto(GStrv) fields = g_strsplit (lines[i], "\t", -1);

        g_assert_cmpuint (g_strv_length (fields), ==, 5);
        g_assert_true (g_regex_match_simple ("^[0-9]+\\.[0-9]{3}$", fields[4], 0, 0));
      }
  }

  {
    g_auto(Run) json = cli ("nearest", "--at", "48.9600,2.8790", "--category", "ehpad,usld", "--max-km", "10",
                            "--format", "json", NULL);

    g_assert_cmpint (json.status, ==, 0);
    json_parser_load_from_data (parser, json.out, -1, &error);
    g_assert_no_error (error);
    array = json_node_get_array (json_parser_get_root (parser));
    g_assert_cmpuint (json_array_get_length (array), ==, 3);
    for (guint i = 0; i < json_array_get_length (array); i++)
      {
        JsonObject *o = json_array_get_object_element (array, i);
        const char *code = json_object_get_string_member (o, "category_code");

        g_assert_true (g_str_equal (code, "500") || g_str_equal (code, "362"));
        g_assert_cmpfloat (json_object_get_double_member (o, "distance_km"), <=, 10.0);
        g_assert_false (json_object_get_boolean_member (o, "covers_commune"));
      }
  }

  {
    g_auto(Run) unknown = cli ("nearest", "--commune", "99999", "--category", "354", NULL);

    g_assert_cmpint (unknown.status, ==, 1);
    g_assert_nonnull (strstr (unknown.err, "99999"));
  }

  {
    g_auto(Run) communes_run = cli ("communes", "MÉAUX", NULL);
    g_auto(Run) none = cli ("communes", "zzzzzz", NULL);

    g_assert_cmpint (communes_run.status, ==, 0);
    g_assert_true (g_str_has_prefix (communes_run.out, "77284\tMeaux\t77100\n"));
    g_assert_cmpint (none.status, ==, 1);
  }

  {
    g_auto(Run) exported = cli ("export", "--category", "ssiad", "--commune", "77288", "--output", csv, NULL);
    g_auto(GStrv) rows = NULL;

    g_assert_cmpint (exported.status, ==, 0);
    g_file_get_contents (csv, &contents, NULL, &error);
    g_assert_no_error (error);
    g_assert_true (g_str_has_prefix (contents, "\xef\xbb\xbf" "FINESS;Nom;"));
    rows = g_strsplit (contents, "\r\n", -1);
    /* Header, the 7 SSIAD of the demo, and nothing after the last CRLF. */
    g_assert_cmpuint (g_strv_length (rows), ==, 1 + 7 + 1);
    for (guint i = 1; i <= 7; i++)
      {
        g_auto(GStrv) fields = g_strsplit (rows[i], ";", -1);

        g_assert_cmpuint (g_strv_length (fields), ==, 8);
        /* A decimal comma, for a French spreadsheet. */
        g_assert_true (g_regex_match_simple ("^[0-9]+,[0-9]{2}$", fields[7], 0, 0));
      }
    /* Melun's own SSIAD is in Dammarie-les-Lys, and covers Melun. */
    g_assert_true (g_str_has_prefix (rows[1], "770900017;SSIAD du Val de Seine;"));
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  db_path = g_build_filename (g_getenv ("CERCLE_TEST_TMPDIR"), "cli.db", NULL);
  g_test_add_func ("/directory/cli/usage", test_usage);
  g_test_add_func ("/directory/cli/import-and-search", test_import_and_search);

  return g_test_run ();
}
