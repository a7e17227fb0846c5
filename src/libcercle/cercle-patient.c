/* cercle-patient.c — a patient and the five traits of the INS identity
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The five traits of the INS identity are the birth family name, the birth
 * given names (the first one and the whole list), the date of birth, the sex
 * and the birthplace. The identity status is derived from two facts and is
 * read-only.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cercle-i18n.h"
#include "cercle-patient.h"
#include "cercle-validate.h"

struct _CerclePatient
{
  GObject parent_instance;

  char *id;
  char *ins;
  char *ins_kind;
  char *birth_family_name;
  GStrv birth_given_names;
  char *used_family_name;
  char *used_given_name;
  char *birth_date;
  char *sex;
  char *birthplace_code;
  gboolean from_insi;
  gboolean document_checked;
  char *phone;
  char *address_line;
  char *postcode;
  char *commune_code;
  char *commune_name;
  char *version_id;
  char *last_updated;
};

G_DEFINE_FINAL_TYPE (CerclePatient, cercle_patient, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_INS,
  PROP_INS_KIND,
  PROP_BIRTH_FAMILY_NAME,
  PROP_BIRTH_GIVEN_NAMES,
  PROP_FIRST_GIVEN_NAME,
  PROP_USED_FAMILY_NAME,
  PROP_USED_GIVEN_NAME,
  PROP_BIRTH_DATE,
  PROP_SEX,
  PROP_BIRTHPLACE_CODE,
  PROP_FROM_INSI,
  PROP_DOCUMENT_CHECKED,
  PROP_IDENTITY_STATUS,
  PROP_PHONE,
  PROP_ADDRESS_LINE,
  PROP_POSTCODE,
  PROP_COMMUNE_CODE,
  PROP_COMMUNE_NAME,
  PROP_VERSION_ID,
  PROP_LAST_UPDATED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
cercle_patient_finalize (GObject *object)
{
  CerclePatient *self = (CerclePatient *)object;

  g_free (self->id);
  g_free (self->ins);
  g_free (self->ins_kind);
  g_free (self->birth_family_name);
  g_strfreev (self->birth_given_names);
  g_free (self->used_family_name);
  g_free (self->used_given_name);
  g_free (self->birth_date);
  g_free (self->sex);
  g_free (self->birthplace_code);
  g_free (self->phone);
  g_free (self->address_line);
  g_free (self->postcode);
  g_free (self->commune_code);
  g_free (self->commune_name);
  g_free (self->version_id);
  g_free (self->last_updated);

  G_OBJECT_CLASS (cercle_patient_parent_class)->finalize (object);
}

static void
cercle_patient_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  CerclePatient *self = CERCLE_PATIENT (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;

    case PROP_INS:
      g_value_set_string (value, self->ins);
      break;

    case PROP_INS_KIND:
      g_value_set_string (value, self->ins_kind);
      break;

    case PROP_BIRTH_FAMILY_NAME:
      g_value_set_string (value, self->birth_family_name);
      break;

    case PROP_BIRTH_GIVEN_NAMES:
      g_value_set_boxed (value, self->birth_given_names);
      break;

    case PROP_FIRST_GIVEN_NAME:
      g_value_set_string (value, cercle_patient_get_first_given_name (self));
      break;

    case PROP_USED_FAMILY_NAME:
      g_value_set_string (value, self->used_family_name);
      break;

    case PROP_USED_GIVEN_NAME:
      g_value_set_string (value, self->used_given_name);
      break;

    case PROP_BIRTH_DATE:
      g_value_set_string (value, self->birth_date);
      break;

    case PROP_SEX:
      g_value_set_string (value, self->sex);
      break;

    case PROP_BIRTHPLACE_CODE:
      g_value_set_string (value, self->birthplace_code);
      break;

    case PROP_FROM_INSI:
      g_value_set_boolean (value, self->from_insi);
      break;

    case PROP_DOCUMENT_CHECKED:
      g_value_set_boolean (value, self->document_checked);
      break;

    case PROP_IDENTITY_STATUS:
      g_value_set_enum (value, cercle_patient_get_identity_status (self));
      break;

    case PROP_PHONE:
      g_value_set_string (value, self->phone);
      break;

    case PROP_ADDRESS_LINE:
      g_value_set_string (value, self->address_line);
      break;

    case PROP_POSTCODE:
      g_value_set_string (value, self->postcode);
      break;

    case PROP_COMMUNE_CODE:
      g_value_set_string (value, self->commune_code);
      break;

    case PROP_COMMUNE_NAME:
      g_value_set_string (value, self->commune_name);
      break;

    case PROP_VERSION_ID:
      g_value_set_string (value, self->version_id);
      break;

    case PROP_LAST_UPDATED:
      g_value_set_string (value, self->last_updated);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cercle_patient_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  CerclePatient *self = CERCLE_PATIENT (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_free (self->id);
      self->id = g_value_dup_string (value);
      if (self->id == NULL)
        self->id = g_uuid_string_random ();
      break;

    case PROP_INS:
      g_free (self->ins);
      self->ins = g_value_get_string (value) ? cercle_identifier_normalize (g_value_get_string (value)) : NULL;
      break;

    case PROP_INS_KIND:
      g_free (self->ins_kind);
      self->ins_kind = g_value_dup_string (value);
      break;

    case PROP_BIRTH_FAMILY_NAME:
      g_free (self->birth_family_name);
      self->birth_family_name = g_value_dup_string (value);
      break;

    case PROP_BIRTH_GIVEN_NAMES:
      g_strfreev (self->birth_given_names);
      self->birth_given_names = g_value_dup_boxed (value);
      g_object_notify_by_pspec (object, properties[PROP_FIRST_GIVEN_NAME]);
      break;

    case PROP_USED_FAMILY_NAME:
      g_free (self->used_family_name);
      self->used_family_name = g_value_dup_string (value);
      break;

    case PROP_USED_GIVEN_NAME:
      g_free (self->used_given_name);
      self->used_given_name = g_value_dup_string (value);
      break;

    case PROP_BIRTH_DATE:
      g_free (self->birth_date);
      self->birth_date = g_value_dup_string (value);
      break;

    case PROP_SEX:
      g_free (self->sex);
      self->sex = g_value_dup_string (value);
      break;

    case PROP_BIRTHPLACE_CODE:
      g_free (self->birthplace_code);
      self->birthplace_code = g_value_dup_string (value);
      break;

    case PROP_FROM_INSI:
      self->from_insi = g_value_get_boolean (value);
      g_object_notify_by_pspec (object, properties[PROP_IDENTITY_STATUS]);
      break;

    case PROP_DOCUMENT_CHECKED:
      self->document_checked = g_value_get_boolean (value);
      g_object_notify_by_pspec (object, properties[PROP_IDENTITY_STATUS]);
      break;

    case PROP_PHONE:
      g_free (self->phone);
      self->phone = g_value_dup_string (value);
      break;

    case PROP_ADDRESS_LINE:
      g_free (self->address_line);
      self->address_line = g_value_dup_string (value);
      break;

    case PROP_POSTCODE:
      g_free (self->postcode);
      self->postcode = g_value_dup_string (value);
      break;

    case PROP_COMMUNE_CODE:
      g_free (self->commune_code);
      self->commune_code = g_value_dup_string (value);
      break;

    case PROP_COMMUNE_NAME:
      g_free (self->commune_name);
      self->commune_name = g_value_dup_string (value);
      break;

    case PROP_VERSION_ID:
      g_free (self->version_id);
      self->version_id = g_value_dup_string (value);
      break;

    case PROP_LAST_UPDATED:
      g_free (self->last_updated);
      self->last_updated = g_value_dup_string (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cercle_patient_class_init (CerclePatientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = cercle_patient_finalize;
  object_class->get_property = cercle_patient_get_property;
  object_class->set_property = cercle_patient_set_property;

  properties[PROP_ID] =
    g_param_spec_string ("id", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_STATIC_STRINGS);
  properties[PROP_INS] =
    g_param_spec_string ("ins", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_INS_KIND] =
    g_param_spec_string ("ins-kind", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_BIRTH_FAMILY_NAME] =
    g_param_spec_string ("birth-family-name", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_BIRTH_GIVEN_NAMES] =
    g_param_spec_boxed ("birth-given-names", NULL, NULL, G_TYPE_STRV,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_FIRST_GIVEN_NAME] =
    g_param_spec_string ("first-given-name", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_USED_FAMILY_NAME] =
    g_param_spec_string ("used-family-name", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_USED_GIVEN_NAME] =
    g_param_spec_string ("used-given-name", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_BIRTH_DATE] =
    g_param_spec_string ("birth-date", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SEX] =
    g_param_spec_string ("sex", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_BIRTHPLACE_CODE] =
    g_param_spec_string ("birthplace-code", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_FROM_INSI] =
    g_param_spec_boolean ("from-insi", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_DOCUMENT_CHECKED] =
    g_param_spec_boolean ("document-checked", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_IDENTITY_STATUS] =
    g_param_spec_enum ("identity-status", NULL, NULL, CERCLE_TYPE_IDENTITY_STATUS, CERCLE_IDENTITY_PROVISOIRE,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_PHONE] =
    g_param_spec_string ("phone", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ADDRESS_LINE] =
    g_param_spec_string ("address-line", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_POSTCODE] =
    g_param_spec_string ("postcode", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_COMMUNE_CODE] =
    g_param_spec_string ("commune-code", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_COMMUNE_NAME] =
    g_param_spec_string ("commune-name", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_VERSION_ID] =
    g_param_spec_string ("version-id", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LAST_UPDATED] =
    g_param_spec_string ("last-updated", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
cercle_patient_init (CerclePatient *self)
{
  self->sex = g_strdup ("unknown");
}

/**
 * cercle_patient_new:
 *
 * Returns: (transfer full): a new patient with a fresh random id
 */
