/* cercle-directory-page.c — the directory page of the main window
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The first story of the product: a GP finds the nearest nursing-at-home
 * service (SSIAD) covering the patient's commune. The page asks two things
 * (the commune, with completion, and the kinds of service, as chips) and
 * answers with a list sorted by distance beside a map; both share one
 * selection. Every query to the directory runs on a GTask thread in
 * libcercle with a GCancellable owned here, and a new question cancels the
 * previous one, so typing never waits for SQLite.
 *
 * On first show, the demonstration directory is loaded (in a thread) when
 * the store has none, so the page answers out of the box.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "cercle-directory-page-private.h"
#include "cercle-directory-export.h"
#include "cercle-directory-import-flow.h"
#include "cercle-map-view.h"
#include "cercle-store.h"
#include "cercle-structure-row.h"

#define SCHEMA_ID "fr.cercle.Cercle"
#define DEFAULT_TILE_URL "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
#define N_COMPLETIONS 8
#define N_RESULTS 30

G_DEFINE_FINAL_TYPE (CercleDirectoryPage, cercle_directory_page, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_DIRECTORY,
  PROP_BUSY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void search_communes (CercleDirectoryPage *self);

static const char page_css[] =
  ".cercle-chip { border-radius: 9999px; padding: 2px 12px; min-height: 26px; }"
  ".cercle-chip:checked { background-color: @accent_bg_color; color: @accent_fg_color; }"
  ".cercle-row-number {"
  "  min-width: 24px; min-height: 24px; border-radius: 9999px;"
  "  background-color: #1c71d8; color: white; font-weight: bold; font-size: 0.85em;"
  "}"
  "cercle-structure-row.covers .cercle-row-number { background-color: #26a269; }"
  ".cercle-tag {"
  "  border-radius: 9999px; padding: 1px 8px; font-weight: bold;"
  "  background-color: alpha(@success_color, 0.15); color: @success_color;"
  "}"
  ".cercle-row-distance { font-weight: bold; }"
  ".cercle-import-banner { padding: 6px 0; }"
  "revealer > .cercle-error-banner { background-color: alpha(@error_color, 0.12); }"
  "revealer > .cercle-import-banner { background-color: alpha(@accent_bg_color, 0.12); }";

/* The page's own look travels with it (tests show it without the app). */
static void
ensure_css (GtkWidget *widget)
{
  static GdkDisplay *done_for;
  GdkDisplay *display = gtk_widget_get_display (widget);
  g_autoptr(GtkCssProvider) provider = NULL;

  if (display == NULL || display == done_for)
    return;

  provider = gtk_css_provider_new ();
  gtk_css_provider_load_from_data (provider, page_css, -1);
  gtk_style_context_add_provider_for_display (display, GTK_STYLE_PROVIDER (provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  done_for = display;
}

void
cercle_directory_page_show_toast (CercleDirectoryPage *self,
                                  const char          *title)
{
  AdwToast *toast = adw_toast_new (title);

  adw_toast_set_timeout (toast, 4);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

/* A failure with its reason, in a banner over the page: the whole message,
 * wrapped, until it is closed (or an import succeeds after a failed one).
 * A toast's single line would cut it. */
void
cercle_directory_page_show_error (CercleDirectoryPage *self,
                                  const char          *heading,
                                  const char          *reason)
{
  /* Translators: a failure and its reason, in the banner of the directory */
  g_autofree char *text = g_strdup_printf (_("%s: %s"), heading, reason);

  gtk_label_set_label (self->error_label, text);
  gtk_revealer_set_reveal_child (self->error_revealer, TRUE);
}

static void
dismiss_error_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  CercleDirectoryPage *self = CERCLE_DIRECTORY_PAGE (widget);

  gtk_revealer_set_reveal_child (self->error_revealer, FALSE);
}

static void
set_busy (CercleDirectoryPage *self,
          gboolean             busy)
{
  if (self->searching == busy)
    return;

  self->searching = busy;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

static CercleDirectory *
open_default_directory (void)
{
  g_autofree char *path = cercle_store_default_path ();

  return cercle_directory_new (path);
}

static char *
commune_display_label (CercleCommune *commune)
{
  const char *postcodes = cercle_commune_get_postcodes (commune);

  if (postcodes == NULL || *postcodes == '\0')
    return g_strdup (cercle_commune_get_name (commune));

  /* Translators: a commune in the search field: "Melun (77000)" */
  return g_strdup_printf (_("%s (%s)"), cercle_commune_get_name (commune), postcodes);
}

/* ---- Map tiles ---------------------------------------------------------- */

static void
update_tile_source (CercleDirectoryPage *self)
{
  g_autofree char *url = NULL;
  const char *env = g_getenv ("CERCLE_OFFLINE_MAP");
  gboolean offline = FALSE;

  /* Tests set CERCLE_OFFLINE_MAP=1: they must never reach the network. */
  if (env != NULL && *env != '\0' && !g_str_equal (env, "0"))
    offline = TRUE;
  else if (self->settings != NULL && g_settings_get_boolean (self->settings, "map-offline"))
    offline = TRUE;
  else if (self->network != NULL && !g_network_monitor_get_network_available (self->network))
    offline = TRUE;

  if (!offline)
    url = self->settings ? g_settings_get_string (self->settings, "tile-url") : g_strdup (DEFAULT_TILE_URL);

  /* An empty URL means "draw the map locally". */
  if (offline || url == NULL || *url == '\0')
    {
      if (!cercle_map_view_get_offline (self->map_view))
        cercle_map_view_set_tile_url (self->map_view, NULL);
    }
  else
    cercle_map_view_set_tile_url (self->map_view, url);
}

static void
on_network_changed (CercleDirectoryPage *self)
{
  update_tile_source (self);
}

/* ---- Detail pane -------------------------------------------------------- */

static CercleStructure *
dup_selected_structure (CercleDirectoryPage *self)
{
  return gtk_single_selection_get_selected_item (self->results_selection)
         ? g_object_ref (gtk_single_selection_get_selected_item (self->results_selection))
         : NULL;
}

static char *
structure_full_address (CercleStructure *structure)
{
  GString *out = g_string_new (NULL);
  const char *address = cercle_structure_get_address (structure);
  const char *postcode = cercle_structure_get_postcode (structure);
  const char *commune = cercle_structure_get_commune_name (structure);

  if (address != NULL && *address != '\0')
    g_string_append (out, address);
  if ((postcode && *postcode) || (commune && *commune))
    {
      if (out->len > 0)
        g_string_append_c (out, '\n');
      if (postcode && *postcode)
        g_string_append (out, postcode);
      if (postcode && *postcode && commune && *commune)
        g_string_append_c (out, ' ');
      if (commune && *commune)
        g_string_append (out, commune);
    }

  return g_string_free (out, FALSE);
}

static void
update_detail (CercleDirectoryPage *self)
{
  g_autoptr(CercleStructure) structure = dup_selected_structure (self);
  g_autofree char *address = NULL;
  g_autofree char *zone = NULL;
  g_autofree char *phone = NULL;
  const char * const *communes;
  const char *label;

  gtk_revealer_set_reveal_child (self->detail_revealer, structure != NULL);
  /* Another structure: its detail from the top, not where the last one was
   * scrolled to. */
  gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (self->detail_scroller), 0);
  if (structure == NULL)
    return;

  gtk_label_set_label (self->detail_title, cercle_structure_get_name (structure));
  label = cercle_structure_get_category_label (structure);
  if (label == NULL)
    label = cercle_category_short_label (cercle_structure_get_category_code (structure));
  gtk_label_set_label (self->detail_subtitle, label ? label : "");
  gtk_widget_set_visible (GTK_WIDGET (self->detail_subtitle), label != NULL);

  address = structure_full_address (structure);
  adw_action_row_set_subtitle (self->address_row, *address ? address : _("Not given"));

  phone = cercle_format_phone (cercle_structure_get_phone (structure));
  adw_action_row_set_subtitle (self->phone_row, phone && *phone ? phone : _("Not given"));

  adw_action_row_set_subtitle (self->finess_row, cercle_structure_get_finess (structure));

  communes = cercle_structure_get_zone (structure);
  if (communes == NULL)
    zone = g_strdup (_("Not known"));
  else
    {
      guint n = g_strv_length ((char **) communes);
      const char *name = self->commune ? cercle_commune_get_name (self->commune) : "";

      if (cercle_structure_get_covers_commune (structure))
        zone = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                             "Covers %s (%u commune in the zone)",
                                             "Covers %s (%u communes in the zone)", n),
                                name, n);
      else
        zone = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                             "Does not cover %s (%u commune in the zone)",
                                             "Does not cover %s (%u communes in the zone)", n),
                                name, n);
    }
  adw_action_row_set_subtitle (self->zone_row, zone);
}

