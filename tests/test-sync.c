/* test-sync.c — cercle-syncd, cercle-cli and the server's feed, with faults
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Real processes: cercle-server (--demo) on 127.0.0.1, cercle-syncd on the
 * private session bus of build-aux/test-wrapper.sh with its unlocked
 * keyring, cercle-cli. Between cercle-syncd and the server sits a SoupServer
 * of this test, which forwards every request and, when told, breaks one:
 * down, 500, 503, 429, no answer, cut mid-body, garbled JSON, slow. A fake
 * org.freedesktop.Notifications of this test records the notifications.
 *
 * This process serves the proxy and the fake notification server: it never
 * blocks in a D-Bus call or a subprocess, it iterates its main context.
 */
#include "config.h"

#include <locale.h>
#include <signal.h>
#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "cercle-fhir-directory.h"
#include "cercle-keyring.h"
#include "cercle-patient-repo.h"
#include "cercle-store.h"
#include "cercle-sync-store.h"
#include "cercle-test-server.h"

#define PASSWORD "cercle-demo"
#define MARTIN "pract-martin-paul"
#define BERNARD "pract-bernard-sophie"
#define SHARED_PATIENT "pat-durand-jeanne"

typedef enum {
  FAULT_NONE,
  FAULT_DOWN,      /* the connection closes without an answer */
  FAULT_500,
  FAULT_503,
  FAULT_429,       /* with Retry-After */
  FAULT_HANG,      /* no answer at all */
  FAULT_CUT,       /* forwarded; the answer is cut mid-body */
  FAULT_GARBLE,    /* forwarded; the answer is not JSON */
  FAULT_SLOW,      /* forwarded; the answer waits */
} FaultKind;

typedef struct {
  FaultKind   kind;
  const char *method;       /* NULL: any */
  const char *path_prefix;  /* NULL: any */
  int         count;        /* requests it applies to; -1 for all until cleared */
  guint       delay_ms;     /* FAULT_SLOW */
  guint       retry_after;  /* FAULT_429 */
  guint       skip;         /* matching requests let through first */
} Fault;

typedef struct {
  CercleTestServer *server;
  SoupServer       *proxy;
  char             *proxy_url;
  SoupSession      *upstream;
  Fault             fault;
  GPtrArray        *requests;       /* "METHOD /path?query" seen by the proxy */
  GPtrArray        *held;           /* SoupServerMessage: FAULT_HANG */
  GSubprocess      *syncd;
  char             *db_path;
  GDBusConnection  *bus;
  GPtrArray        *notifications;  /* "summary\nbody\naction target" */
  guint             notify_owner;
  guint             notify_object;
  guint             n;              /* for unique names */
} Fixture;

static Fixture fx;

/* -------------------------------------------------------------- looping -- */

static gboolean
timeout_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
iterate_for (guint ms)
{
  gboolean done = FALSE;
  guint id = g_timeout_add (ms, timeout_cb, &done);

  while (!done)
    g_main_context_iteration (NULL, TRUE);
  (void) id;
}

static void
async_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      data)
{
  *(GAsyncResult **) data = g_object_ref (result);
}

static GAsyncResult *
wait_result (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *slot;
}

/* ---------------------------------------------------------------- proxy -- */

static gboolean
fault_matches (SoupServerMessage *msg,
               const char        *path)
{
  if (fx.fault.kind == FAULT_NONE || fx.fault.count == 0)
    return FALSE;
  if (fx.fault.method && g_strcmp0 (fx.fault.method, soup_server_message_get_method (msg)) != 0)
    return FALSE;
  if (fx.fault.path_prefix && !g_str_has_prefix (path, fx.fault.path_prefix))
    return FALSE;
  if (fx.fault.skip > 0)
    {
      fx.fault.skip--;
      return FALSE;
    }
  if (fx.fault.count > 0)
    fx.fault.count--;
  return TRUE;
}

static void
set_fault (FaultKind   kind,
           const char *method,
           const char *path_prefix,
           int         count)
{
  fx.fault = (Fault) { kind, method, path_prefix, count, 1500, 120, 0 };
}

static void
close_raw (SoupServerMessage *msg,
           const char        *partial)
{
  GIOStream *io = soup_server_message_steal_connection (msg);

  if (partial)
    g_output_stream_write_all (g_io_stream_get_output_stream (io), partial, strlen (partial), NULL, NULL, NULL);
  g_io_stream_close (io, NULL, NULL);
  g_object_unref (io);
}

typedef struct {
  SoupServerMessage *msg;
  FaultKind          kind;
  guint              delay_ms;
} Forward;

static void
answer_from (SoupServerMessage *msg,
             SoupMessage       *upstream,
             GBytes            *body)
{
  SoupMessageHeaders *in = soup_message_get_response_headers (upstream);
  SoupMessageHeaders *out = soup_server_message_get_response_headers (msg);
  const char *copy[] = { "ETag", "Location", "WWW-Authenticate", "Retry-After" };

  for (guint i = 0; i < G_N_ELEMENTS (copy); i++)
    if (soup_message_headers_get_one (in, copy[i]))
      soup_message_headers_replace (out, copy[i], soup_message_headers_get_one (in, copy[i]));
  soup_server_message_set_status (msg, soup_message_get_status (upstream), NULL);
  soup_server_message_set_response (msg, soup_message_headers_get_content_type (in, NULL) ?: "application/json",
                                    SOUP_MEMORY_COPY, g_bytes_get_data (body, NULL), g_bytes_get_size (body));
}

static gboolean
release_cb (gpointer data)
{
  SoupServerMessage *msg = data;

  soup_server_message_unpause (msg);
  g_object_unref (msg);
  return G_SOURCE_REMOVE;
}

static void
forwarded_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Forward *fwd = user_data;
  SoupMessage *upstream = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, NULL);

  if (body == NULL)
    {
      soup_server_message_set_status (fwd->msg, 502, NULL);
      soup_server_message_unpause (fwd->msg);
    }
  else if (fwd->kind == FAULT_CUT)
    {
      g_autofree char *head = g_strdup_printf ("HTTP/1.1 %u OK\r\nContent-Type: application/fhir+json\r\n"
                                               "Content-Length: %" G_GSIZE_FORMAT "\r\n\r\n%.*s",
                                               soup_message_get_status (upstream), g_bytes_get_size (body),
                                               (int) MIN (g_bytes_get_size (body) / 2, 200),
                                               (const char *) g_bytes_get_data (body, NULL));

      soup_server_message_unpause (fwd->msg);
      close_raw (fwd->msg, head);
    }
  else if (fwd->kind == FAULT_GARBLE)
    {
      soup_server_message_set_status (fwd->msg, soup_message_get_status (upstream), NULL);
      soup_server_message_set_response (fwd->msg, "application/fhir+json", SOUP_MEMORY_STATIC,
                                        "{\"resourceType\": \"Commu", 23);
      soup_server_message_unpause (fwd->msg);
    }
  else
    {
      answer_from (fwd->msg, upstream, body);
      if (fwd->kind == FAULT_SLOW)
        {
          g_timeout_add (fwd->delay_ms, release_cb, g_object_ref (fwd->msg));
          g_object_unref (fwd->msg);
          g_free (fwd);
          return;
        }
      soup_server_message_unpause (fwd->msg);
    }
  g_object_unref (fwd->msg);
  g_free (fwd);
}

static void
proxy_cb (SoupServer        *server,
          SoupServerMessage *msg,
          const char        *path,
          GHashTable        *query,
          gpointer           user_data)
{
  GUri *uri = soup_server_message_get_uri (msg);
  const char *raw_query = g_uri_get_query (uri);
  g_autofree char *url = g_strconcat (cercle_test_server_get_url (fx.server), path, raw_query ? "?" : "",
                                      raw_query ? raw_query : "", NULL);
  g_autoptr(SoupMessage) upstream = soup_message_new (soup_server_message_get_method (msg), url);
  SoupMessageHeaders *in = soup_server_message_get_request_headers (msg);
  SoupMessageBody *request_body = soup_server_message_get_request_body (msg);
  g_autoptr(GBytes) bytes = soup_message_body_flatten (request_body);
  const char *copy[] = { "Authorization", "If-Match", "Accept" };
  FaultKind kind = fault_matches (msg, path) ? fx.fault.kind : FAULT_NONE;
  Forward *fwd;

  g_ptr_array_add (fx.requests, g_strdup_printf ("%s %s%s%s", soup_server_message_get_method (msg), path,
                                                 raw_query ? "?" : "", raw_query ? raw_query : ""));
  switch (kind)
    {
    case FAULT_DOWN:
      close_raw (msg, NULL);
      return;
    case FAULT_500:
    case FAULT_503:
      soup_server_message_set_status (msg, kind == FAULT_500 ? 500 : 503, NULL);
      soup_server_message_set_response (msg, "application/fhir+json", SOUP_MEMORY_STATIC,
                                        "{\"resourceType\":\"OperationOutcome\",\"issue\":[{\"severity\":\"error\","
                                        "\"code\":\"exception\",\"diagnostics\":\"panne\"}]}", 113);
      return;
    case FAULT_429:
      {
        g_autofree char *seconds = g_strdup_printf ("%u", fx.fault.retry_after);

        soup_server_message_set_status (msg, 429, NULL);
        soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Retry-After", seconds);
        return;
      }
    case FAULT_HANG:
      soup_server_message_pause (msg);
      g_ptr_array_add (fx.held, g_object_ref (msg));
      return;
    case FAULT_NONE:
    case FAULT_CUT:
    case FAULT_GARBLE:
    case FAULT_SLOW:
    default:
      break;
    }
  if (soup_message_get_uri (upstream) == NULL)
    {
      soup_server_message_set_status (msg, 400, NULL);
      return;
    }
  for (guint i = 0; i < G_N_ELEMENTS (copy); i++)
    if (soup_message_headers_get_one (in, copy[i]))
      soup_message_headers_replace (soup_message_get_request_headers (upstream), copy[i],
                                    soup_message_headers_get_one (in, copy[i]));
  if (g_bytes_get_size (bytes) > 0)
    soup_message_set_request_body_from_bytes (upstream, soup_message_headers_get_content_type (in, NULL), bytes);
  fwd = g_new0 (Forward, 1);
  fwd->msg = g_object_ref (msg);
  fwd->kind = kind;
  fwd->delay_ms = fx.fault.delay_ms;
  soup_server_message_pause (msg);
  soup_session_send_and_read_async (fx.upstream, upstream, G_PRIORITY_DEFAULT, NULL, forwarded_cb, fwd);
}

static guint
count_requests (const char *prefix)
{
  guint n = 0;

  for (guint i = 0; i < fx.requests->len; i++)
    if (g_str_has_prefix (g_ptr_array_index (fx.requests, i), prefix))
      n++;
  return n;
}

/* ------------------------------------------------ fake notification server -- */

static const char notifications_xml[] =
  "<node><interface name='org.freedesktop.Notifications'>"
  "<method name='Notify'><arg type='s' direction='in'/><arg type='u' direction='in'/>"
  "<arg type='s' direction='in'/><arg type='s' direction='in'/><arg type='s' direction='in'/>"
  "<arg type='as' direction='in'/><arg type='a{sv}' direction='in'/><arg type='i' direction='in'/>"
  "<arg type='u' direction='out'/></method>"
  "</interface></node>";

