/* cercle-care-circle-view.h — the care circle on the patient page
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "cercle-care-team-member.h"

G_BEGIN_DECLS

#define CERCLE_TYPE_CARE_CIRCLE_VIEW (cercle_care_circle_view_get_type ())
G_DECLARE_FINAL_TYPE (CercleCareCircleView, cercle_care_circle_view, CERCLE, CARE_CIRCLE_VIEW, GtkBox)

GtkWidget *cercle_care_circle_view_new         (void);
void       cercle_care_circle_view_set_members (CercleCareCircleView *self,
                                                GPtrArray            *members);

void       cercle_care_circle_view_set_phones  (CercleCareCircleView *self,
                                                GHashTable           *phones);
char      *cercle_care_circle_member_key       (CercleCareTeamMember *member);

G_END_DECLS
