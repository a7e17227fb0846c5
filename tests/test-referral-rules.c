/* test-referral-rules.c — the referral state machine of domain.md §6, exhaustively
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>
#include <string.h>

#include "cercle-i18n.h"
#include "cercle-referral-rules.h"

typedef struct {
  const char *status;
  const char *business;
} Pair;

/* The 13 statuses of domain.md §6. */
static const Pair pairs[] = {
  { "draft", NULL },
  { "requested", "non-lue" },
  { "received", "lue" },
  { "received", "complement-demande" },
  { "accepted", "accord" },
  { "accepted", "liste-attente" },
  { "rejected", NULL },
  { "in-progress", "transfert-organise" },
  { "completed", NULL },
  { "failed", NULL },
  { "cancelled", NULL },
  { "cancelled", "annulation-auto" },
  { "cancelled", "delai-depasse" },
};

#define REQ CERCLE_REFERRAL_ACTOR_REQUESTER
#define DST CERCLE_REFERRAL_ACTOR_DESTINATION
#define SYS CERCLE_REFERRAL_ACTOR_SYSTEM
#define NONE -1

typedef struct {
  int from;
  int to;
  int actor;
  gboolean reason;
} Expected;

/* Written from the rules in the brief, independently of the table in the
 * library: (from index, to index, actor, reason required). */
static const Expected expected[] = {
  { 0, 1, REQ, FALSE },            /* draft → Envoyée */
  { 0, 10, REQ, TRUE },            /* draft → Annulée */
  { 1, 2, SYS, FALSE },            /* first open → Lue */
  { 1, 3, DST, FALSE },
  { 1, 4, DST, FALSE },
  { 1, 5, DST, FALSE },
  { 1, 6, DST, TRUE },
  { 1, 10, REQ, TRUE },
  { 1, 11, SYS, FALSE },
  { 1, 12, SYS, FALSE },
  { 2, 3, DST, FALSE },            /* Lue → Compléments demandés */
  { 2, 4, DST, FALSE },            /* Lue → Acceptée */
  { 2, 5, DST, FALSE },            /* Lue → Liste d'attente */
  { 2, 6, DST, TRUE },             /* Lue → Refusée */
  { 2, 10, REQ, TRUE },
  { 2, 11, SYS, FALSE },
  { 2, 12, SYS, FALSE },           /* Lue → Sans réponse */
  { 3, 1, REQ, FALSE },            /* complements sent → Envoyée again */
  { 3, 4, DST, FALSE },
  { 3, 5, DST, FALSE },
  { 3, 6, DST, TRUE },
  { 3, 10, REQ, TRUE },
  { 3, 11, SYS, FALSE },
  { 4, 7, REQ, FALSE },            /* Acceptée → Admission confirmée */
  { 4, 9, DST, TRUE },             /* Acceptée → Désistement */
  { 4, 10, REQ, TRUE },
  { 4, 11, SYS, FALSE },
  { 5, 4, DST, FALSE },            /* Liste d'attente → Acceptée */
  { 5, 9, DST, TRUE },
  { 5, 10, REQ, TRUE },
  { 5, 11, SYS, FALSE },
  { 7, 8, DST, FALSE },            /* Admission confirmée → Patient admis */
  { 7, 9, DST, TRUE },
  { 7, 10, REQ, TRUE },
};

static const Expected *
find_expected (int from, int to)
{
  for (gsize i = 0; i < G_N_ELEMENTS (expected); i++)
    if (expected[i].from == from && expected[i].to == to)
      return &expected[i];
  return NULL;
}

