/* cercle-referral-repo.c — discharge referrals in the local store
 *
 * A referral is prepared as a draft (table referral_draft of the
 * "referral" migration set: the draft's own JSON, saved as the user types,
 * never queued for the server), then sent as ONE outbox row: a
 * transaction Bundle of PUTs with the ids chosen here (one ServiceRequest,
 * one Task per structure), written with the resources' local copies in one
 * transaction. The answers come back through the sync service into the
 * `resource` table; each action on a Task is checked locally with the
 * referral rules, then queued as a PUT of the Task.
 *
 * The lists read what their rows show from two summary tables that
 * triggers keep as `resource` is written (2,000 dossiers must open at
 * once); a dossier that is opened, and every action, goes through
 * CercleReferral and CercleDestination on the resources' JSON.
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cercle-referral"

#include "config.h"

#include <string.h>

#include "cercle-care-team-member.h"
#include "cercle-destination.h"
#include "cercle-fhir.h"
#include "cercle-i18n.h"
#include "cercle-patient-repo.h"
#include "cercle-professional.h"
#include "cercle-referral.h"
#include "cercle-referral-repo.h"
#include "cercle-store.h"

/* The time of the last task-transition step to `requested` of the Task
 * whose JSON is @json, else its authoredOn. Steps may carry any offset
 * ("Z", "+01:00"): they are ordered by julianday(), not as text. */
#define TASK_SENT_AT(json) \
  "coalesce ((SELECT json_extract (t.value, '$.valueDateTime')" \
  "   FROM json_each (" json ", '$.extension') e, json_each (e.value, '$.extension') t," \
  "     json_each (e.value, '$.extension') s" \
  "   WHERE json_extract (e.value, '$.url') = '" CERCLE_FHIR_EXTENSION_TASK_TRANSITION "'" \
  "     AND json_extract (t.value, '$.url') = 'time' AND json_extract (s.value, '$.url') = 'status'" \
  "     AND json_extract (s.value, '$.valueCode') = 'requested'" \
  "   ORDER BY julianday (json_extract (t.value, '$.valueDateTime')) DESC LIMIT 1)," \
  "  json_extract (" json ", '$.authoredOn'))"

static const CercleMigration referral_migrations[] = {
  { 1, "referral drafts",
    "CREATE TABLE referral_draft ("
    "  id TEXT PRIMARY KEY,"
    "  patient_id TEXT NOT NULL,"
    "  json TEXT NOT NULL,"
    "  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))"
    ");"
    "CREATE INDEX referral_draft_patient ON referral_draft (patient_id);"
    /* Losing a patient's file (sign-out, access lost) loses its drafts:
     * they hold the same data. */
    "CREATE TRIGGER referral_draft_forget AFTER DELETE ON patient BEGIN"
    "  DELETE FROM referral_draft WHERE patient_id = old.id;"
    "END;" },
  /* What the lists show, kept by triggers as the sync (or a local change)
   * writes `resource`: reading 2,000 dossiers and 6,000 Tasks is then a
   * read of plain columns, the JSON having been read once, at write time.
   * An unreadable JSON is simply not summarised: a write never fails here. */
  { 2, "summaries of referrals for the lists",
    "CREATE TABLE referral_task ("
    "  id TEXT PRIMARY KEY, patient_id TEXT, author_ref TEXT, focus TEXT, owner TEXT, owner_display TEXT,"
    "  status TEXT, business TEXT, reason TEXT, reason_text TEXT, deadline TEXT, last_modified TEXT,"
    "  admission_date TEXT, asap INTEGER, reminded INTEGER, authored_on TEXT"
    ") WITHOUT ROWID;"
    "CREATE INDEX referral_task_focus ON referral_task (focus);"
    "CREATE INDEX referral_task_owner ON referral_task (owner, authored_on);"
    "CREATE TABLE referral_request ("
    "  id TEXT PRIMARY KEY, patient_id TEXT, author_ref TEXT, dossier TEXT, type TEXT, status TEXT,"
    "  authored_on TEXT, requester TEXT"
    ") WITHOUT ROWID;"
    "CREATE INDEX referral_request_authored ON referral_request (authored_on);"
    "CREATE TRIGGER referral_task_insert AFTER INSERT ON resource WHEN new.type = 'Task' BEGIN"
    "  DELETE FROM referral_task WHERE id = new.id;"
    "  INSERT INTO referral_task (id, patient_id, author_ref, focus, owner, owner_display, status, business,"
    "    reason, reason_text, deadline, last_modified, admission_date, asap, reminded, authored_on)"
    "  SELECT new.id, new.patient_id, new.author_ref,"
    "  json_extract (new.json, '$.focus.reference'), json_extract (new.json, '$.owner.reference'),"
    "  json_extract (new.json, '$.owner.display'), json_extract (new.json, '$.status'),"
    "  json_extract (new.json, '$.businessStatus.coding[0].code'),"
    "  json_extract (new.json, '$.statusReason.coding[0].code'),"
    "  json_extract (new.json, '$.statusReason.text'), json_extract (new.json, '$.restriction.period.end'),"
    "  json_extract (new.json, '$.lastModified'),"
    "  (SELECT json_extract (o.value, '$.valueDate') FROM json_each (new.json, '$.output') o"
    "    WHERE json_extract (o.value, '$.type.coding[0].code') = 'admission-date'),"
    "  (SELECT count (*) FROM json_each (new.json, '$.output') o"
    "    WHERE json_extract (o.value, '$.type.coding[0].code') = 'admission-asap'"
    "      AND json_extract (o.value, '$.valueBoolean') = 1),"
    "  (SELECT count (*) FROM json_each (new.json, '$.note') n"
    "    WHERE json_extract (n.value, '$.authorString') = 'Cercle'),"
    "  json_extract (new.json, '$.authoredOn')"
    "  WHERE json_valid (new.json);"
    "END;"
    "CREATE TRIGGER referral_task_update AFTER UPDATE ON resource WHEN new.type = 'Task' BEGIN"
    "  DELETE FROM referral_task WHERE id = new.id;"
    "  INSERT INTO referral_task (id, patient_id, author_ref, focus, owner, owner_display, status, business,"
    "    reason, reason_text, deadline, last_modified, admission_date, asap, reminded, authored_on)"
    "  SELECT new.id, new.patient_id, new.author_ref,"
    "  json_extract (new.json, '$.focus.reference'), json_extract (new.json, '$.owner.reference'),"
    "  json_extract (new.json, '$.owner.display'), json_extract (new.json, '$.status'),"
    "  json_extract (new.json, '$.businessStatus.coding[0].code'),"
    "  json_extract (new.json, '$.statusReason.coding[0].code'),"
    "  json_extract (new.json, '$.statusReason.text'), json_extract (new.json, '$.restriction.period.end'),"
    "  json_extract (new.json, '$.lastModified'),"
    "  (SELECT json_extract (o.value, '$.valueDate') FROM json_each (new.json, '$.output') o"
    "    WHERE json_extract (o.value, '$.type.coding[0].code') = 'admission-date'),"
    "  (SELECT count (*) FROM json_each (new.json, '$.output') o"
    "    WHERE json_extract (o.value, '$.type.coding[0].code') = 'admission-asap'"
    "      AND json_extract (o.value, '$.valueBoolean') = 1),"
    "  (SELECT count (*) FROM json_each (new.json, '$.note') n"
    "    WHERE json_extract (n.value, '$.authorString') = 'Cercle'),"
    "  json_extract (new.json, '$.authoredOn')"
    "  WHERE json_valid (new.json);"
    "END;"
    "CREATE TRIGGER referral_request_insert AFTER INSERT ON resource WHEN new.type = 'ServiceRequest' BEGIN"
    "  DELETE FROM referral_request WHERE id = new.id;"
    "  INSERT INTO referral_request (id, patient_id, author_ref, dossier, type, status, authored_on, requester)"
    "  SELECT new.id, new.patient_id, new.author_ref,"
    "  json_extract (new.json, '$.requisition.value'), json_extract (new.json, '$.code.coding[0].code'),"
    "  json_extract (new.json, '$.status'), json_extract (new.json, '$.authoredOn'),"
    "  json_extract (new.json, '$.requester.reference')"
    "  WHERE json_valid (new.json);"
    "END;"
    "CREATE TRIGGER referral_request_update AFTER UPDATE ON resource WHEN new.type = 'ServiceRequest' BEGIN"
    "  DELETE FROM referral_request WHERE id = new.id;"
    "  INSERT INTO referral_request (id, patient_id, author_ref, dossier, type, status, authored_on, requester)"
    "  SELECT new.id, new.patient_id, new.author_ref,"
    "  json_extract (new.json, '$.requisition.value'), json_extract (new.json, '$.code.coding[0].code'),"
    "  json_extract (new.json, '$.status'), json_extract (new.json, '$.authoredOn'),"
    "  json_extract (new.json, '$.requester.reference')"
    "  WHERE json_valid (new.json);"
    "END;"
    "CREATE TRIGGER referral_task_delete AFTER DELETE ON resource WHEN old.type = 'Task' BEGIN"
    "  DELETE FROM referral_task WHERE id = old.id;"
    "END;"
    "CREATE TRIGGER referral_request_delete AFTER DELETE ON resource WHEN old.type = 'ServiceRequest' BEGIN"
    "  DELETE FROM referral_request WHERE id = old.id;"
    "END;"
    /* What was there before this migration. */
    "INSERT INTO referral_task (id, patient_id, author_ref, focus, owner, owner_display, status, business,"
    "    reason, reason_text, deadline, last_modified, admission_date, asap, reminded, authored_on)"
    "  SELECT id, patient_id, author_ref,"
    "  json_extract (json, '$.focus.reference'), json_extract (json, '$.owner.reference'),"
    "  json_extract (json, '$.owner.display'), json_extract (json, '$.status'),"
    "  json_extract (json, '$.businessStatus.coding[0].code'), json_extract (json, '$.statusReason.coding[0].code'),"
    "  json_extract (json, '$.statusReason.text'), json_extract (json, '$.restriction.period.end'),"
    "  json_extract (json, '$.lastModified'),"
    "  (SELECT json_extract (o.value, '$.valueDate') FROM json_each (json, '$.output') o"
    "    WHERE json_extract (o.value, '$.type.coding[0].code') = 'admission-date'),"
    "  (SELECT count (*) FROM json_each (json, '$.output') o"
    "    WHERE json_extract (o.value, '$.type.coding[0].code') = 'admission-asap'"
    "      AND json_extract (o.value, '$.valueBoolean') = 1),"
    "  (SELECT count (*) FROM json_each (json, '$.note') n WHERE json_extract (n.value, '$.authorString') = 'Cercle'),"
    "  json_extract (json, '$.authoredOn')"
    "  FROM resource WHERE type = 'Task' AND json_valid (json);"
    "INSERT INTO referral_request (id, patient_id, author_ref, dossier, type, status, authored_on, requester)"
    "  SELECT id, patient_id, author_ref,"
    "  json_extract (json, '$.requisition.value'), json_extract (json, '$.code.coding[0].code'),"
    "  json_extract (json, '$.status'), json_extract (json, '$.authoredOn'), json_extract (json, '$.requester.reference')"
    "  FROM resource WHERE type = 'ServiceRequest' AND json_valid (json);" },
  /* When each destination was last sent: the time of the Task's last step
   * to `requested` (sending it, or sending the complements asked for),
   * else its authoredOn; « envoyée il y a … » counts from it, never from
   * the local write. */
  { 3, "when each referral Task was last sent",
    "ALTER TABLE referral_task ADD COLUMN sent_at TEXT;"
    "CREATE TRIGGER referral_task_sent_insert AFTER INSERT ON referral_task BEGIN"
    "  UPDATE referral_task SET sent_at = " TASK_SENT_AT ("(SELECT json FROM resource WHERE type = 'Task' AND id = new.id)")
    "  WHERE id = new.id;"
    "END;"
    "UPDATE referral_task SET sent_at = " TASK_SENT_AT ("(SELECT json FROM resource WHERE type = 'Task'"
                                                         " AND id = referral_task.id)") ";" },
};

