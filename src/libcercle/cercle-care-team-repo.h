/* cercle-care-team-repo.h — the patient's care circle in the local store
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "cercle-care-team-member.h"
#include "cercle-db.h"

G_BEGIN_DECLS

GPtrArray  *cercle_care_team_repo_get_members          (CercleDb              *db,
                                                        const char            *patient_id,
                                                        GError               **error);
gboolean    cercle_care_team_repo_add_member           (CercleDb              *db,
                                                        const char            *patient_id,
                                                        CercleCareTeamMember  *member,
                                                        GError               **error);
CercleCareTeamMember *cercle_care_team_repo_add_relative (CercleDb            *db,
                                                        const char            *patient_id,
                                                        const char            *family_name,
                                                        const char            *given_name,
                                                        const char            *phone,
                                                        const char            *role_code,
                                                        GError               **error);
gboolean    cercle_care_team_repo_end_member           (CercleDb              *db,
                                                        const char            *patient_id,
                                                        CercleCareTeamMember  *member,
                                                        const char            *end,
                                                        GError               **error);
GListModel *cercle_care_team_repo_search_practitioners (CercleDb              *db,
                                                        const char            *text,
                                                        guint                  limit,
                                                        GError               **error);
char       *cercle_care_team_today                     (void);

GHashTable *cercle_care_team_repo_relative_phones (CercleDb   *db,
                                                  const char *patient_id);

G_END_DECLS
