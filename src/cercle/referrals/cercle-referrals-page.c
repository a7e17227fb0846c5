/* cercle-referrals-page.c — the referrals page of the main window
 *
 * « Orientations »: every dossier of the user with one status chip per
 * structure, filtered by status; beside it (or over it in a narrow window)
 * the dossier editor or the dossier itself. For an account acting for a
 * structure, a second view « Demandes reçues » lists what was sent to it;
 * it comes first for such an account.
 *
 * The page reads the local store (one connection of its own) and never
 * talks to the server: changes are queued by the referral repo and sent by
 * the sync service, which the page nudges (SyncNow) and listens to
 * (Changed) when it runs; without it everything local still works.
 *
 * Actions: referrals.open(s) opens a dossier (a ServiceRequest id, or a
 * draft's id), referrals.new(s) starts (or resumes) a dossier for a
 * patient; the window forwards win.open-referral and win.new-referral here.
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "cercle-dossier-row.h"
#include "cercle-referral-repo.h"
#include "cercle-referrals-page.h"
#include "cercle-store.h"
#include "cercle-sync-dbus.h"

struct _CercleReferralsPage
{
  AdwBin parent_instance;

  AdwLeaflet          *leaflet;
  GtkStackSwitcher    *lists_switcher;
  GtkStack            *lists_stack;
  GtkDropDown         *filter_dropdown;
  GtkStack            *orientations_stack;
  GtkListView         *dossier_list;
  CercleReceivedPage  *received_page;
  GtkStack            *content_stack;
  GtkWidget           *content_box;
  GtkWidget           *separator;
  AdwStatusPage       *none_page;
  CercleDossierEditor *editor;
  CercleDossierView   *view;

  CercleDb            *db;
  GListStore          *dossiers;
  CercleDBusSync      *sync;
  CercleReferralDraft *watched_draft;
  GCancellable        *cancellable;
  gboolean             loaded;
};

G_DEFINE_FINAL_TYPE (CercleReferralsPage, cercle_referrals_page, ADW_TYPE_BIN)

static CercleDb *
ensure_db (CercleReferralsPage  *self,
           GError              **error)
{
  if (self->db == NULL)
    {
      g_autofree char *path = cercle_store_default_path ();
      g_autofree char *dir = g_path_get_dirname (path);

      g_mkdir_with_parents (dir, 0700);
      self->db = cercle_store_open (path, error);
    }
  return self->db;
}

static void update_content_visible (CercleReferralsPage *self);

static void
show_content (CercleReferralsPage *self,
              const char          *name)
{
  gtk_stack_set_visible_child_name (self->content_stack, name);
  update_content_visible (self);
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_FORWARD);
}

static void
show_problem (CercleReferralsPage *self,
              const char          *message)
{
  adw_status_page_set_title (self->none_page, _("The Dossier Cannot Be Opened"));
  adw_status_page_set_description (self->none_page, message);
  show_content (self, "none");
  gtk_widget_set_visible (self->content_box, TRUE);
  gtk_widget_set_visible (self->separator, TRUE);
}

/* ---- The sync service (best effort) ------------------------------------- */

static void
sync_now_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  /* No service, not signed in: the outbox keeps the change for later. */
  if (!cercle_dbus_sync_call_sync_now_finish (CERCLE_DBUS_SYNC (object), result, &error))
    g_debug ("SyncNow: %s", error->message);
}

static void
nudge_sync (CercleReferralsPage *self)
{
  if (self->sync)
    cercle_dbus_sync_call_sync_now (self->sync, NULL, sync_now_cb, NULL);
}

static void
sync_changed_cb (CercleDBusSync      *sync,
                 const char * const  *kinds,
                 const char * const  *patients,
                 CercleReferralsPage *self)
{
  static const char * const relevant[] = { "ServiceRequest", "Task", "Patient", "Organization", "account", NULL };
  gboolean reload = kinds == NULL || kinds[0] == NULL;

  for (guint i = 0; !reload && relevant[i]; i++)
    reload = g_strv_contains (kinds, relevant[i]);
  if (!reload)
    return;
  cercle_referrals_page_reload (self, NULL);
  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->content_stack), "dossier") == 0)
    cercle_dossier_view_reload (self->view);
}

