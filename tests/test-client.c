/* test-client.c — libcercle's REST client and keyring, against the real
 * cercle-server on 127.0.0.1 and the real Secret Service of the test's
 * private D-Bus (build-aux/test-wrapper.sh)
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include <libsoup/soup.h>

#include "cercle-client.h"
#include "cercle-keyring.h"
#include "cercle-test-server.h"

#define PASSWORD "un mot de passe assez long"

#define PATIENT_P1 \
  "{\"resourceType\":\"Patient\",\"id\":\"p1\",\"name\":[{\"family\":\"Dupont\",\"given\":[\"Élise\"]}]," \
  "\"birthDate\":\"1940-03-02\"}"

/* ------------------------------------------------------------- helpers -- */

static void
got_result (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  GAsyncResult **out = user_data;

  g_assert_null (*out);
  *out = g_object_ref (result);
}

/* Runs the main context until an async call has finished. */
static GAsyncResult *
wait_for (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *slot;
}

static gboolean
sign_in (CercleClient *client,
         const char   *login,
         const char   *password,
         GError      **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  cercle_client_sign_in_async (client, login, password, NULL, got_result, &result);
  return cercle_client_sign_in_finish (client, wait_for (&result), error);
}

static gboolean
restore (CercleClient *client,
         const char   *login,
         GError      **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  cercle_client_restore_async (client, login, NULL, got_result, &result);
  return cercle_client_restore_finish (client, wait_for (&result), error);
}

static gboolean
sign_out (CercleClient *client,
          GError      **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  cercle_client_sign_out_async (client, NULL, got_result, &result);
  return cercle_client_sign_out_finish (client, wait_for (&result), error);
}

static CercleClientReply *
send (CercleClient *client,
      const char   *method,
      const char   *path,
      const char   *body,
      const char   *if_match,
      GError      **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(JsonNode) node = body ? json_from_string (body, NULL) : NULL;

  g_assert_true (body == NULL || node != NULL);
  cercle_client_send_async (client, method, path, node, if_match, NULL, got_result, &result);
  return cercle_client_send_finish (client, wait_for (&result), error);
}

static char *
keyring_lookup (const char *server,
                const char *login)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  char *secret, *copy;

  cercle_keyring_lookup_async (server, login, NULL, got_result, &result);
  secret = cercle_keyring_lookup_finish (wait_for (&result), &error);
  g_assert_no_error (error);
  copy = g_strdup (secret);
  if (secret)
    cercle_keyring_secret_free (secret);
  return copy;
}

static void
keyring_store (const char *server,
               const char *login,
               const char *secret)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  cercle_keyring_store_async (server, login, secret, NULL, got_result, &result);
  cercle_keyring_store_finish (wait_for (&result), &error);
  g_assert_no_error (error);
}

static void
keyring_clear (const char *server,
               const char *login)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  cercle_keyring_clear_async (server, login, NULL, got_result, &result);
  cercle_keyring_clear_finish (wait_for (&result), &error);
  g_assert_no_error (error);
}

static GStrv
keyring_logins (const char *server)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GStrv logins;

  cercle_keyring_list_logins_async (server, NULL, got_result, &result);
  logins = cercle_keyring_list_logins_finish (wait_for (&result), &error);
  g_assert_no_error (error);
  return logins;
}

/* How many times the server's log says a token was granted. */
static guint
count_grants (CercleTestServer *server)
{
  g_autofree char *log = cercle_test_server_dup_log (server);
  guint n = 0;

  for (const char *p = log; (p = strstr (p, "POST /auth/token → 200")) != NULL; p++)
    n++;
  return n;
}

static int
port_of (const char *url)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);

  g_assert_nonnull (uri);
  return g_uri_get_port (uri);
}

static CercleTestServer *
start_server (const char         *name,
              const char * const *args)
{
  g_autofree char *db = cercle_test_db_path (name);

  cercle_test_server_add_user (db, "alice", PASSWORD, "pr-alice", NULL);
  cercle_test_server_add_user (db, "bob", PASSWORD, "pr-bob", NULL);
  cercle_test_server_add_user (db, "desk", PASSWORD, "pr-desk", "org-ssiad");
  return cercle_test_server_start (db, args);
}

/* ---------------------------------------------------------- addresses -- */

