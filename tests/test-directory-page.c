/* test-directory-page.c — the first story: the nearest SSIAD around Melun
 *
 * A real page in a real GtkWindow under Xvfb, in French, on a real SQLite
 * store loaded with the project's demonstration directory (data/demo/) the
 * way a first run loads it. The map draws its tiles locally
 * (CERCLE_OFFLINE_MAP=1): nothing touches the network.
 *
 * The test does what a GP does: types "Melun", picks the commune in the
 * completion list, turns on the SSIAD chip, and reads the list and the map.
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <locale.h>

#include "cercle-application.h"
#include "cercle-directory-page.h"
#include "cercle-window.h"
#include "cercle-map-view.h"
#include "cercle-structure-row.h"

#define MELUN "77288"

#define FONTAINEBLEAU "77186"

typedef gboolean (*Condition) (gpointer data);

/* Runs the main loop until @cond holds; fails the test after @seconds. */
static void
wait_until (Condition   cond,
            gpointer    data,
            guint       seconds,
            const char *what)
{
  gint64 deadline = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;

  while (!cond (data))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("Timed out waiting for %s", what);
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (2000);
    }
}

static void
flush_events (guint ms)
{
  gint64 until = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < until)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (2000);
}

static void
collect_widgets (GtkWidget *widget,
                 GType      type,
                 gboolean   mapped_only,
                 GPtrArray *out)
{
  if (mapped_only && !gtk_widget_get_mapped (widget))
    return;
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    g_ptr_array_add (out, widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_widgets (child, type, mapped_only, out);
}

static gpointer
template_child (CercleDirectoryPage *page,
                const char          *name)
{
  GObject *child = gtk_widget_get_template_child (GTK_WIDGET (page), CERCLE_TYPE_DIRECTORY_PAGE, name);

  g_assert_nonnull (child);
  return child;
}

static GtkWidget *
find_named (GtkWidget  *root,
            const char *name)
{
  g_autoptr(GPtrArray) all = g_ptr_array_new ();

  collect_widgets (root, GTK_TYPE_WIDGET, FALSE, all);
  for (guint i = 0; i < all->len; i++)
    if (g_strcmp0 (gtk_widget_get_name (g_ptr_array_index (all, i)), name) == 0)
      return g_ptr_array_index (all, i);

  g_error ("No widget named %s", name);
}

/* ---- Conditions --------------------------------------------------------- */

static gboolean
page_is_ready (gpointer data)
{
  CercleDirectoryPage *page = data;
  GtkStack *stack = template_child (page, "results_stack");

  return gtk_widget_get_mapped (data)
         && !cercle_directory_page_get_busy (page)
         && g_strcmp0 (gtk_stack_get_visible_child_name (stack), "preparing") != 0;
}

static GtkPopover *
completion_popover (CercleDirectoryPage *page)
{
  g_autoptr(GPtrArray) popovers = g_ptr_array_new ();

  collect_widgets (template_child (page, "commune_entry"), GTK_TYPE_POPOVER, FALSE, popovers);
  g_assert_cmpuint (popovers->len, ==, 1);
  return g_ptr_array_index (popovers, 0);
}

static GtkListView *
completion_list (CercleDirectoryPage *page)
{
  g_autoptr(GPtrArray) lists = g_ptr_array_new ();

  collect_widgets (GTK_WIDGET (completion_popover (page)), GTK_TYPE_LIST_VIEW, FALSE, lists);
  g_assert_cmpuint (lists->len, ==, 1);
  return g_ptr_array_index (lists, 0);
}

static gboolean
completion_shown (gpointer data)
{
  GtkPopover *popover = completion_popover (data);
  GListModel *model = G_LIST_MODEL (gtk_list_view_get_model (completion_list (data)));

  return gtk_widget_get_visible (GTK_WIDGET (popover)) && g_list_model_get_n_items (model) > 0;
}

static gboolean
results_shown (gpointer data)
{
  CercleDirectoryPage *page = data;
  GtkStack *stack = template_child (page, "results_stack");
  GListModel *results = cercle_directory_page_get_results (page);

  return !cercle_directory_page_get_busy (page)
         && results != NULL
         && g_strcmp0 (gtk_stack_get_visible_child_name (stack), "results") == 0;
}

static gboolean
widget_is_visible (gpointer data)
{
  return gtk_widget_get_visible (data);
}

static gboolean
toggle_is_active (gpointer data)
{
  return gtk_toggle_button_get_active (data);
}

typedef struct {
  GtkSingleSelection *selection;
  guint               position;
} SelectionWait;

static gboolean
selection_is (gpointer data)
{
  SelectionWait *wait = data;

  return gtk_single_selection_get_selected (wait->selection) == wait->position;
}

static gboolean
result_is_set (gpointer data)
{
  return *(GAsyncResult **) data != NULL;
}

static void
store_result (GObject      *object,
              GAsyncResult *result,
              gpointer      data)
{
  *(GAsyncResult **) data = g_object_ref (result);
}

/* ---- Steps -------------------------------------------------------------- */

/* The page remembers the last commune and kinds of service (in memory
 * here): each test starts from a first run. */
static void
forget_last_search (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = source ? g_settings_schema_source_lookup (source, APP_ID, TRUE) : NULL;
  g_autoptr(GSettings) settings = NULL;

  if (schema == NULL)
    return;
  settings = g_settings_new (APP_ID);
  g_settings_reset (settings, "directory-commune");
  g_settings_reset (settings, "directory-categories");
}

static CercleDirectoryPage *
open_page_sized (GtkWindow **window_out,
                 int         width,
                 int         height)
{
  GtkWidget *window;
  GtkWidget *page;

  forget_last_search ();
  window = gtk_window_new ();
  page = cercle_directory_page_new ();

  gtk_window_set_default_size (GTK_WINDOW (window), width, height);
  gtk_window_set_child (GTK_WINDOW (window), page);
  gtk_window_present (GTK_WINDOW (window));

  /* First run: the page loads the demonstration directory by itself. */
  wait_until (page_is_ready, page, 60, "the demonstration directory");
  *window_out = GTK_WINDOW (window);

  return CERCLE_DIRECTORY_PAGE (page);
}

static CercleDirectoryPage *
open_page (GtkWindow **window_out)
{
  return open_page_sized (window_out, 1100, 720);
}

/* Types @text as a person would and picks the completion for @insee. */
static void
choose_commune (CercleDirectoryPage *page,
                const char          *text,
                const char          *insee)
{
  GtkEditable *entry = template_child (page, "commune_entry");
  GtkListView *list;
  GListModel *model;
  guint found = GTK_INVALID_LIST_POSITION;

  gtk_widget_grab_focus (GTK_WIDGET (entry));
  gtk_editable_set_text (entry, text);
  wait_until (completion_shown, page, 10, "the commune completion");

  list = completion_list (page);
  model = G_LIST_MODEL (gtk_list_view_get_model (list));
  for (guint i = 0; i < g_list_model_get_n_items (model) && found == GTK_INVALID_LIST_POSITION; i++)
    {
      g_autoptr(CercleCommune) commune = g_list_model_get_item (model, i);

      if (g_str_equal (cercle_commune_get_insee_code (commune), insee))
        found = i;
    }
  g_assert_cmpuint (found, !=, GTK_INVALID_LIST_POSITION);

  /* What a click on the row does (single-click activation). */
  g_signal_emit_by_name (list, "activate", found);

  g_assert_nonnull (cercle_directory_page_get_commune (page));
  g_assert_cmpstr (cercle_commune_get_insee_code (cercle_directory_page_get_commune (page)), ==, insee);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (completion_popover (page))));
}

