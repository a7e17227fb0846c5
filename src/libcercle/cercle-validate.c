/* cercle-validate.c — checks of the French identifiers
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "cercle-i18n.h"
#include "cercle-validate.h"

/**
 * cercle_identifier_normalize:
 * @text: an identifier as a person typed or a file wrote it
 *
 * Removes the spaces, dots and dashes people put in identifiers
 * ("2 95 10 99 126 111 93") and upper-cases letters (Corsican "2a").
 *
 * Returns: (transfer full): the compact identifier
 */
char *
cercle_identifier_normalize (const char *text)
{
  GString *out;

  g_return_val_if_fail (text != NULL, NULL);

  out = g_string_sized_new (strlen (text));
  for (const char *p = text; *p; p++)
    {
      if (*p == ' ' || *p == '.' || *p == '-' || *p == '\t')
        continue;
      g_string_append_c (out, g_ascii_toupper (*p));
    }
  return g_string_free (out, FALSE);
}

static gboolean
all_digits (const char *s, gsize len)
{
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isdigit (s[i]))
      return FALSE;
  return TRUE;
}

/**
 * cercle_luhn_is_valid:
 * @digits: a string of decimal digits, the check digit last
 *
 * Returns: %TRUE when the Luhn sum of @digits is a multiple of ten
 */
gboolean
cercle_luhn_is_valid (const char *digits)
{
  gsize len;
  guint sum = 0;

  g_return_val_if_fail (digits != NULL, FALSE);

  len = strlen (digits);
  if (len == 0 || !all_digits (digits, len))
    return FALSE;

  for (gsize i = 0; i < len; i++)
    {
      guint d = digits[len - 1 - i] - '0';

      /* Every second digit from the right is doubled. */
      if (i % 2 == 1)
        {
          d *= 2;
          if (d > 9)
            d -= 9;
        }
      sum += d;
    }
  return sum % 10 == 0;
}

/**
 * cercle_nir_compute_key:
 * @first13: the first 13 characters of a NIR or NIA
 *
 * Computes the key: 97 − (n mod 97), where Corsican départements 2A and 2B
 * count as 19 and 18.
 *
 * Returns: the key (1 to 97), or -1 when @first13 is not 13 digits
 */
int
cercle_nir_compute_key (const char *first13)
{
  char buf[14];
  guint64 n;

  g_return_val_if_fail (first13 != NULL, -1);

  if (strlen (first13) != 13)
    return -1;
  memcpy (buf, first13, 14);

  if (buf[5] == '2' && (buf[6] == 'A' || buf[6] == 'a'))
    buf[5] = '1', buf[6] = '9';
  else if (buf[5] == '2' && (buf[6] == 'B' || buf[6] == 'b'))
    buf[5] = '1', buf[6] = '8';

  if (!all_digits (buf, 13))
    return -1;

  n = g_ascii_strtoull (buf, NULL, 10);
  return 97 - (int) (n % 97);
}

/**
 * cercle_validate_nir:
 * @nir: a NIR or NIA (matricule INS), spaces allowed
 * @error: return location for a #CERCLE_VALIDATION_ERROR
 *
 * Checks the length, the characters (digits, with 2A/2B for Corsica) and
 * the two-digit key.
 *
 * Returns: %TRUE when @nir is a well-formed matricule with the right key
 */
gboolean
cercle_validate_nir (const char   *nir,
                     GError      **error)
{
  g_autofree char *n = NULL;
  char key_text[3];
  int key;

  g_return_val_if_fail (nir != NULL, FALSE);

  n = cercle_identifier_normalize (nir);
  if (*n == '\0')
    {
      g_set_error (error, CERCLE_VALIDATION_ERROR, CERCLE_VALIDATION_ERROR_EMPTY,
                   _("The INS number is empty"));
      return FALSE;
    }
  if (strlen (n) != 15)
    {
      g_set_error (error, CERCLE_VALIDATION_ERROR, CERCLE_VALIDATION_ERROR_LENGTH,
                   _("The INS number must have 15 characters (13 digits and a 2-digit key), not %u"),
                   (guint) strlen (n));
      return FALSE;
    }
  if (!all_digits (n, 5) || !all_digits (n + 7, 8) ||
      !(all_digits (n + 5, 2) || (n[5] == '2' && (n[6] == 'A' || n[6] == 'B'))))
    {
      g_set_error (error, CERCLE_VALIDATION_ERROR, CERCLE_VALIDATION_ERROR_CHARACTERS,
                   _("The INS number may only contain digits (and 2A or 2B for Corsica)"));
      return FALSE;
    }
  if (strchr ("123478", n[0]) == NULL)
    {
      g_set_error (error, CERCLE_VALIDATION_ERROR, CERCLE_VALIDATION_ERROR_VALUE,
                   _("The INS number must start with 1, 2, 3, 4, 7 or 8"));
      return FALSE;
    }

  {
    char first13[14];

    memcpy (first13, n, 13);
    first13[13] = '\0';
    key = cercle_nir_compute_key (first13);
  }
  g_snprintf (key_text, sizeof key_text, "%02d", key);
  if (memcmp (key_text, n + 13, 2) != 0)
    {
      g_set_error (error, CERCLE_VALIDATION_ERROR, CERCLE_VALIDATION_ERROR_KEY,
                   _("The key of the INS number is wrong: %s expected, %.2s given"),
                   key_text, n + 13);
      return FALSE;
    }
  return TRUE;
}

