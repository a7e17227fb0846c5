/* cercle-cli-patient.c — cercle-cli patient: the patients of the local store
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cercle-cli"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "cercle-cli-subcommand.h"
#include "cercle-patient-repo.h"
#include "cercle-store.h"

static int
patient_list (const CercleCliGlobals  *globals,
              int                      argc,
              char                   **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CercleDb) db = NULL;
  g_autoptr(GListModel) patients = NULL;
  g_autofree char *format = NULL;
  CerclePatientQuery query = { .limit = G_MAXINT };
  gboolean tsv;
  GOptionEntry entries[] = {
    { "format", 0, 0, G_OPTION_ARG_STRING, &format, N_("“text” (default) or “tsv”: id, name, birth date, sync state"),
      N_("FORMAT") },
    { NULL }
  };

  context = cercle_cli_context_new (NULL, _("Lists the patients of the local store, the id first."), entries);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return cercle_cli_usage_error (context, error->message);
  if (format && !g_str_equal (format, "tsv") && !g_str_equal (format, "text"))
    return cercle_cli_usage_error (context, _("The format is “text” or “tsv”"));
  tsv = g_strcmp0 (format, "tsv") == 0;

  db = cercle_store_open (globals->db_path, &error);
  if (db == NULL)
    {
      g_printerr ("cercle-cli: %s\n", error->message);
      return 1;
    }
  patients = cercle_patient_repo_search (db, &query, &error);
  if (patients == NULL)
    {
      g_printerr ("cercle-cli: %s\n", error->message);
      return 1;
    }
  for (guint i = 0; i < g_list_model_get_n_items (patients); i++)
    {
      g_autoptr(CerclePatient) patient = g_list_model_get_item (patients, i);
      g_autofree char *name = cercle_patient_dup_display_name (patient);
      CercleSyncState state = cercle_store_get_sync_state (db, "Patient", cercle_patient_get_id (patient), NULL);
      const char *state_text = state == CERCLE_SYNC_STATE_SENT ? _("Sent")
                             : state == CERCLE_SYNC_STATE_PENDING ? _("Waiting to be sent") : _("Refused");

      if (tsv)
        g_print ("%s\t%s\t%s\t%s\n", cercle_patient_get_id (patient), name,
                 cercle_patient_get_birth_date (patient), state_text);
      else
        g_print ("%s  %s  %s  (%s)\n", cercle_patient_get_id (patient), name,
                 cercle_patient_get_birth_date (patient), state_text);
    }
  return 0;
}

static const CercleCliSubcommand subcommands[] = {
  { "list", patient_list, N_("List the patients of the local store") },
};

int
cercle_cli_patient (const CercleCliGlobals  *globals,
                    int                      argc,
                    char                   **argv)
{
  return cercle_cli_dispatch ("patient", subcommands, G_N_ELEMENTS (subcommands), globals, argc, argv);
}
