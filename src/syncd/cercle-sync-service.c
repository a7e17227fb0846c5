/* cercle-sync-service.c — fr.cercle.Cercle.Sync, the background sync service
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The only process that signs in: it holds the account's CercleClient (the
 * refresh token in the keyring), runs the sync engine's rounds one at a
 * time — at start, when asked (SyncNow, debounced), every `sync-interval`
 * seconds, when the network comes back, and after a failure with a growing
 * delay — and tells the session what changed (the Changed signal, desktop
 * notifications for news from others).
 */
#define G_LOG_DOMAIN "cercle-syncd"

#include "config.h"

#include <glib/gi18n.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "cercle-client.h"
#include "cercle-fhir-patient.h"
#include "cercle-keyring.h"
#include "cercle-note.h"
#include "cercle-patient-repo.h"
#include "cercle-referral-rules.h"
#include "cercle-store.h"
#include "cercle-sync-dbus.h"
#include "cercle-sync-engine.h"
#include "cercle-sync-service.h"
#include "cercle-sync-store.h"

#define OBJECT_PATH "/fr/cercle/Cercle/Sync"
#define ERROR_NAME "fr.cercle.Cercle.Sync.Error.Failed"
#define DEBOUNCE_MS 250
#define DEFAULT_INTERVAL_S 60
#define RETRY_MAX_S 300
#define APP_ID "fr.cercle.Cercle"

struct _CercleSyncService
{
  GObject            parent_instance;

  CercleDBusSync    *skeleton;
  GDBusConnection   *connection;
  CercleDb          *db;
  CercleClient      *client;
  CercleSyncEngine  *engine;
  GSettings         *settings;     /* NULL when the schema is not installed */
  GNetworkMonitor   *monitor;
  GCancellable      *cancellable;
  guint              request_timeout;
  guint              page_size;
  guint              batch_size;

  guint              timer_id;     /* next round by the clock */
  guint              debounce_id;  /* a round asked for */
  gboolean           running;
  gboolean           restoring;    /* the session is being taken up from the keyring */
  gboolean           again;        /* asked for during a round */
  guint              failures;
  GPtrArray         *waiters;      /* GDBusMethodInvocation: SyncAndWait */
  guint              progress;     /* rows pushed or pulled by the waiters' rounds */

  GHashTable        *notifications; /* notification id → "action\ttarget" */
  guint              action_signal;
};

G_DEFINE_FINAL_TYPE (CercleSyncService, cercle_sync_service, G_TYPE_OBJECT)

static void schedule_round (CercleSyncService *self, guint delay_ms);
static void account_disabled (CercleSyncService *self, const GError *error);

static void
set_engine (CercleSyncService *self,
            CercleClient      *client)
{
  g_clear_object (&self->engine);
  g_set_object (&self->client, client);
  self->engine = cercle_sync_engine_new (self->db, client);
  if (self->page_size)
    cercle_sync_engine_set_page_size (self->engine, self->page_size);
  if (self->batch_size)
    cercle_sync_engine_set_batch_size (self->engine, self->batch_size);
}

/* ------------------------------------------------------------- settings -- */

static GSettings *
settings_new (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = source ? g_settings_schema_source_lookup (source, APP_ID, TRUE) : NULL;

  /* The service may run where the app's schema is not installed: it then
   * uses the defaults. */
  if (schema == NULL || !g_settings_schema_has_key (schema, "sync-interval"))
    return NULL;
  return g_settings_new_full (schema, NULL, NULL);
}

static guint
interval_s (CercleSyncService *self)
{
  guint seconds = self->settings ? g_settings_get_uint (self->settings, "sync-interval") : DEFAULT_INTERVAL_S;

  return MAX (seconds, 5);
}

static gboolean
notifications_on (CercleSyncService *self)
{
  return self->settings ? g_settings_get_boolean (self->settings, "notifications") : TRUE;
}

