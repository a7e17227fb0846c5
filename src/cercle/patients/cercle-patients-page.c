/* cercle-patients-page.c — the patients page of the main window
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The care team's daily place: the patients of the local store, filtered as
 * one types (CerclePatientList, read in a thread), beside the open file
 * (CerclePatientView). On a narrow window the leaflet folds and shows one at
 * a time, like the Annuaire.
 *
 * Everything works offline. After a local change the page asks the sync
 * service to send now, best effort; when the service says something
 * changed, the list and the open file are read again. Both go through the
 * application's CercleSyncStatus (cercle_application_get_sync_status()),
 * which follows the service coming and going; a page in a window without
 * a CercleApplication (the page's own tests) makes a status of its own.
 * With no service on the bus nothing of this happens, and the page works
 * the same on what the store holds.
 *
 * Actions: `patients.open(s)` opens a patient by id (the window's
 * `win.open-patient` forwards to it), `patients.new` (Ctrl+N) opens
 * « Nouveau patient », `patients.search` (Ctrl+F) focuses the search.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "cercle-application.h"
#include "cercle-new-patient-dialog.h"
#include "cercle-patient-list.h"
#include "cercle-patient-row.h"
#include "cercle-patient-view.h"
#include "cercle-patients-page.h"
#include "cercle-store.h"
#include "cercle-sync-status.h"

struct _CerclePatientsPage
{
  AdwBin parent_instance;

  CercleDb *db;
  CerclePatientList *list;
  GListStore *slots;     /* one plain GObject per row position, see on_list_changed() */
  GPtrArray *slot_pool;  /* every slot made, reused when the list grows again */
  GHashTable *bound;     /* GtkListItem* whose row shows a patient */
  GPtrArray *spare_rows; /* CerclePatientRow of list items GTK destroyed */
  GtkNoSelection *selection;
  CercleSyncStatus *sync_status;
  gulong changed_id;
  GtkWindow *window;     /* the root, while waiting for its application */
  gulong application_id;
  GCancellable *cancellable;
  char *pending_open;    /* an id asked for before the list was loaded */
  gboolean loaded;

  AdwToastOverlay *toast_overlay;
  AdwLeaflet *leaflet;
  GtkSearchEntry *search_entry;
  GtkLabel *count_label;
  GtkStack *page_stack;
  GtkStack *list_stack;
  GtkListView *list_view;
  GtkStack *detail_stack;
  CerclePatientView *patient_view;
};

G_DEFINE_FINAL_TYPE (CerclePatientsPage, cercle_patients_page, ADW_TYPE_BIN)

static const char page_css[] =
  ".cercle-status { border-radius: 9999px; padding: 1px 8px; font-weight: bold; }"
  ".cercle-status-qualified { background-color: alpha(@success_color, 0.15); color: @success_color; }"
  ".cercle-status-partial { background-color: alpha(@accent_color, 0.15); color: @accent_color; }"
  ".cercle-status-provisional { background-color: alpha(@warning_color, 0.18); color: @warning_color; }"
  ".cercle-unread { border-radius: 9999px; min-width: 20px; padding: 1px 6px; font-weight: bold;"
  "  background-color: @accent_bg_color; color: @accent_fg_color; }"
  ".cercle-chip { border-radius: 9999px; padding: 1px 8px; background-color: alpha(@view_fg_color, 0.08); }"
  ".cercle-note-vigilance { background-color: alpha(@error_color, 0.15); color: @error_color; }"
  ".cercle-note-transmission { background-color: alpha(@accent_color, 0.15); color: @accent_color; }"
  ".cercle-note-compte-rendu { background-color: alpha(@success_color, 0.15); color: @success_color; }"
  ".cercle-new { background-color: @accent_bg_color; color: @accent_fg_color; }"
  ".cercle-unread-note { box-shadow: inset 4px 0 @accent_bg_color; }"
  ".cercle-corrected { text-decoration-line: line-through; opacity: 0.7; }"
  ".cercle-circle-change { background-color: alpha(@view_fg_color, 0.03); }";