static void
activate_chip (CercleDirectoryPage *page,
               const char          *id)
{
  g_autofree char *name = g_strdup_printf ("chip-%s", id);
  GtkWidget *chip = find_named (GTK_WIDGET (page), name);

  g_assert_true (GTK_IS_TOGGLE_BUTTON (chip));
  g_assert_false (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (chip)));
  /* GtkButton::activate clicks after its short press animation. */
  gtk_widget_activate (chip);
  wait_until (toggle_is_active, chip, 5, "the chip to turn on");
}

static gboolean
is_french_distance (const char *text)
{
  /* "3,2 km": digits, a comma, one digit, a space (plain or non-breaking,
   * as the translation has it) and the unit. */
  return g_regex_match_simple ("^[0-9]+,[0-9](\\s|\u00a0|\u202f)km$", text, 0, 0);
}

static void
save_screenshot (GtkWidget  *widget,
                 const char *name)
{
  const char *dir = g_getenv ("CERCLE_SCREENSHOT_DIR");
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = NULL;
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);

  if (dir == NULL)
    dir = g_getenv ("CERCLE_TEST_TMPDIR");

  /* A frame may be waiting for its layout (the map moves after a fit):
   * draw once nothing is pending. */
  for (guint attempt = 0; node == NULL && attempt < 50; attempt++)
    {
      g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();

      flush_events (20);
      gdk_paintable_snapshot (paintable, snapshot, width, height);
      node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
    }
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (gtk_widget_get_native (widget)),
                                         node, &GRAPHENE_RECT_INIT (0, 0, width, height));
  path = g_build_filename (dir ? dir : g_get_tmp_dir (), name, NULL);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot: %s", path);
}

static void
close_page (GtkWindow *window)
{
  GtkWidget *page = gtk_window_get_child (window);

  /* Nothing the page started may keep it alive once its window is gone:
   * searches and imports are cancelled, their callbacks let go. */
  g_object_ref (window);
  g_object_ref (page);
  gtk_window_destroy (window);
  flush_events (50);
  g_assert_finalize_object (window);
  for (gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
       G_OBJECT (page)->ref_count > 1 && g_get_monotonic_time () < deadline;)
    flush_events (10);
  g_assert_finalize_object (page);
}

/* ---- Tests -------------------------------------------------------------- */

static void
test_melun_ssiad (void)
{
  GtkWindow *window;
  CercleDirectoryPage *page;
  CercleMapView *map;
  GtkListView *view;
  GtkSingleSelection *selection;
  g_autoptr(GPtrArray) rows = g_ptr_array_new ();
  g_autofree char *csv_path = NULL;
  g_autofree char *csv = NULL;
  g_autoptr(GFile) csv_file = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) lines = NULL;
  GListModel *results;
  GList *markers;
  guint n;

  page = open_page (&window);
  map = template_child (page, "map_view");
  view = template_child (page, "results_view");
  selection = GTK_SINGLE_SELECTION (gtk_list_view_get_model (view));

  choose_commune (page, "Melun", MELUN);
  /* La Poste's base writes names in capitals: compare without case. */
  g_assert_cmpint (g_ascii_strncasecmp (gtk_editable_get_text (template_child (page, "commune_entry")), "Melun", 5), ==, 0);
  activate_chip (page, "ssiad");
  wait_until (results_shown, page, 20, "the SSIAD around Melun");

  results = cercle_directory_page_get_results (page);
  n = g_list_model_get_n_items (results);
  g_assert_cmpuint (n, >=, 3);

  /* Only SSIAD, those covering Melun first, each group nearest first. */
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(CercleStructure) s = g_list_model_get_item (results, i);

      g_assert_cmpstr (cercle_structure_get_category_code (s), ==, "354");
      g_assert_cmpfloat (cercle_structure_get_distance_km (s), >=, 0);
      if (i > 0)
        {
          g_autoptr(CercleStructure) prev = g_list_model_get_item (results, i - 1);

          g_assert_cmpint (cercle_structure_get_covers_commune (prev), >=, cercle_structure_get_covers_commune (s));
          if (cercle_structure_get_covers_commune (prev) == cercle_structure_get_covers_commune (s))
            g_assert_cmpfloat (cercle_structure_get_distance_km (prev), <=, cercle_structure_get_distance_km (s));
        }
    }

  /* The rows a person sees: French distances, numbered as on the map. */
  flush_events (100);
  collect_widgets (GTK_WIDGET (view), CERCLE_TYPE_STRUCTURE_ROW, TRUE, rows);
  g_assert_cmpuint (rows->len, >=, MIN (n, 3));
  for (guint i = 0; i < rows->len; i++)
    {
      CercleStructureRow *row = g_ptr_array_index (rows, i);
      CercleStructure *s = cercle_structure_row_get_structure (row);
      const char *distance = cercle_structure_row_get_distance_text (row);

      g_assert_nonnull (s);
      if (!is_french_distance (distance))
        g_error ("Distance not in French: “%s”", distance);
      g_assert_cmpstr (cercle_structure_row_get_name_text (row), ==, cercle_structure_get_name (s));
      g_assert_cmpint (cercle_structure_row_get_covers_shown (row), ==, cercle_structure_get_covers_commune (s));
    }

  /* The page as a person sees it, once the tiles are drawn. */
  flush_events (500);
  save_screenshot (GTK_WIDGET (window), "directory-page.png");

  /* One marker per row, plus the reference point (Melun). */
  markers = shumate_marker_layer_get_markers (cercle_map_view_get_marker_layer (map));
  g_assert_cmpuint (g_list_length (markers), ==, n + 1);
  g_list_free (markers);
  g_assert_nonnull (cercle_map_view_get_reference_marker (map));
  for (guint i = 0; i < n; i++)
    g_assert_nonnull (cercle_map_view_get_marker (map, i));

  /* Row 2 selected: marker 2 highlighted, and only it. */
  gtk_selection_model_select_item (GTK_SELECTION_MODEL (selection), 1, TRUE);
  g_assert_cmpuint (cercle_map_view_get_selected (map), ==, 1);
  for (guint i = 0; i < n; i++)
    g_assert_cmpint (gtk_widget_has_css_class (GTK_WIDGET (cercle_map_view_get_marker (map, i)), "selected"),
                     ==, i == 1);

  /* The detail pane follows the selection. */
  {
    g_autoptr(CercleStructure) s = g_list_model_get_item (results, 1);
    AdwActionRow *finess_row = template_child (page, "finess_row");

    GdkContentProvider *content;
    GValue value = G_VALUE_INIT;

    g_assert_true (gtk_revealer_get_reveal_child (template_child (page, "detail_revealer")));
    g_assert_cmpstr (adw_action_row_get_subtitle (finess_row), ==, cercle_structure_get_finess (s));

    /* The copy button puts the number on the clipboard. */
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "directory.copy", "s", "finess"));
    content = gdk_clipboard_get_content (gtk_widget_get_clipboard (GTK_WIDGET (page)));
    g_assert_nonnull (content);
    g_value_init (&value, G_TYPE_STRING);
    g_assert_true (gdk_content_provider_get_value (content, &value, NULL));
    g_assert_cmpstr (g_value_get_string (&value), ==, cercle_structure_get_finess (s));
    g_value_unset (&value);
  }

  /* A click on marker 3 selects row 3. */
  gtk_widget_activate (shumate_marker_get_child (cercle_map_view_get_marker (map, 2)));
  wait_until (selection_is, &(SelectionWait) { selection, 2 }, 5, "the marker to select its row");
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (cercle_map_view_get_marker (map, 2)), "selected"));
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (cercle_map_view_get_marker (map, 1)), "selected"));


  /* Export: UTF-8 with a BOM, ';', French headers, the same rows in order. */
  csv_path = g_build_filename (g_getenv ("CERCLE_TEST_TMPDIR"), "ssiad-melun.csv", NULL);
  csv_file = g_file_new_for_path (csv_path);
  cercle_directory_page_export_async (page, csv_file, NULL, store_result, &result);
  wait_until (result_is_set, &result, 10, "the export");
  g_assert_true (cercle_directory_page_export_finish (page, result, &error));
  g_assert_no_error (error);
  g_clear_object (&result);

  g_assert_true (g_file_get_contents (csv_path, &csv, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (csv, "\xEF\xBB\xBF"));
  g_assert_true (g_utf8_validate (csv, -1, NULL));
  g_strdelimit (csv, "\r", '\n');
  lines = g_strsplit (csv + 3, "\n", -1);
  {
    g_autofree char *header = g_utf8_strdown (lines[0], -1);
    guint data_lines = 0;

    g_assert_nonnull (strchr (header, ';'));
    g_assert_nonnull (strstr (header, "nom"));
    g_assert_nonnull (strstr (header, "finess"));
    g_assert_nonnull (strstr (header, "distance"));

    for (guint i = 1; lines[i] != NULL; i++)
      {
        g_autoptr(CercleStructure) s = NULL;

        if (*lines[i] == '\0')
          continue;
        g_assert_cmpuint (data_lines, <, n);
        s = g_list_model_get_item (results, data_lines);
        g_assert_nonnull (strstr (lines[i], cercle_structure_get_finess (s)));
        data_lines++;
      }
    g_assert_cmpuint (data_lines, ==, n);
  }

  close_page (window);
}

