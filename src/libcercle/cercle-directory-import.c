/* cercle-directory-import.c — reading the directory files into the store
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Three formats a user actually downloads, told apart by their content:
 *
 *  - FHIR R4 ndjson (a Bulk Data export): Organization (the FINESS site),
 *    Location (its position, pointing at the Organization) and, for the
 *    intervention zones, HealthcareService (providedBy the Organization,
 *    coverageArea = the communes by INSEE code);
 *  - the official FINESS JSON flow: one big document whose `pmej[].ege[]`
 *    are the sites. It is scanned byte by byte and only one site at a time
 *    is handed to json-glib, so memory stays flat whatever the file size;
 *  - La Poste's base of postcodes (`;`-separated CSV);
 *  - INSEE's official list of communes (the COG as Etalab publishes it: a
 *    JSON array, one commune a line), for the names with accents, the
 *    population and the codes of merged communes.
 *
 * The whole import is one SQLite transaction: a failure, a cancellation or
 * a killed process leaves the previous directory exactly as it was. The
 * spatial and full-text indexes are rebuilt once at the end rather than
 * row by row (faster for the national file, and simpler to keep right).
 */
#define G_LOG_DOMAIN "cercle-directory"

#include "config.h"

#include <math.h>
#include <string.h>

#include "cercle-directory.h"
#include "cercle-directory-import.h"
#include "cercle-fhir-directory.h"
#include "cercle-geo.h"
#include "cercle-i18n.h"
#include "cercle-json-reader.h"
#include "cercle-stream-reader.h"
#include "cercle-text.h"
#include "cercle-validate.h"

#define MAX_RECORD (64 * 1024 * 1024)
#define MAX_DEPTH 256

typedef enum {
  FORMAT_FHIR_NDJSON,
  FORMAT_FINESS_JSON,
  FORMAT_LAPOSTE_CSV,
  FORMAT_COG_JSON,
} Format;

typedef struct {
  CercleDb           *db;
  CercleImportReport *report;
  GCancellable       *cancellable;
  const char         *source;
  CercleImportTick    tick;
  gpointer            tick_data;
  guint64             total_bytes;
  guint64             done_bytes;
  double              last_fraction;
  gint64              last_tick_time;

  gboolean            structures_touched;
  gboolean            communes_touched;
  gboolean            demo_removed;
  GHashTable         *category_labels;  /* code → label written in this import */
  GHashTable         *communes_seen;    /* INSEE → GINT_TO_POINTER (has position) */
  GHashTable         *zones_reset;      /* FINESS whose zone was cleared in this import */

  /* the file being read */
  const char         *file_name;
  CercleStreamReader *reader;
  CercleJsonReader   *json;
} Import;

typedef struct {
  char    *finess;
  char    *name;
  char    *category_code;
  char    *category_label;
  char    *address;
  char    *postcode;
  char    *city;
  char    *commune_code;
  char    *phone;
  double   latitude;
  double   longitude;
  gboolean has_position;
  gboolean closed;
  guint64  line;
} Site;

static void
site_free (Site *site)
{
  g_free (site->finess);
  g_free (site->name);
  g_free (site->category_code);
  g_free (site->category_label);
  g_free (site->address);
  g_free (site->postcode);
  g_free (site->city);
  g_free (site->commune_code);
  g_free (site->phone);
  g_free (site);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Site, site_free)

/* ---------------------------------------------------------------- keys -- */

/**
 * cercle_directory_name_key:
 * @text: a commune name as a person or a file writes it
 *
 * The search key of a commune name: folded (no accents, lower case, dashes
 * as spaces) and with the words "saint"/"sainte" as "st"/"ste", the way La
 * Poste writes them, so that "Saint-Pierre" finds "ST PIERRE".
 *
 * Returns: (transfer full): the key
 */
char *
cercle_directory_name_key (const char *text)
{
  g_autofree char *folded = cercle_text_fold (text);
  g_auto(GStrv) words = g_strsplit (folded, " ", -1);

  for (guint i = 0; words[i]; i++)
    {
      if (strcmp (words[i], "saint") == 0)
        {
          g_free (words[i]);
          words[i] = g_strdup ("st");
        }
      else if (strcmp (words[i], "sainte") == 0)
        {
          g_free (words[i]);
          words[i] = g_strdup ("ste");
        }
    }
  return g_strjoinv (" ", words);
}

/**
 * cercle_directory_city_key:
 * @text: the city of a postal address, e.g. "MEAUX CEDEX"
 *
 * The name key of the commune of a postal address: CEDEX and its number
 * removed.
 *
 * Returns: (transfer full): the key
 */
char *
cercle_directory_city_key (const char *text)
{
  char *key = cercle_directory_name_key (text);
  char *cedex = strstr (key, " cedex");

  if (cedex == NULL && g_str_has_prefix (key, "cedex"))
    cedex = key;
  if (cedex != NULL)
    *cedex = '\0';
  return key;
}

/**
 * cercle_directory_category_number:
 * @code: a FINESS category code, e.g. "354"
 *
 * The category as a number for the spatial index (its third dimension),
 * the same as SQLite's CAST (code AS INTEGER): the leading digits, 0 when
 * there are none.
 *
 * Returns: the number
 */
gint64
cercle_directory_category_number (const char *code)
{
  gint64 n = 0;

  if (code == NULL)
    return 0;
  while (*code == ' ')
    code++;
  for (; g_ascii_isdigit (*code) && n < G_MAXINT32; code++)
    n = n * 10 + (*code - '0');
  return n;
}

/* --------------------------------------------------------- coordinates -- */

static gboolean
parse_number (const char *text,
              double     *out)
{
  char *end = NULL;
  double v;

  if (text == NULL)
    return FALSE;
  while (*text == ' ')
    text++;
  if (*text == '\0')
    return FALSE;
  v = g_ascii_strtod (text, &end);
  while (end && *end == ' ')
    end++;
  if (end == NULL || *end != '\0' || !isfinite (v))
    return FALSE;
  *out = v;
  return TRUE;
}

/* The UTM zone of the projected coordinates of an overseas commune. */
static gboolean
overseas_utm_zone (const char *commune_code,
                   int        *zone,
                   gboolean   *south)
{
  static const struct { const char *prefix; int zone; gboolean south; } zones[] = {
    { "971", 20, FALSE },  /* Guadeloupe */
    { "972", 20, FALSE },  /* Martinique */
    { "973", 22, FALSE },  /* Guyane */
    { "974", 40, TRUE },   /* La Réunion */
    { "975", 21, FALSE },  /* Saint-Pierre-et-Miquelon */
    { "976", 38, TRUE },   /* Mayotte */
    { "977", 20, FALSE },  /* Saint-Barthélemy */
    { "978", 20, FALSE },  /* Saint-Martin */
  };

  if (commune_code == NULL)
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (zones); i++)
    if (g_str_has_prefix (commune_code, zones[i].prefix))
      {
        *zone = zones[i].zone;
        *south = zones[i].south;
        return TRUE;
      }
  return FALSE;
}

/**
 * cercle_directory_parse_coordinates:
 * @commune_code: (nullable): the INSEE code of the address (picks the
 *   projection of a projected pair: UTM overseas, Lambert-93 elsewhere)
 * @x1: (nullable): first pair, X (longitude or easting)
 * @y1: (nullable): first pair, Y (latitude or northing)
 * @x2: (nullable): second pair, X
 * @y2: (nullable): second pair, Y
 * @lat: (out): WGS84 latitude
 * @lon: (out): WGS84 longitude
 * @projected: (out): set when the position was computed from a projected
 *   pair
 *
 * The FINESS JSON flow gives two pairs whose field names cannot be trusted
 * to say which is which: a geographic pair (degrees) and a projected one
 * (metres). They are told apart by their ranges; the geographic pair wins,
 * the projected one is converted only when there is no geographic pair.
 *
 * Returns: %TRUE when a position was found
 */
gboolean
cercle_directory_parse_coordinates (const char *commune_code,
                                    const char *x1,
                                    const char *y1,
                                    const char *x2,
                                    const char *y2,
                                    double     *lat,
                                    double     *lon,
                                    gboolean   *projected)
{
  const char *xs[2] = { x1, x2 };
  const char *ys[2] = { y1, y2 };
  double px = NAN, py = NAN;
  gboolean have_projected = FALSE;

  *projected = FALSE;
  for (guint i = 0; i < 2; i++)
    {
      double x, y;

      if (!parse_number (xs[i], &x) || !parse_number (ys[i], &y))
        continue;
      if (fabs (x) <= 180.0 && fabs (y) <= 90.0)
        {
          if (cercle_geo_is_valid_wgs84 (y, x))
            {
              *lat = y;
              *lon = x;
              return TRUE;
            }
        }
      else if (fabs (x) > 1000.0 && fabs (y) > 1000.0 && !have_projected)
        {
          px = x;
          py = y;
          have_projected = TRUE;
        }
    }

  if (have_projected)
    {
      int zone;
      gboolean south;

      if (overseas_utm_zone (commune_code, &zone, &south))
        *projected = cercle_geo_utm_to_wgs84 (zone, south, px, py, lat, lon);
      else
        *projected = cercle_geo_lambert93_to_wgs84 (px, py, lat, lon);
      return *projected;
    }
  return FALSE;
}

/* ------------------------------------------------------------ progress -- */

static void
tick (Import  *imp,
      gboolean force)
{
  double fraction;
  gint64 now;

  if (imp->tick == NULL || imp->total_bytes == 0)
    return;
  fraction = (double) (imp->done_bytes + (imp->reader ? cercle_stream_reader_get_position (imp->reader) : 0))
             / (double) imp->total_bytes;
  /* The last tenth is for rebuilding the indexes. */
  fraction = MIN (fraction, 1.0) * 0.9;
  now = g_get_monotonic_time ();
  if (!force && (fraction - imp->last_fraction < 0.005 || now - imp->last_tick_time < 50000))
    return;
  imp->last_fraction = fraction;
  imp->last_tick_time = now;
  imp->tick (fraction, imp->tick_data);
}

/* -------------------------------------------------------------- writing -- */

static gboolean
remove_demo (Import  *imp,
             GError **error)
{
  if (imp->demo_removed || g_strcmp0 (imp->source, "demo") == 0)
    return TRUE;
  imp->demo_removed = TRUE;
  /* The demo is a stand-in until a real directory is there. */
  return cercle_db_exec (imp->db,
                         "DELETE FROM dir_zone WHERE finess IN (SELECT finess FROM dir_structure WHERE source = 'demo');"
                         "DELETE FROM dir_structure WHERE source = 'demo';",
                         error);
}

