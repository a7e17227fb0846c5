/* cercle-note-repo.h — follow-up notes and the patient's timeline in the local store
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "cercle-db.h"
#include "cercle-note.h"
#include "cercle-timeline-event.h"

G_BEGIN_DECLS

/* Errors of the care circle and its notes. Messages are translated. */
#define CERCLE_CARE_ERROR (cercle_care_error_quark ())
typedef enum {
  CERCLE_CARE_ERROR_NOT_SIGNED_IN,
  CERCLE_CARE_ERROR_INVALID,
  CERCLE_CARE_ERROR_CONFLICT,
  CERCLE_CARE_ERROR_NOT_FOUND,
} CercleCareError;

GQuark       cercle_care_error_quark          (void);

gboolean     cercle_care_store_migrate        (CercleDb    *db,
                                               GError     **error);

CercleNote  *cercle_note_repo_write           (CercleDb    *db,
                                               const char  *patient_id,
                                               const char  *category,
                                               const char  *text,
                                               GError     **error);
CercleNote  *cercle_note_repo_correct         (CercleDb    *db,
                                               const char  *corrected_id,
                                               const char  *text,
                                               GError     **error);
CercleNote  *cercle_note_repo_get             (CercleDb    *db,
                                               const char  *id,
                                               GError     **error);
GListModel  *cercle_note_repo_timeline        (CercleDb    *db,
                                               const char  *patient_id,
                                               GError     **error);
gboolean     cercle_note_repo_mark_read       (CercleDb    *db,
                                               const char  *patient_id,
                                               GError     **error);
guint        cercle_note_repo_count_unread    (CercleDb    *db,
                                               const char  *patient_id);
GHashTable  *cercle_note_repo_unread_counts   (CercleDb    *db,
                                               GError     **error);

/**
 * CercleAccessEntry:
 * @who: the name of who read or wrote (or their login)
 * @action: the FHIR AuditEvent action: 'C', 'R', 'U', 'D' or 'E'
 * @recorded: when
 *
 * One line of a patient file's access trail.
 */
typedef struct {
  char      *who;
  char       action;
  GDateTime *recorded;
} CercleAccessEntry;

void         cercle_access_entry_free         (CercleAccessEntry *entry);
GPtrArray   *cercle_note_repo_access_trail    (CercleDb    *db,
                                               const char  *patient_id,
                                               guint        limit,
                                               GError     **error);

G_END_DECLS
