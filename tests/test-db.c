/* test-db.c — the SQLite store: WAL, migrations, atomicity
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <sys/stat.h>

#include "cercle-db.h"
#include "cercle-store.h"

static char *
tmp_db_path (const char *name)
{
  const char *dir = g_getenv ("CERCLE_TEST_TMPDIR");
  g_autofree char *base = g_strdup_printf ("%s-%u.db", name, g_random_int ());

  return g_build_filename (dir ? dir : g_get_tmp_dir (), base, NULL);
}

static char *
pragma_text (CercleDb *db, const char *sql)
{
  sqlite3_stmt *stmt = cercle_db_prepare (db, sql, NULL);
  char *out = NULL;

  g_assert_nonnull (stmt);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    out = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);
  return out;
}

static void
test_open_settings (void)
{
  g_autofree char *path = tmp_db_path ("settings");
  g_autoptr(CercleDb) db = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *mode = NULL;
  g_autofree char *fk = NULL;
  GStatBuf st;

  db = cercle_store_open (path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (db);

  mode = pragma_text (db, "PRAGMA journal_mode");
  g_assert_cmpstr (mode, ==, "wal");
  fk = pragma_text (db, "PRAGMA foreign_keys");
  g_assert_cmpstr (fk, ==, "1");
  g_assert_cmpuint (cercle_db_get_version (db, "core"), >=, 1);

  /* Health data: the file is the owner's only. */
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
}

static const CercleMigration good[] = {
  { 1, "first", "CREATE TABLE a (x INTEGER); INSERT INTO a VALUES (1);" },
  { 2, "second", "CREATE TABLE b (y TEXT NOT NULL); INSERT INTO b VALUES ('kept');" },
};

static const CercleMigration failing[] = {
  { 1, "first", "CREATE TABLE a (x INTEGER); INSERT INTO a VALUES (1);" },
  { 2, "second", "CREATE TABLE b (y TEXT NOT NULL); INSERT INTO b VALUES ('kept');" },
  /* The first statements succeed, the last fails: all of step 3 must go. */
  { 3, "third, broken",
    "CREATE TABLE c (z INTEGER); INSERT INTO a VALUES (2); ALTER TABLE b ADD COLUMN w;"
    "INSERT INTO nowhere VALUES (1);" },
};

static GBytes *
file_bytes (const char *path)
{
  char *contents = NULL;
  gsize len = 0;

  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
  return g_bytes_new_take (contents, len);
}

static void
test_migrations_apply_once (void)
{
  g_autofree char *path = tmp_db_path ("apply");
  g_autoptr(GError) error = NULL;

  for (int round = 0; round < 2; round++)
    {
      g_autoptr(CercleDb) db = cercle_db_open (path, &error);
      sqlite3_stmt *stmt;

      g_assert_no_error (error);
      g_assert_true (cercle_db_migrate (db, "t", good, G_N_ELEMENTS (good), &error));
      g_assert_no_error (error);
      g_assert_cmpuint (cercle_db_get_version (db, "t"), ==, 2);

      /* Applied once: the INSERT of step 1 did not run twice. */
      stmt = cercle_db_prepare (db, "SELECT COUNT(*) FROM a", &error);
      g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
      g_assert_cmpint (sqlite3_column_int (stmt, 0), ==, 1);
      sqlite3_reset (stmt);
    }
}

