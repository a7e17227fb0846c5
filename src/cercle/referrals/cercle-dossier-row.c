/* cercle-dossier-row.c — one dossier in « Orientations » or « Demandes reçues »
 *
 * The patient, the orientation type and dossier number, the time since it
 * was sent, then one status chip per destination: the French label of
 * domain.md §6, the answer's date or reason, the deadline and « Relancée »
 * when the server reminded the structure.
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "cercle-dossier-row.h"
#include "cercle-fhir.h"
#include "cercle-referral.h"
#include "cercle-referral-rules.h"

struct _CercleDossierRow
{
  GtkBox parent_instance;

  GtkLabel *title_label;
  GtkLabel *since_label;
  GtkLabel *subtitle_label;
  GtkBox   *chips_box;
};

G_DEFINE_FINAL_TYPE (CercleDossierRow, cercle_dossier_row, GTK_TYPE_BOX)

static void
cercle_dossier_row_class_init (CercleDossierRowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  gtk_widget_class_set_template_from_resource (widget_class, "/fr/cercle/Cercle/referrals/cercle-dossier-row.ui");
  gtk_widget_class_bind_template_child (widget_class, CercleDossierRow, title_label);
  gtk_widget_class_bind_template_child (widget_class, CercleDossierRow, since_label);
  gtk_widget_class_bind_template_child (widget_class, CercleDossierRow, subtitle_label);
  gtk_widget_class_bind_template_child (widget_class, CercleDossierRow, chips_box);
}

static void
cercle_dossier_row_init (CercleDossierRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

/**
 * cercle_dossier_row_new:
 *
 * Returns: (transfer floating): an empty row
 */
GtkWidget *
cercle_dossier_row_new (void)
{
  return g_object_new (CERCLE_TYPE_DOSSIER_ROW, NULL);
}

static char *
format_local (const char *iso,
              const char *format)
{
  g_autoptr(GDateTime) utc = cercle_fhir_parse_date_time (iso);
  g_autoptr(GDateTime) local = utc ? g_date_time_to_local (utc) : NULL;

  return local ? g_date_time_format (local, format) : NULL;
}

/**
 * cercle_dossier_destination_style:
 * @d: a destination
 *
 * Returns: the style class of its chip: success, warning, error or none
 */
const char *
cercle_dossier_destination_style (const CercleDossierDestination *d)
{
  const char *s = d->status ? d->status : "";

  if (d->sync_state == CERCLE_SYNC_STATE_REFUSED)
    return "error";
  if (g_str_equal (s, "accepted") || g_str_equal (s, "in-progress") || g_str_equal (s, "completed"))
    return "success";
  if (g_str_equal (s, "rejected") || g_str_equal (s, "failed") || g_str_equal (s, "cancelled"))
    return "error";
  if (g_strcmp0 (d->business, CERCLE_REFERRAL_BUSINESS_MORE_INFO) == 0 || d->reminded)
    return "warning";
  return NULL;
}

/**
 * cercle_dossier_destination_chip_text:
 * @d: a destination
 * @with_owner: start with the structure's name
 *
 * Returns: (transfer full): « SSIAD de Melun : Refusée — Hors zone
 *   d'intervention · Relancée · réponse attendue le 08/12 à 14:00 »
 */
