/* cercle-directory.c — the directory of services: import, search, export
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A CercleDirectory is a path and a small pool of SQLite connections: a
 * CercleDb serves one thread at a time, so each call takes a connection
 * from the pool (or opens one) and gives it back. The _async calls run in
 * GTask threads, and SQLite's WAL mode lets searches go on, on the previous
 * directory, while an import writes the new one.
 *
 * nearest: the R*Tree holds (latitude, longitude, category). A search
 * looks in a box around the point, grows the box until it holds enough
 * structures *within the circle the box contains*, and sorts those by
 * great-circle distance; what is within the circle is exactly what a full
 * scan would find, so the answer is the brute-force answer.
 */
#define G_LOG_DOMAIN "cercle-directory"

#include "config.h"

#include <math.h>
#include <string.h>

#include "cercle-directory.h"
#include "cercle-directory-import.h"
#include "cercle-directory-store.h"
#include "cercle-geo.h"
#include "cercle-i18n.h"
#include "cercle-text.h"

#define DEFAULT_LIMIT 20

G_DEFINE_QUARK (cercle-directory-error-quark, cercle_directory_error)

struct _CercleDirectory
{
  GObject    parent_instance;
  char      *db_path;
  GMutex     lock;
  GPtrArray *idle;  /* CercleDb not in use */
};

G_DEFINE_FINAL_TYPE (CercleDirectory, cercle_directory, G_TYPE_OBJECT)

/* ---------------------------------------------------------- categories -- */

static const char * const ssiad_codes[] = { "354", NULL };
static const char * const spasad_codes[] = { "209", NULL };
static const char * const saad_codes[] = { "460", NULL };
static const char * const had_codes[] = { "127", NULL };
static const char * const smr_codes[] = { "109", NULL };
static const char * const ehpad_codes[] = { "500", NULL };
static const char * const usld_codes[] = { "362", NULL };
static const char * const residence_codes[] = { "202", NULL };
static const char * const msp_codes[] = { "603", NULL };
static const char * const cpts_codes[] = { "604", NULL };
static const char * const clic_codes[] = { "463", NULL };

static const CercleCategory all_categories[] = {
  { "ssiad", N_("SSIAD"), ssiad_codes },
  { "spasad", N_("SPASAD / SAAS"), spasad_codes },
  { "saad", N_("SAAD / SAA"), saad_codes },
  { "had", N_("HAD"), had_codes },
  { "smr", N_("SMR"), smr_codes },
  { "ehpad", N_("EHPAD"), ehpad_codes },
  { "usld", N_("USLD"), usld_codes },
  { "residence-autonomie", N_("Sheltered housing"), residence_codes },
  { "msp", N_("MSP"), msp_codes },
  { "cpts", N_("CPTS"), cpts_codes },
  { "clic", N_("CLIC"), clic_codes },
};

/* The FINESS labels of the categories people look for, used when the
 * imported file gives codes only (the JSON flow). These are data, in
 * French like the rest of FINESS, not interface text. */
static const struct { const char *code; const char *label; } builtin_labels[] = {
  { "109", "Établissement de soins médicaux et de réadaptation (SMR)" },
  { "127", "Hospitalisation à domicile (HAD)" },
  { "202", "Résidence autonomie" },
  { "209", "Service autonomie aide et soins (SPASAD / SAAS)" },
  { "354", "Service de soins infirmiers à domicile (SSIAD)" },
  { "362", "Unité de soins de longue durée (USLD)" },
  { "460", "Service autonomie aide (SAAD / SAA)" },
  { "463", "Centre local d’information et de coordination (CLIC)" },
  { "500", "Établissement d’hébergement pour personnes âgées dépendantes (EHPAD)" },
  { "603", "Maison de santé pluriprofessionnelle (MSP)" },
  { "604", "Communauté professionnelle territoriale de santé (CPTS)" },
};

/**
 * cercle_directory_categories:
 * @n: (out) (optional): how many
 *
 * The categories a person picks from (the chips of the directory page),
 * each with its FINESS category codes. Translate the short labels with _().
 *
 * Returns: (transfer none) (array length=n): the categories
 */
const CercleCategory *
cercle_directory_categories (gsize *n)
{
  if (n)
    *n = G_N_ELEMENTS (all_categories);
  return all_categories;
}

/**
 * cercle_directory_category_label:
 * @code: a FINESS category code
 *
 * Returns: (nullable): the French FINESS label of the categories Cercle
 *   knows, %NULL for the others
 */
const char *
cercle_directory_category_label (const char *code)
{
  for (guint i = 0; code && i < G_N_ELEMENTS (builtin_labels); i++)
    if (strcmp (builtin_labels[i].code, code) == 0)
      return builtin_labels[i].label;
  return NULL;
}

/* ---------------------------------------------------------- the object -- */

static void
cercle_directory_finalize (GObject *object)
{
  CercleDirectory *self = (CercleDirectory *)object;

  g_ptr_array_unref (self->idle);
  g_mutex_clear (&self->lock);
  g_free (self->db_path);

  G_OBJECT_CLASS (cercle_directory_parent_class)->finalize (object);
}

static void
cercle_directory_class_init (CercleDirectoryClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cercle_directory_finalize;
}

static void
cercle_directory_init (CercleDirectory *self)
{
  g_mutex_init (&self->lock);
  self->idle = g_ptr_array_new_with_free_func (g_object_unref);
}

/**
 * cercle_directory_new:
 * @db_path: the SQLite file (the local store, or a file of its own)
 *
 * Creates the directory on @db_path. Nothing is opened yet: the first
 * call opens the file and brings its directory tables up to date.
 *
 * Returns: (transfer full): a new #CercleDirectory
 */
CercleDirectory *
cercle_directory_new (const char *db_path)
{
  CercleDirectory *self;

  g_return_val_if_fail (db_path != NULL, NULL);

  self = g_object_new (CERCLE_TYPE_DIRECTORY, NULL);
  self->db_path = g_strdup (db_path);
  return self;
}

/**
 * cercle_directory_get_db_path:
 * @self: a #CercleDirectory
 *
 * Returns: the SQLite file
 */
const char *
cercle_directory_get_db_path (CercleDirectory *self)
{
  g_return_val_if_fail (CERCLE_IS_DIRECTORY (self), NULL);
  return self->db_path;
}

static CercleDb *
acquire_db (CercleDirectory  *self,
            GError          **error)
{
  CercleDb *db = NULL;

  g_mutex_lock (&self->lock);
  if (self->idle->len > 0)
    db = g_ptr_array_steal_index (self->idle, self->idle->len - 1);
  g_mutex_unlock (&self->lock);
  if (db)
    return db;

  db = cercle_db_open (self->db_path, error);
  if (db == NULL)
    return NULL;
  /* Searches read the same pages over and over: map the file and keep a
   * large cache, so that a query costs no system call. */
  if (!cercle_directory_store_migrate (db, error)
      || !cercle_db_exec (db, "PRAGMA mmap_size = 268435456; PRAGMA cache_size = -32768;", error))
    {
      g_object_unref (db);
      return NULL;
    }
  return db;
}

static void
release_db (CercleDirectory *self,
            CercleDb        *db)
{
  if (db == NULL)
    return;
  /* A failed call may leave a transaction open: not in the pool. */
  if (!sqlite3_get_autocommit (cercle_db_get_handle (db)))
    cercle_db_rollback (db);
  g_mutex_lock (&self->lock);
  if (self->idle->len < 4)
    {
      g_ptr_array_add (self->idle, db);
      db = NULL;
    }
  g_mutex_unlock (&self->lock);
  g_clear_object (&db);
}

/* One read transaction around a search: one snapshot (an import that
 * commits meanwhile cannot mix old and new rows) and one lock, not one per
 * statement. A pooled connection with the transaction begun, or %NULL. */
static CercleDb *
begin_read (CercleDirectory  *self,
            GError          **error)
{
  CercleDb *db = acquire_db (self, error);

  if (db)
    cercle_db_exec (db, "BEGIN", NULL);
  return db;
}

/* Ends begin_read()'s transaction and gives the connection back. */
static void
end_read (CercleDirectory *self,
          CercleDb        *db)
{
  if (!sqlite3_get_autocommit (cercle_db_get_handle (db)))
    cercle_db_exec (db, "COMMIT", NULL);
  release_db (self, db);
}

/**
 * cercle_directory_count_category:
 * @self: a #CercleDirectory
 * @code: a FINESS category code
 * @error: return location for an error
 *
 * How many structures of the category @code the directory holds: tells a
 * category code that exists in the imported files from a typo.
 *
 * Returns: the count, or -1 with @error set
 */
gint64
cercle_directory_count_category (CercleDirectory  *self,
                                 const char       *code,
                                 GError          **error)
{
  sqlite3_stmt *stmt;
  CercleDb *db;
  gint64 n = -1;

  g_return_val_if_fail (CERCLE_IS_DIRECTORY (self), -1);
  g_return_val_if_fail (code != NULL, -1);

  db = acquire_db (self, error);
  if (db == NULL)
    return -1;
  stmt = cercle_db_prepare (db, "SELECT count(*) FROM dir_structure WHERE category_code = ?", error);
  if (stmt)
    {
      sqlite3_bind_text (stmt, 1, code, -1, SQLITE_TRANSIENT);
      if (sqlite3_step (stmt) == SQLITE_ROW)
        n = sqlite3_column_int64 (stmt, 0);
      else
        cercle_db_set_error (db, error, NULL);
      sqlite3_reset (stmt);
    }
  release_db (self, db);
  return n;
}

