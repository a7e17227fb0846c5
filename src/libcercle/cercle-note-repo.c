/* cercle-note-repo.c — follow-up notes and the patient's timeline in the local store
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A note is a FHIR Communication kept in the store's resource table. Writing
 * one puts its row and its outbox entry in one transaction: it shows at once
 * (« En attente d'envoi ») and reaches the server whenever the sync service
 * can, even if the app stops in between.
 *
 * A note is signed with the account recorded at sign-in. Nobody signed in:
 * the note is refused, with a message saying to sign in first. A note with a
 * made-up local author would be refused by the server later (the author is
 * the signed-in account, domain.md §7), after its writer has gone: better to
 * say so while they are still at the keyboard.
 */
#define G_LOG_DOMAIN "cercle-notes"

#include "config.h"

#include <string.h>

#include "cercle-care-team-member.h"
#include "cercle-care-team-repo.h"
#include "cercle-fhir.h"
#include "cercle-i18n.h"
#include "cercle-note-repo.h"
#include "cercle-professional.h"
#include "cercle-referral-repo.h"
#include "cercle-store.h"

G_DEFINE_QUARK (cercle-care-error-quark, cercle_care_error)

static const CercleMigration care_migrations[] = {
  /* The unread count of every patient is asked for with each reload of the
   * patients list: a partial index keeps it from reading every note. */
  { 1, "unread notes",
    "CREATE INDEX resource_unread_note ON resource (patient_id)"
    "  WHERE type = 'Communication' AND read_at IS NULL;" },
};

/**
 * cercle_care_store_migrate:
 * @db: the local store
 * @error: return location for a #CERCLE_DB_ERROR
 *
 * Brings the "care" migration set (notes and care circles) up to date;
 * cercle_store_open() calls it.
 *
 * Returns: %TRUE on success
 */
gboolean
cercle_care_store_migrate (CercleDb  *db,
                           GError   **error)
{
  g_return_val_if_fail (CERCLE_IS_DB (db), FALSE);

  return cercle_db_migrate (db, "care", care_migrations, G_N_ELEMENTS (care_migrations), error);
}

static char *practitioner_name (CercleDb   *db,
                                const char *reference);

/* How the care circles name @reference ("Dr Paul Martin"), from the first
 * synced CareTeam that has it with a display. */
static char *
circle_name (CercleDb   *db,
             const char *reference)
{
  g_autofree char *pattern = g_strdup_printf ("%%\"%s\"%%", reference);
  sqlite3_stmt *stmt = cercle_db_prepare (db, "SELECT json FROM resource WHERE type = 'CareTeam' AND json LIKE ?",
                                          NULL);
  char *name = NULL;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, pattern, -1, SQLITE_TRANSIENT);
  while (name == NULL && sqlite3_step (stmt) == SQLITE_ROW)
    {
      g_autoptr(JsonNode) node = json_from_string ((const char *) sqlite3_column_text (stmt, 0), NULL);
      JsonArray *participants;

      if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
        continue;
      participants = cercle_fhir_get_array (json_node_get_object (node), "participant");
      for (guint i = 0; participants && i < json_array_get_length (participants) && name == NULL; i++)
        {
          JsonNode *element = json_array_get_element (participants, i);
          JsonObject *member = JSON_NODE_HOLDS_OBJECT (element)
                               ? cercle_fhir_get_object (json_node_get_object (element), "member") : NULL;

          if (member && g_strcmp0 (cercle_fhir_get_string (member, "reference"), reference) == 0
              && cercle_fhir_get_string (member, "display") != NULL)
            name = g_strdup (cercle_fhir_get_string (member, "display"));
        }
    }
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  return name;
}

static char *
account_practitioner (CercleDb  *db,
                      char     **display,
                      GError   **error)
{
  g_autofree char *ref = NULL;
  g_autofree char *name = NULL;

  if (!cercle_store_get_account (db, NULL, NULL, &ref, NULL, &name)
      || ref == NULL || !g_str_has_prefix (ref, "Practitioner/") || ref[strlen ("Practitioner/")] == '\0')
    {
      g_set_error (error, CERCLE_CARE_ERROR, CERCLE_CARE_ERROR_NOT_SIGNED_IN,
                   _("Sign in first: a note is signed with your account"));
      return NULL;
    }
  if (display)
    {
      /* The name the circles know (their CareTeam, else the pulled
       * Practitioner) rather than the account's display, which
       * cercle-syncd only knows as the login. */
      g_autofree char *known = circle_name (db, ref);

      if (known == NULL)
        known = practitioner_name (db, ref);

      *display = known ? g_steal_pointer (&known) : g_steal_pointer (&name);
    }
  return g_strdup (ref + strlen ("Practitioner/"));
}