static void
test_every_pair (void)
{
  guint allowed = 0, refused = 0;

  for (int from = 0; from < (int) G_N_ELEMENTS (pairs); from++)
    for (int to = 0; to < (int) G_N_ELEMENTS (pairs); to++)
      for (int actor = REQ; actor <= SYS; actor++)
        for (int with_reason = 0; with_reason < 2; with_reason++)
          {
            const Expected *e = find_expected (from, to);
            g_autoptr(GError) error = NULL;
            gboolean ok;

            ok = cercle_referral_check_transition (pairs[from].status, pairs[from].business,
                                                   pairs[to].status, pairs[to].business,
                                                   actor, with_reason ? "pas-de-place" : NULL, &error);
            if (e == NULL)
              {
                if (ok)
                  g_error ("%s/%s → %s/%s by %d should be refused", pairs[from].status, pairs[from].business,
                           pairs[to].status, pairs[to].business, actor);
                g_assert_error (error, CERCLE_REFERRAL_ERROR, CERCLE_REFERRAL_ERROR_INVALID_TRANSITION);
                refused++;
              }
            else if (e->actor != actor)
              {
                g_assert_false (ok);
                g_assert_error (error, CERCLE_REFERRAL_ERROR, CERCLE_REFERRAL_ERROR_FORBIDDEN_ACTOR);
                refused++;
              }
            else if (e->reason && !with_reason)
              {
                g_assert_false (ok);
                g_assert_error (error, CERCLE_REFERRAL_ERROR, CERCLE_REFERRAL_ERROR_REASON_REQUIRED);
                refused++;
              }
            else
              {
                if (!ok)
                  g_error ("%s/%s → %s/%s by %d should be allowed: %s", pairs[from].status, pairs[from].business,
                           pairs[to].status, pairs[to].business, actor, error->message);
                g_assert_no_error (error);
                allowed++;
              }
          }

  g_test_message ("%u allowed, %u refused", allowed, refused);
  /* 13 × 13 pairs × 3 actors × 2 (with or without reason) */
  g_assert_cmpuint (allowed + refused, ==, 13 * 13 * 3 * 2);
  /* each expected transition is allowed once with a reason, and once more
   * without when no reason is required */
  {
    guint n = 0;
    for (gsize i = 0; i < G_N_ELEMENTS (expected); i++)
      n += expected[i].reason ? 1 : 2;
    g_assert_cmpuint (allowed, ==, n);
  }
}

static void
test_table_matches (void)
{
  gsize n;
  const CercleReferralTransition *table = cercle_referral_transitions (&n);

  /* The library's table is exactly the expected one, no more. */
  g_assert_cmpuint (n, ==, G_N_ELEMENTS (expected));
  for (gsize i = 0; i < n; i++)
    {
      int from = -1, to = -1;
      const Expected *e;

      for (int j = 0; j < (int) G_N_ELEMENTS (pairs); j++)
        {
          if (g_str_equal (pairs[j].status, table[i].from_status)
              && g_strcmp0 (pairs[j].business, table[i].from_business) == 0)
            from = j;
          if (g_str_equal (pairs[j].status, table[i].to_status)
              && g_strcmp0 (pairs[j].business, table[i].to_business) == 0)
            to = j;
        }
      g_assert_cmpint (from, >=, 0);
      g_assert_cmpint (to, >=, 0);
      e = find_expected (from, to);
      g_assert_nonnull (e);
      g_assert_cmpint (e->actor, ==, table[i].actor);
      g_assert_cmpint (e->reason, ==, table[i].reason_required);
    }
}

static void
test_final_statuses (void)
{
  /* Nothing leaves a final status, whoever asks. */
  for (int from = 0; from < (int) G_N_ELEMENTS (pairs); from++)
    {
      gboolean final = cercle_referral_status_is_final (pairs[from].status);

      for (int actor = REQ; actor <= SYS; actor++)
        {
          g_autoptr(GPtrArray) allowed = cercle_referral_allowed_transitions (pairs[from].status,
                                                                             pairs[from].business, actor);
          if (final)
            g_assert_cmpuint (allowed->len, ==, 0);
        }
      g_assert_cmpint (final, ==, from == 6 || from >= 8);
    }
}

