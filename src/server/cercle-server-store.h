/* cercle-server-store.h — the server's resources, their versions and indexes
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "cercle-db.h"

G_BEGIN_DECLS

/* Errors that become an HTTP status: the code says which. */
#define CERCLE_SERVER_ERROR (cercle_server_error_quark ())
typedef enum {
  CERCLE_SERVER_ERROR_INVALID = 400,
  CERCLE_SERVER_ERROR_UNAUTHORIZED = 401,
  CERCLE_SERVER_ERROR_FORBIDDEN = 403,
  CERCLE_SERVER_ERROR_NOT_FOUND = 404,
  CERCLE_SERVER_ERROR_METHOD = 405,
  CERCLE_SERVER_ERROR_CONFLICT = 409,
  CERCLE_SERVER_ERROR_GONE = 410,
  CERCLE_SERVER_ERROR_PRECONDITION = 412,
  CERCLE_SERVER_ERROR_TOO_LARGE = 413,
  CERCLE_SERVER_ERROR_MEDIA_TYPE = 415,
  CERCLE_SERVER_ERROR_INTERNAL = 500,
} CercleServerError;

GQuark cercle_server_error_quark (void);

typedef struct {
  char   *type;
  char   *id;
  gint64  version;
  char   *last_updated;
  gint64  seq;
  char   *patient_id;
  char   *json;
  gboolean deleted;
} CercleStoredResource;

void cercle_stored_resource_free (CercleStoredResource *res);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CercleStoredResource, cercle_stored_resource_free)

typedef enum {
  CERCLE_STORE_WRITE_CREATED,
  CERCLE_STORE_WRITE_UPDATED,
  CERCLE_STORE_WRITE_UNCHANGED,
} CercleStoreWrite;

#define CERCLE_TYPE_SERVER_STORE (cercle_server_store_get_type ())
G_DECLARE_FINAL_TYPE (CercleServerStore, cercle_server_store, CERCLE, SERVER_STORE, GObject)

CercleServerStore    *cercle_server_store_open            (const char         *path,
                                                           GError            **error);
CercleServerStore    *cercle_server_store_open_reader     (const char         *path,
                                                           GError            **error);
CercleDb             *cercle_server_store_get_db          (CercleServerStore  *self);
void                  cercle_server_store_start_checkpoints (CercleServerStore *self);
gboolean              cercle_server_store_is_empty        (CercleServerStore  *self);
char                 *cercle_server_store_now             (void);
guint                 cercle_server_store_access_generation (void);
void                  cercle_server_store_settle          (CercleServerStore  *self);
char                 *cercle_server_store_normalize_instant (const char       *text);
gboolean              cercle_server_store_valid_id        (const char         *id);
const char           *cercle_server_store_patient_of      (JsonObject         *resource,
                                                           const char         *type);
gboolean              cercle_server_store_is_compartment_type (const char     *type);
CercleStoredResource *cercle_server_store_get             (CercleServerStore  *self,
                                                           const char         *type,
                                                           const char         *id,
                                                           gint64              version,
                                                           GError            **error);
CercleStoredResource *cercle_server_store_write           (CercleServerStore  *self,
                                                           JsonObject         *resource,
                                                           gint64              if_match,
                                                           CercleStoreWrite   *outcome,
                                                           GError            **error);
CercleStoredResource *cercle_server_store_row             (sqlite3_stmt       *stmt);

G_END_DECLS
