/* cercle-dossier-view.c — one sent dossier, its answers and the actions on them
 *
 * For the requester: every destination with its status chip and the moves
 * the referral rules allow it (« Confirmer l'admission », « Annuler la
 * demande » with a coded reason, « Envoyer les compléments »). For an
 * admission desk (a request it received): its own destination and the
 * desk's answers (ask for complements, accept with a date or « dès que
 * possible », waiting list, refuse with a coded reason, patient admitted,
 * withdrawal). Each action is checked locally and queued by the referral
 * repo; a local refusal shows its French reason here, a server refusal in
 * the chip (from the outbox row's state). The volets follow, the médical
 * one for medical roles only; the dossier can be exported as a PDF.
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "cercle-dossier-row.h"
#include "cercle-dossier-view.h"
#include "cercle-fhir.h"
#include "cercle-referral.h"
#include "cercle-referral-pdf.h"
#include "cercle-referral-rules.h"

struct _CercleDossierView
{
  GtkBox parent_instance;

  GtkLabel            *title_label;
  GtkLabel            *subtitle_label;
  GtkLabel            *feedback_label;
  GtkListBox          *destinations_list;
  GtkRevealer         *form_revealer;
  AdwPreferencesGroup *form_group;
  AdwComboRow         *reason_row;
  AdwEntryRow         *text_row;
  AdwEntryRow         *date_row;
  AdwActionRow        *asap_row;
  GtkSwitch           *asap_switch;
  GtkButton           *form_ok_button;
  GtkBox              *sections_box;
  GtkButton           *export_button;
  GtkRevealer         *complements_revealer;
  GtkBox              *complements_box;

  CercleDb            *db;
  char                *referral_id;
  char                *received_task_id;
  CercleDossier       *dossier;
  GHashTable          *buttons;        /* "task/action" → GtkButton */

  char                *form_task_id;
  CercleReferralAction form_action;

  char                *complements_task_id;
  GtkWidget           *complements_group;
  GtkWidget           *complements_message_row;
  GtkWidget           *complements_button;
  GHashTable          *complement_rows;  /* section → AdwEntryRow */
  GSettings           *settings;
  GtkFileChooserNative *chooser;
};

G_DEFINE_FINAL_TYPE (CercleDossierView, cercle_dossier_view, GTK_TYPE_BOX)

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static const CercleReferralAction requester_actions[] = {
  CERCLE_REFERRAL_ACTION_CONFIRM, CERCLE_REFERRAL_ACTION_SEND_COMPLEMENTS, CERCLE_REFERRAL_ACTION_CANCEL,
};

static const CercleReferralAction desk_actions[] = {
  CERCLE_REFERRAL_ACTION_ACCEPT, CERCLE_REFERRAL_ACTION_WAITING_LIST, CERCLE_REFERRAL_ACTION_ASK_COMPLEMENTS,
  CERCLE_REFERRAL_ACTION_REFUSE, CERCLE_REFERRAL_ACTION_ADMITTED, CERCLE_REFERRAL_ACTION_WITHDRAW,
};

static const char *
action_label (CercleReferralAction action)
{
  switch (action)
    {
    case CERCLE_REFERRAL_ACTION_CONFIRM:
      return _("Confirm the Admission");
    case CERCLE_REFERRAL_ACTION_CANCEL:
      return _("Cancel the Request");
    case CERCLE_REFERRAL_ACTION_SEND_COMPLEMENTS:
      return _("Send the Complements");
    case CERCLE_REFERRAL_ACTION_ASK_COMPLEMENTS:
      return _("Ask for Complements");
    case CERCLE_REFERRAL_ACTION_ACCEPT:
      return _("Accept");
    case CERCLE_REFERRAL_ACTION_WAITING_LIST:
      return _("Waiting List");
    case CERCLE_REFERRAL_ACTION_REFUSE:
      return _("Refuse");
    case CERCLE_REFERRAL_ACTION_ADMITTED:
      return _("Patient Admitted");
    case CERCLE_REFERRAL_ACTION_WITHDRAW:
      return _("Withdrawal");
    default:
      return "";
    }
}

static gboolean
action_needs_reason (CercleReferralAction action)
{
  return action == CERCLE_REFERRAL_ACTION_CANCEL || action == CERCLE_REFERRAL_ACTION_REFUSE
         || action == CERCLE_REFERRAL_ACTION_WITHDRAW;
}

