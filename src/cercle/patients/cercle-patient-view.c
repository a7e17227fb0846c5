/* cercle-patient-view.c — a patient's file: identity, care circle, notes, access trail
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Everything comes from the local store, so the file opens and takes notes
 * offline. A note or a circle change is written with its outbox entry in one
 * transaction by libcercle, shown at once « En attente d'envoi », and the
 * view emits ::changed so that the page asks the sync service to send it.
 *
 * The timeline shows its newest entries first and more on demand: a file
 * with years of notes opens as fast as a new one.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "cercle-add-member-dialog.h"
#include "cercle-application.h"
#include "cercle-care-circle-view.h"
#include "cercle-care-team-repo.h"
#include "cercle-conflict-banner.h"
#include "cercle-note-repo.h"
#include "cercle-note-row.h"
#include "cercle-patient-referrals.h"
#include "cercle-patient-repo.h"
#include "cercle-patient-row.h"
#include "cercle-patient-view.h"
#include "cercle-sync-status.h"
#include "cercle-sync-store.h"

#define PAGE_SIZE 50

static const char *const categories[] = {
  CERCLE_NOTE_CATEGORY_TRANSMISSION,
  CERCLE_NOTE_CATEGORY_VIGILANCE,
  CERCLE_NOTE_CATEGORY_REPORT,
  CERCLE_NOTE_CATEGORY_INFORMATION,
};

struct _CerclePatientView
{
  GtkBox parent_instance;

  CercleDb *db;
  CerclePatient *patient;
  GPtrArray *members;
  GListModel *timeline;
  guint shown;
  char *me;             /* the signed-in practitioner's id, or NULL */
  char *correcting;     /* id of the note being corrected, or NULL */
  GPtrArray *trail_rows;
  const char *status_class;

  GtkWidget *back_button;
  GtkLabel *title_label;
  GtkLabel *status_label;
  GtkLabel *identity_label;
  CercleConflictBanner *conflict_banner;
  CercleCareCircleView *circle_view;
  GtkWidget *referral_button;
  GtkBox *referrals_box;
  GtkLabel *unread_label;
  GtkListBox *timeline_list;
  GtkWidget *more_button;
  AdwPreferencesGroup *trail_group;
  GtkRevealer *correction_revealer;
  GtkLabel *correction_label;
  GtkLabel *compose_error;
  GtkTextView *compose_view;
  GtkDropDown *category_dropdown;
};

G_DEFINE_FINAL_TYPE (CerclePatientView, cercle_patient_view, GTK_TYPE_BOX)

enum {
  SIGNAL_GO_BACK,
  SIGNAL_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
on_back_clicked (CerclePatientView *self)
{
  g_signal_emit (self, signals[SIGNAL_GO_BACK], 0);
}

static void
show_more (CerclePatientView *self)
{
  guint n = self->timeline ? g_list_model_get_n_items (self->timeline) : 0;
  guint until = MIN (n, self->shown + PAGE_SIZE);

  for (guint i = self->shown; i < until; i++)
    {
      g_autoptr(CercleTimelineEvent) event = g_list_model_get_item (self->timeline, i);
      CercleNote *note = cercle_timeline_event_get_note (event);
      gboolean mine = note != NULL && self->me != NULL && g_strcmp0 (cercle_note_get_author_id (note), self->me) == 0;

      gtk_list_box_append (self->timeline_list, cercle_note_row_new (event, mine));
    }
  self->shown = until;
  gtk_widget_set_visible (self->more_button, self->shown < n);
}

static void
on_more_clicked (CerclePatientView *self)
{
  show_more (self);
}

static void
clear_timeline (CerclePatientView *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->timeline_list))) != NULL)
    gtk_list_box_remove (self->timeline_list, child);
  self->shown = 0;
}