/* ------------------------------------------------------------- reading -- */

static const char *
column_text (sqlite3_stmt *stmt,
             int           i)
{
  return (const char *) sqlite3_column_text (stmt, i);
}

static double
column_double_or_nan (sqlite3_stmt *stmt,
                      int           i)
{
  return sqlite3_column_type (stmt, i) == SQLITE_NULL ? NAN : sqlite3_column_double (stmt, i);
}

static char **
load_zone (CercleDb    *db,
           const char  *finess,
           GError     **error)
{
  sqlite3_stmt *stmt = cercle_db_prepare (db, "SELECT insee FROM dir_zone WHERE finess = ? ORDER BY insee", error);
  GStrvBuilder *builder;
  char **zone;
  int rc;
  guint n = 0;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, finess, -1, SQLITE_TRANSIENT);
  builder = g_strv_builder_new ();
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_strv_builder_add (builder, column_text (stmt, 0));
      n++;
    }
  sqlite3_reset (stmt);
  zone = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);
  if (n == 0)
    g_clear_pointer (&zone, g_strfreev);
  return zone;
}

/* The commune shown is the directory's (INSEE's name when the list was
 * imported), also for a site whose file still gives the code of a commune
 * merged since; the file's own city name only when neither is known. */
#define STRUCTURE_COLUMNS \
  "s.finess, s.name, s.category_code, c.label, s.address, s.postcode, s.commune_code," \
  " COALESCE (m.name, (SELECT n.name FROM dir_commune_former f JOIN dir_commune n ON n.insee = f.insee" \
  "                    WHERE f.code = s.commune_code), s.city)," \
  " s.phone, s.latitude, s.longitude"
#define STRUCTURE_JOINS \
  " LEFT JOIN dir_category c ON c.code = s.category_code" \
  " LEFT JOIN dir_commune m ON m.insee = s.commune_code"

static CercleStructure *
structure_from_row (CercleDb     *db,
                    sqlite3_stmt *stmt,
                    double        distance_km,
                    gboolean      covers)
{
  g_auto(GStrv) zone = NULL;
  CercleStructureFields f = { 0 };

  f.finess = column_text (stmt, 0);
  f.name = column_text (stmt, 1);
  f.category_code = column_text (stmt, 2);
  f.category_label = column_text (stmt, 3);
  if (f.category_label == NULL)
    f.category_label = cercle_directory_category_label (f.category_code);
  f.address = column_text (stmt, 4);
  f.postcode = column_text (stmt, 5);
  f.commune_code = column_text (stmt, 6);
  f.commune_name = column_text (stmt, 7);
  f.phone = column_text (stmt, 8);
  f.latitude = column_double_or_nan (stmt, 9);
  f.longitude = column_double_or_nan (stmt, 10);
  f.distance_km = distance_km;
  f.covers_commune = covers;
  zone = load_zone (db, f.finess, NULL);
  f.zone = (const char * const *) zone;
  return cercle_structure_new_full (&f);
}

static CercleStructure *
structure_by_id (CercleDb  *db,
                 gint64     id,
                 double     distance_km,
                 gboolean   covers,
                 GError   **error)
{
  sqlite3_stmt *stmt = cercle_db_prepare (db,
                                          "SELECT " STRUCTURE_COLUMNS " FROM dir_structure s" STRUCTURE_JOINS
                                          " WHERE s.id = ?",
                                          error);
  CercleStructure *structure = NULL;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, id);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    structure = structure_from_row (db, stmt, distance_km, covers);
  else
    cercle_db_set_error (db, error, NULL);
  sqlite3_reset (stmt);
  return structure;
}

static CercleCommune *
commune_from_row (sqlite3_stmt *stmt)
{
  return cercle_commune_new (column_text (stmt, 0), column_text (stmt, 1), column_text (stmt, 2),
                             column_double_or_nan (stmt, 3), column_double_or_nan (stmt, 4));
}

static CercleCommune *
get_commune (CercleDb    *db,
             const char  *insee_code,
             GError     **error)
{
  sqlite3_stmt *stmt = cercle_db_prepare (db,
                                          "SELECT insee, name, postcodes, latitude, longitude"
                                          " FROM dir_commune WHERE insee = ?",
                                          error);
  CercleCommune *commune = NULL;
  int rc;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, insee_code, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    commune = commune_from_row (stmt);
  else if (rc != SQLITE_DONE)
    cercle_db_set_error (db, error, NULL);
  sqlite3_reset (stmt);
  if (rc == SQLITE_DONE)
    {
      /* The code of a commune merged into another: that one. */
      sqlite3_stmt *former = cercle_db_prepare (db,
                                                "SELECT c.insee, c.name, c.postcodes, c.latitude, c.longitude"
                                                " FROM dir_commune_former f JOIN dir_commune c ON c.insee = f.insee"
                                                " WHERE f.code = ?",
                                                error);

      if (former == NULL)
        return NULL;
      sqlite3_bind_text (former, 1, insee_code, -1, SQLITE_TRANSIENT);
      if (sqlite3_step (former) == SQLITE_ROW)
        commune = commune_from_row (former);
      sqlite3_reset (former);
      if (commune)
        return commune;
    }
  if (rc == SQLITE_DONE)
    {
      sqlite3_stmt *any = cercle_db_prepare (db, "SELECT EXISTS (SELECT 1 FROM dir_commune)", error);

      if (any == NULL)
        return NULL;
      /* A FINESS file alone has no communes: say what to import. */
      if (sqlite3_step (any) == SQLITE_ROW && sqlite3_column_int (any, 0) == 0)
        g_set_error (error, CERCLE_DIRECTORY_ERROR, CERCLE_DIRECTORY_ERROR_UNKNOWN_COMMUNE,
                     _("The directory has no communes yet: import La Poste’s base of postcodes "
                       "(laposte_hexasmal.csv)"));
      else
        g_set_error (error, CERCLE_DIRECTORY_ERROR, CERCLE_DIRECTORY_ERROR_UNKNOWN_COMMUNE,
                     _("No commune has the INSEE code “%s” in the directory"), insee_code);
      sqlite3_reset (any);
    }
  return commune;
}

/* ------------------------------------------------------------- nearest -- */

typedef struct {
  gint64   id;
  double   distance;
  gboolean covers;
} Candidate;

static int
compare_candidates (gconstpointer a,
                    gconstpointer b)
{
  const Candidate *ca = a;
  const Candidate *cb = b;

  /* Zone first, then distance, then the row: the same total order for the
   * index and for the scan. A covering site without a position (-1) comes
   * after the covering ones that have one. */
  if (ca->covers != cb->covers)
    return ca->covers ? -1 : 1;
  if (ca->distance != cb->distance)
    {
      if (ca->distance < 0)
        return 1;
      if (cb->distance < 0)
        return -1;
      return ca->distance < cb->distance ? -1 : 1;
    }
  return ca->id < cb->id ? -1 : ca->id > cb->id;
}

static gboolean
category_wanted (const char * const *cats,
                 const char         *code)
{
  if (cats == NULL || cats[0] == NULL)
    return TRUE;
  if (code == NULL)
    return FALSE;
  for (guint i = 0; cats[i]; i++)
    if (strcmp (cats[i], code) == 0)
      return TRUE;
  return FALSE;
}

/* The point of the search: the commune's position, or the one given. */
static gboolean
reference_point (CercleDb                 *db,
                 const CercleNearestQuery *query,
                 double                   *lat,
                 double                   *lon,
                 GError                  **error)
{
  g_autoptr(CercleCommune) commune = NULL;

  if (query->commune_code == NULL)
    {
      if (!cercle_geo_is_valid_wgs84 (query->latitude, query->longitude))
        {
          g_set_error (error, CERCLE_DIRECTORY_ERROR, CERCLE_DIRECTORY_ERROR_INVALID,
                       _("The point %g, %g is not a latitude and longitude"),
                       query->latitude, query->longitude);
          return FALSE;
        }
      *lat = query->latitude;
      *lon = query->longitude;
      return TRUE;
    }

  commune = get_commune (db, query->commune_code, error);
  if (commune == NULL)
    return FALSE;
  if (!cercle_commune_has_position (commune))
    {
      /* La Poste gives no position for a few communes: the middle of its
       * structures will do. */
      sqlite3_stmt *stmt = cercle_db_prepare (db,
                                              "SELECT avg (latitude), avg (longitude) FROM dir_structure"
                                              " WHERE commune_code = ? AND latitude IS NOT NULL",
                                              error);
      gboolean found = FALSE;

      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_text (stmt, 1, query->commune_code, -1, SQLITE_TRANSIENT);
      if (sqlite3_step (stmt) == SQLITE_ROW && sqlite3_column_type (stmt, 0) != SQLITE_NULL)
        {
          *lat = sqlite3_column_double (stmt, 0);
          *lon = sqlite3_column_double (stmt, 1);
          found = TRUE;
        }
      sqlite3_reset (stmt);
      if (!found)
        g_set_error (error, CERCLE_DIRECTORY_ERROR, CERCLE_DIRECTORY_ERROR_NO_POSITION,
                     _("The commune %s (%s) has no position in the directory"),
                     cercle_commune_get_name (commune), query->commune_code);
      return found;
    }
  *lat = cercle_commune_get_latitude (commune);
  *lon = cercle_commune_get_longitude (commune);
  return TRUE;
}

