/* cercle-sync-engine.c — one account's local store kept in step with its server
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A round pulls, then pushes (docs/fhir.md, « Sync »):
 *
 * - Pull: the server's `_history` feed from the cursor the server gave last
 *   (never this device's clock), page by page; each page is applied in one
 *   transaction that also moves the cursor, so a crash repeats at most one
 *   page. Each page carries the server's digest of the patients the account
 *   may see: when it changes, the engine lists them, forgets the files it
 *   may no longer see and fetches the files it gained.
 * - Push: the outbox in order, one row at a time (a row never overtakes the
 *   one it may refer to). The ids are the client's, so a retry never
 *   creates twice; a row is removed only if it is still the one sent. A
 *   transient failure (network, 5xx, 429, a garbled answer) stops the push
 *   and schedules the row again with exponential backoff and jitter; a
 *   refusal (another 4xx) stays on its row with the server's message and
 *   the push goes on with the next.
 * - « Lue »: for a desk, the Tasks it opened in the app and the server has
 *   not marked read yet are read with a GET (the server's mark), and the
 *   answer stored.
 *
 * The store is used from the thread that runs the engine: it is the
 * service's only work, and a page is applied in a few milliseconds.
 */
#define G_LOG_DOMAIN "cercle-sync"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "cercle-directory-import.h"
#include "cercle-fhir.h"
#include "cercle-fhir-patient.h"
#include "cercle-patient-repo.h"
#include "cercle-referral-repo.h"
#include "cercle-store.h"
#include "cercle-sync-engine.h"
#include "cercle-sync-store.h"

#define DEFAULT_PAGE_SIZE 1000
#define BATCH_MAX_ROWS 100
#define BACKOFF_MAX_S 300
#define ACCESS_TAG_SYSTEM "https://cercle.fr/fhir/CodeSystem/sync-access"

struct _CercleSyncEngine
{
  GObject       parent_instance;

  CercleDb     *db;
  CercleClient *client;
  guint         page_size;
  guint         batch_size;
  gboolean      busy;
};

G_DEFINE_FINAL_TYPE (CercleSyncEngine, cercle_sync_engine, G_TYPE_OBJECT)

static void
notice_free (CercleSyncNotice *notice)
{
  g_free (notice->target_id);
  g_free (notice->patient_id);
  g_free (notice->detail);
  g_free (notice->business);
  g_free (notice);
}

/**
 * cercle_sync_round_free:
 * @round: (transfer full): what a round did
 */
void
cercle_sync_round_free (CercleSyncRound *round)
{
  if (round == NULL)
    return;
  g_ptr_array_unref (round->kinds);
  g_ptr_array_unref (round->patients);
  g_ptr_array_unref (round->notices);
  g_free (round);
}

static void
add_unique (GPtrArray  *array,
            const char *text)
{
  if (text == NULL)
    return;
  for (guint i = 0; i < array->len; i++)
    if (g_str_equal (g_ptr_array_index (array, i), text))
      return;
  g_ptr_array_add (array, g_strdup (text));
}

/* What the round's Changed signal names: a kind of resource, and the
 * patient whose file it belongs to (NULL: none). */
static void
note_change (CercleSyncRound *round,
             const char      *kind,
             const char      *patient_id)
{
  add_unique (round->kinds, kind);
  add_unique (round->patients, patient_id);
}

static void
cercle_sync_engine_dispose (GObject *object)
{
  CercleSyncEngine *self = CERCLE_SYNC_ENGINE (object);

  g_clear_object (&self->db);
  g_clear_object (&self->client);
  G_OBJECT_CLASS (cercle_sync_engine_parent_class)->dispose (object);
}

static void
cercle_sync_engine_class_init (CercleSyncEngineClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = cercle_sync_engine_dispose;
}

static void
cercle_sync_engine_init (CercleSyncEngine *self)
{
  self->page_size = DEFAULT_PAGE_SIZE;
  self->batch_size = BATCH_MAX_ROWS;
}

/**
 * cercle_sync_engine_new:
 * @db: the local store (used from the calling thread only)
 * @client: the signed-in account's session
 *
 * Returns: (transfer full): a new engine
 */
CercleSyncEngine *
cercle_sync_engine_new (CercleDb     *db,
                        CercleClient *client)
{
  CercleSyncEngine *self;

  g_return_val_if_fail (CERCLE_IS_DB (db), NULL);
  g_return_val_if_fail (CERCLE_IS_CLIENT (client), NULL);

  self = g_object_new (CERCLE_TYPE_SYNC_ENGINE, NULL);
  self->db = g_object_ref (db);
  self->client = g_object_ref (client);
  return self;
}

/**
 * cercle_sync_engine_set_page_size:
 * @self: a #CercleSyncEngine
 * @page_size: entries a feed page may hold (the server caps it at 1000)
 */
void
cercle_sync_engine_set_page_size (CercleSyncEngine *self,
                                  guint             page_size)
{
  g_return_if_fail (CERCLE_IS_SYNC_ENGINE (self));
  self->page_size = CLAMP (page_size, 1, 1000);
}

/**
 * cercle_sync_engine_set_batch_size:
 * @self: a #CercleSyncEngine
 * @batch_size: outbox rows sent together as one transaction (1: each alone)
 */
void
cercle_sync_engine_set_batch_size (CercleSyncEngine *self,
                                   guint             batch_size)
{
  g_return_if_fail (CERCLE_IS_SYNC_ENGINE (self));
  self->batch_size = CLAMP (batch_size, 1, 1000);
}

/* ------------------------------------------------------------ applying -- */

/* "Patient/ID" → "ID" */
static const char *
reference_id (JsonObject *object,
              const char *member,
              const char *type)
{
  const char *ref = cercle_fhir_get_string (cercle_fhir_get_object (object, member), "reference");
  gsize n = strlen (type);

  if (ref && g_str_has_prefix (ref, type) && ref[n] == '/' && ref[n + 1] != '\0')
    return ref + n + 1;
  return NULL;
}

static const char *
patient_of (const char *type,
            JsonObject *resource)
{
  if (g_str_equal (type, "Patient"))
    return cercle_fhir_get_string (resource, "id");
  if (g_str_equal (type, "CareTeam") || g_str_equal (type, "Communication") || g_str_equal (type, "ServiceRequest"))
    return reference_id (resource, "subject", "Patient");
  if (g_str_equal (type, "Task"))
    return reference_id (resource, "for", "Patient");
  if (g_str_equal (type, "RelatedPerson"))
    return reference_id (resource, "patient", "Patient");
  return NULL;
}

static const char *
author_of (const char *type,
           JsonObject *resource)
{
  const char *member = g_str_equal (type, "Communication") ? "sender"
                     : g_str_equal (type, "ServiceRequest") || g_str_equal (type, "Task") ? "requester"
                     : NULL;

  return member ? cercle_fhir_get_string (cercle_fhir_get_object (resource, member), "reference") : NULL;
}

static gint64
version_number (const char *text)
{
  gint64 n;

  if (text == NULL)
    return 0;
  if (g_str_has_prefix (text, "W/\""))
    text += 3;
  n = g_ascii_strtoll (text, NULL, 10);
  return n;
}

/* Whether a local change of the resource waits in the outbox: 1 or 0, -1
 * when the store cannot say. */
static int
outbox_holds (CercleSyncEngine  *self,
              const char        *type,
              const char        *id,
              GError           **error)
{
  sqlite3_stmt *stmt = cercle_db_prepare (self->db,
                                          "SELECT 1 FROM outbox WHERE resource_type = ? AND resource_id = ? LIMIT 1",
                                          error);
  int held;

  if (stmt == NULL)
    return -1;
  sqlite3_bind_text (stmt, 1, type, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, id, -1, SQLITE_TRANSIENT);
  held = sqlite3_step (stmt) == SQLITE_ROW;
  sqlite3_reset (stmt);
  return held;
}

/* The local copy's server version: 0 when there is none, -1 when a local
 * change of it still waits in the outbox (it must not be overwritten: it
 * goes to the server next, and a conflict is caught there). */