static void
test_enter_picks_first (void)
{
  GtkWindow *window;
  CercleDirectoryPage *page;
  GtkEditable *entry;

  page = open_page (&window);
  entry = template_child (page, "commune_entry");

  /* The last commune is remembered only with the settings schema. */
  if (cercle_directory_page_get_commune (page) != NULL)
    cercle_directory_page_set_commune (page, NULL);

  gtk_widget_grab_focus (GTK_WIDGET (entry));
  gtk_editable_set_text (entry, "Fontainebleau");
  wait_until (completion_shown, page, 10, "the commune completion");

  /* Enter in the field takes the first completion. */
  g_signal_emit_by_name (entry, "activate");
  g_assert_nonnull (cercle_directory_page_get_commune (page));
  g_assert_cmpstr (cercle_commune_get_insee_code (cercle_directory_page_get_commune (page)), ==, FONTAINEBLEAU);

  /* No chip: every kind of service, still nearest first. */
  wait_until (results_shown, page, 20, "the services around Fontainebleau");
  g_assert_cmpuint (g_list_model_get_n_items (cercle_directory_page_get_results (page)), >, 0);

  close_page (window);
}

static AdwMessageDialog *
find_message_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) window = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (window) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return ADW_MESSAGE_DIALOG (window);
    }

  return NULL;
}

static gboolean
report_shown (gpointer data)
{
  return find_message_dialog () != NULL;
}

static gboolean
status_shown (gpointer data)
{
  CercleDirectoryPage *page = data;
  GtkStack *stack = template_child (page, "results_stack");

  return !cercle_directory_page_get_busy (page)
         && g_strcmp0 (gtk_stack_get_visible_child_name (stack), "no-results") == 0;
}

