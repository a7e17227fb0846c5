/* test-sync-conflict.c — choosing a side of a sync conflict, in a real SQLite store
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The rows are seeded as cercle-sync-engine.c leaves them after a 412: the
 * outbox row refused, both versions in sync_conflict.
 */
#include "config.h"

#include <glib/gstdio.h>

#include "cercle-care-team-member.h"
#include "cercle-sync-conflict.h"
#include "cercle-sync-store.h"
#include "cercle-test-care.h"

typedef CareTestFixture Fixture;

static char *
to_json (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), object);

  return json_to_string (node, FALSE);
}

static char *
patient_json (CerclePatient *base,
              const char    *phone,
              const char    *version)
{
  g_autoptr(CerclePatient) p = NULL;
  g_autoptr(JsonObject) resource = NULL;

  resource = cercle_patient_to_fhir (base);
  p = cercle_patient_new_from_fhir (resource, NULL);
  g_assert_nonnull (p);
  g_object_set (p, "phone", phone, "version-id", version, NULL);
  g_clear_pointer (&resource, json_object_unref);
  resource = cercle_patient_to_fhir (p);
  return to_json (resource);
}

/* What the engine leaves: the local change refused, both sides kept. */
static void
seed_conflict (CercleDb   *db,
               const char *type,
               const char *id,
               const char *patient_id,
               const char *local,
               const char *server)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (cercle_db_begin (db, &error));
  g_assert_true (cercle_store_outbox_add_for_patient (db, type, id, patient_id, "PUT", local, &error));
  g_assert_true (cercle_db_commit (db, &error));
  g_assert_true (cercle_db_exec (db, "UPDATE outbox SET state = 'refused', last_error = 'changé ailleurs'", NULL));
  g_assert_true (cercle_sync_store_add_conflict (db, type, id, local, server, &error));
  g_assert_no_error (error);
}

static char *
query_text (CercleDb   *db,
            const char *sql)
{
  sqlite3_stmt *stmt = cercle_db_prepare (db, sql, NULL);
  char *text = NULL;

  g_assert_nonnull (stmt);
  if (sqlite3_step (stmt) == SQLITE_ROW && sqlite3_column_type (stmt, 0) != SQLITE_NULL)
    text = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);
  return text;
}

static void
seed_phone_conflict (Fixture *f)
{
  g_autofree char *local = patient_json (f->jeanne, "06 11 22 33 44", "2");
  g_autofree char *server = patient_json (f->jeanne, "07 55 66 77 88", "3");

  seed_conflict (f->db, "Patient", "pat-jeanne", "pat-jeanne", local, server);
}

