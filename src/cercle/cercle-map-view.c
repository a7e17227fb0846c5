/* cercle-map-view.c — a map of search results around a reference point
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A ShumateSimpleMap with one marker layer: a numbered marker for each item
 * of a GListModel (items are read through their "latitude", "longitude" and
 * "name" properties, as CercleStructure has them) and a marker for the
 * reference point (the patient's commune). The numbers match the rows of the
 * result list, so the map and the list can be read together; the selected
 * one is highlighted on both sides.
 *
 * Tiles come from a URL template (OpenStreetMap by default) or, with no URL,
 * from CercleTileSource, which draws them locally: the map keeps working, and
 * tests never touch the network.
 */
#define G_LOG_DOMAIN "cercle"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "cercle-map-view.h"
#include "cercle-tile-source.h"

/* How much room to keep around the markers when fitting the view, in px:
 * a marker is about 28 px wide and must not be cut at the edge. */
#define FIT_MARGIN 40
#define MAX_FIT_ZOOM 15.0
#define SINGLE_POINT_ZOOM 13.0

struct _CercleMapView
{
  GtkWidget parent_instance;

  GtkWidget *overlay;
  ShumateSimpleMap *simple_map;
  GtkWidget *legend;
  GtkWidget *legend_covers;
  ShumateMarkerLayer *layer;
  ShumateMapSource *source;
  gboolean offline;

  GListModel *model;
  GPtrArray *markers; /* ShumateMarker or NULL, one per item */
  ShumateMarker *reference;
  guint selected;

  gboolean fit_pending;
  guint fit_idle_id;
  guint scale_idle_id;
  int fitted_width;
  int fitted_height;
};

G_DEFINE_FINAL_TYPE (CercleMapView, cercle_map_view, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_MODEL,
  PROP_SELECTED,
  PROP_OFFLINE,
  N_PROPS
};

enum {
  MARKER_ACTIVATED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void update_legend (CercleMapView *self);
static void update_marker_focus (CercleMapView *self);

/* Fixed GNOME palette colours rather than theme colours: markers sit on
 * map tiles, which do not follow the light or dark style. */
static const char marker_css[] =
  ".cercle-map-marker {"
  "  min-width: 24px; min-height: 24px; padding: 0; border-radius: 9999px;"
  "  background: #1c71d8; color: white; background-image: none;"
  "  font-weight: bold; font-size: 0.85em;"
  "  border: 2px solid white; box-shadow: 0 1px 3px rgba(0, 0, 0, 0.5);"
  "}"
  ".cercle-map-marker:hover { background: #3584e4; }"
  ".cercle-map-marker.covers { background: #26a269; }"
  ".cercle-map-marker.covers:hover { background: #2ec27e; }"
  ".cercle-map-marker.selected, .cercle-map-marker.selected:hover {"
  "  background: #e66100; min-width: 32px; min-height: 32px;"
  "  font-size: 1em; border-width: 3px;"
  "}"
  /* A wide halo: the patient's commune stays visible when the nearest
   * structure's marker sits on it. */
  ".cercle-map-reference {"
  "  min-width: 52px; min-height: 52px; padding: 0; border-radius: 9999px;"
  "  background: rgba(36, 31, 49, 0.18); color: #241f31;"
  "  border: 3px solid #241f31;"
  "}"
  ".cercle-map-legend {"
  "  background: rgba(255, 255, 255, 0.92); color: #241f31; border-radius: 8px;"
  "  padding: 6px 10px; font-size: 0.85em; box-shadow: 0 1px 3px rgba(0, 0, 0, 0.3);"
  "}"
  ".cercle-legend-dot {"
  "  min-width: 10px; min-height: 10px; border-radius: 9999px;"
  "  background: #1c71d8; border: 2px solid white; box-shadow: 0 0 1px rgba(0, 0, 0, 0.6);"
  "}"
  ".cercle-legend-dot.covers { background: #26a269; }"
  ".cercle-legend-dot.reference { background: rgba(36, 31, 49, 0.18); border-color: #241f31; }";

/* Markers are styled here rather than in the application's style sheet so
 * that the widget looks right wherever it is used, tests included. */
static void
ensure_css (GtkWidget *widget)
{
  static GdkDisplay *done_for;
  GdkDisplay *display = gtk_widget_get_display (widget);
  g_autoptr(GtkCssProvider) provider = NULL;

  if (display == NULL || display == done_for)
    return;

  provider = gtk_css_provider_new ();
  gtk_css_provider_load_from_data (provider, marker_css, -1);
  gtk_style_context_add_provider_for_display (display, GTK_STYLE_PROVIDER (provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  done_for = display;
}

static gboolean
item_location (GObject *item,
               double  *latitude,
               double  *longitude)
{
  double lat = NAN, lon = NAN;

  g_object_get (item, "latitude", &lat, "longitude", &lon, NULL);
  *latitude = lat;
  *longitude = lon;

  /* 0,0 is where a missing coordinate lands in some files: never in France. */
  return isfinite (lat) && isfinite (lon)
         && !(lat == 0.0 && lon == 0.0)
         && lat >= SHUMATE_MIN_LATITUDE && lat <= SHUMATE_MAX_LATITUDE
         && lon >= SHUMATE_MIN_LONGITUDE && lon <= SHUMATE_MAX_LONGITUDE;
}

static gboolean
item_covers_commune (GObject *item)
{
  gboolean covers = FALSE;

  if (g_object_class_find_property (G_OBJECT_GET_CLASS (item), "covers-commune") != NULL)
    g_object_get (item, "covers-commune", &covers, NULL);

  return covers;
}

static void
on_marker_clicked (GtkButton     *button,
                   CercleMapView *self)
{
  guint position;

  position = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (button), "cercle-position"));
  cercle_map_view_set_selected (self, position);
  g_signal_emit (self, signals[MARKER_ACTIVATED], 0, position);
}

/* The marker of the next or previous number that is on the map. */
static guint
neighbour_marker (CercleMapView *self,
                  guint          from,
                  int            step)
{
  int n = (int) self->markers->len;

  for (int i = (int) from + step; i >= 0 && i < n; i += step)
    if (g_ptr_array_index (self->markers, i) != NULL)
      return i;
  return GTK_INVALID_LIST_POSITION;
}

/* The markers are one stop for Tab, the selected one (or the first); the
 * arrows go from number to number, Home and End to the first and last. */
static gboolean
on_marker_key_pressed (GtkEventControllerKey *controller,
                       guint                  keyval,
                       guint                  keycode,
                       GdkModifierType        state,
                       CercleMapView         *self)
{
  GtkWidget *button = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (controller));
  guint from = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (button), "cercle-position"));
  guint to;
  ShumateMarker *marker;

  switch (keyval)
    {
    case GDK_KEY_Right:
    case GDK_KEY_KP_Right:
    case GDK_KEY_Down:
    case GDK_KEY_KP_Down:
      to = neighbour_marker (self, from, +1);
      break;
    case GDK_KEY_Left:
    case GDK_KEY_KP_Left:
    case GDK_KEY_Up:
    case GDK_KEY_KP_Up:
      to = neighbour_marker (self, from, -1);
      break;
    case GDK_KEY_Home:
    case GDK_KEY_KP_Home:
      to = neighbour_marker (self, (guint) -1, +1);
      break;
    case GDK_KEY_End:
    case GDK_KEY_KP_End:
      to = neighbour_marker (self, self->markers->len, -1);
      break;
    default:
      return GDK_EVENT_PROPAGATE;
    }
  if (to == GTK_INVALID_LIST_POSITION)
    return GDK_EVENT_STOP;  /* at the end: stay */

  cercle_map_view_set_selected (self, to);
  g_signal_emit (self, signals[MARKER_ACTIVATED], 0, to);
  marker = cercle_map_view_get_marker (self, to);
  if (marker != NULL)
    gtk_widget_grab_focus (shumate_marker_get_child (marker));
  return GDK_EVENT_STOP;
}