static void
test_import_report (void)
{
  g_autofree char *db = g_build_filename (g_getenv ("CERCLE_TEST_TMPDIR"), "import.db", NULL);
  g_autofree char *csv = g_build_filename (g_getenv ("CERCLE_TEST_TMPDIR"), "communes.csv", NULL);
  g_autofree char *saved_demo = g_strdup (g_getenv ("CERCLE_DEMO_DIR"));
  g_autofree char *empty_dir = g_build_filename (g_getenv ("CERCLE_TEST_TMPDIR"), "no-demo", NULL);
  g_autoptr(CercleDirectory) directory = cercle_directory_new (db);
  g_autoptr(GFile) file = g_file_new_for_path (csv);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) labels = g_ptr_array_new ();
  GtkWidget *window = gtk_window_new ();
  GtkWidget *page;
  AdwMessageDialog *dialog;
  GtkWidget *extra;
  gboolean line_listed = FALSE;
  const char *content =
    "Code_commune_INSEE;Nom_commune;Code_postal;Ligne_5;Libellé_d_acheminement;coordonnees_gps\n"
    "77288;MELUN;77000;;MELUN;48.5421,2.6554\n"
    "77186;FONTAINEBLEAU;77300;;FONTAINEBLEAU;48.4047,2.7016\n"
    "77999;NULLE PART;77999\n";

  g_assert_true (g_file_set_contents (csv, content, -1, &error));
  g_assert_no_error (error);

  forget_last_search ();

  /* A store of its own without demonstration data: only what is imported. */
  g_assert_cmpint (g_mkdir_with_parents (empty_dir, 0700), ==, 0);
  g_setenv ("CERCLE_DEMO_DIR", empty_dir, TRUE);
  page = g_object_new (CERCLE_TYPE_DIRECTORY_PAGE, "directory", directory, NULL);
  gtk_window_set_default_size (GTK_WINDOW (window), 1000, 700);
  gtk_window_set_child (GTK_WINDOW (window), page);
  gtk_window_present (GTK_WINDOW (window));
  wait_until (page_is_ready, page, 30, "the page");

  /* The progress banner shows while the import runs, the page stays usable. */
  cercle_directory_page_import_files (CERCLE_DIRECTORY_PAGE (page), &file, 1);
  g_assert_true (gtk_revealer_get_reveal_child (template_child (CERCLE_DIRECTORY_PAGE (page), "import_revealer")));
  g_assert_false (gtk_widget_get_sensitive (template_child (CERCLE_DIRECTORY_PAGE (page), "import_button")));
  wait_until (report_shown, NULL, 30, "the import report");
  g_assert_false (gtk_revealer_get_reveal_child (template_child (CERCLE_DIRECTORY_PAGE (page), "import_revealer")));

  /* What was imported and what was skipped, with the line. */
  dialog = find_message_dialog ();
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Annuaire importé");
  g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), "2 communes importées"));
  g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), "1 ligne ignorée"));
  extra = adw_message_dialog_get_extra_child (dialog);
  g_assert_true (GTK_IS_EXPANDER (extra));
  {
    g_autoptr(GPtrArray) views = g_ptr_array_new ();
    GtkTextBuffer *buffer;
    GtkTextIter start, end;
    g_autofree char *text = NULL;

    /* A collapsed expander keeps its child out of the widget tree. */
    collect_widgets (gtk_expander_get_child (GTK_EXPANDER (extra)), GTK_TYPE_TEXT_VIEW, FALSE, views);
    g_assert_cmpuint (views->len, ==, 1);
    buffer = gtk_text_view_get_buffer (g_ptr_array_index (views, 0));
    gtk_text_buffer_get_bounds (buffer, &start, &end);
    text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
    line_listed = strstr (text, "communes.csv:4") != NULL;
  }
  g_assert_true (line_listed);
  gtk_window_destroy (GTK_WINDOW (dialog));

  /* The communes are there; no structure yet: the empty state says so. */
  choose_commune (CERCLE_DIRECTORY_PAGE (page), "Melun", MELUN);
  wait_until (status_shown, page, 20, "the empty state");
  collect_widgets (template_child (CERCLE_DIRECTORY_PAGE (page), "results_stack"), GTK_TYPE_LABEL, TRUE, labels);
  {
    gboolean found = FALSE;

    for (guint i = 0; i < labels->len; i++)
      if (g_strcmp0 (gtk_label_get_label (g_ptr_array_index (labels, i)), "Aucun résultat") == 0)
        found = TRUE;
    g_assert_true (found);
  }
  g_assert_false (gtk_widget_get_sensitive (template_child (CERCLE_DIRECTORY_PAGE (page), "export_button")));

  close_page (GTK_WINDOW (window));
  g_setenv ("CERCLE_DEMO_DIR", saved_demo, TRUE);
}

static gboolean
import_hidden (gpointer data)
{
  return !gtk_revealer_get_reveal_child (template_child (data, "import_revealer"))
         && gtk_widget_get_sensitive (template_child (data, "import_button"));
}

static gboolean
label_shown (GtkWidget  *root,
             const char *text)
{
  g_autoptr(GPtrArray) labels = g_ptr_array_new ();

  collect_widgets (root, GTK_TYPE_LABEL, TRUE, labels);
  for (guint i = 0; i < labels->len; i++)
    if (g_strcmp0 (gtk_label_get_label (g_ptr_array_index (labels, i)), text) == 0)
      return TRUE;

  return FALSE;
}

static void
test_import_cancel (void)
{
  const char *shared = g_getenv ("CERCLE_SHARED_DATA");
  g_autofree char *path = NULL;
  g_autoptr(GFile) file = NULL;
  GtkWindow *window;
  CercleDirectoryPage *page;
  guint before;

  g_assert_nonnull (shared);
  path = g_build_filename (shared, "finess-fhir", "etab0-10000.ndjson.gz", NULL);
  file = g_file_new_for_path (path);

  page = open_page (&window);
  choose_commune (page, "Melun", MELUN);
  wait_until (results_shown, page, 20, "the services around Melun");
  before = g_list_model_get_n_items (cercle_directory_page_get_results (page));

  /* Ten thousand real FINESS sites: long enough to be cancelled. */
  cercle_directory_page_import_files (page, &file, 1);
  g_assert_true (gtk_revealer_get_reveal_child (template_child (page, "import_revealer")));
  flush_events (50);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "directory.cancel-import", NULL));
  wait_until (import_hidden, page, 30, "the import to stop");

  /* All or nothing: nothing was imported, no report, a toast says so. */
  g_assert_null (find_message_dialog ());
  g_assert_true (label_shown (template_child (page, "toast_overlay"), "Importation annulée"));
  cercle_directory_page_set_commune (page, cercle_directory_page_get_commune (page));
  wait_until (results_shown, page, 20, "the services around Melun again");
  g_assert_cmpuint (g_list_model_get_n_items (cercle_directory_page_get_results (page)), ==, before);

  close_page (window);
}

static void
count_request (SoupServer        *server,
               SoupServerMessage *msg,
               const char        *path,
               GHashTable        *query,
               gpointer           data)
{
  (*(guint *) data)++;
  soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
}

static gboolean
requests_arrived (gpointer data)
{
  return *(guint *) data > 0;
}

/* GSettings chooses the tiles: a URL, or local drawing when it is empty,
 * when map-offline is set, or without network. */
