/* cercle-dossier.h — a referral dossier as the lists show it
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "cercle-referral-draft.h"
#include "cercle-store.h"

G_BEGIN_DECLS

/**
 * CercleDossierDestination:
 * @task_id: the Task
 * @owner_id: the destination Organization's id
 * @owner_display: (nullable): its name
 * @status: Task.status
 * @business: (nullable): Task.businessStatus code
 * @reason: (nullable): the coded reason of a refusal or cancellation
 * @reason_text: (nullable): its free text
 * @admission_date: (nullable): the proposed admission date
 * @asap: admission « dès que possible »
 * @deadline: (nullable): the response deadline (restriction.period.end)
 * @last_modified: (nullable): the time of the last change
 * @reminded: the server reminded the structure (« Relancée »)
 * @sync_state: where the last local change of the Task stands
 * @sync_message: (nullable): the server's refusal, in French
 * @sent_at: (nullable): when it was last sent to the structure: the time
 *   of the Task's last step to `requested` (sending it, or sending the
 *   complements asked for), else its authoredOn
 */
typedef struct {
  char            *task_id;
  char            *owner_id;
  char            *owner_display;
  char            *status;
  char            *business;
  char            *reason;
  char            *reason_text;
  char            *admission_date;
  gboolean         asap;
  char            *deadline;
  char            *last_modified;
  gboolean         reminded;
  CercleSyncState  sync_state;
  char            *sync_message;
  char            *sent_at;
} CercleDossierDestination;

/**
 * CercleDossierFilter:
 * @CERCLE_DOSSIER_FILTER_ALL: every dossier
 * @CERCLE_DOSSIER_FILTER_WAITING: a structure has not answered yet
 * @CERCLE_DOSSIER_FILTER_ACCEPTED: a structure accepted (or put on its waiting list)
 * @CERCLE_DOSSIER_FILTER_CONFIRMED: an admission is confirmed or done
 * @CERCLE_DOSSIER_FILTER_CLOSED: refused, withdrawn or cancelled
 */
typedef enum {
  CERCLE_DOSSIER_FILTER_ALL,
  CERCLE_DOSSIER_FILTER_WAITING,
  CERCLE_DOSSIER_FILTER_ACCEPTED,
  CERCLE_DOSSIER_FILTER_CONFIRMED,
  CERCLE_DOSSIER_FILTER_CLOSED,
} CercleDossierFilter;

#define CERCLE_TYPE_DOSSIER (cercle_dossier_get_type ())
G_DECLARE_FINAL_TYPE (CercleDossier, cercle_dossier, CERCLE, DOSSIER, GObject)

CercleDossier  *cercle_dossier_new                   (const char       *referral_id,
                                                      const char       *dossier_id,
                                                      const char       *patient_id,
                                                      const char       *patient_name,
                                                      const char       *orientation_type,
                                                      const char       *status,
                                                      const char       *authored_on);
const char     *cercle_dossier_get_referral_id       (CercleDossier    *self);
const char     *cercle_dossier_get_dossier_id        (CercleDossier    *self);
const char     *cercle_dossier_get_patient_id        (CercleDossier    *self);
const char     *cercle_dossier_get_patient_name      (CercleDossier    *self);
const char     *cercle_dossier_get_orientation_type  (CercleDossier    *self);
const char     *cercle_dossier_get_status            (CercleDossier    *self);
const char     *cercle_dossier_get_authored_on       (CercleDossier    *self);
CercleSyncState cercle_dossier_get_sync_state        (CercleDossier    *self,
                                                      const char      **message);
void            cercle_dossier_set_sync_state        (CercleDossier    *self,
                                                      CercleSyncState   state,
                                                      const char       *message);

const char     *cercle_dossier_get_missing           (CercleDossier    *self);
void            cercle_dossier_update_from_draft     (CercleDossier    *self,
                                                      CercleReferralDraft *draft);

guint           cercle_dossier_get_n_destinations    (CercleDossier    *self);
const CercleDossierDestination *
                cercle_dossier_get_destination       (CercleDossier    *self,
                                                      guint             position);
CercleDossierDestination *
                cercle_dossier_add_destination       (CercleDossier    *self,
                                                      const char       *task_id);

gboolean        cercle_dossier_matches               (CercleDossier    *self,
                                                      CercleDossierFilter filter);
char           *cercle_dossier_dup_destination_label (const CercleDossierDestination *destination);
char           *cercle_dossier_format_since          (const char       *iso_time,
                                                      GDateTime        *now);

G_END_DECLS