static void
test_list (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) conflicts = NULL;
  g_autoptr(CerclePatient) paul = care_test_add_patient (f->db, "pat-paul", "Martin", NULL, "Paul", "1950-01-01", NULL);
  g_autofree char *paul_local = patient_json (paul, "01 00 00 00 01", "1");
  g_autofree char *paul_server = patient_json (paul, "01 00 00 00 02", "2");
  g_auto(GStrv) lines = NULL;
  g_autofree char *all = NULL;

  g_assert_true (cercle_db_exec (f->db, "DELETE FROM outbox", NULL));
  seed_phone_conflict (f);
  seed_conflict (f->db, "Patient", "pat-paul", "pat-paul", paul_local, paul_server);
  /* a conflict of another kind is not the patient page's */
  g_assert_true (cercle_sync_store_add_conflict (f->db, "Organization", "org-1", "{}", "{}", NULL));

  conflicts = cercle_sync_conflict_list_for_patient (f->db, "pat-jeanne", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (conflicts->len, ==, 1);
  g_assert_cmpstr (cercle_sync_conflict_get_resource_type (conflicts->pdata[0]), ==, "Patient");
  g_assert_cmpstr (cercle_sync_conflict_get_resource_id (conflicts->pdata[0]), ==, "pat-jeanne");
  g_assert_cmpstr (cercle_sync_conflict_get_patient_id (conflicts->pdata[0]), ==, "pat-jeanne");
  g_assert_nonnull (cercle_sync_conflict_get_created_at (conflicts->pdata[0]));

  lines = cercle_sync_conflict_dup_differences (conflicts->pdata[0]);
  g_assert_cmpuint (g_strv_length (lines), ==, 1);   /* only the phone differs */
  g_assert_nonnull (strstr (lines[0], "06 11 22 33 44"));
  g_assert_nonnull (strstr (lines[0], "07 55 66 77 88"));
  all = g_strjoinv ("\n", lines);
  g_assert_null (strstr (all, "Durand"));

  g_clear_pointer (&conflicts, g_ptr_array_unref);
  conflicts = cercle_sync_conflict_list_for_patient (f->db, "pat-nobody", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (conflicts->len, ==, 0);
}

static void
test_keep_mine_patient (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) conflicts = NULL;
  g_autoptr(CerclePatient) stored = NULL;
  g_autoptr(JsonNode) body = NULL;
  g_autofree char *body_text = NULL;
  JsonObject *sent;

  seed_phone_conflict (f);
  conflicts = cercle_sync_conflict_list_for_patient (f->db, "pat-jeanne", &error);
  g_assert_cmpuint (conflicts->len, ==, 1);
  g_assert_true (cercle_sync_conflict_keep_mine (f->db, conflicts->pdata[0], &error));
  g_assert_no_error (error);

  g_assert_cmpuint (cercle_sync_store_count_conflicts (f->db), ==, 0);
  g_assert_cmpuint (care_test_count (f->db, "SELECT count(*) FROM outbox"), ==, 1);
  g_assert_cmpuint (care_test_count (f->db, "SELECT count(*) FROM outbox WHERE state = 'pending'"
                                             " AND resource_type = 'Patient' AND resource_id = 'pat-jeanne'"
                                             " AND patient_id = 'pat-jeanne' AND method = 'PUT'"), ==, 1);
  body_text = query_text (f->db, "SELECT body FROM outbox");
  body = json_from_string (body_text, &error);
  g_assert_no_error (error);
  sent = json_node_get_object (body);
  /* on top of the server's version: the engine's If-Match is "3" */
  g_assert_cmpstr (cercle_fhir_get_string (cercle_fhir_get_object (sent, "meta"), "versionId"), ==, "3");
  g_assert_nonnull (strstr (body_text, "06 11 22 33 44"));
  g_assert_cmpuint (cercle_store_get_sync_state (f->db, "Patient", "pat-jeanne", NULL), ==, CERCLE_SYNC_STATE_PENDING);

  stored = cercle_patient_repo_get (f->db, "pat-jeanne", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cercle_patient_get_phone (stored), ==, "06 11 22 33 44");
  g_assert_cmpstr (cercle_patient_get_version_id (stored), ==, "3");

  /* chosen already (another window, the CLI): a clear error, nothing changes */
  g_assert_false (cercle_sync_conflict_keep_server (f->db, conflicts->pdata[0], &error));
  g_assert_error (error, CERCLE_DB_ERROR, CERCLE_DB_ERROR_NOT_FOUND);
  g_assert_cmpuint (care_test_count (f->db, "SELECT count(*) FROM outbox WHERE state = 'pending'"), ==, 1);
  g_clear_object (&stored);
  stored = cercle_patient_repo_get (f->db, "pat-jeanne", NULL);
  g_assert_cmpstr (cercle_patient_get_phone (stored), ==, "06 11 22 33 44");
}

static void
test_keep_server_patient (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) conflicts = NULL;
  g_autoptr(CerclePatient) stored = NULL;

  seed_phone_conflict (f);
  conflicts = cercle_sync_conflict_list_for_patient (f->db, "pat-jeanne", &error);
  g_assert_true (cercle_sync_conflict_keep_server (f->db, conflicts->pdata[0], &error));
  g_assert_no_error (error);

  g_assert_cmpuint (cercle_sync_store_count_conflicts (f->db), ==, 0);
  g_assert_cmpuint (care_test_count (f->db, "SELECT count(*) FROM outbox"), ==, 0);
  g_assert_cmpuint (cercle_store_get_sync_state (f->db, "Patient", "pat-jeanne", NULL), ==, CERCLE_SYNC_STATE_SENT);
  stored = cercle_patient_repo_get (f->db, "pat-jeanne", &error);
  g_assert_cmpstr (cercle_patient_get_phone (stored), ==, "07 55 66 77 88");
  g_assert_cmpstr (cercle_patient_get_version_id (stored), ==, "3");
}

/* A server version libcercle cannot read: the choice fails as a whole. */
static void
test_keep_server_is_atomic (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) conflicts = NULL;
  g_autofree char *local = patient_json (f->jeanne, "06 11 22 33 44", "2");
  g_autoptr(CerclePatient) stored = NULL;

  seed_conflict (f->db, "Patient", "pat-jeanne", "pat-jeanne", local,
                 "{\"resourceType\":\"Patient\",\"id\":\"pat-jeanne\",\"meta\":{\"versionId\":\"3\"},"
                 "\"birthDate\":\"pas une date\"}");
  conflicts = cercle_sync_conflict_list_for_patient (f->db, "pat-jeanne", &error);
  g_assert_false (cercle_sync_conflict_keep_server (f->db, conflicts->pdata[0], &error));
  g_assert_nonnull (error);
  g_assert_cmpuint (cercle_sync_store_count_conflicts (f->db), ==, 1);
  g_assert_cmpuint (care_test_count (f->db, "SELECT count(*) FROM outbox WHERE state = 'refused'"), ==, 1);
  stored = cercle_patient_repo_get (f->db, "pat-jeanne", NULL);
  g_assert_null (cercle_patient_get_phone (stored));
}

