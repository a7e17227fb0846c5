/* cercle-fhir.h — shared FHIR R4 definitions, checks and small builders
 *
 * The client and cercle-server both use these, so what one writes the other
 * accepts.
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "cercle-error.h"

G_BEGIN_DECLS

/* Identifier systems (domain.md §2: FR Core, Annuaire Santé, ROR). */
#define CERCLE_FHIR_SYSTEM_INS_NIR          "urn:oid:1.2.250.1.213.1.4.8"
#define CERCLE_FHIR_SYSTEM_INS_NIA          "urn:oid:1.2.250.1.213.1.4.9"
#define CERCLE_FHIR_SYSTEM_INS_NIR_TEST     "urn:oid:1.2.250.1.213.1.4.10"
#define CERCLE_FHIR_SYSTEM_INS_NIR_DEMO     "urn:oid:1.2.250.1.213.1.4.11"
#define CERCLE_FHIR_SYSTEM_IDNPS            "urn:oid:1.2.250.1.71.4.2.1"
#define CERCLE_FHIR_SYSTEM_IDNST            "urn:oid:1.2.250.1.71.4.2.2"
#define CERCLE_FHIR_SYSTEM_RPPS             "https://rpps.esante.gouv.fr"
#define CERCLE_FHIR_SYSTEM_FINESS           "https://finess.esante.gouv.fr"
#define CERCLE_FHIR_SYSTEM_FINESS_CATEGORY  "https://mos.esante.gouv.fr/NOS/TRE_R66-CategorieEtablissement/FHIR/TRE-R66-CategorieEtablissement"
/* INSEE commune codes, as FR Core (fr-core-vs-insee-code) gives them. */
#define CERCLE_FHIR_SYSTEM_INSEE_COMMUNE    "https://mos.esante.gouv.fr/NOS/TRE_R13-CommuneOM/FHIR/TRE-R13-CommuneOM"

/* National code systems (ANS NOS, FR Core, HL7). */
#define CERCLE_FHIR_SYSTEM_IDENTIFIER_TYPE  "https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0203"
#define CERCLE_FHIR_SYSTEM_PROFESSION       "https://mos.esante.gouv.fr/NOS/TRE_G15-ProfessionSante/FHIR/TRE-G15-ProfessionSante"
#define CERCLE_FHIR_SYSTEM_EMAIL_TYPE       "https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-email-type"
#define CERCLE_FHIR_EXTENSION_EMAIL_TYPE    "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-email-type"
#define CERCLE_FHIR_SYSTEM_RELATED_ROLE     "http://terminology.hl7.org/CodeSystem/v3-RoleCode"

/* Cercle's own code systems, where no national one exists. */
#define CERCLE_FHIR_SYSTEM_CARE_TEAM_ROLE   "https://cercle.fr/fhir/CodeSystem/care-team-role"
#define CERCLE_FHIR_SYSTEM_NOTE_CATEGORY    "https://cercle.fr/fhir/CodeSystem/note-category"
#define CERCLE_FHIR_SYSTEM_ORIENTATION_TYPE "https://cercle.fr/fhir/CodeSystem/orientation-type"
#define CERCLE_FHIR_SYSTEM_REFERRAL_SECTION "https://cercle.fr/fhir/CodeSystem/referral-section"
#define CERCLE_FHIR_SYSTEM_REFERRAL_REASON  "https://cercle.fr/fhir/CodeSystem/referral-reason"
#define CERCLE_FHIR_SYSTEM_TASK_BUSINESS_STATUS "https://cercle.fr/fhir/CodeSystem/referral-business-status"
#define CERCLE_FHIR_SYSTEM_REFERRAL_OUTPUT  "https://cercle.fr/fhir/CodeSystem/referral-output"
#define CERCLE_FHIR_SYSTEM_IDENTITY_STATUS  "https://cercle.fr/fhir/CodeSystem/identity-status"
#define CERCLE_FHIR_SYSTEM_PROFESSION_OTHER "https://cercle.fr/fhir/CodeSystem/profession"
/* Business identifier of a referral dossier (ServiceRequest.requisition). */
#define CERCLE_FHIR_SYSTEM_DOSSIER          "https://cercle.fr/fhir/NamingSystem/dossier-orientation"

