/* cercle-server-store.c — the server's resources, their versions and indexes
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One generic table holds the current version of every resource as the JSON
 * served (meta included, so a read sends stored text without re-encoding);
 * `history` keeps every version under a global sequence number, which is what
 * the `_history?_since` sync feed pages over. Search parameters are extracted
 * into `idx` (and positions into `geo`) in the same transaction as the write,
 * and CareTeam participants into `members`, from which access is decided.
 */
#define G_LOG_DOMAIN "cercle-server"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cercle-directory-store.h"
#include "cercle-server-access.h"
#include "cercle-server-store.h"
#include "cercle-text.h"

G_DEFINE_QUARK (cercle-server-error-quark, cercle_server_error)

struct _CercleServerStore
{
  GObject   parent_instance;
  CercleDb *db;
  GThread  *checkpointer;
  gint      stopping;   /* atomic */
  GMutex    lock;
  GCond     wake;
};

G_DEFINE_FINAL_TYPE (CercleServerStore, cercle_server_store, G_TYPE_OBJECT)

static const CercleMigration server_migrations[] = {
  { 1, "resources, history, search indexes, accounts, tokens, audit trail",
    "CREATE TABLE resources ("
    "  type TEXT NOT NULL,"
    "  id TEXT NOT NULL,"
    "  version INTEGER NOT NULL,"
    "  last_updated TEXT NOT NULL,"
    "  seq INTEGER NOT NULL,"
    "  deleted INTEGER NOT NULL DEFAULT 0,"
    "  patient_id TEXT,"
    "  json TEXT NOT NULL,"
    "  PRIMARY KEY (type, id)) WITHOUT ROWID;"
    "CREATE INDEX resources_patient ON resources (patient_id, type);"
    "CREATE INDEX resources_type_seq ON resources (type, seq);"
    "CREATE TABLE history ("
    "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  type TEXT NOT NULL,"
    "  id TEXT NOT NULL,"
    "  version INTEGER NOT NULL,"
    "  last_updated TEXT NOT NULL,"
    "  method TEXT NOT NULL,"
    "  deleted INTEGER NOT NULL DEFAULT 0,"
    "  patient_id TEXT,"
    "  json TEXT NOT NULL,"
    "  UNIQUE (type, id, version));"
    "CREATE INDEX history_type_seq ON history (type, seq);"
    "CREATE TABLE idx ("
    "  type TEXT NOT NULL,"
    "  id TEXT NOT NULL,"
    "  param TEXT NOT NULL,"
    "  system TEXT,"
    "  value TEXT NOT NULL);"
    "CREATE INDEX idx_lookup ON idx (type, param, value, id);"
    "CREATE INDEX idx_resource ON idx (type, id);"
    "CREATE TABLE geo ("
    "  type TEXT NOT NULL,"
    "  id TEXT NOT NULL,"
    "  lat REAL NOT NULL,"
    "  lon REAL NOT NULL,"
    "  source TEXT NOT NULL);"
    "CREATE INDEX geo_resource ON geo (type, id);"
    "CREATE INDEX geo_source ON geo (source);"
    "CREATE INDEX geo_lat ON geo (type, lat);"
    "CREATE TABLE members ("
    "  careteam_id TEXT NOT NULL,"
    "  patient_id TEXT NOT NULL,"
    "  practitioner_id TEXT NOT NULL,"
    "  start TEXT,"
    "  end TEXT);"
    "CREATE INDEX members_practitioner ON members (practitioner_id, patient_id);"
    "CREATE INDEX members_careteam ON members (careteam_id);"
    "CREATE TABLE accounts ("
    "  login TEXT PRIMARY KEY,"
    "  password_hash TEXT,"
    "  practitioner_id TEXT NOT NULL,"
    "  organization_id TEXT,"
    "  display_name TEXT,"
    "  disabled INTEGER NOT NULL DEFAULT 0,"
    "  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')));"
    "CREATE TABLE tokens ("
    "  hash TEXT PRIMARY KEY,"
    "  kind TEXT NOT NULL CHECK (kind IN ('access', 'refresh')),"
    "  login TEXT NOT NULL REFERENCES accounts (login),"
    "  family TEXT NOT NULL,"
    "  expires_at INTEGER NOT NULL,"
    "  revoked INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;"
    "CREATE INDEX tokens_login ON tokens (login);"
    "CREATE INDEX tokens_family ON tokens (family);"
    "CREATE TABLE audit ("
    "  seq INTEGER PRIMARY KEY,"
    "  id TEXT NOT NULL UNIQUE,"
    "  recorded TEXT NOT NULL,"
    "  json TEXT NOT NULL,"
    "  prev_hash TEXT NOT NULL,"
    "  hash TEXT NOT NULL);"
    "CREATE TABLE audit_patients ("
    "  patient_id TEXT NOT NULL,"
    "  seq INTEGER NOT NULL,"
    "  PRIMARY KEY (patient_id, seq)) WITHOUT ROWID;"
    /* Append-only: the chain detects what gets past these. */
    "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit"
    "  BEGIN SELECT RAISE (ABORT, 'the audit trail is append-only'); END;"
    "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit"
    "  BEGIN SELECT RAISE (ABORT, 'the audit trail is append-only'); END;" },
  { 2, "search index rows ordered by the version's sequence",
    /* A search driven by one parameter reads its rows in commit order and
     * stops at the page size, instead of sorting every match. */
    "ALTER TABLE idx ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;"
    "UPDATE idx SET seq = (SELECT r.seq FROM resources r WHERE r.type = idx.type AND r.id = idx.id);"
    "DROP INDEX idx_lookup;"
    "CREATE INDEX idx_lookup ON idx (type, param, value, seq, id);" },
  { 3, "response deadlines of the referral destinations",
    /* Server-side state of the deadline check (cercle_server_check_deadlines),
     * in Unix seconds: when the Task last became requested, its own deadline
     * (restriction.period.end, kept at each write so that a pass selects in
     * SQL what may be due) and when its reminder was recorded. */
    "CREATE TABLE deadlines ("
    "  task_id TEXT PRIMARY KEY,"
    "  requested_at INTEGER NOT NULL,"
    "  end_at INTEGER,"
    "  reminded_at INTEGER) WITHOUT ROWID;" },
};