/* The structures whose intervention zone covers the commune. */
static gboolean
collect_covering (CercleDb                 *db,
                  const CercleNearestQuery *query,
                  double                    lat,
                  double                    lon,
                  GArray                   *out,
                  GHashTable               *ids,
                  GError                  **error)
{
  sqlite3_stmt *stmt;
  int rc;

  if (query->commune_code == NULL)
    return TRUE;
  stmt = cercle_db_prepare (db,
                            "SELECT s.id, s.category_code, s.latitude, s.longitude"
                            " FROM dir_zone z JOIN dir_structure s ON s.finess = z.finess"
                            " WHERE z.insee = ?1"
                            /* a zone written before a merger names the
                             * former commune */
                            " UNION SELECT s.id, s.category_code, s.latitude, s.longitude"
                            " FROM dir_commune_former f JOIN dir_zone z ON z.insee = f.code"
                            " JOIN dir_structure s ON s.finess = z.finess WHERE f.insee = ?1",
                            error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, query->commune_code, -1, SQLITE_TRANSIENT);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      Candidate c;

      if (!category_wanted (query->categories, column_text (stmt, 1)))
        continue;
      c.id = sqlite3_column_int64 (stmt, 0);
      c.covers = TRUE;
      if (sqlite3_column_type (stmt, 2) == SQLITE_NULL)
        c.distance = -1.0;
      else
        c.distance = cercle_geo_distance_km (lat, lon, sqlite3_column_double (stmt, 2),
                                             sqlite3_column_double (stmt, 3));
      g_array_append_val (out, c);
      g_hash_table_add (ids, GINT_TO_POINTER (c.id));
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      cercle_db_set_error (db, error, NULL);
      return FALSE;
    }
  return TRUE;
}

/* One box query of the R*Tree, for one category (or all when @code is
 * NULL); keeps what is within @radius of the point. */
static gboolean
box_query (CercleDb    *db,
           const char  *code,
           double       lat,
           double       lon,
           double       radius,
           GHashTable  *exclude,
           GArray      *out,
           GError     **error)
{
  double min_lat, max_lat, min_lon, max_lon;
  sqlite3_stmt *stmt;
  int rc;

  cercle_geo_bounding_box (lat, lon, radius, &min_lat, &max_lat, &min_lon, &max_lon);
  /* CROSS JOIN keeps the R*Tree as the outer loop: left to itself, the
   * planner may walk every site of the category through its index and
   * look each up in the R*Tree, a hundred times slower. */
  if (code)
    {
      gint64 number = cercle_directory_category_number (code);

      stmt = cercle_db_prepare (db,
                                "SELECT r.id, s.latitude, s.longitude FROM dir_structure_rtree r"
                                " CROSS JOIN dir_structure s ON s.id = r.id"
                                " WHERE r.max_lat >= ? AND r.min_lat <= ? AND r.max_lon >= ? AND r.min_lon <= ?"
                                " AND r.max_cat >= ? AND r.min_cat <= ? AND s.category_code = ?",
                                error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 5, number);
      sqlite3_bind_int64 (stmt, 6, number);
      sqlite3_bind_text (stmt, 7, code, -1, SQLITE_TRANSIENT);
    }
  else
    {
      stmt = cercle_db_prepare (db,
                                "SELECT r.id, s.latitude, s.longitude FROM dir_structure_geo r"
                                " CROSS JOIN dir_structure s ON s.id = r.id"
                                " WHERE r.max_lat >= ? AND r.min_lat <= ? AND r.max_lon >= ? AND r.min_lon <= ?",
                                error);
      if (stmt == NULL)
        return FALSE;
    }
  sqlite3_bind_double (stmt, 1, min_lat);
  sqlite3_bind_double (stmt, 2, max_lat);
  sqlite3_bind_double (stmt, 3, min_lon);
  sqlite3_bind_double (stmt, 4, max_lon);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      Candidate c;

      c.id = sqlite3_column_int64 (stmt, 0);
      c.distance = cercle_geo_distance_km (lat, lon, sqlite3_column_double (stmt, 1),
                                           sqlite3_column_double (stmt, 2));
      if (c.distance > radius || g_hash_table_contains (exclude, GINT_TO_POINTER (c.id)))
        continue;
      c.covers = FALSE;
      g_array_append_val (out, c);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      cercle_db_set_error (db, error, NULL);
      return FALSE;
    }
  return TRUE;
}

static GListModel *
build_list (CercleDb  *db,
            GArray    *candidates,
            guint      limit,
            GError   **error)
{
  g_autoptr(GListStore) store = g_list_store_new (CERCLE_TYPE_STRUCTURE);

  for (guint i = 0; i < candidates->len && i < limit; i++)
    {
      Candidate *c = &g_array_index (candidates, Candidate, i);
      g_autoptr(CercleStructure) structure = structure_by_id (db, c->id, c->distance, c->covers, error);

      if (structure == NULL)
        return NULL;
      g_list_store_append (store, structure);
    }
  return G_LIST_MODEL (g_steal_pointer (&store));
}

static GListModel *
nearest_in_db (CercleDb                 *db,
               const CercleNearestQuery *query,
               GError                  **error)
{
  g_autoptr(GArray) covering = g_array_new (FALSE, FALSE, sizeof (Candidate));
  g_autoptr(GArray) near = g_array_new (FALSE, FALSE, sizeof (Candidate));
  g_autoptr(GHashTable) covering_ids = g_hash_table_new (NULL, NULL);
  const char * const *cats = query->categories;
  guint limit = query->limit ? query->limit : DEFAULT_LIMIT;
  double max_radius = G_PI * CERCLE_EARTH_RADIUS_KM;  /* half the globe: everything */
  double lat, lon, radius;
  guint need;

  if (!reference_point (db, query, &lat, &lon, error))
    return NULL;
  if (!collect_covering (db, query, lat, lon, covering, covering_ids, error))
    return NULL;
  g_array_sort (covering, compare_candidates);
  need = covering->len >= limit ? 0 : limit - covering->len;
  if (query->max_km > 0)
    max_radius = MIN (max_radius, query->max_km);

  /* Grow the circle until it holds enough structures; what lies within it
   * is complete, so its nearest are the true nearest. */
  /* Small first: in a city centre a few hundred metres hold enough, and
   * in the country the circle grows in a few cheap steps. */
  radius = MIN (0.5, max_radius);
  while (need > 0)
    {
      g_array_set_size (near, 0);
      if (cats && cats[0])
        {
          for (guint i = 0; cats[i]; i++)
            if (!box_query (db, cats[i], lat, lon, radius, covering_ids, near, error))
              return NULL;
        }
      else if (!box_query (db, NULL, lat, lon, radius, covering_ids, near, error))
        return NULL;

      if (near->len >= need || radius >= max_radius)
        break;
      /* Structures per area are roughly even at this scale: aim for the
       * radius that should hold them all, with a margin. */
      radius *= near->len == 0 ? 4.0 : CLAMP (sqrt ((double) need / near->len) * 1.2, 1.4, 4.0);
      radius = MIN (radius, max_radius);
    }

  g_array_sort (near, compare_candidates);
  if (near->len > need)
    g_array_set_size (near, need);
  g_array_append_vals (covering, near->data, near->len);
  return build_list (db, covering, limit, error);
}

/**
 * cercle_directory_nearest:
 * @self: a #CercleDirectory
 * @query: what to look for, and where
 * @error: return location for a #CERCLE_DIRECTORY_ERROR or #CERCLE_DB_ERROR
 *
 * The structures of the categories of @query nearest to the point (or to
 * the commune) of @query, by great-circle distance. When the commune is
 * given and intervention zones are known, the structures whose zone covers
 * the commune come first (marked #CercleStructure:covers-commune, whatever
 * their distance), then the nearest others. Structures without a position
 * are left out (except covering ones, last of them). Blocks: from the UI,
 * use cercle_directory_nearest_async().
 *
 * Returns: (transfer full): a #GListModel of #CercleStructure, or %NULL
 */
GListModel *
cercle_directory_nearest (CercleDirectory           *self,
                          const CercleNearestQuery  *query,
                          GError                   **error)
{
  CercleDb *db;
  GListModel *model;

  g_return_val_if_fail (CERCLE_IS_DIRECTORY (self), NULL);
  g_return_val_if_fail (query != NULL, NULL);

  db = begin_read (self, error);
  if (db == NULL)
    return NULL;
  model = nearest_in_db (db, query, error);
  end_read (self, db);
  return model;
}

/**
 * cercle_directory_nearest_scan:
 * @self: a #CercleDirectory
 * @query: what to look for, and where
 * @error: return location for an error
 *
 * The same answer as cercle_directory_nearest(), by computing the distance
 * to every structure instead of using the spatial index: the reference
 * the tests and the benchmark compare the index with.
 *
 * Returns: (transfer full): a #GListModel of #CercleStructure, or %NULL
 */
