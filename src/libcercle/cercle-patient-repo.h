/* cercle-patient-repo.h — patients in the local store
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "cercle-db.h"
#include "cercle-patient.h"

G_BEGIN_DECLS

/**
 * CerclePatientQuery:
 * @name_prefix: (nullable): the first letters of the birth or used family
 *   name, any case, with or without accents
 * @birth_date: (nullable): YYYY-MM-DD
 * @ins: (nullable): the INS matricule, spaces allowed
 * @limit: the most rows to return, 0 for 200
 *
 * What is given is combined with AND.
 */
typedef struct {
  const char *name_prefix;
  const char *birth_date;
  const char *ins;
  guint       limit;
} CerclePatientQuery;

gboolean       cercle_patient_repo_save                     (CercleDb                  *db,
                                                             CerclePatient             *patient,
                                                             GError                   **error);
gboolean       cercle_patient_repo_put_from_server          (CercleDb                  *db,
                                                             CerclePatient             *patient,
                                                             GError                   **error);
CerclePatient *cercle_patient_repo_get                      (CercleDb                  *db,
                                                             const char                *id,
                                                             GError                   **error);
GListModel    *cercle_patient_repo_search                   (CercleDb                  *db,
                                                             const CerclePatientQuery  *query,
                                                             GError                   **error);
GListModel    *cercle_patient_repo_find_possible_duplicates (CercleDb                  *db,
                                                             CerclePatient             *candidate,
                                                             GError                   **error);

G_END_DECLS
