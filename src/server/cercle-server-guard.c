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
 * - in a pipeline, neither deadline falls while an earlier answer is
 *   still being written;
 * - a request line that does not end with " HTTP/1.0" or " HTTP/1.1", a
 *   Content-Length that is not one number, or one with a Transfer-Encoding,
 *   is answered 400, and the connection closed.
 *
 * The input stream follows the requests through the bytes, whatever the
 * boundaries of the reads: a head, then a body of Content-Length bytes,
 * then the next head. A head is held back until its blank line, and given
 * to libsoup only once the whole of it is checked, so libsoup never sees a
 * malformed head, nor the start of one, even deep in a pipeline; bodies
 * pass as they come. A malformed head is answered when libsoup asks for it,
 * that is once the requests before it are answered. After a head with a
 * Transfer-Encoding (which the server refuses 411, and closes) the rest
 * passes unchecked.
 *
 * Activity only stores a time; one timer for all connections looks at
 * them once a second (a source per connection would be looked at on every
 * iteration of the main loop, thousands of times a second under load), so
 * a request costs no timer work at all.
 */
#define G_LOG_DOMAIN "cercle-server"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "cercle-server-guard.h"
#include "cercle-server-throttle.h"

#define MAX_HEADER_BYTES (64 * 1024)


/* --- counts ------------------------------------------------------------------ */

struct _CercleConnectionCount
{
  gint        ref;
  guint       total;
  GHashTable *per_address;   /* char* → count */
  GHashTable *open;          /* Conn* still counted, for the sweep */
  guint       sweep_id;
};

static gboolean sweep (gpointer data);

CercleConnectionCount *
cercle_connection_count_new (void)
{
  CercleConnectionCount *count = g_new0 (CercleConnectionCount, 1);

  count->ref = 1;
  count->per_address = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  count->open = g_hash_table_new (NULL, NULL);
  count->sweep_id = g_timeout_add_seconds (1, sweep, count);
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
  g_clear_handle_id (&count->sweep_id, g_source_remove);
  g_hash_table_unref (count->per_address);
  g_hash_table_unref (count->open);
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
  g_autofree char *key = cercle_throttle_address_key (address);

  return GPOINTER_TO_UINT (g_hash_table_lookup (count->per_address, key));
}

static void
count_add (CercleConnectionCount *count,
           const char            *address,
           int                    delta)
{
  g_autofree char *key = cercle_throttle_address_key (address);
  guint n = cercle_connection_count_of (count, address) + delta;

  count->total += delta;
  if (n == 0)
    g_hash_table_remove (count->per_address, key);
  else
    g_hash_table_replace (count->per_address, g_steal_pointer (&key), GUINT_TO_POINTER (n));
}

/* --- the connection ---------------------------------------------------------- */

typedef enum {
  STATE_IDLE,      /* between requests */
  STATE_HEADERS,   /* reading a request's headers */
  STATE_BODY,      /* headers read, no answer yet */
} State;

/* Where the client's bytes are, in the stream of requests. */
typedef enum {
  PARSE_HEAD,      /* in a head, or before one */
  PARSE_BODY,      /* in a body of Content-Length bytes */
  PARSE_OPAQUE,    /* after a head with a Transfer-Encoding: the server refuses it and closes */
  PARSE_BAD,       /* at a malformed head: 400 once the requests before it are answered */
} Parse;

typedef struct {
  gint                   ref;
  GIOStream             *base;
  GSocket               *socket;
  char                  *address;
  CercleConnectionCount *count;
  CercleServerLimits     limits;
  State                  state;
  gint64                 last_activity;   /* monotonic µs */
  gint64                 deadline;        /* of the headers or the answer */
  gboolean               closed;
  gboolean               counted;
  gboolean               release_pending;
  /* Requests and answers, for the deadlines of a pipeline. */
  guint64                heads;           /* complete heads read */
  guint64                answers;         /* answers started */
  /* Read from the client, not yet given to libsoup: its first held_ready
   * bytes are checked, the rest is a head not complete yet (or malformed). */
  GByteArray            *held;
  gsize                  held_ready;
  gboolean               held_large;      /* it grew past 16 KiB */
  /* Scanning the bytes. */
  Parse                  parse;
  guint64                body_left;
  gint64                 head_deadline;
  gsize                  header_bytes;
  gboolean               first_line;
  gboolean               line_start;
  char                   tail[9];         /* the first line's last characters */
  guint                  tail_len;
  char                   line[48];        /* a header line's first characters */
  guint                  line_len;
  guint                  n_lengths;       /* Content-Length headers */
  guint64                length;          /* the last one's value */
  gboolean               chunked;         /* a Transfer-Encoding header */
} Conn;

