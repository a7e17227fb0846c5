/* cercle-window.c — the main window: a sidebar of sections and their pages
 *
 * An AdwLeaflet holds the sidebar (a GtkListBox, one row per section) and a
 * GtkStack of pages. The window knows each page only by its type in
 * cercle-window.ui, so a page can be rewritten without touching this file.
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "cercle-directory-page.h"
#include "cercle-patients-page.h"
#include "cercle-referrals-page.h"
#include "cercle-sign-in-dialog.h"
#include "cercle-sign-out-dialog.h"
#include "cercle-sync-banner.h"
#include "cercle-sync-indicator.h"
#include "cercle-window.h"

struct _CercleWindow
{
  AdwApplicationWindow  parent_instance;

  GSettings            *settings;
  CercleSyncStatus     *sync_status;
  GBinding             *sync_bindings[3];

  AdwLeaflet           *leaflet;
  GtkListBox           *sidebar;
  GtkListBoxRow        *patients_row;
  GtkListBoxRow        *directory_row;
  GtkListBoxRow        *referrals_row;
  GtkStack             *stack;
  AdwWindowTitle       *content_title;
  GtkWidget            *patients_page;
  GtkWidget            *referrals_page;
  CercleSyncBanner     *sync_banner;
  CercleSyncIndicator  *sync_indicator;
};

G_DEFINE_FINAL_TYPE (CercleWindow, cercle_window, ADW_TYPE_APPLICATION_WINDOW)

/* The order of the sidebar rows. */
static const char * const page_names[] = { "patients", "directory", "referrals" };

static GtkListBoxRow *
row_for_page (CercleWindow *self,
              const char   *name)
{
  if (g_strcmp0 (name, "patients") == 0)
    return self->patients_row;
  if (g_strcmp0 (name, "directory") == 0)
    return self->directory_row;
  if (g_strcmp0 (name, "referrals") == 0)
    return self->referrals_row;
  return NULL;
}

static void
sidebar_row_activated_cb (CercleWindow  *self,
                          GtkListBoxRow *row)
{
  int index = gtk_list_box_row_get_index (row);

  g_assert (index >= 0 && index < (int) G_N_ELEMENTS (page_names));
  gtk_stack_set_visible_child_name (self->stack, page_names[index]);

  /* Folded (narrow window), the sidebar covers the page: show the page. */
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_FORWARD);
}

/* Arrows in the sidebar select a row without activating it: the page
 * follows, so the highlighted section is the one shown. */
static void
sidebar_row_selected_cb (CercleWindow  *self,
                         GtkListBoxRow *row)
{
  int index = row ? gtk_list_box_row_get_index (row) : -1;

  if (index >= 0 && index < (int) G_N_ELEMENTS (page_names))
    gtk_stack_set_visible_child_name (self->stack, page_names[index]);
}

static void
stack_visible_child_cb (CercleWindow *self)
{
  GtkWidget *child = gtk_stack_get_visible_child (self->stack);
  GtkStackPage *page;

  if (child == NULL)
    return;

  page = gtk_stack_get_page (self->stack, child);
  adw_window_title_set_title (self->content_title, gtk_stack_page_get_title (page));

  /* Keep the sidebar in step when the page changes by a shortcut. */
  gtk_list_box_select_row (self->sidebar,
                           row_for_page (self, gtk_stack_page_get_name (page)));
}

static void
show_page_action (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       user_data)
{
  CercleWindow *self = user_data;

  cercle_window_set_page (self, g_variant_get_string (parameter, NULL));
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_FORWARD);
}

static void
go_back_action (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  CercleWindow *self = user_data;

  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
}

/* Shows PAGE and hands ID to the page's own action (patients.open,
 * referrals.open, referrals.new: installed by the page's class). A page
 * without it only shows. */
static void
open_in_page (CercleWindow *self,
              const char   *page,
              GtkWidget    *page_widget,
              const char   *page_action,
              GVariant     *id)
{
  cercle_window_set_page (self, page);
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_FORWARD);
  if (!gtk_widget_activate_action_variant (page_widget, page_action, id))
    g_debug ("The %s page has no %s action", page, page_action);
}

static void
open_patient_action (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       user_data)
{
  CercleWindow *self = user_data;

  open_in_page (self, "patients", self->patients_page, "patients.open", parameter);
}

