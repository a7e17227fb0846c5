/* cercle-test-care.h — a local store with patients, for the notes and circle tests
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

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
