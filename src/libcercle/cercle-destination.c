/* cercle-destination.c — one structure a referral is sent to (FHIR Task)
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "cercle-destination.h"
#include "cercle-fhir.h"
#include "cercle-fhir-private.h"
#include "cercle-i18n.h"

struct _CercleDestination
{
  GObject parent_instance;

  char *id;
  char *referral_id;
  char *dossier_id;
  char *patient_id;
  char *requester_id;
  char *owner_id;
  char *owner_display;
  char *status;
  char *business_status;
  char *status_reason;
  char *status_reason_text;
  char *reason;
  char *admission_date;
  gboolean admission_asap;
  GDateTime *authored_on;
  GDateTime *last_modified;
  GPtrArray *transitions;   /* of CercleDestinationTransition */
};

G_DEFINE_FINAL_TYPE (CercleDestination, cercle_destination, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_REFERRAL_ID,
  PROP_DOSSIER_ID,
  PROP_PATIENT_ID,
  PROP_REQUESTER_ID,
  PROP_OWNER_ID,
  PROP_OWNER_DISPLAY,
  PROP_STATUS,
  PROP_BUSINESS_STATUS,
  PROP_STATUS_LABEL,
  PROP_STATUS_REASON,
  PROP_STATUS_REASON_TEXT,
  PROP_REASON,
  PROP_ADMISSION_DATE,
  PROP_ADMISSION_ASAP,
  PROP_AUTHORED_ON,
  PROP_LAST_MODIFIED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Task.output types for the answer of the destination. */
#define OUTPUT_ADMISSION_DATE "admission-date"
#define OUTPUT_ADMISSION_ASAP "admission-asap"

static const char *const actor_codes[] = { "requester", "destination", "system", NULL };

static void
transition_free (CercleDestinationTransition *transition)
{
  g_clear_pointer (&transition->time, g_date_time_unref);
  g_free (transition->status);
  g_free (transition->business);
  g_free (transition->reason);
  g_free (transition);
}

static void
cercle_destination_finalize (GObject *object)
{
  CercleDestination *self = (CercleDestination *) object;

  g_free (self->id);
  g_free (self->referral_id);
  g_free (self->dossier_id);
  g_free (self->patient_id);
  g_free (self->requester_id);
  g_free (self->owner_id);
  g_free (self->owner_display);
  g_free (self->status);
  g_free (self->business_status);
  g_free (self->status_reason);
  g_free (self->status_reason_text);
  g_free (self->reason);
  g_free (self->admission_date);
  g_clear_pointer (&self->authored_on, g_date_time_unref);
  g_clear_pointer (&self->last_modified, g_date_time_unref);
  g_ptr_array_unref (self->transitions);

  G_OBJECT_CLASS (cercle_destination_parent_class)->finalize (object);
}

static void
cercle_destination_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  CercleDestination *self = CERCLE_DESTINATION (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;
    case PROP_REFERRAL_ID:
      g_value_set_string (value, self->referral_id);
      break;
    case PROP_DOSSIER_ID:
      g_value_set_string (value, self->dossier_id);
      break;
    case PROP_PATIENT_ID:
      g_value_set_string (value, self->patient_id);
      break;
    case PROP_REQUESTER_ID:
      g_value_set_string (value, self->requester_id);
      break;
    case PROP_OWNER_ID:
      g_value_set_string (value, self->owner_id);
      break;
    case PROP_OWNER_DISPLAY:
      g_value_set_string (value, self->owner_display);
      break;
    case PROP_STATUS:
      g_value_set_string (value, self->status);
      break;
    case PROP_BUSINESS_STATUS:
      g_value_set_string (value, self->business_status);
      break;
    case PROP_STATUS_LABEL:
      g_value_set_string (value, cercle_referral_status_label (self->status, self->business_status));
      break;
    case PROP_STATUS_REASON:
      g_value_set_string (value, self->status_reason);
      break;
    case PROP_STATUS_REASON_TEXT:
      g_value_set_string (value, self->status_reason_text);
      break;
    case PROP_REASON:
      g_value_set_string (value, self->reason);
      break;
    case PROP_ADMISSION_DATE:
      g_value_set_string (value, self->admission_date);
      break;
    case PROP_ADMISSION_ASAP:
      g_value_set_boolean (value, self->admission_asap);
      break;
    case PROP_AUTHORED_ON:
      g_value_set_boxed (value, self->authored_on);
      break;
    case PROP_LAST_MODIFIED:
      g_value_set_boxed (value, self->last_modified);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cercle_destination_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  CercleDestination *self = CERCLE_DESTINATION (object);

  switch (prop_id)
    {
    case PROP_ID:
      cercle_set_str (&self->id, g_value_get_string (value));
      break;
    case PROP_REFERRAL_ID:
      cercle_set_str (&self->referral_id, g_value_get_string (value));
      break;
    case PROP_DOSSIER_ID:
      cercle_set_str (&self->dossier_id, g_value_get_string (value));
      break;
    case PROP_PATIENT_ID:
      cercle_set_str (&self->patient_id, g_value_get_string (value));
      break;
    case PROP_REQUESTER_ID:
      cercle_set_str (&self->requester_id, g_value_get_string (value));
      break;
    case PROP_OWNER_ID:
      cercle_set_str (&self->owner_id, g_value_get_string (value));
      break;
    case PROP_OWNER_DISPLAY:
      cercle_set_str (&self->owner_display, g_value_get_string (value));
      break;
    case PROP_REASON:
      cercle_set_str (&self->reason, g_value_get_string (value));
      break;
    case PROP_ADMISSION_DATE:
      cercle_set_str (&self->admission_date, g_value_get_string (value));
      break;
    case PROP_ADMISSION_ASAP:
      self->admission_asap = g_value_get_boolean (value);
      break;
    case PROP_AUTHORED_ON:
      g_clear_pointer (&self->authored_on, g_date_time_unref);
      self->authored_on = g_value_dup_boxed (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cercle_destination_class_init (CercleDestinationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  object_class->finalize = cercle_destination_finalize;
  object_class->get_property = cercle_destination_get_property;
  object_class->set_property = cercle_destination_set_property;

  properties[PROP_ID] = g_param_spec_string ("id", NULL, NULL, NULL, rw);
  /* the ServiceRequest (Task.focus) */
  properties[PROP_REFERRAL_ID] = g_param_spec_string ("referral-id", NULL, NULL, NULL, rw);
  /* the dossier number (Task.groupIdentifier), shared by the destinations */
  properties[PROP_DOSSIER_ID] = g_param_spec_string ("dossier-id", NULL, NULL, NULL, rw);
  properties[PROP_PATIENT_ID] = g_param_spec_string ("patient-id", NULL, NULL, NULL, rw);
  properties[PROP_REQUESTER_ID] = g_param_spec_string ("requester-id", NULL, NULL, NULL, rw);
  /* the destination Organization (Task.owner) */
  properties[PROP_OWNER_ID] = g_param_spec_string ("owner-id", NULL, NULL, NULL, rw);
  properties[PROP_OWNER_DISPLAY] = g_param_spec_string ("owner-display", NULL, NULL, NULL, rw);
  /* Status changes go through cercle_destination_apply_transition() only. */
  properties[PROP_STATUS] = g_param_spec_string ("status", NULL, NULL, "draft", ro);
  properties[PROP_BUSINESS_STATUS] = g_param_spec_string ("business-status", NULL, NULL, NULL, ro);
  properties[PROP_STATUS_LABEL] = g_param_spec_string ("status-label", NULL, NULL, NULL, ro);
  properties[PROP_STATUS_REASON] = g_param_spec_string ("status-reason", NULL, NULL, NULL, ro);
  properties[PROP_STATUS_REASON_TEXT] = g_param_spec_string ("status-reason-text", NULL, NULL, NULL, ro);
  /* why the patient is oriented there, for the destination to read */
  properties[PROP_REASON] = g_param_spec_string ("reason", NULL, NULL, NULL, rw);
  properties[PROP_ADMISSION_DATE] = g_param_spec_string ("admission-date", NULL, NULL, NULL, rw);
  properties[PROP_ADMISSION_ASAP] = g_param_spec_boolean ("admission-asap", NULL, NULL, FALSE, rw);
  properties[PROP_AUTHORED_ON] = g_param_spec_boxed ("authored-on", NULL, NULL, G_TYPE_DATE_TIME, rw);
  properties[PROP_LAST_MODIFIED] = g_param_spec_boxed ("last-modified", NULL, NULL, G_TYPE_DATE_TIME, ro);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
cercle_destination_init (CercleDestination *self)
{
  self->status = g_strdup ("draft");
  self->transitions = g_ptr_array_new_with_free_func ((GDestroyNotify) transition_free);
}

/**
 * cercle_destination_new:
 * @id: (nullable): the logical id of the Task
 * @referral_id: the ServiceRequest it carries
 * @dossier_id: (nullable): the dossier number
 * @patient_id: the patient
 * @requester_id: (nullable): the Practitioner who sends it
 * @owner_id: the destination Organization
 *
 * Returns: (transfer full): a new destination, in draft
 */
CercleDestination *
cercle_destination_new (const char *id,
                        const char *referral_id,
                        const char *dossier_id,
                        const char *patient_id,
                        const char *requester_id,
                        const char *owner_id)
{
  return g_object_new (CERCLE_TYPE_DESTINATION,
                       "id", id,
                       "referral-id", referral_id,
                       "dossier-id", dossier_id,
                       "patient-id", patient_id,
                       "requester-id", requester_id,
                       "owner-id", owner_id,
                       NULL);
}

/**
 * cercle_destination_apply_transition:
 * @self: a destination
 * @to_status: the new Task.status
 * @to_business: (nullable): the new businessStatus
 * @actor: who makes the change
 * @reason_code: (nullable): the coded reason (refusal, withdrawal, cancellation)
 * @reason_text: (nullable): the free text of the reason ("autre")
 * @when: (nullable): the time of the change, now when %NULL
 * @error: return location for a #CERCLE_REFERRAL_ERROR
 *
 * Checks the change with cercle_referral_check_transition(), then makes it
 * and keeps it in the history with its time.
 *
 * Returns: %TRUE when the change is allowed and made
 */
gboolean
cercle_destination_apply_transition (CercleDestination   *self,
                                     const char          *to_status,
                                     const char          *to_business,
                                     CercleReferralActor  actor,
                                     const char          *reason_code,
                                     const char          *reason_text,
                                     GDateTime           *when,
                                     GError             **error)
{
  CercleDestinationTransition *transition;
  g_autoptr(GDateTime) now = NULL;

  g_return_val_if_fail (CERCLE_IS_DESTINATION (self), FALSE);
  g_return_val_if_fail (to_status != NULL, FALSE);

  if (to_business != NULL && to_business[0] == '\0')
    to_business = NULL;
  if (reason_code != NULL && reason_code[0] == '\0')
    reason_code = NULL;

  if (!cercle_referral_check_transition (self->status, self->business_status, to_status, to_business,
                                         actor, reason_code, error))
    return FALSE;

  if (when == NULL)
    {
      g_autoptr(GDateTime) utc = g_date_time_new_now_utc ();

      /* FHIR times here are to the second. */
      now = g_date_time_add (utc, -(g_date_time_get_microsecond (utc)));
      when = now;
    }

  transition = g_new0 (CercleDestinationTransition, 1);
  transition->time = g_date_time_ref (when);
  transition->status = g_strdup (to_status);
  transition->business = g_strdup (to_business);
  transition->reason = g_strdup (reason_code);
  transition->actor = actor;
  g_ptr_array_add (self->transitions, transition);

  cercle_set_str (&self->status, to_status);
  cercle_set_str (&self->business_status, to_business);
  /* A reason belongs to the step that gave it. */
  cercle_set_str (&self->status_reason, reason_code);
  cercle_set_str (&self->status_reason_text, reason_code ? reason_text : NULL);
  g_clear_pointer (&self->last_modified, g_date_time_unref);
  self->last_modified = g_date_time_ref (when);
  if (self->authored_on == NULL)
    self->authored_on = g_date_time_ref (when);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSINESS_STATUS]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS_LABEL]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS_REASON]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAST_MODIFIED]);
  return TRUE;
}