CerclePatient *
cercle_patient_new (void)
{
  return g_object_new (CERCLE_TYPE_PATIENT, NULL);
}

/**
 * cercle_patient_get_id:
 * @self: a #CerclePatient
 *
 * Returns: The patient’s id, chosen by the client (a UUID)
 */
const char *
cercle_patient_get_id (CerclePatient *self)
{
  g_return_val_if_fail (CERCLE_IS_PATIENT (self), NULL);
  return self->id;
}

/**
 * cercle_patient_get_ins:
 * @self: a #CerclePatient
 *
 * Returns: The INS matricule (NIR or NIA)
 */
const char *
cercle_patient_get_ins (CerclePatient *self)
{
  g_return_val_if_fail (CERCLE_IS_PATIENT (self), NULL);
  return self->ins;
}

/**
 * cercle_patient_get_ins_kind:
 * @self: a #CerclePatient
 *
 * Returns: NIR or NIA
 */
const char *
cercle_patient_get_ins_kind (CerclePatient *self)
{
  g_return_val_if_fail (CERCLE_IS_PATIENT (self), NULL);
  return self->ins_kind;
}

/**
 * cercle_patient_get_birth_family_name:
 * @self: a #CerclePatient
 *
 * Returns: Nom de naissance
 */
const char *
cercle_patient_get_birth_family_name (CerclePatient *self)
{
  g_return_val_if_fail (CERCLE_IS_PATIENT (self), NULL);
  return self->birth_family_name;
}