static void
on_results_selected (CercleDirectoryPage *self)
{
  cercle_map_view_set_selected (self->map_view,
                                gtk_single_selection_get_selected (self->results_selection));
  update_detail (self);
}

static void
on_marker_activated (CercleDirectoryPage *self,
                     guint                position)
{
  gtk_single_selection_set_selected (self->results_selection, position);
  gtk_widget_activate_action (GTK_WIDGET (self->results_view), "list.scroll-to-item", "u", position);
}

/* ---- Narrow windows: the list and the map take turns --------------------- */

static void
on_map_toggled (CercleDirectoryPage *self)
{
  gboolean show_map = gtk_toggle_button_get_active (self->map_toggle);

  adw_leaflet_set_visible_child_name (self->results_leaflet, show_map ? "map" : "list");
}

static void
on_leaflet_child_changed (CercleDirectoryPage *self)
{
  /* A swipe back to the list releases the toggle too. */
  gtk_toggle_button_set_active (self->map_toggle,
                                g_strcmp0 (adw_leaflet_get_visible_child_name (self->results_leaflet), "map") == 0);
}

static gboolean
update_fold_idle (gpointer data)
{
  CercleDirectoryPage *self = data;
  gboolean folded = adw_leaflet_get_folded (self->results_leaflet);

  self->fold_idle_id = 0;
  gtk_widget_set_visible (GTK_WIDGET (self->map_toggle), folded);
  if (!folded)
    gtk_toggle_button_set_active (self->map_toggle, FALSE);

  return G_SOURCE_REMOVE;
}

static void
on_folded_changed (CercleDirectoryPage *self)
{
  /* The leaflet folds while it is being allocated: showing the toggle then
   * would resize the top bar in the middle of a layout. Next time round. */
  if (self->fold_idle_id == 0)
    self->fold_idle_id = g_idle_add (update_fold_idle, self);
}

static void
on_result_activated (CercleDirectoryPage *self,
                     guint                position)
{
  /* Enter or a double click on a row: where is it? */
  if (adw_leaflet_get_folded (self->results_leaflet))
    gtk_toggle_button_set_active (self->map_toggle, TRUE);
}

/* ---- Results ------------------------------------------------------------ */

static void
replace_results (CercleDirectoryPage *self,
                 GListModel          *results)
{
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);
  guint n = results ? g_list_model_get_n_items (results) : 0;
  GtkAdjustment *adjustment;

  for (guint i = 0; i < n; i++)
    g_ptr_array_add (items, g_list_model_get_item (results, i));

  /* One items-changed: the list and the map update once. */
  g_list_store_splice (self->results, 0, g_list_model_get_n_items (G_LIST_MODEL (self->results)),
                       items->pdata, items->len);

  /* A new list starts at its first row, at the top: the selection would
   * otherwise stay on the old row number, now another structure. */
  gtk_single_selection_set_selected (self->results_selection, items->len > 0 ? 0 : GTK_INVALID_LIST_POSITION);
  /* The list view keeps its place by an anchor row: move the anchor, not
   * only the adjustment. (An empty list view cannot scroll, and says so.) */
  if (items->len > 0)
    {
      gtk_widget_activate_action (GTK_WIDGET (self->results_view), "list.scroll-to-item", "u", 0);
      adjustment = gtk_scrolled_window_get_vadjustment (self->results_scroller);
      if (gtk_adjustment_get_value (adjustment) != 0)
        gtk_adjustment_set_value (adjustment, 0);
    }
}

static void
show_results (CercleDirectoryPage *self,
              GListModel          *results)
{
  g_autofree char *summary = NULL;
  guint n = results ? g_list_model_get_n_items (results) : 0;
  gboolean zones = FALSE;
  gboolean capped;

  replace_results (self, results);

  if (self->commune != NULL && cercle_commune_has_position (self->commune))
    cercle_map_view_set_reference (self->map_view,
                                   cercle_commune_get_latitude (self->commune),
                                   cercle_commune_get_longitude (self->commune),
                                   cercle_commune_get_name (self->commune));
  else
    cercle_map_view_clear_reference (self->map_view);

  if (n == 0)
    {
      gtk_stack_set_visible_child_name (self->results_stack, "no-results");
      cercle_directory_page_update_actions (self);
      update_detail (self);
      return;
    }

  for (guint i = 0; i < n && !zones; i++)
    {
      g_autoptr(CercleStructure) structure = g_list_model_get_item (results, i);
      zones = cercle_structure_get_covers_commune (structure);
    }

  capped = n >= self->limit;
  if (capped && zones)
    /* Translators: the list stopped at its limit ("Les 30 premiers résultats…") */
    summary = g_strdup_printf (_("The first %u results around %s: those whose zone covers the commune "
                                 "first, then the nearest"),
                               n, cercle_commune_get_name (self->commune));
  else if (capped)
    summary = g_strdup_printf (_("The first %u results around %s, nearest first"),
                               n, cercle_commune_get_name (self->commune));
  else if (zones)
    summary = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                            "%u service around %s: those whose zone covers the commune first, then the nearest",
                                            "%u services around %s: those whose zone covers the commune first, then the nearest",
                                            n),
                               n, cercle_commune_get_name (self->commune));
  else
    summary = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                            "%u service around %s, nearest first",
                                            "%u services around %s, nearest first",
                                            n),
                               n, cercle_commune_get_name (self->commune));
  gtk_widget_set_visible (self->more_button, capped);
  gtk_label_set_label (self->results_label, summary);

  gtk_stack_set_visible_child_name (self->results_stack, "results");
  cercle_directory_page_update_actions (self);
  on_results_selected (self);
}