/* Shows @item on @marker, a marker new or reused from the previous answer. */
static void
update_marker (ShumateMarker *marker,
               GObject       *item,
               guint          position,
               double         latitude,
               double         longitude)
{
  GtkWidget *button = shumate_marker_get_child (marker);
  g_autofree char *name = NULL;
  g_autofree char *number = NULL;
  g_autofree char *tooltip = NULL;

  g_object_get (item, "name", &name, NULL);
  number = g_strdup_printf ("%u", position + 1);
  /* Translators: the tooltip of a numbered marker on the map: "3. SSIAD de Melun" */
  tooltip = g_strdup_printf (_("%u. %s"), position + 1, name ? name : "");

  gtk_button_set_label (GTK_BUTTON (button), number);
  if (item_covers_commune (item))
    gtk_widget_add_css_class (button, "covers");
  else
    gtk_widget_remove_css_class (button, "covers");
  gtk_widget_remove_css_class (button, "selected");
  gtk_widget_remove_css_class (GTK_WIDGET (marker), "selected");
  gtk_widget_set_tooltip_text (button, tooltip);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, tooltip,
                                  -1);
  g_object_set_data (G_OBJECT (button), "cercle-position", GUINT_TO_POINTER (position));
  shumate_location_set_location (SHUMATE_LOCATION (marker), latitude, longitude);
}

static ShumateMarker *
create_marker (CercleMapView *self)
{
  ShumateMarker *marker;
  GtkWidget *button;
  GtkEventController *keys;

  button = gtk_button_new ();
  gtk_widget_add_css_class (button, "cercle-map-marker");
  g_signal_connect_object (button, "clicked", G_CALLBACK (on_marker_clicked), self, 0);
  keys = gtk_event_controller_key_new ();
  g_signal_connect_object (keys, "key-pressed", G_CALLBACK (on_marker_key_pressed), self, 0);
  gtk_widget_add_controller (button, keys);

  marker = shumate_marker_new ();
  shumate_marker_set_selectable (marker, FALSE);
  shumate_marker_set_child (marker, button);

  return marker;
}

