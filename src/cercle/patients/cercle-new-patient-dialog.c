/* cercle-new-patient-dialog.c — « Nouveau patient »: the INS identity, checked before it is saved
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The five INS traits, the INS number with its key checked as it is typed,
 * the identity status derived from the two facts of domain.md §2, and the
 * address with the commune completed from the directory. Saving checks each
 * field in order and stops at the first wrong one: it is marked, focused and
 * explained in French, and the dialog stays open with everything typed.
 * Then comes the search before create: patients born the same day with a
 * close name are listed, each with « Ouvrir »; « Créer quand même » goes on.
 * The patient is written with its outbox entry in one transaction, or not
 * at all.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>

#include "cercle-directory.h"
#include "cercle-new-patient-dialog.h"
#include "cercle-patient-repo.h"
#include "cercle-patient-row.h"
#include "cercle-validate.h"

static const char *const sexes[] = { "female", "male", "unknown" };
static const char *const ins_kinds[] = { "NIR", "NIA" };

struct _CercleNewPatientDialog
{
  AdwWindow parent_instance;

  CercleDb *db;
  CercleDirectory *directory;
  GCancellable *commune_cancellable;
  CercleCommune *commune;
  gboolean setting_commune;
  char *confirmed_key;   /* the identity the user chose to create anyway */
  GPtrArray *duplicate_rows;
  GtkWidget *marked;

  AdwPreferencesPage *prefs_page;
  AdwPreferencesGroup *duplicates_group;
  GtkLabel *error_label;
  AdwEntryRow *birth_name_row;
  AdwEntryRow *given_names_row;
  AdwEntryRow *birth_date_row;
  AdwComboRow *sex_row;
  AdwEntryRow *birthplace_row;
  AdwEntryRow *used_name_row;
  AdwEntryRow *used_given_row;
  AdwEntryRow *ins_row;
  AdwComboRow *ins_kind_row;
  GtkLabel *ins_hint;
  GtkSwitch *insi_switch;
  GtkSwitch *document_switch;
  AdwActionRow *status_row;
  AdwEntryRow *address_row;
  AdwEntryRow *commune_row;
  AdwEntryRow *phone_row;
  GtkPopover *commune_popover;
  GtkListBox *commune_list;
};

G_DEFINE_FINAL_TYPE (CercleNewPatientDialog, cercle_new_patient_dialog, ADW_TYPE_WINDOW)