static void
test_tile_settings (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autoptr(SoupServer) server = soup_server_new (NULL, NULL);
  g_autoptr(GSList) uris = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  GNetworkMonitor *network = g_network_monitor_get_default ();
  GtkWindow *window;
  CercleDirectoryPage *page;
  CercleMapView *map;
  guint requests = 0;

  soup_server_add_handler (server, NULL, count_request, &requests, NULL);
  g_assert_true (soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (server);
  url = g_strdup_printf ("http://127.0.0.1:%d/{z}/{x}/{y}.png", g_uri_get_port (uris->data));
  g_slist_free_full (g_steal_pointer (&uris), (GDestroyNotify) g_uri_unref);

  /* This test alone lets the page read the settings; the tile server is
   * local, so nothing leaves the machine. */
  g_unsetenv ("CERCLE_OFFLINE_MAP");
  g_settings_set_string (settings, "tile-url", "");
  page = open_page (&window);
  map = template_child (page, "map_view");
  g_assert_true (cercle_map_view_get_offline (map));

  g_settings_set_string (settings, "tile-url", url);
  if (g_network_monitor_get_network_available (network))
    {
      g_test_message ("network available: tiles from %s", url);
      g_assert_false (cercle_map_view_get_offline (map));
      wait_until (requests_arrived, &requests, 10, "tile requests");
    }
  else
    {
      g_test_message ("no network: tiles drawn locally");
      g_assert_true (cercle_map_view_get_offline (map));
    }

  g_settings_set_boolean (settings, "map-offline", TRUE);
  g_assert_true (cercle_map_view_get_offline (map));

  close_page (window);
  g_settings_reset (settings, "tile-url");
  g_settings_reset (settings, "map-offline");
  g_setenv ("CERCLE_OFFLINE_MAP", "1", TRUE);
}

static void
test_close_while_busy (void)
{
  const char *shared = g_getenv ("CERCLE_SHARED_DATA");
  g_autofree char *path = g_build_filename (shared, "finess-fhir", "etab10001-20000.ndjson.gz", NULL);
  g_autofree char *csv_path = g_build_filename (g_getenv ("CERCLE_TEST_TMPDIR"), "closing.csv", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFile) csv = g_file_new_for_path (csv_path);
  GtkWindow *window;
  CercleDirectoryPage *page;

  /* Import, search and export all running when the window closes: the page
   * cancels them and goes away without a warning. */
  page = open_page (&window);
  choose_commune (page, "Melun", MELUN);
  wait_until (results_shown, page, 20, "the services around Melun");
  cercle_directory_page_import_files (page, &file, 1);
  cercle_directory_page_set_commune (page, cercle_directory_page_get_commune (page));
  cercle_directory_page_export_async (page, csv, NULL, NULL, NULL);
  close_page (window);
}

static void
test_in_window (void)
{
  g_autoptr(CercleApplication) app = cercle_application_new ();
  g_autoptr(GPtrArray) pages = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  CercleDirectoryPage *page;
  CercleWindow *window;
  GtkSingleSelection *selection;

  forget_last_search ();
  g_application_register (G_APPLICATION (app), NULL, &error);
  g_assert_no_error (error);
  g_application_hold (G_APPLICATION (app));

  /* The page where the app puts it: the "Annuaire" section of the window. */
  window = cercle_window_new (app);
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  gtk_window_present (GTK_WINDOW (window));
  cercle_window_set_page (window, "directory");
  collect_widgets (GTK_WIDGET (window), CERCLE_TYPE_DIRECTORY_PAGE, FALSE, pages);
  g_assert_cmpuint (pages->len, ==, 1);
  page = g_ptr_array_index (pages, 0);
  wait_until (page_is_ready, page, 60, "the demonstration directory");

  choose_commune (page, "Melun", MELUN);
  activate_chip (page, "ssiad");
  wait_until (results_shown, page, 20, "the SSIAD around Melun");
  g_assert_cmpuint (g_list_model_get_n_items (cercle_directory_page_get_results (page)), >, 0);

  /* The nearest highlighted, the tiles drawn: the README's picture. */
  selection = GTK_SINGLE_SELECTION (gtk_list_view_get_model (template_child (page, "results_view")));
  gtk_single_selection_set_selected (selection, 0);
  flush_events (1000);
  save_screenshot (GTK_WIDGET (window), "directory.png");

  g_object_ref (window);
  gtk_window_destroy (GTK_WINDOW (window));
  flush_events (50);
  g_assert_finalize_object (window);
  g_application_release (G_APPLICATION (app));
}

static gboolean
leaflet_shows_map (gpointer data)
{
  CercleDirectoryPage *page = data;
  AdwLeaflet *leaflet = template_child (page, "results_leaflet");

  return adw_leaflet_get_visible_child (leaflet) == GTK_WIDGET (template_child (page, "map_box"))
         && gtk_widget_get_mapped (GTK_WIDGET (template_child (page, "map_view")));
}

static void
test_narrow (void)
{
  GtkWindow *window;
  CercleDirectoryPage *page;
  GtkToggleButton *map_toggle;
  AdwLeaflet *leaflet;

  /* A phone-sized window: the page fits, the list and the map take turns. */
  page = open_page_sized (&window, 360, 640);
  flush_events (200);
  leaflet = template_child (page, "results_leaflet");
  map_toggle = template_child (page, "map_toggle");
  g_assert_true (adw_leaflet_get_folded (leaflet));
  wait_until (widget_is_visible, map_toggle, 5, "the map button");

  choose_commune (page, "Melun", MELUN);
  activate_chip (page, "ssiad");
  wait_until (results_shown, page, 20, "the SSIAD around Melun");
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (template_child (page, "results_view"))));
  g_assert_false (gtk_widget_get_mapped (GTK_WIDGET (template_child (page, "map_view"))));

  gtk_toggle_button_set_active (map_toggle, TRUE);
  wait_until (leaflet_shows_map, page, 5, "the map");
  flush_events (300);
  save_screenshot (GTK_WIDGET (window), "directory-narrow.png");

  /* Back to the list, as the back gesture would. */
  adw_leaflet_navigate (leaflet, ADW_NAVIGATION_DIRECTION_BACK);
  flush_events (300);
  g_assert_false (gtk_toggle_button_get_active (map_toggle));

  close_page (window);
}

static gboolean
press_key (GtkWidget *widget,
           guint      keyval)
{
  GListModel *controllers = gtk_widget_observe_controllers (widget);
  gboolean handled = FALSE;

  /* What a key press reaches first: the capture-phase key controllers. */
  for (guint i = 0; i < g_list_model_get_n_items (controllers) && !handled; i++)
    {
      g_autoptr(GtkEventController) controller = g_list_model_get_item (controllers, i);

      if (GTK_IS_EVENT_CONTROLLER_KEY (controller)
          && gtk_event_controller_get_propagation_phase (controller) == GTK_PHASE_CAPTURE)
        g_signal_emit_by_name (controller, "key-pressed", keyval, 0, 0, &handled);
    }
  g_object_unref (controllers);

  return handled;
}

static void
test_keyboard_completion (void)
{
  GtkWindow *window;
  CercleDirectoryPage *page = open_page (&window);
  GtkWidget *entry = template_child (page, "commune_entry");
  GtkSingleSelection *selection;
  g_autoptr(CercleCommune) second = NULL;
  guint n;

  gtk_widget_grab_focus (entry);
  gtk_editable_set_text (GTK_EDITABLE (entry), "Me");
  wait_until (completion_shown, page, 10, "the commune completion");
  selection = GTK_SINGLE_SELECTION (gtk_list_view_get_model (completion_list (page)));
  n = g_list_model_get_n_items (G_LIST_MODEL (selection));
  g_assert_cmpuint (n, >=, 2);

  /* The first completion is highlighted; Down moves, Up comes back, Down
   * again, and Enter takes the highlighted one. */
  g_assert_cmpuint (gtk_single_selection_get_selected (selection), ==, 0);
  g_assert_true (press_key (entry, GDK_KEY_Down));
  g_assert_cmpuint (gtk_single_selection_get_selected (selection), ==, 1);
  g_assert_true (press_key (entry, GDK_KEY_Up));
  g_assert_cmpuint (gtk_single_selection_get_selected (selection), ==, 0);
  g_assert_true (press_key (entry, GDK_KEY_Down));
  second = g_list_model_get_item (G_LIST_MODEL (selection), 1);
  g_assert_true (press_key (entry, GDK_KEY_Return));
  g_assert_true (cercle_directory_page_get_commune (page) == second
                 || g_str_equal (cercle_commune_get_insee_code (cercle_directory_page_get_commune (page)),
                                 cercle_commune_get_insee_code (second)));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (completion_popover (page))));

  /* With the list closed, arrows are the entry's own again. */
  g_assert_false (press_key (entry, GDK_KEY_Down));

  close_page (window);
}