/* The page's own look travels with it (tests show it without the app). */
static void
ensure_css (GtkWidget *widget)
{
  static GdkDisplay *done_for;
  GdkDisplay *display = gtk_widget_get_display (widget);
  g_autoptr(GtkCssProvider) provider = NULL;

  if (display == NULL || display == done_for)
    return;
  provider = gtk_css_provider_new ();
  gtk_css_provider_load_from_data (provider, page_css, -1);
  gtk_style_context_add_provider_for_display (display, GTK_STYLE_PROVIDER (provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  done_for = display;
}

static void
toast (CerclePatientsPage *self,
       const char         *text)
{
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (text));
}

static void
update_count (CerclePatientsPage *self)
{
  guint total = cercle_patient_list_get_total (self->list);
  guint shown = g_list_model_get_n_items (G_LIST_MODEL (self->list));
  g_autofree char *text = NULL;
  const char *filter = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));

  if (filter == NULL || *filter == '\0')
    text = g_strdup_printf (ngettext ("%u patient", "%u patients", total), total);
  else
    /* TRANSLATORS: patients matching the search, of all patients */
    text = g_strdup_printf (ngettext ("%u patient of %u", "%u patients of %u", shown), shown, total);
  gtk_label_set_label (self->count_label, text);
  /* An empty store: one empty state for the whole page. */
  gtk_stack_set_visible_child_name (self->page_stack, total == 0 ? "empty" : "main");
  gtk_stack_set_visible_child_name (self->list_stack, shown == 0 ? "no-match" : "list");
}

static void
on_search_changed (CerclePatientsPage *self)
{
  GtkAdjustment *scroll = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (self->list_view));

  cercle_patient_list_set_filter (self->list, gtk_editable_get_text (GTK_EDITABLE (self->search_entry)));
  /* A new search shows its first matches, wherever the list was. */
  if (scroll != NULL)
    gtk_adjustment_set_value (scroll, 0);
  update_count (self);
}

static gboolean
open_patient (CerclePatientsPage *self,
              const char         *id)
{
  g_autoptr(GError) error = NULL;

  if (!cercle_patient_view_open (self->patient_view, id, &error))
    {
      toast (self, error->message);
      return FALSE;
    }
  gtk_stack_set_visible_child_name (self->page_stack, "main");
  gtk_stack_set_visible_child_name (self->detail_stack, "patient");
  adw_leaflet_set_visible_child_name (self->leaflet, "detail");
  cercle_patient_list_set_unread (self->list, id, 0);
  return TRUE;
}

static void
on_search_activate (CerclePatientsPage *self)
{
  g_autoptr(CerclePatient) first = g_list_model_get_item (G_LIST_MODEL (self->list), 0);

  /* Enter opens the first match. */
  if (first)
    open_patient (self, cercle_patient_get_id (first));
}

static void
on_row_activate (CerclePatientsPage *self,
                 guint               position)
{
  g_autoptr(CerclePatient) patient = g_list_model_get_item (G_LIST_MODEL (self->list), position);

  if (patient)
    open_patient (self, cercle_patient_get_id (patient));
}

static void
on_go_back (CerclePatientsPage *self)
{
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

static void on_sync_changed (CerclePatientsPage  *self,
                             const char * const  *kinds,
                             const char * const  *patients);

static void
forget_window (CerclePatientsPage *self)
{
  if (self->window != NULL)
    {
      g_clear_signal_handler (&self->application_id, self->window);
      g_object_remove_weak_pointer (G_OBJECT (self->window), (gpointer *) &self->window);
      self->window = NULL;
    }
}

static void
use_sync_status (CerclePatientsPage *self,
                 CercleSyncStatus   *status)
{
  forget_window (self);
  if (self->sync_status == status)
    return;
  if (self->sync_status != NULL)
    g_clear_signal_handler (&self->changed_id, self->sync_status);
  g_set_object (&self->sync_status, status);
  self->changed_id = g_signal_connect_object (status, "changed", G_CALLBACK (on_sync_changed), self,
                                              G_CONNECT_SWAPPED);
}

/* The application's sync status, once the page is in one of its windows.
 * Without an application (a bare GtkWindow) the page makes its own when it
 * first needs one, so that it still hears the service. */
static CercleSyncStatus *
sync_status (CerclePatientsPage *self,
             gboolean            fallback)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkApplication *app = GTK_IS_WINDOW (root) ? gtk_window_get_application (GTK_WINDOW (root)) : NULL;

  if (CERCLE_IS_APPLICATION (app))
    use_sync_status (self, cercle_application_get_sync_status (CERCLE_APPLICATION (app)));
  else if (self->sync_status == NULL && fallback)
    {
      g_autoptr(CercleSyncStatus) own = cercle_sync_status_new ();

      use_sync_status (self, own);
    }
  return self->sync_status;
}

/* Asks the sync service to send now: best effort, nothing happens when no
 * service runs (the change waits in the outbox). */
