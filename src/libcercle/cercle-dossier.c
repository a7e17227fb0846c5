/* cercle-dossier.c — a referral dossier as the lists show it
 *
 * One row of « Orientations » (a ServiceRequest and its Tasks) or of
 * « Demandes reçues » (one Task and its ServiceRequest). It holds what the
 * row shows, read from the local store in one pass; opening the dossier
 * reads the resources themselves through CercleReferral and
 * CercleDestination.
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cercle-dossier.h"
#include "cercle-fhir.h"
#include "cercle-i18n.h"
#include "cercle-referral-rules.h"

struct _CercleDossier
{
  GObject parent_instance;

  char *referral_id;
  char *dossier_id;
  char *patient_id;
  char *patient_name;
  char *orientation_type;
  char *status;
  char *authored_on;
  CercleSyncState sync_state;
  char *sync_message;
  char *missing;
  GPtrArray *destinations;  /* of CercleDossierDestination */
};

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (CercleDossier, cercle_dossier, G_TYPE_OBJECT)

static void
destination_free (CercleDossierDestination *d)
{
  g_free (d->task_id);
  g_free (d->owner_id);
  g_free (d->owner_display);
  g_free (d->status);
  g_free (d->business);
  g_free (d->reason);
  g_free (d->reason_text);
  g_free (d->admission_date);
  g_free (d->deadline);
  g_free (d->last_modified);
  g_free (d->sync_message);
  g_free (d->sent_at);
  g_free (d);
}

static void
cercle_dossier_finalize (GObject *object)
{
  CercleDossier *self = (CercleDossier *) object;

  g_free (self->referral_id);
  g_free (self->dossier_id);
  g_free (self->patient_id);
  g_free (self->patient_name);
  g_free (self->orientation_type);
  g_free (self->status);
  g_free (self->authored_on);
  g_free (self->sync_message);
  g_free (self->missing);
  g_ptr_array_unref (self->destinations);

  G_OBJECT_CLASS (cercle_dossier_parent_class)->finalize (object);
}

static void
cercle_dossier_class_init (CercleDossierClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cercle_dossier_finalize;

  /**
   * CercleDossier::changed:
   *
   * What the dossier holds changed in place (a draft being typed): the
   * rows bound to it show it again, without the list being rebuilt.
   */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                   G_TYPE_NONE, 0);
}

static void
cercle_dossier_init (CercleDossier *self)
{
  self->destinations = g_ptr_array_new_with_free_func ((GDestroyNotify) destination_free);
}

/**
 * cercle_dossier_new:
 * @referral_id: the ServiceRequest
 * @dossier_id: (nullable): the dossier number
 * @patient_id: (nullable): the patient
 * @patient_name: (nullable): the patient's name
 * @orientation_type: (nullable): SMR, HAD, USP, SSIAD or EHPAD
 * @status: (nullable): ServiceRequest.status
 * @authored_on: (nullable): when it was sent
 *
 * Returns: (transfer full): a dossier with no destination yet
 */
CercleDossier *
cercle_dossier_new (const char *referral_id,
                    const char *dossier_id,
                    const char *patient_id,
                    const char *patient_name,
                    const char *orientation_type,
                    const char *status,
                    const char *authored_on)
{
  CercleDossier *self = g_object_new (CERCLE_TYPE_DOSSIER, NULL);

  self->referral_id = g_strdup (referral_id);
  self->dossier_id = g_strdup (dossier_id);
  self->patient_id = g_strdup (patient_id);
  self->patient_name = g_strdup (patient_name);
  self->orientation_type = g_strdup (orientation_type);
  self->status = g_strdup (status);
  self->authored_on = g_strdup (authored_on);
  return self;
}

/**
 * cercle_dossier_get_referral_id:
 * @self: a dossier
 *
 * Returns: the ServiceRequest's id
 */
const char *
cercle_dossier_get_referral_id (CercleDossier *self)
{
  g_return_val_if_fail (CERCLE_IS_DOSSIER (self), NULL);
  return self->referral_id;
}

/**
 * cercle_dossier_get_dossier_id:
 * @self: a dossier
 *
 * Returns: (nullable): the dossier number
 */
const char *
cercle_dossier_get_dossier_id (CercleDossier *self)
{
  g_return_val_if_fail (CERCLE_IS_DOSSIER (self), NULL);
  return self->dossier_id;
}

/**
 * cercle_dossier_get_patient_id:
 * @self: a dossier
 *
 * Returns: (nullable): the patient's id
 */
const char *
cercle_dossier_get_patient_id (CercleDossier *self)
{
  g_return_val_if_fail (CERCLE_IS_DOSSIER (self), NULL);
  return self->patient_id;
}

/**
 * cercle_dossier_get_patient_name:
 * @self: a dossier
 *
 * Returns: (nullable): the patient's name
 */
