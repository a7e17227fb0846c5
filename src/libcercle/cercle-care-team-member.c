/* cercle-care-team-member.c — one member of a patient's care circle (FHIR CareTeam.participant)
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "cercle-care-team-member.h"
#include "cercle-fhir.h"
#include "cercle-fhir-private.h"
#include "cercle-i18n.h"

struct _CercleCareTeamMember
{
  GObject parent_instance;

  char *member_type;
  char *member_id;
  char *display;
  char *role_code;
  char *start;
  char *end;
};

G_DEFINE_FINAL_TYPE (CercleCareTeamMember, cercle_care_team_member, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_MEMBER_TYPE,
  PROP_MEMBER_ID,
  PROP_DISPLAY,
  PROP_ROLE_CODE,
  PROP_ROLE_LABEL,
  PROP_START,
  PROP_END,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* domain.md §4, plus the hospital team that prepares a discharge. The
 * services (SSIAD, HAD, SAAD) are structures; the aidant, the personne de
 * confiance and the legal representative are relatives (RelatedPerson). */
static const CercleCareTeamRole roles[] = {
  { "medecin-traitant",         NC_("care team role", "General practitioner"), "Practitioner", "Médecin traitant" },
  { "infirmier",                NC_("care team role", "Nurse"), "Practitioner", "Infirmier(ère)" },
  { "pharmacien",               NC_("care team role", "Pharmacist"), "Practitioner", "Pharmacien" },
  { "masseur-kinesitherapeute", NC_("care team role", "Physiotherapist"), "Practitioner", "Masseur-kinésithérapeute" },
  { "medecin-specialiste",      NC_("care team role", "Specialist doctor"), "Practitioner", "Médecin spécialiste" },
  { "ssiad",                    NC_("care team role", "Nursing at home (SSIAD)"), "Organization", "SSIAD" },
  { "had",                      NC_("care team role", "Hospitalisation at home (HAD)"), "Organization", "HAD" },
  { "saad",                     NC_("care team role", "Help at home (SAAD)"), "Organization", "SAAD" },
  { "coordinateur-dac",         NC_("care team role", "DAC coordinator"), NULL, "Coordinateur DAC" },
  { "equipe-hospitaliere",      NC_("care team role", "Hospital team"), NULL, "Équipe hospitalière" },
  { "aidant",                   NC_("care team role", "Caregiver"), "RelatedPerson", "Aidant" },
  { "personne-de-confiance",    NC_("care team role", "Trusted person"), "RelatedPerson", "Personne de confiance" },
  { "representant-legal",       NC_("care team role", "Legal representative"), "RelatedPerson", "Représentant légal" },
};

static const char *const member_types[] = { "Practitioner", "Organization", "RelatedPerson", NULL };

static const CercleCareTeamRole *
find_role (const char *code)
{
  for (gsize i = 0; code != NULL && i < G_N_ELEMENTS (roles); i++)
    if (strcmp (roles[i].code, code) == 0)
      return &roles[i];
  return NULL;
}

/**
 * cercle_care_team_roles:
 * @n_roles: (out): the number of roles
 *
 * Returns: (array length=n_roles): the roles of a care circle
 *   (CERCLE_FHIR_SYSTEM_CARE_TEAM_ROLE)
 */
const CercleCareTeamRole *
cercle_care_team_roles (gsize *n_roles)
{
  g_return_val_if_fail (n_roles != NULL, NULL);

  *n_roles = G_N_ELEMENTS (roles);
  return roles;
}

/**
 * cercle_care_team_role_label:
 * @code: (nullable): a role code
 *
 * Returns: (nullable): the translated label of @code, or %NULL
 */
const char *
cercle_care_team_role_label (const char *code)
{
  const CercleCareTeamRole *role = find_role (code);

  return role ? g_dpgettext2 (GETTEXT_PACKAGE, "care team role", role->label) : NULL;
}

