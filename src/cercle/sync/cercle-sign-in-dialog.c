/* cercle-sign-in-dialog.c — signing in to the care network's server
 *
 * The app never signs in itself: the dialog hands the three fields to
 * cercle-syncd (SignIn over D-Bus, through CercleSyncStatus), which keeps
 * the session's token in the keyring. A failure keeps the dialog open with
 * the service's French message and an empty password field; the password
 * is neither stored nor logged, and leaves the field as soon as the service
 * has answered.
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "cercle-sign-in-dialog.h"

struct _CercleSignInDialog
{
  AdwWindow         parent_instance;

  CercleSyncStatus *status;
  GCancellable     *cancellable;
  GSettings        *settings;

  AdwEntryRow      *server_row;
  AdwEntryRow      *login_row;
  AdwEntryRow      *password_row;
  GtkLabel         *error_label;
  GtkButton        *sign_in_button;
  GtkSpinner       *spinner;
};

G_DEFINE_FINAL_TYPE (CercleSignInDialog, cercle_sign_in_dialog, ADW_TYPE_WINDOW)

static void
show_error (CercleSignInDialog *self,
            const char         *message,
            GtkWidget          *focus)
{
  GtkEditable *text = gtk_editable_get_delegate (GTK_EDITABLE (focus));

  gtk_label_set_text (self->error_label, message);
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), TRUE);
  /* The label appears where a screen reader is not: the field that gets
   * the focus back carries the message as its description. */
  if (text != NULL)
    gtk_accessible_update_property (GTK_ACCESSIBLE (text),
                                    GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, message,
                                    -1);
  gtk_widget_grab_focus (focus);
}

static void
set_busy (CercleSignInDialog *self,
          gboolean            busy)
{
  /* Take the focus out of a field before it goes insensitive: GTK 4.8
   * keeps blinking the cursor of an insensitive focused text, and warns. */
  if (busy)
    gtk_window_set_focus (GTK_WINDOW (self), NULL);
  gtk_widget_set_sensitive (GTK_WIDGET (self->server_row), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->login_row), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->password_row), !busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "sign-in.submit", !busy);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), busy);
  gtk_spinner_set_spinning (self->spinner, busy);
}

static void
sign_in_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  CercleSyncStatus *status = CERCLE_SYNC_STATUS (source);
  g_autoptr(GError) error = NULL;
  CercleSignInDialog *self;

  if (!cercle_sync_status_sign_in_finish (status, result, &error)
      && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;                     /* the dialog is gone */

  self = CERCLE_SIGN_IN_DIALOG (user_data);
  /* Whatever the answer, the password leaves the field now. */
  gtk_editable_set_text (GTK_EDITABLE (self->password_row), "");
  set_busy (self, FALSE);

  if (error != NULL)
    {
      show_error (self, error->message, GTK_WIDGET (self->password_row));
      return;
    }

  /* Proposed again next time (the service forgets it at sign-out). */
  g_settings_set_string (self->settings, "last-server",
                         gtk_editable_get_text (GTK_EDITABLE (self->server_row)));
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
forget_error_descriptions (CercleSignInDialog *self)
{
  AdwEntryRow *rows[] = { self->server_row, self->login_row, self->password_row };

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      GtkEditable *text = gtk_editable_get_delegate (GTK_EDITABLE (rows[i]));

      if (text != NULL)
        gtk_accessible_reset_property (GTK_ACCESSIBLE (text), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION);
    }
}

static void
submit_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  CercleSignInDialog *self = CERCLE_SIGN_IN_DIALOG (widget);
  g_autofree char *server = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->server_row))));
  g_autofree char *login = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->login_row))));
  const char *password = gtk_editable_get_text (GTK_EDITABLE (self->password_row));

  forget_error_descriptions (self);
  if (server[0] == '\0')
    {
      show_error (self, _("Enter the address of your care network’s server."), GTK_WIDGET (self->server_row));
      return;
    }
  if (login[0] == '\0')
    {
      show_error (self, _("Enter your login."), GTK_WIDGET (self->login_row));
      return;
    }
  if (password[0] == '\0')
    {
      show_error (self, _("Enter your password."), GTK_WIDGET (self->password_row));
      return;
    }

  gtk_widget_set_visible (GTK_WIDGET (self->error_label), FALSE);
  set_busy (self, TRUE);
  cercle_sync_status_sign_in_async (self->status, server, login, password,
                                    self->cancellable, sign_in_cb, self);
}

static void
entry_activated_cb (CercleSignInDialog *self,
                    AdwEntryRow        *row)
{
  /* Enter moves on to the next field, as in a form on paper. */
  if (row == self->server_row)
    gtk_widget_grab_focus (GTK_WIDGET (self->login_row));
  else
    gtk_widget_grab_focus (GTK_WIDGET (self->password_row));
}

