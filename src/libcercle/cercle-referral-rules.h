/* cercle-referral-rules.h — who may move a referral destination from one status to another
 *
 * The state machine of domain.md §6 as pure functions: the server enforces
 * it, the app offers only the actions it allows.
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define CERCLE_REFERRAL_ERROR (cercle_referral_error_quark ())
typedef enum {
  CERCLE_REFERRAL_ERROR_FORBIDDEN_ACTOR,
  CERCLE_REFERRAL_ERROR_INVALID_TRANSITION,
  CERCLE_REFERRAL_ERROR_REASON_REQUIRED,
  CERCLE_REFERRAL_ERROR_UNKNOWN_STATUS,
  CERCLE_REFERRAL_ERROR_UNKNOWN_REASON,
} CercleReferralError;

typedef enum {
  CERCLE_REFERRAL_ACTOR_REQUESTER,
  CERCLE_REFERRAL_ACTOR_DESTINATION,
  CERCLE_REFERRAL_ACTOR_SYSTEM,
} CercleReferralActor;

/* Task.businessStatus codes (CERCLE_FHIR_SYSTEM_TASK_BUSINESS_STATUS). The
 * statuses whose row in domain.md §6 has no business status (draft, rejected,
 * completed, failed, cancelled by the requester) carry none: pass NULL. */
#define CERCLE_REFERRAL_BUSINESS_UNREAD            "non-lue"
#define CERCLE_REFERRAL_BUSINESS_READ              "lue"
#define CERCLE_REFERRAL_BUSINESS_MORE_INFO         "complement-demande"
#define CERCLE_REFERRAL_BUSINESS_AGREED            "accord"
#define CERCLE_REFERRAL_BUSINESS_WAITING_LIST      "liste-attente"
#define CERCLE_REFERRAL_BUSINESS_TRANSFER          "transfert-organise"
#define CERCLE_REFERRAL_BUSINESS_AUTO_CANCELLED    "annulation-auto"
#define CERCLE_REFERRAL_BUSINESS_NO_ANSWER         "delai-depasse"

typedef struct {
  const char *code;
  const char *label;   /* untranslated: use cercle_referral_reason_label() */
  const char *display; /* French display in FHIR codings */
} CercleReferralReason;

typedef struct {
  const char          *from_status;
  const char          *from_business;  /* nullable */
  const char          *to_status;
  const char          *to_business;    /* nullable */
  CercleReferralActor  actor;
  gboolean             reason_required;
} CercleReferralTransition;

GQuark                          cercle_referral_error_quark        (void);

gboolean                        cercle_referral_check_transition   (const char           *from_status,
                                                                    const char           *from_business,
                                                                    const char           *to_status,
                                                                    const char           *to_business,
                                                                    CercleReferralActor   actor,
                                                                    const char           *reason_code,
                                                                    GError              **error);
GPtrArray                      *cercle_referral_allowed_transitions (const char          *from_status,
                                                                    const char           *from_business,
                                                                    CercleReferralActor   actor);
const CercleReferralTransition *cercle_referral_transitions        (gsize                *n_transitions);

gboolean                        cercle_referral_is_known_status    (const char           *status,
                                                                    const char           *business);
const char                     *cercle_referral_status_label       (const char           *status,
                                                                    const char           *business);
const char                     *cercle_referral_status_display     (const char           *status,
                                                                    const char           *business);
gboolean                        cercle_referral_status_is_final    (const char           *status);
gboolean                        cercle_referral_transition_cancels_others (const char    *to_status,
                                                                    const char           *to_business);
gboolean                        cercle_referral_check_confirmation (const char *const    *other_statuses,
                                                                    GError              **error);

const CercleReferralReason     *cercle_referral_reasons            (gsize                *n_reasons);
gboolean                        cercle_referral_is_reason          (const char           *code);
const char                     *cercle_referral_reason_label       (const char           *code);
const char                     *cercle_referral_reason_display     (const char           *code);
const char                     *cercle_referral_actor_label        (CercleReferralActor   actor);

G_END_DECLS