typedef struct
{
  CercleDirectoryPage *self;
  GPtrArray *codes;
  char *commune_code;
  GCancellable *cancellable;
} SearchData;

static void
search_data_free (SearchData *data)
{
  g_clear_object (&data->self);
  g_clear_pointer (&data->codes, g_ptr_array_unref);
  g_free (data->commune_code);
  g_clear_object (&data->cancellable);
  g_free (data);
}

static void
nearest_done (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  SearchData *data = user_data;
  CercleDirectoryPage *self = data->self;
  g_autoptr(GListModel) results = NULL;
  g_autoptr(GError) error = NULL;

  results = cercle_directory_nearest_finish (CERCLE_DIRECTORY (object), result, &error);

  /* A newer question replaced this one: its answer is the one to show. */
  if (g_cancellable_is_cancelled (data->cancellable))
    {
      search_data_free (data);
      return;
    }

  set_busy (self, FALSE);

  if (results == NULL)
    {
      cercle_directory_page_show_error (self, _("The search failed"), error->message);
      show_results (self, NULL);
    }
  else
    show_results (self, results);

  search_data_free (data);
}

static void
save_categories (CercleDirectoryPage *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) ids = NULL;
  const CercleCategory *categories;
  gsize n = 0;

  if (self->settings == NULL)
    return;

  categories = cercle_directory_categories (&n);
  for (guint i = 0; i < self->chips->len && i < n; i++)
    if (gtk_toggle_button_get_active (g_ptr_array_index (self->chips, i)))
      g_strv_builder_add (builder, categories[i].id);

  ids = g_strv_builder_end (builder);
  g_settings_set_strv (self->settings, "directory-categories", (const char * const *) ids);
}

void
cercle_directory_page_run_search (CercleDirectoryPage *self)
{
  const CercleCategory *categories;
  CercleNearestQuery query = { 0 };
  SearchData *data;
  gsize n = 0;

  g_cancellable_cancel (self->search_cancellable);
  g_clear_object (&self->search_cancellable);

  if (self->commune == NULL)
    {
      set_busy (self, FALSE);
      replace_results (self, NULL);
      gtk_widget_set_visible (self->more_button, FALSE);
      cercle_map_view_clear_reference (self->map_view);
      if (!self->preparing)
        gtk_stack_set_visible_child_name (self->results_stack, "no-commune");
      cercle_directory_page_update_actions (self);
      return;
    }

  /* Asked again once the demo directory is there. */
  if (self->preparing)
    return;

  data = g_new0 (SearchData, 1);
  data->self = g_object_ref (self);
  data->commune_code = g_strdup (cercle_commune_get_insee_code (self->commune));
  data->codes = g_ptr_array_new ();

  categories = cercle_directory_categories (&n);
  for (guint i = 0; i < self->chips->len && i < n; i++)
    if (gtk_toggle_button_get_active (g_ptr_array_index (self->chips, i)))
      for (guint j = 0; categories[i].codes[j] != NULL; j++)
        g_ptr_array_add (data->codes, (gpointer) categories[i].codes[j]);
  g_ptr_array_add (data->codes, NULL);

  self->search_cancellable = g_cancellable_new ();
  data->cancellable = g_object_ref (self->search_cancellable);

  /* No chip means every kind of service. */
  query.categories = data->codes->len > 1 ? (const char * const *) data->codes->pdata : NULL;
  query.commune_code = data->commune_code;
  query.limit = self->limit;

  set_busy (self, TRUE);
  if (!g_str_equal (gtk_stack_get_visible_child_name (self->results_stack), "results"))
    gtk_stack_set_visible_child_name (self->results_stack, "searching");

  cercle_directory_nearest_async (self->directory, &query, self->search_cancellable,
                                  nearest_done, data);
}

static void
on_chip_toggled (CercleDirectoryPage *self)
{
  save_categories (self);
  self->limit = N_RESULTS;
  cercle_directory_page_run_search (self);
}

static void
more_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  CercleDirectoryPage *self = CERCLE_DIRECTORY_PAGE (widget);

  self->limit += N_RESULTS;
  cercle_directory_page_run_search (self);
}

/* ---- Commune completion ------------------------------------------------- */

static void
pick_commune (CercleDirectoryPage *self,
              CercleCommune       *commune)
{
  g_set_object (&self->commune, commune);
  g_clear_pointer (&self->chosen_label, g_free);
  self->pick_on_answer = FALSE;
  self->limit = N_RESULTS;

  gtk_popover_popdown (self->completion_popover);
  g_cancellable_cancel (self->commune_cancellable);

  if (commune != NULL)
    {
      /* Remembered so that the search-changed this text causes is ignored. */
      self->chosen_label = commune_display_label (commune);
      self->setting_text = TRUE;
      gtk_editable_set_text (GTK_EDITABLE (self->commune_entry), self->chosen_label);
      gtk_editable_set_position (GTK_EDITABLE (self->commune_entry), -1);
      self->setting_text = FALSE;

      if (self->settings != NULL)
        g_settings_set_string (self->settings, "directory-commune",
                               cercle_commune_get_insee_code (commune));
    }

  cercle_directory_page_run_search (self);
}

static void
pick_completion (CercleDirectoryPage *self,
                 guint                position)
{
  g_autoptr(CercleCommune) commune = NULL;
  GListModel *model = gtk_single_selection_get_model (self->commune_selection);

  if (model == NULL || position >= g_list_model_get_n_items (model))
    return;

  commune = g_list_model_get_item (model, position);
  pick_commune (self, commune);
}

static void
on_commune_activated (GtkListView         *list,
                      guint                position,
                      CercleDirectoryPage *self)
{
  pick_completion (self, position);
}

/* ---- A commune the directory does not know ----------------------------- */

static void
on_suggestion_clicked (GtkButton           *button,
                       CercleDirectoryPage *self)
{
  CercleCommune *commune = g_object_get_data (G_OBJECT (button), "cercle-commune");

  pick_commune (self, commune);
}

static void
show_suggestions (CercleDirectoryPage *self,
                  const char          *query,
                  GListModel          *suggestions)
{
  g_autofree char *title = NULL;
  GtkWidget *child;
  guint n = suggestions ? g_list_model_get_n_items (suggestions) : 0;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->suggestions_box))) != NULL)
    gtk_flow_box_remove (self->suggestions_box, child);

  /* Translators: the title when the typed commune is not in the directory */
  title = g_strdup_printf (_("“%s” Is Not in the Directory"), query);
  adw_status_page_set_title (self->unknown_commune_page, title);
  adw_status_page_set_description (self->unknown_commune_page,
                                   n > 0 ? _("Did you mean one of these communes?")
                                         : _("Check the spelling, or type the postcode. The official list of "
                                             "communes can be imported with the directory."));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(CercleCommune) commune = g_list_model_get_item (suggestions, i);
      g_autofree char *label = commune_display_label (commune);
      GtkWidget *button = gtk_button_new_with_label (label);

      gtk_widget_add_css_class (button, "pill");
      g_object_set_data_full (G_OBJECT (button), "cercle-commune", g_object_ref (commune), g_object_unref);
      g_signal_connect_object (button, "clicked", G_CALLBACK (on_suggestion_clicked), self, 0);
      gtk_flow_box_append (self->suggestions_box, button);
      gtk_widget_set_focusable (gtk_widget_get_parent (button), FALSE);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->suggestions_box), n > 0);
  gtk_stack_set_visible_child_name (self->results_stack, "unknown-commune");
}

