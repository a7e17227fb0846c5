/* cercle-fhir-directory.c — FHIR Organization, Location and HealthcareService of the directory
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "cercle-fhir.h"
#include "cercle-fhir-directory.h"

static void
set_string_if (JsonObject *object,
               const char *member,
               const char *value)
{
  if (value != NULL && value[0] != '\0')
    json_object_set_string_member (object, member, value);
}

/* A French postal address; the INSEE code of the commune rides on the city
 * as a coding of TRE_R13, as FR Core does for the places of birth. */
static JsonObject *
address_new (const char *address_line,
             const char *commune_insee,
             const char *city,
             const char *postcode)
{
  JsonObject *address = json_object_new ();

  json_object_set_string_member (address, "use", "work");
  json_object_set_string_member (address, "type", "both");
  if (address_line != NULL && address_line[0] != '\0')
    {
      JsonArray *lines = json_array_new ();

      json_array_add_string_element (lines, address_line);
      json_object_set_array_member (address, "line", lines);
    }
  set_string_if (address, "city", city);
  if (commune_insee != NULL && commune_insee[0] != '\0')
    {
      JsonObject *city_element = json_object_new ();
      JsonArray *extensions = json_array_new ();
      JsonObject *extension = json_object_new ();

      json_object_set_string_member (extension, "url",
                                     "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-address-insee-code");
      json_object_set_object_member (extension, "valueCoding",
                                     cercle_fhir_coding_new (CERCLE_FHIR_SYSTEM_INSEE_COMMUNE, commune_insee, city));
      json_array_add_object_element (extensions, extension);
      json_object_set_array_member (city_element, "extension", extensions);
      json_object_set_object_member (address, "_city", city_element);
    }
  set_string_if (address, "postalCode", postcode);
  json_object_set_string_member (address, "country", "FR");
  return address;
}

/**
 * cercle_fhir_address_get_commune_insee:
 * @address: (nullable): an Address written by this module
 *
 * Returns: (nullable): the INSEE code of the commune of @address
 */
const char *
cercle_fhir_address_get_commune_insee (JsonObject *address)
{
  JsonObject *city = cercle_fhir_get_object (address, "_city");
  JsonArray *extensions = cercle_fhir_get_array (city, "extension");

  for (guint i = 0; extensions != NULL && i < json_array_get_length (extensions); i++)
    {
      JsonObject *coding = cercle_fhir_get_object (cercle_fhir_array_get_object (extensions, i), "valueCoding");

      if (g_strcmp0 (cercle_fhir_get_string (coding, "system"), CERCLE_FHIR_SYSTEM_INSEE_COMMUNE) == 0)
        return cercle_fhir_get_string (coding, "code");
    }
  return NULL;
}

static JsonArray *
phone_telecom (const char *phone)
{
  JsonArray *telecom = json_array_new ();
  JsonObject *point = json_object_new ();

  json_object_set_string_member (point, "system", "phone");
  json_object_set_string_member (point, "value", phone);
  json_object_set_string_member (point, "use", "work");
  json_array_add_object_element (telecom, point);
  return telecom;
}

/**
 * cercle_fhir_organization_new:
 * @id: (nullable): the logical id
 * @finess: (nullable): the FINESS number of the site (ET)
 * @name: the name of the structure
 * @category_code: (nullable): the FINESS category (TRE_R66), e.g. "354"
 * @category_label: (nullable): its label, e.g. "SSIAD"
 * @address_line: (nullable): the street address
 * @commune_insee: (nullable): the INSEE code of the commune
 * @city: (nullable): the name of the commune
 * @postcode: (nullable): the postcode
 * @phone: (nullable): the phone number
 *
 * Writes a FHIR R4 Organization for a geographic site, as the Annuaire
 * Santé does: the FINESS identifier (type FINEG) and the IDNST "1" +
 * FINESS, the category as a type coding of TRE_R66.
 *
 * Returns: (transfer full): the Organization
 */
