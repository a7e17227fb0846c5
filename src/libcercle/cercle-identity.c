/* cercle-identity.c — identity statuses of the RNIV
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The French identity-vigilance rules (RNIV) give an identity one of four
 * statuses from two facts: was it retrieved from the national INSi service,
 * and was it checked against an identity document (a carte Vitale is not
 * one). The status is derived, never typed.
 */
#include "config.h"

#include <string.h>

#include "cercle-i18n.h"
#include "cercle-identity.h"

G_DEFINE_ENUM_TYPE (CercleIdentityStatus, cercle_identity_status,
  G_DEFINE_ENUM_VALUE (CERCLE_IDENTITY_PROVISOIRE, "provisoire"),
  G_DEFINE_ENUM_VALUE (CERCLE_IDENTITY_RECUPEREE, "recuperee"),
  G_DEFINE_ENUM_VALUE (CERCLE_IDENTITY_VALIDEE, "validee"),
  G_DEFINE_ENUM_VALUE (CERCLE_IDENTITY_QUALIFIEE, "qualifiee"))

/* Codes of the ANS nomenclature TRE_R305 (statut de l'identité). */
static const char * const codes[] = { "PROV", "RECUP", "VALI", "QUAL" };

/**
 * cercle_identity_status_from_checks:
 * @retrieved_from_insi: the identity came from the INSi teleservice
 * @document_checked: a high-trust identity document was seen
 *
 * Returns: the RNIV status these two facts give
 */
CercleIdentityStatus
cercle_identity_status_from_checks (gboolean retrieved_from_insi,
                                    gboolean document_checked)
{
  if (retrieved_from_insi && document_checked)
    return CERCLE_IDENTITY_QUALIFIEE;
  if (retrieved_from_insi)
    return CERCLE_IDENTITY_RECUPEREE;
  if (document_checked)
    return CERCLE_IDENTITY_VALIDEE;
  return CERCLE_IDENTITY_PROVISOIRE;
}

/**
 * cercle_identity_status_to_checks:
 * @status: a status
 * @retrieved_from_insi: (out) (optional): the first fact
 * @document_checked: (out) (optional): the second fact
 *
 * The inverse of cercle_identity_status_from_checks().
 */
void
cercle_identity_status_to_checks (CercleIdentityStatus  status,
                                  gboolean             *retrieved_from_insi,
                                  gboolean             *document_checked)
{
  if (retrieved_from_insi)
    *retrieved_from_insi = status == CERCLE_IDENTITY_RECUPEREE || status == CERCLE_IDENTITY_QUALIFIEE;
  if (document_checked)
    *document_checked = status == CERCLE_IDENTITY_VALIDEE || status == CERCLE_IDENTITY_QUALIFIEE;
}

/**
 * cercle_identity_status_can_share_ins:
 * @status: a status
 *
 * Returns: %TRUE when the INS (matricule and OID) may be exchanged, that is
 *   only for a qualified identity
 */
gboolean
cercle_identity_status_can_share_ins (CercleIdentityStatus status)
{
  return status == CERCLE_IDENTITY_QUALIFIEE;
}

/**
 * cercle_identity_status_get_label:
 * @status: a status
 *
 * Returns: the translated name of @status, as the RNIV says it
 */
const char *
cercle_identity_status_get_label (CercleIdentityStatus status)
{
  switch (status)
    {
    case CERCLE_IDENTITY_PROVISOIRE:
      return C_("identity status", "Provisional");
    case CERCLE_IDENTITY_RECUPEREE:
      return C_("identity status", "Retrieved");
    case CERCLE_IDENTITY_VALIDEE:
      return C_("identity status", "Validated");
    case CERCLE_IDENTITY_QUALIFIEE:
      return C_("identity status", "Qualified");
    default:
      g_return_val_if_reached (NULL);
    }
}

/**
 * cercle_identity_status_get_code:
 * @status: a status
 *
 * Returns: the code of @status in the ANS nomenclature TRE_R305
 */
const char *
cercle_identity_status_get_code (CercleIdentityStatus status)
{
  g_return_val_if_fail (status <= CERCLE_IDENTITY_QUALIFIEE, NULL);
  return codes[status];
}

/**
 * cercle_identity_status_from_code:
 * @code: a TRE_R305 code
 * @status: (out): the status
 *
 * Returns: %TRUE when @code is known
 */
gboolean
cercle_identity_status_from_code (const char           *code,
                                  CercleIdentityStatus *status)
{
  g_return_val_if_fail (code != NULL, FALSE);

  for (guint i = 0; i < G_N_ELEMENTS (codes); i++)
    if (strcmp (codes[i], code) == 0)
      {
        *status = i;
        return TRUE;
      }
  return FALSE;
}
