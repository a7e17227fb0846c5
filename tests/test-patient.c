/* test-patient.c — identity, the patient file, its FHIR mapping and store
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "cercle-fhir-patient.h"
#include "cercle-patient-repo.h"
#include "cercle-store.h"

static CerclePatient *
make_jeanne (void)
{
  const char *given[] = { "Jeanne", "Marie", "Louise", NULL };

  return g_object_new (CERCLE_TYPE_PATIENT,
                       "ins", "2 95 10 99 126 111 93",
                       "ins-kind", "NIR",
                       "birth-family-name", "Durand",
                       "birth-given-names", given,
                       "used-family-name", "Moreau",
                       "birth-date", "1995-10-12",
                       "sex", "female",
                       "birthplace-code", "99126",
                       "from-insi", TRUE,
                       "document-checked", TRUE,
                       "phone", "01 64 00 00 00",
                       "address-line", "3 rue des Lilas",
                       "postcode", "77000",
                       "commune-code", "77288",
                       "commune-name", "Melun",
                       NULL);
}

static void
test_identity_statuses (void)
{
  struct { gboolean insi, doc; CercleIdentityStatus status; const char *code; gboolean share; } table[] = {
    { FALSE, FALSE, CERCLE_IDENTITY_PROVISOIRE, "PROV", FALSE },
    { TRUE, FALSE, CERCLE_IDENTITY_RECUPEREE, "RECUP", FALSE },
    { FALSE, TRUE, CERCLE_IDENTITY_VALIDEE, "VALI", FALSE },
    { TRUE, TRUE, CERCLE_IDENTITY_QUALIFIEE, "QUAL", TRUE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    {
      CercleIdentityStatus back;
      gboolean insi, doc;

      g_assert_cmpint (cercle_identity_status_from_checks (table[i].insi, table[i].doc), ==, table[i].status);
      g_assert_cmpstr (cercle_identity_status_get_code (table[i].status), ==, table[i].code);
      g_assert_true (cercle_identity_status_from_code (table[i].code, &back));
      g_assert_cmpint (back, ==, table[i].status);
      cercle_identity_status_to_checks (table[i].status, &insi, &doc);
      g_assert_cmpint (insi, ==, table[i].insi);
      g_assert_cmpint (doc, ==, table[i].doc);
      g_assert_cmpint (cercle_identity_status_can_share_ins (table[i].status), ==, table[i].share);
      g_assert_nonnull (cercle_identity_status_get_label (table[i].status));
    }
  g_assert_false (cercle_identity_status_from_code ("XXX", &(CercleIdentityStatus) { 0 }));
}

static void
test_patient_properties (void)
{
  g_autoptr(CerclePatient) p = make_jeanne ();
  g_autoptr(CerclePatient) q = cercle_patient_new ();
  g_autoptr(CerclePatient) copy = NULL;
  g_autofree char *display = NULL;
  CercleIdentityStatus status;

  g_assert_true (g_uuid_string_is_valid (cercle_patient_get_id (q)));
  g_assert_cmpstr (cercle_patient_get_id (p), !=, cercle_patient_get_id (q));
  g_assert_cmpstr (cercle_patient_get_ins (p), ==, "295109912611193");
  g_assert_cmpstr (cercle_patient_get_first_given_name (p), ==, "Jeanne");
  g_object_get (p, "identity-status", &status, NULL);
  g_assert_cmpint (status, ==, CERCLE_IDENTITY_QUALIFIEE);

  display = cercle_patient_dup_display_name (p);
  g_assert_true (g_str_has_prefix (display, "DURAND"));
  g_assert_nonnull (strstr (display, "MOREAU"));
  g_assert_true (g_str_has_suffix (display, " Jeanne"));

  copy = cercle_patient_copy (p);
  g_assert_cmpstr (cercle_patient_get_id (copy), ==, cercle_patient_get_id (p));
  g_assert_cmpstr (cercle_patient_get_commune_name (copy), ==, "Melun");
  g_assert_cmpstr (cercle_patient_get_birth_given_names (copy)[2], ==, "Louise");
  g_assert_true (cercle_patient_get_document_checked (copy));
}

static void
test_patient_validate (void)
{
  g_autoptr(CerclePatient) p = make_jeanne ();
  g_autoptr(GError) error = NULL;

  g_assert_true (cercle_patient_validate (p, &error));
  g_assert_no_error (error);

  g_object_set (p, "ins", "295109912611194", NULL);
  g_assert_false (cercle_patient_validate (p, &error));
  g_assert_error (error, CERCLE_VALIDATION_ERROR, CERCLE_VALIDATION_ERROR_KEY);
  g_clear_error (&error);
  g_object_set (p, "ins", "295109912611193", NULL);

  g_object_set (p, "birth-date", "2999-01-01", NULL);
  g_assert_false (cercle_patient_validate (p, &error));
  g_assert_error (error, CERCLE_VALIDATION_ERROR, CERCLE_VALIDATION_ERROR_VALUE);
  g_clear_error (&error);
  g_object_set (p, "birth-date", "1995-02-30", NULL);
  g_assert_false (cercle_patient_validate (p, &error));
  g_clear_error (&error);
  g_object_set (p, "birth-date", "1995-10-12", NULL);

  g_object_set (p, "birth-family-name", "   ", NULL);
  g_assert_false (cercle_patient_validate (p, &error));
  g_assert_error (error, CERCLE_VALIDATION_ERROR, CERCLE_VALIDATION_ERROR_EMPTY);
  g_clear_error (&error);
  g_object_set (p, "birth-family-name", "Durand", NULL);

  /* Qualified without a birthplace: refused. Provisional: accepted. */
  g_object_set (p, "birthplace-code", NULL, NULL);
  g_assert_false (cercle_patient_validate (p, &error));
  g_clear_error (&error);
  g_object_set (p, "from-insi", FALSE, "document-checked", FALSE, NULL);
  g_assert_true (cercle_patient_validate (p, &error));
  g_assert_no_error (error);

  g_object_set (p, "postcode", "7700", NULL);
  g_assert_false (cercle_patient_validate (p, &error));
  g_assert_error (error, CERCLE_VALIDATION_ERROR, CERCLE_VALIDATION_ERROR_LENGTH);
}