/**
 * cercle_referral_repo_migrate:
 * @db: the local store
 * @error: return location for a #CERCLE_DB_ERROR
 *
 * Brings the "referral" migration set up to date (cercle_store_open() calls it).
 *
 * Returns: %TRUE on success
 */
gboolean
cercle_referral_repo_migrate (CercleDb  *db,
                              GError   **error)
{
  return cercle_db_migrate (db, "referral", referral_migrations, G_N_ELEMENTS (referral_migrations), error);
}

/* ---- Helpers ------------------------------------------------------------ */

static const char *
column_text (sqlite3_stmt *stmt,
             int           column)
{
  return (const char *) sqlite3_column_text (stmt, column);
}

static JsonObject *
parse_object (const char *json)
{
  g_autoptr(JsonNode) node = json ? json_from_string (json, NULL) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  return json_object_ref (json_node_get_object (node));
}

static char *
object_to_string (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), object);

  return json_to_string (node, FALSE);
}

/* "Practitioner/ID" → "ID" */
static const char *
ref_id (const char *reference)
{
  const char *slash = reference ? strrchr (reference, '/') : NULL;

  return slash ? slash + 1 : reference;
}

static char *
now_string (void)
{
  g_autoptr(GDateTime) utc = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) second = g_date_time_add (utc, -(g_date_time_get_microsecond (utc)));

  return cercle_fhir_format_date_time (second);
}

/* ------------------------------------------------------------ timeline -- */

typedef struct {
  GDateTime *sent;
  guint      n_destinations;
  char      *type;
} SentDossier;

static void
sent_dossier_free (SentDossier *sent)
{
  g_clear_pointer (&sent->sent, g_date_time_unref);
  g_free (sent->type);
  g_free (sent);
}

/* Steps the patient's story tells: answers, confirmation, cancellation,
 * admission. Not the draft, not « Lue » (the desk's reading is its own
 * business), not the requester's sending again with complements. */
static gboolean
step_tells (const char *status,
            const char *business)
{
  if (g_strcmp0 (status, "draft") == 0 || g_strcmp0 (status, "requested") == 0)
    return FALSE;
  if (g_strcmp0 (status, "received") == 0 && g_strcmp0 (business, CERCLE_REFERRAL_BUSINESS_READ) == 0)
    return FALSE;
  return status != NULL;
}

/**
 * cercle_referral_repo_add_timeline_events:
 * @db: the local store
 * @patient_id: a patient
 * @events: (element-type CercleTimelineEvent): where to add the entries
 * @error: return location for a #CERCLE_DB_ERROR
 *
 * The patient's referrals as steps of their story (issue 16: notes, circle
 * changes and referral events together): one entry per dossier sent (when
 * its first Task became `requested`, to how many structures), and one per
 * destination's step from the Tasks' `task-transition` history — answered,
 * admission confirmed, cancelled (by the requester, automatically, for
 * lack of an answer), admitted, withdrawn. A change made here and not yet
 * sent is already in its Task's history, so it shows at once. A Task whose
 * JSON cannot be read is left out.
 *
 * Returns: %TRUE on success
 */
gboolean
cercle_referral_repo_add_timeline_events (CercleDb    *db,
                                          const char  *patient_id,
                                          GPtrArray   *events,
                                          GError     **error)
{
  g_autoptr(GHashTable) sent = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                      (GDestroyNotify) sent_dossier_free);
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  sqlite3_stmt *stmt;
  GHashTableIter iter;
  gpointer key, value;
  int rc;

  g_return_val_if_fail (CERCLE_IS_DB (db), FALSE);
  g_return_val_if_fail (patient_id != NULL, FALSE);
  g_return_val_if_fail (events != NULL, FALSE);

  stmt = cercle_db_prepare (db,
                            "SELECT r.json, q.type FROM resource r JOIN referral_task t ON t.id = r.id"
                            " LEFT JOIN referral_request q ON t.focus = 'ServiceRequest/' || q.id"
                            " WHERE r.type = 'Task' AND r.patient_id = ?",
                            error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, patient_id, -1, SQLITE_TRANSIENT);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_autoptr(CercleDestination) destination = NULL;
      const CercleDestinationTransition *last = NULL;
      const char *referral_id;
      const char *structure;
      gboolean requested = FALSE;

      if (!json_parser_load_from_data (parser, column_text (stmt, 0), -1, NULL)
          || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser))
          || (destination = cercle_destination_new_from_fhir (json_node_get_object (json_parser_get_root (parser)),
                                                              NULL)) == NULL
          || (referral_id = cercle_destination_get_referral_id (destination)) == NULL)
        continue;
      structure = cercle_destination_get_owner_display (destination);
      for (guint i = 0; i < cercle_destination_get_n_transitions (destination); i++)
        {
          const CercleDestinationTransition *step = cercle_destination_get_transition (destination, i);

          if (step == NULL || step->time == NULL)
            continue;
          last = step;
          if (g_strcmp0 (step->status, "requested") == 0 && !requested)
            {
              SentDossier *dossier = g_hash_table_lookup (sent, referral_id);

              requested = TRUE;
              if (dossier == NULL)
                {
                  dossier = g_new0 (SentDossier, 1);
                  dossier->type = g_strdup (column_text (stmt, 1));
                  g_hash_table_insert (sent, g_strdup (referral_id), dossier);
                }
              dossier->n_destinations++;
              if (dossier->sent == NULL || g_date_time_compare (step->time, dossier->sent) < 0)
                {
                  g_clear_pointer (&dossier->sent, g_date_time_unref);
                  dossier->sent = g_date_time_ref (step->time);
                }
            }
          if (step_tells (step->status, step->business))
            g_ptr_array_add (events, cercle_timeline_event_new_referral_step (referral_id, structure, step->status,
                                                                              step->business, step->reason,
                                                                              step->time));
        }
      /* A move with no step in the history (an older writer): told at the
       * Task's last change. */
      if (step_tells (cercle_destination_get_status (destination), cercle_destination_get_business_status (destination))
          && (last == NULL || g_strcmp0 (last->status, cercle_destination_get_status (destination)) != 0
              || g_strcmp0 (last->business, cercle_destination_get_business_status (destination)) != 0))
        {
          const char *modified = cercle_fhir_get_string (json_node_get_object (json_parser_get_root (parser)),
                                                         "lastModified");
          g_autoptr(GDateTime) when = modified ? cercle_fhir_parse_date_time (modified) : NULL;

          if (when != NULL)
            g_ptr_array_add (events, cercle_timeline_event_new_referral_step (
                                       referral_id, structure, cercle_destination_get_status (destination),
                                       cercle_destination_get_business_status (destination),
                                       cercle_destination_get_status_reason (destination), when));
        }
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      cercle_db_set_error (db, error, NULL);
      return FALSE;
    }
  g_hash_table_iter_init (&iter, sent);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      SentDossier *dossier = value;

      g_ptr_array_add (events, cercle_timeline_event_new_referral_sent (key, dossier->type, dossier->n_destinations,
                                                                        dossier->sent));
    }
  return TRUE;
}

/**
 * cercle_referral_repo_get_resource:
 * @db: the local store
 * @type: FHIR type
 * @id: its id
 * @error: return location for a #CERCLE_DB_ERROR
 *
 * Returns: (transfer full) (nullable): the local copy of a resource
 */
