/* test-notes-server.c — a note written offline reaches the real cercle-server
 *
 * The app's side of the story, end to end, with the push and pull done in
 * the test itself through libcercle's CercleClient (the background service,
 * cercle-syncd, does the same once merged; the integrator wires the test of
 * the whole service). Nothing is stubbed: the real server with its demo
 * accounts on 127.0.0.1, a real local store.
 *
 * 1. Ide Bernard's store holds the demo file of Jeanne Durand; the server is
 *    down: the note is written, « En attente d'envoi ».
 * 2. The server is up: the outbox is pushed (test_push_outbox_with_client)
 *    and the note is « Envoyé ».
 * 3. Dr Martin, in the circle, reads it; Dr Dehors, outside it, cannot.
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>

#include "cercle-client.h"
#include "cercle-note-repo.h"
#include "cercle-test-care.h"
#include "cercle-test-server.h"

static void
got_result (GObject *source, GAsyncResult *result, gpointer user_data)
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

static CercleClient *
signed_in (const char *url,
           const char *login)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  CercleClient *client = cercle_client_new (url, CERCLE_CLIENT_FLAGS_NONE, &error);

  g_assert_no_error (error);
  cercle_client_sign_in_async (client, login, CERCLE_DEMO_PASSWORD, NULL, got_result, &result);
  g_assert_true (cercle_client_sign_in_finish (client, wait_for (&result), &error));
  g_assert_no_error (error);
  return client;
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

/* What the sync service does with the outbox, for this test: each row in
 * order, PUT to the server; acknowledged, the row goes and the local copy
 * takes the server's version. */
static guint
test_push_outbox_with_client (CercleDb     *db,
                              CercleClient *client)
{
  sqlite3_stmt *stmt = cercle_db_prepare (db, "SELECT seq, resource_type, resource_id, method, body FROM outbox"
                                              " WHERE state = 'pending' ORDER BY seq LIMIT 1", NULL);
  guint sent = 0;

  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      gint64 seq = sqlite3_column_int64 (stmt, 0);
      g_autofree char *type = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
      g_autofree char *id = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
      g_autofree char *method = g_strdup ((const char *) sqlite3_column_text (stmt, 3));
      g_autofree char *body = g_strdup ((const char *) sqlite3_column_text (stmt, 4));
      g_autofree char *path = g_strdup_printf ("%s/%s", type, id);
      g_autofree char *sql = NULL;
      g_autoptr(CercleClientReply) reply = NULL;
      g_autoptr(GError) error = NULL;
      JsonObject *meta;

      sqlite3_reset (stmt);
      reply = send (client, method, path, body, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (reply->status / 100, ==, 2);
      meta = cercle_fhir_get_object (json_node_get_object (reply->body), "meta");
      g_assert_nonnull (meta);
      sql = g_strdup_printf ("DELETE FROM outbox WHERE seq = %" G_GINT64_FORMAT, seq);
      g_assert_true (cercle_db_exec (db, sql, NULL));
      {
        sqlite3_stmt *up = cercle_db_prepare (db, "UPDATE resource SET version_id = ? WHERE type = ? AND id = ?",
                                              NULL);
        sqlite3_bind_text (up, 1, cercle_fhir_get_string (meta, "versionId"), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text (up, 2, type, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text (up, 3, id, -1, SQLITE_TRANSIENT);
        g_assert_true (cercle_db_step_done (db, up, NULL));
      }
      sent++;
    }
  sqlite3_reset (stmt);
  return sent;
}

static void
test_note_reaches_circle_only (void)
{
  const char *args[] = { "--demo", NULL };
  g_autofree char *server_db = cercle_test_db_path ("notes-server");
  g_autofree char *local_db = care_test_db_path ("notes-local");
  g_autoptr(CercleDb) db = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CercleNote) note = NULL;
  g_autoptr(CercleClient) bernard = NULL;
  g_autoptr(CercleClient) martin = NULL;
  g_autoptr(CercleClient) dehors = NULL;
  g_autoptr(CercleClientReply) read = NULL;
  g_autoptr(GListModel) timeline = NULL;
  g_autoptr(CercleTimelineEvent) first = NULL;
  g_autofree char *path = NULL;
  CercleTestServer *server;

  /* 1. Offline: the store knows the file, the server is not running. */
  db = cercle_store_open (local_db, &error);
  g_assert_no_error (error);
  care_test_load_demo (db);
  g_assert_true (cercle_store_set_account (db, "http://127.0.0.1:9", "ide.bernard",
                                           "Practitioner/" CERCLE_DEMO_PRACT_BERNARD, NULL, "Sophie Bernard",
                                           &error));
  note = cercle_note_repo_write (db, CERCLE_DEMO_PAT_DURAND, "vigilance",
                                 "Chute dans la salle de bain, pas de douleur, à surveiller.", &error);
  g_assert_no_error (error);
  g_assert_cmpint (cercle_store_get_sync_state (db, "Communication", cercle_note_get_id (note), NULL),
                   ==, CERCLE_SYNC_STATE_PENDING);

  /* 2. The server is up: the outbox goes. */
  server = cercle_test_server_start (server_db, args);
  bernard = signed_in (cercle_test_server_get_url (server), "ide.bernard");
  g_assert_cmpuint (test_push_outbox_with_client (db, bernard), ==, 1);
  g_assert_cmpint (cercle_store_get_sync_state (db, "Communication", cercle_note_get_id (note), NULL),
                   ==, CERCLE_SYNC_STATE_SENT);
  timeline = cercle_note_repo_timeline (db, CERCLE_DEMO_PAT_DURAND, &error);
  g_assert_no_error (error);
  first = g_list_model_get_item (timeline, 0);
  g_assert_cmpstr (cercle_note_get_id (cercle_timeline_event_get_note (first)), ==, cercle_note_get_id (note));
  g_assert_cmpint (cercle_timeline_event_get_sync_state (first), ==, CERCLE_SYNC_STATE_SENT);

  /* 3. Another member of the circle reads it... */
  path = g_strdup_printf ("Communication/%s", cercle_note_get_id (note));
  martin = signed_in (cercle_test_server_get_url (server), "dr.martin");
  read = send (martin, "GET", path, NULL, &error);
  g_assert_no_error (error);
  {
    g_autoptr(CercleNote) back = cercle_note_new_from_fhir (json_node_get_object (read->body), &error);

    g_assert_no_error (error);
    g_assert_cmpstr (cercle_note_get_text (back), ==, "Chute dans la salle de bain, pas de douleur, à surveiller.");
    g_assert_cmpstr (cercle_note_get_author_id (back), ==, CERCLE_DEMO_PRACT_BERNARD);
  }
  g_clear_pointer (&read, cercle_client_reply_free);

  /* ... and someone outside it cannot. */
  dehors = signed_in (cercle_test_server_get_url (server), "dr.dehors");
  read = send (dehors, "GET", path, NULL, &error);
  g_assert_null (read);
  g_assert_nonnull (error);

  cercle_test_server_stop (server);
  cercle_test_server_free (server);
  g_unlink (local_db);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/notes-server/offline-note-reaches-circle-only", test_note_reaches_circle_only);
  return g_test_run ();
}
