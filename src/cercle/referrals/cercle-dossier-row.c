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
  GtkLabel *chips_label;
  char     *chips_text;

  CercleDossier *dossier;
  gboolean       received;
};

G_DEFINE_FINAL_TYPE (CercleDossierRow, cercle_dossier_row, GTK_TYPE_BOX)

/* Adwaita's success, warning and error colours, legible on light and dark. */
static const char *
chip_color (const char *style)
{
  if (g_strcmp0 (style, "success") == 0)
    return "#26a269";
  if (g_strcmp0 (style, "warning") == 0)
    return "#c88800";
  if (g_strcmp0 (style, "error") == 0)
    return "#e01b24";
  return "#3584e4";
}

static void release_dossier (CercleDossierRow *self);

static void
cercle_dossier_row_dispose (GObject *object)
{
  release_dossier (CERCLE_DOSSIER_ROW (object));
  G_OBJECT_CLASS (cercle_dossier_row_parent_class)->dispose (object);
}

static void
cercle_dossier_row_finalize (GObject *object)
{
  g_free (CERCLE_DOSSIER_ROW (object)->chips_text);
  G_OBJECT_CLASS (cercle_dossier_row_parent_class)->finalize (object);
}

static void
cercle_dossier_row_class_init (CercleDossierRowClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = cercle_dossier_row_dispose;
  G_OBJECT_CLASS (klass)->finalize = cercle_dossier_row_finalize;
}

static GtkLabel *
add_label (GtkBox     *box,
           float       xalign,
           const char *style1,
           const char *style2)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), xalign);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_label_set_single_line_mode (GTK_LABEL (label), TRUE);
  if (style1)
    gtk_widget_add_css_class (label, style1);
  if (style2)
    gtk_widget_add_css_class (label, style2);
  gtk_box_append (box, label);
  return GTK_LABEL (label);
}

/* Built in code, not from a template: a list of 2,000 dossiers keeps up to
 * 200 rows alive, and parsing a template for each is what made the page
 * slow to open. */
static void
cercle_dossier_row_init (CercleDossierRow *self)
{
  GtkBox *box = GTK_BOX (self);
  GtkWidget *header = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);

  gtk_orientable_set_orientation (GTK_ORIENTABLE (self), GTK_ORIENTATION_VERTICAL);
  gtk_box_set_spacing (box, 4);
  gtk_widget_set_margin_top (GTK_WIDGET (self), 8);
  gtk_widget_set_margin_bottom (GTK_WIDGET (self), 8);
  gtk_widget_set_margin_start (GTK_WIDGET (self), 6);
  gtk_widget_set_margin_end (GTK_WIDGET (self), 6);

  gtk_box_append (box, header);
  self->title_label = add_label (GTK_BOX (header), 0, "heading", NULL);
  gtk_widget_set_hexpand (GTK_WIDGET (self->title_label), TRUE);
  self->since_label = add_label (GTK_BOX (header), 1, "caption", "dim-label");
  gtk_label_set_ellipsize (self->since_label, PANGO_ELLIPSIZE_NONE);
  self->subtitle_label = add_label (box, 0, "caption", "dim-label");
  self->chips_label = add_label (box, 0, "caption", NULL);
  gtk_label_set_single_line_mode (self->chips_label, FALSE);
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

/* "pas de place" after « Refusée le … : », but "INS" stays "INS". */
static char *
lower_first (const char *text)
{
  const char *next = g_utf8_next_char (text);
  gunichar second = *next ? g_utf8_get_char (next) : 0;
  g_autofree char *first = NULL;

  if (second == 0 || !g_unichar_islower (second))
    return g_strdup (text);
  first = g_utf8_strdown (text, next - text);
  return g_strconcat (first, next, NULL);
}

/**
 * cercle_dossier_destination_chip_text:
 * @d: a destination
 * @with_owner: start with the structure's name
 * @now: (nullable): now, %NULL for the clock
 *
 * The status line, read as a sentence in French: the status, the date of
 * the answer, then what it says (« Acceptée le 22/11/2026 — admission
 * prévue le 30/11/2026 », « Refusée le 22/11/2026 : pas de place »); while
 * the structure has to answer, « Relancée » when the server reminded it,
 * the deadline and the time since it was sent (« Envoyée il y a 3 j ·
 * Relancée · réponse attendue avant le 08/12 à 14:00 », « Lue le 21/11/2026
 * · envoyée il y a 3 j »). The time since
 * sending counts from the Task's last step to `requested`, never from the
 * local write.
 *
 * Returns: (transfer full): the line
 */