/* ---- Issue 18: the page as a French user meets it ----------------------- */

static gboolean
stack_is (CercleDirectoryPage *page,
          const char          *name)
{
  return g_strcmp0 (gtk_stack_get_visible_child_name (template_child (page, "results_stack")), name) == 0;
}

static gboolean
unknown_shown (gpointer data)
{
  return stack_is (data, "unknown-commune")
         && gtk_widget_get_first_child (template_child (data, "suggestions_box")) != NULL;
}

static gboolean
stack_is_unknown_any (gpointer data)
{
  return stack_is (data, "unknown-commune");
}

static gboolean
commune_is_melun (gpointer data)
{
  CercleCommune *commune = cercle_directory_page_get_commune (data);

  return commune != NULL && g_str_equal (cercle_commune_get_insee_code (commune), MELUN);
}

/* « melum »: the page says the commune is not known, offers the closest
 * names, and the answer for the previous commune is gone. */
static void
test_unknown_commune (void)
{
  GtkWindow *window;
  CercleDirectoryPage *page = open_page (&window);
  GtkEditable *entry = template_child (page, "commune_entry");
  AdwStatusPage *status = template_child (page, "unknown_commune_page");
  GtkWidget *first;
  GtkWidget *button;

  choose_commune (page, "Fontainebleau", FONTAINEBLEAU);
  activate_chip (page, "ssiad");
  wait_until (results_shown, page, 20, "the SSIAD around Fontainebleau");
  g_assert_cmpuint (g_list_model_get_n_items (cercle_directory_page_get_results (page)), >, 0);

  gtk_widget_grab_focus (GTK_WIDGET (entry));
  gtk_editable_set_text (entry, "melum");
  wait_until (unknown_shown, page, 10, "the unknown commune");

  /* Nothing of Fontainebleau stays under the new text. */
  g_assert_null (cercle_directory_page_get_commune (page));
  g_assert_cmpuint (g_list_model_get_n_items (cercle_directory_page_get_results (page)), ==, 0);
  g_assert_cmpstr (adw_status_page_get_title (status), ==, "« melum » n’est pas dans l’annuaire");
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (completion_popover (page))));

  flush_events (500);
  save_screenshot (GTK_WIDGET (window), "directory-unknown-commune.png");

  /* The closest name first: Melun, one letter off. */
  first = gtk_widget_get_first_child (template_child (page, "suggestions_box"));
  button = gtk_flow_box_child_get_child (GTK_FLOW_BOX_CHILD (first));
  g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (button)), ==, "Melun (77000)");
  gtk_widget_activate (button);
  wait_until (commune_is_melun, page, 5, "the suggestion to be taken");
  wait_until (results_shown, page, 20, "the SSIAD around Melun");
  g_assert_cmpstr (gtk_editable_get_text (entry), ==, "Melun (77000)");

  /* Enter on a name that matches nothing keeps saying so. */
  gtk_editable_set_text (entry, "Xyzville");
  g_signal_emit_by_name (entry, "activate");
  wait_until (stack_is_unknown_any, page, 10, "the unknown commune, again");
  g_assert_null (cercle_directory_page_get_commune (page));
  g_assert_cmpuint (g_list_model_get_n_items (cercle_directory_page_get_results (page)), ==, 0);

  close_page (window);
}

/* « 77000 » then Enter at once: Melun, the most populous of the four
 * communes of that postcode, even before the completion list came. */
static void
test_shared_postcode (void)
{
  GtkWindow *window;
  CercleDirectoryPage *page = open_page (&window);
  GtkEditable *entry = template_child (page, "commune_entry");
  GListModel *model;
  const char *order[] = { "77288", "77487", "77389", "77255" };

  gtk_widget_grab_focus (GTK_WIDGET (entry));
  gtk_editable_set_text (entry, "77000");
  g_signal_emit_by_name (entry, "activate");
  wait_until (commune_is_melun, page, 10, "Melun from 77000");
  g_assert_cmpstr (gtk_editable_get_text (entry), ==, "Melun (77000)");

  /* The completion list in the same order. */
  gtk_editable_set_text (entry, "77000 ");
  wait_until (completion_shown, page, 10, "the completion of 77000");
  model = G_LIST_MODEL (gtk_list_view_get_model (completion_list (page)));
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, G_N_ELEMENTS (order));
  for (guint i = 0; i < G_N_ELEMENTS (order); i++)
    {
      g_autoptr(CercleCommune) c = g_list_model_get_item (model, i);

      g_assert_cmpstr (cercle_commune_get_insee_code (c), ==, order[i]);
    }

  /* Accents and proper case, from INSEE's list; typed without them. */
  gtk_editable_set_text (entry, "vaux le penil");
  wait_until (completion_shown, page, 10, "the completion of vaux le penil");
  {
    g_autoptr(CercleCommune) c = g_list_model_get_item (G_LIST_MODEL (gtk_list_view_get_model (completion_list (page))), 0);

    g_assert_cmpstr (cercle_commune_get_name (c), ==, "Vaux-le-Pénil");
  }
  close_page (window);
}

static gboolean
adjustment_scrolls (gpointer data)
{
  return gtk_adjustment_get_upper (data) > gtk_adjustment_get_page_size (data) + 1;
}

static gboolean
results_are_melun_all (gpointer data)
{
  return results_shown (data) && commune_is_melun (data)
         && g_list_model_get_n_items (cercle_directory_page_get_results (data)) > 0;
}

static gboolean
more_results (gpointer data)
{
  return results_shown (data) && g_list_model_get_n_items (cercle_directory_page_get_results (data)) > 30;
}

/* A new list starts at its first row and at the top; the detail at its
 * top; names wrap; the cap is said, and more are offered. */
