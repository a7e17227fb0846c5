/* cercle-demo.c — the fictitious demo dataset the server seeds with --demo
 *
 * Everything here is invented: people, phone numbers (the 01 99 range kept
 * for fiction), RPPS and FINESS numbers (Luhn-valid, 77099… and 109999…
 * ranges), mailboxes (.invalid). The NIRs have valid keys and match the
 * traits of their patient, as a real INS would.
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
#include "cercle-fhir-directory.h"
#include "cercle-fhir-patient.h"
#include "cercle-note.h"
#include "cercle-patient.h"
#include "cercle-professional.h"
#include "cercle-referral.h"

static const CercleDemoAccount accounts[] = {
  { "dr.martin", "Dr Paul Martin", CERCLE_DEMO_PRACT_MARTIN, NULL, CERCLE_PROFESSION_DOCTOR },
  { "ide.bernard", "Sophie Bernard", CERCLE_DEMO_PRACT_BERNARD, NULL, CERCLE_PROFESSION_NURSE },
  { "sortie.melun", "Nadia Petit (CH de Melun, sorties)", CERCLE_DEMO_PRACT_SORTIE, NULL, CERCLE_PROFESSION_NURSE },
  { "ssiad.melun", "SSIAD de Melun (Céline Roux)", CERCLE_DEMO_PRACT_SSIAD, CERCLE_DEMO_ORG_SSIAD_MELUN,
    CERCLE_PROFESSION_NURSE },
  { "smr.coubert", "SMR de Coubert (Dr Claire Lefèvre)", CERCLE_DEMO_PRACT_SMR, CERCLE_DEMO_ORG_SMR_COUBERT,
    CERCLE_PROFESSION_DOCTOR },
  { "had.melun", "HAD de Melun (Julien Moreau)", CERCLE_DEMO_PRACT_HAD, CERCLE_DEMO_ORG_HAD_MELUN,
    CERCLE_PROFESSION_NURSE },
  { "dr.dehors", "Dr Luc Dehors", CERCLE_DEMO_PRACT_DEHORS, NULL, CERCLE_PROFESSION_DOCTOR },
};

/**
 * cercle_demo_accounts:
 * @n_accounts: (out): the number of accounts
 *
 * The demo logins; all have the password %CERCLE_DEMO_PASSWORD, which the
 * server hashes itself.
 *
 * Returns: (array length=n_accounts): the accounts
 */
const CercleDemoAccount *
cercle_demo_accounts (gsize *n_accounts)
{
  g_return_val_if_fail (n_accounts != NULL, NULL);

  *n_accounts = G_N_ELEMENTS (accounts);
  return accounts;
}

static GDateTime *
at (const char *iso)
{
  GDateTime *date_time = g_date_time_new_from_iso8601 (iso, NULL);

  g_assert (date_time != NULL);
  return date_time;
}

