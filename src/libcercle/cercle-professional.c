/* cercle-professional.c — a health professional (FHIR Practitioner)
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "cercle-fhir.h"
#include "cercle-fhir-private.h"
#include "cercle-i18n.h"
#include "cercle-professional.h"

struct _CercleProfessional
{
  GObject parent_instance;

  char *id;
  char *rpps;
  char *family_name;
  char *given_name;
  char *profession_code;
  char *phone;
  char *mssante;
};

G_DEFINE_FINAL_TYPE (CercleProfessional, cercle_professional, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_RPPS,
  PROP_FAMILY_NAME,
  PROP_GIVEN_NAME,
  PROP_PROFESSION_CODE,
  PROP_PROFESSION_LABEL,
  PROP_PHONE,
  PROP_MSSANTE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

typedef struct {
  const char *code;
  const char *label;
  gboolean    health;   /* a TRE_G15 health profession */
  gboolean    medical;  /* may read the medical section of a referral */
  const char *display;  /* the display of the code (TRE_G15 for health professions) */
} Profession;

/* The medical section of a referral is for those bound by medical secrecy
 * who take the clinical decisions: doctors, midwives and nurses. */
static const Profession professions[] = {
  { "10", NC_("profession", "Doctor"), TRUE, TRUE, "Médecin" },
  { "21", NC_("profession", "Pharmacist"), TRUE, FALSE, "Pharmacien" },
  { "40", NC_("profession", "Dentist"), TRUE, FALSE, "Chirurgien-Dentiste" },
  { "50", NC_("profession", "Midwife"), TRUE, TRUE, "Sage-Femme" },
  { "60", NC_("profession", "Nurse"), TRUE, TRUE, "Infirmier" },
  { "70", NC_("profession", "Physiotherapist"), TRUE, FALSE, "Masseur-Kinésithérapeute" },
  { "assistant-social", NC_("profession", "Social worker"), FALSE, FALSE, "Assistant de service social" },
  { "secretaire-admission", NC_("profession", "Admission officer"), FALSE, FALSE, "Chargé d'admission" },
};

static const Profession *
find_profession (const char *code)
{
  for (gsize i = 0; code != NULL && i < G_N_ELEMENTS (professions); i++)
    if (strcmp (professions[i].code, code) == 0)
      return &professions[i];
  return NULL;
}

/**
 * cercle_profession_label:
 * @code: (nullable): a TRE_G15 code or a CERCLE_PROFESSION_ code
 *
 * Returns: (nullable): the translated label, or %NULL for an unknown code
 */
const char *
cercle_profession_label (const char *code)
{
  const Profession *p = find_profession (code);

  return p ? g_dpgettext2 (GETTEXT_PACKAGE, "profession", p->label) : NULL;
}

/**
 * cercle_profession_display:
 * @code: (nullable): a profession code
 *
 * Returns: (nullable): the display of @code in FHIR codings (the TRE_G15
 *   display for health professions), whatever the user's language
 */
const char *
cercle_profession_display (const char *code)
{
  const Profession *p = find_profession (code);

  return p ? p->display : NULL;
}

/**
 * cercle_profession_is_health:
 * @code: (nullable): a profession code
 *
 * Returns: %TRUE for a health profession of the TRE_G15 nomenclature
 */
gboolean
cercle_profession_is_health (const char *code)
{
  const Profession *p = find_profession (code);

  return p != NULL && p->health;
}

/**
 * cercle_profession_is_medical:
 * @code: (nullable): a profession code
 *
 * Returns: %TRUE when people of this profession may read the medical section
 *   of a referral (doctors, midwives, nurses)
 */
gboolean
cercle_profession_is_medical (const char *code)
{
  const Profession *p = find_profession (code);

  return p != NULL && p->medical;
}

static void
cercle_professional_finalize (GObject *object)
{
  CercleProfessional *self = (CercleProfessional *) object;

  g_free (self->id);
  g_free (self->rpps);
  g_free (self->family_name);
  g_free (self->given_name);
  g_free (self->profession_code);
  g_free (self->phone);
  g_free (self->mssante);

  G_OBJECT_CLASS (cercle_professional_parent_class)->finalize (object);
}

