/* cercle-server-audit.c — the hash-chained audit trail
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every read, search and write that touches a patient leaves an AuditEvent
 * in the same transaction as the work it records. Rows are chained:
 * hash = SHA-256 (previous hash, newline, the event's JSON), so an edited or
 * deleted row breaks the chain at that point (triggers refuse UPDATE and
 * DELETE; the chain catches whoever goes around them).
 */
#define G_LOG_DOMAIN "cercle-server"

#include "config.h"

#include <string.h>

#include "cercle-server-audit.h"
#include "cercle-server-search.h"

#define GENESIS_HASH "0000000000000000000000000000000000000000000000000000000000000000"

static char *
chain_hash (const char *prev,
            const char *json)
{
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);

  g_checksum_update (sum, (const guchar *) prev, strlen (prev));
  g_checksum_update (sum, (const guchar *) "\n", 1);
  g_checksum_update (sum, (const guchar *) json, strlen (json));
  return g_strdup (g_checksum_get_string (sum));
}

/**
 * cercle_server_audit_record:
 * @store: the store, inside the transaction of the work recorded
 * @agent: who, and from where
 * @action: C, R, U, D or E (FHIR AuditEvent.action)
 * @interaction: the RESTful interaction (read, search-type, create…)
 * @outcome: how it ended
 * @description: (nullable): what happened, without any health data
 * @patients: (element-type utf8) (nullable): ids of the patients touched
 * @entities: (element-type utf8) (nullable): other "Type/id" touched
 * @error: return location for a #GError
 *
 * Appends one AuditEvent to the chain.
 *
 * Returns: %TRUE on success
 */
gboolean
cercle_server_audit_record (CercleServerStore       *store,
                            const CercleAuditAgent  *agent,
                            char                     action,
                            const char              *interaction,
                            CercleAuditOutcome       outcome,
                            const char              *description,
                            GPtrArray               *patients,
                            GPtrArray               *entities,
                            GError                 **error)
{
  CercleDb *db = cercle_server_store_get_db (store);
  g_autoptr(GString) ev = g_string_sized_new (1024);
  g_autofree char *prev = NULL;
  g_autofree char *now = cercle_server_store_now ();
  g_autofree char *json = NULL;
  g_autofree char *hash = NULL;
  sqlite3_stmt *stmt;
  gint64 seq = 1;
  gboolean first = TRUE;

  stmt = cercle_db_prepare (db, "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1", error);
  if (stmt == NULL)
    return FALSE;
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      seq = sqlite3_column_int64 (stmt, 0) + 1;
      prev = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
    }
  else
    prev = g_strdup (GENESIS_HASH);
  sqlite3_reset (stmt);

  /* Written as text: one per request, json-glib would double its cost. */
  g_string_append_printf (ev,
                          "{\"resourceType\":\"AuditEvent\",\"id\":\"audit-%" G_GINT64_FORMAT "\","
                          "\"meta\":{\"versionId\":\"1\",\"lastUpdated\":\"%s\"},"
                          "\"type\":{\"system\":\"http://terminology.hl7.org/CodeSystem/audit-event-type\","
                          "\"code\":\"rest\",\"display\":\"RESTful Operation\"},"
                          "\"subtype\":[{\"system\":\"http://hl7.org/fhir/restful-interaction\",\"code\":",
                          seq, now);
  cercle_json_append_string (ev, interaction);
  g_string_append_printf (ev, "}],\"action\":\"%c\",\"recorded\":\"%s\",\"outcome\":\"%d\"",
                          action, now, outcome);
  if (description)
    {
      g_string_append (ev, ",\"outcomeDesc\":");
      cercle_json_append_string (ev, description);
    }
  g_string_append (ev, ",\"agent\":[{\"type\":{\"coding\":[{\"system\":"
                       "\"http://terminology.hl7.org/CodeSystem/v3-ParticipationType\",\"code\":\"IRCP\","
                       "\"display\":\"information recipient\"}]},\"who\":{");
  if (agent->practitioner_id)
    {
      g_autofree char *ref = g_strdup_printf ("Practitioner/%s", agent->practitioner_id);

      g_string_append (ev, "\"reference\":");
      cercle_json_append_string (ev, ref);
      if (agent->login)
        g_string_append_c (ev, ',');
    }
  if (agent->login)
    {
      g_string_append (ev, "\"display\":");
      cercle_json_append_string (ev, agent->login);
    }
  g_string_append (ev, "},\"requestor\":true");
  if (agent->organization_id)
    {
      g_autofree char *ref = g_strdup_printf ("Organization/%s", agent->organization_id);

      /* The structure the desk acts for. */
      g_string_append (ev, ",\"policy\":[");
      cercle_json_append_string (ev, ref);
      g_string_append_c (ev, ']');
    }
  if (agent->address)
    {
      g_string_append (ev, ",\"network\":{\"address\":");
      cercle_json_append_string (ev, agent->address);
      g_string_append (ev, ",\"type\":\"2\"}");
    }
  g_string_append (ev, "}],\"source\":{\"observer\":{\"display\":\"cercle-server\"}}");
  if ((patients && patients->len) || (entities && entities->len))
    {
      g_string_append (ev, ",\"entity\":[");
      for (guint i = 0; patients && i < patients->len; i++, first = FALSE)
        {
          g_autofree char *ref = g_strdup_printf ("Patient/%s", (const char *) g_ptr_array_index (patients, i));

          g_string_append (ev, first ? "{\"what\":{\"reference\":" : ",{\"what\":{\"reference\":");
          cercle_json_append_string (ev, ref);
          g_string_append (ev, "}}");
        }
      for (guint i = 0; entities && i < entities->len; i++, first = FALSE)
        {
          g_string_append (ev, first ? "{\"what\":{\"reference\":" : ",{\"what\":{\"reference\":");
          cercle_json_append_string (ev, g_ptr_array_index (entities, i));
          g_string_append (ev, "}}");
        }
      g_string_append_c (ev, ']');
    }
  g_string_append_c (ev, '}');
  json = g_string_free (g_steal_pointer (&ev), FALSE);
  hash = chain_hash (prev, json);

  stmt = cercle_db_prepare (db, "INSERT INTO audit (seq, id, recorded, json, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?)",
                            error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, seq);
  {
    g_autofree char *id = g_strdup_printf ("audit-%" G_GINT64_FORMAT, seq);
    sqlite3_bind_text (stmt, 2, id, -1, SQLITE_TRANSIENT);
  }
  sqlite3_bind_text (stmt, 3, now, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, json, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 5, prev, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 6, hash, -1, SQLITE_STATIC);
  if (!cercle_db_step_done (db, stmt, error))
    return FALSE;

  for (guint i = 0; patients && i < patients->len; i++)
    {
      stmt = cercle_db_prepare (db, "INSERT OR IGNORE INTO audit_patients (patient_id, seq) VALUES (?, ?)", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_text (stmt, 1, g_ptr_array_index (patients, i), -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 2, seq);
      if (!cercle_db_step_done (db, stmt, error))
        return FALSE;
    }
  return TRUE;
}

