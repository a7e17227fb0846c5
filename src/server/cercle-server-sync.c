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
 */
#define G_LOG_DOMAIN "cercle-server"

#include "config.h"

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

/**
 * cercle_server_sync_access_digest:
 * @store: the server's store
 * @account: the caller
 *
 * A digest of the ids of the patients @account may see now (the same rule
 * as reads), so that a client notices when it gained or lost one without
 * downloading the list at every round.
 *
 * Returns: (transfer full): a hex SHA-256
 */
char *
cercle_server_sync_access_digest (CercleServerStore   *store,
                                  const CercleAccount *account)
{
  CercleDb *db = cercle_server_store_get_db (store);
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autoptr(GString) sql = g_string_new (NULL);
  g_autoptr(GPtrArray) binds = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  sqlite3_stmt *stmt;

  if (account->organization_id == NULL && account->practitioner_id != NULL)
    {
      g_autofree char *now = cercle_server_store_now ();

      /* members_practitioner covers it: no scan of the patients */
      g_string_append (sql, "SELECT DISTINCT m.patient_id FROM members m WHERE m.practitioner_id = ?"
                            " AND (m.start IS NULL OR m.start <= ?) AND (m.end IS NULL OR m.end > ?)"
                            " ORDER BY 1");
      g_ptr_array_add (binds, g_variant_ref_sink (g_variant_new_string (account->practitioner_id)));
      g_ptr_array_add (binds, g_variant_ref_sink (g_variant_new_string (now)));
      g_ptr_array_add (binds, g_variant_ref_sink (g_variant_new_string (now)));
    }
  else
    {
      g_string_append (sql, "SELECT r.id FROM resources r WHERE r.type = 'Patient'");
      cercle_server_access_add_filter (account, "r", sql, binds);
      g_string_append (sql, " ORDER BY 1");
    }
  stmt = cercle_db_prepare (db, sql->str, NULL);
  if (stmt != NULL)
    {
      cercle_server_access_bind (stmt, binds);
      while (sqlite3_step (stmt) == SQLITE_ROW)
        {
          g_checksum_update (checksum, sqlite3_column_text (stmt, 0), sqlite3_column_bytes (stmt, 0));
          g_checksum_update (checksum, (const guchar *) "\n", 1);
        }
      sqlite3_reset (stmt);
    }
  return g_strdup (g_checksum_get_string (checksum));
}
