/* cercle-note-row.h — one entry of a patient's timeline: a note or a circle change
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "cercle-timeline-event.h"

G_BEGIN_DECLS

#define CERCLE_TYPE_NOTE_ROW (cercle_note_row_get_type ())
G_DECLARE_FINAL_TYPE (CercleNoteRow, cercle_note_row, CERCLE, NOTE_ROW, GtkListBoxRow)

GtkWidget           *cercle_note_row_new       (CercleTimelineEvent *event,
                                                gboolean             can_correct);
CercleTimelineEvent *cercle_note_row_get_event (CercleNoteRow       *self);

G_END_DECLS