/* Runs @sql, a statement of one or two text parameters (@second %NULL for
 * one): the rows the import adds or removes one at a time. */
static gboolean
exec_texts (Import      *imp,
            const char  *sql,
            const char  *first,
            const char  *second,
            GError     **error)
{
  sqlite3_stmt *stmt = cercle_db_prepare (imp->db, sql, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, first, -1, SQLITE_STATIC);
  if (second)
    sqlite3_bind_text (stmt, 2, second, -1, SQLITE_STATIC);
  return cercle_db_step_done (imp->db, stmt, error);
}

static gboolean
write_category (Import      *imp,
                const char  *code,
                const char  *label,
                GError     **error)
{
  const char *known;

  if (code == NULL || label == NULL || *label == '\0')
    return TRUE;
  known = g_hash_table_lookup (imp->category_labels, code);
  if (known && strcmp (known, label) == 0)
    return TRUE;
  g_hash_table_insert (imp->category_labels, g_strdup (code), g_strdup (label));

  return exec_texts (imp, "INSERT OR REPLACE INTO dir_category (code, label) VALUES (?, ?)",
                     code, label, error);
}

static void
bind_text_or_null (sqlite3_stmt *stmt,
                   int           i,
                   const char   *text)
{
  if (text && *text)
    sqlite3_bind_text (stmt, i, text, -1, SQLITE_STATIC);
  else
    sqlite3_bind_null (stmt, i);
}

static gboolean
write_site (Import      *imp,
            const Site  *site,
            GError     **error)
{
  g_autofree char *city_key = NULL;
  sqlite3_stmt *stmt;

  if (!remove_demo (imp, error))
    return FALSE;
  imp->structures_touched = TRUE;

  if (site->closed)
    {
      if (!exec_texts (imp, "DELETE FROM dir_structure WHERE finess = ?", site->finess, NULL, error))
        return FALSE;
      if (sqlite3_changes (cercle_db_get_handle (imp->db)) > 0)
        cercle_import_report_add_removed (imp->report);
      cercle_import_report_skip (imp->report, imp->file_name, site->line, _("closed site"), FALSE);
      return TRUE;
    }

  if (!write_category (imp, site->category_code, site->category_label, error))
    return FALSE;

  city_key = site->city ? cercle_directory_city_key (site->city) : NULL;
  stmt = cercle_db_prepare (imp->db,
                            "INSERT INTO dir_structure (finess, name, category_code, address, postcode, city,"
                            " city_key, commune_code, phone, latitude, longitude, source)"
                            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                            " ON CONFLICT (finess) DO UPDATE SET name = excluded.name,"
                            " category_code = excluded.category_code, address = excluded.address,"
                            " postcode = excluded.postcode, city = excluded.city, city_key = excluded.city_key,"
                            " commune_code = excluded.commune_code, phone = excluded.phone,"
                            " latitude = excluded.latitude, longitude = excluded.longitude,"
                            " source = excluded.source",
                            error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, site->finess, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, site->name, -1, SQLITE_STATIC);
  bind_text_or_null (stmt, 3, site->category_code);
  bind_text_or_null (stmt, 4, site->address);
  bind_text_or_null (stmt, 5, site->postcode);
  bind_text_or_null (stmt, 6, site->city);
  bind_text_or_null (stmt, 7, city_key);
  bind_text_or_null (stmt, 8, site->commune_code);
  bind_text_or_null (stmt, 9, site->phone);
  if (site->has_position)
    {
      sqlite3_bind_double (stmt, 10, site->latitude);
      sqlite3_bind_double (stmt, 11, site->longitude);
    }
  sqlite3_bind_text (stmt, 12, imp->source, -1, SQLITE_STATIC);
  if (!cercle_db_step_done (imp->db, stmt, error))
    return FALSE;
  cercle_import_report_add_structure (imp->report);
  return TRUE;
}

static gboolean
write_zone (Import             *imp,
            const char         *finess,
            const char * const *codes,
            GError            **error)
{
  imp->structures_touched = TRUE;
  if (!g_hash_table_contains (imp->zones_reset, finess))
    {
      g_hash_table_add (imp->zones_reset, g_strdup (finess));
      if (!exec_texts (imp, "DELETE FROM dir_zone WHERE finess = ?", finess, NULL, error))
        return FALSE;
    }

  for (guint i = 0; codes[i]; i++)
    {
      if (!exec_texts (imp, "INSERT OR IGNORE INTO dir_zone (finess, insee) VALUES (?, ?)",
                       finess, codes[i], error))
        return FALSE;
    }
  return TRUE;
}

/* What is wrong with the FINESS number of a record, or NULL. Pure: the
 * parser thread calls it. */
static char *
finess_problem (const char *finess)
{
  g_autoptr(GError) local_error = NULL;

  if (finess == NULL || *finess == '\0')
    return g_strdup (_("no FINESS number"));
  if (!cercle_validate_finess (finess, NULL, &local_error))
    return g_strdup_printf (_("invalid FINESS number: “%s” (%s)"), finess, local_error->message);
  return NULL;
}

/* Checks the FINESS number of a record; on failure the record is reported
 * and skipped. */
static gboolean
check_finess (Import     *imp,
              const char *finess,
              guint64     line)
{
  g_autofree char *problem = finess_problem (finess);

  if (problem)
    {
      cercle_import_report_skip (imp->report, imp->file_name, line, problem, TRUE);
      return FALSE;
    }
  return TRUE;
}

/* --------------------------------------------------------- json helpers -- */

static const CercleJsonValue *
member (const CercleJsonValue *object,
        const char            *name)
{
  return cercle_json_member (object, name);
}

static const char *
member_string (const CercleJsonValue *object,
               const char            *name)
{
  return cercle_json_member_string (object, name);
}

static const CercleJsonValue *
member_object (const CercleJsonValue *object,
               const char            *name)
{
  return cercle_json_member_object (object, name);
}

static const CercleJsonValue *
member_array (const CercleJsonValue *object,
              const char            *name)
{
  return cercle_json_member_array (object, name);
}

static gboolean
member_number (const CercleJsonValue *object,
               const char            *name,
               double                *out)
{
  const CercleJsonValue *v = member (object, name);

  if (v && v->kind == CERCLE_JSON_NUMBER)
    {
      *out = v->number;
      return TRUE;
    }
  if (v && v->kind == CERCLE_JSON_STRING)
    return parse_number (v->string, out);
  return FALSE;
}

static guint
array_length (const CercleJsonValue *array)
{
  return array && array->kind == CERCLE_JSON_ARRAY ? array->length : 0;
}

/* The i-th element of an array when it is an object. The arrays of a
 * directory record are short: walking them is fine. */
static const CercleJsonValue *
array_object (const CercleJsonValue *array,
              guint                  i)
{
  const CercleJsonValue *v = array->first;

  while (v && i-- > 0)
    v = v->next;
  return v && v->kind == CERCLE_JSON_OBJECT ? v : NULL;
}

static char *
dup_trimmed (const char *text)
{
  if (text == NULL)
    return NULL;
  return g_strstrip (g_strdup (text));
}

/* ----------------------------------------------------------- FHIR ndjson -- */

typedef struct {
  double   latitude;
  double   longitude;
  guint64  line;
} PendingLocation;

typedef struct {
  char    *org_ref;  /* Organization id, when providedBy has no FINESS */
  char    *finess;
  GStrv    codes;
  guint64  line;
} PendingZone;

static void
pending_zone_free (PendingZone *zone)
{
  g_free (zone->org_ref);
  g_free (zone->finess);
  g_strfreev (zone->codes);
  g_free (zone);
}

typedef struct {
  GHashTable *orgs;       /* Organization id → Site (waiting for its Location) */
  GHashTable *locations;  /* Organization id → PendingLocation (came first) */
  GHashTable *org_finess; /* Organization id → FINESS, for the zones */
  GPtrArray  *zones;      /* PendingZone */
} FhirState;

static gboolean
is_site_identifier (const CercleJsonValue *identifier)
{
  const char *system = member_string (identifier, "system");
  const CercleJsonValue *codings = member_array (member_object (identifier, "type"), "coding");

  if (g_strcmp0 (system, "urn:oid:1.2.250.1.71.4.2.2") != 0
      && g_strcmp0 (system, "https://finess.esante.gouv.fr") != 0)
    return FALSE;
  /* Without a type, an IDNST identifier is taken as the site's. */
  if (codings == NULL)
    return TRUE;
  for (guint i = 0; i < array_length (codings); i++)
    {
      const char *code = member_string (array_object (codings, i), "code");

      if (g_strcmp0 (code, "FINEG") == 0 || g_strcmp0 (code, "FINET") == 0)
        return TRUE;
    }
  return FALSE;
}

static char *
finess_from_identifier (const char *value)
{
  /* An IDNST is "1" + the FINESS number. */
  if (value && strlen (value) == 10 && value[0] == '1')
    return g_strdup (value + 1);
  return g_strdup (value);
}

static char *
address_insee_code (const CercleJsonValue *address)
{
  const CercleJsonValue *extensions = member_array (address, "extension");

  for (guint i = 0; extensions && i < array_length (extensions); i++)
    {
      const CercleJsonValue *ext = array_object (extensions, i);
      const char *url = member_string (ext, "url");
      const char *code;

      if (url == NULL || strstr (url, "insee") == NULL)
        continue;
      code = member_string (member_object (ext, "valueCoding"), "code");
      if (code == NULL)
        code = member_string (ext, "valueCode");
      if (code == NULL)
        code = member_string (ext, "valueString");
      if (code)
        return g_strdup (code);
    }
  return NULL;
}

