/* cercle-patient-row.c — one patient in the patients list
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Name as domain.md writes it (family name in capitals, first given name),
 * date of birth and age, commune, the identity status badge and the number
 * of notes not seen yet. Rows are recycled by the GtkListView: everything
 * is set again on each bind.
 *
 * Built in code, not from a template: a keystroke in the search may create
 * a screenful of new rows, and a GtkBuilder template per row cost more than
 * the whole filtering of 5,000 patients (tests/bench/bench-patients).
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
  guint unread;
  char *accessible;   /* what a screen reader was last told */
};

G_DEFINE_FINAL_TYPE (CerclePatientRow, cercle_patient_row, GTK_TYPE_BOX)

static void
cercle_patient_row_finalize (GObject *object)
{
  CerclePatientRow *self = CERCLE_PATIENT_ROW (object);

  g_free (self->accessible);

  G_OBJECT_CLASS (cercle_patient_row_parent_class)->finalize (object);
}

static void
cercle_patient_row_class_init (CerclePatientRowClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cercle_patient_row_finalize;
}

/* The badge's tooltip is written when asked for: GTK 4.8's
 * gtk_widget_set_tooltip_text() asks the X server where the pointer is,
 * a round trip for every row a keystroke rebinds. */
static gboolean
on_unread_query_tooltip (GtkWidget        *label,
                         int               x,
                         int               y,
                         gboolean          keyboard,
                         GtkTooltip       *tooltip,
                         CerclePatientRow *self)
{
  g_autofree char *text = NULL;

  if (self->unread == 0)
    return FALSE;
  text = g_strdup_printf (ngettext ("%u unread note", "%u unread notes", self->unread), self->unread);
  gtk_tooltip_set_text (tooltip, text);
  return TRUE;
}

static GtkLabel *
add_label (GtkBox     *box,
           const char *css1,
           const char *css2)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  if (css1)
    gtk_widget_add_css_class (label, css1);
  if (css2)
    gtk_widget_add_css_class (label, css2);
  gtk_box_append (box, label);
  return GTK_LABEL (label);
}

static void
cercle_patient_row_init (CerclePatientRow *self)
{
  GtkBox *text = GTK_BOX (gtk_box_new (GTK_ORIENTATION_VERTICAL, 2));

  gtk_box_set_spacing (GTK_BOX (self), 8);
  gtk_widget_set_margin_top (GTK_WIDGET (self), 6);
  gtk_widget_set_margin_bottom (GTK_WIDGET (self), 6);
  gtk_widget_set_hexpand (GTK_WIDGET (text), TRUE);
  self->name_label = add_label (text, "heading", NULL);
  gtk_label_set_ellipsize (self->name_label, PANGO_ELLIPSIZE_END);
  self->details_label = add_label (text, "dim-label", "caption");
  gtk_label_set_ellipsize (self->details_label, PANGO_ELLIPSIZE_END);
  self->status_label = add_label (text, "cercle-status", "caption");
  gtk_widget_set_halign (GTK_WIDGET (self->status_label), GTK_ALIGN_START);
  gtk_box_append (GTK_BOX (self), GTK_WIDGET (text));
  self->unread_label = add_label (GTK_BOX (self), "cercle-unread", NULL);
  gtk_widget_set_valign (GTK_WIDGET (self->unread_label), GTK_ALIGN_CENTER);
  gtk_widget_set_visible (GTK_WIDGET (self->unread_label), FALSE);
  gtk_widget_set_has_tooltip (GTK_WIDGET (self->unread_label), TRUE);
  g_signal_connect (self->unread_label, "query-tooltip", G_CALLBACK (on_unread_query_tooltip), self);
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
  /* Today, asked of the time zone once a minute, not for every row a
   * keystroke rebinds. */
  static gint64 asked_at;
  static int ty, tm, td;
  const char *birth = cercle_patient_get_birth_date (patient);
  int y, m, d, age;

  if (asked_at == 0 || g_get_monotonic_time () - asked_at > 60 * G_USEC_PER_SEC)
    {
      g_autoptr(GDateTime) now = g_date_time_new_now_local ();

      ty = g_date_time_get_year (now);
      tm = g_date_time_get_month (now);
      td = g_date_time_get_day_of_month (now);
      asked_at = g_get_monotonic_time ();
    }
  if (birth == NULL || sscanf (birth, "%4d-%2d-%2d", &y, &m, &d) != 3)
    return g_strdup ("");
  age = ty - y;
  if (tm < m || (tm == m && td < d))
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

  /* A recycled row often shows the same texts again: GtkLabel keeps its
   * layout when the text is the same. */
  gtk_label_set_label (self->name_label, name);
  gtk_label_set_label (self->details_label, details);
  gtk_label_set_label (self->status_label, cercle_identity_status_get_label (status));
  if (self->status_class != cercle_patient_status_css (status))
    {
      if (self->status_class)
        gtk_widget_remove_css_class (GTK_WIDGET (self->status_label), self->status_class);
      self->status_class = cercle_patient_status_css (status);
      gtk_widget_add_css_class (GTK_WIDGET (self->status_label), self->status_class);
    }

  self->unread = unread;
  unread_text = g_strdup_printf ("%u", unread);
  gtk_label_set_label (self->unread_label, unread_text);
  gtk_widget_set_visible (GTK_WIDGET (self->unread_label), unread > 0);
  if (unread > 0)
    {
      g_autofree char *notes = g_strdup_printf (ngettext ("%u unread note", "%u unread notes", unread), unread);
      accessible = g_strdup_printf ("%s, %s, %s, %s", name, details,
                                    cercle_identity_status_get_label (status), notes);
    }
  else
    accessible = g_strdup_printf ("%s, %s, %s", name, details, cercle_identity_status_get_label (status));
  /* A screen reader reads the row as one sentence; it is told only when
   * the sentence changes. */
  if (g_strcmp0 (accessible, self->accessible) != 0)
    {
      gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, accessible, -1);
      g_free (self->accessible);
      self->accessible = g_steal_pointer (&accessible);
    }
}
