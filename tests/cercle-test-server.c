/* cercle-test-server.c — start the real cercle-server for a test, talk to it
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gio/gio.h>
#include <signal.h>
#include <sys/prctl.h>
#include <string.h>

#include "cercle-test-server.h"

struct _CercleTestServer
{
  GSubprocess *process;
  char        *url;       /* "http://127.0.0.1:PORT" without a trailing slash */
  char        *db_path;
  SoupSession *session;
  char        *dump_dir;
  guint        n_dumped;
  char        *log_path;
};

static const char *
server_bin (void)
{
  const char *bin = g_getenv ("CERCLE_SERVER_BIN");

  g_assert_nonnull (bin);
  return bin;
}

/* A fresh database path under the test's temporary folder. */
char *
cercle_test_db_path (const char *name)
{
  const char *dir = g_getenv ("CERCLE_TEST_TMPDIR");
  g_autofree char *base = g_strdup_printf ("%s-%08x.db", name, g_random_int ());

  return g_build_filename (dir ? dir : g_get_tmp_dir (), base, NULL);
}

static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

CercleTestServer *
cercle_test_server_start (const char         *db_path,
                          const char * const *extra_args)
{
  CercleTestServer *server = g_new0 (CercleTestServer, 1);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autofree char *line = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;

  server->db_path = g_strdup (db_path);
  g_ptr_array_add (argv, (gpointer) server_bin ());
  g_ptr_array_add (argv, (gpointer) "--db");
  g_ptr_array_add (argv, server->db_path);
  g_ptr_array_add (argv, (gpointer) "--listen");
  g_ptr_array_add (argv, (gpointer) "127.0.0.1:0");
  for (guint i = 0; extra_args && extra_args[i]; i++)
    g_ptr_array_add (argv, (gpointer) extra_args[i]);
  g_ptr_array_add (argv, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  /* The server's log goes to a file (a test can read what it says), one
   * per start so that a restart does not lose the earlier one. */
  server->log_path = g_strdup_printf ("%s.%08x.log", db_path, g_random_int ());
  g_subprocess_launcher_set_stderr_file_path (launcher, server->log_path);
  /* A test that aborts must not leave its server running. */
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  server->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (server->process));
  line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  g_assert_true (g_str_has_prefix (line, "Listening on http://127.0.0.1:") ||
                 g_str_has_prefix (line, "Listening on https://127.0.0.1:"));
  server->url = g_strdup (line + strlen ("Listening on "));
  if (g_str_has_suffix (server->url, "/"))
    server->url[strlen (server->url) - 1] = '\0';
  server->session = soup_session_new_with_options ("max-conns-per-host", 64, "max-conns", 64, "timeout", 30, NULL);
  return server;
}

void
cercle_test_server_stop (CercleTestServer *server)
{
  g_autoptr(GError) error = NULL;

  if (server->process == NULL)
    return;
  g_subprocess_send_signal (server->process, SIGTERM);
  g_subprocess_wait (server->process, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (server->process));
  g_assert_cmpint (g_subprocess_get_exit_status (server->process), ==, 0);
  g_clear_object (&server->process);
}

/* kill -9: no chance to flush anything. */
void
cercle_test_server_kill (CercleTestServer *server)
{
  if (server->process == NULL)
    return;
  g_subprocess_force_exit (server->process);
  g_subprocess_wait (server->process, NULL, NULL);
  g_clear_object (&server->process);
}

/* SIGSTOP / SIGCONT, to hold the server still while the kernel alone
 * answers its clients. */
void
cercle_test_server_send_signal (CercleTestServer *server,
                                int               signum)
{
  g_assert_nonnull (server->process);
  g_subprocess_send_signal (server->process, signum);
}

void
cercle_test_server_free (CercleTestServer *server)
{
  if (server == NULL)
    return;
  cercle_test_server_stop (server);
  g_clear_object (&server->session);
  g_free (server->url);
  g_free (server->db_path);
  g_free (server->dump_dir);
  g_free (server->log_path);
  g_free (server);
}

const char *
cercle_test_server_get_url (CercleTestServer *server)
{
  return server->url;
}

/* What the server wrote on its standard error so far. */
char *
cercle_test_server_dup_log (CercleTestServer *server)
{
  char *text = NULL;

  g_file_get_contents (server->log_path, &text, NULL, NULL);
  return text ? text : g_strdup ("");
}

