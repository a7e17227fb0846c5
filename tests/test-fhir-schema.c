/* test-fhir-schema.c — every resource libcercle emits passes the HL7 FHIR R4 JSON Schema
 *
 * Writes the resources to files and validates them all in one run of
 * tests/fhir-validate.py (python3 + jsonschema Draft6Validator against
 * $CERCLE_SHARED_DATA/fhir-r4/fhir.schema.json).
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>
#include <string.h>

#include "cercle-care-team-member.h"
#include "cercle-demo.h"
#include "cercle-destination.h"
#include "cercle-fhir.h"
#include "cercle-fhir-directory.h"
#include "cercle-i18n.h"
#include "cercle-note.h"
#include "cercle-professional.h"
#include "cercle-referral.h"
#include "cercle-referral-rules.h"

static void
take (GPtrArray  *list,
      JsonObject *resource)
{
  g_autoptr(GError) error = NULL;

  /* What we emit, we also accept. */
  g_assert_true (cercle_fhir_check_resource (resource, NULL, &error));
  g_assert_no_error (error);
  g_ptr_array_add (list, resource);
}

/* One Task per status of domain.md §6, reached through the state machine. */
static void
add_every_task_status (GPtrArray *list)
{
  static const struct {
    const char *status, *business;
    int actor;
    const char *reason;
  } paths[][5] = {
    { { NULL } },
    { { "requested", "non-lue", CERCLE_REFERRAL_ACTOR_REQUESTER, NULL }, { NULL } },
    { { "requested", "non-lue", 0, NULL }, { "received", "lue", 2, NULL }, { NULL } },
    { { "requested", "non-lue", 0, NULL }, { "received", "complement-demande", 1, NULL }, { NULL } },
    { { "requested", "non-lue", 0, NULL }, { "accepted", "accord", 1, NULL }, { NULL } },
    { { "requested", "non-lue", 0, NULL }, { "accepted", "liste-attente", 1, NULL }, { NULL } },
    { { "requested", "non-lue", 0, NULL }, { "rejected", NULL, 1, "hors-zone" }, { NULL } },
    { { "requested", "non-lue", 0, NULL }, { "accepted", "accord", 1, NULL },
      { "in-progress", "transfert-organise", 0, NULL }, { NULL } },
    { { "requested", "non-lue", 0, NULL }, { "accepted", "accord", 1, NULL },
      { "in-progress", "transfert-organise", 0, NULL }, { "completed", NULL, 1, NULL }, { NULL } },
    { { "requested", "non-lue", 0, NULL }, { "accepted", "accord", 1, NULL }, { "failed", NULL, 1, "autre" },
      { NULL } },
    { { "requested", "non-lue", 0, NULL }, { "cancelled", NULL, 0, "patient-decede" }, { NULL } },
    { { "requested", "non-lue", 0, NULL }, { "cancelled", "annulation-auto", 2, NULL }, { NULL } },
    { { "requested", "non-lue", 0, NULL }, { "received", "lue", 2, NULL }, { "cancelled", "delai-depasse", 2, NULL },
      { NULL } },
  };

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autofree char *id = g_strdup_printf ("task-%u", i);
      g_autoptr(CercleDestination) d = cercle_destination_new (id, "sr-1", "DO-1", "pat-1", "pract-1", "org-1");
      g_autoptr(GDateTime) t = g_date_time_new_from_iso8601 ("2026-11-20T10:00:00+01:00", NULL);

      for (guint j = 0; paths[i][j].status != NULL; j++)
        {
          g_autoptr(GError) error = NULL;
          g_autoptr(GDateTime) later = g_date_time_add_hours (t, j);

          if (g_str_equal (paths[i][j].status, "accepted"))
            cercle_destination_set_admission (d, j % 2 ? "2026-12-01" : NULL, j % 2 == 0);
          g_assert_true (cercle_destination_apply_transition (d, paths[i][j].status, paths[i][j].business,
                                                              paths[i][j].actor, paths[i][j].reason,
                                                              paths[i][j].reason && g_str_equal (paths[i][j].reason, "autre")
                                                              ? "Motif libre" : NULL,
                                                              later, &error));
          g_assert_no_error (error);
        }
      take (list, cercle_destination_to_fhir (d));
    }
}

