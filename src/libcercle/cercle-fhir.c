/* cercle-fhir.c — shared FHIR R4 definitions, checks and small builders
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "cercle-fhir.h"
#include "cercle-fhir-private.h"
#include "cercle-i18n.h"
#include "cercle-referral-rules.h"

static const CercleFhirTypeDef *
find_resource_def (const char *type)
{
  for (gsize i = 0; i < cercle_fhir_n_type_defs; i++)
    if (cercle_fhir_type_defs[i].is_resource && strcmp (cercle_fhir_type_defs[i].name, type) == 0)
      return &cercle_fhir_type_defs[i];
  return NULL;
}

static int
compare_element (const void *key, const void *element)
{
  return strcmp (key, ((const CercleFhirElement *) element)->name);
}

static const CercleFhirElement *
find_element (const CercleFhirTypeDef *def,
              const char              *name)
{
  return bsearch (name, def->elements, def->n_elements,
                  sizeof (CercleFhirElement), compare_element);
}

/* The primitive patterns are compiled once, on first use, and shared by
 * every thread of the server (matching with a compiled GRegex is thread-safe). */
static GRegex **
primitive_regexes (void)
{
  static GRegex **regexes;

  if (g_once_init_enter (&regexes))
    {
      GRegex **compiled = g_new0 (GRegex *, cercle_fhir_n_primitives);

      for (gsize i = 0; i < cercle_fhir_n_primitives; i++)
        {
          g_autoptr(GError) error = NULL;

          /* JSON Schema's "$" is the end of the text, not "before a final newline". */
          compiled[i] = g_regex_new (cercle_fhir_primitives[i].pattern,
                                     G_REGEX_DOLLAR_ENDONLY | G_REGEX_OPTIMIZE,
                                     0, &error);
          if (compiled[i] == NULL)
            g_critical ("FHIR pattern of %s does not compile: %s",
                        cercle_fhir_primitives[i].name, error->message);
        }
      g_once_init_leave (&regexes, compiled);
    }
  return regexes;
}

static gboolean
primitive_matches (const char *primitive,
                   const char *text)
{
  GRegex **regexes;

  /* FHIR's string pattern "[ \r\n\t\S]+" has XML Schema semantics: \S is
   * anything but space, tab, CR and LF, so a no-break space (French
   * typography) is fine. A Unicode-aware regex engine would refuse it; what
   * the pattern really forbids is an empty string and the other ASCII
   * control spaces. */
  if (strcmp (primitive, "string") == 0 || strcmp (primitive, "markdown") == 0)
    {
      if (text[0] == '\0')
        return FALSE;
      for (const char *p = text; *p; p++)
        if (*p == '\v' || *p == '\f')
          return FALSE;
      return TRUE;
    }

  regexes = primitive_regexes ();

  for (gsize i = 0; i < cercle_fhir_n_primitives; i++)
    if (strcmp (cercle_fhir_primitives[i].name, primitive) == 0)
      return regexes[i] == NULL || g_regex_match (regexes[i], text, 0, NULL);
  return TRUE;
}

/**
 * cercle_fhir_is_valid_id:
 * @id: (nullable): a candidate logical id
 *
 * Returns: %TRUE when @id is a FHIR id: 1 to 64 letters, digits, "-" or "."
 */
gboolean
cercle_fhir_is_valid_id (const char *id)
{
  gsize len;

  if (id == NULL)
    return FALSE;
  len = strlen (id);
  if (len < 1 || len > 64)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (id[i]) && id[i] != '-' && id[i] != '.')
      return FALSE;
  return TRUE;
}

/**
 * cercle_fhir_is_resource_type:
 * @type: a resource type name
 *
 * Returns: %TRUE when @type names a FHIR R4 resource, supported or not
 */
gboolean
cercle_fhir_is_resource_type (const char *type)
{
  g_return_val_if_fail (type != NULL, FALSE);

  for (gsize i = 0; cercle_fhir_all_resource_types[i]; i++)
    if (strcmp (cercle_fhir_all_resource_types[i], type) == 0)
      return TRUE;
  return FALSE;
}

/**
 * cercle_fhir_is_supported_type:
 * @type: a resource type name
 *
 * Returns: %TRUE when cercle_fhir_check_resource() knows the elements of @type
 */
gboolean
cercle_fhir_is_supported_type (const char *type)
{
  g_return_val_if_fail (type != NULL, FALSE);

  return find_resource_def (type) != NULL;
}

static const char *
kind_name (CercleFhirKind kind)
{
  switch (kind)
    {
    case CERCLE_FHIR_KIND_STRING:
      return _("a string");
    case CERCLE_FHIR_KIND_BOOLEAN:
      return _("a boolean");
    case CERCLE_FHIR_KIND_NUMBER:
      return _("a number");
    case CERCLE_FHIR_KIND_INTEGER:
      return _("an integer");
    case CERCLE_FHIR_KIND_OBJECT:
      return _("an object");
    default:
      g_assert_not_reached ();
    }
}

static gboolean check_resource (JsonObject *resource, const char *expected_type,
                                guint depth, GError **error);
static gboolean check_object (const CercleFhirTypeDef *def, JsonObject *object, const char *resource_type,
                              GString *path, guint depth, GError **error);

