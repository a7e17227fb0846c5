/* cercle-sync-conflict.c — a change the server refused because someone else changed it meanwhile
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The sync engine keeps both sides of a 412 in `sync_conflict` and marks the
 * outbox row refused (cercle-sync-engine.c). Only a person can tell which
 * side is right, so this file lists them for the patient's file, says what
 * differs in words a carer reads, and applies the choice: each choice is one
 * transaction, so that a crash leaves either the conflict or its resolution,
 * never half of both.
 */
#define G_LOG_DOMAIN "cercle-sync"

#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "cercle-care-team-member.h"
#include "cercle-fhir.h"
#include "cercle-fhir-patient.h"
#include "cercle-i18n.h"
#include "cercle-patient-repo.h"
#include "cercle-store.h"
#include "cercle-sync-conflict.h"

struct _CercleSyncConflict
{
  GObject parent_instance;

  char *resource_type;
  char *resource_id;
  char *patient_id;
  char *local_json;
  char *server_json;
  char *created_at;
};

G_DEFINE_FINAL_TYPE (CercleSyncConflict, cercle_sync_conflict, G_TYPE_OBJECT)

static void
cercle_sync_conflict_finalize (GObject *object)
{
  CercleSyncConflict *self = CERCLE_SYNC_CONFLICT (object);

  g_free (self->resource_type);
  g_free (self->resource_id);
  g_free (self->patient_id);
  g_free (self->local_json);
  g_free (self->server_json);
  g_free (self->created_at);
  G_OBJECT_CLASS (cercle_sync_conflict_parent_class)->finalize (object);
}

static void
cercle_sync_conflict_class_init (CercleSyncConflictClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cercle_sync_conflict_finalize;
}

static void
cercle_sync_conflict_init (CercleSyncConflict *self)
{
}

static JsonObject *
parse_object (const char *json)
{
  g_autoptr(JsonNode) node = NULL;

  if (json == NULL)
    return NULL;
  node = json_from_string (json, NULL);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  return json_object_ref (json_node_get_object (node));
}

/* The patient whose file holds the resource, as the sync engine files it. */
static char *
patient_of (const char *type,
            const char *id,
            JsonObject *resource)
{
  const char *member = NULL;
  g_autofree char *ref_type = NULL;
  char *ref_id = NULL;

  if (g_strcmp0 (type, "Patient") == 0)
    return g_strdup (id);
  if (g_strcmp0 (type, "CareTeam") == 0)
    member = "subject";
  else if (g_strcmp0 (type, "RelatedPerson") == 0)
    member = "patient";
  if (member == NULL || resource == NULL)
    return NULL;
  if (!cercle_fhir_reference_parse (cercle_fhir_get_object (resource, member), &ref_type, &ref_id)
      || g_strcmp0 (ref_type, "Patient") != 0)
    {
      g_free (ref_id);
      return NULL;
    }
  return ref_id;
}

static const char *
column_text (sqlite3_stmt *stmt,
             int           i)
{
  return (const char *) sqlite3_column_text (stmt, i);
}

/**
 * cercle_sync_conflict_list_for_patient:
 * @db: the local store
 * @patient_id: the patient's id
 * @error: return location for a #CERCLE_DB_ERROR
 *
 * The conflicts waiting for the user in a patient's file: its identity
 * (Patient), its care circle (CareTeam) and its relatives (RelatedPerson),
 * oldest first.
 *
 * Returns: (transfer full) (element-type CercleSyncConflict) (nullable): the
 *   conflicts, or %NULL on error
 */
