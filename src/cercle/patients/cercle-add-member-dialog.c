/* cercle-add-member-dialog.c — adding a professional, a structure or a relative to a care circle
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Three kinds of member, one tab each: a professional found by name or RPPS
 * among the practitioners the server knows (synced into the store), a
 * structure of the directory (« SSIAD le plus proche » asks the directory's
 * nearest search for the patient's commune), or a relative with a phone.
 * A refusal (second médecin traitant, bad date, bad phone) keeps the dialog
 * open with its French message; nothing is written.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>

#include "cercle-add-member-dialog.h"
#include "cercle-care-team-repo.h"
#include "cercle-directory.h"
#include "cercle-professional.h"

#define CATEGORY_SSIAD "354"

struct _CercleAddMemberDialog
{
  AdwWindow parent_instance;

  CercleDb *db;
  CerclePatient *patient;
  CercleDirectory *directory;
  GListModel *pros;
  GListModel *orgs;
  GPtrArray *pro_roles;   /* codes, in the combo's order */
  GPtrArray *org_roles;
  GPtrArray *rel_roles;

  GtkLabel *error_label;
  GtkStack *stack;
  GtkSearchEntry *pro_search;
  GtkListBox *pro_list;
  AdwComboRow *pro_role;
  AdwEntryRow *pro_start;
  GtkSearchEntry *org_search;
  GtkListBox *org_list;
  AdwComboRow *org_role;
  AdwEntryRow *org_start;
  AdwEntryRow *rel_family;
  AdwEntryRow *rel_given;
  AdwEntryRow *rel_phone;
  AdwComboRow *rel_role;
};

G_DEFINE_FINAL_TYPE (CercleAddMemberDialog, cercle_add_member_dialog, ADW_TYPE_WINDOW)

enum {
  SIGNAL_MEMBER_ADDED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
show_error (CercleAddMemberDialog *self,
            const char            *message)
{
  gtk_label_set_label (self->error_label, message ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
}

static void
clear_list (GtkListBox *list)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (list))) != NULL)
    gtk_list_box_remove (list, child);
}

static void
add_row (GtkListBox *list,
         const char *title,
         const char *subtitle)
{
  GtkWidget *row = adw_action_row_new ();
  g_autofree char *accessible = g_strdup_printf ("%s, %s", title, subtitle ? subtitle : "");

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle ? subtitle : "");
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, accessible, -1);
  gtk_list_box_append (list, row);
}

static void
on_pro_search (CercleAddMemberDialog *self)
{
  g_autoptr(GError) error = NULL;

  g_clear_object (&self->pros);
  clear_list (self->pro_list);
  self->pros = cercle_care_team_repo_search_practitioners (self->db, gtk_editable_get_text (GTK_EDITABLE (self->pro_search)),
                                                          30, &error);
  if (self->pros == NULL)
    {
      show_error (self, error->message);
      return;
    }
  for (guint i = 0; i < g_list_model_get_n_items (self->pros); i++)
    {
      g_autoptr(CercleProfessional) pro = g_list_model_get_item (self->pros, i);
      g_autofree char *name = cercle_professional_dup_display_name (pro);
      g_autofree char *rpps = g_strdup_printf (_("RPPS %s"), cercle_professional_get_rpps (pro)
                                                             ? cercle_professional_get_rpps (pro) : "—");
      add_row (self->pro_list, name, rpps);
    }
  if (g_list_model_get_n_items (self->pros) > 0)
    gtk_list_box_select_row (self->pro_list, gtk_list_box_get_row_at_index (self->pro_list, 0));
}

static void
show_structures (CercleAddMemberDialog *self,
                 GListModel            *structures)
{
  g_set_object (&self->orgs, structures);
  clear_list (self->org_list);
  for (guint i = 0; i < g_list_model_get_n_items (structures); i++)
    {
      g_autoptr(CercleStructure) s = g_list_model_get_item (structures, i);
      g_autofree char *subtitle = g_strdup_printf ("%s · %s", cercle_structure_get_category_label (s),
                                                   cercle_structure_get_commune_name (s)
                                                   ? cercle_structure_get_commune_name (s) : "");
      add_row (self->org_list, cercle_structure_get_name (s), subtitle);
    }
  if (g_list_model_get_n_items (structures) > 0)
    gtk_list_box_select_row (self->org_list, gtk_list_box_get_row_at_index (self->org_list, 0));
}

static void
select_role_for_category (CercleAddMemberDialog *self,
                          const char            *category)
{
  const char *role = g_strcmp0 (category, "127") == 0 ? "had"
                     : g_strcmp0 (category, "460") == 0 ? "saad" : "ssiad";

  for (guint i = 0; i < self->org_roles->len; i++)
    if (g_strcmp0 (g_ptr_array_index (self->org_roles, i), role) == 0)
      adw_combo_row_set_selected (self->org_role, i);
}

