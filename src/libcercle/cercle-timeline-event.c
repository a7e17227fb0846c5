/* cercle-timeline-event.c — one entry of a patient's timeline
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A patient's notes and the changes of their care circle are shown as one
 * story, newest first. A circle change is not a resource of its own: it is
 * read from the periods of the CareTeam's participants, so every member of
 * the circle sees the same story once the CareTeam is synced. Nor is a
 * referral's step: it is read from the `task-transition` history of the
 * referral's Tasks (cercle-referral-repo.c), which the server keeps.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cercle-i18n.h"
#include "cercle-referral-rules.h"
#include "cercle-timeline-event.h"

struct _CercleTimelineEvent
{
  GObject parent_instance;

  CercleTimelineKind kind;
  GDateTime *time;
  CercleNote *note;
  CercleCareTeamMember *member;
  char *author_role;
  CercleSyncState sync_state;
  char *sync_message;
  gboolean unread;
  char *corrected_by;
  /* a referral's entry */
  char *referral_id;
  char *structure;        /* the destination, or the orientation type of a sent dossier */
  char *status;
  char *business;
  char *reason;
  guint n_destinations;
};

G_DEFINE_FINAL_TYPE (CercleTimelineEvent, cercle_timeline_event, G_TYPE_OBJECT)

static void
cercle_timeline_event_finalize (GObject *object)
{
  CercleTimelineEvent *self = (CercleTimelineEvent *) object;

  g_clear_pointer (&self->time, g_date_time_unref);
  g_clear_object (&self->note);
  g_clear_object (&self->member);
  g_free (self->author_role);
  g_free (self->sync_message);
  g_free (self->corrected_by);
  g_free (self->referral_id);
  g_free (self->structure);
  g_free (self->status);
  g_free (self->business);
  g_free (self->reason);

  G_OBJECT_CLASS (cercle_timeline_event_parent_class)->finalize (object);
}

static void
cercle_timeline_event_class_init (CercleTimelineEventClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cercle_timeline_event_finalize;
}

static void
cercle_timeline_event_init (CercleTimelineEvent *self)
{
}

/**
 * cercle_timeline_event_new_note:
 * @note: the note
 * @author_role: (nullable): the author's role in the circle, translated
 * @state: where the note stands with the server
 * @sync_message: (nullable): the server's message when refused
 * @unread: whether the user has not seen it yet
 *
 * Returns: (transfer full): a timeline entry for @note
 */
CercleTimelineEvent *
cercle_timeline_event_new_note (CercleNote      *note,
                                const char      *author_role,
                                CercleSyncState  state,
                                const char      *sync_message,
                                gboolean         unread)
{
  CercleTimelineEvent *self;

  g_return_val_if_fail (CERCLE_IS_NOTE (note), NULL);

  self = g_object_new (CERCLE_TYPE_TIMELINE_EVENT, NULL);
  self->kind = CERCLE_TIMELINE_NOTE;
  self->note = g_object_ref (note);
  self->time = cercle_note_get_sent (note) ? g_date_time_ref (cercle_note_get_sent (note))
                                           : g_date_time_new_now_utc ();
  self->author_role = g_strdup (author_role);
  self->sync_state = state;
  self->sync_message = g_strdup (sync_message);
  self->unread = unread;
  return self;
}

static GDateTime *
parse_date (const char *text)
{
  int y, m, d;

  if (text == NULL)
    return NULL;
  if (strlen (text) > 10)
    {
      g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
      GDateTime *dt = g_date_time_new_from_iso8601 (text, utc);

      if (dt != NULL)
        return dt;
    }
  if (sscanf (text, "%4d-%2d-%2d", &y, &m, &d) != 3)
    return NULL;
  /* A date alone: noon, local time, so that it stays on its day whatever
   * the time zone it is shown in. */
  return g_date_time_new_local (y, m, d, 12, 0, 0);
}

/**
 * cercle_timeline_event_new_member:
 * @member: a member of the care circle
 * @left: %TRUE for the end of its membership, %FALSE for its start
 *
 * Returns: (transfer full): a timeline entry for the change
 */
CercleTimelineEvent *
cercle_timeline_event_new_member (CercleCareTeamMember *member,
                                  gboolean              left)
{
  CercleTimelineEvent *self;
  const char *date;

  g_return_val_if_fail (CERCLE_IS_CARE_TEAM_MEMBER (member), NULL);

  self = g_object_new (CERCLE_TYPE_TIMELINE_EVENT, NULL);
  self->kind = left ? CERCLE_TIMELINE_MEMBER_LEFT : CERCLE_TIMELINE_MEMBER_JOINED;
  self->member = g_object_ref (member);
  date = left ? cercle_care_team_member_get_end (member) : cercle_care_team_member_get_start (member);
  self->time = parse_date (date);
  if (self->time == NULL)
    self->time = g_date_time_new_from_unix_utc (0);
  return self;
}

