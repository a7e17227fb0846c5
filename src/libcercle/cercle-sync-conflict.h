/* cercle-sync-conflict.h — a change the server refused because someone else changed it meanwhile
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cercle-db.h"

G_BEGIN_DECLS

#define CERCLE_TYPE_SYNC_CONFLICT (cercle_sync_conflict_get_type ())
G_DECLARE_FINAL_TYPE (CercleSyncConflict, cercle_sync_conflict, CERCLE, SYNC_CONFLICT, GObject)

GPtrArray  *cercle_sync_conflict_list_for_patient (CercleDb            *db,
                                                   const char          *patient_id,
                                                   GError             **error);
const char *cercle_sync_conflict_get_resource_type (CercleSyncConflict *self);
const char *cercle_sync_conflict_get_resource_id   (CercleSyncConflict *self);
const char *cercle_sync_conflict_get_patient_id    (CercleSyncConflict *self);
const char *cercle_sync_conflict_get_local_json    (CercleSyncConflict *self);
const char *cercle_sync_conflict_get_server_json   (CercleSyncConflict *self);
const char *cercle_sync_conflict_get_created_at    (CercleSyncConflict *self);
const char *cercle_sync_conflict_get_subject       (CercleSyncConflict *self);
GStrv       cercle_sync_conflict_dup_differences   (CercleSyncConflict *self);
gboolean    cercle_sync_conflict_keep_mine         (CercleDb           *db,
                                                    CercleSyncConflict *self,
                                                    GError            **error);
gboolean    cercle_sync_conflict_keep_server       (CercleDb           *db,
                                                    CercleSyncConflict *self,
                                                    GError            **error);

G_END_DECLS
