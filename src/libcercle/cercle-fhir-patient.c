/* cercle-fhir-patient.c — Patient to and from FHIR R4 JSON (FR Core style)
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The mapping follows the French FR Core profile: the INS matricule as an
 * identifier under the NIR or NIA OID (only when the identity is qualified:
 * the INS may not be exchanged otherwise), the birth name as the official
 * name with every birth given name, the used name as the usual name, the
 * birthplace as the INSEE code of the commune or country, and the identity
 * status as the FR Core identity-reliability extension.
 */
#define G_LOG_DOMAIN "cercle-fhir"

#include "config.h"

#include <string.h>

#include "cercle-error.h"
#include "cercle-fhir-patient.h"
#include "cercle-fhir.h"
#include "cercle-i18n.h"

#define URL_IDENTITY_RELIABILITY "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-identity-reliability"
#define SYSTEM_IDENTITY_STATUS "https://mos.esante.gouv.fr/NOS/TRE_R305-StatutIdentite/FHIR/TRE-R305-StatutIdentite"
#define URL_BIRTHPLACE "http://hl7.org/fhir/StructureDefinition/patient-birthPlace"
#define URL_INSEE_CODE "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-address-insee-code"
#define SYSTEM_INSEE_COUNTRY "https://mos.esante.gouv.fr/NOS/TRE_R20-Pays/FHIR/TRE-R20-Pays"
#define PROFILE_PATIENT "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-patient"

static gboolean
has_text (const char *s)
{
  return s != NULL && *s != '\0';
}

/* Adds @object (taken) as the builder's next value. */
static void
add_object (JsonBuilder *b,
            JsonObject  *object)
{
  json_builder_add_value (b, json_node_init_object (json_node_alloc (), object));
  json_object_unref (object);
}

static void
add_insee_extension (JsonBuilder *b,
                     const char  *code)
{
  json_builder_set_member_name (b, "extension");
  json_builder_begin_array (b);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "url");
  json_builder_add_string_value (b, URL_INSEE_CODE);
  json_builder_set_member_name (b, "valueCoding");
  add_object (b, cercle_fhir_coding_new (g_str_has_prefix (code, "99") ? SYSTEM_INSEE_COUNTRY
                                                                      : CERCLE_FHIR_SYSTEM_INSEE_COMMUNE,
                                         code, NULL));
  json_builder_end_object (b);
  json_builder_end_array (b);
}

static void
add_member_string (JsonBuilder *b,
                   const char  *name,
                   const char  *value)
{
  if (!has_text (value))
    return;
  json_builder_set_member_name (b, name);
  json_builder_add_string_value (b, value);
}

/**
 * cercle_patient_to_fhir:
 * @patient: a #CerclePatient
 *
 * Builds the FHIR R4 Patient resource of @patient. The INS identifier is
 * written only for a qualified identity.
 *
 * Returns: (transfer full): the resource
 */
