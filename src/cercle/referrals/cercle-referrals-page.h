/* cercle-referrals-page.h — the referrals page of the main window
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "cercle-dossier-editor.h"
#include "cercle-dossier-view.h"
#include "cercle-received-page.h"

G_BEGIN_DECLS

#define CERCLE_TYPE_REFERRALS_PAGE (cercle_referrals_page_get_type ())
G_DECLARE_FINAL_TYPE (CercleReferralsPage, cercle_referrals_page, CERCLE, REFERRALS_PAGE, AdwBin)

GtkWidget           *cercle_referrals_page_new               (void);
gboolean             cercle_referrals_page_reload            (CercleReferralsPage *self,
                                                              GError             **error);
GListModel          *cercle_referrals_page_get_dossiers      (CercleReferralsPage *self);
CercleDossierEditor *cercle_referrals_page_get_editor        (CercleReferralsPage *self);
CercleDossierView   *cercle_referrals_page_get_view          (CercleReferralsPage *self);
CercleReceivedPage  *cercle_referrals_page_get_received_page (CercleReferralsPage *self);
const char          *cercle_referrals_page_get_content       (CercleReferralsPage *self);
GtkListView         *cercle_referrals_page_get_list_view     (CercleReferralsPage *self);

G_END_DECLS
