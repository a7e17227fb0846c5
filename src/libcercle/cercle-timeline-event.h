/* cercle-timeline-event.h — one entry of a patient's timeline: a note, a change of the care circle or a referral's step
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cercle-care-team-member.h"
#include "cercle-note.h"
#include "cercle-store.h"

G_BEGIN_DECLS

/**
 * CercleTimelineKind:
 * @CERCLE_TIMELINE_NOTE: a follow-up note
 * @CERCLE_TIMELINE_MEMBER_JOINED: a member entered the care circle
 * @CERCLE_TIMELINE_MEMBER_LEFT: a member left the care circle
 * @CERCLE_TIMELINE_REFERRAL_SENT: a referral was sent to its structures
 * @CERCLE_TIMELINE_REFERRAL_STEP: a destination of a referral moved
 *   (answered, admission confirmed, cancelled…)
 */
typedef enum {
  CERCLE_TIMELINE_NOTE,
  CERCLE_TIMELINE_MEMBER_JOINED,
  CERCLE_TIMELINE_MEMBER_LEFT,
  CERCLE_TIMELINE_REFERRAL_SENT,
  CERCLE_TIMELINE_REFERRAL_STEP,
} CercleTimelineKind;

#define CERCLE_TYPE_TIMELINE_EVENT (cercle_timeline_event_get_type ())
G_DECLARE_FINAL_TYPE (CercleTimelineEvent, cercle_timeline_event, CERCLE, TIMELINE_EVENT, GObject)

CercleTimelineEvent  *cercle_timeline_event_new_note        (CercleNote           *note,
                                                             const char           *author_role,
                                                             CercleSyncState       state,
                                                             const char           *sync_message,
                                                             gboolean              unread);
CercleTimelineEvent  *cercle_timeline_event_new_member      (CercleCareTeamMember *member,
                                                             gboolean              left);
CercleTimelineEvent  *cercle_timeline_event_new_referral_sent (const char         *referral_id,
                                                             const char           *orientation_type,
                                                             guint                 n_destinations,
                                                             GDateTime            *time);
CercleTimelineEvent  *cercle_timeline_event_new_referral_step (const char         *referral_id,
                                                             const char           *structure,
                                                             const char           *status,
                                                             const char           *business,
                                                             const char           *reason,
                                                             GDateTime            *time);

CercleTimelineKind    cercle_timeline_event_get_kind         (CercleTimelineEvent  *self);
GDateTime            *cercle_timeline_event_get_time         (CercleTimelineEvent  *self);
CercleNote           *cercle_timeline_event_get_note         (CercleTimelineEvent  *self);
CercleCareTeamMember *cercle_timeline_event_get_member       (CercleTimelineEvent  *self);
const char           *cercle_timeline_event_get_author_role  (CercleTimelineEvent  *self);
CercleSyncState       cercle_timeline_event_get_sync_state   (CercleTimelineEvent  *self);
const char           *cercle_timeline_event_get_sync_message (CercleTimelineEvent  *self);
gboolean              cercle_timeline_event_get_unread       (CercleTimelineEvent  *self);
const char           *cercle_timeline_event_get_corrected_by (CercleTimelineEvent  *self);
void                  cercle_timeline_event_set_corrected_by (CercleTimelineEvent  *self,
                                                             const char           *note_id);
const char           *cercle_timeline_event_get_referral_id  (CercleTimelineEvent  *self);
const char           *cercle_timeline_event_get_referral_status (CercleTimelineEvent *self);
const char           *cercle_timeline_event_get_referral_business (CercleTimelineEvent *self);
char                 *cercle_timeline_event_dup_referral_text (CercleTimelineEvent *self);

char                 *cercle_timeline_format_time            (GDateTime            *time);

G_END_DECLS
