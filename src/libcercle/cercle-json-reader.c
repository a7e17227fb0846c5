/* cercle-json-reader.c — a small, fast JSON reader for bulk imports
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The national FINESS export is 190,000 JSON lines; json-glib builds a
 * GObject tree per line and spends most of the import in allocation. This
 * reader parses a line in place: strings are unescaped over their own
 * bytes (an escape is never shorter than what it stands for) and the values
 * come from an arena reused from one line to the next, so a line costs no
 * allocation at all once the arena is warm. It reads RFC 8259 JSON and
 * refuses what is not (with the byte offset), which is what the import
 * reports for a malformed line. For values, not for writing: json-glib
 * stays the tool for everything else.
 */
#include "config.h"

#include <string.h>

#include "cercle-directory.h"
#include "cercle-i18n.h"
#include "cercle-json-reader.h"

#define BLOCK 4096
#define MAX_DEPTH 512

struct _CercleJsonReader
{
  GPtrArray *blocks;  /* CercleJsonValue[BLOCK] */
  guint      block;   /* current block */
  guint      used;    /* values used in it */
  char      *p;
  char      *end;
  char      *start;
  guint      depth;
  GError   **error;
};

/**
 * cercle_json_reader_new:
 *
 * Returns: (transfer full): a reader, to parse many documents one after
 *   the other
 */
CercleJsonReader *
cercle_json_reader_new (void)
{
  CercleJsonReader *self = g_new0 (CercleJsonReader, 1);

  self->blocks = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (self->blocks, g_new (CercleJsonValue, BLOCK));
  return self;
}

/**
 * cercle_json_reader_free:
 * @self: (nullable): a #CercleJsonReader
 *
 * Frees the reader and every value it returned.
 */
void
cercle_json_reader_free (CercleJsonReader *self)
{
  if (self == NULL)
    return;
  g_ptr_array_unref (self->blocks);
  g_free (self);
}

static CercleJsonValue *
new_value (CercleJsonReader *self,
           CercleJsonKind    kind)
{
  CercleJsonValue *v;

  if (self->used == BLOCK)
    {
      self->block++;
      self->used = 0;
      if (self->block == self->blocks->len)
        g_ptr_array_add (self->blocks, g_new (CercleJsonValue, BLOCK));
    }
  v = (CercleJsonValue *) g_ptr_array_index (self->blocks, self->block) + self->used++;
  memset (v, 0, sizeof *v);
  v->kind = kind;
  return v;
}

static gboolean
fail (CercleJsonReader *self,
      const char       *what)
{
  if (self->error && *self->error == NULL)
    g_set_error (self->error, CERCLE_DIRECTORY_ERROR, CERCLE_DIRECTORY_ERROR_FORMAT,
                 _("%s at byte %lu"), what, (gulong) (self->p - self->start) + 1);
  return FALSE;
}

static void
skip_space (CercleJsonReader *self)
{
  while (self->p < self->end && (*self->p == ' ' || *self->p == '\t' || *self->p == '\n' || *self->p == '\r'))
    self->p++;
}

static int
hex4 (const char *p)
{
  int v = 0;

  for (int i = 0; i < 4; i++)
    {
      int d = g_ascii_xdigit_value (p[i]);

      if (d < 0)
        return -1;
      v = v * 16 + d;
    }
  return v;
}

