/* cercle-dossier-editor.h — preparing a referral dossier
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "cercle-db.h"
#include "cercle-referral-draft.h"

G_BEGIN_DECLS

#define CERCLE_TYPE_DOSSIER_EDITOR (cercle_dossier_editor_get_type ())
G_DECLARE_FINAL_TYPE (CercleDossierEditor, cercle_dossier_editor, CERCLE, DOSSIER_EDITOR, GtkBox)

GtkWidget           *cercle_dossier_editor_new            (void);
void                 cercle_dossier_editor_set_draft      (CercleDossierEditor *self,
                                                           CercleDb            *db,
                                                           CercleReferralDraft *draft);
CercleReferralDraft *cercle_dossier_editor_get_draft      (CercleDossierEditor *self);
gboolean             cercle_dossier_editor_get_searching  (CercleDossierEditor *self);
GtkWidget           *cercle_dossier_editor_get_field_row  (CercleDossierEditor *self,
                                                           const char          *key);
GtkWidget           *cercle_dossier_editor_get_section_group (CercleDossierEditor *self,
                                                           const char          *section);

G_END_DECLS
