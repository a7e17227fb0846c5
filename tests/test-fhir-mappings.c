/* test-fhir-mappings.c — the FHIR R4 mappings of the domain objects, both ways
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "cercle-care-team-member.h"
#include "cercle-destination.h"
#include "cercle-fhir.h"
#include "cercle-fhir-directory.h"
#include "cercle-note.h"
#include "cercle-professional.h"
#include "cercle-referral.h"

/* Serialises, parses back and checks: what goes on the wire is what the
 * other side reads. */
static JsonObject *
through_text (JsonObject *resource)
{
  g_autofree char *text = cercle_fhir_to_string (resource);
  g_autoptr(GError) error = NULL;
  JsonObject *back = cercle_fhir_parse (text, -1, &error);

  g_assert_no_error (error);
  g_assert_true (cercle_fhir_check_resource (back, NULL, &error));
  g_assert_no_error (error);
  return back;
}

static void
assert_same_json (JsonObject *a,
                  JsonObject *b)
{
  g_autofree char *ta = cercle_fhir_to_string (a);
  g_autofree char *tb = cercle_fhir_to_string (b);

  g_assert_cmpstr (ta, ==, tb);
}

static JsonObject *
parse (const char *json)
{
  g_autoptr(GError) error = NULL;
  JsonObject *object = cercle_fhir_parse (json, -1, &error);

  g_assert_no_error (error);
  return object;
}

static void
test_professional (void)
{
  g_autoptr(CercleProfessional) p = cercle_professional_new ("pract-1", "10999990012", "Martin", "Paul", "10");
  g_autoptr(CercleProfessional) back = NULL;
  g_autoptr(JsonObject) fhir = NULL;
  g_autoptr(JsonObject) wire = NULL;
  g_autoptr(JsonObject) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *idnps = NULL;
  g_autofree char *display = NULL;

  g_object_set (p, "phone", "01 99 00 50 01", "mssante", "paul.martin@medecin.mssante.invalid", NULL);
  fhir = cercle_professional_to_fhir (p);
  g_assert_cmpstr (cercle_fhir_find_identifier (fhir, CERCLE_FHIR_SYSTEM_RPPS), ==, "10999990012");
  g_assert_cmpstr (cercle_fhir_find_identifier (fhir, CERCLE_FHIR_SYSTEM_IDNPS), ==, "810999990012");

  wire = through_text (fhir);
  back = cercle_professional_new_from_fhir (wire, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cercle_professional_get_id (back), ==, "pract-1");
  g_assert_cmpstr (cercle_professional_get_rpps (back), ==, "10999990012");
  g_assert_cmpstr (cercle_professional_get_family_name (back), ==, "Martin");
  g_assert_cmpstr (cercle_professional_get_given_name (back), ==, "Paul");
  g_assert_cmpstr (cercle_professional_get_profession_code (back), ==, "10");
  g_assert_cmpstr (cercle_professional_get_phone (back), ==, "01 99 00 50 01");
  g_assert_cmpstr (cercle_professional_get_mssante (back), ==, "paul.martin@medecin.mssante.invalid");
  idnps = cercle_professional_dup_idnps (back);
  g_assert_cmpstr (idnps, ==, "810999990012");
  display = cercle_professional_dup_display_name (back);
  g_assert_cmpstr (display, ==, "Paul MARTIN");
  again = cercle_professional_to_fhir (back);
  assert_same_json (fhir, again);

  g_assert_true (cercle_profession_is_medical ("10"));
  g_assert_true (cercle_profession_is_medical ("60"));
  g_assert_false (cercle_profession_is_medical ("21"));
  g_assert_false (cercle_profession_is_medical (CERCLE_PROFESSION_ADMISSION));
  g_assert_false (cercle_profession_is_health (CERCLE_PROFESSION_SOCIAL_WORKER));
}