static void
notify_method_cb (GDBusConnection       *connection,
                  const char            *sender,
                  const char            *path,
                  const char            *interface,
                  const char            *method,
                  GVariant              *parameters,
                  GDBusMethodInvocation *invocation,
                  gpointer               user_data)
{
  const char *app, *icon, *summary, *body;
  guint32 replaces;
  g_autofree const char **actions = NULL;
  g_autoptr(GVariant) hints = NULL;
  gint32 timeout;

  g_variant_get (parameters, "(&su&s&s&s^a&s@a{sv}i)", &app, &replaces, &icon, &summary, &body, &actions, &hints,
                 &timeout);
  g_ptr_array_add (fx.notifications, g_strdup_printf ("%s\n%s\n%s", summary, body,
                                                      actions && actions[0] ? actions[0] : ""));
  g_dbus_method_invocation_return_value (invocation, g_variant_new ("(u)", fx.notifications->len));
}

/* ------------------------------------------------------------- services -- */

static CercleTestServer *
start_server (const char *name,
              const char *token_lifetime)
{
  g_autofree char *db = cercle_test_db_path (name);
  const char *args[] = { "--demo", "--access-token-lifetime", token_lifetime, NULL };
  CercleTestServer *server = cercle_test_server_start (db, args);

  g_assert_nonnull (server);
  return server;
}

static void
start_syncd_full (const char *page_size,
                  const char *batch_size)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autoptr(GError) error = NULL;
  gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  g_subprocess_launcher_setenv (launcher, "CERCLE_DB", fx.db_path, TRUE);
  fx.syncd = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("CERCLE_SYNCD_BIN"),
                                          "--request-timeout", "2", "--page-size", page_size ? page_size : "1000",
                                          "--batch-size", batch_size ? batch_size : "100", NULL);
  g_assert_no_error (error);
  /* on the bus once it owns its name */
  for (;;)
    {
      g_autoptr(GVariant) reply = NULL;
      g_autoptr(GAsyncResult) result = NULL;

      g_dbus_connection_call (fx.bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                              "GetNameOwner", g_variant_new ("(s)", "fr.cercle.Cercle.Sync"), NULL,
                              G_DBUS_CALL_FLAGS_NO_AUTO_START, -1, NULL, async_done_cb, &result);
      reply = g_dbus_connection_call_finish (fx.bus, wait_result (&result), NULL);
      if (reply)
        break;
      g_assert_cmpint (g_get_monotonic_time (), <, end);
      iterate_for (20);
    }
}

static void
start_syncd_with (const char *page_size)
{
  start_syncd_full (page_size, NULL);
}

static void
start_syncd (void)
{
  start_syncd_full (NULL, NULL);
}

static void
stop_syncd (gboolean kill)
{
  g_autoptr(GAsyncResult) result = NULL;

  if (fx.syncd == NULL)
    return;
  if (kill)
    g_subprocess_force_exit (fx.syncd);
  else
    g_subprocess_send_signal (fx.syncd, SIGTERM);
  g_subprocess_wait_async (fx.syncd, NULL, async_done_cb, &result);
  g_subprocess_wait_finish (fx.syncd, wait_result (&result), NULL);
  g_clear_object (&fx.syncd);
}

static GVariant *
call (const char  *method,
      GVariant    *parameters,
      GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  GVariant *reply;

  g_dbus_connection_call (fx.bus, "fr.cercle.Cercle.Sync", "/fr/cercle/Cercle/Sync", "fr.cercle.Cercle.Sync",
                          method, parameters, NULL, G_DBUS_CALL_FLAGS_NONE, 60000, NULL, async_done_cb, &result);
  reply = g_dbus_connection_call_finish (fx.bus, wait_result (&result), error);
  if (error && *error)
    g_dbus_error_strip_remote_error (*error);
  return reply;
}

static GVariant *
property (const char *name)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  GVariant *value;

  g_dbus_connection_call (fx.bus, "fr.cercle.Cercle.Sync", "/fr/cercle/Cercle/Sync", "org.freedesktop.DBus.Properties",
                          "Get", g_variant_new ("(ss)", "fr.cercle.Cercle.Sync", name), G_VARIANT_TYPE ("(v)"),
                          G_DBUS_CALL_FLAGS_NONE, -1, NULL, async_done_cb, &result);
  reply = g_dbus_connection_call_finish (fx.bus, wait_result (&result), NULL);
  g_assert_nonnull (reply);
  g_variant_get (reply, "(v)", &value);
  return value;
}

static char *
state (void)
{
  g_autoptr(GVariant) v = property ("State");

  return g_variant_dup_string (v, NULL);
}

static guint
uint_property (const char *name)
{
  g_autoptr(GVariant) v = property (name);

  return g_variant_get_uint32 (v);
}

static void
sign_in (const char *login)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = call ("SignIn", g_variant_new ("(sss)", fx.proxy_url, login, PASSWORD), &error);

  g_assert_no_error (error);
}

static gboolean
sync_and_wait (GError **error)
{
  g_autoptr(GVariant) reply = call ("SyncAndWait", NULL, error);

  return reply != NULL;
}

/* cercle-cli, run without blocking this process */
static int
run_cli (const char  *stdin_text,
         char       **out,
         char       **err,
         const char  *first,
         ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE
                                                                       | G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                                                       | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *o = NULL;
  g_autofree char *e = NULL;
  va_list ap;

  g_ptr_array_add (argv, (gpointer) g_getenv ("CERCLE_CLI_BIN"));
  va_start (ap, first);
  for (const char *a = first; a; a = va_arg (ap, const char *))
    g_ptr_array_add (argv, (gpointer) a);
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  g_subprocess_launcher_setenv (launcher, "CERCLE_DB", fx.db_path, TRUE);
  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8_async (process, stdin_text, NULL, async_done_cb, &result);
  g_subprocess_communicate_utf8_finish (process, wait_result (&result), &o, &e, &error);
  g_assert_no_error (error);
  if (out)
    *out = g_steal_pointer (&o);
  if (err)
    *err = g_steal_pointer (&e);
  return g_subprocess_get_exit_status (process);
}

/* A note written as the CLI writes it (store + outbox, one transaction). */
static char *
add_note (const char *patient,
          const char *text)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status = run_cli (NULL, &out, &err, "note", "add", "--patient", patient, "--text", text, NULL);

  g_assert_cmpstr (err, ==, "");
  g_assert_cmpint (status, ==, 0);
  return g_strstrip (g_steal_pointer (&out));
}

static CercleDb *
open_store (void)
{
  g_autoptr(GError) error = NULL;
  CercleDb *db = cercle_store_open (fx.db_path, &error);

  g_assert_no_error (error);
  return db;
}

/* The version the server holds of @type/@id, 0 if it has none. */
static gint64
server_version (const char *login,
                const char *type,
                const char *id)
{
  g_autofree char *token = cercle_test_server_login (fx.server, login, PASSWORD);
  g_autofree char *path = g_strdup_printf ("/fhir/%s/%s", type, id);
  g_autoptr(CercleTestResponse) r = cercle_test_server_request (fx.server, "GET", path, token, NULL, NULL, NULL);

  if (r->status != 200)
    return 0;
  return g_ascii_strtoll (json_object_get_string_member (json_object_get_object_member (r->json, "meta"), "versionId"),
                          NULL, 10);
}

static guint
local_count (const char *sql)
{
  g_autoptr(CercleDb) db = open_store ();
  sqlite3_stmt *stmt = cercle_db_prepare (db, sql, NULL);
  guint n;

  g_assert_nonnull (stmt);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  n = sqlite3_column_int (stmt, 0);
  sqlite3_reset (stmt);
  return n;
}

static void
fresh_store (const char *login)
{
  g_autofree char *name = g_strdup_printf ("client-%u.db", ++fx.n);

  stop_syncd (FALSE);
  g_free (fx.db_path);
  fx.db_path = cercle_test_db_path (name);
  set_fault (FAULT_NONE, NULL, NULL, 0);
  g_ptr_array_set_size (fx.requests, 0);
  g_ptr_array_set_size (fx.notifications, 0);
  start_syncd ();
  if (login)
    {
      g_autoptr(GError) error = NULL;

      sign_in (login);
      g_assert_true (sync_and_wait (&error));
      g_assert_no_error (error);
    }
}

/* A note written on the server directly by another member of the circle. */
static void
server_note (const char *login,
             const char *practitioner,
             const char *patient,
             const char *id)
{
  g_autofree char *token = cercle_test_server_login (fx.server, login, PASSWORD);
  g_autofree char *path = g_strdup_printf ("/fhir/Communication/%s", id);
  g_autofree char *body = g_strdup_printf ("{\"resourceType\":\"Communication\",\"id\":\"%s\",\"status\":\"completed\","
                                           "\"category\":[{\"coding\":[{\"system\":\"https://cercle.fr/fhir/CodeSystem/note-category\","
                                           "\"code\":\"transmission\"}]}],\"subject\":{\"reference\":\"Patient/%s\"},"
                                           "\"sent\":\"2026-12-01T10:00:00+01:00\",\"sender\":{\"reference\":\"Practitioner/%s\"},"
                                           "\"payload\":[{\"contentString\":\"note %s\"}]}",
                                           id, patient, practitioner, id);
  g_autoptr(CercleTestResponse) r = cercle_test_server_request (fx.server, "PUT", path, token, "application/fhir+json",
                                                                body, NULL);

  g_assert_cmpuint (r->status, <, 300);
}

/* ---------------------------------------------------------------- tests -- */

/* Sign-in through the CLI, the first pull, a note written with the CLI and
 * pushed, the CLI's listings. */