/**
 * cercle_patient_get_birth_given_names:
 * @self: a #CerclePatient
 *
 * Returns: Prénoms de naissance, in order
 */
const char * const *
cercle_patient_get_birth_given_names (CerclePatient *self)
{
  g_return_val_if_fail (CERCLE_IS_PATIENT (self), NULL);
  return (const char * const *) self->birth_given_names;
}

/**
 * cercle_patient_get_used_family_name:
 * @self: a #CerclePatient
 *
 * Returns: Nom utilisé
 */
const char *
cercle_patient_get_used_family_name (CerclePatient *self)
{
  g_return_val_if_fail (CERCLE_IS_PATIENT (self), NULL);
  return self->used_family_name;
}

/**
 * cercle_patient_get_used_given_name:
 * @self: a #CerclePatient
 *
 * Returns: Prénom utilisé
 */
const char *
cercle_patient_get_used_given_name (CerclePatient *self)
{
  g_return_val_if_fail (CERCLE_IS_PATIENT (self), NULL);
  return self->used_given_name;
}

/**
 * cercle_patient_get_birth_date:
 * @self: a #CerclePatient
 *
 * Returns: Date of birth, YYYY-MM-DD
 */
const char *
cercle_patient_get_birth_date (CerclePatient *self)
{
  g_return_val_if_fail (CERCLE_IS_PATIENT (self), NULL);
  return self->birth_date;
}

