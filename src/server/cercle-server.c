/* cercle-server.c — the FHIR R4 REST API over HTTP
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Handlers run on the main loop. Each request works inside a SAVEPOINT of a
 * shared write transaction ("group commit"): the message is paused, and when
 * the loop has no more input to read, one COMMIT makes every pending change
 * and its audit event durable together, then the answers go out. A 2xx is
 * therefore never sent before its change is on disk, one fsync serves many
 * requests, and a failed request rolls back to its savepoint without
 * touching the others.
 *
 * Reads and searches run on worker threads, each with a read-only
 * connection of its own that sees the last committed state: the main loop
 * keeps parsing, authorizing, auditing and writing while they build their
 * answer. Their audit event then joins the batch like any other request,
 * and the answer waits for its commit.
 */
#define G_LOG_DOMAIN "cercle-server"

#include "config.h"

#include <gio/gnetworking.h>
#include <gio/gunixsocketaddress.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <string.h>

#include "cercle-care-team-member.h"
#include "cercle-fhir.h"
#include "cercle-referral-rules.h"
#include "cercle-server.h"
#include "cercle-server-access.h"
#include "cercle-server-audit.h"
#include "cercle-server-guard.h"
#include "cercle-server-log.h"
#include "cercle-server-search.h"
#include "cercle-server-sync.h"
#include "cercle-server-throttle.h"

#define MAX_BATCH 256
#define MAX_READERS 4
/* Connections the kernel holds before the server accepts them (capped by
 * net.core.somaxconn). */
#define LISTEN_BACKLOG 1024
#define BUSINESS_STATUS_SYSTEM CERCLE_FHIR_SYSTEM_TASK_BUSINESS_STATUS

struct _CercleServer
{
  GObject            parent_instance;
  CercleServerStore *store;
  CercleTokenIssuer *issuer;
  SoupServer        *soup;
  GPtrArray         *pending;   /* Request*, answered at the next commit */
  CercleAuditBlock  *audit;     /* their audit events, written just before it */
  guint              flush_id;
  guint              flush_deadline_id;
  gboolean           synchronous_full;

  /* Reads and searches off the main loop. */
  GThreadPool       *readers;
  GAsyncQueue       *reader_stores;
  CercleThrottle    *throttle;      /* failed sign-ins */

  /* Connections, accepted here rather than by libsoup (see
   * cercle-server-guard.c). */
  GSocketService    *service;
  GTlsCertificate   *certificate;
  GSocketAddress    *bound;
  CercleServerLimits limits;
  CercleConnectionCount *connections;
  gint64             refused_logged;  /* last log of a refused connection */
  char              *public_url;      /* without its final slash */
  char              *fhir_base;       /* public_url + "/fhir" */   /* idle read-only CercleServerStore* */
  GMainContext      *context;

  /* Response deadlines of the referral destinations, in seconds. */
  gint64             response_delay;
  gint64             reminder_grace;
  guint              deadline_check_id;
};

G_DEFINE_FINAL_TYPE (CercleServer, cercle_server, G_TYPE_OBJECT)

static const char * const served_types[] = {
  "AuditEvent", "CareTeam", "Communication", "HealthcareService", "Location", "Organization",
  "Patient", "Practitioner", "PractitionerRole", "RelatedPerson", "ServiceRequest", "Task", NULL
};

typedef struct {
  CercleServer      *self;
  CercleServerStore *store;     /* the main store, or a reader's */
  SoupServerMessage *msg;
  GHashTable        *query;
  gulong             disconnect_id;
  gboolean           gone;
  gboolean           paused;

  /* The outcome of a read run by a worker. */
  gboolean           ok;
  GError            *error;

  const char        *method;
  char              *path;
  char              *address;
  char              *base_url;
  CercleAccount     *account;

  /* The answer, applied after the commit. */
  guint              status;
  char              *body;
  gsize              body_len;
  const char        *content_type;
  char              *location;
  char              *etag;
  char              *last_modified;
  gboolean           www_authenticate;
  gboolean           no_store;
  guint              retry_after;
  char              *login_tried;   /* of a password grant, for the throttle */


  /* What to audit. */
  char               action;
  const char        *interaction;
  GHashTable        *patients;
  GPtrArray         *entities;
  char              *event;     /* its AuditEvent, if a worker built it */
} Request;

static void
request_free (Request *req)
{
  if (req->disconnect_id)
    g_signal_handler_disconnect (req->msg, req->disconnect_id);
  g_clear_object (&req->msg);
  g_clear_pointer (&req->query, g_hash_table_unref);
  g_clear_error (&req->error);
  g_free (req->path);
  g_free (req->address);
  g_free (req->base_url);
  cercle_account_free (req->account);
  g_free (req->body);
  g_free (req->location);
  g_free (req->etag);
  g_free (req->last_modified);
  g_free (req->login_tried);
  g_clear_pointer (&req->patients, g_hash_table_unref);
  g_clear_pointer (&req->entities, g_ptr_array_unref);
  g_free (req->event);
  g_free (req);
}

static gboolean flush_pending (gpointer data);
static gboolean reader_done (gpointer data);
static void log_request (Request *req);

static void
cercle_server_dispose (GObject *object)
{
  CercleServer *self = (CercleServer *)object;

  g_clear_handle_id (&self->flush_id, g_source_remove);
  g_clear_handle_id (&self->flush_deadline_id, g_source_remove);
  g_clear_handle_id (&self->deadline_check_id, g_source_remove);
  /* Stopping: what was done is committed and answered, not dropped. */
  if (self->pending && self->pending->len > 0)
    flush_pending (self);
  if (self->service)
    {
      g_socket_service_stop (self->service);
      g_socket_listener_close (G_SOCKET_LISTENER (self->service));
      g_clear_object (&self->service);
    }
  if (self->soup)
    soup_server_disconnect (self->soup);
  g_clear_object (&self->soup);
  g_clear_pointer (&self->pending, g_ptr_array_unref);
  g_clear_pointer (&self->audit, cercle_audit_block_free);
  G_OBJECT_CLASS (cercle_server_parent_class)->dispose (object);
}

static void
cercle_server_finalize (GObject *object)
{
  CercleServer *self = (CercleServer *)object;

  CercleServerStore *reader;

  /* Every job holds a reference on the server: none is left running. */
  if (self->readers)
    g_thread_pool_free (self->readers, FALSE, TRUE);
  while ((reader = g_async_queue_try_pop (self->reader_stores)))
    g_object_unref (reader);
  g_async_queue_unref (self->reader_stores);
  g_main_context_unref (self->context);
  g_clear_pointer (&self->throttle, cercle_throttle_free);
  g_clear_pointer (&self->connections, cercle_connection_count_unref);
  g_clear_object (&self->certificate);
  g_clear_object (&self->bound);
  g_free (self->public_url);
  g_free (self->fhir_base);
  g_clear_object (&self->store);
  g_clear_object (&self->issuer);
  G_OBJECT_CLASS (cercle_server_parent_class)->finalize (object);
}

static void
cercle_server_class_init (CercleServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cercle_server_dispose;
  object_class->finalize = cercle_server_finalize;
}

static void
cercle_server_init (CercleServer *self)
{
  /* The store opens in FULL mode. */
  self->synchronous_full = TRUE;
  self->response_delay = CERCLE_SERVER_DEFAULT_RESPONSE_DELAY;
  self->reminder_grace = CERCLE_SERVER_DEFAULT_REMINDER_GRACE;
  self->pending = g_ptr_array_new_with_free_func ((GDestroyNotify) request_free);
  self->audit = cercle_audit_block_new ();
  self->reader_stores = g_async_queue_new ();
  self->context = g_main_context_ref_thread_default ();
}

/* --- answers ------------------------------------------------------------- */

static void
set_json_answer (Request    *req,
                 guint       status,
                 char       *json)
{
  g_free (req->body);
  req->status = status;
  req->body_len = strlen (json);
  req->body = json;
  req->content_type = "application/fhir+json; charset=utf-8";
}

static const char *
issue_code_for (guint status)
{
  switch (status)
    {
    case 400: return "invalid";
    case 401: return "login";
    case 403: return "forbidden";
    case 404: return "not-found";
    case 405: return "not-supported";
    case 409: return "business-rule";
    case 412: return "conflict";
    case 411: return "required";
    case 413: return "too-long";
    case 415: return "not-supported";
    default: return "exception";
    }
}

static void
set_error_answer (Request     *req,
                  guint        status,
                  const char  *diagnostics)
{
  g_autoptr(JsonObject) oo = cercle_fhir_operation_outcome_new ("error", issue_code_for (status), diagnostics);

  set_json_answer (req, status, cercle_fhir_to_string (oo));
  g_clear_pointer (&req->location, g_free);
  g_clear_pointer (&req->etag, g_free);
  g_clear_pointer (&req->last_modified, g_free);
  req->www_authenticate = status == 401;
}

static guint
status_for_error (const GError *error)
{
  if (error->domain == CERCLE_SERVER_ERROR)
    return error->code;
  if (error->domain == CERCLE_FHIR_ERROR || error->domain == JSON_PARSER_ERROR ||
      error->domain == CERCLE_VALIDATION_ERROR)
    return 400;
  if (error->domain == CERCLE_REFERRAL_ERROR)
    return 409;
  if (error->domain == CERCLE_AUTH_ERROR)
    return error->code == CERCLE_AUTH_ERROR_INVALID_TOKEN ? 401 : 400;
  if (error->domain == CERCLE_DB_ERROR && error->code == CERCLE_DB_ERROR_CONFLICT)
    return 409;
  return 500;
}

static void
apply_answer (Request *req)
{
  SoupServerMessage *msg = req->msg;
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  soup_server_message_set_status (msg, req->status, NULL);
  if (req->body)
    {
      soup_server_message_set_response (msg, req->content_type, SOUP_MEMORY_TAKE, req->body, req->body_len);
      req->body = NULL;
    }
  if (req->location)
    soup_message_headers_replace (headers, "Location", req->location);
  if (req->etag)
    soup_message_headers_replace (headers, "ETag", req->etag);
  if (req->last_modified)
    soup_message_headers_replace (headers, "Last-Modified", req->last_modified);
  if (req->www_authenticate)
    soup_message_headers_replace (headers, "WWW-Authenticate", "Bearer realm=\"cercle\", error=\"invalid_token\"");
  if (req->no_store)
    soup_message_headers_replace (headers, "Cache-Control", "no-store");
  if (req->retry_after)
    {
      char seconds[16];

      g_snprintf (seconds, sizeof seconds, "%u", req->retry_after);
      soup_message_headers_replace (headers, "Retry-After", seconds);
    }
}

static void
set_resource_headers (Request              *req,
                      CercleStoredResource *res)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_iso8601 (res->last_updated, NULL);

  g_free (req->etag);
  req->etag = g_strdup_printf ("W/\"%" G_GINT64_FORMAT "\"", res->version);
  g_free (req->last_modified);
  req->last_modified = dt ? soup_date_time_to_string (dt, SOUP_DATE_HTTP) : NULL;
}

/* A stored resource as the caller may read it: a referral without its
 * médical volet for a reader of no medical profession. */
static char *
served_json (Request              *req,
             CercleStoredResource *res)
{
  char *served = NULL;

  if (strstr (res->json, CERCLE_FHIR_EXTENSION_REFERRAL_SECTION))
    served = cercle_server_access_served_json (res->type, res->json,
                                               cercle_server_access_reads_medical (req->store, req->account));
  return served ? served : g_strdup (res->json);
}

static void
answer_resource (Request              *req,
                 guint                 status,
                 CercleStoredResource *res)
{
  set_json_answer (req, status, served_json (req, res));
  set_resource_headers (req, res);
}

/* --- the group commit ---------------------------------------------------- */

/* Longest a request waits in an open batch. Under a steady load the loop
 * always has input to read and the idle flush would wait for a full batch
 * (hundreds of requests, tens of milliseconds): the deadline bounds it. */
#define BATCH_DEADLINE_MS 2

static void
cancel_flush (CercleServer *self)
{
  g_clear_handle_id (&self->flush_id, g_source_remove);
  g_clear_handle_id (&self->flush_deadline_id, g_source_remove);
}

static void
on_disconnected (SoupServerMessage *msg,
                 Request           *req)
{
  req->gone = TRUE;
}

/* Sends the answer of a held message, unless its client is gone. */
static void
send_answer (Request *req)
{
  if (req->gone)
    return;
  apply_answer (req);
  soup_server_message_unpause (req->msg);
}

static gboolean
flush_pending (gpointer data)
{
  CercleServer *self = data;
  CercleDb *db = cercle_server_store_get_db (self->store);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) pending = NULL;
  gboolean ok;

  /* Whichever of the idle and the deadline sources runs first ends both. */
  cancel_flush (self);
  /* The audit events of the batch join the chain as one link, in the
   * transaction they record (events are only added inside an open batch):
   * both are durable, or neither is. */
  ok = cercle_server_audit_append (self->store, self->audit, &error);
  if (!ok)
    {
      cercle_db_rollback (db);
      cercle_audit_block_clear (self->audit);
    }
  ok = ok && (sqlite3_get_autocommit (cercle_db_get_handle (db)) || cercle_db_commit (db, &error));
  if (!ok)
    g_critical ("Commit failed, %u answers become errors: %s", self->pending->len, error->message);
  /* Before the answers: a client told its change is done finds it in
   * whatever was cached on the access generation. */
  cercle_server_store_settle (self->store);

  pending = g_steal_pointer (&self->pending);
  self->pending = g_ptr_array_new_with_free_func ((GDestroyNotify) request_free);
  for (guint i = 0; i < pending->len; i++)
    {
      Request *req = g_ptr_array_index (pending, i);

      if (!ok)
        set_error_answer (req, 500, "The change could not be saved");
      send_answer (req);
    }
  return G_SOURCE_REMOVE;
}

/* Savepoints run per request: prepared once rather than parsed each time. */
static gboolean
run_prepared (CercleDb    *db,
              const char  *sql,
              GError     **error)
{
  sqlite3_stmt *stmt = cercle_db_prepare (db, sql, error);

  return stmt && cercle_db_step_done (db, stmt, error);
}

/* Opens a batch unless one is open. A change is on disk before its 2xx:
 * its batch commits in FULL mode (the WAL is fsynced at commit). A batch of
 * reads only carries their audit events: in NORMAL mode they survive a
 * crash of the server (the WAL is in the page cache) and only a power cut
 * before the next checkpoint could lose them, and sequential reads do not
 * pay an fsync each. The mode cannot change inside a transaction, so a
 * write arriving on a batch of reads first commits it. */