JsonObject *
cercle_referral_repo_get_resource (CercleDb    *db,
                                   const char  *type,
                                   const char  *id,
                                   GError     **error)
{
  sqlite3_stmt *stmt;
  JsonObject *object = NULL;

  stmt = cercle_db_prepare (db, "SELECT json FROM resource WHERE type = ? AND id = ?", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, type, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, id, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    object = parse_object (column_text (stmt, 0));
  sqlite3_reset (stmt);
  if (object == NULL)
    g_set_error (error, CERCLE_DB_ERROR, CERCLE_DB_ERROR_NOT_FOUND, _("%s/%s is not in the local store"), type, id);
  return object;
}

static char *
account_practitioner (CercleDb  *db,
                      char     **organization_ref,
                      char     **display)
{
  g_autofree char *practitioner = NULL;

  if (!cercle_store_get_account (db, NULL, NULL, &practitioner, organization_ref, display))
    return NULL;
  return g_steal_pointer (&practitioner);
}

/* ---- Drafts ------------------------------------------------------------- */

static void
prefill_from_circle (CercleDb            *db,
                     CercleReferralDraft *draft)
{
  g_autofree char *team_id = cercle_care_team_id_for_patient (cercle_referral_draft_get_patient_id (draft));
  g_autoptr(JsonObject) team = NULL;
  g_autoptr(GPtrArray) members = NULL;
  g_autoptr(GString) relatives = g_string_new (NULL);
  g_autoptr(GString) caregivers = g_string_new (NULL);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *today = g_date_time_format (now, "%Y-%m-%d");
  sqlite3_stmt *stmt;

  /* The circle is the patient's CareTeam, whatever its id. */
  stmt = cercle_db_prepare (db, "SELECT json FROM resource WHERE type = 'CareTeam' AND patient_id = ?"
                                " ORDER BY id = ?2 DESC LIMIT 1", NULL);
  if (stmt == NULL)
    return;
  sqlite3_bind_text (stmt, 1, cercle_referral_draft_get_patient_id (draft), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, team_id, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    team = parse_object (column_text (stmt, 0));
  sqlite3_reset (stmt);
  if (team == NULL)
    return;
  members = cercle_care_team_from_fhir (team, NULL, NULL);
  for (guint i = 0; members != NULL && i < members->len; i++)
    {
      CercleCareTeamMember *member = g_ptr_array_index (members, i);
      const char *role = cercle_care_team_member_get_role_code (member);
      const char *name = cercle_care_team_member_get_display (member);

      if (name == NULL || !cercle_care_team_member_is_active (member, today))
        continue;
      if (g_strcmp0 (role, "medecin-traitant") == 0 && cercle_referral_draft_get_field (draft, "gp") == NULL)
        cercle_referral_draft_set_field (draft, "gp", name);
      else if (g_strcmp0 (cercle_care_team_member_get_member_type (member), "RelatedPerson") == 0)
        {
          g_string_append_printf (relatives, "%s%s (%s)", relatives->len ? ", " : "", name,
                                  cercle_care_team_member_get_role_label (member));
          if (g_strcmp0 (role, "aidant") == 0)
            g_string_append_printf (caregivers, "%s%s", caregivers->len ? ", " : "", name);
        }
    }
  if (relatives->len)
    cercle_referral_draft_set_field (draft, "relatives", relatives->str);
  if (caregivers->len)
    cercle_referral_draft_set_field (draft, "caregiver", caregivers->str);
}

/**
 * cercle_referral_repo_new_draft:
 * @db: the local store
 * @patient_id: the patient
 * @error: return location for a #CERCLE_DB_ERROR
 *
 * A new dossier for the patient, its volets pre-filled from the file
 * (identity, address, médecin traitant and relatives from the care circle)
 * so that nothing is typed twice, and saved at once.
 *
 * Returns: (transfer full) (nullable): the draft, or %NULL
 */
CercleReferralDraft *
cercle_referral_repo_new_draft (CercleDb    *db,
                                const char  *patient_id,
                                GError     **error)
{
  g_autoptr(CerclePatient) patient = NULL;
  g_autoptr(CercleReferralDraft) draft = NULL;
  g_autofree char *name = NULL;
  g_autoptr(GString) identity = NULL;
  g_autoptr(GString) address = g_string_new (NULL);

  g_return_val_if_fail (CERCLE_IS_DB (db), NULL);
  g_return_val_if_fail (patient_id != NULL, NULL);

  patient = cercle_patient_repo_get (db, patient_id, error);
  if (patient == NULL)
    return NULL;

  draft = cercle_referral_draft_new (NULL, patient_id);
  name = cercle_patient_dup_display_name (patient);
  cercle_referral_draft_set_patient_name (draft, name);
  cercle_referral_draft_set_commune_code (draft, cercle_patient_get_commune_code (patient));

  identity = g_string_new (name);
  if (cercle_patient_get_birth_date (patient))
    {
      g_auto(GStrv) parts = g_strsplit (cercle_patient_get_birth_date (patient), "-", 3);

      if (g_strv_length (parts) == 3)
        {
          g_autofree char *date = g_strdup_printf ("%s/%s/%s", parts[2], parts[1], parts[0]);

          /* TRANSLATORS: after the patient's name, e.g. "DURAND Jeanne, born on 12/03/1938" */
          g_string_append_printf (identity, _(", born on %s"), date);
        }
    }
  if (cercle_patient_get_ins (patient))
    g_string_append_printf (identity, ", INS %s", cercle_patient_get_ins (patient));
  if (cercle_patient_get_phone (patient))
    g_string_append_printf (identity, ", %s", cercle_patient_get_phone (patient));
  cercle_referral_draft_set_field (draft, "identity", identity->str);

  if (cercle_patient_get_address_line (patient))
    g_string_append (address, cercle_patient_get_address_line (patient));
  if (cercle_patient_get_postcode (patient) || cercle_patient_get_commune_name (patient))
    g_string_append_printf (address, "%s%s %s", address->len ? ", " : "",
                            cercle_patient_get_postcode (patient) ? cercle_patient_get_postcode (patient) : "",
                            cercle_patient_get_commune_name (patient) ? cercle_patient_get_commune_name (patient) : "");
  cercle_referral_draft_set_field (draft, "address", address->str);

  prefill_from_circle (db, draft);

  if (!cercle_referral_repo_save_draft (db, draft, error))
    return NULL;
  return g_steal_pointer (&draft);
}

/**
 * cercle_referral_repo_save_draft:
 * @db: the local store
 * @draft: the draft
 * @error: return location for a #CERCLE_DB_ERROR
 *
 * Saves the draft (call it as the user types). Nothing is queued for the
 * server: a draft is the user's own until « Envoyer ».
 *
 * Returns: %TRUE on success
 */
gboolean
cercle_referral_repo_save_draft (CercleDb             *db,
                                 CercleReferralDraft  *draft,
                                 GError              **error)
{
  g_autofree char *json = NULL;
  sqlite3_stmt *stmt;

  g_return_val_if_fail (CERCLE_IS_DB (db), FALSE);
  g_return_val_if_fail (CERCLE_IS_REFERRAL_DRAFT (draft), FALSE);

  json = cercle_referral_draft_to_json (draft);
  stmt = cercle_db_prepare (db,
                            "INSERT INTO referral_draft (id, patient_id, json) VALUES (?1, ?2, ?3)"
                            " ON CONFLICT (id) DO UPDATE SET json = excluded.json,"
                            "  updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now')",
                            error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, cercle_referral_draft_get_id (draft), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, cercle_referral_draft_get_patient_id (draft), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, json, -1, SQLITE_TRANSIENT);
  return cercle_db_step_done (db, stmt, error);
}

/**
 * cercle_referral_repo_get_draft:
 * @db: the local store
 * @id: the draft's id
 * @error: return location for a #CERCLE_DB_ERROR
 *
 * Returns: (transfer full) (nullable): the draft, or %NULL
 */
CercleReferralDraft *
cercle_referral_repo_get_draft (CercleDb    *db,
                                const char  *id,
                                GError     **error)
{
  sqlite3_stmt *stmt;
  g_autofree char *json = NULL;

  g_return_val_if_fail (CERCLE_IS_DB (db), NULL);

  stmt = cercle_db_prepare (db, "SELECT json FROM referral_draft WHERE id = ?", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    json = g_strdup (column_text (stmt, 0));
  sqlite3_reset (stmt);
  if (json == NULL)
    {
      g_set_error (error, CERCLE_DB_ERROR, CERCLE_DB_ERROR_NOT_FOUND, _("This referral draft no longer exists"));
      return NULL;
    }
  return cercle_referral_draft_new_from_json (json, error);
}

/**
 * cercle_referral_repo_list_drafts:
 * @db: the local store
 * @patient_id: (nullable): one patient's, or all
 * @error: return location for a #CERCLE_DB_ERROR
 *
 * Returns: (transfer full) (element-type CercleReferralDraft): the drafts,
 *   the last edited first
 */
GPtrArray *
cercle_referral_repo_list_drafts (CercleDb    *db,
                                  const char  *patient_id,
                                  GError     **error)
{
  g_autoptr(GPtrArray) drafts = g_ptr_array_new_with_free_func (g_object_unref);
  sqlite3_stmt *stmt;

  stmt = cercle_db_prepare (db, "SELECT json FROM referral_draft WHERE ?1 IS NULL OR patient_id = ?1"
                                " ORDER BY updated_at DESC", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, patient_id, -1, SQLITE_TRANSIENT);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      CercleReferralDraft *draft = cercle_referral_draft_new_from_json (column_text (stmt, 0), NULL);

      /* An unreadable draft is skipped, not fatal for the others. */
      if (draft)
        g_ptr_array_add (drafts, draft);
    }
  sqlite3_reset (stmt);
  return g_steal_pointer (&drafts);
}

/**
 * cercle_referral_repo_delete_draft:
 * @db: the local store
 * @id: the draft's id
 * @error: return location for a #CERCLE_DB_ERROR
 *
 * Returns: %TRUE on success
 */
gboolean
cercle_referral_repo_delete_draft (CercleDb    *db,
                                   const char  *id,
                                   GError     **error)
{
  sqlite3_stmt *stmt = cercle_db_prepare (db, "DELETE FROM referral_draft WHERE id = ?", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
  return cercle_db_step_done (db, stmt, error);
}

/* ---- Who --------------------------------------------------------------- */

/**
 * cercle_referral_repo_find_organization:
 * @db: the local store
 * @finess: a FINESS number
 * @organization_id: (out) (transfer full): the Organization's id
 * @display: (out) (optional) (transfer full) (nullable): its name
 *
 * The server's Organization for a structure of the directory, looked up by
 * identifier among the Organizations the sync brought into the store.
 * Without one (a store that never synced, as in tests), the id the demo
 * directory gives the structure ("demo-" and the FINESS number).
 *
 * Returns: %TRUE when the store has the Organization, %FALSE for the
 *   fallback id
 */
gboolean
cercle_referral_repo_find_organization (CercleDb    *db,
                                        const char  *finess,
                                        char       **organization_id,
                                        char       **display)
{
  sqlite3_stmt *stmt;
  gboolean found = FALSE;

  g_return_val_if_fail (CERCLE_IS_DB (db), FALSE);
  g_return_val_if_fail (finess != NULL && organization_id != NULL, FALSE);

  *organization_id = NULL;
  if (display)
    *display = NULL;
  stmt = cercle_db_prepare (db,
                            "SELECT r.id, json_extract (r.json, '$.name') FROM resource r,"
                            " json_each (r.json, '$.identifier') i"
                            " WHERE r.type = 'Organization' AND json_extract (i.value, '$.value') = ? LIMIT 1",
                            NULL);
  if (stmt != NULL)
    {
      sqlite3_bind_text (stmt, 1, finess, -1, SQLITE_TRANSIENT);
      if (sqlite3_step (stmt) == SQLITE_ROW)
        {
          *organization_id = g_strdup (column_text (stmt, 0));
          if (display)
            *display = g_strdup (column_text (stmt, 1));
          found = TRUE;
        }
      sqlite3_reset (stmt);
    }
  if (!found)
    *organization_id = g_strconcat ("demo-", finess, NULL);
  return found;
}

/**
 * cercle_referral_repo_account_is_medical:
 * @db: the local store
 *
 * Whether the signed-in account may read the médical volet: its
 * Practitioner (in the store) is of a medical profession
 * (cercle_profession_is_medical()), as the server decides.
 *
 * Returns: %TRUE for a medical role
 */
gboolean
cercle_referral_repo_account_is_medical (CercleDb *db)
{
  g_autofree char *practitioner = account_practitioner (db, NULL, NULL);
  g_autoptr(JsonObject) json = NULL;
  g_autoptr(CercleProfessional) professional = NULL;

  if (practitioner == NULL)
    return FALSE;
  json = cercle_referral_repo_get_resource (db, "Practitioner", ref_id (practitioner), NULL);
  if (json == NULL)
    return FALSE;
  professional = cercle_professional_new_from_fhir (json, NULL);
  return professional != NULL && cercle_profession_is_medical (cercle_professional_get_profession_code (professional));
}

/* ---- Sending ----------------------------------------------------------- */

static void
bundle_add_put (JsonArray  *entries,
                JsonObject *resource)
{
  JsonObject *entry = json_object_new ();
  JsonObject *request = json_object_new ();
  const char *type = cercle_fhir_get_string (resource, "resourceType");
  const char *id = cercle_fhir_get_string (resource, "id");
  g_autofree char *url = g_strdup_printf ("%s/%s", type, id);

  json_object_set_object_member (entry, "resource", json_object_ref (resource));
  json_object_set_string_member (request, "method", "PUT");
  json_object_set_string_member (request, "url", url);
  json_object_set_object_member (entry, "request", request);
  json_array_add_object_element (entries, entry);
}

/**
 * cercle_referral_repo_send:
 * @db: the local store
 * @draft: a complete draft
 * @response_hours: the structures' time to answer (the
 *   `referral-response-hours` preference)
 * @error: return location
 *
 * « Envoyer »: one ServiceRequest (the dossier, its volets, the
 * structures as performers) and one Task per structure (owner the
 * server's Organization for its FINESS number, sent, answer expected by
 * now + @response_hours), as ONE outbox row (a transaction Bundle of PUTs
 * with their ids, so that a retry never creates twice) with the resources'
 * local copies, in one transaction that also removes the draft.
 *
 * Returns: %TRUE when queued
 */
gboolean
cercle_referral_repo_send (CercleDb             *db,
                           CercleReferralDraft  *draft,
                           guint                 response_hours,
                           GError              **error)
{
  static const char * const sections[] = {
    CERCLE_REFERRAL_SECTION_ADMINISTRATIVE, CERCLE_REFERRAL_SECTION_MEDICAL,
    CERCLE_REFERRAL_SECTION_CARE, CERCLE_REFERRAL_SECTION_SOCIAL,
  };
  g_autofree char *blocker = NULL;
  g_autofree char *practitioner = NULL;
  g_autofree char *dossier_id = NULL;
  g_autofree char *random = NULL;
  g_autofree char *deadline = NULL;
  g_autofree char *bundle_json = NULL;
  g_autofree char *sr_json = NULL;
  g_autoptr(GDateTime) now_utc = NULL;
  g_autoptr(GDateTime) now = NULL;
  g_autoptr(GDateTime) end = NULL;
  g_autoptr(CercleReferral) referral = NULL;
  g_autoptr(JsonObject) request = NULL;
  g_autoptr(JsonObject) bundle = NULL;
  g_autoptr(GPtrArray) tasks = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  const char *requester_id;
  const char *patient_id;
  JsonArray *entries;

  g_return_val_if_fail (CERCLE_IS_DB (db), FALSE);
  g_return_val_if_fail (CERCLE_IS_REFERRAL_DRAFT (draft), FALSE);

  blocker = cercle_referral_draft_dup_blocker (draft);
  if (blocker != NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, blocker);
      return FALSE;
    }
  practitioner = account_practitioner (db, NULL, NULL);
  if (practitioner == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED,
                           _("Sign in before sending: a referral is sent in your name"));
      return FALSE;
    }
  requester_id = ref_id (practitioner);
  patient_id = cercle_referral_draft_get_patient_id (draft);
  if (response_hours == 0)
    response_hours = CERCLE_REFERRAL_DEFAULT_RESPONSE_HOURS;

  now_utc = g_date_time_new_now_utc ();
  now = g_date_time_add (now_utc, -(g_date_time_get_microsecond (now_utc)));
  end = g_date_time_add_hours (now, response_hours);
  deadline = cercle_fhir_format_date_time (end);
  random = g_uuid_string_random ();
  /* A dossier number people can read out on the phone. */
  dossier_id = g_strdup_printf ("DO-%d-%.8s", g_date_time_get_year (now), random);
  for (char *c = dossier_id; *c; c++)
    *c = g_ascii_toupper (*c);

  referral = cercle_referral_new (cercle_referral_draft_get_id (draft), dossier_id, patient_id, requester_id,
                                  cercle_referral_draft_get_orientation_type (draft));
  g_object_set (referral, "status", "active", "authored-on", now,
                "reason", cercle_referral_draft_get_field (draft, "reason"), NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (sections); i++)
    {
      g_autofree char *text = cercle_referral_draft_get_section_text (draft, sections[i]);

      cercle_referral_set_section (referral, sections[i],
                                   cercle_referral_draft_is_section_complete (draft, sections[i]), text);
    }

  for (guint i = 0; i < cercle_referral_draft_get_n_destinations (draft); i++)
    {
      const CercleReferralDraftDestination *d = cercle_referral_draft_get_destination (draft, i);
      g_autofree char *owner_id = NULL;
      g_autofree char *owner_display = NULL;
      g_autofree char *task_id = g_uuid_string_random ();
      g_autoptr(CercleDestination) destination = NULL;
      JsonObject *task, *restriction, *period;

      cercle_referral_repo_find_organization (db, d->finess, &owner_id, &owner_display);
      cercle_referral_add_destination (referral, owner_id);
      destination = cercle_destination_new (task_id, cercle_referral_draft_get_id (draft), dossier_id, patient_id,
                                            requester_id, owner_id);
      g_object_set (destination, "owner-display", owner_display ? owner_display : d->name, NULL);
      if (!cercle_destination_apply_transition (destination, "requested", CERCLE_REFERRAL_BUSINESS_UNREAD,
                                                CERCLE_REFERRAL_ACTOR_REQUESTER, NULL, NULL, now, error))
        return FALSE;
      task = cercle_destination_to_fhir (destination);
      restriction = json_object_new ();
      period = json_object_new ();
      json_object_set_string_member (period, "end", deadline);
      json_object_set_object_member (restriction, "period", period);
      json_object_set_object_member (task, "restriction", restriction);
      g_ptr_array_add (tasks, task);
    }

  request = cercle_referral_to_fhir (referral);
  bundle = json_object_new ();
  json_object_set_string_member (bundle, "resourceType", "Bundle");
  json_object_set_string_member (bundle, "type", "transaction");
  entries = json_array_new ();
  bundle_add_put (entries, request);
  for (guint i = 0; i < tasks->len; i++)
    bundle_add_put (entries, g_ptr_array_index (tasks, i));
  json_object_set_array_member (bundle, "entry", entries);
  bundle_json = object_to_string (bundle);
  sr_json = object_to_string (request);

  if (!cercle_db_begin (db, error))
    return FALSE;
  if (!cercle_store_resource_put (db, "ServiceRequest", cercle_referral_draft_get_id (draft), patient_id,
                                  practitioner, sr_json, NULL, NULL, error))
    goto fail;
  for (guint i = 0; i < tasks->len; i++)
    {
      JsonObject *task = g_ptr_array_index (tasks, i);
      g_autofree char *json = object_to_string (task);

      if (!cercle_store_resource_put (db, "Task", cercle_fhir_get_string (task, "id"), patient_id, practitioner,
                                      json, NULL, NULL, error))
        goto fail;
    }
  if (!cercle_store_outbox_add_for_patient (db, "Bundle", cercle_referral_draft_get_id (draft), patient_id, "POST",
                                            bundle_json, error)
      || !cercle_referral_repo_delete_draft (db, cercle_referral_draft_get_id (draft), error)
      || !cercle_db_commit (db, error))
    goto fail;

  g_info ("Referral %s queued for %u structures", cercle_referral_draft_get_id (draft), tasks->len);
  return TRUE;

fail:
  cercle_db_rollback (db);
  return FALSE;
}

/* ---- Actions on a Task ------------------------------------------------- */

typedef struct {
  const char          *status;
  const char          *business;
  CercleReferralActor  actor;
} ActionMove;

static const ActionMove action_moves[] = {
  [CERCLE_REFERRAL_ACTION_CONFIRM] = { "in-progress", CERCLE_REFERRAL_BUSINESS_TRANSFER, CERCLE_REFERRAL_ACTOR_REQUESTER },
  [CERCLE_REFERRAL_ACTION_CANCEL] = { "cancelled", NULL, CERCLE_REFERRAL_ACTOR_REQUESTER },
  [CERCLE_REFERRAL_ACTION_SEND_COMPLEMENTS] = { "requested", CERCLE_REFERRAL_BUSINESS_UNREAD, CERCLE_REFERRAL_ACTOR_REQUESTER },
  [CERCLE_REFERRAL_ACTION_ASK_COMPLEMENTS] = { "received", CERCLE_REFERRAL_BUSINESS_MORE_INFO, CERCLE_REFERRAL_ACTOR_DESTINATION },
  [CERCLE_REFERRAL_ACTION_ACCEPT] = { "accepted", CERCLE_REFERRAL_BUSINESS_AGREED, CERCLE_REFERRAL_ACTOR_DESTINATION },
  [CERCLE_REFERRAL_ACTION_WAITING_LIST] = { "accepted", CERCLE_REFERRAL_BUSINESS_WAITING_LIST, CERCLE_REFERRAL_ACTOR_DESTINATION },
  [CERCLE_REFERRAL_ACTION_REFUSE] = { "rejected", NULL, CERCLE_REFERRAL_ACTOR_DESTINATION },
  [CERCLE_REFERRAL_ACTION_ADMITTED] = { "completed", NULL, CERCLE_REFERRAL_ACTOR_DESTINATION },
  [CERCLE_REFERRAL_ACTION_WITHDRAW] = { "failed", NULL, CERCLE_REFERRAL_ACTOR_DESTINATION },
};

/**
 * cercle_referral_repo_action_allowed:
 * @status: the Task's status
 * @business: (nullable): its businessStatus
 * @action: an action
 *
 * Whether the referral rules let the action's actor make that move now:
 * the UI offers only those.
 *
 * Returns: %TRUE when allowed
 */
gboolean
cercle_referral_repo_action_allowed (const char           *status,
                                     const char           *business,
                                     CercleReferralAction  action)
{
  g_autoptr(GPtrArray) allowed = NULL;
  const ActionMove *move;

  g_return_val_if_fail (action <= CERCLE_REFERRAL_ACTION_WITHDRAW, FALSE);

  move = &action_moves[action];
  allowed = cercle_referral_allowed_transitions (status, business, move->actor);
  for (guint i = 0; allowed != NULL && i < allowed->len; i++)
    {
      const CercleReferralTransition *t = g_ptr_array_index (allowed, i);

      if (g_strcmp0 (t->to_status, move->status) == 0 && g_strcmp0 (t->to_business, move->business) == 0)
        return TRUE;
    }
  return FALSE;
}

/* Other destinations of the same dossier, for the one-confirmation rule. */
static GStrv
sibling_statuses (CercleDb   *db,
                  const char *focus,
                  const char *task_id)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  sqlite3_stmt *stmt;

  stmt = cercle_db_prepare (db,
                            "SELECT status FROM referral_task WHERE focus = ? AND id != ?",
                            NULL);
  if (stmt != NULL)
    {
      sqlite3_bind_text (stmt, 1, focus, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 2, task_id, -1, SQLITE_TRANSIENT);
      while (sqlite3_step (stmt) == SQLITE_ROW)
        if (column_text (stmt, 0))
          g_strv_builder_add (builder, column_text (stmt, 0));
      sqlite3_reset (stmt);
    }
  return g_strv_builder_end (builder);
}

