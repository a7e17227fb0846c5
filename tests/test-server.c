/* test-server.c — the real cercle-server on 127.0.0.1: access, referrals,
 * versions, history, transactions, bad input, durability, audit
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <stdlib.h>
#include <sqlite3.h>
#include <string.h>

#include "cercle-test-server.h"

#define PASSWORD "un mot de passe"

typedef struct {
  CercleTestServer *server;
  char             *insider;   /* alice: in p1's circle */
  char             *outsider;  /* bob: in no circle */
  char             *desk;      /* the SSIAD's admission desk */
  char             *desk2;     /* the HAD's admission desk */
  char             *admin;     /* administrator of the shared directory */
} Fixture;

static CercleTestResponse *
req (Fixture    *f,
     const char *method,
     const char *path,
     const char *token,
     const char *body)
{
  return cercle_test_server_request (f->server, method, path, token, NULL, body, NULL);
}

static void
expect (Fixture    *f,
        const char *method,
        const char *path,
        const char *token,
        const char *body,
        guint       status)
{
  g_autoptr(CercleTestResponse) r = req (f, method, path, token, body);

  if (r->status != status)
    g_error ("%s %s: expected %u, got %u: %s", method, path, status, r->status, r->body);
}

static guint
n_entries (CercleTestResponse *r)
{
  g_assert_nonnull (r->json);
  g_assert_cmpstr (json_object_get_string_member (r->json, "resourceType"), ==, "Bundle");
  if (!json_object_has_member (r->json, "entry"))
    return 0;
  return json_array_get_length (json_object_get_array_member (r->json, "entry"));
}

static const char *
next_link (CercleTestResponse *r)
{
  JsonArray *links = json_object_get_array_member (r->json, "link");

  for (guint i = 0; i < json_array_get_length (links); i++)
    {
      JsonObject *l = json_array_get_object_element (links, i);

      if (g_str_equal (json_object_get_string_member (l, "relation"), "next"))
        return json_object_get_string_member (l, "url");
    }
  return NULL;
}

static const char *
status_of (CercleTestResponse *r)
{
  return json_object_get_string_member (r->json, "status");
}

static const char *
business_of (CercleTestResponse *r)
{
  JsonObject *bs = json_object_get_object_member (r->json, "businessStatus");
  JsonArray *codings = bs ? json_object_get_array_member (bs, "coding") : NULL;

  if (codings == NULL)
    return NULL;
  return json_object_get_string_member (json_array_get_object_element (codings, 0), "code");
}

#define PATIENT_P1 \
  "{\"resourceType\":\"Patient\",\"id\":\"p1\",\"name\":[{\"family\":\"Dupont\",\"given\":[\"Élise\"]}]," \
  "\"birthDate\":\"1940-03-02\",\"identifier\":[{\"system\":\"urn:oid:1.2.250.1.213.1.4.8\",\"value\":\"240037511300172\"}]}"
#define NOTE_N1 \
  "{\"resourceType\":\"Communication\",\"id\":\"n1\",\"status\":\"completed\",\"subject\":{\"reference\":\"Patient/p1\"}," \
  "\"sent\":\"2026-11-20T10:00:00Z\",\"payload\":[{\"contentString\":\"Pansement refait, cicatrisation correcte.\"}]}"
#define NEW_NOTE \
  "{\"resourceType\":\"Communication\",\"status\":\"completed\",\"subject\":{\"reference\":\"Patient/p1\"}," \
  "\"payload\":[{\"contentString\":\"Visite du soir.\"}]}"
#define SERVICE_REQUEST \
  "{\"resourceType\":\"ServiceRequest\",\"id\":\"sr1\",\"status\":\"active\",\"intent\":\"order\"," \
  "\"requisition\":{\"system\":\"https://cercle.fr/dossier\",\"value\":\"D-1\"},\"subject\":{\"reference\":\"Patient/p1\"}}"
#define TASK(id, owner, status) \
  "{\"resourceType\":\"Task\",\"id\":\"" id "\",\"status\":\"" status "\",\"intent\":\"order\"," \
  "\"businessStatus\":{\"coding\":[{\"code\":\"non-lue\"}]}," \
  "\"focus\":{\"reference\":\"ServiceRequest/sr1\"},\"for\":{\"reference\":\"Patient/p1\"}," \
  "\"requester\":{\"reference\":\"Practitioner/pr-alice\"},\"owner\":{\"reference\":\"Organization/" owner "\"}}"

#define ORGANIZATION_ENTRY(id, name) \
  "{\"resource\":{\"resourceType\":\"Organization\",\"id\":\"" id "\",\"name\":\"" name "\"}," \
  "\"request\":{\"method\":\"PUT\",\"url\":\"Organization/" id "\"}}"
#define ORGANIZATIONS \
  "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[" \
  ORGANIZATION_ENTRY ("org-ssiad", "SSIAD") "," ORGANIZATION_ENTRY ("org-had", "HAD") "," \
  ORGANIZATION_ENTRY ("org-smr", "SMR") "," ORGANIZATION_ENTRY ("org-ehpad", "EHPAD") "," \
  ORGANIZATION_ENTRY ("org-usp", "USP") "]}"

static char *
served_dir (void)
{
  return g_build_filename (g_getenv ("CERCLE_TEST_TMPDIR"), "served-by-tests", NULL);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *db = cercle_test_db_path ("server");
  g_autofree char *served = served_dir ();

  cercle_test_server_add_user (db, "alice", PASSWORD, "pr-alice", NULL);
  cercle_test_server_add_user (db, "bob", PASSWORD, "pr-bob", NULL);
  cercle_test_server_add_user (db, "desk", PASSWORD, "pr-desk", "org-ssiad");
  cercle_test_server_add_user (db, "desk2", PASSWORD, "pr-desk2", "org-had");
  g_assert_cmpint (cercle_test_server_run_cli (db, PASSWORD "\n", NULL, "user", "add", "admin",
                                               "--practitioner", "pr-admin", "--admin", NULL), ==, 0);
  f->server = cercle_test_server_start (db, data);
  /* Everything these tests are served is checked against the schema at
   * the end (test_demo_schema). */
  cercle_test_server_set_dump_dir (f->server, served);
  f->insider = cercle_test_server_login (f->server, "alice", PASSWORD);
  f->outsider = cercle_test_server_login (f->server, "bob", PASSWORD);
  f->desk = cercle_test_server_login (f->server, "desk", PASSWORD);
  f->desk2 = cercle_test_server_login (f->server, "desk2", PASSWORD);
  f->admin = cercle_test_server_login (f->server, "admin", PASSWORD);

  /* The destinations the referrals name exist in the directory. */
  expect (f, "POST", "/fhir", f->admin, ORGANIZATIONS, 200);
  expect (f, "PUT", "/fhir/Patient/p1", f->insider, PATIENT_P1, 201);
  expect (f, "PUT", "/fhir/Communication/n1", f->insider, NOTE_N1, 201);
  expect (f, "PUT", "/fhir/ServiceRequest/sr1", f->insider, SERVICE_REQUEST, 201);
  expect (f, "PUT", "/fhir/Task/t1", f->insider, TASK ("t1", "org-ssiad", "requested"), 201);
  expect (f, "PUT", "/fhir/Task/t2", f->insider, TASK ("t2", "org-had", "requested"), 201);
  expect (f, "PUT", "/fhir/Task/t3", f->insider, TASK ("t3", "org-smr", "requested"), 201);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  cercle_test_server_free (f->server);
  g_free (f->insider);
  g_free (f->outsider);
  g_free (f->desk);
  g_free (f->desk2);
  g_free (f->admin);
}

/* Every endpoint × insider, outsider, desk, no token, expired token. */
static void
test_access_matrix (Fixture       *f,
                    gconstpointer  data)
{
  static const struct {
    const char *method;
    const char *path;
    const char *body;
    guint       insider, outsider, desk, none;
  } rows[] = {
    { "GET", "/fhir/Patient/p1", NULL, 200, 404, 200, 401 },
    { "GET", "/fhir/Patient/p1/_history/1", NULL, 200, 404, 200, 401 },
    { "GET", "/fhir/Patient/p1/_history", NULL, 200, 404, 200, 401 },
    { "GET", "/fhir/Communication/n1", NULL, 200, 404, 404, 401 },
    { "GET", "/fhir/CareTeam/ct-p1", NULL, 200, 404, 404, 401 },
    { "GET", "/fhir/ServiceRequest/sr1", NULL, 200, 404, 200, 401 },
    { "GET", "/fhir/Task/t2", NULL, 200, 404, 404, 401 },
    { "GET", "/fhir/Communication?subject=Patient/p1", NULL, 200, 200, 200, 401 },
    { "GET", "/fhir/Patient?name=dupont", NULL, 200, 200, 200, 401 },
    { "GET", "/fhir/Task?owner=Organization/org-ssiad", NULL, 200, 200, 200, 401 },
    { "GET", "/fhir/AuditEvent?entity=Patient/p1", NULL, 200, 200, 200, 401 },
    { "GET", "/fhir/_history", NULL, 200, 200, 200, 401 },
    { "GET", "/fhir/Communication/_history", NULL, 200, 200, 200, 401 },
    { "PUT", "/fhir/Patient/p1", PATIENT_P1, 200, 403, 403, 401 },
    { "POST", "/fhir/Communication", NEW_NOTE, 201, 403, 403, 401 },
    { "PUT", "/fhir/CareTeam/ct-p1", "{\"resourceType\":\"CareTeam\",\"id\":\"ct-p1\",\"status\":\"active\","
      "\"subject\":{\"reference\":\"Patient/p1\"},\"participant\":[{\"member\":{\"reference\":\"Practitioner/pr-alice\"}}]}",
      200, 403, 403, 401 },
    { "POST", "/fhir", "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[{\"fullUrl\":\"urn:uuid:1\","
      "\"resource\":" NEW_NOTE ",\"request\":{\"method\":\"POST\",\"url\":\"Communication\"}}]}", 200, 403, 403, 401 },
    { "POST", "/fhir/AuditEvent", "{\"resourceType\":\"AuditEvent\"}", 405, 405, 405, 401 },
    { "GET", "/fhir/metadata", NULL, 200, 200, 200, 200 },
  };
  g_autofree char *expired = NULL;

  /* A token from a server that hands out 2-second tokens, on the same file
   * (expiry counts whole seconds: a 1-second token may be over before its
   * first use). */
  {
    const char *args[] = { "--access-token-lifetime", "2", NULL };
    CercleTestServer *brief;

    cercle_test_server_stop (f->server);
    brief = cercle_test_server_start (cercle_test_server_get_db_path (f->server), args);
    expired = cercle_test_server_login (brief, "alice", PASSWORD);
    {
      g_autoptr(CercleTestResponse) r = cercle_test_server_request (brief, "GET", "/fhir/Patient/p1", expired,
                                                                    NULL, NULL, NULL);
      g_assert_cmpuint (r->status, ==, 200);
    }
    cercle_test_server_free (brief);
  }
  {
    g_autofree char *db = g_strdup (cercle_test_server_get_db_path (f->server));

    cercle_test_server_free (f->server);
    f->server = cercle_test_server_start (db, NULL);
  }
  g_usleep (2100 * 1000);

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      const char *tokens[] = { f->insider, f->outsider, f->desk, NULL, expired };
      guint expected[] = { rows[i].insider, rows[i].outsider, rows[i].desk, rows[i].none,
                           g_str_equal (rows[i].path, "/fhir/metadata") ? 200 : 401 };
      const char *who[] = { "insider", "outsider", "desk", "no token", "expired token" };

      for (guint j = 0; j < G_N_ELEMENTS (tokens); j++)
        {
          g_autoptr(CercleTestResponse) r = req (f, rows[i].method, rows[i].path, tokens[j], rows[i].body);

          if (r->status != expected[j])
            g_error ("%s %s as %s: expected %u, got %u: %s", rows[i].method, rows[i].path, who[j],
                     expected[j], r->status, r->body);
          if (r->status == 401)
            g_assert_cmpstr (json_object_get_string_member (r->json, "resourceType"), ==, "OperationOutcome");
        }
    }

  /* Searches return only what the caller may read. */
  {
    g_autoptr(CercleTestResponse) a = req (f, "GET", "/fhir/Communication?subject=Patient/p1", f->insider, NULL);
    g_autoptr(CercleTestResponse) b = req (f, "GET", "/fhir/Communication?subject=Patient/p1", f->outsider, NULL);
    g_autoptr(CercleTestResponse) c = req (f, "GET", "/fhir/Communication?subject=Patient/p1", f->desk, NULL);
    g_autoptr(CercleTestResponse) d = req (f, "GET", "/fhir/Patient?name=dupont", f->outsider, NULL);
    g_autoptr(CercleTestResponse) e = req (f, "GET", "/fhir/Patient?name=dupont", f->desk, NULL);
    g_autoptr(CercleTestResponse) g = req (f, "GET", "/fhir/Task?owner=Organization/org-ssiad", f->desk2, NULL);
    g_autoptr(CercleTestResponse) h = req (f, "GET", "/fhir/Task", f->desk, NULL);
    g_autoptr(CercleTestResponse) k = req (f, "GET", "/fhir/_history", f->outsider, NULL);
    g_autoptr(CercleTestResponse) l = req (f, "GET", "/fhir/AuditEvent?entity=Patient/p1", f->insider, NULL);
    g_autoptr(CercleTestResponse) m = req (f, "GET", "/fhir/AuditEvent?entity=Patient/p1", f->outsider, NULL);

    g_assert_cmpuint (n_entries (a), >=, 3);
    g_assert_cmpuint (n_entries (b), ==, 0);
    g_assert_cmpuint (n_entries (c), ==, 0);
    g_assert_cmpuint (n_entries (d), ==, 0);
    g_assert_cmpuint (n_entries (e), ==, 1);
    g_assert_cmpuint (n_entries (g), ==, 0);
    g_assert_cmpuint (n_entries (h), ==, 1);
    /* Only the directory the fixture wrote: nothing of a patient. */
    for (guint i = 0; i < n_entries (k); i++)
      {
        JsonObject *entry = json_array_get_object_element (json_object_get_array_member (k->json, "entry"), i);

        g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (entry, "resource"), "resourceType"),
                         ==, "Organization");
      }
    g_assert_cmpuint (n_entries (l), >, 10);
    g_assert_cmpuint (n_entries (m), ==, 0);
  }

  /* A circle may name a PractitionerRole: its practitioner is a member. */
  expect (f, "PUT", "/fhir/PractitionerRole/role-bob", f->outsider,
          "{\"resourceType\":\"PractitionerRole\",\"id\":\"role-bob\",\"practitioner\":{\"reference\":\"Practitioner/pr-bob\"}}", 201);
  {
    g_autoptr(CercleTestResponse) before = req (f, "GET", "/fhir/Patient/p1", f->outsider, NULL);
    g_autoptr(CercleTestResponse) after = NULL;

    g_assert_cmpuint (before->status, ==, 404);
    expect (f, "PUT", "/fhir/CareTeam/ct-p1", f->insider,
            "{\"resourceType\":\"CareTeam\",\"id\":\"ct-p1\",\"status\":\"active\",\"subject\":{\"reference\":\"Patient/p1\"},"
            "\"participant\":[{\"member\":{\"reference\":\"Practitioner/pr-alice\"}},"
            "{\"member\":{\"reference\":\"PractitionerRole/role-bob\"},\"period\":{\"start\":\"2026-01-01\"}}]}", 200);
    after = req (f, "GET", "/fhir/Patient/p1", f->outsider, NULL);
    g_assert_cmpuint (after->status, ==, 200);
    /* ...and stops being one when the period ends. */
    expect (f, "PUT", "/fhir/CareTeam/ct-p1", f->insider,
            "{\"resourceType\":\"CareTeam\",\"id\":\"ct-p1\",\"status\":\"active\",\"subject\":{\"reference\":\"Patient/p1\"},"
            "\"participant\":[{\"member\":{\"reference\":\"Practitioner/pr-alice\"}},"
            "{\"member\":{\"reference\":\"PractitionerRole/role-bob\"},\"period\":{\"start\":\"2026-01-01\",\"end\":\"2026-02-01\"}}]}", 200);
    expect (f, "GET", "/fhir/Patient/p1", f->outsider, NULL, 404);
  }
}

static gboolean has_system_transition (CercleTestResponse *r,
                                       const char         *business);