static char *
ca_file (CercleSyncService *self)
{
  g_autofree char *path = self->settings ? g_settings_get_string (self->settings, "ca-file") : NULL;

  return path && *path ? g_steal_pointer (&path) : NULL;
}

/* ---------------------------------------------------------------- state -- */

static void
update_counts (CercleSyncService *self)
{
  guint pending, refused;

  cercle_sync_store_count_outbox (self->db, &pending, &refused);
  cercle_dbus_sync_set_pending_count (self->skeleton, pending);
  cercle_dbus_sync_set_refused_count (self->skeleton, refused);
}

static void
set_state (CercleSyncService *self,
           const char        *state,
           const char        *error)
{
  cercle_dbus_sync_set_state (self->skeleton, state);
  cercle_dbus_sync_set_last_error (self->skeleton, error ? error : "");
  update_counts (self);
}

static void
set_account_properties (CercleSyncService *self)
{
  g_autofree char *server = NULL;
  g_autofree char *login = NULL;
  g_autofree char *practitioner = NULL;
  g_autofree char *organization = NULL;

  cercle_store_get_account (self->db, &server, &login, &practitioner, &organization, NULL);
  cercle_dbus_sync_set_server_url (self->skeleton, server ? server : "");
  cercle_dbus_sync_set_login (self->skeleton, login ? login : "");
  cercle_dbus_sync_set_practitioner (self->skeleton, practitioner ? practitioner : "");
  cercle_dbus_sync_set_organization (self->skeleton, organization ? organization : "");
}

static void
return_error (GDBusMethodInvocation *invocation,
              const char            *message)
{
  g_dbus_method_invocation_return_dbus_error (invocation, ERROR_NAME, message);
}

static void
answer_waiters (CercleSyncService *self,
                const char        *message)
{
  g_autoptr(GPtrArray) waiters = g_steal_pointer (&self->waiters);

  self->waiters = g_ptr_array_new ();
  for (guint i = 0; i < waiters->len; i++)
    {
      GDBusMethodInvocation *invocation = g_ptr_array_index (waiters, i);

      if (message)
        return_error (invocation, message);
      else
        cercle_dbus_sync_complete_sync_and_wait (self->skeleton, invocation);
    }
}

/* -------------------------------------------------------- notifications -- */

static void
action_invoked_cb (GDBusConnection *connection,
                   const char      *sender,
                   const char      *path,
                   const char      *interface,
                   const char      *signal,
                   GVariant        *parameters,
                   gpointer         user_data)
{
  CercleSyncService *self = user_data;
  guint32 id;
  const char *action;
  const char *what;
  g_auto(GStrv) parts = NULL;

  g_variant_get (parameters, "(u&s)", &id, &action);
  what = g_hash_table_lookup (self->notifications, GUINT_TO_POINTER (id));
  if (what == NULL || !g_str_equal (action, "default"))
    return;
  parts = g_strsplit (what, "\t", 2);
  /* The app's own actions (appsync): present the window on that patient
   * or referral, starting the app if need be. */
  g_dbus_connection_call (connection, APP_ID, "/fr/cercle/Cercle", "org.freedesktop.Application", "ActivateAction",
                          g_variant_new ("(s@av@a{sv})", parts[0],
                                         g_variant_new_array (G_VARIANT_TYPE_VARIANT,
                                                              (GVariant *[]) { g_variant_new_variant (g_variant_new_string (parts[1])) }, 1),
                                         g_variant_new_array (G_VARIANT_TYPE ("{sv}"), NULL, 0)),
                          NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL, NULL);
  g_hash_table_remove (self->notifications, GUINT_TO_POINTER (id));
}

typedef struct {
  CercleSyncService *self;
  char              *what;
} NotifyData;

