/* cercle-sign-out-dialog.h — confirming « Se déconnecter »
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "cercle-sync-status.h"

G_BEGIN_DECLS

#define CERCLE_TYPE_SIGN_OUT_DIALOG (cercle_sign_out_dialog_get_type ())
G_DECLARE_FINAL_TYPE (CercleSignOutDialog, cercle_sign_out_dialog, CERCLE, SIGN_OUT_DIALOG, AdwMessageDialog)

CercleSignOutDialog *cercle_sign_out_dialog_new (GtkWindow        *parent,
                                                 CercleSyncStatus *status);

G_END_DECLS