static gboolean
patient_exists (CercleDb    *db,
                const char  *patient_id,
                GError     **error)
{
  sqlite3_stmt *stmt = cercle_db_prepare (db, "SELECT 1 FROM patient WHERE id = ?", error);
  gboolean found;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, patient_id, -1, SQLITE_TRANSIENT);
  found = sqlite3_step (stmt) == SQLITE_ROW;
  sqlite3_reset (stmt);
  if (!found)
    g_set_error (error, CERCLE_CARE_ERROR, CERCLE_CARE_ERROR_NOT_FOUND,
                 _("This patient is not in the local store"));
  return found;
}

static gboolean
save_note (CercleDb    *db,
           CercleNote  *note,
           GError     **error)
{
  g_autoptr(JsonObject) fhir = cercle_note_to_fhir (note);
  g_autofree char *json = cercle_fhir_to_string (fhir);
  g_autofree char *author_ref = g_strconcat ("Practitioner/", cercle_note_get_author_id (note), NULL);
  const char *id = cercle_note_get_id (note);
  const char *patient_id = cercle_note_get_patient_id (note);

  if (!cercle_db_begin (db, error))
    return FALSE;
  if (!cercle_store_resource_put (db, "Communication", id, patient_id, author_ref, json, NULL, NULL, error)
      || !cercle_store_outbox_add_for_patient (db, "Communication", id, patient_id, "PUT", json, error))
    {
      cercle_db_rollback (db);
      return FALSE;
    }
  return cercle_db_commit (db, error);
}

static char *
checked_text (const char  *text,
              GError     **error)
{
  g_autofree char *stripped = g_strstrip (g_strdup (text ? text : ""));

  if (*stripped == '\0')
    {
      g_set_error (error, CERCLE_CARE_ERROR, CERCLE_CARE_ERROR_INVALID, _("Write the note’s text first"));
      return NULL;
    }
  if (!g_utf8_validate (stripped, -1, NULL))
    {
      g_set_error (error, CERCLE_CARE_ERROR, CERCLE_CARE_ERROR_INVALID, _("The note’s text is not valid UTF-8"));
      return NULL;
    }
  return g_steal_pointer (&stripped);
}

/**
 * cercle_note_repo_write:
 * @db: the local store
 * @patient_id: the patient the note is about
 * @category: a note category (%CERCLE_NOTE_CATEGORY_TRANSMISSION …)
 * @text: the note
 * @error: return location for a #CERCLE_CARE_ERROR or #CERCLE_DB_ERROR
 *
 * Writes a note, signed with the signed-in account, addressed to the
 * patient's care circle, and queues it for the server, in one transaction.
 * Works offline. Refused (%CERCLE_CARE_ERROR_NOT_SIGNED_IN) when nobody is
 * signed in.
 *
 * Returns: (transfer full): the note written, or %NULL
 */
CercleNote *
cercle_note_repo_write (CercleDb    *db,
                        const char  *patient_id,
                        const char  *category,
                        const char  *text,
                        GError     **error)
{
  g_autofree char *author = NULL;
  g_autofree char *display = NULL;
  g_autofree char *body = NULL;
  g_autofree char *id = NULL;
  g_autofree char *team = NULL;
  g_autoptr(CercleNote) note = NULL;

  g_return_val_if_fail (CERCLE_IS_DB (db), NULL);
  g_return_val_if_fail (patient_id != NULL, NULL);

  if (!cercle_note_is_category (category))
    {
      g_set_error (error, CERCLE_CARE_ERROR, CERCLE_CARE_ERROR_INVALID,
                   _("A note needs a category: transmission, vigilance, compte-rendu or information"));
      return NULL;
    }
  if ((body = checked_text (text, error)) == NULL)
    return NULL;
  if ((author = account_practitioner (db, &display, error)) == NULL)
    return NULL;
  if (!patient_exists (db, patient_id, error))
    return NULL;

  id = g_uuid_string_random ();
  team = cercle_care_team_id_for_patient (patient_id);
  note = cercle_note_new (id, patient_id, author, category, body);
  g_object_set (note, "author-display", display, "care-team-id", team, NULL);
  if (!save_note (db, note, error))
    return NULL;
  return g_steal_pointer (&note);
}

/**
 * cercle_note_repo_get:
 * @db: the local store
 * @id: a note's id
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the note, or %NULL
 */