static void
add_mapped (GPtrArray *list)
{
  g_autoptr(CercleProfessional) p = cercle_professional_new ("pract-1", "10999990012", "Martin", "Paul", "10");
  g_autoptr(CercleProfessional) bare = cercle_professional_new (NULL, NULL, "Sans-RPPS", NULL, NULL);
  g_autoptr(CercleProfessional) social = cercle_professional_new ("pract-2", NULL, "Lambert", "Anne",
                                                                  CERCLE_PROFESSION_SOCIAL_WORKER);
  g_autoptr(GPtrArray) members = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) no_members = g_ptr_array_new ();
  g_autoptr(CercleNote) note = cercle_note_new ("note-1", "pat-1", "pract-1", "vigilance", "Texte\navec « guillemets »");
  g_autoptr(CercleNote) correction = NULL;
  g_autoptr(CercleReferral) referral = cercle_referral_new ("sr-1", "DO-1", "pat-1", "pract-1", "EHPAD");
  g_autoptr(CercleReferral) draft = cercle_referral_new (NULL, NULL, "pat-1", NULL, NULL);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  const char *zone[] = { "77288", "2A004", NULL };
  gsize n_roles;
  const CercleCareTeamRole *roles = cercle_care_team_roles (&n_roles);

  g_object_set (p, "phone", "01 99 00 50 01", "mssante", "paul.martin@medecin.mssante.invalid", NULL);
  take (list, cercle_professional_to_fhir (p));
  take (list, cercle_professional_to_fhir (bare));
  take (list, cercle_professional_to_fhir (social));

  /* every role, with its kind of member */
  for (gsize i = 0; i < n_roles; i++)
    {
      const char *type = roles[i].member_type ? roles[i].member_type : "Practitioner";
      g_autofree char *id = g_strdup_printf ("m-%" G_GSIZE_FORMAT, i);
      CercleCareTeamMember *m = cercle_care_team_member_new (type, id, i % 2 ? NULL : "Nom", roles[i].code);

      if (i % 3 == 0)
        g_object_set (m, "start", "2026-01-01", NULL);
      if (i % 3 == 1)
        g_object_set (m, "start", "2025-01-01", "end", "2026-01-01", NULL);
      g_ptr_array_add (members, m);
    }
  take (list, cercle_care_team_to_fhir ("pat-1", members));
  take (list, cercle_care_team_to_fhir ("pat-2", no_members));

  g_object_set (note, "care-team-id", "ct-pat-1", "author-display", "Dr Paul Martin", "in-response-to-id", "note-0",
                "sent", now, NULL);
  take (list, cercle_note_to_fhir (note));
  /* French typography: no-break spaces before « : » and « ! » */
  correction = cercle_note_new_correction (note, "note-2", "pract-1", "Correction\xc2\xa0: chute\xe2\x80\xaf!");
  take (list, cercle_note_to_fhir (correction));

  g_object_set (referral, "status", "active", "authored-on", now, "reason", "Perte d’autonomie", NULL);
  cercle_referral_add_destination (referral, "org-1");
  cercle_referral_add_destination (referral, "org-2");
  cercle_referral_set_section (referral, "administratif", TRUE, "Texte");
  cercle_referral_set_section (referral, "medical", TRUE, NULL);
  cercle_referral_set_section (referral, "soins-autonomie", FALSE, "");
  cercle_referral_set_section (referral, "social", TRUE, "APA");
  take (list, cercle_referral_to_fhir (referral));
  {
    JsonObject *stripped = cercle_referral_to_fhir (referral);

    cercle_referral_fhir_strip_medical (stripped);
    take (list, stripped);
  }
  take (list, cercle_referral_to_fhir (draft));

  add_every_task_status (list);

  take (list, cercle_fhir_organization_new ("org-1", "770999209", "SSIAD", "354", "SSIAD", "1 rue", "77288", "Melun",
                                            "77000", "01 99 00 00 00"));
  take (list, cercle_fhir_organization_new (NULL, NULL, "Sans FINESS", NULL, NULL, NULL, NULL, NULL, NULL, NULL));
  take (list, cercle_fhir_location_new ("loc-1", "org-1", NULL, NULL, NULL, NULL, NULL, -21.1151, 55.5364));
  take (list, cercle_fhir_location_new ("loc-2", "org-1", "Site", "1 rue", "2A004", "Ajaccio", "20000", 41.93, 8.70));
  take (list, cercle_fhir_healthcare_service_new ("hs-1", "org-1", "loc-1", "SSIAD", "354", "SSIAD", "01 99 00 00 00",
                                                  zone));
  take (list, cercle_fhir_healthcare_service_new ("hs-2", "org-1", NULL, "SAAD", NULL, NULL, NULL, NULL));
}

