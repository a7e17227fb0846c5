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

#include <string.h>

#include "cercle-fhir.h"
#include "cercle-professional.h"
#include "cercle-referral.h"
#include "cercle-server-access.h"

#define DESK_TASKS \
  "SELECT o.id FROM idx o WHERE o.type = 'Task' AND o.param = 'owner' AND o.value = ?" \
  " AND NOT EXISTS (SELECT 1 FROM idx s WHERE s.type = 'Task' AND s.id = o.id" \
  " AND s.param = 'status' AND s.value = 'draft')"

/* Appends the reading rule; @versions: @alias is the history table. */
static void
add_filter (const CercleAccount *account,
            const char          *alias,
            gboolean             versions,
            GString             *sql,
            GPtrArray           *binds)
{
  const char *a = alias;

  if (account->organization_id)
    {
      g_autofree char *org = g_strdup_printf ("Organization/%s", account->organization_id);
      /* Current versions by their indexed status, older ones by theirs. */
      g_autofree char *not_draft_request =
        versions ? g_strdup (" AND json_extract (h.json, '$.status') IS NOT 'draft'")
                 : g_strdup_printf (" AND NOT EXISTS (SELECT 1 FROM idx s WHERE s.type = 'ServiceRequest' AND s.id = %s.id"
                                    " AND s.param = 'status' AND s.value = 'draft')", a);

      /* A Task's owner never changes, but its status does: a version of
       * it (or of its ServiceRequest) written while it was a draft stays
       * the requester's. The JSON of that version is read only for the
       * desk's own Tasks and their ServiceRequests. */
      g_string_append_printf (sql,
                              " AND (%s.patient_id IS NULL"
                              " OR (%s.type = 'Task' AND %s.id IN (" DESK_TASKS ")%s)"
                              " OR (%s.type = 'ServiceRequest' AND ('ServiceRequest/' || %s.id) IN"
                              "   (SELECT f.value FROM idx f WHERE f.type = 'Task' AND f.param = 'focus' AND f.id IN (" DESK_TASKS "))%s)"
                              " OR (%s.type = 'Patient' AND ('Patient/' || %s.id) IN"
                              "   (SELECT f.value FROM idx f WHERE f.type = 'Task' AND f.param = 'patient' AND f.id IN (" DESK_TASKS "))))",
                              a, a, a,
                              versions ? " AND json_extract (h.json, '$.status') IS NOT 'draft'" : "",
                              a, a, not_draft_request, a, a);
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

/**
 * cercle_server_access_add_filter:
 * @account: the caller
 * @alias: the SQL alias of a table with type, id and patient_id columns
 * @sql: the query, to which " AND (…)" is appended
 * @binds: (element-type GVariant): the query's parameters, appended to
 *
 * Restricts a query on current resources to what @account may read.
 */
void
cercle_server_access_add_filter (const CercleAccount *account,
                                 const char          *alias,
                                 GString             *sql,
                                 GPtrArray           *binds)
{
  add_filter (account, alias, FALSE, sql, binds);
}

/**
 * cercle_server_access_add_version_filter:
 * @account: the caller
 * @alias: the SQL alias of the history table (its json column is read)
 * @sql: the query, to which " AND (…)" is appended
 * @binds: (element-type GVariant): the query's parameters, appended to
 *
 * Restricts a query on versions to those @account may read, each judged
 * on its own: its patient, and for a desk its status then (a Task's draft
 * versions stay hidden from the destination once it is sent).
 */
void
cercle_server_access_add_version_filter (const CercleAccount *account,
                                         const char          *alias,
                                         GString             *sql,
                                         GPtrArray           *binds)
{
  g_return_if_fail (g_str_equal (alias, "h"));
  add_filter (account, alias, TRUE, sql, binds);
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

/* Whether @account may read version @version of @type/@id, judged on that
 * version (its patient, its status) and not on the current one. */
gboolean
cercle_server_access_can_read_version (CercleServerStore   *store,
                                       const CercleAccount *account,
                                       const char          *type,
                                       const char          *id,
                                       gint64               version)
{
  CercleDb *db = cercle_server_store_get_db (store);
  g_autoptr(GString) sql = g_string_new ("SELECT 1 FROM history h WHERE h.type = ? AND h.id = ? AND h.version = ?");
  g_autoptr(GPtrArray) binds = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  sqlite3_stmt *stmt;
  gboolean ok;

  g_ptr_array_add (binds, g_variant_ref_sink (g_variant_new_string (type)));
  g_ptr_array_add (binds, g_variant_ref_sink (g_variant_new_string (id)));
  g_ptr_array_add (binds, g_variant_ref_sink (g_variant_new_int64 (version)));
  cercle_server_access_add_version_filter (account, "h", sql, binds);
  stmt = cercle_db_prepare (db, sql->str, NULL);
  if (stmt == NULL)
    return FALSE;
  cercle_server_access_bind (stmt, binds);
  ok = sqlite3_step (stmt) == SQLITE_ROW;
  sqlite3_reset (stmt);
  return ok;
}

/* --- roles ------------------------------------------------------------------ */

/* The migration set of this module: roles given from the command line. */
static const CercleMigration access_migrations[] = {
  { 1, "account roles (administrators of the shared directory)",
    "CREATE TABLE account_roles ("
    "  login TEXT NOT NULL REFERENCES accounts (login),"
    "  role TEXT NOT NULL,"
    "  PRIMARY KEY (login, role)) WITHOUT ROWID;" },
  { 2, "accounts found by their practitioner and structure",
    /* A reference to an account's Practitioner or Organization is checked
     * at each write (cercle_server_access_check_references()). */
    "CREATE INDEX accounts_practitioner ON accounts (practitioner_id);"
    "CREATE INDEX accounts_organization ON accounts (organization_id);" },
};

gboolean
cercle_server_access_migrate (CercleDb  *db,
                              GError   **error)
{
  return cercle_db_migrate (db, "server-access", access_migrations, G_N_ELEMENTS (access_migrations), error);
}

/**
 * cercle_server_access_set_role:
 * @store: the store
 * @login: an existing account
 * @role: %CERCLE_SERVER_ROLE_ADMIN
 * @grant: give the role, or take it back
 * @error: return location for a #GError
 *
 * Gives or takes back a role (only from the command line: no request of
 * the API changes roles).
 *
 * Returns: %TRUE on success
 */
gboolean
cercle_server_access_set_role (CercleServerStore  *store,
                               const char         *login,
                               const char         *role,
                               gboolean            grant,
                               GError            **error)
{
  CercleDb *db = cercle_server_store_get_db (store);
  sqlite3_stmt *stmt = cercle_db_prepare (db, "SELECT 1 FROM accounts WHERE login = ?", error);
  gboolean known;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, login, -1, SQLITE_TRANSIENT);
  known = sqlite3_step (stmt) == SQLITE_ROW;
  sqlite3_reset (stmt);
  if (!known)
    {
      g_set_error (error, CERCLE_SERVER_ERROR, CERCLE_SERVER_ERROR_NOT_FOUND, "No account “%s”", login);
      return FALSE;
    }
  stmt = cercle_db_prepare (db,
                            grant ? "INSERT OR IGNORE INTO account_roles (login, role) VALUES (?, ?)"
                                  : "DELETE FROM account_roles WHERE login = ? AND role = ?",
                            error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, login, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, role, -1, SQLITE_TRANSIENT);
  return cercle_db_step_done (db, stmt, error);
}

/* Whether @account administers the shared directory. Read at each write
 * of the directory, so that a grant or a revocation from the command line
 * holds at once. */
gboolean
cercle_server_access_is_admin (CercleServerStore   *store,
                               const CercleAccount *account)
{
  CercleDb *db = cercle_server_store_get_db (store);
  sqlite3_stmt *stmt = cercle_db_prepare (db, "SELECT 1 FROM account_roles WHERE login = ? AND role = ?", NULL);
  gboolean admin;

  if (stmt == NULL || account->login == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, account->login, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, CERCLE_SERVER_ROLE_ADMIN, -1, SQLITE_STATIC);
  admin = sqlite3_step (stmt) == SQLITE_ROW;
  sqlite3_reset (stmt);
  return admin;
}

/* --- authors and references -------------------------------------------------- */

/* Whether @reference names the signed-in account: its Practitioner, one of
 * that practitioner's PractitionerRoles, or for a desk its Organization. */
gboolean
cercle_server_access_is_self (CercleServerStore   *store,
                              const CercleAccount *account,
                              const char          *reference)
{
  CercleDb *db = cercle_server_store_get_db (store);
  g_autofree char *me = g_strdup_printf ("Practitioner/%s", account->practitioner_id);
  sqlite3_stmt *stmt;
  gboolean self;

  if (reference == NULL)
    return FALSE;
  if (g_str_equal (reference, me))
    return TRUE;
  if (account->organization_id && g_str_has_prefix (reference, "Organization/") &&
      g_str_equal (reference + strlen ("Organization/"), account->organization_id))
    return TRUE;
  if (!g_str_has_prefix (reference, "PractitionerRole/"))
    return FALSE;
  stmt = cercle_db_prepare (db,
                            "SELECT 1 FROM idx WHERE type = 'PractitionerRole' AND id = ? AND param = 'practitioner'"
                            " AND value = ?", NULL);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, reference + strlen ("PractitionerRole/"), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, me, -1, SQLITE_STATIC);
  self = sqlite3_step (stmt) == SQLITE_ROW;
  sqlite3_reset (stmt);
  return self;
}

static const char * const referable_types[] = {
  "CareTeam", "Communication", "HealthcareService", "Location", "Organization", "Patient",
  "Practitioner", "PractitionerRole", "RelatedPerson", "ServiceRequest", "Task", NULL
};

/* Whether @type/@id is known: a stored resource (its patient in
 * @patient_id), or the Practitioner or Organization of an account. */
static gboolean
target_exists (CercleDb    *db,
               const char  *type,
               const char  *id,
               char       **patient_id)
{
  sqlite3_stmt *stmt = cercle_db_prepare (db, "SELECT patient_id FROM resources WHERE type = ? AND id = ? AND deleted = 0",
                                          NULL);
  gboolean found;

  *patient_id = NULL;
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, type, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, id, -1, SQLITE_TRANSIENT);
  found = sqlite3_step (stmt) == SQLITE_ROW;
  if (found && sqlite3_column_type (stmt, 0) != SQLITE_NULL)
    *patient_id = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);
  if (found)
    return TRUE;
  /* Accounts name their practitioner and structure before the directory
   * may hold them. */
  if (g_str_equal (type, "Practitioner"))
    stmt = cercle_db_prepare (db, "SELECT 1 FROM accounts WHERE practitioner_id = ? LIMIT 1", NULL);
  else if (g_str_equal (type, "Organization"))
    stmt = cercle_db_prepare (db, "SELECT 1 FROM accounts WHERE organization_id = ? LIMIT 1", NULL);
  else
    return FALSE;
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
  found = sqlite3_step (stmt) == SQLITE_ROW;
  sqlite3_reset (stmt);
  return found;
}

