/* cercle-referral-rules.c — who may move a referral destination from one status to another
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "cercle-i18n.h"
#include "cercle-referral-rules.h"

G_DEFINE_QUARK (cercle-referral-error-quark, cercle_referral_error)

#define R CERCLE_REFERRAL_ACTOR_REQUESTER
#define D CERCLE_REFERRAL_ACTOR_DESTINATION
#define S CERCLE_REFERRAL_ACTOR_SYSTEM

typedef struct {
  const char *status;
  const char *business;
  const char *label;
  const char *display;  /* the French display of the coding in FHIR: data, not UI */
} StatusRow;

/* domain.md §6, one row per (Task.status, businessStatus) pair. */
static const StatusRow statuses[] = {
  { "draft",       NULL,                 NC_("referral status", "Draft"), "Brouillon" },
  { "requested",   "non-lue",            NC_("referral status", "Sent"), "Envoyée" },
  { "received",    "lue",                NC_("referral status", "Read"), "Lue" },
  { "received",    "complement-demande", NC_("referral status", "More information requested"), "Compléments demandés" },
  { "accepted",    "accord",             NC_("referral status", "Accepted"), "Acceptée" },
  { "accepted",    "liste-attente",      NC_("referral status", "Waiting list"), "Liste d'attente" },
  { "rejected",    NULL,                 NC_("referral status", "Refused"), "Refusée" },
  { "in-progress", "transfert-organise", NC_("referral status", "Admission confirmed"), "Admission confirmée" },
  { "completed",   NULL,                 NC_("referral status", "Patient admitted"), "Patient admis" },
  { "failed",      NULL,                 NC_("referral status", "Withdrawn"), "Désistement" },
  { "cancelled",   NULL,                 NC_("referral status", "Cancelled"), "Annulée" },
  { "cancelled",   "annulation-auto",    NC_("referral status", "Cancelled automatically"), "Annulée automatiquement" },
  { "cancelled",   "delai-depasse",      NC_("referral status", "No answer"), "Sans réponse" },
};

/* Why each rule is there:
 * - only the requester sends, re-sends with the complements asked for,
 *   confirms the admission (Task in-progress) and cancels with a reason;
 * - the system marks a referral read on the destination's first open, cancels
 *   the other destinations once one admission is confirmed, and closes the
 *   ones left unanswered after the deadline and a reminder — not the ones
 *   waiting on the requester (complement-demande) nor the accepted ones;
 * - the destination answers (asks for more, accepts, waiting list, refuses
 *   with a reason), even before the referral was marked read: answering
 *   implies reading it; an accepted referral can only fail (désistement,
 *   with a reason), as FHIR Task does not go from accepted to rejected;
 * - the destination records the admission of the patient it confirmed.
 * Final statuses (rejected, completed, failed, cancelled) have no way out. */
static const CercleReferralTransition transitions[] = {
  { "draft", NULL, "requested", "non-lue", R, FALSE },
  { "draft", NULL, "cancelled", NULL, R, TRUE },

  { "requested", "non-lue", "received", "lue", S, FALSE },
  { "requested", "non-lue", "received", "complement-demande", D, FALSE },
  { "requested", "non-lue", "accepted", "accord", D, FALSE },
  { "requested", "non-lue", "accepted", "liste-attente", D, FALSE },
  { "requested", "non-lue", "rejected", NULL, D, TRUE },
  { "requested", "non-lue", "cancelled", NULL, R, TRUE },
  { "requested", "non-lue", "cancelled", "annulation-auto", S, FALSE },
  { "requested", "non-lue", "cancelled", "delai-depasse", S, FALSE },

  { "received", "lue", "received", "complement-demande", D, FALSE },
  { "received", "lue", "accepted", "accord", D, FALSE },
  { "received", "lue", "accepted", "liste-attente", D, FALSE },
  { "received", "lue", "rejected", NULL, D, TRUE },
  { "received", "lue", "cancelled", NULL, R, TRUE },
  { "received", "lue", "cancelled", "annulation-auto", S, FALSE },
  { "received", "lue", "cancelled", "delai-depasse", S, FALSE },

  { "received", "complement-demande", "requested", "non-lue", R, FALSE },
  { "received", "complement-demande", "accepted", "accord", D, FALSE },
  { "received", "complement-demande", "accepted", "liste-attente", D, FALSE },
  { "received", "complement-demande", "rejected", NULL, D, TRUE },
  { "received", "complement-demande", "cancelled", NULL, R, TRUE },
  { "received", "complement-demande", "cancelled", "annulation-auto", S, FALSE },

  { "accepted", "accord", "in-progress", "transfert-organise", R, FALSE },
  { "accepted", "accord", "failed", NULL, D, TRUE },
  { "accepted", "accord", "cancelled", NULL, R, TRUE },
  { "accepted", "accord", "cancelled", "annulation-auto", S, FALSE },

  { "accepted", "liste-attente", "accepted", "accord", D, FALSE },
  { "accepted", "liste-attente", "failed", NULL, D, TRUE },
  { "accepted", "liste-attente", "cancelled", NULL, R, TRUE },
  { "accepted", "liste-attente", "cancelled", "annulation-auto", S, FALSE },

  { "in-progress", "transfert-organise", "completed", NULL, D, FALSE },
  { "in-progress", "transfert-organise", "failed", NULL, D, TRUE },
  { "in-progress", "transfert-organise", "cancelled", NULL, R, TRUE },
};