static void
test_referral (Fixture       *f,
               gconstpointer  data)
{
  /* The destination opening the referral marks it read. */
  {
    g_autoptr(CercleTestResponse) r = req (f, "GET", "/fhir/Task/t1", f->desk, NULL);

    g_assert_cmpuint (r->status, ==, 200);
    g_assert_cmpstr (status_of (r), ==, "received");
    g_assert_cmpstr (business_of (r), ==, "lue");
  }
  /* A requester cannot accept; a desk cannot accept another structure's
   * referral, nor change what the requester wrote. */
  expect (f, "PUT", "/fhir/Task/t1", f->insider,
          "{\"resourceType\":\"Task\",\"id\":\"t1\",\"status\":\"accepted\",\"intent\":\"order\","
          "\"businessStatus\":{\"coding\":[{\"code\":\"accord\"}]},"
          "\"focus\":{\"reference\":\"ServiceRequest/sr1\"},\"for\":{\"reference\":\"Patient/p1\"},"
          "\"requester\":{\"reference\":\"Practitioner/pr-alice\"},\"owner\":{\"reference\":\"Organization/org-ssiad\"}}", 409);
  expect (f, "PUT", "/fhir/Task/t2", f->desk,
          "{\"resourceType\":\"Task\",\"id\":\"t2\",\"status\":\"accepted\",\"intent\":\"order\","
          "\"focus\":{\"reference\":\"ServiceRequest/sr1\"},\"for\":{\"reference\":\"Patient/p1\"},"
          "\"requester\":{\"reference\":\"Practitioner/pr-alice\"},\"owner\":{\"reference\":\"Organization/org-had\"}}", 403);
  /* A refusal needs a reason. */
  expect (f, "PUT", "/fhir/Task/t2", f->desk2,
          "{\"resourceType\":\"Task\",\"id\":\"t2\",\"status\":\"rejected\",\"intent\":\"order\","
          "\"focus\":{\"reference\":\"ServiceRequest/sr1\"},\"for\":{\"reference\":\"Patient/p1\"},"
          "\"requester\":{\"reference\":\"Practitioner/pr-alice\"},\"owner\":{\"reference\":\"Organization/org-had\"}}", 409);
  /* The SSIAD accepts. */
  {
    g_autoptr(CercleTestResponse) r = req (f, "PUT", "/fhir/Task/t1", f->desk,
      "{\"resourceType\":\"Task\",\"id\":\"t1\",\"status\":\"accepted\",\"intent\":\"order\","
      "\"businessStatus\":{\"coding\":[{\"code\":\"accord\"}]},"
      "\"focus\":{\"reference\":\"ServiceRequest/sr1\"},\"for\":{\"reference\":\"Patient/p1\"},"
      "\"requester\":{\"reference\":\"Practitioner/pr-alice\"},\"owner\":{\"reference\":\"Organization/org-ssiad\"}}");
    g_assert_cmpuint (r->status, ==, 200);
  }
  /* The desk cannot redirect the referral to someone else. */
  expect (f, "PUT", "/fhir/Task/t1", f->desk,
          "{\"resourceType\":\"Task\",\"id\":\"t1\",\"status\":\"accepted\",\"intent\":\"order\","
          "\"businessStatus\":{\"coding\":[{\"code\":\"accord\"}]},"
          "\"focus\":{\"reference\":\"ServiceRequest/sr1\"},\"for\":{\"reference\":\"Patient/p1\"},"
          "\"requester\":{\"reference\":\"Practitioner/pr-alice\"},\"owner\":{\"reference\":\"Organization/org-had\"}}", 409);
  /* The HAD refuses, with a reason. */
  expect (f, "PUT", "/fhir/Task/t2", f->desk2,
          "{\"resourceType\":\"Task\",\"id\":\"t2\",\"status\":\"rejected\",\"intent\":\"order\","
          "\"statusReason\":{\"coding\":[{\"code\":\"pas-de-place\"}]},"
          "\"focus\":{\"reference\":\"ServiceRequest/sr1\"},\"for\":{\"reference\":\"Patient/p1\"},"
          "\"requester\":{\"reference\":\"Practitioner/pr-alice\"},\"owner\":{\"reference\":\"Organization/org-had\"}}", 200);
  /* The requester confirms the SSIAD: the SMR is cancelled in the same
   * transaction, the refused HAD stays refused. */
  expect (f, "PUT", "/fhir/Task/t1", f->insider,
          "{\"resourceType\":\"Task\",\"id\":\"t1\",\"status\":\"in-progress\",\"intent\":\"order\","
          "\"businessStatus\":{\"coding\":[{\"code\":\"transfert-organise\"}]},"
          "\"focus\":{\"reference\":\"ServiceRequest/sr1\"},\"for\":{\"reference\":\"Patient/p1\"},"
          "\"requester\":{\"reference\":\"Practitioner/pr-alice\"},\"owner\":{\"reference\":\"Organization/org-ssiad\"}}", 200);
  {
    g_autoptr(CercleTestResponse) t2 = req (f, "GET", "/fhir/Task/t2", f->insider, NULL);
    g_autoptr(CercleTestResponse) t3 = req (f, "GET", "/fhir/Task/t3", f->insider, NULL);

    g_assert_cmpstr (status_of (t2), ==, "rejected");
    g_assert_cmpstr (status_of (t3), ==, "cancelled");
    g_assert_cmpstr (business_of (t3), ==, "annulation-auto");
    g_assert_true (has_system_transition (t3, "annulation-auto"));
  }
  /* A cancelled destination cannot come back. */
  expect (f, "PUT", "/fhir/Task/t3", f->insider, TASK ("t3", "org-smr", "requested"), 409);
  {
    g_autoptr(CercleTestResponse) r = req (f, "PUT", "/fhir/Task/t3", f->insider, TASK ("t3", "org-smr", "requested"));

    g_assert_cmpstr (json_object_get_string_member (r->json, "resourceType"), ==, "OperationOutcome");
  }
}

static void
test_versions (Fixture       *f,
               gconstpointer  data)
{
  const char *patient2 = "{\"resourceType\":\"Patient\",\"id\":\"p2\",\"name\":[{\"family\":\"Martin\"}]}";
  const char *patient2b = "{\"resourceType\":\"Patient\",\"id\":\"p2\",\"name\":[{\"family\":\"Martin\",\"given\":[\"Paul\"]}]}";

  /* The same PUT twice makes one resource, one version. */
  {
    g_autoptr(CercleTestResponse) a = req (f, "PUT", "/fhir/Patient/p2", f->insider, patient2);
    g_autoptr(CercleTestResponse) b = req (f, "PUT", "/fhir/Patient/p2", f->insider, patient2);
    g_autoptr(CercleTestResponse) h = req (f, "GET", "/fhir/Patient/p2/_history", f->insider, NULL);

    g_assert_cmpuint (a->status, ==, 201);
    g_assert_cmpuint (b->status, ==, 200);
    g_assert_cmpstr (a->etag, ==, "W/\"1\"");
    g_assert_cmpstr (b->etag, ==, "W/\"1\"");
    g_assert_cmpuint (n_entries (h), ==, 1);
  }
  /* If-Match: the current version passes, a stale one gets 412 and changes nothing. */
  {
    g_autoptr(CercleTestResponse) a = cercle_test_server_request (f->server, "PUT", "/fhir/Patient/p2", f->insider,
                                                                  NULL, patient2b, "W/\"1\"");
    g_autoptr(CercleTestResponse) b = cercle_test_server_request (f->server, "PUT", "/fhir/Patient/p2", f->insider,
                                                                  NULL, patient2, "W/\"1\"");
    g_autoptr(CercleTestResponse) c = req (f, "GET", "/fhir/Patient/p2", f->insider, NULL);
    g_autoptr(CercleTestResponse) v1 = req (f, "GET", "/fhir/Patient/p2/_history/1", f->insider, NULL);

    g_assert_cmpuint (a->status, ==, 200);
    g_assert_cmpstr (a->etag, ==, "W/\"2\"");
    g_assert_cmpuint (b->status, ==, 412);
    g_assert_cmpstr (c->etag, ==, "W/\"2\"");
    g_assert_nonnull (strstr (c->body, "Paul"));
    g_assert_cmpuint (v1->status, ==, 200);
    g_assert_null (strstr (v1->body, "Paul"));
  }
  /* A retried note PUT is a no-op, though the server named its sender. */
  {
    const char *note = "{\"resourceType\":\"Communication\",\"id\":\"retry\",\"status\":\"completed\","
                       "\"subject\":{\"reference\":\"Patient/p1\"},\"payload\":[{\"contentString\":\"Bis\"}]}";
    g_autoptr(CercleTestResponse) a = req (f, "PUT", "/fhir/Communication/retry", f->insider, note);
    g_autoptr(CercleTestResponse) b = req (f, "PUT", "/fhir/Communication/retry", f->insider, note);

    g_assert_cmpuint (a->status, ==, 201);
    g_assert_cmpuint (b->status, ==, 200);
    g_assert_cmpstr (b->etag, ==, "W/\"1\"");
    g_assert_nonnull (strstr (b->body, "Practitioner/pr-alice"));
  }
  /* A sent note is not edited in place. */
  expect (f, "PUT", "/fhir/Communication/n1", f->insider,
          "{\"resourceType\":\"Communication\",\"id\":\"n1\",\"status\":\"completed\",\"subject\":{\"reference\":\"Patient/p1\"},"
          "\"payload\":[{\"contentString\":\"Texte changé\"}]}", 409);
}

/* The text of an OperationOutcome's first issue. */
static const char *
diagnostics_of (CercleTestResponse *r)
{
  JsonArray *issues;

  g_assert_nonnull (r->json);
  g_assert_cmpstr (json_object_get_string_member (r->json, "resourceType"), ==, "OperationOutcome");
  issues = json_object_get_array_member (r->json, "issue");
  return json_object_get_string_member (json_array_get_object_element (issues, 0), "diagnostics");
}

/* A refusal with its status, explained in French (@words are in it). */
static void
expect_refused (Fixture    *f,
                const char *method,
                const char *path,
                const char *token,
                const char *body,
                guint       status,
                const char *words)
{
  g_autoptr(CercleTestResponse) r = req (f, method, path, token, body);

  if (r->status != status)
    g_error ("%s %s: expected %u, got %u: %s", method, path, status, r->status, r->body);
  if (words && strstr (diagnostics_of (r), words) == NULL)
    g_error ("%s %s: the diagnostics should say « %s »: %s", method, path, words, r->body);
}

static guint
entries_with_id (CercleTestResponse *r,
                 const char         *id)
{
  guint n = 0;

  for (guint i = 0; i < n_entries (r); i++)
    {
      JsonObject *e = json_array_get_object_element (json_object_get_array_member (r->json, "entry"), i);

      if (g_strcmp0 (json_object_get_string_member (json_object_get_object_member (e, "resource"), "id"), id) == 0)
        n++;
    }
  return n;
}

#define CARE_TEAM(id, patient, members) \
  "{\"resourceType\":\"CareTeam\",\"id\":\"" id "\",\"status\":\"active\",\"subject\":{\"reference\":\"Patient/" patient "\"}," \
  "\"participant\":[" members "]}"
#define MEMBER(ref) "{\"member\":{\"reference\":\"" ref "\"}}"

/* A Patient's team never takes the id of another team: neither one a
 * client chose, nor the team of a patient whose id starts the same. */
static void
test_careteam_ids (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *long_a = g_strconcat ("x", "123456789012345678901234567890123456789012345678901234567890", "aaa", NULL);
  g_autofree char *long_b = g_strconcat ("x", "123456789012345678901234567890123456789012345678901234567890", "bbb", NULL);

  expect (f, "PUT", "/fhir/CareTeam/ct-equipe-mobile", f->insider,
          CARE_TEAM ("ct-equipe-mobile", "p1", MEMBER ("Practitioner/pr-alice")), 201);
  expect (f, "PUT", "/fhir/Patient/equipe-mobile", f->outsider,
          "{\"resourceType\":\"Patient\",\"id\":\"equipe-mobile\"}", 201);
  {
    g_autoptr(CercleTestResponse) team = req (f, "GET", "/fhir/CareTeam/ct-equipe-mobile", f->insider, NULL);
    g_autoptr(CercleTestResponse) history = req (f, "GET", "/fhir/CareTeam/ct-equipe-mobile/_history", f->outsider, NULL);
    g_autoptr(CercleTestResponse) own = req (f, "GET", "/fhir/CareTeam?patient=Patient/equipe-mobile", f->outsider, NULL);
    g_autoptr(CercleTestResponse) patient = req (f, "GET", "/fhir/Patient/equipe-mobile", f->outsider, NULL);

    g_assert_cmpuint (team->status, ==, 200);
    g_assert_nonnull (strstr (team->body, "\"Patient/p1\""));
    g_assert_null (strstr (team->body, "pr-bob"));
    g_assert_cmpstr (team->etag, ==, "W/\"1\"");
    g_assert_cmpuint (history->status, ==, 404);
    g_assert_cmpuint (n_entries (own), ==, 1);
    g_assert_cmpuint (entries_with_id (own, "ct-equipe-mobile"), ==, 0);
    g_assert_cmpuint (patient->status, ==, 200);
  }

  g_assert_cmpuint (strlen (long_a), ==, 64);
  {
    g_autofree char *path_a = g_strdup_printf ("/fhir/Patient/%s", long_a);
    g_autofree char *path_b = g_strdup_printf ("/fhir/Patient/%s", long_b);
    g_autofree char *body_a = g_strdup_printf ("{\"resourceType\":\"Patient\",\"id\":\"%s\"}", long_a);
    g_autofree char *body_b = g_strdup_printf ("{\"resourceType\":\"Patient\",\"id\":\"%s\"}", long_b);

    expect (f, "PUT", path_a, f->insider, body_a, 201);
    expect (f, "PUT", path_b, f->outsider, body_b, 201);
    expect (f, "GET", path_a, f->insider, NULL, 200);
    expect (f, "GET", path_a, f->outsider, NULL, 404);
    expect (f, "GET", path_b, f->outsider, NULL, 200);
    expect (f, "GET", path_b, f->insider, NULL, 404);
  }

  /* A team of another file is not moved into one's own, nor from one of
   * one's files to another. */
  expect (f, "PUT", "/fhir/CareTeam/ct-p1", f->outsider,
          CARE_TEAM ("ct-p1", "equipe-mobile", MEMBER ("Practitioner/pr-bob")), 403);
  expect (f, "PUT", "/fhir/Patient/p2", f->insider, "{\"resourceType\":\"Patient\",\"id\":\"p2\"}", 201);
  expect_refused (f, "PUT", "/fhir/CareTeam/ct-equipe-mobile", f->insider,
                  CARE_TEAM ("ct-equipe-mobile", "p2", MEMBER ("Practitioner/pr-alice")), 409, "patient");
  expect (f, "GET", "/fhir/Patient/p1", f->insider, NULL, 200);
}

static gboolean
events_name (CercleTestResponse *r,
             const char         *text)
{
  return strstr (r->body, text) != NULL;
}

/* A reader of a patient's trail sees only what is about patients it may
 * see, even in events that also name others. */
static void
test_audit_foreign_patients (Fixture       *f,
                             gconstpointer  data)
{
  expect (f, "PUT", "/fhir/Patient/pb", f->outsider, "{\"resourceType\":\"Patient\",\"id\":\"pb\"}", 201);
  expect (f, "PUT", "/fhir/CareTeam/ct-pb", f->outsider,
          CARE_TEAM ("ct-pb", "pb", MEMBER ("Practitioner/pr-bob") "," MEMBER ("Practitioner/pr-alice")), 200);
  /* alice, in both circles, reads a history page of both patients... */
  expect (f, "GET", "/fhir/_history?_count=1000", f->insider, NULL, 200);
  /* ...and bob, refused, tries to move a note of p1 into pb's file. */
  expect (f, "PUT", "/fhir/Communication/n1", f->outsider,
          "{\"resourceType\":\"Communication\",\"id\":\"n1\",\"status\":\"completed\",\"subject\":{\"reference\":\"Patient/pb\"}}",
          403);
  {
    g_autoptr(CercleTestResponse) trail = req (f, "GET", "/fhir/AuditEvent?entity=Patient/pb&_count=1000", f->outsider, NULL);
    g_autoptr(CercleTestResponse) p1_trail = req (f, "GET", "/fhir/AuditEvent?entity=Patient/p1&_count=1000", f->insider, NULL);
    JsonArray *entries = json_object_get_array_member (trail->json, "entry");

    g_assert_cmpuint (trail->status, ==, 200);
    g_assert_true (events_name (trail, "history-system"));
    g_assert_true (events_name (trail, "\"Patient/pb\""));
    g_assert_false (events_name (trail, "\"Patient/p1\""));
    g_assert_false (events_name (trail, "Communication/n1"));
    g_assert_false (events_name (trail, "CareTeam/ct-p1"));
    g_assert_false (events_name (trail, "Task/t1"));
    /* The same events read one by one. */
    for (guint i = 0; i < json_array_get_length (entries); i++)
      {
        JsonObject *ev = json_object_get_object_member (json_array_get_object_element (entries, i), "resource");
        g_autofree char *path = g_strdup_printf ("/fhir/AuditEvent/%s", json_object_get_string_member (ev, "id"));
        g_autoptr(CercleTestResponse) one = req (f, "GET", path, f->outsider, NULL);

        g_assert_cmpuint (one->status, ==, 200);
        g_assert_false (events_name (one, "\"Patient/p1\""));
        g_assert_false (events_name (one, "Communication/n1"));
      }
    /* p1's circle sees the refusal, and alice's page whole. */
    g_assert_true (events_name (p1_trail, "pr-bob"));
    g_assert_true (events_name (p1_trail, "\"Patient/pb\""));
    g_assert_true (events_name (p1_trail, "Communication/n1"));
  }
}

#define LOCATION "{\"resourceType\":\"Location\",\"id\":\"loc1\",\"name\":\"Site\"}"
#define SERVICE "{\"resourceType\":\"HealthcareService\",\"id\":\"hs1\",\"name\":\"Soins\"}"
#define ROLE(id, practitioner) \
  "{\"resourceType\":\"PractitionerRole\",\"id\":\"" id "\",\"practitioner\":{\"reference\":\"Practitioner/" practitioner "\"}}"

/* The shared directory: one's own Practitioner and roles, else an
 * administrator (a role given on the command line). */
