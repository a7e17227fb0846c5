/* cercle-referrals-page.h — the referrals page of the main window
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define CERCLE_TYPE_REFERRALS_PAGE (cercle_referrals_page_get_type ())
G_DECLARE_FINAL_TYPE (CercleReferralsPage, cercle_referrals_page, CERCLE, REFERRALS_PAGE, AdwBin)

GtkWidget *cercle_referrals_page_new (void);

G_END_DECLS