/**
 * cercle_patient_get_sex:
 * @self: a #CerclePatient
 *
 * Returns: female, male, other or unknown (FHIR gender)
 */
const char *
cercle_patient_get_sex (CerclePatient *self)
{
  g_return_val_if_fail (CERCLE_IS_PATIENT (self), NULL);
  return self->sex;
}

/**
 * cercle_patient_get_birthplace_code:
 * @self: a #CerclePatient
 *
 * Returns: INSEE code of the birthplace (commune, or 99xxx country)
 */
const char *
cercle_patient_get_birthplace_code (CerclePatient *self)
{
  g_return_val_if_fail (CERCLE_IS_PATIENT (self), NULL);
  return self->birthplace_code;
}

/**
 * cercle_patient_get_from_insi:
 * @self: a #CerclePatient
 *
 * Returns: Retrieved from the INSi service
 */
gboolean
cercle_patient_get_from_insi (CerclePatient *self)
{
  g_return_val_if_fail (CERCLE_IS_PATIENT (self), FALSE);
  return self->from_insi;
}

/**
 * cercle_patient_get_document_checked:
 * @self: a #CerclePatient
 *
 * Returns: Checked against an identity document
 */
gboolean
cercle_patient_get_document_checked (CerclePatient *self)
{
  g_return_val_if_fail (CERCLE_IS_PATIENT (self), FALSE);
  return self->document_checked;
}

/**
 * cercle_patient_get_phone:
 * @self: a #CerclePatient
 *
 * Returns: Phone number
 */
const char *
cercle_patient_get_phone (CerclePatient *self)
{
  g_return_val_if_fail (CERCLE_IS_PATIENT (self), NULL);
  return self->phone;
}

/**
 * cercle_patient_get_address_line:
 * @self: a #CerclePatient
 *
 * Returns: Street address
 */
const char *
cercle_patient_get_address_line (CerclePatient *self)
{
  g_return_val_if_fail (CERCLE_IS_PATIENT (self), NULL);
  return self->address_line;
}

/**
 * cercle_patient_get_postcode:
 * @self: a #CerclePatient
 *
 * Returns: Postcode
 */
const char *
cercle_patient_get_postcode (CerclePatient *self)
{
  g_return_val_if_fail (CERCLE_IS_PATIENT (self), NULL);
  return self->postcode;
}

/**
 * cercle_patient_get_commune_code:
 * @self: a #CerclePatient
 *
 * Returns: INSEE code of the commune of residence
 */
const char *
cercle_patient_get_commune_code (CerclePatient *self)
{
  g_return_val_if_fail (CERCLE_IS_PATIENT (self), NULL);
  return self->commune_code;
}

/**
 * cercle_patient_get_commune_name:
 * @self: a #CerclePatient
 *
 * Returns: Commune of residence
 */
const char *
cercle_patient_get_commune_name (CerclePatient *self)
{
  g_return_val_if_fail (CERCLE_IS_PATIENT (self), NULL);
  return self->commune_name;
}

/**
 * cercle_patient_get_version_id:
 * @self: a #CerclePatient
 *
 * Returns: The server’s version of the resource
 */
