/* test-demo.c — the demo dataset the server seeds is coherent
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "cercle-care-team-member.h"
#include "cercle-demo.h"
#include "cercle-destination.h"
#include "cercle-fhir.h"
#include "cercle-fhir-patient.h"
#include "cercle-note.h"
#include "cercle-patient.h"
#include "cercle-professional.h"
#include "cercle-referral.h"
#include "cercle-validate.h"

static GPtrArray *resources;

static char *
key_of (JsonObject *resource)
{
  return g_strdup_printf ("%s/%s", cercle_fhir_get_string (resource, "resourceType"),
                          cercle_fhir_get_string (resource, "id"));
}

static JsonObject *
find (const char *type,
      const char *id)
{
  for (guint i = 0; i < resources->len; i++)
    {
      JsonObject *r = g_ptr_array_index (resources, i);

      if (g_strcmp0 (cercle_fhir_get_string (r, "resourceType"), type) == 0
          && g_strcmp0 (cercle_fhir_get_string (r, "id"), id) == 0)
        return r;
    }
  return NULL;
}

static GPtrArray *
of_type (const char *type)
{
  GPtrArray *list = g_ptr_array_new ();

  for (guint i = 0; i < resources->len; i++)
    {
      JsonObject *r = g_ptr_array_index (resources, i);

      if (g_strcmp0 (cercle_fhir_get_string (r, "resourceType"), type) == 0)
        g_ptr_array_add (list, r);
    }
  return list;
}

static void
test_valid (void)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  g_assert_cmpuint (resources->len, >, 40);
  for (guint i = 0; i < resources->len; i++)
    {
      JsonObject *r = g_ptr_array_index (resources, i);
      g_autoptr(GError) error = NULL;
      char *key = key_of (r);

      g_test_message ("%s", key);
      g_assert_true (cercle_fhir_check_resource (r, NULL, &error));
      g_assert_no_error (error);
      g_assert_true (cercle_fhir_is_valid_id (cercle_fhir_get_string (r, "id")));
      g_assert_false (g_hash_table_contains (seen, key));
      g_hash_table_add (seen, key);
    }
}

/* Every literal reference anywhere in a resource, depth first. */
static void
collect_references (JsonNode  *node,
                    GPtrArray *out)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *object = json_node_get_object (node);
      JsonObjectIter iter;
      const char *name;
      JsonNode *child;

      json_object_iter_init (&iter, object);
      while (json_object_iter_next (&iter, &name, &child))
        {
          if (strcmp (name, "reference") == 0 && JSON_NODE_HOLDS_VALUE (child))
            g_ptr_array_add (out, object);
          else
            collect_references (child, out);
        }
    }
  else if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        collect_references (json_array_get_element (array, i), out);
    }
}

static void
test_insert_order (void)
{
  g_autoptr(GHashTable) earlier = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  guint n_refs = 0;

  /* Inserted in this order, a resource only points at ones already there. */
  for (guint i = 0; i < resources->len; i++)
    {
      JsonObject *r = g_ptr_array_index (resources, i);
      g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), r);
      g_autoptr(GPtrArray) refs = g_ptr_array_new ();
      g_autofree char *self_key = key_of (r);

      collect_references (node, refs);
      for (guint j = 0; j < refs->len; j++)
        {
          g_autofree char *type = NULL;
          g_autofree char *id = NULL;
          g_autofree char *key = NULL;

          g_assert_true (cercle_fhir_reference_parse (g_ptr_array_index (refs, j), &type, &id));
          key = g_strdup_printf ("%s/%s", type, id);
          g_test_message ("%s → %s", self_key, key);
          g_assert_true (g_hash_table_contains (earlier, key));
          n_refs++;
        }
      g_hash_table_add (earlier, g_steal_pointer (&self_key));
    }
  g_assert_cmpuint (n_refs, >, 80);
}

