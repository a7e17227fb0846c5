/* cercle-server-search.h — search, history and paging
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "cercle-server-store.h"
#include "cercle-token-issuer.h"

G_BEGIN_DECLS

typedef struct {
  const CercleAccount *account;
  const char          *base_url;   /* ".../fhir", no trailing slash */
  GHashTable          *patients;   /* out: ids of the patients whose data was returned */
  int                  medical;    /* the account reads the médical volet: 1 yes, -1 no, 0 not looked up yet */
  gboolean             at_generation; /* the page's snapshot began after reading… */
  guint                generation;    /* …this cercle_server_store_access_generation() */
} CercleSearchContext;

gboolean cercle_server_search          (CercleServerStore    *store,
                                        CercleSearchContext  *ctx,
                                        const char           *type,
                                        GHashTable           *query,
                                        GString              *body,
                                        GError              **error);
gboolean cercle_server_history         (CercleServerStore    *store,
                                        CercleSearchContext  *ctx,
                                        const char           *type,
                                        const char           *id,
                                        GHashTable           *query,
                                        GString              *body,
                                        GError              **error);
gboolean cercle_server_search_audit    (CercleServerStore    *store,
                                        CercleSearchContext  *ctx,
                                        GHashTable           *query,
                                        GString              *body,
                                        GError              **error);
char    *cercle_server_read_audit      (CercleServerStore    *store,
                                        const CercleAccount  *account,
                                        const char           *id,
                                        GHashTable           *patients);
void     cercle_json_append_string     (GString              *s,
                                        const char           *text);
JsonArray *cercle_server_search_capability (const char *type);

G_END_DECLS
