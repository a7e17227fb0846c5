/* cercle-structure.c — one site of the directory of services
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * An immutable value object: the directory builds them from its tables and
 * hands them out in a GListModel. Immutability is what lets a worker thread
 * build the list that the UI thread then shows.
 */
#include "config.h"

#include <math.h>

#include "cercle-structure.h"

struct _CercleStructure
{
  GObject  parent_instance;
  char    *finess;
  char    *name;
  char    *category_code;
  char    *category_label;
  char    *address;
  char    *postcode;
  char    *commune_code;
  char    *commune_name;
  char    *phone;
  double   latitude;
  double   longitude;
  double   distance_km;
  gboolean covers_commune;
  char   **zone;
};

G_DEFINE_FINAL_TYPE (CercleStructure, cercle_structure, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_FINESS,
  PROP_NAME,
  PROP_CATEGORY_CODE,
  PROP_CATEGORY_LABEL,
  PROP_ADDRESS,
  PROP_POSTCODE,
  PROP_COMMUNE_CODE,
  PROP_COMMUNE_NAME,
  PROP_PHONE,
  PROP_LATITUDE,
  PROP_LONGITUDE,
  PROP_DISTANCE_KM,
  PROP_COVERS_COMMUNE,
  PROP_ZONE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
cercle_structure_finalize (GObject *object)
{
  CercleStructure *self = (CercleStructure *)object;

  g_free (self->finess);
  g_free (self->name);
  g_free (self->category_code);
  g_free (self->category_label);
  g_free (self->address);
  g_free (self->postcode);
  g_free (self->commune_code);
  g_free (self->commune_name);
  g_free (self->phone);
  g_strfreev (self->zone);

  G_OBJECT_CLASS (cercle_structure_parent_class)->finalize (object);
}

static void
cercle_structure_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  CercleStructure *self = CERCLE_STRUCTURE (object);

  switch (prop_id)
    {
    case PROP_FINESS:
      g_value_set_string (value, self->finess);
      break;
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_CATEGORY_CODE:
      g_value_set_string (value, self->category_code);
      break;
    case PROP_CATEGORY_LABEL:
      g_value_set_string (value, self->category_label);
      break;
    case PROP_ADDRESS:
      g_value_set_string (value, self->address);
      break;
    case PROP_POSTCODE:
      g_value_set_string (value, self->postcode);
      break;
    case PROP_COMMUNE_CODE:
      g_value_set_string (value, self->commune_code);
      break;
    case PROP_COMMUNE_NAME:
      g_value_set_string (value, self->commune_name);
      break;
    case PROP_PHONE:
      g_value_set_string (value, self->phone);
      break;
    case PROP_LATITUDE:
      g_value_set_double (value, self->latitude);
      break;
    case PROP_LONGITUDE:
      g_value_set_double (value, self->longitude);
      break;
    case PROP_DISTANCE_KM:
      g_value_set_double (value, self->distance_km);
      break;
    case PROP_COVERS_COMMUNE:
      g_value_set_boolean (value, self->covers_commune);
      break;
    case PROP_ZONE:
      g_value_set_boxed (value, self->zone);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cercle_structure_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  CercleStructure *self = CERCLE_STRUCTURE (object);

  switch (prop_id)
    {
    case PROP_FINESS:
      g_free (self->finess);
      self->finess = g_value_dup_string (value);
      break;
    case PROP_NAME:
      g_free (self->name);
      self->name = g_value_dup_string (value);
      break;
    case PROP_CATEGORY_CODE:
      g_free (self->category_code);
      self->category_code = g_value_dup_string (value);
      break;
    case PROP_CATEGORY_LABEL:
      g_free (self->category_label);
      self->category_label = g_value_dup_string (value);
      break;
    case PROP_ADDRESS:
      g_free (self->address);
      self->address = g_value_dup_string (value);
      break;
    case PROP_POSTCODE:
      g_free (self->postcode);
      self->postcode = g_value_dup_string (value);
      break;
    case PROP_COMMUNE_CODE:
      g_free (self->commune_code);
      self->commune_code = g_value_dup_string (value);
      break;
    case PROP_COMMUNE_NAME:
      g_free (self->commune_name);
      self->commune_name = g_value_dup_string (value);
      break;
    case PROP_PHONE:
      g_free (self->phone);
      self->phone = g_value_dup_string (value);
      break;
    case PROP_LATITUDE:
      self->latitude = g_value_get_double (value);
      break;
    case PROP_LONGITUDE:
      self->longitude = g_value_get_double (value);
      break;
    case PROP_DISTANCE_KM:
      self->distance_km = g_value_get_double (value);
      break;
    case PROP_COVERS_COMMUNE:
      self->covers_commune = g_value_get_boolean (value);
      break;
    case PROP_ZONE:
      g_strfreev (self->zone);
      self->zone = g_value_dup_boxed (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cercle_structure_class_init (CercleStructureClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = cercle_structure_finalize;
  object_class->get_property = cercle_structure_get_property;
  object_class->set_property = cercle_structure_set_property;

  properties[PROP_FINESS] =
    g_param_spec_string ("finess", NULL, "The FINESS number of the site (FINESS ET)", NULL, flags);
  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, "The name of the site", NULL, flags);
  properties[PROP_CATEGORY_CODE] =
    g_param_spec_string ("category-code", NULL, "The FINESS category code, e.g. 354", NULL, flags);
  properties[PROP_CATEGORY_LABEL] =
    g_param_spec_string ("category-label", NULL, "The label of the FINESS category", NULL, flags);
  properties[PROP_ADDRESS] =
    g_param_spec_string ("address", NULL, "The street address", NULL, flags);
  properties[PROP_POSTCODE] =
    g_param_spec_string ("postcode", NULL, "The postcode", NULL, flags);
  properties[PROP_COMMUNE_CODE] =
    g_param_spec_string ("commune-code", NULL, "The INSEE code of the commune", NULL, flags);
  properties[PROP_COMMUNE_NAME] =
    g_param_spec_string ("commune-name", NULL, "The name of the commune", NULL, flags);
  properties[PROP_PHONE] =
    g_param_spec_string ("phone", NULL, "The phone number", NULL, flags);
  properties[PROP_LATITUDE] =
    g_param_spec_double ("latitude", NULL, "WGS84 latitude in degrees (NAN when unknown)",
                         -G_MAXDOUBLE, G_MAXDOUBLE, 0.0, flags);
  properties[PROP_LONGITUDE] =
    g_param_spec_double ("longitude", NULL, "WGS84 longitude in degrees (NAN when unknown)",
                         -G_MAXDOUBLE, G_MAXDOUBLE, 0.0, flags);
  properties[PROP_DISTANCE_KM] =
    g_param_spec_double ("distance-km", NULL, "Great-circle distance to the reference point, -1 when unknown",
                         -1.0, G_MAXDOUBLE, -1.0, flags);
  properties[PROP_COVERS_COMMUNE] =
    g_param_spec_boolean ("covers-commune", NULL, "Whether the intervention zone covers the reference commune",
                          FALSE, flags);
  properties[PROP_ZONE] =
    g_param_spec_boxed ("zone", NULL, "INSEE codes of the communes of the intervention zone, or NULL",
                        G_TYPE_STRV, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
cercle_structure_init (CercleStructure *self)
{
  self->latitude = NAN;
  self->longitude = NAN;
  self->distance_km = -1.0;
}

/**
 * cercle_structure_new_full:
 * @fields: what the structure holds
 *
 * Builds a structure without going through the property machinery (the
 * directory builds thousands of them in a search).
 *
 * Returns: (transfer full): a new #CercleStructure
 */
CercleStructure *
cercle_structure_new_full (const CercleStructureFields *fields)
{
  CercleStructure *self;

  g_return_val_if_fail (fields != NULL, NULL);

  self = g_object_new (CERCLE_TYPE_STRUCTURE, NULL);
  self->finess = g_strdup (fields->finess);
  self->name = g_strdup (fields->name);
  self->category_code = g_strdup (fields->category_code);
  self->category_label = g_strdup (fields->category_label);
  self->address = g_strdup (fields->address);
  self->postcode = g_strdup (fields->postcode);
  self->commune_code = g_strdup (fields->commune_code);
  self->commune_name = g_strdup (fields->commune_name);
  self->phone = g_strdup (fields->phone);
  self->latitude = fields->latitude;
  self->longitude = fields->longitude;
  self->distance_km = fields->distance_km;
  self->covers_commune = fields->covers_commune;
  self->zone = fields->zone ? g_strdupv ((char **) fields->zone) : NULL;
  return self;
}

/**
 * cercle_structure_get_finess:
 * @self: a #CercleStructure
 *
 * Returns: (nullable): the FINESS number of the site (FINESS ET)
 */
const char *
cercle_structure_get_finess (CercleStructure *self)
{
  g_return_val_if_fail (CERCLE_IS_STRUCTURE (self), NULL);
  return self->finess;
}

/**
 * cercle_structure_get_name:
 * @self: a #CercleStructure
 *
 * Returns: (nullable): the name of the site
 */
const char *
cercle_structure_get_name (CercleStructure *self)
{
  g_return_val_if_fail (CERCLE_IS_STRUCTURE (self), NULL);
  return self->name;
}

/**
 * cercle_structure_get_category_code:
 * @self: a #CercleStructure
 *
 * Returns: (nullable): the FINESS category code, e.g. 354
 */
const char *
cercle_structure_get_category_code (CercleStructure *self)
{
  g_return_val_if_fail (CERCLE_IS_STRUCTURE (self), NULL);
  return self->category_code;
}

/**
 * cercle_structure_get_category_label:
 * @self: a #CercleStructure
 *
 * Returns: (nullable): the label of the FINESS category
 */
const char *
cercle_structure_get_category_label (CercleStructure *self)
{
  g_return_val_if_fail (CERCLE_IS_STRUCTURE (self), NULL);
  return self->category_label;
}

/**
 * cercle_structure_get_address:
 * @self: a #CercleStructure
 *
 * Returns: (nullable): the street address
 */
const char *
cercle_structure_get_address (CercleStructure *self)
{
  g_return_val_if_fail (CERCLE_IS_STRUCTURE (self), NULL);
  return self->address;
}

/**
 * cercle_structure_get_postcode:
 * @self: a #CercleStructure
 *
 * Returns: (nullable): the postcode
 */
const char *
cercle_structure_get_postcode (CercleStructure *self)
{
  g_return_val_if_fail (CERCLE_IS_STRUCTURE (self), NULL);
  return self->postcode;
}

/**
 * cercle_structure_get_commune_code:
 * @self: a #CercleStructure
 *
 * Returns: (nullable): the INSEE code of the commune
 */
const char *
cercle_structure_get_commune_code (CercleStructure *self)
{
  g_return_val_if_fail (CERCLE_IS_STRUCTURE (self), NULL);
  return self->commune_code;
}

/**
 * cercle_structure_get_commune_name:
 * @self: a #CercleStructure
 *
 * Returns: (nullable): the name of the commune
 */
const char *
cercle_structure_get_commune_name (CercleStructure *self)
{
  g_return_val_if_fail (CERCLE_IS_STRUCTURE (self), NULL);
  return self->commune_name;
}

/**
 * cercle_structure_get_phone:
 * @self: a #CercleStructure
 *
 * Returns: (nullable): the phone number
 */
const char *
cercle_structure_get_phone (CercleStructure *self)
{
  g_return_val_if_fail (CERCLE_IS_STRUCTURE (self), NULL);
  return self->phone;
}

/**
 * cercle_structure_get_latitude:
 * @self: a #CercleStructure
 *
 * Returns: the WGS84 latitude in degrees, NAN when unknown
 */
double
cercle_structure_get_latitude (CercleStructure *self)
{
  g_return_val_if_fail (CERCLE_IS_STRUCTURE (self), NAN);
  return self->latitude;
}

/**
 * cercle_structure_get_longitude:
 * @self: a #CercleStructure
 *
 * Returns: the WGS84 longitude in degrees, NAN when unknown
 */
double
cercle_structure_get_longitude (CercleStructure *self)
{
  g_return_val_if_fail (CERCLE_IS_STRUCTURE (self), NAN);
  return self->longitude;
}

/**
 * cercle_structure_has_position:
 * @self: a #CercleStructure
 *
 * Returns: %TRUE when the site has coordinates (it can go on a map)
 */
gboolean
cercle_structure_has_position (CercleStructure *self)
{
  g_return_val_if_fail (CERCLE_IS_STRUCTURE (self), FALSE);
  return !isnan (self->latitude) && !isnan (self->longitude);
}

/**
 * cercle_structure_get_distance_km:
 * @self: a #CercleStructure
 *
 * Returns: the great-circle distance to the point of the search, or -1
 */
double
cercle_structure_get_distance_km (CercleStructure *self)
{
  g_return_val_if_fail (CERCLE_IS_STRUCTURE (self), -1.0);
  return self->distance_km;
}

/**
 * cercle_structure_get_covers_commune:
 * @self: a #CercleStructure
 *
 * Returns: %TRUE when the intervention zone of the site covers the commune
 *   of the search
 */
gboolean
cercle_structure_get_covers_commune (CercleStructure *self)
{
  g_return_val_if_fail (CERCLE_IS_STRUCTURE (self), FALSE);
  return self->covers_commune;
}

/**
 * cercle_structure_get_zone:
 * @self: a #CercleStructure
 *
 * Returns: (nullable) (transfer none): the INSEE codes of the communes the
 *   site covers, or %NULL when the zone is not known
 */
const char * const *
cercle_structure_get_zone (CercleStructure *self)
{
  g_return_val_if_fail (CERCLE_IS_STRUCTURE (self), NULL);
  return (const char * const *) self->zone;
}
