/* cercle-sync-indicator.c — the sync state at the foot of the sidebar
 *
 * Always there, quietly: where the data stand (« Synchronisé », « Hors
 * connexion », …), when the last round ended (« il y a 2 min »), how many
 * changes wait to be sent, and a button for a round now. Every change comes
 * from a property the service published; the only timer rewrites the
 * relative time (« il y a 2 min » becomes « il y a 3 min »), and runs only
 * while the indicator is on screen.
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "cercle-sync-indicator.h"

/* Often enough for minutes to tick on time. */
#define RELATIVE_TIME_REFRESH_S 20

struct _CercleSyncIndicator
{
  AdwBin            parent_instance;

  CercleSyncStatus *status;
  guint             tick_id;

  GtkImage         *icon;
  GtkLabel         *state_label;
  GtkLabel         *last_sync_label;
  GtkLabel         *pending_label;
  GtkButton        *sync_button;
};

G_DEFINE_FINAL_TYPE (CercleSyncIndicator, cercle_sync_indicator, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_STATUS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
set_line (GtkLabel   *label,
          const char *text)
{
  gtk_widget_set_visible (GTK_WIDGET (label), text != NULL);
  gtk_label_set_text (label, text != NULL ? text : "");
}

static void
update (CercleSyncIndicator *self)
{
  CercleSyncStatus *status = self->status;
  const char *state;
  const char *text;
  const char *icon;
  g_autofree char *last_sync = NULL;
  g_autofree char *pending = NULL;

  if (status == NULL || !cercle_sync_status_get_available (status))
    {
      /* Not an error: a computer without the service keeps its data. */
      gtk_image_set_from_icon_name (self->icon, "computer-symbolic");
      gtk_label_set_text (self->state_label, _("On this computer only"));
      set_line (self->last_sync_label, NULL);
      set_line (self->pending_label, NULL);
      gtk_widget_set_visible (GTK_WIDGET (self->sync_button), FALSE);
      return;
    }

  state = cercle_sync_status_get_state (status);
  if (g_strcmp0 (state, "idle") == 0)
    text = _("Synced"), icon = "emblem-ok-symbolic";
  else if (g_strcmp0 (state, "syncing") == 0)
    text = _("Syncing…"), icon = "emblem-synchronizing-symbolic";
  else if (g_strcmp0 (state, "offline") == 0)
    text = _("Offline"), icon = "network-offline-symbolic";
  else if (g_strcmp0 (state, "error") == 0)
    text = _("Sync failed"), icon = "dialog-warning-symbolic";
  else if (g_strcmp0 (state, "auth-required") == 0)
    text = _("Sign-in needed"), icon = "dialog-password-symbolic";
  else if (g_strcmp0 (state, "signed-out") == 0)
    text = _("Not signed in"), icon = "avatar-default-symbolic";
  else
    text = _("Sync"), icon = "emblem-synchronizing-symbolic";
  gtk_image_set_from_icon_name (self->icon, icon);
  gtk_label_set_text (self->state_label, text);

  if (cercle_sync_status_get_signed_in (status) && cercle_sync_status_get_last_sync (status) > 0)
    {
      g_autofree char *ago = cercle_sync_format_relative_time (cercle_sync_status_get_last_sync (status),
                                                               g_get_real_time ());

      /* Translators: %s is a relative time, "il y a 2 min" */
      last_sync = g_strdup_printf (_("Last sync %s"), ago);
    }
  else if (cercle_sync_status_get_signed_in (status))
    last_sync = g_strdup (_("Never synced yet"));
  set_line (self->last_sync_label, last_sync);

  if (cercle_sync_status_get_pending_count (status) > 0)
    {
      guint n = cercle_sync_status_get_pending_count (status);
      guint refused = cercle_sync_status_get_refused_count (status);

      if (refused > 0)
        /* Translators: the first %u counts changes, the second the refused ones among them */
        pending = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                "%u change waiting to be sent (refused: %u)",
                                                "%u changes waiting to be sent (refused: %u)",
                                                n),
                                   n, refused);
      else
        pending = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                "%u change waiting to be sent",
                                                "%u changes waiting to be sent",
                                                n),
                                   n);
    }
  set_line (self->pending_label, pending);

  gtk_widget_set_visible (GTK_WIDGET (self->sync_button), cercle_sync_status_get_can_sync (status));
}

