/* cercle-received-page.h — « Demandes reçues »: the requests sent to a structure
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "cercle-db.h"

G_BEGIN_DECLS

#define CERCLE_TYPE_RECEIVED_PAGE (cercle_received_page_get_type ())
G_DECLARE_FINAL_TYPE (CercleReceivedPage, cercle_received_page, CERCLE, RECEIVED_PAGE, GtkBox)

GtkWidget  *cercle_received_page_new        (void);
gboolean    cercle_received_page_reload     (CercleReceivedPage  *self,
                                             CercleDb            *db,
                                             const char          *organization_ref,
                                             GError             **error);
GListModel *cercle_received_page_get_model  (CercleReceivedPage  *self);
GtkListView *cercle_received_page_get_list_view (CercleReceivedPage *self);

G_END_DECLS