static void
notified_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  NotifyData *data = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);

  if (reply)
    {
      guint32 id;

      g_variant_get (reply, "(u)", &id);
      g_hash_table_insert (data->self->notifications, GUINT_TO_POINTER (id), g_steal_pointer (&data->what));
    }
  else
    g_debug ("no notification server: %s", error->message);
  g_object_unref (data->self);
  g_free (data->what);
  g_free (data);
}

static void
send_notification (CercleSyncService *self,
                   const char        *summary,
                   const char        *body,
                   const char        *action,
                   const char        *target)
{
  GVariantBuilder actions, hints;
  NotifyData *data;

  g_variant_builder_init (&actions, G_VARIANT_TYPE ("as"));
  g_variant_builder_add (&actions, "s", "default");
  g_variant_builder_add (&actions, "s", _("Open"));
  g_variant_builder_init (&hints, G_VARIANT_TYPE ("a{sv}"));
  g_variant_builder_add (&hints, "{sv}", "desktop-entry", g_variant_new_string (APP_ID));
  g_variant_builder_add (&hints, "{sv}", "category", g_variant_new_string ("im.received"));

  data = g_new0 (NotifyData, 1);
  data->self = g_object_ref (self);
  data->what = g_strconcat (action, "\t", target, NULL);
  g_dbus_connection_call (self->connection, "org.freedesktop.Notifications", "/org/freedesktop/Notifications",
                          "org.freedesktop.Notifications", "Notify",
                          g_variant_new ("(susssasa{sv}i)", _("Cercle"), 0, APP_ID, summary, body, &actions, &hints, -1),
                          G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NO_AUTO_START, 5000, NULL, notified_cb, data);
}

static char *
patient_name (CercleSyncService *self,
              const char        *patient_id)
{
  g_autoptr(CerclePatient) patient = patient_id ? cercle_patient_repo_get (self->db, patient_id, NULL) : NULL;

  return patient ? cercle_patient_dup_display_name (patient) : g_strdup (_("a patient"));
}

static void
notify_round (CercleSyncService *self,
              CercleSyncRound   *round)
{
  guint notes = 0;

  if (!notifications_on (self) || round->notices->len == 0)
    return;
  for (guint i = 0; i < round->notices->len; i++)
    {
      CercleSyncNotice *notice = g_ptr_array_index (round->notices, i);
      g_autofree char *name = patient_name (self, notice->patient_id);
      g_autofree char *summary = NULL;

      if (notice->kind == CERCLE_SYNC_NOTICE_NOTE)
        {
          const char *label = cercle_note_category_label (notice->detail);

          /* A first pull of many notes would flood the screen: a handful,
           * then silence (the app shows them as unread). */
          if (++notes > 5)
            continue;
          /* TRANSLATORS: %s is a patient's name */
          summary = g_strdup_printf (_("New note for %s"), name);
          send_notification (self, summary, label ? label : _("Follow-up note"), "open-patient", notice->target_id);
        }
      else
        {
          const char *label;

          /* TRANSLATORS: %s is a patient's name */
          summary = g_strdup_printf (_("Referral for %s"), name);
          label = cercle_referral_status_label (notice->detail, notice->business);
          send_notification (self, summary, label ? label : _("Status changed"), "open-referral", notice->target_id);
        }
    }
}

/* ---------------------------------------------------------------- round -- */

static gboolean
has_due_rows (CercleSyncService *self)
{
  sqlite3_stmt *stmt = cercle_db_prepare (self->db,
                                          "SELECT 1 FROM outbox WHERE state = 'pending' AND (next_attempt_at IS NULL"
                                          " OR next_attempt_at <= strftime('%Y-%m-%dT%H:%M:%fZ','now')) LIMIT 1",
                                          NULL);
  gboolean due;

  if (stmt == NULL)
    return FALSE;
  due = sqlite3_step (stmt) == SQLITE_ROW;
  sqlite3_reset (stmt);
  return due;
}

