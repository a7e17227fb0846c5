/* cercle-sync-status.c — the sync service's state, for the widgets
 *
 * The app never signs in nor syncs itself: cercle-syncd does, on the session
 * bus (fr.cercle.Cercle.Sync, see src/libcercle/fr.cercle.Cercle.Sync.xml).
 * CercleSyncStatus wraps the generated proxy so that widgets can bind to
 * plain GObject properties and never deal with D-Bus: it follows the
 * service's PropertiesChanged (no polling), notices when the service comes
 * and goes, relays its Changed signal, and turns D-Bus failures into French
 * messages. Only GIO and the generated proxy here, no GTK, so that any page
 * (patients, referrals) can use it.
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "cercle-sync-dbus.h"
#include "cercle-sync-status.h"

#define SYNC_BUS_NAME "fr.cercle.Cercle.Sync"
#define SYNC_OBJECT_PATH "/fr/cercle/Cercle/Sync"

/* SignIn and SignOut talk to the server: longer than D-Bus's default 25 s,
 * the service has its own network timeouts below this one. */
#define SLOW_CALL_TIMEOUT_MS (90 * 1000)

struct _CercleSyncStatus
{
  GObject         parent_instance;

  CercleDBusSync *proxy;
  GCancellable   *cancellable;
  gboolean        watch_only;

  gboolean        ready;
  gboolean        available;
  char           *state;
  char           *last_error;
  gint64          last_sync;
  guint           pending_count;
  guint           refused_count;
  char           *server_url;
  char           *login;
  char           *practitioner;
  char           *organization;
  gboolean        signed_in;
  gboolean        can_sign_in;
  gboolean        can_sync;
};

G_DEFINE_FINAL_TYPE (CercleSyncStatus, cercle_sync_status, G_TYPE_OBJECT)

G_DEFINE_QUARK (cercle-sync-status-error-quark, cercle_sync_status_error)