GListModel *
cercle_directory_nearest_scan (CercleDirectory           *self,
                               const CercleNearestQuery  *query,
                               GError                   **error)
{
  g_autoptr(GArray) covering = g_array_new (FALSE, FALSE, sizeof (Candidate));
  g_autoptr(GArray) all = g_array_new (FALSE, FALSE, sizeof (Candidate));
  g_autoptr(GHashTable) covering_ids = g_hash_table_new (NULL, NULL);
  guint limit = query->limit ? query->limit : DEFAULT_LIMIT;
  GListModel *model = NULL;
  sqlite3_stmt *stmt;
  CercleDb *db;
  double lat, lon;
  int rc;

  g_return_val_if_fail (CERCLE_IS_DIRECTORY (self), NULL);
  g_return_val_if_fail (query != NULL, NULL);

  db = begin_read (self, error);
  if (db == NULL)
    return NULL;
  if (!reference_point (db, query, &lat, &lon, error)
      || !collect_covering (db, query, lat, lon, covering, covering_ids, error))
    goto out;

  stmt = cercle_db_prepare (db,
                            "SELECT id, category_code, latitude, longitude FROM dir_structure"
                            " WHERE latitude IS NOT NULL AND longitude IS NOT NULL",
                            error);
  if (stmt == NULL)
    goto out;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      Candidate c;

      if (!category_wanted (query->categories, column_text (stmt, 1)))
        continue;
      c.id = sqlite3_column_int64 (stmt, 0);
      if (g_hash_table_contains (covering_ids, GINT_TO_POINTER (c.id)))
        continue;
      c.distance = cercle_geo_distance_km (lat, lon, sqlite3_column_double (stmt, 2),
                                           sqlite3_column_double (stmt, 3));
      if (query->max_km > 0 && c.distance > query->max_km)
        continue;
      c.covers = FALSE;
      g_array_append_val (all, c);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      cercle_db_set_error (db, error, NULL);
      goto out;
    }

  g_array_sort (covering, compare_candidates);
  g_array_sort (all, compare_candidates);
  g_array_append_vals (covering, all->data, all->len);
  model = build_list (db, covering, limit, error);

out:
  end_read (self, db);
  return model;
}

/* The end of a worker thread that computed a list: @model, or @error. */
static void
task_return_model (GTask      *task,
                   GListModel *model,
                   GError     *error)
{
  if (model)
    g_task_return_pointer (task, model, g_object_unref);
  else
    g_task_return_error (task, error);
}

typedef struct {
  char  **categories;
  char   *commune_code;
  CercleNearestQuery query;
} NearestData;

static void
nearest_data_free (NearestData *data)
{
  g_strfreev (data->categories);
  g_free (data->commune_code);
  g_free (data);
}

static void
nearest_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  NearestData *data = task_data;
  GError *error = NULL;
  GListModel *model;

  if (g_task_return_error_if_cancelled (task))
    return;
  model = cercle_directory_nearest (source_object, &data->query, &error);
  task_return_model (task, model, error);
}

/**
 * cercle_directory_nearest_async:
 * @self: a #CercleDirectory
 * @query: what to look for (copied)
 * @cancellable: (nullable): a #GCancellable
 * @callback: called on the caller's main context with the answer
 * @user_data: data for @callback
 *
 * Runs cercle_directory_nearest() in a worker thread.
 */
void
cercle_directory_nearest_async (CercleDirectory          *self,
                                const CercleNearestQuery *query,
                                GCancellable             *cancellable,
                                GAsyncReadyCallback       callback,
                                gpointer                  user_data)
{
  g_autoptr(GTask) task = NULL;
  NearestData *data;

  g_return_if_fail (CERCLE_IS_DIRECTORY (self));
  g_return_if_fail (query != NULL);

  data = g_new0 (NearestData, 1);
  data->categories = g_strdupv ((char **) query->categories);
  data->commune_code = g_strdup (query->commune_code);
  data->query = *query;
  data->query.categories = (const char * const *) data->categories;
  data->query.commune_code = data->commune_code;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, cercle_directory_nearest_async);
  g_task_set_task_data (task, data, (GDestroyNotify) nearest_data_free);
  g_task_run_in_thread (task, nearest_thread);
}

/**
 * cercle_directory_nearest_finish:
 * @self: a #CercleDirectory
 * @result: the result given to the callback
 * @error: return location for an error
 *
 * Returns: (transfer full): a #GListModel of #CercleStructure, or %NULL
 */
GListModel *
cercle_directory_nearest_finish (CercleDirectory  *self,
                                 GAsyncResult     *result,
                                 GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == cercle_directory_nearest_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* --------------------------------------------------- other structures -- */

/* Steps @stmt (rows of STRUCTURE_COLUMNS, without distance) and appends to
 * @store, up to @limit of them, the structures of @categories. Returns the
 * last step's code: SQLITE_DONE when every row was read. */
static int
append_structures (CercleDb           *db,
                   sqlite3_stmt       *stmt,
                   const char * const *categories,
                   guint               limit,
                   GListStore         *store)
{
  guint n = 0;
  int rc = SQLITE_DONE;

  while (n < limit && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_autoptr(CercleStructure) structure = NULL;

      if (!category_wanted (categories, column_text (stmt, 2)))
        continue;
      structure = structure_from_row (db, stmt, -1.0, FALSE);
      g_list_store_append (store, structure);
      n++;
    }
  return rc;
}

/**
 * cercle_directory_list_structures:
 * @self: a #CercleDirectory
 * @categories: (nullable): FINESS category codes, %NULL-terminated; %NULL
 *   or empty for all
 * @commune_code: (nullable): only the structures of this commune
 * @error: return location for an error
 *
 * Every structure of @categories (in @commune_code), by département and
 * name, without distances: for an export of a whole category.
 *
 * Returns: (transfer full): a #GListModel of #CercleStructure, or %NULL
 */
GListModel *
cercle_directory_list_structures (CercleDirectory     *self,
                                  const char * const  *categories,
                                  const char          *commune_code,
                                  GError             **error)
{
  g_autoptr(GListStore) store = NULL;
  sqlite3_stmt *stmt;
  CercleDb *db;
  int rc;

  g_return_val_if_fail (CERCLE_IS_DIRECTORY (self), NULL);

  db = acquire_db (self, error);
  if (db == NULL)
    return NULL;
  stmt = cercle_db_prepare (db,
                            "SELECT " STRUCTURE_COLUMNS " FROM dir_structure s" STRUCTURE_JOINS
                            " WHERE (?1 IS NULL OR s.commune_code = ?1)"
                            " ORDER BY substr (s.finess, 1, 2), s.name, s.finess",
                            error);
  if (stmt == NULL)
    {
      release_db (self, db);
      return NULL;
    }
  if (commune_code)
    sqlite3_bind_text (stmt, 1, commune_code, -1, SQLITE_TRANSIENT);
  store = g_list_store_new (CERCLE_TYPE_STRUCTURE);
  rc = append_structures (db, stmt, categories, G_MAXUINT, store);
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      cercle_db_set_error (db, error, NULL);
      g_clear_object (&store);
    }
  release_db (self, db);
  return store ? G_LIST_MODEL (g_steal_pointer (&store)) : NULL;
}

static char *
fts_query (const char *text)
{
  g_autofree char *folded = cercle_text_fold (text);
  g_auto(GStrv) words = g_strsplit (folded, " ", -1);
  GString *q = g_string_new (NULL);

  for (guint i = 0; words[i]; i++)
    {
      if (*words[i] == '\0')
        continue;
      if (q->len > 0)
        g_string_append (q, " AND ");
      /* The folded words are [a-z0-9] only: safe inside quotes. */
      if (strlen (words[i]) >= 3 && g_str_has_prefix ("sainte", words[i]))
        g_string_append_printf (q, "(\"%s\"* OR \"st\"*)", words[i]);
      else
        g_string_append_printf (q, "\"%s\"*", words[i]);
    }
  return g_string_free (q, FALSE);
}

/**
 * cercle_directory_search_structures:
 * @self: a #CercleDirectory
 * @text: words of the name or of the commune, accents and case ignored
 * @categories: (nullable): FINESS category codes, %NULL-terminated
 * @limit: how many at most (0: 20)
 * @error: return location for an error
 *
 * Full-text search of the structures by name and commune (word prefixes).
 *
 * Returns: (transfer full): a #GListModel of #CercleStructure, or %NULL
 */
GListModel *
cercle_directory_search_structures (CercleDirectory     *self,
                                    const char          *text,
                                    const char * const  *categories,
                                    guint                limit,
                                    GError             **error)
{
  g_autoptr(GListStore) store = g_list_store_new (CERCLE_TYPE_STRUCTURE);
  g_autofree char *match = NULL;
  sqlite3_stmt *stmt;
  CercleDb *db;

  g_return_val_if_fail (CERCLE_IS_DIRECTORY (self), NULL);
  g_return_val_if_fail (text != NULL, NULL);

  if (limit == 0)
    limit = DEFAULT_LIMIT;
  match = fts_query (text);
  if (*match == '\0')
    return G_LIST_MODEL (g_steal_pointer (&store));

  db = acquire_db (self, error);
  if (db == NULL)
    return NULL;
  stmt = cercle_db_prepare (db,
                            "SELECT " STRUCTURE_COLUMNS " FROM dir_structure_fts f"
                            " JOIN dir_structure s ON s.id = f.rowid" STRUCTURE_JOINS
                            " WHERE dir_structure_fts MATCH ? ORDER BY f.rank",
                            error);
  if (stmt == NULL)
    {
      release_db (self, db);
      return NULL;
    }
  sqlite3_bind_text (stmt, 1, match, -1, SQLITE_TRANSIENT);
  append_structures (db, stmt, categories, limit, store);
  sqlite3_reset (stmt);
  release_db (self, db);
  return G_LIST_MODEL (g_steal_pointer (&store));
}

