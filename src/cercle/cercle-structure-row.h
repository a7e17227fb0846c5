/* cercle-structure-row.h — one result of a directory search
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "cercle-structure.h"

G_BEGIN_DECLS

#define CERCLE_TYPE_STRUCTURE_ROW (cercle_structure_row_get_type ())
G_DECLARE_FINAL_TYPE (CercleStructureRow, cercle_structure_row, CERCLE, STRUCTURE_ROW, AdwBin)

GtkWidget       *cercle_structure_row_new               (void);
void             cercle_structure_row_set_structure     (CercleStructureRow *self,
                                                         CercleStructure    *structure,
                                                         guint               number);
CercleStructure *cercle_structure_row_get_structure     (CercleStructureRow *self);
const char      *cercle_structure_row_get_name_text     (CercleStructureRow *self);
const char      *cercle_structure_row_get_distance_text (CercleStructureRow *self);
gboolean         cercle_structure_row_get_covers_shown  (CercleStructureRow *self);

char            *cercle_format_distance                 (double              km);
char            *cercle_format_phone                    (const char         *phone);
const char      *cercle_category_short_label            (const char         *category_code);

G_END_DECLS
