/* cercle-directory-import.h — reading the directory files into the store
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Internal to libcercle: CercleDirectory is the public face.
 */
#pragma once

#include <gio/gio.h>

#include "cercle-db.h"
#include "cercle-import-report.h"

G_BEGIN_DECLS

typedef void (*CercleImportTick) (double fraction, gpointer user_data);

gboolean cercle_directory_import_files     (CercleDb            *db,
                                            GFile              **files,
                                            guint                n_files,
                                            gboolean             demo,
                                            CercleImportTick     tick,
                                            gpointer             tick_data,
                                            CercleImportReport  *report,
                                            GCancellable        *cancellable,
                                            GError             **error);
gboolean cercle_directory_apply_fhir       (CercleDb            *db,
                                            const char * const  *resources,
                                            GError             **error);
char    *cercle_directory_name_key         (const char          *text);
char    *cercle_directory_city_key         (const char          *text);
gint64   cercle_directory_category_number  (const char          *code);
gboolean cercle_directory_parse_coordinates (const char         *commune_code,
                                             const char         *x1,
                                             const char         *y1,
                                             const char         *x2,
                                             const char         *y2,
                                             double             *lat,
                                             double             *lon,
                                             gboolean           *projected);

G_END_DECLS
