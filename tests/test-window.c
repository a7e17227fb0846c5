/* test-window.c — the main window, in French, as a person sees it
 *
 * Runs under fr_FR.UTF-8 with the translations of the build tree, under the
 * Xvfb of build-aux/test-wrapper.sh, and asserts on the labels that are
 * mapped on screen.
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "cercle-application.h"
#include "cercle-window.h"

static CercleApplication *app;

static void
wait_until_mapped (GtkWidget *widget)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (!gtk_widget_get_mapped (widget))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
}

/* Let pending layout, transitions and idles run. */
static void
flush_events (void)
{
  gint64 until = g_get_monotonic_time () + 100 * 1000;

  while (g_get_monotonic_time () < until)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (5 * 1000);
}

/* Runs the main loop until COND holds; fails after 10 s. What is on screen
 * changes on the next frames, later on a loaded machine. */
#define WAIT_FOR(cond) \
  G_STMT_START { \
    gint64 wait_deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC; \
    while (!(cond)) \
      { \
        g_assert_cmpint (g_get_monotonic_time (), <, wait_deadline); \
        if (!g_main_context_iteration (NULL, FALSE)) \
          g_usleep (2 * 1000); \
      } \
  } G_STMT_END

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

static GtkWidget *
find_mapped (GtkWidget *root,
             GType      type)
{
  g_autoptr(GPtrArray) found = g_ptr_array_new ();

  collect_widgets (root, type, TRUE, found);
  g_assert_cmpuint (found->len, ==, 1);
  return g_ptr_array_index (found, 0);
}

static guint
count_mapped (GtkWidget *root,
              GType      type)
{
  g_autoptr(GPtrArray) found = g_ptr_array_new ();

  collect_widgets (root, type, TRUE, found);
  return found->len;
}

static GtkListBox *
find_sidebar (GtkWidget *window)
{
  g_autoptr(GPtrArray) lists = g_ptr_array_new ();

  collect_widgets (window, GTK_TYPE_LIST_BOX, FALSE, lists);
  for (guint i = 0; i < lists->len; i++)
    if (gtk_widget_has_css_class (g_ptr_array_index (lists, i), "navigation-sidebar"))
      return g_ptr_array_index (lists, i);
  g_assert_not_reached ();
}

static const char *
row_text (GtkListBoxRow *row)
{
  g_autoptr(GPtrArray) labels = g_ptr_array_new ();

  collect_widgets (GTK_WIDGET (row), GTK_TYPE_LABEL, FALSE, labels);
  g_assert_cmpuint (labels->len, ==, 1);
  return gtk_label_get_text (g_ptr_array_index (labels, 0));
}

static CercleWindow *
new_window (void)
{
  CercleWindow *window = cercle_window_new (app);

  gtk_window_present (GTK_WINDOW (window));
  wait_until_mapped (GTK_WIDGET (window));
  return window;
}

static void
destroy_window (CercleWindow *window)
{
  g_object_ref (window);
  gtk_window_destroy (GTK_WINDOW (window));
  flush_events ();
  g_assert_finalize_object (window);
}

static void
test_sidebar_french (void)
{
  CercleWindow *window = new_window ();
  GtkListBox *sidebar = find_sidebar (GTK_WIDGET (window));
  const char *expected[] = { "Patients", "Annuaire", "Orientations" };

  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      GtkListBoxRow *row = gtk_list_box_get_row_at_index (sidebar, i);

      g_assert_nonnull (row);
      g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (row)));
      g_assert_cmpstr (row_text (row), ==, expected[i]);
    }
  g_assert_null (gtk_list_box_get_row_at_index (sidebar, G_N_ELEMENTS (expected)));

  /* The first section is shown and selected. */
  g_assert_cmpstr (cercle_window_get_page (window), ==, "patients");
  g_assert_true (gtk_list_box_get_selected_row (sidebar) == gtk_list_box_get_row_at_index (sidebar, 0));

  destroy_window (window);
}

static const struct {
  const char *name;
  guint       row;
  const char *header;
  const char *title;
  const char *description_start;
} pages[] = {
  /* The directory issue replaces the directory page's empty state with the
   * real page: its row here changes with it. */
  { "patients", 0, "Patients", "Aucun patient pour l’instant", "Créez un dossier patient" },
  { "directory", 1, "Annuaire", "Choisissez une commune", "Saisissez la commune ou le code postal du patient" },
  { "referrals", 2, "Orientations", "Aucune demande d’orientation pour l’instant", "Vous suivrez ici les demandes d’orientation" },
};