/**
 * cercle_server_audit_verify:
 * @store: the store
 * @n_checked: (out): how many events were checked
 * @first_bad: (out) (transfer full): the id of the first event that does
 *   not match the chain, or %NULL when the chain is intact
 * @error: return location for a #GError
 *
 * Walks the whole chain. An event whose JSON was edited, or that follows a
 * deleted one, or whose sequence has a gap, is reported.
 *
 * Returns: %FALSE only when the trail could not be read
 */
gboolean
cercle_server_audit_verify (CercleServerStore  *store,
                            guint64            *n_checked,
                            char              **first_bad,
                            GError            **error)
{
  CercleDb *db = cercle_server_store_get_db (store);
  sqlite3_stmt *stmt;
  g_autofree char *prev = g_strdup (GENESIS_HASH);
  gint64 expected_seq = 1;
  int rc;

  *n_checked = 0;
  *first_bad = NULL;
  stmt = cercle_db_prepare (db, "SELECT seq, id, json, prev_hash, hash FROM audit ORDER BY seq", error);
  if (stmt == NULL)
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 seq = sqlite3_column_int64 (stmt, 0);
      const char *id = (const char *) sqlite3_column_text (stmt, 1);
      const char *json = (const char *) sqlite3_column_text (stmt, 2);
      const char *stored_prev = (const char *) sqlite3_column_text (stmt, 3);
      const char *stored_hash = (const char *) sqlite3_column_text (stmt, 4);
      g_autofree char *hash = chain_hash (prev, json ? json : "");

      if (seq != expected_seq || g_strcmp0 (stored_prev, prev) != 0 || g_strcmp0 (stored_hash, hash) != 0)
        {
          *first_bad = g_strdup (id ? id : "?");
          break;
        }
      (*n_checked)++;
      expected_seq++;
      g_free (prev);
      prev = g_steal_pointer (&hash);
    }
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      cercle_db_set_error (db, error, "audit");
      sqlite3_reset (stmt);
      return FALSE;
    }
  sqlite3_reset (stmt);
  return TRUE;
}
