/* test-referral-e2e-client.c — the referral story against a real cercle-server
 *
 * End to end over the real server (--demo, on 127.0.0.1) and four real
 * local stores (SQLite files): the discharge nurse (sortie.melun) and the
 * desks of the SSIAD, the SMR and the HAD. The app side is the referral
 * repo, exactly as the pages call it. The sync service is NOT in this
 * test: until cercle-syncd is merged, a small stand-in below pushes each
 * store's outbox with CercleClient (row by row, in order, deleting a row
 * the server took and marking refused one it refused for good, as the
 * sync contract says) and pulls the Tasks the account may read. Kept as
 * it is: the same story with the real cercle-syncd and the real main
 * window is tests/test-e2e-referrals.c.
 *
 * The story: sent to three structures in one Bundle; the SSIAD refuses
 * (pas de place), the SMR accepts; the nurse confirms the SMR; the HAD is
 * cancelled automatically by the server; a stale move of the HAD desk is
 * refused by the server and shows its French reason; the Bundle sent
 * again (a lost acknowledgement) creates nothing twice.
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "cercle-client.h"
#include "cercle-referral.h"
#include "cercle-referral-repo.h"
#include "cercle-test-server.h"
#include "referral-seed.h"

#define SSIAD_FINESS "770999209"
#define SMR_FINESS   "770999308"
#define HAD_FINESS   "770999407"

typedef struct {
  const char   *login;
  CercleDb     *db;
  CercleClient *client;
} Side;

static void
got_result (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static GAsyncResult *
wait_for (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *slot;
}

static CercleClientReply *
send (CercleClient *client,
      const char   *method,
      const char   *path,
      const char   *body,
      GError      **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(JsonNode) node = body ? json_from_string (body, NULL) : NULL;

  cercle_client_send_async (client, method, path, node, NULL, NULL, got_result, &result);
  return cercle_client_send_finish (client, wait_for (&result), error);
}

static void
side_open (Side             *side,
           CercleTestServer *server,
           const char       *login)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *name = g_strdup_printf ("e2e-%s.db", login);
  g_autofree char *path = g_build_filename (g_getenv ("CERCLE_TEST_TMPDIR"), name, NULL);

  side->login = login;
  side->db = cercle_store_open (path, &error);
  g_assert_no_error (error);
  /* What the sync would have pulled at sign-in: the demo's directory,
   * people and files (the server runs --demo: the same resources). */
  seed_demo (side->db, FALSE);
  seed_account (side->db, login);
  side->client = cercle_client_new (cercle_test_server_get_url (server), CERCLE_CLIENT_FLAGS_NONE, &error);
  g_assert_no_error (error);
  cercle_client_sign_in_async (side->client, login, CERCLE_DEMO_PASSWORD, NULL, got_result, &result);
  g_assert_true (cercle_client_sign_in_finish (side->client, wait_for (&result), &error));
  g_assert_no_error (error);
}

static void
side_close (Side *side)
{
  g_clear_object (&side->client);
  g_clear_object (&side->db);
}

/* Stand-in for cercle-syncd: sends the outbox in order. Returns how many
 * rows the server refused. */