const char *
cercle_patient_get_version_id (CerclePatient *self)
{
  g_return_val_if_fail (CERCLE_IS_PATIENT (self), NULL);
  return self->version_id;
}

/**
 * cercle_patient_get_last_updated:
 * @self: a #CerclePatient
 *
 * Returns: When the resource last changed
 */
const char *
cercle_patient_get_last_updated (CerclePatient *self)
{
  g_return_val_if_fail (CERCLE_IS_PATIENT (self), NULL);
  return self->last_updated;
}
/**
 * cercle_patient_get_first_given_name:
 * @self: a #CerclePatient
 *
 * Returns: (nullable): the first of the birth given names
 */
const char *
cercle_patient_get_first_given_name (CerclePatient *self)
{
  g_return_val_if_fail (CERCLE_IS_PATIENT (self), NULL);

  if (self->birth_given_names == NULL || self->birth_given_names[0] == NULL)
    return NULL;
  return self->birth_given_names[0];
}

/**
 * cercle_patient_get_identity_status:
 * @self: a #CerclePatient
 *
 * Returns: the RNIV status derived from the two checks
 */
CercleIdentityStatus
cercle_patient_get_identity_status (CerclePatient *self)
{
  g_return_val_if_fail (CERCLE_IS_PATIENT (self), CERCLE_IDENTITY_PROVISOIRE);
  return cercle_identity_status_from_checks (self->from_insi, self->document_checked);
}

/**
 * cercle_patient_copy:
 * @self: a #CerclePatient
 *
 * Returns: (transfer full): a new patient with the same values, id included
 */
CerclePatient *
cercle_patient_copy (CerclePatient *self)
{
  CerclePatient *copy;

  g_return_val_if_fail (CERCLE_IS_PATIENT (self), NULL);

  copy = g_object_new (CERCLE_TYPE_PATIENT, "id", self->id, NULL);
  for (guint i = PROP_0 + 1; i < N_PROPS; i++)
    {
      g_auto(GValue) value = G_VALUE_INIT;

      if ((properties[i]->flags & G_PARAM_WRITABLE) == 0 || i == PROP_ID)
        continue;
      g_value_init (&value, properties[i]->value_type);
      g_object_get_property (G_OBJECT (self), properties[i]->name, &value);
      g_object_set_property (G_OBJECT (copy), properties[i]->name, &value);
    }
  return copy;
}

/**
 * cercle_patient_dup_display_name:
 * @self: a #CerclePatient
 *
 * The name as identity vigilance wants it shown: the birth family name in
 * capitals, the used name beside it when it differs, then the first given
 * name (or the used given name).
 *
 * Returns: (transfer full): e.g. "DURAND (ép. MOREAU) Jeanne"
 */
char *
cercle_patient_dup_display_name (CerclePatient *self)
{
  g_autofree char *birth = NULL;
  GString *s;
  const char *given;

  g_return_val_if_fail (CERCLE_IS_PATIENT (self), NULL);

  birth = g_utf8_strup (self->birth_family_name ? self->birth_family_name : "", -1);
  s = g_string_new (birth);
  if (self->used_family_name && *self->used_family_name &&
      g_utf8_collate (self->used_family_name, self->birth_family_name ? self->birth_family_name : "") != 0)
    {
      g_autofree char *used = g_utf8_strup (self->used_family_name, -1);
      /* TRANSLATORS: the used family name beside the birth name, e.g. "DURAND (used: MOREAU)" */
      g_string_append_printf (s, _(" (used: %s)"), used);
    }
  given = self->used_given_name && *self->used_given_name
          ? self->used_given_name : cercle_patient_get_first_given_name (self);
  if (given)
    g_string_append_printf (s, " %s", given);
  return g_string_free (s, FALSE);
}

static gboolean
is_blank (const char *text)
{
  if (text == NULL)
    return TRUE;
  for (; *text; text++)
    if (!g_ascii_isspace (*text))
      return FALSE;
  return TRUE;
}

