/* cercle-patient.h — a patient and the five traits of the INS identity
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "cercle-identity.h"

G_BEGIN_DECLS

#define CERCLE_TYPE_PATIENT (cercle_patient_get_type ())
G_DECLARE_FINAL_TYPE (CerclePatient, cercle_patient, CERCLE, PATIENT, GObject)

CerclePatient        *cercle_patient_new                   (void);
CerclePatient        *cercle_patient_copy                  (CerclePatient  *self);
const char           *cercle_patient_get_id                (CerclePatient  *self);
const char           *cercle_patient_get_ins               (CerclePatient  *self);
const char           *cercle_patient_get_ins_kind          (CerclePatient  *self);
const char           *cercle_patient_get_birth_family_name (CerclePatient  *self);
const char * const   *cercle_patient_get_birth_given_names (CerclePatient  *self);
const char           *cercle_patient_get_first_given_name  (CerclePatient  *self);
const char           *cercle_patient_get_used_family_name  (CerclePatient  *self);
const char           *cercle_patient_get_used_given_name   (CerclePatient  *self);
const char           *cercle_patient_get_birth_date        (CerclePatient  *self);
const char           *cercle_patient_get_sex               (CerclePatient  *self);
const char           *cercle_patient_get_birthplace_code   (CerclePatient  *self);
gboolean              cercle_patient_get_from_insi         (CerclePatient  *self);
gboolean              cercle_patient_get_document_checked  (CerclePatient  *self);
CercleIdentityStatus  cercle_patient_get_identity_status   (CerclePatient  *self);
const char           *cercle_patient_get_phone             (CerclePatient  *self);
const char           *cercle_patient_get_address_line      (CerclePatient  *self);
const char           *cercle_patient_get_postcode          (CerclePatient  *self);
const char           *cercle_patient_get_commune_code      (CerclePatient  *self);
const char           *cercle_patient_get_commune_name      (CerclePatient  *self);
const char           *cercle_patient_get_version_id        (CerclePatient  *self);
const char           *cercle_patient_get_last_updated      (CerclePatient  *self);
char                 *cercle_patient_dup_display_name      (CerclePatient  *self);
gboolean              cercle_patient_validate              (CerclePatient  *self,
                                                            GError        **error);

G_END_DECLS
