/* cercle-server-search.c — search, history and paging
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Searches are SQL over the `idx` rows written with each version, always with
 * the access filter of the caller, so a page never holds what the caller may
 * not read. Bundles are assembled as text around the stored JSON: a page of
 * notes costs no JSON parsing.
 *
 * The history feed (the sync service's source) is ordered by the server's
 * commit sequence, oldest first, and pages with an opaque `_cursor` so that
 * no change is skipped or repeated between pages even when many share one
 * instant; `_since` filters by meta.lastUpdated as FHIR says.
 */
#define G_LOG_DOMAIN "cercle-server"

#include "config.h"

#include <libsoup/soup.h>
#include <math.h>
#include <string.h>

#include "cercle-fhir.h"
#include "cercle-server-access.h"
#include "cercle-server-audit.h"
#include "cercle-server-search.h"
#include "cercle-server-sync.h"
#include "cercle-text.h"

#define DEFAULT_COUNT 50
#define MAX_COUNT 1000

typedef enum {
  KIND_REFERENCE,
  KIND_TOKEN,
  KIND_WORDS,
  KIND_DATE,
  KIND_NEAR,
} ParamKind;

typedef struct {
  const char *type;
  const char *param;
  ParamKind   kind;
  const char *target;     /* for references given as a bare id */
  const char *index_as;   /* the idx param, when it differs */
  gboolean    single;     /* at most one value per resource: can drive a join */
} SearchParam;

static const SearchParam search_params[] = {
  { "CareTeam", "participant", KIND_REFERENCE, "Practitioner", NULL },
  { "CareTeam", "patient", KIND_REFERENCE, "Patient", NULL, TRUE },
  { "CareTeam", "status", KIND_TOKEN, NULL, NULL, TRUE },
  { "CareTeam", "subject", KIND_REFERENCE, "Patient", "patient", TRUE },
  { "Communication", "category", KIND_TOKEN, NULL, NULL },
  { "Communication", "patient", KIND_REFERENCE, "Patient", NULL, TRUE },
  { "Communication", "subject", KIND_REFERENCE, "Patient", NULL, TRUE },
  { "HealthcareService", "identifier", KIND_TOKEN, NULL, NULL },
  { "HealthcareService", "location", KIND_REFERENCE, "Location", NULL },
  { "HealthcareService", "name", KIND_WORDS, NULL, NULL },
  { "HealthcareService", "near", KIND_NEAR, NULL, NULL },
  { "HealthcareService", "organization", KIND_REFERENCE, "Organization", NULL, TRUE },
  { "HealthcareService", "service-type", KIND_TOKEN, NULL, "type" },
  { "HealthcareService", "type", KIND_TOKEN, NULL, NULL },
  { "Location", "identifier", KIND_TOKEN, NULL, NULL },
  { "Location", "name", KIND_WORDS, NULL, NULL },
  { "Location", "near", KIND_NEAR, NULL, NULL },
  { "Location", "organization", KIND_REFERENCE, "Organization", NULL, TRUE },
  { "Organization", "identifier", KIND_TOKEN, NULL, NULL },
  { "Organization", "name", KIND_WORDS, NULL, NULL },
  { "Organization", "near", KIND_NEAR, NULL, NULL },
  { "Organization", "type", KIND_TOKEN, NULL, NULL },
  { "Patient", "birthdate", KIND_DATE, NULL, NULL, TRUE },
  { "Patient", "identifier", KIND_TOKEN, NULL, NULL },
  { "Patient", "name", KIND_WORDS, NULL, NULL },
  { "Practitioner", "identifier", KIND_TOKEN, NULL, NULL },
  { "Practitioner", "name", KIND_WORDS, NULL, NULL },
  { "PractitionerRole", "identifier", KIND_TOKEN, NULL, NULL },
  { "PractitionerRole", "organization", KIND_REFERENCE, "Organization", NULL, TRUE },
  { "PractitionerRole", "practitioner", KIND_REFERENCE, "Practitioner", NULL, TRUE },
  { "RelatedPerson", "identifier", KIND_TOKEN, NULL, NULL },
  { "RelatedPerson", "name", KIND_WORDS, NULL, NULL },
  { "RelatedPerson", "patient", KIND_REFERENCE, "Patient", NULL, TRUE },
  { "ServiceRequest", "patient", KIND_REFERENCE, "Patient", NULL, TRUE },
  { "ServiceRequest", "requisition", KIND_TOKEN, NULL, NULL },
  { "ServiceRequest", "status", KIND_TOKEN, NULL, NULL, TRUE },
  { "ServiceRequest", "subject", KIND_REFERENCE, "Patient", NULL, TRUE },
  { "Task", "business-status", KIND_TOKEN, NULL, NULL },
  { "Task", "focus", KIND_REFERENCE, "ServiceRequest", NULL, TRUE },
  { "Task", "owner", KIND_REFERENCE, "Organization", NULL, TRUE },
  { "Task", "patient", KIND_REFERENCE, "Patient", NULL, TRUE },
  { "Task", "requester", KIND_REFERENCE, "Practitioner", NULL, TRUE },
  { "Task", "status", KIND_TOKEN, NULL, NULL, TRUE },
};

/* The searchParam list of @type for the CapabilityStatement. */
JsonArray *
cercle_server_search_capability (const char *type)
{
  static const char * const kind_names[] = { "reference", "token", "string", "date", "special" };
  JsonArray *arr = json_array_new ();
  JsonObject *p;

  p = json_object_new ();
  json_object_set_string_member (p, "name", "_id");
  json_object_set_string_member (p, "type", "token");
  json_array_add_object_element (arr, p);
  p = json_object_new ();
  json_object_set_string_member (p, "name", "_lastUpdated");
  json_object_set_string_member (p, "type", "date");
  json_array_add_object_element (arr, p);
  for (guint i = 0; i < G_N_ELEMENTS (search_params); i++)
    {
      if (!g_str_equal (search_params[i].type, type))
        continue;
      p = json_object_new ();
      json_object_set_string_member (p, "name", search_params[i].param);
      json_object_set_string_member (p, "type", kind_names[search_params[i].kind]);
      if (search_params[i].kind == KIND_NEAR)
        json_object_set_string_member (p, "documentation", "latitude|longitude|distance|km, nearest first");
      json_array_add_object_element (arr, p);
    }
  return arr;
}