/**
 * cercle_directory_get_structure:
 * @self: a #CercleDirectory
 * @finess: a FINESS site number
 * @error: return location for a #CERCLE_DB_ERROR_NOT_FOUND or another error
 *
 * Returns: (transfer full): the structure, or %NULL
 */
CercleStructure *
cercle_directory_get_structure (CercleDirectory  *self,
                                const char       *finess,
                                GError          **error)
{
  CercleStructure *structure = NULL;
  sqlite3_stmt *stmt;
  CercleDb *db;
  int rc;

  g_return_val_if_fail (CERCLE_IS_DIRECTORY (self), NULL);
  g_return_val_if_fail (finess != NULL, NULL);

  db = acquire_db (self, error);
  if (db == NULL)
    return NULL;
  stmt = cercle_db_prepare (db,
                            "SELECT " STRUCTURE_COLUMNS " FROM dir_structure s" STRUCTURE_JOINS
                            " WHERE s.finess = ?",
                            error);
  if (stmt)
    {
      sqlite3_bind_text (stmt, 1, finess, -1, SQLITE_TRANSIENT);
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_ROW)
        structure = structure_from_row (db, stmt, -1.0, FALSE);
      else if (rc == SQLITE_DONE)
        g_set_error (error, CERCLE_DB_ERROR, CERCLE_DB_ERROR_NOT_FOUND,
                     _("No structure has the FINESS number “%s” in the directory"), finess);
      else
        cercle_db_set_error (db, error, NULL);
      sqlite3_reset (stmt);
    }
  release_db (self, db);
  return structure;
}

/* ------------------------------------------------------------- communes -- */

static gboolean
is_code_query (const char *q)
{
  gsize len = strlen (q);

  if (len == 0 || len > 5)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    {
      /* 2A004, 2B033: Corsican INSEE codes */
      if (i == 1 && q[0] == '2' && (q[1] == 'A' || q[1] == 'B' || q[1] == 'a' || q[1] == 'b'))
        continue;
      if (!g_ascii_isdigit (q[i]))
        return FALSE;
    }
  return TRUE;
}

static gboolean
add_communes (CercleDb      *db,
              sqlite3_stmt  *stmt,
              GListStore    *store,
              GHashTable    *seen,
              guint          limit,
              GError       **error)
{
  int rc;

  while (g_list_model_get_n_items (G_LIST_MODEL (store)) < limit && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_autoptr(CercleCommune) commune = NULL;

      if (g_hash_table_contains (seen, column_text (stmt, 0)))
        continue;
      commune = commune_from_row (stmt);
      g_hash_table_add (seen, g_strdup (cercle_commune_get_insee_code (commune)));
      g_list_store_append (store, commune);
    }
  sqlite3_reset (stmt);
  return TRUE;
}