static char *
fhir_to_string (JsonObject *o)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), o);

  return json_to_string (node, TRUE);
}

static void
assert_same_patient (CerclePatient *a,
                     CerclePatient *b)
{
  const char *props[] = { "id", "ins", "ins-kind", "birth-family-name", "first-given-name",
                          "used-family-name", "used-given-name", "birth-date", "sex",
                          "birthplace-code", "phone", "address-line", "postcode",
                          "commune-code", "commune-name" };

  for (guint i = 0; i < G_N_ELEMENTS (props); i++)
    {
      g_autofree char *va = NULL;
      g_autofree char *vb = NULL;

      g_object_get (a, props[i], &va, NULL);
      g_object_get (b, props[i], &vb, NULL);
      g_test_message ("%s: %s / %s", props[i], va, vb);
      g_assert_cmpstr (va, ==, vb);
    }
  g_assert_true (g_strv_equal (cercle_patient_get_birth_given_names (a),
                               cercle_patient_get_birth_given_names (b)));
  g_assert_cmpint (cercle_patient_get_identity_status (a), ==, cercle_patient_get_identity_status (b));
}

static void
test_fhir_round_trip (void)
{
  g_autoptr(CerclePatient) p = make_jeanne ();
  g_autoptr(JsonObject) o = cercle_patient_to_fhir (p);
  g_autoptr(CerclePatient) back = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = fhir_to_string (o);

  g_test_message ("%s", text);
  g_assert_cmpstr (json_object_get_string_member (o, "resourceType"), ==, "Patient");
  g_assert_nonnull (strstr (text, "urn:oid:1.2.250.1.213.1.4.8"));
  g_assert_nonnull (strstr (text, "\"295109912611193\""));

  back = cercle_patient_new_from_fhir (o, &error);
  g_assert_no_error (error);
  assert_same_patient (p, back);
}