static void
test_professional_from_directory (void)
{
  /* The national directory: IDNPS only, an ordinary email is not MSSanté */
  g_autoptr(JsonObject) fhir = parse ("{\"resourceType\":\"Practitioner\",\"id\":\"x\",\"identifier\":[{\"system\":"
                                      "\"urn:oid:1.2.250.1.71.4.2.1\",\"value\":\"810999990020\"}],"
                                      "\"name\":[{\"family\":\"Bernard\"}],\"telecom\":[{\"system\":\"email\","
                                      "\"value\":\"s@example.invalid\"}]}");
  g_autoptr(JsonObject) mismatch = parse ("{\"resourceType\":\"Practitioner\",\"identifier\":["
                                          "{\"system\":\"https://rpps.esante.gouv.fr\",\"value\":\"10999990020\"},"
                                          "{\"system\":\"urn:oid:1.2.250.1.71.4.2.1\",\"value\":\"810999990012\"}],"
                                          "\"name\":[{\"family\":\"Bernard\"}]}");
  g_autoptr(JsonObject) nameless = parse ("{\"resourceType\":\"Practitioner\"}");
  g_autoptr(JsonObject) patient = parse ("{\"resourceType\":\"Patient\"}");
  g_autoptr(CercleProfessional) p = NULL;
  g_autoptr(GError) error = NULL;

  p = cercle_professional_new_from_fhir (fhir, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cercle_professional_get_rpps (p), ==, "10999990020");
  g_assert_null (cercle_professional_get_mssante (p));
  g_assert_null (cercle_professional_get_given_name (p));

  g_assert_null (cercle_professional_new_from_fhir (mismatch, &error));
  g_assert_error (error, CERCLE_FHIR_ERROR, CERCLE_FHIR_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (cercle_professional_new_from_fhir (nameless, &error));
  g_assert_error (error, CERCLE_FHIR_ERROR, CERCLE_FHIR_ERROR_REQUIRED);
  g_clear_error (&error);
  g_assert_null (cercle_professional_new_from_fhir (patient, &error));
  g_assert_error (error, CERCLE_FHIR_ERROR, CERCLE_FHIR_ERROR_RESOURCE_TYPE);
}

static void
test_care_team (void)
{
  g_autoptr(GPtrArray) members = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) back = NULL;
  g_autoptr(JsonObject) fhir = NULL;
  g_autoptr(JsonObject) wire = NULL;
  g_autoptr(JsonObject) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *patient_id = NULL;
  g_autofree char *long_id = NULL;
  CercleCareTeamMember *m;

  m = cercle_care_team_member_new ("Practitioner", "pract-1", "Dr Paul Martin", "medecin-traitant");
  g_object_set (m, "start", "2019-04-01", NULL);
  g_ptr_array_add (members, m);
  m = cercle_care_team_member_new ("Organization", "org-ssiad", "SSIAD de Melun", "ssiad");
  g_object_set (m, "start", "2025-06-02", "end", "2026-01-31", NULL);
  g_ptr_array_add (members, m);
  m = cercle_care_team_member_new ("RelatedPerson", "rel-1", "Claire Durand", "personne-de-confiance");
  g_ptr_array_add (members, m);

  fhir = cercle_care_team_to_fhir ("pat-1", members);
  g_assert_cmpstr (cercle_fhir_get_string (fhir, "id"), ==, "ct-pat-1");
  wire = through_text (fhir);
  back = cercle_care_team_from_fhir (wire, &patient_id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (patient_id, ==, "pat-1");
  g_assert_cmpuint (back->len, ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      CercleCareTeamMember *a = g_ptr_array_index (members, i);
      CercleCareTeamMember *b = g_ptr_array_index (back, i);

      g_assert_cmpstr (cercle_care_team_member_get_member_type (a), ==, cercle_care_team_member_get_member_type (b));
      g_assert_cmpstr (cercle_care_team_member_get_member_id (a), ==, cercle_care_team_member_get_member_id (b));
      g_assert_cmpstr (cercle_care_team_member_get_display (a), ==, cercle_care_team_member_get_display (b));
      g_assert_cmpstr (cercle_care_team_member_get_role_code (a), ==, cercle_care_team_member_get_role_code (b));
      g_assert_cmpstr (cercle_care_team_member_get_start (a), ==, cercle_care_team_member_get_start (b));
      g_assert_cmpstr (cercle_care_team_member_get_end (a), ==, cercle_care_team_member_get_end (b));
    }
  again = cercle_care_team_to_fhir (patient_id, back);
  assert_same_json (fhir, again);

  m = g_ptr_array_index (back, 1);
  g_assert_cmpstr (cercle_care_team_member_get_role_label (m), ==, "Nursing at home (SSIAD)");
  g_assert_true (cercle_care_team_member_is_active (m, "2025-06-02"));
  g_assert_true (cercle_care_team_member_is_active (m, "2026-01-31"));
  g_assert_false (cercle_care_team_member_is_active (m, "2026-02-01"));
  g_assert_false (cercle_care_team_member_is_active (m, "2025-06-01"));
  g_assert_true (cercle_care_team_member_is_active (g_ptr_array_index (back, 2), "2030-01-01"));

  long_id = cercle_care_team_id_for_patient ("p123456789012345678901234567890123456789012345678901234567890123");
  g_assert_true (cercle_fhir_is_valid_id (long_id));
}

static void
test_care_team_errors (void)
{
  const struct { const char *json; int code; } cases[] = {
    { "{\"resourceType\":\"CareTeam\"}", CERCLE_FHIR_ERROR_REQUIRED },
    { "{\"resourceType\":\"CareTeam\",\"subject\":{\"reference\":\"Group/g\"}}", CERCLE_FHIR_ERROR_REQUIRED },
    /* unknown role */
    { "{\"resourceType\":\"CareTeam\",\"subject\":{\"reference\":\"Patient/p\"},\"participant\":[{\"role\":[{\"coding\":"
      "[{\"system\":\"https://cercle.fr/fhir/CodeSystem/care-team-role\",\"code\":\"voisin\"}]}],"
      "\"member\":{\"reference\":\"Practitioner/x\"}}]}", CERCLE_FHIR_ERROR_INVALID },
    /* a Patient is not a member */
    { "{\"resourceType\":\"CareTeam\",\"subject\":{\"reference\":\"Patient/p\"},\"participant\":[{\"role\":[{\"coding\":"
      "[{\"system\":\"https://cercle.fr/fhir/CodeSystem/care-team-role\",\"code\":\"infirmier\"}]}],"
      "\"member\":{\"reference\":\"Patient/x\"}}]}", CERCLE_FHIR_ERROR_INVALID },
    /* a professional cannot be the aidant */
    { "{\"resourceType\":\"CareTeam\",\"subject\":{\"reference\":\"Patient/p\"},\"participant\":[{\"role\":[{\"coding\":"
      "[{\"system\":\"https://cercle.fr/fhir/CodeSystem/care-team-role\",\"code\":\"aidant\"}]}],"
      "\"member\":{\"reference\":\"Practitioner/x\"}}]}", CERCLE_FHIR_ERROR_INVALID },
    /* leaves before entering */
    { "{\"resourceType\":\"CareTeam\",\"subject\":{\"reference\":\"Patient/p\"},\"participant\":[{\"role\":[{\"coding\":"
      "[{\"system\":\"https://cercle.fr/fhir/CodeSystem/care-team-role\",\"code\":\"infirmier\"}]}],"
      "\"member\":{\"reference\":\"Practitioner/x\"},\"period\":{\"start\":\"2026-02-01\",\"end\":\"2026-01-01\"}}]}",
      CERCLE_FHIR_ERROR_INVALID },
    { "{\"resourceType\":\"CareTeam\",\"subject\":{\"reference\":\"Patient/p\"},\"participant\":[{\"role\":[{\"coding\":"
      "[{\"system\":\"https://cercle.fr/fhir/CodeSystem/care-team-role\",\"code\":\"infirmier\"}]}],"
      "\"member\":{\"reference\":\"Practitioner/x\"},\"period\":{\"start\":\"2026-02-30\"}}]}",
      CERCLE_FHIR_ERROR_INVALID },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonObject) object = parse (cases[i].json);
      g_autoptr(GError) error = NULL;

      g_test_message ("%s", cases[i].json);
      g_assert_null (cercle_care_team_from_fhir (object, NULL, &error));
      g_assert_error (error, CERCLE_FHIR_ERROR, cases[i].code);
    }
}

