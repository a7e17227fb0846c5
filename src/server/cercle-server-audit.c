/* cercle-server-audit.c — the hash-chained audit trail
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every read, search and write that touches a patient leaves an AuditEvent
 * in the same transaction as the work it records. The events of a batch
 * (the requests that one commit makes durable) are written together, as
 * one link of the chain: one row whose text is their events, one a line,
 * and whose sequence is the number of its first event (audit-N is the
 * N-th event). A line keeps what varies from one event to the next; the
 * AuditEvent resource is written back from it when the trail is read.
 * Links are chained: hash = SHA-256 (previous hash, newline, the link's
 * text), so an edited or deleted row breaks the chain at that point
 * (triggers refuse UPDATE and DELETE; the chain catches whoever goes
 * around them). A trail written before links held several events is a
 * chain of one-event links, each a whole AuditEvent, and reads the same.
 */
#define G_LOG_DOMAIN "cercle-server"

#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "cercle-fhir.h"
#include "cercle-server-audit.h"
#include "cercle-server-search.h"

/* How the first versions stored an event: the whole AuditEvent. */
#define WHOLE_EVENT_PREFIX "{\"resourceType\":\"AuditEvent\""

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

/* The events waiting for the commit of their batch, as stored (see
 * cercle_audit_event_build()), and the patients they name. */
struct _CercleAuditBlock {
  GPtrArray  *events;
  GHashTable *patients;
};

CercleAuditBlock *
cercle_audit_block_new (void)
{
  CercleAuditBlock *block = g_new0 (CercleAuditBlock, 1);

  block->events = g_ptr_array_new_with_free_func (g_free);
  block->patients = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return block;
}

void
cercle_audit_block_free (CercleAuditBlock *block)
{
  if (block == NULL)
    return;
  g_ptr_array_unref (block->events);
  g_hash_table_unref (block->patients);
  g_free (block);
}

guint
cercle_audit_block_get_size (CercleAuditBlock *block)
{
  return block->events->len;
}

void
cercle_audit_block_clear (CercleAuditBlock *block)
{
  g_ptr_array_set_size (block->events, 0);
  g_hash_table_remove_all (block->patients);
}

/* Appends ,"key":["a","b"] unless @values is empty. */
static void
append_list (GString    *ev,
             const char *key,
             GPtrArray  *values)
{
  if (values == NULL || values->len == 0)
    return;
  g_string_append_printf (ev, ",\"%s\":[", key);
  for (guint i = 0; i < values->len; i++)
    {
      if (i)
        g_string_append_c (ev, ',');
      cercle_json_append_string (ev, g_ptr_array_index (values, i));
    }
  g_string_append_c (ev, ']');
}

static void
append_member (GString    *ev,
               const char *key,
               const char *value)
{
  if (value == NULL)
    return;
  g_string_append_printf (ev, ",\"%s\":", key);
  cercle_json_append_string (ev, value);
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
 * Writes one event, recorded now, as the trail stores it: a one-line JSON
 * object of what varies from one AuditEvent to the next (a fifth of the
 * whole resource, which cercle_server_audit_render() writes back). Its
 * number is its place in the chain. Uses no shared state: a reader thread
 * builds the event of its read.
 *
 * Returns: (transfer full): the stored text of the event
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
  GString *ev = g_string_sized_new (256);
  g_autofree char *now = cercle_server_store_now ();

  g_string_append (ev, "{\"t\":\"");
  g_string_append (ev, now);
  g_string_append (ev, "\",\"i\":");
  cercle_json_append_string (ev, interaction);
  g_string_append_printf (ev, ",\"a\":\"%c\",\"o\":%d", action, outcome);
  append_member (ev, "d", description);
  append_member (ev, "l", agent->login);
  append_member (ev, "p", agent->practitioner_id);
  append_member (ev, "g", agent->organization_id);
  append_member (ev, "n", agent->address);
  append_list (ev, "P", patients);
  append_list (ev, "E", entities);
  g_string_append_c (ev, '}');
  return g_string_free (ev, FALSE);
}

