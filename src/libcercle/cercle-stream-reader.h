/* cercle-stream-reader.h — lines or chunks of a plain or gzip file, streamed
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _CercleStreamReader CercleStreamReader;

CercleStreamReader *cercle_stream_reader_open         (GFile               *file,
                                                       GCancellable        *cancellable,
                                                       GError             **error);
void                cercle_stream_reader_free         (CercleStreamReader  *self);
gboolean            cercle_stream_reader_is_gzip      (CercleStreamReader  *self);
const char         *cercle_stream_reader_peek         (CercleStreamReader  *self,
                                                       gsize                want,
                                                       gsize               *len,
                                                       GCancellable        *cancellable,
                                                       GError             **error);
gboolean            cercle_stream_reader_read_line    (CercleStreamReader  *self,
                                                       char               **line,
                                                       gsize               *len,
                                                       gboolean            *too_long,
                                                       GCancellable        *cancellable,
                                                       GError             **error);
const char         *cercle_stream_reader_read_chunk   (CercleStreamReader  *self,
                                                       gsize               *len,
                                                       GCancellable        *cancellable,
                                                       GError             **error);
guint64             cercle_stream_reader_get_line     (CercleStreamReader  *self);
guint64             cercle_stream_reader_get_position (CercleStreamReader  *self);
guint64             cercle_stream_reader_get_size     (CercleStreamReader  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CercleStreamReader, cercle_stream_reader_free)

G_END_DECLS
