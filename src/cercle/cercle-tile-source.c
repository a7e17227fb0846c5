/* cercle-tile-source.c — map tiles drawn locally, for use without network
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A GP on a home visit or in a hospital with a closed network must still see
 * where the structures are. This data source draws each 256×256 tile itself
 * with cairo: a neutral land colour and a graticule (lines of equal latitude
 * and longitude) whose spacing follows the zoom, so that distances between
 * markers stay readable. Nothing is downloaded and nothing is read from disk.
 *
 * libshumate 1.0's raster renderer only shows a tile when the data source
 * emits ShumateDataSource::received-data with PNG (or any gdk-pixbuf) bytes;
 * returning the bytes from the finish function alone leaves the tile blank.
 */
#define G_LOG_DOMAIN "cercle"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <cairo.h>

#include "cercle-tile-source.h"

#define TILE_SIZE 256

struct _CercleTileSource
{
  ShumateDataSource parent_instance;

  guint n_tiles;
};

G_DEFINE_FINAL_TYPE (CercleTileSource, cercle_tile_source, SHUMATE_TYPE_DATA_SOURCE)

typedef struct
{
  int x;
  int y;
  int zoom;
} TileRequest;

static double
tile_x_to_longitude (double x, int zoom)
{
  return x / (double) (1 << zoom) * 360.0 - 180.0;
}

static double
tile_y_to_latitude (double y, int zoom)
{
  double n = G_PI * (1.0 - 2.0 * y / (double) (1 << zoom));

  return atan (sinh (n)) * 180.0 / G_PI;
}

static double
latitude_to_tile_y (double latitude, int zoom)
{
  double rad = latitude * G_PI / 180.0;

  return (1.0 - log (tan (rad) + 1.0 / cos (rad)) / G_PI) / 2.0 * (double) (1 << zoom);
}

/* The smallest "round" step in degrees whose lines stay at least 96 px apart
 * at this zoom level, so the grid is neither crowded nor empty. */
static double
graticule_step (int zoom)
{
  static const double steps[] = {
    0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30,
  };
  double px_per_degree = TILE_SIZE * (double) (1 << zoom) / 360.0;

  for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
    if (steps[i] * px_per_degree >= 96.0)
      return steps[i];

  return 30.0;
}

static cairo_status_t
append_png_data (void                *closure,
                 const unsigned char *data,
                 unsigned int         length)
{
  g_byte_array_append (closure, data, length);
  return CAIRO_STATUS_SUCCESS;
}

static GBytes *
render_tile (int x,
             int y,
             int zoom)
{
  cairo_surface_t *surface;
  cairo_t *cr;
  GByteArray *png;
  double west, east, north, south, step;

  surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, TILE_SIZE, TILE_SIZE);
  cr = cairo_create (surface);

  /* A warm light grey close to the land colour of OpenStreetMap's default
   * style, so markers look the same online and offline. */
  cairo_set_source_rgb (cr, 0.949, 0.937, 0.914);
  cairo_paint (cr);

  west = tile_x_to_longitude (x, zoom);
  east = tile_x_to_longitude (x + 1, zoom);
  north = tile_y_to_latitude (y, zoom);
  south = tile_y_to_latitude (y + 1, zoom);
  step = graticule_step (zoom);

  cairo_set_line_width (cr, 1.0);
  cairo_set_source_rgb (cr, 0.855, 0.839, 0.800);

  for (double lon = ceil (west / step) * step; lon < east; lon += step)
    {
      double px = ((lon + 180.0) / 360.0 * (double) (1 << zoom) - x) * TILE_SIZE;

      /* Half-pixel offset: a crisp one-pixel line. */
      cairo_move_to (cr, floor (px) + 0.5, 0);
      cairo_line_to (cr, floor (px) + 0.5, TILE_SIZE);
    }

  for (double lat = ceil (south / step) * step; lat < north; lat += step)
    {
      double py = (latitude_to_tile_y (lat, zoom) - y) * TILE_SIZE;

      cairo_move_to (cr, 0, floor (py) + 0.5);
      cairo_line_to (cr, TILE_SIZE, floor (py) + 0.5);
    }

  cairo_stroke (cr);
  cairo_destroy (cr);

  png = g_byte_array_sized_new (4096);
  cairo_surface_write_to_png_stream (surface, append_png_data, png);
  cairo_surface_destroy (surface);

  return g_byte_array_free_to_bytes (png);
}