typedef struct {
  CercleDirectoryPage *self;
  char                *query;
} SuggestData;

static void
suggest_data_free (SuggestData *data)
{
  g_object_unref (data->self);
  g_free (data->query);
  g_free (data);
}

static void
suggestions_done (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  SuggestData *data = user_data;
  g_autoptr(GListModel) suggestions = NULL;
  g_autoptr(GError) error = NULL;

  suggestions = cercle_directory_suggest_communes_finish (CERCLE_DIRECTORY (object), result, &error);
  if (suggestions != NULL || !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    show_suggestions (data->self, data->query, suggestions);
  suggest_data_free (data);
}

/* ---- Completion --------------------------------------------------------- */

static void
communes_done (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  SuggestData *data = user_data;
  CercleDirectoryPage *self = data->self;
  g_autoptr(GListModel) communes = NULL;
  g_autoptr(GError) error = NULL;
  int width;

  communes = cercle_directory_find_communes_finish (CERCLE_DIRECTORY (object), result, &error);
  if (communes == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        cercle_directory_page_show_error (self, _("The communes could not be searched"), error->message);
      suggest_data_free (data);
      return;
    }

  gtk_single_selection_set_model (self->commune_selection, communes);
  g_free (self->answered_query);
  self->answered_query = g_strdup (data->query);
  if (g_list_model_get_n_items (communes) == 0)
    {
      SuggestData *next = g_new0 (SuggestData, 1);

      /* Nothing starts so: say it, with the closest names ("melum"). */
      self->pick_on_answer = FALSE;
      gtk_popover_popdown (self->completion_popover);
      next->self = g_object_ref (self);
      next->query = g_strdup (data->query);
      cercle_directory_suggest_communes_async (self->directory, data->query, 4, self->commune_cancellable,
                                               suggestions_done, next);
      suggest_data_free (data);
      return;
    }
  suggest_data_free (data);

  /* Enter was pressed before the list came: it takes the first. */
  if (self->pick_on_answer)
    {
      self->pick_on_answer = FALSE;
      pick_completion (self, 0);
      return;
    }

  gtk_single_selection_set_selected (self->commune_selection, 0);
  width = gtk_widget_get_width (GTK_WIDGET (self->commune_entry));
  gtk_widget_set_size_request (GTK_WIDGET (self->completion_popover), MAX (width, 240), -1);
  gtk_popover_set_pointing_to (self->completion_popover,
                               &(GdkRectangle) { 0, 0, MAX (width, 1),
                                                 gtk_widget_get_height (GTK_WIDGET (self->commune_entry)) });
  gtk_popover_popup (self->completion_popover);
}

static char *
entry_query (CercleDirectoryPage *self)
{
  return g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->commune_entry))));
}

static void
search_communes (CercleDirectoryPage *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->commune_entry));
  g_autofree char *query = entry_query (self);
  SuggestData *data;

  /* The text we put there ourselves after a pick is not a question (nor
   * the empty text on the way: setting a text deletes the old one first,
   * and the search entry reports an empty text at once). */
  if (self->setting_text || (self->chosen_label != NULL && g_str_equal (text, self->chosen_label)))
    return;

  g_cancellable_cancel (self->commune_cancellable);
  g_clear_object (&self->commune_cancellable);
  g_clear_pointer (&self->answered_query, g_free);

  /* New text is a new question: the answer to the previous commune must
   * not stay under it. */
  if (self->commune != NULL && !self->preparing)
    {
      g_clear_object (&self->commune);
      g_clear_pointer (&self->chosen_label, g_free);
      cercle_directory_page_run_search (self);
    }
  else if (!self->preparing
           && g_strcmp0 (gtk_stack_get_visible_child_name (self->results_stack), "unknown-commune") == 0)
    gtk_stack_set_visible_child_name (self->results_stack, "no-commune");

  if (g_utf8_strlen (query, -1) < 2 || self->preparing)
    {
      self->pick_on_answer = FALSE;
      gtk_popover_popdown (self->completion_popover);
      return;
    }

  self->commune_cancellable = g_cancellable_new ();
  data = g_new0 (SuggestData, 1);
  data->self = g_object_ref (self);
  data->query = g_steal_pointer (&query);
  cercle_directory_find_communes_async (self->directory, data->query, N_COMPLETIONS,
                                        self->commune_cancellable, communes_done, data);
}

static void
on_search_changed (CercleDirectoryPage *self)
{
  search_communes (self);
}

/* Enter: the highlighted completion of what is typed now. The list may
 * answer an older text (the entry waits a little before it asks) or not
 * have come yet: then the answer to this text decides. */
static void
activate_entry (CercleDirectoryPage *self)
{
  GListModel *model = gtk_single_selection_get_model (self->commune_selection);
  guint selected = gtk_single_selection_get_selected (self->commune_selection);
  g_autofree char *query = entry_query (self);

  if (self->chosen_label != NULL
      && g_str_equal (gtk_editable_get_text (GTK_EDITABLE (self->commune_entry)), self->chosen_label))
    return;

  if (model != NULL && g_list_model_get_n_items (model) > 0 && g_strcmp0 (query, self->answered_query) == 0)
    {
      pick_completion (self, selected == GTK_INVALID_LIST_POSITION ? 0 : selected);
      return;
    }
  if (g_utf8_strlen (query, -1) < 2 || g_strcmp0 (query, self->answered_query) == 0)
    return;  /* too short, or known to match nothing */

  self->pick_on_answer = TRUE;
  search_communes (self);
}

static void
on_entry_activate (CercleDirectoryPage *self)
{
  activate_entry (self);
}

static void
on_stop_search (CercleDirectoryPage *self)
{
  gtk_popover_popdown (self->completion_popover);
}

static gboolean
on_entry_key_pressed (GtkEventControllerKey *controller,
                      guint                  keyval,
                      guint                  keycode,
                      GdkModifierType        state,
                      CercleDirectoryPage   *self)
{
  GListModel *model = gtk_single_selection_get_model (self->commune_selection);
  guint n = model ? g_list_model_get_n_items (model) : 0;
  guint selected = gtk_single_selection_get_selected (self->commune_selection);
  guint next;

  if (!gtk_widget_get_visible (GTK_WIDGET (self->completion_popover)) || n == 0)
    return GDK_EVENT_PROPAGATE;

  switch (keyval)
    {
    case GDK_KEY_Down:
    case GDK_KEY_KP_Down:
      next = selected == GTK_INVALID_LIST_POSITION ? 0 : MIN (selected + 1, n - 1);
      break;
    case GDK_KEY_Up:
    case GDK_KEY_KP_Up:
      next = selected == GTK_INVALID_LIST_POSITION || selected == 0 ? 0 : selected - 1;
      break;
    case GDK_KEY_Return:
    case GDK_KEY_KP_Enter:
    case GDK_KEY_ISO_Enter:
      activate_entry (self);
      return GDK_EVENT_STOP;
    case GDK_KEY_Escape:
      gtk_popover_popdown (self->completion_popover);
      return GDK_EVENT_STOP;
    default:
      return GDK_EVENT_PROPAGATE;
    }

  gtk_single_selection_set_selected (self->commune_selection, next);
  gtk_widget_activate_action (GTK_WIDGET (self->commune_list), "list.scroll-to-item", "u", next);

  return GDK_EVENT_STOP;
}

