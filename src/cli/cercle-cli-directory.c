/* cercle-cli-directory.c — cercle-cli directory …
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The directory from a shell: import the official files, find the nearest
 * services, complete a commune, export a list. Scriptable: results on
 * stdout (text, tsv or json), messages on stderr, exit status 0 (done),
 * 1 (failed) or 2 (wrong usage). The progress line of an import is drawn
 * only on a terminal.
 */
#define G_LOG_DOMAIN "cercle-cli"

#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "cercle-cli.h"
#include "cercle-directory.h"
#include "cercle-store.h"
#include "cercle-validate.h"

#define EXIT_USAGE 2

static int
usage_error (GOptionContext *context,
             const char     *message)
{
  g_autofree char *help = g_option_context_get_help (context, TRUE, NULL);

  g_printerr ("cercle-cli: %s\n\n%s", message, help);
  return EXIT_USAGE;
}

static GOptionContext *
new_context (const char        *parameters,
             const char        *summary,
             const GOptionEntry *entries)
{
  GOptionContext *context = g_option_context_new (parameters);

  g_option_context_set_summary (context, summary);
  if (entries)
    g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  return context;
}

/* What the categories are, for an error message and for
 * "directory categories". */
static char *
describe_categories (void)
{
  GString *s = g_string_new (NULL);
  gsize n_known;
  const CercleCategory *known = cercle_directory_categories (&n_known);

  for (gsize k = 0; k < n_known; k++)
    {
      g_autofree char *codes = g_strjoinv (",", (char **) known[k].codes);

      g_string_append_printf (s, "%s%s (%s)", k ? ", " : "", known[k].id, codes);
    }
  return g_string_free (s, FALSE);
}

/* "354,ssiad,500" → FINESS codes; the short names of the categories
 * (ssiad, ehpad…) are accepted for the codes they stand for, and any
 * other FINESS code the directory holds. Anything else is a typo: the
 * user is told which exist (returns %NULL and a message). */
static char **
parse_categories (CercleDirectory  *directory,
                  char            **options,
                  char            **problem)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  gsize n_known;
  const CercleCategory *known = cercle_directory_categories (&n_known);

  for (guint i = 0; options && options[i]; i++)
    {
      g_auto(GStrv) parts = g_strsplit (options[i], ",", -1);

      for (guint j = 0; parts[j]; j++)
        {
          const char *part = g_strstrip (parts[j]);
          gboolean matched = FALSE;

          if (*part == '\0')
            continue;
          for (gsize k = 0; k < n_known && !matched; k++)
            {
              if (g_ascii_strcasecmp (known[k].id, part) == 0
                  || g_strv_contains (known[k].codes, part))
                {
                  g_strv_builder_addv (builder, (const char **) known[k].codes);
                  matched = TRUE;
                }
            }
          if (!matched && strlen (part) == 3 && strspn (part, "0123456789") == 3
              && cercle_directory_count_category (directory, part, NULL) > 0)
            {
              g_strv_builder_add (builder, part);
              matched = TRUE;
            }
          if (!matched)
            {
              g_autofree char *list = describe_categories ();

              *problem = g_strdup_printf (_("Unknown category “%s”. The categories are: %s; or any other "
                                            "FINESS category code of the imported directory. "
                                            "“cercle-cli directory categories” lists them."),
                                          part, list);
              return NULL;
            }
        }
    }
  return g_strv_builder_end (builder);
}

static gboolean
parse_point (const char *text,
             double     *lat,
             double     *lon)
{
  g_auto(GStrv) parts = g_strsplit (text, ",", -1);
  char *end;

  if (g_strv_length (parts) != 2)
    return FALSE;
  *lat = g_ascii_strtod (g_strstrip (parts[0]), &end);
  if (*end != '\0' || end == parts[0])
    return FALSE;
  *lon = g_ascii_strtod (g_strstrip (parts[1]), &end);
  if (*end != '\0' || end == parts[1])
    return FALSE;
  return TRUE;
}

/* ------------------------------------------------------------- import -- */

typedef struct {
  gboolean tty;
  int      last_percent;
} ImportProgress;

static void
on_import_progress (double   fraction,
                    gpointer user_data)
{
  ImportProgress *progress = user_data;
  int percent = (int) (fraction * 100.0);

  if (!progress->tty || percent == progress->last_percent)
    return;
  progress->last_percent = percent;
  /* TRANSLATORS: the progress line of an import on a terminal */
  g_printerr ("\r%s %3d %%", _("Importing…"), percent);
}

