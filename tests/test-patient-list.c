/* test-patient-list.c — the patients list model, filtered as one types, on a real SQLite store
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>

#include "cercle-fhir.h"
#include "cercle-note-repo.h"
#include "cercle-patient-list.h"
#include "cercle-test-care.h"

static char **
ids (GListModel *model)
{
  GStrvBuilder *b = g_strv_builder_new ();
  char **out;

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(CerclePatient) p = g_list_model_get_item (model, i);
      g_strv_builder_add (b, cercle_patient_get_id (p));
    }
  out = g_strv_builder_end (b);
  g_strv_builder_unref (b);
  return out;
}

static void
assert_filter (CerclePatientList *list, const char *text, const char *expected)
{
  g_auto(GStrv) got = NULL;
  g_autofree char *joined = NULL;

  cercle_patient_list_set_filter (list, text);
  got = ids (G_LIST_MODEL (list));
  joined = g_strjoinv (",", got);
  g_assert_cmpstr (joined, ==, expected);
}

static void
test_filter (void)
{
  g_autofree char *path = care_test_db_path ("patient-list");
  g_autoptr(CercleDb) db = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CerclePatientList) list = cercle_patient_list_new ();
  g_autoptr(CerclePatient) a = NULL, b = NULL, c = NULL, d = NULL;
  guint changes = 0;

  db = cercle_store_open (path, &error);
  g_assert_no_error (error);
  a = care_test_add_patient (db, "a", "Lefèvre", NULL, "Hélène", "1941-03-12", "295109912611193");
  b = care_test_add_patient (db, "b", "Durand", "Moreau", "Jeanne", "1941-03-12", NULL);
  c = care_test_add_patient (db, "c", "Durant", NULL, "Robert", "1950-07-01", NULL);
  d = care_test_add_patient (db, "d", "Ngũyen", NULL, "Thi", "1962-12-03", "253072B07300470");

  g_assert_true (cercle_patient_list_load (list, db, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (cercle_patient_list_get_total (list), ==, 4);
  g_signal_connect_swapped (list, "items-changed", G_CALLBACK (g_atomic_int_inc), &changes);

  /* Sorted by family name. */
  assert_filter (list, NULL, "b,c,a,d");
  /* Family name without accents or case, birth or used. */
  assert_filter (list, "lefe", "a");
  assert_filter (list, "LEFÈ", "a");
  assert_filter (list, "dur", "b,c");
  assert_filter (list, "moreau", "b");
  assert_filter (list, "nguyen", "d");
  /* Given name, and both in any order. */
  assert_filter (list, "helene", "a");
  assert_filter (list, "jean dur", "b");
  /* Birth date as written in France, whole or begun; a year. */
  assert_filter (list, "12/03/1941", "b,a");
  assert_filter (list, "12/03", "b,a");
  assert_filter (list, "1950", "c");
  assert_filter (list, "dur 12/03/1941", "b");
  /* INS, with spaces, Corsica included. */
  assert_filter (list, "2 95 10 99 126", "a");
  assert_filter (list, "253072B", "d");
  assert_filter (list, "zzz", "");
  g_assert_cmpuint (changes, >, 0);
  g_assert_true (cercle_patient_list_matches (b, "moreau jeanne"));
  g_assert_false (cercle_patient_list_matches (b, "moreau robert"));

  g_unlink (path);
}

static void
test_reload_and_unread (void)
{
  g_autofree char *path = care_test_db_path ("patient-list-unread");
  g_autoptr(CercleDb) db = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CerclePatientList) list = cercle_patient_list_new ();
  g_autoptr(CerclePatient) a = NULL, b = NULL;
  g_autoptr(CercleNote) note = cercle_note_new ("n1", "a", "pract-martin-paul", "vigilance", "Chute");
  g_autoptr(JsonObject) fhir = NULL;
  g_autofree char *json = NULL;

  db = cercle_store_open (path, &error);
  g_assert_no_error (error);
  a = care_test_add_patient (db, "a", "Lefèvre", NULL, "Hélène", "1941-03-12", NULL);
  g_assert_true (cercle_patient_list_load (list, db, &error));
  cercle_patient_list_set_filter (list, "le");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 1);
  g_assert_cmpuint (cercle_patient_list_get_unread (list, "a"), ==, 0);

  /* A new patient and a note from someone else arrive: a reload keeps the filter. */
  b = care_test_add_patient (db, "b", "Leroy", NULL, "Marcel", "1938-05-02", NULL);
  fhir = cercle_note_to_fhir (note);
  json = cercle_fhir_to_string (fhir);
  g_assert_true (cercle_store_resource_put (db, "Communication", "n1", "a", "Practitioner/pract-martin-paul",
                                            json, "1", NULL, &error));
  g_assert_true (cercle_patient_list_load (list, db, &error));
  g_assert_cmpuint (cercle_patient_list_get_total (list), ==, 2);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 2);
  g_assert_cmpuint (cercle_patient_list_get_unread (list, "a"), ==, 1);
  g_assert_cmpuint (cercle_patient_list_get_unread (list, "b"), ==, 0);

  cercle_patient_list_set_unread (list, "a", 0);
  g_assert_cmpuint (cercle_patient_list_get_unread (list, "a"), ==, 0);
  g_unlink (path);
}

static void
test_duplicates (void)
{
  g_autofree char *path = care_test_db_path ("duplicates");
  g_autoptr(CercleDb) db = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CerclePatient) a = NULL, b = NULL;
  struct { const char *birth, *used, *date; guint expected; } cases[] = {
    { "Durnad", NULL, "1941-03-12", 1 },     /* transposed letters */
    { "Duand", NULL, "1941-03-12", 1 },      /* a missing letter */
    { "DURAND", NULL, "1941-03-12", 1 },     /* case */
    { "Moreau", NULL, "1941-03-12", 1 },     /* the used name given as birth name */
    { "Eroy", NULL, "1938-05-02", 1 },       /* missing first letter */
    { "Lefèvre", "Leroy", "1938-05-02", 1 }, /* another birth name, the used name matches */
    { "Durand", NULL, "1941-03-13", 0 },     /* another day */
    { "Petit", NULL, "1941-03-12", 0 },      /* another name */
  };

  db = cercle_store_open (path, &error);
  g_assert_no_error (error);
  a = care_test_add_patient (db, "a", "Durand", "Moreau", "Jeanne", "1941-03-12", NULL);
  b = care_test_add_patient (db, "b", "Leroy", NULL, "Marcel", "1938-05-02", NULL);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const char *given[] = { "Jeanne", NULL };
      g_autoptr(CerclePatient) c = g_object_new (CERCLE_TYPE_PATIENT,
                                                 "birth-family-name", cases[i].birth,
                                                 "used-family-name", cases[i].used,
                                                 "birth-given-names", given,
                                                 "birth-date", cases[i].date,
                                                 "sex", "female", NULL);
      g_autoptr(GListModel) dups = cercle_patient_repo_find_possible_duplicates (db, c, &error);

      g_assert_no_error (error);
      g_test_message ("%s", cases[i].birth);
      g_assert_cmpuint (g_list_model_get_n_items (dups), ==, cases[i].expected);
    }
  g_unlink (path);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/patient-list/filter", test_filter);
  g_test_add_func ("/patient-list/reload-and-unread", test_reload_and_unread);
  g_test_add_func ("/patient-list/duplicates", test_duplicates);
  return g_test_run ();
}
