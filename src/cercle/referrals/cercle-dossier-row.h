/* cercle-dossier-row.h — one dossier in « Orientations » or « Demandes reçues »
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "cercle-dossier.h"

G_BEGIN_DECLS

#define CERCLE_TYPE_DOSSIER_ROW (cercle_dossier_row_get_type ())
G_DECLARE_FINAL_TYPE (CercleDossierRow, cercle_dossier_row, CERCLE, DOSSIER_ROW, GtkBox)

GtkWidget *cercle_dossier_row_new         (void);
void       cercle_dossier_row_set_dossier (CercleDossierRow *self,
                                           CercleDossier    *dossier,
                                           gboolean          received);
char      *cercle_dossier_row_dup_text    (CercleDossierRow *self);
char      *cercle_dossier_destination_chip_text (const CercleDossierDestination *d,
                                                 gboolean                        with_owner,
                                                 GDateTime                      *now);
const char *cercle_dossier_destination_style    (const CercleDossierDestination *d);

G_END_DECLS
