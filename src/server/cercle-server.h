/* cercle-server.h — the FHIR R4 REST API over HTTP
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "cercle-server-guard.h"
#include "cercle-server-store.h"
#include "cercle-token-issuer.h"

G_BEGIN_DECLS

#define CERCLE_SERVER_MAX_BODY (1024 * 1024)

/* Response deadlines of referral destinations (seconds). */
#define CERCLE_SERVER_DEFAULT_RESPONSE_DELAY (48 * 3600)
#define CERCLE_SERVER_DEFAULT_REMINDER_GRACE (24 * 3600)
#define CERCLE_SERVER_DEFAULT_DEADLINE_CHECK 60

#define CERCLE_TYPE_SERVER (cercle_server_get_type ())
G_DECLARE_FINAL_TYPE (CercleServer, cercle_server, CERCLE, SERVER, GObject)

CercleServer *cercle_server_new    (CercleServerStore  *store,
                                    CercleTokenIssuer  *issuer);
gboolean      cercle_server_listen (CercleServer       *self,
                                    GSocketAddress     *address,
                                    GTlsCertificate    *certificate,
                                    GError            **error);
GSList       *cercle_server_get_uris (CercleServer     *self);
const char   *cercle_server_get_public_url (CercleServer *self);
void          cercle_server_set_public_url (CercleServer *self,
                                            const char   *url);
void          cercle_server_set_limits (CercleServer             *self,
                                        const CercleServerLimits *limits);
void          cercle_server_set_deadlines (CercleServer *self,
                                           gint64        response_delay,
                                           gint64        reminder_grace,
                                           guint         check_interval);
void          cercle_server_set_readers (CercleServer *self,
                                         int           readers);
int           cercle_server_check_deadlines (CercleServer  *self,
                                             GError       **error);

G_END_DECLS