static void
add_outcomes (GPtrArray *list)
{
  g_autoptr(GError) fhir = g_error_new_literal (CERCLE_FHIR_ERROR, CERCLE_FHIR_ERROR_REQUIRED, "manque");
  g_autoptr(GError) rules = g_error_new_literal (CERCLE_REFERRAL_ERROR, CERCLE_REFERRAL_ERROR_FORBIDDEN_ACTOR, "non");
  g_autoptr(GError) other = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "panne");

  take (list, cercle_fhir_operation_outcome_new ("error", "invalid", "L’élément « foo » n’existe pas"));
  take (list, cercle_fhir_operation_outcome_new ("information", "informational", NULL));
  take (list, cercle_fhir_operation_outcome_new_from_error (fhir));
  take (list, cercle_fhir_operation_outcome_new_from_error (rules));
  take (list, cercle_fhir_operation_outcome_new_from_error (other));
}

static void
add_server_resources (GPtrArray *list,
                      GPtrArray *demo)
{
  g_autoptr(GPtrArray) empty = g_ptr_array_new ();
  g_autoptr(GDateTime) t = g_date_time_new_from_iso8601 ("2026-11-23T10:00:00.123Z", NULL);
  JsonObject *first = json_object_ref (g_ptr_array_index (demo, 0));

  take (list, cercle_fhir_bundle_new ("searchset", demo, "https://cercle.invalid/fhir"));
  take (list, cercle_fhir_bundle_new ("searchset", empty, NULL));
  take (list, cercle_fhir_bundle_new ("collection", demo, NULL));
  take (list, cercle_fhir_audit_event_new ("R", "read", "pract-1", "pat-1", "Patient", "pat-1", TRUE, t));
  take (list, cercle_fhir_audit_event_new ("C", "create", "pract-1", "pat-1", "Communication", "note-1", TRUE, NULL));
  take (list, cercle_fhir_audit_event_new ("R", "search-type", NULL, NULL, NULL, NULL, FALSE, t));
  cercle_fhir_set_meta (first, "3", t);
  take (list, first);
}

static char *
write_all (GPtrArray  *list,
           const char *name)
{
  char *dir = g_build_filename (g_getenv ("CERCLE_TEST_TMPDIR") ? g_getenv ("CERCLE_TEST_TMPDIR") : g_get_tmp_dir (),
                                name, NULL);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  for (guint i = 0; i < list->len; i++)
    {
      JsonObject *r = g_ptr_array_index (list, i);
      g_autofree char *text = cercle_fhir_to_string (r);
      g_autofree char *file = g_strdup_printf ("%s/%03u-%s.json", dir, i,
                                               cercle_fhir_get_string (r, "resourceType"));
      g_autoptr(GError) error = NULL;

      g_assert_true (g_file_set_contents (file, text, -1, &error));
      g_assert_no_error (error);
    }
  return dir;
}

static int
run_validator (const char  *path,
               char       **output)
{
  g_autofree char *script = g_build_filename (g_getenv ("CERCLE_SOURCE_DIR"), "tests", "fhir-validate.py", NULL);
  const char *python = g_getenv ("PYTHON3") ? g_getenv ("PYTHON3") : "python3";
  const char *argv[] = { python, script, path, NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  int status = -1;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, output, &err,
                               &status, &error));
  g_assert_no_error (error);
  if (err != NULL && err[0] != '\0')
    g_test_message ("%s", err);
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

