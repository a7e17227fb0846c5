/* cercle-patient-view.h — a patient's file: identity, care circle, notes, access trail
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "cercle-db.h"

G_BEGIN_DECLS

#define CERCLE_TYPE_PATIENT_VIEW (cercle_patient_view_get_type ())
G_DECLARE_FINAL_TYPE (CerclePatientView, cercle_patient_view, CERCLE, PATIENT_VIEW, GtkBox)

void        cercle_patient_view_set_db           (CerclePatientView *self,
                                                  CercleDb          *db);
gboolean    cercle_patient_view_open             (CerclePatientView *self,
                                                  const char        *patient_id,
                                                  GError           **error);
void        cercle_patient_view_reload           (CerclePatientView *self);
const char *cercle_patient_view_get_patient_id   (CerclePatientView *self);
void        cercle_patient_view_set_show_back    (CerclePatientView *self,
                                                  gboolean           show);
GtkBox     *cercle_patient_view_get_referrals_box (CerclePatientView *self);
void        cercle_patient_view_focus_compose    (CerclePatientView *self);

G_END_DECLS
