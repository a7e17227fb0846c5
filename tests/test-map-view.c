/* test-map-view.c — the results map, with tiles drawn locally
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A real GtkWindow under Xvfb: the offline tile source must really deliver
 * tiles to libshumate, markers must follow the model, and the highlight must
 * follow the selection both ways.
 */
#include "config.h"

#include <locale.h>
#include <math.h>
#include <gtk/gtk.h>
#include <libsoup/soup.h>

#include "cercle-map-view.h"
#include "cercle-tile-source.h"

/* A stand-in for CercleStructure: the map only reads these properties. */
#define TEST_TYPE_POINT (test_point_get_type ())
G_DECLARE_FINAL_TYPE (TestPoint, test_point, TEST, POINT, GObject)

struct _TestPoint
{
  GObject parent_instance;
  char *name;
  double latitude;
  double longitude;
  gboolean covers;
};

G_DEFINE_FINAL_TYPE (TestPoint, test_point, G_TYPE_OBJECT)

enum { PROP_0, PROP_NAME, PROP_LATITUDE, PROP_LONGITUDE, PROP_COVERS };

static void
test_point_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  TestPoint *self = TEST_POINT (object);

  switch (prop_id)
    {
    case PROP_NAME: g_value_set_string (value, self->name); break;
    case PROP_LATITUDE: g_value_set_double (value, self->latitude); break;
    case PROP_LONGITUDE: g_value_set_double (value, self->longitude); break;
    case PROP_COVERS: g_value_set_boolean (value, self->covers); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
test_point_finalize (GObject *object)
{
  g_free (TEST_POINT (object)->name);
  G_OBJECT_CLASS (test_point_parent_class)->finalize (object);
}

static void
test_point_class_init (TestPointClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = test_point_get_property;
  object_class->finalize = test_point_finalize;
  g_object_class_install_property (object_class, PROP_NAME,
                                   g_param_spec_string ("name", NULL, NULL, NULL, G_PARAM_READABLE));
  g_object_class_install_property (object_class, PROP_LATITUDE,
                                   g_param_spec_double ("latitude", NULL, NULL, -90, 90, 0, G_PARAM_READABLE));
  g_object_class_install_property (object_class, PROP_LONGITUDE,
                                   g_param_spec_double ("longitude", NULL, NULL, -180, 180, 0, G_PARAM_READABLE));
  g_object_class_install_property (object_class, PROP_COVERS,
                                   g_param_spec_boolean ("covers-commune", NULL, NULL, FALSE, G_PARAM_READABLE));
}

static void
test_point_init (TestPoint *self)
{
}

static TestPoint *
test_point_new (const char *name, double latitude, double longitude, gboolean covers)
{
  TestPoint *self = g_object_new (TEST_TYPE_POINT, NULL);

  self->name = g_strdup (name);
  self->latitude = latitude;
  self->longitude = longitude;
  self->covers = covers;

  return self;
}

typedef gboolean (*Condition) (gpointer data);

/* Runs the main loop until @cond holds, for at most @timeout_ms. */
static gboolean
wait_until (Condition cond, gpointer data, guint timeout_ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (!cond (data))
    {
      if (g_get_monotonic_time () > end)
        return FALSE;
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }

  return TRUE;
}

static gboolean
widget_is_mapped_and_sized (gpointer data)
{
  return gtk_widget_get_mapped (data) && gtk_widget_get_width (data) > 0;
}

/* The source is inside the renderer; count the tiles through it. */
static gboolean
tiles_were_drawn (gpointer data)
{
  ShumateMap *map = cercle_map_view_get_map (data);
  ShumateViewport *viewport = shumate_map_get_viewport (map);
  ShumateMapSource *source = shumate_viewport_get_reference_map_source (viewport);
  g_autoptr(ShumateDataSource) data_source = NULL;

  g_object_get (source, "data-source", &data_source, NULL);
  return cercle_tile_source_get_n_tiles (CERCLE_TILE_SOURCE (data_source)) >= 4;
}

static void
save_screenshot (GtkWidget *widget, const char *name)
{
  const char *dir = g_getenv ("CERCLE_TEST_TMPDIR");
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = NULL;
  int width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget);

  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (gtk_widget_get_native (widget)),
                                         node, &GRAPHENE_RECT_INIT (0, 0, width, height));
  path = g_build_filename (dir ? dir : g_get_tmp_dir (), name, NULL);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot: %s", path);
}

static void
on_marker_activated (CercleMapView *view, guint position, guint *out)
{
  *out = position;
}