static void
load_timeline (CerclePatientView *self)
{
  g_autoptr(GError) error = NULL;
  guint unread = 0;
  guint keep = MAX (self->shown, PAGE_SIZE);

  g_clear_object (&self->timeline);
  clear_timeline (self);
  self->timeline = cercle_note_repo_timeline (self->db, cercle_patient_get_id (self->patient), &error);
  if (self->timeline == NULL)
    {
      g_warning ("Cannot read the timeline: %s", error->message);
      return;
    }
  for (guint i = 0; i < g_list_model_get_n_items (self->timeline); i++)
    {
      g_autoptr(CercleTimelineEvent) event = g_list_model_get_item (self->timeline, i);
      unread += cercle_timeline_event_get_unread (event);
    }
  if (unread > 0)
    {
      g_autofree char *text = g_strdup_printf (ngettext ("%u new", "%u new", unread), unread);
      gtk_label_set_label (self->unread_label, text);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->unread_label), unread > 0);

  while (self->shown < keep && self->shown < g_list_model_get_n_items (self->timeline))
    show_more (self);
  if (g_list_model_get_n_items (self->timeline) == 0)
    {
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("No notes yet: write the first one below"));
      gtk_widget_add_css_class (row, "dim-label");
      gtk_list_box_append (self->timeline_list, row);
    }
  gtk_widget_set_visible (self->more_button, self->shown < g_list_model_get_n_items (self->timeline));
}

static const char *
action_label (char action)
{
  switch (action)
    {
    case 'C':
      return C_("access", "created");
    case 'R':
      return C_("access", "read");
    case 'U':
      return C_("access", "modified");
    case 'D':
      return C_("access", "deleted");
    default:
      return C_("access", "used");
    }
}

static void
load_trail (CerclePatientView *self)
{
  g_autoptr(GPtrArray) trail = NULL;

  for (guint i = 0; i < self->trail_rows->len; i++)
    adw_preferences_group_remove (self->trail_group, g_ptr_array_index (self->trail_rows, i));
  g_ptr_array_set_size (self->trail_rows, 0);

  trail = cercle_note_repo_access_trail (self->db, cercle_patient_get_id (self->patient), 30, NULL);
  for (guint i = 0; trail != NULL && i < trail->len; i++)
    {
      CercleAccessEntry *entry = g_ptr_array_index (trail, i);
      g_autofree char *when = cercle_timeline_format_time (entry->recorded);
      /* TRANSLATORS: who did what to the file, e.g. « Dr Paul Martin — lu » */
      g_autofree char *title = g_strdup_printf (_("%s — %s"), entry->who, action_label (entry->action));
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), when);
      adw_preferences_group_add (self->trail_group, row);
      g_ptr_array_add (self->trail_rows, row);
    }
  if (self->trail_rows->len == 0)
    {
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Not synced with the server yet"));
      gtk_widget_add_css_class (row, "dim-label");
      adw_preferences_group_add (self->trail_group, row);
      g_ptr_array_add (self->trail_rows, row);
    }
}

static void
show_identity (CerclePatientView *self)
{
  CerclePatient *p = self->patient;
  g_autofree char *name = cercle_patient_dup_display_name (p);
  g_autofree char *birth = cercle_patient_format_birth (p);
  g_autofree char *address = NULL;
  g_autofree char *identity = NULL;
  g_autoptr(GPtrArray) parts = NULL;
  CercleIdentityStatus status = cercle_patient_get_identity_status (p);
  const char *ins = cercle_patient_get_ins (p);

  gtk_label_set_label (self->title_label, name);
  gtk_label_set_label (self->status_label, cercle_identity_status_get_label (status));
  if (self->status_class)
    gtk_widget_remove_css_class (GTK_WIDGET (self->status_label), self->status_class);
  self->status_class = cercle_patient_status_css (status);
  gtk_widget_add_css_class (GTK_WIDGET (self->status_label), self->status_class);

  parts = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (parts, g_strdup_printf (_("Born %s"), birth));
  /* domain.md §2: the INS may be used only for a qualified identity. */
  if (cercle_identity_status_can_share_ins (status) && ins != NULL && *ins != '\0')
    g_ptr_array_add (parts, g_strdup_printf (_("INS %s"), ins));
  address = g_strjoin (" ", cercle_patient_get_address_line (p) ? cercle_patient_get_address_line (p) : "",
                       cercle_patient_get_postcode (p) ? cercle_patient_get_postcode (p) : "",
                       cercle_patient_get_commune_name (p) ? cercle_patient_get_commune_name (p) : "", NULL);
  g_strstrip (address);
  if (*address != '\0')
    g_ptr_array_add (parts, g_strdup (address));
  if (cercle_patient_get_phone (p) != NULL)
    g_ptr_array_add (parts, g_strdup_printf (_("Tel. %s"), cercle_patient_get_phone (p)));
  g_ptr_array_add (parts, NULL);
  identity = g_strjoinv (" · ", (char **) parts->pdata);
  gtk_label_set_label (self->identity_label, identity);
  gtk_actionable_set_action_target (GTK_ACTIONABLE (self->referral_button), "s", cercle_patient_get_id (p));
}