static void
add_directory (GPtrArray *resources)
{
  static const char *const zone_ssiad[] = { "77288", "77285", "77152", "77487", "77389", NULL };
  static const char *const zone_had[] = { "77288", "77285", "77152", "77487", "77389", "77296", "77495",
                                          "77407", "77127", NULL };
  static const struct {
    const char *id;
    const char *finess;
    const char *name;
    const char *category;
    const char *category_label;
    const char *line;
    const char *insee;
    const char *city;
    const char *postcode;
    const char *phone;
    double lat, lon;
    const char *const *zone;
  } orgs[] = {
    { CERCLE_DEMO_ORG_CH_MELUN, "770999100", "Centre hospitalier de Melun (fictif)", "355",
      "Centre Hospitalier (C.H.)", "2 rue Fréteau de Peny", "77288", "Melun", "77000", "01 99 00 10 00",
      48.5418, 2.6553, NULL },
    { CERCLE_DEMO_ORG_SSIAD_MELUN, "770999209", "SSIAD de Melun (fictif)", "354",
      "Service de Soins Infirmiers A Domicile (S.S.I.A.D)", "8 rue du Général de Gaulle", "77288", "Melun",
      "77000", "01 99 00 20 00", 48.5397, 2.6602, zone_ssiad },
    { CERCLE_DEMO_ORG_SMR_COUBERT, "770999308", "SMR de Coubert (fictif)", "109",
      "Etablissement de santé privé autorisé en SSR", "1 route de Liverdy", "77127", "Coubert", "77170",
      "01 99 00 30 00", 48.6710, 2.6980, NULL },
    { CERCLE_DEMO_ORG_HAD_MELUN, "770999407", "HAD de Melun (fictif)", "127",
      "Hospitalisation à Domicile", "14 avenue Thiers", "77288", "Melun", "77000", "01 99 00 40 00",
      48.5445, 2.6510, zone_had },
    { CERCLE_DEMO_ORG_CABINET_MELUN, "770999506", "Maison de santé du Mée (fictive)", "603",
      "Maison de santé (L.6223-3)", "5 place de la Gare", "77285", "Le Mée-sur-Seine", "77350",
      "01 99 00 50 00", 48.5330, 2.6300, NULL },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (orgs); i++)
    g_ptr_array_add (resources,
                     cercle_fhir_organization_new (orgs[i].id, orgs[i].finess, orgs[i].name, orgs[i].category,
                                                   orgs[i].category_label, orgs[i].line, orgs[i].insee,
                                                   orgs[i].city, orgs[i].postcode, orgs[i].phone));

  for (gsize i = 0; i < G_N_ELEMENTS (orgs); i++)
    {
      g_autofree char *location_id = g_strconcat ("loc-", orgs[i].id + 4, NULL);

      g_ptr_array_add (resources,
                       cercle_fhir_location_new (location_id, orgs[i].id, orgs[i].name, orgs[i].line, orgs[i].insee,
                                                 orgs[i].city, orgs[i].postcode, orgs[i].lat, orgs[i].lon));
    }

  /* The services a discharge team or a GP looks for in the directory. */
  for (gsize i = 1; i < 4; i++)
    {
      g_autofree char *location_id = g_strconcat ("loc-", orgs[i].id + 4, NULL);
      g_autofree char *service_id = g_strconcat ("hs-", orgs[i].id + 4, NULL);

      g_ptr_array_add (resources,
                       cercle_fhir_healthcare_service_new (service_id, orgs[i].id, location_id, orgs[i].name,
                                                           orgs[i].category, orgs[i].category_label,
                                                           orgs[i].phone, orgs[i].zone));
    }
}

