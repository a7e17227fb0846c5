/* cercle-server-auth.c — accounts with passwords, and their tokens
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The password grant of OAuth2, for the demo, tests and sites without Pro
 * Santé Connect. Passwords are kept as yescrypt hashes (libxcrypt); tokens
 * are 32 random bytes from the kernel, and only their SHA-256 is stored, so
 * a copy of the database gives no usable token. Refresh tokens rotate: each
 * use revokes the one used, and using a revoked one revokes its whole family
 * (someone else had a copy).
 */
#define G_LOG_DOMAIN "cercle-server"

#include "config.h"

#include <crypt.h>
#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include <glib/gi18n.h>

#include "cercle-server-auth.h"
#include "cercle-server-log.h"

struct _CercleServerAuth
{
  GObject            parent_instance;
  CercleServerStore *store;
  gint64             access_lifetime;
  gint64             refresh_lifetime;
  char              *dummy_hash;
  /* Access tokens already checked: digest → ValidToken. Emptied when a
   * token is revoked here, and when another process (cercle-server user
   * disable) changed the database. */
  GHashTable        *valid;
  gint64             data_version;
  /* Password hashes run here, not on the main loop: at most half the
   * cores, so that hashing (by a crowd of wrong passwords) leaves the rest
   * to the requests. */
  GThreadPool       *hashers;
};

typedef struct {
  CercleAccount *account;
  gint64         expires_at;
} ValidToken;

/* Bounds the memory of the cache; a full one starts again empty. */
#define MAX_VALID_TOKENS 4096

static void
valid_token_free (ValidToken *valid)
{
  cercle_account_free (valid->account);
  g_free (valid);
}

static void token_issuer_iface_init (CercleTokenIssuerInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (CercleServerAuth, cercle_server_auth, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (CERCLE_TYPE_TOKEN_ISSUER, token_issuer_iface_init))

static void
cercle_server_auth_finalize (GObject *object)
{
  CercleServerAuth *self = (CercleServerAuth *)object;

  if (self->hashers)
    g_thread_pool_free (self->hashers, FALSE, TRUE);
  g_clear_object (&self->store);
  g_free (self->dummy_hash);
  g_hash_table_unref (self->valid);
  G_OBJECT_CLASS (cercle_server_auth_parent_class)->finalize (object);
}

static void
cercle_server_auth_class_init (CercleServerAuthClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cercle_server_auth_finalize;
}

static void
cercle_server_auth_init (CercleServerAuth *self)
{
  self->valid = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) valid_token_free);
  self->data_version = -1;
}

CercleServerAuth *
cercle_server_auth_new (CercleServerStore *store,
                        gint64             access_lifetime,
                        gint64             refresh_lifetime)
{
  CercleServerAuth *self = g_object_new (CERCLE_TYPE_SERVER_AUTH, NULL);

  self->store = g_object_ref (store);
  self->access_lifetime = access_lifetime;
  self->refresh_lifetime = refresh_lifetime;
  /* Made once, before any worker may read it. */
  self->dummy_hash = cercle_server_auth_hash_password ("not a password", NULL);
  return self;
}

/* A new yescrypt hash of @password with a fresh salt. */
char *
cercle_server_auth_hash_password (const char  *password,
                                  GError     **error)
{
  char *setting;
  void *data = NULL;
  int size = 0;
  const char *hashed;
  char *result = NULL;

  setting = crypt_gensalt_ra ("$y$", 0, NULL, 0);
  if (setting == NULL)
    {
      int errsv = errno;
      g_set_error (error, CERCLE_SERVER_ERROR, CERCLE_SERVER_ERROR_INTERNAL,
                   "Cannot make a salt: %s", g_strerror (errsv));
      return NULL;
    }
  hashed = crypt_ra (password, setting, &data, &size);
  if (hashed && hashed[0] != '*')
    result = g_strdup (hashed);
  else
    g_set_error (error, CERCLE_SERVER_ERROR, CERCLE_SERVER_ERROR_INTERNAL, "Cannot hash the password");
  if (data)
    explicit_bzero (data, size);
  free (data);
  free (setting);
  return result;
}

static gboolean
constant_time_equal (const char *a,
                     const char *b)
{
  gsize la = strlen (a), lb = strlen (b);
  unsigned char diff = la != lb;

  for (gsize i = 0; i < la && i < lb; i++)
    diff |= (unsigned char) (a[i] ^ b[i]);
  return diff == 0;
}

static gboolean
check_password (const char *password,
                const char *stored)
{
  void *data = NULL;
  int size = 0;
  const char *hashed = crypt_ra (password, stored, &data, &size);
  gboolean ok = hashed && hashed[0] != '*' && constant_time_equal (hashed, stored);

  if (data)
    explicit_bzero (data, size);
  free (data);
  return ok;
}