static void
test_directory_writes (Fixture       *f,
                       gconstpointer  data)
{
  const char *db = cercle_test_server_get_db_path (f->server);

  expect (f, "PUT", "/fhir/Practitioner/pr-bob", f->outsider,
          "{\"resourceType\":\"Practitioner\",\"id\":\"pr-bob\",\"name\":[{\"family\":\"Bob\"}]}", 201);
  expect_refused (f, "PUT", "/fhir/Practitioner/pr-alice", f->outsider,
                  "{\"resourceType\":\"Practitioner\",\"id\":\"pr-alice\",\"telecom\":[{\"system\":\"phone\",\"value\":\"0600000000\"}]}",
                  403, "administrateur");
  expect (f, "PUT", "/fhir/Practitioner/pr-alice", f->admin,
          "{\"resourceType\":\"Practitioner\",\"id\":\"pr-alice\",\"name\":[{\"family\":\"Alice\"}]}", 201);
  expect (f, "PUT", "/fhir/PractitionerRole/role-alice", f->admin, ROLE ("role-alice", "pr-alice"), 201);
  /* Nobody points a role at someone else, not even at himself. */
  expect_refused (f, "PUT", "/fhir/PractitionerRole/role-alice", f->outsider, ROLE ("role-alice", "pr-bob"), 403, NULL);
  expect_refused (f, "PUT", "/fhir/PractitionerRole/role-alice", f->insider, ROLE ("role-alice", "pr-bob"), 403, NULL);
  expect_refused (f, "PUT", "/fhir/PractitionerRole/role-x", f->outsider, ROLE ("role-x", "pr-alice"), 403, NULL);
  expect (f, "PUT", "/fhir/PractitionerRole/role-alice", f->insider,
          "{\"resourceType\":\"PractitionerRole\",\"id\":\"role-alice\",\"active\":true,"
          "\"practitioner\":{\"reference\":\"Practitioner/pr-alice\"}}", 200);
  /* Structures, their sites and services. */
  expect_refused (f, "PUT", "/fhir/Organization/org-ssiad", f->outsider,
                  "{\"resourceType\":\"Organization\",\"id\":\"org-ssiad\",\"name\":\"Renommé\"}", 403, "administrateur");
  expect_refused (f, "PUT", "/fhir/Organization/org-ssiad", f->desk,
                  "{\"resourceType\":\"Organization\",\"id\":\"org-ssiad\",\"name\":\"Renommé\"}", 403, "administrateur");
  expect_refused (f, "POST", "/fhir/Organization", f->insider,
                  "{\"resourceType\":\"Organization\",\"name\":\"Nouvelle\"}", 403, "administrateur");
  expect_refused (f, "PUT", "/fhir/Location/loc1", f->insider, LOCATION, 403, "administrateur");
  expect_refused (f, "PUT", "/fhir/HealthcareService/hs1", f->outsider, SERVICE, 403, "administrateur");
  expect_refused (f, "PUT", "/fhir/Practitioner/pr-desk", f->desk,
                  "{\"resourceType\":\"Practitioner\",\"id\":\"pr-desk\"}", 403, NULL);
  expect (f, "POST", "/fhir", f->outsider,
          "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[" ORGANIZATION_ENTRY ("org-had", "Renommé") "]}", 403);
  {
    g_autoptr(CercleTestResponse) org = req (f, "GET", "/fhir/Organization/org-ssiad", f->outsider, NULL);

    g_assert_cmpstr (json_object_get_string_member (org->json, "name"), ==, "SSIAD");
  }
  expect (f, "PUT", "/fhir/Location/loc1", f->admin, LOCATION, 201);
  expect (f, "PUT", "/fhir/HealthcareService/hs1", f->admin, SERVICE, 201);

  /* A role re-pointed by an administrator stops opening the circles it
   * was named in to its former practitioner. */
  expect (f, "PUT", "/fhir/PractitionerRole/role-bob", f->outsider, ROLE ("role-bob", "pr-bob"), 201);
  expect (f, "PUT", "/fhir/CareTeam/ct-p1", f->insider,
          CARE_TEAM ("ct-p1", "p1", MEMBER ("Practitioner/pr-alice") "," MEMBER ("PractitionerRole/role-bob")), 200);
  expect (f, "GET", "/fhir/Patient/p1", f->outsider, NULL, 200);
  expect (f, "PUT", "/fhir/PractitionerRole/role-bob", f->admin, ROLE ("role-bob", "pr-admin"), 200);
  expect (f, "GET", "/fhir/Patient/p1", f->outsider, NULL, 404);

  /* The role, given and taken back from the command line, holds at once. */
  g_assert_cmpint (cercle_test_server_run_cli (db, NULL, NULL, "user", "grant", "bob", "admin", NULL), ==, 0);
  expect (f, "PUT", "/fhir/Organization/org-bob", f->outsider,
          "{\"resourceType\":\"Organization\",\"id\":\"org-bob\",\"name\":\"Cabinet\"}", 201);
  g_assert_cmpint (cercle_test_server_run_cli (db, NULL, NULL, "user", "revoke", "bob", "admin", NULL), ==, 0);
  expect (f, "PUT", "/fhir/Organization/org-bob", f->outsider,
          "{\"resourceType\":\"Organization\",\"id\":\"org-bob\",\"name\":\"Cabinet renommé\"}", 403);
  g_assert_cmpint (cercle_test_server_run_cli (db, NULL, NULL, "user", "grant", "nobody", "admin", NULL), ==, 1);
  g_assert_cmpint (cercle_test_server_run_cli (db, NULL, NULL, "user", "grant", "bob", "root", NULL), ==, 2);
}

#define SECTION(code, text) \
  "{\"url\":\"https://cercle.fr/fhir/StructureDefinition/referral-section\",\"extension\":[" \
  "{\"url\":\"section\",\"valueCode\":\"" code "\"},{\"url\":\"complete\",\"valueBoolean\":true}," \
  "{\"url\":\"text\",\"valueString\":\"" text "\"}]}"
#define REFERRAL_SR1(reason) \
  "{\"resourceType\":\"ServiceRequest\",\"id\":\"sr1\",\"status\":\"active\",\"intent\":\"order\"," \
  "\"extension\":[" SECTION ("administratif", "Mutuelle à jour") "," SECTION ("medical", "Anticoagulant secret") "]," \
  "\"requisition\":{\"system\":\"https://cercle.fr/dossier\",\"value\":\"D-1\"},\"subject\":{\"reference\":\"Patient/p1\"}," \
  "\"reasonCode\":[{\"text\":\"" reason "\"}]}"
#define PRACTITIONER(id, system, code) \
  "{\"resourceType\":\"Practitioner\",\"id\":\"" id "\",\"name\":[{\"family\":\"" id "\"}]," \
  "\"qualification\":[{\"code\":{\"coding\":[{\"system\":\"" system "\",\"code\":\"" code "\"}]}}]}"
#define TRE_G15 "https://mos.esante.gouv.fr/NOS/TRE_G15-ProfessionSante/FHIR/TRE-G15-ProfessionSante"

/* The médical volet of a referral is for medical staff only (domain.md
 * §6): a member of another profession and a desk are served the dossier
 * without its text, on every path, and cannot erase it by writing back
 * what they were served. */
static void
test_medical_volet (Fixture       *f,
                    gconstpointer  data)
{
  static const char * const paths[] = {
    "/fhir/ServiceRequest/sr1", "/fhir/ServiceRequest/sr1/_history/2", "/fhir/ServiceRequest/sr1/_history",
    "/fhir/ServiceRequest", "/fhir/ServiceRequest?_id=sr1", "/fhir/ServiceRequest/_history", "/fhir/_history",
  };
  const char *db = cercle_test_server_get_db_path (f->server);
  g_autofree char *carol = NULL;

  cercle_test_server_add_user (db, "carol", PASSWORD, "pr-carol", NULL);
  carol = cercle_test_server_login (f->server, "carol", PASSWORD);
  expect (f, "PUT", "/fhir/Practitioner/pr-alice", f->admin, PRACTITIONER ("pr-alice", TRE_G15, "10"), 201);
  expect (f, "PUT", "/fhir/Practitioner/pr-carol", f->admin,
          PRACTITIONER ("pr-carol", "https://cercle.fr/fhir/CodeSystem/profession", "assistant-social"), 201);
  expect (f, "PUT", "/fhir/CareTeam/ct-p1", f->insider,
          CARE_TEAM ("ct-p1", "p1", MEMBER ("Practitioner/pr-alice") "," MEMBER ("Practitioner/pr-carol")), 200);
  expect (f, "PUT", "/fhir/ServiceRequest/sr1", f->insider, REFERRAL_SR1 ("Retour à domicile"), 200);

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autoptr(CercleTestResponse) doctor = req (f, "GET", paths[i], f->insider, NULL);
      g_autoptr(CercleTestResponse) social = req (f, "GET", paths[i], carol, NULL);
      g_autoptr(CercleTestResponse) desk = req (f, "GET", paths[i], f->desk, NULL);

      g_assert_cmpuint (doctor->status, ==, 200);
      g_assert_cmpuint (social->status, ==, 200);
      g_assert_cmpuint (desk->status, ==, 200);
      g_assert_nonnull (strstr (doctor->body, "Anticoagulant secret"));
      g_assert_nonnull (strstr (social->body, "D-1"));
      g_assert_nonnull (strstr (social->body, "Mutuelle"));
      if (strstr (social->body, "Anticoagulant") || strstr (desk->body, "Anticoagulant"))
        g_error ("GET %s serves the médical volet to a reader of no medical profession", paths[i]);
    }

  /* What the social worker was served, sent back with a change: the
   * stored volet stays, and the answers carry no text of it. */
  {
    g_autoptr(CercleTestResponse) put = req (f, "PUT", "/fhir/ServiceRequest/sr1", carol,
                                             REFERRAL_SR1 ("Retour à domicile, aide sociale") );
    g_autoptr(CercleTestResponse) tx = NULL;
    g_autoptr(CercleTestResponse) doctor = NULL;

    g_assert_cmpuint (put->status, ==, 200);
    g_assert_null (strstr (put->body, "Anticoagulant"));
    tx = req (f, "POST", "/fhir", carol,
              "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[{\"resource\":"
              REFERRAL_SR1 ("Retour à domicile, APA") ",\"request\":{\"method\":\"PUT\",\"url\":\"ServiceRequest/sr1\"}}]}");
    g_assert_cmpuint (tx->status, ==, 200);
    g_assert_null (strstr (tx->body, "Anticoagulant"));
    expect (f, "PUT", "/fhir/ServiceRequest/sr1", carol,
            "{\"resourceType\":\"ServiceRequest\",\"id\":\"sr1\",\"status\":\"active\",\"intent\":\"order\","
            "\"extension\":[" SECTION ("medical", "Réécrit") "],\"subject\":{\"reference\":\"Patient/p1\"}}", 200);
    doctor = req (f, "GET", "/fhir/ServiceRequest/sr1", f->insider, NULL);
    g_assert_nonnull (strstr (doctor->body, "Anticoagulant secret"));
    g_assert_null (strstr (doctor->body, "Réécrit"));
  }
}

/* The same volet in a copy of the dossier contained in a Task, which the
 * desk reads. */
static void
test_medical_volet_contained (Fixture       *f,
                              gconstpointer  data)
{
  static const char * const paths[] = { "/fhir/Task/t-copy", "/fhir/Task?owner=Organization/org-ssiad",
                                        "/fhir/Task/t-copy/_history", "/fhir/_history" };

  expect (f, "PUT", "/fhir/Practitioner/pr-alice", f->admin, PRACTITIONER ("pr-alice", TRE_G15, "10"), 201);
  expect (f, "PUT", "/fhir/Task/t-copy", f->insider,
          "{\"resourceType\":\"Task\",\"id\":\"t-copy\",\"contained\":[" REFERRAL_SR1 ("Copie") "],"
          "\"status\":\"requested\",\"intent\":\"order\",\"businessStatus\":{\"coding\":[{\"code\":\"non-lue\"}]},"
          "\"focus\":{\"reference\":\"ServiceRequest/sr1\"},\"for\":{\"reference\":\"Patient/p1\"},"
          "\"owner\":{\"reference\":\"Organization/org-ssiad\"}}", 201);
  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autoptr(CercleTestResponse) desk = req (f, "GET", paths[i], f->desk, NULL);
      g_autoptr(CercleTestResponse) doctor = req (f, "GET", paths[i], f->insider, NULL);

      g_assert_cmpuint (desk->status, ==, 200);
      g_assert_nonnull (strstr (desk->body, "t-copy"));
      g_assert_nonnull (strstr (doctor->body, "Anticoagulant secret"));
      if (strstr (desk->body, "Anticoagulant"))
        g_error ("GET %s serves a contained médical volet to the desk", paths[i]);
    }
}

/* The profession decides who reads the médical volet: it is the
 * administrator's (or the directory's), not the account's to declare. */
static void
test_forged_profession (Fixture       *f,
                        gconstpointer  data)
{
  const char *db = cercle_test_server_get_db_path (f->server);
  g_autofree char *carol = NULL;

  cercle_test_server_add_user (db, "carol", PASSWORD, "pr-carol", NULL);
  carol = cercle_test_server_login (f->server, "carol", PASSWORD);
  expect (f, "PUT", "/fhir/CareTeam/ct-p1", f->insider,
          CARE_TEAM ("ct-p1", "p1", MEMBER ("Practitioner/pr-alice") "," MEMBER ("Practitioner/pr-carol")), 200);
  expect (f, "PUT", "/fhir/ServiceRequest/sr1", f->insider, REFERRAL_SR1 ("Retour à domicile"), 200);

  /* Her own file, first written by herself as a doctor: refused. */
  expect_refused (f, "PUT", "/fhir/Practitioner/pr-carol", carol, PRACTITIONER ("pr-carol", TRE_G15, "10"), 403,
                  "administrateur");
  expect (f, "PUT", "/fhir/Practitioner/pr-carol", carol,
          "{\"resourceType\":\"Practitioner\",\"id\":\"pr-carol\",\"name\":[{\"family\":\"Carol\"}]}", 201);
  expect (f, "PUT", "/fhir/Practitioner/pr-carol", f->admin,
          PRACTITIONER ("pr-carol", "https://cercle.fr/fhir/CodeSystem/profession", "assistant-social"), 200);
  /* Then changed into a doctor: refused; sent without it: kept. */
  expect_refused (f, "PUT", "/fhir/Practitioner/pr-carol", carol, PRACTITIONER ("pr-carol", TRE_G15, "10"), 403,
                  "administrateur");
  expect (f, "PUT", "/fhir/Practitioner/pr-carol", carol,
          "{\"resourceType\":\"Practitioner\",\"id\":\"pr-carol\",\"name\":[{\"family\":\"Carole\"}]}", 200);
  expect (f, "PUT", "/fhir/Practitioner/pr-carol", carol,
          PRACTITIONER ("pr-carol", "https://cercle.fr/fhir/CodeSystem/profession", "assistant-social"), 200);
  /* Nor someone else's RPPS number. */
  expect_refused (f, "PUT", "/fhir/Practitioner/pr-carol", carol,
                  "{\"resourceType\":\"Practitioner\",\"id\":\"pr-carol\",\"identifier\":[{\"system\":"
                  "\"https://rpps.esante.gouv.fr\",\"value\":\"10001234567\"}]}", 403, "administrateur");
  {
    g_autoptr(CercleTestResponse) self = req (f, "GET", "/fhir/Practitioner/pr-carol", carol, NULL);
    g_autoptr(CercleTestResponse) sr = req (f, "GET", "/fhir/ServiceRequest/sr1", carol, NULL);

    g_assert_nonnull (strstr (self->body, "assistant-social"));
    g_assert_cmpuint (sr->status, ==, 200);
    g_assert_null (strstr (sr->body, "Anticoagulant"));
  }
}

#define TASK_FOR(id, patient, focus, owner, requester) \
  "{\"resourceType\":\"Task\",\"id\":\"" id "\",\"status\":\"requested\",\"intent\":\"order\"," \
  "\"businessStatus\":{\"coding\":[{\"code\":\"non-lue\"}]}," \
  "\"focus\":{\"reference\":\"" focus "\"},\"for\":{\"reference\":\"Patient/" patient "\"}," \
  "\"requester\":{\"reference\":\"Practitioner/" requester "\"},\"owner\":{\"reference\":\"" owner "\"}}"

/* What a resource points at exists, may be read by its writer, and is in
 * the same patient's file. */
