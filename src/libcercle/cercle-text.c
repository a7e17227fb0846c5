/* cercle-text.c — text helpers shared by search and import
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "cercle-text.h"

/**
 * cercle_text_fold:
 * @text: UTF-8 text
 *
 * Folds @text into the key that searches compare: accents removed, lower
 * case, apostrophes and dashes as spaces, runs of spaces collapsed.
 * "Saint-Étienne-du-Rouvray" and "saint etienne du rouvray" give the same key.
 *
 * Returns: (transfer full): the ASCII search key
 */
char *
cercle_text_fold (const char *text)
{
  g_autofree char *ascii = NULL;
  GString *out;
  gboolean space = TRUE;

  g_return_val_if_fail (text != NULL, NULL);

  /* The "C" locale makes g_str_to_ascii() transliterate with its own
   * tables, the same whatever the user's locale is. */
  ascii = g_str_to_ascii (text, "C");
  out = g_string_sized_new (strlen (ascii));
  for (const char *p = ascii; *p; p++)
    {
      char c = g_ascii_tolower (*p);

      if (g_ascii_isalnum (c))
        {
          g_string_append_c (out, c);
          space = FALSE;
        }
      else if (!space)
        {
          g_string_append_c (out, ' ');
          space = TRUE;
        }
    }
  if (out->len > 0 && out->str[out->len - 1] == ' ')
    g_string_truncate (out, out->len - 1);
  return g_string_free (out, FALSE);
}
