/* cercle-db.h — one SQLite connection with numbered migrations
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>
#include <sqlite3.h>

#include "cercle-error.h"

G_BEGIN_DECLS

/**
 * CercleMigration:
 * @version: 1, 2, 3… in order, never reused
 * @description: what the step does, for the log
 * @sql: the statements, run in one transaction
 */
typedef struct {
  guint       version;
  const char *description;
  const char *sql;
} CercleMigration;

#define CERCLE_TYPE_DB (cercle_db_get_type ())
G_DECLARE_FINAL_TYPE (CercleDb, cercle_db, CERCLE, DB, GObject)

CercleDb     *cercle_db_open          (const char             *path,
                                       GError                **error);
const char   *cercle_db_get_path      (CercleDb               *self);
sqlite3      *cercle_db_get_handle    (CercleDb               *self);
gboolean      cercle_db_migrate       (CercleDb               *self,
                                       const char             *component,
                                       const CercleMigration  *migrations,
                                       gsize                   n_migrations,
                                       GError                **error);
guint         cercle_db_get_version   (CercleDb               *self,
                                       const char             *component);
gboolean      cercle_db_exec          (CercleDb               *self,
                                       const char             *sql,
                                       GError                **error);
sqlite3_stmt *cercle_db_prepare       (CercleDb               *self,
                                       const char             *sql,
                                       GError                **error);
void          cercle_db_bind_text_or_null (sqlite3_stmt       *stmt,
                                           int                 index,
                                           const char         *text);
gboolean      cercle_db_step_done     (CercleDb               *self,
                                       sqlite3_stmt           *stmt,
                                       GError                **error);
gboolean      cercle_db_begin         (CercleDb               *self,
                                       GError                **error);
gboolean      cercle_db_commit        (CercleDb               *self,
                                       GError                **error);
void          cercle_db_rollback      (CercleDb               *self);
void          cercle_db_set_error     (CercleDb               *self,
                                       GError                **error,
                                       const char             *context);

G_END_DECLS