/* libadwaita 1.2 does not name an entry row's text after its title: a
 * screen reader would say "zone de texte" alone. */
static void
name_row_text (AdwEntryRow *row)
{
  GtkEditable *delegate = gtk_editable_get_delegate (GTK_EDITABLE (row));

  if (delegate != NULL)
    gtk_accessible_update_property (GTK_ACCESSIBLE (delegate),
                                    GTK_ACCESSIBLE_PROPERTY_LABEL,
                                    adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)),
                                    -1);
}

/* libadwaita 1.2's button that shows the password has a tooltip and no
 * accessible name: a screen reader says "GtkImage". */
static gboolean
name_reveal_button (GtkWidget *widget)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      /* The eye, not the entry row's (hidden) apply button. */
      if (GTK_IS_BUTTON (child)
          && g_strcmp0 (gtk_button_get_icon_name (GTK_BUTTON (child)), "view-reveal-symbolic") == 0)
        {
          gtk_accessible_update_property (GTK_ACCESSIBLE (child),
                                          GTK_ACCESSIBLE_PROPERTY_LABEL, _("Show Password"),
                                          -1);
          return TRUE;
        }
      if (name_reveal_button (child))
        return TRUE;
    }

  return FALSE;
}

static void
cercle_sign_in_dialog_dispose (GObject *object)
{
  CercleSignInDialog *self = CERCLE_SIGN_IN_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), CERCLE_TYPE_SIGN_IN_DIALOG);
  g_clear_object (&self->status);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (cercle_sign_in_dialog_parent_class)->dispose (object);
}

static void
cercle_sign_in_dialog_class_init (CercleSignInDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cercle_sign_in_dialog_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, "/fr/cercle/Cercle/sync/cercle-sign-in-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, CercleSignInDialog, server_row);
  gtk_widget_class_bind_template_child (widget_class, CercleSignInDialog, login_row);
  gtk_widget_class_bind_template_child (widget_class, CercleSignInDialog, password_row);
  gtk_widget_class_bind_template_child (widget_class, CercleSignInDialog, error_label);
  gtk_widget_class_bind_template_child (widget_class, CercleSignInDialog, sign_in_button);
  gtk_widget_class_bind_template_child (widget_class, CercleSignInDialog, spinner);
  gtk_widget_class_bind_template_callback (widget_class, entry_activated_cb);

  gtk_widget_class_install_action (widget_class, "sign-in.submit", NULL, submit_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
cercle_sign_in_dialog_init (CercleSignInDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  self->settings = g_settings_new (APP_ID);
  name_row_text (self->server_row);
  name_row_text (self->login_row);
  name_row_text (self->password_row);
  name_reveal_button (GTK_WIDGET (self->password_row));
}

/**
 * cercle_sign_in_dialog_new:
 * @parent: (nullable): the window the dialog belongs to
 * @status: the sync service to sign in with
 *
 * The fields are filled with what is known: the account of an ended
 * session, or else the server last signed in to.
 *
 * Returns: (transfer full): a new dialog, not shown yet
 */
CercleSignInDialog *
cercle_sign_in_dialog_new (GtkWindow        *parent,
                           CercleSyncStatus *status)
{
  CercleSignInDialog *self;
  g_autofree char *last_server = NULL;
  const char *server;
  const char *login;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (CERCLE_IS_SYNC_STATUS (status), NULL);

  self = g_object_new (CERCLE_TYPE_SIGN_IN_DIALOG, "transient-for", parent, NULL);
  self->status = g_object_ref (status);

  server = cercle_sync_status_get_server_url (status);
  if (server[0] == '\0')
    {
      last_server = g_settings_get_string (self->settings, "last-server");
      server = last_server;
    }
  /* build-aux/run-demo.sh says where its demo server listens. */
  if (server[0] == '\0' && g_getenv ("CERCLE_SERVER_URL") != NULL)
    server = g_getenv ("CERCLE_SERVER_URL");
  login = cercle_sync_status_get_login (status);

  gtk_editable_set_text (GTK_EDITABLE (self->server_row), server);
  gtk_editable_set_text (GTK_EDITABLE (self->login_row), login);

  if (server[0] == '\0')
    gtk_window_set_focus (GTK_WINDOW (self), GTK_WIDGET (self->server_row));
  else if (login[0] == '\0')
    gtk_window_set_focus (GTK_WINDOW (self), GTK_WIDGET (self->login_row));
  else
    gtk_window_set_focus (GTK_WINDOW (self), GTK_WIDGET (self->password_row));

  return self;
}
