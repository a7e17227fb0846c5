/* cercle-directory-page.h — the directory page of the main window
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define CERCLE_TYPE_DIRECTORY_PAGE (cercle_directory_page_get_type ())
G_DECLARE_FINAL_TYPE (CercleDirectoryPage, cercle_directory_page, CERCLE, DIRECTORY_PAGE, AdwBin)

GtkWidget *cercle_directory_page_new (void);

G_END_DECLS
