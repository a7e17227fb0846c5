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

G_END_DECLS
