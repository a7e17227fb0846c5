/* test-referral-repo.c — discharge referrals in a real local store
 *
 * A real SQLite file seeded with the demo data the way the sync writes
 * what it pulls; drafts, sending (one outbox Bundle, the resources' local
 * copies), the actions of both sides checked with the referral rules, and
 * the lists of « Orientations » and « Demandes reçues ».
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>
#include <sys/wait.h>

#include "cercle-destination.h"
#include "cercle-note-repo.h"
#include "cercle-referral.h"
#include "cercle-referral-repo.h"
#include "referral-seed.h"

#define SSIAD_FINESS "770999209"
#define HAD_FINESS   "770999407"
#define SMR_FINESS   "770999308"

typedef struct {
  char     *path;
  CercleDb *db;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  static guint counter;

  f->path = g_strdup_printf ("%s/referral-repo-%u.db", g_getenv ("CERCLE_TEST_TMPDIR") ? g_getenv ("CERCLE_TEST_TMPDIR")
                                                                                      : g_get_tmp_dir (), counter++);
  g_unlink (f->path);
  f->db = cercle_store_open (f->path, &error);
  g_assert_no_error (error);
  seed_demo (f->db, FALSE);
  seed_account (f->db, "sortie.melun");
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->db);
  g_free (f->path);
}

static gint64
count (CercleDb   *db,
       const char *sql)
{
  sqlite3_stmt *stmt = cercle_db_prepare (db, sql, NULL);
  gint64 n;

  g_assert_nonnull (stmt);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  n = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return n;
}

static char *
query_text (CercleDb   *db,
            const char *sql)
{
  sqlite3_stmt *stmt = cercle_db_prepare (db, sql, NULL);
  char *text = NULL;

  g_assert_nonnull (stmt);
  if (sqlite3_step (stmt) == SQLITE_ROW && sqlite3_column_text (stmt, 0))
    text = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);
  return text;
}

static void
fill_complete (CercleReferralDraft *draft)
{
  cercle_referral_draft_set_orientation_type (draft, "SSIAD");
  cercle_referral_draft_set_field (draft, "reason", "Retour à domicile après fracture du col");
  cercle_referral_draft_set_field (draft, "treatments", "Paracétamol, enoxaparine");
  cercle_referral_draft_set_field (draft, "gir", "3");
  cercle_referral_draft_set_field (draft, "nursing", "Soins d’hygiène, injections");
  cercle_referral_draft_set_field (draft, "living", "Vit seule, appartement 2e étage");
  cercle_referral_draft_set_wished_date (draft, "2026-12-20");
  cercle_referral_draft_add_destination (draft, SSIAD_FINESS, "SSIAD de Melun (fictif)", "354", 0.4, TRUE);
  cercle_referral_draft_add_destination (draft, HAD_FINESS, "HAD de Melun (fictif)", "127", 0.5, TRUE);
  cercle_referral_draft_add_destination (draft, "770900017", "SSIAD du Val de Seine", "354", 6.2, FALSE);
}

static int
validate_fhir (const char *json)
{
  g_autofree char *dir = g_dir_make_tmp ("referral-fhir-XXXXXX", NULL);
  g_autofree char *file = g_build_filename (dir, "bundle.json", NULL);
  g_autofree char *script = g_build_filename (g_getenv ("CERCLE_SOURCE_DIR"), "tests", "fhir-validate.py", NULL);
  const char *python = g_getenv ("PYTHON3") ? g_getenv ("PYTHON3") : "python3";
  const char *argv[] = { python, script, file, NULL };
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(GError) error = NULL;
  int status = -1;

  g_assert_true (g_file_set_contents (file, json, -1, NULL));
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err, &status,
                               &error));
  g_assert_no_error (error);
  if (out && *out)
    g_test_message ("%s", out);
  if (err && *err)
    g_test_message ("%s", err);
  g_unlink (file);
  g_rmdir (dir);
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

/* Pre-filled from the file, saved as typed, there again after a "crash"
 * (another connection reads it), never queued. */