static GListModel *
find_communes_in_db (CercleDb    *db,
                     const char  *query,
                     guint        limit,
                     GError     **error)
{
  g_autoptr(GListStore) store = g_list_store_new (CERCLE_TYPE_COMMUNE);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *q = g_strstrip (g_strdup (query));
  sqlite3_stmt *stmt;

  if (limit == 0)
    limit = DEFAULT_LIMIT;
  if (*q == '\0')
    return G_LIST_MODEL (g_steal_pointer (&store));

  if (is_code_query (q))
    {
      g_autofree char *upper = g_ascii_strup (q, -1);
      g_autofree char *high = g_strconcat (upper, "\x7f", NULL);

      /* The INSEE code itself first, then the postcodes that start so. */
      stmt = cercle_db_prepare (db,
                                "SELECT insee, name, postcodes, latitude, longitude FROM dir_commune"
                                " WHERE insee = ?",
                                error);
      if (stmt == NULL)
        return NULL;
      sqlite3_bind_text (stmt, 1, upper, -1, SQLITE_TRANSIENT);
      add_communes (db, stmt, store, seen, limit, error);

      stmt = cercle_db_prepare (db,
                                "SELECT c.insee, c.name, c.postcodes, c.latitude, c.longitude"
                                " FROM dir_commune_postcode p JOIN dir_commune c ON c.insee = p.insee"
                                " WHERE p.postcode >= ? AND p.postcode < ?"
                                /* A postcode shared by several communes:
                                 * the most populous first (77000: Melun) */
                                " ORDER BY p.postcode, c.population IS NULL, c.population DESC, c.name_key"
                                " LIMIT ?",
                                error);
      if (stmt == NULL)
        return NULL;
      sqlite3_bind_text (stmt, 1, upper, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 2, high, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int (stmt, 3, limit * 4);
      add_communes (db, stmt, store, seen, limit, error);
    }
  else
    {
      g_autofree char *key = cercle_directory_name_key (q);
      g_autofree char *match = fts_query (key);
      g_autofree char *high = g_strconcat (key, "\x7f", NULL);

      if (*match == '\0')
        return G_LIST_MODEL (g_steal_pointer (&store));

      /* Names that start with what was typed, from the index on the keys:
       * fast even for one letter, and what a person expects first (the
       * name itself, then the shorter names: a town before the villages
       * named after it). */
      stmt = cercle_db_prepare (db,
                                "SELECT insee, name, postcodes, latitude, longitude FROM dir_commune"
                                " WHERE name_key >= ?1 AND name_key < ?2"
                                " ORDER BY name_key <> ?1, length (name_key), population IS NULL,"
                                " population DESC, name_key, insee LIMIT ?3",
                                error);
      if (stmt == NULL)
        return NULL;
      sqlite3_bind_text (stmt, 1, key, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 2, high, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int (stmt, 3, limit);
      add_communes (db, stmt, store, seen, limit, error);
      if (g_list_model_get_n_items (G_LIST_MODEL (store)) >= limit)
        return G_LIST_MODEL (g_steal_pointer (&store));

      /* Then names with words that start so, and the other names of the
       * communes (La Poste's ligne 5), ranked the same way. */
      stmt = cercle_db_prepare (db,
                                "SELECT c.insee, c.name, c.postcodes, c.latitude, c.longitude,"
                                " min ((CASE WHEN f.key = ?1 THEN 0"
                                "            WHEN substr (f.key, 1, length (?1)) = ?1 THEN 1 ELSE 2 END) * 100000"
                                "      + (f.key <> c.name_key) * 10000 + length (f.key)) AS r"
                                " FROM dir_commune_fts f JOIN dir_commune c ON c.insee = f.insee"
                                " WHERE dir_commune_fts MATCH ?2"
                                " GROUP BY c.insee ORDER BY r, c.population IS NULL, c.population DESC,"
                                " c.name_key, c.insee LIMIT ?3",
                                error);
      if (stmt == NULL)
        return NULL;
      sqlite3_bind_text (stmt, 1, key, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 2, match, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int (stmt, 3, limit * 2);
      add_communes (db, stmt, store, seen, limit, error);
    }
  return G_LIST_MODEL (g_steal_pointer (&store));
}

/**
 * cercle_directory_find_communes:
 * @self: a #CercleDirectory
 * @query: what a person typed: the start of a name or of its words
 *   (accents and case ignored: "meaux", "MÉAUX", "st pierre", "saint-p"),
 *   the start of a postcode ("771"), or an INSEE code ("77284")
 * @limit: how many at most (0: 20)
 * @error: return location for an error
 *
 * The communes for a completion list. Blocks: from the UI, use
 * cercle_directory_find_communes_async().
 *
 * Returns: (transfer full): a #GListModel of #CercleCommune, or %NULL
 */
GListModel *
cercle_directory_find_communes (CercleDirectory  *self,
                                const char       *query,
                                guint             limit,
                                GError          **error)
{
  CercleDb *db;
  GListModel *model;

  g_return_val_if_fail (CERCLE_IS_DIRECTORY (self), NULL);
  g_return_val_if_fail (query != NULL, NULL);

  db = begin_read (self, error);
  if (db == NULL)
    return NULL;
  model = find_communes_in_db (db, query, limit, error);
  end_read (self, db);
  return model;
}

typedef GListModel *(*CommunesSearch) (CercleDirectory  *self,
                                       const char       *query,
                                       guint             limit,
                                       GError          **error);

typedef struct {
  CommunesSearch  search;
  char           *query;
  guint           limit;
} FindData;

static void
find_data_free (FindData *data)
{
  g_free (data->query);
  g_free (data);
}

/* The worker thread of cercle_directory_find_communes_async() and
 * cercle_directory_suggest_communes_async(): data->search is the blocking
 * call. */
static void
communes_thread (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  FindData *data = task_data;
  GError *error = NULL;
  GListModel *model;

  if (g_task_return_error_if_cancelled (task))
    return;
  model = data->search (source_object, data->query, data->limit, &error);
  task_return_model (task, model, error);
}

static void
start_communes_task (CercleDirectory     *self,
                     CommunesSearch       search,
                     gpointer             source_tag,
                     const char          *task_name,
                     const char          *query,
                     guint                limit,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  FindData *data;

  data = g_new0 (FindData, 1);
  data->search = search;
  data->query = g_strdup (query);
  data->limit = limit;
  task = g_task_new (self, cancellable, callback, user_data);
  /* The name g_task_set_source_tag() gives a task when called with the
   * public function itself: a task's name shows in debug logs. */
  g_task_set_name (task, task_name);
  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, data, (GDestroyNotify) find_data_free);
  g_task_run_in_thread (task, communes_thread);
}

/**
 * cercle_directory_find_communes_async:
 * @self: a #CercleDirectory
 * @query: what a person typed (copied)
 * @limit: how many at most (0: 20)
 * @cancellable: (nullable): a #GCancellable (cancel the previous search
 *   when the text changes)
 * @callback: called on the caller's main context
 * @user_data: data for @callback
 *
 * Runs cercle_directory_find_communes() in a worker thread.
 */
void
cercle_directory_find_communes_async (CercleDirectory     *self,
                                      const char          *query,
                                      guint                limit,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  g_return_if_fail (CERCLE_IS_DIRECTORY (self));
  g_return_if_fail (query != NULL);

  start_communes_task (self, cercle_directory_find_communes, cercle_directory_find_communes_async,
                       "cercle_directory_find_communes_async", query, limit, cancellable, callback,
                       user_data);
}

/**
 * cercle_directory_find_communes_finish:
 * @self: a #CercleDirectory
 * @result: the result given to the callback
 * @error: return location for an error
 *
 * Returns: (transfer full): a #GListModel of #CercleCommune, or %NULL
 */
GListModel *
cercle_directory_find_communes_finish (CercleDirectory  *self,
                                       GAsyncResult     *result,
                                       GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == cercle_directory_find_communes_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---------------------------------------------------- close matches -- */

/* The optimal string alignment distance (Levenshtein plus the swap of two
 * neighbours: "mleun", "melu", "mellun", "melum" are all 1 from "melun"),
 * or max + 1 as soon as it is sure to exceed @max. */
static guint
edit_distance (const char *a,
               gsize       la,
               const char *b,
               gsize       lb,
               guint       max)
{
  g_autofree guint *rows = NULL;
  guint *prev2, *prev, *cur;
  guint result;

  if ((la > lb ? la - lb : lb - la) > max)
    return max + 1;
  rows = g_new (guint, 3 * (lb + 1));
  prev2 = rows;
  prev = rows + lb + 1;
  cur = rows + 2 * (lb + 1);
  for (gsize j = 0; j <= lb; j++)
    prev[j] = j;
  for (gsize i = 1; i <= la; i++)
    {
      guint row_min;
      guint *t;

      cur[0] = i;
      row_min = cur[0];
      for (gsize j = 1; j <= lb; j++)
        {
          guint cost = a[i - 1] == b[j - 1] ? 0 : 1;
          guint v = MIN (MIN (prev[j] + 1, cur[j - 1] + 1), prev[j - 1] + cost);

          if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
            v = MIN (v, prev2[j - 2] + 1);
          cur[j] = v;
          row_min = MIN (row_min, v);
        }
      if (row_min > max)
        return max + 1;
      t = prev2;
      prev2 = prev;
      prev = cur;
      cur = t;
    }
  result = prev[lb];
  return MIN (result, max + 1);
}

typedef struct {
  CercleCommune *commune;
  guint          distance;
  gint64         population;
} Suggestion;

static int
compare_suggestions (gconstpointer a,
                     gconstpointer b)
{
  const Suggestion *sa = a;
  const Suggestion *sb = b;

  if (sa->distance != sb->distance)
    return sa->distance < sb->distance ? -1 : 1;
  if (sa->population != sb->population)
    return sa->population > sb->population ? -1 : 1;
  return g_strcmp0 (cercle_commune_get_name (sa->commune), cercle_commune_get_name (sb->commune));
}

static void
suggestion_clear (gpointer data)
{
  g_clear_object (&((Suggestion *) data)->commune);
}

static GListModel *
suggest_communes_in_db (CercleDb    *db,
                        const char  *query,
                        guint        limit,
                        GError     **error)
{
  g_autoptr(GListStore) store = g_list_store_new (CERCLE_TYPE_COMMUNE);
  g_autoptr(GArray) found = g_array_new (FALSE, FALSE, sizeof (Suggestion));
  g_autofree char *q = g_strstrip (g_strdup (query));
  g_autofree char *key = NULL;
  sqlite3_stmt *stmt;
  gsize len;
  guint max;
  int rc;

  g_array_set_clear_func (found, suggestion_clear);
  if (limit == 0)
    limit = 5;
  if (*q == '\0' || is_code_query (q))
    return G_LIST_MODEL (g_steal_pointer (&store));
  key = cercle_directory_name_key (q);
  len = strlen (key);
  if (len < 3)
    return G_LIST_MODEL (g_steal_pointer (&store));
  /* One slip in a short name, two in a long one. */
  max = len <= 5 ? 1 : 2;

  stmt = cercle_db_prepare (db,
                            "SELECT insee, name, postcodes, latitude, longitude, name_key, population"
                            " FROM dir_commune WHERE length (name_key) BETWEEN ?1 AND ?2",
                            error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, (gint64) len - max);
  sqlite3_bind_int64 (stmt, 2, (gint64) len + max);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *other = column_text (stmt, 5);
      guint d = edit_distance (key, len, other, strlen (other), max);
      Suggestion s;

      if (d > max)
        continue;
      s.commune = commune_from_row (stmt);
      s.distance = d;
      s.population = sqlite3_column_type (stmt, 6) == SQLITE_NULL ? -1 : sqlite3_column_int64 (stmt, 6);
      g_array_append_val (found, s);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      cercle_db_set_error (db, error, NULL);
      return NULL;
    }
  g_array_sort (found, compare_suggestions);
  for (guint i = 0; i < found->len && i < limit; i++)
    g_list_store_append (store, g_array_index (found, Suggestion, i).commune);
  return G_LIST_MODEL (g_steal_pointer (&store));
}

/**
 * cercle_directory_suggest_communes:
 * @self: a #CercleDirectory
 * @query: a commune name that cercle_directory_find_communes() did not
 *   find ("melum")
 * @limit: how many at most (0: 5)
 * @error: return location for an error
 *
 * The communes whose names are closest to @query: a letter wrong, missing,
 * added or two letters swapped (two such slips in names longer than five
 * letters), accents and case ignored; the closest first, then the most
 * populous. Empty for a postcode or a code. Blocks for a few milliseconds
 * (every commune is looked at): from the UI, use
 * cercle_directory_suggest_communes_async().
 *
 * Returns: (transfer full): a #GListModel of #CercleCommune, or %NULL
 */
GListModel *
cercle_directory_suggest_communes (CercleDirectory  *self,
                                   const char       *query,
                                   guint             limit,
                                   GError          **error)
{
  CercleDb *db;
  GListModel *model;

  g_return_val_if_fail (CERCLE_IS_DIRECTORY (self), NULL);
  g_return_val_if_fail (query != NULL, NULL);

  db = begin_read (self, error);
  if (db == NULL)
    return NULL;
  model = suggest_communes_in_db (db, query, limit, error);
  end_read (self, db);
  return model;
}

/**
 * cercle_directory_suggest_communes_async:
 * @self: a #CercleDirectory
 * @query: what a person typed (copied)
 * @limit: how many at most (0: 5)
 * @cancellable: (nullable): a #GCancellable
 * @callback: called on the caller's main context
 * @user_data: data for @callback
 *
 * Runs cercle_directory_suggest_communes() in a worker thread.
 */
void
cercle_directory_suggest_communes_async (CercleDirectory     *self,
                                         const char          *query,
                                         guint                limit,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data)
{
  g_return_if_fail (CERCLE_IS_DIRECTORY (self));
  g_return_if_fail (query != NULL);

  start_communes_task (self, cercle_directory_suggest_communes, cercle_directory_suggest_communes_async,
                       "cercle_directory_suggest_communes_async", query, limit, cancellable, callback,
                       user_data);
}

/**
 * cercle_directory_suggest_communes_finish:
 * @self: a #CercleDirectory
 * @result: the result given to the callback
 * @error: return location for an error
 *
 * Returns: (transfer full): a #GListModel of #CercleCommune, or %NULL
 */
GListModel *
cercle_directory_suggest_communes_finish (CercleDirectory  *self,
                                          GAsyncResult     *result,
                                          GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == cercle_directory_suggest_communes_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * cercle_directory_get_commune:
 * @self: a #CercleDirectory
 * @insee_code: an INSEE code
 * @error: return location for a #CERCLE_DIRECTORY_ERROR_UNKNOWN_COMMUNE or
 *   another error
 *
 * Returns: (transfer full): the commune, or %NULL
 */
CercleCommune *
cercle_directory_get_commune (CercleDirectory  *self,
                              const char       *insee_code,
                              GError          **error)
{
  CercleCommune *commune;
  CercleDb *db;

  g_return_val_if_fail (CERCLE_IS_DIRECTORY (self), NULL);
  g_return_val_if_fail (insee_code != NULL, NULL);

  db = acquire_db (self, error);
  if (db == NULL)
    return NULL;
  commune = get_commune (db, insee_code, error);
  release_db (self, db);
  return commune;
}

/* -------------------------------------------------------------- import -- */

static CercleImportReport *
import_files (CercleDirectory       *self,
              GFile                **files,
              guint                  n_files,
              gboolean               demo,
              CercleImportTick       tick,
              gpointer               tick_data,
              GCancellable          *cancellable,
              GError               **error)
{
  g_autoptr(CercleImportReport) report = cercle_import_report_new ();
  g_autoptr(CercleDb) db = NULL;

  /* A connection of its own: the import holds it for a long transaction. */
  db = cercle_db_open (self->db_path, error);
  if (db == NULL || !cercle_directory_store_migrate (db, error))
    return NULL;
  if (!cercle_directory_import_files (db, files, n_files, demo, tick, tick_data, report, cancellable, error))
    return NULL;
  return g_steal_pointer (&report);
}

/**
 * cercle_directory_import:
 * @self: a #CercleDirectory
 * @files: (array length=n_files): FHIR ndjson, FINESS JSON or La Poste CSV
 *   files, plain or gzip (told by their content)
 * @n_files: how many
 * @progress: (nullable) (scope call): called in this thread as the import
 *   goes
 * @progress_data: data for @progress
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Imports @files in one transaction, streaming them. Malformed records are
 * skipped and reported ("FILE:LINE: reason") in the report; an unreadable
 * file, a cancellation or a database error leaves the directory exactly as
 * it was. Structures are added or updated by FINESS number (closed ones
 * removed), communes by INSEE code; the demo directory, if present, is
 * replaced by the first real structures imported. Blocks for seconds on
 * the national file: from the UI, use cercle_directory_import_async().
 *
 * Returns: (transfer full): the report, or %NULL
 */
CercleImportReport *
cercle_directory_import (CercleDirectory       *self,
                         GFile                **files,
                         guint                  n_files,
                         CercleImportProgress   progress,
                         gpointer               progress_data,
                         GCancellable          *cancellable,
                         GError               **error)
{
  g_return_val_if_fail (CERCLE_IS_DIRECTORY (self), NULL);
  g_return_val_if_fail (files != NULL || n_files == 0, NULL);

  return import_files (self, files, n_files, FALSE, progress, progress_data, cancellable, error);
}

/* Progress crosses from the worker thread to the caller's main context.
 * Shared, reference-counted: a progress call may still be queued when the
 * task ends, and the caller's data must outlive it. */
typedef struct {
  CercleImportProgress  callback;
  gpointer              data;
  GDestroyNotify        destroy;
  GMainContext         *context;
  gint                  finished;  /* atomic: no more calls after the end */
} ProgressShared;

static void
progress_shared_clear (ProgressShared *shared)
{
  if (shared->destroy)
    shared->destroy (shared->data);
  g_main_context_unref (shared->context);
}

static void
progress_shared_unref (ProgressShared *shared)
{
  g_atomic_rc_box_release_full (shared, (GDestroyNotify) progress_shared_clear);
}

/* Always later, on @context: g_main_context_invoke() would run @func in
 * this worker thread whenever the caller's context is not being iterated
 * at that moment. */
static void
run_on_context (GMainContext   *context,
                GSourceFunc     func,
                gpointer        data,
                GDestroyNotify  destroy)
{
  GSource *source = g_idle_source_new ();

  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, func, data, destroy);
  g_source_set_static_name (source, "[cercle] directory import progress");
  g_source_attach (source, context);
  g_source_unref (source);
}

typedef struct {
  ProgressShared *shared;
  double          fraction;
} ProgressCall;

static gboolean
progress_call_run (gpointer user_data)
{
  ProgressCall *call = user_data;

  if (!g_atomic_int_get (&call->shared->finished) && call->shared->callback)
    call->shared->callback (call->fraction, call->shared->data);
  return G_SOURCE_REMOVE;
}

static void
progress_call_free (gpointer user_data)
{
  ProgressCall *call = user_data;

  progress_shared_unref (call->shared);
  g_free (call);
}

static void
progress_from_thread (double   fraction,
                      gpointer user_data)
{
  ProgressShared *shared = user_data;
  ProgressCall *call;

  if (shared->callback == NULL)
    return;
  call = g_new0 (ProgressCall, 1);
  call->shared = g_atomic_rc_box_acquire (shared);
  call->fraction = fraction;
  run_on_context (shared->context, progress_call_run, call, progress_call_free);
}

typedef struct {
  GPtrArray      *files;
  ProgressShared *progress;
} ImportData;

static gboolean
release_progress_on_context (gpointer user_data)
{
  progress_shared_unref (user_data);
  return G_SOURCE_REMOVE;
}

static void
import_data_free (ImportData *data)
{
  g_ptr_array_unref (data->files);
  /* The task may die in the worker thread: the caller's data is let go on
   * the caller's context, like its progress calls. */
  run_on_context (data->progress->context, release_progress_on_context, data->progress, NULL);
  g_free (data);
}

static void
import_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  ImportData *data = task_data;
  GError *error = NULL;
  CercleImportReport *report;

  report = import_files (source_object, (GFile **) data->files->pdata, data->files->len, FALSE,
                         progress_from_thread, data->progress, cancellable, &error);
  /* The result is what the caller looks at now: no progress after it. */
  g_atomic_int_set (&data->progress->finished, TRUE);
  if (report)
    g_task_return_pointer (task, report, g_object_unref);
  else
    g_task_return_error (task, error);
}

/**
 * cercle_directory_import_async:
 * @self: a #CercleDirectory
 * @files: (array length=n_files): the files (referenced)
 * @n_files: how many
 * @progress: (nullable): called on the caller's main context as the import
 *   goes, with a fraction from 0 to 1
 * @progress_data: data for @progress
 * @progress_data_destroy: (nullable): frees @progress_data once no more
 *   progress will come
 * @cancellable: (nullable): a #GCancellable: cancelling rolls the import
 *   back
 * @callback: called on the caller's main context at the end
 * @user_data: data for @callback
 *
 * Runs cercle_directory_import() in a worker thread. Searches keep
 * working (on the previous directory) meanwhile.
 */
void
cercle_directory_import_async (CercleDirectory       *self,
                               GFile                **files,
                               guint                  n_files,
                               CercleImportProgress   progress,
                               gpointer               progress_data,
                               GDestroyNotify         progress_data_destroy,
                               GCancellable          *cancellable,
                               GAsyncReadyCallback    callback,
                               gpointer               user_data)
{
  g_autoptr(GTask) task = NULL;
  ImportData *data;

  g_return_if_fail (CERCLE_IS_DIRECTORY (self));
  g_return_if_fail (files != NULL || n_files == 0);

  data = g_new0 (ImportData, 1);
  data->files = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < n_files; i++)
    g_ptr_array_add (data->files, g_object_ref (files[i]));
  data->progress = g_atomic_rc_box_new0 (ProgressShared);
  data->progress->callback = progress;
  data->progress->data = progress_data;
  data->progress->destroy = progress_data_destroy;
  data->progress->context = g_main_context_ref_thread_default ();

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, cercle_directory_import_async);
  g_task_set_task_data (task, data, (GDestroyNotify) import_data_free);
  g_task_run_in_thread (task, import_thread);
}