static void
test_references (Fixture       *f,
                 gconstpointer  data)
{
  expect (f, "PUT", "/fhir/ServiceRequest/sr-secret", f->insider,
          "{\"resourceType\":\"ServiceRequest\",\"id\":\"sr-secret\",\"status\":\"active\",\"intent\":\"order\","
          "\"subject\":{\"reference\":\"Patient/p1\"}}", 201);
  expect (f, "PUT", "/fhir/Patient/pb", f->outsider, "{\"resourceType\":\"Patient\",\"id\":\"pb\"}", 201);
  expect (f, "PUT", "/fhir/ServiceRequest/srb", f->outsider,
          "{\"resourceType\":\"ServiceRequest\",\"id\":\"srb\",\"status\":\"active\",\"intent\":\"order\","
          "\"subject\":{\"reference\":\"Patient/pb\"}}", 201);

  /* Another file's referral is not exposed through one's own Task. */
  expect_refused (f, "PUT", "/fhir/Task/tb", f->outsider,
                  TASK_FOR ("tb", "pb", "ServiceRequest/sr-secret", "Organization/org-ssiad", "pr-bob"), 400, "référence");
  expect (f, "GET", "/fhir/ServiceRequest/sr-secret", f->desk, NULL, 404);
  /* What does not exist is not pointed at. */
  expect_refused (f, "PUT", "/fhir/Task/tb", f->outsider,
                  TASK_FOR ("tb", "pb", "ServiceRequest/nope", "Organization/org-ssiad", "pr-bob"), 400, "aucune ressource");
  expect_refused (f, "PUT", "/fhir/Task/tb", f->outsider,
                  TASK_FOR ("tb", "pb", "ServiceRequest/srb", "Organization/org-nope", "pr-bob"), 400, "aucune ressource");
  expect_refused (f, "PUT", "/fhir/Task/tb", f->outsider,
                  TASK_FOR ("tb", "pb", "ServiceRequest/srb", "Encounter/e1", "pr-bob"), 400, "référence");
  /* The same for notes, teams and relatives. */
  expect_refused (f, "POST", "/fhir/Communication", f->outsider,
                  "{\"resourceType\":\"Communication\",\"status\":\"completed\",\"subject\":{\"reference\":\"Patient/pb\"},"
                  "\"inResponseTo\":[{\"reference\":\"Communication/n1\"}]}", 400, "aucune ressource");
  expect_refused (f, "POST", "/fhir/Communication", f->outsider,
                  "{\"resourceType\":\"Communication\",\"status\":\"completed\",\"subject\":{\"reference\":\"Patient/pb\"},"
                  "\"about\":[{\"reference\":\"Task/t1\"}]}", 400, "aucune ressource");
  expect_refused (f, "PUT", "/fhir/CareTeam/ct-pb", f->outsider,
                  CARE_TEAM ("ct-pb", "pb", MEMBER ("Practitioner/pr-bob") "," MEMBER ("Patient/p1")), 400, "aucune ressource");
  expect_refused (f, "PUT", "/fhir/CareTeam/ct-pb", f->outsider,
                  CARE_TEAM ("ct-pb", "pb", MEMBER ("Practitioner/pr-bob") "," MEMBER ("PractitionerRole/nope")), 400, NULL);
  expect_refused (f, "POST", "/fhir/RelatedPerson", f->outsider,
                  "{\"resourceType\":\"RelatedPerson\",\"patient\":{\"reference\":\"Patient/pb\"},"
                  "\"extension\":[{\"url\":\"https://cercle.fr/x\",\"valueReference\":{\"reference\":\"Patient/p1\"}}]}", 400, NULL);
  /* A transaction may point at what it creates, in any order. */
  expect (f, "POST", "/fhir", f->outsider,
          "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":["
          "{\"fullUrl\":\"urn:uuid:task\",\"resource\":" TASK_FOR ("x", "pb", "urn:uuid:sr", "Organization/org-ssiad", "pr-bob") ","
          "\"request\":{\"method\":\"POST\",\"url\":\"Task\"}},"
          "{\"fullUrl\":\"urn:uuid:sr\",\"resource\":{\"resourceType\":\"ServiceRequest\",\"status\":\"active\",\"intent\":\"order\","
          "\"subject\":{\"reference\":\"Patient/pb\"}},\"request\":{\"method\":\"POST\",\"url\":\"ServiceRequest\"}}]}", 200);
  /* What is right passes. */
  expect (f, "PUT", "/fhir/Task/tb", f->outsider,
          TASK_FOR ("tb", "pb", "ServiceRequest/srb", "Organization/org-ssiad", "pr-bob"), 201);
  expect (f, "GET", "/fhir/ServiceRequest/srb", f->desk, NULL, 200);
}

/* Each version is read by who could read that version. */
static void
test_version_access (Fixture       *f,
                     gconstpointer  data)
{
  const char *draft = "{\"resourceType\":\"Task\",\"id\":\"tdraft\",\"status\":\"draft\",\"intent\":\"order\","
                      "\"description\":\"Brouillon : à relire\","
                      "\"focus\":{\"reference\":\"ServiceRequest/sr1\"},\"for\":{\"reference\":\"Patient/p1\"},"
                      "\"requester\":{\"reference\":\"Practitioner/pr-alice\"},\"owner\":{\"reference\":\"Organization/org-ssiad\"}}";
  sqlite3 *db;

  expect (f, "PUT", "/fhir/Task/tdraft", f->insider, draft, 201);
  expect (f, "PUT", "/fhir/Task/tdraft", f->insider, TASK ("tdraft", "org-ssiad", "requested"), 200);
  {
    g_autoptr(CercleTestResponse) instance = req (f, "GET", "/fhir/Task/tdraft/_history", f->desk, NULL);
    g_autoptr(CercleTestResponse) type = req (f, "GET", "/fhir/Task/_history?_count=1000", f->desk, NULL);
    g_autoptr(CercleTestResponse) system = req (f, "GET", "/fhir/_history?_count=1000", f->desk, NULL);
    g_autoptr(CercleTestResponse) mine = req (f, "GET", "/fhir/Task/tdraft/_history", f->insider, NULL);

    expect (f, "GET", "/fhir/Task/tdraft/_history/1", f->desk, NULL, 404);
    expect (f, "GET", "/fhir/Task/tdraft/_history/1", f->insider, NULL, 200);
    expect (f, "GET", "/fhir/Task/tdraft/_history/2", f->desk, NULL, 200);
    g_assert_cmpuint (entries_with_id (instance, "tdraft"), ==, 1);
    g_assert_cmpuint (entries_with_id (type, "tdraft"), ==, 1);
    g_assert_cmpuint (entries_with_id (system, "tdraft"), ==, 1);
    g_assert_null (strstr (system->body, "Brouillon"));
    g_assert_cmpuint (entries_with_id (mine, "tdraft"), ==, 2);
  }

  /* The same for the ServiceRequest the Task is sent with. */
  expect (f, "PUT", "/fhir/ServiceRequest/sr-draft", f->insider,
          "{\"resourceType\":\"ServiceRequest\",\"id\":\"sr-draft\",\"status\":\"draft\",\"intent\":\"order\","
          "\"note\":[{\"text\":\"Brouillon : avis du médecin\"}],\"subject\":{\"reference\":\"Patient/p1\"}}", 201);
  expect (f, "PUT", "/fhir/ServiceRequest/sr-draft", f->insider,
          "{\"resourceType\":\"ServiceRequest\",\"id\":\"sr-draft\",\"status\":\"active\",\"intent\":\"order\","
          "\"subject\":{\"reference\":\"Patient/p1\"}}", 200);
  expect (f, "PUT", "/fhir/ServiceRequest/sr-still-draft", f->insider,
          "{\"resourceType\":\"ServiceRequest\",\"id\":\"sr-still-draft\",\"status\":\"draft\",\"intent\":\"order\","
          "\"subject\":{\"reference\":\"Patient/p1\"}}", 201);
  expect (f, "PUT", "/fhir/Task/tsr", f->insider,
          TASK_FOR ("tsr", "p1", "ServiceRequest/sr-draft", "Organization/org-ssiad", "pr-alice"), 201);
  expect (f, "PUT", "/fhir/Task/tsr2", f->insider,
          TASK_FOR ("tsr2", "p1", "ServiceRequest/sr-still-draft", "Organization/org-ssiad", "pr-alice"), 201);
  expect (f, "GET", "/fhir/ServiceRequest/sr-still-draft", f->desk, NULL, 404);
  {
    g_autoptr(CercleTestResponse) instance = req (f, "GET", "/fhir/ServiceRequest/sr-draft/_history", f->desk, NULL);

    g_assert_cmpuint (entries_with_id (instance, "sr-draft"), ==, 1);
    g_assert_null (strstr (instance->body, "Brouillon"));
    expect (f, "GET", "/fhir/ServiceRequest/sr-draft/_history/1", f->desk, NULL, 404);
    expect (f, "GET", "/fhir/ServiceRequest/sr-draft/_history/2", f->desk, NULL, 200);
  }

  /* A resource does not change patients... */
  expect (f, "PUT", "/fhir/Patient/p2", f->insider, "{\"resourceType\":\"Patient\",\"id\":\"p2\"}", 201);
  expect (f, "PUT", "/fhir/Communication/nm", f->insider,
          "{\"resourceType\":\"Communication\",\"id\":\"nm\",\"status\":\"preparation\",\"subject\":{\"reference\":\"Patient/p1\"},"
          "\"payload\":[{\"contentString\":\"Pour Élise Dupont\"}]}", 201);
  expect_refused (f, "PUT", "/fhir/Communication/nm", f->insider,
                  "{\"resourceType\":\"Communication\",\"id\":\"nm\",\"status\":\"preparation\",\"subject\":{\"reference\":\"Patient/p2\"},"
                  "\"payload\":[{\"contentString\":\"Pour Élise Dupont\"}]}", 409, "patient");
  /* ...and one moved before that rule keeps its first version in the
   * first patient's file. */
  g_assert_cmpint (sqlite3_open (cercle_test_server_get_db_path (f->server), &db), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 10000);
  g_assert_cmpint (sqlite3_exec (db, "UPDATE resources SET patient_id = 'p2', json = replace (json, 'Patient/p1', 'Patient/p2')"
                                     " WHERE type = 'Communication' AND id = 'nm'", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
  expect (f, "PUT", "/fhir/CareTeam/ct-p2", f->insider,
          CARE_TEAM ("ct-p2", "p2", MEMBER ("Practitioner/pr-alice") "," MEMBER ("Practitioner/pr-bob")), 200);
  expect (f, "GET", "/fhir/Communication/nm", f->outsider, NULL, 200);
  expect (f, "GET", "/fhir/Communication/nm/_history/1", f->outsider, NULL, 404);
  expect (f, "GET", "/fhir/Communication/nm/_history/1", f->insider, NULL, 200);
}

/* The Task as the desk read it, with one more note. */
static char *
task_with_note (JsonObject *task,
                const char *author,
                const char *text)
{
  g_autoptr(JsonNode) original = json_node_init_object (json_node_alloc (), task);
  g_autofree char *json = json_to_string (original, FALSE);
  /* A deep copy: json_node_copy() would share the note array. */
  g_autoptr(JsonNode) node = json_from_string (json, NULL);
  JsonObject *copy = json_node_get_object (node);
  JsonArray *notes;
  JsonObject *note = json_object_new ();

  if (!json_object_has_member (copy, "note"))
    json_object_set_array_member (copy, "note", json_array_new ());
  notes = json_object_get_array_member (copy, "note");
  if (author)
    {
      JsonObject *ref = json_object_new ();

      json_object_set_string_member (ref, "reference", author);
      json_object_set_object_member (note, "authorReference", ref);
    }
  json_object_set_string_member (note, "text", text);
  json_array_add_object_element (notes, note);
  return json_to_string (node, FALSE);
}

/* What one writes is in one's own name, always. */
static void
test_forgery (Fixture       *f,
              gconstpointer  data)
{
  expect (f, "PUT", "/fhir/CareTeam/ct-p1", f->insider,
          CARE_TEAM ("ct-p1", "p1", MEMBER ("Practitioner/pr-alice") "," MEMBER ("Practitioner/pr-bob")), 200);

  /* A draft written in one's own name is not sent in another's. */
  expect (f, "PUT", "/fhir/Communication/nd", f->insider,
          "{\"resourceType\":\"Communication\",\"id\":\"nd\",\"status\":\"preparation\",\"subject\":{\"reference\":\"Patient/p1\"},"
          "\"payload\":[{\"contentString\":\"Brouillon\"}]}", 201);
  expect_refused (f, "PUT", "/fhir/Communication/nd", f->insider,
                  "{\"resourceType\":\"Communication\",\"id\":\"nd\",\"status\":\"completed\",\"subject\":{\"reference\":\"Patient/p1\"},"
                  "\"sender\":{\"reference\":\"Practitioner/pr-bob\"},\"payload\":[{\"contentString\":\"Brouillon\"}]}",
                  403, "propre nom");
  /* Only its author edits a draft. */
  expect_refused (f, "PUT", "/fhir/Communication/nd", f->outsider,
                  "{\"resourceType\":\"Communication\",\"id\":\"nd\",\"status\":\"preparation\",\"subject\":{\"reference\":\"Patient/p1\"},"
                  "\"payload\":[{\"contentString\":\"Réécrit par un autre\"}]}", 403, "auteur");
  expect_refused (f, "PUT", "/fhir/Communication/nd", f->outsider,
                  "{\"resourceType\":\"Communication\",\"id\":\"nd\",\"status\":\"completed\",\"subject\":{\"reference\":\"Patient/p1\"},"
                  "\"sender\":{\"reference\":\"Practitioner/pr-alice\"},\"payload\":[{\"contentString\":\"Réécrit\"}]}", 403, NULL);
  {
    g_autoptr(CercleTestResponse) sent = req (f, "PUT", "/fhir/Communication/nd", f->insider,
      "{\"resourceType\":\"Communication\",\"id\":\"nd\",\"status\":\"completed\",\"subject\":{\"reference\":\"Patient/p1\"},"
      "\"payload\":[{\"contentString\":\"Brouillon\"}]}");

    g_assert_cmpuint (sent->status, ==, 200);
    g_assert_nonnull (strstr (sent->body, "\"sender\":{\"reference\":\"Practitioner/pr-alice\"}"));
  }

  /* Requesters of referrals and prescriptions. */
  expect_refused (f, "PUT", "/fhir/Task/tf", f->insider,
                  TASK_FOR ("tf", "p1", "ServiceRequest/sr1", "Organization/org-ssiad", "pr-bob"), 403, "propre nom");
  expect_refused (f, "PUT", "/fhir/ServiceRequest/srf", f->insider,
                  "{\"resourceType\":\"ServiceRequest\",\"id\":\"srf\",\"status\":\"active\",\"intent\":\"order\","
                  "\"subject\":{\"reference\":\"Patient/p1\"},\"requester\":{\"reference\":\"Practitioner/pr-bob\"}}", 403, "propre nom");
  {
    g_autoptr(CercleTestResponse) sr = req (f, "PUT", "/fhir/ServiceRequest/srf", f->insider,
      "{\"resourceType\":\"ServiceRequest\",\"id\":\"srf\",\"status\":\"active\",\"intent\":\"order\","
      "\"subject\":{\"reference\":\"Patient/p1\"}}");

    g_assert_cmpuint (sr->status, ==, 201);
    g_assert_nonnull (strstr (sr->body, "\"requester\":{\"reference\":\"Practitioner/pr-alice\"}"));
  }
  expect_refused (f, "PUT", "/fhir/ServiceRequest/srf", f->outsider,
                  "{\"resourceType\":\"ServiceRequest\",\"id\":\"srf\",\"status\":\"active\",\"intent\":\"order\","
                  "\"subject\":{\"reference\":\"Patient/p1\"},\"requester\":{\"reference\":\"Practitioner/pr-bob\"}}", 409, NULL);

  /* A note added to a referral is in its writer's name: the requester's,
   * then the desk's; nobody rewrites or drops another's. */
  {
    g_autoptr(CercleTestResponse) mine = req (f, "GET", "/fhir/Task/t1", f->insider, NULL);
    g_autofree char *asked = task_with_note (mine->json, NULL, "Merci de rappeler la fille");
    g_autoptr(CercleTestResponse) noted = req (f, "PUT", "/fhir/Task/t1", f->insider, asked);
    g_autoptr(CercleTestResponse) task = req (f, "GET", "/fhir/Task/t1", f->desk, NULL);
    g_autofree char *forged = task_with_note (task->json, "Practitioner/pr-alice", "Accord de principe");
    g_autofree char *own = task_with_note (task->json, NULL, "Dossier reçu");
    g_autoptr(CercleTestResponse) answered = NULL;
    g_autoptr(CercleTestResponse) kept = NULL;
    g_autofree char *rewritten = NULL;
    g_autoptr(JsonNode) node = NULL;
    g_autofree char *without_notes = NULL;

    g_assert_cmpuint (noted->status, ==, 200);
    g_assert_nonnull (strstr (noted->body, "\"authorReference\":{\"reference\":\"Practitioner/pr-alice\"}"));
    g_assert_cmpuint (task->status, ==, 200);
    expect_refused (f, "PUT", "/fhir/Task/t1", f->desk, forged, 403, "propre nom");
    answered = req (f, "PUT", "/fhir/Task/t1", f->desk, own);
    g_assert_cmpuint (answered->status, ==, 200);
    g_assert_nonnull (strstr (answered->body, "\"authorReference\":{\"reference\":\"Organization/org-ssiad\"}"));
    /* The same answer again changes nothing. */
    {
      g_autoptr(CercleTestResponse) again = req (f, "PUT", "/fhir/Task/t1", f->desk, own);

      g_assert_cmpuint (again->status, ==, 200);
      g_assert_cmpstr (again->etag, ==, answered->etag);
    }
    rewritten = g_strdup (answered->body);
    {
      char *p = strstr (rewritten, "Merci de rappeler");

      g_assert_nonnull (p);
      memcpy (p, "Inutile de rappe", strlen ("Inutile de rappe"));
    }
    expect_refused (f, "PUT", "/fhir/Task/t1", f->desk, rewritten, 403, "propre nom");
    json_object_remove_member (answered->json, "note");
    node = json_node_init_object (json_node_alloc (), answered->json);
    without_notes = json_to_string (node, FALSE);
    kept = req (f, "PUT", "/fhir/Task/t1", f->desk, without_notes);
    g_assert_cmpuint (kept->status, ==, 200);
    g_assert_nonnull (strstr (kept->body, "Merci de rappeler la fille"));
    g_assert_nonnull (strstr (kept->body, "Dossier reçu"));
    g_assert_null (strstr (kept->body, "Inutile"));
  }

  /* Security labels and tags are the server's. */
  expect_refused (f, "POST", "/fhir/Communication", f->insider,
                  "{\"resourceType\":\"Communication\",\"status\":\"completed\",\"subject\":{\"reference\":\"Patient/p1\"},"
                  "\"meta\":{\"security\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/v3-Confidentiality\",\"code\":\"R\"}]}}",
                  400, "meta");
  expect_refused (f, "PUT", "/fhir/Patient/p1", f->insider,
                  "{\"resourceType\":\"Patient\",\"id\":\"p1\",\"meta\":{\"tag\":[{\"code\":\"vip\"}]}}", 400, "meta");
}

/* The display of an author reference is what a reader sees: a client may
 * not write another name next to its own reference. */
static void
test_forged_display (Fixture       *f,
                     gconstpointer  data)
{
  const char *db = cercle_test_server_get_db_path (f->server);
  g_autofree char *input = g_strdup_printf ("%s\n", PASSWORD);
  g_autofree char *carol = NULL;

  g_assert_cmpint (cercle_test_server_run_cli (db, input, NULL, "user", "add", "carol", "--practitioner", "pr-carol",
                                               "--name", "Carole Vidal", NULL), ==, 0);
  carol = cercle_test_server_login (f->server, "carol", PASSWORD);
  expect (f, "PUT", "/fhir/CareTeam/ct-p1", f->insider,
          CARE_TEAM ("ct-p1", "p1", MEMBER ("Practitioner/pr-alice") "," MEMBER ("Practitioner/pr-carol")), 200);

  /* An account with a name: its name. */
  {
    g_autoptr(CercleTestResponse) note = req (f, "PUT", "/fhir/Communication/nc", carol,
      "{\"resourceType\":\"Communication\",\"id\":\"nc\",\"status\":\"completed\",\"subject\":{\"reference\":\"Patient/p1\"},"
      "\"sender\":{\"reference\":\"Practitioner/pr-carol\",\"display\":\"Dr Alice Martin\","
      "\"identifier\":{\"system\":\"urn:oid:1.2.250.1.71.4.2.1\",\"value\":\"810000000000\"}},"
      "\"payload\":[{\"contentString\":\"Passage fait\"}]}");
    g_autoptr(CercleTestResponse) read = req (f, "GET", "/fhir/Communication/nc", f->insider, NULL);

    g_assert_cmpuint (note->status, ==, 201);
    g_assert_cmpuint (read->status, ==, 200);
    g_assert_nonnull (strstr (read->body, "\"sender\":{\"reference\":\"Practitioner/pr-carol\",\"display\":\"Carole Vidal\"}"));
    g_assert_null (strstr (read->body, "Alice Martin"));
    g_assert_null (strstr (read->body, "810000000000"));
  }
  {
    g_autoptr(CercleTestResponse) sr = req (f, "PUT", "/fhir/ServiceRequest/src", carol,
      "{\"resourceType\":\"ServiceRequest\",\"id\":\"src\",\"status\":\"active\",\"intent\":\"order\","
      "\"subject\":{\"reference\":\"Patient/p1\"},"
      "\"requester\":{\"reference\":\"Practitioner/pr-carol\",\"display\":\"Dr Alice Martin\"}}");

    g_assert_cmpuint (sr->status, ==, 201);
    g_assert_nonnull (strstr (sr->body, "\"requester\":{\"reference\":\"Practitioner/pr-carol\",\"display\":\"Carole Vidal\"}"));
    g_assert_null (strstr (sr->body, "Alice Martin"));
  }
  {
    g_autoptr(GString) task = g_string_new (TASK_FOR ("tc", "p1", "ServiceRequest/src", "Organization/org-ssiad", "pr-carol"));
    g_autoptr(CercleTestResponse) written = NULL;

    g_string_replace (task, "\"Practitioner/pr-carol\"}", "\"Practitioner/pr-carol\",\"display\":\"Dr Alice Martin\"}", 1);
    written = req (f, "PUT", "/fhir/Task/tc", carol, task->str);
    g_assert_cmpuint (written->status, ==, 201);
    g_assert_nonnull (strstr (written->body, "\"requester\":{\"reference\":\"Practitioner/pr-carol\",\"display\":\"Carole Vidal\"}"));
    g_assert_null (strstr (written->body, "Alice Martin"));
  }
  /* Sent back with the stored reference and another display: the stored
   * display stays. */
  {
    g_autoptr(CercleTestResponse) sr = req (f, "PUT", "/fhir/ServiceRequest/src", carol,
      "{\"resourceType\":\"ServiceRequest\",\"id\":\"src\",\"status\":\"active\",\"intent\":\"order\","
      "\"subject\":{\"reference\":\"Patient/p1\"},\"note\":[{\"text\":\"Urgent\"}],"
      "\"requester\":{\"reference\":\"Practitioner/pr-carol\",\"display\":\"Pr Alice Martin\"}}");

    g_assert_cmpuint (sr->status, ==, 200);
    g_assert_nonnull (strstr (sr->body, "\"display\":\"Carole Vidal\""));
    g_assert_null (strstr (sr->body, "Alice Martin"));
  }

  /* An account without a name: no display at all. */
  {
    g_autoptr(CercleTestResponse) note = req (f, "POST", "/fhir/Communication", f->insider,
      "{\"resourceType\":\"Communication\",\"status\":\"completed\",\"subject\":{\"reference\":\"Patient/p1\"},"
      "\"sender\":{\"reference\":\"Practitioner/pr-alice\",\"display\":\"Carole Vidal\"},"
      "\"payload\":[{\"contentString\":\"Vu\"}]}");

    g_assert_cmpuint (note->status, ==, 201);
    g_assert_nonnull (strstr (note->body, "\"sender\":{\"reference\":\"Practitioner/pr-alice\"}"));
  }
  /* A desk's note on a Task. */
  {
    g_autoptr(CercleTestResponse) task = req (f, "GET", "/fhir/Task/t1", f->desk, NULL);
    g_autofree char *noted = task_with_note (task->json, "Organization/org-ssiad", "Dossier reçu");
    g_autoptr(GString) forged = g_string_new (noted);
    g_autoptr(CercleTestResponse) answered = NULL;

    g_assert_cmpuint (g_string_replace (forged, "\"Organization/org-ssiad\"},\"text\"",
                                        "\"Organization/org-ssiad\",\"display\":\"Dr Alice Martin\"},\"text\"", 1), ==, 1);
    answered = req (f, "PUT", "/fhir/Task/t1", f->desk, forged->str);
    g_assert_cmpuint (answered->status, ==, 200);
    g_assert_nonnull (strstr (answered->body, "Dossier reçu"));
    g_assert_null (strstr (answered->body, "Alice Martin"));
  }
}

/* A role's structure is an administrator's to set: an account writing its
 * own role may not name a structure it does not belong to. */
static void
test_forged_affiliation (Fixture       *f,
                         gconstpointer  data)
{
  expect_refused (f, "PUT", "/fhir/PractitionerRole/role-bob", f->outsider,
                  "{\"resourceType\":\"PractitionerRole\",\"id\":\"role-bob\",\"practitioner\":{\"reference\":\"Practitioner/pr-bob\"},"
                  "\"organization\":{\"reference\":\"Organization/org-ssiad\"}}", 403, "administrateur");
  expect (f, "PUT", "/fhir/PractitionerRole/role-bob", f->outsider, ROLE ("role-bob", "pr-bob"), 201);
  expect_refused (f, "PUT", "/fhir/PractitionerRole/role-bob", f->outsider,
                  "{\"resourceType\":\"PractitionerRole\",\"id\":\"role-bob\",\"practitioner\":{\"reference\":\"Practitioner/pr-bob\"},"
                  "\"organization\":{\"reference\":\"Organization/org-ssiad\"}}", 403, "administrateur");
  /* Set by an administrator: kept as stored, whether sent back or not. */
  expect (f, "PUT", "/fhir/PractitionerRole/role-bob", f->admin,
          "{\"resourceType\":\"PractitionerRole\",\"id\":\"role-bob\",\"practitioner\":{\"reference\":\"Practitioner/pr-bob\"},"
          "\"organization\":{\"reference\":\"Organization/org-had\"}}", 200);
  expect (f, "PUT", "/fhir/PractitionerRole/role-bob", f->outsider,
          "{\"resourceType\":\"PractitionerRole\",\"id\":\"role-bob\",\"active\":true,\"practitioner\":{\"reference\":\"Practitioner/pr-bob\"},"
          "\"organization\":{\"reference\":\"Organization/org-had\"}}", 200);
  expect_refused (f, "PUT", "/fhir/PractitionerRole/role-bob", f->outsider,
                  "{\"resourceType\":\"PractitionerRole\",\"id\":\"role-bob\",\"practitioner\":{\"reference\":\"Practitioner/pr-bob\"},"
                  "\"organization\":{\"reference\":\"Organization/org-ssiad\"}}", 403, "administrateur");
  {
    g_autoptr(CercleTestResponse) kept = req (f, "PUT", "/fhir/PractitionerRole/role-bob", f->outsider, ROLE ("role-bob", "pr-bob"));

    g_assert_cmpuint (kept->status, ==, 200);
    g_assert_nonnull (strstr (kept->body, "\"organization\":{\"reference\":\"Organization/org-had\"}"));
  }
}

static void
test_history_paging (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *since = NULL;
  g_autofree char *url = NULL;
  guint total = 0, pages = 0;

  {
    g_autoptr(CercleTestResponse) r = req (f, "GET", "/fhir/Communication/n1", f->insider, NULL);
    JsonObject *meta = json_object_get_object_member (r->json, "meta");

    since = g_strdup (json_object_get_string_member (meta, "lastUpdated"));
  }
  for (guint i = 0; i < 25; i++)
    {
      g_autofree char *body = g_strdup_printf ("{\"resourceType\":\"Communication\",\"id\":\"h%u\",\"status\":\"completed\","
                                               "\"subject\":{\"reference\":\"Patient/p1\"},"
                                               "\"payload\":[{\"contentString\":\"note %u\"}]}", i, i);
      g_autofree char *path = g_strdup_printf ("/fhir/Communication/h%u", i);

      expect (f, "PUT", path, f->insider, body, 201);
    }

  url = g_strdup_printf ("/fhir/_history?_since=%s&_count=10", since);
  while (url)
    {
      g_autoptr(CercleTestResponse) r = req (f, "GET", url, f->insider, NULL);
      const char *next;

      g_assert_cmpuint (r->status, ==, 200);
      g_assert_cmpstr (json_object_get_string_member (r->json, "type"), ==, "history");
      total += n_entries (r);
      pages++;
      next = next_link (r);
      g_free (url);
      url = next ? g_strdup (next + strlen (cercle_test_server_get_url (f->server))) : NULL;
      g_assert_cmpuint (pages, <, 20);
    }
  /* n1 itself, the referral's writes after it (sr1, t1–t3), the 25 notes. */
  g_assert_cmpuint (total, ==, 1 + 4 + 25);
  g_assert_cmpuint (pages, ==, 3);

  /* Type history and search paging. */
  {
    g_autoptr(CercleTestResponse) r = req (f, "GET", "/fhir/Communication?subject=Patient/p1&_count=20", f->insider, NULL);
    g_autoptr(CercleTestResponse) r2 = NULL;
    const char *next = next_link (r);

    g_assert_cmpuint (n_entries (r), ==, 20);
    g_assert_nonnull (next);
    r2 = req (f, "GET", next + strlen (cercle_test_server_get_url (f->server)), f->insider, NULL);
    g_assert_cmpuint (n_entries (r2), ==, 6);
    g_assert_null (next_link (r2));
  }
}

static void
test_transaction (Fixture       *f,
                  gconstpointer  data)
{
  const char *good =
    "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":["
    "{\"fullUrl\":\"urn:uuid:8c1b2d6e-0000-4000-8000-000000000001\",\"resource\":{\"resourceType\":\"Patient\","
    "\"name\":[{\"family\":\"Lefèvre\"}]},\"request\":{\"method\":\"POST\",\"url\":\"Patient\"}},"
    "{\"resource\":{\"resourceType\":\"Communication\",\"id\":\"tx-n1\",\"status\":\"completed\","
    "\"subject\":{\"reference\":\"urn:uuid:8c1b2d6e-0000-4000-8000-000000000001\"}},"
    "\"request\":{\"method\":\"PUT\",\"url\":\"Communication/tx-n1\"}}]}";
  /* The second entry is invalid (its patient is not in the caller's circle):
   * the first must not be kept. */
  const char *bad =
    "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":["
    "{\"resource\":{\"resourceType\":\"Communication\",\"id\":\"tx-n2\",\"status\":\"completed\","
    "\"subject\":{\"reference\":\"Patient/p1\"}},\"request\":{\"method\":\"PUT\",\"url\":\"Communication/tx-n2\"}},"
    "{\"resource\":{\"resourceType\":\"Communication\",\"id\":\"tx-n3\",\"status\":\"completed\","
    "\"subject\":{\"reference\":\"Patient/nobody\"}},\"request\":{\"method\":\"PUT\",\"url\":\"Communication/tx-n3\"}}]}";

  {
    g_autoptr(CercleTestResponse) r = req (f, "POST", "/fhir", f->insider, good);
    g_autoptr(CercleTestResponse) n = req (f, "GET", "/fhir/Communication/tx-n1", f->insider, NULL);
    const char *subject;

    g_assert_cmpuint (r->status, ==, 200);
    g_assert_cmpstr (json_object_get_string_member (r->json, "type"), ==, "transaction-response");
    g_assert_cmpuint (n->status, ==, 200);
    subject = json_object_get_string_member (json_object_get_object_member (n->json, "subject"), "reference");
    g_assert_true (g_str_has_prefix (subject, "Patient/"));
    g_assert_false (g_str_has_prefix (subject, "Patient/urn"));
  }
  {
    g_autoptr(CercleTestResponse) r = req (f, "POST", "/fhir", f->insider, bad);

    g_assert_cmpuint (r->status, ==, 403);
    expect (f, "GET", "/fhir/Communication/tx-n2", f->insider, NULL, 404);
  }
}

static void
test_bad_input (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GString) big = g_string_new ("{\"resourceType\":\"Communication\",\"id\":\"big\",\"status\":\"completed\","
                                         "\"subject\":{\"reference\":\"Patient/p1\"},\"payload\":[{\"contentString\":\"");

  while (big->len < 1100 * 1024)
    g_string_append (big, "0123456789abcdef");
  g_string_append (big, "\"}]}");

  expect (f, "PUT", "/fhir/Patient/p1", f->insider, "{\"resourceType\":\"Patient\",", 400);
  expect (f, "PUT", "/fhir/Patient/p1", f->insider, "[1,2]", 400);
  expect (f, "PUT", "/fhir/Patient/p1", f->insider, "{\"resourceType\":\"Practitioner\",\"id\":\"p1\"}", 400);
  expect (f, "PUT", "/fhir/Patient/p1", f->insider, "{\"resourceType\":\"Patient\",\"id\":\"p9\"}", 400);
  expect (f, "PUT", "/fhir/Patient/p1", f->insider, "{\"resourceType\":\"Patient\"}", 400);
  expect (f, "PUT", "/fhir/Patient/p1", f->insider, "{\"resourceType\":\"Patient\",\"id\":\"p1\",\"colour\":\"blue\"}", 400);
  expect (f, "PUT", "/fhir/Patient/p1", f->insider, "{\"resourceType\":\"Patient\",\"id\":\"p1\",\"birthDate\":42}", 400);
  expect (f, "PUT", "/fhir/Patient/p1", f->insider, "{\"resourceType\":\"Patient\",\"id\":\"p1\",\"name\":\"Dupont\"}", 400);
  expect (f, "POST", "/fhir/Communication", f->insider, "{\"resourceType\":\"Communication\",\"status\":\"completed\"}", 400);
  expect (f, "PUT", "/fhir/Patient/big", f->insider, big->str, 413);
  expect (f, "GET", "/fhir/Unicorn/1", f->insider, NULL, 404);
  expect (f, "GET", "/fhir/Patient/nope", f->insider, NULL, 404);
  expect (f, "GET", "/nothing", f->insider, NULL, 404);
  expect (f, "GET", "/fhir/Patient?colour=blue", f->insider, NULL, 400);
  expect (f, "GET", "/fhir/_history?_count=0", f->insider, NULL, 400);
  expect (f, "GET", "/fhir/Patient?birthdate=1940-13-45", f->insider, NULL, 400);
  expect (f, "GET", "/fhir/_history?_since=yesterday", f->insider, NULL, 400);
  expect (f, "DELETE", "/fhir/Patient/p1", f->insider, NULL, 405);
  {
    g_autoptr(CercleTestResponse) r = cercle_test_server_request (f->server, "PUT", "/fhir/Patient/p1", f->insider,
                                                                  "text/plain", PATIENT_P1, NULL);
    g_assert_cmpuint (r->status, ==, 415);
  }
  {
    g_autoptr(CercleTestResponse) r = req (f, "PUT", "/fhir/Patient/p1", f->insider, "{\"resourceType\":\"Patient\",");

    g_assert_cmpstr (json_object_get_string_member (r->json, "resourceType"), ==, "OperationOutcome");
  }
  /* Nothing was changed by all that. */
  {
    g_autoptr(CercleTestResponse) r = req (f, "GET", "/fhir/Patient/p1", f->insider, NULL);

    g_assert_cmpstr (r->etag, ==, "W/\"1\"");
  }
}

static void
test_tokens (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *form = soup_form_encode ("grant_type", "password", "username", "alice", "password", PASSWORD, NULL);
  g_autofree char *wrong = soup_form_encode ("grant_type", "password", "username", "alice", "password", "nope", NULL);
  g_autofree char *refresh1 = NULL;
  g_autofree char *refresh2 = NULL;
  g_autofree char *access2 = NULL;

  {
    g_autoptr(CercleTestResponse) r = cercle_test_server_request (f->server, "POST", "/auth/token", NULL,
                                                                  "application/x-www-form-urlencoded", wrong, NULL);
    g_assert_cmpuint (r->status, ==, 400);
    g_assert_cmpstr (json_object_get_string_member (r->json, "error"), ==, "invalid_grant");
  }
  {
    g_autoptr(CercleTestResponse) r = cercle_test_server_request (f->server, "POST", "/auth/token", NULL,
                                                                  "application/x-www-form-urlencoded", form, NULL);
    g_assert_cmpuint (r->status, ==, 200);
    g_assert_cmpstr (json_object_get_string_member (r->json, "fhirUser"), ==, "Practitioner/pr-alice");
    g_assert_false (json_object_has_member (r->json, "organization"));
    refresh1 = g_strdup (json_object_get_string_member (r->json, "refresh_token"));
  }
  {
    g_autoptr(CercleTestResponse) r = NULL;
    g_autofree char *desk_form = soup_form_encode ("grant_type", "password", "username", "desk", "password", PASSWORD, NULL);

    r = cercle_test_server_request (f->server, "POST", "/auth/token", NULL,
                                    "application/x-www-form-urlencoded", desk_form, NULL);
    g_assert_cmpstr (json_object_get_string_member (r->json, "organization"), ==, "Organization/org-ssiad");
  }
  /* Refresh tokens rotate; a reused one ends the whole session. */
  {
    g_autofree char *rf = soup_form_encode ("grant_type", "refresh_token", "refresh_token", refresh1, NULL);
    g_autoptr(CercleTestResponse) r = cercle_test_server_request (f->server, "POST", "/auth/token", NULL,
                                                                  "application/x-www-form-urlencoded", rf, NULL);
    g_autoptr(CercleTestResponse) again = NULL;

    g_assert_cmpuint (r->status, ==, 200);
    refresh2 = g_strdup (json_object_get_string_member (r->json, "refresh_token"));
    access2 = g_strdup (json_object_get_string_member (r->json, "access_token"));
    g_assert_cmpstr (refresh1, !=, refresh2);
    expect (f, "GET", "/fhir/Patient/p1", access2, NULL, 200);
    again = cercle_test_server_request (f->server, "POST", "/auth/token", NULL,
                                       "application/x-www-form-urlencoded", rf, NULL);
    g_assert_cmpuint (again->status, ==, 400);
    expect (f, "GET", "/fhir/Patient/p1", access2, NULL, 401);
  }
  /* Revocation, and disabling an account. */
  {
    g_autofree char *rv = soup_form_encode ("token", f->outsider, NULL);
    g_autoptr(CercleTestResponse) r = cercle_test_server_request (f->server, "POST", "/auth/revoke", NULL,
                                                                  "application/x-www-form-urlencoded", rv, NULL);

    g_assert_cmpuint (r->status, ==, 200);
    expect (f, "GET", "/fhir/metadata", f->outsider, NULL, 200);
    expect (f, "GET", "/fhir/Practitioner", f->outsider, NULL, 401);
  }
  expect (f, "GET", "/fhir/Patient/p1", f->insider, NULL, 200);
  g_assert_cmpint (cercle_test_server_run_cli (cercle_test_server_get_db_path (f->server), NULL, NULL,
                                               "user", "disable", "alice", NULL), ==, 0);
  expect (f, "GET", "/fhir/Patient/p1", f->insider, NULL, 401);
  {
    g_autoptr(CercleTestResponse) r = cercle_test_server_request (f->server, "POST", "/auth/token", NULL,
                                                                  "application/x-www-form-urlencoded", form, NULL);
    g_assert_cmpuint (r->status, ==, 400);
  }
}

static void
test_audit_tamper (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *out = NULL;
  const char *db_path = cercle_test_server_get_db_path (f->server);
  gint64 link;
  sqlite3 *db;

  expect (f, "GET", "/fhir/Patient/p1", f->insider, NULL, 200);
  expect (f, "GET", "/fhir/Communication?subject=Patient/p1", f->insider, NULL, 200);
  expect (f, "GET", "/fhir/Patient/p1", f->outsider, NULL, 404);
  cercle_test_server_stop (f->server);

  g_assert_cmpint (cercle_test_server_run_cli (db_path, NULL, &out, "audit", "verify", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "intact"));
  g_clear_pointer (&out, g_free);

  /* The refused read is in the trail, as a failure. */
  g_assert_cmpint (sqlite3_open (db_path, &db), ==, SQLITE_OK);
  {
    sqlite3_stmt *stmt;

    g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT COUNT(*) FROM audit WHERE json LIKE '%\"o\":4%'"
                                             " AND json LIKE '%\"p\":\"pr-bob\"%'", -1, &stmt, NULL), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    g_assert_cmpint (sqlite3_column_int (stmt, 0), ==, 1);
    sqlite3_finalize (stmt);
  }
  /* Append-only... */
  g_assert_cmpint (sqlite3_exec (db, "UPDATE audit SET json = replace(json, 'pr-bob', 'pr-eve') WHERE seq = 3",
                                 NULL, NULL, NULL), !=, SQLITE_OK);
  /* ...and whoever goes around it is caught, at the link (the events of
   * one commit) that holds the fifth event. */
  {
    sqlite3_stmt *stmt;

    g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT MAX(seq) FROM audit WHERE seq <= 5", -1, &stmt, NULL), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    link = sqlite3_column_int64 (stmt, 0);
    g_assert_cmpint (link, >=, 1);
    sqlite3_finalize (stmt);
  }
  {
    g_autofree char *sql = g_strdup_printf ("DROP TRIGGER audit_no_update;"
                                            "UPDATE audit SET json = replace(json, '\"o\":0', '\"o\":8')"
                                            " WHERE seq = %" G_GINT64_FORMAT, link);

    g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_changes (db), ==, 1);
  }
  sqlite3_close (db);
  g_assert_cmpint (cercle_test_server_run_cli (db_path, NULL, &out, "audit", "verify", NULL), ==, 1);
  {
    g_autofree char *bad = g_strdup_printf ("audit-%" G_GINT64_FORMAT " ", link);

    g_assert_nonnull (strstr (out, bad));
  }
}

typedef struct {
  GMainLoop *loop;
  guint      pending;
  guint      ok;
} Parallel;

static void
parallel_done (GObject      *source,
               GAsyncResult *result,
               gpointer      data)
{
  Parallel *p = data;
  g_autoptr(GBytes) bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), result, NULL);
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);

  if (bytes && soup_message_get_status (msg) == SOUP_STATUS_OK)
    p->ok++;
  if (--p->pending == 0)
    g_main_loop_quit (p->loop);
}