static char *
token_digest (const char *token)
{
  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, token, -1);
}

static char *
random_token (GError **error)
{
  guchar bytes[32];
  gsize got = 0;
  char *text, *p;

  while (got < sizeof bytes)
    {
      ssize_t n = getrandom (bytes + got, sizeof bytes - got, 0);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int errsv = errno;
          g_set_error (error, CERCLE_SERVER_ERROR, CERCLE_SERVER_ERROR_INTERNAL,
                       "No random bytes: %s", g_strerror (errsv));
          return NULL;
        }
      got += n;
    }
  text = g_base64_encode (bytes, sizeof bytes);
  explicit_bzero (bytes, sizeof bytes);
  /* base64url without padding: safe in headers and forms as is. */
  for (p = text; *p; p++)
    if (*p == '+')
      *p = '-';
    else if (*p == '/')
      *p = '_';
    else if (*p == '=')
      *p = '\0';
  return text;
}

static gboolean
store_token (CercleServerAuth  *self,
             const char        *token,
             const char        *kind,
             const char        *login,
             const char        *family,
             gint64             expires_at,
             GError           **error)
{
  CercleDb *db = cercle_server_store_get_db (self->store);
  g_autofree char *digest = token_digest (token);
  sqlite3_stmt *stmt;

  stmt = cercle_db_prepare (db, "INSERT INTO tokens (hash, kind, login, family, expires_at) VALUES (?, ?, ?, ?, ?)",
                            error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, digest, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, kind, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, login, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, family, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 5, expires_at);
  return cercle_db_step_done (db, stmt, error);
}

static CercleAccount *
load_account (CercleServerAuth  *self,
              const char        *login,
              char             **password_hash)
{
  CercleDb *db = cercle_server_store_get_db (self->store);
  sqlite3_stmt *stmt;
  CercleAccount *account = NULL;

  stmt = cercle_db_prepare (db,
                            "SELECT login, display_name, practitioner_id, organization_id, password_hash"
                            " FROM accounts WHERE login = ? AND disabled = 0", NULL);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, login, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      account = g_new0 (CercleAccount, 1);
      account->login = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      account->display_name = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
      account->practitioner_id = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
      account->organization_id = g_strdup ((const char *) sqlite3_column_text (stmt, 3));
      if (password_hash)
        *password_hash = g_strdup ((const char *) sqlite3_column_text (stmt, 4));
    }
  sqlite3_reset (stmt);
  return account;
}

static gboolean
account_disabled (CercleServerAuth *self,
                  const char       *login)
{
  CercleDb *db = cercle_server_store_get_db (self->store);
  sqlite3_stmt *stmt = cercle_db_prepare (db, "SELECT disabled FROM accounts WHERE login = ?", NULL);
  gboolean disabled = FALSE;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, login, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    disabled = sqlite3_column_int (stmt, 0) != 0;
  sqlite3_reset (stmt);
  return disabled;
}

static CercleTokenGrant *
issue (CercleServerAuth  *self,
       CercleAccount     *account,
       const char        *family_in,
       GError           **error)
{
  g_autoptr(CercleTokenGrant) grant = g_new0 (CercleTokenGrant, 1);
  g_autofree char *family = family_in ? g_strdup (family_in) : g_uuid_string_random ();
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  grant->account = account;
  grant->access_token = random_token (error);
  if (grant->access_token == NULL)
    return NULL;
  grant->refresh_token = random_token (error);
  if (grant->refresh_token == NULL)
    return NULL;
  grant->expires_in = self->access_lifetime;
  if (!store_token (self, grant->access_token, "access", account->login, family, now + self->access_lifetime, error) ||
      !store_token (self, grant->refresh_token, "refresh", account->login, family, now + self->refresh_lifetime, error))
    return NULL;
  return g_steal_pointer (&grant);
}

static const char *
form_get (GHashTable *form,
          const char *key)
{
  return form ? g_hash_table_lookup (form, key) : NULL;
}

static gboolean
revoke_family (CercleServerAuth *self,
               const char       *family,
               GError          **error)
{
  CercleDb *db = cercle_server_store_get_db (self->store);
  sqlite3_stmt *stmt = cercle_db_prepare (db, "UPDATE tokens SET revoked = 1 WHERE family = ?", error);

  g_hash_table_remove_all (self->valid);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, family, -1, SQLITE_STATIC);
  return cercle_db_step_done (db, stmt, error);
}