const char *
cercle_dossier_get_patient_name (CercleDossier *self)
{
  g_return_val_if_fail (CERCLE_IS_DOSSIER (self), NULL);
  return self->patient_name;
}

/**
 * cercle_dossier_get_orientation_type:
 * @self: a dossier
 *
 * Returns: (nullable): SMR, HAD, USP, SSIAD or EHPAD
 */
const char *
cercle_dossier_get_orientation_type (CercleDossier *self)
{
  g_return_val_if_fail (CERCLE_IS_DOSSIER (self), NULL);
  return self->orientation_type;
}

/**
 * cercle_dossier_get_status:
 * @self: a dossier
 *
 * Returns: (nullable): ServiceRequest.status
 */
const char *
cercle_dossier_get_status (CercleDossier *self)
{
  g_return_val_if_fail (CERCLE_IS_DOSSIER (self), NULL);
  return self->status;
}

/**
 * cercle_dossier_get_authored_on:
 * @self: a dossier
 *
 * Returns: (nullable): when it was sent (FHIR dateTime)
 */
const char *
cercle_dossier_get_authored_on (CercleDossier *self)
{
  g_return_val_if_fail (CERCLE_IS_DOSSIER (self), NULL);
  return self->authored_on;
}

/**
 * cercle_dossier_get_sync_state:
 * @self: a dossier
 * @message: (out) (optional) (transfer none): the server's refusal
 *
 * Returns: where the sending of the dossier stands
 */
CercleSyncState
cercle_dossier_get_sync_state (CercleDossier  *self,
                               const char    **message)
{
  g_return_val_if_fail (CERCLE_IS_DOSSIER (self), CERCLE_SYNC_STATE_SENT);
  if (message)
    *message = self->sync_message;
  return self->sync_state;
}

/**
 * cercle_dossier_set_sync_state:
 * @self: a dossier
 * @state: where its sending stands
 * @message: (nullable): the server's refusal
 */
void
cercle_dossier_set_sync_state (CercleDossier   *self,
                               CercleSyncState  state,
                               const char      *message)
{
  g_return_if_fail (CERCLE_IS_DOSSIER (self));
  self->sync_state = state;
  g_free (self->sync_message);
  self->sync_message = g_strdup (message);
}

/**
 * cercle_dossier_get_missing:
 * @self: a dossier
 *
 * Returns: (nullable): for a draft, what it lacks before it can be sent
 *   (« Manque : … »), in French; %NULL when complete or sent
 */
const char *
cercle_dossier_get_missing (CercleDossier *self)
{
  g_return_val_if_fail (CERCLE_IS_DOSSIER (self), NULL);
  return self->missing;
}

/**
 * cercle_dossier_update_from_draft:
 * @self: the dossier listing a draft (same id)
 * @draft: the draft
 *
 * Takes what the list shows of a draft (patient, orientation type, chosen
 * structures, what is missing) from @draft, then emits
 * #CercleDossier::changed: the « Orientations » row follows the draft as
 * the user types.
 */
void
cercle_dossier_update_from_draft (CercleDossier       *self,
                                  CercleReferralDraft *draft)
{
  g_return_if_fail (CERCLE_IS_DOSSIER (self));
  g_return_if_fail (CERCLE_IS_REFERRAL_DRAFT (draft));

  g_free (self->patient_id);
  self->patient_id = g_strdup (cercle_referral_draft_get_patient_id (draft));
  g_free (self->patient_name);
  self->patient_name = g_strdup (cercle_referral_draft_get_patient_name (draft));
  g_free (self->orientation_type);
  self->orientation_type = g_strdup (cercle_referral_draft_get_orientation_type (draft));
  g_free (self->status);
  self->status = g_strdup ("draft");
  g_free (self->missing);
  self->missing = cercle_referral_draft_dup_blocker (draft);
  g_ptr_array_set_size (self->destinations, 0);
  for (guint i = 0; i < cercle_referral_draft_get_n_destinations (draft); i++)
    {
      const CercleReferralDraftDestination *chosen = cercle_referral_draft_get_destination (draft, i);
      CercleDossierDestination *d = cercle_dossier_add_destination (self, chosen->finess);

      d->owner_display = g_strdup (chosen->name);
      d->status = g_strdup ("draft");
    }
  g_signal_emit (self, signals[CHANGED], 0);
}

/**
 * cercle_dossier_get_n_destinations:
 * @self: a dossier
 *
 * Returns: how many structures it went to
 */
guint
cercle_dossier_get_n_destinations (CercleDossier *self)
{
  g_return_val_if_fail (CERCLE_IS_DOSSIER (self), 0);
  return self->destinations->len;
}

/**
 * cercle_dossier_get_destination:
 * @self: a dossier
 * @position: from 0
 *
 * Returns: (transfer none): one destination
 */
