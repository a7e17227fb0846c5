/* test-sync-ui.c — the app's side of the sync service, in French
 *
 * cercle-syncd is built on another branch: here a service of the test's own
 * stands in for it, for real on the private session bus of
 * build-aux/test-wrapper.sh — a CercleDBusSkeleton exported under
 * fr.cercle.Cercle.Sync on a second connection, with its own method
 * handlers and properties. The app talks to it only through the generated
 * proxy, as it will to the real service, and the tests assert on what a
 * person sees in the window and the dialogs.
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "cercle-application.h"
#include "cercle-sign-in-dialog.h"
#include "cercle-sign-out-dialog.h"
#include "cercle-sync-banner.h"
#include "cercle-sync-dbus.h"
#include "cercle-sync-indicator.h"
#include "cercle-sync-status.h"
#include "cercle-test-gui.h"
#include "cercle-window.h"

#define OFFLINE_TEXT "Hors connexion — les modifications seront envoyées au retour du réseau"
#define ABSENT_TEXT "Le service de synchronisation n’est pas installé ou ne fonctionne pas : " \
                    "vos données restent sur cet ordinateur."

static CercleApplication *app;

/* ---- The stand-in service ------------------------------------------------ */

typedef struct
{
  GDBusConnection *connection;
  CercleDBusSync  *skeleton;
  guint            owner_id;
  gboolean         owned;

  /* What the app asked. */
  guint            sign_in_calls;
  char            *server;
  char            *login;
  char            *password;
  guint            sign_out_calls;
  guint            sync_now_calls;

  /* How SignIn answers: NULL signs in, else this D-Bus error message. */
  const char      *sign_in_error;
} FakeService;

static FakeService *fake;

