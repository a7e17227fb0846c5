/* cercle-patient-list.h — the patients of the local store, filtered as one types
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "cercle-db.h"
#include "cercle-patient.h"

G_BEGIN_DECLS

#define CERCLE_TYPE_PATIENT_LIST (cercle_patient_list_get_type ())
G_DECLARE_FINAL_TYPE (CerclePatientList, cercle_patient_list, CERCLE, PATIENT_LIST, GObject)

CerclePatientList *cercle_patient_list_new          (void);
gboolean           cercle_patient_list_load         (CerclePatientList    *self,
                                                     CercleDb             *db,
                                                     GError              **error);
void               cercle_patient_list_load_async   (CerclePatientList    *self,
                                                     const char           *db_path,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
gboolean           cercle_patient_list_load_finish  (CerclePatientList    *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);
void               cercle_patient_list_set_filter   (CerclePatientList    *self,
                                                     const char           *text);
const char        *cercle_patient_list_get_filter   (CerclePatientList    *self);
guint              cercle_patient_list_get_total    (CerclePatientList    *self);
guint              cercle_patient_list_get_unread   (CerclePatientList    *self,
                                                     const char           *patient_id);
void               cercle_patient_list_set_unread   (CerclePatientList    *self,
                                                     const char           *patient_id,
                                                     guint                 n);
gboolean           cercle_patient_list_matches      (CerclePatient        *patient,
                                                     const char           *text);

G_END_DECLS
