/* cercle-care-team-repo.c — the patient's care circle in the local store
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One CareTeam per patient (its id derived from the patient's), kept whole
 * in the resource table: a change rewrites it and queues a PUT of the whole
 * team in the same transaction. Nobody is removed: ending a membership sets
 * its period's end, so that past members stay visible and the timeline can
 * tell who entered and left the circle, and when.
 */
#define G_LOG_DOMAIN "cercle-care-team"

#include "config.h"

#include <string.h>

#include "cercle-care-team-repo.h"
#include "cercle-fhir.h"
#include "cercle-i18n.h"
#include "cercle-note-repo.h"
#include "cercle-professional.h"
#include "cercle-store.h"
#include "cercle-text.h"

#define ROLE_MEDECIN_TRAITANT "medecin-traitant"

/**
 * cercle_care_team_today:
 *
 * Returns: (transfer full): today's local date, YYYY-MM-DD
 */
char *
cercle_care_team_today (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();

  return g_date_time_format (now, "%Y-%m-%d");
}

static JsonObject *
parse_object (const char  *json,
              GError     **error)
{
  g_autoptr(JsonNode) node = json_from_string (json, NULL);

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, CERCLE_FHIR_ERROR, CERCLE_FHIR_ERROR_PARSE, _("The stored care circle is damaged"));
      return NULL;
    }
  return json_object_ref (json_node_get_object (node));
}

/* The id of the patient's team: the one clients derive, unless the server
 * gave the team another (it does when the derived id was already taken by
 * someone else's resource): then the team of this patient that the sync
 * brought down. */
static char *
team_id_for_patient (CercleDb   *db,
                     const char *patient_id)
{
  g_autofree char *derived = cercle_care_team_id_for_patient (patient_id);
  sqlite3_stmt *stmt;
  char *id = NULL;

  stmt = cercle_db_prepare (db,
                            "SELECT id FROM resource WHERE type = 'CareTeam' AND patient_id = ?"
                            " ORDER BY id = ? DESC, last_updated LIMIT 1",
                            NULL);
  if (stmt == NULL)
    return g_steal_pointer (&derived);
  sqlite3_bind_text (stmt, 1, patient_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, derived, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    id = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);
  return id ? id : g_steal_pointer (&derived);
}

/**
 * cercle_care_team_repo_get_members:
 * @db: the local store
 * @patient_id: a patient
 * @error: return location for a #GError
 *
 * Every member of the patient's care circle, present and past, in the
 * order they were added.
 *
 * Returns: (transfer full) (element-type CercleCareTeamMember): the members
 *   (empty when the patient has no circle yet), or %NULL on error
 */
GPtrArray *
cercle_care_team_repo_get_members (CercleDb    *db,
                                   const char  *patient_id,
                                   GError     **error)
{
  g_autofree char *id = NULL;
  g_autofree char *json = NULL;
  g_autoptr(JsonObject) object = NULL;
  sqlite3_stmt *stmt;

  g_return_val_if_fail (CERCLE_IS_DB (db), NULL);
  g_return_val_if_fail (patient_id != NULL, NULL);

  id = team_id_for_patient (db, patient_id);
  stmt = cercle_db_prepare (db, "SELECT json FROM resource WHERE type = 'CareTeam' AND id = ?", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    json = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);
  if (json == NULL)
    return g_ptr_array_new_with_free_func (g_object_unref);
  object = parse_object (json, error);
  if (object == NULL)
    return NULL;
  return cercle_care_team_from_fhir (object, NULL, error);
}

static gboolean
same_member (CercleCareTeamMember *a,
             CercleCareTeamMember *b)
{
  return g_strcmp0 (cercle_care_team_member_get_member_type (a), cercle_care_team_member_get_member_type (b)) == 0
         && g_strcmp0 (cercle_care_team_member_get_member_id (a), cercle_care_team_member_get_member_id (b)) == 0
         && g_strcmp0 (cercle_care_team_member_get_role_code (a), cercle_care_team_member_get_role_code (b)) == 0;
}

