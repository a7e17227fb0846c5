/* cercle-validate.h — checks of the French identifiers
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "cercle-error.h"

G_BEGIN_DECLS

char     *cercle_identifier_normalize  (const char  *text);
gboolean  cercle_luhn_is_valid         (const char  *digits);
int       cercle_nir_compute_key       (const char  *first13);
gboolean  cercle_validate_nir          (const char  *nir,
                                        GError     **error);
gboolean  cercle_validate_rpps         (const char  *rpps,
                                        char       **warning,
                                        GError     **error);
gboolean  cercle_validate_finess       (const char  *finess,
                                        char       **warning,
                                        GError     **error);
gboolean  cercle_validate_insee_code   (const char  *code,
                                        GError     **error);
gboolean  cercle_validate_postcode     (const char  *postcode,
                                        GError     **error);

G_END_DECLS