static gint64
local_version (CercleSyncEngine  *self,
               const char        *type,
               const char        *id,
               char             **json)
{
  sqlite3_stmt *stmt;
  gint64 version = 0;

  if (json)
    *json = NULL;
  switch (outbox_holds (self, type, id, NULL))
    {
    case -1:
      return 0;
    case 1:
      return -1;
    default:
      break;
    }

  if (g_str_equal (type, "Patient"))
    stmt = cercle_db_prepare (self->db, "SELECT server_version, NULL FROM patient WHERE id = ?", NULL);
  else
    stmt = cercle_db_prepare (self->db, "SELECT version_id, json FROM resource WHERE type = ?2 AND id = ?1", NULL);
  if (stmt == NULL)
    return 0;
  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
  if (!g_str_equal (type, "Patient"))
    sqlite3_bind_text (stmt, 2, type, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      /* a row without a version is a local change already sent: older than
       * anything the server says */
      version = MAX (1, version_number ((const char *) sqlite3_column_text (stmt, 0)));
      if (sqlite3_column_type (stmt, 0) == SQLITE_NULL)
        version = 0;
      if (json && sqlite3_column_type (stmt, 1) != SQLITE_NULL)
        *json = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
    }
  else
    version = -2;   /* not here at all */
  sqlite3_reset (stmt);
  return version;
}

static const char *
task_status (JsonObject *task)
{
  return cercle_fhir_get_string (task, "status");
}

/* The first object of a FHIR array that may be absent or empty (a Task
 * without businessStatus: rejected, cancelled by the requester…). */
static JsonObject *
first_object (JsonArray *array)
{
  return array && json_array_get_length (array) > 0 ? cercle_fhir_array_get_object (array, 0) : NULL;
}

static const char *
task_business_status (JsonObject *task)
{
  JsonArray *codings = cercle_fhir_get_array (cercle_fhir_get_object (task, "businessStatus"), "coding");

  return cercle_fhir_get_string (first_object (codings), "code");
}

typedef struct {
  CercleSyncRound *round;
  gboolean         notify;      /* FALSE for the first pull: nothing is news then */
  const char      *me;          /* "Practitioner/ID" */
  const char      *my_org;      /* "Organization/ID" for a desk */
  GPtrArray       *directory;   /* the feed's directory changes, as JSON, for the Annuaire (or NULL) */
} ApplyContext;

static void
add_notice (CercleSyncRound       *round,
            CercleSyncNoticeKind   kind,
            const char            *target_id,
            const char            *patient_id,
            const char            *detail,
            const char            *business)
{
  CercleSyncNotice *notice = g_new0 (CercleSyncNotice, 1);

  notice->business = g_strdup (business);
  notice->kind = kind;
  notice->target_id = g_strdup (target_id);
  notice->patient_id = g_strdup (patient_id);
  notice->detail = g_strdup (detail);
  g_ptr_array_add (round->notices, notice);
}

static void
maybe_notice (ApplyContext *ctx,
              const char   *type,
              JsonObject   *resource,
              const char   *patient_id,
              const char   *author,
              gint64        before,
              const char   *before_json)
{
  if (!ctx->notify)
    return;
  if (g_str_equal (type, "Communication") && before == -2 && g_strcmp0 (author, ctx->me) != 0)
    {
      JsonArray *categories = cercle_fhir_get_array (resource, "category");
      JsonArray *codings = cercle_fhir_get_array (first_object (categories), "coding");

      add_notice (ctx->round, CERCLE_SYNC_NOTICE_NOTE, patient_id, patient_id,
                  cercle_fhir_get_string (first_object (codings), "code"), NULL);
    }
  else if (g_str_equal (type, "Task"))
    {
      const char *focus = reference_id (resource, "focus", "ServiceRequest");
      g_autoptr(JsonNode) old = before_json ? json_from_string (before_json, NULL) : NULL;
      JsonObject *old_task = old && JSON_NODE_HOLDS_OBJECT (old) ? json_node_get_object (old) : NULL;

      if (focus == NULL)
        return;
      if (old_task == NULL)
        {
          /* a desk hears of a new referral; a requester of its own Task
           * coming back does not */
          if (ctx->my_org && before == -2 && g_strcmp0 (task_status (resource), "draft") != 0)
            add_notice (ctx->round, CERCLE_SYNC_NOTICE_REFERRAL, focus, patient_id,
                        task_status (resource), task_business_status (resource));
          return;
        }
      /* Our own moves were applied locally first: what differs came from
       * someone else. */
      if (g_strcmp0 (task_status (resource), task_status (old_task)) != 0
          || g_strcmp0 (task_business_status (resource), task_business_status (old_task)) != 0)
        add_notice (ctx->round, CERCLE_SYNC_NOTICE_REFERRAL, focus, patient_id,
                        task_status (resource), task_business_status (resource));
    }
}

/* One resource from the server, inside the page's transaction. */
static gboolean
apply_resource (CercleSyncEngine  *self,
                ApplyContext      *ctx,
                JsonObject        *resource,
                GError           **error)
{
  const char *type = cercle_fhir_get_string (resource, "resourceType");
  const char *id = cercle_fhir_get_string (resource, "id");
  JsonObject *meta = cercle_fhir_get_object (resource, "meta");
  const char *version_id = cercle_fhir_get_string (meta, "versionId");
  const char *last_updated = cercle_fhir_get_string (meta, "lastUpdated");
  g_autofree char *before_json = NULL;
  const char *patient_id;
  const char *author;
  gint64 before;

  if (type == NULL || id == NULL || version_id == NULL || g_str_equal (type, "AuditEvent"))
    return TRUE;
  /* the stored copy is read only where maybe_notice() compares it */
  before = local_version (self, type, id, ctx->notify && g_str_equal (type, "Task") ? &before_json : NULL);
  if (before == -1 || (before > 0 && before >= version_number (version_id)))
    return TRUE;

  patient_id = patient_of (type, resource);
  author = author_of (type, resource);
  if (g_str_equal (type, "Patient"))
    {
      g_autoptr(GError) local_error = NULL;
      g_autoptr(CerclePatient) patient = cercle_patient_new_from_fhir (resource, &local_error);

      if (patient == NULL)
        {
          /* Never the patient's data in a log: only the id. */
          g_message ("Patient/%s from the server not kept: %s", id, local_error->message);
          return TRUE;
        }
      if (!cercle_patient_repo_put_from_server (self->db, patient, error))
        return FALSE;
    }
  else
    {
      g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), resource);
      g_autofree char *json = json_to_string (node, FALSE);

      if (!cercle_store_resource_put (self->db, type, id, patient_id, author, json, version_id, last_updated, error))
        return FALSE;
      if (ctx->directory && (g_str_equal (type, "Organization") || g_str_equal (type, "Location")
                             || g_str_equal (type, "HealthcareService")))
        g_ptr_array_add (ctx->directory, g_steal_pointer (&json));
    }
  maybe_notice (ctx, type, resource, patient_id, author, before, before_json);
  note_change (ctx->round, type, patient_id);
  ctx->round->pulled++;
  return TRUE;
}

/* ---------------------------------------------------------------- round -- */

typedef enum {
  STEP_DIRECTORY,
  STEP_FEED,
  STEP_ACCESS,
  STEP_CATCH_UP,
} PullStep;

typedef struct {
  CercleSyncRound *round;
  ApplyContext     ctx;
  char            *me;
  char            *my_org;
  PullStep         step;
  gboolean         imported;        /* the directory came in bulk: people too are fetched whole */
  char            *server_access;   /* digest on the feed's last page */
  GHashTable      *visible;         /* patient ids the server lists */
  GQueue           catch_up;        /* paths still to fetch for gained patients */
  gboolean         desks_queued;    /* the structures of the professionals asked for */
  /* the outbox row in flight */
  gint64           seq;
  char            *type;
  char            *id;
  char            *method;
  char            *body;
  char            *patient_id;
  /* consecutive rows sent as one transaction */
  GArray          *batch_seqs;     /* gint64 */
  GPtrArray       *batch_bodies;   /* char* */
  gint64           single_until;   /* rows up to it go one by one (a batch was refused) */
  /* « Lue »: the Tasks the desk opened, read once each this round */
  GPtrArray       *unread;
  guint            unread_next;
  /* access trails: patient ids, and the request each answers */
  GPtrArray       *trails;
  GPtrArray       *trail_marks;
  guint            trail_next;
  guint            trail_pages;
} RoundData;