CercleNote *
cercle_note_repo_get (CercleDb    *db,
                      const char  *id,
                      GError     **error)
{
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *json = NULL;
  sqlite3_stmt *stmt;

  g_return_val_if_fail (CERCLE_IS_DB (db), NULL);
  g_return_val_if_fail (id != NULL, NULL);

  stmt = cercle_db_prepare (db, "SELECT json FROM resource WHERE type = 'Communication' AND id = ?", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    json = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);
  if (json == NULL)
    {
      g_set_error (error, CERCLE_CARE_ERROR, CERCLE_CARE_ERROR_NOT_FOUND, _("This note is not in the local store"));
      return NULL;
    }
  node = json_from_string (json, error);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_clear_error (error);
      g_set_error (error, CERCLE_FHIR_ERROR, CERCLE_FHIR_ERROR_PARSE, _("The stored note is damaged"));
      return NULL;
    }
  return cercle_note_new_from_fhir (json_node_get_object (node), error);
}

/**
 * cercle_note_repo_correct:
 * @db: the local store
 * @corrected_id: the note to correct
 * @text: the corrected text
 * @error: return location for a #GError
 *
 * « Corriger »: a sent note is never edited. The correction is a new note
 * of the same patient and category that points at the corrected one; both
 * stay in the timeline, the old one shown as corrected.
 *
 * Returns: (transfer full): the correction, or %NULL
 */
CercleNote *
cercle_note_repo_correct (CercleDb    *db,
                          const char  *corrected_id,
                          const char  *text,
                          GError     **error)
{
  g_autoptr(CercleNote) corrected = NULL;
  g_autoptr(CercleNote) note = NULL;
  g_autofree char *author = NULL;
  g_autofree char *display = NULL;
  g_autofree char *body = NULL;
  g_autofree char *id = NULL;

  g_return_val_if_fail (CERCLE_IS_DB (db), NULL);
  g_return_val_if_fail (corrected_id != NULL, NULL);

  if ((body = checked_text (text, error)) == NULL)
    return NULL;
  if ((author = account_practitioner (db, &display, error)) == NULL)
    return NULL;
  corrected = cercle_note_repo_get (db, corrected_id, error);
  if (corrected == NULL)
    return NULL;

  id = g_uuid_string_random ();
  note = cercle_note_new_correction (corrected, id, author, body);
  g_object_set (note, "author-display", display, NULL);
  if (cercle_note_get_care_team_id (note) == NULL)
    {
      g_autofree char *team = cercle_care_team_id_for_patient (cercle_note_get_patient_id (note));
      g_object_set (note, "care-team-id", team, NULL);
    }
  if (!save_note (db, note, error))
    return NULL;
  return g_steal_pointer (&note);
}

static int
compare_events (gconstpointer a,
                gconstpointer b)
{
  CercleTimelineEvent *ea = *(CercleTimelineEvent **) a;
  CercleTimelineEvent *eb = *(CercleTimelineEvent **) b;

  /* Newest first. */
  return g_date_time_compare (cercle_timeline_event_get_time (eb), cercle_timeline_event_get_time (ea));
}

/**
 * cercle_note_repo_timeline:
 * @db: the local store
 * @patient_id: a patient
 * @error: return location for a #GError
 *
 * The patient's story, newest first: the notes (each with its author's role
 * in the circle, its sync state, whether it is unread and which note
 * corrects it), the entries and exits of the care circle, and the steps of
 * the patient's referrals (cercle_referral_repo_add_timeline_events()). A stored note
 * that cannot be read is left out with a warning rather than hiding the
 * others.
 *
 * Returns: (transfer full): a list of #CercleTimelineEvent
 */