static void
cercle_server_store_finalize (GObject *object)
{
  CercleServerStore *self = (CercleServerStore *)object;

  if (self->checkpointer)
    {
      g_mutex_lock (&self->lock);
      g_atomic_int_set (&self->stopping, 1);
      g_cond_signal (&self->wake);
      g_mutex_unlock (&self->lock);
      g_thread_join (self->checkpointer);
    }
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->wake);
  g_clear_object (&self->db);
  G_OBJECT_CLASS (cercle_server_store_parent_class)->finalize (object);
}

static void
cercle_server_store_class_init (CercleServerStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cercle_server_store_finalize;
}

static void
cercle_server_store_init (CercleServerStore *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->wake);
}

/* 16 MB of WAL. */
#define RESTART_FRAMES 4000

/* Copies the WAL into the database from its own connection, ten times a
 * second: a PASSIVE checkpoint neither waits for nor blocks the writer, so
 * the main loop rarely stalls on a checkpoint's fsyncs in the middle of a
 * batch (they made the slowest percent of answers ten times slower), and
 * small frequent checkpoints keep each fsync of the database file short
 * (a long one delays the WAL's own fsync behind it on the disk).
 *
 * Under load the writer always has frames the pass could not reach, and
 * SQLite then leaves the database file unsynced: the thread flushes it
 * after each pass, so that the dirty pages do not pile up until the
 * complete checkpoint that lets the WAL start again (which had to flush
 * them all, 30 to 90 ms with the main loop stopped). That complete
 * checkpoint is the thread's too, once the WAL passes RESTART_FRAMES. */
static gpointer
checkpoint_thread (gpointer data)
{
  CercleServerStore *self = data;
  g_autoptr(CercleDb) db = NULL;
  g_autoptr(GError) error = NULL;
  int fd, copied = 0, last_copied = 0, in_log = 0;

  db = cercle_db_open (cercle_db_get_path (self->db), &error);
  if (db == NULL)
    {
      g_warning ("No checkpoint thread: %s", error->message);
      return NULL;
    }
  cercle_db_exec (db, "PRAGMA synchronous=FULL", NULL);
  fd = g_open (cercle_db_get_path (db), O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0)
    g_warning ("Cannot open %s to flush it: %s", cercle_db_get_path (db), g_strerror (errno));
  g_mutex_lock (&self->lock);
  while (!g_atomic_int_get (&self->stopping))
    {
      gint64 until = g_get_monotonic_time () + G_USEC_PER_SEC / 10;

      g_cond_wait_until (&self->wake, &self->lock, until);
      if (g_atomic_int_get (&self->stopping))
        break;
      g_mutex_unlock (&self->lock);
      /* The count changes when the pass copied frames, or the WAL restarted. */
      if (sqlite3_wal_checkpoint_v2 (cercle_db_get_handle (db), NULL, SQLITE_CHECKPOINT_PASSIVE,
                                     &in_log, &copied) == SQLITE_OK &&
          copied != last_copied && fd >= 0)
        fdatasync (fd);
      last_copied = copied;
      /* Readers keep coming and the writer keeps adding frames, so passes
       * never reach the end: past RESTART_FRAMES, one complete checkpoint
       * holds the writer back while it copies the little left, and the
       * writer's next commit starts the WAL again from its beginning. */
      if (in_log >= RESTART_FRAMES)
        sqlite3_wal_checkpoint_v2 (cercle_db_get_handle (db), NULL, SQLITE_CHECKPOINT_FULL, NULL, NULL);
      g_mutex_lock (&self->lock);
    }
  g_mutex_unlock (&self->lock);
  if (fd >= 0)
    g_close (fd, NULL);
  return NULL;
}

/**
 * cercle_server_store_start_checkpoints:
 * @self: the store of a running server
 *
 * Moves WAL checkpoints off the connection that serves requests, to a
 * thread of their own, until the store is finalized.
 */
void
cercle_server_store_start_checkpoints (CercleServerStore *self)
{
  g_return_if_fail (self->checkpointer == NULL);

  /* The serving connection checkpoints only if the thread falls far
   * behind (64 MB of WAL): each of its checkpoints stops the main loop for
   * two fsyncs, and it tries again at every commit until one completes. */
  if (!cercle_db_exec (self->db, "PRAGMA wal_autocheckpoint=16000; PRAGMA journal_size_limit=67108864", NULL))
    return;
  self->checkpointer = g_thread_new ("cercle-checkpoint", checkpoint_thread, self);
}

void
cercle_stored_resource_free (CercleStoredResource *res)
{
  if (res == NULL)
    return;
  g_free (res->type);
  g_free (res->id);
  g_free (res->last_updated);
  g_free (res->patient_id);
  g_free (res->json);
  g_free (res);
}

/* --- the generation of what accounts may see --------------------------------- */

/* Bumped around every change to what decides who sees which patient and
 * who reads the médical volet (CareTeam members, the index rows of Tasks,
 * any resource version, Practitioners included: every write adds a
 * history row). Odd while a write transaction holds such a change not yet
 * committed, even once it is committed or rolled back: an answer computed
 * from a snapshot opened after reading an even value stays right while the
 * value is the same (cercle-server-sync.c caches the access digest on it).
 * The server's connection is the database's only writer of patient files,
 * and a process has one server. */