static gboolean
handle_sign_in (CercleDBusSync        *skeleton,
                GDBusMethodInvocation *invocation,
                const char            *server,
                const char            *login,
                const char            *password,
                FakeService           *self)
{
  self->sign_in_calls++;
  g_free (self->server);
  g_free (self->login);
  g_free (self->password);
  self->server = g_strdup (server);
  self->login = g_strdup (login);
  self->password = g_strdup (password);

  if (self->sign_in_error != NULL)
    {
      /* As cercle-syncd answers: a French message under its own error name. */
      g_dbus_method_invocation_return_dbus_error (invocation, "fr.cercle.Cercle.Sync.Error.SignIn",
                                                  self->sign_in_error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }

  cercle_dbus_sync_set_server_url (skeleton, server);
  cercle_dbus_sync_set_login (skeleton, login);
  cercle_dbus_sync_set_practitioner (skeleton, "Practitioner/pr-martin");
  cercle_dbus_sync_set_state (skeleton, "idle");
  cercle_dbus_sync_complete_sign_in (skeleton, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_sign_out (CercleDBusSync        *skeleton,
                 GDBusMethodInvocation *invocation,
                 FakeService           *self)
{
  self->sign_out_calls++;
  cercle_dbus_sync_set_state (skeleton, "signed-out");
  cercle_dbus_sync_set_login (skeleton, "");
  cercle_dbus_sync_set_server_url (skeleton, "");
  cercle_dbus_sync_set_pending_count (skeleton, 0);
  cercle_dbus_sync_complete_sign_out (skeleton, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_sync_now (CercleDBusSync        *skeleton,
                 GDBusMethodInvocation *invocation,
                 FakeService           *self)
{
  self->sync_now_calls++;
  cercle_dbus_sync_complete_sync_now (skeleton, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
name_acquired_cb (GDBusConnection *connection,
                  const char      *name,
                  gpointer         user_data)
{
  FakeService *self = user_data;

  self->owned = TRUE;
}

/* Runs the main loop until COND holds; fails after 10 s. */
#define WAIT_FOR(cond) \
  G_STMT_START { \
    gint64 wait_deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC; \
    while (!(cond)) \
      { \
        g_assert_cmpint (g_get_monotonic_time (), <, wait_deadline); \
        if (!g_main_context_iteration (NULL, FALSE)) \
          g_usleep (2 * 1000); \
      } \
  } G_STMT_END

/* Let pending layout, property changes and idles run. */
static void
flush_events (void)
{
  gint64 until = g_get_monotonic_time () + 100 * 1000;

  while (g_get_monotonic_time () < until)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (5 * 1000);
}

static CercleSyncStatus *
status (void)
{
  return cercle_application_get_sync_status (app);
}

static void
fake_service_start (const char *state)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *address = NULL;

  g_assert_null (fake);
  fake = g_new0 (FakeService, 1);

  /* A connection of its own: the service has its own unique name, and
   * leaves the bus for real when it stops. */
  address = g_dbus_address_get_for_bus_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  fake->connection = g_dbus_connection_new_for_address_sync (address,
                                                             G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT
                                                             | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                             NULL, NULL, &error);
  g_assert_no_error (error);

  fake->skeleton = cercle_dbus_sync_skeleton_new ();
  cercle_dbus_sync_set_state (fake->skeleton, state);
  cercle_dbus_sync_set_last_error (fake->skeleton, "");
  cercle_dbus_sync_set_server_url (fake->skeleton, "");
  cercle_dbus_sync_set_login (fake->skeleton, "");
  cercle_dbus_sync_set_practitioner (fake->skeleton, "");
  cercle_dbus_sync_set_organization (fake->skeleton, "");
  g_signal_connect (fake->skeleton, "handle-sign-in", G_CALLBACK (handle_sign_in), fake);
  g_signal_connect (fake->skeleton, "handle-sign-out", G_CALLBACK (handle_sign_out), fake);
  g_signal_connect (fake->skeleton, "handle-sync-now", G_CALLBACK (handle_sync_now), fake);
  g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (fake->skeleton), fake->connection,
                                    "/fr/cercle/Cercle/Sync", &error);
  g_assert_no_error (error);
  fake->owner_id = g_bus_own_name_on_connection (fake->connection, "fr.cercle.Cercle.Sync",
                                                 G_BUS_NAME_OWNER_FLAGS_NONE,
                                                 name_acquired_cb, NULL, fake, NULL);
  WAIT_FOR (fake->owned);

  /* The app sees it come, with its properties. */
  WAIT_FOR (cercle_sync_status_get_available (status ())
            && g_strcmp0 (cercle_sync_status_get_state (status ()), state) == 0);
}

static void
fake_service_stop (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (fake);
  g_bus_unown_name (fake->owner_id);
  g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (fake->skeleton));
  g_dbus_connection_close_sync (fake->connection, NULL, &error);
  g_assert_no_error (error);
  g_clear_object (&fake->skeleton);
  g_clear_object (&fake->connection);
  g_free (fake->server);
  g_free (fake->login);
  g_free (fake->password);
  g_clear_pointer (&fake, g_free);

  /* The app sees it go. */
  WAIT_FOR (!cercle_sync_status_get_available (status ()));
}

/* ---- What is on screen ----------------------------------------------------- */

/* The text of every label on screen under ROOT, one per line. */
static char *
mapped_text (GtkWidget *root)
{
  g_autoptr(GPtrArray) labels = g_ptr_array_new ();
  GString *s = g_string_new (NULL);

  cercle_test_collect (root, GTK_TYPE_LABEL, TRUE, labels);
  for (guint i = 0; i < labels->len; i++)
    g_string_append_printf (s, "%s\n", gtk_label_get_text (g_ptr_array_index (labels, i)));
  return g_string_free (s, FALSE);
}

static gboolean
shows (GtkWidget  *root,
       const char *text)
{
  g_autofree char *all = mapped_text (root);
  g_autofree char *line = g_strconcat (text, "\n", NULL);

  return g_str_has_prefix (all, line) || strstr (all, line) != NULL;
}

/* The banner's bar is on screen (its revealer open and mapped). */
static gboolean
banner_shown (CercleWindow *window)
{
  GtkWidget *banner = cercle_test_find_one (GTK_WIDGET (window), CERCLE_TYPE_SYNC_BANNER);
  GtkRevealer *revealer = GTK_REVEALER (cercle_test_find_one (banner, GTK_TYPE_REVEALER));

  return gtk_revealer_get_reveal_child (revealer) && gtk_revealer_get_child_revealed (revealer)
         && gtk_widget_get_mapped (gtk_revealer_get_child (revealer));
}

static gboolean
banner_shows (CercleWindow *window,
              const char   *text)
{
  return banner_shown (window) && shows (cercle_test_find_one (GTK_WIDGET (window), CERCLE_TYPE_SYNC_BANNER), text);
}

static GtkButton *
find_button (GtkWidget  *root,
             const char *label)
{
  g_autoptr(GPtrArray) buttons = g_ptr_array_new ();

  cercle_test_collect (root, GTK_TYPE_BUTTON, TRUE, buttons);
  for (guint i = 0; i < buttons->len; i++)
    if (g_strcmp0 (gtk_button_get_label (g_ptr_array_index (buttons, i)), label) == 0)
      return g_ptr_array_index (buttons, i);
  return NULL;
}

static GtkEditable *
find_entry_row (GtkWidget  *dialog,
                const char *title)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new ();

  cercle_test_collect (dialog, ADW_TYPE_ENTRY_ROW, FALSE, rows);
  for (guint i = 0; i < rows->len; i++)
    if (g_strcmp0 (adw_preferences_row_get_title (g_ptr_array_index (rows, i)), title) == 0)
      return g_ptr_array_index (rows, i);
  g_error ("no field named « %s »", title);
}

static CercleWindow *
new_window (void)
{
  CercleWindow *window = cercle_window_new (app);

  gtk_window_present (GTK_WINDOW (window));
  WAIT_FOR (gtk_widget_get_mapped (GTK_WIDGET (window)));
  return window;
}

static void
destroy_window (CercleWindow *window)
{
  g_object_ref (window);
  gtk_window_destroy (GTK_WINDOW (window));
  flush_events ();
  g_assert_finalize_object (window);
}

static GtkWindow *
open_sign_in_dialog (CercleWindow *window)
{
  GtkWindow *dialog;

  g_assert_null (cercle_test_find_toplevel (CERCLE_TYPE_SIGN_IN_DIALOG));
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (window), "sign-in"));
  g_action_group_activate_action (G_ACTION_GROUP (window), "sign-in", NULL);
  dialog = cercle_test_find_toplevel (CERCLE_TYPE_SIGN_IN_DIALOG);
  g_assert_nonnull (dialog);
  WAIT_FOR (gtk_widget_get_mapped (GTK_WIDGET (dialog)));
  g_assert_true (gtk_window_get_transient_for (dialog) == GTK_WINDOW (window));
  g_assert_true (gtk_window_get_modal (dialog));
  return dialog;
}

static void
fill_and_submit (GtkWindow  *dialog,
                 const char *server,
                 const char *login,
                 const char *password)
{
  GtkButton *button = find_button (GTK_WIDGET (dialog), "Se connecter");

  g_assert_nonnull (button);
  gtk_editable_set_text (find_entry_row (GTK_WIDGET (dialog), "Serveur"), server);
  gtk_editable_set_text (find_entry_row (GTK_WIDGET (dialog), "Identifiant"), login);
  gtk_editable_set_text (find_entry_row (GTK_WIDGET (dialog), "Mot de passe"), password);
  /* What a click does. */
  gtk_widget_activate (GTK_WIDGET (button));
}

/* ---- The tests ---------------------------------------------------------------- */

static void
test_relative_time (void)
{
  gint64 now = g_get_real_time ();
  g_autofree char *just_now = cercle_sync_format_relative_time (now - 30 * G_USEC_PER_SEC, now);
  g_autofree char *minutes = cercle_sync_format_relative_time (now - 2 * 60 * G_USEC_PER_SEC - 5, now);
  g_autofree char *hours = cercle_sync_format_relative_time (now - (gint64) 3 * 3600 * G_USEC_PER_SEC, now);
  g_autofree char *future = cercle_sync_format_relative_time (now + 90 * G_USEC_PER_SEC, now);
  gint64 old_us = now - (gint64) 3 * 24 * 3600 * G_USEC_PER_SEC;
  g_autoptr(GDateTime) old = g_date_time_new_from_unix_local (old_us / G_USEC_PER_SEC);
  g_autofree char *expected_old = g_date_time_format (old, "le %d/%m/%Y à %H:%M");
  g_autofree char *older = cercle_sync_format_relative_time (old_us, now);

  g_assert_cmpstr (just_now, ==, "à l’instant");
  g_assert_cmpstr (minutes, ==, "il y a 2 min");
  g_assert_cmpstr (hours, ==, "il y a 3 h");
  /* A clock a little ahead of the service's is no "in 2 min". */
  g_assert_cmpstr (future, ==, "à l’instant");
  g_assert_cmpstr (older, ==, expected_old);
}

static void
test_service_absent (void)
{
  CercleWindow *window;
  GtkWindow *dialog;
  GtkWidget *indicator;

  /* No service on the bus (and none installed): the app looks, finds none. */
  WAIT_FOR (cercle_sync_status_get_ready (status ()));
  g_assert_false (cercle_sync_status_get_available (status ()));
  window = new_window ();

  /* Nothing alarming: no banner, the sidebar says where the data are. */
  flush_events ();
  g_assert_false (banner_shown (window));
  indicator = cercle_test_find_one (GTK_WIDGET (window), CERCLE_TYPE_SYNC_INDICATOR);
  g_assert_true (shows (indicator, "Sur cet ordinateur uniquement"));
  g_assert_false (g_action_group_get_action_enabled (G_ACTION_GROUP (window), "sign-out"));
  g_assert_false (g_action_group_get_action_enabled (G_ACTION_GROUP (window), "sync-now"));

  /* Signing in says why it cannot, in French, and keeps the dialog. */
  dialog = open_sign_in_dialog (window);
  fill_and_submit (dialog, "http://127.0.0.1:8642", "dr.martin", "cercle-demo");
  WAIT_FOR (shows (GTK_WIDGET (dialog), ABSENT_TEXT));
  g_assert_true (cercle_test_find_toplevel (CERCLE_TYPE_SIGN_IN_DIALOG) == dialog);
  g_assert_cmpstr (gtk_editable_get_text (find_entry_row (GTK_WIDGET (dialog), "Mot de passe")), ==, "");
  g_assert_cmpstr (gtk_editable_get_text (find_entry_row (GTK_WIDGET (dialog), "Identifiant")), ==, "dr.martin");

  gtk_window_destroy (dialog);
  destroy_window (window);
}

static void
test_banner_offline (void)
{
  CercleWindow *window;

  fake_service_start ("idle");
  window = new_window ();
  flush_events ();
  g_assert_false (banner_shown (window));

  /* The network goes: the service says so, the banner comes. */
  cercle_dbus_sync_set_state (fake->skeleton, "offline");
  WAIT_FOR (banner_shows (window, OFFLINE_TEXT));
  g_assert_true (shows (cercle_test_find_one (GTK_WIDGET (window), CERCLE_TYPE_SYNC_INDICATOR),
                        "Hors connexion"));

  /* It comes back: the banner goes. */
  cercle_dbus_sync_set_state (fake->skeleton, "idle");
  WAIT_FOR (!banner_shown (window));
  g_assert_true (shows (cercle_test_find_one (GTK_WIDGET (window), CERCLE_TYPE_SYNC_INDICATOR),
                        "Synchronisé"));

  destroy_window (window);
  fake_service_stop ();
}

static void
test_pending_and_last_sync (void)
{
  CercleWindow *window;
  GtkWidget *indicator;

  fake_service_start ("idle");
  window = new_window ();
  indicator = cercle_test_find_one (GTK_WIDGET (window), CERCLE_TYPE_SYNC_INDICATOR);
  g_assert_true (shows (indicator, "Pas encore synchronisé"));

  cercle_dbus_sync_set_pending_count (fake->skeleton, 3);
  cercle_dbus_sync_set_last_sync (fake->skeleton, g_get_real_time () - 2 * 60 * G_USEC_PER_SEC - 10);
  WAIT_FOR (shows (indicator, "3 modifications en attente d’envoi")
            && shows (indicator, "Dernière synchronisation il y a 2 min"));

  cercle_dbus_sync_set_pending_count (fake->skeleton, 1);
  cercle_dbus_sync_set_refused_count (fake->skeleton, 1);
  WAIT_FOR (shows (indicator, "1 modification en attente d’envoi (refusée : 1)"));

  /* All sent: the line goes. */
  cercle_dbus_sync_set_pending_count (fake->skeleton, 0);
  cercle_dbus_sync_set_refused_count (fake->skeleton, 0);
  cercle_dbus_sync_set_last_sync (fake->skeleton, g_get_real_time ());
  WAIT_FOR (!shows (indicator, "1 modification en attente d’envoi (refusée : 1)")
            && shows (indicator, "Dernière synchronisation à l’instant"));

  /* The button for a round now reaches the service. */
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (window), "sync-now"));
  g_action_group_activate_action (G_ACTION_GROUP (window), "sync-now", NULL);
  WAIT_FOR (fake->sync_now_calls == 1);

  destroy_window (window);
  fake_service_stop ();
}