GListModel *
cercle_note_repo_timeline (CercleDb    *db,
                           const char  *patient_id,
                           GError     **error)
{
  g_autoptr(GListStore) out = g_list_store_new (CERCLE_TYPE_TIMELINE_EVENT);
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) members = NULL;
  g_autoptr(GHashTable) roles = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) by_id = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autofree char *me = NULL;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (CERCLE_IS_DB (db), NULL);
  g_return_val_if_fail (patient_id != NULL, NULL);

  members = cercle_care_team_repo_get_members (db, patient_id, error);
  if (members == NULL)
    return NULL;
  for (guint i = 0; i < members->len; i++)
    {
      CercleCareTeamMember *m = g_ptr_array_index (members, i);

      if (g_strcmp0 (cercle_care_team_member_get_member_type (m), "Practitioner") == 0)
        g_hash_table_insert (roles, (gpointer) cercle_care_team_member_get_member_id (m),
                             (gpointer) cercle_care_team_member_get_role_label (m));
      g_ptr_array_add (events, cercle_timeline_event_new_member (m, FALSE));
      if (cercle_care_team_member_get_end (m) != NULL)
        g_ptr_array_add (events, cercle_timeline_event_new_member (m, TRUE));
    }

  cercle_store_get_account (db, NULL, NULL, &me, NULL, NULL);
  stmt = cercle_db_prepare (db,
                            "SELECT id, json, read_at IS NULL AND (author_ref IS NULL OR author_ref IS NOT ?2)"
                            " FROM resource WHERE patient_id = ?1 AND type = 'Communication'",
                            error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, patient_id, -1, SQLITE_TRANSIENT);
  cercle_db_bind_text_or_null (stmt, 2, me);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *id = (const char *) sqlite3_column_text (stmt, 0);
      g_autoptr(GError) local_error = NULL;
      g_autoptr(CercleNote) note = NULL;
      g_autofree char *message = NULL;
      CercleSyncState state;
      CercleTimelineEvent *event;

      if (!json_parser_load_from_data (parser, (const char *) sqlite3_column_text (stmt, 1), -1, &local_error)
          || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser))
          || (note = cercle_note_new_from_fhir (json_node_get_object (json_parser_get_root (parser)),
                                                &local_error)) == NULL)
        {
          g_warning ("Note %s left out of the timeline: %s", id,
                     local_error ? local_error->message : "not an object");
          continue;
        }
      state = cercle_store_get_sync_state (db, "Communication", id, &message);
      event = cercle_timeline_event_new_note (note, g_hash_table_lookup (roles, cercle_note_get_author_id (note)),
                                              state, message, sqlite3_column_int (stmt, 2) != 0);
      g_ptr_array_add (events, event);
      g_hash_table_insert (by_id, (gpointer) cercle_note_get_id (note), event);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      cercle_db_set_error (db, error, NULL);
      return NULL;
    }

  /* Link each corrected note to its correction. */
  for (guint i = 0; i < events->len; i++)
    {
      CercleNote *note = cercle_timeline_event_get_note (g_ptr_array_index (events, i));
      CercleTimelineEvent *corrected;

      if (note == NULL || cercle_note_get_corrects_id (note) == NULL)
        continue;
      corrected = g_hash_table_lookup (by_id, cercle_note_get_corrects_id (note));
      if (corrected != NULL)
        cercle_timeline_event_set_corrected_by (corrected, cercle_note_get_id (note));
    }

  /* the patient's referrals: sent, answered, confirmed, cancelled… */
  if (!cercle_referral_repo_add_timeline_events (db, patient_id, events, error))
    return NULL;

  g_ptr_array_sort (events, compare_events);
  g_list_store_splice (out, 0, 0, events->pdata, events->len);
  return G_LIST_MODEL (g_steal_pointer (&out));
}

/**
 * cercle_note_repo_mark_read:
 * @db: the local store
 * @patient_id: a patient whose timeline the user has seen
 * @error: return location for a #CERCLE_DB_ERROR
 *
 * Marks every note of the patient as read.
 *
 * Returns: %TRUE on success
 */
gboolean
cercle_note_repo_mark_read (CercleDb    *db,
                            const char  *patient_id,
                            GError     **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (CERCLE_IS_DB (db), FALSE);
  g_return_val_if_fail (patient_id != NULL, FALSE);

  stmt = cercle_db_prepare (db,
                            "UPDATE resource SET read_at = strftime('%Y-%m-%dT%H:%M:%fZ','now')"
                            " WHERE patient_id = ? AND type = 'Communication' AND read_at IS NULL",
                            error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, patient_id, -1, SQLITE_TRANSIENT);
  return cercle_db_step_done (db, stmt, error);
}

#define UNREAD_WHERE \
  " type = 'Communication' AND read_at IS NULL" \
  " AND (author_ref IS NULL OR author_ref IS NOT (SELECT practitioner_ref FROM account WHERE id = 1))"

/**
 * cercle_note_repo_count_unread:
 * @db: the local store
 * @patient_id: a patient
 *
 * Returns: how many of the patient's notes the user has not seen (their
 *   own never count)
 */