static void
cercle_professional_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  CercleProfessional *self = CERCLE_PROFESSIONAL (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;
    case PROP_RPPS:
      g_value_set_string (value, self->rpps);
      break;
    case PROP_FAMILY_NAME:
      g_value_set_string (value, self->family_name);
      break;
    case PROP_GIVEN_NAME:
      g_value_set_string (value, self->given_name);
      break;
    case PROP_PROFESSION_CODE:
      g_value_set_string (value, self->profession_code);
      break;
    case PROP_PROFESSION_LABEL:
      g_value_set_string (value, cercle_profession_label (self->profession_code));
      break;
    case PROP_PHONE:
      g_value_set_string (value, self->phone);
      break;
    case PROP_MSSANTE:
      g_value_set_string (value, self->mssante);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cercle_professional_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  CercleProfessional *self = CERCLE_PROFESSIONAL (object);

  switch (prop_id)
    {
    case PROP_ID:
      cercle_set_str (&self->id, g_value_get_string (value));
      break;
    case PROP_RPPS:
      cercle_set_str (&self->rpps, g_value_get_string (value));
      break;
    case PROP_FAMILY_NAME:
      cercle_set_str (&self->family_name, g_value_get_string (value));
      break;
    case PROP_GIVEN_NAME:
      cercle_set_str (&self->given_name, g_value_get_string (value));
      break;
    case PROP_PROFESSION_CODE:
      cercle_set_str (&self->profession_code, g_value_get_string (value));
      g_object_notify_by_pspec (object, properties[PROP_PROFESSION_LABEL]);
      break;
    case PROP_PHONE:
      cercle_set_str (&self->phone, g_value_get_string (value));
      break;
    case PROP_MSSANTE:
      cercle_set_str (&self->mssante, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cercle_professional_class_init (CercleProfessionalClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->finalize = cercle_professional_finalize;
  object_class->get_property = cercle_professional_get_property;
  object_class->set_property = cercle_professional_set_property;

  properties[PROP_ID] = g_param_spec_string ("id", NULL, NULL, NULL, rw);
  properties[PROP_RPPS] = g_param_spec_string ("rpps", NULL, NULL, NULL, rw);
  properties[PROP_FAMILY_NAME] = g_param_spec_string ("family-name", NULL, NULL, NULL, rw);
  properties[PROP_GIVEN_NAME] = g_param_spec_string ("given-name", NULL, NULL, NULL, rw);
  properties[PROP_PROFESSION_CODE] = g_param_spec_string ("profession-code", NULL, NULL, NULL, rw);
  properties[PROP_PROFESSION_LABEL] = g_param_spec_string ("profession-label", NULL, NULL, NULL,
                                                           G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_PHONE] = g_param_spec_string ("phone", NULL, NULL, NULL, rw);
  properties[PROP_MSSANTE] = g_param_spec_string ("mssante", NULL, NULL, NULL, rw);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
cercle_professional_init (CercleProfessional *self)
{
}

/**
 * cercle_professional_new:
 * @id: (nullable): the logical id of the Practitioner
 * @rpps: (nullable): the 11-digit RPPS number
 * @family_name: the family name
 * @given_name: (nullable): the first name
 * @profession_code: (nullable): a TRE_G15 code or a CERCLE_PROFESSION_ code
 *
 * Returns: (transfer full): a new professional
 */
CercleProfessional *
cercle_professional_new (const char *id,
                         const char *rpps,
                         const char *family_name,
                         const char *given_name,
                         const char *profession_code)
{
  return g_object_new (CERCLE_TYPE_PROFESSIONAL,
                       "id", id,
                       "rpps", rpps,
                       "family-name", family_name,
                       "given-name", given_name,
                       "profession-code", profession_code,
                       NULL);
}

/**
 * cercle_professional_get_id:
 * @self: a professional
 *
 * Returns: (nullable): its #CercleProfessional:id
 */
const char *
cercle_professional_get_id (CercleProfessional *self)
{
  g_return_val_if_fail (CERCLE_IS_PROFESSIONAL (self), NULL);
  return self->id;
}

/**
 * cercle_professional_get_rpps:
 * @self: a professional
 *
 * Returns: (nullable): its #CercleProfessional:rpps
 */
const char *
cercle_professional_get_rpps (CercleProfessional *self)
{
  g_return_val_if_fail (CERCLE_IS_PROFESSIONAL (self), NULL);
  return self->rpps;
}

/**
 * cercle_professional_get_family_name:
 * @self: a professional
 *
 * Returns: (nullable): its #CercleProfessional:family-name
 */
const char *
cercle_professional_get_family_name (CercleProfessional *self)
{
  g_return_val_if_fail (CERCLE_IS_PROFESSIONAL (self), NULL);
  return self->family_name;
}

/**
 * cercle_professional_get_given_name:
 * @self: a professional
 *
 * Returns: (nullable): its #CercleProfessional:given-name
 */
const char *
cercle_professional_get_given_name (CercleProfessional *self)
{
  g_return_val_if_fail (CERCLE_IS_PROFESSIONAL (self), NULL);
  return self->given_name;
}

/**
 * cercle_professional_get_profession_code:
 * @self: a professional
 *
 * Returns: (nullable): its #CercleProfessional:profession-code
 */
const char *
cercle_professional_get_profession_code (CercleProfessional *self)
{
  g_return_val_if_fail (CERCLE_IS_PROFESSIONAL (self), NULL);
  return self->profession_code;
}

/**
 * cercle_professional_get_phone:
 * @self: a professional
 *
 * Returns: (nullable): its #CercleProfessional:phone
 */
const char *
cercle_professional_get_phone (CercleProfessional *self)
{
  g_return_val_if_fail (CERCLE_IS_PROFESSIONAL (self), NULL);
  return self->phone;
}

/**
 * cercle_professional_get_mssante:
 * @self: a professional
 *
 * Returns: (nullable): its #CercleProfessional:mssante
 */
const char *
cercle_professional_get_mssante (CercleProfessional *self)
{
  g_return_val_if_fail (CERCLE_IS_PROFESSIONAL (self), NULL);
  return self->mssante;
}

/**
 * cercle_professional_dup_idnps:
 * @self: a professional
 *
 * Returns: (transfer full) (nullable): the national id "8" + RPPS, or %NULL
 *   without an RPPS number
 */
char *
cercle_professional_dup_idnps (CercleProfessional *self)
{
  g_return_val_if_fail (CERCLE_IS_PROFESSIONAL (self), NULL);

  return self->rpps ? g_strconcat ("8", self->rpps, NULL) : NULL;
}

/**
 * cercle_professional_dup_display_name:
 * @self: a professional
 *
 * Returns: (transfer full): "Given FAMILY" as shown in lists
 */
char *
cercle_professional_dup_display_name (CercleProfessional *self)
{
  g_autofree char *family = NULL;

  g_return_val_if_fail (CERCLE_IS_PROFESSIONAL (self), NULL);

  family = self->family_name ? g_utf8_strup (self->family_name, -1) : g_strdup ("");
  if (self->given_name == NULL || self->given_name[0] == '\0')
    return g_steal_pointer (&family);
  return g_strdup_printf ("%s %s", self->given_name, family);
}

static JsonObject *
contact_point (const char *system,
               const char *value)
{
  JsonObject *point = json_object_new ();

  json_object_set_string_member (point, "system", system);
  json_object_set_string_member (point, "value", value);
  json_object_set_string_member (point, "use", "work");
  return point;
}

/**
 * cercle_professional_to_fhir:
 * @self: a professional
 *
 * Writes a FHIR R4 Practitioner: identifiers RPPS and IDNPS ("8" + RPPS),
 * name, telecom (phone, MSSanté mailbox marked as such the FR Core way) and
 * the profession as a qualification.
 *
 * Returns: (transfer full): the Practitioner
 */
JsonObject *
cercle_professional_to_fhir (CercleProfessional *self)
{
  JsonObject *practitioner;
  JsonArray *array;
  JsonObject *name;

  g_return_val_if_fail (CERCLE_IS_PROFESSIONAL (self), NULL);

  practitioner = json_object_new ();
  json_object_set_string_member (practitioner, "resourceType", "Practitioner");
  if (self->id)
    json_object_set_string_member (practitioner, "id", self->id);

  if (self->rpps)
    {
      g_autofree char *idnps = cercle_professional_dup_idnps (self);

      array = json_array_new ();
      json_array_add_object_element (array,
                                     cercle_fhir_identifier_new_typed (CERCLE_FHIR_SYSTEM_RPPS, self->rpps,
                                                                       "RPPS", "N° RPPS"));
      json_array_add_object_element (array,
                                     cercle_fhir_identifier_new_typed (CERCLE_FHIR_SYSTEM_IDNPS, idnps,
                                                                       "IDNPS", "Identifiant national de professionnel de santé"));
      json_object_set_array_member (practitioner, "identifier", array);
    }
  json_object_set_boolean_member (practitioner, "active", TRUE);

  name = json_object_new ();
  json_object_set_string_member (name, "use", "usual");
  if (self->family_name)
    json_object_set_string_member (name, "family", self->family_name);
  if (self->given_name)
    {
      array = json_array_new ();
      json_array_add_string_element (array, self->given_name);
      json_object_set_array_member (name, "given", array);
    }
  array = json_array_new ();
  json_array_add_object_element (array, name);
  json_object_set_array_member (practitioner, "name", array);

  if (self->phone || self->mssante)
    {
      array = json_array_new ();
      if (self->phone)
        json_array_add_object_element (array, contact_point ("phone", self->phone));
      if (self->mssante)
        {
          JsonObject *mail = contact_point ("email", self->mssante);
          JsonObject *extension = json_object_new ();
          JsonArray *extensions = json_array_new ();

          json_object_set_string_member (extension, "url", CERCLE_FHIR_EXTENSION_EMAIL_TYPE);
          json_object_set_object_member (extension, "valueCoding",
                                         cercle_fhir_coding_new (CERCLE_FHIR_SYSTEM_EMAIL_TYPE, "MSSANTE", "Messagerie Sécurisée Santé"));
          json_array_add_object_element (extensions, extension);
          json_object_set_array_member (mail, "extension", extensions);
          json_array_add_object_element (array, mail);
        }
      json_object_set_array_member (practitioner, "telecom", array);
    }

  if (self->profession_code)
    {
      const Profession *p = find_profession (self->profession_code);
      JsonObject *qualification = json_object_new ();

      json_object_set_object_member (qualification, "code",
                                     cercle_fhir_codeable_concept_new (p && !p->health ? CERCLE_FHIR_SYSTEM_PROFESSION_OTHER
                                                                                      : CERCLE_FHIR_SYSTEM_PROFESSION,
                                                                       self->profession_code,
                                                                       p ? p->display : NULL));
      array = json_array_new ();
      json_array_add_object_element (array, qualification);
      json_object_set_array_member (practitioner, "qualification", array);
    }

  return practitioner;
}

/**
 * cercle_professional_to_fhir_role:
 * @self: a professional with an id
 * @role_id: (nullable): the logical id of the PractitionerRole
 * @organization_id: the Organization the professional works for
 *
 * Writes the FHIR R4 PractitionerRole that ties a professional to a
 * structure (an admission desk acts for its structure), with the profession
 * as its code.
 *
 * Returns: (transfer full): the PractitionerRole
 */
JsonObject *
cercle_professional_to_fhir_role (CercleProfessional *self,
                                  const char         *role_id,
                                  const char         *organization_id)
{
  JsonObject *role;

  g_return_val_if_fail (CERCLE_IS_PROFESSIONAL (self), NULL);
  g_return_val_if_fail (self->id != NULL, NULL);
  g_return_val_if_fail (organization_id != NULL, NULL);

  role = json_object_new ();
  json_object_set_string_member (role, "resourceType", "PractitionerRole");
  if (role_id != NULL)
    json_object_set_string_member (role, "id", role_id);
  json_object_set_boolean_member (role, "active", TRUE);
  json_object_set_object_member (role, "practitioner",
                                 cercle_fhir_reference_new ("Practitioner", self->id, NULL));
  json_object_set_object_member (role, "organization",
                                 cercle_fhir_reference_new ("Organization", organization_id, NULL));
  if (self->profession_code)
    {
      const Profession *p = find_profession (self->profession_code);
      JsonArray *code = json_array_new ();

      json_array_add_object_element (code,
                                     cercle_fhir_codeable_concept_new (p && !p->health ? CERCLE_FHIR_SYSTEM_PROFESSION_OTHER
                                                                                      : CERCLE_FHIR_SYSTEM_PROFESSION,
                                                                       self->profession_code, p ? p->display : NULL));
      json_object_set_array_member (role, "code", code);
    }
  return role;
}

/**
 * cercle_professional_new_from_fhir:
 * @practitioner: a FHIR Practitioner
 * @error: return location for a #CERCLE_FHIR_ERROR
 *
 * Reads what cercle_professional_to_fhir() writes, and what the national
 * directory gives (identifiers in any order, other telecoms ignored).
 *
 * Returns: (transfer full) (nullable): the professional, or %NULL
 */
CercleProfessional *
cercle_professional_new_from_fhir (JsonObject  *practitioner,
                                   GError     **error)
{
  g_autoptr(CercleProfessional) self = NULL;
  const char *rpps, *idnps;
  JsonArray *array;

  g_return_val_if_fail (practitioner != NULL, NULL);

  if (!cercle_fhir_check_resource (practitioner, "Practitioner", error))
    return NULL;

  rpps = cercle_fhir_find_identifier (practitioner, CERCLE_FHIR_SYSTEM_RPPS);
  idnps = cercle_fhir_find_identifier (practitioner, CERCLE_FHIR_SYSTEM_IDNPS);
  /* The IDNPS of an RPPS professional is "8" + RPPS: take the RPPS from it
   * when only the IDNPS is given, refuse when the two disagree. */
  if (rpps == NULL && idnps != NULL && idnps[0] == '8' && strlen (idnps) == 12)
    rpps = idnps + 1;
  else if (rpps != NULL && idnps != NULL && idnps[0] == '8' && strcmp (idnps + 1, rpps) != 0)
    {
      g_set_error (error, CERCLE_FHIR_ERROR, CERCLE_FHIR_ERROR_INVALID,
                   _("The IDNPS “%s” does not match the RPPS number “%s”"), idnps, rpps);
      return NULL;
    }

  self = g_object_new (CERCLE_TYPE_PROFESSIONAL,
                       "id", cercle_fhir_get_string (practitioner, "id"),
                       "rpps", rpps,
                       NULL);

  array = cercle_fhir_get_array (practitioner, "name");
  if (array != NULL && json_array_get_length (array) > 0)
    {
      JsonObject *name = cercle_fhir_array_get_object (array, 0);
      JsonArray *given = cercle_fhir_get_array (name, "given");

      self->family_name = g_strdup (cercle_fhir_get_string (name, "family"));
      if (given != NULL && json_array_get_length (given) > 0)
        {
          JsonNode *node = json_array_get_element (given, 0);

          if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
            self->given_name = g_strdup (json_node_get_string (node));
        }
    }
  if (self->family_name == NULL)
    {
      g_set_error (error, CERCLE_FHIR_ERROR, CERCLE_FHIR_ERROR_REQUIRED,
                   _("The Practitioner has no family name"));
      return NULL;
    }

  array = cercle_fhir_get_array (practitioner, "telecom");
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      JsonObject *point = cercle_fhir_array_get_object (array, i);
      const char *system = cercle_fhir_get_string (point, "system");
      const char *value = cercle_fhir_get_string (point, "value");
      JsonObject *type = cercle_fhir_find_extension (point, CERCLE_FHIR_EXTENSION_EMAIL_TYPE);

      if (value == NULL)
        continue;
      if (g_strcmp0 (system, "phone") == 0 && self->phone == NULL)
        self->phone = g_strdup (value);
      else if (g_strcmp0 (system, "email") == 0 && self->mssante == NULL && type != NULL
               && g_strcmp0 (cercle_fhir_get_string (cercle_fhir_get_object (type, "valueCoding"), "code"),
                             "MSSANTE") == 0)
        self->mssante = g_strdup (value);
    }

  array = cercle_fhir_get_array (practitioner, "qualification");
  for (guint i = 0; array != NULL && i < json_array_get_length (array) && !self->profession_code; i++)
    {
      JsonObject *code = cercle_fhir_get_object (cercle_fhir_array_get_object (array, i), "code");
      const char *value = cercle_fhir_codeable_concept_find (code, CERCLE_FHIR_SYSTEM_PROFESSION, NULL);

      if (value == NULL)
        value = cercle_fhir_codeable_concept_find (code, CERCLE_FHIR_SYSTEM_PROFESSION_OTHER, NULL);
      self->profession_code = g_strdup (value);
    }

  return g_steal_pointer (&self);
}
