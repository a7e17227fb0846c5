/* cercle-server-compat.c — TEMPORARY stand-ins for libcercle's FHIR API
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cercle-server-compat.h"

G_DEFINE_QUARK (cercle-server-compat-referral-error-quark, cercle_server_compat_referral_error)

static const char * const known_types[] = {
  "Patient", "Practitioner", "PractitionerRole", "Organization", "Location",
  "HealthcareService", "RelatedPerson", "CareTeam", "Communication",
  "ServiceRequest", "Task", "AuditEvent", "Bundle", "OperationOutcome", NULL
};

JsonObject *
cercle_fhir_parse (const char  *data,
                   gssize       len,
                   GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  JsonNode *root;

  if (!json_parser_load_from_data (parser, data, len, error))
    return NULL;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, CERCLE_FHIR_ERROR, CERCLE_FHIR_ERROR_PARSE,
                   "A FHIR resource is a JSON object");
      return NULL;
    }
  return json_object_ref (json_node_get_object (root));
}

gboolean
cercle_fhir_check_resource (JsonObject  *resource,
                            const char  *expected_type,
                            GError     **error)
{
  const char *type;
  JsonNode *node = json_object_get_member (resource, "resourceType");

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_set_error (error, CERCLE_FHIR_ERROR, CERCLE_FHIR_ERROR_RESOURCE_TYPE, "resourceType is missing");
      return FALSE;
    }
  type = json_node_get_string (node);
  if (!g_strv_contains (known_types, type))
    {
      g_set_error (error, CERCLE_FHIR_ERROR, CERCLE_FHIR_ERROR_RESOURCE_TYPE, "Unknown resourceType “%s”", type);
      return FALSE;
    }
  if (expected_type && g_strcmp0 (type, expected_type) != 0)
    {
      g_set_error (error, CERCLE_FHIR_ERROR, CERCLE_FHIR_ERROR_RESOURCE_TYPE,
                   "Expected a %s, got a %s", expected_type, type);
      return FALSE;
    }
  return TRUE;
}

char *
cercle_fhir_to_string (JsonObject *resource)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  json_node_set_object (node, resource);
  return json_to_string (node, FALSE);
}

JsonObject *
cercle_fhir_operation_outcome_new (const char *severity,
                                   const char *code,
                                   const char *diagnostics)
{
  JsonObject *oo = json_object_new ();
  JsonArray *issues = json_array_new ();
  JsonObject *issue = json_object_new ();

  json_object_set_string_member (oo, "resourceType", "OperationOutcome");
  json_object_set_string_member (issue, "severity", severity);
  json_object_set_string_member (issue, "code", code);
  if (diagnostics)
    json_object_set_string_member (issue, "diagnostics", diagnostics);
  json_array_add_object_element (issues, issue);
  json_object_set_array_member (oo, "issue", issues);
  return oo;
}

static gboolean
is_terminal (const char *status)
{
  return g_strcmp0 (status, "cancelled") == 0 || g_strcmp0 (status, "rejected") == 0 ||
         g_strcmp0 (status, "failed") == 0 || g_strcmp0 (status, "completed") == 0;
}

gboolean
cercle_referral_check_transition (const char          *from_status,
                                  const char          *from_business,
                                  const char          *to_status,
                                  const char          *to_business,
                                  CercleReferralActor  actor,
                                  const char          *reason_code,
                                  GError             **error)
{
  gboolean ok = FALSE;
  gboolean needs_reason = FALSE;

  if (from_status == NULL)
    ok = actor == CERCLE_REFERRAL_ACTOR_REQUESTER &&
         (g_strcmp0 (to_status, "draft") == 0 || g_strcmp0 (to_status, "requested") == 0);
  else if (is_terminal (from_status))
    ok = FALSE;
  else if (actor == CERCLE_REFERRAL_ACTOR_REQUESTER)
    {
      if (g_strcmp0 (to_status, "requested") == 0)
        ok = g_strcmp0 (from_status, "draft") == 0;
      else if (g_strcmp0 (to_status, "cancelled") == 0)
        ok = needs_reason = TRUE;
      else if (g_strcmp0 (to_status, "in-progress") == 0)
        ok = g_strcmp0 (from_status, "accepted") == 0 && g_strcmp0 (to_business, "transfert-organise") == 0;
    }
  else if (actor == CERCLE_REFERRAL_ACTOR_DESTINATION)
    {
      gboolean open = g_strcmp0 (from_status, "requested") == 0 || g_strcmp0 (from_status, "received") == 0;

      if (g_strcmp0 (to_status, "received") == 0)
        ok = open && g_strcmp0 (to_business, "complement-demande") == 0;
      else if (g_strcmp0 (to_status, "accepted") == 0)
        ok = (open || g_strcmp0 (from_status, "accepted") == 0) &&
             (g_strcmp0 (to_business, "accord") == 0 || g_strcmp0 (to_business, "liste-attente") == 0);
      else if (g_strcmp0 (to_status, "rejected") == 0)
        ok = open && (needs_reason = TRUE);
      else if (g_strcmp0 (to_status, "failed") == 0)
        ok = g_strcmp0 (from_status, "accepted") == 0 && (needs_reason = TRUE);
      else if (g_strcmp0 (to_status, "completed") == 0)
        ok = g_strcmp0 (from_status, "in-progress") == 0;
    }
  else
    {
      if (g_strcmp0 (to_status, "received") == 0)
        ok = g_strcmp0 (from_status, "requested") == 0 && g_strcmp0 (to_business, "lue") == 0;
      else if (g_strcmp0 (to_status, "cancelled") == 0)
        ok = g_strcmp0 (to_business, "annulation-auto") == 0 || g_strcmp0 (to_business, "delai-depasse") == 0;
    }

  if (!ok)
    {
      g_set_error (error, CERCLE_REFERRAL_ERROR, 0, "Cannot go from %s (%s) to %s (%s)",
                   from_status ? from_status : "nothing", from_business ? from_business : "-",
                   to_status ? to_status : "-", to_business ? to_business : "-");
      return FALSE;
    }
  if (needs_reason && (reason_code == NULL || *reason_code == '\0'))
    {
      g_set_error (error, CERCLE_REFERRAL_ERROR, 1, "A reason is required to set %s", to_status);
      return FALSE;
    }
  return TRUE;
}

GPtrArray *
cercle_demo_resources (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
}

const CercleDemoAccount *
cercle_demo_accounts (gsize *n)
{
  *n = 0;
  return NULL;
}