/* @n GETs of @path at once, on up to 16 connections; all must succeed. */
static void
parallel_reads (Fixture    *f,
                const char *path,
                guint       n)
{
  g_autoptr(SoupSession) session = soup_session_new_with_options ("max-conns", 32, "max-conns-per-host", 16, NULL);
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autofree char *url = g_strconcat (cercle_test_server_get_url (f->server), path, NULL);
  g_autofree char *auth = g_strconcat ("Bearer ", f->insider, NULL);
  Parallel p = { loop, n, 0 };

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);

      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
      soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL, parallel_done, &p);
    }
  g_main_loop_run (loop);
  g_assert_cmpuint (p.ok, ==, n);
}

static guint
trail_length (Fixture *f)
{
  g_autoptr(CercleTestResponse) trail = req (f, "GET", "/fhir/AuditEvent?entity=Patient/p1&_count=1000", f->insider, NULL);

  g_assert_cmpuint (trail->status, ==, 200);
  return n_entries (trail);
}

/* Reads answered by one commit share one link of the audit chain: each is
 * still an AuditEvent of its own, in the patient's trail and by its id,
 * and the chain verifies. */
static void
test_audit_links (Fixture       *f,
                  gconstpointer  data)
{
  const char *db_path = cercle_test_server_get_db_path (f->server);
  g_autofree char *out = NULL;
  g_autofree char *link_text = NULL;
  gint64 link = 0;
  guint before, sent = 0;
  sqlite3 *db;

  before = trail_length (f);
  g_assert_cmpint (sqlite3_open_v2 (db_path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  for (guint round = 0; round < 5 && link_text == NULL; round++)
    {
      sqlite3_stmt *stmt;

      parallel_reads (f, "/fhir/Patient/p1", 32);
      sent += 32;
      g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT seq, json FROM audit WHERE instr(json, char(10)) > 0"
                                               " ORDER BY seq DESC LIMIT 1", -1, &stmt, NULL), ==, SQLITE_OK);
      if (sqlite3_step (stmt) == SQLITE_ROW)
        {
          link = sqlite3_column_int64 (stmt, 0);
          link_text = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
        }
      sqlite3_finalize (stmt);
    }
  sqlite3_close (db);
  /* 32 reads on 16 connections: some were answered by the same commit. */
  g_assert_nonnull (link_text);

  /* Every read is one event of the trail (and the first trail search). */
  g_assert_cmpuint (trail_length (f), ==, before + 1 + sent);

  /* The second event of the link, by its id. */
  {
    g_autofree char *id = g_strdup_printf ("audit-%" G_GINT64_FORMAT, link + 1);
    g_autofree char *path = g_strconcat ("/fhir/AuditEvent/", id, NULL);
    g_autoptr(CercleTestResponse) event = req (f, "GET", path, f->insider, NULL);
    g_autofree char *line = g_strndup (strchr (link_text, '\n') + 1, strcspn (strchr (link_text, '\n') + 1, "\n"));
    g_autoptr(JsonNode) stored = json_from_string (line, NULL);

    /* The link stores what varies; the AuditEvent is written back whole. */
    g_assert_nonnull (stored);
    g_assert_cmpuint (event->status, ==, 200);
    g_assert_cmpstr (json_object_get_string_member (event->json, "id"), ==, id);
    g_assert_cmpstr (json_object_get_string_member (event->json, "recorded"), ==,
                     json_object_get_string_member (json_node_get_object (stored), "t"));
    g_assert_cmpstr (json_object_get_string_member (event->json, "action"), ==, "R");
    g_assert_nonnull (strstr (event->body, "{\"what\":{\"reference\":\"Patient/p1\"}}"));
    g_assert_nonnull (strstr (event->body, "\"reference\":\"Practitioner/pr-alice\""));
    expect (f, "GET", path, f->outsider, NULL, 404);
  }
  expect (f, "GET", "/fhir/AuditEvent/audit-999999", f->insider, NULL, 404);
  expect (f, "GET", "/fhir/AuditEvent/nimporte", f->insider, NULL, 404);

  /* Paging walks events, not links. */
  {
    g_autoptr(CercleTestResponse) page = req (f, "GET", "/fhir/AuditEvent?entity=Patient/p1&_count=7&_offset=3",
                                              f->insider, NULL);
    g_autoptr(CercleTestResponse) all = req (f, "GET", "/fhir/AuditEvent?entity=Patient/p1&_count=1000",
                                             f->insider, NULL);
    JsonArray *entries = json_object_get_array_member (page->json, "entry");
    JsonArray *every = json_object_get_array_member (all->json, "entry");

    g_assert_cmpuint (json_array_get_length (entries), ==, 7);
    g_assert_nonnull (next_link (page));
    for (guint i = 0; i < 7; i++)
      g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (entries, i), "fullUrl"), ==,
                       json_object_get_string_member (json_array_get_object_element (every, i + 3), "fullUrl"));
  }

  cercle_test_server_stop (f->server);
  g_assert_cmpint (cercle_test_server_run_cli (db_path, NULL, &out, "audit", "verify", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "intact"));
}

