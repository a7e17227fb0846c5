/* cercle-db.c — one SQLite connection with numbered migrations
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A CercleDb is one connection and must be used from one thread at a time:
 * a worker thread opens its own (SQLite in WAL mode lets readers run beside
 * the writer). Statements are prepared once and kept, keyed by their text.
 */
#define G_LOG_DOMAIN "cercle-db"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>

#include "cercle-db.h"
#include "cercle-i18n.h"

struct _CercleDb
{
  GObject     parent_instance;
  char       *path;
  sqlite3    *handle;
  GHashTable *statements; /* SQL text → sqlite3_stmt */
};

G_DEFINE_FINAL_TYPE (CercleDb, cercle_db, G_TYPE_OBJECT)

static void
cercle_db_finalize (GObject *object)
{
  CercleDb *self = (CercleDb *)object;

  g_clear_pointer (&self->statements, g_hash_table_unref);
  if (self->handle)
    sqlite3_close (self->handle);
  g_free (self->path);

  G_OBJECT_CLASS (cercle_db_parent_class)->finalize (object);
}

static void
cercle_db_class_init (CercleDbClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = cercle_db_finalize;
}

static void
cercle_db_init (CercleDb *self)
{
  self->statements = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                            (GDestroyNotify) sqlite3_finalize);
}

/**
 * cercle_db_set_error:
 * @self: a #CercleDb
 * @error: return location for a #CERCLE_DB_ERROR
 * @context: (nullable): what was being done, for the message
 *
 * Turns the connection's last SQLite error into a #GError.
 */
void
cercle_db_set_error (CercleDb    *self,
                     GError     **error,
                     const char  *context)
{
  int code = sqlite3_extended_errcode (self->handle);
  int primary = code & 0xff;
  CercleDbError db_code = CERCLE_DB_ERROR_SQL;

  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED)
    db_code = CERCLE_DB_ERROR_BUSY;
  else if (primary == SQLITE_CONSTRAINT)
    db_code = CERCLE_DB_ERROR_CONFLICT;

  g_set_error (error, CERCLE_DB_ERROR, db_code,
               "%s%s%s", context ? context : "", context ? ": " : "",
               sqlite3_errmsg (self->handle));
}

/* Waits up to about 5 s for a lock, looking again every 0.1 ms for the
 * first 2 ms, then every millisecond. SQLite's own timeout sleeps ever
 * longer (up to 100 ms at a time), and a server's main loop waiting for a
 * checkpoint that took 10 ms would then stay stopped 50 ms or more. */
static int
wait_while_busy (void *data,
                 int   count)
{
  if (count >= 5000 + 20)
    return 0;
  g_usleep (count < 20 ? 100 : 1000);
  return 1;
}

/**
 * cercle_db_open:
 * @path: the database file; created (with its folder) if missing
 * @error: return location for a #CERCLE_DB_ERROR
 *
 * Opens @path in WAL mode with foreign keys enforced and a busy timeout, so
 * that the app, the sync service and the CLI can share one file. A new file
 * is readable by its owner only: it holds health data.
 *
 * Returns: (transfer full): the connection, or %NULL
 */
CercleDb *
cercle_db_open (const char  *path,
                GError     **error)
{
  g_autoptr(CercleDb) self = NULL;
  g_autofree char *dir = NULL;
  int rc;

  g_return_val_if_fail (path != NULL, NULL);

  dir = g_path_get_dirname (path);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int errsv = errno;
      g_set_error (error, CERCLE_DB_ERROR, CERCLE_DB_ERROR_OPEN,
                   _("Cannot create the folder “%s”: %s"), dir, g_strerror (errsv));
      return NULL;
    }

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      int fd = g_open (path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);

      if (fd < 0)
        {
          int errsv = errno;
          g_set_error (error, CERCLE_DB_ERROR, CERCLE_DB_ERROR_OPEN,
                       _("Cannot create “%s”: %s"), path, g_strerror (errsv));
          return NULL;
        }
      g_close (fd, NULL);
    }

  self = g_object_new (CERCLE_TYPE_DB, NULL);
  self->path = g_strdup (path);

  rc = sqlite3_open_v2 (path, &self->handle,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL);
  if (rc != SQLITE_OK)
    {
      g_set_error (error, CERCLE_DB_ERROR, CERCLE_DB_ERROR_OPEN,
                   _("Cannot open the database “%s”: %s"), path,
                   self->handle ? sqlite3_errmsg (self->handle) : sqlite3_errstr (rc));
      return NULL;
    }

  sqlite3_extended_result_codes (self->handle, 1);
  sqlite3_busy_handler (self->handle, wait_while_busy, NULL);

  if (!cercle_db_exec (self,
                       "PRAGMA journal_mode=WAL;"
                       "PRAGMA synchronous=NORMAL;"
                       "PRAGMA foreign_keys=ON;"
                       "PRAGMA temp_store=MEMORY;",
                       error))
    return NULL;

  /* A file that is not a database fails here, not at the first query. */
  if (!cercle_db_exec (self,
                       "CREATE TABLE IF NOT EXISTS schema_migrations ("
                       "  component TEXT NOT NULL,"
                       "  version INTEGER NOT NULL,"
                       "  description TEXT NOT NULL,"
                       "  applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),"
                       "  PRIMARY KEY (component, version))",
                       error))
    return NULL;

  return g_steal_pointer (&self);
}