char *
cercle_dossier_destination_chip_text (const CercleDossierDestination *d,
                                      gboolean                        with_owner,
                                      GDateTime                      *now)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autofree char *label = cercle_dossier_dup_destination_label (d);
  const char *s = d->status ? d->status : "";
  gboolean sent = d->sync_state == CERCLE_SYNC_STATE_SENT;
  gboolean waiting = g_str_equal (s, "requested")
                     || (g_str_equal (s, "received") && g_strcmp0 (d->business, CERCLE_REFERRAL_BUSINESS_READ) == 0);
  g_autofree char *since_sent = d->sent_at ? cercle_dossier_format_since (d->sent_at, now) : NULL;

  if (with_owner)
    g_string_append_printf (text, "%s : ", d->owner_display ? d->owner_display : d->owner_id);

  if (sent && g_str_equal (s, "requested") && since_sent != NULL)
    /* TRANSLATORS: the status « Envoyée » and how long ago, e.g. "Envoyée il y a 3 j" */
    g_string_append_printf (text, _("Sent %s ago"), since_sent);
  else if (sent && !g_str_equal (s, "requested") && !g_str_equal (s, "draft") && d->last_modified)
    {
      g_autofree char *when = format_local (d->last_modified, "%d/%m/%Y");

      if (when)
        /* TRANSLATORS: a status and the date of the answer, e.g. "Acceptée le 22/11/2026" */
        g_string_append_printf (text, _("%s on %s"), label, when);
      else
        g_string_append (text, label);
    }
  else
    g_string_append (text, label);

  if (sent && g_strcmp0 (d->business, CERCLE_REFERRAL_BUSINESS_AGREED) == 0)
    {
      if (d->asap)
        g_string_append_printf (text, " — %s", _("admission as soon as possible"));
      else if (d->admission_date)
        {
          g_autofree char *iso = g_strconcat (d->admission_date, "T00:00:00Z", NULL);
          g_autoptr(GDateTime) date = g_date_time_new_from_iso8601 (iso, NULL);
          g_autofree char *day = date ? g_date_time_format (date, "%d/%m/%Y") : NULL;

          if (day)
            {
              g_string_append (text, " — ");
              /* TRANSLATORS: after "Acceptée le 22/11/2026 — " */
              g_string_append_printf (text, _("admission planned on %s"), day);
            }
        }
    }
  if (sent && (d->reason || d->reason_text))
    {
      const char *reason = d->reason && g_strcmp0 (d->reason, "autre") != 0 ? cercle_referral_reason_label (d->reason)
                                                                              : NULL;
      g_autofree char *lower = reason ? lower_first (reason) : NULL;

      if (lower && d->reason_text)
        g_string_append_printf (text, " : %s (%s)", lower, d->reason_text);
      else if (lower)
        g_string_append_printf (text, " : %s", lower);
      else if (d->reason_text)
        g_string_append_printf (text, " : %s", d->reason_text);
      else if (d->reason)
        {
          g_autofree char *other = lower_first (cercle_referral_reason_label (d->reason));

          g_string_append_printf (text, " : %s", other);
        }
    }
  if (sent && waiting && d->reminded)
    g_string_append_printf (text, " · %s", _("Reminded"));
  if (sent && waiting && d->deadline)
    {
      /* TRANSLATORS: a day and time, e.g. "08/12 à 14:00" (strftime format) */
      /* xgettext:no-c-format */
      g_autofree char *when = format_local (d->deadline, _("%d/%m at %H:%M"));

      if (when)
        {
          g_string_append (text, " · ");
          /* TRANSLATORS: the structure's response deadline, e.g. "réponse attendue avant le 08/12 à 14:00" */
          g_string_append_printf (text, _("answer expected before %s"), when);
        }
    }
  if (sent && waiting && !g_str_equal (s, "requested") && since_sent)
    {
      g_string_append (text, " · ");
      /* TRANSLATORS: how long ago the referral was sent to the structure, e.g. "envoyée il y a 3 j" */
      g_string_append_printf (text, _("sent %s ago"), since_sent);
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static void
show_dossier (CercleDossierRow *self)
{
  CercleDossier *dossier = self->dossier;
  g_autofree char *since = NULL;
  g_autofree char *subtitle = NULL;
  const char *type = cercle_dossier_get_orientation_type (dossier);
  const char *message = NULL;
  g_autoptr(GString) plain = g_string_new (NULL);
  g_autoptr(GString) markup = g_string_new (NULL);
  gboolean received = self->received;

  gtk_label_set_label (self->title_label, cercle_dossier_get_patient_name (dossier)
                                          ? cercle_dossier_get_patient_name (dossier) : _("Unknown patient"));
  since = cercle_dossier_format_since (cercle_dossier_get_authored_on (dossier), NULL);
  gtk_label_set_label (self->since_label, since ? since : "");
  if (g_strcmp0 (cercle_dossier_get_status (dossier), "draft") == 0)
    {
      const char *missing = cercle_dossier_get_missing (dossier);

      /* A draft says what it is and what it still lacks, as typed. */
      subtitle = g_strdup_printf ("%s · %s%s%s",
                                  type ? cercle_referral_orientation_label (type) : _("Type not chosen"),
                                  _("Draft, not sent"), missing ? " · " : "", missing ? missing : "");
    }
  else
    subtitle = g_strdup_printf ("%s · %s", type ? cercle_referral_orientation_label (type) : "",
                                cercle_dossier_get_dossier_id (dossier) ? cercle_dossier_get_dossier_id (dossier) : "");
  if (cercle_dossier_get_sync_state (dossier, &message) == CERCLE_SYNC_STATE_REFUSED)
    {
      g_free (subtitle);
      subtitle = g_strdup_printf (_("Refused: %s"), message ? message : "");
    }
  gtk_label_set_label (self->subtitle_label, subtitle);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->subtitle_label), subtitle);

  /* One label for every chip, a line each with a coloured mark: a list
   * of 2,000 dossiers keeps up to 200 rows alive, few widgets each. */
  for (guint i = 0; i < cercle_dossier_get_n_destinations (dossier); i++)
    {
      const CercleDossierDestination *d = cercle_dossier_get_destination (dossier, i);
      g_autofree char *text = cercle_dossier_destination_chip_text (d, !received, NULL);
      g_autofree char *escaped = g_markup_escape_text (text, -1);
      const char *style = cercle_dossier_destination_style (d);

      g_string_append_printf (plain, "%s%s", i ? "\n" : "", text);
      g_string_append_printf (markup, "%s<span foreground=\"%s\">●</span> %s", i ? "\n" : "",
                              chip_color (style), escaped);
    }
  gtk_label_set_markup (self->chips_label, markup->str);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->chips_label), plain->str);
  g_free (self->chips_text);
  self->chips_text = g_string_free (g_steal_pointer (&plain), FALSE);
}

static void
release_dossier (CercleDossierRow *self)
{
  if (self->dossier)
    g_signal_handlers_disconnect_by_data (self->dossier, self);
  g_clear_object (&self->dossier);
}

/**
 * cercle_dossier_row_set_dossier:
 * @self: a row
 * @dossier: (nullable): the dossier to show, %NULL when the row is unbound
 * @received: a row of « Demandes reçues » (the structure's own view)
 *
 * Shows @dossier, and follows it: when it changes in place (a draft being
 * typed, #CercleDossier::changed) the row shows it again.
 */
void
cercle_dossier_row_set_dossier (CercleDossierRow *self,
                                CercleDossier    *dossier,
                                gboolean          received)
{
  g_return_if_fail (CERCLE_IS_DOSSIER_ROW (self));

  release_dossier (self);
  if (dossier == NULL)
    return;
  self->dossier = g_object_ref (dossier);
  self->received = received;
  g_signal_connect_swapped (dossier, "changed", G_CALLBACK (show_dossier), self);
  show_dossier (self);
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
  if (self->chips_text && self->chips_text[0])
    g_string_append_printf (text, "\n%s", self->chips_text);
  return g_string_free (g_steal_pointer (&text), FALSE);
}