static void
sync_proxy_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  CercleDBusSync *sync = cercle_dbus_sync_proxy_new_for_bus_finish (result, &error);
  CercleReferralsPage *self;

  if (sync == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("No session bus for the sync service: %s", error->message);
      return;
    }
  self = CERCLE_REFERRALS_PAGE (user_data);
  self->sync = sync;
  g_signal_connect_object (sync, "changed", G_CALLBACK (sync_changed_cb), self, 0);
}

/* ---- Lists --------------------------------------------------------------- */

/* With nothing to list and nothing open, the page is its empty state
 * alone: no second pane saying that nothing is selected. */
static void
update_content_visible (CercleReferralsPage *self)
{
  gboolean something = g_list_model_get_n_items (G_LIST_MODEL (self->dossiers)) > 0
                       || gtk_widget_get_visible (GTK_WIDGET (self->lists_switcher))
                       || g_strcmp0 (gtk_stack_get_visible_child_name (self->content_stack), "none") != 0
                       || gtk_drop_down_get_selected (self->filter_dropdown) != CERCLE_DOSSIER_FILTER_ALL;

  gtk_widget_set_visible (GTK_WIDGET (self->content_box), something);
  gtk_widget_set_visible (GTK_WIDGET (self->separator), something);
}

static void
setup_cb (GtkSignalListItemFactory *factory,
          GtkListItem              *item)
{
  gtk_list_item_set_child (item, cercle_dossier_row_new ());
}

static void
unbind_cb (GtkSignalListItemFactory *factory,
           GtkListItem              *item)
{
  cercle_dossier_row_set_dossier (CERCLE_DOSSIER_ROW (gtk_list_item_get_child (item)), NULL, FALSE);
}

static void
bind_cb (GtkSignalListItemFactory *factory,
         GtkListItem              *item)
{
  CercleDossierRow *row = CERCLE_DOSSIER_ROW (gtk_list_item_get_child (item));

  cercle_dossier_row_set_dossier (row, gtk_list_item_get_item (item), FALSE);
}

/**
 * cercle_referrals_page_reload:
 * @self: the page
 * @error: return location
 *
 * Reads the lists again from the local store.
 *
 * Returns: %TRUE on success
 */
gboolean
cercle_referrals_page_reload (CercleReferralsPage  *self,
                              GError              **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GListModel) list = NULL;
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree char *organization = NULL;
  gboolean desk;
  CercleDb *db;

  g_return_val_if_fail (CERCLE_IS_REFERRALS_PAGE (self), FALSE);

  db = ensure_db (self, &local_error);
  if (db == NULL)
    {
      adw_status_page_set_title (self->none_page, _("The Local Data Cannot Be Opened"));
      adw_status_page_set_description (self->none_page, local_error->message);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  self->loaded = TRUE;

  list = cercle_referral_repo_list_dossiers (db, gtk_drop_down_get_selected (self->filter_dropdown), &local_error);
  if (list == NULL)
    {
      adw_status_page_set_description (self->none_page, local_error->message);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  for (guint i = 0; i < g_list_model_get_n_items (list); i++)
    g_ptr_array_add (items, g_list_model_get_item (list, i));
  g_list_store_splice (self->dossiers, 0, g_list_model_get_n_items (G_LIST_MODEL (self->dossiers)), items->pdata,
                       items->len);
  gtk_stack_set_visible_child_name (self->orientations_stack, items->len > 0 ? "list" : "empty");
  update_content_visible (self);

  cercle_store_get_account (db, NULL, NULL, NULL, &organization, NULL);
  desk = organization != NULL;
  if (desk && !gtk_widget_get_visible (GTK_WIDGET (self->lists_switcher)))
    gtk_stack_set_visible_child_name (self->lists_stack, "received");
  gtk_widget_set_visible (GTK_WIDGET (self->lists_switcher), desk);
  if (!desk)
    gtk_stack_set_visible_child_name (self->lists_stack, "orientations");
  update_content_visible (self);
  if (desk && !cercle_received_page_reload (self->received_page, db, organization, error))
    return FALSE;
  return TRUE;
}

static void
filter_changed_cb (CercleReferralsPage *self)
{
  if (self->loaded)
    cercle_referrals_page_reload (self, NULL);
}

/* The draft's row in « Orientations » follows it as the user types: the
 * dossier in the model takes the draft's values and says it changed; the
 * row bound to it shows them again (no list rebuilt, no row recreated). */
static void
watched_draft_changed_cb (CercleReferralsPage *self)
{
  GListModel *model = G_LIST_MODEL (self->dossiers);
  const char *id = cercle_referral_draft_get_id (self->watched_draft);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(CercleDossier) dossier = g_list_model_get_item (model, i);

      if (g_strcmp0 (cercle_dossier_get_status (dossier), "draft") == 0
          && g_strcmp0 (cercle_dossier_get_referral_id (dossier), id) == 0)
        {
          cercle_dossier_update_from_draft (dossier, self->watched_draft);
          return;
        }
    }
}

