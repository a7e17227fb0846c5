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

/* Runs cercle-cli with @args (NULL-terminated) under @locale (NULL: the
 * wrapper's C.UTF-8), its catalogue from the build tree. */
static Run
run_cli (const char         *locale,
         const char * const *args)
{
  g_autofree char *exe = g_build_filename (g_getenv ("CERCLE_BUILD_DIR"), "src", "cli", "cercle-cli", NULL);
  g_autofree char *localedir = g_build_filename (g_getenv ("CERCLE_BUILD_DIR"), "po", NULL);
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                                                       | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  Run run = { 0 };

  g_subprocess_launcher_setenv (launcher, "CERCLE_LOCALEDIR", localedir, TRUE);
  if (locale)
    {
      g_subprocess_launcher_setenv (launcher, "LC_ALL", locale, TRUE);
      g_subprocess_launcher_unsetenv (launcher, "LANGUAGE");
    }
  g_ptr_array_add (argv, exe);
  for (guint i = 0; args[i]; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);

  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &run.out, &run.err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  run.status = g_subprocess_get_exit_status (process);
  return run;
}

static Run
cli_v (const char *locale,
       const char *first,
       va_list     ap)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();

  g_ptr_array_add (args, (char *) "--db");
  g_ptr_array_add (args, db_path);
  g_ptr_array_add (args, (char *) "directory");
  for (const char *a = first; a; a = va_arg (ap, const char *))
    g_ptr_array_add (args, (char *) a);
  g_ptr_array_add (args, NULL);
  return run_cli (locale, (const char * const *) args->pdata);
}

static Run
cli (const char *first, ...)
{
  va_list ap;
  Run run;

  va_start (ap, first);
  run = cli_v (NULL, first, ap);
  va_end (ap);
  return run;
}

static Run
cli_fr (const char *first, ...)
{
  va_list ap;
  Run run;

  va_start (ap, first);
  run = cli_v ("fr_FR.UTF-8", first, ap);
  va_end (ap);
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

    g_assert_cmpint (unknown.status, ==, 2);
    g_assert_nonnull (strstr (unknown.err, "99999"));
    g_assert_nonnull (strstr (unknown.err, "directory communes"));
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

        g_assert_cmpuint (g_strv_length (fields), ==, 9);
        /* A decimal comma, for a French spreadsheet. */
        g_assert_true (g_regex_match_simple ("^[0-9]+,[0-9]{2}$", fields[7], 0, 0));
        g_assert_true (g_str_equal (fields[8], "oui") || g_str_equal (fields[8], "non"));
      }
    /* Melun's own SSIAD is in Dammarie-les-Lys, and covers Melun; the
     * codes are quoted so that a spreadsheet keeps them as text. */
    g_assert_true (g_str_has_prefix (rows[1], "\"770900017\";SSIAD du Val de Seine;"));
    g_assert_true (g_str_has_suffix (rows[1], ";oui"));
  }
}

