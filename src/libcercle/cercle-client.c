/* cercle-client.c — the REST client of a care network's cercle-server
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The session is two tokens. The access token goes with every request
 * until a little before it expires; then, or when the server answers 401,
 * the refresh token buys a new pair. Only one refresh is ever in flight:
 * requests that need a token meanwhile wait for it in `waiters`, because
 * the server rotates refresh tokens, and a used one coming back ends the
 * whole session. With CERCLE_CLIENT_FLAGS_KEYRING each new refresh token
 * is in the keyring before anyone is told the refresh is done, so that a
 * restart takes up the newest one.
 *
 * Tokens and passwords are wiped from memory when dropped, and never
 * logged: the log says what happened ("session renewed"), not with what.
 */
#define G_LOG_DOMAIN "cercle-client"

#include "config.h"

#include <string.h>

#include <libsoup/soup.h>

#include "cercle-client.h"
#include "cercle-fhir.h"
#include "cercle-i18n.h"
#include "cercle-keyring.h"

/* Renew this long before the server would refuse the token. */
#define EXPIRY_MARGIN_US (30 * G_USEC_PER_SEC)
#define REQUEST_TIMEOUT_S 30
#define FHIR_JSON "application/fhir+json"

G_DEFINE_QUARK (cercle-client-error-quark, cercle_client_error)

struct _CercleClient
{
  GObject            parent_instance;

  char              *server_url;     /* scheme://host[:port], no trailing slash */
  GUri              *server_uri;
  CercleClientFlags  flags;
  SoupSession       *session;

  char              *login;
  char              *fhir_user;
  char              *organization;
  char              *access_token;
  char              *refresh_token;
  gint64             access_expires; /* monotonic µs; 0 when it must be renewed */
  guint              generation;     /* bumps with every new access token */

  gboolean           refreshing;
  GPtrArray         *waiters;        /* GTask: want a valid access token */

  guint              retry_after;    /* seconds, from the last 429/503 answer */
};

G_DEFINE_FINAL_TYPE (CercleClient, cercle_client, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_SERVER_URL,
  PROP_LOGIN,
  PROP_FHIR_USER,
  PROP_ORGANIZATION,
  PROP_SIGNED_IN,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* -------------------------------------------------------------- secrets -- */

static void
wipe_string (char **secret)
{
  if (*secret != NULL)
    {
      explicit_bzero (*secret, strlen (*secret));
      g_clear_pointer (secret, g_free);
    }
}

static void
wipe_form (char *form)
{
  wipe_string (&form);
}

typedef char SecretForm;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SecretForm, wipe_form)

/* ------------------------------------------------------- reading answers -- */

/* A server's answer is not trusted to have the expected shape: json-glib's
 * getters complain about a member of another type, libcercle's FHIR readers
 * (cercle_fhir_get_string…) and this one say NULL or 0. */