static const SearchParam *
find_param (const char *type,
            const char *param)
{
  for (guint i = 0; i < G_N_ELEMENTS (search_params); i++)
    if (g_str_equal (search_params[i].type, type) && g_str_equal (search_params[i].param, param))
      return &search_params[i];
  return NULL;
}

void
cercle_json_append_string (GString    *s,
                           const char *text)
{
  g_string_append_c (s, '"');
  for (const char *p = text; *p; p++)
    {
      guchar c = *p;

      if (c == '"' || c == '\\')
        {
          g_string_append_c (s, '\\');
          g_string_append_c (s, c);
        }
      else if (c < 0x20)
        g_string_append_printf (s, "\\u%04x", c);
      else
        g_string_append_c (s, c);
    }
  g_string_append_c (s, '"');
}

static void
bind_add_string (GPtrArray  *binds,
                 const char *value)
{
  g_ptr_array_add (binds, g_variant_ref_sink (g_variant_new_string (value)));
}

static void
bind_add_double (GPtrArray *binds,
                 double     value)
{
  g_ptr_array_add (binds, g_variant_ref_sink (g_variant_new_double (value)));
}

static void
bind_add_int64 (GPtrArray *binds,
                gint64     value)
{
  g_ptr_array_add (binds, g_variant_ref_sink (g_variant_new_int64 (value)));
}

/* A plain decimal number (digits, one point, a sign, an exponent) within
 * [@min, @max]: not "NaN", "inf", "0x1p3" nor an empty string, which
 * g_ascii_strtod() takes too, and NaN passes every range check. */
static gboolean
parse_decimal (const char *text,
               double      min,
               double      max,
               double     *out)
{
  char *end = NULL;
  double value;

  if (text == NULL || *text == '\0' || strspn (text, "+-.0123456789eE") != strlen (text))
    return FALSE;
  value = g_ascii_strtod (text, &end);
  if (end == text || *end != '\0' || !isfinite (value) || value < min || value > max)
    return FALSE;
  *out = value;
  return TRUE;
}

static gboolean
parse_count (GHashTable  *query,
             gint64      *count,
             GError     **error)
{
  const char *text = query ? g_hash_table_lookup (query, "_count") : NULL;
  guint64 n;

  *count = DEFAULT_COUNT;
  if (text == NULL)
    return TRUE;
  if (!g_ascii_string_to_unsigned (text, 10, 1, G_MAXINT32, &n, NULL))
    {
      g_set_error (error, CERCLE_SERVER_ERROR, CERCLE_SERVER_ERROR_INVALID, "_count must be a number from 1");
      return FALSE;
    }
  *count = MIN ((gint64) n, MAX_COUNT);
  return TRUE;
}

/* The page link: the same query with one parameter replaced. */
static char *
page_url (const char *base,
          const char *path,
          GHashTable *query,
          const char *key,
          const char *value)
{
  g_autoptr(GHashTable) copy = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree char *encoded = NULL;
  GHashTableIter iter;
  gpointer k, v;

  if (query)
    {
      g_hash_table_iter_init (&iter, query);
      while (g_hash_table_iter_next (&iter, &k, &v))
        g_hash_table_insert (copy, k, v);
    }
  if (key)
    {
      if (value)
        g_hash_table_insert (copy, (gpointer) key, (gpointer) value);
      else
        g_hash_table_remove (copy, key);
    }
  encoded = soup_form_encode_hash (copy);
  return g_strdup_printf ("%s/%s%s%s", base, path, *encoded ? "?" : "", encoded);
}

static void
append_link (GString    *body,
             gboolean   *first,
             const char *relation,
             const char *url)
{
  if (!*first)
    g_string_append_c (body, ',');
  *first = FALSE;
  g_string_append (body, "{\"relation\":");
  cercle_json_append_string (body, relation);
  g_string_append (body, ",\"url\":");
  cercle_json_append_string (body, url);
  g_string_append_c (body, '}');
}

/* @sync_url and @access_tag: for the system history feed only
 * (cercle-server-sync.c) */
static void
append_bundle_start (GString    *body,
                     const char *bundle_type,
                     const char *self_url,
                     const char *next_url,
                     const char *sync_url,
                     const char *access_tag)
{
  g_autofree char *id = g_uuid_string_random ();
  g_autofree char *now = cercle_server_store_now ();
  gboolean first = TRUE;

  g_string_append (body, "{\"resourceType\":\"Bundle\",\"id\":");
  cercle_json_append_string (body, id);
  g_string_append (body, ",\"meta\":{\"lastUpdated\":");
  cercle_json_append_string (body, now);
  if (access_tag)
    {
      g_string_append (body, ",\"tag\":[{\"system\":\"" CERCLE_SERVER_SYNC_ACCESS_SYSTEM "\",\"code\":");
      cercle_json_append_string (body, access_tag);
      g_string_append (body, "}]");
    }
  g_string_append (body, "},\"type\":");
  cercle_json_append_string (body, bundle_type);
  g_string_append (body, ",\"link\":[");
  append_link (body, &first, "self", self_url);
  if (next_url)
    append_link (body, &first, "next", next_url);
  if (sync_url)
    append_link (body, &first, "sync", sync_url);
  g_string_append (body, "],\"entry\":[");
}

