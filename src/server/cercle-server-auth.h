/* cercle-server-auth.h — accounts with passwords, and their tokens
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cercle-server-store.h"
#include "cercle-token-issuer.h"

G_BEGIN_DECLS

#define CERCLE_TYPE_SERVER_AUTH (cercle_server_auth_get_type ())
G_DECLARE_FINAL_TYPE (CercleServerAuth, cercle_server_auth, CERCLE, SERVER_AUTH, GObject)

CercleServerAuth *cercle_server_auth_new          (CercleServerStore  *store,
                                                   gint64              access_lifetime,
                                                   gint64              refresh_lifetime);
char             *cercle_server_auth_hash_password (const char        *password,
                                                   GError            **error);
gboolean          cercle_server_auth_add_user     (CercleServerStore  *store,
                                                   const char         *login,
                                                   const char         *password,
                                                   const char         *practitioner_id,
                                                   const char         *organization_id,
                                                   const char         *display_name,
                                                   GError            **error);
gboolean          cercle_server_auth_disable_user (CercleServerStore  *store,
                                                   const char         *login,
                                                   GError            **error);

G_END_DECLS
