/* cercle-conflict-banner.h — « Modifié ailleurs entre-temps »: both versions of a refused change, and the choice
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "cercle-db.h"

G_BEGIN_DECLS

#define CERCLE_TYPE_CONFLICT_BANNER (cercle_conflict_banner_get_type ())
G_DECLARE_FINAL_TYPE (CercleConflictBanner, cercle_conflict_banner, CERCLE, CONFLICT_BANNER, GtkBox)

GtkWidget *cercle_conflict_banner_new          (void);
guint      cercle_conflict_banner_show_patient (CercleConflictBanner *self,
                                                CercleDb             *db,
                                                const char           *patient_id);

G_END_DECLS