static void
test_sign_in_failure_then_success (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  CercleWindow *window;
  GtkWindow *dialog;
  g_autoptr(GtkWindow) weak_dialog = NULL;

  fake_service_start ("signed-out");
  window = new_window ();

  /* Signed out: the banner offers to sign in, the menu too, not to sign out. */
  WAIT_FOR (banner_shows (window, "Vous n’êtes pas connecté : vos données restent sur cet ordinateur"));
  g_assert_nonnull (find_button (cercle_test_find_one (GTK_WIDGET (window), CERCLE_TYPE_SYNC_BANNER), "Se connecter"));
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (window), "sign-in"));
  g_assert_false (g_action_group_get_action_enabled (G_ACTION_GROUP (window), "sign-out"));

  dialog = open_sign_in_dialog (window);
  /* An empty field is caught before the service is asked. */
  fill_and_submit (dialog, "http://127.0.0.1:8642", "", "x");
  WAIT_FOR (shows (GTK_WIDGET (dialog), "Saisissez votre identifiant."));
  g_assert_cmpuint (fake->sign_in_calls, ==, 0);

  /* A wrong password: the service's French message, as it is. */
  fake->sign_in_error = "Identifiant ou mot de passe incorrect.";
  fill_and_submit (dialog, "http://127.0.0.1:8642", "dr.martin", "pas-le-bon");
  WAIT_FOR (fake->sign_in_calls == 1);
  g_assert_cmpstr (fake->server, ==, "http://127.0.0.1:8642");
  g_assert_cmpstr (fake->login, ==, "dr.martin");
  g_assert_cmpstr (fake->password, ==, "pas-le-bon");
  WAIT_FOR (shows (GTK_WIDGET (dialog), "Identifiant ou mot de passe incorrect."));
  g_assert_false (shows (GTK_WIDGET (dialog), "GDBus.Error"));
  g_assert_true (cercle_test_find_toplevel (CERCLE_TYPE_SIGN_IN_DIALOG) == dialog);
  g_assert_cmpstr (gtk_editable_get_text (find_entry_row (GTK_WIDGET (dialog), "Mot de passe")), ==, "");
  g_assert_cmpstr (gtk_editable_get_text (find_entry_row (GTK_WIDGET (dialog), "Serveur")), ==, "http://127.0.0.1:8642");
  g_assert_cmpstr (gtk_editable_get_text (find_entry_row (GTK_WIDGET (dialog), "Identifiant")), ==, "dr.martin");

  /* The right one: the dialog closes, the window says signed in. */
  fake->sign_in_error = NULL;
  g_set_weak_pointer (&weak_dialog, dialog);
  gtk_editable_set_text (find_entry_row (GTK_WIDGET (dialog), "Mot de passe"), "cercle-demo");
  gtk_widget_activate (GTK_WIDGET (find_button (GTK_WIDGET (dialog), "Se connecter")));
  WAIT_FOR (weak_dialog == NULL);
  g_assert_cmpuint (fake->sign_in_calls, ==, 2);
  g_assert_cmpstr (fake->password, ==, "cercle-demo");
  WAIT_FOR (!banner_shown (window) && cercle_sync_status_get_signed_in (status ()));
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (window), "sign-out"));
  g_assert_false (g_action_group_get_action_enabled (G_ACTION_GROUP (window), "sign-in"));
  g_assert_cmpstr (g_settings_get_string (settings, "last-server"), ==, "http://127.0.0.1:8642");

  destroy_window (window);
  fake_service_stop ();
}