enum {
  PROP_0,
  PROP_READY,
  PROP_AVAILABLE,
  PROP_STATE,
  PROP_LAST_ERROR,
  PROP_LAST_SYNC,
  PROP_PENDING_COUNT,
  PROP_REFUSED_COUNT,
  PROP_SERVER_URL,
  PROP_LOGIN,
  PROP_PRACTITIONER,
  PROP_ORGANIZATION,
  PROP_SIGNED_IN,
  PROP_CAN_SIGN_IN,
  PROP_CAN_SYNC,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
set_string (CercleSyncStatus  *self,
            char             **field,
            const char        *value,
            guint              prop)
{
  if (value == NULL)
    value = "";
  if (g_strcmp0 (*field, value) == 0)
    return;
  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

#define SET_VALUE(field, value, prop) \
  G_STMT_START { \
    if (self->field != (value)) \
      { \
        self->field = (value); \
        g_object_notify_by_pspec (G_OBJECT (self), properties[prop]); \
      } \
  } G_STMT_END

/* Reads everything again from the proxy's cache: on PropertiesChanged and
 * when the service appears (GDBusProxy then loads every property at once
 * without a PropertiesChanged) or vanishes (the cache empties). */
static void
refresh (CercleSyncStatus *self)
{
  g_autofree char *owner = NULL;
  CercleDBusSync *p = self->proxy;
  gboolean available;
  gboolean signed_in;

  if (p != NULL)
    owner = g_dbus_proxy_get_name_owner (G_DBUS_PROXY (p));
  available = owner != NULL;
  if (!available)
    p = NULL;

  g_object_freeze_notify (G_OBJECT (self));

  SET_VALUE (available, available, PROP_AVAILABLE);
  set_string (self, &self->state, p ? cercle_dbus_sync_get_state (p) : NULL, PROP_STATE);
  set_string (self, &self->last_error, p ? cercle_dbus_sync_get_last_error (p) : NULL, PROP_LAST_ERROR);
  SET_VALUE (last_sync, p ? cercle_dbus_sync_get_last_sync (p) : 0, PROP_LAST_SYNC);
  SET_VALUE (pending_count, p ? cercle_dbus_sync_get_pending_count (p) : 0, PROP_PENDING_COUNT);
  SET_VALUE (refused_count, p ? cercle_dbus_sync_get_refused_count (p) : 0, PROP_REFUSED_COUNT);
  set_string (self, &self->server_url, p ? cercle_dbus_sync_get_server_url (p) : NULL, PROP_SERVER_URL);
  set_string (self, &self->login, p ? cercle_dbus_sync_get_login (p) : NULL, PROP_LOGIN);
  set_string (self, &self->practitioner, p ? cercle_dbus_sync_get_practitioner (p) : NULL, PROP_PRACTITIONER);
  set_string (self, &self->organization, p ? cercle_dbus_sync_get_organization (p) : NULL, PROP_ORGANIZATION);

  /* An account is known in every state but "signed-out" (and "" while the
   * service's properties are not there). */
  signed_in = available && self->state[0] != '\0' && g_strcmp0 (self->state, "signed-out") != 0;
  SET_VALUE (signed_in, signed_in, PROP_SIGNED_IN);
  /* Signing in again is what an ended session needs; without the service
   * the dialog still opens, to say why it cannot work. */
  SET_VALUE (can_sign_in, !signed_in || g_strcmp0 (self->state, "auth-required") == 0, PROP_CAN_SIGN_IN);
  SET_VALUE (can_sync, signed_in && g_strcmp0 (self->state, "auth-required") != 0, PROP_CAN_SYNC);

  g_object_thaw_notify (G_OBJECT (self));
}

static void
proxy_changed_cb (CercleDBusSync      *proxy,
                  const char * const  *kinds,
                  const char * const  *patients,
                  CercleSyncStatus    *self)
{
  g_signal_emit (self, signals[CHANGED], 0, kinds, patients);
}

static void
proxy_ready_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(CercleSyncStatus) self = user_data;
  g_autoptr(GError) error = NULL;
  CercleDBusSync *proxy;

  proxy = cercle_dbus_sync_proxy_new_for_bus_finish (result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (proxy == NULL && !self->watch_only)
    {
      /* The service is installed but its activation failed: watch for it
       * without starting it, so that it is seen if it comes up later. */
      g_debug ("Sync service activation failed: %s", error->message);
      self->watch_only = TRUE;
      cercle_dbus_sync_proxy_new_for_bus (G_BUS_TYPE_SESSION,
                                          G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START,
                                          SYNC_BUS_NAME,
                                          SYNC_OBJECT_PATH,
                                          self->cancellable,
                                          proxy_ready_cb,
                                          g_object_ref (self));
      return;
    }
  if (proxy == NULL)
    {
      /* No session bus at all: the app works on its own; sign-in says why
       * it cannot sync. */
      g_debug ("No sync service: %s", error->message);
      self->ready = TRUE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_READY]);
      refresh (self);
      return;
    }