static CercleTokenGrant *
grant_refresh (CercleServerAuth  *self,
               const char        *refresh_token,
               GError           **error)
{
  CercleDb *db = cercle_server_store_get_db (self->store);
  g_autofree char *digest = token_digest (refresh_token);
  g_autofree char *login = NULL;
  g_autofree char *family = NULL;
  sqlite3_stmt *stmt;
  gint64 expires_at = 0;
  gboolean revoked = TRUE;
  CercleAccount *account;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  stmt = cercle_db_prepare (db, "SELECT login, family, expires_at, revoked FROM tokens WHERE hash = ? AND kind = 'refresh'",
                            error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, digest, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      login = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      family = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
      expires_at = sqlite3_column_int64 (stmt, 2);
      revoked = sqlite3_column_int (stmt, 3);
    }
  sqlite3_reset (stmt);

  if (login == NULL || expires_at <= now)
    {
      g_set_error (error, CERCLE_AUTH_ERROR, CERCLE_AUTH_ERROR_INVALID_GRANT, "The refresh token is not valid");
      return NULL;
    }
  /* Disabling revoked the token: say why, so that the device forgets the
   * patients' files it holds instead of waiting for a sign-in that cannot
   * come (an unexpired token of the account proves it was signed in). */
  if (account_disabled (self, login))
    {
      g_set_error (error, CERCLE_AUTH_ERROR, CERCLE_AUTH_ERROR_ACCOUNT_DISABLED, "The account is disabled");
      return NULL;
    }
  if (revoked)
    {
      /* A used refresh token comes back: someone else holds a copy. */
      g_autofree char *logged = cercle_server_log_text (login, CERCLE_SERVER_LOG_MAX_CHARS);

      g_message ("Refresh token reused for “%s”: revoking its family", logged);
      if (!revoke_family (self, family, error))
        return NULL;
      g_set_error (error, CERCLE_AUTH_ERROR, CERCLE_AUTH_ERROR_INVALID_GRANT, "The refresh token is not valid");
      return NULL;
    }

  stmt = cercle_db_prepare (db, "UPDATE tokens SET revoked = 1 WHERE hash = ?", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, digest, -1, SQLITE_STATIC);
  if (!cercle_db_step_done (db, stmt, error))
    return NULL;

  account = load_account (self, login, NULL);
  if (account == NULL)
    {
      g_set_error (error, CERCLE_AUTH_ERROR, CERCLE_AUTH_ERROR_INVALID_GRANT, "The account is disabled");
      return NULL;
    }
  return issue (self, account, family, error);
}

/* After the password check: tokens for @account (taken), or the error.
 * A failed sign-in logs the login typed only if it names an account: else
 * it may be a password typed in the wrong field, and only a tag that tells
 * two attempts apart is logged. */
static CercleTokenGrant *
password_outcome (CercleServerAuth  *self,
                  const char        *login,
                  CercleAccount     *account,
                  gboolean           ok,
                  GError           **error)
{
  if (!ok)
    {
      if (account)
        {
          g_autofree char *logged = cercle_server_log_text (login, CERCLE_SERVER_LOG_MAX_CHARS);

          g_message ("Failed login for the account “%s”", logged);
        }
      else
        {
          g_autofree char *tag = cercle_server_log_mask (login);

          g_message ("Failed login for a name that is no account (%s)", tag);
        }
      cercle_account_free (account);
      g_set_error (error, CERCLE_AUTH_ERROR, CERCLE_AUTH_ERROR_INVALID_GRANT, _("Wrong login or password"));
      return NULL;
    }
  {
    g_autofree char *logged = cercle_server_log_text (login, CERCLE_SERVER_LOG_MAX_CHARS);

    g_message ("Login of “%s”", logged);
  }
  return issue (self, account, NULL, error);
}

/* A password grant on its way: checked by a hasher, finished on the loop. */
typedef struct {
  GHashTable    *form;
  gboolean       password_grant;
  char          *login;
  char          *password;
  char          *stored;
  CercleAccount *account;
  gboolean       ok;
} PasswordCheck;

static void
password_check_free (PasswordCheck *check)
{
  g_hash_table_unref (check->form);
  g_free (check->login);
  if (check->password)
    explicit_bzero (check->password, strlen (check->password));
  g_free (check->password);
  g_free (check->stored);
  cercle_account_free (check->account);
  g_free (check);
}

static void
hasher_run (gpointer data,
            gpointer user_data)
{
  g_autoptr(GTask) task = data;
  CercleServerAuth *self = user_data;
  PasswordCheck *check = g_task_get_task_data (task);

  check->ok = check_password (check->password, check->stored ? check->stored : self->dummy_hash) &&
              check->account != NULL && check->stored != NULL;
  explicit_bzero (check->password, strlen (check->password));
  g_task_return_boolean (task, TRUE);
}

