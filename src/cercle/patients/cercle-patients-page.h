/* cercle-patients-page.h — the patients page of the main window
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define CERCLE_TYPE_PATIENTS_PAGE (cercle_patients_page_get_type ())
G_DECLARE_FINAL_TYPE (CerclePatientsPage, cercle_patients_page, CERCLE, PATIENTS_PAGE, AdwBin)

GtkWidget *cercle_patients_page_new (void);

G_END_DECLS