/**
 * cercle_directory_import_finish:
 * @self: a #CercleDirectory
 * @result: the result given to the callback
 * @error: return location for an error (%G_IO_ERROR_CANCELLED when
 *   cancelled)
 *
 * Returns: (transfer full): the report, or %NULL
 */
CercleImportReport *
cercle_directory_import_finish (CercleDirectory  *self,
                                GAsyncResult     *result,
                                GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == cercle_directory_import_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * cercle_directory_is_empty:
 * @self: a #CercleDirectory
 * @error: return location for an error
 *
 * Returns: %TRUE when the directory holds no structure (first run); %FALSE
 *   with @error set on failure
 */
gboolean
cercle_directory_is_empty (CercleDirectory  *self,
                           GError          **error)
{
  sqlite3_stmt *stmt;
  CercleDb *db;
  gboolean empty = FALSE;
  int rc;

  g_return_val_if_fail (CERCLE_IS_DIRECTORY (self), FALSE);

  db = acquire_db (self, error);
  if (db == NULL)
    return FALSE;
  stmt = cercle_db_prepare (db, "SELECT EXISTS (SELECT 1 FROM dir_structure)", error);
  if (stmt)
    {
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_ROW)
        empty = sqlite3_column_int (stmt, 0) == 0;
      else
        cercle_db_set_error (db, error, NULL);
      sqlite3_reset (stmt);
    }
  release_db (self, db);
  return empty;
}

/**
 * cercle_directory_default_demo_dir:
 *
 * Where the demo directory is: `$CERCLE_DEMO_DIR` when set (the tests),
 * else `$datadir/cercle/demo` where it is installed, else (a build tree run
 * without installing) the `data/demo` of the source tree it was built from.
 *
 * Returns: (transfer full): the folder
 */
char *
cercle_directory_default_demo_dir (void)
{
  const char *env = g_getenv ("CERCLE_DEMO_DIR");
  g_autofree char *installed = NULL;

  if (env && *env)
    return g_strdup (env);
  installed = g_build_filename (PKGDATADIR, "demo", NULL);
#ifdef CERCLE_SOURCE_DEMO_DIR
  if (!g_file_test (installed, G_FILE_TEST_IS_DIR) && g_file_test (CERCLE_SOURCE_DEMO_DIR, G_FILE_TEST_IS_DIR))
    return g_strdup (CERCLE_SOURCE_DEMO_DIR);
#endif
  return g_steal_pointer (&installed);
}

static int
compare_files (gconstpointer a,
               gconstpointer b)
{
  g_autofree char *na = g_file_get_basename (*(GFile * const *) a);
  g_autofree char *nb = g_file_get_basename (*(GFile * const *) b);

  return strcmp (na, nb);
}

