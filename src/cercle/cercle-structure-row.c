/* cercle-structure-row.c — one result of a directory search
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The number in the badge is the one on the map marker, so a GP can go from
 * the list to the map and back without reading names twice.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "cercle-directory.h"
#include "cercle-structure-row.h"

struct _CercleStructureRow
{
  AdwBin parent_instance;

  CercleStructure *structure;

  GtkWidget *grid;
  GtkLabel *number_label;
  GtkLabel *name_label;
  GtkLabel *distance_label;
  GtkLabel *subtitle_label;
  GtkLabel *covers_label;
  GtkLabel *phone_label;

  char *accessible_text;
};

G_DEFINE_FINAL_TYPE (CercleStructureRow, cercle_structure_row, ADW_TYPE_BIN)

/**
 * cercle_format_distance:
 * @km: a distance in kilometres, negative when unknown
 *
 * Formats a distance for a person to read, with the decimal separator of
 * the user's locale ("3,2 km" in French).
 *
 * Returns: (transfer full): the text
 */
char *
cercle_format_distance (double km)
{
  if (km < 0 || !isfinite (km))
    /* Translators: shown instead of a distance when the place is not known */
    return g_strdup (_("distance unknown"));

  if (km >= 100)
    /* Translators: a distance in kilometres, no decimals; a non-breaking
     * space before the unit is welcome */
    return g_strdup_printf (_("%.0f km"), km);

  /* Translators: a distance in kilometres with one decimal ("3,2 km"); the
   * decimal separator comes from the locale */
  return g_strdup_printf (_("%.1f km"), km);
}

/**
 * cercle_category_short_label:
 * @category_code: a FINESS category code
 *
 * Returns: (nullable): the short name of the category a GP knows ("SSIAD"),
 *   translated, or %NULL when the code is not one of the chips
 */
const char *
cercle_category_short_label (const char *category_code)
{
  const CercleCategory *categories;
  gsize n = 0;

  if (category_code == NULL)
    return NULL;

  categories = cercle_directory_categories (&n);
  for (gsize i = 0; i < n; i++)
    for (guint j = 0; categories[i].codes != NULL && categories[i].codes[j] != NULL; j++)
      if (g_str_equal (categories[i].codes[j], category_code))
        return _(categories[i].short_label);

  return NULL;
}

/**
 * cercle_format_phone:
 * @phone: (nullable): a phone number as the directory has it
 *
 * "0123456789" reads better as "01 23 45 67 89"; anything else is shown as
 * the file gave it.
 *
 * Returns: (transfer full) (nullable): the number to show
 */
char *
cercle_format_phone (const char *phone)
{
  GString *out;

  if (phone == NULL || strlen (phone) != 10 || strspn (phone, "0123456789") != 10)
    return g_strdup (phone);

  out = g_string_new (NULL);
  for (guint i = 0; i < 10; i += 2)
    {
      if (i > 0)
        g_string_append_c (out, ' ');
      g_string_append_len (out, phone + i, 2);
    }

  return g_string_free (out, FALSE);
}

/* In a list view, the list item around the row is what a screen reader
 * lands on, and GTK 4.8 gives it no name of its own: it gets the row's.
 * The row may be bound before it is put in its list item. */
static void
name_parent (CercleStructureRow *self)
{
  GtkWidget *parent = gtk_widget_get_parent (GTK_WIDGET (self));

  if (parent != NULL && self->accessible_text != NULL)
    gtk_accessible_update_property (GTK_ACCESSIBLE (parent),
                                    GTK_ACCESSIBLE_PROPERTY_LABEL, self->accessible_text,
                                    -1);
}

static void
cercle_structure_row_finalize (GObject *object)
{
  CercleStructureRow *self = CERCLE_STRUCTURE_ROW (object);

  g_free (self->accessible_text);

  G_OBJECT_CLASS (cercle_structure_row_parent_class)->finalize (object);
}

static void
cercle_structure_row_dispose (GObject *object)
{
  CercleStructureRow *self = CERCLE_STRUCTURE_ROW (object);

  /* AdwBin holds the grid too: it lets go first. */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), CERCLE_TYPE_STRUCTURE_ROW);
  g_clear_object (&self->structure);

  G_OBJECT_CLASS (cercle_structure_row_parent_class)->dispose (object);
}

static void
cercle_structure_row_class_init (CercleStructureRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cercle_structure_row_dispose;
  object_class->finalize = cercle_structure_row_finalize;

  gtk_widget_class_set_template_from_resource (widget_class, "/fr/cercle/Cercle/cercle-structure-row.ui");
  gtk_widget_class_bind_template_child (widget_class, CercleStructureRow, grid);
  gtk_widget_class_bind_template_child (widget_class, CercleStructureRow, number_label);
  gtk_widget_class_bind_template_child (widget_class, CercleStructureRow, name_label);
  gtk_widget_class_bind_template_child (widget_class, CercleStructureRow, distance_label);
  gtk_widget_class_bind_template_child (widget_class, CercleStructureRow, subtitle_label);
  gtk_widget_class_bind_template_child (widget_class, CercleStructureRow, covers_label);
  gtk_widget_class_bind_template_child (widget_class, CercleStructureRow, phone_label);

  gtk_widget_class_set_css_name (widget_class, "cercle-structure-row");
}