static void
assert_page_shown (CercleWindow *window,
                   guint         i)
{
  GtkListBox *sidebar = find_sidebar (GTK_WIDGET (window));
  AdwStatusPage *status;
  g_autoptr(GPtrArray) titles = g_ptr_array_new ();
  gboolean header_found = FALSE;

  g_assert_cmpstr (cercle_window_get_page (window), ==, pages[i].name);

  /* Exactly one empty state is on screen, the page's own, in French. The
   * directory page first says that it prepares its demonstration data. */
  WAIT_FOR (count_mapped (GTK_WIDGET (window), ADW_TYPE_STATUS_PAGE) == 1
            && g_strcmp0 (adw_status_page_get_title (ADW_STATUS_PAGE (find_mapped (GTK_WIDGET (window), ADW_TYPE_STATUS_PAGE))),
                          pages[i].title) == 0);
  status = ADW_STATUS_PAGE (find_mapped (GTK_WIDGET (window), ADW_TYPE_STATUS_PAGE));
  g_assert_cmpstr (adw_status_page_get_title (status), ==, pages[i].title);
  g_assert_true (g_str_has_prefix (adw_status_page_get_description (status), pages[i].description_start));

  /* The header bar above the page names the section. */
  collect_widgets (GTK_WIDGET (window), ADW_TYPE_WINDOW_TITLE, TRUE, titles);
  for (guint t = 0; t < titles->len; t++)
    if (g_strcmp0 (adw_window_title_get_title (g_ptr_array_index (titles, t)), pages[i].header) == 0)
      header_found = TRUE;
  g_assert_true (header_found);

  /* And the sidebar follows. */
  g_assert_true (gtk_list_box_get_selected_row (sidebar) == gtk_list_box_get_row_at_index (sidebar, pages[i].row));
}

static void
test_pages_set_page (void)
{
  CercleWindow *window = new_window ();

  for (guint i = G_N_ELEMENTS (pages); i-- > 0;)
    {
      cercle_window_set_page (window, pages[i].name);
      assert_page_shown (window, i);
    }

  destroy_window (window);
}

static void
test_pages_sidebar_click (void)
{
  CercleWindow *window = new_window ();
  GtkListBox *sidebar = find_sidebar (GTK_WIDGET (window));

  for (guint i = 0; i < G_N_ELEMENTS (pages); i++)
    {
      /* What a click or Enter on a row does. */
      g_signal_emit_by_name (gtk_list_box_get_row_at_index (sidebar, pages[i].row), "activate");
      assert_page_shown (window, i);
    }

  destroy_window (window);
}

static void
test_pages_shortcuts (void)
{
  CercleWindow *window = new_window ();
  g_auto(GStrv) accels = NULL;

  accels = gtk_application_get_accels_for_action (GTK_APPLICATION (app), "win.show-page('referrals')");
  g_assert_cmpstr (accels[0], ==, "<Alt>3");
  g_clear_pointer (&accels, g_strfreev);
  accels = gtk_application_get_accels_for_action (GTK_APPLICATION (app), "app.quit");
  g_assert_cmpstr (accels[0], ==, "<Control>q");

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-page", "s", "referrals"));
  assert_page_shown (window, 2);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-page", "s", "directory"));
  assert_page_shown (window, 1);

  /* GtkApplication found gtk/help-overlay.ui in the resources. */
  g_assert_nonnull (gtk_application_window_get_help_overlay (GTK_APPLICATION_WINDOW (window)));

  destroy_window (window);
}