static void
test_auth_required (void)
{
  CercleWindow *window;
  GtkButton *again;
  GtkWindow *dialog;

  fake_service_start ("idle");
  cercle_dbus_sync_set_server_url (fake->skeleton, "http://127.0.0.1:8642");
  cercle_dbus_sync_set_login (fake->skeleton, "ide.bernard");
  window = new_window ();

  cercle_dbus_sync_set_state (fake->skeleton, "auth-required");
  WAIT_FOR (banner_shows (window, "Votre session a pris fin : reconnectez-vous pour envoyer et recevoir les modifications"));
  g_assert_true (shows (cercle_test_find_one (GTK_WIDGET (window), CERCLE_TYPE_SYNC_INDICATOR),
                        "Reconnexion nécessaire"));
  /* Nothing to sync with an ended session. */
  g_assert_false (g_action_group_get_action_enabled (G_ACTION_GROUP (window), "sync-now"));

  /* « Se reconnecter » opens the dialog with the account filled in. */
  again = find_button (cercle_test_find_one (GTK_WIDGET (window), CERCLE_TYPE_SYNC_BANNER), "Se reconnecter");
  g_assert_nonnull (again);
  WAIT_FOR (gtk_widget_is_sensitive (GTK_WIDGET (again)));
  gtk_widget_activate (GTK_WIDGET (again));
  WAIT_FOR ((dialog = cercle_test_find_toplevel (CERCLE_TYPE_SIGN_IN_DIALOG)) != NULL);
  WAIT_FOR (gtk_widget_get_mapped (GTK_WIDGET (dialog)));
  g_assert_cmpstr (gtk_editable_get_text (find_entry_row (GTK_WIDGET (dialog), "Serveur")), ==, "http://127.0.0.1:8642");
  g_assert_cmpstr (gtk_editable_get_text (find_entry_row (GTK_WIDGET (dialog), "Identifiant")), ==, "ide.bernard");
  g_assert_cmpstr (gtk_editable_get_text (find_entry_row (GTK_WIDGET (dialog), "Mot de passe")), ==, "");

  gtk_window_destroy (dialog);
  destroy_window (window);
  fake_service_stop ();
}

