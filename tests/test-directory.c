/* test-directory.c — the directory of services: import, search, export
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * On real files: the national FINESS FHIR export (two of its ten files, to
 * stay fast), the FINESS JSON flow sample and La Poste's postcodes, read
 * from $CERCLE_SHARED_DATA; and on the demo directory of data/demo.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "cercle-db.h"
#include "cercle-directory.h"
#include "cercle-directory-import.h"
#include "cercle-geo.h"

static char *
tmp_path (const char *name)
{
  const char *dir = g_getenv ("CERCLE_TEST_TMPDIR");
  g_autofree char *base = g_strdup_printf ("%u-%s", g_random_int (), name);

  return g_build_filename (dir ? dir : g_get_tmp_dir (), base, NULL);
}

static char *
shared (const char *first, ...)
{
  const char *root = g_getenv ("CERCLE_SHARED_DATA");
  g_autoptr(GPtrArray) parts = g_ptr_array_new ();
  va_list ap;

  g_assert_nonnull (root);
  g_ptr_array_add (parts, (char *) root);
  va_start (ap, first);
  for (const char *p = first; p; p = va_arg (ap, const char *))
    g_ptr_array_add (parts, (char *) p);
  va_end (ap);
  g_ptr_array_add (parts, NULL);
  return g_build_filenamev ((char **) parts->pdata);
}

static char *
demo_file (const char *name)
{
  const char *dir = g_getenv ("CERCLE_DEMO_DIR");

  g_assert_nonnull (dir);
  return g_build_filename (dir, name, NULL);
}

static CercleImportReport *
import_paths (CercleDirectory *directory,
              GError         **error,
              ...)
{
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_object_unref);
  va_list ap;

  va_start (ap, error);
  for (const char *p = va_arg (ap, const char *); p; p = va_arg (ap, const char *))
    g_ptr_array_add (files, g_file_new_for_path (p));
  va_end (ap);
  return cercle_directory_import (directory, (GFile **) files->pdata, files->len, NULL, NULL, NULL, error);
}

static void
write_file (const char *path,
            const char *contents)
{
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
}

static void
write_gzip (const char *path,
            const char *contents)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(GFileOutputStream) out = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_NONE, NULL, &error);
  g_autoptr(GZlibCompressor) gzip = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, 6);
  g_autoptr(GOutputStream) zout = g_converter_output_stream_new (G_OUTPUT_STREAM (out), G_CONVERTER (gzip));

  g_assert_no_error (error);
  g_output_stream_write_all (zout, contents, strlen (contents), NULL, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_close (zout, NULL, &error);
  g_assert_no_error (error);
}

/* Everything the directory holds, as one string: to prove that a failed
 * import changed nothing. */
static char *
dump_directory (const char *db_path)
{
  g_autoptr(CercleDb) db = cercle_db_open (db_path, NULL);
  static const char *queries[] = {
    "SELECT finess, name, category_code, address, postcode, city, commune_code, phone,"
    " latitude, longitude, source FROM dir_structure ORDER BY finess",
    "SELECT finess, insee FROM dir_zone ORDER BY finess, insee",
    "SELECT insee, name, postcodes, latitude, longitude FROM dir_commune ORDER BY insee",
    "SELECT count(*) FROM dir_structure_rtree",
    "SELECT count(*) FROM dir_commune_fts",
  };
  GString *s = g_string_new (NULL);

  g_assert_nonnull (db);
  for (guint q = 0; q < G_N_ELEMENTS (queries); q++)
    {
      sqlite3_stmt *stmt = cercle_db_prepare (db, queries[q], NULL);

      g_assert_nonnull (stmt);
      while (sqlite3_step (stmt) == SQLITE_ROW)
        {
          for (int i = 0; i < sqlite3_column_count (stmt); i++)
            {
              const char *t = (const char *) sqlite3_column_text (stmt, i);
              g_string_append_printf (s, "%s|", t ? t : "∅");
            }
          g_string_append_c (s, '\n');
        }
      sqlite3_reset (stmt);
    }
  return g_string_free (s, FALSE);
}

static guint
count_rows (const char *db_path,
            const char *sql)
{
  g_autoptr(CercleDb) db = cercle_db_open (db_path, NULL);
  sqlite3_stmt *stmt = cercle_db_prepare (db, sql, NULL);
  guint n = 0;

  g_assert_nonnull (stmt);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    n = sqlite3_column_int (stmt, 0);
  sqlite3_reset (stmt);
  return n;
}

static gboolean
strv_has (const char * const *strv,
          const char         *s)
{
  return strv && g_strv_contains (strv, s);
}

/* --------------------------------------------------------- projections -- */

static void
test_lambert93_sample (void)
{
  g_autofree char *path = shared ("finess-json-sample", "finess-structures-echantillon-20260813.json.gz", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(GFileInputStream) in = g_file_read (file, NULL, &error);
  g_autoptr(GZlibDecompressor) gunzip = g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP);
  g_autoptr(GInputStream) stream = g_converter_input_stream_new (G_INPUT_STREAM (in), G_CONVERTER (gunzip));
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonArray *pmej;
  guint metropolitan = 0, overseas = 0;
  double worst = 0, worst_overseas = 0;

  g_assert_no_error (error);
  /* The test may hold the sample whole (6 MB); the importer never does. */
  json_parser_load_from_stream (parser, stream, NULL, &error);
  g_assert_no_error (error);
  pmej = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)), "pmej");

  for (guint i = 0; i < json_array_get_length (pmej); i++)
    {
      JsonArray *eges = json_object_get_array_member (json_array_get_object_element (pmej, i), "ege");

      for (guint j = 0; j < json_array_get_length (eges); j++)
        {
          JsonObject *ege = json_array_get_object_element (eges, j);
          JsonArray *addresses = json_object_get_array_member (ege, "adresse");

          for (guint k = 0; addresses && k < json_array_get_length (addresses); k++)
            {
              JsonObject *address = json_array_get_object_element (addresses, k);
              JsonNode *node = json_object_get_member (address, "coordonneesGeographique");
              JsonObject *c;
              const char *insee = json_object_get_string_member_with_default (address, "cogCommune", "");
              double v[4], lat, lon, e, n, want_lat, want_lon, d;
              const char *names[4] = { "coordonneeX", "coordonneeY", "directionLongitude", "directionLatitude" };
              gboolean projected;

              if (node == NULL || JSON_NODE_HOLDS_NULL (node))
                continue;
              c = json_node_get_object (node);
              for (int m = 0; m < 4; m++)
                v[m] = g_ascii_strtod (json_object_get_string_member (c, names[m]), NULL);
              /* Which pair is which, by range, as the importer does. */
              if (fabs (v[0]) <= 180)
                {
                  want_lon = v[0], want_lat = v[1], e = v[2], n = v[3];
                }
              else
                {
                  e = v[0], n = v[1], want_lon = v[2], want_lat = v[3];
                }

              if (g_str_has_prefix (insee, "97"))
                {
                  char en[G_ASCII_DTOSTR_BUF_SIZE], no[G_ASCII_DTOSTR_BUF_SIZE];

                  /* Only the projected pair: the importer picks UTM. */
                  g_ascii_dtostr (en, sizeof en, e);
                  g_ascii_dtostr (no, sizeof no, n);
                  g_assert_true (cercle_directory_parse_coordinates (insee, NULL, NULL, en, no, &lat, &lon, &projected));
                  g_assert_true (projected);
                  d = cercle_geo_distance_km (lat, lon, want_lat, want_lon) * 1000.0;
                  worst_overseas = MAX (worst_overseas, d);
                  overseas++;
                  continue;
                }

              g_assert_true (cercle_geo_lambert93_to_wgs84 (e, n, &lat, &lon));
              d = cercle_geo_distance_km (lat, lon, want_lat, want_lon) * 1000.0;
              if (d >= 1.0)
                g_test_message ("%s: %.3f m off", insee, d);
              g_assert_cmpfloat (d, <, 1.0);
              worst = MAX (worst, d);
              metropolitan++;
            }
        }
    }

  g_test_message ("%u metropolitan addresses, worst %.3f m; %u overseas (UTM), worst %.3f m",
                  metropolitan, worst, overseas, worst_overseas);
  g_assert_cmpuint (metropolitan, >, 1000);
  g_assert_cmpuint (overseas, >, 0);
  g_assert_cmpfloat (worst_overseas, <, 1.0);
}

