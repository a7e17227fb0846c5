/* cercle-identity.h — identity statuses of the RNIV
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/**
 * CercleIdentityStatus:
 * @CERCLE_IDENTITY_PROVISOIRE: neither retrieved from INSi nor checked against a document
 * @CERCLE_IDENTITY_RECUPEREE: retrieved from the national INSi service only
 * @CERCLE_IDENTITY_VALIDEE: checked against an identity document only
 * @CERCLE_IDENTITY_QUALIFIEE: both: the only status under which the INS may be exchanged
 */
typedef enum {
  CERCLE_IDENTITY_PROVISOIRE,
  CERCLE_IDENTITY_RECUPEREE,
  CERCLE_IDENTITY_VALIDEE,
  CERCLE_IDENTITY_QUALIFIEE,
} CercleIdentityStatus;

#define CERCLE_TYPE_IDENTITY_STATUS (cercle_identity_status_get_type ())
GType cercle_identity_status_get_type (void);

CercleIdentityStatus  cercle_identity_status_from_checks (gboolean              retrieved_from_insi,
                                                          gboolean              document_checked);
void                  cercle_identity_status_to_checks   (CercleIdentityStatus  status,
                                                          gboolean             *retrieved_from_insi,
                                                          gboolean             *document_checked);
gboolean              cercle_identity_status_can_share_ins (CercleIdentityStatus status);
const char           *cercle_identity_status_get_label   (CercleIdentityStatus  status);
const char           *cercle_identity_status_get_code    (CercleIdentityStatus  status);
gboolean              cercle_identity_status_from_code   (const char           *code,
                                                          CercleIdentityStatus *status);

G_END_DECLS