static void
add_practitioners (GPtrArray *resources)
{
  static const struct {
    const char *id;
    const char *rpps;
    const char *family;
    const char *given;
    const char *profession;
    const char *phone;
    const char *mssante;
    const char *organization;
  } people[] = {
    { CERCLE_DEMO_PRACT_MARTIN, "10999990012", "Martin", "Paul", "10", "01 99 00 50 01",
      "paul.martin@medecin.mssante.invalid", CERCLE_DEMO_ORG_CABINET_MELUN },
    { CERCLE_DEMO_PRACT_BERNARD, "10999990020", "Bernard", "Sophie", "60", "01 99 00 50 02",
      "sophie.bernard@infirmier.mssante.invalid", CERCLE_DEMO_ORG_CABINET_MELUN },
    { CERCLE_DEMO_PRACT_SORTIE, "10999990038", "Petit", "Nadia", "60", "01 99 00 10 12",
      "nadia.petit@ch-melun.mssante.invalid", CERCLE_DEMO_ORG_CH_MELUN },
    { CERCLE_DEMO_PRACT_SSIAD, "10999990046", "Roux", "Céline", "60", "01 99 00 20 01",
      "ssiad.melun@ssiad.mssante.invalid", CERCLE_DEMO_ORG_SSIAD_MELUN },
    { CERCLE_DEMO_PRACT_SMR, "10999990053", "Lefèvre", "Claire", "10", "01 99 00 30 01",
      "admissions@smr-coubert.mssante.invalid", CERCLE_DEMO_ORG_SMR_COUBERT },
    { CERCLE_DEMO_PRACT_HAD, "10999990061", "Moreau", "Julien", "60", "01 99 00 40 01",
      "admissions@had-melun.mssante.invalid", CERCLE_DEMO_ORG_HAD_MELUN },
    { CERCLE_DEMO_PRACT_DEHORS, "10999990079", "Dehors", "Luc", "10", "01 99 00 60 01",
      "luc.dehors@medecin.mssante.invalid", NULL },
  };

  g_autoptr(GPtrArray) professionals = g_ptr_array_new_with_free_func (g_object_unref);

  for (gsize i = 0; i < G_N_ELEMENTS (people); i++)
    {
      CercleProfessional *professional = cercle_professional_new (people[i].id, people[i].rpps, people[i].family,
                                                                  people[i].given, people[i].profession);

      g_object_set (professional, "phone", people[i].phone, "mssante", people[i].mssante, NULL);
      g_ptr_array_add (resources, cercle_professional_to_fhir (professional));
      g_ptr_array_add (professionals, professional);
    }
  /* After all the Practitioners, so that each role refers to earlier resources. */
  for (gsize i = 0; i < G_N_ELEMENTS (people); i++)
    if (people[i].organization != NULL)
      {
        g_autofree char *role_id = g_strconcat ("role-", people[i].id + strlen ("pract-"), NULL);

        g_ptr_array_add (resources, cercle_professional_to_fhir_role (g_ptr_array_index (professionals, i), role_id,
                                                                      people[i].organization));
      }
}