static gint64
member_int (JsonObject *object,
            const char *name)
{
  JsonNode *node = object ? json_object_get_member (object, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    return 0;
  return json_node_get_int (node);
}

/* --------------------------------------------------------------- errors -- */

gboolean
cercle_client_error_is_transient (const GError *error)
{
  if (error == NULL || error->domain != CERCLE_CLIENT_ERROR)
    return FALSE;
  switch ((CercleClientError) error->code)
    {
    case CERCLE_CLIENT_ERROR_NETWORK:
    case CERCLE_CLIENT_ERROR_SERVER:
    case CERCLE_CLIENT_ERROR_SIGNED_OUT:
      return TRUE;
    case CERCLE_CLIENT_ERROR_URL:
    case CERCLE_CLIENT_ERROR_INSECURE:
    case CERCLE_CLIENT_ERROR_TLS:
    case CERCLE_CLIENT_ERROR_BAD_CREDENTIALS:
    case CERCLE_CLIENT_ERROR_FORBIDDEN:
    case CERCLE_CLIENT_ERROR_NOT_FOUND:
    case CERCLE_CLIENT_ERROR_CONFLICT:
    case CERCLE_CLIENT_ERROR_PRECONDITION:
    case CERCLE_CLIENT_ERROR_INVALID:
    case CERCLE_CLIENT_ERROR_PROTOCOL:
    case CERCLE_CLIENT_ERROR_ACCOUNT_DISABLED:
    default:
      return FALSE;
    }
}

/* A transport failure: cancellation stays what it is. */
static GError *
transport_error (CercleClient *self,
                 GError       *error)
{
  GError *out;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return error;
  if (error->domain == G_TLS_ERROR)
    /* TRANSLATORS: %s is a server's address, then the reason */
    out = g_error_new (CERCLE_CLIENT_ERROR, CERCLE_CLIENT_ERROR_TLS,
                       _("The certificate of %s is not trusted: %s"), self->server_url, error->message);
  else
    out = g_error_new (CERCLE_CLIENT_ERROR, CERCLE_CLIENT_ERROR_NETWORK,
                       _("Cannot reach %s: %s"), self->server_url, error->message);
  g_error_free (error);
  return out;
}

/* What the server said was wrong: the diagnostics of an OperationOutcome,
 * or an OAuth2 error_description. */
static char *
server_explanation (JsonNode *body)
{
  JsonObject *object;
  JsonArray *issues;
  g_autoptr(GString) text = NULL;

  if (body == NULL || !JSON_NODE_HOLDS_OBJECT (body))
    return NULL;
  object = json_node_get_object (body);
  if (json_object_has_member (object, "error_description"))
    return g_strdup (cercle_fhir_get_string (object, "error_description"));
  if (g_strcmp0 (cercle_fhir_get_string (object, "resourceType"),
                 "OperationOutcome") != 0)
    return NULL;
  issues = cercle_fhir_get_array (object, "issue");
  if (issues == NULL)
    return NULL;
  text = g_string_new (NULL);
  for (guint i = 0; i < json_array_get_length (issues); i++)
    {
      const char *diagnostics = cercle_fhir_get_string (cercle_fhir_array_get_object (issues, i), "diagnostics");

      if (diagnostics == NULL)
        continue;
      if (text->len > 0)
        g_string_append (text, "; ");
      g_string_append (text, diagnostics);
    }
  return text->len > 0 ? g_string_free (g_steal_pointer (&text), FALSE) : NULL;
}

static GError *
status_error (guint     status,
              JsonNode *body)
{
  g_autofree char *why = server_explanation (body);
  CercleClientError code;
  const char *what;

  switch (status)
    {
    case 401:
      code = CERCLE_CLIENT_ERROR_SIGNED_OUT;
      what = _("The session has ended: sign in again");
      break;
    case 403:
      code = CERCLE_CLIENT_ERROR_FORBIDDEN;
      what = _("You do not have access to this");
      break;
    case 404:
    case 410:
      code = CERCLE_CLIENT_ERROR_NOT_FOUND;
      what = _("Not found on the server");
      break;
    case 409:
      code = CERCLE_CLIENT_ERROR_CONFLICT;
      what = _("The server refused this change");
      break;
    case 412:
      code = CERCLE_CLIENT_ERROR_PRECONDITION;
      what = _("Someone else changed this meanwhile");
      break;
    case 413:
      code = CERCLE_CLIENT_ERROR_INVALID;
      what = _("Too large for the server");
      break;
    case 429:
      code = CERCLE_CLIENT_ERROR_SERVER;
      what = _("The server is busy");
      break;
    default:
      if (status >= 500)
        {
          code = CERCLE_CLIENT_ERROR_SERVER;
          what = _("The server failed to answer");
        }
      else if (status >= 400)
        {
          code = CERCLE_CLIENT_ERROR_INVALID;
          what = _("The server refused the request");
        }
      else
        {
          code = CERCLE_CLIENT_ERROR_PROTOCOL;
          what = _("The server gave an unexpected answer");
        }
      break;
    }
  if (why != NULL)
    /* TRANSLATORS: a sentence above, then the server's own words */
    return g_error_new (CERCLE_CLIENT_ERROR, code, _("%s (HTTP %u: %s)"), what, status, why);
  return g_error_new (CERCLE_CLIENT_ERROR, code, _("%s (HTTP %u)"), what, status);
}

/* ------------------------------------------------------------ the object -- */

static void
cercle_client_dispose (GObject *object)
{
  CercleClient *self = CERCLE_CLIENT (object);

  if (self->session != NULL)
    soup_session_abort (self->session);
  g_clear_object (&self->session);
  G_OBJECT_CLASS (cercle_client_parent_class)->dispose (object);
}

static void
cercle_client_finalize (GObject *object)
{
  CercleClient *self = CERCLE_CLIENT (object);

  /* A waiter holds a reference on the client: none is left here. */
  g_assert (self->waiters->len == 0);
  g_ptr_array_unref (self->waiters);
  wipe_string (&self->access_token);
  wipe_string (&self->refresh_token);
  g_free (self->login);
  g_free (self->fhir_user);
  g_free (self->organization);
  g_clear_pointer (&self->server_uri, g_uri_unref);
  g_free (self->server_url);
  G_OBJECT_CLASS (cercle_client_parent_class)->finalize (object);
}

static void
cercle_client_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  CercleClient *self = CERCLE_CLIENT (object);

  switch (prop_id)
    {
    case PROP_SERVER_URL:
      g_value_set_string (value, self->server_url);
      break;
    case PROP_LOGIN:
      g_value_set_string (value, self->login);
      break;
    case PROP_FHIR_USER:
      g_value_set_string (value, self->fhir_user);
      break;
    case PROP_ORGANIZATION:
      g_value_set_string (value, self->organization);
      break;
    case PROP_SIGNED_IN:
      g_value_set_boolean (value, cercle_client_get_signed_in (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cercle_client_class_init (CercleClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cercle_client_dispose;
  object_class->finalize = cercle_client_finalize;
  object_class->get_property = cercle_client_get_property;

  properties[PROP_SERVER_URL] =
    g_param_spec_string ("server-url", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_LOGIN] =
    g_param_spec_string ("login", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_FHIR_USER] =
    g_param_spec_string ("fhir-user", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ORGANIZATION] =
    g_param_spec_string ("organization", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SIGNED_IN] =
    g_param_spec_boolean ("signed-in", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
cercle_client_init (CercleClient *self)
{
  self->waiters = g_ptr_array_new ();
}

/* http is for a loopback address only; https for anything. */
static gboolean
check_server_url (const char  *server_url,
                  GUri       **uri_out,
                  GError     **error)
{
  g_autoptr(GUri) uri = g_uri_parse (server_url, G_URI_FLAGS_NONE, NULL);
  const char *scheme, *host;
  gboolean https;

  if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    {
      g_set_error (error, CERCLE_CLIENT_ERROR, CERCLE_CLIENT_ERROR_URL,
                   _("“%s” is not a server address (https://…)"), server_url);
      return FALSE;
    }
  scheme = g_uri_get_scheme (uri);
  host = g_uri_get_host (uri);
  https = g_ascii_strcasecmp (scheme, "https") == 0;
  if (!https && g_ascii_strcasecmp (scheme, "http") != 0)
    {
      g_set_error (error, CERCLE_CLIENT_ERROR, CERCLE_CLIENT_ERROR_URL,
                   _("“%s” is not a server address (https://…)"), server_url);
      return FALSE;
    }
  if (!https)
    {
      g_autoptr(GInetAddress) address = g_inet_address_new_from_string (host);
      gboolean loopback = address != NULL ? g_inet_address_get_is_loopback (address)
                                          : g_ascii_strcasecmp (host, "localhost") == 0;

      if (!loopback)
        {
          g_set_error (error, CERCLE_CLIENT_ERROR, CERCLE_CLIENT_ERROR_INSECURE,
                       _("Health data are not sent in clear: “%s” must start with https://"), server_url);
          return FALSE;
        }
    }
  *uri_out = g_steal_pointer (&uri);
  return TRUE;
}

CercleClient *
cercle_client_new (const char         *server_url,
                   CercleClientFlags   flags,
                   GError            **error)
{
  g_autoptr(GUri) uri = NULL;
  g_autofree char *user_agent = NULL;
  CercleClient *self;
  int port;

  g_return_val_if_fail (server_url != NULL, NULL);

  if (!check_server_url (server_url, &uri, error))
    return NULL;

  self = g_object_new (CERCLE_TYPE_CLIENT, NULL);
  self->flags = flags;
  port = g_uri_get_port (uri);
  /* The root only: scheme, host and port, as the server's links name it. */
  self->server_uri = g_uri_build (G_URI_FLAGS_NONE, g_uri_get_scheme (uri), NULL, g_uri_get_host (uri), port,
                                  "", NULL, NULL);
  self->server_url = g_uri_to_string (self->server_uri);

  user_agent = g_strdup_printf ("Cercle/%s ", PACKAGE_VERSION);
  self->session = soup_session_new_with_options ("timeout", REQUEST_TIMEOUT_S,
                                                 "idle-timeout", 60,
                                                 "user-agent", user_agent,
                                                 NULL);
  return self;
}

const char *
cercle_client_get_server_url (CercleClient *self)
{
  g_return_val_if_fail (CERCLE_IS_CLIENT (self), NULL);
  return self->server_url;
}

const char *
cercle_client_get_login (CercleClient *self)
{
  g_return_val_if_fail (CERCLE_IS_CLIENT (self), NULL);
  return self->login;
}

const char *
cercle_client_get_fhir_user (CercleClient *self)
{
  g_return_val_if_fail (CERCLE_IS_CLIENT (self), NULL);
  return self->fhir_user;
}

const char *
cercle_client_get_organization (CercleClient *self)
{
  g_return_val_if_fail (CERCLE_IS_CLIENT (self), NULL);
  return self->organization;
}

gboolean
cercle_client_get_signed_in (CercleClient *self)
{
  g_return_val_if_fail (CERCLE_IS_CLIENT (self), FALSE);
  return self->refresh_token != NULL;
}

/**
 * cercle_client_set_timeout:
 * @self: a #CercleClient
 * @seconds: how long a request may take before it fails with
 *   %CERCLE_CLIENT_ERROR_NETWORK (0: the default, 30 s)
 *
 * A background service that retries anyway prefers to give up early on a
 * server that does not answer.
 */
void
cercle_client_set_timeout (CercleClient *self,
                           guint         seconds)
{
  g_return_if_fail (CERCLE_IS_CLIENT (self));
  soup_session_set_timeout (self->session, seconds ? seconds : REQUEST_TIMEOUT_S);
}

/**
 * cercle_client_set_ca_file:
 * @self: a #CercleClient
 * @path: a PEM file of the certificate authorities to trust instead of the
 *   system's (a care network's private CA)
 * @error: return location for a #GError
 *
 * Trusts explicitly a private certificate authority. Certificates that do
 * not chain up to it are still refused.
 *
 * Returns: %TRUE when the file was read
 */
gboolean
cercle_client_set_ca_file (CercleClient  *self,
                           const char    *path,
                           GError       **error)
{
  g_autoptr(GTlsDatabase) database = NULL;

  g_return_val_if_fail (CERCLE_IS_CLIENT (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  database = g_tls_file_database_new (path, error);
  if (database == NULL)
    return FALSE;
  soup_session_set_tls_database (self->session, database);
  return TRUE;
}

/**
 * cercle_client_get_retry_after:
 * @self: a #CercleClient
 *
 * Returns: the delay, in seconds, a busy server (429, 503) asked for in its
 *   last answer with a `Retry-After` header; 0 if none
 */
guint
cercle_client_get_retry_after (CercleClient *self)
{
  g_return_val_if_fail (CERCLE_IS_CLIENT (self), 0);
  return self->retry_after;
}

static void
set_string (CercleClient  *self,
            char         **field,
            const char    *value,
            int            prop)
{
  if (g_strcmp0 (*field, value) == 0)
    return;
  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

/* Forget the session here (not on the server, not in the keyring). */
static void
forget_session (CercleClient *self)
{
  gboolean was_signed_in = cercle_client_get_signed_in (self);

  g_object_freeze_notify (G_OBJECT (self));
  wipe_string (&self->access_token);
  wipe_string (&self->refresh_token);
  self->access_expires = 0;
  self->generation++;
  set_string (self, &self->fhir_user, NULL, PROP_FHIR_USER);
  set_string (self, &self->organization, NULL, PROP_ORGANIZATION);
  if (was_signed_in)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SIGNED_IN]);
  g_object_thaw_notify (G_OBJECT (self));
}

/* --------------------------------------------------------- /auth/token -- */

typedef struct {
  char    *access_token;
  char    *refresh_token;
  gint64   expires_in;
  char    *fhir_user;
  char    *organization;
} TokenAnswer;

static void
token_answer_free (TokenAnswer *answer)
{
  wipe_string (&answer->access_token);
  wipe_string (&answer->refresh_token);
  g_free (answer->fhir_user);
  g_free (answer->organization);
  g_free (answer);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TokenAnswer, token_answer_free)

static JsonNode *
parse_json_bytes (GBytes *bytes)
{
  gsize size = 0;
  const char *data = bytes ? g_bytes_get_data (bytes, &size) : NULL;
  g_autoptr(JsonParser) parser = NULL;

  if (size == 0)
    return NULL;
  /* A server's answer is untrusted text too: json-glib recurses a level at a
   * time, and would end a string at a NUL. */
  if (!cercle_fhir_check_json (data, size, CERCLE_FHIR_MAX_JSON_DEPTH, NULL))
    return NULL;
  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, data, size, NULL))
    return NULL;
  return json_parser_steal_root (parser);
}

/* POST a form to /auth/…; finishes with the parsed JSON answer of a 200,
 * or the error for anything else. `bad_grant` is the error an OAuth2
 * invalid_grant becomes: wrong password, or a session that has ended. */
typedef struct {
  CercleClientError bad_grant;
} FormData;

static void
post_form_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  CercleClient *self = g_task_get_source_object (task);
  FormData *data = g_task_get_task_data (task);
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  GError *error = NULL;
  g_autoptr(GBytes) bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  g_autoptr(JsonNode) body = NULL;
  guint status;

  if (bytes == NULL)
    {
      g_task_return_error (task, transport_error (self, error));
      return;
    }
  status = soup_message_get_status (msg);
  body = parse_json_bytes (bytes);
  if (status == 200 && body != NULL && JSON_NODE_HOLDS_OBJECT (body))
    {
      g_task_return_pointer (task, g_steal_pointer (&body), (GDestroyNotify) json_node_unref);
      return;
    }
  if (status == 400 && body != NULL && JSON_NODE_HOLDS_OBJECT (body)
      && g_strcmp0 (cercle_fhir_get_string (json_node_get_object (body), "error"),
                    "invalid_grant") == 0)
    {
      if (data->bad_grant == CERCLE_CLIENT_ERROR_BAD_CREDENTIALS)
        g_task_return_new_error (task, CERCLE_CLIENT_ERROR, CERCLE_CLIENT_ERROR_BAD_CREDENTIALS,
                                 _("Wrong login or password"));
      else
        g_task_return_new_error (task, CERCLE_CLIENT_ERROR, CERCLE_CLIENT_ERROR_SIGNED_OUT,
                                 _("The session has ended: sign in again"));
      return;
    }
  if (status == 400 && body != NULL && JSON_NODE_HOLDS_OBJECT (body)
      && g_strcmp0 (cercle_fhir_get_string (json_node_get_object (body), "error"),
                    "account_disabled") == 0)
    {
      g_task_return_new_error (task, CERCLE_CLIENT_ERROR, CERCLE_CLIENT_ERROR_ACCOUNT_DISABLED,
                               _("This account has been disabled on the server: the patient files it received "
                                 "are removed from this computer"));
      return;
    }
  if (status == 200)
    {
      g_task_return_new_error (task, CERCLE_CLIENT_ERROR, CERCLE_CLIENT_ERROR_PROTOCOL,
                               _("The server gave an unexpected answer (HTTP %u)"), status);
      return;
    }
  g_task_return_error (task, status_error (status, body));
}

static void
post_form_async (CercleClient        *self,
                 const char          *path,
                 char                *encoded_form,   /* taken, wiped */
                 CercleClientError    bad_grant,
                 GCancellable        *cancellable,
                 GAsyncReadyCallback  callback,
                 gpointer             user_data)
{
  g_autoptr(SecretForm) form = encoded_form;
  g_autofree char *url = g_strconcat (self->server_url, path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (SOUP_METHOD_POST, url);
  g_autoptr(GBytes) bytes = NULL;
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  FormData *data = g_new0 (FormData, 1);

  g_task_set_source_tag (task, post_form_async);
  data->bad_grant = bad_grant;
  g_task_set_task_data (task, data, g_free);
  /* The body is copied and wiped with the message: it holds a secret. */
  bytes = g_bytes_new_with_free_func (g_strdup (form), strlen (form), (GDestroyNotify) wipe_form, NULL);
  soup_message_headers_append (soup_message_get_request_headers (msg), "Accept", "application/json");
  soup_message_set_request_body_from_bytes (msg, "application/x-www-form-urlencoded", bytes);
  soup_session_send_and_read_async (self->session, msg, G_PRIORITY_DEFAULT, cancellable, post_form_cb, task);
}

static JsonNode *
post_form_finish (CercleClient  *self,
                  GAsyncResult  *result,
                  GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static TokenAnswer *
read_token_answer (JsonNode  *node,
                   GError   **error)
{
  JsonObject *object = json_node_get_object (node);
  g_autoptr(TokenAnswer) answer = g_new0 (TokenAnswer, 1);

  answer->access_token = g_strdup (cercle_fhir_get_string (object, "access_token"));
  answer->refresh_token = g_strdup (cercle_fhir_get_string (object, "refresh_token"));
  answer->expires_in = member_int (object, "expires_in");
  answer->fhir_user = g_strdup (cercle_fhir_get_string (object, "fhirUser"));
  answer->organization = g_strdup (cercle_fhir_get_string (object, "organization"));
  if (answer->access_token == NULL || answer->refresh_token == NULL || answer->expires_in <= 0
      || answer->fhir_user == NULL || !g_str_has_prefix (answer->fhir_user, "Practitioner/"))
    {
      g_set_error (error, CERCLE_CLIENT_ERROR, CERCLE_CLIENT_ERROR_PROTOCOL,
                   _("The server gave an unexpected answer to the sign-in"));
      return NULL;
    }
  return g_steal_pointer (&answer);
}

/* Take the tokens of a grant. */
static void
take_tokens (CercleClient *self,
             TokenAnswer  *answer)
{
  gboolean was_signed_in = cercle_client_get_signed_in (self);

  g_object_freeze_notify (G_OBJECT (self));
  wipe_string (&self->access_token);
  wipe_string (&self->refresh_token);
  self->access_token = g_steal_pointer (&answer->access_token);
  self->refresh_token = g_steal_pointer (&answer->refresh_token);
  self->access_expires = g_get_monotonic_time () + answer->expires_in * G_USEC_PER_SEC;
  self->generation++;
  set_string (self, &self->fhir_user, answer->fhir_user, PROP_FHIR_USER);
  set_string (self, &self->organization, answer->organization, PROP_ORGANIZATION);
  if (!was_signed_in)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SIGNED_IN]);
  g_object_thaw_notify (G_OBJECT (self));
}

/* -------------------------------------------------------------- refresh -- */

static void
complete_waiters (CercleClient *self,
                  const GError *error)
{
  g_autoptr(GPtrArray) waiters = g_steal_pointer (&self->waiters);

  self->waiters = g_ptr_array_new ();
  self->refreshing = FALSE;
  for (guint i = 0; i < waiters->len; i++)
    {
      g_autoptr(GTask) task = waiters->pdata[i];

      if (error != NULL)
        g_task_return_error (task, g_error_copy (error));
      else if (!g_task_return_error_if_cancelled (task))
        g_task_return_boolean (task, TRUE);
    }
}

static void
refresh_stored_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(CercleClient) self = user_data;
  g_autoptr(GError) error = NULL;

  /* The session goes on in memory; a restart will have to sign in again. */
  if (!cercle_keyring_store_finish (result, &error))
    g_message ("The renewed session of %s could not be kept: %s", self->login, error->message);
  complete_waiters (self, NULL);
}

static void
ended_session_cleared_cb (GObject      *source,
                          GAsyncResult *result,
                          gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!cercle_keyring_clear_finish (result, &error))
    g_message ("The ended session could not be removed from the keyring: %s", error->message);
}

static void
refresh_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(CercleClient) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = post_form_finish (self, result, &error);
  g_autoptr(TokenAnswer) answer = NULL;

  if (node != NULL)
    answer = read_token_answer (node, &error);
  if (answer == NULL)
    {
      if (g_error_matches (error, CERCLE_CLIENT_ERROR, CERCLE_CLIENT_ERROR_SIGNED_OUT)
          || g_error_matches (error, CERCLE_CLIENT_ERROR, CERCLE_CLIENT_ERROR_ACCOUNT_DISABLED))
        {
          g_message ("The session of %s has ended", self->login);
          if ((self->flags & CERCLE_CLIENT_FLAGS_KEYRING) && self->login != NULL)
            cercle_keyring_clear_async (self->server_url, self->login, NULL, ended_session_cleared_cb, NULL);
          forget_session (self);
        }
      complete_waiters (self, error);
      return;
    }
  take_tokens (self, answer);
  g_debug ("Session of %s renewed", self->login);
  if (self->flags & CERCLE_CLIENT_FLAGS_KEYRING)
    {
      cercle_keyring_store_async (self->server_url, self->login, self->refresh_token, NULL,
                                  refresh_stored_cb, g_object_ref (self));
      return;
    }
  complete_waiters (self, NULL);
}

/* Finishes once the client holds an access token that is good for a while
 * (renewing it if needed), or with why it cannot. */
static void
ensure_access_async (CercleClient        *self,
                     gboolean             renew,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, ensure_access_async);
  if (self->refresh_token == NULL)
    {
      g_task_return_new_error (task, CERCLE_CLIENT_ERROR, CERCLE_CLIENT_ERROR_SIGNED_OUT,
                               _("You are not signed in"));
      return;
    }
  if (!renew && !self->refreshing && self->access_token != NULL
      && g_get_monotonic_time () < self->access_expires - EXPIRY_MARGIN_US)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  g_ptr_array_add (self->waiters, g_steal_pointer (&task));
  if (!self->refreshing)
    {
      self->refreshing = TRUE;
      post_form_async (self, "/auth/token",
                       soup_form_encode ("grant_type", "refresh_token", "refresh_token", self->refresh_token, NULL),
                       CERCLE_CLIENT_ERROR_SIGNED_OUT, NULL, refresh_cb, g_object_ref (self));
    }
}

