/* cercle-keyring.h — a signed-in account's secret in the Secret Service
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What survives a restart of a session is its refresh token, and it lives
 * in the user's keyring (libsecret), never in a file: one item per server
 * and login, schema "fr.cercle.Cercle.Session". A password is never stored.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define CERCLE_KEYRING_ERROR (cercle_keyring_error_quark ())
typedef enum {
  /* No Secret Service, or it refused: the message says why, in French. */
  CERCLE_KEYRING_ERROR_UNAVAILABLE,
} CercleKeyringError;

GQuark    cercle_keyring_error_quark    (void);

void      cercle_keyring_store_async    (const char           *server,
                                         const char           *login,
                                         const char           *secret,
                                         GCancellable         *cancellable,
                                         GAsyncReadyCallback   callback,
                                         gpointer              user_data);
gboolean  cercle_keyring_store_finish   (GAsyncResult         *result,
                                         GError              **error);

/* Finishes with NULL and no error when nothing is stored. Free the secret
 * with cercle_keyring_secret_free(). */
void      cercle_keyring_lookup_async   (const char           *server,
                                         const char           *login,
                                         GCancellable         *cancellable,
                                         GAsyncReadyCallback   callback,
                                         gpointer              user_data);
char     *cercle_keyring_lookup_finish  (GAsyncResult         *result,
                                         GError              **error);

/* Succeeds when there was nothing to clear. */
void      cercle_keyring_clear_async    (const char           *server,
                                         const char           *login,
                                         GCancellable         *cancellable,
                                         GAsyncReadyCallback   callback,
                                         gpointer              user_data);
gboolean  cercle_keyring_clear_finish   (GAsyncResult         *result,
                                         GError              **error);

/* The logins with a session stored for @server, the most recently stored
 * first (an empty array when there is none). */
void      cercle_keyring_list_logins_async  (const char           *server,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data);
GStrv     cercle_keyring_list_logins_finish (GAsyncResult         *result,
                                             GError              **error);

void      cercle_keyring_secret_free    (char                 *secret);

G_END_DECLS
