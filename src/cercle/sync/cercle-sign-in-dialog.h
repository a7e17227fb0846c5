/* cercle-sign-in-dialog.h — signing in to the care network's server
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "cercle-sync-status.h"

G_BEGIN_DECLS

#define CERCLE_TYPE_SIGN_IN_DIALOG (cercle_sign_in_dialog_get_type ())
G_DECLARE_FINAL_TYPE (CercleSignInDialog, cercle_sign_in_dialog, CERCLE, SIGN_IN_DIALOG, AdwWindow)

CercleSignInDialog *cercle_sign_in_dialog_new (GtkWindow        *parent,
                                               CercleSyncStatus *status);

G_END_DECLS
