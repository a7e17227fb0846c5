/* cercle-note-row.c — one entry of a patient's timeline: a note or a circle change
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A note shows its author and their role in the circle, a category chip,
 * the text, a French date and where it stands with the server. A note the
 * user has not seen carries a « Nouveau » mark; a corrected note says so
 * and stays readable (traceability, domain.md §5). « Corriger » (the
 * author's own notes only) activates `patient.correct` with the note's id.
 *
 * Built in code rather than from a template: a page may show a few hundred
 * of these, and a template per row costs more than the widgets themselves.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "cercle-note-row.h"

struct _CercleNoteRow
{
  GtkListBoxRow parent_instance;

  CercleTimelineEvent *event;
};

G_DEFINE_FINAL_TYPE (CercleNoteRow, cercle_note_row, GTK_TYPE_LIST_BOX_ROW)

static void
cercle_note_row_dispose (GObject *object)
{
  CercleNoteRow *self = CERCLE_NOTE_ROW (object);

  g_clear_object (&self->event);
  G_OBJECT_CLASS (cercle_note_row_parent_class)->dispose (object);
}

static void
cercle_note_row_class_init (CercleNoteRowClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = cercle_note_row_dispose;
}

static void
cercle_note_row_init (CercleNoteRow *self)
{
}

static GtkWidget *
label (const char *text,
       const char *css)
{
  GtkWidget *widget = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (widget), 0);
  if (css)
    {
      g_auto(GStrv) classes = g_strsplit (css, " ", -1);
      for (guint i = 0; classes[i]; i++)
        gtk_widget_add_css_class (widget, classes[i]);
    }
  return widget;
}

static char *
sync_text (CercleTimelineEvent *event)
{
  switch (cercle_timeline_event_get_sync_state (event))
    {
    case CERCLE_SYNC_STATE_PENDING:
      return g_strdup (_("Waiting to be sent"));
    case CERCLE_SYNC_STATE_REFUSED:
      /* TRANSLATORS: %s is the server's reason */
      return g_strdup_printf (_("Refused: %s"), cercle_timeline_event_get_sync_message (event)
                                                ? cercle_timeline_event_get_sync_message (event) : "");
    case CERCLE_SYNC_STATE_SENT:
    default:
      return g_strdup (_("Sent"));
    }
}

static void
build_note (CercleNoteRow *self,
            GtkBox        *box,
            gboolean       can_correct)
{
  CercleTimelineEvent *event = self->event;
  CercleNote *note = cercle_timeline_event_get_note (event);
  g_autofree char *when = cercle_timeline_format_time (cercle_timeline_event_get_time (event));
  g_autofree char *state = sync_text (event);
  g_autofree char *chip_class = g_strdup_printf ("cercle-chip cercle-note-%s caption", cercle_note_get_category (note));
  g_autofree char *accessible = NULL;
  const char *author = cercle_note_get_author_display (note) ? cercle_note_get_author_display (note)
                                                              : cercle_note_get_author_id (note);
  const char *role = cercle_timeline_event_get_author_role (event);
  GtkWidget *top = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *bottom = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *text;
  GtkWidget *state_label;

  gtk_box_append (GTK_BOX (top), label (author, "heading"));
  if (role)
    gtk_box_append (GTK_BOX (top), label (role, "dim-label"));
  gtk_box_append (GTK_BOX (top), label (cercle_note_get_category_label (note), chip_class));
  if (cercle_timeline_event_get_unread (event))
    gtk_box_append (GTK_BOX (top), label (C_("note", "New"), "cercle-chip cercle-new caption"));
  if (cercle_note_get_corrects_id (note))
    gtk_box_append (GTK_BOX (top), label (_("Correction"), "cercle-chip caption"));
  gtk_box_append (box, top);

  text = label (cercle_note_get_text (note), NULL);
  gtk_label_set_wrap (GTK_LABEL (text), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (text), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_selectable (GTK_LABEL (text), TRUE);
  if (cercle_timeline_event_get_corrected_by (event))
    gtk_widget_add_css_class (text, "cercle-corrected");
  gtk_box_append (box, text);

  gtk_box_append (GTK_BOX (bottom), label (when, "dim-label caption"));
  state_label = label (state, "caption");
  gtk_widget_set_name (state_label, "sync-state");
  gtk_widget_add_css_class (state_label, cercle_timeline_event_get_sync_state (event) == CERCLE_SYNC_STATE_REFUSED
                                         ? "error"
                                         : cercle_timeline_event_get_sync_state (event) == CERCLE_SYNC_STATE_PENDING
                                         ? "warning" : "dim-label");
  gtk_box_append (GTK_BOX (bottom), state_label);
  if (cercle_timeline_event_get_corrected_by (event))
    gtk_box_append (GTK_BOX (bottom), label (_("Corrected by a later note"), "caption warning"));
  if (can_correct && cercle_timeline_event_get_corrected_by (event) == NULL)
    {
      GtkWidget *fix = gtk_button_new_with_label (_("Correct"));
      g_autofree char *fix_name = g_strdup_printf (_("Correct the note of %s"), when);

      gtk_widget_set_hexpand (fix, TRUE);
      gtk_widget_set_halign (fix, GTK_ALIGN_END);
      gtk_widget_add_css_class (fix, "flat");
      gtk_widget_add_css_class (fix, "caption");
      gtk_actionable_set_action_name (GTK_ACTIONABLE (fix), "patient.correct");
      gtk_actionable_set_action_target (GTK_ACTIONABLE (fix), "s", cercle_note_get_id (note));
      gtk_accessible_update_property (GTK_ACCESSIBLE (fix), GTK_ACCESSIBLE_PROPERTY_LABEL, fix_name, -1);
      gtk_box_append (GTK_BOX (bottom), fix);
    }
  gtk_box_append (box, bottom);

  /* TRANSLATORS: what a screen reader says of a note: category, author, time, state, text */
  accessible = g_strdup_printf (_("%s by %s, %s, %s: %s"), cercle_note_get_category_label (note), author, when,
                                state, cercle_note_get_text (note));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, accessible, -1);
}