static void
schedule_next (CercleSyncService *self,
               gint64             retry_at)
{
  guint delay_ms = interval_s (self) * 1000;

  if (retry_at > 0)
    {
      gint64 wait_ms = (retry_at - g_get_real_time ()) / 1000;

      delay_ms = MIN ((gint64) delay_ms, MAX (wait_ms, 50));
    }
  g_clear_handle_id (&self->timer_id, g_source_remove);
  schedule_round (self, delay_ms);
}

static void
round_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(CercleSyncService) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(CercleSyncRound) round = cercle_sync_engine_round_finish (CERCLE_SYNC_ENGINE (source), result, &error);
  gboolean big;

  self->running = FALSE;
  if (round == NULL)
    {
      gint64 seconds = MIN ((gint64) 1 << MIN (self->failures + 1, 9), RETRY_MAX_S);

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      self->failures++;
      if (g_error_matches (error, CERCLE_CLIENT_ERROR, CERCLE_CLIENT_ERROR_ACCOUNT_DISABLED))
        {
          account_disabled (self, error);
          return;
        }
      if (g_error_matches (error, CERCLE_CLIENT_ERROR, CERCLE_CLIENT_ERROR_SIGNED_OUT))
        {
          set_state (self, "auth-required", error->message);
          answer_waiters (self, error->message);
          return;
        }
      set_state (self, g_error_matches (error, CERCLE_CLIENT_ERROR, CERCLE_CLIENT_ERROR_NETWORK) ? "offline" : "error",
                 error->message);
      g_debug ("round failed (%u in a row): %s", self->failures, error->message);
      answer_waiters (self, error->message);
      /* with jitter, as for the outbox rows */
      schedule_next (self, g_get_real_time () + g_random_int_range (seconds * 500, seconds * 1000 + 1) * (gint64) 1000);
      return;
    }

  /* before the arrays get their NULL ends for the signal */
  big = round->pulled > 1000 || round->pushed > 1000
        || g_ptr_array_find_with_equal_func (round->kinds, "Organization", g_str_equal, NULL);
  self->failures = 0;
  cercle_dbus_sync_set_last_sync (self->skeleton, g_get_real_time ());
  set_state (self, "idle", NULL);
  if (round->kinds->len > 0 || round->patients->len > 0)
    {
      g_ptr_array_add (round->kinds, NULL);
      g_ptr_array_add (round->patients, NULL);
      cercle_dbus_sync_emit_changed (self->skeleton, (const char * const *) round->kinds->pdata,
                                     (const char * const *) round->patients->pdata);
    }
  notify_round (self, round);
  (void) big;
#ifdef __GLIBC__
  /* A big pull (the directory, a first sync) leaves freed pages in
   * malloc's arenas: give them back, the service then rests small. */
  if (big)
    malloc_trim (0);
#endif

  if (self->again || (round->pushed > 0 && has_due_rows (self)))
    {
      /* asked for meanwhile, or written while we pushed */
      self->again = FALSE;
      schedule_round (self, 0);
      return;
    }
  if (self->waiters->len > 0)
    {
      guint pending, refused;

      cercle_sync_store_count_outbox (self->db, &pending, &refused);
      if (refused > 0)
        {
          g_autofree char *message = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                                   "%u change was refused by the server",
                                                                   "%u changes were refused by the server",
                                                                   refused),
                                                      refused);
          answer_waiters (self, message);
        }
      else if (pending > 0 && round->retry_at > 0)
        answer_waiters (self, _("Some changes are waiting to be sent again"));
      else
        answer_waiters (self, NULL);
    }
  schedule_next (self, round->retry_at);
}

static gboolean
round_now (gpointer user_data)
{
  CercleSyncService *self = user_data;

  self->debounce_id = 0;
  self->timer_id = 0;
  if (self->engine == NULL)
    {
      answer_waiters (self, _("Nobody is signed in: sign in first"));
      return G_SOURCE_REMOVE;
    }
  if (self->running || self->restoring)
    {
      /* after the round under way, or once the session is back */
      self->again = TRUE;
      return G_SOURCE_REMOVE;
    }
  self->running = TRUE;
  set_state (self, "syncing", NULL);
  cercle_sync_engine_round_async (self->engine, self->cancellable, round_done_cb, g_object_ref (self));
  return G_SOURCE_REMOVE;
}