/* The members a step changes: taken from the new Task, removed when the
 * new one has none. A desk may change only these (and notes): the
 * requester's history extension stays as the server has it. */
static const char * const step_members[] = {
  "status", "businessStatus", "statusReason", "lastModified", "output", NULL
};

/**
 * cercle_referral_repo_act:
 * @db: the local store
 * @task_id: the destination's Task
 * @action: what the user does
 * @reason_code: (nullable): the coded reason (refuse, withdraw, cancel)
 * @text: (nullable): the message (complements) or the reason's text ("autre")
 * @admission_date: (nullable): for an acceptance, "YYYY-MM-DD"
 * @asap: for an acceptance, « dès que possible »
 * @error: return location for a #CERCLE_REFERRAL_ERROR, a #CERCLE_DB_ERROR
 *   or a #G_IO_ERROR, in French
 *
 * Checks the move locally (who the account is, the referral rules, the
 * one-confirmation rule), then writes the Task's local copy and queues its
 * PUT in one transaction. The server checks it again: a refusal comes back
 * in the outbox row's state.
 *
 * Returns: %TRUE when queued
 */
gboolean
cercle_referral_repo_act (CercleDb              *db,
                          const char            *task_id,
                          CercleReferralAction   action,
                          const char            *reason_code,
                          const char            *text,
                          const char            *admission_date,
                          gboolean               asap,
                          GError               **error)
{
  g_autoptr(JsonObject) old = NULL;
  g_autoptr(JsonObject) written = NULL;
  g_autoptr(CercleDestination) destination = NULL;
  g_autofree char *practitioner = NULL;
  g_autofree char *organization = NULL;
  g_autofree char *display = NULL;
  g_autofree char *owner_ref = NULL;
  g_autofree char *json = NULL;
  g_autofree char *now = NULL;
  g_autofree char *patient_id = NULL;
  g_autofree char *author_ref = NULL;
  const ActionMove *move;
  gboolean text_is_reason;
  sqlite3_stmt *stmt;
  JsonObject *out;

  g_return_val_if_fail (CERCLE_IS_DB (db), FALSE);
  g_return_val_if_fail (task_id != NULL, FALSE);
  g_return_val_if_fail (action <= CERCLE_REFERRAL_ACTION_WITHDRAW, FALSE);

  /* The complements travel with the dossier's volets, in one Bundle. */
  if (action == CERCLE_REFERRAL_ACTION_SEND_COMPLEMENTS)
    return cercle_referral_repo_send_complements (db, task_id, NULL, text, 0, error);

  if (reason_code != NULL && reason_code[0] == '\0')
    reason_code = NULL;
  if (text != NULL && text[0] == '\0')
    text = NULL;
  move = &action_moves[action];

  stmt = cercle_db_prepare (db, "SELECT json, patient_id, author_ref FROM resource WHERE type = 'Task' AND id = ?",
                            error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, task_id, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      old = parse_object (column_text (stmt, 0));
      patient_id = g_strdup (column_text (stmt, 1));
      author_ref = g_strdup (column_text (stmt, 2));
    }
  sqlite3_reset (stmt);
  if (old == NULL)
    {
      g_set_error (error, CERCLE_DB_ERROR, CERCLE_DB_ERROR_NOT_FOUND, _("This referral is no longer in the local store"));
      return FALSE;
    }
  destination = cercle_destination_new_from_fhir (old, error);
  if (destination == NULL)
    return FALSE;

  /* Who the account is decides which side it acts for. */
  practitioner = account_practitioner (db, &organization, &display);
  if (practitioner == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED,
                           _("Sign in first: answers and changes are sent in your name"));
      return FALSE;
    }
  owner_ref = g_strdup_printf ("Organization/%s", cercle_destination_get_owner_id (destination));
  if (move->actor == CERCLE_REFERRAL_ACTOR_DESTINATION && g_strcmp0 (organization, owner_ref) != 0)
    {
      g_set_error_literal (error, CERCLE_REFERRAL_ERROR, CERCLE_REFERRAL_ERROR_FORBIDDEN_ACTOR,
                           _("Only the structure the referral was sent to can answer it"));
      return FALSE;
    }
  if (move->actor == CERCLE_REFERRAL_ACTOR_REQUESTER && organization != NULL)
    {
      g_set_error_literal (error, CERCLE_REFERRAL_ERROR, CERCLE_REFERRAL_ERROR_FORBIDDEN_ACTOR,
                           _("An admission desk answers referrals; it does not change the requester’s"));
      return FALSE;
    }
  if ((action == CERCLE_REFERRAL_ACTION_ASK_COMPLEMENTS || action == CERCLE_REFERRAL_ACTION_SEND_COMPLEMENTS)
      && text == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("Write the message to send"));
      return FALSE;
    }
  if (action == CERCLE_REFERRAL_ACTION_ACCEPT && admission_date == NULL && !asap)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           _("Give the admission date, or choose “as soon as possible”"));
      return FALSE;
    }
  if (action == CERCLE_REFERRAL_ACTION_ACCEPT && admission_date != NULL && !cercle_fhir_is_valid_date (admission_date))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           _("The admission date is not a valid date"));
      return FALSE;
    }
  if (action == CERCLE_REFERRAL_ACTION_CONFIRM)
    {
      g_autofree char *focus = g_strdup_printf ("ServiceRequest/%s", cercle_destination_get_referral_id (destination));
      g_auto(GStrv) others = sibling_statuses (db, focus, task_id);

      if (!cercle_referral_check_confirmation ((const char * const *) others, error))
        return FALSE;
    }

  text_is_reason = reason_code != NULL;
  if (!cercle_destination_apply_transition (destination, move->status, move->business, move->actor, reason_code,
                                            text_is_reason ? text : NULL, NULL, error))
    return FALSE;
  if (action == CERCLE_REFERRAL_ACTION_ACCEPT)
    cercle_destination_set_admission (destination, admission_date, asap);
  else if (move->status != NULL && g_str_equal (move->status, "accepted"))
    cercle_destination_set_admission (destination, NULL, FALSE);

  written = cercle_destination_to_fhir (destination);
  /* The stored Task is edited in place: what the step does not touch
   * (restriction, notes, meta) stays as it is. */
  out = old;
  for (guint i = 0; step_members[i]; i++)
    {
      JsonNode *node = json_object_get_member (written, step_members[i]);

      if (node)
        json_object_set_member (out, step_members[i], json_node_copy (node));
      else if (json_object_has_member (out, step_members[i]))
        json_object_remove_member (out, step_members[i]);
    }
  if (move->actor == CERCLE_REFERRAL_ACTOR_REQUESTER && json_object_has_member (written, "extension"))
    json_object_set_member (out, "extension", json_node_copy (json_object_get_member (written, "extension")));

  now = now_string ();
  if (text != NULL && !text_is_reason)
    {
      JsonArray *notes;
      JsonObject *note = json_object_new ();

      if (!json_object_has_member (out, "note"))
        json_object_set_array_member (out, "note", json_array_new ());
      notes = json_object_get_array_member (out, "note");
      json_object_set_object_member (note, "authorReference",
                                     cercle_fhir_reference_new ("Practitioner", ref_id (practitioner), display));
      json_object_set_string_member (note, "time", now);
      json_object_set_string_member (note, "text", text);
      json_array_add_object_element (notes, note);
    }
  json = object_to_string (out);

  if (!cercle_db_begin (db, error))
    return FALSE;
  if (!cercle_store_resource_put (db, "Task", task_id, patient_id, author_ref, json, NULL, NULL, error)
      || !cercle_store_outbox_add_for_patient (db, "Task", task_id, patient_id, "PUT", json, error)
      || !cercle_db_commit (db, error))
    {
      cercle_db_rollback (db);
      return FALSE;
    }
  g_info ("Task/%s: %s/%s queued", task_id, move->status, move->business ? move->business : "");
  return TRUE;
}

