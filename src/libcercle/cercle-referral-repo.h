/* cercle-referral-repo.h — discharge referrals in the local store
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "cercle-db.h"
#include "cercle-dossier.h"
#include "cercle-referral-draft.h"
#include "cercle-timeline-event.h"

G_BEGIN_DECLS

/**
 * CercleReferralAction:
 * @CERCLE_REFERRAL_ACTION_CONFIRM: requester: « Confirmer l'admission »
 * @CERCLE_REFERRAL_ACTION_CANCEL: requester: « Annuler la demande » (coded reason)
 * @CERCLE_REFERRAL_ACTION_SEND_COMPLEMENTS: requester: « Envoyer les compléments » (message)
 * @CERCLE_REFERRAL_ACTION_ASK_COMPLEMENTS: destination: ask for complements (message)
 * @CERCLE_REFERRAL_ACTION_ACCEPT: destination: accept (a date or « dès que possible »)
 * @CERCLE_REFERRAL_ACTION_WAITING_LIST: destination: waiting list
 * @CERCLE_REFERRAL_ACTION_REFUSE: destination: refuse (coded reason)
 * @CERCLE_REFERRAL_ACTION_ADMITTED: destination: the patient is admitted
 * @CERCLE_REFERRAL_ACTION_WITHDRAW: destination: withdrawal (coded reason)
 */
typedef enum {
  CERCLE_REFERRAL_ACTION_CONFIRM,
  CERCLE_REFERRAL_ACTION_CANCEL,
  CERCLE_REFERRAL_ACTION_SEND_COMPLEMENTS,
  CERCLE_REFERRAL_ACTION_ASK_COMPLEMENTS,
  CERCLE_REFERRAL_ACTION_ACCEPT,
  CERCLE_REFERRAL_ACTION_WAITING_LIST,
  CERCLE_REFERRAL_ACTION_REFUSE,
  CERCLE_REFERRAL_ACTION_ADMITTED,
  CERCLE_REFERRAL_ACTION_WITHDRAW,
} CercleReferralAction;

#define CERCLE_REFERRAL_DEFAULT_RESPONSE_HOURS 48

gboolean             cercle_referral_repo_migrate           (CercleDb              *db,
                                                             GError               **error);

CercleReferralDraft *cercle_referral_repo_new_draft         (CercleDb              *db,
                                                             const char            *patient_id,
                                                             GError               **error);
gboolean             cercle_referral_repo_save_draft        (CercleDb              *db,
                                                             CercleReferralDraft   *draft,
                                                             GError               **error);
CercleReferralDraft *cercle_referral_repo_get_draft         (CercleDb              *db,
                                                             const char            *id,
                                                             GError               **error);
GPtrArray           *cercle_referral_repo_list_drafts       (CercleDb              *db,
                                                             const char            *patient_id,
                                                             GError               **error);
gboolean             cercle_referral_repo_delete_draft      (CercleDb              *db,
                                                             const char            *id,
                                                             GError               **error);

gboolean             cercle_referral_repo_find_organization (CercleDb              *db,
                                                             const char            *finess,
                                                             char                 **organization_id,
                                                             char                 **display);
gboolean             cercle_referral_repo_account_is_medical (CercleDb             *db);

gboolean             cercle_referral_repo_send              (CercleDb              *db,
                                                             CercleReferralDraft   *draft,
                                                             guint                  response_hours,
                                                             GError               **error);

gboolean             cercle_referral_repo_action_allowed    (const char            *status,
                                                             const char            *business,
                                                             CercleReferralAction   action);
gboolean             cercle_referral_repo_act               (CercleDb              *db,
                                                             const char            *task_id,
                                                             CercleReferralAction   action,
                                                             const char            *reason_code,
                                                             const char            *text,
                                                             const char            *admission_date,
                                                             gboolean               asap,
                                                             GError               **error);
gboolean             cercle_referral_repo_open_received     (CercleDb              *db,
                                                             const char            *task_id,
                                                             GError               **error);
GPtrArray           *cercle_referral_repo_list_unread_tasks (CercleDb             *db,
                                                             GError               **error);
char                *cercle_referral_repo_dup_complement_request (CercleDb        *db,
                                                             const char            *task_id);
gboolean             cercle_referral_repo_send_complements  (CercleDb              *db,
                                                             const char            *task_id,
                                                             GHashTable            *sections,
                                                             const char            *message,
                                                             guint                  response_hours,
                                                             GError               **error);

GListModel          *cercle_referral_repo_list_dossiers     (CercleDb              *db,
                                                             CercleDossierFilter    filter,
                                                             GError               **error);
GListModel          *cercle_referral_repo_list_received     (CercleDb              *db,
                                                             const char            *organization_ref,
                                                             GError               **error);
CercleDossier       *cercle_referral_repo_get_dossier       (CercleDb              *db,
                                                             const char            *referral_id,
                                                             GError               **error);
gboolean             cercle_referral_repo_add_timeline_events (CercleDb            *db,
                                                             const char            *patient_id,
                                                             GPtrArray             *events,
                                                             GError               **error);
JsonObject          *cercle_referral_repo_get_resource      (CercleDb              *db,
                                                             const char            *type,
                                                             const char            *id,
                                                             GError               **error);

G_END_DECLS