/* Makes room for @extra more bytes at once, instead of doubling its way
 * there (a page of history is tens of kilobytes). */
static void
reserve (GString *body,
         gsize    extra)
{
  gsize len = body->len;

  g_string_set_size (body, len + extra);
  g_string_truncate (body, len);
}

/* The entries of a page were written at @start of @body, straight from
 * their rows: the head (with the next link, known only once the rows are
 * read) goes in front of them, and the bundle is closed. */
static void
finish_bundle_full (GString    *body,
                    gsize       start,
                    const char *bundle_type,
                    const char *self_url,
                    const char *next_url,
                    const char *sync_url,
                    const char *access_tag)
{
  g_autoptr(GString) head = g_string_sized_new (512);

  append_bundle_start (head, bundle_type, self_url, next_url, sync_url, access_tag);
  g_string_insert_len (body, start, head->str, head->len);
  g_string_append (body, "]}");
}

static void
finish_bundle (GString    *body,
               gsize       start,
               const char *bundle_type,
               const char *self_url,
               const char *next_url)
{
  finish_bundle_full (body, start, bundle_type, self_url, next_url, NULL, NULL);
}

static void
note_patient (CercleSearchContext *ctx,
              const char          *patient_id)
{
  if (patient_id && ctx->patients && !g_hash_table_contains (ctx->patients, patient_id))
    g_hash_table_add (ctx->patients, g_strdup (patient_id));
}

/* "ge2026-01-01" → (">=", instant) */
static gboolean
add_instant_clause (GString     *sql,
                    GPtrArray   *binds,
                    const char  *column,
                    const char  *value,
                    GError     **error)
{
  const char *op = NULL;
  g_autofree char *instant = NULL;

  if (g_str_has_prefix (value, "ge"))
    op = ">=";
  else if (g_str_has_prefix (value, "gt"))
    op = ">";
  else if (g_str_has_prefix (value, "le"))
    op = "<=";
  else if (g_str_has_prefix (value, "lt"))
    op = "<";
  else if (g_str_has_prefix (value, "eq"))
    op = "=";
  if (op)
    value += 2;
  else
    op = "=";
  instant = cercle_server_store_normalize_instant (value);
  if (instant == NULL)
    {
      g_set_error (error, CERCLE_SERVER_ERROR, CERCLE_SERVER_ERROR_INVALID, "“%s” is not a date or instant", value);
      return FALSE;
    }
  if (g_str_equal (op, "=") && strlen (value) == 10)
    {
      /* A whole day. */
      g_autoptr(GDateTime) start = g_date_time_new_from_iso8601 (instant, NULL);
      g_autoptr(GDateTime) end = g_date_time_add_days (start, 1);
      g_autofree char *end_text = g_date_time_format_iso8601 (end);
      g_autofree char *end_instant = cercle_server_store_normalize_instant (end_text);

      g_string_append_printf (sql, " AND %s >= ? AND %s < ?", column, column);
      bind_add_string (binds, instant);
      bind_add_string (binds, end_instant);
      return TRUE;
    }
  g_string_append_printf (sql, " AND %s %s ?", column, op);
  bind_add_string (binds, instant);
  return TRUE;
}

typedef struct {
  double lat, lon, cos_lat;
  gboolean set;
} Near;

