/* cercle-destination.h — one structure a referral is sent to (FHIR Task)
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

#include "cercle-referral-rules.h"

G_BEGIN_DECLS

/* One step of the life of a destination, kept for traceability and for the
 * response delays per structure. */
typedef struct {
  GDateTime           *time;
  char                *status;
  char                *business;     /* nullable */
  char                *reason;       /* nullable */
  CercleReferralActor  actor;
} CercleDestinationTransition;

#define CERCLE_TYPE_DESTINATION (cercle_destination_get_type ())
G_DECLARE_FINAL_TYPE (CercleDestination, cercle_destination, CERCLE, DESTINATION, GObject)

CercleDestination *cercle_destination_new                   (const char          *id,
                                                             const char          *referral_id,
                                                             const char          *dossier_id,
                                                             const char          *patient_id,
                                                             const char          *requester_id,
                                                             const char          *owner_id);
CercleDestination *cercle_destination_new_from_fhir         (JsonObject          *task,
                                                             GError             **error);
JsonObject        *cercle_destination_to_fhir               (CercleDestination   *self);

gboolean           cercle_destination_apply_transition      (CercleDestination   *self,
                                                             const char          *to_status,
                                                             const char          *to_business,
                                                             CercleReferralActor  actor,
                                                             const char          *reason_code,
                                                             const char          *reason_text,
                                                             GDateTime           *when,
                                                             GError             **error);
guint              cercle_destination_get_n_transitions     (CercleDestination   *self);
const CercleDestinationTransition *
                   cercle_destination_get_transition        (CercleDestination   *self,
                                                             guint                position);

GTimeSpan          cercle_destination_get_response_delay    (CercleDestination   *self);

const char        *cercle_destination_get_id                (CercleDestination   *self);
const char        *cercle_destination_get_referral_id       (CercleDestination   *self);
const char        *cercle_destination_get_dossier_id        (CercleDestination   *self);
const char        *cercle_destination_get_patient_id        (CercleDestination   *self);
const char        *cercle_destination_get_requester_id      (CercleDestination   *self);
const char        *cercle_destination_get_owner_id          (CercleDestination   *self);
const char        *cercle_destination_get_owner_display     (CercleDestination   *self);
const char        *cercle_destination_get_status            (CercleDestination   *self);
const char        *cercle_destination_get_business_status   (CercleDestination   *self);
const char        *cercle_destination_get_status_label      (CercleDestination   *self);
const char        *cercle_destination_get_status_reason     (CercleDestination   *self);
const char        *cercle_destination_get_status_reason_text (CercleDestination  *self);
const char        *cercle_destination_get_reason            (CercleDestination   *self);
const char        *cercle_destination_get_admission_date    (CercleDestination   *self);
gboolean           cercle_destination_get_admission_asap    (CercleDestination   *self);
void               cercle_destination_set_admission         (CercleDestination   *self,
                                                             const char          *date,
                                                             gboolean             asap);
GDateTime         *cercle_destination_get_authored_on       (CercleDestination   *self);
GDateTime         *cercle_destination_get_last_modified     (CercleDestination   *self);

G_END_DECLS