enum {
  SIGNAL_PATIENT_SAVED,
  SIGNAL_OPEN_PATIENT,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static const char *
text_of (AdwEntryRow *row)
{
  return gtk_editable_get_text (GTK_EDITABLE (row));
}

static void
update_status (CercleNewPatientDialog *self)
{
  CercleIdentityStatus status = cercle_identity_status_from_checks (gtk_switch_get_active (self->insi_switch),
                                                                    gtk_switch_get_active (self->document_switch));

  adw_action_row_set_subtitle (self->status_row, cercle_identity_status_get_label (status));
}

static void
on_ins_changed (CercleNewPatientDialog *self)
{
  g_autofree char *ins = cercle_identifier_normalize (text_of (self->ins_row));
  g_autoptr(GError) error = NULL;
  gsize len = ins ? strlen (ins) : 0;

  gtk_widget_remove_css_class (GTK_WIDGET (self->ins_row), "error");
  gtk_widget_remove_css_class (GTK_WIDGET (self->ins_hint), "error");
  gtk_widget_remove_css_class (GTK_WIDGET (self->ins_hint), "success");
  if (len == 0)
    gtk_label_set_label (self->ins_hint, _("Optional: 13 digits and a 2-digit key."));
  else if (len < 15)
    {
      g_autofree char *text = g_strdup_printf (ngettext ("%u character of 15", "%u characters of 15", len),
                                               (guint) len);
      gtk_label_set_label (self->ins_hint, text);
    }
  else if (cercle_validate_nir (ins, &error))
    {
      gtk_label_set_label (self->ins_hint, _("The key is right."));
      gtk_widget_add_css_class (GTK_WIDGET (self->ins_hint), "success");
    }
  else
    {
      gtk_label_set_label (self->ins_hint, error->message);
      gtk_widget_add_css_class (GTK_WIDGET (self->ins_row), "error");
      gtk_widget_add_css_class (GTK_WIDGET (self->ins_hint), "error");
    }
}

static void
communes_found (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  CercleNewPatientDialog *self = user_data;
  g_autoptr(GListModel) communes = NULL;
  g_autoptr(GError) error = NULL;
  GtkWidget *child;

  communes = cercle_directory_find_communes_finish (CERCLE_DIRECTORY (source), result, &error);
  if (communes == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        gtk_popover_popdown (self->commune_popover);
      g_object_unref (self);
      return;
    }
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->commune_list))) != NULL)
    gtk_list_box_remove (self->commune_list, child);
  for (guint i = 0; i < g_list_model_get_n_items (communes); i++)
    {
      g_autoptr(CercleCommune) c = g_list_model_get_item (communes, i);
      g_autofree char *text = g_strdup_printf ("%s (%s)", cercle_commune_get_name (c),
                                               cercle_commune_get_postcodes (c) ? cercle_commune_get_postcodes (c) : "");
      GtkWidget *label = gtk_label_new (text);
      GtkWidget *row = gtk_list_box_row_new ();

      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_widget_set_margin_start (label, 6);
      gtk_widget_set_margin_end (label, 6);
      gtk_widget_set_margin_top (label, 4);
      gtk_widget_set_margin_bottom (label, 4);
      gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), label);
      g_object_set_data_full (G_OBJECT (row), "commune", g_object_ref (c), g_object_unref);
      gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, text, -1);
      gtk_list_box_append (self->commune_list, row);
    }
  if (g_list_model_get_n_items (communes) > 0)
    gtk_popover_popup (self->commune_popover);
  else
    gtk_popover_popdown (self->commune_popover);
  g_object_unref (self);
}

static void
on_commune_changed (CercleNewPatientDialog *self)
{
  const char *text = text_of (self->commune_row);

  if (self->setting_commune)
    return;
  g_clear_object (&self->commune);
  g_cancellable_cancel (self->commune_cancellable);
  g_clear_object (&self->commune_cancellable);
  if (g_utf8_strlen (text, -1) < 2)
    {
      gtk_popover_popdown (self->commune_popover);
      return;
    }
  self->commune_cancellable = g_cancellable_new ();
  cercle_directory_find_communes_async (self->directory, text, 8, self->commune_cancellable,
                                        communes_found, g_object_ref (self));
}

static void
on_commune_activated (CercleNewPatientDialog *self,
                      GtkListBoxRow          *row)
{
  CercleCommune *commune = g_object_get_data (G_OBJECT (row), "commune");
  g_autofree char *text = NULL;

  g_set_object (&self->commune, commune);
  text = g_strdup_printf ("%s (%s)", cercle_commune_get_name (commune),
                          cercle_commune_get_postcodes (commune) ? cercle_commune_get_postcodes (commune) : "");
  self->setting_commune = TRUE;
  gtk_editable_set_text (GTK_EDITABLE (self->commune_row), text);
  self->setting_commune = FALSE;
  gtk_popover_popdown (self->commune_popover);
  gtk_widget_grab_focus (GTK_WIDGET (self->phone_row));
}