/**
 * cercle_destination_get_n_transitions:
 * @self: a destination
 *
 * Returns: the number of steps in the history
 */
guint
cercle_destination_get_n_transitions (CercleDestination *self)
{
  g_return_val_if_fail (CERCLE_IS_DESTINATION (self), 0);
  return self->transitions->len;
}

/**
 * cercle_destination_get_transition:
 * @self: a destination
 * @position: a step, from 0 (the oldest)
 *
 * Returns: (transfer none): the step
 */
const CercleDestinationTransition *
cercle_destination_get_transition (CercleDestination *self,
                                   guint              position)
{
  g_return_val_if_fail (CERCLE_IS_DESTINATION (self), NULL);
  g_return_val_if_fail (position < self->transitions->len, NULL);
  return g_ptr_array_index (self->transitions, position);
}

/**
 * cercle_destination_get_response_delay:
 * @self: a destination
 *
 * The time the structure took to answer: from the last time the referral
 * was sent (re-sent with complements counts) to the structure's first answer
 * after it (more information asked, accepted, waiting list or refused).
 * Opening it (Lue) is not an answer.
 *
 * Returns: the delay in microseconds, or -1 when it has not answered yet
 */
GTimeSpan
cercle_destination_get_response_delay (CercleDestination *self)
{
  GDateTime *sent = NULL;

  g_return_val_if_fail (CERCLE_IS_DESTINATION (self), -1);

  for (guint i = 0; i < self->transitions->len; i++)
    {
      CercleDestinationTransition *t = g_ptr_array_index (self->transitions, i);

      if (g_str_equal (t->status, "requested"))
        sent = t->time;
      else if (sent != NULL && t->actor == CERCLE_REFERRAL_ACTOR_DESTINATION)
        return g_date_time_difference (t->time, sent);
    }
  return -1;
}

