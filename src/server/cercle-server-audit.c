/* cercle-server-audit.c — the hash-chained audit trail
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every read, search and write that touches a patient leaves an AuditEvent
 * in the same transaction as the work it records. The events of a batch
 * (the requests that one commit makes durable) are written together, as
 * one link of the chain: one row whose text is their AuditEvents, one a
 * line, and whose sequence is the number of its first event (audit-N is
 * the N-th event). Links are chained: hash = SHA-256 (previous hash,
 * newline, the link's text), so an edited or deleted row breaks the chain
 * at that point (triggers refuse UPDATE and DELETE; the chain catches
 * whoever goes around them). A trail written before links held several
 * events is a chain of one-event links, and reads the same.
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

/* The events waiting for the commit of their batch: each is the text of
 * its AuditEvent after the id, which is only known once the block takes
 * its place in the chain. */
struct _CercleAuditBlock {
  GPtrArray  *tails;
  GPtrArray  *patients;
  GHashTable *patient_set;
};

CercleAuditBlock *
cercle_audit_block_new (void)
{
  CercleAuditBlock *block = g_new0 (CercleAuditBlock, 1);

  block->tails = g_ptr_array_new_with_free_func (g_free);
  block->patients = g_ptr_array_new ();
  block->patient_set = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return block;
}

void
cercle_audit_block_free (CercleAuditBlock *block)
{
  if (block == NULL)
    return;
  g_ptr_array_unref (block->tails);
  g_ptr_array_unref (block->patients);
  g_hash_table_unref (block->patient_set);
  g_free (block);
}

guint
cercle_audit_block_get_size (CercleAuditBlock *block)
{
  return block->tails->len;
}

void
cercle_audit_block_clear (CercleAuditBlock *block)
{
  g_ptr_array_set_size (block->tails, 0);
  g_ptr_array_set_size (block->patients, 0);
  g_hash_table_remove_all (block->patient_set);
}

static void
append_reference (GString    *ev,
                  const char *type,
                  const char *id)
{
  g_autofree char *ref = g_strconcat (type, "/", id, NULL);

  g_string_append (ev, "\"reference\":");
  cercle_json_append_string (ev, ref);
}

/**
 * cercle_audit_event_build:
 * @agent: who, and from where
 * @action: C, R, U, D or E (FHIR AuditEvent.action)
 * @interaction: the RESTful interaction (read, search-type, create…)
 * @outcome: how it ended
 * @description: (nullable): what happened, without any health data
 * @patients: (element-type utf8) (nullable): ids of the patients touched
 * @entities: (element-type utf8) (nullable): other "Type/id" touched
 *
 * Writes one AuditEvent, recorded now, without its id (given when it takes
 * its place in the chain). Uses no shared state: a reader thread builds
 * the event of its read.
 *
 * Returns: (transfer full): the text that follows the id
 */
char *
cercle_audit_event_build (const CercleAuditAgent  *agent,
                          char                     action,
                          const char              *interaction,
                          CercleAuditOutcome       outcome,
                          const char              *description,
                          GPtrArray               *patients,
                          GPtrArray               *entities)
{
  GString *ev = g_string_sized_new (1024);
  g_autofree char *now = cercle_server_store_now ();
  gboolean first = TRUE;

  /* Written as text: one per request, json-glib would double its cost. */
  g_string_append (ev, "\"meta\":{\"versionId\":\"1\",\"lastUpdated\":\"");
  g_string_append (ev, now);
  g_string_append (ev, "\"},\"type\":{\"system\":\"http://terminology.hl7.org/CodeSystem/audit-event-type\","
                       "\"code\":\"rest\",\"display\":\"RESTful Operation\"},"
                       "\"subtype\":[{\"system\":\"http://hl7.org/fhir/restful-interaction\",\"code\":");
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
      append_reference (ev, "Practitioner", agent->practitioner_id);
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
          const char *patient_id = g_ptr_array_index (patients, i);

          g_string_append (ev, first ? "{\"what\":{" : ",{\"what\":{");
          append_reference (ev, "Patient", patient_id);
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
  return g_string_free (ev, FALSE);
}

/**
 * cercle_audit_block_take:
 * @block: the events of the open batch
 * @event: (transfer full): an event from cercle_audit_event_build()
 * @patients: (element-type utf8) (nullable): the patients it names
 *
 * Adds @event to the block that the batch writes into the chain just
 * before it commits.
 */
void
cercle_audit_block_take (CercleAuditBlock *block,
                         char             *event,
                         GPtrArray        *patients)
{
  g_ptr_array_add (block->tails, event);
  for (guint i = 0; patients && i < patients->len; i++)
    {
      const char *patient_id = g_ptr_array_index (patients, i);

      if (!g_hash_table_contains (block->patient_set, patient_id))
        {
          char *copy = g_strdup (patient_id);

          g_hash_table_add (block->patient_set, copy);
          g_ptr_array_add (block->patients, copy);
        }
    }
}

