/* cercle-tile-source.h — map tiles drawn locally, for use without network
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <shumate/shumate.h>

G_BEGIN_DECLS

#define CERCLE_TYPE_TILE_SOURCE (cercle_tile_source_get_type ())
G_DECLARE_FINAL_TYPE (CercleTileSource, cercle_tile_source, CERCLE, TILE_SOURCE, ShumateDataSource)

CercleTileSource *cercle_tile_source_new         (void);
guint             cercle_tile_source_get_n_tiles (CercleTileSource *self);

ShumateMapSource *cercle_tile_source_new_map_source (void);

G_END_DECLS
