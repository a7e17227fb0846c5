/* cercle-care-circle-view.c — the care circle on the patient page
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Present members with their role and start date, each with « Terminer »
 * (`patient.end-member`, target "TYPE/ID role"); past members stay visible
 * under « Anciens membres », with their dates. « Ajouter un membre » opens
 * the add dialog (`patient.add-member`).
 */
#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>

#include "cercle-care-circle-view.h"
#include "cercle-care-team-member.h"

struct _CercleCareCircleView
{
  GtkBox parent_instance;

  AdwPreferencesGroup *group;
  AdwPreferencesGroup *past_group;
  GPtrArray *rows;        /* what was added to the groups, to remove it */
  GPtrArray *past_rows;
  GHashTable *phones;     /* RelatedPerson id → phone, or NULL */
};

G_DEFINE_FINAL_TYPE (CercleCareCircleView, cercle_care_circle_view, GTK_TYPE_BOX)

static void
cercle_care_circle_view_finalize (GObject *object)
{
  CercleCareCircleView *self = CERCLE_CARE_CIRCLE_VIEW (object);

  g_ptr_array_unref (self->rows);
  g_ptr_array_unref (self->past_rows);
  g_clear_pointer (&self->phones, g_hash_table_unref);
  G_OBJECT_CLASS (cercle_care_circle_view_parent_class)->finalize (object);
}

static void
cercle_care_circle_view_class_init (CercleCareCircleViewClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cercle_care_circle_view_finalize;
}