static char *
care_team_json (const char *patient_id,
                GPtrArray  *members)
{
  g_autoptr(JsonObject) fhir = cercle_care_team_to_fhir (patient_id, members);

  return cercle_fhir_to_string (fhir);
}

/* Writes the CareTeam row and, when @extra is given (a RelatedPerson), one
 * transaction Bundle for both; else a PUT of the team. */
static gboolean
save_team (CercleDb    *db,
           const char  *patient_id,
           GPtrArray   *members,
           JsonObject  *extra,
           GError     **error)
{
  g_autofree char *team_id = team_id_for_patient (db, patient_id);
  g_autofree char *team_json = care_team_json (patient_id, members);
  g_autofree char *author = NULL;
  gboolean ok;

  cercle_store_get_account (db, NULL, NULL, &author, NULL, NULL);
  if (!cercle_db_begin (db, error))
    return FALSE;
  ok = cercle_store_resource_put (db, "CareTeam", team_id, patient_id, author, team_json, NULL, NULL, error);
  if (ok && extra == NULL)
    ok = cercle_store_outbox_add_for_patient (db, "CareTeam", team_id, patient_id, "PUT", team_json, error);
  else if (ok)
    {
      const char *extra_type = json_object_get_string_member (extra, "resourceType");
      const char *extra_id = json_object_get_string_member (extra, "id");
      g_autofree char *extra_json = cercle_fhir_to_string (extra);
      g_autofree char *bundle_id = g_uuid_string_random ();
      g_autoptr(JsonObject) bundle = json_object_new ();
      g_autofree char *bundle_json = NULL;
      JsonArray *entries = json_array_new ();
      JsonObject *resources[2] = { extra, NULL };
      g_autoptr(JsonObject) team = parse_object (team_json, NULL);

      resources[1] = team;
      json_object_set_string_member (bundle, "resourceType", "Bundle");
      json_object_set_string_member (bundle, "id", bundle_id);
      json_object_set_string_member (bundle, "type", "transaction");
      for (guint i = 0; i < G_N_ELEMENTS (resources); i++)
        {
          JsonObject *entry = json_object_new ();
          JsonObject *request = json_object_new ();
          g_autofree char *url = g_strdup_printf ("%s/%s",
                                                  json_object_get_string_member (resources[i], "resourceType"),
                                                  json_object_get_string_member (resources[i], "id"));

          json_object_set_object_member (entry, "resource", json_object_ref (resources[i]));
          json_object_set_string_member (request, "method", "PUT");
          json_object_set_string_member (request, "url", url);
          json_object_set_object_member (entry, "request", request);
          json_array_add_object_element (entries, entry);
        }
      json_object_set_array_member (bundle, "entry", entries);
      bundle_json = cercle_fhir_to_string (bundle);

      ok = cercle_store_resource_put (db, extra_type, extra_id, patient_id, author, extra_json, NULL, NULL, error)
           && cercle_store_outbox_add_for_patient (db, "Bundle", bundle_id, patient_id, "POST", bundle_json, error);
    }
  if (!ok)
    {
      cercle_db_rollback (db);
      return FALSE;
    }
  return cercle_db_commit (db, error);
}