static void
edit_draft (CercleReferralsPage *self,
            CercleDb            *db,
            CercleReferralDraft *draft)
{
  if (self->watched_draft)
    g_signal_handlers_disconnect_by_data (self->watched_draft, self);
  g_set_object (&self->watched_draft, draft);
  g_signal_connect_swapped (draft, "changed", G_CALLBACK (watched_draft_changed_cb), self);
  cercle_dossier_editor_set_draft (self->editor, db, draft);
}

static void
open_referral (CercleReferralsPage *self,
               const char          *id,
               const char          *received_task_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CercleReferralDraft) draft = NULL;
  CercleDb *db = ensure_db (self, &error);

  if (db == NULL)
    {
      show_problem (self, error->message);
      return;
    }
  if (cercle_dossier_view_show (self->view, db, id, received_task_id, &error))
    {
      show_content (self, "dossier");
      /* The desk's list shows it read; the sync service reads the Task
       * for the desk, which makes it « Lue » on the server
       * (cercle_referral_repo_list_unread_tasks()). */
      if (received_task_id)
        {
          cercle_referrals_page_reload (self, NULL);
          nudge_sync (self);
        }
      return;
    }
  /* Not sent yet: maybe a draft. */
  g_clear_error (&error);
  draft = cercle_referral_repo_get_draft (db, id, &error);
  if (draft == NULL)
    {
      show_problem (self, error->message);
      return;
    }
  edit_draft (self, db, draft);
  show_content (self, "editor");
}

static void
dossier_activate_cb (CercleReferralsPage *self,
                     guint                position)
{
  g_autoptr(CercleDossier) dossier = g_list_model_get_item (G_LIST_MODEL (self->dossiers), position);

  if (dossier)
    open_referral (self, cercle_dossier_get_referral_id (dossier), NULL);
}

static void
received_open_cb (CercleReferralsPage *self,
                  const char          *referral_id,
                  const char          *task_id)
{
  open_referral (self, referral_id, task_id);
}

static void
editor_sent_cb (CercleReferralsPage *self,
                const char          *referral_id)
{
  g_autofree char *id = g_strdup (referral_id);

  cercle_referrals_page_reload (self, NULL);
  nudge_sync (self);
  open_referral (self, id, NULL);
}

static void
view_changed_cb (CercleReferralsPage *self)
{
  cercle_referrals_page_reload (self, NULL);
  nudge_sync (self);
}

/* ---- Actions ------------------------------------------------------------- */

static void
new_referral (CercleReferralsPage *self,
              const char          *patient_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) drafts = NULL;
  g_autoptr(CercleReferralDraft) draft = NULL;
  CercleDb *db = ensure_db (self, &error);

  if (db == NULL)
    {
      show_problem (self, error->message);
      return;
    }
  /* A dossier begun and left is taken up again, not started twice. */
  drafts = cercle_referral_repo_list_drafts (db, patient_id, &error);
  if (drafts != NULL && drafts->len > 0)
    draft = g_object_ref (g_ptr_array_index (drafts, 0));
  else if (error == NULL)
    draft = cercle_referral_repo_new_draft (db, patient_id, &error);
  if (draft == NULL)
    {
      show_problem (self, error->message);
      return;
    }
  edit_draft (self, db, draft);
  show_content (self, "editor");
  /* The draft is listed (« Brouillon »), to be taken up later. */
  cercle_referrals_page_reload (self, NULL);
}

static void
new_action_cb (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  new_referral (CERCLE_REFERRALS_PAGE (widget), g_variant_get_string (parameter, NULL));
}