static guint
push_outbox (Side *side)
{
  g_autofree char *transaction_url = g_strconcat (cercle_client_get_server_url (side->client), "/fhir", NULL);
  sqlite3_stmt *stmt;
  g_autoptr(GArray) seqs = g_array_new (FALSE, FALSE, sizeof (gint64));
  guint refused = 0;

  stmt = cercle_db_prepare (side->db, "SELECT seq FROM outbox WHERE state = 'pending' ORDER BY seq", NULL);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      gint64 seq = sqlite3_column_int64 (stmt, 0);

      g_array_append_val (seqs, seq);
    }
  sqlite3_reset (stmt);

  for (guint i = 0; i < seqs->len; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(CercleClientReply) reply = NULL;
      g_autofree char *type = NULL, *id = NULL, *method = NULL, *body = NULL, *path = NULL;
      gint64 seq = g_array_index (seqs, gint64, i);

      stmt = cercle_db_prepare (side->db, "SELECT resource_type, resource_id, method, body FROM outbox WHERE seq = ?",
                                NULL);
      sqlite3_bind_int64 (stmt, 1, seq);
      g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
      type = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      id = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
      method = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
      body = g_strdup ((const char *) sqlite3_column_text (stmt, 3));
      sqlite3_reset (stmt);

      path = g_str_equal (type, "Bundle") ? g_strdup (transaction_url) : g_strdup_printf ("%s/%s", type, id);
      reply = send (side->client, method, path, body, &error);
      if (reply != NULL)
        {
          stmt = cercle_db_prepare (side->db, "DELETE FROM outbox WHERE seq = ?", NULL);
          sqlite3_bind_int64 (stmt, 1, seq);
          g_assert_true (cercle_db_step_done (side->db, stmt, NULL));
        }
      else
        {
          g_assert_false (cercle_client_error_is_transient (error));
          g_test_message ("%s: %s %s refused: %s", side->login, method, path, error->message);
          stmt = cercle_db_prepare (side->db, "UPDATE outbox SET state = 'refused', last_error = ? WHERE seq = ?", NULL);
          sqlite3_bind_text (stmt, 1, error->message, -1, SQLITE_TRANSIENT);
          sqlite3_bind_int64 (stmt, 2, seq);
          g_assert_true (cercle_db_step_done (side->db, stmt, NULL));
          refused++;
        }
    }
  return refused;
}

/* Stand-in for cercle-syncd's pull: the referral's resources the account
 * may read, stored with their server version. Reading a Task as its desk
 * is what makes it « Lue » on the server. */
static void
pull (Side       *side,
      const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CercleClientReply) reply = send (side->client, "GET", path, NULL, &error);
  JsonObject *bundle;
  JsonArray *entries;

  g_assert_no_error (error);
  bundle = json_node_get_object (reply->body);
  if (g_strcmp0 (cercle_fhir_get_string (bundle, "resourceType"), "Bundle") != 0)
    {
      g_autoptr(JsonArray) one = json_array_new ();
      JsonObject *entry = json_object_new ();

      json_object_set_object_member (entry, "resource", json_object_ref (bundle));
      json_array_add_object_element (one, entry);
      entries = json_array_ref (one);
    }
  else
    entries = json_array_ref (cercle_fhir_get_array (bundle, "entry"));
  for (guint i = 0; entries && i < json_array_get_length (entries); i++)
    {
      JsonObject *resource = cercle_fhir_get_object (cercle_fhir_array_get_object (entries, i), "resource");
      g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), resource);
      g_autofree char *json = json_to_string (node, FALSE);
      const char *version = cercle_fhir_get_string (cercle_fhir_get_object (resource, "meta"), "versionId");

      g_assert_true (cercle_store_resource_put (side->db, cercle_fhir_get_string (resource, "resourceType"),
                                                cercle_fhir_get_string (resource, "id"), seed_patient_of (resource),
                                                NULL, json, version ? version : "1", NULL, &error));
      g_assert_no_error (error);
    }
  if (entries)
    json_array_unref (entries);
}

static const CercleDossierDestination *
destination_of (CercleDossier *dossier,
                const char    *owner_id)
{
  for (guint i = 0; i < cercle_dossier_get_n_destinations (dossier); i++)
    if (g_strcmp0 (cercle_dossier_get_destination (dossier, i)->owner_id, owner_id) == 0)
      return cercle_dossier_get_destination (dossier, i);
  g_assert_not_reached ();
}

static char *
task_for (CercleDb   *db,
          const char *owner_id)
{
  g_autofree char *sql = g_strdup_printf ("SELECT id FROM referral_task WHERE owner = 'Organization/%s'", owner_id);
  sqlite3_stmt *stmt = cercle_db_prepare (db, sql, NULL);
  char *id = NULL;

  if (sqlite3_step (stmt) == SQLITE_ROW)
    id = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);
  g_assert_nonnull (id);
  return id;
}