static void
round_data_free (RoundData *data)
{
  cercle_sync_round_free (data->round);
  g_free (data->me);
  g_free (data->my_org);
  g_free (data->server_access);
  g_clear_pointer (&data->visible, g_hash_table_unref);
  g_queue_clear_full (&data->catch_up, g_free);
  g_free (data->type);
  g_free (data->id);
  g_free (data->method);
  g_free (data->body);
  g_free (data->patient_id);
  g_array_unref (data->batch_seqs);
  g_ptr_array_unref (data->batch_bodies);
  g_clear_pointer (&data->unread, g_ptr_array_unref);
  g_clear_pointer (&data->trails, g_ptr_array_unref);
  g_clear_pointer (&data->trail_marks, g_ptr_array_unref);
  g_free (data);
}

static void fetch (GTask *task, const char *path);
static void push_next (GTask *task);
static void read_next (GTask *task);
static void access_check (GTask *task);
static void trail_next (GTask *task);

static void
finish_round (GTask *task)
{
  CercleSyncEngine *self = g_task_get_source_object (task);
  RoundData *data = g_task_get_task_data (task);

  self->busy = FALSE;
  g_task_return_pointer (task, g_steal_pointer (&data->round), (GDestroyNotify) cercle_sync_round_free);
  g_object_unref (task);
}

static void
fail_round (GTask  *task,
            GError *error)
{
  CercleSyncEngine *self = g_task_get_source_object (task);

  self->busy = FALSE;
  g_task_return_error (task, error);
  g_object_unref (task);
}

/* The resource of a Bundle's entry @i. */
static JsonObject *
entry_resource (JsonArray *entries,
                guint      i)
{
  return cercle_fhir_get_object (cercle_fhir_array_get_object (entries, i), "resource");
}

/* The `_cursor` a feed link names. */
static char *
link_cursor (JsonObject *bundle,
             const char *relation)
{
  JsonArray *links = cercle_fhir_get_array (bundle, "link");

  for (guint i = 0; links && i < json_array_get_length (links); i++)
    {
      JsonObject *link = cercle_fhir_array_get_object (links, i);
      const char *url = cercle_fhir_get_string (link, "url");
      const char *query;
      g_autoptr(GHashTable) params = NULL;

      if (g_strcmp0 (cercle_fhir_get_string (link, "relation"), relation) != 0 || url == NULL)
        continue;
      query = strchr (url, '?');
      if (query == NULL)
        return NULL;
      params = g_uri_parse_params (query + 1, -1, "&", G_URI_PARAMS_NONE, NULL);
      if (params && g_hash_table_lookup (params, "_cursor"))
        return g_strdup (g_hash_table_lookup (params, "_cursor"));
    }
  return NULL;
}

static const char *
access_tag (JsonObject *bundle)
{
  JsonArray *tags = cercle_fhir_get_array (cercle_fhir_get_object (bundle, "meta"), "tag");

  for (guint i = 0; tags && i < json_array_get_length (tags); i++)
    {
      JsonObject *tag = cercle_fhir_array_get_object (tags, i);

      if (g_strcmp0 (cercle_fhir_get_string (tag, "system"), ACCESS_TAG_SYSTEM) == 0)
        return cercle_fhir_get_string (tag, "code");
    }
  return NULL;
}

/* The JSON object a reply carries, or NULL. */
static JsonObject *
reply_object (CercleClientReply *reply)
{
  return reply->body && JSON_NODE_HOLDS_OBJECT (reply->body) ? json_node_get_object (reply->body) : NULL;
}

static GError *
protocol_error (void)
{
  return g_error_new (CERCLE_CLIENT_ERROR, CERCLE_CLIENT_ERROR_PROTOCOL,
                      _("The server gave an unexpected answer"));
}

/* Applies a Bundle's entries, and @cursor with them, in one transaction. */
static gboolean
apply_bundle (CercleSyncEngine  *self,
              RoundData         *data,
              JsonObject        *bundle,
              const char        *cursor,
              GError           **error)
{
  JsonArray *entries = cercle_fhir_get_array (bundle, "entry");
  g_autoptr(GPtrArray) directory = g_ptr_array_new_with_free_func (g_free);

  if (!cercle_db_begin (self->db, error))
    return FALSE;
  /* The feed's directory changes (after the bulk export) go to the
   * Annuaire's own tables too, with the page. */
  data->ctx.directory = cursor ? directory : NULL;
  for (guint i = 0; entries && i < json_array_get_length (entries); i++)
    {
      JsonObject *resource = entry_resource (entries, i);

      if (resource && !apply_resource (self, &data->ctx, resource, error))
        goto fail;
    }
  data->ctx.directory = NULL;
  if (directory->len > 0)
    {
      g_ptr_array_add (directory, NULL);
      if (!cercle_directory_apply_fhir (self->db, (const char * const *) directory->pdata, error))
        goto fail;
    }
  if (cursor && !cercle_sync_store_set (self->db, CERCLE_SYNC_KEY_CURSOR, cursor, error))
    goto fail;
  return cercle_db_commit (self->db, error);

fail:
  data->ctx.directory = NULL;
  cercle_db_rollback (self->db);
  return FALSE;
}

static char *
feed_path (CercleSyncEngine *self,
           const char       *cursor)
{
  return g_strdup_printf ("_history?_cursor=%s&_count=%u", cursor ? cursor : "0", self->page_size);
}

static void
fetched_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  GTask *task = user_data;
  CercleSyncEngine *self = g_task_get_source_object (task);
  RoundData *data = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr(CercleClientReply) reply = cercle_client_send_finish (CERCLE_CLIENT (source), result, &error);
  JsonObject *bundle;
  const char *next;

  if (reply == NULL)
    {
      fail_round (task, error);
      return;
    }
  bundle = reply_object (reply);
  if (g_strcmp0 (cercle_fhir_get_string (bundle, "resourceType"), "Bundle") != 0)
    {
      fail_round (task, protocol_error ());
      return;
    }
  next = cercle_client_bundle_next (reply->body);

  switch (data->step)
    {
    case STEP_FEED:
      {
        g_autofree char *cursor = link_cursor (bundle, next ? "next" : "sync");

        if (cursor == NULL)
          {
            fail_round (task, protocol_error ());
            return;
          }
        if (!apply_bundle (self, data, bundle, cursor, &error))
          {
            fail_round (task, error);
            return;
          }
        g_free (data->server_access);
        data->server_access = g_strdup (access_tag (bundle));
        if (next)
          {
            g_autofree char *path = feed_path (self, cursor);

            fetch (task, path);
          }
        else
          access_check (task);
        return;
      }
    case STEP_ACCESS:
      {
        JsonArray *entries = cercle_fhir_get_array (bundle, "entry");

        for (guint i = 0; entries && i < json_array_get_length (entries); i++)
          {
            JsonObject *resource = entry_resource (entries, i);
            const char *id = cercle_fhir_get_string (resource, "id");

            if (id)
              g_hash_table_add (data->visible, g_strdup (id));
          }
        if (next)
          fetch (task, next);
        else
          access_check (task);
        return;
      }
    case STEP_DIRECTORY:
      g_assert_not_reached ();
      return;
    case STEP_CATCH_UP:
      if (!apply_bundle (self, data, bundle, NULL, &error))
        {
          fail_round (task, error);
          return;
        }
      if (next)
        g_queue_push_head (&data->catch_up, g_strdup (next));
      access_check (task);
      return;
    default:
      g_assert_not_reached ();
    }
}

/* A GET for the round, answered to @callback with the round's task. */
static void
send_get (GTask               *task,
          const char          *path,
          GAsyncReadyCallback  callback)
{
  CercleSyncEngine *self = g_task_get_source_object (task);

  cercle_client_send_async (self->client, "GET", path, NULL, NULL, g_task_get_cancellable (task),
                            callback, task);
}

static void
fetch (GTask      *task,
       const char *path)
{
  send_get (task, path, fetched_cb);
}

/* The patients the server no longer shows leave the store; those it shows
 * and the store lacks (access gained: their earlier history went by before
 * we could see it) are fetched whole. */
