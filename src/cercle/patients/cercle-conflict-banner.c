/* cercle-conflict-banner.c — « Modifié ailleurs entre-temps »: both versions of a refused change, and the choice
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * When the server refused a change because someone else changed the same
 * thing meanwhile (a 412), the sync engine keeps both versions. The patient
 * page shows this banner at the top of the file: what differs, field by
 * field, and two buttons. Choosing is done by libcercle in one transaction
 * (cercle-sync-conflict.c); the banner then emits ::resolved so that the view
 * reads the file again and asks the sync service to send.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "cercle-conflict-banner.h"
#include "cercle-sync-conflict.h"

struct _CercleConflictBanner
{
  GtkBox parent_instance;

  CercleDb *db;
  char *patient_id;
  GtkLabel *error_label;
};

G_DEFINE_FINAL_TYPE (CercleConflictBanner, cercle_conflict_banner, GTK_TYPE_BOX)

enum {
  SIGNAL_RESOLVED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
clear (CercleConflictBanner *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_box_remove (GTK_BOX (self), child);
  self->error_label = NULL;
}

static void
show_error (CercleConflictBanner *self,
            const char           *message)
{
  if (self->error_label == NULL)
    return;
  gtk_label_set_text (self->error_label, message);
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), TRUE);
}

static void
on_choice_clicked (GtkButton            *button,
                   CercleConflictBanner *self)
{
  CercleSyncConflict *conflict = g_object_get_data (G_OBJECT (button), "conflict");
  gboolean mine = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (button), "keep-mine"));
  g_autoptr(GError) error = NULL;
  g_autofree char *patient_id = g_strdup (self->patient_id);
  gboolean ok;

  g_return_if_fail (conflict != NULL && self->db != NULL);

  ok = mine ? cercle_sync_conflict_keep_mine (self->db, conflict, &error)
            : cercle_sync_conflict_keep_server (self->db, conflict, &error);
  if (!ok)
    {
      g_autofree char *message = g_strdup_printf (_("Your choice could not be saved: %s"), error->message);

      /* The store is as it was: the banner stays, with the reason. */
      g_message ("conflict on %s/%s not resolved: %s", cercle_sync_conflict_get_resource_type (conflict),
                 cercle_sync_conflict_get_resource_id (conflict), error->message);
      show_error (self, message);
      return;
    }
  g_signal_emit (self, signals[SIGNAL_RESOLVED], 0, patient_id);
}

static GtkWidget *
choice_button (CercleConflictBanner *self,
               CercleSyncConflict   *conflict,
               const char           *label,
               gboolean              keep_mine)
{
  GtkWidget *button = gtk_button_new_with_label (label);

  /* The label is the name a screen reader reads: the same words. */
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  g_object_set_data_full (G_OBJECT (button), "conflict", g_object_ref (conflict), g_object_unref);
  g_object_set_data (G_OBJECT (button), "keep-mine", GINT_TO_POINTER (keep_mine));
  g_signal_connect (button, "clicked", G_CALLBACK (on_choice_clicked), self);
  return button;
}