guint
cercle_note_repo_count_unread (CercleDb   *db,
                               const char *patient_id)
{
  sqlite3_stmt *stmt;
  guint n = 0;

  g_return_val_if_fail (CERCLE_IS_DB (db), 0);
  g_return_val_if_fail (patient_id != NULL, 0);

  stmt = cercle_db_prepare (db, "SELECT count(*) FROM resource WHERE patient_id = ? AND" UNREAD_WHERE, NULL);
  if (stmt == NULL)
    return 0;
  sqlite3_bind_text (stmt, 1, patient_id, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    n = sqlite3_column_int (stmt, 0);
  sqlite3_reset (stmt);
  return n;
}

/**
 * cercle_note_repo_unread_counts:
 * @db: the local store
 * @error: return location for a #CERCLE_DB_ERROR
 *
 * Returns: (transfer full) (element-type utf8 guint): patient id → number
 *   of unread notes, for the patients that have some (GUINT_TO_POINTER)
 */
GHashTable *
cercle_note_repo_unread_counts (CercleDb  *db,
                                GError   **error)
{
  g_autoptr(GHashTable) counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (CERCLE_IS_DB (db), NULL);

  stmt = cercle_db_prepare (db,
                            "SELECT patient_id, count(*) FROM resource"
                            " WHERE patient_id IS NOT NULL AND" UNREAD_WHERE " GROUP BY patient_id",
                            error);
  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_hash_table_insert (counts, g_strdup ((const char *) sqlite3_column_text (stmt, 0)),
                         GUINT_TO_POINTER (sqlite3_column_int (stmt, 1)));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      cercle_db_set_error (db, error, NULL);
      return NULL;
    }
  return g_steal_pointer (&counts);
}

/**
 * cercle_access_entry_free:
 * @entry: an entry of an access trail
 */
void
cercle_access_entry_free (CercleAccessEntry *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->who);
  g_clear_pointer (&entry->recorded, g_date_time_unref);
  g_free (entry);
}

static char *
practitioner_name (CercleDb   *db,
                   const char *reference)
{
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(CercleProfessional) pro = NULL;
  sqlite3_stmt *stmt;
  char *name = NULL;

  if (reference == NULL || !g_str_has_prefix (reference, "Practitioner/"))
    return NULL;
  stmt = cercle_db_prepare (db, "SELECT json FROM resource WHERE type = 'Practitioner' AND id = ?", NULL);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, reference + strlen ("Practitioner/"), -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    node = json_from_string ((const char *) sqlite3_column_text (stmt, 0), NULL);
  sqlite3_reset (stmt);
  if (node != NULL && JSON_NODE_HOLDS_OBJECT (node)
      && (pro = cercle_professional_new_from_fhir (json_node_get_object (node), NULL)) != NULL)
    name = cercle_professional_dup_display_name (pro);
  return name;
}

/**
 * cercle_note_repo_access_trail:
 * @db: the local store
 * @patient_id: a patient
 * @limit: the most entries, 0 for 50
 * @error: return location for a #GError
 *
 * Who read or wrote the patient's file, and when, newest first: the
 * server's AuditEvents about the patient, as synced into the store
 * (domain.md §7: the trail can be shown on request). Empty until synced.
 *
 * Returns: (transfer full) (element-type CercleAccessEntry): the trail
 */
GPtrArray *
cercle_note_repo_access_trail (CercleDb    *db,
                               const char  *patient_id,
                               guint        limit,
                               GError     **error)
{
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) cercle_access_entry_free);
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (CERCLE_IS_DB (db), NULL);
  g_return_val_if_fail (patient_id != NULL, NULL);

  stmt = cercle_db_prepare (db,
                            "SELECT json FROM resource WHERE patient_id = ? AND type = 'AuditEvent'"
                            " ORDER BY last_updated DESC LIMIT ?",
                            error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, patient_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int (stmt, 2, limit ? limit : 50);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      JsonObject *event, *who;
      JsonArray *agents;
      const char *action, *recorded;
      CercleAccessEntry *entry;

      if (!json_parser_load_from_data (parser, (const char *) sqlite3_column_text (stmt, 0), -1, NULL)
          || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
        continue;
      event = json_node_get_object (json_parser_get_root (parser));
      agents = cercle_fhir_get_array (event, "agent");
      who = agents ? cercle_fhir_get_object (cercle_fhir_array_get_object (agents, 0), "who") : NULL;
      action = cercle_fhir_get_string (event, "action");
      recorded = cercle_fhir_get_string (event, "recorded");
      if (who == NULL || recorded == NULL)
        continue;
      entry = g_new0 (CercleAccessEntry, 1);
      entry->who = practitioner_name (db, cercle_fhir_get_string (who, "reference"));
      if (entry->who == NULL)
        entry->who = g_strdup (cercle_fhir_get_string (who, "display") ?: cercle_fhir_get_string (who, "reference"));
      entry->action = action && *action ? action[0] : 'E';
      entry->recorded = cercle_fhir_parse_date_time (recorded);
      if (entry->who == NULL || entry->recorded == NULL)
        {
          cercle_access_entry_free (entry);
          continue;
        }
      g_ptr_array_add (out, entry);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      cercle_db_set_error (db, error, NULL);
      return NULL;
    }
  return g_steal_pointer (&out);
}