static void
schedule_round (CercleSyncService *self,
                guint              delay_ms)
{
  if (delay_ms == 0 || delay_ms == DEBOUNCE_MS)
    {
      /* asked for: supersedes the clock */
      g_clear_handle_id (&self->timer_id, g_source_remove);
      if (self->debounce_id == 0)
        self->debounce_id = g_timeout_add (delay_ms, round_now, self);
      return;
    }
  if (self->timer_id == 0 && self->debounce_id == 0)
    self->timer_id = g_timeout_add (delay_ms, round_now, self);
}

/* ------------------------------------------------------------- sessions -- */

static gboolean
setup_client (CercleSyncService  *self,
              const char         *server,
              GError            **error)
{
  g_autoptr(CercleClient) client = cercle_client_new (server, CERCLE_CLIENT_FLAGS_KEYRING, error);
  g_autofree char *ca = ca_file (self);

  if (client == NULL)
    return FALSE;
  if (self->request_timeout)
    cercle_client_set_timeout (client, self->request_timeout);
  if (ca && !cercle_client_set_ca_file (client, ca, error))
    return FALSE;
  set_engine (self, client);
  return TRUE;
}

static void
restored_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(CercleSyncService) self = user_data;
  g_autoptr(GError) error = NULL;

  if (CERCLE_CLIENT (source) != self->client)
    return;
  self->restoring = FALSE;
  self->again = FALSE;
  if (cercle_client_restore_finish (CERCLE_CLIENT (source), result, &error))
    {
      set_state (self, "idle", NULL);
      schedule_round (self, 0);
    }
  else if (g_error_matches (error, CERCLE_CLIENT_ERROR, CERCLE_CLIENT_ERROR_NETWORK))
    {
      /* the session is kept: the next request renews it */
      set_state (self, "offline", error->message);
      schedule_next (self, g_get_real_time () + 2 * G_USEC_PER_SEC);
    }
  else if (g_error_matches (error, CERCLE_CLIENT_ERROR, CERCLE_CLIENT_ERROR_ACCOUNT_DISABLED))
    account_disabled (self, error);
  else
    {
      g_clear_object (&self->engine);
      set_state (self, "auth-required", error->message);
      answer_waiters (self, error->message);
    }
}

typedef struct {
  CercleSyncService     *self;
  GDBusMethodInvocation *invocation;
  CercleClient          *client;
} SignInData;

static void
signed_in_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  SignInData *data = user_data;
  CercleSyncService *self = data->self;
  CercleClient *client = CERCLE_CLIENT (source);
  g_autoptr(GError) error = NULL;
  g_autofree char *old_server = NULL;
  g_autofree char *old_login = NULL;

  if (!cercle_client_sign_in_finish (client, result, &error))
    {
      return_error (data->invocation, error->message);
      goto out;
    }

  /* Another account's files never stay under this one. */
  if (cercle_store_get_account (self->db, &old_server, &old_login, NULL, NULL, NULL)
      && (g_strcmp0 (old_server, cercle_client_get_server_url (client)) != 0
          || g_strcmp0 (old_login, cercle_client_get_login (client)) != 0))
    {
      if (!cercle_db_begin (self->db, &error)
          || !cercle_store_clear_account (self->db, &error)
          || !cercle_sync_store_reset (self->db, &error)
          || !cercle_db_commit (self->db, &error))
        {
          cercle_db_rollback (self->db);
          return_error (data->invocation, error->message);
          goto out;
        }
    }
  if (!cercle_store_set_account (self->db, cercle_client_get_server_url (client), cercle_client_get_login (client),
                                 cercle_client_get_fhir_user (client), cercle_client_get_organization (client),
                                 cercle_client_get_login (client), &error))
    {
      return_error (data->invocation, error->message);
      goto out;
    }
  set_engine (self, client);
  self->restoring = FALSE;
  self->failures = 0;
  set_account_properties (self);
  set_state (self, "idle", NULL);
  g_info ("signed in as %s", cercle_client_get_login (client));
  cercle_dbus_sync_complete_sign_in (self->skeleton, data->invocation);
  schedule_round (self, 0);

