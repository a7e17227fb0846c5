/* cercle-server-access.c — who may see and change what
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Reading is decided in SQL, by one filter shared by reads, searches and the
 * history feed, so that a search can never return what a read would refuse:
 * - a practitioner sees a patient's file (the patient compartment) only while
 *   an active member of one of that patient's CareTeams;
 * - an admission desk (an account acting for an Organization) sees the Tasks
 *   its structure owns once they are sent, the ServiceRequests they point to,
 *   and the Patients they are for — nothing else of the file;
 * - data outside any patient's file (directory, professionals) is visible to
 *   every account.
 */
#define G_LOG_DOMAIN "cercle-server"

#include "config.h"

#include "cercle-server-access.h"

#define DESK_TASKS \
  "SELECT o.id FROM idx o WHERE o.type = 'Task' AND o.param = 'owner' AND o.value = ?" \
  " AND NOT EXISTS (SELECT 1 FROM idx s WHERE s.type = 'Task' AND s.id = o.id" \
  " AND s.param = 'status' AND s.value = 'draft')"

/**
 * cercle_server_access_add_filter:
 * @account: the caller
 * @alias: the SQL alias of a table with type, id and patient_id columns
 * @sql: the query, to which " AND (…)" is appended
 * @binds: (element-type GVariant): the query's parameters, appended to
 *
 * Restricts a query on resources (or their history) to what @account may
 * read.
 */
void
cercle_server_access_add_filter (const CercleAccount *account,
                                 const char          *alias,
                                 GString             *sql,
                                 GPtrArray           *binds)
{
  const char *a = alias;

  if (account->organization_id)
    {
      g_autofree char *org = g_strdup_printf ("Organization/%s", account->organization_id);

      g_string_append_printf (sql,
                              " AND (%s.patient_id IS NULL"
                              " OR (%s.type = 'Task' AND %s.id IN (" DESK_TASKS "))"
                              " OR (%s.type = 'ServiceRequest' AND ('ServiceRequest/' || %s.id) IN"
                              "   (SELECT f.value FROM idx f WHERE f.type = 'Task' AND f.param = 'focus' AND f.id IN (" DESK_TASKS ")))"
                              " OR (%s.type = 'Patient' AND ('Patient/' || %s.id) IN"
                              "   (SELECT f.value FROM idx f WHERE f.type = 'Task' AND f.param = 'patient' AND f.id IN (" DESK_TASKS "))))",
                              a, a, a, a, a, a, a);
      for (guint i = 0; i < 3; i++)
        g_ptr_array_add (binds, g_variant_ref_sink (g_variant_new_string (org)));
    }
  else
    {
      g_autofree char *now = cercle_server_store_now ();

      /* Correlated EXISTS on (practitioner_id, patient_id): cheaper per
       * query than materialising the caller's list of patients. */
      g_string_append_printf (sql,
                              " AND (%s.patient_id IS NULL OR EXISTS"
                              " (SELECT 1 FROM members m WHERE m.practitioner_id = ? AND m.patient_id = %s.patient_id"
                              " AND (m.start IS NULL OR m.start <= ?) AND (m.end IS NULL OR m.end > ?)))",
                              a, a);
      g_ptr_array_add (binds, g_variant_ref_sink (g_variant_new_string (account->practitioner_id)));
      g_ptr_array_add (binds, g_variant_ref_sink (g_variant_new_string (now)));
      g_ptr_array_add (binds, g_variant_ref_sink (g_variant_new_string (now)));
    }
}

/* Binds @binds (strings, doubles and int64 GVariants) from parameter 1 on. */
gboolean
cercle_server_access_bind (sqlite3_stmt *stmt,
                           GPtrArray    *binds)
{
  for (guint i = 0; i < binds->len; i++)
    {
      GVariant *v = g_ptr_array_index (binds, i);
      int rc;

      if (g_variant_is_of_type (v, G_VARIANT_TYPE_DOUBLE))
        rc = sqlite3_bind_double (stmt, i + 1, g_variant_get_double (v));
      else if (g_variant_is_of_type (v, G_VARIANT_TYPE_INT64))
        rc = sqlite3_bind_int64 (stmt, i + 1, g_variant_get_int64 (v));
      else
        rc = sqlite3_bind_text (stmt, i + 1, g_variant_get_string (v, NULL), -1, SQLITE_TRANSIENT);
      if (rc != SQLITE_OK)
        return FALSE;
    }
  return TRUE;
}

/* Whether @account is an active member of @patient_id's care circle. A desk
 * is never a member: it acts for a structure, not inside the circle. */
gboolean
cercle_server_access_is_member (CercleServerStore   *store,
                                const CercleAccount *account,
                                const char          *patient_id)
{
  CercleDb *db = cercle_server_store_get_db (store);
  g_autofree char *now = cercle_server_store_now ();
  sqlite3_stmt *stmt;
  gboolean member = FALSE;

  if (account->organization_id || account->practitioner_id == NULL || patient_id == NULL)
    return FALSE;
  stmt = cercle_db_prepare (db,
                            "SELECT 1 FROM members m WHERE m.practitioner_id = ? AND m.patient_id = ?"
                            " AND (m.start IS NULL OR m.start <= ?) AND (m.end IS NULL OR m.end > ?) LIMIT 1",
                            NULL);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, account->practitioner_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, patient_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, now, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, now, -1, SQLITE_STATIC);
  member = sqlite3_step (stmt) == SQLITE_ROW;
  sqlite3_reset (stmt);
  return member;
}

/* Whether @account may read the current version of @type/@id. */
gboolean
cercle_server_access_can_read (CercleServerStore   *store,
                               const CercleAccount *account,
                               const char          *type,
                               const char          *id)
{
  CercleDb *db = cercle_server_store_get_db (store);
  g_autoptr(GString) sql = g_string_new ("SELECT 1 FROM resources r WHERE r.type = ? AND r.id = ?");
  g_autoptr(GPtrArray) binds = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  sqlite3_stmt *stmt;
  gboolean ok;

  g_ptr_array_add (binds, g_variant_ref_sink (g_variant_new_string (type)));
  g_ptr_array_add (binds, g_variant_ref_sink (g_variant_new_string (id)));
  cercle_server_access_add_filter (account, "r", sql, binds);
  stmt = cercle_db_prepare (db, sql->str, NULL);
  if (stmt == NULL)
    return FALSE;
  cercle_server_access_bind (stmt, binds);
  ok = sqlite3_step (stmt) == SQLITE_ROW;
  sqlite3_reset (stmt);
  return ok;
}