static void
on_org_search (CercleAddMemberDialog *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GListModel) found = NULL;
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->org_search));

  if (g_utf8_strlen (text, -1) < 2)
    return;
  found = cercle_directory_search_structures (self->directory, text, NULL, 30, &error);
  if (found == NULL)
    {
      show_error (self, error->message);
      return;
    }
  show_error (self, NULL);
  show_structures (self, found);
}

static void
on_nearest_clicked (CercleAddMemberDialog *self)
{
  const char *const categories[] = { CATEGORY_SSIAD, NULL };
  CercleNearestQuery query = {
    .categories = categories,
    .commune_code = cercle_patient_get_commune_code (self->patient),
    .limit = 5,
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(GListModel) found = NULL;

  if (query.commune_code == NULL || *query.commune_code == '\0')
    {
      show_error (self, _("The patient’s file has no commune: add their address to find the nearest SSIAD"));
      return;
    }
  found = cercle_directory_nearest (self->directory, &query, &error);
  if (found == NULL)
    {
      show_error (self, error->message);
      return;
    }
  if (g_list_model_get_n_items (found) == 0)
    {
      show_error (self, _("No SSIAD found near the patient’s commune"));
      return;
    }
  show_error (self, NULL);
  show_structures (self, found);
  select_role_for_category (self, CATEGORY_SSIAD);
  gtk_widget_grab_focus (GTK_WIDGET (gtk_list_box_get_row_at_index (self->org_list, 0)));
}

/* « 12/03/2026 » → « 2026-03-12 »; empty → NULL (today). */
static gboolean
parse_start (AdwEntryRow  *row,
             char        **out,
             GError      **error)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (row));
  int d, m, y;
  char tail;

  *out = NULL;
  if (text == NULL || *text == '\0')
    return TRUE;
  if (sscanf (text, "%d/%d/%d%c", &d, &m, &y, &tail) != 3 || !g_date_valid_dmy (d, m, y))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("The start date must be a real date, written DD/MM/YYYY"));
      return FALSE;
    }
  *out = g_strdup_printf ("%04d-%02d-%02d", y, m, d);
  return TRUE;
}

static const char *
selected_role (AdwComboRow *row,
               GPtrArray   *codes)
{
  guint i = adw_combo_row_get_selected (row);

  return i < codes->len ? g_ptr_array_index (codes, i) : NULL;
}

static gboolean
add_selected (CercleAddMemberDialog  *self,
              GError                **error)
{
  const char *page = gtk_stack_get_visible_child_name (self->stack);
  g_autoptr(CercleCareTeamMember) member = NULL;
  g_autofree char *start = NULL;
  const char *patient_id = cercle_patient_get_id (self->patient);

  if (g_strcmp0 (page, "relative") == 0)
    {
      member = cercle_care_team_repo_add_relative (self->db, patient_id,
                                                   gtk_editable_get_text (GTK_EDITABLE (self->rel_family)),
                                                   gtk_editable_get_text (GTK_EDITABLE (self->rel_given)),
                                                   gtk_editable_get_text (GTK_EDITABLE (self->rel_phone)),
                                                   selected_role (self->rel_role, self->rel_roles), error);
      return member != NULL;
    }

  if (g_strcmp0 (page, "professional") == 0)
    {
      GtkListBoxRow *row = gtk_list_box_get_selected_row (self->pro_list);
      g_autoptr(CercleProfessional) pro = NULL;
      g_autofree char *name = NULL;

      if (row == NULL || self->pros == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, _("Choose a professional in the list"));
          return FALSE;
        }
      if (!parse_start (self->pro_start, &start, error))
        return FALSE;
      pro = g_list_model_get_item (self->pros, gtk_list_box_row_get_index (row));
      name = cercle_professional_dup_display_name (pro);
      member = cercle_care_team_member_new ("Practitioner", cercle_professional_get_id (pro), name,
                                            selected_role (self->pro_role, self->pro_roles));
    }
  else
    {
      GtkListBoxRow *row = gtk_list_box_get_selected_row (self->org_list);
      g_autoptr(CercleStructure) s = NULL;
      g_autofree char *id = NULL;

      if (row == NULL || self->orgs == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, _("Choose a structure in the list"));
          return FALSE;
        }
      if (!parse_start (self->org_start, &start, error))
        return FALSE;
      s = g_list_model_get_item (self->orgs, gtk_list_box_row_get_index (row));
      /* The server names a directory structure's Organization after its FINESS. */
      id = g_strdup_printf ("org-%s", cercle_structure_get_finess (s));
      member = cercle_care_team_member_new ("Organization", id, cercle_structure_get_name (s),
                                            selected_role (self->org_role, self->org_roles));
    }
  if (start)
    g_object_set (member, "start", start, NULL);
  return cercle_care_team_repo_add_member (self->db, patient_id, member, error);
}

static void
add_action (GtkWidget  *widget,
            const char *action_name,
            GVariant   *parameter)
{
  CercleAddMemberDialog *self = CERCLE_ADD_MEMBER_DIALOG (widget);
  g_autoptr(GError) error = NULL;

  if (!add_selected (self, &error))
    {
      show_error (self, error->message);
      return;
    }
  g_signal_emit (self, signals[SIGNAL_MEMBER_ADDED], 0);
  gtk_window_close (GTK_WINDOW (self));
}

