/* cercle-error.c
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cercle-error.h"

G_DEFINE_QUARK (cercle-validation-error-quark, cercle_validation_error)
G_DEFINE_QUARK (cercle-db-error-quark, cercle_db_error)
G_DEFINE_QUARK (cercle-fhir-error-quark, cercle_fhir_error)