static gint access_generation;

static void
on_row_change (void          *data,
               int            op,
               const char    *database,
               const char    *table,
               sqlite3_int64  rowid)
{
  gint generation;

  if (!g_str_equal (table, "history") && !g_str_equal (table, "members") && !g_str_equal (table, "idx"))
    return;
  /* Rows of the audit trail, tokens and throttling change at every
   * request: they leave the generation alone. */
  do
    generation = g_atomic_int_get (&access_generation);
  while ((generation & 1) == 0 &&
         !g_atomic_int_compare_and_exchange (&access_generation, generation, generation + 1));
}

/**
 * cercle_server_store_access_generation:
 *
 * The generation of the data deciding what accounts may see: odd while a
 * change to it is being written. Read it before opening the snapshot an
 * answer is computed from; an answer computed under an even generation
 * holds while the generation is the same.
 *
 * Returns: the generation
 */
guint
cercle_server_store_access_generation (void)
{
  return (guint) g_atomic_int_get (&access_generation);
}

/**
 * cercle_server_store_settle:
 * @self: the server's (writing) store
 *
 * Called once no transaction is open on @self (committed or rolled back):
 * ends the odd generation its changes began.
 */
void
cercle_server_store_settle (CercleServerStore *self)
{
  gint generation = g_atomic_int_get (&access_generation);

  if ((generation & 1) != 0 && sqlite3_get_autocommit (cercle_db_get_handle (self->db)))
    g_atomic_int_compare_and_exchange (&access_generation, generation, generation + 1);
}

/* Opens the store, with the FULL synchronous mode: a 2xx answer is given
 * only after the commit that holds the change has reached the disk. */
CercleServerStore *
cercle_server_store_open (const char  *path,
                          GError     **error)
{
  g_autoptr(CercleServerStore) self = g_object_new (CERCLE_TYPE_SERVER_STORE, NULL);

  self->db = cercle_db_open (path, error);
  if (self->db == NULL)
    return NULL;
  if (!cercle_db_exec (self->db, "PRAGMA synchronous=FULL", error))
    return NULL;
  if (!cercle_db_migrate (self->db, "server", server_migrations,
                          G_N_ELEMENTS (server_migrations), error))
    return NULL;
  if (!cercle_directory_store_migrate (self->db, error))
    return NULL;
  if (!cercle_server_access_migrate (self->db, error))
    return NULL;
  sqlite3_update_hook (cercle_db_get_handle (self->db), on_row_change, NULL);
  return g_steal_pointer (&self);
}

/**
 * cercle_server_store_open_reader:
 * @path: the database of a running server, already migrated
 * @error: return location for a #GError
 *
 * Opens a second connection to the store, for reading only: a worker thread
 * runs its searches and reads there, on the last committed state, while
 * the main connection writes.
 *
 * Returns: (transfer full): the store, or %NULL with @error set
 */
CercleServerStore *
cercle_server_store_open_reader (const char  *path,
                                 GError     **error)
{
  g_autoptr(CercleServerStore) self = g_object_new (CERCLE_TYPE_SERVER_STORE, NULL);

  self->db = cercle_db_open (path, error);
  if (self->db == NULL)
    return NULL;
  if (!cercle_db_exec (self->db, "PRAGMA query_only=ON", error))
    return NULL;
  return g_steal_pointer (&self);
}

CercleDb *
cercle_server_store_get_db (CercleServerStore *self)
{
  return self->db;
}

gboolean
cercle_server_store_is_empty (CercleServerStore *self)
{
  sqlite3_stmt *stmt = cercle_db_prepare (self->db,
                                          "SELECT (SELECT COUNT(*) FROM resources) + (SELECT COUNT(*) FROM accounts)",
                                          NULL);
  gboolean empty = FALSE;

  if (stmt && sqlite3_step (stmt) == SQLITE_ROW)
    empty = sqlite3_column_int64 (stmt, 0) == 0;
  if (stmt)
    sqlite3_reset (stmt);
  return empty;
}

static char *
format_instant (GDateTime *dt)
{
  g_autoptr(GDateTime) utc = g_date_time_to_utc (dt);
  g_autofree char *base = g_date_time_format (utc, "%Y-%m-%dT%H:%M:%S");

  /* Milliseconds, fixed width, so that instants sort as text. */
  return g_strdup_printf ("%s.%03dZ", base, g_date_time_get_microsecond (utc) / 1000);
}

/* The current instant as stored: UTC, milliseconds, sortable as text.
 * Called several times per request: no GDateTime. */