/* A trail written by the first versions of the server (one whole
 * AuditEvent a row) is read and verified along with the new links. */
static void
test_audit_legacy (Fixture       *f,
                   gconstpointer  data)
{
  const char *db_path = cercle_test_server_get_db_path (f->server);
  g_autofree char *db_copy = g_strdup (db_path);
  g_autofree char *out = NULL;
  g_autofree char *legacy = NULL;
  g_autofree char *legacy_id = NULL;
  gint64 seq;
  sqlite3 *db;

  expect (f, "GET", "/fhir/Patient/p1", f->insider, NULL, 200);
  cercle_test_server_stop (f->server);

  /* Chain one old-style row by hand after the head. */
  g_assert_cmpint (sqlite3_open (db_path, &db), ==, SQLITE_OK);
  {
    sqlite3_stmt *stmt;
    g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
    const char *prev, *text;
    guint events = 1;

    g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT seq, hash, json FROM audit ORDER BY seq DESC LIMIT 1", -1, &stmt, NULL),
                     ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    prev = (const char *) sqlite3_column_text (stmt, 1);
    text = (const char *) sqlite3_column_text (stmt, 2);
    for (const char *p = strchr (text, '\n'); p; p = strchr (p + 1, '\n'))
      events++;
    seq = sqlite3_column_int64 (stmt, 0) + events;
    legacy_id = g_strdup_printf ("audit-%" G_GINT64_FORMAT, seq);
    legacy = g_strdup_printf ("{\"resourceType\":\"AuditEvent\",\"id\":\"%s\",\"meta\":{\"versionId\":\"1\","
                              "\"lastUpdated\":\"2026-01-02T03:04:05.000Z\"},\"type\":{\"system\":"
                              "\"http://terminology.hl7.org/CodeSystem/audit-event-type\",\"code\":\"rest\"},"
                              "\"action\":\"R\",\"recorded\":\"2026-01-02T03:04:05.000Z\",\"outcome\":\"0\","
                              "\"agent\":[{\"who\":{\"reference\":\"Practitioner/pr-alice\",\"display\":\"alice\"},"
                              "\"requestor\":true}],\"source\":{\"observer\":{\"display\":\"cercle-server\"}},"
                              "\"entity\":[{\"what\":{\"reference\":\"Patient/p1\"}},"
                              "{\"what\":{\"reference\":\"Patient/px\"}}]}", legacy_id);
    g_checksum_update (sum, (const guchar *) prev, -1);
    g_checksum_update (sum, (const guchar *) "\n", 1);
    g_checksum_update (sum, (const guchar *) legacy, -1);
    {
      g_autofree char *sql = g_strdup_printf ("INSERT INTO audit (seq, id, recorded, json, prev_hash, hash)"
                                              " VALUES (%" G_GINT64_FORMAT ", '%s', '2026-01-02T03:04:05.000Z', '%s', '%s', '%s');"
                                              "INSERT INTO audit_patients (patient_id, seq) VALUES ('p1', %" G_GINT64_FORMAT ");",
                                              seq, legacy_id, legacy, prev, g_checksum_get_string (sum), seq);

      sqlite3_finalize (stmt);
      g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
    }
  }
  sqlite3_close (db);

  cercle_test_server_free (f->server);
  f->server = cercle_test_server_start (db_copy, NULL);
  /* New links follow the old row. */
  expect (f, "GET", "/fhir/Patient/p1", f->insider, NULL, 200);
  {
    g_autofree char *path = g_strconcat ("/fhir/AuditEvent/", legacy_id, NULL);
    g_autoptr(CercleTestResponse) old = req (f, "GET", path, f->insider, NULL);
    g_autoptr(CercleTestResponse) trail = req (f, "GET", "/fhir/AuditEvent?entity=Patient/p1&_count=1000", f->insider, NULL);
    g_autoptr(CercleTestResponse) next = NULL;
    g_autofree char *next_path = g_strdup_printf ("/fhir/AuditEvent/audit-%" G_GINT64_FORMAT, seq + 1);

    g_assert_cmpuint (old->status, ==, 200);
    g_assert_cmpstr (json_object_get_string_member (old->json, "id"), ==, legacy_id);
    g_assert_cmpstr (json_object_get_string_member (old->json, "recorded"), ==, "2026-01-02T03:04:05.000Z");
    g_assert_nonnull (strstr (trail->body, legacy_id));
    /* Served as it was, but only the part about patients alice may see. */
    g_assert_nonnull (strstr (old->body, "\"Patient/p1\""));
    g_assert_null (strstr (old->body, "Patient/px"));
    g_assert_null (strstr (trail->body, "Patient/px"));
    next = req (f, "GET", next_path, f->insider, NULL);
    g_assert_cmpuint (next->status, ==, 200);
    g_assert_cmpstr (json_object_get_string_member (next->json, "id"), ==, next_path + strlen ("/fhir/AuditEvent/"));
  }
  cercle_test_server_stop (f->server);
  g_assert_cmpint (cercle_test_server_run_cli (db_copy, NULL, &out, "audit", "verify", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "intact"));
}

typedef struct {
  GMainLoop *loop;
  guint      pending;
  GPtrArray *acknowledged;
  CercleTestServer *server;
  guint      killed_after;
  guint      answered;
} Burst;

typedef struct {
  Burst *burst;
  char  *id;
  SoupMessage *msg;
} BurstItem;

static void
burst_done (GObject      *source,
            GAsyncResult *result,
            gpointer      data)
{
  BurstItem *item = data;
  Burst *burst = item->burst;
  g_autoptr(GBytes) bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), result, NULL);

  if (bytes && soup_message_get_status (item->msg) == 201)
    g_ptr_array_add (burst->acknowledged, g_strdup (item->id));
  if (++burst->answered == burst->killed_after)
    cercle_test_server_kill (burst->server);
  g_object_unref (item->msg);
  g_free (item->id);
  g_free (item);
  if (--burst->pending == 0)
    g_main_loop_quit (burst->loop);
}

/* kill -9 in the middle of a burst of writes: every write answered 201 is
 * there after a restart. */
static void
test_crash (Fixture       *f,
            gconstpointer  data)
{
  g_autofree char *db = g_strdup (cercle_test_server_get_db_path (f->server));
  Burst burst = { 0 };
  guint n = 400;

  burst.loop = g_main_loop_new (NULL, FALSE);
  burst.acknowledged = g_ptr_array_new_with_free_func (g_free);
  burst.server = f->server;
  burst.killed_after = 150;
  for (guint i = 0; i < n; i++)
    {
      BurstItem *item = g_new0 (BurstItem, 1);
      g_autofree char *uri = NULL;
      g_autofree char *body = NULL;
      g_autofree char *auth = g_strdup_printf ("Bearer %s", f->insider);
      g_autoptr(GBytes) bytes = NULL;

      item->burst = &burst;
      item->id = g_strdup_printf ("burst-%u", i);
      uri = g_strdup_printf ("%s/fhir/Communication/%s", cercle_test_server_get_url (f->server), item->id);
      body = g_strdup_printf ("{\"resourceType\":\"Communication\",\"id\":\"%s\",\"status\":\"completed\","
                              "\"subject\":{\"reference\":\"Patient/p1\"}}", item->id);
      bytes = g_bytes_new (body, strlen (body));
      item->msg = soup_message_new ("PUT", uri);
      soup_message_headers_replace (soup_message_get_request_headers (item->msg), "Authorization", auth);
      soup_message_set_request_body_from_bytes (item->msg, "application/fhir+json", bytes);
      burst.pending++;
      soup_session_send_and_read_async (cercle_test_server_get_session (f->server), item->msg,
                                        G_PRIORITY_DEFAULT, NULL, burst_done, item);
    }
  g_main_loop_run (burst.loop);
  g_main_loop_unref (burst.loop);
  g_assert_cmpuint (burst.acknowledged->len, >=, burst.killed_after - 64);
  g_assert_cmpuint (burst.acknowledged->len, <, n);
  g_test_message ("%u of %u writes acknowledged before kill -9", burst.acknowledged->len, n);

  cercle_test_server_free (f->server);
  f->server = cercle_test_server_start (db, NULL);
  for (guint i = 0; i < burst.acknowledged->len; i++)
    {
      g_autofree char *path = g_strdup_printf ("/fhir/Communication/%s", (char *) g_ptr_array_index (burst.acknowledged, i));

      expect (f, "GET", path, f->insider, NULL, 200);
    }
  g_ptr_array_unref (burst.acknowledged);
  g_assert_cmpint (cercle_test_server_run_cli (db, NULL, NULL, "audit", "verify", NULL), ==, 0);
}