JsonObject *
cercle_patient_to_fhir (CerclePatient *patient)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  CercleIdentityStatus status;
  const char * const *given;
  const char *version_id, *last_updated, *ins, *birthplace;

  g_return_val_if_fail (CERCLE_IS_PATIENT (patient), NULL);

  status = cercle_patient_get_identity_status (patient);
  version_id = cercle_patient_get_version_id (patient);
  last_updated = cercle_patient_get_last_updated (patient);
  ins = cercle_patient_get_ins (patient);
  birthplace = cercle_patient_get_birthplace_code (patient);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "resourceType");
  json_builder_add_string_value (b, "Patient");
  json_builder_set_member_name (b, "id");
  json_builder_add_string_value (b, cercle_patient_get_id (patient));

  json_builder_set_member_name (b, "meta");
  json_builder_begin_object (b);
  add_member_string (b, "versionId", version_id);
  add_member_string (b, "lastUpdated", last_updated);
  json_builder_set_member_name (b, "profile");
  json_builder_begin_array (b);
  json_builder_add_string_value (b, PROFILE_PATIENT);
  json_builder_end_array (b);
  json_builder_end_object (b);

  json_builder_set_member_name (b, "extension");
  json_builder_begin_array (b);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "url");
  json_builder_add_string_value (b, URL_IDENTITY_RELIABILITY);
  json_builder_set_member_name (b, "extension");
  json_builder_begin_array (b);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "url");
  json_builder_add_string_value (b, "identityStatus");
  json_builder_set_member_name (b, "valueCoding");
  add_object (b, cercle_fhir_coding_new (SYSTEM_IDENTITY_STATUS, cercle_identity_status_get_code (status), NULL));
  json_builder_end_object (b);
  json_builder_end_array (b);
  json_builder_end_object (b);
  if (has_text (birthplace))
    {
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "url");
      json_builder_add_string_value (b, URL_BIRTHPLACE);
      json_builder_set_member_name (b, "valueAddress");
      json_builder_begin_object (b);
      add_insee_extension (b, birthplace);
      json_builder_end_object (b);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);

  if (has_text (ins) && cercle_identity_status_can_share_ins (status))
    {
      gboolean nia = g_strcmp0 (cercle_patient_get_ins_kind (patient), "NIA") == 0;
      JsonObject *identifier = cercle_fhir_identifier_new_typed (nia ? CERCLE_FHIR_SYSTEM_INS_NIA
                                                                     : CERCLE_FHIR_SYSTEM_INS_NIR,
                                                                 ins, nia ? "INS-NIA" : "INS-NIR", NULL);

      json_object_set_string_member (identifier, "use", nia ? "temp" : "official");
      json_builder_set_member_name (b, "identifier");
      json_builder_begin_array (b);
      add_object (b, identifier);
      json_builder_end_array (b);
    }

  json_builder_set_member_name (b, "name");
  json_builder_begin_array (b);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "use");
  json_builder_add_string_value (b, "official");
  add_member_string (b, "family", cercle_patient_get_birth_family_name (patient));
  given = cercle_patient_get_birth_given_names (patient);
  if (given && given[0])
    {
      json_builder_set_member_name (b, "given");
      json_builder_begin_array (b);
      for (guint i = 0; given[i]; i++)
        json_builder_add_string_value (b, given[i]);
      json_builder_end_array (b);
    }
  json_builder_end_object (b);
  if (has_text (cercle_patient_get_used_family_name (patient)) ||
      has_text (cercle_patient_get_used_given_name (patient)))
    {
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "use");
      json_builder_add_string_value (b, "usual");
      add_member_string (b, "family", cercle_patient_get_used_family_name (patient));
      if (has_text (cercle_patient_get_used_given_name (patient)))
        {
          json_builder_set_member_name (b, "given");
          json_builder_begin_array (b);
          json_builder_add_string_value (b, cercle_patient_get_used_given_name (patient));
          json_builder_end_array (b);
        }
      json_builder_end_object (b);
    }
  json_builder_end_array (b);

  if (has_text (cercle_patient_get_phone (patient)))
    {
      json_builder_set_member_name (b, "telecom");
      json_builder_begin_array (b);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "system");
      json_builder_add_string_value (b, "phone");
      json_builder_set_member_name (b, "value");
      json_builder_add_string_value (b, cercle_patient_get_phone (patient));
      json_builder_end_object (b);
      json_builder_end_array (b);
    }

  add_member_string (b, "gender", cercle_patient_get_sex (patient));
  add_member_string (b, "birthDate", cercle_patient_get_birth_date (patient));

  if (has_text (cercle_patient_get_address_line (patient)) ||
      has_text (cercle_patient_get_postcode (patient)) ||
      has_text (cercle_patient_get_commune_code (patient)) ||
      has_text (cercle_patient_get_commune_name (patient)))
    {
      json_builder_set_member_name (b, "address");
      json_builder_begin_array (b);
      json_builder_begin_object (b);
      if (has_text (cercle_patient_get_commune_code (patient)))
        add_insee_extension (b, cercle_patient_get_commune_code (patient));
      json_builder_set_member_name (b, "use");
      json_builder_add_string_value (b, "home");
      if (has_text (cercle_patient_get_address_line (patient)))
        {
          json_builder_set_member_name (b, "line");
          json_builder_begin_array (b);
          json_builder_add_string_value (b, cercle_patient_get_address_line (patient));
          json_builder_end_array (b);
        }
      add_member_string (b, "city", cercle_patient_get_commune_name (patient));
      add_member_string (b, "postalCode", cercle_patient_get_postcode (patient));
      json_builder_set_member_name (b, "country");
      json_builder_add_string_value (b, "FR");
      json_builder_end_object (b);
      json_builder_end_array (b);
    }

  json_builder_end_object (b);

  root = json_builder_get_root (b);
  return json_object_ref (json_node_get_object (root));
}




static const char *
insee_code_of (JsonObject *address)
{
  JsonObject *ext = cercle_fhir_find_extension (address, URL_INSEE_CODE);

  return cercle_fhir_get_string (cercle_fhir_get_object (ext, "valueCoding"), "code");
}

static GStrv
strings_of (JsonArray *a)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; a && i < json_array_get_length (a); i++)
    {
      JsonNode *n = json_array_get_element (a, i);

      if (JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING)
        g_strv_builder_add (builder, json_node_get_string (n));
    }
  return g_strv_builder_end (builder);
}

/**
 * cercle_patient_new_from_fhir:
 * @resource: a FHIR R4 Patient resource
 * @error: return location for a #CERCLE_FHIR_ERROR
 *
 * Reads a Patient written by cercle_patient_to_fhir() or by another FR Core
 * system. Elements Cercle does not use are ignored.
 *
 * Returns: (transfer full): the patient, or %NULL
 */
