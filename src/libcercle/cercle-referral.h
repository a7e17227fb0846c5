/* cercle-referral.h — a discharge referral dossier (FHIR ServiceRequest)
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Sections (volets) of a dossier, CERCLE_FHIR_SYSTEM_REFERRAL_SECTION. */
#define CERCLE_REFERRAL_SECTION_ADMINISTRATIVE "administratif"
#define CERCLE_REFERRAL_SECTION_MEDICAL        "medical"
#define CERCLE_REFERRAL_SECTION_CARE           "soins-autonomie"
#define CERCLE_REFERRAL_SECTION_SOCIAL         "social"

#define CERCLE_TYPE_REFERRAL (cercle_referral_get_type ())
G_DECLARE_FINAL_TYPE (CercleReferral, cercle_referral, CERCLE, REFERRAL, GObject)

CercleReferral *cercle_referral_new                  (const char      *id,
                                                      const char      *dossier_id,
                                                      const char      *patient_id,
                                                      const char      *requester_id,
                                                      const char      *orientation_type);
CercleReferral *cercle_referral_new_from_fhir        (JsonObject      *service_request,
                                                      GError         **error);
JsonObject     *cercle_referral_to_fhir              (CercleReferral  *self);

const char     *cercle_referral_get_id               (CercleReferral  *self);
const char     *cercle_referral_get_dossier_id       (CercleReferral  *self);
const char     *cercle_referral_get_patient_id       (CercleReferral  *self);
const char     *cercle_referral_get_requester_id     (CercleReferral  *self);
const char     *cercle_referral_get_orientation_type (CercleReferral  *self);
const char     *cercle_referral_get_status           (CercleReferral  *self);
const char     *cercle_referral_get_reason           (CercleReferral  *self);
GDateTime      *cercle_referral_get_authored_on      (CercleReferral  *self);
const char *const *cercle_referral_get_destination_ids (CercleReferral *self);
void            cercle_referral_add_destination      (CercleReferral  *self,
                                                      const char      *organization_id);

void            cercle_referral_set_section          (CercleReferral  *self,
                                                      const char      *section,
                                                      gboolean         complete,
                                                      const char      *text);
gboolean        cercle_referral_get_section          (CercleReferral  *self,
                                                      const char      *section,
                                                      gboolean        *complete,
                                                      const char     **text);
gboolean        cercle_referral_is_complete          (CercleReferral  *self,
                                                      GStrv           *missing);

gboolean        cercle_referral_is_orientation_type  (const char      *code);
const char     *cercle_referral_orientation_label    (const char      *code);
gboolean        cercle_referral_is_section           (const char      *code);
const char     *cercle_referral_section_label        (const char      *code);
gboolean        cercle_referral_section_is_required  (const char      *orientation_type,
                                                      const char      *section);
void            cercle_referral_fhir_strip_medical   (JsonObject      *service_request);

G_END_DECLS