JsonObject *
cercle_fhir_organization_new (const char *id,
                              const char *finess,
                              const char *name,
                              const char *category_code,
                              const char *category_label,
                              const char *address_line,
                              const char *commune_insee,
                              const char *city,
                              const char *postcode,
                              const char *phone)
{
  JsonObject *organization;
  JsonArray *array;

  g_return_val_if_fail (name != NULL, NULL);

  organization = json_object_new ();
  json_object_set_string_member (organization, "resourceType", "Organization");
  set_string_if (organization, "id", id);

  if (finess != NULL && finess[0] != '\0')
    {
      g_autofree char *idnst = g_strconcat ("1", finess, NULL);

      array = json_array_new ();
      json_array_add_object_element (array,
                                     cercle_fhir_identifier_new_typed (CERCLE_FHIR_SYSTEM_FINESS, finess, "FINEG",
                                                                       "FINESS d'entité géographique"));
      json_array_add_object_element (array,
                                     cercle_fhir_identifier_new_typed (CERCLE_FHIR_SYSTEM_IDNST, idnst, "IDNST",
                                                                       "Identifiant national de structure"));
      json_object_set_array_member (organization, "identifier", array);
    }
  json_object_set_boolean_member (organization, "active", TRUE);
  if (category_code != NULL && category_code[0] != '\0')
    {
      array = json_array_new ();
      json_array_add_object_element (array,
                                     cercle_fhir_codeable_concept_new (CERCLE_FHIR_SYSTEM_FINESS_CATEGORY,
                                                                       category_code, category_label));
      json_object_set_array_member (organization, "type", array);
    }
  json_object_set_string_member (organization, "name", name);
  if (phone != NULL && phone[0] != '\0')
    json_object_set_array_member (organization, "telecom", phone_telecom (phone));
  if (address_line || commune_insee || city || postcode)
    {
      array = json_array_new ();
      json_array_add_object_element (array, address_new (address_line, commune_insee, city, postcode));
      json_object_set_array_member (organization, "address", array);
    }
  return organization;
}

/**
 * cercle_fhir_organization_get_finess:
 * @organization: an Organization
 *
 * Returns: (nullable): its FINESS number, from the FINESS identifier or
 *   from an IDNST "1" + FINESS (as the national FHIR export gives it)
 */
const char *
cercle_fhir_organization_get_finess (JsonObject *organization)
{
  const char *finess = cercle_fhir_find_identifier (organization, CERCLE_FHIR_SYSTEM_FINESS);
  const char *idnst;

  if (finess != NULL)
    return finess;
  idnst = cercle_fhir_find_identifier (organization, CERCLE_FHIR_SYSTEM_IDNST);
  if (idnst != NULL && idnst[0] == '1' && strlen (idnst) == 10)
    return idnst + 1;
  /* Older exports put the bare FINESS under the IDNST system. */
  if (idnst != NULL && strlen (idnst) == 9)
    return idnst;
  return NULL;
}

/**
 * cercle_fhir_organization_get_category:
 * @organization: an Organization
 * @label: (out) (optional) (nullable): the category label
 *
 * Returns: (nullable): its FINESS category code (TRE_R66)
 */
const char *
cercle_fhir_organization_get_category (JsonObject  *organization,
                                       const char **label)
{
  JsonArray *types = cercle_fhir_get_array (organization, "type");

  if (label != NULL)
    *label = NULL;
  for (guint i = 0; types != NULL && i < json_array_get_length (types); i++)
    {
      const char *code = cercle_fhir_codeable_concept_find (cercle_fhir_array_get_object (types, i),
                                                            CERCLE_FHIR_SYSTEM_FINESS_CATEGORY, label);
      if (code != NULL)
        return code;
    }
  return NULL;
}

/**
 * cercle_fhir_location_new:
 * @id: (nullable): the logical id
 * @organization_id: the Organization that manages the place
 * @name: (nullable): the name of the place
 * @address_line: (nullable): the street address
 * @commune_insee: (nullable): the INSEE code of the commune
 * @city: (nullable): the commune
 * @postcode: (nullable): the postcode
 * @latitude: WGS84 latitude in degrees
 * @longitude: WGS84 longitude in degrees
 *
 * Returns: (transfer full): a FHIR R4 Location with its position
 */
JsonObject *
cercle_fhir_location_new (const char *id,
                          const char *organization_id,
                          const char *name,
                          const char *address_line,
                          const char *commune_insee,
                          const char *city,
                          const char *postcode,
                          double      latitude,
                          double      longitude)
{
  JsonObject *location;
  JsonObject *position;

  g_return_val_if_fail (organization_id != NULL, NULL);
  g_return_val_if_fail (latitude >= -90 && latitude <= 90, NULL);
  g_return_val_if_fail (longitude >= -180 && longitude <= 180, NULL);

  location = json_object_new ();
  json_object_set_string_member (location, "resourceType", "Location");
  set_string_if (location, "id", id);
  json_object_set_string_member (location, "status", "active");
  set_string_if (location, "name", name);
  json_object_set_string_member (location, "mode", "instance");
  if (address_line || commune_insee || city || postcode)
    json_object_set_object_member (location, "address", address_new (address_line, commune_insee, city, postcode));
  position = json_object_new ();
  json_object_set_double_member (position, "longitude", longitude);
  json_object_set_double_member (position, "latitude", latitude);
  json_object_set_object_member (location, "position", position);
  json_object_set_object_member (location, "managingOrganization",
                                 cercle_fhir_reference_new ("Organization", organization_id, NULL));
  return location;
}

static gboolean
get_number (JsonObject *object,
            const char *member,
            double     *value)
{
  JsonNode *node = object ? json_object_get_member (object, member) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  if (json_node_get_value_type (node) == G_TYPE_DOUBLE)
    *value = json_node_get_double (node);
  else if (json_node_get_value_type (node) == G_TYPE_INT64)
    *value = (double) json_node_get_int (node);
  else
    return FALSE;
  return TRUE;
}