static void
open_action_cb (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  CercleReferralsPage *self = CERCLE_REFERRALS_PAGE (widget);

  if (!self->loaded)
    cercle_referrals_page_reload (self, NULL);
  gtk_stack_set_visible_child_name (self->lists_stack, "orientations");
  open_referral (self, g_variant_get_string (parameter, NULL), NULL);
}

static void
back_action_cb (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  CercleReferralsPage *self = CERCLE_REFERRALS_PAGE (widget);

  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
  gtk_widget_grab_focus (GTK_WIDGET (self->dossier_list));
}

/* Read again each time the page is shown: the store is shared with
 * cercle-cli and cercle-syncd, which may have changed it while the user
 * was elsewhere (the Changed signal needs the service on the bus). */
static void
map_cb (CercleReferralsPage *self)
{
  cercle_referrals_page_reload (self, NULL);
}

/* ---- Accessors (tests, the window) -------------------------------------- */

/**
 * cercle_referrals_page_get_dossiers:
 * @self: the page
 *
 * Returns: (transfer none): the dossiers of « Orientations », as #CercleDossier
 */
GListModel *
cercle_referrals_page_get_dossiers (CercleReferralsPage *self)
{
  g_return_val_if_fail (CERCLE_IS_REFERRALS_PAGE (self), NULL);
  return G_LIST_MODEL (self->dossiers);
}

/**
 * cercle_referrals_page_get_editor:
 * @self: the page
 *
 * Returns: (transfer none): the dossier editor
 */
CercleDossierEditor *
cercle_referrals_page_get_editor (CercleReferralsPage *self)
{
  g_return_val_if_fail (CERCLE_IS_REFERRALS_PAGE (self), NULL);
  return self->editor;
}

/**
 * cercle_referrals_page_get_view:
 * @self: the page
 *
 * Returns: (transfer none): the dossier view
 */
CercleDossierView *
cercle_referrals_page_get_view (CercleReferralsPage *self)
{
  g_return_val_if_fail (CERCLE_IS_REFERRALS_PAGE (self), NULL);
  return self->view;
}

/**
 * cercle_referrals_page_get_received_page:
 * @self: the page
 *
 * Returns: (transfer none): « Demandes reçues »
 */
CercleReceivedPage *
cercle_referrals_page_get_received_page (CercleReferralsPage *self)
{
  g_return_val_if_fail (CERCLE_IS_REFERRALS_PAGE (self), NULL);
  return self->received_page;
}

/**
 * cercle_referrals_page_get_content:
 * @self: the page
 *
 * Returns: "none", "editor" or "dossier"
 */
const char *
cercle_referrals_page_get_content (CercleReferralsPage *self)
{
  g_return_val_if_fail (CERCLE_IS_REFERRALS_PAGE (self), NULL);
  return gtk_stack_get_visible_child_name (self->content_stack);
}

/**
 * cercle_referrals_page_get_list_view:
 * @self: the page
 *
 * Returns: (transfer none): the list of « Orientations »
 */
GtkListView *
cercle_referrals_page_get_list_view (CercleReferralsPage *self)
{
  g_return_val_if_fail (CERCLE_IS_REFERRALS_PAGE (self), NULL);
  return self->dossier_list;
}

static void
cercle_referrals_page_dispose (GObject *object)
{
  CercleReferralsPage *self = (CercleReferralsPage *) object;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->sync);
  if (self->watched_draft)
    g_signal_handlers_disconnect_by_data (self->watched_draft, self);
  g_clear_object (&self->watched_draft);
  /* No gtk_widget_dispose_template(): the leaflet is AdwBin's child,
   * which AdwBin unparents itself (doing it twice is a critical). */
  g_clear_object (&self->dossiers);
  g_clear_object (&self->db);

  G_OBJECT_CLASS (cercle_referrals_page_parent_class)->dispose (object);
}