static void
test_migration_failure_leaves_file (void)
{
  g_autofree char *path = tmp_db_path ("fail");
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) before = NULL;
  g_autoptr(GBytes) after = NULL;

  {
    g_autoptr(CercleDb) db = cercle_db_open (path, &error);
    g_assert_no_error (error);
    g_assert_true (cercle_db_migrate (db, "t", good, G_N_ELEMENTS (good), &error));
    g_assert_no_error (error);
  }
  before = file_bytes (path);

  {
    g_autoptr(CercleDb) db = cercle_db_open (path, &error);
    sqlite3_stmt *stmt;

    g_assert_no_error (error);
    g_assert_false (cercle_db_migrate (db, "t", failing, G_N_ELEMENTS (failing), &error));
    g_assert_error (error, CERCLE_DB_ERROR, CERCLE_DB_ERROR_MIGRATION);
    g_test_message ("%s", error->message);
    g_clear_error (&error);
    g_assert_cmpuint (cercle_db_get_version (db, "t"), ==, 2);

    /* Nothing of step 3 is left: no table c, a has one row, b no column w. */
    stmt = cercle_db_prepare (db, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'c'", &error);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    g_assert_cmpint (sqlite3_column_int (stmt, 0), ==, 0);
    sqlite3_reset (stmt);
    stmt = cercle_db_prepare (db, "SELECT COUNT(*) FROM a", &error);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    g_assert_cmpint (sqlite3_column_int (stmt, 0), ==, 1);
    sqlite3_reset (stmt);
    stmt = cercle_db_prepare (db, "SELECT COUNT(*) FROM pragma_table_info('b') WHERE name = 'w'", &error);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    g_assert_cmpint (sqlite3_column_int (stmt, 0), ==, 0);
    sqlite3_reset (stmt);
  }

  /* Once closed (the WAL checkpointed), the file is byte for byte the same. */
  after = file_bytes (path);
  g_assert_true (g_bytes_equal (before, after));
}

static void
test_newer_file_refused (void)
{
  g_autofree char *path = tmp_db_path ("newer");
  g_autoptr(GError) error = NULL;

  {
    g_autoptr(CercleDb) db = cercle_db_open (path, &error);
    g_assert_true (cercle_db_migrate (db, "t", good, G_N_ELEMENTS (good), &error));
  }
  {
    g_autoptr(CercleDb) db = cercle_db_open (path, &error);
    g_assert_false (cercle_db_migrate (db, "t", good, 1, &error));
    g_assert_error (error, CERCLE_DB_ERROR, CERCLE_DB_ERROR_TOO_NEW);
  }
}

static void
test_not_a_database (void)
{
  g_autofree char *path = tmp_db_path ("garbage");
  g_autoptr(GError) error = NULL;
  g_autoptr(CercleDb) db = NULL;
  g_autofree char *contents = NULL;

  g_assert_true (g_file_set_contents (path, "this is not SQLite, just text that is long enough to matter\n", -1, NULL));
  db = cercle_store_open (path, &error);
  g_assert_null (db);
  g_assert_error (error, CERCLE_DB_ERROR, CERCLE_DB_ERROR_SQL);

  /* …and the file was not touched. */
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_true (g_str_has_prefix (contents, "this is not SQLite"));
}

static void
test_transaction_rollback (void)
{
  g_autofree char *path = tmp_db_path ("tx");
  g_autoptr(GError) error = NULL;
  g_autoptr(CercleDb) db = cercle_store_open (path, &error);
  sqlite3_stmt *stmt;

  g_assert_no_error (error);
  g_assert_true (cercle_db_begin (db, &error));
  g_assert_true (cercle_store_outbox_add (db, "Patient", "p1", "PUT", "{}", &error));
  cercle_db_rollback (db);

  stmt = cercle_db_prepare (db, "SELECT COUNT(*) FROM outbox", &error);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpint (sqlite3_column_int (stmt, 0), ==, 0);
  sqlite3_reset (stmt);

  /* A bad method is refused by the schema itself. */
  g_assert_false (cercle_store_outbox_add (db, "Patient", "p1", "PATCH", "{}", &error));
  g_assert_error (error, CERCLE_DB_ERROR, CERCLE_DB_ERROR_CONFLICT);
}

/* $CERCLE_DB names another store; without it, the user's data folder. */
static void
test_default_path (void)
{
  g_autofree char *user = NULL;
  g_autofree char *expected = g_build_filename (g_get_user_data_dir (), "cercle", "cercle.db", NULL);

  g_setenv ("CERCLE_DB", "/tmp/other-store.db", TRUE);
  {
    g_autofree char *other = cercle_store_default_path ();

    g_assert_cmpstr (other, ==, "/tmp/other-store.db");
  }
  g_setenv ("CERCLE_DB", "", TRUE);
  user = cercle_store_default_path ();
  g_assert_cmpstr (user, ==, expected);
  g_unsetenv ("CERCLE_DB");
}