static void
load_members (CerclePatientView *self)
{
  g_autoptr(GError) error = NULL;

  g_clear_pointer (&self->members, g_ptr_array_unref);
  self->members = cercle_care_team_repo_get_members (self->db, cercle_patient_get_id (self->patient), &error);
  if (self->members == NULL)
    g_warning ("Cannot read the care circle: %s", error->message);
  {
    g_autoptr(GHashTable) phones = cercle_care_team_repo_relative_phones (self->db,
                                                                          cercle_patient_get_id (self->patient));

    cercle_care_circle_view_set_phones (self->circle_view, phones);
  }
  cercle_care_circle_view_set_members (self->circle_view, self->members);
}

/**
 * cercle_patient_view_open:
 * @self: the view
 * @patient_id: the patient to show
 * @error: return location for a #GError
 *
 * Shows a patient's file and marks their notes as read (the marks of the
 * notes new to the user stay until the next opening).
 *
 * Returns: %TRUE when the patient is shown
 */
gboolean
cercle_patient_view_open (CerclePatientView  *self,
                          const char         *patient_id,
                          GError            **error)
{
  g_autoptr(CerclePatient) patient = NULL;
  g_autofree char *ref = NULL;
  gboolean newly_shown = FALSE;

  g_return_val_if_fail (CERCLE_IS_PATIENT_VIEW (self), FALSE);
  g_return_val_if_fail (self->db != NULL, FALSE);

  patient = cercle_patient_repo_get (self->db, patient_id, error);
  if (patient == NULL)
    return FALSE;
  if (self->patient == NULL || g_strcmp0 (cercle_patient_get_id (self->patient), patient_id) != 0)
    {
      newly_shown = TRUE;
      self->shown = 0;
      g_clear_pointer (&self->correcting, g_free);
      gtk_revealer_set_reveal_child (self->correction_revealer, FALSE);
      gtk_widget_set_visible (GTK_WIDGET (self->compose_error), FALSE);
    }
  g_set_object (&self->patient, patient);

  g_clear_pointer (&self->me, g_free);
  if (cercle_store_get_account (self->db, NULL, NULL, &ref, NULL, NULL) && ref != NULL
      && g_str_has_prefix (ref, "Practitioner/"))
    self->me = g_strdup (ref + strlen ("Practitioner/"));

  show_identity (self);
  cercle_conflict_banner_show_patient (self->conflict_banner, self->db, patient_id);
  load_members (self);
  load_timeline (self);
  cercle_patient_referrals_fill (self->referrals_box, self->db, patient_id);
  load_trail (self);
  cercle_note_repo_mark_read (self->db, patient_id, NULL);
  /* The access trail comes from the server: ask the sync service for it
   * when the patient is opened (best effort; without the service the page
   * shows what the store has). Not on a reload: the Changed signal the
   * trail brings reloads the page, and reading a trail adds to it. */
  if (newly_shown && cercle_sync_store_request_trail (self->db, patient_id, NULL))
    {
      GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
      GtkApplication *app = GTK_IS_WINDOW (root) ? gtk_window_get_application (GTK_WINDOW (root)) : NULL;

      if (CERCLE_IS_APPLICATION (app))
        cercle_sync_status_sync_now (cercle_application_get_sync_status (CERCLE_APPLICATION (app)));
    }
  return TRUE;
}

