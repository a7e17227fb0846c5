/* cercle-directory-store.c — the directory of services in a CercleDb
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cercle-directory"

#include "config.h"

#include "cercle-directory-store.h"

/* The directory tables live in their own migration set, "directory", so
 * that the client store and the server store can both carry them. */
static const CercleMigration directory_migrations[] = {
  { 1, "directory placeholder", "SELECT 1;" },
};

/**
 * cercle_directory_store_migrate:
 * @db: a store
 * @error: return location for a #CERCLE_DB_ERROR
 *
 * Brings the directory tables of @db up to date.
 *
 * Returns: %TRUE on success
 */
gboolean
cercle_directory_store_migrate (CercleDb  *db,
                                GError   **error)
{
  return cercle_db_migrate (db, "directory", directory_migrations,
                            G_N_ELEMENTS (directory_migrations), error);
}