static void
test_geo_distance (void)
{
  double min_lat, max_lat, min_lon, max_lon;

  /* Melun → Meaux, about 47 km as the crow flies. */
  g_assert_cmpfloat_with_epsilon (cercle_geo_distance_km (48.5397, 2.6590, 48.9600, 2.8790), 49.5, 1.0);
  g_assert_cmpfloat (cercle_geo_distance_km (48.5, 2.6, 48.5, 2.6), ==, 0.0);
  /* The box holds the circle: its corners are farther than the radius,
   * its edge midpoints at the radius. */
  cercle_geo_bounding_box (48.5, 2.6, 10.0, &min_lat, &max_lat, &min_lon, &max_lon);
  g_assert_cmpfloat_with_epsilon (cercle_geo_distance_km (48.5, 2.6, max_lat, 2.6), 10.0, 1e-6);
  g_assert_cmpfloat (cercle_geo_distance_km (48.5, 2.6, 48.5, max_lon), >=, 10.0 - 1e-6);
  g_assert_false (cercle_geo_lambert93_to_wgs84 (48.5, 2.6, &min_lat, &min_lon));
}

/* ----------------------------------------------------------- importing -- */

static void
test_import_finess_json (void)
{
  g_autofree char *db = tmp_path ("json.db");
  g_autofree char *sample = shared ("finess-json-sample", "finess-structures-echantillon-20260813.json.gz", NULL);
  g_autoptr(CercleDirectory) directory = cercle_directory_new (db);
  g_autoptr(CercleImportReport) report = NULL;
  g_autoptr(CercleStructure) swapped = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) reasons = NULL;

  report = import_paths (directory, &error, sample, NULL);
  g_assert_no_error (error);
  /* 1,753 sites in the sample: 841 open, 912 closed (not imported). */
  g_assert_cmpuint (cercle_import_report_get_structures (report), ==, 841);
  reasons = cercle_import_report_dup_skip_reasons (report);
  g_assert_true (strv_has ((const char * const *) reasons, "closed site: 912"));
  g_assert_cmpuint (count_rows (db, "SELECT count(*) FROM dir_structure"), ==, 841);

  /* The record whose pairs are swapped (X/Y hold Lambert-93) still gets
   * its WGS84 position. */
  swapped = cercle_directory_get_structure (directory, "010001642", &error);
  if (swapped == NULL)
    {
      g_autoptr(CercleDb) handle = cercle_db_open (db, NULL);
      sqlite3_stmt *stmt = cercle_db_prepare (handle,
                                              "SELECT finess FROM dir_structure WHERE commune_code = '01004'"
                                              " AND abs (latitude - 45.958916) < 1e-6", NULL);

      g_clear_error (&error);
      g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
      swapped = cercle_directory_get_structure (directory, (const char *) sqlite3_column_text (stmt, 0), &error);
      sqlite3_reset (stmt);
    }
  g_assert_no_error (error);
  g_assert_cmpfloat_with_epsilon (cercle_structure_get_latitude (swapped), 45.958916, 1e-9);
  g_assert_cmpfloat_with_epsilon (cercle_structure_get_longitude (swapped), 5.358366, 1e-9);
  g_assert_cmpstr (cercle_structure_get_commune_code (swapped), ==, "01004");
}

static const char lambert_only[] =
  "{\n"
  "  \"schemaVersion\": \"v1.0.0\",\n"
  "  \"pmej\": [\n"
  "    { \"informationsGeneralesPMEJ\": { \"numFinessPm\": \"770000000\" },\n"
  "      \"ege\": [\n"
  "        { \"informationsGeneralesEGE\": { \"numFinessEge\": \"770900983\", \"nomEgeLong\": \"SITE LAMBERT\","
  " \"dateFermeture\": null },\n"
  "          \"categorieentiteGeographiqueExercice\": \"354\",\n"
  "          \"adresse\": [ { \"usageAdresse\": \"03\", \"cogCommune\": \"77288\", \"codePostal\": \"77000\",\n"
  "            \"ligneAcheminement\": \"MELUN\", \"ligneQuatre\": \"1 RUE DU TEST\",\n"
  "            \"coordonneesGeographique\": { \"directionLongitude\": \"674500.00\","
  " \"directionLatitude\": \"6825000.00\", \"coordonneeX\": null, \"coordonneeY\": null } } ],\n"
  "          \"contact\": [ { \"telecom\": { \"telephone\": \"0199009999\" } } ],\n"
  "          \"etatObjet\": \"A\" },\n"
  "        { \"informationsGeneralesEGE\": { \"numFinessEge\": \"770900984\", \"nomEgeLong\": \"BAD KEY\" },\n"
  "          \"etatObjet\": \"A\" },\n"
  "        { \"informationsGeneralesEGE\": { \"numFinessEge\": \"770900991\", \"nomEgeLong\": \"BROKEN\" }\n"
  "          \"etatObjet\": \"A\" }\n"
  "      ] }\n"
  "  ]\n"
  "}\n";

static void
test_import_lambert_only (void)
{
  g_autofree char *db = tmp_path ("lambert.db");
  g_autofree char *path = tmp_path ("finess-lambert.json");
  g_autoptr(CercleDirectory) directory = cercle_directory_new (db);
  g_autoptr(CercleImportReport) report = NULL;
  g_autoptr(CercleStructure) site = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *base = NULL;
  g_autofree char *bad_key = NULL;
  g_autofree char *broken = NULL;
  const char * const *messages;
  double lat, lon;

  write_file (path, lambert_only);
  report = import_paths (directory, &error, path, NULL);
  g_assert_no_error (error);
  g_assert_cmpuint (cercle_import_report_get_structures (report), ==, 1);
  g_assert_cmpuint (cercle_import_report_get_skipped (report), ==, 2);

  site = cercle_directory_get_structure (directory, "770900983", &error);
  g_assert_no_error (error);
  g_assert_true (cercle_geo_lambert93_to_wgs84 (674500.0, 6825000.0, &lat, &lon));
  g_assert_cmpfloat_with_epsilon (cercle_structure_get_latitude (site), lat, 1e-12);
  g_assert_cmpfloat_with_epsilon (cercle_structure_get_longitude (site), lon, 1e-12);
  /* Near Melun, which is what those figures are. */
  g_assert_cmpfloat (cercle_geo_distance_km (lat, lon, 48.5397, 2.6590), <, 5.0);
  g_assert_cmpstr (cercle_structure_get_phone (site), ==, "0199009999");
  g_assert_cmpstr (cercle_structure_get_category_label (site), ==, "Service de soins infirmiers à domicile (SSIAD)");

  /* Each record at the line it starts on. */
  base = g_path_get_basename (path);
  bad_key = g_strdup_printf ("%s:13: ", base);
  broken = g_strdup_printf ("%s:15: ", base);
  messages = cercle_import_report_get_messages (report);
  g_assert_cmpuint (g_strv_length ((char **) messages), ==, 2);
  g_assert_true (g_str_has_prefix (messages[0], bad_key));
  g_assert_nonnull (strstr (messages[0], "770900984"));
  g_assert_true (g_str_has_prefix (messages[1], broken));
}

