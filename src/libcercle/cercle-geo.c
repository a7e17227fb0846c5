/* cercle-geo.c — distances and map projections for the directory
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The FINESS files give some addresses only in a projected pair: Lambert-93
 * (RGF93) in metropolitan France, UTM overseas. RGF93 and the overseas
 * RGAF09/RGFG95/RGR92/RGM04 frames are realisations of ITRS that agree with
 * WGS84 to a few centimetres, so converting the projection back to
 * geographic coordinates on GRS80 is all that is needed (no datum shift).
 */
#include "config.h"

#include <math.h>

#include "cercle-geo.h"

#define DEG (G_PI / 180.0)

/* GRS80 */
#define GRS80_A 6378137.0
#define GRS80_F (1.0 / 298.257222101)

/**
 * cercle_geo_distance_km:
 * @lat1: latitude of the first point, degrees
 * @lon1: longitude of the first point, degrees
 * @lat2: latitude of the second point, degrees
 * @lon2: longitude of the second point, degrees
 *
 * The great-circle distance on a sphere of the Earth's mean radius
 * (haversine formula, stable for short distances).
 *
 * Returns: the distance in kilometres
 */
double
cercle_geo_distance_km (double lat1,
                        double lon1,
                        double lat2,
                        double lon2)
{
  double dlat = (lat2 - lat1) * DEG;
  double dlon = (lon2 - lon1) * DEG;
  double s1 = sin (dlat / 2.0);
  double s2 = sin (dlon / 2.0);
  double h = s1 * s1 + cos (lat1 * DEG) * cos (lat2 * DEG) * s2 * s2;

  if (h > 1.0)
    h = 1.0;
  return 2.0 * CERCLE_EARTH_RADIUS_KM * asin (sqrt (h));
}

/**
 * cercle_geo_bounding_box:
 * @lat: latitude of the centre, degrees
 * @lon: longitude of the centre, degrees
 * @radius_km: radius of the circle
 * @min_lat: (out): south edge
 * @max_lat: (out): north edge
 * @min_lon: (out): west edge
 * @max_lon: (out): east edge
 *
 * The smallest latitude/longitude box holding every point within
 * @radius_km of the centre (the spherical cap). Near a pole or when the
 * circle crosses the antimeridian the box takes every longitude, which is
 * larger than needed but never misses a point.
 */
void
cercle_geo_bounding_box (double  lat,
                         double  lon,
                         double  radius_km,
                         double *min_lat,
                         double *max_lat,
                         double *min_lon,
                         double *max_lon)
{
  double angle = radius_km / CERCLE_EARTH_RADIUS_KM; /* radians */
  double lat_r = lat * DEG;
  double lo = lat_r - angle;
  double hi = lat_r + angle;

  if (angle >= G_PI || lo <= -G_PI / 2.0 || hi >= G_PI / 2.0)
    {
      *min_lat = MAX (lo / DEG, -90.0);
      *max_lat = MIN (hi / DEG, 90.0);
      *min_lon = -180.0;
      *max_lon = 180.0;
      return;
    }

  {
    /* Widest longitude reached by the cap (Chamberlain & Duquette). */
    double dlon = asin (sin (angle) / cos (lat_r)) / DEG;

    *min_lat = lo / DEG;
    *max_lat = hi / DEG;
    *min_lon = lon - dlon;
    *max_lon = lon + dlon;
    if (*min_lon < -180.0 || *max_lon > 180.0)
      {
        *min_lon = -180.0;
        *max_lon = 180.0;
      }
  }
}

/**
 * cercle_geo_is_valid_wgs84:
 * @lat: latitude, degrees
 * @lon: longitude, degrees
 *
 * Returns: %TRUE when the pair is a finite latitude/longitude, and not the
 *   (0, 0) that some exports write for "unknown"
 */
gboolean
cercle_geo_is_valid_wgs84 (double lat,
                           double lon)
{
  if (!isfinite (lat) || !isfinite (lon))
    return FALSE;
  if (lat < -90.0 || lat > 90.0 || lon < -180.0 || lon > 180.0)
    return FALSE;
  return !(lat == 0.0 && lon == 0.0);
}

/* Isometric latitude on the ellipsoid. */
static double
isometric_latitude (double phi,
                    double e)
{
  double es = e * sin (phi);

  return log (tan (G_PI / 4.0 + phi / 2.0) * pow ((1.0 - es) / (1.0 + es), e / 2.0));
}

/**
 * cercle_geo_lambert93_to_wgs84:
 * @easting: Lambert-93 X, metres
 * @northing: Lambert-93 Y, metres
 * @lat: (out): latitude, degrees
 * @lon: (out): longitude, degrees
 *
 * Converts a Lambert-93 pair (RGF93, conformal conic with two standard
 * parallels 44° and 49°, origin 46°30′N 3°E at 700 000 / 6 600 000 m) to
 * geographic coordinates.
 *
 * Returns: %FALSE when the pair is outside the range of Lambert-93
 */