static char *
care_team_json (const char *version,
                ...)
{
  g_autoptr(GPtrArray) members = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(JsonObject) team = NULL;
  const char *id;
  va_list args;

  va_start (args, version);
  while ((id = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (members, cercle_care_team_member_new ("Practitioner", id, va_arg (args, const char *), "infirmier"));
  va_end (args);
  team = cercle_care_team_to_fhir ("pat-jeanne", members);
  if (version)
    {
      JsonObject *meta = json_object_new ();

      json_object_set_string_member (meta, "versionId", version);
      json_object_set_string_member (meta, "lastUpdated", "2026-12-06T20:00:00Z");
      json_object_set_object_member (team, "meta", meta);
    }
  return to_json (team);
}

static void
test_care_team (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) conflicts = NULL;
  g_autofree char *team_id = cercle_care_team_id_for_patient ("pat-jeanne");
  g_autofree char *local = care_team_json ("4", "pr-bernard", "Claire Bernard", "pr-roux", "Luc Roux", NULL);
  g_autofree char *server = care_team_json ("5", "pr-bernard", "Claire Bernard", "pr-petit", "Anne Petit", NULL);
  g_autofree char *all = NULL;
  g_autofree char *row = NULL;
  g_autofree char *version = NULL;
  g_auto(GStrv) lines = NULL;

  g_assert_true (cercle_store_resource_put (f->db, "CareTeam", team_id, "pat-jeanne", "Practitioner/pr-bernard",
                                            local, NULL, NULL, &error));
  seed_conflict (f->db, "CareTeam", team_id, "pat-jeanne", local, server);

  conflicts = cercle_sync_conflict_list_for_patient (f->db, "pat-jeanne", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (conflicts->len, ==, 1);
  lines = cercle_sync_conflict_dup_differences (conflicts->pdata[0]);
  all = g_strjoinv ("\n", lines);
  g_assert_cmpuint (g_strv_length (lines), ==, 2);
  g_assert_nonnull (strstr (lines[0], "Luc Roux"));
  g_assert_nonnull (strstr (lines[1], "Anne Petit"));
  g_assert_null (strstr (all, "Claire Bernard"));

  /* « Garder la version du serveur »: the row is the server's, at its version */
  g_assert_true (cercle_sync_conflict_keep_server (f->db, conflicts->pdata[0], &error));
  g_assert_no_error (error);
  row = query_text (f->db, "SELECT json FROM resource WHERE type = 'CareTeam'");
  version = query_text (f->db, "SELECT version_id FROM resource WHERE type = 'CareTeam'");
  g_assert_nonnull (strstr (row, "Anne Petit"));
  g_assert_null (strstr (row, "Luc Roux"));
  g_assert_cmpstr (version, ==, "5");
  g_assert_cmpuint (care_test_count (f->db, "SELECT count(*) FROM outbox"), ==, 0);
  g_assert_cmpuint (cercle_sync_store_count_conflicts (f->db), ==, 0);
  g_clear_pointer (&row, g_free);
  g_clear_pointer (&version, g_free);
  g_clear_pointer (&conflicts, g_ptr_array_unref);

  /* the same edit refused again; this time « Garder ma version » */
  seed_conflict (f->db, "CareTeam", team_id, "pat-jeanne", local, server);
  conflicts = cercle_sync_conflict_list_for_patient (f->db, "pat-jeanne", &error);
  g_assert_true (cercle_sync_conflict_keep_mine (f->db, conflicts->pdata[0], &error));
  g_assert_no_error (error);
  row = query_text (f->db, "SELECT json FROM resource WHERE type = 'CareTeam'");
  version = query_text (f->db, "SELECT version_id FROM resource WHERE type = 'CareTeam'");
  g_assert_nonnull (strstr (row, "Luc Roux"));
  g_assert_null (version);   /* a local change the server does not have yet */
  g_assert_nonnull (strstr (row, "\"versionId\":\"5\""));
  g_assert_cmpuint (care_test_count (f->db, "SELECT count(*) FROM outbox WHERE state = 'pending'"
                                             " AND resource_type = 'CareTeam' AND body LIKE '%\"versionId\":\"5\"%'"), ==, 1);
  g_assert_cmpuint (care_test_count (f->db, "SELECT count(*) FROM outbox"), ==, 1);
  g_assert_cmpuint (cercle_sync_store_count_conflicts (f->db), ==, 0);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, fn) \
  g_test_add (path, Fixture, "sync-conflict", care_test_fixture_set_up, fn, care_test_fixture_tear_down)
  ADD ("/sync-conflict/list", test_list);
  ADD ("/sync-conflict/keep-mine/patient", test_keep_mine_patient);
  ADD ("/sync-conflict/keep-server/patient", test_keep_server_patient);
  ADD ("/sync-conflict/keep-server/atomic", test_keep_server_is_atomic);
  ADD ("/sync-conflict/care-team", test_care_team);
#undef ADD

  return g_test_run ();
}