static void
test_note (void)
{
  g_autoptr(CercleNote) note = cercle_note_new ("note-1", "pat-1", "pract-1", CERCLE_NOTE_CATEGORY_VIGILANCE,
                                                "Risque de chute élevé.\nPrévoir un lit médicalisé.");
  g_autoptr(CercleNote) correction = NULL;
  g_autoptr(CercleNote) back = NULL;
  g_autoptr(CercleNote) back2 = NULL;
  g_autoptr(JsonObject) fhir = NULL;
  g_autoptr(JsonObject) wire = NULL;
  g_autoptr(JsonObject) again = NULL;
  g_autoptr(JsonObject) fhir2 = NULL;
  g_autoptr(JsonObject) wire2 = NULL;
  g_autoptr(GDateTime) sent = g_date_time_new_from_iso8601 ("2026-11-15T08:05:00+01:00", NULL);
  g_autoptr(GError) error = NULL;

  g_object_set (note, "sent", sent, "author-display", "Sophie Bernard", "care-team-id", "ct-pat-1",
                "in-response-to-id", "note-0", NULL);
  fhir = cercle_note_to_fhir (note);
  g_assert_cmpstr (cercle_fhir_get_string (fhir, "sent"), ==, "2026-11-15T08:05:00+01:00");
  wire = through_text (fhir);
  back = cercle_note_new_from_fhir (wire, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cercle_note_get_id (back), ==, "note-1");
  g_assert_cmpstr (cercle_note_get_patient_id (back), ==, "pat-1");
  g_assert_cmpstr (cercle_note_get_author_id (back), ==, "pract-1");
  g_assert_cmpstr (cercle_note_get_author_display (back), ==, "Sophie Bernard");
  g_assert_cmpstr (cercle_note_get_category (back), ==, "vigilance");
  g_assert_cmpstr (cercle_note_get_category_label (back), ==, "Alert");
  g_assert_cmpstr (cercle_note_get_text (back), ==, "Risque de chute élevé.\nPrévoir un lit médicalisé.");
  g_assert_cmpstr (cercle_note_get_care_team_id (back), ==, "ct-pat-1");
  g_assert_cmpstr (cercle_note_get_in_response_to_id (back), ==, "note-0");
  g_assert_null (cercle_note_get_corrects_id (back));
  g_assert_true (g_date_time_equal (cercle_note_get_sent (back), sent));
  again = cercle_note_to_fhir (back);
  assert_same_json (fhir, again);

  /* A correction is a new note pointing at the old one */
  correction = cercle_note_new_correction (back, "note-2", "pract-1", "Correction : lit médicalisé livré.");
  g_assert_cmpstr (cercle_note_get_corrects_id (correction), ==, "note-1");
  g_assert_cmpstr (cercle_note_get_category (correction), ==, "vigilance");
  g_assert_cmpstr (cercle_note_get_patient_id (correction), ==, "pat-1");
  fhir2 = cercle_note_to_fhir (correction);
  wire2 = through_text (fhir2);
  back2 = cercle_note_new_from_fhir (wire2, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cercle_note_get_corrects_id (back2), ==, "note-1");
  g_assert_nonnull (cercle_note_get_sent (back2));
  /* the old note is untouched */
  g_assert_cmpstr (cercle_note_get_text (back), ==, "Risque de chute élevé.\nPrévoir un lit médicalisé.");
}

static void
test_note_errors (void)
{
  const char *head = "{\"resourceType\":\"Communication\",\"status\":\"completed\",";
  const char *cat = "\"category\":[{\"coding\":[{\"system\":\"https://cercle.fr/fhir/CodeSystem/note-category\","
                    "\"code\":\"transmission\"}]}]";
  const char *subject = "\"subject\":{\"reference\":\"Patient/p\"}";
  const char *sender = "\"sender\":{\"reference\":\"Practitioner/x\"}";
  const char *sent = "\"sent\":\"2026-11-23T10:00:00+01:00\"";
  const char *payload = "\"payload\":[{\"contentString\":\"Texte\"}]";
  g_autofree char *ok_body = g_strjoin (",", cat, subject, sender, sent, payload, NULL);
  struct { char *body; int code; } cases[] = {
    { g_strjoin (",", subject, sender, sent, payload, NULL), CERCLE_FHIR_ERROR_INVALID },
    { g_strjoin (",", cat, sender, sent, payload, NULL), CERCLE_FHIR_ERROR_REQUIRED },
    { g_strjoin (",", cat, subject, sent, payload, NULL), CERCLE_FHIR_ERROR_REQUIRED },
    { g_strjoin (",", cat, subject, sender, payload, NULL), CERCLE_FHIR_ERROR_REQUIRED },
    { g_strjoin (",", cat, subject, sender, sent, NULL), CERCLE_FHIR_ERROR_REQUIRED },
    { g_strjoin (",", cat, subject, sender, sent, payload, "\"inResponseTo\":[{\"reference\":\"Patient/p\"}]", NULL),
      CERCLE_FHIR_ERROR_INVALID },
    { g_strjoin (",", cat, subject, sender, sent, payload, "\"extension\":[{\"url\":"
                 "\"https://cercle.fr/fhir/StructureDefinition/note-corrects\",\"valueReference\":{\"reference\":"
                 "\"Task/t\"}}]", NULL), CERCLE_FHIR_ERROR_INVALID },
    { g_strjoin (",", cat, "\"subject\":{\"reference\":\"Practitioner/p\"}", sender, sent, payload, NULL),
      CERCLE_FHIR_ERROR_REQUIRED },
  };
  g_autofree char *ok_json = g_strconcat (head, ok_body, "}", NULL);
  g_autoptr(JsonObject) ok = parse (ok_json);
  g_autoptr(GError) error = NULL;
  g_autoptr(CercleNote) note = cercle_note_new_from_fhir (ok, &error);

  g_assert_no_error (error);
  g_assert_nonnull (note);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *json = g_strconcat (head, cases[i].body, "}", NULL);
      g_autoptr(JsonObject) object = parse (json);
      g_autoptr(GError) e = NULL;

      g_test_message ("%s", json);
      g_assert_null (cercle_note_new_from_fhir (object, &e));
      g_assert_error (e, CERCLE_FHIR_ERROR, cases[i].code);
      g_free (cases[i].body);
    }
}