out:
  g_object_unref (data->invocation);
  g_object_unref (data->client);
  g_object_unref (data->self);
  g_free (data);
}

static gboolean
handle_sign_in (CercleDBusSync        *skeleton,
                GDBusMethodInvocation *invocation,
                const char            *server,
                const char            *login,
                const char            *password,
                CercleSyncService     *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CercleClient) client = NULL;
  g_autofree char *ca = ca_file (self);
  SignInData *data;

  if (*login == '\0' || *password == '\0')
    {
      return_error (invocation, _("Give a login and a password"));
      return TRUE;
    }
  client = cercle_client_new (server, CERCLE_CLIENT_FLAGS_KEYRING, &error);
  if (client && self->request_timeout)
    cercle_client_set_timeout (client, self->request_timeout);
  if (client && ca && !cercle_client_set_ca_file (client, ca, &error))
    g_clear_object (&client);
  if (client == NULL)
    {
      return_error (invocation, error->message);
      return TRUE;
    }
  data = g_new0 (SignInData, 1);
  data->self = g_object_ref (self);
  data->invocation = g_object_ref (invocation);
  data->client = g_object_ref (client);
  cercle_client_sign_in_async (client, login, password, self->cancellable, signed_in_cb, data);
  return TRUE;
}

static void
forget_account (CercleSyncService *self)
{
  g_autoptr(GError) error = NULL;

  if (!cercle_db_begin (self->db, &error)
      || !cercle_store_clear_account (self->db, &error)
      || !cercle_sync_store_reset (self->db, &error)
      || !cercle_db_commit (self->db, &error))
    {
      cercle_db_rollback (self->db);
      g_warning ("could not clear the local store: %s", error->message);
    }
  g_clear_object (&self->engine);
  g_clear_object (&self->client);
  g_clear_handle_id (&self->timer_id, g_source_remove);
  g_clear_handle_id (&self->debounce_id, g_source_remove);
  set_account_properties (self);
  set_state (self, "signed-out", NULL);
  cercle_dbus_sync_emit_changed (self->skeleton, (const char *[]) { "Patient", NULL }, (const char *[]) { NULL });
}

/* The server disabled the account: no sign-in brings its session back, so
 * the patients' files it received leave this computer now (domain.md §7),
 * as at a sign-out; the client already removed the keyring item. */
static void
account_disabled (CercleSyncService *self,
                  const GError      *error)
{
  g_info ("the account was disabled on the server: its patient files are removed");
  answer_waiters (self, error->message);
  forget_account (self);
  set_state (self, "signed-out", error->message);
}

typedef struct {
  CercleSyncService     *self;
  GDBusMethodInvocation *invocation;
} SignOutData;

static void
keyring_cleared_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  SignOutData *data = user_data;
  g_autoptr(GError) error = NULL;

  if (!cercle_keyring_clear_finish (result, &error))
    g_debug ("keyring: %s", error->message);
  cercle_dbus_sync_complete_sign_out (data->self->skeleton, data->invocation);
  g_object_unref (data->invocation);
  g_object_unref (data->self);
  g_free (data);
}

static void
signed_out_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  SignOutData *data = user_data;
  g_autoptr(GError) error = NULL;

  /* Forgotten here and in the keyring even when the server could not be
   * told (the client says so in the error). */
  if (!cercle_client_sign_out_finish (CERCLE_CLIENT (source), result, &error))
    g_debug ("sign-out: %s", error->message);
  cercle_dbus_sync_complete_sign_out (data->self->skeleton, data->invocation);
  g_object_unref (data->invocation);
  g_object_unref (data->self);
  g_free (data);
}

