/* cercle-cli-note.c — cercle-cli note: follow-up notes in the local store
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A note written here goes into the local store and its outbox in one
 * transaction, like one written in the app: it works offline and without
 * the sync service, which sends it at its next round.
 */
#define G_LOG_DOMAIN "cercle-cli"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "cercle-cli-subcommand.h"
#include "cercle-fhir.h"
#include "cercle-note.h"
#include "cercle-patient-repo.h"
#include "cercle-store.h"
#include "cercle-sync-dbus.h"

static CercleDb *
open_store (const CercleCliGlobals *globals)
{
  g_autoptr(GError) error = NULL;
  CercleDb *db = cercle_store_open (globals->db_path, &error);

  if (db == NULL)
    g_printerr ("cercle-cli: %s\n", error->message);
  return db;
}

/* The patient's care team, as the server named it (never derived from the
 * patient's id). */
static char *
care_team_of (CercleDb   *db,
              const char *patient_id)
{
  sqlite3_stmt *stmt = cercle_db_prepare (db, "SELECT id FROM resource WHERE type = 'CareTeam' AND patient_id = ?"
                                              " ORDER BY last_updated LIMIT 1", NULL);
  char *id = NULL;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, patient_id, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    id = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);
  return id;
}

/* Best effort: a running service sends it now; none running is fine. */
static void
poke_service (void)
{
  g_autoptr(CercleDBusSync) proxy = NULL;

  proxy = cercle_dbus_sync_proxy_new_for_bus_sync (G_BUS_TYPE_SESSION,
                                                   G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START
                                                   | G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES
                                                   | G_DBUS_PROXY_FLAGS_DO_NOT_CONNECT_SIGNALS,
                                                   "fr.cercle.Cercle.Sync", "/fr/cercle/Cercle/Sync", NULL, NULL);
  if (proxy && g_dbus_proxy_get_name_owner (G_DBUS_PROXY (proxy)) != NULL)
    cercle_dbus_sync_call_sync_now_sync (proxy, NULL, NULL);
}

static int
note_add (const CercleCliGlobals  *globals,
          int                      argc,
          char                   **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CercleDb) db = NULL;
  g_autoptr(CerclePatient) patient = NULL;
  g_autoptr(CercleNote) note = NULL;
  g_autoptr(JsonObject) resource = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *patient_id = NULL;
  g_autofree char *text = NULL;
  g_autofree char *category = NULL;
  g_autofree char *practitioner = NULL;
  g_autofree char *display = NULL;
  g_autofree char *id = NULL;
  g_autofree char *json = NULL;
  g_autofree char *care_team = NULL;
  const char *author_id;
  GOptionEntry entries[] = {
    { "patient", 0, 0, G_OPTION_ARG_STRING, &patient_id, N_("The patient's id (see “patient list”)"), N_("ID") },
    { "text", 0, 0, G_OPTION_ARG_STRING, &text, N_("The note"), N_("TEXT") },
    { "category", 0, 0, G_OPTION_ARG_STRING, &category,
      N_("transmission (default), vigilance, compte-rendu or information"), N_("CODE") },
    { NULL }
  };

  context = cercle_cli_context_new (NULL, _("Writes a follow-up note in a patient's file. It is sent to the care "
                                            "circle at the next sync, also when written offline."), entries);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return cercle_cli_usage_error (context, error->message);
  if (patient_id == NULL || text == NULL)
    return cercle_cli_usage_error (context, _("Give --patient and --text"));
  g_strstrip (text);
  if (*text == '\0')
    return cercle_cli_usage_error (context, _("The note is empty"));
  if (category == NULL)
    category = g_strdup (CERCLE_NOTE_CATEGORY_TRANSMISSION);
  if (!cercle_note_is_category (category))
    return cercle_cli_usage_error (context, _("Unknown category: use transmission, vigilance, compte-rendu or information"));

  db = open_store (globals);
  if (db == NULL)
    return 1;
  if (!cercle_store_get_account (db, NULL, NULL, &practitioner, NULL, &display) || practitioner == NULL
      || !g_str_has_prefix (practitioner, "Practitioner/"))
    {
      g_printerr ("cercle-cli: %s\n", _("No practitioner is signed in on this computer: sign in first (cercle-cli sync login)"));
      return 1;
    }
  author_id = practitioner + strlen ("Practitioner/");
  patient = cercle_patient_repo_get (db, patient_id, NULL);
  if (patient == NULL)
    {
      /* TRANSLATORS: %s is a patient id */
      g_printerr (_("cercle-cli: no patient “%s” in the local store\n"), patient_id);
      return 1;
    }

  id = g_uuid_string_random ();
  note = cercle_note_new (id, patient_id, author_id, category, text);
  care_team = care_team_of (db, patient_id);
  if (care_team)
    g_object_set (note, "care-team-id", care_team, NULL);
  resource = cercle_note_to_fhir (note);
  node = json_node_init_object (json_node_alloc (), resource);
  json = json_to_string (node, FALSE);

  if (!cercle_db_begin (db, &error)
      || !cercle_store_resource_put (db, "Communication", id, patient_id, practitioner, json, NULL, NULL, &error)
      || !cercle_store_outbox_add_for_patient (db, "Communication", id, patient_id, "PUT", json, &error)
      || !cercle_db_commit (db, &error))
    {
      cercle_db_rollback (db);
      g_printerr ("cercle-cli: %s\n", error->message);
      return 1;
    }
  g_print ("%s\n", id);
  poke_service ();
  return 0;
}