static Site *
parse_organization (const CercleJsonValue *org,
                    guint64                line,
                    gboolean              *is_site)
{
  g_autoptr(Site) site = g_new0 (Site, 1);
  const CercleJsonValue *array;
  const CercleJsonValue *active;

  *is_site = FALSE;
  site->line = line;

  array = member_array (org, "identifier");
  for (guint i = 0; array && i < array_length (array); i++)
    {
      const CercleJsonValue *identifier = array_object (array, i);

      if (is_site_identifier (identifier))
        {
          site->finess = finess_from_identifier (member_string (identifier, "value"));
          break;
        }
    }
  if (site->finess == NULL)
    return NULL;
  *is_site = TRUE;

  active = member (org, "active");
  site->closed = active && active->kind == CERCLE_JSON_FALSE;

  site->name = dup_trimmed (member_string (org, "name"));

  array = member_array (org, "type");
  for (guint i = 0; array && i < array_length (array) && site->category_code == NULL; i++)
    {
      const CercleJsonValue *codings = member_array (array_object (array, i), "coding");

      for (guint j = 0; codings && j < array_length (codings); j++)
        {
          const CercleJsonValue *coding = array_object (codings, j);
          const char *system = member_string (coding, "system");

          if (system && (g_str_has_suffix (system, "/CAT_ETAB")
                         || strstr (system, "TRE-R66-CategorieEtablissement") != NULL))
            {
              site->category_code = dup_trimmed (member_string (coding, "code"));
              site->category_label = dup_trimmed (member_string (coding, "display"));
              break;
            }
        }
    }

  array = member_array (org, "address");
  if (array && array_length (array) > 0)
    {
      const CercleJsonValue *address = array_object (array, 0);
      const CercleJsonValue *lines = member_array (address, "line");

      if (lines)
        {
          GString *s = g_string_new (NULL);

          for (const CercleJsonValue *v = lines->first; v; v = v->next)
            {
              if (v->kind != CERCLE_JSON_STRING)
                continue;
              if (s->len > 0)
                g_string_append (s, ", ");
              g_string_append (s, v->string);
            }
          site->address = g_string_free (s, s->len == 0);
        }
      site->postcode = dup_trimmed (member_string (address, "postalCode"));
      site->city = dup_trimmed (member_string (address, "city"));
      site->commune_code = address_insee_code (address);
    }

  array = member_array (org, "telecom");
  for (guint i = 0; array && i < array_length (array); i++)
    {
      const CercleJsonValue *telecom = array_object (array, i);

      if (g_strcmp0 (member_string (telecom, "system"), "phone") == 0)
        {
          site->phone = dup_trimmed (member_string (telecom, "value"));
          break;
        }
    }

  return g_steal_pointer (&site);
}

static const char *
organization_id_from_reference (const char *reference)
{
  if (reference == NULL)
    return NULL;
  if (g_str_has_prefix (reference, "Organization/"))
    return reference + strlen ("Organization/");
  return NULL;
}

/* The FHIR import runs on two threads: one reads, unpacks and parses the
 * lines into Records (no database, no report), the other applies them in
 * order (the Organization/Location pairing, the writes, the report). The
 * two cores of a small machine share the work; the order of the records,
 * hence of the messages, is the file's. */
typedef enum {
  RECORD_ORGANIZATION,
  RECORD_LOCATION,
  RECORD_ZONE,
  RECORD_SKIP,
} RecordKind;

typedef struct {
  RecordKind   kind;
  guint64      line;
  char        *org_id;        /* ORGANIZATION: its id; LOCATION: its managing one */
  Site        *site;          /* ORGANIZATION (NULL: not a site) */
  char        *problem;       /* ORGANIZATION: why it is skipped; SKIP: the reason */
  double       latitude;      /* LOCATION */
  double       longitude;
  PendingZone *zone;          /* ZONE */
  gboolean     with_message;  /* SKIP */
} Record;

static void
record_free (Record *record)
{
  g_free (record->org_id);
  g_clear_pointer (&record->site, site_free);
  g_free (record->problem);
  g_clear_pointer (&record->zone, pending_zone_free);
  g_free (record);
}

static Record *
new_record (RecordKind kind,
            guint64    line)
{
  Record *record = g_new0 (Record, 1);

  record->kind = kind;
  record->line = line;
  return record;
}

static Record *
skip_record (guint64     line,
             const char *reason,
             gboolean    with_message)
{
  Record *record = new_record (RECORD_SKIP, line);

  record->problem = g_strdup (reason);
  record->with_message = with_message;
  return record;
}

static Record *
parse_organization_record (const CercleJsonValue *org,
                           guint64                line)
{
  Record *record = new_record (RECORD_ORGANIZATION, line);
  gboolean is_site;

  record->org_id = g_strdup (member_string (org, "id"));
  record->site = parse_organization (org, line, &is_site);
  if (!is_site)
    {
      /* A legal entity (FINESS EJ) or another kind of organisation: not a
       * place a patient goes to. */
      record->problem = g_strdup (_("Organization without a FINESS site number"));
      return record;
    }
  record->problem = finess_problem (record->site->finess);
  if (record->problem == NULL && !record->site->closed
      && (record->site->name == NULL || *record->site->name == '\0'))
    record->problem = g_strdup (_("no name"));
  return record;
}

static Record *
parse_location_record (const CercleJsonValue *location,
                       guint64                line)
{
  const char *org_id = organization_id_from_reference (member_string (member_object (location,
                                                                                     "managingOrganization"),
                                                                      "reference"));
  const CercleJsonValue *position = member_object (location, "position");
  Record *record;
  double lat, lon;

  if (org_id == NULL)
    return skip_record (line, _("Location without managingOrganization"), TRUE);
  if (position == NULL)
    /* Nothing to add to the site. */
    return skip_record (line, _("Location without position"), FALSE);
  if (!member_number (position, "latitude", &lat) || !member_number (position, "longitude", &lon)
      || !cercle_geo_is_valid_wgs84 (lat, lon))
    return skip_record (line, _("invalid position"), TRUE);

  record = new_record (RECORD_LOCATION, line);
  record->org_id = g_strdup (org_id);
  record->latitude = lat;
  record->longitude = lon;
  return record;
}

static Record *
parse_healthcare_service_record (const CercleJsonValue *service,
                                 guint64                line)
{
  const CercleJsonValue *provided_by = member_object (service, "providedBy");
  const CercleJsonValue *areas = member_array (service, "coverageArea");
  g_autoptr(GStrvBuilder) builder = NULL;
  PendingZone *zone;
  const char *finess;
  Record *record;
  guint i = 0;

  if (areas == NULL || array_length (areas) == 0)
    return skip_record (line, _("HealthcareService without coverageArea"), FALSE);

  finess = member_string (member_object (provided_by, "identifier"), "value");
  zone = g_new0 (PendingZone, 1);
  zone->finess = finess ? finess_from_identifier (finess) : NULL;
  zone->org_ref = g_strdup (organization_id_from_reference (member_string (provided_by, "reference")));
  zone->line = line;
  if (zone->finess == NULL && zone->org_ref == NULL)
    {
      pending_zone_free (zone);
      return skip_record (line, _("HealthcareService without providedBy"), TRUE);
    }

  builder = g_strv_builder_new ();
  for (const CercleJsonValue *area = areas->first; area; area = area->next, i++)
    {
      const char *code = member_string (member_object (area, "identifier"), "value");

      if (code == NULL || !cercle_validate_insee_code (code, NULL))
        {
          g_autofree char *reason = g_strdup_printf (_("invalid zone: coverageArea %u is not an INSEE commune code"), i + 1);

          pending_zone_free (zone);
          return skip_record (line, reason, TRUE);
        }
      g_strv_builder_add (builder, code);
    }
  zone->codes = g_strv_builder_end (builder);

  record = new_record (RECORD_ZONE, line);
  record->zone = zone;
  return record;
}

/* Parses one line into a record. Pure: runs in the parser thread. */
static Record *
parse_fhir_line (CercleJsonReader *json,
                 char             *text,
                 gsize             len,
                 guint64           line)
{
  g_autoptr(GError) parse_error = NULL;
  const CercleJsonValue *root;
  const char *type;

  root = cercle_json_reader_parse (json, text, len, &parse_error);
  if (root == NULL)
    {
      g_autofree char *reason = g_strdup_printf (_("invalid JSON: %s"), parse_error->message);

      return skip_record (line, reason, TRUE);
    }
  type = root->kind == CERCLE_JSON_OBJECT ? member_string (root, "resourceType") : NULL;
  if (type == NULL)
    return skip_record (line, _("not a FHIR resource"), TRUE);
  if (strcmp (type, "Organization") == 0)
    return parse_organization_record (root, line);
  if (strcmp (type, "Location") == 0)
    return parse_location_record (root, line);
  if (strcmp (type, "HealthcareService") == 0)
    return parse_healthcare_service_record (root, line);
  return skip_record (line, _("other FHIR resource"), FALSE);
}

/* Applies a record, in file order. */
static gboolean
apply_record (Import     *imp,
              FhirState  *state,
              Record     *record,
              GError    **error)
{
  PendingLocation *location;
  Site *site;

  switch (record->kind)
    {
    case RECORD_SKIP:
      cercle_import_report_skip (imp->report, imp->file_name, record->line, record->problem,
                                 record->with_message);
      return TRUE;

    case RECORD_ZONE:
      g_ptr_array_add (state->zones, g_steal_pointer (&record->zone));
      return TRUE;

    case RECORD_ORGANIZATION:
      /* Known ids, even of skipped or closed sites, so that their Location
       * is not reported as an orphan. "" when the site was skipped. */
      if (record->org_id)
        g_hash_table_insert (state->org_finess, g_strdup (record->org_id),
                             g_strdup (record->problem ? "" : record->site->finess));
      if (record->problem)
        {
          cercle_import_report_skip (imp->report, imp->file_name, record->line, record->problem, TRUE);
          return TRUE;
        }
      if (record->org_id == NULL || record->site->closed)
        return write_site (imp, record->site, error);

      location = g_hash_table_lookup (state->locations, record->org_id);
      if (location)
        {
          record->site->latitude = location->latitude;
          record->site->longitude = location->longitude;
          record->site->has_position = TRUE;
          g_hash_table_remove (state->locations, record->org_id);
          return write_site (imp, record->site, error);
        }
      /* Its Location usually comes on the next line. */
      g_hash_table_replace (state->orgs, g_steal_pointer (&record->org_id), g_steal_pointer (&record->site));
      return TRUE;

    case RECORD_LOCATION:
      site = g_hash_table_lookup (state->orgs, record->org_id);
      if (site)
        {
          gboolean ok;

          site->latitude = record->latitude;
          site->longitude = record->longitude;
          site->has_position = TRUE;
          ok = write_site (imp, site, error);
          g_hash_table_remove (state->orgs, record->org_id);
          return ok;
        }
      if (g_hash_table_contains (state->org_finess, record->org_id))
        {
          /* Its Organization was written already (or skipped, or closed). */
          cercle_import_report_skip (imp->report, imp->file_name, record->line,
                                     _("Location of a site already written"), FALSE);
          return TRUE;
        }
      location = g_new0 (PendingLocation, 1);
      location->latitude = record->latitude;
      location->longitude = record->longitude;
      location->line = record->line;
      g_hash_table_replace (state->locations, g_steal_pointer (&record->org_id), location);
      return TRUE;

    default:
      g_assert_not_reached ();
    }
}