/* Every "reference" string of @node, into @refs. */
static void
collect_references (JsonNode   *node,
                    GHashTable *refs)
{
  if (node == NULL)
    return;
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *obj = json_node_get_object (node);
      g_autoptr(GList) members = json_object_get_members (obj);

      for (GList *l = members; l; l = l->next)
        {
          JsonNode *child = json_object_get_member (obj, l->data);

          if (g_str_equal (l->data, "reference") && JSON_NODE_HOLDS_VALUE (child) &&
              json_node_get_value_type (child) == G_TYPE_STRING)
            g_hash_table_add (refs, (gpointer) json_node_get_string (child));
          else
            collect_references (child, refs);
        }
    }
  else if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        collect_references (json_array_get_element (array, i), refs);
    }
}

static GHashTable *
references_of (JsonObject *resource)
{
  GHashTable *refs = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(JsonNode) node = NULL;

  if (resource == NULL)
    return refs;
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_set_object (node, resource);
  collect_references (node, refs);
  return refs;
}

/**
 * cercle_server_access_check_references:
 * @store: the store, inside the write's transaction
 * @account: the writer
 * @resource: what is being written
 * @patient_id: (nullable): the patient whose file @resource is in
 * @old: (nullable): the version stored, whose references were checked
 *   when it was written
 * @error: return location for a #GError
 *
 * Checks every relative reference ("Type/id", "Type/id/_history/n") that
 * @resource adds: it names a resource of this server that exists (or the
 * Practitioner or Organization of an account), that @account may read,
 * and, for a resource of a patient's file, of the same patient (shared
 * data never points into a file). Contained ("#…"), absolute and
 * unresolved "urn:" references name nothing here and are left alone.
 *
 * Returns: %TRUE if every new reference is acceptable
 */