static gboolean
ensure_access_finish (CercleClient  *self,
                      GAsyncResult  *result,
                      GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* -------------------------------------------------------------- sign in -- */

static void
unkept_revoked_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  CercleClient *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = post_form_finish (self, result, &error);

  if (node == NULL)
    g_message ("The session the keyring could not keep was not revoked: %s", error->message);
  g_task_return_error (task, g_error_copy (g_task_get_task_data (task)));
}

static void
sign_in_stored_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  CercleClient *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  char *form;

  if (!cercle_keyring_store_finish (result, &error))
    {
      /* A session that a restart would lose is not a sign-in: say so now,
       * not on the next start; and end it on the server, so that no live
       * session is left that nobody holds. */
      form = soup_form_encode ("token", self->refresh_token, NULL);
      forget_session (self);
      g_task_set_task_data (task, g_steal_pointer (&error), (GDestroyNotify) g_error_free);
      post_form_async (self, "/auth/revoke", form, CERCLE_CLIENT_ERROR_SIGNED_OUT, NULL, unkept_revoked_cb,
                       g_steal_pointer (&task));
      return;
    }
  g_task_return_boolean (task, TRUE);
}

static void
sign_in_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  CercleClient *self = g_task_get_source_object (task);
  GError *error = NULL;
  g_autoptr(JsonNode) node = post_form_finish (self, result, &error);
  g_autoptr(TokenAnswer) answer = NULL;

  if (node != NULL)
    answer = read_token_answer (node, &error);
  if (answer == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  take_tokens (self, answer);
  g_message ("Signed in as %s", self->login);
  if (self->flags & CERCLE_CLIENT_FLAGS_KEYRING)
    {
      GCancellable *cancellable = g_task_get_cancellable (task);

      cercle_keyring_store_async (self->server_url, self->login, self->refresh_token,
                                  cancellable, sign_in_stored_cb, g_steal_pointer (&task));
      return;
    }
  g_task_return_boolean (task, TRUE);
}