const CercleDossierDestination *
cercle_dossier_get_destination (CercleDossier *self,
                                guint          position)
{
  g_return_val_if_fail (CERCLE_IS_DOSSIER (self), NULL);
  g_return_val_if_fail (position < self->destinations->len, NULL);
  return g_ptr_array_index (self->destinations, position);
}

/**
 * cercle_dossier_add_destination:
 * @self: a dossier
 * @task_id: the Task
 *
 * Returns: (transfer none): the new destination, for the caller to fill
 */
CercleDossierDestination *
cercle_dossier_add_destination (CercleDossier *self,
                                const char    *task_id)
{
  CercleDossierDestination *d;

  g_return_val_if_fail (CERCLE_IS_DOSSIER (self), NULL);

  d = g_new0 (CercleDossierDestination, 1);
  d->task_id = g_strdup (task_id);
  g_ptr_array_add (self->destinations, d);
  return d;
}

static gboolean
destination_matches (const CercleDossierDestination *d,
                     CercleDossierFilter             filter)
{
  const char *s = d->status ? d->status : "";

  switch (filter)
    {
    case CERCLE_DOSSIER_FILTER_ALL:
      return TRUE;
    case CERCLE_DOSSIER_FILTER_WAITING:
      return g_str_equal (s, "requested") || g_str_equal (s, "received") || g_str_equal (s, "draft");
    case CERCLE_DOSSIER_FILTER_ACCEPTED:
      return g_str_equal (s, "accepted");
    case CERCLE_DOSSIER_FILTER_CONFIRMED:
      return g_str_equal (s, "in-progress") || g_str_equal (s, "completed");
    case CERCLE_DOSSIER_FILTER_CLOSED:
      return g_str_equal (s, "rejected") || g_str_equal (s, "failed") || g_str_equal (s, "cancelled");
    default:
      return FALSE;
    }
}

/**
 * cercle_dossier_matches:
 * @self: a dossier
 * @filter: a filter of « Orientations »
 *
 * Returns: whether one of its destinations is in the filter's statuses
 */
gboolean
cercle_dossier_matches (CercleDossier       *self,
                        CercleDossierFilter  filter)
{
  g_return_val_if_fail (CERCLE_IS_DOSSIER (self), FALSE);

  if (filter == CERCLE_DOSSIER_FILTER_ALL)
    return TRUE;
  for (guint i = 0; i < self->destinations->len; i++)
    if (destination_matches (g_ptr_array_index (self->destinations, i), filter))
      return TRUE;
  return FALSE;
}

/**
 * cercle_dossier_dup_destination_label:
 * @destination: a destination of a dossier
 *
 * The status chip's first words: the French label of domain.md §6, or
 * where a local change stands when it is not sent yet. The answer's date,
 * the admission date and the reason follow it in the row (the app's
 * cercle_dossier_destination_chip_text()).
 *
 * Returns: (transfer full): the label
 */
char *
cercle_dossier_dup_destination_label (const CercleDossierDestination *destination)
{
  const char *label;

  g_return_val_if_fail (destination != NULL, NULL);

  if (destination->sync_state == CERCLE_SYNC_STATE_REFUSED)
    return g_strdup_printf (_("Refused: %s"), destination->sync_message ? destination->sync_message : "");
  if (destination->sync_state == CERCLE_SYNC_STATE_PENDING)
    return g_strdup (_("Waiting to be sent"));

  label = cercle_referral_status_label (destination->status, destination->business);
  if (label == NULL)
    label = destination->status ? destination->status : "";
  return g_strdup (label);
}

/**
 * cercle_dossier_format_since:
 * @iso_time: (nullable): a FHIR dateTime
 * @now: (nullable): now, %NULL for the clock
 *
 * Returns: (transfer full) (nullable): "3 h", "2 j"… since @iso_time, or
 *   %NULL when it cannot be read
 */
char *
cercle_dossier_format_since (const char *iso_time,
                             GDateTime  *now)
{
  g_autoptr(GDateTime) then = cercle_fhir_parse_date_time (iso_time);
  g_autoptr(GDateTime) clock = NULL;
  GTimeSpan span;

  if (then == NULL)
    return NULL;
  if (now == NULL)
    now = clock = g_date_time_new_now_utc ();
  span = g_date_time_difference (now, then);
  if (span < 0)
    span = 0;
  if (span < G_TIME_SPAN_HOUR)
    return g_strdup_printf (_("%d min"), (int) (span / G_TIME_SPAN_MINUTE));
  if (span < G_TIME_SPAN_DAY)
    return g_strdup_printf (_("%d h"), (int) (span / G_TIME_SPAN_HOUR));
  return g_strdup_printf (_("%d d"), (int) (span / G_TIME_SPAN_DAY));
}
