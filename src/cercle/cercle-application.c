/* cercle-application.c — the Cercle application
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>

#include "cercle-about.h"
#include "cercle-application.h"
#include "cercle-sync-status.h"
#include "cercle-window.h"

struct _CercleApplication
{
  AdwApplication    parent_instance;

  CercleSyncStatus *sync_status;
};

G_DEFINE_FINAL_TYPE (CercleApplication, cercle_application, ADW_TYPE_APPLICATION)

/* libadwaita 1.2 shows the version in a button with no accessible name: a
 * screen reader says "GtkButton". Found by the label it holds. */
static gboolean
name_version_button (GtkWidget  *widget,
                     const char *version)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *label = gtk_widget_get_first_child (child);

      if (GTK_IS_BUTTON (child) && GTK_IS_LABEL (label)
          && g_strcmp0 (gtk_label_get_label (GTK_LABEL (label)), version) == 0)
        {
          /* Translators: the accessible name of the version in the About window */
          g_autofree char *name = g_strdup_printf (_("Version %s"), version);

          gtk_accessible_update_property (GTK_ACCESSIBLE (child),
                                          GTK_ACCESSIBLE_PROPERTY_LABEL, name,
                                          -1);
          return TRUE;
        }
      if (name_version_button (child, version))
        return TRUE;
    }

  return FALSE;
}

static void
about_action (GSimpleAction *action,
              GVariant      *parameter,
              gpointer       user_data)
{
  GtkApplication *app = user_data;
  const char *developers[] = { _("The Cercle authors"), NULL };
  g_autoptr(GError) error = NULL;
  GtkWidget *about;

  /* Name, summary, developer, website, licence and release notes come from
   * the AppStream file, so the About window and software centres agree. */
  about = cercle_about_window_new_from_metainfo ("/fr/cercle/Cercle/" APP_ID ".metainfo.xml",
                                                 PACKAGE_VERSION, &error);
  if (about == NULL)
    {
      /* The metainfo is compiled in: only a broken build gets here. */
      g_critical ("Cannot read the bundled metainfo: %s", error->message);
      return;
    }
  adw_about_window_set_developers (ADW_ABOUT_WINDOW (about), developers);
  adw_about_window_set_copyright (ADW_ABOUT_WINDOW (about), _("© 2026 The Cercle authors"));
  /* Translators: put your names here, one per line. */
  adw_about_window_set_translator_credits (ADW_ABOUT_WINDOW (about), _("translator-credits"));
  name_version_button (about, PACKAGE_VERSION);
  gtk_window_set_transient_for (GTK_WINDOW (about), gtk_application_get_active_window (app));
  gtk_window_present (GTK_WINDOW (about));
}

static void
quit_action (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  GApplication *app = user_data;
  GList *windows;

  /* Close the windows the way a person would, so they save their state. */
  windows = gtk_application_get_windows (GTK_APPLICATION (app));
  while (windows != NULL)
    {
      GtkWindow *window = windows->data;

      windows = windows->next;
      gtk_window_close (window);
    }
  g_application_quit (app);
}

/* The window, made and shown if need be: an action may come over D-Bus
 * (a notification of cercle-syncd) while no window is open, even before
 * the app was running (D-Bus activation, --gapplication-service). */
static GtkWindow *
present_window (CercleApplication *self)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (window == NULL)
    window = GTK_WINDOW (cercle_window_new (self));
  gtk_window_present (window);
  return window;
}

/* app.open-patient(s) and app.open-referral(s): the default actions of the
 * sync service's notifications, forwarded to the window's win.open-patient
 * and win.open-referral. */
static void
open_in_window_action (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  CercleApplication *self = user_data;
  GtkWindow *window = present_window (self);

  g_action_group_activate_action (G_ACTION_GROUP (window),
                                  g_action_get_name (G_ACTION (action)),
                                  parameter);
}

static const GActionEntry app_actions[] = {
  { .name = "about", .activate = about_action },
  { .name = "quit", .activate = quit_action },
  { .name = "open-patient", .activate = open_in_window_action, .parameter_type = "s" },
  { .name = "open-referral", .activate = open_in_window_action, .parameter_type = "s" },
};