static void
test_cli_round_trip (void)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *id = NULL;
  g_autofree char *s = NULL;
  g_autofree char *password = g_strdup_printf ("%s\n", PASSWORD);
  int status;

  fresh_store (NULL);
  status = run_cli (password, &out, &err, "sync", "login", "--server", fx.proxy_url, "--user", "dr.martin",
                    "--password-stdin", NULL);
  g_assert_cmpstr (err, ==, "");
  g_assert_cmpint (status, ==, 0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  status = run_cli (NULL, &out, &err, "sync", "now", "--wait", NULL);
  g_assert_cmpint (status, ==, 0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  status = run_cli (NULL, &out, &err, "patient", "list", "--format", "tsv", NULL);
  g_assert_cmpint (status, ==, 0);
  g_assert_true (g_str_has_prefix (out, "pat-"));
  g_assert_nonnull (strstr (out, SHARED_PATIENT "\tDURAND Jeanne\t1941-03-12\t"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  id = add_note (SHARED_PATIENT, "Pansement refait, cicatrice propre.");
  g_assert_cmpuint (uint_property ("PendingCount"), >=, 0);
  g_assert_cmpint (run_cli (NULL, NULL, NULL, "sync", "now", "--wait", NULL), ==, 0);
  g_assert_cmpint (server_version ("ide.bernard", "Communication", id), ==, 1);
  g_assert_cmpuint (uint_property ("PendingCount"), ==, 0);

  status = run_cli (NULL, &out, &err, "note", "list", "--patient", SHARED_PATIENT, "--format", "tsv", NULL);
  g_assert_cmpint (status, ==, 0);
  s = g_strdup_printf ("%s\t", id);
  g_assert_nonnull (strstr (out, s));
  g_assert_nonnull (strstr (out, "\t" MARTIN "\ttransmission\tSent\tPansement refait, cicatrice propre.\n"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  status = run_cli (NULL, &out, &err, "sync", "status", NULL);
  g_assert_cmpint (status, ==, 0);
  g_assert_nonnull (strstr (out, "(idle)"));
  g_assert_nonnull (strstr (out, "dr.martin"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* a French CLI */
  {
    g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                                                         | G_SUBPROCESS_FLAGS_STDERR_PIPE);
    g_autoptr(GSubprocess) process = NULL;
    g_autoptr(GAsyncResult) result = NULL;

    g_subprocess_launcher_setenv (launcher, "LC_ALL", "fr_FR.UTF-8", TRUE);
    g_subprocess_launcher_setenv (launcher, "CERCLE_DB", fx.db_path, TRUE);
    process = g_subprocess_launcher_spawn (launcher, NULL, g_getenv ("CERCLE_CLI_BIN"), "note", "add", "--help", NULL);
    g_subprocess_communicate_utf8_async (process, NULL, NULL, async_done_cb, &result);
    g_subprocess_communicate_utf8_finish (process, wait_result (&result), &out, &err, NULL);
    g_assert_nonnull (strstr (out, "patient"));
    g_assert_nonnull (strstr (out, "Écrit une note de suivi"));
  }
}

/* The server gone while notes are written: they wait in the outbox, the
 * state says why, and they arrive once it is back. */
static void
test_server_down (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *s = NULL;
  g_autofree char *id1 = NULL;
  g_autofree char *id2 = NULL;

  fresh_store ("dr.martin");
  set_fault (FAULT_DOWN, NULL, NULL, -1);
  id1 = add_note (SHARED_PATIENT, "hors ligne 1");
  id2 = add_note (SHARED_PATIENT, "hors ligne 2");
  g_assert_false (sync_and_wait (&error));
  g_assert_nonnull (error);
  s = state ();
  g_assert_cmpstr (s, ==, "offline");
  g_assert_cmpuint (uint_property ("PendingCount"), ==, 2);
  g_assert_cmpint (server_version ("dr.martin", "Communication", id1), ==, 0);

  set_fault (FAULT_NONE, NULL, NULL, 0);
  g_clear_error (&error);
  g_assert_true (sync_and_wait (&error));
  g_assert_cmpint (server_version ("dr.martin", "Communication", id1), ==, 1);
  g_assert_cmpint (server_version ("dr.martin", "Communication", id2), ==, 1);
  g_assert_cmpuint (uint_property ("PendingCount"), ==, 0);
}

/* 500, 503, 429, no answer, an answer cut mid-body, garbled JSON: the
 * note stays, the state says why, it goes once the server behaves, once. */
static void
test_server_faults (void)
{
  const struct { FaultKind kind; const char *state; } cases[] = {
    { FAULT_500, "error" }, { FAULT_503, "error" }, { FAULT_429, "error" },
    { FAULT_HANG, "offline" }, { FAULT_CUT, "offline" }, { FAULT_GARBLE, "error" },
  };

  fresh_store ("dr.martin");
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *text = g_strdup_printf ("panne %u", i);
      g_autofree char *id = add_note (SHARED_PATIENT, text);
      g_autofree char *s = NULL;
      g_autoptr(GVariant) last_error = NULL;

      set_fault (cases[i].kind, "PUT", "/fhir/Communication/", 1);
      g_assert_false (sync_and_wait (&error));
      g_test_message ("fault %u: %s", i, error->message);
      s = state ();
      g_assert_cmpstr (s, ==, cases[i].state);
      last_error = property ("LastError");
      g_assert_cmpstr (g_variant_get_string (last_error, NULL), !=, "");
      g_assert_cmpuint (uint_property ("PendingCount"), ==, 1);
      if (cases[i].kind == FAULT_429)
        {
          /* Retry-After: 120 is honoured */
          g_autoptr(CercleDb) db = open_store ();
          sqlite3_stmt *stmt = cercle_db_prepare (db, "SELECT next_attempt_at, attempts FROM outbox", NULL);
          g_autoptr(GDateTime) at = NULL;

          g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
          at = g_date_time_new_from_iso8601 ((const char *) sqlite3_column_text (stmt, 0), NULL);
          g_assert_cmpint (g_date_time_to_unix (at), >, g_get_real_time () / G_USEC_PER_SEC + 100);
          sqlite3_reset (stmt);
        }
      for (guint j = 0; j < fx.held->len; j++)
        soup_server_message_unpause (g_ptr_array_index (fx.held, j));
      g_ptr_array_set_size (fx.held, 0);

      g_clear_error (&error);
      g_assert_true (sync_and_wait (&error));
      g_assert_no_error (error);
      g_assert_cmpuint (uint_property ("PendingCount"), ==, 0);
      /* forwarded then broken, sent again: still one version */
      g_assert_cmpint (server_version ("dr.martin", "Communication", id), ==, 1);
    }
}

/* A note written while the one before is in flight: both arrive. */
static void
test_in_flight (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autofree char *id1 = NULL;
  g_autofree char *id2 = NULL;

  fresh_store ("dr.martin");
  set_fault (FAULT_SLOW, "PUT", "/fhir/Communication/", 1);
  id1 = add_note (SHARED_PATIENT, "premier");
  g_dbus_connection_call (fx.bus, "fr.cercle.Cercle.Sync", "/fr/cercle/Cercle/Sync", "fr.cercle.Cercle.Sync",
                          "SyncAndWait", NULL, NULL, G_DBUS_CALL_FLAGS_NONE, 60000, NULL, async_done_cb, &result);
  while (count_requests ("PUT /fhir/Communication/") == 0)
    iterate_for (10);
  /* the first is held by the proxy: write the second now */
  id2 = add_note (SHARED_PATIENT, "second");
  reply = g_dbus_connection_call_finish (fx.bus, wait_result (&result), &error);
  g_assert_no_error (error);
  g_clear_pointer (&reply, g_variant_unref);
  g_clear_object (&result);
  reply = call ("SyncAndWait", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (server_version ("dr.martin", "Communication", id1), ==, 1);
  g_assert_cmpint (server_version ("dr.martin", "Communication", id2), ==, 1);
  g_assert_cmpuint (local_count ("SELECT count(*) FROM outbox"), ==, 0);
}

/* A refused note shows the server's reason; the others still go. */
static void
test_refusal (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CercleDb) db = NULL;
  g_autofree char *id1 = NULL;
  g_autofree char *id3 = NULL;
  g_autofree char *message = NULL;
  const char *bad = "{\"resourceType\":\"Communication\",\"id\":\"bad-note\",\"status\":\"completed\",\"sent\":\"hier\","
                    "\"subject\":{\"reference\":\"Patient/" SHARED_PATIENT "\"}}";

  fresh_store ("dr.martin");
  id1 = add_note (SHARED_PATIENT, "avant");
  db = open_store ();
  g_assert_true (cercle_db_begin (db, NULL));
  g_assert_true (cercle_store_resource_put (db, "Communication", "bad-note", SHARED_PATIENT, "Practitioner/" MARTIN,
                                            bad, NULL, NULL, NULL));
  g_assert_true (cercle_store_outbox_add_for_patient (db, "Communication", "bad-note", SHARED_PATIENT, "PUT", bad, NULL));
  g_assert_true (cercle_db_commit (db, NULL));
  id3 = add_note (SHARED_PATIENT, "après");

  g_assert_false (sync_and_wait (&error));
  g_assert_nonnull (strstr (error->message, "refused"));
  g_assert_cmpint (server_version ("dr.martin", "Communication", id1), ==, 1);
  g_assert_cmpint (server_version ("dr.martin", "Communication", id3), ==, 1);
  g_assert_cmpint (cercle_store_get_sync_state (db, "Communication", "bad-note", &message), ==, CERCLE_SYNC_STATE_REFUSED);
  g_assert_nonnull (strstr (message, "400"));
  g_assert_cmpint (cercle_store_get_sync_state (db, "Communication", id3, NULL), ==, CERCLE_SYNC_STATE_SENT);
  g_assert_cmpuint (uint_property ("RefusedCount"), ==, 1);
  g_assert_cmpuint (uint_property ("PendingCount"), ==, 1);
}

/* Access tokens last 2 s on this server: renewed without a word; a session
 * revoked on the server asks for a sign-in and keeps the outbox. */
static void
test_sessions (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  g_autofree char *refresh = NULL;
  g_autofree char *s = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  CercleTestServer *main_server = fx.server;

  /* a server of its own, whose access tokens last 2 s */
  stop_syncd (FALSE);
  fx.server = start_server ("server-short.db", "2");
  fresh_store ("dr.martin");
  iterate_for (2500);
  id = add_note (SHARED_PATIENT, "après expiration");
  g_assert_true (sync_and_wait (&error));
  g_assert_cmpint (server_version ("dr.martin", "Communication", id), ==, 1);
  g_assert_cmpuint (count_requests ("POST /auth/token"), >=, 2);   /* sign-in, renewal */

  /* revoke the session with the service's own refresh token */
  cercle_keyring_lookup_async (fx.proxy_url, "dr.martin", NULL, async_done_cb, &result);
  refresh = cercle_keyring_lookup_finish (wait_result (&result), &error);
  g_assert_no_error (error);
  g_assert_nonnull (refresh);
  {
    g_autofree char *form = soup_form_encode ("token", refresh, NULL);
    g_autoptr(CercleTestResponse) r = cercle_test_server_request (fx.server, "POST", "/auth/revoke", NULL,
                                                                  "application/x-www-form-urlencoded", form, NULL);
    g_assert_cmpuint (r->status, ==, 200);
  }
  iterate_for (2500);   /* the access token expires too */
  g_clear_pointer (&id, g_free);
  id = add_note (SHARED_PATIENT, "session révoquée");
  g_assert_false (sync_and_wait (&error));
  g_clear_error (&error);
  s = state ();
  g_assert_cmpstr (s, ==, "auth-required");
  g_assert_cmpuint (uint_property ("PendingCount"), ==, 1);
  g_assert_cmpint (server_version ("dr.martin", "Communication", id), ==, 0);

  sign_in ("dr.martin");
  g_assert_true (sync_and_wait (&error));
  g_assert_cmpint (server_version ("dr.martin", "Communication", id), ==, 1);
  g_assert_cmpuint (uint_property ("PendingCount"), ==, 0);

  stop_syncd (FALSE);
  cercle_test_server_stop (fx.server);
  cercle_test_server_free (fx.server);
  fx.server = main_server;
}

/* An account disabled on the server: the next round hears it when the
 * session is renewed (a distinct answer, account_disabled), and the service
 * removes the patients' files it received and the keyring item, as at a
 * sign-out; the directory stays. Before, it sat in auth-required with the
 * files on disk. */
static void
test_account_disabled (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *s = NULL;
  g_autofree char *secret = NULL;
  g_autoptr(GVariant) last_error = NULL;
  const char *db = cercle_test_server_get_db_path (fx.server);
  guint structures;

  cercle_test_server_add_user (db, "ide.desactivee", PASSWORD, BERNARD, NULL);
  fresh_store ("ide.desactivee");
  g_assert_cmpuint (local_count ("SELECT count(*) FROM patient WHERE id = '" SHARED_PATIENT "'"), ==, 1);
  structures = local_count ("SELECT count(*) FROM dir_structure");
  g_assert_cmpuint (structures, >, 0);

  g_assert_cmpint (cercle_test_server_run_cli (db, NULL, NULL, "user", "disable", "ide.desactivee", NULL), ==, 0);
  g_assert_false (sync_and_wait (&error));
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  s = state ();
  g_assert_cmpstr (s, ==, "signed-out");
  last_error = property ("LastError");
  g_assert_nonnull (strstr (g_variant_get_string (last_error, NULL), "disabled"));
  g_assert_cmpuint (local_count ("SELECT count(*) FROM patient"), ==, 0);
  g_assert_cmpuint (local_count ("SELECT count(*) FROM resource WHERE patient_id IS NOT NULL"), ==, 0);
  g_assert_cmpuint (local_count ("SELECT count(*) FROM account"), ==, 0);
  g_assert_cmpuint (local_count ("SELECT count(*) FROM dir_structure"), ==, structures);
  cercle_keyring_lookup_async (fx.proxy_url, "ide.desactivee", NULL, async_done_cb, &result);
  secret = cercle_keyring_lookup_finish (wait_result (&result), &error);
  g_assert_null (secret);

  /* The server says it at the refresh only to a token of the account. */
  {
    g_autoptr(CercleTestResponse) r = cercle_test_server_request (fx.server, "POST", "/auth/token", NULL,
                                                                  "application/x-www-form-urlencoded",
                                                                  "grant_type=refresh_token&refresh_token=nimporte",
                                                                  NULL);

    g_assert_cmpuint (r->status, ==, 400);
    g_assert_cmpstr (json_object_get_string_member (r->json, "error"), ==, "invalid_grant");
  }
}

/* A feed page cut mid-body: the pages before it stay applied, the next
 * round resumes from the last one applied: no gap, no duplicate. */
static void
test_pull_interrupted (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CercleDb) db = NULL;
  g_autofree char *cursor_before = NULL;
  g_autofree char *cursor_after = NULL;
  g_autofree char *resumed = NULL;
  guint before;

  stop_syncd (FALSE);
  g_free (fx.db_path);
  fx.db_path = cercle_test_db_path ("paged.db");
  start_syncd_with ("5");
  sign_in ("dr.martin");
  g_assert_true (sync_and_wait (&error));
  before = local_count ("SELECT count(*) FROM resource WHERE type = 'Communication'");

  for (guint i = 0; i < 23; i++)
    {
      g_autofree char *id = g_strdup_printf ("bernard-page-%02u", i);

      server_note ("ide.bernard", BERNARD, SHARED_PATIENT, id);
    }
  db = open_store ();
  cursor_before = cercle_sync_store_get (db, CERCLE_SYNC_KEY_CURSOR);
  g_ptr_array_set_size (fx.requests, 0);
  /* the third page of the feed is cut */
  set_fault (FAULT_CUT, "GET", "/fhir/_history", 1);
  fx.fault.skip = 2;
  g_assert_false (sync_and_wait (&error));
  g_clear_error (&error);
  g_assert_cmpuint (count_requests ("GET /fhir/_history"), ==, 3);
  cursor_after = cercle_sync_store_get (db, CERCLE_SYNC_KEY_CURSOR);
  g_assert_cmpstr (cursor_after, !=, cursor_before);
  {
    guint partial = local_count ("SELECT count(*) FROM resource WHERE type = 'Communication'");

    g_assert_cmpuint (partial, >, before);
    g_assert_cmpuint (partial, <, before + 23);
  }
  /* the next round asks for the page after the last one applied */
  g_ptr_array_set_size (fx.requests, 0);
  g_assert_true (sync_and_wait (&error));
  g_assert_no_error (error);
  resumed = g_strdup_printf ("GET /fhir/_history?_cursor=%s&", cursor_after);
  g_assert_true (g_str_has_prefix (g_ptr_array_index (fx.requests, 0), resumed));
  g_assert_cmpuint (local_count ("SELECT count(*) FROM resource WHERE type = 'Communication' AND id LIKE 'bernard-page-%'"),
                    ==, 23);
  g_assert_cmpuint (local_count ("SELECT count(*) FROM resource WHERE type = 'Communication'"), ==, before + 23);
}

static void
changed_cb (GDBusConnection *connection,
            const char      *sender,
            const char      *path,
            const char      *interface,
            const char      *signal,
            GVariant        *parameters,
            gpointer         user_data)
{
  g_ptr_array_add (user_data, g_variant_print (parameters, FALSE));
}

/* Someone else's note raises a French notification (not one's own) and a
 * Changed signal naming what changed; the idle round after it is one
 * small request. */
static void
test_notifications_and_idle (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *own = NULL;
  g_autoptr(GPtrArray) changes = g_ptr_array_new_with_free_func (g_free);
  guint subscription;
  const char *n;

  fresh_store ("dr.martin");
  g_assert_cmpuint (fx.notifications->len, ==, 0);   /* the first pull is not news */
  own = add_note (SHARED_PATIENT, "la mienne");
  g_assert_true (sync_and_wait (&error));
  g_assert_true (sync_and_wait (&error));
  g_assert_cmpuint (fx.notifications->len, ==, 0);

  subscription = g_dbus_connection_signal_subscribe (fx.bus, NULL, "fr.cercle.Cercle.Sync", "Changed",
                                                     "/fr/cercle/Cercle/Sync", NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                                     changed_cb, changes, NULL);
  server_note ("ide.bernard", BERNARD, SHARED_PATIENT, "bernard-news");
  g_assert_true (sync_and_wait (&error));
  g_assert_no_error (error);
  iterate_for (200);
  g_dbus_connection_signal_unsubscribe (fx.bus, subscription);
  g_assert_cmpuint (changes->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (changes, 0), ==, "(['Communication'], ['" SHARED_PATIENT "'])");
  g_assert_cmpuint (fx.notifications->len, ==, 1);
  n = g_ptr_array_index (fx.notifications, 0);
  g_test_message ("notification: %s", n);
  g_assert_true (g_str_has_prefix (n, "New note for DURAND Jeanne") || g_str_has_prefix (n, "Nouvelle note"));
  g_assert_true (g_str_has_suffix (n, "\ndefault"));

  /* nothing new: one request */
  g_ptr_array_set_size (fx.requests, 0);
  g_assert_true (sync_and_wait (&error));
  g_assert_cmpuint (fx.requests->len, ==, 1);
  g_assert_true (g_str_has_prefix (g_ptr_array_index (fx.requests, 0), "GET /fhir/_history?_cursor="));
}

/* A member taken out of a circle loses that patient's file at the next
 * sync; one added gets the whole file, history included. */
static void
test_access_lost (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *martin = cercle_test_server_login (fx.server, "dr.martin", PASSWORD);
  g_autofree char *care_team_id = NULL;
  g_autoptr(JsonNode) team_node = NULL;
  JsonObject *team;
  JsonArray *participants;
  const char *patient = "{\"resourceType\":\"Patient\",\"id\":\"pat-sync-acces\",\"name\":[{\"use\":\"official\","
                        "\"family\":\"ACCES\",\"given\":[\"Paul\"]}],\"gender\":\"male\",\"birthDate\":\"1940-02-02\"}";

  {
    g_autoptr(CercleTestResponse) r = cercle_test_server_request (fx.server, "PUT", "/fhir/Patient/pat-sync-acces",
                                                                  martin, "application/fhir+json", patient, NULL);
    g_assert_cmpuint (r->status, <, 300);
  }
  server_note ("dr.martin", MARTIN, "pat-sync-acces", "acces-note-1");

  fresh_store ("ide.bernard");
  g_assert_cmpuint (local_count ("SELECT count(*) FROM patient WHERE id = 'pat-sync-acces'"), ==, 0);

  /* dr.martin adds Sophie Bernard to the circle */
  {
    g_autoptr(CercleTestResponse) r = cercle_test_server_request (fx.server, "GET", "/fhir/CareTeam?patient=pat-sync-acces",
                                                                  martin, NULL, NULL, NULL);
    JsonObject *entry = json_array_get_object_element (json_object_get_array_member (r->json, "entry"), 0);

    team = json_object_get_object_member (entry, "resource");
    care_team_id = g_strdup (json_object_get_string_member (team, "id"));
    team_node = json_node_init_object (json_node_alloc (), team);
    team_node = json_node_copy (team_node);
  }
  team = json_node_get_object (team_node);
  participants = json_object_get_array_member (team, "participant");
  {
    JsonObject *member = json_object_new ();
    JsonObject *ref = json_object_new ();
    g_autofree char *path = g_strdup_printf ("/fhir/CareTeam/%s", care_team_id);
    g_autofree char *body = NULL;
    g_autoptr(CercleTestResponse) r = NULL;

    json_object_set_string_member (ref, "reference", "Practitioner/" BERNARD);
    json_object_set_object_member (member, "member", ref);
    json_array_add_object_element (participants, member);
    json_object_remove_member (team, "meta");
    body = json_to_string (team_node, FALSE);
    r = cercle_test_server_request (fx.server, "PUT", path, martin, "application/fhir+json", body, NULL);
    g_assert_cmpuint (r->status, <, 300);
  }
  g_assert_true (sync_and_wait (&error));
  g_assert_no_error (error);
  g_assert_cmpuint (local_count ("SELECT count(*) FROM patient WHERE id = 'pat-sync-acces'"), ==, 1);
  /* the note written before she joined came too */
  g_assert_cmpuint (local_count ("SELECT count(*) FROM resource WHERE id = 'acces-note-1'"), ==, 1);

  /* and takes her out again */
  json_array_remove_element (participants, json_array_get_length (participants) - 1);
  {
    g_autofree char *path = g_strdup_printf ("/fhir/CareTeam/%s", care_team_id);
    g_autofree char *body = json_to_string (team_node, FALSE);
    g_autoptr(CercleTestResponse) r = cercle_test_server_request (fx.server, "PUT", path, martin,
                                                                  "application/fhir+json", body, NULL);
    g_assert_cmpuint (r->status, <, 300);
  }
  g_assert_true (sync_and_wait (&error));
  g_assert_no_error (error);
  g_assert_cmpuint (local_count ("SELECT count(*) FROM patient WHERE id = 'pat-sync-acces'"), ==, 0);
  g_assert_cmpuint (local_count ("SELECT count(*) FROM resource WHERE patient_id = 'pat-sync-acces'"), ==, 0);
  /* the shared patients stay */
  g_assert_cmpuint (local_count ("SELECT count(*) FROM patient WHERE id = '" SHARED_PATIENT "'"), ==, 1);
}

/* SIGKILL at 50 random moments while 500 notes go: the server holds each
 * exactly once. */
static void
test_kill (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CercleDb) db = NULL;
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *account_practitioner = NULL;
  guint kills = 0;
  guint target = g_test_slow () ? 500 : 500;

  fresh_store ("dr.martin");
  db = open_store ();
  g_assert_true (cercle_db_begin (db, NULL));
  for (guint i = 0; i < target; i++)
    {
      g_autofree char *id = g_strdup_printf ("kill-%s-%03u", g_uuid_string_random (), i);
      g_autofree char *json = g_strdup_printf ("{\"resourceType\":\"Communication\",\"id\":\"%s\",\"status\":\"completed\","
                                               "\"category\":[{\"coding\":[{\"system\":\"https://cercle.fr/fhir/CodeSystem/note-category\","
                                               "\"code\":\"transmission\"}]}],\"subject\":{\"reference\":\"Patient/" SHARED_PATIENT "\"},"
                                               "\"sent\":\"2026-12-01T10:00:00+01:00\",\"sender\":{\"reference\":\"Practitioner/" MARTIN "\"},"
                                               "\"payload\":[{\"contentString\":\"note %u\"}]}", id, i);

      g_assert_true (cercle_store_resource_put (db, "Communication", id, SHARED_PATIENT, "Practitioner/" MARTIN, json,
                                                NULL, NULL, NULL));
      g_assert_true (cercle_store_outbox_add_for_patient (db, "Communication", id, SHARED_PATIENT, "PUT", json, NULL));
      g_ptr_array_add (ids, g_steal_pointer (&id));
    }
  g_assert_true (cercle_db_commit (db, NULL));

  /* The answers to the pushes wait 50 ms in the proxy: a kill lands
   * before the server took a batch, while it commits, or after it did but
   * before the service heard of it (the worst case: sent again). */
  set_fault (FAULT_SLOW, "POST", "/fhir/", -1);
  fx.fault.delay_ms = 50;
  while (kills < 50)
    {
      guint pushes = count_requests ("POST /fhir/");
      gint64 end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

      if (local_count ("SELECT count(*) FROM outbox") == 0)
        break;
      /* ten notes a transaction: fifty batches to interrupt */
      if (fx.syncd == NULL)
        start_syncd_full (NULL, "10");
      {
        g_autoptr(GAsyncResult) result = NULL;
        g_autoptr(GVariant) reply = NULL;

        g_dbus_connection_call (fx.bus, "fr.cercle.Cercle.Sync", "/fr/cercle/Cercle/Sync", "fr.cercle.Cercle.Sync",
                                "SyncNow", NULL, NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, async_done_cb, &result);
        reply = g_dbus_connection_call_finish (fx.bus, wait_result (&result), NULL);
      }
      /* once it pushes, at a random moment */
      while (count_requests ("POST /fhir/") == pushes && g_get_monotonic_time () < end)
        g_main_context_iteration (NULL, FALSE);
      iterate_for (g_random_int_range (0, 80));
      stop_syncd (TRUE);
      kills++;
    }
  set_fault (FAULT_NONE, NULL, NULL, 0);
  g_test_message ("%u kills, %u notes still waiting", kills, local_count ("SELECT count(*) FROM outbox"));
  g_assert_cmpuint (kills, >=, 20);
  start_syncd ();
  sync_and_wait (&error);
  g_assert_no_error (error);
  g_assert_cmpuint (local_count ("SELECT count(*) FROM outbox"), ==, 0);
  /* exactly once each: present, and never a second version */
  {
    g_autofree char *token = cercle_test_server_login (fx.server, "dr.martin", PASSWORD);
    g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
    g_autofree char *path = g_strdup ("/fhir/Communication?subject=Patient/" SHARED_PATIENT "&_count=1000");

    while (path)
      {
        g_autoptr(CercleTestResponse) r = cercle_test_server_request (fx.server, "GET", path, token, NULL, NULL, NULL);
        JsonArray *entries = json_object_get_array_member (r->json, "entry");
        JsonArray *links = json_object_get_array_member (r->json, "link");

        g_clear_pointer (&path, g_free);
        for (guint i = 0; i < json_array_get_length (entries); i++)
          {
            JsonObject *res = json_object_get_object_member (json_array_get_object_element (entries, i), "resource");
            const char *id = json_object_get_string_member (res, "id");

            if (!g_str_has_prefix (id, "kill-"))
              continue;
            g_assert_false (g_hash_table_contains (seen, id));
            g_hash_table_add (seen, g_strdup (id));
            g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (res, "meta"), "versionId"), ==, "1");
          }
        for (guint i = 0; i < json_array_get_length (links); i++)
          {
            JsonObject *link = json_array_get_object_element (links, i);

            if (g_str_equal (json_object_get_string_member (link, "relation"), "next"))
              path = g_strdup (strstr (json_object_get_string_member (link, "url"), "/fhir/"));
          }
      }
    g_assert_cmpuint (g_hash_table_size (seen), ==, target);
  }
}

/* Sign-out: the files leave the store, the keyring item goes. */
static void
test_sign_out (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *secret = NULL;
  g_autofree char *s = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  fresh_store ("dr.martin");
  g_assert_cmpuint (local_count ("SELECT count(*) FROM patient"), >, 0);
  g_assert_cmpint (run_cli (NULL, &out, &err, "sync", "logout", NULL), ==, 0);
  s = state ();
  g_assert_cmpstr (s, ==, "signed-out");
  g_assert_cmpuint (local_count ("SELECT count(*) FROM patient"), ==, 0);
  g_assert_cmpuint (local_count ("SELECT count(*) FROM resource WHERE patient_id IS NOT NULL"), ==, 0);
  g_assert_cmpuint (local_count ("SELECT count(*) FROM account"), ==, 0);
  cercle_keyring_lookup_async (fx.proxy_url, "dr.martin", NULL, async_done_cb, &result);
  secret = cercle_keyring_lookup_finish (wait_result (&result), &error);
  g_assert_no_error (error);
  g_assert_null (secret);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run_cli (NULL, &out, &err, "sync", "now", "--wait", NULL), !=, 0);
  g_assert_nonnull (strstr (err, "sign in"));
}

