/* cercle-window.h — the main window: a sidebar of sections and their pages
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "cercle-application.h"

G_BEGIN_DECLS

#define CERCLE_TYPE_WINDOW (cercle_window_get_type ())
G_DECLARE_FINAL_TYPE (CercleWindow, cercle_window, CERCLE, WINDOW, AdwApplicationWindow)

CercleWindow *cercle_window_new      (CercleApplication *application);
const char   *cercle_window_get_page (CercleWindow      *self);
void          cercle_window_set_page (CercleWindow      *self,
                                      const char        *name);

G_END_DECLS