static void
test_referral (void)
{
  g_autoptr(CercleReferral) r = cercle_referral_new ("sr-1", "DO-1", "pat-1", "pract-1", "EHPAD");
  g_autoptr(CercleReferral) back = NULL;
  g_autoptr(JsonObject) fhir = NULL;
  g_autoptr(JsonObject) wire = NULL;
  g_autoptr(JsonObject) again = NULL;
  g_autoptr(GDateTime) authored = g_date_time_new_from_iso8601 ("2026-11-20T10:15:00+01:00", NULL);
  g_auto(GStrv) missing = NULL;
  g_autoptr(GError) error = NULL;
  gboolean complete;
  const char *text;

  /* Nothing filled in: not sendable, and the app can say why */
  g_assert_false (cercle_referral_is_complete (r, &missing));
  g_assert_cmpuint (g_strv_length (missing), ==, 5);   /* destination + 4 sections (EHPAD needs social) */
  g_clear_pointer (&missing, g_strfreev);

  g_object_set (r, "authored-on", authored, "reason", "Perte d’autonomie", NULL);
  cercle_referral_add_destination (r, "org-a");
  cercle_referral_add_destination (r, "org-b");
  cercle_referral_add_destination (r, "org-a");
  cercle_referral_set_section (r, CERCLE_REFERRAL_SECTION_ADMINISTRATIVE, TRUE, "Mutuelle à jour");
  cercle_referral_set_section (r, CERCLE_REFERRAL_SECTION_MEDICAL, TRUE, "Démence à corps de Lewy");
  cercle_referral_set_section (r, CERCLE_REFERRAL_SECTION_CARE, TRUE, NULL);
  cercle_referral_set_section (r, CERCLE_REFERRAL_SECTION_SOCIAL, FALSE, "APA demandée");
  g_assert_false (cercle_referral_is_complete (r, &missing));
  g_assert_cmpuint (g_strv_length (missing), ==, 1);
  g_clear_pointer (&missing, g_strfreev);
  /* The social section is not required for an SMR */
  g_object_set (r, "orientation-type", "SMR", NULL);
  g_assert_true (cercle_referral_is_complete (r, NULL));
  g_object_set (r, "orientation-type", "EHPAD", NULL);
  cercle_referral_set_section (r, CERCLE_REFERRAL_SECTION_SOCIAL, TRUE, "APA accordée");
  g_assert_true (cercle_referral_is_complete (r, &missing));
  g_assert_cmpuint (g_strv_length (missing), ==, 0);
  g_object_set (r, "status", "active", NULL);

  fhir = cercle_referral_to_fhir (r);
  wire = through_text (fhir);
  back = cercle_referral_new_from_fhir (wire, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cercle_referral_get_id (back), ==, "sr-1");
  g_assert_cmpstr (cercle_referral_get_dossier_id (back), ==, "DO-1");
  g_assert_cmpstr (cercle_referral_get_patient_id (back), ==, "pat-1");
  g_assert_cmpstr (cercle_referral_get_requester_id (back), ==, "pract-1");
  g_assert_cmpstr (cercle_referral_get_orientation_type (back), ==, "EHPAD");
  g_assert_cmpstr (cercle_referral_get_status (back), ==, "active");
  g_assert_cmpstr (cercle_referral_get_reason (back), ==, "Perte d’autonomie");
  g_assert_true (g_date_time_equal (cercle_referral_get_authored_on (back), authored));
  g_assert_cmpuint (g_strv_length ((GStrv) cercle_referral_get_destination_ids (back)), ==, 2);
  g_assert_true (cercle_referral_get_section (back, CERCLE_REFERRAL_SECTION_MEDICAL, &complete, &text));
  g_assert_true (complete);
  g_assert_cmpstr (text, ==, "Démence à corps de Lewy");
  g_assert_true (cercle_referral_get_section (back, CERCLE_REFERRAL_SECTION_CARE, &complete, &text));
  g_assert_null (text);
  g_assert_true (cercle_referral_is_complete (back, NULL));
  again = cercle_referral_to_fhir (back);
  assert_same_json (fhir, again);

  /* Without the medical text for non-medical staff, still complete */
  cercle_referral_fhir_strip_medical (again);
  {
    g_autoptr(CercleReferral) stripped = cercle_referral_new_from_fhir (again, &error);

    g_assert_no_error (error);
    g_assert_true (cercle_referral_get_section (stripped, CERCLE_REFERRAL_SECTION_MEDICAL, &complete, &text));
    g_assert_true (complete);
    g_assert_null (text);
    g_assert_true (cercle_referral_get_section (stripped, CERCLE_REFERRAL_SECTION_SOCIAL, &complete, &text));
    g_assert_cmpstr (text, ==, "APA accordée");
  }
}