static gboolean
batch_open (CercleServer  *self,
            gboolean       durable,
            GError       **error)
{
  CercleDb *db = cercle_server_store_get_db (self->store);
  gboolean open = !sqlite3_get_autocommit (cercle_db_get_handle (db));

  if (open && durable && !self->synchronous_full)
    {
      flush_pending (self);
      open = FALSE;
    }
  if (!open)
    {
      /* Whatever committed or rolled back it outside a batch. */
      cercle_server_store_settle (self->store);
      if (durable != self->synchronous_full)
        {
          if (!cercle_db_exec (db, durable ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL", error))
            return FALSE;
          self->synchronous_full = durable;
        }
      if (!cercle_db_begin (db, error))
        return FALSE;
    }
  return TRUE;
}

/* Opens the batch if need be, and the request's savepoint in it. */
static gboolean
batch_enter (CercleServer  *self,
             gboolean       durable,
             GError       **error)
{
  return batch_open (self, durable, error) &&
         run_prepared (cercle_server_store_get_db (self->store), "SAVEPOINT request", error);
}

static void
batch_leave (CercleServer *self,
             gboolean      keep)
{
  CercleDb *db = cercle_server_store_get_db (self->store);

  if (!keep)
    run_prepared (db, "ROLLBACK TO request", NULL);
  run_prepared (db, "RELEASE request", NULL);
}

/* Keeps the message waiting for its answer, and notices if its client goes. */
static void
hold_message (Request *req)
{
  if (req->paused)
    return;
  req->paused = TRUE;
  soup_server_message_pause (req->msg);
  req->disconnect_id = g_signal_connect (req->msg, "disconnected", G_CALLBACK (on_disconnected), req);
}

static void
queue_answer (Request *req)
{
  CercleServer *self = req->self;

  hold_message (req);
  g_ptr_array_add (self->pending, req);
  if (self->pending->len >= MAX_BATCH)
    flush_pending (self);
  else if (self->flush_id == 0)
    {
      /* Lowest priority: runs when no other request is waiting to be read. */
      self->flush_id = g_idle_add_full (G_PRIORITY_LOW, flush_pending, self, NULL);
      self->flush_deadline_id = g_timeout_add_full (G_PRIORITY_DEFAULT, BATCH_DEADLINE_MS,
                                                    flush_pending, self, NULL);
    }
}

/* --- audit --------------------------------------------------------------- */

static void
touch_patient (Request    *req,
               const char *patient_id)
{
  if (patient_id && !g_hash_table_contains (req->patients, patient_id))
    g_hash_table_add (req->patients, g_strdup (patient_id));
}

static void
touch_entity (Request              *req,
              CercleStoredResource *res)
{
  char *ref = g_strdup_printf ("%s/%s/_history/%" G_GINT64_FORMAT, res->type, res->id, res->version);

  g_ptr_array_add (req->entities, ref);
  touch_patient (req, res->patient_id);
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static GPtrArray *
sorted_patients (Request *req)
{
  GPtrArray *patients = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, req->patients);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (patients, key);
  g_ptr_array_sort (patients, compare_strings);
  return patients;
}

static char *
build_event (Request             *req,
             CercleAuditOutcome   outcome,
             const char          *description,
             GPtrArray           *patients)
{
  CercleAuditAgent agent = {
    .login = req->account->login,
    .practitioner_id = req->account->practitioner_id,
    .organization_id = req->account->organization_id,
    .address = req->address,
  };

  return cercle_audit_event_build (&agent, req->action, req->interaction, outcome, description,
                                   patients, req->entities);
}

static gboolean
needs_audit (Request *req)
{
  return g_hash_table_size (req->patients) > 0 && req->account != NULL;
}

/* The request's AuditEvent joins those of its batch. A successful read
 * brings the one its worker built. */
static void
record_audit (Request             *req,
              CercleAuditOutcome   outcome,
              const char          *description)
{
  GHashTableIter iter;
  gpointer patient_id;

  if (!needs_audit (req))
    return;
  if (outcome == CERCLE_AUDIT_SUCCESS && req->event)
    cercle_audit_block_take (req->self->audit, g_steal_pointer (&req->event));
  else
    {
      g_autoptr(GPtrArray) patients = sorted_patients (req);

      cercle_audit_block_take (req->self->audit, build_event (req, outcome, description, patients));
    }
  g_hash_table_iter_init (&iter, req->patients);
  while (g_hash_table_iter_next (&iter, &patient_id, NULL))
    cercle_audit_block_add_patient (req->self->audit, patient_id);
}

/* --- helpers ------------------------------------------------------------- */

static const char *
json_string (JsonObject *obj,
             const char *member)
{
  JsonNode *node = obj ? json_object_get_member (obj, member) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static JsonObject *
json_object (JsonObject *obj,
             const char *member)
{
  JsonNode *node = obj ? json_object_get_member (obj, member) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  return json_node_get_object (node);
}

static const char *
json_reference (JsonObject *obj,
                const char *member)
{
  return json_string (json_object (obj, member), "reference");
}

/* The first coding's code of a CodeableConcept, else its text. */
static const char *
concept_code (JsonObject *concept)
{
  JsonNode *codings = concept ? json_object_get_member (concept, "coding") : NULL;

  if (codings && JSON_NODE_HOLDS_ARRAY (codings) && json_array_get_length (json_node_get_array (codings)) > 0)
    {
      JsonNode *first = json_array_get_element (json_node_get_array (codings), 0);

      if (JSON_NODE_HOLDS_OBJECT (first) && json_string (json_node_get_object (first), "code"))
        return json_string (json_node_get_object (first), "code");
    }
  return json_string (concept, "text");
}

static JsonObject *
parse_stored (CercleStoredResource *res)
{
  return cercle_fhir_parse (res->json, -1, NULL);
}

static gboolean
is_desk (Request *req)
{
  return req->account->organization_id != NULL;
}

static gboolean
parse_if_match (const char  *header,
                gint64      *version,
                GError     **error)
{
  g_autofree char *text = NULL;
  guint64 n;

  *version = -1;
  if (header == NULL)
    return TRUE;
  text = g_strdup (header);
  g_strstrip (text);
  if (g_str_has_prefix (text, "W/"))
    memmove (text, text + 2, strlen (text + 2) + 1);
  if (text[0] == '"' && strlen (text) >= 2 && text[strlen (text) - 1] == '"')
    {
      text[strlen (text) - 1] = '\0';
      memmove (text, text + 1, strlen (text + 1) + 1);
    }
  if (!g_ascii_string_to_unsigned (text, 10, 0, G_MAXINT64, &n, NULL))
    {
      g_set_error (error, CERCLE_SERVER_ERROR, CERCLE_SERVER_ERROR_INVALID, "If-Match takes a version: W/\"3\"");
      return FALSE;
    }
  *version = n;
  return TRUE;
}

/* --- writes -------------------------------------------------------------- */

static JsonArray *
array_member (JsonObject *obj,
              const char *member)
{
  JsonNode *node = json_object_get_member (obj, member);
  JsonArray *array;

  if (node && JSON_NODE_HOLDS_ARRAY (node))
    return json_node_get_array (node);
  array = json_array_new ();
  json_object_set_array_member (obj, member, array);
  return array;
}

static JsonObject *
sub_extension (const char *url,
               const char *value_type,
               const char *value)
{
  JsonObject *ext = json_object_new ();

  json_object_set_string_member (ext, "url", url);
  json_object_set_string_member (ext, value_type, value);
  return ext;
}

/* A transition made by the server itself (annulation-auto, delai-depasse):
 * the new pair, lastModified and the step in the Task's history, as
 * CercleDestination writes it. The caller has checked the transition. */
static void
task_system_transition (JsonObject *task,
                        const char *to_status,
                        const char *to_business,
                        const char *now)
{
  JsonObject *bs, *coding, *transition;
  JsonArray *codings, *parts;

  json_object_set_string_member (task, "status", to_status);
  bs = json_object_new ();
  codings = json_array_new ();
  coding = json_object_new ();
  json_object_set_string_member (coding, "system", BUSINESS_STATUS_SYSTEM);
  json_object_set_string_member (coding, "code", to_business);
  json_object_set_string_member (coding, "display", cercle_referral_status_display (to_status, to_business));
  json_array_add_object_element (codings, coding);
  json_object_set_array_member (bs, "coding", codings);
  json_object_set_object_member (task, "businessStatus", bs);
  json_object_set_string_member (task, "lastModified", now);

  transition = json_object_new ();
  parts = json_array_new ();
  json_object_set_string_member (transition, "url", CERCLE_FHIR_EXTENSION_TASK_TRANSITION);
  json_array_add_object_element (parts, sub_extension ("time", "valueDateTime", now));
  json_array_add_object_element (parts, sub_extension ("status", "valueCode", to_status));
  json_array_add_object_element (parts, sub_extension ("businessStatus", "valueCode", to_business));
  json_array_add_object_element (parts, sub_extension ("actor", "valueCode", "system"));
  json_object_set_array_member (transition, "extension", parts);
  json_array_add_object_element (array_member (task, "extension"), transition);
}

static gboolean
task_siblings_check (Request     *req,
                     JsonObject  *task,
                     const char  *id,
                     gboolean     cancel,
                     GError     **error)
{
  CercleServer *self = req->self;
  CercleDb *db = cercle_server_store_get_db (self->store);
  const char *focus = json_reference (task, "focus");
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt;

  if (focus == NULL)
    return TRUE;
  stmt = cercle_db_prepare (db,
                            "SELECT f.id FROM idx f WHERE f.type = 'Task' AND f.param = 'focus' AND f.value = ? AND f.id != ?",
                            error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, focus, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, id, -1, SQLITE_TRANSIENT);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_ptr_array_add (ids, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  sqlite3_reset (stmt);

  for (guint i = 0; i < ids->len; i++)
    {
      g_autoptr(CercleStoredResource) res = cercle_server_store_get (self->store, "Task", g_ptr_array_index (ids, i), 0, NULL);
      g_autoptr(JsonObject) sibling = res ? parse_stored (res) : NULL;
      const char *status = json_string (sibling, "status");
      const char *business = concept_code (json_object (sibling, "businessStatus"));
      g_autoptr(CercleStoredResource) written = NULL;
      CercleStoreWrite outcome;
      g_autofree char *now = NULL;

      if (sibling == NULL)
        continue;
      if (!cancel)
        {
          const char *others[] = { status, NULL };

          if (status && !cercle_referral_check_confirmation (others, error))
            return FALSE;
          continue;
        }
      /* Destinations that already ended stay as they are. */
      if (!cercle_referral_check_transition (status, business, "cancelled", CERCLE_REFERRAL_BUSINESS_AUTO_CANCELLED,
                                             CERCLE_REFERRAL_ACTOR_SYSTEM, NULL, NULL))
        continue;
      now = cercle_server_store_now ();
      task_system_transition (sibling, "cancelled", CERCLE_REFERRAL_BUSINESS_AUTO_CANCELLED, now);
      written = cercle_server_store_write (self->store, sibling, res->version, &outcome, error);
      if (written == NULL)
        return FALSE;
      touch_entity (req, written);
      g_message ("Task/%s cancelled automatically: another destination was confirmed", written->id);
    }
  return TRUE;
}

/* Task.restriction.period.end in Unix seconds, or -1. A date alone means
 * the end of that day, in the server's time zone. */
static gint64
deadline_end_of (JsonObject *task)
{
  const char *end = json_string (json_object (json_object (task, "restriction"), "period"), "end");
  g_autoptr(GDateTime) dt = NULL;

  if (end == NULL)
    return -1;
  if (strlen (end) == 10)
    {
      g_autofree char *full = g_strconcat (end, "T23:59:59", NULL);
      g_autoptr(GTimeZone) local = g_time_zone_new_local ();

      dt = g_date_time_new_from_iso8601 (full, local);
    }
  else
    {
      /* FHIR gives the zone with a time; UTC if a client forgot it. */
      g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();

      dt = g_date_time_new_from_iso8601 (end, utc);
    }
  return dt ? g_date_time_to_unix (dt) : -1;
}

/* Keeps the deadline of a Task being written: its own end, and when it
 * is (again, after complements) sent, the start of the clock with no
 * reminder yet. */
static gboolean
deadline_track (CercleServer  *self,
                JsonObject    *task,
                const char    *task_id,
                gboolean       sent,
                GError       **error)
{
  CercleDb *db = cercle_server_store_get_db (self->store);
  gint64 end = deadline_end_of (task);
  sqlite3_stmt *stmt;

  if (sent)
    stmt = cercle_db_prepare (db,
                              "INSERT OR REPLACE INTO deadlines (task_id, requested_at, end_at, reminded_at)"
                              " VALUES (?1, ?2, ?3, NULL)",
                              error);
  else
    stmt = cercle_db_prepare (db, "UPDATE deadlines SET end_at = ?3 WHERE task_id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, task_id, -1, SQLITE_TRANSIENT);
  if (sent)
    sqlite3_bind_int64 (stmt, 2, g_get_real_time () / G_USEC_PER_SEC);
  if (end >= 0)
    sqlite3_bind_int64 (stmt, 3, end);
  else
    sqlite3_bind_null (stmt, 3);
  return cercle_db_step_done (db, stmt, error);
}

/* Fields of a Task that only the state machine and the destination's
 * answer may change; everything else stays as the requester sent it. */
static const char * const desk_writable[] = {
  "status", "businessStatus", "statusReason", "note", "lastModified", "executionPeriod", "output", "meta", NULL
};

static gboolean
task_rules (Request     *req,
            JsonObject  *task,
            const char  *id,
            JsonObject  *old,
            gboolean    *confirmed,
            GError     **error)
{
  const char *owner = json_reference (task, "owner");
  const char *patient_id = cercle_server_store_patient_of (task, "Task");
  const char *to_status = json_string (task, "status");
  const char *to_business = concept_code (json_object (task, "businessStatus"));
  const char *from_status = old ? json_string (old, "status") : NULL;
  const char *from_business = old ? concept_code (json_object (old, "businessStatus")) : NULL;
  const char *reason = concept_code (json_object (task, "statusReason"));
  CercleReferralActor actor;

  *confirmed = FALSE;
  if (is_desk (req))
    {
      g_autofree char *org = g_strdup_printf ("Organization/%s", req->account->organization_id);

      if (old == NULL || g_strcmp0 (json_reference (old, "owner"), org) != 0)
        {
          g_set_error (error, CERCLE_SERVER_ERROR, CERCLE_SERVER_ERROR_FORBIDDEN,
                       "An admission desk answers the referrals sent to its structure only");
          return FALSE;
        }
      actor = CERCLE_REFERRAL_ACTOR_DESTINATION;
    }
  else
    {
      if (!cercle_server_access_is_member (req->store, req->account, patient_id))
        {
          g_set_error (error, CERCLE_SERVER_ERROR, CERCLE_SERVER_ERROR_FORBIDDEN,
                       "Only members of the patient's care circle may send or change a referral");
          return FALSE;
        }
      actor = CERCLE_REFERRAL_ACTOR_REQUESTER;
    }
  if (owner == NULL || json_reference (task, "focus") == NULL)
    {
      g_set_error (error, CERCLE_SERVER_ERROR, CERCLE_SERVER_ERROR_INVALID,
                   "A referral Task needs an owner (the destination) and a focus (the ServiceRequest)");
      return FALSE;
    }

  if (old)
    {
      static const char * const fixed[] = { "owner", "focus", "for", "requester", NULL };

      for (guint i = 0; fixed[i]; i++)
        if (g_strcmp0 (json_reference (old, fixed[i]), json_reference (task, fixed[i])) != 0)
          {
            g_set_error (error, CERCLE_SERVER_ERROR, CERCLE_SERVER_ERROR_CONFLICT,
                         "The %s of a referral cannot change", fixed[i]);
            return FALSE;
          }
      if (actor == CERCLE_REFERRAL_ACTOR_DESTINATION)
        {
          g_autoptr(GList) members = g_list_concat (json_object_get_members (old), json_object_get_members (task));

          for (GList *l = members; l; l = l->next)
            {
              JsonNode *a = json_object_get_member (old, l->data);
              JsonNode *b = json_object_get_member (task, l->data);

              if (g_strv_contains (desk_writable, l->data))
                continue;
              if (a == NULL || b == NULL || !json_node_equal (a, b))
                {
                  g_set_error (error, CERCLE_SERVER_ERROR, CERCLE_SERVER_ERROR_FORBIDDEN,
                               "An admission desk may change only the status and the answer of a referral, not %s",
                               (const char *) l->data);
                  return FALSE;
                }
            }
        }
    }

  if (old == NULL)
    {
      /* A referral starts as a draft or sent, by its requester. */
      if (actor != CERCLE_REFERRAL_ACTOR_REQUESTER ||
          !((g_strcmp0 (to_status, "draft") == 0 && to_business == NULL) ||
            (g_strcmp0 (to_status, "requested") == 0 &&
             g_strcmp0 (to_business, CERCLE_REFERRAL_BUSINESS_UNREAD) == 0)))
        {
          g_set_error (error, CERCLE_REFERRAL_ERROR, CERCLE_REFERRAL_ERROR_INVALID_TRANSITION,
                       "A referral destination starts as draft, or requested (non-lue)");
          return FALSE;
        }
    }
  else if (g_strcmp0 (from_status, to_status) != 0 || g_strcmp0 (from_business, to_business) != 0)
    {
      if (!cercle_referral_check_transition (from_status, from_business, to_status, to_business, actor, reason, error))
        return FALSE;
      if (g_strcmp0 (to_status, "in-progress") == 0)
        {
          if (!task_siblings_check (req, task, id, FALSE, error))
            return FALSE;
          *confirmed = TRUE;
        }
    }
  return TRUE;
}

static gboolean
ensure_creator_in_circle (Request     *req,
                          const char  *patient_id,
                          GError     **error)
{
  g_autoptr(JsonObject) team = NULL;
  g_autoptr(CercleStoredResource) written = NULL;
  g_autofree char *id = NULL;
  g_autofree char *patient_ref = g_strdup_printf ("Patient/%s", patient_id);
  g_autofree char *member_ref = g_strdup_printf ("Practitioner/%s", req->account->practitioner_id);
  g_autofree char *now = cercle_server_store_now ();
  JsonObject *subject, *participant, *member, *period;
  JsonArray *participants;
  CercleStoreWrite outcome;

  if (cercle_server_access_is_member (req->store, req->account, patient_id))
    return TRUE;
  /* The id clients derive too; but a client may have chosen it for a team
   * of its own (or a long id's digest): then a fresh one, never theirs. */
  id = cercle_care_team_id_for_patient (patient_id);
  {
    g_autoptr(CercleStoredResource) taken = cercle_server_store_get (req->store, "CareTeam", id, 0, NULL);

    if (taken)
      {
        g_autofree char *uuid = g_uuid_string_random ();

        g_free (id);
        id = g_strconcat ("ct-", uuid, NULL);
      }
  }
  team = json_object_new ();
  json_object_set_string_member (team, "resourceType", "CareTeam");
  json_object_set_string_member (team, "id", id);
  json_object_set_string_member (team, "status", "active");
  json_object_set_string_member (team, "name", "Cercle de soins");
  subject = json_object_new ();
  json_object_set_string_member (subject, "reference", patient_ref);
  json_object_set_object_member (team, "subject", subject);
  participants = json_array_new ();
  participant = json_object_new ();
  member = json_object_new ();
  json_object_set_string_member (member, "reference", member_ref);
  if (req->account->display_name)
    json_object_set_string_member (member, "display", req->account->display_name);
  json_object_set_object_member (participant, "member", member);
  period = json_object_new ();
  json_object_set_string_member (period, "start", now);
  json_object_set_object_member (participant, "period", period);
  json_array_add_object_element (participants, participant);
  json_object_set_array_member (team, "participant", participants);

  written = cercle_server_store_write (req->store, team, -1, &outcome, error);
  if (written == NULL)
    return FALSE;
  touch_entity (req, written);
  return TRUE;
}

/* --- authors, the directory, labels ------------------------------------ */

/* How the signed-in account is named as an author: its structure for a
 * desk, else its practitioner. */
static JsonObject *
self_reference (Request *req)
{
  JsonObject *ref = json_object_new ();
  g_autofree char *text = is_desk (req)
                          ? g_strdup_printf ("Organization/%s", req->account->organization_id)
                          : g_strdup_printf ("Practitioner/%s", req->account->practitioner_id);

  json_object_set_string_member (ref, "reference", text);
  return ref;
}

/* A reference to the writer that the client gave: its reference is
 * checked, but a reader sees its display ("Dr Autre" on one's own note),
 * so the display is the account's name (none if it has none), and an
 * identifier, which nothing checks, is dropped. */
static void
author_reference_clean (Request    *req,
                        JsonObject *ref)
{
  if (ref == NULL)
    return;
  if (json_object_has_member (ref, "identifier"))
    json_object_remove_member (ref, "identifier");
  if (!json_object_has_member (ref, "display"))
    return;
  if (req->account->display_name && *req->account->display_name)
    json_object_set_string_member (ref, "display", req->account->display_name);
  else
    json_object_remove_member (ref, "display");
}

/* The author field @member of @resource (sender, requester) on a create
 * or an update: absent, it is the stored one, or the writer; present, it
 * is the writer (the stored one as stored, display included). */
static gboolean
author_rule (Request     *req,
             JsonObject  *resource,
             JsonObject  *old,
             const char  *member,
             GError     **error)
{
  const char *given = json_reference (resource, member);

  if (given == NULL)
    {
      JsonObject *stored = json_object (old, member);

      json_object_set_object_member (resource, member, stored ? json_object_ref (stored) : self_reference (req));
      return TRUE;
    }
  if (old && g_strcmp0 (given, json_reference (old, member)) == 0)
    {
      json_object_set_object_member (resource, member, json_object_ref (json_object (old, member)));
      return TRUE;
    }
  if (!cercle_server_access_is_self (req->store, req->account, given))
    {
      g_set_error (error, CERCLE_SERVER_ERROR, CERCLE_SERVER_ERROR_FORBIDDEN,
                   "On écrit en son propre nom : %s doit être vous (Practitioner/%s), pas %s",
                   member, req->account->practitioner_id, given);
      return FALSE;
    }
  author_reference_clean (req, json_object (resource, member));
  return TRUE;
}

/* Only the author of a draft (note, referral, prescription) changes it. */
static gboolean
draft_author_rule (Request     *req,
                   JsonObject  *old,
                   const char  *draft_status,
                   const char  *member,
                   GError     **error)
{
  if (old == NULL || g_strcmp0 (json_string (old, "status"), draft_status) != 0)
    return TRUE;
  if (cercle_server_access_is_self (req->store, req->account, json_reference (old, member)))
    return TRUE;
  g_set_error (error, CERCLE_SERVER_ERROR, CERCLE_SERVER_ERROR_FORBIDDEN,
               "Seul l’auteur d’un brouillon peut le modifier");
  return FALSE;
}

/* A note of a Task as stored, and as a client may send it back: without
 * the author the server gave it. */
static gboolean
same_note (JsonNode *sent,
           JsonNode *stored)
{
  JsonObject *a, *b;
  g_autoptr(GList) members = NULL;
  guint n_compared = 0;

  if (json_node_equal (sent, stored))
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (sent) || !JSON_NODE_HOLDS_OBJECT (stored))
    return FALSE;
  a = json_node_get_object (sent);
  b = json_node_get_object (stored);
  if (json_object_has_member (a, "authorReference") || json_object_has_member (a, "authorString"))
    return FALSE;
  /* Member by member: json_node_copy() would share the stored object. */
  members = json_object_get_members (b);
  for (GList *l = members; l; l = l->next)
    {
      JsonNode *mine;

      if (g_str_equal (l->data, "authorReference") || g_str_equal (l->data, "authorString"))
        continue;
      mine = json_object_get_member (a, l->data);
      if (mine == NULL || !json_node_equal (mine, json_object_get_member (b, l->data)))
        return FALSE;
      n_compared++;
    }
  return n_compared == json_object_get_size (a);
}

/* Task.note grows only: every stored note stays as it was (whoever sends
 * the Task back without it), and each note sent that is not stored yet is
 * added in the writer's name. */
static gboolean
notes_rule (Request     *req,
            JsonObject  *resource,
            JsonObject  *old,
            GError     **error)
{
  JsonNode *old_node = old ? json_object_get_member (old, "note") : NULL;
  JsonNode *sent_node = json_object_get_member (resource, "note");
  JsonArray *stored = old_node && JSON_NODE_HOLDS_ARRAY (old_node) ? json_node_get_array (old_node) : NULL;
  JsonArray *sent = sent_node && JSON_NODE_HOLDS_ARRAY (sent_node) ? json_node_get_array (sent_node) : NULL;
  JsonArray *merged;
  guint n_stored = stored ? json_array_get_length (stored) : 0;

  if (n_stored == 0 && sent == NULL)
    return TRUE;
  merged = json_array_new ();
  for (guint i = 0; i < n_stored; i++)
    json_array_add_element (merged, json_node_copy (json_array_get_element (stored, i)));
  for (guint i = 0; sent && i < json_array_get_length (sent); i++)
    {
      JsonNode *note = json_array_get_element (sent, i);
      JsonObject *obj = JSON_NODE_HOLDS_OBJECT (note) ? json_node_get_object (note) : NULL;
      const char *author;
      gboolean known = FALSE;

      for (guint j = 0; j < n_stored && !known; j++)
        known = same_note (note, json_array_get_element (stored, j));
      if (known)
        continue;
      author = json_reference (obj, "authorReference");
      if (obj == NULL || json_object_has_member (obj, "authorString") ||
          (author && !cercle_server_access_is_self (req->store, req->account, author)))
        {
          json_array_unref (merged);
          g_set_error (error, CERCLE_SERVER_ERROR, CERCLE_SERVER_ERROR_FORBIDDEN,
                       "Une note est écrite en son propre nom : laissez l’auteur vide ou indiquez-vous, "
                       "et ne modifiez pas les notes déjà écrites");
          return FALSE;
        }
      note = json_node_copy (note);
      if (author == NULL)
        json_object_set_object_member (json_node_get_object (note), "authorReference", self_reference (req));
      else
        author_reference_clean (req, json_object (json_node_get_object (note), "authorReference"));
      json_array_add_element (merged, note);
    }
  json_object_set_array_member (resource, "note", merged);
  return TRUE;
}

/* Security labels and tags are the server's to set (it sets none yet): a
 * client sends back those stored, or none. */
static gboolean
labels_rule (JsonObject  *resource,
             JsonObject  *old,
             GError     **error)
{
  static const char * const labels[] = { "security", "tag", NULL };
  JsonObject *meta = json_object (resource, "meta");
  JsonObject *old_meta = json_object (old, "meta");

  for (guint i = 0; labels[i]; i++)
    {
      JsonNode *sent = meta ? json_object_get_member (meta, labels[i]) : NULL;
      JsonNode *stored = old_meta ? json_object_get_member (old_meta, labels[i]) : NULL;

      if (sent && !(stored && json_node_equal (sent, stored)))
        {
          g_set_error (error, CERCLE_SERVER_ERROR, CERCLE_SERVER_ERROR_INVALID,
                       "meta.%s est posé par le serveur, pas par le client : retirez-le de la ressource envoyée",
                       labels[i]);
          return FALSE;
        }
      if (sent == NULL && stored)
        {
          if (meta == NULL)
            {
              meta = json_object_new ();
              json_object_set_object_member (resource, "meta", meta);
            }
          json_object_set_member (meta, labels[i], json_node_copy (stored));
        }
    }
  return TRUE;
}

/* The shared directory (Practitioner, PractitionerRole, Organization,
 * Location, HealthcareService): an administrator writes it; an account
 * writes its own Practitioner and its own roles, never pointing a role at
 * someone else. A desk writes none of it. */
static gboolean
directory_rule (Request     *req,
                const char  *type,
                const char  *id,
                JsonObject  *resource,
                JsonObject  *old,
                GError     **error)
{
  g_autofree char *me = g_strdup_printf ("Practitioner/%s", req->account->practitioner_id);

  if (cercle_server_access_is_admin (req->store, req->account))
    return TRUE;
  if (!is_desk (req) && g_str_equal (type, "Practitioner") && g_str_equal (id, req->account->practitioner_id))
    {
      /* Who one is (RPPS) and one's profession, which opens the médical
       * volet of referrals, are the directory's: sent back as stored, or
       * not at all (then kept). */
      static const char * const vouched[] = { "identifier", "qualification", NULL };

      for (guint i = 0; vouched[i]; i++)
        {
          JsonNode *sent = json_object_get_member (resource, vouched[i]);
          JsonNode *stored = old ? json_object_get_member (old, vouched[i]) : NULL;

          if (sent && !(stored && json_node_equal (sent, stored)))
            {
              g_set_error (error, CERCLE_SERVER_ERROR, CERCLE_SERVER_ERROR_FORBIDDEN,
                           "Votre profession et vos identifiants (%s) sont inscrits par un administrateur ou "
                           "l’annuaire national, pas par vous : renvoyez-les tels qu’enregistrés ou retirez-les",
                           vouched[i]);
              return FALSE;
            }
          if (sent == NULL && stored)
            json_object_set_member (resource, vouched[i], json_node_copy (stored));
        }
      return TRUE;
    }
  if (!is_desk (req) && g_str_equal (type, "PractitionerRole"))
    {
      if (g_strcmp0 (json_reference (resource, "practitioner"), me) == 0 &&
          (old == NULL || g_strcmp0 (json_reference (old, "practitioner"), me) == 0))
        {
          /* The structure a role names is an affiliation others rely on
           * (a desk, a circle): an administrator's to set. One sends it
           * back as stored, or not at all (then kept). */
          JsonNode *sent = json_object_get_member (resource, "organization");
          JsonNode *stored = old ? json_object_get_member (old, "organization") : NULL;

          if (sent && !(stored && json_node_equal (sent, stored)))
            {
              g_set_error (error, CERCLE_SERVER_ERROR, CERCLE_SERVER_ERROR_FORBIDDEN,
                           "La structure d’un rôle (organization) est inscrite par un administrateur : "
                           "renvoyez-la telle qu’enregistrée ou retirez-la");
              return FALSE;
            }
          if (sent == NULL && stored)
            json_object_set_member (resource, "organization", json_node_copy (stored));
          return TRUE;
        }
      g_set_error (error, CERCLE_SERVER_ERROR, CERCLE_SERVER_ERROR_FORBIDDEN,
                   "Un rôle (PractitionerRole) n’est écrit que par le professionnel qu’il désigne, sans le "
                   "désigner à la place d’un autre, ou par un administrateur");
      return FALSE;
    }
  g_set_error (error, CERCLE_SERVER_ERROR, CERCLE_SERVER_ERROR_FORBIDDEN,
               "Seul un administrateur modifie l’annuaire partagé (structures, lieux, services et fiches des "
               "autres professionnels) ; chacun modifie sa propre fiche Practitioner et ses propres rôles");
  return FALSE;
}

/* Validates, authorizes, applies the referral, author and directory rules
 * and stores one resource.
 * @check_references: check its references now (a transaction checks them
 *   once all its entries are written)
 * @old_out: (out) (optional): the version it replaced, parsed, or %NULL */
static CercleStoredResource *
write_resource (Request           *req,
                JsonObject        *resource,
                const char        *type,
                const char        *id,
                gint64             if_match,
                gboolean           check_references,
                JsonObject       **old_out,
                CercleStoreWrite  *outcome,
                GError           **error)
{
  CercleServerStore *store = req->store;
  g_autoptr(CercleStoredResource) current = NULL;
  g_autoptr(JsonObject) old = NULL;
  g_autoptr(GError) local_error = NULL;
  CercleStoredResource *written;
  const char *patient_id;
  gboolean confirmed = FALSE;

  if (!cercle_fhir_check_resource (resource, type, error))
    return NULL;
  if (!cercle_server_store_valid_id (id))
    {
      g_set_error (error, CERCLE_SERVER_ERROR, CERCLE_SERVER_ERROR_INVALID, "“%s” is not a valid id", id);
      return NULL;
    }
  if (g_str_equal (type, "AuditEvent"))
    {
      g_set_error (error, CERCLE_SERVER_ERROR, CERCLE_SERVER_ERROR_METHOD,
                   "The audit trail is written by the server only");
      return NULL;
    }
  json_object_set_string_member (resource, "id", id);

  current = cercle_server_store_get (store, type, id, 0, &local_error);
  if (current == NULL && !g_error_matches (local_error, CERCLE_SERVER_ERROR, CERCLE_SERVER_ERROR_NOT_FOUND))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (current)
    old = parse_stored (current);

  patient_id = cercle_server_store_patient_of (resource, type);
  if (cercle_server_store_is_compartment_type (type) && patient_id == NULL)
    {
      g_set_error (error, CERCLE_SERVER_ERROR, CERCLE_SERVER_ERROR_INVALID,
                   "A %s must name its patient (a reference Patient/ID)", type);
      return NULL;
    }
  touch_patient (req, patient_id);
  if (current)
    touch_patient (req, current->patient_id);

  /* A resource stays in its patient's file: moving it would carry its
   * earlier versions into another circle's reach. One may not even learn
   * the file of a resource one cannot write. */
  if (current && current->patient_id && g_strcmp0 (current->patient_id, patient_id) != 0)
    {
      if (is_desk (req) || !cercle_server_access_is_member (store, req->account, current->patient_id))
        g_set_error (error, CERCLE_SERVER_ERROR, CERCLE_SERVER_ERROR_FORBIDDEN,
                     "Only members of the patient's care circle may write in the patient's file");
      else
        g_set_error (error, CERCLE_SERVER_ERROR, CERCLE_SERVER_ERROR_CONFLICT,
                     "Une ressource ne change pas de patient : écrivez-en une nouvelle dans le dossier de l’autre patient");
      return NULL;
    }
  if (!labels_rule (resource, old, error))
    return NULL;

  if (g_str_equal (type, "Task"))
    {
      /* The requester is set once, by the one who writes the referral. */
      if (!is_desk (req) &&
          (!draft_author_rule (req, old, "draft", "requester", error) ||
           !author_rule (req, resource, old, "requester", error)))
        return NULL;
      if (is_desk (req) && json_reference (resource, "requester") == NULL && json_object (old, "requester"))
        json_object_set_object_member (resource, "requester", json_object_ref (json_object (old, "requester")));
      if (!task_rules (req, resource, id, old, &confirmed, error) ||
          !notes_rule (req, resource, old, error))
        return NULL;
    }
  else if (!cercle_server_store_is_compartment_type (type))
    {
      if (!directory_rule (req, type, id, resource, old, error))
        return NULL;
    }
  else if (is_desk (req))
    {
      g_set_error (error, CERCLE_SERVER_ERROR, CERCLE_SERVER_ERROR_FORBIDDEN,
                   "An admission desk may only answer the referrals sent to its structure");
      return NULL;
    }
  else
    {
      gboolean creating_patient = g_str_equal (type, "Patient") && current == NULL;

      if (!creating_patient && !cercle_server_access_is_member (store, req->account, patient_id))
        {
          g_set_error (error, CERCLE_SERVER_ERROR, CERCLE_SERVER_ERROR_FORBIDDEN,
                       "Only members of the patient's care circle may write in the patient's file");
          return NULL;
        }
      if (g_str_equal (type, "Communication"))
        {
          /* A note is its sender's: only the sender edits its draft (a
           * sent one is not edited at all, below). */
          if (old && !cercle_server_access_is_self (store, req->account, json_reference (old, "sender")))
            {
              g_set_error (error, CERCLE_SERVER_ERROR, CERCLE_SERVER_ERROR_FORBIDDEN,
                           "Seul l’auteur d’une note peut la modifier");
              return NULL;
            }
          /* The server names the sender when the client did not; a retry of
           * the same PUT gets the same sender, so it stays a no-op. */
          if (!author_rule (req, resource, old, "sender", error))
            return NULL;
        }
      else if (g_str_equal (type, "ServiceRequest"))
        {
          if (!draft_author_rule (req, old, "draft", "requester", error) ||
              !author_rule (req, resource, old, "requester", error))
            return NULL;
          if (old && g_strcmp0 (json_reference (resource, "requester"), json_reference (old, "requester")) != 0)
            {
              g_set_error (error, CERCLE_SERVER_ERROR, CERCLE_SERVER_ERROR_CONFLICT,
                           "Le demandeur (requester) d’une prescription ne change pas");
              return NULL;
            }
          /* Served without its médical volet, one sends it back without:
           * the stored volet stays. */
          if (!cercle_server_access_reads_medical (store, req->account))
            cercle_server_access_keep_medical (resource, old);
        }
    }

  if (check_references &&
      !cercle_server_access_check_references (store, req->account, resource, patient_id, old, error))
    return NULL;

  written = cercle_server_store_write (store, resource, if_match, outcome, error);
  if (written == NULL)
    return NULL;

  /* A sent note is never edited in place: a correction is a new note. */
  if (g_str_equal (type, "Communication") && *outcome == CERCLE_STORE_WRITE_UPDATED &&
      g_strcmp0 (json_string (old, "status"), "completed") == 0)
    {
      cercle_stored_resource_free (written);
      g_set_error (error, CERCLE_SERVER_ERROR, CERCLE_SERVER_ERROR_CONFLICT,
                   "A sent note cannot be changed: write a new note that corrects it");
      return NULL;
    }
  touch_entity (req, written);

  /* The response deadline runs from the moment the Task is (again) sent. */
  if (g_str_equal (type, "Task") && *outcome != CERCLE_STORE_WRITE_UNCHANGED &&
      !deadline_track (req->self, resource, id,
                       g_strcmp0 (json_string (resource, "status"), "requested") == 0 &&
                       g_strcmp0 (json_string (old, "status"), "requested") != 0,
                       error))
    {
      cercle_stored_resource_free (written);
      return NULL;
    }

  if (g_str_equal (type, "Patient") && *outcome == CERCLE_STORE_WRITE_CREATED &&
      !ensure_creator_in_circle (req, id, error))
    {
      cercle_stored_resource_free (written);
      return NULL;
    }
  if (confirmed && *outcome != CERCLE_STORE_WRITE_UNCHANGED && !task_siblings_check (req, resource, id, TRUE, error))
    {
      cercle_stored_resource_free (written);
      return NULL;
    }
  if (old_out)
    *old_out = g_steal_pointer (&old);
  return written;
}

/* --- request bodies -------------------------------------------------------- */

static GBytes *
request_body (Request  *req,
              GError  **error)
{
  SoupMessageBody *body = soup_server_message_get_request_body (req->msg);
  GBytes *bytes = soup_message_body_flatten (body);

  if (g_bytes_get_size (bytes) > CERCLE_SERVER_MAX_BODY)
    {
      g_bytes_unref (bytes);
      g_set_error (error, CERCLE_SERVER_ERROR, CERCLE_SERVER_ERROR_TOO_LARGE, "The body is over 1 MiB");
      return NULL;
    }
  return bytes;
}

static JsonObject *
parse_body (Request  *req,
            GError  **error)
{
  g_autoptr(GBytes) bytes = request_body (req, error);
  const char *type;

  if (bytes == NULL)
    return NULL;
  type = soup_message_headers_get_content_type (soup_server_message_get_request_headers (req->msg), NULL);
  if (type == NULL || (g_ascii_strcasecmp (type, "application/fhir+json") != 0 &&
                       g_ascii_strcasecmp (type, "application/json") != 0))
    {
      g_set_error (error, CERCLE_SERVER_ERROR, CERCLE_SERVER_ERROR_MEDIA_TYPE,
                   "Send application/fhir+json");
      return NULL;
    }
  return cercle_fhir_parse (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), error);
}

/* --- handlers ---------------------------------------------------------------- */

static gboolean
handle_read (Request     *req,
             const char  *type,
             const char  *id,
             gint64       version,
             GError     **error)
{
  CercleServerStore *store = req->store;
  g_autoptr(CercleStoredResource) res = NULL;
  g_autoptr(GError) local_error = NULL;

  req->action = 'R';
  req->interaction = version > 0 ? "vread" : "read";

  if (g_str_equal (type, "AuditEvent"))
    {
      char *json = cercle_server_read_audit (store, req->account, id, req->patients);

      if (json == NULL)
        {
          g_set_error (error, CERCLE_SERVER_ERROR, CERCLE_SERVER_ERROR_NOT_FOUND, "AuditEvent/%s is not known", id);
          return FALSE;
        }
      set_json_answer (req, 200, json);
      return TRUE;
    }

  res = cercle_server_store_get (store, type, id, version, error);
  if (res == NULL)
    return FALSE;
  /* A version is judged on its own: who could read it, not who may read
   * the resource now. */
  if (version > 0 ? !cercle_server_access_can_read_version (store, req->account, type, id, version)
                  : !cercle_server_access_can_read (store, req->account, type, id))
    {
      /* Not "forbidden": that would tell that the patient exists. */
      touch_patient (req, res->patient_id);
      g_set_error (error, CERCLE_SERVER_ERROR, CERCLE_SERVER_ERROR_NOT_FOUND, "%s/%s is not known", type, id);
      return FALSE;
    }

  /* The first time the destination opens a referral, it becomes "read". */
  if (g_str_equal (type, "Task") && version <= 0 && is_desk (req))
    {
      g_autoptr(JsonObject) task = parse_stored (res);
      g_autofree char *org = g_strdup_printf ("Organization/%s", req->account->organization_id);

      if (task && g_strcmp0 (json_string (task, "status"), "requested") == 0 &&
          g_strcmp0 (json_reference (task, "owner"), org) == 0)
        {
          JsonObject *bs = json_object_new ();
          JsonArray *codings = json_array_new ();
          JsonObject *coding = json_object_new ();
          g_autofree char *now = cercle_server_store_now ();
          CercleStoreWrite outcome;
          CercleStoredResource *read;

          json_object_set_string_member (task, "status", "received");
          json_object_set_string_member (coding, "system", BUSINESS_STATUS_SYSTEM);
          json_object_set_string_member (coding, "code", "lue");
          json_object_set_string_member (coding, "display", "Lue");
          json_array_add_object_element (codings, coding);
          json_object_set_array_member (bs, "coding", codings);
          json_object_set_object_member (task, "businessStatus", bs);
          json_object_set_string_member (task, "lastModified", now);
          read = cercle_server_store_write (store, task, res->version, &outcome, &local_error);
          if (read == NULL)
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return FALSE;
            }
          cercle_stored_resource_free (g_steal_pointer (&res));
          /* In a batch of reads: a power cut may forget that it was read,
           * and the next open marks it again. */
          res = read;
        }
    }

  touch_entity (req, res);
  answer_resource (req, 200, res);
  return TRUE;
}

static gboolean
handle_create (Request     *req,
               const char  *type,
               GError     **error)
{
  g_autoptr(JsonObject) resource = parse_body (req, error);
  g_autoptr(CercleStoredResource) written = NULL;
  g_autofree char *id = g_uuid_string_random ();
  CercleStoreWrite outcome;

  req->action = 'C';
  req->interaction = "create";
  if (resource == NULL)
    return FALSE;
  written = write_resource (req, resource, type, id, -1, TRUE, NULL, &outcome, error);
  if (written == NULL)
    return FALSE;
  answer_resource (req, 201, written);
  req->location = g_strdup_printf ("%s/%s/%s/_history/%" G_GINT64_FORMAT, req->base_url, type, id, written->version);
  return TRUE;
}

static gboolean
handle_update (Request     *req,
               const char  *type,
               const char  *id,
               GError     **error)
{
  g_autoptr(JsonObject) resource = parse_body (req, error);
  g_autoptr(CercleStoredResource) written = NULL;
  const char *body_id;
  gint64 if_match;
  CercleStoreWrite outcome;

  req->action = 'U';
  req->interaction = "update";
  if (resource == NULL)
    return FALSE;
  if (!parse_if_match (soup_message_headers_get_one (soup_server_message_get_request_headers (req->msg), "If-Match"),
                       &if_match, error))
    return FALSE;
  if (!cercle_fhir_check_resource (resource, type, error))
    return FALSE;
  body_id = json_string (resource, "id");
  if (body_id == NULL || !g_str_equal (body_id, id))
    {
      g_set_error (error, CERCLE_SERVER_ERROR, CERCLE_SERVER_ERROR_INVALID,
                   "The id in the body (%s) must be the id in the URL (%s)", body_id ? body_id : "none", id);
      return FALSE;
    }
  written = write_resource (req, resource, type, id, if_match, TRUE, NULL, &outcome, error);
  if (written == NULL)
    return FALSE;
  if (outcome == CERCLE_STORE_WRITE_CREATED)
    {
      req->action = 'C';
      req->location = g_strdup_printf ("%s/%s/%s/_history/%" G_GINT64_FORMAT, req->base_url, type, id, written->version);
    }
  answer_resource (req, outcome == CERCLE_STORE_WRITE_CREATED ? 201 : 200, written);
  return TRUE;
}

static gboolean
handle_search (Request     *req,
               const char  *type,
               GHashTable  *query,
               GError     **error)
{
  CercleSearchContext ctx = { req->account, req->base_url, req->patients };
  g_autoptr(GString) body = g_string_sized_new (4096);
  gboolean ok;

  req->action = 'E';
  req->interaction = "search-type";
  if (g_str_equal (type, "AuditEvent"))
    ok = cercle_server_search_audit (req->store, &ctx, query, body, error);
  else
    ok = cercle_server_search (req->store, &ctx, type, query, body, error);
  if (!ok)
    return FALSE;
  set_json_answer (req, 200, g_string_free (g_steal_pointer (&body), FALSE));
  return TRUE;
}

static gboolean
handle_history (Request     *req,
                const char  *type,
                const char  *id,
                GHashTable  *query,
                GError     **error)
{
  CercleSearchContext ctx = { req->account, req->base_url, req->patients };
  g_autoptr(GString) body = g_string_sized_new (4096);

  req->action = 'R';
  req->interaction = id ? "history-instance" : type ? "history-type" : "history-system";
  if (g_strcmp0 (type, "AuditEvent") == 0)
    {
      g_set_error (error, CERCLE_SERVER_ERROR, CERCLE_SERVER_ERROR_METHOD, "AuditEvents have no history");
      return FALSE;
    }
  if (id && !cercle_server_access_can_read (req->store, req->account, type, id))
    {
      g_set_error (error, CERCLE_SERVER_ERROR, CERCLE_SERVER_ERROR_NOT_FOUND, "%s/%s is not known", type, id);
      return FALSE;
    }
  if (!cercle_server_history (req->store, &ctx, type, id, query, body, error))
    return FALSE;
  set_json_answer (req, 200, g_string_free (g_steal_pointer (&body), FALSE));
  return TRUE;
}

/* GET /fhir/$export-directory: the directory at once for a new client
 * (cercle-server-sync.c); its ETag is the feed position to follow from. */
static gboolean
handle_export_directory (Request  *req,
                         GError  **error)
{
  char *gzip = NULL;
  gsize length = 0;
  gint64 cursor = 0;

  req->action = 'R';
  req->interaction = "export-directory";
  if (!cercle_server_sync_export_directory (req->store, &gzip, &length, &cursor, error))
    return FALSE;
  g_free (req->body);
  req->status = 200;
  req->body = gzip;
  req->body_len = length;
  req->content_type = "application/gzip";
  g_free (req->etag);
  req->etag = g_strdup_printf ("\"%" G_GINT64_FORMAT "\"", cursor);
  return TRUE;
}

/* Replaces every "reference": "urn:uuid:…" of @node found in @ids. */
static void
resolve_references (JsonNode   *node,
                    GHashTable *ids)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *obj = json_node_get_object (node);
      g_autoptr(GList) members = json_object_get_members (obj);

      for (GList *l = members; l; l = l->next)
        {
          JsonNode *child = json_object_get_member (obj, l->data);
          const char *target;

          if (g_str_equal (l->data, "reference") && json_node_get_value_type (child) == G_TYPE_STRING &&
              (target = g_hash_table_lookup (ids, json_node_get_string (child))))
            json_object_set_string_member (obj, "reference", target);
          else
            resolve_references (child, ids);
        }
    }
  else if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *arr = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (arr); i++)
        resolve_references (json_array_get_element (arr, i), ids);
    }
}