GPtrArray *
cercle_sync_conflict_list_for_patient (CercleDb    *db,
                                       const char  *patient_id,
                                       GError     **error)
{
  g_autoptr(GPtrArray) out = NULL;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (CERCLE_IS_DB (db), NULL);
  g_return_val_if_fail (patient_id != NULL, NULL);

  stmt = cercle_db_prepare (db,
                            "SELECT resource_type, resource_id, local_json, server_json, created_at"
                            " FROM sync_conflict"
                            " WHERE resource_type IN ('Patient', 'CareTeam', 'RelatedPerson')"
                            " ORDER BY created_at, resource_type, resource_id",
                            error);
  if (stmt == NULL)
    return NULL;
  out = g_ptr_array_new_with_free_func (g_object_unref);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *type = column_text (stmt, 0);
      const char *id = column_text (stmt, 1);
      g_autoptr(JsonObject) local = parse_object (column_text (stmt, 2));
      g_autofree char *owner = patient_of (type, id, local);
      CercleSyncConflict *conflict;

      if (g_strcmp0 (owner, patient_id) != 0)
        continue;
      conflict = g_object_new (CERCLE_TYPE_SYNC_CONFLICT, NULL);
      conflict->resource_type = g_strdup (type);
      conflict->resource_id = g_strdup (id);
      conflict->patient_id = g_steal_pointer (&owner);
      conflict->local_json = g_strdup (column_text (stmt, 2));
      conflict->server_json = g_strdup (column_text (stmt, 3));
      conflict->created_at = g_strdup (column_text (stmt, 4));
      g_ptr_array_add (out, conflict);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      cercle_db_set_error (db, error, "sync_conflict");
      return NULL;
    }
  return g_steal_pointer (&out);
}

/** cercle_sync_conflict_get_resource_type: @self: a conflict. Returns: "Patient", "CareTeam"… */
const char *
cercle_sync_conflict_get_resource_type (CercleSyncConflict *self)
{
  g_return_val_if_fail (CERCLE_IS_SYNC_CONFLICT (self), NULL);
  return self->resource_type;
}

/** cercle_sync_conflict_get_resource_id: @self: a conflict. Returns: the resource's id */
const char *
cercle_sync_conflict_get_resource_id (CercleSyncConflict *self)
{
  g_return_val_if_fail (CERCLE_IS_SYNC_CONFLICT (self), NULL);
  return self->resource_id;
}

/** cercle_sync_conflict_get_patient_id: @self: a conflict. Returns: the patient whose file holds it */
const char *
cercle_sync_conflict_get_patient_id (CercleSyncConflict *self)
{
  g_return_val_if_fail (CERCLE_IS_SYNC_CONFLICT (self), NULL);
  return self->patient_id;
}

/** cercle_sync_conflict_get_local_json: @self: a conflict. Returns: the change made here (FHIR JSON) */
const char *
cercle_sync_conflict_get_local_json (CercleSyncConflict *self)
{
  g_return_val_if_fail (CERCLE_IS_SYNC_CONFLICT (self), NULL);
  return self->local_json;
}

/** cercle_sync_conflict_get_server_json: @self: a conflict. Returns: (nullable): the server's version */
const char *
cercle_sync_conflict_get_server_json (CercleSyncConflict *self)
{
  g_return_val_if_fail (CERCLE_IS_SYNC_CONFLICT (self), NULL);
  return self->server_json;
}

/** cercle_sync_conflict_get_created_at: @self: a conflict. Returns: when the server refused the change */
const char *
cercle_sync_conflict_get_created_at (CercleSyncConflict *self)
{
  g_return_val_if_fail (CERCLE_IS_SYNC_CONFLICT (self), NULL);
  return self->created_at;
}

/**
 * cercle_sync_conflict_get_subject:
 * @self: a conflict
 *
 * Returns: what changed, in the user's language: « Identité », « Cercle de soins »…
 */
const char *
cercle_sync_conflict_get_subject (CercleSyncConflict *self)
{
  g_return_val_if_fail (CERCLE_IS_SYNC_CONFLICT (self), NULL);
  if (g_str_equal (self->resource_type, "Patient"))
    return _("Identity and contact details");
  if (g_str_equal (self->resource_type, "CareTeam"))
    return _("Care circle");
  if (g_str_equal (self->resource_type, "RelatedPerson"))
    return _("Relative");
  return self->resource_type;
}

static void
add_difference (GPtrArray  *lines,
                const char *field,
                const char *mine,
                const char *theirs)
{
  const char *none = _("(empty)");

  if (g_strcmp0 (mine && *mine ? mine : NULL, theirs && *theirs ? theirs : NULL) == 0)
    return;
  /* TRANSLATORS: a field that differs: its name, this computer's value, the server's value */
  g_ptr_array_add (lines, g_strdup_printf (_("%s — mine: %s; server: %s"), field,
                                           mine && *mine ? mine : none,
                                           theirs && *theirs ? theirs : none));
}

