/* fuzz-directory-import.c — libFuzzer target: any file → directory import
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Feeds arbitrary bytes to what a downloaded file goes through: the JSON
 * reader on its own, then a whole import (format told by the content:
 * FHIR ndjson, FINESS JSON flow or La Poste CSV) into a real SQLite file,
 * and a search on what came in. An import may fail; it must not crash,
 * leak or leave the store broken.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <stdint.h>
#include <string.h>

#include "cercle-directory.h"
#include "cercle-json-reader.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static char *dir;
static CercleDirectory *directory;
static CercleJsonReader *json;

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *path = NULL;
  g_autofree char *copy = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(CercleImportReport) report = NULL;
  g_autoptr(GListModel) model = NULL;
  g_autoptr(GError) error = NULL;
  CercleNearestQuery query = { NULL, NULL, 48.54, 2.66, 5, 0 };

  if (directory == NULL)
    {
      g_autofree char *db = NULL;

      dir = g_dir_make_tmp ("cercle-fuzz-directory-XXXXXX", NULL);
      db = g_build_filename (dir, "fuzz.db", NULL);
      directory = cercle_directory_new (db);
      json = cercle_json_reader_new ();
    }

  /* The reader parses in place: a copy, NUL-terminated like a line. */
  copy = g_malloc (size + 1);
  memcpy (copy, data, size);
  copy[size] = '\0';
  cercle_json_reader_parse (json, copy, size, NULL);

  path = g_build_filename (dir, "input", NULL);
  g_file_set_contents (path, (const char *) data, size, NULL);
  file = g_file_new_for_path (path);
  report = cercle_directory_import (directory, &file, 1, NULL, NULL, NULL, &error);
  g_clear_error (&error);
  model = cercle_directory_nearest (directory, &query, &error);
  g_assert (model != NULL || error != NULL);
  return 0;
}