static gboolean
check_value (const CercleFhirElement  *element,
             JsonNode                 *node,
             const char               *resource_type,
             GString                  *path,
             guint                     depth,
             GError                  **error)
{
  gboolean ok = FALSE;

  switch (element->kind)
    {
    case CERCLE_FHIR_KIND_OBJECT:
      ok = JSON_NODE_HOLDS_OBJECT (node);
      break;
    case CERCLE_FHIR_KIND_STRING:
      ok = JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING;
      break;
    case CERCLE_FHIR_KIND_BOOLEAN:
      ok = JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_BOOLEAN;
      break;
    case CERCLE_FHIR_KIND_NUMBER:
      ok = JSON_NODE_HOLDS_VALUE (node)
           && (json_node_get_value_type (node) == G_TYPE_INT64
               || json_node_get_value_type (node) == G_TYPE_DOUBLE);
      break;
    case CERCLE_FHIR_KIND_INTEGER:
      ok = JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_INT64;
      break;
    default:
      g_assert_not_reached ();
    }

  if (!ok)
    {
      g_set_error (error, CERCLE_FHIR_ERROR, CERCLE_FHIR_ERROR_INVALID,
                   _("The element “%s” of a %s resource must be %s"),
                   path->str, resource_type, kind_name (element->kind));
      return FALSE;
    }

  if (element->kind == CERCLE_FHIR_KIND_STRING)
    {
      const char *text = json_node_get_string (node);

      if (element->codes != NULL && !g_strv_contains (element->codes, text))
        {
          g_set_error (error, CERCLE_FHIR_ERROR, CERCLE_FHIR_ERROR_INVALID,
                       _("“%s” is not an allowed code for the element “%s” of a %s resource"),
                       text, path->str, resource_type);
          return FALSE;
        }
      if (element->primitive != NULL && !primitive_matches (element->primitive, text))
        {
          g_set_error (error, CERCLE_FHIR_ERROR, CERCLE_FHIR_ERROR_INVALID,
                       _("The element “%s” of a %s resource is not a valid %s"),
                       path->str, resource_type, element->primitive);
          return FALSE;
        }
    }

  if (element->kind == CERCLE_FHIR_KIND_INTEGER
      && element->primitive != NULL)
    {
      gint64 value = json_node_get_int (node);

      if ((strcmp (element->primitive, "positiveInt") == 0 && value < 1)
          || (strcmp (element->primitive, "unsignedInt") == 0 && value < 0))
        {
          g_set_error (error, CERCLE_FHIR_ERROR, CERCLE_FHIR_ERROR_INVALID,
                       _("The element “%s” of a %s resource is not a valid %s"),
                       path->str, resource_type, element->primitive);
          return FALSE;
        }
    }

  if (element->kind == CERCLE_FHIR_KIND_OBJECT)
    {
      if (element->type == CERCLE_FHIR_SUB_RESOURCE)
        return check_resource (json_node_get_object (node), NULL, depth + 1, error);
      if (element->type >= 0)
        return check_object (&cercle_fhir_type_defs[element->type], json_node_get_object (node),
                             resource_type, path, depth + 1, error);
    }

  return TRUE;
}

/* Checks the members of @object against @def; @path is the place of
 * @object in the resource ("" at the top, "name[0]" below), for messages. */
static gboolean
check_object (const CercleFhirTypeDef  *def,
              JsonObject               *object,
              const char               *resource_type,
              GString                  *path,
              guint                     depth,
              GError                  **error)
{
  gsize path_len = path->len;
  JsonObjectIter iter;
  const char *name;
  JsonNode *node;

  /* Extensions of extensions of … or Bundles of Bundles: not what a client sends. */
  if (depth > 32)
    {
      g_set_error (error, CERCLE_FHIR_ERROR, CERCLE_FHIR_ERROR_INVALID,
                   _("Resources are nested too deeply"));
      return FALSE;
    }

  /* In document order, so the first error reported is the first one a
   * person reading the JSON meets. */
  json_object_iter_init_ordered (&iter, object);
  while (json_object_iter_next_ordered (&iter, &name, &node))
    {
      const CercleFhirElement *element = find_element (def, name);

      g_string_truncate (path, path_len);
      if (path_len > 0)
        g_string_append_c (path, '.');
      g_string_append (path, name);

      if (element == NULL)
        {
          g_set_error (error, CERCLE_FHIR_ERROR, CERCLE_FHIR_ERROR_INVALID,
                       _("The element “%s” does not exist in a %s resource"), path->str, resource_type);
          return FALSE;
        }
      if (JSON_NODE_HOLDS_NULL (node))
        {
          g_set_error (error, CERCLE_FHIR_ERROR, CERCLE_FHIR_ERROR_INVALID,
                       _("The element “%s” of a %s resource is null: leave it out instead"),
                       path->str, resource_type);
          return FALSE;
        }
      if (element->is_array)
        {
          JsonArray *array;
          gsize item_len;

          if (!JSON_NODE_HOLDS_ARRAY (node))
            {
              g_set_error (error, CERCLE_FHIR_ERROR, CERCLE_FHIR_ERROR_INVALID,
                           _("The element “%s” of a %s resource must be an array"), path->str, resource_type);
              return FALSE;
            }
          array = json_node_get_array (node);
          if (json_array_get_length (array) == 0)
            {
              g_set_error (error, CERCLE_FHIR_ERROR, CERCLE_FHIR_ERROR_INVALID,
                           _("The element “%s” of a %s resource is an empty array: leave it out instead"),
                           path->str, resource_type);
              return FALSE;
            }
          item_len = path->len;
          for (guint i = 0; i < json_array_get_length (array); i++)
            {
              JsonNode *item = json_array_get_element (array, i);

              /* "given": ["Jeanne", null] + "_given": [null, {…}] line the
               * extensions up with the values: a null is a hole on one side. */
              if (JSON_NODE_HOLDS_NULL (item))
                {
                  g_autofree char *other = name[0] == '_' ? g_strdup (name + 1) : g_strconcat ("_", name, NULL);

                  if (element->kind != CERCLE_FHIR_KIND_OBJECT || name[0] == '_')
                    if (json_object_has_member (object, other))
                      continue;
                }
              g_string_truncate (path, item_len);
              g_string_append_printf (path, "[%u]", i);
              if (!check_value (element, item, resource_type, path, depth, error))
                return FALSE;
            }
        }
      else
        {
          if (JSON_NODE_HOLDS_ARRAY (node))
            {
              g_set_error (error, CERCLE_FHIR_ERROR, CERCLE_FHIR_ERROR_INVALID,
                           _("The element “%s” of a %s resource cannot be an array"), path->str, resource_type);
              return FALSE;
            }
          if (!check_value (element, node, resource_type, path, depth, error))
            return FALSE;
        }
    }

  for (gsize i = 0; def->required[i]; i++)
    {
      g_autofree char *extended = g_strconcat ("_", def->required[i], NULL);

      g_string_truncate (path, path_len);
      if (path_len > 0)
        g_string_append_c (path, '.');
      g_string_append (path, def->required[i]);
      /* A required primitive may come as its extension alone ("_status"). */
      if (!json_object_has_member (object, def->required[i]) && !json_object_has_member (object, extended))
        {
          g_set_error (error, CERCLE_FHIR_ERROR, CERCLE_FHIR_ERROR_REQUIRED,
                       _("The element “%s” is required in a %s resource"), path->str, resource_type);
          return FALSE;
        }
    }
  g_string_truncate (path, path_len);
  return TRUE;
}