static void
ask_sync (CerclePatientsPage *self)
{
  cercle_sync_status_sync_now (sync_status (self, TRUE));
}

static void reload_list (CerclePatientsPage *self);

static void
on_patient_changed (CerclePatientsPage *self,
                    const char         *patient_id)
{
  ask_sync (self);
}

static void
list_loaded (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  CerclePatientsPage *self;

  if (!cercle_patient_list_load_finish (CERCLE_PATIENT_LIST (source), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("Cannot read the patients: %s", error->message);
      return;
    }
  self = user_data;
  self->loaded = TRUE;
  update_count (self);
  if (self->pending_open)
    {
      g_autofree char *id = g_steal_pointer (&self->pending_open);
      open_patient (self, id);
    }
}

static void
reload_list (CerclePatientsPage *self)
{
  if (self->db == NULL)
    return;
  cercle_patient_list_load_async (self->list, cercle_db_get_path (self->db), self->cancellable, list_loaded, self);
}

static void
on_sync_changed (CerclePatientsPage  *self,
                 const char * const  *kinds,
                 const char * const  *patients)
{
  const char *open = cercle_patient_view_get_patient_id (self->patient_view);

  /* Only the local store is read again: a stray signal costs a reload,
   * never data. */
  reload_list (self);
  if (open != NULL && (patients == NULL || patients[0] == NULL || g_strv_contains (patients, open)))
    cercle_patient_view_reload (self->patient_view);
}

static void
on_application (CerclePatientsPage *self)
{
  sync_status (self, FALSE);
}

/* A CercleWindow is given its application after its template (and this
 * page) is built: wait for it rather than make a second status. */
static void
cercle_patients_page_root (GtkWidget *widget)
{
  CerclePatientsPage *self = CERCLE_PATIENTS_PAGE (widget);
  GtkRoot *root;

  GTK_WIDGET_CLASS (cercle_patients_page_parent_class)->root (widget);
  root = gtk_widget_get_root (widget);
  if (sync_status (self, FALSE) == NULL && GTK_IS_WINDOW (root) && self->window == NULL)
    {
      self->window = GTK_WINDOW (root);
      g_object_add_weak_pointer (G_OBJECT (root), (gpointer *) &self->window);
      self->application_id = g_signal_connect_object (root, "notify::application", G_CALLBACK (on_application),
                                                      self, G_CONNECT_SWAPPED);
    }
}

static void
cercle_patients_page_unroot (GtkWidget *widget)
{
  forget_window (CERCLE_PATIENTS_PAGE (widget));
  GTK_WIDGET_CLASS (cercle_patients_page_parent_class)->unroot (widget);
}

static void
new_patient_saved (CerclePatientsPage *self,
                   const char         *id)
{
  g_free (self->pending_open);
  self->pending_open = g_strdup (id);
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
  reload_list (self);
  ask_sync (self);
  toast (self, _("Patient file created"));
}

static void
new_action (GtkWidget  *widget,
            const char *action_name,
            GVariant   *parameter)
{
  CerclePatientsPage *self = CERCLE_PATIENTS_PAGE (widget);
  GtkWidget *dialog;

  if (self->db == NULL)
    return;
  dialog = cercle_new_patient_dialog_new (GTK_WINDOW (gtk_widget_get_root (widget)), self->db);
  g_signal_connect_object (dialog, "patient-saved", G_CALLBACK (new_patient_saved), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (dialog, "open-patient", G_CALLBACK (open_patient), self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
open_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  CerclePatientsPage *self = CERCLE_PATIENTS_PAGE (widget);
  const char *id = g_variant_get_string (parameter, NULL);

  if (!self->loaded)
    {
      g_free (self->pending_open);
      self->pending_open = g_strdup (id);
      return;
    }
  open_patient (self, id);
}

static void
search_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  CerclePatientsPage *self = CERCLE_PATIENTS_PAGE (widget);

  adw_leaflet_set_visible_child_name (self->leaflet, "list");
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

/* GTK destroys the list items of the slots that go when the matches get
 * fewer, and makes new ones when they grow again (clearing the search):
 * their rows are kept aside and given to the next list items, rather than
 * built and torn down with them. */
#define MAX_SPARE_ROWS 256

static void
setup_row (GtkSignalListItemFactory *factory,
           GtkListItem              *item,
           CerclePatientsPage       *self)
{
  GtkWidget *row;

  if (self->spare_rows != NULL && self->spare_rows->len > 0)
    row = g_ptr_array_steal_index_fast (self->spare_rows, self->spare_rows->len - 1);
  else
    row = g_object_ref_sink (cercle_patient_row_new ());
  gtk_list_item_set_child (item, row);
  /* Our reference, given back at teardown. */
  g_object_set_data (G_OBJECT (item), "cercle-patient-row", row);
}

static void
teardown_row (GtkSignalListItemFactory *factory,
              GtkListItem              *item,
              CerclePatientsPage       *self)
{
  GtkWidget *row = g_object_steal_data (G_OBJECT (item), "cercle-patient-row");

  if (self->bound != NULL)
    g_hash_table_remove (self->bound, item);
  if (row == NULL)
    return;
  /* GTK cleared the child before this signal: the row has no parent. */
  if (gtk_widget_get_parent (row) == NULL && self->spare_rows != NULL && self->spare_rows->len < MAX_SPARE_ROWS)
    g_ptr_array_add (self->spare_rows, row);
  else
    g_object_unref (row);
}

/* The list view's items are slots, one per position: the row of a slot
 * shows the patient the list has at that position. */
static void
show_row (CerclePatientsPage *self,
          GtkListItem        *item)
{
  g_autoptr(CerclePatient) patient = g_list_model_get_item (G_LIST_MODEL (self->list),
                                                            gtk_list_item_get_position (item));

  if (patient != NULL)
    cercle_patient_row_set_patient (CERCLE_PATIENT_ROW (gtk_list_item_get_child (item)), patient,
                                    cercle_patient_list_get_unread (self->list, cercle_patient_get_id (patient)));
}

static void
bind_row (GtkSignalListItemFactory *factory,
          GtkListItem              *item,
          CerclePatientsPage       *self)
{
  g_hash_table_add (self->bound, item);
  show_row (self, item);
}

static void
unbind_row (GtkSignalListItemFactory *factory,
            GtkListItem              *item,
            CerclePatientsPage       *self)
{
  if (self->bound != NULL)
    g_hash_table_remove (self->bound, item);
}

/* The patients at positions [@position, …) changed. GTK 4.8's list view
 * keeps 205 rows alive around what is shown (200, and 2 × 2 more, however
 * tall the window), and it cannot give the row of a patient that went
 * away to one that came: every keystroke destroyed up to 200 rows of
 * widgets and built as many (tests/bench/bench-patients). The view is
 * given slots instead, which never move: only the rows already bound are
 * told their new patient, and slots come and go at the end only when the
 * number of matches changes. */
static void
on_list_changed (CerclePatientsPage *self,
                 guint               position,
                 guint               removed,
                 guint               added)
{
  guint n_slots, n;
  guint end;
  GHashTableIter iter;
  gpointer item;

  if (self->slots == NULL)
    return;
  n_slots = g_list_model_get_n_items (G_LIST_MODEL (self->slots));
  n = g_list_model_get_n_items (G_LIST_MODEL (self->list));
  /* Same length: only that range; otherwise everything after it moved. */
  end = removed == added ? position + added : n;
  if (n < n_slots)
    g_list_store_splice (self->slots, n, n_slots - n, NULL, 0);
  g_hash_table_iter_init (&iter, self->bound);
  while (g_hash_table_iter_next (&iter, &item, NULL))
    {
      guint at = gtk_list_item_get_position (item);

      if (at >= position && at < end)
        show_row (self, item);
    }
  if (n > n_slots)
    {
      while (self->slot_pool->len < n)
        g_ptr_array_add (self->slot_pool, g_object_new (G_TYPE_OBJECT, NULL));
      g_list_store_splice (self->slots, n_slots, 0, self->slot_pool->pdata + n_slots, n - n_slots);
    }
}

static void
on_folded (CerclePatientsPage *self)
{
  cercle_patient_view_set_show_back (self->patient_view, adw_leaflet_get_folded (self->leaflet));
}

static void
cercle_patients_page_map (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (cercle_patients_page_parent_class)->map (widget);
  ensure_css (widget);
  /* Shown without an application: listen to the service on our own. */
  sync_status (CERCLE_PATIENTS_PAGE (widget), TRUE);
}

static void
cercle_patients_page_dispose (GObject *object)
{
  CerclePatientsPage *self = CERCLE_PATIENTS_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  /* AdwBin would unparent its child again after the template did. */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), CERCLE_TYPE_PATIENTS_PAGE);
  forget_window (self);
  if (self->sync_status != NULL)
    g_clear_signal_handler (&self->changed_id, self->sync_status);
  g_clear_object (&self->sync_status);
  g_clear_object (&self->selection);
  g_clear_object (&self->slots);
  g_clear_pointer (&self->slot_pool, g_ptr_array_unref);
  g_clear_pointer (&self->bound, g_hash_table_unref);
  g_clear_pointer (&self->spare_rows, g_ptr_array_unref);
  g_clear_object (&self->list);
  g_clear_object (&self->db);
  g_clear_pointer (&self->pending_open, g_free);

  G_OBJECT_CLASS (cercle_patients_page_parent_class)->dispose (object);
}

static void
cercle_patients_page_class_init (CerclePatientsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cercle_patients_page_dispose;
  widget_class->map = cercle_patients_page_map;
  widget_class->root = cercle_patients_page_root;
  widget_class->unroot = cercle_patients_page_unroot;

  g_type_ensure (CERCLE_TYPE_PATIENT_VIEW);
  gtk_widget_class_set_template_from_resource (widget_class, "/fr/cercle/Cercle/patients/cercle-patients-page.ui");
  gtk_widget_class_bind_template_child (widget_class, CerclePatientsPage, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, CerclePatientsPage, leaflet);
  gtk_widget_class_bind_template_child (widget_class, CerclePatientsPage, search_entry);
  gtk_widget_class_bind_template_child (widget_class, CerclePatientsPage, count_label);
  gtk_widget_class_bind_template_child (widget_class, CerclePatientsPage, page_stack);
  gtk_widget_class_bind_template_child (widget_class, CerclePatientsPage, list_stack);
  gtk_widget_class_bind_template_child (widget_class, CerclePatientsPage, list_view);
  gtk_widget_class_bind_template_child (widget_class, CerclePatientsPage, detail_stack);
  gtk_widget_class_bind_template_child (widget_class, CerclePatientsPage, patient_view);
  gtk_widget_class_bind_template_callback (widget_class, on_search_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_search_activate);
  gtk_widget_class_bind_template_callback (widget_class, on_row_activate);
  gtk_widget_class_bind_template_callback (widget_class, on_go_back);
  gtk_widget_class_bind_template_callback (widget_class, on_patient_changed);

  /* The contract with the window: win.open-patient forwards here. */
  gtk_widget_class_install_action (widget_class, "patients.open", "s", open_action);
  gtk_widget_class_install_action (widget_class, "patients.new", NULL, new_action);
  gtk_widget_class_install_action (widget_class, "patients.search", NULL, search_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, GDK_CONTROL_MASK, "patients.new", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK, "patients.search", NULL);
}

static void
cercle_patients_page_init (CerclePatientsPage *self)
{
  g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *path = cercle_store_default_path ();

  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  self->list = cercle_patient_list_new ();
  self->slots = g_list_store_new (G_TYPE_OBJECT);
  self->slot_pool = g_ptr_array_new_with_free_func (g_object_unref);
  self->bound = g_hash_table_new (NULL, NULL);
  self->spare_rows = g_ptr_array_new_with_free_func (g_object_unref);
  g_signal_connect_object (self->list, "items-changed", G_CALLBACK (on_list_changed), self, G_CONNECT_SWAPPED);
  /* Rows are activated, not selected: a selection model would walk the
   * whole list at each keystroke. */
  self->selection = gtk_no_selection_new (g_object_ref (G_LIST_MODEL (self->slots)));
  g_signal_connect (factory, "setup", G_CALLBACK (setup_row), self);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_row), self);
  g_signal_connect (factory, "teardown", G_CALLBACK (teardown_row), self);
  gtk_list_view_set_factory (self->list_view, factory);
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (self->selection));
  g_signal_connect_object (self->leaflet, "notify::folded", G_CALLBACK (on_folded), self, G_CONNECT_SWAPPED);

  /* The directory of the store path's folder may not exist on a first run. */
  {
    g_autofree char *dir = g_path_get_dirname (path);
    g_mkdir_with_parents (dir, 0700);
  }
  self->db = cercle_store_open (path, &error);
  if (self->db == NULL)
    {
      g_warning ("Cannot open the local store %s: %s", path, error->message);
      update_count (self);
      return;
    }
  cercle_patient_view_set_db (self->patient_view, self->db);
  update_count (self);
  reload_list (self);
}

GtkWidget *
cercle_patients_page_new (void)
{
  return g_object_new (CERCLE_TYPE_PATIENTS_PAGE, NULL);
}