static void
test_url (void)
{
  static const struct {
    const char *url;
    const char *normalized;   /* NULL: refused */
    int         code;
  } cases[] = {
    { "https://cercle.dac77.fr", "https://cercle.dac77.fr", 0 },
    { "https://cercle.dac77.fr/", "https://cercle.dac77.fr", 0 },
    { "https://cercle.dac77.fr:8443/fhir", "https://cercle.dac77.fr:8443", 0 },
    { "http://127.0.0.1:8080", "http://127.0.0.1:8080", 0 },
    { "http://127.0.0.42:8080/", "http://127.0.0.42:8080", 0 },
    { "http://[::1]:8080", "http://[::1]:8080", 0 },
    { "http://localhost:8080", "http://localhost:8080", 0 },
    { "http://cercle.dac77.fr", NULL, CERCLE_CLIENT_ERROR_INSECURE },
    { "http://192.168.1.10:8080", NULL, CERCLE_CLIENT_ERROR_INSECURE },
    { "http://[2001:db8::1]:8080", NULL, CERCLE_CLIENT_ERROR_INSECURE },
    { "http://127.0.0.1.nip.io", NULL, CERCLE_CLIENT_ERROR_INSECURE },
    { "ftp://cercle.dac77.fr", NULL, CERCLE_CLIENT_ERROR_URL },
    { "cercle.dac77.fr", NULL, CERCLE_CLIENT_ERROR_URL },
    { "", NULL, CERCLE_CLIENT_ERROR_URL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(CercleClient) client = cercle_client_new (cases[i].url, CERCLE_CLIENT_FLAGS_NONE, &error);

      if (cases[i].normalized != NULL)
        {
          g_assert_no_error (error);
          g_assert_cmpstr (cercle_client_get_server_url (client), ==, cases[i].normalized);
          g_assert_false (cercle_client_get_signed_in (client));
          g_assert_null (cercle_client_get_login (client));
        }
      else
        {
          g_assert_error (error, CERCLE_CLIENT_ERROR, cases[i].code);
          g_assert_null (client);
        }
    }
}

/* --------------------------------------------------------- signing in -- */

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              gpointer    user_data)
{
  (*(guint *) user_data)++;
}

