/* cercle-token-issuer.c — who hands out and checks the API's bearer tokens
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "cercle-token-issuer.h"

G_DEFINE_QUARK (cercle-auth-error-quark, cercle_auth_error)

const char *
cercle_auth_error_name (CercleAuthError code)
{
  switch (code)
    {
    case CERCLE_AUTH_ERROR_INVALID_REQUEST: return "invalid_request";
    case CERCLE_AUTH_ERROR_INVALID_GRANT: return "invalid_grant";
    case CERCLE_AUTH_ERROR_UNSUPPORTED_GRANT_TYPE: return "unsupported_grant_type";
    case CERCLE_AUTH_ERROR_INVALID_TOKEN: return "invalid_token";
    default: return "invalid_request";
    }
}

G_DEFINE_INTERFACE (CercleTokenIssuer, cercle_token_issuer, G_TYPE_OBJECT)

static void
cercle_token_issuer_default_init (CercleTokenIssuerInterface *iface)
{
}

CercleAccount *
cercle_account_copy (const CercleAccount *account)
{
  CercleAccount *copy = g_new0 (CercleAccount, 1);

  copy->login = g_strdup (account->login);
  copy->display_name = g_strdup (account->display_name);
  copy->practitioner_id = g_strdup (account->practitioner_id);
  copy->organization_id = g_strdup (account->organization_id);
  return copy;
}

void
cercle_account_free (CercleAccount *account)
{
  if (account == NULL)
    return;
  g_free (account->login);
  g_free (account->display_name);
  g_free (account->practitioner_id);
  g_free (account->organization_id);
  g_free (account);
}

void
cercle_token_grant_free (CercleTokenGrant *grant)
{
  if (grant == NULL)
    return;
  /* Tokens are secrets: wipe them before the memory is reused. */
  if (grant->access_token)
    explicit_bzero (grant->access_token, strlen (grant->access_token));
  if (grant->refresh_token)
    explicit_bzero (grant->refresh_token, strlen (grant->refresh_token));
  g_free (grant->access_token);
  g_free (grant->refresh_token);
  cercle_account_free (grant->account);
  g_free (grant);
}

CercleTokenGrant *
cercle_token_issuer_grant (CercleTokenIssuer  *self,
                           GHashTable         *form,
                           GError            **error)
{
  g_return_val_if_fail (CERCLE_IS_TOKEN_ISSUER (self), NULL);
  return CERCLE_TOKEN_ISSUER_GET_IFACE (self)->grant (self, form, error);
}

CercleAccount *
cercle_token_issuer_validate (CercleTokenIssuer  *self,
                              const char         *access_token,
                              GError            **error)
{
  g_return_val_if_fail (CERCLE_IS_TOKEN_ISSUER (self), NULL);
  return CERCLE_TOKEN_ISSUER_GET_IFACE (self)->validate (self, access_token, error);
}

gboolean
cercle_token_issuer_revoke (CercleTokenIssuer  *self,
                            const char         *token,
                            GError            **error)
{
  g_return_val_if_fail (CERCLE_IS_TOKEN_ISSUER (self), FALSE);
  return CERCLE_TOKEN_ISSUER_GET_IFACE (self)->revoke (self, token, error);
}