static gboolean
action_needs_form (CercleReferralAction action)
{
  return action_needs_reason (action) || action == CERCLE_REFERRAL_ACTION_ACCEPT
         || action == CERCLE_REFERRAL_ACTION_ASK_COMPLEMENTS || action == CERCLE_REFERRAL_ACTION_SEND_COMPLEMENTS;
}

static void close_complements (CercleDossierView *self);

static void
show_feedback (CercleDossierView *self,
               const char        *message,
               gboolean           is_error)
{
  gtk_label_set_label (self->feedback_label, message ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->feedback_label), message != NULL);
  if (is_error)
    gtk_widget_add_css_class (GTK_WIDGET (self->feedback_label), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->feedback_label), "error");
}

/* ---- « Envoyer les compléments » ----------------------------------------- */

static void
close_complements (CercleDossierView *self)
{
  GtkWidget *child;

  gtk_revealer_set_reveal_child (self->complements_revealer, FALSE);
  g_clear_pointer (&self->complements_task_id, g_free);
  g_hash_table_remove_all (self->complement_rows);
  self->complements_group = NULL;
  self->complements_message_row = NULL;
  self->complements_button = NULL;
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->complements_box))) != NULL)
    gtk_box_remove (self->complements_box, child);
}

static void
complements_send_cb (CercleDossierView *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) sections = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree char *task_id = g_strdup (self->complements_task_id);
  GHashTableIter iter;
  gpointer key, row;

  if (task_id == NULL)
    return;
  g_hash_table_iter_init (&iter, self->complement_rows);
  while (g_hash_table_iter_next (&iter, &key, &row))
    g_hash_table_insert (sections, key, (gpointer) gtk_editable_get_text (GTK_EDITABLE (row)));
  if (!cercle_referral_repo_send_complements (self->db, task_id, sections,
                                              gtk_editable_get_text (GTK_EDITABLE (self->complements_message_row)),
                                              g_settings_get_uint (self->settings, "referral-response-hours"), &error))
    {
      show_feedback (self, error->message, TRUE);
      return;
    }
  close_complements (self);
  cercle_dossier_view_reload (self);
  show_feedback (self, _("Saved: it will be sent with the next sync"), FALSE);
  g_signal_emit (self, signals[CHANGED], 0);
}

/* The volets open again for the requester, under the structure's
 * message: what it asked is completed where it belongs, in the dossier. */
static void
open_complements (CercleDossierView *self,
                  const char        *task_id,
                  const char        *owner)
{
  static const char * const sections[] = {
    CERCLE_REFERRAL_SECTION_ADMINISTRATIVE, CERCLE_REFERRAL_SECTION_MEDICAL,
    CERCLE_REFERRAL_SECTION_CARE, CERCLE_REFERRAL_SECTION_SOCIAL,
  };
  g_autoptr(JsonObject) json = cercle_referral_repo_get_resource (self->db, "ServiceRequest", self->referral_id, NULL);
  g_autoptr(CercleReferral) referral = json ? cercle_referral_new_from_fhir (json, NULL) : NULL;
  g_autofree char *asked = cercle_referral_repo_dup_complement_request (self->db, task_id);
  g_autofree char *title = g_strdup_printf ("%s — %s", action_label (CERCLE_REFERRAL_ACTION_SEND_COMPLEMENTS),
                                            owner ? owner : "");
  g_autofree char *description = NULL;
  gboolean medical = cercle_referral_repo_account_is_medical (self->db);
  GtkWidget *buttons, *cancel, *first = NULL;

  close_complements (self);
  gtk_revealer_set_reveal_child (self->form_revealer, FALSE);
  self->complements_task_id = g_strdup (task_id);

  self->complements_group = adw_preferences_group_new ();
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (self->complements_group), title);
  description = asked ? g_strdup_printf (_("The structure asks: “%s”"), asked)
                      : g_strdup (_("The structure left no message: complete the sections it needs"));
  adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (self->complements_group), description);
  for (gsize i = 0; i < G_N_ELEMENTS (sections); i++)
    {
      const char *text = NULL;
      gboolean complete = TRUE;
      GtkWidget *row;

      /* The médical volet only for those who may read it (the server
       * strips it for the others). */
      if (g_str_equal (sections[i], CERCLE_REFERRAL_SECTION_MEDICAL) && !medical)
        continue;
      if (referral)
        cercle_referral_get_section (referral, sections[i], &complete, &text);
      row = adw_entry_row_new ();
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), cercle_referral_section_label (sections[i]));
      gtk_editable_set_text (GTK_EDITABLE (row), text ? text : "");
      gtk_widget_set_name (row, sections[i]);
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (self->complements_group), row);
      g_hash_table_insert (self->complement_rows, (gpointer) sections[i], row);
      /* The focus goes to the first volet left incomplete. */
      if (!complete && first == NULL)
        first = row;
    }
  self->complements_message_row = adw_entry_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->complements_message_row), _("Message to the structure"));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (self->complements_group), self->complements_message_row);

  buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_widget_set_halign (buttons, GTK_ALIGN_END);
  gtk_widget_set_margin_top (buttons, 12);
  cancel = gtk_button_new_with_mnemonic (_("_Cancel"));
  /* GTK 4.8 names a mnemonic button after its raw label ("_Annuler"). */
  gtk_accessible_update_property (GTK_ACCESSIBLE (cancel), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Cancel"), -1);
  g_signal_connect_swapped (cancel, "clicked", G_CALLBACK (close_complements), self);
  self->complements_button = gtk_button_new_with_label (action_label (CERCLE_REFERRAL_ACTION_SEND_COMPLEMENTS));
  gtk_widget_add_css_class (self->complements_button, "suggested-action");
  g_signal_connect_swapped (self->complements_button, "clicked", G_CALLBACK (complements_send_cb), self);
  gtk_box_append (GTK_BOX (buttons), cancel);
  gtk_box_append (GTK_BOX (buttons), self->complements_button);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (self->complements_group), buttons);

  gtk_box_append (self->complements_box, self->complements_group);
  gtk_revealer_set_reveal_child (self->complements_revealer, TRUE);
  show_feedback (self, NULL, FALSE);
  gtk_widget_grab_focus (first ? first : self->complements_message_row);
}

