/* test-validate.c — the checks of the French identifiers
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>
#include <string.h>

#include "cercle-validate.h"

static void
test_nir_worked_examples (void)
{
  g_autoptr(GError) error = NULL;

  /* domain.md §2 */
  g_assert_cmpint (cercle_nir_compute_key ("2951099126111"), ==, 93);
  g_assert_cmpint (cercle_nir_compute_key ("253072B073004"), ==, 70);
  g_assert_cmpint (cercle_nir_compute_key ("2530718073004"), ==, 70);

  g_assert_true (cercle_validate_nir ("295109912611193", &error));
  g_assert_no_error (error);
  g_assert_true (cercle_validate_nir ("253072B07300470", &error));
  g_assert_no_error (error);
  g_assert_true (cercle_validate_nir ("2 95 10 99 126 111 93", &error));
  g_assert_no_error (error);
  g_assert_true (cercle_validate_nir ("2 53 07 2b 073 004 70", &error));
  g_assert_no_error (error);
}

static void
test_nir_errors (void)
{
  struct { const char *nir; int code; } cases[] = {
    { "", CERCLE_VALIDATION_ERROR_EMPTY },
    { "   ", CERCLE_VALIDATION_ERROR_EMPTY },
    { "295109912611194", CERCLE_VALIDATION_ERROR_KEY },
    { "295109912611139", CERCLE_VALIDATION_ERROR_KEY },
    { "253072B07300471", CERCLE_VALIDATION_ERROR_KEY },
    { "29510991261119", CERCLE_VALIDATION_ERROR_LENGTH },
    { "2951099126111930", CERCLE_VALIDATION_ERROR_LENGTH },
    { "29510991261X193", CERCLE_VALIDATION_ERROR_CHARACTERS },
    { "253072C07300470", CERCLE_VALIDATION_ERROR_CHARACTERS },
    { "ABCDEFGHIJKLMNO", CERCLE_VALIDATION_ERROR_CHARACTERS },
    { "595109912611193", CERCLE_VALIDATION_ERROR_VALUE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;

      g_test_message ("NIR “%s”", cases[i].nir);
      g_assert_false (cercle_validate_nir (cases[i].nir, &error));
      g_assert_error (error, CERCLE_VALIDATION_ERROR, cases[i].code);
      g_assert_nonnull (error->message);
      g_assert_cmpstr (error->message, !=, "");
    }

  g_assert_cmpint (cercle_nir_compute_key ("123"), ==, -1);
  g_assert_cmpint (cercle_nir_compute_key ("12345678901X3"), ==, -1);
}

static void
test_nir_key_message_french (void)
{
  g_autoptr(GError) error = NULL;

  /* The message names the expected key, whatever the language. */
  g_assert_false (cercle_validate_nir ("295109912611100", &error));
  g_assert_nonnull (strstr (error->message, "93"));
}

static void
test_rpps (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *warning = NULL;
  char luhn_ok[12] = "1000000000";

  /* Build a valid Luhn number: find its last digit. */
  for (char d = '0'; d <= '9'; d++)
    {
      luhn_ok[10] = d;
      luhn_ok[11] = '\0';
      if (cercle_luhn_is_valid (luhn_ok))
        break;
    }
  g_assert_true (cercle_luhn_is_valid (luhn_ok));
  g_assert_true (cercle_validate_rpps (luhn_ok, &warning, &error));
  g_assert_no_error (error);
  g_assert_null (warning);

  /* A failed Luhn is a warning, never a refusal. */
  luhn_ok[10] = luhn_ok[10] == '9' ? '0' : luhn_ok[10] + 1;
  g_assert_false (cercle_luhn_is_valid (luhn_ok));
  g_assert_true (cercle_validate_rpps (luhn_ok, &warning, &error));
  g_assert_no_error (error);
  g_assert_nonnull (warning);
  g_clear_pointer (&warning, g_free);

  g_assert_false (cercle_validate_rpps ("", NULL, &error));
  g_assert_error (error, CERCLE_VALIDATION_ERROR, CERCLE_VALIDATION_ERROR_EMPTY);
  g_clear_error (&error);
  g_assert_false (cercle_validate_rpps ("1234567890", NULL, &error));
  g_assert_error (error, CERCLE_VALIDATION_ERROR, CERCLE_VALIDATION_ERROR_LENGTH);
  g_clear_error (&error);
  g_assert_false (cercle_validate_rpps ("123456789012", NULL, &error));
  g_assert_error (error, CERCLE_VALIDATION_ERROR, CERCLE_VALIDATION_ERROR_LENGTH);
  g_clear_error (&error);
  g_assert_false (cercle_validate_rpps ("1000000000A", NULL, &error));
  g_assert_error (error, CERCLE_VALIDATION_ERROR, CERCLE_VALIDATION_ERROR_CHARACTERS);
}

static void
test_finess (void)
{
  const char *valid[] = { "010780195", "010000016", "010000156", "010000164", "010787190", "750712184" };
  g_autoptr(GError) error = NULL;
  g_autofree char *warning = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (valid); i++)
    {
      g_assert_true (cercle_validate_finess (valid[i], &warning, &error));
      g_assert_no_error (error);
      g_assert_null (warning);
    }

  g_assert_false (cercle_validate_finess ("010780196", NULL, &error));
  g_assert_error (error, CERCLE_VALIDATION_ERROR, CERCLE_VALIDATION_ERROR_KEY);
  g_clear_error (&error);
  g_assert_false (cercle_validate_finess ("01078019", NULL, &error));
  g_assert_error (error, CERCLE_VALIDATION_ERROR, CERCLE_VALIDATION_ERROR_LENGTH);
  g_clear_error (&error);
  g_assert_false (cercle_validate_finess ("0107801955", NULL, &error));
  g_assert_error (error, CERCLE_VALIDATION_ERROR, CERCLE_VALIDATION_ERROR_LENGTH);
  g_clear_error (&error);
  g_assert_false (cercle_validate_finess ("01078O195", NULL, &error));
  g_assert_error (error, CERCLE_VALIDATION_ERROR, CERCLE_VALIDATION_ERROR_CHARACTERS);
  g_clear_error (&error);
  g_assert_false (cercle_validate_finess ("", NULL, &error));
  g_assert_error (error, CERCLE_VALIDATION_ERROR, CERCLE_VALIDATION_ERROR_EMPTY);
  g_clear_error (&error);

  /* Corsica: accepted with a warning. */
  g_assert_true (cercle_validate_finess ("2A0000012", &warning, &error));
  g_assert_no_error (error);
  g_assert_nonnull (warning);
}