static gboolean
reconcile_access (CercleSyncEngine  *self,
                  RoundData         *data,
                  GError           **error)
{
  g_autoptr(GPtrArray) gone = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) known = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  sqlite3_stmt *stmt;
  GHashTableIter iter;
  gpointer key;

  /* A file is known by its Patient row: a CareTeam that came through the
   * feed when access was gained does not make the rest of the file. */
  stmt = cercle_db_prepare (self->db,
                            "SELECT id, 1 FROM patient"
                            " UNION SELECT DISTINCT patient_id, 0 FROM resource WHERE patient_id IS NOT NULL"
                            " AND patient_id NOT IN (SELECT id FROM patient)",
                            error);
  if (stmt == NULL)
    return FALSE;
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      const char *id = (const char *) sqlite3_column_text (stmt, 0);

      if (sqlite3_column_int (stmt, 1))
        g_hash_table_add (known, g_strdup (id));
      if (!g_hash_table_contains (data->visible, id))
        g_ptr_array_add (gone, g_strdup (id));
    }
  sqlite3_reset (stmt);

  /* A patient created here and not yet accepted by the server is not in
   * the server's list: it stays. */
  if (!cercle_db_begin (self->db, error))
    return FALSE;
  for (guint i = 0; i < gone->len; i++)
    {
      const char *id = g_ptr_array_index (gone, i);

      int held = outbox_holds (self, "Patient", id, error);

      if (held < 0)
        goto fail;
      if (held)
        continue;
      if (!cercle_store_forget_patient (self->db, id, error))
        goto fail;
      g_debug ("access to Patient/%s lost: its file left the store", id);
      note_change (data->round, "Patient", id);
    }
  if (!cercle_sync_store_set (self->db, CERCLE_SYNC_KEY_ACCESS, data->server_access, error))
    goto fail;
  if (!cercle_db_commit (self->db, error))
    return FALSE;

  /* The professionals the bulk export does not carry. */
  if (data->imported)
    {
      g_queue_push_tail (&data->catch_up, g_strdup ("Practitioner?_count=1000"));
      g_queue_push_tail (&data->catch_up, g_strdup ("PractitionerRole?_count=1000"));
    }
  g_hash_table_iter_init (&iter, data->visible);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      const char *id = key;
      static const char *const searches[] = {
        "Patient?_id=", "CareTeam?patient=", "RelatedPerson?patient=",
        "Communication?subject=", "ServiceRequest?subject=", "Task?patient=",
      };

      if (g_hash_table_contains (known, id))
        continue;
      for (guint i = 0; i < G_N_ELEMENTS (searches); i++)
        g_queue_push_tail (&data->catch_up, g_strconcat (searches[i], id, "&_count=1000", NULL));
    }
  return TRUE;

fail:
  cercle_db_rollback (self->db);
  return FALSE;
}

/* The Organizations the professionals work for (a desk's structure among
 * them), when the store lacks them: the bulk export fills the directory's
 * own tables, which know a structure by its FINESS number only, and a
 * referral's Task must be owned by the server's Organization for that
 * number (cercle_referral_repo_find_organization() looks it up here), or
 * the structure's desk never sees it. A few requests, once a catch-up. */
static void
queue_structures (CercleSyncEngine *self,
                  RoundData        *data)
{
  sqlite3_stmt *stmt;

  stmt = cercle_db_prepare (self->db,
                            "SELECT DISTINCT substr (o, 14) FROM (SELECT json_extract (json, '$.organization.reference')"
                            " AS o FROM resource WHERE type = 'PractitionerRole') WHERE o LIKE 'Organization/_%'"
                            " AND substr (o, 14) NOT IN (SELECT id FROM resource WHERE type = 'Organization')",
                            NULL);
  if (stmt == NULL)
    return;
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      g_autofree char *id = g_uri_escape_string ((const char *) sqlite3_column_text (stmt, 0), NULL, FALSE);

      g_queue_push_tail (&data->catch_up, g_strconcat ("Organization?_id=", id, NULL));
    }
  sqlite3_reset (stmt);
}

static void
access_check (GTask *task)
{
  CercleSyncEngine *self = g_task_get_source_object (task);
  RoundData *data = g_task_get_task_data (task);
  GError *error = NULL;

  if (data->step == STEP_FEED)
    {
      g_autofree char *stored = cercle_sync_store_get (self->db, CERCLE_SYNC_KEY_ACCESS);

      if (data->server_access == NULL || g_strcmp0 (stored, data->server_access) == 0)
        {
          push_next (task);
          return;
        }
      data->step = STEP_ACCESS;
      data->visible = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      fetch (task, "Patient?_count=1000");
      return;
    }
  if (data->step == STEP_ACCESS)
    {
      if (!reconcile_access (self, data, &error))
        {
          fail_round (task, error);
          return;
        }
      data->step = STEP_CATCH_UP;
    }
  if (g_queue_is_empty (&data->catch_up) && !data->desks_queued)
    {
      data->desks_queued = TRUE;
      queue_structures (self, data);
    }
  if (!g_queue_is_empty (&data->catch_up))
    {
      g_autofree char *path = g_queue_pop_head (&data->catch_up);

      fetch (task, path);
      return;
    }
  push_next (task);
}

/* ------------------------------------------------------------ directory -- */

typedef struct {
  char *db_path;
  char *file;
} ImportData;

static void
import_data_free (ImportData *data)
{
  g_unlink (data->file);
  g_free (data->db_path);
  g_free (data->file);
  g_free (data);
}

/* On a worker thread, with a connection of its own: 95,000 sites take
 * seconds, the service keeps answering meanwhile. */
static void
import_thread (GTask        *task,
               gpointer      source,
               gpointer      task_data,
               GCancellable *cancellable)
{
  ImportData *data = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(CercleDb) db = cercle_store_open (data->db_path, &error);
  g_autoptr(GFile) file = g_file_new_for_path (data->file);
  g_autoptr(CercleImportReport) report = cercle_import_report_new ();

  if (db == NULL || !cercle_directory_import_files (db, &file, 1, FALSE, NULL, NULL, report, cancellable, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_debug ("directory: %u structures imported", cercle_import_report_get_structures (report));
  g_task_return_boolean (task, TRUE);
}

static void
start_feed (GTask      *task,
            const char *cursor)
{
  CercleSyncEngine *self = g_task_get_source_object (task);
  RoundData *data = g_task_get_task_data (task);
  g_autofree char *path = feed_path (self, cursor);

  data->step = STEP_FEED;
  fetch (task, path);
}

static void
imported_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  GTask *task = user_data;
  CercleSyncEngine *self = g_task_get_source_object (task);
  RoundData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  const char *cursor = g_object_get_data (G_OBJECT (result), "cursor");

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          fail_round (task, g_steal_pointer (&error));
          return;
        }
      /* The feed from its start brings the directory too, more slowly. */
      g_message ("the directory export could not be imported: %s", error->message);
      start_feed (task, NULL);
      return;
    }
  if (!cercle_sync_store_set (self->db, CERCLE_SYNC_KEY_CURSOR, cursor, &error))
    {
      fail_round (task, g_steal_pointer (&error));
      return;
    }
  data->imported = TRUE;
  add_unique (data->round->kinds, "Organization");
  start_feed (task, cursor);
}

/* "\"123\"" or W/"123" → "123" */
static char *
etag_cursor (const char *etag)
{
  g_autoptr(GString) digits = g_string_new (NULL);

  for (const char *p = etag; p && *p; p++)
    if (g_ascii_isdigit (*p))
      g_string_append_c (digits, *p);
  return digits->len > 0 ? g_string_free (g_steal_pointer (&digits), FALSE) : NULL;
}

