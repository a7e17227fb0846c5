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
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "cercle-cli.h"
#include "cercle-directory.h"

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

/* "354,ssiad,500" → FINESS codes; the short names of the categories
 * (ssiad, ehpad…) are accepted for the codes they stand for. */
static char **
parse_categories (char **options)
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
            if (g_ascii_strcasecmp (known[k].id, part) == 0)
              {
                g_strv_builder_addv (builder, (const char **) known[k].codes);
                matched = TRUE;
              }
          if (!matched)
            g_strv_builder_add (builder, part);
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
                         _("Imports FINESS files (FHIR ndjson, or the JSON flow) and La Poste’s postcode "
                           "base (CSV), plain or gzip. The import is all or nothing: on failure the "
                           "directory stays as it was. Malformed records are skipped and reported as "
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

static void
add_string (JsonBuilder *builder,
            const char  *name,
            const char  *value)
{
  json_builder_set_member_name (builder, name);
  if (value)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

static void
print_json (GListModel *model)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;
  guint n = g_list_model_get_n_items (model);

  json_builder_begin_array (builder);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(CercleStructure) s = g_list_model_get_item (model, i);
      const char * const *zone = cercle_structure_get_zone (s);

      json_builder_begin_object (builder);
      add_string (builder, "finess", cercle_structure_get_finess (s));
      add_string (builder, "name", cercle_structure_get_name (s));
      add_string (builder, "category_code", cercle_structure_get_category_code (s));
      add_string (builder, "category_label", cercle_structure_get_category_label (s));
      add_string (builder, "address", cercle_structure_get_address (s));
      add_string (builder, "postcode", cercle_structure_get_postcode (s));
      add_string (builder, "commune_code", cercle_structure_get_commune_code (s));
      add_string (builder, "commune_name", cercle_structure_get_commune_name (s));
      add_string (builder, "phone", cercle_structure_get_phone (s));
      json_builder_set_member_name (builder, "latitude");
      if (cercle_structure_has_position (s))
        json_builder_add_double_value (builder, cercle_structure_get_latitude (s));
      else
        json_builder_add_null_value (builder);
      json_builder_set_member_name (builder, "longitude");
      if (cercle_structure_has_position (s))
        json_builder_add_double_value (builder, cercle_structure_get_longitude (s));
      else
        json_builder_add_null_value (builder);
      json_builder_set_member_name (builder, "distance_km");
      if (cercle_structure_get_distance_km (s) >= 0)
        json_builder_add_double_value (builder, round (cercle_structure_get_distance_km (s) * 1000.0) / 1000.0);
      else
        json_builder_add_null_value (builder);
      json_builder_set_member_name (builder, "covers_commune");
      json_builder_add_boolean_value (builder, cercle_structure_get_covers_commune (s));
      json_builder_set_member_name (builder, "zone");
      if (zone)
        {
          json_builder_begin_array (builder);
          for (guint j = 0; zone[j]; j++)
            json_builder_add_string_value (builder, zone[j]);
          json_builder_end_array (builder);
        }
      else
        json_builder_add_null_value (builder);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  text = json_generator_to_data (generator, NULL);
  g_print ("%s\n", text);
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

/* Fills @query from the options; returns an error message for the user. */
static char *
build_query (SearchOptions      *o,
             CercleNearestQuery *query,
             char             ***codes)
{
  memset (query, 0, sizeof *query);
  if (o->commune && o->at)
    return g_strdup (_("Give --commune or --at, not both"));
  if (o->at && !parse_point (o->at, &query->latitude, &query->longitude))
    return g_strdup_printf (_("--at wants LAT,LON with a dot for decimals, e.g. 48.5394,2.6553; not “%s”"), o->at);
  if (o->limit < 0)
    return g_strdup (_("--limit must be positive"));
  query->commune_code = o->commune;
  query->limit = o->limit;
  query->max_km = o->max_km;
  *codes = parse_categories (o->categories);
  query->categories = (const char * const *) *codes;
  return NULL;
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
  else
    problem = build_query (&o, &query, &codes);
  if (problem)
    {
      search_options_clear (&o);
      return usage_error (context, problem);
    }
  if (g_strcmp0 (o.format, "tsv") == 0)
    format = FORMAT_TSV;
  else if (g_strcmp0 (o.format, "json") == 0)
    format = FORMAT_JSON;

  directory = cercle_directory_new (globals->db_path);
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
      g_printerr (_("No commune matches “%s”.\n"), query);
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
  SearchOptions o = { .limit = 0, .max_km = 0 };
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
  else
    problem = build_query (&o, &query, &codes);
  if (problem)
    {
      search_options_clear (&o);
      return usage_error (context, problem);
    }

  directory = cercle_directory_new (globals->db_path);
  if (o.commune || o.at)
    {
      if (query.limit == 0)
        query.limit = 100;
      model = cercle_directory_nearest (directory, &query, &error);
    }
  else
    model = cercle_directory_list_structures (directory, query.categories, NULL, &error);

  file = g_file_new_for_commandline_arg (o.output);
  search_options_clear (&o);
  if (model == NULL || !cercle_directory_export_csv (model, file, &error))
    {
      g_printerr ("cercle-cli: %s\n", error->message);
      return 1;
    }
  g_print (g_dngettext (GETTEXT_PACKAGE, "%u structure exported\n", "%u structures exported\n",
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

/* --------------------------------------------------------- dispatcher -- */

static const struct {
  const char       *name;
  CercleCliCommand  run;
  const char       *summary;
} subcommands[] = {
  { "import", directory_import, N_("Import FINESS and La Poste files") },
  { "nearest", directory_nearest, N_("The nearest structures to a commune or a point") },
  { "communes", directory_communes, N_("Find communes by name, postcode or INSEE code") },
  { "export", directory_export, N_("Write structures to a CSV file") },
  { "demo", directory_demo, N_("Load the demo directory if the directory is empty") },
};

static void
print_directory_help (gboolean to_stderr)
{
  GString *s = g_string_new (NULL);

  g_string_append_printf (s, "%s\n  cercle-cli [--db PATH] directory %s\n\n%s\n", _("Usage:"),
                          _("COMMAND [OPTION…]"), _("Commands:"));
  for (guint i = 0; i < G_N_ELEMENTS (subcommands); i++)
    g_string_append_printf (s, "  %-10s%s\n", subcommands[i].name, _(subcommands[i].summary));
  g_string_append_printf (s, "\n%s\n", _("Run “cercle-cli directory COMMAND --help” for the options of a command."));
  if (to_stderr)
    g_printerr ("%s", s->str);
  else
    g_print ("%s", s->str);
  g_string_free (s, TRUE);
}

int
cercle_cli_directory (const CercleCliGlobals  *globals,
                      int                      argc,
                      char                   **argv)
{
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
