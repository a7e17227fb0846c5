/* test-server-limits.c — the real cercle-server on 127.0.0.1 under hostile
 * input: deep JSON, NULs, wrong passwords in bulk, idle and half-sent
 * connections, malformed and pipelined HTTP, forged log lines, forged Host
 * headers
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The server runs with French messages (LC_MESSAGES=fr_FR.UTF-8 and the
 * build tree's catalogue), as a French site runs it: what a client is told
 * is checked in French when that locale exists.
 */
#include "config.h"

#include <locale.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>

#include "cercle-client.h"
#include "cercle-fhir.h"
#include "cercle-server-throttle.h"
#include "cercle-test-server.h"

#define PASSWORD "un mot de passe assez long"
#define DEEP_LEVELS 75000

static gboolean french;   /* fr_FR.UTF-8 exists: the server answers in French */

/* ------------------------------------------------------------- helpers -- */

static CercleTestServer *
start (const char         *name,
       const char * const *args)
{
  g_autofree char *db = cercle_test_db_path (name);

  cercle_test_server_add_user (db, "dr.martin", PASSWORD, "pr-martin", NULL);
  return cercle_test_server_start (db, args);
}

static guint16
port_of (CercleTestServer *server)
{
  const char *colon = strrchr (cercle_test_server_get_url (server), ':');

  g_assert_nonnull (colon);
  return (guint16) atoi (colon + 1);
}

static GSocket *
raw_open (CercleTestServer *server)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, port_of (server));
  GSocket *socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);

  g_assert_no_error (error);
  g_socket_connect (socket, address, NULL, &error);
  g_assert_no_error (error);
  return socket;
}

static void
raw_send (GSocket    *socket,
          const char *data,
          gssize      len)
{
  g_autoptr(GError) error = NULL;
  gsize sent = 0, total = len < 0 ? strlen (data) : (gsize) len;

  while (sent < total)
    {
      gssize n = g_socket_send (socket, data + sent, total - sent, NULL, &error);

      g_assert_no_error (error);
      sent += n;
    }
}

/* What the server sends within @timeout_ms; *closed tells whether it
 * closed the connection in that time. */
static char *
raw_read (GSocket  *socket,
          guint     timeout_ms,
          gboolean *closed)
{
  GString *got = g_string_new (NULL);
  gint64 end = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  *closed = FALSE;
  for (;;)
    {
      g_autoptr(GError) error = NULL;
      gint64 left = end - g_get_monotonic_time ();
      char buffer[4096];
      gssize n;

      if (left <= 0 || !g_socket_condition_timed_wait (socket, G_IO_IN, left, NULL, &error))
        break;
      n = g_socket_receive (socket, buffer, sizeof buffer, NULL, &error);
      if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED))
        n = 0;
      g_assert_no_error (error);
      if (n == 0)
        {
          *closed = TRUE;
          break;
        }
      g_string_append_len (got, buffer, n);
    }
  return g_string_free (got, FALSE);
}

/* One request on a fresh connection, the whole answer (the connection is
 * closed after it). */
static char *
raw_request (CercleTestServer *server,
             const char       *request,
             gssize            len)
{
  g_autoptr(GSocket) socket = raw_open (server);
  gboolean closed;
  char *answer;

  raw_send (socket, request, len);
  g_socket_shutdown (socket, FALSE, TRUE, NULL);
  answer = raw_read (socket, 10000, &closed);
  g_assert_true (closed);
  return answer;
}

static guint
status_of (const char *answer)
{
  g_assert_true (g_str_has_prefix (answer, "HTTP/1."));
  return (guint) atoi (answer + 9);
}

static char *
login (CercleTestServer *server)
{
  return cercle_test_server_login (server, "dr.martin", PASSWORD);
}