char *
cercle_server_store_now (void)
{
  gint64 usec = g_get_real_time ();
  time_t seconds = usec / G_USEC_PER_SEC;
  struct tm tm;

  gmtime_r (&seconds, &tm);
  return g_strdup_printf ("%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                          tm.tm_hour, tm.tm_min, tm.tm_sec, (int) ((usec % G_USEC_PER_SEC) / 1000));
}

/* A FHIR date or instant as stored (UTC, milliseconds), or NULL. A date
 * alone means its first instant in UTC. */
char *
cercle_server_store_normalize_instant (const char *text)
{
  g_autoptr(GDateTime) dt = NULL;
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();

  if (text == NULL || *text == '\0')
    return NULL;
  if (strlen (text) == 10)
    {
      g_autofree char *full = g_strconcat (text, "T00:00:00Z", NULL);
      dt = g_date_time_new_from_iso8601 (full, utc);
    }
  else
    dt = g_date_time_new_from_iso8601 (text, utc);
  if (dt == NULL)
    return NULL;
  return format_instant (dt);
}

/* FHIR ids: [A-Za-z0-9\-\.]{1,64}. They end up in URLs and SQL values. */
gboolean
cercle_server_store_valid_id (const char *id)
{
  gsize n = 0;

  if (id == NULL)
    return FALSE;
  for (const char *p = id; *p; p++, n++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '.')
      return FALSE;
  return n >= 1 && n <= 64;
}

static const char *
reference_of (JsonObject *obj,
              const char *member)
{
  JsonNode *node = obj ? json_object_get_member (obj, member) : NULL;
  JsonObject *ref;
  JsonNode *r;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  ref = json_node_get_object (node);
  r = json_object_get_member (ref, "reference");
  if (r == NULL || json_node_get_value_type (r) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (r);
}

static const char *
string_of (JsonObject *obj,
           const char *member)
{
  JsonNode *node = obj ? json_object_get_member (obj, member) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static JsonArray *
array_of (JsonObject *obj,
          const char *member)
{
  JsonNode *node = obj ? json_object_get_member (obj, member) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return NULL;
  return json_node_get_array (node);
}

static JsonObject *
object_of (JsonObject *obj,
           const char *member)
{
  JsonNode *node = obj ? json_object_get_member (obj, member) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  return json_node_get_object (node);
}

static const char * const compartment_types[] = {
  "CareTeam", "Communication", "Patient", "RelatedPerson", "ServiceRequest", "Task", NULL
};

gboolean
cercle_server_store_is_compartment_type (const char *type)
{
  return g_strv_contains (compartment_types, type);
}

/* The patient whose file @resource belongs to ("Patient/ID" → "ID"), or
 * NULL for shared data (directory, professionals). */
const char *
cercle_server_store_patient_of (JsonObject *resource,
                                const char *type)
{
  const char *ref = NULL;

  if (g_str_equal (type, "Patient"))
    return string_of (resource, "id");
  if (g_str_equal (type, "CareTeam") || g_str_equal (type, "Communication") ||
      g_str_equal (type, "ServiceRequest"))
    ref = reference_of (resource, "subject");
  else if (g_str_equal (type, "Task"))
    ref = reference_of (resource, "for");
  else if (g_str_equal (type, "RelatedPerson"))
    ref = reference_of (resource, "patient");

  if (ref && g_str_has_prefix (ref, "Patient/") && cercle_server_store_valid_id (ref + 8))
    return ref + 8;
  return NULL;
}

CercleStoredResource *
cercle_server_store_row (sqlite3_stmt *stmt)
{
  CercleStoredResource *res = g_new0 (CercleStoredResource, 1);

  /* Column order shared by every query that returns resources. */
  res->type = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  res->id = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
  res->version = sqlite3_column_int64 (stmt, 2);
  res->last_updated = g_strdup ((const char *) sqlite3_column_text (stmt, 3));
  res->seq = sqlite3_column_int64 (stmt, 4);
  res->deleted = sqlite3_column_int (stmt, 5);
  res->patient_id = g_strdup ((const char *) sqlite3_column_text (stmt, 6));
  res->json = g_strdup ((const char *) sqlite3_column_text (stmt, 7));
  return res;
}

/* @version 0 is the current version. */
CercleStoredResource *
cercle_server_store_get (CercleServerStore  *self,
                         const char         *type,
                         const char         *id,
                         gint64              version,
                         GError            **error)
{
  sqlite3_stmt *stmt;
  CercleStoredResource *res = NULL;
  int rc;

  if (version <= 0)
    stmt = cercle_db_prepare (self->db,
                              "SELECT type, id, version, last_updated, seq, deleted, patient_id, json"
                              " FROM resources WHERE type = ? AND id = ?", error);
  else
    stmt = cercle_db_prepare (self->db,
                              "SELECT type, id, version, last_updated, seq, deleted, patient_id, json"
                              " FROM history WHERE type = ? AND id = ? AND version = ?", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, type, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, id, -1, SQLITE_STATIC);
  if (version > 0)
    sqlite3_bind_int64 (stmt, 3, version);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    res = cercle_server_store_row (stmt);
  else if (rc == SQLITE_DONE)
    g_set_error (error, CERCLE_SERVER_ERROR, CERCLE_SERVER_ERROR_NOT_FOUND,
                 "%s/%s is not known", type, id);
  else
    cercle_db_set_error (self->db, error, "read");
  sqlite3_reset (stmt);
  return res;
}

/* --- search index extraction --------------------------------------------- */

typedef struct {
  CercleServerStore *self;
  const char        *type;
  const char        *id;
  gint64             seq;
  gboolean           failed;
} Indexer;

static void
index_add (Indexer    *ix,
           const char *param,
           const char *system,
           const char *value)
{
  sqlite3_stmt *stmt;

  if (value == NULL || *value == '\0' || ix->failed)
    return;
  stmt = cercle_db_prepare (ix->self->db,
                            "INSERT INTO idx (type, id, param, system, value, seq) VALUES (?, ?, ?, ?, ?, ?)", NULL);
  if (stmt == NULL)
    {
      ix->failed = TRUE;
      return;
    }
  sqlite3_bind_text (stmt, 1, ix->type, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, ix->id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, param, -1, SQLITE_STATIC);
  if (system)
    sqlite3_bind_text (stmt, 4, system, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 5, value, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 6, ix->seq);
  if (!cercle_db_step_done (ix->self->db, stmt, NULL))
    ix->failed = TRUE;
}

static void
index_reference (Indexer    *ix,
                 const char *param,
                 JsonObject *obj,
                 const char *member)
{
  index_add (ix, param, NULL, reference_of (obj, member));
}

static void
index_references (Indexer    *ix,
                  const char *param,
                  JsonObject *obj,
                  const char *member)
{
  JsonArray *arr = array_of (obj, member);

  for (guint i = 0; arr && i < json_array_get_length (arr); i++)
    {
      JsonNode *n = json_array_get_element (arr, i);
      JsonObject *wrapper;

      if (!JSON_NODE_HOLDS_OBJECT (n))
        continue;
      wrapper = json_object_new ();
      json_object_set_member (wrapper, "r", json_node_copy (n));
      index_add (ix, param, NULL, reference_of (wrapper, "r"));
      json_object_unref (wrapper);
    }
}

static void
index_identifiers (Indexer    *ix,
                   JsonObject *obj,
                   const char *member,
                   const char *param)
{
  JsonArray *arr = array_of (obj, member);
  JsonObject *single = object_of (obj, member);

  if (single)
    index_add (ix, param, string_of (single, "system"), string_of (single, "value"));
  for (guint i = 0; arr && i < json_array_get_length (arr); i++)
    {
      JsonNode *n = json_array_get_element (arr, i);

      if (JSON_NODE_HOLDS_OBJECT (n))
        index_add (ix, param, string_of (json_node_get_object (n), "system"),
                   string_of (json_node_get_object (n), "value"));
    }
}

static void
index_codeable (Indexer    *ix,
                const char *param,
                JsonObject *concept)
{
  JsonArray *codings = array_of (concept, "coding");

  for (guint i = 0; codings && i < json_array_get_length (codings); i++)
    {
      JsonNode *n = json_array_get_element (codings, i);

      if (JSON_NODE_HOLDS_OBJECT (n))
        index_add (ix, param, string_of (json_node_get_object (n), "system"),
                   string_of (json_node_get_object (n), "code"));
    }
}

static void
index_codeables (Indexer    *ix,
                 const char *param,
                 JsonObject *obj,
                 const char *member)
{
  JsonArray *arr = array_of (obj, member);

  index_codeable (ix, param, object_of (obj, member));
  for (guint i = 0; arr && i < json_array_get_length (arr); i++)
    {
      JsonNode *n = json_array_get_element (arr, i);

      if (JSON_NODE_HOLDS_OBJECT (n))
        index_codeable (ix, param, json_node_get_object (n));
    }
}

/* Every word of a name, folded (case and accents), for prefix search. */
static void
index_words (Indexer    *ix,
             const char *param,
             const char *text)
{
  g_autofree char *folded = NULL;
  g_auto(GStrv) words = NULL;

  if (text == NULL)
    return;
  folded = cercle_text_fold (text);
  words = g_regex_split_simple ("[^a-z0-9]+", folded, 0, 0);
  for (guint i = 0; words[i]; i++)
    index_add (ix, param, NULL, words[i]);
}

static void
index_human_names (Indexer    *ix,
                   JsonObject *obj)
{
  JsonArray *names = array_of (obj, "name");

  for (guint i = 0; names && i < json_array_get_length (names); i++)
    {
      JsonNode *n = json_array_get_element (names, i);
      JsonObject *name;
      JsonArray *given;

      if (!JSON_NODE_HOLDS_OBJECT (n))
        continue;
      name = json_node_get_object (n);
      index_words (ix, "name", string_of (name, "family"));
      index_words (ix, "name", string_of (name, "text"));
      given = array_of (name, "given");
      for (guint j = 0; given && j < json_array_get_length (given); j++)
        {
          JsonNode *g = json_array_get_element (given, j);

          if (json_node_get_value_type (g) == G_TYPE_STRING)
            index_words (ix, "name", json_node_get_string (g));
        }
    }
}

static gboolean
geo_add (Indexer    *ix,
         const char *type,
         const char *id,
         double      lat,
         double      lon)
{
  sqlite3_stmt *stmt;
  g_autofree char *source = g_strdup_printf ("%s/%s", ix->type, ix->id);

  if (lat < -90 || lat > 90 || lon < -180 || lon > 180)
    return TRUE;
  stmt = cercle_db_prepare (ix->self->db,
                            "INSERT INTO geo (type, id, lat, lon, source) VALUES (?, ?, ?, ?, ?)", NULL);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, type, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, id, -1, SQLITE_STATIC);
  sqlite3_bind_double (stmt, 3, lat);
  sqlite3_bind_double (stmt, 4, lon);
  sqlite3_bind_text (stmt, 5, source, -1, SQLITE_TRANSIENT);
  return cercle_db_step_done (ix->self->db, stmt, NULL);
}

static gboolean
number_of (JsonObject *obj,
           const char *member,
           double     *out)
{
  JsonNode *n = obj ? json_object_get_member (obj, member) : NULL;

  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n))
    return FALSE;
  if (json_node_get_value_type (n) == G_TYPE_DOUBLE)
    *out = json_node_get_double (n);
  else if (json_node_get_value_type (n) == G_TYPE_INT64)
    *out = json_node_get_int (n);
  else
    return FALSE;
  return TRUE;
}