static void
run_action (CercleDossierView    *self,
            const char           *task_id,
            CercleReferralAction  action,
            const char           *reason,
            const char           *text,
            const char           *date,
            gboolean              asap)
{
  g_autoptr(GError) error = NULL;

  if (!cercle_referral_repo_act (self->db, task_id, action, reason, text, date, asap, &error))
    {
      show_feedback (self, error->message, TRUE);
      return;
    }
  gtk_revealer_set_reveal_child (self->form_revealer, FALSE);
  close_complements (self);
  cercle_dossier_view_reload (self);
  show_feedback (self, _("Saved: it will be sent with the next sync"), FALSE);
  g_signal_emit (self, signals[CHANGED], 0);
}

/* "28/11/2026" → "2026-11-28"; NULL when blank; "" when unreadable */
static char *
parse_date (const char *text)
{
  int d = 0, m = 0, y = 0;
  char extra;

  if (text == NULL || text[0] == '\0')
    return NULL;
  if (sscanf (text, "%d/%d/%d%c", &d, &m, &y, &extra) != 3 || !g_date_valid_dmy (d, m, y) || y < 1900)
    return g_strdup ("");
  return g_strdup_printf ("%04d-%02d-%02d", y, m, d);
}

static void
form_ok_cb (CercleDossierView *self)
{
  gsize n = 0;
  const CercleReferralReason *reasons = cercle_referral_reasons (&n);
  guint selected = adw_combo_row_get_selected (self->reason_row);
  const char *reason = NULL;
  g_autofree char *date = NULL;
  g_autofree char *task_id = g_strdup (self->form_task_id);

  if (task_id == NULL)
    return;
  if (action_needs_reason (self->form_action) && selected >= 1 && selected <= n)
    reason = reasons[selected - 1].code;
  date = parse_date (gtk_editable_get_text (GTK_EDITABLE (self->date_row)));
  if (date != NULL && date[0] == '\0')
    {
      show_feedback (self, _("The admission date is not a valid date (DD/MM/YYYY)"), TRUE);
      return;
    }
  run_action (self, task_id, self->form_action, reason, gtk_editable_get_text (GTK_EDITABLE (self->text_row)), date,
              gtk_switch_get_active (self->asap_switch));
}

static void
form_cancel_cb (CercleDossierView *self)
{
  gtk_revealer_set_reveal_child (self->form_revealer, FALSE);
  g_clear_pointer (&self->form_task_id, g_free);
}

