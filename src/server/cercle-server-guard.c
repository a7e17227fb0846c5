/* cercle-server-guard.c — one client connection, watched for time and shape
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * libsoup 3.2's SoupServer never closes a connection on its own: an idle
 * one, or one that sends its headers a byte at a time, stays open for ever,
 * and an HTTP/0.9 request line ("GET /path", no version) makes it wait for
 * headers that never come. The server therefore accepts connections itself
 * and hands each to soup_server_accept_iostream() through a pair of thin
 * pollable filter streams (plain text: above TLS when there is TLS) that
 * see every byte read and written:
 *
 * - between requests, a connection without a byte read or written for
 *   idle_timeout seconds is shut down;
 * - from the first byte of a request, its headers (up to the blank line)
 *   must arrive within header_timeout seconds, and be at most 64 KiB;
 * - from the end of the headers, the answer must start within
 *   body_timeout seconds (the body arrives in that time);
 * - a request line that does not end with " HTTP/1.0" or " HTTP/1.1" is
 *   answered 400 at once, and the connection closed.
 *
 * Activity only stores a time; one timer a connection wakes at the nearest
 * deadline and looks again, so a request costs no timer syscall.
 */
#define G_LOG_DOMAIN "cercle-server"

#include "config.h"

#include <string.h>

#include "cercle-server-guard.h"

#define MAX_HEADER_BYTES (64 * 1024)

/* What a person reading the answer of a broken client sees. */
#define BAD_REQUEST_TEXT "Requ\xc3\xaate HTTP mal form\xc3\xa9" "e.\r\n"

/* --- counts ------------------------------------------------------------------ */

struct _CercleConnectionCount
{
  gint        ref;
  guint       total;
  GHashTable *per_address;   /* char* → count */
};

CercleConnectionCount *
cercle_connection_count_new (void)
{
  CercleConnectionCount *count = g_new0 (CercleConnectionCount, 1);

  count->ref = 1;
  count->per_address = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return count;
}

CercleConnectionCount *
cercle_connection_count_ref (CercleConnectionCount *count)
{
  count->ref++;
  return count;
}

void
cercle_connection_count_unref (CercleConnectionCount *count)
{
  if (--count->ref > 0)
    return;
  g_hash_table_unref (count->per_address);
  g_free (count);
}

guint
cercle_connection_count_total (CercleConnectionCount *count)
{
  return count->total;
}

guint
cercle_connection_count_of (CercleConnectionCount *count,
                            const char            *address)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (count->per_address, address));
}

static void
count_add (CercleConnectionCount *count,
           const char            *address,
           int                    delta)
{
  guint n = cercle_connection_count_of (count, address) + delta;

  count->total += delta;
  if (n == 0)
    g_hash_table_remove (count->per_address, address);
  else
    g_hash_table_replace (count->per_address, g_strdup (address), GUINT_TO_POINTER (n));
}

/* --- the connection ---------------------------------------------------------- */

typedef enum {
  STATE_IDLE,      /* between requests */
  STATE_HEADERS,   /* reading a request's headers */
  STATE_BODY,      /* headers read, no answer yet */
} State;

typedef struct {
  gint                   ref;
  GIOStream             *base;
  GSocket               *socket;
  char                  *address;
  CercleConnectionCount *count;
  CercleServerLimits     limits;
  GSource               *timer;
  State                  state;
  gint64                 last_activity;   /* monotonic µs */
  gint64                 deadline;        /* of the headers or the answer */
  gboolean               closed;
  /* Scanning the headers. */
  gsize                  header_bytes;
  gboolean               first_line;
  gboolean               line_start;
  char                   tail[9];         /* the first line's last characters */
  guint                  tail_len;
} Conn;

static Conn *
conn_ref (Conn *conn)
{
  conn->ref++;
  return conn;
}

static void
conn_unref (Conn *conn)
{
  if (--conn->ref > 0)
    return;
  if (conn->timer)
    {
      g_source_destroy (conn->timer);
      g_source_unref (conn->timer);
    }
  count_add (conn->count, conn->address, -1);
  cercle_connection_count_unref (conn->count);
  g_object_unref (conn->base);
  g_object_unref (conn->socket);
  g_free (conn->address);
  g_free (conn);
}

static gint64
conn_next_deadline (Conn *conn)
{
  if (conn->state == STATE_IDLE)
    return conn->last_activity + (gint64) conn->limits.idle_timeout * G_USEC_PER_SEC;
  return conn->deadline;
}

/* Ends the connection: libsoup's pending read sees the end of the stream
 * and lets it go. */
static void
conn_shut (Conn       *conn,
           const char *why)
{
  if (conn->closed)
    return;
  conn->closed = TRUE;
  g_debug ("Connection from %s closed: %s", conn->address, why);
  g_socket_shutdown (conn->socket, TRUE, TRUE, NULL);
}