/**
 * cercle_referral_repo_open_received:
 * @db: the local store
 * @task_id: a Task sent to the account's structure
 * @error: return location for a #CERCLE_DB_ERROR
 *
 * The desk opened it: marked read locally. The server itself records
 * « Lue » when the sync next reads the Task for the desk.
 *
 * Returns: %TRUE on success
 */
gboolean
cercle_referral_repo_open_received (CercleDb    *db,
                                    const char  *task_id,
                                    GError     **error)
{
  return cercle_store_resource_mark_read (db, "Task", task_id, error);
}

/**
 * cercle_referral_repo_list_unread_tasks:
 * @db: the local store
 * @error: return location for a #CERCLE_DB_ERROR
 *
 * The Tasks the desk opened (cercle_referral_repo_open_received() set
 * their `read_at`) that the server has not marked « Lue » yet: still
 * `requested` in the local copy, owned by the account's structure. The
 * server records « Lue » on the desk's first GET of the Task
 * (docs/server.md), so the sync engine reads each of them with a
 * `GET Task/ID` and stores what comes back (`received`/`lue`): the Task
 * then leaves this list. Empty when the account acts for no structure.
 *
 * Returns: (transfer full) (element-type utf8): the Task ids, oldest
 *   opened first, or %NULL on error
 */