static void
cercle_server_auth_grant_async (CercleTokenIssuer   *issuer,
                                GHashTable          *form,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  CercleServerAuth *self = CERCLE_SERVER_AUTH (issuer);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  PasswordCheck *check = g_new0 (PasswordCheck, 1);
  const char *login = form_get (form, "username");
  const char *password = form_get (form, "password");

  g_task_set_source_tag (task, cercle_server_auth_grant_async);
  check->form = g_hash_table_ref (form);
  g_task_set_task_data (task, check, (GDestroyNotify) password_check_free);
  if (g_strcmp0 (form_get (form, "grant_type"), "password") != 0 || login == NULL || password == NULL)
    {
      /* Refresh tokens and malformed requests: nothing slow, all in finish. */
      g_task_return_boolean (task, TRUE);
      return;
    }
  check->password_grant = TRUE;
  check->login = g_strdup (login);
  check->password = g_strdup (password);
  /* The database on this thread; the hash on a hasher. */
  check->account = load_account (self, login, &check->stored);
  if (self->hashers == NULL)
    self->hashers = g_thread_pool_new (hasher_run, self, MAX (1, (int) g_get_num_processors () / 2), FALSE, NULL);
  g_thread_pool_push (self->hashers, g_steal_pointer (&task), NULL);
}

static CercleTokenGrant *
cercle_server_auth_grant_finish (CercleTokenIssuer  *issuer,
                                 GAsyncResult       *result,
                                 GError            **error)
{
  CercleServerAuth *self = CERCLE_SERVER_AUTH (issuer);
  PasswordCheck *check = g_task_get_task_data (G_TASK (result));

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return NULL;
  if (!check->password_grant)
    return cercle_token_issuer_grant (issuer, check->form, error);
  return password_outcome (self, check->login, g_steal_pointer (&check->account), check->ok, error);
}

static CercleTokenGrant *
cercle_server_auth_grant (CercleTokenIssuer  *issuer,
                          GHashTable         *form,
                          GError            **error)
{
  CercleServerAuth *self = CERCLE_SERVER_AUTH (issuer);
  const char *grant_type = form_get (form, "grant_type");

  if (g_strcmp0 (grant_type, "password") == 0)
    {
      const char *login = form_get (form, "username");
      const char *password = form_get (form, "password");
      g_autofree char *stored = NULL;
      CercleAccount *account;
      gboolean ok;

      if (login == NULL || password == NULL)
        {
          g_set_error (error, CERCLE_AUTH_ERROR, CERCLE_AUTH_ERROR_INVALID_REQUEST,
                       "username and password are required");
          return NULL;
        }
      account = load_account (self, login, &stored);
      /* An unknown login costs as much as a wrong password. */
      ok = check_password (password, stored ? stored : self->dummy_hash) && account != NULL && stored != NULL;
      return password_outcome (self, login, account, ok, error);
    }
  else if (g_strcmp0 (grant_type, "refresh_token") == 0)
    {
      const char *token = form_get (form, "refresh_token");

      if (token == NULL)
        {
          g_set_error (error, CERCLE_AUTH_ERROR, CERCLE_AUTH_ERROR_INVALID_REQUEST, "refresh_token is required");
          return NULL;
        }
      return grant_refresh (self, token, error);
    }

  g_set_error (error, CERCLE_AUTH_ERROR, CERCLE_AUTH_ERROR_UNSUPPORTED_GRANT_TYPE,
               "Supported grant types: password, refresh_token");
  return NULL;
}

