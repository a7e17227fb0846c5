/* cercle-server-sync.h — what the history feed tells a syncing client
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cercle-server-store.h"
#include "cercle-token-issuer.h"

G_BEGIN_DECLS

#define CERCLE_SERVER_SYNC_ACCESS_SYSTEM "https://cercle.fr/fhir/CodeSystem/sync-access"

gint64  cercle_server_sync_last_seq      (CercleServerStore   *store);
char   *cercle_server_sync_access_digest (CercleServerStore   *store,
                                          const CercleAccount *account,
                                          guint                generation);

gboolean cercle_server_sync_export_directory (CercleServerStore  *store,
                                             char              **gzip,
                                             gsize              *length,
                                             gint64             *cursor,
                                             GError            **error);

G_END_DECLS