char *
cercle_dossier_destination_chip_text (const CercleDossierDestination *d,
                                      gboolean                        with_owner)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autofree char *label = cercle_dossier_dup_destination_label (d);
  const char *s = d->status ? d->status : "";

  if (with_owner)
    g_string_append_printf (text, "%s : ", d->owner_display ? d->owner_display : d->owner_id);
  g_string_append (text, label);
  if (d->sync_state == CERCLE_SYNC_STATE_SENT && (d->reason || d->reason_text))
    {
      const char *reason = d->reason ? cercle_referral_reason_label (d->reason) : NULL;

      g_string_append_printf (text, " — %s", reason ? reason : "");
      if (d->reason_text)
        g_string_append_printf (text, "%s%s", reason ? " : " : "", d->reason_text);
    }
  if (d->sync_state == CERCLE_SYNC_STATE_SENT && !g_str_equal (s, "requested") && !g_str_equal (s, "draft")
      && d->last_modified)
    {
      g_autofree char *when = format_local (d->last_modified, "%d/%m/%Y");

      if (when)
        /* TRANSLATORS: the date of the last answer of a structure */
        g_string_append_printf (text, _(", on %s"), when);
    }
  if (d->reminded && (g_str_equal (s, "requested") || g_str_equal (s, "received")))
    g_string_append_printf (text, " · %s", _("Reminded"));
  if (d->deadline && (g_str_equal (s, "requested") || g_str_equal (s, "received")))
    {
      g_autofree char *when = format_local (d->deadline, "%d/%m %H:%M");

      if (when)
        /* TRANSLATORS: the response deadline of a structure, e.g. "réponse attendue le 08/12 14:00" */
        g_string_append_printf (text, " · %s", _("answer expected by"));
      if (when)
        g_string_append_printf (text, " %s", when);
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/**
 * cercle_dossier_row_set_dossier:
 * @self: a row
 * @dossier: the dossier to show
 * @received: a row of « Demandes reçues » (the structure's own view)
 */
void
cercle_dossier_row_set_dossier (CercleDossierRow *self,
                                CercleDossier    *dossier,
                                gboolean          received)
{
  g_autofree char *since = NULL;
  g_autofree char *subtitle = NULL;
  const char *type = cercle_dossier_get_orientation_type (dossier);
  const char *message = NULL;
  GtkWidget *child;

  g_return_if_fail (CERCLE_IS_DOSSIER_ROW (self));

  gtk_label_set_label (self->title_label, cercle_dossier_get_patient_name (dossier)
                                          ? cercle_dossier_get_patient_name (dossier) : _("Unknown patient"));
  since = cercle_dossier_format_since (cercle_dossier_get_authored_on (dossier), NULL);
  gtk_label_set_label (self->since_label, since ? since : "");
  subtitle = g_strdup_printf ("%s · %s", type ? cercle_referral_orientation_label (type) : "",
                              cercle_dossier_get_dossier_id (dossier) ? cercle_dossier_get_dossier_id (dossier) : "");
  if (cercle_dossier_get_sync_state (dossier, &message) == CERCLE_SYNC_STATE_REFUSED)
    {
      g_free (subtitle);
      subtitle = g_strdup_printf (_("Refused: %s"), message ? message : "");
    }
  gtk_label_set_label (self->subtitle_label, subtitle);

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->chips_box))) != NULL)
    gtk_box_remove (self->chips_box, child);
  for (guint i = 0; i < cercle_dossier_get_n_destinations (dossier); i++)
    {
      const CercleDossierDestination *d = cercle_dossier_get_destination (dossier, i);
      g_autofree char *text = cercle_dossier_destination_chip_text (d, !received);
      GtkWidget *chip = gtk_label_new (text);
      const char *style = cercle_dossier_destination_style (d);

      gtk_label_set_xalign (GTK_LABEL (chip), 0);
      gtk_label_set_wrap (GTK_LABEL (chip), TRUE);
      gtk_label_set_wrap_mode (GTK_LABEL (chip), PANGO_WRAP_WORD_CHAR);
      gtk_widget_add_css_class (chip, "caption");
      if (style)
        gtk_widget_add_css_class (chip, style);
      gtk_box_append (self->chips_box, chip);
    }
}

/**
 * cercle_dossier_row_dup_text:
 * @self: a row
 *
 * Returns: (transfer full): everything the row shows, line by line (for
 *   tests and accessible descriptions)
 */
char *
cercle_dossier_row_dup_text (CercleDossierRow *self)
{
  g_autoptr(GString) text = g_string_new (NULL);

  g_return_val_if_fail (CERCLE_IS_DOSSIER_ROW (self), NULL);

  g_string_append_printf (text, "%s\n%s\n%s", gtk_label_get_label (self->title_label),
                          gtk_label_get_label (self->since_label), gtk_label_get_label (self->subtitle_label));
  for (GtkWidget *c = gtk_widget_get_first_child (GTK_WIDGET (self->chips_box)); c; c = gtk_widget_get_next_sibling (c))
    g_string_append_printf (text, "\n%s", gtk_label_get_label (GTK_LABEL (c)));
  return g_string_free (g_steal_pointer (&text), FALSE);
}