/* The D-Bus activation file starts the service for the CLI. */
static void
test_activation (void)
{
  g_autofree char *dir = g_build_filename (g_get_user_data_dir (), "dbus-1", "services", NULL);
  g_autofree char *file = g_build_filename (dir, "fr.cercle.Cercle.Sync.service", NULL);
  g_autofree char *installed = NULL;
  g_autofree char *content = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autofree char *built = g_build_filename (g_getenv ("CERCLE_BUILD_DIR"), "src", "syncd",
                                         "fr.cercle.Cercle.Sync.service", NULL);
  g_auto(GStrv) lines = NULL;

  stop_syncd (FALSE);
  g_free (fx.db_path);
  fx.db_path = cercle_test_db_path ("activation.db");
  /* the built file, with its Exec pointed at the build tree */
  g_assert_true (g_file_get_contents (built, &installed, NULL, NULL));
  g_assert_nonnull (strstr (installed, "Name=fr.cercle.Cercle.Sync\n"));
  g_assert_nonnull (strstr (installed, "/cercle-syncd\n"));
  lines = g_strsplit (installed, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    if (g_str_has_prefix (lines[i], "Exec="))
      {
        g_free (lines[i]);
        lines[i] = g_strdup_printf ("Exec=/usr/bin/env CERCLE_DB=%s %s", fx.db_path, g_getenv ("CERCLE_SYNCD_BIN"));
      }
  content = g_strjoinv ("\n", lines);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (file, content, -1, NULL));
  g_dbus_connection_call (fx.bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                          "ReloadConfig", NULL, NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, async_done_cb, &result);
  reply = g_dbus_connection_call_finish (fx.bus, wait_result (&result), NULL);
  iterate_for (200);

  g_assert_cmpint (run_cli (NULL, &out, &err, "sync", "status", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "(signed-out)"));
  /* it is running now: stop it through its name's owner */
  {
    g_autoptr(GAsyncResult) r2 = NULL;
    g_autoptr(GVariant) pid = NULL;
    guint32 p;

    g_dbus_connection_call (fx.bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                            "GetConnectionUnixProcessID", g_variant_new ("(s)", "fr.cercle.Cercle.Sync"),
                            NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, async_done_cb, &r2);
    pid = g_dbus_connection_call_finish (fx.bus, wait_result (&r2), NULL);
    g_assert_nonnull (pid);
    g_variant_get (pid, "(u)", &p);
    kill (p, SIGTERM);
  }
  g_assert_true (g_unlink (file) == 0);
  iterate_for (300);
}

