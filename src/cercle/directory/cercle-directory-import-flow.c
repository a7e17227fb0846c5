/* cercle-directory-import-flow.c — importing files into the directory page
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The import flow of the page: the file chooser, the import in a thread
 * with its progress bar and cancel button, then the summary of what was
 * imported and skipped, or the error banner (the directory unchanged).
 */
#include "config.h"

#include <glib/gi18n.h>

#include "cercle-directory-import-flow.h"
#include "cercle-directory-page-private.h"

static void
import_progress (double   fraction,
                 gpointer user_data)
{
  CercleDirectoryPage *self = user_data;
  g_autofree char *text = NULL;

  /* A last call may come after the page let the import go. */
  if (self->import_cancellable == NULL)
    return;

  fraction = CLAMP (fraction, 0.0, 1.0);
  gtk_progress_bar_set_fraction (self->import_progress, fraction);
  /* Translators: the progress of an import: "42 %" */
  text = g_strdup_printf (_("%.0f %%"), fraction * 100.0);
  gtk_progress_bar_set_text (self->import_progress, text);
}

static void
show_import_report (CercleDirectoryPage *self,
                    CercleImportReport  *report)
{
  const char * const *messages = cercle_import_report_get_messages (report);
  guint n_structures = cercle_import_report_get_structures (report);
  guint n_communes = cercle_import_report_get_communes (report);
  guint n_skipped = cercle_import_report_get_skipped (report);
  g_autofree char *structures = NULL;
  g_autofree char *communes = NULL;
  g_autofree char *skipped = NULL;
  g_autofree char *body = NULL;
  AdwMessageDialog *dialog;

  /* %'u: thousands grouped as the locale writes them ("95 333"). */
  structures = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%'u structure", "%'u structures", n_structures),
                                n_structures);
  communes = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%'u commune", "%'u communes", n_communes),
                              n_communes);
  skipped = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%'u line skipped", "%'u lines skipped", n_skipped),
                             n_skipped);
  /* Translators: "12 structures and 3 communes imported, 1 line skipped." */
  body = g_strdup_printf (_("%s and %s imported, %s."), structures, communes, skipped);

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))),
                                                       _("Directory Imported"), body));
  adw_message_dialog_add_response (dialog, "close", _("_Close"));

  if (messages != NULL && messages[0] != NULL)
    {
      g_autofree char *title = NULL;
      g_autofree char *joined = g_strjoinv ("\n", (char **) messages);
      GtkWidget *expander, *scrolled, *view;
      guint n = g_strv_length ((char **) messages);

      title = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                            "Details (%u message)",
                                            "Details (%u messages)", n), n);
      view = gtk_text_view_new ();
      gtk_text_view_set_editable (GTK_TEXT_VIEW (view), FALSE);
      gtk_text_view_set_monospace (GTK_TEXT_VIEW (view), TRUE);
      gtk_text_view_set_wrap_mode (GTK_TEXT_VIEW (view), GTK_WRAP_WORD_CHAR);
      gtk_text_buffer_set_text (gtk_text_view_get_buffer (GTK_TEXT_VIEW (view)), joined, -1);

      scrolled = gtk_scrolled_window_new ();
      gtk_scrolled_window_set_min_content_height (GTK_SCROLLED_WINDOW (scrolled), 160);
      gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), view);

      expander = gtk_expander_new (title);
      gtk_expander_set_child (GTK_EXPANDER (expander), scrolled);
      adw_message_dialog_set_extra_child (dialog, expander);
    }

  gtk_window_present (GTK_WINDOW (dialog));
}

