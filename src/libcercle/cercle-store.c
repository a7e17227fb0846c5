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
#include "cercle-referral-repo.h"
#include "cercle-note-repo.h"
#include "cercle-store.h"
#include "cercle-sync-store.h"

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
  /* The local copy of everything shared that the user may see (notes, care
   * circles, referrals, people): what the server sent, or what the user
   * wrote and the outbox still holds. Patients keep their own table for
   * searching; their file's other resources hang off patient_id, so that
   * losing access to a patient removes everything of theirs at once. */
  { 2, "local resources, outbox states, the signed-in account",
    "CREATE TABLE resource ("
    "  type TEXT NOT NULL,"
    "  id TEXT NOT NULL,"
    "  patient_id TEXT,"
    "  author_ref TEXT,"
    "  json TEXT NOT NULL,"
    "  version_id TEXT,"
    "  last_updated TEXT NOT NULL,"
    "  read_at TEXT,"
    "  PRIMARY KEY (type, id)"
    ") WITHOUT ROWID;"
    "CREATE INDEX resource_patient ON resource (patient_id, type, last_updated);"
    "CREATE INDEX resource_type ON resource (type, last_updated);"
    "ALTER TABLE outbox ADD COLUMN patient_id TEXT;"
    "ALTER TABLE outbox ADD COLUMN state TEXT NOT NULL DEFAULT 'pending'"
    "  CHECK (state IN ('pending', 'refused'));"
    "ALTER TABLE outbox ADD COLUMN next_attempt_at TEXT;"
    "CREATE INDEX outbox_patient ON outbox (patient_id);"
    /* Who is signed in, written by the sync service at sign-in: the app
     * and the CLI sign what they write offline with it. One row at most. */
    "CREATE TABLE account ("
    "  id INTEGER PRIMARY KEY CHECK (id = 1),"
    "  server_url TEXT NOT NULL,"
    "  login TEXT NOT NULL,"
    "  practitioner_ref TEXT,"
    "  organization_ref TEXT,"
    "  display TEXT"
    ");" },
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
  if (!cercle_referral_repo_migrate (db, error))
    return NULL;
  if (!cercle_care_store_migrate (db, error))
    return NULL;
  if (!cercle_sync_store_migrate (db, error))
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
  return cercle_store_outbox_add_for_patient (db, resource_type, resource_id, NULL, method, body, error);
}

/**
 * cercle_store_outbox_add_for_patient:
 * @db: the local store, inside the transaction of the change
 * @resource_type: FHIR resource type, e.g. "Communication", or "Bundle" for
 *   a transaction that spans several resources
 * @resource_id: the resource's id (chosen by the client)
 * @patient_id: (nullable): the patient whose file the change belongs to
 * @method: "PUT", "POST" or "DELETE"
 * @body: (nullable): the FHIR JSON to send
 * @error: return location for a #CERCLE_DB_ERROR
 *
 * Like cercle_store_outbox_add(), for a change in a patient's file: if the
 * user loses access to that patient, cercle_store_forget_patient() drops it.
 *
 * Returns: %TRUE on success
 */
gboolean
cercle_store_outbox_add_for_patient (CercleDb    *db,
                                     const char  *resource_type,
                                     const char  *resource_id,
                                     const char  *patient_id,
                                     const char  *method,
                                     const char  *body,
                                     GError     **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (CERCLE_IS_DB (db), FALSE);
  g_return_val_if_fail (resource_type != NULL, FALSE);
  g_return_val_if_fail (resource_id != NULL, FALSE);
  g_return_val_if_fail (method != NULL, FALSE);

  stmt = cercle_db_prepare (db,
                            "INSERT INTO outbox (resource_type, resource_id, patient_id, method, body)"
                            " VALUES (?, ?, ?, ?, ?)",
                            error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, resource_type, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, resource_id, -1, SQLITE_TRANSIENT);
  cercle_db_bind_text_or_null (stmt, 3, patient_id);
  sqlite3_bind_text (stmt, 4, method, -1, SQLITE_TRANSIENT);
  cercle_db_bind_text_or_null (stmt, 5, body);
  return cercle_db_step_done (db, stmt, error);
}

/**
 * cercle_store_resource_put:
 * @db: the local store, inside the caller's transaction
 * @type: FHIR resource type
 * @id: the resource's id
 * @patient_id: (nullable): the patient whose file holds it (a Patient: its
 *   own id); %NULL for people and directory data
 * @author_ref: (nullable): who wrote it, as a reference ("Practitioner/ID"),
 *   so that one's own notes never count as unread
 * @json: the FHIR resource
 * @version_id: (nullable): the server's `meta.versionId`; %NULL for a local
 *   change the server does not have yet
 * @last_updated: (nullable): the server's `meta.lastUpdated`, or %NULL for
 *   now (a local change)
 * @error: return location for a #CERCLE_DB_ERROR
 *
 * Inserts or replaces the local copy of a resource. What the user has read
 * stays read: `read_at` survives an update. A local change (@version_id
 * %NULL) is marked read, since its author has seen it; the caller queues it
 * with cercle_store_outbox_add_for_patient() in the same transaction.
 *
 * Returns: %TRUE on success
 */
