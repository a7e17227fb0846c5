/* cercle-test-care.h — a local store with patients, for the notes and circle tests
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib/gstdio.h>

#include "cercle-patient-repo.h"
#include "cercle-store.h"

static inline char *
care_test_db_path (const char *name)
{
  const char *dir = g_getenv ("CERCLE_TEST_TMPDIR");
  g_autofree char *base = g_strdup_printf ("%s-%u.db", name, g_random_int ());

  return g_build_filename (dir ? dir : g_get_tmp_dir (), base, NULL);
}

static inline CerclePatient *
care_test_add_patient (CercleDb   *db,
                       const char *id,
                       const char *family,
                       const char *used_family,
                       const char *given,
                       const char *birth_date,
                       const char *ins)
{
  const char *given_names[] = { given, NULL };
  g_autoptr(GError) error = NULL;
  CerclePatient *p = g_object_new (CERCLE_TYPE_PATIENT,
                                   "id", id,
                                   "birth-family-name", family,
                                   "used-family-name", used_family,
                                   "birth-given-names", given_names,
                                   "birth-date", birth_date,
                                   "sex", "female",
                                   "ins", ins,
                                   "ins-kind", ins ? "NIR" : NULL,
                                   NULL);

  g_assert_true (cercle_patient_repo_save (db, p, &error));
  g_assert_no_error (error);
  return p;
}

/* The fixture of the notes, circle and conflict tests: a fresh store named
 * after @name (g_test_add's data) holding Jeanne Durand, outbox emptied. */
typedef struct {
  char *path;
  CercleDb *db;
  CerclePatient *jeanne;
} CareTestFixture;

static inline void
care_test_fixture_set_up (CareTestFixture *f,
                          gconstpointer    name)
{
  g_autoptr(GError) error = NULL;

  f->path = care_test_db_path (name);
  f->db = cercle_store_open (f->path, &error);
  g_assert_no_error (error);
  f->jeanne = care_test_add_patient (f->db, "pat-jeanne", "Durand", NULL, "Jeanne", "1941-03-12", NULL);
  g_assert_true (cercle_db_exec (f->db, "DELETE FROM outbox", NULL));
}

static inline void
care_test_fixture_tear_down (CareTestFixture *f,
                             gconstpointer    name)
{
  g_clear_object (&f->jeanne);
  g_clear_object (&f->db);
  g_unlink (f->path);
  g_free (f->path);
}

static inline guint
care_test_count (CercleDb   *db,
                 const char *sql)
{
  sqlite3_stmt *stmt = cercle_db_prepare (db, sql, NULL);
  guint n;

  g_assert_nonnull (stmt);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  n = sqlite3_column_int (stmt, 0);
  sqlite3_reset (stmt);
  return n;
}

/* What the sync service does once the server has a change: the outbox row
 * goes, the resource gets the server's version. */
static inline void
care_test_acknowledge_all (CercleDb *db)
{
  g_assert_true (cercle_db_exec (db, "DELETE FROM outbox; UPDATE resource SET version_id = '1';", NULL));
}

#include "cercle-demo.h"
#include "cercle-fhir.h"
#include "cercle-fhir-patient.h"

/* The patient a resource belongs to, as the sync service files it. */
static inline char *
care_test_patient_of (JsonObject *resource)
{
  const char *members[] = { "subject", "patient", "for" };
  const char *type = json_object_get_string_member (resource, "resourceType");

  if (g_strcmp0 (type, "Patient") == 0)
    return g_strdup (json_object_get_string_member (resource, "id"));
  for (guint i = 0; i < G_N_ELEMENTS (members); i++)
    {
      JsonObject *ref = cercle_fhir_get_object (resource, members[i]);
      g_autofree char *ref_type = NULL;
      char *id = NULL;

      if (ref != NULL && cercle_fhir_reference_parse (ref, &ref_type, &id) && g_strcmp0 (ref_type, "Patient") == 0)
        return id;
      g_free (id);
    }
  return NULL;
}

/* The demo dataset in the local store, as if synced from the demo server:
 * patients in their table, everything else as resources the server has
 * (version "1"), nothing in the outbox. */
static inline void
care_test_load_demo (CercleDb *db)
{
  g_autoptr(GPtrArray) resources = cercle_demo_resources ();
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < resources->len; i++)
    {
      JsonObject *r = g_ptr_array_index (resources, i);
      const char *type = json_object_get_string_member (r, "resourceType");
      const char *id = json_object_get_string_member (r, "id");
      g_autofree char *patient_id = care_test_patient_of (r);
      g_autofree char *json = cercle_fhir_to_string (r);
      g_autofree char *author = NULL;
      JsonObject *sender = cercle_fhir_get_object (r, "sender");

      if (g_strcmp0 (type, "Patient") == 0)
        {
          g_autoptr(CerclePatient) p = cercle_patient_new_from_fhir (r, &error);

          g_assert_no_error (error);
          g_assert_true (cercle_patient_repo_save (db, p, &error));
          g_assert_no_error (error);
          continue;
        }
      if (sender != NULL)
        author = g_strdup (json_object_get_string_member (sender, "reference"));
      g_assert_true (cercle_store_resource_put (db, type, id, patient_id, author, json, "1", NULL, &error));
      g_assert_no_error (error);
    }
  g_assert_true (cercle_db_exec (db, "DELETE FROM outbox", NULL));
}