static void
test_everything_validates (void)
{
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  g_autoptr(GPtrArray) demo = cercle_demo_resources ();
  g_autofree char *dir = NULL;
  g_autofree char *output = NULL;
  g_autofree char *expected = NULL;
  JsonObject *bundle;
  JsonArray *entries;

  for (guint i = 0; i < demo->len; i++)
    take (list, json_object_ref (g_ptr_array_index (demo, i)));
  add_mapped (list);
  add_outcomes (list);
  add_server_resources (list, demo);

  /* and a search result of the demo, as the server would answer */
  bundle = json_object_new ();
  json_object_set_string_member (bundle, "resourceType", "Bundle");
  json_object_set_string_member (bundle, "type", "searchset");
  json_object_set_int_member (bundle, "total", demo->len);
  entries = json_array_new ();
  for (guint i = 0; i < demo->len; i++)
    {
      JsonObject *entry = json_object_new ();

      json_object_set_object_member (entry, "resource", json_object_ref (g_ptr_array_index (demo, i)));
      json_array_add_object_element (entries, entry);
    }
  json_object_set_array_member (bundle, "entry", entries);
  take (list, bundle);

  dir = write_all (list, "fhir-emitted");
  g_assert_cmpint (run_validator (dir, &output), ==, 0);
  g_test_message ("%s", output);
  expected = g_strdup_printf ("%u resources checked, 0 invalid", list->len);
  g_assert_nonnull (strstr (output, expected));
}

static void
test_validator_catches (void)
{
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  g_autoptr(GDateTime) t = g_date_time_new_from_iso8601 ("2026-11-20T10:00:00+01:00", NULL);
  g_autoptr(CercleDestination) d = cercle_destination_new ("task-x", "sr-1", NULL, "pat-1", NULL, "org-1");
  g_autofree char *dir = NULL;
  g_autofree char *output = NULL;
  JsonObject *task;

  /* The validator is not a rubber stamp: a Task with a bad status and an
   * unknown element is refused, with readable lines. */
  cercle_destination_apply_transition (d, "requested", "non-lue", CERCLE_REFERRAL_ACTOR_REQUESTER, NULL, NULL, t,
                                       NULL);
  task = cercle_destination_to_fhir (d);
  json_object_set_string_member (task, "status", "lue");
  json_object_set_string_member (task, "statut", "x");
  g_ptr_array_add (list, task);
  dir = write_all (list, "fhir-bad");
  g_assert_cmpint (run_validator (dir, &output), ==, 1);
  g_test_message ("%s", output);
  g_assert_nonnull (strstr (output, "'lue' is not one of"));
  g_assert_nonnull (strstr (output, "statut"));
}

/* Walks the members of @node depth first; at the @target-th one, applies
 * mutation @kind. Returns the number of members seen. */
static guint
mutate (JsonNode *node,
        guint     target,
        guint     kind,
        guint     seen)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *object = json_node_get_object (node);
      g_autoptr(GList) names = json_object_get_members (object);

      for (GList *l = names; l != NULL; l = l->next)
        {
          const char *name = l->data;

          if (seen == target)
            {
              switch (kind)
                {
                case 0: json_object_remove_member (object, name); break;
                case 1: json_object_set_string_member (object, name, "x y"); break;
                case 2: json_object_set_int_member (object, name, 7); break;
                case 3: json_object_set_boolean_member (object, name, TRUE); break;
                case 4: json_object_set_object_member (object, name, json_object_new ()); break;
                case 5: json_object_set_array_member (object, name, json_array_new ()); break;
                case 6: json_object_set_string_member (object, name, ""); break;
                default: json_object_set_null_member (object, name); break;
                }
              return seen + 1;
            }
          seen = mutate (json_object_get_member (object, name), target, kind, seen + 1);
          if (seen > target)
            return seen;
        }
    }
  else if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array) && seen <= target; i++)
        seen = mutate (json_array_get_element (array, i), target, kind, seen);
    }
  return seen;
}