static void
test_error_state (void)
{
  CercleWindow *window;
  GtkButton *retry;

  fake_service_start ("idle");
  window = new_window ();

  cercle_dbus_sync_set_last_error (fake->skeleton, "Le serveur ne répond pas correctement (HTTP 503).");
  cercle_dbus_sync_set_state (fake->skeleton, "error");
  WAIT_FOR (banner_shows (window, "La synchronisation a échoué : Le serveur ne répond pas correctement (HTTP 503)."));
  g_assert_true (shows (cercle_test_find_one (GTK_WIDGET (window), CERCLE_TYPE_SYNC_INDICATOR),
                        "Échec de la synchronisation"));

  retry = find_button (cercle_test_find_one (GTK_WIDGET (window), CERCLE_TYPE_SYNC_BANNER), "Réessayer");
  g_assert_nonnull (retry);
  WAIT_FOR (gtk_widget_is_sensitive (GTK_WIDGET (retry)));
  gtk_widget_activate (GTK_WIDGET (retry));
  WAIT_FOR (fake->sync_now_calls == 1);

  destroy_window (window);
  fake_service_stop ();
}

static void
test_sign_out (void)
{
  CercleWindow *window;
  AdwMessageDialog *dialog;

  fake_service_start ("idle");
  cercle_dbus_sync_set_login (fake->skeleton, "dr.martin");
  cercle_dbus_sync_set_pending_count (fake->skeleton, 2);
  window = new_window ();
  WAIT_FOR (cercle_sync_status_get_pending_count (status ()) == 2);
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (window), "sign-out"));

  /* It asks first, and says what goes; « Annuler » changes nothing. */
  g_action_group_activate_action (G_ACTION_GROUP (window), "sign-out", NULL);
  dialog = ADW_MESSAGE_DIALOG (cercle_test_find_toplevel (CERCLE_TYPE_SIGN_OUT_DIALOG));
  g_assert_nonnull (dialog);
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Se déconnecter ?");
  g_assert_cmpstr (adw_message_dialog_get_body (dialog), ==,
                   "Les dossiers patients conservés sur cet ordinateur en seront retirés. L’annuaire reste. "
                   "2 modifications pas encore envoyées seront perdues.");
  g_assert_cmpstr (adw_message_dialog_get_response_label (dialog, "sign-out"), ==, "_Se déconnecter");
  WAIT_FOR (gtk_widget_get_mapped (GTK_WIDGET (dialog)));
  gtk_widget_activate (GTK_WIDGET (find_button (GTK_WIDGET (dialog), "_Annuler")));
  WAIT_FOR (cercle_test_find_toplevel (CERCLE_TYPE_SIGN_OUT_DIALOG) == NULL);
  flush_events ();
  g_assert_cmpuint (fake->sign_out_calls, ==, 0);

  /* Again, for real. */
  g_action_group_activate_action (G_ACTION_GROUP (window), "sign-out", NULL);
  dialog = ADW_MESSAGE_DIALOG (cercle_test_find_toplevel (CERCLE_TYPE_SIGN_OUT_DIALOG));
  g_assert_nonnull (dialog);
  WAIT_FOR (gtk_widget_get_mapped (GTK_WIDGET (dialog)));
  gtk_widget_activate (GTK_WIDGET (find_button (GTK_WIDGET (dialog), "_Se déconnecter")));
  WAIT_FOR (fake->sign_out_calls == 1);
  WAIT_FOR (!cercle_sync_status_get_signed_in (status ()));
  WAIT_FOR (banner_shows (window, "Vous n’êtes pas connecté : vos données restent sur cet ordinateur"));
  g_assert_false (g_action_group_get_action_enabled (G_ACTION_GROUP (window), "sign-out"));

  destroy_window (window);
  fake_service_stop ();
}

