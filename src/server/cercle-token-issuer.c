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
    case CERCLE_AUTH_ERROR_ACCOUNT_DISABLED: return "account_disabled";
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

/**
 * cercle_token_issuer_grant_async:
 * @self: an issuer
 * @form: the fields of POST /auth/token
 * @cancellable: (nullable): a cancellable
 * @callback: called on the thread-default main context of the caller
 * @user_data: its data
 *
 * Checks a grant without blocking the caller (a password is hashed on a
 * worker thread). Call cercle_token_issuer_grant_finish() from @callback,
 * where tokens may be written.
 */
void
cercle_token_issuer_grant_async (CercleTokenIssuer   *self,
                                 GHashTable          *form,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  CercleTokenIssuerInterface *iface;
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (CERCLE_IS_TOKEN_ISSUER (self));
  g_return_if_fail (form != NULL);

  iface = CERCLE_TOKEN_ISSUER_GET_IFACE (self);
  if (iface->grant_async)
    {
      iface->grant_async (self, form, cancellable, callback, user_data);
      return;
    }
  /* Nothing slow to run apart: grant() runs in finish. */
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, cercle_token_issuer_grant_async);
  g_task_set_task_data (task, g_hash_table_ref (form), (GDestroyNotify) g_hash_table_unref);
  g_task_return_boolean (task, TRUE);
}

/**
 * cercle_token_issuer_grant_finish:
 * @self: an issuer
 * @result: the result given to the callback
 * @error: return location for an error
 *
 * Ends a grant: writes and returns its tokens.
 *
 * Returns: (transfer full): the grant, or %NULL
 */
CercleTokenGrant *
cercle_token_issuer_grant_finish (CercleTokenIssuer  *self,
                                  GAsyncResult       *result,
                                  GError            **error)
{
  CercleTokenIssuerInterface *iface;

  g_return_val_if_fail (CERCLE_IS_TOKEN_ISSUER (self), NULL);

  iface = CERCLE_TOKEN_ISSUER_GET_IFACE (self);
  if (iface->grant_async)
    return iface->grant_finish (self, result, error);
  if (!g_task_propagate_boolean (G_TASK (result), error))
    return NULL;
  return iface->grant (self, g_task_get_task_data (G_TASK (result)), error);
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