/* Several structures at one address (a hospital and its home services)
 * would be one marker on top of the others: each gets a place around the
 * point, in number order clockwise from the top, close enough to read as
 * one spot. */
#define SPREAD_RADIUS 15.0

static void
spread_markers (CercleMapView *self)
{
  g_autoptr(GHashTable) groups = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                        (GDestroyNotify) g_ptr_array_unref);
  GHashTableIter iter;
  gpointer value;

  for (guint i = 0; i < self->markers->len; i++)
    {
      ShumateMarker *marker = g_ptr_array_index (self->markers, i);
      GtkWidget *button;
      char key[64];
      GPtrArray *group;

      if (marker == NULL)
        continue;
      button = shumate_marker_get_child (marker);
      gtk_widget_set_margin_start (button, 0);
      gtk_widget_set_margin_end (button, 0);
      gtk_widget_set_margin_top (button, 0);
      gtk_widget_set_margin_bottom (button, 0);
      /* The same spot: within about a metre. */
      g_snprintf (key, sizeof key, "%.5f,%.5f",
                  shumate_location_get_latitude (SHUMATE_LOCATION (marker)),
                  shumate_location_get_longitude (SHUMATE_LOCATION (marker)));
      group = g_hash_table_lookup (groups, key);
      if (group == NULL)
        {
          group = g_ptr_array_new ();
          g_hash_table_insert (groups, g_strdup (key), group);
        }
      g_ptr_array_add (group, button);
    }

  g_hash_table_iter_init (&iter, groups);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      GPtrArray *group = value;

      double radius;

      if (group->len < 2)
        continue;
      /* Neighbours on the circle a marker's width apart (28 px with its
       * border, 38 px the selected one): side by side, never on top of
       * each other. */
      radius = MAX (SPREAD_RADIUS, 17.0 / sin (G_PI / group->len));
      for (guint j = 0; j < group->len; j++)
        {
          GtkWidget *button = g_ptr_array_index (group, j);
          double angle = 2.0 * G_PI * j / group->len;
          /* A marker is centred on its point with its margins: twice the
           * offset on one side moves it by the offset. */
          int dx = (int) lround (2.0 * radius * sin (angle));
          int dy = (int) lround (-2.0 * radius * cos (angle));

          gtk_widget_set_margin_start (button, MAX (dx, 0));
          gtk_widget_set_margin_end (button, MAX (-dx, 0));
          gtk_widget_set_margin_top (button, MAX (dy, 0));
          gtk_widget_set_margin_bottom (button, MAX (-dy, 0));
        }
    }
}

/* One Tab stop for all the markers: the selected one, else the first. */
static void
update_marker_focus (CercleMapView *self)
{
  guint focus = self->selected;

  if (focus == GTK_INVALID_LIST_POSITION || cercle_map_view_get_marker (self, focus) == NULL)
    focus = neighbour_marker (self, (guint) -1, +1);
  for (guint i = 0; i < self->markers->len; i++)
    {
      ShumateMarker *marker = g_ptr_array_index (self->markers, i);

      if (marker != NULL)
        gtk_widget_set_focusable (shumate_marker_get_child (marker), i == focus);
    }
}

static void
rebuild_markers (CercleMapView *self)
{
  g_autoptr(GPtrArray) spare = g_ptr_array_new ();
  guint n;

  /* Markers of the previous answer are reused: a new search costs a few
   * property changes rather than a set of new widgets. */
  for (guint i = 0; i < self->markers->len; i++)
    if (g_ptr_array_index (self->markers, i) != NULL)
      g_ptr_array_add (spare, g_ptr_array_index (self->markers, i));
  g_ptr_array_set_size (self->markers, 0);
  self->selected = GTK_INVALID_LIST_POSITION;

  n = self->model ? g_list_model_get_n_items (self->model) : 0;
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (self->model, i);
      ShumateMarker *marker = NULL;
      double lat, lon;

      if (item_location (item, &lat, &lon))
        {
          if (spare->len > 0)
            marker = g_ptr_array_steal_index (spare, spare->len - 1);
          else
            {
              marker = create_marker (self);
              shumate_marker_layer_add_marker (self->layer, marker);
            }
          update_marker (marker, item, i, lat, lon);
        }
      g_ptr_array_add (self->markers, marker);
    }

  for (guint i = 0; i < spare->len; i++)
    shumate_marker_layer_remove_marker (self->layer, g_ptr_array_index (spare, i));

  /* The layer draws and walks its children in their order: number order,
   * whatever markers were reused (the selected one is raised later). */
  for (guint i = 0; i < self->markers->len; i++)
    if (g_ptr_array_index (self->markers, i) != NULL)
      gtk_widget_insert_before (g_ptr_array_index (self->markers, i), GTK_WIDGET (self->layer), NULL);

  spread_markers (self);
  update_marker_focus (self);
  update_legend (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTED]);
  cercle_map_view_fit (self);
}