/**
 * cercle_patient_view_reload:
 * @self: the view
 *
 * Reads the open patient's file again (after a sync or a local change).
 */
void
cercle_patient_view_reload (CerclePatientView *self)
{
  g_autofree char *id = NULL;

  g_return_if_fail (CERCLE_IS_PATIENT_VIEW (self));

  if (self->patient == NULL)
    return;
  id = g_strdup (cercle_patient_get_id (self->patient));
  cercle_patient_view_open (self, id, NULL);
}

static void
emit_changed (CerclePatientView *self)
{
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0, cercle_patient_get_id (self->patient));
}

/* A side of a sync conflict was chosen: the file shows it, the change goes. */
static void
on_conflict_resolved (CerclePatientView *self)
{
  cercle_patient_view_reload (self);
  emit_changed (self);
}

static void
show_compose_error (CerclePatientView *self,
                    const char        *message)
{
  gtk_label_set_label (self->compose_error, message);
  gtk_widget_set_visible (GTK_WIDGET (self->compose_error), message != NULL);
}

static void
send_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  CerclePatientView *self = CERCLE_PATIENT_VIEW (widget);
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->compose_view);
  g_autoptr(GError) error = NULL;
  g_autoptr(CercleNote) note = NULL;
  g_autofree char *text = NULL;
  GtkTextIter start, end;
  guint selected = gtk_drop_down_get_selected (self->category_dropdown);

  if (self->patient == NULL)
    return;
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  if (self->correcting)
    note = cercle_note_repo_correct (self->db, self->correcting, text, &error);
  else
    note = cercle_note_repo_write (self->db, cercle_patient_get_id (self->patient),
                                   categories[MIN (selected, G_N_ELEMENTS (categories) - 1)], text, &error);
  if (note == NULL)
    {
      /* The text stays where it was: nothing typed is lost. */
      show_compose_error (self, error->message);
      gtk_widget_grab_focus (GTK_WIDGET (self->compose_view));
      return;
    }
  show_compose_error (self, NULL);
  gtk_text_buffer_set_text (buffer, "", -1);
  g_clear_pointer (&self->correcting, g_free);
  gtk_revealer_set_reveal_child (self->correction_revealer, FALSE);
  load_timeline (self);
  emit_changed (self);
}

static void
correct_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  CerclePatientView *self = CERCLE_PATIENT_VIEW (widget);
  const char *id = g_variant_get_string (parameter, NULL);
  g_autoptr(CercleNote) note = cercle_note_repo_get (self->db, id, NULL);
  g_autofree char *when = NULL;
  g_autofree char *text = NULL;

  if (note == NULL)
    return;
  when = cercle_timeline_format_time (cercle_note_get_sent (note));
  text = g_strdup_printf (_("Correcting the note of %s: the new text replaces it, both stay visible."), when);
  g_free (self->correcting);
  self->correcting = g_strdup (id);
  gtk_label_set_label (self->correction_label, text);
  gtk_revealer_set_reveal_child (self->correction_revealer, TRUE);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->compose_view), cercle_note_get_text (note), -1);
  gtk_widget_grab_focus (GTK_WIDGET (self->compose_view));
}

static void
cancel_correction_action (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *parameter)
{
  CerclePatientView *self = CERCLE_PATIENT_VIEW (widget);

  g_clear_pointer (&self->correcting, g_free);
  gtk_revealer_set_reveal_child (self->correction_revealer, FALSE);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->compose_view), "", -1);
}

static void
on_member_added (CerclePatientView *self)
{
  load_members (self);
  load_timeline (self);
  emit_changed (self);
}