static const char malformed_ndjson[] =
  /* 1 */ "{\"resourceType\":\"Organization\",\"id\":\"o1\",\"identifier\":[{\"system\":\"urn:oid:1.2.250.1.71.4.2.2\","
          "\"type\":{\"coding\":[{\"code\":\"FINEG\"}]},\"value\":\"770900017\"}],\"name\":\"Un\","
          "\"type\":[{\"coding\":[{\"system\":\"http://finess.sante.gouv.fr/valuesets/CAT_ETAB\",\"code\":\"354\","
          "\"display\":\"SSIAD\"}]}],\"address\":[{\"postalCode\":\"77000\",\"city\":\"MELUN\"}]}\n"
  /* 2 */ "{\"resourceType\":\"Location\",\"managingOrganization\":{\"reference\":\"Organization/o1\"},"
          "\"position\":{\"latitude\":48.54,\"longitude\":2.66}}\n"
  /* 3 */ "{\"resourceType\":\"Organization\",\"id\":\"o2\",\"name\":\n"
  /* 4 */ "\n"
  /* 5 */ "{\"resourceType\":\"Organization\",\"id\":\"o3\",\"identifier\":[{\"system\":\"urn:oid:1.2.250.1.71.4.2.2\","
          "\"value\":\"770900018\"}],\"name\":\"Mauvaise clé\"}\n"
  /* 6 */ "{\"resourceType\":\"Location\",\"managingOrganization\":{\"reference\":\"Organization/o1\"},"
          "\"position\":{\"latitude\":148.54,\"longitude\":2.66}}\n"
  /* 7 */ "[1, 2, 3]\n"
  /* 8 */ "{\"resourceType\":\"Organization\",\"id\":\"o4\",\"identifier\":[{\"system\":\"urn:oid:1.2.250.1.71.4.2.2\","
          "\"value\":\"770900025\"}],\"name\":\"Deux\"}\r\n"
  /* 9 */ "{\"resourceType\":\"Location\",\"managingOrganization\":{\"reference\":\"Organization/o4\"},"
          "\"position\":{\"latitude\":48.96,\"longitude\":2.88}}";

static const char malformed_csv[] =
  "Code_commune_INSEE;Nom_commune;Code_postal;Ligne_5;Libellé_d_acheminement;coordonnees_gps\n"
  "77288;MELUN;77000;;MELUN;48.5397,2.6590\n"
  "77288;MELUN;77000\n"
  "7728;NULLE PART;77000;;NULLE PART;48.5,2.6\n"
  "77284;MEAUX;77100;;MEAUX;48.96;2.88\n"
  "77284;MEAUX;77100;;MEAUX;48.9600,2.8790\n"
  "77284;MEAUX;77109;;MEAUX;\n";

static void
check_malformed_report (CercleImportReport *report,
                        const char         *ndjson,
                        const char         *csv)
{
  const char * const *messages = cercle_import_report_get_messages (report);
  g_autofree char *nd = g_path_get_basename (ndjson);
  g_autofree char *cs = g_path_get_basename (csv);
  const struct { const char *file; guint line; const char *what; } expected[] = {
    { cs, 3, "wrong number of fields: 3 instead of 6" },
    { cs, 4, "invalid INSEE code: “7728”" },
    { cs, 5, "wrong number of fields: 7 instead of 6" },
    { nd, 3, "invalid JSON" },
    { nd, 5, "invalid FINESS number: “770900018”" },
    { nd, 6, "invalid position" },
    { nd, 7, "not a FHIR resource" },
  };

  for (guint i = 0; messages[i]; i++)
    g_test_message ("%s", messages[i]);
  g_assert_cmpuint (g_strv_length ((char **) messages), ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_autofree char *prefix = g_strdup_printf ("%s:%u: ", expected[i].file, expected[i].line);

      g_assert_true (g_str_has_prefix (messages[i], prefix));
      g_assert_nonnull (strstr (messages[i], expected[i].what));
    }
  /* Two sites, two communes went in all the same. */
  g_assert_cmpuint (cercle_import_report_get_structures (report), ==, 2);
  g_assert_cmpuint (cercle_import_report_get_communes (report), ==, 2);
  g_assert_cmpuint (cercle_import_report_get_skipped (report), ==, G_N_ELEMENTS (expected));
  {
    /* The summary counts the kinds of fault, not each detail. */
    g_auto(GStrv) reasons = cercle_import_report_dup_skip_reasons (report);

    g_assert_true (strv_has ((const char * const *) reasons, "wrong number of fields: 2"));
    g_assert_true (strv_has ((const char * const *) reasons, "invalid JSON: 1"));
  }
}