  self->proxy = proxy;
  g_signal_connect_object (proxy, "g-properties-changed", G_CALLBACK (refresh), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (proxy, "notify::g-name-owner", G_CALLBACK (refresh), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (proxy, "changed", G_CALLBACK (proxy_changed_cb), self, 0);

  self->ready = TRUE;
  g_object_freeze_notify (G_OBJECT (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_READY]);
  refresh (self);
  g_object_thaw_notify (G_OBJECT (self));
}

static void
cercle_sync_status_constructed (GObject *object)
{
  CercleSyncStatus *self = CERCLE_SYNC_STATUS (object);

  G_OBJECT_CLASS (cercle_sync_status_parent_class)->constructed (object);

  /* Creating the proxy starts the service by D-Bus activation when it is
   * installed; when it is not, the proxy still watches the name, so a
   * service started later is seen. */
  cercle_dbus_sync_proxy_new_for_bus (G_BUS_TYPE_SESSION,
                                      G_DBUS_PROXY_FLAGS_NONE,
                                      SYNC_BUS_NAME,
                                      SYNC_OBJECT_PATH,
                                      self->cancellable,
                                      proxy_ready_cb,
                                      g_object_ref (self));
}

static void
cercle_sync_status_dispose (GObject *object)
{
  CercleSyncStatus *self = CERCLE_SYNC_STATUS (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->proxy);

  G_OBJECT_CLASS (cercle_sync_status_parent_class)->dispose (object);
}

static void
cercle_sync_status_finalize (GObject *object)
{
  CercleSyncStatus *self = CERCLE_SYNC_STATUS (object);

  g_clear_object (&self->cancellable);
  g_free (self->state);
  g_free (self->last_error);
  g_free (self->server_url);
  g_free (self->login);
  g_free (self->practitioner);
  g_free (self->organization);

  G_OBJECT_CLASS (cercle_sync_status_parent_class)->finalize (object);
}

static void
cercle_sync_status_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  CercleSyncStatus *self = CERCLE_SYNC_STATUS (object);

  switch (prop_id)
    {
    case PROP_READY:
      g_value_set_boolean (value, self->ready);
      break;
    case PROP_AVAILABLE:
      g_value_set_boolean (value, self->available);
      break;
    case PROP_STATE:
      g_value_set_string (value, self->state);
      break;
    case PROP_LAST_ERROR:
      g_value_set_string (value, self->last_error);
      break;
    case PROP_LAST_SYNC:
      g_value_set_int64 (value, self->last_sync);
      break;
    case PROP_PENDING_COUNT:
      g_value_set_uint (value, self->pending_count);
      break;
    case PROP_REFUSED_COUNT:
      g_value_set_uint (value, self->refused_count);
      break;
    case PROP_SERVER_URL:
      g_value_set_string (value, self->server_url);
      break;
    case PROP_LOGIN:
      g_value_set_string (value, self->login);
      break;
    case PROP_PRACTITIONER:
      g_value_set_string (value, self->practitioner);
      break;
    case PROP_ORGANIZATION:
      g_value_set_string (value, self->organization);
      break;
    case PROP_SIGNED_IN:
      g_value_set_boolean (value, self->signed_in);
      break;
    case PROP_CAN_SIGN_IN:
      g_value_set_boolean (value, self->can_sign_in);
      break;
    case PROP_CAN_SYNC:
      g_value_set_boolean (value, self->can_sync);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static GParamSpec *
string_property (const char *name)
{
  return g_param_spec_string (name, NULL, NULL, "",
                              G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
}

static GParamSpec *
boolean_property (const char *name)
{
  return g_param_spec_boolean (name, NULL, NULL, FALSE,
                               G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
}

static void
cercle_sync_status_class_init (CercleSyncStatusClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = cercle_sync_status_constructed;
  object_class->dispose = cercle_sync_status_dispose;
  object_class->finalize = cercle_sync_status_finalize;
  object_class->get_property = cercle_sync_status_get_property;

  /**
   * CercleSyncStatus:ready:
   *
   * Whether the first look for the service is over (found or not).
   */
  properties[PROP_READY] = boolean_property ("ready");
  /**
   * CercleSyncStatus:available:
   *
   * Whether cercle-syncd is running on the session bus.
   */
  properties[PROP_AVAILABLE] = boolean_property ("available");
  /**
   * CercleSyncStatus:state:
   *
   * The service's State ("offline", "idle", "syncing", "error",
   * "auth-required", "signed-out"), "" while it is not there.
   */
  properties[PROP_STATE] = string_property ("state");
  properties[PROP_LAST_ERROR] = string_property ("last-error");
  /**
   * CercleSyncStatus:last-sync:
   *
   * When the last round ended well, in µs since the epoch (UTC); 0 if never.
   */
  properties[PROP_LAST_SYNC] =
    g_param_spec_int64 ("last-sync", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PENDING_COUNT] =
    g_param_spec_uint ("pending-count", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_REFUSED_COUNT] =
    g_param_spec_uint ("refused-count", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SERVER_URL] = string_property ("server-url");
  properties[PROP_LOGIN] = string_property ("login");
  properties[PROP_PRACTITIONER] = string_property ("practitioner");
  properties[PROP_ORGANIZATION] = string_property ("organization");
  /**
   * CercleSyncStatus:signed-in:
   *
   * Whether an account is known to the service (its session may have
   * ended: see #CercleSyncStatus:can-sign-in).
   */
  properties[PROP_SIGNED_IN] = boolean_property ("signed-in");
  /**
   * CercleSyncStatus:can-sign-in:
   *
   * Whether signing in makes sense now: nobody signed in, or the session
   * ended ("auth-required").
   */
  properties[PROP_CAN_SIGN_IN] = boolean_property ("can-sign-in");
  /**
   * CercleSyncStatus:can-sync:
   *
   * Whether asking for a round makes sense: signed in, session alive.
   */
  properties[PROP_CAN_SYNC] = boolean_property ("can-sync");

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * CercleSyncStatus::changed:
   * @kinds: the FHIR resource types that changed in the local store
   * @patients: the ids of the patients whose files changed
   *
   * The service changed the local store (a round, a sign-out): reload
   * only what is named.
   */
  signals[CHANGED] = g_signal_new ("changed",
                                   G_TYPE_FROM_CLASS (klass),
                                   G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL,
                                   G_TYPE_NONE, 2, G_TYPE_STRV, G_TYPE_STRV);
}

static void
cercle_sync_status_init (CercleSyncStatus *self)
{
  self->cancellable = g_cancellable_new ();
  self->state = g_strdup ("");
  self->last_error = g_strdup ("");
  self->server_url = g_strdup ("");
  self->login = g_strdup ("");
  self->practitioner = g_strdup ("");
  self->organization = g_strdup ("");
  self->can_sign_in = TRUE;
}

/**
 * cercle_sync_status_new:
 *
 * Starts looking for the sync service on the session bus (and activates
 * it when it is installed); #CercleSyncStatus:ready turns %TRUE when done.
 *
 * Returns: (transfer full): a new status
 */
CercleSyncStatus *
cercle_sync_status_new (void)
{
  return g_object_new (CERCLE_TYPE_SYNC_STATUS, NULL);
}

gboolean
cercle_sync_status_get_ready (CercleSyncStatus *self)
{
  g_return_val_if_fail (CERCLE_IS_SYNC_STATUS (self), FALSE);
  return self->ready;
}

gboolean
cercle_sync_status_get_available (CercleSyncStatus *self)
{
  g_return_val_if_fail (CERCLE_IS_SYNC_STATUS (self), FALSE);
  return self->available;
}

const char *
cercle_sync_status_get_state (CercleSyncStatus *self)
{
  g_return_val_if_fail (CERCLE_IS_SYNC_STATUS (self), NULL);
  return self->state;
}

const char *
cercle_sync_status_get_last_error (CercleSyncStatus *self)
{
  g_return_val_if_fail (CERCLE_IS_SYNC_STATUS (self), NULL);
  return self->last_error;
}

gint64
cercle_sync_status_get_last_sync (CercleSyncStatus *self)
{
  g_return_val_if_fail (CERCLE_IS_SYNC_STATUS (self), 0);
  return self->last_sync;
}

guint
cercle_sync_status_get_pending_count (CercleSyncStatus *self)
{
  g_return_val_if_fail (CERCLE_IS_SYNC_STATUS (self), 0);
  return self->pending_count;
}

guint
cercle_sync_status_get_refused_count (CercleSyncStatus *self)
{
  g_return_val_if_fail (CERCLE_IS_SYNC_STATUS (self), 0);
  return self->refused_count;
}

const char *
cercle_sync_status_get_server_url (CercleSyncStatus *self)
{
  g_return_val_if_fail (CERCLE_IS_SYNC_STATUS (self), NULL);
  return self->server_url;
}

const char *
cercle_sync_status_get_login (CercleSyncStatus *self)
{
  g_return_val_if_fail (CERCLE_IS_SYNC_STATUS (self), NULL);
  return self->login;
}

const char *
cercle_sync_status_get_practitioner (CercleSyncStatus *self)
{
  g_return_val_if_fail (CERCLE_IS_SYNC_STATUS (self), NULL);
  return self->practitioner;
}

const char *
cercle_sync_status_get_organization (CercleSyncStatus *self)
{
  g_return_val_if_fail (CERCLE_IS_SYNC_STATUS (self), NULL);
  return self->organization;
}

gboolean
cercle_sync_status_get_signed_in (CercleSyncStatus *self)
{
  g_return_val_if_fail (CERCLE_IS_SYNC_STATUS (self), FALSE);
  return self->signed_in;
}

gboolean
cercle_sync_status_get_can_sign_in (CercleSyncStatus *self)
{
  g_return_val_if_fail (CERCLE_IS_SYNC_STATUS (self), FALSE);
  return self->can_sign_in;
}

gboolean
cercle_sync_status_get_can_sync (CercleSyncStatus *self)
{
  g_return_val_if_fail (CERCLE_IS_SYNC_STATUS (self), FALSE);
  return self->can_sync;
}

/* A D-Bus failure as the user reads it: the service's own French message,
 * or why the service could not be reached. */
static GError *
translate_error (GError *error)
{
  if (g_dbus_error_is_remote_error (error)
      && !g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN)
      && !g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_NAME_HAS_NO_OWNER)
      && !g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD)
      && !g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_OBJECT)
      && !g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_INTERFACE)
      && !(error->domain == G_DBUS_ERROR
           && error->code >= G_DBUS_ERROR_SPAWN_EXEC_FAILED
           && error->code <= G_DBUS_ERROR_SPAWN_NO_MEMORY))
    {
      g_dbus_error_strip_remote_error (error);
      return g_error_new_literal (CERCLE_SYNC_STATUS_ERROR, CERCLE_SYNC_STATUS_ERROR_FAILED,
                                  error->message);
    }

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT)
      || g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_NO_REPLY)
      || g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_TIMEOUT))
    return g_error_new_literal (CERCLE_SYNC_STATUS_ERROR, CERCLE_SYNC_STATUS_ERROR_FAILED,
                                _("The sync service did not answer in time: try again in a moment."));

  g_debug ("Sync service unavailable: %s", error->message);
  return g_error_new_literal (CERCLE_SYNC_STATUS_ERROR, CERCLE_SYNC_STATUS_ERROR_UNAVAILABLE,
                              _("The sync service is not installed or not running: your data stay on this computer."));
}

