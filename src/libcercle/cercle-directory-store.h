/* cercle-directory-store.h — the directory of services in a CercleDb
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cercle-db.h"

G_BEGIN_DECLS

gboolean cercle_directory_store_migrate (CercleDb  *db,
                                         GError   **error);

G_END_DECLS