static void
test_allowed_lists (void)
{
  g_autoptr(GPtrArray) dest = cercle_referral_allowed_transitions ("received", "lue", DST);
  g_autoptr(GPtrArray) req = cercle_referral_allowed_transitions ("received", "lue", REQ);
  g_autoptr(GPtrArray) sys = cercle_referral_allowed_transitions ("requested", "non-lue", SYS);
  g_autoptr(GPtrArray) unknown = cercle_referral_allowed_transitions ("received", "nope", DST);
  const CercleReferralTransition *t;

  /* What the admission desk sees on a read referral: ask, accept, wait, refuse */
  g_assert_cmpuint (dest->len, ==, 4);
  t = g_ptr_array_index (dest, 3);
  g_assert_cmpstr (t->to_status, ==, "rejected");
  g_assert_true (t->reason_required);
  /* The requester can only cancel it */
  g_assert_cmpuint (req->len, ==, 1);
  t = g_ptr_array_index (req, 0);
  g_assert_cmpstr (t->to_status, ==, "cancelled");
  g_assert_null (t->to_business);
  /* The system: mark read, cancel automatically, close without answer */
  g_assert_cmpuint (sys->len, ==, 3);
  g_assert_cmpuint (unknown->len, ==, 0);
}

static void
test_errors (void)
{
  struct {
    const char *fs, *fb, *ts, *tb;
    int actor;
    const char *reason;
    int code;
  } cases[] = {
    { "received", "lue", "accepted", "ok", DST, NULL, CERCLE_REFERRAL_ERROR_UNKNOWN_STATUS },
    { "recieved", "lue", "accepted", "accord", DST, NULL, CERCLE_REFERRAL_ERROR_UNKNOWN_STATUS },
    { NULL, NULL, "accepted", "accord", DST, NULL, CERCLE_REFERRAL_ERROR_UNKNOWN_STATUS },
    { "received", NULL, "accepted", "accord", DST, NULL, CERCLE_REFERRAL_ERROR_UNKNOWN_STATUS },
    { "rejected", "refus", "draft", NULL, REQ, NULL, CERCLE_REFERRAL_ERROR_UNKNOWN_STATUS },
    { "received", "lue", "rejected", NULL, DST, "pas-envie", CERCLE_REFERRAL_ERROR_UNKNOWN_REASON },
    { "received", "lue", "rejected", NULL, DST, "", CERCLE_REFERRAL_ERROR_REASON_REQUIRED },
    { "received", "lue", "received", "lue", DST, NULL, CERCLE_REFERRAL_ERROR_INVALID_TRANSITION },
    { "accepted", "accord", "in-progress", "transfert-organise", DST, NULL, CERCLE_REFERRAL_ERROR_FORBIDDEN_ACTOR },
    { "requested", "non-lue", "received", "lue", DST, NULL, CERCLE_REFERRAL_ERROR_FORBIDDEN_ACTOR },
    { "accepted", "accord", "rejected", NULL, DST, "autre", CERCLE_REFERRAL_ERROR_INVALID_TRANSITION },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_false (cercle_referral_check_transition (cases[i].fs, cases[i].fb, cases[i].ts, cases[i].tb,
                                                        cases[i].actor, cases[i].reason, &error));
      g_assert_error (error, CERCLE_REFERRAL_ERROR, cases[i].code);
    }

  /* "" means no business status, like NULL */
  {
    g_autoptr(GError) error = NULL;
    g_assert_true (cercle_referral_check_transition ("draft", "", "requested", "non-lue", REQ, "", &error));
    g_assert_no_error (error);
  }
}

static void
test_confirmation (void)
{
  g_autoptr(GError) error = NULL;
  const char *others_ok[] = { "requested", "accepted", "rejected", "cancelled", NULL };
  const char *others_taken[] = { "requested", "in-progress", NULL };
  const char *others_done[] = { "completed", NULL };

  g_assert_true (cercle_referral_transition_cancels_others ("in-progress", "transfert-organise"));
  g_assert_false (cercle_referral_transition_cancels_others ("accepted", "accord"));
  g_assert_true (cercle_referral_check_confirmation (others_ok, &error));
  g_assert_no_error (error);
  g_assert_true (cercle_referral_check_confirmation (NULL, &error));
  g_assert_false (cercle_referral_check_confirmation (others_taken, &error));
  g_assert_error (error, CERCLE_REFERRAL_ERROR, CERCLE_REFERRAL_ERROR_INVALID_TRANSITION);
  g_clear_error (&error);
  g_assert_false (cercle_referral_check_confirmation (others_done, &error));
  g_assert_error (error, CERCLE_REFERRAL_ERROR, CERCLE_REFERRAL_ERROR_INVALID_TRANSITION);
}