static gboolean
check_resource (JsonObject  *resource,
                const char  *expected_type,
                guint        depth,
                GError     **error)
{
  const CercleFhirTypeDef *def;
  JsonNode *type_node;
  const char *type;
  g_autoptr(GString) path = g_string_new (NULL);

  type_node = json_object_get_member (resource, "resourceType");
  if (type_node == NULL)
    {
      g_set_error (error, CERCLE_FHIR_ERROR, CERCLE_FHIR_ERROR_RESOURCE_TYPE,
                   _("The resource has no resourceType"));
      return FALSE;
    }
  if (!JSON_NODE_HOLDS_VALUE (type_node) || json_node_get_value_type (type_node) != G_TYPE_STRING)
    {
      g_set_error (error, CERCLE_FHIR_ERROR, CERCLE_FHIR_ERROR_RESOURCE_TYPE,
                   _("The resourceType of a resource must be a string"));
      return FALSE;
    }
  type = json_node_get_string (type_node);
  if (!cercle_fhir_is_resource_type (type))
    {
      g_set_error (error, CERCLE_FHIR_ERROR, CERCLE_FHIR_ERROR_RESOURCE_TYPE,
                   _("“%s” is not a FHIR R4 resource type"), type);
      return FALSE;
    }
  if (expected_type != NULL && strcmp (type, expected_type) != 0)
    {
      g_set_error (error, CERCLE_FHIR_ERROR, CERCLE_FHIR_ERROR_RESOURCE_TYPE,
                   _("Expected a %s resource, not a %s resource"), expected_type, type);
      return FALSE;
    }
  def = find_resource_def (type);
  if (def == NULL)
    {
      g_set_error (error, CERCLE_FHIR_ERROR, CERCLE_FHIR_ERROR_UNSUPPORTED,
                   _("Cercle does not handle %s resources"), type);
      return FALSE;
    }

  if (!check_object (def, resource, type, path, depth, error))
    return FALSE;

  /* org-1: an Organization has at least an identifier or a name. */
  if (strcmp (type, "Organization") == 0
      && !json_object_has_member (resource, "identifier")
      && !json_object_has_member (resource, "name"))
    {
      g_set_error (error, CERCLE_FHIR_ERROR, CERCLE_FHIR_ERROR_REQUIRED,
                   _("An Organization needs an identifier or a name"));
      return FALSE;
    }
  return TRUE;
}

/**
 * cercle_fhir_check_resource:
 * @resource: a parsed FHIR resource
 * @expected_type: (nullable): the type the caller wants (the type of the URL)
 * @error: return location for a #CERCLE_FHIR_ERROR
 *
 * Checks what a FHIR server has to refuse with "400 Bad Request": a missing,
 * unknown or unexpected resourceType (%CERCLE_FHIR_ERROR_RESOURCE_TYPE), a
 * type Cercle does not handle (%CERCLE_FHIR_ERROR_UNSUPPORTED), a malformed
 * id, an element that does not exist in the type or has the wrong JSON kind,
 * a code outside its required value set, a primitive that does not match its
 * pattern (%CERCLE_FHIR_ERROR_INVALID) and a missing mandatory element
 * (%CERCLE_FHIR_ERROR_REQUIRED), at every depth: data types, backbone
 * elements, extensions, resources inside a Bundle and contained resources.
 * Messages name the element by its path ("name[0].family"). What it does not
 * check: the invariants between elements (only one value[x], …) beyond
 * org-1, nor value sets other than the required codes of the schema.
 *
 * Returns: %TRUE when @resource passes
 */
