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

static JsonObject *
coding (const char *system,
        const char *code,
        const char *display)
{
  JsonObject *c = json_object_new ();

  json_object_set_string_member (c, "system", system);
  json_object_set_string_member (c, "code", code);
  if (display)
    json_object_set_string_member (c, "display", display);
  return c;
}

static void
add_entity (JsonArray  *entities,
            const char *reference)
{
  JsonObject *e = json_object_new ();
  JsonObject *what = json_object_new ();

  json_object_set_string_member (what, "reference", reference);
  json_object_set_object_member (e, "what", what);
  json_array_add_object_element (entities, e);
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
  g_autoptr(JsonObject) ev = json_object_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autofree char *prev = NULL;
  g_autofree char *id = NULL;
  g_autofree char *now = cercle_server_store_now ();
  g_autofree char *json = NULL;
  g_autofree char *hash = NULL;
  g_autofree char *outcome_text = g_strdup_printf ("%d", outcome);
  char action_text[2] = { action, 0 };
  JsonObject *type, *meta, *agent_obj, *who, *source, *observer;
  JsonArray *subtype, *agents, *entity_arr;
  sqlite3_stmt *stmt;
  gint64 seq = 1;

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

  id = g_strdup_printf ("audit-%" G_GINT64_FORMAT, seq);
  json_object_set_string_member (ev, "resourceType", "AuditEvent");
  json_object_set_string_member (ev, "id", id);
  meta = json_object_new ();
  json_object_set_string_member (meta, "versionId", "1");
  json_object_set_string_member (meta, "lastUpdated", now);
  json_object_set_object_member (ev, "meta", meta);
  type = coding ("http://terminology.hl7.org/CodeSystem/audit-event-type", "rest", "RESTful Operation");
  json_object_set_object_member (ev, "type", type);
  subtype = json_array_new ();
  json_array_add_object_element (subtype, coding ("http://hl7.org/fhir/restful-interaction", interaction, NULL));
  json_object_set_array_member (ev, "subtype", subtype);
  json_object_set_string_member (ev, "action", action_text);
  json_object_set_string_member (ev, "recorded", now);
  json_object_set_string_member (ev, "outcome", outcome_text);
  if (description)
    json_object_set_string_member (ev, "outcomeDesc", description);

  agents = json_array_new ();
  agent_obj = json_object_new ();
  {
    JsonObject *cc = json_object_new ();
    JsonArray *codings = json_array_new ();

    json_array_add_object_element (codings, coding ("http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
                                                    "IRCP", "information recipient"));
    json_object_set_array_member (cc, "coding", codings);
    json_object_set_object_member (agent_obj, "type", cc);
  }
  who = json_object_new ();
  if (agent->practitioner_id)
    {
      g_autofree char *ref = g_strdup_printf ("Practitioner/%s", agent->practitioner_id);
      json_object_set_string_member (who, "reference", ref);
    }
  if (agent->login)
    json_object_set_string_member (who, "display", agent->login);
  json_object_set_object_member (agent_obj, "who", who);
  if (agent->organization_id)
    {
      g_autofree char *ref = g_strdup_printf ("Organization/%s", agent->organization_id);
      JsonArray *policy = json_array_new ();

      /* The structure the desk acts for. */
      json_array_add_string_element (policy, ref);
      json_object_set_array_member (agent_obj, "policy", policy);
    }
  json_object_set_boolean_member (agent_obj, "requestor", TRUE);
  if (agent->address)
    {
      JsonObject *network = json_object_new ();

      json_object_set_string_member (network, "address", agent->address);
      json_object_set_string_member (network, "type", "2");
      json_object_set_object_member (agent_obj, "network", network);
    }
  json_array_add_object_element (agents, agent_obj);
  json_object_set_array_member (ev, "agent", agents);

  source = json_object_new ();
  observer = json_object_new ();
  json_object_set_string_member (observer, "display", "cercle-server");
  json_object_set_object_member (source, "observer", observer);
  json_object_set_object_member (ev, "source", source);

  entity_arr = json_array_new ();
  for (guint i = 0; patients && i < patients->len; i++)
    {
      g_autofree char *ref = g_strdup_printf ("Patient/%s", (const char *) g_ptr_array_index (patients, i));
      add_entity (entity_arr, ref);
    }
  for (guint i = 0; entities && i < entities->len; i++)
    add_entity (entity_arr, g_ptr_array_index (entities, i));
  if (json_array_get_length (entity_arr) > 0)
    json_object_set_array_member (ev, "entity", entity_arr);
  else
    json_array_unref (entity_arr);

  json_node_set_object (node, ev);
  json = json_to_string (node, FALSE);
  hash = chain_hash (prev, json);

  stmt = cercle_db_prepare (db, "INSERT INTO audit (seq, id, recorded, json, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?)",
                            error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, seq);
  sqlite3_bind_text (stmt, 2, id, -1, SQLITE_STATIC);
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