/* The first round takes the directory in bulk from the server, imports it
 * into the directory the app searches, and follows the feed from the
 * export's position; the patients' files and the professionals come by
 * the access check. */
static void
test_directory (void)
{
  g_autofree char *first_feed = NULL;
  g_autofree char *export_cursor = NULL;
  g_autofree char *martin = cercle_test_server_login (fx.server, "dr.martin", PASSWORD);
  guint orgs;

  fresh_store ("dr.martin");
  g_assert_true (g_str_has_prefix (g_ptr_array_index (fx.requests, 1), "GET /fhir/$export-directory"));
  {
    g_autoptr(CercleTestResponse) r = cercle_test_server_request (fx.server, "GET", "/fhir/Organization?_count=1000",
                                                                  martin, NULL, NULL, NULL);
    orgs = json_array_get_length (json_object_get_array_member (r->json, "entry"));
  }
  g_assert_cmpuint (orgs, >, 0);
  g_assert_cmpuint (local_count ("SELECT count(*) FROM dir_structure"), ==, orgs);
  g_assert_cmpuint (local_count ("SELECT count(*) FROM resource WHERE type IN ('Location', 'HealthcareService')"),
                    ==, 0);
  /* Of the Organizations, only the structures the professionals work for
   * (a desk's among them: a referral's Task is owned by one of them), one
   * request each, not the directory's. */
  g_assert_cmpuint (local_count ("SELECT count(*) FROM resource WHERE type = 'Organization'"), ==,
                    local_count ("SELECT count(DISTINCT json_extract (json, '$.organization.reference'))"
                                 " FROM resource WHERE type = 'PractitionerRole'"));
  for (guint i = 0; i < fx.requests->len && first_feed == NULL; i++)
    if (g_str_has_prefix (g_ptr_array_index (fx.requests, i), "GET /fhir/_history"))
      first_feed = g_strdup (g_ptr_array_index (fx.requests, i));
  g_assert_nonnull (first_feed);
  g_assert_false (g_str_has_prefix (first_feed, "GET /fhir/_history?_cursor=0&"));
  /* everything else of the first pull came all the same */
  g_assert_cmpuint (local_count ("SELECT count(*) FROM patient"), >=, 5);
  g_assert_cmpuint (local_count ("SELECT count(*) FROM patient WHERE id = '" SHARED_PATIENT "'"), ==, 1);
  g_assert_cmpuint (local_count ("SELECT count(*) FROM resource WHERE type = 'Practitioner'"), >, 0);
  g_assert_cmpuint (local_count ("SELECT count(*) FROM resource WHERE type = 'Communication' AND patient_id = '"
                                 SHARED_PATIENT "'"), >=, 5);
  g_assert_cmpuint (local_count ("SELECT count(*) FROM resource WHERE type = 'Task'"), >, 0);
}

/* A certificate the system does not trust is refused; the care network's
 * private CA, named by the `ca-file` preference, is trusted. */
