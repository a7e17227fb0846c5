/* test-care-team.c — the care circle in a real SQLite store
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <sys/wait.h>

#include "cercle-care-team-repo.h"
#include "cercle-fhir.h"
#include "cercle-note-repo.h"
#include "cercle-professional.h"
#include "cercle-test-care.h"

typedef CareTestFixture Fixture;

static CercleCareTeamMember *
find (GPtrArray *members, const char *id, const char *role)
{
  for (guint i = 0; i < members->len; i++)
    {
      CercleCareTeamMember *m = g_ptr_array_index (members, i);

      if (g_strcmp0 (cercle_care_team_member_get_member_id (m), id) == 0
          && g_strcmp0 (cercle_care_team_member_get_role_code (m), role) == 0)
        return m;
    }
  return NULL;
}

static void
test_add_and_end (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CercleCareTeamMember) martin = NULL;
  g_autoptr(CercleCareTeamMember) dehors = NULL;
  g_autoptr(CercleCareTeamMember) ssiad = NULL;
  g_autoptr(CercleCareTeamMember) again = NULL;
  g_autoptr(GPtrArray) members = NULL;
  g_autofree char *today = cercle_care_team_today ();
  CercleCareTeamMember *m;

  members = cercle_care_team_repo_get_members (f->db, "pat-jeanne", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (members->len, ==, 0);
  g_clear_pointer (&members, g_ptr_array_unref);

  martin = cercle_care_team_member_new ("Practitioner", "pract-martin-paul", "Dr Paul Martin", "medecin-traitant");
  g_assert_true (cercle_care_team_repo_add_member (f->db, "pat-jeanne", martin, &error));
  g_assert_no_error (error);
  /* Started today when no date is given. */
  g_assert_cmpstr (cercle_care_team_member_get_start (martin), ==, today);
  g_assert_cmpuint (care_test_count (f->db, "SELECT count(*) FROM outbox WHERE resource_type = 'CareTeam'"
                                            " AND resource_id = 'ct-pat-jeanne' AND patient_id = 'pat-jeanne'"),
                    ==, 1);

  /* One médecin traitant at a time. */
  dehors = cercle_care_team_member_new ("Practitioner", "pract-dehors-luc", "Dr Luc Dehors", "medecin-traitant");
  g_assert_false (cercle_care_team_repo_add_member (f->db, "pat-jeanne", dehors, &error));
  g_assert_error (error, CERCLE_CARE_ERROR, CERCLE_CARE_ERROR_CONFLICT);
  g_assert_nonnull (strstr (error->message, "Dr Paul Martin"));
  g_clear_error (&error);
  g_assert_cmpuint (care_test_count (f->db, "SELECT count(*) FROM outbox"), ==, 1);

  /* The same member twice in the same role. */
  again = cercle_care_team_member_new ("Practitioner", "pract-martin-paul", "Dr Paul Martin", "medecin-traitant");
  g_assert_false (cercle_care_team_repo_add_member (f->db, "pat-jeanne", again, &error));
  g_assert_error (error, CERCLE_CARE_ERROR, CERCLE_CARE_ERROR_CONFLICT);
  g_clear_error (&error);

  /* A structure cannot hold a professional's role. */
  ssiad = cercle_care_team_member_new ("Organization", "org-770000001", "SSIAD de Melun", "infirmier");
  g_assert_false (cercle_care_team_repo_add_member (f->db, "pat-jeanne", ssiad, &error));
  g_assert_error (error, CERCLE_CARE_ERROR, CERCLE_CARE_ERROR_INVALID);
  g_clear_error (&error);
  g_object_set (ssiad, "role-code", "ssiad", NULL);
  g_assert_true (cercle_care_team_repo_add_member (f->db, "pat-jeanne", ssiad, &error));
  g_assert_no_error (error);

  /* Ending: not before the start; then the end date is set and kept. */
  g_assert_false (cercle_care_team_repo_end_member (f->db, "pat-jeanne", martin, "2000-01-01", &error));
  g_assert_error (error, CERCLE_CARE_ERROR, CERCLE_CARE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_true (cercle_care_team_repo_end_member (f->db, "pat-jeanne", martin, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (cercle_care_team_repo_end_member (f->db, "pat-jeanne", martin, NULL, &error));
  g_assert_error (error, CERCLE_CARE_ERROR, CERCLE_CARE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  members = cercle_care_team_repo_get_members (f->db, "pat-jeanne", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (members->len, ==, 2);
  m = find (members, "pract-martin-paul", "medecin-traitant");
  g_assert_nonnull (m);
  g_assert_cmpstr (cercle_care_team_member_get_end (m), ==, today);
  m = find (members, "org-770000001", "ssiad");
  g_assert_nonnull (m);
  g_assert_null (cercle_care_team_member_get_end (m));

  /* With Martin gone, Dehors may become the médecin traitant. */
  g_assert_true (cercle_care_team_repo_add_member (f->db, "pat-jeanne", dehors, &error));
  g_assert_no_error (error);
  /* Every change queued, in order. */
  g_assert_cmpuint (care_test_count (f->db, "SELECT count(*) FROM outbox WHERE resource_type = 'CareTeam'"), ==, 4);
}

static void
test_relative (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CercleCareTeamMember) claire = NULL;
  g_autoptr(GPtrArray) members = NULL;
  g_autoptr(JsonNode) bundle = NULL;
  sqlite3_stmt *stmt;
  JsonArray *entries;

  /* A bad phone number: nothing written. */
  g_assert_null (cercle_care_team_repo_add_relative (f->db, "pat-jeanne", "Durand", "Claire", "01 23",
                                                     "aidant", &error));
  g_assert_error (error, CERCLE_CARE_ERROR, CERCLE_CARE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (cercle_care_team_repo_add_relative (f->db, "pat-jeanne", "  ", "Claire", NULL, "aidant", &error));
  g_assert_error (error, CERCLE_CARE_ERROR, CERCLE_CARE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (cercle_care_team_repo_add_relative (f->db, "pat-jeanne", "Durand", "Claire", NULL, "infirmier",
                                                     &error));
  g_assert_error (error, CERCLE_CARE_ERROR, CERCLE_CARE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_cmpuint (care_test_count (f->db, "SELECT count(*) FROM resource"), ==, 0);
  g_assert_cmpuint (care_test_count (f->db, "SELECT count(*) FROM outbox"), ==, 0);

  claire = cercle_care_team_repo_add_relative (f->db, "pat-jeanne", "Durand", "Claire", "06 12 34 56 78",
                                               "personne-de-confiance", &error);
  g_assert_no_error (error);
  g_assert_nonnull (claire);
  g_assert_cmpstr (cercle_care_team_member_get_member_type (claire), ==, "RelatedPerson");
  g_assert_cmpstr (cercle_care_team_member_get_display (claire), ==, "Claire Durand");

  g_assert_cmpuint (care_test_count (f->db, "SELECT count(*) FROM resource WHERE type = 'RelatedPerson'"
                                            " AND patient_id = 'pat-jeanne' AND json LIKE '%0612345678%'"), ==, 1);
  /* One change spanning two resources: one Bundle in the outbox. */
  g_assert_cmpuint (care_test_count (f->db, "SELECT count(*) FROM outbox"), ==, 1);
  stmt = cercle_db_prepare (f->db, "SELECT body FROM outbox WHERE resource_type = 'Bundle' AND method = 'POST'",
                            NULL);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  bundle = json_from_string ((const char *) sqlite3_column_text (stmt, 0), &error);
  sqlite3_reset (stmt);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (bundle), "type"), ==, "transaction");
  entries = json_object_get_array_member (json_node_get_object (bundle), "entry");
  g_assert_cmpuint (json_array_get_length (entries), ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      JsonObject *request = json_object_get_object_member (json_array_get_object_element (entries, i), "request");
      g_assert_cmpstr (json_object_get_string_member (request, "method"), ==, "PUT");
    }

  members = cercle_care_team_repo_get_members (f->db, "pat-jeanne", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (members->len, ==, 1);
  g_assert_cmpstr (cercle_care_team_member_get_role_code (g_ptr_array_index (members, 0)), ==,
                   "personne-de-confiance");
}

static void
put_practitioner (Fixture *f, const char *id, const char *rpps, const char *family, const char *given)
{
  g_autoptr(CercleProfessional) pro = cercle_professional_new (id, rpps, family, given, "medecin");
  g_autoptr(JsonObject) fhir = cercle_professional_to_fhir (pro);
  g_autofree char *json = cercle_fhir_to_string (fhir);

  g_assert_true (cercle_store_resource_put (f->db, "Practitioner", id, NULL, NULL, json, "1", NULL, NULL));
}

static void
test_search_practitioners (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GListModel) found = NULL;
  g_autoptr(CercleProfessional) first = NULL;

  put_practitioner (f, "pract-martin-paul", "10001234567", "Martin", "Paul");
  put_practitioner (f, "pract-lefevre-claire", "10009876543", "Lefèvre", "Claire");
  put_practitioner (f, "pract-martinez-ana", "10005555555", "Martinez", "Ana");

  found = cercle_care_team_repo_search_practitioners (f->db, "LEFEV", 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (found), ==, 1);
  g_clear_object (&found);

  found = cercle_care_team_repo_search_practitioners (f->db, "mart", 0, &error);
  g_assert_cmpuint (g_list_model_get_n_items (found), ==, 2);
  first = g_list_model_get_item (found, 0);
  g_assert_cmpstr (cercle_professional_get_id (first), ==, "pract-martin-paul");
  g_clear_object (&found);

  found = cercle_care_team_repo_search_practitioners (f->db, "paul mart", 0, &error);
  g_assert_cmpuint (g_list_model_get_n_items (found), ==, 1);
  g_clear_object (&found);

  found = cercle_care_team_repo_search_practitioners (f->db, "1000987", 0, &error);
  g_assert_cmpuint (g_list_model_get_n_items (found), ==, 1);
  g_clear_object (&found);

  found = cercle_care_team_repo_search_practitioners (f->db, "zzz", 0, &error);
  g_assert_cmpuint (g_list_model_get_n_items (found), ==, 0);
}

/* Everything the circle and the notes put in the outbox is FHIR R4 that
 * the official schema accepts: CareTeam, RelatedPerson in its transaction
 * Bundle, Communication and its correction. */
static void
test_outbox_validates (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CercleCareTeamMember) gp = NULL;
  g_autoptr(CercleCareTeamMember) relative = NULL;
  g_autoptr(CercleNote) note = NULL;
  g_autoptr(CercleNote) fix = NULL;
  g_autoptr(GString) ndjson = g_string_new (NULL);
  g_autofree char *file = g_strconcat (f->path, ".ndjson", NULL);
  g_autofree char *script = g_build_filename (g_getenv ("CERCLE_SOURCE_DIR"), "tests", "fhir-validate.py", NULL);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  const char *python = g_getenv ("PYTHON3") ? g_getenv ("PYTHON3") : "python3";
  sqlite3_stmt *stmt;
  int status = -1;
  guint n = 0;

  g_assert_true (cercle_store_set_account (f->db, "http://127.0.0.1:1", "dr.martin", "Practitioner/pract-martin-paul",
                                           NULL, "Dr Paul Martin", &error));
  gp = cercle_care_team_member_new ("Practitioner", "pract-martin-paul", "Dr Paul Martin", "medecin-traitant");
  g_assert_true (cercle_care_team_repo_add_member (f->db, "pat-jeanne", gp, &error));
  relative = cercle_care_team_repo_add_relative (f->db, "pat-jeanne", "Durand", "Claire", "+33 6 12 34 56 78",
                                                 "aidant", &error);
  g_assert_no_error (error);
  g_assert_true (cercle_care_team_repo_end_member (f->db, "pat-jeanne", relative, NULL, &error));
  note = cercle_note_repo_write (f->db, "pat-jeanne", "compte-rendu", "Consultation : « RAS », tension 13/8.", &error);
  g_assert_no_error (error);
  fix = cercle_note_repo_correct (f->db, cercle_note_get_id (note), "Consultation : tension 14/8.", &error);
  g_assert_no_error (error);

  stmt = cercle_db_prepare (f->db, "SELECT body FROM outbox ORDER BY seq", NULL);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      g_string_append_printf (ndjson, "%s\n", (const char *) sqlite3_column_text (stmt, 0));
      n++;
    }
  sqlite3_reset (stmt);
  g_assert_cmpuint (n, ==, 5);
  g_assert_true (g_file_set_contents (file, ndjson->str, -1, NULL));
  {
    const char *argv[] = { python, script, file, NULL };
    g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err,
                                 &status, &error));
  }
  g_assert_no_error (error);
  if (err && *err)
    g_test_message ("%s", err);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 0);
  g_unlink (file);
}