static gboolean
add_param_clause (GString            *sql,
                  GPtrArray          *binds,
                  const SearchParam  *sp,
                  const char         *value,
                  Near               *near,
                  GError            **error)
{
  const char *param = sp->index_as ? sp->index_as : sp->param;

  switch (sp->kind)
    {
    case KIND_REFERENCE:
      {
        g_auto(GStrv) values = g_strsplit (value, ",", 32);

        g_string_append (sql, " AND r.id IN (SELECT i.id FROM idx i WHERE i.type = ?1 AND i.param = ? AND i.value IN (");
        bind_add_string (binds, param);
        for (guint i = 0; values[i]; i++)
          {
            g_autofree char *ref = strchr (values[i], '/') ? g_strdup (values[i])
                                                          : g_strdup_printf ("%s/%s", sp->target, values[i]);
            g_string_append (sql, i ? ", ?" : "?");
            bind_add_string (binds, ref);
          }
        g_string_append (sql, "))");
        return TRUE;
      }
    case KIND_TOKEN:
      {
        g_auto(GStrv) values = g_strsplit (value, ",", 32);

        g_string_append (sql, " AND r.id IN (SELECT i.id FROM idx i WHERE i.type = ?1 AND i.param = ? AND (");
        bind_add_string (binds, param);
        for (guint i = 0; values[i]; i++)
          {
            const char *bar = strchr (values[i], '|');

            if (i)
              g_string_append (sql, " OR ");
            if (bar)
              {
                g_autofree char *system = g_strndup (values[i], bar - values[i]);

                if (*system)
                  {
                    g_string_append (sql, "(i.value = ? AND i.system = ?)");
                    bind_add_string (binds, bar + 1);
                    bind_add_string (binds, system);
                  }
                else
                  {
                    g_string_append (sql, "(i.value = ? AND i.system IS NULL)");
                    bind_add_string (binds, bar + 1);
                  }
              }
            else
              {
                g_string_append (sql, "i.value = ?");
                bind_add_string (binds, values[i]);
              }
          }
        g_string_append (sql, "))");
        return TRUE;
      }
    case KIND_WORDS:
      {
        g_autofree char *folded = cercle_text_fold (value);
        g_auto(GStrv) words = g_regex_split_simple ("[^a-z0-9]+", folded, 0, 0);
        guint n = 0;

        for (guint i = 0; words[i]; i++)
          {
            g_autofree char *upper = NULL;

            if (*words[i] == '\0')
              continue;
            /* Prefix match: folded words hold only [a-z0-9], all below '~'. */
            upper = g_strconcat (words[i], "~", NULL);
            g_string_append (sql, " AND r.id IN (SELECT i.id FROM idx i WHERE i.type = ?1"
                                  " AND i.param = ? AND i.value >= ? AND i.value < ?)");
            bind_add_string (binds, param);
            bind_add_string (binds, words[i]);
            bind_add_string (binds, upper);
            n++;
          }
        if (n == 0)
          {
            g_set_error (error, CERCLE_SERVER_ERROR, CERCLE_SERVER_ERROR_INVALID, "%s needs letters or digits", sp->param);
            return FALSE;
          }
        return TRUE;
      }
    case KIND_DATE:
      {
        const char *v = g_str_has_prefix (value, "eq") ? value + 2 : value;
        g_autoptr(GDate) date = g_date_new ();

        if (strlen (v) != 10 || (g_date_set_parse (date, v), !g_date_valid (date)))
          {
            g_set_error (error, CERCLE_SERVER_ERROR, CERCLE_SERVER_ERROR_INVALID, "%s takes a date YYYY-MM-DD", sp->param);
            return FALSE;
          }
        g_string_append (sql, " AND r.id IN (SELECT i.id FROM idx i WHERE i.type = ?1 AND i.param = ? AND i.value = ?)");
        bind_add_string (binds, param);
        bind_add_string (binds, v);
        return TRUE;
      }
    case KIND_NEAR:
      {
        g_auto(GStrv) parts = g_strsplit (value, "|", 4);
        double lat, lon, distance = 50, dlat, dlon;

        if (g_strv_length (parts) < 2)
          goto bad_near;
        if (!parse_decimal (parts[0], -90, 90, &lat) || !parse_decimal (parts[1], -180, 180, &lon))
          goto bad_near;
        if (parts[2] && *parts[2])
          {
            /* Half the Earth's circumference, in metres or kilometres. */
            if (!parse_decimal (parts[2], 0, 20038000, &distance) || distance <= 0)
              goto bad_near;
            if (parts[3] && g_str_equal (parts[3], "m"))
              distance /= 1000;
            else if (parts[3] && *parts[3] && !g_str_equal (parts[3], "km"))
              goto bad_near;
          }
        near->set = TRUE;
        near->lat = lat;
        near->lon = lon;
        near->cos_lat = cos (lat * G_PI / 180);
        /* Equirectangular: plenty within a département. */
        dlat = distance / 111.32;
        dlon = near->cos_lat > 0.01 ? dlat / near->cos_lat : 360;
        g_string_append (sql, " AND EXISTS (SELECT 1 FROM geo g WHERE g.type = r.type AND g.id = r.id"
                              " AND g.lat BETWEEN ? AND ? AND g.lon BETWEEN ? AND ?"
                              " AND ((g.lat - ?) * (g.lat - ?) + (g.lon - ?) * (g.lon - ?) * ?) <= ?)");
        bind_add_double (binds, lat - dlat);
        bind_add_double (binds, lat + dlat);
        bind_add_double (binds, lon - dlon);
        bind_add_double (binds, lon + dlon);
        bind_add_double (binds, lat);
        bind_add_double (binds, lat);
        bind_add_double (binds, lon);
        bind_add_double (binds, lon);
        bind_add_double (binds, near->cos_lat * near->cos_lat);
        bind_add_double (binds, dlat * dlat);
        return TRUE;
      bad_near:
        g_set_error (error, CERCLE_SERVER_ERROR, CERCLE_SERVER_ERROR_INVALID,
                     "near takes latitude|longitude|distance|km");
        return FALSE;
      }
    default:
      g_assert_not_reached ();
    }
  return FALSE;
}

static gboolean
parse_offset (GHashTable  *query,
              const char  *key,
              gint64      *offset,
              GError     **error)
{
  const char *text = query ? g_hash_table_lookup (query, key) : NULL;
  guint64 n = 0;

  *offset = 0;
  if (text && !g_ascii_string_to_unsigned (text, 10, 0, G_MAXINT64, &n, NULL))
    {
      g_set_error (error, CERCLE_SERVER_ERROR, CERCLE_SERVER_ERROR_INVALID, "%s must be a number", key);
      return FALSE;
    }
  *offset = n;
  return TRUE;
}

/* {"fullUrl":"…","resource":JSON  — from a row in the shared column order,
 * as @ctx's account may read it (cercle_server_access_served_json()). */
static void
append_entry_start (GString             *entries,
                    CercleServerStore   *store,
                    CercleSearchContext *ctx,
                    sqlite3_stmt        *stmt)
{
  const char *type = (const char *) sqlite3_column_text (stmt, 0);
  g_autofree char *served = NULL;

  g_string_append (entries, "{\"fullUrl\":\"");
  g_string_append (entries, ctx->base_url);
  g_string_append_c (entries, '/');
  g_string_append (entries, type);
  g_string_append_c (entries, '/');
  g_string_append (entries, (const char *) sqlite3_column_text (stmt, 1));
  g_string_append (entries, "\",\"resource\":");
  /* Only what carries a referral's volets (a ServiceRequest, or one
   * contained) needs the reader's profession: looked up once. */
  if (strstr ((const char *) sqlite3_column_text (stmt, 7), CERCLE_FHIR_EXTENSION_REFERRAL_SECTION))
    {
      if (ctx->medical == 0)
        ctx->medical = (ctx->at_generation ? cercle_server_access_reads_medical_at (store, ctx->account, ctx->generation)
                                           : cercle_server_access_reads_medical (store, ctx->account)) ? 1 : -1;
      served = cercle_server_access_served_json (type, (const char *) sqlite3_column_text (stmt, 7), ctx->medical > 0);
    }
  if (served)
    g_string_append (entries, served);
  else
    g_string_append_len (entries, (const char *) sqlite3_column_text (stmt, 7), sqlite3_column_bytes (stmt, 7));
}