static void
test_private_ca (void)
{
  g_autofree char *cert = NULL;
  g_autofree char *key = NULL;
  g_autofree char *server_db = cercle_test_db_path ("server-tls.db");
  g_autofree char *dir = g_build_filename (g_get_user_config_dir (), "glib-2.0", "settings", NULL);
  g_autofree char *keyfile = g_build_filename (dir, "keyfile", NULL);
  g_autofree char *settings = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autofree char *s = NULL;
  CercleTestServer *tls;

  /* a CA of its own whose certificate names 127.0.0.1 as GnuTLS wants it
   * (subjectAltName: a CN is not matched against an address) */
  {
    g_autofree char *openssl = g_find_program_in_path ("openssl");
    g_autofree char *tls_dir = g_build_filename (g_getenv ("CERCLE_TEST_TMPDIR"), "sync-ca", NULL);
    g_autoptr(GSubprocess) gen = NULL;

    if (openssl == NULL)
      {
        g_test_skip ("openssl is needed to make a certificate");
        return;
      }
    g_mkdir_with_parents (tls_dir, 0700);
    cert = g_build_filename (tls_dir, "cert.pem", NULL);
    key = g_build_filename (tls_dir, "key.pem", NULL);
    gen = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error,
                            openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                            "-subj", "/CN=Cercle test CA", "-addext", "subjectAltName=IP:127.0.0.1",
                            "-keyout", key, "-out", cert, NULL);
    g_assert_no_error (error);
    g_subprocess_wait_check (gen, NULL, &error);
    g_assert_no_error (error);
  }
  {
    const char *args[] = { "--demo", "--tls-cert", cert, "--tls-key", key, NULL };

    tls = cercle_test_server_start (server_db, args);
  }
  g_assert_true (g_str_has_prefix (cercle_test_server_get_url (tls), "https://127.0.0.1:"));

  fresh_store (NULL);
  reply = call ("SignIn", g_variant_new ("(sss)", cercle_test_server_get_url (tls), "dr.martin", PASSWORD), &error);
  g_assert_null (reply);
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "not trusted"));
  s = state ();
  g_assert_cmpstr (s, ==, "signed-out");
  g_clear_error (&error);

  /* the same certificate, trusted explicitly */
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  settings = g_strdup_printf ("[fr/cercle/Cercle]\nca-file='%s'\n", cert);
  g_assert_true (g_file_set_contents (keyfile, settings, -1, NULL));
  g_setenv ("GSETTINGS_BACKEND", "keyfile", TRUE);
  stop_syncd (FALSE);
  start_syncd ();
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  reply = call ("SignIn", g_variant_new ("(sss)", cercle_test_server_get_url (tls), "dr.martin", PASSWORD), &error);
  g_assert_no_error (error);
  g_clear_pointer (&reply, g_variant_unref);
  g_assert_true (sync_and_wait (&error));
  g_assert_no_error (error);
  g_assert_cmpuint (local_count ("SELECT count(*) FROM patient WHERE id = '" SHARED_PATIENT "'"), ==, 1);

  stop_syncd (FALSE);
  g_unlink (keyfile);
  cercle_test_server_stop (tls);
  cercle_test_server_free (tls);
}

/* No Secret Service on the bus: a French error, no crash, nothing kept. */
static void
test_no_keyring (void)
{
  g_autofree char *config = g_build_filename (g_getenv ("CERCLE_TEST_TMPDIR"), "bare-bus.conf", NULL);
  g_autofree char *store = cercle_test_db_path ("no-keyring.db");
  g_autoptr(GSubprocess) bus = NULL;
  g_autoptr(GSubprocess) syncd = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GDBusConnection) connection = NULL;
  g_autoptr(GDataInputStream) address_in = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) value = NULL;
  g_autofree char *address = NULL;
  g_autofree char *contents = NULL;
  gsize length;
  gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  guint signed_in = count_requests ("POST /auth/token");
  guint revoked = count_requests ("POST /auth/revoke");

  /* a session bus with nothing on it, not even activatable services */
  g_assert_true (g_file_set_contents (config,
                                      "<busconfig><type>session</type><listen>unix:tmpdir=/tmp</listen>"
                                      "<auth>EXTERNAL</auth><policy context=\"default\"><allow send_destination=\"*\"/>"
                                      "<allow eavesdrop=\"true\"/><allow own=\"*\"/></policy></busconfig>", -1, NULL));
  bus = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error,
                          "dbus-daemon", "--config-file", config, "--print-address", "--nofork", NULL);
  g_assert_no_error (error);
  address_in = g_data_input_stream_new (g_subprocess_get_stdout_pipe (bus));
  address = g_data_input_stream_read_line (address_in, &length, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (address);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_subprocess_launcher_setenv (launcher, "DBUS_SESSION_BUS_ADDRESS", address, TRUE);
  g_subprocess_launcher_setenv (launcher, "CERCLE_DB", store, TRUE);
  g_subprocess_launcher_setenv (launcher, "LC_ALL", "fr_FR.UTF-8", TRUE);
  syncd = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("CERCLE_SYNCD_BIN"), NULL);
  g_assert_no_error (error);
  connection = g_dbus_connection_new_for_address_sync (address, G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT
                                                       | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                       NULL, NULL, &error);
  g_assert_no_error (error);
  for (;;)
    {
      g_autoptr(GVariant) owner = NULL;
      g_autoptr(GAsyncResult) result = NULL;

      g_dbus_connection_call (connection, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                              "GetNameOwner", g_variant_new ("(s)", "fr.cercle.Cercle.Sync"), NULL,
                              G_DBUS_CALL_FLAGS_NO_AUTO_START, -1, NULL, async_done_cb, &result);
      owner = g_dbus_connection_call_finish (connection, wait_result (&result), NULL);
      if (owner)
        break;
      g_assert_cmpint (g_get_monotonic_time (), <, end);
      iterate_for (20);
    }
  {
    g_autoptr(GAsyncResult) result = NULL;

    g_dbus_connection_call (connection, "fr.cercle.Cercle.Sync", "/fr/cercle/Cercle/Sync", "fr.cercle.Cercle.Sync",
                            "SignIn", g_variant_new ("(sss)", fx.proxy_url, "dr.martin", PASSWORD), NULL,
                            G_DBUS_CALL_FLAGS_NONE, 30000, NULL, async_done_cb, &result);
    reply = g_dbus_connection_call_finish (connection, wait_result (&result), &error);
  }
  g_assert_null (reply);
  g_assert_nonnull (error);
  g_dbus_error_strip_remote_error (error);
  g_test_message ("%s", error->message);
  g_assert_true (g_str_has_prefix (error->message, "Le trousseau de clés est indisponible"));
  /* the server signed it in, and the session nobody could keep was ended
   * there before the answer came */
  g_assert_cmpuint (count_requests ("POST /auth/token"), ==, signed_in + 1);
  g_assert_cmpuint (count_requests ("POST /auth/revoke"), ==, revoked + 1);
  /* still there, still signed out, nothing in the store */
  {
    g_autoptr(GAsyncResult) result = NULL;

    g_dbus_connection_call (connection, "fr.cercle.Cercle.Sync", "/fr/cercle/Cercle/Sync",
                            "org.freedesktop.DBus.Properties", "Get",
                            g_variant_new ("(ss)", "fr.cercle.Cercle.Sync", "State"), G_VARIANT_TYPE ("(v)"),
                            G_DBUS_CALL_FLAGS_NONE, -1, NULL, async_done_cb, &result);
    g_clear_pointer (&reply, g_variant_unref);
    reply = g_dbus_connection_call_finish (connection, wait_result (&result), NULL);
  }
  g_assert_nonnull (reply);
  g_variant_get (reply, "(v)", &value);
  g_assert_cmpstr (g_variant_get_string (value, NULL), ==, "signed-out");
  g_assert_true (g_file_get_contents (store, &contents, &length, NULL));
  g_assert_null (g_strstr_len (contents, length, PASSWORD));
  {
    g_autoptr(CercleDb) db = cercle_store_open (store, NULL);

    g_assert_false (cercle_store_get_account (db, NULL, NULL, NULL, NULL, NULL));
  }
  g_subprocess_send_signal (syncd, SIGTERM);
  g_subprocess_wait (syncd, NULL, NULL);
  g_assert_true (g_subprocess_get_if_exited (syncd));
  g_subprocess_force_exit (bus);
  g_subprocess_wait (bus, NULL, NULL);
}

/* The preference turns notifications off (the keyfile backend, as a
 * desktop session would keep it). */
static void
test_notifications_off (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_build_filename (g_get_user_config_dir (), "glib-2.0", "settings", NULL);
  g_autofree char *keyfile = g_build_filename (dir, "keyfile", NULL);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (keyfile, "[fr/cercle/Cercle]\nnotifications=false\n", -1, NULL));
  g_setenv ("GSETTINGS_BACKEND", "keyfile", TRUE);
  fresh_store ("dr.martin");
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  server_note ("ide.bernard", BERNARD, SHARED_PATIENT, "bernard-muted");
  g_assert_true (sync_and_wait (&error));
  g_assert_cmpuint (local_count ("SELECT count(*) FROM resource WHERE id = 'bernard-muted'"), ==, 1);
  iterate_for (200);
  g_assert_cmpuint (fx.notifications->len, ==, 0);
  g_unlink (keyfile);
}

/* The feed as a syncing client reads it: a "sync" link even on an empty
 * page, past rows the caller may not see, and the access digest, which
 * moves when the circle does. */
static void
test_feed (void)
{
  g_autofree char *token = cercle_test_server_login (fx.server, "ssiad.melun", PASSWORD);
  g_autofree char *martin = cercle_test_server_login (fx.server, "dr.martin", PASSWORD);
  g_autoptr(CercleTestResponse) all = NULL;
  g_autoptr(CercleTestResponse) empty = NULL;
  g_autoptr(CercleTestResponse) after = NULL;
  g_autofree char *cursor = NULL;
  g_autofree char *path = NULL;
  const char *tag1, *tag2, *tag3;
  JsonArray *links;

  all = cercle_test_server_request (fx.server, "GET", "/fhir/_history?_count=1000", martin, NULL, NULL, NULL);
  g_assert_cmpuint (all->status, ==, 200);
  links = json_object_get_array_member (all->json, "link");
  for (guint i = 0; i < json_array_get_length (links); i++)
    {
      JsonObject *link = json_array_get_object_element (links, i);

      if (g_str_equal (json_object_get_string_member (link, "relation"), "sync"))
        cursor = g_strdup (strstr (json_object_get_string_member (link, "url"), "_cursor=") + 8);
    }
  g_assert_nonnull (cursor);
  tag1 = json_object_get_string_member (json_array_get_object_element (
           json_object_get_array_member (json_object_get_object_member (all->json, "meta"), "tag"), 0), "code");
  g_assert_cmpuint (strlen (tag1), ==, 64);

  /* nothing new: an empty page that says where to resume */
  path = g_strdup_printf ("/fhir/_history?_cursor=%s", cursor);
  empty = cercle_test_server_request (fx.server, "GET", path, martin, NULL, NULL, NULL);
  g_assert_false (json_object_has_member (empty->json, "entry")
                  && json_array_get_length (json_object_get_array_member (empty->json, "entry")) > 0);
  g_assert_nonnull (strstr (empty->body, "\"relation\":\"sync\""));
  g_assert_nonnull (strstr (empty->body, cursor));
  tag2 = json_object_get_string_member (json_array_get_object_element (
           json_object_get_array_member (json_object_get_object_member (empty->json, "meta"), "tag"), 0), "code");
  g_assert_cmpstr (tag1, ==, tag2);

  /* another account sees other patients: another digest */
  after = cercle_test_server_request (fx.server, "GET", "/fhir/_history?_count=1", token, NULL, NULL, NULL);
  g_assert_cmpuint (after->status, ==, 200);
  tag3 = json_object_get_string_member (json_array_get_object_element (
           json_object_get_array_member (json_object_get_object_member (after->json, "meta"), "tag"), 0), "code");
  g_assert_cmpstr (tag3, !=, tag1);
}

