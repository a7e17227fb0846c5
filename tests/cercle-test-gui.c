/* cercle-test-gui.c — find widgets on screen in the GUI tests
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Moved out of test-patients-page.c, test-e2e-notes.c and
 * test-e2e-conflict.c, which each held a copy.
 */
#include "config.h"

#include "cercle-test-gui.h"

/* Every widget of @type under @widget (itself included), depth first; with
 * @mapped_only, the parts not on screen are skipped. */
void
cercle_test_collect (GtkWidget *widget,
                     GType      type,
                     gboolean   mapped_only,
                     GPtrArray *out)
{
  if (mapped_only && !gtk_widget_get_mapped (widget))
    return;
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    g_ptr_array_add (out, widget);
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
    cercle_test_collect (c, type, mapped_only, out);
}

/* The one widget of @type under @root: a test failure if there are more. */
GtkWidget *
cercle_test_find_one (GtkWidget *root,
                      GType      type)
{
  g_autoptr(GPtrArray) found = g_ptr_array_new ();

  cercle_test_collect (root, type, FALSE, found);
  g_assert_cmpuint (found->len, ==, 1);
  return g_ptr_array_index (found, 0);
}

/* A mapped label showing exactly @text. */
GtkWidget *
cercle_test_find_label (GtkWidget  *root,
                        const char *text)
{
  g_autoptr(GPtrArray) found = g_ptr_array_new ();

  cercle_test_collect (root, GTK_TYPE_LABEL, TRUE, found);
  for (guint i = 0; i < found->len; i++)
    if (g_strcmp0 (gtk_label_get_text (g_ptr_array_index (found, i)), text) == 0)
      return g_ptr_array_index (found, i);
  return NULL;
}

/* A mapped button by its label. */
GtkWidget *
cercle_test_find_button (GtkWidget  *root,
                         const char *label)
{
  g_autoptr(GPtrArray) found = g_ptr_array_new ();

  cercle_test_collect (root, GTK_TYPE_BUTTON, TRUE, found);
  for (guint i = 0; i < found->len; i++)
    if (g_strcmp0 (gtk_button_get_label (g_ptr_array_index (found, i)), label) == 0)
      return g_ptr_array_index (found, i);
  return NULL;
}

/* A visible toplevel window of @type. */
GtkWindow *
cercle_test_find_toplevel (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) w = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (w, type) && gtk_widget_get_visible (GTK_WIDGET (w)))
        return w;
    }
  return NULL;
}
