/* test-notes.c — follow-up notes and the patient's timeline in a real SQLite store
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <glib/gi18n.h>
#include <locale.h>

#include "cercle-care-team-repo.h"
#include "cercle-fhir.h"
#include "cercle-note-repo.h"
#include "cercle-test-care.h"

typedef CareTestFixture Fixture;

static void
sign_in (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (cercle_store_set_account (f->db, "http://127.0.0.1:1", "ide.bernard",
                                           "Practitioner/pract-bernard-sophie", NULL, "Sophie Bernard", &error));
  g_assert_no_error (error);
}

static void
test_refused_without_account (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CercleNote) note = NULL;

  note = cercle_note_repo_write (f->db, "pat-jeanne", "transmission", "Pansement refait", &error);
  g_assert_null (note);
  g_assert_error (error, CERCLE_CARE_ERROR, CERCLE_CARE_ERROR_NOT_SIGNED_IN);
  g_assert_cmpuint (care_test_count (f->db, "SELECT count(*) FROM resource"), ==, 0);
  g_assert_cmpuint (care_test_count (f->db, "SELECT count(*) FROM outbox"), ==, 0);
}

static void
test_write_offline (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CercleNote) note = NULL;
  g_autoptr(CercleNote) back = NULL;
  g_autofree char *message = NULL;

  sign_in (f);
  /* Bad input: nothing written. */
  g_assert_null (cercle_note_repo_write (f->db, "pat-jeanne", "transmission", "   \n", &error));
  g_assert_error (error, CERCLE_CARE_ERROR, CERCLE_CARE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (cercle_note_repo_write (f->db, "pat-jeanne", "gossip", "Texte", &error));
  g_assert_error (error, CERCLE_CARE_ERROR, CERCLE_CARE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (cercle_note_repo_write (f->db, "pat-nobody", "transmission", "Texte", &error));
  g_assert_error (error, CERCLE_CARE_ERROR, CERCLE_CARE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_cmpuint (care_test_count (f->db, "SELECT count(*) FROM outbox"), ==, 0);

  note = cercle_note_repo_write (f->db, "pat-jeanne", "vigilance", "  Chute ce matin, pas de douleur.  ", &error);
  g_assert_no_error (error);
  g_assert_nonnull (note);
  g_assert_cmpstr (cercle_note_get_text (note), ==, "Chute ce matin, pas de douleur.");
  g_assert_cmpstr (cercle_note_get_author_id (note), ==, "pract-bernard-sophie");
  g_assert_cmpstr (cercle_note_get_author_display (note), ==, "Sophie Bernard");
  g_assert_cmpstr (cercle_note_get_care_team_id (note), ==, "ct-pat-jeanne");

  /* One resource row, one outbox row for the same patient. */
  g_assert_cmpuint (care_test_count (f->db, "SELECT count(*) FROM resource WHERE type = 'Communication'"
                                            " AND patient_id = 'pat-jeanne' AND version_id IS NULL"
                                            " AND author_ref = 'Practitioner/pract-bernard-sophie'"), ==, 1);
  g_assert_cmpuint (care_test_count (f->db, "SELECT count(*) FROM outbox WHERE resource_type = 'Communication'"
                                            " AND patient_id = 'pat-jeanne' AND method = 'PUT'"), ==, 1);
  g_assert_cmpint (cercle_store_get_sync_state (f->db, "Communication", cercle_note_get_id (note), &message),
                   ==, CERCLE_SYNC_STATE_PENDING);

  back = cercle_note_repo_get (f->db, cercle_note_get_id (note), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cercle_note_get_category (back), ==, "vigilance");
  g_assert_cmpstr (cercle_note_get_text (back), ==, "Chute ce matin, pas de douleur.");

  /* The server has it. */
  care_test_acknowledge_all (f->db);
  g_assert_cmpint (cercle_store_get_sync_state (f->db, "Communication", cercle_note_get_id (note), NULL),
                   ==, CERCLE_SYNC_STATE_SENT);
  /* The author's own note is never unread. */
  g_assert_cmpuint (cercle_note_repo_count_unread (f->db, "pat-jeanne"), ==, 0);
}

static void
test_atomic (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CercleNote) note = NULL;

  sign_in (f);
  /* An outbox that refuses every row: the note must not stay half-saved. */
  g_assert_true (cercle_db_exec (f->db,
                                 "CREATE TEMP TRIGGER no_outbox BEFORE INSERT ON outbox"
                                 " BEGIN SELECT RAISE(ABORT, 'disk full'); END;", NULL));
  note = cercle_note_repo_write (f->db, "pat-jeanne", "transmission", "Texte", &error);
  g_assert_null (note);
  g_assert_nonnull (error);
  g_assert_cmpuint (care_test_count (f->db, "SELECT count(*) FROM resource"), ==, 0);
}

static void
test_correction (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CercleNote) first = NULL;
  g_autoptr(CercleNote) fix = NULL;
  g_autoptr(GListModel) timeline = NULL;
  g_autoptr(CercleTimelineEvent) e0 = NULL;
  g_autoptr(CercleTimelineEvent) e1 = NULL;

  sign_in (f);
  first = cercle_note_repo_write (f->db, "pat-jeanne", "transmission", "INR à 2,5", &error);
  g_assert_no_error (error);
  care_test_acknowledge_all (f->db);
  g_usleep (1100 * 1000); /* notes are timed to the second */

  g_assert_null (cercle_note_repo_correct (f->db, "no-such-note", "x", &error));
  g_assert_error (error, CERCLE_CARE_ERROR, CERCLE_CARE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  fix = cercle_note_repo_correct (f->db, cercle_note_get_id (first), "INR à 3,5", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cercle_note_get_corrects_id (fix), ==, cercle_note_get_id (first));
  g_assert_cmpstr (cercle_note_get_category (fix), ==, "transmission");
  g_assert_cmpstr (cercle_note_get_patient_id (fix), ==, "pat-jeanne");

  /* The first note is untouched: never edited in place. */
  g_assert_cmpuint (care_test_count (f->db, "SELECT count(*) FROM resource WHERE json LIKE '%INR à 2,5%'"
                                            " AND version_id = '1'"), ==, 1);

  timeline = cercle_note_repo_timeline (f->db, "pat-jeanne", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (timeline), ==, 2);
  e0 = g_list_model_get_item (timeline, 0);
  e1 = g_list_model_get_item (timeline, 1);
  /* Newest first: the correction, pending; then the corrected note, sent. */
  g_assert_cmpstr (cercle_note_get_id (cercle_timeline_event_get_note (e0)), ==, cercle_note_get_id (fix));
  g_assert_cmpint (cercle_timeline_event_get_sync_state (e0), ==, CERCLE_SYNC_STATE_PENDING);
  g_assert_null (cercle_timeline_event_get_corrected_by (e0));
  g_assert_cmpstr (cercle_note_get_id (cercle_timeline_event_get_note (e1)), ==, cercle_note_get_id (first));
  g_assert_cmpstr (cercle_timeline_event_get_corrected_by (e1), ==, cercle_note_get_id (fix));
  g_assert_cmpint (cercle_timeline_event_get_sync_state (e1), ==, CERCLE_SYNC_STATE_SENT);
}

/* A note from another member, as the sync service stores it. */
static void
put_remote_note (Fixture    *f,
                 const char *id,
                 const char *sent,
                 const char *text)
{
  g_autoptr(CercleNote) note = cercle_note_new (id, "pat-jeanne", "pract-martin-paul", "information", text);
  g_autoptr(GDateTime) when = g_date_time_new_from_iso8601 (sent, NULL);
  g_autoptr(JsonObject) fhir = NULL;
  g_autofree char *json = NULL;
  g_autoptr(GError) error = NULL;

  g_object_set (note, "sent", when, "author-display", "Dr Paul Martin", NULL);
  fhir = cercle_note_to_fhir (note);
  json = cercle_fhir_to_string (fhir);
  g_assert_true (cercle_store_resource_put (f->db, "Communication", id, "pat-jeanne",
                                            "Practitioner/pract-martin-paul", json, "3", sent, &error));
  g_assert_no_error (error);
}

static void
test_timeline_and_unread (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GListModel) timeline = NULL;
  g_autoptr(GHashTable) counts = NULL;
  g_autoptr(CercleCareTeamMember) gp = NULL;
  g_autoptr(CercleCareTeamMember) nurse = NULL;
  g_autoptr(CercleNote) mine = NULL;
  CercleTimelineKind expected[] = {
    CERCLE_TIMELINE_NOTE,            /* mine, now */
    CERCLE_TIMELINE_MEMBER_LEFT,     /* Bernard, 2026-02-01 */
    CERCLE_TIMELINE_NOTE,            /* n2, 2026-01-20 */
    CERCLE_TIMELINE_NOTE,            /* n1, 2026-01-10 */
    CERCLE_TIMELINE_MEMBER_JOINED,   /* Bernard, 2026-01-05 */
    CERCLE_TIMELINE_MEMBER_JOINED,   /* Martin, 2025-06-01 */
  };

  sign_in (f);
  gp = cercle_care_team_member_new ("Practitioner", "pract-martin-paul", "Dr Paul Martin", "medecin-traitant");
  g_object_set (gp, "start", "2025-06-01", NULL);
  g_assert_true (cercle_care_team_repo_add_member (f->db, "pat-jeanne", gp, &error));
  g_assert_no_error (error);
  nurse = cercle_care_team_member_new ("Practitioner", "pract-bernard-sophie", "Sophie Bernard", "infirmier");
  g_object_set (nurse, "start", "2026-01-05", NULL);
  g_assert_true (cercle_care_team_repo_add_member (f->db, "pat-jeanne", nurse, &error));
  g_assert_true (cercle_care_team_repo_end_member (f->db, "pat-jeanne", nurse, "2026-02-01", &error));
  g_assert_no_error (error);

  put_remote_note (f, "n1", "2026-01-10T09:00:00+01:00", "Visite faite");
  put_remote_note (f, "n2", "2026-01-20T09:00:00+01:00", "Traitement modifié");
  mine = cercle_note_repo_write (f->db, "pat-jeanne", "transmission", "Vue ce jour", &error);
  g_assert_no_error (error);

  g_assert_cmpuint (cercle_note_repo_count_unread (f->db, "pat-jeanne"), ==, 2);
  counts = cercle_note_repo_unread_counts (f->db, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (GPOINTER_TO_UINT (g_hash_table_lookup (counts, "pat-jeanne")), ==, 2);

  timeline = cercle_note_repo_timeline (f->db, "pat-jeanne", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (timeline), ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_autoptr(CercleTimelineEvent) e = g_list_model_get_item (timeline, i);

      g_assert_cmpint (cercle_timeline_event_get_kind (e), ==, expected[i]);
      if (i == 2)
        {
          g_assert_cmpstr (cercle_note_get_id (cercle_timeline_event_get_note (e)), ==, "n2");
          g_assert_true (cercle_timeline_event_get_unread (e));
          /* The author's role in the circle. */
          g_assert_cmpstr (cercle_timeline_event_get_author_role (e), ==,
                           cercle_care_team_role_label ("medecin-traitant"));
        }
      if (i == 0)
        g_assert_false (cercle_timeline_event_get_unread (e));
    }

  g_assert_true (cercle_note_repo_mark_read (f->db, "pat-jeanne", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (cercle_note_repo_count_unread (f->db, "pat-jeanne"), ==, 0);
  /* Read stays read when the server sends the note again. */
  put_remote_note (f, "n2", "2026-01-20T09:00:00+01:00", "Traitement modifié");
  g_assert_cmpuint (cercle_note_repo_count_unread (f->db, "pat-jeanne"), ==, 0);
}

static void
test_french_date (void)
{
  g_autoptr(GTimeZone) paris = g_time_zone_new_identifier ("Europe/Paris");
  g_autoptr(GDateTime) t = g_date_time_new (paris, 2026, 11, 23, 14, 5, 0);
  g_autofree char *text = NULL;

  if (setlocale (LC_ALL, "fr_FR.UTF-8") == NULL)
    {
      g_test_skip ("no fr_FR.UTF-8 locale");
      return;
    }
  g_setenv ("TZ", "Europe/Paris", TRUE);
  text = cercle_timeline_format_time (t);
  g_assert_cmpstr (text, ==, "lundi 23 novembre 2026 à 14:05");
  setlocale (LC_ALL, "C");
}

/* cercle-syncd knows the account only by its login: a note is signed
 * with the name the circle knows, from the synced CareTeam, else from the
 * synced Practitioner, else the account's display. */
static void
test_author_name (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CercleNote) first = NULL;
  g_autoptr(CercleNote) second = NULL;
  g_autoptr(CercleNote) third = NULL;

  g_assert_true (cercle_store_set_account (f->db, "http://127.0.0.1:1", "dr.martin", "Practitioner/pract-martin-paul",
                                           NULL, "dr.martin", &error));
  first = cercle_note_repo_write (f->db, "pat-jeanne", "transmission", "Un", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cercle_note_get_author_display (first), ==, "dr.martin");

  g_assert_true (cercle_store_resource_put (f->db, "Practitioner", "pract-martin-paul", NULL, NULL,
                                            "{\"resourceType\":\"Practitioner\",\"id\":\"pract-martin-paul\","
                                            "\"name\":[{\"family\":\"Martin\",\"given\":[\"Paul\"]}]}",
                                            "1", NULL, &error));
  g_assert_no_error (error);
  second = cercle_note_repo_write (f->db, "pat-jeanne", "transmission", "Deux", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cercle_note_get_author_display (second), ==, "Paul MARTIN");

  g_assert_true (cercle_store_resource_put (f->db, "CareTeam", "ct-other", "pat-jeanne", NULL,
                                            "{\"resourceType\":\"CareTeam\",\"id\":\"ct-other\","
                                            "\"subject\":{\"reference\":\"Patient/pat-jeanne\"},\"participant\":["
                                            "{\"member\":{\"reference\":\"Practitioner/pract-martin-paul-2\","
                                            "\"display\":\"Pas lui\"}},"
                                            "{\"member\":{\"reference\":\"Practitioner/pract-martin-paul\","
                                            "\"display\":\"Dr Paul Martin\"}}]}",
                                            "1", NULL, &error));
  g_assert_no_error (error);
  third = cercle_note_repo_write (f->db, "pat-jeanne", "transmission", "Trois", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cercle_note_get_author_display (third), ==, "Dr Paul Martin");
}

int
main (int argc, char *argv[])
{
  g_autofree char *localedir = NULL;

  g_test_init (&argc, &argv, NULL);
  /* Read the translations from the build tree. */
  localedir = g_build_filename (g_getenv ("CERCLE_BUILD_DIR"), "po", NULL);
  bindtextdomain (GETTEXT_PACKAGE, localedir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");

#define ADD(path, fn) \
  g_test_add (path, Fixture, "notes", care_test_fixture_set_up, fn, care_test_fixture_tear_down)
  ADD ("/notes/refused-without-account", test_refused_without_account);
  ADD ("/notes/write-offline", test_write_offline);
  ADD ("/notes/atomic", test_atomic);
  ADD ("/notes/correction", test_correction);
  ADD ("/notes/timeline-and-unread", test_timeline_and_unread);
  ADD ("/notes/author-name", test_author_name);
  g_test_add_func ("/notes/french-date", test_french_date);
  return g_test_run ();
}
