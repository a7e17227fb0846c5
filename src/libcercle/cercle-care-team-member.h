/* cercle-care-team-member.h — one member of a patient's care circle (FHIR CareTeam.participant)
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct {
  const char *code;
  const char *label;          /* untranslated: use cercle_care_team_role_label() */
  const char *member_type;    /* the only member type allowed, or NULL for any */
  const char *display;        /* French display in FHIR codings */
} CercleCareTeamRole;

#define CERCLE_TYPE_CARE_TEAM_MEMBER (cercle_care_team_member_get_type ())
G_DECLARE_FINAL_TYPE (CercleCareTeamMember, cercle_care_team_member, CERCLE, CARE_TEAM_MEMBER, GObject)

CercleCareTeamMember *cercle_care_team_member_new             (const char            *member_type,
                                                               const char            *member_id,
                                                               const char            *display,
                                                               const char            *role_code);
const char           *cercle_care_team_member_get_member_type (CercleCareTeamMember  *self);
const char           *cercle_care_team_member_get_member_id   (CercleCareTeamMember  *self);
const char           *cercle_care_team_member_get_display     (CercleCareTeamMember  *self);
const char           *cercle_care_team_member_get_role_code   (CercleCareTeamMember  *self);
const char           *cercle_care_team_member_get_role_label  (CercleCareTeamMember  *self);
const char           *cercle_care_team_member_get_start       (CercleCareTeamMember  *self);
const char           *cercle_care_team_member_get_end         (CercleCareTeamMember  *self);
gboolean              cercle_care_team_member_is_active       (CercleCareTeamMember  *self,
                                                               const char            *today);

char                 *cercle_care_team_id_for_patient         (const char            *patient_id);
JsonObject           *cercle_care_team_to_fhir                (const char            *patient_id,
                                                               GPtrArray             *members);
GPtrArray            *cercle_care_team_from_fhir              (JsonObject            *care_team,
                                                               char                 **patient_id,
                                                               GError               **error);

const CercleCareTeamRole *cercle_care_team_roles              (gsize                 *n_roles);
const char           *cercle_care_team_role_label             (const char            *code);

G_END_DECLS
