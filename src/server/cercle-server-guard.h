/* cercle-server-guard.h — one client connection, watched for time and shape
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Limits of the connections (command-line options of the server). */
typedef struct {
  guint idle_timeout;      /* s without a byte read or written between requests */
  guint header_timeout;    /* s from a request's first byte to the end of its headers */
  guint body_timeout;      /* s from the end of the headers to the start of the answer */
  guint max_connections;   /* open at once, all clients */
  guint max_per_address;   /* open at once, one client address */
} CercleServerLimits;

#define CERCLE_SERVER_DEFAULT_IDLE_TIMEOUT    60
#define CERCLE_SERVER_DEFAULT_HEADER_TIMEOUT  10
#define CERCLE_SERVER_DEFAULT_BODY_TIMEOUT    30
#define CERCLE_SERVER_DEFAULT_MAX_CONNECTIONS 4096
#define CERCLE_SERVER_DEFAULT_MAX_PER_ADDRESS 128

/* Counts the open connections, for the caps. */
typedef struct _CercleConnectionCount CercleConnectionCount;

CercleConnectionCount *cercle_connection_count_new   (void);
CercleConnectionCount *cercle_connection_count_ref   (CercleConnectionCount   *count);
void                   cercle_connection_count_unref (CercleConnectionCount   *count);
guint                  cercle_connection_count_total (CercleConnectionCount   *count);
guint                  cercle_connection_count_of    (CercleConnectionCount   *count,
                                                      const char              *address);

GIOStream *cercle_server_guard_new (GIOStream                *base,
                                    GSocket                  *socket,
                                    const char               *address,
                                    const CercleServerLimits *limits,
                                    CercleConnectionCount    *count);

G_END_DECLS