static gboolean
on_commune_key (GtkEventControllerKey  *controller,
                guint                   keyval,
                guint                   keycode,
                GdkModifierType         state,
                CercleNewPatientDialog *self)
{
  GtkListBoxRow *first = gtk_list_box_get_row_at_index (self->commune_list, 0);

  if (first == NULL || !gtk_widget_get_visible (GTK_WIDGET (self->commune_popover)))
    return FALSE;
  if (keyval == GDK_KEY_Down)
    {
      gtk_widget_grab_focus (GTK_WIDGET (first));
      return TRUE;
    }
  if (keyval == GDK_KEY_Return || keyval == GDK_KEY_KP_Enter)
    {
      on_commune_activated (self, first);
      return TRUE;
    }
  if (keyval == GDK_KEY_Escape)
    {
      gtk_popover_popdown (self->commune_popover);
      return TRUE;
    }
  return FALSE;
}

static void
clear_marks (CercleNewPatientDialog *self)
{
  if (self->marked)
    gtk_widget_remove_css_class (self->marked, "error");
  self->marked = NULL;
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), FALSE);
}

/* Marks a field as wrong, says why and takes the keyboard there. */
static void
mark (CercleNewPatientDialog *self,
      GtkWidget              *field,
      const char             *message)
{
  clear_marks (self);
  if (field)
    {
      gtk_widget_add_css_class (field, "error");
      gtk_widget_grab_focus (field);
    }
  self->marked = field;
  gtk_label_set_label (self->error_label, message);
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), TRUE);
  /* A screen reader reads the reason with the field. */
  if (field)
    gtk_accessible_update_property (GTK_ACCESSIBLE (field), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, message, -1);
}

/* « 12/03/1941 » → « 1941-03-12 », or NULL. */
static char *
parse_french_date (const char *text)
{
  int d, m, y;
  char tail;

  if (text == NULL || sscanf (text, "%d/%d/%d%c", &d, &m, &y, &tail) != 3 || y < 1800
      || !g_date_valid_dmy (d, m, y))
    return NULL;
  return g_strdup_printf ("%04d-%02d-%02d", y, m, d);
}

static char *
trimmed (AdwEntryRow *row)
{
  return g_strstrip (g_strdup (text_of (row)));
}