static void
call_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;

  reply = g_dbus_proxy_call_finish (G_DBUS_PROXY (source), result, &error);
  if (reply == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_task_return_error (task, g_steal_pointer (&error));
      else
        g_task_return_error (task, translate_error (error));
      return;
    }
  g_task_return_boolean (task, TRUE);
}

/* Calls METHOD on the service, activating it if it is installed and not
 * running (the proxy was made without DO_NOT_AUTO_START). */
static void
call_method (CercleSyncStatus    *self,
             const char          *method,
             GVariant            *parameters,
             gpointer             source_tag,
             GCancellable        *cancellable,
             GAsyncReadyCallback  callback,
             gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);

  if (self->proxy == NULL)
    {
      if (parameters != NULL)
        g_variant_unref (g_variant_ref_sink (parameters));
      g_task_return_new_error (task, CERCLE_SYNC_STATUS_ERROR, CERCLE_SYNC_STATUS_ERROR_UNAVAILABLE,
                               "%s",
                               _("The sync service is not installed or not running: your data stay on this computer."));
      return;
    }

  g_dbus_proxy_call (G_DBUS_PROXY (self->proxy), method, parameters,
                     G_DBUS_CALL_FLAGS_NONE, SLOW_CALL_TIMEOUT_MS, cancellable,
                     call_done_cb, g_steal_pointer (&task));
}