static void
open_form (CercleDossierView    *self,
           const char           *task_id,
           CercleReferralAction  action,
           const char           *owner)
{
  g_autofree char *title = g_strdup_printf ("%s — %s", action_label (action), owner ? owner : "");

  close_complements (self);
  g_free (self->form_task_id);
  self->form_task_id = g_strdup (task_id);
  self->form_action = action;
  adw_preferences_group_set_title (self->form_group, title);
  gtk_button_set_label (self->form_ok_button, action_label (action));
  gtk_widget_set_visible (GTK_WIDGET (self->reason_row), action_needs_reason (action));
  gtk_widget_set_visible (GTK_WIDGET (self->date_row), action == CERCLE_REFERRAL_ACTION_ACCEPT);
  gtk_widget_set_visible (GTK_WIDGET (self->asap_row), action == CERCLE_REFERRAL_ACTION_ACCEPT);
  gtk_widget_set_visible (GTK_WIDGET (self->text_row), action != CERCLE_REFERRAL_ACTION_ACCEPT);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->text_row),
                                 action_needs_reason (action) ? _("Details (required for “Other”)") : _("Message"));
  adw_combo_row_set_selected (self->reason_row, 0);
  gtk_editable_set_text (GTK_EDITABLE (self->text_row), "");
  gtk_editable_set_text (GTK_EDITABLE (self->date_row), "");
  gtk_switch_set_active (self->asap_switch, FALSE);
  gtk_revealer_set_reveal_child (self->form_revealer, TRUE);
  show_feedback (self, NULL, FALSE);
  gtk_widget_grab_focus (action_needs_reason (action) ? GTK_WIDGET (self->reason_row)
                         : action == CERCLE_REFERRAL_ACTION_ACCEPT ? GTK_WIDGET (self->date_row)
                         : GTK_WIDGET (self->text_row));
}

static void
action_clicked_cb (GtkButton         *button,
                   CercleDossierView *self)
{
  const char *task_id = g_object_get_data (G_OBJECT (button), "cercle-task");
  const char *owner = g_object_get_data (G_OBJECT (button), "cercle-owner");
  CercleReferralAction action = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (button), "cercle-action"));
  g_autofree char *task = g_strdup (task_id);

  if (action == CERCLE_REFERRAL_ACTION_SEND_COMPLEMENTS)
    open_complements (self, task, owner);
  else if (action_needs_form (action))
    open_form (self, task, action, owner);
  else
    run_action (self, task, action, NULL, NULL, NULL, FALSE);
}

static char *
button_key (const char           *task_id,
            CercleReferralAction  action)
{
  return g_strdup_printf ("%s/%d", task_id, action);
}

static GtkWidget *
destination_row (CercleDossierView              *self,
                 const CercleDossierDestination *d)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *title = gtk_label_new (d->owner_display ? d->owner_display : d->owner_id);
  g_autofree char *text = cercle_dossier_destination_chip_text (d, FALSE, NULL);
  GtkWidget *status = gtk_label_new (text);
  GtkWidget *buttons = gtk_flow_box_new ();
  const char *style = cercle_dossier_destination_style (d);
  gboolean desk = self->received_task_id != NULL;
  const CercleReferralAction *actions = desk ? desk_actions : requester_actions;
  gsize n_actions = desk ? G_N_ELEMENTS (desk_actions) : G_N_ELEMENTS (requester_actions);
  guint shown = 0;

  gtk_widget_set_margin_top (box, 8);
  gtk_widget_set_margin_bottom (box, 8);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_label_set_wrap (GTK_LABEL (title), TRUE);
  gtk_widget_add_css_class (title, "heading");
  gtk_label_set_xalign (GTK_LABEL (status), 0);
  gtk_label_set_wrap (GTK_LABEL (status), TRUE);
  if (style)
    gtk_widget_add_css_class (status, style);
  gtk_box_append (GTK_BOX (box), title);
  gtk_box_append (GTK_BOX (box), status);

  gtk_flow_box_set_selection_mode (GTK_FLOW_BOX (buttons), GTK_SELECTION_NONE);
  gtk_flow_box_set_column_spacing (GTK_FLOW_BOX (buttons), 6);
  gtk_flow_box_set_row_spacing (GTK_FLOW_BOX (buttons), 6);
  gtk_flow_box_set_max_children_per_line (GTK_FLOW_BOX (buttons), 3);
  /* A change not sent yet is not acted upon again before the server says. */
  for (gsize i = 0; d->sync_state == CERCLE_SYNC_STATE_SENT && i < n_actions; i++)
    {
      GtkWidget *button;

      if (!cercle_referral_repo_action_allowed (d->status, d->business, actions[i]))
        continue;
      button = gtk_button_new_with_label (action_label (actions[i]));
      gtk_widget_set_halign (button, GTK_ALIGN_START);
      g_object_set_data_full (G_OBJECT (button), "cercle-task", g_strdup (d->task_id), g_free);
      g_object_set_data_full (G_OBJECT (button), "cercle-owner",
                              g_strdup (d->owner_display ? d->owner_display : d->owner_id), g_free);
      g_object_set_data (G_OBJECT (button), "cercle-action", GINT_TO_POINTER (actions[i]));
      if (actions[i] == CERCLE_REFERRAL_ACTION_CONFIRM || actions[i] == CERCLE_REFERRAL_ACTION_ACCEPT)
        gtk_widget_add_css_class (button, "suggested-action");
      if (actions[i] == CERCLE_REFERRAL_ACTION_REFUSE || actions[i] == CERCLE_REFERRAL_ACTION_CANCEL)
        gtk_widget_add_css_class (button, "destructive-action");
      g_signal_connect (button, "clicked", G_CALLBACK (action_clicked_cb), self);
      gtk_flow_box_append (GTK_FLOW_BOX (buttons), button);
      g_hash_table_insert (self->buttons, button_key (d->task_id, actions[i]), button);
      shown++;
    }
  if (shown > 0)
    gtk_box_append (GTK_BOX (box), buttons);
  else
    {
      g_object_ref_sink (buttons);
      g_object_unref (buttons);
    }

  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  gtk_widget_set_name (row, d->task_id);
  return row;
}