CerclePatient *
cercle_patient_new_from_fhir (JsonObject  *resource,
                              GError     **error)
{
  g_autoptr(CerclePatient) patient = NULL;
  JsonObject *meta, *ext;
  JsonArray *a;
  const char *id;

  g_return_val_if_fail (resource != NULL, NULL);

  if (g_strcmp0 (cercle_fhir_get_string (resource, "resourceType"), "Patient") != 0)
    {
      g_set_error (error, CERCLE_FHIR_ERROR, CERCLE_FHIR_ERROR_RESOURCE_TYPE,
                   _("A Patient resource was expected"));
      return NULL;
    }
  id = cercle_fhir_get_string (resource, "id");
  if (!has_text (id))
    {
      g_set_error (error, CERCLE_FHIR_ERROR, CERCLE_FHIR_ERROR_INVALID,
                   _("The Patient resource has no id"));
      return NULL;
    }

  patient = g_object_new (CERCLE_TYPE_PATIENT, "id", id, NULL);

  meta = cercle_fhir_get_object (resource, "meta");
  g_object_set (patient,
                "version-id", cercle_fhir_get_string (meta, "versionId"),
                "last-updated", cercle_fhir_get_string (meta, "lastUpdated"),
                "sex", cercle_fhir_get_string (resource, "gender") ? cercle_fhir_get_string (resource, "gender") : "unknown",
                "birth-date", cercle_fhir_get_string (resource, "birthDate"),
                NULL);

  ext = cercle_fhir_find_extension (resource, URL_IDENTITY_RELIABILITY);
  if (ext)
    {
      JsonObject *status_ext = cercle_fhir_find_extension (ext, "identityStatus");
      const char *code = cercle_fhir_get_string (cercle_fhir_get_object (status_ext, "valueCoding"), "code");
      CercleIdentityStatus status;

      if (code && cercle_identity_status_from_code (code, &status))
        {
          gboolean insi, doc;

          cercle_identity_status_to_checks (status, &insi, &doc);
          g_object_set (patient, "from-insi", insi, "document-checked", doc, NULL);
        }
    }

  ext = cercle_fhir_find_extension (resource, URL_BIRTHPLACE);
  if (cercle_fhir_get_object (ext, "valueAddress"))
    g_object_set (patient, "birthplace-code",
                  insee_code_of (cercle_fhir_get_object (ext, "valueAddress")), NULL);

  a = cercle_fhir_get_array (resource, "identifier");
  for (guint i = 0; a && i < json_array_get_length (a); i++)
    {
      JsonObject *ident = cercle_fhir_array_get_object (a, i);
      const char *system = cercle_fhir_get_string (ident, "system");

      if (g_strcmp0 (system, CERCLE_FHIR_SYSTEM_INS_NIR) == 0 || g_strcmp0 (system, CERCLE_FHIR_SYSTEM_INS_NIA) == 0)
        g_object_set (patient,
                      "ins", cercle_fhir_get_string (ident, "value"),
                      "ins-kind", g_strcmp0 (system, CERCLE_FHIR_SYSTEM_INS_NIR) == 0 ? "NIR" : "NIA",
                      NULL);
    }

  a = cercle_fhir_get_array (resource, "name");
  for (guint i = 0; a && i < json_array_get_length (a); i++)
    {
      JsonObject *name = cercle_fhir_array_get_object (a, i);
      const char *use = cercle_fhir_get_string (name, "use");
      g_auto(GStrv) given = strings_of (cercle_fhir_get_array (name, "given"));

      if (g_strcmp0 (use, "official") == 0 || (use == NULL && i == 0))
        g_object_set (patient,
                      "birth-family-name", cercle_fhir_get_string (name, "family"),
                      "birth-given-names", given,
                      NULL);
      else if (g_strcmp0 (use, "usual") == 0)
        g_object_set (patient,
                      "used-family-name", cercle_fhir_get_string (name, "family"),
                      "used-given-name", given[0],
                      NULL);
    }

  a = cercle_fhir_get_array (resource, "telecom");
  for (guint i = 0; a && i < json_array_get_length (a); i++)
    {
      JsonObject *t = cercle_fhir_array_get_object (a, i);

      if (g_strcmp0 (cercle_fhir_get_string (t, "system"), "phone") == 0)
        {
          g_object_set (patient, "phone", cercle_fhir_get_string (t, "value"), NULL);
          break;
        }
    }

  a = cercle_fhir_get_array (resource, "address");
  if (a && json_array_get_length (a) > 0 && cercle_fhir_array_get_object (a, 0))
    {
      JsonObject *address = cercle_fhir_array_get_object (a, 0);
      JsonArray *lines = cercle_fhir_get_array (address, "line");
      g_auto(GStrv) line_strings = strings_of (lines);
      g_autofree char *line = g_strjoinv (", ", line_strings);

      g_object_set (patient,
                    "address-line", *line ? line : NULL,
                    "postcode", cercle_fhir_get_string (address, "postalCode"),
                    "commune-name", cercle_fhir_get_string (address, "city"),
                    "commune-code", insee_code_of (address),
                    NULL);
    }

  return g_steal_pointer (&patient);
}