static void
add_conflict (CercleConflictBanner *self,
              CercleSyncConflict   *conflict)
{
  g_auto(GStrv) lines = cercle_sync_conflict_dup_differences (conflict);
  g_autofree char *intro = NULL;
  GtkWidget *card = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *title = gtk_label_new (_("Changed elsewhere meanwhile"));
  GtkWidget *buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *label;
  GtkWidget *mine;

  gtk_widget_add_css_class (card, "card");
  gtk_widget_add_css_class (card, "conflict");
  gtk_widget_set_margin_start (card, 12);
  gtk_widget_set_margin_end (card, 12);
  gtk_widget_set_margin_top (card, 6);
  gtk_widget_set_margin_bottom (card, 6);

  gtk_widget_add_css_class (title, "heading");
  gtk_widget_add_css_class (title, "warning");
  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_widget_set_margin_start (title, 12);
  gtk_widget_set_margin_top (title, 12);
  gtk_box_append (GTK_BOX (card), title);

  /* TRANSLATORS: %s is what changed: « Identité et coordonnées », « Cercle de soins »… */
  intro = g_strdup_printf (_("%s: someone else changed it while you were changing it here. "
                             "Both versions are kept: choose one."),
                           cercle_sync_conflict_get_subject (conflict));
  label = gtk_label_new (intro);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_set_margin_start (label, 12);
  gtk_widget_set_margin_end (label, 12);
  gtk_box_append (GTK_BOX (card), label);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      label = gtk_label_new (lines[i]);
      gtk_label_set_wrap (GTK_LABEL (label), TRUE);
      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_label_set_selectable (GTK_LABEL (label), TRUE);
      gtk_widget_set_margin_start (label, 24);
      gtk_widget_set_margin_end (label, 12);
      gtk_box_append (GTK_BOX (card), label);
    }

  gtk_widget_set_margin_start (buttons, 12);
  gtk_widget_set_margin_end (buttons, 12);
  gtk_widget_set_margin_bottom (buttons, 12);
  gtk_widget_set_halign (buttons, GTK_ALIGN_END);
  mine = choice_button (self, conflict, _("Keep My Version"), TRUE);
  gtk_widget_add_css_class (mine, "suggested-action");
  gtk_box_append (GTK_BOX (buttons), choice_button (self, conflict, _("Keep the Server’s Version"), FALSE));
  gtk_box_append (GTK_BOX (buttons), mine);
  gtk_box_append (GTK_BOX (card), buttons);

  gtk_box_append (GTK_BOX (self), card);
}

/**
 * cercle_conflict_banner_show_patient:
 * @self: the banner
 * @db: the local store
 * @patient_id: the open patient
 *
 * Shows the patient's conflicts, or hides the banner when there is none.
 *
 * Returns: how many conflicts are shown
 */
guint
cercle_conflict_banner_show_patient (CercleConflictBanner *self,
                                     CercleDb             *db,
                                     const char           *patient_id)
{
  g_autoptr(GPtrArray) conflicts = NULL;
  g_autoptr(GError) error = NULL;

  g_return_val_if_fail (CERCLE_IS_CONFLICT_BANNER (self), 0);

  g_set_object (&self->db, db);
  g_free (self->patient_id);
  self->patient_id = g_strdup (patient_id);
  clear (self);

  if (db != NULL && patient_id != NULL)
    conflicts = cercle_sync_conflict_list_for_patient (db, patient_id, &error);
  if (conflicts == NULL && error != NULL)
    g_warning ("conflicts of a patient not read: %s", error->message);
  for (guint i = 0; conflicts && i < conflicts->len; i++)
    add_conflict (self, g_ptr_array_index (conflicts, i));

  if (conflicts && conflicts->len > 0)
    {
      GtkWidget *label = gtk_label_new (NULL);

      gtk_widget_add_css_class (label, "error");
      gtk_label_set_wrap (GTK_LABEL (label), TRUE);
      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_widget_set_margin_start (label, 12);
      gtk_widget_set_visible (label, FALSE);
      gtk_box_append (GTK_BOX (self), label);
      self->error_label = GTK_LABEL (label);
    }
  gtk_widget_set_visible (GTK_WIDGET (self), conflicts && conflicts->len > 0);
  return conflicts ? conflicts->len : 0;
}

static void
cercle_conflict_banner_dispose (GObject *object)
{
  CercleConflictBanner *self = CERCLE_CONFLICT_BANNER (object);

  clear (self);
  g_clear_object (&self->db);
  g_clear_pointer (&self->patient_id, g_free);
  G_OBJECT_CLASS (cercle_conflict_banner_parent_class)->dispose (object);
}

static void
cercle_conflict_banner_class_init (CercleConflictBannerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cercle_conflict_banner_dispose;

  /* The user chose a side (the patient's id): the store changed, there is
   * something to send. */
  signals[SIGNAL_RESOLVED] = g_signal_new ("resolved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                           0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
cercle_conflict_banner_init (CercleConflictBanner *self)
{
  gtk_orientable_set_orientation (GTK_ORIENTABLE (self), GTK_ORIENTATION_VERTICAL);
  gtk_box_set_spacing (GTK_BOX (self), 6);
  gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
}

/**
 * cercle_conflict_banner_new:
 *
 * Returns: (transfer floating): a new, hidden banner
 */
GtkWidget *
cercle_conflict_banner_new (void)
{
  return g_object_new (CERCLE_TYPE_CONFLICT_BANNER, NULL);
}