static void
add_section (CercleDossierView *self,
             CercleReferral    *referral,
             const char        *section,
             gboolean           medical)
{
  gboolean complete = FALSE;
  const char *text = NULL;
  GtkWidget *group, *label;

  if (g_str_equal (section, CERCLE_REFERRAL_SECTION_MEDICAL) && !medical)
    return;
  if (!cercle_referral_get_section (referral, section, &complete, &text))
    return;
  group = adw_preferences_group_new ();
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), cercle_referral_section_label (section));
  adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (group), complete ? _("Complete") : _("Incomplete"));
  label = gtk_label_new (text ? text : _("Not given"));
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), label);
  gtk_box_append (self->sections_box, group);
}

/**
 * cercle_dossier_view_reload:
 * @self: a view
 *
 * Reads the dossier again from the local store (after an action, or when
 * the sync brought a change).
 */
void
cercle_dossier_view_reload (CercleDossierView *self)
{
  static const char * const sections[] = {
    CERCLE_REFERRAL_SECTION_ADMINISTRATIVE, CERCLE_REFERRAL_SECTION_MEDICAL,
    CERCLE_REFERRAL_SECTION_CARE, CERCLE_REFERRAL_SECTION_SOCIAL,
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(CercleDossier) dossier = NULL;
  g_autoptr(JsonObject) json = NULL;
  g_autoptr(CercleReferral) referral = NULL;
  g_autofree char *subtitle = NULL;
  g_autofree char *authored = NULL;
  const char *type, *message = NULL;
  GtkWidget *child;
  gboolean medical;

  g_return_if_fail (CERCLE_IS_DOSSIER_VIEW (self));

  if (self->db == NULL || self->referral_id == NULL)
    return;
  dossier = cercle_referral_repo_get_dossier (self->db, self->referral_id, &error);
  if (dossier == NULL)
    {
      show_feedback (self, error->message, TRUE);
      return;
    }
  g_set_object (&self->dossier, dossier);

  gtk_label_set_label (self->title_label, cercle_dossier_get_patient_name (dossier)
                                          ? cercle_dossier_get_patient_name (dossier) : _("Unknown patient"));
  type = cercle_dossier_get_orientation_type (dossier);
  {
    g_autoptr(GDateTime) utc = cercle_fhir_parse_date_time (cercle_dossier_get_authored_on (dossier));
    g_autoptr(GDateTime) local = utc ? g_date_time_to_local (utc) : NULL;

    authored = local ? g_date_time_format (local, "%d/%m/%Y %H:%M") : g_strdup ("");
  }
  switch (cercle_dossier_get_sync_state (dossier, &message))
    {
    case CERCLE_SYNC_STATE_PENDING:
      message = _("Waiting to be sent");
      break;
    case CERCLE_SYNC_STATE_REFUSED:
      break;
    case CERCLE_SYNC_STATE_SENT:
    default:
      message = _("Sent");
      break;
    }
  /* TRANSLATORS: type of orientation · dossier number · sent on date · sync state */
  subtitle = g_strdup_printf (_("%s · %s · sent on %s · %s"), type ? cercle_referral_orientation_label (type) : "",
                              cercle_dossier_get_dossier_id (dossier) ? cercle_dossier_get_dossier_id (dossier) : "",
                              authored, message ? message : "");
  gtk_label_set_label (self->subtitle_label, subtitle);

  g_hash_table_remove_all (self->buttons);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->destinations_list))) != NULL)
    gtk_list_box_remove (self->destinations_list, child);
  for (guint i = 0; i < cercle_dossier_get_n_destinations (dossier); i++)
    {
      const CercleDossierDestination *d = cercle_dossier_get_destination (dossier, i);

      /* A desk sees its own request only. */
      if (self->received_task_id && g_strcmp0 (d->task_id, self->received_task_id) != 0)
        continue;
      gtk_list_box_append (self->destinations_list, destination_row (self, d));
    }

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->sections_box))) != NULL)
    gtk_box_remove (self->sections_box, child);
  json = cercle_referral_repo_get_resource (self->db, "ServiceRequest", self->referral_id, NULL);
  referral = json ? cercle_referral_new_from_fhir (json, NULL) : NULL;
  medical = cercle_referral_repo_account_is_medical (self->db);
  for (gsize i = 0; referral && i < G_N_ELEMENTS (sections); i++)
    add_section (self, referral, sections[i], medical);
}