static int
directory_import (const CercleCliGlobals  *globals,
                  int                      argc,
                  char                   **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CercleDirectory) directory = NULL;
  g_autoptr(CercleImportReport) report = NULL;
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree char *summary = NULL;
  const char * const *messages;
  ImportProgress progress = { 0 };

  context = new_context (_("FILE…"),
                         _("Imports FINESS files (FHIR ndjson, or the JSON flow), La Poste’s postcode "
                           "base (CSV) and INSEE’s list of communes (Etalab’s communes.json: names with "
                           "accents, population), plain or gzip. The import is all or nothing: on failure "
                           "the directory stays as it was. Malformed records are skipped and reported as "
                           "FILE:LINE: reason."),
                         NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return usage_error (context, error->message);
  if (argc < 2)
    return usage_error (context, _("Give at least one file to import"));

  for (int i = 1; i < argc; i++)
    g_ptr_array_add (files, g_file_new_for_commandline_arg (argv[i]));

  progress.tty = isatty (STDERR_FILENO);
  progress.last_percent = -1;
  directory = cercle_directory_new (globals->db_path);
  report = cercle_directory_import (directory, (GFile **) files->pdata, files->len,
                                    on_import_progress, &progress, NULL, &error);
  if (progress.tty && progress.last_percent >= 0)
    g_printerr ("\r\033[K");
  if (report == NULL)
    {
      g_printerr (_("cercle-cli: import failed, the directory is unchanged: %s\n"), error->message);
      return 1;
    }

  messages = cercle_import_report_get_messages (report);
  for (guint i = 0; messages[i]; i++)
    g_printerr ("%s\n", messages[i]);
  summary = cercle_import_report_dup_summary (report);
  g_print ("%s\n", summary);
  return 0;
}

/* ------------------------------------------------------------ nearest -- */

typedef enum {
  FORMAT_TEXT,
  FORMAT_TSV,
  FORMAT_JSON,
} OutputFormat;

static void
print_text (GListModel *model)
{
  guint n = g_list_model_get_n_items (model);

  if (n == 0)
    {
      g_print ("%s\n", _("No structure found."));
      return;
    }
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(CercleStructure) s = g_list_model_get_item (model, i);
      const char *label = cercle_structure_get_category_label (s);
      double distance = cercle_structure_get_distance_km (s);

      g_print ("%2u. %s — %s\n", i + 1, cercle_structure_get_name (s),
               label ? label : cercle_structure_get_category_code (s));
      g_print ("    %s %s, %s %s", _("FINESS"), cercle_structure_get_finess (s),
               cercle_structure_get_address (s) ? cercle_structure_get_address (s) : "",
               cercle_structure_get_postcode (s) ? cercle_structure_get_postcode (s) : "");
      g_print (" %s", cercle_structure_get_commune_name (s) ? cercle_structure_get_commune_name (s) : "");
      if (distance >= 0)
        {
          /* TRANSLATORS: a distance in kilometres */
          g_autofree char *km = g_strdup_printf (_("%.1f km"), distance);

          g_print (" — %s", km);
        }
      if (cercle_structure_get_covers_commune (s))
        g_print (" — %s", _("covers the commune"));
      if (cercle_structure_get_phone (s))
        g_print ("\n    %s %s", _("Phone"), cercle_structure_get_phone (s));
      g_print ("\n");
    }
}

static void
print_tsv (GListModel *model)
{
  guint n = g_list_model_get_n_items (model);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(CercleStructure) s = g_list_model_get_item (model, i);
      g_autofree char *name = g_strdelimit (g_strdup (cercle_structure_get_name (s)), "\t\n\r", ' ');
      char distance[G_ASCII_DTOSTR_BUF_SIZE] = "";

      if (cercle_structure_get_distance_km (s) >= 0)
        g_ascii_formatd (distance, sizeof distance, "%.3f", cercle_structure_get_distance_km (s));
      g_print ("%s\t%s\t%s\t%s\t%s\n",
               cercle_structure_get_finess (s), name,
               cercle_structure_get_category_code (s) ? cercle_structure_get_category_code (s) : "",
               cercle_structure_get_commune_code (s) ? cercle_structure_get_commune_code (s) : "",
               distance);
    }
}