static void
test_patients (void)
{
  g_autoptr(GPtrArray) patients = of_type ("Patient");
  g_autoptr(GHashTable) statuses = g_hash_table_new (g_direct_hash, g_direct_equal);
  const char *ids[] = { CERCLE_DEMO_PAT_DURAND, CERCLE_DEMO_PAT_LEROY, CERCLE_DEMO_PAT_FAURE,
                        CERCLE_DEMO_PAT_NGUYEN, CERCLE_DEMO_PAT_GARNIER };
  guint with_ins = 0;

  g_assert_cmpuint (patients->len, >=, 4);
  g_assert_cmpuint (patients->len, <=, 6);
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    g_assert_nonnull (find ("Patient", ids[i]));

  for (guint i = 0; i < patients->len; i++)
    {
      JsonObject *r = g_ptr_array_index (patients, i);
      g_autoptr(GError) error = NULL;
      g_autoptr(CerclePatient) patient = cercle_patient_new_from_fhir (r, &error);
      const char *nir = cercle_fhir_find_identifier (r, CERCLE_FHIR_SYSTEM_INS_NIR);

      g_assert_no_error (error);
      g_assert_true (cercle_patient_validate (patient, &error));
      g_assert_no_error (error);
      g_hash_table_add (statuses, GINT_TO_POINTER (cercle_patient_get_identity_status (patient)));
      if (nir != NULL)
        {
          /* Only qualified identities carry their INS, and the key is right */
          g_assert_cmpint (cercle_patient_get_identity_status (patient), ==, CERCLE_IDENTITY_QUALIFIEE);
          g_assert_true (cercle_validate_nir (nir, &error));
          g_assert_no_error (error);
          /* sex, year, month of the NIR match the traits */
          g_assert_cmpint (nir[0], ==, g_str_equal (cercle_patient_get_sex (patient), "female") ? '2' : '1');
          g_assert_cmpint (strncmp (nir + 1, cercle_patient_get_birth_date (patient) + 2, 2), ==, 0);
          g_assert_cmpint (strncmp (nir + 3, cercle_patient_get_birth_date (patient) + 5, 2), ==, 0);
          g_assert_cmpint (strncmp (nir + 5, cercle_patient_get_birthplace_code (patient), 5), ==, 0);
          with_ins++;
        }
    }
  g_assert_cmpuint (with_ins, >=, 2);
  /* the four RNIV statuses are all there */
  g_assert_cmpuint (g_hash_table_size (statuses), ==, 4);
}

static gboolean
in_team (GPtrArray  *members,
         const char *type,
         const char *id,
         const char *role)
{
  for (guint i = 0; i < members->len; i++)
    {
      CercleCareTeamMember *m = g_ptr_array_index (members, i);

      if (g_str_equal (cercle_care_team_member_get_member_type (m), type)
          && g_str_equal (cercle_care_team_member_get_member_id (m), id)
          && (role == NULL || g_str_equal (cercle_care_team_member_get_role_code (m), role)))
        return TRUE;
    }
  return FALSE;
}