static char *
patient_address (CerclePatient *p)
{
  g_autoptr(GPtrArray) parts = g_ptr_array_new ();

  if (cercle_patient_get_address_line (p))
    g_ptr_array_add (parts, (char *) cercle_patient_get_address_line (p));
  if (cercle_patient_get_postcode (p))
    g_ptr_array_add (parts, (char *) cercle_patient_get_postcode (p));
  if (cercle_patient_get_commune_name (p))
    g_ptr_array_add (parts, (char *) cercle_patient_get_commune_name (p));
  g_ptr_array_add (parts, NULL);
  return g_strjoinv (" ", (char **) parts->pdata);
}

static void
patient_differences (GPtrArray  *lines,
                     JsonObject *local,
                     JsonObject *server)
{
  g_autoptr(CerclePatient) mine = local ? cercle_patient_new_from_fhir (local, NULL) : NULL;
  g_autoptr(CerclePatient) theirs = server ? cercle_patient_new_from_fhir (server, NULL) : NULL;
  g_autofree char *mine_name = NULL;
  g_autofree char *their_name = NULL;
  g_autofree char *mine_address = NULL;
  g_autofree char *their_address = NULL;

  if (mine == NULL || theirs == NULL)
    return;
  mine_name = cercle_patient_dup_display_name (mine);
  their_name = cercle_patient_dup_display_name (theirs);
  add_difference (lines, _("Name"), mine_name, their_name);
  add_difference (lines, _("Birth date"), cercle_patient_get_birth_date (mine), cercle_patient_get_birth_date (theirs));
  add_difference (lines, _("Sex"), cercle_patient_get_sex (mine), cercle_patient_get_sex (theirs));
  add_difference (lines, _("INS"), cercle_patient_get_ins (mine), cercle_patient_get_ins (theirs));
  mine_address = patient_address (mine);
  their_address = patient_address (theirs);
  add_difference (lines, _("Address"), mine_address, their_address);
  add_difference (lines, _("Phone"), cercle_patient_get_phone (mine), cercle_patient_get_phone (theirs));
}

/* The circle's current members, as « Name (role) ». */
static GPtrArray *
active_members (JsonObject *care_team)
{
  g_autoptr(GPtrArray) members = care_team ? cercle_care_team_from_fhir (care_team, NULL, NULL) : NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *today = g_date_time_format (now, "%Y-%m-%d");
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; members && i < members->len; i++)
    {
      CercleCareTeamMember *m = g_ptr_array_index (members, i);

      if (!cercle_care_team_member_is_active (m, today))
        continue;
      g_ptr_array_add (out, g_strdup_printf ("%s (%s)", cercle_care_team_member_get_display (m),
                                             cercle_care_team_member_get_role_label (m)));
    }
  return out;
}

static char *
missing_from (GPtrArray *these,
              GPtrArray *others)
{
  g_autoptr(GPtrArray) parts = g_ptr_array_new ();

  for (guint i = 0; i < these->len; i++)
    if (!g_ptr_array_find_with_equal_func (others, these->pdata[i], g_str_equal, NULL))
      g_ptr_array_add (parts, these->pdata[i]);
  if (parts->len == 0)
    return NULL;
  g_ptr_array_add (parts, NULL);
  return g_strjoinv (", ", (char **) parts->pdata);
}

static void
care_team_differences (GPtrArray  *lines,
                       JsonObject *local,
                       JsonObject *server)
{
  g_autoptr(GPtrArray) mine = active_members (local);
  g_autoptr(GPtrArray) theirs = active_members (server);
  g_autofree char *only_mine = missing_from (mine, theirs);
  g_autofree char *only_theirs = missing_from (theirs, mine);

  if (only_mine)
    g_ptr_array_add (lines, g_strdup_printf (_("Members only in my version: %s"), only_mine));
  if (only_theirs)
    g_ptr_array_add (lines, g_strdup_printf (_("Members only in the server's version: %s"), only_theirs));
}

static char *
related_name (JsonObject *person)
{
  JsonObject *name = cercle_fhir_array_get_object (cercle_fhir_get_array (person, "name"), 0);
  JsonArray *given = cercle_fhir_get_array (name, "given");
  const char *first = given && json_array_get_length (given) > 0 ? json_array_get_string_element (given, 0) : NULL;
  const char *family = cercle_fhir_get_string (name, "family");

  if (name == NULL)
    return NULL;
  if (cercle_fhir_get_string (name, "text"))
    return g_strdup (cercle_fhir_get_string (name, "text"));
  return g_strjoin (" ", first ? first : "", family ? family : "", NULL);
}