static gboolean
split_type_id (const char  *url,
               char       **type,
               char       **id)
{
  g_auto(GStrv) parts = g_strsplit (url, "/", 3);

  if (parts[0] == NULL || !g_strv_contains (served_types, parts[0]) || (parts[1] && parts[2]))
    return FALSE;
  *type = g_strdup (parts[0]);
  *id = parts[1] ? g_strdup (parts[1]) : NULL;
  return TRUE;
}

static void
json_object_unref_or_null (JsonObject *obj)
{
  if (obj)
    json_object_unref (obj);
}

/* POST /fhir with a transaction Bundle: all entries or none. */
static gboolean
handle_transaction (Request     *req,
                    GError     **error)
{
  g_autoptr(JsonObject) bundle = parse_body (req, error);
  g_autoptr(GHashTable) ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GString) body = g_string_sized_new (4096);
  g_autoptr(GPtrArray) olds = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref_or_null);
  JsonNode *entries_node;
  JsonArray *entries;
  guint n;

  req->action = 'E';
  req->interaction = "transaction";
  if (bundle == NULL)
    return FALSE;
  if (!cercle_fhir_check_resource (bundle, "Bundle", error))
    return FALSE;
  if (g_strcmp0 (json_string (bundle, "type"), "transaction") != 0)
    {
      g_set_error (error, CERCLE_SERVER_ERROR, CERCLE_SERVER_ERROR_INVALID, "Only transaction Bundles are accepted");
      return FALSE;
    }
  entries_node = json_object_get_member (bundle, "entry");
  entries = entries_node && JSON_NODE_HOLDS_ARRAY (entries_node) ? json_node_get_array (entries_node) : NULL;
  n = entries ? json_array_get_length (entries) : 0;

  /* Ids first, so that entries can point at each other by fullUrl. */
  for (guint i = 0; i < n; i++)
    {
      JsonNode *e = json_array_get_element (entries, i);
      JsonObject *entry = JSON_NODE_HOLDS_OBJECT (e) ? json_node_get_object (e) : NULL;
      JsonObject *request = json_object (entry, "request");
      JsonObject *resource = json_object (entry, "resource");
      const char *full_url = json_string (entry, "fullUrl");
      const char *method = json_string (request, "method");
      const char *url = json_string (request, "url");
      g_autofree char *type = NULL;
      g_autofree char *id = NULL;

      if (entry == NULL || resource == NULL || method == NULL || url == NULL || !split_type_id (url, &type, &id))
        {
          g_set_error (error, CERCLE_SERVER_ERROR, CERCLE_SERVER_ERROR_INVALID,
                       "Entry %u needs a resource and a request with a method and a url Type or Type/id", i);
          return FALSE;
        }
      if (g_str_equal (method, "POST") && id == NULL)
        {
          g_autofree char *new_id = g_uuid_string_random ();

          if (full_url)
            g_hash_table_insert (ids, g_strdup (full_url), g_strdup_printf ("%s/%s", type, new_id));
          json_object_set_string_member (entry, "cercle-assigned-id", new_id);
        }
      else if (!(g_str_equal (method, "PUT") && id != NULL))
        {
          g_set_error (error, CERCLE_SERVER_ERROR, CERCLE_SERVER_ERROR_INVALID,
                       "Entry %u: transactions take POST Type and PUT Type/id", i);
          return FALSE;
        }
    }

  g_string_append (body, "{\"resourceType\":\"Bundle\",\"type\":\"transaction-response\",\"entry\":[");
  for (guint i = 0; i < n; i++)
    {
      JsonObject *entry = json_node_get_object (json_array_get_element (entries, i));
      JsonObject *request = json_object (entry, "request");
      JsonNode *resource_node = json_object_get_member (entry, "resource");
      JsonObject *resource = json_node_get_object (resource_node);
      const char *assigned = json_string (entry, "cercle-assigned-id");
      const char *if_match_text = json_string (request, "ifMatch");
      g_autofree char *type = NULL;
      g_autofree char *id = NULL;
      g_autoptr(CercleStoredResource) written = NULL;
      g_autoptr(GError) entry_error = NULL;
      g_autoptr(JsonObject) old = NULL;
      CercleStoreWrite outcome;
      gint64 if_match = -1;

      split_type_id (json_string (request, "url"), &type, &id);
      resolve_references (resource_node, ids);
      if (!cercle_fhir_check_resource (resource, type, &entry_error) ||
          !parse_if_match (if_match_text, &if_match, &entry_error))
        goto entry_failed;
      if (assigned == NULL && g_strcmp0 (json_string (resource, "id"), id) != 0)
        {
          g_set_error (&entry_error, CERCLE_SERVER_ERROR, CERCLE_SERVER_ERROR_INVALID,
                       "The resource id must be the id in the url");
          goto entry_failed;
        }
      /* References are checked once every entry is written: an entry
       * may point at one that comes after it. */
      written = write_resource (req, resource, type, assigned ? assigned : id, if_match, FALSE, &old, &outcome,
                                &entry_error);
      if (written == NULL)
        goto entry_failed;
      g_ptr_array_add (olds, old ? json_object_ref (old) : NULL);
      if (i)
        g_string_append_c (body, ',');
      g_string_append (body, "{\"fullUrl\":");
      {
        g_autofree char *full = g_strdup_printf ("%s/%s/%s", req->base_url, written->type, written->id);
        g_autofree char *location = g_strdup_printf ("%s/%s/_history/%" G_GINT64_FORMAT,
                                                     written->type, written->id, written->version);
        g_autofree char *served = served_json (req, written);

        cercle_json_append_string (body, full);
        g_string_append (body, ",\"resource\":");
        g_string_append (body, served);
        g_string_append_printf (body, ",\"response\":{\"status\":\"%s\",\"location\":",
                                outcome == CERCLE_STORE_WRITE_CREATED ? "201 Created" : "200 OK");
        cercle_json_append_string (body, location);
        g_string_append_printf (body, ",\"etag\":\"W/\\\"%" G_GINT64_FORMAT "\\\"\",\"lastModified\":\"%s\"}}",
                                written->version, written->last_updated);
      }
      continue;

    entry_failed:
      g_set_error (error, entry_error->domain, entry_error->code, "Entry %u (%s): %s — nothing was saved",
                   i, json_string (request, "url"), entry_error->message);
      return FALSE;
    }
  g_string_append (body, "]}");
  for (guint i = 0; i < n; i++)
    {
      JsonObject *entry = json_node_get_object (json_array_get_element (entries, i));
      JsonObject *resource = json_object (entry, "resource");
      g_autoptr(GError) entry_error = NULL;

      if (!cercle_server_access_check_references (req->store, req->account, resource,
                                                  cercle_server_store_patient_of (resource,
                                                                                  json_string (resource, "resourceType")),
                                                  g_ptr_array_index (olds, i), &entry_error))
        {
          g_set_error (error, entry_error->domain, entry_error->code, "Entry %u (%s): %s — nothing was saved",
                       i, json_string (json_object (entry, "request"), "url"), entry_error->message);
          return FALSE;
        }
    }
  set_json_answer (req, 200, g_string_free (g_steal_pointer (&body), FALSE));
  return TRUE;
}