/**
 * cercle_sync_status_sign_in_async:
 * @self: a sync status
 * @server: the server's base URL
 * @login: the account's login
 * @password: its password, handed to the service and kept nowhere
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the service has answered
 * @user_data: for @callback
 *
 * Asks the service to sign in. The properties follow as the service
 * publishes its new state.
 */
void
cercle_sync_status_sign_in_async (CercleSyncStatus    *self,
                                  const char          *server,
                                  const char          *login,
                                  const char          *password,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_return_if_fail (CERCLE_IS_SYNC_STATUS (self));
  g_return_if_fail (server != NULL && login != NULL && password != NULL);

  call_method (self, "SignIn", g_variant_new ("(sss)", server, login, password),
               cercle_sync_status_sign_in_async, cancellable, callback, user_data);
}

/**
 * cercle_sync_status_sign_in_finish:
 * @self: a sync status
 * @result: the result given to the callback
 * @error: a #CERCLE_SYNC_STATUS_ERROR with a French message
 *
 * Returns: %TRUE if the service signed in
 */
gboolean
cercle_sync_status_sign_in_finish (CercleSyncStatus  *self,
                                   GAsyncResult      *result,
                                   GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == cercle_sync_status_sign_in_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * cercle_sync_status_sign_out_async:
 * @self: a sync status
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the service has answered
 * @user_data: for @callback
 *
 * Asks the service to sign out: it ends the session and removes the
 * account's patient files from the local store (the directory stays).
 */
void
cercle_sync_status_sign_out_async (CercleSyncStatus    *self,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_return_if_fail (CERCLE_IS_SYNC_STATUS (self));

  call_method (self, "SignOut", NULL, cercle_sync_status_sign_out_async, cancellable, callback, user_data);
}

/**
 * cercle_sync_status_sign_out_finish:
 * @self: a sync status
 * @result: the result given to the callback
 * @error: a #CERCLE_SYNC_STATUS_ERROR with a French message
 *
 * Returns: %TRUE if the service signed out
 */
gboolean
cercle_sync_status_sign_out_finish (CercleSyncStatus  *self,
                                    GAsyncResult      *result,
                                    GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == cercle_sync_status_sign_out_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
sync_now_done_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;

  reply = g_dbus_proxy_call_finish (G_DBUS_PROXY (source), result, &error);
  /* The state properties say how the round goes; a missing service is the
   * normal case of a computer that does not sync. */
  if (reply == NULL)
    g_debug ("SyncNow: %s", error->message);
}

/**
 * cercle_sync_status_sync_now:
 * @self: a sync status
 *
 * Asks for a round now, after a local change: best effort, the service
 * being absent is not an error (the change waits in the outbox).
 */
void
cercle_sync_status_sync_now (CercleSyncStatus *self)
{
  g_return_if_fail (CERCLE_IS_SYNC_STATUS (self));

  if (self->proxy == NULL)
    return;
  g_dbus_proxy_call (G_DBUS_PROXY (self->proxy), "SyncNow", NULL,
                     G_DBUS_CALL_FLAGS_NONE, -1, NULL, sync_now_done_cb, NULL);
}

/**
 * cercle_sync_format_relative_time:
 * @then_us: a time in µs since the epoch (UTC)
 * @now_us: the present, in the same unit
 *
 * Returns: (transfer full): how long ago @then_us was, as a person says
 *   it: "just now", "2 min ago", "3 h ago", then the date
 */
char *
cercle_sync_format_relative_time (gint64 then_us,
                                  gint64 now_us)
{
  gint64 seconds = MAX (now_us - then_us, 0) / G_USEC_PER_SEC;
  g_autoptr(GDateTime) then = NULL;

  if (seconds < 60)
    return g_strdup (_("just now"));
  if (seconds < 60 * 60)
    /* Translators: a short relative time, "il y a 2 min" */
    return g_strdup_printf (_("%u min ago"), (guint) (seconds / 60));
  if (seconds < 24 * 60 * 60)
    /* Translators: a short relative time, "il y a 3 h" */
    return g_strdup_printf (_("%u h ago"), (guint) (seconds / 3600));

  then = g_date_time_new_from_unix_local (then_us / G_USEC_PER_SEC);
  /* Translators: an older date ("le 05/12/2026 à 14:30"), in the
   * notation of g_date_time_format(). xgettext:no-c-format */
  return g_date_time_format (then, _("on %d/%m/%Y at %H:%M"));
}