gboolean
cercle_server_search (CercleServerStore    *store,
                      CercleSearchContext  *ctx,
                      const char           *type,
                      GHashTable           *query,
                      GString              *body,
                      GError              **error)
{
  CercleDb *db = cercle_server_store_get_db (store);
  g_autoptr(GString) sql = g_string_new ("SELECT r.type, r.id, r.version, r.last_updated, r.seq, r.deleted, r.patient_id, r.json");
  g_autoptr(GPtrArray) binds = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  gsize start = body->len;
  g_autofree char *self_url = NULL;
  g_autofree char *next_url = NULL;
  Near near = { 0 };
  gint64 n = 0;
  gboolean more = FALSE;
  gint64 count, offset;
  sqlite3_stmt *stmt;
  int rc;
  g_autoptr(GHashTable) no_query = NULL;

  if (!parse_count (query, &count, error) || !parse_offset (query, "_offset", &offset, error))
    return FALSE;
  if (query == NULL)
    query = no_query = g_hash_table_new (g_str_hash, g_str_equal);

  /* The FROM clause and the parameters. */
    {
      /* Sorted, so that one query shape is one prepared statement. */
      g_autoptr(GList) keys = g_list_sort (g_hash_table_get_keys (query), (GCompareFunc) strcmp);
      const char *driver = NULL;

      /* A parameter with one value per resource drives the query from its
       * index rows (a join: no duplicates, no temporary list). */
      for (GList *l = keys; l && driver == NULL; l = l->next)
        {
          const SearchParam *sp = find_param (type, l->data);
          const char *value = g_hash_table_lookup (query, l->data);

          if (sp && sp->single && strchr (value, ',') == NULL &&
              (sp->kind == KIND_REFERENCE || (sp->kind == KIND_TOKEN && strchr (value, '|') == NULL)))
            {
              g_autofree char *ref = NULL;

              driver = l->data;
              if (sp->kind == KIND_REFERENCE && strchr (value, '/') == NULL)
                value = ref = g_strdup_printf ("%s/%s", sp->target, value);
              g_string_append (sql, " FROM idx d JOIN resources r ON r.type = d.type AND r.id = d.id"
                                    " WHERE d.type = ? AND d.param = ? AND d.value = ? AND r.type = ?1 AND r.deleted = 0");
              bind_add_string (binds, type);
              bind_add_string (binds, sp->index_as ? sp->index_as : sp->param);
              bind_add_string (binds, value);
            }
        }
      if (driver == NULL)
        {
          g_string_append (sql, " FROM resources r WHERE r.type = ? AND r.deleted = 0");
          bind_add_string (binds, type);
        }

      for (GList *l = keys; l; l = l->next)
        {
          const char *key = l->data;
          const char *value = g_hash_table_lookup (query, key);
          const SearchParam *sp;

          if (key == driver)
            continue;
          if (g_str_equal (key, "_count") || g_str_equal (key, "_offset") || g_str_equal (key, "_format"))
            continue;
          if (g_str_equal (key, "_id"))
            {
              g_string_append (sql, " AND r.id = ?");
              bind_add_string (binds, value);
              continue;
            }
          if (g_str_equal (key, "_lastUpdated"))
            {
              if (!add_instant_clause (sql, binds, "r.last_updated", value, error))
                return FALSE;
              continue;
            }
          sp = find_param (type, key);
          if (sp == NULL)
            {
              g_set_error (error, CERCLE_SERVER_ERROR, CERCLE_SERVER_ERROR_INVALID,
                           "Search parameter “%s” is not supported on %s", key, type);
              return FALSE;
            }
          if (!add_param_clause (sql, binds, sp, value, &near, error))
            return FALSE;
        }
    }

  cercle_server_access_add_filter (ctx->account, "r", sql, binds);
  if (near.set)
    {
      g_string_append (sql, " ORDER BY (SELECT MIN((g.lat - ?) * (g.lat - ?) + (g.lon - ?) * (g.lon - ?) * ?)"
                            " FROM geo g WHERE g.type = r.type AND g.id = r.id), r.seq");
      bind_add_double (binds, near.lat);
      bind_add_double (binds, near.lat);
      bind_add_double (binds, near.lon);
      bind_add_double (binds, near.lon);
      bind_add_double (binds, near.cos_lat * near.cos_lat);
    }
  else if (strstr (sql->str, "FROM idx d"))
    /* The driving index rows come in commit order: no sort, stops at the page. */
    g_string_append (sql, " ORDER BY d.seq");
  else if (strstr (sql->str, "FROM idx"))
    /* Driven by the index rows of the parameters (the type's other
     * resources are never visited), then sorted. */
    g_string_append (sql, " ORDER BY +r.seq");
  else
    g_string_append (sql, " ORDER BY r.seq");
  g_string_append (sql, " LIMIT ? OFFSET ?");
  bind_add_int64 (binds, count + 1);
  bind_add_int64 (binds, offset);

  stmt = cercle_db_prepare (db, sql->str, error);
  if (stmt == NULL)
    return FALSE;
  cercle_server_access_bind (stmt, binds);
  /* Entries go straight from the row to the text of the page. */
  reserve (body, 16384);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      if (n == count)
        {
          more = TRUE;
          continue;
        }
      if (n++)
        g_string_append_c (body, ',');
      append_entry_start (body, store, ctx, stmt);
      g_string_append (body, ",\"search\":{\"mode\":\"match\"}}");
      note_patient (ctx, (const char *) sqlite3_column_text (stmt, 6));
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      cercle_db_set_error (db, error, "search");
      return FALSE;
    }

  self_url = page_url (ctx->base_url, type, query, NULL, NULL);
  if (more)
    {
      g_autofree char *next_offset = g_strdup_printf ("%" G_GINT64_FORMAT, offset + count);

      next_url = page_url (ctx->base_url, type, query, "_offset", next_offset);
    }

  finish_bundle (body, start, "searchset", self_url, next_url);
  return TRUE;
}

