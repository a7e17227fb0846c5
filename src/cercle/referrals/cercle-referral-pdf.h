/* cercle-referral-pdf.h — a referral dossier as a PDF document
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "cercle-db.h"

G_BEGIN_DECLS

gboolean cercle_referral_pdf_export (CercleDb    *db,
                                     const char  *referral_id,
                                     gboolean     with_medical,
                                     const char  *path,
                                     GError     **error);

G_END_DECLS