static void
test_sign_in (void)
{
  CercleTestServer *server = start_server ("client-sign-in", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(CercleClient) client = cercle_client_new (cercle_test_server_get_url (server),
                                                      CERCLE_CLIENT_FLAGS_NONE, &error);
  g_autoptr(CercleClient) desk = cercle_client_new (cercle_test_server_get_url (server),
                                                    CERCLE_CLIENT_FLAGS_NONE, &error);
  g_autoptr(CercleClientReply) reply = NULL;
  g_autofree char *log = NULL;
  guint signed_in_changes = 0;

  g_assert_no_error (error);
  g_signal_connect (client, "notify::signed-in", G_CALLBACK (count_notify), &signed_in_changes);

  /* Not signed in: nothing is sent. */
  reply = send (client, "GET", "Patient?name=Dupont", NULL, NULL, &error);
  g_assert_error (error, CERCLE_CLIENT_ERROR, CERCLE_CLIENT_ERROR_SIGNED_OUT);
  g_assert_true (cercle_client_error_is_transient (error));
  g_clear_error (&error);

  /* A wrong password, an unknown login: the same answer. */
  g_assert_false (sign_in (client, "alice", "pas le bon", &error));
  g_assert_error (error, CERCLE_CLIENT_ERROR, CERCLE_CLIENT_ERROR_BAD_CREDENTIALS);
  g_assert_false (cercle_client_error_is_transient (error));
  g_clear_error (&error);
  g_assert_false (sign_in (client, "nobody", PASSWORD, &error));
  g_assert_error (error, CERCLE_CLIENT_ERROR, CERCLE_CLIENT_ERROR_BAD_CREDENTIALS);
  g_clear_error (&error);
  g_assert_false (cercle_client_get_signed_in (client));
  g_assert_cmpuint (signed_in_changes, ==, 0);

  g_assert_true (sign_in (client, "alice", PASSWORD, &error));
  g_assert_no_error (error);
  g_assert_true (cercle_client_get_signed_in (client));
  g_assert_cmpuint (signed_in_changes, ==, 1);
  g_assert_cmpstr (cercle_client_get_login (client), ==, "alice");
  g_assert_cmpstr (cercle_client_get_fhir_user (client), ==, "Practitioner/pr-alice");
  g_assert_null (cercle_client_get_organization (client));

  g_assert_true (sign_in (desk, "desk", PASSWORD, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (cercle_client_get_fhir_user (desk), ==, "Practitioner/pr-desk");
  g_assert_cmpstr (cercle_client_get_organization (desk), ==, "Organization/org-ssiad");

  /* Signing out ends the session on the server too. */
  g_assert_true (sign_out (client, &error));
  g_assert_no_error (error);
  g_assert_false (cercle_client_get_signed_in (client));
  g_assert_null (cercle_client_get_login (client));
  g_assert_null (cercle_client_get_fhir_user (client));
  g_assert_cmpuint (signed_in_changes, ==, 2);
  log = cercle_test_server_dup_log (server);
  g_assert_nonnull (strstr (log, "POST /auth/revoke → 200 (-)"));
  /* Neither the password nor a token is in the server's log. */
  g_assert_null (strstr (log, PASSWORD));

  cercle_test_server_stop (server);
  cercle_test_server_free (server);
}

/* ----------------------------------------------------------- requests -- */

static void
test_send (void)
{
  CercleTestServer *server = start_server ("client-send", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(CercleClient) alice = cercle_client_new (cercle_test_server_get_url (server),
                                                     CERCLE_CLIENT_FLAGS_NONE, &error);
  g_autoptr(CercleClient) bob = cercle_client_new (cercle_test_server_get_url (server),
                                                   CERCLE_CLIENT_FLAGS_NONE, &error);
  g_autofree char *etag1 = NULL;
  g_autofree char *note_path = NULL;
  const char *next;
  guint pages = 0, notes = 0;

  g_assert_no_error (error);
  g_assert_true (sign_in (alice, "alice", PASSWORD, &error));
  g_assert_true (sign_in (bob, "bob", PASSWORD, &error));
  g_assert_no_error (error);

  /* Create by a chosen id, then the same PUT again: one resource. */
  {
    g_autoptr(CercleClientReply) created = send (alice, "PUT", "Patient/p1", PATIENT_P1, NULL, &error);
    g_autoptr(CercleClientReply) again = NULL;

    g_assert_no_error (error);
    g_assert_cmpuint (created->status, ==, 201);
    g_assert_nonnull (created->etag);
    etag1 = g_strdup (created->etag);
    g_assert_cmpstr (json_object_get_string_member (json_node_get_object (created->body), "id"), ==, "p1");
    again = send (alice, "PUT", "Patient/p1", PATIENT_P1, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (again->status, ==, 200);
  }

  /* Read, search. */
  {
    g_autoptr(CercleClientReply) read = send (alice, "GET", "/Patient/p1", NULL, NULL, &error);
    g_autoptr(CercleClientReply) found = NULL;
    JsonObject *bundle;

    g_assert_no_error (error);
    g_assert_cmpuint (read->status, ==, 200);
    g_assert_cmpstr (json_object_get_string_member (json_node_get_object (read->body), "resourceType"), ==, "Patient");
    found = send (alice, "GET", "Patient?name=dupont", NULL, NULL, &error);
    g_assert_no_error (error);
    bundle = json_node_get_object (found->body);
    g_assert_cmpstr (json_object_get_string_member (bundle, "type"), ==, "searchset");
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (bundle, "entry")), ==, 1);
  }

  /* A stale If-Match: 412, and nothing changed. */
  {
    g_autoptr(CercleClientReply) updated = NULL;
    g_autoptr(CercleClientReply) stale = NULL;
    const char *edited = "{\"resourceType\":\"Patient\",\"id\":\"p1\",\"name\":[{\"family\":\"Dupont\","
                         "\"given\":[\"Élise\",\"Marie\"]}],\"birthDate\":\"1940-03-02\"}";

    updated = send (alice, "PUT", "Patient/p1", edited, etag1, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (updated->status, ==, 200);
    g_assert_cmpstr (updated->etag, !=, etag1);
    stale = send (alice, "PUT", "Patient/p1", PATIENT_P1, etag1, &error);
    g_assert_error (error, CERCLE_CLIENT_ERROR, CERCLE_CLIENT_ERROR_PRECONDITION);
    g_assert_false (cercle_client_error_is_transient (error));
    g_assert_nonnull (strstr (error->message, "HTTP 412"));
    g_assert_null (stale);
    g_clear_error (&error);
  }

  /* Notes, and paging through them with the next links. */
  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *note = g_strdup_printf ("{\"resourceType\":\"Communication\",\"status\":\"completed\","
                                               "\"subject\":{\"reference\":\"Patient/p1\"},"
                                               "\"payload\":[{\"contentString\":\"Passage n° %u.\"}]}", i);
      g_autoptr(CercleClientReply) created = send (alice, "POST", "Communication", note, NULL, &error);

      g_assert_no_error (error);
      g_assert_cmpuint (created->status, ==, 201);
      g_assert_nonnull (created->location);
      if (note_path == NULL)
        note_path = g_strdup_printf ("Communication/%s",
                                     json_object_get_string_member (json_node_get_object (created->body), "id"));
    }
  {
    g_autoptr(CercleClientReply) page = send (alice, "GET", "Communication?subject=Patient/p1&_count=2",
                                              NULL, NULL, &error);

    g_assert_no_error (error);
    while (page != NULL)
      {
        JsonArray *entries = json_object_get_array_member (json_node_get_object (page->body), "entry");
        CercleClientReply *following = NULL;

        pages++;
        notes += entries ? json_array_get_length (entries) : 0;
        next = cercle_client_bundle_next (page->body);
        if (next != NULL)
          {
            g_assert_true (g_str_has_prefix (next, cercle_test_server_get_url (server)));
            following = send (alice, "GET", next, NULL, NULL, &error);
            g_assert_no_error (error);
          }
        g_clear_pointer (&page, cercle_client_reply_free);
        page = following;
      }
    g_assert_cmpuint (pages, ==, 3);
    g_assert_cmpuint (notes, ==, 5);
  }

  /* The token goes to this server only. */
  {
    g_autofree char *elsewhere = g_strdup_printf ("http://127.0.0.2:%d/fhir/Patient/p1",
                                                  port_of (cercle_test_server_get_url (server)));
    g_autofree char *not_fhir = g_strdup_printf ("%s/auth/token", cercle_test_server_get_url (server));
    g_autoptr(CercleClientReply) a = send (alice, "GET", elsewhere, NULL, NULL, &error);

    g_assert_error (error, CERCLE_CLIENT_ERROR, CERCLE_CLIENT_ERROR_PROTOCOL);
    g_clear_error (&error);
    g_assert_null (send (alice, "GET", "https://evil.example/fhir/Patient/p1", NULL, NULL, &error));
    g_assert_error (error, CERCLE_CLIENT_ERROR, CERCLE_CLIENT_ERROR_PROTOCOL);
    g_clear_error (&error);
    g_assert_null (send (alice, "GET", not_fhir, NULL, NULL, &error));
    g_assert_error (error, CERCLE_CLIENT_ERROR, CERCLE_CLIENT_ERROR_PROTOCOL);
    g_clear_error (&error);
  }

  /* An outsider: the patient does not exist for him; his note is refused. */
  {
    g_autoptr(CercleClientReply) a = send (bob, "GET", "Patient/p1", NULL, NULL, &error);
    g_autoptr(CercleClientReply) b = NULL;
    g_autoptr(CercleClientReply) c = NULL;

    g_assert_error (error, CERCLE_CLIENT_ERROR, CERCLE_CLIENT_ERROR_NOT_FOUND);
    g_clear_error (&error);
    b = send (bob, "GET", note_path, NULL, NULL, &error);
    g_assert_error (error, CERCLE_CLIENT_ERROR, CERCLE_CLIENT_ERROR_NOT_FOUND);
    g_clear_error (&error);
    c = send (bob, "POST", "Communication",
              "{\"resourceType\":\"Communication\",\"status\":\"completed\",\"subject\":{\"reference\":\"Patient/p1\"},"
              "\"payload\":[{\"contentString\":\"Intrus.\"}]}", NULL, &error);
    g_assert_error (error, CERCLE_CLIENT_ERROR, CERCLE_CLIENT_ERROR_FORBIDDEN);
    g_assert_false (cercle_client_error_is_transient (error));
    g_clear_error (&error);
  }

  /* Refused content: the error says what the server objected to. */
  {
    g_autoptr(CercleClientReply) a = send (alice, "PUT", "Patient/p2", PATIENT_P1, NULL, &error);
    g_autoptr(CercleClientReply) b = NULL;

    g_assert_error (error, CERCLE_CLIENT_ERROR, CERCLE_CLIENT_ERROR_INVALID);
    g_assert_nonnull (strstr (error->message, "HTTP 400: "));
    g_assert_nonnull (strstr (error->message, "p2"));
    g_clear_error (&error);
    b = send (alice, "POST", "Communication", "{\"resourceType\":\"Patient\"}", NULL, &error);
    g_assert_error (error, CERCLE_CLIENT_ERROR, CERCLE_CLIENT_ERROR_INVALID);
    g_clear_error (&error);
  }

  /* The server goes away: a transient error, and the session stays. */
  cercle_test_server_stop (server);
  {
    g_autoptr(CercleClientReply) a = send (alice, "GET", "Patient/p1", NULL, NULL, &error);

    g_assert_error (error, CERCLE_CLIENT_ERROR, CERCLE_CLIENT_ERROR_NETWORK);
    g_assert_true (cercle_client_error_is_transient (error));
    g_assert_true (cercle_client_get_signed_in (alice));
  }
  cercle_test_server_free (server);
}

/* --------------------------------------------------- renewing a session -- */

typedef struct {
  guint done;
  guint failed;
} Burst;

static void
burst_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  Burst *burst = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(CercleClientReply) reply = cercle_client_send_finish (CERCLE_CLIENT (source), result, &error);

  if (reply == NULL)
    burst->failed++;
  burst->done++;
}

/* Access tokens of 2 s are always within the margin: every burst of
 * requests needs a renewal, and exactly one is made. A second refresh with
 * the same refresh token would end the session (the server takes it for a
 * stolen copy), and the rest of the burst would fail. */
static void
test_renew (void)
{
  const char *args[] = { "--access-token-lifetime", "2", NULL };
  CercleTestServer *server = start_server ("client-renew", args);
  g_autoptr(GError) error = NULL;
  g_autoptr(CercleClient) client = cercle_client_new (cercle_test_server_get_url (server),
                                                      CERCLE_CLIENT_FLAGS_NONE, &error);

  g_assert_no_error (error);
  g_assert_true (sign_in (client, "alice", PASSWORD, &error));
  g_assert_cmpuint (count_grants (server), ==, 1);
  for (guint round = 0; round < 3; round++)
    {
      Burst burst = { 0, };

      for (guint i = 0; i < 20; i++)
        cercle_client_send_async (client, "GET", "Patient?name=dupont", NULL, NULL, NULL, burst_cb, &burst);
      while (burst.done < 20)
        g_main_context_iteration (NULL, TRUE);
      g_assert_cmpuint (burst.failed, ==, 0);
      g_assert_cmpuint (count_grants (server), ==, 2 + round);
    }

  /* The account is disabled: the renewal is refused with its own error (the
   * caller forgets the account's data), the session ends. */
  {
    g_autoptr(CercleClientReply) reply = NULL;
    int status = cercle_test_server_run_cli (cercle_test_server_get_db_path (server), NULL, NULL,
                                             "user", "disable", "alice", NULL);

    g_assert_cmpint (status, ==, 0);
    reply = send (client, "GET", "Patient?name=dupont", NULL, NULL, &error);
    g_assert_error (error, CERCLE_CLIENT_ERROR, CERCLE_CLIENT_ERROR_ACCOUNT_DISABLED);
    g_assert_false (cercle_client_get_signed_in (client));
  }

  cercle_test_server_stop (server);
  cercle_test_server_free (server);
}

/* A server that says 401 to the first token it sees, as one does when it
 * has forgotten its sessions: the client renews once, even for requests
 * that were already under way, and sends again. */
typedef struct {
  guint grants;
  guint fhir_requests;
  char *refused_token;
} StubServer;

static void
stub_token (SoupServer        *server,
            SoupServerMessage *msg,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  StubServer *stub = user_data;
  g_autofree char *body = NULL;
  gsize length;

  stub->grants++;
  body = g_strdup_printf ("{\"access_token\":\"access-%u\",\"token_type\":\"Bearer\",\"expires_in\":900,"
                          "\"refresh_token\":\"refresh-%u\",\"fhirUser\":\"Practitioner/pr-stub\"}",
                          stub->grants, stub->grants);
  length = strlen (body);
  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, g_steal_pointer (&body), length);
}

static void
stub_fhir (SoupServer        *server,
           SoupServerMessage *msg,
           const char        *path,
           GHashTable        *query,
           gpointer           user_data)
{
  StubServer *stub = user_data;
  const char *authorization = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                            "Authorization");
  static const char patient[] = "{\"resourceType\":\"Patient\",\"id\":\"p1\"}";

  stub->fhir_requests++;
  if (g_str_equal (path, "/fhir/broken"))
    {
      soup_server_message_set_status (msg, 200, NULL);
      soup_server_message_set_response (msg, "application/fhir+json", SOUP_MEMORY_STATIC, "{\"resour", 8);
      return;
    }
  if (g_str_equal (path, "/fhir/busy"))
    {
      soup_server_message_set_status (msg, 503, NULL);
      return;
    }
  if (stub->refused_token == NULL)
    stub->refused_token = g_strdup (authorization);
  if (g_strcmp0 (authorization, stub->refused_token) == 0)
    {
      soup_server_message_set_status (msg, 401, NULL);
      return;
    }
  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, "application/fhir+json", SOUP_MEMORY_STATIC, patient, strlen (patient));
}