static void
test_draft (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CercleReferralDraft) draft = NULL;
  g_autoptr(CercleReferralDraft) again = NULL;
  g_autoptr(CercleDb) other = NULL;
  g_autoptr(GPtrArray) drafts = NULL;
  g_auto(GStrv) missing = NULL;
  g_autofree char *blocker = NULL;

  draft = cercle_referral_repo_new_draft (f->db, CERCLE_DEMO_PAT_DURAND, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (cercle_referral_draft_get_field (draft, "identity"), "DURAND"));
  g_assert_nonnull (cercle_referral_draft_get_field (draft, "address"));
  g_assert_cmpstr (cercle_referral_draft_get_field (draft, "gp"), ==, "Dr Paul Martin");
  g_assert_nonnull (strstr (cercle_referral_draft_get_field (draft, "relatives"), "Claire Durand"));
  g_assert_nonnull (cercle_referral_draft_get_commune_code (draft));
  g_assert_true (cercle_referral_draft_is_section_complete (draft, CERCLE_REFERRAL_SECTION_ADMINISTRATIVE));

  missing = cercle_referral_draft_get_missing (draft, CERCLE_REFERRAL_SECTION_MEDICAL);
  g_assert_cmpuint (g_strv_length (missing), ==, 3);
  blocker = cercle_referral_draft_dup_blocker (draft);
  g_assert_nonnull (blocker);
  g_assert_nonnull (strstr (blocker, "type of orientation"));

  cercle_referral_draft_set_orientation_type (draft, "SMR");
  cercle_referral_draft_set_field (draft, "reason", "Rééducation après fracture");
  cercle_referral_draft_add_destination (draft, SMR_FINESS, "SMR de Coubert (fictif)", "109", 14.0, FALSE);
  g_assert_true (cercle_referral_repo_save_draft (f->db, draft, &error));
  g_assert_no_error (error);

  /* Another connection, as after a crash of the app. */
  other = cercle_store_open (f->path, &error);
  g_assert_no_error (error);
  again = cercle_referral_repo_get_draft (other, cercle_referral_draft_get_id (draft), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cercle_referral_draft_get_orientation_type (again), ==, "SMR");
  g_assert_cmpstr (cercle_referral_draft_get_field (again, "reason"), ==, "Rééducation après fracture");
  g_assert_cmpuint (cercle_referral_draft_get_n_destinations (again), ==, 1);
  g_assert_cmpstr (cercle_referral_draft_get_destination (again, 0)->finess, ==, SMR_FINESS);
  drafts = cercle_referral_repo_list_drafts (other, CERCLE_DEMO_PAT_DURAND, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (drafts->len, ==, 1);
  /* « Orientations » lists it, as a draft. */
  {
    g_autoptr(GListModel) listed = cercle_referral_repo_list_dossiers (other, CERCLE_DOSSIER_FILTER_ALL, &error);
    g_autoptr(CercleDossier) first = NULL;
    g_autofree char *label = NULL;

    g_assert_no_error (error);
    g_assert_cmpuint (g_list_model_get_n_items (listed), ==, 1);
    first = g_list_model_get_item (listed, 0);
    g_assert_cmpstr (cercle_dossier_get_status (first), ==, "draft");
    g_assert_cmpstr (cercle_dossier_get_referral_id (first), ==, cercle_referral_draft_get_id (draft));
    label = cercle_dossier_dup_destination_label (cercle_dossier_get_destination (first, 0));
    g_assert_cmpstr (label, ==, "Draft");
  }

  /* A draft is the user's own: nothing for the server. */
  g_assert_cmpint (count (f->db, "SELECT count(*) FROM outbox"), ==, 0);
  g_assert_cmpint (count (f->db, "SELECT count(*) FROM resource WHERE type IN ('ServiceRequest', 'Task')"), ==, 0);

  /* Changing the type forgets structures of the former one. */
  cercle_referral_draft_set_orientation_type (again, "HAD");
  g_assert_cmpuint (cercle_referral_draft_get_n_destinations (again), ==, 0);

  /* Losing the patient's file loses the draft. */
  g_assert_true (cercle_store_forget_patient (f->db, CERCLE_DEMO_PAT_DURAND, &error));
  g_assert_no_error (error);
  g_assert_cmpint (count (f->db, "SELECT count(*) FROM referral_draft"), ==, 0);
}

static char *
send_durand (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CercleReferralDraft) draft = cercle_referral_repo_new_draft (f->db, CERCLE_DEMO_PAT_DURAND, &error);

  g_assert_no_error (error);
  fill_complete (draft);
  g_assert_null (cercle_referral_draft_dup_blocker (draft));
  g_assert_true (cercle_referral_repo_send (f->db, draft, 48, &error));
  g_assert_no_error (error);
  return g_strdup (cercle_referral_draft_get_id (draft));
}

static void
test_send (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = send_durand (f);
  g_autofree char *body = NULL;
  g_autofree char *sql = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GListModel) dossiers = NULL;
  g_autoptr(CercleDossier) dossier = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  JsonArray *entries;
  guint owners_found = 0;

  /* ONE outbox row: a transaction Bundle of PUTs with the client's ids. */
  g_assert_cmpint (count (f->db, "SELECT count(*) FROM outbox"), ==, 1);
  sql = g_strdup_printf ("SELECT body FROM outbox WHERE resource_type = 'Bundle' AND method = 'POST'"
                         " AND resource_id = '%s' AND patient_id = '%s'", id, CERCLE_DEMO_PAT_DURAND);
  body = query_text (f->db, sql);
  g_assert_nonnull (body);
  root = json_from_string (body, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cercle_fhir_get_string (json_node_get_object (root), "type"), ==, "transaction");
  entries = cercle_fhir_get_array (json_node_get_object (root), "entry");
  g_assert_cmpuint (json_array_get_length (entries), ==, 4);
  for (guint i = 0; i < 4; i++)
    {
      JsonObject *entry = cercle_fhir_array_get_object (entries, i);
      JsonObject *resource = cercle_fhir_get_object (entry, "resource");
      JsonObject *request = cercle_fhir_get_object (entry, "request");
      g_autofree char *url = g_strdup_printf ("%s/%s", cercle_fhir_get_string (resource, "resourceType"),
                                              cercle_fhir_get_string (resource, "id"));

      g_assert_cmpstr (cercle_fhir_get_string (request, "method"), ==, "PUT");
      g_assert_cmpstr (cercle_fhir_get_string (request, "url"), ==, url);
      if (i == 0)
        {
          g_autoptr(CercleReferral) referral = cercle_referral_new_from_fhir (resource, &error);

          g_assert_no_error (error);
          g_assert_cmpstr (cercle_referral_get_id (referral), ==, id);
          g_assert_cmpstr (cercle_referral_get_status (referral), ==, "active");
          g_assert_true (cercle_referral_is_complete (referral, NULL));
          g_assert_cmpuint (g_strv_length ((GStrv) cercle_referral_get_destination_ids (referral)), ==, 3);
        }
      else
        {
          g_autoptr(CercleDestination) d = cercle_destination_new_from_fhir (resource, &error);
          g_autoptr(GDateTime) end = NULL;
          GTimeSpan ahead;

          g_assert_no_error (error);
          g_assert_cmpstr (cercle_destination_get_status (d), ==, "requested");
          g_assert_cmpstr (cercle_destination_get_business_status (d), ==, "non-lue");
          g_assert_cmpstr (cercle_destination_get_referral_id (d), ==, id);
          g_assert_cmpstr (cercle_destination_get_requester_id (d), ==, CERCLE_DEMO_PRACT_SORTIE);
          /* The server's Organizations are found by FINESS; the one the
           * store lacks gets the demo directory's id. */
          if (g_str_equal (cercle_destination_get_owner_id (d), CERCLE_DEMO_ORG_SSIAD_MELUN)
              || g_str_equal (cercle_destination_get_owner_id (d), CERCLE_DEMO_ORG_HAD_MELUN))
            owners_found++;
          else
            g_assert_cmpstr (cercle_destination_get_owner_id (d), ==, "demo-770900017");
          end = cercle_fhir_parse_date_time (cercle_fhir_get_string (cercle_fhir_get_object (
                                               cercle_fhir_get_object (resource, "restriction"), "period"), "end"));
          g_assert_nonnull (end);
          ahead = g_date_time_difference (end, now);
          g_assert_cmpint (ahead, >, 47 * G_TIME_SPAN_HOUR);
          g_assert_cmpint (ahead, <=, 48 * G_TIME_SPAN_HOUR + G_TIME_SPAN_MINUTE);
        }
    }
  g_assert_cmpuint (owners_found, ==, 2);
  g_assert_cmpint (validate_fhir (body), ==, 0);

  /* The local copies, not yet on the server; the draft is gone. */
  g_assert_cmpint (count (f->db, "SELECT count(*) FROM resource WHERE type = 'ServiceRequest' AND version_id IS NULL"),
                   ==, 1);
  g_assert_cmpint (count (f->db, "SELECT count(*) FROM resource WHERE type = 'Task' AND version_id IS NULL"
                                 " AND patient_id = '" CERCLE_DEMO_PAT_DURAND "'"), ==, 3);
  g_assert_cmpint (count (f->db, "SELECT count(*) FROM referral_draft"), ==, 0);
  g_assert_cmpint (cercle_store_get_sync_state (f->db, "Bundle", id, NULL), ==, CERCLE_SYNC_STATE_PENDING);

  dossiers = cercle_referral_repo_list_dossiers (f->db, CERCLE_DOSSIER_FILTER_ALL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (dossiers), ==, 1);
  dossier = g_list_model_get_item (dossiers, 0);
  g_assert_cmpstr (cercle_dossier_get_referral_id (dossier), ==, id);
  g_assert_nonnull (strstr (cercle_dossier_get_patient_name (dossier), "DURAND"));
  g_assert_cmpuint (cercle_dossier_get_n_destinations (dossier), ==, 3);
  g_assert_cmpint (cercle_dossier_get_sync_state (dossier, NULL), ==, CERCLE_SYNC_STATE_PENDING);
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *label = cercle_dossier_dup_destination_label (cercle_dossier_get_destination (dossier, i));

      g_assert_cmpstr (label, ==, "Waiting to be sent");
      g_assert_nonnull (cercle_dossier_get_destination (dossier, i)->deadline);
    }
}