static const char *
related_phone (JsonObject *person)
{
  JsonArray *telecom = cercle_fhir_get_array (person, "telecom");

  for (guint i = 0; telecom && i < json_array_get_length (telecom); i++)
    {
      JsonObject *point = cercle_fhir_array_get_object (telecom, i);

      if (g_strcmp0 (cercle_fhir_get_string (point, "system"), "phone") == 0)
        return cercle_fhir_get_string (point, "value");
    }
  return NULL;
}

/**
 * cercle_sync_conflict_dup_differences:
 * @self: a conflict
 *
 * What differs between the two versions, one line per field, in the user's
 * language (« Téléphone — ma version : … ; serveur : … »). A Patient says
 * which identity fields differ, a CareTeam which members.
 *
 * Returns: (transfer full): the lines, possibly a single general one
 */
GStrv
cercle_sync_conflict_dup_differences (CercleSyncConflict *self)
{
  g_autoptr(JsonObject) local = NULL;
  g_autoptr(JsonObject) server = NULL;
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);

  g_return_val_if_fail (CERCLE_IS_SYNC_CONFLICT (self), NULL);

  local = parse_object (self->local_json);
  server = parse_object (self->server_json);
  if (server == NULL)
    g_ptr_array_add (lines, g_strdup (_("The server's version could not be read: keeping yours sends it again")));
  else if (g_str_equal (self->resource_type, "Patient"))
    patient_differences (lines, local, server);
  else if (g_str_equal (self->resource_type, "CareTeam"))
    care_team_differences (lines, local, server);
  else if (g_str_equal (self->resource_type, "RelatedPerson") && local)
    {
      g_autofree char *mine = related_name (local);
      g_autofree char *theirs = related_name (server);

      add_difference (lines, _("Name"), mine, theirs);
      add_difference (lines, _("Phone"), related_phone (local), related_phone (server));
    }
  if (lines->len == 0)
    g_ptr_array_add (lines, g_strdup (_("The two versions differ in details not shown here")));
  g_ptr_array_add (lines, NULL);
  return (GStrv) g_ptr_array_free (g_steal_pointer (&lines), FALSE);
}

static gboolean
run (CercleDb    *db,
     const char  *sql,
     const char  *type,
     const char  *id,
     int         *changes,
     GError     **error)
{
  sqlite3_stmt *stmt = cercle_db_prepare (db, sql, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, type, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, id, -1, SQLITE_TRANSIENT);
  if (!cercle_db_step_done (db, stmt, error))
    return FALSE;
  if (changes)
    *changes = sqlite3_changes (cercle_db_get_handle (db));
  return TRUE;
}

/* Removes the conflict and the refused outbox rows of the resource; fails
 * when another process (the CLI, a second window) already chose. */
static gboolean
forget_conflict (CercleDb            *db,
                 CercleSyncConflict  *self,
                 GError             **error)
{
  int changes = 0;

  if (!run (db, "DELETE FROM sync_conflict WHERE resource_type = ?1 AND resource_id = ?2",
            self->resource_type, self->resource_id, &changes, error))
    return FALSE;
  if (changes == 0)
    {
      g_set_error (error, CERCLE_DB_ERROR, CERCLE_DB_ERROR_NOT_FOUND,
                   _("This conflict was already resolved"));
      return FALSE;
    }
  return run (db, "DELETE FROM outbox WHERE resource_type = ?1 AND resource_id = ?2 AND state = 'refused'",
              self->resource_type, self->resource_id, NULL, error);
}

static char *
author_of_row (CercleDb   *db,
               const char *type,
               const char *id)
{
  sqlite3_stmt *stmt = cercle_db_prepare (db, "SELECT author_ref FROM resource WHERE type = ? AND id = ?", NULL);
  char *author = NULL;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, type, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, id, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    author = g_strdup (column_text (stmt, 0));
  sqlite3_reset (stmt);
  return author;
}

