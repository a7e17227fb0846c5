/* cercle-new-patient-dialog.h — « Nouveau patient »: the INS identity, checked before it is saved
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "cercle-db.h"

G_BEGIN_DECLS

#define CERCLE_TYPE_NEW_PATIENT_DIALOG (cercle_new_patient_dialog_get_type ())
G_DECLARE_FINAL_TYPE (CercleNewPatientDialog, cercle_new_patient_dialog, CERCLE, NEW_PATIENT_DIALOG, AdwWindow)

GtkWidget *cercle_new_patient_dialog_new (GtkWindow *parent,
                                          CercleDb  *db);

G_END_DECLS