static GPtrArray *
team_of (const char *patient_id)
{
  g_autofree char *id = cercle_care_team_id_for_patient (patient_id);
  JsonObject *team = find ("CareTeam", id);
  g_autoptr(GError) error = NULL;
  g_autofree char *subject = NULL;
  GPtrArray *members;

  g_assert_nonnull (team);
  members = cercle_care_team_from_fhir (team, &subject, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (subject, ==, patient_id);
  return members;
}

static void
test_care_teams (void)
{
  g_autoptr(GPtrArray) patients = of_type ("Patient");

  for (guint i = 0; i < patients->len; i++)
    {
      const char *pid = cercle_fhir_get_string (g_ptr_array_index (patients, i), "id");
      g_autoptr(GPtrArray) members = team_of (pid);

      g_assert_true (in_team (members, "Practitioner", CERCLE_DEMO_PRACT_MARTIN, "medecin-traitant"));
      g_assert_true (in_team (members, "Practitioner", CERCLE_DEMO_PRACT_BERNARD, "infirmier"));
      g_assert_false (in_team (members, "Practitioner", CERCLE_DEMO_PRACT_DEHORS, NULL));
      /* the discharge nurse is in the circles of the patients in hospital only */
      g_assert_cmpint (in_team (members, "Practitioner", CERCLE_DEMO_PRACT_SORTIE, NULL), ==,
                       g_str_equal (pid, CERCLE_DEMO_PAT_DURAND) || g_str_equal (pid, CERCLE_DEMO_PAT_LEROY));
    }
  {
    g_autoptr(GPtrArray) durand = team_of (CERCLE_DEMO_PAT_DURAND);
    g_autoptr(GPtrArray) faure = team_of (CERCLE_DEMO_PAT_FAURE);

    g_assert_true (in_team (durand, "RelatedPerson", CERCLE_DEMO_REL_DURAND_FILLE, "aidant"));
    g_assert_true (in_team (faure, "Organization", CERCLE_DEMO_ORG_SSIAD_MELUN, "ssiad"));
  }
}

/* The structure a practitioner works for, from the PractitionerRoles. */
static const char *
organization_of (const char *practitioner_id)
{
  g_autoptr(GPtrArray) roles = of_type ("PractitionerRole");
  g_autofree char *ref = g_strconcat ("Practitioner/", practitioner_id, NULL);

  for (guint i = 0; i < roles->len; i++)
    {
      JsonObject *role = g_ptr_array_index (roles, i);

      if (g_strcmp0 (cercle_fhir_get_string (cercle_fhir_get_object (role, "practitioner"), "reference"), ref) == 0)
        return cercle_fhir_get_string (cercle_fhir_get_object (role, "organization"), "reference") + strlen ("Organization/");
    }
  return NULL;
}

static void
test_notes (void)
{
  g_autoptr(GPtrArray) communications = of_type ("Communication");
  guint corrections = 0, replies = 0;

  g_assert_cmpuint (communications->len, >=, 12);
  for (guint i = 0; i < communications->len; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(CercleNote) note = cercle_note_new_from_fhir (g_ptr_array_index (communications, i), &error);
      g_autoptr(GPtrArray) members = NULL;
      const char *org;

      g_assert_no_error (error);
      members = team_of (cercle_note_get_patient_id (note));
      /* The author is in the circle, directly or through the structure they work for */
      org = organization_of (cercle_note_get_author_id (note));
      g_assert_true (in_team (members, "Practitioner", cercle_note_get_author_id (note), NULL)
                     || (org != NULL && in_team (members, "Organization", org, NULL)));
      if (cercle_note_get_corrects_id (note))
        {
          g_autoptr(CercleNote) old = cercle_note_new_from_fhir (find ("Communication",
                                                                       cercle_note_get_corrects_id (note)), &error);

          g_assert_no_error (error);
          g_assert_cmpstr (cercle_note_get_patient_id (old), ==, cercle_note_get_patient_id (note));
          g_assert_cmpint (g_date_time_compare (cercle_note_get_sent (old), cercle_note_get_sent (note)), <, 0);
          corrections++;
        }
      if (cercle_note_get_in_response_to_id (note))
        replies++;
    }
  g_assert_cmpuint (corrections, >=, 1);
  g_assert_cmpuint (replies, >=, 1);
}

static void
test_referral (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CercleReferral) referral = cercle_referral_new_from_fhir (find ("ServiceRequest", CERCLE_DEMO_REFERRAL),
                                                                      &error);
  g_autoptr(GPtrArray) tasks = of_type ("Task");
  g_autoptr(GHashTable) labels = g_hash_table_new (g_str_hash, g_str_equal);
  const char *const *destinations;

  g_assert_no_error (error);
  g_assert_cmpstr (cercle_referral_get_dossier_id (referral), ==, CERCLE_DEMO_DOSSIER);
  g_assert_cmpstr (cercle_referral_get_patient_id (referral), ==, CERCLE_DEMO_PAT_DURAND);
  g_assert_true (cercle_referral_is_complete (referral, NULL));
  destinations = cercle_referral_get_destination_ids (referral);
  g_assert_cmpuint (g_strv_length ((GStrv) destinations), ==, 3);

  g_assert_cmpuint (tasks->len, ==, 3);
  for (guint i = 0; i < tasks->len; i++)
    {
      g_autoptr(CercleDestination) d = cercle_destination_new_from_fhir (g_ptr_array_index (tasks, i), &error);
      const char *status = "draft", *business = NULL;

      g_assert_no_error (error);
      g_assert_cmpstr (cercle_destination_get_referral_id (d), ==, CERCLE_DEMO_REFERRAL);
      g_assert_cmpstr (cercle_destination_get_dossier_id (d), ==, CERCLE_DEMO_DOSSIER);
      g_assert_true (g_strv_contains (destinations, cercle_destination_get_owner_id (d)));
      g_hash_table_add (labels, (gpointer) cercle_destination_get_status_label (d));
      /* The history replays through the state machine */
      for (guint j = 0; j < cercle_destination_get_n_transitions (d); j++)
        {
          const CercleDestinationTransition *t = cercle_destination_get_transition (d, j);

          g_assert_true (cercle_referral_check_transition (status, business, t->status, t->business, t->actor,
                                                           t->reason, &error));
          g_assert_no_error (error);
          status = t->status;
          business = t->business;
        }
      g_assert_cmpstr (status, ==, cercle_destination_get_status (d));
      g_assert_cmpstr (business, ==, cercle_destination_get_business_status (d));
    }
  /* three different statuses */
  g_assert_cmpuint (g_hash_table_size (labels), ==, 3);
  g_assert_cmpint (g_strcmp0 (cercle_fhir_get_string (find ("Task", CERCLE_DEMO_TASK_HAD), "status"), "requested"),
                   ==, 0);
}

