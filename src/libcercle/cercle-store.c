/* cercle-store.c — the local store of the app, the sync service and the CLI
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One SQLite file per user. Every local change of shared data (patients,
 * notes, referrals) writes its row and an outbox entry in the same
 * transaction, so that what the user saved reaches the server exactly once,
 * even across crashes, whenever the network allows.
 */
#define G_LOG_DOMAIN "cercle-store"

#include "config.h"

#include "cercle-directory-store.h"
#include "cercle-store.h"

static const CercleMigration core_migrations[] = {
  { 1, "patients and outbox",
    "CREATE TABLE patient ("
    "  id TEXT PRIMARY KEY,"
    "  ins TEXT,"
    "  ins_kind TEXT CHECK (ins_kind IN ('NIR', 'NIA')),"
    "  birth_family_name TEXT NOT NULL,"
    "  birth_given_names TEXT NOT NULL,"
    "  first_given_name TEXT NOT NULL,"
    "  used_family_name TEXT,"
    "  used_given_name TEXT,"
    "  birth_date TEXT NOT NULL,"
    "  sex TEXT NOT NULL CHECK (sex IN ('male', 'female', 'other', 'unknown')),"
    "  birthplace_code TEXT,"
    "  from_insi INTEGER NOT NULL DEFAULT 0,"
    "  document_checked INTEGER NOT NULL DEFAULT 0,"
    "  phone TEXT,"
    "  address_line TEXT,"
    "  postcode TEXT,"
    "  commune_code TEXT,"
    "  commune_name TEXT,"
    "  name_key TEXT NOT NULL,"
    "  used_name_key TEXT,"
    "  version INTEGER NOT NULL DEFAULT 1,"
    "  server_version TEXT,"
    "  updated_at TEXT NOT NULL"
    ");"
    "CREATE INDEX patient_name_key ON patient (name_key);"
    "CREATE INDEX patient_used_name_key ON patient (used_name_key);"
    "CREATE INDEX patient_birth_date ON patient (birth_date);"
    "CREATE UNIQUE INDEX patient_ins ON patient (ins) WHERE ins IS NOT NULL;"
    /* What is waiting to be sent. The sync service sends the rows in seq
     * order and deletes a row once the server has acknowledged it. */
    "CREATE TABLE outbox ("
    "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  resource_type TEXT NOT NULL,"
    "  resource_id TEXT NOT NULL,"
    "  method TEXT NOT NULL CHECK (method IN ('PUT', 'POST', 'DELETE')),"
    "  body TEXT,"
    "  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),"
    "  attempts INTEGER NOT NULL DEFAULT 0,"
    "  last_error TEXT"
    ");"
    "CREATE INDEX outbox_resource ON outbox (resource_type, resource_id);" },
};

/**
 * cercle_store_default_path:
 *
 * The user's local store. `$CERCLE_DB`, when set, names another one: tests
 * and demos use their own.
 *
 * Returns: (transfer full): `$CERCLE_DB`, or `$XDG_DATA_HOME/cercle/cercle.db`
 */
char *
cercle_store_default_path (void)
{
  const char *env = g_getenv ("CERCLE_DB");

  if (env != NULL && *env != '\0')
    return g_strdup (env);
  return g_build_filename (g_get_user_data_dir (), "cercle", "cercle.db", NULL);
}

/**
 * cercle_store_open:
 * @path: the store file
 * @error: return location for a #CERCLE_DB_ERROR
 *
 * Opens the local store and brings its schema up to date.
 *
 * Returns: (transfer full): the connection, or %NULL
 */
CercleDb *
cercle_store_open (const char  *path,
                   GError     **error)
{
  g_autoptr(CercleDb) db = NULL;

  g_return_val_if_fail (path != NULL, NULL);

  db = cercle_db_open (path, error);
  if (db == NULL)
    return NULL;
  if (!cercle_db_migrate (db, "core", core_migrations, G_N_ELEMENTS (core_migrations), error))
    return NULL;
  if (!cercle_directory_store_migrate (db, error))
    return NULL;
  return g_steal_pointer (&db);
}

/**
 * cercle_store_outbox_add:
 * @db: the local store, inside the transaction of the change
 * @resource_type: FHIR resource type, e.g. "Patient"
 * @resource_id: the resource's id (chosen by the client)
 * @method: "PUT", "POST" or "DELETE"
 * @body: (nullable): the FHIR JSON to send
 * @error: return location for a #CERCLE_DB_ERROR
 *
 * Queues a change for the server. Call it inside the transaction that
 * writes the change itself.
 *
 * Returns: %TRUE on success
 */
gboolean
cercle_store_outbox_add (CercleDb    *db,
                         const char  *resource_type,
                         const char  *resource_id,
                         const char  *method,
                         const char  *body,
                         GError     **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (CERCLE_IS_DB (db), FALSE);

  stmt = cercle_db_prepare (db,
                            "INSERT INTO outbox (resource_type, resource_id, method, body) VALUES (?, ?, ?, ?)",
                            error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, resource_type, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, resource_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, method, -1, SQLITE_TRANSIENT);
  if (body)
    sqlite3_bind_text (stmt, 4, body, -1, SQLITE_TRANSIENT);
  return cercle_db_step_done (db, stmt, error);
}