static void
commune_setup (GtkSignalListItemFactory *factory,
               GtkListItem              *item,
               gpointer                  user_data)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *name = gtk_label_new (NULL);
  GtkWidget *detail = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (name), 0);
  gtk_label_set_xalign (GTK_LABEL (detail), 0);
  gtk_label_set_ellipsize (GTK_LABEL (detail), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (detail, "dim-label");
  gtk_widget_add_css_class (detail, "caption");
  gtk_box_append (GTK_BOX (box), name);
  gtk_box_append (GTK_BOX (box), detail);
  gtk_list_item_set_child (item, box);
}

static void
commune_bind (GtkSignalListItemFactory *factory,
              GtkListItem              *item,
              gpointer                  user_data)
{
  CercleCommune *commune = gtk_list_item_get_item (item);
  GtkWidget *box = gtk_list_item_get_child (item);
  GtkWidget *name = gtk_widget_get_first_child (box);
  GtkWidget *detail = gtk_widget_get_next_sibling (name);
  const char *insee = cercle_commune_get_insee_code (commune);
  const char *postcodes = cercle_commune_get_postcodes (commune);
  g_autofree char *text = NULL;
  g_autofree char *dept = NULL;

  gtk_label_set_label (GTK_LABEL (name), cercle_commune_get_name (commune));

  /* The département tells apart the many communes sharing a name. */
  dept = insee != NULL && strlen (insee) >= 2 ? g_strndup (insee, 2) : g_strdup ("");
  if (postcodes != NULL && *postcodes != '\0')
    /* Translators: under a commune name in the completion: "77000 · département 77" */
    text = g_strdup_printf (_("%s · département %s"), postcodes, dept);
  else
    text = g_strdup_printf (_("Département %s"), dept);
  gtk_label_set_label (GTK_LABEL (detail), text);
}

/* ---- Result rows -------------------------------------------------------- */

static void
result_setup (GtkSignalListItemFactory *factory,
              GtkListItem              *item,
              gpointer                  user_data)
{
  gtk_list_item_set_child (item, cercle_structure_row_new ());
}

static void
result_bind (GtkSignalListItemFactory *factory,
             GtkListItem              *item,
             gpointer                  user_data)
{
  cercle_structure_row_set_structure (CERCLE_STRUCTURE_ROW (gtk_list_item_get_child (item)),
                                      gtk_list_item_get_item (item),
                                      gtk_list_item_get_position (item) + 1);
}

static void
result_unbind (GtkSignalListItemFactory *factory,
               GtkListItem              *item,
               gpointer                  user_data)
{
  cercle_structure_row_set_structure (CERCLE_STRUCTURE_ROW (gtk_list_item_get_child (item)), NULL, 0);
}

/* ---- First run: the demonstration directory ---------------------------- */

static void
ensure_demo_thread (GTask        *task,
                    gpointer      source_object,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  CercleDirectory *directory = task_data;
  g_autofree char *demo_dir = NULL;
  const char *env = g_getenv ("CERCLE_DEMO_DIR");
  GError *error = NULL;

  /* CERCLE_DEMO_DIR points a build tree or a test at data/demo. */
  demo_dir = env != NULL && *env != '\0' ? g_strdup (env) : cercle_directory_default_demo_dir ();

  if (!cercle_directory_ensure_demo (directory, demo_dir, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
restore_last_commune (CercleDirectoryPage *self)
{
  g_autofree char *insee = NULL;
  g_autoptr(CercleCommune) commune = NULL;

  if (self->settings == NULL || self->commune != NULL)
    return;

  insee = g_settings_get_string (self->settings, "directory-commune");
  if (insee == NULL || *insee == '\0')
    return;

  /* One indexed row: quick enough for the main thread. */
  commune = cercle_directory_get_commune (self->directory, insee, NULL);
  if (commune != NULL)
    pick_commune (self, commune);
}

static void
ensure_demo_done (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(CercleDirectoryPage) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      cercle_directory_page_show_error (self, _("The demonstration directory could not be loaded"), error->message);
    }

  self->preparing = FALSE;
  self->prepared = TRUE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);

  if (self->commune == NULL)
    restore_last_commune (self);

  if (self->commune != NULL)
    cercle_directory_page_run_search (self);
  else
    {
      gtk_stack_set_visible_child_name (self->results_stack, "no-commune");
      /* The user may have typed while we were loading. */
      search_communes (self);
    }
}

static void
prepare_directory (CercleDirectoryPage *self)
{
  g_autoptr(GTask) task = NULL;

  if (self->prepared || self->preparing)
    return;

  self->preparing = TRUE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
  gtk_stack_set_visible_child_name (self->results_stack, "preparing");

  task = g_task_new (self, self->cancellable, ensure_demo_done, g_object_ref (self));
  g_task_set_source_tag (task, prepare_directory);
  g_task_set_task_data (task, g_object_ref (self->directory), g_object_unref);
  g_task_run_in_thread (task, ensure_demo_thread);
}

/* ---- Copy --------------------------------------------------------------- */

static void
copy_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  CercleDirectoryPage *self = CERCLE_DIRECTORY_PAGE (widget);
  g_autoptr(CercleStructure) structure = dup_selected_structure (self);
  const char *what = g_variant_get_string (parameter, NULL);
  g_autofree char *text = NULL;

  if (structure == NULL)
    return;

  if (g_str_equal (what, "address"))
    {
      g_autofree char *full = structure_full_address (structure);
      g_auto(GStrv) lines = g_strsplit (full, "\n", -1);

      /* One line pastes better into a form or a letter. */
      text = g_strjoinv (", ", lines);
    }
  else if (g_str_equal (what, "phone"))
    text = g_strdup (cercle_structure_get_phone (structure));
  else if (g_str_equal (what, "finess"))
    text = g_strdup (cercle_structure_get_finess (structure));

  if (text == NULL || *text == '\0')
    return;

  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), text);
  cercle_directory_page_show_toast (self, _("Copied"));
}

void
cercle_directory_page_update_actions (CercleDirectoryPage *self)
{
  GListModel *results = cercle_directory_page_get_results (self);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "directory.export",
                                 results != NULL && g_list_model_get_n_items (results) > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "directory.import",
                                 self->import_cancellable == NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "directory.cancel-import",
                                 self->import_cancellable != NULL);
}

/* ---- Setup -------------------------------------------------------------- */