/**
 * cercle_fhir_location_get_position:
 * @location: a Location
 * @latitude: (out): WGS84 latitude
 * @longitude: (out): WGS84 longitude
 *
 * Returns: %TRUE when @location has a position within the WGS84 ranges
 */
gboolean
cercle_fhir_location_get_position (JsonObject *location,
                                   double     *latitude,
                                   double     *longitude)
{
  JsonObject *position = cercle_fhir_get_object (location, "position");
  double lat, lon;

  g_return_val_if_fail (latitude != NULL && longitude != NULL, FALSE);

  if (!get_number (position, "latitude", &lat) || !get_number (position, "longitude", &lon)
      || lat < -90 || lat > 90 || lon < -180 || lon > 180)
    return FALSE;
  *latitude = lat;
  *longitude = lon;
  return TRUE;
}

/**
 * cercle_fhir_healthcare_service_new:
 * @id: (nullable): the logical id
 * @organization_id: the Organization that provides the service
 * @location_id: (nullable): the Location where it is provided
 * @name: the name of the service
 * @category_code: (nullable): the FINESS category (TRE_R66)
 * @category_label: (nullable): its label
 * @phone: (nullable): the phone number
 * @zone_insee: (nullable) (array zero-terminated=1): the INSEE codes of the
 *   communes the service covers (zone d'intervention)
 *
 * Writes a FHIR R4 HealthcareService in the ROR way: the intervention zone is
 * the coverageArea, one logical reference per commune (identifier = INSEE
 * code), since the communes are not Locations of the directory.
 *
 * Returns: (transfer full): the HealthcareService
 */
JsonObject *
cercle_fhir_healthcare_service_new (const char        *id,
                                    const char        *organization_id,
                                    const char        *location_id,
                                    const char        *name,
                                    const char        *category_code,
                                    const char        *category_label,
                                    const char        *phone,
                                    const char *const *zone_insee)
{
  JsonObject *service;
  JsonArray *array;

  g_return_val_if_fail (organization_id != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  service = json_object_new ();
  json_object_set_string_member (service, "resourceType", "HealthcareService");
  set_string_if (service, "id", id);
  json_object_set_boolean_member (service, "active", TRUE);
  json_object_set_object_member (service, "providedBy",
                                 cercle_fhir_reference_new ("Organization", organization_id, NULL));
  if (category_code != NULL && category_code[0] != '\0')
    {
      array = json_array_new ();
      json_array_add_object_element (array,
                                     cercle_fhir_codeable_concept_new (CERCLE_FHIR_SYSTEM_FINESS_CATEGORY,
                                                                       category_code, category_label));
      json_object_set_array_member (service, "category", array);
    }
  if (location_id != NULL)
    {
      array = json_array_new ();
      json_array_add_object_element (array, cercle_fhir_reference_new ("Location", location_id, NULL));
      json_object_set_array_member (service, "location", array);
    }
  json_object_set_string_member (service, "name", name);
  if (phone != NULL && phone[0] != '\0')
    json_object_set_array_member (service, "telecom", phone_telecom (phone));
  if (zone_insee != NULL && zone_insee[0] != NULL)
    {
      array = json_array_new ();
      for (gsize i = 0; zone_insee[i]; i++)
        {
          JsonObject *reference = json_object_new ();

          json_object_set_string_member (reference, "type", "Location");
          json_object_set_object_member (reference, "identifier",
                                         cercle_fhir_identifier_new (CERCLE_FHIR_SYSTEM_INSEE_COMMUNE,
                                                                     zone_insee[i], NULL));
          json_array_add_object_element (array, reference);
        }
      json_object_set_array_member (service, "coverageArea", array);
    }
  return service;
}

/**
 * cercle_fhir_healthcare_service_dup_zone:
 * @healthcare_service: a HealthcareService
 *
 * Returns: (transfer full): the INSEE codes of its intervention zone (empty
 *   when it has none)
 */
GStrv
cercle_fhir_healthcare_service_dup_zone (JsonObject *healthcare_service)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  JsonArray *areas = cercle_fhir_get_array (healthcare_service, "coverageArea");

  for (guint i = 0; areas != NULL && i < json_array_get_length (areas); i++)
    {
      JsonObject *identifier = cercle_fhir_get_object (cercle_fhir_array_get_object (areas, i), "identifier");

      if (g_strcmp0 (cercle_fhir_get_string (identifier, "system"), CERCLE_FHIR_SYSTEM_INSEE_COMMUNE) == 0
          && cercle_fhir_get_string (identifier, "value") != NULL)
        g_strv_builder_add (builder, cercle_fhir_get_string (identifier, "value"));
    }
  return g_strv_builder_end (builder);
}
