/* cercle-directory-page-private.h — what the directory page's own files share
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The page is one type written in three files (the page, its import flow
 * and its CSV export): they share its instance structure and a few helpers
 * here. Nothing outside src/cercle/directory/ includes this header.
 */
#pragma once

#include "cercle-directory-page.h"
#include "cercle-map-view.h"

G_BEGIN_DECLS

struct _CercleDirectoryPage
{
  AdwBin parent_instance;

  CercleDirectory *directory;
  GSettings *settings; /* NULL when the schema is not installed */
  GNetworkMonitor *network;

  /* Template children */
  AdwToastOverlay *toast_overlay;
  GtkRevealer *error_revealer;
  GtkLabel *error_label;
  GtkRevealer *import_revealer;
  GtkProgressBar *import_progress;
  GtkSearchEntry *commune_entry;
  GtkWidget *export_button;
  GtkWidget *import_button;
  GtkFlowBox *chips_box;
  GtkToggleButton *map_toggle;
  AdwLeaflet *results_leaflet;
  GtkWidget *map_box;
  GtkStack *results_stack;
  GtkLabel *results_label;
  GtkListView *results_view;
  GtkScrolledWindow *results_scroller;
  GtkWidget *more_button;
  AdwStatusPage *unknown_commune_page;
  GtkFlowBox *suggestions_box;
  GtkRevealer *detail_revealer;
  GtkScrolledWindow *detail_scroller;
  GtkLabel *detail_title;
  GtkLabel *detail_subtitle;
  AdwPreferencesGroup *detail_group;
  AdwActionRow *address_row;
  AdwActionRow *phone_row;
  AdwActionRow *finess_row;
  AdwActionRow *zone_row;
  CercleMapView *map_view;

  /* Commune completion */
  GtkPopover *completion_popover;
  GtkListView *commune_list;
  GtkSingleSelection *commune_selection;
  GCancellable *commune_cancellable;
  char *chosen_label;
  char *answered_query;   /* the text the completion list answers */
  gboolean pick_on_answer; /* Enter came before the answer */
  gboolean setting_text;   /* the page writes the field itself */
  CercleCommune *commune;

  /* Categories, in the order of cercle_directory_categories () */
  GPtrArray *chips;

  /* Results: one store for the whole life of the page, so that a new
   * answer rebinds the rows and markers already there instead of building
   * new ones. */
  GListStore *results;
  GtkSingleSelection *results_selection;
  GCancellable *search_cancellable;
  gboolean searching;
  guint limit;  /* how many results are asked for: N_RESULTS more each time */

  /* Demo data on first run, and imports */
  GCancellable *cancellable; /* lives as long as the page */
  gboolean prepared;
  gboolean preparing;
  GCancellable *import_cancellable;

  guint fold_idle_id;
};

void cercle_directory_page_show_toast     (CercleDirectoryPage *self,
                                           const char          *title);
void cercle_directory_page_show_error     (CercleDirectoryPage *self,
                                           const char          *heading,
                                           const char          *reason);
void cercle_directory_page_run_search     (CercleDirectoryPage *self);
void cercle_directory_page_update_actions (CercleDirectoryPage *self);

G_END_DECLS