static void
test_story (void)
{
  const char *args[] = { "--demo", NULL };
  g_autofree char *server_db = cercle_test_db_path ("referral-e2e");
  CercleTestServer *server = cercle_test_server_start (server_db, args);
  Side nurse = { 0 }, ssiad = { 0 }, smr = { 0 }, had = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(CercleReferralDraft) draft = NULL;
  g_autoptr(CercleDossier) dossier = NULL;
  g_autoptr(CercleClientReply) reply = NULL;
  g_autofree char *sr_id = NULL;
  g_autofree char *search = NULL;
  g_autofree char *bundle_body = NULL;
  g_autofree char *ssiad_task = NULL, *smr_task = NULL, *had_task = NULL;
  g_autofree char *had_label = NULL;
  g_autofree char *path = NULL;
  g_autofree char *refusal = NULL;
  const CercleDossierDestination *d;
  const char *message = NULL;

  side_open (&nurse, server, "sortie.melun");
  side_open (&ssiad, server, "ssiad.melun");
  side_open (&smr, server, "smr.coubert");
  side_open (&had, server, "had.melun");

  /* The nurse prepares and sends the dossier to three structures. */
  draft = cercle_referral_repo_new_draft (nurse.db, CERCLE_DEMO_PAT_DURAND, &error);
  g_assert_no_error (error);
  cercle_referral_draft_set_orientation_type (draft, "SMR");
  cercle_referral_draft_set_field (draft, "reason", "Rééducation après ostéosynthèse");
  cercle_referral_draft_set_field (draft, "treatments", "Enoxaparine");
  cercle_referral_draft_set_field (draft, "gir", "3");
  cercle_referral_draft_set_field (draft, "nursing", "Aide à la toilette");
  cercle_referral_draft_add_destination (draft, SSIAD_FINESS, "SSIAD de Melun (fictif)", "354", 0.4, TRUE);
  cercle_referral_draft_add_destination (draft, SMR_FINESS, "SMR de Coubert (fictif)", "109", 14.8, FALSE);
  cercle_referral_draft_add_destination (draft, HAD_FINESS, "HAD de Melun (fictif)", "127", 0.6, TRUE);
  g_assert_true (cercle_referral_repo_send (nurse.db, draft, 48, &error));
  g_assert_no_error (error);
  sr_id = g_strdup (cercle_referral_draft_get_id (draft));
  {
    sqlite3_stmt *stmt = cercle_db_prepare (nurse.db, "SELECT body FROM outbox", NULL);

    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    bundle_body = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
    sqlite3_reset (stmt);
  }
  g_assert_cmpuint (push_outbox (&nurse), ==, 0);
  g_assert_cmpint (cercle_store_get_sync_state (nurse.db, "Bundle", sr_id, NULL), ==, CERCLE_SYNC_STATE_SENT);

  /* Each desk sees its own request (reading it makes it « Lue »). */
  search = g_strdup_printf ("Task?focus=ServiceRequest/%s", sr_id);
  pull (&ssiad, search);
  pull (&smr, search);
  pull (&had, search);
  ssiad_task = task_for (ssiad.db, CERCLE_DEMO_ORG_SSIAD_MELUN);
  smr_task = task_for (smr.db, CERCLE_DEMO_ORG_SMR_COUBERT);
  had_task = task_for (had.db, CERCLE_DEMO_ORG_HAD_MELUN);
  path = g_strdup_printf ("Task/%s", ssiad_task);
  pull (&ssiad, path);
  g_free (path);
  path = g_strdup_printf ("Task/%s", smr_task);
  pull (&smr, path);
  g_free (path);
  path = g_strdup_printf ("ServiceRequest/%s", sr_id);
  pull (&ssiad, path);
  pull (&smr, path);
  pull (&had, path);
  {
    g_autoptr(GListModel) received = cercle_referral_repo_list_received (smr.db, "Organization/" CERCLE_DEMO_ORG_SMR_COUBERT,
                                                                          &error);
    g_autoptr(CercleDossier) mine = NULL;

    g_assert_no_error (error);
    g_assert_cmpuint (g_list_model_get_n_items (received), ==, 1);
    mine = g_list_model_get_item (received, 0);
    g_assert_nonnull (strstr (cercle_dossier_get_patient_name (mine), "DURAND"));
    g_assert_cmpstr (cercle_dossier_get_destination (mine, 0)->business, ==, "lue");
  }

  /* The SSIAD asks how the nights go; the nurse completes the care volet
   * and sends the complements: ServiceRequest and Task in one Bundle, the
   * Task back to « Envoyée » as the server's rules allow. */
  g_assert_true (cercle_referral_repo_act (ssiad.db, ssiad_task, CERCLE_REFERRAL_ACTION_ASK_COMPLEMENTS, NULL,
                                           "Comment se passent les nuits ?", NULL, FALSE, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (push_outbox (&ssiad), ==, 0);
  pull (&nurse, search);
  {
    g_autoptr(GHashTable) sections = g_hash_table_new (g_str_hash, g_str_equal);
    g_autofree char *asked = cercle_referral_repo_dup_complement_request (nurse.db, ssiad_task);
    g_autoptr(JsonObject) request = NULL;
    g_autoptr(CercleReferral) referral = NULL;
    g_autoptr(GPtrArray) unread = NULL;
    const char *care = NULL;

    g_assert_cmpstr (asked, ==, "Comment se passent les nuits ?");
    g_hash_table_insert (sections, (gpointer) CERCLE_REFERRAL_SECTION_CARE,
                         (gpointer) "Aide à la toilette. Nuits calmes, un lever.");
    g_assert_true (cercle_referral_repo_send_complements (nurse.db, ssiad_task, sections, "Volet soins complété", 48,
                                                          &error));
    g_assert_no_error (error);
    g_assert_cmpuint (push_outbox (&nurse), ==, 0);
    g_assert_cmpint (cercle_store_get_sync_state (nurse.db, "Bundle", ssiad_task, NULL), ==, CERCLE_SYNC_STATE_SENT);

    /* The desk sees it sent again (its list, before opening it)... */
    pull (&ssiad, search);
    {
      sqlite3_stmt *stmt = cercle_db_prepare (ssiad.db, "SELECT status || '/' || business FROM referral_task"
                                                        " WHERE id = ?", NULL);

      sqlite3_bind_text (stmt, 1, ssiad_task, -1, SQLITE_TRANSIENT);
      g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
      g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 0), ==, "requested/non-lue");
      sqlite3_reset (stmt);
    }
    /* ...opens it: to be marked « Lue » by the server, on a GET. */
    g_assert_true (cercle_referral_repo_open_received (ssiad.db, ssiad_task, &error));
    unread = cercle_referral_repo_list_unread_tasks (ssiad.db, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (unread->len, ==, 1);
    g_assert_cmpstr (g_ptr_array_index (unread, 0), ==, ssiad_task);
    g_clear_pointer (&unread, g_ptr_array_unref);
    path = g_strdup_printf ("Task/%s", (const char *) ssiad_task);
    pull (&ssiad, path);
    g_free (path);
    unread = cercle_referral_repo_list_unread_tasks (ssiad.db, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (unread->len, ==, 0);
    path = g_strdup_printf ("ServiceRequest/%s", sr_id);
    pull (&ssiad, path);
    g_clear_pointer (&path, g_free);
    request = cercle_referral_repo_get_resource (ssiad.db, "ServiceRequest", sr_id, &error);
    g_assert_no_error (error);
    referral = cercle_referral_new_from_fhir (request, &error);
    g_assert_no_error (error);
    g_assert_true (cercle_referral_get_section (referral, CERCLE_REFERRAL_SECTION_CARE, NULL, &care));
    g_assert_cmpstr (care, ==, "Aide à la toilette. Nuits calmes, un lever.");
  }

  /* The SSIAD refuses (pas de place), the SMR accepts as soon as possible. */
  g_assert_true (cercle_referral_repo_act (ssiad.db, ssiad_task, CERCLE_REFERRAL_ACTION_REFUSE, "pas-de-place", NULL,
                                           NULL, FALSE, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (push_outbox (&ssiad), ==, 0);
  g_assert_true (cercle_referral_repo_act (smr.db, smr_task, CERCLE_REFERRAL_ACTION_ACCEPT, NULL, NULL, NULL, TRUE,
                                           &error));
  g_assert_no_error (error);
  g_assert_cmpuint (push_outbox (&smr), ==, 0);

  /* The nurse sees the answers and confirms the SMR. */
  pull (&nurse, search);
  g_assert_true (cercle_referral_repo_act (nurse.db, smr_task, CERCLE_REFERRAL_ACTION_CONFIRM, NULL, NULL, NULL, FALSE,
                                           &error));
  g_assert_no_error (error);
  g_assert_cmpuint (push_outbox (&nurse), ==, 0);

  /* Not synced since, the nurse cancels the HAD (the patient's choice):
   * allowed from what her store knows, refused by the server's rules (it
   * has just cancelled it automatically), the French reason kept. */
  g_assert_true (cercle_referral_repo_act (nurse.db, had_task, CERCLE_REFERRAL_ACTION_CANCEL, "choix-patient", NULL,
                                           NULL, FALSE, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (push_outbox (&nurse), ==, 1);
  g_assert_cmpint (cercle_store_get_sync_state (nurse.db, "Task", had_task, &refusal), ==, CERCLE_SYNC_STATE_REFUSED);
  g_test_message ("server refusal: %s", refusal);
  g_assert_nonnull (strstr (refusal, "Cancelled automatically"));
  pull (&nurse, search);
  dossier = cercle_referral_repo_get_dossier (nurse.db, sr_id, &error);
  g_assert_no_error (error);
  had_label = cercle_dossier_dup_destination_label (destination_of (dossier, CERCLE_DEMO_ORG_HAD_MELUN));
  g_assert_true (g_str_has_prefix (had_label, "Refused: "));
  g_assert_nonnull (strstr (had_label, refusal));
  g_clear_object (&dossier);
  g_clear_pointer (&had_label, g_free);
  /* How a refusal is dismissed is the sync service's (issue 15): here the
   * row goes, as once the user has seen it. */
  g_assert_true (cercle_db_exec (nurse.db, "DELETE FROM outbox WHERE state = 'refused'", NULL));

  /* The server cancelled the HAD automatically; everyone sees the end. */
  dossier = cercle_referral_repo_get_dossier (nurse.db, sr_id, &error);
  g_assert_no_error (error);
  d = destination_of (dossier, CERCLE_DEMO_ORG_SSIAD_MELUN);
  g_assert_cmpstr (d->status, ==, "rejected");
  g_assert_cmpstr (d->reason, ==, "pas-de-place");
  d = destination_of (dossier, CERCLE_DEMO_ORG_SMR_COUBERT);
  g_assert_cmpstr (d->status, ==, "in-progress");
  d = destination_of (dossier, CERCLE_DEMO_ORG_HAD_MELUN);
  g_assert_cmpstr (d->status, ==, "cancelled");
  g_assert_cmpstr (d->business, ==, "annulation-auto");
  had_label = cercle_dossier_dup_destination_label (d);
  g_assert_cmpstr (had_label, ==, "Cancelled automatically");

  /* The HAD desk, not synced since, tries to accept: its rules allow it
   * from what it knows; the server refuses a desk's write on a version it
   * has not seen (its history changed), and says so. */
  g_assert_true (cercle_referral_repo_act (had.db, had_task, CERCLE_REFERRAL_ACTION_ACCEPT, NULL, NULL, "2026-12-24",
                                           FALSE, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (push_outbox (&had), ==, 1);
  g_assert_cmpint (cercle_store_get_sync_state (had.db, "Task", had_task, (char **) &message), ==,
                   CERCLE_SYNC_STATE_REFUSED);
  g_assert_nonnull (message);
  g_test_message ("server refusal: %s", message);
  g_free ((char *) message);
  {
    g_autoptr(GListModel) received = cercle_referral_repo_list_received (had.db, "Organization/" CERCLE_DEMO_ORG_HAD_MELUN,
                                                                          &error);
    g_autoptr(CercleDossier) mine = g_list_model_get_item (received, 0);
    g_autofree char *label = cercle_dossier_dup_destination_label (cercle_dossier_get_destination (mine, 0));

    g_assert_true (g_str_has_prefix (label, "Refused: "));
  }

  /* Delivered once: the same Bundle again (an acknowledgement lost on the
   * way) creates nothing. */
  g_clear_pointer (&reply, cercle_client_reply_free);
  {
    g_autofree char *url = g_strconcat (cercle_client_get_server_url (nurse.client), "/fhir", NULL);

    reply = send (nurse.client, "POST", url, bundle_body, &error);
  }
  g_clear_pointer (&reply, cercle_client_reply_free);
  g_clear_error (&error);
  reply = send (nurse.client, "GET", search, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (json_array_get_length (cercle_fhir_get_array (json_node_get_object (reply->body), "entry")), ==, 3);

  side_close (&nurse);
  side_close (&ssiad);
  side_close (&smr);
  side_close (&had);
  cercle_test_server_stop (server);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/referral-e2e-client/story", test_story);
  return g_test_run ();
}