static void
test_import_malformed (void)
{
  g_autofree char *db = tmp_path ("malformed.db");
  g_autofree char *ndjson = tmp_path ("sites.ndjson");
  g_autofree char *csv = tmp_path ("communes.csv");
  g_autofree char *db_gz = tmp_path ("malformed-gz.db");
  g_autofree char *ndjson_gz = tmp_path ("sites.ndjson.gz");
  g_autofree char *csv_gz = tmp_path ("communes.csv.gz");
  g_autoptr(CercleDirectory) directory = cercle_directory_new (db);
  g_autoptr(CercleDirectory) directory_gz = cercle_directory_new (db_gz);
  g_autoptr(CercleImportReport) report = NULL;
  g_autoptr(CercleImportReport) report_gz = NULL;
  g_autoptr(CercleStructure) one = NULL;
  g_autoptr(CercleCommune) meaux = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *plain_dump = NULL;
  g_autofree char *gz_dump = NULL;

  write_file (ndjson, malformed_ndjson);
  write_file (csv, malformed_csv);
  report = import_paths (directory, &error, csv, ndjson, NULL);
  g_assert_no_error (error);
  check_malformed_report (report, ndjson, csv);

  /* The site got its position and, from the communes, its INSEE code. */
  one = cercle_directory_get_structure (directory, "770900017", &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (cercle_structure_get_latitude (one), ==, 48.54);
  g_assert_cmpstr (cercle_structure_get_commune_code (one), ==, "77288");
  g_assert_cmpstr (cercle_structure_get_category_label (one), ==, "SSIAD");
  meaux = cercle_directory_get_commune (directory, "77284", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cercle_commune_get_postcodes (meaux), ==, "77100, 77109");

  /* The same files gzipped: the same directory, the same report. */
  write_gzip (ndjson_gz, malformed_ndjson);
  write_gzip (csv_gz, malformed_csv);
  report_gz = import_paths (directory_gz, &error, csv_gz, ndjson_gz, NULL);
  g_assert_no_error (error);
  check_malformed_report (report_gz, ndjson_gz, csv_gz);
  plain_dump = dump_directory (db);
  gz_dump = dump_directory (db_gz);
  g_assert_cmpstr (plain_dump, ==, gz_dump);
}

typedef struct {
  GCancellable *cancellable;
  double        at;
  guint         calls;
} CancelAt;

static void
cancel_at (double   fraction,
           gpointer user_data)
{
  CancelAt *c = user_data;

  c->calls++;
  if (fraction >= c->at)
    g_cancellable_cancel (c->cancellable);
}

static void
test_import_atomic (void)
{
  g_autofree char *db = tmp_path ("atomic.db");
  g_autofree char *national = shared ("finess-fhir", "etab0-10000.ndjson.gz", NULL);
  g_autofree char *truncated = tmp_path ("truncated.ndjson.gz");
  g_autofree char *notes = tmp_path ("notes.txt");
  g_autoptr(CercleDirectory) directory = cercle_directory_new (db);
  g_autoptr(GError) error = NULL;
  g_autoptr(CercleImportReport) report = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *contents = NULL;
  g_autoptr(GFile) file = g_file_new_for_path (national);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  CancelAt cancel = { cancellable, 0.3, 0 };
  gsize len;

  g_assert_true (cercle_directory_ensure_demo (directory, g_getenv ("CERCLE_DEMO_DIR"), &error));
  g_assert_no_error (error);
  before = dump_directory (db);
  g_assert_cmpuint (count_rows (db, "SELECT count(*) FROM dir_structure WHERE source = 'demo'"), ==, 41);

  /* A good file then a broken gzip (cut in the middle): nothing of the
   * good file stays, the demo is still there. */
  g_file_get_contents (national, &contents, &len, &error);
  g_assert_no_error (error);
  g_file_set_contents (truncated, contents, len / 2, &error);
  g_assert_no_error (error);
  report = import_paths (directory, &error, national, truncated, NULL);
  g_assert_null (report);
  g_assert_nonnull (error);
  g_test_message ("truncated gzip: %s", error->message);
  g_clear_error (&error);
  after = dump_directory (db);
  g_assert_cmpstr (before, ==, after);
  g_clear_pointer (&after, g_free);

  /* A file that is no directory at all. */
  write_file (notes, "Some notes, not a directory.\n");
  report = import_paths (directory, &error, national, notes, NULL);
  g_assert_null (report);
  g_assert_error (error, CERCLE_DIRECTORY_ERROR, CERCLE_DIRECTORY_ERROR_FORMAT);
  g_clear_error (&error);
  after = dump_directory (db);
  g_assert_cmpstr (before, ==, after);
  g_clear_pointer (&after, g_free);

  /* Cancelled a third of the way. */
  report = cercle_directory_import (directory, &file, 1, cancel_at, &cancel, cancellable, &error);
  g_assert_null (report);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (cancel.calls, >, 1);
  after = dump_directory (db);
  g_assert_cmpstr (before, ==, after);
}

static void
test_import_killed (void)
{
  g_autofree char *db = tmp_path ("killed.db");
  g_autofree char *cli = g_build_filename (g_getenv ("CERCLE_BUILD_DIR"), "src", "cli", "cercle-cli", NULL);
  g_autofree char *f1 = shared ("finess-fhir", "etab0-10000.ndjson.gz", NULL);
  g_autofree char *f2 = shared ("finess-fhir", "etab10001-20000.ndjson.gz", NULL);
  g_autofree char *f3 = shared ("finess-fhir", "etab20001-30000.ndjson.gz", NULL);
  g_autoptr(CercleDirectory) directory = cercle_directory_new (db);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *wal = g_strconcat (db, "-wal", NULL);
  GStatBuf st;
  int waited = 0;

  g_assert_true (cercle_directory_ensure_demo (directory, g_getenv ("CERCLE_DEMO_DIR"), &error));
  g_assert_no_error (error);
  g_clear_object (&directory);
  before = dump_directory (db);

  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error,
                              cli, "--db", db, "directory", "import", f1, f2, f3, NULL);
  g_assert_no_error (error);
  /* Killed once it has written a good part of its transaction to the
   * write-ahead log (a few MB), well before it can commit. */
  while (waited < 20000 && (g_stat (wal, &st) != 0 || st.st_size < 2 * 1024 * 1024))
    {
      g_usleep (5000);
      waited += 5;
    }
  g_assert_true (g_stat (wal, &st) == 0);
  g_test_message ("killed with a %.1f MB WAL after %d ms", st.st_size / 1048576.0, waited);
  g_subprocess_force_exit (process);
  g_subprocess_wait (process, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_signaled (process));

  after = dump_directory (db);
  g_assert_cmpstr (before, ==, after);
  g_assert_cmpuint (count_rows (db, "SELECT count(*) FROM pragma_integrity_check WHERE integrity_check <> 'ok'"), ==, 0);
}

/* ------------------------------------------------------------- nearest -- */

typedef struct {
  const char *finess;
  double      distance;
  gint64      id;
} Reference;

static int
compare_references (gconstpointer a,
                    gconstpointer b)
{
  const Reference *x = a, *y = b;

  if (x->distance != y->distance)
    return x->distance < y->distance ? -1 : 1;
  return x->id < y->id ? -1 : x->id > y->id;
}

typedef struct {
  gint64  id;
  char   *finess;
  char   *category;
  double  lat, lon;
} Row;

static void
check_against_brute_force (CercleDirectory    *directory,
                           GArray             *rows,
                           const char * const *categories,
                           double              lat,
                           double              lon,
                           guint               k,
                           double              max_km)
{
  CercleNearestQuery query = { categories, NULL, lat, lon, k, max_km };
  g_autoptr(GListModel) model = NULL;
  g_autoptr(GListModel) scanned = NULL;
  g_autoptr(GArray) want = g_array_new (FALSE, FALSE, sizeof (Reference));
  g_autoptr(GError) error = NULL;
  guint n;

  /* The brute force of the test itself: every row, by distance. */
  for (guint i = 0; i < rows->len; i++)
    {
      Row *r = &g_array_index (rows, Row, i);
      Reference ref = { r->finess, cercle_geo_distance_km (lat, lon, r->lat, r->lon), r->id };

      if (categories && !g_strv_contains (categories, r->category))
        continue;
      if (max_km > 0 && ref.distance > max_km)
        continue;
      g_array_append_val (want, ref);
    }
  g_array_sort (want, compare_references);

  model = cercle_directory_nearest (directory, &query, &error);
  g_assert_no_error (error);
  scanned = cercle_directory_nearest_scan (directory, &query, &error);
  g_assert_no_error (error);
  n = g_list_model_get_n_items (model);
  g_assert_cmpuint (n, ==, MIN (k, want->len));
  g_assert_cmpuint (g_list_model_get_n_items (scanned), ==, n);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(CercleStructure) s = g_list_model_get_item (model, i);
      g_autoptr(CercleStructure) t = g_list_model_get_item (scanned, i);
      Reference *ref = &g_array_index (want, Reference, i);

      g_assert_cmpstr (cercle_structure_get_finess (s), ==, ref->finess);
      g_assert_cmpstr (cercle_structure_get_finess (t), ==, ref->finess);
      g_assert_cmpfloat (cercle_structure_get_distance_km (s), ==, ref->distance);
      g_assert_false (cercle_structure_get_covers_commune (s));
    }
}

static void
row_clear (Row *r)
{
  g_free (r->finess);
  g_free (r->category);
}