static gboolean
position_was_set (gpointer data)
{
  return *(guint *) data != GTK_INVALID_LIST_POSITION;
}

static GListStore *
make_points (void)
{
  GListStore *store = g_list_store_new (TEST_TYPE_POINT);
  g_autoptr(TestPoint) a = test_point_new ("SSIAD A", 48.5421, 2.6554, TRUE);
  g_autoptr(TestPoint) b = test_point_new ("SSIAD B", 48.4047, 2.7016, FALSE);
  g_autoptr(TestPoint) c = test_point_new ("SSIAD C", 48.9601, 2.8788, FALSE);
  g_autoptr(TestPoint) nowhere = test_point_new ("Sans coordonnées", NAN, NAN, FALSE);

  g_list_store_append (store, a);
  g_list_store_append (store, b);
  g_list_store_append (store, c);
  g_list_store_append (store, nowhere);

  return store;
}

static void
test_markers_and_selection (void)
{
  g_autoptr(GListStore) points = make_points ();
  GtkWidget *window = gtk_window_new ();
  GtkWidget *view = cercle_map_view_new ();
  CercleMapView *map_view = CERCLE_MAP_VIEW (view);
  ShumateMarker *marker;
  GList *markers;
  guint activated = GTK_INVALID_LIST_POSITION;

  g_object_ref_sink (view);
  gtk_window_set_default_size (GTK_WINDOW (window), 640, 480);
  gtk_window_set_child (GTK_WINDOW (window), view);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (wait_until (widget_is_mapped_and_sized, view, 5000));

  g_assert_true (cercle_map_view_get_offline (map_view));
  cercle_map_view_set_reference (map_view, 48.5397, 2.6557, "Melun");
  cercle_map_view_set_model (map_view, G_LIST_MODEL (points));

  /* One marker per located item plus the reference; none for the item
   * without coordinates. */
  markers = shumate_marker_layer_get_markers (cercle_map_view_get_marker_layer (map_view));
  g_assert_cmpuint (g_list_length (markers), ==, 4);
  g_list_free (markers);
  g_assert_nonnull (cercle_map_view_get_marker (map_view, 0));
  g_assert_nonnull (cercle_map_view_get_marker (map_view, 2));
  g_assert_null (cercle_map_view_get_marker (map_view, 3));
  g_assert_nonnull (cercle_map_view_get_reference_marker (map_view));

  g_assert_true (wait_until (tiles_were_drawn, view, 10000));
  /* Let the fit happen and the markers be placed. */
  for (int i = 0; i < 50; i++)
    g_main_context_iteration (NULL, FALSE);

  /* Every marker is inside the view after the fit. */
  for (guint i = 0; i < 3; i++)
    {
      ShumateViewport *viewport = shumate_map_get_viewport (cercle_map_view_get_map (map_view));
      double x, y;

      marker = cercle_map_view_get_marker (map_view, i);
      shumate_viewport_location_to_widget_coords (viewport, view,
                                                  shumate_location_get_latitude (SHUMATE_LOCATION (marker)),
                                                  shumate_location_get_longitude (SHUMATE_LOCATION (marker)),
                                                  &x, &y);
      g_assert_cmpfloat (x, >=, 0);
      g_assert_cmpfloat (y, >=, 0);
      g_assert_cmpfloat (x, <=, gtk_widget_get_width (view));
      g_assert_cmpfloat (y, <=, gtk_widget_get_height (view));
    }

  /* The first marker is labelled "1" and styled as covering the commune. */
  marker = cercle_map_view_get_marker (map_view, 0);
  g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (shumate_marker_get_child (marker))), ==, "1");
  g_assert_true (gtk_widget_has_css_class (shumate_marker_get_child (marker), "covers"));

  /* Selecting from outside highlights exactly that marker. */
  cercle_map_view_set_selected (map_view, 1);
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (cercle_map_view_get_marker (map_view, 1)), "selected"));
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (cercle_map_view_get_marker (map_view, 0)), "selected"));

  /* Clicking a marker selects it and says so. */
  g_signal_connect (view, "marker-activated", G_CALLBACK (on_marker_activated), &activated);
  /* GtkButton::activate emits "clicked" after its short press animation. */
  gtk_widget_activate (shumate_marker_get_child (cercle_map_view_get_marker (map_view, 2)));
  g_assert_true (wait_until (position_was_set, &activated, 2000));
  g_assert_cmpuint (activated, ==, 2);
  g_assert_cmpuint (cercle_map_view_get_selected (map_view), ==, 2);
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (cercle_map_view_get_marker (map_view, 2)), "selected"));
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (cercle_map_view_get_marker (map_view, 1)), "selected"));

  for (int i = 0; i < 20; i++)
    g_main_context_iteration (NULL, FALSE);
  save_screenshot (view, "map-view.png");

  /* The model changes: markers follow, the selection is dropped. */
  g_list_store_remove (points, 0);
  markers = shumate_marker_layer_get_markers (cercle_map_view_get_marker_layer (map_view));
  g_assert_cmpuint (g_list_length (markers), ==, 3);
  g_list_free (markers);
  g_assert_cmpuint (cercle_map_view_get_selected (map_view), ==, GTK_INVALID_LIST_POSITION);

  cercle_map_view_set_model (map_view, NULL);
  markers = shumate_marker_layer_get_markers (cercle_map_view_get_marker_layer (map_view));
  g_assert_cmpuint (g_list_length (markers), ==, 1);
  g_list_free (markers);

  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_finalize_object (view);
}