/* A structure an administrator changes on the server after the bulk export
 * comes through the feed into the Annuaire's own tables: `cercle-cli
 * directory nearest` shows its new name and phone, at its old position,
 * and the full-text index finds the new name. */
static void
test_directory_feed (void)
{
  g_autoptr(GError) error = NULL;
  const char *db = cercle_test_server_get_db_path (fx.server);
  g_autofree char *admin = NULL;
  g_autofree char *finess = NULL;
  g_autofree char *org_id = NULL;
  g_autofree char *at = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(JsonNode) org_node = NULL;
  g_autoptr(JsonNode) found_node = NULL;
  JsonArray *found;
  JsonObject *hit = NULL;
  double lat = 0, lon = 0;

  cercle_test_server_add_user (db, "admin.annuaire", PASSWORD, BERNARD, NULL);
  g_assert_cmpint (cercle_test_server_run_cli (db, NULL, NULL, "user", "grant", "admin.annuaire", "admin", NULL), ==, 0);
  admin = cercle_test_server_login (fx.server, "admin.annuaire", PASSWORD);
  fresh_store ("dr.martin");

  /* a site of the directory, with its position */
  {
    g_autoptr(CercleTestResponse) r = cercle_test_server_request (fx.server, "GET", "/fhir/Organization?_count=1000",
                                                                  admin, NULL, NULL, NULL);
    g_autoptr(CercleDb) store = open_store ();
    JsonArray *entries = json_object_get_array_member (r->json, "entry");

    for (guint i = 0; i < json_array_get_length (entries) && finess == NULL; i++)
      {
        JsonObject *org = json_object_get_object_member (json_array_get_object_element (entries, i), "resource");
        const char *f = cercle_fhir_organization_get_finess (org);
        sqlite3_stmt *stmt = cercle_db_prepare (store, "SELECT latitude, longitude FROM dir_structure"
                                                       " WHERE finess = ? AND latitude IS NOT NULL", NULL);

        if (f == NULL)
          continue;
        sqlite3_bind_text (stmt, 1, f, -1, SQLITE_TRANSIENT);
        if (sqlite3_step (stmt) == SQLITE_ROW)
          {
            finess = g_strdup (f);
            lat = sqlite3_column_double (stmt, 0);
            lon = sqlite3_column_double (stmt, 1);
            org_id = g_strdup (json_object_get_string_member (org, "id"));
            org_node = json_node_init_object (json_node_alloc (), org);
          }
        sqlite3_reset (stmt);
      }
  }
  g_assert_nonnull (finess);

  /* the administrator renames it and changes its phone */
  {
    JsonObject *org = json_node_get_object (org_node);
    g_autoptr(JsonArray) telecom = json_array_new ();
    JsonObject *phone = json_object_new ();
    g_autofree char *name = g_strconcat (json_object_get_string_member (org, "name"), " Renouveau", NULL);
    g_autofree char *path = g_strdup_printf ("/fhir/Organization/%s", org_id);
    g_autofree char *body = NULL;
    g_autoptr(CercleTestResponse) put = NULL;

    json_object_set_string_member (org, "name", name);
    json_object_set_string_member (phone, "system", "phone");
    json_object_set_string_member (phone, "value", "01 60 99 99 99");
    json_array_add_object_element (telecom, phone);
    json_object_set_array_member (org, "telecom", json_array_ref (telecom));
    body = json_to_string (org_node, FALSE);
    put = cercle_test_server_request (fx.server, "PUT", path, admin, "application/fhir+json", body, NULL);
    g_test_message ("PUT %s: %u %s", path, put->status, put->body);
    g_assert_cmpuint (put->status, ==, 200);
  }
  g_assert_true (sync_and_wait (&error));
  g_assert_no_error (error);

  {
    char lat_text[G_ASCII_DTOSTR_BUF_SIZE], lon_text[G_ASCII_DTOSTR_BUF_SIZE];

    at = g_strdup_printf ("--at=%s,%s", g_ascii_dtostr (lat_text, sizeof lat_text, lat),
                          g_ascii_dtostr (lon_text, sizeof lon_text, lon));
  }
  g_assert_cmpint (run_cli (NULL, &out, &err, "directory", "nearest", at, "--limit=10", "--format=json", NULL), ==, 0);
  found_node = json_from_string (out, &error);
  g_assert_no_error (error);
  found = json_node_get_array (found_node);
  for (guint i = 0; i < json_array_get_length (found); i++)
    if (g_strcmp0 (json_object_get_string_member (json_array_get_object_element (found, i), "finess"), finess) == 0)
      hit = json_array_get_object_element (found, i);
  g_assert_nonnull (hit);
  g_assert_true (g_str_has_suffix (json_object_get_string_member (hit, "name"), " Renouveau"));
  g_assert_cmpstr (json_object_get_string_member (hit, "phone"), ==, "01 60 99 99 99");
  g_assert_cmpfloat (json_object_get_double_member (hit, "latitude"), ==, lat);
  g_assert_cmpuint (local_count ("SELECT count(*) FROM dir_structure_fts WHERE dir_structure_fts MATCH 'renouveau'"),
                    ==, 1);

  cercle_test_server_run_cli (db, NULL, NULL, "user", "revoke", "admin.annuaire", "admin", NULL);
}

/* The access trail (« Traçabilité des accès »): nothing is fetched until
 * the app asks for a patient's trail (an idle round stays one request);
 * asked for, the next round brings the server's AuditEvents about that
 * patient, another member's read among them, and signals it; an idle
 * round after it is one request again; asked again, only the new events
 * come (from the stored count on). */
static void
test_trail (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *bernard = cercle_test_server_login (fx.server, "ide.bernard", PASSWORD);
  g_autoptr(GPtrArray) changes = g_ptr_array_new_with_free_func (g_free);
  guint subscription;
  guint first;
  gboolean offset_seen = FALSE;

  fresh_store ("dr.martin");
  {
    g_autoptr(CercleTestResponse) r = cercle_test_server_request (fx.server, "GET", "/fhir/Patient/" SHARED_PATIENT,
                                                                  bernard, NULL, NULL, NULL);
    g_assert_cmpuint (r->status, ==, 200);
  }
  /* not asked: nothing fetched, one request */
  g_ptr_array_set_size (fx.requests, 0);
  g_assert_true (sync_and_wait (&error));
  g_assert_no_error (error);
  g_assert_cmpuint (fx.requests->len, ==, 1);
  g_assert_cmpuint (local_count ("SELECT count(*) FROM resource WHERE type = 'AuditEvent'"), ==, 0);

  {
    g_autoptr(CercleDb) db = open_store ();

    g_assert_true (cercle_sync_store_request_trail (db, SHARED_PATIENT, &error));
    g_assert_no_error (error);
  }
  subscription = g_dbus_connection_signal_subscribe (fx.bus, NULL, "fr.cercle.Cercle.Sync", "Changed",
                                                     "/fr/cercle/Cercle/Sync", NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                                     changed_cb, changes, NULL);
  g_ptr_array_set_size (fx.requests, 0);
  g_assert_true (sync_and_wait (&error));
  g_assert_no_error (error);
  iterate_for (200);
  g_dbus_connection_signal_unsubscribe (fx.bus, subscription);
  /* page by page (earlier tests made a long trail) */
  g_assert_cmpuint (count_requests ("GET /fhir/AuditEvent?entity=Patient/" SHARED_PATIENT), >=, 1);
  g_assert_cmpuint (count_requests ("GET /fhir/AuditEvent?"), ==, count_requests ("GET /fhir/AuditEvent?entity=Patient/"
                                                                                  SHARED_PATIENT));
  first = local_count ("SELECT count(*) FROM resource WHERE type = 'AuditEvent' AND patient_id = '" SHARED_PATIENT "'");
  g_assert_cmpuint (first, >, 0);
  /* Bernard's read of the file is in Martin's store, named */
  g_assert_cmpuint (local_count ("SELECT count(*) FROM resource WHERE type = 'AuditEvent' AND patient_id = '"
                                 SHARED_PATIENT "' AND json LIKE '%Practitioner/" BERNARD "%'"
                                 " AND json_extract (json, '$.action') = 'R'"), >, 0);
  g_assert_cmpuint (local_count ("SELECT count(*) FROM resource WHERE type = 'AuditEvent'"
                                 " AND version_id IS NULL"), ==, 0);
  g_assert_cmpuint (changes->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (changes, 0), ==, "(['AuditEvent'], ['" SHARED_PATIENT "'])");

  /* fetched: the next idle round is one request again */
  g_ptr_array_set_size (fx.requests, 0);
  g_assert_true (sync_and_wait (&error));
  g_assert_cmpuint (fx.requests->len, ==, 1);

  /* asked again: only what came since */
  {
    g_autoptr(CercleTestResponse) r = cercle_test_server_request (fx.server, "GET", "/fhir/Patient/" SHARED_PATIENT,
                                                                  bernard, NULL, NULL, NULL);
    g_autoptr(CercleDb) db = open_store ();

    g_assert_cmpuint (r->status, ==, 200);
    g_assert_true (cercle_sync_store_request_trail (db, SHARED_PATIENT, &error));
  }
  g_ptr_array_set_size (fx.requests, 0);
  g_assert_true (sync_and_wait (&error));
  for (guint i = 0; i < fx.requests->len; i++)
    {
      g_autofree char *expected = g_strdup_printf ("_offset=%u&", first);

      if (g_str_has_prefix (g_ptr_array_index (fx.requests, i), "GET /fhir/AuditEvent?")
          && strstr (g_ptr_array_index (fx.requests, i), expected))
        offset_seen = TRUE;
    }
  g_assert_true (offset_seen);
  g_assert_cmpuint (local_count ("SELECT count(*) FROM resource WHERE type = 'AuditEvent' AND patient_id = '"
                                 SHARED_PATIENT "'"), >, first);
}

/* SignOut ends the session on the server: the refresh token the keyring
 * held is refused afterwards. */