static void
test_new_list (void)
{
  GtkWindow *window;
  CercleDirectoryPage *page = open_page_sized (&window, 1100, 560);
  GtkListView *view = template_child (page, "results_view");
  GtkSingleSelection *selection = GTK_SINGLE_SELECTION (gtk_list_view_get_model (view));
  GtkAdjustment *list_adj = gtk_scrolled_window_get_vadjustment (template_child (page, "results_scroller"));
  GtkAdjustment *detail_adj = gtk_scrolled_window_get_vadjustment (template_child (page, "detail_scroller"));
  GtkLabel *summary = template_child (page, "results_label");
  GtkWidget *more = template_child (page, "more_button");
  GtkLabel *title = template_child (page, "detail_title");
  g_autoptr(GPtrArray) rows = g_ptr_array_new ();

  /* Every kind of service around Melun: the demo has 41, the list 30. */
  choose_commune (page, "Melun", MELUN);
  wait_until (results_are_melun_all, page, 20, "the services around Melun");
  g_assert_cmpuint (g_list_model_get_n_items (cercle_directory_page_get_results (page)), ==, 30);
  g_assert_nonnull (strstr (gtk_label_get_label (summary), "30 premiers résultats"));
  g_assert_true (gtk_widget_get_visible (more));

  /* Far down the list, row 12 chosen, its detail scrolled. */
  gtk_single_selection_set_selected (selection, 11);
  wait_until (adjustment_scrolls, list_adj, 10, "the list to be longer than its window");
  gtk_adjustment_set_value (list_adj, gtk_adjustment_get_upper (list_adj));
  flush_events (100);
  g_assert_cmpfloat (gtk_adjustment_get_value (list_adj), >, 0);
  gtk_adjustment_set_value (detail_adj, gtk_adjustment_get_upper (detail_adj));

  /* Another commune: the new list at its first row, at the top. */
  choose_commune (page, "Fontainebleau", FONTAINEBLEAU);
  wait_until (results_shown, page, 20, "the services around Fontainebleau");
  flush_events (100);
  g_assert_cmpuint (gtk_single_selection_get_selected (selection), ==, 0);
  g_assert_cmpfloat (gtk_adjustment_get_value (list_adj), ==, 0);
  g_assert_cmpfloat (gtk_adjustment_get_value (detail_adj), ==, 0);

  /* Another row: the detail from its top. */
  gtk_adjustment_set_value (detail_adj, gtk_adjustment_get_upper (detail_adj));
  gtk_single_selection_set_selected (selection, 3);
  g_assert_cmpfloat (gtk_adjustment_get_value (detail_adj), ==, 0);

  /* Names wrap, in the list and in the detail, and are never cut. */
  g_assert_true (gtk_label_get_wrap (title));
  g_assert_cmpint (gtk_label_get_ellipsize (title), ==, PANGO_ELLIPSIZE_NONE);
  collect_widgets (GTK_WIDGET (view), CERCLE_TYPE_STRUCTURE_ROW, TRUE, rows);
  g_assert_cmpuint (rows->len, >, 0);
  {
    g_autoptr(GPtrArray) labels = g_ptr_array_new ();
    GtkWidget *row = g_ptr_array_index (rows, 0);

    collect_widgets (row, GTK_TYPE_LABEL, FALSE, labels);
    for (guint i = 0; i < labels->len; i++)
      if (g_strcmp0 (gtk_label_get_label (g_ptr_array_index (labels, i)),
                     cercle_structure_row_get_name_text (CERCLE_STRUCTURE_ROW (row))) == 0)
        {
          g_assert_true (gtk_label_get_wrap (g_ptr_array_index (labels, i)));
          g_assert_cmpint (gtk_label_get_ellipsize (g_ptr_array_index (labels, i)), ==, PANGO_ELLIPSIZE_NONE);
        }

    /* The list item a screen reader lands on carries the row's text. */
    g_assert_true (gtk_test_accessible_has_property (GTK_ACCESSIBLE (gtk_widget_get_parent (row)),
                                                     GTK_ACCESSIBLE_PROPERTY_LABEL));
  }

  /* More: the next ones, and no more button once all are there. */
  gtk_widget_activate (more);
  wait_until (more_results, page, 20, "more results");
  {
    /* The demo's 41, or more when an earlier test imported some. */
    guint n = g_list_model_get_n_items (cercle_directory_page_get_results (page));

    g_assert_cmpuint (n, >, 30);
    g_assert_cmpuint (n, <=, 60);
    g_assert_cmpint (gtk_widget_get_visible (more), ==, n == 60);
    g_assert_cmpint (strstr (gtk_label_get_label (summary), "60 premiers résultats") != NULL, ==, n == 60);
  }

  /* Tab leaves the list in one step, from any row. */
  g_ptr_array_set_size (rows, 0);
  flush_events (100);
  collect_widgets (GTK_WIDGET (view), CERCLE_TYPE_STRUCTURE_ROW, TRUE, rows);
  g_assert_cmpuint (rows->len, >, 3);
  g_assert_true (gtk_widget_grab_focus (gtk_widget_get_parent (g_ptr_array_index (rows, 2))));
  flush_events (50);
  g_assert_true (gtk_widget_is_ancestor (gtk_root_get_focus (GTK_ROOT (window)), GTK_WIDGET (view))
                 || gtk_root_get_focus (GTK_ROOT (window)) == GTK_WIDGET (view));
  g_assert_true (press_key (GTK_WIDGET (view), GDK_KEY_Tab));
  g_assert_false (gtk_widget_is_ancestor (gtk_root_get_focus (GTK_ROOT (window)), GTK_WIDGET (view)));
  g_assert_true (gtk_widget_get_can_focus (GTK_WIDGET (view)));

  close_page (window);
}

static gboolean
error_shown (gpointer data)
{
  return gtk_revealer_get_reveal_child (template_child (data, "error_revealer"));
}

/* The small texts: chips spelled out, the cancel button named once, a long
 * failure in full, the export named and placed. */