static void
cercle_structure_row_init (CercleStructureRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect (self, "notify::parent", G_CALLBACK (name_parent), NULL);
}

/**
 * cercle_structure_row_new:
 *
 * Returns: (transfer floating): an empty row
 */
GtkWidget *
cercle_structure_row_new (void)
{
  return g_object_new (CERCLE_TYPE_STRUCTURE_ROW, NULL);
}

/**
 * cercle_structure_row_set_structure:
 * @structure: (nullable): what to show
 * @number: its number in the list and on the map, from 1
 */
void
cercle_structure_row_set_structure (CercleStructureRow *self,
                                    CercleStructure    *structure,
                                    guint               number)
{
  g_autofree char *number_text = NULL;
  g_autofree char *distance = NULL;
  g_autofree char *subtitle = NULL;
  g_autofree char *phone = NULL;
  g_autofree char *accessible = NULL;
  const char *category;
  const char *commune;

  g_return_if_fail (CERCLE_IS_STRUCTURE_ROW (self));

  g_set_object (&self->structure, structure);
  if (structure == NULL)
    return;

  number_text = g_strdup_printf ("%u", number);
  gtk_label_set_label (self->number_label, number_text);
  gtk_label_set_label (self->name_label, cercle_structure_get_name (structure));

  distance = cercle_format_distance (cercle_structure_get_distance_km (structure));
  gtk_label_set_label (self->distance_label, distance);

  category = cercle_category_short_label (cercle_structure_get_category_code (structure));
  if (category == NULL)
    category = cercle_structure_get_category_label (structure);
  commune = cercle_structure_get_commune_name (structure);
  if (category != NULL && commune != NULL)
    /* Translators: under a structure's name: "SSIAD · Melun" */
    subtitle = g_strdup_printf (_("%s · %s"), category, commune);
  else
    subtitle = g_strdup (category != NULL ? category : commune);
  gtk_label_set_label (self->subtitle_label, subtitle ? subtitle : "");

  phone = cercle_format_phone (cercle_structure_get_phone (structure));
  gtk_label_set_label (self->phone_label, phone ? phone : "");
  gtk_widget_set_visible (GTK_WIDGET (self->phone_label), phone != NULL && *phone != '\0');

  gtk_widget_set_visible (GTK_WIDGET (self->covers_label),
                          cercle_structure_get_covers_commune (structure));
  if (cercle_structure_get_covers_commune (structure))
    gtk_widget_add_css_class (GTK_WIDGET (self), "covers");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self), "covers");

  /* Screen readers get the whole row in one sentence, number first. */
  accessible = g_strdup_printf ("%u. %s, %s, %s%s%s",
                                number,
                                cercle_structure_get_name (structure),
                                subtitle ? subtitle : "",
                                distance,
                                cercle_structure_get_covers_commune (structure) ? ", " : "",
                                cercle_structure_get_covers_commune (structure) ? _("Covers the commune") : "");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, accessible,
                                  -1);
  g_free (self->accessible_text);
  self->accessible_text = g_steal_pointer (&accessible);
  name_parent (self);
}

/**
 * cercle_structure_row_get_structure:
 *
 * Returns: (transfer none) (nullable): the structure shown
 */
CercleStructure *
cercle_structure_row_get_structure (CercleStructureRow *self)
{
  g_return_val_if_fail (CERCLE_IS_STRUCTURE_ROW (self), NULL);

  return self->structure;
}

/**
 * cercle_structure_row_get_name_text:
 *
 * Returns: the name as shown
 */
const char *
cercle_structure_row_get_name_text (CercleStructureRow *self)
{
  g_return_val_if_fail (CERCLE_IS_STRUCTURE_ROW (self), NULL);

  return gtk_label_get_label (self->name_label);
}

/**
 * cercle_structure_row_get_distance_text:
 *
 * Returns: the distance as shown ("3,2 km")
 */
const char *
cercle_structure_row_get_distance_text (CercleStructureRow *self)
{
  g_return_val_if_fail (CERCLE_IS_STRUCTURE_ROW (self), NULL);

  return gtk_label_get_label (self->distance_label);
}

/**
 * cercle_structure_row_get_covers_shown:
 *
 * Returns: whether the "covers the commune" tag is shown
 */
gboolean
cercle_structure_row_get_covers_shown (CercleStructureRow *self)
{
  g_return_val_if_fail (CERCLE_IS_STRUCTURE_ROW (self), FALSE);

  return gtk_widget_get_visible (GTK_WIDGET (self->covers_label));
}