/* The stub's handlers on a SoupServer of 127.0.0.1; returns its URL. */
static char *
stub_listen (SoupServer *server,
             StubServer *stub)
{
  g_autoptr(GError) error = NULL;
  GSList *uris;
  char *url;

  soup_server_add_handler (server, "/auth/token", stub_token, stub, NULL);
  soup_server_add_handler (server, "/fhir", stub_fhir, stub, NULL);
  g_assert_true (soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (server);
  url = g_uri_to_string (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  return url;
}

static void
test_renew_on_401 (void)
{
  StubServer stub = { 0, };
  g_autoptr(SoupServer) server = soup_server_new (NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(CercleClient) client = NULL;
  g_autofree char *url = NULL;
  Burst burst = { 0, };

  url = stub_listen (server, &stub);

  client = cercle_client_new (url, CERCLE_CLIENT_FLAGS_NONE, &error);
  g_assert_no_error (error);
  g_assert_true (sign_in (client, "stub", "stub", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (stub.grants, ==, 1);

  /* Five requests under way with the refused token: one renewal. */
  for (guint i = 0; i < 5; i++)
    cercle_client_send_async (client, "GET", "Patient/p1", NULL, NULL, NULL, burst_cb, &burst);
  while (burst.done < 5)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (burst.failed, ==, 0);
  g_assert_cmpuint (stub.grants, ==, 2);
  g_assert_cmpuint (stub.fhir_requests, ==, 10);

  /* What the API does not promise is an error, not a crash. */
  g_assert_null (send (client, "GET", "broken", NULL, NULL, &error));
  g_assert_error (error, CERCLE_CLIENT_ERROR, CERCLE_CLIENT_ERROR_PROTOCOL);
  g_clear_error (&error);
  g_assert_null (send (client, "GET", "busy", NULL, NULL, &error));
  g_assert_error (error, CERCLE_CLIENT_ERROR, CERCLE_CLIENT_ERROR_SERVER);
  g_assert_true (cercle_client_error_is_transient (error));
  g_clear_error (&error);

  soup_server_disconnect (server);
  g_free (stub.refused_token);
}

/* -------------------------------------------------------------- keyring -- */

static void
test_keyring (void)
{
  const char *a = "https://cercle.dac77.fr", *b = "https://cercle.ght-sud77.fr";
  g_auto(GStrv) logins = NULL;
  g_autofree char *secret = NULL;

  g_assert_null (keyring_lookup (a, "alice"));
  keyring_store (a, "alice", "secret-1");
  keyring_store (b, "alice", "secret-b");
  g_usleep (1100 * 1000);   /* the keyring dates items to the second */
  keyring_store (a, "bob", "secret-bob");

  /* Storing again replaces: one item per server and login. */
  keyring_store (a, "alice", "secret-2");
  secret = keyring_lookup (a, "alice");
  g_assert_cmpstr (secret, ==, "secret-2");
  g_clear_pointer (&secret, g_free);
  secret = keyring_lookup (b, "alice");
  g_assert_cmpstr (secret, ==, "secret-b");
  g_clear_pointer (&secret, g_free);

  logins = keyring_logins (a);
  g_assert_cmpuint (g_strv_length (logins), ==, 2);
  g_assert_true (g_strv_contains ((const char * const *) logins, "alice"));
  g_assert_true (g_strv_contains ((const char * const *) logins, "bob"));
  g_clear_pointer (&logins, g_strfreev);

  keyring_clear (a, "alice");
  keyring_clear (a, "alice");   /* nothing left: not an error */
  g_assert_null (keyring_lookup (a, "alice"));
  secret = keyring_lookup (a, "bob");
  g_assert_cmpstr (secret, ==, "secret-bob");
  g_clear_pointer (&secret, g_free);
  logins = keyring_logins (a);
  g_assert_cmpstrv (logins, ((const char *[]) { "bob", NULL }));
  g_clear_pointer (&logins, g_strfreev);
  keyring_clear (a, "bob");
  keyring_clear (b, "alice");
  logins = keyring_logins (a);
  g_assert_cmpuint (g_strv_length (logins), ==, 0);
}

/* A session kept in the keyring survives a restart of the client, and a
 * server that is offline meanwhile. */
static void
test_keyring_session (void)
{
  CercleTestServer *server = start_server ("client-keyring", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *url = g_strdup (cercle_test_server_get_url (server));
  g_autofree char *listen = g_strdup_printf ("127.0.0.1:%d", port_of (url));
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autofree char *log = NULL;
  g_autofree char *db = NULL;

  {
    g_autoptr(CercleClient) client = cercle_client_new (url, CERCLE_CLIENT_FLAGS_KEYRING, &error);

    g_assert_no_error (error);
    g_assert_true (sign_in (client, "alice", PASSWORD, &error));
    g_assert_no_error (error);
    first = keyring_lookup (url, "alice");
    g_assert_nonnull (first);
    g_clear_pointer (&first, g_free);
    first = keyring_lookup (cercle_client_get_server_url (client), "alice");
    g_assert_nonnull (first);
    g_assert_cmpstr (first, !=, PASSWORD);
    {
      g_autoptr(CercleClientReply) reply = send (client, "PUT", "Patient/p1", PATIENT_P1, NULL, &error);
      g_assert_no_error (error);
    }
  }

  /* The app restarts: the stored session is taken up, and renewed. */
  {
    g_autoptr(CercleClient) client = cercle_client_new (url, CERCLE_CLIENT_FLAGS_KEYRING, &error);
    g_autoptr(CercleClientReply) reply = NULL;

    g_assert_true (restore (client, "alice", &error));
    g_assert_no_error (error);
    g_assert_true (cercle_client_get_signed_in (client));
    g_assert_cmpstr (cercle_client_get_fhir_user (client), ==, "Practitioner/pr-alice");
    second = keyring_lookup (url, "alice");
    g_assert_nonnull (second);
    g_assert_cmpstr (second, !=, first);   /* rotated, and the new one kept */
    reply = send (client, "GET", "Patient/p1", NULL, NULL, &error);
    g_assert_no_error (error);
  }

  /* The old refresh token is spent: the server refuses it. */
  {
    g_autofree char *form = soup_form_encode ("grant_type", "refresh_token", "refresh_token", first, NULL);
    g_autoptr(CercleTestResponse) r = cercle_test_server_request (server, "POST", "/auth/token", NULL,
                                                                  "application/x-www-form-urlencoded", form, NULL);
    g_assert_cmpuint (r->status, ==, 400);
  }
  /* …and, seeing a spent token come back, ends that session: the one in
   * the keyring is refused too. */
  {
    g_autoptr(CercleClient) client = cercle_client_new (url, CERCLE_CLIENT_FLAGS_KEYRING, &error);

    g_assert_false (restore (client, "alice", &error));
    g_assert_error (error, CERCLE_CLIENT_ERROR, CERCLE_CLIENT_ERROR_SIGNED_OUT);
    g_clear_error (&error);
    g_assert_false (cercle_client_get_signed_in (client));
    /* An ended session leaves the keyring. */
    while (keyring_lookup (url, "alice") != NULL)
      g_main_context_iteration (NULL, FALSE);
  }

  /* Offline at start: the session is kept, and renewed once the server is
   * back. */
  {
    g_autoptr(CercleClient) client = cercle_client_new (url, CERCLE_CLIENT_FLAGS_KEYRING, &error);
    g_autoptr(CercleClientReply) reply = NULL;
    const char *args[] = { "--listen", listen, NULL };

    g_assert_true (sign_in (client, "alice", PASSWORD, &error));
    g_assert_no_error (error);
    g_clear_object (&client);
    cercle_test_server_stop (server);

    client = cercle_client_new (url, CERCLE_CLIENT_FLAGS_KEYRING, &error);
    g_assert_false (restore (client, "alice", &error));
    g_assert_error (error, CERCLE_CLIENT_ERROR, CERCLE_CLIENT_ERROR_NETWORK);
    g_assert_true (cercle_client_error_is_transient (error));
    g_clear_error (&error);
    g_assert_true (cercle_client_get_signed_in (client));
    g_assert_cmpstr (cercle_client_get_login (client), ==, "alice");

    /* Requests meanwhile fail, and may be tried again. */
    reply = send (client, "GET", "Patient/p1", NULL, NULL, &error);
    g_assert_error (error, CERCLE_CLIENT_ERROR, CERCLE_CLIENT_ERROR_NETWORK);
    g_clear_error (&error);

    db = g_strdup (cercle_test_server_get_db_path (server));
    cercle_test_server_free (server);
    server = cercle_test_server_start (db, args);
    g_assert_cmpstr (cercle_test_server_get_url (server), ==, url);
    reply = send (client, "GET", "Patient/p1", NULL, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (reply->status, ==, 200);

    /* Signing out ends it everywhere. */
    g_assert_true (sign_out (client, &error));
    g_assert_no_error (error);
    g_assert_null (keyring_lookup (url, "alice"));
    log = cercle_test_server_dup_log (server);
    g_assert_nonnull (strstr (log, "POST /auth/revoke → 200"));
  }

  cercle_test_server_stop (server);
  cercle_test_server_free (server);
}

/* Without a Secret Service, the keyring says so, and a sign-in that could
 * not be kept is not a sign-in. */
static void
test_keyring_unavailable (void)
{
  if (g_test_subprocess ())
    {
      StubServer stub = { 0, };
      g_autoptr(SoupServer) server = soup_server_new (NULL, NULL);
      g_autoptr(GError) error = NULL;
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(CercleClient) client = NULL;
      g_autofree char *url = NULL;
      char *secret;

      g_setenv ("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/cercle-test-bus", TRUE);
      cercle_keyring_lookup_async ("https://cercle.dac77.fr", "alice", NULL, got_result, &result);
      secret = cercle_keyring_lookup_finish (wait_for (&result), &error);
      g_assert_null (secret);
      g_assert_error (error, CERCLE_KEYRING_ERROR, CERCLE_KEYRING_ERROR_UNAVAILABLE);
      g_clear_error (&error);

      url = stub_listen (server, &stub);
      client = cercle_client_new (url, CERCLE_CLIENT_FLAGS_KEYRING, &error);
      g_assert_no_error (error);
      g_assert_false (sign_in (client, "alice", PASSWORD, &error));
      g_assert_error (error, CERCLE_KEYRING_ERROR, CERCLE_KEYRING_ERROR_UNAVAILABLE);
      g_assert_cmpuint (stub.grants, ==, 1);
      g_assert_false (cercle_client_get_signed_in (client));
      soup_server_disconnect (server);
      return;
    }
  g_test_trap_subprocess (NULL, 30 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

/* A server whose certificate is not trusted is not given a password. */
static void
test_tls_untrusted (void)
{
  g_autofree char *cert = NULL;
  g_autofree char *key = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CercleClient) client = NULL;
  g_autofree char *log = NULL;
  CercleTestServer *server;

  if (!cercle_test_make_certificate ("client-tls", &cert, &key))
    {
      g_test_skip ("openssl is needed to make a certificate");
      return;
    }
  {
    const char *args[] = { "--tls-cert", cert, "--tls-key", key, NULL };

    server = start_server ("client-tls", args);
  }
  g_assert_true (g_str_has_prefix (cercle_test_server_get_url (server), "https://127.0.0.1:"));
  client = cercle_client_new (cercle_test_server_get_url (server), CERCLE_CLIENT_FLAGS_NONE, &error);
  g_assert_no_error (error);
  g_assert_false (sign_in (client, "alice", PASSWORD, &error));
  g_assert_error (error, CERCLE_CLIENT_ERROR, CERCLE_CLIENT_ERROR_TLS);
  g_assert_false (cercle_client_error_is_transient (error));
  g_assert_false (cercle_client_get_signed_in (client));
  log = cercle_test_server_dup_log (server);
  g_assert_null (strstr (log, "/auth/token"));

  cercle_test_server_stop (server);
  cercle_test_server_free (server);
}

/* What a person reads is French. */
static void
test_french_messages (void)
{
  g_autoptr(GError) insecure = NULL;
  g_autoptr(GError) refused = NULL;
  g_autoptr(CercleClient) client = NULL;

  if (setlocale (LC_ALL, "fr_FR.UTF-8") == NULL)
    {
      g_test_skip ("fr_FR.UTF-8 is not generated");
      return;
    }
  client = cercle_client_new ("http://cercle.dac77.fr", CERCLE_CLIENT_FLAGS_NONE, &insecure);
  client = cercle_client_new ("gopher://cercle.dac77.fr", CERCLE_CLIENT_FLAGS_NONE, &refused);
  setlocale (LC_ALL, "C.UTF-8");
  g_assert_error (insecure, CERCLE_CLIENT_ERROR, CERCLE_CLIENT_ERROR_INSECURE);
  g_assert_cmpstr (insecure->message, ==,
                   "Les données de santé ne circulent pas en clair : « http://cercle.dac77.fr » "
                   "doit commencer par https://");
  g_assert_error (refused, CERCLE_CLIENT_ERROR, CERCLE_CLIENT_ERROR_URL);
  g_assert_nonnull (strstr (refused->message, "n’est pas l’adresse d’un serveur"));
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *localedir = NULL;

  g_test_init (&argc, &argv, NULL);

  /* Read the translations from the build tree. */
  localedir = g_build_filename (g_getenv ("CERCLE_BUILD_DIR"), "po", NULL);
  bindtextdomain (GETTEXT_PACKAGE, localedir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");

  g_test_add_func ("/client/french-messages", test_french_messages);

  g_test_add_func ("/client/url", test_url);
  g_test_add_func ("/client/sign-in", test_sign_in);
  g_test_add_func ("/client/send", test_send);
  g_test_add_func ("/client/renew", test_renew);
  g_test_add_func ("/client/renew-on-401", test_renew_on_401);
  g_test_add_func ("/client/tls-untrusted", test_tls_untrusted);
  g_test_add_func ("/keyring/items", test_keyring);
  g_test_add_func ("/keyring/session", test_keyring_session);
  g_test_add_func ("/keyring/unavailable", test_keyring_unavailable);

  return g_test_run ();
}