static void
on_items_changed (GListModel    *model,
                  guint          position,
                  guint          removed,
                  guint          added,
                  CercleMapView *self)
{
  /* Result lists are short (a few dozen): numbering shifts on any change,
   * so rebuilding all markers is the simple and correct answer. */
  rebuild_markers (self);
}

static GtkWidget *
legend_row (const char *dot_class,
            const char *text)
{
  GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *dot = gtk_label_new (NULL);

  gtk_widget_add_css_class (dot, "cercle-legend-dot");
  if (dot_class != NULL)
    gtk_widget_add_css_class (dot, dot_class);
  gtk_widget_set_valign (dot, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (row), dot);
  gtk_box_append (GTK_BOX (row), gtk_label_new (text));

  return row;
}

/* What the colours mean, in a corner the map controls leave free. */
static void
build_legend (CercleMapView *self)
{
  self->legend = gtk_box_new (GTK_ORIENTATION_VERTICAL, 3);
  gtk_widget_add_css_class (self->legend, "cercle-map-legend");
  gtk_widget_set_halign (self->legend, GTK_ALIGN_START);
  gtk_widget_set_valign (self->legend, GTK_ALIGN_START);
  gtk_widget_set_margin_start (self->legend, 6);
  gtk_widget_set_margin_top (self->legend, 6);
  gtk_widget_set_can_target (self->legend, FALSE);

  gtk_box_append (GTK_BOX (self->legend), legend_row (NULL, _("Service, numbered as in the list")));
  self->legend_covers = legend_row ("covers", _("Its zone covers the commune"));
  gtk_box_append (GTK_BOX (self->legend), self->legend_covers);
  gtk_box_append (GTK_BOX (self->legend), legend_row ("reference", _("The patient’s commune")));

  gtk_widget_set_visible (self->legend, FALSE);
  gtk_overlay_add_overlay (GTK_OVERLAY (self->overlay), self->legend);
}

static void
update_legend (CercleMapView *self)
{
  gboolean any = FALSE, covers = FALSE;

  for (guint i = 0; i < self->markers->len; i++)
    {
      ShumateMarker *marker = g_ptr_array_index (self->markers, i);

      if (marker == NULL)
        continue;
      any = TRUE;
      covers |= gtk_widget_has_css_class (shumate_marker_get_child (marker), "covers");
    }

  /* On a small map the legend would hide the markers it explains. */
  gtk_widget_set_visible (self->legend, any
                          && gtk_widget_get_width (GTK_WIDGET (self)) >= 420
                          && gtk_widget_get_height (GTK_WIDGET (self)) >= 280);
  gtk_widget_set_visible (self->legend_covers, covers);
}

static gboolean
fit_idle_cb (gpointer data)
{
  CercleMapView *self = data;

  self->fit_idle_id = 0;
  cercle_map_view_fit (self);

  return G_SOURCE_REMOVE;
}

static void
cercle_map_view_measure (GtkWidget      *widget,
                         GtkOrientation  orientation,
                         int             for_size,
                         int            *minimum,
                         int            *natural,
                         int            *minimum_baseline,
                         int            *natural_baseline)
{
  CercleMapView *self = CERCLE_MAP_VIEW (widget);

  gtk_widget_measure (self->overlay, orientation, for_size,
                      minimum, natural, minimum_baseline, natural_baseline);

  /* A map can use any room, but asks for a sensible amount: libshumate's
   * natural size is unbounded, which would make windows huge. */
  *natural = MAX (*minimum, orientation == GTK_ORIENTATION_HORIZONTAL ? 480 : 360);
}

/* libshumate puts the scale bottom left and the credit bottom right: on a
 * narrow map they meet. Then the scale goes up, above the credit. */
static gboolean
place_scale_idle_cb (gpointer data)
{
  CercleMapView *self = data;
  GtkWidget *scale = GTK_WIDGET (shumate_simple_map_get_scale (self->simple_map));
  GtkWidget *license = GTK_WIDGET (shumate_simple_map_get_license (self->simple_map));
  int width = gtk_widget_get_width (GTK_WIDGET (self));
  int scale_width, license_width, license_height, margin = 0;

  self->scale_idle_id = 0;
  gtk_widget_measure (scale, GTK_ORIENTATION_HORIZONTAL, -1, NULL, &scale_width, NULL, NULL);
  gtk_widget_measure (license, GTK_ORIENTATION_HORIZONTAL, -1, NULL, &license_width, NULL, NULL);
  gtk_widget_measure (license, GTK_ORIENTATION_VERTICAL, license_width, NULL, &license_height, NULL, NULL);
  if (gtk_widget_get_visible (license) && scale_width + license_width + 8 > width)
    margin = license_height;
  if (gtk_widget_get_margin_bottom (scale) != margin)
    gtk_widget_set_margin_bottom (scale, margin);
  return G_SOURCE_REMOVE;
}