/**
 * cercle_destination_get_id:
 * @self: a destination
 *
 * Returns: (nullable): its #CercleDestination:id
 */
const char *
cercle_destination_get_id (CercleDestination *self)
{
  g_return_val_if_fail (CERCLE_IS_DESTINATION (self), NULL);
  return self->id;
}

/**
 * cercle_destination_get_referral_id:
 * @self: a destination
 *
 * Returns: (nullable): its #CercleDestination:referral-id
 */
const char *
cercle_destination_get_referral_id (CercleDestination *self)
{
  g_return_val_if_fail (CERCLE_IS_DESTINATION (self), NULL);
  return self->referral_id;
}

/**
 * cercle_destination_get_dossier_id:
 * @self: a destination
 *
 * Returns: (nullable): its #CercleDestination:dossier-id
 */
const char *
cercle_destination_get_dossier_id (CercleDestination *self)
{
  g_return_val_if_fail (CERCLE_IS_DESTINATION (self), NULL);
  return self->dossier_id;
}

/**
 * cercle_destination_get_patient_id:
 * @self: a destination
 *
 * Returns: (nullable): its #CercleDestination:patient-id
 */
const char *
cercle_destination_get_patient_id (CercleDestination *self)
{
  g_return_val_if_fail (CERCLE_IS_DESTINATION (self), NULL);
  return self->patient_id;
}

