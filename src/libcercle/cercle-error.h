/* cercle-error.h — error domains of libcercle
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Errors from checking what a person typed or what a file said. Messages are
 * translated and can be shown as they are. */
#define CERCLE_VALIDATION_ERROR (cercle_validation_error_quark ())
typedef enum {
  CERCLE_VALIDATION_ERROR_EMPTY,
  CERCLE_VALIDATION_ERROR_LENGTH,
  CERCLE_VALIDATION_ERROR_CHARACTERS,
  CERCLE_VALIDATION_ERROR_KEY,
  CERCLE_VALIDATION_ERROR_VALUE,
} CercleValidationError;

/* Errors from the local SQLite store. */
#define CERCLE_DB_ERROR (cercle_db_error_quark ())
typedef enum {
  CERCLE_DB_ERROR_OPEN,
  CERCLE_DB_ERROR_SQL,
  CERCLE_DB_ERROR_MIGRATION,
  CERCLE_DB_ERROR_TOO_NEW,
  CERCLE_DB_ERROR_NOT_FOUND,
  CERCLE_DB_ERROR_CONFLICT,
  CERCLE_DB_ERROR_BUSY,
} CercleDbError;

/* Errors from reading or writing FHIR R4 JSON. */
#define CERCLE_FHIR_ERROR (cercle_fhir_error_quark ())
typedef enum {
  CERCLE_FHIR_ERROR_PARSE,
  CERCLE_FHIR_ERROR_RESOURCE_TYPE,
  CERCLE_FHIR_ERROR_INVALID,
  CERCLE_FHIR_ERROR_UNSUPPORTED,
  CERCLE_FHIR_ERROR_REQUIRED,
} CercleFhirError;

GQuark cercle_validation_error_quark (void);
GQuark cercle_db_error_quark         (void);
GQuark cercle_fhir_error_quark       (void);

G_END_DECLS