/* Bad input: a clear error, a non-zero status, nothing written. */
static void
test_bad_input (void)
{
  g_autofree char *demo = g_strdup (g_getenv ("CERCLE_DEMO_DIR"));
  g_autofree char *missing_db = g_build_filename (g_getenv ("CERCLE_TEST_TMPDIR"), "no-such-folder", "x.db", NULL);
  g_autofree char *communes = g_build_filename (demo, "communes-demo.csv", NULL);
  g_autofree char *gz = g_build_filename (g_getenv ("CERCLE_TEST_TMPDIR"), "cut.csv.gz", NULL);
  g_autofree char *contents = NULL;
  g_autoptr(GZlibCompressor) gzip = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, 6);
  g_autoptr(GError) error = NULL;
  char packed[8192];
  gsize read = 0, written = 0;
  gsize len;

  {
    g_auto(Run) demo_run = cli ("demo", demo, NULL);

    g_assert_cmpint (demo_run.status, ==, 0);
  }
  for (guint i = 0; i < 2; i++)
    {
      const char *typo = i == 0 ? "999" : "ssiadd";
      g_auto(Run) run = cli ("nearest", "--commune", "77288", "--category", typo, NULL);

      g_assert_cmpint (run.status, ==, 2);
      g_assert_nonnull (strstr (run.err, typo));
      g_assert_nonnull (strstr (run.err, "ssiad (354)"));
      g_assert_nonnull (strstr (run.err, "directory categories"));
      g_assert_cmpstr (run.out, ==, "");
    }
  {
    /* A slip in a name: nothing matches, the closest names are shown. */
    g_auto(Run) slip = cli ("communes", "melum", NULL);

    g_assert_cmpint (slip.status, ==, 1);
    g_assert_cmpstr (slip.out, ==, "");
    g_assert_nonnull (strstr (slip.err, "\n  77288\tMelun\t77000\n"));
  }
  {
    g_auto(Run) categories = cli ("categories", NULL);
    g_auto(Run) other_code = cli ("nearest", "--commune", "77288", "--category", "354,500", "--format", "tsv", NULL);

    g_assert_cmpint (categories.status, ==, 0);
    g_assert_true (g_str_has_prefix (categories.out, "ssiad\t354\tService de soins infirmiers à domicile (SSIAD)\n"));
    g_assert_nonnull (strstr (categories.out, "\nehpad\t500\t"));
    g_assert_cmpint (other_code.status, ==, 0);
  }
  {
    g_auto(Run) zero = cli ("nearest", "--commune", "77288", "--limit", "0", NULL);
    g_auto(Run) zero_export = cli ("export", "--commune", "77288", "--limit", "0", "--output", "x.csv", NULL);
    g_auto(Run) negative = cli ("nearest", "--commune", "77288", "--max-km", "-5", NULL);

    g_assert_cmpint (zero.status, ==, 2);
    g_assert_nonnull (strstr (zero.err, "--limit"));
    g_assert_cmpint (zero_export.status, ==, 2);
    g_assert_false (g_file_test ("x.csv", G_FILE_TEST_EXISTS));
    g_assert_cmpint (negative.status, ==, 2);
    g_assert_nonnull (strstr (negative.err, "--max-km"));
  }
  {
    /* A postcode or a name where an INSEE code goes. */
    g_auto(Run) postcode = cli ("nearest", "--commune", "77000", NULL);
    g_auto(Run) name = cli ("nearest", "--commune", "Melun", NULL);

    g_assert_cmpint (postcode.status, ==, 2);
    g_assert_nonnull (strstr (postcode.err, "INSEE"));
    g_assert_nonnull (strstr (postcode.err, "cercle-cli directory communes 77000"));
    g_assert_nonnull (strstr (postcode.err, "\n  77288\tMelun\t77000"));
    g_assert_cmpint (name.status, ==, 2);
    g_assert_nonnull (strstr (name.err, "77288\tMelun"));
  }
  {
    /* --db in a folder that does not exist: an error, no new file. */
    const char *before[] = { "--db", missing_db, "directory", "communes", "mel", NULL };
    const char *after[] = { "directory", "communes", "--db", missing_db, "mel", NULL };
    g_auto(Run) run_before = run_cli (NULL, before);
    g_auto(Run) run_after = run_cli (NULL, after);

    g_assert_cmpint (run_before.status, ==, 1);
    g_assert_nonnull (strstr (run_before.err, "no-such-folder"));
    g_assert_cmpint (run_after.status, ==, 1);
    g_assert_nonnull (strstr (run_after.err, "no-such-folder"));
    g_assert_false (g_file_test (missing_db, G_FILE_TEST_EXISTS));
  }
  {
    /* --db after the command is the same --db. */
    const char *after[] = { "directory", "nearest", "--db", db_path, "--commune", "77288", "--category", "ssiad",
                            "--format", "tsv", NULL };
    const char *equals[] = { "directory", "communes", "melun", "--db=", NULL };
    g_autofree char *with_equals = g_strconcat ("--db=", db_path, NULL);
    g_auto(Run) run = run_cli (NULL, after);
    g_auto(Run) run_equals = { 0 };

    equals[3] = with_equals;
    run_equals = run_cli (NULL, equals);
    g_assert_cmpint (run.status, ==, 0);
    g_assert_true (g_str_has_prefix (run.out, "770900017\t"));
    g_assert_cmpint (run_equals.status, ==, 0);
    g_assert_true (g_str_has_prefix (run_equals.out, "77288\tMelun\t77000\n"));
  }
  {
    /* A gzip file cut short (an interrupted download). */
    g_auto(Run) cut = { 0 };

    g_file_get_contents (communes, &contents, &len, &error);
    g_assert_no_error (error);
    g_assert_cmpint (g_converter_convert (G_CONVERTER (gzip), contents, len, packed, sizeof packed,
                                          G_CONVERTER_INPUT_AT_END, &read, &written, &error),
                     ==, G_CONVERTER_FINISHED);
    g_assert_no_error (error);
    g_file_set_contents (gz, packed, written / 2, &error);
    g_assert_no_error (error);
    cut = cli ("import", gz, NULL);
    g_assert_cmpint (cut.status, ==, 1);
    g_assert_nonnull (strstr (cut.err, "truncated compressed file"));
    g_assert_null (strstr (cut.err, "Need more input"));
  }
  {
    g_auto(Run) cut_fr = cli_fr ("import", gz, NULL);

    g_assert_cmpint (cut_fr.status, ==, 1);
    g_assert_nonnull (strstr (cut_fr.err, "fichier compressé tronqué"));
  }
}

/* French under a French locale, English under C; numbers as the locale
 * writes them, except where scripts read them (tsv, json). */
