/* cercle-about.c — the About window, fed from the AppStream metainfo
 *
 * libadwaita 1.2 has no adw_about_window_new_from_appdata() (it came in
 * 1.4), so this reads the metainfo bundled in the GResource itself: name,
 * summary, developer, homepage, licence and the notes of the latest release.
 * Only the untranslated (English) elements are read and each text goes
 * through gettext: the metainfo is in POTFILES.in, so po/fr.po holds the
 * very same msgids, and the About window follows the user's language.
 * Inline <em>/<code> inside a paragraph is not handled: keep release notes
 * plain.
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "cercle-about.h"

typedef struct
{
  char    *name;
  char    *summary;
  char    *developer_name;
  char    *homepage;
  char    *bugtracker;
  char    *license;
  char    *url_type;
  char    *release_version;
  GString *release_notes;
  GString *text;
  guint    n_releases;
  gboolean in_release_description;
  guint    skip_depth;
} Metainfo;

static void
metainfo_clear (Metainfo *info)
{
  g_free (info->name);
  g_free (info->summary);
  g_free (info->developer_name);
  g_free (info->homepage);
  g_free (info->bugtracker);
  g_free (info->license);
  g_free (info->url_type);
  g_free (info->release_version);
  g_string_free (info->release_notes, TRUE);
  g_string_free (info->text, TRUE);
}

/* The text as xgettext extracted it through the ITS rules: runs of white
 * space collapsed to one space, none at the ends. */
static char *
collapse_text (const char *text)
{
  g_auto(GStrv) words = g_strsplit_set (text, " \t\n\r", -1);
  GString *out = g_string_new (NULL);

  for (guint i = 0; words[i] != NULL; i++)
    {
      if (words[i][0] == '\0')
        continue;
      if (out->len > 0)
        g_string_append_c (out, ' ');
      g_string_append (out, words[i]);
    }

  return g_string_free (out, FALSE);
}

static void
take_translated (char       **field,
                 const char  *text)
{
  g_autofree char *collapsed = collapse_text (text);

  g_free (*field);
  *field = g_strdup (g_dgettext (GETTEXT_PACKAGE, collapsed));
}

/* g_set_str() came in GLib 2.76. */
static void
set_str (char       **field,
                  const char  *value)
{
  g_free (*field);
  *field = g_strdup (value);
}

static const char *
parent_element (GMarkupParseContext *context)
{
  const GSList *stack = g_markup_parse_context_get_element_stack (context);

  return stack != NULL && stack->next != NULL ? stack->next->data : NULL;
}

static void
start_element (GMarkupParseContext  *context,
               const char           *element_name,
               const char          **attribute_names,
               const char          **attribute_values,
               gpointer              user_data,
               GError              **error)
{
  Metainfo *info = user_data;
  const char *parent = parent_element (context);
  const char *lang = NULL;
  const char *type = NULL;
  const char *version = NULL;

  g_markup_collect_attributes (element_name, attribute_names, attribute_values, NULL,
                               G_MARKUP_COLLECT_STRING | G_MARKUP_COLLECT_OPTIONAL, "xml:lang", &lang,
                               G_MARKUP_COLLECT_STRING | G_MARKUP_COLLECT_OPTIONAL, "type", &type,
                               G_MARKUP_COLLECT_STRING | G_MARKUP_COLLECT_OPTIONAL, "version", &version,
                               G_MARKUP_COLLECT_INVALID);

  g_string_truncate (info->text, 0);

  /* The translations merged into the metainfo are skipped: gettext gives
   * the one for the user's language. */
  if (info->skip_depth > 0 || lang != NULL)
    {
      info->skip_depth++;
      return;
    }

  if (strcmp (element_name, "release") == 0)
    {
      /* Releases are listed newest first: only the first one's notes. */
      if (++info->n_releases == 1)
        info->release_version = g_strdup (version);
    }
  else if (strcmp (element_name, "description") == 0 && g_strcmp0 (parent, "release") == 0)
    info->in_release_description = (info->n_releases == 1);
  else if (strcmp (element_name, "url") == 0)
    {
      g_free (info->url_type);
      info->url_type = g_strdup (type);
    }
  else if (info->in_release_description
           && (strcmp (element_name, "ul") == 0 || strcmp (element_name, "ol") == 0))
    g_string_append_printf (info->release_notes, "<%s>", element_name);
}