gboolean
cercle_store_resource_put (CercleDb    *db,
                           const char  *type,
                           const char  *id,
                           const char  *patient_id,
                           const char  *author_ref,
                           const char  *json,
                           const char  *version_id,
                           const char  *last_updated,
                           GError     **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (CERCLE_IS_DB (db), FALSE);
  g_return_val_if_fail (type != NULL, FALSE);
  g_return_val_if_fail (id != NULL, FALSE);
  g_return_val_if_fail (json != NULL, FALSE);

  stmt = cercle_db_prepare (db,
                            "INSERT INTO resource (type, id, patient_id, author_ref, json, version_id, last_updated, read_at)"
                            " VALUES (?1, ?2, ?3, ?4, ?5, ?6,"
                            "         coalesce (?7, strftime('%Y-%m-%dT%H:%M:%fZ','now')),"
                            "         CASE WHEN ?6 IS NULL THEN strftime('%Y-%m-%dT%H:%M:%fZ','now') END)"
                            " ON CONFLICT (type, id) DO UPDATE SET"
                            "  patient_id = excluded.patient_id, author_ref = excluded.author_ref,"
                            "  json = excluded.json, version_id = excluded.version_id,"
                            "  last_updated = excluded.last_updated,"
                            "  read_at = coalesce (resource.read_at, excluded.read_at)",
                            error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, type, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, id, -1, SQLITE_TRANSIENT);
  cercle_db_bind_text_or_null (stmt, 3, patient_id);
  cercle_db_bind_text_or_null (stmt, 4, author_ref);
  sqlite3_bind_text (stmt, 5, json, -1, SQLITE_TRANSIENT);
  cercle_db_bind_text_or_null (stmt, 6, version_id);
  cercle_db_bind_text_or_null (stmt, 7, last_updated);
  return cercle_db_step_done (db, stmt, error);
}

/**
 * cercle_store_resource_mark_read:
 * @db: the local store
 * @type: FHIR resource type
 * @id: the resource's id
 * @error: return location for a #CERCLE_DB_ERROR
 *
 * Records that the user has seen the resource (a note shown on screen).
 *
 * Returns: %TRUE on success, also when it was read already
 */
gboolean
cercle_store_resource_mark_read (CercleDb    *db,
                                 const char  *type,
                                 const char  *id,
                                 GError     **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (CERCLE_IS_DB (db), FALSE);

  stmt = cercle_db_prepare (db,
                            "UPDATE resource SET read_at = strftime('%Y-%m-%dT%H:%M:%fZ','now')"
                            " WHERE type = ? AND id = ? AND read_at IS NULL",
                            error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, type, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, id, -1, SQLITE_TRANSIENT);
  return cercle_db_step_done (db, stmt, error);
}

/**
 * cercle_store_forget_patient:
 * @db: the local store, inside the caller's transaction
 * @patient_id: the patient the user may no longer see
 * @error: return location for a #CERCLE_DB_ERROR
 *
 * Removes a patient's file from the store: the patient, every resource of
 * the file, and the changes to it still waiting in the outbox (the server
 * would refuse them). domain.md §7: a client keeps only what its user may
 * see.
 *
 * Returns: %TRUE on success
 */
gboolean
cercle_store_forget_patient (CercleDb    *db,
                             const char  *patient_id,
                             GError     **error)
{
  static const char *const statements[] = {
    "DELETE FROM resource WHERE patient_id = ?",
    "DELETE FROM outbox WHERE patient_id = ? OR (resource_type = 'Patient' AND resource_id = ?1)",
    "DELETE FROM patient WHERE id = ?",
  };

  g_return_val_if_fail (CERCLE_IS_DB (db), FALSE);
  g_return_val_if_fail (patient_id != NULL, FALSE);

  for (guint i = 0; i < G_N_ELEMENTS (statements); i++)
    {
      sqlite3_stmt *stmt = cercle_db_prepare (db, statements[i], error);

      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_text (stmt, 1, patient_id, -1, SQLITE_TRANSIENT);
      if (!cercle_db_step_done (db, stmt, error))
        return FALSE;
    }
  return TRUE;
}

/**
 * cercle_store_get_sync_state:
 * @db: the local store
 * @resource_type: FHIR resource type
 * @resource_id: the resource's id
 * @message: (out) (optional) (transfer full): for a refused change, the
 *   server's message (French), else %NULL
 *
 * Where a local change stands: still in the outbox, refused by the server,
 * or sent (nothing of it left in the outbox).
 *
 * Returns: the state
 */