gboolean
cercle_server_access_check_references (CercleServerStore   *store,
                                       const CercleAccount *account,
                                       JsonObject          *resource,
                                       const char          *patient_id,
                                       JsonObject          *old,
                                       GError             **error)
{
  CercleDb *db = cercle_server_store_get_db (store);
  g_autoptr(GHashTable) refs = references_of (resource);
  g_autoptr(GHashTable) known = references_of (old);
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, refs);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      const char *ref = key;
      g_auto(GStrv) parts = NULL;
      g_autofree char *target_patient = NULL;
      guint n;

      if (g_hash_table_contains (known, ref) || *ref == '#' || g_str_has_prefix (ref, "urn:") || strstr (ref, "://"))
        continue;
      /* Known without asking: the writer's own Practitioner (what the
       * server sets as author), which its account names, and the patient
       * whose file the writer was just allowed to write in (a circle
       * exists only once its Patient does). */
      if (g_str_has_prefix (ref, "Practitioner/") && g_str_equal (ref + strlen ("Practitioner/"), account->practitioner_id))
        continue;
      if (patient_id && g_str_has_prefix (ref, "Patient/") && g_str_equal (ref + strlen ("Patient/"), patient_id))
        continue;
      parts = g_strsplit (ref, "/", 5);
      n = g_strv_length (parts);
      if (!((n == 2) || (n == 4 && g_str_equal (parts[2], "_history"))) ||
          !g_strv_contains (referable_types, parts[0]) || !cercle_server_store_valid_id (parts[1]))
        {
          g_set_error (error, CERCLE_SERVER_ERROR, CERCLE_SERVER_ERROR_INVALID,
                       "Référence « %s » invalide : une référence nomme une ressource de ce serveur (Type/id)", ref);
          return FALSE;
        }
      /* Another file's resource gets the same answer as a missing one:
       * neither its data nor that it exists. A member writes only in a
       * file it may read; a desk reads only part of it. */
      if (!target_exists (db, parts[0], parts[1], &target_patient) ||
          (target_patient && g_strcmp0 (target_patient, patient_id) != 0) ||
          (target_patient && account->organization_id &&
           !cercle_server_access_can_read (store, account, parts[0], parts[1])))
        {
          g_set_error (error, CERCLE_SERVER_ERROR, CERCLE_SERVER_ERROR_INVALID,
                       "La référence « %s » ne désigne aucune ressource connue de ce dossier", ref);
          return FALSE;
        }
    }
  return TRUE;
}

