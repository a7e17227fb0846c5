/* cercle-stream-reader.c — lines or chunks of a plain or gzip file, streamed
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The national files are hundreds of megabytes once unpacked: they are read
 * through a fixed buffer, never whole. gzip is recognised by its magic
 * bytes, not by the file name, so a renamed download still works. A line
 * longer than MAX_LINE (a file that is not line-oriented, or a broken one)
 * is skipped rather than grown into memory.
 */
#include "config.h"

#include <string.h>

#include "cercle-i18n.h"
#include "cercle-stream-reader.h"

#define CHUNK (256 * 1024)
#define MAX_LINE (32 * 1024 * 1024)

struct _CercleStreamReader
{
  GInputStream *base;    /* the file, for the position in it */
  GInputStream *stream;  /* what we read: the file or its gunzipped form */
  gboolean      gzip;
  guint64       size;
  char         *buf;
  gsize         cap;
  gsize         start;   /* first unread byte */
  gsize         end;     /* end of the data in buf */
  gboolean      eof;
  guint64       line;    /* number of the last line returned */
};

/**
 * cercle_stream_reader_open:
 * @file: a plain or gzip-compressed file
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GIOError
 *
 * Returns: (transfer full): a reader, or %NULL
 */
CercleStreamReader *
cercle_stream_reader_open (GFile         *file,
                           GCancellable  *cancellable,
                           GError       **error)
{
  g_autoptr(GFileInputStream) in = NULL;
  g_autoptr(GFileInfo) info = NULL;
  g_autoptr(GInputStream) buffered = NULL;
  CercleStreamReader *self;
  const guint8 *magic;
  gsize n = 0;

  g_return_val_if_fail (G_IS_FILE (file), NULL);

  in = g_file_read (file, cancellable, error);
  if (in == NULL)
    return NULL;
  info = g_file_input_stream_query_info (in, G_FILE_ATTRIBUTE_STANDARD_SIZE, cancellable, NULL);

  buffered = g_buffered_input_stream_new_sized (G_INPUT_STREAM (in), 64 * 1024);
  if (g_buffered_input_stream_fill (G_BUFFERED_INPUT_STREAM (buffered), 2, cancellable, error) < 0)
    return NULL;
  magic = g_buffered_input_stream_peek_buffer (G_BUFFERED_INPUT_STREAM (buffered), &n);

  self = g_new0 (CercleStreamReader, 1);
  self->base = G_INPUT_STREAM (g_object_ref (in));
  self->size = info ? (guint64) g_file_info_get_size (info) : 0;
  self->gzip = n >= 2 && magic[0] == 0x1f && magic[1] == 0x8b;
  if (self->gzip)
    {
      g_autoptr(GZlibDecompressor) gunzip = g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP);

      self->stream = g_converter_input_stream_new (buffered, G_CONVERTER (gunzip));
    }
  else
    self->stream = g_object_ref (buffered);

  self->cap = CHUNK;
  self->buf = g_malloc (self->cap + 1);
  return self;
}

/**
 * cercle_stream_reader_free:
 * @self: a #CercleStreamReader
 *
 * Closes the file.
 */
void
cercle_stream_reader_free (CercleStreamReader *self)
{
  if (self == NULL)
    return;
  g_input_stream_close (self->stream, NULL, NULL);
  g_object_unref (self->stream);
  g_object_unref (self->base);
  g_free (self->buf);
  g_free (self);
}

/**
 * cercle_stream_reader_is_gzip:
 * @self: a #CercleStreamReader
 *
 * Returns: %TRUE when the file is gzip-compressed
 */
gboolean
cercle_stream_reader_is_gzip (CercleStreamReader *self)
{
  return self->gzip;
}

/* Reads more data after what is buffered, growing the buffer up to
 * @max_cap. Returns the number of bytes added, 0 at the end, -1 on error. */
static gssize
fill (CercleStreamReader  *self,
      gsize                max_cap,
      GCancellable        *cancellable,
      GError             **error)
{
  GError *local_error = NULL;
  gssize got;

  if (self->eof)
    return 0;

  /* Keep the unread bytes, at the start of the buffer. */
  if (self->start > 0)
    {
      memmove (self->buf, self->buf + self->start, self->end - self->start);
      self->end -= self->start;
      self->start = 0;
    }
  if (self->end == self->cap)
    {
      if (self->cap >= max_cap)
        return 0;
      self->cap = MIN (self->cap * 2, max_cap);
      self->buf = g_realloc (self->buf, self->cap + 1);
    }

  got = g_input_stream_read (self->stream, self->buf + self->end, self->cap - self->end,
                             cancellable, &local_error);
  if (got < 0)
    {
      /* zlib's "Need more input" says nothing to a person: the file was
       * cut short (an interrupted download). */
      if (self->gzip && g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT))
        {
          g_clear_error (&local_error);
          g_set_error_literal (&local_error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT,
                               _("truncated compressed file: the gzip data stops before its end "
                                 "(an interrupted download?)"));
        }
      g_propagate_error (error, local_error);
      return -1;
    }
  if (got == 0)
    self->eof = TRUE;
  self->end += got;
  return got;
}