static void
cercle_map_view_size_allocate (GtkWidget *widget,
                               int        width,
                               int        height,
                               int        baseline)
{
  CercleMapView *self = CERCLE_MAP_VIEW (widget);

  gtk_widget_allocate (self->overlay, width, height, baseline, NULL);

  /* Fitting needs the real size; do it after this allocation, not during
   * it, since moving the viewport queues another one. */
  /* A new size (the detail pane opened, the window was resized) keeps the
   * markers in view too. */
  if (width > 0 && height > 0 && self->fitted_width > 0
      && (width != self->fitted_width || height != self->fitted_height))
    self->fit_pending = TRUE;

  if (self->fit_pending && width > 0 && height > 0 && self->fit_idle_id == 0)
    self->fit_idle_id = g_idle_add (fit_idle_cb, self);

  /* After this allocation: moving the scale queues another one. */
  if (width > 0 && self->scale_idle_id == 0)
    self->scale_idle_id = g_idle_add (place_scale_idle_cb, self);
}

static void
cercle_map_view_realize (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (cercle_map_view_parent_class)->realize (widget);
  ensure_css (widget);
}

static void
cercle_map_view_dispose (GObject *object)
{
  CercleMapView *self = CERCLE_MAP_VIEW (object);

  g_clear_handle_id (&self->fit_idle_id, g_source_remove);
  g_clear_handle_id (&self->scale_idle_id, g_source_remove);
  if (self->model != NULL)
    g_signal_handlers_disconnect_by_func (self->model, on_items_changed, self);
  g_clear_object (&self->model);
  if (self->overlay != NULL)
    {
      gtk_widget_unparent (self->overlay);
      self->overlay = NULL;
      self->simple_map = NULL;
      self->legend = NULL;
      self->legend_covers = NULL;
    }
  self->layer = NULL;
  self->reference = NULL;
  if (self->markers != NULL)
    g_ptr_array_set_size (self->markers, 0);
  g_clear_object (&self->source);

  G_OBJECT_CLASS (cercle_map_view_parent_class)->dispose (object);
}

static void
cercle_map_view_finalize (GObject *object)
{
  CercleMapView *self = CERCLE_MAP_VIEW (object);

  g_clear_pointer (&self->markers, g_ptr_array_unref);

  G_OBJECT_CLASS (cercle_map_view_parent_class)->finalize (object);
}

