/* test-fhir.c — the shared FHIR checks, parsing and builders
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>
#include <string.h>

#include "cercle-fhir.h"
#include "cercle-i18n.h"
#include "cercle-referral-rules.h"

static JsonObject *
parse (const char *json)
{
  g_autoptr(GError) error = NULL;
  JsonObject *object = cercle_fhir_parse (json, -1, &error);

  g_assert_no_error (error);
  g_assert_nonnull (object);
  return object;
}

static void
test_parse_errors (void)
{
  struct { const char *data; gssize len; } cases[] = {
    { "", 0 },
    { "{", -1 },
    { "{\"resourceType\": }", -1 },
    { "[1, 2]", -1 },
    { "\"Patient\"", -1 },
    { "42", -1 },
    { "null", -1 },
    { "{\"a\":1} trailing", -1 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      JsonObject *object;

      g_test_message ("JSON “%s”", cases[i].data);
      object = cercle_fhir_parse (cases[i].data, cases[i].len, &error);
      g_assert_null (object);
      g_assert_error (error, CERCLE_FHIR_ERROR, CERCLE_FHIR_ERROR_PARSE);
    }
}

static void
test_parse_round_trip (void)
{
  const char *text = "{\"resourceType\":\"Patient\",\"id\":\"pat-1\",\"active\":true,"
                     "\"name\":[{\"family\":\"Durand\",\"given\":[\"Jeanne\"]}]}";
  g_autoptr(JsonObject) object = NULL;
  g_autofree char *again = NULL;

  /* Only the first 30 bytes: "{"resourceType":"Patient","id" is cut → error */
  {
    g_autoptr(GError) error = NULL;
    g_assert_null (cercle_fhir_parse (text, 30, &error));
    g_assert_error (error, CERCLE_FHIR_ERROR, CERCLE_FHIR_ERROR_PARSE);
  }

  object = parse (text);
  again = cercle_fhir_to_string (object);
  g_assert_cmpstr (again, ==, text);
}

