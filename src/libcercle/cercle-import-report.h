/* cercle-import-report.h — what an import of the directory did
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define CERCLE_TYPE_IMPORT_REPORT (cercle_import_report_get_type ())
G_DECLARE_FINAL_TYPE (CercleImportReport, cercle_import_report, CERCLE, IMPORT_REPORT, GObject)

CercleImportReport  *cercle_import_report_new               (void);
guint                cercle_import_report_get_imported      (CercleImportReport *self);
guint                cercle_import_report_get_structures    (CercleImportReport *self);
guint                cercle_import_report_get_communes      (CercleImportReport *self);
guint                cercle_import_report_get_removed       (CercleImportReport *self);
guint                cercle_import_report_get_skipped       (CercleImportReport *self);
const char * const  *cercle_import_report_get_messages      (CercleImportReport *self);
char               **cercle_import_report_dup_skip_reasons  (CercleImportReport *self);
char                *cercle_import_report_dup_summary       (CercleImportReport *self);

/* Used by the importer. */
void                 cercle_import_report_add_structure     (CercleImportReport *self);
void                 cercle_import_report_add_commune       (CercleImportReport *self);
void                 cercle_import_report_add_removed       (CercleImportReport *self);
void                 cercle_import_report_skip              (CercleImportReport *self,
                                                             const char         *file,
                                                             guint64             line,
                                                             const char         *reason,
                                                             gboolean            with_message);
void                 cercle_import_report_warn              (CercleImportReport *self,
                                                             const char         *file,
                                                             guint64             line,
                                                             const char         *reason);

G_END_DECLS