static void
test_send_incomplete (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CercleReferralDraft) draft = cercle_referral_repo_new_draft (f->db, CERCLE_DEMO_PAT_DURAND, &error);

  g_assert_no_error (error);
  fill_complete (draft);
  cercle_referral_draft_set_field (draft, "gir", "");
  g_assert_false (cercle_referral_repo_send (f->db, draft, 48, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, "edical"));
  g_assert_cmpint (count (f->db, "SELECT count(*) FROM outbox"), ==, 0);
  g_assert_cmpint (count (f->db, "SELECT count(*) FROM resource WHERE type = 'Task'"), ==, 0);

  /* Nobody signed in: nothing sent in nobody's name. */
  g_clear_error (&error);
  cercle_referral_draft_set_field (draft, "gir", "3");
  g_assert_true (cercle_store_clear_account (f->db, &error));
  g_assert_no_error (error);
  g_assert_false (cercle_referral_repo_send (f->db, draft, 48, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED);
  g_assert_cmpint (count (f->db, "SELECT count(*) FROM outbox"), ==, 0);
}

static char *
task_of (CercleDb   *db,
         const char *owner)
{
  g_autofree char *sql = g_strdup_printf ("SELECT id FROM resource WHERE type = 'Task'"
                                          " AND json_extract (json, '$.owner.reference') = 'Organization/%s'", owner);

  return query_text (db, sql);
}

/* What the sync does when the server answers: the new version replaces
 * the local copy and the outbox row is gone. */
static void
server_sets (CercleDb   *db,
             const char *task_id,
             const char *status,
             const char *business)
{
  g_autoptr(JsonObject) task = cercle_referral_repo_get_resource (db, "Task", task_id, NULL);
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *json = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (task);
  json_object_set_string_member (task, "status", status);
  if (business)
    json_object_set_object_member (task, "businessStatus",
                                   cercle_fhir_codeable_concept_new (CERCLE_FHIR_SYSTEM_TASK_BUSINESS_STATUS, business,
                                                                     NULL));
  else
    json_object_remove_member (task, "businessStatus");
  node = json_node_init_object (json_node_alloc (), task);
  json = json_to_string (node, FALSE);
  g_assert_true (cercle_store_resource_put (db, "Task", task_id, CERCLE_DEMO_PAT_DURAND, NULL, json, "2", NULL,
                                            &error));
  g_assert_true (cercle_db_exec (db, "DELETE FROM outbox", &error));
  g_assert_no_error (error);
}