static const char *
member_string (JsonObject *obj,
               const char *key)
{
  JsonNode *node = json_object_get_member (obj, key);

  return node && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING
         ? json_node_get_string (node) : NULL;
}

static void
append_entities (GString                *ev,
                 JsonObject             *event,
                 const char             *key,
                 const char             *prefix,
                 CercleAuditVisibleFunc  visible,
                 gpointer                data,
                 gboolean               *first)
{
  JsonNode *node = json_object_get_member (event, key);
  JsonArray *values = node && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;

  for (guint i = 0; values && i < json_array_get_length (values); i++)
    {
      const char *value = json_array_get_string_element (values, i);
      g_autofree char *ref = g_strconcat (prefix, value ? value : "", NULL);

      if (visible && !visible (ref, data))
        continue;

      g_string_append (ev, *first ? "[{\"what\":{\"reference\":" : ",{\"what\":{\"reference\":");
      cercle_json_append_string (ev, ref);
      g_string_append (ev, "}}");
      *first = FALSE;
    }
}

/**
 * cercle_server_audit_render:
 * @stored: the stored text of one event
 * @length: its length
 * @number: its number in the chain (its id is audit-@number)
 *
 * Writes the FHIR AuditEvent of a stored event. Events stored whole (by
 * the first versions of the server) come back as they were.
 *
 * Returns: (transfer full) (nullable): the AuditEvent's JSON, or %NULL if
 *   @stored is not an event
 */
char *
cercle_server_audit_render (const char *stored,
                            gsize       length,
                            gint64      number)
{
  return cercle_server_audit_render_for (stored, length, number, NULL, NULL);
}

/* An event stored whole, without the entities @visible refuses. */
static char *
filter_whole_event (char                   *text,
                    CercleAuditVisibleFunc  visible,
                    gpointer                data)
{
  g_autoptr(JsonNode) node = json_from_string (text, NULL);
  JsonObject *event = node && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
  JsonNode *list = event ? json_object_get_member (event, "entity") : NULL;
  JsonArray *entities = list && JSON_NODE_HOLDS_ARRAY (list) ? json_node_get_array (list) : NULL;
  JsonArray *kept;

  if (entities == NULL)
    return text;
  kept = json_array_new ();
  for (guint i = 0; i < json_array_get_length (entities); i++)
    {
      JsonObject *entity = cercle_fhir_array_get_object (entities, i);
      JsonNode *what_node = entity ? json_object_get_member (entity, "what") : NULL;
      JsonObject *what = what_node && JSON_NODE_HOLDS_OBJECT (what_node) ? json_node_get_object (what_node) : NULL;
      const char *ref = what ? member_string (what, "reference") : NULL;

      if (ref && visible (ref, data))
        json_array_add_element (kept, json_node_copy (json_array_get_element (entities, i)));
    }
  /* Nothing to hide: the row as it was written. */
  if (json_array_get_length (kept) == json_array_get_length (entities))
    {
      json_array_unref (kept);
      return text;
    }
  json_object_set_array_member (event, "entity", kept);
  g_free (text);
  return json_to_string (node, FALSE);
}

/**
 * cercle_server_audit_render_for:
 * @stored: the stored text of one event
 * @length: its length
 * @number: its number in the chain
 * @visible: (nullable): which entities the reader may see
 * @data: for @visible
 *
 * Like cercle_server_audit_render(), for one reader: the event keeps only
 * the patients and resources @visible accepts (an event may name several
 * patients: a history page, a refused move from one file to another).
 *
 * Returns: (transfer full) (nullable): the AuditEvent's JSON
 */
