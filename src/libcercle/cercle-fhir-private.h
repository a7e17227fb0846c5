/* cercle-fhir-private.h — the generated tables behind cercle_fhir_check_resource()
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  CERCLE_FHIR_KIND_STRING,
  CERCLE_FHIR_KIND_BOOLEAN,
  CERCLE_FHIR_KIND_NUMBER,
  CERCLE_FHIR_KIND_INTEGER,
  CERCLE_FHIR_KIND_OBJECT,
} CercleFhirKind;

/* CercleFhirElement.type for an element that holds a whole resource */
#define CERCLE_FHIR_SUB_RESOURCE (-2)

typedef struct {
  const char        *name;
  CercleFhirKind     kind;
  gboolean           is_array;
  const char        *primitive;  /* FHIR primitive type with a pattern, or NULL */
  const char *const *codes;      /* allowed codes (NULL-terminated), or NULL */
  int                type;       /* for objects: index in cercle_fhir_type_defs,
                                  * CERCLE_FHIR_SUB_RESOURCE, or -1 */
} CercleFhirElement;

/* A resource, a data type or a backbone element ("Task_Input"). */
typedef struct {
  const char              *name;
  gboolean                 is_resource;
  const CercleFhirElement *elements;   /* sorted by name */
  gsize                    n_elements;
  const char *const       *required;   /* NULL-terminated */
} CercleFhirTypeDef;

typedef struct {
  const char *name;
  const char *pattern;
} CercleFhirPrimitive;

extern const CercleFhirTypeDef     cercle_fhir_type_defs[];
extern const gsize                 cercle_fhir_n_type_defs;
extern const char *const           cercle_fhir_all_resource_types[];
extern const CercleFhirPrimitive   cercle_fhir_primitives[];
extern const gsize                 cercle_fhir_n_primitives;

G_END_DECLS

G_BEGIN_DECLS

/* g_set_str() arrives in GLib 2.76; Cercle pins 2.74. */
static inline gboolean
cercle_set_str (char       **str_pointer,
                const char  *new_str)
{
  char *copy;

  if (*str_pointer == new_str || g_strcmp0 (*str_pointer, new_str) == 0)
    return FALSE;
  copy = g_strdup (new_str);
  g_free (*str_pointer);
  *str_pointer = copy;
  return TRUE;
}

G_END_DECLS
