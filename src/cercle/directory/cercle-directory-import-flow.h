/* cercle-directory-import-flow.h — the directory page's import flow
 *
 * The actions directory.import and directory.cancel-import.
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* directory.import */
void cercle_directory_page_import_action (GtkWidget  *widget,
                                          const char *action_name,
                                          GVariant   *parameter);

/* directory.cancel-import */
void cercle_directory_page_cancel_import_action (GtkWidget  *widget,
                                                 const char *action_name,
                                                 GVariant   *parameter);

G_END_DECLS