static char *
capability_statement (void)
{
  g_autoptr(JsonObject) cs = json_object_new ();
  g_autofree char *now = cercle_server_store_now ();
  JsonArray *formats = json_array_new ();
  JsonArray *rest_arr = json_array_new ();
  JsonObject *rest = json_object_new ();
  JsonObject *security = json_object_new ();
  JsonObject *software = json_object_new ();
  JsonObject *implementation = json_object_new ();
  JsonArray *resources = json_array_new ();
  JsonArray *interactions = json_array_new ();
  static const char * const type_interactions[] = {
    "read", "vread", "create", "update", "search-type", "history-instance", "history-type", NULL
  };

  json_object_set_string_member (cs, "resourceType", "CapabilityStatement");
  json_object_set_string_member (cs, "status", "active");
  json_object_set_string_member (cs, "date", now);
  json_object_set_string_member (cs, "publisher", "Cercle");
  json_object_set_string_member (cs, "kind", "instance");
  json_object_set_string_member (software, "name", "cercle-server");
  json_object_set_string_member (software, "version", PACKAGE_VERSION);
  json_object_set_object_member (cs, "software", software);
  json_object_set_string_member (implementation, "description",
                                 "Cercle care-circle backend: notes, care teams, referrals; no DELETE, no conditional "
                                 "interactions; history is ordered oldest first and pages with _cursor");
  json_object_set_object_member (cs, "implementation", implementation);
  json_object_set_string_member (cs, "fhirVersion", "4.0.1");
  json_array_add_string_element (formats, "json");
  json_object_set_array_member (cs, "format", formats);

  json_object_set_string_member (rest, "mode", "server");
  json_object_set_boolean_member (security, "cors", FALSE);
  json_object_set_string_member (security, "description",
                                 "OAuth2 bearer tokens from POST /auth/token (password and refresh_token grants); "
                                 "access limited to the patient's care circle");
  json_object_set_object_member (rest, "security", security);

  for (guint i = 0; served_types[i]; i++)
    {
      JsonObject *r = json_object_new ();
      JsonArray *ri = json_array_new ();
      gboolean audit = g_str_equal (served_types[i], "AuditEvent");

      json_object_set_string_member (r, "type", served_types[i]);
      for (guint j = 0; type_interactions[j]; j++)
        {
          JsonObject *it;

          if (audit && !g_str_equal (type_interactions[j], "read") && !g_str_equal (type_interactions[j], "search-type"))
            continue;
          it = json_object_new ();
          json_object_set_string_member (it, "code", type_interactions[j]);
          json_array_add_object_element (ri, it);
        }
      json_object_set_array_member (r, "interaction", ri);
      if (!audit)
        {
          json_object_set_string_member (r, "versioning", "versioned-update");
          json_object_set_boolean_member (r, "readHistory", TRUE);
          json_object_set_boolean_member (r, "updateCreate", TRUE);
          json_object_set_array_member (r, "searchParam", cercle_server_search_capability (served_types[i]));
        }
      else
        {
          JsonArray *params = json_array_new ();
          JsonObject *p = json_object_new ();

          json_object_set_string_member (p, "name", "entity");
          json_object_set_string_member (p, "type", "reference");
          json_array_add_object_element (params, p);
          json_object_set_array_member (r, "searchParam", params);
        }
      json_array_add_object_element (resources, r);
    }
  json_object_set_array_member (rest, "resource", resources);
  {
    JsonObject *t = json_object_new ();
    JsonObject *h = json_object_new ();

    json_object_set_string_member (t, "code", "transaction");
    json_array_add_object_element (interactions, t);
    json_object_set_string_member (h, "code", "history-system");
    json_array_add_object_element (interactions, h);
  }
  json_object_set_array_member (rest, "interaction", interactions);
  json_array_add_object_element (rest_arr, rest);
  json_object_set_array_member (cs, "rest", rest_arr);
  return cercle_fhir_to_string (cs);
}