/**
 * cercle_dossier_view_show:
 * @self: a view
 * @db: the local store
 * @referral_id: the ServiceRequest
 * @received_task_id: (nullable): for a desk, the Task its structure received
 * @error: return location
 *
 * Returns: %TRUE when the dossier is there
 */
gboolean
cercle_dossier_view_show (CercleDossierView  *self,
                          CercleDb           *db,
                          const char         *referral_id,
                          const char         *received_task_id,
                          GError            **error)
{
  g_autoptr(CercleDossier) dossier = NULL;

  g_return_val_if_fail (CERCLE_IS_DOSSIER_VIEW (self), FALSE);

  dossier = cercle_referral_repo_get_dossier (db, referral_id, error);
  if (dossier == NULL)
    return FALSE;
  g_set_object (&self->db, db);
  g_free (self->referral_id);
  self->referral_id = g_strdup (referral_id);
  g_free (self->received_task_id);
  self->received_task_id = g_strdup (received_task_id);
  if (received_task_id)
    cercle_referral_repo_open_received (db, received_task_id, NULL);
  gtk_revealer_set_reveal_child (self->form_revealer, FALSE);
  close_complements (self);
  show_feedback (self, NULL, FALSE);
  cercle_dossier_view_reload (self);
  return TRUE;
}

/**
 * cercle_dossier_view_get_referral_id:
 * @self: a view
 *
 * Returns: (nullable): the dossier shown
 */
const char *
cercle_dossier_view_get_referral_id (CercleDossierView *self)
{
  g_return_val_if_fail (CERCLE_IS_DOSSIER_VIEW (self), NULL);
  return self->referral_id;
}

/**
 * cercle_dossier_view_get_action_button:
 * @self: a view
 * @task_id: a destination
 * @action: an action
 *
 * Returns: (transfer none) (nullable): its button, when the rules allow it
 */
GtkWidget *
cercle_dossier_view_get_action_button (CercleDossierView    *self,
                                       const char           *task_id,
                                       CercleReferralAction  action)
{
  g_autofree char *key = button_key (task_id, action);

  g_return_val_if_fail (CERCLE_IS_DOSSIER_VIEW (self), NULL);
  return g_hash_table_lookup (self->buttons, key);
}

/**
 * cercle_dossier_view_get_feedback:
 * @self: a view
 *
 * Returns: (nullable): the message shown after the last action
 */
const char *
cercle_dossier_view_get_feedback (CercleDossierView *self)
{
  g_return_val_if_fail (CERCLE_IS_DOSSIER_VIEW (self), NULL);
  return gtk_widget_get_visible (GTK_WIDGET (self->feedback_label)) ? gtk_label_get_label (self->feedback_label)
                                                                    : NULL;
}

/**
 * cercle_dossier_view_dup_text:
 * @self: a view
 *
 * Returns: (transfer full): the title, subtitle and destinations' statuses
 */
