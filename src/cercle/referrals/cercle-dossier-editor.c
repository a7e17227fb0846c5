/* cercle-dossier-editor.c — preparing a referral dossier
 *
 * The orientation type, the wished date, the volets field by field (each
 * says what it lacks; the médical volet only for medical roles, as the
 * server strips it for the others) and the structures, found with the
 * directory's nearest search from the patient's commune in the categories
 * of the type, with their zone coverage and distance. Every change is saved
 * into the draft at once (the local store keeps it across a crash);
 * « Envoyer » stays insensitive, with the reason beside it, until the
 * dossier is complete.
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "cercle-directory.h"
#include "cercle-dossier-editor.h"
#include "cercle-referral.h"
#include "cercle-referral-repo.h"
#include "cercle-store.h"

struct _CercleDossierEditor
{
  GtkBox parent_instance;

  AdwComboRow         *type_row;
  AdwEntryRow         *wished_date_row;
  GtkBox              *sections_box;
  AdwPreferencesGroup *destinations_group;
  GtkListBox          *destinations_list;
  GtkLabel            *blocker_label;
  GtkButton           *send_button;

  CercleDb            *db;
  CercleReferralDraft *draft;
  CercleDirectory     *directory;
  GCancellable        *search_cancellable;
  GSettings           *settings;
  GHashTable          *field_rows;      /* key → AdwEntryRow */
  GHashTable          *section_groups;  /* section → AdwPreferencesGroup */
  gboolean             loading;
  gboolean             searching;
};

G_DEFINE_FINAL_TYPE (CercleDossierEditor, cercle_dossier_editor, GTK_TYPE_BOX)

enum {
  SENT,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static const char * const orientation_codes[] = { "SMR", "HAD", "USP", "SSIAD", "EHPAD" };

static const char * const section_codes[] = {
  CERCLE_REFERRAL_SECTION_ADMINISTRATIVE, CERCLE_REFERRAL_SECTION_MEDICAL,
  CERCLE_REFERRAL_SECTION_CARE, CERCLE_REFERRAL_SECTION_SOCIAL,
};

static void search_destinations (CercleDossierEditor *self);

static void
update_state (CercleDossierEditor *self)
{
  g_autofree char *blocker = NULL;

  if (self->draft == NULL)
    return;
  for (gsize i = 0; i < G_N_ELEMENTS (section_codes); i++)
    {
      AdwPreferencesGroup *group = g_hash_table_lookup (self->section_groups, section_codes[i]);
      g_auto(GStrv) missing = cercle_referral_draft_get_missing (self->draft, section_codes[i]);
      gboolean required = cercle_referral_section_is_required (cercle_referral_draft_get_orientation_type (self->draft),
                                                               section_codes[i]);
      g_autofree char *list = NULL;
      g_autofree char *description = NULL;

      if (group == NULL)
        continue;
      if (missing[0] == NULL)
        description = g_strdup (_("Complete"));
      else
        {
          list = g_strjoinv (", ", missing);
          description = required ? g_strdup_printf (_("Missing: %s"), list)
                                 : g_strdup_printf (_("Optional for this type; missing: %s"), list);
        }
      adw_preferences_group_set_description (group, description);
    }

  blocker = cercle_referral_draft_dup_blocker (self->draft);
  gtk_widget_set_sensitive (GTK_WIDGET (self->send_button), blocker == NULL);
  gtk_widget_remove_css_class (GTK_WIDGET (self->blocker_label), "error");
  gtk_label_set_label (self->blocker_label, blocker ? blocker : _("Ready to send"));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->send_button), blocker);
}

static void
save_draft (CercleDossierEditor *self)
{
  g_autoptr(GError) error = NULL;

  if (self->loading || self->draft == NULL || self->db == NULL)
    return;
  if (!cercle_referral_repo_save_draft (self->db, self->draft, &error))
    {
      g_autofree char *message = g_strdup_printf (_("The draft could not be saved: %s"), error->message);

      gtk_label_set_label (self->blocker_label, message);
      gtk_widget_add_css_class (GTK_WIDGET (self->blocker_label), "error");
      return;
    }
  update_state (self);
}