const char *
cercle_test_server_get_db_path (CercleTestServer *server)
{
  return server->db_path;
}

SoupSession *
cercle_test_server_get_session (CercleTestServer *server)
{
  return server->session;
}

/* Every FHIR body received is written to @dir, for the schema check. */
void
cercle_test_server_set_dump_dir (CercleTestServer *server,
                                 const char       *dir)
{
  g_free (server->dump_dir);
  server->dump_dir = g_strdup (dir);
  g_mkdir_with_parents (dir, 0700);
}

/* Runs `cercle-server --db @db_path ARGS…` and returns its exit status. */
int
cercle_test_server_run_cli (const char  *db_path,
                            const char  *stdin_text,
                            char       **stdout_text,
                            ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  va_list ap;
  const char *arg;

  g_ptr_array_add (argv, (gpointer) server_bin ());
  g_ptr_array_add (argv, (gpointer) "--db");
  g_ptr_array_add (argv, (gpointer) db_path);
  va_start (ap, stdout_text);
  while ((arg = va_arg (ap, const char *)))
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (argv, NULL);

  process = g_subprocess_newv ((const char * const *) argv->pdata,
                               G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, stdin_text, NULL, &out, NULL, &error);
  g_assert_no_error (error);
  if (stdout_text)
    *stdout_text = g_steal_pointer (&out);
  g_assert_true (g_subprocess_get_if_exited (process));
  return g_subprocess_get_exit_status (process);
}

void
cercle_test_server_add_user (const char *db_path,
                             const char *login,
                             const char *password,
                             const char *practitioner_id,
                             const char *organization_id)
{
  g_autofree char *input = g_strdup_printf ("%s\n", password);
  int status;

  if (organization_id)
    status = cercle_test_server_run_cli (db_path, input, NULL, "user", "add", login,
                                         "--practitioner", practitioner_id, "--organization", organization_id, NULL);
  else
    status = cercle_test_server_run_cli (db_path, input, NULL, "user", "add", login,
                                         "--practitioner", practitioner_id, NULL);
  g_assert_cmpint (status, ==, 0);
}

static void
dump_text (CercleTestServer *server,
           const char       *text)
{
  g_autofree char *name = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;

  /* Named by content: what is served many times is checked once. */
  name = g_compute_checksum_for_string (G_CHECKSUM_SHA1, text, -1);
  path = g_strdup_printf ("%s/%s.json", server->dump_dir, name);
  if (g_file_test (path, G_FILE_TEST_EXISTS))
    return;
  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
  server->n_dumped++;
}

/* A Bundle is dumped as its resources plus its shell without them: the
 * schema checks a resource inside a Bundle through a oneOf over every type,
 * which is very slow, and finds the same errors on the resource alone. */
static void
dump (CercleTestServer *server,
      JsonObject       *json)
{
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *text = NULL;

  if (server->dump_dir == NULL || json == NULL)
    return;
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_set_object (node, json);
  if (g_strcmp0 (json_object_get_string_member_with_default (json, "resourceType", ""), "Bundle") == 0 &&
      json_object_has_member (json, "entry"))
    {
      /* A deep copy: json_node_copy() would share the object. */
      g_autofree char *whole = json_to_string (node, FALSE);
      g_autoptr(JsonNode) copy = json_from_string (whole, NULL);
      JsonArray *entries = json_object_get_array_member (json_node_get_object (copy), "entry");

      for (guint i = 0; i < json_array_get_length (entries); i++)
        {
          JsonObject *entry = json_array_get_object_element (entries, i);

          if (json_object_has_member (entry, "resource"))
            {
              g_autoptr(JsonNode) r = json_node_new (JSON_NODE_OBJECT);
              g_autofree char *rtext = NULL;

              json_node_set_object (r, json_object_get_object_member (entry, "resource"));
              rtext = json_to_string (r, FALSE);
              dump_text (server, rtext);
              json_object_remove_member (entry, "resource");
            }
        }
      text = json_to_string (copy, FALSE);
    }
  else
    text = json_to_string (node, FALSE);
  dump_text (server, text);
}