/* --- response deadlines (domain.md §6, "Sans réponse") --------------------- */


/* Reads run on worker threads (or on the main loop with --readers 0): a
 * write is visible to the read that follows its answer, every read leaves
 * exactly one audit event, and a desk's first read of its Task still
 * marks it read. */
static void
test_readers (Fixture       *f,
              gconstpointer  data)
{
  guint before, after;

  {
    g_autoptr(CercleTestResponse) trail = req (f, "GET", "/fhir/AuditEvent?entity=Patient/p1&_count=1000", f->insider, NULL);

    before = n_entries (trail);
  }
  for (guint i = 0; i < 20; i++)
    {
      g_autoptr(CercleTestResponse) created = req (f, "POST", "/fhir/Communication", f->insider, NEW_NOTE);
      g_autofree char *path = NULL;
      const char *id;

      g_assert_cmpuint (created->status, ==, 201);
      id = json_object_get_string_member (created->json, "id");
      path = g_strdup_printf ("/fhir/Communication/%s", id);
      {
        g_autoptr(CercleTestResponse) read = req (f, "GET", path, f->insider, NULL);

        g_assert_cmpuint (read->status, ==, 200);
        g_assert_cmpstr (json_object_get_string_member (read->json, "id"), ==, id);
      }
    }
  {
    g_autoptr(CercleTestResponse) trail = req (f, "GET", "/fhir/AuditEvent?entity=Patient/p1&_count=1000", f->insider, NULL);

    after = n_entries (trail);
  }
  /* The first trail search, 20 creations and 20 reads. */
  g_assert_cmpuint (after, ==, before + 1 + 40);

  expect (f, "PUT", "/fhir/Task/tr", f->insider, TASK ("tr", "org-ssiad", "requested"), 201);
  {
    g_autoptr(CercleTestResponse) opened = req (f, "GET", "/fhir/Task/tr", f->desk, NULL);

    g_assert_cmpuint (opened->status, ==, 200);
    g_assert_cmpstr (json_object_get_string_member (opened->json, "status"), ==, "received");
  }
}

static const char * const readers_off_args[] = { "--readers", "0", NULL };

static const char * const deadline_args[] = {
  "--response-delay", "3s", "--reminder-grace", "3s", "--deadline-check-seconds", "1", NULL
};
static const char * const grace_args[] = {
  "--reminder-grace", "1s", "--deadline-check-seconds", "1", NULL
};

static guint
n_notes (CercleTestResponse *r)
{
  if (!json_object_has_member (r->json, "note"))
    return 0;
  return json_array_get_length (json_object_get_array_member (r->json, "note"));
}

/* Polls a Task (as the requester, who does not mark it read) until it has
 * @notes notes or @status, for at most 15 s. */
static CercleTestResponse *
wait_task (Fixture    *f,
           const char *id,
           guint       notes,
           const char *status)
{
  g_autofree char *path = g_strdup_printf ("/fhir/Task/%s", id);
  gint64 until = g_get_monotonic_time () + 15 * G_USEC_PER_SEC;

  for (;;)
    {
      CercleTestResponse *r = req (f, "GET", path, f->insider, NULL);

      g_assert_cmpuint (r->status, ==, 200);
      if ((status == NULL && n_notes (r) >= notes) || (status && g_strcmp0 (status_of (r), status) == 0))
        return r;
      if (g_get_monotonic_time () > until)
        g_error ("Task/%s: still %s with %u notes", id, status_of (r), n_notes (r));
      cercle_test_response_free (r);
      g_usleep (G_USEC_PER_SEC / 5);
    }
}

/* The desk answers like a client: the Task it read, with a new status. */
static void
desk_answers (Fixture    *f,
              const char *token,
              const char *id,
              const char *status,
              const char *business)
{
  g_autofree char *path = g_strdup_printf ("/fhir/Task/%s", id);
  g_autoptr(CercleTestResponse) r = req (f, "GET", path, token, NULL);
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *body = NULL;
  JsonObject *coding;

  g_assert_cmpuint (r->status, ==, 200);
  g_assert_cmpstr (status_of (r), ==, "received");
  json_object_set_string_member (r->json, "status", status);
  coding = json_array_get_object_element (json_object_get_array_member (json_object_get_object_member (r->json, "businessStatus"),
                                                                        "coding"), 0);
  json_object_set_string_member (coding, "code", business);
  json_object_remove_member (coding, "display");
  node = json_node_init_object (json_node_alloc (), r->json);
  body = json_to_string (node, FALSE);
  expect (f, "PUT", path, token, body, 200);
}

static gboolean
has_system_transition (CercleTestResponse *r,
                       const char         *business)
{
  JsonArray *extensions = json_object_has_member (r->json, "extension")
    ? json_object_get_array_member (r->json, "extension") : NULL;

  for (guint i = 0; extensions && i < json_array_get_length (extensions); i++)
    {
      JsonObject *ext = json_array_get_object_element (extensions, i);
      JsonArray *parts = json_object_get_array_member (ext, "extension");
      gboolean system = FALSE, code = FALSE, time = FALSE;

      if (!g_str_has_suffix (json_object_get_string_member (ext, "url"), "/task-transition"))
        continue;
      for (guint j = 0; j < json_array_get_length (parts); j++)
        {
          JsonObject *part = json_array_get_object_element (parts, j);
          const char *url = json_object_get_string_member (part, "url");

          if (g_str_equal (url, "actor"))
            system = g_strcmp0 (json_object_get_string_member (part, "valueCode"), "system") == 0;
          else if (g_str_equal (url, "businessStatus"))
            code = g_strcmp0 (json_object_get_string_member (part, "valueCode"), business) == 0;
          else if (g_str_equal (url, "time"))
            time = json_object_get_string_member (part, "valueDateTime") != NULL;
        }
      if (system && code && time)
        return TRUE;
    }
  return FALSE;
}

/* Whether a history Bundle holds a version of Task/@id with @n notes or in
 * @status. */
static gboolean
history_has (CercleTestResponse *r,
             const char         *id,
             guint               notes,
             const char         *status)
{
  JsonArray *entries = json_object_has_member (r->json, "entry") ? json_object_get_array_member (r->json, "entry") : NULL;

  for (guint i = 0; entries && i < json_array_get_length (entries); i++)
    {
      JsonObject *res = json_object_get_object_member (json_array_get_object_element (entries, i), "resource");

      if (res == NULL || g_strcmp0 (json_object_get_string_member (res, "id"), id) != 0)
        continue;
      if (status && g_strcmp0 (json_object_get_string_member (res, "status"), status) == 0)
        return TRUE;
      if (status == NULL && json_object_has_member (res, "note") &&
          json_array_get_length (json_object_get_array_member (res, "note")) == notes)
        return TRUE;
    }
  return FALSE;
}

/* Three destinations sent at once: the SSIAD answers at once, the HAD only
 * after the reminder, the SMR never: it gets the reminder, then after the
 * grace period becomes "Sans réponse". A fourth one, with its own deadline
 * in a day, is left alone although the default delay has passed; a fifth,
 * reminded, whose deadline the requester then moves, is not cancelled. */
static void
test_deadline (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(CercleTestResponse) t1 = NULL;
  g_autoptr(CercleTestResponse) t2 = NULL;
  g_autoptr(CercleTestResponse) t3 = NULL;
  g_autoptr(CercleTestResponse) t4 = NULL;
  g_autoptr(CercleTestResponse) t5 = NULL;
  g_autoptr(CercleTestResponse) reminded = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) tomorrow = g_date_time_add_days (now, 1);
  g_autofree char *end = g_date_time_format (tomorrow, "%Y-%m-%dT%H:%M:%SZ");
  g_autofree char *t4_body = g_strdup_printf (
    "{\"resourceType\":\"Task\",\"id\":\"t4\",\"status\":\"requested\",\"intent\":\"order\","
    "\"businessStatus\":{\"coding\":[{\"code\":\"non-lue\"}]},\"restriction\":{\"period\":{\"end\":\"%s\"}},"
    "\"focus\":{\"reference\":\"ServiceRequest/sr1\"},\"for\":{\"reference\":\"Patient/p1\"},"
    "\"requester\":{\"reference\":\"Practitioner/pr-alice\"},\"owner\":{\"reference\":\"Organization/org-ehpad\"}}", end);
  g_autofree char *log = NULL;

  expect (f, "PUT", "/fhir/Task/t4", f->insider, t4_body, 201);
  desk_answers (f, f->desk, "t1", "accepted", "accord");

  /* An own deadline already passed: reminded at the next pass; the
   * requester then gives a day more, and it is not cancelled. */
  expect (f, "PUT", "/fhir/Task/t5", f->insider,
          "{\"resourceType\":\"Task\",\"id\":\"t5\",\"status\":\"requested\",\"intent\":\"order\","
          "\"businessStatus\":{\"coding\":[{\"code\":\"non-lue\"}]},\"restriction\":{\"period\":{\"end\":\"2026-01-05\"}},"
          "\"focus\":{\"reference\":\"ServiceRequest/sr1\"},\"for\":{\"reference\":\"Patient/p1\"},"
          "\"requester\":{\"reference\":\"Practitioner/pr-alice\"},\"owner\":{\"reference\":\"Organization/org-usp\"}}", 201);
  {
    g_autoptr(CercleTestResponse) sent = wait_task (f, "t5", 1, NULL);
    g_autoptr(JsonNode) node = NULL;
    g_autofree char *body = NULL;

    json_object_set_string_member (json_object_get_object_member (json_object_get_object_member (sent->json, "restriction"),
                                                                  "period"), "end", end);
    node = json_node_init_object (json_node_alloc (), sent->json);
    body = json_to_string (node, FALSE);
    expect (f, "PUT", "/fhir/Task/t5", f->insider, body, 200);
  }

  /* Past the deadline: the unanswered get a reminder, as a note. The HAD
   * first, which has the grace period to answer. */
  t2 = wait_task (f, "t2", 1, NULL);
  g_clear_pointer (&t2, cercle_test_response_free);
  /* The desk sees the reminder in its feed, and answers after it. */
  {
    g_autoptr(CercleTestResponse) feed = req (f, "GET", "/fhir/Task/_history", f->desk2, NULL);

    g_assert_cmpuint (feed->status, ==, 200);
    g_assert_true (history_has (feed, "t2", 1, NULL));
    g_assert_false (history_has (feed, "t3", 1, NULL));
  }
  desk_answers (f, f->desk2, "t2", "accepted", "liste-attente");

  reminded = wait_task (f, "t3", 1, NULL);
  g_assert_cmpstr (status_of (reminded), ==, "requested");
  g_assert_cmpstr (business_of (reminded), ==, "non-lue");
  g_assert_nonnull (strstr (json_object_get_string_member (json_array_get_object_element (
    json_object_get_array_member (reminded->json, "note"), 0), "text"), "Relance"));

  /* After the grace period, the silent one is cancelled by the system. */
  t3 = wait_task (f, "t3", 0, "cancelled");
  g_assert_cmpstr (business_of (t3), ==, "delai-depasse");
  g_assert_nonnull (strstr (json_object_get_string_member (json_object_get_object_member (t3->json, "statusReason"), "text"),
                            "Sans réponse"));
  g_assert_true (has_system_transition (t3, "delai-depasse"));
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (t3->json, "meta"), "versionId"), ==, "3");
  /* The requester sees it in the feed. */
  {
    g_autoptr(CercleTestResponse) feed = req (f, "GET", "/fhir/_history", f->insider, NULL);

    g_assert_true (history_has (feed, "t3", 0, "cancelled"));
  }
  /* The system is the agent of the audit event. */
  {
    g_autoptr(CercleTestResponse) audit = req (f, "GET", "/fhir/AuditEvent?entity=Patient/p1&_count=1000", f->insider, NULL);

    g_assert_cmpuint (audit->status, ==, 200);
    g_assert_nonnull (strstr (audit->body, "cercle-server (système)"));
    g_assert_nonnull (strstr (audit->body, "Task/t3/_history/3"));
  }

  /* Two more passes: the others stay as they are. */
  g_usleep (2 * G_USEC_PER_SEC + G_USEC_PER_SEC / 2);
  t1 = req (f, "GET", "/fhir/Task/t1", f->insider, NULL);
  g_assert_cmpstr (status_of (t1), ==, "accepted");
  g_assert_cmpuint (n_notes (t1), ==, 0);
  t2 = req (f, "GET", "/fhir/Task/t2", f->insider, NULL);
  g_assert_cmpstr (status_of (t2), ==, "accepted");
  g_assert_cmpstr (business_of (t2), ==, "liste-attente");
  t4 = req (f, "GET", "/fhir/Task/t4", f->insider, NULL);
  g_assert_cmpstr (status_of (t4), ==, "requested");
  g_assert_cmpuint (n_notes (t4), ==, 0);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (t4->json, "meta"), "versionId"), ==, "1");
  t5 = req (f, "GET", "/fhir/Task/t5", f->insider, NULL);
  g_assert_cmpstr (status_of (t5), ==, "requested");
  g_assert_cmpuint (n_notes (t5), ==, 1);

  cercle_test_server_stop (f->server);
  log = cercle_test_server_dup_log (f->server);
  g_assert_nonnull (strstr (log, "Task/t3: no answer after the reminder, cancelled"));
  g_assert_null (strstr (log, "Dupont"));
}

/* With the default delay (48 h), a Task whose own deadline has passed is
 * reminded then cancelled; one without a deadline, and one waiting for the
 * requester's complements, are not. */
static void
test_deadline_explicit (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(CercleTestResponse) t1 = NULL;
  g_autoptr(CercleTestResponse) t2 = NULL;
  g_autoptr(CercleTestResponse) t3 = NULL;

  desk_answers (f, f->desk, "t1", "received", "complement-demande");
  expect (f, "PUT", "/fhir/Task/t2", f->insider,
          "{\"resourceType\":\"Task\",\"id\":\"t2\",\"status\":\"requested\",\"intent\":\"order\","
          "\"businessStatus\":{\"coding\":[{\"code\":\"non-lue\"}]},\"restriction\":{\"period\":{\"end\":\"2026-01-05\"}},"
          "\"focus\":{\"reference\":\"ServiceRequest/sr1\"},\"for\":{\"reference\":\"Patient/p1\"},"
          "\"requester\":{\"reference\":\"Practitioner/pr-alice\"},\"owner\":{\"reference\":\"Organization/org-had\"}}", 200);
  t2 = wait_task (f, "t2", 0, "cancelled");
  g_assert_cmpstr (business_of (t2), ==, "delai-depasse");
  /* Reminded first: the version before the cancellation has the note. */
  {
    g_autoptr(CercleTestResponse) v3 = req (f, "GET", "/fhir/Task/t2/_history/3", f->insider, NULL);

    g_assert_cmpuint (v3->status, ==, 200);
    g_assert_cmpstr (status_of (v3), ==, "requested");
    g_assert_cmpuint (n_notes (v3), ==, 1);
  }
  t1 = req (f, "GET", "/fhir/Task/t1", f->insider, NULL);
  g_assert_cmpstr (business_of (t1), ==, "complement-demande");
  g_assert_cmpuint (n_notes (t1), ==, 0);
  t3 = req (f, "GET", "/fhir/Task/t3", f->insider, NULL);
  g_assert_cmpstr (status_of (t3), ==, "requested");
  g_assert_cmpuint (n_notes (t3), ==, 0);
}

static void
walk_bundle_pages (CercleTestServer *server,
                   const char       *token,
                   const char       *first,
                   GPtrArray        *resources)
{
  g_autofree char *path = g_strdup (first);
  const char *base = cercle_test_server_get_url (server);

  while (path)
    {
      g_autoptr(CercleTestResponse) r = cercle_test_server_request (server, "GET", path, token, NULL, NULL, NULL);
      JsonArray *entries;
      const char *next = NULL;
      JsonArray *links;

      g_assert_cmpuint (r->status, ==, 200);
      entries = json_object_has_member (r->json, "entry") ? json_object_get_array_member (r->json, "entry") : NULL;
      for (guint i = 0; entries && i < json_array_get_length (entries); i++)
        {
          JsonObject *res = json_object_get_object_member (json_array_get_object_element (entries, i), "resource");

          if (resources)
            g_ptr_array_add (resources, g_strdup_printf ("%s/%s", json_object_get_string_member (res, "resourceType"),
                                                         json_object_get_string_member (res, "id")));
        }
      links = json_object_get_array_member (r->json, "link");
      for (guint i = 0; i < json_array_get_length (links); i++)
        if (g_str_equal (json_object_get_string_member (json_array_get_object_element (links, i), "relation"), "next"))
          next = json_object_get_string_member (json_array_get_object_element (links, i), "url");
      g_free (path);
      path = next ? g_strdup (next + strlen (base)) : NULL;
    }
}