static void
test_nearest_brute_force (void)
{
  g_autofree char *db = tmp_path ("national.db");
  g_autofree char *f1 = shared ("finess-fhir", "etab0-10000.ndjson.gz", NULL);
  g_autofree char *f2 = shared ("finess-fhir", "etab50001-60000.ndjson.gz", NULL);
  g_autoptr(CercleDirectory) directory = cercle_directory_new (db);
  g_autoptr(CercleImportReport) report = NULL;
  g_autoptr(GArray) rows = g_array_new (FALSE, FALSE, sizeof (Row));
  g_autoptr(GRand) rand = g_rand_new_with_seed (77288);
  g_autoptr(GError) error = NULL;
  const char * const ssiad[] = { "354", NULL };
  const char * const home[] = { "354", "209", "460", "127", NULL };
  g_autoptr(CercleDb) handle = NULL;
  sqlite3_stmt *stmt;

  g_array_set_clear_func (rows, (GDestroyNotify) row_clear);
  report = import_paths (directory, &error, f1, f2, NULL);
  g_assert_no_error (error);
  g_assert_cmpuint (cercle_import_report_get_structures (report), ==, 10000 + 9999);

  handle = cercle_db_open (db, NULL);
  stmt = cercle_db_prepare (handle, "SELECT id, finess, category_code, latitude, longitude FROM dir_structure"
                                    " WHERE latitude IS NOT NULL", NULL);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      Row r = { sqlite3_column_int64 (stmt, 0), g_strdup ((const char *) sqlite3_column_text (stmt, 1)),
                g_strdup ((const char *) sqlite3_column_text (stmt, 2)),
                sqlite3_column_double (stmt, 3), sqlite3_column_double (stmt, 4) };
      g_array_append_val (rows, r);
    }
  sqlite3_reset (stmt);
  g_assert_cmpuint (rows->len, >, 19000);

  /* 200 points: around random sites of the file (where patients are) and
   * anywhere in metropolitan France (sea and borders included). */
  for (guint i = 0; i < 200; i++)
    {
      double lat, lon;

      if (i % 2 == 0)
        {
          Row *r = &g_array_index (rows, Row, g_rand_int_range (rand, 0, rows->len));

          lat = r->lat + g_rand_double_range (rand, -0.05, 0.05);
          lon = r->lon + g_rand_double_range (rand, -0.07, 0.07);
        }
      else
        {
          lat = g_rand_double_range (rand, 41.3, 51.1);
          lon = g_rand_double_range (rand, -5.2, 9.6);
        }
      check_against_brute_force (directory, rows, ssiad, lat, lon, 20, 0);
      check_against_brute_force (directory, rows, NULL, lat, lon, 20, 0);
      if (i % 10 == 0)
        {
          check_against_brute_force (directory, rows, home, lat, lon, 50, 0);
          check_against_brute_force (directory, rows, NULL, lat, lon, 20, 3.0);
          check_against_brute_force (directory, rows, ssiad, lat, lon, 1000, 0);
        }
    }

  /* FINESS alone has no communes: a search by commune says what to do. */
  {
    CercleNearestQuery by_commune = { ssiad, "01053", 0, 0, 5, 0 };
    g_autoptr(GListModel) none = cercle_directory_nearest (directory, &by_commune, &error);

    g_assert_null (none);
    g_assert_error (error, CERCLE_DIRECTORY_ERROR, CERCLE_DIRECTORY_ERROR_UNKNOWN_COMMUNE);
    g_assert_nonnull (strstr (error->message, "laposte_hexasmal.csv"));
  }
}

static void
test_nearest_zone_first (void)
{
  g_autofree char *db = tmp_path ("zones.db");
  g_autoptr(CercleDirectory) directory = cercle_directory_new (db);
  g_autoptr(GListModel) model = NULL;
  g_autoptr(GListModel) no_zone = NULL;
  g_autoptr(GError) error = NULL;
  const char * const ssiad[] = { "354", NULL };
  /* Boissise-le-Roi: the SSIAD in Dammarie-les-Lys is the nearest, but
   * the one in Savigny-le-Temple covers the commune. */
  CercleNearestQuery query = { ssiad, "77040", 0, 0, 5, 0 };
  CercleNearestQuery at_point = { ssiad, NULL, 48.525, 2.57, 5, 0 };
  double last = -1;

  g_assert_true (cercle_directory_ensure_demo (directory, g_getenv ("CERCLE_DEMO_DIR"), &error));
  g_assert_no_error (error);

  model = cercle_directory_nearest (directory, &query, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 5);
  for (guint i = 0; i < 5; i++)
    {
      g_autoptr(CercleStructure) s = g_list_model_get_item (model, i);

      g_test_message ("%u. %s %.2f km%s", i + 1, cercle_structure_get_name (s),
                      cercle_structure_get_distance_km (s),
                      cercle_structure_get_covers_commune (s) ? " (covers)" : "");
      if (i == 0)
        {
          g_assert_cmpstr (cercle_structure_get_name (s), ==, "SSIAD ADMR Brie et Seine");
          g_assert_true (cercle_structure_get_covers_commune (s));
          g_assert_true (strv_has (cercle_structure_get_zone (s), "77040"));
        }
      else
        {
          g_assert_false (cercle_structure_get_covers_commune (s));
          g_assert_cmpfloat (cercle_structure_get_distance_km (s), >=, last);
          last = cercle_structure_get_distance_km (s);
          g_assert_false (strv_has (cercle_structure_get_zone (s), "77040"));
        }
      if (i == 1)
        {
          g_autoptr(CercleStructure) first = g_list_model_get_item (model, 0);

          /* Nearer than the covering one, and second. */
          g_assert_cmpstr (cercle_structure_get_name (s), ==, "SSIAD du Val de Seine");
          g_assert_cmpfloat (cercle_structure_get_distance_km (s), <, cercle_structure_get_distance_km (first));
        }
    }

  /* Around the same point without a commune: distance only. */
  no_zone = cercle_directory_nearest (directory, &at_point, &error);
  g_assert_no_error (error);
  {
    g_autoptr(CercleStructure) first = g_list_model_get_item (no_zone, 0);

    g_assert_cmpstr (cercle_structure_get_name (first), ==, "SSIAD du Val de Seine");
    g_assert_false (cercle_structure_get_covers_commune (first));
  }

  /* An unknown commune is an error the UI can show. */
  query.commune_code = "99999";
  g_clear_object (&model);
  model = cercle_directory_nearest (directory, &query, &error);
  g_assert_null (model);
  g_assert_error (error, CERCLE_DIRECTORY_ERROR, CERCLE_DIRECTORY_ERROR_UNKNOWN_COMMUNE);
}

/* ------------------------------------------------------------ communes -- */

static void
assert_first_commune (CercleDirectory *directory,
                      const char      *query,
                      const char      *insee)
{
  g_autoptr(GListModel) model = NULL;
  g_autoptr(CercleCommune) first = NULL;
  g_autoptr(GError) error = NULL;

  model = cercle_directory_find_communes (directory, query, 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (model), >, 0);
  first = g_list_model_get_item (model, 0);
  g_test_message ("“%s” → %s %s (%s)", query, cercle_commune_get_insee_code (first),
                  cercle_commune_get_name (first), cercle_commune_get_postcodes (first));
  g_assert_cmpstr (cercle_commune_get_insee_code (first), ==, insee);
}

static gboolean
model_has_commune (GListModel *model,
                   const char *insee)
{
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(CercleCommune) c = g_list_model_get_item (model, i);

      if (g_strcmp0 (cercle_commune_get_insee_code (c), insee) == 0)
        return TRUE;
    }
  return FALSE;
}

static void
test_communes_lookup (void)
{
  g_autofree char *db = tmp_path ("communes.db");
  g_autofree char *laposte = shared ("communes", "laposte_hexasmal.csv", NULL);
  g_autoptr(CercleDirectory) directory = cercle_directory_new (db);
  g_autoptr(CercleImportReport) report = NULL;
  g_autoptr(GListModel) by_postcode = NULL;
  g_autoptr(GListModel) by_prefix = NULL;
  g_autoptr(CercleCommune) melun = NULL;
  g_autoptr(GError) error = NULL;

  report = import_paths (directory, &error, laposte, NULL);
  g_assert_no_error (error);
  g_assert_cmpuint (cercle_import_report_get_communes (report), ==, 35099);
  g_assert_cmpuint (cercle_import_report_get_skipped (report), ==, 0);

  /* By name, accents and case ignored. */
  assert_first_commune (directory, "meaux", "77284");
  assert_first_commune (directory, "MÉAUX", "77284");
  assert_first_commune (directory, "  Meaux ", "77284");
  assert_first_commune (directory, "fontainebl", "77186");
  /* "Saint" as La Poste writes it ("ST"), typed in full or not. */
  assert_first_commune (directory, "Saint-Fargeau-Ponthierry", "77407");
  assert_first_commune (directory, "st fargeau pont", "77407");
  assert_first_commune (directory, "saint fargeau pont", "77407");
  /* By INSEE code, and by postcode. */
  assert_first_commune (directory, "77288", "77288");
  assert_first_commune (directory, "2A004", "2A004");
  by_postcode = cercle_directory_find_communes (directory, "77100", 20, &error);
  g_assert_no_error (error);
  g_assert_true (model_has_commune (by_postcode, "77284"));
  by_prefix = cercle_directory_find_communes (directory, "7730", 50, &error);
  g_assert_no_error (error);
  g_assert_true (model_has_commune (by_prefix, "77186"));

  melun = cercle_directory_get_commune (directory, "77288", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cercle_commune_get_name (melun), ==, "MELUN");
  g_assert_cmpstr (cercle_commune_get_postcodes (melun), ==, "77000");
  g_assert_cmpfloat_with_epsilon (cercle_commune_get_latitude (melun), 48.544, 0.01);
}

