/* cercle-patient-referrals.h — a patient's dossiers, on the patient page
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "cercle-db.h"

G_BEGIN_DECLS

guint cercle_patient_referrals_fill (GtkBox     *box,
                                     CercleDb   *db,
                                     const char *patient_id);

G_END_DECLS
