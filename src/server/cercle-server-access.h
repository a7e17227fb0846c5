/* cercle-server-access.h — who may see and change what
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cercle-server-store.h"
#include "cercle-token-issuer.h"

G_BEGIN_DECLS

gboolean cercle_server_access_is_member  (CercleServerStore   *store,
                                          const CercleAccount *account,
                                          const char          *patient_id);
void     cercle_server_access_add_filter (const CercleAccount *account,
                                          const char          *alias,
                                          GString             *sql,
                                          GPtrArray           *binds);
gboolean cercle_server_access_can_read   (CercleServerStore   *store,
                                          const CercleAccount *account,
                                          const char          *type,
                                          const char          *id);
gboolean cercle_server_access_bind       (sqlite3_stmt        *stmt,
                                          GPtrArray           *binds);

G_END_DECLS