static void
open_referral_action (GSimpleAction *action,
                      GVariant      *parameter,
                      gpointer       user_data)
{
  CercleWindow *self = user_data;

  open_in_page (self, "referrals", self->referrals_page, "referrals.open", parameter);
}

static void
new_referral_action (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       user_data)
{
  CercleWindow *self = user_data;

  open_in_page (self, "referrals", self->referrals_page, "referrals.new", parameter);
}

static void
sign_in_action (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  CercleWindow *self = user_data;

  gtk_window_present (GTK_WINDOW (cercle_sign_in_dialog_new (GTK_WINDOW (self), self->sync_status)));
}

static void
sign_out_action (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  CercleWindow *self = user_data;

  gtk_window_present (GTK_WINDOW (cercle_sign_out_dialog_new (GTK_WINDOW (self), self->sync_status)));
}

static void
sync_now_action (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  CercleWindow *self = user_data;

  cercle_sync_status_sync_now (self->sync_status);
}

static const GActionEntry win_actions[] = {
  { .name = "show-page", .activate = show_page_action, .parameter_type = "s" },
  { .name = "go-back", .activate = go_back_action },
  { .name = "open-patient", .activate = open_patient_action, .parameter_type = "s" },
  { .name = "open-referral", .activate = open_referral_action, .parameter_type = "s" },
  { .name = "new-referral", .activate = new_referral_action, .parameter_type = "s" },
  { .name = "sign-in", .activate = sign_in_action },
  { .name = "sign-out", .activate = sign_out_action },
  { .name = "sync-now", .activate = sync_now_action },
};

/* The sync actions are there when they make sense: the menu hides the
 * others (hidden-when="action-disabled"). */
static void
bind_sync_actions (CercleWindow *self)
{
  static const struct { const char *action; const char *property; } bindings[] = {
    { "sign-in", "can-sign-in" },
    { "sign-out", "signed-in" },
    { "sync-now", "can-sync" },
  };

  G_STATIC_ASSERT (G_N_ELEMENTS (bindings) == G_N_ELEMENTS (self->sync_bindings));
  for (guint i = 0; i < G_N_ELEMENTS (bindings); i++)
    self->sync_bindings[i] =
      g_object_bind_property (self->sync_status, bindings[i].property,
                              g_action_map_lookup_action (G_ACTION_MAP (self), bindings[i].action), "enabled",
                              G_BINDING_SYNC_CREATE);
  cercle_sync_banner_set_status (self->sync_banner, self->sync_status);
  cercle_sync_indicator_set_status (self->sync_indicator, self->sync_status);
}

static gboolean
cercle_window_close_request (GtkWindow *window)
{
  CercleWindow *self = CERCLE_WINDOW (window);
  int width, height;

  /* The size to restore is the unmaximized one, which GTK keeps as the
   * default size. */
  gtk_window_get_default_size (window, &width, &height);
  g_settings_delay (self->settings);
  g_settings_set_int (self->settings, "window-width", width);
  g_settings_set_int (self->settings, "window-height", height);
  g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (window));
  g_settings_apply (self->settings);

  return GTK_WINDOW_CLASS (cercle_window_parent_class)->close_request (window);
}

static void
cercle_window_dispose (GObject *object)
{
  CercleWindow *self = CERCLE_WINDOW (object);

  /* The status outlives the window: its bindings to our actions must not. */
  for (guint i = 0; i < G_N_ELEMENTS (self->sync_bindings); i++)
    if (self->sync_bindings[i] != NULL)
      {
        g_binding_unbind (self->sync_bindings[i]);
        self->sync_bindings[i] = NULL;
      }
  gtk_widget_dispose_template (GTK_WIDGET (self), CERCLE_TYPE_WINDOW);
  g_clear_object (&self->settings);
  g_clear_object (&self->sync_status);

  G_OBJECT_CLASS (cercle_window_parent_class)->dispose (object);
}

