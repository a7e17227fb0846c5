/* cercle-patient-row.h — one patient in the patients list
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "cercle-patient.h"

G_BEGIN_DECLS

#define CERCLE_TYPE_PATIENT_ROW (cercle_patient_row_get_type ())
G_DECLARE_FINAL_TYPE (CerclePatientRow, cercle_patient_row, CERCLE, PATIENT_ROW, GtkBox)

GtkWidget *cercle_patient_row_new         (void);
void       cercle_patient_row_set_patient (CerclePatientRow *self,
                                           CerclePatient    *patient,
                                           guint             unread);
char      *cercle_patient_format_birth    (CerclePatient    *patient);
const char *cercle_patient_status_css     (CercleIdentityStatus status);

G_END_DECLS