/**
 * cercle_validate_rpps:
 * @rpps: an RPPS number
 * @warning: (out) (optional) (transfer full): set to a translated warning
 *   when the number is accepted with a doubt
 * @error: return location for a #CERCLE_VALIDATION_ERROR
 *
 * An RPPS number has 11 digits. Its Luhn check passes on most real numbers
 * but not on every published one, so a failed check is only a warning.
 *
 * Returns: %TRUE when @rpps is accepted
 */
gboolean
cercle_validate_rpps (const char   *rpps,
                      char        **warning,
                      GError      **error)
{
  g_autofree char *n = NULL;

  g_return_val_if_fail (rpps != NULL, FALSE);

  if (warning)
    *warning = NULL;

  n = cercle_identifier_normalize (rpps);
  if (*n == '\0')
    {
      g_set_error (error, CERCLE_VALIDATION_ERROR, CERCLE_VALIDATION_ERROR_EMPTY,
                   _("The RPPS number is empty"));
      return FALSE;
    }
  if (!all_digits (n, strlen (n)))
    {
      g_set_error (error, CERCLE_VALIDATION_ERROR, CERCLE_VALIDATION_ERROR_CHARACTERS,
                   _("The RPPS number may only contain digits"));
      return FALSE;
    }
  if (strlen (n) != 11)
    {
      g_set_error (error, CERCLE_VALIDATION_ERROR, CERCLE_VALIDATION_ERROR_LENGTH,
                   _("The RPPS number must have 11 digits, not %u"), (guint) strlen (n));
      return FALSE;
    }
  if (!cercle_luhn_is_valid (n) && warning)
    *warning = g_strdup (_("The check digit of this RPPS number is unusual: check it against the professional’s card"));
  return TRUE;
}

/**
 * cercle_validate_finess:
 * @finess: a FINESS number (legal entity or site)
 * @warning: (out) (optional) (transfer full): set to a translated warning
 *   when the number is accepted with a doubt (Corsica)
 * @error: return location for a #CERCLE_VALIDATION_ERROR
 *
 * A FINESS number has 9 characters: a 2-character département, 6 digits and
 * a Luhn check digit over the nine. The check-digit rule of the Corsican
 * numbers (2A, 2B) is not published, so they are accepted with a warning.
 *
 * Returns: %TRUE when @finess is accepted
 */
gboolean
cercle_validate_finess (const char   *finess,
                        char        **warning,
                        GError      **error)
{
  g_autofree char *n = NULL;
  gboolean corsica;

  g_return_val_if_fail (finess != NULL, FALSE);

  if (warning)
    *warning = NULL;

  n = cercle_identifier_normalize (finess);
  if (*n == '\0')
    {
      g_set_error (error, CERCLE_VALIDATION_ERROR, CERCLE_VALIDATION_ERROR_EMPTY,
                   _("The FINESS number is empty"));
      return FALSE;
    }
  if (strlen (n) != 9)
    {
      g_set_error (error, CERCLE_VALIDATION_ERROR, CERCLE_VALIDATION_ERROR_LENGTH,
                   _("The FINESS number must have 9 characters, not %u"), (guint) strlen (n));
      return FALSE;
    }
  corsica = n[0] == '2' && (n[1] == 'A' || n[1] == 'B');
  if (!(all_digits (n, 9) || (corsica && all_digits (n + 2, 7))))
    {
      g_set_error (error, CERCLE_VALIDATION_ERROR, CERCLE_VALIDATION_ERROR_CHARACTERS,
                   _("The FINESS number may only contain digits (and 2A or 2B for Corsica)"));
      return FALSE;
    }
  if (corsica)
    {
      if (warning)
        *warning = g_strdup (_("The check digit of Corsican FINESS numbers cannot be verified"));
      return TRUE;
    }
  if (!cercle_luhn_is_valid (n))
    {
      g_set_error (error, CERCLE_VALIDATION_ERROR, CERCLE_VALIDATION_ERROR_KEY,
                   _("The check digit of the FINESS number is wrong"));
      return FALSE;
    }
  return TRUE;
}