static void
test_fhir_ins_only_when_qualified (void)
{
  g_autoptr(CerclePatient) p = make_jeanne ();
  CercleIdentityStatus statuses[] = { CERCLE_IDENTITY_PROVISOIRE, CERCLE_IDENTITY_RECUPEREE,
                                      CERCLE_IDENTITY_VALIDEE };

  for (guint i = 0; i < G_N_ELEMENTS (statuses); i++)
    {
      g_autoptr(JsonObject) o = NULL;
      g_autoptr(CerclePatient) back = NULL;
      g_autofree char *text = NULL;
      gboolean insi, doc;

      cercle_identity_status_to_checks (statuses[i], &insi, &doc);
      g_object_set (p, "from-insi", insi, "document-checked", doc, NULL);
      o = cercle_patient_to_fhir (p);
      text = fhir_to_string (o);
      g_assert_null (strstr (text, "295109912611193"));
      g_assert_null (strstr (text, "1.2.250.1.213.1.4.8"));
      g_assert_nonnull (strstr (text, cercle_identity_status_get_code (statuses[i])));

      back = cercle_patient_new_from_fhir (o, NULL);
      g_assert_null (cercle_patient_get_ins (back));
      g_assert_cmpint (cercle_patient_get_identity_status (back), ==, statuses[i]);
    }
}

static void
test_fhir_bad_input (void)
{
  g_autoptr(JsonObject) o = json_object_new ();
  g_autoptr(GError) error = NULL;

  json_object_set_string_member (o, "resourceType", "Practitioner");
  json_object_set_string_member (o, "id", "x");
  g_assert_null (cercle_patient_new_from_fhir (o, &error));
  g_assert_error (error, CERCLE_FHIR_ERROR, CERCLE_FHIR_ERROR_RESOURCE_TYPE);
  g_clear_error (&error);

  json_object_set_string_member (o, "resourceType", "Patient");
  json_object_remove_member (o, "id");
  g_assert_null (cercle_patient_new_from_fhir (o, &error));
  g_assert_error (error, CERCLE_FHIR_ERROR, CERCLE_FHIR_ERROR_INVALID);
  g_clear_error (&error);

  /* Wrong JSON kinds are ignored, not crashed on. */
  json_object_set_string_member (o, "id", "p1");
  json_object_set_int_member (o, "name", 3);
  json_object_set_string_member (o, "identifier", "nope");
  {
    g_autoptr(CerclePatient) p = cercle_patient_new_from_fhir (o, &error);
    g_assert_no_error (error);
    g_assert_null (cercle_patient_get_birth_family_name (p));
  }
}

/* Every Patient we emit validates against the official FHIR R4 schema. */
static void
test_fhir_schema (void)
{
  const char *shared = g_getenv ("CERCLE_SHARED_DATA");
  const char *source = g_getenv ("CERCLE_SOURCE_DIR");
  g_autofree char *dir = g_build_filename (g_getenv ("CERCLE_TEST_TMPDIR"), "patients", NULL);
  g_autofree char *script = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  int status = 0;

  if (shared == NULL || source == NULL)
    {
      g_test_skip ("CERCLE_SHARED_DATA is not set");
      return;
    }
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);

  for (guint i = 0; i < 4; i++)
    {
      g_autoptr(CerclePatient) p = make_jeanne ();
      g_autoptr(JsonObject) o = NULL;
      g_autofree char *text = NULL;
      g_autofree char *name = g_strdup_printf ("patient-%u.json", i);
      g_autofree char *path = g_build_filename (dir, name, NULL);
      gboolean insi, doc;

      cercle_identity_status_to_checks (i, &insi, &doc);
      g_object_set (p, "from-insi", insi, "document-checked", doc, NULL);
      if (i == 2)
        g_object_set (p, "used-family-name", NULL, "phone", NULL, "address-line", NULL,
                      "postcode", NULL, "commune-code", NULL, "commune-name", NULL, NULL);
      o = cercle_patient_to_fhir (p);
      text = fhir_to_string (o);
      g_assert_true (g_file_set_contents (path, text, -1, NULL));
    }

  script = g_build_filename (source, "tests", "fhir-validate.py", NULL);
  {
    const char *argv[] = { "python3", script, dir, NULL };

    g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                                 &out, &err, &status, &error));
  }
  g_assert_no_error (error);
  g_test_message ("%s%s", out, err);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
}