static gboolean
history_page (CercleServerStore    *store,
              CercleSearchContext  *ctx,
              const char           *type,
              const char           *id,
              GHashTable           *query,
              GString              *body,
              GError              **error)
{
  CercleDb *db = cercle_server_store_get_db (store);
  g_autoptr(GString) sql = g_string_new ("SELECT h.type, h.id, h.version, h.last_updated, h.seq, h.deleted, h.patient_id, h.json, h.method"
                                         " FROM history h WHERE h.seq > ?");
  g_autoptr(GPtrArray) binds = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  gsize start = body->len;
  g_autofree char *self_url = NULL;
  g_autofree char *next_url = NULL;
  g_autofree char *path = NULL;
  const char *since = query ? g_hash_table_lookup (query, "_since") : NULL;
  gint64 count, cursor, n = 0, last_seq = 0, bound = 0;
  gboolean more = FALSE;
  gboolean feed = type == NULL && id == NULL;
  g_autofree char *sync_url = NULL;
  g_autofree char *access_tag = NULL;
  sqlite3_stmt *stmt;
  int rc;

  if (!parse_count (query, &count, error) || !parse_offset (query, "_cursor", &cursor, error))
    return FALSE;
  if (query)
    {
      GHashTableIter iter;
      gpointer k;

      g_hash_table_iter_init (&iter, query);
      while (g_hash_table_iter_next (&iter, &k, NULL))
        if (!g_strv_contains ((const char * const[]) { "_since", "_count", "_cursor", "_format", NULL }, k))
          {
            g_set_error (error, CERCLE_SERVER_ERROR, CERCLE_SERVER_ERROR_INVALID,
                         "History parameter “%s” is not supported", (const char *) k);
            return FALSE;
          }
    }
  bind_add_int64 (binds, cursor);
  if (type)
    {
      g_string_append (sql, " AND h.type = ?");
      bind_add_string (binds, type);
    }
  if (id)
    {
      g_string_append (sql, " AND h.id = ?");
      bind_add_string (binds, id);
    }
  if (since)
    {
      g_autofree char *instant = cercle_server_store_normalize_instant (since);

      if (instant == NULL)
        {
          g_set_error (error, CERCLE_SERVER_ERROR, CERCLE_SERVER_ERROR_INVALID, "_since takes an instant");
          return FALSE;
        }
      g_string_append (sql, " AND h.last_updated >= ?");
      bind_add_string (binds, instant);
    }
  /* The page is read in one transaction (cercle_server_history()): it
   * sees the history up to one committed position, and no row past it. */
  if (feed)
    access_tag = cercle_server_sync_access_digest (store, ctx->account, ctx->generation);
  cercle_server_access_add_version_filter (ctx->account, "h", sql, binds);
  g_string_append (sql, " ORDER BY h.seq LIMIT ?");
  bind_add_int64 (binds, count + 1);

  stmt = cercle_db_prepare (db, sql->str, error);
  if (stmt == NULL)
    return FALSE;
  cercle_server_access_bind (stmt, binds);
  reserve (body, 65536);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gboolean created = g_strcmp0 ((const char *) sqlite3_column_text (stmt, 8), "POST") == 0;
      const char *rtype = (const char *) sqlite3_column_text (stmt, 0);
      char number[32];

      if (n == count)
        {
          more = TRUE;
          continue;
        }
      if (n++)
        g_string_append_c (body, ',');
      last_seq = sqlite3_column_int64 (stmt, 4);
      append_entry_start (body, store, ctx, stmt);
      g_string_append (body, created ? ",\"request\":{\"method\":\"POST\",\"url\":\"" : ",\"request\":{\"method\":\"PUT\",\"url\":\"");
      g_string_append (body, rtype);
      if (!created)
        {
          g_string_append_c (body, '/');
          g_string_append (body, (const char *) sqlite3_column_text (stmt, 1));
        }
      g_string_append (body, created ? "\"},\"response\":{\"status\":\"201 Created\",\"etag\":\"W/\\\""
                                        : "\"},\"response\":{\"status\":\"200 OK\",\"etag\":\"W/\\\"");
      g_snprintf (number, sizeof number, "%" G_GINT64_FORMAT, (gint64) sqlite3_column_int64 (stmt, 2));
      g_string_append (body, number);
      g_string_append (body, "\\\"\",\"lastModified\":\"");
      g_string_append (body, (const char *) sqlite3_column_text (stmt, 3));
      g_string_append (body, "\"}}");
      note_patient (ctx, (const char *) sqlite3_column_text (stmt, 6));
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      cercle_db_set_error (db, error, "history");
      return FALSE;
    }

  if (type && id)
    path = g_strdup_printf ("%s/%s/_history", type, id);
  else if (type)
    path = g_strdup_printf ("%s/_history", type);
  else
    path = g_strdup ("_history");
  self_url = page_url (ctx->base_url, path, query, NULL, NULL);
  if (more)
    {
      g_autofree char *next_cursor = g_strdup_printf ("%" G_GINT64_FORMAT, last_seq);

      next_url = page_url (ctx->base_url, path, query, "_cursor", next_cursor);
    }
  if (feed)
    {
      g_autofree char *sync_cursor = NULL;

      /* A page that ends the feed resumes after the newest row of the
       * transaction's snapshot, seen or not: every row up to it is
       * committed, so resuming after it skips nothing
       * (cercle-server-sync.c). */
      if (!more)
        bound = cercle_server_sync_last_seq (store);
      sync_cursor = g_strdup_printf ("%" G_GINT64_FORMAT, more ? last_seq : MAX (bound, cursor));

      sync_url = page_url (ctx->base_url, path, query, "_cursor", sync_cursor);
    }

  finish_bundle_full (body, start, "history", self_url, next_url, sync_url, access_tag);
  return TRUE;
}

