/* cercle-sync-banner.h — the sync state that needs attention, above a page
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "cercle-sync-status.h"

G_BEGIN_DECLS

#define CERCLE_TYPE_SYNC_BANNER (cercle_sync_banner_get_type ())
G_DECLARE_FINAL_TYPE (CercleSyncBanner, cercle_sync_banner, CERCLE, SYNC_BANNER, AdwBin)

CercleSyncStatus *cercle_sync_banner_get_status (CercleSyncBanner *self);
void              cercle_sync_banner_set_status (CercleSyncBanner *self,
                                                 CercleSyncStatus *status);

G_END_DECLS