gboolean
cercle_fhir_check_resource (JsonObject  *resource,
                            const char  *expected_type,
                            GError     **error)
{
  g_return_val_if_fail (resource != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return check_resource (resource, expected_type, 0, error);
}

/* Whether the number written @text (@length bytes, outside any string)
 * is one json-glib keeps as written: an integer within 64 bits (past
 * them it wraps around), a decimal that is finite (1e400 became "inf",
 * which is no JSON). Malformed numbers are left to the parser. */
static gboolean
number_fits (const char *text,
             gsize       length)
{
  g_autofree char *copy = g_strndup (text, length);
  char *end = NULL;
  double value;

  if (strpbrk (copy, ".eE") == NULL)
    {
      gboolean plain = TRUE;

      for (const char *c = copy[0] == '-' ? copy + 1 : copy; *c && plain; c++)
        plain = g_ascii_isdigit (*c);
      return !plain || g_ascii_string_to_signed (copy, 10, G_MININT64, G_MAXINT64, NULL, NULL);
    }
  value = g_ascii_strtod (copy, &end);
  return end == NULL || *end != '\0' || isfinite (value);
}

/**
 * cercle_fhir_check_json:
 * @data: JSON text, not nul-terminated
 * @length: length of @data in bytes
 * @max_depth: the deepest nesting of arrays and objects accepted
 * @error: return location for a %CERCLE_FHIR_ERROR_PARSE error
 *
 * Scans @data without parsing it, for what must be refused before a parser
 * sees it: arrays and objects nested deeper than @max_depth (json-glib
 * recurses once a level, and 75,000 levels overflow the stack of the
 * thread), and a NUL character, raw or written `\u0000` in a string (json-glib
 * would end the string there and silently drop the rest of it), and a
 * number json-glib would not keep as written (an integer past 64 bits
 * wraps around, a decimal past the largest double becomes "inf", which
 * is no JSON). Strings and their escapes are skipped, so a bracket inside
 * a string does not count.
 *
 * Returns: %TRUE when @data may be given to a parser
 */
gboolean
cercle_fhir_check_json (const char  *data,
                        gsize        length,
                        guint        max_depth,
                        GError     **error)
{
  const char *p = data, *end = data + length;
  guint depth = 0;

  g_return_val_if_fail (data != NULL || length == 0, FALSE);

  while (p < end)
    {
      switch (*p++)
        {
        case '"':
          /* To the closing quote, an escape at a time. */
          for (;;)
            {
              while (p < end && *p != '"' && *p != '\\' && *p != '\0')
                p++;
              if (p >= end)
                return TRUE;  /* unterminated: the parser says so */
              if (*p == '"')
                {
                  p++;
                  break;
                }
              if (*p == '\0')
                goto nul;
              /* A backslash: \u0000 is a NUL, anything else one character. */
              if (end - p >= 6 && p[1] == 'u' && p[2] == '0' && p[3] == '0' && p[4] == '0' && p[5] == '0')
                goto nul;
              p += 2;
            }
          break;
        case '[':
        case '{':
          if (++depth > max_depth)
            {
              g_set_error (error, CERCLE_FHIR_ERROR, CERCLE_FHIR_ERROR_PARSE,
                           _("The document is nested more than %u levels deep"), max_depth);
              return FALSE;
            }
          break;
        case ']':
        case '}':
          if (depth > 0)
            depth--;
          break;
        case '\0':
          goto nul;
        case '-':
        case '0': case '1': case '2': case '3': case '4':
        case '5': case '6': case '7': case '8': case '9':
          {
            const char *start = p - 1;

            while (p < end && (g_ascii_isdigit (*p) || *p == '.' || *p == 'e' || *p == 'E' || *p == '+' || *p == '-'))
              p++;
            if (!number_fits (start, p - start))
              {
                g_autofree char *shown = g_strndup (start, MIN (p - start, 40));

                g_set_error (error, CERCLE_FHIR_ERROR, CERCLE_FHIR_ERROR_PARSE,
                             _("The number %s%s is too large to be kept as written"), shown,
                             p - start > 40 ? "…" : "");
                return FALSE;
              }
          }
          break;
        default:
          break;
        }
    }
  return TRUE;

nul:
  g_set_error (error, CERCLE_FHIR_ERROR, CERCLE_FHIR_ERROR_PARSE,
               _("The document holds a NUL character (\\u0000), which is not accepted"));
  return FALSE;
}

/**
 * cercle_fhir_parse:
 * @data: JSON text
 * @length: length of @data in bytes, or -1 when nul-terminated
 * @error: return location for a %CERCLE_FHIR_ERROR_PARSE error
 *
 * Parses a JSON document that must be an object. It does not check that the
 * object is a valid resource: see cercle_fhir_check_resource().
 *
 * Returns: (transfer full): the object, or %NULL
 */
JsonObject *
cercle_fhir_parse (const char  *data,
                   gssize       length,
                   GError     **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) local_error = NULL;
  JsonNode *root;

  g_return_val_if_fail (data != NULL || length == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (length < 0)
    length = strlen (data);
  if (length == 0)
    {
      g_set_error (error, CERCLE_FHIR_ERROR, CERCLE_FHIR_ERROR_PARSE,
                   _("The document is empty"));
      return NULL;
    }

  /* Untrusted text: nothing too deep or with a NUL reaches json-glib. */
  if (!cercle_fhir_check_json (data, length, CERCLE_FHIR_MAX_JSON_DEPTH, error))
    return NULL;
  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, data, length, &local_error))
    {
      g_set_error (error, CERCLE_FHIR_ERROR, CERCLE_FHIR_ERROR_PARSE,
                   _("The document is not valid JSON: %s"), local_error->message);
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, CERCLE_FHIR_ERROR, CERCLE_FHIR_ERROR_PARSE,
                   _("The document is not a JSON object"));
      return NULL;
    }
  return json_object_ref (json_node_get_object (root));
}

static void write_node (GString *out, JsonNode *node);

static void
write_string (GString    *out,
              const char *text)
{
  g_string_append_c (out, '"');
  for (const guchar *p = (const guchar *) text; *p; p++)
    {
      switch (*p)
        {
        case '"':
          g_string_append (out, "\\\"");
          break;
        case '\\':
          g_string_append (out, "\\\\");
          break;
        case '\n':
          g_string_append (out, "\\n");
          break;
        case '\r':
          g_string_append (out, "\\r");
          break;
        case '\t':
          g_string_append (out, "\\t");
          break;
        default:
          if (*p < 0x20)
            g_string_append_printf (out, "\\u%04x", *p);
          else
            g_string_append_c (out, *p);
        }
    }
  g_string_append_c (out, '"');
}

/* The shortest text that reads back as the same double: 48.5418, not
 * json-glib's "%.17g" 48.541800000000002 (FHIR decimals keep their
 * precision, and people read these files). */
static void
write_double (GString *out,
              double   value)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  if (!isfinite (value))
    {
      /* JSON has no NaN nor infinity; nothing Cercle writes has them. */
      g_string_append (out, "0");
      return;
    }
  g_ascii_formatd (buffer, sizeof buffer, "%.15g", value);
  if (g_ascii_strtod (buffer, NULL) != value)
    g_ascii_formatd (buffer, sizeof buffer, "%.16g", value);
  if (g_ascii_strtod (buffer, NULL) != value)
    g_ascii_formatd (buffer, sizeof buffer, "%.17g", value);
  g_string_append (out, buffer);
}

static void
write_node (GString  *out,
            JsonNode *node)
{
  switch (json_node_get_node_type (node))
    {
    case JSON_NODE_OBJECT:
      {
        JsonObjectIter iter;
        const char *name;
        JsonNode *member;
        gboolean first = TRUE;

        g_string_append_c (out, '{');
        /* In the order the members were set: resourceType first, as people expect. */
        json_object_iter_init_ordered (&iter, json_node_get_object (node));
        while (json_object_iter_next_ordered (&iter, &name, &member))
          {
            if (!first)
              g_string_append_c (out, ',');
            first = FALSE;
            write_string (out, name);
            g_string_append_c (out, ':');
            write_node (out, member);
          }
        g_string_append_c (out, '}');
      }
      break;
    case JSON_NODE_ARRAY:
      {
        JsonArray *array = json_node_get_array (node);

        g_string_append_c (out, '[');
        for (guint i = 0; i < json_array_get_length (array); i++)
          {
            if (i > 0)
              g_string_append_c (out, ',');
            write_node (out, json_array_get_element (array, i));
          }
        g_string_append_c (out, ']');
      }
      break;
    case JSON_NODE_VALUE:
      switch (json_node_get_value_type (node))
        {
        case G_TYPE_STRING:
          write_string (out, json_node_get_string (node));
          break;
        case G_TYPE_INT64:
          g_string_append_printf (out, "%" G_GINT64_FORMAT, json_node_get_int (node));
          break;
        case G_TYPE_DOUBLE:
          write_double (out, json_node_get_double (node));
          break;
        case G_TYPE_BOOLEAN:
          g_string_append (out, json_node_get_boolean (node) ? "true" : "false");
          break;
        default:
          g_string_append (out, "null");
          break;
        }
      break;
    case JSON_NODE_NULL:
    default:
      g_string_append (out, "null");
      break;
    }
}

