/* cercle-patient-row.c — one patient in the patients list
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Name as domain.md writes it (family name in capitals, first given name),
 * date of birth and age, commune, the identity status badge and the number
 * of notes not seen yet. Rows are recycled by the GtkListView: everything
 * is set again on each bind.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "cercle-patient-row.h"

struct _CerclePatientRow
{
  GtkBox parent_instance;

  GtkLabel *name_label;
  GtkLabel *details_label;
  GtkLabel *status_label;
  GtkLabel *unread_label;
  const char *status_class;
};

G_DEFINE_FINAL_TYPE (CerclePatientRow, cercle_patient_row, GTK_TYPE_BOX)

static void
cercle_patient_row_class_init (CerclePatientRowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  gtk_widget_class_set_template_from_resource (widget_class, "/fr/cercle/Cercle/patients/cercle-patient-row.ui");
  gtk_widget_class_bind_template_child (widget_class, CerclePatientRow, name_label);
  gtk_widget_class_bind_template_child (widget_class, CerclePatientRow, details_label);
  gtk_widget_class_bind_template_child (widget_class, CerclePatientRow, status_label);
  gtk_widget_class_bind_template_child (widget_class, CerclePatientRow, unread_label);
}

static void
cercle_patient_row_init (CerclePatientRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
cercle_patient_row_new (void)
{
  return g_object_new (CERCLE_TYPE_PATIENT_ROW, NULL);
}

/**
 * cercle_patient_status_css:
 * @status: an identity status
 *
 * Returns: the CSS class of its badge
 */
const char *
cercle_patient_status_css (CercleIdentityStatus status)
{
  switch (status)
    {
    case CERCLE_IDENTITY_QUALIFIEE:
      return "cercle-status-qualified";
    case CERCLE_IDENTITY_VALIDEE:
    case CERCLE_IDENTITY_RECUPEREE:
      return "cercle-status-partial";
    case CERCLE_IDENTITY_PROVISOIRE:
    default:
      return "cercle-status-provisional";
    }
}

/**
 * cercle_patient_format_birth:
 * @patient: a patient
 *
 * Returns: (transfer full): « 12/03/1941 (85 ans) »
 */
char *
cercle_patient_format_birth (CerclePatient *patient)
{
  const char *birth = cercle_patient_get_birth_date (patient);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  int y, m, d, age;

  if (birth == NULL || sscanf (birth, "%4d-%2d-%2d", &y, &m, &d) != 3)
    return g_strdup ("");
  age = g_date_time_get_year (now) - y;
  if (g_date_time_get_month (now) < m || (g_date_time_get_month (now) == m && g_date_time_get_day_of_month (now) < d))
    age--;
  /* TRANSLATORS: date of birth (day/month/year) and age in years */
  return g_strdup_printf (ngettext ("%02d/%02d/%04d (%d year)", "%02d/%02d/%04d (%d years)", age), d, m, y, age);
}

/**
 * cercle_patient_row_set_patient:
 * @self: a row
 * @patient: the patient to show
 * @unread: their number of unread notes
 */
void
cercle_patient_row_set_patient (CerclePatientRow *self,
                                CerclePatient    *patient,
                                guint             unread)
{
  g_autofree char *name = NULL;
  g_autofree char *birth = NULL;
  g_autofree char *details = NULL;
  g_autofree char *unread_text = NULL;
  g_autofree char *accessible = NULL;
  CercleIdentityStatus status;
  const char *commune;

  g_return_if_fail (CERCLE_IS_PATIENT_ROW (self));
  g_return_if_fail (CERCLE_IS_PATIENT (patient));

  name = cercle_patient_dup_display_name (patient);
  birth = cercle_patient_format_birth (patient);
  commune = cercle_patient_get_commune_name (patient);
  details = commune && *commune ? g_strdup_printf ("%s · %s", birth, commune) : g_strdup (birth);
  status = cercle_patient_get_identity_status (patient);

  gtk_label_set_label (self->name_label, name);
  gtk_label_set_label (self->details_label, details);
  gtk_label_set_label (self->status_label, cercle_identity_status_get_label (status));
  if (self->status_class)
    gtk_widget_remove_css_class (GTK_WIDGET (self->status_label), self->status_class);
  self->status_class = cercle_patient_status_css (status);
  gtk_widget_add_css_class (GTK_WIDGET (self->status_label), self->status_class);

  unread_text = g_strdup_printf ("%u", unread);
  gtk_label_set_label (self->unread_label, unread_text);
  gtk_widget_set_visible (GTK_WIDGET (self->unread_label), unread > 0);
  if (unread > 0)
    {
      g_autofree char *notes = g_strdup_printf (ngettext ("%u unread note", "%u unread notes", unread), unread);
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->unread_label), notes);
      accessible = g_strdup_printf ("%s, %s, %s, %s", name, details,
                                    cercle_identity_status_get_label (status), notes);
    }
  else
    accessible = g_strdup_printf ("%s, %s, %s", name, details, cercle_identity_status_get_label (status));
  /* A screen reader reads the row as one sentence. */
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, accessible, -1);
}