static gboolean
press_marker_key (ShumateMarker *marker, guint keyval)
{
  GtkWidget *button = shumate_marker_get_child (marker);
  GListModel *controllers = gtk_widget_observe_controllers (button);
  gboolean handled = FALSE;

  for (guint i = 0; i < g_list_model_get_n_items (controllers) && !handled; i++)
    {
      g_autoptr(GtkEventController) controller = g_list_model_get_item (controllers, i);

      if (GTK_IS_EVENT_CONTROLLER_KEY (controller))
        g_signal_emit_by_name (controller, "key-pressed", keyval, 0, 0, &handled);
    }
  g_object_unref (controllers);
  return handled;
}

static guint
focusable_marker (CercleMapView *map_view, guint n)
{
  guint found = GTK_INVALID_LIST_POSITION;

  for (guint i = 0; i < n; i++)
    {
      ShumateMarker *marker = cercle_map_view_get_marker (map_view, i);

      if (marker != NULL && gtk_widget_get_focusable (shumate_marker_get_child (marker)))
        {
          g_assert_cmpuint (found, ==, GTK_INVALID_LIST_POSITION);  /* one Tab stop */
          found = i;
        }
    }
  return found;
}

static void
flush (guint ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) ms * 1000;

  while (g_get_monotonic_time () < end)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (1000);
}

/* Five services at one address stay five readable markers; the keyboard
 * reaches them in number order, with one Tab stop; the scale never sits
 * on the credit. */