/* JSON by hand: json-glib writes a double with 17 digits
 * (0.59999999999999998 for 0.6); a number here is written with the
 * fewest digits that read back as the same double. */
static void
json_string (GString    *out,
             const char *text)
{
  if (text == NULL)
    {
      g_string_append (out, "null");
      return;
    }
  g_string_append_c (out, '"');
  for (const guchar *p = (const guchar *) text; *p; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_printf (out, "\\%c", *p);
      else if (*p == '\n')
        g_string_append (out, "\\n");
      else if (*p == '\r')
        g_string_append (out, "\\r");
      else if (*p == '\t')
        g_string_append (out, "\\t");
      else if (*p < 0x20)
        g_string_append_printf (out, "\\u%04x", *p);
      else
        g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

static void
json_number (GString *out,
             double   value)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  for (int digits = 1; digits <= 17; digits++)
    {
      g_autofree char *format = g_strdup_printf ("%%.%dg", digits);

      g_ascii_formatd (buf, sizeof buf, format, value);
      if (g_ascii_strtod (buf, NULL) == value)
        break;
    }
  g_string_append (out, buf);
}

static void
json_member (GString    *out,
             const char *name,
             gboolean    first)
{
  g_string_append (out, first ? "\n    " : ",\n    ");
  json_string (out, name);
  g_string_append (out, ": ");
}

static void
print_json (GListModel *model)
{
  g_autoptr(GString) out = g_string_new ("[");
  guint n = g_list_model_get_n_items (model);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(CercleStructure) s = g_list_model_get_item (model, i);
      const char * const *zone = cercle_structure_get_zone (s);
      double distance = cercle_structure_get_distance_km (s);
      struct { const char *name; const char *value; } strings[] = {
        { "finess", cercle_structure_get_finess (s) },
        { "name", cercle_structure_get_name (s) },
        { "category_code", cercle_structure_get_category_code (s) },
        { "category_label", cercle_structure_get_category_label (s) },
        { "address", cercle_structure_get_address (s) },
        { "postcode", cercle_structure_get_postcode (s) },
        { "commune_code", cercle_structure_get_commune_code (s) },
        { "commune_name", cercle_structure_get_commune_name (s) },
        { "phone", cercle_structure_get_phone (s) },
      };

      g_string_append (out, i ? ",\n  {" : "\n  {");
      for (guint j = 0; j < G_N_ELEMENTS (strings); j++)
        {
          json_member (out, strings[j].name, j == 0);
          json_string (out, strings[j].value);
        }
      json_member (out, "latitude", FALSE);
      if (cercle_structure_has_position (s))
        json_number (out, cercle_structure_get_latitude (s));
      else
        g_string_append (out, "null");
      json_member (out, "longitude", FALSE);
      if (cercle_structure_has_position (s))
        json_number (out, cercle_structure_get_longitude (s));
      else
        g_string_append (out, "null");
      json_member (out, "distance_km", FALSE);
      if (distance >= 0)
        json_number (out, round (distance * 1000.0) / 1000.0);
      else
        g_string_append (out, "null");
      json_member (out, "covers_commune", FALSE);
      g_string_append (out, cercle_structure_get_covers_commune (s) ? "true" : "false");
      json_member (out, "zone", FALSE);
      if (zone)
        {
          g_string_append_c (out, '[');
          for (guint j = 0; zone[j]; j++)
            {
              if (j > 0)
                g_string_append (out, ", ");
              json_string (out, zone[j]);
            }
          g_string_append_c (out, ']');
        }
      else
        g_string_append (out, "null");
      g_string_append (out, "\n  }");
    }
  g_string_append (out, n ? "\n]\n" : "]\n");
  fwrite (out->str, 1, out->len, stdout);
}

typedef struct {
  char    *commune;
  char    *at;
  char   **categories;
  int      limit;
  double   max_km;
  char    *format;
  char    *output;
} SearchOptions;

static void
search_options_clear (SearchOptions *o)
{
  g_free (o->commune);
  g_free (o->at);
  g_strfreev (o->categories);
  g_free (o->format);
  g_free (o->output);
}

#define LIMIT_UNSET G_MININT