/**
 * cercle_timeline_event_new_referral_sent:
 * @referral_id: the ServiceRequest's id
 * @orientation_type: (nullable): SMR, HAD, USP, SSIAD, EHPAD
 * @n_destinations: to how many structures
 * @time: when it was sent
 *
 * Returns: (transfer full): a timeline entry for the sending of a dossier
 */
CercleTimelineEvent *
cercle_timeline_event_new_referral_sent (const char *referral_id,
                                         const char *orientation_type,
                                         guint       n_destinations,
                                         GDateTime  *time)
{
  CercleTimelineEvent *self;

  g_return_val_if_fail (referral_id != NULL, NULL);
  g_return_val_if_fail (time != NULL, NULL);

  self = g_object_new (CERCLE_TYPE_TIMELINE_EVENT, NULL);
  self->kind = CERCLE_TIMELINE_REFERRAL_SENT;
  self->referral_id = g_strdup (referral_id);
  self->structure = g_strdup (orientation_type);
  self->n_destinations = n_destinations;
  self->time = g_date_time_ref (time);
  return self;
}

/**
 * cercle_timeline_event_new_referral_step:
 * @referral_id: the ServiceRequest's id
 * @structure: (nullable): the destination's name
 * @status: the Task's status after the step
 * @business: (nullable): its businessStatus code
 * @reason: (nullable): the reason code (refusal, cancellation…)
 * @time: when it happened
 *
 * Returns: (transfer full): a timeline entry for a destination's step
 */
CercleTimelineEvent *
cercle_timeline_event_new_referral_step (const char *referral_id,
                                         const char *structure,
                                         const char *status,
                                         const char *business,
                                         const char *reason,
                                         GDateTime  *time)
{
  CercleTimelineEvent *self;

  g_return_val_if_fail (referral_id != NULL, NULL);
  g_return_val_if_fail (status != NULL, NULL);
  g_return_val_if_fail (time != NULL, NULL);

  self = g_object_new (CERCLE_TYPE_TIMELINE_EVENT, NULL);
  self->kind = CERCLE_TIMELINE_REFERRAL_STEP;
  self->referral_id = g_strdup (referral_id);
  self->structure = g_strdup (structure);
  self->status = g_strdup (status);
  self->business = g_strdup (business);
  self->reason = g_strdup (reason);
  self->time = g_date_time_ref (time);
  return self;
}

/**
 * cercle_timeline_event_get_referral_id:
 * @self: an entry
 *
 * Returns: (nullable): the ServiceRequest of a referral's entry
 */
const char *
cercle_timeline_event_get_referral_id (CercleTimelineEvent *self)
{
  g_return_val_if_fail (CERCLE_IS_TIMELINE_EVENT (self), NULL);
  return self->referral_id;
}

/**
 * cercle_timeline_event_get_referral_status:
 * @self: an entry
 *
 * Returns: (nullable): the Task's status after a referral's step
 */
const char *
cercle_timeline_event_get_referral_status (CercleTimelineEvent *self)
{
  g_return_val_if_fail (CERCLE_IS_TIMELINE_EVENT (self), NULL);
  return self->status;
}

/**
 * cercle_timeline_event_get_referral_business:
 * @self: an entry
 *
 * Returns: (nullable): the Task's businessStatus code after a referral's step
 */
const char *
cercle_timeline_event_get_referral_business (CercleTimelineEvent *self)
{
  g_return_val_if_fail (CERCLE_IS_TIMELINE_EVENT (self), NULL);
  return self->business;
}

/**
 * cercle_timeline_event_dup_referral_text:
 * @self: a referral's entry
 *
 * What the entry says, translated: « Orientation SMR envoyée à 3 structures »,
 * « SMR de Coubert (fictif) : Acceptée », « SSIAD de Melun (fictif) :
 * Refusée (pas de place) ».
 *
 * Returns: (transfer full) (nullable): the text, %NULL for another kind
 */
char *
cercle_timeline_event_dup_referral_text (CercleTimelineEvent *self)
{
  const char *label;
  const char *reason;

  g_return_val_if_fail (CERCLE_IS_TIMELINE_EVENT (self), NULL);

  if (self->kind == CERCLE_TIMELINE_REFERRAL_SENT)
    {
      if (self->structure != NULL)
        /* TRANSLATORS: « Orientation SMR envoyée à 3 structures » */
        return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s referral sent to %u structure",
                                             "%s referral sent to %u structures", self->n_destinations),
                                self->structure, self->n_destinations);
      return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Referral sent to %u structure",
                                           "Referral sent to %u structures", self->n_destinations),
                              self->n_destinations);
    }
  if (self->kind != CERCLE_TIMELINE_REFERRAL_STEP)
    return NULL;
  label = cercle_referral_status_label (self->status, self->business);
  if (label == NULL)
    label = self->status;
  reason = self->reason ? cercle_referral_reason_label (self->reason) : NULL;
  if (reason != NULL)
    /* TRANSLATORS: « SSIAD de Melun : Refusée (pas de place) » */
    return g_strdup_printf (_("%s: %s (%s)"), self->structure ? self->structure : _("A structure"), label, reason);
  /* TRANSLATORS: « SMR de Coubert : Acceptée » */
  return g_strdup_printf (_("%s: %s"), self->structure ? self->structure : _("A structure"), label);
}

