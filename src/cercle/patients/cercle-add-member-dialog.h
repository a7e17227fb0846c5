/* cercle-add-member-dialog.h — adding a professional, a structure or a relative to a care circle
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "cercle-db.h"
#include "cercle-patient.h"

G_BEGIN_DECLS

#define CERCLE_TYPE_ADD_MEMBER_DIALOG (cercle_add_member_dialog_get_type ())
G_DECLARE_FINAL_TYPE (CercleAddMemberDialog, cercle_add_member_dialog, CERCLE, ADD_MEMBER_DIALOG, AdwWindow)

GtkWidget *cercle_add_member_dialog_new (GtkWindow     *parent,
                                         CercleDb      *db,
                                         CerclePatient *patient);

G_END_DECLS
