/* cercle-sync-store.c — what the sync engine keeps in the local store
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The feed cursor is the server's own position (never a time read on this
 * device, whose clock may be wrong): it moves in the transaction that
 * applies a page, so that a crash repeats at most that page. Conflicts keep
 * both versions until the user chooses.
 */
#define G_LOG_DOMAIN "cercle-sync"

#include "config.h"

#include "cercle-sync-store.h"

static const CercleMigration sync_migrations[] = {
  { 1, "sync cursor and conflicts",
    "CREATE TABLE sync_state ("
    "  key TEXT PRIMARY KEY,"
    "  value TEXT NOT NULL"
    ") WITHOUT ROWID;"
    /* A local change the server had changed meanwhile (412): the user sees
     * both and chooses. */
    "CREATE TABLE sync_conflict ("
    "  resource_type TEXT NOT NULL,"
    "  resource_id TEXT NOT NULL,"
    "  local_json TEXT NOT NULL,"
    "  server_json TEXT,"
    "  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),"
    "  PRIMARY KEY (resource_type, resource_id)"
    ") WITHOUT ROWID;" },
  /* The patients whose access trail (AuditEvents) the app wants: the
   * engine fetches a trail only when asked (a patient page opened) or, for
   * a patient asked about before, when the file changed — never the
   * trails of every patient at each round. Pending while requested_at is
   * newer than fetched_at. */
  { 2, "access trail requests",
    "CREATE TABLE trail_request ("
    "  patient_id TEXT PRIMARY KEY,"
    "  requested_at TEXT NOT NULL,"
    "  fetched_at TEXT"
    ") WITHOUT ROWID;" },
};

/**
 * cercle_sync_store_migrate:
 * @db: the local store
 * @error: return location for a #CERCLE_DB_ERROR
 *
 * Brings the sync engine's tables (migration set "sync") up to date.
 *
 * Returns: %TRUE on success
 */
gboolean
cercle_sync_store_migrate (CercleDb  *db,
                           GError   **error)
{
  g_return_val_if_fail (CERCLE_IS_DB (db), FALSE);
  return cercle_db_migrate (db, "sync", sync_migrations, G_N_ELEMENTS (sync_migrations), error);
}

/**
 * cercle_sync_store_get:
 * @db: the local store
 * @key: e.g. %CERCLE_SYNC_KEY_CURSOR
 *
 * Returns: (transfer full) (nullable): the value, or %NULL when unset
 */
char *
cercle_sync_store_get (CercleDb   *db,
                       const char *key)
{
  sqlite3_stmt *stmt;
  char *value = NULL;

  g_return_val_if_fail (CERCLE_IS_DB (db), NULL);

  stmt = cercle_db_prepare (db, "SELECT value FROM sync_state WHERE key = ?", NULL);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    value = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);
  return value;
}

/**
 * cercle_sync_store_set:
 * @db: the local store, inside the caller's transaction when it goes with
 *   a change (the cursor with its page)
 * @key: e.g. %CERCLE_SYNC_KEY_CURSOR
 * @value: (nullable): the new value; %NULL removes it
 * @error: return location for a #CERCLE_DB_ERROR
 *
 * Returns: %TRUE on success
 */
gboolean
cercle_sync_store_set (CercleDb    *db,
                       const char  *key,
                       const char  *value,
                       GError     **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (CERCLE_IS_DB (db), FALSE);

  stmt = cercle_db_prepare (db,
                            value ? "INSERT OR REPLACE INTO sync_state (key, value) VALUES (?, ?)"
                                  : "DELETE FROM sync_state WHERE key = ?",
                            error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_TRANSIENT);
  if (value)
    sqlite3_bind_text (stmt, 2, value, -1, SQLITE_TRANSIENT);
  return cercle_db_step_done (db, stmt, error);
}

/**
 * cercle_sync_store_reset:
 * @db: the local store, inside the caller's transaction
 * @error: return location for a #CERCLE_DB_ERROR
 *
 * Forgets the feed position and the conflicts (at sign-out, with
 * cercle_store_clear_account()): the next account starts from the start.
 *
 * Returns: %TRUE on success
 */