static void
test_check_agrees_with_schema (void)
{
  g_autoptr(GPtrArray) demo = cercle_demo_resources ();
  g_autoptr(GPtrArray) accepted = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  g_autofree char *dir = NULL;
  g_autofree char *output = NULL;
  guint n_mutants = 0;

  /* Thousands of broken variants of the demo resources: a member removed, or
   * its value replaced by a string, a number, a boolean, {}, [], "" or null.
   * Whatever cercle_fhir_check_resource() lets through must pass the HL7
   * schema too — the C tables and the schema cannot drift apart. */
  for (guint r = 0; r < demo->len; r++)
    {
      g_autofree char *text = cercle_fhir_to_string (g_ptr_array_index (demo, r));

      for (guint target = 1; ; target++)
        {
          gboolean past_end = FALSE;

          /* Two mutations per member, rotating, keep the run to seconds. */
          for (guint kind = 0; kind < 8; kind++)
            {
              g_autoptr(JsonObject) copy = NULL;
              g_autoptr(JsonNode) node = NULL;
              g_autoptr(GError) error = NULL;

              if (kind != (target + r) % 8 && kind != (target + r + 3) % 8)
                continue;
              copy = cercle_fhir_parse (text, -1, NULL);
              node = json_node_init_object (json_node_alloc (), copy);

              if (mutate (node, target, kind, 0) <= target)
                {
                  past_end = TRUE;
                  break;
                }
              n_mutants++;
              if (cercle_fhir_check_resource (copy, NULL, &error))
                g_ptr_array_add (accepted, json_object_ref (copy));
            }
          if (past_end)
            break;
        }
    }

  g_test_message ("%u mutants, %u accepted by cercle_fhir_check_resource()", n_mutants, accepted->len);
  g_assert_cmpuint (n_mutants, >, 2500);
  g_assert_cmpuint (accepted->len, >, 100);
  g_assert_cmpuint (accepted->len, <, n_mutants / 2);
  dir = write_all (accepted, "fhir-mutants");
  if (run_validator (dir, &output) != 0)
    g_error ("check_resource() accepted what the schema refuses:\n%s", output);
}

static void
test_same_in_every_language (void)
{
  g_autoptr(GPtrArray) c_resources = NULL;
  g_autoptr(GPtrArray) fr_resources = NULL;

  /* The displays of codings are data: a French and an English user write the
   * same resource. */
  c_resources = cercle_demo_resources ();
  if (setlocale (LC_ALL, "fr_FR.UTF-8") == NULL)
    {
      g_test_skip ("fr_FR.UTF-8 is not generated");
      return;
    }
  g_assert_cmpstr (cercle_referral_status_label ("draft", NULL), ==, "Brouillon");
  fr_resources = cercle_demo_resources ();
  setlocale (LC_ALL, "C.UTF-8");
  g_assert_cmpuint (c_resources->len, ==, fr_resources->len);
  for (guint i = 0; i < c_resources->len; i++)
    {
      g_autofree char *a = cercle_fhir_to_string (g_ptr_array_index (c_resources, i));
      g_autofree char *b = cercle_fhir_to_string (g_ptr_array_index (fr_resources, i));

      g_assert_cmpstr (a, ==, b);
    }
}

int
main (int argc, char *argv[])
{
  g_autofree char *localedir = NULL;

  g_test_init (&argc, &argv, NULL);

  localedir = g_build_filename (g_getenv ("CERCLE_BUILD_DIR"), "po", NULL);
  bindtextdomain (GETTEXT_PACKAGE, localedir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");

  g_test_add_func ("/fhir-schema/everything-validates", test_everything_validates);
  g_test_add_func ("/fhir-schema/validator-catches", test_validator_catches);
  g_test_add_func ("/fhir-schema/check-agrees-with-schema", test_check_agrees_with_schema);
  g_test_add_func ("/fhir-schema/same-in-every-language", test_same_in_every_language);

  return g_test_run ();
}