static void
test_labels (void)
{
  gsize n;
  const CercleReferralReason *reasons = cercle_referral_reasons (&n);
  const char *codes[] = { "pas-de-place", "hors-zone", "profil-non-adapte", "patient-decede", "choix-patient",
                          "autre" };

  g_assert_cmpuint (n, ==, G_N_ELEMENTS (codes));
  for (gsize i = 0; i < n; i++)
    {
      g_assert_cmpstr (reasons[i].code, ==, codes[i]);
      g_assert_true (cercle_referral_is_reason (codes[i]));
      g_assert_nonnull (cercle_referral_reason_label (codes[i]));
    }
  g_assert_false (cercle_referral_is_reason ("pas-envie"));
  g_assert_false (cercle_referral_is_reason (NULL));

  for (gsize i = 0; i < G_N_ELEMENTS (pairs); i++)
    g_assert_nonnull (cercle_referral_status_label (pairs[i].status, pairs[i].business));
  g_assert_null (cercle_referral_status_label ("received", NULL));
  g_assert_cmpstr (cercle_referral_status_label ("cancelled", "delai-depasse"), ==, "No answer");
}

static void
test_french (void)
{
  g_autoptr(GError) error = NULL;
  struct { const char *s, *b, *fr; } labels[] = {
    { "draft", NULL, "Brouillon" },
    { "requested", "non-lue", "Envoyée" },
    { "received", "lue", "Lue" },
    { "received", "complement-demande", "Compléments demandés" },
    { "accepted", "accord", "Acceptée" },
    { "accepted", "liste-attente", "Liste d’attente" },
    { "rejected", NULL, "Refusée" },
    { "in-progress", "transfert-organise", "Admission confirmée" },
    { "completed", NULL, "Patient admis" },
    { "failed", NULL, "Désistement" },
    { "cancelled", NULL, "Annulée" },
    { "cancelled", "annulation-auto", "Annulée automatiquement" },
    { "cancelled", "delai-depasse", "Sans réponse" },
  };

  if (setlocale (LC_ALL, "fr_FR.UTF-8") == NULL)
    {
      g_test_skip ("fr_FR.UTF-8 is not generated");
      return;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (labels); i++)
    g_assert_cmpstr (cercle_referral_status_label (labels[i].s, labels[i].b), ==, labels[i].fr);
  g_assert_cmpstr (cercle_referral_reason_label ("hors-zone"), ==, "Hors zone d’intervention");
  g_assert_false (cercle_referral_check_transition ("accepted", "accord", "in-progress", "transfert-organise",
                                                    DST, NULL, &error));
  g_assert_cmpstr (error->message, ==,
                   "Seul le demandeur peut faire passer une demande de « Acceptée » à « Admission confirmée »");
  setlocale (LC_ALL, "C.UTF-8");
}

int
main (int argc, char *argv[])
{
  g_autofree char *localedir = NULL;

  g_test_init (&argc, &argv, NULL);

  localedir = g_build_filename (g_getenv ("CERCLE_BUILD_DIR"), "po", NULL);
  bindtextdomain (GETTEXT_PACKAGE, localedir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");

  g_test_add_func ("/referral-rules/every-pair", test_every_pair);
  g_test_add_func ("/referral-rules/table", test_table_matches);
  g_test_add_func ("/referral-rules/final", test_final_statuses);
  g_test_add_func ("/referral-rules/allowed", test_allowed_lists);
  g_test_add_func ("/referral-rules/errors", test_errors);
  g_test_add_func ("/referral-rules/confirmation", test_confirmation);
  g_test_add_func ("/referral-rules/labels", test_labels);
  g_test_add_func ("/referral-rules/french", test_french);

  return g_test_run ();
}
