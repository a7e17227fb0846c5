/* cercle-about.h — the About window, fed from the AppStream metainfo
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

GtkWidget *cercle_about_window_new_from_metainfo (const char  *resource_path,
                                                  const char  *version,
                                                  GError     **error);

G_END_DECLS