static void
directory_fetched_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  GTask *task = user_data;
  CercleSyncEngine *self = g_task_get_source_object (task);
  GError *error = NULL;
  g_autoptr(CercleClientReply) reply = cercle_client_fetch_finish (CERCLE_CLIENT (source), result, &error);
  g_autofree char *cursor = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *file = NULL;
  g_autoptr(GTask) import = NULL;
  ImportData *import_data;
  int fd;

  if (reply == NULL)
    {
      /* a server without the export: the feed from its start */
      if (g_error_matches (error, CERCLE_CLIENT_ERROR, CERCLE_CLIENT_ERROR_NOT_FOUND)
          || g_error_matches (error, CERCLE_CLIENT_ERROR, CERCLE_CLIENT_ERROR_INVALID))
        {
          g_error_free (error);
          start_feed (task, NULL);
          return;
        }
      fail_round (task, error);
      return;
    }
  cursor = etag_cursor (reply->etag);
  if (cursor == NULL || reply->raw == NULL)
    {
      fail_round (task, protocol_error ());
      return;
    }
  /* The importer reads files: the export waits in the cache folder while
   * it is read, and goes right after. */
  dir = g_build_filename (g_get_user_cache_dir (), "cercle", NULL);
  g_mkdir_with_parents (dir, 0700);
  file = g_build_filename (dir, "directory-XXXXXX.ndjson.gz", NULL);
  fd = g_mkstemp_full (file, O_RDWR, 0600);
  if (fd < 0 || !g_file_set_contents (file, g_bytes_get_data (reply->raw, NULL), g_bytes_get_size (reply->raw), &error))
    {
      if (fd >= 0)
        close (fd);
      if (error == NULL)
        error = g_error_new (G_IO_ERROR, g_io_error_from_errno (errno), "%s: %s", file, g_strerror (errno));
      fail_round (task, error);
      return;
    }
  close (fd);
  g_clear_pointer (&reply, cercle_client_reply_free);   /* the file has it: free the memory before importing */

  import_data = g_new0 (ImportData, 1);
  import_data->db_path = g_strdup (cercle_db_get_path (self->db));
  import_data->file = g_steal_pointer (&file);
  import = g_task_new (self, g_task_get_cancellable (task), imported_cb, task);
  g_task_set_source_tag (import, import_thread);
  g_task_set_task_data (import, import_data, (GDestroyNotify) import_data_free);
  g_object_set_data_full (G_OBJECT (import), "cursor", g_steal_pointer (&cursor), g_free);
  g_task_run_in_thread (import, import_thread);
}

/* ----------------------------------------------------------------- push -- */

static gint64
backoff_us (guint attempts)
{
  gint64 base = (gint64) 1 << MIN (attempts, 9);   /* 2, 4, 8 … 512 s */
  gint64 seconds = MIN (base, BACKOFF_MAX_S);

  /* full jitter in [seconds/2, seconds]: a network's clients that lost the
   * server together do not come back together */
  return g_random_int_range (seconds * 500, seconds * 1000 + 1) * (gint64) 1000;
}

static char *
iso_time (gint64 realtime_us)
{
  g_autoptr(GDateTime) t = g_date_time_new_from_unix_utc (realtime_us / G_USEC_PER_SEC);
  g_autoptr(GDateTime) precise = g_date_time_add (t, realtime_us % G_USEC_PER_SEC);

  return g_date_time_format (precise, "%Y-%m-%dT%H:%M:%S.%fZ");
}

static gint64
parse_iso (const char *text)
{
  g_autoptr(GDateTime) t = text ? g_date_time_new_from_iso8601 (text, NULL) : NULL;

  return t ? g_date_time_to_unix (t) * G_USEC_PER_SEC + g_date_time_get_microsecond (t) : 0;
}

/* A transient failure: the row goes again later, after a growing delay
 * (or the one a busy server asked for). */
static void
defer_row (CercleSyncEngine *self,
           RoundData        *data,
           const GError     *error)
{
  sqlite3_stmt *stmt;
  guint attempts = 0;
  guint retry_after = cercle_client_get_retry_after (self->client);
  gint64 at;
  g_autofree char *when = NULL;

  stmt = cercle_db_prepare (self->db, "SELECT attempts FROM outbox WHERE seq = ?", NULL);
  if (stmt == NULL)
    return;
  sqlite3_bind_int64 (stmt, 1, data->seq);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    attempts = sqlite3_column_int (stmt, 0);
  sqlite3_reset (stmt);

  attempts++;
  at = g_get_real_time () + (retry_after ? retry_after * G_USEC_PER_SEC : backoff_us (attempts));
  when = iso_time (at);
  data->round->retry_at = at;
  stmt = cercle_db_prepare (self->db,
                            "UPDATE outbox SET attempts = ?, next_attempt_at = ?, last_error = ? WHERE seq = ?",
                            NULL);
  if (stmt == NULL)
    return;
  sqlite3_bind_int (stmt, 1, attempts);
  sqlite3_bind_text (stmt, 2, when, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, error->message, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 4, data->seq);
  cercle_db_step_done (self->db, stmt, NULL);
}

static void
refuse_row (CercleSyncEngine *self,
            RoundData        *data,
            const char       *message)
{
  sqlite3_stmt *stmt = cercle_db_prepare (self->db,
                                          "UPDATE outbox SET state = 'refused', attempts = attempts + 1,"
                                          " last_error = ?, next_attempt_at = NULL WHERE seq = ?",
                                          NULL);

  if (stmt == NULL)
    return;
  sqlite3_bind_text (stmt, 1, message, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, data->seq);
  cercle_db_step_done (self->db, stmt, NULL);
  data->round->refused++;
  note_change (data->round, data->type, data->patient_id);
  g_debug ("outbox row %" G_GINT64_FORMAT " (%s/%s) refused", data->seq, data->type, data->id);
}

/* A change the server took is news for the app even when nothing comes
 * back to store (a Bundle, a batch): what showed « En attente d'envoi »
 * now shows « Envoyé ». The kinds and patients of the resources it held
 * go into the round's Changed signal. */
static void
note_sent (RoundData  *data,
           const char *body)
{
  g_autoptr(JsonNode) node = body ? json_from_string (body, NULL) : NULL;
  JsonObject *object = node && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
  const char *type = cercle_fhir_get_string (object, "resourceType");
  JsonArray *entries;

  if (type == NULL)
    return;
  if (!g_str_equal (type, "Bundle"))
    {
      note_change (data->round, type, patient_of (type, object));
      return;
    }
  entries = cercle_fhir_get_array (object, "entry");
  for (guint i = 0; entries && i < json_array_get_length (entries); i++)
    {
      JsonObject *resource = entry_resource (entries, i);
      const char *entry_type = cercle_fhir_get_string (resource, "resourceType");

      if (entry_type == NULL)
        continue;
      note_change (data->round, entry_type, patient_of (entry_type, resource));
    }
}

/* A sent row leaves the outbox only if it is still the one sent (@body
 * NULL: a row without one); a change made meanwhile stays to go next. */
static gboolean
outbox_remove_sent (CercleSyncEngine  *self,
                    gint64             seq,
                    const char        *body,
                    GError           **error)
{
  sqlite3_stmt *stmt = cercle_db_prepare (self->db, "DELETE FROM outbox WHERE seq = ? AND body IS ?", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, seq);
  if (body)
    sqlite3_bind_text (stmt, 2, body, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (stmt, 2);
  return cercle_db_step_done (self->db, stmt, error);
}

/* The server took the row: it leaves the outbox if it is still the one
 * sent, and the local copy takes the server's version unless a newer local
 * change waits. */
static gboolean
row_sent (CercleSyncEngine   *self,
          RoundData          *data,
          CercleClientReply  *reply,
          GError            **error)
{
  JsonObject *resource = reply_object (reply);

  if (!cercle_db_begin (self->db, error))
    return FALSE;
  if (!outbox_remove_sent (self, data->seq, data->body, error))
    goto fail;

  if (resource && g_strcmp0 (cercle_fhir_get_string (resource, "resourceType"), data->type) == 0
      && !g_str_equal (data->type, "Bundle"))
    {
      ApplyContext ctx = { data->round, FALSE, data->me, data->my_org };

      if (!apply_resource (self, &ctx, resource, error))
        goto fail;
    }
  if (!cercle_db_commit (self->db, error))
    return FALSE;
  note_sent (data, data->body);
  data->round->pushed++;
  return TRUE;

fail:
  cercle_db_rollback (self->db);
  return FALSE;
}

/* A failed push (one row or a batch) that stops the push: cancelled, a
 * transient failure, a garbled answer or a disabled account. The round
 * fails, and a transient row is deferred (not when the session is gone).
 * Takes @error then and returns TRUE; FALSE leaves a refusal to the
 * caller. A garbled answer may hide a success: the PUT is sent again, and
 * the server makes no new version of the same content. */
static gboolean
push_stopped (GTask  *task,
              GError *error)
{
  CercleSyncEngine *self = g_task_get_source_object (task);
  RoundData *data = g_task_get_task_data (task);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      fail_round (task, error);
      return TRUE;
    }
  if (!cercle_client_error_is_transient (error)
      && !g_error_matches (error, CERCLE_CLIENT_ERROR, CERCLE_CLIENT_ERROR_PROTOCOL)
      && !g_error_matches (error, CERCLE_CLIENT_ERROR, CERCLE_CLIENT_ERROR_ACCOUNT_DISABLED))
    return FALSE;
  if (!g_error_matches (error, CERCLE_CLIENT_ERROR, CERCLE_CLIENT_ERROR_SIGNED_OUT)
      && !g_error_matches (error, CERCLE_CLIENT_ERROR, CERCLE_CLIENT_ERROR_ACCOUNT_DISABLED))
    defer_row (self, data, error);
  fail_round (task, error);
  return TRUE;
}