gboolean
cercle_sync_store_reset (CercleDb  *db,
                         GError   **error)
{
  g_return_val_if_fail (CERCLE_IS_DB (db), FALSE);
  return cercle_db_exec (db, "DELETE FROM sync_state; DELETE FROM sync_conflict; DELETE FROM trail_request;", error);
}

/**
 * cercle_sync_store_add_conflict:
 * @db: the local store
 * @resource_type: FHIR type
 * @resource_id: its id
 * @local_json: the change the user made
 * @server_json: (nullable): the server's version it collided with
 * @error: return location for a #CERCLE_DB_ERROR
 *
 * Keeps both sides of a conflict (a 412 on push) for the user to choose.
 *
 * Returns: %TRUE on success
 */
gboolean
cercle_sync_store_add_conflict (CercleDb    *db,
                                const char  *resource_type,
                                const char  *resource_id,
                                const char  *local_json,
                                const char  *server_json,
                                GError     **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (CERCLE_IS_DB (db), FALSE);

  stmt = cercle_db_prepare (db,
                            "INSERT OR REPLACE INTO sync_conflict (resource_type, resource_id, local_json, server_json)"
                            " VALUES (?, ?, ?, ?)",
                            error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, resource_type, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, resource_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, local_json, -1, SQLITE_TRANSIENT);
  cercle_db_bind_text_or_null (stmt, 4, server_json);
  return cercle_db_step_done (db, stmt, error);
}

/**
 * cercle_sync_store_count_conflicts:
 * @db: the local store
 *
 * Returns: how many conflicts wait for the user
 */
guint
cercle_sync_store_count_conflicts (CercleDb *db)
{
  sqlite3_stmt *stmt;
  guint n = 0;

  g_return_val_if_fail (CERCLE_IS_DB (db), 0);

  stmt = cercle_db_prepare (db, "SELECT count(*) FROM sync_conflict", NULL);
  if (stmt && sqlite3_step (stmt) == SQLITE_ROW)
    n = sqlite3_column_int (stmt, 0);
  if (stmt)
    sqlite3_reset (stmt);
  return n;
}

/**
 * cercle_sync_store_count_outbox:
 * @db: the local store
 * @pending: (out) (optional): changes waiting, refused ones included
 * @refused: (out) (optional): changes the server refused for good
 */
void
cercle_sync_store_count_outbox (CercleDb *db,
                                guint    *pending,
                                guint    *refused)
{
  sqlite3_stmt *stmt;

  g_return_if_fail (CERCLE_IS_DB (db));

  if (pending)
    *pending = 0;
  if (refused)
    *refused = 0;
  stmt = cercle_db_prepare (db, "SELECT count(*), count(*) FILTER (WHERE state = 'refused') FROM outbox", NULL);
  if (stmt && sqlite3_step (stmt) == SQLITE_ROW)
    {
      if (pending)
        *pending = sqlite3_column_int (stmt, 0);
      if (refused)
        *refused = sqlite3_column_int (stmt, 1);
    }
  if (stmt)
    sqlite3_reset (stmt);
}

/**
 * cercle_sync_store_request_trail:
 * @db: the local store
 * @patient_id: the patient whose page opened
 * @error: return location for a #CERCLE_DB_ERROR
 *
 * Asks the sync engine for the patient's access trail (« Traçabilité des
 * accès »): at its next round it fetches the server's AuditEvents about the
 * patient that the store lacks, and signals Changed(["AuditEvent"],
 * [patient]) when some came. The app calls it when a patient page opens,
 * then SyncNow. From then on the trail also comes with every change of the
 * patient's file.
 *
 * Returns: %TRUE on success
 */
gboolean
cercle_sync_store_request_trail (CercleDb    *db,
                                 const char  *patient_id,
                                 GError     **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (CERCLE_IS_DB (db), FALSE);
  g_return_val_if_fail (patient_id != NULL, FALSE);

  stmt = cercle_db_prepare (db,
                            "INSERT INTO trail_request (patient_id, requested_at)"
                            " VALUES (?, strftime('%Y-%m-%dT%H:%M:%fZ','now'))"
                            " ON CONFLICT (patient_id) DO UPDATE SET requested_at = excluded.requested_at",
                            error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, patient_id, -1, SQLITE_TRANSIENT);
  return cercle_db_step_done (db, stmt, error);
}
