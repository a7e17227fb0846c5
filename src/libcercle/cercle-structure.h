/* cercle-structure.h — one site of the directory of services
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/**
 * CercleStructureFields:
 *
 * What cercle_structure_new_full() copies into a new structure. Strings may
 * be %NULL; @zone is %NULL when the intervention zone is not known.
 */
typedef struct {
  const char         *finess;
  const char         *name;
  const char         *category_code;
  const char         *category_label;
  const char         *address;
  const char         *postcode;
  const char         *commune_code;
  const char         *commune_name;
  const char         *phone;
  double              latitude;
  double              longitude;
  double              distance_km;
  gboolean            covers_commune;
  const char * const *zone;
} CercleStructureFields;

#define CERCLE_TYPE_STRUCTURE (cercle_structure_get_type ())
G_DECLARE_FINAL_TYPE (CercleStructure, cercle_structure, CERCLE, STRUCTURE, GObject)

CercleStructure    *cercle_structure_new_full          (const CercleStructureFields *fields);
const char         *cercle_structure_get_finess         (CercleStructure *self);
const char         *cercle_structure_get_name           (CercleStructure *self);
const char         *cercle_structure_get_category_code  (CercleStructure *self);
const char         *cercle_structure_get_category_label (CercleStructure *self);
const char         *cercle_structure_get_address        (CercleStructure *self);
const char         *cercle_structure_get_postcode       (CercleStructure *self);
const char         *cercle_structure_get_commune_code   (CercleStructure *self);
const char         *cercle_structure_get_commune_name   (CercleStructure *self);
const char         *cercle_structure_get_phone          (CercleStructure *self);
double              cercle_structure_get_latitude       (CercleStructure *self);
double              cercle_structure_get_longitude      (CercleStructure *self);
gboolean            cercle_structure_has_position       (CercleStructure *self);
double              cercle_structure_get_distance_km    (CercleStructure *self);
gboolean            cercle_structure_get_covers_commune (CercleStructure *self);
const char * const *cercle_structure_get_zone           (CercleStructure *self);

G_END_DECLS