/* Whether no read transaction is open on @handle: neither an explicit one
 * nor a statement stepped and not reset. */
static gboolean
no_snapshot_open (sqlite3 *handle)
{
  if (!sqlite3_get_autocommit (handle))
    return FALSE;
  for (sqlite3_stmt *stmt = sqlite3_next_stmt (handle, NULL); stmt; stmt = sqlite3_next_stmt (handle, stmt))
    if (sqlite3_stmt_busy (stmt))
      return FALSE;
  return TRUE;
}

gboolean
cercle_server_history (CercleServerStore    *store,
                       CercleSearchContext  *ctx,
                       const char           *type,
                       const char           *id,
                       GHashTable           *query,
                       GString              *body,
                       GError              **error)
{
  CercleDb *db = cercle_server_store_get_db (store);
  sqlite3_stmt *stmt;
  gboolean ok;

  /* One read transaction for the page: its rows, the feed's bound, the
   * reader's profession and the access digest are read from one snapshot
   * (a row committed meanwhile is in none of them), and
   * SQLite opens it (and revalidates its cache after the writer's commits)
   * once instead of at each statement. A savepoint nests when the writer's
   * connection serves the page inside its batch. Both statements are
   * prepared once. */
  stmt = cercle_db_prepare (db, "SAVEPOINT history_page", error);
  if (stmt == NULL)
    return FALSE;
  /* Read before the snapshot begins (at the first read after the
   * savepoint): what is cached under it is valid for that snapshot. Only
   * when no transaction is open yet on the connection (no batch of the
   * writer's, no statement left running): else the snapshot may be older
   * than the generation, and an odd one caches nothing. */
  ctx->at_generation = no_snapshot_open (cercle_db_get_handle (db));
  ctx->generation = ctx->at_generation ? cercle_server_store_access_generation () : 1;
  if (!cercle_db_step_done (db, stmt, error))
    return FALSE;
  ok = history_page (store, ctx, type, id, query, body, error);
  stmt = cercle_db_prepare (db, "RELEASE history_page", NULL);
  if (stmt)
    cercle_db_step_done (db, stmt, NULL);
  return ok;
}

/* What a reader of the trail may see of an event: the patients whose
 * circle it is in, and the resource versions of those patients' files or
 * of no file. Answers are kept for the page being built. */
typedef struct {
  CercleServerStore   *store;
  const CercleAccount *account;
  GHashTable          *patients;   /* id → GINT_TO_POINTER (1 visible, 2 not) */
} AuditReader;

typedef AuditReader AuditReaderClear;

static void
audit_reader_clear (AuditReader *reader)
{
  g_clear_pointer (&reader->patients, g_hash_table_unref);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (AuditReaderClear, audit_reader_clear)

static gboolean
audit_patient_visible (AuditReader *reader,
                       const char  *patient_id)
{
  gpointer known = g_hash_table_lookup (reader->patients, patient_id);

  if (known == NULL)
    {
      known = GINT_TO_POINTER (cercle_server_access_is_member (reader->store, reader->account, patient_id) ? 1 : 2);
      g_hash_table_insert (reader->patients, g_strdup (patient_id), known);
    }
  return GPOINTER_TO_INT (known) == 1;
}

static gboolean
audit_visible (const char *reference,
               gpointer    data)
{
  AuditReader *reader = data;
  g_auto(GStrv) parts = g_strsplit (reference, "/", 5);
  CercleDb *db = cercle_server_store_get_db (reader->store);
  sqlite3_stmt *stmt;
  g_autofree char *patient_id = NULL;
  guint64 version = 0;
  int rc;

  if (g_strv_length (parts) < 2)
    return FALSE;
  if (g_str_equal (parts[0], "Patient"))
    return audit_patient_visible (reader, parts[1]);
  if (parts[2] && (!g_str_equal (parts[2], "_history") || parts[3] == NULL ||
                   !g_ascii_string_to_unsigned (parts[3], 10, 1, G_MAXINT64, &version, NULL)))
    return FALSE;
  stmt = cercle_db_prepare (db,
                            version ? "SELECT patient_id FROM history WHERE type = ? AND id = ? AND version = ?"
                                    : "SELECT patient_id FROM resources WHERE type = ? AND id = ?",
                            NULL);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, parts[0], -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, parts[1], -1, SQLITE_TRANSIENT);
  if (version)
    sqlite3_bind_int64 (stmt, 3, (gint64) version);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW && sqlite3_column_type (stmt, 0) != SQLITE_NULL)
    patient_id = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW)
    return FALSE;
  return patient_id == NULL || audit_patient_visible (reader, patient_id);
}

/* AuditEvent?entity=Patient/ID: the trail of one patient, for the members
 * of the circle only (others get an empty page, as for any search). */
