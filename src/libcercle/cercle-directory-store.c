/* cercle-directory-store.c — the directory of services in a CercleDb
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cercle-directory"

#include "config.h"

#include "cercle-directory-store.h"

/* The directory tables live in their own migration set, "directory", so
 * that the client store and the server store can both carry them. */
static const CercleMigration directory_migrations[] = {
  { 1, "structures, communes, zones and their indexes",
    /* One row per FINESS site. source says which import wrote it: the demo
     * rows go away when a real directory is imported. city is the commune
     * name as the file wrote it and city_key its folded form (CEDEX
     * removed) to find commune_code when the file gives no INSEE code. */
    "CREATE TABLE dir_structure ("
    "  id INTEGER PRIMARY KEY,"
    "  finess TEXT NOT NULL UNIQUE,"
    "  name TEXT NOT NULL,"
    "  category_code TEXT,"
    "  address TEXT,"
    "  postcode TEXT,"
    "  city TEXT,"
    "  city_key TEXT,"
    "  commune_code TEXT,"
    "  phone TEXT,"
    "  latitude REAL,"
    "  longitude REAL,"
    "  source TEXT NOT NULL"
    ");"
    "CREATE INDEX dir_structure_category ON dir_structure (category_code);"
    "CREATE INDEX dir_structure_commune ON dir_structure (commune_code);"
    "CREATE INDEX dir_structure_source ON dir_structure (source);"
    /* The spatial index: latitude, longitude and the category code as a
     * third dimension, so that a search for one category descends only the
     * branches holding that category instead of filtering every site of a
     * box. Rebuilt from dir_structure after each import. */
    "CREATE VIRTUAL TABLE dir_structure_rtree USING rtree ("
    "  id, min_lat, max_lat, min_lon, max_lon, min_cat, max_cat);"
    /* The same without the category, for a search of every category: in
     * the tree above the nodes split on the category first, and a query
     * on the position alone would visit most of them. */
    "CREATE VIRTUAL TABLE dir_structure_geo USING rtree ("
    "  id, min_lat, max_lat, min_lon, max_lon);"
    /* Full text on names and commune names (accents folded by the
     * tokenizer), over the table itself. */
    "CREATE VIRTUAL TABLE dir_structure_fts USING fts5 ("
    "  name, city, content='dir_structure', content_rowid='id',"
    "  tokenize='unicode61 remove_diacritics 2');"
    /* Labels of the FINESS categories, as the imported files give them. */
    "CREATE TABLE dir_category ("
    "  code TEXT PRIMARY KEY,"
    "  label TEXT NOT NULL"
    ");"
    /* Intervention zones: which communes a (home) service covers. Keyed by
     * FINESS, not by row, because a zone may come in another file than the
     * site or before it. */
    "CREATE TABLE dir_zone ("
    "  finess TEXT NOT NULL,"
    "  insee TEXT NOT NULL,"
    "  PRIMARY KEY (finess, insee)"
    ") WITHOUT ROWID;"
    "CREATE INDEX dir_zone_insee ON dir_zone (insee, finess);"
    /* Communes (INSEE COG). name_key is the folded name with "saint" as
     * "st", the way La Poste writes it. */
    "CREATE TABLE dir_commune ("
    "  insee TEXT PRIMARY KEY,"
    "  name TEXT NOT NULL,"
    "  name_key TEXT NOT NULL,"
    "  postcodes TEXT NOT NULL DEFAULT '',"
    "  latitude REAL,"
    "  longitude REAL,"
    "  source TEXT NOT NULL"
    ");"
    "CREATE INDEX dir_commune_name_key ON dir_commune (name_key);"
    "CREATE TABLE dir_commune_postcode ("
    "  postcode TEXT NOT NULL,"
    "  insee TEXT NOT NULL,"
    "  PRIMARY KEY (postcode, insee)"
    ") WITHOUT ROWID;"
    "CREATE INDEX dir_commune_postcode_insee ON dir_commune_postcode (insee);"
    /* Other names a commune is known by (La Poste's ligne 5: a village of
     * the commune, the delivery name). */
    "CREATE TABLE dir_commune_alias ("
    "  key TEXT NOT NULL,"
    "  insee TEXT NOT NULL,"
    "  PRIMARY KEY (key, insee)"
    ") WITHOUT ROWID;"
    "CREATE INDEX dir_commune_alias_insee ON dir_commune_alias (insee);"
    /* Word-prefix search on the names and aliases; rebuilt after each
     * import of communes. */
    "CREATE VIRTUAL TABLE dir_commune_fts USING fts5 ("
    "  key, insee UNINDEXED, prefix='1 2 3');" },
  /* Step 1 first shipped (to development branches) without
   * dir_structure_geo: a store made then gets it here, filled. */
  { 2, "spatial index without the category, for stores made before it",
    "CREATE VIRTUAL TABLE IF NOT EXISTS dir_structure_geo USING rtree ("
    "  id, min_lat, max_lat, min_lon, max_lon);"
    "INSERT INTO dir_structure_geo"
    "  SELECT id, latitude, latitude, longitude, longitude FROM dir_structure"
    "  WHERE latitude IS NOT NULL AND longitude IS NOT NULL"
    "  AND NOT EXISTS (SELECT 1 FROM dir_structure_geo);" },
  /* The official list of communes (INSEE's COG, as Etalab publishes it):
   * names with accents and proper case, population (it ranks the communes
   * of a shared postcode), delegated and associated communes (their names
   * find the commune they belong to) and the codes of merged communes (a
   * FINESS address or a zone may still give one). Kept apart from
   * dir_commune, which La Poste's base fills: whichever file comes first,
   * the end of the import puts the official name on the commune. */
  { 3, "official commune names, population and former codes (COG)",
    "ALTER TABLE dir_commune ADD COLUMN population INTEGER;"
    /* A delegated commune may keep the code of its new commune
     * (Moret-sur-Loing in Moret-Loing-et-Orvanne): keyed by code and type. */
    "CREATE TABLE dir_commune_cog ("
    "  code TEXT NOT NULL,"
    "  type TEXT NOT NULL,"
    "  name TEXT NOT NULL,"
    "  key TEXT NOT NULL,"
    "  insee TEXT NOT NULL,"  /* the current commune it is or belongs to */
    "  population INTEGER,"
    "  PRIMARY KEY (code, type)"
    ") WITHOUT ROWID;"
    "CREATE INDEX dir_commune_cog_insee ON dir_commune_cog (insee);"
    "CREATE TABLE dir_commune_former ("
    "  code TEXT PRIMARY KEY,"
    "  insee TEXT NOT NULL"
    ") WITHOUT ROWID;" },
};

/**
 * cercle_directory_store_migrate:
 * @db: a store
 * @error: return location for a #CERCLE_DB_ERROR
 *
 * Brings the directory tables of @db up to date.
 *
 * Returns: %TRUE on success
 */
gboolean
cercle_directory_store_migrate (CercleDb  *db,
                                GError   **error)
{
  return cercle_db_migrate (db, "directory", directory_migrations,
                            G_N_ELEMENTS (directory_migrations), error);
}