/**
 * cercle_timeline_event_get_kind:
 * @self: an entry
 *
 * Returns: what the entry is
 */
CercleTimelineKind
cercle_timeline_event_get_kind (CercleTimelineEvent *self)
{
  g_return_val_if_fail (CERCLE_IS_TIMELINE_EVENT (self), CERCLE_TIMELINE_NOTE);
  return self->kind;
}

/**
 * cercle_timeline_event_get_time:
 * @self: an entry
 *
 * Returns: (transfer none): when it happened
 */
GDateTime *
cercle_timeline_event_get_time (CercleTimelineEvent *self)
{
  g_return_val_if_fail (CERCLE_IS_TIMELINE_EVENT (self), NULL);
  return self->time;
}

/**
 * cercle_timeline_event_get_note:
 * @self: an entry
 *
 * Returns: (transfer none) (nullable): the note of a note entry
 */
CercleNote *
cercle_timeline_event_get_note (CercleTimelineEvent *self)
{
  g_return_val_if_fail (CERCLE_IS_TIMELINE_EVENT (self), NULL);
  return self->note;
}

/**
 * cercle_timeline_event_get_member:
 * @self: an entry
 *
 * Returns: (transfer none) (nullable): the member of a circle change
 */
CercleCareTeamMember *
cercle_timeline_event_get_member (CercleTimelineEvent *self)
{
  g_return_val_if_fail (CERCLE_IS_TIMELINE_EVENT (self), NULL);
  return self->member;
}

/**
 * cercle_timeline_event_get_author_role:
 * @self: an entry
 *
 * Returns: (nullable): the note author's role in the circle, translated
 */
const char *
cercle_timeline_event_get_author_role (CercleTimelineEvent *self)
{
  g_return_val_if_fail (CERCLE_IS_TIMELINE_EVENT (self), NULL);
  return self->author_role;
}

/**
 * cercle_timeline_event_get_sync_state:
 * @self: an entry
 *
 * Returns: where a note stands with the server
 */
CercleSyncState
cercle_timeline_event_get_sync_state (CercleTimelineEvent *self)
{
  g_return_val_if_fail (CERCLE_IS_TIMELINE_EVENT (self), CERCLE_SYNC_STATE_SENT);
  return self->sync_state;
}

/**
 * cercle_timeline_event_get_sync_message:
 * @self: an entry
 *
 * Returns: (nullable): the server's message for a refused note
 */
const char *
cercle_timeline_event_get_sync_message (CercleTimelineEvent *self)
{
  g_return_val_if_fail (CERCLE_IS_TIMELINE_EVENT (self), NULL);
  return self->sync_message;
}

/**
 * cercle_timeline_event_get_unread:
 * @self: an entry
 *
 * Returns: %TRUE for a note the user has not seen yet
 */
gboolean
cercle_timeline_event_get_unread (CercleTimelineEvent *self)
{
  g_return_val_if_fail (CERCLE_IS_TIMELINE_EVENT (self), FALSE);
  return self->unread;
}

/**
 * cercle_timeline_event_get_corrected_by:
 * @self: an entry
 *
 * Returns: (nullable): the id of the note that corrects this one
 */
const char *
cercle_timeline_event_get_corrected_by (CercleTimelineEvent *self)
{
  g_return_val_if_fail (CERCLE_IS_TIMELINE_EVENT (self), NULL);
  return self->corrected_by;
}

/**
 * cercle_timeline_event_set_corrected_by:
 * @self: a note entry
 * @note_id: (nullable): the id of the note that corrects it
 */
void
cercle_timeline_event_set_corrected_by (CercleTimelineEvent *self,
                                        const char          *note_id)
{
  g_return_if_fail (CERCLE_IS_TIMELINE_EVENT (self));
  g_free (self->corrected_by);
  self->corrected_by = g_strdup (note_id);
}

/**
 * cercle_timeline_format_time:
 * @time: a time
 *
 * The time as a French reader expects it, in local time:
 * « lundi 23 novembre 2026 à 14:05 ».
 *
 * Returns: (transfer full): the text
 */
char *
cercle_timeline_format_time (GDateTime *time)
{
  g_autoptr(GDateTime) local = NULL;

  g_return_val_if_fail (time != NULL, NULL);

  local = g_date_time_to_local (time);
  /* TRANSLATORS: a note's time, see g_date_time_format(): « lundi 23 novembre 2026 à 14:05 » */
  return g_date_time_format (local, _("%A %-d %B %Y at %H:%M"));
}