#undef R
#undef D
#undef S

static const CercleReferralReason reasons[] = {
  { "pas-de-place",      NC_("referral reason", "No free place"), "Pas de place" },
  { "hors-zone",         NC_("referral reason", "Outside the intervention zone"), "Hors zone d'intervention" },
  { "profil-non-adapte", NC_("referral reason", "Profile not suited"), "Profil non adapté" },
  { "patient-decede",    NC_("referral reason", "Patient deceased"), "Patient décédé" },
  { "choix-patient",     NC_("referral reason", "Patient’s choice"), "Choix du patient" },
  { "autre",             NC_("referral reason", "Other"), "Autre" },
};

/* "" and NULL both mean "no business status". */
static const char *
nonempty (const char *s)
{
  return s != NULL && s[0] != '\0' ? s : NULL;
}

static const StatusRow *
find_status (const char *status,
             const char *business)
{
  if (status == NULL)
    return NULL;
  business = nonempty (business);
  for (gsize i = 0; i < G_N_ELEMENTS (statuses); i++)
    if (strcmp (statuses[i].status, status) == 0
        && g_strcmp0 (statuses[i].business, business) == 0)
      return &statuses[i];
  return NULL;
}

/**
 * cercle_referral_is_known_status:
 * @status: (nullable): a Task.status
 * @business: (nullable): a businessStatus code
 *
 * Returns: %TRUE when the pair is one of the statuses of domain.md §6
 */
gboolean
cercle_referral_is_known_status (const char *status,
                                 const char *business)
{
  return find_status (status, business) != NULL;
}

/**
 * cercle_referral_status_label:
 * @status: (nullable): a Task.status
 * @business: (nullable): a businessStatus code
 *
 * Returns: (nullable): the translated label of the pair ("Lue", "Sans
 *   réponse"…), or %NULL when the pair is unknown
 */
const char *
cercle_referral_status_label (const char *status,
                              const char *business)
{
  const StatusRow *row = find_status (status, business);

  return row != NULL ? g_dpgettext2 (GETTEXT_PACKAGE, "referral status", row->label) : NULL;
}

/**
 * cercle_referral_status_display:
 * @status: (nullable): a Task.status
 * @business: (nullable): a businessStatus code
 *
 * Returns: (nullable): the French display of the pair in FHIR codings, the
 *   same whatever the language of the user who writes the resource
 */
const char *
cercle_referral_status_display (const char *status,
                                const char *business)
{
  const StatusRow *row = find_status (status, business);

  return row != NULL ? row->display : NULL;
}

/**
 * cercle_referral_status_is_final:
 * @status: a Task.status
 *
 * Returns: %TRUE when nothing can happen any more to a destination in @status
 */
gboolean
cercle_referral_status_is_final (const char *status)
{
  static const char *const final[] = { "rejected", "completed", "failed", "cancelled", NULL };

  g_return_val_if_fail (status != NULL, FALSE);

  return g_strv_contains (final, status);
}

/**
 * cercle_referral_transition_cancels_others:
 * @to_status: the new Task.status
 * @to_business: (nullable): the new businessStatus
 *
 * Returns: %TRUE when reaching this status ("Admission confirmée") must
 *   cancel the other destinations of the dossier (annulation-auto)
 */
gboolean
cercle_referral_transition_cancels_others (const char *to_status,
                                           const char *to_business)
{
  return g_strcmp0 (to_status, "in-progress") == 0
         && g_strcmp0 (nonempty (to_business), CERCLE_REFERRAL_BUSINESS_TRANSFER) == 0;
}

/**
 * cercle_referral_check_confirmation:
 * @other_statuses: (array zero-terminated=1): the Task.status of the other
 *   destinations of the same dossier
 * @error: return location for a %CERCLE_REFERRAL_ERROR_INVALID_TRANSITION
 *
 * Only one destination per dossier can reach "Admission confirmée": checks
 * that no other one is confirmed (in-progress) or admitted (completed).
 *
 * Returns: %TRUE when an admission may be confirmed
 */