/* The standard geolocation extension on an address. */
static void
index_address_positions (Indexer    *ix,
                         JsonObject *obj)
{
  JsonArray *addresses = array_of (obj, "address");

  for (guint i = 0; addresses && i < json_array_get_length (addresses); i++)
    {
      JsonNode *a = json_array_get_element (addresses, i);
      JsonArray *exts;

      if (!JSON_NODE_HOLDS_OBJECT (a))
        continue;
      exts = array_of (json_node_get_object (a), "extension");
      for (guint j = 0; exts && j < json_array_get_length (exts); j++)
        {
          JsonNode *e = json_array_get_element (exts, j);
          JsonArray *parts;
          double lat = 1000, lon = 1000;

          if (!JSON_NODE_HOLDS_OBJECT (e) ||
              g_strcmp0 (string_of (json_node_get_object (e), "url"),
                         "http://hl7.org/fhir/StructureDefinition/geolocation") != 0)
            continue;
          parts = array_of (json_node_get_object (e), "extension");
          for (guint k = 0; parts && k < json_array_get_length (parts); k++)
            {
              JsonNode *p = json_array_get_element (parts, k);
              const char *url;

              if (!JSON_NODE_HOLDS_OBJECT (p))
                continue;
              url = string_of (json_node_get_object (p), "url");
              if (g_strcmp0 (url, "latitude") == 0)
                number_of (json_node_get_object (p), "valueDecimal", &lat);
              else if (g_strcmp0 (url, "longitude") == 0)
                number_of (json_node_get_object (p), "valueDecimal", &lon);
            }
          if (!geo_add (ix, ix->type, ix->id, lat, lon))
            ix->failed = TRUE;
        }
    }
}