/* Fills @query from the options; returns an error message for the user. */
static char *
build_query (CercleDirectory     *directory,
             SearchOptions       *o,
             CercleNearestQuery  *query,
             char              ***codes)
{
  char *problem = NULL;

  memset (query, 0, sizeof *query);
  if (o->commune && o->at)
    return g_strdup (_("Give --commune or --at, not both"));
  if (o->at && !parse_point (o->at, &query->latitude, &query->longitude))
    return g_strdup_printf (_("--at wants LAT,LON with a dot for decimals, e.g. 48.5394,2.6553; not “%s”"), o->at);
  if (o->limit != LIMIT_UNSET && o->limit <= 0)
    return g_strdup_printf (_("--limit must be at least 1, not %d"), o->limit);
  if (isnan (o->max_km) || o->max_km < 0)
    return g_strdup (_("--max-km must be a positive distance in kilometres"));
  query->commune_code = o->commune;
  query->limit = o->limit == LIMIT_UNSET ? 0 : o->limit;
  query->max_km = o->max_km;
  *codes = parse_categories (directory, o->categories, &problem);
  if (*codes == NULL)
    return problem;
  query->categories = (const char * const *) *codes;
  return NULL;
}

/* --commune takes an INSEE code. A postcode (77000 is not Melun's code,
 * 77288 is) or a name is the usual slip: say so, and show the codes. */
static char *
check_commune (CercleDirectory *directory,
               const char      *commune)
{
  g_autoptr(CercleCommune) found = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GListModel) candidates = NULL;
  GString *s;
  guint n;

  if (commune == NULL)
    return NULL;
  if (cercle_validate_insee_code (commune, NULL))
    {
      found = cercle_directory_get_commune (directory, commune, &error);
      if (found != NULL || !g_error_matches (error, CERCLE_DIRECTORY_ERROR, CERCLE_DIRECTORY_ERROR_UNKNOWN_COMMUNE))
        return NULL;  /* known, or another failure the search will report */
    }
  s = g_string_new (NULL);
  g_string_append_printf (s, _("--commune takes the INSEE code of a commune (77288 for Melun), not a postcode "
                               "or a name: “%s” is none in the directory. “cercle-cli directory communes "
                               "%s” finds the code."),
                          commune, commune);
  candidates = cercle_directory_find_communes (directory, commune, 5, NULL);
  n = candidates ? g_list_model_get_n_items (candidates) : 0;
  if (n > 0)
    {
      g_string_append_c (s, '\n');
      g_string_append (s, _("Communes for it:"));
    }
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(CercleCommune) c = g_list_model_get_item (candidates, i);

      g_string_append_printf (s, "\n  %s\t%s\t%s", cercle_commune_get_insee_code (c), cercle_commune_get_name (c),
                              cercle_commune_get_postcodes (c));
    }
  return g_string_free (s, FALSE);
}