/* Its place is free as soon as it is closed. */
static void
conn_uncount (Conn *conn)
{
  if (!conn->counted)
    return;
  conn->counted = FALSE;
  count_add (conn->count, conn->address, -1);
  g_hash_table_remove (conn->count->open, conn);
}

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
  conn_uncount (conn);
  cercle_connection_count_unref (conn->count);
  g_object_unref (conn->base);
  g_object_unref (conn->socket);
  g_free (conn->address);
  g_byte_array_unref (conn->held);
  g_free (conn);
}

static gint64
conn_next_deadline (Conn *conn)
{
  if (conn->state == STATE_IDLE)
    return conn->last_activity + (gint64) conn->limits.idle_timeout * G_USEC_PER_SEC;
  return conn->deadline;
}

static gboolean
conn_close_base (gpointer data)
{
  Conn *conn = data;

  g_io_stream_close (conn->base, NULL, NULL);
  return G_SOURCE_REMOVE;
}

/* Gives the connection's socket and its place back. libsoup 3.2 does not
 * let go of a kept-alive connection whose client closed it between two
 * requests (it reads the end of the stream, then neither closes nor reads
 * again; fixed in libsoup 3.3), nor of one shut down under it: the guard
 * closes the connection itself, from the main loop rather than inside
 * libsoup's read. What libsoup keeps of it is a few hundred bytes, freed
 * when the server stops. */
static void
conn_release (Conn *conn)
{
  conn->closed = TRUE;
  conn_uncount (conn);
  if (!conn->release_pending && !g_io_stream_is_closed (conn->base))
    {
      conn->release_pending = TRUE;
      g_idle_add_full (G_PRIORITY_DEFAULT, conn_close_base, conn_ref (conn), (GDestroyNotify) conn_unref);
    }
}

/* Ends the connection: no more bytes either way, and its socket closed. */
static void
conn_shut (Conn       *conn,
           const char *why)
{
  if (conn->closed)
    return;
  g_debug ("Connection from %s closed: %s", conn->address, why);
  g_socket_shutdown (conn->socket, TRUE, TRUE, NULL);
  conn_release (conn);
}

/* Once a second: connections past their deadline are shut. */
static gboolean
sweep (gpointer data)
{
  CercleConnectionCount *count = data;
  g_autoptr(GPtrArray) late = g_ptr_array_new ();
  gint64 now = g_get_monotonic_time ();
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, count->open);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      Conn *conn = key;

      if (!conn->closed && now >= conn_next_deadline (conn))
        g_ptr_array_add (late, conn);
    }
  /* Not while iterating: shutting one takes it out of the table. */
  for (guint i = 0; i < late->len; i++)
    {
      Conn *conn = g_ptr_array_index (late, i);

      conn_shut (conn, conn->state == STATE_HEADERS ? "headers too slow"
                       : conn->state == STATE_BODY ? "request body too slow" : "idle");
    }
  return G_SOURCE_CONTINUE;
}

