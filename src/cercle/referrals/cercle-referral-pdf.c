/* cercle-referral-pdf.c — a referral dossier as a PDF document
 *
 * For printing or attaching to a secure mail: the patient, the dossier,
 * every structure with its status and dates, then the volets the reader
 * may see (the médical one for medical roles only). Drawn with Pango on a
 * cairo PDF surface (both come with GTK), A4, page breaks line by line.
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <cairo-pdf.h>
#include <glib/gi18n.h>
#include <pango/pangocairo.h>

#include "cercle-dossier-row.h"
#include "cercle-fhir.h"
#include "cercle-referral.h"
#include "cercle-referral-pdf.h"
#include "cercle-referral-repo.h"

#define PAGE_WIDTH  595.0   /* A4 in points */
#define PAGE_HEIGHT 842.0
#define MARGIN      56.0

typedef struct {
  cairo_t *cr;
  double   y;
} Writer;

/* Writes a paragraph, breaking pages between lines. */
static void
write_text (Writer     *w,
            const char *text,
            const char *font,
            double      space_after)
{
  PangoLayout *layout = pango_cairo_create_layout (w->cr);
  PangoFontDescription *description = pango_font_description_from_string (font);
  PangoLayoutIter *iter;

  /* Points on a PDF page: 72 per inch, not the screen's 96. */
  pango_cairo_context_set_resolution (pango_layout_get_context (layout), 72);
  pango_layout_context_changed (layout);
  pango_layout_set_font_description (layout, description);
  pango_layout_set_width (layout, (int) ((PAGE_WIDTH - 2 * MARGIN) * PANGO_SCALE));
  pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);
  pango_layout_set_text (layout, text, -1);

  iter = pango_layout_get_iter (layout);
  do
    {
      PangoRectangle logical;
      PangoLayoutLine *line = pango_layout_iter_get_line_readonly (iter);
      double height, baseline;

      pango_layout_iter_get_line_extents (iter, NULL, &logical);
      height = (double) logical.height / PANGO_SCALE;
      baseline = (double) (pango_layout_iter_get_baseline (iter) - logical.y) / PANGO_SCALE;
      if (w->y + height > PAGE_HEIGHT - MARGIN)
        {
          cairo_show_page (w->cr);
          w->y = MARGIN;
        }
      cairo_move_to (w->cr, MARGIN + (double) logical.x / PANGO_SCALE, w->y + baseline);
      pango_cairo_show_layout_line (w->cr, line);
      w->y += height;
    }
  while (pango_layout_iter_next_line (iter));
  w->y += space_after;

  pango_layout_iter_free (iter);
  pango_font_description_free (description);
  g_object_unref (layout);
}

static char *
local_date (const char *iso)
{
  g_autoptr(GDateTime) utc = cercle_fhir_parse_date_time (iso);
  g_autoptr(GDateTime) local = utc ? g_date_time_to_local (utc) : NULL;

  return local ? g_date_time_format (local, "%d/%m/%Y %H:%M") : g_strdup ("");
}

/**
 * cercle_referral_pdf_export:
 * @db: the local store
 * @referral_id: the ServiceRequest
 * @with_medical: whether the reader may see the médical volet
 * @path: the PDF file to write
 * @error: return location
 *
 * Returns: %TRUE when the file is written
 */