static void
cercle_map_view_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  CercleMapView *self = CERCLE_MAP_VIEW (object);

  switch (prop_id)
    {
    case PROP_MODEL:
      g_value_set_object (value, self->model);
      break;
    case PROP_SELECTED:
      g_value_set_uint (value, self->selected);
      break;
    case PROP_OFFLINE:
      g_value_set_boolean (value, self->offline);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cercle_map_view_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  CercleMapView *self = CERCLE_MAP_VIEW (object);

  switch (prop_id)
    {
    case PROP_MODEL:
      cercle_map_view_set_model (self, g_value_get_object (value));
      break;
    case PROP_SELECTED:
      cercle_map_view_set_selected (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cercle_map_view_class_init (CercleMapViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cercle_map_view_dispose;
  object_class->finalize = cercle_map_view_finalize;
  object_class->get_property = cercle_map_view_get_property;
  object_class->set_property = cercle_map_view_set_property;

  widget_class->measure = cercle_map_view_measure;
  widget_class->size_allocate = cercle_map_view_size_allocate;
  widget_class->realize = cercle_map_view_realize;

  properties[PROP_MODEL] =
    g_param_spec_object ("model", NULL, NULL, G_TYPE_LIST_MODEL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SELECTED] =
    g_param_spec_uint ("selected", NULL, NULL, 0, G_MAXUINT, GTK_INVALID_LIST_POSITION,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_OFFLINE] =
    g_param_spec_boolean ("offline", NULL, NULL, TRUE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * CercleMapView::marker-activated:
   * @position: the position in the model of the item whose marker was clicked
   */
  signals[MARKER_ACTIVATED] =
    g_signal_new ("marker-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);

  gtk_widget_class_set_css_name (widget_class, "cercle-map-view");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

/* libshumate 1.0 gives its zoom buttons an English tooltip that is not even
 * marked for translation, and no accessible name: a screen reader says
 * "GtkButton". They are found by the icon they show and given French words. */
static void
name_zoom_buttons (GtkWidget *widget)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *image = gtk_widget_get_first_child (child);
      const char *icon = NULL;
      const char *label = NULL;

      if (GTK_IS_BUTTON (child) && GTK_IS_IMAGE (image))
        icon = gtk_image_get_icon_name (GTK_IMAGE (image));
      if (g_strcmp0 (icon, "zoom-in-symbolic") == 0)
        label = _("Zoom In");
      else if (g_strcmp0 (icon, "zoom-out-symbolic") == 0)
        label = _("Zoom Out");

      if (label != NULL)
        {
          gtk_widget_set_tooltip_text (child, label);
          gtk_accessible_update_property (GTK_ACCESSIBLE (child),
                                          GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                          -1);
        }
      else if (!SHUMATE_IS_LAYER (child))
        name_zoom_buttons (child);
    }
}

static void
cercle_map_view_init (CercleMapView *self)
{
  ShumateViewport *viewport;

  self->markers = g_ptr_array_new ();
  self->selected = GTK_INVALID_LIST_POSITION;

  self->overlay = gtk_overlay_new ();
  gtk_widget_set_parent (self->overlay, GTK_WIDGET (self));
  self->simple_map = shumate_simple_map_new ();
  gtk_widget_set_hexpand (GTK_WIDGET (self->simple_map), TRUE);
  gtk_widget_set_vexpand (GTK_WIDGET (self->simple_map), TRUE);
  gtk_overlay_set_child (GTK_OVERLAY (self->overlay), GTK_WIDGET (self->simple_map));
  build_legend (self);

  /* Start offline: the page switches to network tiles when GSettings has a
   * URL, and a map is never left without a source. The first base layer must
   * exist before the overlay: libshumate 1.0 puts the first one on top of
   * every layer already there, later ones behind the previous base layer. */
  cercle_map_view_set_tile_url (self, NULL);

  shumate_scale_set_unit (shumate_simple_map_get_scale (self->simple_map), SHUMATE_UNIT_METRIC);

  viewport = shumate_simple_map_get_viewport (self->simple_map);
  self->layer = shumate_marker_layer_new_full (viewport, GTK_SELECTION_NONE);
  shumate_simple_map_add_overlay_layer (self->simple_map, SHUMATE_LAYER (self->layer));

  /* Île-de-France until there is something to show. */
  shumate_viewport_set_zoom_level (viewport, 8);
  shumate_map_center_on (shumate_simple_map_get_map (self->simple_map), 48.7, 2.6);

  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Map of the results"),
                                  -1);
  name_zoom_buttons (GTK_WIDGET (self->simple_map));
}

/**
 * cercle_map_view_new:
 *
 * Returns: (transfer floating): a new map view, with offline tiles
 */
GtkWidget *
cercle_map_view_new (void)
{
  return g_object_new (CERCLE_TYPE_MAP_VIEW, NULL);
}

/**
 * cercle_map_view_set_tile_url:
 * @url_template: (nullable): a tile URL template with {x}, {y} and {z}, or
 *   %NULL or "" for tiles drawn locally
 *
 * Chooses where tiles come from.
 */
void
cercle_map_view_set_tile_url (CercleMapView *self,
                              const char    *url_template)
{
  g_autoptr(ShumateMapSource) source = NULL;
  gboolean offline;

  g_return_if_fail (CERCLE_IS_MAP_VIEW (self));

  offline = url_template == NULL || *url_template == '\0';
  if (offline)
    source = cercle_tile_source_new_map_source ();
  else
    source = SHUMATE_MAP_SOURCE (shumate_raster_renderer_new_full_from_url ("cercle-tiles",
                                                                            "OpenStreetMap",
                                                                            _("Map data © OpenStreetMap contributors"),
                                                                            "https://www.openstreetmap.org/copyright",
                                                                            0, 19, 256,
                                                                            SHUMATE_MAP_PROJECTION_MERCATOR,
                                                                            url_template));

  g_set_object (&self->source, source);
  shumate_simple_map_set_map_source (self->simple_map, source);

  if (self->offline != offline)
    {
      self->offline = offline;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OFFLINE]);
    }
}

/**
 * cercle_map_view_get_offline:
 *
 * Returns: whether tiles are drawn locally rather than downloaded
 */
gboolean
cercle_map_view_get_offline (CercleMapView *self)
{
  g_return_val_if_fail (CERCLE_IS_MAP_VIEW (self), TRUE);

  return self->offline;
}

/**
 * cercle_map_view_set_reference:
 * @label: (nullable): what the point is, for the tooltip (a commune name)
 *
 * Shows the reference point (where distances are measured from).
 */
void
cercle_map_view_set_reference (CercleMapView *self,
                               double         latitude,
                               double         longitude,
                               const char    *label)
{
  GtkWidget *child;

  g_return_if_fail (CERCLE_IS_MAP_VIEW (self));

  if (self->reference == NULL)
    {
      self->reference = shumate_marker_new ();
      shumate_marker_set_selectable (self->reference, FALSE);
      child = gtk_image_new_from_icon_name ("user-home-symbolic");
      gtk_widget_add_css_class (child, "cercle-map-reference");
      shumate_marker_set_child (self->reference, child);
      gtk_widget_add_css_class (GTK_WIDGET (self->reference), "reference");
      /* Added first so that result markers are drawn above it. */
      shumate_marker_layer_add_marker (self->layer, self->reference);
      gtk_widget_insert_after (GTK_WIDGET (self->reference), GTK_WIDGET (self->layer), NULL);
    }

  child = shumate_marker_get_child (self->reference);
  gtk_widget_set_tooltip_text (child, label);
  if (label != NULL)
    gtk_accessible_update_property (GTK_ACCESSIBLE (child),
                                    GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                    -1);
  shumate_location_set_location (SHUMATE_LOCATION (self->reference), latitude, longitude);

  cercle_map_view_fit (self);
}

/**
 * cercle_map_view_clear_reference:
 *
 * Removes the reference point.
 */
void
cercle_map_view_clear_reference (CercleMapView *self)
{
  g_return_if_fail (CERCLE_IS_MAP_VIEW (self));

  if (self->reference != NULL)
    {
      shumate_marker_layer_remove_marker (self->layer, self->reference);
      self->reference = NULL;
    }
}

/**
 * cercle_map_view_set_model:
 * @model: (nullable): a list of objects with "latitude", "longitude" and
 *   "name" properties (#CercleStructure)
 *
 * Shows one numbered marker per item that has a location, and fits the
 * view to them and the reference point.
 */
void
cercle_map_view_set_model (CercleMapView *self,
                           GListModel    *model)
{
  g_return_if_fail (CERCLE_IS_MAP_VIEW (self));
  g_return_if_fail (model == NULL || G_IS_LIST_MODEL (model));

  if (self->model == model)
    return;

  if (self->model != NULL)
    g_signal_handlers_disconnect_by_func (self->model, on_items_changed, self);

  g_set_object (&self->model, model);

  if (model != NULL)
    g_signal_connect (model, "items-changed", G_CALLBACK (on_items_changed), self);

  rebuild_markers (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODEL]);
}

