/* cercle-directory-export.h — the directory page's CSV export
 *
 * The action directory.export.
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* directory.export */
void cercle_directory_page_export_action (GtkWidget  *widget,
                                          const char *action_name,
                                          GVariant   *parameter);

G_END_DECLS