static gboolean
check_new_member (GPtrArray             *members,
                  CercleCareTeamMember  *member,
                  const char            *today,
                  GError               **error)
{
  const char *role = cercle_care_team_member_get_role_code (member);
  const CercleCareTeamRole *roles;
  const CercleCareTeamRole *known = NULL;
  gsize n_roles;

  roles = cercle_care_team_roles (&n_roles);
  for (gsize i = 0; i < n_roles; i++)
    if (g_strcmp0 (roles[i].code, role) == 0)
      known = &roles[i];
  if (known == NULL)
    {
      g_set_error (error, CERCLE_CARE_ERROR, CERCLE_CARE_ERROR_INVALID, _("Choose the member’s role"));
      return FALSE;
    }
  if (known->member_type != NULL
      && g_strcmp0 (known->member_type, cercle_care_team_member_get_member_type (member)) != 0)
    {
      g_set_error (error, CERCLE_CARE_ERROR, CERCLE_CARE_ERROR_INVALID,
                   _("The role “%s” cannot be held by this member"), cercle_care_team_role_label (role));
      return FALSE;
    }
  if (cercle_care_team_member_get_member_id (member) == NULL
      || !cercle_fhir_is_valid_id (cercle_care_team_member_get_member_id (member)))
    {
      g_set_error (error, CERCLE_CARE_ERROR, CERCLE_CARE_ERROR_INVALID, _("Choose who joins the care circle"));
      return FALSE;
    }

  for (guint i = 0; i < members->len; i++)
    {
      CercleCareTeamMember *other = g_ptr_array_index (members, i);

      /* An ended membership (even ending today) makes room: the patient
       * changes médecin traitant on the day the old one leaves. */
      if (cercle_care_team_member_get_end (other) != NULL || !cercle_care_team_member_is_active (other, today))
        continue;
      if (same_member (other, member))
        {
          g_set_error (error, CERCLE_CARE_ERROR, CERCLE_CARE_ERROR_CONFLICT,
                       _("%s is already in the care circle as %s"),
                       cercle_care_team_member_get_display (other), cercle_care_team_role_label (role));
          return FALSE;
        }
      /* One médecin traitant at a time: the patient declared one. */
      if (g_strcmp0 (role, ROLE_MEDECIN_TRAITANT) == 0
          && g_strcmp0 (cercle_care_team_member_get_role_code (other), ROLE_MEDECIN_TRAITANT) == 0)
        {
          g_set_error (error, CERCLE_CARE_ERROR, CERCLE_CARE_ERROR_CONFLICT,
                       _("%s is already the general practitioner: end that membership first"),
                       cercle_care_team_member_get_display (other));
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
add_member (CercleDb              *db,
            const char            *patient_id,
            CercleCareTeamMember  *member,
            JsonObject            *extra,
            GError               **error)
{
  g_autoptr(GPtrArray) members = NULL;
  g_autofree char *today = cercle_care_team_today ();
  sqlite3_stmt *stmt;
  gboolean found;

  stmt = cercle_db_prepare (db, "SELECT 1 FROM patient WHERE id = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, patient_id, -1, SQLITE_TRANSIENT);
  found = sqlite3_step (stmt) == SQLITE_ROW;
  sqlite3_reset (stmt);
  if (!found)
    {
      g_set_error (error, CERCLE_CARE_ERROR, CERCLE_CARE_ERROR_NOT_FOUND, _("This patient is not in the local store"));
      return FALSE;
    }

  members = cercle_care_team_repo_get_members (db, patient_id, error);
  if (members == NULL)
    return FALSE;
  if (members->len == 0)
    {
      g_autofree char *self = NULL;
      g_autofree char *self_display = NULL;

      /* No team here yet (a patient created on this computer, not synced):
       * the server puts the patient's creator in the circle it makes, and
       * our PUT replaces that team, so the creator must be in it too, or
       * they would lose the patient they just created. */
      if (cercle_store_get_account (db, NULL, NULL, &self, NULL, &self_display)
          && self != NULL && g_str_has_prefix (self, "Practitioner/")
          && !(g_strcmp0 (cercle_care_team_member_get_member_type (member), "Practitioner") == 0
               && g_strcmp0 (cercle_care_team_member_get_member_id (member), self + strlen ("Practitioner/")) == 0))
        {
          CercleCareTeamMember *creator = cercle_care_team_member_new ("Practitioner", self + strlen ("Practitioner/"),
                                                                       self_display, NULL);

          g_object_set (creator, "start", today, NULL);
          g_ptr_array_add (members, creator);
        }
    }
  /* A member the circle holds without a role (the creator, as the server
   * adds them) who is now given one: the new entry takes its place. */
  for (guint i = 0; i < members->len; i++)
    {
      CercleCareTeamMember *other = g_ptr_array_index (members, i);

      if (cercle_care_team_member_get_role_code (other) == NULL
          && cercle_care_team_member_get_end (other) == NULL
          && g_strcmp0 (cercle_care_team_member_get_member_type (other),
                        cercle_care_team_member_get_member_type (member)) == 0
          && g_strcmp0 (cercle_care_team_member_get_member_id (other),
                        cercle_care_team_member_get_member_id (member)) == 0)
        {
          g_ptr_array_remove_index (members, i);
          break;
        }
    }
  if (cercle_care_team_member_get_start (member) == NULL)
    g_object_set (member, "start", today, NULL);
  if (!check_new_member (members, member, today, error))
    return FALSE;
  g_ptr_array_add (members, g_object_ref (member));
  return save_team (db, patient_id, members, extra, error);
}

/**
 * cercle_care_team_repo_add_member:
 * @db: the local store
 * @patient_id: a patient
 * @member: a professional (Practitioner) or a structure (Organization) with
 *   its role; its start date is today when not set
 * @error: return location for a #CERCLE_CARE_ERROR or #CERCLE_DB_ERROR
 *
 * Adds a member to the circle and queues the CareTeam for the server, in one
 * transaction. Refused (%CERCLE_CARE_ERROR_CONFLICT) when the member already
 * holds that role, or when a second médecin traitant would be active.
 *
 * Returns: %TRUE on success
 */
gboolean
cercle_care_team_repo_add_member (CercleDb              *db,
                                  const char            *patient_id,
                                  CercleCareTeamMember  *member,
                                  GError               **error)
{
  g_return_val_if_fail (CERCLE_IS_DB (db), FALSE);
  g_return_val_if_fail (patient_id != NULL, FALSE);
  g_return_val_if_fail (CERCLE_IS_CARE_TEAM_MEMBER (member), FALSE);

  return add_member (db, patient_id, member, NULL, error);
}

static char *
normalize_phone (const char  *phone,
                 GError     **error)
{
  GString *digits = g_string_new (NULL);
  gsize n;

  for (const char *p = phone; *p; p++)
    {
      if (g_ascii_isdigit (*p) || (*p == '+' && digits->len == 0))
        g_string_append_c (digits, *p);
      else if (*p != ' ' && *p != '.' && *p != '-')
        {
          n = 0;
          goto bad;
        }
    }
  n = digits->len;
  if ((digits->str[0] == '0' && n == 10) || (digits->str[0] == '+' && n >= 9 && n <= 16))
    return g_string_free (digits, FALSE);
bad:
  g_string_free (digits, TRUE);
  g_set_error (error, CERCLE_CARE_ERROR, CERCLE_CARE_ERROR_INVALID,
               _("The phone number must have 10 digits (01 23 45 67 89) or start with +"));
  return NULL;
}

/**
 * cercle_care_team_repo_add_relative:
 * @db: the local store
 * @patient_id: a patient
 * @family_name: the relative's family name
 * @given_name: (nullable): their given name
 * @phone: (nullable): their phone number
 * @role_code: "aidant", "personne-de-confiance" or "representant-legal"
 * @error: return location for a #CERCLE_CARE_ERROR or #CERCLE_DB_ERROR
 *
 * Records a relative of the patient (a FHIR RelatedPerson) and adds them to
 * the circle: both go to the server as one transaction Bundle, queued in the
 * same local transaction.
 *
 * Returns: (transfer full): the new member, or %NULL
 */
CercleCareTeamMember *
cercle_care_team_repo_add_relative (CercleDb    *db,
                                    const char  *patient_id,
                                    const char  *family_name,
                                    const char  *given_name,
                                    const char  *phone,
                                    const char  *role_code,
                                    GError     **error)
{
  g_autofree char *family = g_strstrip (g_strdup (family_name ? family_name : ""));
  g_autofree char *given = g_strstrip (g_strdup (given_name ? given_name : ""));
  g_autofree char *number = NULL;
  g_autofree char *id = NULL;
  g_autofree char *display = NULL;
  g_autoptr(JsonObject) person = NULL;
  g_autoptr(CercleCareTeamMember) member = NULL;
  const CercleCareTeamRole *roles;
  gsize n_roles;
  gboolean relative_role = FALSE;
  JsonArray *array;
  JsonObject *name;

  g_return_val_if_fail (CERCLE_IS_DB (db), NULL);
  g_return_val_if_fail (patient_id != NULL, NULL);

  if (*family == '\0')
    {
      g_set_error (error, CERCLE_CARE_ERROR, CERCLE_CARE_ERROR_INVALID, _("The relative’s family name is required"));
      return NULL;
    }
  roles = cercle_care_team_roles (&n_roles);
  for (gsize i = 0; i < n_roles; i++)
    if (g_strcmp0 (roles[i].code, role_code) == 0 && g_strcmp0 (roles[i].member_type, "RelatedPerson") == 0)
      relative_role = TRUE;
  if (!relative_role)
    {
      g_set_error (error, CERCLE_CARE_ERROR, CERCLE_CARE_ERROR_INVALID,
                   _("A relative is a caregiver, a trusted person or a legal representative"));
      return NULL;
    }
  if (phone != NULL && *phone != '\0' && (number = normalize_phone (phone, error)) == NULL)
    return NULL;

  id = g_uuid_string_random ();
  display = *given ? g_strdup_printf ("%s %s", given, family) : g_strdup (family);

  person = json_object_new ();
  json_object_set_string_member (person, "resourceType", "RelatedPerson");
  json_object_set_string_member (person, "id", id);
  json_object_set_boolean_member (person, "active", TRUE);
  json_object_set_object_member (person, "patient", cercle_fhir_reference_new ("Patient", patient_id, NULL));
  array = json_array_new ();
  for (gsize i = 0; i < n_roles; i++)
    if (g_strcmp0 (roles[i].code, role_code) == 0)
      json_array_add_object_element (array, cercle_fhir_codeable_concept_new (CERCLE_FHIR_SYSTEM_CARE_TEAM_ROLE,
                                                                              role_code, roles[i].display));
  json_object_set_array_member (person, "relationship", array);
  name = json_object_new ();
  json_object_set_string_member (name, "family", family);
  if (*given)
    {
      JsonArray *given_array = json_array_new ();
      json_array_add_string_element (given_array, given);
      json_object_set_array_member (name, "given", given_array);
    }
  array = json_array_new ();
  json_array_add_object_element (array, name);
  json_object_set_array_member (person, "name", array);
  if (number != NULL)
    {
      JsonObject *telecom = json_object_new ();

      json_object_set_string_member (telecom, "system", "phone");
      json_object_set_string_member (telecom, "value", number);
      array = json_array_new ();
      json_array_add_object_element (array, telecom);
      json_object_set_array_member (person, "telecom", array);
    }

  member = cercle_care_team_member_new ("RelatedPerson", id, display, role_code);
  if (!add_member (db, patient_id, member, person, error))
    return NULL;
  return g_steal_pointer (&member);
}

/**
 * cercle_care_team_repo_end_member:
 * @db: the local store
 * @patient_id: a patient
 * @member: an active member of the patient's circle (matched by type, id
 *   and role)
 * @end: (nullable): the last day, YYYY-MM-DD; %NULL for today
 * @error: return location for a #CERCLE_CARE_ERROR or #CERCLE_DB_ERROR
 *
 * Ends a membership: the member stays in the CareTeam with the end of its
 * period set, shown under « Anciens membres ».
 *
 * Returns: %TRUE on success
 */
gboolean
cercle_care_team_repo_end_member (CercleDb              *db,
                                  const char            *patient_id,
                                  CercleCareTeamMember  *member,
                                  const char            *end,
                                  GError               **error)
{
  g_autoptr(GPtrArray) members = NULL;
  g_autofree char *today = cercle_care_team_today ();
  CercleCareTeamMember *found = NULL;

  g_return_val_if_fail (CERCLE_IS_DB (db), FALSE);
  g_return_val_if_fail (patient_id != NULL, FALSE);
  g_return_val_if_fail (CERCLE_IS_CARE_TEAM_MEMBER (member), FALSE);

  if (end == NULL)
    end = today;
  if (!cercle_fhir_is_valid_date (end))
    {
      g_set_error (error, CERCLE_CARE_ERROR, CERCLE_CARE_ERROR_INVALID, _("The end date is not a valid date"));
      return FALSE;
    }
  members = cercle_care_team_repo_get_members (db, patient_id, error);
  if (members == NULL)
    return FALSE;
  for (guint i = 0; i < members->len && found == NULL; i++)
    {
      CercleCareTeamMember *m = g_ptr_array_index (members, i);

      if (same_member (m, member) && cercle_care_team_member_get_end (m) == NULL)
        found = m;
    }
  if (found == NULL)
    {
      g_set_error (error, CERCLE_CARE_ERROR, CERCLE_CARE_ERROR_NOT_FOUND,
                   _("This member is no longer in the care circle"));
      return FALSE;
    }
  if (cercle_care_team_member_get_start (found) != NULL
      && strncmp (end, cercle_care_team_member_get_start (found), 10) < 0)
    {
      g_set_error (error, CERCLE_CARE_ERROR, CERCLE_CARE_ERROR_INVALID,
                   _("A membership cannot end before it started"));
      return FALSE;
    }
  g_object_set (found, "end", end, NULL);
  if (!save_team (db, patient_id, members, NULL, error))
    return FALSE;
  g_object_set (member, "end", end, NULL);
  return TRUE;
}

static gboolean
words_match (const char * const *query_words,
             const char         *haystack)
{
  g_auto(GStrv) words = g_strsplit (haystack, " ", -1);

  for (guint i = 0; query_words[i] != NULL; i++)
    {
      gboolean hit = FALSE;

      for (guint j = 0; words[j] != NULL && !hit; j++)
        hit = g_str_has_prefix (words[j], query_words[i]);
      if (!hit)
        return FALSE;
    }
  return TRUE;
}

static int
compare_professionals (gconstpointer a,
                       gconstpointer b,
                       gpointer      user_data)
{
  CercleProfessional *pa = (CercleProfessional *) a;
  CercleProfessional *pb = (CercleProfessional *) b;
  g_autofree char *ka = cercle_text_fold (cercle_professional_get_family_name (pa) ?: "");
  g_autofree char *kb = cercle_text_fold (cercle_professional_get_family_name (pb) ?: "");

  return strcmp (ka, kb);
}

/**
 * cercle_care_team_repo_search_practitioners:
 * @db: the local store
 * @text: the first letters of a name (any order, accents and case
 *   ignored), or the first digits of an RPPS number
 * @limit: the most to return, 0 for 20
 * @error: return location for a #GError
 *
 * The professionals the server knows (the Practitioners synced into the
 * store) whose name or RPPS matches, sorted by name.
 *
 * Returns: (transfer full): a list of #CercleProfessional
 */
GListModel *
cercle_care_team_repo_search_practitioners (CercleDb    *db,
                                            const char  *text,
                                            guint        limit,
                                            GError     **error)
{
  g_autoptr(GListStore) out = g_list_store_new (CERCLE_TYPE_PROFESSIONAL);
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autofree char *folded = cercle_text_fold (text ? text : "");
  g_auto(GStrv) query_words = g_strsplit (folded, " ", -1);
  gboolean digits = *folded != '\0';
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (CERCLE_IS_DB (db), NULL);

  for (const char *p = folded; *p; p++)
    digits &= g_ascii_isdigit (*p);
  if (limit == 0)
    limit = 20;

  stmt = cercle_db_prepare (db, "SELECT json FROM resource WHERE type = 'Practitioner'", error);
  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_autoptr(CercleProfessional) pro = NULL;
      g_autofree char *name = NULL;
      g_autofree char *key = NULL;

      if (!json_parser_load_from_data (parser, (const char *) sqlite3_column_text (stmt, 0), -1, NULL)
          || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
        continue;
      pro = cercle_professional_new_from_fhir (json_node_get_object (json_parser_get_root (parser)), NULL);
      if (pro == NULL)
        continue;
      if (digits)
        {
          if (!g_str_has_prefix (cercle_professional_get_rpps (pro) ? cercle_professional_get_rpps (pro) : "",
                                 folded))
            continue;
        }
      else
        {
          name = cercle_professional_dup_display_name (pro);
          key = cercle_text_fold (name);
          if (!words_match ((const char * const *) query_words, key))
            continue;
        }
      g_list_store_append (out, pro);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      cercle_db_set_error (db, error, NULL);
      return NULL;
    }
  /* Few professionals: sort and cut here. */
  g_list_store_sort (out, compare_professionals, NULL);
  while (g_list_model_get_n_items (G_LIST_MODEL (out)) > limit)
    g_list_store_remove (out, g_list_model_get_n_items (G_LIST_MODEL (out)) - 1);
  return G_LIST_MODEL (g_steal_pointer (&out));
}

/* "0611223344" as the French write it: « 06 11 22 33 44 »; other forms
 * (+33…) as they are. */
static char *
readable_phone (const char *stored)
{
  GString *out;

  if (strlen (stored) != 10 || stored[0] != '0')
    return g_strdup (stored);
  out = g_string_new (NULL);
  for (guint i = 0; i < 10; i += 2)
    g_string_append_printf (out, "%s%c%c", i ? " " : "", stored[i], stored[i + 1]);
  return g_string_free (out, FALSE);
}

/**
 * cercle_care_team_repo_relative_phones:
 * @db: the local store
 * @patient_id: a patient
 *
 * The phone numbers of the patient's relatives (their RelatedPerson
 * resources in the store), for the care circle to show beside their names.
 *
 * Returns: (transfer full) (element-type utf8 utf8): RelatedPerson id → phone
 */
GHashTable *
cercle_care_team_repo_relative_phones (CercleDb   *db,
                                       const char *patient_id)
{
  GHashTable *phones = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  sqlite3_stmt *stmt;

  g_return_val_if_fail (CERCLE_IS_DB (db), phones);
  g_return_val_if_fail (patient_id != NULL, phones);

  stmt = cercle_db_prepare (db,
                            "SELECT r.id, t.value ->> 'value' FROM resource AS r, json_each (r.json, '$.telecom') AS t"
                            " WHERE r.type = 'RelatedPerson' AND r.patient_id = ? AND json_valid (r.json)"
                            " AND t.value ->> 'system' = 'phone'",
                            NULL);
  if (stmt == NULL)
    return phones;
  sqlite3_bind_text (stmt, 1, patient_id, -1, SQLITE_TRANSIENT);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    if (sqlite3_column_text (stmt, 1) != NULL
        && !g_hash_table_contains (phones, sqlite3_column_text (stmt, 0)))
      g_hash_table_insert (phones, g_strdup ((const char *) sqlite3_column_text (stmt, 0)),
                           readable_phone ((const char *) sqlite3_column_text (stmt, 1)));
  sqlite3_reset (stmt);
  return phones;
}