/* Reads and checks the form; NULL with the wrong field marked. */
static CerclePatient *
read_form (CercleNewPatientDialog *self)
{
  g_autofree char *birth_name = trimmed (self->birth_name_row);
  g_autofree char *given = trimmed (self->given_names_row);
  g_autofree char *birth_date = NULL;
  g_autofree char *birthplace = trimmed (self->birthplace_row);
  g_autofree char *ins = cercle_identifier_normalize (text_of (self->ins_row));
  g_autofree char *used_name = trimmed (self->used_name_row);
  g_autofree char *used_given = trimmed (self->used_given_row);
  g_autofree char *address = trimmed (self->address_row);
  g_autofree char *commune_text = trimmed (self->commune_row);
  g_autofree char *phone = trimmed (self->phone_row);
  g_auto(GStrv) given_names = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CerclePatient) patient = NULL;
  g_autofree char *postcode = NULL;

  if (*birth_name == '\0')
    {
      mark (self, GTK_WIDGET (self->birth_name_row), _("The birth family name is required"));
      return NULL;
    }
  given_names = g_regex_split_simple ("[\\s,]+", given, 0, 0);
  if (*given == '\0' || given_names[0] == NULL || *given_names[0] == '\0')
    {
      mark (self, GTK_WIDGET (self->given_names_row), _("At least one birth given name is required"));
      return NULL;
    }
  {
    g_autofree char *date_text = trimmed (self->birth_date_row);
    birth_date = parse_french_date (date_text);
  }
  if (birth_date == NULL)
    {
      mark (self, GTK_WIDGET (self->birth_date_row),
            _("The date of birth must be a real date, written DD/MM/YYYY (for example 12/03/1941)"));
      return NULL;
    }
  {
    g_autoptr(GDateTime) now = g_date_time_new_now_local ();
    g_autofree char *today = g_date_time_format (now, "%Y-%m-%d");

    if (strcmp (birth_date, today) > 0)
      {
        mark (self, GTK_WIDGET (self->birth_date_row), _("The date of birth cannot be in the future"));
        return NULL;
      }
  }
  if (*birthplace != '\0' && !cercle_validate_insee_code (birthplace, &error))
    {
      mark (self, GTK_WIDGET (self->birthplace_row), error->message);
      return NULL;
    }
  if (ins != NULL && *ins != '\0' && !cercle_validate_nir (ins, &error))
    {
      mark (self, GTK_WIDGET (self->ins_row), error->message);
      return NULL;
    }
  if (*commune_text != '\0' && self->commune == NULL)
    {
      mark (self, GTK_WIDGET (self->commune_row), _("Choose the commune in the list that opens as you type"));
      return NULL;
    }
  if (self->commune && cercle_commune_get_postcodes (self->commune))
    postcode = g_strndup (cercle_commune_get_postcodes (self->commune), 5);

  patient = g_object_new (CERCLE_TYPE_PATIENT,
                          "birth-family-name", birth_name,
                          "birth-given-names", given_names,
                          "birth-date", birth_date,
                          "sex", sexes[MIN (adw_combo_row_get_selected (self->sex_row), G_N_ELEMENTS (sexes) - 1)],
                          "birthplace-code", *birthplace ? birthplace : NULL,
                          "ins", ins && *ins ? ins : NULL,
                          "ins-kind", ins && *ins
                                      ? ins_kinds[MIN (adw_combo_row_get_selected (self->ins_kind_row), 1)] : NULL,
                          "used-family-name", *used_name ? used_name : NULL,
                          "used-given-name", *used_given ? used_given : NULL,
                          "from-insi", gtk_switch_get_active (self->insi_switch),
                          "document-checked", gtk_switch_get_active (self->document_switch),
                          "address-line", *address ? address : NULL,
                          "postcode", postcode,
                          "commune-code", self->commune ? cercle_commune_get_insee_code (self->commune) : NULL,
                          "commune-name", self->commune ? cercle_commune_get_name (self->commune) : NULL,
                          "phone", *phone ? phone : NULL,
                          NULL);
  if (!cercle_patient_validate (patient, &error))
    {
      mark (self, GTK_WIDGET (self->status_row), error->message);
      return NULL;
    }
  return g_steal_pointer (&patient);
}

static char *
identity_key (CerclePatient *patient)
{
  return g_strdup_printf ("%s|%s|%s|%s", cercle_patient_get_birth_family_name (patient),
                          cercle_patient_get_used_family_name (patient) ? cercle_patient_get_used_family_name (patient) : "",
                          cercle_patient_get_birth_date (patient),
                          cercle_patient_get_ins (patient) ? cercle_patient_get_ins (patient) : "");
}

static void
clear_duplicates (CercleNewPatientDialog *self)
{
  for (guint i = 0; i < self->duplicate_rows->len; i++)
    adw_preferences_group_remove (self->duplicates_group, g_ptr_array_index (self->duplicate_rows, i));
  g_ptr_array_set_size (self->duplicate_rows, 0);
  gtk_widget_set_visible (GTK_WIDGET (self->duplicates_group), FALSE);
}

static void
show_duplicates (CercleNewPatientDialog *self,
                 GListModel             *found)
{
  clear_duplicates (self);
  for (guint i = 0; i < g_list_model_get_n_items (found); i++)
    {
      g_autoptr(CerclePatient) p = g_list_model_get_item (found, i);
      g_autofree char *name = cercle_patient_dup_display_name (p);
      g_autofree char *birth = cercle_patient_format_birth (p);
      g_autofree char *open_name = g_strdup_printf (_("Open the file of %s"), name);
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *open = gtk_button_new_with_label (_("Open"));

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), name);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), birth);
      gtk_widget_set_valign (open, GTK_ALIGN_CENTER);
      gtk_actionable_set_action_name (GTK_ACTIONABLE (open), "new-patient.open-existing");
      gtk_actionable_set_action_target (GTK_ACTIONABLE (open), "s", cercle_patient_get_id (p));
      gtk_accessible_update_property (GTK_ACCESSIBLE (open), GTK_ACCESSIBLE_PROPERTY_LABEL, open_name, -1);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), open);
      adw_preferences_group_add (self->duplicates_group, row);
      g_ptr_array_add (self->duplicate_rows, row);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->duplicates_group), TRUE);
  gtk_widget_grab_focus (gtk_widget_get_last_child (GTK_WIDGET (g_ptr_array_index (self->duplicate_rows, 0))));
}