static void
conn_answer_400 (Conn *conn)
{
  GOutputStream *out = g_io_stream_get_output_stream (conn->base);
  /* What a person looking at the answer of a broken client reads. */
  const char *text = _("Malformed HTTP request.");
  g_autofree char *answer = g_strdup_printf ("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n"
                                             "Content-Type: text/plain; charset=utf-8\r\n"
                                             "Content-Length: %u\r\n\r\n%s\r\n",
                                             (guint) strlen (text) + 2, text);

  /* Small enough for the socket's buffer: never waits. */
  if (G_IS_POLLABLE_OUTPUT_STREAM (out))
    g_pollable_output_stream_write_nonblocking (G_POLLABLE_OUTPUT_STREAM (out), answer, strlen (answer),
                                                NULL, NULL);
  g_message ("%s: malformed request → 400", conn->address);
  conn_shut (conn, "malformed request");
}

static gboolean
tail_is_version (Conn *conn)
{
  return conn->tail_len == sizeof conn->tail &&
         (memcmp (conn->tail, " HTTP/1.1", 9) == 0 || memcmp (conn->tail, " HTTP/1.0", 9) == 0);
}

/* A header line ended: FALSE if it makes the request malformed. libsoup
 * 3.2 waits for ever on "Content-Length: -1", and two lengths (or a
 * length and a Transfer-Encoding) let a proxy in front and this server
 * see different requests in the same bytes. */
static gboolean
conn_header_line (Conn *conn)
{
  const char *value;
  gsize len;

  if (conn->line_len >= 15 && g_ascii_strncasecmp (conn->line, "content-length:", 15) == 0)
    {
      if (conn->line_len >= sizeof conn->line)
        return FALSE;  /* longer than any length of a body we take */
      conn->line[conn->line_len] = '\0';
      value = conn->line + 15;
      while (*value == ' ' || *value == '\t')
        value++;
      len = strlen (value);
      while (len > 0 && (value[len - 1] == ' ' || value[len - 1] == '\t'))
        len--;
      if (len == 0 || len > 18 || strspn (value, "0123456789") < len || ++conn->n_lengths > 1)
        return FALSE;
      conn->length = g_ascii_strtoull (value, NULL, 10);
    }
  else if (conn->line_len >= 18 && g_ascii_strncasecmp (conn->line, "transfer-encoding:", 18) == 0)
    conn->chunked = TRUE;
  return conn->n_lengths == 0 || !conn->chunked;
}

static void
conn_head_reset (Conn *conn)
{
  conn->parse = PARSE_HEAD;
  conn->header_bytes = 0;
  conn->first_line = TRUE;
  conn->line_start = TRUE;
  conn->tail_len = 0;
  conn->line_len = 0;
  conn->n_lengths = 0;
  conn->length = 0;
  conn->chunked = FALSE;
}

/* The state the deadlines follow, from what was read and answered. */
static void
conn_update_state (Conn  *conn,
                   gint64 now)
{
  if (conn->heads > conn->answers)
    {
      /* A request is with libsoup (or next in line for it): its answer. */
      if (conn->state != STATE_BODY)
        {
          conn->state = STATE_BODY;
          conn->deadline = now + (gint64) conn->limits.body_timeout * G_USEC_PER_SEC;
        }
    }
  else if (conn->parse == PARSE_HEAD && conn->header_bytes > 0)
    {
      /* From the first byte of the head, even if it waited behind the
       * requests before it (moved on only while their answers are
       * written, in conn_wrote()). */
      conn->state = STATE_HEADERS;
      conn->deadline = conn->head_deadline;
    }
  else
    conn->state = STATE_IDLE;
}

/* The blank line: what comes next is a body, or the next head. */
static void
conn_head_end (Conn *conn)
{
  conn->heads++;
  if (conn->chunked)
    conn->parse = PARSE_OPAQUE;
  else if (conn->length > 0)
    {
      conn->parse = PARSE_BODY;
      conn->body_left = conn->length;
    }
  else
    conn_head_reset (conn);
}

/* Scans @n bytes read from the client, after those already scanned.
 * Returns how many of them may go to libsoup: they end with a complete
 * head or a piece of body. The rest is a head not complete yet, or a
 * malformed one (parse is then PARSE_BAD). */