static void
test_accounts (void)
{
  gsize n;
  const CercleDemoAccount *accounts = cercle_demo_accounts (&n);
  g_autoptr(GHashTable) logins = g_hash_table_new (g_str_hash, g_str_equal);
  const char *expected[] = { "dr.martin", "ide.bernard", "sortie.melun", "ssiad.melun", "smr.coubert", "had.melun",
                             "dr.dehors" };
  guint desks = 0;

  g_assert_cmpuint (n, ==, G_N_ELEMENTS (expected));
  for (gsize i = 0; i < n; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(CercleProfessional) p = NULL;

      g_assert_cmpstr (accounts[i].login, ==, expected[i]);
      g_assert_false (g_hash_table_contains (logins, accounts[i].login));
      g_hash_table_add (logins, (gpointer) accounts[i].login);
      g_assert_nonnull (accounts[i].display_name);
      p = cercle_professional_new_from_fhir (find ("Practitioner", accounts[i].practitioner_id), &error);
      g_assert_no_error (error);
      g_assert_cmpstr (cercle_professional_get_profession_code (p), ==, accounts[i].profession);
      if (accounts[i].organization_id)
        {
          g_assert_nonnull (find ("Organization", accounts[i].organization_id));
          g_assert_cmpstr (organization_of (accounts[i].practitioner_id), ==, accounts[i].organization_id);
          desks++;
        }
    }
  g_assert_cmpuint (desks, ==, 3);
  g_assert_cmpstr (CERCLE_DEMO_PASSWORD, ==, "cercle-demo");
}

int
main (int argc, char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);

  resources = cercle_demo_resources ();

  g_test_add_func ("/demo/resources/valid", test_valid);
  g_test_add_func ("/demo/resources/insert-order", test_insert_order);
  g_test_add_func ("/demo/patients", test_patients);
  g_test_add_func ("/demo/care-teams", test_care_teams);
  g_test_add_func ("/demo/notes", test_notes);
  g_test_add_func ("/demo/referral", test_referral);
  g_test_add_func ("/demo/accounts", test_accounts);

  status = g_test_run ();
  g_ptr_array_unref (resources);
  return status;
}