static void
save (CercleNewPatientDialog *self,
      gboolean                anyway)
{
  g_autoptr(CerclePatient) patient = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *key = NULL;

  clear_marks (self);
  patient = read_form (self);
  if (patient == NULL)
    return;

  key = identity_key (patient);
  if (anyway)
    {
      g_free (self->confirmed_key);
      self->confirmed_key = g_strdup (key);
    }
  if (g_strcmp0 (key, self->confirmed_key) != 0)
    {
      g_autoptr(GListModel) found = cercle_patient_repo_find_possible_duplicates (self->db, patient, &error);

      if (found == NULL)
        {
          mark (self, NULL, error->message);
          return;
        }
      if (g_list_model_get_n_items (found) > 0)
        {
          show_duplicates (self, found);
          return;
        }
    }
  clear_duplicates (self);

  if (!cercle_patient_repo_save (self->db, patient, &error))
    {
      mark (self, error->domain == CERCLE_DB_ERROR && error->code == CERCLE_DB_ERROR_CONFLICT
                  ? GTK_WIDGET (self->ins_row) : NULL, error->message);
      return;
    }
  g_signal_emit (self, signals[SIGNAL_PATIENT_SAVED], 0, cercle_patient_get_id (patient));
  gtk_window_close (GTK_WINDOW (self));
}

static void
save_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  save (CERCLE_NEW_PATIENT_DIALOG (widget), FALSE);
}

static void
create_anyway_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  save (CERCLE_NEW_PATIENT_DIALOG (widget), TRUE);
}

static void
open_existing_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  CercleNewPatientDialog *self = CERCLE_NEW_PATIENT_DIALOG (widget);

  g_signal_emit (self, signals[SIGNAL_OPEN_PATIENT], 0, g_variant_get_string (parameter, NULL));
  gtk_window_close (GTK_WINDOW (self));
}

static void
fill_combo (AdwComboRow        *row,
            const char * const *labels,
            gsize               n)
{
  g_autoptr(GtkStringList) list = gtk_string_list_new (NULL);

  for (gsize i = 0; i < n; i++)
    gtk_string_list_append (list, labels[i]);
  adw_combo_row_set_model (row, G_LIST_MODEL (list));
}

static void
cercle_new_patient_dialog_dispose (GObject *object)
{
  CercleNewPatientDialog *self = CERCLE_NEW_PATIENT_DIALOG (object);

  g_cancellable_cancel (self->commune_cancellable);
  g_clear_object (&self->commune_cancellable);
  if (self->commune_popover)
    {
      gtk_widget_unparent (GTK_WIDGET (self->commune_popover));
      self->commune_popover = NULL;
      self->commune_list = NULL;
    }
  gtk_widget_dispose_template (GTK_WIDGET (self), CERCLE_TYPE_NEW_PATIENT_DIALOG);
  g_clear_object (&self->db);
  g_clear_object (&self->directory);
  g_clear_object (&self->commune);
  g_clear_pointer (&self->confirmed_key, g_free);
  g_clear_pointer (&self->duplicate_rows, g_ptr_array_unref);

  G_OBJECT_CLASS (cercle_new_patient_dialog_parent_class)->dispose (object);
}