gboolean
cercle_referral_pdf_export (CercleDb    *db,
                            const char  *referral_id,
                            gboolean     with_medical,
                            const char  *path,
                            GError     **error)
{
  static const char * const sections[] = {
    CERCLE_REFERRAL_SECTION_ADMINISTRATIVE, CERCLE_REFERRAL_SECTION_MEDICAL,
    CERCLE_REFERRAL_SECTION_CARE, CERCLE_REFERRAL_SECTION_SOCIAL,
  };
  g_autoptr(CercleDossier) dossier = NULL;
  g_autoptr(JsonObject) json = NULL;
  g_autoptr(CercleReferral) referral = NULL;
  g_autofree char *title = NULL;
  g_autofree char *subtitle = NULL;
  g_autofree char *sent = NULL;
  g_autofree char *footer = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *today = g_date_time_format (now, "%d/%m/%Y %H:%M");
  const char *type;
  cairo_surface_t *surface;
  cairo_status_t status;
  Writer w = { NULL, MARGIN };

  g_return_val_if_fail (CERCLE_IS_DB (db), FALSE);
  g_return_val_if_fail (referral_id != NULL && path != NULL, FALSE);

  dossier = cercle_referral_repo_get_dossier (db, referral_id, error);
  if (dossier == NULL)
    return FALSE;
  json = cercle_referral_repo_get_resource (db, "ServiceRequest", referral_id, error);
  if (json == NULL)
    return FALSE;
  referral = cercle_referral_new_from_fhir (json, error);
  if (referral == NULL)
    return FALSE;

  surface = cairo_pdf_surface_create (path, PAGE_WIDTH, PAGE_HEIGHT);
  status = cairo_surface_status (surface);
  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s", cairo_status_to_string (status));
      cairo_surface_destroy (surface);
      return FALSE;
    }
  {
    g_autofree char *pdf_title = g_strdup_printf (_("Referral of %s"), cercle_dossier_get_patient_name (dossier)
                                                  ? cercle_dossier_get_patient_name (dossier) : "");

    cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_TITLE, pdf_title);
    cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_CREATOR, "Cercle");
  }
  w.cr = cairo_create (surface);
  cairo_set_source_rgb (w.cr, 0, 0, 0);

  type = cercle_dossier_get_orientation_type (dossier);
  title = g_strdup_printf (_("Discharge referral — %s"), cercle_dossier_get_patient_name (dossier)
                           ? cercle_dossier_get_patient_name (dossier) : _("Unknown patient"));
  write_text (&w, title, "Sans Bold 16", 6);
  sent = local_date (cercle_dossier_get_authored_on (dossier));
  /* TRANSLATORS: dossier number · type of orientation · sent on date */
  subtitle = g_strdup_printf (_("Dossier %s · %s · sent on %s"),
                              cercle_dossier_get_dossier_id (dossier) ? cercle_dossier_get_dossier_id (dossier) : "",
                              type ? cercle_referral_orientation_label (type) : "", sent);
  write_text (&w, subtitle, "Sans 10", 14);

  write_text (&w, _("Structures"), "Sans Bold 12", 4);
  for (guint i = 0; i < cercle_dossier_get_n_destinations (dossier); i++)
    {
      g_autofree char *chip = cercle_dossier_destination_chip_text (cercle_dossier_get_destination (dossier, i), TRUE, NULL);
      g_autofree char *line = g_strdup_printf ("• %s", chip);

      write_text (&w, line, "Sans 10", 2);
    }
  w.y += 12;

  for (gsize i = 0; i < G_N_ELEMENTS (sections); i++)
    {
      gboolean complete = FALSE;
      const char *text = NULL;

      if (g_str_equal (sections[i], CERCLE_REFERRAL_SECTION_MEDICAL) && !with_medical)
        continue;
      if (!cercle_referral_get_section (referral, sections[i], &complete, &text))
        continue;
      write_text (&w, cercle_referral_section_label (sections[i]), "Sans Bold 12", 4);
      write_text (&w, text ? text : _("Not given"), "Sans 10", 12);
    }

  footer = g_strdup_printf (_("Exported from Cercle on %s"), today);
  write_text (&w, footer, "Sans Italic 8", 0);

  cairo_destroy (w.cr);
  cairo_surface_finish (surface);
  status = cairo_surface_status (surface);
  cairo_surface_destroy (surface);
  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("The PDF could not be written: %s"),
                   cairo_status_to_string (status));
      return FALSE;
    }
  return TRUE;
}