static void
test_locale (void)
{
  g_autofree char *cog = g_build_filename (g_getenv ("CERCLE_SHARED_DATA"), "communes", "communes-cog.json.gz", NULL);
  g_autofree char *fr_db = g_build_filename (g_getenv ("CERCLE_TEST_TMPDIR"), "cli-fr.db", NULL);
  const char *import_args[] = { "--db", fr_db, "directory", "import", cog, NULL };
  const char *version_args[] = { "--version", NULL };
  const char *top_help[] = { "--help", NULL };
  g_auto(Run) help_fr = cli_fr ("nearest", "--help", NULL);
  g_auto(Run) help_c = cli ("nearest", "--help", NULL);
  g_auto(Run) top_fr = run_cli ("fr_FR.UTF-8", top_help);
  g_auto(Run) typo_fr = cli_fr ("nearest", "--commune", "77288", "--category", "ssiadd", NULL);
  g_auto(Run) typo_c = cli ("nearest", "--commune", "77288", "--category", "ssiadd", NULL);
  g_auto(Run) text_fr = cli_fr ("nearest", "--commune", "77288", "--category", "ssiad", "--limit", "1", NULL);
  g_auto(Run) tsv_fr = cli_fr ("nearest", "--commune", "77288", "--category", "ssiad", "--format", "tsv", NULL);
  g_auto(Run) json_fr = cli_fr ("nearest", "--at", "48.5394,2.6553", "--limit", "5", "--format", "json", NULL);
  g_auto(Run) imported = run_cli ("fr_FR.UTF-8", import_args);
  g_auto(Run) version = run_cli (NULL, version_args);
  g_auto(GStrv) lines = NULL;

  /* --help: our texts and GLib's, in French. */
  g_assert_cmpint (help_fr.status, ==, 0);
  g_assert_nonnull (strstr (help_fr.out, "Utilisation"));
  g_assert_nonnull (strstr (help_fr.out, "La commune du patient"));
  g_assert_nonnull (strstr (help_fr.out, "code INSEE de la commune"));  /* the tsv columns */
  g_assert_null (strstr (help_fr.out, "The patient’s commune"));
  g_assert_nonnull (strstr (help_c.out, "The patient’s commune"));
  g_assert_nonnull (strstr (help_c.out, "tsv: one structure a line"));
  g_assert_nonnull (strstr (top_fr.out, "Commandes"));
  g_assert_nonnull (strstr (typo_fr.err, "Catégorie inconnue « ssiadd »"));
  g_assert_nonnull (strstr (typo_c.err, "Unknown category “ssiadd”"));
  g_assert_true (g_regex_match_simple ("[0-9],[0-9](\\s|\u00a0|\u202f)km", text_fr.out, 0, 0));

  /* tsv keeps its columns and its dot under a French locale. */
  g_assert_cmpint (tsv_fr.status, ==, 0);
  lines = g_strsplit (tsv_fr.out, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), >=, 2);
  {
    g_auto(GStrv) fields = g_strsplit (lines[0], "\t", -1);

    g_assert_cmpuint (g_strv_length (fields), ==, 5);
    g_assert_cmpstr (fields[0], ==, "770900017");
    g_assert_true (g_regex_match_simple ("^[0-9]+\\.[0-9]{3}$", fields[4], 0, 0));
  }

  /* JSON: the shortest number that reads back the same, a dot. */
  g_assert_cmpint (json_fr.status, ==, 0);
  g_assert_false (g_regex_match_simple ("[0-9]\\.[0-9]{12,}", json_fr.out, 0, 0));
  g_assert_false (g_regex_match_simple ("[0-9],[0-9]", json_fr.out, 0, 0));
  g_assert_nonnull (strstr (json_fr.out, "\"latitude\": 48.5"));
  {
    g_autoptr(JsonParser) parser = json_parser_new ();
    g_autoptr(GError) error = NULL;

    json_parser_load_from_data (parser, json_fr.out, -1, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (json_array_get_length (json_node_get_array (json_parser_get_root (parser))), ==, 5);
  }

  /* The import summary groups thousands the French way: 35 014 communes
   * (glibc's fr_FR separator is a narrow no-break space). */
  g_assert_cmpint (imported.status, ==, 0);
  g_test_message ("%s", imported.out);
  g_assert_true (g_regex_match_simple ("35(\u202f|\u00a0| )014 communes", imported.out, 0, 0));

  g_assert_cmpint (version.status, ==, 0);
  g_assert_true (g_str_has_prefix (version.out, "cercle-cli "));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  db_path = g_build_filename (g_getenv ("CERCLE_TEST_TMPDIR"), "cli.db", NULL);
  g_test_add_func ("/directory/cli/usage", test_usage);
  g_test_add_func ("/directory/cli/import-and-search", test_import_and_search);
  g_test_add_func ("/directory/cli/bad-input", test_bad_input);
  g_test_add_func ("/directory/cli/locale", test_locale);

  return g_test_run ();
}