/* -------------------------------------------------------------- export -- */

/* RFC 4180 with ';': the fields of each record. */
static GPtrArray *
parse_csv (const char *text)
{
  GPtrArray *records = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  GStrvBuilder *record = g_strv_builder_new ();
  GString *field = g_string_new (NULL);
  const char *p = text;

  while (*p)
    {
      if (*p == '"')
        {
          for (p++; *p; p++)
            {
              if (*p == '"' && p[1] == '"')
                g_string_append_c (field, *p++);
              else if (*p == '"')
                {
                  p++;
                  break;
                }
              else
                g_string_append_c (field, *p);
            }
          continue;
        }
      if (*p == ';' || (*p == '\r' && p[1] == '\n'))
        {
          g_strv_builder_add (record, field->str);
          g_string_truncate (field, 0);
          if (*p == '\r')
            {
              g_ptr_array_add (records, g_strv_builder_end (record));
              g_strv_builder_unref (record);
              record = g_strv_builder_new ();
              p++;
            }
          p++;
          continue;
        }
      g_assert_true (*p != '\n');  /* every line ends with CRLF */
      g_string_append_c (field, *p++);
    }
  g_strv_builder_unref (record);
  g_string_free (field, TRUE);
  return records;
}

static void
test_export_csv (void)
{
  g_autofree char *path = tmp_path ("export.csv");
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GListStore) store = g_list_store_new (CERCLE_TYPE_STRUCTURE);
  g_autoptr(GPtrArray) records = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  CercleStructureFields tricky = {
    .finess = "770900017", .name = "SSIAD \"Les Aulnes\"; Brie", .category_code = "354",
    .category_label = "Service de soins infirmiers à domicile (SSIAD)", .address = "3 allée des Aulnes\nBâtiment B",
    .postcode = "77176", .commune_code = "77445", .commune_name = "Savigny-le-Temple", .phone = "0199001007",
    .latitude = 48.575, .longitude = 2.581, .distance_km = 5.61834, .covers_commune = TRUE,
  };
  CercleStructureFields plain = {
    .finess = "770900025", .name = "EHPAD Les Glycines", .category_code = "500",
    .postcode = "77000", .commune_name = "Melun", .latitude = NAN, .longitude = NAN, .distance_km = -1,
  };
  g_autoptr(CercleStructure) a = cercle_structure_new_full (&tricky);
  g_autoptr(CercleStructure) b = cercle_structure_new_full (&plain);
  gsize len;

  g_list_store_append (store, a);
  g_list_store_append (store, b);
  g_assert_true (cercle_directory_export_csv_full (G_LIST_MODEL (store), "77445", file, &error));
  g_assert_no_error (error);

  g_file_get_contents (path, &contents, &len, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (contents, "\xef\xbb\xbf"));
  /* Codes quoted (a spreadsheet keeps them as text), nothing added to
   * the value; the phone number grouped as people write it. */
  g_assert_nonnull (strstr (contents, "\r\n\"770900017\";"));
  g_assert_nonnull (strstr (contents, ";\"77176\";Savigny-le-Temple;\"01 99 00 10 07\";5,62;oui\r\n"));
  g_assert_null (strstr (contents, "=\""));
  g_assert_null (strchr (contents, '\t'));
  g_assert_true (g_utf8_validate (contents, len, NULL));
  records = parse_csv (contents + 3);
  g_assert_cmpuint (records->len, ==, 3);
  {
    const char * const header[] = { "FINESS", "Nom", "Catégorie", "Adresse", "Code postal", "Commune",
                                    "Téléphone", "Distance (km)", "Zone couvrant la commune", NULL };
    const char * const first[] = { "770900017", "SSIAD \"Les Aulnes\"; Brie",
                                   "Service de soins infirmiers à domicile (SSIAD)",
                                   "3 allée des Aulnes\nBâtiment B", "77176", "Savigny-le-Temple",
                                   "01 99 00 10 07", "5,62", "oui", NULL };
    const char * const second[] = { "770900025", "EHPAD Les Glycines", "500", "", "77000", "Melun", "", "", "non",
                                    NULL };

    g_assert_cmpstrv (g_ptr_array_index (records, 0), header);
    g_assert_cmpstrv (g_ptr_array_index (records, 1), first);
    g_assert_cmpstrv (g_ptr_array_index (records, 2), second);
  }
}

/* --------------------------------------------------------------- async -- */

typedef struct {
  GMainLoop *loop;
  GThread   *main_thread;
  guint      progress_calls;
  double     last_fraction;
  guint      destroyed;
  GObject   *result;
  GError    *error;
} AsyncState;

static void
on_progress (double   fraction,
             gpointer user_data)
{
  AsyncState *state = user_data;

  g_assert_true (g_thread_self () == state->main_thread);
  g_assert_cmpfloat (fraction, >=, state->last_fraction);
  g_assert_cmpfloat (fraction, <=, 1.0);
  state->last_fraction = fraction;
  state->progress_calls++;
}

static void
on_progress_destroy (gpointer user_data)
{
  AsyncState *state = user_data;

  g_assert_true (g_thread_self () == state->main_thread);
  state->destroyed++;
}

static void
on_imported (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  AsyncState *state = user_data;

  g_assert_true (g_thread_self () == state->main_thread);
  state->result = G_OBJECT (cercle_directory_import_finish (CERCLE_DIRECTORY (source), result, &state->error));
  g_main_loop_quit (state->loop);
}

static void
on_nearest (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  AsyncState *state = user_data;

  state->result = G_OBJECT (cercle_directory_nearest_finish (CERCLE_DIRECTORY (source), result, &state->error));
  g_main_loop_quit (state->loop);
}

static void
on_communes (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  AsyncState *state = user_data;

  state->result = G_OBJECT (cercle_directory_find_communes_finish (CERCLE_DIRECTORY (source), result,
                                                                    &state->error));
  g_main_loop_quit (state->loop);
}

