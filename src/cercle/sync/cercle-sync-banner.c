/* cercle-sync-banner.c — the sync state that needs attention, above a page
 *
 * libadwaita 1.2 has no AdwBanner: a GtkRevealer holding a bar, as GNOME
 * apps of that time did (Nautilus, Software), slides down when the service
 * says something the user should know or act on:
 *
 *   offline        « Hors connexion — les modifications seront envoyées au
 *                    retour du réseau »
 *   auth-required  the session ended, with « Se reconnecter »
 *   error          the service's French message, with « Réessayer »
 *   signed-out     nobody signed in, with « Se connecter »
 *
 * and hides otherwise, or when there is no service at all (everything
 * stays local then, which is not an incident). The buttons activate the
 * window's win.sign-in and win.sync-now.
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "cercle-sync-banner.h"

struct _CercleSyncBanner
{
  AdwBin            parent_instance;

  CercleSyncStatus *status;

  GtkRevealer      *revealer;
  GtkLabel         *label;
  GtkButton        *button;
};

G_DEFINE_FINAL_TYPE (CercleSyncBanner, cercle_sync_banner, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_STATUS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
show (CercleSyncBanner *self,
      const char       *style,
      const char       *text,
      const char       *button_label,
      const char       *action)
{
  GtkWidget *bar = gtk_revealer_get_child (self->revealer);

  gtk_widget_remove_css_class (bar, "warning");
  gtk_widget_remove_css_class (bar, "error");
  if (style != NULL)
    gtk_widget_add_css_class (bar, style);

  gtk_label_set_text (self->label, text);
  gtk_widget_set_visible (GTK_WIDGET (self->button), button_label != NULL);
  if (button_label != NULL)
    {
      gtk_button_set_label (self->button, button_label);
      gtk_actionable_set_action_name (GTK_ACTIONABLE (self->button), action);
    }
  gtk_revealer_set_reveal_child (self->revealer, TRUE);
}

static void
update (CercleSyncBanner *self)
{
  const char *state;

  if (self->status == NULL || !cercle_sync_status_get_available (self->status))
    {
      gtk_revealer_set_reveal_child (self->revealer, FALSE);
      return;
    }

  state = cercle_sync_status_get_state (self->status);
  if (g_strcmp0 (state, "offline") == 0)
    show (self, NULL, _("Offline — changes will be sent when the network is back"), NULL, NULL);
  else if (g_strcmp0 (state, "auth-required") == 0)
    show (self, "warning", _("Your session has ended: sign in again to send and receive changes"),
          _("Sign In Again"), "win.sign-in");
  else if (g_strcmp0 (state, "error") == 0)
    {
      const char *message = cercle_sync_status_get_last_error (self->status);
      /* Translators: %s is the sync service's French message */
      g_autofree char *text = g_strdup_printf (_("Sync failed: %s"),
                                               message[0] != '\0' ? message : _("unknown error"));

      show (self, "error", text, _("Retry"), "win.sync-now");
    }
  else if (g_strcmp0 (state, "signed-out") == 0
           && cercle_sync_status_get_last_error (self->status)[0] != '\0')
    /* Signed out by the server (a disabled account): its own words, which
     * say that the patient files left this computer. */
    show (self, "warning", cercle_sync_status_get_last_error (self->status), _("Sign In"), "win.sign-in");
  else if (g_strcmp0 (state, "signed-out") == 0)
    show (self, NULL, _("You are not signed in: your data stay on this computer"),
          _("Sign In"), "win.sign-in");
  else
    gtk_revealer_set_reveal_child (self->revealer, FALSE);
}

/* The bar's colours, once per display. */
static void
load_css (GtkWidget *widget)
{
  GdkDisplay *display = gtk_widget_get_display (widget);
  g_autoptr(GtkCssProvider) provider = NULL;

  if (g_object_get_data (G_OBJECT (display), "cercle-sync-css") != NULL)
    return;
  provider = gtk_css_provider_new ();
  gtk_css_provider_load_from_resource (provider, "/fr/cercle/Cercle/sync/cercle-sync.css");
  gtk_style_context_add_provider_for_display (display, GTK_STYLE_PROVIDER (provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  g_object_set_data (G_OBJECT (display), "cercle-sync-css", GINT_TO_POINTER (TRUE));
}

static void
cercle_sync_banner_dispose (GObject *object)
{
  CercleSyncBanner *self = CERCLE_SYNC_BANNER (object);

  cercle_sync_banner_set_status (self, NULL);
  /* AdwBin holds the template's child too: it lets go first. */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), CERCLE_TYPE_SYNC_BANNER);

  G_OBJECT_CLASS (cercle_sync_banner_parent_class)->dispose (object);
}

static void
cercle_sync_banner_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  CercleSyncBanner *self = CERCLE_SYNC_BANNER (object);

  switch (prop_id)
    {
    case PROP_STATUS:
      g_value_set_object (value, self->status);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cercle_sync_banner_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  CercleSyncBanner *self = CERCLE_SYNC_BANNER (object);

  switch (prop_id)
    {
    case PROP_STATUS:
      cercle_sync_banner_set_status (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cercle_sync_banner_class_init (CercleSyncBannerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cercle_sync_banner_dispose;
  object_class->get_property = cercle_sync_banner_get_property;
  object_class->set_property = cercle_sync_banner_set_property;

  properties[PROP_STATUS] =
    g_param_spec_object ("status", NULL, NULL, CERCLE_TYPE_SYNC_STATUS,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/fr/cercle/Cercle/sync/cercle-sync-banner.ui");
  gtk_widget_class_bind_template_child (widget_class, CercleSyncBanner, revealer);
  gtk_widget_class_bind_template_child (widget_class, CercleSyncBanner, label);
  gtk_widget_class_bind_template_child (widget_class, CercleSyncBanner, button);
}

static void
cercle_sync_banner_init (CercleSyncBanner *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  load_css (GTK_WIDGET (self));
}

CercleSyncStatus *
cercle_sync_banner_get_status (CercleSyncBanner *self)
{
  g_return_val_if_fail (CERCLE_IS_SYNC_BANNER (self), NULL);

  return self->status;
}

/**
 * cercle_sync_banner_set_status:
 * @self: a sync banner
 * @status: (nullable): the sync service's state to show
 */
void
cercle_sync_banner_set_status (CercleSyncBanner *self,
                               CercleSyncStatus *status)
{
  g_return_if_fail (CERCLE_IS_SYNC_BANNER (self));
  g_return_if_fail (status == NULL || CERCLE_IS_SYNC_STATUS (status));

  if (self->status == status)
    return;
  if (self->status != NULL)
    g_signal_handlers_disconnect_by_data (self->status, self);
  g_set_object (&self->status, status);
  if (status != NULL)
    {
      /* Everything the banner shows; each notify is one property change
       * the service published, never a poll. */
      g_signal_connect_swapped (status, "notify::available", G_CALLBACK (update), self);
      g_signal_connect_swapped (status, "notify::state", G_CALLBACK (update), self);
      g_signal_connect_swapped (status, "notify::last-error", G_CALLBACK (update), self);
    }
  update (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS]);
}
