/* cercle-server-log.c — what the server's log may carry of a client's text
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A log line is read by people and by tools that split on newlines: a value
 * that a client chose (a login, a path, a method) must neither start a line
 * of its own ("forged" lines), nor fill the log (a 10,000-character id), nor
 * carry what was typed into the wrong field (a password in the login field).
 */
#include "config.h"

#include <string.h>
#include <sys/random.h>

#include "cercle-server-log.h"

/**
 * cercle_server_log_text:
 * @text: (nullable): a value a client sent
 * @max_chars: the characters kept, the rest replaced by "…"
 *
 * Makes @text safe for one log line: control characters (a newline, a
 * carriage return, an escape…), other unprintable characters (U+2028…),
 * the backslash and bytes that are not UTF-8 are written as escapes
 * (`\n`, `\x1b`, `\u2028`, `\\`), and only the first @max_chars
 * characters are kept.
 *
 * Returns: (transfer full): the text to log ("-" for %NULL)
 */
char *
cercle_server_log_text (const char *text,
                        gsize       max_chars)
{
  GString *out;
  const char *p, *end;
  gsize n = 0;

  if (text == NULL)
    return g_strdup ("-");
  /* The usual case: short printable ASCII, copied as is. */
  for (p = text; *p && (guchar) *p >= 0x20 && (guchar) *p < 0x7f && *p != '\\'; p++)
    ;
  if (*p == '\0' && (gsize) (p - text) <= max_chars)
    return g_strdup (text);

  out = g_string_sized_new (MIN (strlen (text), max_chars * 2) + 8);
  end = text + strlen (text);
  for (p = text; p < end; n++)
    {
      gunichar c;

      if (n == max_chars)
        {
          g_string_append (out, "…");
          break;
        }
      c = g_utf8_get_char_validated (p, end - p);
      if (c == (gunichar) -1 || c == (gunichar) -2)
        {
          g_string_append_printf (out, "\\x%02x", (guchar) *p);
          p++;
          continue;
        }
      switch (c)
        {
        case '\n': g_string_append (out, "\\n"); break;
        case '\r': g_string_append (out, "\\r"); break;
        case '\t': g_string_append (out, "\\t"); break;
        case '\\': g_string_append (out, "\\\\"); break;
        default:
          if (c < 0x20 || c == 0x7f)
            g_string_append_printf (out, "\\x%02x", c);
          else if (c >= 0x80 && !g_unichar_isprint (c))
            g_string_append_printf (out, "\\u%04x", c);
          else
            g_string_append_len (out, p, g_utf8_next_char (p) - p);
        }
      p = g_utf8_next_char (p);
    }
  return g_string_free (out, FALSE);
}

/**
 * cercle_server_log_mask:
 * @secret_ish: a value that may be a secret (what was typed as the login of
 *   a failed sign-in: it may be a password typed in the wrong field)
 *
 * Returns a short tag that tells two such values apart within one run of
 * the server, and nothing about the value itself: the first 8 hex digits of
 * an HMAC-SHA-256 under a key drawn when the server starts (so the tag of a
 * password cannot be checked against a dictionary, even offline).
 *
 * Returns: (transfer full): "#" and 8 hex digits
 */
char *
cercle_server_log_mask (const char *secret_ish)
{
  static guchar key[32];
  static gsize key_set = 0;
  g_autofree char *digest = NULL;

  if (g_once_init_enter (&key_set))
    {
      /* From the kernel; GLib's generator would do if it ever failed. */
      if (getrandom (key, sizeof key, 0) != (ssize_t) sizeof key)
        for (guint i = 0; i < G_N_ELEMENTS (key); i += 4)
          {
            guint32 r = g_random_int ();
            memcpy (key + i, &r, 4);
          }
      g_once_init_leave (&key_set, 1);
    }
  digest = g_compute_hmac_for_string (G_CHECKSUM_SHA256, key, sizeof key, secret_ish ? secret_ish : "", -1);
  return g_strdup_printf ("#%.8s", digest);
}