static void
test_same_spot_and_keyboard (void)
{
  g_autoptr(GListStore) points = g_list_store_new (TEST_TYPE_POINT);
  GtkWidget *window = gtk_window_new ();
  GtkWidget *view = cercle_map_view_new ();
  CercleMapView *map_view = CERCLE_MAP_VIEW (view);
  GtkWidget *layer;
  guint activated = GTK_INVALID_LIST_POSITION;
  guint previous = 0;
  graphene_rect_t scale_box, license_box;

  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *name = g_strdup_printf ("Centre hospitalier, service %u", i + 1);
      g_autoptr(TestPoint) p = test_point_new (name, 48.5421, 2.6554, FALSE);

      g_list_store_append (points, p);
    }
  {
    g_autoptr(TestPoint) far = test_point_new ("SSIAD loin", 48.4047, 2.7016, FALSE);

    g_list_store_append (points, far);
  }

  g_object_ref_sink (view);
  /* Narrow: the scale and the credit share the bottom line. */
  gtk_window_set_default_size (GTK_WINDOW (window), 300, 420);
  gtk_window_set_child (GTK_WINDOW (window), view);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (wait_until (widget_is_mapped_and_sized, view, 5000));
  cercle_map_view_set_model (map_view, G_LIST_MODEL (points));
  g_assert_true (wait_until (tiles_were_drawn, view, 10000));
  flush (300);
  save_screenshot (view, "map-same-spot.png");

  /* No two markers of the spot on top of each other (nor hidden under
   * the selected one, larger). */
  cercle_map_view_set_selected (map_view, 0);
  flush (100);
  for (guint i = 0; i < 5; i++)
    for (guint j = i + 1; j < 5; j++)
      {
        graphene_rect_t a, b;

        g_assert_true (gtk_widget_compute_bounds (shumate_marker_get_child (cercle_map_view_get_marker (map_view, i)),
                                                  view, &a));
        g_assert_true (gtk_widget_compute_bounds (shumate_marker_get_child (cercle_map_view_get_marker (map_view, j)),
                                                  view, &b));
        /* Markers are discs: their centres at least a diameter apart. */
        g_assert_cmpfloat (hypot (a.origin.x + a.size.width / 2 - b.origin.x - b.size.width / 2,
                                  a.origin.y + a.size.height / 2 - b.origin.y - b.size.height / 2),
                           >=, (a.size.width + b.size.width) / 2 - 0.5);
      }

  /* The scale and the credit do not overlap. */
  g_assert_true (gtk_widget_compute_bounds (GTK_WIDGET (shumate_simple_map_get_scale (
                                              SHUMATE_SIMPLE_MAP (gtk_widget_get_parent (
                                                GTK_WIDGET (cercle_map_view_get_map (map_view)))))),
                                            view, &scale_box));
  g_assert_true (gtk_widget_compute_bounds (GTK_WIDGET (shumate_simple_map_get_license (
                                              SHUMATE_SIMPLE_MAP (gtk_widget_get_parent (
                                                GTK_WIDGET (cercle_map_view_get_map (map_view)))))),
                                            view, &license_box));
  g_test_message ("scale %g,%g %gx%g; credit %g,%g %gx%g",
                  scale_box.origin.x, scale_box.origin.y, scale_box.size.width, scale_box.size.height,
                  license_box.origin.x, license_box.origin.y, license_box.size.width, license_box.size.height);
  g_assert_false (graphene_rect_intersection (&scale_box, &license_box, NULL));

  /* One Tab stop: the first marker while nothing is selected. */
  g_assert_cmpuint (focusable_marker (map_view, 6), ==, 0);

  /* Arrows go by number, and say so (the list follows). */
  g_signal_connect (view, "marker-activated", G_CALLBACK (on_marker_activated), &activated);
  g_assert_true (press_marker_key (cercle_map_view_get_marker (map_view, 0), GDK_KEY_Right));
  g_assert_cmpuint (activated, ==, 1);
  g_assert_cmpuint (cercle_map_view_get_selected (map_view), ==, 1);
  g_assert_cmpuint (focusable_marker (map_view, 6), ==, 1);
  g_assert_true (press_marker_key (cercle_map_view_get_marker (map_view, 1), GDK_KEY_End));
  g_assert_cmpuint (cercle_map_view_get_selected (map_view), ==, 5);
  g_assert_true (press_marker_key (cercle_map_view_get_marker (map_view, 5), GDK_KEY_Left));
  g_assert_cmpuint (cercle_map_view_get_selected (map_view), ==, 4);
  g_assert_true (press_marker_key (cercle_map_view_get_marker (map_view, 4), GDK_KEY_Home));
  g_assert_cmpuint (cercle_map_view_get_selected (map_view), ==, 0);

  /* The selected marker is drawn on top. */
  cercle_map_view_set_selected (map_view, 2);
  layer = GTK_WIDGET (cercle_map_view_get_marker_layer (map_view));
  g_assert_true (gtk_widget_get_last_child (layer) == GTK_WIDGET (cercle_map_view_get_marker (map_view, 2)));

  /* A new answer reusing the markers: still walked in number order. */
  g_list_store_remove (points, 0);
  {
    g_autoptr(TestPoint) extra = test_point_new ("EHPAD", 48.60, 2.70, FALSE);

    g_list_store_insert (points, 0, extra);
  }
  for (GtkWidget *child = gtk_widget_get_first_child (layer); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *button = shumate_marker_get_child (SHUMATE_MARKER (child));
      const char *label = GTK_IS_BUTTON (button) ? gtk_button_get_label (GTK_BUTTON (button)) : NULL;
      guint number;

      if (label == NULL || !g_ascii_isdigit (*label))
        continue;  /* the reference point */
      number = (guint) g_ascii_strtoull (label, NULL, 10);
      g_assert_cmpuint (number, >, previous);
      previous = number;
    }
  g_assert_cmpuint (previous, ==, 6);

  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_finalize_object (view);
}

static void
on_tile (GObject *object, GAsyncResult *result, gpointer data)
{
  GBytes **out = data;
  GError *error = NULL;

  *out = shumate_data_source_get_tile_data_finish (SHUMATE_DATA_SOURCE (object), result, &error);
  g_assert_no_error (error);
}

static void
on_received (ShumateDataSource *source, int x, int y, int z, GBytes *bytes, guint *count)
{
  (*count)++;
}

