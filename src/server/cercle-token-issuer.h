/* cercle-token-issuer.h — who hands out and checks the API's bearer tokens
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The whole token handling of the server goes through this interface, so
 * that Pro Santé Connect (OpenID Connect) can replace the password grant of
 * the demo and of tests without touching the rest.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* OAuth2 errors (RFC 6749 §5.2); the message is safe to send back. */
#define CERCLE_AUTH_ERROR (cercle_auth_error_quark ())
typedef enum {
  CERCLE_AUTH_ERROR_INVALID_REQUEST,
  CERCLE_AUTH_ERROR_INVALID_GRANT,
  CERCLE_AUTH_ERROR_UNSUPPORTED_GRANT_TYPE,
  CERCLE_AUTH_ERROR_INVALID_TOKEN,
  /* A refresh for an account disabled on the server: its sessions will
   * not come back, the client forgets the data it received (domain.md §7). */
  CERCLE_AUTH_ERROR_ACCOUNT_DISABLED,
} CercleAuthError;

GQuark      cercle_auth_error_quark (void);
const char *cercle_auth_error_name  (CercleAuthError code);

typedef struct {
  char *login;
  char *display_name;
  char *practitioner_id;
  char *organization_id;   /* set for an account acting for a structure */
} CercleAccount;

typedef struct {
  char          *access_token;
  char          *refresh_token;
  gint64         expires_in;
  CercleAccount *account;
} CercleTokenGrant;

CercleAccount    *cercle_account_copy      (const CercleAccount *account);
void              cercle_account_free      (CercleAccount       *account);
void              cercle_token_grant_free  (CercleTokenGrant    *grant);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CercleAccount, cercle_account_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CercleTokenGrant, cercle_token_grant_free)

#define CERCLE_TYPE_TOKEN_ISSUER (cercle_token_issuer_get_type ())
G_DECLARE_INTERFACE (CercleTokenIssuer, cercle_token_issuer, CERCLE, TOKEN_ISSUER, GObject)

struct _CercleTokenIssuerInterface
{
  GTypeInterface parent_iface;

  /* @form: the fields of POST /auth/token (grant_type and its own). Errors
   * are CERCLE_SERVER_ERROR_INVALID (400) or _UNAUTHORIZED (401). */
  CercleTokenGrant *(*grant)    (CercleTokenIssuer  *self,
                                 GHashTable         *form,
                                 GError            **error);
  CercleAccount    *(*validate) (CercleTokenIssuer  *self,
                                 const char         *access_token,
                                 GError            **error);
  gboolean          (*revoke)   (CercleTokenIssuer  *self,
                                 const char         *token,
                                 GError            **error);

  /* Optional: a grant in two steps, for an issuer whose check is slow (a
   * password hash): grant_async() checks off the calling thread, and
   * grant_finish(), on the caller's thread, writes the tokens. Without
   * them, grant_finish() calls grant(). */
  void              (*grant_async)  (CercleTokenIssuer   *self,
                                     GHashTable          *form,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data);
  CercleTokenGrant *(*grant_finish) (CercleTokenIssuer   *self,
                                     GAsyncResult        *result,
                                     GError             **error);
};

CercleTokenGrant *cercle_token_issuer_grant    (CercleTokenIssuer  *self,
                                                GHashTable         *form,
                                                GError            **error);
void              cercle_token_issuer_grant_async  (CercleTokenIssuer   *self,
                                                    GHashTable          *form,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
CercleTokenGrant *cercle_token_issuer_grant_finish (CercleTokenIssuer   *self,
                                                    GAsyncResult        *result,
                                                    GError             **error);
CercleAccount    *cercle_token_issuer_validate (CercleTokenIssuer  *self,
                                                const char         *access_token,
                                                GError            **error);
gboolean          cercle_token_issuer_revoke   (CercleTokenIssuer  *self,
                                                const char         *token,
                                                GError            **error);

G_END_DECLS