/**
 * cercle_destination_get_requester_id:
 * @self: a destination
 *
 * Returns: (nullable): its #CercleDestination:requester-id
 */
const char *
cercle_destination_get_requester_id (CercleDestination *self)
{
  g_return_val_if_fail (CERCLE_IS_DESTINATION (self), NULL);
  return self->requester_id;
}

/**
 * cercle_destination_get_owner_id:
 * @self: a destination
 *
 * Returns: (nullable): its #CercleDestination:owner-id
 */
const char *
cercle_destination_get_owner_id (CercleDestination *self)
{
  g_return_val_if_fail (CERCLE_IS_DESTINATION (self), NULL);
  return self->owner_id;
}

/**
 * cercle_destination_get_owner_display:
 * @self: a destination
 *
 * Returns: (nullable): its #CercleDestination:owner-display
 */
const char *
cercle_destination_get_owner_display (CercleDestination *self)
{
  g_return_val_if_fail (CERCLE_IS_DESTINATION (self), NULL);
  return self->owner_display;
}

/**
 * cercle_destination_get_status:
 * @self: a destination
 *
 * Returns: (nullable): its #CercleDestination:status
 */
const char *
cercle_destination_get_status (CercleDestination *self)
{
  g_return_val_if_fail (CERCLE_IS_DESTINATION (self), NULL);
  return self->status;
}

/**
 * cercle_destination_get_business_status:
 * @self: a destination
 *
 * Returns: (nullable): its #CercleDestination:business-status
 */