/**
 * cercle_fhir_to_string:
 * @resource: a JSON object
 *
 * Writes compact JSON, members in the order they were set, decimals in
 * their shortest exact form (48.5418).
 *
 * Returns: (transfer full): the JSON text of @resource
 */
char *
cercle_fhir_to_string (JsonObject *resource)
{
  g_autoptr(JsonNode) root = NULL;
  GString *out;

  g_return_val_if_fail (resource != NULL, NULL);

  root = json_node_init_object (json_node_alloc (), resource);
  out = g_string_sized_new (512);
  write_node (out, root);
  return g_string_free (out, FALSE);
}

/**
 * cercle_fhir_operation_outcome_new:
 * @severity: fatal, error, warning or information
 * @code: an IssueType code (invalid, required, not-found, forbidden, …)
 * @diagnostics: (nullable): the text for a person
 *
 * Returns: (transfer full): an OperationOutcome with one issue
 */
JsonObject *
cercle_fhir_operation_outcome_new (const char *severity,
                                   const char *code,
                                   const char *diagnostics)
{
  JsonObject *outcome;
  JsonObject *issue;
  JsonArray *issues;

  g_return_val_if_fail (severity != NULL, NULL);
  g_return_val_if_fail (code != NULL, NULL);

  issue = json_object_new ();
  json_object_set_string_member (issue, "severity", severity);
  json_object_set_string_member (issue, "code", code);
  if (diagnostics != NULL && diagnostics[0] != '\0')
    json_object_set_string_member (issue, "diagnostics", diagnostics);
  issues = json_array_new ();
  json_array_add_object_element (issues, issue);

  outcome = json_object_new ();
  json_object_set_string_member (outcome, "resourceType", "OperationOutcome");
  json_object_set_array_member (outcome, "issue", issues);
  return outcome;
}

/**
 * cercle_fhir_operation_outcome_new_from_error:
 * @error: an error from libcercle
 *
 * Picks the IssueType code that matches @error (a FHIR check, a referral
 * rule, a validation or a store error) and keeps its message as diagnostics.
 *
 * Returns: (transfer full): an OperationOutcome with one error issue
 */
JsonObject *
cercle_fhir_operation_outcome_new_from_error (const GError *error)
{
  const char *code = "exception";

  g_return_val_if_fail (error != NULL, NULL);

  if (error->domain == CERCLE_FHIR_ERROR)
    {
      switch ((CercleFhirError) error->code)
        {
        case CERCLE_FHIR_ERROR_PARSE:
          code = "structure";
          break;
        case CERCLE_FHIR_ERROR_RESOURCE_TYPE:
        case CERCLE_FHIR_ERROR_INVALID:
          code = "invalid";
          break;
        case CERCLE_FHIR_ERROR_UNSUPPORTED:
          code = "not-supported";
          break;
        case CERCLE_FHIR_ERROR_REQUIRED:
          code = "required";
          break;
        default:
          break;
        }
    }
  else if (error->domain == CERCLE_REFERRAL_ERROR)
    {
      switch ((CercleReferralError) error->code)
        {
        case CERCLE_REFERRAL_ERROR_FORBIDDEN_ACTOR:
          code = "forbidden";
          break;
        case CERCLE_REFERRAL_ERROR_INVALID_TRANSITION:
          code = "business-rule";
          break;
        case CERCLE_REFERRAL_ERROR_REASON_REQUIRED:
          code = "required";
          break;
        case CERCLE_REFERRAL_ERROR_UNKNOWN_STATUS:
        case CERCLE_REFERRAL_ERROR_UNKNOWN_REASON:
          code = "code-invalid";
          break;
        default:
          break;
        }
    }
  else if (error->domain == CERCLE_VALIDATION_ERROR)
    code = "value";
  else if (error->domain == CERCLE_DB_ERROR)
    {
      if (error->code == CERCLE_DB_ERROR_NOT_FOUND)
        code = "not-found";
      else if (error->code == CERCLE_DB_ERROR_CONFLICT)
        code = "conflict";
    }

  return cercle_fhir_operation_outcome_new ("error", code, error->message);
}

/**
 * cercle_fhir_bundle_new:
 * @type: the Bundle type: searchset, history, collection, transaction-response…
 * @resources: (element-type JsonObject): the resources, in order
 * @base_url: (nullable): the FHIR base of the server ("https://host/fhir"),
 *   to give each entry its fullUrl
 *
 * A searchset gets its total and each entry the search mode "match".
 *
 * Returns: (transfer full): the Bundle (it holds references to @resources)
 */