char *
cercle_server_audit_render_for (const char             *stored,
                                gsize                   length,
                                gint64                  number,
                                CercleAuditVisibleFunc  visible,
                                gpointer                data)
{
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GString) ev = NULL;
  g_autofree char *text = g_strndup (stored, length);
  JsonObject *event;
  const char *recorded, *practitioner, *login, *organization, *address, *description;
  gboolean first = TRUE;

  if (g_str_has_prefix (text, WHOLE_EVENT_PREFIX))
    return visible ? filter_whole_event (g_steal_pointer (&text), visible, data) : g_steal_pointer (&text);
  node = json_from_string (text, NULL);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  event = json_node_get_object (node);
  recorded = member_string (event, "t");
  if (recorded == NULL || member_string (event, "i") == NULL || member_string (event, "a") == NULL)
    return NULL;
  practitioner = member_string (event, "p");
  login = member_string (event, "l");
  organization = member_string (event, "g");
  address = member_string (event, "n");
  description = member_string (event, "d");

  ev = g_string_sized_new (1024);
  g_string_append_printf (ev, "{\"resourceType\":\"AuditEvent\",\"id\":\"audit-%" G_GINT64_FORMAT "\","
                              "\"meta\":{\"versionId\":\"1\",\"lastUpdated\":", number);
  cercle_json_append_string (ev, recorded);
  g_string_append (ev, "},\"type\":{\"system\":\"http://terminology.hl7.org/CodeSystem/audit-event-type\","
                       "\"code\":\"rest\",\"display\":\"RESTful Operation\"},"
                       "\"subtype\":[{\"system\":\"http://hl7.org/fhir/restful-interaction\",\"code\":");
  cercle_json_append_string (ev, member_string (event, "i"));
  g_string_append (ev, "}],\"action\":");
  cercle_json_append_string (ev, member_string (event, "a"));
  g_string_append (ev, ",\"recorded\":");
  cercle_json_append_string (ev, recorded);
  g_string_append_printf (ev, ",\"outcome\":\"%d\"", (int) json_object_get_int_member_with_default (event, "o", 0));
  if (description)
    {
      g_string_append (ev, ",\"outcomeDesc\":");
      cercle_json_append_string (ev, description);
    }
  g_string_append (ev, ",\"agent\":[{\"type\":{\"coding\":[{\"system\":"
                       "\"http://terminology.hl7.org/CodeSystem/v3-ParticipationType\",\"code\":\"IRCP\","
                       "\"display\":\"information recipient\"}]},\"who\":{");
  if (practitioner)
    {
      g_autofree char *ref = g_strconcat ("Practitioner/", practitioner, NULL);

      g_string_append (ev, "\"reference\":");
      cercle_json_append_string (ev, ref);
      if (login)
        g_string_append_c (ev, ',');
    }
  if (login)
    {
      g_string_append (ev, "\"display\":");
      cercle_json_append_string (ev, login);
    }
  g_string_append (ev, "},\"requestor\":true");
  if (organization)
    {
      g_autofree char *ref = g_strconcat ("Organization/", organization, NULL);

      /* The structure the desk acts for. */
      g_string_append (ev, ",\"policy\":[");
      cercle_json_append_string (ev, ref);
      g_string_append_c (ev, ']');
    }
  if (address)
    {
      g_string_append (ev, ",\"network\":{\"address\":");
      cercle_json_append_string (ev, address);
      g_string_append (ev, ",\"type\":\"2\"}");
    }
  g_string_append (ev, "}],\"source\":{\"observer\":{\"display\":\"cercle-server\"}}");
  if (json_object_has_member (event, "P") || json_object_has_member (event, "E"))
    {
      g_string_append (ev, ",\"entity\":");
      append_entities (ev, event, "P", "Patient/", visible, data, &first);
      append_entities (ev, event, "E", "", visible, data, &first);
      g_string_append (ev, first ? "[]" : "]");
    }
  g_string_append_c (ev, '}');
  return g_string_free (g_steal_pointer (&ev), FALSE);
}

/**
 * cercle_audit_block_take:
 * @block: the events of the open batch
 * @event: (transfer full): an event from cercle_audit_event_build()
 *
 * Adds @event to the block that the batch writes into the chain just
 * before it commits. The patients it names are added with
 * cercle_audit_block_add_patient().
 */
void
cercle_audit_block_take (CercleAuditBlock *block,
                         char             *event)
{
  g_ptr_array_add (block->events, event);
}