GPtrArray *
cercle_referral_repo_list_unread_tasks (CercleDb  *db,
                                        GError   **error)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *practitioner = NULL;
  g_autofree char *organization = NULL;
  sqlite3_stmt *stmt;

  g_return_val_if_fail (CERCLE_IS_DB (db), NULL);

  practitioner = account_practitioner (db, &organization, NULL);
  if (organization == NULL)
    return g_steal_pointer (&ids);
  stmt = cercle_db_prepare (db,
                            "SELECT r.id FROM resource r JOIN referral_task t ON t.id = r.id"
                            " WHERE r.type = 'Task' AND r.read_at IS NOT NULL AND t.owner = ?"
                            " AND t.status = 'requested' ORDER BY r.read_at, r.id",
                            error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, organization, -1, SQLITE_TRANSIENT);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_ptr_array_add (ids, g_strdup (column_text (stmt, 0)));
  sqlite3_reset (stmt);
  return g_steal_pointer (&ids);
}

/**
 * cercle_referral_repo_dup_complement_request:
 * @db: the local store
 * @task_id: a Task the structure asked complements for
 *
 * The structure's message: the last note on the Task written by someone
 * else than the server (« Relance … », author "Cercle").
 *
 * Returns: (transfer full) (nullable): its text
 */
char *
cercle_referral_repo_dup_complement_request (CercleDb   *db,
                                             const char *task_id)
{
  g_autoptr(JsonObject) task = NULL;
  JsonArray *notes;
  char *text = NULL;

  g_return_val_if_fail (CERCLE_IS_DB (db), NULL);

  task = cercle_referral_repo_get_resource (db, "Task", task_id, NULL);
  notes = task ? cercle_fhir_get_array (task, "note") : NULL;
  for (guint i = 0; notes != NULL && i < json_array_get_length (notes); i++)
    {
      JsonObject *note = cercle_fhir_array_get_object (notes, i);

      if (note == NULL || g_strcmp0 (cercle_fhir_get_string (note, "authorString"), "Cercle") == 0
          || cercle_fhir_get_string (note, "text") == NULL)
        continue;
      g_free (text);
      text = g_strdup (cercle_fhir_get_string (note, "text"));
    }
  return text;
}

/* Replaces the text of one volet in a ServiceRequest's JSON, in place:
 * the volets not edited stay exactly as stored. */
static void
set_section_in_json (JsonObject *request,
                     const char *section,
                     const char *text)
{
  JsonArray *extensions = cercle_fhir_get_array (request, "extension");
  JsonObject *found = NULL;
  JsonArray *parts;
  gboolean complete = FALSE;

  for (guint i = 0; extensions != NULL && i < json_array_get_length (extensions) && found == NULL; i++)
    {
      JsonObject *extension = cercle_fhir_array_get_object (extensions, i);
      JsonArray *sub = extension ? cercle_fhir_get_array (extension, "extension") : NULL;

      if (g_strcmp0 (cercle_fhir_get_string (extension, "url"), CERCLE_FHIR_EXTENSION_REFERRAL_SECTION) != 0)
        continue;
      for (guint j = 0; sub != NULL && j < json_array_get_length (sub); j++)
        {
          JsonObject *part = cercle_fhir_array_get_object (sub, j);

          if (g_strcmp0 (cercle_fhir_get_string (part, "url"), "section") == 0
              && g_strcmp0 (cercle_fhir_get_string (part, "valueCode"), section) == 0)
            found = extension;
        }
    }
  if (found == NULL)
    {
      JsonObject *part = json_object_new ();

      if (extensions == NULL)
        {
          json_object_set_array_member (request, "extension", json_array_new ());
          extensions = json_object_get_array_member (request, "extension");
        }
      found = json_object_new ();
      json_object_set_string_member (found, "url", CERCLE_FHIR_EXTENSION_REFERRAL_SECTION);
      json_object_set_array_member (found, "extension", json_array_new ());
      json_object_set_string_member (part, "url", "section");
      json_object_set_string_member (part, "valueCode", section);
      json_array_add_object_element (json_object_get_array_member (found, "extension"), part);
      json_array_add_object_element (extensions, found);
    }

  /* Keep the section code, drop the old flag and text, add the new ones. */
  parts = json_array_new ();
  {
    JsonArray *old = json_object_get_array_member (found, "extension");

    for (guint j = 0; j < json_array_get_length (old); j++)
      {
        JsonObject *part = cercle_fhir_array_get_object (old, j);
        const char *url = cercle_fhir_get_string (part, "url");

        if (g_strcmp0 (url, "complete") == 0)
          complete = json_object_get_boolean_member_with_default (part, "valueBoolean", FALSE);
        else if (g_strcmp0 (url, "text") != 0)
          json_array_add_object_element (parts, json_object_ref (part));
      }
  }
  {
    JsonObject *flag = json_object_new ();

    /* A volet completed at the structure's request is complete. */
    json_object_set_string_member (flag, "url", "complete");
    json_object_set_boolean_member (flag, "valueBoolean", complete || (text != NULL && text[0] != '\0'));
    json_array_add_object_element (parts, flag);
  }
  if (text != NULL && text[0] != '\0')
    {
      JsonObject *value = json_object_new ();

      json_object_set_string_member (value, "url", "text");
      json_object_set_string_member (value, "valueString", text);
      json_array_add_object_element (parts, value);
    }
  json_object_set_array_member (found, "extension", parts);
}

/**
 * cercle_referral_repo_send_complements:
 * @db: the local store
 * @task_id: the destination that asked for complements
 * @sections: (nullable) (element-type utf8 utf8): volet code → its new
 *   text, for the volets the requester completed
 * @message: (nullable): a message to the structure
 * @response_hours: the structure's new time to answer
 *   (`referral-response-hours`)
 * @error: return location, in French
 *
 * « Envoyer les compléments »: the volets completed in the dossier's
 * ServiceRequest (the others stay as stored), and the Task moved back to
 * `requested`/`non-lue` by the requester (cercle-referral-rules: from
 * `received`/`complement-demande` only), with a new deadline and the
 * message as a note: ONE outbox row, a transaction Bundle of the two PUTs
 * (the server takes both or neither), written with the local copies in one
 * transaction. The outbox row's resource_id is the Task's: its state
 * (pending, refused with the server's French message) shows on that
 * destination.
 *
 * Returns: %TRUE when queued
 */