/**
 * cercle_map_view_get_model:
 *
 * Returns: (transfer none) (nullable): the model shown
 */
GListModel *
cercle_map_view_get_model (CercleMapView *self)
{
  g_return_val_if_fail (CERCLE_IS_MAP_VIEW (self), NULL);

  return self->model;
}

static gboolean
marker_is_visible (CercleMapView *self,
                   ShumateMarker *marker)
{
  ShumateViewport *viewport = shumate_simple_map_get_viewport (self->simple_map);
  GtkWidget *map = GTK_WIDGET (shumate_simple_map_get_map (self->simple_map));
  double x, y;

  shumate_viewport_location_to_widget_coords (viewport, map,
                                              shumate_location_get_latitude (SHUMATE_LOCATION (marker)),
                                              shumate_location_get_longitude (SHUMATE_LOCATION (marker)),
                                              &x, &y);

  return x >= 16 && y >= 16
         && x <= gtk_widget_get_width (map) - 16
         && y <= gtk_widget_get_height (map) - 16;
}

/**
 * cercle_map_view_set_selected:
 * @position: the position of the item to highlight, or
 *   %GTK_INVALID_LIST_POSITION for none
 *
 * Highlights one marker (the "selected" style class on its #ShumateMarker),
 * raises it above the others and brings it into view if it was outside.
 */
void
cercle_map_view_set_selected (CercleMapView *self,
                              guint          position)
{
  ShumateMarker *marker;

  g_return_if_fail (CERCLE_IS_MAP_VIEW (self));

  if (position != GTK_INVALID_LIST_POSITION && position >= self->markers->len)
    position = GTK_INVALID_LIST_POSITION;

  if (position == self->selected)
    return;

  marker = cercle_map_view_get_marker (self, self->selected);
  if (marker != NULL)
    {
      gtk_widget_remove_css_class (GTK_WIDGET (marker), "selected");
      gtk_widget_remove_css_class (shumate_marker_get_child (marker), "selected");
    }

  self->selected = position;

  marker = cercle_map_view_get_marker (self, position);
  if (marker != NULL)
    {
      gtk_widget_add_css_class (GTK_WIDGET (marker), "selected");
      gtk_widget_add_css_class (shumate_marker_get_child (marker), "selected");
      /* Last child is drawn last: on top of neighbours it may overlap. */
      gtk_widget_insert_before (GTK_WIDGET (marker), GTK_WIDGET (self->layer), NULL);

      if (gtk_widget_get_width (GTK_WIDGET (self)) > 0 && !marker_is_visible (self, marker))
        shumate_map_center_on (shumate_simple_map_get_map (self->simple_map),
                               shumate_location_get_latitude (SHUMATE_LOCATION (marker)),
                               shumate_location_get_longitude (SHUMATE_LOCATION (marker)));
    }

  update_marker_focus (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTED]);
}

/**
 * cercle_map_view_get_selected:
 *
 * Returns: the position of the highlighted item, or %GTK_INVALID_LIST_POSITION
 */
guint
cercle_map_view_get_selected (CercleMapView *self)
{
  g_return_val_if_fail (CERCLE_IS_MAP_VIEW (self), GTK_INVALID_LIST_POSITION);

  return self->selected;
}

/**
 * cercle_map_view_get_marker:
 * @position: a position in the model
 *
 * Returns: (transfer none) (nullable): the marker of that item, %NULL when
 *   the item has no location
 */