static void
field_changed_cb (GtkEditable         *editable,
                  CercleDossierEditor *self)
{
  const char *key = g_object_get_data (G_OBJECT (editable), "cercle-field");

  if (self->loading || self->draft == NULL)
    return;
  cercle_referral_draft_set_field (self->draft, key, gtk_editable_get_text (editable));
}

static void
draft_changed_cb (CercleDossierEditor *self)
{
  save_draft (self);
}

static void
type_selected_cb (CercleDossierEditor *self)
{
  guint selected = adw_combo_row_get_selected (self->type_row);

  if (self->loading || self->draft == NULL)
    return;
  cercle_referral_draft_set_orientation_type (self->draft,
                                              selected >= 1 && selected <= G_N_ELEMENTS (orientation_codes)
                                              ? orientation_codes[selected - 1] : NULL);
  search_destinations (self);
  update_state (self);
}

/* "28/11/2026" → "2026-11-28", or NULL */
static char *
parse_french_date (const char *text)
{
  int d = 0, m = 0, y = 0;
  char extra;
  g_autofree char *iso = NULL;

  if (sscanf (text, "%d/%d/%d%c", &d, &m, &y, &extra) != 3 || !g_date_valid_dmy (d, m, y) || y < 1900)
    return NULL;
  iso = g_strdup_printf ("%04d-%02d-%02d", y, m, d);
  return g_steal_pointer (&iso);
}

static void
wished_date_changed_cb (CercleDossierEditor *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->wished_date_row));
  g_autofree char *iso = NULL;

  if (self->loading || self->draft == NULL)
    return;
  iso = parse_french_date (text);
  if (iso == NULL && text[0] != '\0')
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->wished_date_row), "error");
      return;
    }
  gtk_widget_remove_css_class (GTK_WIDGET (self->wished_date_row), "error");
  cercle_referral_draft_set_wished_date (self->draft, iso);
}

/* ---- Structures ---------------------------------------------------------- */

static void
destination_toggled_cb (GtkCheckButton      *check,
                        CercleDossierEditor *self)
{
  CercleStructure *structure = g_object_get_data (G_OBJECT (check), "cercle-structure");

  if (self->loading || self->draft == NULL)
    return;
  if (gtk_check_button_get_active (check))
    cercle_referral_draft_add_destination (self->draft, cercle_structure_get_finess (structure),
                                           cercle_structure_get_name (structure),
                                           cercle_structure_get_category_code (structure),
                                           cercle_structure_has_position (structure)
                                           ? cercle_structure_get_distance_km (structure) : -1,
                                           cercle_structure_get_covers_commune (structure));
  else
    cercle_referral_draft_remove_destination (self->draft, cercle_structure_get_finess (structure));
}

static void
clear_destinations (CercleDossierEditor *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->destinations_list))) != NULL)
    gtk_list_box_remove (self->destinations_list, child);
}

static void
show_destination_message (CercleDossierEditor *self,
                          const char          *message)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), message);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  clear_destinations (self);
  gtk_list_box_append (self->destinations_list, row);
}

static char *
structure_subtitle (CercleStructure *structure)
{
  g_autoptr(GString) text = g_string_new (cercle_structure_get_commune_name (structure));

  if (cercle_structure_has_position (structure) && cercle_structure_get_distance_km (structure) >= 0)
    {
      g_autofree char *km = g_strdup_printf (_("%.1f km"), cercle_structure_get_distance_km (structure));

      g_string_append_printf (text, " · %s", km);
    }
  if (cercle_structure_get_zone (structure) != NULL)
    g_string_append_printf (text, " · %s", cercle_structure_get_covers_commune (structure)
                                           ? _("covers the patient’s commune") : _("outside its intervention zone"));
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static void
nearest_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(CercleDossierEditor) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GListModel) structures = cercle_directory_nearest_finish (CERCLE_DIRECTORY (object), result, &error);
  guint n;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->searching = FALSE;
  if (structures == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("The directory could not be searched: %s"), error->message);

      show_destination_message (self, message);
      return;
    }
  n = g_list_model_get_n_items (structures);
  if (n == 0)
    {
      show_destination_message (self, _("No structure of this type near the patient’s commune"));
      return;
    }

  clear_destinations (self);
  self->loading = TRUE;
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(CercleStructure) structure = g_list_model_get_item (structures, i);
      g_autofree char *subtitle = structure_subtitle (structure);
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *check = gtk_check_button_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), cercle_structure_get_name (structure));
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      gtk_widget_set_valign (check, GTK_ALIGN_CENTER);
      gtk_accessible_update_property (GTK_ACCESSIBLE (check), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      cercle_structure_get_name (structure), -1);
      g_object_set_data_full (G_OBJECT (check), "cercle-structure", g_object_ref (structure), g_object_unref);
      gtk_check_button_set_active (GTK_CHECK_BUTTON (check),
                                   cercle_referral_draft_has_destination (self->draft,
                                                                          cercle_structure_get_finess (structure)));
      g_signal_connect (check, "toggled", G_CALLBACK (destination_toggled_cb), self);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), check);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), check);
      gtk_widget_set_name (row, cercle_structure_get_finess (structure));
      gtk_list_box_append (self->destinations_list, row);
    }
  self->loading = FALSE;
}