static void
cercle_window_class_init (CercleWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = cercle_window_dispose;
  window_class->close_request = cercle_window_close_request;

  /* The pages are only named in the template: make sure their types exist. */
  g_type_ensure (CERCLE_TYPE_PATIENTS_PAGE);
  g_type_ensure (CERCLE_TYPE_DIRECTORY_PAGE);
  g_type_ensure (CERCLE_TYPE_REFERRALS_PAGE);
  g_type_ensure (CERCLE_TYPE_SYNC_BANNER);
  g_type_ensure (CERCLE_TYPE_SYNC_INDICATOR);

  gtk_widget_class_set_template_from_resource (widget_class, "/fr/cercle/Cercle/cercle-window.ui");
  gtk_widget_class_bind_template_child (widget_class, CercleWindow, leaflet);
  gtk_widget_class_bind_template_child (widget_class, CercleWindow, sidebar);
  gtk_widget_class_bind_template_child (widget_class, CercleWindow, patients_row);
  gtk_widget_class_bind_template_child (widget_class, CercleWindow, directory_row);
  gtk_widget_class_bind_template_child (widget_class, CercleWindow, referrals_row);
  gtk_widget_class_bind_template_child (widget_class, CercleWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, CercleWindow, content_title);
  gtk_widget_class_bind_template_child (widget_class, CercleWindow, patients_page);
  gtk_widget_class_bind_template_child (widget_class, CercleWindow, referrals_page);
  gtk_widget_class_bind_template_child (widget_class, CercleWindow, sync_banner);
  gtk_widget_class_bind_template_child (widget_class, CercleWindow, sync_indicator);
  gtk_widget_class_bind_template_callback (widget_class, sidebar_row_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, sidebar_row_selected_cb);
  gtk_widget_class_bind_template_callback (widget_class, stack_visible_child_cb);
}

static void
cercle_window_init (CercleWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  g_action_map_add_action_entries (G_ACTION_MAP (self), win_actions, G_N_ELEMENTS (win_actions), self);

  self->settings = g_settings_new (APP_ID);
  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));

  stack_visible_child_cb (self);
}

/* GTK 4.8 gives the search button of the shortcuts window no accessible
 * name: a screen reader says "GtkImage". Found by its icon. */
static gboolean
name_shortcuts_search (GtkWidget *widget)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_TOGGLE_BUTTON (child)
          && g_strcmp0 (gtk_button_get_icon_name (GTK_BUTTON (child)), "edit-find-symbolic") == 0)
        {
          gtk_accessible_update_property (GTK_ACCESSIBLE (child),
                                          GTK_ACCESSIBLE_PROPERTY_LABEL, _("Search Shortcuts"),
                                          -1);
          return TRUE;
        }
      if (name_shortcuts_search (child))
        return TRUE;
    }

  return FALSE;
}

/**
 * cercle_window_new:
 * @application: the application the window belongs to
 *
 * Returns: (transfer full): a new main window, on the first page
 */
CercleWindow *
cercle_window_new (CercleApplication *application)
{
  CercleWindow *self;
  GtkShortcutsWindow *help_overlay;

  g_return_val_if_fail (CERCLE_IS_APPLICATION (application), NULL);

  self = g_object_new (CERCLE_TYPE_WINDOW, "application", application, NULL);
  self->sync_status = g_object_ref (cercle_application_get_sync_status (application));
  bind_sync_actions (self);
  /* The application has given the window its help overlay by now. */
  help_overlay = gtk_application_window_get_help_overlay (GTK_APPLICATION_WINDOW (self));
  if (help_overlay != NULL)
    name_shortcuts_search (GTK_WIDGET (help_overlay));

  return self;
}

/**
 * cercle_window_get_page:
 * @self: a main window
 *
 * Returns: the name of the page shown: "patients", "directory" or "referrals"
 */
const char *
cercle_window_get_page (CercleWindow *self)
{
  g_return_val_if_fail (CERCLE_IS_WINDOW (self), NULL);

  return gtk_stack_get_visible_child_name (self->stack);
}

/**
 * cercle_window_set_page:
 * @self: a main window
 * @name: "patients", "directory" or "referrals"
 *
 * Shows a page and selects its row in the sidebar.
 */
void
cercle_window_set_page (CercleWindow *self,
                        const char   *name)
{
  g_return_if_fail (CERCLE_IS_WINDOW (self));
  g_return_if_fail (row_for_page (self, name) != NULL);

  gtk_stack_set_visible_child_name (self->stack, name);
}
