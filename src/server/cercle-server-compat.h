/* cercle-server-compat.h — TEMPORARY stand-ins for libcercle's FHIR API
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The FHIR mapping, validation and referral rules live in libcercle
 * (cercle-fhir.h, cercle-referral-rules.h), built in parallel. Until they
 * are merged these minimal versions let the server build; they go away with
 * the merge.
 */
#pragma once

#include <json-glib/json-glib.h>

#include "cercle-error.h"

G_BEGIN_DECLS

#define CERCLE_FHIR_SYSTEM_INS_NIR "urn:oid:1.2.250.1.213.1.4.8"
#define CERCLE_FHIR_SYSTEM_RPPS    "https://rpps.esante.gouv.fr"
#define CERCLE_FHIR_SYSTEM_FINESS  "https://finess.esante.gouv.fr"

typedef enum {
  CERCLE_REFERRAL_ACTOR_REQUESTER,
  CERCLE_REFERRAL_ACTOR_DESTINATION,
  CERCLE_REFERRAL_ACTOR_SYSTEM,
} CercleReferralActor;

#define CERCLE_REFERRAL_ERROR (cercle_server_compat_referral_error_quark ())
GQuark cercle_server_compat_referral_error_quark (void);

JsonObject *cercle_fhir_parse                  (const char  *data,
                                                gssize       len,
                                                GError     **error);
gboolean    cercle_fhir_check_resource         (JsonObject  *resource,
                                                const char  *expected_type,
                                                GError     **error);
char       *cercle_fhir_to_string              (JsonObject  *resource);
JsonObject *cercle_fhir_operation_outcome_new  (const char  *severity,
                                                const char  *code,
                                                const char  *diagnostics);
gboolean    cercle_referral_check_transition   (const char          *from_status,
                                                const char          *from_business,
                                                const char          *to_status,
                                                const char          *to_business,
                                                CercleReferralActor  actor,
                                                const char          *reason_code,
                                                GError             **error);

G_END_DECLS

G_BEGIN_DECLS

typedef struct {
  const char *login;
  const char *display_name;
  const char *practitioner_id;
  const char *organization_id;
  const char *profession;
} CercleDemoAccount;

GPtrArray               *cercle_demo_resources (void);
const CercleDemoAccount *cercle_demo_accounts  (gsize *n);

G_END_DECLS