static void
test_insee_and_postcode (void)
{
  const char *insee_ok[] = { "77288", "2A004", "2B033", "97411", "99134", "01001" };
  const char *insee_bad[] = { "", "7728", "772888", "7728A", "00123", "20004", "2C004" };
  const char *postcode_ok[] = { "77000", "20000", "97400", "01000" };
  const char *postcode_bad[] = { "", "7700", "770000", "77OOO", "00100", "99000" };

  for (guint i = 0; i < G_N_ELEMENTS (insee_ok); i++)
    g_assert_true (cercle_validate_insee_code (insee_ok[i], NULL));
  for (guint i = 0; i < G_N_ELEMENTS (insee_bad); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_false (cercle_validate_insee_code (insee_bad[i], &error));
      g_assert_error (error, CERCLE_VALIDATION_ERROR, error->code);
    }
  for (guint i = 0; i < G_N_ELEMENTS (postcode_ok); i++)
    g_assert_true (cercle_validate_postcode (postcode_ok[i], NULL));
  for (guint i = 0; i < G_N_ELEMENTS (postcode_bad); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_false (cercle_validate_postcode (postcode_bad[i], &error));
      g_assert_true (error->domain == CERCLE_VALIDATION_ERROR);
    }
}

static void
test_french_messages (void)
{
  g_autoptr(GError) error = NULL;

  if (setlocale (LC_ALL, "fr_FR.UTF-8") == NULL)
    {
      g_test_skip ("fr_FR.UTF-8 is not generated");
      return;
    }
  g_assert_false (cercle_validate_finess ("01078019", NULL, &error));
  setlocale (LC_ALL, "C.UTF-8");
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "FINESS"));
  g_assert_nonnull (strstr (error->message, "caractères"));
}

int
main (int argc, char *argv[])
{
  g_autofree char *localedir = NULL;

  g_test_init (&argc, &argv, NULL);

  /* Read the translations from the build tree. */
  localedir = g_build_filename (g_getenv ("CERCLE_BUILD_DIR"), "po", NULL);
  bindtextdomain (GETTEXT_PACKAGE, localedir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");

  g_test_add_func ("/validate/nir/worked-examples", test_nir_worked_examples);
  g_test_add_func ("/validate/nir/errors", test_nir_errors);
  g_test_add_func ("/validate/nir/key-message", test_nir_key_message_french);
  g_test_add_func ("/validate/rpps", test_rpps);
  g_test_add_func ("/validate/finess", test_finess);
  g_test_add_func ("/validate/insee-postcode", test_insee_and_postcode);
  g_test_add_func ("/validate/french-messages", test_french_messages);

  return g_test_run ();
}
