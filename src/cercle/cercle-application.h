/* cercle-application.h — the Cercle application
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "cercle-sync-status.h"

G_BEGIN_DECLS

#define CERCLE_TYPE_APPLICATION (cercle_application_get_type ())
G_DECLARE_FINAL_TYPE (CercleApplication, cercle_application, CERCLE, APPLICATION, AdwApplication)

CercleApplication *cercle_application_new             (void);
CercleSyncStatus  *cercle_application_get_sync_status (CercleApplication *self);

G_END_DECLS