/* POST /auth/token with @form; the status, and Retry-After if @retry_after. */
static CercleTestResponse *
post_token (CercleTestServer  *server,
            const char        *form,
            char             **retry_after)
{
  g_autofree char *uri = g_strconcat (cercle_test_server_get_url (server), "/auth/token", NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", uri);
  g_autoptr(GBytes) body = g_bytes_new (form, strlen (form));
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  CercleTestResponse *r = g_new0 (CercleTestResponse, 1);

  soup_message_set_request_body_from_bytes (msg, "application/x-www-form-urlencoded", body);
  bytes = soup_session_send_and_read (cercle_test_server_get_session (server), msg, NULL, &error);
  g_assert_no_error (error);
  r->status = soup_message_get_status (msg);
  r->body = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  {
    g_autoptr(JsonNode) node = json_from_string (r->body, NULL);

    if (node && JSON_NODE_HOLDS_OBJECT (node))
      r->json = json_object_ref (json_node_get_object (node));
  }
  if (retry_after)
    *retry_after = g_strdup (soup_message_headers_get_one (soup_message_get_response_headers (msg), "Retry-After"));
  return r;
}

static char *
password_form (const char *user,
               const char *password)
{
  return soup_form_encode ("grant_type", "password", "username", user, "password", password, NULL);
}

/* The diagnostics of an OperationOutcome. */
static const char *
diagnostics (CercleTestResponse *r)
{
  JsonArray *issues;

  g_assert_nonnull (r->json);
  g_assert_cmpstr (json_object_get_string_member (r->json, "resourceType"), ==, "OperationOutcome");
  issues = json_object_get_array_member (r->json, "issue");
  return json_object_get_string_member (json_array_get_object_element (issues, 0), "diagnostics");
}

static void
assert_french (const char *text,
               const char *expected_part)
{
  if (!french)
    return;
  if (strstr (text, expected_part) == NULL)
    g_error ("Not the French text expected (“%s”): %s", expected_part, text);
}

static void
assert_alive (CercleTestServer *server)
{
  g_autoptr(CercleTestResponse) r = cercle_test_server_request (server, "GET", "/fhir/metadata", NULL, NULL, NULL, NULL);

  g_assert_cmpuint (r->status, ==, 200);
}

static char *
deep_json (const char *prefix,
           guint       levels)
{
  GString *text = g_string_new (prefix);

  for (guint i = 0; i < levels; i++)
    g_string_append_c (text, '[');
  for (guint i = 0; i < levels; i++)
    g_string_append_c (text, ']');
  g_string_append (text, "}");
  return g_string_free (text, FALSE);
}

/* ---------------------------------------------------------------- JSON -- */

/* 75,000 levels (150 kB, under the 1 MiB cap) used to overflow the stack of
 * the server's main thread in json-glib: a 400 now, for a resource, a
 * transaction and an update, and the server lives on. */
static void
test_json_deep (void)
{
  CercleTestServer *server = start ("limits-deep", NULL);
  g_autofree char *token = login (server);
  g_autofree char *patient = deep_json ("{\"resourceType\":\"Patient\",\"extension\":", DEEP_LEVELS);
  g_autofree char *bundle = deep_json ("{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":", DEEP_LEVELS);
  g_autofree char *just_over = deep_json ("{\"resourceType\":\"Patient\",\"x\":", 64);
  g_autofree char *in_string = NULL;
  struct { const char *method, *path, *body; } cases[] = {
    { "POST", "/fhir/Patient", patient },
    { "POST", "/fhir", bundle },
    { "PUT", "/fhir/Patient/deep", patient },
    { "POST", "/fhir/Patient", just_over },
  };

  g_assert_cmpuint (strlen (patient), <, 1024 * 1024);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(CercleTestResponse) r = cercle_test_server_request (server, cases[i].method, cases[i].path, token,
                                                                    NULL, cases[i].body, NULL);

      g_assert_cmpuint (r->status, ==, 400);
      assert_french (diagnostics (r), "imbriqué sur plus de 64 niveaux");
      assert_alive (server);
    }

  /* Brackets inside a string are text, not depth. */
  {
    GString *text = g_string_new ("{\"resourceType\":\"Patient\",\"name\":[{\"family\":\"");

    for (guint i = 0; i < 200; i++)
      g_string_append (text, "[{\\\"");
    g_string_append (text, "\"}]}");
    in_string = g_string_free (text, FALSE);
  }
  {
    g_autoptr(CercleTestResponse) r = cercle_test_server_request (server, "POST", "/fhir/Patient", token, NULL,
                                                                  in_string, NULL);

    g_assert_cmpuint (r->status, ==, 201);
  }
  cercle_test_server_free (server);
}

/* A NUL inside a string used to be accepted, and everything after it
 * dropped: refused wherever it is, escaped or raw, and nothing is stored. */
static void
test_json_nul (void)
{
  CercleTestServer *server = start ("limits-nul", NULL);
  g_autofree char *token = login (server);
  static const char *bodies[] = {
    "{\"resourceType\":\"Patient\",\"name\":[{\"family\":\"Dupont\\u0000Martin\"}]}",
    "{\"resourceType\":\"Patient\",\"name\":[{\"family\":\"Dupont\",\"given\":[\"\\u0000\"]}]}",
    "{\"resourceType\":\"Patient\",\"name\\u0000x\":[{\"family\":\"Dupont\"}]}",
    "{\"resourceType\":\"Patient\",\"extension\":[{\"url\":\"https://cercle.fr/x\",\"valueString\":\"a\\u0000\"}]}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bodies); i++)
    {
      g_autoptr(CercleTestResponse) r = cercle_test_server_request (server, "POST", "/fhir/Patient", token, NULL,
                                                                    bodies[i], NULL);

      if (r->status != 400)
        g_error ("%s: expected 400, got %u: %s", bodies[i], r->status, r->body);
      assert_french (diagnostics (r), "caractère NUL");
    }
  /* A raw NUL byte, in a transaction. */
  {
    static const char raw[] = "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[{\"resource\":"
                              "{\"resourceType\":\"Patient\",\"name\":[{\"family\":\"Du\0pont\"}]},"
                              "\"request\":{\"method\":\"POST\",\"url\":\"Patient\"}}]}";
    g_autofree char *request = NULL;
    g_autoptr(GString) full = g_string_new (NULL);
    g_autofree char *answer = NULL;

    g_string_append_printf (full, "POST /fhir HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
                                  "Content-Type: application/fhir+json\r\nConnection: close\r\n"
                                  "Content-Length: %u\r\n\r\n", token, (guint) (sizeof raw - 1));
    g_string_append_len (full, raw, sizeof raw - 1);
    answer = raw_request (server, full->str, full->len);
    g_assert_cmpuint (status_of (answer), ==, 400);
  }
  /* Nothing of them was kept. */
  {
    g_autoptr(CercleTestResponse) r = cercle_test_server_request (server, "GET", "/fhir/Patient?name=dupont", token,
                                                                  NULL, NULL, NULL);

    g_assert_cmpuint (r->status, ==, 200);
    if (json_object_has_member (r->json, "entry") &&
        json_array_get_length (json_object_get_array_member (r->json, "entry")) > 0)
      g_error ("A refused Patient was kept: %s", r->body);
  }
  cercle_test_server_free (server);
}

/* The client reads a server's answers with the same guard: a deep answer
 * is a protocol error, not a crash of the app. */
static void
deep_handler (SoupServer        *soup,
              SoupServerMessage *msg,
              const char        *path,
              GHashTable        *query,
              gpointer           data)
{
  char *body = deep_json ("{\"access_token\":", DEEP_LEVELS);

  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, body, strlen (body));
}

static void
got_result (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static void
test_client_deep_answer (void)
{
  g_autoptr(SoupServer) soup = soup_server_new (NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(CercleClient) client = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *url = NULL;
  GSList *uris;

  soup_server_add_handler (soup, NULL, deep_handler, NULL, NULL);
  soup_server_listen_local (soup, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (soup);
  url = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  client = cercle_client_new (url, CERCLE_CLIENT_FLAGS_NONE, &error);
  g_assert_no_error (error);
  cercle_client_sign_in_async (client, "dr.martin", PASSWORD, NULL, got_result, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (cercle_client_sign_in_finish (client, result, &error));
  g_assert_error (error, CERCLE_CLIENT_ERROR, CERCLE_CLIENT_ERROR_PROTOCOL);
}

/* A number json-glib cannot hold was stored as something else: 1e400 as
 * "inf.0", which is no JSON (every later read of the file, and a shared
 * resource in everyone's _history feed, failed to parse), and an integer
 * past 64 bits wrapped around (2^63 became -2^63). Refused, in French. */
static void
test_json_numbers (void)
{
  CercleTestServer *server = start ("limits-numbers", NULL);
  g_autofree char *token = login (server);
  static const char * const refused[] = { "1e400", "-1e400", "123456789012345678901234567890",
                                          "9223372036854775808", "-9223372036854775809" };
  static const char * const kept[] = { "9223372036854775807", "-9223372036854775808", "1.7976931348623157e308",
                                       "0.5", "-0", "1E5" };

  for (guint i = 0; i < G_N_ELEMENTS (refused) + G_N_ELEMENTS (kept); i++)
    {
      gboolean ok = i >= G_N_ELEMENTS (refused);
      const char *number = ok ? kept[i - G_N_ELEMENTS (refused)] : refused[i];
      g_autofree char *body = g_strdup_printf ("{\"resourceType\":\"Patient\",\"extension\":"
                                               "[{\"url\":\"https://cercle.fr/x\",\"valueDecimal\":%s}]}", number);
      g_autofree char *bundle = g_strdup_printf ("{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":"
                                                 "[{\"resource\":%s,\"request\":{\"method\":\"POST\",\"url\":"
                                                 "\"Patient\"}}]}", body);
      g_autoptr(CercleTestResponse) r = cercle_test_server_request (server, "POST", "/fhir/Patient", token,
                                                                    NULL, body, NULL);
      g_autoptr(CercleTestResponse) t = cercle_test_server_request (server, "POST", "/fhir", token, NULL, bundle,
                                                                    NULL);

      if (r->status != (ok ? 201u : 400u) || t->status != (ok ? 200u : 400u))
        g_error ("%s: got %u and %u (transaction): %s", number, r->status, t->status, r->body);
      if (!ok)
        {
          assert_french (diagnostics (r), "nombre");
          continue;
        }
      /* What is kept reads back as valid JSON, the same number. */
      g_assert_nonnull (r->json);
      g_assert_null (strstr (r->body, "inf"));
    }
  {
    g_autoptr(CercleTestResponse) feed = cercle_test_server_request (server, "GET", "/fhir/_history?_count=200",
                                                                     token, NULL, NULL, NULL);

    g_assert_cmpuint (feed->status, ==, 200);
    g_assert_nonnull (feed->json);
  }
  g_assert_false (cercle_fhir_check_json ("[1e400]", 7, 64, NULL));
  g_assert_false (cercle_fhir_check_json ("{\"a\":18446744073709551616}", 26, 64, NULL));
  g_assert_true (cercle_fhir_check_json ("[\"1e400\",-0.0,1e-400]", 21, 64, NULL));
  cercle_test_server_free (server);
}

/* Per-address limits counted each IPv6 address on its own: one host holds
 * a /64, 2^64 fresh addresses to guess passwords from (and enough to fill
 * the followed logins until a locked account was forgotten). They count
 * its /64, and an IPv4-mapped address as its IPv4 one. */
static void
test_login_throttle_ipv6 (void)
{
  g_autoptr(CercleThrottle) throttle = cercle_throttle_new ();
  static const char * const keys[][2] = {
    { "2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64" },
    { "2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64" },
    { "::ffff:192.0.2.7", "192.0.2.7" },
    { "192.0.2.7", "192.0.2.7" },
    { "::1", "0:0:0:0::/64" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      g_autofree char *key = cercle_throttle_address_key (keys[i][0]);

      g_assert_cmpstr (key, ==, keys[i][1]);
    }
  /* A fresh address of the same /64 for each wrong password, each at a
   * login of its own (no login lock). */
  for (guint i = 0; i < CERCLE_THROTTLE_ADDRESS_FREE + 1; i++)
    {
      g_autofree char *address = g_strdup_printf ("2001:db8:1:2:%x::%x", g_random_int_range (1, 0xffff), i + 1);
      g_autofree char *name = g_strdup_printf ("guess-%u", i);

      g_assert_cmpuint (cercle_throttle_check (throttle, name, address), ==, 0);
      cercle_throttle_failed (throttle, name, address);
    }
  g_assert_cmpuint (cercle_throttle_check (throttle, "dr.martin", "2001:db8:1:2::beef"), >, 0);
  g_assert_cmpuint (cercle_throttle_check (throttle, "dr.martin", "2001:db8:1:3::beef"), ==, 0);
  /* The same IPv4 client, written both ways. */
  for (guint i = 0; i < CERCLE_THROTTLE_ADDRESS_FREE + 1; i++)
    cercle_throttle_failed (throttle, "x", i % 2 ? "::ffff:192.0.2.7" : "192.0.2.7");
  g_assert_cmpuint (cercle_throttle_check (throttle, "y", "192.0.2.7"), >, 0);
  g_assert_cmpuint (cercle_throttle_check (throttle, "y", "::ffff:192.0.2.7"), >, 0);
}

/* The guard itself, as the fuzz target and every reader use it. */
static void
test_json_guard (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *deep = deep_json ("{\"a\":", 64);
  g_autofree char *deeper = deep_json ("{\"a\":", 65);
  static const char escaped_backslash[] = "{\"a\":\"\\\\u0000\"}";   /* a backslash, then u0000 */
  static const char raw_nul[] = "{\"a\":\"x\0y\"}";

  /* 64 arrays inside the object: 65 levels. */
  g_assert_true (cercle_fhir_check_json (deep, strlen (deep), 65, NULL));
  g_assert_false (cercle_fhir_check_json (deeper, strlen (deeper), 65, &error));
  g_assert_error (error, CERCLE_FHIR_ERROR, CERCLE_FHIR_ERROR_PARSE);
  g_clear_error (&error);
  g_assert_true (cercle_fhir_check_json (escaped_backslash, sizeof escaped_backslash - 1, 64, NULL));
  g_assert_false (cercle_fhir_check_json (raw_nul, sizeof raw_nul - 1, 64, NULL));
  g_assert_false (cercle_fhir_check_json ("[\"\\u0000\"]", 10, 64, NULL));
  g_assert_true (cercle_fhir_check_json ("[\"\\u0001\"]", 10, 64, NULL));
  /* Brackets in strings, and an escaped quote, do not count. */
  g_assert_true (cercle_fhir_check_json ("[\"[[[[\\\"[[[\"]", 13, 1, NULL));
  g_assert_null (cercle_fhir_parse (deeper, -1, NULL));
}

/* --------------------------------------------------------------- login -- */

/* 400 wrong passwords then the right one used to succeed. Now the sixth
 * failure locks the login: the right password gets a 429 with Retry-After
 * and a French description, and works once that time has passed. */
static void
test_login_throttle (void)
{
  CercleTestServer *server = start ("limits-throttle", NULL);
  g_autofree char *wrong = password_form ("dr.martin", "pas le bon");
  g_autofree char *right = password_form ("dr.martin", PASSWORD);
  g_autofree char *retry = NULL;
  guint wait;

  for (guint i = 0; i < 6; i++)
    {
      g_autoptr(CercleTestResponse) r = post_token (server, wrong, NULL);

      g_assert_cmpuint (r->status, ==, 400);
      g_assert_cmpstr (json_object_get_string_member (r->json, "error"), ==, "invalid_grant");
    }
  {
    g_autoptr(CercleTestResponse) r = post_token (server, right, &retry);

    g_assert_cmpuint (r->status, ==, 429);
    g_assert_nonnull (retry);
    wait = (guint) atoi (retry);
    g_assert_cmpuint (wait, >=, 1);
    g_assert_cmpuint (wait, <=, 60);
    g_assert_cmpstr (json_object_get_string_member (r->json, "error"), ==, "slow_down");
    assert_french (json_object_get_string_member (r->json, "error_description"), "réessayez dans");
  }
  g_usleep ((gulong) wait * G_USEC_PER_SEC + 200000);
  {
    g_autoptr(CercleTestResponse) r = post_token (server, right, NULL);

    g_assert_cmpuint (r->status, ==, 200);
  }
  cercle_test_server_free (server);
}

/* One address guessing at many logins is stopped after its own number of
 * failures, names that are no account included. */
static void
test_login_throttle_address (void)
{
  CercleTestServer *server = start ("limits-throttle-address", NULL);
  g_autofree char *retry = NULL;

  for (guint i = 0; i < 11; i++)
    {
      g_autofree char *name = g_strdup_printf ("personne-%u", i);
      g_autofree char *form = password_form (name, "pas le bon");
      g_autoptr(CercleTestResponse) r = post_token (server, form, NULL);

      g_assert_cmpuint (r->status, ==, 400);
    }
  {
    g_autofree char *form = password_form ("encore-un-autre", "pas le bon");
    g_autoptr(CercleTestResponse) r = post_token (server, form, &retry);

    g_assert_cmpuint (r->status, ==, 429);
    g_assert_nonnull (retry);
  }
  cercle_test_server_free (server);
}

/* CPU time (clock ticks) of one thread of @pid, or of all of them (tid 0). */
static guint64
cpu_ticks (GPid pid,
           GPid tid)
{
  g_autofree char *path = tid ? g_strdup_printf ("/proc/%d/task/%d/stat", pid, tid)
                              : g_strdup_printf ("/proc/%d/stat", pid);
  g_autofree char *text = NULL;
  g_auto(GStrv) fields = NULL;
  const char *after;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  /* After the command name in parentheses: state is field 3, utime 14, stime 15. */
  after = strrchr (text, ')');
  g_assert_nonnull (after);
  fields = g_strsplit (after + 2, " ", 0);
  return g_ascii_strtoull (fields[11], NULL, 10) + g_ascii_strtoull (fields[12], NULL, 10);
}

static GPid
server_pid (CercleTestServer *server)
{
  /* The server is this test's only child with its database on its
   * command line. */
  g_autoptr(GDir) dir = g_dir_open ("/proc", 0, NULL);
  const char *name;

  while ((name = g_dir_read_name (dir)))
    {
      g_autofree char *path = g_strdup_printf ("/proc/%s/cmdline", name);
      g_autofree char *cmdline = NULL;
      gsize len = 0;

      if (!g_ascii_isdigit (name[0]) || !g_file_get_contents (path, &cmdline, &len, NULL))
        continue;
      for (gsize i = 0; i + 1 < len; i++)
        if (cmdline[i] == '\0')
          cmdline[i] = ' ';
      if (strstr (cmdline, cercle_test_server_get_db_path (server)) && strstr (cmdline, "--listen"))
        return atoi (name);
    }
  g_assert_not_reached ();
  return 0;
}

typedef struct {
  CercleTestServer *server;
  guint             index;
} Guesser;

static gpointer
guess_passwords (gpointer data)
{
  Guesser *g = data;
  g_autofree char *uri = g_strconcat (cercle_test_server_get_url (g->server), "/auth/token", NULL);
  g_autoptr(SoupSession) session = soup_session_new ();

  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *name = g_strdup_printf ("devin-%u-%u", g->index, i);
      g_autofree char *form = password_form (name, "pas le bon");
      g_autoptr(SoupMessage) msg = soup_message_new ("POST", uri);
      g_autoptr(GBytes) body = g_bytes_new (form, strlen (form));
      g_autoptr(GBytes) answer = NULL;

      soup_message_set_request_body_from_bytes (msg, "application/x-www-form-urlencoded", body);
      answer = soup_session_send_and_read (session, msg, NULL, NULL);
      g_assert_cmpuint (soup_message_get_status (msg), ==, 400);
    }
  return NULL;
}

/* Password hashes used to run on the main loop: 8 clients sending wrong
 * passwords held every other request behind them. Measured by where the
 * CPU goes, not by a timing: the hashes must run on threads other than the
 * main one, and a GET answered while they run. */
static void
test_login_off_main_loop (void)
{
  CercleTestServer *server = start ("limits-hash-thread", NULL);
  g_autofree char *token = login (server);
  GPid pid = server_pid (server);
  guint64 main_before, all_before, main_spent, all_spent;
  Guesser guessers[5];
  GThread *threads[5];

  main_before = cpu_ticks (pid, pid);
  all_before = cpu_ticks (pid, 0);
  /* 10 wrong passwords: the address's free failures, none throttled. */
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    {
      guessers[i].server = server;
      guessers[i].index = i;
      threads[i] = g_thread_new ("guesser", guess_passwords, &guessers[i]);
    }
  {
    g_autoptr(CercleTestResponse) r = cercle_test_server_request (server, "GET", "/fhir/Patient", token,
                                                                  NULL, NULL, NULL);

    g_assert_cmpuint (r->status, ==, 200);
  }
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    g_thread_join (threads[i]);
  main_spent = cpu_ticks (pid, pid) - main_before;
  all_spent = cpu_ticks (pid, 0) - all_before;
  g_test_message ("10 wrong passwords: %" G_GUINT64_FORMAT " ticks in all, %" G_GUINT64_FORMAT " on the main thread",
                  all_spent, main_spent);
  /* Ten yescrypt hashes are tens of ticks; what the main loop does for
   * them (parsing, a lookup, the answer) is a tick or two. */
  g_assert_cmpuint (all_spent, >=, 5);
  g_assert_cmpuint (main_spent * 4, <, all_spent);
  cercle_test_server_free (server);
}

/* ---------------------------------------------------------------- forms -- */

/* "username=dr.martin%00x" used to sign in as dr.martin, and a field given
 * twice silently took its last value. */
static void
test_form_strict (void)
{
  CercleTestServer *server = start ("limits-form", NULL);
  g_autofree char *good = password_form ("dr.martin", PASSWORD);
  g_autofree char *nul = g_strdup_printf ("grant_type=password&username=dr.martin%%00x&password=%s",
                                          "un+mot+de+passe+assez+long");
  g_autofree char *nul_password = g_strdup_printf ("grant_type=password&username=dr.martin&password=%s%%00",
                                                   "un+mot+de+passe+assez+long");
  g_autofree char *twice = g_strdup_printf ("grant_type=password&username=personne&username=dr.martin&password=%s",
                                            "un+mot+de+passe+assez+long");
  g_autofree char *twice_type = g_strdup_printf ("grant_type=refresh_token&grant_type=password&username=dr.martin"
                                                 "&password=%s", "un+mot+de+passe+assez+long");
  const char *bad[] = { nul, nul_password, twice, twice_type, "grant_type=password&username=a%zz&password=b",
                        "grant_type=password&username&password=b" };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(CercleTestResponse) r = post_token (server, bad[i], NULL);

      if (r->status != 400)
        g_error ("%s: expected 400, got %u: %s", bad[i], r->status, r->body);
      g_assert_cmpstr (json_object_get_string_member (r->json, "error"), ==, "invalid_request");
      g_assert_null (json_object_get_member (r->json, "access_token"));
    }
  {
    g_autoptr(CercleTestResponse) r = post_token (server, twice, NULL);

    assert_french (json_object_get_string_member (r->json, "error_description"), "« username »");
  }
  {
    g_autoptr(CercleTestResponse) r = post_token (server, nul, NULL);

    assert_french (json_object_get_string_member (r->json, "error_description"), "formulaire");
  }
  /* Revocation reads forms the same way. */
  {
    g_autoptr(CercleTestResponse) r = cercle_test_server_request (server, "POST", "/auth/revoke", NULL,
                                                                  "application/x-www-form-urlencoded",
                                                                  "token=a&token=b", NULL);

    g_assert_cmpuint (r->status, ==, 400);
  }
  {
    g_autoptr(CercleTestResponse) r = post_token (server, good, NULL);

    g_assert_cmpuint (r->status, ==, 200);
  }
  /* Strict, not wrong: "+", "%", "&", "=" and accents in a password still
   * sign in, written by a form encoder or with "+" for the spaces. */
  {
    const char *password = "a+b c&d=e%f éà";
    g_autofree char *form = password_form ("plus", password);
    g_autoptr(CercleTestResponse) r = NULL;

    cercle_test_server_add_user (cercle_test_server_get_db_path (server), "plus", password, "pr-plus", NULL);
    r = post_token (server, form, NULL);
    g_assert_cmpuint (r->status, ==, 200);
  }
  {
    g_autoptr(CercleTestResponse) r = post_token (server, "grant_type=password&username=dr.martin"
                                                          "&password=un+mot+de+passe+assez+long", NULL);

    g_assert_cmpuint (r->status, ==, 200);
  }
  cercle_test_server_free (server);
}

/* ---------------------------------------------------------- connections -- */

/* An idle connection, and one that never finishes its headers or its body
 * although it keeps sending, used to stay open for ever. */
static void
test_connection_timeouts (void)
{
  const char *args[] = { "--idle-timeout", "2", "--header-timeout", "2", "--body-timeout", "2", NULL };
  CercleTestServer *server = start ("limits-timeouts", args);
  gboolean closed;

  /* Idle: closed after 2 s, well within 5. */
  {
    g_autoptr(GSocket) socket = raw_open (server);
    g_autofree char *got = NULL;
    gint64 t0 = g_get_monotonic_time ();

    got = raw_read (socket, 6000, &closed);
    g_assert_true (closed);
    g_assert_cmpstr (got, ==, "");
    g_assert_cmpint (g_get_monotonic_time () - t0, >=, 1500 * 1000);
  }
  /* Headers a byte every 300 ms: never idle, still closed by the header
   * deadline. */
  {
    g_autoptr(GSocket) socket = raw_open (server);
    const char *request = "GET /fhir/metadata HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    gint64 t0 = g_get_monotonic_time ();

    closed = FALSE;
    for (const char *p = request; *p && !closed; p++)
      {
        g_autoptr(GError) error = NULL;
        g_autofree char *got = NULL;

        if (g_socket_send (socket, p, 1, NULL, &error) < 0)
          break;
        got = raw_read (socket, 300, &closed);
      }
    g_assert_true (closed);
    g_assert_cmpint (g_get_monotonic_time () - t0, <, 5 * G_USEC_PER_SEC);
  }
  /* A body that stops half way. */
  {
    g_autoptr(GSocket) socket = raw_open (server);
    g_autofree char *got = NULL;

    raw_send (socket, "POST /fhir/Patient HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/fhir+json\r\n"
                      "Content-Length: 100\r\n\r\n{\"resourceType\":", -1);
    got = raw_read (socket, 6000, &closed);
    g_assert_true (closed);
  }
  /* A connection in use is kept: three requests, 1.5 s apart. */
  {
    g_autoptr(GSocket) socket = raw_open (server);

    for (guint i = 0; i < 3; i++)
      {
        g_autofree char *got = NULL;

        raw_send (socket, "GET /fhir/metadata HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", -1);
        got = raw_read (socket, 1500, &closed);
        g_assert_false (closed);
        g_assert_cmpuint (status_of (got), ==, 200);
      }
  }
  assert_alive (server);
  cercle_test_server_free (server);
}

/* A client address may hold so many connections at once; the next gets a
 * 503 and the door, and a place freed is a place again. */
static void
test_connection_caps (void)
{
  const char *args[] = { "--max-connections-per-address", "4", NULL };
  CercleTestServer *server = start ("limits-caps", args);
  GSocket *held[4];
  gboolean closed;

  for (guint i = 0; i < G_N_ELEMENTS (held); i++)
    {
      g_autofree char *got = NULL;

      held[i] = raw_open (server);
      /* Each one answered: the server has accepted it. */
      raw_send (held[i], "GET /fhir/metadata HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", -1);
      got = raw_read (held[i], 500, &closed);
      g_assert_cmpuint (status_of (got), ==, 200);
    }
  {
    g_autoptr(GSocket) extra = raw_open (server);
    g_autofree char *got = raw_read (extra, 5000, &closed);

    g_assert_true (closed);
    g_assert_cmpuint (status_of (got), ==, 503);
  }
  g_socket_close (held[0], NULL);
  g_object_unref (held[0]);
  g_usleep (200 * 1000);
  {
    g_autoptr(GSocket) again = raw_open (server);
    g_autofree char *got = NULL;

    raw_send (again, "GET /fhir/metadata HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", -1);
    got = raw_read (again, 1000, &closed);
    g_assert_cmpuint (status_of (got), ==, 200);
  }
  for (guint i = 1; i < G_N_ELEMENTS (held); i++)
    g_object_unref (held[i]);
  cercle_test_server_free (server);

  /* The cap over all addresses. */
  {
    const char *all_args[] = { "--max-connections", "2", NULL };
    CercleTestServer *small = start ("limits-caps-all", all_args);
    g_autoptr(GSocket) first = raw_open (small);
    g_autoptr(GSocket) second = raw_open (small);
    g_autoptr(GSocket) third = NULL;
    g_autofree char *got = NULL;

    raw_send (first, "GET /fhir/metadata HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", -1);
    g_free (raw_read (first, 500, &closed));
    raw_send (second, "GET /fhir/metadata HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", -1);
    g_free (raw_read (second, 500, &closed));
    third = raw_open (small);
    got = raw_read (third, 5000, &closed);
    g_assert_true (closed);
    g_assert_cmpuint (status_of (got), ==, 503);
    g_socket_close (first, NULL);
    g_socket_close (second, NULL);
    cercle_test_server_free (small);
  }
}

/* HTTP/0.9, garbage and bad lengths used to get no answer while the
 * connection stayed open. */
static void
test_http_malformed (void)
{
  CercleTestServer *server = start ("limits-http", NULL);
  static const char *requests[] = {
    "GET /fhir/metadata\r\n",
    "GET /fhir/metadata HTTP/0.9\r\n\r\n",
    "garbage garbage\r\n\r\n",
    "\x01\x02\x03\r\n",
    "POST /auth/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: -1\r\n\r\n",
    "POST /auth/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\nabcde",
    "POST /auth/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1x\r\n\r\n",
    "POST /auth/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
  };

  for (guint i = 0; i < G_N_ELEMENTS (requests); i++)
    {
      g_autoptr(GSocket) socket = raw_open (server);
      g_autofree char *got = NULL;
      gboolean closed;

      raw_send (socket, requests[i], -1);
      /* Not shut for writing: the server must answer and close by itself. */
      got = raw_read (socket, 3000, &closed);
      if (!closed || !(g_str_has_prefix (got, "HTTP/1.1 400 ") || g_str_has_prefix (got, "HTTP/1.0 400 ")))
        g_error ("%s: expected a 400 and the end of the connection, got %s (%s)", g_strescape (requests[i], NULL),
                 got, closed ? "closed" : "still open");
    }
  /* A chunked body has no size to refuse before it is read: 411. */
  {
    g_autoptr(CercleTestResponse) r = NULL;
    g_autofree char *token = login (server);
    g_autofree char *request = g_strdup_printf ("POST /fhir/Patient HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                                "Authorization: Bearer %s\r\nContent-Type: application/fhir+json\r\n"
                                                "Transfer-Encoding: chunked\r\n\r\n"
                                                "1a\r\n{\"resourceType\":\"Patient\"}\r\n0\r\n\r\n", token);
    g_autofree char *got = raw_request (server, request, -1);

    g_assert_cmpuint (status_of (got), ==, 411);
  }
  assert_alive (server);
  cercle_test_server_free (server);
}

/* ----------------------------------------------------------- pipelining -- */

typedef struct {
  guint  status;
  char  *body;
} Answer;

static void
answer_free (gpointer data)
{
  Answer *a = data;

  g_free (a->body);
  g_free (a);
}

/* The answers complete in @data, in order; *used: the bytes they take. */
static GPtrArray *
parse_answers (const char *data,
               gsize       len,
               gsize      *used)
{
  GPtrArray *answers = g_ptr_array_new_with_free_func (answer_free);
  gsize at = 0;

  for (;;)
    {
      const char *start = data + at;
      const char *end = g_strstr_len (start, len - at, "\r\n\r\n");
      g_autofree char *head = NULL;
      const char *length;
      gsize body_len = 0;
      Answer *a;

      if (end == NULL)
        break;
      head = g_ascii_strdown (start, end - start);
      g_assert_true (g_str_has_prefix (head, "http/1.1 ") || g_str_has_prefix (head, "http/1.0 "));
      length = strstr (head, "\r\ncontent-length:");
      if (length)
        body_len = strtoul (length + 17, NULL, 10);
      if ((gsize) (end + 4 - data) + body_len > len)
        break;
      a = g_new0 (Answer, 1);
      a->status = (guint) atoi (head + 9);
      a->body = g_strndup (end + 4, body_len);
      g_ptr_array_add (answers, a);
      at = end + 4 - data + body_len;
    }
  if (used)
    *used = at;
  return answers;
}

static void
set_nodelay (GSocket *socket)
{
  g_autoptr(GError) error = NULL;

  g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, 1, &error);
  g_assert_no_error (error);
}

typedef struct {
  GSocket *socket;
  GString *data;
} Sender;

static gpointer
send_all (gpointer data)
{
  Sender *sender = data;

  raw_send (sender->socket, sender->data->str, sender->data->len);
  return NULL;
}

#define PIPELINE_LENGTH 2000

/* 2,000 requests written in one go on one connection: 2,000 answers, in
 * order (the guard used to lose count after its first read: 77 answers,
 * then a 400). */
static void
test_pipeline_long (void)
{
  CercleTestServer *server = start ("limits-pipeline-long", NULL);
  g_autofree char *token = login (server);
  g_autoptr(GSocket) socket = raw_open (server);
  g_autoptr(GString) got = g_string_new (NULL);
  g_autoptr(GPtrArray) answers = NULL;
  gint64 end = g_get_monotonic_time () + 90 * G_USEC_PER_SEC;
  Sender sender = { socket, g_string_new (NULL) };
  GThread *thread;
  gboolean closed = FALSE;

  for (guint i = 0; i < PIPELINE_LENGTH; i++)
    g_string_append_printf (sender.data, "GET /fhir/Patient/pipe%04u HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                         "Authorization: Bearer %s\r\n\r\n", i, token);
  /* Written from a thread: the answers are read meanwhile, or both sides
   * would wait on full buffers. */
  thread = g_thread_new ("sender", send_all, &sender);
  while (g_get_monotonic_time () < end && !closed)
    {
      g_autofree char *more = raw_read (socket, 500, &closed);

      g_string_append (got, more);
      g_clear_pointer (&answers, g_ptr_array_unref);
      answers = parse_answers (got->str, got->len, NULL);
      if (answers->len >= PIPELINE_LENGTH)
        break;
    }
  g_thread_join (thread);
  g_string_free (sender.data, TRUE);
  g_assert_false (closed);
  g_assert_cmpuint (answers->len, ==, PIPELINE_LENGTH);
  for (guint i = 0; i < PIPELINE_LENGTH; i++)
    {
      Answer *a = g_ptr_array_index (answers, i);
      g_autofree char *id = g_strdup_printf ("Patient/pipe%04u", i);

      g_assert_cmpuint (a->status, ==, 404);
      if (strstr (a->body, id) == NULL)
        g_error ("answer %u is not about %s: %s", i, id, a->body);
    }
  assert_alive (server);
  cercle_test_server_free (server);
}

/* A good request, then a malformed one, written together: the good one is
 * answered, the bad one gets its 400 (411 for a chunked body, as alone)
 * and the end of the connection; what follows it gets nothing. The guard
 * used to look at the first request of a read only. */
static void
test_pipeline_malformed (void)
{
  CercleTestServer *server = start ("limits-pipeline-malformed", NULL);
  g_autofree char *token = login (server);
  const char *good = "GET /fhir/metadata HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  g_autofree char *chunked = g_strdup_printf ("POST /fhir/Patient HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                              "Authorization: Bearer %s\r\nContent-Type: application/fhir+json\r\n"
                                              "Transfer-Encoding: chunked\r\n\r\n"
                                              "1a\r\n{\"resourceType\":\"Patient\"}\r\n0\r\n\r\n", token);
  struct {
    const char *request;
    guint       status;
  } bad[] = {
    { "GET /fhir/metadata\r\n", 400 },
    { "GET /fhir/metadata HTTP/0.9\r\n\r\n", 400 },
    { "garbage garbage\r\n\r\n", 400 },
    { "POST /auth/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: -1\r\n\r\n", 400 },
    { "POST /auth/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\nabcde", 400 },
    { "POST /auth/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
      "0\r\n\r\n", 400 },
    { "POST /auth/token HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n"
      "0\r\n\r\n", 400 },
    { chunked, 411 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    for (guint before = 1; before <= 2; before++)
      {
        g_autoptr(GSocket) socket = raw_open (server);
        g_autoptr(GString) request = g_string_new (NULL);
        g_autoptr(GPtrArray) answers = NULL;
        g_autoptr(GString) got = g_string_new (NULL);
        gint64 end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
        gboolean closed = FALSE;
        gsize used;

        for (guint j = 0; j < before; j++)
          g_string_append (request, good);
        g_string_append (request, bad[i].request);
        /* Never to be answered: it comes after the malformed one. */
        g_string_append (request, good);
        raw_send (socket, request->str, request->len);
        while (!closed && g_get_monotonic_time () < end)
          {
            g_autofree char *more = raw_read (socket, 200, &closed);

            g_string_append (got, more);
          }
        answers = parse_answers (got->str, got->len, &used);
        if (!closed || answers->len != before + 1 || used != got->len)
          g_error ("%s after %u good: expected %u answers and the end of the connection, got %s (%s)",
                   g_strescape (bad[i].request, NULL), before, before + 1, got->str,
                   closed ? "closed" : "still open");
        for (guint j = 0; j < before; j++)
          g_assert_cmpuint (((Answer *) g_ptr_array_index (answers, j))->status, ==, 200);
        g_assert_cmpuint (((Answer *) g_ptr_array_index (answers, before))->status, ==, bad[i].status);
      }
  assert_alive (server);
  cercle_test_server_free (server);
}

/* The second request of a pipeline sends its headers a line every 300 ms:
 * never idle, still closed by the header deadline, without an answer (it
 * is slow, not malformed). */
static void
test_pipeline_slow (void)
{
  const char *args[] = { "--idle-timeout", "10", "--header-timeout", "2", "--body-timeout", "10", NULL };
  CercleTestServer *server = start ("limits-pipeline-slow", args);
  g_autoptr(GSocket) socket = raw_open (server);
  g_autoptr(GString) got = g_string_new (NULL);
  g_autoptr(GPtrArray) answers = NULL;
  gint64 t0 = g_get_monotonic_time ();
  gboolean closed = FALSE;

  set_nodelay (socket);
  raw_send (socket, "GET /fhir/metadata HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                    "GET /fhir/metadata HTTP/1.1\r\n", -1);
  for (guint i = 0; i < 40 && !closed; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *line = g_strdup_printf ("X-Slow-%u: a\r\n", i);
      g_autofree char *more = NULL;

      for (const char *p = line; *p && !closed; p++)
        {
          if (g_socket_send (socket, p, 1, NULL, &error) < 0)
            {
              closed = TRUE;
              break;
            }
          g_free (more);
          more = raw_read (socket, 25, &closed);
          g_string_append (got, more);
        }
    }
  if (!closed)
    {
      g_autofree char *more = raw_read (socket, 3000, &closed);

      g_string_append (got, more);
    }
  g_assert_true (closed);
  g_assert_cmpint (g_get_monotonic_time () - t0, >=, 1500 * 1000);
  g_assert_cmpint (g_get_monotonic_time () - t0, <, 6 * G_USEC_PER_SEC);
  answers = parse_answers (got->str, got->len, NULL);
  if (answers->len != 1)
    g_error ("expected the first answer only, got %s", got->str);
  g_assert_cmpuint (((Answer *) g_ptr_array_index (answers, 0))->status, ==, 200);
  assert_alive (server);
  cercle_test_server_free (server);
}

/* Three requests (one with a body that looks like a request) split in two
 * writes at every byte: each split is read as the same three requests. */
static void
test_pipeline_split (void)
{
  CercleTestServer *server = start ("limits-pipeline-split", NULL);
  const char *body = "x\r\n\r\nGET /fhir/metadata\r\n\r\n";
  g_autofree char *stream = g_strdup_printf ("GET /fhir/metadata HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                                             "POST /fhir/metadata HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                             "Content-Type: text/plain\r\nContent-Length: %u\r\n\r\n%s"
                                             "GET /fhir/metadata HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
                                             (guint) strlen (body), body);
  gsize len = strlen (stream);
  guint post_status = 0;

  for (gsize split = 1; split < len; split++)
    {
      g_autoptr(GSocket) socket = raw_open (server);
      g_autoptr(GString) got = g_string_new (NULL);
      g_autoptr(GPtrArray) answers = NULL;
      gint64 end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
      gboolean closed = FALSE;

      set_nodelay (socket);
      raw_send (socket, stream, split);
      /* Long enough for the server to read the first part alone. */
      g_usleep (15 * 1000);
      raw_send (socket, stream + split, len - split);
      while (!closed && g_get_monotonic_time () < end)
        {
          g_autofree char *more = raw_read (socket, 20, &closed);

          g_string_append (got, more);
          g_clear_pointer (&answers, g_ptr_array_unref);
          answers = parse_answers (got->str, got->len, NULL);
          if (answers->len >= 3)
            break;
        }
      g_clear_pointer (&answers, g_ptr_array_unref);
      answers = parse_answers (got->str, got->len, NULL);
      if (answers->len != 3 || closed)
        g_error ("split at %" G_GSIZE_FORMAT ": expected 3 answers on an open connection, got %s (%s)", split,
                 got->str, closed ? "closed" : "open");
      g_assert_cmpuint (((Answer *) g_ptr_array_index (answers, 0))->status, ==, 200);
      g_assert_cmpuint (((Answer *) g_ptr_array_index (answers, 2))->status, ==, 200);
      /* The POST gets the same answer whatever the split (not a 400 of the
       * guard: its body is not a request). */
      if (post_status == 0)
        post_status = ((Answer *) g_ptr_array_index (answers, 1))->status;
      g_assert_cmpuint (((Answer *) g_ptr_array_index (answers, 1))->status, ==, post_status);
      g_assert_cmpuint (post_status, !=, 400);
    }
  assert_alive (server);
  cercle_test_server_free (server);
}

/* ----------------------------------------------------------------- logs -- */

static guint
longest_line (const char *text)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  guint longest = 0;

  for (guint i = 0; lines[i]; i++)
    longest = MAX (longest, (guint) g_utf8_strlen (lines[i], -1));
  return longest;
}

/* A login with a newline wrote a fake line; %0A broke a path's line; a
 * failed login logged what was typed (a password, when typed in the wrong
 * field); a 10,000-character id was logged whole. */
static void
test_log_forging (void)
{
  CercleTestServer *server = start ("limits-log", NULL);
  g_autofree char *token = login (server);
  g_autofree char *forged = password_form ("x\ncercle-server-Message: 12:00:00.000: Login of “dr.martin”", "y");
  g_autofree char *secret = password_form ("Motdepasse-Secret-42!", "dr.martin");
  g_autofree char *known = password_form ("dr.martin", "pas le bon");
  g_autofree char *long_path = NULL;
  g_autofree char *log = NULL;
  g_auto(GStrv) lines = NULL;
  GString *id = g_string_new ("/fhir/Patient/");

  {
    g_autoptr(CercleTestResponse) r1 = post_token (server, forged, NULL);
    g_autoptr(CercleTestResponse) r2 = post_token (server, secret, NULL);
    g_autoptr(CercleTestResponse) r3 = post_token (server, known, NULL);

    g_assert_cmpuint (r1->status, ==, 400);
    g_assert_cmpuint (r2->status, ==, 400);
    g_assert_cmpuint (r3->status, ==, 400);
  }
  for (guint i = 0; i < 10000; i++)
    g_string_append_c (id, 'a' + i % 26);
  long_path = g_string_free (id, FALSE);
  {
    g_autoptr(CercleTestResponse) r = cercle_test_server_request (server, "PUT", long_path, token, NULL,
                                                                  "{\"resourceType\":\"Patient\"}", NULL);

    g_assert_cmpuint (r->status, >=, 400);
  }
  {
    g_autoptr(CercleTestResponse) r = cercle_test_server_request (server, "PUT",
                                                                  "/fhir/Patient/a%0Acercle-server-Message:%20forged",
                                                                  token, NULL, "{\"resourceType\":\"Patient\"}", NULL);

    g_assert_cmpuint (r->status, >=, 400);
  }

  log = cercle_test_server_dup_log (server);
  lines = g_strsplit (log, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      /* Every line is one of the server's own. */
      if (lines[i][0] != '\0' && !g_str_has_prefix (lines[i], "cercle-server-Message: ") &&
          !g_str_has_prefix (lines[i], "cercle-server-Debug: ") && !g_str_has_prefix (lines[i], "cercle-server-Info: "))
        g_error ("A line of the log not written by the server: %s", lines[i]);
      if (g_str_has_prefix (lines[i], "cercle-server-Message: 12:00:00.000"))
        g_error ("A forged line in the log: %s", lines[i]);
    }
  /* dr.martin signed in once, for the token: one such line, not two. */
  g_assert_nonnull (strstr (log, "Login of “dr.martin”"));
  g_assert_null (strstr (strstr (log, "Login of “dr.martin”") + 1, "Login of “dr.martin”"));
  g_assert_null (strstr (log, "Motdepasse-Secret-42!"));
  g_assert_nonnull (strstr (log, "Failed login for a name that is no account (#"));
  g_assert_nonnull (strstr (log, "Failed login for the account “dr.martin”"));
  g_assert_nonnull (strstr (log, "/fhir/Patient/a\\ncercle-server-Message: forged"));
  g_assert_cmpuint (longest_line (log), <, 400);
  g_assert_nonnull (strstr (log, "abcdefghij"));
  g_assert_nonnull (strstr (log, "…"));
  cercle_test_server_free (server);
}

/* -------------------------------------------------------------- public URL -- */

static void
assert_no_forged_host (const char *answer)
{
  if (strstr (answer, "evil.example"))
    g_error ("The forged Host is in the answer: %s", answer);
}

static char *
raw_with_host (CercleTestServer *server,
               const char       *method,
               const char       *path,
               const char       *token,
               const char       *body)
{
  g_autofree char *request = g_strdup_printf ("%s %s HTTP/1.1\r\nHost: evil.example:666\r\nAuthorization: Bearer %s\r\n"
                                              "Content-Type: application/fhir+json\r\nConnection: close\r\n"
                                              "Content-Length: %u\r\n\r\n%s",
                                              method, path, token, body ? (guint) strlen (body) : 0,
                                              body ? body : "");

  return raw_request (server, request, -1);
}

/* The Host header used to be copied into Bundle links, fullUrl and
 * Location: every absolute URL now starts with --public-url, or the
 * listening address without it. */
static void
test_public_url (void)
{
  const char *args[] = { "--public-url", "https://cercle.dac77.example/api/", NULL };
  static const char *transaction =
    "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[{\"fullUrl\":\"urn:uuid:1\","
    "\"resource\":{\"resourceType\":\"Patient\",\"name\":[{\"family\":\"Durand\"}]},"
    "\"request\":{\"method\":\"POST\",\"url\":\"Patient\"}}]}";

  for (guint with_option = 0; with_option < 2; with_option++)
    {
      CercleTestServer *server = start ("limits-public-url", with_option ? args : NULL);
      g_autofree char *token = login (server);
      g_autofree char *base = with_option ? g_strdup ("https://cercle.dac77.example/api/fhir/")
                                          : g_strdup_printf ("%s/fhir/", cercle_test_server_get_url (server));
      g_autofree char *created = raw_with_host (server, "POST", "/fhir/Patient", token,
                                                "{\"resourceType\":\"Patient\",\"name\":[{\"family\":\"Durand\"}]}");
      g_autofree char *bundle = raw_with_host (server, "POST", "/fhir", token, transaction);
      g_autofree char *search = raw_with_host (server, "GET", "/fhir/Patient?_count=1", token, NULL);
      g_autofree char *history = raw_with_host (server, "GET", "/fhir/_history?_count=1", token, NULL);
      g_autofree char *location = g_strdup_printf ("Location: %sPatient/", base);
      g_autofree char *full_url = g_strdup_printf ("\"fullUrl\":\"%sPatient/", base);
      g_autofree char *link = g_strdup_printf ("\"url\":\"%sPatient?", base);

      g_assert_cmpuint (status_of (created), ==, 201);
      assert_no_forged_host (created);
      assert_no_forged_host (bundle);
      assert_no_forged_host (search);
      assert_no_forged_host (history);
      g_assert_nonnull (strstr (created, location));
      g_assert_nonnull (strstr (bundle, full_url));
      g_assert_nonnull (strstr (search, link));
      g_assert_nonnull (strstr (history, base));
      cercle_test_server_free (server);
    }
}

/* ------------------------------------------------------------- search -- */

/* near=NaN|NaN|1|km used to be accepted (NaN passes every range check). */
static void
test_search_near (void)
{
  CercleTestServer *server = start ("limits-near", NULL);
  g_autofree char *token = login (server);
  static const char *bad[] = {
    "NaN|NaN|1|km", "nan|2.3|1|km", "48.8|inf|1|km", "48.8|2.3|inf|km", "48.8|2.3|-5|km", "48.8|2.3|0|km",
    "91|2.3|1|km", "48.8|-181|1|km", "|2.3|1|km", "0x1p3|2.3|1|km", "48.8|2.3|1e400|km", "48.8|2.3|5|miles",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *escaped = g_uri_escape_string (bad[i], NULL, FALSE);
      g_autofree char *path = g_strdup_printf ("/fhir/Location?near=%s", escaped);
      g_autoptr(CercleTestResponse) r = cercle_test_server_request (server, "GET", path, token, NULL, NULL, NULL);

      if (r->status != 400)
        g_error ("near=%s: expected 400, got %u", bad[i], r->status);
    }
  {
    g_autoptr(CercleTestResponse) r = cercle_test_server_request (server, "GET", "/fhir/Location?near=48.8%7C2.3%7C5%7Ckm",
                                                                  token, NULL, NULL, NULL);

    g_assert_cmpuint (r->status, ==, 200);
  }
  cercle_test_server_free (server);
}

/* The sibling of the strict forms: a search's query used to keep the last
 * of a repeated parameter, and to cut a value at a %00. */
static void
test_search_strict_query (void)
{
  CercleTestServer *server = start ("limits-query", NULL);
  g_autofree char *token = login (server);
  static const char *bad[] = {
    "/fhir/Patient?name=dur%00xyz", "/fhir/Patient?name=zzz&name=dur", "/fhir/Patient?_count=1&_count=2",
    "/fhir/Communication/_history?_since=2026-01-01T00:00:00Z&_since=2020-01-01T00:00:00Z",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(CercleTestResponse) r = cercle_test_server_request (server, "GET", bad[i], token, NULL, NULL, NULL);

      if (r->status != 400)
        g_error ("%s: expected 400, got %u", bad[i], r->status);
    }
  {
    g_autoptr(CercleTestResponse) r = cercle_test_server_request (server, "GET", "/fhir/Patient?name=zzz&name=dur",
                                                                  token, NULL, NULL, NULL);

    assert_french (diagnostics (r), "« name » est donné plus d’une fois");
  }
  {
    g_autoptr(CercleTestResponse) r = cercle_test_server_request (server, "GET", "/fhir/Patient?name=dur&_count=5",
                                                                  token, NULL, NULL, NULL);

    g_assert_cmpuint (r->status, ==, 200);
  }
  cercle_test_server_free (server);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *localedir = NULL;

  g_test_init (&argc, &argv, NULL);

  /* The server speaks French, as on a French site; this process stays in C. */
  localedir = g_build_filename (g_getenv ("CERCLE_BUILD_DIR"), "po", NULL);
  french = setlocale (LC_MESSAGES, "fr_FR.UTF-8") != NULL;
  setlocale (LC_ALL, "C.UTF-8");
  if (french)
    {
      g_unsetenv ("LC_ALL");
      g_setenv ("LANG", "C.UTF-8", TRUE);
      g_setenv ("LC_MESSAGES", "fr_FR.UTF-8", TRUE);
      g_setenv ("CERCLE_LOCALEDIR", localedir, TRUE);
    }
  else
    g_test_message ("fr_FR.UTF-8 is not generated: French answers not checked");

  g_test_add_func ("/limits/json/guard", test_json_guard);
  g_test_add_func ("/limits/json/deep", test_json_deep);
  g_test_add_func ("/limits/json/nul", test_json_nul);
  g_test_add_func ("/limits/json/numbers", test_json_numbers);
  g_test_add_func ("/limits/json/client-deep-answer", test_client_deep_answer);
  g_test_add_func ("/limits/login/throttle", test_login_throttle);
  g_test_add_func ("/limits/login/throttle-address", test_login_throttle_address);
  g_test_add_func ("/limits/login/throttle-ipv6", test_login_throttle_ipv6);
  g_test_add_func ("/limits/login/off-main-loop", test_login_off_main_loop);
  g_test_add_func ("/limits/form/strict", test_form_strict);
  g_test_add_func ("/limits/connection/timeouts", test_connection_timeouts);
  g_test_add_func ("/limits/connection/caps", test_connection_caps);
  g_test_add_func ("/limits/http/malformed", test_http_malformed);
  g_test_add_func ("/limits/http/pipeline-long", test_pipeline_long);
  g_test_add_func ("/limits/http/pipeline-malformed", test_pipeline_malformed);
  g_test_add_func ("/limits/http/pipeline-slow", test_pipeline_slow);
  g_test_add_func ("/limits/http/pipeline-split", test_pipeline_split);
  g_test_add_func ("/limits/log/forging", test_log_forging);
  g_test_add_func ("/limits/public-url", test_public_url);
  g_test_add_func ("/limits/search/near", test_search_near);
  g_test_add_func ("/limits/search/strict-query", test_search_strict_query);

  return g_test_run ();
}