static void
build_chips (CercleDirectoryPage *self)
{
  const CercleCategory *categories;
  g_auto(GStrv) saved = NULL;
  gsize n = 0;

  if (self->settings != NULL)
    saved = g_settings_get_strv (self->settings, "directory-categories");

  categories = cercle_directory_categories (&n);
  for (gsize i = 0; i < n; i++)
    {
      GtkWidget *chip = gtk_toggle_button_new_with_label (_(categories[i].short_label));
      g_autofree char *name = g_strdup_printf ("chip-%s", categories[i].id);

      gtk_widget_set_name (chip, name);
      gtk_widget_add_css_class (chip, "cercle-chip");
      /* The acronym spelled out ("Service de soins infirmiers à domicile
       * (SSIAD)"), for the eye and for a screen reader. FINESS's own
       * labels: data, in French like the directory. */
      if (cercle_directory_category_label (categories[i].codes[0]) != NULL)
        {
          const char *label = cercle_directory_category_label (categories[i].codes[0]);

          gtk_widget_set_tooltip_text (chip, label);
          gtk_accessible_update_property (GTK_ACCESSIBLE (chip),
                                          GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, label,
                                          -1);
        }
      /* A pill keeps its own width when the flow box lines chips up in
       * columns on a narrow window. */
      gtk_widget_set_halign (chip, GTK_ALIGN_START);
      gtk_widget_set_focus_on_click (chip, FALSE);
      if (saved != NULL && g_strv_contains ((const char * const *) saved, categories[i].id))
        gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (chip), TRUE);
      g_signal_connect_object (chip, "toggled", G_CALLBACK (on_chip_toggled), self, G_CONNECT_SWAPPED);

      gtk_flow_box_append (self->chips_box, chip);
      /* The flow box child must not take focus itself: the chip does. */
      gtk_widget_set_focusable (gtk_widget_get_parent (chip), FALSE);
      g_ptr_array_add (self->chips, chip);
    }
}

static gboolean
focus_entry (GtkWidget *widget,
             GVariant  *args,
             gpointer   user_data)
{
  CercleDirectoryPage *self = CERCLE_DIRECTORY_PAGE (user_data);

  /* Only the page on screen answers: the other pages have their own. */
  if (!gtk_widget_get_mapped (GTK_WIDGET (self)))
    return FALSE;
  return gtk_widget_grab_focus (GTK_WIDGET (self->commune_entry));
}

/* Tab leaves the result list in one step, wherever the focus is in it;
 * arrows move inside (GTK 4.8's list views stop Tab on every row). */
static gboolean
on_results_key_pressed (GtkEventControllerKey *controller,
                        guint                  keyval,
                        guint                  keycode,
                        GdkModifierType        state,
                        CercleDirectoryPage   *self)
{
  GtkWidget *list = GTK_WIDGET (self->results_view);
  GtkRoot *root = gtk_widget_get_root (list);
  GtkDirectionType direction;
  gboolean moved;

  if (keyval == GDK_KEY_Tab || keyval == GDK_KEY_KP_Tab)
    direction = (state & GDK_SHIFT_MASK) ? GTK_DIR_TAB_BACKWARD : GTK_DIR_TAB_FORWARD;
  else if (keyval == GDK_KEY_ISO_Left_Tab)
    direction = GTK_DIR_TAB_BACKWARD;
  else
    return GDK_EVENT_PROPAGATE;
  if (root == NULL || (state & (GDK_CONTROL_MASK | GDK_ALT_MASK)) != 0)
    return GDK_EVENT_PROPAGATE;

  /* While the list cannot take the focus, moving on skips all its rows. */
  gtk_widget_set_can_focus (list, FALSE);
  moved = gtk_widget_child_focus (GTK_WIDGET (root), direction);
  if (!moved)
    {
      /* The end of the window: round again, as Tab does. */
      gtk_root_set_focus (root, NULL);
      moved = gtk_widget_child_focus (GTK_WIDGET (root), direction);
    }
  gtk_widget_set_can_focus (list, TRUE);
  return moved ? GDK_EVENT_STOP : GDK_EVENT_PROPAGATE;
}

static GSettings *
maybe_settings (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  /* Running from a build tree without installed schemas must not abort. */
  if (source == NULL)
    return NULL;
  schema = g_settings_schema_source_lookup (source, SCHEMA_ID, TRUE);
  if (schema == NULL
      || !g_settings_schema_has_key (schema, "tile-url")
      || !g_settings_schema_has_key (schema, "map-offline")
      || !g_settings_schema_has_key (schema, "directory-commune")
      || !g_settings_schema_has_key (schema, "directory-categories"))
    return NULL;

  return g_settings_new_full (schema, NULL, NULL);
}

static void
cercle_directory_page_map (GtkWidget *widget)
{
  CercleDirectoryPage *self = CERCLE_DIRECTORY_PAGE (widget);

  GTK_WIDGET_CLASS (cercle_directory_page_parent_class)->map (widget);

  /* Loading the demo directory waits until someone looks at the page. */
  prepare_directory (self);
}

static void
cercle_directory_page_realize (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (cercle_directory_page_parent_class)->realize (widget);
  ensure_css (widget);
}

static void
cercle_directory_page_dispose (GObject *object)
{
  CercleDirectoryPage *self = CERCLE_DIRECTORY_PAGE (object);

  g_clear_handle_id (&self->fold_idle_id, g_source_remove);
  g_cancellable_cancel (self->cancellable);
  g_cancellable_cancel (self->search_cancellable);
  g_cancellable_cancel (self->commune_cancellable);
  g_cancellable_cancel (self->import_cancellable);

  if (self->completion_popover != NULL)
    {
      gtk_widget_unparent (GTK_WIDGET (self->completion_popover));
      self->completion_popover = NULL;
    }

  /* AdwBin keeps its own pointer to the toast overlay: let it drop the
   * child before the template does. */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), CERCLE_TYPE_DIRECTORY_PAGE);

  if (self->network != NULL)
    g_signal_handlers_disconnect_by_data (self->network, self);
  self->network = NULL;

  g_clear_object (&self->settings);
  g_clear_object (&self->results_selection);
  g_clear_object (&self->results);
  g_clear_object (&self->commune_selection);
  g_clear_object (&self->commune);
  g_clear_pointer (&self->chips, g_ptr_array_unref);
  g_clear_object (&self->search_cancellable);
  g_clear_object (&self->commune_cancellable);
  g_clear_object (&self->import_cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->directory);

  G_OBJECT_CLASS (cercle_directory_page_parent_class)->dispose (object);
}

static void
cercle_directory_page_finalize (GObject *object)
{
  CercleDirectoryPage *self = CERCLE_DIRECTORY_PAGE (object);

  g_free (self->chosen_label);
  g_free (self->answered_query);

  G_OBJECT_CLASS (cercle_directory_page_parent_class)->finalize (object);
}