const char *
cercle_destination_get_business_status (CercleDestination *self)
{
  g_return_val_if_fail (CERCLE_IS_DESTINATION (self), NULL);
  return self->business_status;
}

/**
 * cercle_destination_get_status_label:
 * @self: a destination
 *
 * Returns: (nullable): the translated label of its status ("Lue", …)
 */
const char *
cercle_destination_get_status_label (CercleDestination *self)
{
  g_return_val_if_fail (CERCLE_IS_DESTINATION (self), NULL);
  return cercle_referral_status_label (self->status, self->business_status);
}

/**
 * cercle_destination_get_status_reason:
 * @self: a destination
 *
 * Returns: (nullable): its #CercleDestination:status-reason
 */
const char *
cercle_destination_get_status_reason (CercleDestination *self)
{
  g_return_val_if_fail (CERCLE_IS_DESTINATION (self), NULL);
  return self->status_reason;
}

/**
 * cercle_destination_get_status_reason_text:
 * @self: a destination
 *
 * Returns: (nullable): its #CercleDestination:status-reason-text
 */
const char *
cercle_destination_get_status_reason_text (CercleDestination *self)
{
  g_return_val_if_fail (CERCLE_IS_DESTINATION (self), NULL);
  return self->status_reason_text;
}

/**
 * cercle_destination_get_reason:
 * @self: a destination
 *
 * Returns: (nullable): its #CercleDestination:reason
 */
const char *
cercle_destination_get_reason (CercleDestination *self)
{
  g_return_val_if_fail (CERCLE_IS_DESTINATION (self), NULL);
  return self->reason;
}

/**
 * cercle_destination_get_admission_date:
 * @self: a destination
 *
 * Returns: (nullable): its #CercleDestination:admission-date
 */
const char *
cercle_destination_get_admission_date (CercleDestination *self)
{
  g_return_val_if_fail (CERCLE_IS_DESTINATION (self), NULL);
  return self->admission_date;
}

/**
 * cercle_destination_get_admission_asap:
 * @self: a destination
 *
 * Returns: its #CercleDestination:admission-asap
 */
gboolean
cercle_destination_get_admission_asap (CercleDestination *self)
{
  g_return_val_if_fail (CERCLE_IS_DESTINATION (self), FALSE);
  return self->admission_asap;
}

/**
 * cercle_destination_set_admission:
 * @self: a destination
 * @date: (nullable): the proposed admission date, "YYYY-MM-DD"
 * @asap: %TRUE for "dès que possible"
 *
 * What an acceptance says about when the patient can come.
 */
void
cercle_destination_set_admission (CercleDestination *self,
                                  const char        *date,
                                  gboolean           asap)
{
  g_return_if_fail (CERCLE_IS_DESTINATION (self));
  g_return_if_fail (date == NULL || cercle_fhir_is_valid_date (date));

  g_object_set (self, "admission-date", date, "admission-asap", asap, NULL);
}

/**
 * cercle_destination_get_authored_on:
 * @self: a destination
 *
 * Returns: (nullable): its #CercleDestination:authored-on
 */
GDateTime *
cercle_destination_get_authored_on (CercleDestination *self)
{
  g_return_val_if_fail (CERCLE_IS_DESTINATION (self), NULL);
  return self->authored_on;
}

/**
 * cercle_destination_get_last_modified:
 * @self: a destination
 *
 * Returns: (nullable): its #CercleDestination:last-modified
 */
GDateTime *
cercle_destination_get_last_modified (CercleDestination *self)
{
  g_return_val_if_fail (CERCLE_IS_DESTINATION (self), NULL);
  return self->last_modified;
}

static void
set_date_time (JsonObject *object,
               const char *member,
               GDateTime  *date_time)
{
  g_autofree char *text = NULL;

  if (date_time == NULL)
    return;
  text = cercle_fhir_format_date_time (date_time);
  json_object_set_string_member (object, member, text);
}

static JsonObject *
sub_extension (const char *url,
               const char *value_member,
               const char *value)
{
  JsonObject *extension = json_object_new ();

  json_object_set_string_member (extension, "url", url);
  json_object_set_string_member (extension, value_member, value);
  return extension;
}

static JsonObject *
output_new (const char *code,
            const char *display)
{
  JsonObject *output = json_object_new ();

  json_object_set_object_member (output, "type",
                                 cercle_fhir_codeable_concept_new (CERCLE_FHIR_SYSTEM_REFERRAL_OUTPUT, code, display));
  return output;
}

