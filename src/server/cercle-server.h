/* cercle-server.h — the FHIR R4 REST API over HTTP
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "cercle-server-store.h"
#include "cercle-token-issuer.h"

G_BEGIN_DECLS

#define CERCLE_SERVER_MAX_BODY (1024 * 1024)

#define CERCLE_TYPE_SERVER (cercle_server_get_type ())
G_DECLARE_FINAL_TYPE (CercleServer, cercle_server, CERCLE, SERVER, GObject)

CercleServer *cercle_server_new    (CercleServerStore  *store,
                                    CercleTokenIssuer  *issuer);
gboolean      cercle_server_listen (CercleServer       *self,
                                    GSocketAddress     *address,
                                    GTlsCertificate    *certificate,
                                    GError            **error);
GSList       *cercle_server_get_uris (CercleServer     *self);

G_END_DECLS