static void
cercle_directory_page_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  CercleDirectoryPage *self = CERCLE_DIRECTORY_PAGE (object);

  switch (prop_id)
    {
    case PROP_DIRECTORY:
      g_value_set_object (value, self->directory);
      break;
    case PROP_BUSY:
      g_value_set_boolean (value, cercle_directory_page_get_busy (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cercle_directory_page_set_property (GObject      *object,
                                    guint         prop_id,
                                    const GValue *value,
                                    GParamSpec   *pspec)
{
  CercleDirectoryPage *self = CERCLE_DIRECTORY_PAGE (object);

  switch (prop_id)
    {
    case PROP_DIRECTORY:
      cercle_directory_page_set_directory (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cercle_directory_page_class_init (CercleDirectoryPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cercle_directory_page_dispose;
  object_class->finalize = cercle_directory_page_finalize;
  object_class->get_property = cercle_directory_page_get_property;
  object_class->set_property = cercle_directory_page_set_property;

  widget_class->map = cercle_directory_page_map;
  widget_class->realize = cercle_directory_page_realize;

  /**
   * CercleDirectoryPage:directory:
   *
   * The directory searched; by default the one in the user's store
   * ($CERCLE_DB when set).
   */
  properties[PROP_DIRECTORY] =
    g_param_spec_object ("directory", NULL, NULL, CERCLE_TYPE_DIRECTORY,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * CercleDirectoryPage:busy:
   *
   * Whether a search is running.
   */
  properties[PROP_BUSY] =
    g_param_spec_boolean ("busy", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (CERCLE_TYPE_MAP_VIEW);
  g_type_ensure (CERCLE_TYPE_STRUCTURE_ROW);

  gtk_widget_class_set_template_from_resource (widget_class, "/fr/cercle/Cercle/directory/cercle-directory-page.ui");
  gtk_widget_class_bind_template_child (widget_class, CercleDirectoryPage, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, CercleDirectoryPage, error_revealer);
  gtk_widget_class_bind_template_child (widget_class, CercleDirectoryPage, error_label);
  /* Known by name only, for the tests and the inspector. */
  gtk_widget_class_bind_template_child_full (widget_class, "import_cancel_button", FALSE, 0);
  gtk_widget_class_bind_template_child_full (widget_class, "import_cancel_label", FALSE, 0);
  gtk_widget_class_bind_template_child (widget_class, CercleDirectoryPage, import_revealer);
  gtk_widget_class_bind_template_child (widget_class, CercleDirectoryPage, import_progress);
  gtk_widget_class_bind_template_child (widget_class, CercleDirectoryPage, commune_entry);
  gtk_widget_class_bind_template_child (widget_class, CercleDirectoryPage, export_button);
  gtk_widget_class_bind_template_child (widget_class, CercleDirectoryPage, import_button);
  gtk_widget_class_bind_template_child (widget_class, CercleDirectoryPage, chips_box);
  gtk_widget_class_bind_template_child (widget_class, CercleDirectoryPage, map_toggle);
  gtk_widget_class_bind_template_child (widget_class, CercleDirectoryPage, results_leaflet);
  gtk_widget_class_bind_template_child (widget_class, CercleDirectoryPage, map_box);
  gtk_widget_class_bind_template_child (widget_class, CercleDirectoryPage, results_stack);
  gtk_widget_class_bind_template_child (widget_class, CercleDirectoryPage, results_label);
  gtk_widget_class_bind_template_child (widget_class, CercleDirectoryPage, results_view);
  gtk_widget_class_bind_template_child (widget_class, CercleDirectoryPage, results_scroller);
  gtk_widget_class_bind_template_child (widget_class, CercleDirectoryPage, more_button);
  gtk_widget_class_bind_template_child (widget_class, CercleDirectoryPage, unknown_commune_page);
  gtk_widget_class_bind_template_child (widget_class, CercleDirectoryPage, suggestions_box);
  gtk_widget_class_bind_template_child (widget_class, CercleDirectoryPage, detail_scroller);
  gtk_widget_class_bind_template_child (widget_class, CercleDirectoryPage, detail_title);
  gtk_widget_class_bind_template_child (widget_class, CercleDirectoryPage, detail_subtitle);
  gtk_widget_class_bind_template_child (widget_class, CercleDirectoryPage, detail_revealer);
  gtk_widget_class_bind_template_child (widget_class, CercleDirectoryPage, detail_group);
  gtk_widget_class_bind_template_child (widget_class, CercleDirectoryPage, address_row);
  gtk_widget_class_bind_template_child (widget_class, CercleDirectoryPage, phone_row);
  gtk_widget_class_bind_template_child (widget_class, CercleDirectoryPage, finess_row);
  gtk_widget_class_bind_template_child (widget_class, CercleDirectoryPage, zone_row);
  gtk_widget_class_bind_template_child (widget_class, CercleDirectoryPage, map_view);

  gtk_widget_class_install_action (widget_class, "directory.export", NULL, cercle_directory_page_export_action);
  gtk_widget_class_install_action (widget_class, "directory.import", NULL, cercle_directory_page_import_action);
  gtk_widget_class_install_action (widget_class, "directory.cancel-import", NULL, cercle_directory_page_cancel_import_action);
  gtk_widget_class_install_action (widget_class, "directory.copy", "s", copy_action);

  gtk_widget_class_install_action (widget_class, "directory.more", NULL, more_action);
  gtk_widget_class_install_action (widget_class, "directory.dismiss-error", NULL, dismiss_error_action);
}

static void
cercle_directory_page_init (CercleDirectoryPage *self)
{
  g_autoptr(GtkListItemFactory) commune_factory = gtk_signal_list_item_factory_new ();
  g_autoptr(GtkListItemFactory) result_factory = gtk_signal_list_item_factory_new ();
  GtkEventController *keys;
  GtkEventController *shortcuts;
  GtkWidget *scrolled;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  self->chips = g_ptr_array_new ();
  self->limit = N_RESULTS;
  self->settings = maybe_settings ();
  self->directory = open_default_directory ();

  /* Results: one selection shared by the list, the map and the detail. */
  self->results = g_list_store_new (CERCLE_TYPE_STRUCTURE);
  self->results_selection = gtk_single_selection_new (G_LIST_MODEL (g_object_ref (self->results)));
  gtk_single_selection_set_autoselect (self->results_selection, TRUE);
  g_signal_connect_object (self->results_selection, "notify::selected",
                           G_CALLBACK (on_results_selected), self, G_CONNECT_SWAPPED);
  g_signal_connect (result_factory, "setup", G_CALLBACK (result_setup), NULL);
  g_signal_connect (result_factory, "bind", G_CALLBACK (result_bind), NULL);
  g_signal_connect (result_factory, "unbind", G_CALLBACK (result_unbind), NULL);
  gtk_list_view_set_factory (self->results_view, result_factory);
  gtk_list_view_set_model (self->results_view, GTK_SELECTION_MODEL (self->results_selection));
  cercle_map_view_set_model (self->map_view, G_LIST_MODEL (self->results));
  g_signal_connect_object (self->map_view, "marker-activated",
                           G_CALLBACK (on_marker_activated), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->results_view, "activate",
                           G_CALLBACK (on_result_activated), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->map_toggle, "toggled",
                           G_CALLBACK (on_map_toggled), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->results_leaflet, "notify::visible-child",
                           G_CALLBACK (on_leaflet_child_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->results_leaflet, "notify::folded",
                           G_CALLBACK (on_folded_changed), self, G_CONNECT_SWAPPED);

  /* Completion: a popover under the field with a list of communes. It never
   * takes the focus, so typing goes on; arrows and Enter are caught on the
   * field. */
  self->commune_selection = gtk_single_selection_new (NULL);
  gtk_single_selection_set_autoselect (self->commune_selection, FALSE);
  g_signal_connect (commune_factory, "setup", G_CALLBACK (commune_setup), NULL);
  g_signal_connect (commune_factory, "bind", G_CALLBACK (commune_bind), NULL);
  self->commune_list = GTK_LIST_VIEW (gtk_list_view_new (GTK_SELECTION_MODEL (g_object_ref (self->commune_selection)),
                                                         g_object_ref (commune_factory)));
  gtk_list_view_set_single_click_activate (self->commune_list, TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (self->commune_list), "navigation-sidebar");
  gtk_widget_set_focusable (GTK_WIDGET (self->commune_list), FALSE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->commune_list),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Matching communes"),
                                  -1);
  g_signal_connect_object (self->commune_list, "activate", G_CALLBACK (on_commune_activated), self, 0);

  scrolled = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_propagate_natural_height (GTK_SCROLLED_WINDOW (scrolled), TRUE);
  gtk_scrolled_window_set_max_content_height (GTK_SCROLLED_WINDOW (scrolled), 360);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), GTK_WIDGET (self->commune_list));

  self->completion_popover = GTK_POPOVER (gtk_popover_new ());
  gtk_popover_set_child (self->completion_popover, scrolled);
  gtk_popover_set_autohide (self->completion_popover, FALSE);
  gtk_popover_set_has_arrow (self->completion_popover, FALSE);
  gtk_popover_set_position (self->completion_popover, GTK_POS_BOTTOM);
  gtk_widget_set_halign (GTK_WIDGET (self->completion_popover), GTK_ALIGN_START);
  gtk_widget_add_css_class (GTK_WIDGET (self->completion_popover), "menu");
  gtk_widget_set_parent (GTK_WIDGET (self->completion_popover), GTK_WIDGET (self->commune_entry));

  g_signal_connect_object (self->commune_entry, "search-changed",
                           G_CALLBACK (on_search_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->commune_entry, "activate",
                           G_CALLBACK (on_entry_activate), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->commune_entry, "stop-search",
                           G_CALLBACK (on_stop_search), self, G_CONNECT_SWAPPED);
  keys = gtk_event_controller_key_new ();
  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  g_signal_connect_object (keys, "key-pressed", G_CALLBACK (on_entry_key_pressed), self, 0);
  gtk_widget_add_controller (GTK_WIDGET (self->commune_entry), keys);

  build_chips (self);

  /* Ctrl+F goes to the commune field, as in any GNOME search, wherever
   * the focus is in the window (the sidebar, the map). */
  shortcuts = gtk_shortcut_controller_new ();
  gtk_shortcut_controller_set_scope (GTK_SHORTCUT_CONTROLLER (shortcuts), GTK_SHORTCUT_SCOPE_GLOBAL);
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
                                        gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_f, GDK_CONTROL_MASK),
                                                          gtk_callback_action_new (focus_entry, self, NULL)));
  gtk_widget_add_controller (GTK_WIDGET (self), shortcuts);

  keys = gtk_event_controller_key_new ();
  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  g_signal_connect_object (keys, "key-pressed", G_CALLBACK (on_results_key_pressed), self, 0);
  gtk_widget_add_controller (GTK_WIDGET (self->results_view), keys);

  self->network = g_network_monitor_get_default ();
  g_signal_connect_object (self->network, "notify::network-available",
                           G_CALLBACK (on_network_changed), self, G_CONNECT_SWAPPED);
  if (self->settings != NULL)
    {
      g_signal_connect_object (self->settings, "changed::tile-url",
                               G_CALLBACK (update_tile_source), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (self->settings, "changed::map-offline",
                               G_CALLBACK (update_tile_source), self, G_CONNECT_SWAPPED);
    }
  update_tile_source (self);

  cercle_directory_page_update_actions (self);
}

/**
 * cercle_directory_page_new:
 *
 * Returns: (transfer floating): the directory page
 */
GtkWidget *
cercle_directory_page_new (void)
{
  return g_object_new (CERCLE_TYPE_DIRECTORY_PAGE, NULL);
}

/**
 * cercle_directory_page_get_directory:
 *
 * Returns: (transfer none): the directory searched
 */
CercleDirectory *
cercle_directory_page_get_directory (CercleDirectoryPage *self)
{
  g_return_val_if_fail (CERCLE_IS_DIRECTORY_PAGE (self), NULL);

  return self->directory;
}

/**
 * cercle_directory_page_set_directory:
 * @directory: the directory to search
 *
 * Replaces the directory (the application may share one between pages).
 * The demonstration data is loaded into it if it is empty.
 */
void
cercle_directory_page_set_directory (CercleDirectoryPage *self,
                                     CercleDirectory     *directory)
{
  g_return_if_fail (CERCLE_IS_DIRECTORY_PAGE (self));
  g_return_if_fail (CERCLE_IS_DIRECTORY (directory));

  if (!g_set_object (&self->directory, directory))
    return;

  /* Whatever was asked of the old one is moot. */
  g_cancellable_cancel (self->search_cancellable);
  g_cancellable_cancel (self->commune_cancellable);
  self->prepared = FALSE;
  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    prepare_directory (self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DIRECTORY]);
}

/**
 * cercle_directory_page_get_commune:
 *
 * Returns: (transfer none) (nullable): the commune searched around
 */
CercleCommune *
cercle_directory_page_get_commune (CercleDirectoryPage *self)
{
  g_return_val_if_fail (CERCLE_IS_DIRECTORY_PAGE (self), NULL);

  return self->commune;
}

/**
 * cercle_directory_page_set_commune:
 * @commune: (nullable): the patient's commune
 *
 * Searches around @commune, as if the user had picked it (the patient page
 * can open the directory on the patient's commune this way).
 */
void
cercle_directory_page_set_commune (CercleDirectoryPage *self,
                                   CercleCommune       *commune)
{
  g_return_if_fail (CERCLE_IS_DIRECTORY_PAGE (self));
  g_return_if_fail (commune == NULL || CERCLE_IS_COMMUNE (commune));

  pick_commune (self, commune);
}

/**
 * cercle_directory_page_get_busy:
 *
 * Returns: whether a search is running
 */
gboolean
cercle_directory_page_get_busy (CercleDirectoryPage *self)
{
  g_return_val_if_fail (CERCLE_IS_DIRECTORY_PAGE (self), FALSE);

  return self->searching || self->preparing;
}

/**
 * cercle_directory_page_get_results:
 *
 * Returns: (transfer none) (nullable): the #CercleStructure list shown
 */
GListModel *
cercle_directory_page_get_results (CercleDirectoryPage *self)
{
  g_return_val_if_fail (CERCLE_IS_DIRECTORY_PAGE (self), NULL);

  return gtk_single_selection_get_model (self->results_selection);
}