static void
test_to_string (void)
{
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(JsonObject) back = NULL;
  g_autofree char *text = NULL;
  g_autofree char *again = NULL;
  g_autoptr(GError) error = NULL;

  json_object_set_string_member (object, "resourceType", "Location");
  json_object_set_double_member (object, "latitude", 48.5418);
  json_object_set_double_member (object, "longitude", -0.1);
  json_object_set_double_member (object, "third", 1.0 / 3.0);
  json_object_set_double_member (object, "big", 1e21);
  json_object_set_int_member (object, "count", -42);
  json_object_set_boolean_member (object, "active", FALSE);
  json_object_set_null_member (object, "nothing");
  json_object_set_string_member (object, "text", "« guillemets »\n\"quoted\" \\ tab\t\x01 end");
  text = cercle_fhir_to_string (object);
  g_assert_cmpstr (text, ==,
                   "{\"resourceType\":\"Location\",\"latitude\":48.5418,\"longitude\":-0.1,"
                   "\"third\":0.3333333333333333,\"big\":1e+21,\"count\":-42,\"active\":false,\"nothing\":null,"
                   "\"text\":\"« guillemets »\\n\\\"quoted\\\" \\\\ tab\\t\\u0001 end\"}");

  /* and reads back the same */
  back = cercle_fhir_parse (text, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (json_object_get_double_member (back, "third"), ==, 1.0 / 3.0);
  g_assert_cmpstr (json_object_get_string_member (back, "text"), ==,
                   "« guillemets »\n\"quoted\" \\ tab\t\x01 end");
  again = cercle_fhir_to_string (back);
  g_assert_cmpstr (again, ==, text);
}

static void
test_check_accepts (void)
{
  const char *good[] = {
    "{\"resourceType\":\"Patient\"}",
    "{\"resourceType\":\"Patient\",\"id\":\"A-b.9\",\"gender\":\"female\",\"birthDate\":\"1941-03-12\","
    "\"name\":[{\"family\":\"Durand\",\"given\":[\"Jeanne\",\"Marie\"]}],\"_gender\":{\"extension\":[{\"url\":\"urn:x\",\"valueString\":\"a\u00a0: b\"}]}}",
    "{\"resourceType\":\"Task\",\"status\":\"requested\",\"intent\":\"order\",\"priority\":\"routine\"}",
    "{\"resourceType\":\"Communication\",\"status\":\"completed\",\"sent\":\"2026-11-23T10:00:00+01:00\"}",
    "{\"resourceType\":\"ServiceRequest\",\"status\":\"active\",\"intent\":\"order\","
    "\"subject\":{\"reference\":\"Patient/x\"}}",
    "{\"resourceType\":\"Organization\",\"name\":\"SSIAD\"}",
    "{\"resourceType\":\"Patient\",\"name\":[{\"given\":[\"Jeanne\",null],\"_given\":[null,{\"extension\":"
    "[{\"url\":\"urn:x\",\"valueCode\":\"masked\"}]}]}]}",
    "{\"resourceType\":\"Location\",\"position\":{\"latitude\":48.5,\"longitude\":2}}",
    "{\"resourceType\":\"OperationOutcome\",\"issue\":[{\"severity\":\"error\",\"code\":\"invalid\"}]}",
    "{\"resourceType\":\"Bundle\",\"type\":\"searchset\",\"total\":1,"
    "\"entry\":[{\"resource\":{\"resourceType\":\"Patient\",\"id\":\"p1\"}}]}",
    "{\"resourceType\":\"AuditEvent\",\"type\":{\"code\":\"rest\"},\"recorded\":\"2026-11-23T10:00:00Z\","
    "\"agent\":[{\"requestor\":true}],\"source\":{\"observer\":{\"display\":\"cercle-server\"}}}",
    "{\"resourceType\":\"CapabilityStatement\",\"status\":\"active\",\"date\":\"2026-11-23\",\"kind\":\"instance\","
    "\"fhirVersion\":\"4.0.1\",\"format\":[\"json\"]}",
    "{\"resourceType\":\"RelatedPerson\",\"patient\":{\"reference\":\"Patient/p1\"}}",
    "{\"resourceType\":\"CareTeam\",\"status\":\"active\"}",
    "{\"resourceType\":\"Practitioner\",\"active\":true}",
    "{\"resourceType\":\"PractitionerRole\"}",
    "{\"resourceType\":\"HealthcareService\",\"name\":\"SSIAD\"}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonObject) object = parse (good[i]);

      g_test_message ("%s", good[i]);
      g_assert_true (cercle_fhir_check_resource (object, NULL, &error));
      g_assert_no_error (error);
    }
}

static void
test_check_rejects (void)
{
  struct { const char *json; const char *expected; int code; const char *in_message; } bad[] = {
    { "{}", NULL, CERCLE_FHIR_ERROR_RESOURCE_TYPE, "resourceType" },
    { "{\"resourceType\":3}", NULL, CERCLE_FHIR_ERROR_RESOURCE_TYPE, "resourceType" },
    { "{\"resourceType\":\"Patients\"}", NULL, CERCLE_FHIR_ERROR_RESOURCE_TYPE, "Patients" },
    { "{\"resourceType\":\"patient\"}", NULL, CERCLE_FHIR_ERROR_RESOURCE_TYPE, "patient" },
    { "{\"resourceType\":\"Patient\"}", "Practitioner", CERCLE_FHIR_ERROR_RESOURCE_TYPE, "Practitioner" },
    { "{\"resourceType\":\"Observation\",\"status\":\"final\"}", NULL, CERCLE_FHIR_ERROR_UNSUPPORTED, "Observation" },
    { "{\"resourceType\":\"Patient\",\"id\":\"a b\"}", NULL, CERCLE_FHIR_ERROR_INVALID, "id" },
    { "{\"resourceType\":\"Patient\",\"id\":\"\"}", NULL, CERCLE_FHIR_ERROR_INVALID, "id" },
    { "{\"resourceType\":\"Patient\",\"id\":\"x_y\"}", NULL, CERCLE_FHIR_ERROR_INVALID, "id" },
    { "{\"resourceType\":\"Patient\",\"id\":\"0123456789012345678901234567890123456789012345678901234567890123X\"}",
      NULL, CERCLE_FHIR_ERROR_INVALID, "id" },
    { "{\"resourceType\":\"Patient\",\"id\":12}", NULL, CERCLE_FHIR_ERROR_INVALID, "id" },
    { "{\"resourceType\":\"Patient\",\"foo\":1}", NULL, CERCLE_FHIR_ERROR_INVALID, "foo" },
    { "{\"resourceType\":\"Patient\",\"status\":\"active\"}", NULL, CERCLE_FHIR_ERROR_INVALID, "status" },
    { "{\"resourceType\":\"Patient\",\"active\":\"true\"}", NULL, CERCLE_FHIR_ERROR_INVALID, "active" },
    { "{\"resourceType\":\"Patient\",\"name\":{\"family\":\"x\"}}", NULL, CERCLE_FHIR_ERROR_INVALID, "name" },
    { "{\"resourceType\":\"Patient\",\"name\":[]}", NULL, CERCLE_FHIR_ERROR_INVALID, "name" },
    { "{\"resourceType\":\"Patient\",\"name\":[\"Durand\"]}", NULL, CERCLE_FHIR_ERROR_INVALID, "name" },
    { "{\"resourceType\":\"Patient\",\"gender\":[\"female\"]}", NULL, CERCLE_FHIR_ERROR_INVALID, "gender" },
    { "{\"resourceType\":\"Patient\",\"gender\":\"F\"}", NULL, CERCLE_FHIR_ERROR_INVALID, "F" },
    { "{\"resourceType\":\"Patient\",\"birthDate\":\"12/03/1941\"}", NULL, CERCLE_FHIR_ERROR_INVALID, "birthDate" },
    { "{\"resourceType\":\"Patient\",\"birthDate\":\"1941-03-12\\n\"}", NULL, CERCLE_FHIR_ERROR_INVALID, "birthDate" },
    { "{\"resourceType\":\"Patient\",\"birthDate\":null}", NULL, CERCLE_FHIR_ERROR_INVALID, "birthDate" },
    { "{\"resourceType\":\"Patient\",\"multipleBirthInteger\":1.5}", NULL, CERCLE_FHIR_ERROR_INVALID, "multipleBirthInteger" },
    { "{\"resourceType\":\"Patient\",\"meta\":\"x\"}", NULL, CERCLE_FHIR_ERROR_INVALID, "meta" },
    { "{\"resourceType\":\"Task\",\"intent\":\"order\"}", NULL, CERCLE_FHIR_ERROR_REQUIRED, "status" },
    { "{\"resourceType\":\"Task\",\"status\":\"requested\"}", NULL, CERCLE_FHIR_ERROR_REQUIRED, "intent" },
    { "{\"resourceType\":\"Task\",\"status\":\"lue\",\"intent\":\"order\"}", NULL, CERCLE_FHIR_ERROR_INVALID, "lue" },
    { "{\"resourceType\":\"Task\",\"status\":\"requested\",\"intent\":\"order\",\"authoredOn\":\"2026-11-23T10:00:00\"}",
      NULL, CERCLE_FHIR_ERROR_INVALID, "authoredOn" },
    { "{\"resourceType\":\"Communication\"}", NULL, CERCLE_FHIR_ERROR_REQUIRED, "status" },
    { "{\"resourceType\":\"ServiceRequest\",\"status\":\"active\",\"intent\":\"order\"}", NULL,
      CERCLE_FHIR_ERROR_REQUIRED, "subject" },
    { "{\"resourceType\":\"RelatedPerson\"}", NULL, CERCLE_FHIR_ERROR_REQUIRED, "patient" },
    { "{\"resourceType\":\"OperationOutcome\"}", NULL, CERCLE_FHIR_ERROR_REQUIRED, "issue" },
    { "{\"resourceType\":\"Bundle\"}", NULL, CERCLE_FHIR_ERROR_REQUIRED, "type" },
    { "{\"resourceType\":\"AuditEvent\",\"type\":{},\"recorded\":\"2026-11-23T10:00:00Z\",\"agent\":[{}]}", NULL,
      CERCLE_FHIR_ERROR_REQUIRED, "source" },
    { "{\"resourceType\":\"CapabilityStatement\",\"status\":\"active\",\"date\":\"2026\",\"kind\":\"instance\","
      "\"fhirVersion\":\"4.0.1\"}", NULL, CERCLE_FHIR_ERROR_REQUIRED, "format" },
    { "{\"resourceType\":\"Organization\"}", NULL, CERCLE_FHIR_ERROR_REQUIRED, "Organization" },
    { "{\"resourceType\":\"Location\",\"status\":\"open\"}", NULL,
      CERCLE_FHIR_ERROR_INVALID, "open" },
    /* Resources inside a Bundle are checked too */
    { "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[{\"resource\":{\"resourceType\":\"Patient\","
      "\"nom\":\"x\"}}]}", NULL, CERCLE_FHIR_ERROR_INVALID, "nom" },
    { "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[{\"resource\":[]}]}", NULL,
      CERCLE_FHIR_ERROR_INVALID, "entry[0].resource" },
    { "{\"resourceType\":\"Patient\",\"contained\":[{\"resourceType\":\"Task\"}]}", NULL,
      CERCLE_FHIR_ERROR_REQUIRED, "status" },
    /* Inside data types, backbone elements and extensions */
    { "{\"resourceType\":\"Patient\",\"name\":[{\"family\":\"x\"},{\"famly\":\"x\"}]}", NULL,
      CERCLE_FHIR_ERROR_INVALID, "name[1].famly" },
    { "{\"resourceType\":\"Patient\",\"name\":[{\"given\":\"Jeanne\"}]}", NULL,
      CERCLE_FHIR_ERROR_INVALID, "name[0].given" },
    { "{\"resourceType\":\"Patient\",\"name\":[{\"given\":[\"Jeanne\",null]}]}", NULL,
      CERCLE_FHIR_ERROR_INVALID, "name[0].given[1]" },
    { "{\"resourceType\":\"Patient\",\"identifier\":[null]}", NULL,
      CERCLE_FHIR_ERROR_INVALID, "identifier[0]" },
    { "{\"resourceType\":\"Patient\",\"name\":[{\"family\":\"\"}]}", NULL,
      CERCLE_FHIR_ERROR_INVALID, "name[0].family" },
    { "{\"resourceType\":\"Patient\",\"telecom\":[{\"system\":\"fax-machine\"}]}", NULL,
      CERCLE_FHIR_ERROR_INVALID, "fax-machine" },
    { "{\"resourceType\":\"Patient\",\"managingOrganization\":{\"reference\":3}}", NULL,
      CERCLE_FHIR_ERROR_INVALID, "managingOrganization.reference" },
    { "{\"resourceType\":\"Patient\",\"extension\":[{\"valueString\":\"x\"}]}", NULL,
      CERCLE_FHIR_ERROR_REQUIRED, "extension[0].url" },
    { "{\"resourceType\":\"Patient\",\"extension\":[{\"url\":\"urn:x\",\"extension\":[{\"url\":\"a\","
      "\"valueDate\":\"2026-13-01\"}]}]}", NULL, CERCLE_FHIR_ERROR_INVALID, "extension[0].extension[0].valueDate" },
    { "{\"resourceType\":\"Patient\",\"meta\":{\"lastUpdated\":\"2026-11-23\"}}", NULL,
      CERCLE_FHIR_ERROR_INVALID, "meta.lastUpdated" },
    { "{\"resourceType\":\"Location\",\"position\":{\"latitude\":\"48.5\",\"longitude\":2}}", NULL,
      CERCLE_FHIR_ERROR_INVALID, "position.latitude" },
    { "{\"resourceType\":\"Location\",\"position\":{\"latitude\":48.5}}", NULL,
      CERCLE_FHIR_ERROR_REQUIRED, "position.longitude" },
    { "{\"resourceType\":\"OperationOutcome\",\"issue\":[{\"severity\":\"error\"}]}", NULL,
      CERCLE_FHIR_ERROR_REQUIRED, "issue[0].code" },
    { "{\"resourceType\":\"Task\",\"status\":\"draft\",\"intent\":\"order\",\"output\":[{\"valueDate\":\"2026-11-30\"}]}",
      NULL, CERCLE_FHIR_ERROR_REQUIRED, "output[0].type" },
    { "{\"resourceType\":\"Task\",\"status\":\"draft\",\"intent\":\"order\",\"businessStatus\":{\"coding\":[]}}",
      NULL, CERCLE_FHIR_ERROR_INVALID, "businessStatus.coding" },
    { "{\"resourceType\":\"Bundle\",\"type\":\"searchset\",\"total\":-1}", NULL,
      CERCLE_FHIR_ERROR_INVALID, "total" },
    { "{\"resourceType\":\"Patient\",\"text\":{\"status\":\"generated\",\"div\":\"<div/>\",\"x\":1}}", NULL,
      CERCLE_FHIR_ERROR_INVALID, "text.x" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonObject) object = parse (bad[i].json);

      g_test_message ("%s", bad[i].json);
      g_assert_false (cercle_fhir_check_resource (object, bad[i].expected, &error));
      g_assert_error (error, CERCLE_FHIR_ERROR, bad[i].code);
      g_test_message ("→ %s", error->message);
      g_assert_nonnull (strstr (error->message, bad[i].in_message));
    }
}

static void
test_check_french (void)
{
  g_autoptr(JsonObject) object = parse ("{\"resourceType\":\"Patient\",\"foo\":1}");
  g_autoptr(GError) error = NULL;

  if (setlocale (LC_ALL, "fr_FR.UTF-8") == NULL)
    {
      g_test_skip ("fr_FR.UTF-8 is not available");
      return;
    }
  g_assert_false (cercle_fhir_check_resource (object, NULL, &error));
  g_assert_cmpstr (error->message, ==, "L’élément « foo » n’existe pas dans une ressource Patient");
  setlocale (LC_ALL, "C.UTF-8");
}

static void
test_ids (void)
{
  g_assert_true (cercle_fhir_is_valid_id ("pat-durand-jeanne"));
  g_assert_true (cercle_fhir_is_valid_id ("1.2.3"));
  g_assert_true (cercle_fhir_is_valid_id ("0123456789012345678901234567890123456789012345678901234567890123"));
  g_assert_false (cercle_fhir_is_valid_id ("01234567890123456789012345678901234567890123456789012345678901234"));
  g_assert_false (cercle_fhir_is_valid_id (""));
  g_assert_false (cercle_fhir_is_valid_id (NULL));
  g_assert_false (cercle_fhir_is_valid_id ("a/b"));
  g_assert_false (cercle_fhir_is_valid_id ("é"));

  g_assert_true (cercle_fhir_is_resource_type ("Observation"));
  g_assert_false (cercle_fhir_is_supported_type ("Observation"));
  g_assert_true (cercle_fhir_is_supported_type ("Task"));
  g_assert_false (cercle_fhir_is_resource_type ("Resource"));
}

static void
test_dates (void)
{
  g_autoptr(GDateTime) dt = NULL;
  g_autoptr(GDateTime) back = NULL;
  g_autoptr(GTimeZone) paris = g_time_zone_new_identifier ("+01:00");
  g_autofree char *text = NULL;

  g_assert_true (cercle_fhir_is_valid_date ("2026"));
  g_assert_true (cercle_fhir_is_valid_date ("2026-11"));
  g_assert_true (cercle_fhir_is_valid_date ("2024-02-29"));
  g_assert_false (cercle_fhir_is_valid_date ("2026-02-29"));
  g_assert_false (cercle_fhir_is_valid_date ("2026-11-31"));
  g_assert_false (cercle_fhir_is_valid_date ("2026-11-23T10:00:00Z"));
  g_assert_false (cercle_fhir_is_valid_date (NULL));
  g_assert_true (cercle_fhir_is_valid_date_time ("2026-11-23T10:00:00+01:00"));
  g_assert_true (cercle_fhir_is_valid_date_time ("2026-11-23"));
  g_assert_false (cercle_fhir_is_valid_date_time ("2026-11-23T10:00:00"));
  g_assert_false (cercle_fhir_is_valid_date_time ("2026-02-30T10:00:00Z"));

  dt = g_date_time_new (paris, 2026, 11, 23, 9, 30, 5);
  text = cercle_fhir_format_date_time (dt);
  g_assert_cmpstr (text, ==, "2026-11-23T09:30:05+01:00");
  back = cercle_fhir_parse_date_time (text);
  g_assert_nonnull (back);
  g_assert_true (g_date_time_equal (dt, back));
  g_assert_null (cercle_fhir_parse_date_time ("2026-11-23"));
  g_assert_null (cercle_fhir_parse_date_time ("2026-11-23T09:30:05"));
  g_assert_null (cercle_fhir_parse_date_time (NULL));
}

static void
test_builders (void)
{
  g_autoptr(JsonObject) identifier = cercle_fhir_identifier_new_typed (CERCLE_FHIR_SYSTEM_RPPS, "10999990012",
                                                                       "RPPS", NULL);
  g_autoptr(JsonObject) reference = cercle_fhir_reference_new ("Patient", "pat-1", "Jeanne DURAND");
  g_autoptr(JsonObject) concept = cercle_fhir_codeable_concept_new ("urn:x", "c", "Label");
  g_autoptr(JsonObject) text_only = cercle_fhir_codeable_concept_new (NULL, NULL, "Motif libre");
  g_autoptr(JsonObject) absolute = parse ("{\"reference\":\"https://h/fhir/Task/t-1/_history/3\"}");
  g_autoptr(JsonObject) broken = parse ("{\"reference\":\"Nope/t-1\"}");
  g_autofree char *type = NULL;
  g_autofree char *id = NULL;
  const char *display = NULL;

  g_assert_cmpstr (cercle_fhir_get_string (identifier, "system"), ==, CERCLE_FHIR_SYSTEM_RPPS);
  g_assert_cmpstr (cercle_fhir_codeable_concept_find (cercle_fhir_get_object (identifier, "type"),
                                                      CERCLE_FHIR_SYSTEM_IDENTIFIER_TYPE, NULL), ==, "RPPS");
  g_assert_cmpstr (cercle_fhir_get_string (reference, "reference"), ==, "Patient/pat-1");
  g_assert_true (cercle_fhir_reference_parse (reference, &type, &id));
  g_assert_cmpstr (type, ==, "Patient");
  g_assert_cmpstr (id, ==, "pat-1");
  g_clear_pointer (&type, g_free);
  g_clear_pointer (&id, g_free);
  g_assert_true (cercle_fhir_reference_parse (absolute, &type, &id));
  g_assert_cmpstr (type, ==, "Task");
  g_assert_cmpstr (id, ==, "t-1");
  g_assert_false (cercle_fhir_reference_parse (broken, NULL, NULL));
  g_assert_false (cercle_fhir_reference_parse (NULL, NULL, NULL));

  g_assert_cmpstr (cercle_fhir_codeable_concept_find (concept, "urn:x", &display), ==, "c");
  g_assert_cmpstr (display, ==, "Label");
  g_assert_null (cercle_fhir_codeable_concept_find (concept, "urn:y", &display));
  g_assert_null (display);
  g_assert_cmpstr (cercle_fhir_get_string (text_only, "text"), ==, "Motif libre");
  g_assert_false (json_object_has_member (text_only, "coding"));
  /* A getter of the wrong kind gives NULL, not a crash */
  g_assert_null (cercle_fhir_get_string (reference, "nothing"));
  g_assert_null (cercle_fhir_get_array (reference, "reference"));
  g_assert_null (cercle_fhir_get_object (reference, "reference"));
}

static void
test_operation_outcome (void)
{
  g_autoptr(JsonObject) outcome = cercle_fhir_operation_outcome_new ("error", "invalid", "Pas bon");
  g_autoptr(GError) error = NULL;
  JsonObject *issue;
  struct { GQuark domain; int code; const char *issue_code; } cases[] = {
    { CERCLE_FHIR_ERROR, CERCLE_FHIR_ERROR_PARSE, "structure" },
    { CERCLE_FHIR_ERROR, CERCLE_FHIR_ERROR_INVALID, "invalid" },
    { CERCLE_FHIR_ERROR, CERCLE_FHIR_ERROR_REQUIRED, "required" },
    { CERCLE_FHIR_ERROR, CERCLE_FHIR_ERROR_UNSUPPORTED, "not-supported" },
    { CERCLE_REFERRAL_ERROR, CERCLE_REFERRAL_ERROR_FORBIDDEN_ACTOR, "forbidden" },
    { CERCLE_REFERRAL_ERROR, CERCLE_REFERRAL_ERROR_INVALID_TRANSITION, "business-rule" },
    { CERCLE_DB_ERROR, CERCLE_DB_ERROR_NOT_FOUND, "not-found" },
    { CERCLE_DB_ERROR, CERCLE_DB_ERROR_CONFLICT, "conflict" },
    { G_IO_ERROR, G_IO_ERROR_FAILED, "exception" },
  };

  g_assert_true (cercle_fhir_check_resource (outcome, "OperationOutcome", &error));
  g_assert_no_error (error);
  issue = json_array_get_object_element (cercle_fhir_get_array (outcome, "issue"), 0);
  g_assert_cmpstr (cercle_fhir_get_string (issue, "severity"), ==, "error");
  g_assert_cmpstr (cercle_fhir_get_string (issue, "code"), ==, "invalid");
  g_assert_cmpstr (cercle_fhir_get_string (issue, "diagnostics"), ==, "Pas bon");

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) e = g_error_new_literal (cases[i].domain, cases[i].code, "message");
      g_autoptr(JsonObject) o = cercle_fhir_operation_outcome_new_from_error (e);
      g_autoptr(GError) check_error = NULL;

      issue = json_array_get_object_element (cercle_fhir_get_array (o, "issue"), 0);
      g_assert_cmpstr (cercle_fhir_get_string (issue, "code"), ==, cases[i].issue_code);
      g_assert_cmpstr (cercle_fhir_get_string (issue, "diagnostics"), ==, "message");
      g_assert_true (cercle_fhir_check_resource (o, NULL, &check_error));
    }
}