static gboolean
is_valid_date (const char *text)
{
  g_autoptr(GDateTime) now = NULL;
  int y, m, d;
  char tail;

  if (text == NULL || strlen (text) != 10 || text[4] != '-' || text[7] != '-')
    return FALSE;
  if (sscanf (text, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3)
    return FALSE;
  if (!g_date_valid_dmy (d, m, y) || y < 1850)
    return FALSE;
  now = g_date_time_new_now_local ();
  return y < g_date_time_get_year (now) ||
         (y == g_date_time_get_year (now) &&
          (m < g_date_time_get_month (now) ||
           (m == g_date_time_get_month (now) && d <= g_date_time_get_day_of_month (now))));
}

/**
 * cercle_patient_validate:
 * @self: a #CerclePatient
 * @error: return location for a #CERCLE_VALIDATION_ERROR
 *
 * Checks what the patient file needs before it is saved: the birth family
 * name, at least one birth given name, a real date of birth (not in the
 * future), the sex, and well-formed INS, birthplace and postcode when
 * given. A qualified identity needs the INS and all five traits.
 *
 * Returns: %TRUE when @self may be saved
 */
gboolean
cercle_patient_validate (CerclePatient  *self,
                         GError        **error)
{
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (CERCLE_IS_PATIENT (self), FALSE);

  if (is_blank (self->birth_family_name))
    {
      g_set_error (error, CERCLE_VALIDATION_ERROR, CERCLE_VALIDATION_ERROR_EMPTY,
                   _("The birth family name is required"));
      return FALSE;
    }
  if (is_blank (cercle_patient_get_first_given_name (self)))
    {
      g_set_error (error, CERCLE_VALIDATION_ERROR, CERCLE_VALIDATION_ERROR_EMPTY,
                   _("At least one birth given name is required"));
      return FALSE;
    }
  if (!is_valid_date (self->birth_date))
    {
      g_set_error (error, CERCLE_VALIDATION_ERROR, CERCLE_VALIDATION_ERROR_VALUE,
                   _("The date of birth must be a real past date (YYYY-MM-DD)"));
      return FALSE;
    }
  if (self->sex == NULL || !g_strv_contains ((const char *[]) { "female", "male", "other", "unknown", NULL }, self->sex))
    {
      g_set_error (error, CERCLE_VALIDATION_ERROR, CERCLE_VALIDATION_ERROR_VALUE,
                   _("The sex must be female, male, other or unknown"));
      return FALSE;
    }
  if (self->ins && *self->ins)
    {
      if (!cercle_validate_nir (self->ins, &local_error))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      if (self->ins_kind == NULL || !g_strv_contains ((const char *[]) { "NIR", "NIA", NULL }, self->ins_kind))
        {
          g_set_error (error, CERCLE_VALIDATION_ERROR, CERCLE_VALIDATION_ERROR_VALUE,
                       _("Say whether the INS matricule is a NIR or a NIA"));
          return FALSE;
        }
    }
  if (self->birthplace_code && *self->birthplace_code &&
      !cercle_validate_insee_code (self->birthplace_code, &local_error))
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&local_error), _("Birthplace: "));
      return FALSE;
    }
  if (self->postcode && *self->postcode && !cercle_validate_postcode (self->postcode, &local_error))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (self->commune_code && *self->commune_code &&
      !cercle_validate_insee_code (self->commune_code, &local_error))
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&local_error), _("Commune of residence: "));
      return FALSE;
    }
  if (cercle_patient_get_identity_status (self) == CERCLE_IDENTITY_QUALIFIEE &&
      (self->ins == NULL || *self->ins == '\0' || self->birthplace_code == NULL ||
       *self->birthplace_code == '\0' || g_strcmp0 (self->sex, "unknown") == 0 ||
       g_strcmp0 (self->sex, "other") == 0))
    {
      g_set_error (error, CERCLE_VALIDATION_ERROR, CERCLE_VALIDATION_ERROR_VALUE,
                   _("A qualified identity needs the INS matricule and the five traits, birthplace and sex included"));
      return FALSE;
    }
  return TRUE;
}