static void
conflict_read_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  GTask *task = user_data;
  CercleSyncEngine *self = g_task_get_source_object (task);
  RoundData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(CercleClientReply) reply = cercle_client_send_finish (CERCLE_CLIENT (source), result, &error);
  g_autofree char *server_json = reply && reply->body ? json_to_string (reply->body, FALSE) : NULL;

  /* A round cancelled while reading the server's side (sign-out, the
   * service stopping) records nothing: the row stays as it was, and the
   * next round meets the 412 again. */
  if (reply == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      fail_round (task, g_steal_pointer (&error));
      return;
    }
  if (reply == NULL && cercle_client_error_is_transient (error))
    {
      /* the 412 stands; read it again at the next round */
      defer_row (self, data, error);
      fail_round (task, g_steal_pointer (&error));
      return;
    }
  cercle_sync_store_add_conflict (self->db, data->type, data->id, data->body ? data->body : "{}", server_json, NULL);
  refuse_row (self, data, _("Someone else changed this meanwhile: both versions are kept, choose one"));
  push_next (task);
}

static void
pushed_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  GTask *task = user_data;
  CercleSyncEngine *self = g_task_get_source_object (task);
  RoundData *data = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr(CercleClientReply) reply = cercle_client_send_finish (CERCLE_CLIENT (source), result, &error);

  if (reply != NULL)
    {
      if (!row_sent (self, data, reply, &error))
        {
          fail_round (task, error);
          return;
        }
      push_next (task);
      return;
    }
  if (g_error_matches (error, CERCLE_CLIENT_ERROR, CERCLE_CLIENT_ERROR_PRECONDITION))
    {
      g_autofree char *path = g_strdup_printf ("%s/%s", data->type, data->id);

      g_clear_error (&error);
      send_get (task, path, conflict_read_cb);
      return;
    }
  if (push_stopped (task, error))
    return;
  refuse_row (self, data, error->message);
  g_error_free (error);
  push_next (task);
}

/* The If-Match of an edit: the server version it was made from, when the
 * writer kept it in meta.versionId. */
static char *
base_version (JsonObject *resource)
{
  const char *version = cercle_fhir_get_string (cercle_fhir_get_object (resource, "meta"), "versionId");

  return version ? g_strdup_printf ("W/\"%s\"", version) : NULL;
}

#define BATCH_MAX_BYTES (512 * 1024)   /* the server takes 1 MiB at most */

static void
batch_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  GTask *task = user_data;
  CercleSyncEngine *self = g_task_get_source_object (task);
  RoundData *data = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr(CercleClientReply) reply = cercle_client_send_finish (CERCLE_CLIENT (source), result, &error);
  gint64 first = g_array_index (data->batch_seqs, gint64, 0);
  gint64 last = g_array_index (data->batch_seqs, gint64, data->batch_seqs->len - 1);

  if (reply != NULL)
    {
      if (!cercle_db_begin (self->db, &error))
        {
          fail_round (task, error);
          return;
        }
      for (guint i = 0; i < data->batch_seqs->len; i++)
        if (!outbox_remove_sent (self, g_array_index (data->batch_seqs, gint64, i),
                                 g_ptr_array_index (data->batch_bodies, i), &error))
          break;
      if (error != NULL || !cercle_db_commit (self->db, &error))
        {
          cercle_db_rollback (self->db);
          fail_round (task, error);
          return;
        }
      /* the server's versions come back through the feed */
      for (guint i = 0; i < data->batch_bodies->len; i++)
        note_sent (data, g_ptr_array_index (data->batch_bodies, i));
      data->round->pushed += data->batch_seqs->len;
      data->seq = last;
      push_next (task);
      return;
    }
  data->seq = first;
  if (push_stopped (task, error))
    return;
  /* All or nothing: one row refused the lot. They go again one by one,
   * so that the refusal lands on its own row and the others still go. */
  g_error_free (error);
  data->single_until = last;
  data->seq = first - 1;
  push_next (task);
}

/* The PUTs due after the current row, up to the first that cannot join
 * (a Bundle, a row waiting for its next attempt, a second change of the
 * same resource), sent with it as one transaction: order kept, one
 * durable commit on the server instead of one a note. Returns FALSE when
 * there is nothing to join. */
static gboolean
push_batch (GTask      *task,
            JsonNode   *first_body)
{
  CercleSyncEngine *self = g_task_get_source_object (task);
  RoundData *data = g_task_get_task_data (task);
  g_autoptr(GHashTable) ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(JsonNode) bundle = NULL;
  gsize bytes = strlen (data->body);
  sqlite3_stmt *stmt;
  guint n = 0;
  gint64 now = g_get_real_time ();

  g_array_set_size (data->batch_seqs, 0);
  g_ptr_array_set_size (data->batch_bodies, 0);
  g_array_append_val (data->batch_seqs, data->seq);
  g_ptr_array_add (data->batch_bodies, g_strdup (data->body));
  g_hash_table_add (ids, g_strconcat (data->type, "/", data->id, NULL));

  stmt = cercle_db_prepare (self->db,
                            "SELECT seq, resource_type, resource_id, method, body, next_attempt_at FROM outbox"
                            " WHERE state = 'pending' AND seq > ? ORDER BY seq LIMIT ?",
                            NULL);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, data->seq);
  sqlite3_bind_int (stmt, 2, self->batch_size - 1);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      const char *type = (const char *) sqlite3_column_text (stmt, 1);
      const char *body = (const char *) sqlite3_column_text (stmt, 4);
      g_autofree char *key = g_strconcat (type, "/", (const char *) sqlite3_column_text (stmt, 2), NULL);
      gint64 seq = sqlite3_column_int64 (stmt, 0);

      if (g_str_equal (type, "Bundle") || g_strcmp0 ((const char *) sqlite3_column_text (stmt, 3), "PUT") != 0
          || body == NULL || parse_iso ((const char *) sqlite3_column_text (stmt, 5)) > now
          || g_hash_table_contains (ids, key) || bytes + strlen (body) > BATCH_MAX_BYTES)
        break;
      bytes += strlen (body);
      g_hash_table_add (ids, g_steal_pointer (&key));
      g_array_append_val (data->batch_seqs, seq);
      g_ptr_array_add (data->batch_bodies, g_strdup (body));
    }
  sqlite3_reset (stmt);
  if (data->batch_seqs->len < 2)
    return FALSE;

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "resourceType");
  json_builder_add_string_value (builder, "Bundle");
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, "transaction");
  json_builder_set_member_name (builder, "entry");
  json_builder_begin_array (builder);
  for (guint i = 0; i < data->batch_seqs->len; i++)
    {
      g_autoptr(JsonNode) resource = i == 0 ? json_node_ref (first_body)
                                            : json_from_string (g_ptr_array_index (data->batch_bodies, i), NULL);
      JsonObject *object;
      g_autofree char *url = NULL;
      g_autofree char *if_match = NULL;

      if (resource == NULL || !JSON_NODE_HOLDS_OBJECT (resource))
        {
          /* a damaged row goes alone, and is refused alone */
          g_array_set_size (data->batch_seqs, i);
          g_ptr_array_set_size (data->batch_bodies, i);
          break;
        }
      object = json_node_get_object (resource);
      url = g_strdup_printf ("%s/%s", cercle_fhir_get_string (object, "resourceType"),
                             cercle_fhir_get_string (object, "id"));
      if_match = base_version (object);
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "resource");
      json_builder_add_value (builder, json_node_copy (resource));
      json_builder_set_member_name (builder, "request");
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "method");
      json_builder_add_string_value (builder, "PUT");
      json_builder_set_member_name (builder, "url");
      json_builder_add_string_value (builder, url);
      if (if_match)
        {
          json_builder_set_member_name (builder, "ifMatch");
          json_builder_add_string_value (builder, if_match);
        }
      json_builder_end_object (builder);
      json_builder_end_object (builder);
      n++;
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  if (n < 2)
    return FALSE;
  bundle = json_builder_get_root (builder);
  g_debug ("pushing outbox rows %" G_GINT64_FORMAT "…%" G_GINT64_FORMAT " as one transaction", data->seq,
           g_array_index (data->batch_seqs, gint64, data->batch_seqs->len - 1));
  cercle_client_send_async (self->client, "POST", "", bundle, NULL, g_task_get_cancellable (task),
                            batch_done_cb, task);
  return TRUE;
}