static gboolean
handle_sign_out (CercleDBusSync        *skeleton,
                 GDBusMethodInvocation *invocation,
                 CercleSyncService     *self)
{
  g_autoptr(CercleClient) client = self->client ? g_object_ref (self->client) : NULL;
  g_autofree char *server = NULL;
  g_autofree char *login = NULL;
  SignOutData *data = g_new0 (SignOutData, 1);

  data->self = g_object_ref (self);
  data->invocation = g_object_ref (invocation);
  cercle_store_get_account (self->db, &server, &login, NULL, NULL, NULL);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  self->running = FALSE;
  answer_waiters (self, _("Signed out"));
  forget_account (self);
  if (client && cercle_client_get_signed_in (client))
    cercle_client_sign_out_async (client, NULL, signed_out_cb, data);
  else if (server && login)
    cercle_keyring_clear_async (server, login, NULL, keyring_cleared_cb, data);
  else
    keyring_cleared_cb (NULL, NULL, data);
  return TRUE;
}

static gboolean
handle_sync_now (CercleDBusSync        *skeleton,
                 GDBusMethodInvocation *invocation,
                 CercleSyncService     *self)
{
  update_counts (self);
  if (self->engine)
    schedule_round (self, self->running ? 0 : DEBOUNCE_MS);
  cercle_dbus_sync_complete_sync_now (skeleton, invocation);
  return TRUE;
}

static gboolean
handle_sync_and_wait (CercleDBusSync        *skeleton,
                      GDBusMethodInvocation *invocation,
                      CercleSyncService     *self)
{
  if (self->engine == NULL)
    {
      const char *state = cercle_dbus_sync_get_state (skeleton);

      return_error (invocation, g_strcmp0 (state, "auth-required") == 0
                                ? _("The session has ended: sign in again")
                                : _("Nobody is signed in: sign in first"));
      return TRUE;
    }
  g_ptr_array_add (self->waiters, g_object_ref (invocation));
  /* a row waiting for its next attempt goes now: the user asked */
  cercle_db_exec (self->db, "UPDATE outbox SET next_attempt_at = NULL WHERE state = 'pending'", NULL);
  if (self->running)
    self->again = TRUE;
  else
    schedule_round (self, 0);
  return TRUE;
}

static void
network_changed_cb (GNetworkMonitor   *monitor,
                    gboolean           available,
                    CercleSyncService *self)
{
  if (available && self->engine && !g_strcmp0 (cercle_dbus_sync_get_state (self->skeleton), "offline"))
    schedule_round (self, DEBOUNCE_MS);
}

static void
settings_changed_cb (GSettings         *settings,
                     const char        *key,
                     CercleSyncService *self)
{
  if (g_str_equal (key, "sync-interval") && !self->running && self->engine)
    {
      g_clear_handle_id (&self->timer_id, g_source_remove);
      schedule_next (self, 0);
    }
}

/* --------------------------------------------------------------- object -- */

static void
cercle_sync_service_dispose (GObject *object)
{
  CercleSyncService *self = CERCLE_SYNC_SERVICE (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->timer_id, g_source_remove);
  g_clear_handle_id (&self->debounce_id, g_source_remove);
  if (self->action_signal)
    g_dbus_connection_signal_unsubscribe (self->connection, self->action_signal);
  self->action_signal = 0;
  if (self->monitor)
    g_signal_handlers_disconnect_by_data (self->monitor, self);
  g_clear_object (&self->skeleton);
  g_clear_object (&self->connection);
  g_clear_object (&self->engine);
  g_clear_object (&self->client);
  g_clear_object (&self->db);
  g_clear_object (&self->settings);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->waiters, g_ptr_array_unref);
  g_clear_pointer (&self->notifications, g_hash_table_unref);
  G_OBJECT_CLASS (cercle_sync_service_parent_class)->dispose (object);
}