/* --- /auth/token ------------------------------------------------------------ */

/* application/x-www-form-urlencoded (a form, or a query), strictly:
 * soup_form_decode() keeps the last of two fields of the same name and cuts
 * a value at a %00, so that "username=dr.martin%00x" signed in as
 * dr.martin. A field given twice, a NUL, a bad escape or text that is not
 * UTF-8 makes the whole form invalid. */
/* One name or value of a form: "+" is a space, then %XX escapes, as long as
 * none is a bad escape or a %00 (g_uri_unescape_segment() refuses both). A
 * "+" sent as %2B stays a "+". */
static char *
form_unescape (const char *start,
               const char *end)
{
  g_autofree char *plus = g_strndup (start, end - start);

  for (char *c = plus; *c; c++)
    if (*c == '+')
      *c = ' ';
  return g_uri_unescape_segment (plus, NULL, NULL);
}

static GHashTable *
form_decode_strict (const char  *text,
                    gsize        length,
                    GError     **error)
{
  g_autoptr(GHashTable) form = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  const char *p = text, *end = text + length;

  while (p < end)
    {
      const char *amp = memchr (p, '&', end - p);
      const char *field_end = amp ? amp : end;
      const char *eq = memchr (p, '=', field_end - p);
      g_autofree char *key = NULL;
      g_autofree char *value = NULL;

      if (field_end == p)
        {
          p = field_end + 1;
          continue;
        }
      if (eq == NULL)
        goto bad;
      if (memchr (p, '\0', field_end - p))
        goto bad;
      key = form_unescape (p, eq);
      value = form_unescape (eq + 1, field_end);
      if (key == NULL || value == NULL || !g_utf8_validate (key, -1, NULL) || !g_utf8_validate (value, -1, NULL))
        goto bad;
      if (g_hash_table_contains (form, key))
        {
          g_set_error (error, CERCLE_AUTH_ERROR, CERCLE_AUTH_ERROR_INVALID_REQUEST,
                       _("The field “%s” is given more than once"), key);
          return NULL;
        }
      g_hash_table_insert (form, g_steal_pointer (&key), g_steal_pointer (&value));
      p = field_end + 1;
    }
  return g_steal_pointer (&form);

bad:
  g_set_error (error, CERCLE_AUTH_ERROR, CERCLE_AUTH_ERROR_INVALID_REQUEST,
               _("The form is not valid: a field without “=”, a bad %% escape, a NUL character or text that is not UTF-8"));
  return NULL;
}

