/* cercle-fhir-patient.h — Patient to and from FHIR R4 JSON (FR Core style)
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "cercle-patient.h"

G_BEGIN_DECLS

JsonObject    *cercle_patient_to_fhir        (CerclePatient  *patient);
CerclePatient *cercle_patient_new_from_fhir  (JsonObject     *resource,
                                              GError        **error);

G_END_DECLS