static int
directory_nearest (const CercleCliGlobals  *globals,
                   int                      argc,
                   char                   **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CercleDirectory) directory = NULL;
  g_autoptr(GListModel) model = NULL;
  g_auto(GStrv) codes = NULL;
  g_autofree char *problem = NULL;
  SearchOptions o = { .limit = 20, .max_km = 0 };
  OutputFormat format = FORMAT_TEXT;
  g_autofree char *format_help = NULL;
  CercleNearestQuery query;
  GOptionEntry entries[] = {
    { "commune", 0, 0, G_OPTION_ARG_STRING, &o.commune,
      N_("The patient’s commune: search around it, its covering services first"), N_("INSEE") },
    { "at", 0, 0, G_OPTION_ARG_STRING, &o.at, N_("Search around this point (WGS84)"), N_("LAT,LON") },
    { "category", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o.categories,
      N_("FINESS category codes or short names (ssiad, ehpad…), comma separated; all when absent"),
      N_("CODE[,CODE…]") },
    { "limit", 0, 0, G_OPTION_ARG_INT, &o.limit, N_("How many structures (default 20)"), N_("N") },
    { "max-km", 0, 0, G_OPTION_ARG_DOUBLE, &o.max_km, N_("Only structures within this distance"), N_("D") },
    { "format", 0, 0, G_OPTION_ARG_STRING, &o.format,
      N_("text (default), tsv (finess, name, category, commune INSEE code, distance in km) or json"),
      N_("FORMAT") },
    { NULL }
  };

  context = new_context (_("(--commune INSEE | --at LAT,LON)"),
                         _("The structures nearest to a commune or a point, by great-circle distance. "
                           "With --commune, the services whose intervention zone covers the commune come "
                           "first."),
                         entries);
  /* Scripts read tsv: its columns are a contract, whatever the locale. */
  format_help = g_strdup_printf ("%s\n  %s\n  %s\n  %s",
                                 _("Output formats:"),
                                 _("text: for a person, in the language and number format of the locale"),
                                 _("tsv: one structure a line, tab-separated, no header: FINESS number, name, "
                                   "FINESS category code, INSEE code of the commune, distance in km with a dot "
                                   "and three decimals (empty without a distance)"),
                                 _("json: an array of objects (finess, name, category_code, category_label, "
                                   "address, postcode, commune_code, commune_name, phone, latitude, longitude, "
                                   "distance_km, covers_commune, zone)"));
  g_option_context_set_description (context, format_help);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      search_options_clear (&o);
      return usage_error (context, error->message);
    }
  if (argc > 1)
    problem = g_strdup_printf (_("Unexpected argument “%s”"), argv[1]);
  else if (o.commune == NULL && o.at == NULL)
    problem = g_strdup (_("Give --commune INSEE or --at LAT,LON"));
  else if (o.format && strcmp (o.format, "text") != 0 && strcmp (o.format, "tsv") != 0
           && strcmp (o.format, "json") != 0)
    problem = g_strdup_printf (_("Unknown format “%s”: text, tsv or json"), o.format);
  directory = cercle_directory_new (globals->db_path);
  if (problem == NULL)
    problem = build_query (directory, &o, &query, &codes);
  if (problem == NULL)
    problem = check_commune (directory, o.commune);
  if (problem)
    {
      search_options_clear (&o);
      return usage_error (context, problem);
    }
  if (g_strcmp0 (o.format, "tsv") == 0)
    format = FORMAT_TSV;
  else if (g_strcmp0 (o.format, "json") == 0)
    format = FORMAT_JSON;

  model = cercle_directory_nearest (directory, &query, &error);
  search_options_clear (&o);
  if (model == NULL)
    {
      g_printerr ("cercle-cli: %s\n", error->message);
      return 1;
    }
  if (format == FORMAT_TSV)
    print_tsv (model);
  else if (format == FORMAT_JSON)
    print_json (model);
  else
    print_text (model);
  return 0;
}

/* ----------------------------------------------------------- communes -- */

static int
directory_communes (const CercleCliGlobals  *globals,
                    int                      argc,
                    char                   **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CercleDirectory) directory = NULL;
  g_autoptr(GListModel) model = NULL;
  g_autofree char *query = NULL;
  int limit = 20;
  guint n;
  GOptionEntry entries[] = {
    { "limit", 0, 0, G_OPTION_ARG_INT, &limit, N_("How many communes (default 20)"), N_("N") },
    { NULL }
  };

  context = new_context (_("QUERY"),
                         _("Communes by name (accents and case ignored), postcode or INSEE code: one a "
                           "line, INSEE code, name and postcodes separated by tabs."),
                         entries);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return usage_error (context, error->message);
  if (argc < 2)
    return usage_error (context, _("Give the start of a name, a postcode or an INSEE code"));
  if (limit <= 0)
    return usage_error (context, _("--limit must be positive"));

  query = g_strjoinv (" ", argv + 1);
  directory = cercle_directory_new (globals->db_path);
  model = cercle_directory_find_communes (directory, query, limit, &error);
  if (model == NULL)
    {
      g_printerr ("cercle-cli: %s\n", error->message);
      return 1;
    }
  n = g_list_model_get_n_items (model);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(CercleCommune) c = g_list_model_get_item (model, i);

      g_print ("%s\t%s\t%s\n", cercle_commune_get_insee_code (c), cercle_commune_get_name (c),
               cercle_commune_get_postcodes (c));
    }
  if (n == 0)
    {
      g_autoptr(GListModel) close = cercle_directory_suggest_communes (directory, query, 5, NULL);
      guint n_close = close ? g_list_model_get_n_items (close) : 0;

      g_printerr (_("No commune matches “%s”.\n"), query);
      /* A slip of one or two letters ("melum"): the names it was near. */
      if (n_close > 0)
        g_printerr ("%s\n", _("Closest names:"));
      for (guint i = 0; i < n_close; i++)
        {
          g_autoptr(CercleCommune) c = g_list_model_get_item (close, i);

          g_printerr ("  %s\t%s\t%s\n", cercle_commune_get_insee_code (c), cercle_commune_get_name (c),
                      cercle_commune_get_postcodes (c));
        }
      return 1;
    }
  return 0;
}

