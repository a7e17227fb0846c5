/* cercle-received-page.c — « Demandes reçues »: the requests sent to a structure
 *
 * For an account acting for a structure (an admission desk): the Tasks its
 * structure owns, the newest first, each with the patient's identity, the
 * orientation type and its status. Activating one asks the page to open it
 * (the dossier view marks it read; the server records « Lue » when the
 * sync reads it for the desk).
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "cercle-dossier-row.h"
#include "cercle-received-page.h"
#include "cercle-referral-repo.h"

struct _CercleReceivedPage
{
  GtkBox parent_instance;

  GtkStack    *stack;
  GtkListView *list_view;

  GListStore  *model;
};

G_DEFINE_FINAL_TYPE (CercleReceivedPage, cercle_received_page, GTK_TYPE_BOX)

enum {
  OPEN,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

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
  cercle_dossier_row_set_dossier (CERCLE_DOSSIER_ROW (gtk_list_item_get_child (item)), NULL, TRUE);
}

static void
bind_cb (GtkSignalListItemFactory *factory,
         GtkListItem              *item)
{
  CercleDossier *dossier = gtk_list_item_get_item (item);
  CercleDossierRow *row = CERCLE_DOSSIER_ROW (gtk_list_item_get_child (item));
  g_autofree char *text = NULL;

  cercle_dossier_row_set_dossier (row, dossier, TRUE);
  text = cercle_dossier_row_dup_text (row);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text, -1);
}

static void
list_activate_cb (CercleReceivedPage *self,
                  guint               position)
{
  g_autoptr(CercleDossier) dossier = g_list_model_get_item (G_LIST_MODEL (self->model), position);

  if (dossier == NULL || cercle_dossier_get_n_destinations (dossier) == 0)
    return;
  g_signal_emit (self, signals[OPEN], 0, cercle_dossier_get_referral_id (dossier),
                 cercle_dossier_get_destination (dossier, 0)->task_id);
}

/**
 * cercle_received_page_reload:
 * @self: the page
 * @db: the local store
 * @organization_ref: "Organization/ID" of the account's structure
 * @error: return location
 *
 * Returns: %TRUE when the list was read
 */
gboolean
cercle_received_page_reload (CercleReceivedPage  *self,
                             CercleDb            *db,
                             const char          *organization_ref,
                             GError             **error)
{
  g_autoptr(GListModel) list = NULL;
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);

  g_return_val_if_fail (CERCLE_IS_RECEIVED_PAGE (self), FALSE);

  list = cercle_referral_repo_list_received (db, organization_ref, error);
  if (list == NULL)
    return FALSE;
  for (guint i = 0; i < g_list_model_get_n_items (list); i++)
    g_ptr_array_add (items, g_list_model_get_item (list, i));
  g_list_store_splice (self->model, 0, g_list_model_get_n_items (G_LIST_MODEL (self->model)), items->pdata,
                       items->len);
  gtk_stack_set_visible_child_name (self->stack, items->len > 0 ? "list" : "empty");
  return TRUE;
}

/**
 * cercle_received_page_get_model:
 * @self: the page
 *
 * Returns: (transfer none): the requests shown, as #CercleDossier
 */
GListModel *
cercle_received_page_get_model (CercleReceivedPage *self)
{
  g_return_val_if_fail (CERCLE_IS_RECEIVED_PAGE (self), NULL);
  return G_LIST_MODEL (self->model);
}

/**
 * cercle_received_page_get_list_view:
 * @self: the page
 *
 * Returns: (transfer none): the list
 */
GtkListView *
cercle_received_page_get_list_view (CercleReceivedPage *self)
{
  g_return_val_if_fail (CERCLE_IS_RECEIVED_PAGE (self), NULL);
  return self->list_view;
}

static void
cercle_received_page_dispose (GObject *object)
{
  CercleReceivedPage *self = (CercleReceivedPage *) object;

  gtk_widget_dispose_template (GTK_WIDGET (object), CERCLE_TYPE_RECEIVED_PAGE);
  g_clear_object (&self->model);
  G_OBJECT_CLASS (cercle_received_page_parent_class)->dispose (object);
}

static void
cercle_received_page_class_init (CercleReceivedPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cercle_received_page_dispose;

  /**
   * CercleReceivedPage::open:
   * @referral_id: the ServiceRequest
   * @task_id: the Task the structure received
   */
  signals[OPEN] = g_signal_new ("open", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class, "/fr/cercle/Cercle/referrals/cercle-received-page.ui");
  gtk_widget_class_bind_template_child (widget_class, CercleReceivedPage, stack);
  gtk_widget_class_bind_template_child (widget_class, CercleReceivedPage, list_view);
  gtk_widget_class_bind_template_callback (widget_class, list_activate_cb);
}

static void
cercle_received_page_init (CercleReceivedPage *self)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();

  gtk_widget_init_template (GTK_WIDGET (self));
  self->model = g_list_store_new (CERCLE_TYPE_DOSSIER);
  g_signal_connect (factory, "setup", G_CALLBACK (setup_cb), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_cb), NULL);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_cb), NULL);
  gtk_list_view_set_factory (self->list_view, factory);
  g_object_unref (factory);
  {
    g_autoptr(GtkSingleSelection) selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->model)));

    gtk_single_selection_set_autoselect (selection, FALSE);
    gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (selection));
  }
  gtk_stack_set_visible_child_name (self->stack, "empty");
}

/**
 * cercle_received_page_new:
 *
 * Returns: (transfer floating): the page
 */
GtkWidget *
cercle_received_page_new (void)
{
  return g_object_new (CERCLE_TYPE_RECEIVED_PAGE, NULL);
}