ShumateMarker *
cercle_map_view_get_marker (CercleMapView *self,
                            guint          position)
{
  g_return_val_if_fail (CERCLE_IS_MAP_VIEW (self), NULL);

  if (position >= self->markers->len)
    return NULL;

  return g_ptr_array_index (self->markers, position);
}

/**
 * cercle_map_view_get_reference_marker:
 *
 * Returns: (transfer none) (nullable): the marker of the reference point
 */
ShumateMarker *
cercle_map_view_get_reference_marker (CercleMapView *self)
{
  g_return_val_if_fail (CERCLE_IS_MAP_VIEW (self), NULL);

  return self->reference;
}

/**
 * cercle_map_view_get_marker_layer:
 *
 * Returns: (transfer none): the layer holding every marker
 */
ShumateMarkerLayer *
cercle_map_view_get_marker_layer (CercleMapView *self)
{
  g_return_val_if_fail (CERCLE_IS_MAP_VIEW (self), NULL);

  return self->layer;
}

/**
 * cercle_map_view_get_map:
 *
 * Returns: (transfer none): the underlying #ShumateMap
 */
ShumateMap *
cercle_map_view_get_map (CercleMapView *self)
{
  g_return_val_if_fail (CERCLE_IS_MAP_VIEW (self), NULL);

  return shumate_simple_map_get_map (self->simple_map);
}

/**
 * cercle_map_view_fit:
 *
 * Moves and zooms the view so that every marker is visible. Deferred until
 * the widget has a size.
 */
void
cercle_map_view_fit (CercleMapView *self)
{
  ShumateViewport *viewport;
  ShumateMap *map;
  double min_x = G_MAXDOUBLE, max_x = -G_MAXDOUBLE;
  double min_y = G_MAXDOUBLE, max_y = -G_MAXDOUBLE;
  double zoom, center_lat, center_lon;
  double top = FIT_MARGIN;
  guint n_points = 0;
  int width, height;
  GList *markers;

  g_return_if_fail (CERCLE_IS_MAP_VIEW (self));

  width = gtk_widget_get_width (GTK_WIDGET (self));
  height = gtk_widget_get_height (GTK_WIDGET (self));
  if (width <= 0 || height <= 0)
    {
      self->fit_pending = TRUE;
      return;
    }
  self->fit_pending = FALSE;
  self->fitted_width = width;
  self->fitted_height = height;
  update_legend (self);

  /* Work in the projection's pixels at zoom 0: a zoom step doubles them. */
  markers = shumate_marker_layer_get_markers (self->layer);
  for (GList *l = markers; l != NULL; l = l->next)
    {
      ShumateLocation *location = l->data;
      double x = shumate_map_source_get_x (self->source, 0, shumate_location_get_longitude (location));
      double y = shumate_map_source_get_y (self->source, 0, shumate_location_get_latitude (location));

      min_x = MIN (min_x, x);
      max_x = MAX (max_x, x);
      min_y = MIN (min_y, y);
      max_y = MAX (max_y, y);
      n_points++;
    }
  g_list_free (markers);

  if (n_points == 0)
    return;

  /* The legend covers the top of the map: markers go below it. */
  if (self->legend != NULL && gtk_widget_get_visible (self->legend))
    {
      int legend_height = 0;

      gtk_widget_measure (self->legend, GTK_ORIENTATION_VERTICAL, -1, NULL, &legend_height, NULL, NULL);
      top = MAX (top, legend_height + 6 + FIT_MARGIN / 2);
    }

  if (max_x - min_x < 1e-9 && max_y - min_y < 1e-9)
    zoom = SINGLE_POINT_ZOOM;
  else
    {
      double room_x = MAX (width - 2 * FIT_MARGIN, 32);
      double room_y;
      double scale_x = max_x - min_x > 1e-9 ? room_x / (max_x - min_x) : G_MAXDOUBLE;
      double scale_y;

      room_y = MAX (height - top - FIT_MARGIN, 32);
      scale_y = max_y - min_y > 1e-9 ? room_y / (max_y - min_y) : G_MAXDOUBLE;

      /* Quarter steps: as tight as the room allows, without the jitter of
       * arbitrary levels. */
      zoom = floor (log2 (MIN (scale_x, scale_y)) * 4.0) / 4.0;
      zoom = CLAMP (zoom, 1.0, MAX_FIT_ZOOM);
    }

  center_lon = shumate_map_source_get_longitude (self->source, 0, (min_x + max_x) / 2.0);
  /* Centre the markers in the room left under the legend: the view's centre
   * sits (top - bottom) / 2 px above theirs. */
  center_lat = shumate_map_source_get_latitude (self->source, 0,
                                                (min_y + max_y) / 2.0
                                                - (top - FIT_MARGIN) / 2.0 / exp2 (zoom));

  viewport = shumate_simple_map_get_viewport (self->simple_map);
  map = shumate_simple_map_get_map (self->simple_map);
  shumate_map_stop_go_to (map);
  shumate_viewport_set_zoom_level (viewport, zoom);
  shumate_map_center_on (map, center_lat, center_lon);
}
