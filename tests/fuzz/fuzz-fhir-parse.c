/* fuzz-fhir-parse.c — libFuzzer target: JSON → FHIR resource → server store
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Feeds arbitrary bytes to what every request body of cercle-server goes
 * through: the depth and NUL guard (cercle_fhir_check_json()),
 * cercle_fhir_parse(), cercle_fhir_check_resource(), and for an accepted
 * resource the server's write path (meta, search index, CareTeam
 * membership extraction) on a real SQLite file, rolled back each time.
 * The corpus holds the shapes that once got through: 20,000 levels of
 * arrays (json-glib recursed into a stack overflow) and NULs, escaped and
 * raw (json-glib cut the string there).
 */
#include "config.h"

#include <glib/gstdio.h>
#include <stdint.h>
#include <string.h>

#include "cercle-fhir.h"
#include "cercle-server-store.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static CercleServerStore *store;

static void
open_store (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("cercle-fuzz-XXXXXX", &error);
  g_autofree char *path = NULL;

  g_assert_no_error (error);
  path = g_build_filename (dir, "fuzz.db", NULL);
  store = cercle_server_store_open (path, &error);
  g_assert_no_error (error);
  /* Speed over durability: nothing here is kept. */
  cercle_db_exec (cercle_server_store_get_db (store), "PRAGMA synchronous=OFF", NULL);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(JsonObject) resource = NULL;
  g_autoptr(CercleStoredResource) written = NULL;
  g_autofree char *text = NULL;
  const char *type, *id;
  CercleStoreWrite outcome;
  gboolean guarded;
  CercleDb *db;

  if (store == NULL)
    open_store ();
  db = cercle_server_store_get_db (store);

  guarded = cercle_fhir_check_json ((const char *) data, size, CERCLE_FHIR_MAX_JSON_DEPTH, NULL);
  resource = cercle_fhir_parse ((const char *) data, size, NULL);
  if (resource == NULL)
    return 0;
  /* Nothing the guard refuses is parsed, and what is written back passes it
   * again (no depth or NUL appears on the way). */
  g_assert_true (guarded);
  text = cercle_fhir_to_string (resource);
  g_assert_nonnull (text);
  g_assert_true (cercle_fhir_check_json (text, strlen (text), CERCLE_FHIR_MAX_JSON_DEPTH, NULL));
  if (!cercle_fhir_check_resource (resource, NULL, NULL))
    return 0;

  type = json_object_get_string_member_with_default (resource, "resourceType", NULL);
  id = json_object_get_string_member_with_default (resource, "id", "fuzz");
  if (type == NULL || !cercle_server_store_valid_id (id))
    return 0;
  json_object_set_string_member (resource, "id", id);
  (void) cercle_server_store_patient_of (resource, type);

  g_assert_true (cercle_db_begin (db, NULL));
  written = cercle_server_store_write (store, resource, -1, &outcome, NULL);
  cercle_db_rollback (db);
  return 0;
}