/* A HealthcareService is as near as its Locations. */
static void
index_service_locations (Indexer    *ix,
                         JsonObject *obj)
{
  JsonArray *arr = array_of (obj, "location");

  for (guint i = 0; arr && i < json_array_get_length (arr); i++)
    {
      JsonNode *n = json_array_get_element (arr, i);
      JsonNode *r;
      const char *ref;
      sqlite3_stmt *stmt;

      if (!JSON_NODE_HOLDS_OBJECT (n))
        continue;
      r = json_object_get_member (json_node_get_object (n), "reference");
      if (r == NULL || json_node_get_value_type (r) != G_TYPE_STRING)
        continue;
      ref = json_node_get_string (r);
      if (!g_str_has_prefix (ref, "Location/"))
        continue;
      stmt = cercle_db_prepare (ix->self->db,
                                "SELECT lat, lon FROM geo WHERE type = 'Location' AND id = ?", NULL);
      if (stmt == NULL)
        {
          ix->failed = TRUE;
          return;
        }
      sqlite3_bind_text (stmt, 1, ref + 9, -1, SQLITE_TRANSIENT);
      while (sqlite3_step (stmt) == SQLITE_ROW)
        {
          double lat = sqlite3_column_double (stmt, 0), lon = sqlite3_column_double (stmt, 1);
          /* geo_add reuses another statement; this one stays open meanwhile. */
          if (!geo_add (ix, ix->type, ix->id, lat, lon))
            ix->failed = TRUE;
        }
      sqlite3_reset (stmt);
    }
}

