/* cercle-sync-service.h — fr.cercle.Cercle.Sync, the background sync service
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define CERCLE_TYPE_SYNC_SERVICE (cercle_sync_service_get_type ())
G_DECLARE_FINAL_TYPE (CercleSyncService, cercle_sync_service, CERCLE, SYNC_SERVICE, GObject)

/* @request_timeout: seconds a request may take, 0 for the client's default;
 * @page_size: entries of a feed page, @batch_size: outbox rows sent as one
 * transaction; 0 for the engine's defaults */
CercleSyncService *cercle_sync_service_new    (const char        *db_path,
                                               guint              request_timeout,
                                               guint              page_size,
                                               guint              batch_size,
                                               GError           **error);
gboolean           cercle_sync_service_export (CercleSyncService *self,
                                               GDBusConnection   *connection,
                                               GError           **error);

G_END_DECLS
