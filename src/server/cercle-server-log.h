/* cercle-server-log.h — what the server's log may carry of a client's text
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Characters of one value in a log line (a login, a method, an address);
 * a path gets twice as many, for a type, an id and a version. */
#define CERCLE_SERVER_LOG_MAX_CHARS 64

char *cercle_server_log_text (const char *text,
                              gsize       max_chars);
char *cercle_server_log_mask (const char *secret_ish);

G_END_DECLS
