/* cercle-server-sync.c — what the history feed tells a syncing client
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The system `_history` feed is the sync service's source (docs/fhir.md,
 * « Sync »). Beyond the changes themselves, each page tells the client:
 *
 * - where to resume: a "sync" link whose `_cursor` is the server's last
 *   sequence number the page covers, even when the page is empty or the
 *   caller could see none of the rows it passed (so an idle round neither
 *   rescans what it may not see nor relies on the device's clock);
 * - which patients the caller may see now, as a digest (a `meta.tag`): the
 *   feed only shows what the caller may see *now*, so a lost access leaves
 *   no trace in it. When the digest changes, the client lists the patients
 *   it may see (`GET /fhir/Patient`), forgets the others' files, and
 *   fetches the files it gained (their earlier history went by unseen).
 *
 * The national directory (95,000 sites, three resources each) would make a
 * first pull of the feed long: `GET /fhir/$export-directory` gives it at
 * once, as gzip ndjson that libcercle's importer reads, with the feed's
 * position at that moment as its ETag. A new client imports it, then
 * follows the feed from there and fetches the patients' files it may see.
 */
#define G_LOG_DOMAIN "cercle-server"

#include "config.h"

#include <string.h>

#include "cercle-server-access.h"
#include "cercle-server-sync.h"

/**
 * cercle_server_sync_last_seq:
 * @store: the server's store (the connection of the calling thread)
 *
 * The newest committed sequence number of the history. With a single
 * writer, every row at or below it is committed: a page bounded by it and
 * resumed after it skips nothing.
 *
 * Returns: the sequence number, 0 for an empty history
 */
gint64
cercle_server_sync_last_seq (CercleServerStore *store)
{
  CercleDb *db = cercle_server_store_get_db (store);
  sqlite3_stmt *stmt = cercle_db_prepare (db, "SELECT coalesce (max (seq), 0) FROM history", NULL);
  gint64 seq = 0;

  if (stmt && sqlite3_step (stmt) == SQLITE_ROW)
    seq = sqlite3_column_int64 (stmt, 0);
  if (stmt)
    sqlite3_reset (stmt);
  return seq;
}

/* The digests of the accounts, asked for at every page of the feed: kept
 * while the access generation they were computed under is the current one
 * (cercle_server_store_access_generation(): any change to CareTeam members,
 * Tasks or any resource ends it) and, for a practitioner, until the next
 * start or end of one of its memberships. Bounded: emptied when full. */
typedef struct {
  guint  generation;
  char  *valid_until;   /* an instant as stored; NULL: no time limit */
  char  *digest;
} DigestEntry;

static void
digest_entry_free (gpointer data)
{
  DigestEntry *entry = data;

  g_free (entry->valid_until);
  g_free (entry->digest);
  g_free (entry);
}

#define DIGEST_CACHE_MAX 4096
static GMutex digest_lock;
static GHashTable *digest_cache;   /* "database path\naccount" → DigestEntry */

/* Adds the ids @stmt returns to @checksum, one a line, and resets it. */
static void
add_ids (GChecksum    *checksum,
         sqlite3_stmt *stmt)
{
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      g_checksum_update (checksum, sqlite3_column_text (stmt, 0), sqlite3_column_bytes (stmt, 0));
      g_checksum_update (checksum, (const guchar *) "\n", 1);
    }
  sqlite3_reset (stmt);
}

/* The digest, computed; @valid_until: when a membership of the
 * practitioner starts or ends next, after @now. */
static char *
compute_digest (CercleDb             *db,
                const CercleAccount  *account,
                const char           *now,
                char                **valid_until)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  sqlite3_stmt *stmt;

  if (now != NULL)
    {
      /* members_practitioner covers it: no scan of the patients. */
      stmt = cercle_db_prepare (db,
                                "SELECT DISTINCT m.patient_id FROM members m WHERE m.practitioner_id = ?1"
                                " AND (m.start IS NULL OR m.start <= ?2) AND (m.end IS NULL OR m.end > ?2)"
                                " ORDER BY 1",
                                NULL);
      if (stmt != NULL)
        {
          sqlite3_bind_text (stmt, 1, account->practitioner_id, -1, SQLITE_STATIC);
          sqlite3_bind_text (stmt, 2, now, -1, SQLITE_STATIC);
          add_ids (checksum, stmt);
        }
      /* The same comparisons as above, as text: the first instant at
       * which one of them turns. */
      stmt = cercle_db_prepare (db,
                                "SELECT min (t) FROM (SELECT m.start AS t FROM members m WHERE m.practitioner_id = ?1 AND m.start > ?2"
                                " UNION ALL SELECT m.end FROM members m WHERE m.practitioner_id = ?1 AND m.end > ?2)",
                                NULL);
      if (stmt != NULL)
        {
          sqlite3_bind_text (stmt, 1, account->practitioner_id, -1, SQLITE_STATIC);
          sqlite3_bind_text (stmt, 2, now, -1, SQLITE_STATIC);
          if (sqlite3_step (stmt) == SQLITE_ROW && sqlite3_column_type (stmt, 0) != SQLITE_NULL)
            *valid_until = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
          sqlite3_reset (stmt);
        }
    }
  else
    {
      g_autoptr(GString) sql = g_string_new ("SELECT r.id FROM resources r WHERE r.type = 'Patient'");
      g_autoptr(GPtrArray) binds = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);

      /* A desk's Patients follow its Tasks, not the clock. */
      cercle_server_access_add_filter (account, "r", sql, binds);
      g_string_append (sql, " ORDER BY 1");
      stmt = cercle_db_prepare (db, sql->str, NULL);
      if (stmt != NULL)
        {
          cercle_server_access_bind (stmt, binds);
          add_ids (checksum, stmt);
        }
    }
  return g_strdup (g_checksum_get_string (checksum));
}