static void
test_sign_out_revokes (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(CercleTestResponse) r = NULL;
  g_autofree char *secret = NULL;
  g_autofree char *escaped = NULL;
  g_autofree char *form = NULL;
  g_autoptr(GVariant) reply = NULL;

  fresh_store ("dr.martin");
  cercle_keyring_lookup_async (fx.proxy_url, "dr.martin", NULL, async_done_cb, &result);
  secret = cercle_keyring_lookup_finish (wait_result (&result), &error);
  g_assert_no_error (error);
  g_assert_nonnull (secret);
  reply = call ("SignOut", NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (reply);
  escaped = g_uri_escape_string (secret, NULL, FALSE);
  form = g_strdup_printf ("grant_type=refresh_token&refresh_token=%s", escaped);
  r = cercle_test_server_request (fx.server, "POST", "/auth/token", NULL, "application/x-www-form-urlencoded",
                                  form, NULL);
  g_assert_cmpuint (r->status, ==, 400);
  g_assert_nonnull (strstr (r->body, "invalid_grant"));
}

/* Two members edit the same patient: the second push gets a 412, the row
 * stays refused with the French message, and both versions are kept for
 * the user to choose. */
static void
test_conflict (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *bernard = cercle_test_server_login (fx.server, "ide.bernard", PASSWORD);
  g_autofree char *message = NULL;
  gint64 before;

  fresh_store ("dr.martin");
  before = server_version ("dr.martin", "Patient", SHARED_PATIENT);
  g_assert_cmpint (before, >, 0);
  /* Martin's edit, offline, from the version he has */
  {
    g_autoptr(CercleDb) db = open_store ();
    g_autoptr(CerclePatient) patient = cercle_patient_repo_get (db, SHARED_PATIENT, &error);

    g_assert_no_error (error);
    g_object_set (patient, "phone", "01 11 11 11 11", NULL);
    g_assert_true (cercle_patient_repo_save (db, patient, &error));
    g_assert_no_error (error);
  }
  /* Bernard's, on the server first */
  {
    g_autoptr(CercleTestResponse) r = cercle_test_server_request (fx.server, "GET", "/fhir/Patient/" SHARED_PATIENT,
                                                                  bernard, NULL, NULL, NULL);
    g_autoptr(JsonNode) node = NULL;
    g_autoptr(CercleTestResponse) put = NULL;
    g_autoptr(JsonArray) telecom = json_array_new ();
    JsonObject *phone = json_object_new ();
    g_autofree char *body = NULL;

    g_assert_cmpuint (r->status, ==, 200);
    json_object_set_string_member (phone, "system", "phone");
    json_object_set_string_member (phone, "value", "06 22 22 22 22");
    json_array_add_object_element (telecom, phone);
    json_object_set_array_member (r->json, "telecom", json_array_ref (telecom));
    node = json_node_init_object (json_node_alloc (), r->json);
    body = json_to_string (node, FALSE);
    put = cercle_test_server_request (fx.server, "PUT", "/fhir/Patient/" SHARED_PATIENT, bernard,
                                      "application/fhir+json", body, NULL);
    g_assert_cmpuint (put->status, ==, 200);
  }
  g_assert_cmpint (server_version ("dr.martin", "Patient", SHARED_PATIENT), ==, before + 1);

  g_ptr_array_set_size (fx.requests, 0);
  g_assert_true (sync_and_wait (&error) || error != NULL);
  g_clear_error (&error);
  g_assert_cmpuint (count_requests ("PUT /fhir/Patient/" SHARED_PATIENT), ==, 1);
  /* the server kept Bernard's */
  g_assert_cmpint (server_version ("dr.martin", "Patient", SHARED_PATIENT), ==, before + 1);
  {
    g_autoptr(CercleDb) db = open_store ();

    g_assert_cmpint (cercle_store_get_sync_state (db, "Patient", SHARED_PATIENT, &message), ==,
                     CERCLE_SYNC_STATE_REFUSED);
    g_assert_cmpuint (cercle_sync_store_count_conflicts (db), ==, 1);
  }
  g_test_message ("refusal: %s", message);
  g_assert_true (g_str_has_prefix (message, "Someone else changed this meanwhile")
                 || g_str_has_prefix (message, "Quelqu’un d’autre l’a modifié entre-temps"));
  g_assert_cmpuint (local_count ("SELECT count(*) FROM outbox WHERE resource_type = 'Patient' AND resource_id = '"
                                 SHARED_PATIENT "' AND state = 'refused'"), ==, 1);
  g_assert_cmpuint (local_count ("SELECT count(*) FROM sync_conflict WHERE resource_type = 'Patient'"
                                 " AND resource_id = '" SHARED_PATIENT "'"
                                 " AND local_json LIKE '%01 11 11 11 11%' AND server_json LIKE '%06 22 22 22 22%'"),
                    ==, 1);
}

/* The access digest of @token's feed. */
static char *
feed_digest (const char *token)
{
  g_autoptr(CercleTestResponse) r = cercle_test_server_request (fx.server, "GET", "/fhir/_history?_count=1", token,
                                                                NULL, NULL, NULL);
  JsonObject *meta;

  g_assert_cmpuint (r->status, ==, 200);
  meta = json_object_get_object_member (r->json, "meta");
  return g_strdup (json_object_get_string_member (json_array_get_object_element (
                     json_object_get_array_member (meta, "tag"), 0), "code"));
}

/* The digest is kept between pages (the feed's most frequent question),
 * yet follows the circle at once: a member added moves it, and so does the
 * end of a membership, though nothing is written then. */
static void
test_feed_digest_moves (void)
{
  g_autofree char *martin = cercle_test_server_login (fx.server, "dr.martin", PASSWORD);
  g_autofree char *bernard = cercle_test_server_login (fx.server, "ide.bernard", PASSWORD);
  g_autofree char *before = feed_digest (bernard);
  g_autofree char *again = feed_digest (bernard);
  g_autofree char *member = NULL;
  g_autofree char *ended = NULL;
  g_autofree char *care_team_id = NULL;
  g_autofree char *end = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) until = g_date_time_add_seconds (now, 3);
  g_autoptr(JsonNode) team_node = NULL;
  JsonObject *team;
  const char *patient = "{\"resourceType\":\"Patient\",\"id\":\"pat-sync-digest\",\"name\":[{\"use\":\"official\","
                        "\"family\":\"EMPREINTE\",\"given\":[\"Lucie\"]}],\"gender\":\"female\",\"birthDate\":\"1938-03-03\"}";

  g_assert_cmpstr (before, ==, again);
  {
    g_autoptr(CercleTestResponse) r = cercle_test_server_request (fx.server, "PUT", "/fhir/Patient/pat-sync-digest",
                                                                  martin, "application/fhir+json", patient, NULL);
    g_assert_cmpuint (r->status, <, 300);
  }
  {
    g_autoptr(CercleTestResponse) r = cercle_test_server_request (fx.server, "GET", "/fhir/CareTeam?patient=pat-sync-digest",
                                                                  martin, NULL, NULL, NULL);
    JsonObject *entry = json_array_get_object_element (json_object_get_array_member (r->json, "entry"), 0);

    team = json_object_get_object_member (entry, "resource");
    care_team_id = g_strdup (json_object_get_string_member (team, "id"));
    team_node = json_node_copy (json_node_init_object (json_node_alloc (), team));
  }
  /* the patient she does not see yet changed nothing for her */
  again = (g_free (again), feed_digest (bernard));
  g_assert_cmpstr (before, ==, again);

  /* dr.martin adds Sophie Bernard for three seconds */
  team = json_node_get_object (team_node);
  {
    JsonObject *participant = json_object_new ();
    JsonObject *ref = json_object_new ();
    JsonObject *period = json_object_new ();
    g_autofree char *path = g_strdup_printf ("/fhir/CareTeam/%s", care_team_id);
    g_autofree char *body = NULL;
    g_autoptr(CercleTestResponse) r = NULL;

    end = g_date_time_format (until, "%Y-%m-%dT%H:%M:%SZ");
    json_object_set_string_member (ref, "reference", "Practitioner/" BERNARD);
    json_object_set_object_member (participant, "member", ref);
    json_object_set_string_member (period, "end", end);
    json_object_set_object_member (participant, "period", period);
    json_array_add_object_element (json_object_get_array_member (team, "participant"), participant);
    json_object_remove_member (team, "meta");
    body = json_to_string (team_node, FALSE);
    r = cercle_test_server_request (fx.server, "PUT", path, martin, "application/fhir+json", body, NULL);
    g_assert_cmpuint (r->status, <, 300);
  }
  member = feed_digest (bernard);
  g_assert_cmpstr (member, !=, before);

  /* her membership ends: nothing written, the digest is back */
  while (g_date_time_compare (now, until) <= 0)
    {
      g_usleep (G_USEC_PER_SEC / 4);
      g_date_time_unref (now);
      now = g_date_time_new_now_utc ();
    }
  g_usleep (G_USEC_PER_SEC / 10);
  ended = feed_digest (bernard);
  g_assert_cmpstr (ended, ==, before);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  GDBusNodeInfo *info;
  static const GDBusInterfaceVTable vtable = { notify_method_cb, NULL, NULL, { 0 } };
  GSList *uris;
  int status;

  setlocale (LC_ALL, "");
  g_test_init (&argc, &argv, NULL);

  fx.requests = g_ptr_array_new_with_free_func (g_free);
  fx.notifications = g_ptr_array_new_with_free_func (g_free);
  fx.held = g_ptr_array_new_with_free_func (g_object_unref);
  fx.bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  info = g_dbus_node_info_new_for_xml (notifications_xml, &error);
  g_assert_no_error (error);
  fx.notify_object = g_dbus_connection_register_object (fx.bus, "/org/freedesktop/Notifications", info->interfaces[0],
                                                        &vtable, NULL, NULL, &error);
  g_assert_no_error (error);
  g_dbus_node_info_unref (info);
  fx.notify_owner = g_bus_own_name_on_connection (fx.bus, "org.freedesktop.Notifications", G_BUS_NAME_OWNER_FLAGS_NONE,
                                                  NULL, NULL, NULL, NULL);

  fx.server = start_server ("server.db", "900");
  fx.upstream = soup_session_new ();
  fx.proxy = soup_server_new (NULL, NULL);
  soup_server_add_handler (fx.proxy, NULL, proxy_cb, NULL, NULL);
  g_assert_true (soup_server_listen_local (fx.proxy, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (fx.proxy);
  fx.proxy_url = g_uri_to_string (uris->data);
  fx.proxy_url[strlen (fx.proxy_url) - 1] = '\0';   /* no trailing slash */
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  fx.db_path = cercle_test_db_path ("client-0.db");

  g_test_add_func ("/sync/cli/round-trip", test_cli_round_trip);
  g_test_add_func ("/sync/push/server-down", test_server_down);
  g_test_add_func ("/sync/push/server-faults", test_server_faults);
  g_test_add_func ("/sync/push/in-flight", test_in_flight);
  g_test_add_func ("/sync/push/refusal", test_refusal);
  g_test_add_func ("/sync/session/expiry-and-revocation", test_sessions);
  g_test_add_func ("/sync/session/account-disabled", test_account_disabled);
  g_test_add_func ("/sync/pull/interrupted", test_pull_interrupted);
  g_test_add_func ("/sync/pull/notifications-and-idle", test_notifications_and_idle);
  g_test_add_func ("/sync/pull/access-lost", test_access_lost);
  g_test_add_func ("/sync/pull/directory", test_directory);
  g_test_add_func ("/sync/push/kill", test_kill);
  g_test_add_func ("/sync/sign-out", test_sign_out);
  g_test_add_func ("/sync/no-keyring", test_no_keyring);
  g_test_add_func ("/sync/private-ca", test_private_ca);
  g_test_add_func ("/sync/pull/notifications-off", test_notifications_off);
  g_test_add_func ("/sync/server/feed", test_feed);
  g_test_add_func ("/sync/server/feed-digest-moves", test_feed_digest_moves);
  g_test_add_func ("/sync/activation", test_activation);
  g_test_add_func ("/sync/pull/trail", test_trail);
  g_test_add_func ("/sync/sign-out/revokes", test_sign_out_revokes);
  g_test_add_func ("/sync/push/conflict", test_conflict);
  g_test_add_func ("/sync/pull/directory-feed", test_directory_feed);
  status = g_test_run ();

  stop_syncd (FALSE);
  cercle_test_server_stop (fx.server);
  cercle_test_server_free (fx.server);
  return status;
}
