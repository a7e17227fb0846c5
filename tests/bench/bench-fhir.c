/* bench-fhir.c — how fast the server can parse, check and map FHIR resources
 *
 * Prints figures; not a test. Run: _build/tests/bench-fhir [ROUNDS]
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cercle-demo.h"
#include "cercle-destination.h"
#include "cercle-fhir.h"
#include "cercle-note.h"
#include "cercle-referral-rules.h"

int
main (int argc, char *argv[])
{
  guint rounds = argc > 1 ? (guint) atoi (argv[1]) : 200;
  g_autoptr(GPtrArray) demo = cercle_demo_resources ();
  g_autoptr(GPtrArray) texts = g_ptr_array_new_with_free_func (g_free);
  gsize bytes = 0;
  gint64 start, elapsed;
  guint n = 0;

  for (guint i = 0; i < demo->len; i++)
    {
      char *text = cercle_fhir_to_string (g_ptr_array_index (demo, i));

      bytes += strlen (text);
      g_ptr_array_add (texts, text);
    }

  /* 1. parse + check, what the server does on every POST/PUT */
  start = g_get_monotonic_time ();
  for (guint r = 0; r < rounds; r++)
    for (guint i = 0; i < texts->len; i++)
      {
        g_autoptr(GError) error = NULL;
        g_autoptr(JsonObject) object = cercle_fhir_parse (g_ptr_array_index (texts, i), -1, &error);

        if (object == NULL || !cercle_fhir_check_resource (object, NULL, &error))
          g_error ("%s", error->message);
        n++;
      }
  elapsed = g_get_monotonic_time () - start;
  printf ("parse+check: %u resources (%.1f KiB each round) in %.3f s: %.0f resources/s, %.1f µs each\n",
          n, bytes / 1024.0, elapsed / 1e6, n / (elapsed / 1e6), (double) elapsed / n);

  /* 2. Communication → CercleNote → Communication */
  n = 0;
  start = g_get_monotonic_time ();
  for (guint r = 0; r < rounds; r++)
    for (guint i = 0; i < demo->len; i++)
      {
        JsonObject *object = g_ptr_array_index (demo, i);
        g_autoptr(GError) error = NULL;
        g_autoptr(CercleNote) note = NULL;
        g_autoptr(JsonObject) back = NULL;

        if (g_strcmp0 (cercle_fhir_get_string (object, "resourceType"), "Communication") != 0)
          continue;
        note = cercle_note_new_from_fhir (object, &error);
        if (note == NULL)
          g_error ("%s", error->message);
        back = cercle_note_to_fhir (note);
        n++;
      }
  elapsed = g_get_monotonic_time () - start;
  printf ("note round-trip: %u in %.3f s: %.1f µs each\n", n, elapsed / 1e6, (double) elapsed / n);

  /* 3. the state machine */
  n = 0;
  start = g_get_monotonic_time ();
  for (guint r = 0; r < rounds * 1000; r++)
    {
      cercle_referral_check_transition ("received", "lue", "rejected", NULL, CERCLE_REFERRAL_ACTOR_DESTINATION,
                                        "pas-de-place", NULL);
      n++;
    }
  elapsed = g_get_monotonic_time () - start;
  printf ("check_transition: %u in %.3f s: %.2f µs each\n", n, elapsed / 1e6, (double) elapsed / n);
  return 0;
}