/* One line of TSV: no tab or line break inside a field. */
static char *
tsv_field (const char *text)
{
  g_autoptr(GString) s = g_string_new (NULL);

  for (const char *p = text ? text : ""; *p; p++)
    {
      if (*p == '\t')
        g_string_append (s, "\\t");
      else if (*p == '\n')
        g_string_append (s, "\\n");
      else if (*p == '\\')
        g_string_append (s, "\\\\");
      else if (*p != '\r')
        g_string_append_c (s, *p);
    }
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static int
note_list (const CercleCliGlobals  *globals,
           int                      argc,
           char                   **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CercleDb) db = NULL;
  g_autofree char *patient_id = NULL;
  g_autofree char *format = NULL;
  sqlite3_stmt *stmt;
  gboolean tsv;
  GOptionEntry entries[] = {
    { "patient", 0, 0, G_OPTION_ARG_STRING, &patient_id, N_("The patient's id (see “patient list”)"), N_("ID") },
    { "format", 0, 0, G_OPTION_ARG_STRING, &format,
      N_("“text” (default) or “tsv”: id, sent, author, category, sync state, text"), N_("FORMAT") },
    { NULL }
  };

  context = cercle_cli_context_new (NULL, _("Lists the follow-up notes of a patient, the oldest first."), entries);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return cercle_cli_usage_error (context, error->message);
  if (patient_id == NULL)
    return cercle_cli_usage_error (context, _("Give --patient"));
  if (format && !g_str_equal (format, "tsv") && !g_str_equal (format, "text"))
    return cercle_cli_usage_error (context, _("The format is “text” or “tsv”"));
  tsv = g_strcmp0 (format, "tsv") == 0;

  db = open_store (globals);
  if (db == NULL)
    return 1;
  stmt = cercle_db_prepare (db, "SELECT id, json FROM resource WHERE type = 'Communication' AND patient_id = ?"
                                " ORDER BY json_extract (json, '$.sent'), last_updated, id", &error);
  if (stmt == NULL)
    {
      g_printerr ("cercle-cli: %s\n", error->message);
      return 1;
    }
  sqlite3_bind_text (stmt, 1, patient_id, -1, SQLITE_TRANSIENT);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      g_autoptr(JsonNode) node = json_from_string ((const char *) sqlite3_column_text (stmt, 1), NULL);
      g_autoptr(CercleNote) note = NULL;
      g_autofree char *id = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      g_autofree char *message = NULL;
      g_autofree char *sent = NULL;
      g_autofree char *state_text = NULL;
      GDateTime *when;
      CercleSyncState state;

      if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
        continue;
      note = cercle_note_new_from_fhir (json_node_get_object (node), NULL);
      if (note == NULL)
        continue;
      /* the row's statement is shared: read what we need before the next query */
      state = cercle_store_get_sync_state (db, "Communication", id, &message);
      state_text = state == CERCLE_SYNC_STATE_SENT ? g_strdup (_("Sent"))
                 : state == CERCLE_SYNC_STATE_PENDING ? g_strdup (_("Waiting to be sent"))
                 /* TRANSLATORS: %s is the server's reason */
                 : g_strdup_printf (_("Refused: %s"), message ? message : "");
      when = cercle_note_get_sent (note);
      if (when)
        {
          g_autoptr(GDateTime) local = g_date_time_to_local (when);

          sent = g_date_time_format (local, tsv ? "%Y-%m-%dT%H:%M:%S%:z" : "%x %H:%M");
        }
      if (tsv)
        {
          g_autofree char *text = tsv_field (cercle_note_get_text (note));
          g_autofree char *reason = tsv_field (state_text);

          g_print ("%s\t%s\t%s\t%s\t%s\t%s\n", id, sent ? sent : "",
                   cercle_note_get_author_id (note) ? cercle_note_get_author_id (note) : "",
                   cercle_note_get_category (note) ? cercle_note_get_category (note) : "", reason, text);
        }
      else
        g_print ("%s  %s  %s  [%s]  %s\n    %s\n", id, sent ? sent : "",
                 cercle_note_get_author_display (note) ? cercle_note_get_author_display (note)
                 : cercle_note_get_author_id (note) ? cercle_note_get_author_id (note) : "",
                 cercle_note_get_category_label (note) ? cercle_note_get_category_label (note) : "",
                 state_text, cercle_note_get_text (note) ? cercle_note_get_text (note) : "");
    }
  sqlite3_reset (stmt);
  return 0;
}

static const CercleCliSubcommand subcommands[] = {
  { "add", note_add, N_("Write a note (sent at the next sync)") },
  { "list", note_list, N_("List a patient's notes") },
};

int
cercle_cli_note (const CercleCliGlobals  *globals,
                 int                      argc,
                 char                   **argv)
{
  return cercle_cli_dispatch ("note", subcommands, G_N_ELEMENTS (subcommands), globals, argc, argv);
}