static gboolean
accept_any_certificate (SoupMessage          *msg,
                        GTlsCertificate      *certificate,
                        GTlsCertificateFlags  errors,
                        gpointer              data)
{
  return TRUE;
}

CercleTestResponse *
cercle_test_server_request (CercleTestServer *server,
                            const char       *method,
                            const char       *path,
                            const char       *token,
                            const char       *content_type,
                            const char       *body,
                            const char       *if_match)
{
  g_autofree char *uri = g_strconcat (server->url, path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (method, uri);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  CercleTestResponse *response = g_new0 (CercleTestResponse, 1);
  SoupMessageHeaders *headers;
  const char *type;

  g_assert_nonnull (msg);
  /* A test server's certificate is self-signed: trusted for this test only. */
  if (g_str_has_prefix (server->url, "https:"))
    g_signal_connect (msg, "accept-certificate", G_CALLBACK (accept_any_certificate), NULL);
  headers = soup_message_get_request_headers (msg);
  if (token)
    {
      g_autofree char *value = g_strdup_printf ("Bearer %s", token);
      soup_message_headers_replace (headers, "Authorization", value);
    }
  if (if_match)
    soup_message_headers_replace (headers, "If-Match", if_match);
  if (body)
    {
      g_autoptr(GBytes) request = g_bytes_new (body, strlen (body));
      soup_message_set_request_body_from_bytes (msg, content_type ? content_type : "application/fhir+json", request);
    }
  bytes = soup_session_send_and_read (server->session, msg, NULL, &error);
  g_assert_no_error (error);

  response->status = soup_message_get_status (msg);
  response->body = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  response->etag = g_strdup (soup_message_headers_get_one (soup_message_get_response_headers (msg), "ETag"));
  response->location = g_strdup (soup_message_headers_get_one (soup_message_get_response_headers (msg), "Location"));
  type = soup_message_headers_get_content_type (soup_message_get_response_headers (msg), NULL);
  if (type && (g_str_equal (type, "application/fhir+json") || g_str_equal (type, "application/json")))
    {
      g_autoptr(JsonParser) parser = json_parser_new ();

      if (json_parser_load_from_data (parser, response->body, -1, NULL) &&
          JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
        response->json = json_object_ref (json_node_get_object (json_parser_get_root (parser)));
      if (g_str_equal (type, "application/fhir+json"))
        dump (server, response->json);
    }
  return response;
}

void
cercle_test_response_free (CercleTestResponse *response)
{
  if (response == NULL)
    return;
  g_clear_pointer (&response->json, json_object_unref);
  g_free (response->body);
  g_free (response->etag);
  g_free (response->location);
  g_free (response);
}

char *
cercle_test_server_login (CercleTestServer *server,
                          const char       *login,
                          const char       *password)
{
  g_autofree char *form = soup_form_encode ("grant_type", "password", "username", login, "password", password, NULL);
  g_autoptr(CercleTestResponse) r = cercle_test_server_request (server, "POST", "/auth/token", NULL,
                                                                "application/x-www-form-urlencoded", form, NULL);

  g_assert_cmpuint (r->status, ==, 200);
  g_assert_nonnull (r->json);
  return g_strdup (json_object_get_string_member (r->json, "access_token"));
}

gboolean
cercle_test_make_certificate (const char  *name,
                              char       **cert_path,
                              char       **key_path)
{
  g_autofree char *openssl = g_find_program_in_path ("openssl");
  g_autofree char *dir = g_build_filename (g_getenv ("CERCLE_TEST_TMPDIR"), name, NULL);
  g_autofree char *cert = g_build_filename (dir, "cert.pem", NULL);
  g_autofree char *key = g_build_filename (dir, "key.pem", NULL);
  g_autoptr(GSubprocess) gen = NULL;
  g_autoptr(GError) error = NULL;

  if (openssl == NULL)
    return FALSE;
  g_mkdir_with_parents (dir, 0700);
  gen = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error,
                          openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                          "-subj", "/CN=127.0.0.1", "-keyout", key, "-out", cert, NULL);
  g_assert_no_error (error);
  g_subprocess_wait_check (gen, NULL, &error);
  g_assert_no_error (error);
  *cert_path = g_steal_pointer (&cert);
  *key_path = g_steal_pointer (&key);
  return TRUE;
}