static void
cercle_care_circle_view_init (CercleCareCircleView *self)
{
  GtkWidget *add = gtk_button_new_from_icon_name ("list-add-symbolic");

  gtk_orientable_set_orientation (GTK_ORIENTABLE (self), GTK_ORIENTATION_VERTICAL);
  gtk_box_set_spacing (GTK_BOX (self), 12);
  self->rows = g_ptr_array_new ();
  self->past_rows = g_ptr_array_new ();

  self->group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_group_set_title (self->group, _("Care Circle"));
  gtk_widget_add_css_class (add, "flat");
  gtk_widget_set_valign (add, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (add, _("Add a Member"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (add), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Add a Member"), -1);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (add), "patient.add-member");
  gtk_widget_set_name (add, "add-member");
  adw_preferences_group_set_header_suffix (self->group, add);
  gtk_box_append (GTK_BOX (self), GTK_WIDGET (self->group));

  self->past_group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_group_set_title (self->past_group, _("Former Members"));
  gtk_widget_set_visible (GTK_WIDGET (self->past_group), FALSE);
  gtk_box_append (GTK_BOX (self), GTK_WIDGET (self->past_group));
}

GtkWidget *
cercle_care_circle_view_new (void)
{
  return g_object_new (CERCLE_TYPE_CARE_CIRCLE_VIEW, NULL);
}

static char *
french_date (const char *iso)
{
  int y, m, d;

  if (iso == NULL || sscanf (iso, "%4d-%2d-%2d", &y, &m, &d) != 3)
    return g_strdup ("?");
  return g_strdup_printf ("%02d/%02d/%04d", d, m, y);
}

static const char *
member_icon (CercleCareTeamMember *member)
{
  const char *type = cercle_care_team_member_get_member_type (member);

  if (g_strcmp0 (type, "Organization") == 0)
    return "go-home-symbolic";
  if (g_strcmp0 (type, "RelatedPerson") == 0)
    return "system-users-symbolic";
  return "avatar-default-symbolic";
}

static void
clear (AdwPreferencesGroup *group,
       GPtrArray           *rows)
{
  for (guint i = 0; i < rows->len; i++)
    adw_preferences_group_remove (group, g_ptr_array_index (rows, i));
  g_ptr_array_set_size (rows, 0);
}

/**
 * cercle_care_circle_member_key:
 * @member: a member
 *
 * What the « Terminer » button names its member by (`patient.end-member`):
 * "TYPE/ID ROLE", the role empty for a member without one.
 *
 * Returns: (transfer full): the key
 */
char *
cercle_care_circle_member_key (CercleCareTeamMember *member)
{
  const char *role = cercle_care_team_member_get_role_code (member);

  return g_strdup_printf ("%s/%s %s", cercle_care_team_member_get_member_type (member),
                          cercle_care_team_member_get_member_id (member), role ? role : "");
}

/**
 * cercle_care_circle_view_set_phones:
 * @self: the view
 * @phones: (nullable) (element-type utf8 utf8): RelatedPerson id → phone
 *
 * The relatives' phone numbers, shown beside them at the next
 * cercle_care_circle_view_set_members().
 */
void
cercle_care_circle_view_set_phones (CercleCareCircleView *self,
                                    GHashTable           *phones)
{
  g_return_if_fail (CERCLE_IS_CARE_CIRCLE_VIEW (self));

  g_clear_pointer (&self->phones, g_hash_table_unref);
  if (phones)
    self->phones = g_hash_table_ref (phones);
}

/**
 * cercle_care_circle_view_set_members:
 * @self: the view
 * @members: (element-type CercleCareTeamMember): every member, present and past
 */
void
cercle_care_circle_view_set_members (CercleCareCircleView *self,
                                     GPtrArray            *members)
{
  guint n_active = 0;

  g_return_if_fail (CERCLE_IS_CARE_CIRCLE_VIEW (self));

  clear (self->group, self->rows);
  clear (self->past_group, self->past_rows);

  for (guint i = 0; members != NULL && i < members->len; i++)
    {
      CercleCareTeamMember *m = g_ptr_array_index (members, i);
      g_autofree char *start = french_date (cercle_care_team_member_get_start (m));
      g_autofree char *subtitle = NULL;
      GtkWidget *row = adw_action_row_new ();
      gboolean past = cercle_care_team_member_get_end (m) != NULL;

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), cercle_care_team_member_get_display (m));
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), gtk_image_new_from_icon_name (member_icon (m)));
      if (past)
        {
          g_autofree char *end = french_date (cercle_care_team_member_get_end (m));
          /* TRANSLATORS: role, then the dates of a past membership */
          subtitle = g_strdup_printf (_("%s · from %s to %s"), cercle_care_team_member_get_role_label (m), start, end);
        }
      else
        {
          g_autofree char *target = cercle_care_circle_member_key (m);
          g_autofree char *end_name = g_strdup_printf (_("End the membership of %s"),
                                                       cercle_care_team_member_get_display (m));
          GtkWidget *end = gtk_button_new_with_label (_("End"));

          const char *phone = self->phones && g_strcmp0 (cercle_care_team_member_get_member_type (m), "RelatedPerson") == 0
                              ? g_hash_table_lookup (self->phones, cercle_care_team_member_get_member_id (m)) : NULL;

          if (phone != NULL)
            /* TRANSLATORS: role, the date a relative entered the circle, their phone */
            subtitle = g_strdup_printf (_("%s · since %s · %s"), cercle_care_team_member_get_role_label (m), start, phone);
          else
            /* TRANSLATORS: role, then the date a member entered the circle */
            subtitle = g_strdup_printf (_("%s · since %s"), cercle_care_team_member_get_role_label (m), start);
          gtk_widget_set_valign (end, GTK_ALIGN_CENTER);
          gtk_widget_add_css_class (end, "flat");
          gtk_actionable_set_action_name (GTK_ACTIONABLE (end), "patient.end-member");
          gtk_actionable_set_action_target (GTK_ACTIONABLE (end), "s", target);
          gtk_accessible_update_property (GTK_ACCESSIBLE (end), GTK_ACCESSIBLE_PROPERTY_LABEL, end_name, -1);
          gtk_widget_set_tooltip_text (end, end_name);
          adw_action_row_add_suffix (ADW_ACTION_ROW (row), end);
          n_active++;
        }
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      adw_preferences_group_add (past ? self->past_group : self->group, row);
      g_ptr_array_add (past ? self->past_rows : self->rows, row);
    }

  if (n_active == 0)
    {
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Nobody in the care circle yet"));
      gtk_widget_add_css_class (row, "dim-label");
      adw_preferences_group_add (self->group, row);
      g_ptr_array_add (self->rows, row);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->past_group), self->past_rows->len > 0);
}