/* The team the server made: the creator (no role) is kept, our PUT goes to
 * the server's id; and before any sync, the creator is put in the team we
 * send, as the server would, so that nobody loses the patient they made. */
static void
test_server_team (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CercleCareTeamMember) nurse = NULL;
  g_autoptr(CercleCareTeamMember) ssiad = NULL;
  g_autoptr(JsonObject) body = NULL;
  g_autoptr(GPtrArray) members = NULL;
  sqlite3_stmt *stmt;
  JsonArray *participants;
  const char *server_team =
    "{\"resourceType\":\"CareTeam\",\"id\":\"ct-4b1d\",\"status\":\"active\","
    "\"subject\":{\"reference\":\"Patient/pat-jeanne\"},"
    "\"participant\":[{\"member\":{\"reference\":\"Practitioner/pract-martin-paul\",\"display\":\"Dr Paul Martin\"},"
    "\"period\":{\"start\":\"2026-12-01T10:00:00Z\"}}]}";

  g_assert_true (cercle_store_set_account (f->db, "http://127.0.0.1:1", "dr.martin", "Practitioner/pract-martin-paul",
                                           NULL, "Dr Paul Martin", &error));
  nurse = cercle_care_team_member_new ("Practitioner", "pract-bernard-sophie", "Sophie Bernard", "infirmier");
  g_assert_true (cercle_care_team_repo_add_member (f->db, "pat-jeanne", nurse, &error));
  g_assert_no_error (error);
  stmt = cercle_db_prepare (f->db, "SELECT body FROM outbox WHERE resource_type = 'CareTeam' ORDER BY seq DESC", NULL);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  body = cercle_fhir_parse ((const char *) sqlite3_column_text (stmt, 0), -1, &error);
  sqlite3_reset (stmt);
  g_assert_no_error (error);
  participants = cercle_fhir_get_array (body, "participant");
  g_assert_cmpuint (json_array_get_length (participants), ==, 2);
  g_assert_nonnull (strstr (cercle_fhir_to_string (body), "Practitioner/pract-martin-paul"));
  g_clear_pointer (&body, json_object_unref);

  /* Then the server's own team comes down, under an id of its choosing. */
  g_assert_true (cercle_db_exec (f->db, "DELETE FROM outbox; DELETE FROM resource", NULL));
  g_assert_true (cercle_store_resource_put (f->db, "CareTeam", "ct-4b1d", "pat-jeanne", "Practitioner/pract-martin-paul",
                                            server_team, "1", "2026-12-01T10:00:00Z", &error));
  members = cercle_care_team_repo_get_members (f->db, "pat-jeanne", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (members->len, ==, 1);
  g_assert_null (cercle_care_team_member_get_role_code (g_ptr_array_index (members, 0)));

  ssiad = cercle_care_team_member_new ("Organization", "org-770000001", "SSIAD de Melun", "ssiad");
  g_assert_true (cercle_care_team_repo_add_member (f->db, "pat-jeanne", ssiad, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (care_test_count (f->db, "SELECT count(*) FROM outbox WHERE resource_id = 'ct-4b1d'"), ==, 1);
  g_assert_cmpuint (care_test_count (f->db, "SELECT count(*) FROM resource WHERE type = 'CareTeam'"), ==, 1);
  stmt = cercle_db_prepare (f->db, "SELECT body FROM outbox WHERE resource_id = 'ct-4b1d'", NULL);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  body = cercle_fhir_parse ((const char *) sqlite3_column_text (stmt, 0), -1, &error);
  sqlite3_reset (stmt);
  g_assert_no_error (error);
  participants = cercle_fhir_get_array (body, "participant");
  g_assert_cmpuint (json_array_get_length (participants), ==, 2);
  /* The creator stays as the server wrote it: no made-up role. */
  g_assert_false (json_object_has_member (json_array_get_object_element (participants, 0), "role"));
  g_assert_true (json_object_has_member (json_array_get_object_element (participants, 1), "role"));
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, fn) \
  g_test_add (path, Fixture, "care-team", care_test_fixture_set_up, fn, care_test_fixture_tear_down)
  ADD ("/care-team/add-and-end", test_add_and_end);
  ADD ("/care-team/relative", test_relative);
  ADD ("/care-team/search-practitioners", test_search_practitioners);
  ADD ("/care-team/outbox-validates", test_outbox_validates);
  ADD ("/care-team/server-team", test_server_team);
  return g_test_run ();
}
