/* cercle-client.h — the REST client of a care network's cercle-server
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A CercleClient is one account's session with one server: it signs in
 * with POST /auth/token, keeps the access token fresh with the refresh
 * token (one refresh at a time: the server rotates refresh tokens and
 * revokes a whole session when an old one comes back), keeps the refresh
 * token in the keyring when asked to, and sends FHIR requests under /fhir.
 *
 * Health data never cross the network in clear: a server is reached over
 * https, or over http on a loopback address only. The bearer token is only
 * ever sent to the server the client was made for, even when a page's
 * "next" link names another.
 *
 * Calls are made and finish on the thread-default main context of the
 * thread that created the client.
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define CERCLE_CLIENT_ERROR (cercle_client_error_quark ())
typedef enum {
  CERCLE_CLIENT_ERROR_URL,              /* not an http(s) address */
  CERCLE_CLIENT_ERROR_INSECURE,         /* plain http to a host that is not loopback */
  CERCLE_CLIENT_ERROR_NETWORK,          /* the server could not be reached */
  CERCLE_CLIENT_ERROR_TLS,              /* its certificate is not trusted */
  CERCLE_CLIENT_ERROR_BAD_CREDENTIALS,  /* the login or the password is wrong */
  CERCLE_CLIENT_ERROR_SIGNED_OUT,       /* no session, or it ended: sign in again */
  CERCLE_CLIENT_ERROR_FORBIDDEN,        /* 403 */
  CERCLE_CLIENT_ERROR_NOT_FOUND,        /* 404, 410 */
  CERCLE_CLIENT_ERROR_CONFLICT,         /* 409: e.g. a move the referral rules forbid */
  CERCLE_CLIENT_ERROR_PRECONDITION,     /* 412: the resource changed meanwhile */
  CERCLE_CLIENT_ERROR_INVALID,          /* 400, 413, 415, 422: the server refused the content */
  CERCLE_CLIENT_ERROR_SERVER,           /* 5xx, 429 */
  CERCLE_CLIENT_ERROR_PROTOCOL,         /* an answer that is not what the API promises */
  CERCLE_CLIENT_ERROR_ACCOUNT_DISABLED, /* the server disabled the account: forget its data */
} CercleClientError;

GQuark    cercle_client_error_quark        (void);

/* TRUE when the same request may succeed later unchanged (the network,
 * the server, a session to renew): an outbox keeps it and tries again.
 * FALSE when the server has refused it for good. */
gboolean  cercle_client_error_is_transient (const GError *error);

typedef enum {
  CERCLE_CLIENT_FLAGS_NONE    = 0,
  /* Keep the refresh token in the keyring, and sign in from it. */
  CERCLE_CLIENT_FLAGS_KEYRING = 1 << 0,
} CercleClientFlags;

/* What the server answered to a FHIR request. */
typedef struct {
  guint     status;
  char     *etag;           /* W/"3", or NULL */
  char     *location;       /* of a created resource, or NULL */
  JsonNode *body;           /* the parsed JSON, or NULL when there was none */
  GBytes   *raw;            /* cercle_client_fetch_async(): the body as it came */
} CercleClientReply;

void               cercle_client_reply_free (CercleClientReply *reply);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CercleClientReply, cercle_client_reply_free)

#define CERCLE_TYPE_CLIENT (cercle_client_get_type ())
G_DECLARE_FINAL_TYPE (CercleClient, cercle_client, CERCLE, CLIENT, GObject)

/* @server_url: the server's root, e.g. https://cercle.dac77.fr or
 * http://127.0.0.1:8443 (the API is under /fhir and /auth). */
CercleClient *cercle_client_new                (const char           *server_url,
                                                CercleClientFlags     flags,
                                                GError              **error);

const char   *cercle_client_get_server_url     (CercleClient         *self);
/* NULL until signed in or restored */
const char   *cercle_client_get_login          (CercleClient         *self);
/* "Practitioner/ID" of the account, once the server has said it */
const char   *cercle_client_get_fhir_user      (CercleClient         *self);
/* "Organization/ID" for an account acting for a structure, else NULL */
const char   *cercle_client_get_organization   (CercleClient         *self);
/* TRUE while the client holds a session (it may still need the network
 * to renew it) */
gboolean      cercle_client_get_signed_in      (CercleClient         *self);

void          cercle_client_set_timeout        (CercleClient         *self,
                                                guint                 seconds);
gboolean      cercle_client_set_ca_file        (CercleClient         *self,
                                                const char           *path,
                                                GError              **error);
guint         cercle_client_get_retry_after    (CercleClient         *self);

void          cercle_client_sign_in_async      (CercleClient         *self,
                                                const char           *login,
                                                const char           *password,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
gboolean      cercle_client_sign_in_finish     (CercleClient         *self,
                                                GAsyncResult         *result,
                                                GError              **error);

/* Takes up @login's session from the keyring (CERCLE_CLIENT_FLAGS_KEYRING)
 * and renews it. Offline it fails with CERCLE_CLIENT_ERROR_NETWORK but
 * keeps the session: the next request renews it. With nothing stored, or a
 * session the server has ended, it fails with _SIGNED_OUT. */
void          cercle_client_restore_async      (CercleClient         *self,
                                                const char           *login,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
gboolean      cercle_client_restore_finish     (CercleClient         *self,
                                                GAsyncResult         *result,
                                                GError              **error);

/* Ends the session on the server (POST /auth/revoke) and forgets it here
 * and in the keyring. Here it is forgotten even when the server cannot be
 * told; the call then fails with _NETWORK. */
void          cercle_client_sign_out_async     (CercleClient         *self,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
gboolean      cercle_client_sign_out_finish    (CercleClient         *self,
                                                GAsyncResult         *result,
                                                GError              **error);

/* @path: below /fhir ("Patient/p1", "Communication?subject=Patient/p1"),
 * or a whole URL on this server (a Bundle's "next" link).
 * @body: sent as application/fhir+json, or NULL.
 * @if_match: an ETag for a conditional update, or NULL.
 * A 2xx answer finishes with its reply, anything else with an error whose
 * message (in French) says what the server objected to. */
void               cercle_client_send_async    (CercleClient         *self,
                                                const char           *method,
                                                const char           *path,
                                                JsonNode             *body,
                                                const char           *if_match,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
CercleClientReply *cercle_client_send_finish   (CercleClient         *self,
                                                GAsyncResult         *result,
                                                GError              **error);

/* A GET whose answer is not JSON (a file): the reply's @raw holds it. */
void               cercle_client_fetch_async   (CercleClient         *self,
                                                const char           *path,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
CercleClientReply *cercle_client_fetch_finish  (CercleClient         *self,
                                                GAsyncResult         *result,
                                                GError              **error);

/* The "next" link of a searchset or history Bundle, or NULL. */
const char        *cercle_client_bundle_next   (JsonNode             *bundle);

G_END_DECLS