static gsize
conn_scan (Conn       *conn,
           const char *data,
           gsize       n,
           gint64      now)
{
  gsize release = 0;

  for (gsize i = 0; i < n; i++)
    {
      char c;

      if (conn->parse == PARSE_BAD)
        return release;
      if (conn->parse == PARSE_OPAQUE)
        return n;
      if (conn->parse == PARSE_BODY)
        {
          gsize take = (gsize) MIN (conn->body_left, (guint64) (n - i));

          conn->body_left -= take;
          i += take - 1;
          release = i + 1;
          if (conn->body_left == 0)
            conn_head_reset (conn);
          continue;
        }

      c = data[i];
      if (conn->header_bytes++ == 0)
        conn->head_deadline = now + (gint64) conn->limits.header_timeout * G_USEC_PER_SEC;
      if (conn->header_bytes > MAX_HEADER_BYTES)
        {
          conn->parse = PARSE_BAD;
          return release;
        }
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
                  conn->parse = PARSE_BAD;
                  return release;
                }
              conn->first_line = FALSE;
            }
          else if (!conn->line_start)
            {
              if (!conn_header_line (conn))
                {
                  conn->parse = PARSE_BAD;
                  return release;
                }
            }
          else
            {
              conn_head_end (conn);
              release = i + 1;
              continue;
            }
          conn->line_start = TRUE;
          conn->line_len = 0;
          continue;
        }
      conn->line_start = FALSE;
      if (conn->line_len < sizeof conn->line)
        conn->line[conn->line_len] = c;
      conn->line_len++;
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
  return release;
}

static void
conn_wrote (Conn       *conn,
            const char *data,
            gssize      n)
{
  gint64 now;

  if (n <= 0)
    return;
  now = g_get_monotonic_time ();
  conn->last_activity = now;
  /* The start of an answer; an interim "100 Continue" is not one. */
  if (n >= 12 && memcmp (data, "HTTP/1.", 7) == 0 && data[9] != '1')
    conn->answers++;
  /* No deadline falls while an earlier answer is being written (to a
   * client that reads slowly, a pipeline's next request waits): each
   * write moves them to at least a timeout from now. */
  if (conn->parse == PARSE_HEAD && conn->header_bytes > 0)
    conn->head_deadline = MAX (conn->head_deadline, now + (gint64) conn->limits.header_timeout * G_USEC_PER_SEC);
  conn_update_state (conn, now);
  if (conn->state == STATE_BODY)
    conn->deadline = MAX (conn->deadline, now + (gint64) conn->limits.body_timeout * G_USEC_PER_SEC);
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

/* libsoup 3.2 waits for ever on a kept-alive connection whose client
 * closed it between two requests (it reads the end of the stream and
 * neither closes nor reads again: fixed in libsoup 3.3): an end of stream
 * there, or on a connection shut by a limit, is given to it as an error,
 * after which it lets the connection go. */
static gssize
conn_closed_error (Conn    *conn,
                   GError **error)
{
  conn_release (conn);
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED, "Connection closed");
  return -1;
}

/* Checked bytes for libsoup; when there are none, reads the client (and
 * holds back a head until it is complete). */
