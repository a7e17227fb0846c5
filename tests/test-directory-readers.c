/* test-directory-readers.c — the streaming reader and the JSON reader of
 * the directory import
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "cercle-json-reader.h"
#include "cercle-stream-reader.h"

static GFile *
tmp_file (const char *name,
          const char *contents,
          gssize      len,
          gboolean    gzip)
{
  const char *dir = g_getenv ("CERCLE_TEST_TMPDIR");
  g_autofree char *base = g_strdup_printf ("%u-%s", g_random_int (), name);
  g_autofree char *path = g_build_filename (dir ? dir : g_get_tmp_dir (), base, NULL);
  GFile *file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(GFileOutputStream) out = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_NONE, NULL, &error);
  g_autoptr(GOutputStream) stream = NULL;

  g_assert_no_error (error);
  if (len < 0)
    len = strlen (contents);
  if (gzip)
    {
      g_autoptr(GZlibCompressor) z = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, 6);
      stream = g_converter_output_stream_new (G_OUTPUT_STREAM (out), G_CONVERTER (z));
    }
  else
    stream = g_object_ref (G_OUTPUT_STREAM (out));
  g_output_stream_write_all (stream, contents, len, NULL, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_close (stream, NULL, &error);
  g_assert_no_error (error);
  return file;
}

static void
read_lines (gboolean gzip)
{
  /* CRLF, LF, an empty line, a last line without its end, and a line
   * longer than the buffer (300 KB). */
  g_autoptr(GString) text = g_string_new ("first\r\nsecond\n\n");
  g_autoptr(GFile) file = NULL;
  g_autoptr(CercleStreamReader) reader = NULL;
  g_autoptr(GError) error = NULL;
  char *line;
  gsize len;
  gboolean too_long;

  for (guint i = 0; i < 300 * 1024; i++)
    g_string_append_c (text, 'a' + i % 26);
  g_string_append (text, "\nlast");
  file = tmp_file (gzip ? "lines.gz" : "lines.txt", text->str, text->len, gzip);

  reader = cercle_stream_reader_open (file, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (cercle_stream_reader_is_gzip (reader), ==, gzip);

  g_assert_true (cercle_stream_reader_read_line (reader, &line, &len, &too_long, NULL, &error));
  g_assert_cmpstr (line, ==, "first");
  g_assert_cmpuint (cercle_stream_reader_get_line (reader), ==, 1);
  g_assert_true (cercle_stream_reader_read_line (reader, &line, &len, &too_long, NULL, &error));
  g_assert_cmpstr (line, ==, "second");
  g_assert_true (cercle_stream_reader_read_line (reader, &line, &len, &too_long, NULL, &error));
  g_assert_cmpuint (len, ==, 0);
  g_assert_true (cercle_stream_reader_read_line (reader, &line, &len, &too_long, NULL, &error));
  g_assert_false (too_long);
  g_assert_cmpuint (len, ==, 300 * 1024);
  g_assert_true (line[0] == 'a' && line[len - 1] == 'a' + (300 * 1024 - 1) % 26 && line[len] == '\0');
  g_assert_true (cercle_stream_reader_read_line (reader, &line, &len, &too_long, NULL, &error));
  g_assert_cmpstr (line, ==, "last");
  g_assert_cmpuint (cercle_stream_reader_get_line (reader), ==, 5);
  g_assert_false (cercle_stream_reader_read_line (reader, &line, &len, &too_long, NULL, &error));
  g_assert_no_error (error);
}

static void
test_stream_plain (void)
{
  read_lines (FALSE);
}

static void
test_stream_gzip (void)
{
  read_lines (TRUE);
}

static void
test_json_values (void)
{
  g_autoptr(CercleJsonReader) reader = cercle_json_reader_new ();
  g_autoptr(GError) error = NULL;
  char text[] = " {\"a\": \"caf\\u00e9 \\\"x\\\" \\ud83d\\ude00\\n\", \"n\": -12.5e1, \"t\": true, \"z\": null,"
                " \"arr\": [1, {\"k\": \"v\"}, []], \"o\": {}} ";
  const CercleJsonValue *root = cercle_json_reader_parse (reader, text, strlen (text), &error);
  const CercleJsonValue *arr;

  g_assert_no_error (error);
  g_assert_nonnull (root);
  g_assert_cmpint (root->kind, ==, CERCLE_JSON_OBJECT);
  g_assert_cmpuint (root->length, ==, 6);
  g_assert_cmpstr (cercle_json_member_string (root, "a"), ==, "café \"x\" 😀\n");
  g_assert_cmpfloat (cercle_json_member (root, "n")->number, ==, -125.0);
  g_assert_cmpint (cercle_json_member (root, "t")->kind, ==, CERCLE_JSON_TRUE);
  g_assert_cmpint (cercle_json_member (root, "z")->kind, ==, CERCLE_JSON_NULL);
  g_assert_null (cercle_json_member_string (root, "n"));
  g_assert_null (cercle_json_member (root, "missing"));
  arr = cercle_json_member_array (root, "arr");
  g_assert_cmpuint (arr->length, ==, 3);
  g_assert_cmpstr (cercle_json_member_string (arr->first->next, "k"), ==, "v");
  g_assert_cmpuint (arr->first->next->next->length, ==, 0);
  g_assert_nonnull (cercle_json_member_object (root, "o"));
}

static void
test_json_invalid (void)
{
  static const char *bad[] = {
    "", "{", "{\"a\":}", "{\"a\" 1}", "{\"a\":1,}", "[1 2]", "{'a':1}", "tru", "01", "1.", "-", "1e",
    "\"\\x\"", "\"\\ud800\"", "\"abc", "{\"a\":1} x", "\"a\tb\"", "\"\xff\"", "[nul]", "0x10",
  };
  g_autoptr(CercleJsonReader) reader = cercle_json_reader_new ();

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *text = g_strdup (bad[i]);
      g_autoptr(GError) error = NULL;

      g_assert_null (cercle_json_reader_parse (reader, text, strlen (text), &error));
      g_assert_nonnull (error);
      g_test_message ("bad[%u] → %s", i, error->message);
    }
}

static void
test_json_many (void)
{
  g_autoptr(CercleJsonReader) reader = cercle_json_reader_new ();
  g_autoptr(GString) big = g_string_new ("[");
  g_autoptr(GError) error = NULL;
  const CercleJsonValue *root;
  guint n = 0;

  /* More values than one arena block: pointers stay valid. */
  for (guint i = 0; i < 20000; i++)
    g_string_append_printf (big, "%s{\"i\":%u}", i ? "," : "", i);
  g_string_append_c (big, ']');
  root = cercle_json_reader_parse (reader, big->str, big->len, &error);
  g_assert_no_error (error);
  for (const CercleJsonValue *v = root->first; v; v = v->next, n++)
    g_assert_cmpfloat (cercle_json_member (v, "i")->number, ==, n);
  g_assert_cmpuint (n, ==, 20000);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/directory/stream-reader/plain", test_stream_plain);
  g_test_add_func ("/directory/stream-reader/gzip", test_stream_gzip);
  g_test_add_func ("/directory/json-reader/values", test_json_values);
  g_test_add_func ("/directory/json-reader/invalid", test_json_invalid);
  g_test_add_func ("/directory/json-reader/many", test_json_many);

  return g_test_run ();
}