/* Everything the demo serves, to every demo account, is valid FHIR R4. */
static void
test_demo_schema (void)
{
  static const char * const types[] = {
    "Patient", "Practitioner", "PractitionerRole", "Organization", "Location", "HealthcareService",
    "RelatedPerson", "CareTeam", "Communication", "ServiceRequest", "Task", NULL
  };
  static const char * const logins[] = {
    "dr.martin", "ide.bernard", "sortie.melun", "ssiad.melun", "smr.coubert", "had.melun", "dr.dehors", NULL
  };
  const char *args[] = { "--demo", NULL };
  g_autofree char *db = cercle_test_db_path ("demo");
  g_autofree char *dir = g_build_filename (g_getenv ("CERCLE_TEST_TMPDIR"), "served", NULL);
  CercleTestServer *server = cercle_test_server_start (db, args);
  g_autoptr(GSubprocess) validate = NULL;
  g_autoptr(GError) error = NULL;
  guint patients_seen[G_N_ELEMENTS (logins)] = { 0 };

  cercle_test_server_set_dump_dir (server, dir);
  for (guint a = 0; logins[a]; a++)
    {
      g_autofree char *token = cercle_test_server_login (server, logins[a], "cercle-demo");
      g_autoptr(GPtrArray) resources = g_ptr_array_new_with_free_func (g_free);

      for (guint t = 0; types[t]; t++)
        {
          g_autofree char *path = g_strdup_printf ("/fhir/%s?_count=7", types[t]);

          walk_bundle_pages (server, token, path, resources);
        }
      walk_bundle_pages (server, token, "/fhir/_history?_count=25", NULL);
      for (guint i = 0; i < resources->len; i++)
        {
          const char *ref = g_ptr_array_index (resources, i);
          g_autofree char *read = g_strdup_printf ("/fhir/%s", ref);
          g_autofree char *history = g_strdup_printf ("/fhir/%s/_history", ref);
          g_autoptr(CercleTestResponse) r = cercle_test_server_request (server, "GET", read, token, NULL, NULL, NULL);

          g_assert_cmpuint (r->status, ==, 200);
          walk_bundle_pages (server, token, history, NULL);
          if (g_str_has_prefix (ref, "Patient/"))
            {
              g_autofree char *trail = g_strdup_printf ("/fhir/AuditEvent?entity=%s", ref);

              patients_seen[a]++;
              walk_bundle_pages (server, token, trail, NULL);
            }
        }
    }
  {
    g_autoptr(CercleTestResponse) r = cercle_test_server_request (server, "GET", "/fhir/metadata", NULL, NULL, NULL, NULL);
    g_autoptr(CercleTestResponse) e = cercle_test_server_request (server, "GET", "/fhir/Patient/x", NULL, NULL, NULL, NULL);
    g_assert_cmpuint (r->status, ==, 200);
    g_assert_cmpuint (e->status, ==, 401);
  }
  /* The GP sees the demo patients, the desks only those they were sent,
   * the GP in no circle none. */
  g_assert_cmpuint (patients_seen[0], >=, 3);
  g_assert_cmpuint (patients_seen[3], ==, 1);
  g_assert_cmpuint (patients_seen[6], ==, 0);
  cercle_test_server_free (server);

  /* --demo leaves a database that is not empty alone. */
  {
    g_autofree char *before = NULL;
    g_autofree char *after = NULL;
    g_autofree char *token = NULL;
    g_autoptr(CercleTestResponse) r = NULL;

    server = cercle_test_server_start (db, args);
    token = cercle_test_server_login (server, "dr.martin", "cercle-demo");
    r = cercle_test_server_request (server, "GET", "/fhir/_history?_count=1000", token, NULL, NULL, NULL);
    before = g_strdup_printf ("%u", n_entries (r));
    cercle_test_server_free (server);
    server = cercle_test_server_start (db, args);
    g_clear_pointer (&r, cercle_test_response_free);
    r = cercle_test_server_request (server, "GET", "/fhir/_history?_count=1000", token, NULL, NULL, NULL);
    after = g_strdup_printf ("%u", n_entries (r));
    g_assert_cmpstr (before, ==, after);
    cercle_test_server_free (server);
  }

  {
    g_autofree char *others = served_dir ();

    /* What the demo serves, and what the other tests were served. */
    if (!g_file_test (others, G_FILE_TEST_IS_DIR))
      g_clear_pointer (&others, g_free);
    validate = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, g_getenv ("PYTHON3"),
                                 g_getenv ("CERCLE_FHIR_VALIDATE"), dir, others, NULL);
  }
  g_assert_no_error (error);
  {
    g_autofree char *out = NULL;

    /* Its report goes to the log, not into the TAP stream. */
    g_subprocess_communicate_utf8 (validate, NULL, NULL, &out, NULL, &error);
    g_assert_no_error (error);
    g_test_message ("%s", g_strchomp (out));
    g_assert_true (g_subprocess_get_if_exited (validate));
    g_assert_cmpint (g_subprocess_get_exit_status (validate), ==, 0);
  }
}

/* The log says what happened, never a token, a password or a note's text. */
static void
test_logs (Fixture       *f,
           gconstpointer  data)
{
  g_autofree char *form = soup_form_encode ("grant_type", "password", "username", "alice", "password", PASSWORD, NULL);
  g_autofree char *log = NULL;
  g_autofree char *access = NULL;
  g_autofree char *refresh = NULL;
  g_autoptr(CercleTestResponse) r = cercle_test_server_request (f->server, "POST", "/auth/token", NULL,
                                                                "application/x-www-form-urlencoded", form, NULL);

  access = g_strdup (json_object_get_string_member (r->json, "access_token"));
  refresh = g_strdup (json_object_get_string_member (r->json, "refresh_token"));
  expect (f, "PUT", "/fhir/Communication/secret", access,
          "{\"resourceType\":\"Communication\",\"id\":\"secret\",\"status\":\"completed\","
          "\"subject\":{\"reference\":\"Patient/p1\"},\"payload\":[{\"contentString\":\"Confidentiel : escarre sacrée\"}]}", 201);
  expect (f, "GET", "/fhir/Patient?name=dupont", access, NULL, 200);
  expect (f, "GET", "/fhir/Patient/p1", "not-a-token", NULL, 401);
  cercle_test_server_stop (f->server);

  log = cercle_test_server_dup_log (f->server);
  g_assert_nonnull (strstr (log, "PUT /fhir/Communication/secret"));
  g_assert_nonnull (strstr (log, "Login of"));
  g_assert_null (strstr (log, access));
  g_assert_null (strstr (log, refresh));
  g_assert_null (strstr (log, f->insider));
  g_assert_null (strstr (log, PASSWORD));
  g_assert_null (strstr (log, "escarre"));
  g_assert_null (strstr (log, "dupont"));
  g_assert_null (strstr (log, "not-a-token"));
}

/* directory import: the FINESS file becomes Organizations, Locations and
 * HealthcareServices that searches by type and distance find. */
static void
test_directory_import (void)
{
  g_autofree char *db = cercle_test_db_path ("directory");
  g_autofree char *file = g_build_filename (g_getenv ("CERCLE_SHARED_DATA"), "finess-json-sample",
                                            "finess-structures-echantillon-20260813.json.gz", NULL);
  g_autofree char *out = NULL;
  g_autofree char *token = NULL;
  CercleTestServer *server;

  cercle_test_server_add_user (db, "alice", PASSWORD, "pr-alice", NULL);
  g_assert_cmpint (cercle_test_server_run_cli (db, NULL, &out, "directory", "import", file, NULL), ==, 0);
  g_assert_nonnull (strstr (out, "published"));
  server = cercle_test_server_start (db, NULL);
  token = cercle_test_server_login (server, "alice", PASSWORD);
  {
    /* EHPAD (FINESS category 500) within 60 km of Bourg-en-Bresse, nearest first. */
    g_autoptr(CercleTestResponse) r = cercle_test_server_request (server, "GET",
                                                                  "/fhir/Organization?type=500&near=46.205%7C5.225%7C60%7Ckm",
                                                                  token, NULL, NULL, NULL);
    g_autoptr(CercleTestResponse) all = cercle_test_server_request (server, "GET", "/fhir/Organization?type=500&_count=200",
                                                                    token, NULL, NULL, NULL);
    g_autoptr(CercleTestResponse) hs = cercle_test_server_request (server, "GET",
                                                                   "/fhir/HealthcareService?type=500&near=46.205%7C5.225%7C60%7Ckm",
                                                                   token, NULL, NULL, NULL);

    g_assert_cmpuint (r->status, ==, 200);
    g_assert_cmpuint (n_entries (r), >=, 1);
    g_assert_cmpuint (n_entries (r), <, n_entries (all));
    g_assert_cmpuint (n_entries (hs), ==, n_entries (r));
  }
  {
    g_autoptr(CercleTestResponse) r = cercle_test_server_request (server, "GET",
                                                                  "/fhir/Organization?identifier=https://finess.esante.gouv.fr%7C010000495",
                                                                  token, NULL, NULL, NULL);
    g_assert_cmpuint (n_entries (r), ==, 1);
  }
  cercle_test_server_free (server);
  /* A second import of the same file changes nothing. */
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (cercle_test_server_run_cli (db, NULL, &out, "directory", "import", file, NULL), ==, 0);
  g_assert_nonnull (strstr (out, "(0 resources written)"));
}

static void
test_listen_rules (void)
{
  g_autofree char *db = cercle_test_db_path ("listen");
  g_autofree char *out = NULL;

  /* Plain HTTP off the loopback is refused. */
  g_assert_cmpint (cercle_test_server_run_cli (db, NULL, &out, "--listen", "0.0.0.0:0", NULL), ==, 2);
  g_assert_cmpint (cercle_test_server_run_cli (db, NULL, &out, "--listen", "[::]:0", NULL), ==, 2);
  /* A response delay is hours, or a number with a unit. */
  g_assert_cmpint (cercle_test_server_run_cli (db, NULL, &out, "--listen", "127.0.0.1:0",
                                               "--response-delay", "2 jours", NULL), ==, 2);
  g_assert_cmpint (cercle_test_server_run_cli (db, NULL, &out, "--listen", "127.0.0.1:0",
                                               "--reminder-grace", "-3h", NULL), ==, 2);
}

/* Dozens of clients connecting at once (a care network's Cercles after a
 * network cut) are all taken by the kernel while the server is busy: none
 * has its SYN dropped and waits a second to try again. */
static void
test_listen_backlog (void)
{
  g_autofree char *db = cercle_test_db_path ("backlog");
  CercleTestServer *server = cercle_test_server_start (db, NULL);
  const char *url = cercle_test_server_get_url (server);
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GPtrArray) sockets = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree char *request = NULL;
  gint64 deadline;
  guint n = 64, connected = 0;

  g_assert_true (g_str_has_prefix (url, "http://127.0.0.1:"));
  address = g_inet_socket_address_new_from_string ("127.0.0.1", atoi (url + strlen ("http://127.0.0.1:")));
  request = g_strdup_printf ("GET /fhir/metadata HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n",
                             url + strlen ("http://"));

  /* Held still, the server accepts nothing: only the kernel's queue does. */
  cercle_test_server_send_signal (server, SIGSTOP);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GError) error = NULL;
      GSocket *socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);

      g_assert_no_error (error);
      g_socket_set_blocking (socket, FALSE);
      if (!g_socket_connect (socket, address, NULL, &error))
        g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PENDING);
      g_ptr_array_add (sockets, socket);
    }
  /* On loopback a handshake takes microseconds; a dropped SYN is sent
   * again only after a second. */
  deadline = g_get_monotonic_time () + 500 * G_TIME_SPAN_MILLISECOND;
  for (guint i = 0; i < n; i++)
    {
      GSocket *socket = g_ptr_array_index (sockets, i);
      gint64 left = MAX (deadline - g_get_monotonic_time (), 0);

      if (g_socket_condition_timed_wait (socket, G_IO_OUT, left, NULL, NULL) &&
          g_socket_check_connect_result (socket, NULL))
        connected++;
    }
  g_assert_cmpuint (connected, ==, n);

  /* Once it runs again, every one of them is answered. */
  for (guint i = 0; i < n; i++)
    g_assert_cmpint (g_socket_send (g_ptr_array_index (sockets, i), request, strlen (request), NULL, NULL), ==,
                     strlen (request));
  cercle_test_server_send_signal (server, SIGCONT);
  for (guint i = 0; i < n; i++)
    {
      GSocket *socket = g_ptr_array_index (sockets, i);
      char head[16] = { 0 };

      g_socket_set_blocking (socket, TRUE);
      g_socket_set_timeout (socket, 10);
      g_assert_cmpint (g_socket_receive (socket, head, sizeof head - 1, NULL, NULL), >, 12);
      g_assert_true (g_str_has_prefix (head, "HTTP/1.1 200"));
    }
  cercle_test_server_free (server);
}

/* With a certificate, the API is served over TLS. */
static void
test_tls (void)
{
  g_autofree char *cert = NULL;
  g_autofree char *key = NULL;
  g_autofree char *db = cercle_test_db_path ("tls");
  CercleTestServer *server;

  if (!cercle_test_make_certificate ("tls", &cert, &key))
    {
      g_test_skip ("openssl is needed to make a certificate");
      return;
    }
  {
    const char *args[] = { "--tls-cert", cert, "--tls-key", key, NULL };

    server = cercle_test_server_start (db, args);
  }
  g_assert_true (g_str_has_prefix (cercle_test_server_get_url (server), "https://"));
  {
    g_autoptr(CercleTestResponse) r = cercle_test_server_request (server, "GET", "/fhir/metadata", NULL, NULL, NULL, NULL);

    g_assert_cmpuint (r->status, ==, 200);
    g_assert_cmpstr (json_object_get_string_member (r->json, "resourceType"), ==, "CapabilityStatement");
  }
  cercle_test_server_free (server);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/server/access/matrix", Fixture, NULL, fixture_setup, test_access_matrix, fixture_teardown);
  g_test_add ("/server/referral/state-machine", Fixture, NULL, fixture_setup, test_referral, fixture_teardown);
  g_test_add ("/server/referral/deadline", Fixture, deadline_args, fixture_setup, test_deadline, fixture_teardown);
  g_test_add ("/server/referral/deadline-explicit", Fixture, grace_args, fixture_setup, test_deadline_explicit,
              fixture_teardown);
  g_test_add ("/server/readers/workers", Fixture, NULL, fixture_setup, test_readers, fixture_teardown);
  g_test_add ("/server/readers/main-loop", Fixture, readers_off_args, fixture_setup, test_readers, fixture_teardown);
  g_test_add ("/server/access/matrix-main-loop", Fixture, readers_off_args, fixture_setup, test_access_matrix,
              fixture_teardown);
  g_test_add ("/server/access/careteam-ids", Fixture, NULL, fixture_setup, test_careteam_ids, fixture_teardown);
  g_test_add ("/server/access/directory-writes", Fixture, NULL, fixture_setup, test_directory_writes, fixture_teardown);
  g_test_add ("/server/access/references", Fixture, NULL, fixture_setup, test_references, fixture_teardown);
  g_test_add ("/server/access/version-access", Fixture, NULL, fixture_setup, test_version_access, fixture_teardown);
  g_test_add ("/server/audit/foreign-patients", Fixture, NULL, fixture_setup, test_audit_foreign_patients,
              fixture_teardown);
  g_test_add ("/server/forgery/authors", Fixture, NULL, fixture_setup, test_forgery, fixture_teardown);
  g_test_add ("/server/forgery/author-display", Fixture, NULL, fixture_setup, test_forged_display, fixture_teardown);
  g_test_add ("/server/forgery/affiliation", Fixture, NULL, fixture_setup, test_forged_affiliation, fixture_teardown);
  g_test_add ("/server/access/medical-volet", Fixture, NULL, fixture_setup, test_medical_volet, fixture_teardown);
  g_test_add ("/server/access/medical-volet-contained", Fixture, NULL, fixture_setup, test_medical_volet_contained,
              fixture_teardown);
  g_test_add ("/server/forgery/profession", Fixture, NULL, fixture_setup, test_forged_profession, fixture_teardown);
  g_test_add ("/server/versions/put-if-match", Fixture, NULL, fixture_setup, test_versions, fixture_teardown);
  g_test_add ("/server/history/since-paging", Fixture, NULL, fixture_setup, test_history_paging, fixture_teardown);
  g_test_add ("/server/transaction/rollback", Fixture, NULL, fixture_setup, test_transaction, fixture_teardown);
  g_test_add ("/server/input/bad", Fixture, NULL, fixture_setup, test_bad_input, fixture_teardown);
  g_test_add ("/server/auth/tokens", Fixture, NULL, fixture_setup, test_tokens, fixture_teardown);
  g_test_add ("/server/audit/tamper", Fixture, NULL, fixture_setup, test_audit_tamper, fixture_teardown);
  g_test_add ("/server/audit/links", Fixture, NULL, fixture_setup, test_audit_links, fixture_teardown);
  g_test_add ("/server/audit/legacy-rows", Fixture, NULL, fixture_setup, test_audit_legacy, fixture_teardown);
  g_test_add ("/server/durability/kill-9", Fixture, NULL, fixture_setup, test_crash, fixture_teardown);
  g_test_add ("/server/logs/no-secrets", Fixture, NULL, fixture_setup, test_logs, fixture_teardown);
  g_test_add_func ("/server/directory/import", test_directory_import);
  g_test_add_func ("/server/listen/plain-http-loopback-only", test_listen_rules);
  g_test_add_func ("/server/listen/tls", test_tls);
  g_test_add_func ("/server/listen/backlog", test_listen_backlog);
  g_test_add_func ("/server/demo/schema-valid", test_demo_schema);
  return g_test_run ();
}