/* Whether libsoup's decoding of @raw lost nothing: one entry a field (no
 * field repeated, none dropped for a bad escape or a missing "="), no %00,
 * only UTF-8. */
static gboolean
query_matches (const char *raw,
               GHashTable *query)
{
  guint fields = 0;
  GHashTableIter iter;
  gpointer key, value;

  for (const char *p = raw; *p; )
    {
      const char *amp = strchr (p, '&');
      gsize len = amp ? (gsize) (amp - p) : strlen (p);

      if (len > 0)
        fields++;
      if (amp == NULL)
        break;
      p = amp + 1;
    }
  if (fields == 0)
    return TRUE;
  if (query == NULL || g_hash_table_size (query) != fields || strstr (raw, "%00"))
    return FALSE;
  g_hash_table_iter_init (&iter, query);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (!g_utf8_validate (key, -1, NULL) || !g_utf8_validate (value, -1, NULL))
      return FALSE;
  return TRUE;
}

/* The form of POST /auth/…, strictly decoded. */
static GHashTable *
token_form (Request  *req,
            GError  **error)
{
  g_autoptr(GBytes) bytes = request_body (req, error);
  const char *type;

  req->no_store = TRUE;
  if (bytes == NULL)
    return NULL;
  type = soup_message_headers_get_content_type (soup_server_message_get_request_headers (req->msg), NULL);
  if (g_strcmp0 (type, "application/x-www-form-urlencoded") != 0)
    {
      g_set_error (error, CERCLE_SERVER_ERROR, CERCLE_SERVER_ERROR_MEDIA_TYPE,
                   "Send application/x-www-form-urlencoded");
      return NULL;
    }
  return form_decode_strict (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), error);
}

static gboolean
handle_revoke (Request     *req,
               GHashTable  *form,
               GError     **error)
{
  const char *token = g_hash_table_lookup (form, "token");

  if (token == NULL)
    {
      g_set_error (error, CERCLE_AUTH_ERROR, CERCLE_AUTH_ERROR_INVALID_REQUEST, "token is required");
      return FALSE;
    }
  if (!cercle_token_issuer_revoke (req->self->issuer, token, error))
    return FALSE;
  req->status = 200;
  req->body = g_strdup ("{}");
  req->body_len = 2;
  req->content_type = "application/json";
  return TRUE;
}

static void
answer_grant (Request          *req,
              CercleTokenGrant *grant)
{
  g_autoptr(JsonObject) answer = json_object_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autofree char *user = NULL;
  char *json;

  json_object_set_string_member (answer, "access_token", grant->access_token);
  json_object_set_string_member (answer, "token_type", "Bearer");
  json_object_set_int_member (answer, "expires_in", grant->expires_in);
  json_object_set_string_member (answer, "refresh_token", grant->refresh_token);
  user = g_strdup_printf ("Practitioner/%s", grant->account->practitioner_id);
  json_object_set_string_member (answer, "fhirUser", user);
  if (grant->account->organization_id)
    {
      g_autofree char *org = g_strdup_printf ("Organization/%s", grant->account->organization_id);
      json_object_set_string_member (answer, "organization", org);
    }
  json_node_set_object (node, answer);
  json = json_to_string (node, FALSE);
  g_free (req->body);
  req->status = 200;
  req->body = json;
  req->body_len = strlen (json);
  req->content_type = "application/json";
}

static void
set_auth_error_answer (Request      *req,
                       const GError *error)
{
  g_autoptr(JsonObject) answer = json_object_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  char *json;

  if (error->domain != CERCLE_AUTH_ERROR)
    {
      set_error_answer (req, status_for_error (error), error->message);
      return;
    }
  json_object_set_string_member (answer, "error", cercle_auth_error_name (error->code));
  json_object_set_string_member (answer, "error_description", error->message);
  json_node_set_object (node, answer);
  json = json_to_string (node, FALSE);
  g_free (req->body);
  req->status = 400;
  req->body = json;
  req->body_len = strlen (json);
  req->content_type = "application/json";
}

/* Too many failed sign-ins: 429, and when to try again. */
static void
set_throttle_answer (Request *req,
                     guint    seconds)
{
  g_autoptr(JsonObject) answer = json_object_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autofree char *description = NULL;
  char *json;

  description = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                              "Too many failed sign-ins: try again in %u second",
                                              "Too many failed sign-ins: try again in %u seconds", seconds),
                                 seconds);
  json_object_set_string_member (answer, "error", "slow_down");
  json_object_set_string_member (answer, "error_description", description);
  json_node_set_object (node, answer);
  json = json_to_string (node, FALSE);
  g_free (req->body);
  req->status = 429;
  req->body = json;
  req->body_len = strlen (json);
  req->content_type = "application/json";
  req->retry_after = seconds;
}

/* Back on the main loop after the password check: the tokens are written
 * in the batch, and the answer waits for its commit like any write. */
static void
grant_done (GObject      *source,
            GAsyncResult *result,
            gpointer      data)
{
  Request *req = data;
  CercleServer *self = req->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(CercleTokenGrant) grant = NULL;

  if (!batch_enter (self, TRUE, &error))
    {
      g_warning ("Cannot start a transaction: %s", error->message);
      set_error_answer (req, 503, "The database is busy");
      log_request (req);
      send_answer (req);
      request_free (req);
      g_object_unref (self);
      return;
    }
  grant = cercle_token_issuer_grant_finish (self->issuer, result, &error);
  if (grant)
    answer_grant (req, grant);
  else
    set_auth_error_answer (req, error);
  if (req->login_tried && grant)
    cercle_throttle_succeeded (self->throttle, req->login_tried);
  else if (req->login_tried && g_error_matches (error, CERCLE_AUTH_ERROR, CERCLE_AUTH_ERROR_INVALID_GRANT))
    cercle_throttle_failed (self->throttle, req->login_tried, req->address);
  /* Kept even on error: a reused refresh token revokes its family. */
  batch_leave (self, TRUE);
  log_request (req);
  queue_answer (req);
  g_object_unref (self);
}

/* --- routing ----------------------------------------------------------------- */

static gboolean
route_fhir (Request     *req,
            GHashTable  *query,
            GError     **error)
{
  g_auto(GStrv) parts = NULL;
  const char *rest = req->path + strlen ("/fhir");
  guint n;
  const char *m = req->method;
  gboolean get = g_str_equal (m, "GET"), post = g_str_equal (m, "POST"), put = g_str_equal (m, "PUT");

  while (*rest == '/')
    rest++;
  parts = g_strsplit (rest, "/", 6);
  n = g_strv_length (parts);
  if (n > 0 && *parts[n - 1] == '\0')
    {
      g_free (parts[n - 1]);
      parts[--n] = NULL;
    }

  if (n == 0)
    {
      if (post)
        return handle_transaction (req, error);
      goto method;
    }
  if (n == 1 && g_str_equal (parts[0], "_history"))
    {
      if (get)
        return handle_history (req, NULL, NULL, query, error);
      goto method;
    }
  if (n == 1 && g_str_equal (parts[0], "$export-directory"))
    {
      if (get)
        return handle_export_directory (req, error);
      goto method;
    }
  if (!g_strv_contains (served_types, parts[0]))
    {
      g_set_error (error, CERCLE_SERVER_ERROR, CERCLE_SERVER_ERROR_NOT_FOUND, "Unknown resource type “%s”", parts[0]);
      return FALSE;
    }
  if (n >= 2 && !g_str_equal (parts[1], "_history") && !g_str_equal (parts[1], "_search") &&
      !cercle_server_store_valid_id (parts[1]))
    {
      g_set_error (error, CERCLE_SERVER_ERROR, CERCLE_SERVER_ERROR_NOT_FOUND, "“%s” is not a valid id", parts[1]);
      return FALSE;
    }
  if (g_str_equal (parts[0], "AuditEvent") && !get)
    {
      g_set_error (error, CERCLE_SERVER_ERROR, CERCLE_SERVER_ERROR_METHOD,
                   "The audit trail is written by the server only");
      return FALSE;
    }
  switch (n)
    {
    case 1:
      if (get)
        return handle_search (req, parts[0], query, error);
      if (post)
        return handle_create (req, parts[0], error);
      break;
    case 2:
      if (g_str_equal (parts[1], "_history"))
        {
          if (get)
            return handle_history (req, parts[0], NULL, query, error);
        }
      else if (get)
        return handle_read (req, parts[0], parts[1], 0, error);
      else if (put)
        return handle_update (req, parts[0], parts[1], error);
      break;
    case 3:
      if (g_str_equal (parts[2], "_history") && get)
        return handle_history (req, parts[0], parts[1], query, error);
      break;
    case 4:
      if (g_str_equal (parts[2], "_history") && get)
        {
          guint64 version;

          if (!g_ascii_string_to_unsigned (parts[3], 10, 1, G_MAXINT64, &version, NULL))
            {
              g_set_error (error, CERCLE_SERVER_ERROR, CERCLE_SERVER_ERROR_NOT_FOUND, "No version “%s”", parts[3]);
              return FALSE;
            }
          return handle_read (req, parts[0], parts[1], version, error);
        }
      break;
    default:
      break;
    }
  if (n > 4 || (n >= 3 && !g_str_equal (parts[2], "_history")))
    {
      g_set_error (error, CERCLE_SERVER_ERROR, CERCLE_SERVER_ERROR_NOT_FOUND, "No such endpoint");
      return FALSE;
    }

method:
  g_set_error (error, CERCLE_SERVER_ERROR, CERCLE_SERVER_ERROR_METHOD, "%s is not supported here", m);
  return FALSE;
}

static char *
client_address (SoupServerMessage *msg)
{
  const char *host = soup_server_message_get_remote_host (msg);

  return g_strdup (host ? host : "unknown");
}

static void
log_line (GLogLevelFlags  level,
          Request        *req)
{
  /* Every value a client chose is escaped and capped: no forged line, no
   * 10,000-character id. */
  g_autofree char *method = cercle_server_log_text (req->method, CERCLE_SERVER_LOG_MAX_CHARS);
  g_autofree char *path = cercle_server_log_text (req->path, 2 * CERCLE_SERVER_LOG_MAX_CHARS);
  g_autofree char *login = cercle_server_log_text (req->account ? req->account->login : "-",
                                                   CERCLE_SERVER_LOG_MAX_CHARS);

  g_log (G_LOG_DOMAIN, level, "%s %s %s → %u (%s)", req->address, method, path, req->status, login);
}

static void
log_request (Request *req)
{
  /* The path only: a query may hold a patient's name. */
  if (g_str_equal (req->method, "GET") && req->status < 400)
    {
      /* Structured logging formats before filtering: skip the work. */
      if (!g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN))
        log_line (G_LOG_LEVEL_DEBUG, req);
    }
  else
    log_line (G_LOG_LEVEL_MESSAGE, req);
}

/* Answers a failed request with the status its error maps to. */
static guint
set_failure_answer (Request *req,
                    GError  *failure)
{
  guint status = failure ? status_for_error (failure) : 500;

  set_error_answer (req, status, failure ? failure->message : "The request failed");
  return status;
}

/* Audits a FHIR request and sets the answer of a failure, whose changes a
 * request that ran in its own savepoint (@in_savepoint) undoes.
 * @failure: (nullable): why the request failed */
static void
settle (Request  *req,
        gboolean  ok,
        GError   *failure,
        gboolean  in_savepoint)
{
  if (ok)
    record_audit (req, CERCLE_AUDIT_SUCCESS, NULL);
  else
    {
      guint status = set_failure_answer (req, failure);

      /* Nothing of a refused request stays, except the trace of the refusal. */
      if (in_savepoint)
        run_prepared (cercle_server_store_get_db (req->self->store), "ROLLBACK TO request", NULL);
      g_ptr_array_set_size (req->entities, 0);
      if (status != 500)
        record_audit (req, status == 404 || status == 403 ? CERCLE_AUDIT_MINOR_FAILURE : CERCLE_AUDIT_SERIOUS_FAILURE,
                      failure->message);
    }
}

/* Audits a FHIR request that ran in its savepoint, keeps or undoes its
 * changes, and queues its answer for the next commit.
 * @error: (transfer full) (nullable): why the request failed */
static void
finish_fhir (Request *req,
             gboolean ok,
             GError  *error)
{
  g_autoptr(GError) failure = error;

  settle (req, ok, failure, TRUE);
  batch_leave (req->self, TRUE);
  log_request (req);
  queue_answer (req);
}

/* Reads and searches that write nothing but their audit event. The first
 * read of a referral by its destination marks it "read": that one stays on
 * the main connection. */
static gboolean
runs_on_reader (Request *req)
{
  if (!g_str_equal (req->method, "GET"))
    return FALSE;
  if (req->account->organization_id && g_str_has_prefix (req->path, "/fhir/Task/"))
    return FALSE;
  return TRUE;
}

/* On a worker thread: the request's read, on a read-only connection. */
static void
reader_run (gpointer data,
            gpointer user_data)
{
  Request *req = data;
  CercleServer *self = user_data;
  g_autoptr(CercleServerStore) store = g_async_queue_try_pop (self->reader_stores);

  if (store == NULL)
    store = cercle_server_store_open_reader (cercle_db_get_path (cercle_server_store_get_db (self->store)),
                                             &req->error);
  if (store == NULL)
    req->ok = FALSE;
  else
    {
      req->store = store;
      req->ok = route_fhir (req, req->query, &req->error);
      req->store = self->store;
      if (req->ok && needs_audit (req))
        {
          g_autoptr(GPtrArray) patients = sorted_patients (req);

          req->event = build_event (req, CERCLE_AUDIT_SUCCESS, NULL, patients);
        }
      g_async_queue_push (self->reader_stores, g_steal_pointer (&store));
    }
  g_main_context_invoke (self->context, reader_done, req);
}