JsonObject *
cercle_fhir_bundle_new (const char *type,
                        GPtrArray  *resources,
                        const char *base_url)
{
  gboolean searchset;
  JsonObject *bundle;
  JsonArray *entries;

  g_return_val_if_fail (type != NULL, NULL);
  g_return_val_if_fail (resources != NULL, NULL);

  searchset = strcmp (type, "searchset") == 0;
  bundle = json_object_new ();
  json_object_set_string_member (bundle, "resourceType", "Bundle");
  json_object_set_string_member (bundle, "type", type);
  if (searchset)
    json_object_set_int_member (bundle, "total", resources->len);

  entries = json_array_new ();
  for (guint i = 0; i < resources->len; i++)
    {
      JsonObject *resource = g_ptr_array_index (resources, i);
      const char *resource_type = cercle_fhir_get_string (resource, "resourceType");
      const char *id = cercle_fhir_get_string (resource, "id");
      JsonObject *entry = json_object_new ();

      if (base_url != NULL && resource_type != NULL && id != NULL)
        {
          g_autofree char *full_url = g_strdup_printf ("%s%s%s/%s", base_url,
                                                       g_str_has_suffix (base_url, "/") ? "" : "/",
                                                       resource_type, id);

          json_object_set_string_member (entry, "fullUrl", full_url);
        }
      json_object_set_object_member (entry, "resource", json_object_ref (resource));
      if (searchset)
        {
          JsonObject *search = json_object_new ();

          json_object_set_string_member (search, "mode", "match");
          json_object_set_object_member (entry, "search", search);
        }
      json_array_add_object_element (entries, entry);
    }
  if (json_array_get_length (entries) > 0)
    json_object_set_array_member (bundle, "entry", entries);
  else
    json_array_unref (entries);
  return bundle;
}

/**
 * cercle_fhir_audit_event_new:
 * @action: C, R, U, D or E (create, read, update, delete, execute)
 * @interaction: the REST interaction: read, vread, update, create, delete,
 *   search-type, history-instance…
 * @practitioner_id: (nullable): who acted
 * @patient_id: (nullable): whose data it was, so the log can be shown to the
 *   patient (RGPD, domain.md §7)
 * @resource_type: (nullable): the type of the resource read or written
 * @resource_id: (nullable): its id
 * @success: whether the interaction succeeded
 * @when: (nullable): the time, now when %NULL
 *
 * Returns: (transfer full): an AuditEvent for one access to health data
 */
JsonObject *
cercle_fhir_audit_event_new (const char *action,
                             const char *interaction,
                             const char *practitioner_id,
                             const char *patient_id,
                             const char *resource_type,
                             const char *resource_id,
                             gboolean    success,
                             GDateTime  *when)
{
  g_autoptr(GDateTime) now = NULL;
  g_autofree char *recorded = NULL;
  JsonObject *event, *agent, *source, *observer;
  JsonArray *array, *entities;

  g_return_val_if_fail (action != NULL, NULL);
  g_return_val_if_fail (interaction != NULL, NULL);

  if (when == NULL)
    when = now = g_date_time_new_now_utc ();
  recorded = cercle_fhir_format_date_time (when);

  event = json_object_new ();
  json_object_set_string_member (event, "resourceType", "AuditEvent");
  json_object_set_object_member (event, "type",
                                 cercle_fhir_coding_new ("http://terminology.hl7.org/CodeSystem/audit-event-type",
                                                         "rest", "RESTful Operation"));
  array = json_array_new ();
  json_array_add_object_element (array, cercle_fhir_coding_new ("http://hl7.org/fhir/restful-interaction",
                                                                interaction, NULL));
  json_object_set_array_member (event, "subtype", array);
  json_object_set_string_member (event, "action", action);
  json_object_set_string_member (event, "recorded", recorded);
  /* 0 success, 4 minor failure (refused request) */
  json_object_set_string_member (event, "outcome", success ? "0" : "4");

  agent = json_object_new ();
  if (practitioner_id != NULL)
    json_object_set_object_member (agent, "who", cercle_fhir_reference_new ("Practitioner", practitioner_id, NULL));
  json_object_set_boolean_member (agent, "requestor", TRUE);
  array = json_array_new ();
  json_array_add_object_element (array, agent);
  json_object_set_array_member (event, "agent", array);

  source = json_object_new ();
  observer = json_object_new ();
  json_object_set_string_member (observer, "display", "cercle-server");
  json_object_set_object_member (source, "observer", observer);
  json_object_set_object_member (event, "source", source);

  entities = json_array_new ();
  if (resource_type != NULL && resource_id != NULL)
    {
      JsonObject *entity = json_object_new ();

      json_object_set_object_member (entity, "what", cercle_fhir_reference_new (resource_type, resource_id, NULL));
      json_array_add_object_element (entities, entity);
    }
  if (patient_id != NULL
      && !(g_strcmp0 (resource_type, "Patient") == 0 && g_strcmp0 (resource_id, patient_id) == 0))
    {
      JsonObject *entity = json_object_new ();

      json_object_set_object_member (entity, "what", cercle_fhir_reference_new ("Patient", patient_id, NULL));
      /* role 1 = "Patient" in the object-role code system */
      json_object_set_object_member (entity, "role",
                                     cercle_fhir_coding_new ("http://terminology.hl7.org/CodeSystem/object-role",
                                                             "1", "Patient"));
      json_array_add_object_element (entities, entity);
    }
  if (json_array_get_length (entities) > 0)
    json_object_set_array_member (event, "entity", entities);
  else
    json_array_unref (entities);
  return event;
}

/**
 * cercle_fhir_set_meta:
 * @resource: a resource
 * @version_id: (nullable): its version
 * @last_updated: (nullable): when it was last written
 *
 * Sets meta.versionId and meta.lastUpdated, keeping the rest of meta.
 */
void
cercle_fhir_set_meta (JsonObject *resource,
                      const char *version_id,
                      GDateTime  *last_updated)
{
  JsonObject *meta;

  g_return_if_fail (resource != NULL);

  meta = cercle_fhir_get_object (resource, "meta");
  if (meta == NULL)
    {
      meta = json_object_new ();
      json_object_set_object_member (resource, "meta", meta);
    }
  if (version_id != NULL)
    json_object_set_string_member (meta, "versionId", version_id);
  if (last_updated != NULL)
    {
      g_autofree char *text = cercle_fhir_format_date_time (last_updated);

      json_object_set_string_member (meta, "lastUpdated", text);
    }
}

/**
 * cercle_fhir_coding_new:
 * @system: (nullable): the code system URL
 * @code: the code
 * @display: (nullable): the label
 *
 * Returns: (transfer full): a Coding
 */
JsonObject *
cercle_fhir_coding_new (const char *system,
                        const char *code,
                        const char *display)
{
  JsonObject *coding;

  g_return_val_if_fail (code != NULL, NULL);

  coding = json_object_new ();
  if (system != NULL)
    json_object_set_string_member (coding, "system", system);
  json_object_set_string_member (coding, "code", code);
  if (display != NULL && display[0] != '\0')
    json_object_set_string_member (coding, "display", display);
  return coding;
}