static gboolean
timer_dispatch (GSource     *source,
                GSourceFunc  callback,
                gpointer     data)
{
  Conn *conn = data;
  gint64 now = g_get_monotonic_time ();
  gint64 deadline = conn_next_deadline (conn);

  if (conn->closed)
    {
      g_source_set_ready_time (source, -1);
      return G_SOURCE_CONTINUE;
    }
  if (now < deadline)
    {
      /* Activity moved it: sleep again until then. */
      g_source_set_ready_time (source, deadline);
      return G_SOURCE_CONTINUE;
    }
  conn_shut (conn, conn->state == STATE_HEADERS ? "headers too slow"
                   : conn->state == STATE_BODY ? "request body too slow" : "idle");
  g_source_set_ready_time (source, -1);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs timer_funcs = { NULL, NULL, timer_dispatch, NULL, NULL, NULL };

/* A deadline earlier than the one the timer waits for. */
static void
conn_arm (Conn *conn)
{
  gint64 next = conn_next_deadline (conn);
  gint64 armed = g_source_get_ready_time (conn->timer);

  if (armed < 0 || next < armed)
    g_source_set_ready_time (conn->timer, next);
}

static void
conn_answer_400 (Conn *conn)
{
  GOutputStream *out = g_io_stream_get_output_stream (conn->base);
  g_autofree char *answer = g_strdup_printf ("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n"
                                             "Content-Type: text/plain; charset=utf-8\r\n"
                                             "Content-Length: %u\r\n\r\n%s",
                                             (guint) strlen (BAD_REQUEST_TEXT), BAD_REQUEST_TEXT);

  /* Small enough for the socket's buffer: never waits. */
  if (G_IS_POLLABLE_OUTPUT_STREAM (out))
    g_pollable_output_stream_write_nonblocking (G_POLLABLE_OUTPUT_STREAM (out), answer, strlen (answer),
                                                NULL, NULL);
  conn_shut (conn, "malformed request");
}

static gboolean
tail_is_version (Conn *conn)
{
  return conn->tail_len == sizeof conn->tail &&
         (memcmp (conn->tail, " HTTP/1.1", 9) == 0 || memcmp (conn->tail, " HTTP/1.0", 9) == 0);
}

/* Bytes read: FALSE if the request is malformed (answered, shut). */
static gboolean
conn_read (Conn       *conn,
           const char *data,
           gssize      n)
{
  gint64 now;

  if (n <= 0)
    return TRUE;
  now = g_get_monotonic_time ();
  conn->last_activity = now;
  if (conn->state == STATE_IDLE)
    {
      conn->state = STATE_HEADERS;
      conn->deadline = now + (gint64) conn->limits.header_timeout * G_USEC_PER_SEC;
      conn->header_bytes = 0;
      conn->first_line = TRUE;
      conn->line_start = TRUE;
      conn->tail_len = 0;
      conn_arm (conn);
    }
  if (conn->state != STATE_HEADERS)
    return TRUE;

  for (gssize i = 0; i < n; i++)
    {
      char c = data[i];

      conn->header_bytes++;
      if (c == '\r')
        continue;
      if (c == '\n')
        {
          if (conn->first_line)
            {
              /* Blank lines before a request are allowed. */
              if (conn->line_start)
                continue;
              if (!tail_is_version (conn))
                {
                  conn_answer_400 (conn);
                  return FALSE;
                }
              conn->first_line = FALSE;
            }
          else if (conn->line_start)
            {
              /* The blank line: the body, if any, is libsoup's business. */
              conn->state = STATE_BODY;
              conn->deadline = now + (gint64) conn->limits.body_timeout * G_USEC_PER_SEC;
              conn_arm (conn);
              return TRUE;
            }
          conn->line_start = TRUE;
          continue;
        }
      conn->line_start = FALSE;
      if (conn->first_line)
        {
          if (conn->tail_len == sizeof conn->tail)
            {
              memmove (conn->tail, conn->tail + 1, sizeof conn->tail - 1);
              conn->tail_len--;
            }
          conn->tail[conn->tail_len++] = c;
        }
    }
  if (conn->header_bytes > MAX_HEADER_BYTES)
    {
      conn_answer_400 (conn);
      return FALSE;
    }
  return TRUE;
}

static void
conn_wrote (Conn       *conn,
            const char *data,
            gssize      n)
{
  if (n <= 0)
    return;
  conn->last_activity = g_get_monotonic_time ();
  /* An interim "100 Continue" does not end the request. */
  if (conn->state != STATE_IDLE && !(n >= 12 && memcmp (data, "HTTP/1.1 100", 12) == 0))
    conn->state = STATE_IDLE;
}

/* --- the streams ------------------------------------------------------------- */

#define CERCLE_TYPE_GUARD_INPUT (cercle_guard_input_get_type ())
G_DECLARE_FINAL_TYPE (CercleGuardInput, cercle_guard_input, CERCLE, GUARD_INPUT, GFilterInputStream)

struct _CercleGuardInput
{
  GFilterInputStream parent_instance;
  Conn              *conn;
};

static void guard_input_pollable_init (GPollableInputStreamInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (CercleGuardInput, cercle_guard_input, G_TYPE_FILTER_INPUT_STREAM,
                               G_IMPLEMENT_INTERFACE (G_TYPE_POLLABLE_INPUT_STREAM, guard_input_pollable_init))

static GInputStream *
input_base (gpointer stream)
{
  return g_filter_input_stream_get_base_stream (G_FILTER_INPUT_STREAM (stream));
}

static gssize
guard_input_read (GInputStream  *stream,
                  void          *buffer,
                  gsize          count,
                  GCancellable  *cancellable,
                  GError       **error)
{
  CercleGuardInput *self = CERCLE_GUARD_INPUT (stream);
  gssize n = g_input_stream_read (input_base (stream), buffer, count, cancellable, error);

  return conn_read (self->conn, buffer, n) ? n : 0;
}

static gssize
guard_input_read_nonblocking (GPollableInputStream  *stream,
                              void                  *buffer,
                              gsize                  count,
                              GError               **error)
{
  CercleGuardInput *self = CERCLE_GUARD_INPUT (stream);
  gssize n = g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (input_base (stream)),
                                                       buffer, count, NULL, error);

  return conn_read (self->conn, buffer, n) ? n : 0;
}

static gboolean
guard_input_can_poll (GPollableInputStream *stream)
{
  GInputStream *base = input_base (stream);

  return G_IS_POLLABLE_INPUT_STREAM (base) && g_pollable_input_stream_can_poll (G_POLLABLE_INPUT_STREAM (base));
}

static gboolean
guard_input_is_readable (GPollableInputStream *stream)
{
  return g_pollable_input_stream_is_readable (G_POLLABLE_INPUT_STREAM (input_base (stream)));
}

static GSource *
guard_input_create_source (GPollableInputStream *stream,
                           GCancellable         *cancellable)
{
  g_autoptr(GSource) base = g_pollable_input_stream_create_source (G_POLLABLE_INPUT_STREAM (input_base (stream)),
                                                                    NULL);

  return g_pollable_source_new_full (stream, base, cancellable);
}

static void
guard_input_pollable_init (GPollableInputStreamInterface *iface)
{
  iface->can_poll = guard_input_can_poll;
  iface->is_readable = guard_input_is_readable;
  iface->create_source = guard_input_create_source;
  iface->read_nonblocking = guard_input_read_nonblocking;
}

static void
cercle_guard_input_finalize (GObject *object)
{
  conn_unref (CERCLE_GUARD_INPUT (object)->conn);
  G_OBJECT_CLASS (cercle_guard_input_parent_class)->finalize (object);
}

static void
cercle_guard_input_class_init (CercleGuardInputClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cercle_guard_input_finalize;
  G_INPUT_STREAM_CLASS (klass)->read_fn = guard_input_read;
}

static void
cercle_guard_input_init (CercleGuardInput *self)
{
}

#define CERCLE_TYPE_GUARD_OUTPUT (cercle_guard_output_get_type ())
G_DECLARE_FINAL_TYPE (CercleGuardOutput, cercle_guard_output, CERCLE, GUARD_OUTPUT, GFilterOutputStream)

struct _CercleGuardOutput
{
  GFilterOutputStream parent_instance;
  Conn               *conn;
};

static void guard_output_pollable_init (GPollableOutputStreamInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (CercleGuardOutput, cercle_guard_output, G_TYPE_FILTER_OUTPUT_STREAM,
                               G_IMPLEMENT_INTERFACE (G_TYPE_POLLABLE_OUTPUT_STREAM, guard_output_pollable_init))

static GOutputStream *
output_base (gpointer stream)
{
  return g_filter_output_stream_get_base_stream (G_FILTER_OUTPUT_STREAM (stream));
}

static gssize
guard_output_write (GOutputStream  *stream,
                    const void     *buffer,
                    gsize           count,
                    GCancellable   *cancellable,
                    GError        **error)
{
  gssize n = g_output_stream_write (output_base (stream), buffer, count, cancellable, error);

  conn_wrote (CERCLE_GUARD_OUTPUT (stream)->conn, buffer, n);
  return n;
}

static gssize
guard_output_write_nonblocking (GPollableOutputStream  *stream,
                                const void             *buffer,
                                gsize                   count,
                                GError                **error)
{
  gssize n = g_pollable_output_stream_write_nonblocking (G_POLLABLE_OUTPUT_STREAM (output_base (stream)),
                                                         buffer, count, NULL, error);

  conn_wrote (CERCLE_GUARD_OUTPUT (stream)->conn, buffer, n);
  return n;
}

/* The connection's end: the whole base stream (TLS and socket) closes. */
static gboolean
guard_output_close (GOutputStream  *stream,
                    GCancellable   *cancellable,
                    GError        **error)
{
  Conn *conn = CERCLE_GUARD_OUTPUT (stream)->conn;

  conn->closed = TRUE;
  return g_io_stream_close (conn->base, cancellable, error);
}

static gboolean
guard_output_can_poll (GPollableOutputStream *stream)
{
  GOutputStream *base = output_base (stream);

  return G_IS_POLLABLE_OUTPUT_STREAM (base) && g_pollable_output_stream_can_poll (G_POLLABLE_OUTPUT_STREAM (base));
}

static gboolean
guard_output_is_writable (GPollableOutputStream *stream)
{
  return g_pollable_output_stream_is_writable (G_POLLABLE_OUTPUT_STREAM (output_base (stream)));
}

static GSource *
guard_output_create_source (GPollableOutputStream *stream,
                            GCancellable          *cancellable)
{
  g_autoptr(GSource) base = g_pollable_output_stream_create_source (G_POLLABLE_OUTPUT_STREAM (output_base (stream)),
                                                                     NULL);

  return g_pollable_source_new_full (stream, base, cancellable);
}

static void
guard_output_pollable_init (GPollableOutputStreamInterface *iface)
{
  iface->can_poll = guard_output_can_poll;
  iface->is_writable = guard_output_is_writable;
  iface->create_source = guard_output_create_source;
  iface->write_nonblocking = guard_output_write_nonblocking;
}

static void
cercle_guard_output_finalize (GObject *object)
{
  conn_unref (CERCLE_GUARD_OUTPUT (object)->conn);
  G_OBJECT_CLASS (cercle_guard_output_parent_class)->finalize (object);
}

static void
cercle_guard_output_class_init (CercleGuardOutputClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cercle_guard_output_finalize;
  G_OUTPUT_STREAM_CLASS (klass)->write_fn = guard_output_write;
  G_OUTPUT_STREAM_CLASS (klass)->close_fn = guard_output_close;
}

static void
cercle_guard_output_init (CercleGuardOutput *self)
{
}

/**
 * cercle_server_guard_new:
 * @base: the connection (a #GSocketConnection, or the #GTlsConnection over it)
 * @socket: its socket, shut down when a limit is passed
 * @address: the client's address, for the count
 * @limits: the timeouts
 * @count: the open connections, counted until the guard is finalized
 *
 * Returns: (transfer full): the stream to give soup_server_accept_iostream()
 */
GIOStream *
cercle_server_guard_new (GIOStream                *base,
                         GSocket                  *socket,
                         const char               *address,
                         const CercleServerLimits *limits,
                         CercleConnectionCount    *count)
{
  Conn *conn = g_new0 (Conn, 1);
  CercleGuardInput *in;
  CercleGuardOutput *out;
  GIOStream *stream;

  conn->ref = 1;
  conn->base = g_object_ref (base);
  conn->socket = g_object_ref (socket);
  conn->address = g_strdup (address);
  conn->count = cercle_connection_count_ref (count);
  conn->limits = *limits;
  conn->state = STATE_IDLE;
  conn->last_activity = g_get_monotonic_time ();
  count_add (count, address, 1);

  conn->timer = g_source_new (&timer_funcs, sizeof (GSource));
  g_source_set_callback (conn->timer, NULL, conn, NULL);
  g_source_set_name (conn->timer, "[cercle] connection deadline");
  g_source_set_ready_time (conn->timer, conn_next_deadline (conn));
  g_source_attach (conn->timer, NULL);

  in = g_object_new (CERCLE_TYPE_GUARD_INPUT, "base-stream", g_io_stream_get_input_stream (base),
                     "close-base-stream", FALSE, NULL);
  in->conn = conn_ref (conn);
  out = g_object_new (CERCLE_TYPE_GUARD_OUTPUT, "base-stream", g_io_stream_get_output_stream (base),
                      "close-base-stream", FALSE, NULL);
  out->conn = conn_ref (conn);
  stream = g_simple_io_stream_new (G_INPUT_STREAM (in), G_OUTPUT_STREAM (out));
  g_object_unref (in);
  g_object_unref (out);
  conn_unref (conn);
  return stream;
}