void
cercle_client_sign_in_async (CercleClient        *self,
                             const char          *login,
                             const char          *password,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (CERCLE_IS_CLIENT (self));
  g_return_if_fail (login != NULL && password != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, cercle_client_sign_in_async);
  if (self->refreshing)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING, _("The session is being renewed"));
      g_object_unref (task);
      return;
    }
  /* Another account's session, if any, is left behind. */
  forget_session (self);
  set_string (self, &self->login, login, PROP_LOGIN);
  post_form_async (self, "/auth/token",
                   soup_form_encode ("grant_type", "password", "username", login, "password", password, NULL),
                   CERCLE_CLIENT_ERROR_BAD_CREDENTIALS, cancellable, sign_in_cb, task);
}

gboolean
cercle_client_sign_in_finish (CercleClient  *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* -------------------------------------------------------------- restore -- */

static void
restore_renewed_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!ensure_access_finish (CERCLE_CLIENT (source), result, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
restore_lookup_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  CercleClient *self = g_task_get_source_object (task);
  GCancellable *cancellable;
  GError *error = NULL;
  char *secret = cercle_keyring_lookup_finish (result, &error);

  if (error != NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (secret == NULL)
    {
      g_task_return_new_error (task, CERCLE_CLIENT_ERROR, CERCLE_CLIENT_ERROR_SIGNED_OUT,
                               _("No session of %s is kept on this computer: sign in"), self->login);
      return;
    }
  if (self->refreshing)
    {
      cercle_keyring_secret_free (secret);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING, _("The session is being renewed"));
      return;
    }
  wipe_string (&self->access_token);
  wipe_string (&self->refresh_token);
  self->refresh_token = g_strdup (secret);
  cercle_keyring_secret_free (secret);
  self->access_expires = 0;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SIGNED_IN]);
  cancellable = g_task_get_cancellable (task);
  ensure_access_async (self, TRUE, cancellable, restore_renewed_cb, g_steal_pointer (&task));
}

