/* cercle-geo.h — distances and map projections for the directory
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The mean radius of the Earth (IUGG), in kilometres. */
#define CERCLE_EARTH_RADIUS_KM 6371.0088

double   cercle_geo_distance_km        (double  lat1,
                                        double  lon1,
                                        double  lat2,
                                        double  lon2);
void     cercle_geo_bounding_box       (double  lat,
                                        double  lon,
                                        double  radius_km,
                                        double *min_lat,
                                        double *max_lat,
                                        double *min_lon,
                                        double *max_lon);
gboolean cercle_geo_is_valid_wgs84     (double  lat,
                                        double  lon);
gboolean cercle_geo_lambert93_to_wgs84 (double  easting,
                                        double  northing,
                                        double *lat,
                                        double *lon);
gboolean cercle_geo_utm_to_wgs84       (int     zone,
                                        gboolean south,
                                        double  easting,
                                        double  northing,
                                        double *lat,
                                        double *lon);

G_END_DECLS