static void
push_next (GTask *task)
{
  CercleSyncEngine *self = g_task_get_source_object (task);
  RoundData *data = g_task_get_task_data (task);
  sqlite3_stmt *stmt;
  g_autoptr(JsonNode) body = NULL;
  g_autofree char *path = NULL;
  g_autofree char *if_match = NULL;
  gint64 due;

  g_clear_pointer (&data->type, g_free);
  g_clear_pointer (&data->id, g_free);
  g_clear_pointer (&data->method, g_free);
  g_clear_pointer (&data->body, g_free);
  g_clear_pointer (&data->patient_id, g_free);

  stmt = cercle_db_prepare (self->db,
                            "SELECT seq, resource_type, resource_id, method, body, patient_id, next_attempt_at"
                            " FROM outbox WHERE state = 'pending' AND seq > ? ORDER BY seq LIMIT 1",
                            NULL);
  if (stmt == NULL)
    {
      read_next (task);
      return;
    }
  sqlite3_bind_int64 (stmt, 1, data->seq);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      sqlite3_reset (stmt);
      read_next (task);
      return;
    }
  data->seq = sqlite3_column_int64 (stmt, 0);
  data->type = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
  data->id = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
  data->method = g_strdup ((const char *) sqlite3_column_text (stmt, 3));
  data->body = g_strdup ((const char *) sqlite3_column_text (stmt, 4));
  data->patient_id = g_strdup ((const char *) sqlite3_column_text (stmt, 5));
  due = parse_iso ((const char *) sqlite3_column_text (stmt, 6));
  sqlite3_reset (stmt);

  /* Order matters (a note refers to its patient, a Task to its request):
   * a row waiting for its next attempt holds back those after it. */
  if (due > g_get_real_time ())
    {
      data->round->retry_at = due;
      read_next (task);
      return;
    }

  body = data->body ? json_from_string (data->body, NULL) : NULL;
  if (data->body && (body == NULL || !JSON_NODE_HOLDS_OBJECT (body)))
    {
      refuse_row (self, data, _("This change is damaged and cannot be sent"));
      push_next (task);
      return;
    }
  if (data->body && g_str_equal (data->method, "PUT") && !g_str_equal (data->type, "Bundle")
      && data->seq > data->single_until
      && push_batch (task, body))
    return;
  if (g_str_equal (data->type, "Bundle"))
    path = g_strdup ("");
  else if (g_str_equal (data->method, "PUT"))
    {
      path = g_strdup_printf ("%s/%s", data->type, data->id);
      if_match = base_version (json_node_get_object (body));
    }
  else
    path = g_strdup (data->type);
  g_debug ("pushing outbox row %" G_GINT64_FORMAT " (%s %s/%s)", data->seq, data->method, data->type, data->id);
  cercle_client_send_async (self->client, data->method, path, body, if_match, g_task_get_cancellable (task),
                            pushed_cb, task);
}

/* ------------------------------------------------------------- « Lue » -- */

/* The server records « Lue » on the desk's first GET of a Task, a search or
 * the feed does not (docs/fhir.md, « Lue »): the Tasks the desk opened in
 * the app are read here, after the push (an answer the desk already gave
 * goes first and takes them off the list), and the server's new version is
 * stored at once so that the list empties without waiting for the feed. */
static void
read_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  GTask *task = user_data;
  CercleSyncEngine *self = g_task_get_source_object (task);
  RoundData *data = g_task_get_task_data (task);
  const char *id = g_ptr_array_index (data->unread, data->unread_next - 1);
  GError *error = NULL;
  g_autoptr(CercleClientReply) reply = cercle_client_send_finish (CERCLE_CLIENT (source), result, &error);
  /* the desk's own reading is no news to the desk */
  ApplyContext ctx = { data->round, FALSE, data->me, data->my_org };
  JsonObject *resource;

  if (reply == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || cercle_client_error_is_transient (error))
        {
          /* still on the list: read again at the next round */
          fail_round (task, error);
          return;
        }
      /* gone, or no longer the structure's: nothing to mark */
      g_message ("Task/%s not read: %s", id, error->message);
      g_error_free (error);
      read_next (task);
      return;
    }
  resource = reply_object (reply);
  if (resource == NULL || g_strcmp0 (cercle_fhir_get_string (resource, "resourceType"), "Task") != 0
      || g_strcmp0 (cercle_fhir_get_string (resource, "id"), id) != 0)
    {
      fail_round (task, protocol_error ());
      return;
    }
  if (!cercle_db_begin (self->db, &error))
    {
      fail_round (task, error);
      return;
    }
  if (!apply_resource (self, &ctx, resource, &error) || !cercle_db_commit (self->db, &error))
    {
      cercle_db_rollback (self->db);
      fail_round (task, error);
      return;
    }
  read_next (task);
}

static void
read_next (GTask *task)
{
  CercleSyncEngine *self = g_task_get_source_object (task);
  RoundData *data = g_task_get_task_data (task);
  g_autofree char *path = NULL;

  if (data->unread == NULL)
    {
      g_autoptr(GError) error = NULL;

      data->unread = cercle_referral_repo_list_unread_tasks (self->db, &error);
      if (data->unread == NULL)
        {
          g_message ("opened Tasks not listed: %s", error->message);
          trail_next (task);
          return;
        }
    }
  if (data->unread_next >= data->unread->len)
    {
      trail_next (task);
      return;
    }
  path = g_strdup_printf ("Task/%s", (const char *) g_ptr_array_index (data->unread, data->unread_next++));
  send_get (task, path, read_cb);
}

/* ------------------------------------------------------- access trail -- */

#define TRAIL_PAGE 100
#define TRAIL_MAX_PATIENTS 20
#define TRAIL_MAX_PAGES 20

/* The patients whose trail this round fetches: those the app asked for
 * (cercle_sync_store_request_trail()) and not fetched since, then those
 * asked for before whose file changed in this round. Nothing asked,
 * nothing fetched: an idle round stays one request. Bounded per round; the
 * rest stays pending for the next. */
static void
list_trails (CercleSyncEngine *self,
             RoundData        *data)
{
  sqlite3_stmt *stmt;

  data->trails = g_ptr_array_new_with_free_func (g_free);
  data->trail_marks = g_ptr_array_new_with_free_func (g_free);
  stmt = cercle_db_prepare (self->db,
                            "SELECT t.patient_id, t.requested_at,"
                            " (t.fetched_at IS NULL OR t.fetched_at < t.requested_at) AS pending"
                            " FROM trail_request t JOIN patient p ON p.id = t.patient_id"
                            " ORDER BY pending DESC, t.requested_at DESC",
                            NULL);
  if (stmt == NULL)
    return;
  while (sqlite3_step (stmt) == SQLITE_ROW && data->trails->len < TRAIL_MAX_PATIENTS)
    {
      const char *id = (const char *) sqlite3_column_text (stmt, 0);
      gboolean pending = sqlite3_column_int (stmt, 2);
      gboolean changed = FALSE;

      for (guint i = 0; !pending && i < data->round->patients->len; i++)
        changed = g_str_equal (g_ptr_array_index (data->round->patients, i), id);
      if (!pending && !changed)
        continue;
      g_ptr_array_add (data->trails, g_strdup (id));
      g_ptr_array_add (data->trail_marks, g_strdup ((const char *) sqlite3_column_text (stmt, 1)));
    }
  sqlite3_reset (stmt);
}