static CercleAccount *
cercle_server_auth_validate (CercleTokenIssuer  *issuer,
                             const char         *access_token,
                             GError            **error)
{
  CercleServerAuth *self = CERCLE_SERVER_AUTH (issuer);
  CercleDb *db = cercle_server_store_get_db (self->store);
  g_autofree char *digest = token_digest (access_token);
  sqlite3_stmt *stmt;
  CercleAccount *account = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  ValidToken *valid;

  /* A commit by another connection (an account disabled from the command
   * line) may have revoked any token. */
  stmt = cercle_db_prepare (db, "PRAGMA data_version", error);
  if (stmt == NULL)
    return NULL;
  if (sqlite3_step (stmt) == SQLITE_ROW && sqlite3_column_int64 (stmt, 0) != self->data_version)
    {
      g_hash_table_remove_all (self->valid);
      self->data_version = sqlite3_column_int64 (stmt, 0);
    }
  sqlite3_reset (stmt);
  valid = g_hash_table_lookup (self->valid, digest);
  if (valid && valid->expires_at > now)
    return cercle_account_copy (valid->account);

  stmt = cercle_db_prepare (db,
                            "SELECT a.login, a.display_name, a.practitioner_id, a.organization_id, t.expires_at"
                            " FROM tokens t JOIN accounts a ON a.login = t.login"
                            " WHERE t.hash = ? AND t.kind = 'access' AND t.revoked = 0 AND t.expires_at > ?"
                            " AND a.disabled = 0", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, digest, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, now);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      account = g_new0 (CercleAccount, 1);
      account->login = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      account->display_name = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
      account->practitioner_id = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
      account->organization_id = g_strdup ((const char *) sqlite3_column_text (stmt, 3));
      if (g_hash_table_size (self->valid) >= MAX_VALID_TOKENS)
        g_hash_table_remove_all (self->valid);
      valid = g_new0 (ValidToken, 1);
      valid->account = cercle_account_copy (account);
      valid->expires_at = sqlite3_column_int64 (stmt, 4);
      g_hash_table_replace (self->valid, g_steal_pointer (&digest), valid);
    }
  sqlite3_reset (stmt);
  if (account == NULL)
    g_set_error (error, CERCLE_AUTH_ERROR, CERCLE_AUTH_ERROR_INVALID_TOKEN,
                 "The access token is invalid, expired or revoked");
  return account;
}

static gboolean
cercle_server_auth_revoke (CercleTokenIssuer  *issuer,
                           const char         *token,
                           GError            **error)
{
  CercleServerAuth *self = CERCLE_SERVER_AUTH (issuer);
  CercleDb *db = cercle_server_store_get_db (self->store);
  g_autofree char *digest = token_digest (token);
  g_autofree char *family = NULL;
  sqlite3_stmt *stmt;

  stmt = cercle_db_prepare (db, "SELECT family FROM tokens WHERE hash = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, digest, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    family = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);
  /* RFC 7009: an unknown token is not an error. Revoking one token ends
   * the session it belongs to. */
  if (family == NULL)
    return TRUE;
  return revoke_family (self, family, error);
}

static void
token_issuer_iface_init (CercleTokenIssuerInterface *iface)
{
  iface->grant = cercle_server_auth_grant;
  iface->validate = cercle_server_auth_validate;
  iface->revoke = cercle_server_auth_revoke;
  iface->grant_async = cercle_server_auth_grant_async;
  iface->grant_finish = cercle_server_auth_grant_finish;
}

/* Adds or replaces the account @login. */
gboolean
cercle_server_auth_add_user (CercleServerStore  *store,
                             const char         *login,
                             const char         *password,
                             const char         *practitioner_id,
                             const char         *organization_id,
                             const char         *display_name,
                             GError            **error)
{
  CercleDb *db = cercle_server_store_get_db (store);
  g_autofree char *hash = NULL;
  sqlite3_stmt *stmt;

  hash = cercle_server_auth_hash_password (password, error);
  if (hash == NULL)
    return FALSE;
  stmt = cercle_db_prepare (db,
                            "INSERT INTO accounts (login, password_hash, practitioner_id, organization_id, display_name)"
                            " VALUES (?, ?, ?, ?, ?)"
                            " ON CONFLICT (login) DO UPDATE SET password_hash = excluded.password_hash,"
                            " practitioner_id = excluded.practitioner_id, organization_id = excluded.organization_id,"
                            " display_name = excluded.display_name, disabled = 0", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, login, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, hash, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, practitioner_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, organization_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 5, display_name, -1, SQLITE_STATIC);
  return cercle_db_step_done (db, stmt, error);
}

/* Disables @login and revokes every token it holds. */
gboolean
cercle_server_auth_disable_user (CercleServerStore  *store,
                                 const char         *login,
                                 GError            **error)
{
  CercleDb *db = cercle_server_store_get_db (store);
  sqlite3_stmt *stmt;

  stmt = cercle_db_prepare (db, "UPDATE accounts SET disabled = 1 WHERE login = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, login, -1, SQLITE_STATIC);
  if (!cercle_db_step_done (db, stmt, error))
    return FALSE;
  if (sqlite3_changes (cercle_db_get_handle (db)) == 0)
    {
      g_set_error (error, CERCLE_SERVER_ERROR, CERCLE_SERVER_ERROR_NOT_FOUND, "No account “%s”", login);
      return FALSE;
    }
  stmt = cercle_db_prepare (db, "UPDATE tokens SET revoked = 1 WHERE login = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, login, -1, SQLITE_STATIC);
  return cercle_db_step_done (db, stmt, error);
}
