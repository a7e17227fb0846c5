/* cercle-directory-page.h — the directory page of the main window
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "cercle-directory.h"

G_BEGIN_DECLS

#define CERCLE_TYPE_DIRECTORY_PAGE (cercle_directory_page_get_type ())
G_DECLARE_FINAL_TYPE (CercleDirectoryPage, cercle_directory_page, CERCLE, DIRECTORY_PAGE, AdwBin)

GtkWidget       *cercle_directory_page_new            (void);
CercleDirectory *cercle_directory_page_get_directory  (CercleDirectoryPage  *self);
void             cercle_directory_page_set_directory  (CercleDirectoryPage  *self,
                                                       CercleDirectory      *directory);
CercleCommune   *cercle_directory_page_get_commune    (CercleDirectoryPage  *self);
void             cercle_directory_page_set_commune    (CercleDirectoryPage  *self,
                                                       CercleCommune        *commune);
gboolean         cercle_directory_page_get_busy       (CercleDirectoryPage  *self);
GListModel      *cercle_directory_page_get_results    (CercleDirectoryPage  *self);
void             cercle_directory_page_import_files   (CercleDirectoryPage  *self,
                                                       GFile               **files,
                                                       guint                 n_files);
void             cercle_directory_page_export_async   (CercleDirectoryPage  *self,
                                                       GFile                *file,
                                                       GCancellable         *cancellable,
                                                       GAsyncReadyCallback   callback,
                                                       gpointer              user_data);
gboolean         cercle_directory_page_export_finish  (CercleDirectoryPage  *self,
                                                       GAsyncResult         *result,
                                                       GError              **error);
GFile           *cercle_directory_page_dup_export_file (CercleDirectoryPage *self);

G_END_DECLS
