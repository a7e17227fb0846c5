/* test-ui-files.c — every GtkBuilder file of the app loads, with the
 * libadwaita and Cercle types registered
 *
 * gtk4-builder-tool cannot resolve libadwaita template parents (and needs a
 * display anyway), so this walks src/ for *.ui files and, for each:
 *  - checks it is bundled in the GResource under the same path,
 *  - loads the source file with GtkBuilder (a template is loaded as an
 *    object of its parent class, its signal handlers left out),
 *  - instantiates the template's own type, which builds the bundled copy
 *    with its callbacks bound.
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <string.h>

#include "cercle-application.h"
#include "cercle-directory-page.h"
#include "cercle-map-view.h"
#include "cercle-patients-page.h"
#include "cercle-dossier-row.h"
#include "cercle-referrals-page.h"
#include "cercle-sign-in-dialog.h"
#include "cercle-sign-out-dialog.h"
#include "cercle-structure-row.h"
#include "cercle-sync-banner.h"
#include "cercle-sync-indicator.h"
#include "cercle-window.h"
#include "cercle-add-member-dialog.h"
#include "cercle-care-circle-view.h"
#include "cercle-new-patient-dialog.h"
#include "cercle-patient-row.h"
#include "cercle-patient-view.h"

#define RESOURCE_BASE "/fr/cercle/Cercle/"

typedef struct
{
  char *path;           /* in the source tree */
  char *resource_path;  /* where cercle.gresource.xml puts it */
} UiFile;

static void
ui_file_free (gpointer data)
{
  UiFile *ui = data;

  g_free (ui->path);
  g_free (ui->resource_path);
  g_free (ui);
}

static char *
template_attribute (const char *xml,
                    const char *attribute)
{
  g_autoptr(GRegex) regex = NULL;
  g_autoptr(GMatchInfo) match = NULL;
  g_autofree char *pattern = g_strdup_printf ("<template\\b[^>]*\\b%s=\"([^\"]+)\"", attribute);

  regex = g_regex_new (pattern, 0, 0, NULL);
  if (!g_regex_match (regex, xml, 0, &match))
    return NULL;
  return g_match_info_fetch (match, 1);
}

/* The template as a plain object of its parent class. Left out: the signal
 * handlers (static functions of the widget) and the property bindings (GTK
 * 4.8 warns when a plain builder's toplevel with bindings is torn down);
 * both are checked by the instantiation test. */
static char *
template_as_object (const char *xml,
                    const char *parent)
{
  g_autoptr(GRegex) open_tag = g_regex_new ("<template\\b[^>]*>", 0, 0, NULL);
  g_autoptr(GRegex) signal = g_regex_new ("<signal\\b[^>]*/>", 0, 0, NULL);
  g_autoptr(GRegex) binding = g_regex_new ("<binding\\b.*?</binding>", G_REGEX_DOTALL, 0, NULL);
  g_autofree char *object_tag = g_strdup_printf ("<object class=\"%s\" id=\"__template\">", parent);
  g_autofree char *step1 = g_regex_replace_literal (open_tag, xml, -1, 0, object_tag, 0, NULL);
  g_autofree char *step2 = g_regex_replace_literal (signal, step1, -1, 0, "", 0, NULL);
  g_autofree char *step3 = g_regex_replace_literal (binding, step2, -1, 0, "", 0, NULL);
  g_auto(GStrv) parts = g_strsplit (step3, "</template>", -1);

  return g_strjoinv ("</object>", parts);
}

static void
test_bundled (gconstpointer data)
{
  const UiFile *ui = data;
  g_autoptr(GError) error = NULL;
  gsize size = 0;

  g_assert_true (g_resources_get_info (ui->resource_path, G_RESOURCE_LOOKUP_FLAGS_NONE, &size, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (size, >, 0);
}

static void
test_load_source (gconstpointer data)
{
  const UiFile *ui = data;
  g_autoptr(GtkBuilder) builder = gtk_builder_new ();
  g_autoptr(GPtrArray) windows = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GError) error = NULL;
  g_autofree char *xml = NULL;
  g_autofree char *parent = NULL;
  g_autofree char *class_name = NULL;
  g_autofree char *loaded = NULL;
  g_autoptr(GSList) objects = NULL;

  g_assert_true (g_file_get_contents (ui->path, &xml, NULL, &error));
  g_assert_no_error (error);

  gtk_builder_set_translation_domain (builder, GETTEXT_PACKAGE);
  class_name = template_attribute (xml, "class");
  parent = template_attribute (xml, "parent");
  if (class_name != NULL)
    {
      g_assert_nonnull (parent);
      g_assert_true (g_type_from_name (class_name) != G_TYPE_INVALID);
      loaded = template_as_object (xml, parent);
    }
  else
    loaded = g_strdup (xml);

  g_assert_true (gtk_builder_add_from_string (builder, loaded, -1, &error));
  g_assert_no_error (error);

  objects = gtk_builder_get_objects (builder);
  g_assert_nonnull (objects);
  for (GSList *l = objects; l != NULL; l = l->next)
    if (GTK_IS_WINDOW (l->data))
      g_ptr_array_add (windows, g_object_ref (l->data));

  /* Toplevels built here belong to us: destroy them once the builder is
   * gone. */
  g_clear_object (&builder);
  for (guint i = 0; i < windows->len; i++)
    gtk_window_destroy (g_ptr_array_index (windows, i));
}

static void
test_instantiate (gconstpointer data)
{
  const UiFile *ui = data;
  g_autofree char *xml = NULL;
  g_autofree char *class_name = NULL;
  GType type;
  GObject *object;

  g_assert_true (g_file_get_contents (ui->path, &xml, NULL, NULL));
  class_name = template_attribute (xml, "class");
  type = g_type_from_name (class_name);
  g_assert_true (type != G_TYPE_INVALID);

  object = g_object_new (type, NULL);
  if (GTK_IS_WINDOW (object))
    {
      g_object_ref (object);
      gtk_window_destroy (GTK_WINDOW (object));
    }
  else
    g_object_ref_sink (object);
  g_assert_finalize_object (object);
}

static void
test_help_overlay (void)
{
  g_autoptr(GtkBuilder) builder = gtk_builder_new_from_resource (RESOURCE_BASE "gtk/help-overlay.ui");
  GObject *overlay = gtk_builder_get_object (builder, "help_overlay");

  g_assert_true (GTK_IS_SHORTCUTS_WINDOW (overlay));
  gtk_window_destroy (GTK_WINDOW (overlay));
}

static void
find_ui_files (const char *dir,
               GPtrArray  *out)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  g_assert_nonnull (d);
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        find_ui_files (path, out);
      else if (g_str_has_suffix (name, ".ui"))
        g_ptr_array_add (out, g_steal_pointer (&path));
    }
}

