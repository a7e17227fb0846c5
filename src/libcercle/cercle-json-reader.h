/* cercle-json-reader.h — a small, fast JSON reader for bulk imports
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  CERCLE_JSON_NULL,
  CERCLE_JSON_FALSE,
  CERCLE_JSON_TRUE,
  CERCLE_JSON_NUMBER,
  CERCLE_JSON_STRING,
  CERCLE_JSON_ARRAY,
  CERCLE_JSON_OBJECT,
} CercleJsonKind;

typedef struct _CercleJsonValue CercleJsonValue;

/**
 * CercleJsonValue:
 * @kind: what it is
 * @length: bytes of a string, members of an object, elements of an array
 * @key: the member name, inside an object
 * @number: the value of a number
 * @string: the text of a string (NUL-terminated, valid UTF-8)
 * @first: the first member or element
 * @next: the next member or element of the same parent
 */
struct _CercleJsonValue {
  CercleJsonKind   kind;
  guint32          length;
  const char      *key;
  double           number;
  const char      *string;
  CercleJsonValue *first;
  CercleJsonValue *next;
};

typedef struct _CercleJsonReader CercleJsonReader;

CercleJsonReader      *cercle_json_reader_new        (void);
void                   cercle_json_reader_free       (CercleJsonReader      *self);
const CercleJsonValue *cercle_json_reader_parse      (CercleJsonReader      *self,
                                                      char                  *text,
                                                      gsize                  len,
                                                      GError               **error);
const CercleJsonValue *cercle_json_member            (const CercleJsonValue *object,
                                                      const char            *name);
const char            *cercle_json_member_string     (const CercleJsonValue *object,
                                                      const char            *name);
const CercleJsonValue *cercle_json_member_object     (const CercleJsonValue *object,
                                                      const char            *name);
const CercleJsonValue *cercle_json_member_array      (const CercleJsonValue *object,
                                                      const char            *name);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CercleJsonReader, cercle_json_reader_free)

G_END_DECLS