static void
test_small_texts (void)
{
  GtkWindow *window;
  CercleDirectoryPage *page = open_page (&window);
  GtkWidget *chip = find_named (GTK_WIDGET (page), "chip-ssiad");
  GtkWidget *cancel_label = template_child (page, "import_cancel_label");
  g_autofree char *bad = g_build_filename (g_getenv ("CERCLE_TEST_TMPDIR"), "broken-download.csv.gz", NULL);
  g_autoptr(GFile) bad_file = g_file_new_for_path (bad);
  g_autoptr(GFile) export = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *path = NULL;
  GtkLabel *error_label = template_child (page, "error_label");
  char *message;

  /* The acronym spelled out, for the eye and for a screen reader. */
  g_assert_cmpstr (gtk_widget_get_tooltip_text (chip), ==, "Service de soins infirmiers à domicile (SSIAD)");
  message = gtk_test_accessible_check_property (GTK_ACCESSIBLE (chip), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                                "Service de soins infirmiers à domicile (SSIAD)");
  g_assert_null (message);

  /* « Annuler l’importation », not « Annuler l’importation Annuler ». */
  message = gtk_test_accessible_check_state (GTK_ACCESSIBLE (cancel_label), GTK_ACCESSIBLE_STATE_HIDDEN, TRUE);
  g_assert_null (message);
  message = gtk_test_accessible_check_property (GTK_ACCESSIBLE (template_child (page, "import_cancel_button")),
                                                GTK_ACCESSIBLE_PROPERTY_LABEL, "Annuler l’importation");
  g_assert_null (message);

  /* A long failure, in full, wrapped: a cut gzip file. */
  {
    g_autofree char *demo = g_build_filename (g_getenv ("CERCLE_DEMO_DIR"), "communes-demo.csv", NULL);
    g_autofree char *contents = NULL;
    g_autoptr(GZlibCompressor) gzip = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, 6);
    g_autoptr(GError) error = NULL;
    char packed[8192];
    gsize len, read, written;

    g_assert_true (g_file_get_contents (demo, &contents, &len, &error));
    g_converter_convert (G_CONVERTER (gzip), contents, len, packed, sizeof packed, G_CONVERTER_INPUT_AT_END,
                         &read, &written, &error);
    g_assert_no_error (error);
    g_assert_true (g_file_set_contents (bad, packed, written / 2, &error));
  }
  cercle_directory_page_import_files (page, &bad_file, 1);
  wait_until (error_shown, page, 20, "the import error");
  g_assert_true (gtk_label_get_wrap (error_label));
  g_assert_cmpint (gtk_label_get_ellipsize (error_label), ==, PANGO_ELLIPSIZE_NONE);
  g_assert_nonnull (strstr (gtk_label_get_label (error_label), "L’importation a échoué, l’annuaire est inchangé"));
  g_assert_nonnull (strstr (gtk_label_get_label (error_label), "fichier compressé tronqué"));
  g_assert_nonnull (strstr (gtk_label_get_label (error_label), "(téléchargement interrompu ?)"));
  gtk_widget_activate_action (GTK_WIDGET (page), "directory.dismiss-error", NULL);
  g_assert_false (gtk_revealer_get_reveal_child (template_child (page, "error_revealer")));

  /* INSEE's list through « Importer… »: its count grouped the French way
   * (glibc writes a narrow no-break space). */
  {
    g_autofree char *cog = g_build_filename (g_getenv ("CERCLE_SHARED_DATA"), "communes", "communes-cog.json.gz",
                                             NULL);
    g_autoptr(GFile) cog_file = g_file_new_for_path (cog);
    AdwMessageDialog *dialog;

    cercle_directory_page_import_files (page, &cog_file, 1);
    wait_until (report_shown, NULL, 60, "the import report");
    dialog = find_message_dialog ();
    g_test_message ("%s", adw_message_dialog_get_body (dialog));
    g_assert_true (g_regex_match_simple ("^0 structure et 35( | | )014 communes importées",
                                         adw_message_dialog_get_body (dialog), 0, 0));
    gtk_window_destroy (GTK_WINDOW (dialog));
  }

  /* The export: in Documents, named after the kinds and the commune. */
  choose_commune (page, "Dammarie", "77152");
  activate_chip (page, "ssiad");
  wait_until (results_shown, page, 20, "the SSIAD around Dammarie-les-Lys");
  export = cercle_directory_page_dup_export_file (page);
  path = g_file_get_path (export);
  expected = g_build_filename (g_get_home_dir (), "Documents", "annuaire-ssiad-dammarie-les-lys.csv", NULL);
  g_assert_cmpstr (path, ==, expected);

  close_page (window);
}

int
main (int   argc,
      char *argv[])
{
  const char *source_dir = g_getenv ("CERCLE_SOURCE_DIR");
  const char *build_dir = g_getenv ("CERCLE_BUILD_DIR");
  const char *tmp = g_getenv ("CERCLE_TEST_TMPDIR");
  g_autofree char *localedir = NULL;
  g_autofree char *demo_dir = NULL;
  g_autofree char *db = NULL;

  g_assert_nonnull (source_dir);
  g_assert_nonnull (build_dir);
  g_assert_nonnull (tmp);

  /* A fresh store in the test's own folder, first-run demo data from the
   * source tree, tiles drawn locally. */
  db = g_build_filename (tmp, "directory-page.db", NULL);
  demo_dir = g_build_filename (source_dir, "data", "demo", NULL);
  g_assert_true (g_file_test (demo_dir, G_FILE_TEST_IS_DIR));
  g_setenv ("CERCLE_DB", db, TRUE);
  g_setenv ("CERCLE_DEMO_DIR", demo_dir, TRUE);
  g_setenv ("CERCLE_OFFLINE_MAP", "1", TRUE);

  /* A Documents folder, as a desktop session has one (xdg-user-dirs). */
  {
    g_autofree char *documents = g_build_filename (g_get_home_dir (), "Documents", NULL);
    g_autofree char *config = g_build_filename (g_get_user_config_dir (), "user-dirs.dirs", NULL);

    g_assert_cmpint (g_mkdir_with_parents (documents, 0700), ==, 0);
    g_assert_cmpint (g_mkdir_with_parents (g_get_user_config_dir (), 0700), ==, 0);
    g_assert_true (g_file_set_contents (config, "XDG_DOCUMENTS_DIR=\"$HOME/Documents\"\n", -1, NULL));
    g_reload_user_special_dirs_cache ();
  }

  /* French, as a user has it: gtk_test_init would force en_US. */
  g_assert_nonnull (setlocale (LC_ALL, "fr_FR.UTF-8"));
  localedir = g_build_filename (build_dir, "po", NULL);
  bindtextdomain (GETTEXT_PACKAGE, localedir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  gtk_disable_setlocale ();

  /* GTK's test accessibility backend keeps what widgets tell screen
   * readers, for the tests to read (the wrapper's "none" drops it). */
  g_setenv ("GTK_A11Y", "test", TRUE);
  g_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add_func ("/directory-page/melun-ssiad", test_melun_ssiad);
  g_test_add_func ("/directory-page/enter-picks-first", test_enter_picks_first);
  g_test_add_func ("/directory-page/keyboard-completion", test_keyboard_completion);
  g_test_add_func ("/directory-page/import-report", test_import_report);
  g_test_add_func ("/directory-page/import-cancel", test_import_cancel);
  g_test_add_func ("/directory-page/close-while-busy", test_close_while_busy);
  g_test_add_func ("/directory-page/narrow", test_narrow);
  g_test_add_func ("/directory-page/tile-settings", test_tile_settings);
  g_test_add_func ("/directory-page/in-window", test_in_window);
  g_test_add_func ("/directory-page/unknown-commune", test_unknown_commune);
  g_test_add_func ("/directory-page/shared-postcode", test_shared_postcode);
  g_test_add_func ("/directory-page/new-list", test_new_list);
  g_test_add_func ("/directory-page/small-texts", test_small_texts);

  return g_test_run ();
}