static void
test_desk_actions (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = send_durand (f);
  g_autofree char *ssiad = task_of (f->db, CERCLE_DEMO_ORG_SSIAD_MELUN);
  g_autofree char *had = task_of (f->db, CERCLE_DEMO_ORG_HAD_MELUN);
  g_autofree char *body = NULL;
  g_autoptr(JsonObject) before = NULL;
  g_autoptr(JsonNode) after = NULL;
  g_autoptr(GListModel) received = NULL;
  g_autoptr(CercleDestination) d = NULL;
  JsonNode *ext_before, *ext_after;

  g_assert_nonnull (ssiad);
  server_sets (f->db, ssiad, "received", "lue");
  server_sets (f->db, had, "received", "lue");
  before = cercle_referral_repo_get_resource (f->db, "Task", ssiad, NULL);

  seed_account (f->db, "ssiad.melun");
  received = cercle_referral_repo_list_received (f->db, "Organization/" CERCLE_DEMO_ORG_SSIAD_MELUN, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (received), ==, 1);

  /* A refusal needs its reason; nothing queued without it. */
  g_assert_false (cercle_referral_repo_act (f->db, ssiad, CERCLE_REFERRAL_ACTION_REFUSE, NULL, NULL, NULL, FALSE,
                                            &error));
  g_assert_error (error, CERCLE_REFERRAL_ERROR, CERCLE_REFERRAL_ERROR_REASON_REQUIRED);
  g_clear_error (&error);
  g_assert_cmpint (count (f->db, "SELECT count(*) FROM outbox"), ==, 0);

  /* Another structure's request cannot be answered. */
  g_assert_false (cercle_referral_repo_act (f->db, had, CERCLE_REFERRAL_ACTION_ACCEPT, NULL, NULL, NULL, TRUE,
                                            &error));
  g_assert_error (error, CERCLE_REFERRAL_ERROR, CERCLE_REFERRAL_ERROR_FORBIDDEN_ACTOR);
  g_clear_error (&error);
  /* Nor the requester's moves made. */
  g_assert_false (cercle_referral_repo_act (f->db, ssiad, CERCLE_REFERRAL_ACTION_CONFIRM, NULL, NULL, NULL, FALSE,
                                            &error));
  g_assert_error (error, CERCLE_REFERRAL_ERROR, CERCLE_REFERRAL_ERROR_FORBIDDEN_ACTOR);
  g_clear_error (&error);

  g_assert_true (cercle_referral_repo_act (f->db, ssiad, CERCLE_REFERRAL_ACTION_REFUSE, "hors-zone", NULL, NULL,
                                           FALSE, &error));
  g_assert_no_error (error);
  g_assert_cmpint (count (f->db, "SELECT count(*) FROM outbox WHERE resource_type = 'Task' AND method = 'PUT'"), ==, 1);
  body = query_text (f->db, "SELECT body FROM outbox");
  after = json_from_string (body, &error);
  g_assert_no_error (error);
  d = cercle_destination_new_from_fhir (json_node_get_object (after), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cercle_destination_get_status (d), ==, "rejected");
  g_assert_null (cercle_destination_get_business_status (d));
  g_assert_cmpstr (cercle_destination_get_status_reason (d), ==, "hors-zone");
  /* A desk may change the status and the answer only: the rest (history,
   * deadline) goes back as it came. */
  ext_before = json_object_get_member (before, "extension");
  ext_after = json_object_get_member (json_node_get_object (after), "extension");
  g_assert_true (json_node_equal (ext_before, ext_after));
  g_assert_true (json_node_equal (json_object_get_member (before, "restriction"),
                                  json_object_get_member (json_node_get_object (after), "restriction")));
  g_assert_cmpint (validate_fhir (body), ==, 0);

  /* Rejected is final: the rules refuse any further move, in words. */
  g_assert_false (cercle_referral_repo_act (f->db, ssiad, CERCLE_REFERRAL_ACTION_ACCEPT, NULL, NULL, "2026-12-21",
                                            FALSE, &error));
  g_assert_error (error, CERCLE_REFERRAL_ERROR, CERCLE_REFERRAL_ERROR_INVALID_TRANSITION);
  g_assert_cmpint (count (f->db, "SELECT count(*) FROM outbox"), ==, 1);
}