gboolean
cercle_referral_check_confirmation (const char *const  *other_statuses,
                                    GError            **error)
{
  for (gsize i = 0; other_statuses != NULL && other_statuses[i]; i++)
    if (strcmp (other_statuses[i], "in-progress") == 0
        || strcmp (other_statuses[i], "completed") == 0)
      {
        g_set_error (error, CERCLE_REFERRAL_ERROR, CERCLE_REFERRAL_ERROR_INVALID_TRANSITION,
                     _("Another structure already has the confirmed admission of this patient"));
        return FALSE;
      }
  return TRUE;
}

/**
 * cercle_referral_actor_label:
 * @actor: an actor
 *
 * Returns: the translated name of @actor, for messages
 */
const char *
cercle_referral_actor_label (CercleReferralActor actor)
{
  switch (actor)
    {
    case CERCLE_REFERRAL_ACTOR_REQUESTER:
      return C_("referral actor", "the requester");
    case CERCLE_REFERRAL_ACTOR_DESTINATION:
      return C_("referral actor", "the requested structure");
    case CERCLE_REFERRAL_ACTOR_SYSTEM:
      return C_("referral actor", "Cercle itself");
    default:
      g_return_val_if_reached (NULL);
    }
}

/**
 * cercle_referral_check_transition:
 * @from_status: the current Task.status
 * @from_business: (nullable): the current businessStatus
 * @to_status: the wanted Task.status
 * @to_business: (nullable): the wanted businessStatus
 * @actor: who asks
 * @reason_code: (nullable): a reason from cercle_referral_reasons()
 * @error: return location for a %CERCLE_REFERRAL_ERROR
 *
 * Checks one transition of a referral destination against domain.md §6:
 * %CERCLE_REFERRAL_ERROR_UNKNOWN_STATUS when either pair is not a status,
 * %CERCLE_REFERRAL_ERROR_UNKNOWN_REASON for a reason code that does not
 * exist, %CERCLE_REFERRAL_ERROR_INVALID_TRANSITION when nobody may make it,
 * %CERCLE_REFERRAL_ERROR_FORBIDDEN_ACTOR when someone else than @actor may,
 * %CERCLE_REFERRAL_ERROR_REASON_REQUIRED when a refusal, a withdrawal or a
 * cancellation comes without its reason. The rule that only one destination
 * per dossier is confirmed is cercle_referral_check_confirmation().
 *
 * Returns: %TRUE when the transition is allowed
 */
gboolean
cercle_referral_check_transition (const char           *from_status,
                                  const char           *from_business,
                                  const char           *to_status,
                                  const char           *to_business,
                                  CercleReferralActor   actor,
                                  const char           *reason_code,
                                  GError              **error)
{
  const StatusRow *from, *to;
  const CercleReferralTransition *rule = NULL;

  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  from = find_status (from_status, from_business);
  if (from == NULL)
    {
      g_set_error (error, CERCLE_REFERRAL_ERROR, CERCLE_REFERRAL_ERROR_UNKNOWN_STATUS,
                   _("“%s”/“%s” is not a status of a referral"),
                   from_status ? from_status : "", from_business ? from_business : "");
      return FALSE;
    }
  to = find_status (to_status, to_business);
  if (to == NULL)
    {
      g_set_error (error, CERCLE_REFERRAL_ERROR, CERCLE_REFERRAL_ERROR_UNKNOWN_STATUS,
                   _("“%s”/“%s” is not a status of a referral"),
                   to_status ? to_status : "", to_business ? to_business : "");
      return FALSE;
    }
  reason_code = nonempty (reason_code);
  if (reason_code != NULL && !cercle_referral_is_reason (reason_code))
    {
      g_set_error (error, CERCLE_REFERRAL_ERROR, CERCLE_REFERRAL_ERROR_UNKNOWN_REASON,
                   _("“%s” is not a reason for refusing or cancelling a referral"), reason_code);
      return FALSE;
    }

  for (gsize i = 0; i < G_N_ELEMENTS (transitions); i++)
    if (find_status (transitions[i].from_status, transitions[i].from_business) == from
        && find_status (transitions[i].to_status, transitions[i].to_business) == to)
      {
        rule = &transitions[i];
        break;
      }

  if (rule == NULL)
    {
      g_set_error (error, CERCLE_REFERRAL_ERROR, CERCLE_REFERRAL_ERROR_INVALID_TRANSITION,
                   _("A referral cannot go from “%s” to “%s”"),
                   g_dpgettext2 (GETTEXT_PACKAGE, "referral status", from->label),
                   g_dpgettext2 (GETTEXT_PACKAGE, "referral status", to->label));
      return FALSE;
    }
  if (rule->actor != actor)
    {
      const char *from_label = g_dpgettext2 (GETTEXT_PACKAGE, "referral status", from->label);
      const char *to_label = g_dpgettext2 (GETTEXT_PACKAGE, "referral status", to->label);

      /* One sentence per actor: the translations agree in gender. */
      switch (rule->actor)
        {
        case CERCLE_REFERRAL_ACTOR_REQUESTER:
          g_set_error (error, CERCLE_REFERRAL_ERROR, CERCLE_REFERRAL_ERROR_FORBIDDEN_ACTOR,
                       _("Only the requester can move a referral from “%s” to “%s”"), from_label, to_label);
          break;
        case CERCLE_REFERRAL_ACTOR_DESTINATION:
          g_set_error (error, CERCLE_REFERRAL_ERROR, CERCLE_REFERRAL_ERROR_FORBIDDEN_ACTOR,
                       _("Only the requested structure can move a referral from “%s” to “%s”"), from_label, to_label);
          break;
        case CERCLE_REFERRAL_ACTOR_SYSTEM:
        default:
          g_set_error (error, CERCLE_REFERRAL_ERROR, CERCLE_REFERRAL_ERROR_FORBIDDEN_ACTOR,
                       _("Only Cercle itself can move a referral from “%s” to “%s”"), from_label, to_label);
          break;
        }
      return FALSE;
    }
  if (rule->reason_required && reason_code == NULL)
    {
      g_set_error (error, CERCLE_REFERRAL_ERROR, CERCLE_REFERRAL_ERROR_REASON_REQUIRED,
                   _("A reason is required to move a referral to “%s”"),
                   g_dpgettext2 (GETTEXT_PACKAGE, "referral status", to->label));
      return FALSE;
    }
  return TRUE;
}

