/* cercle-patients-page.c — the patients page of the main window
 *
 * For now an honest empty state: it says what the page will hold once its
 * issue lands. The window only knows this widget by its type (in
 * cercle-window.ui), so replacing it touches only the three
 * cercle-patients-page.* files.
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cercle-patients-page.h"

struct _CerclePatientsPage
{
  AdwBin parent_instance;
};

G_DEFINE_FINAL_TYPE (CerclePatientsPage, cercle_patients_page, ADW_TYPE_BIN)

static void
cercle_patients_page_class_init (CerclePatientsPageClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  gtk_widget_class_set_template_from_resource (widget_class, "/fr/cercle/Cercle/cercle-patients-page.ui");
}

static void
cercle_patients_page_init (CerclePatientsPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
cercle_patients_page_new (void)
{
  return g_object_new (CERCLE_TYPE_PATIENTS_PAGE, NULL);
}
