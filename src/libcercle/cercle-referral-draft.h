/* cercle-referral-draft.h — a referral dossier being prepared
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/**
 * CercleReferralField:
 * @key: the field's key in the draft
 * @section: the volet it belongs to (CERCLE_REFERRAL_SECTION_*)
 * @label: its label, untranslated: translate it with gettext
 * @missing: how a missing value is named, untranslated
 * @required: whether the volet is complete without it
 */
typedef struct {
  const char *key;
  const char *section;
  const char *label;
  const char *missing;
  gboolean    required;
} CercleReferralField;

/**
 * CercleReferralDraftDestination:
 * @finess: the structure's FINESS number
 * @name: its name
 * @category: its FINESS category code
 * @distance_km: its distance from the patient's commune, or a negative value
 * @covers: whether its intervention zone covers the patient's commune
 */
typedef struct {
  char     *finess;
  char     *name;
  char     *category;
  double    distance_km;
  gboolean  covers;
} CercleReferralDraftDestination;

#define CERCLE_TYPE_REFERRAL_DRAFT (cercle_referral_draft_get_type ())
G_DECLARE_FINAL_TYPE (CercleReferralDraft, cercle_referral_draft, CERCLE, REFERRAL_DRAFT, GObject)

CercleReferralDraft *cercle_referral_draft_new                 (const char           *id,
                                                                const char           *patient_id);
CercleReferralDraft *cercle_referral_draft_new_from_json       (const char           *json,
                                                                GError              **error);
char                *cercle_referral_draft_to_json             (CercleReferralDraft  *self);

const char          *cercle_referral_draft_get_id              (CercleReferralDraft  *self);
const char          *cercle_referral_draft_get_patient_id      (CercleReferralDraft  *self);
const char          *cercle_referral_draft_get_patient_name    (CercleReferralDraft  *self);
void                 cercle_referral_draft_set_patient_name    (CercleReferralDraft  *self,
                                                                const char           *name);
const char          *cercle_referral_draft_get_commune_code    (CercleReferralDraft  *self);
void                 cercle_referral_draft_set_commune_code    (CercleReferralDraft  *self,
                                                                const char           *code);
const char          *cercle_referral_draft_get_orientation_type (CercleReferralDraft *self);
void                 cercle_referral_draft_set_orientation_type (CercleReferralDraft *self,
                                                                const char           *code);
const char          *cercle_referral_draft_get_wished_date     (CercleReferralDraft  *self);
void                 cercle_referral_draft_set_wished_date     (CercleReferralDraft  *self,
                                                                const char           *date);
const char          *cercle_referral_draft_get_field           (CercleReferralDraft  *self,
                                                                const char           *key);
void                 cercle_referral_draft_set_field           (CercleReferralDraft  *self,
                                                                const char           *key,
                                                                const char           *value);

guint                cercle_referral_draft_get_n_destinations  (CercleReferralDraft  *self);
const CercleReferralDraftDestination *
                     cercle_referral_draft_get_destination     (CercleReferralDraft  *self,
                                                                guint                 position);
gboolean             cercle_referral_draft_has_destination     (CercleReferralDraft  *self,
                                                                const char           *finess);
void                 cercle_referral_draft_add_destination     (CercleReferralDraft  *self,
                                                                const char           *finess,
                                                                const char           *name,
                                                                const char           *category,
                                                                double                distance_km,
                                                                gboolean              covers);
void                 cercle_referral_draft_remove_destination  (CercleReferralDraft  *self,
                                                                const char           *finess);

GStrv                cercle_referral_draft_get_missing         (CercleReferralDraft  *self,
                                                                const char           *section);
gboolean             cercle_referral_draft_is_section_complete (CercleReferralDraft  *self,
                                                                const char           *section);
char                *cercle_referral_draft_get_section_text    (CercleReferralDraft  *self,
                                                                const char           *section);
char                *cercle_referral_draft_dup_blocker         (CercleReferralDraft  *self);

const CercleReferralField *cercle_referral_draft_fields        (gsize                *n_fields);
const char * const  *cercle_referral_orientation_categories    (const char           *orientation_type);

G_END_DECLS