/* --- the médical volet of a referral ------------------------------------------ */

/* Whether the Practitioner stored as @json has a medical profession. */
static gboolean
practitioner_is_medical (const char *json)
{
  g_autoptr(JsonNode) node = json_from_string (json, NULL);
  g_autoptr(CercleProfessional) professional = NULL;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return FALSE;
  professional = cercle_professional_new_from_fhir (json_node_get_object (node), NULL);
  return professional != NULL &&
         cercle_profession_is_medical (cercle_professional_get_profession_code (professional));
}

/* The answers of practitioner_is_medical(), keyed by the stored text of the
 * Practitioner itself: parsing and checking it cost more than the rest of a
 * history page together, and a pure function of the text cannot go stale
 * (an edited Practitioner is another key), whatever the database. Bounded:
 * emptied when full. */
#define MEDICAL_CACHE_MAX 512
static GMutex medical_lock;
static GHashTable *medical_cache;   /* JSON text → GINT_TO_POINTER (1 medical, 2 not) */

/**
 * cercle_server_access_reads_medical:
 * @store: the store (the serving connection or a reader's)
 * @account: the caller
 *
 * Whether @account may read the médical volet of a referral (domain.md §6:
 * medical staff only): the profession of its Practitioner, as stored, is a
 * medical one (cercle_profession_is_medical()). No Practitioner, or none
 * the server can read, is no medical profession.
 *
 * Returns: %TRUE for a medical profession
 */
