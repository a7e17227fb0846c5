/* cercle-map-view.h — a map of search results around a reference point
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>
#include <shumate/shumate.h>

G_BEGIN_DECLS

#define CERCLE_TYPE_MAP_VIEW (cercle_map_view_get_type ())
G_DECLARE_FINAL_TYPE (CercleMapView, cercle_map_view, CERCLE, MAP_VIEW, GtkWidget)

GtkWidget          *cercle_map_view_new                  (void);
void                cercle_map_view_set_tile_url         (CercleMapView *self,
                                                          const char    *url_template);
gboolean            cercle_map_view_get_offline          (CercleMapView *self);
void                cercle_map_view_set_reference        (CercleMapView *self,
                                                          double         latitude,
                                                          double         longitude,
                                                          const char    *label);
void                cercle_map_view_clear_reference      (CercleMapView *self);
void                cercle_map_view_set_model            (CercleMapView *self,
                                                          GListModel    *model);
GListModel         *cercle_map_view_get_model            (CercleMapView *self);
void                cercle_map_view_set_selected         (CercleMapView *self,
                                                          guint          position);
guint               cercle_map_view_get_selected         (CercleMapView *self);
ShumateMarker      *cercle_map_view_get_marker           (CercleMapView *self,
                                                          guint          position);
ShumateMarker      *cercle_map_view_get_reference_marker (CercleMapView *self);
ShumateMarkerLayer *cercle_map_view_get_marker_layer     (CercleMapView *self);
ShumateMap         *cercle_map_view_get_map              (CercleMapView *self);
void                cercle_map_view_fit                  (CercleMapView *self);

G_END_DECLS