static int
compare_sites_by_line (gconstpointer a,
                       gconstpointer b)
{
  const Site *sa = *(Site * const *) a;
  const Site *sb = *(Site * const *) b;

  return sa->line < sb->line ? -1 : sa->line > sb->line;
}

static gboolean
fhir_finish (Import     *imp,
             FhirState  *state,
             GError    **error)
{
  g_autoptr(GPtrArray) sites = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, state->orgs);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (sites, value);

  /* Sites whose Location never came: kept, without a position (they can be
   * listed and exported, not put on a map). In file order, so that the
   * report reads naturally. */
  g_ptr_array_sort (sites, compare_sites_by_line);
  for (guint i = 0; i < sites->len; i++)
    if (!write_site (imp, g_ptr_array_index (sites, i), error))
      return FALSE;

  g_hash_table_iter_init (&iter, state->locations);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      PendingLocation *location = value;

      cercle_import_report_skip (imp->report, imp->file_name, location->line,
                                 _("Location of an Organization not in the file"), TRUE);
    }

  for (guint i = 0; i < state->zones->len; i++)
    {
      PendingZone *zone = g_ptr_array_index (state->zones, i);
      const char *finess = zone->finess;

      if (finess == NULL)
        finess = g_hash_table_lookup (state->org_finess, zone->org_ref);
      if (finess == NULL || *finess == '\0')
        {
          cercle_import_report_skip (imp->report, imp->file_name, zone->line,
                                     _("HealthcareService of an Organization not in the file"), TRUE);
          continue;
        }
      if (!write_zone (imp, finess, (const char * const *) zone->codes, error))
        return FALSE;
    }
  return TRUE;
}

#define BATCH_RECORDS 512
#define BATCHES_IN_FLIGHT 8

typedef struct {
  GPtrArray *records;  /* Record */
  gboolean   end;
  GError    *error;    /* the read failed (or was cancelled) */
} Batch;

static void
batch_free (Batch *batch)
{
  g_ptr_array_unref (batch->records);
  g_clear_error (&batch->error);
  g_free (batch);
}

static Batch *
batch_new (void)
{
  Batch *batch = g_new0 (Batch, 1);

  batch->records = g_ptr_array_new_full (BATCH_RECORDS, (GDestroyNotify) record_free);
  return batch;
}

typedef struct {
  CercleStreamReader *reader;
  GCancellable       *cancellable;
  GAsyncQueue        *full;    /* Batch, parser → writer */
  GAsyncQueue        *tokens;  /* writer → parser: room for one more batch */
  gint                stop;    /* atomic: the writer gave up */
} Pipeline;

static gpointer
fhir_parser_thread (gpointer user_data)
{
  Pipeline *p = user_data;
  g_autoptr(CercleJsonReader) json = cercle_json_reader_new ();
  Batch *batch = batch_new ();

  for (;;)
    {
      char *text;
      gsize len;
      gboolean too_long;
      guint64 line;

      if (g_atomic_int_get (&p->stop))
        break;
      if (!cercle_stream_reader_read_line (p->reader, &text, &len, &too_long, p->cancellable, &batch->error))
        {
          batch->end = TRUE;
          break;
        }
      line = cercle_stream_reader_get_line (p->reader);
      if (too_long)
        g_ptr_array_add (batch->records, skip_record (line, _("line too long"), TRUE));
      else
        {
          while (len > 0 && g_ascii_isspace (text[len - 1]))
            len--;
          if (len > 0)
            g_ptr_array_add (batch->records, parse_fhir_line (json, text, len, line));
        }

      if (batch->records->len >= BATCH_RECORDS)
        {
          /* Wait for room: memory stays bounded however fast we read. */
          g_async_queue_pop (p->tokens);
          g_async_queue_push (p->full, batch);
          batch = batch_new ();
        }
    }

  g_async_queue_push (p->full, batch);
  return NULL;
}

static gboolean
import_fhir (Import  *imp,
             GError **error)
{
  FhirState state;
  Pipeline pipeline = { 0 };
  GThread *parser;
  gboolean ok = TRUE;
  gboolean ended = FALSE;

  state.orgs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) site_free);
  state.locations = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  state.org_finess = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  state.zones = g_ptr_array_new_with_free_func ((GDestroyNotify) pending_zone_free);

  pipeline.reader = imp->reader;
  pipeline.cancellable = imp->cancellable;
  pipeline.full = g_async_queue_new_full ((GDestroyNotify) batch_free);
  pipeline.tokens = g_async_queue_new ();
  for (guint i = 0; i < BATCHES_IN_FLIGHT; i++)
    g_async_queue_push (pipeline.tokens, GINT_TO_POINTER (1));
  parser = g_thread_new ("cercle-fhir-parser", fhir_parser_thread, &pipeline);

  while (ok && !ended)
    {
      Batch *batch = g_async_queue_pop (pipeline.full);

      for (guint i = 0; ok && i < batch->records->len; i++)
        ok = apply_record (imp, &state, g_ptr_array_index (batch->records, i), error);
      if (ok && batch->error)
        {
          g_propagate_error (error, g_steal_pointer (&batch->error));
          ok = FALSE;
        }
      ended = batch->end;
      batch_free (batch);
      g_async_queue_push (pipeline.tokens, GINT_TO_POINTER (1));

      if (ok && g_cancellable_set_error_if_cancelled (imp->cancellable, error))
        ok = FALSE;
      if (ok)
        tick (imp, FALSE);
    }

  if (!ended)
    {
      /* Stop the parser: it may be waiting for room or reading. */
      g_atomic_int_set (&pipeline.stop, TRUE);
      for (guint i = 0; i < BATCHES_IN_FLIGHT; i++)
        g_async_queue_push (pipeline.tokens, GINT_TO_POINTER (1));
    }
  g_thread_join (parser);
  g_async_queue_unref (pipeline.full);  /* frees the batches left */
  g_async_queue_unref (pipeline.tokens);

  if (ok)
    ok = fhir_finish (imp, &state, error);

  g_hash_table_unref (state.orgs);
  g_hash_table_unref (state.locations);
  g_hash_table_unref (state.org_finess);
  g_ptr_array_unref (state.zones);
  return ok;
}

/* ---------------------------------------------------- FINESS JSON flow -- */

static const CercleJsonValue *
pick_address (const CercleJsonValue *addresses)
{
  const CercleJsonValue *best = NULL;
  int best_score = -1;

  /* The site's geographic address (usage 03) with coordinates first, then
   * any address with coordinates, then the first one. */
  for (guint i = 0; addresses && i < array_length (addresses); i++)
    {
      const CercleJsonValue *address = array_object (addresses, i);
      int score = 0;

      if (address == NULL)
        continue;
      if (member_object (address, "coordonneesGeographique"))
        score += 2;
      if (g_strcmp0 (member_string (address, "usageAdresse"), "03") == 0)
        score += 1;
      if (score > best_score)
        {
          best = address;
          best_score = score;
        }
    }
  return best;
}

static char *
compose_street (const CercleJsonValue *address)
{
  const char *line4 = member_string (address, "ligneQuatre");
  const char *parts[3];
  GString *s;

  if (line4 && *line4)
    return g_strdup (line4);

  parts[0] = member_string (address, "numeroVoie");
  parts[1] = member_string (address, "typeVoie");
  parts[2] = member_string (address, "libelleVoie");
  s = g_string_new (NULL);
  for (guint i = 0; i < G_N_ELEMENTS (parts); i++)
    if (parts[i] && *parts[i])
      {
        if (s->len > 0)
          g_string_append_c (s, ' ');
        g_string_append (s, parts[i]);
      }
  return g_string_free (s, s->len == 0);
}

static gboolean
finess_json_site (Import      *imp,
                  char        *text,
                  gsize        len,
                  guint64      line,
                  GError     **error)
{
  g_autoptr(GError) parse_error = NULL;
  g_autoptr(Site) site = NULL;
  const CercleJsonValue *root;
  const CercleJsonValue *ege, *info, *address, *coords;
  const CercleJsonValue *contacts;
  const char *etat;

  root = cercle_json_reader_parse (imp->json, text, len, &parse_error);
  if (root == NULL)
    {
      g_autofree char *reason = g_strdup_printf (_("invalid JSON: %s"), parse_error->message);

      cercle_import_report_skip (imp->report, imp->file_name, line, reason, TRUE);
      return TRUE;
    }
  ege = root->kind == CERCLE_JSON_OBJECT ? root : NULL;
  info = member_object (ege, "informationsGeneralesEGE");
  if (info == NULL)
    {
      cercle_import_report_skip (imp->report, imp->file_name, line,
                                 _("site without informationsGeneralesEGE"), TRUE);
      return TRUE;
    }

  site = g_new0 (Site, 1);
  site->line = line;
  site->finess = dup_trimmed (member_string (info, "numFinessEge"));
  if (!check_finess (imp, site->finess, line))
    return TRUE;

  etat = member_string (ege, "etatObjet");
  site->closed = member_string (info, "dateFermeture") != NULL || g_strcmp0 (etat, "I") == 0;
  if (site->closed)
    return write_site (imp, site, error);

  site->name = dup_trimmed (member_string (info, "nomEgeLong"));
  if (site->name == NULL || *site->name == '\0')
    {
      g_free (site->name);
      site->name = dup_trimmed (member_string (info, "nomEgeCourt"));
    }
  if (site->name == NULL || *site->name == '\0')
    {
      cercle_import_report_skip (imp->report, imp->file_name, line, _("no name"), TRUE);
      return TRUE;
    }
  site->category_code = dup_trimmed (member_string (ege, "categorieentiteGeographiqueExercice"));

  address = pick_address (member_array (ege, "adresse"));
  if (address)
    {
      gboolean projected;

      site->address = compose_street (address);
      site->postcode = dup_trimmed (member_string (address, "codePostal"));
      site->city = dup_trimmed (member_string (address, "ligneAcheminement"));
      site->commune_code = dup_trimmed (member_string (address, "cogCommune"));
      coords = member_object (address, "coordonneesGeographique");
      if (coords)
        {
          const char *x1 = member_string (coords, "coordonneeX");
          const char *y1 = member_string (coords, "coordonneeY");
          const char *x2 = member_string (coords, "directionLongitude");
          const char *y2 = member_string (coords, "directionLatitude");

          site->has_position = cercle_directory_parse_coordinates (site->commune_code, x1, y1, x2, y2,
                                                                   &site->latitude, &site->longitude,
                                                                   &projected);
          if (!site->has_position && (x1 || y1 || x2 || y2))
            cercle_import_report_warn (imp->report, imp->file_name, line,
                                       _("unusable coordinates: site imported without a position"));
        }
    }

  contacts = member_array (ege, "contact");
  for (guint i = 0; contacts && i < array_length (contacts) && site->phone == NULL; i++)
    site->phone = dup_trimmed (member_string (member_object (array_object (contacts, i), "telecom"),
                                              "telephone"));

  return write_site (imp, site, error);
}

