/* cercle-server-access.h — who may see and change what
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cercle-server-store.h"
#include "cercle-token-issuer.h"

G_BEGIN_DECLS

/* The role that lets an account write the shared directory. */
#define CERCLE_SERVER_ROLE_ADMIN "admin"

gboolean cercle_server_access_migrate    (CercleDb            *db,
                                          GError             **error);
gboolean cercle_server_access_set_role   (CercleServerStore   *store,
                                          const char          *login,
                                          const char          *role,
                                          gboolean             grant,
                                          GError             **error);
gboolean cercle_server_access_is_admin   (CercleServerStore   *store,
                                          const CercleAccount *account);
gboolean cercle_server_access_is_self    (CercleServerStore   *store,
                                          const CercleAccount *account,
                                          const char          *reference);
void     cercle_server_access_add_version_filter (const CercleAccount *account,
                                                  const char          *alias,
                                                  GString             *sql,
                                                  GPtrArray           *binds);
gboolean cercle_server_access_can_read_version (CercleServerStore   *store,
                                                const CercleAccount *account,
                                                const char          *type,
                                                const char          *id,
                                                gint64               version);
gboolean cercle_server_access_check_references (CercleServerStore   *store,
                                                const CercleAccount *account,
                                                JsonObject          *resource,
                                                const char          *patient_id,
                                                JsonObject          *old,
                                                GError             **error);

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

gboolean cercle_server_access_reads_medical (CercleServerStore   *store,
                                             const CercleAccount *account);
gboolean cercle_server_access_reads_medical_at (CercleServerStore   *store,
                                                const CercleAccount *account,
                                                guint                generation);
char    *cercle_server_access_served_json   (const char          *type,
                                             const char          *json,
                                             gboolean             medical);

void     cercle_server_access_keep_medical  (JsonObject          *resource,
                                             JsonObject          *old);

G_END_DECLS