static void
fill_roles (AdwComboRow *row,
            GPtrArray   *codes,
            const char  *member_type,
            gboolean     or_any)
{
  g_autoptr(GtkStringList) labels = gtk_string_list_new (NULL);
  const CercleCareTeamRole *roles;
  gsize n;

  roles = cercle_care_team_roles (&n);
  for (gsize i = 0; i < n; i++)
    if (g_strcmp0 (roles[i].member_type, member_type) == 0 || (or_any && roles[i].member_type == NULL))
      {
        g_ptr_array_add (codes, (gpointer) roles[i].code);
        gtk_string_list_append (labels, cercle_care_team_role_label (roles[i].code));
      }
  adw_combo_row_set_model (row, G_LIST_MODEL (labels));
}

static void
cercle_add_member_dialog_dispose (GObject *object)
{
  CercleAddMemberDialog *self = CERCLE_ADD_MEMBER_DIALOG (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), CERCLE_TYPE_ADD_MEMBER_DIALOG);
  g_clear_object (&self->db);
  g_clear_object (&self->patient);
  g_clear_object (&self->directory);
  g_clear_object (&self->pros);
  g_clear_object (&self->orgs);
  g_clear_pointer (&self->pro_roles, g_ptr_array_unref);
  g_clear_pointer (&self->org_roles, g_ptr_array_unref);
  g_clear_pointer (&self->rel_roles, g_ptr_array_unref);

  G_OBJECT_CLASS (cercle_add_member_dialog_parent_class)->dispose (object);
}

static void
cercle_add_member_dialog_class_init (CercleAddMemberDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cercle_add_member_dialog_dispose;

  /* A member was added and saved. */
  signals[SIGNAL_MEMBER_ADDED] = g_signal_new ("member-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                               0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/fr/cercle/Cercle/patients/cercle-add-member-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, CercleAddMemberDialog, error_label);
  gtk_widget_class_bind_template_child (widget_class, CercleAddMemberDialog, stack);
  gtk_widget_class_bind_template_child (widget_class, CercleAddMemberDialog, pro_search);
  gtk_widget_class_bind_template_child (widget_class, CercleAddMemberDialog, pro_list);
  gtk_widget_class_bind_template_child (widget_class, CercleAddMemberDialog, pro_role);
  gtk_widget_class_bind_template_child (widget_class, CercleAddMemberDialog, pro_start);
  gtk_widget_class_bind_template_child (widget_class, CercleAddMemberDialog, org_search);
  gtk_widget_class_bind_template_child (widget_class, CercleAddMemberDialog, org_list);
  gtk_widget_class_bind_template_child (widget_class, CercleAddMemberDialog, org_role);
  gtk_widget_class_bind_template_child (widget_class, CercleAddMemberDialog, org_start);
  gtk_widget_class_bind_template_child (widget_class, CercleAddMemberDialog, rel_family);
  gtk_widget_class_bind_template_child (widget_class, CercleAddMemberDialog, rel_given);
  gtk_widget_class_bind_template_child (widget_class, CercleAddMemberDialog, rel_phone);
  gtk_widget_class_bind_template_child (widget_class, CercleAddMemberDialog, rel_role);
  gtk_widget_class_bind_template_callback (widget_class, on_pro_search);
  gtk_widget_class_bind_template_callback (widget_class, on_org_search);
  gtk_widget_class_bind_template_callback (widget_class, on_nearest_clicked);

  gtk_widget_class_install_action (widget_class, "member.add", NULL, add_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
cercle_add_member_dialog_init (CercleAddMemberDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->pro_roles = g_ptr_array_new ();
  self->org_roles = g_ptr_array_new ();
  self->rel_roles = g_ptr_array_new ();
  fill_roles (self->pro_role, self->pro_roles, "Practitioner", TRUE);
  fill_roles (self->org_role, self->org_roles, "Organization", TRUE);
  fill_roles (self->rel_role, self->rel_roles, "RelatedPerson", FALSE);
}

/**
 * cercle_add_member_dialog_new:
 * @parent: the window it belongs to
 * @db: the local store
 * @patient: the patient whose circle grows
 *
 * Returns: (transfer none): the dialog, to present
 */
GtkWidget *
cercle_add_member_dialog_new (GtkWindow     *parent,
                              CercleDb      *db,
                              CerclePatient *patient)
{
  CercleAddMemberDialog *self;

  g_return_val_if_fail (CERCLE_IS_DB (db), NULL);
  g_return_val_if_fail (CERCLE_IS_PATIENT (patient), NULL);

  self = g_object_new (CERCLE_TYPE_ADD_MEMBER_DIALOG, "transient-for", parent, NULL);
  self->db = g_object_ref (db);
  self->patient = g_object_ref (patient);
  self->directory = cercle_directory_new (cercle_db_get_path (db));
  on_pro_search (self);
  return GTK_WIDGET (self);
}