static void
test_server_builders (void)
{
  g_autoptr(GPtrArray) resources = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  g_autoptr(JsonObject) bundle = NULL;
  g_autoptr(JsonObject) event = NULL;
  g_autoptr(JsonObject) patient = parse ("{\"resourceType\":\"Patient\",\"id\":\"p1\",\"meta\":{\"profile\":[\"x\"]}}");
  g_autoptr(GDateTime) t = g_date_time_new_from_iso8601 ("2026-11-23T10:00:00+01:00", NULL);
  g_autoptr(GError) error = NULL;
  JsonArray *entries;
  JsonObject *meta;

  g_ptr_array_add (resources, parse ("{\"resourceType\":\"Patient\",\"id\":\"p1\"}"));
  g_ptr_array_add (resources, parse ("{\"resourceType\":\"Task\",\"id\":\"t1\",\"status\":\"draft\",\"intent\":\"order\"}"));
  bundle = cercle_fhir_bundle_new ("searchset", resources, "https://h/fhir/");
  g_assert_true (cercle_fhir_check_resource (bundle, "Bundle", &error));
  g_assert_no_error (error);
  g_assert_cmpint (json_object_get_int_member (bundle, "total"), ==, 2);
  entries = cercle_fhir_get_array (bundle, "entry");
  g_assert_cmpstr (cercle_fhir_get_string (json_array_get_object_element (entries, 1), "fullUrl"), ==,
                   "https://h/fhir/Task/t1");

  event = cercle_fhir_audit_event_new ("R", "read", "pract-1", "pat-1", "Communication", "n1", TRUE, t);
  g_assert_true (cercle_fhir_check_resource (event, "AuditEvent", &error));
  g_assert_no_error (error);
  g_assert_cmpstr (cercle_fhir_get_string (event, "recorded"), ==, "2026-11-23T10:00:00+01:00");
  g_assert_cmpuint (json_array_get_length (cercle_fhir_get_array (event, "entity")), ==, 2);

  cercle_fhir_set_meta (patient, "2", t);
  meta = cercle_fhir_get_object (patient, "meta");
  g_assert_cmpstr (cercle_fhir_get_string (meta, "versionId"), ==, "2");
  g_assert_cmpstr (cercle_fhir_get_string (meta, "lastUpdated"), ==, "2026-11-23T10:00:00+01:00");
  g_assert_nonnull (cercle_fhir_get_array (meta, "profile"));
}

int
main (int argc, char *argv[])
{
  g_autofree char *localedir = NULL;

  g_test_init (&argc, &argv, NULL);

  /* Read the translations from the build tree. */
  localedir = g_build_filename (g_getenv ("CERCLE_BUILD_DIR"), "po", NULL);
  bindtextdomain (GETTEXT_PACKAGE, localedir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");

  g_test_add_func ("/fhir/parse/errors", test_parse_errors);
  g_test_add_func ("/fhir/parse/round-trip", test_parse_round_trip);
  g_test_add_func ("/fhir/to-string", test_to_string);
  g_test_add_func ("/fhir/check/accepts", test_check_accepts);
  g_test_add_func ("/fhir/check/rejects", test_check_rejects);
  g_test_add_func ("/fhir/check/french", test_check_french);
  g_test_add_func ("/fhir/ids", test_ids);
  g_test_add_func ("/fhir/dates", test_dates);
  g_test_add_func ("/fhir/builders", test_builders);
  g_test_add_func ("/fhir/operation-outcome", test_operation_outcome);
  g_test_add_func ("/fhir/server-builders", test_server_builders);

  return g_test_run ();
}