static void
add_patients (GPtrArray *resources)
{
  /* One of each identity status; the INS travels only for the qualified ones. */
  static const struct {
    const char *id;
    const char *ins;
    const char *family;
    const char *const given[3];
    const char *birth_date;
    const char *sex;
    const char *birthplace;
    gboolean from_insi;
    gboolean document_checked;
    const char *line;
    const char *postcode;
    const char *commune;
    const char *commune_name;
    const char *phone;
  } patients[] = {
    { CERCLE_DEMO_PAT_DURAND, "241037728804279", "DURAND", { "Jeanne", "Marie", NULL }, "1941-03-12", "female",
      "77288", TRUE, TRUE, "12 rue Saint-Ambroise", "77000", "77288", "Melun", "01 99 01 00 01" },
    { CERCLE_DEMO_PAT_LEROY, "138117511503133", "LEROY", { "Marcel", NULL }, "1938-11-05", "male",
      "75115", FALSE, TRUE, "3 allée des Tilleuls", "77350", "77285", "Le Mée-sur-Seine", "01 99 01 00 02" },
    { CERCLE_DEMO_PAT_FAURE, "235079935201782", "FAURE", { "Lucienne", "Andrée", NULL }, "1935-07-21", "female",
      "99352", TRUE, FALSE, "27 avenue de Fontainebleau", "77190", "77152", "Dammarie-les-Lys", "01 99 01 00 03" },
    { CERCLE_DEMO_PAT_NGUYEN, "250012A00402509", "NGUYEN", { "Thi", "Lan", NULL }, "1950-01-15", "female",
      "2A004", TRUE, TRUE, "9 rue des Carouges", "77000", "77487", "Vaux-le-Pénil", "01 99 01 00 04" },
    { CERCLE_DEMO_PAT_GARNIER, NULL, "GARNIER", { "Robert", NULL }, "1944-09-30", "male",
      "77127", FALSE, FALSE, "40 boulevard Gambetta", "77000", "77288", "Melun", "01 99 01 00 05" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (patients); i++)
    {
      g_autoptr(CerclePatient) patient = NULL;

      patient = g_object_new (CERCLE_TYPE_PATIENT,
                              "id", patients[i].id,
                              "ins", patients[i].ins,
                              "ins-kind", patients[i].ins ? "NIR" : NULL,
                              "birth-family-name", patients[i].family,
                              "birth-given-names", patients[i].given,
                              "used-family-name", patients[i].family,
                              "used-given-name", patients[i].given[0],
                              "birth-date", patients[i].birth_date,
                              "sex", patients[i].sex,
                              "birthplace-code", patients[i].birthplace,
                              "from-insi", patients[i].from_insi,
                              "document-checked", patients[i].document_checked,
                              "address-line", patients[i].line,
                              "postcode", patients[i].postcode,
                              "commune-code", patients[i].commune,
                              "commune-name", patients[i].commune_name,
                              "phone", patients[i].phone,
                              NULL);
      g_ptr_array_add (resources, cercle_patient_to_fhir (patient));
    }
}

static void
add_related_persons (GPtrArray *resources)
{
  JsonObject *person = json_object_new ();
  JsonObject *name = json_object_new ();
  JsonArray *array;
  JsonObject *phone;

  json_object_set_string_member (person, "resourceType", "RelatedPerson");
  json_object_set_string_member (person, "id", CERCLE_DEMO_REL_DURAND_FILLE);
  json_object_set_boolean_member (person, "active", TRUE);
  json_object_set_object_member (person, "patient", cercle_fhir_reference_new ("Patient", CERCLE_DEMO_PAT_DURAND, NULL));
  array = json_array_new ();
  json_array_add_object_element (array, cercle_fhir_codeable_concept_new (CERCLE_FHIR_SYSTEM_RELATED_ROLE, "DAU",
                                                                          "fille"));
  json_object_set_array_member (person, "relationship", array);
  json_object_set_string_member (name, "family", "Durand");
  array = json_array_new ();
  json_array_add_string_element (array, "Claire");
  json_object_set_array_member (name, "given", array);
  array = json_array_new ();
  json_array_add_object_element (array, name);
  json_object_set_array_member (person, "name", array);
  phone = json_object_new ();
  json_object_set_string_member (phone, "system", "phone");
  json_object_set_string_member (phone, "value", "06 99 01 00 11");
  array = json_array_new ();
  json_array_add_object_element (array, phone);
  json_object_set_array_member (person, "telecom", array);
  g_ptr_array_add (resources, person);
}

static CercleCareTeamMember *
member (const char *type,
        const char *id,
        const char *display,
        const char *role,
        const char *start)
{
  CercleCareTeamMember *m = cercle_care_team_member_new (type, id, display, role);

  g_object_set (m, "start", start, NULL);
  return m;
}

static void
add_care_teams (GPtrArray *resources)
{
  static const char *const patients[] = {
    CERCLE_DEMO_PAT_DURAND, CERCLE_DEMO_PAT_LEROY, CERCLE_DEMO_PAT_FAURE, CERCLE_DEMO_PAT_NGUYEN,
    CERCLE_DEMO_PAT_GARNIER,
  };

  for (gsize i = 0; i < G_N_ELEMENTS (patients); i++)
    {
      g_autoptr(GPtrArray) members = g_ptr_array_new_with_free_func (g_object_unref);
      const char *p = patients[i];

      g_ptr_array_add (members, member ("Practitioner", CERCLE_DEMO_PRACT_MARTIN, "Dr Paul Martin",
                                        "medecin-traitant", "2019-04-01"));
      g_ptr_array_add (members, member ("Practitioner", CERCLE_DEMO_PRACT_BERNARD, "Sophie Bernard",
                                        "infirmier", "2022-09-15"));
      /* The two patients in hospital, whose discharge is being prepared. */
      if (g_str_equal (p, CERCLE_DEMO_PAT_DURAND) || g_str_equal (p, CERCLE_DEMO_PAT_LEROY))
        g_ptr_array_add (members, member ("Practitioner", CERCLE_DEMO_PRACT_SORTIE, "Nadia Petit (CH de Melun)",
                                          "equipe-hospitaliere", "2026-11-14"));
      if (g_str_equal (p, CERCLE_DEMO_PAT_DURAND))
        g_ptr_array_add (members, member ("RelatedPerson", CERCLE_DEMO_REL_DURAND_FILLE, "Claire Durand (fille)",
                                          "aidant", "2021-01-10"));
      if (g_str_equal (p, CERCLE_DEMO_PAT_FAURE))
        g_ptr_array_add (members, member ("Organization", CERCLE_DEMO_ORG_SSIAD_MELUN, "SSIAD de Melun (fictif)",
                                          "ssiad", "2025-06-02"));
      g_ptr_array_add (resources, cercle_care_team_to_fhir (p, members));
    }
}

static void
add_notes (GPtrArray *resources)
{
  static const struct {
    const char *id;
    const char *patient;
    const char *author;
    const char *author_display;
    const char *category;
    const char *sent;
    const char *text;
    const char *corrects;
    const char *in_response_to;
  } notes[] = {
    { "note-durand-01", CERCLE_DEMO_PAT_DURAND, CERCLE_DEMO_PRACT_MARTIN, "Dr Paul Martin", "information",
      "2026-11-10T09:12:00+01:00",
      "Chute à domicile ce matin, suspicion de fracture du col du fémur droit. Adressée aux urgences du CH de Melun.",
      NULL, NULL },
    { "note-durand-02", CERCLE_DEMO_PAT_DURAND, CERCLE_DEMO_PRACT_SORTIE, "Nadia Petit (CH de Melun)",
      "compte-rendu", "2026-11-14T15:40:00+01:00",
      "Ostéosynthèse réalisée le 11/11. Appui autorisé. Sortie envisagée vers le 28/11 : SMR ou retour à domicile "
      "avec SSIAD selon les réponses.", NULL, NULL },
    { "note-durand-03", CERCLE_DEMO_PAT_DURAND, CERCLE_DEMO_PRACT_BERNARD, "Sophie Bernard", "vigilance",
      "2026-11-15T08:05:00+01:00",
      "Vit seule au 2e étage sans ascenseur. Sa fille passe le soir. Risque de chute élevé au retour.", NULL, NULL },
    { "note-durand-04", CERCLE_DEMO_PAT_DURAND, CERCLE_DEMO_PRACT_BERNARD, "Sophie Bernard", "vigilance",
      "2026-11-15T08:20:00+01:00",
      "Correction : sa fille passe le matin et le soir, pas seulement le soir.", "note-durand-03", NULL },
    { "note-durand-05", CERCLE_DEMO_PAT_DURAND, CERCLE_DEMO_PRACT_MARTIN, "Dr Paul Martin", "transmission",
      "2026-11-16T18:30:00+01:00",
      "D’accord pour un SMR en priorité. Anticoagulant à poursuivre 5 semaines, ordonnance envoyée.", NULL,
      "note-durand-02" },
    { "note-leroy-01", CERCLE_DEMO_PAT_LEROY, CERCLE_DEMO_PRACT_SORTIE, "Nadia Petit (CH de Melun)",
      "compte-rendu", "2026-11-18T11:00:00+01:00",
      "Hospitalisé pour décompensation cardiaque, amélioration sous diurétiques. Retour à domicile prévu la semaine "
      "prochaine.", NULL, NULL },
    { "note-leroy-02", CERCLE_DEMO_PAT_LEROY, CERCLE_DEMO_PRACT_MARTIN, "Dr Paul Martin", "transmission",
      "2026-11-19T17:45:00+01:00",
      "Pesée quotidienne au retour, appeler si prise de plus de 2 kg en 3 jours.", NULL, "note-leroy-01" },
    { "note-faure-01", CERCLE_DEMO_PAT_FAURE, CERCLE_DEMO_PRACT_SSIAD, "Céline Roux (SSIAD de Melun)",
      "transmission", "2026-11-17T12:10:00+01:00",
      "Toilette faite, escarre talon gauche stade 1 en amélioration. Passage matin et soir maintenu.", NULL, NULL },
    { "note-faure-02", CERCLE_DEMO_PAT_FAURE, CERCLE_DEMO_PRACT_BERNARD, "Sophie Bernard", "transmission",
      "2026-11-18T19:00:00+01:00",
      "Pansement refait, prochaine réfection jeudi.", NULL, NULL },
    { "note-nguyen-01", CERCLE_DEMO_PAT_NGUYEN, CERCLE_DEMO_PRACT_MARTIN, "Dr Paul Martin", "information",
      "2026-11-12T10:30:00+01:00",
      "Bilan sanguin trimestriel normal. Prochaine consultation dans 3 mois.", NULL, NULL },
    { "note-nguyen-02", CERCLE_DEMO_PAT_NGUYEN, CERCLE_DEMO_PRACT_BERNARD, "Sophie Bernard", "vigilance",
      "2026-11-20T09:00:00+01:00",
      "Glycémies capillaires élevées depuis 3 jours (2,4 à 2,8 g/l), médecin prévenu.", NULL, NULL },
    { "note-garnier-01", CERCLE_DEMO_PAT_GARNIER, CERCLE_DEMO_PRACT_MARTIN, "Dr Paul Martin", "information",
      "2026-11-21T16:15:00+01:00",
      "Identité provisoire : pièce d’identité à vérifier à la prochaine visite.", NULL, NULL },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (notes); i++)
    {
      g_autoptr(CercleNote) note = cercle_note_new (notes[i].id, notes[i].patient, notes[i].author,
                                                    notes[i].category, notes[i].text);
      g_autoptr(GDateTime) sent = at (notes[i].sent);
      g_autofree char *care_team = cercle_care_team_id_for_patient (notes[i].patient);

      g_object_set (note,
                    "sent", sent,
                    "author-display", notes[i].author_display,
                    "care-team-id", care_team,
                    "corrects-id", notes[i].corrects,
                    "in-response-to-id", notes[i].in_response_to,
                    NULL);
      g_ptr_array_add (resources, cercle_note_to_fhir (note));
    }
}

static void
add_referral (GPtrArray *resources)
{
  g_autoptr(CercleReferral) referral = NULL;
  g_autoptr(GDateTime) authored = at ("2026-11-20T10:15:00+01:00");
  static const struct {
    const char *id;
    const char *owner;
    const char *display;
  } destinations[] = {
    { CERCLE_DEMO_TASK_SSIAD, CERCLE_DEMO_ORG_SSIAD_MELUN, "SSIAD de Melun (fictif)" },
    { CERCLE_DEMO_TASK_SMR, CERCLE_DEMO_ORG_SMR_COUBERT, "SMR de Coubert (fictif)" },
    { CERCLE_DEMO_TASK_HAD, CERCLE_DEMO_ORG_HAD_MELUN, "HAD de Melun (fictif)" },
  };

  referral = cercle_referral_new (CERCLE_DEMO_REFERRAL, CERCLE_DEMO_DOSSIER, CERCLE_DEMO_PAT_DURAND,
                                  CERCLE_DEMO_PRACT_SORTIE, "SMR");
  g_object_set (referral,
                "status", "active",
                "authored-on", authored,
                "reason", "Rééducation après ostéosynthèse d’une fracture du col du fémur droit",
                NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (destinations); i++)
    cercle_referral_add_destination (referral, destinations[i].owner);
  cercle_referral_set_section (referral, CERCLE_REFERRAL_SECTION_ADMINISTRATIVE, TRUE,
                               "Mutuelle à jour. Personne à prévenir : Claire Durand (fille), 06 99 01 00 11.");
  cercle_referral_set_section (referral, CERCLE_REFERRAL_SECTION_MEDICAL, TRUE,
                               "Fracture du col du fémur droit, ostéosynthèse le 11/11/2026. Appui total autorisé. "
                               "Anticoagulation préventive 5 semaines. Pas d’allergie connue.");
  cercle_referral_set_section (referral, CERCLE_REFERRAL_SECTION_CARE, TRUE,
                               "Marche avec déambulateur et aide d’une personne. Aide partielle pour la toilette. "
                               "Continente.");
  cercle_referral_set_section (referral, CERCLE_REFERRAL_SECTION_SOCIAL, FALSE,
                               "Vit seule, 2e étage sans ascenseur. APA en cours de demande.");
  g_ptr_array_add (resources, cercle_referral_to_fhir (referral));

  for (gsize i = 0; i < G_N_ELEMENTS (destinations); i++)
    {
      g_autoptr(CercleDestination) task = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(GDateTime) t0 = at ("2026-11-20T10:15:00+01:00");

      task = cercle_destination_new (destinations[i].id, CERCLE_DEMO_REFERRAL, CERCLE_DEMO_DOSSIER,
                                     CERCLE_DEMO_PAT_DURAND, CERCLE_DEMO_PRACT_SORTIE, destinations[i].owner);
      g_object_set (task,
                    "owner-display", destinations[i].display,
                    "reason", "Rééducation après ostéosynthèse d’une fracture du col du fémur droit",
                    NULL);
      cercle_destination_apply_transition (task, "requested", CERCLE_REFERRAL_BUSINESS_UNREAD,
                                           CERCLE_REFERRAL_ACTOR_REQUESTER, NULL, NULL, t0, &error);
      g_assert_no_error (error);

      if (i == 0)
        {
          /* The SSIAD read it and asks how the patient manages at night. */
          g_autoptr(GDateTime) t1 = at ("2026-11-20T14:02:00+01:00");
          g_autoptr(GDateTime) t2 = at ("2026-11-21T09:30:00+01:00");

          cercle_destination_apply_transition (task, "received", CERCLE_REFERRAL_BUSINESS_READ,
                                               CERCLE_REFERRAL_ACTOR_SYSTEM, NULL, NULL, t1, &error);
          g_assert_no_error (error);
          cercle_destination_apply_transition (task, "received", CERCLE_REFERRAL_BUSINESS_MORE_INFO,
                                               CERCLE_REFERRAL_ACTOR_DESTINATION, NULL, NULL, t2, &error);
          g_assert_no_error (error);
        }
      else if (i == 1)
        {
          /* The SMR read it and accepts for the 30th. */
          g_autoptr(GDateTime) t1 = at ("2026-11-20T11:47:00+01:00");
          g_autoptr(GDateTime) t2 = at ("2026-11-22T16:05:00+01:00");

          cercle_destination_apply_transition (task, "received", CERCLE_REFERRAL_BUSINESS_READ,
                                               CERCLE_REFERRAL_ACTOR_SYSTEM, NULL, NULL, t1, &error);
          g_assert_no_error (error);
          cercle_destination_set_admission (task, "2026-11-30", FALSE);
          cercle_destination_apply_transition (task, "accepted", CERCLE_REFERRAL_BUSINESS_AGREED,
                                               CERCLE_REFERRAL_ACTOR_DESTINATION, NULL, NULL, t2, &error);
          g_assert_no_error (error);
        }
      /* The HAD has not opened it yet. */

      g_ptr_array_add (resources, cercle_destination_to_fhir (task));
    }
}

/**
 * cercle_demo_resources:
 *
 * The demo dataset as FHIR R4 resources, in an order that can be inserted
 * one by one (a resource only refers to earlier ones): Organizations,
 * Locations, HealthcareServices, Practitioners, PractitionerRoles, Patients,
 * RelatedPersons, CareTeams, Communications, the ServiceRequest and its Tasks.
 *
 * Returns: (transfer full) (element-type JsonObject): the resources
 */
GPtrArray *
cercle_demo_resources (void)
{
  GPtrArray *resources = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);

  add_directory (resources);
  add_practitioners (resources);
  add_patients (resources);
  add_related_persons (resources);
  add_care_teams (resources);
  add_notes (resources);
  add_referral (resources);
  return resources;
}
