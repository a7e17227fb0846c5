/* cercle-patient-repo.c — patients in the local store
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A saved patient goes into the patient table and, in the same transaction,
 * into the outbox as the FHIR resource to PUT: the sync service sends it
 * when it can, and nothing saved is lost if the app stops in between.
 * Names are searched on a folded key (no accents, lower case) kept beside
 * them, with a range scan that the index serves.
 */
#define G_LOG_DOMAIN "cercle-patient"

#include "config.h"

#include <string.h>

#include "cercle-fhir-patient.h"
#include "cercle-i18n.h"
#include "cercle-patient-repo.h"
#include "cercle-store.h"
#include "cercle-text.h"
#include "cercle-validate.h"

#define PATIENT_COLUMNS \
  "id, ins, ins_kind, birth_family_name, birth_given_names, used_family_name, used_given_name, " \
  "birth_date, sex, birthplace_code, from_insi, document_checked, phone, address_line, postcode, " \
  "commune_code, commune_name, server_version, updated_at"

static const char *
column_text (sqlite3_stmt *stmt,
             int           i)
{
  return (const char *) sqlite3_column_text (stmt, i);
}

static CerclePatient *
patient_from_row (sqlite3_stmt *stmt)
{
  g_auto(GStrv) given = g_strsplit (column_text (stmt, 4), "\n", -1);

  return g_object_new (CERCLE_TYPE_PATIENT,
                       "id", column_text (stmt, 0),
                       "ins", column_text (stmt, 1),
                       "ins-kind", column_text (stmt, 2),
                       "birth-family-name", column_text (stmt, 3),
                       "birth-given-names", given,
                       "used-family-name", column_text (stmt, 5),
                       "used-given-name", column_text (stmt, 6),
                       "birth-date", column_text (stmt, 7),
                       "sex", column_text (stmt, 8),
                       "birthplace-code", column_text (stmt, 9),
                       "from-insi", sqlite3_column_int (stmt, 10) != 0,
                       "document-checked", sqlite3_column_int (stmt, 11) != 0,
                       "phone", column_text (stmt, 12),
                       "address-line", column_text (stmt, 13),
                       "postcode", column_text (stmt, 14),
                       "commune-code", column_text (stmt, 15),
                       "commune-name", column_text (stmt, 16),
                       "version-id", column_text (stmt, 17),
                       "last-updated", column_text (stmt, 18),
                       NULL);
}