static char *
tmp_db (void)
{
  g_autofree char *base = g_strdup_printf ("patients-%u.db", g_random_int ());

  return g_build_filename (g_getenv ("CERCLE_TEST_TMPDIR"), base, NULL);
}

static int
count (CercleDb *db, const char *sql)
{
  sqlite3_stmt *stmt = cercle_db_prepare (db, sql, NULL);
  int n;

  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  n = sqlite3_column_int (stmt, 0);
  sqlite3_reset (stmt);
  return n;
}

static void
test_repo_save_get_search (void)
{
  g_autofree char *path = tmp_db ();
  g_autoptr(GError) error = NULL;
  g_autoptr(CercleDb) db = cercle_store_open (path, &error);
  g_autoptr(CerclePatient) jeanne = make_jeanne ();
  g_autoptr(CerclePatient) other = NULL;
  g_autoptr(CerclePatient) got = NULL;
  const char *given[] = { "Élodie", NULL };

  g_assert_no_error (error);
  g_assert_true (cercle_patient_repo_save (db, jeanne, &error));
  g_assert_no_error (error);
  g_assert_nonnull (cercle_patient_get_last_updated (jeanne));

  other = g_object_new (CERCLE_TYPE_PATIENT,
                        "birth-family-name", "Dürer-Lefèvre",
                        "birth-given-names", given,
                        "birth-date", "1948-03-01",
                        "sex", "female",
                        NULL);
  g_assert_true (cercle_patient_repo_save (db, other, &error));
  g_assert_no_error (error);

  got = cercle_patient_repo_get (db, cercle_patient_get_id (jeanne), &error);
  g_assert_no_error (error);
  assert_same_patient (jeanne, got);

  g_assert_null (cercle_patient_repo_get (db, "nobody", &error));
  g_assert_error (error, CERCLE_DB_ERROR, CERCLE_DB_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* Name prefix, accents and case ignored, birth or used name. */
  {
    struct { const char *prefix; guint n; } cases[] = {
      { "dur", 2 }, { "DÛR", 2 }, { "durand", 1 }, { "dure", 1 }, { "Dürer Lef", 1 },
      { "moreau", 1 }, { "MOR", 1 }, { "x", 0 }, { "", 2 },
    };

    for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
      {
        CerclePatientQuery q = { .name_prefix = cases[i].prefix };
        g_autoptr(GListModel) found = cercle_patient_repo_search (db, &q, &error);

        g_assert_no_error (error);
        g_test_message ("prefix “%s”", cases[i].prefix);
        g_assert_cmpuint (g_list_model_get_n_items (found), ==, cases[i].n);
      }
  }
  {
    CerclePatientQuery q = { .birth_date = "1948-03-01" };
    g_autoptr(GListModel) found = cercle_patient_repo_search (db, &q, &error);
    g_autoptr(CerclePatient) p = g_list_model_get_item (found, 0);

    g_assert_cmpuint (g_list_model_get_n_items (found), ==, 1);
    g_assert_cmpstr (cercle_patient_get_first_given_name (p), ==, "Élodie");
  }
  {
    CerclePatientQuery q = { .ins = "2 95 10 99 126 111 93" };
    g_autoptr(GListModel) found = cercle_patient_repo_search (db, &q, &error);

    g_assert_cmpuint (g_list_model_get_n_items (found), ==, 1);
  }
  {
    CerclePatientQuery q = { .name_prefix = "dur", .birth_date = "1995-10-12" };
    g_autoptr(GListModel) found = cercle_patient_repo_search (db, &q, &error);

    g_assert_cmpuint (g_list_model_get_n_items (found), ==, 1);
  }
  /* Each save queued one PUT for the server. */
  g_assert_cmpint (count (db, "SELECT COUNT(*) FROM outbox WHERE method = 'PUT' AND resource_type = 'Patient'"), ==, 2);

  /* An update keeps one row, bumps its version and queues another PUT. */
  g_object_set (jeanne, "phone", "06 00 00 00 00", NULL);
  g_assert_true (cercle_patient_repo_save (db, jeanne, &error));
  g_assert_cmpint (count (db, "SELECT COUNT(*) FROM patient"), ==, 2);
  g_assert_cmpint (count (db, "SELECT MAX(version) FROM patient"), ==, 2);
  g_assert_cmpint (count (db, "SELECT COUNT(*) FROM outbox"), ==, 3);
}

static void
test_repo_refusals_change_nothing (void)
{
  g_autofree char *path = tmp_db ();
  g_autoptr(GError) error = NULL;
  g_autoptr(CercleDb) db = cercle_store_open (path, &error);
  g_autoptr(CerclePatient) jeanne = make_jeanne ();
  g_autoptr(CerclePatient) twin = make_jeanne ();
  g_autoptr(CerclePatient) bad = make_jeanne ();
  g_autoptr(GListModel) dups = NULL;

  g_assert_true (cercle_patient_repo_save (db, jeanne, &error));

  /* Same INS, another id: refused, and no outbox entry either. */
  g_assert_false (cercle_patient_repo_save (db, twin, &error));
  g_assert_error (error, CERCLE_DB_ERROR, CERCLE_DB_ERROR_CONFLICT);
  g_clear_error (&error);
  g_assert_cmpint (count (db, "SELECT COUNT(*) FROM patient"), ==, 1);
  g_assert_cmpint (count (db, "SELECT COUNT(*) FROM outbox"), ==, 1);

  /* Invalid: refused before the store. */
  g_object_set (bad, "ins", "295109912611100", NULL);
  g_assert_false (cercle_patient_repo_save (db, bad, &error));
  g_assert_error (error, CERCLE_VALIDATION_ERROR, CERCLE_VALIDATION_ERROR_KEY);
  g_clear_error (&error);
  g_assert_cmpint (count (db, "SELECT COUNT(*) FROM outbox"), ==, 1);

  /* Search before create finds the twin by birth date and name. */
  g_object_set (twin, "ins", NULL, "birth-family-name", "DURANT", NULL);
  dups = cercle_patient_repo_find_possible_duplicates (db, twin, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (dups), ==, 1);
}

static void
test_repo_survives_reopen (void)
{
  g_autofree char *path = tmp_db ();
  g_autoptr(GError) error = NULL;
  g_autoptr(CerclePatient) jeanne = make_jeanne ();
  g_autofree char *id = g_strdup (cercle_patient_get_id (jeanne));

  {
    g_autoptr(CercleDb) db = cercle_store_open (path, &error);
    g_assert_true (cercle_patient_repo_save (db, jeanne, &error));
  }
  {
    g_autoptr(CercleDb) db = cercle_store_open (path, &error);
    g_autoptr(CerclePatient) got = cercle_patient_repo_get (db, id, &error);

    g_assert_no_error (error);
    assert_same_patient (jeanne, got);
    g_assert_cmpint (count (db, "SELECT COUNT(*) FROM outbox"), ==, 1);
  }
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/identity/statuses", test_identity_statuses);
  g_test_add_func ("/patient/properties", test_patient_properties);
  g_test_add_func ("/patient/validate", test_patient_validate);
  g_test_add_func ("/patient/fhir/round-trip", test_fhir_round_trip);
  g_test_add_func ("/patient/fhir/ins-only-when-qualified", test_fhir_ins_only_when_qualified);
  g_test_add_func ("/patient/fhir/bad-input", test_fhir_bad_input);
  g_test_add_func ("/patient/fhir/schema", test_fhir_schema);
  g_test_add_func ("/patient/repo/save-get-search", test_repo_save_get_search);
  g_test_add_func ("/patient/repo/refusals-change-nothing", test_repo_refusals_change_nothing);
  g_test_add_func ("/patient/repo/survives-reopen", test_repo_survives_reopen);

  return g_test_run ();
}