static void
test_async (void)
{
  g_autofree char *db = tmp_path ("async.db");
  g_autofree char *communes = demo_file ("communes-demo.csv");
  g_autofree char *structures = demo_file ("structures-demo.ndjson");
  g_autofree char *national = shared ("finess-fhir", "etab70001-80000.ndjson.gz", NULL);
  g_autoptr(CercleDirectory) directory = cercle_directory_new (db);
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  GFile *files[3];
  const char * const ehpad[] = { "500", NULL };
  CercleNearestQuery query = { ehpad, "77186", 0, 0, 3, 0 };
  AsyncState state = { loop, g_thread_self (), 0, 0, 0, NULL, NULL };
  g_autoptr(CercleStructure) first = NULL;
  g_autoptr(CercleCommune) commune = NULL;
  g_autoptr(GError) error = NULL;

  files[0] = g_file_new_for_path (communes);
  files[1] = g_file_new_for_path (structures);
  files[2] = g_file_new_for_path (national);

  g_assert_true (cercle_directory_is_empty (directory, &error));
  g_assert_no_error (error);

  cercle_directory_import_async (directory, files, 3, on_progress, &state, on_progress_destroy, NULL,
                                 on_imported, &state);
  g_main_loop_run (loop);
  g_assert_no_error (state.error);
  /* The 41 demo sites and the 9,999 of that national file. */
  g_assert_cmpuint (cercle_import_report_get_structures (CERCLE_IMPORT_REPORT (state.result)), ==, 41 + 9999);
  g_assert_cmpuint (count_rows (db, "SELECT count(*) FROM dir_structure"), ==, 41 + 9999);
  g_assert_cmpuint (state.progress_calls, >, 2);
  g_clear_object (&state.result);
  /* Once the task is gone, the progress data is let go, once, here. */
  for (guint i = 0; i < 2000 && state.destroyed == 0; i++)
    {
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_usleep (1000);
    }
  g_assert_cmpuint (state.destroyed, ==, 1);
  g_assert_false (cercle_directory_is_empty (directory, &error));

  cercle_directory_nearest_async (directory, &query, NULL, on_nearest, &state);
  g_main_loop_run (loop);
  g_assert_no_error (state.error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (state.result)), ==, 3);
  first = g_list_model_get_item (G_LIST_MODEL (state.result), 0);
  g_assert_cmpstr (cercle_structure_get_category_code (first), ==, "500");
  g_assert_cmpfloat (cercle_structure_get_distance_km (first), <, 5.0);
  g_clear_object (&state.result);

  cercle_directory_find_communes_async (directory, "fontaineb", 5, NULL, on_communes, &state);
  g_main_loop_run (loop);
  g_assert_no_error (state.error);
  commune = g_list_model_get_item (G_LIST_MODEL (state.result), 0);
  g_assert_cmpstr (cercle_commune_get_insee_code (commune), ==, "77186");
  g_clear_object (&state.result);

  for (guint i = 0; i < 3; i++)
    g_object_unref (files[i]);
}

/* ---------------------------------------------------------------- demo -- */

static void
on_demo_ready (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (cercle_directory_ensure_demo_finish (CERCLE_DIRECTORY (source), result, &error));
  g_assert_no_error (error);
  *(gboolean *) user_data = TRUE;
}

static void
test_demo (void)
{
  gboolean ready = FALSE;
  g_autoptr(GListModel) found = NULL;
  g_autoptr(GListModel) in_meaux = NULL;
  g_autofree char *db = tmp_path ("demo.db");
  g_autofree char *national = shared ("finess-fhir", "etab0-10000.ndjson.gz", NULL);
  g_autoptr(CercleDirectory) directory = cercle_directory_new (db);
  g_autoptr(CercleImportReport) report = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *once = NULL;
  g_autofree char *twice = NULL;
  gsize n_categories;
  const CercleCategory *categories = cercle_directory_categories (&n_categories);

  cercle_directory_ensure_demo_async (directory, NULL, NULL, on_demo_ready, &ready);
  while (!ready)
    g_main_context_iteration (NULL, TRUE);
  once = dump_directory (db);
  g_assert_true (cercle_directory_ensure_demo (directory, NULL, &error));
  twice = dump_directory (db);
  g_assert_cmpstr (once, ==, twice);

  /* Every category of the chips has demo structures, every demo structure
   * a commune and a position. */
  g_assert_cmpuint (n_categories, ==, 11);
  for (gsize i = 0; i < n_categories; i++)
    {
      g_autoptr(CercleDb) handle = cercle_db_open (db, NULL);
      sqlite3_stmt *stmt = cercle_db_prepare (handle, "SELECT count(*) FROM dir_structure WHERE category_code = ?",
                                              NULL);

      sqlite3_bind_text (stmt, 1, categories[i].codes[0], -1, SQLITE_STATIC);
      g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
      g_assert_cmpint (sqlite3_column_int (stmt, 0), >, 0);
      sqlite3_reset (stmt);
      g_assert_nonnull (categories[i].short_label);
    }
  g_assert_cmpuint (count_rows (db, "SELECT count(*) FROM dir_structure WHERE commune_code IS NULL"
                                    " OR latitude IS NULL OR commune_code NOT IN (SELECT insee FROM dir_commune)"),
                    ==, 0);
  g_assert_cmpuint (count_rows (db, "SELECT count(DISTINCT finess) FROM dir_zone"), >=, 10);

  /* Full text on names and communes, accents and case ignored. */
  found = cercle_directory_search_structures (directory, "glycines", NULL, 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (found), ==, 1);  /* the EHPAD (a street name is not indexed) */
  in_meaux = cercle_directory_search_structures (directory, "MEAUX", (const char * const[]) { "500", NULL }, 10,
                                                 &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (in_meaux), ==, 2);  /* in Meaux, and in Nanteuil-lès-Meaux */
  g_clear_object (&found);
  found = cercle_directory_search_structures (directory, "foret fontaineb", NULL, 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (found), >=, 2);

  /* A real directory replaces the demo structures. */
  report = import_paths (directory, &error, national, NULL);
  g_assert_no_error (error);
  g_assert_cmpuint (count_rows (db, "SELECT count(*) FROM dir_structure WHERE source = 'demo'"), ==, 0);
  g_assert_cmpuint (count_rows (db, "SELECT count(*) FROM dir_zone"), ==, 0);
  g_assert_cmpuint (count_rows (db, "SELECT count(*) FROM dir_structure"), ==, 10000);
}

/* ---------------------------------------------------- the commune list -- */

static char *
commune_name (CercleDirectory *directory,
              const char      *insee)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CercleCommune) commune = cercle_directory_get_commune (directory, insee, &error);

  g_assert_no_error (error);
  return g_strdup (cercle_commune_get_name (commune));
}

static void
test_communes_cog (void)
{
  g_autofree char *db = tmp_path ("cog.db");
  g_autofree char *laposte = shared ("communes", "laposte_hexasmal.csv", NULL);
  g_autofree char *cog = shared ("communes", "communes-cog.json.gz", NULL);
  g_autoptr(CercleDirectory) directory = cercle_directory_new (db);
  g_autoptr(CercleImportReport) report = NULL;
  g_autoptr(CercleImportReport) again = NULL;
  g_autoptr(GListModel) shared_postcode = NULL;
  g_autoptr(CercleCommune) merged = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dammarie = NULL;
  g_autofree char *vaux = NULL;
  g_autofree char *melun = NULL;

  /* La Poste first, then INSEE's list, in one import. */
  report = import_paths (directory, &error, laposte, cog, NULL);
  g_assert_no_error (error);
  g_assert_cmpuint (cercle_import_report_get_skipped (report), ==, 0);
  g_assert_cmpuint (cercle_import_report_get_communes (report), >=, 35099);

  dammarie = commune_name (directory, "77152");
  g_assert_cmpstr (dammarie, ==, "Dammarie-les-Lys");
  vaux = commune_name (directory, "77487");
  g_assert_cmpstr (vaux, ==, "Vaux-le-Pénil");

  /* Typed without accents or in capitals, they are still found. */
  assert_first_commune (directory, "dammarie les lys", "77152");
  assert_first_commune (directory, "VAUX LE PENIL", "77487");
  assert_first_commune (directory, "Vaux-le-Pénil", "77487");
  assert_first_commune (directory, "meaux", "77284");
  assert_first_commune (directory, "st fargeau pont", "77407");

  /* A postcode of several communes: the most populous first. */
  shared_postcode = cercle_directory_find_communes (directory, "77000", 8, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (shared_postcode), ==, 4);
  {
    const char *order[] = { "77288", "77487", "77389", "77255" };  /* Melun, Vaux, La Rochette, Livry */

    for (guint i = 0; i < G_N_ELEMENTS (order); i++)
      {
        g_autoptr(CercleCommune) c = g_list_model_get_item (shared_postcode, i);

        g_assert_cmpstr (cercle_commune_get_insee_code (c), ==, order[i]);
      }
  }

  /* The code of a commune merged since (Écuelles, 77166, in
   * Moret-Loing-et-Orvanne) still answers; the delegated name finds it. */
  merged = cercle_directory_get_commune (directory, "77166", &error);
  g_assert_no_error (error);
  g_assert_nonnull (merged);
  g_assert_true (g_str_equal (cercle_commune_get_name (merged), "Écuelles")
                 || g_str_equal (cercle_commune_get_name (merged), "Moret-Loing-et-Orvanne"));
  {
    g_autoptr(GListModel) found = cercle_directory_find_communes (directory, "ecuelles", 20, &error);

    g_assert_no_error (error);
    g_assert_true (model_has_commune (found, "77316") || model_has_commune (found, "77166"));
  }

  /* La Poste again, alone, later: the official names stay. */
  again = import_paths (directory, &error, laposte, NULL);
  g_assert_no_error (error);
  melun = commune_name (directory, "77288");
  g_assert_cmpstr (melun, ==, "Melun");
}