/* Back on the main loop: the read enters the batch with its audit event. */
static gboolean
reader_done (gpointer data)
{
  Request *req = data;
  CercleServer *self = req->self;
  g_autoptr(GError) error = NULL;

  /* Touched no patient (a directory search, an empty poll of the feed):
   * nothing to audit, nothing to commit before the answer. */
  if (g_hash_table_size (req->patients) == 0)
    {
      if (!req->ok)
        set_failure_answer (req, req->error);
      log_request (req);
      send_answer (req);
      request_free (req);
      g_object_unref (self);
      return G_SOURCE_REMOVE;
    }
  /* It wrote nothing: no savepoint, only its audit event for the batch. */
  if (!batch_open (self, FALSE, &error))
    {
      g_warning ("Cannot start a transaction: %s", error->message);
      set_error_answer (req, 503, "The database is busy");
    }
  else
    settle (req, req->ok, req->error, FALSE);
  log_request (req);
  queue_answer (req);
  g_object_unref (self);
  return G_SOURCE_REMOVE;
}

static void
handle_message (SoupServer        *server,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query,
                gpointer           user_data)
{
  CercleServer *self = user_data;
  Request *req = g_new0 (Request, 1);
  g_autoptr(GError) error = NULL;
  gboolean auth = FALSE, revoke = FALSE, fhir = FALSE;
  g_autoptr(GHashTable) strict_query = NULL;
  const char *authorization;
  gboolean ok;

  req->self = self;
  req->store = self->store;
  req->msg = g_object_ref (msg);
  req->method = soup_server_message_get_method (msg);
  req->path = g_strdup (path);
  req->address = client_address (msg);
  /* Never from the Host header: a client must not choose the links. */
  req->base_url = g_strdup (self->fhir_base);
  req->patients = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  req->entities = g_ptr_array_new_with_free_func (g_free);
  req->action = 'R';
  req->interaction = "read";

  if (g_str_equal (path, "/auth/token"))
    auth = TRUE;
  else if (g_str_equal (path, "/auth/revoke"))
    auth = revoke = TRUE;
  else if (g_str_equal (path, "/fhir/metadata"))
    {
      if (g_str_equal (req->method, "GET"))
        {
          static char *capabilities = NULL;

          /* It says what the code does: the same for the life of the process. */
          if (capabilities == NULL)
            capabilities = capability_statement ();
          set_json_answer (req, 200, g_strdup (capabilities));
        }
      else
        set_error_answer (req, 405, "GET only");
      goto answer_now;
    }
  else if (g_str_equal (path, "/fhir") || g_str_has_prefix (path, "/fhir/"))
    fhir = TRUE;
  else
    {
      set_error_answer (req, 404, "No such endpoint");
      goto answer_now;
    }

  if (auth && !g_str_equal (req->method, "POST"))
    {
      set_error_answer (req, 405, "POST only");
      goto answer_now;
    }

  if (auth)
    {
      g_autoptr(GHashTable) form = token_form (req, &error);
      const char *login;

      if (form == NULL)
        {
          set_auth_error_answer (req, error);
          goto answer_now;
        }
      if (revoke)
        {
          if (!batch_enter (self, TRUE, &error))
            goto busy;
          ok = handle_revoke (req, form, &error);
          if (!ok)
            set_auth_error_answer (req, error);
          batch_leave (self, TRUE);
          log_request (req);
          queue_answer (req);
          return;
        }
      login = g_hash_table_lookup (form, "username");
      if (login && g_strcmp0 (g_hash_table_lookup (form, "grant_type"), "password") == 0)
        {
          guint wait = cercle_throttle_check (self->throttle, login, req->address);

          if (wait > 0)
            {
              set_throttle_answer (req, wait);
              goto answer_now;
            }
          req->login_tried = g_strdup (login);
        }
      /* The password is hashed off the main loop; the answer comes back in
       * grant_done(). */
      hold_message (req);
      g_object_ref (self);
      cercle_token_issuer_grant_async (self->issuer, form, NULL, grant_done, req);
      return;
    }

  g_assert (fhir);
  /* The query as sent, strictly: libsoup's table keeps the last of a
   * repeated parameter and cuts a value at a %00. Its table is kept when it
   * holds every field of the query (the usual case, checked in one pass),
   * else the query is decoded again, strictly, to say what is wrong. */
  {
    const char *raw = g_uri_get_query (soup_server_message_get_uri (msg));

    if (raw && !query_matches (raw, query))
      {
        query = strict_query = form_decode_strict (raw, strlen (raw), &error);
        if (strict_query == NULL)
          {
            set_error_answer (req, 400, error->message);
            goto answer_now;
          }
      }
  }
  authorization = soup_message_headers_get_one (soup_server_message_get_request_headers (msg), "Authorization");
  if (authorization == NULL || g_ascii_strncasecmp (authorization, "Bearer ", 7) != 0)
    {
      set_error_answer (req, 401, "A bearer token is required (POST /auth/token)");
      goto answer_now;
    }
  req->account = cercle_token_issuer_validate (self->issuer, authorization + 7, &error);
  if (req->account == NULL)
    {
      set_error_answer (req, 401, error->message);
      goto answer_now;
    }

  if (self->readers && runs_on_reader (req))
    {
      /* Its audit event enters the batch when the worker is done. */
      req->query = query ? g_hash_table_ref (query) : NULL;
      hold_message (req);
      g_thread_pool_push (self->readers, req, NULL);
      g_object_ref (self);
      return;
    }

  if (!batch_enter (self, !g_str_equal (req->method, "GET"), &error))
    goto busy;
  ok = route_fhir (req, query, &error);
  finish_fhir (req, ok, g_steal_pointer (&error));
  return;

busy:
  g_warning ("Cannot start a transaction: %s", error->message);
  set_error_answer (req, 503, "The database is busy");

answer_now:
  log_request (req);
  apply_answer (req);
  request_free (req);
}

/* Answers a request from its headers alone, and ends the connection: what
 * follows the headers cannot be read as the next request. */
static void
refuse_early (SoupServerMessage *msg,
              const char        *path,
              guint              status,
              const char        *diagnostics)
{
  g_autoptr(JsonObject) oo = cercle_fhir_operation_outcome_new ("error", issue_code_for (status), diagnostics);
  char *json = cercle_fhir_to_string (oo);
  g_autofree char *logged_method = cercle_server_log_text (soup_server_message_get_method (msg),
                                                           CERCLE_SERVER_LOG_MAX_CHARS);
  g_autofree char *logged_path = cercle_server_log_text (path, 2 * CERCLE_SERVER_LOG_MAX_CHARS);
  g_autofree char *address = client_address (msg);

  g_message ("%s %s %s → %u", address, logged_method, logged_path, status);
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/fhir+json", SOUP_MEMORY_TAKE, json, strlen (json));
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Connection", "close");
}

/* Content-Length is digits, once: libsoup reads "-1" as a length to wait
 * for, and two different lengths let a proxy and the server see different
 * bodies (request smuggling). */
static gboolean
content_length_valid (SoupMessageHeaders *headers)
{
  const char *value = soup_message_headers_get_list (headers, "Content-Length");
  gsize len;

  if (value == NULL)
    return TRUE;
  len = strlen (value);
  return len > 0 && len <= 18 && strspn (value, "0123456789") == len &&
         soup_message_headers_get_one (headers, "Transfer-Encoding") == NULL;
}

/* Refuses a malformed or too large body before reading it. */
static void
early_handler (SoupServer        *server,
               SoupServerMessage *msg,
               const char        *path,
               GHashTable        *query,
               gpointer           user_data)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);

  SoupEncoding encoding = soup_message_headers_get_encoding (headers);

  if (!content_length_valid (headers))
    refuse_early (msg, path, 400, _("Content-Length must be one number of bytes, without Transfer-Encoding"));
  else if (encoding == SOUP_ENCODING_CONTENT_LENGTH &&
           soup_message_headers_get_content_length (headers) > CERCLE_SERVER_MAX_BODY)
    refuse_early (msg, path, 413, "The body is over 1 MiB");
  else if (encoding != SOUP_ENCODING_CONTENT_LENGTH && encoding != SOUP_ENCODING_NONE)
    /* A chunked body has no size to refuse before reading it: libsoup
     * would keep all of it in memory before the 1 MiB check. */
    refuse_early (msg, path, 411, _("Send the body with a Content-Length"));
}

/* --- response deadlines ---------------------------------------------------- */

/* At most this many Tasks change per pass: a pass holds the write
 * transaction, requests wait for it; the rest goes to the next pass. */
#define DEADLINE_MAX_CHANGES 100
#define DEADLINE_AGENT "cercle-server (système)"

typedef struct {
  char   *task_id;
  gint64  requested_at;   /* -1: not known yet */
  gint64  reminded_at;    /* -1: no reminder yet */
} DeadlineRow;

static void
deadline_row_free (DeadlineRow *row)
{
  g_free (row->task_id);
  g_free (row);
}

/* A moment for the texts written into the Task (in French, like the
 * displays of the codings: the same whatever the reader's language). */
static char *
deadline_format (gint64 unix_seconds)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (unix_seconds);
  g_autoptr(GDateTime) local = utc ? g_date_time_to_local (utc) : NULL;

  return local ? g_date_time_format (local, "%d/%m/%Y %H:%M") : g_strdup ("?");
}

static gboolean
deadline_set_state (CercleServer  *self,
                    const char    *task_id,
                    gint64         requested_at,
                    gint64         end_at,
                    gint64         reminded_at,
                    GError       **error)
{
  CercleDb *db = cercle_server_store_get_db (self->store);
  sqlite3_stmt *stmt = cercle_db_prepare (db,
                                          "INSERT OR REPLACE INTO deadlines (task_id, requested_at, end_at, reminded_at)"
                                          " VALUES (?, ?, ?, ?)",
                                          error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, task_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, requested_at);
  if (end_at >= 0)
    sqlite3_bind_int64 (stmt, 3, end_at);
  else
    sqlite3_bind_null (stmt, 3);
  if (reminded_at >= 0)
    sqlite3_bind_int64 (stmt, 4, reminded_at);
  else
    sqlite3_bind_null (stmt, 4);
  return cercle_db_step_done (db, stmt, error);
}

/* Records the reminder (a note on the Task: a new version, in the feed of
 * the desk and of the requester), or the "no answer" cancellation, with its
 * audit event by the system. */
static gboolean
deadline_apply (CercleServer          *self,
                CercleStoredResource  *res,
                JsonObject            *task,
                DeadlineRow           *row,
                gint64                 due,
                gint64                 now_s,
                GError               **error)
{
  CercleAuditAgent agent = { .login = DEADLINE_AGENT };
  g_autoptr(GPtrArray) patients = g_ptr_array_new ();
  g_autoptr(GPtrArray) entities = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(CercleStoredResource) written = NULL;
  g_autofree char *now = cercle_server_store_now ();
  g_autofree char *due_text = deadline_format (due);
  g_autofree char *text = NULL;
  gboolean cancel = row->reminded_at >= 0;
  const char *description;
  CercleStoreWrite outcome;

  if (cancel)
    {
      const char *status = json_string (task, "status");
      const char *business = concept_code (json_object (task, "businessStatus"));
      g_autofree char *reminded_text = deadline_format (row->reminded_at);
      JsonObject *reason;

      /* The same rule as every other transition. */
      if (!cercle_referral_check_transition (status, business, "cancelled", CERCLE_REFERRAL_BUSINESS_NO_ANSWER,
                                             CERCLE_REFERRAL_ACTOR_SYSTEM, NULL, error))
        return FALSE;
      text = g_strdup_printf ("Sans réponse : échéance du %s dépassée, relance du %s restée sans réponse.",
                              due_text, reminded_text);
      reason = json_object_new ();
      json_object_set_string_member (reason, "text", text);
      json_object_set_object_member (task, "statusReason", reason);
      task_system_transition (task, "cancelled", CERCLE_REFERRAL_BUSINESS_NO_ANSWER, now);
      description = "No answer after the response deadline and a reminder: cancelled";
    }
  else
    {
      JsonObject *note = json_object_new ();

      text = g_strdup_printf ("Relance : pas de réponse à l’échéance du %s.", due_text);
      json_object_set_string_member (note, "authorString", "Cercle");
      json_object_set_string_member (note, "time", now);
      json_object_set_string_member (note, "text", text);
      json_array_add_object_element (array_member (task, "note"), note);
      json_object_set_string_member (task, "lastModified", now);
      description = "Response deadline passed: reminder";
    }

  written = cercle_server_store_write (self->store, task, res->version, &outcome, error);
  if (written == NULL)
    return FALSE;
  if (cancel)
    {
      CercleDb *db = cercle_server_store_get_db (self->store);
      sqlite3_stmt *stmt = cercle_db_prepare (db, "DELETE FROM deadlines WHERE task_id = ?", error);

      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_text (stmt, 1, written->id, -1, SQLITE_TRANSIENT);
      if (!cercle_db_step_done (db, stmt, error))
        return FALSE;
    }
  else if (!deadline_set_state (self, written->id, row->requested_at, deadline_end_of (task), now_s, error))
    return FALSE;

  if (written->patient_id)
    g_ptr_array_add (patients, written->patient_id);
  g_ptr_array_add (entities, g_strdup_printf ("Task/%s/_history/%" G_GINT64_FORMAT, written->id, written->version));
  if (!cercle_server_audit_record (self->store, &agent, 'U', "update", CERCLE_AUDIT_SUCCESS, description,
                                   patients, entities, error))
    return FALSE;
  g_message ("Task/%s: %s", written->id, cancel ? "no answer after the reminder, cancelled" : "response deadline passed, reminder recorded");
  return TRUE;
}

