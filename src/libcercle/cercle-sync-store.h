/* cercle-sync-store.h — what the sync engine keeps in the local store
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cercle-db.h"

G_BEGIN_DECLS

/* Keys of the sync_state table */
#define CERCLE_SYNC_KEY_CURSOR  "cursor"   /* the server's feed position, as it gave it */
#define CERCLE_SYNC_KEY_ACCESS  "access"   /* the server's digest of the patients we may see */

gboolean  cercle_sync_store_migrate        (CercleDb    *db,
                                            GError     **error);
char     *cercle_sync_store_get            (CercleDb    *db,
                                            const char  *key);
gboolean  cercle_sync_store_set            (CercleDb    *db,
                                            const char  *key,
                                            const char  *value,
                                            GError     **error);
gboolean  cercle_sync_store_reset          (CercleDb    *db,
                                            GError     **error);
gboolean  cercle_sync_store_add_conflict   (CercleDb    *db,
                                            const char  *resource_type,
                                            const char  *resource_id,
                                            const char  *local_json,
                                            const char  *server_json,
                                            GError     **error);
guint     cercle_sync_store_count_conflicts (CercleDb   *db);
gboolean  cercle_sync_store_request_trail  (CercleDb    *db,
                                            const char  *patient_id,
                                            GError     **error);
void      cercle_sync_store_count_outbox   (CercleDb    *db,
                                            guint       *pending,
                                            guint       *refused);

G_END_DECLS