/* CERCLE_STARTUP_PROBE=1: print the monotonic time of the first painted frame
 * of the main window and quit; build-aux/bench-startup.sh compares it with
 * the time it started the process. */
static void
probe_after_paint_cb (GdkFrameClock *frame_clock,
                      GtkWindow     *window)
{
  g_signal_handlers_disconnect_by_func (frame_clock, probe_after_paint_cb, window);
  printf ("first-frame-us %" G_GINT64_FORMAT "\n", g_get_monotonic_time ());
  fflush (stdout);
  g_application_quit (G_APPLICATION (gtk_window_get_application (window)));
}

static void
probe_realize_cb (GtkWidget *window)
{
  g_signal_connect_object (gtk_widget_get_frame_clock (window), "after-paint",
                           G_CALLBACK (probe_after_paint_cb), window, 0);
}

static void
cercle_application_activate (GApplication *app)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (window == NULL)
    {
      window = GTK_WINDOW (cercle_window_new (CERCLE_APPLICATION (app)));
      if (g_getenv ("CERCLE_STARTUP_PROBE") != NULL)
        g_signal_connect (window, "realize", G_CALLBACK (probe_realize_cb), NULL);
    }

  gtk_window_present (window);
}

static void
cercle_application_shutdown (GApplication *app)
{
  CercleApplication *self = CERCLE_APPLICATION (app);

  g_clear_object (&self->sync_status);

  G_APPLICATION_CLASS (cercle_application_parent_class)->shutdown (app);
}

static void
cercle_application_startup (GApplication *app)
{
  static const char * const quit_accels[] = { "<Primary>q", NULL };
  static const char * const patients_accels[] = { "<Alt>1", NULL };
  static const char * const directory_accels[] = { "<Alt>2", NULL };
  static const char * const referrals_accels[] = { "<Alt>3", NULL };

  G_APPLICATION_CLASS (cercle_application_parent_class)->startup (app);

  /* The app icon is bundled too, so the About window shows it from a build
   * tree. */
  gtk_window_set_default_icon_name (APP_ID);

  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions, G_N_ELEMENTS (app_actions), app);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "win.show-page('patients')", patients_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "win.show-page('directory')", directory_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "win.show-page('referrals')", referrals_accels);

  /* Looks for cercle-syncd (activating it) while the window comes up. */
  cercle_application_get_sync_status (CERCLE_APPLICATION (app));
}

/* "cercle --version" answers in the terminal, without opening a window
 * (and without asking a running instance). */
static int
cercle_application_handle_local_options (GApplication *app,
                                         GVariantDict *options)
{
  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("cercle %s\n", PACKAGE_VERSION);
      return 0;
    }
  return -1;
}

static void
cercle_application_class_init (CercleApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  app_class->activate = cercle_application_activate;
  app_class->startup = cercle_application_startup;
  app_class->shutdown = cercle_application_shutdown;
  app_class->handle_local_options = cercle_application_handle_local_options;
}

static void
cercle_application_init (CercleApplication *self)
{
  g_application_add_main_option (G_APPLICATION (self), "version", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_NONE,
                                 _("Print the version and exit"), NULL);
}

/**
 * cercle_application_new:
 *
 * Returns: (transfer full): the application, with the id fr.cercle.Cercle
 */
CercleApplication *
cercle_application_new (void)
{
  return g_object_new (CERCLE_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       "resource-base-path", "/fr/cercle/Cercle",
                       NULL);
}

/**
 * cercle_application_get_sync_status:
 * @self: the application
 *
 * The one view of the sync service (cercle-syncd) that the window and the
 * pages share: bind to its properties, listen to its #CercleSyncStatus::changed
 * signal, call cercle_sync_status_sync_now() after a local change.
 *
 * Returns: (transfer none): the sync status
 */
CercleSyncStatus *
cercle_application_get_sync_status (CercleApplication *self)
{
  g_return_val_if_fail (CERCLE_IS_APPLICATION (self), NULL);

  if (self->sync_status == NULL)
    self->sync_status = cercle_sync_status_new ();
  return self->sync_status;
}
