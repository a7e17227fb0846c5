/* referral-seed.h — the demo data in a real local store, for the referral tests
 *
 * The demo dataset (cercle_demo_resources()) written into a store the way
 * the sync service writes what it pulls: patients in `patient`, the rest in
 * `resource` with a server version, and an empty outbox.
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cercle-demo.h"
#include "cercle-fhir.h"
#include "cercle-fhir-patient.h"
#include "cercle-patient-repo.h"
#include "cercle-store.h"

static inline const char *
seed_patient_of (JsonObject *resource)
{
  static const char * const members[] = { "subject", "patient", "for", NULL };

  for (guint i = 0; members[i]; i++)
    {
      const char *ref = cercle_fhir_get_string (cercle_fhir_get_object (resource, members[i]), "reference");

      if (ref && g_str_has_prefix (ref, "Patient/"))
        return ref + strlen ("Patient/");
    }
  return NULL;
}

static inline void
seed_resource (CercleDb   *db,
               JsonObject *resource)
{
  g_autoptr(GError) error = NULL;
  const char *type = cercle_fhir_get_string (resource, "resourceType");

  if (g_str_equal (type, "Patient"))
    {
      g_autoptr(CerclePatient) patient = cercle_patient_new_from_fhir (resource, &error);

      g_assert_no_error (error);
      g_assert_true (cercle_patient_repo_save (db, patient, &error));
    }
  else
    {
      g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), resource);
      g_autofree char *json = json_to_string (node, FALSE);

      g_assert_true (cercle_store_resource_put (db, type, cercle_fhir_get_string (resource, "id"),
                                                seed_patient_of (resource), NULL, json, "1", NULL, &error));
    }
  g_assert_no_error (error);
}

/* Seeds the demo; @with_referral keeps the demo's own referral. */
static inline void
seed_demo (CercleDb *db,
           gboolean  with_referral)
{
  g_autoptr(GPtrArray) demo = cercle_demo_resources ();
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < demo->len; i++)
    {
      JsonObject *r = g_ptr_array_index (demo, i);
      const char *type = cercle_fhir_get_string (r, "resourceType");

      if (!with_referral && (g_str_equal (type, "ServiceRequest") || g_str_equal (type, "Task")))
        continue;
      seed_resource (db, r);
    }
  /* What came from the server is not to be sent back. */
  g_assert_true (cercle_db_exec (db, "DELETE FROM outbox", &error));
  g_assert_no_error (error);
}

static inline void
seed_account (CercleDb   *db,
              const char *login)
{
  gsize n = 0;
  const CercleDemoAccount *accounts = cercle_demo_accounts (&n);
  g_autoptr(GError) error = NULL;

  for (gsize i = 0; i < n; i++)
    if (g_str_equal (accounts[i].login, login))
      {
        g_autofree char *practitioner = g_strconcat ("Practitioner/", accounts[i].practitioner_id, NULL);
        g_autofree char *organization = accounts[i].organization_id
                                        ? g_strconcat ("Organization/", accounts[i].organization_id, NULL) : NULL;

        g_assert_true (cercle_store_set_account (db, "https://127.0.0.1:1", login, practitioner, organization,
                                                 accounts[i].display_name, &error));
        g_assert_no_error (error);
        return;
      }
  g_assert_not_reached ();
}