static void
build_member (CercleNoteRow *self,
              GtkBox        *box)
{
  CercleCareTeamMember *member = cercle_timeline_event_get_member (self->event);
  g_autofree char *date = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GDateTime) local = g_date_time_to_local (cercle_timeline_event_get_time (self->event));
  GtkWidget *line = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);

  /* TRANSLATORS: a day, « lundi 23 novembre 2026 » */
  date = g_date_time_format (local, _("%A %-d %B %Y"));
  if (cercle_timeline_event_get_kind (self->event) == CERCLE_TIMELINE_MEMBER_LEFT)
    /* TRANSLATORS: « Sophie Bernard (Infirmier(ère)) a quitté le cercle de soins » */
    text = g_strdup_printf (_("%s (%s) left the care circle"), cercle_care_team_member_get_display (member),
                            cercle_care_team_member_get_role_label (member));
  else
    text = g_strdup_printf (_("%s joined the care circle as %s"), cercle_care_team_member_get_display (member),
                            cercle_care_team_member_get_role_label (member));

  gtk_box_append (GTK_BOX (line), gtk_image_new_from_icon_name (
                    cercle_timeline_event_get_kind (self->event) == CERCLE_TIMELINE_MEMBER_LEFT
                    ? "system-log-out-symbolic" : "contact-new-symbolic"));
  gtk_box_append (GTK_BOX (line), label (text, NULL));
  gtk_label_set_wrap (GTK_LABEL (gtk_widget_get_last_child (line)), TRUE);
  gtk_box_append (box, line);
  gtk_box_append (box, label (date, "dim-label caption"));
  gtk_widget_add_css_class (GTK_WIDGET (self), "cercle-circle-change");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, text, -1);
}

/* A referral's step: what happened, when; activating the row opens the
 * dossier in « Orientations » (win.open-referral). */
static void
build_referral (CercleNoteRow *self,
                GtkBox        *box)
{
  g_autofree char *text = cercle_timeline_event_dup_referral_text (self->event);
  g_autofree char *when = cercle_timeline_format_time (cercle_timeline_event_get_time (self->event));
  GtkWidget *line = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);

  gtk_box_append (GTK_BOX (line), gtk_image_new_from_icon_name (
                    cercle_timeline_event_get_kind (self->event) == CERCLE_TIMELINE_REFERRAL_SENT
                    ? "mail-send-symbolic" : "emblem-documents-symbolic"));
  gtk_box_append (GTK_BOX (line), label (text, NULL));
  gtk_label_set_wrap (GTK_LABEL (gtk_widget_get_last_child (line)), TRUE);
  gtk_box_append (box, line);
  gtk_box_append (box, label (when, "dim-label caption"));
  gtk_widget_add_css_class (GTK_WIDGET (self), "cercle-referral-step");
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (self), TRUE);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self), "win.open-referral");
  gtk_actionable_set_action_target (GTK_ACTIONABLE (self), "s", cercle_timeline_event_get_referral_id (self->event));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, text, -1);
}

/**
 * cercle_note_row_new:
 * @event: a timeline entry
 * @can_correct: whether to offer « Corriger » (the user's own note)
 *
 * Returns: (transfer floating): a row showing @event
 */
GtkWidget *
cercle_note_row_new (CercleTimelineEvent *event,
                     gboolean             can_correct)
{
  CercleNoteRow *self;
  GtkWidget *box;

  g_return_val_if_fail (CERCLE_IS_TIMELINE_EVENT (event), NULL);

  self = g_object_new (CERCLE_TYPE_NOTE_ROW, "activatable", FALSE, NULL);
  self->event = g_object_ref (event);
  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  gtk_widget_set_margin_top (box, 8);
  gtk_widget_set_margin_bottom (box, 8);
  if (cercle_timeline_event_get_kind (event) == CERCLE_TIMELINE_NOTE)
    {
      build_note (self, GTK_BOX (box), can_correct);
      if (cercle_timeline_event_get_unread (event))
        gtk_widget_add_css_class (GTK_WIDGET (self), "cercle-unread-note");
    }
  else if (cercle_timeline_event_get_kind (event) == CERCLE_TIMELINE_REFERRAL_SENT
           || cercle_timeline_event_get_kind (event) == CERCLE_TIMELINE_REFERRAL_STEP)
    build_referral (self, GTK_BOX (box));
  else
    build_member (self, GTK_BOX (box));
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (self), box);
  return GTK_WIDGET (self);
}

/**
 * cercle_note_row_get_event:
 * @self: a row
 *
 * Returns: (transfer none): the entry it shows
 */
CercleTimelineEvent *
cercle_note_row_get_event (CercleNoteRow *self)
{
  g_return_val_if_fail (CERCLE_IS_NOTE_ROW (self), NULL);
  return self->event;
}