static void
add_member_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  CerclePatientView *self = CERCLE_PATIENT_VIEW (widget);
  GtkWidget *dialog;

  if (self->patient == NULL)
    return;
  dialog = cercle_add_member_dialog_new (GTK_WINDOW (gtk_widget_get_root (widget)), self->db, self->patient);
  g_signal_connect_object (dialog, "member-added", G_CALLBACK (on_member_added), self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
end_member_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  CerclePatientView *self = CERCLE_PATIENT_VIEW (widget);
  const char *target = g_variant_get_string (parameter, NULL);
  g_autoptr(GError) error = NULL;

  for (guint i = 0; self->members != NULL && i < self->members->len; i++)
    {
      CercleCareTeamMember *m = g_ptr_array_index (self->members, i);
      g_autofree char *key = cercle_care_circle_member_key (m);

      if (g_strcmp0 (key, target) != 0 || cercle_care_team_member_get_end (m) != NULL)
        continue;
      if (!cercle_care_team_repo_end_member (self->db, cercle_patient_get_id (self->patient), m, NULL, &error))
        {
          GtkWidget *toast_target = gtk_widget_get_ancestor (widget, ADW_TYPE_TOAST_OVERLAY);

          if (toast_target)
            adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (toast_target), adw_toast_new (error->message));
          return;
        }
      on_member_added (self);
      return;
    }
}

static gboolean
on_compose_key (GtkEventControllerKey *controller,
                guint                  keyval,
                guint                  keycode,
                GdkModifierType        state,
                CerclePatientView     *self)
{
  if ((keyval == GDK_KEY_Return || keyval == GDK_KEY_KP_Enter) && (state & GDK_CONTROL_MASK))
    {
      gtk_widget_activate_action (GTK_WIDGET (self), "patient.send", NULL);
      return TRUE;
    }
  return FALSE;
}

static void
cercle_patient_view_dispose (GObject *object)
{
  CerclePatientView *self = CERCLE_PATIENT_VIEW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), CERCLE_TYPE_PATIENT_VIEW);
  g_clear_object (&self->db);
  g_clear_object (&self->patient);
  g_clear_object (&self->timeline);
  g_clear_pointer (&self->members, g_ptr_array_unref);
  g_clear_pointer (&self->trail_rows, g_ptr_array_unref);
  g_clear_pointer (&self->me, g_free);
  g_clear_pointer (&self->correcting, g_free);

  G_OBJECT_CLASS (cercle_patient_view_parent_class)->dispose (object);
}