gboolean
cercle_referral_repo_send_complements (CercleDb    *db,
                                       const char  *task_id,
                                       GHashTable  *sections,
                                       const char  *message,
                                       guint        response_hours,
                                       GError     **error)
{
  g_autoptr(JsonObject) task = NULL;
  g_autoptr(JsonObject) request = NULL;
  g_autoptr(JsonObject) written = NULL;
  g_autoptr(JsonObject) bundle = NULL;
  g_autoptr(CercleDestination) destination = NULL;
  g_autoptr(CercleReferral) referral = NULL;
  g_autoptr(GDateTime) now_utc = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) now = g_date_time_add (now_utc, -(g_date_time_get_microsecond (now_utc)));
  g_autoptr(GDateTime) end = NULL;
  g_autofree char *practitioner = NULL;
  g_autofree char *organization = NULL;
  g_autofree char *display = NULL;
  g_autofree char *patient_id = NULL;
  g_autofree char *deadline = NULL;
  g_autofree char *now_text = NULL;
  g_autofree char *task_json = NULL;
  g_autofree char *request_json = NULL;
  g_autofree char *bundle_json = NULL;
  const char *referral_id;
  gboolean changed = FALSE;
  JsonArray *entries;
  sqlite3_stmt *stmt;

  g_return_val_if_fail (CERCLE_IS_DB (db), FALSE);
  g_return_val_if_fail (task_id != NULL, FALSE);

  if (message != NULL && message[0] == '\0')
    message = NULL;
  practitioner = account_practitioner (db, &organization, &display);
  if (practitioner == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED,
                           _("Sign in first: answers and changes are sent in your name"));
      return FALSE;
    }
  if (organization != NULL)
    {
      g_set_error_literal (error, CERCLE_REFERRAL_ERROR, CERCLE_REFERRAL_ERROR_FORBIDDEN_ACTOR,
                           _("An admission desk answers referrals; it does not change the requester’s"));
      return FALSE;
    }

  stmt = cercle_db_prepare (db, "SELECT json, patient_id FROM resource WHERE type = 'Task' AND id = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, task_id, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      task = parse_object (column_text (stmt, 0));
      patient_id = g_strdup (column_text (stmt, 1));
    }
  sqlite3_reset (stmt);
  if (task == NULL)
    {
      g_set_error (error, CERCLE_DB_ERROR, CERCLE_DB_ERROR_NOT_FOUND, _("This referral is no longer in the local store"));
      return FALSE;
    }
  destination = cercle_destination_new_from_fhir (task, error);
  if (destination == NULL)
    return FALSE;
  referral_id = cercle_destination_get_referral_id (destination);
  request = cercle_referral_repo_get_resource (db, "ServiceRequest", referral_id, error);
  if (request == NULL)
    return FALSE;

  /* Only the volets whose text changed are written. */
  referral = cercle_referral_new_from_fhir (request, NULL);
  if (sections != NULL)
    {
      GHashTableIter iter;
      gpointer key, value;

      g_hash_table_iter_init (&iter, sections);
      while (g_hash_table_iter_next (&iter, &key, &value))
        {
          const char *old_text = NULL;
          g_autofree char *text = g_strstrip (g_strdup (value ? value : ""));

          if (!cercle_referral_is_section (key))
            continue;
          if (referral)
            cercle_referral_get_section (referral, key, NULL, &old_text);
          if (g_strcmp0 (old_text ? old_text : "", text) == 0)
            continue;
          set_section_in_json (request, key, text);
          changed = TRUE;
        }
    }
  if (!changed && message == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           _("Complete a section, or write a message to the structure"));
      return FALSE;
    }

  /* The referral rules decide (received/complement-demande → requested). */
  if (!cercle_destination_apply_transition (destination, "requested", CERCLE_REFERRAL_BUSINESS_UNREAD,
                                            CERCLE_REFERRAL_ACTOR_REQUESTER, NULL, NULL, now, error))
    return FALSE;
  written = cercle_destination_to_fhir (destination);
  for (guint i = 0; step_members[i]; i++)
    {
      JsonNode *node = json_object_get_member (written, step_members[i]);

      if (node)
        json_object_set_member (task, step_members[i], json_node_copy (node));
      else if (json_object_has_member (task, step_members[i]))
        json_object_remove_member (task, step_members[i]);
    }
  if (json_object_has_member (written, "extension"))
    json_object_set_member (task, "extension", json_node_copy (json_object_get_member (written, "extension")));

  /* A new time to answer from now: the old deadline has passed or nearly. */
  if (response_hours == 0)
    response_hours = CERCLE_REFERRAL_DEFAULT_RESPONSE_HOURS;
  end = g_date_time_add_hours (now, response_hours);
  deadline = cercle_fhir_format_date_time (end);
  {
    JsonObject *restriction = json_object_new ();
    JsonObject *period = json_object_new ();

    json_object_set_string_member (period, "end", deadline);
    json_object_set_object_member (restriction, "period", period);
    json_object_set_object_member (task, "restriction", restriction);
  }
  now_text = cercle_fhir_format_date_time (now);
  if (message != NULL)
    {
      JsonObject *note = json_object_new ();

      if (!json_object_has_member (task, "note"))
        json_object_set_array_member (task, "note", json_array_new ());
      json_object_set_object_member (note, "authorReference",
                                     cercle_fhir_reference_new ("Practitioner", ref_id (practitioner), display));
      json_object_set_string_member (note, "time", now_text);
      json_object_set_string_member (note, "text", message);
      json_array_add_object_element (json_object_get_array_member (task, "note"), note);
    }

  bundle = json_object_new ();
  json_object_set_string_member (bundle, "resourceType", "Bundle");
  json_object_set_string_member (bundle, "type", "transaction");
  entries = json_array_new ();
  if (changed)
    bundle_add_put (entries, request);
  bundle_add_put (entries, task);
  json_object_set_array_member (bundle, "entry", entries);
  bundle_json = object_to_string (bundle);
  task_json = object_to_string (task);
  request_json = object_to_string (request);

  if (!cercle_db_begin (db, error))
    return FALSE;
  if ((changed && !cercle_store_resource_put (db, "ServiceRequest", referral_id, patient_id, practitioner,
                                              request_json, NULL, NULL, error))
      || !cercle_store_resource_put (db, "Task", task_id, patient_id, practitioner, task_json, NULL, NULL, error)
      || !cercle_store_outbox_add_for_patient (db, "Bundle", task_id, patient_id, "POST", bundle_json, error)
      || !cercle_db_commit (db, error))
    {
      cercle_db_rollback (db);
      return FALSE;
    }
  g_info ("Task/%s: complements queued", task_id);
  return TRUE;
}

/* ---- Lists ------------------------------------------------------------- */

#define DOSSIER_COLUMNS \
  "SELECT r.id, r.dossier, r.patient_id, r.type, r.status, r.authored_on," \
  " p.birth_family_name, p.used_family_name, p.first_given_name, p.used_given_name" \
  " FROM referral_request r LEFT JOIN patient p ON p.id = r.patient_id WHERE 1"

#define TASK_COLUMNS \
  "SELECT t.id, t.focus, t.owner, t.owner_display, t.status, t.business, t.reason, t.reason_text, t.deadline," \
  " t.last_modified, t.admission_date, t.asap, t.reminded, t.authored_on, t.sent_at" \
  " FROM referral_task t WHERE 1"

static char *
patient_name (sqlite3_stmt *stmt,
              int           first)
{
  const char *birth = column_text (stmt, first);
  const char *used = column_text (stmt, first + 1);
  const char *given = column_text (stmt, first + 3) ? column_text (stmt, first + 3) : column_text (stmt, first + 2);
  g_autofree char *family = g_utf8_strup (used ? used : birth ? birth : "", -1);

  if (birth == NULL && used == NULL)
    return NULL;
  return g_strdup_printf ("%s %s", family, given ? given : "");
}

static CercleDossier *
dossier_from_row (sqlite3_stmt *stmt)
{
  g_autofree char *name = patient_name (stmt, 6);

  return cercle_dossier_new (column_text (stmt, 0), column_text (stmt, 1), column_text (stmt, 2), name,
                             column_text (stmt, 3), column_text (stmt, 4), column_text (stmt, 5));
}

static void
fill_destination (CercleDossierDestination *d,
                  sqlite3_stmt             *stmt,
                  GHashTable               *outbox)
{
  const char *owner = column_text (stmt, 2);
  const char *state;

  d->owner_id = g_strdup (ref_id (owner));
  d->owner_display = g_strdup (column_text (stmt, 3));
  d->status = g_strdup (column_text (stmt, 4));
  d->business = g_strdup (column_text (stmt, 5));
  d->reason = g_strdup (column_text (stmt, 6));
  d->reason_text = g_strdup (column_text (stmt, 7));
  d->deadline = g_strdup (column_text (stmt, 8));
  d->last_modified = g_strdup (column_text (stmt, 9));
  d->admission_date = g_strdup (column_text (stmt, 10));
  d->asap = sqlite3_column_int (stmt, 11) > 0;
  d->reminded = sqlite3_column_int (stmt, 12) > 0;
  d->sent_at = g_strdup (column_text (stmt, 14) ? column_text (stmt, 14) : column_text (stmt, 13));

  state = g_hash_table_lookup (outbox, d->task_id);
  if (state != NULL)
    {
      d->sync_state = g_str_has_prefix (state, "refused:") ? CERCLE_SYNC_STATE_REFUSED : CERCLE_SYNC_STATE_PENDING;
      if (d->sync_state == CERCLE_SYNC_STATE_REFUSED)
        d->sync_message = g_strdup (state + strlen ("refused:"));
    }
}

/* resource id → "pending" or "refused:message", for Tasks and Bundles.
 * A refusal wins over a later pending change (cercle_store_get_sync_state()). */