static void
bind_text_or_null (sqlite3_stmt *stmt,
                   int           i,
                   const char   *text)
{
  if (text && *text)
    sqlite3_bind_text (stmt, i, text, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (stmt, i);
}

/* The patient's row, inside the caller's transaction. */
static gboolean
write_row (CercleDb       *db,
           CerclePatient  *patient,
           const char     *updated_at,
           GError        **error)
{
  g_autofree char *given = NULL;
  g_autofree char *name_key = NULL;
  g_autofree char *used_key = NULL;
  const char * const *given_names;
  sqlite3_stmt *stmt;

  given_names = cercle_patient_get_birth_given_names (patient);
  given = g_strjoinv ("\n", (char **) given_names);
  name_key = cercle_text_fold (cercle_patient_get_birth_family_name (patient));
  if (cercle_patient_get_used_family_name (patient))
    used_key = cercle_text_fold (cercle_patient_get_used_family_name (patient));

  stmt = cercle_db_prepare (db,
                            "INSERT INTO patient (id, ins, ins_kind, birth_family_name, birth_given_names,"
                            "  first_given_name, used_family_name, used_given_name, birth_date, sex,"
                            "  birthplace_code, from_insi, document_checked, phone, address_line, postcode,"
                            "  commune_code, commune_name, name_key, used_name_key, server_version, updated_at)"
                            " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,"
                            "  ?17, ?18, ?19, ?20, ?21, ?22)"
                            " ON CONFLICT (id) DO UPDATE SET ins = ?2, ins_kind = ?3, birth_family_name = ?4,"
                            "  birth_given_names = ?5, first_given_name = ?6, used_family_name = ?7,"
                            "  used_given_name = ?8, birth_date = ?9, sex = ?10, birthplace_code = ?11,"
                            "  from_insi = ?12, document_checked = ?13, phone = ?14, address_line = ?15,"
                            "  postcode = ?16, commune_code = ?17, commune_name = ?18, name_key = ?19,"
                            "  used_name_key = ?20, server_version = ?21, updated_at = ?22,"
                            "  version = version + 1",
                            error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_text (stmt, 1, cercle_patient_get_id (patient), -1, SQLITE_TRANSIENT);
  bind_text_or_null (stmt, 2, cercle_patient_get_ins (patient));
  bind_text_or_null (stmt, 3, cercle_patient_get_ins (patient) && *cercle_patient_get_ins (patient)
                              ? cercle_patient_get_ins_kind (patient) : NULL);
  sqlite3_bind_text (stmt, 4, cercle_patient_get_birth_family_name (patient), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 5, given, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 6, cercle_patient_get_first_given_name (patient), -1, SQLITE_TRANSIENT);
  bind_text_or_null (stmt, 7, cercle_patient_get_used_family_name (patient));
  bind_text_or_null (stmt, 8, cercle_patient_get_used_given_name (patient));
  sqlite3_bind_text (stmt, 9, cercle_patient_get_birth_date (patient), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 10, cercle_patient_get_sex (patient), -1, SQLITE_TRANSIENT);
  bind_text_or_null (stmt, 11, cercle_patient_get_birthplace_code (patient));
  sqlite3_bind_int (stmt, 12, cercle_patient_get_from_insi (patient));
  sqlite3_bind_int (stmt, 13, cercle_patient_get_document_checked (patient));
  bind_text_or_null (stmt, 14, cercle_patient_get_phone (patient));
  bind_text_or_null (stmt, 15, cercle_patient_get_address_line (patient));
  bind_text_or_null (stmt, 16, cercle_patient_get_postcode (patient));
  bind_text_or_null (stmt, 17, cercle_patient_get_commune_code (patient));
  bind_text_or_null (stmt, 18, cercle_patient_get_commune_name (patient));
  sqlite3_bind_text (stmt, 19, name_key, -1, SQLITE_TRANSIENT);
  bind_text_or_null (stmt, 20, used_key);
  bind_text_or_null (stmt, 21, cercle_patient_get_version_id (patient));
  sqlite3_bind_text (stmt, 22, updated_at, -1, SQLITE_TRANSIENT);

  if (!cercle_db_step_done (db, stmt, error))
    {
      if (error && *error && (*error)->code == CERCLE_DB_ERROR_CONFLICT)
        {
          g_clear_error (error);
          g_set_error (error, CERCLE_DB_ERROR, CERCLE_DB_ERROR_CONFLICT,
                       _("Another patient already has this INS number"));
        }
      return FALSE;
    }
  return TRUE;
}

/**
 * cercle_patient_repo_save:
 * @db: the local store
 * @patient: the patient to create or update (by id)
 * @error: return location for a #GError
 *
 * Validates @patient, writes it and queues it for the server, in one
 * transaction. Sets its last-updated time.
 *
 * Returns: %TRUE when the patient is saved
 */
gboolean
cercle_patient_repo_save (CercleDb       *db,
                          CerclePatient  *patient,
                          GError        **error)
{
  g_autoptr(GDateTime) now = NULL;
  g_autoptr(JsonObject) resource = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *now_text = NULL;
  g_autofree char *body = NULL;

  g_return_val_if_fail (CERCLE_IS_DB (db), FALSE);
  g_return_val_if_fail (CERCLE_IS_PATIENT (patient), FALSE);

  if (!cercle_patient_validate (patient, error))
    return FALSE;

  now = g_date_time_new_now_utc ();
  now_text = g_date_time_format_iso8601 (now);
  g_object_set (patient, "last-updated", now_text, NULL);

  resource = cercle_patient_to_fhir (patient);
  node = json_node_init_object (json_node_alloc (), resource);
  body = json_to_string (node, FALSE);

  if (!cercle_db_begin (db, error))
    return FALSE;

  if (!write_row (db, patient, now_text, error))
    goto fail;

  if (!cercle_store_outbox_add (db, "Patient", cercle_patient_get_id (patient), "PUT", body, error))
    goto fail;

  return cercle_db_commit (db, error);

fail:
  cercle_db_rollback (db);
  return FALSE;
}

/**
 * cercle_patient_repo_get:
 * @db: the local store
 * @id: the patient's id
 * @error: return location for a #GError (%CERCLE_DB_ERROR_NOT_FOUND)
 *
 * Returns: (transfer full): the patient, or %NULL
 */
CerclePatient *
cercle_patient_repo_get (CercleDb    *db,
                         const char  *id,
                         GError     **error)
{
  sqlite3_stmt *stmt;
  CerclePatient *patient = NULL;
  int rc;

  g_return_val_if_fail (CERCLE_IS_DB (db), NULL);
  g_return_val_if_fail (id != NULL, NULL);

  stmt = cercle_db_prepare (db, "SELECT " PATIENT_COLUMNS " FROM patient WHERE id = ?", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    patient = patient_from_row (stmt);
  else if (rc == SQLITE_DONE)
    g_set_error (error, CERCLE_DB_ERROR, CERCLE_DB_ERROR_NOT_FOUND, _("No patient has the id “%s”"), id);
  else
    cercle_db_set_error (db, error, NULL);
  sqlite3_reset (stmt);
  return patient;
}

/**
 * cercle_patient_repo_search:
 * @db: the local store
 * @query: what to look for
 * @error: return location for a #GError
 *
 * Finds patients by the first letters of their birth or used family name
 * (accents and case ignored), their date of birth and their INS, sorted by
 * birth name, given name and date of birth.
 *
 * Returns: (transfer full): a list of #CerclePatient
 */
GListModel *
cercle_patient_repo_search (CercleDb                  *db,
                            const CerclePatientQuery  *query,
                            GError                   **error)
{
  g_autoptr(GListStore) store = g_list_store_new (CERCLE_TYPE_PATIENT);
  g_autofree char *prefix = NULL;
  g_autofree char *prefix_end = NULL;
  g_autofree char *ins = NULL;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (CERCLE_IS_DB (db), NULL);
  g_return_val_if_fail (query != NULL, NULL);

  if (query->name_prefix && *query->name_prefix)
    {
      prefix = cercle_text_fold (query->name_prefix);
      /* Keys hold only [a-z0-9 ]: '~' sorts after all of them. */
      prefix_end = g_strconcat (prefix, "~", NULL);
    }
  if (query->ins && *query->ins)
    ins = cercle_identifier_normalize (query->ins);

  stmt = cercle_db_prepare (db,
                            "SELECT " PATIENT_COLUMNS " FROM patient"
                            " WHERE (?1 IS NULL OR (name_key >= ?1 AND name_key < ?2)"
                            "                  OR (used_name_key >= ?1 AND used_name_key < ?2))"
                            "   AND (?3 IS NULL OR birth_date = ?3)"
                            "   AND (?4 IS NULL OR ins = ?4)"
                            " ORDER BY name_key, first_given_name, birth_date"
                            " LIMIT ?5",
                            error);
  if (stmt == NULL)
    return NULL;
  bind_text_or_null (stmt, 1, prefix);
  bind_text_or_null (stmt, 2, prefix_end);
  bind_text_or_null (stmt, 3, query->birth_date);
  bind_text_or_null (stmt, 4, ins);
  sqlite3_bind_int (stmt, 5, query->limit ? query->limit : 200);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_autoptr(CerclePatient) p = patient_from_row (stmt);
      g_list_store_append (store, p);
    }
  if (rc != SQLITE_DONE)
    {
      cercle_db_set_error (db, error, NULL);
      sqlite3_reset (stmt);
      return NULL;
    }
  sqlite3_reset (stmt);
  return G_LIST_MODEL (g_steal_pointer (&store));
}

/* Optimal string alignment distance, stopping early past 2: a transposed,
 * missing, extra or wrong letter each count one. */
static guint
name_distance (const char *a,
               const char *b)
{
  gsize la = strlen (a), lb = strlen (b);
  g_autofree guint *d = NULL;

  if (la > lb + 2 || lb > la + 2)
    return 3;
  d = g_new0 (guint, (la + 1) * (lb + 1));
#define D(i, j) d[(i) * (lb + 1) + (j)]
  for (gsize i = 0; i <= la; i++)
    D (i, 0) = i;
  for (gsize j = 0; j <= lb; j++)
    D (0, j) = j;
  for (gsize i = 1; i <= la; i++)
    for (gsize j = 1; j <= lb; j++)
      {
        guint cost = a[i - 1] == b[j - 1] ? 0 : 1;
        guint v = MIN (MIN (D (i - 1, j) + 1, D (i, j - 1) + 1), D (i - 1, j - 1) + cost);

        if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
          v = MIN (v, D (i - 2, j - 2) + 1);
        D (i, j) = v;
      }
  return D (la, lb);
#undef D
}

static gboolean
names_similar (const char *a,
               const char *b)
{
  gsize la, lb;

  if (a == NULL || b == NULL || *a == '\0' || *b == '\0')
    return FALSE;
  la = strlen (a);
  lb = strlen (b);
  /* The same first three letters (domain.md: "then the first letters of
   * the name"), or a slip: one for a short name, two for a long one. */
  return (la >= 3 && lb >= 3 && strncmp (a, b, 3) == 0)
         || name_distance (a, b) <= (MIN (la, lb) >= 8 ? 2u : 1u);
}

/**
 * cercle_patient_repo_find_possible_duplicates:
 * @db: the local store
 * @candidate: a patient about to be created
 * @error: return location for a #GError
 *
 * "Search before create" (domain.md §2): the patients born the same day
 * whose name is close to the candidate's — accents and case ignored, a
 * letter transposed, missing, extra or wrong, the used name given instead
 * of the birth name or the other way round — and the patients with the
 * same INS. A duplicate patient is an identity-vigilance incident, so the
 * app shows these before it creates a new file.
 *
 * Returns: (transfer full): a list of #CerclePatient other than @candidate
 */
GListModel *
cercle_patient_repo_find_possible_duplicates (CercleDb       *db,
                                              CerclePatient  *candidate,
                                              GError        **error)
{
  g_autoptr(GListStore) out = g_list_store_new (CERCLE_TYPE_PATIENT);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *birth_key = NULL;
  g_autofree char *used_key = NULL;

  g_return_val_if_fail (CERCLE_IS_DB (db), NULL);
  g_return_val_if_fail (CERCLE_IS_PATIENT (candidate), NULL);

  birth_key = cercle_text_fold (cercle_patient_get_birth_family_name (candidate)
                                ? cercle_patient_get_birth_family_name (candidate) : "");
  if (cercle_patient_get_used_family_name (candidate))
    used_key = cercle_text_fold (cercle_patient_get_used_family_name (candidate));

  for (guint pass = 0; pass < 2; pass++)
    {
      CerclePatientQuery q = { .limit = 10000 };
      g_autoptr(GListModel) found = NULL;

      if (pass == 0)
        {
          /* Date of birth first: the index narrows to a handful. */
          if (cercle_patient_get_birth_date (candidate) == NULL)
            continue;
          q.birth_date = cercle_patient_get_birth_date (candidate);
        }
      else
        {
          if (cercle_patient_get_ins (candidate) == NULL || *cercle_patient_get_ins (candidate) == '\0')
            continue;
          q.ins = cercle_patient_get_ins (candidate);
        }

      found = cercle_patient_repo_search (db, &q, error);
      if (found == NULL)
        return NULL;
      for (guint i = 0; i < g_list_model_get_n_items (found); i++)
        {
          g_autoptr(CerclePatient) p = g_list_model_get_item (found, i);
          g_autofree char *p_birth = NULL;
          g_autofree char *p_used = NULL;

          if (g_strcmp0 (cercle_patient_get_id (p), cercle_patient_get_id (candidate)) == 0
              || g_hash_table_contains (seen, cercle_patient_get_id (p)))
            continue;
          if (pass == 0)
            {
              p_birth = cercle_text_fold (cercle_patient_get_birth_family_name (p));
              if (cercle_patient_get_used_family_name (p))
                p_used = cercle_text_fold (cercle_patient_get_used_family_name (p));
              if (!names_similar (birth_key, p_birth) && !names_similar (birth_key, p_used)
                  && !names_similar (used_key, p_birth) && !names_similar (used_key, p_used))
                continue;
            }
          g_hash_table_add (seen, g_strdup (cercle_patient_get_id (p)));
          g_list_store_append (out, p);
        }
    }
  return G_LIST_MODEL (g_steal_pointer (&out));
}

/**
 * cercle_patient_repo_put_from_server:
 * @db: the local store, inside the caller's transaction (a page of the
 *   sync feed)
 * @patient: the patient as the server sent it (with its version)
 * @error: return location for a #GError
 *
 * Writes the server's copy of a patient, without queuing anything: it
 * comes from the server, there is nothing to send back.
 *
 * Returns: %TRUE when the patient is saved
 */
gboolean
cercle_patient_repo_put_from_server (CercleDb       *db,
                                     CerclePatient  *patient,
                                     GError        **error)
{
  const char *updated_at;

  g_return_val_if_fail (CERCLE_IS_DB (db), FALSE);
  g_return_val_if_fail (CERCLE_IS_PATIENT (patient), FALSE);

  updated_at = cercle_patient_get_last_updated (patient);
  if (updated_at == NULL)
    updated_at = "1970-01-01T00:00:00Z";
  return write_row (db, patient, updated_at, error);
}