static void
test_narrow_navigation (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  CercleWindow *window;
  AdwLeaflet *leaflet;
  GtkListBox *sidebar;
  g_autoptr(GPtrArray) leaflets = g_ptr_array_new ();

  /* A phone-sized window: the sidebar and the page take turns. */
  g_settings_set_int (settings, "window-width", 360);
  window = new_window ();
  /* The window's leaflet, the one holding the sidebar (pages may have
   * their own). */
  collect_widgets (GTK_WIDGET (window), ADW_TYPE_LEAFLET, FALSE, leaflets);
  g_assert_cmpuint (leaflets->len, >=, 1);
  sidebar = find_sidebar (GTK_WIDGET (window));
  leaflet = ADW_LEAFLET (gtk_widget_get_ancestor (GTK_WIDGET (sidebar), ADW_TYPE_LEAFLET));
  g_assert_nonnull (leaflet);
  WAIT_FOR (adw_leaflet_get_folded (leaflet));
  WAIT_FOR (gtk_widget_get_mapped (GTK_WIDGET (sidebar)));

  g_signal_emit_by_name (gtk_list_box_get_row_at_index (sidebar, 1), "activate");
  assert_page_shown (window, 1);
  g_assert_false (gtk_widget_get_mapped (GTK_WIDGET (sidebar)));

  /* The back button of the page's header bar. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.go-back", NULL));
  WAIT_FOR (gtk_widget_get_mapped (GTK_WIDGET (sidebar)));
  g_assert_cmpuint (count_mapped (GTK_WIDGET (window), ADW_TYPE_STATUS_PAGE), ==, 0);

  destroy_window (window);
  g_settings_reset (settings, "window-width");
}

static void
test_window_size_saved (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  CercleWindow *window;
  int width, height;

  g_settings_set_int (settings, "window-width", 700);
  g_settings_set_int (settings, "window-height", 500);
  window = new_window ();
  gtk_window_get_default_size (GTK_WINDOW (window), &width, &height);
  g_assert_cmpint (width, ==, 700);
  g_assert_cmpint (height, ==, 500);

  gtk_window_set_default_size (GTK_WINDOW (window), 820, 610);
  flush_events ();
  g_object_ref (window);
  gtk_window_close (GTK_WINDOW (window));
  flush_events ();
  g_assert_finalize_object (window);

  g_assert_cmpint (g_settings_get_int (settings, "window-width"), ==, 820);
  g_assert_cmpint (g_settings_get_int (settings, "window-height"), ==, 610);
  g_assert_false (g_settings_get_boolean (settings, "window-maximized"));

  g_settings_reset (settings, "window-width");
  g_settings_reset (settings, "window-height");
}

static AdwAboutWindow *
find_about_window (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();
  AdwAboutWindow *found = NULL;

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (toplevels, i);

      if (ADW_IS_ABOUT_WINDOW (item))
        {
          g_assert_null (found);
          found = ADW_ABOUT_WINDOW (item);
        }
    }
  return found;
}

static void
test_about_from_metainfo (void)
{
  CercleWindow *window = new_window ();
  AdwAboutWindow *about;

  g_assert_null (find_about_window ());
  g_action_group_activate_action (G_ACTION_GROUP (app), "about", NULL);
  about = find_about_window ();
  g_assert_nonnull (about);
  wait_until_mapped (GTK_WIDGET (about));

  /* All from data/fr.cercle.Cercle.metainfo.xml.in, in French. */
  g_assert_cmpstr (adw_about_window_get_application_name (about), ==, "Cercle");
  g_assert_cmpstr (adw_about_window_get_comments (about), ==, "Coordonner le cercle de soins autour d’un patient");
  g_assert_cmpstr (adw_about_window_get_developer_name (about), ==, "Les auteurs de Cercle");
  g_assert_cmpstr (adw_about_window_get_version (about), ==, PACKAGE_VERSION);
  g_assert_cmpstr (adw_about_window_get_application_icon (about), ==, APP_ID);
  g_assert_true (g_str_has_prefix (adw_about_window_get_website (about), "https://"));
  g_assert_cmpint (adw_about_window_get_license_type (about), ==, GTK_LICENSE_GPL_3_0);
  g_assert_true (g_str_has_prefix (adw_about_window_get_release_notes (about), "<p>Premières fondations : "));
  g_assert_cmpstr (adw_about_window_get_release_notes_version (about), ==, "0.1.0");
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (about)) == GTK_WINDOW (window));

  gtk_window_destroy (GTK_WINDOW (about));
  destroy_window (window);
}

int
main (int   argc,
      char *argv[])
{
  const char *build_dir = g_getenv ("CERCLE_BUILD_DIR");
  g_autofree char *localedir = NULL;
  g_autoptr(GError) error = NULL;
  int status;

  /* gtk_test_init() would force en_US; this test reads French. */
  g_assert_nonnull (build_dir);
  g_assert_nonnull (setlocale (LC_ALL, "fr_FR.UTF-8"));
  g_setenv ("LANGUAGE", "fr", TRUE);
  localedir = g_build_filename (build_dir, "po", NULL);
  bindtextdomain (GETTEXT_PACKAGE, localedir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  gtk_disable_setlocale ();

  g_test_init (&argc, &argv, NULL);
  adw_init ();
  /* Page transitions would map two pages at once for a while. */
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);

  app = cercle_application_new ();
  g_application_register (G_APPLICATION (app), NULL, &error);
  g_assert_no_error (error);
  /* Keep the application up between the windows of the tests. */
  g_application_hold (G_APPLICATION (app));

  g_test_add_func ("/window/sidebar/french", test_sidebar_french);
  g_test_add_func ("/window/pages/set-page", test_pages_set_page);
  g_test_add_func ("/window/pages/sidebar-click", test_pages_sidebar_click);
  g_test_add_func ("/window/pages/shortcuts", test_pages_shortcuts);
  g_test_add_func ("/window/narrow/navigation", test_narrow_navigation);
  g_test_add_func ("/window/settings/size-saved", test_window_size_saved);
  g_test_add_func ("/window/about/metainfo", test_about_from_metainfo);

  status = g_test_run ();

  g_application_release (G_APPLICATION (app));
  g_clear_object (&app);
  return status;
}