static int
count_rows (CercleDb *db, const char *sql)
{
  sqlite3_stmt *stmt = cercle_db_prepare (db, sql, NULL);
  int n;

  g_assert_nonnull (stmt);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  n = sqlite3_column_int (stmt, 0);
  sqlite3_reset (stmt);
  return n;
}

/* A local copy keeps what the user has read across the server's updates;
 * one's own change is read; a note from the server is not, until shown. */
static void
test_resource_read_state (void)
{
  g_autofree char *path = tmp_db_path ("resource");
  g_autoptr(GError) error = NULL;
  g_autoptr(CercleDb) db = cercle_store_open (path, &error);

  g_assert_no_error (error);
  g_assert_true (cercle_store_resource_put (db, "Communication", "n1", "p1", "Practitioner/a",
                                            "{\"resourceType\":\"Communication\"}", "1",
                                            "2026-12-01T10:00:00Z", &error));
  g_assert_no_error (error);
  g_assert_cmpint (count_rows (db, "SELECT COUNT(*) FROM resource WHERE read_at IS NULL"), ==, 1);
  g_assert_true (cercle_store_resource_mark_read (db, "Communication", "n1", &error));
  g_assert_true (cercle_store_resource_put (db, "Communication", "n1", "p1", "Practitioner/a",
                                            "{\"resourceType\":\"Communication\",\"status\":\"completed\"}",
                                            "2", "2026-12-01T11:00:00Z", &error));
  g_assert_cmpint (count_rows (db, "SELECT COUNT(*) FROM resource WHERE read_at IS NULL"), ==, 0);
  g_assert_cmpint (count_rows (db, "SELECT COUNT(*) FROM resource WHERE version_id = '2'"), ==, 1);

  /* A local change: no version yet, already read by its author. */
  g_assert_true (cercle_store_resource_put (db, "Communication", "n2", "p1", "Practitioner/me",
                                            "{}", NULL, NULL, &error));
  g_assert_cmpint (count_rows (db, "SELECT COUNT(*) FROM resource WHERE id = 'n2' AND read_at IS NOT NULL"
                                   " AND last_updated IS NOT NULL"), ==, 1);
}

/* Losing access to a patient removes the whole file, queued changes
 * included, and nothing of another patient. */
static void
test_forget_patient (void)
{
  g_autofree char *path = tmp_db_path ("forget");
  g_autoptr(GError) error = NULL;
  g_autoptr(CercleDb) db = cercle_store_open (path, &error);

  g_assert_no_error (error);
  g_assert_true (cercle_db_begin (db, &error));
  g_assert_true (cercle_store_resource_put (db, "Communication", "n1", "p1", NULL, "{}", "1", NULL, &error));
  g_assert_true (cercle_store_resource_put (db, "CareTeam", "ct1", "p1", NULL, "{}", "1", NULL, &error));
  g_assert_true (cercle_store_resource_put (db, "Communication", "n2", "p2", NULL, "{}", "1", NULL, &error));
  g_assert_true (cercle_store_resource_put (db, "Practitioner", "dr", NULL, NULL, "{}", "1", NULL, &error));
  g_assert_true (cercle_store_outbox_add_for_patient (db, "Communication", "n3", "p1", "PUT", "{}", &error));
  g_assert_true (cercle_store_outbox_add_for_patient (db, "Communication", "n4", "p2", "PUT", "{}", &error));
  g_assert_true (cercle_store_outbox_add (db, "Patient", "p1", "PUT", "{}", &error));
  g_assert_true (cercle_store_forget_patient (db, "p1", &error));
  g_assert_true (cercle_db_commit (db, &error));
  g_assert_no_error (error);

  g_assert_cmpint (count_rows (db, "SELECT COUNT(*) FROM resource WHERE patient_id = 'p1'"), ==, 0);
  g_assert_cmpint (count_rows (db, "SELECT COUNT(*) FROM resource"), ==, 2);
  g_assert_cmpint (count_rows (db, "SELECT COUNT(*) FROM outbox"), ==, 1);
  g_assert_cmpint (count_rows (db, "SELECT COUNT(*) FROM outbox WHERE resource_id = 'n4'"), ==, 1);
}

