/* cercle-dossier-view.h — one sent dossier, its answers and the actions on them
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "cercle-db.h"
#include "cercle-referral-repo.h"

G_BEGIN_DECLS

#define CERCLE_TYPE_DOSSIER_VIEW (cercle_dossier_view_get_type ())
G_DECLARE_FINAL_TYPE (CercleDossierView, cercle_dossier_view, CERCLE, DOSSIER_VIEW, GtkBox)

GtkWidget  *cercle_dossier_view_new              (void);
gboolean    cercle_dossier_view_show             (CercleDossierView    *self,
                                                  CercleDb             *db,
                                                  const char           *referral_id,
                                                  const char           *received_task_id,
                                                  GError              **error);
const char *cercle_dossier_view_get_referral_id  (CercleDossierView    *self);
void        cercle_dossier_view_reload           (CercleDossierView    *self);
GtkWidget  *cercle_dossier_view_get_action_button (CercleDossierView   *self,
                                                  const char           *task_id,
                                                  CercleReferralAction  action);
const char *cercle_dossier_view_get_feedback     (CercleDossierView    *self);
char       *cercle_dossier_view_dup_text         (CercleDossierView    *self);
void        cercle_dossier_view_fill_form        (CercleDossierView    *self,
                                                  const char           *reason_code,
                                                  const char           *text,
                                                  const char           *date,
                                                  gboolean              asap);
void        cercle_dossier_view_submit_form      (CercleDossierView    *self);
GtkWidget  *cercle_dossier_view_get_complements  (CercleDossierView    *self,
                                                  const char           *section);
GtkWidget  *cercle_dossier_view_get_complements_group (CercleDossierView *self);
GtkWidget  *cercle_dossier_view_get_complements_button (CercleDossierView *self);

G_END_DECLS
