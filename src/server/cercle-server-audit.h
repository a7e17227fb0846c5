/* cercle-server-audit.h — the hash-chained audit trail
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "cercle-server-store.h"

G_BEGIN_DECLS

typedef enum {
  CERCLE_AUDIT_SUCCESS = 0,
  CERCLE_AUDIT_MINOR_FAILURE = 4,
  CERCLE_AUDIT_SERIOUS_FAILURE = 8,
} CercleAuditOutcome;

typedef struct {
  const char *login;
  const char *practitioner_id;
  const char *organization_id;
  const char *address;
} CercleAuditAgent;

gboolean cercle_server_audit_record (CercleServerStore       *store,
                                     const CercleAuditAgent  *agent,
                                     char                     action,
                                     const char              *interaction,
                                     CercleAuditOutcome       outcome,
                                     const char              *description,
                                     GPtrArray               *patients,
                                     GPtrArray               *entities,
                                     GError                 **error);
gboolean cercle_server_audit_verify (CercleServerStore       *store,
                                     guint64                 *n_checked,
                                     char                   **first_bad,
                                     GError                 **error);

G_END_DECLS