/**
 * cercle_directory_ensure_demo:
 * @self: a #CercleDirectory
 * @demo_dir: (nullable): the folder of the demo files (`*.csv`, `*.ndjson`,
 *   `*.json`, plain or `.gz`), %NULL for cercle_directory_default_demo_dir()
 * @error: return location for an error
 *
 * On first run (the directory is empty), imports the demo directory: a few
 * fictitious structures around Melun, Meaux and Fontainebleau and the
 * communes there. They are marked as demo and go away when a real
 * directory is imported. Blocks for a few milliseconds.
 *
 * Returns: %TRUE when the directory is ready (imported now or before)
 */
gboolean
cercle_directory_ensure_demo (CercleDirectory  *self,
                              const char       *demo_dir,
                              GError          **error)
{
  g_autofree char *default_dir = NULL;
  g_autoptr(GFile) dir = NULL;
  g_autoptr(GFileEnumerator) children = NULL;
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(CercleImportReport) report = NULL;
  GError *local_error = NULL;

  g_return_val_if_fail (CERCLE_IS_DIRECTORY (self), FALSE);

  if (!cercle_directory_is_empty (self, &local_error))
    {
      if (local_error)
        {
          g_propagate_error (error, local_error);
          return FALSE;
        }
      return TRUE;
    }

  if (demo_dir == NULL)
    demo_dir = default_dir = cercle_directory_default_demo_dir ();
  dir = g_file_new_for_path (demo_dir);
  children = g_file_enumerate_children (dir, G_FILE_ATTRIBUTE_STANDARD_NAME, G_FILE_QUERY_INFO_NONE, NULL, error);
  if (children == NULL)
    return FALSE;
  for (;;)
    {
      GFileInfo *info;
      const char *name;

      if (!g_file_enumerator_iterate (children, &info, NULL, NULL, error))
        return FALSE;
      if (info == NULL)
        break;
      name = g_file_info_get_name (info);
      if (g_str_has_suffix (name, ".csv") || g_str_has_suffix (name, ".ndjson")
          || g_str_has_suffix (name, ".json") || g_str_has_suffix (name, ".gz"))
        g_ptr_array_add (files, g_file_get_child (dir, name));
    }
  if (files->len == 0)
    {
      g_set_error (error, CERCLE_DIRECTORY_ERROR, CERCLE_DIRECTORY_ERROR_READ,
                   _("No demo directory in “%s”"), demo_dir);
      return FALSE;
    }
  /* Communes (csv) before structures, so that the structures find their
   * commune. */
  g_ptr_array_sort (files, compare_files);

  report = import_files (self, (GFile **) files->pdata, files->len, TRUE, NULL, NULL, NULL, error);
  if (report == NULL)
    return FALSE;
  if (cercle_import_report_get_skipped (report) > 0)
    {
      const char * const *messages = cercle_import_report_get_messages (report);

      for (guint i = 0; messages[i]; i++)
        g_warning ("Demo directory: %s", messages[i]);
    }
  return TRUE;
}

static void
ensure_demo_thread (GTask        *task,
                    gpointer      source_object,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  GError *error = NULL;

  if (cercle_directory_ensure_demo (source_object, task_data, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/**
 * cercle_directory_ensure_demo_async:
 * @self: a #CercleDirectory
 * @demo_dir: (nullable): as for cercle_directory_ensure_demo()
 * @cancellable: (nullable): a #GCancellable
 * @callback: called on the caller's main context
 * @user_data: data for @callback
 *
 * Runs cercle_directory_ensure_demo() in a worker thread: what the app
 * calls at start-up.
 */
void
cercle_directory_ensure_demo_async (CercleDirectory     *self,
                                    const char          *demo_dir,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (CERCLE_IS_DIRECTORY (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, cercle_directory_ensure_demo_async);
  g_task_set_task_data (task, g_strdup (demo_dir), g_free);
  g_task_run_in_thread (task, ensure_demo_thread);
}

/**
 * cercle_directory_ensure_demo_finish:
 * @self: a #CercleDirectory
 * @result: the result given to the callback
 * @error: return location for an error
 *
 * Returns: %TRUE when the directory is ready
 */
gboolean
cercle_directory_ensure_demo_finish (CercleDirectory  *self,
                                     GAsyncResult     *result,
                                     GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == cercle_directory_ensure_demo_async, FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* -------------------------------------------------------------- export -- */

static void
csv_field (GString    *out,
           const char *text)
{
  if (text == NULL)
    return;
  /* RFC 4180, with ';' as the separator a French spreadsheet expects. */
  if (strpbrk (text, ";\"\r\n") == NULL)
    {
      g_string_append (out, text);
      return;
    }
  g_string_append_c (out, '"');
  for (const char *p = text; *p; p++)
    {
      if (*p == '"')
        g_string_append_c (out, '"');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

/* A code made of digits (FINESS number, postcode): always quoted. A
 * spreadsheet reads a bare 010002317 as the number 10002317; LibreOffice
 * keeps a quoted field as text ("Format quoted field as text", remembered
 * once ticked) and Excel when the column is typed Text in its import
 * (Data ▸ From Text/CSV). Nothing is added to the value itself: a ="…"
 * formula or a leading tab would come back in a script or a re-import. */
static void
csv_code (GString    *out,
          const char *text)
{
  if (text == NULL || *text == '\0')
    return;
  if (strpbrk (text, ";\"\r\n") != NULL)
    {
      csv_field (out, text);
      return;
    }
  g_string_append_c (out, '"');
  g_string_append (out, text);
  g_string_append_c (out, '"');
}

/* A French phone number as people write it, "01 64 10 20 30": with its
 * spaces no spreadsheet takes it for a number (and drops its 0). */
static void
csv_phone (GString    *out,
           const char *phone)
{
  if (phone != NULL && strlen (phone) == 10 && strspn (phone, "0123456789") == 10)
    {
      g_string_append_c (out, '"');
      for (guint i = 0; i < 10; i += 2)
        {
          if (i > 0)
            g_string_append_c (out, ' ');
          g_string_append_len (out, phone + i, 2);
        }
      g_string_append_c (out, '"');
    }
  else
    csv_code (out, phone);
}

/**
 * cercle_directory_export_csv:
 * @structures: a #GListModel of #CercleStructure
 * @file: where to write (replaced atomically)
 * @error: return location for an error
 *
 * cercle_directory_export_csv_full() without a commune: the column of the
 * zone is left empty.
 *
 * Returns: %TRUE on success
 */
gboolean
cercle_directory_export_csv (GListModel  *structures,
                             GFile       *file,
                             GError     **error)
{
  return cercle_directory_export_csv_full (structures, NULL, file, error);
}

/**
 * cercle_directory_export_csv_full:
 * @structures: a #GListModel of #CercleStructure
 * @commune_code: (nullable): the commune the list was searched around
 *   (cercle_directory_nearest()), %NULL for another list
 * @file: where to write (replaced atomically)
 * @error: return location for an error
 *
 * Writes @structures as a CSV file a French spreadsheet opens as it is:
 * UTF-8 with a byte order mark, `;` between fields, CRLF line ends, quotes
 * per RFC 4180, French column names, distances with a decimal comma. The
 * FINESS numbers, postcodes and phone numbers are quoted (text, leading
 * zeros kept: see csv_code()), phone numbers grouped by two. With
 * @commune_code, the column « Zone couvrant la commune » says « oui » or
 * « non » for each structure.
 *
 * Returns: %TRUE on success
 */
gboolean
cercle_directory_export_csv_full (GListModel  *structures,
                                  const char  *commune_code,
                                  GFile       *file,
                                  GError     **error)
{
  g_autoptr(GString) out = g_string_new ("\xef\xbb\xbf");
  guint n;

  g_return_val_if_fail (G_IS_LIST_MODEL (structures), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  /* The column names are part of the file format (French like FINESS),
   * not interface text: they do not follow the locale. */
  g_string_append (out, "FINESS;Nom;Catégorie;Adresse;Code postal;Commune;Téléphone;Distance (km);"
                        "Zone couvrant la commune\r\n");
  n = g_list_model_get_n_items (structures);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(CercleStructure) s = g_list_model_get_item (structures, i);
      const char *category = cercle_structure_get_category_label (s);
      double distance = cercle_structure_get_distance_km (s);

      if (category == NULL)
        category = cercle_structure_get_category_code (s);
      csv_code (out, cercle_structure_get_finess (s));
      g_string_append_c (out, ';');
      csv_field (out, cercle_structure_get_name (s));
      g_string_append_c (out, ';');
      csv_field (out, category);
      g_string_append_c (out, ';');
      csv_field (out, cercle_structure_get_address (s));
      g_string_append_c (out, ';');
      csv_code (out, cercle_structure_get_postcode (s));
      g_string_append_c (out, ';');
      csv_field (out, cercle_structure_get_commune_name (s));
      g_string_append_c (out, ';');
      csv_phone (out, cercle_structure_get_phone (s));
      g_string_append_c (out, ';');
      if (distance >= 0)
        {
          char buf[G_ASCII_DTOSTR_BUF_SIZE];
          char *dot;

          g_ascii_formatd (buf, sizeof buf, "%.2f", distance);
          dot = strchr (buf, '.');
          if (dot)
            *dot = ',';
          g_string_append (out, buf);
        }
      g_string_append_c (out, ';');
      if (commune_code != NULL)
        g_string_append (out, cercle_structure_get_covers_commune (s) ? "oui" : "non");
      g_string_append (out, "\r\n");
    }

  return g_file_replace_contents (file, out->str, out->len, NULL, FALSE, G_FILE_CREATE_REPLACE_DESTINATION,
                                  NULL, NULL, error);
}