char *
cercle_dossier_view_dup_text (CercleDossierView *self)
{
  g_autoptr(GString) text = g_string_new (NULL);

  g_string_append_printf (text, "%s\n%s", gtk_label_get_label (self->title_label),
                          gtk_label_get_label (self->subtitle_label));
  for (guint i = 0; self->dossier && i < cercle_dossier_get_n_destinations (self->dossier); i++)
    {
      const CercleDossierDestination *d = cercle_dossier_get_destination (self->dossier, i);
      g_autofree char *chip = NULL;

      if (self->received_task_id && g_strcmp0 (d->task_id, self->received_task_id) != 0)
        continue;
      chip = cercle_dossier_destination_chip_text (d, TRUE, NULL);

      g_string_append_printf (text, "\n%s", chip);
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/**
 * cercle_dossier_view_get_complements:
 * @self: a view
 * @section: (nullable): a volet, or %NULL for the message to the structure
 *
 * Returns: (transfer none) (nullable): the entry of that volet (or the
 *   message) in the open « Envoyer les compléments » form
 */
GtkWidget *
cercle_dossier_view_get_complements (CercleDossierView *self,
                                     const char        *section)
{
  g_return_val_if_fail (CERCLE_IS_DOSSIER_VIEW (self), NULL);
  if (section == NULL)
    return self->complements_message_row;
  return g_hash_table_lookup (self->complement_rows, section);
}

/**
 * cercle_dossier_view_get_complements_group:
 * @self: a view
 *
 * Returns: (transfer none) (nullable): the open complements form (its
 *   description holds the structure's message)
 */
GtkWidget *
cercle_dossier_view_get_complements_group (CercleDossierView *self)
{
  g_return_val_if_fail (CERCLE_IS_DOSSIER_VIEW (self), NULL);
  return self->complements_group;
}

/**
 * cercle_dossier_view_get_complements_button:
 * @self: a view
 *
 * Returns: (transfer none) (nullable): the form's « Envoyer les
 *   compléments » button
 */
GtkWidget *
cercle_dossier_view_get_complements_button (CercleDossierView *self)
{
  g_return_val_if_fail (CERCLE_IS_DOSSIER_VIEW (self), NULL);
  return self->complements_button;
}

/**
 * cercle_dossier_view_fill_form:
 * @self: a view whose action form is open
 * @reason_code: (nullable): a reason code
 * @text: (nullable): the message or the reason's text
 * @date: (nullable): "DD/MM/YYYY"
 * @asap: « dès que possible »
 *
 * Fills the form as a user would (for tests and scripted demos).
 */
void
cercle_dossier_view_fill_form (CercleDossierView *self,
                               const char        *reason_code,
                               const char        *text,
                               const char        *date,
                               gboolean           asap)
{
  gsize n = 0;
  const CercleReferralReason *reasons = cercle_referral_reasons (&n);

  adw_combo_row_set_selected (self->reason_row, 0);
  for (gsize i = 0; reason_code && i < n; i++)
    if (g_str_equal (reasons[i].code, reason_code))
      adw_combo_row_set_selected (self->reason_row, i + 1);
  gtk_editable_set_text (GTK_EDITABLE (self->text_row), text ? text : "");
  gtk_editable_set_text (GTK_EDITABLE (self->date_row), date ? date : "");
  gtk_switch_set_active (self->asap_switch, asap);
}

/**
 * cercle_dossier_view_submit_form:
 * @self: a view whose action form is open
 *
 * Presses the form's button.
 */
void
cercle_dossier_view_submit_form (CercleDossierView *self)
{
  g_signal_emit_by_name (self->form_ok_button, "clicked");
}

static void
export_response_cb (GtkNativeDialog   *dialog,
                    int                response,
                    CercleDossierView *self)
{
  g_autoptr(GFile) file = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
  g_clear_object (&self->chooser);
  if (file == NULL || (path = g_file_get_path (file)) == NULL)
    return;
  if (!cercle_referral_pdf_export (self->db, self->referral_id, cercle_referral_repo_account_is_medical (self->db),
                                   path, &error))
    {
      g_autofree char *message = g_strdup_printf (_("The PDF could not be written: %s"), error->message);

      show_feedback (self, message, TRUE);
      return;
    }
  show_feedback (self, _("PDF exported"), FALSE);
}

static void
export_clicked_cb (CercleDossierView *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  g_autofree char *name = NULL;

  if (self->dossier == NULL)
    return;
  name = g_strdup_printf ("%s.pdf", cercle_dossier_get_dossier_id (self->dossier)
                                    ? cercle_dossier_get_dossier_id (self->dossier) : self->referral_id);
  g_clear_object (&self->chooser);
  self->chooser = gtk_file_chooser_native_new (_("Export the Dossier"), GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                               GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"), _("_Cancel"));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (self->chooser), name);
  g_signal_connect (self->chooser, "response", G_CALLBACK (export_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
cercle_dossier_view_dispose (GObject *object)
{
  CercleDossierView *self = (CercleDossierView *) object;

  if (self->chooser)
    {
      g_signal_handlers_disconnect_by_data (self->chooser, self);
      gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
      g_clear_object (&self->chooser);
    }
  g_clear_object (&self->db);
  g_clear_object (&self->dossier);
  g_clear_object (&self->settings);
  g_hash_table_remove_all (self->complement_rows);
  gtk_widget_dispose_template (GTK_WIDGET (object), CERCLE_TYPE_DOSSIER_VIEW);

  G_OBJECT_CLASS (cercle_dossier_view_parent_class)->dispose (object);
}

static void
cercle_dossier_view_finalize (GObject *object)
{
  CercleDossierView *self = (CercleDossierView *) object;

  g_free (self->referral_id);
  g_free (self->received_task_id);
  g_free (self->form_task_id);
  g_free (self->complements_task_id);
  g_hash_table_unref (self->buttons);
  g_hash_table_unref (self->complement_rows);
  G_OBJECT_CLASS (cercle_dossier_view_parent_class)->finalize (object);
}

static void
cercle_dossier_view_class_init (CercleDossierViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cercle_dossier_view_dispose;
  object_class->finalize = cercle_dossier_view_finalize;

  /**
   * CercleDossierView::changed:
   *
   * An action was queued: the lists and the sync have something new.
   */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                   G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class, "/fr/cercle/Cercle/referrals/cercle-dossier-view.ui");
  gtk_widget_class_bind_template_child (widget_class, CercleDossierView, title_label);
  gtk_widget_class_bind_template_child (widget_class, CercleDossierView, subtitle_label);
  gtk_widget_class_bind_template_child (widget_class, CercleDossierView, feedback_label);
  gtk_widget_class_bind_template_child (widget_class, CercleDossierView, destinations_list);
  gtk_widget_class_bind_template_child (widget_class, CercleDossierView, form_revealer);
  gtk_widget_class_bind_template_child (widget_class, CercleDossierView, form_group);
  gtk_widget_class_bind_template_child (widget_class, CercleDossierView, reason_row);
  gtk_widget_class_bind_template_child (widget_class, CercleDossierView, text_row);
  gtk_widget_class_bind_template_child (widget_class, CercleDossierView, date_row);
  gtk_widget_class_bind_template_child (widget_class, CercleDossierView, asap_row);
  gtk_widget_class_bind_template_child (widget_class, CercleDossierView, asap_switch);
  gtk_widget_class_bind_template_child (widget_class, CercleDossierView, form_ok_button);
  gtk_widget_class_bind_template_child (widget_class, CercleDossierView, sections_box);
  gtk_widget_class_bind_template_child (widget_class, CercleDossierView, export_button);
  gtk_widget_class_bind_template_child (widget_class, CercleDossierView, complements_revealer);
  gtk_widget_class_bind_template_child (widget_class, CercleDossierView, complements_box);
  gtk_widget_class_bind_template_callback (widget_class, form_ok_cb);
  gtk_widget_class_bind_template_callback (widget_class, form_cancel_cb);
  gtk_widget_class_bind_template_callback (widget_class, export_clicked_cb);
}

static void
cercle_dossier_view_init (CercleDossierView *self)
{
  g_autoptr(GtkStringList) reasons = gtk_string_list_new (NULL);
  gsize n = 0;
  const CercleReferralReason *list = cercle_referral_reasons (&n);

  self->buttons = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->complement_rows = g_hash_table_new (g_str_hash, g_str_equal);
  self->settings = g_settings_new ("fr.cercle.Cercle");
  gtk_widget_init_template (GTK_WIDGET (self));

  gtk_string_list_append (reasons, _("Choose a reason…"));
  for (gsize i = 0; i < n; i++)
    gtk_string_list_append (reasons, cercle_referral_reason_label (list[i].code));
  adw_combo_row_set_model (self->reason_row, G_LIST_MODEL (reasons));
}

/**
 * cercle_dossier_view_new:
 *
 * Returns: (transfer floating): an empty view
 */
GtkWidget *
cercle_dossier_view_new (void)
{
  return g_object_new (CERCLE_TYPE_DOSSIER_VIEW, NULL);
}