/* Parses the string at p (on its opening quote), unescaping it in place. */
static gboolean
parse_string (CercleJsonReader  *self,
              const char       **out,
              guint32           *out_len)
{
  char *w, *r;

  r = ++self->p;
  /* Fast path: no escape. */
  while (r < self->end && *r != '"' && *r != '\\' && (guchar) *r >= 0x20)
    r++;
  w = r;
  while (r < self->end && *r != '"')
    {
      guchar c = *r;

      if (c < 0x20)
        {
          self->p = r;
          return fail (self, _("control character in a string"));
        }
      if (c != '\\')
        {
          *w++ = *r++;
          continue;
        }
      if (r + 1 >= self->end)
        break;
      r++;
      switch (*r)
        {
        case '"': *w++ = '"'; r++; break;
        case '\\': *w++ = '\\'; r++; break;
        case '/': *w++ = '/'; r++; break;
        case 'b': *w++ = '\b'; r++; break;
        case 'f': *w++ = '\f'; r++; break;
        case 'n': *w++ = '\n'; r++; break;
        case 'r': *w++ = '\r'; r++; break;
        case 't': *w++ = '\t'; r++; break;
        case 'u':
          {
            int cp = r + 5 <= self->end ? hex4 (r + 1) : -1;

            if (cp < 0)
              {
                self->p = r;
                return fail (self, _("bad \\u escape"));
              }
            r += 5;
            if (cp >= 0xd800 && cp <= 0xdbff)
              {
                int low = r + 6 <= self->end && r[0] == '\\' && r[1] == 'u' ? hex4 (r + 2) : -1;

                if (low < 0xdc00 || low > 0xdfff)
                  {
                    self->p = r;
                    return fail (self, _("lone surrogate in a \\u escape"));
                  }
                cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
                r += 6;
              }
            else if (cp >= 0xdc00 && cp <= 0xdfff)
              {
                self->p = r;
                return fail (self, _("lone surrogate in a \\u escape"));
              }
            if (cp == 0)
              cp = 0xfffd;  /* keep strings NUL-terminated C strings */
            w += g_unichar_to_utf8 (cp, w);
            break;
          }
        default:
          self->p = r;
          return fail (self, _("bad escape in a string"));
        }
    }
  if (r >= self->end)
    {
      self->p = r;
      return fail (self, _("unterminated string"));
    }
  *w = '\0';
  *out = self->p;
  *out_len = w - self->p;
  self->p = r + 1;
  return TRUE;
}

static gboolean parse_value (CercleJsonReader *self, CercleJsonValue **out);