static void
test_referral_errors (void)
{
  const struct { const char *json; int code; } cases[] = {
    { "{\"resourceType\":\"ServiceRequest\",\"status\":\"active\",\"intent\":\"order\",\"subject\":{\"reference\":"
      "\"Group/g\"}}", CERCLE_FHIR_ERROR_REQUIRED },
    { "{\"resourceType\":\"ServiceRequest\",\"status\":\"unknown\",\"intent\":\"order\",\"subject\":{\"reference\":"
      "\"Patient/p\"}}", CERCLE_FHIR_ERROR_INVALID },
    { "{\"resourceType\":\"ServiceRequest\",\"status\":\"active\",\"intent\":\"order\",\"subject\":{\"reference\":"
      "\"Patient/p\"},\"code\":{\"coding\":[{\"system\":\"https://cercle.fr/fhir/CodeSystem/orientation-type\","
      "\"code\":\"HOTEL\"}]}}", CERCLE_FHIR_ERROR_INVALID },
    { "{\"resourceType\":\"ServiceRequest\",\"status\":\"active\",\"intent\":\"order\",\"subject\":{\"reference\":"
      "\"Patient/p\"},\"performer\":[{\"reference\":\"Practitioner/x\"}]}", CERCLE_FHIR_ERROR_INVALID },
    { "{\"resourceType\":\"ServiceRequest\",\"status\":\"active\",\"intent\":\"order\",\"subject\":{\"reference\":"
      "\"Patient/p\"},\"extension\":[{\"url\":\"https://cercle.fr/fhir/StructureDefinition/referral-section\","
      "\"extension\":[{\"url\":\"section\",\"valueCode\":\"financier\"}]}]}", CERCLE_FHIR_ERROR_INVALID },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonObject) object = parse (cases[i].json);
      g_autoptr(GError) error = NULL;

      g_test_message ("%s", cases[i].json);
      g_assert_null (cercle_referral_new_from_fhir (object, &error));
      g_assert_error (error, CERCLE_FHIR_ERROR, cases[i].code);
    }
}

