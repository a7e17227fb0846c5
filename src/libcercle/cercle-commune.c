/* cercle-commune.c — a French commune, for search and distances
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * An immutable value object built by the directory (so that a worker thread
 * can build the completion list the UI thread shows).
 */
#include "config.h"

#include <math.h>

#include "cercle-commune.h"

struct _CercleCommune
{
  GObject  parent_instance;
  char    *insee_code;
  char    *name;
  char    *postcodes;
  double   latitude;
  double   longitude;
};

G_DEFINE_FINAL_TYPE (CercleCommune, cercle_commune, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_INSEE_CODE,
  PROP_NAME,
  PROP_POSTCODES,
  PROP_LATITUDE,
  PROP_LONGITUDE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
cercle_commune_finalize (GObject *object)
{
  CercleCommune *self = (CercleCommune *)object;

  g_free (self->insee_code);
  g_free (self->name);
  g_free (self->postcodes);

  G_OBJECT_CLASS (cercle_commune_parent_class)->finalize (object);
}

static void
cercle_commune_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  CercleCommune *self = CERCLE_COMMUNE (object);

  switch (prop_id)
    {
    case PROP_INSEE_CODE:
      g_value_set_string (value, self->insee_code);
      break;
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_POSTCODES:
      g_value_set_string (value, self->postcodes);
      break;
    case PROP_LATITUDE:
      g_value_set_double (value, self->latitude);
      break;
    case PROP_LONGITUDE:
      g_value_set_double (value, self->longitude);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cercle_commune_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  CercleCommune *self = CERCLE_COMMUNE (object);

  switch (prop_id)
    {
    case PROP_INSEE_CODE:
      g_free (self->insee_code);
      self->insee_code = g_value_dup_string (value);
      break;
    case PROP_NAME:
      g_free (self->name);
      self->name = g_value_dup_string (value);
      break;
    case PROP_POSTCODES:
      g_free (self->postcodes);
      self->postcodes = g_value_dup_string (value);
      break;
    case PROP_LATITUDE:
      self->latitude = g_value_get_double (value);
      break;
    case PROP_LONGITUDE:
      self->longitude = g_value_get_double (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cercle_commune_class_init (CercleCommuneClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = cercle_commune_finalize;
  object_class->get_property = cercle_commune_get_property;
  object_class->set_property = cercle_commune_set_property;

  properties[PROP_INSEE_CODE] =
    g_param_spec_string ("insee-code", NULL, "The INSEE code (COG) of the commune", NULL, flags);
  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, "The name of the commune", NULL, flags);
  properties[PROP_POSTCODES] =
    g_param_spec_string ("postcodes", NULL, "Its postcodes, comma separated", NULL, flags);
  properties[PROP_LATITUDE] =
    g_param_spec_double ("latitude", NULL, "WGS84 latitude (NAN when unknown)",
                         -G_MAXDOUBLE, G_MAXDOUBLE, 0.0, flags);
  properties[PROP_LONGITUDE] =
    g_param_spec_double ("longitude", NULL, "WGS84 longitude (NAN when unknown)",
                         -G_MAXDOUBLE, G_MAXDOUBLE, 0.0, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
cercle_commune_init (CercleCommune *self)
{
  self->latitude = NAN;
  self->longitude = NAN;
}

/**
 * cercle_commune_new:
 * @insee_code: the INSEE code (COG)
 * @name: the name
 * @postcodes: (nullable): its postcodes, e.g. "77100, 77109"
 * @latitude: WGS84 latitude, NAN when unknown
 * @longitude: WGS84 longitude, NAN when unknown
 *
 * Returns: (transfer full): a new #CercleCommune
 */
CercleCommune *
cercle_commune_new (const char *insee_code,
                    const char *name,
                    const char *postcodes,
                    double      latitude,
                    double      longitude)
{
  CercleCommune *self = g_object_new (CERCLE_TYPE_COMMUNE, NULL);

  self->insee_code = g_strdup (insee_code);
  self->name = g_strdup (name);
  self->postcodes = g_strdup (postcodes ? postcodes : "");
  self->latitude = latitude;
  self->longitude = longitude;
  return self;
}

/**
 * cercle_commune_get_insee_code:
 * @self: a #CercleCommune
 *
 * Returns: the INSEE code, e.g. "77288"
 */
const char *
cercle_commune_get_insee_code (CercleCommune *self)
{
  g_return_val_if_fail (CERCLE_IS_COMMUNE (self), NULL);
  return self->insee_code;
}

/**
 * cercle_commune_get_name:
 * @self: a #CercleCommune
 *
 * Returns: the name, as the imported file writes it
 */
const char *
cercle_commune_get_name (CercleCommune *self)
{
  g_return_val_if_fail (CERCLE_IS_COMMUNE (self), NULL);
  return self->name;
}

/**
 * cercle_commune_get_postcodes:
 * @self: a #CercleCommune
 *
 * Returns: the postcodes, sorted and comma separated ("77100, 77109"),
 *   possibly empty
 */
const char *
cercle_commune_get_postcodes (CercleCommune *self)
{
  g_return_val_if_fail (CERCLE_IS_COMMUNE (self), NULL);
  return self->postcodes;
}

/**
 * cercle_commune_get_latitude:
 * @self: a #CercleCommune
 *
 * Returns: the WGS84 latitude, NAN when unknown
 */
double
cercle_commune_get_latitude (CercleCommune *self)
{
  g_return_val_if_fail (CERCLE_IS_COMMUNE (self), NAN);
  return self->latitude;
}

/**
 * cercle_commune_get_longitude:
 * @self: a #CercleCommune
 *
 * Returns: the WGS84 longitude, NAN when unknown
 */
double
cercle_commune_get_longitude (CercleCommune *self)
{
  g_return_val_if_fail (CERCLE_IS_COMMUNE (self), NAN);
  return self->longitude;
}

/**
 * cercle_commune_has_position:
 * @self: a #CercleCommune
 *
 * Returns: %TRUE when the commune has coordinates
 */
gboolean
cercle_commune_has_position (CercleCommune *self)
{
  g_return_val_if_fail (CERCLE_IS_COMMUNE (self), FALSE);
  return !isnan (self->latitude) && !isnan (self->longitude);
}
