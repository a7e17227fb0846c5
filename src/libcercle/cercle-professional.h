/* cercle-professional.h — a health professional (FHIR Practitioner)
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* TRE_G15 ProfessionSante codes Cercle uses. */
#define CERCLE_PROFESSION_DOCTOR        "10"
#define CERCLE_PROFESSION_PHARMACIST    "21"
#define CERCLE_PROFESSION_MIDWIFE       "50"
#define CERCLE_PROFESSION_NURSE         "60"
#define CERCLE_PROFESSION_PHYSIO        "70"
/* Not health professions (CERCLE_FHIR_SYSTEM_PROFESSION_OTHER). */
#define CERCLE_PROFESSION_SOCIAL_WORKER "assistant-social"
#define CERCLE_PROFESSION_ADMISSION     "secretaire-admission"

#define CERCLE_TYPE_PROFESSIONAL (cercle_professional_get_type ())
G_DECLARE_FINAL_TYPE (CercleProfessional, cercle_professional, CERCLE, PROFESSIONAL, GObject)

CercleProfessional *cercle_professional_new                 (const char          *id,
                                                             const char          *rpps,
                                                             const char          *family_name,
                                                             const char          *given_name,
                                                             const char          *profession_code);
CercleProfessional *cercle_professional_new_from_fhir       (JsonObject          *practitioner,
                                                             GError             **error);
JsonObject         *cercle_professional_to_fhir             (CercleProfessional  *self);
JsonObject         *cercle_professional_to_fhir_role        (CercleProfessional  *self,
                                                             const char          *role_id,
                                                             const char          *organization_id);

const char         *cercle_professional_get_id              (CercleProfessional  *self);
const char         *cercle_professional_get_rpps            (CercleProfessional  *self);
char               *cercle_professional_dup_idnps           (CercleProfessional  *self);
const char         *cercle_professional_get_family_name     (CercleProfessional  *self);
const char         *cercle_professional_get_given_name      (CercleProfessional  *self);
const char         *cercle_professional_get_profession_code (CercleProfessional  *self);
const char         *cercle_professional_get_phone           (CercleProfessional  *self);
const char         *cercle_professional_get_mssante         (CercleProfessional  *self);
char               *cercle_professional_dup_display_name    (CercleProfessional  *self);

const char         *cercle_profession_label                 (const char          *code);
const char         *cercle_profession_display               (const char          *code);
gboolean            cercle_profession_is_health             (const char          *code);
gboolean            cercle_profession_is_medical            (const char          *code);

G_END_DECLS