static gssize
guard_input_pull (CercleGuardInput  *self,
                  char              *buffer,
                  gsize              count,
                  gboolean           blocking,
                  GCancellable      *cancellable,
                  GError           **error)
{
  Conn *conn = self->conn;
  GInputStream *base = input_base (self);

  if (count == 0)
    return 0;
  for (;;)
    {
      gsize release, old_len;
      gint64 now;
      gssize n;
      char *into;

      if (conn->closed)
        return conn_closed_error (conn, error);
      if (conn->held_ready > 0)
        {
          gsize give = MIN (count, conn->held_ready);

          memcpy (buffer, conn->held->data, give);
          g_byte_array_remove_range (conn->held, 0, give);
          conn->held_ready -= give;
          /* A large head held once does not keep its memory for the
           * connection's life. */
          if (conn->held->len == 0 && conn->held_large)
            {
              g_byte_array_unref (conn->held);
              conn->held = g_byte_array_new ();
              conn->held_large = FALSE;
            }
          return give;
        }
      if (conn->parse == PARSE_BAD)
        {
          /* Everything before it is answered: libsoup asks for the next. */
          conn_answer_400 (conn);
          return conn_closed_error (conn, error);
        }

      /* Nothing to give yet: more from the client, straight into libsoup's
       * buffer when nothing is held back. */
      old_len = conn->held->len;
      if (old_len == 0)
        into = buffer;
      else
        {
          g_byte_array_set_size (conn->held, old_len + count);
          into = (char *) conn->held->data + old_len;
        }
      if (blocking)
        n = g_input_stream_read (base, into, count, cancellable, error);
      else
        n = g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (base), into, count,
                                                      cancellable, error);
      if (old_len > 0)
        {
          g_byte_array_set_size (conn->held, old_len + MAX (n, 0));
          conn->held_large |= conn->held->len > 16 * 1024;
        }
      if (n < 0)
        return -1;
      if (n == 0)
        {
          if (conn->parse == PARSE_HEAD || conn->state == STATE_IDLE)
            return conn_closed_error (conn, error);
          return 0;
        }

      now = g_get_monotonic_time ();
      conn->last_activity = now;
      release = conn_scan (conn, into, n, now);
      conn_update_state (conn, now);
      if (old_len == 0)
        {
          if (release < (gsize) n)
            {
              g_byte_array_append (conn->held, (guint8 *) into + release, n - release);
              conn->held_large = conn->held->len > 16 * 1024;
            }
          if (release > 0)
            return release;
        }
      else if (release > 0)
        conn->held_ready = old_len + release;
    }
}

static gssize
guard_input_read (GInputStream  *stream,
                  void          *buffer,
                  gsize          count,
                  GCancellable  *cancellable,
                  GError       **error)
{
  return guard_input_pull (CERCLE_GUARD_INPUT (stream), buffer, count, TRUE, cancellable, error);
}

static gssize
guard_input_read_nonblocking (GPollableInputStream  *stream,
                              void                  *buffer,
                              gsize                  count,
                              GError               **error)
{
  return guard_input_pull (CERCLE_GUARD_INPUT (stream), buffer, count, FALSE, NULL, error);
}

static gboolean
guard_input_can_poll (GPollableInputStream *stream)
{
  GInputStream *base = input_base (stream);

  return G_IS_POLLABLE_INPUT_STREAM (base) && g_pollable_input_stream_can_poll (G_POLLABLE_INPUT_STREAM (base));
}

/* A read would not wait: checked bytes are held, or a malformed head is
 * to be answered, or the connection is over. */
static gboolean
conn_has_news (Conn *conn)
{
  return conn->held_ready > 0 || conn->parse == PARSE_BAD || conn->closed;
}

static gboolean
guard_input_is_readable (GPollableInputStream *stream)
{
  return conn_has_news (CERCLE_GUARD_INPUT (stream)->conn) ||
         g_pollable_input_stream_is_readable (G_POLLABLE_INPUT_STREAM (input_base (stream)));
}

/* Usually the base stream's own source: libsoup only uses it as the child
 * of the source of its own filter stream, which names the stream to its
 * callback; a source of ours around it would be one more for the main loop
 * to look at, a request. When bytes are held back ready (a pipeline read
 * in one go), the socket may have nothing more to say: a source ready at
 * once. */
static GSource *
guard_input_create_source (GPollableInputStream *stream,
                           GCancellable         *cancellable)
{
  GSource *source;

  if (!conn_has_news (CERCLE_GUARD_INPUT (stream)->conn))
    return g_pollable_input_stream_create_source (G_POLLABLE_INPUT_STREAM (input_base (stream)), cancellable);
  source = g_pollable_source_new_full (stream, NULL, cancellable);
  g_source_set_ready_time (source, 0);
  return source;
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
  conn_uncount (conn);
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
  return g_pollable_output_stream_create_source (G_POLLABLE_OUTPUT_STREAM (output_base (stream)), cancellable);
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
  conn->held = g_byte_array_new ();
  conn_head_reset (conn);
  count_add (count, address, 1);
  conn->counted = TRUE;
  g_hash_table_add (count->open, conn);

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