/**
 * cercle_validate_insee_code:
 * @code: an INSEE commune code (COG), e.g. "77288" or "2A004"
 * @error: return location for a #CERCLE_VALIDATION_ERROR
 *
 * Accepts the five-character commune codes of metropolitan France (with 2A
 * and 2B for Corsica), of the overseas départements and collectivities (97x,
 * 98x) and the 99xxx codes of foreign countries used as birthplaces.
 *
 * Returns: %TRUE when @code is shaped like an INSEE code
 */
gboolean
cercle_validate_insee_code (const char   *code,
                            GError      **error)
{
  gsize len;

  g_return_val_if_fail (code != NULL, FALSE);

  len = strlen (code);
  if (len == 0)
    {
      g_set_error (error, CERCLE_VALIDATION_ERROR, CERCLE_VALIDATION_ERROR_EMPTY,
                   _("The INSEE code is empty"));
      return FALSE;
    }
  if (len != 5)
    {
      g_set_error (error, CERCLE_VALIDATION_ERROR, CERCLE_VALIDATION_ERROR_LENGTH,
                   _("An INSEE commune code has 5 characters, not %u"), (guint) len);
      return FALSE;
    }
  if (!(all_digits (code, 5) ||
        (code[0] == '2' && (code[1] == 'A' || code[1] == 'B') && all_digits (code + 2, 3))))
    {
      g_set_error (error, CERCLE_VALIDATION_ERROR, CERCLE_VALIDATION_ERROR_CHARACTERS,
                   _("An INSEE commune code has only digits (and 2A or 2B for Corsica)"));
      return FALSE;
    }
  if (code[0] == '0' && code[1] == '0')
    {
      g_set_error (error, CERCLE_VALIDATION_ERROR, CERCLE_VALIDATION_ERROR_VALUE,
                   _("There is no département 00"));
      return FALSE;
    }
  if (strncmp (code, "20", 2) == 0)
    {
      g_set_error (error, CERCLE_VALIDATION_ERROR, CERCLE_VALIDATION_ERROR_VALUE,
                   _("Corsican INSEE codes start with 2A or 2B, not 20"));
      return FALSE;
    }
  return TRUE;
}

/**
 * cercle_validate_postcode:
 * @postcode: a French postcode
 * @error: return location for a #CERCLE_VALIDATION_ERROR
 *
 * Returns: %TRUE when @postcode has five digits and names a real
 *   département range (01 to 98)
 */
gboolean
cercle_validate_postcode (const char   *postcode,
                          GError      **error)
{
  gsize len;

  g_return_val_if_fail (postcode != NULL, FALSE);

  len = strlen (postcode);
  if (len == 0)
    {
      g_set_error (error, CERCLE_VALIDATION_ERROR, CERCLE_VALIDATION_ERROR_EMPTY,
                   _("The postcode is empty"));
      return FALSE;
    }
  if (!all_digits (postcode, len))
    {
      g_set_error (error, CERCLE_VALIDATION_ERROR, CERCLE_VALIDATION_ERROR_CHARACTERS,
                   _("A postcode has only digits"));
      return FALSE;
    }
  if (len != 5)
    {
      g_set_error (error, CERCLE_VALIDATION_ERROR, CERCLE_VALIDATION_ERROR_LENGTH,
                   _("A postcode has 5 digits, not %u"), (guint) len);
      return FALSE;
    }
  if ((postcode[0] == '0' && postcode[1] == '0') || (postcode[0] == '9' && postcode[1] == '9'))
    {
      g_set_error (error, CERCLE_VALIDATION_ERROR, CERCLE_VALIDATION_ERROR_VALUE,
                   _("No French postcode starts with %.2s"), postcode);
      return FALSE;
    }
  return TRUE;
}
