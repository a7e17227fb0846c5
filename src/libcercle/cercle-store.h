/* cercle-store.h — the local store of the app, the sync service and the CLI
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cercle-db.h"

G_BEGIN_DECLS

char     *cercle_store_default_path   (void);
CercleDb *cercle_store_open           (const char  *path,
                                       GError     **error);
gboolean  cercle_store_outbox_add     (CercleDb    *db,
                                       const char  *resource_type,
                                       const char  *resource_id,
                                       const char  *method,
                                       const char  *body,
                                       GError     **error);
gboolean  cercle_store_outbox_add_for_patient (CercleDb    *db,
                                               const char  *resource_type,
                                               const char  *resource_id,
                                               const char  *patient_id,
                                               const char  *method,
                                               const char  *body,
                                               GError     **error);

gboolean  cercle_store_resource_put       (CercleDb    *db,
                                           const char  *type,
                                           const char  *id,
                                           const char  *patient_id,
                                           const char  *author_ref,
                                           const char  *json,
                                           const char  *version_id,
                                           const char  *last_updated,
                                           GError     **error);
gboolean  cercle_store_resource_mark_read (CercleDb    *db,
                                           const char  *type,
                                           const char  *id,
                                           GError     **error);
gboolean  cercle_store_forget_patient     (CercleDb    *db,
                                           const char  *patient_id,
                                           GError     **error);

/**
 * CercleSyncState:
 * @CERCLE_SYNC_STATE_SENT: the server has it (« Envoyé »)
 * @CERCLE_SYNC_STATE_PENDING: waiting in the outbox (« En attente d'envoi »)
 * @CERCLE_SYNC_STATE_REFUSED: the server refused it (« Refusé : … »)
 */
typedef enum {
  CERCLE_SYNC_STATE_SENT,
  CERCLE_SYNC_STATE_PENDING,
  CERCLE_SYNC_STATE_REFUSED,
} CercleSyncState;

CercleSyncState cercle_store_get_sync_state (CercleDb    *db,
                                             const char  *resource_type,
                                             const char  *resource_id,
                                             char       **message);

gboolean  cercle_store_set_account   (CercleDb    *db,
                                      const char  *server_url,
                                      const char  *login,
                                      const char  *practitioner_ref,
                                      const char  *organization_ref,
                                      const char  *display,
                                      GError     **error);
gboolean  cercle_store_get_account   (CercleDb    *db,
                                      char       **server_url,
                                      char       **login,
                                      char       **practitioner_ref,
                                      char       **organization_ref,
                                      char       **display);
gboolean  cercle_store_clear_account (CercleDb    *db,
                                      GError     **error);

G_END_DECLS