/**
 * cercle_fhir_codeable_concept_new:
 * @system: (nullable): the code system URL
 * @code: (nullable): the code; without it the concept is only @display as text
 * @display: (nullable): the label
 *
 * Returns: (transfer full): a CodeableConcept with one coding
 */
JsonObject *
cercle_fhir_codeable_concept_new (const char *system,
                                  const char *code,
                                  const char *display)
{
  JsonObject *concept;

  g_return_val_if_fail (code != NULL || display != NULL, NULL);

  concept = json_object_new ();
  if (code != NULL)
    {
      JsonArray *codings = json_array_new ();

      json_array_add_object_element (codings, cercle_fhir_coding_new (system, code, display));
      json_object_set_array_member (concept, "coding", codings);
    }
  else
    json_object_set_string_member (concept, "text", display);
  return concept;
}

/**
 * cercle_fhir_identifier_new:
 * @system: the identifier system (one of the CERCLE_FHIR_SYSTEM_ defines)
 * @value: the identifier
 * @use: (nullable): usual, official, temp, secondary or old
 *
 * Returns: (transfer full): an Identifier
 */
JsonObject *
cercle_fhir_identifier_new (const char *system,
                            const char *value,
                            const char *use)
{
  JsonObject *identifier;

  g_return_val_if_fail (system != NULL, NULL);
  g_return_val_if_fail (value != NULL, NULL);

  identifier = json_object_new ();
  if (use != NULL)
    json_object_set_string_member (identifier, "use", use);
  json_object_set_string_member (identifier, "system", system);
  json_object_set_string_member (identifier, "value", value);
  return identifier;
}

/**
 * cercle_fhir_identifier_new_typed:
 * @system: the identifier system
 * @value: the identifier
 * @type_code: a code of the FR Core identifier types (FINEG, IDNST, RPPS, …)
 * @type_display: (nullable): its label
 *
 * Returns: (transfer full): an Identifier with a type, as FR Core wants them
 */
JsonObject *
cercle_fhir_identifier_new_typed (const char *system,
                                  const char *value,
                                  const char *type_code,
                                  const char *type_display)
{
  JsonObject *identifier;

  g_return_val_if_fail (type_code != NULL, NULL);

  identifier = cercle_fhir_identifier_new (system, value, NULL);
  json_object_set_object_member (identifier, "type",
                                 cercle_fhir_codeable_concept_new (CERCLE_FHIR_SYSTEM_IDENTIFIER_TYPE,
                                                                   type_code, type_display));
  return identifier;
}

/**
 * cercle_fhir_reference_new:
 * @type: the resource type
 * @id: the logical id
 * @display: (nullable): the text to show
 *
 * Returns: (transfer full): a relative Reference "Type/id"
 */
JsonObject *
cercle_fhir_reference_new (const char *type,
                           const char *id,
                           const char *display)
{
  g_autofree char *ref = NULL;
  JsonObject *reference;

  g_return_val_if_fail (type != NULL, NULL);
  g_return_val_if_fail (id != NULL, NULL);

  ref = g_strdup_printf ("%s/%s", type, id);

  reference = json_object_new ();
  json_object_set_string_member (reference, "reference", ref);
  if (display != NULL && display[0] != '\0')
    json_object_set_string_member (reference, "display", display);
  return reference;
}

/**
 * cercle_fhir_period_new:
 * @start: (nullable): a FHIR date or dateTime
 * @end: (nullable): a FHIR date or dateTime
 *
 * Returns: (transfer full): a Period (possibly empty)
 */
JsonObject *
cercle_fhir_period_new (const char *start,
                        const char *end)
{
  JsonObject *period = json_object_new ();

  if (start != NULL && start[0] != '\0')
    json_object_set_string_member (period, "start", start);
  if (end != NULL && end[0] != '\0')
    json_object_set_string_member (period, "end", end);
  return period;
}

/**
 * cercle_fhir_format_date_time:
 * @date_time: a time
 *
 * Returns: (transfer full): @date_time as a FHIR dateTime/instant, to the
 *   second, with its UTC offset ("2026-11-23T09:30:00+01:00")
 */
char *
cercle_fhir_format_date_time (GDateTime *date_time)
{
  g_return_val_if_fail (date_time != NULL, NULL);

  /* %:z gives "+01:00"; FHIR wants the colon, and "Z" is not needed. */
  return g_date_time_format (date_time, "%Y-%m-%dT%H:%M:%S%:z");
}

/**
 * cercle_fhir_parse_date_time:
 * @text: (nullable): a FHIR dateTime with a time and a zone
 *
 * Returns: (transfer full) (nullable): the time, or %NULL when @text is not a
 *   full FHIR dateTime (partial dates have no single instant)
 */
GDateTime *
cercle_fhir_parse_date_time (const char *text)
{
  if (text == NULL || !primitive_matches ("dateTime", text) || strchr (text, 'T') == NULL)
    return NULL;
  return g_date_time_new_from_iso8601 (text, NULL);
}

/**
 * cercle_fhir_is_valid_date:
 * @text: (nullable): a candidate FHIR date ("2026", "2026-11", "2026-11-23")
 *
 * Returns: %TRUE when @text is a FHIR date that exists in the calendar
 */
gboolean
cercle_fhir_is_valid_date (const char *text)
{
  guint64 year, month, day;

  if (text == NULL || !primitive_matches ("date", text))
    return FALSE;
  if (strlen (text) != 10)
    return TRUE;
  year = g_ascii_strtoull (text, NULL, 10);
  month = g_ascii_strtoull (text + 5, NULL, 10);
  day = g_ascii_strtoull (text + 8, NULL, 10);
  return g_date_valid_dmy (day, month, year);
}

/**
 * cercle_fhir_is_valid_date_time:
 * @text: (nullable): a candidate FHIR dateTime (a date, or a date and a time with its zone)
 *
 * Returns: %TRUE when @text is a FHIR dateTime whose date exists
 */