/* The server disabled the account: the service signed out by itself and
 * says why; the banner shows its words, not « vos données restent ». */
static void
test_signed_out_by_server (void)
{
  CercleWindow *window;
  const char *why = "Ce compte a été désactivé sur le serveur : les dossiers patients reçus sont "
                    "retirés de cet ordinateur";

  fake_service_start ("idle");
  window = new_window ();
  cercle_dbus_sync_set_last_error (fake->skeleton, why);
  cercle_dbus_sync_set_state (fake->skeleton, "signed-out");
  WAIT_FOR (banner_shows (window, why));
  g_assert_false (shows (cercle_test_find_one (GTK_WIDGET (window), CERCLE_TYPE_SYNC_BANNER),
                         "Vous n’êtes pas connecté : vos données restent sur cet ordinateur"));
  g_assert_nonnull (find_button (cercle_test_find_one (GTK_WIDGET (window), CERCLE_TYPE_SYNC_BANNER), "Se connecter"));

  /* A sign-out asked for here has no reason: the usual words. */
  cercle_dbus_sync_set_last_error (fake->skeleton, "");
  WAIT_FOR (banner_shows (window, "Vous n’êtes pas connecté : vos données restent sur cet ordinateur"));

  destroy_window (window);
  fake_service_stop ();
}