static GHashTable *
load_outbox (CercleDb  *db,
             GError   **error)
{
  g_autoptr(GHashTable) states = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  sqlite3_stmt *stmt;

  stmt = cercle_db_prepare (db,
                            "SELECT resource_id, state, last_error FROM outbox"
                            " WHERE resource_type IN ('Task', 'Bundle') ORDER BY state = 'refused', seq",
                            error);
  if (stmt == NULL)
    return NULL;
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      const char *state = column_text (stmt, 1);

      g_hash_table_insert (states, g_strdup (column_text (stmt, 0)),
                           g_strcmp0 (state, "refused") == 0
                           ? g_strconcat ("refused:", column_text (stmt, 2) ? column_text (stmt, 2) : "", NULL)
                           : g_strdup ("pending"));
    }
  sqlite3_reset (stmt);
  return g_steal_pointer (&states);
}

static void
apply_bundle_state (CercleDossier *dossier,
                    GHashTable    *outbox)
{
  const char *state = g_hash_table_lookup (outbox, cercle_dossier_get_referral_id (dossier));

  if (state == NULL)
    return;
  if (g_str_has_prefix (state, "refused:"))
    cercle_dossier_set_sync_state (dossier, CERCLE_SYNC_STATE_REFUSED, state + strlen ("refused:"));
  else
    cercle_dossier_set_sync_state (dossier, CERCLE_SYNC_STATE_PENDING, NULL);
  /* The Tasks travel in the dossier's Bundle: they stand where it stands. */
  for (guint i = 0; i < cercle_dossier_get_n_destinations (dossier); i++)
    {
      CercleDossierDestination *d = (CercleDossierDestination *) cercle_dossier_get_destination (dossier, i);
      const char *message = NULL;

      if (d->sync_state != CERCLE_SYNC_STATE_SENT)
        continue;
      d->sync_state = cercle_dossier_get_sync_state (dossier, &message);
      g_free (d->sync_message);
      d->sync_message = g_strdup (message);
    }
}

static GListStore *
load_dossiers (CercleDb    *db,
               const char  *referral_id,
               const char  *requester_ref,
               GError     **error)
{
  g_autoptr(GListStore) store = g_list_store_new (CERCLE_TYPE_DOSSIER);
  g_autoptr(GHashTable) by_ref = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  g_autoptr(GHashTable) outbox = NULL;
  g_autoptr(GPtrArray) order = g_ptr_array_new ();
  sqlite3_stmt *stmt;

  outbox = load_outbox (db, error);
  if (outbox == NULL)
    return NULL;

  stmt = cercle_db_prepare (db,
                            DOSSIER_COLUMNS
                            " AND (?1 IS NULL OR r.id = ?1)"
                            " AND (?2 IS NULL OR r.requester = ?2 OR r.author_ref = ?2)"
                            " ORDER BY r.authored_on DESC, r.id",
                            error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, referral_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, requester_ref, -1, SQLITE_TRANSIENT);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      CercleDossier *dossier = dossier_from_row (stmt);

      g_hash_table_insert (by_ref, g_strconcat ("ServiceRequest/", column_text (stmt, 0), NULL), dossier);
      g_ptr_array_add (order, dossier);
    }
  sqlite3_reset (stmt);

  stmt = cercle_db_prepare (db,
                            TASK_COLUMNS " AND (?1 IS NULL OR t.focus = ?1)"
                            " ORDER BY t.id",
                            error);
  if (stmt == NULL)
    return NULL;
  if (referral_id)
    {
      g_autofree char *focus = g_strconcat ("ServiceRequest/", referral_id, NULL);

      sqlite3_bind_text (stmt, 1, focus, -1, SQLITE_TRANSIENT);
    }
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      const char *focus = column_text (stmt, 1);
      CercleDossier *dossier = focus ? g_hash_table_lookup (by_ref, focus) : NULL;

      if (dossier != NULL)
        fill_destination (cercle_dossier_add_destination (dossier, column_text (stmt, 0)), stmt, outbox);
    }
  sqlite3_reset (stmt);

  for (guint i = 0; i < order->len; i++)
    apply_bundle_state (g_ptr_array_index (order, i), outbox);
  g_list_store_splice (store, 0, 0, order->pdata, order->len);
  return g_steal_pointer (&store);
}

/**
 * cercle_referral_repo_list_dossiers:
 * @db: the local store
 * @filter: which dossiers
 * @error: return location for a #CERCLE_DB_ERROR
 *
 * « Orientations »: the drafts being prepared, then every dossier the
 * signed-in user sent (all of the store's when nobody is signed in), the
 * newest first, each with its destinations and where its sending stands.
 *
 * Returns: (transfer full): a list of #CercleDossier, or %NULL
 */
GListModel *
cercle_referral_repo_list_dossiers (CercleDb             *db,
                                    CercleDossierFilter   filter,
                                    GError              **error)
{
  g_autofree char *practitioner = NULL;
  g_autofree char *organization = NULL;
  g_autoptr(GListStore) all = NULL;
  g_autoptr(GListStore) kept = NULL;

  g_return_val_if_fail (CERCLE_IS_DB (db), NULL);

  practitioner = account_practitioner (db, &organization, NULL);
  all = load_dossiers (db, NULL, practitioner, error);
  if (all == NULL)
    return NULL;
  /* Drafts first (they are the user's to finish), as « Brouillon »
   * dossiers; the waiting filter keeps them too. */
  if (filter == CERCLE_DOSSIER_FILTER_ALL || filter == CERCLE_DOSSIER_FILTER_WAITING)
    {
      g_autoptr(GPtrArray) drafts = cercle_referral_repo_list_drafts (db, NULL, NULL);

      for (guint i = 0; drafts != NULL && i < drafts->len; i++)
        {
          CercleReferralDraft *draft = g_ptr_array_index (drafts, i);
          g_autoptr(CercleDossier) dossier = cercle_dossier_new (cercle_referral_draft_get_id (draft), NULL,
                                                                 NULL, NULL, NULL, "draft", NULL);

          cercle_dossier_update_from_draft (dossier, draft);
          g_list_store_insert (all, i, dossier);
        }
    }
  if (filter == CERCLE_DOSSIER_FILTER_ALL)
    return G_LIST_MODEL (g_steal_pointer (&all));

  kept = g_list_store_new (CERCLE_TYPE_DOSSIER);
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (all)); i++)
    {
      g_autoptr(CercleDossier) dossier = g_list_model_get_item (G_LIST_MODEL (all), i);

      if (cercle_dossier_matches (dossier, filter))
        g_list_store_append (kept, dossier);
    }
  return G_LIST_MODEL (g_steal_pointer (&kept));
}

/**
 * cercle_referral_repo_get_dossier:
 * @db: the local store
 * @referral_id: the ServiceRequest
 * @error: return location for a #CERCLE_DB_ERROR
 *
 * Returns: (transfer full) (nullable): the dossier with all its destinations
 */
CercleDossier *
cercle_referral_repo_get_dossier (CercleDb    *db,
                                  const char  *referral_id,
                                  GError     **error)
{
  g_autoptr(GListStore) one = NULL;

  g_return_val_if_fail (CERCLE_IS_DB (db), NULL);
  g_return_val_if_fail (referral_id != NULL, NULL);

  one = load_dossiers (db, referral_id, NULL, error);
  if (one == NULL)
    return NULL;
  if (g_list_model_get_n_items (G_LIST_MODEL (one)) == 0)
    {
      g_set_error (error, CERCLE_DB_ERROR, CERCLE_DB_ERROR_NOT_FOUND, _("This referral is no longer in the local store"));
      return NULL;
    }
  return g_list_model_get_item (G_LIST_MODEL (one), 0);
}

/**
 * cercle_referral_repo_list_received:
 * @db: the local store
 * @organization_ref: "Organization/ID" of the desk's structure
 * @error: return location for a #CERCLE_DB_ERROR
 *
 * « Demandes reçues »: the Tasks the structure owns (not drafts), the
 * newest first, each as a dossier holding that one destination, with the
 * patient's identity.
 *
 * Returns: (transfer full): a list of #CercleDossier, or %NULL
 */
GListModel *
cercle_referral_repo_list_received (CercleDb    *db,
                                    const char  *organization_ref,
                                    GError     **error)
{
  g_autoptr(GListStore) store = g_list_store_new (CERCLE_TYPE_DOSSIER);
  g_autoptr(GHashTable) outbox = NULL;
  g_autoptr(GHashTable) requests = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  sqlite3_stmt *stmt;

  g_return_val_if_fail (CERCLE_IS_DB (db), NULL);
  g_return_val_if_fail (organization_ref != NULL, NULL);

  outbox = load_outbox (db, error);
  if (outbox == NULL)
    return NULL;

  /* The requests the desk can see: their ServiceRequests, by reference. */
  stmt = cercle_db_prepare (db, DOSSIER_COLUMNS, error);
  if (stmt == NULL)
    return NULL;
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_hash_table_insert (requests, g_strconcat ("ServiceRequest/", column_text (stmt, 0), NULL),
                         dossier_from_row (stmt));
  sqlite3_reset (stmt);

  stmt = cercle_db_prepare (db,
                            TASK_COLUMNS " AND t.owner = ?1 AND t.status != 'draft'"
                            " ORDER BY t.authored_on DESC, t.id",
                            error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, organization_ref, -1, SQLITE_TRANSIENT);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      CercleDossier *request = g_hash_table_lookup (requests, column_text (stmt, 1));
      g_autoptr(CercleDossier) dossier = NULL;

      if (request != NULL)
        dossier = cercle_dossier_new (cercle_dossier_get_referral_id (request),
                                      cercle_dossier_get_dossier_id (request),
                                      cercle_dossier_get_patient_id (request),
                                      cercle_dossier_get_patient_name (request),
                                      cercle_dossier_get_orientation_type (request),
                                      cercle_dossier_get_status (request),
                                      column_text (stmt, 13));
      else
        dossier = cercle_dossier_new (ref_id (column_text (stmt, 1)), NULL, NULL, NULL, NULL, NULL,
                                      column_text (stmt, 13));
      fill_destination (cercle_dossier_add_destination (dossier, column_text (stmt, 0)), stmt, outbox);
      g_list_store_append (store, dossier);
    }
  sqlite3_reset (stmt);
  return G_LIST_MODEL (g_steal_pointer (&store));
}