static void
test_communes_cog_demo_order (void)
{
  g_autofree char *db = tmp_path ("cog-demo.db");
  g_autofree char *cog = demo_file ("communes-demo-cog.json");
  g_autofree char *laposte = demo_file ("communes-demo.csv");
  g_autofree char *minified = tmp_path ("cog-minified.json");
  g_autofree char *db2 = tmp_path ("cog-minified.db");
  g_autoptr(CercleDirectory) directory = cercle_directory_new (db);
  g_autoptr(CercleDirectory) other = cercle_directory_new (db2);
  g_autoptr(CercleImportReport) report = NULL;
  g_autoptr(CercleImportReport) report2 = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *moret = NULL;

  /* INSEE's list first, La Poste after (the order of the demo folder). */
  report = import_paths (directory, &error, cog, laposte, NULL);
  g_assert_no_error (error);
  g_assert_cmpuint (cercle_import_report_get_communes (report), ==, 40);
  moret = commune_name (directory, "77316");
  g_assert_cmpstr (moret, ==, "Moret-Loing-et-Orvanne");
  assert_first_commune (directory, "77000", "77288");
  g_assert_cmpuint (count_rows (db, "SELECT count(*) FROM dir_commune WHERE latitude IS NULL"), ==, 0);

  /* The same list on one line. */
  write_file (minified, "[{\"code\":\"77288\",\"nom\":\"Melun\",\"type\":\"commune-actuelle\","
                        "\"codesPostaux\":[\"77000\"],\"population\":45995},"
                        "{\"code\":\"77255\",\"nom\":\"Livry-sur-Seine\",\"codesPostaux\":[\"77000\"],"
                        "\"population\":2226},{\"code\":\"7\",\"nom\":\"Nulle part\"}]");
  report2 = import_paths (other, &error, minified, NULL);
  g_assert_no_error (error);
  g_assert_cmpuint (cercle_import_report_get_communes (report2), ==, 2);
  g_assert_cmpuint (cercle_import_report_get_skipped (report2), ==, 1);
  assert_first_commune (other, "77000", "77288");
}

static void
test_communes_suggest (void)
{
  g_autofree char *db = tmp_path ("suggest.db");
  g_autoptr(CercleDirectory) directory = cercle_directory_new (db);
  g_autoptr(GError) error = NULL;
  const char *slips[] = { "melum", "mleun", "mellun", "meun", "MÉLUM", "Fontainbleau", "fontainebleua" };
  const char *insee[] = { "77288", "77288", "77288", "77288", "77288", "77186", "77186" };

  g_assert_true (cercle_directory_ensure_demo (directory, NULL, &error));
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (slips); i++)
    {
      g_autoptr(GListModel) found = cercle_directory_find_communes (directory, slips[i], 8, &error);
      g_autoptr(GListModel) close = NULL;
      g_autoptr(CercleCommune) first = NULL;

      g_assert_no_error (error);
      g_assert_cmpuint (g_list_model_get_n_items (found), ==, 0);
      close = cercle_directory_suggest_communes (directory, slips[i], 5, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (g_list_model_get_n_items (close), >, 0);
      first = g_list_model_get_item (close, 0);
      g_test_message ("“%s” → %s", slips[i], cercle_commune_get_name (first));
      g_assert_cmpstr (cercle_commune_get_insee_code (first), ==, insee[i]);
    }
  for (guint i = 0; i < 3; i++)
    {
      const char *nothing[] = { "lyon", "77999", "zz" };
      g_autoptr(GListModel) close = cercle_directory_suggest_communes (directory, nothing[i], 5, &error);

      g_assert_no_error (error);
      g_assert_cmpuint (g_list_model_get_n_items (close), ==, 0);
    }
}

static void
test_import_truncated_gzip (void)
{
  g_autofree char *db = tmp_path ("truncated.db");
  g_autofree char *gz = tmp_path ("communes.csv.gz");
  g_autofree char *csv = demo_file ("communes-demo.csv");
  g_autoptr(CercleDirectory) directory = cercle_directory_new (db);
  g_autoptr(CercleImportReport) report = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  gsize len;

  g_file_get_contents (csv, &contents, NULL, &error);
  g_assert_no_error (error);
  write_gzip (gz, contents);
  g_clear_pointer (&contents, g_free);
  g_file_get_contents (gz, &contents, &len, &error);
  g_assert_no_error (error);
  write_file (gz, "");
  g_file_set_contents (gz, contents, len / 2, &error);
  g_assert_no_error (error);

  g_assert_true (cercle_directory_ensure_demo (directory, NULL, &error));
  g_assert_no_error (error);
  before = dump_directory (db);
  report = import_paths (directory, &error, gz, NULL);
  g_assert_null (report);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "truncated compressed file"));
  g_assert_null (strstr (error->message, "Need more input"));
  after = dump_directory (db);
  g_assert_cmpstr (before, ==, after);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/directory/geo/distance", test_geo_distance);
  g_test_add_func ("/directory/geo/lambert93-sample", test_lambert93_sample);
  g_test_add_func ("/directory/import/finess-json", test_import_finess_json);
  g_test_add_func ("/directory/import/lambert-only", test_import_lambert_only);
  g_test_add_func ("/directory/import/malformed", test_import_malformed);
  g_test_add_func ("/directory/import/atomic", test_import_atomic);
  g_test_add_func ("/directory/import/killed", test_import_killed);
  g_test_add_func ("/directory/nearest/brute-force", test_nearest_brute_force);
  g_test_add_func ("/directory/nearest/zone-first", test_nearest_zone_first);
  g_test_add_func ("/directory/communes/lookup", test_communes_lookup);
  g_test_add_func ("/directory/communes/cog", test_communes_cog);
  g_test_add_func ("/directory/communes/cog-demo-order", test_communes_cog_demo_order);
  g_test_add_func ("/directory/communes/suggest", test_communes_suggest);
  g_test_add_func ("/directory/import/truncated-gzip", test_import_truncated_gzip);
  g_test_add_func ("/directory/export/csv", test_export_csv);
  g_test_add_func ("/directory/async", test_async);
  g_test_add_func ("/directory/demo", test_demo);

  return g_test_run ();
}