static gboolean
tick_cb (gpointer user_data)
{
  update (user_data);
  return G_SOURCE_CONTINUE;
}

static void
cercle_sync_indicator_map (GtkWidget *widget)
{
  CercleSyncIndicator *self = CERCLE_SYNC_INDICATOR (widget);

  GTK_WIDGET_CLASS (cercle_sync_indicator_parent_class)->map (widget);
  update (self);
  if (self->tick_id == 0)
    self->tick_id = g_timeout_add_seconds (RELATIVE_TIME_REFRESH_S, tick_cb, self);
}

static void
cercle_sync_indicator_unmap (GtkWidget *widget)
{
  CercleSyncIndicator *self = CERCLE_SYNC_INDICATOR (widget);

  g_clear_handle_id (&self->tick_id, g_source_remove);
  GTK_WIDGET_CLASS (cercle_sync_indicator_parent_class)->unmap (widget);
}

static void
cercle_sync_indicator_dispose (GObject *object)
{
  CercleSyncIndicator *self = CERCLE_SYNC_INDICATOR (object);

  g_clear_handle_id (&self->tick_id, g_source_remove);
  cercle_sync_indicator_set_status (self, NULL);
  /* AdwBin holds the template's child too: it lets go first. */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), CERCLE_TYPE_SYNC_INDICATOR);

  G_OBJECT_CLASS (cercle_sync_indicator_parent_class)->dispose (object);
}

static void
cercle_sync_indicator_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  CercleSyncIndicator *self = CERCLE_SYNC_INDICATOR (object);

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
cercle_sync_indicator_set_property (GObject      *object,
                                    guint         prop_id,
                                    const GValue *value,
                                    GParamSpec   *pspec)
{
  CercleSyncIndicator *self = CERCLE_SYNC_INDICATOR (object);

  switch (prop_id)
    {
    case PROP_STATUS:
      cercle_sync_indicator_set_status (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cercle_sync_indicator_class_init (CercleSyncIndicatorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cercle_sync_indicator_dispose;
  object_class->get_property = cercle_sync_indicator_get_property;
  object_class->set_property = cercle_sync_indicator_set_property;
  widget_class->map = cercle_sync_indicator_map;
  widget_class->unmap = cercle_sync_indicator_unmap;

  properties[PROP_STATUS] =
    g_param_spec_object ("status", NULL, NULL, CERCLE_TYPE_SYNC_STATUS,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
  gtk_widget_class_set_template_from_resource (widget_class, "/fr/cercle/Cercle/sync/cercle-sync-indicator.ui");
  gtk_widget_class_bind_template_child (widget_class, CercleSyncIndicator, icon);
  gtk_widget_class_bind_template_child (widget_class, CercleSyncIndicator, state_label);
  gtk_widget_class_bind_template_child (widget_class, CercleSyncIndicator, last_sync_label);
  gtk_widget_class_bind_template_child (widget_class, CercleSyncIndicator, pending_label);
  gtk_widget_class_bind_template_child (widget_class, CercleSyncIndicator, sync_button);
}

static void
cercle_sync_indicator_init (CercleSyncIndicator *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  update (self);
}

CercleSyncStatus *
cercle_sync_indicator_get_status (CercleSyncIndicator *self)
{
  g_return_val_if_fail (CERCLE_IS_SYNC_INDICATOR (self), NULL);

  return self->status;
}

/**
 * cercle_sync_indicator_set_status:
 * @self: a sync indicator
 * @status: (nullable): the sync service's state to show
 */
void
cercle_sync_indicator_set_status (CercleSyncIndicator *self,
                                  CercleSyncStatus    *status)
{
  static const char * const shown[] = {
    "notify::available", "notify::state", "notify::last-sync", "notify::pending-count",
    "notify::refused-count", "notify::signed-in", "notify::can-sync",
  };

  g_return_if_fail (CERCLE_IS_SYNC_INDICATOR (self));
  g_return_if_fail (status == NULL || CERCLE_IS_SYNC_STATUS (status));

  if (self->status == status)
    return;
  if (self->status != NULL)
    g_signal_handlers_disconnect_by_data (self->status, self);
  g_set_object (&self->status, status);
  if (status != NULL)
    for (guint i = 0; i < G_N_ELEMENTS (shown); i++)
      g_signal_connect_swapped (status, shown[i], G_CALLBACK (update), self);
  update (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS]);
}