/* Writes a version into the patient row or the resource row. */
static gboolean
write_local (CercleDb            *db,
             CercleSyncConflict  *self,
             JsonObject          *resource,
             const char          *version_id,
             GError             **error)
{
  if (g_str_equal (self->resource_type, "Patient"))
    {
      g_autoptr(CerclePatient) patient = cercle_patient_new_from_fhir (resource, error);

      /* Never a half-read identity in the file: the choice fails instead. */
      return patient && cercle_patient_validate (patient, error)
             && cercle_patient_repo_put_from_server (db, patient, error);
    }
  else
    {
      g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), resource);
      g_autofree char *json = json_to_string (node, FALSE);
      g_autofree char *author = author_of_row (db, self->resource_type, self->resource_id);
      JsonObject *meta = cercle_fhir_get_object (resource, "meta");

      return cercle_store_resource_put (db, self->resource_type, self->resource_id, self->patient_id, author, json,
                                        version_id, version_id ? cercle_fhir_get_string (meta, "lastUpdated") : NULL,
                                        error);
    }
}

/**
 * cercle_sync_conflict_keep_mine:
 * @db: the local store
 * @self: a conflict listed by cercle_sync_conflict_list_for_patient()
 * @error: return location for a #GError
 *
 * « Garder ma version »: the change made here is written again on top of
 * the server's version (its `meta.versionId` becomes the server's, so that
 * the next PUT carries that If-Match) and queued as a new pending change;
 * the conflict and the refused outbox row go. One transaction.
 *
 * Returns: %TRUE when the change is queued again
 */
gboolean
cercle_sync_conflict_keep_mine (CercleDb            *db,
                                CercleSyncConflict  *self,
                                GError             **error)
{
  g_autoptr(JsonObject) local = NULL;
  g_autoptr(JsonObject) server = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *body = NULL;
  const char *server_version = NULL;
  JsonObject *meta;

  g_return_val_if_fail (CERCLE_IS_DB (db), FALSE);
  g_return_val_if_fail (CERCLE_IS_SYNC_CONFLICT (self), FALSE);

  local = parse_object (self->local_json);
  if (local == NULL)
    {
      g_set_error (error, CERCLE_DB_ERROR, CERCLE_DB_ERROR_SQL, _("Your version could not be read"));
      return FALSE;
    }
  server = parse_object (self->server_json);
  server_version = cercle_fhir_get_string (cercle_fhir_get_object (server, "meta"), "versionId");

  /* On top of the server's version: the If-Match the engine sends. */
  meta = cercle_fhir_get_object (local, "meta");
  if (meta == NULL && server_version != NULL)
    {
      meta = json_object_new ();
      json_object_set_object_member (local, "meta", meta);
    }
  if (meta != NULL)
    {
      if (server_version != NULL)
        json_object_set_string_member (meta, "versionId", server_version);
      else if (json_object_has_member (meta, "versionId"))
        json_object_remove_member (meta, "versionId");
    }
  node = json_node_init_object (json_node_alloc (), local);
  body = json_to_string (node, FALSE);

  if (!cercle_db_begin (db, error))
    return FALSE;
  if (!forget_conflict (db, self, error)
      || !write_local (db, self, local, NULL, error)
      || !cercle_store_outbox_add_for_patient (db, self->resource_type, self->resource_id, self->patient_id,
                                               "PUT", body, error))
    goto fail;
  return cercle_db_commit (db, error);

fail:
  cercle_db_rollback (db);
  return FALSE;
}

/**
 * cercle_sync_conflict_keep_server:
 * @db: the local store
 * @self: a conflict listed by cercle_sync_conflict_list_for_patient()
 * @error: return location for a #GError
 *
 * « Garder la version du serveur »: the server's version becomes the local
 * copy, the refused change and the conflict go. One transaction.
 *
 * Returns: %TRUE when the server's version is kept
 */
gboolean
cercle_sync_conflict_keep_server (CercleDb            *db,
                                  CercleSyncConflict  *self,
                                  GError             **error)
{
  g_autoptr(JsonObject) server = NULL;
  const char *version_id;

  g_return_val_if_fail (CERCLE_IS_DB (db), FALSE);
  g_return_val_if_fail (CERCLE_IS_SYNC_CONFLICT (self), FALSE);

  server = parse_object (self->server_json);
  version_id = cercle_fhir_get_string (cercle_fhir_get_object (server, "meta"), "versionId");
  if (!cercle_db_begin (db, error))
    return FALSE;
  if (!forget_conflict (db, self, error))
    goto fail;
  /* Without a readable server version the local change is only dropped:
   * the next pull brings whatever the server holds. */
  if (server != NULL && version_id != NULL && !write_local (db, self, server, version_id, error))
    goto fail;
  return cercle_db_commit (db, error);

fail:
  cercle_db_rollback (db);
  return FALSE;
}
