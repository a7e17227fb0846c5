/* cercle-directory.h — the directory of services: import, search, export
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "cercle-commune.h"
#include "cercle-import-report.h"
#include "cercle-structure.h"

G_BEGIN_DECLS

/* Errors of the directory. Messages are translated. */
#define CERCLE_DIRECTORY_ERROR (cercle_directory_error_quark ())
typedef enum {
  CERCLE_DIRECTORY_ERROR_UNKNOWN_COMMUNE,
  CERCLE_DIRECTORY_ERROR_NO_POSITION,
  CERCLE_DIRECTORY_ERROR_FORMAT,
  CERCLE_DIRECTORY_ERROR_READ,
  CERCLE_DIRECTORY_ERROR_INVALID,
} CercleDirectoryError;

GQuark cercle_directory_error_quark (void);

/**
 * CercleCategory:
 * @id: a stable identifier, e.g. "ssiad"
 * @short_label: the chip label (marked for translation; pass it through gettext when shown)
 * @codes: the FINESS category codes it stands for, %NULL-terminated
 */
typedef struct {
  const char        *id;
  const char        *short_label;
  const char *const *codes;
} CercleCategory;

/**
 * CercleNearestQuery:
 * @categories: FINESS category codes, %NULL-terminated; %NULL or empty for all
 * @commune_code: the patient's commune (INSEE code): its position is the
 *   reference point and structures whose zone covers it come first; %NULL to
 *   search around @latitude/@longitude
 * @latitude: reference point when @commune_code is %NULL
 * @longitude: reference point when @commune_code is %NULL
 * @limit: how many structures at most (0: 20)
 * @max_km: only structures within this distance; <= 0 for no limit
 */
typedef struct {
  const char * const *categories;
  const char         *commune_code;
  double              latitude;
  double              longitude;
  guint               limit;
  double              max_km;
} CercleNearestQuery;

/**
 * CercleImportProgress:
 * @fraction: 0 to 1
 * @user_data: the data given with the callback
 *
 * How far an import has gone, called on the caller's main context.
 */
typedef void (*CercleImportProgress) (double fraction, gpointer user_data);

#define CERCLE_TYPE_DIRECTORY (cercle_directory_get_type ())
G_DECLARE_FINAL_TYPE (CercleDirectory, cercle_directory, CERCLE, DIRECTORY, GObject)

CercleDirectory      *cercle_directory_new                 (const char                *db_path);
const char           *cercle_directory_get_db_path         (CercleDirectory           *self);

const CercleCategory *cercle_directory_categories          (gsize                     *n);
const char           *cercle_directory_category_label      (const char                *code);
gint64                cercle_directory_count_category      (CercleDirectory           *self,
                                                            const char                *code,
                                                            GError                   **error);

GListModel           *cercle_directory_nearest             (CercleDirectory           *self,
                                                            const CercleNearestQuery  *query,
                                                            GError                   **error);
void                  cercle_directory_nearest_async       (CercleDirectory           *self,
                                                            const CercleNearestQuery  *query,
                                                            GCancellable              *cancellable,
                                                            GAsyncReadyCallback        callback,
                                                            gpointer                   user_data);
GListModel           *cercle_directory_nearest_finish      (CercleDirectory           *self,
                                                            GAsyncResult              *result,
                                                            GError                   **error);
GListModel           *cercle_directory_nearest_scan        (CercleDirectory           *self,
                                                            const CercleNearestQuery  *query,
                                                            GError                   **error);

GListModel           *cercle_directory_list_structures     (CercleDirectory           *self,
                                                            const char * const        *categories,
                                                            const char                *commune_code,
                                                            GError                   **error);
GListModel           *cercle_directory_search_structures   (CercleDirectory           *self,
                                                            const char                *text,
                                                            const char * const        *categories,
                                                            guint                      limit,
                                                            GError                   **error);
CercleStructure      *cercle_directory_get_structure       (CercleDirectory           *self,
                                                            const char                *finess,
                                                            GError                   **error);

GListModel           *cercle_directory_find_communes       (CercleDirectory           *self,
                                                            const char                *query,
                                                            guint                      limit,
                                                            GError                   **error);
void                  cercle_directory_find_communes_async (CercleDirectory           *self,
                                                            const char                *query,
                                                            guint                      limit,
                                                            GCancellable              *cancellable,
                                                            GAsyncReadyCallback        callback,
                                                            gpointer                   user_data);
GListModel           *cercle_directory_find_communes_finish (CercleDirectory          *self,
                                                            GAsyncResult              *result,
                                                            GError                   **error);
GListModel           *cercle_directory_suggest_communes    (CercleDirectory           *self,
                                                            const char                *query,
                                                            guint                      limit,
                                                            GError                   **error);
void                  cercle_directory_suggest_communes_async (CercleDirectory        *self,
                                                            const char                *query,
                                                            guint                      limit,
                                                            GCancellable              *cancellable,
                                                            GAsyncReadyCallback        callback,
                                                            gpointer                   user_data);
GListModel           *cercle_directory_suggest_communes_finish (CercleDirectory       *self,
                                                            GAsyncResult              *result,
                                                            GError                   **error);
CercleCommune        *cercle_directory_get_commune         (CercleDirectory           *self,
                                                            const char                *insee_code,
                                                            GError                   **error);

CercleImportReport   *cercle_directory_import              (CercleDirectory           *self,
                                                            GFile                    **files,
                                                            guint                      n_files,
                                                            CercleImportProgress       progress,
                                                            gpointer                   progress_data,
                                                            GCancellable              *cancellable,
                                                            GError                   **error);
void                  cercle_directory_import_async        (CercleDirectory           *self,
                                                            GFile                    **files,
                                                            guint                      n_files,
                                                            CercleImportProgress       progress,
                                                            gpointer                   progress_data,
                                                            GDestroyNotify             progress_data_destroy,
                                                            GCancellable              *cancellable,
                                                            GAsyncReadyCallback        callback,
                                                            gpointer                   user_data);
CercleImportReport   *cercle_directory_import_finish       (CercleDirectory           *self,
                                                            GAsyncResult              *result,
                                                            GError                   **error);

gboolean              cercle_directory_is_empty            (CercleDirectory           *self,
                                                            GError                   **error);
gboolean              cercle_directory_ensure_demo         (CercleDirectory           *self,
                                                            const char                *demo_dir,
                                                            GError                   **error);
void                  cercle_directory_ensure_demo_async   (CercleDirectory           *self,
                                                            const char                *demo_dir,
                                                            GCancellable              *cancellable,
                                                            GAsyncReadyCallback        callback,
                                                            gpointer                   user_data);
gboolean              cercle_directory_ensure_demo_finish  (CercleDirectory           *self,
                                                            GAsyncResult              *result,
                                                            GError                   **error);
char                 *cercle_directory_default_demo_dir    (void);

gboolean              cercle_directory_export_csv          (GListModel                *structures,
                                                            GFile                     *file,
                                                            GError                   **error);
gboolean              cercle_directory_export_csv_full     (GListModel                *structures,
                                                            const char                *commune_code,
                                                            GFile                     *file,
                                                            GError                   **error);

G_END_DECLS
