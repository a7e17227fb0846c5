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

typedef struct _CercleAuditBlock CercleAuditBlock;

CercleAuditBlock *cercle_audit_block_new      (void);
void              cercle_audit_block_free     (CercleAuditBlock        *block);
guint             cercle_audit_block_get_size (CercleAuditBlock        *block);
void              cercle_audit_block_clear    (CercleAuditBlock        *block);
void              cercle_audit_block_take     (CercleAuditBlock        *block,
                                               char                    *event);
void              cercle_audit_block_add_patient (CercleAuditBlock     *block,
                                                  const char           *patient_id);
char             *cercle_audit_event_build    (const CercleAuditAgent  *agent,
                                               char                     action,
                                               const char              *interaction,
                                               CercleAuditOutcome       outcome,
                                               const char              *description,
                                               GPtrArray               *patients,
                                               GPtrArray               *entities);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CercleAuditBlock, cercle_audit_block_free)

gboolean cercle_server_audit_append (CercleServerStore       *store,
                                     CercleAuditBlock        *block,
                                     GError                 **error);
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

guint    cercle_server_audit_count_events      (const char *text);
char    *cercle_server_audit_render            (const char *stored,
                                                gsize       length,
                                                gint64      number);

/* Whether the reader may see what @reference ("Patient/ID" or
 * "Type/id/_history/n") names. */
typedef gboolean (*CercleAuditVisibleFunc) (const char *reference,
                                            gpointer    data);

char    *cercle_server_audit_render_for        (const char             *stored,
                                                gsize                   length,
                                                gint64                  number,
                                                CercleAuditVisibleFunc  visible,
                                                gpointer                data);
GPtrArray *cercle_server_audit_event_patients (const char *event,
                                               gsize       length);
gboolean cercle_server_audit_event_has_patient (const char *event,
                                                gsize       length,
                                                const char *patient_id);

G_END_DECLS