static void
cercle_referrals_page_class_init (CercleReferralsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cercle_referrals_page_dispose;

  g_type_ensure (CERCLE_TYPE_DOSSIER_EDITOR);
  g_type_ensure (CERCLE_TYPE_DOSSIER_VIEW);
  g_type_ensure (CERCLE_TYPE_RECEIVED_PAGE);

  gtk_widget_class_set_template_from_resource (widget_class, "/fr/cercle/Cercle/referrals/cercle-referrals-page.ui");
  gtk_widget_class_bind_template_child (widget_class, CercleReferralsPage, leaflet);
  gtk_widget_class_bind_template_child (widget_class, CercleReferralsPage, lists_switcher);
  gtk_widget_class_bind_template_child (widget_class, CercleReferralsPage, lists_stack);
  gtk_widget_class_bind_template_child (widget_class, CercleReferralsPage, filter_dropdown);
  gtk_widget_class_bind_template_child (widget_class, CercleReferralsPage, orientations_stack);
  gtk_widget_class_bind_template_child (widget_class, CercleReferralsPage, dossier_list);
  gtk_widget_class_bind_template_child (widget_class, CercleReferralsPage, received_page);
  gtk_widget_class_bind_template_child (widget_class, CercleReferralsPage, content_stack);
  gtk_widget_class_bind_template_child (widget_class, CercleReferralsPage, content_box);
  gtk_widget_class_bind_template_child (widget_class, CercleReferralsPage, separator);
  gtk_widget_class_bind_template_child (widget_class, CercleReferralsPage, none_page);
  gtk_widget_class_bind_template_child (widget_class, CercleReferralsPage, editor);
  gtk_widget_class_bind_template_child (widget_class, CercleReferralsPage, view);
  gtk_widget_class_bind_template_callback (widget_class, filter_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, dossier_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, received_open_cb);
  gtk_widget_class_bind_template_callback (widget_class, editor_sent_cb);
  gtk_widget_class_bind_template_callback (widget_class, view_changed_cb);

  gtk_widget_class_install_action (widget_class, "referrals.open", "s", open_action_cb);
  gtk_widget_class_install_action (widget_class, "referrals.new", "s", new_action_cb);
  gtk_widget_class_install_action (widget_class, "referrals.back", NULL, back_action_cb);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Left, GDK_ALT_MASK, "referrals.back", NULL);
}

static void
cercle_referrals_page_init (CercleReferralsPage *self)
{
  g_autoptr(GtkStringList) filters = gtk_string_list_new (NULL);
  GtkListItemFactory *factory;

  gtk_widget_init_template (GTK_WIDGET (self));

  /* In the order of CercleDossierFilter. */
  gtk_string_list_append (filters, _("All Dossiers"));
  gtk_string_list_append (filters, _("Waiting for an Answer"));
  gtk_string_list_append (filters, _("Accepted"));
  gtk_string_list_append (filters, _("Admission Confirmed"));
  gtk_string_list_append (filters, _("Refused or Cancelled"));
  gtk_drop_down_set_model (self->filter_dropdown, G_LIST_MODEL (filters));
  /* GTK 4.8 gives the drop-down's own button no name: a screen reader
   * would say "toggle button" alone. It is the filter. */
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->filter_dropdown)); child;
       child = gtk_widget_get_next_sibling (child))
    if (GTK_IS_TOGGLE_BUTTON (child))
      gtk_accessible_update_property (GTK_ACCESSIBLE (child), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Status Filter"), -1);

  self->dossiers = g_list_store_new (CERCLE_TYPE_DOSSIER);
  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (setup_cb), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_cb), NULL);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_cb), NULL);
  gtk_list_view_set_factory (self->dossier_list, factory);
  g_object_unref (factory);
  {
    g_autoptr(GtkSingleSelection) selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->dossiers)));

    gtk_single_selection_set_autoselect (selection, FALSE);
    gtk_list_view_set_model (self->dossier_list, GTK_SELECTION_MODEL (selection));
  }
  gtk_stack_set_visible_child_name (self->orientations_stack, "empty");
  g_signal_connect (self, "map", G_CALLBACK (map_cb), NULL);

  self->cancellable = g_cancellable_new ();
  cercle_dbus_sync_proxy_new_for_bus (G_BUS_TYPE_SESSION, G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START,
                                      "fr.cercle.Cercle.Sync", "/fr/cercle/Cercle/Sync", self->cancellable,
                                      sync_proxy_cb, self);
}

/**
 * cercle_referrals_page_new:
 *
 * Returns: (transfer floating): the page
 */
GtkWidget *
cercle_referrals_page_new (void)
{
  return g_object_new (CERCLE_TYPE_REFERRALS_PAGE, NULL);
}