/**
 * cercle_destination_to_fhir:
 * @self: a destination
 *
 * Writes a FHIR R4 Task: groupIdentifier the dossier, status and
 * businessStatus, statusReason (coded, with the free text), intent order,
 * focus the ServiceRequest, for the patient, owner the destination
 * Organization, the admission date or "as soon as possible" as outputs, and
 * one task-transition extension per step of the history.
 *
 * Returns: (transfer full): the Task
 */
JsonObject *
cercle_destination_to_fhir (CercleDestination *self)
{
  JsonObject *task;
  JsonArray *array;

  g_return_val_if_fail (CERCLE_IS_DESTINATION (self), NULL);

  task = json_object_new ();
  json_object_set_string_member (task, "resourceType", "Task");
  if (self->id)
    json_object_set_string_member (task, "id", self->id);

  if (self->transitions->len > 0)
    {
      array = json_array_new ();
      for (guint i = 0; i < self->transitions->len; i++)
        {
          CercleDestinationTransition *t = g_ptr_array_index (self->transitions, i);
          JsonObject *extension = json_object_new ();
          JsonArray *parts = json_array_new ();
          g_autofree char *time = cercle_fhir_format_date_time (t->time);

          json_object_set_string_member (extension, "url", CERCLE_FHIR_EXTENSION_TASK_TRANSITION);
          json_array_add_object_element (parts, sub_extension ("time", "valueDateTime", time));
          json_array_add_object_element (parts, sub_extension ("status", "valueCode", t->status));
          if (t->business)
            json_array_add_object_element (parts, sub_extension ("businessStatus", "valueCode", t->business));
          if (t->reason)
            json_array_add_object_element (parts, sub_extension ("reason", "valueCode", t->reason));
          json_array_add_object_element (parts, sub_extension ("actor", "valueCode", actor_codes[t->actor]));
          json_object_set_array_member (extension, "extension", parts);
          json_array_add_object_element (array, extension);
        }
      json_object_set_array_member (task, "extension", array);
    }

  if (self->dossier_id)
    json_object_set_object_member (task, "groupIdentifier",
                                   cercle_fhir_identifier_new (CERCLE_FHIR_SYSTEM_DOSSIER, self->dossier_id, "official"));
  json_object_set_string_member (task, "status", self->status);
  if (self->status_reason || self->status_reason_text)
    {
      JsonObject *concept = self->status_reason
        ? cercle_fhir_codeable_concept_new (CERCLE_FHIR_SYSTEM_REFERRAL_REASON, self->status_reason,
                                            cercle_referral_reason_display (self->status_reason))
        : json_object_new ();

      if (self->status_reason_text)
        json_object_set_string_member (concept, "text", self->status_reason_text);
      json_object_set_object_member (task, "statusReason", concept);
    }
  if (self->business_status)
    json_object_set_object_member (task, "businessStatus",
                                   cercle_fhir_codeable_concept_new (CERCLE_FHIR_SYSTEM_TASK_BUSINESS_STATUS,
                                                                     self->business_status,
                                                                     cercle_referral_status_display (self->status,
                                                                                                     self->business_status)));
  json_object_set_string_member (task, "intent", "order");
  if (self->referral_id)
    json_object_set_object_member (task, "focus", cercle_fhir_reference_new ("ServiceRequest", self->referral_id, NULL));
  if (self->patient_id)
    json_object_set_object_member (task, "for", cercle_fhir_reference_new ("Patient", self->patient_id, NULL));
  set_date_time (task, "authoredOn", self->authored_on);
  set_date_time (task, "lastModified", self->last_modified);
  if (self->requester_id)
    json_object_set_object_member (task, "requester", cercle_fhir_reference_new ("Practitioner", self->requester_id, NULL));
  if (self->owner_id)
    json_object_set_object_member (task, "owner",
                                   cercle_fhir_reference_new ("Organization", self->owner_id, self->owner_display));
  if (self->reason)
    json_object_set_object_member (task, "reasonCode", cercle_fhir_codeable_concept_new (NULL, NULL, self->reason));

  if (self->admission_date || self->admission_asap)
    {
      array = json_array_new ();
      if (self->admission_date)
        {
          JsonObject *output = output_new (OUTPUT_ADMISSION_DATE, "Date d’admission proposée");

          json_object_set_string_member (output, "valueDate", self->admission_date);
          json_array_add_object_element (array, output);
        }
      if (self->admission_asap)
        {
          JsonObject *output = output_new (OUTPUT_ADMISSION_ASAP, "Admission dès que possible");

          json_object_set_boolean_member (output, "valueBoolean", TRUE);
          json_array_add_object_element (array, output);
        }
      json_object_set_array_member (task, "output", array);
    }

  return task;
}

