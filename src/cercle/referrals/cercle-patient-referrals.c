/* cercle-patient-referrals.c — a patient's dossiers, on the patient page
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The patient page keeps a box for the patient's referrals
 * (cercle_patient_view_get_referrals_box()); this fills it with the rows
 * « Orientations » shows — the type, the time since sending, one status
 * chip per destination — one per dossier of the patient, drafts included.
 * Activating a row opens the dossier there (win.open-referral). The rows
 * are read from the store's referral summaries, as the Orientations list
 * is, so the page and the list never disagree.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "cercle-dossier-row.h"
#include "cercle-patient-referrals.h"
#include "cercle-referral-repo.h"

/**
 * cercle_patient_referrals_fill:
 * @box: the patient page's referrals box
 * @db: the local store
 * @patient_id: the patient shown
 *
 * Replaces what @box holds with the patient's dossiers, or a line saying
 * there is none. A store that cannot be read says so in the box.
 *
 * Returns: how many dossiers are shown
 */
guint
cercle_patient_referrals_fill (GtkBox     *box,
                               CercleDb   *db,
                               const char *patient_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GListModel) dossiers = NULL;
  GtkWidget *child;
  GtkWidget *list;
  guint shown = 0;

  g_return_val_if_fail (GTK_IS_BOX (box), 0);
  g_return_val_if_fail (CERCLE_IS_DB (db), 0);
  g_return_val_if_fail (patient_id != NULL, 0);

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (box))) != NULL)
    gtk_box_remove (box, child);

  dossiers = cercle_referral_repo_list_dossiers (db, CERCLE_DOSSIER_FILTER_ALL, &error);
  if (dossiers == NULL)
    {
      GtkWidget *label = gtk_label_new (error->message);

      gtk_label_set_wrap (GTK_LABEL (label), TRUE);
      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_widget_add_css_class (label, "error");
      gtk_box_append (box, label);
      return 0;
    }

  list = gtk_list_box_new ();
  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");
  gtk_accessible_update_property (GTK_ACCESSIBLE (list), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Referrals"), -1);
  for (guint i = 0; i < g_list_model_get_n_items (dossiers); i++)
    {
      g_autoptr(CercleDossier) dossier = g_list_model_get_item (dossiers, i);
      GtkWidget *row;
      GtkWidget *dossier_row;

      if (g_strcmp0 (cercle_dossier_get_patient_id (dossier), patient_id) != 0)
        continue;
      dossier_row = cercle_dossier_row_new ();
      cercle_dossier_row_set_dossier (CERCLE_DOSSIER_ROW (dossier_row), dossier, FALSE);
      row = gtk_list_box_row_new ();
      gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), dossier_row);
      gtk_actionable_set_action_name (GTK_ACTIONABLE (row), "win.open-referral");
      gtk_actionable_set_action_target (GTK_ACTIONABLE (row), "s", cercle_dossier_get_referral_id (dossier));
      gtk_list_box_append (GTK_LIST_BOX (list), row);
      shown++;
    }
  if (shown == 0)
    {
      GtkWidget *label = gtk_label_new (_("No referral for this patient yet"));

      g_object_ref_sink (list);
      g_object_unref (list);
      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_widget_add_css_class (label, "dim-label");
      gtk_box_append (box, label);
      return 0;
    }
  gtk_box_append (box, list);
  return shown;
}