/* ------------------------------------------------------------- export -- */

static int
directory_export (const CercleCliGlobals  *globals,
                  int                      argc,
                  char                   **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CercleDirectory) directory = NULL;
  g_autoptr(GListModel) model = NULL;
  g_autoptr(GFile) file = NULL;
  g_auto(GStrv) codes = NULL;
  g_autofree char *problem = NULL;
  SearchOptions o = { .limit = LIMIT_UNSET, .max_km = 0 };
  CercleNearestQuery query;
  GOptionEntry entries[] = {
    { "category", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o.categories,
      N_("FINESS category codes or short names, comma separated; all when absent"), N_("CODE[,CODE…]") },
    { "commune", 0, 0, G_OPTION_ARG_STRING, &o.commune,
      N_("The nearest structures to this commune, sorted by distance"), N_("INSEE") },
    { "at", 0, 0, G_OPTION_ARG_STRING, &o.at, N_("The nearest structures to this point"), N_("LAT,LON") },
    { "limit", 0, 0, G_OPTION_ARG_INT, &o.limit,
      N_("With --commune or --at: how many structures (default 100)"), N_("N") },
    { "max-km", 0, 0, G_OPTION_ARG_DOUBLE, &o.max_km,
      N_("With --commune or --at: only structures within this distance"), N_("D") },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &o.output, N_("The CSV file to write"), N_("FILE.csv") },
    { NULL }
  };

  context = new_context (_("--output FILE.csv"),
                         _("Writes structures as CSV for a spreadsheet (UTF-8, “;”, French headers): the "
                           "nearest to a commune or a point, or else every structure of the categories."),
                         entries);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      search_options_clear (&o);
      return usage_error (context, error->message);
    }
  if (argc > 1)
    problem = g_strdup_printf (_("Unexpected argument “%s”"), argv[1]);
  else if (o.output == NULL)
    problem = g_strdup (_("Give the file to write with --output"));
  directory = cercle_directory_new (globals->db_path);
  if (problem == NULL)
    problem = build_query (directory, &o, &query, &codes);
  if (problem == NULL)
    problem = check_commune (directory, o.commune);
  if (problem)
    {
      search_options_clear (&o);
      return usage_error (context, problem);
    }

  if (o.commune || o.at)
    {
      if (query.limit == 0)
        query.limit = 100;
      model = cercle_directory_nearest (directory, &query, &error);
    }
  else
    model = cercle_directory_list_structures (directory, query.categories, NULL, &error);

  file = g_file_new_for_commandline_arg (o.output);
  if (model == NULL || !cercle_directory_export_csv_full (model, o.commune, file, &error))
    {
      search_options_clear (&o);
      g_printerr ("cercle-cli: %s\n", error->message);
      return 1;
    }
  search_options_clear (&o);
  g_print (g_dngettext (GETTEXT_PACKAGE, "%'u structure exported\n", "%'u structures exported\n",
                        g_list_model_get_n_items (model)),
           g_list_model_get_n_items (model));
  return 0;
}

/* --------------------------------------------------------------- demo -- */

static int
directory_demo (const CercleCliGlobals  *globals,
                int                      argc,
                char                   **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CercleDirectory) directory = NULL;

  context = new_context (_("[FOLDER]"),
                         _("Loads the demo directory (fictitious structures around Melun, Meaux and "
                           "Fontainebleau) when the directory is empty."),
                         NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return usage_error (context, error->message);
  if (argc > 2)
    return usage_error (context, _("Give at most one folder"));

  directory = cercle_directory_new (globals->db_path);
  if (!cercle_directory_ensure_demo (directory, argc == 2 ? argv[1] : NULL, &error))
    {
      g_printerr ("cercle-cli: %s\n", error->message);
      return 1;
    }
  return 0;
}

/* --------------------------------------------------------- categories -- */