/* Cercle's own extensions. */
#define CERCLE_FHIR_EXTENSION_CORRECTS          "https://cercle.fr/fhir/StructureDefinition/note-corrects"
#define CERCLE_FHIR_EXTENSION_REFERRAL_SECTION  "https://cercle.fr/fhir/StructureDefinition/referral-section"
#define CERCLE_FHIR_EXTENSION_TASK_TRANSITION   "https://cercle.fr/fhir/StructureDefinition/task-transition"
#define CERCLE_FHIR_EXTENSION_IDENTITY_STATUS   "https://cercle.fr/fhir/StructureDefinition/identity-status"

/* Checking and (de)serialising */

/* Deepest nesting of arrays and objects accepted in a JSON document: FHIR
 * resources need a few dozen levels (cercle_fhir_check_resource() stops at
 * 32 levels of elements), a parser that recurses needs a bound. */
#define CERCLE_FHIR_MAX_JSON_DEPTH 64

gboolean    cercle_fhir_check_json       (const char   *data,
                                          gsize         length,
                                          guint         max_depth,
                                          GError      **error);
gboolean    cercle_fhir_check_resource   (JsonObject   *resource,
                                          const char   *expected_type,
                                          GError      **error);
gboolean    cercle_fhir_is_valid_id      (const char   *id);
gboolean    cercle_fhir_is_resource_type (const char   *type);
gboolean    cercle_fhir_is_supported_type (const char  *type);
JsonObject *cercle_fhir_parse            (const char   *data,
                                          gssize        length,
                                          GError      **error);
char       *cercle_fhir_to_string        (JsonObject   *resource);

/* OperationOutcome */
JsonObject *cercle_fhir_operation_outcome_new            (const char   *severity,
                                                          const char   *code,
                                                          const char   *diagnostics);
JsonObject *cercle_fhir_operation_outcome_new_from_error (const GError *error);

/* Builders of whole resources for the server */
JsonObject *cercle_fhir_bundle_new                       (const char   *type,
                                                          GPtrArray    *resources,
                                                          const char   *base_url);
JsonObject *cercle_fhir_audit_event_new                  (const char   *action,
                                                          const char   *interaction,
                                                          const char   *practitioner_id,
                                                          const char   *patient_id,
                                                          const char   *resource_type,
                                                          const char   *resource_id,
                                                          gboolean      success,
                                                          GDateTime    *when);
void        cercle_fhir_set_meta                         (JsonObject   *resource,
                                                          const char   *version_id,
                                                          GDateTime    *last_updated);

/* Builders of the data types */
JsonObject *cercle_fhir_coding_new           (const char *system,
                                              const char *code,
                                              const char *display);
JsonObject *cercle_fhir_codeable_concept_new (const char *system,
                                              const char *code,
                                              const char *display);
JsonObject *cercle_fhir_identifier_new       (const char *system,
                                              const char *value,
                                              const char *use);
JsonObject *cercle_fhir_identifier_new_typed (const char *system,
                                              const char *value,
                                              const char *type_code,
                                              const char *type_display);
JsonObject *cercle_fhir_reference_new        (const char *type,
                                              const char *id,
                                              const char *display);
JsonObject *cercle_fhir_period_new           (const char *start,
                                              const char *end);
char       *cercle_fhir_format_date_time     (GDateTime  *date_time);
GDateTime  *cercle_fhir_parse_date_time      (const char *text);
gboolean    cercle_fhir_is_valid_date        (const char *text);
gboolean    cercle_fhir_is_valid_date_time   (const char *text);

/* Readers (all return borrowed strings, or NULL when absent or of the wrong kind) */
const char *cercle_fhir_get_string            (JsonObject *object,
                                               const char *member);
JsonObject *cercle_fhir_get_object            (JsonObject *object,
                                               const char *member);
JsonArray  *cercle_fhir_get_array             (JsonObject *object,
                                               const char *member);
JsonObject *cercle_fhir_array_get_object      (JsonArray  *array,
                                               guint       index);
const char *cercle_fhir_find_identifier       (JsonObject *resource,
                                               const char *system);
const char *cercle_fhir_codeable_concept_find (JsonObject *concept,
                                               const char *system,
                                               const char **display);
gboolean    cercle_fhir_reference_parse       (JsonObject *reference,
                                               char      **type,
                                               char      **id);
JsonObject *cercle_fhir_find_extension        (JsonObject *object,
                                               const char *url);

G_END_DECLS
