/* cercle-note.h — a follow-up note shared with the care circle (FHIR Communication)
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define CERCLE_NOTE_CATEGORY_TRANSMISSION "transmission"
#define CERCLE_NOTE_CATEGORY_VIGILANCE    "vigilance"
#define CERCLE_NOTE_CATEGORY_REPORT       "compte-rendu"
#define CERCLE_NOTE_CATEGORY_INFORMATION  "information"

#define CERCLE_TYPE_NOTE (cercle_note_get_type ())
G_DECLARE_FINAL_TYPE (CercleNote, cercle_note, CERCLE, NOTE, GObject)

CercleNote *cercle_note_new                   (const char  *id,
                                               const char  *patient_id,
                                               const char  *author_id,
                                               const char  *category,
                                               const char  *text);
CercleNote *cercle_note_new_correction        (CercleNote  *corrected,
                                               const char  *id,
                                               const char  *author_id,
                                               const char  *text);
CercleNote *cercle_note_new_from_fhir         (JsonObject  *communication,
                                               GError     **error);
JsonObject *cercle_note_to_fhir               (CercleNote  *self);

const char *cercle_note_get_id                (CercleNote  *self);
const char *cercle_note_get_patient_id        (CercleNote  *self);
const char *cercle_note_get_author_id         (CercleNote  *self);
const char *cercle_note_get_author_display    (CercleNote  *self);
const char *cercle_note_get_category          (CercleNote  *self);
const char *cercle_note_get_category_label    (CercleNote  *self);
GDateTime  *cercle_note_get_sent              (CercleNote  *self);
const char *cercle_note_get_text              (CercleNote  *self);
const char *cercle_note_get_corrects_id       (CercleNote  *self);
const char *cercle_note_get_in_response_to_id (CercleNote  *self);
const char *cercle_note_get_care_team_id      (CercleNote  *self);

gboolean    cercle_note_is_category           (const char  *code);
const char *cercle_note_category_label        (const char  *code);

G_END_DECLS