/* The scanner of the JSON flow: it follows strings and brackets only (not
 * the whole grammar) to find the objects at pmej[].ege[] (or a top-level
 * ege[]) and hands each, with the line it starts on, to json-glib. */
enum {
  TAG_NONE,
  TAG_ROOT,
  TAG_PMEJ_ARRAY,
  TAG_PMEJ,
  TAG_EGE_ARRAY,
};

enum {
  KEY_OTHER,
  KEY_PMEJ,
  KEY_EGE,
};

typedef struct {
  guint8   kind[MAX_DEPTH];  /* '{' or '[' */
  guint8   tag[MAX_DEPTH];
  guint8   key[MAX_DEPTH];   /* the current key, in an object */
  guint    depth;
  gboolean in_string;
  gboolean escape;
  char     str[8];           /* the start of the current string */
  guint    str_len;
  guint8   last_string;      /* KEY_* of the last string ended */
  GString *capture;
  guint    capture_depth;
  guint64  capture_line;
  gboolean capture_too_big;
  guint64  line;
  gboolean saw_sites;
} Scanner;

static guint8
classify_key (const Scanner *sc)
{
  if (sc->str_len == 4 && memcmp (sc->str, "pmej", 4) == 0)
    return KEY_PMEJ;
  if (sc->str_len == 3 && memcmp (sc->str, "ege", 3) == 0)
    return KEY_EGE;
  return KEY_OTHER;
}

static guint8
child_tag (const Scanner *sc,
           char           open)
{
  guint8 parent, key;

  if (sc->depth == 0)
    return open == '{' ? TAG_ROOT : TAG_NONE;
  parent = sc->tag[sc->depth - 1];
  key = sc->key[sc->depth - 1];
  if (parent == TAG_ROOT && open == '[' && key == KEY_PMEJ)
    return TAG_PMEJ_ARRAY;
  if (parent == TAG_ROOT && open == '[' && key == KEY_EGE)
    return TAG_EGE_ARRAY;
  if (parent == TAG_PMEJ_ARRAY && open == '{')
    return TAG_PMEJ;
  if (parent == TAG_PMEJ && open == '[' && key == KEY_EGE)
    return TAG_EGE_ARRAY;
  return TAG_NONE;
}

static gboolean
scan (Import      *imp,
      Scanner     *sc,
      const char  *data,
      gsize        len,
      GError     **error)
{
  gsize capture_from = 0;

  for (gsize i = 0; i < len; i++)
    {
      char c = data[i];

      if (c == '\n')
        sc->line++;

      if (sc->in_string)
        {
          if (sc->escape)
            sc->escape = FALSE;
          else if (c == '\\')
            sc->escape = TRUE;
          else if (c == '"')
            {
              sc->in_string = FALSE;
              sc->last_string = classify_key (sc);
            }
          else if (sc->str_len < sizeof sc->str)
            sc->str[sc->str_len++] = c;
          else
            sc->str_len = sizeof sc->str + 1;
          continue;
        }

      switch (c)
        {
        case '"':
          sc->in_string = TRUE;
          sc->str_len = 0;
          break;

        case ':':
          if (sc->depth > 0 && sc->kind[sc->depth - 1] == '{')
            sc->key[sc->depth - 1] = sc->last_string;
          break;

        case '{':
        case '[':
          if (sc->depth == MAX_DEPTH)
            {
              g_set_error (error, CERCLE_DIRECTORY_ERROR, CERCLE_DIRECTORY_ERROR_FORMAT,
                           _("%s:%lu: nested too deeply"), imp->file_name, (gulong) sc->line);
              return FALSE;
            }
          if (sc->capture == NULL && c == '{' && sc->depth > 0 && sc->tag[sc->depth - 1] == TAG_EGE_ARRAY)
            {
              sc->capture = g_string_sized_new (16 * 1024);
              sc->capture_depth = sc->depth;
              sc->capture_line = sc->line;
              sc->capture_too_big = FALSE;
              sc->saw_sites = TRUE;
              capture_from = i;
            }
          sc->tag[sc->depth] = child_tag (sc, c);
          sc->kind[sc->depth] = c;
          sc->key[sc->depth] = KEY_OTHER;
          sc->depth++;
          break;

        case '}':
        case ']':
          if (sc->depth == 0)
            {
              g_set_error (error, CERCLE_DIRECTORY_ERROR, CERCLE_DIRECTORY_ERROR_FORMAT,
                           _("%s:%lu: unbalanced “%c”"), imp->file_name, (gulong) sc->line, c);
              return FALSE;
            }
          sc->depth--;
          if (sc->capture && sc->depth == sc->capture_depth)
            {
              gboolean ok;

              if (!sc->capture_too_big)
                g_string_append_len (sc->capture, data + capture_from, i + 1 - capture_from);
              if (sc->capture_too_big)
                {
                  cercle_import_report_skip (imp->report, imp->file_name, sc->capture_line,
                                             _("site record too large"), TRUE);
                  ok = TRUE;
                }
              else
                ok = finess_json_site (imp, sc->capture->str, sc->capture->len, sc->capture_line, error);
              g_string_free (sc->capture, TRUE);
              sc->capture = NULL;
              if (!ok)
                return FALSE;
            }
          break;

        default:
          break;
        }
    }

  if (sc->capture && !sc->capture_too_big)
    {
      g_string_append_len (sc->capture, data + capture_from, len - capture_from);
      if (sc->capture->len > MAX_RECORD)
        {
          sc->capture_too_big = TRUE;
          g_string_truncate (sc->capture, 0);
        }
    }
  return TRUE;
}

static gboolean
import_finess_json (Import  *imp,
                    GError **error)
{
  Scanner *sc = g_new0 (Scanner, 1);
  gboolean ok = TRUE;

  sc->line = 1;
  for (;;)
    {
      gsize len;
      const char *data = cercle_stream_reader_read_chunk (imp->reader, &len, imp->cancellable, error);

      if (data == NULL)
        {
          ok = error == NULL || *error == NULL;
          break;
        }
      if (!scan (imp, sc, data, len, error))
        {
          ok = FALSE;
          break;
        }
      if (g_cancellable_set_error_if_cancelled (imp->cancellable, error))
        {
          ok = FALSE;
          break;
        }
      tick (imp, FALSE);
    }

  if (ok && (sc->depth > 0 || sc->in_string))
    {
      /* What was read is kept; the user is told the file is cut short. */
      cercle_import_report_skip (imp->report, imp->file_name, sc->capture ? sc->capture_line : sc->line,
                                 _("the document ends before its end (truncated file?)"), TRUE);
    }
  if (ok && !sc->saw_sites)
    {
      g_set_error (error, CERCLE_DIRECTORY_ERROR, CERCLE_DIRECTORY_ERROR_FORMAT,
                   _("%s: no FINESS site (pmej[].ege[]) in this file"), imp->file_name);
      ok = FALSE;
    }

  if (sc->capture)
    g_string_free (sc->capture, TRUE);
  g_free (sc);
  return ok;
}

/* ------------------------------------------------- La Poste postcodes -- */