static void
test_requester_actions (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = send_durand (f);
  g_autofree char *ssiad = task_of (f->db, CERCLE_DEMO_ORG_SSIAD_MELUN);
  g_autofree char *had = task_of (f->db, CERCLE_DEMO_ORG_HAD_MELUN);
  g_autofree char *body = NULL;
  g_autoptr(CercleDossier) dossier = NULL;

  /* Not answered yet: no confirmation. */
  g_assert_false (cercle_referral_repo_act (f->db, ssiad, CERCLE_REFERRAL_ACTION_CONFIRM, NULL, NULL, NULL, FALSE,
                                            &error));
  g_assert_error (error, CERCLE_REFERRAL_ERROR, CERCLE_REFERRAL_ERROR_INVALID_TRANSITION);
  g_clear_error (&error);
  g_assert_false (cercle_referral_repo_action_allowed ("requested", "non-lue", CERCLE_REFERRAL_ACTION_CONFIRM));
  g_assert_true (cercle_referral_repo_action_allowed ("accepted", "accord", CERCLE_REFERRAL_ACTION_CONFIRM));
  g_assert_true (cercle_referral_repo_action_allowed ("received", "complement-demande",
                                                      CERCLE_REFERRAL_ACTION_SEND_COMPLEMENTS));

  server_sets (f->db, ssiad, "accepted", "accord");
  server_sets (f->db, had, "in-progress", "transfert-organise");
  /* One admission per dossier. */
  g_assert_false (cercle_referral_repo_act (f->db, ssiad, CERCLE_REFERRAL_ACTION_CONFIRM, NULL, NULL, NULL, FALSE,
                                            &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_cmpint (count (f->db, "SELECT count(*) FROM outbox"), ==, 0);

  server_sets (f->db, had, "received", "complement-demande");
  g_assert_true (cercle_referral_repo_act (f->db, ssiad, CERCLE_REFERRAL_ACTION_CONFIRM, NULL, NULL, NULL, FALSE,
                                           &error));
  g_assert_no_error (error);
  g_assert_false (cercle_referral_repo_act (f->db, had, CERCLE_REFERRAL_ACTION_SEND_COMPLEMENTS, NULL, "", NULL,
                                            FALSE, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_clear_error (&error);
  g_assert_true (cercle_referral_repo_act (f->db, had, CERCLE_REFERRAL_ACTION_SEND_COMPLEMENTS, NULL,
                                           "Bilan infirmier joint", NULL, FALSE, &error));
  g_assert_no_error (error);
  /* The confirmation's PUT, then the complements' Bundle. */
  g_assert_cmpint (count (f->db, "SELECT count(*) FROM outbox WHERE resource_type = 'Task'"), ==, 1);
  g_assert_cmpint (count (f->db, "SELECT count(*) FROM outbox WHERE resource_type = 'Bundle'"), ==, 1);
  body = query_text (f->db, "SELECT body FROM outbox ORDER BY seq DESC LIMIT 1");
  g_assert_nonnull (strstr (body, "Bilan infirmier joint"));
  g_assert_cmpint (validate_fhir (body), ==, 0);

  dossier = cercle_referral_repo_get_dossier (f->db, id, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < cercle_dossier_get_n_destinations (dossier); i++)
    {
      const CercleDossierDestination *d = cercle_dossier_get_destination (dossier, i);

      if (g_str_equal (d->task_id, ssiad))
        {
          g_assert_cmpstr (d->status, ==, "in-progress");
          g_assert_cmpint (d->sync_state, ==, CERCLE_SYNC_STATE_PENDING);
        }
    }

  /* Cancelling needs a coded reason, "autre" carries its text. */
  g_assert_true (cercle_db_exec (f->db, "DELETE FROM outbox", NULL));
  g_assert_true (cercle_referral_repo_act (f->db, had, CERCLE_REFERRAL_ACTION_CANCEL, "autre", "Famille a choisi",
                                           NULL, FALSE, &error));
  g_assert_no_error (error);
  g_free (body);
  body = query_text (f->db, "SELECT body FROM outbox");
  g_assert_nonnull (strstr (body, "Famille a choisi"));
  g_assert_nonnull (strstr (body, "\"cancelled\""));
}

static void
test_lists (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = send_durand (f);
  g_autofree char *ssiad = task_of (f->db, CERCLE_DEMO_ORG_SSIAD_MELUN);
  g_autofree char *had = task_of (f->db, CERCLE_DEMO_ORG_HAD_MELUN);
  g_autoptr(GListModel) waiting = NULL;
  g_autoptr(GListModel) closed = NULL;
  g_autoptr(GListModel) accepted = NULL;
  g_autoptr(JsonObject) task = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *json = NULL;
  g_autoptr(CercleDossier) dossier = NULL;
  g_autofree char *sql = NULL;
  g_autofree char *refused_label = NULL;
  gboolean saw_reminded = FALSE;

  g_assert_true (cercle_db_exec (f->db, "DELETE FROM outbox", &error));
  server_sets (f->db, ssiad, "accepted", "accord");
  /* A reminder of the server: a note written by « Cercle ». */
  task = cercle_referral_repo_get_resource (f->db, "Task", had, NULL);
  json_object_set_array_member (task, "note", json_array_new ());
  {
    JsonObject *note = json_object_new ();

    json_object_set_string_member (note, "authorString", "Cercle");
    json_object_set_string_member (note, "text", "Relance : pas de réponse à l’échéance");
    json_array_add_object_element (json_object_get_array_member (task, "note"), note);
  }
  node = json_node_init_object (json_node_alloc (), task);
  json = json_to_string (node, FALSE);
  g_assert_true (cercle_store_resource_put (f->db, "Task", had, CERCLE_DEMO_PAT_DURAND, NULL, json, "3", NULL,
                                            &error));

  waiting = cercle_referral_repo_list_dossiers (f->db, CERCLE_DOSSIER_FILTER_WAITING, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (waiting), ==, 1);
  accepted = cercle_referral_repo_list_dossiers (f->db, CERCLE_DOSSIER_FILTER_ACCEPTED, &error);
  g_assert_cmpuint (g_list_model_get_n_items (accepted), ==, 1);
  closed = cercle_referral_repo_list_dossiers (f->db, CERCLE_DOSSIER_FILTER_CLOSED, &error);
  g_assert_cmpuint (g_list_model_get_n_items (closed), ==, 0);

  dossier = g_list_model_get_item (accepted, 0);
  g_assert_cmpint (cercle_dossier_get_sync_state (dossier, NULL), ==, CERCLE_SYNC_STATE_SENT);
  for (guint i = 0; i < cercle_dossier_get_n_destinations (dossier); i++)
    {
      const CercleDossierDestination *d = cercle_dossier_get_destination (dossier, i);

      if (g_str_equal (d->task_id, had))
        saw_reminded = d->reminded;
      else
        g_assert_false (d->reminded);
    }
  g_assert_true (saw_reminded);

  /* A refusal of the server shows its message. */
  sql = g_strdup_printf ("INSERT INTO outbox (resource_type, resource_id, patient_id, method, body, state, last_error)"
                         " VALUES ('Task', '%s', '%s', 'PUT', '{}', 'refused', 'Transition non autorisée')",
                         ssiad, CERCLE_DEMO_PAT_DURAND);
  g_assert_true (cercle_db_exec (f->db, sql, &error));
  g_clear_object (&dossier);
  dossier = cercle_referral_repo_get_dossier (f->db, id, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < cercle_dossier_get_n_destinations (dossier); i++)
    if (g_str_equal (cercle_dossier_get_destination (dossier, i)->task_id, ssiad))
      refused_label = cercle_dossier_dup_destination_label (cercle_dossier_get_destination (dossier, i));
  g_assert_cmpstr (refused_label, ==, "Refused: Transition non autorisée");

  /* The summaries follow the store: an unreadable Task is stored all the
   * same (never a failed sync write) and not listed; losing the patient's
   * file empties the list. */
  g_assert_true (cercle_store_resource_put (f->db, "Task", "task-broken", CERCLE_DEMO_PAT_DURAND, NULL, "{not json",
                                            "1", NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (count (f->db, "SELECT count(*) FROM referral_task WHERE id = 'task-broken'"), ==, 0);
  g_assert_cmpint (count (f->db, "SELECT count(*) FROM referral_task"), ==, 3);
  g_assert_true (cercle_store_forget_patient (f->db, CERCLE_DEMO_PAT_DURAND, &error));
  g_assert_no_error (error);
  g_assert_cmpint (count (f->db, "SELECT count(*) FROM referral_task"), ==, 0);
  g_assert_cmpint (count (f->db, "SELECT count(*) FROM referral_request"), ==, 0);
  g_clear_object (&waiting);
  waiting = cercle_referral_repo_list_dossiers (f->db, CERCLE_DOSSIER_FILTER_ALL, &error);
  g_assert_cmpuint (g_list_model_get_n_items (waiting), ==, 0);

  /* The other account's view: nothing of the sender's list. */
  seed_account (f->db, "had.melun");
  g_clear_object (&waiting);
  waiting = cercle_referral_repo_list_dossiers (f->db, CERCLE_DOSSIER_FILTER_ALL, &error);
  g_assert_cmpuint (g_list_model_get_n_items (waiting), ==, 0);
}

static void
test_categories (void)
{
  g_assert_true (g_strv_contains (cercle_referral_orientation_categories ("SMR"), "109"));
  g_assert_true (g_strv_contains (cercle_referral_orientation_categories ("HAD"), "127"));
  g_assert_true (g_strv_contains (cercle_referral_orientation_categories ("SSIAD"), "354"));
  g_assert_true (g_strv_contains (cercle_referral_orientation_categories ("SSIAD"), "209"));
  g_assert_true (g_strv_contains (cercle_referral_orientation_categories ("EHPAD"), "500"));
  g_assert_null (cercle_referral_orientation_categories ("XYZ"));
}

/* Every category of every orientation type is a FINESS category of the
 * nomenclature, open — but for the former SMR categories. */
static void
test_categories_nomenclature (void)
{
  static const char * const types[] = { "SMR", "HAD", "USP", "SSIAD", "EHPAD" };
  static const char * const closed_smr[] = { "108", "112", "135", NULL };
  g_autofree char *path = g_build_filename (g_getenv ("CERCLE_SHARED_DATA"), "nomenclatures",
                                            "nomenclature_categorie_finess.csv", NULL);
  g_autofree char *contents = NULL;
  g_autoptr(GHashTable) states = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) lines = NULL;

  g_assert_true (g_file_get_contents (path, &contents, NULL, &error));
  g_assert_no_error (error);
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      g_auto(GStrv) fields = g_strsplit (lines[i], ";", -1);

      if (lines[i][0] == '#' || g_strv_length (fields) < 3)
        continue;
      g_hash_table_insert (states, g_strdup (fields[0]), g_strdup (fields[2]));
    }
  g_assert_cmpuint (g_hash_table_size (states), >, 200);

  for (gsize t = 0; t < G_N_ELEMENTS (types); t++)
    {
      const char * const *categories = cercle_referral_orientation_categories (types[t]);

      g_assert_nonnull (categories);
      for (guint i = 0; categories[i]; i++)
        {
          const char *state = g_hash_table_lookup (states, categories[i]);

          g_test_message ("%s: %s (%s)", types[t], categories[i], state ? state : "absent");
          g_assert_nonnull (state);
          if (g_str_equal (types[t], "SMR") && g_strv_contains (closed_smr, categories[i]))
            g_assert_cmpstr (state, ==, "fermee");
          else
            g_assert_cmpstr (state, ==, "ouverte");
        }
    }
  /* Réadaptation professionnelle is not SMR; the CH host the USP. */
  g_assert_false (g_strv_contains (cercle_referral_orientation_categories ("SMR"), "249"));
  g_assert_true (g_strv_contains (cercle_referral_orientation_categories ("USP"), "355"));
  g_assert_true (g_strv_contains (cercle_referral_orientation_categories ("USP"), "101"));
  g_assert_true (g_strv_contains (cercle_referral_orientation_categories ("USP"), "131"));
}

static char *
section_text (CercleDb   *db,
              const char *referral_id,
              const char *section)
{
  g_autoptr(JsonObject) json = cercle_referral_repo_get_resource (db, "ServiceRequest", referral_id, NULL);
  g_autoptr(CercleReferral) referral = json ? cercle_referral_new_from_fhir (json, NULL) : NULL;
  const char *text = NULL;

  g_assert_nonnull (referral);
  cercle_referral_get_section (referral, section, NULL, &text);
  return g_strdup (text);
}

/* « Envoyer les compléments »: the volets completed in the ServiceRequest
 * and the Task back to requested/non-lue, in ONE outbox Bundle. */
static void
test_send_complements (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = send_durand (f);
  g_autofree char *ssiad = task_of (f->db, CERCLE_DEMO_ORG_SSIAD_MELUN);
  g_autofree char *medical_before = section_text (f->db, id, CERCLE_REFERRAL_SECTION_MEDICAL);
  g_autofree char *asked = NULL;
  g_autofree char *body = NULL;
  g_autofree char *care = NULL;
  g_autofree char *medical = NULL;
  g_autoptr(GHashTable) sections = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(CercleDossier) dossier = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  JsonArray *entries;
  gboolean saw_request = FALSE, saw_task = FALSE;

  g_assert_true (cercle_db_exec (f->db, "DELETE FROM outbox", NULL));
  g_hash_table_insert (sections, (gpointer) CERCLE_REFERRAL_SECTION_CARE,
                       (gpointer) "Soins d’hygiène, injections. Matelas anti-escarres à domicile.");
  g_hash_table_insert (sections, (gpointer) CERCLE_REFERRAL_SECTION_MEDICAL, medical_before);

  /* Not asked for: the rules refuse it, nothing queued. */
  g_assert_false (cercle_referral_repo_send_complements (f->db, ssiad, sections, "Voici", 48, &error));
  g_assert_error (error, CERCLE_REFERRAL_ERROR, CERCLE_REFERRAL_ERROR_INVALID_TRANSITION);
  g_clear_error (&error);
  g_assert_cmpint (count (f->db, "SELECT count(*) FROM outbox"), ==, 0);

  /* The structure asks, with a message (what the sync brings back). */
  {
    g_autoptr(JsonObject) task = cercle_referral_repo_get_resource (f->db, "Task", ssiad, NULL);
    g_autoptr(JsonNode) node = NULL;
    g_autofree char *json = NULL;
    JsonArray *notes = json_array_new ();
    JsonObject *note = json_object_new ();

    json_object_set_object_member (note, "authorReference",
                                   cercle_fhir_reference_new ("Practitioner", "pract-ssiad", NULL));
    json_object_set_string_member (note, "text", "Précisez le matériel à domicile");
    json_array_add_object_element (notes, note);
    json_object_set_array_member (task, "note", notes);
    node = json_node_init_object (json_node_alloc (), json_object_ref (task));
    json = json_to_string (node, FALSE);
    g_assert_true (cercle_store_resource_put (f->db, "Task", ssiad, CERCLE_DEMO_PAT_DURAND, NULL, json, "2", NULL,
                                              &error));
    g_assert_no_error (error);
  }
  server_sets (f->db, ssiad, "received", "complement-demande");
  asked = cercle_referral_repo_dup_complement_request (f->db, ssiad);
  g_assert_cmpstr (asked, ==, "Précisez le matériel à domicile");

  /* Nothing completed, nothing said: a French error, nothing queued. */
  g_assert_false (cercle_referral_repo_send_complements (f->db, ssiad, NULL, "", 48, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_clear_error (&error);
  g_assert_cmpint (count (f->db, "SELECT count(*) FROM outbox"), ==, 0);

  g_assert_true (cercle_referral_repo_send_complements (f->db, ssiad, sections, "Matériel précisé", 24, &error));
  g_assert_no_error (error);

  /* ONE row: a Bundle of the ServiceRequest and the Task, on the Task. */
  g_assert_cmpint (count (f->db, "SELECT count(*) FROM outbox"), ==, 1);
  body = query_text (f->db, "SELECT body FROM outbox WHERE resource_type = 'Bundle' AND method = 'POST'");
  g_assert_nonnull (body);
  g_assert_cmpint (count (f->db, "SELECT count(*) FROM outbox WHERE resource_id = (SELECT id FROM resource"
                                 " WHERE type = 'Task' AND json_extract (json, '$.owner.reference')"
                                 " = 'Organization/" CERCLE_DEMO_ORG_SSIAD_MELUN "')"), ==, 1);
  root = json_from_string (body, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cercle_fhir_get_string (json_node_get_object (root), "type"), ==, "transaction");
  entries = cercle_fhir_get_array (json_node_get_object (root), "entry");
  g_assert_cmpuint (json_array_get_length (entries), ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      JsonObject *resource = cercle_fhir_get_object (cercle_fhir_array_get_object (entries, i), "resource");
      const char *type = cercle_fhir_get_string (resource, "resourceType");

      g_assert_cmpstr (cercle_fhir_get_string (cercle_fhir_get_object (cercle_fhir_array_get_object (entries, i),
                                                                       "request"), "method"), ==, "PUT");
      if (g_str_equal (type, "ServiceRequest"))
        {
          g_autoptr(CercleReferral) referral = cercle_referral_new_from_fhir (resource, &error);
          const char *text = NULL;
          gboolean complete = FALSE;

          g_assert_no_error (error);
          g_assert_cmpstr (cercle_referral_get_id (referral), ==, id);
          g_assert_true (cercle_referral_get_section (referral, CERCLE_REFERRAL_SECTION_CARE, &complete, &text));
          g_assert_true (complete);
          g_assert_nonnull (strstr (text, "Matelas anti-escarres"));
          saw_request = TRUE;
        }
      else
        {
          g_autoptr(CercleDestination) d = cercle_destination_new_from_fhir (resource, &error);
          g_autoptr(GDateTime) end = NULL;
          const CercleDestinationTransition *last;

          g_assert_no_error (error);
          g_assert_cmpstr (cercle_fhir_get_string (resource, "id"), ==, ssiad);
          g_assert_cmpstr (cercle_destination_get_status (d), ==, "requested");
          g_assert_cmpstr (cercle_destination_get_business_status (d), ==, "non-lue");
          last = cercle_destination_get_transition (d, cercle_destination_get_n_transitions (d) - 1);
          g_assert_cmpstr (last->status, ==, "requested");
          g_assert_cmpint (last->actor, ==, CERCLE_REFERRAL_ACTOR_REQUESTER);
          /* A new time to answer, from now. */
          end = cercle_fhir_parse_date_time (cercle_fhir_get_string (cercle_fhir_get_object (
                                               cercle_fhir_get_object (resource, "restriction"), "period"), "end"));
          g_assert_cmpint (g_date_time_difference (end, now), >, 23 * G_TIME_SPAN_HOUR);
          g_assert_cmpint (g_date_time_difference (end, now), <=, 24 * G_TIME_SPAN_HOUR + G_TIME_SPAN_MINUTE);
          g_assert_nonnull (strstr (body, "Matériel précisé"));
          saw_task = TRUE;
        }
    }
  g_assert_true (saw_request && saw_task);
  g_assert_cmpint (validate_fhir (body), ==, 0);

  /* The local copies: the care volet completed, the médical one as it was. */
  care = section_text (f->db, id, CERCLE_REFERRAL_SECTION_CARE);
  g_assert_nonnull (strstr (care, "Matelas anti-escarres"));
  medical = section_text (f->db, id, CERCLE_REFERRAL_SECTION_MEDICAL);
  g_assert_cmpstr (medical, ==, medical_before);
  g_assert_cmpint (count (f->db, "SELECT count(*) FROM resource WHERE type = 'Task' AND version_id IS NULL"
                                 " AND json_extract (json, '$.status') = 'requested'"
                                 " AND json_extract (json, '$.owner.reference') = 'Organization/"
                                 CERCLE_DEMO_ORG_SSIAD_MELUN "'"), ==, 1);
  /* The destination waits for the server; a refusal would show there. */
  dossier = cercle_referral_repo_get_dossier (f->db, id, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < cercle_dossier_get_n_destinations (dossier); i++)
    {
      const CercleDossierDestination *d = cercle_dossier_get_destination (dossier, i);

      g_assert_cmpint (d->sync_state, ==, g_str_equal (d->task_id, ssiad) ? CERCLE_SYNC_STATE_PENDING
                                                                          : CERCLE_SYNC_STATE_SENT);
    }
  g_clear_object (&dossier);
  g_assert_true (cercle_db_exec (f->db, "UPDATE outbox SET state = 'refused', last_error = 'Refusé par le serveur'",
                                 NULL));
  dossier = cercle_referral_repo_get_dossier (f->db, id, &error);
  for (guint i = 0; i < cercle_dossier_get_n_destinations (dossier); i++)
    {
      const CercleDossierDestination *d = cercle_dossier_get_destination (dossier, i);

      if (g_str_equal (d->task_id, ssiad))
        {
          g_assert_cmpint (d->sync_state, ==, CERCLE_SYNC_STATE_REFUSED);
          g_assert_cmpstr (d->sync_message, ==, "Refusé par le serveur");
        }
    }
}

/* The desk opened a request; the server marks it « Lue » on the desk's
 * first GET: the Tasks still to be read that way. */
static void
test_unread_tasks (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = send_durand (f);
  g_autofree char *ssiad = task_of (f->db, CERCLE_DEMO_ORG_SSIAD_MELUN);
  g_autofree char *had = task_of (f->db, CERCLE_DEMO_ORG_HAD_MELUN);
  g_autoptr(GPtrArray) unread = NULL;

  /* The requester has nothing to read for a structure. */
  g_assert_true (cercle_referral_repo_open_received (f->db, ssiad, &error));
  unread = cercle_referral_repo_list_unread_tasks (f->db, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (unread->len, ==, 0);
  g_clear_pointer (&unread, g_ptr_array_unref);
  g_assert_true (cercle_db_exec (f->db, "UPDATE resource SET read_at = NULL", NULL));

  /* What the server sent to the SSIAD's desk. */
  g_assert_true (cercle_db_exec (f->db, "DELETE FROM outbox; UPDATE resource SET version_id = '1'", NULL));
  seed_account (f->db, "ssiad.melun");
  unread = cercle_referral_repo_list_unread_tasks (f->db, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (unread->len, ==, 0);
  g_clear_pointer (&unread, g_ptr_array_unref);

  /* Opened: to be read on the server. Another structure's is not. */
  g_assert_true (cercle_referral_repo_open_received (f->db, ssiad, &error));
  g_assert_true (cercle_referral_repo_open_received (f->db, had, &error));
  unread = cercle_referral_repo_list_unread_tasks (f->db, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (unread->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (unread, 0), ==, ssiad);
  g_clear_pointer (&unread, g_ptr_array_unref);

  /* The sync's GET brought back received/lue: done, and still read here. */
  server_sets (f->db, ssiad, "received", "lue");
  unread = cercle_referral_repo_list_unread_tasks (f->db, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (unread->len, ==, 0);
  g_assert_cmpint (count (f->db, "SELECT count(*) FROM resource WHERE type = 'Task' AND read_at IS NOT NULL"), ==, 2);
  g_assert_nonnull (id);
}

/* The patient's timeline tells the referral's story with the notes and
 * the circle: one entry for the sending (to how many structures), one per
 * answer or cancellation from the Tasks' history, newest first; « Lue »
 * and the draft are not told. */
static void
test_timeline (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = send_durand (f);
  g_autofree char *ssiad = task_of (f->db, CERCLE_DEMO_ORG_SSIAD_MELUN);
  g_autofree char *had = task_of (f->db, CERCLE_DEMO_ORG_HAD_MELUN);
  g_autoptr(GListModel) timeline = NULL;
  g_autoptr(GPtrArray) texts = g_ptr_array_new_with_free_func (g_free);
  guint sent = 0, steps = 0, others = 0;

  /* Read by the SSIAD (the server's mark: no step), refused with a reason. */
  server_sets (f->db, ssiad, "received", "lue");
  seed_account (f->db, "ssiad.melun");
  g_assert_true (cercle_referral_repo_act (f->db, ssiad, CERCLE_REFERRAL_ACTION_REFUSE, "pas-de-place", NULL, NULL,
                                           FALSE, &error));
  g_assert_no_error (error);
  /* The nurse cancels the HAD, the patient's choice; not sent yet. */
  seed_account (f->db, "sortie.melun");
  g_assert_true (cercle_referral_repo_act (f->db, had, CERCLE_REFERRAL_ACTION_CANCEL, "choix-patient", NULL, NULL,
                                           FALSE, &error));
  g_assert_no_error (error);

  timeline = cercle_note_repo_timeline (f->db, CERCLE_DEMO_PAT_DURAND, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < g_list_model_get_n_items (timeline); i++)
    {
      g_autoptr(CercleTimelineEvent) e = g_list_model_get_item (timeline, i);
      CercleTimelineKind kind = cercle_timeline_event_get_kind (e);

      if (i > 0)
        {
          g_autoptr(CercleTimelineEvent) before = g_list_model_get_item (timeline, i - 1);

          /* newest first, the notes and the circle's changes among them */
          g_assert_cmpint (g_date_time_compare (cercle_timeline_event_get_time (before),
                                                cercle_timeline_event_get_time (e)), >=, 0);
        }
      if (kind == CERCLE_TIMELINE_REFERRAL_SENT || kind == CERCLE_TIMELINE_REFERRAL_STEP)
        {
          char *text = cercle_timeline_event_dup_referral_text (e);

          g_test_message ("%s", text);
          g_assert_cmpstr (cercle_timeline_event_get_referral_id (e), ==, id);
          g_ptr_array_add (texts, text);
          /* the referral's entries are today's: above the demo's older story */
          g_assert_cmpuint (others, ==, 0);
          if (kind == CERCLE_TIMELINE_REFERRAL_SENT)
            sent++;
          else
            steps++;
        }
      else
        others++;
    }
  g_assert_cmpuint (sent, ==, 1);
  g_assert_cmpuint (steps, ==, 2);
  g_assert_cmpuint (others, >, 0);
  g_assert_true (g_ptr_array_find_with_equal_func (texts, "SSIAD referral sent to 3 structures", g_str_equal, NULL));
  g_assert_true (g_ptr_array_find_with_equal_func (texts, "SSIAD de Melun (fictif): Refused (No free place)",
                                                   g_str_equal, NULL));
  g_assert_true (g_ptr_array_find_with_equal_func (texts, "HAD de Melun (fictif): Cancelled (Patient’s choice)",
                                                   g_str_equal, NULL));
  /* The sending comes last of the three: it happened first. */
  g_assert_cmpstr (g_ptr_array_index (texts, 2), ==, "SSIAD referral sent to 3 structures");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, fn) g_test_add ("/referral-repo/" path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD ("draft", test_draft);
  ADD ("send", test_send);
  ADD ("send-incomplete", test_send_incomplete);
  ADD ("desk-actions", test_desk_actions);
  ADD ("requester-actions", test_requester_actions);
  ADD ("lists", test_lists);
  ADD ("send-complements", test_send_complements);
  ADD ("unread-tasks", test_unread_tasks);
  ADD ("timeline", test_timeline);
#undef ADD
  g_test_add_func ("/referral-repo/categories", test_categories);
  g_test_add_func ("/referral-repo/categories-nomenclature", test_categories_nomenclature);

  return g_test_run ();
}