static void
test_sync_state (void)
{
  g_autofree char *path = tmp_db_path ("state");
  g_autoptr(GError) error = NULL;
  g_autoptr(CercleDb) db = cercle_store_open (path, &error);
  g_autofree char *message = NULL;

  g_assert_no_error (error);
  g_assert_cmpint (cercle_store_get_sync_state (db, "Communication", "n1", &message), ==, CERCLE_SYNC_STATE_SENT);
  g_assert_null (message);
  g_assert_true (cercle_store_outbox_add_for_patient (db, "Communication", "n1", "p1", "PUT", "{}", &error));
  g_assert_cmpint (cercle_store_get_sync_state (db, "Communication", "n1", NULL), ==, CERCLE_SYNC_STATE_PENDING);
  g_assert_true (cercle_db_exec (db, "UPDATE outbox SET state = 'refused', last_error = 'Refusé par le serveur'",
                                 &error));
  g_assert_true (cercle_store_outbox_add_for_patient (db, "Communication", "n1", "p1", "PUT", "{}", &error));
  g_assert_cmpint (cercle_store_get_sync_state (db, "Communication", "n1", &message), ==, CERCLE_SYNC_STATE_REFUSED);
  g_assert_cmpstr (message, ==, "Refusé par le serveur");
  /* The schema refuses a state it does not know. */
  g_assert_false (cercle_db_exec (db, "UPDATE outbox SET state = 'lost'", &error));
  g_assert_nonnull (error);
}

/* Who is signed in; sign-out forgets every file but not the directory. */
static void
test_account (void)
{
  g_autofree char *path = tmp_db_path ("account");
  g_autoptr(GError) error = NULL;
  g_autoptr(CercleDb) db = cercle_store_open (path, &error);
  g_autofree char *server = NULL, *login = NULL, *practitioner = NULL, *organization = NULL;

  g_assert_no_error (error);
  g_assert_false (cercle_store_get_account (db, &server, NULL, NULL, NULL, NULL));
  g_assert_null (server);
  g_assert_true (cercle_store_set_account (db, "http://127.0.0.1:8642", "dr.martin", "Practitioner/pr-martin",
                                           NULL, "Dr Paul Martin", &error));
  g_assert_true (cercle_store_get_account (db, &server, &login, &practitioner, &organization, NULL));
  g_assert_cmpstr (server, ==, "http://127.0.0.1:8642");
  g_assert_cmpstr (login, ==, "dr.martin");
  g_assert_cmpstr (practitioner, ==, "Practitioner/pr-martin");
  g_assert_null (organization);

  g_assert_true (cercle_store_resource_put (db, "Communication", "n1", "p1", NULL, "{}", "1", NULL, &error));
  g_assert_true (cercle_store_resource_put (db, "Organization", "o1", NULL, NULL, "{}", "1", NULL, &error));
  g_assert_true (cercle_store_outbox_add (db, "Patient", "p1", "PUT", "{}", &error));
  g_assert_true (cercle_store_clear_account (db, &error));
  g_assert_false (cercle_store_get_account (db, NULL, NULL, NULL, NULL, NULL));
  g_assert_cmpint (count_rows (db, "SELECT COUNT(*) FROM resource"), ==, 1);
  g_assert_cmpint (count_rows (db, "SELECT COUNT(*) FROM outbox"), ==, 0);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/db/open/settings", test_open_settings);
  g_test_add_func ("/db/store/default-path", test_default_path);
  g_test_add_func ("/db/migrations/apply-once", test_migrations_apply_once);
  g_test_add_func ("/db/migrations/failure-leaves-file", test_migration_failure_leaves_file);
  g_test_add_func ("/db/migrations/newer-file-refused", test_newer_file_refused);
  g_test_add_func ("/db/open/not-a-database", test_not_a_database);
  g_test_add_func ("/db/transaction/rollback", test_transaction_rollback);
  g_test_add_func ("/db/store/resource-read-state", test_resource_read_state);
  g_test_add_func ("/db/store/forget-patient", test_forget_patient);
  g_test_add_func ("/db/store/sync-state", test_sync_state);
  g_test_add_func ("/db/store/account", test_account);

  return g_test_run ();
}