static gboolean
reindex (CercleServerStore  *self,
         const char         *type,
         const char         *id,
         gint64              seq,
         JsonObject         *res,
         GError            **error)
{
  Indexer ix = { self, type, id, seq, FALSE };
  g_autofree char *source = g_strdup_printf ("%s/%s", type, id);
  sqlite3_stmt *stmt;

  stmt = cercle_db_prepare (self->db, "DELETE FROM idx WHERE type = ? AND id = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, type, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, id, -1, SQLITE_STATIC);
  if (!cercle_db_step_done (self->db, stmt, error))
    return FALSE;
  stmt = cercle_db_prepare (self->db, "DELETE FROM geo WHERE source = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, source, -1, SQLITE_STATIC);
  if (!cercle_db_step_done (self->db, stmt, error))
    return FALSE;

  if (res == NULL) /* deleted */
    return TRUE;

  if (g_str_equal (type, "Patient") || g_str_equal (type, "Practitioner") ||
      g_str_equal (type, "RelatedPerson"))
    {
      index_identifiers (&ix, res, "identifier", "identifier");
      index_human_names (&ix, res);
      index_add (&ix, "birthdate", NULL, string_of (res, "birthDate"));
      if (g_str_equal (type, "RelatedPerson"))
        index_reference (&ix, "patient", res, "patient");
    }
  else if (g_str_equal (type, "PractitionerRole"))
    {
      index_identifiers (&ix, res, "identifier", "identifier");
      index_reference (&ix, "practitioner", res, "practitioner");
      index_reference (&ix, "organization", res, "organization");
    }
  else if (g_str_equal (type, "Organization"))
    {
      index_identifiers (&ix, res, "identifier", "identifier");
      index_codeables (&ix, "type", res, "type");
      index_words (&ix, "name", string_of (res, "name"));
      index_address_positions (&ix, res);
    }
  else if (g_str_equal (type, "Location"))
    {
      JsonObject *pos = object_of (res, "position");
      double lat, lon;
      const char *org = reference_of (res, "managingOrganization");

      index_identifiers (&ix, res, "identifier", "identifier");
      index_reference (&ix, "organization", res, "managingOrganization");
      index_words (&ix, "name", string_of (res, "name"));
      if (pos && number_of (pos, "latitude", &lat) && number_of (pos, "longitude", &lon))
        {
          if (!geo_add (&ix, type, id, lat, lon))
            ix.failed = TRUE;
          /* An Organization is found near where its sites are. */
          if (org && g_str_has_prefix (org, "Organization/") && !geo_add (&ix, "Organization", org + 13, lat, lon))
            ix.failed = TRUE;
        }
    }
  else if (g_str_equal (type, "HealthcareService"))
    {
      index_identifiers (&ix, res, "identifier", "identifier");
      index_codeables (&ix, "type", res, "type");
      index_codeables (&ix, "type", res, "category");
      index_reference (&ix, "organization", res, "providedBy");
      index_references (&ix, "location", res, "location");
      index_words (&ix, "name", string_of (res, "name"));
      index_service_locations (&ix, res);
    }
  else if (g_str_equal (type, "CareTeam"))
    {
      JsonArray *parts = array_of (res, "participant");

      index_reference (&ix, "patient", res, "subject");
      index_add (&ix, "status", NULL, string_of (res, "status"));
      for (guint i = 0; parts && i < json_array_get_length (parts); i++)
        {
          JsonNode *p = json_array_get_element (parts, i);

          if (JSON_NODE_HOLDS_OBJECT (p))
            index_reference (&ix, "participant", json_node_get_object (p), "member");
        }
    }
  else if (g_str_equal (type, "Communication"))
    {
      index_reference (&ix, "subject", res, "subject");
      index_reference (&ix, "patient", res, "subject");
      index_codeables (&ix, "category", res, "category");
      index_references (&ix, "based-on", res, "inResponseTo");
    }
  else if (g_str_equal (type, "ServiceRequest"))
    {
      index_reference (&ix, "subject", res, "subject");
      index_reference (&ix, "patient", res, "subject");
      index_identifiers (&ix, res, "requisition", "requisition");
      index_add (&ix, "status", NULL, string_of (res, "status"));
    }
  else if (g_str_equal (type, "Task"))
    {
      index_reference (&ix, "owner", res, "owner");
      index_reference (&ix, "requester", res, "requester");
      index_reference (&ix, "focus", res, "focus");
      index_reference (&ix, "patient", res, "for");
      index_add (&ix, "status", NULL, string_of (res, "status"));
      index_codeable (&ix, "business-status", object_of (res, "businessStatus"));
    }

  if (ix.failed)
    {
      cercle_db_set_error (self->db, error, "index");
      return FALSE;
    }
  return TRUE;
}

/* CareTeam participants become rows of `members`, the source of access. */
static gboolean
update_members (CercleServerStore  *self,
                const char         *careteam_id,
                JsonObject         *res,
                GError            **error)
{
  sqlite3_stmt *stmt;
  const char *patient_id;
  JsonArray *parts;
  const char *status;
  JsonObject *team_period;

  stmt = cercle_db_prepare (self->db, "DELETE FROM members WHERE careteam_id = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, careteam_id, -1, SQLITE_STATIC);
  if (!cercle_db_step_done (self->db, stmt, error))
    return FALSE;

  if (res == NULL)
    return TRUE;
  status = string_of (res, "status");
  /* A team that is over or was a mistake gives access to no one. */
  if (g_strcmp0 (status, "inactive") == 0 || g_strcmp0 (status, "entered-in-error") == 0)
    return TRUE;
  patient_id = cercle_server_store_patient_of (res, "CareTeam");
  if (patient_id == NULL)
    return TRUE;
  team_period = object_of (res, "period");

  parts = array_of (res, "participant");
  for (guint i = 0; parts && i < json_array_get_length (parts); i++)
    {
      JsonNode *p = json_array_get_element (parts, i);
      JsonObject *part, *period;
      const char *member;
      g_autofree char *start = NULL;
      g_autofree char *end = NULL;
      g_autofree char *team_end = NULL;
      g_autofree char *resolved = NULL;

      if (!JSON_NODE_HOLDS_OBJECT (p))
        continue;
      part = json_node_get_object (p);
      member = reference_of (part, "member");
      if (member && g_str_has_prefix (member, "PractitionerRole/"))
        {
          /* A role stands for its practitioner (as the ANS guide writes
           * circles); resolved now, from the role as stored. */
          sqlite3_stmt *role = cercle_db_prepare (self->db,
                                                  "SELECT value FROM idx WHERE type = 'PractitionerRole' AND id = ?"
                                                  " AND param = 'practitioner'", error);

          if (role == NULL)
            return FALSE;
          sqlite3_bind_text (role, 1, member + strlen ("PractitionerRole/"), -1, SQLITE_TRANSIENT);
          g_clear_pointer (&resolved, g_free);
          if (sqlite3_step (role) == SQLITE_ROW)
            resolved = g_strdup ((const char *) sqlite3_column_text (role, 0));
          sqlite3_reset (role);
          member = resolved;
        }
      if (member == NULL || !g_str_has_prefix (member, "Practitioner/"))
        continue;
      period = object_of (part, "period");
      start = cercle_server_store_normalize_instant (string_of (period, "start"));
      end = cercle_server_store_normalize_instant (string_of (period, "end"));
      team_end = cercle_server_store_normalize_instant (string_of (team_period, "end"));
      if (team_end && (end == NULL || strcmp (team_end, end) < 0))
        {
          g_free (end);
          end = g_strdup (team_end);
        }

      stmt = cercle_db_prepare (self->db,
                                "INSERT INTO members (careteam_id, patient_id, practitioner_id, start, end)"
                                " VALUES (?, ?, ?, ?, ?)", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_text (stmt, 1, careteam_id, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 2, patient_id, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 3, member + 13, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 4, start, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 5, end, -1, SQLITE_STATIC);
      if (!cercle_db_step_done (self->db, stmt, error))
        return FALSE;
    }
  return TRUE;
}

/* A PractitionerRole stands for its practitioner in the circles that name
 * it: when it changes, their members are worked out again, so that a role
 * pointed at someone else no longer opens them to the one it named. */
static gboolean
update_role_members (CercleServerStore  *self,
                     const char         *role_id,
                     GError            **error)
{
  g_autofree char *ref = g_strdup_printf ("PractitionerRole/%s", role_id);
  g_autoptr(GPtrArray) teams = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt = cercle_db_prepare (self->db,
                                          "SELECT DISTINCT id FROM idx WHERE type = 'CareTeam' AND param = 'participant'"
                                          " AND value = ?", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, ref, -1, SQLITE_STATIC);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_ptr_array_add (teams, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  sqlite3_reset (stmt);

  for (guint i = 0; i < teams->len; i++)
    {
      const char *team_id = g_ptr_array_index (teams, i);
      g_autoptr(CercleStoredResource) team = cercle_server_store_get (self, "CareTeam", team_id, 0, error);
      g_autoptr(JsonNode) node = NULL;

      if (team == NULL)
        return FALSE;
      node = json_from_string (team->json, error);
      if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node) ||
          !update_members (self, team_id, json_node_get_object (node), error))
        return FALSE;
    }
  return TRUE;
}

/**
 * cercle_server_store_write:
 * @self: the store, inside a transaction
 * @resource: the resource with its resourceType and id; its meta is replaced
 * @if_match: the version the client saw, or -1 for no condition
 * @outcome: (out): created, updated, or unchanged (same content as stored)
 * @error: CERCLE_SERVER_ERROR_PRECONDITION when @if_match is stale
 *
 * Stores a new version, its history row and its index rows. Writing the
 * content already stored makes no new version: a repeated PUT is harmless.
 *
 * Returns: (transfer full): the stored version
 */
CercleStoredResource *
cercle_server_store_write (CercleServerStore  *self,
                           JsonObject         *resource,
                           gint64              if_match,
                           CercleStoreWrite   *outcome,
                           GError            **error)
{
  g_autoptr(CercleStoredResource) current = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(JsonNode) node = NULL;
  CercleStoredResource *res;
  const char *type = string_of (resource, "resourceType");
  const char *id = string_of (resource, "id");
  const char *patient_id;
  JsonObject *meta;
  sqlite3_stmt *stmt;
  g_autofree char *now = NULL;
  g_autofree char *json = NULL;
  gint64 version = 1;

  g_return_val_if_fail (type != NULL && id != NULL, NULL);

  current = cercle_server_store_get (self, type, id, 0, &local_error);
  if (current == NULL && !g_error_matches (local_error, CERCLE_SERVER_ERROR, CERCLE_SERVER_ERROR_NOT_FOUND))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (if_match >= 0 && (current == NULL ? if_match != 0 : current->version != if_match))
    {
      g_set_error (error, CERCLE_SERVER_ERROR, CERCLE_SERVER_ERROR_PRECONDITION,
                   "%s/%s is at version %" G_GINT64_FORMAT ", not %" G_GINT64_FORMAT,
                   type, id, current ? current->version : 0, if_match);
      return NULL;
    }

  meta = object_of (resource, "meta");
  if (meta == NULL)
    {
      meta = json_object_new ();
      json_object_set_object_member (resource, "meta", meta);
    }
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_set_object (node, resource);

  if (current && !current->deleted)
    {
      g_autofree char *version_text = g_strdup_printf ("%" G_GINT64_FORMAT, current->version);

      /* Same content under the current meta: nothing to store. */
      json_object_set_string_member (meta, "versionId", version_text);
      json_object_set_string_member (meta, "lastUpdated", current->last_updated);
      json = json_to_string (node, FALSE);
      if (g_str_equal (json, current->json))
        {
          *outcome = CERCLE_STORE_WRITE_UNCHANGED;
          return g_steal_pointer (&current);
        }
      g_clear_pointer (&json, g_free);
    }

  if (current)
    version = current->version + 1;
  now = cercle_server_store_now ();
  {
    g_autofree char *version_text = g_strdup_printf ("%" G_GINT64_FORMAT, version);

    json_object_set_string_member (meta, "versionId", version_text);
    json_object_set_string_member (meta, "lastUpdated", now);
  }
  json = json_to_string (node, FALSE);
  patient_id = cercle_server_store_patient_of (resource, type);

  stmt = cercle_db_prepare (self->db,
                            "INSERT INTO history (type, id, version, last_updated, method, patient_id, json)"
                            " VALUES (?, ?, ?, ?, ?, ?, ?)", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, type, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, id, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, version);
  sqlite3_bind_text (stmt, 4, now, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 5, current ? "PUT" : "POST", -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 6, patient_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 7, json, -1, SQLITE_STATIC);
  if (!cercle_db_step_done (self->db, stmt, error))
    return NULL;

  res = g_new0 (CercleStoredResource, 1);
  res->type = g_strdup (type);
  res->id = g_strdup (id);
  res->version = version;
  res->last_updated = g_steal_pointer (&now);
  res->seq = sqlite3_last_insert_rowid (cercle_db_get_handle (self->db));
  res->patient_id = g_strdup (patient_id);
  res->json = g_steal_pointer (&json);

  stmt = cercle_db_prepare (self->db,
                            "INSERT OR REPLACE INTO resources (type, id, version, last_updated, seq, deleted, patient_id, json)"
                            " VALUES (?, ?, ?, ?, ?, 0, ?, ?)", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_text (stmt, 1, res->type, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, res->id, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, res->version);
  sqlite3_bind_text (stmt, 4, res->last_updated, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 5, res->seq);
  sqlite3_bind_text (stmt, 6, res->patient_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 7, res->json, -1, SQLITE_STATIC);
  if (!cercle_db_step_done (self->db, stmt, error))
    goto fail;

  if (!reindex (self, type, id, res->seq, resource, error))
    goto fail;
  if (g_str_equal (type, "CareTeam") && !update_members (self, id, resource, error))
    goto fail;
  if (g_str_equal (type, "PractitionerRole") && current && !update_role_members (self, id, error))
    goto fail;

  *outcome = current ? CERCLE_STORE_WRITE_UPDATED : CERCLE_STORE_WRITE_CREATED;
  return res;

fail:
  cercle_stored_resource_free (res);
  return NULL;
}