/**
 * cercle_referral_allowed_transitions:
 * @from_status: the current Task.status
 * @from_business: (nullable): the current businessStatus
 * @actor: who would act
 *
 * Returns: (transfer container) (element-type CercleReferralTransition): the
 *   transitions @actor may make from this status (static rows: do not free)
 */
GPtrArray *
cercle_referral_allowed_transitions (const char          *from_status,
                                     const char          *from_business,
                                     CercleReferralActor  actor)
{
  const StatusRow *from = find_status (from_status, from_business);
  GPtrArray *allowed = g_ptr_array_new ();

  for (gsize i = 0; from != NULL && i < G_N_ELEMENTS (transitions); i++)
    if (transitions[i].actor == actor
        && find_status (transitions[i].from_status, transitions[i].from_business) == from)
      g_ptr_array_add (allowed, (gpointer) &transitions[i]);
  return allowed;
}

/**
 * cercle_referral_transitions:
 * @n_transitions: (out): the number of rows
 *
 * Returns: (array length=n_transitions): the whole table of allowed transitions
 */
const CercleReferralTransition *
cercle_referral_transitions (gsize *n_transitions)
{
  g_return_val_if_fail (n_transitions != NULL, NULL);

  *n_transitions = G_N_ELEMENTS (transitions);
  return transitions;
}

/**
 * cercle_referral_reasons:
 * @n_reasons: (out): the number of reasons
 *
 * Returns: (array length=n_reasons): the coded reasons of a refusal, a
 *   withdrawal or a cancellation (CERCLE_FHIR_SYSTEM_REFERRAL_REASON)
 */
const CercleReferralReason *
cercle_referral_reasons (gsize *n_reasons)
{
  g_return_val_if_fail (n_reasons != NULL, NULL);

  *n_reasons = G_N_ELEMENTS (reasons);
  return reasons;
}

/**
 * cercle_referral_is_reason:
 * @code: (nullable): a reason code
 *
 * Returns: %TRUE when @code is one of cercle_referral_reasons()
 */
gboolean
cercle_referral_is_reason (const char *code)
{
  return cercle_referral_reason_label (code) != NULL;
}

/**
 * cercle_referral_reason_display:
 * @code: (nullable): a reason code
 *
 * Returns: (nullable): the French display of @code in FHIR codings
 */
const char *
cercle_referral_reason_display (const char *code)
{
  for (gsize i = 0; code != NULL && i < G_N_ELEMENTS (reasons); i++)
    if (strcmp (reasons[i].code, code) == 0)
      return reasons[i].display;
  return NULL;
}

/**
 * cercle_referral_reason_label:
 * @code: (nullable): a reason code
 *
 * Returns: (nullable): the translated label of @code, or %NULL
 */
const char *
cercle_referral_reason_label (const char *code)
{
  if (code == NULL)
    return NULL;
  for (gsize i = 0; i < G_N_ELEMENTS (reasons); i++)
    if (strcmp (reasons[i].code, code) == 0)
      return g_dpgettext2 (GETTEXT_PACKAGE, "referral reason", reasons[i].label);
  return NULL;
}