static void
cercle_care_team_member_finalize (GObject *object)
{
  CercleCareTeamMember *self = (CercleCareTeamMember *) object;

  g_free (self->member_type);
  g_free (self->member_id);
  g_free (self->display);
  g_free (self->role_code);
  g_free (self->start);
  g_free (self->end);

  G_OBJECT_CLASS (cercle_care_team_member_parent_class)->finalize (object);
}

static void
cercle_care_team_member_get_property (GObject    *object,
                                      guint       prop_id,
                                      GValue     *value,
                                      GParamSpec *pspec)
{
  CercleCareTeamMember *self = CERCLE_CARE_TEAM_MEMBER (object);

  switch (prop_id)
    {
    case PROP_MEMBER_TYPE:
      g_value_set_string (value, self->member_type);
      break;
    case PROP_MEMBER_ID:
      g_value_set_string (value, self->member_id);
      break;
    case PROP_DISPLAY:
      g_value_set_string (value, self->display);
      break;
    case PROP_ROLE_CODE:
      g_value_set_string (value, self->role_code);
      break;
    case PROP_ROLE_LABEL:
      g_value_set_string (value, cercle_care_team_member_get_role_label (self));
      break;
    case PROP_START:
      g_value_set_string (value, self->start);
      break;
    case PROP_END:
      g_value_set_string (value, self->end);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cercle_care_team_member_set_property (GObject      *object,
                                      guint         prop_id,
                                      const GValue *value,
                                      GParamSpec   *pspec)
{
  CercleCareTeamMember *self = CERCLE_CARE_TEAM_MEMBER (object);

  switch (prop_id)
    {
    case PROP_MEMBER_TYPE:
      cercle_set_str (&self->member_type, g_value_get_string (value));
      break;
    case PROP_MEMBER_ID:
      cercle_set_str (&self->member_id, g_value_get_string (value));
      break;
    case PROP_DISPLAY:
      cercle_set_str (&self->display, g_value_get_string (value));
      break;
    case PROP_ROLE_CODE:
      cercle_set_str (&self->role_code, g_value_get_string (value));
      g_object_notify_by_pspec (object, properties[PROP_ROLE_LABEL]);
      break;
    case PROP_START:
      cercle_set_str (&self->start, g_value_get_string (value));
      break;
    case PROP_END:
      cercle_set_str (&self->end, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cercle_care_team_member_class_init (CercleCareTeamMemberClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;

  object_class->finalize = cercle_care_team_member_finalize;
  object_class->get_property = cercle_care_team_member_get_property;
  object_class->set_property = cercle_care_team_member_set_property;

  /* "Practitioner", "Organization" or "RelatedPerson" */
  properties[PROP_MEMBER_TYPE] = g_param_spec_string ("member-type", NULL, NULL, NULL, rw);
  properties[PROP_MEMBER_ID] = g_param_spec_string ("member-id", NULL, NULL, NULL, rw);
  properties[PROP_DISPLAY] = g_param_spec_string ("display", NULL, NULL, NULL, rw);
  properties[PROP_ROLE_CODE] = g_param_spec_string ("role-code", NULL, NULL, NULL, rw);
  properties[PROP_ROLE_LABEL] = g_param_spec_string ("role-label", NULL, NULL, NULL,
                                                     G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /* FHIR dates (YYYY-MM-DD) of entry in and exit from the circle */
  properties[PROP_START] = g_param_spec_string ("start", NULL, NULL, NULL, rw);
  properties[PROP_END] = g_param_spec_string ("end", NULL, NULL, NULL, rw);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
cercle_care_team_member_init (CercleCareTeamMember *self)
{
}

/**
 * cercle_care_team_member_new:
 * @member_type: "Practitioner", "Organization" or "RelatedPerson"
 * @member_id: the logical id of the member resource
 * @display: (nullable): the name to show
 * @role_code: a code of cercle_care_team_roles()
 *
 * Returns: (transfer full): a new member, without period
 */
CercleCareTeamMember *
cercle_care_team_member_new (const char *member_type,
                             const char *member_id,
                             const char *display,
                             const char *role_code)
{
  return g_object_new (CERCLE_TYPE_CARE_TEAM_MEMBER,
                       "member-type", member_type,
                       "member-id", member_id,
                       "display", display,
                       "role-code", role_code,
                       NULL);
}

/**
 * cercle_care_team_member_get_member_type:
 * @self: a care circle member
 *
 * Returns: (nullable): its #CercleCareTeamMember:member-type
 */
const char *
cercle_care_team_member_get_member_type (CercleCareTeamMember *self)
{
  g_return_val_if_fail (CERCLE_IS_CARE_TEAM_MEMBER (self), NULL);
  return self->member_type;
}

/**
 * cercle_care_team_member_get_member_id:
 * @self: a care circle member
 *
 * Returns: (nullable): its #CercleCareTeamMember:member-id
 */
const char *
cercle_care_team_member_get_member_id (CercleCareTeamMember *self)
{
  g_return_val_if_fail (CERCLE_IS_CARE_TEAM_MEMBER (self), NULL);
  return self->member_id;
}

/**
 * cercle_care_team_member_get_display:
 * @self: a care circle member
 *
 * Returns: (nullable): its #CercleCareTeamMember:display
 */
const char *
cercle_care_team_member_get_display (CercleCareTeamMember *self)
{
  g_return_val_if_fail (CERCLE_IS_CARE_TEAM_MEMBER (self), NULL);
  return self->display;
}

/**
 * cercle_care_team_member_get_role_code:
 * @self: a care circle member
 *
 * Returns: (nullable): its #CercleCareTeamMember:role-code
 */
const char *
cercle_care_team_member_get_role_code (CercleCareTeamMember *self)
{
  g_return_val_if_fail (CERCLE_IS_CARE_TEAM_MEMBER (self), NULL);
  return self->role_code;
}

/**
 * cercle_care_team_member_get_role_label:
 * @self: a care circle member
 *
 * Returns: its #CercleCareTeamMember:role-label, « Membre » for a member
 *   without a role
 */
const char *
cercle_care_team_member_get_role_label (CercleCareTeamMember *self)
{
  g_return_val_if_fail (CERCLE_IS_CARE_TEAM_MEMBER (self), NULL);
  if (self->role_code == NULL)
    return C_("care team role", "Member");
  return cercle_care_team_role_label (self->role_code);
}

/**
 * cercle_care_team_member_get_start:
 * @self: a care circle member
 *
 * Returns: (nullable): its #CercleCareTeamMember:start
 */
const char *
cercle_care_team_member_get_start (CercleCareTeamMember *self)
{
  g_return_val_if_fail (CERCLE_IS_CARE_TEAM_MEMBER (self), NULL);
  return self->start;
}

/**
 * cercle_care_team_member_get_end:
 * @self: a care circle member
 *
 * Returns: (nullable): its #CercleCareTeamMember:end
 */
const char *
cercle_care_team_member_get_end (CercleCareTeamMember *self)
{
  g_return_val_if_fail (CERCLE_IS_CARE_TEAM_MEMBER (self), NULL);
  return self->end;
}

/**
 * cercle_care_team_member_is_active:
 * @self: a member
 * @today: the date of today, "YYYY-MM-DD"
 *
 * A member who has left the circle (end date passed) no longer sees the
 * patient's file; one who has not entered yet does not either.
 *
 * Returns: %TRUE when @today is within the member's period
 */
gboolean
cercle_care_team_member_is_active (CercleCareTeamMember *self,
                                   const char           *today)
{
  g_return_val_if_fail (CERCLE_IS_CARE_TEAM_MEMBER (self), FALSE);
  g_return_val_if_fail (today != NULL, FALSE);

  /* FHIR dates in the same format compare as strings; a period end is
   * inclusive, so compare only the date part. */
  if (self->start != NULL && strncmp (self->start, today, 10) > 0)
    return FALSE;
  if (self->end != NULL && strncmp (self->end, today, 10) < 0)
    return FALSE;
  return TRUE;
}

/**
 * cercle_care_team_id_for_patient:
 * @patient_id: the logical id of a Patient
 *
 * One care team per patient: its id is derived from the patient's so that
 * client and server agree on it without asking.
 *
 * Returns: (transfer full): "ct-" + @patient_id, or a digest when too long
 */
char *
cercle_care_team_id_for_patient (const char *patient_id)
{
  g_autofree char *digest = NULL;

  g_return_val_if_fail (patient_id != NULL, NULL);

  if (strlen (patient_id) + 3 <= 64)
    return g_strconcat ("ct-", patient_id, NULL);
  digest = g_compute_checksum_for_string (G_CHECKSUM_SHA1, patient_id, -1);
  return g_strconcat ("ct-", digest, NULL);
}

/**
 * cercle_care_team_to_fhir:
 * @patient_id: the logical id of the Patient
 * @members: (element-type CercleCareTeamMember): the members
 *
 * Writes the care circle of a patient as a FHIR R4 CareTeam (as in the ANS
 * "cercle de soins" guide): subject the patient, one participant per member
 * with its role, its reference and its period. The id is
 * cercle_care_team_id_for_patient().
 *
 * Returns: (transfer full): the CareTeam
 */
JsonObject *
cercle_care_team_to_fhir (const char *patient_id,
                          GPtrArray  *members)
{
  g_autofree char *id = NULL;
  JsonObject *care_team;
  JsonArray *participants;

  g_return_val_if_fail (patient_id != NULL, NULL);
  g_return_val_if_fail (members != NULL, NULL);

  id = cercle_care_team_id_for_patient (patient_id);
  care_team = json_object_new ();
  json_object_set_string_member (care_team, "resourceType", "CareTeam");
  json_object_set_string_member (care_team, "id", id);
  json_object_set_string_member (care_team, "status", "active");
  json_object_set_string_member (care_team, "name", "Cercle de soins");
  json_object_set_object_member (care_team, "subject", cercle_fhir_reference_new ("Patient", patient_id, NULL));

  participants = json_array_new ();
  for (guint i = 0; i < members->len; i++)
    {
      CercleCareTeamMember *member = g_ptr_array_index (members, i);
      JsonObject *participant = json_object_new ();

      g_return_val_if_fail (CERCLE_IS_CARE_TEAM_MEMBER (member), care_team);

      /* The server puts a patient's creator in the circle without a role:
       * such a member is written back as it came. */
      if (member->role_code != NULL)
        {
          JsonArray *role = json_array_new ();

          json_array_add_object_element (role,
                                         cercle_fhir_codeable_concept_new (CERCLE_FHIR_SYSTEM_CARE_TEAM_ROLE,
                                                                           member->role_code,
                                                                           find_role (member->role_code)
                                                                           ? find_role (member->role_code)->display
                                                                           : NULL));
          json_object_set_array_member (participant, "role", role);
        }
      json_object_set_object_member (participant, "member",
                                     cercle_fhir_reference_new (member->member_type, member->member_id,
                                                                member->display));
      if (member->start || member->end)
        json_object_set_object_member (participant, "period",
                                       cercle_fhir_period_new (member->start, member->end));
      json_array_add_object_element (participants, participant);
    }
  if (json_array_get_length (participants) > 0)
    json_object_set_array_member (care_team, "participant", participants);
  else
    json_array_unref (participants);

  return care_team;
}

/**
 * cercle_care_team_from_fhir:
 * @care_team: a FHIR CareTeam
 * @patient_id: (out) (optional): the logical id of its patient
 * @error: return location for a #CERCLE_FHIR_ERROR
 *
 * Reads a care circle. Every participant needs a known role, a member that
 * is a Practitioner, an Organization or a RelatedPerson, of the kind the
 * role asks for, and valid dates.
 *
 * Returns: (transfer full) (element-type CercleCareTeamMember) (nullable):
 *   the members, or %NULL
 */
GPtrArray *
cercle_care_team_from_fhir (JsonObject  *care_team,
                            char       **patient_id,
                            GError     **error)
{
  g_autoptr(GPtrArray) members = NULL;
  g_autofree char *subject_type = NULL;
  g_autofree char *subject_id = NULL;
  JsonArray *participants;

  g_return_val_if_fail (care_team != NULL, NULL);

  if (patient_id != NULL)
    *patient_id = NULL;
  if (!cercle_fhir_check_resource (care_team, "CareTeam", error))
    return NULL;

  if (!cercle_fhir_reference_parse (cercle_fhir_get_object (care_team, "subject"), &subject_type, &subject_id)
      || strcmp (subject_type, "Patient") != 0)
    {
      g_set_error (error, CERCLE_FHIR_ERROR, CERCLE_FHIR_ERROR_REQUIRED,
                   _("A care circle needs a patient as its subject"));
      return NULL;
    }

  members = g_ptr_array_new_with_free_func (g_object_unref);
  participants = cercle_fhir_get_array (care_team, "participant");
  for (guint i = 0; participants != NULL && i < json_array_get_length (participants); i++)
    {
      JsonObject *participant = cercle_fhir_array_get_object (participants, i);
      JsonObject *reference = cercle_fhir_get_object (participant, "member");
      JsonArray *role = cercle_fhir_get_array (participant, "role");
      JsonObject *period = cercle_fhir_get_object (participant, "period");
      g_autofree char *type = NULL;
      g_autofree char *id = NULL;
      const char *role_code = NULL;
      const CercleCareTeamRole *known;
      CercleCareTeamMember *member;

      if (role != NULL && json_array_get_length (role) > 0)
        role_code = cercle_fhir_codeable_concept_find (cercle_fhir_array_get_object (role, 0),
                                                       CERCLE_FHIR_SYSTEM_CARE_TEAM_ROLE, NULL);
      known = find_role (role_code);
      /* No role is allowed (the server puts a patient's creator in the
       * circle without one); a role of ours that we do not know is not. */
      if (known == NULL && role_code != NULL)
        {
          g_set_error (error, CERCLE_FHIR_ERROR, CERCLE_FHIR_ERROR_INVALID,
                       _("The member %u of the care circle has no known role"), i + 1);
          return NULL;
        }
      if (!cercle_fhir_reference_parse (reference, &type, &id)
          || !g_strv_contains (member_types, type))
        {
          g_set_error (error, CERCLE_FHIR_ERROR, CERCLE_FHIR_ERROR_INVALID,
                       _("The member %u of the care circle is not a professional, a structure or a relative"),
                       i + 1);
          return NULL;
        }
      if (known != NULL && known->member_type != NULL && strcmp (known->member_type, type) != 0)
        {
          g_set_error (error, CERCLE_FHIR_ERROR, CERCLE_FHIR_ERROR_INVALID,
                       _("The role “%s” cannot be held by a %s"),
                       cercle_care_team_role_label (role_code), type);
          return NULL;
        }

      member = cercle_care_team_member_new (type, id, cercle_fhir_get_string (reference, "display"), role_code);
      g_ptr_array_add (members, member);
      if (period != NULL)
        {
          const char *start = cercle_fhir_get_string (period, "start");
          const char *end = cercle_fhir_get_string (period, "end");

          if ((start != NULL && !cercle_fhir_is_valid_date_time (start))
              || (end != NULL && !cercle_fhir_is_valid_date_time (end)))
            {
              g_set_error (error, CERCLE_FHIR_ERROR, CERCLE_FHIR_ERROR_INVALID,
                           _("The member %u of the care circle has an invalid period"), i + 1);
              return NULL;
            }
          if (start != NULL && end != NULL && strcmp (start, end) > 0)
            {
              g_set_error (error, CERCLE_FHIR_ERROR, CERCLE_FHIR_ERROR_INVALID,
                           _("The member %u of the care circle leaves before entering it"), i + 1);
              return NULL;
            }
          member->start = g_strdup (start);
          member->end = g_strdup (end);
        }
    }

  if (patient_id != NULL)
    *patient_id = g_steal_pointer (&subject_id);
  return g_steal_pointer (&members);
}