static int
directory_categories (const CercleCliGlobals  *globals,
                      int                      argc,
                      char                   **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  gsize n_known;
  const CercleCategory *known = cercle_directory_categories (&n_known);

  context = new_context (NULL,
                         _("The categories --category takes: a short name, its FINESS category codes and "
                           "its label, tab-separated. Any other FINESS category code of the imported "
                           "directory is taken too."),
                         NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return usage_error (context, error->message);
  if (argc > 1)
    {
      g_autofree char *problem = g_strdup_printf (_("Unexpected argument “%s”"), argv[1]);

      return usage_error (context, problem);
    }
  for (gsize k = 0; k < n_known; k++)
    {
      g_autofree char *codes = g_strjoinv (",", (char **) known[k].codes);
      const char *label = cercle_directory_category_label (known[k].codes[0]);

      g_print ("%s\t%s\t%s\n", known[k].id, codes, label ? label : _(known[k].short_label));
    }
  return 0;
}

/* --------------------------------------------------------- dispatcher -- */

static const struct {
  const char       *name;
  CercleCliCommand  run;
  const char       *summary;
} subcommands[] = {
  { "import", directory_import, N_("Import FINESS, La Poste and INSEE files") },
  { "nearest", directory_nearest, N_("The nearest structures to a commune or a point") },
  { "communes", directory_communes, N_("Find communes by name, postcode or INSEE code") },
  { "export", directory_export, N_("Write structures to a CSV file") },
  { "demo", directory_demo, N_("Load the demo directory if the directory is empty") },
  { "categories", directory_categories, N_("List the categories of services --category takes") },
};

static void
print_directory_help (gboolean to_stderr)
{
  GString *s = g_string_new (NULL);

  g_string_append_printf (s, "%s\n  cercle-cli [--db PATH] directory %s\n\n%s\n", _("Usage:"),
                          _("COMMAND [OPTION…]"), _("Commands:"));
  for (guint i = 0; i < G_N_ELEMENTS (subcommands); i++)
    g_string_append_printf (s, "  %-12s%s\n", subcommands[i].name, _(subcommands[i].summary));
  g_string_append_printf (s, "\n%s\n", _("Run “cercle-cli directory COMMAND --help” for the options of a command."));
  if (to_stderr)
    g_printerr ("%s", s->str);
  else
    g_print ("%s", s->str);
  g_string_free (s, TRUE);
}

gboolean
cercle_cli_check_db_path (const char  *path,
                          GError     **error)
{
  g_autofree char *folder = g_path_get_dirname (path);

  if (g_file_test (folder, G_FILE_TEST_IS_DIR))
    return TRUE;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
               _("--db %s: the folder “%s” does not exist (a new store is made only in an existing folder)"),
               path, folder);
  return FALSE;
}

int
cercle_cli_directory (const CercleCliGlobals  *globals,
                      int                      argc,
                      char                   **argv)
{
  CercleCliGlobals local = *globals;
  g_autofree char *db_path = NULL;
  int kept = 1;

  /* --db is a global option, but people write it after the command too
   * ("cercle-cli directory nearest --db x.db …"): take it anywhere. */
  for (int i = 1; i < argc; i++)
    {
      if (strcmp (argv[i], "--") == 0)
        {
          while (i < argc)
            argv[kept++] = argv[i++];
          break;
        }
      if (strcmp (argv[i], "--db") == 0 && i + 1 < argc)
        {
          g_free (db_path);
          db_path = g_strdup (argv[++i]);
          continue;
        }
      if (g_str_has_prefix (argv[i], "--db="))
        {
          g_free (db_path);
          db_path = g_strdup (argv[i] + 5);
          continue;
        }
      argv[kept++] = argv[i];
    }
  argc = kept;
  argv[argc] = NULL;
  if (db_path)
    {
      g_autoptr(GError) error = NULL;

      if (!cercle_cli_check_db_path (db_path, &error))
        {
          g_printerr ("cercle-cli: %s\n", error->message);
          return 1;
        }
      local.db_path = db_path;
      globals = &local;
    }

  if (argc < 2)
    {
      print_directory_help (TRUE);
      return EXIT_USAGE;
    }
  if (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0 || strcmp (argv[1], "help") == 0)
    {
      print_directory_help (FALSE);
      return 0;
    }

  for (guint i = 0; i < G_N_ELEMENTS (subcommands); i++)
    if (strcmp (argv[1], subcommands[i].name) == 0)
      {
        g_autofree char *prgname = g_strdup_printf ("cercle-cli directory %s", subcommands[i].name);

        /* The usage line of --help names the whole command. */
        g_set_prgname (prgname);
        return subcommands[i].run (globals, argc - 1, argv + 1);
      }

  g_printerr (_("cercle-cli directory: unknown command “%s”\n"), argv[1]);
  print_directory_help (TRUE);
  return EXIT_USAGE;
}
