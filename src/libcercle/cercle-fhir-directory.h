/* cercle-fhir-directory.h — FHIR Organization, Location and HealthcareService of the directory
 *
 * Plain builders (the directory's own objects live elsewhere) so the
 * importer, the server and the demo write the same resources.
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

JsonObject *cercle_fhir_organization_new       (const char         *id,
                                                const char         *finess,
                                                const char         *name,
                                                const char         *category_code,
                                                const char         *category_label,
                                                const char         *address_line,
                                                const char         *commune_insee,
                                                const char         *city,
                                                const char         *postcode,
                                                const char         *phone);
JsonObject *cercle_fhir_location_new           (const char         *id,
                                                const char         *organization_id,
                                                const char         *name,
                                                const char         *address_line,
                                                const char         *commune_insee,
                                                const char         *city,
                                                const char         *postcode,
                                                double              latitude,
                                                double              longitude);
JsonObject *cercle_fhir_healthcare_service_new (const char         *id,
                                                const char         *organization_id,
                                                const char         *location_id,
                                                const char         *name,
                                                const char         *category_code,
                                                const char         *category_label,
                                                const char         *phone,
                                                const char *const  *zone_insee);

const char *cercle_fhir_organization_get_finess           (JsonObject *organization);
const char *cercle_fhir_organization_get_category         (JsonObject *organization,
                                                           const char **label);
const char *cercle_fhir_address_get_commune_insee         (JsonObject *address);
gboolean    cercle_fhir_location_get_position             (JsonObject *location,
                                                           double     *latitude,
                                                           double     *longitude);
GStrv       cercle_fhir_healthcare_service_dup_zone       (JsonObject *healthcare_service);

G_END_DECLS
