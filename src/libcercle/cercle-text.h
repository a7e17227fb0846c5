/* cercle-text.h — text helpers shared by search and import
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

char *cercle_text_fold (const char *text);

G_END_DECLS