/* Events already here: the server lists a patient's trail oldest first and
 * only ever appends to it, so the stored count is where the new ones start
 * (and a file forgotten and gained again starts over). */
static char *
trail_path (CercleSyncEngine *self,
            const char       *patient_id)
{
  sqlite3_stmt *stmt;
  gint64 offset = 0;
  g_autofree char *escaped = g_uri_escape_string (patient_id, NULL, FALSE);

  stmt = cercle_db_prepare (self->db, "SELECT count(*) FROM resource WHERE type = 'AuditEvent' AND patient_id = ?",
                            NULL);
  if (stmt != NULL)
    {
      sqlite3_bind_text (stmt, 1, patient_id, -1, SQLITE_TRANSIENT);
      if (sqlite3_step (stmt) == SQLITE_ROW)
        offset = sqlite3_column_int64 (stmt, 0);
      sqlite3_reset (stmt);
    }
  return g_strdup_printf ("AuditEvent?entity=Patient/%s&_offset=%" G_GINT64_FORMAT "&_count=%u", escaped, offset,
                          TRAIL_PAGE);
}

static gboolean
trail_done (CercleSyncEngine  *self,
            RoundData         *data,
            GError           **error)
{
  sqlite3_stmt *stmt = cercle_db_prepare (self->db,
                                          "UPDATE trail_request SET fetched_at = requested_at"
                                          " WHERE patient_id = ? AND requested_at IS ?",
                                          error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, g_ptr_array_index (data->trails, data->trail_next - 1), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, g_ptr_array_index (data->trail_marks, data->trail_next - 1), -1, SQLITE_TRANSIENT);
  return cercle_db_step_done (self->db, stmt, error);
}

static void
trail_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  GTask *task = user_data;
  CercleSyncEngine *self = g_task_get_source_object (task);
  RoundData *data = g_task_get_task_data (task);
  const char *patient_id = g_ptr_array_index (data->trails, data->trail_next - 1);
  GError *error = NULL;
  g_autoptr(CercleClientReply) reply = cercle_client_send_finish (CERCLE_CLIENT (source), result, &error);
  JsonObject *bundle;
  JsonArray *entries;
  guint added = 0;
  gboolean last_page;

  if (reply == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || cercle_client_error_is_transient (error))
        {
          /* still requested: fetched at the next round */
          fail_round (task, error);
          return;
        }
      g_message ("access trail of Patient/%s not read: %s", patient_id, error->message);
      g_error_free (error);
      data->trail_pages = 0;
      trail_next (task);
      return;
    }
  bundle = reply_object (reply);
  if (bundle == NULL || g_strcmp0 (cercle_fhir_get_string (bundle, "resourceType"), "Bundle") != 0)
    {
      fail_round (task, protocol_error ());
      return;
    }
  entries = cercle_fhir_get_array (bundle, "entry");
  if (!cercle_db_begin (self->db, &error))
    {
      fail_round (task, error);
      return;
    }
  for (guint i = 0; entries && i < json_array_get_length (entries); i++)
    {
      JsonObject *resource = entry_resource (entries, i);
      const char *id = cercle_fhir_get_string (resource, "id");
      JsonObject *meta = cercle_fhir_get_object (resource, "meta");
      const char *version = cercle_fhir_get_string (meta, "versionId");
      const char *updated = cercle_fhir_get_string (meta, "lastUpdated");
      g_autoptr(JsonNode) node = NULL;
      g_autofree char *json = NULL;
      g_autofree char *local_id = NULL;

      if (id == NULL || g_strcmp0 (cercle_fhir_get_string (resource, "resourceType"), "AuditEvent") != 0)
        continue;
      node = json_node_init_object (json_node_alloc (), resource);
      json = json_to_string (node, FALSE);
      /* An event can name several patients (a history page), and each
       * patient's circle reads its own part of it: one local row per event
       * and patient, so that each trail counts its own. */
      local_id = g_strconcat (id, "@", patient_id, NULL);
      if (!cercle_store_resource_put (self->db, "AuditEvent", local_id, patient_id, NULL, json, version ? version : "1",
                                      updated ? updated : cercle_fhir_get_string (resource, "recorded"), &error))
        goto fail;
      added++;
    }
  data->trail_pages++;
  last_page = cercle_client_bundle_next (reply->body) == NULL;
  if (last_page || data->trail_pages >= TRAIL_MAX_PAGES)
    {
      if (last_page && !trail_done (self, data, &error))
        goto fail;
      data->trail_pages = 0;
    }
  else
    data->trail_next--;   /* the same patient again, from the new offset */
  if (!cercle_db_commit (self->db, &error))
    goto fail;
  if (added > 0)
    note_change (data->round, "AuditEvent", patient_id);
  trail_next (task);
  return;

fail:
  cercle_db_rollback (self->db);
  fail_round (task, error);
}

static void
trail_next (GTask *task)
{
  CercleSyncEngine *self = g_task_get_source_object (task);
  RoundData *data = g_task_get_task_data (task);
  g_autofree char *path = NULL;

  if (data->trails == NULL)
    list_trails (self, data);
  if (data->trail_next >= data->trails->len)
    {
      finish_round (task);
      return;
    }
  path = trail_path (self, g_ptr_array_index (data->trails, data->trail_next++));
  send_get (task, path, trail_cb);
}

/**
 * cercle_sync_engine_round_async:
 * @self: a #CercleSyncEngine
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the round is over
 * @user_data: for @callback
 *
 * Runs one round: the feed from the stored cursor to its end, the access
 * check when the server's list of visible patients changed, then the
 * outbox. One round at a time: the caller waits for this one to finish
 * before starting another.
 */
void
cercle_sync_engine_round_async (CercleSyncEngine    *self,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  GTask *task;
  RoundData *data;
  g_autofree char *cursor = NULL;

  g_return_if_fail (CERCLE_IS_SYNC_ENGINE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, cercle_sync_engine_round_async);
  if (self->busy)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_BUSY, "a round is under way");
      g_object_unref (task);
      return;
    }
  self->busy = TRUE;

  data = g_new0 (RoundData, 1);
  data->round = g_new0 (CercleSyncRound, 1);
  data->round->kinds = g_ptr_array_new_with_free_func (g_free);
  data->round->patients = g_ptr_array_new_with_free_func (g_free);
  data->round->notices = g_ptr_array_new_with_free_func ((GDestroyNotify) notice_free);
  cercle_store_get_account (self->db, NULL, NULL, &data->me, &data->my_org, NULL);
  g_queue_init (&data->catch_up);
  data->batch_seqs = g_array_new (FALSE, FALSE, sizeof (gint64));
  data->batch_bodies = g_ptr_array_new_with_free_func (g_free);
  g_task_set_task_data (task, data, (GDestroyNotify) round_data_free);

  cursor = cercle_sync_store_get (self->db, CERCLE_SYNC_KEY_CURSOR);
  data->ctx.round = data->round;
  data->ctx.notify = cursor != NULL;
  data->ctx.me = data->me;
  data->ctx.my_org = data->my_org;
  if (cursor == NULL)
    {
      /* First round: the directory in bulk, then the feed from there. */
      data->step = STEP_DIRECTORY;
      cercle_client_fetch_async (self->client, "$export-directory", cancellable, directory_fetched_cb, task);
      return;
    }
  start_feed (task, cursor);
}

/**
 * cercle_sync_engine_round_finish:
 * @self: a #CercleSyncEngine
 * @result: the #GAsyncResult
 * @error: return location for a #GError: the client's (network, session,
 *   server), or the store's
 *
 * Returns: (transfer full): what the round did, or %NULL
 */
CercleSyncRound *
cercle_sync_engine_round_finish (CercleSyncEngine  *self,
                                 GAsyncResult      *result,
                                 GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