static char *
reference_id (JsonObject *reference,
              const char *expected_type)
{
  g_autofree char *type = NULL;
  g_autofree char *id = NULL;

  if (!cercle_fhir_reference_parse (reference, &type, &id) || strcmp (type, expected_type) != 0)
    return NULL;
  return g_steal_pointer (&id);
}

static gboolean
read_transition (CercleDestination  *self,
                 JsonObject         *extension,
                 GError            **error)
{
  JsonArray *parts = cercle_fhir_get_array (extension, "extension");
  g_autoptr(GDateTime) time = NULL;
  const char *status = NULL, *business = NULL, *reason = NULL, *actor = NULL;
  CercleDestinationTransition *transition;
  gsize actor_index = 0;

  for (guint i = 0; parts != NULL && i < json_array_get_length (parts); i++)
    {
      JsonObject *part = cercle_fhir_array_get_object (parts, i);
      const char *url = cercle_fhir_get_string (part, "url");

      if (g_strcmp0 (url, "time") == 0)
        {
          g_clear_pointer (&time, g_date_time_unref);
          time = cercle_fhir_parse_date_time (cercle_fhir_get_string (part, "valueDateTime"));
        }
      else if (g_strcmp0 (url, "status") == 0)
        status = cercle_fhir_get_string (part, "valueCode");
      else if (g_strcmp0 (url, "businessStatus") == 0)
        business = cercle_fhir_get_string (part, "valueCode");
      else if (g_strcmp0 (url, "reason") == 0)
        reason = cercle_fhir_get_string (part, "valueCode");
      else if (g_strcmp0 (url, "actor") == 0)
        actor = cercle_fhir_get_string (part, "valueCode");
    }

  while (actor != NULL && actor_codes[actor_index] != NULL && strcmp (actor_codes[actor_index], actor) != 0)
    actor_index++;
  if (time == NULL || !cercle_referral_is_known_status (status, business)
      || actor == NULL || actor_codes[actor_index] == NULL
      || (reason != NULL && !cercle_referral_is_reason (reason)))
    {
      g_set_error (error, CERCLE_FHIR_ERROR, CERCLE_FHIR_ERROR_INVALID,
                   _("A step of the history of the referral is incomplete or unknown"));
      return FALSE;
    }

  transition = g_new0 (CercleDestinationTransition, 1);
  transition->time = g_steal_pointer (&time);
  transition->status = g_strdup (status);
  transition->business = g_strdup (business);
  transition->reason = g_strdup (reason);
  transition->actor = (CercleReferralActor) actor_index;
  g_ptr_array_add (self->transitions, transition);
  return TRUE;
}

/**
 * cercle_destination_new_from_fhir:
 * @task: a FHIR Task
 * @error: return location for a #CERCLE_FHIR_ERROR
 *
 * Reads what cercle_destination_to_fhir() writes. The status pair must be a
 * referral status, the focus a ServiceRequest, the owner an Organization; a
 * reason must be a known one.
 *
 * Returns: (transfer full) (nullable): the destination, or %NULL
 */
