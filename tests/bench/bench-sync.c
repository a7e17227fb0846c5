/* bench-sync.c — figures of the sync engine and service, each beside a baseline
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Run under build-aux/test-wrapper.sh (a session bus and a keyring for the
 * service): `meson test -C _build --benchmark --verbose bench-sync`.
 * A real cercle-server --demo on 127.0.0.1; the engine in this process
 * with its own store; cercle-syncd for its memory.
 *
 * - initial pull of 10,000 notes (target ≤ 3 s), beside the same feed
 *   pages only downloaded and parsed;
 * - push of 1,000 notes written offline (≤ 2 s), beside 1,000 PUTs sent
 *   one after the other by the same client;
 * - an idle round (one request, ≤ 10 ms), beside a GET of the
 *   CapabilityStatement;
 * - cercle-syncd's memory at rest once signed in and synced (≤ 30 MB);
 * - the national directory (95,000 sites, $CERCLE_SHARED_DATA/finess-fhir)
 *   down from a server that imported it, into a new cercle-syncd (≤ 30 s,
 *   ≤ 300 MB), beside the same files imported locally.
 */
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "cercle-client.h"
#include "cercle-directory-import.h"
#include "cercle-store.h"
#include "cercle-sync-engine.h"
#include "cercle-test-server.h"

#define NOTES 10000
#define OFFLINE 1000
#define PATIENT "pat-durand-jeanne"
#define MARTIN "pract-martin-paul"

static CercleTestServer *server;

static void
done_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  *(GAsyncResult **) data = g_object_ref (result);
}

static GAsyncResult *
wait_for (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *slot;
}

static char *
note_json (const char *id,
           guint       i)
{
  return g_strdup_printf ("{\"resourceType\":\"Communication\",\"id\":\"%s\",\"status\":\"completed\","
                          "\"category\":[{\"coding\":[{\"system\":\"https://cercle.fr/fhir/CodeSystem/note-category\","
                          "\"code\":\"transmission\"}]}],\"subject\":{\"reference\":\"Patient/" PATIENT "\"},"
                          "\"sent\":\"2026-12-01T10:00:00+01:00\",\"sender\":{\"reference\":\"Practitioner/" MARTIN "\"},"
                          "\"payload\":[{\"contentString\":\"Passage du soir n°%u : constantes stables, pansement refait, "
                          "pas de douleur signalée.\"}]}", id, i);
}

/* 10,000 notes on the server, 500 to a transaction. */
static void
seed_server (const char *token)
{
  for (guint batch = 0; batch < NOTES / 500; batch++)
    {
      g_autoptr(GString) body = g_string_new ("{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[");
      g_autoptr(CercleTestResponse) r = NULL;

      for (guint i = 0; i < 500; i++)
        {
          g_autofree char *id = g_strdup_printf ("bench-%05u", batch * 500 + i);
          g_autofree char *json = note_json (id, batch * 500 + i);

          g_string_append_printf (body, "%s{\"resource\":%s,\"request\":{\"method\":\"PUT\",\"url\":\"Communication/%s\"}}",
                                  i ? "," : "", json, id);
        }
      g_string_append (body, "]}");
      r = cercle_test_server_request (server, "POST", "/fhir", token, "application/fhir+json", body->str, NULL);
      if (r->status != 200)
        g_error ("seeding: HTTP %u %s", r->status, r->body);
    }
}

static CercleClient *
signed_in_client (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  CercleClient *client = cercle_client_new (cercle_test_server_get_url (server), CERCLE_CLIENT_FLAGS_NONE, &error);

  g_assert_no_error (error);
  cercle_client_sign_in_async (client, "dr.martin", "cercle-demo", NULL, done_cb, &result);
  g_assert_true (cercle_client_sign_in_finish (client, wait_for (&result), &error));
  return client;
}

static double
round_s (CercleSyncEngine *engine,
         CercleSyncRound **out)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  gint64 start = g_get_monotonic_time ();
  CercleSyncRound *round;

  cercle_sync_engine_round_async (engine, NULL, done_cb, &result);
  round = cercle_sync_engine_round_finish (engine, wait_for (&result), &error);
  g_assert_no_error (error);
  if (out)
    *out = round;
  else
    cercle_sync_round_free (round);
  return (g_get_monotonic_time () - start) / 1e6;
}