CercleSyncState
cercle_store_get_sync_state (CercleDb    *db,
                             const char  *resource_type,
                             const char  *resource_id,
                             char       **message)
{
  sqlite3_stmt *stmt;
  CercleSyncState state = CERCLE_SYNC_STATE_SENT;

  g_return_val_if_fail (CERCLE_IS_DB (db), CERCLE_SYNC_STATE_SENT);

  if (message)
    *message = NULL;
  /* A refusal wins over a later pending edit of the same resource: the user
   * has to see it. */
  stmt = cercle_db_prepare (db,
                            "SELECT state, last_error FROM outbox WHERE resource_type = ? AND resource_id = ?"
                            " ORDER BY state = 'refused' DESC, seq DESC LIMIT 1",
                            NULL);
  if (stmt == NULL)
    return state;
  sqlite3_bind_text (stmt, 1, resource_type, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, resource_id, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      const char *text = (const char *) sqlite3_column_text (stmt, 0);

      state = g_strcmp0 (text, "refused") == 0 ? CERCLE_SYNC_STATE_REFUSED : CERCLE_SYNC_STATE_PENDING;
      if (message && state == CERCLE_SYNC_STATE_REFUSED)
        *message = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
    }
  sqlite3_reset (stmt);
  return state;
}

/**
 * cercle_store_set_account:
 * @db: the local store
 * @server_url: the server signed in to
 * @login: the account's login
 * @practitioner_ref: (nullable): "Practitioner/ID" of the account
 * @organization_ref: (nullable): "Organization/ID" for a structure's desk
 * @display: (nullable): the name to show
 * @error: return location for a #CERCLE_DB_ERROR
 *
 * Records who is signed in (the sync service calls it at sign-in). No
 * secret goes here: the refresh token lives in the keyring.
 *
 * Returns: %TRUE on success
 */
gboolean
cercle_store_set_account (CercleDb    *db,
                          const char  *server_url,
                          const char  *login,
                          const char  *practitioner_ref,
                          const char  *organization_ref,
                          const char  *display,
                          GError     **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (CERCLE_IS_DB (db), FALSE);
  g_return_val_if_fail (server_url != NULL, FALSE);
  g_return_val_if_fail (login != NULL, FALSE);

  stmt = cercle_db_prepare (db,
                            "INSERT OR REPLACE INTO account (id, server_url, login, practitioner_ref, organization_ref, display)"
                            " VALUES (1, ?, ?, ?, ?, ?)",
                            error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, server_url, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, login, -1, SQLITE_TRANSIENT);
  cercle_db_bind_text_or_null (stmt, 3, practitioner_ref);
  cercle_db_bind_text_or_null (stmt, 4, organization_ref);
  cercle_db_bind_text_or_null (stmt, 5, display);
  return cercle_db_step_done (db, stmt, error);
}

/**
 * cercle_store_get_account:
 * @db: the local store
 * @server_url: (out) (optional) (transfer full): the server
 * @login: (out) (optional) (transfer full): the login
 * @practitioner_ref: (out) (optional) (transfer full): "Practitioner/ID" or %NULL
 * @organization_ref: (out) (optional) (transfer full): "Organization/ID" or %NULL
 * @display: (out) (optional) (transfer full): the name to show, or %NULL
 *
 * Returns: %TRUE if an account is recorded, %FALSE if nobody signed in
 */
gboolean
cercle_store_get_account (CercleDb  *db,
                          char     **server_url,
                          char     **login,
                          char     **practitioner_ref,
                          char     **organization_ref,
                          char     **display)
{
  sqlite3_stmt *stmt;
  char **outs[] = { server_url, login, practitioner_ref, organization_ref, display };
  gboolean found;

  g_return_val_if_fail (CERCLE_IS_DB (db), FALSE);

  stmt = cercle_db_prepare (db,
                            "SELECT server_url, login, practitioner_ref, organization_ref, display"
                            " FROM account WHERE id = 1",
                            NULL);
  found = stmt != NULL && sqlite3_step (stmt) == SQLITE_ROW;
  for (guint i = 0; i < G_N_ELEMENTS (outs); i++)
    if (outs[i])
      *outs[i] = found ? g_strdup ((const char *) sqlite3_column_text (stmt, i)) : NULL;
  if (stmt)
    sqlite3_reset (stmt);
  return found;
}

/**
 * cercle_store_clear_account:
 * @db: the local store, inside the caller's transaction
 * @error: return location for a #CERCLE_DB_ERROR
 *
 * Forgets who was signed in, and every patient's file with it (sign-out):
 * the patients, their resources and the changes still waiting for them.
 * The directory stays.
 *
 * Returns: %TRUE on success
 */
gboolean
cercle_store_clear_account (CercleDb  *db,
                            GError   **error)
{
  g_return_val_if_fail (CERCLE_IS_DB (db), FALSE);

  return cercle_db_exec (db,
                         "DELETE FROM account;"
                         "DELETE FROM resource WHERE patient_id IS NOT NULL;"
                         "DELETE FROM outbox;"
                         "DELETE FROM patient;",
                         error);
}
