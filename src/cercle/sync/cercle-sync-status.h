/* cercle-sync-status.h — the sync service's state, for the widgets
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define CERCLE_SYNC_STATUS_ERROR (cercle_sync_status_error_quark ())

typedef enum
{
  CERCLE_SYNC_STATUS_ERROR_UNAVAILABLE,  /* the service is not installed or not running */
  CERCLE_SYNC_STATUS_ERROR_FAILED,       /* the service said no: its French message */
} CercleSyncStatusError;

GQuark cercle_sync_status_error_quark (void);

#define CERCLE_TYPE_SYNC_STATUS (cercle_sync_status_get_type ())
G_DECLARE_FINAL_TYPE (CercleSyncStatus, cercle_sync_status, CERCLE, SYNC_STATUS, GObject)

CercleSyncStatus *cercle_sync_status_new               (void);

gboolean          cercle_sync_status_get_ready         (CercleSyncStatus     *self);
gboolean          cercle_sync_status_get_available     (CercleSyncStatus     *self);
const char       *cercle_sync_status_get_state         (CercleSyncStatus     *self);
const char       *cercle_sync_status_get_last_error    (CercleSyncStatus     *self);
gint64            cercle_sync_status_get_last_sync     (CercleSyncStatus     *self);
guint             cercle_sync_status_get_pending_count (CercleSyncStatus     *self);
guint             cercle_sync_status_get_refused_count (CercleSyncStatus     *self);
const char       *cercle_sync_status_get_server_url    (CercleSyncStatus     *self);
const char       *cercle_sync_status_get_login         (CercleSyncStatus     *self);
const char       *cercle_sync_status_get_practitioner  (CercleSyncStatus     *self);
const char       *cercle_sync_status_get_organization  (CercleSyncStatus     *self);
gboolean          cercle_sync_status_get_signed_in     (CercleSyncStatus     *self);
gboolean          cercle_sync_status_get_can_sign_in   (CercleSyncStatus     *self);
gboolean          cercle_sync_status_get_can_sync      (CercleSyncStatus     *self);

void              cercle_sync_status_sign_in_async     (CercleSyncStatus     *self,
                                                        const char           *server,
                                                        const char           *login,
                                                        const char           *password,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
gboolean          cercle_sync_status_sign_in_finish    (CercleSyncStatus     *self,
                                                        GAsyncResult         *result,
                                                        GError              **error);
void              cercle_sync_status_sign_out_async    (CercleSyncStatus     *self,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
gboolean          cercle_sync_status_sign_out_finish   (CercleSyncStatus     *self,
                                                        GAsyncResult         *result,
                                                        GError              **error);
void              cercle_sync_status_sync_now          (CercleSyncStatus     *self);

char             *cercle_sync_format_relative_time     (gint64                then_us,
                                                        gint64                now_us);

G_END_DECLS