gboolean
cercle_server_access_reads_medical (CercleServerStore   *store,
                                    const CercleAccount *account)
{
  CercleDb *db = cercle_server_store_get_db (store);
  sqlite3_stmt *stmt;
  const char *json;
  gpointer known;
  gboolean medical = FALSE;

  if (account->practitioner_id == NULL)
    return FALSE;
  stmt = cercle_db_prepare (db, "SELECT json FROM resources WHERE type = 'Practitioner' AND id = ? AND deleted = 0", NULL);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, account->practitioner_id, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) != SQLITE_ROW || (json = (const char *) sqlite3_column_text (stmt, 0)) == NULL)
    {
      sqlite3_reset (stmt);
      return FALSE;
    }
  g_mutex_lock (&medical_lock);
  known = medical_cache ? g_hash_table_lookup (medical_cache, json) : NULL;
  g_mutex_unlock (&medical_lock);
  if (known)
    medical = GPOINTER_TO_INT (known) == 1;
  else
    {
      medical = practitioner_is_medical (json);
      g_mutex_lock (&medical_lock);
      if (medical_cache == NULL)
        medical_cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      if (g_hash_table_size (medical_cache) >= MEDICAL_CACHE_MAX)
        g_hash_table_remove_all (medical_cache);
      g_hash_table_insert (medical_cache, g_strdup (json), GINT_TO_POINTER (medical ? 1 : 2));
      g_mutex_unlock (&medical_lock);
    }
  sqlite3_reset (stmt);
  return medical;
}

/* The answers of cercle_server_access_reads_medical() for the history
 * feed, kept while the access generation they were read under is the
 * current one: any resource written (its Practitioner's included) ends it.
 * Bounded: emptied when full. */
static GMutex generation_lock;
static GHashTable *medical_at;   /* "database path\npractitioner id" → generation × 2 + medical */

/**
 * cercle_server_access_reads_medical_at:
 * @store: the store
 * @account: the caller
 * @generation: cercle_server_store_access_generation(), read before the
 *   read transaction of @store began
 *
 * cercle_server_access_reads_medical(), kept between the pages of a
 * reader while nothing is written.
 *
 * Returns: %TRUE for a medical profession
 */
gboolean
cercle_server_access_reads_medical_at (CercleServerStore   *store,
                                       const CercleAccount *account,
                                       guint                generation)
{
  g_autofree char *key = NULL;
  gpointer value = NULL;
  gboolean found = FALSE, medical;

  if (account->practitioner_id == NULL)
    return FALSE;
  if ((generation & 1) != 0)
    return cercle_server_access_reads_medical (store, account);
  key = g_strconcat (cercle_db_get_path (cercle_server_store_get_db (store)), "\n", account->practitioner_id, NULL);
  g_mutex_lock (&generation_lock);
  if (medical_at)
    found = g_hash_table_lookup_extended (medical_at, key, NULL, &value);
  g_mutex_unlock (&generation_lock);
  if (found && GPOINTER_TO_SIZE (value) / 2 == generation)
    return GPOINTER_TO_SIZE (value) % 2 == 1;
  medical = cercle_server_access_reads_medical (store, account);
  g_mutex_lock (&generation_lock);
  if (medical_at == NULL)
    medical_at = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  if (g_hash_table_size (medical_at) >= MEDICAL_CACHE_MAX)
    g_hash_table_remove_all (medical_at);
  g_hash_table_replace (medical_at, g_steal_pointer (&key), GSIZE_TO_POINTER ((gsize) generation * 2 + (medical ? 1 : 0)));
  g_mutex_unlock (&generation_lock);
  return medical;
}

/**
 * cercle_server_access_served_json:
 * @type: the resource type
 * @json: the resource as stored
 * @medical: whether the reader may read the médical volet
 *
 * What a reader is given of a stored resource: for a reader of no medical
 * profession, a ServiceRequest without the text of its médical volet
 * (cercle_referral_fhir_strip_medical()), and the same for every
 * ServiceRequest contained in a resource (a Task carrying a copy of its
 * dossier); anything else as stored. Only a resource whose text names the
 * volet's extension is parsed.
 *
 * Returns: (transfer full) (nullable): the JSON to serve, or %NULL to
 *   serve @json as it is
 */
char *
cercle_server_access_served_json (const char *type,
                                  const char *json,
                                  gboolean    medical)
{
  g_autoptr(JsonNode) node = NULL;
  JsonObject *resource;
  JsonNode *contained;

  if (medical || strstr (json, CERCLE_FHIR_EXTENSION_REFERRAL_SECTION) == NULL)
    return NULL;
  node = json_from_string (json, NULL);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  resource = json_node_get_object (node);
  if (g_str_equal (type, "ServiceRequest"))
    cercle_referral_fhir_strip_medical (resource);
  contained = json_object_get_member (resource, "contained");
  for (guint i = 0; contained && JSON_NODE_HOLDS_ARRAY (contained) &&
       i < json_array_get_length (json_node_get_array (contained)); i++)
    {
      JsonNode *inner = json_array_get_element (json_node_get_array (contained), i);
      JsonObject *obj = JSON_NODE_HOLDS_OBJECT (inner) ? json_node_get_object (inner) : NULL;
      JsonNode *inner_type = obj ? json_object_get_member (obj, "resourceType") : NULL;

      if (inner_type && json_node_get_value_type (inner_type) == G_TYPE_STRING &&
          g_str_equal (json_node_get_string (inner_type), "ServiceRequest"))
        cercle_referral_fhir_strip_medical (obj);
    }
  return json_to_string (node, FALSE);
}

