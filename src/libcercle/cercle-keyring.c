/* cercle-keyring.c — a signed-in account's secret in the Secret Service
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A thin layer over libsecret's password calls: one schema, its two
 * attributes, and errors turned into a sentence a person can act on.
 */
#define G_LOG_DOMAIN "cercle-keyring"

#include "config.h"

#include <libsecret/secret.h>

#include "cercle-i18n.h"
#include "cercle-keyring.h"

G_DEFINE_QUARK (cercle-keyring-error-quark, cercle_keyring_error)

static const SecretSchema *
session_schema (void)
{
  static const SecretSchema schema = {
    "fr.cercle.Cercle.Session", SECRET_SCHEMA_NONE,
    {
      { "server", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "login", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    },
  };

  return &schema;
}

/* Cancellation stays what it is; anything else from libsecret or D-Bus
 * becomes "the keyring is unavailable", with its reason. */
static void
return_error (GTask  *task,
              GError *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_new_error (task, CERCLE_KEYRING_ERROR, CERCLE_KEYRING_ERROR_UNAVAILABLE,
                           _("The keyring is unavailable: %s"), error->message);
  g_error_free (error);
}

/* ---------------------------------------------------------------- store -- */

static void
store_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!secret_password_store_finish (result, &error))
    return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
cercle_keyring_store_async (const char          *server,
                            const char          *login,
                            const char          *secret,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *label = NULL;

  g_return_if_fail (server != NULL && login != NULL && secret != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, cercle_keyring_store_async);
  /* TRANSLATORS: the label of the keyring item, as Passwords and Keys shows
   * it; the first %s is a login, the second a server's address */
  label = g_strdup_printf (_("Cercle session of %s on %s"), login, server);
  secret_password_store (session_schema (), SECRET_COLLECTION_DEFAULT, label, secret,
                         cancellable, store_cb, g_steal_pointer (&task),
                         "server", server, "login", login, NULL);
}

gboolean
cercle_keyring_store_finish (GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* --------------------------------------------------------------- lookup -- */

static void
lookup_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  char *secret = secret_password_lookup_finish (result, &error);

  if (error != NULL)
    return_error (task, error);
  else
    g_task_return_pointer (task, secret, (GDestroyNotify) secret_password_free);
}

void
cercle_keyring_lookup_async (const char          *server,
                             const char          *login,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (server != NULL && login != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, cercle_keyring_lookup_async);
  secret_password_lookup (session_schema (), cancellable, lookup_cb, task,
                          "server", server, "login", login, NULL);
}

char *
cercle_keyring_lookup_finish (GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---------------------------------------------------------------- clear -- */

static void
clear_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  /* FALSE without an error: there was nothing to remove. */
  secret_password_clear_finish (result, &error);
  if (error != NULL)
    return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
cercle_keyring_clear_async (const char          *server,
                            const char          *login,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (server != NULL && login != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, cercle_keyring_clear_async);
  secret_password_clear (session_schema (), cancellable, clear_cb, task,
                         "server", server, "login", login, NULL);
}

gboolean
cercle_keyring_clear_finish (GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---------------------------------------------------------- list_logins -- */

static int
newest_first (gconstpointer a,
              gconstpointer b)
{
  guint64 ma = secret_retrievable_get_modified (SECRET_RETRIEVABLE ((gpointer) a));
  guint64 mb = secret_retrievable_get_modified (SECRET_RETRIEVABLE ((gpointer) b));

  return ma < mb ? 1 : ma > mb ? -1 : 0;
}

static void
search_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  GList *items = secret_password_search_finish (result, &error);
  g_autoptr(GStrvBuilder) logins = g_strv_builder_new ();

  if (error != NULL)
    {
      return_error (task, error);
      return;
    }
  items = g_list_sort (items, newest_first);
  for (GList *l = items; l != NULL; l = l->next)
    {
      g_autoptr(GHashTable) attributes = secret_retrievable_get_attributes (l->data);
      const char *login = g_hash_table_lookup (attributes, "login");

      if (login != NULL)
        g_strv_builder_add (logins, login);
    }
  g_list_free_full (items, g_object_unref);
  g_task_return_pointer (task, g_strv_builder_end (logins), (GDestroyNotify) g_strfreev);
}

void
cercle_keyring_list_logins_async (const char          *server,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (server != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, cercle_keyring_list_logins_async);
  secret_password_search (session_schema (), SECRET_SEARCH_ALL, cancellable, search_cb, task,
                          "server", server, NULL);
}

GStrv
cercle_keyring_list_logins_finish (GAsyncResult  *result,
                                   GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
cercle_keyring_secret_free (char *secret)
{
  secret_password_free (secret);
}