static void
changed_cb (CercleSyncStatus  *sync_status,
            char             **kinds,
            char             **patients,
            GPtrArray         *seen)
{
  g_ptr_array_add (seen, g_strjoinv (",", kinds));
  g_ptr_array_add (seen, g_strjoinv (",", patients));
}

static void
test_changed_relayed (void)
{
  g_autoptr(GPtrArray) seen = g_ptr_array_new_with_free_func (g_free);
  const char *kinds[] = { "Communication", "Task", NULL };
  const char *patients[] = { "pat-1", "pat-2", NULL };
  gulong id;

  fake_service_start ("idle");
  id = g_signal_connect (status (), "changed", G_CALLBACK (changed_cb), seen);

  cercle_dbus_sync_emit_changed (fake->skeleton, kinds, patients);
  WAIT_FOR (seen->len == 2);
  g_assert_cmpstr (g_ptr_array_index (seen, 0), ==, "Communication,Task");
  g_assert_cmpstr (g_ptr_array_index (seen, 1), ==, "pat-1,pat-2");

  g_signal_handler_disconnect (status (), id);
  fake_service_stop ();
}

/* Records what a page's action received, for a page class that does not
 * install it (yet: the patients and referrals branches do). */
static void
record_activate_cb (GSimpleAction *action,
                    GVariant      *parameter,
                    GPtrArray     *seen)
{
  g_ptr_array_add (seen, g_strdup_printf ("%s(%s)", g_action_get_name (G_ACTION (action)),
                                          g_variant_get_string (parameter, NULL)));
}

static gboolean
class_has_action (GtkWidget  *widget,
                  const char *name)
{
  GtkWidgetClass *klass = GTK_WIDGET_GET_CLASS (widget);
  const char *action_name;
  const GVariantType *parameter_type;
  const char *property_name;
  GType owner;

  /* GTK 4.8 writes every out argument: none may be NULL. */
  for (guint i = 0;
       gtk_widget_class_query_action (klass, i, &owner, &action_name, &parameter_type, &property_name);
       i++)
    if (g_strcmp0 (action_name, name) == 0)
      return TRUE;
  return FALSE;
}

/* The page shown, and a recorder for its actions when its class has none. */
static GtkWidget *
page_widget (CercleWindow *window,
             const char   *name,
             const char   *prefix,
             GPtrArray    *seen)
{
  g_autoptr(GPtrArray) stacks = g_ptr_array_new ();
  GtkWidget *page = NULL;
  g_autofree char *open = g_strconcat (prefix, ".open", NULL);
  g_autoptr(GSimpleActionGroup) group = NULL;
  const char *names[] = { "open", "new" };

  /* The window's stack, not one of a page's own. */
  cercle_test_collect (GTK_WIDGET (window), GTK_TYPE_STACK, FALSE, stacks);
  for (guint i = 0; i < stacks->len && page == NULL; i++)
    if (gtk_stack_get_child_by_name (g_ptr_array_index (stacks, i), "directory") != NULL)
      page = gtk_stack_get_child_by_name (g_ptr_array_index (stacks, i), name);

  g_assert_nonnull (page);
  if (class_has_action (page, open))
    return page;

  group = g_simple_action_group_new ();
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(GSimpleAction) action = g_simple_action_new (names[i], G_VARIANT_TYPE_STRING);

      g_signal_connect (action, "activate", G_CALLBACK (record_activate_cb), seen);
      g_action_map_add_action (G_ACTION_MAP (group), G_ACTION (action));
    }
  gtk_widget_insert_action_group (page, prefix, G_ACTION_GROUP (group));
  return page;
}