static void
test_tile_data (void)
{
  g_autoptr(CercleTileSource) source = cercle_tile_source_new ();
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  guint received = 0;

  g_signal_connect (source, "received-data", G_CALLBACK (on_received), &received);
  shumate_data_source_get_tile_data_async (SHUMATE_DATA_SOURCE (source), 132, 90, 8, NULL, on_tile, &bytes);
  while (bytes == NULL)
    g_main_context_iteration (NULL, TRUE);

  /* The signal is what makes the tile appear; the bytes are a 256 px PNG. */
  g_assert_cmpuint (received, ==, 1);
  texture = gdk_texture_new_from_bytes (bytes, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_texture_get_width (texture), ==, 256);
  g_assert_cmpint (gdk_texture_get_height (texture), ==, 256);
  g_assert_cmpuint (cercle_tile_source_get_n_tiles (source), ==, 1);
}

/* A tile server on 127.0.0.1: every request is a tile libshumate asked for. */
typedef struct
{
  GPtrArray *paths;
  GBytes *png;
} TileServer;

static void
serve_tile (SoupServer        *server,
            SoupServerMessage *msg,
            const char        *path,
            GHashTable        *query,
            gpointer           data)
{
  TileServer *tiles = data;

  g_ptr_array_add (tiles->paths, g_strdup (path));
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "image/png", SOUP_MEMORY_COPY,
                                    g_bytes_get_data (tiles->png, NULL), g_bytes_get_size (tiles->png));
}

static gboolean
tiles_requested (gpointer data)
{
  TileServer *tiles = data;

  return tiles->paths->len >= 4;
}

static void
on_png (GObject *object, GAsyncResult *result, gpointer data)
{
  GBytes **out = data;

  *out = shumate_data_source_get_tile_data_finish (SHUMATE_DATA_SOURCE (object), result, NULL);
}

static void
test_url_tiles (void)
{
  g_autoptr(SoupServer) server = soup_server_new (NULL, NULL);
  g_autoptr(CercleTileSource) source = cercle_tile_source_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GSList) uris = NULL;
  g_autofree char *url = NULL;
  TileServer tiles = { g_ptr_array_new_with_free_func (g_free), NULL };
  GtkWidget *window = gtk_window_new ();
  GtkWidget *view = cercle_map_view_new ();
  g_autoptr(GRegex) tile_path = g_regex_new ("^/[0-9]+/[0-9]+/[0-9]+\\.png$", 0, 0, NULL);

  /* Any valid PNG does as a tile: borrow one from the offline source. */
  shumate_data_source_get_tile_data_async (SHUMATE_DATA_SOURCE (source), 0, 0, 0, NULL, on_png, &tiles.png);
  while (tiles.png == NULL)
    g_main_context_iteration (NULL, TRUE);

  soup_server_add_handler (server, NULL, serve_tile, &tiles, NULL);
  g_assert_true (soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (server);
  url = g_strdup_printf ("http://127.0.0.1:%d/{z}/{x}/{y}.png", g_uri_get_port (uris->data));
  g_slist_free_full (g_steal_pointer (&uris), (GDestroyNotify) g_uri_unref);

  gtk_window_set_default_size (GTK_WINDOW (window), 400, 300);
  gtk_window_set_child (GTK_WINDOW (window), view);
  cercle_map_view_set_tile_url (CERCLE_MAP_VIEW (view), url);
  g_assert_false (cercle_map_view_get_offline (CERCLE_MAP_VIEW (view)));
  gtk_window_present (GTK_WINDOW (window));

  /* The tiles come from the URL template, z/x/y filled in. */
  g_assert_true (wait_until (tiles_requested, &tiles, 10000));
  for (guint i = 0; i < tiles.paths->len; i++)
    g_assert_true (g_regex_match (tile_path, g_ptr_array_index (tiles.paths, i), 0, NULL));

  /* And back to local drawing without a URL. */
  cercle_map_view_set_tile_url (CERCLE_MAP_VIEW (view), "");
  g_assert_true (cercle_map_view_get_offline (CERCLE_MAP_VIEW (view)));

  gtk_window_destroy (GTK_WINDOW (window));
  g_ptr_array_unref (tiles.paths);
  g_bytes_unref (tiles.png);
}

int
main (int argc, char *argv[])
{
  /* French locale as a user has it; gtk_test_init would force en_US. */
  setlocale (LC_ALL, "fr_FR.UTF-8");
  gtk_disable_setlocale ();
  g_test_init (&argc, &argv, NULL);
  gtk_init ();

  g_test_add_func ("/map-view/tile-data", test_tile_data);
  g_test_add_func ("/map-view/markers-and-selection", test_markers_and_selection);
  g_test_add_func ("/map-view/url-tiles", test_url_tiles);
  g_test_add_func ("/map-view/same-spot-and-keyboard", test_same_spot_and_keyboard);

  return g_test_run ();
}