static gboolean
deadline_pass (CercleServer  *self,
               gint64         now_s,
               guint         *n_changes,
               GError       **error)
{
  CercleDb *db = cercle_server_store_get_db (self->store);
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) deadline_row_free);
  sqlite3_stmt *stmt;

  /* Forget the Tasks that left requested/received: answered, or ended. */
  if (!run_prepared (db,
                     "DELETE FROM deadlines WHERE task_id NOT IN (SELECT id FROM idx WHERE type = 'Task'"
                     " AND param = 'status' AND value IN ('requested', 'received'))",
                     error))
    return FALSE;
  /* Only what may be due, or not tracked yet, is read and parsed: the
   * Tasks' own checks below decide. */
  stmt = cercle_db_prepare (db,
                            "SELECT i.id, d.requested_at, d.reminded_at FROM idx i"
                            " LEFT JOIN deadlines d ON d.task_id = i.id"
                            " WHERE i.type = 'Task' AND i.param = 'status' AND i.value IN ('requested', 'received')"
                            " AND (d.task_id IS NULL OR (COALESCE (d.end_at, d.requested_at + ?1) <= ?2"
                            "  AND (d.reminded_at IS NULL OR d.reminded_at + ?3 <= ?2"
                            "       OR COALESCE (d.end_at, d.requested_at + ?1) > d.reminded_at)))",
                            error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, self->response_delay);
  sqlite3_bind_int64 (stmt, 2, now_s);
  sqlite3_bind_int64 (stmt, 3, self->reminder_grace);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      DeadlineRow *row = g_new0 (DeadlineRow, 1);

      row->task_id = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      row->requested_at = sqlite3_column_type (stmt, 1) == SQLITE_NULL ? -1 : sqlite3_column_int64 (stmt, 1);
      row->reminded_at = sqlite3_column_type (stmt, 2) == SQLITE_NULL ? -1 : sqlite3_column_int64 (stmt, 2);
      g_ptr_array_add (rows, row);
    }
  sqlite3_reset (stmt);

  for (guint i = 0; i < rows->len && *n_changes < DEADLINE_MAX_CHANGES; i++)
    {
      DeadlineRow *row = g_ptr_array_index (rows, i);
      g_autoptr(CercleStoredResource) res = cercle_server_store_get (self->store, "Task", row->task_id, 0, NULL);
      g_autoptr(JsonObject) task = res ? parse_stored (res) : NULL;
      const char *status = json_string (task, "status");
      const char *business = concept_code (json_object (task, "businessStatus"));
      gint64 end, due;

      /* Only a destination that has not answered: sent, or read. When it
       * asked for complements, the requester has to act, not the desk. */
      if (task == NULL ||
          !((g_strcmp0 (status, "requested") == 0 && g_strcmp0 (business, CERCLE_REFERRAL_BUSINESS_UNREAD) == 0) ||
            (g_strcmp0 (status, "received") == 0 && g_strcmp0 (business, "lue") == 0)))
        continue;
      if (row->requested_at < 0)
        {
          /* Sent before the server kept deadlines (or loaded as demo data):
           * the clock starts at its current version. */
          g_autoptr(GDateTime) updated = g_date_time_new_from_iso8601 (res->last_updated, NULL);

          row->requested_at = updated ? g_date_time_to_unix (updated) : now_s;
          if (!deadline_set_state (self, row->task_id, row->requested_at, deadline_end_of (task), -1, error))
            return FALSE;
        }
      end = deadline_end_of (task);
      due = end >= 0 ? end : row->requested_at + self->response_delay;
      /* The requester moved the deadline past the reminder: the new one
       * gets its own reminder before any cancellation. */
      if (row->reminded_at >= 0 && due > row->reminded_at)
        row->reminded_at = -1;
      if (now_s < due)
        continue;
      if (row->reminded_at >= 0 && now_s < row->reminded_at + self->reminder_grace)
        continue;
      if (!deadline_apply (self, res, task, row, due, now_s, error))
        return FALSE;
      (*n_changes)++;
    }
  return TRUE;
}

/**
 * cercle_server_check_deadlines:
 * @self: a server
 * @error: return location for an error
 *
 * One pass of the response-deadline check, in one durable transaction:
 * each referral Task still unanswered (requested/non-lue or received/lue)
 * whose deadline (Task.restriction.period.end, else the response delay
 * after it was sent) has passed gets a reminder; one already reminded for
 * longer than the grace period becomes cancelled/delai-depasse.
 *
 * Returns: the number of Tasks changed, or -1 on error
 */
int
cercle_server_check_deadlines (CercleServer  *self,
                               GError       **error)
{
  gint64 start = g_get_monotonic_time ();
  guint n_changes = 0;
  gboolean ok;

  g_return_val_if_fail (CERCLE_IS_SERVER (self), -1);

  if (!batch_enter (self, TRUE, error))
    return -1;
  ok = deadline_pass (self, g_get_real_time () / G_USEC_PER_SEC, &n_changes, error);
  batch_leave (self, ok);
  /* Commits now, with whatever requests joined the batch. */
  flush_pending (self);
  g_debug ("Deadline check: %u Tasks changed in %.1f ms", n_changes,
           (g_get_monotonic_time () - start) / 1000.0);
  return ok ? (int) n_changes : -1;
}

static gboolean
on_deadline_check (gpointer data)
{
  CercleServer *self = data;
  g_autoptr(GError) error = NULL;

  if (cercle_server_check_deadlines (self, &error) < 0)
    g_warning ("Response deadline check failed: %s", error->message);
  return G_SOURCE_CONTINUE;
}

/**
 * cercle_server_set_deadlines:
 * @self: a server
 * @response_delay: seconds a destination has to answer after the Task is
 *   sent, when the Task gives no restriction.period.end
 * @reminder_grace: seconds between the reminder and the cancellation
 * @check_interval: seconds between two checks (0: no periodic check)
 *
 * Sets the response deadlines and starts their periodic check on the main
 * loop.
 */
void
cercle_server_set_deadlines (CercleServer *self,
                             gint64        response_delay,
                             gint64        reminder_grace,
                             guint         check_interval)
{
  g_return_if_fail (CERCLE_IS_SERVER (self));
  g_return_if_fail (response_delay >= 0 && reminder_grace >= 0);

  self->response_delay = response_delay;
  self->reminder_grace = reminder_grace;
  g_clear_handle_id (&self->deadline_check_id, g_source_remove);
  if (check_interval > 0)
    self->deadline_check_id = g_timeout_add_seconds (check_interval, on_deadline_check, self);
}

CercleServer *
cercle_server_new (CercleServerStore *store,
                   CercleTokenIssuer *issuer)
{
  CercleServer *self = g_object_new (CERCLE_TYPE_SERVER, NULL);

  self->store = g_object_ref (store);
  self->issuer = g_object_ref (issuer);
  self->soup = soup_server_new ("server-header", "cercle-server/" PACKAGE_VERSION, NULL);
  self->throttle = cercle_throttle_new ();
  self->connections = cercle_connection_count_new ();
  self->limits.idle_timeout = CERCLE_SERVER_DEFAULT_IDLE_TIMEOUT;
  self->limits.header_timeout = CERCLE_SERVER_DEFAULT_HEADER_TIMEOUT;
  self->limits.body_timeout = CERCLE_SERVER_DEFAULT_BODY_TIMEOUT;
  self->limits.max_connections = CERCLE_SERVER_DEFAULT_MAX_CONNECTIONS;
  self->limits.max_per_address = CERCLE_SERVER_DEFAULT_MAX_PER_ADDRESS;
  soup_server_add_early_handler (self->soup, NULL, early_handler, self, NULL);
  soup_server_add_handler (self->soup, NULL, handle_message, self, NULL);
  cercle_server_set_readers (self, -1);
  return self;
}

/**
 * cercle_server_set_readers:
 * @self: a server
 * @readers: how many threads run reads and searches; 0 runs them on the
 *   main loop, -1 one a core (at most 4)
 *
 * Sets the worker threads that read. Call it before the server listens.
 */
void
cercle_server_set_readers (CercleServer *self,
                           int           readers)
{
  g_return_if_fail (CERCLE_IS_SERVER (self));

  if (readers < 0)
    readers = CLAMP ((int) g_get_num_processors (), 1, MAX_READERS);
  if (self->readers)
    g_thread_pool_free (self->readers, FALSE, TRUE);
  self->readers = readers > 0 ? g_thread_pool_new (reader_run, self, readers, TRUE, NULL) : NULL;
}

/* A client over its caps gets a short 503 (plain HTTP: one send, no
 * handshake to wait for) and the door; logged at most once a second. */
static void
refuse_connection (CercleServer      *self,
                   GSocketConnection *connection,
                   const char        *address,
                   const char        *why)
{
  static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nRetry-After: 10\r\n"
                             "Content-Length: 0\r\n\r\n";
  GSocket *socket = g_socket_connection_get_socket (connection);
  gint64 now = g_get_monotonic_time ();

  if (now - self->refused_logged > G_USEC_PER_SEC)
    {
      self->refused_logged = now;
      g_message ("Connection from %s refused: %s", address, why);
    }
  if (self->certificate == NULL)
    {
      g_socket_set_blocking (socket, FALSE);
      g_socket_send (socket, busy, sizeof busy - 1, NULL, NULL);
    }
  g_socket_shutdown (socket, TRUE, TRUE, NULL);
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
}

static gboolean
on_incoming (GSocketService    *service,
             GSocketConnection *connection,
             GObject           *source,
             gpointer           user_data)
{
  CercleServer *self = user_data;
  g_autoptr(GSocketAddress) remote = g_socket_connection_get_remote_address (connection, NULL);
  g_autoptr(GSocketAddress) local = g_socket_connection_get_local_address (connection, NULL);
  g_autoptr(GIOStream) tls = NULL;
  g_autoptr(GIOStream) guarded = NULL;
  g_autofree char *address = NULL;
  g_autoptr(GError) error = NULL;

  if (!G_IS_INET_SOCKET_ADDRESS (remote) || local == NULL)
    {
      g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
      return TRUE;
    }
  address = g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (remote)));
  if (cercle_connection_count_total (self->connections) >= self->limits.max_connections)
    {
      refuse_connection (self, connection, address, "too many connections");
      return TRUE;
    }
  if (cercle_connection_count_of (self->connections, address) >= self->limits.max_per_address)
    {
      refuse_connection (self, connection, address, "too many connections from this address");
      return TRUE;
    }
  /* As libsoup does for the connections it accepts: an answer written in
   * two parts must not wait for the client's delayed ACK (40 ms). */
  g_socket_set_option (g_socket_connection_get_socket (connection), IPPROTO_TCP, TCP_NODELAY, TRUE, NULL);
  if (self->certificate)
    {
      tls = g_tls_server_connection_new (G_IO_STREAM (connection), self->certificate, &error);
      if (tls == NULL)
        {
          g_warning ("No TLS for a connection: %s", error->message);
          g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
          return TRUE;
        }
    }
  guarded = cercle_server_guard_new (tls ? tls : G_IO_STREAM (connection), g_socket_connection_get_socket (connection),
                                     address, &self->limits, self->connections);
  if (!soup_server_accept_iostream (self->soup, guarded, local, remote, &error))
    g_warning ("Cannot serve a connection: %s", error->message);
  return TRUE;
}

/**
 * cercle_server_set_limits:
 * @self: a server
 * @limits: timeouts and caps of the connections
 *
 * Call it before the server listens.
 */
void
cercle_server_set_limits (CercleServer             *self,
                          const CercleServerLimits *limits)
{
  g_return_if_fail (CERCLE_IS_SERVER (self));
  self->limits = *limits;
}

/**
 * cercle_server_set_public_url:
 * @self: a server
 * @url: (nullable): the address clients reach the server at (behind a
 *   reverse proxy, the proxy's), used for every absolute URL the server
 *   writes; %NULL for the listening address
 */
void
cercle_server_set_public_url (CercleServer *self,
                              const char   *url)
{
  g_return_if_fail (CERCLE_IS_SERVER (self));

  g_free (self->public_url);
  self->public_url = g_strdup (url);
  if (self->public_url)
    {
      gsize len = strlen (self->public_url);

      while (len > 0 && self->public_url[len - 1] == '/')
        self->public_url[--len] = '\0';
    }
  g_free (self->fhir_base);
  self->fhir_base = self->public_url ? g_strconcat (self->public_url, "/fhir", NULL) : NULL;
}

static gboolean
listen_unreachable (CercleServer  *self,
                    GError       **error)
{
  g_autofree char *dir = g_dir_make_tmp ("cercle-server-XXXXXX", error);
  g_autofree char *path = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  gboolean ok;

  if (dir == NULL)
    return FALSE;
  path = g_build_filename (dir, "s", NULL);
  address = g_unix_socket_address_new (path);
  socket = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT, error);
  ok = socket && g_socket_bind (socket, address, FALSE, error) && g_socket_listen (socket, error);
  g_unlink (path);
  g_rmdir (dir);
  return ok && soup_server_listen_socket (self->soup, socket, 0, error);
}

gboolean
cercle_server_listen (CercleServer     *self,
                      GSocketAddress   *address,
                      GTlsCertificate  *certificate,
                      GError          **error)
{
  g_autoptr(GSocket) socket = NULL;

  g_set_object (&self->certificate, certificate);

  /* GSocketListener would leave GSocket's backlog of 10: when dozens of
   * clients connect at once, the kernel drops their SYNs and each of them
   * waits a whole second before trying again. */
  socket = g_socket_new (g_socket_address_get_family (address), G_SOCKET_TYPE_STREAM,
                         G_SOCKET_PROTOCOL_TCP, error);
  if (!socket)
    return FALSE;
  g_socket_set_listen_backlog (socket, LISTEN_BACKLOG);
  /* As libsoup does: "[::]" is IPv6 only. */
  if (g_socket_address_get_family (address) == G_SOCKET_FAMILY_IPV6 &&
      !g_socket_set_option (socket, IPPROTO_IPV6, IPV6_V6ONLY, TRUE, error))
    return FALSE;
  if (!g_socket_bind (socket, address, TRUE, error) || !g_socket_listen (socket, error))
    return FALSE;
  self->bound = g_socket_get_local_address (socket, error);
  if (self->bound == NULL)
    return FALSE;

  /* libsoup 3.2 keeps a connection alive after a request only while it
   * has a listener of its own (a server that stopped listening is
   * closing): it gets one that no client can reach, a Unix socket whose
   * file is removed at once. */
  {
    g_autoptr(GError) local_error = NULL;

    if (!listen_unreachable (self, &local_error))
      g_warning ("Connections will not be kept alive between requests: %s", local_error->message);
  }

  /* Accepted here, each connection handed to libsoup through its guard. */
  self->service = g_socket_service_new ();
  if (!g_socket_listener_add_socket (G_SOCKET_LISTENER (self->service), socket, NULL, error))
    return FALSE;
  g_signal_connect (self->service, "incoming", G_CALLBACK (on_incoming), self);
  g_socket_service_start (self->service);

  if (self->public_url == NULL)
    {
      GInetAddress *inet = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (self->bound));
      g_autofree char *host = g_inet_address_to_string (inet);
      gboolean v6 = g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV6;
      g_autofree char *url = g_strdup_printf ("%s://%s%s%s:%u", certificate ? "https" : "http", v6 ? "[" : "", host,
                                              v6 ? "]" : "", g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (self->bound)));

      cercle_server_set_public_url (self, url);
    }
  return TRUE;
}

/* The address the server listens on, and the one its links use. */
GSList *
cercle_server_get_uris (CercleServer *self)
{
  GSList *uris = NULL;
  GInetAddress *inet;
  g_autofree char *host = NULL;

  if (self->bound == NULL)
    return NULL;
  inet = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (self->bound));
  host = g_inet_address_to_string (inet);
  uris = g_slist_prepend (uris, g_uri_build (G_URI_FLAGS_NONE, self->certificate ? "https" : "http", NULL, host,
                                             g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (self->bound)),
                                             "/", NULL, NULL));
  return uris;
}

/* Every absolute URL the server writes starts with it. */
const char *
cercle_server_get_public_url (CercleServer *self)
{
  return self->public_url;
}