/**
 * cercle_server_audit_append:
 * @store: the store, inside the transaction of the work recorded
 * @block: the events to append; emptied on success
 * @error: return location for a #GError
 *
 * Appends the events of @block to the chain as one link: one row whose
 * text is their AuditEvents, one a line, numbered on from the last event
 * of the chain. The row's sequence is the number of its first event.
 *
 * Returns: %TRUE on success
 */
gboolean
cercle_server_audit_append (CercleServerStore  *store,
                            CercleAuditBlock   *block,
                            GError            **error)
{
  CercleDb *db = cercle_server_store_get_db (store);
  g_autoptr(GString) text = NULL;
  g_autofree char *prev = NULL;
  g_autofree char *now = cercle_server_store_now ();
  g_autofree char *hash = NULL;
  g_autofree char *id = NULL;
  sqlite3_stmt *stmt;
  gint64 seq = 1;

  if (block->tails->len == 0)
    return TRUE;
  stmt = cercle_db_prepare (db, "SELECT seq, hash, json FROM audit ORDER BY seq DESC LIMIT 1", error);
  if (stmt == NULL)
    return FALSE;
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      seq = sqlite3_column_int64 (stmt, 0) + cercle_server_audit_count_events ((const char *) sqlite3_column_text (stmt, 2));
      prev = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
    }
  else
    prev = g_strdup (GENESIS_HASH);
  sqlite3_reset (stmt);

  text = g_string_sized_new (block->tails->len * 1200);
  for (guint i = 0; i < block->tails->len; i++)
    {
      if (i)
        g_string_append_c (text, '\n');
      g_string_append_printf (text, "{\"resourceType\":\"AuditEvent\",\"id\":\"audit-%" G_GINT64_FORMAT "\",", seq + i);
      g_string_append (text, g_ptr_array_index (block->tails, i));
    }
  hash = chain_hash (prev, text->str);
  id = g_strdup_printf ("audit-%" G_GINT64_FORMAT, seq);

  stmt = cercle_db_prepare (db, "INSERT INTO audit (seq, id, recorded, json, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?)",
                            error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, seq);
  sqlite3_bind_text (stmt, 2, id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, now, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, text->str, text->len, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 5, prev, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 6, hash, -1, SQLITE_STATIC);
  if (!cercle_db_step_done (db, stmt, error))
    return FALSE;

  /* The rows of a patient's trail: each link that has one of its events. */
  for (guint i = 0; i < block->patients->len; i++)
    {
      stmt = cercle_db_prepare (db, "INSERT OR IGNORE INTO audit_patients (patient_id, seq) VALUES (?, ?)", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_text (stmt, 1, g_ptr_array_index (block->patients, i), -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 2, seq);
      if (!cercle_db_step_done (db, stmt, error))
        return FALSE;
    }
  cercle_audit_block_clear (block);
  return TRUE;
}

/**
 * cercle_server_audit_record:
 * @store: the store, inside the transaction of the work recorded
 *
 * Appends one AuditEvent to the chain at once, as a link of its own; the
 * other arguments are those of cercle_audit_event_build().
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
  g_autoptr(CercleAuditBlock) block = cercle_audit_block_new ();

  cercle_audit_block_take (block,
                           cercle_audit_event_build (agent, action, interaction, outcome, description, patients, entities),
                           patients);
  return cercle_server_audit_append (store, block, error);
}

/* How many events a link of the chain holds: one a line. */
guint
cercle_server_audit_count_events (const char *text)
{
  guint n = 1;

  if (text == NULL || *text == '\0')
    return 1;
  for (const char *p = strchr (text, '\n'); p; p = strchr (p + 1, '\n'))
    n++;
  return n;
}

/* Whether the AuditEvent @event (one line of a link) names Patient/@patient_id
 * among its entities. */
gboolean
cercle_server_audit_event_has_patient (const char *event,
                                       gsize       length,
                                       const char *patient_id)
{
  g_autoptr(GString) needle = g_string_new ("{\"what\":{");

  append_reference (needle, "Patient", patient_id);
  g_string_append (needle, "}}");
  return g_strstr_len (event, length, needle->str) != NULL;
}

/**
 * cercle_server_audit_verify:
 * @store: the store
 * @n_checked: (out): how many events were checked
 * @first_bad: (out) (transfer full): the id of the first event that does
 *   not match the chain, or %NULL when the chain is intact
 * @error: return location for a #GError
 *
 * Walks the whole chain. A link whose text was edited, or that follows a
 * deleted one, or whose numbering has a gap, is reported by the id of its
 * first event.
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
      *n_checked += cercle_server_audit_count_events (json);
      expected_seq = seq + cercle_server_audit_count_events (json);
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