static void
render_tile_thread (GTask        *task,
                    gpointer      source_object,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  TileRequest *request = task_data;

  if (g_task_return_error_if_cancelled (task))
    return;

  g_task_return_pointer (task,
                         render_tile (request->x, request->y, request->zoom),
                         (GDestroyNotify) g_bytes_unref);
}

static void
render_tile_done (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  CercleTileSource *self = CERCLE_TILE_SOURCE (object);
  g_autoptr(GTask) outer = user_data;
  TileRequest *request = g_task_get_task_data (G_TASK (result));
  g_autoptr(GBytes) bytes = NULL;
  GError *error = NULL;

  bytes = g_task_propagate_pointer (G_TASK (result), &error);
  if (bytes == NULL)
    {
      g_task_return_error (outer, error);
      return;
    }

  self->n_tiles++;
  /* Back on the main thread: the renderer turns these bytes into a texture. */
  g_signal_emit_by_name (self, "received-data", request->x, request->y, request->zoom, bytes);
  g_task_return_pointer (outer, g_steal_pointer (&bytes), (GDestroyNotify) g_bytes_unref);
}

static void
cercle_tile_source_get_tile_data_async (ShumateDataSource   *source,
                                        int                  x,
                                        int                  y,
                                        int                  zoom_level,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  g_autoptr(GTask) outer = NULL;
  g_autoptr(GTask) inner = NULL;
  TileRequest *request;

  outer = g_task_new (source, cancellable, callback, user_data);
  g_task_set_source_tag (outer, cercle_tile_source_get_tile_data_async);

  if (zoom_level < 0 || zoom_level > 30
      || x < 0 || y < 0 || x >= (1 << zoom_level) || y >= (1 << zoom_level))
    {
      g_task_return_new_error (outer, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               "No tile %d/%d/%d", zoom_level, x, y);
      return;
    }

  request = g_new (TileRequest, 1);
  request->x = x;
  request->y = y;
  request->zoom = zoom_level;

  /* Encoding a PNG takes a millisecond or two: a thread keeps panning smooth. */
  inner = g_task_new (source, cancellable, render_tile_done, g_steal_pointer (&outer));
  g_task_set_source_tag (inner, render_tile_thread);
  g_task_set_task_data (inner, request, g_free);
  g_task_run_in_thread (inner, render_tile_thread);
}

static GBytes *
cercle_tile_source_get_tile_data_finish (ShumateDataSource  *source,
                                         GAsyncResult       *result,
                                         GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, source), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
cercle_tile_source_class_init (CercleTileSourceClass *klass)
{
  ShumateDataSourceClass *source_class = SHUMATE_DATA_SOURCE_CLASS (klass);

  source_class->get_tile_data_async = cercle_tile_source_get_tile_data_async;
  source_class->get_tile_data_finish = cercle_tile_source_get_tile_data_finish;
}

static void
cercle_tile_source_init (CercleTileSource *self)
{
}

/**
 * cercle_tile_source_new:
 *
 * Returns: (transfer full): a data source that draws plain tiles locally
 */
CercleTileSource *
cercle_tile_source_new (void)
{
  return g_object_new (CERCLE_TYPE_TILE_SOURCE, NULL);
}

/**
 * cercle_tile_source_get_n_tiles:
 *
 * Returns: how many tiles were drawn so far (for tests and diagnostics)
 */
guint
cercle_tile_source_get_n_tiles (CercleTileSource *self)
{
  g_return_val_if_fail (CERCLE_IS_TILE_SOURCE (self), 0);

  return self->n_tiles;
}

/**
 * cercle_tile_source_new_map_source:
 *
 * A ready-to-use map source over a new #CercleTileSource.
 *
 * Returns: (transfer full): a #ShumateMapSource drawing tiles locally
 */
ShumateMapSource *
cercle_tile_source_new_map_source (void)
{
  g_autoptr(CercleTileSource) source = cercle_tile_source_new ();

  return SHUMATE_MAP_SOURCE (shumate_raster_renderer_new_full ("cercle-offline",
                                                               _("Local background"),
                                                               _("Offline map: no tiles downloaded"),
                                                               NULL,
                                                               0, 19, TILE_SIZE,
                                                               SHUMATE_MAP_PROJECTION_MERCATOR,
                                                               SHUMATE_DATA_SOURCE (source)));
}