static int
compare_paths (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

int
main (int   argc,
      char *argv[])
{
  const char *source_dir = g_getenv ("CERCLE_SOURCE_DIR");
  g_autofree char *app_dir = NULL;
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) ui_files = g_ptr_array_new_with_free_func (ui_file_free);

  g_test_init (&argc, &argv, NULL);
  adw_init ();

  /* The types the templates name. */
  g_type_ensure (CERCLE_TYPE_APPLICATION);
  g_type_ensure (CERCLE_TYPE_WINDOW);
  g_type_ensure (CERCLE_TYPE_DIRECTORY_PAGE);
  g_type_ensure (CERCLE_TYPE_MAP_VIEW);
  g_type_ensure (CERCLE_TYPE_PATIENTS_PAGE);
  g_type_ensure (CERCLE_TYPE_REFERRALS_PAGE);
  g_type_ensure (CERCLE_TYPE_STRUCTURE_ROW);
  g_type_ensure (CERCLE_TYPE_SIGN_IN_DIALOG);
  g_type_ensure (CERCLE_TYPE_SIGN_OUT_DIALOG);
  g_type_ensure (CERCLE_TYPE_SYNC_BANNER);
  g_type_ensure (CERCLE_TYPE_SYNC_INDICATOR);
  g_type_ensure (CERCLE_TYPE_DOSSIER_EDITOR);
  g_type_ensure (CERCLE_TYPE_DOSSIER_ROW);
  g_type_ensure (CERCLE_TYPE_DOSSIER_VIEW);
  g_type_ensure (CERCLE_TYPE_RECEIVED_PAGE);
  g_type_ensure (CERCLE_TYPE_ADD_MEMBER_DIALOG);
  g_type_ensure (CERCLE_TYPE_CARE_CIRCLE_VIEW);
  g_type_ensure (CERCLE_TYPE_NEW_PATIENT_DIALOG);
  g_type_ensure (CERCLE_TYPE_PATIENT_ROW);
  g_type_ensure (CERCLE_TYPE_PATIENT_VIEW);

  g_assert_nonnull (source_dir);
  app_dir = g_build_filename (source_dir, "src", "cercle", NULL);
  find_ui_files (app_dir, paths);
  g_ptr_array_sort (paths, compare_paths);
  g_assert_cmpuint (paths->len, >=, 5);

  for (guint i = 0; i < paths->len; i++)
    {
      UiFile *ui = g_new0 (UiFile, 1);
      const char *relative;
      g_autofree char *xml = NULL;
      g_autofree char *test_path = NULL;

      ui->path = g_strdup (g_ptr_array_index (paths, i));
      relative = ui->path + strlen (app_dir) + 1;
      ui->resource_path = g_strconcat (RESOURCE_BASE, relative, NULL);
      g_ptr_array_add (ui_files, ui);

      test_path = g_strconcat ("/ui/bundled/", relative, NULL);
      g_test_add_data_func (test_path, ui, test_bundled);
      g_free (test_path);
      test_path = g_strconcat ("/ui/load/", relative, NULL);
      g_test_add_data_func (test_path, ui, test_load_source);

      g_assert_true (g_file_get_contents (ui->path, &xml, NULL, NULL));
      if (strstr (xml, "<template") != NULL)
        {
          g_free (test_path);
          test_path = g_strconcat ("/ui/instantiate/", relative, NULL);
          g_test_add_data_func (test_path, ui, test_instantiate);
        }
    }
  g_test_add_func ("/ui/help-overlay", test_help_overlay);

  return g_test_run ();
}
