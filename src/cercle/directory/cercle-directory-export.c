/* cercle-directory-export.c — the directory page's CSV export
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The list on screen, written as CSV in a thread: the file chooser with a
 * name that says what the list is, the write, and its toast or error banner.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "cercle-directory-export.h"
#include "cercle-directory-page-private.h"

static void
export_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  GListModel *results = g_object_get_data (G_OBJECT (task), "results");
  const char *commune_code = g_object_get_data (G_OBJECT (task), "commune-code");
  GFile *file = task_data;
  GError *error = NULL;

  if (!cercle_directory_export_csv_full (results, commune_code, file, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

/**
 * cercle_directory_page_export_async:
 * @file: where to write the CSV
 *
 * Writes the current result list as CSV (see cercle_directory_export_csv())
 * in a thread.
 */
void
cercle_directory_page_export_async (CercleDirectoryPage *self,
                                    GFile               *file,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  GListModel *results;

  g_return_if_fail (CERCLE_IS_DIRECTORY_PAGE (self));
  g_return_if_fail (G_IS_FILE (file));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, cercle_directory_page_export_async);

  results = cercle_directory_page_get_results (self);
  if (results == NULL || g_list_model_get_n_items (results) == 0)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s",
                               _("There is no result to export."));
      return;
    }

  g_object_set_data_full (G_OBJECT (task), "results", g_object_ref (results), g_object_unref);
  if (self->commune != NULL)
    g_object_set_data_full (G_OBJECT (task), "commune-code",
                            g_strdup (cercle_commune_get_insee_code (self->commune)), g_free);
  g_task_set_task_data (task, g_object_ref (file), g_object_unref);
  g_task_run_in_thread (task, export_thread);
}

/**
 * cercle_directory_page_export_finish:
 *
 * Returns: %TRUE when the file was written
 */
gboolean
cercle_directory_page_export_finish (CercleDirectoryPage  *self,
                                     GAsyncResult         *result,
                                     GError              **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
export_done (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  CercleDirectoryPage *self = CERCLE_DIRECTORY_PAGE (object);
  g_autoptr(GError) error = NULL;

  if (!cercle_directory_page_export_finish (self, result, &error))
    {
      /* Cancelled: the page is going away, nobody to tell. */
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      cercle_directory_page_show_error (self, _("The list could not be exported"), error->message);
    }
  else
    cercle_directory_page_show_toast (self, _("List exported"));
}

static void
on_export_response (GtkNativeDialog     *dialog,
                    int                  response,
                    CercleDirectoryPage *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));

      cercle_directory_page_export_async (self, file, self->cancellable, export_done, NULL);
    }

  g_object_unref (dialog);
}

void
cercle_directory_page_export_action (GtkWidget  *widget,
                                     const char *action_name,
                                     GVariant   *parameter)
{
  CercleDirectoryPage *self = CERCLE_DIRECTORY_PAGE (widget);
  GtkFileChooserNative *dialog;
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();
  g_autofree char *name = NULL;
  g_autoptr(GFile) suggested = NULL;
  g_autoptr(GFile) folder = NULL;

  dialog = gtk_file_chooser_native_new (_("Export the List"),
                                        GTK_WINDOW (gtk_widget_get_root (widget)),
                                        GTK_FILE_CHOOSER_ACTION_SAVE,
                                        _("_Export"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);

  gtk_file_filter_set_name (filter, _("Spreadsheet files (CSV)"));
  gtk_file_filter_add_pattern (filter, "*.csv");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), filter);

  suggested = cercle_directory_page_dup_export_file (self);
  name = g_file_get_basename (suggested);
  folder = g_file_get_parent (suggested);
  gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (dialog), folder, NULL);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), name);

  g_signal_connect (dialog, "response", G_CALLBACK (on_export_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

/* "Saint-Fargeau-Ponthierry" → "saint-fargeau-ponthierry": a file name
 * any system and any mail client takes. */
static void
append_file_word (GString    *out,
                  const char *text)
{
  g_autofree char *ascii = g_str_to_ascii (text, NULL);
  gboolean dash = out->len > 0;

  for (const char *p = ascii; *p; p++)
    {
      if (g_ascii_isalnum (*p))
        {
          if (dash && out->len > 0 && out->str[out->len - 1] != '-')
            g_string_append_c (out, '-');
          dash = FALSE;
          g_string_append_c (out, g_ascii_tolower (*p));
        }
      else
        dash = TRUE;
    }
}

/**
 * cercle_directory_page_dup_export_file:
 *
 * Where an export goes by default: the user's Documents folder (the home
 * folder without one), under a name that says what the list is: the kinds
 * of service and the commune ("annuaire-ssiad-melun.csv").
 *
 * Returns: (transfer full): the file
 */
GFile *
cercle_directory_page_dup_export_file (CercleDirectoryPage *self)
{
  const char *documents = g_get_user_special_dir (G_USER_DIRECTORY_DOCUMENTS);
  g_autoptr(GString) words = g_string_new (NULL);
  g_autofree char *name = NULL;
  const CercleCategory *categories;
  gsize n = 0;
  guint active = 0;

  g_return_val_if_fail (CERCLE_IS_DIRECTORY_PAGE (self), NULL);

  categories = cercle_directory_categories (&n);
  for (guint i = 0; i < self->chips->len && i < n; i++)
    if (gtk_toggle_button_get_active (g_ptr_array_index (self->chips, i)))
      {
        append_file_word (words, _(categories[i].short_label));
        active++;
      }
  if (active == 0)
    /* Translators: in the name of an export file, when no kind of service is chosen */
    append_file_word (words, _("all services"));
  if (self->commune != NULL)
    append_file_word (words, cercle_commune_get_name (self->commune));

  /* Translators: the suggested file name of an export; %s says what is in
   * it ("ssiad-melun") */
  name = g_strdup_printf (_("directory-%s.csv"), words->str);
  if (documents == NULL || !g_file_test (documents, G_FILE_TEST_IS_DIR))
    documents = g_get_home_dir ();
  return g_file_new_build_filename (documents, name, NULL);
}