static void
cercle_new_patient_dialog_class_init (CercleNewPatientDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cercle_new_patient_dialog_dispose;

  /* The patient was saved (its id). */
  signals[SIGNAL_PATIENT_SAVED] = g_signal_new ("patient-saved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                                0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  /* The user chose an existing file over a new one (its id). */
  signals[SIGNAL_OPEN_PATIENT] = g_signal_new ("open-patient", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                               0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/fr/cercle/Cercle/patients/cercle-new-patient-dialog.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, CercleNewPatientDialog, name)
  BIND (prefs_page);
  BIND (duplicates_group);
  BIND (error_label);
  BIND (birth_name_row);
  BIND (given_names_row);
  BIND (birth_date_row);
  BIND (sex_row);
  BIND (birthplace_row);
  BIND (used_name_row);
  BIND (used_given_row);
  BIND (ins_row);
  BIND (ins_kind_row);
  BIND (ins_hint);
  BIND (insi_switch);
  BIND (document_switch);
  BIND (status_row);
  BIND (address_row);
  BIND (commune_row);
  BIND (phone_row);
#undef BIND
  gtk_widget_class_bind_template_callback (widget_class, update_status);
  gtk_widget_class_bind_template_callback (widget_class, on_ins_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_commune_changed);

  gtk_widget_class_install_action (widget_class, "new-patient.save", NULL, save_action);
  gtk_widget_class_install_action (widget_class, "new-patient.create-anyway", NULL, create_anyway_action);
  gtk_widget_class_install_action (widget_class, "new-patient.open-existing", "s", open_existing_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK, "new-patient.save", NULL);
}

static void
cercle_new_patient_dialog_init (CercleNewPatientDialog *self)
{
  const char *sex_labels[] = { _("Female"), _("Male"), _("Unknown") };
  const char *kind_labels[] = { _("NIR (registration number)"), _("NIA (temporary number)") };
  GtkEventController *keys;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->duplicate_rows = g_ptr_array_new ();
  /* The completion under the commune field. */
  self->commune_list = GTK_LIST_BOX (gtk_list_box_new ());
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->commune_list), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Communes"), -1);
  g_signal_connect_swapped (self->commune_list, "row-activated", G_CALLBACK (on_commune_activated), self);
  self->commune_popover = GTK_POPOVER (gtk_popover_new ());
  gtk_popover_set_autohide (self->commune_popover, FALSE);
  gtk_popover_set_has_arrow (self->commune_popover, FALSE);
  gtk_popover_set_position (self->commune_popover, GTK_POS_BOTTOM);
  gtk_popover_set_child (self->commune_popover, GTK_WIDGET (self->commune_list));
  gtk_widget_set_parent (GTK_WIDGET (self->commune_popover), GTK_WIDGET (self->commune_row));
  fill_combo (self->sex_row, sex_labels, G_N_ELEMENTS (sex_labels));
  fill_combo (self->ins_kind_row, kind_labels, G_N_ELEMENTS (kind_labels));
  update_status (self);
  on_ins_changed (self);

  keys = gtk_event_controller_key_new ();
  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  g_signal_connect (keys, "key-pressed", G_CALLBACK (on_commune_key), self);
  gtk_widget_add_controller (GTK_WIDGET (self->commune_row), keys);
}

/**
 * cercle_new_patient_dialog_new:
 * @parent: the window it belongs to
 * @db: the local store
 *
 * Returns: (transfer none): the dialog, to present
 */
GtkWidget *
cercle_new_patient_dialog_new (GtkWindow *parent,
                               CercleDb  *db)
{
  CercleNewPatientDialog *self;

  g_return_val_if_fail (CERCLE_IS_DB (db), NULL);

  self = g_object_new (CERCLE_TYPE_NEW_PATIENT_DIALOG, "transient-for", parent, NULL);
  self->db = g_object_ref (db);
  self->directory = cercle_directory_new (cercle_db_get_path (db));
  return GTK_WIDGET (self);
}