static void
ensure_demo_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(CercleDossierEditor) self = user_data;
  g_autoptr(GError) error = NULL;
  const char *type = self->draft ? cercle_referral_draft_get_orientation_type (self->draft) : NULL;
  CercleNearestQuery query = { 0 };

  /* No demo is not fatal: a real directory may be there. */
  if (!cercle_directory_ensure_demo_finish (CERCLE_DIRECTORY (object), result, &error)
      && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (type == NULL)
    return;
  query.categories = cercle_referral_orientation_categories (type);
  query.commune_code = cercle_referral_draft_get_commune_code (self->draft);
  query.limit = 12;
  cercle_directory_nearest_async (self->directory, &query, self->search_cancellable, nearest_cb,
                                  g_object_ref (self));
}

static void
search_destinations (CercleDossierEditor *self)
{
  g_autofree char *env_demo = NULL;
  const char *type = cercle_referral_draft_get_orientation_type (self->draft);
  g_autofree char *demo_dir = NULL;

  g_cancellable_cancel (self->search_cancellable);
  g_clear_object (&self->search_cancellable);
  if (type == NULL)
    {
      self->searching = FALSE;
      show_destination_message (self, _("Choose the type of orientation first"));
      return;
    }
  if (cercle_referral_draft_get_commune_code (self->draft) == NULL)
    {
      self->searching = FALSE;
      show_destination_message (self, _("The patient’s commune is not known: add it to the patient’s file"));
      return;
    }
  if (self->directory == NULL)
    {
      g_autofree char *path = cercle_store_default_path ();

      self->directory = cercle_directory_new (path);
    }
  self->searching = TRUE;
  self->search_cancellable = g_cancellable_new ();
  show_destination_message (self, _("Searching the nearest structures…"));
  demo_dir = g_getenv ("CERCLE_DEMO_DIR") && *g_getenv ("CERCLE_DEMO_DIR")
             ? g_strdup (g_getenv ("CERCLE_DEMO_DIR")) : cercle_directory_default_demo_dir ();
  cercle_directory_ensure_demo_async (self->directory, demo_dir, self->search_cancellable, ensure_demo_cb,
                                      g_object_ref (self));
}

/* ---- Sending ------------------------------------------------------------- */

static void
send_clicked_cb (CercleDossierEditor *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;

  if (self->draft == NULL)
    return;
  id = g_strdup (cercle_referral_draft_get_id (self->draft));
  if (!cercle_referral_repo_send (self->db, self->draft, g_settings_get_uint (self->settings, "referral-response-hours"),
                                  &error))
    {
      gtk_label_set_label (self->blocker_label, error->message);
      gtk_widget_add_css_class (GTK_WIDGET (self->blocker_label), "error");
      return;
    }
  g_signal_emit (self, signals[SENT], 0, id);
}

static void
send_action_cb (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  CercleDossierEditor *self = CERCLE_DOSSIER_EDITOR (widget);

  if (gtk_widget_get_sensitive (GTK_WIDGET (self->send_button)))
    send_clicked_cb (self);
}

/* ---- Building ------------------------------------------------------------ */