static void
end_element (GMarkupParseContext  *context,
             const char           *element_name,
             gpointer              user_data,
             GError              **error)
{
  Metainfo *info = user_data;
  const char *parent = parent_element (context);

  if (info->skip_depth > 0)
    {
      info->skip_depth--;
      return;
    }

  if (g_strcmp0 (parent, "component") == 0)
    {
      g_autofree char *collapsed = collapse_text (info->text->str);

      if (strcmp (element_name, "name") == 0)
        take_translated (&info->name, collapsed);
      else if (strcmp (element_name, "summary") == 0)
        take_translated (&info->summary, collapsed);
      else if (strcmp (element_name, "developer_name") == 0)
        take_translated (&info->developer_name, collapsed);
      else if (strcmp (element_name, "project_license") == 0)
        set_str (&info->license, collapsed);
      else if (strcmp (element_name, "url") == 0 && g_strcmp0 (info->url_type, "homepage") == 0)
        set_str (&info->homepage, collapsed);
      else if (strcmp (element_name, "url") == 0 && g_strcmp0 (info->url_type, "bugtracker") == 0)
        set_str (&info->bugtracker, collapsed);
    }
  else if (strcmp (element_name, "description") == 0)
    info->in_release_description = FALSE;
  else if (info->in_release_description
           && (strcmp (element_name, "p") == 0 || strcmp (element_name, "li") == 0))
    {
      g_autofree char *translated = NULL;
      g_autofree char *escaped = NULL;

      take_translated (&translated, info->text->str);
      escaped = g_markup_escape_text (translated, -1);
      g_string_append_printf (info->release_notes, "<%s>%s</%s>", element_name, escaped, element_name);
    }
  else if (info->in_release_description
           && (strcmp (element_name, "ul") == 0 || strcmp (element_name, "ol") == 0))
    g_string_append_printf (info->release_notes, "</%s>", element_name);

  g_string_truncate (info->text, 0);
}

static void
text (GMarkupParseContext  *context,
      const char           *text_value,
      gsize                 text_len,
      gpointer              user_data,
      GError              **error)
{
  Metainfo *info = user_data;

  g_string_append_len (info->text, text_value, text_len);
}

static const GMarkupParser metainfo_parser = {
  .start_element = start_element,
  .end_element = end_element,
  .text = text,
};

/**
 * cercle_about_window_new_from_metainfo:
 * @resource_path: the metainfo in the GResource
 * @version: the version to show
 * @error: return location for a #GError
 *
 * Returns: (transfer full): a new #AdwAboutWindow, or %NULL with @error set
 *   when the metainfo cannot be read
 */
GtkWidget *
cercle_about_window_new_from_metainfo (const char  *resource_path,
                                       const char  *version,
                                       GError     **error)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GMarkupParseContext) context = NULL;
  Metainfo info = { 0 };
  AdwAboutWindow *about;
  gsize len;
  const char *data;

  g_return_val_if_fail (resource_path != NULL, NULL);

  bytes = g_resources_lookup_data (resource_path, G_RESOURCE_LOOKUP_FLAGS_NONE, error);
  if (bytes == NULL)
    return NULL;

  info.release_notes = g_string_new (NULL);
  info.text = g_string_new (NULL);
  data = g_bytes_get_data (bytes, &len);
  context = g_markup_parse_context_new (&metainfo_parser, G_MARKUP_PREFIX_ERROR_POSITION, &info, NULL);
  if (!g_markup_parse_context_parse (context, data, len, error)
      || !g_markup_parse_context_end_parse (context, error))
    {
      metainfo_clear (&info);
      return NULL;
    }

  about = ADW_ABOUT_WINDOW (adw_about_window_new ());
  adw_about_window_set_application_icon (about, APP_ID);
  adw_about_window_set_application_name (about, info.name != NULL ? info.name : "");
  adw_about_window_set_comments (about, info.summary != NULL ? info.summary : "");
  adw_about_window_set_developer_name (about, info.developer_name != NULL ? info.developer_name : "");
  adw_about_window_set_version (about, version);
  if (info.homepage != NULL)
    adw_about_window_set_website (about, info.homepage);
  if (info.bugtracker != NULL)
    adw_about_window_set_issue_url (about, info.bugtracker);
  if (g_strcmp0 (info.license, "GPL-3.0-or-later") == 0)
    adw_about_window_set_license_type (about, GTK_LICENSE_GPL_3_0);
  else if (info.license != NULL)
    adw_about_window_set_license (about, info.license);
  if (info.release_notes->len > 0)
    {
      adw_about_window_set_release_notes (about, info.release_notes->str);
      adw_about_window_set_release_notes_version (about, info.release_version != NULL ? info.release_version : version);
    }

  metainfo_clear (&info);

  return GTK_WIDGET (about);
}