CercleDestination *
cercle_destination_new_from_fhir (JsonObject  *task,
                                  GError     **error)
{
  g_autoptr(CercleDestination) self = NULL;
  JsonObject *object;
  JsonArray *array;

  g_return_val_if_fail (task != NULL, NULL);

  if (!cercle_fhir_check_resource (task, "Task", error))
    return NULL;

  self = g_object_new (CERCLE_TYPE_DESTINATION, "id", cercle_fhir_get_string (task, "id"), NULL);

  cercle_set_str (&self->status, cercle_fhir_get_string (task, "status"));
  self->business_status = g_strdup (cercle_fhir_codeable_concept_find (cercle_fhir_get_object (task, "businessStatus"),
                                                                       CERCLE_FHIR_SYSTEM_TASK_BUSINESS_STATUS, NULL));
  if (!cercle_referral_is_known_status (self->status, self->business_status))
    {
      g_set_error (error, CERCLE_FHIR_ERROR, CERCLE_FHIR_ERROR_INVALID,
                   _("“%s”/“%s” is not a status of a referral"),
                   self->status, self->business_status ? self->business_status : "");
      return NULL;
    }

  object = cercle_fhir_get_object (task, "statusReason");
  if (object != NULL)
    {
      self->status_reason = g_strdup (cercle_fhir_codeable_concept_find (object, CERCLE_FHIR_SYSTEM_REFERRAL_REASON,
                                                                         NULL));
      self->status_reason_text = g_strdup (cercle_fhir_get_string (object, "text"));
      if (self->status_reason != NULL && !cercle_referral_is_reason (self->status_reason))
        {
          g_set_error (error, CERCLE_FHIR_ERROR, CERCLE_FHIR_ERROR_INVALID,
                       _("“%s” is not a reason for refusing or cancelling a referral"), self->status_reason);
          return NULL;
        }
    }

  self->referral_id = reference_id (cercle_fhir_get_object (task, "focus"), "ServiceRequest");
  if (self->referral_id == NULL)
    {
      g_set_error (error, CERCLE_FHIR_ERROR, CERCLE_FHIR_ERROR_REQUIRED,
                   _("A referral destination needs the referral (a ServiceRequest) as its focus"));
      return NULL;
    }
  object = cercle_fhir_get_object (task, "owner");
  self->owner_id = reference_id (object, "Organization");
  if (self->owner_id == NULL)
    {
      g_set_error (error, CERCLE_FHIR_ERROR, CERCLE_FHIR_ERROR_REQUIRED,
                   _("A referral destination needs a structure (an Organization) as its owner"));
      return NULL;
    }
  self->owner_display = g_strdup (cercle_fhir_get_string (object, "display"));
  self->patient_id = reference_id (cercle_fhir_get_object (task, "for"), "Patient");
  self->requester_id = reference_id (cercle_fhir_get_object (task, "requester"), "Practitioner");
  self->dossier_id = g_strdup (cercle_fhir_get_string (cercle_fhir_get_object (task, "groupIdentifier"), "value"));
  self->reason = g_strdup (cercle_fhir_get_string (cercle_fhir_get_object (task, "reasonCode"), "text"));
  self->authored_on = cercle_fhir_parse_date_time (cercle_fhir_get_string (task, "authoredOn"));
  self->last_modified = cercle_fhir_parse_date_time (cercle_fhir_get_string (task, "lastModified"));

  array = cercle_fhir_get_array (task, "output");
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      JsonObject *output = cercle_fhir_array_get_object (array, i);
      const char *code = cercle_fhir_codeable_concept_find (cercle_fhir_get_object (output, "type"),
                                                            CERCLE_FHIR_SYSTEM_REFERRAL_OUTPUT, NULL);

      if (g_strcmp0 (code, OUTPUT_ADMISSION_DATE) == 0)
        {
          const char *date = cercle_fhir_get_string (output, "valueDate");

          if (!cercle_fhir_is_valid_date (date))
            {
              g_set_error (error, CERCLE_FHIR_ERROR, CERCLE_FHIR_ERROR_INVALID,
                           _("The admission date is not a valid date"));
              return NULL;
            }
          self->admission_date = g_strdup (date);
        }
      else if (g_strcmp0 (code, OUTPUT_ADMISSION_ASAP) == 0)
        {
          JsonNode *node = json_object_get_member (output, "valueBoolean");

          self->admission_asap = node != NULL && JSON_NODE_HOLDS_VALUE (node)
                                 && json_node_get_value_type (node) == G_TYPE_BOOLEAN
                                 && json_node_get_boolean (node);
        }
    }

  array = cercle_fhir_get_array (task, "extension");
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      JsonObject *extension = cercle_fhir_array_get_object (array, i);

      if (g_strcmp0 (cercle_fhir_get_string (extension, "url"), CERCLE_FHIR_EXTENSION_TASK_TRANSITION) == 0
          && !read_transition (self, extension, error))
        return NULL;
    }

  return g_steal_pointer (&self);
}