gboolean
cercle_fhir_is_valid_date_time (const char *text)
{
  char date[11];

  if (text == NULL || !primitive_matches ("dateTime", text))
    return FALSE;
  if (strlen (text) < 10)
    return TRUE;
  memcpy (date, text, 10);
  date[10] = '\0';
  return cercle_fhir_is_valid_date (date);
}

/**
 * cercle_fhir_get_string:
 * @object: a JSON object
 * @member: a member name
 *
 * Returns: (nullable): the string value of @member, or %NULL when it is
 *   missing or not a string
 */
const char *
cercle_fhir_get_string (JsonObject *object,
                        const char *member)
{
  JsonNode *node;

  g_return_val_if_fail (member != NULL, NULL);

  if (object == NULL)
    return NULL;
  node = json_object_get_member (object, member);
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

/**
 * cercle_fhir_get_object:
 * @object: (nullable): a JSON object
 * @member: a member name
 *
 * Returns: (transfer none) (nullable): the object value of @member
 */
JsonObject *
cercle_fhir_get_object (JsonObject *object,
                        const char *member)
{
  JsonNode *node;

  g_return_val_if_fail (member != NULL, NULL);

  if (object == NULL)
    return NULL;
  node = json_object_get_member (object, member);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  return json_node_get_object (node);
}

/**
 * cercle_fhir_get_array:
 * @object: (nullable): a JSON object
 * @member: a member name
 *
 * Returns: (transfer none) (nullable): the array value of @member
 */
JsonArray *
cercle_fhir_get_array (JsonObject *object,
                       const char *member)
{
  JsonNode *node;

  g_return_val_if_fail (member != NULL, NULL);

  if (object == NULL)
    return NULL;
  node = json_object_get_member (object, member);
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return NULL;
  return json_node_get_array (node);
}

/**
 * cercle_fhir_array_get_object:
 * @array: a JSON array
 * @index: an index below the array's length
 *
 * Returns: (transfer none) (nullable): the element at @index when it is an
 *   object, %NULL when it is of another kind
 */
JsonObject *
cercle_fhir_array_get_object (JsonArray *array,
                              guint      index)
{
  JsonNode *node;

  g_return_val_if_fail (array != NULL, NULL);

  node = json_array_get_element (array, index);
  return JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

/**
 * cercle_fhir_find_identifier:
 * @resource: a resource
 * @system: an identifier system
 *
 * Returns: (nullable): the value of the first identifier of @resource in
 *   @system
 */
const char *
cercle_fhir_find_identifier (JsonObject *resource,
                             const char *system)
{
  JsonArray *identifiers;

  g_return_val_if_fail (system != NULL, NULL);

  identifiers = cercle_fhir_get_array (resource, "identifier");
  for (guint i = 0; identifiers != NULL && i < json_array_get_length (identifiers); i++)
    {
      JsonObject *identifier = cercle_fhir_array_get_object (identifiers, i);

      if (g_strcmp0 (cercle_fhir_get_string (identifier, "system"), system) == 0)
        return cercle_fhir_get_string (identifier, "value");
    }
  return NULL;
}

/**
 * cercle_fhir_codeable_concept_find:
 * @concept: (nullable): a CodeableConcept
 * @system: (nullable): a code system, or %NULL for the first coding
 * @display: (out) (optional) (nullable): the label of the coding found
 *
 * Returns: (nullable): the code of the first coding of @concept in @system
 */
const char *
cercle_fhir_codeable_concept_find (JsonObject  *concept,
                                   const char  *system,
                                   const char **display)
{
  JsonArray *codings = cercle_fhir_get_array (concept, "coding");

  if (display != NULL)
    *display = NULL;
  for (guint i = 0; codings != NULL && i < json_array_get_length (codings); i++)
    {
      JsonObject *coding = cercle_fhir_array_get_object (codings, i);

      if (coding == NULL)
        continue;
      if (system == NULL || g_strcmp0 (cercle_fhir_get_string (coding, "system"), system) == 0)
        {
          if (display != NULL)
            *display = cercle_fhir_get_string (coding, "display");
          return cercle_fhir_get_string (coding, "code");
        }
    }
  return NULL;
}

/**
 * cercle_fhir_reference_parse:
 * @reference: (nullable): a Reference
 * @type: (out) (optional): the resource type
 * @id: (out) (optional): the logical id
 *
 * Reads a literal reference, relative ("Patient/123") or absolute
 * ("https://host/fhir/Patient/123/_history/2").
 *
 * Returns: %TRUE when @reference points at a resource by type and id
 */
gboolean
cercle_fhir_reference_parse (JsonObject  *reference,
                             char       **type,
                             char       **id)
{
  const char *text = cercle_fhir_get_string (reference, "reference");
  g_auto(GStrv) parts = NULL;
  guint n;

  if (type != NULL)
    *type = NULL;
  if (id != NULL)
    *id = NULL;
  if (text == NULL)
    return FALSE;

  parts = g_strsplit (text, "/", -1);
  n = g_strv_length (parts);
  /* Drop a version: …/Type/id/_history/vid */
  if (n >= 4 && strcmp (parts[n - 2], "_history") == 0)
    n -= 2;
  if (n < 2 || !cercle_fhir_is_resource_type (parts[n - 2]) || !cercle_fhir_is_valid_id (parts[n - 1]))
    return FALSE;

  if (type != NULL)
    *type = g_strdup (parts[n - 2]);
  if (id != NULL)
    *id = g_strdup (parts[n - 1]);
  return TRUE;
}

/**
 * cercle_fhir_find_extension:
 * @object: (nullable): a resource or an element
 * @url: the extension URL
 *
 * Returns: (transfer none) (nullable): the first extension of @object with @url
 */
JsonObject *
cercle_fhir_find_extension (JsonObject *object,
                            const char *url)
{
  JsonArray *extensions = cercle_fhir_get_array (object, "extension");

  g_return_val_if_fail (url != NULL, NULL);

  for (guint i = 0; extensions != NULL && i < json_array_get_length (extensions); i++)
    {
      JsonObject *extension = cercle_fhir_array_get_object (extensions, i);

      if (g_strcmp0 (cercle_fhir_get_string (extension, "url"), url) == 0)
        return extension;
    }
  return NULL;
}