void
cercle_client_restore_async (CercleClient        *self,
                             const char          *login,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (CERCLE_IS_CLIENT (self));
  g_return_if_fail (login != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, cercle_client_restore_async);
  if (!(self->flags & CERCLE_CLIENT_FLAGS_KEYRING))
    {
      g_task_return_new_error (task, CERCLE_CLIENT_ERROR, CERCLE_CLIENT_ERROR_SIGNED_OUT,
                               _("You are not signed in"));
      g_object_unref (task);
      return;
    }
  if (self->refreshing)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING, _("The session is being renewed"));
      g_object_unref (task);
      return;
    }
  forget_session (self);
  set_string (self, &self->login, login, PROP_LOGIN);
  cercle_keyring_lookup_async (self->server_url, login, cancellable, restore_lookup_cb, task);
}

gboolean
cercle_client_restore_finish (CercleClient  *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ------------------------------------------------------------- sign out -- */

typedef struct {
  char   *login;
  GError *revoke_error;
} SignOutData;

static void
sign_out_data_free (SignOutData *data)
{
  g_free (data->login);
  g_clear_error (&data->revoke_error);
  g_free (data);
}

static void
sign_out_cleared_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SignOutData *data = g_task_get_task_data (task);
  GError *error = NULL;

  if (!cercle_keyring_clear_finish (result, &error))
    g_task_return_error (task, error);
  else if (data->revoke_error != NULL)
    g_task_return_error (task, g_steal_pointer (&data->revoke_error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
sign_out_revoked_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  CercleClient *self = g_task_get_source_object (task);
  SignOutData *data = g_task_get_task_data (task);
  g_autoptr(JsonNode) node = post_form_finish (self, result, &data->revoke_error);

  g_message ("Signed out %s%s", data->login, data->revoke_error ? " (the server could not be told)" : "");
  if ((self->flags & CERCLE_CLIENT_FLAGS_KEYRING) && data->login != NULL)
    {
      cercle_keyring_clear_async (self->server_url, data->login, NULL, sign_out_cleared_cb,
                                  g_steal_pointer (&task));
      return;
    }
  if (data->revoke_error != NULL)
    g_task_return_error (task, g_steal_pointer (&data->revoke_error));
  else
    g_task_return_boolean (task, TRUE);
}

void
cercle_client_sign_out_async (CercleClient        *self,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  GTask *task;
  SignOutData *data;
  char *form;

  g_return_if_fail (CERCLE_IS_CLIENT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, cercle_client_sign_out_async);
  if (self->refresh_token == NULL)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }
  data = g_new0 (SignOutData, 1);
  data->login = g_strdup (self->login);
  g_task_set_task_data (task, data, (GDestroyNotify) sign_out_data_free);
  /* Revoking the refresh token ends the whole session on the server. */
  form = soup_form_encode ("token", self->refresh_token, NULL);
  forget_session (self);
  set_string (self, &self->login, NULL, PROP_LOGIN);
  post_form_async (self, "/auth/revoke", form, CERCLE_CLIENT_ERROR_SIGNED_OUT, NULL, sign_out_revoked_cb, task);
}

gboolean
cercle_client_sign_out_finish (CercleClient  *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ----------------------------------------------------------------- send -- */

void
cercle_client_reply_free (CercleClientReply *reply)
{
  if (reply == NULL)
    return;
  g_free (reply->etag);
  g_free (reply->location);
  g_clear_pointer (&reply->body, json_node_unref);
  g_clear_pointer (&reply->raw, g_bytes_unref);
  g_free (reply);
}

typedef struct {
  char     *method;
  char     *url;
  GBytes   *body;
  char     *if_match;
  guint     generation;  /* of the access token the request went with */
  gboolean  renewed;     /* a 401 has already been answered with a renewal */
  gboolean  raw;         /* a file, not JSON */
} SendData;

static void
send_data_free (SendData *data)
{
  g_free (data->method);
  g_free (data->url);
  g_clear_pointer (&data->body, g_bytes_unref);
  g_free (data->if_match);
  g_free (data);
}

static void send_with_token (GTask *task);

/* The token is there (or renewed): send, or say why not. */
static void
token_ready_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!ensure_access_finish (CERCLE_CLIENT (source), result, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  send_with_token (g_steal_pointer (&task));
}

static void
send_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  CercleClient *self = g_task_get_source_object (task);
  SendData *data = g_task_get_task_data (task);
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  GError *error = NULL;
  g_autoptr(GBytes) bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  g_autoptr(JsonNode) body = NULL;
  g_autoptr(CercleClientReply) reply = NULL;
  SoupMessageHeaders *headers;
  guint status;

  if (bytes == NULL)
    {
      g_task_return_error (task, transport_error (self, error));
      return;
    }
  status = soup_message_get_status (msg);
  if (status == 401 && !data->renewed)
    {
      GCancellable *cancellable = g_task_get_cancellable (task);

      /* The token expired or was revoked under us: renew once, unless a
       * request that went before has already done so. */
      data->renewed = TRUE;
      ensure_access_async (self, data->generation == self->generation, cancellable,
                           token_ready_cb, g_steal_pointer (&task));
      return;
    }
  if (data->raw && status >= 200 && status < 300)
    {
      reply = g_new0 (CercleClientReply, 1);
      reply->status = status;
      reply->etag = g_strdup (soup_message_headers_get_one (soup_message_get_response_headers (msg), "ETag"));
      reply->raw = g_steal_pointer (&bytes);
      g_task_return_pointer (task, g_steal_pointer (&reply), (GDestroyNotify) cercle_client_reply_free);
      return;
    }
  body = parse_json_bytes (bytes);
  self->retry_after = 0;
  if (status == 429 || status == 503)
    {
      /* Only the delay in seconds: the date form would need the clocks to agree. */
      const char *value = soup_message_headers_get_one (soup_message_get_response_headers (msg), "Retry-After");
      guint64 seconds;

      if (value != NULL && g_ascii_string_to_unsigned (value, 10, 0, 3600, &seconds, NULL))
        self->retry_after = seconds;
    }
  if (status < 200 || status >= 300)
    {
      g_task_return_error (task, status_error (status, body));
      return;
    }
  if (body == NULL && g_bytes_get_size (bytes) > 0)
    {
      g_task_return_new_error (task, CERCLE_CLIENT_ERROR, CERCLE_CLIENT_ERROR_PROTOCOL,
                               _("The server gave an unexpected answer (HTTP %u)"), status);
      return;
    }
  headers = soup_message_get_response_headers (msg);
  reply = g_new0 (CercleClientReply, 1);
  reply->status = status;
  reply->etag = g_strdup (soup_message_headers_get_one (headers, "ETag"));
  reply->location = g_strdup (soup_message_headers_get_one (headers, "Location"));
  reply->body = g_steal_pointer (&body);
  g_task_return_pointer (task, g_steal_pointer (&reply), (GDestroyNotify) cercle_client_reply_free);
}

static void
send_with_token (GTask *task)
{
  CercleClient *self = g_task_get_source_object (task);
  SendData *data = g_task_get_task_data (task);
  g_autoptr(SoupMessage) msg = soup_message_new (data->method, data->url);
  SoupMessageHeaders *headers = soup_message_get_request_headers (msg);
  g_autofree char *authorization = g_strconcat ("Bearer ", self->access_token, NULL);

  data->generation = self->generation;
  soup_message_headers_append (headers, "Authorization", authorization);
  explicit_bzero (authorization, strlen (authorization));
  soup_message_headers_append (headers, "Accept", FHIR_JSON);
  if (data->if_match != NULL)
    soup_message_headers_append (headers, "If-Match", data->if_match);
  if (data->body != NULL)
    soup_message_set_request_body_from_bytes (msg, FHIR_JSON, data->body);
  soup_session_send_and_read_async (self->session, msg, G_PRIORITY_DEFAULT, g_task_get_cancellable (task),
                                    send_cb, task);
}

/* The whole URL of @path, or NULL when it names another server: the token
 * goes nowhere else. */
static char *
request_url (CercleClient *self,
             const char   *path)
{
  g_autoptr(GUri) uri = NULL;
  const char *p;

  if (strstr (path, "://") == NULL)
    {
      while (*path == '/')
        path++;
      return g_strconcat (self->server_url, "/fhir/", path, NULL);
    }
  uri = g_uri_parse (path, G_URI_FLAGS_ENCODED, NULL);
  if (uri == NULL
      || g_ascii_strcasecmp (g_uri_get_scheme (uri), g_uri_get_scheme (self->server_uri)) != 0
      || g_uri_get_host (uri) == NULL
      || g_ascii_strcasecmp (g_uri_get_host (uri), g_uri_get_host (self->server_uri)) != 0
      || g_uri_get_port (uri) != g_uri_get_port (self->server_uri)
      || g_uri_get_userinfo (uri) != NULL)
    return NULL;
  p = g_uri_get_path (uri);
  if (!g_str_equal (p, "/fhir") && !g_str_has_prefix (p, "/fhir/"))
    return NULL;
  return g_strdup (path);
}

void
cercle_client_send_async (CercleClient        *self,
                          const char          *method,
                          const char          *path,
                          JsonNode            *body,
                          const char          *if_match,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  GTask *task;
  SendData *data;

  g_return_if_fail (CERCLE_IS_CLIENT (self));
  g_return_if_fail (method != NULL && path != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, cercle_client_send_async);
  data = g_new0 (SendData, 1);
  data->method = g_strdup (method);
  data->url = request_url (self, path);
  data->if_match = g_strdup (if_match);
  if (body != NULL)
    {
      char *text = json_to_string (body, FALSE);

      data->body = g_bytes_new_take (text, strlen (text));
    }
  g_task_set_task_data (task, data, (GDestroyNotify) send_data_free);
  if (data->url == NULL)
    {
      g_task_return_new_error (task, CERCLE_CLIENT_ERROR, CERCLE_CLIENT_ERROR_PROTOCOL,
                               _("The server sent a link to another address: it was not followed"));
      g_object_unref (task);
      return;
    }
  ensure_access_async (self, FALSE, cancellable, token_ready_cb, task);
}

/**
 * cercle_client_fetch_async:
 * @self: a #CercleClient
 * @path: below /fhir, e.g. "$export-directory"
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the answer
 * @user_data: for @callback
 *
 * A GET whose answer is a file rather than JSON (the directory export):
 * the token, its renewal and the errors are those of
 * cercle_client_send_async(); the reply's @raw holds the body.
 */
void
cercle_client_fetch_async (CercleClient        *self,
                           const char          *path,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  GTask *task;
  SendData *data;

  g_return_if_fail (CERCLE_IS_CLIENT (self));
  g_return_if_fail (path != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, cercle_client_fetch_async);
  data = g_new0 (SendData, 1);
  data->method = g_strdup ("GET");
  data->url = request_url (self, path);
  data->raw = TRUE;
  g_task_set_task_data (task, data, (GDestroyNotify) send_data_free);
  if (data->url == NULL)
    {
      g_task_return_new_error (task, CERCLE_CLIENT_ERROR, CERCLE_CLIENT_ERROR_PROTOCOL,
                               _("The server sent a link to another address: it was not followed"));
      g_object_unref (task);
      return;
    }
  ensure_access_async (self, FALSE, cancellable, token_ready_cb, task);
}

CercleClientReply *
cercle_client_fetch_finish (CercleClient  *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

CercleClientReply *
cercle_client_send_finish (CercleClient  *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

const char *
cercle_client_bundle_next (JsonNode *bundle)
{
  JsonArray *links;

  if (bundle == NULL || !JSON_NODE_HOLDS_OBJECT (bundle))
    return NULL;
  links = cercle_fhir_get_array (json_node_get_object (bundle), "link");
  if (links == NULL)
    return NULL;
  for (guint i = 0; i < json_array_get_length (links); i++)
    {
      JsonObject *link = cercle_fhir_array_get_object (links, i);

      if (g_strcmp0 (cercle_fhir_get_string (link, "relation"), "next") == 0)
        return cercle_fhir_get_string (link, "url");
    }
  return NULL;
}