static void
import_done (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(CercleDirectoryPage) self = user_data;
  g_autoptr(CercleImportReport) report = NULL;
  g_autoptr(GError) error = NULL;

  report = cercle_directory_import_finish (CERCLE_DIRECTORY (object), result, &error);

  /* The page went away meanwhile (dispose let go of the cancellable). */
  if (self->import_cancellable == NULL)
    return;

  g_clear_object (&self->import_cancellable);
  gtk_revealer_set_reveal_child (self->import_revealer, FALSE);
  cercle_directory_page_update_actions (self);

  if (report == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        cercle_directory_page_show_toast (self, _("Import cancelled"));
      else
        cercle_directory_page_show_error (self, _("The import failed, the directory is unchanged"), error->message);
      return;
    }

  gtk_revealer_set_reveal_child (self->error_revealer, FALSE);
  if (gtk_widget_get_root (GTK_WIDGET (self)) != NULL)
    show_import_report (self, report);
  cercle_directory_page_run_search (self);
}

/**
 * cercle_directory_page_import_files:
 * @files: (array length=n_files): FINESS JSON, FHIR ndjson or La Poste CSV
 *   files, gzipped or not
 *
 * Imports files into the directory in a thread, with a progress bar on the
 * page, then shows what was imported and skipped.
 */
void
cercle_directory_page_import_files (CercleDirectoryPage  *self,
                                    GFile               **files,
                                    guint                 n_files)
{
  g_return_if_fail (CERCLE_IS_DIRECTORY_PAGE (self));
  g_return_if_fail (files != NULL || n_files == 0);

  if (n_files == 0 || self->import_cancellable != NULL)
    return;

  self->import_cancellable = g_cancellable_new ();
  import_progress (0.0, self);
  gtk_revealer_set_reveal_child (self->import_revealer, TRUE);
  cercle_directory_page_update_actions (self);

  cercle_directory_import_async (self->directory, files, n_files,
                                 import_progress, g_object_ref (self), g_object_unref,
                                 self->import_cancellable, import_done, g_object_ref (self));
}

static void
on_import_response (GtkNativeDialog     *dialog,
                    int                  response,
                    CercleDirectoryPage *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GListModel) list = gtk_file_chooser_get_files (GTK_FILE_CHOOSER (dialog));
      g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_object_unref);

      for (guint i = 0; i < g_list_model_get_n_items (list); i++)
        g_ptr_array_add (files, g_list_model_get_item (list, i));

      cercle_directory_page_import_files (self, (GFile **) files->pdata, files->len);
    }

  g_object_unref (dialog);
}

void
cercle_directory_page_import_action (GtkWidget  *widget,
                                     const char *action_name,
                                     GVariant   *parameter)
{
  CercleDirectoryPage *self = CERCLE_DIRECTORY_PAGE (widget);
  GtkFileChooserNative *dialog;
  g_autoptr(GtkFileFilter) known = gtk_file_filter_new ();
  g_autoptr(GtkFileFilter) all = gtk_file_filter_new ();

  dialog = gtk_file_chooser_native_new (_("Import the Directory"),
                                        GTK_WINDOW (gtk_widget_get_root (widget)),
                                        GTK_FILE_CHOOSER_ACTION_OPEN,
                                        _("_Import"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
  gtk_file_chooser_set_select_multiple (GTK_FILE_CHOOSER (dialog), TRUE);

  gtk_file_filter_set_name (known, _("FINESS, FHIR, postcode and commune files"));
  gtk_file_filter_add_pattern (known, "*.json");
  gtk_file_filter_add_pattern (known, "*.json.gz");
  gtk_file_filter_add_pattern (known, "*.ndjson");
  gtk_file_filter_add_pattern (known, "*.ndjson.gz");
  gtk_file_filter_add_pattern (known, "*.csv");
  gtk_file_filter_add_pattern (known, "*.csv.gz");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), known);

  gtk_file_filter_set_name (all, _("All files"));
  gtk_file_filter_add_pattern (all, "*");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), all);

  g_signal_connect (dialog, "response", G_CALLBACK (on_import_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

void
cercle_directory_page_cancel_import_action (GtkWidget  *widget,
                                            const char *action_name,
                                            GVariant   *parameter)
{
  CercleDirectoryPage *self = CERCLE_DIRECTORY_PAGE (widget);

  g_cancellable_cancel (self->import_cancellable);
}