/* A patient named by an event of the block: the link joins its trail. */
void
cercle_audit_block_add_patient (CercleAuditBlock *block,
                                const char       *patient_id)
{
  if (!g_hash_table_contains (block->patients, patient_id))
    g_hash_table_add (block->patients, g_strdup (patient_id));
}

/**
 * cercle_server_audit_append:
 * @store: the store, inside the transaction of the work recorded
 * @block: the events to append; emptied on success
 * @error: return location for a #GError
 *
 * Appends the events of @block to the chain as one link: one row whose
 * text is their stored events, one a line, numbered on from the last event
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
  GHashTableIter iter;
  gpointer patient_id;
  sqlite3_stmt *stmt;
  gint64 seq = 1;

  if (block->events->len == 0)
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

  text = g_string_sized_new (block->events->len * 256);
  for (guint i = 0; i < block->events->len; i++)
    {
      if (i)
        g_string_append_c (text, '\n');
      g_string_append (text, g_ptr_array_index (block->events, i));
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
  g_hash_table_iter_init (&iter, block->patients);
  while (g_hash_table_iter_next (&iter, &patient_id, NULL))
    {
      stmt = cercle_db_prepare (db, "INSERT OR IGNORE INTO audit_patients (patient_id, seq) VALUES (?, ?)", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_text (stmt, 1, patient_id, -1, SQLITE_STATIC);
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
                           cercle_audit_event_build (agent, action, interaction, outcome, description, patients, entities));
  for (guint i = 0; patients && i < patients->len; i++)
    cercle_audit_block_add_patient (block, g_ptr_array_index (patients, i));
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

/**
 * cercle_server_audit_event_patients:
 * @event: the stored text of one event (one line of a link)
 * @length: its length
 *
 * Returns: (transfer full) (element-type utf8): the ids of the patients it
 *   names, empty if it is not an event
 */
GPtrArray *
cercle_server_audit_event_patients (const char *event,
                                    gsize       length)
{
  GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *text = g_strndup (event, length);
  g_autoptr(JsonNode) node = json_from_string (text, NULL);
  JsonObject *obj = node && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
  gboolean whole = g_str_has_prefix (text, WHOLE_EVENT_PREFIX);
  JsonNode *list = obj ? json_object_get_member (obj, whole ? "entity" : "P") : NULL;
  JsonArray *values = list && JSON_NODE_HOLDS_ARRAY (list) ? json_node_get_array (list) : NULL;

  for (guint i = 0; values && i < json_array_get_length (values); i++)
    {
      const char *id = NULL;

      if (!whole)
        {
          JsonNode *value = json_array_get_element (values, i);

          if (JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_STRING)
            id = json_node_get_string (value);
        }
      else
        {
          /* entity[].what.reference = "Patient/ID" */
          JsonObject *entity = cercle_fhir_array_get_object (values, i);
          JsonNode *what_node = entity ? json_object_get_member (entity, "what") : NULL;
          JsonObject *what = what_node && JSON_NODE_HOLDS_OBJECT (what_node) ? json_node_get_object (what_node) : NULL;
          const char *ref = what ? member_string (what, "reference") : NULL;

          if (ref && g_str_has_prefix (ref, "Patient/"))
            id = ref + strlen ("Patient/");
        }
      if (id)
        g_ptr_array_add (ids, g_strdup (id));
    }
  return ids;
}

/* Whether the stored event @event (one line of a link) names the patient
 * @patient_id. */
gboolean
cercle_server_audit_event_has_patient (const char *event,
                                       gsize       length,
                                       const char *patient_id)
{
  g_autoptr(GString) quoted = g_string_new (NULL);
  g_autoptr(GPtrArray) patients = NULL;

  /* Most lines of a link are other patients': a quick look first, for the
   * id and its closing quote ("p1" in a line, Patient/p1" in an old row). */
  cercle_json_append_string (quoted, patient_id);
  if (g_strstr_len (event, length, quoted->str + 1) == NULL)
    return FALSE;
  patients = cercle_server_audit_event_patients (event, length);
  return g_ptr_array_find_with_equal_func (patients, patient_id, g_str_equal, NULL);
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