gboolean
cercle_geo_lambert93_to_wgs84 (double  easting,
                               double  northing,
                               double *lat,
                               double *lon)
{
  const double e = sqrt (GRS80_F * (2.0 - GRS80_F));
  const double phi0 = 46.5 * DEG, phi1 = 44.0 * DEG, phi2 = 49.0 * DEG;
  const double lambda0 = 3.0 * DEG, x0 = 700000.0, y0 = 6600000.0;
  double m1, m2, l1, l2, n, c, ys, dx, dy, r, gamma, iso, phi;

  /* The area the projection is defined for, with a generous margin. */
  if (!isfinite (easting) || !isfinite (northing)
      || easting < -400000.0 || easting > 1800000.0
      || northing < 5800000.0 || northing > 7400000.0)
    return FALSE;

  m1 = cos (phi1) / sqrt (1.0 - e * e * sin (phi1) * sin (phi1));
  m2 = cos (phi2) / sqrt (1.0 - e * e * sin (phi2) * sin (phi2));
  l1 = isometric_latitude (phi1, e);
  l2 = isometric_latitude (phi2, e);
  n = log (m2 / m1) / (l1 - l2);
  c = GRS80_A * m1 / n * exp (n * l1);
  ys = y0 + c * exp (-n * isometric_latitude (phi0, e));

  dx = easting - x0;
  dy = northing - ys;
  r = sqrt (dx * dx + dy * dy);
  gamma = atan (dx / -dy);
  iso = -log (r / c) / n;

  /* Latitude from the isometric latitude, by fixed-point iteration;
   * converges to 1e-12 rad in a handful of steps. */
  phi = 2.0 * atan (exp (iso)) - G_PI / 2.0;
  for (int i = 0; i < 20; i++)
    {
      double es = e * sin (phi);
      double next = 2.0 * atan (pow ((1.0 + es) / (1.0 - es), e / 2.0) * exp (iso)) - G_PI / 2.0;

      if (fabs (next - phi) < 1e-13)
        {
          phi = next;
          break;
        }
      phi = next;
    }

  *lat = phi / DEG;
  *lon = (lambda0 + gamma / n) / DEG;
  return TRUE;
}

/**
 * cercle_geo_utm_to_wgs84:
 * @zone: UTM zone, 1 to 60
 * @south: %TRUE for the southern hemisphere (false northing 10 000 km)
 * @easting: metres
 * @northing: metres
 * @lat: (out): latitude, degrees
 * @lon: (out): longitude, degrees
 *
 * Converts a UTM pair on GRS80 to geographic coordinates (Krüger's series
 * to the third order: well under a millimetre within a zone).
 *
 * Returns: %FALSE when the arguments are out of range
 */
gboolean
cercle_geo_utm_to_wgs84 (int      zone,
                         gboolean south,
                         double   easting,
                         double   northing,
                         double  *lat,
                         double  *lon)
{
  const double k0 = 0.9996;
  const double n = GRS80_F / (2.0 - GRS80_F);
  const double e = sqrt (GRS80_F * (2.0 - GRS80_F));
  double big_a, beta1, beta2, beta3, xi, eta, xi2, eta2, chi, phi, lambda0;

  if (zone < 1 || zone > 60 || !isfinite (easting) || !isfinite (northing)
      || easting < 0.0 || easting > 1000000.0 || northing < 0.0 || northing > 10000000.0)
    return FALSE;

  big_a = GRS80_A / (1.0 + n) * (1.0 + n * n / 4.0 + n * n * n * n / 64.0);
  beta1 = n / 2.0 - 2.0 / 3.0 * n * n + 37.0 / 96.0 * n * n * n;
  beta2 = 1.0 / 48.0 * n * n + 1.0 / 15.0 * n * n * n;
  beta3 = 17.0 / 480.0 * n * n * n;

  xi = (northing - (south ? 10000000.0 : 0.0)) / (k0 * big_a);
  eta = (easting - 500000.0) / (k0 * big_a);

  xi2 = xi - (beta1 * sin (2 * xi) * cosh (2 * eta)
              + beta2 * sin (4 * xi) * cosh (4 * eta)
              + beta3 * sin (6 * xi) * cosh (6 * eta));
  eta2 = eta - (beta1 * cos (2 * xi) * sinh (2 * eta)
                + beta2 * cos (4 * xi) * sinh (4 * eta)
                + beta3 * cos (6 * xi) * sinh (6 * eta));

  /* Conformal latitude, then the geodetic one by iteration. */
  chi = asin (sin (xi2) / cosh (eta2));
  phi = chi;
  for (int i = 0; i < 20; i++)
    {
      double es = e * sin (phi);
      double next = 2.0 * atan (tan (G_PI / 4.0 + chi / 2.0)
                                * pow ((1.0 + es) / (1.0 - es), e / 2.0)) - G_PI / 2.0;
      if (fabs (next - phi) < 1e-13)
        {
          phi = next;
          break;
        }
      phi = next;
    }

  lambda0 = (zone * 6.0 - 183.0) * DEG;
  *lat = phi / DEG;
  *lon = (lambda0 + atan2 (sinh (eta2), cos (xi2))) / DEG;
  return TRUE;
}