/* Whether @node is a referral-section extension for the médical volet. */
static gboolean
is_medical_section (JsonNode *node)
{
  JsonObject *ext = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
  JsonNode *parts_node = ext ? json_object_get_member (ext, "extension") : NULL;
  JsonArray *parts = parts_node && JSON_NODE_HOLDS_ARRAY (parts_node) ? json_node_get_array (parts_node) : NULL;
  JsonNode *url = ext ? json_object_get_member (ext, "url") : NULL;

  if (url == NULL || json_node_get_value_type (url) != G_TYPE_STRING ||
      g_strcmp0 (json_node_get_string (url), CERCLE_FHIR_EXTENSION_REFERRAL_SECTION) != 0)
    return FALSE;
  for (guint i = 0; parts && i < json_array_get_length (parts); i++)
    {
      JsonNode *part = json_array_get_element (parts, i);
      JsonObject *obj = JSON_NODE_HOLDS_OBJECT (part) ? json_node_get_object (part) : NULL;
      JsonNode *code = obj ? json_object_get_member (obj, "valueCode") : NULL;
      JsonNode *part_url = obj ? json_object_get_member (obj, "url") : NULL;

      if (part_url && code && json_node_get_value_type (part_url) == G_TYPE_STRING &&
          json_node_get_value_type (code) == G_TYPE_STRING &&
          g_str_equal (json_node_get_string (part_url), "section") &&
          g_str_equal (json_node_get_string (code), CERCLE_REFERRAL_SECTION_MEDICAL))
        return TRUE;
    }
  return FALSE;
}

/**
 * cercle_server_access_keep_medical:
 * @resource: a ServiceRequest written by a writer of no medical profession
 * @old: (nullable): the version stored
 *
 * A writer who may not read the médical volet was served it without its
 * text: what it sends back keeps the stored volet, whatever it sends in
 * its place (the volet is neither erased nor rewritten by someone who
 * cannot read it). A new ServiceRequest keeps what its writer sent.
 */
void
cercle_server_access_keep_medical (JsonObject *resource,
                                   JsonObject *old)
{
  JsonNode *old_node = old ? json_object_get_member (old, "extension") : NULL;
  JsonArray *stored = old_node && JSON_NODE_HOLDS_ARRAY (old_node) ? json_node_get_array (old_node) : NULL;
  JsonNode *sent_node = json_object_get_member (resource, "extension");
  JsonArray *sent = sent_node && JSON_NODE_HOLDS_ARRAY (sent_node) ? json_node_get_array (sent_node) : NULL;
  g_autoptr(GPtrArray) kept = g_ptr_array_new ();
  JsonArray *merged;
  guint next = 0;

  if (old == NULL)
    return;
  for (guint i = 0; stored && i < json_array_get_length (stored); i++)
    if (is_medical_section (json_array_get_element (stored, i)))
      g_ptr_array_add (kept, json_array_get_element (stored, i));
  if (kept->len == 0 && sent == NULL)
    return;
  /* In place of the médical volets sent, so that sending back what one
   * was served stores nothing new. */
  merged = json_array_new ();
  for (guint i = 0; sent && i < json_array_get_length (sent); i++)
    {
      JsonNode *ext = json_array_get_element (sent, i);

      if (!is_medical_section (ext))
        json_array_add_element (merged, json_node_copy (ext));
      else if (next < kept->len)
        json_array_add_element (merged, json_node_copy (g_ptr_array_index (kept, next++)));
    }
  for (; next < kept->len; next++)
    json_array_add_element (merged, json_node_copy (g_ptr_array_index (kept, next)));
  if (json_array_get_length (merged) == 0)
    {
      json_array_unref (merged);
      json_object_remove_member (resource, "extension");
      return;
    }
  json_object_set_array_member (resource, "extension", merged);
}