/**
 * cercle_stream_reader_peek:
 * @self: a #CercleStreamReader
 * @want: how many bytes to look at (at most 256 KiB)
 * @len: (out): how many there are (fewer at the end of the file)
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GIOError
 *
 * Looks at the next bytes of the (unpacked) file without consuming them,
 * to tell its format.
 *
 * Returns: (transfer none): the bytes, or %NULL on error
 */
const char *
cercle_stream_reader_peek (CercleStreamReader  *self,
                           gsize                want,
                           gsize               *len,
                           GCancellable        *cancellable,
                           GError             **error)
{
  want = MIN (want, (gsize) CHUNK);
  while (self->end - self->start < want && !self->eof)
    if (fill (self, CHUNK, cancellable, error) < 0)
      return NULL;
  *len = MIN (want, self->end - self->start);
  return self->buf + self->start;
}

/**
 * cercle_stream_reader_read_line:
 * @self: a #CercleStreamReader
 * @line: (out) (transfer none): the line, without its end (LF or CRLF),
 *   NUL-terminated; valid until the next read; may be modified in place
 * @len: (out): its length
 * @too_long: (out): set when the line was longer than 32 MiB: it was
 *   skipped and @line is empty
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GIOError
 *
 * Returns: %TRUE with a line, %FALSE at the end of the file (@error unset)
 *   or on error
 */
gboolean
cercle_stream_reader_read_line (CercleStreamReader  *self,
                                char               **line,
                                gsize               *len,
                                gboolean            *too_long,
                                GCancellable        *cancellable,
                                GError             **error)
{
  gsize scanned = 0;
  gboolean skipping = FALSE;

  *too_long = FALSE;
  for (;;)
    {
      char *nl = memchr (self->buf + self->start + scanned, '\n',
                         self->end - self->start - scanned);
      gssize got;

      if (nl != NULL)
        {
          gsize n = nl - (self->buf + self->start);

          self->line++;
          if (skipping)
            {
              self->start += n + 1;
              *too_long = TRUE;
              self->buf[self->start - 1] = '\0';
              *line = self->buf + self->start - 1;
              *len = 0;
              return TRUE;
            }
          *line = self->buf + self->start;
          if (n > 0 && (*line)[n - 1] == '\r')
            n--;
          (*line)[n] = '\0';
          *len = n;
          self->start = nl - self->buf + 1;
          return TRUE;
        }

      scanned = self->end - self->start;
      if (scanned >= MAX_LINE)
        {
          /* Drop what we have of this line and look for its end. */
          skipping = TRUE;
          self->start = self->end;
          scanned = 0;
        }

      got = fill (self, MAX_LINE, cancellable, error);
      if (got < 0)
        return FALSE;
      if (got == 0 && self->end == self->start + scanned)
        {
          if (self->eof && (scanned > 0 || skipping))
            {
              /* The last line, without a line end. */
              self->line++;
              *line = self->buf + self->start;
              *len = skipping ? 0 : scanned;
              if (*len > 0 && (*line)[*len - 1] == '\r')
                (*len)--;
              (*line)[*len] = '\0';
              *too_long = skipping;
              self->start = self->end;
              return TRUE;
            }
          if (self->eof)
            return FALSE;
        }
    }
}

/**
 * cercle_stream_reader_read_chunk:
 * @self: a #CercleStreamReader
 * @len: (out): how many bytes
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GIOError
 *
 * Returns the next bytes of the file (at most 256 KiB), for a reader that is
 * not line-oriented. Lines are not counted: do it from the bytes.
 *
 * Returns: (transfer none): the bytes (valid until the next read), or %NULL
 *   at the end of the file (@len 0, @error unset) or on error
 */
const char *
cercle_stream_reader_read_chunk (CercleStreamReader  *self,
                                 gsize               *len,
                                 GCancellable        *cancellable,
                                 GError             **error)
{
  const char *out;

  *len = 0;
  if (self->start == self->end)
    {
      gssize got;

      self->start = self->end = 0;
      got = fill (self, CHUNK, cancellable, error);
      if (got <= 0)
        return NULL;
    }
  out = self->buf + self->start;
  *len = self->end - self->start;
  self->start = self->end;
  return out;
}

/**
 * cercle_stream_reader_get_line:
 * @self: a #CercleStreamReader
 *
 * Returns: the number (from 1) of the last line read_line() returned
 */
guint64
cercle_stream_reader_get_line (CercleStreamReader *self)
{
  return self->line;
}

/**
 * cercle_stream_reader_get_position:
 * @self: a #CercleStreamReader
 *
 * Returns: how many bytes of the file (compressed, when it is) have been
 *   read, for a progress bar
 */
guint64
cercle_stream_reader_get_position (CercleStreamReader *self)
{
  if (G_IS_SEEKABLE (self->base))
    return g_seekable_tell (G_SEEKABLE (self->base));
  return 0;
}

/**
 * cercle_stream_reader_get_size:
 * @self: a #CercleStreamReader
 *
 * Returns: the size of the file on disk, 0 when unknown
 */
guint64
cercle_stream_reader_get_size (CercleStreamReader *self)
{
  return self->size;
}