static void
build_sections (CercleDossierEditor *self)
{
  gsize n_fields = 0;
  const CercleReferralField *fields = cercle_referral_draft_fields (&n_fields);
  gboolean medical = self->db ? cercle_referral_repo_account_is_medical (self->db) : FALSE;
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->sections_box))) != NULL)
    gtk_box_remove (self->sections_box, child);
  g_hash_table_remove_all (self->field_rows);
  g_hash_table_remove_all (self->section_groups);

  for (gsize s = 0; s < G_N_ELEMENTS (section_codes); s++)
    {
      GtkWidget *group = adw_preferences_group_new ();

      adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), cercle_referral_section_label (section_codes[s]));
      gtk_widget_set_name (group, section_codes[s]);
      /* The server strips the médical volet for the others: the app does
       * not show what they may not read. */
      if (g_str_equal (section_codes[s], CERCLE_REFERRAL_SECTION_MEDICAL) && !medical)
        gtk_widget_set_visible (group, FALSE);
      for (gsize i = 0; i < n_fields; i++)
        {
          GtkWidget *row;
          const char *value;

          if (!g_str_equal (fields[i].section, section_codes[s]))
            continue;
          row = adw_entry_row_new ();
          adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _(fields[i].label));
          gtk_widget_set_name (row, fields[i].key);
          value = cercle_referral_draft_get_field (self->draft, fields[i].key);
          gtk_editable_set_text (GTK_EDITABLE (row), value ? value : "");
          g_object_set_data (G_OBJECT (row), "cercle-field", (gpointer) fields[i].key);
          g_signal_connect (row, "changed", G_CALLBACK (field_changed_cb), self);
          adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);
          g_hash_table_insert (self->field_rows, (gpointer) fields[i].key, row);
        }
      gtk_box_append (self->sections_box, group);
      g_hash_table_insert (self->section_groups, (gpointer) section_codes[s], group);
    }
}

/**
 * cercle_dossier_editor_set_draft:
 * @self: an editor
 * @db: the local store
 * @draft: the draft to edit (saved into @db as it changes)
 */
void
cercle_dossier_editor_set_draft (CercleDossierEditor *self,
                                 CercleDb            *db,
                                 CercleReferralDraft *draft)
{
  const char *type;
  const char *date;
  guint selected = 0;

  g_return_if_fail (CERCLE_IS_DOSSIER_EDITOR (self));

  if (self->draft)
    g_signal_handlers_disconnect_by_data (self->draft, self);
  g_set_object (&self->db, db);
  g_set_object (&self->draft, draft);
  if (draft == NULL)
    return;

  self->loading = TRUE;
  type = cercle_referral_draft_get_orientation_type (draft);
  for (gsize i = 0; type && i < G_N_ELEMENTS (orientation_codes); i++)
    if (g_str_equal (type, orientation_codes[i]))
      selected = i + 1;
  adw_combo_row_set_selected (self->type_row, selected);
  date = cercle_referral_draft_get_wished_date (draft);
  if (date)
    {
      g_auto(GStrv) parts = g_strsplit (date, "-", 3);
      g_autofree char *french = g_strdup_printf ("%s/%s/%s", parts[2], parts[1], parts[0]);

      gtk_editable_set_text (GTK_EDITABLE (self->wished_date_row), french);
    }
  else
    gtk_editable_set_text (GTK_EDITABLE (self->wished_date_row), "");
  build_sections (self);
  self->loading = FALSE;

  g_signal_connect_swapped (draft, "changed", G_CALLBACK (draft_changed_cb), self);
  search_destinations (self);
  update_state (self);
}

/**
 * cercle_dossier_editor_get_draft:
 * @self: an editor
 *
 * Returns: (transfer none) (nullable): the draft being edited
 */
CercleReferralDraft *
cercle_dossier_editor_get_draft (CercleDossierEditor *self)
{
  g_return_val_if_fail (CERCLE_IS_DOSSIER_EDITOR (self), NULL);
  return self->draft;
}

/**
 * cercle_dossier_editor_get_searching:
 * @self: an editor
 *
 * Returns: whether the directory search is running
 */
gboolean
cercle_dossier_editor_get_searching (CercleDossierEditor *self)
{
  g_return_val_if_fail (CERCLE_IS_DOSSIER_EDITOR (self), FALSE);
  return self->searching;
}

/**
 * cercle_dossier_editor_get_field_row:
 * @self: an editor
 * @key: a field key
 *
 * Returns: (transfer none) (nullable): the entry of that field
 */