static void
cercle_patient_view_class_init (CerclePatientViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cercle_patient_view_dispose;

  /* The narrow layout's way back to the list. */
  signals[SIGNAL_GO_BACK] = g_signal_new ("go-back", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* A local change to the patient's file was saved (its id). */
  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  g_type_ensure (CERCLE_TYPE_CARE_CIRCLE_VIEW);
  g_type_ensure (CERCLE_TYPE_CONFLICT_BANNER);
  gtk_widget_class_set_template_from_resource (widget_class, "/fr/cercle/Cercle/patients/cercle-patient-view.ui");
  gtk_widget_class_bind_template_child (widget_class, CerclePatientView, back_button);
  gtk_widget_class_bind_template_child (widget_class, CerclePatientView, title_label);
  gtk_widget_class_bind_template_child (widget_class, CerclePatientView, status_label);
  gtk_widget_class_bind_template_child (widget_class, CerclePatientView, identity_label);
  gtk_widget_class_bind_template_child (widget_class, CerclePatientView, conflict_banner);
  gtk_widget_class_bind_template_child (widget_class, CerclePatientView, circle_view);
  gtk_widget_class_bind_template_child (widget_class, CerclePatientView, referral_button);
  gtk_widget_class_bind_template_child (widget_class, CerclePatientView, referrals_box);
  gtk_widget_class_bind_template_child (widget_class, CerclePatientView, unread_label);
  gtk_widget_class_bind_template_child (widget_class, CerclePatientView, timeline_list);
  gtk_widget_class_bind_template_child (widget_class, CerclePatientView, more_button);
  gtk_widget_class_bind_template_child (widget_class, CerclePatientView, trail_group);
  gtk_widget_class_bind_template_child (widget_class, CerclePatientView, correction_revealer);
  gtk_widget_class_bind_template_child (widget_class, CerclePatientView, correction_label);
  gtk_widget_class_bind_template_child (widget_class, CerclePatientView, compose_error);
  gtk_widget_class_bind_template_child (widget_class, CerclePatientView, compose_view);
  gtk_widget_class_bind_template_child (widget_class, CerclePatientView, category_dropdown);
  gtk_widget_class_bind_template_callback (widget_class, on_back_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_more_clicked);

  gtk_widget_class_install_action (widget_class, "patient.send", NULL, send_action);
  gtk_widget_class_install_action (widget_class, "patient.correct", "s", correct_action);
  gtk_widget_class_install_action (widget_class, "patient.cancel-correction", NULL, cancel_correction_action);
  gtk_widget_class_install_action (widget_class, "patient.add-member", NULL, add_member_action);
  gtk_widget_class_install_action (widget_class, "patient.end-member", "s", end_member_action);
}

static void
cercle_patient_view_init (CerclePatientView *self)
{
  g_autoptr(GtkStringList) labels = gtk_string_list_new (NULL);
  GtkEventController *keys;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->trail_rows = g_ptr_array_new ();
  g_signal_connect_swapped (self->conflict_banner, "resolved", G_CALLBACK (on_conflict_resolved), self);

  for (guint i = 0; i < G_N_ELEMENTS (categories); i++)
    gtk_string_list_append (labels, cercle_note_category_label (categories[i]));
  gtk_drop_down_set_model (self->category_dropdown, G_LIST_MODEL (labels));

  /* Ctrl+Entrée sends; Entrée alone starts a new line. */
  keys = gtk_event_controller_key_new ();
  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  g_signal_connect (keys, "key-pressed", G_CALLBACK (on_compose_key), self);
  gtk_widget_add_controller (GTK_WIDGET (self->compose_view), keys);
}

/**
 * cercle_patient_view_set_db:
 * @self: the view
 * @db: the local store (main thread connection)
 */
void
cercle_patient_view_set_db (CerclePatientView *self,
                            CercleDb          *db)
{
  g_return_if_fail (CERCLE_IS_PATIENT_VIEW (self));
  g_set_object (&self->db, db);
}

/**
 * cercle_patient_view_get_patient_id:
 * @self: the view
 *
 * Returns: (nullable): the id of the patient shown
 */
const char *
cercle_patient_view_get_patient_id (CerclePatientView *self)
{
  g_return_val_if_fail (CERCLE_IS_PATIENT_VIEW (self), NULL);
  return self->patient ? cercle_patient_get_id (self->patient) : NULL;
}

/**
 * cercle_patient_view_set_show_back:
 * @self: the view
 * @show: whether the list is folded away (narrow window)
 */
void
cercle_patient_view_set_show_back (CerclePatientView *self,
                                   gboolean           show)
{
  g_return_if_fail (CERCLE_IS_PATIENT_VIEW (self));
  gtk_widget_set_visible (self->back_button, show);
}

/**
 * cercle_patient_view_get_referrals_box:
 * @self: the view
 *
 * The place of the patient's referrals, filled with their dossiers each
 * time the patient is shown (cercle_patient_referrals_fill(), from the
 * referrals folder; it is also named "referrals-box").
 *
 * Returns: (transfer none): the box
 */
GtkBox *
cercle_patient_view_get_referrals_box (CerclePatientView *self)
{
  g_return_val_if_fail (CERCLE_IS_PATIENT_VIEW (self), NULL);
  return self->referrals_box;
}

/**
 * cercle_patient_view_focus_compose:
 * @self: the view
 *
 * Puts the keyboard in the compose box.
 */
void
cercle_patient_view_focus_compose (CerclePatientView *self)
{
  g_return_if_fail (CERCLE_IS_PATIENT_VIEW (self));
  gtk_widget_grab_focus (GTK_WIDGET (self->compose_view));
}