static void
cercle_sync_service_class_init (CercleSyncServiceClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = cercle_sync_service_dispose;
}

static void
cercle_sync_service_init (CercleSyncService *self)
{
  self->cancellable = g_cancellable_new ();
  self->waiters = g_ptr_array_new ();
  self->notifications = g_hash_table_new_full (NULL, NULL, NULL, g_free);
}

/**
 * cercle_sync_service_new:
 * @db_path: the local store
 * @request_timeout: seconds a request may take, 0 for the default
 * @page_size: entries of a feed page, 0 for the default
 * @batch_size: outbox rows sent as one transaction, 0 for the default
 * @error: return location for a #GError
 *
 * Opens the store, and takes up the recorded account's session from the
 * keyring (asynchronously: the state says how it went).
 *
 * Returns: (transfer full): the service, or %NULL
 */
CercleSyncService *
cercle_sync_service_new (const char  *db_path,
                         guint        request_timeout,
                         guint        page_size,
                         guint        batch_size,
                         GError     **error)
{
  g_autoptr(CercleSyncService) self = g_object_new (CERCLE_TYPE_SYNC_SERVICE, NULL);
  g_autofree char *server = NULL;
  g_autofree char *login = NULL;
  g_autofree char *dir = g_path_get_dirname (db_path);

  g_mkdir_with_parents (dir, 0700);
  self->db = cercle_store_open (db_path, error);
  if (self->db == NULL)
    return NULL;
  self->request_timeout = request_timeout;
  self->page_size = page_size;
  self->batch_size = batch_size;
  self->settings = settings_new ();
  if (self->settings)
    g_signal_connect (self->settings, "changed", G_CALLBACK (settings_changed_cb), self);
  self->monitor = g_network_monitor_get_default ();
  g_signal_connect (self->monitor, "network-changed", G_CALLBACK (network_changed_cb), self);

  self->skeleton = cercle_dbus_sync_skeleton_new ();
  g_signal_connect (self->skeleton, "handle-sign-in", G_CALLBACK (handle_sign_in), self);
  g_signal_connect (self->skeleton, "handle-sign-out", G_CALLBACK (handle_sign_out), self);
  g_signal_connect (self->skeleton, "handle-sync-now", G_CALLBACK (handle_sync_now), self);
  g_signal_connect (self->skeleton, "handle-sync-and-wait", G_CALLBACK (handle_sync_and_wait), self);
  set_account_properties (self);

  if (cercle_store_get_account (self->db, &server, &login, NULL, NULL, NULL))
    {
      g_autoptr(GError) local_error = NULL;

      if (!setup_client (self, server, &local_error))
        set_state (self, "error", local_error->message);
      else
        {
          set_state (self, "syncing", NULL);
          self->restoring = TRUE;
          cercle_client_restore_async (self->client, login, self->cancellable, restored_cb, g_object_ref (self));
        }
    }
  else
    set_state (self, "signed-out", NULL);
  return g_steal_pointer (&self);
}

/**
 * cercle_sync_service_export:
 * @self: a #CercleSyncService
 * @connection: the session bus
 * @error: return location for a #GError
 *
 * Returns: %TRUE when the object is on the bus
 */
gboolean
cercle_sync_service_export (CercleSyncService  *self,
                            GDBusConnection    *connection,
                            GError            **error)
{
  g_set_object (&self->connection, connection);
  self->action_signal = g_dbus_connection_signal_subscribe (connection, NULL, "org.freedesktop.Notifications",
                                                            "ActionInvoked", "/org/freedesktop/Notifications",
                                                            NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                                            action_invoked_cb, self, NULL);
  return g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (self->skeleton), connection, OBJECT_PATH, error);
}