/**
 * cercle_server_sync_access_digest:
 * @store: the server's store
 * @account: the caller
 * @generation: cercle_server_store_access_generation(), read before the
 *   read transaction of @store began
 *
 * A digest of the ids of the patients @account may see now (the same rule
 * as reads), so that a client notices when it gained or lost one without
 * downloading the list at every round. Kept for the next pages while
 * nothing it depends on changes.
 *
 * Returns: (transfer full): a hex SHA-256
 */
char *
cercle_server_sync_access_digest (CercleServerStore   *store,
                                  const CercleAccount *account,
                                  guint                generation)
{
  CercleDb *db = cercle_server_store_get_db (store);
  gboolean practitioner = account->organization_id == NULL && account->practitioner_id != NULL;
  g_autofree char *now = practitioner ? cercle_server_store_now () : NULL;
  g_autofree char *key = NULL;
  char *valid_until = NULL;
  char *digest = NULL;
  gboolean settled = (generation & 1) == 0;

  if (account->organization_id)
    key = g_strconcat (cercle_db_get_path (db), "\no:", account->organization_id, NULL);
  else if (practitioner)
    key = g_strconcat (cercle_db_get_path (db), "\np:", account->practitioner_id, NULL);
  else
    key = g_strconcat (cercle_db_get_path (db), "\n-", NULL);

  if (settled)
    {
      DigestEntry *entry;

      g_mutex_lock (&digest_lock);
      entry = digest_cache ? g_hash_table_lookup (digest_cache, key) : NULL;
      if (entry && entry->generation == generation &&
          (entry->valid_until == NULL || (now != NULL && strcmp (now, entry->valid_until) < 0)))
        digest = g_strdup (entry->digest);
      g_mutex_unlock (&digest_lock);
      if (digest)
        return digest;
    }

  digest = compute_digest (db, account, now, &valid_until);
  if (settled)
    {
      DigestEntry *entry = g_new0 (DigestEntry, 1);

      entry->generation = generation;
      entry->valid_until = valid_until;
      entry->digest = g_strdup (digest);
      g_mutex_lock (&digest_lock);
      if (digest_cache == NULL)
        digest_cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, digest_entry_free);
      if (g_hash_table_size (digest_cache) >= DIGEST_CACHE_MAX)
        g_hash_table_remove_all (digest_cache);
      g_hash_table_replace (digest_cache, g_steal_pointer (&key), entry);
      g_mutex_unlock (&digest_lock);
    }
  else
    g_free (valid_until);
  return digest;
}

/**
 * cercle_server_sync_export_directory:
 * @store: the server's store (the connection of the calling thread)
 * @gzip: (out) (transfer full): the export, gzip-compressed ndjson
 * @length: (out): its length
 * @cursor: (out): the feed position it reflects
 * @error: return location for a #GError
 *
 * Every directory resource (Organization, Location, HealthcareService
 * outside any patient's file), one JSON a line, in one read transaction
 * with the feed position: a client that follows the feed from @cursor
 * misses no change and repeats none.
 *
 * Returns: %TRUE on success
 */
gboolean
cercle_server_sync_export_directory (CercleServerStore  *store,
                                     char              **gzip,
                                     gsize              *length,
                                     gint64             *cursor,
                                     GError            **error)
{
  CercleDb *db = cercle_server_store_get_db (store);
  g_autoptr(GOutputStream) memory = g_memory_output_stream_new_resizable ();
  g_autoptr(GZlibCompressor) compressor = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, 1);
  g_autoptr(GOutputStream) out = g_converter_output_stream_new (memory, G_CONVERTER (compressor));
  sqlite3_stmt *stmt;
  gboolean ok = TRUE;
  int rc;

  if (!cercle_db_exec (db, "SAVEPOINT directory_export", error))
    return FALSE;
  *cursor = cercle_server_sync_last_seq (store);
  stmt = cercle_db_prepare (db,
                            "SELECT json FROM resources WHERE type IN ('Organization', 'Location', 'HealthcareService')"
                            " AND patient_id IS NULL AND deleted = 0 ORDER BY type DESC, id",
                            error);
  if (stmt == NULL)
    {
      cercle_db_exec (db, "RELEASE directory_export", NULL);
      return FALSE;
    }
  /* Organizations first, then Locations and services (the importer pairs
   * them either way) */
  while (ok && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    ok = g_output_stream_write_all (out, sqlite3_column_text (stmt, 0), sqlite3_column_bytes (stmt, 0), NULL, NULL, error)
         && g_output_stream_write_all (out, "\n", 1, NULL, NULL, error);
  sqlite3_reset (stmt);
  cercle_db_exec (db, "RELEASE directory_export", NULL);
  if (ok && rc != SQLITE_DONE)
    {
      cercle_db_set_error (db, error, "directory export");
      ok = FALSE;
    }
  if (!ok || !g_output_stream_close (out, NULL, error))
    return FALSE;
  *length = g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (memory));
  *gzip = g_memory_output_stream_steal_data (G_MEMORY_OUTPUT_STREAM (memory));
  return TRUE;
}