static void
test_destination (void)
{
  g_autoptr(CercleDestination) d = cercle_destination_new ("task-1", "sr-1", "DO-1", "pat-1", "pract-1", "org-a");
  g_autoptr(CercleDestination) back = NULL;
  g_autoptr(JsonObject) fhir = NULL;
  g_autoptr(JsonObject) wire = NULL;
  g_autoptr(JsonObject) again = NULL;
  g_autoptr(GDateTime) t0 = g_date_time_new_from_iso8601 ("2026-11-20T10:15:00+01:00", NULL);
  g_autoptr(GDateTime) t1 = g_date_time_new_from_iso8601 ("2026-11-20T11:47:00+01:00", NULL);
  g_autoptr(GDateTime) t2 = g_date_time_new_from_iso8601 ("2026-11-22T16:05:00+01:00", NULL);
  g_autoptr(GDateTime) t3 = g_date_time_new_from_iso8601 ("2026-11-23T09:00:00Z", NULL);
  g_autoptr(GError) error = NULL;
  const CercleDestinationTransition *t;

  g_object_set (d, "owner-display", "SMR de Coubert", "reason", "Rééducation", NULL);
  g_assert_cmpstr (cercle_destination_get_status (d), ==, "draft");
  g_assert_true (cercle_destination_apply_transition (d, "requested", "non-lue", CERCLE_REFERRAL_ACTOR_REQUESTER,
                                                      NULL, NULL, t0, &error));
  g_assert_no_error (error);
  /* The destination cannot confirm the admission itself; nothing changes */
  g_assert_false (cercle_destination_apply_transition (d, "in-progress", "transfert-organise",
                                                       CERCLE_REFERRAL_ACTOR_DESTINATION, NULL, NULL, t1, &error));
  g_assert_error (error, CERCLE_REFERRAL_ERROR, CERCLE_REFERRAL_ERROR_INVALID_TRANSITION);
  g_clear_error (&error);
  g_assert_cmpuint (cercle_destination_get_n_transitions (d), ==, 1);
  g_assert_cmpint (cercle_destination_get_response_delay (d), ==, -1);
  g_assert_true (cercle_destination_apply_transition (d, "received", "lue", CERCLE_REFERRAL_ACTOR_SYSTEM,
                                                      NULL, NULL, t1, &error));
  /* Being read is not an answer */
  g_assert_cmpint (cercle_destination_get_response_delay (d), ==, -1);
  cercle_destination_set_admission (d, "2026-11-30", TRUE);
  g_assert_true (cercle_destination_apply_transition (d, "accepted", "accord", CERCLE_REFERRAL_ACTOR_DESTINATION,
                                                      NULL, NULL, t2, &error));
  g_assert_cmpint (cercle_destination_get_response_delay (d), ==, g_date_time_difference (t2, t0));
  g_assert_false (cercle_destination_apply_transition (d, "failed", NULL, CERCLE_REFERRAL_ACTOR_DESTINATION,
                                                       NULL, NULL, t3, &error));
  g_assert_error (error, CERCLE_REFERRAL_ERROR, CERCLE_REFERRAL_ERROR_REASON_REQUIRED);
  g_clear_error (&error);
  g_assert_true (cercle_destination_apply_transition (d, "failed", NULL, CERCLE_REFERRAL_ACTOR_DESTINATION,
                                                      "autre", "Dégât des eaux dans l’unité", t3, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (cercle_destination_get_status_label (d), ==, "Withdrawn");

  fhir = cercle_destination_to_fhir (d);
  wire = through_text (fhir);
  back = cercle_destination_new_from_fhir (wire, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cercle_destination_get_id (back), ==, "task-1");
  g_assert_cmpstr (cercle_destination_get_referral_id (back), ==, "sr-1");
  g_assert_cmpstr (cercle_destination_get_dossier_id (back), ==, "DO-1");
  g_assert_cmpstr (cercle_destination_get_patient_id (back), ==, "pat-1");
  g_assert_cmpstr (cercle_destination_get_requester_id (back), ==, "pract-1");
  g_assert_cmpstr (cercle_destination_get_owner_id (back), ==, "org-a");
  g_assert_cmpstr (cercle_destination_get_owner_display (back), ==, "SMR de Coubert");
  g_assert_cmpstr (cercle_destination_get_status (back), ==, "failed");
  g_assert_null (cercle_destination_get_business_status (back));
  g_assert_cmpstr (cercle_destination_get_status_reason (back), ==, "autre");
  g_assert_cmpstr (cercle_destination_get_status_reason_text (back), ==, "Dégât des eaux dans l’unité");
  g_assert_cmpstr (cercle_destination_get_reason (back), ==, "Rééducation");
  g_assert_cmpstr (cercle_destination_get_admission_date (back), ==, "2026-11-30");
  g_assert_true (cercle_destination_get_admission_asap (back));
  g_assert_true (g_date_time_equal (cercle_destination_get_authored_on (back), t0));
  g_assert_true (g_date_time_equal (cercle_destination_get_last_modified (back), t3));
  g_assert_cmpuint (cercle_destination_get_n_transitions (back), ==, 4);
  t = cercle_destination_get_transition (back, 1);
  g_assert_cmpstr (t->status, ==, "received");
  g_assert_cmpstr (t->business, ==, "lue");
  g_assert_cmpint (t->actor, ==, CERCLE_REFERRAL_ACTOR_SYSTEM);
  g_assert_true (g_date_time_equal (t->time, t1));
  t = cercle_destination_get_transition (back, 3);
  g_assert_cmpstr (t->reason, ==, "autre");
  g_assert_cmpint (t->actor, ==, CERCLE_REFERRAL_ACTOR_DESTINATION);
  /* The response delay of the structure, from the history */
  g_assert_cmpint (g_date_time_difference (cercle_destination_get_transition (back, 2)->time,
                                           cercle_destination_get_transition (back, 0)->time) / G_TIME_SPAN_HOUR,
                   ==, 53);
  g_assert_cmpint (cercle_destination_get_response_delay (back), ==, 53 * G_TIME_SPAN_HOUR + 50 * G_TIME_SPAN_MINUTE);
  again = cercle_destination_to_fhir (back);
  assert_same_json (fhir, again);
  /* Nothing after a final status */
  g_assert_false (cercle_destination_apply_transition (back, "cancelled", NULL, CERCLE_REFERRAL_ACTOR_REQUESTER,
                                                       "choix-patient", NULL, NULL, &error));
  g_assert_error (error, CERCLE_REFERRAL_ERROR, CERCLE_REFERRAL_ERROR_INVALID_TRANSITION);
}

static void
test_destination_errors (void)
{
  const char *focus = "\"focus\":{\"reference\":\"ServiceRequest/sr\"}";
  const char *owner = "\"owner\":{\"reference\":\"Organization/o\"}";
  const struct { const char *json; int code; } cases[] = {
    { "{\"resourceType\":\"Task\",\"status\":\"received\",\"intent\":\"order\",%s,%o}", CERCLE_FHIR_ERROR_INVALID },
    { "{\"resourceType\":\"Task\",\"status\":\"on-hold\",\"intent\":\"order\",%s,%o}", CERCLE_FHIR_ERROR_INVALID },
    { "{\"resourceType\":\"Task\",\"status\":\"draft\",\"intent\":\"order\",%s,\"owner\":{\"reference\":"
      "\"Practitioner/p\"}}", CERCLE_FHIR_ERROR_REQUIRED },
    { "{\"resourceType\":\"Task\",\"status\":\"draft\",\"intent\":\"order\",\"focus\":{\"reference\":\"Patient/p\"}"
      ",%o}", CERCLE_FHIR_ERROR_REQUIRED },
    { "{\"resourceType\":\"Task\",\"status\":\"rejected\",\"intent\":\"order\",%s,%o,\"statusReason\":{\"coding\":"
      "[{\"system\":\"https://cercle.fr/fhir/CodeSystem/referral-reason\",\"code\":\"flemme\"}]}}",
      CERCLE_FHIR_ERROR_INVALID },
    { "{\"resourceType\":\"Task\",\"status\":\"accepted\",\"intent\":\"order\",%s,%o,\"businessStatus\":{\"coding\":"
      "[{\"system\":\"https://cercle.fr/fhir/CodeSystem/referral-business-status\",\"code\":\"accord\"}]},"
      "\"output\":[{\"type\":{\"coding\":[{\"system\":\"https://cercle.fr/fhir/CodeSystem/referral-output\","
      "\"code\":\"admission-date\"}]},\"valueDate\":\"2026-02-30\"}]}", CERCLE_FHIR_ERROR_INVALID },
    { "{\"resourceType\":\"Task\",\"status\":\"draft\",\"intent\":\"order\",%s,%o,\"extension\":[{\"url\":"
      "\"https://cercle.fr/fhir/StructureDefinition/task-transition\",\"extension\":[{\"url\":\"status\","
      "\"valueCode\":\"draft\"}]}]}", CERCLE_FHIR_ERROR_INVALID },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(GStrv) parts = g_strsplit (cases[i].json, "%s", -1);
      g_autofree char *with_focus = g_strjoinv (focus, parts);
      g_auto(GStrv) parts2 = g_strsplit (with_focus, "%o", -1);
      g_autofree char *json = g_strjoinv (owner, parts2);
      g_autoptr(JsonObject) object = parse (json);
      g_autoptr(GError) error = NULL;

      g_test_message ("%s", json);
      g_assert_null (cercle_destination_new_from_fhir (object, &error));
      g_assert_error (error, CERCLE_FHIR_ERROR, cases[i].code);
    }
}

/* Sends @d through FHIR text and reads it back, as the other side would. */
static CercleDestination *
over_the_wire (CercleDestination *d)
{
  g_autoptr(JsonObject) fhir = cercle_destination_to_fhir (d);
  g_autoptr(JsonObject) wire = through_text (fhir);
  g_autoptr(GError) error = NULL;
  CercleDestination *back = cercle_destination_new_from_fhir (wire, &error);

  g_assert_no_error (error);
  g_object_unref (d);
  return back;
}

/* domain.md story 3: a discharge referral prepared, sent to three
 * structures at once, answered, one admission confirmed, the others
 * cancelled automatically — every step through FHIR text and back. */
static void
test_referral_story (void)
{
  g_autoptr(CercleReferral) referral = cercle_referral_new ("sr-s", "DO-S", "pat-1", "pract-sortie", "SMR");
  const char *owners[] = { "org-smr", "org-had", "org-ssiad" };
  CercleDestination *tasks[3];
  const char *statuses[4] = { NULL };
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) missing = NULL;

  cercle_referral_set_section (referral, CERCLE_REFERRAL_SECTION_ADMINISTRATIVE, TRUE, "ok");
  cercle_referral_set_section (referral, CERCLE_REFERRAL_SECTION_MEDICAL, FALSE, "en cours");
  cercle_referral_set_section (referral, CERCLE_REFERRAL_SECTION_CARE, TRUE, "ok");
  for (guint i = 0; i < G_N_ELEMENTS (owners); i++)
    cercle_referral_add_destination (referral, owners[i]);
  /* The medical section is not finished: the app must not send */
  g_assert_false (cercle_referral_is_complete (referral, &missing));
  g_assert_cmpuint (g_strv_length (missing), ==, 1);
  cercle_referral_set_section (referral, CERCLE_REFERRAL_SECTION_MEDICAL, TRUE, "Fracture, ostéosynthèse");
  g_assert_true (cercle_referral_is_complete (referral, NULL));

  for (guint i = 0; i < G_N_ELEMENTS (owners); i++)
    {
      g_autofree char *id = g_strdup_printf ("task-s-%u", i);

      tasks[i] = cercle_destination_new (id, "sr-s", "DO-S", "pat-1", "pract-sortie", owners[i]);
      g_assert_true (cercle_destination_apply_transition (tasks[i], "requested", "non-lue",
                                                          CERCLE_REFERRAL_ACTOR_REQUESTER, NULL, NULL, NULL, &error));
      g_assert_no_error (error);
      tasks[i] = over_the_wire (tasks[i]);
    }

  /* The SMR opens it and accepts as soon as possible; the HAD refuses: out of
   * its zone; the SSIAD does not answer yet. */
  g_assert_true (cercle_destination_apply_transition (tasks[0], "received", "lue", CERCLE_REFERRAL_ACTOR_SYSTEM,
                                                      NULL, NULL, NULL, &error));
  cercle_destination_set_admission (tasks[0], NULL, TRUE);
  g_assert_true (cercle_destination_apply_transition (tasks[0], "accepted", "accord",
                                                      CERCLE_REFERRAL_ACTOR_DESTINATION, NULL, NULL, NULL, &error));
  tasks[0] = over_the_wire (tasks[0]);
  g_assert_false (cercle_destination_apply_transition (tasks[1], "rejected", NULL, CERCLE_REFERRAL_ACTOR_DESTINATION,
                                                       NULL, NULL, NULL, &error));
  g_assert_error (error, CERCLE_REFERRAL_ERROR, CERCLE_REFERRAL_ERROR_REASON_REQUIRED);
  g_clear_error (&error);
  g_assert_true (cercle_destination_apply_transition (tasks[1], "rejected", NULL, CERCLE_REFERRAL_ACTOR_DESTINATION,
                                                      "hors-zone", NULL, NULL, &error));
  tasks[1] = over_the_wire (tasks[1]);
  g_assert_true (cercle_destination_get_admission_asap (tasks[0]));
  g_assert_cmpstr (cercle_destination_get_status_reason (tasks[1]), ==, "hors-zone");

  /* The requester confirms the SMR: allowed, since no other is confirmed */
  for (guint i = 1; i < 3; i++)
    statuses[i - 1] = cercle_destination_get_status (tasks[i]);
  g_assert_true (cercle_referral_check_confirmation (statuses, &error));
  g_assert_true (cercle_destination_apply_transition (tasks[0], "in-progress", "transfert-organise",
                                                      CERCLE_REFERRAL_ACTOR_REQUESTER, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (cercle_referral_transition_cancels_others ("in-progress", "transfert-organise"));

  /* … which cancels the open ones, and leaves the ended ones alone */
  for (guint i = 1; i < 3; i++)
    {
      gboolean ok = cercle_destination_apply_transition (tasks[i], "cancelled", "annulation-auto",
                                                         CERCLE_REFERRAL_ACTOR_SYSTEM, NULL, NULL, NULL, &error);

      g_assert_cmpint (ok, ==, i == 2);
      g_clear_error (&error);
      tasks[i] = over_the_wire (tasks[i]);
    }
  g_assert_cmpstr (cercle_destination_get_status_label (tasks[1]), ==, "Refused");
  g_assert_cmpstr (cercle_destination_get_status_label (tasks[2]), ==, "Cancelled automatically");

  /* A second confirmation is refused */
  statuses[0] = cercle_destination_get_status (tasks[0]);
  statuses[1] = NULL;
  g_assert_false (cercle_referral_check_confirmation (statuses, &error));
  g_assert_error (error, CERCLE_REFERRAL_ERROR, CERCLE_REFERRAL_ERROR_INVALID_TRANSITION);
  g_clear_error (&error);

  /* The SMR admits the patient */
  g_assert_true (cercle_destination_apply_transition (tasks[0], "completed", NULL, CERCLE_REFERRAL_ACTOR_DESTINATION,
                                                      NULL, NULL, NULL, &error));
  tasks[0] = over_the_wire (tasks[0]);
  g_assert_cmpstr (cercle_destination_get_status_label (tasks[0]), ==, "Patient admitted");
  g_assert_cmpuint (cercle_destination_get_n_transitions (tasks[0]), ==, 5);
  g_assert_cmpint (cercle_destination_get_response_delay (tasks[0]), >=, 0);

  for (guint i = 0; i < 3; i++)
    g_object_unref (tasks[i]);
}

static void
test_directory (void)
{
  const char *zone[] = { "77288", "77285", "2A004", NULL };
  g_autoptr(JsonObject) org = cercle_fhir_organization_new ("org-1", "770999209", "SSIAD de Melun", "354", "SSIAD",
                                                            "8 rue du Général de Gaulle", "77288", "Melun", "77000",
                                                            "01 99 00 20 00");
  g_autoptr(JsonObject) loc = cercle_fhir_location_new ("loc-1", "org-1", "SSIAD de Melun", NULL, "77288", "Melun",
                                                        "77000", 48.5397, 2.6602);
  g_autoptr(JsonObject) hs = cercle_fhir_healthcare_service_new ("hs-1", "org-1", "loc-1", "SSIAD de Melun", "354",
                                                                 "SSIAD", NULL, zone);
  g_autoptr(JsonObject) org_wire = through_text (org);
  g_autoptr(JsonObject) loc_wire = through_text (loc);
  g_autoptr(JsonObject) hs_wire = through_text (hs);
  g_autoptr(JsonObject) national = parse ("{\"resourceType\":\"Organization\",\"identifier\":[{\"system\":"
                                          "\"urn:oid:1.2.250.1.71.4.2.2\",\"value\":\"1010780195\"}],\"name\":\"x\"}");
  g_auto(GStrv) back_zone = NULL;
  const char *label = NULL;
  double lat = 0, lon = 0;

  g_assert_cmpstr (cercle_fhir_organization_get_finess (org_wire), ==, "770999209");
  g_assert_cmpstr (cercle_fhir_find_identifier (org_wire, CERCLE_FHIR_SYSTEM_IDNST), ==, "1770999209");
  g_assert_cmpstr (cercle_fhir_organization_get_finess (national), ==, "010780195");
  g_assert_cmpstr (cercle_fhir_organization_get_category (org_wire, &label), ==, "354");
  g_assert_cmpstr (label, ==, "SSIAD");
  g_assert_cmpstr (cercle_fhir_address_get_commune_insee (json_array_get_object_element (
                     cercle_fhir_get_array (org_wire, "address"), 0)), ==, "77288");
  g_assert_true (cercle_fhir_location_get_position (loc_wire, &lat, &lon));
  g_assert_cmpfloat_with_epsilon (lat, 48.5397, 1e-9);
  g_assert_cmpfloat_with_epsilon (lon, 2.6602, 1e-9);
  g_assert_cmpstr (cercle_fhir_address_get_commune_insee (cercle_fhir_get_object (loc_wire, "address")), ==, "77288");
  back_zone = cercle_fhir_healthcare_service_dup_zone (hs_wire);
  g_assert_cmpstrv (back_zone, zone);
  g_assert_false (cercle_fhir_location_get_position (org_wire, &lat, &lon));
}

/* An array element that is not an object (a number where a FHIR element
 * belongs) is refused with an error, before any mapping reads it. */
static void
test_non_object_elements (void)
{
  static const char * const wires[] = {
    "{\"resourceType\":\"Communication\",\"id\":\"n\",\"status\":\"completed\",\"category\":[1],"
    "\"subject\":{\"reference\":\"Patient/p\"},\"payload\":[1,{\"contentString\":\"Visite\"}],\"about\":[2]}",
    "{\"resourceType\":\"Practitioner\",\"id\":\"pr\",\"name\":[3],\"telecom\":[4],\"qualification\":[5]}",
    "{\"resourceType\":\"CareTeam\",\"id\":\"ct\",\"subject\":{\"reference\":\"Patient/p\"},\"participant\":[6]}",
    "{\"resourceType\":\"ServiceRequest\",\"id\":\"sr\",\"status\":\"active\",\"intent\":\"order\","
    "\"subject\":{\"reference\":\"Patient/p\"},\"performer\":[7],\"reasonCode\":[8],\"extension\":[9]}",
    "{\"resourceType\":\"Task\",\"id\":\"t\",\"status\":\"requested\",\"intent\":\"order\","
    "\"output\":[10],\"extension\":[11]}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (wires); i++)
    {
      g_autoptr(JsonObject) object = parse (wires[i]);
      const char *type = json_object_get_string_member (object, "resourceType");
      g_autoptr(GError) error = NULL;
      gpointer result = NULL;

      g_test_message ("%s", wires[i]);
      if (g_str_equal (type, "Communication"))
        result = cercle_note_new_from_fhir (object, &error);
      else if (g_str_equal (type, "Practitioner"))
        result = cercle_professional_new_from_fhir (object, &error);
      else if (g_str_equal (type, "CareTeam"))
        {
          GPtrArray *members = cercle_care_team_from_fhir (object, NULL, &error);

          g_assert_null (members);
          g_assert_error (error, CERCLE_FHIR_ERROR, CERCLE_FHIR_ERROR_INVALID);
          continue;
        }
      else if (g_str_equal (type, "ServiceRequest"))
        result = cercle_referral_new_from_fhir (object, &error);
      else
        result = cercle_destination_new_from_fhir (object, &error);
      g_assert_null (result);
      g_assert_error (error, CERCLE_FHIR_ERROR, CERCLE_FHIR_ERROR_INVALID);
    }
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/fhir-mapping/professional/round-trip", test_professional);
  g_test_add_func ("/fhir-mapping/non-object-elements", test_non_object_elements);
  g_test_add_func ("/fhir-mapping/professional/directory", test_professional_from_directory);
  g_test_add_func ("/fhir-mapping/care-team/round-trip", test_care_team);
  g_test_add_func ("/fhir-mapping/care-team/errors", test_care_team_errors);
  g_test_add_func ("/fhir-mapping/note/round-trip", test_note);
  g_test_add_func ("/fhir-mapping/note/errors", test_note_errors);
  g_test_add_func ("/fhir-mapping/referral/round-trip", test_referral);
  g_test_add_func ("/fhir-mapping/referral/errors", test_referral_errors);
  g_test_add_func ("/fhir-mapping/destination/round-trip", test_destination);
  g_test_add_func ("/fhir-mapping/destination/errors", test_destination_errors);
  g_test_add_func ("/fhir-mapping/referral/story", test_referral_story);
  g_test_add_func ("/fhir-mapping/directory", test_directory);

  return g_test_run ();
}