static void
test_open_actions (void)
{
  g_autoptr(GPtrArray) seen = g_ptr_array_new_with_free_func (g_free);
  CercleWindow *window;
  GtkWidget *patients;
  GtkWidget *referrals;

  /* No window: a notification's action opens one, on the patient. */
  g_assert_null (gtk_application_get_active_window (GTK_APPLICATION (app)));
  g_action_group_activate_action (G_ACTION_GROUP (app), "open-patient", g_variant_new_string ("pat-1"));
  window = CERCLE_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  g_assert_nonnull (window);
  WAIT_FOR (gtk_widget_get_mapped (GTK_WIDGET (window)));
  g_assert_cmpstr (cercle_window_get_page (window), ==, "patients");

  /* The window forwards to the page's own action. */
  patients = page_widget (window, "patients", "patients", seen);
  referrals = page_widget (window, "referrals", "referrals", seen);
  cercle_window_set_page (window, "directory");
  g_action_group_activate_action (G_ACTION_GROUP (app), "open-patient", g_variant_new_string ("pat-2"));
  g_assert_cmpstr (cercle_window_get_page (window), ==, "patients");
  WAIT_FOR (gtk_widget_get_mapped (patients));

  g_action_group_activate_action (G_ACTION_GROUP (app), "open-referral", g_variant_new_string ("sr-1"));
  g_assert_cmpstr (cercle_window_get_page (window), ==, "referrals");
  WAIT_FOR (gtk_widget_get_mapped (referrals));

  cercle_window_set_page (window, "patients");
  g_action_group_activate_action (G_ACTION_GROUP (window), "new-referral", g_variant_new_string ("pat-3"));
  g_assert_cmpstr (cercle_window_get_page (window), ==, "referrals");

  if (!class_has_action (patients, "patients.open") && !class_has_action (referrals, "referrals.open"))
    {
      g_assert_cmpuint (seen->len, ==, 3);
      g_assert_cmpstr (g_ptr_array_index (seen, 0), ==, "open(pat-2)");
      g_assert_cmpstr (g_ptr_array_index (seen, 1), ==, "open(sr-1)");
      g_assert_cmpstr (g_ptr_array_index (seen, 2), ==, "new(pat-3)");
    }
  else
    g_test_message ("the pages install their own actions: only the page switch is checked here");

  destroy_window (window);
}

int
main (int   argc,
      char *argv[])
{
  const char *build_dir = g_getenv ("CERCLE_BUILD_DIR");
  g_autofree char *localedir = NULL;
  g_autoptr(GError) error = NULL;
  int status_code;

  /* gtk_test_init() would force en_US; this test reads French. */
  g_assert_nonnull (build_dir);
  g_assert_nonnull (setlocale (LC_ALL, "fr_FR.UTF-8"));
  g_setenv ("LANGUAGE", "fr", TRUE);
  localedir = g_build_filename (build_dir, "po", NULL);
  bindtextdomain (GETTEXT_PACKAGE, localedir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  gtk_disable_setlocale ();
  /* The demo's server address must not leak into the dialog. */
  g_unsetenv ("CERCLE_SERVER_URL");

  g_test_init (&argc, &argv, NULL);
  adw_init ();
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);

  app = cercle_application_new ();
  g_application_register (G_APPLICATION (app), NULL, &error);
  g_assert_no_error (error);
  g_application_hold (G_APPLICATION (app));

  g_test_add_func ("/sync-ui/relative-time", test_relative_time);
  /* First: the service has never been there. */
  g_test_add_func ("/sync-ui/service-absent", test_service_absent);
  g_test_add_func ("/sync-ui/banner/offline", test_banner_offline);
  g_test_add_func ("/sync-ui/indicator/pending-and-last-sync", test_pending_and_last_sync);
  g_test_add_func ("/sync-ui/sign-in/failure-then-success", test_sign_in_failure_then_success);
  g_test_add_func ("/sync-ui/banner/auth-required", test_auth_required);
  g_test_add_func ("/sync-ui/banner/error", test_error_state);
  g_test_add_func ("/sync-ui/sign-out", test_sign_out);
  g_test_add_func ("/sync-ui/banner/signed-out-by-server", test_signed_out_by_server);
  g_test_add_func ("/sync-ui/changed", test_changed_relayed);
  g_test_add_func ("/sync-ui/open-actions", test_open_actions);

  status_code = g_test_run ();

  g_application_release (G_APPLICATION (app));
  g_clear_object (&app);
  return status_code;
}
