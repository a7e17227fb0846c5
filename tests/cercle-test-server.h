/* cercle-test-server.h — start the real cercle-server for a test, talk to it
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The server binary comes from $CERCLE_SERVER_BIN (set by tests/meson.build);
 * its database goes under $CERCLE_TEST_TMPDIR. The server listens on
 * 127.0.0.1 with a port of its choosing, read from its "Listening on" line.
 */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef struct _CercleTestServer CercleTestServer;

typedef struct {
  guint       status;
  JsonObject *json;      /* the parsed body, if it was JSON */
  char       *body;
  char       *etag;
  char       *location;
} CercleTestResponse;

CercleTestServer   *cercle_test_server_start        (const char         *db_path,
                                                     const char * const *extra_args);
void                cercle_test_server_stop         (CercleTestServer   *server);
void                cercle_test_server_kill         (CercleTestServer   *server);
void                cercle_test_server_free         (CercleTestServer   *server);
void                cercle_test_server_send_signal  (CercleTestServer   *server,
                                                     int                 signum);
const char         *cercle_test_server_get_url      (CercleTestServer   *server);
const char         *cercle_test_server_get_db_path  (CercleTestServer   *server);
char               *cercle_test_server_dup_log      (CercleTestServer   *server);
SoupSession        *cercle_test_server_get_session  (CercleTestServer   *server);
char               *cercle_test_db_path             (const char         *name);
int                 cercle_test_server_run_cli      (const char         *db_path,
                                                     const char         *stdin_text,
                                                     char              **stdout_text,
                                                     ...) G_GNUC_NULL_TERMINATED;
void                cercle_test_server_add_user     (const char         *db_path,
                                                     const char         *login,
                                                     const char         *password,
                                                     const char         *practitioner_id,
                                                     const char         *organization_id);
char               *cercle_test_server_login        (CercleTestServer   *server,
                                                     const char         *login,
                                                     const char         *password);
CercleTestResponse *cercle_test_server_request      (CercleTestServer   *server,
                                                     const char         *method,
                                                     const char         *path,
                                                     const char         *token,
                                                     const char         *content_type,
                                                     const char         *body,
                                                     const char         *if_match);
void                cercle_test_response_free       (CercleTestResponse *response);
void                cercle_test_server_set_dump_dir (CercleTestServer   *server,
                                                     const char         *dir);

/* A self-signed certificate for 127.0.0.1 and its key, under
 * $CERCLE_TEST_TMPDIR/NAME; FALSE when openssl is not installed. */
gboolean            cercle_test_make_certificate    (const char         *name,
                                                     char              **cert_path,
                                                     char              **key_path);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CercleTestResponse, cercle_test_response_free)

G_END_DECLS
