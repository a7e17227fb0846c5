/* cercle-sign-out-dialog.c — confirming « Se déconnecter »
 *
 * Signing out removes the account's patient files from this computer
 * (cercle-syncd does it; the directory stays): the dialog says so, and how
 * many changes not sent yet would be lost, before asking the service.
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "cercle-sign-out-dialog.h"

struct _CercleSignOutDialog
{
  AdwMessageDialog  parent_instance;

  CercleSyncStatus *status;
};

G_DEFINE_FINAL_TYPE (CercleSignOutDialog, cercle_sign_out_dialog, ADW_TYPE_MESSAGE_DIALOG)

static void
sign_out_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GtkWindow) parent = user_data;
  g_autoptr(GError) error = NULL;
  GtkWidget *dialog;

  if (cercle_sync_status_sign_out_finish (CERCLE_SYNC_STATUS (source), result, &error))
    return;

  /* A failed sign-out leaves the data in place: the user must know. */
  dialog = adw_message_dialog_new (parent, _("Sign-Out Failed"), error->message);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
response_cb (CercleSignOutDialog *self,
             const char          *response)
{
  GtkWindow *parent = gtk_window_get_transient_for (GTK_WINDOW (self));

  if (g_strcmp0 (response, "sign-out") != 0)
    return;

  /* Not cancelled with the dialog, which closes now: the answer comes
   * back to its parent window. */
  cercle_sync_status_sign_out_async (self->status, NULL, sign_out_cb,
                                     parent != NULL ? g_object_ref (parent) : NULL);
}

static void
cercle_sign_out_dialog_dispose (GObject *object)
{
  CercleSignOutDialog *self = CERCLE_SIGN_OUT_DIALOG (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), CERCLE_TYPE_SIGN_OUT_DIALOG);
  g_clear_object (&self->status);

  G_OBJECT_CLASS (cercle_sign_out_dialog_parent_class)->dispose (object);
}

static void
cercle_sign_out_dialog_class_init (CercleSignOutDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cercle_sign_out_dialog_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, "/fr/cercle/Cercle/sync/cercle-sign-out-dialog.ui");
  gtk_widget_class_bind_template_callback (widget_class, response_cb);
}

static void
cercle_sign_out_dialog_init (CercleSignOutDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

/**
 * cercle_sign_out_dialog_new:
 * @parent: (nullable): the window the dialog belongs to
 * @status: the sync service to sign out of
 *
 * Returns: (transfer full): a new dialog, not shown yet
 */
CercleSignOutDialog *
cercle_sign_out_dialog_new (GtkWindow        *parent,
                            CercleSyncStatus *status)
{
  CercleSignOutDialog *self;
  g_autoptr(GString) body = g_string_new (NULL);
  guint pending;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (CERCLE_IS_SYNC_STATUS (status), NULL);

  self = g_object_new (CERCLE_TYPE_SIGN_OUT_DIALOG, "transient-for", parent, NULL);
  self->status = g_object_ref (status);

  g_string_append (body, _("The patient files kept on this computer will be removed from it. "
                           "The directory stays."));
  pending = cercle_sync_status_get_pending_count (status);
  if (pending > 0)
    {
      g_string_append_c (body, ' ');
      g_string_append_printf (body,
                              g_dngettext (GETTEXT_PACKAGE,
                                           "%u change not sent yet will be lost.",
                                           "%u changes not sent yet will be lost.",
                                           pending),
                              pending);
    }
  adw_message_dialog_set_body (ADW_MESSAGE_DIALOG (self), body->str);

  return self;
}
