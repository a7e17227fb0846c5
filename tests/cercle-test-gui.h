/* cercle-test-gui.h — find widgets on screen in the GUI tests
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Shared by the GUI tests that walk a real window's widget tree under Xvfb
 * (test-patients-page, test-e2e-notes, test-e2e-conflict).
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

void       cercle_test_collect       (GtkWidget  *widget,
                                      GType       type,
                                      gboolean    mapped_only,
                                      GPtrArray  *out);
GtkWidget *cercle_test_find_one      (GtkWidget  *root,
                                      GType       type);
GtkWidget *cercle_test_find_label    (GtkWidget  *root,
                                      const char *text);
GtkWidget *cercle_test_find_button   (GtkWidget  *root,
                                      const char *label);
GtkWindow *cercle_test_find_toplevel (GType       type);

G_END_DECLS