/**
 * cercle_db_get_path:
 * @self: a #CercleDb
 *
 * Returns: the file this connection is on
 */
const char *
cercle_db_get_path (CercleDb *self)
{
  g_return_val_if_fail (CERCLE_IS_DB (self), NULL);
  return self->path;
}

/**
 * cercle_db_get_handle:
 * @self: a #CercleDb
 *
 * Returns: (transfer none): the SQLite connection
 */
sqlite3 *
cercle_db_get_handle (CercleDb *self)
{
  g_return_val_if_fail (CERCLE_IS_DB (self), NULL);
  return self->handle;
}

/**
 * cercle_db_exec:
 * @self: a #CercleDb
 * @sql: one or more statements without parameters
 * @error: return location for a #CERCLE_DB_ERROR
 *
 * Returns: %TRUE when every statement ran
 */
gboolean
cercle_db_exec (CercleDb    *self,
                const char  *sql,
                GError     **error)
{
  char *msg = NULL;

  g_return_val_if_fail (CERCLE_IS_DB (self), FALSE);

  if (sqlite3_exec (self->handle, sql, NULL, NULL, &msg) != SQLITE_OK)
    {
      int primary = sqlite3_errcode (self->handle);

      g_set_error (error, CERCLE_DB_ERROR,
                   primary == SQLITE_BUSY ? CERCLE_DB_ERROR_BUSY : CERCLE_DB_ERROR_SQL,
                   "%s", msg ? msg : sqlite3_errmsg (self->handle));
      sqlite3_free (msg);
      return FALSE;
    }
  return TRUE;
}

/**
 * cercle_db_prepare:
 * @self: a #CercleDb
 * @sql: one statement, with `?` parameters
 * @error: return location for a #CERCLE_DB_ERROR
 *
 * Returns the statement for @sql, prepared once and kept for the life of
 * the connection, reset and with its bindings cleared.
 *
 * Returns: (transfer none): the statement, or %NULL
 */
sqlite3_stmt *
cercle_db_prepare (CercleDb    *self,
                   const char  *sql,
                   GError     **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (CERCLE_IS_DB (self), NULL);
  g_return_val_if_fail (sql != NULL, NULL);

  stmt = g_hash_table_lookup (self->statements, sql);
  if (stmt)
    {
      sqlite3_reset (stmt);
      sqlite3_clear_bindings (stmt);
      return stmt;
    }

  if (sqlite3_prepare_v3 (self->handle, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL) != SQLITE_OK)
    {
      cercle_db_set_error (self, error, NULL);
      return NULL;
    }
  g_hash_table_insert (self->statements, g_strdup (sql), stmt);
  return stmt;
}

/**
 * cercle_db_bind_text_or_null:
 * @stmt: a prepared statement
 * @index: the parameter, from 1
 * @text: (nullable): the text, copied; %NULL binds SQL NULL
 *
 * Binds an optional text parameter.
 */
