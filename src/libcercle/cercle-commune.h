/* cercle-commune.h — a French commune, for search and distances
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define CERCLE_TYPE_COMMUNE (cercle_commune_get_type ())
G_DECLARE_FINAL_TYPE (CercleCommune, cercle_commune, CERCLE, COMMUNE, GObject)

CercleCommune *cercle_commune_new            (const char    *insee_code,
                                              const char    *name,
                                              const char    *postcodes,
                                              double         latitude,
                                              double         longitude);
const char    *cercle_commune_get_insee_code (CercleCommune *self);
const char    *cercle_commune_get_name       (CercleCommune *self);
const char    *cercle_commune_get_postcodes  (CercleCommune *self);
double         cercle_commune_get_latitude   (CercleCommune *self);
double         cercle_commune_get_longitude  (CercleCommune *self);
gboolean       cercle_commune_has_position   (CercleCommune *self);

G_END_DECLS