static gboolean
parse_number (CercleJsonReader *self,
              CercleJsonValue **out)
{
  char *p = self->p;
  char *end = NULL;
  double v;

  /* The JSON grammar, strictly: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
  if (p < self->end && *p == '-')
    p++;
  if (p < self->end && *p == '0')
    p++;
  else if (p < self->end && *p >= '1' && *p <= '9')
    while (p < self->end && g_ascii_isdigit (*p))
      p++;
  else
    return fail (self, _("invalid value"));
  if (p < self->end && *p == '.')
    {
      p++;
      if (p >= self->end || !g_ascii_isdigit (*p))
        return fail (self, _("invalid number"));
      while (p < self->end && g_ascii_isdigit (*p))
        p++;
    }
  if (p < self->end && (*p == 'e' || *p == 'E'))
    {
      p++;
      if (p < self->end && (*p == '+' || *p == '-'))
        p++;
      if (p >= self->end || !g_ascii_isdigit (*p))
        return fail (self, _("invalid number"));
      while (p < self->end && g_ascii_isdigit (*p))
        p++;
    }
  v = g_ascii_strtod (self->p, &end);
  if (end != p)
    return fail (self, _("invalid number"));
  *out = new_value (self, CERCLE_JSON_NUMBER);
  (*out)->number = v;
  self->p = p;
  return TRUE;
}

static gboolean
parse_literal (CercleJsonReader *self,
               const char       *word,
               CercleJsonKind    kind,
               CercleJsonValue **out)
{
  gsize n = strlen (word);

  if ((gsize) (self->end - self->p) < n || memcmp (self->p, word, n) != 0)
    return fail (self, _("invalid value"));
  self->p += n;
  *out = new_value (self, kind);
  return TRUE;
}

static gboolean
parse_container (CercleJsonReader *self,
                 gboolean          object,
                 CercleJsonValue **out)
{
  CercleJsonValue *container = new_value (self, object ? CERCLE_JSON_OBJECT : CERCLE_JSON_ARRAY);
  CercleJsonValue *last = NULL;
  char close = object ? '}' : ']';

  if (++self->depth > MAX_DEPTH)
    return fail (self, _("nested too deeply"));
  self->p++;
  skip_space (self);
  if (self->p < self->end && *self->p == close)
    {
      self->p++;
      self->depth--;
      *out = container;
      return TRUE;
    }

  for (;;)
    {
      CercleJsonValue *child = NULL;
      const char *key = NULL;
      guint32 key_len;

      skip_space (self);
      if (object)
        {
          if (self->p >= self->end || *self->p != '"')
            return fail (self, _("expected a member name"));
          if (!parse_string (self, &key, &key_len))
            return FALSE;
          skip_space (self);
          if (self->p >= self->end || *self->p != ':')
            return fail (self, _("expected “:”"));
          self->p++;
          skip_space (self);
        }
      if (!parse_value (self, &child))
        return FALSE;
      child->key = key;
      if (last)
        last->next = child;
      else
        container->first = child;
      last = child;
      container->length++;

      skip_space (self);
      if (self->p < self->end && *self->p == ',')
        {
          self->p++;
          continue;
        }
      if (self->p < self->end && *self->p == close)
        {
          self->p++;
          break;
        }
      return fail (self, object ? _("expected “,” or “}”") : _("expected “,” or “]”"));
    }

  self->depth--;
  *out = container;
  return TRUE;
}

static gboolean
parse_value (CercleJsonReader *self,
             CercleJsonValue **out)
{
  if (self->p >= self->end)
    return fail (self, _("unexpected end"));
  switch (*self->p)
    {
    case '{':
      return parse_container (self, TRUE, out);
    case '[':
      return parse_container (self, FALSE, out);
    case '"':
      *out = new_value (self, CERCLE_JSON_STRING);
      return parse_string (self, &(*out)->string, &(*out)->length);
    case 't':
      return parse_literal (self, "true", CERCLE_JSON_TRUE, out);
    case 'f':
      return parse_literal (self, "false", CERCLE_JSON_FALSE, out);
    case 'n':
      return parse_literal (self, "null", CERCLE_JSON_NULL, out);
    default:
      return parse_number (self, out);
    }
}

/**
 * cercle_json_reader_parse:
 * @self: a #CercleJsonReader
 * @text: (inout): one JSON document; its strings are unescaped in place,
 *   so it must stay alive and unchanged while the values are used
 * @len: its length
 * @error: return location for a #CERCLE_DIRECTORY_ERROR_FORMAT
 *
 * Parses @text. The values of the previous parse become invalid.
 *
 * Returns: (transfer none): the root value, or %NULL when @text is not
 *   valid UTF-8 JSON
 */
const CercleJsonValue *
cercle_json_reader_parse (CercleJsonReader  *self,
                          char              *text,
                          gsize              len,
                          GError           **error)
{
  CercleJsonValue *root = NULL;
  const char *bad;

  self->block = 0;
  self->used = 0;
  self->depth = 0;
  self->start = self->p = text;
  self->end = text + len;
  self->error = error;

  if (!g_utf8_validate_len (text, len, &bad))
    {
      self->p = (char *) bad;
      fail (self, _("not UTF-8"));
      return NULL;
    }
  skip_space (self);
  if (!parse_value (self, &root))
    return NULL;
  skip_space (self);
  if (self->p != self->end)
    {
      fail (self, _("text after the value"));
      return NULL;
    }
  return root;
}

/**
 * cercle_json_member:
 * @object: (nullable): a value
 * @name: a member name
 *
 * Returns: (nullable): the member of @object called @name, %NULL when
 *   @object is not an object or has no such member
 */
const CercleJsonValue *
cercle_json_member (const CercleJsonValue *object,
                    const char            *name)
{
  if (object == NULL || object->kind != CERCLE_JSON_OBJECT)
    return NULL;
  for (const CercleJsonValue *v = object->first; v; v = v->next)
    if (strcmp (v->key, name) == 0)
      return v;
  return NULL;
}

/**
 * cercle_json_member_string:
 * @object: (nullable): a value
 * @name: a member name
 *
 * Returns: (nullable): the string member @name, %NULL when it is missing
 *   or not a string
 */
const char *
cercle_json_member_string (const CercleJsonValue *object,
                           const char            *name)
{
  const CercleJsonValue *v = cercle_json_member (object, name);

  return v && v->kind == CERCLE_JSON_STRING ? v->string : NULL;
}

/**
 * cercle_json_member_object:
 * @object: (nullable): a value
 * @name: a member name
 *
 * Returns: (nullable): the object member @name
 */
const CercleJsonValue *
cercle_json_member_object (const CercleJsonValue *object,
                           const char            *name)
{
  const CercleJsonValue *v = cercle_json_member (object, name);

  return v && v->kind == CERCLE_JSON_OBJECT ? v : NULL;
}

/**
 * cercle_json_member_array:
 * @object: (nullable): a value
 * @name: a member name
 *
 * Returns: (nullable): the array member @name
 */
const CercleJsonValue *
cercle_json_member_array (const CercleJsonValue *object,
                          const char            *name)
{
  const CercleJsonValue *v = cercle_json_member (object, name);

  return v && v->kind == CERCLE_JSON_ARRAY ? v : NULL;
}