static gboolean
write_commune (Import      *imp,
               const char  *insee,
               const char  *name,
               const char  *postcode,
               const char  *aliases[2],
               gboolean     has_position,
               double       lat,
               double       lon,
               GError     **error)
{
  g_autofree char *key = cercle_directory_name_key (name);
  gpointer seen_position;
  sqlite3_stmt *stmt;

  imp->communes_touched = TRUE;

  if (!g_hash_table_lookup_extended (imp->communes_seen, insee, NULL, &seen_position))
    {
      /* When INSEE's list is imported too, finish() puts its name back
       * over La Poste's capitals. */
      /* First row of this commune in this import: it replaces what the
       * directory had. */
      g_hash_table_insert (imp->communes_seen, g_strdup (insee), GINT_TO_POINTER (has_position));
      stmt = cercle_db_prepare (imp->db,
                                "INSERT INTO dir_commune (insee, name, name_key, latitude, longitude, source)"
                                " VALUES (?, ?, ?, ?, ?, ?)"
                                " ON CONFLICT (insee) DO UPDATE SET name = excluded.name,"
                                " name_key = excluded.name_key, latitude = excluded.latitude,"
                                " longitude = excluded.longitude, source = excluded.source",
                                error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_text (stmt, 1, insee, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 2, name, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 3, key, -1, SQLITE_STATIC);
      if (has_position)
        {
          sqlite3_bind_double (stmt, 4, lat);
          sqlite3_bind_double (stmt, 5, lon);
        }
      sqlite3_bind_text (stmt, 6, imp->source, -1, SQLITE_STATIC);
      if (!cercle_db_step_done (imp->db, stmt, error))
        return FALSE;

      if (!exec_texts (imp, "DELETE FROM dir_commune_postcode WHERE insee = ?", insee, NULL, error))
        return FALSE;
      if (!exec_texts (imp, "DELETE FROM dir_commune_alias WHERE insee = ?", insee, NULL, error))
        return FALSE;
      cercle_import_report_add_commune (imp->report);
    }
  else if (has_position && !GPOINTER_TO_INT (seen_position))
    {
      g_hash_table_insert (imp->communes_seen, g_strdup (insee), GINT_TO_POINTER (TRUE));
      stmt = cercle_db_prepare (imp->db, "UPDATE dir_commune SET latitude = ?, longitude = ? WHERE insee = ?", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_double (stmt, 1, lat);
      sqlite3_bind_double (stmt, 2, lon);
      sqlite3_bind_text (stmt, 3, insee, -1, SQLITE_STATIC);
      if (!cercle_db_step_done (imp->db, stmt, error))
        return FALSE;
    }

  if (!exec_texts (imp, "INSERT OR IGNORE INTO dir_commune_postcode (postcode, insee) VALUES (?, ?)",
                   postcode, insee, error))
    return FALSE;

  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *alias = NULL;

      if (aliases[i] == NULL || *aliases[i] == '\0')
        continue;
      alias = cercle_directory_name_key (aliases[i]);
      if (*alias == '\0' || strcmp (alias, key) == 0)
        continue;
      if (!exec_texts (imp, "INSERT OR IGNORE INTO dir_commune_alias (key, insee) VALUES (?, ?)",
                       alias, insee, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
laposte_line (Import      *imp,
              char        *text,
              guint64      line,
              GError     **error)
{
  g_auto(GStrv) fields = g_strsplit (text, ";", -1);
  guint n = g_strv_length (fields);
  g_autoptr(GError) local_error = NULL;
  const char *aliases[2];
  double lat = NAN, lon = NAN;
  gboolean has_position = FALSE;

  if (n != 6)
    {
      g_autofree char *reason = g_strdup_printf (_("wrong number of fields: %u instead of 6 (separated by “;”)"), n);

      cercle_import_report_skip (imp->report, imp->file_name, line, reason, TRUE);
      return TRUE;
    }
  for (guint i = 0; i < n; i++)
    g_strstrip (fields[i]);

  if (!cercle_validate_insee_code (fields[0], &local_error))
    {
      g_autofree char *reason = g_strdup_printf (_("invalid INSEE code: “%s” (%s)"), fields[0], local_error->message);

      cercle_import_report_skip (imp->report, imp->file_name, line, reason, TRUE);
      return TRUE;
    }
  if (!cercle_validate_postcode (fields[2], &local_error))
    {
      g_autofree char *reason = g_strdup_printf (_("invalid postcode: “%s” (%s)"), fields[2], local_error->message);

      cercle_import_report_skip (imp->report, imp->file_name, line, reason, TRUE);
      return TRUE;
    }
  if (*fields[1] == '\0')
    {
      cercle_import_report_skip (imp->report, imp->file_name, line, _("no commune name"), TRUE);
      return TRUE;
    }
  if (*fields[5] != '\0')
    {
      g_auto(GStrv) pair = g_strsplit (fields[5], ",", -1);

      if (g_strv_length (pair) != 2 || !parse_number (pair[0], &lat) || !parse_number (pair[1], &lon)
          || !cercle_geo_is_valid_wgs84 (lat, lon))
        {
          g_autofree char *reason = g_strdup_printf (_("invalid coordinates: “%s” is not “latitude,longitude”"),
                                                     fields[5]);

          cercle_import_report_skip (imp->report, imp->file_name, line, reason, TRUE);
          return TRUE;
        }
      has_position = TRUE;
    }

  aliases[0] = fields[3];
  aliases[1] = fields[4];
  return write_commune (imp, fields[0], fields[1], fields[2], aliases, has_position, lat, lon, error);
}

static gboolean
import_laposte (Import  *imp,
                GError **error)
{
  for (;;)
    {
      char *text;
      gsize len;
      gboolean too_long;
      guint64 line;

      if (!cercle_stream_reader_read_line (imp->reader, &text, &len, &too_long, imp->cancellable, error))
        return error == NULL || *error == NULL;
      line = cercle_stream_reader_get_line (imp->reader);
      if (line == 1)
        continue;  /* the header, checked when the format was told */
      if (too_long)
        {
          cercle_import_report_skip (imp->report, imp->file_name, line, _("line too long"), TRUE);
          continue;
        }
      if (len == 0)
        continue;
      if (!g_utf8_validate (text, len, NULL))
        {
          cercle_import_report_skip (imp->report, imp->file_name, line, _("not UTF-8 text"), TRUE);
          continue;
        }
      if (!laposte_line (imp, text, line, error))
        return FALSE;
      if ((line & 0x3ff) == 0)
        {
          if (g_cancellable_set_error_if_cancelled (imp->cancellable, error))
            return FALSE;
          tick (imp, FALSE);
        }
    }
}

/* ----------------------------------------------- INSEE's COG (Etalab) -- */

static gboolean
cog_is_current (const char *type)
{
  /* No type: a list of current communes only. */
  return type == NULL || strcmp (type, "commune-actuelle") == 0
         || strcmp (type, "arrondissement-municipal") == 0;
}

static gboolean
cog_entry (Import                *imp,
           const CercleJsonValue *entry,
           guint64                line,
           GError               **error)
{
  const char *code = member_string (entry, "code");
  const char *name = member_string (entry, "nom");
  const char *type = member_string (entry, "type");
  const char *chef = member_string (entry, "chefLieu");
  const CercleJsonValue *postcodes = member_array (entry, "codesPostaux");
  const CercleJsonValue *former = member_array (entry, "anciensCodes");
  g_autoptr(GError) local_error = NULL;
  g_autofree char *key = NULL;
  gboolean current = cog_is_current (type);
  const char *insee;
  double population = -1;
  gboolean has_population;
  sqlite3_stmt *stmt;

  if (entry->kind != CERCLE_JSON_OBJECT)
    {
      cercle_import_report_skip (imp->report, imp->file_name, line, _("not a commune (a JSON object)"), TRUE);
      return TRUE;
    }
  if (code == NULL || !cercle_validate_insee_code (code, &local_error))
    {
      g_autofree char *reason = g_strdup_printf (_("invalid INSEE code: “%s” (%s)"), code ? code : "",
                                                 local_error ? local_error->message : _("missing"));

      cercle_import_report_skip (imp->report, imp->file_name, line, reason, TRUE);
      return TRUE;
    }
  if (name == NULL || *name == '\0')
    {
      cercle_import_report_skip (imp->report, imp->file_name, line, _("no commune name"), TRUE);
      return TRUE;
    }
  if (!current && (chef == NULL || !cercle_validate_insee_code (chef, NULL)))
    {
      cercle_import_report_skip (imp->report, imp->file_name, line,
                                 _("a delegated or associated commune without its commune (chefLieu)"), TRUE);
      return TRUE;
    }
  insee = current ? code : chef;
  has_population = member_number (entry, "population", &population) && population >= 0;
  key = cercle_directory_name_key (name);
  imp->communes_touched = TRUE;

  stmt = cercle_db_prepare (imp->db,
                            "INSERT OR REPLACE INTO dir_commune_cog (code, name, key, type, insee, population)"
                            " VALUES (?, ?, ?, ?, ?, ?)",
                            error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, code, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, name, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, key, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, type ? type : "commune-actuelle", -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 5, insee, -1, SQLITE_STATIC);
  if (has_population)
    sqlite3_bind_int64 (stmt, 6, (gint64) population);
  if (!cercle_db_step_done (imp->db, stmt, error))
    return FALSE;

  if (!current)
    {
      /* The code of a delegated commune is a former code of its commune. */
      if (strcmp (code, chef) == 0)
        return TRUE;
      return exec_texts (imp, "INSERT OR REPLACE INTO dir_commune_former (code, insee) VALUES (?, ?)",
                         code, chef, error);
    }

  if (!g_hash_table_contains (imp->communes_seen, code))
    {
      /* A commune La Poste has not given yet (in this import): a row
       * without a position, which La Poste's base fills in, before or
       * after. Its postcodes are La Poste's when La Poste gives them. */
      g_hash_table_insert (imp->communes_seen, g_strdup (code), GINT_TO_POINTER (FALSE));
      cercle_import_report_add_commune (imp->report);
    }
  stmt = cercle_db_prepare (imp->db,
                            "INSERT INTO dir_commune (insee, name, name_key, source, population)"
                            " VALUES (?, ?, ?, ?, ?)"
                            " ON CONFLICT (insee) DO UPDATE SET population = excluded.population",
                            error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, code, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, name, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, key, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, imp->source, -1, SQLITE_STATIC);
  if (has_population)
    sqlite3_bind_int64 (stmt, 5, (gint64) population);
  if (!cercle_db_step_done (imp->db, stmt, error))
    return FALSE;

  for (const CercleJsonValue *v = postcodes ? postcodes->first : NULL; v; v = v->next)
    {
      if (v->kind != CERCLE_JSON_STRING || !cercle_validate_postcode (v->string, NULL))
        continue;
      if (!exec_texts (imp, "INSERT OR IGNORE INTO dir_commune_postcode (postcode, insee) VALUES (?, ?)",
                       v->string, code, error))
        return FALSE;
    }
  for (const CercleJsonValue *v = former ? former->first : NULL; v; v = v->next)
    {
      if (v->kind != CERCLE_JSON_STRING || strcmp (v->string, code) == 0
          || !cercle_validate_insee_code (v->string, NULL))
        continue;
      if (!exec_texts (imp, "INSERT OR REPLACE INTO dir_commune_former (code, insee) VALUES (?, ?)",
                       v->string, code, error))
        return FALSE;
    }
  return TRUE;
}

/* Etalab writes the array one commune a line ("[", "{…},", …, "]"); a
 * minified array on one line is read too. Memory stays one line. */
static gboolean
import_cog (Import  *imp,
            GError **error)
{
  /* The list is the whole list: it replaces the previous one. */
  if (!cercle_db_exec (imp->db, "DELETE FROM dir_commune_cog; DELETE FROM dir_commune_former;", error))
    return FALSE;

  for (;;)
    {
      char *text;
      gsize len;
      gboolean too_long;
      guint64 line;
      const CercleJsonValue *value;
      g_autoptr(GError) parse_error = NULL;

      if (!cercle_stream_reader_read_line (imp->reader, &text, &len, &too_long, imp->cancellable, error))
        return error == NULL || *error == NULL;
      line = cercle_stream_reader_get_line (imp->reader);
      if (too_long)
        {
          cercle_import_report_skip (imp->report, imp->file_name, line, _("line too long"), TRUE);
          continue;
        }
      while (len > 0 && g_ascii_isspace (text[len - 1]))
        len--;
      while (len > 0 && g_ascii_isspace (*text))
        text++, len--;
      if (len > 0 && *text == '[' && (len == 1 || text[len - 1] != ']'))
        text++, len--;  /* "[" alone, or "[{…}," on the first line */
      while (len > 0 && (text[len - 1] == ',' || (text[len - 1] == ']' && *text != '[')))
        len--;
      while (len > 0 && g_ascii_isspace (*text))
        text++, len--;
      if (len == 0)
        continue;
      text[len] = '\0';

      value = cercle_json_reader_parse (imp->json, text, len, &parse_error);
      if (value == NULL)
        {
          g_autofree char *reason = g_strdup_printf (_("invalid JSON: %s"), parse_error->message);

          cercle_import_report_skip (imp->report, imp->file_name, line, reason, TRUE);
          continue;
        }
      if (value->kind == CERCLE_JSON_ARRAY)
        {
          for (const CercleJsonValue *v = value->first; v; v = v->next)
            if (!cog_entry (imp, v, line, error))
              return FALSE;
        }
      else if (!cog_entry (imp, value, line, error))
        return FALSE;
      if ((line & 0x3ff) == 0)
        {
          if (g_cancellable_set_error_if_cancelled (imp->cancellable, error))
            return FALSE;
          tick (imp, FALSE);
        }
    }
}

/* ---------------------------------------------------------- the import -- */

static gboolean
detect_format (Import  *imp,
               Format  *format,
               GError **error)
{
  gsize len = 0;
  const char *data = cercle_stream_reader_peek (imp->reader, 64 * 1024, &len, imp->cancellable, error);
  const char *end;
  const char *nl;

  if (data == NULL)
    return FALSE;
  end = data + len;
  if (len >= 3 && memcmp (data, "\xef\xbb\xbf", 3) == 0)
    data += 3;
  while (data < end && g_ascii_isspace (*data))
    data++;

  if (end - data >= 18 && g_ascii_strncasecmp (data, "Code_commune_INSEE", 18) == 0)
    {
      *format = FORMAT_LAPOSTE_CSV;
      return TRUE;
    }
  if (data < end && *data == '[')
    {
      /* A JSON array of communes: {"code": …, "nom": …} */
      if (g_strstr_len (data, end - data, "\"nom\"") != NULL
          && g_strstr_len (data, end - data, "\"code\"") != NULL)
        {
          *format = FORMAT_COG_JSON;
          return TRUE;
        }
    }
  if (data < end && *data == '{')
    {
      nl = memchr (data, '\n', end - data);
      if (g_strstr_len (data, (nl ? nl : end) - data, "\"resourceType\"") != NULL)
        *format = FORMAT_FHIR_NDJSON;
      else
        *format = FORMAT_FINESS_JSON;
      return TRUE;
    }

  g_set_error (error, CERCLE_DIRECTORY_ERROR, CERCLE_DIRECTORY_ERROR_FORMAT,
               _("%s: not a file Cercle can import (FHIR ndjson, FINESS JSON, La Poste CSV or INSEE’s "
                 "list of communes)"),
               imp->file_name);
  return FALSE;
}

static gboolean
import_one (Import  *imp,
            GFile   *file,
            GError **error)
{
  g_autoptr(CercleStreamReader) reader = NULL;
  g_autofree char *name = g_file_get_basename (file);
  Format format;
  gboolean ok;

  imp->file_name = name;
  reader = cercle_stream_reader_open (file, imp->cancellable, error);
  if (reader == NULL)
    return FALSE;
  imp->reader = reader;

  if (!detect_format (imp, &format, error))
    ok = FALSE;
  else if (format == FORMAT_FHIR_NDJSON)
    ok = import_fhir (imp, error);
  else if (format == FORMAT_FINESS_JSON)
    ok = import_finess_json (imp, error);
  else if (format == FORMAT_COG_JSON)
    ok = import_cog (imp, error);
  else
    ok = import_laposte (imp, error);

  /* A read error inside a gzip stream: say which file. */
  if (!ok && error && *error && (*error)->domain != CERCLE_DIRECTORY_ERROR
      && !g_error_matches (*error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
      && (*error)->domain != CERCLE_DB_ERROR)
    g_prefix_error (error, "%s: ", name);

  imp->done_bytes += cercle_stream_reader_get_size (reader);
  imp->reader = NULL;
  imp->file_name = NULL;
  return ok;
}

/* One step of the end of an import: the indexes take seconds on the
 * national file, so the progress moves and a cancellation is heard. */
static gboolean
finish_step (Import      *imp,
             const char  *sql,
             double       fraction,
             GError     **error)
{
  if (!cercle_db_exec (imp->db, sql, error))
    return FALSE;
  if (g_cancellable_set_error_if_cancelled (imp->cancellable, error))
    return FALSE;
  if (imp->tick && fraction > imp->last_fraction)
    {
      imp->last_fraction = fraction;
      imp->tick (fraction, imp->tick_data);
    }
  return TRUE;
}

static gboolean
finish (Import  *imp,
        GError **error)
{
  if (imp->communes_touched)
    {
      if (!cercle_db_exec (imp->db,
                           /* The official names over La Poste's capitals,
                            * whichever file came first. */
                           "UPDATE dir_commune SET name = c.name, population = c.population"
                           "  FROM dir_commune_cog c WHERE c.code = dir_commune.insee"
                           "  AND c.type IN ('commune-actuelle', 'arrondissement-municipal')"
                           "  AND (dir_commune.name IS NOT c.name OR dir_commune.population IS NOT c.population);"
                           /* La Poste may still list a merged commune under
                            * its own code: its official name too. */
                           "UPDATE dir_commune SET name = c.name"
                           "  FROM dir_commune_cog c WHERE c.code = dir_commune.insee AND c.code <> c.insee"
                           "  AND dir_commune.name IS NOT c.name;"
                           "UPDATE dir_commune SET postcodes = COALESCE ("
                           "  (SELECT group_concat (postcode, ', ') FROM"
                           "    (SELECT postcode FROM dir_commune_postcode p"
                           "     WHERE p.insee = dir_commune.insee ORDER BY postcode)), '');"
                           "DELETE FROM dir_commune_fts;"
                           "INSERT INTO dir_commune_fts (key, insee)"
                           "  SELECT name_key, insee FROM dir_commune"
                           "  UNION SELECT key, insee FROM dir_commune_alias"
                           /* the official spelling, and the names of the
                            * delegated communes: they find their commune */
                           "  UNION SELECT g.key, g.insee FROM dir_commune_cog g"
                           "   WHERE EXISTS (SELECT 1 FROM dir_commune m WHERE m.insee = g.insee);",
                           error))
        return FALSE;
    }

  if (imp->communes_touched || imp->structures_touched)
    {
      /* The FHIR export gives the city and postcode of a site, not its
       * INSEE code: find it among the communes (postcode and name, then
       * name in the département, then a postcode of only one commune). */
      if (!finish_step (imp,
                           "UPDATE dir_structure SET commune_code = ("
                           "  SELECT p.insee FROM dir_commune_postcode p JOIN dir_commune c ON c.insee = p.insee"
                           "  WHERE p.postcode = dir_structure.postcode AND (c.name_key = dir_structure.city_key"
                           "   OR EXISTS (SELECT 1 FROM dir_commune_alias a"
                           "              WHERE a.insee = p.insee AND a.key = dir_structure.city_key))"
                           "  ORDER BY p.insee LIMIT 1)"
                           " WHERE commune_code IS NULL AND postcode IS NOT NULL;"
                           "UPDATE dir_structure SET commune_code = ("
                           "  SELECT c.insee FROM dir_commune c WHERE c.name_key = dir_structure.city_key"
                           "  AND substr (c.insee, 1, 2) = substr (dir_structure.postcode, 1, 2)"
                           "  ORDER BY c.insee LIMIT 1)"
                           " WHERE commune_code IS NULL AND city_key IS NOT NULL AND postcode IS NOT NULL;"
                           "UPDATE dir_structure SET commune_code = ("
                           "  SELECT min (p.insee) FROM dir_commune_postcode p"
                           "  WHERE p.postcode = dir_structure.postcode HAVING count (*) = 1)"
                           " WHERE commune_code IS NULL AND postcode IS NOT NULL;",
                           0.93, error))
        return FALSE;
    }

  if (imp->structures_touched)
    {
      /* Dropped and made again rather than emptied: deleting 95,000 rows
       * one by one from an R*Tree costs more than filling it. Same
       * definitions as in the migration (cercle-directory-store.c). */
      if (!finish_step (imp,
                        "DROP TABLE dir_structure_rtree;"
                        "CREATE VIRTUAL TABLE dir_structure_rtree USING rtree ("
                        "  id, min_lat, max_lat, min_lon, max_lon, min_cat, max_cat);"
                        "INSERT INTO dir_structure_rtree"
                        "  SELECT id, latitude, latitude, longitude, longitude,"
                        "   CAST (category_code AS INTEGER), CAST (category_code AS INTEGER)"
                        "  FROM dir_structure WHERE latitude IS NOT NULL AND longitude IS NOT NULL;",
                        0.96, error)
          || !finish_step (imp,
                           "DROP TABLE dir_structure_geo;"
                           "CREATE VIRTUAL TABLE dir_structure_geo USING rtree ("
                           "  id, min_lat, max_lat, min_lon, max_lon);"
                           "INSERT INTO dir_structure_geo"
                           "  SELECT id, latitude, latitude, longitude, longitude"
                           "  FROM dir_structure WHERE latitude IS NOT NULL AND longitude IS NOT NULL;",
                           0.99, error)
          || !finish_step (imp, "INSERT INTO dir_structure_fts (dir_structure_fts) VALUES ('rebuild');",
                           0.995, error))
        return FALSE;
    }
  return TRUE;
}

/**
 * cercle_directory_import_files:
 * @db: the store, used by this thread only
 * @files: (array length=n_files): the files, in order
 * @n_files: how many
 * @demo: %TRUE for the demo directory (its rows are replaced by the next
 *   real import)
 * @tick: (nullable): progress, called in this thread
 * @tick_data: data for @tick
 * @report: counts and messages go here
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Imports @files in one transaction.
 *
 * Returns: %TRUE when committed; on %FALSE the store is as it was
 */
gboolean
cercle_directory_import_files (CercleDb            *db,
                               GFile              **files,
                               guint                n_files,
                               gboolean             demo,
                               CercleImportTick     tick_func,
                               gpointer             tick_data,
                               CercleImportReport  *report,
                               GCancellable        *cancellable,
                               GError             **error)
{
  Import imp = { 0 };
  gboolean ok = TRUE;

  imp.db = db;
  imp.report = report;
  imp.cancellable = cancellable;
  imp.source = demo ? "demo" : "import";
  imp.tick = tick_func;
  imp.tick_data = tick_data;
  imp.last_fraction = -1.0;
  imp.category_labels = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  imp.communes_seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  imp.zones_reset = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  imp.json = cercle_json_reader_new ();

  for (guint i = 0; i < n_files; i++)
    {
      g_autoptr(GFileInfo) info = g_file_query_info (files[i], G_FILE_ATTRIBUTE_STANDARD_SIZE,
                                                     G_FILE_QUERY_INFO_NONE, cancellable, NULL);
      if (info)
        imp.total_bytes += g_file_info_get_size (info);
    }

  if (!cercle_db_begin (db, error))
    ok = FALSE;
  for (guint i = 0; ok && i < n_files; i++)
    ok = import_one (&imp, files[i], error);
  if (ok && g_cancellable_set_error_if_cancelled (cancellable, error))
    ok = FALSE;
  if (ok)
    ok = finish (&imp, error);
  if (ok && g_cancellable_set_error_if_cancelled (cancellable, error))
    ok = FALSE;
  if (ok)
    ok = cercle_db_commit (db, error);
  else
    cercle_db_rollback (db);

  if (ok && imp.tick)
    imp.tick (1.0, imp.tick_data);

  cercle_json_reader_free (imp.json);
  g_hash_table_unref (imp.category_labels);
  g_hash_table_unref (imp.communes_seen);
  g_hash_table_unref (imp.zones_reset);
  return ok;
}

/* ------------------------------------------------ one change at a time -- */

/* The directory's indexes follow its rows one by one here: a change that
 * comes through the sync feed touches a few structures, and rebuilding
 * the indexes of 95,000 (as an import does) would take seconds a page. */
static gboolean
exec_finess (CercleDb    *db,
             const char  *sql,
             const char  *finess,
             GError     **error)
{
  sqlite3_stmt *stmt = cercle_db_prepare (db, sql, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, finess, -1, SQLITE_TRANSIENT);
  return cercle_db_step_done (db, stmt, error);
}

static gboolean
unindex_structure (CercleDb    *db,
                   const char  *finess,
                   GError     **error)
{
  return exec_finess (db,
                      "INSERT INTO dir_structure_fts (dir_structure_fts, rowid, name, city)"
                      " SELECT 'delete', id, name, city FROM dir_structure WHERE finess = ?",
                      finess, error)
         && exec_finess (db,
                         "DELETE FROM dir_structure_rtree WHERE id = (SELECT id FROM dir_structure WHERE finess = ?)",
                         finess, error)
         && exec_finess (db,
                         "DELETE FROM dir_structure_geo WHERE id = (SELECT id FROM dir_structure WHERE finess = ?)",
                         finess, error);
}

static gboolean
index_structure (CercleDb    *db,
                 const char  *finess,
                 GError     **error)
{
  return exec_finess (db,
                      /* same resolution as an import's first step */
                      "UPDATE dir_structure SET commune_code = ("
                      "  SELECT p.insee FROM dir_commune_postcode p JOIN dir_commune c ON c.insee = p.insee"
                      "  WHERE p.postcode = dir_structure.postcode AND (c.name_key = dir_structure.city_key"
                      "   OR EXISTS (SELECT 1 FROM dir_commune_alias a"
                      "              WHERE a.insee = p.insee AND a.key = dir_structure.city_key))"
                      "  ORDER BY p.insee LIMIT 1)"
                      " WHERE finess = ? AND commune_code IS NULL AND postcode IS NOT NULL",
                      finess, error)
         && exec_finess (db,
                         "INSERT INTO dir_structure_fts (rowid, name, city)"
                         " SELECT id, name, city FROM dir_structure WHERE finess = ?",
                         finess, error)
         && exec_finess (db,
                         "INSERT INTO dir_structure_rtree SELECT id, latitude, latitude, longitude, longitude,"
                         " CAST (category_code AS INTEGER), CAST (category_code AS INTEGER)"
                         " FROM dir_structure WHERE finess = ? AND latitude IS NOT NULL AND longitude IS NOT NULL",
                         finess, error)
         && exec_finess (db,
                         "INSERT INTO dir_structure_geo SELECT id, latitude, latitude, longitude, longitude"
                         " FROM dir_structure WHERE finess = ? AND latitude IS NOT NULL AND longitude IS NOT NULL",
                         finess, error);
}

/* What a change of an Organization alone does not say (its position is on
 * its Location, its INSEE code found from the communes) stays as it was. */
static void
keep_known (CercleDb *db,
            Site     *site)
{
  sqlite3_stmt *stmt = cercle_db_prepare (db,
                                          "SELECT latitude, longitude, commune_code, postcode FROM dir_structure"
                                          " WHERE finess = ?",
                                          NULL);

  if (stmt == NULL)
    return;
  sqlite3_bind_text (stmt, 1, site->finess, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      if (!site->has_position && sqlite3_column_type (stmt, 0) != SQLITE_NULL)
        {
          site->latitude = sqlite3_column_double (stmt, 0);
          site->longitude = sqlite3_column_double (stmt, 1);
          site->has_position = TRUE;
        }
      if (site->commune_code == NULL && sqlite3_column_type (stmt, 2) != SQLITE_NULL
          && g_strcmp0 (site->postcode, (const char *) sqlite3_column_text (stmt, 3)) == 0)
        site->commune_code = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
    }
  sqlite3_reset (stmt);
}

/* The FINESS number of the Organization @org_id: from this batch, or from
 * the local copy of the Organization the store holds. */
static char *
finess_of_organization (CercleDb    *db,
                        GHashTable  *batch,
                        const char  *org_id)
{
  const char *known = org_id ? g_hash_table_lookup (batch, org_id) : NULL;
  sqlite3_stmt *stmt;
  char *finess = NULL;

  if (known)
    return *known ? g_strdup (known) : NULL;
  if (org_id == NULL)
    return NULL;
  stmt = cercle_db_prepare (db, "SELECT json FROM resource WHERE type = 'Organization' AND id = ?", NULL);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, org_id, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      g_autoptr(JsonNode) node = json_from_string ((const char *) sqlite3_column_text (stmt, 0), NULL);

      if (node && JSON_NODE_HOLDS_OBJECT (node))
        finess = g_strdup (cercle_fhir_organization_get_finess (json_node_get_object (node)));
    }
  sqlite3_reset (stmt);
  return finess;
}

/**
 * cercle_directory_apply_fhir:
 * @db: the local store, inside the caller's transaction
 * @resources: (array zero-terminated=1): FHIR Organization, Location and
 *   HealthcareService resources as JSON texts, in the order they changed
 * @error: return location for a #GError (the store's)
 *
 * Applies changes of the directory one at a time, as the sync feed brings
 * them after the bulk export: the same mapping as the FHIR import (a site
 * is an Organization with a FINESS site number, its position on its
 * Location, its zone on its HealthcareService), each row's search indexes
 * updated with it. An Organization that is not a site, a resource that
 * cannot be read, or a Location or zone of a site the directory lacks, is
 * left out; an inactive site leaves the directory.
 *
 * Returns: %TRUE on success
 */
gboolean
cercle_directory_apply_fhir (CercleDb            *db,
                             const char * const  *resources,
                             GError             **error)
{
  g_autoptr(CercleImportReport) report = cercle_import_report_new ();
  g_autoptr(GHashTable) batch = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  Import imp = { 0 };
  gboolean ok = TRUE;

  g_return_val_if_fail (CERCLE_IS_DB (db), FALSE);

  imp.db = db;
  imp.report = report;
  imp.source = "import";
  imp.demo_removed = TRUE;   /* the bulk import replaced the demo already */
  imp.category_labels = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  imp.communes_seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  imp.zones_reset = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  imp.json = cercle_json_reader_new ();

  for (guint i = 0; ok && resources && resources[i]; i++)
    {
      g_autofree char *text = g_strdup (resources[i]);
      Record *record = parse_fhir_line (imp.json, text, strlen (text), i + 1);
      g_autofree char *finess = NULL;

      switch (record->kind)
        {
        case RECORD_ORGANIZATION:
          if (record->org_id)
            g_hash_table_replace (batch, g_strdup (record->org_id),
                                  g_strdup (record->problem ? "" : record->site->finess));
          if (record->problem)
            break;
          keep_known (db, record->site);
          ok = unindex_structure (db, record->site->finess, error)
               && write_site (&imp, record->site, error)
               && (record->site->closed || index_structure (db, record->site->finess, error));
          break;

        case RECORD_LOCATION:
          finess = finess_of_organization (db, batch, record->org_id);
          if (finess == NULL)
            break;
          ok = unindex_structure (db, finess, error);
          if (ok)
            {
              sqlite3_stmt *stmt = cercle_db_prepare (db,
                                                      "UPDATE dir_structure SET latitude = ?, longitude = ?"
                                                      " WHERE finess = ?",
                                                      error);

              ok = stmt != NULL;
              if (ok)
                {
                  sqlite3_bind_double (stmt, 1, record->latitude);
                  sqlite3_bind_double (stmt, 2, record->longitude);
                  sqlite3_bind_text (stmt, 3, finess, -1, SQLITE_TRANSIENT);
                  ok = cercle_db_step_done (db, stmt, error);
                }
            }
          ok = ok && index_structure (db, finess, error);
          break;

        case RECORD_ZONE:
          finess = record->zone->finess ? g_strdup (record->zone->finess)
                                        : finess_of_organization (db, batch, record->zone->org_ref);
          if (finess == NULL)
            break;
          /* only for a site the directory has */
          {
            sqlite3_stmt *stmt = cercle_db_prepare (db, "SELECT 1 FROM dir_structure WHERE finess = ?", error);
            gboolean known = FALSE;

            ok = stmt != NULL;
            if (ok)
              {
                sqlite3_bind_text (stmt, 1, finess, -1, SQLITE_TRANSIENT);
                known = sqlite3_step (stmt) == SQLITE_ROW;
                sqlite3_reset (stmt);
              }
            if (ok && known)
              ok = write_zone (&imp, finess, (const char * const *) record->zone->codes, error);
          }
          break;

        case RECORD_SKIP:
        default:
          break;
        }
      record_free (record);
    }

  cercle_json_reader_free (imp.json);
  g_hash_table_unref (imp.category_labels);
  g_hash_table_unref (imp.communes_seen);
  g_hash_table_unref (imp.zones_reset);
  return ok;
}