void
cercle_db_bind_text_or_null (sqlite3_stmt *stmt,
                             int           index,
                             const char   *text)
{
  if (text != NULL)
    sqlite3_bind_text (stmt, index, text, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (stmt, index);
}

/**
 * cercle_db_step_done:
 * @self: a #CercleDb
 * @stmt: a statement that returns no rows
 * @error: return location for a #CERCLE_DB_ERROR
 *
 * Runs @stmt to completion and resets it.
 *
 * Returns: %TRUE on success
 */
gboolean
cercle_db_step_done (CercleDb      *self,
                     sqlite3_stmt  *stmt,
                     GError       **error)
{
  int rc = sqlite3_step (stmt);

  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    {
      cercle_db_set_error (self, error, NULL);
      sqlite3_reset (stmt);
      return FALSE;
    }
  sqlite3_reset (stmt);
  return TRUE;
}

/**
 * cercle_db_begin:
 * @self: a #CercleDb
 * @error: return location for a #CERCLE_DB_ERROR
 *
 * Starts a write transaction (BEGIN IMMEDIATE, so that a second writer waits
 * at the start rather than failing at commit).
 *
 * Returns: %TRUE on success
 */
gboolean
cercle_db_begin (CercleDb  *self,
                 GError   **error)
{
  /* Prepared once: a server begins and commits hundreds of times a second. */
  sqlite3_stmt *stmt = cercle_db_prepare (self, "BEGIN IMMEDIATE", error);

  return stmt && cercle_db_step_done (self, stmt, error);
}

/**
 * cercle_db_commit:
 * @self: a #CercleDb
 * @error: return location for a #CERCLE_DB_ERROR
 *
 * Returns: %TRUE when the transaction is durable
 */
gboolean
cercle_db_commit (CercleDb  *self,
                  GError   **error)
{
  sqlite3_stmt *stmt = cercle_db_prepare (self, "COMMIT", error);

  if (stmt == NULL || !cercle_db_step_done (self, stmt, error))
    {
      cercle_db_rollback (self);
      return FALSE;
    }
  return TRUE;
}

/**
 * cercle_db_rollback:
 * @self: a #CercleDb
 *
 * Rolls back the open transaction, if any.
 */
void
cercle_db_rollback (CercleDb *self)
{
  g_return_if_fail (CERCLE_IS_DB (self));

  if (!sqlite3_get_autocommit (self->handle))
    sqlite3_exec (self->handle, "ROLLBACK", NULL, NULL, NULL);
}

/**
 * cercle_db_get_version:
 * @self: a #CercleDb
 * @component: the migration set, e.g. "core" or "directory"
 *
 * Returns: the highest migration of @component applied, 0 for none
 */
guint
cercle_db_get_version (CercleDb   *self,
                       const char *component)
{
  sqlite3_stmt *stmt;
  guint version = 0;

  g_return_val_if_fail (CERCLE_IS_DB (self), 0);

  stmt = cercle_db_prepare (self,
                            "SELECT COALESCE(MAX(version), 0) FROM schema_migrations WHERE component = ?",
                            NULL);
  if (stmt == NULL)
    return 0;
  sqlite3_bind_text (stmt, 1, component, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    version = sqlite3_column_int (stmt, 0);
  sqlite3_reset (stmt);
  return version;
}

/**
 * cercle_db_migrate:
 * @self: a #CercleDb
 * @component: the name of the migration set, e.g. "core"
 * @migrations: (array length=n_migrations): the steps, in version order
 * @n_migrations: how many
 * @error: return location for a #CERCLE_DB_ERROR
 *
 * Applies the steps of @component not yet applied, each in its own
 * transaction with the row that records it: a failing step leaves the file
 * exactly as the previous step left it. A file whose version is newer than
 * the steps known here (written by a newer Cercle) is refused.
 *
 * Returns: %TRUE when the schema is up to date
 */
gboolean
cercle_db_migrate (CercleDb               *self,
                   const char             *component,
                   const CercleMigration  *migrations,
                   gsize                   n_migrations,
                   GError                **error)
{
  guint current;

  g_return_val_if_fail (CERCLE_IS_DB (self), FALSE);
  g_return_val_if_fail (component != NULL, FALSE);

  current = cercle_db_get_version (self, component);
  if (n_migrations > 0 && current > migrations[n_migrations - 1].version)
    {
      g_set_error (error, CERCLE_DB_ERROR, CERCLE_DB_ERROR_TOO_NEW,
                   _("The database “%s” was written by a newer version of Cercle"),
                   self->path);
      return FALSE;
    }

  for (gsize i = 0; i < n_migrations; i++)
    {
      const CercleMigration *m = &migrations[i];
      g_autoptr(GError) local_error = NULL;
      sqlite3_stmt *stmt;

      g_assert (i == 0 || m->version > migrations[i - 1].version);

      if (m->version <= current)
        continue;

      if (!cercle_db_begin (self, error))
        return FALSE;

      if (!cercle_db_exec (self, m->sql, &local_error))
        {
          cercle_db_rollback (self);
          g_set_error (error, CERCLE_DB_ERROR, CERCLE_DB_ERROR_MIGRATION,
                       _("Cannot update the database (%s step %u, %s): %s"),
                       component, m->version, m->description, local_error->message);
          return FALSE;
        }

      stmt = cercle_db_prepare (self,
                                "INSERT INTO schema_migrations (component, version, description) VALUES (?, ?, ?)",
                                error);
      if (stmt == NULL)
        {
          cercle_db_rollback (self);
          return FALSE;
        }
      sqlite3_bind_text (stmt, 1, component, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int (stmt, 2, m->version);
      sqlite3_bind_text (stmt, 3, m->description, -1, SQLITE_TRANSIENT);
      if (!cercle_db_step_done (self, stmt, error) || !cercle_db_commit (self, error))
        {
          cercle_db_rollback (self);
          return FALSE;
        }

      g_debug ("Applied migration %s %u: %s", component, m->version, m->description);
    }

  return TRUE;
}