gboolean
cercle_server_search_audit (CercleServerStore    *store,
                            CercleSearchContext  *ctx,
                            GHashTable           *query,
                            GString              *body,
                            GError              **error)
{
  CercleDb *db = cercle_server_store_get_db (store);
  const char *entity = query ? g_hash_table_lookup (query, "entity") : NULL;
  const char *patient_id;
  g_autofree char *self_url = NULL;
  g_autofree char *next_url = NULL;
  gint64 count, offset;
  gboolean member;
  sqlite3_stmt *stmt;
  int rc;
  guint n = 0;
  g_auto(AuditReaderClear) reader = { 0 };

  if (!parse_count (query, &count, error) || !parse_offset (query, "_offset", &offset, error))
    return FALSE;
  if (query)
    {
      GHashTableIter iter;
      gpointer k;

      g_hash_table_iter_init (&iter, query);
      while (g_hash_table_iter_next (&iter, &k, NULL))
        if (!g_strv_contains ((const char * const[]) { "entity", "_count", "_offset", "_format", NULL }, k))
          {
            g_set_error (error, CERCLE_SERVER_ERROR, CERCLE_SERVER_ERROR_INVALID,
                         "Search parameter “%s” is not supported on AuditEvent", (const char *) k);
            return FALSE;
          }
    }
  if (entity == NULL)
    {
      g_set_error (error, CERCLE_SERVER_ERROR, CERCLE_SERVER_ERROR_INVALID, "AuditEvent searches need entity=Patient/ID");
      return FALSE;
    }
  patient_id = g_str_has_prefix (entity, "Patient/") ? entity + 8 : entity;
  member = cercle_server_access_is_member (store, ctx->account, patient_id);
  reader.store = store;
  reader.account = ctx->account;
  reader.patients = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  /* The links of the chain that hold an event of the patient, in order;
   * a link holds the events of one batch, not all of them the patient's. */
  stmt = cercle_db_prepare (db,
                            "SELECT a.seq, a.json FROM audit_patients p JOIN audit a ON a.seq = p.seq"
                            " WHERE p.patient_id = ? ORDER BY p.seq", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, patient_id, -1, SQLITE_TRANSIENT);

  self_url = page_url (ctx->base_url, "AuditEvent", query, NULL, NULL);
  {
    g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func (g_free);
    gint64 skipped = 0;

    rc = SQLITE_DONE;
    while (member && (gint64) events->len <= count && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
      {
        gint64 number = sqlite3_column_int64 (stmt, 0);
        const char *line = (const char *) sqlite3_column_text (stmt, 1);

        for (; line && *line && (gint64) events->len <= count; number++)
          {
            const char *end = strchr (line, '\n');
            gsize length = end ? (gsize) (end - line) : strlen (line);

            if (cercle_server_audit_event_has_patient (line, length, patient_id))
              {
                char *json;

                if (skipped < offset)
                  skipped++;
                else if ((json = cercle_server_audit_render_for (line, length, number, audit_visible, &reader)))
                  g_ptr_array_add (events, json);
              }
            line = end ? end + 1 : NULL;
          }
      }
    sqlite3_reset (stmt);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
      {
        cercle_db_set_error (db, error, "audit");
        return FALSE;
      }
    if ((gint64) events->len > count)
      {
        g_autofree char *next_offset = g_strdup_printf ("%" G_GINT64_FORMAT, offset + count);

        g_ptr_array_set_size (events, count);
        next_url = page_url (ctx->base_url, "AuditEvent", query, "_offset", next_offset);
      }
    append_bundle_start (body, "searchset", self_url, next_url, NULL, NULL);
    for (guint i = 0; i < events->len; i++)
      {
        const char *json = g_ptr_array_index (events, i);
        g_autofree char *id = NULL;
        const char *p = strstr (json, "\"id\":\"");

        if (p)
          id = g_strndup (p + 6, strcspn (p + 6, "\""));
        if (n++)
          g_string_append_c (body, ',');
        g_string_append_printf (body, "{\"fullUrl\":\"%s/AuditEvent/%s\",\"resource\":", ctx->base_url, id ? id : "");
        g_string_append (body, json);
        g_string_append (body, ",\"search\":{\"mode\":\"match\"}}");
      }
    g_string_append (body, "]}");
  }
  if (member)
    note_patient (ctx, patient_id);
  return TRUE;
}

/* One AuditEvent, if @account is in the circle of a patient it names. */
char *
cercle_server_read_audit (CercleServerStore   *store,
                          const CercleAccount *account,
                          const char          *id,
                          GHashTable          *patients)
{
  CercleDb *db = cercle_server_store_get_db (store);
  sqlite3_stmt *stmt;
  g_autoptr(GPtrArray) ids = NULL;
  g_autofree char *stored = NULL;
  g_auto(AuditReaderClear) reader = { 0 };
  gboolean allowed = FALSE;
  guint64 number;

  /* audit-N is the N-th event: a line of the link that starts at or
   * before N. */
  if (!g_str_has_prefix (id, "audit-") ||
      !g_ascii_string_to_unsigned (id + 6, 10, 1, G_MAXINT64, &number, NULL))
    return NULL;
  stmt = cercle_db_prepare (db, "SELECT seq, json FROM audit WHERE seq <= ? ORDER BY seq DESC LIMIT 1", NULL);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, (gint64) number);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      const char *line = (const char *) sqlite3_column_text (stmt, 1);

      for (gint64 i = sqlite3_column_int64 (stmt, 0); line && i < (gint64) number; i++)
        {
          line = strchr (line, '\n');
          line = line ? line + 1 : NULL;
        }
      if (line)
        {
          gsize length = strcspn (line, "\n");

          stored = g_strndup (line, length);
          ids = cercle_server_audit_event_patients (line, length);
        }
    }
  sqlite3_reset (stmt);
  if (stored == NULL)
    return NULL;
  reader.store = store;
  reader.account = account;
  reader.patients = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < ids->len; i++)
    if (audit_patient_visible (&reader, g_ptr_array_index (ids, i)))
      {
        allowed = TRUE;
        if (patients)
          g_hash_table_add (patients, g_strdup (g_ptr_array_index (ids, i)));
      }
  if (!allowed)
    return NULL;
  /* Only what the reader may see of it. */
  return cercle_server_audit_render_for (stored, strlen (stored), (gint64) number, audit_visible, &reader);
}