static CercleClientReply *
send (CercleClient *client,
      const char   *method,
      const char   *path,
      JsonNode     *body)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  CercleClientReply *reply;

  cercle_client_send_async (client, method, path, body, NULL, NULL, done_cb, &result);
  reply = cercle_client_send_finish (client, wait_for (&result), &error);
  g_assert_no_error (error);
  return reply;
}

static gint64
status_kb (GPid        pid,
           const char *field)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/status", (int) pid);
  g_autofree char *text = NULL;
  const char *line;

  if (!g_file_get_contents (path, &text, NULL, NULL) || (line = strstr (text, field)) == NULL)
    return -1;
  return g_ascii_strtoll (line + strlen (field) + 1, NULL, 10);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *server_db = NULL;
  g_autofree char *token = NULL;
  g_autoptr(CercleClient) client = NULL;
  g_autoptr(CercleDb) db = NULL;
  g_autoptr(CercleSyncEngine) engine = NULL;
  g_autofree char *store = NULL;
  CercleSyncRound *round = NULL;
  const char *demo[] = { "--demo", NULL };
  double pull, baseline, push, idle, meta;
  guint pages = 0, pulled;
  gint64 start;

  setlocale (LC_ALL, "");
  g_setenv ("CERCLE_TEST_TMPDIR", g_getenv ("CERCLE_TEST_TMPDIR") ?: g_get_tmp_dir (), FALSE);
  server_db = cercle_test_db_path ("bench-sync-server.db");
  server = cercle_test_server_start (server_db, demo);
  token = cercle_test_server_login (server, "dr.martin", "cercle-demo");
  start = g_get_monotonic_time ();
  seed_server (token);
  g_print ("seeded %u notes on the server in %.1f s\n", NOTES, (g_get_monotonic_time () - start) / 1e6);

  client = signed_in_client ();
  store = cercle_test_db_path ("bench-sync-client.db");
  db = cercle_store_open (store, NULL);
  cercle_store_set_account (db, cercle_test_server_get_url (server), "dr.martin", "Practitioner/" MARTIN, NULL, NULL, NULL);
  engine = cercle_sync_engine_new (db, client);

  /* baseline: the same pages, downloaded and parsed, applied nowhere */
  start = g_get_monotonic_time ();
  {
    g_autofree char *path = g_strdup ("_history?_cursor=0&_count=1000");

    while (path)
      {
        g_autoptr(CercleClientReply) reply = send (client, "GET", path, NULL);
        const char *next = cercle_client_bundle_next (reply->body);

        g_free (path);
        path = next ? g_strdup (next) : NULL;
        pages++;
      }
  }
  baseline = (g_get_monotonic_time () - start) / 1e6;
  pull = round_s (engine, &round);
  pulled = round->pulled;
  cercle_sync_round_free (round);
  g_print ("initial pull: %u resources (%u notes seeded) in %.2f s (target ≤ 3 s); baseline, the %u pages "
           "downloaded and parsed only: %.2f s\n", pulled, NOTES, pull, pages, baseline);

  /* idle: one request */
  {
    double total = 0, meta_total = 0;

    for (guint i = 0; i < 20; i++)
      total += round_s (engine, NULL);
    for (guint i = 0; i < 20; i++)
      {
        g_autoptr(CercleClientReply) reply = NULL;

        start = g_get_monotonic_time ();
        reply = send (client, "GET", "metadata", NULL);
        meta_total += (g_get_monotonic_time () - start) / 1e6;
      }
    idle = total / 20;
    meta = meta_total / 20;
    g_print ("idle round (one GET of the feed): %.1f ms on average over 20 (target ≤ 10 ms); baseline, GET /fhir/metadata: "
             "%.1f ms\n", idle * 1000, meta * 1000);
  }

  /* push of 1,000 notes written offline */
  g_assert_true (cercle_db_begin (db, NULL));
  for (guint i = 0; i < OFFLINE; i++)
    {
      g_autofree char *id = g_uuid_string_random ();
      g_autofree char *json = note_json (id, i);

      cercle_store_resource_put (db, "Communication", id, PATIENT, "Practitioner/" MARTIN, json, NULL, NULL, NULL);
      cercle_store_outbox_add_for_patient (db, "Communication", id, PATIENT, "PUT", json, NULL);
    }
  g_assert_true (cercle_db_commit (db, NULL));
  push = round_s (engine, &round);
  g_print ("push of %u offline notes: %u sent in %.2f s (target ≤ 2 s)", OFFLINE, round->pushed, push);
  cercle_sync_round_free (round);
  start = g_get_monotonic_time ();
  for (guint i = 0; i < OFFLINE; i++)
    {
      g_autofree char *id = g_uuid_string_random ();
      g_autofree char *json = note_json (id, i);
      g_autofree char *path = g_strdup_printf ("Communication/%s", id);
      g_autoptr(JsonNode) body = json_from_string (json, NULL);
      g_autoptr(CercleClientReply) reply = send (client, "PUT", path, body);
    }
  g_print ("; baseline, %u PUTs one after the other: %.2f s\n", OFFLINE, (g_get_monotonic_time () - start) / 1e6);

  /* the service at rest, signed in and synced on the same data */
  if (g_getenv ("CERCLE_SYNCD_BIN") && g_getenv ("DBUS_SESSION_BUS_ADDRESS"))
    {
      g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
      g_autoptr(GSubprocess) syncd = NULL;
      g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
      g_autoptr(GVariant) reply = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *service_store = cercle_test_db_path ("bench-sync-service.db");
      GPid pid;

      g_subprocess_launcher_setenv (launcher, "CERCLE_DB", service_store, TRUE);
      syncd = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("CERCLE_SYNCD_BIN"), NULL);
      g_assert_no_error (error);
      pid = g_ascii_strtoll (g_subprocess_get_identifier (syncd), NULL, 10);
      g_usleep (300000);
      g_print ("cercle-syncd just started: VmRSS %" G_GINT64_FORMAT " kB\n", status_kb (pid, "VmRSS:"));
      start = g_get_monotonic_time ();
      reply = g_dbus_connection_call_sync (bus, "fr.cercle.Cercle.Sync", "/fr/cercle/Cercle/Sync", "fr.cercle.Cercle.Sync",
                                           "SignIn", g_variant_new ("(sss)", cercle_test_server_get_url (server),
                                                                    "dr.martin", "cercle-demo"),
                                           NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
      g_assert_no_error (error);
      g_clear_pointer (&reply, g_variant_unref);
      reply = g_dbus_connection_call_sync (bus, "fr.cercle.Cercle.Sync", "/fr/cercle/Cercle/Sync", "fr.cercle.Cercle.Sync",
                                           "SyncAndWait", NULL, NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
      g_assert_no_error (error);
      g_print ("cercle-syncd: sign-in and first pull (%u notes and more) in %.2f s\n", NOTES + 2 * OFFLINE,
               (g_get_monotonic_time () - start) / 1e6);
      g_usleep (1000000);
      g_print ("cercle-syncd at rest after it: VmRSS %" G_GINT64_FORMAT " kB (target ≤ 30 MB), peak VmHWM %"
               G_GINT64_FORMAT " kB\n", status_kb (pid, "VmRSS:"), status_kb (pid, "VmHWM:"));
      g_subprocess_send_signal (syncd, SIGTERM);
      g_subprocess_wait (syncd, NULL, NULL);
    }
  cercle_test_server_stop (server);
  cercle_test_server_free (server);

  /* the national directory */
  if (g_getenv ("CERCLE_SYNCD_BIN") && g_getenv ("DBUS_SESSION_BUS_ADDRESS") && g_getenv ("CERCLE_SHARED_DATA"))
    {
      g_autofree char *dir = g_build_filename (g_getenv ("CERCLE_SHARED_DATA"), "finess-fhir", NULL);
      g_autofree char *national_db = cercle_test_db_path ("bench-sync-national.db");
      g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func (g_free);
      g_autoptr(GDir) listing = g_dir_open (dir, 0, NULL);
      g_autoptr(GSubprocess) import = NULL;
      g_autoptr(GError) error = NULL;
      const char *name;

      if (listing == NULL)
        return 0;
      g_ptr_array_add (args, g_strdup (g_getenv ("CERCLE_SERVER_BIN")));
      g_ptr_array_add (args, g_strdup ("--db"));
      g_ptr_array_add (args, g_strdup (national_db));
      g_ptr_array_add (args, g_strdup ("directory"));
      g_ptr_array_add (args, g_strdup ("import"));
      while ((name = g_dir_read_name (listing)))
        if (g_str_has_suffix (name, ".ndjson.gz"))
          g_ptr_array_add (args, g_build_filename (dir, name, NULL));
      g_ptr_array_add (args, NULL);
      start = g_get_monotonic_time ();
      import = g_subprocess_newv ((const char * const *) args->pdata, G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error);
      g_assert_no_error (error);
      g_subprocess_wait_check (import, NULL, &error);
      g_assert_no_error (error);
      g_print ("national directory imported and published by the server in %.1f s\n",
               (g_get_monotonic_time () - start) / 1e6);
      cercle_test_server_add_user (national_db, "bench", "un mot de passe de banc", "pract-bench", NULL);
      server = cercle_test_server_start (national_db, NULL);
      {
        g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
        g_autoptr(GSubprocess) syncd = NULL;
        g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
        g_autoptr(GVariant) reply = NULL;
        g_autofree char *service_store = cercle_test_db_path ("bench-sync-national-client.db");
        g_autoptr(CercleDb) check = NULL;
        sqlite3_stmt *stmt;
        GPid pid;

        g_subprocess_launcher_setenv (launcher, "CERCLE_DB", service_store, TRUE);
        syncd = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("CERCLE_SYNCD_BIN"), NULL);
        g_assert_no_error (error);
        pid = g_ascii_strtoll (g_subprocess_get_identifier (syncd), NULL, 10);
        g_usleep (300000);
        start = g_get_monotonic_time ();
        reply = g_dbus_connection_call_sync (bus, "fr.cercle.Cercle.Sync", "/fr/cercle/Cercle/Sync", "fr.cercle.Cercle.Sync",
                                             "SignIn", g_variant_new ("(sss)", cercle_test_server_get_url (server),
                                                                      "bench", "un mot de passe de banc"),
                                             NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
        g_assert_no_error (error);
        g_clear_pointer (&reply, g_variant_unref);
        reply = g_dbus_connection_call_sync (bus, "fr.cercle.Cercle.Sync", "/fr/cercle/Cercle/Sync", "fr.cercle.Cercle.Sync",
                                             "SyncAndWait", NULL, NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
        g_assert_no_error (error);
        check = cercle_store_open (service_store, NULL);
        stmt = cercle_db_prepare (check, "SELECT count(*) FROM dir_structure", NULL);
        sqlite3_step (stmt);
        g_print ("national directory down into cercle-syncd: %d sites in %.1f s (target ≤ 30 s), peak VmHWM %"
                 G_GINT64_FORMAT " kB (target ≤ 300 MB), at rest after it VmRSS %" G_GINT64_FORMAT " kB\n",
                 sqlite3_column_int (stmt, 0), (g_get_monotonic_time () - start) / 1e6, status_kb (pid, "VmHWM:"),
                 status_kb (pid, "VmRSS:"));
        sqlite3_reset (stmt);
        g_subprocess_send_signal (syncd, SIGTERM);
        g_subprocess_wait (syncd, NULL, NULL);
      }
      cercle_test_server_stop (server);
      cercle_test_server_free (server);
      /* baseline: the same files imported locally */
      {
        g_autofree char *local = cercle_test_db_path ("bench-sync-local-directory.db");
        g_autoptr(CercleDb) ldb = cercle_store_open (local, NULL);
        g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_object_unref);
        g_autoptr(CercleImportReport) report = cercle_import_report_new ();

        for (guint i = 5; i + 1 < args->len; i++)
          g_ptr_array_add (files, g_file_new_for_path (g_ptr_array_index (args, i)));
        start = g_get_monotonic_time ();
        cercle_directory_import_files (ldb, (GFile **) files->pdata, files->len, FALSE, NULL, NULL, report, NULL, &error);
        g_assert_no_error (error);
        g_print ("baseline, the FINESS files imported locally: %u sites in %.1f s\n",
                 cercle_import_report_get_structures (report), (g_get_monotonic_time () - start) / 1e6);
      }
    }
  return 0;
}
