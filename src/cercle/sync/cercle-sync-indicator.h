/* cercle-sync-indicator.h — the sync state at the foot of the sidebar
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "cercle-sync-status.h"

G_BEGIN_DECLS

#define CERCLE_TYPE_SYNC_INDICATOR (cercle_sync_indicator_get_type ())
G_DECLARE_FINAL_TYPE (CercleSyncIndicator, cercle_sync_indicator, CERCLE, SYNC_INDICATOR, AdwBin)

CercleSyncStatus *cercle_sync_indicator_get_status (CercleSyncIndicator *self);
void              cercle_sync_indicator_set_status (CercleSyncIndicator *self,
                                                    CercleSyncStatus    *status);

G_END_DECLS