GtkWidget *
cercle_dossier_editor_get_field_row (CercleDossierEditor *self,
                                     const char          *key)
{
  g_return_val_if_fail (CERCLE_IS_DOSSIER_EDITOR (self), NULL);
  return g_hash_table_lookup (self->field_rows, key);
}

/**
 * cercle_dossier_editor_get_section_group:
 * @self: an editor
 * @section: a volet
 *
 * Returns: (transfer none) (nullable): the group of that volet
 */
GtkWidget *
cercle_dossier_editor_get_section_group (CercleDossierEditor *self,
                                         const char          *section)
{
  g_return_val_if_fail (CERCLE_IS_DOSSIER_EDITOR (self), NULL);
  return g_hash_table_lookup (self->section_groups, section);
}

static void
cercle_dossier_editor_dispose (GObject *object)
{
  CercleDossierEditor *self = (CercleDossierEditor *) object;

  g_cancellable_cancel (self->search_cancellable);
  g_clear_object (&self->search_cancellable);
  if (self->draft)
    g_signal_handlers_disconnect_by_data (self->draft, self);
  g_clear_object (&self->draft);
  g_clear_object (&self->db);
  g_clear_object (&self->directory);
  g_clear_object (&self->settings);
  gtk_widget_dispose_template (GTK_WIDGET (object), CERCLE_TYPE_DOSSIER_EDITOR);

  G_OBJECT_CLASS (cercle_dossier_editor_parent_class)->dispose (object);
}

static void
cercle_dossier_editor_finalize (GObject *object)
{
  CercleDossierEditor *self = (CercleDossierEditor *) object;

  g_hash_table_unref (self->field_rows);
  g_hash_table_unref (self->section_groups);
  G_OBJECT_CLASS (cercle_dossier_editor_parent_class)->finalize (object);
}

static void
cercle_dossier_editor_class_init (CercleDossierEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cercle_dossier_editor_dispose;
  object_class->finalize = cercle_dossier_editor_finalize;

  /**
   * CercleDossierEditor::sent:
   * @referral_id: the ServiceRequest now queued
   *
   * The dossier was sent (queued for the sync service).
   */
  signals[SENT] = g_signal_new ("sent", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class, "/fr/cercle/Cercle/referrals/cercle-dossier-editor.ui");
  gtk_widget_class_bind_template_child (widget_class, CercleDossierEditor, type_row);
  gtk_widget_class_bind_template_child (widget_class, CercleDossierEditor, wished_date_row);
  gtk_widget_class_bind_template_child (widget_class, CercleDossierEditor, sections_box);
  gtk_widget_class_bind_template_child (widget_class, CercleDossierEditor, destinations_group);
  gtk_widget_class_bind_template_child (widget_class, CercleDossierEditor, destinations_list);
  gtk_widget_class_bind_template_child (widget_class, CercleDossierEditor, blocker_label);
  gtk_widget_class_bind_template_child (widget_class, CercleDossierEditor, send_button);
  gtk_widget_class_bind_template_callback (widget_class, type_selected_cb);
  gtk_widget_class_bind_template_callback (widget_class, wished_date_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, send_clicked_cb);

  /* Ctrl+Enter sends, from any field, once the dossier is complete. */
  gtk_widget_class_install_action (widget_class, "editor.send", NULL, send_action_cb);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK, "editor.send", NULL);
}

static void
cercle_dossier_editor_init (CercleDossierEditor *self)
{
  g_autoptr(GtkStringList) types = gtk_string_list_new (NULL);

  self->field_rows = g_hash_table_new (g_str_hash, g_str_equal);
  self->section_groups = g_hash_table_new (g_str_hash, g_str_equal);
  self->settings = g_settings_new ("fr.cercle.Cercle");
  gtk_widget_init_template (GTK_WIDGET (self));

  gtk_string_list_append (types, _("Choose…"));
  for (gsize i = 0; i < G_N_ELEMENTS (orientation_codes); i++)
    gtk_string_list_append (types, cercle_referral_orientation_label (orientation_codes[i]));
  adw_combo_row_set_model (self->type_row, G_LIST_MODEL (types));
}

/**
 * cercle_dossier_editor_new:
 *
 * Returns: (transfer floating): an editor with no draft
 */
GtkWidget *
cercle_dossier_editor_new (void)
{
  return g_object_new (CERCLE_TYPE_DOSSIER_EDITOR, NULL);
}
