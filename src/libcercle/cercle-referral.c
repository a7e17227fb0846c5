/* cercle-referral.c — a discharge referral dossier (FHIR ServiceRequest)
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "cercle-fhir.h"
#include "cercle-fhir-private.h"
#include "cercle-i18n.h"
#include "cercle-referral.h"

typedef struct {
  char     *code;
  gboolean  complete;
  char     *text;
} Section;

struct _CercleReferral
{
  GObject parent_instance;

  char *id;
  char *dossier_id;
  char *patient_id;
  char *requester_id;
  char *orientation_type;
  char *status;
  char *reason;
  GDateTime *authored_on;
  GPtrArray *destination_ids;  /* NULL-terminated */
  GPtrArray *sections;         /* of Section */
};

G_DEFINE_FINAL_TYPE (CercleReferral, cercle_referral, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_DOSSIER_ID,
  PROP_PATIENT_ID,
  PROP_REQUESTER_ID,
  PROP_ORIENTATION_TYPE,
  PROP_STATUS,
  PROP_REASON,
  PROP_AUTHORED_ON,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const struct {
  const char *code;
  const char *label;
  const char *display;  /* French display in FHIR codings */
} orientation_types[] = {
  { "SMR",   NC_("orientation type", "Post-acute rehabilitation (SMR)"), "Soins médicaux et de réadaptation" },
  { "HAD",   NC_("orientation type", "Hospitalisation at home (HAD)"), "Hospitalisation à domicile" },
  { "USP",   NC_("orientation type", "Palliative care unit (USP)"), "Unité de soins palliatifs" },
  { "SSIAD", NC_("orientation type", "Nursing at home (SSIAD)"), "Service de soins infirmiers à domicile" },
  { "EHPAD", NC_("orientation type", "Nursing home (EHPAD)"),
    "Établissement d'hébergement pour personnes âgées dépendantes" },
};

static const char *
orientation_display (const char *code)
{
  for (gsize i = 0; code != NULL && i < G_N_ELEMENTS (orientation_types); i++)
    if (strcmp (orientation_types[i].code, code) == 0)
      return orientation_types[i].display;
  return NULL;
}

static const struct {
  const char *code;
  const char *label;
} sections[] = {
  { "administratif",   NC_("referral section", "Administrative") },
  { "medical",         NC_("referral section", "Medical") },
  { "soins-autonomie", NC_("referral section", "Care and autonomy") },
  { "social",          NC_("referral section", "Social") },
};

/* Sections in FHIR: a complex extension per section. */
#define SECTION_CODE     "section"
#define SECTION_COMPLETE "complete"
#define SECTION_TEXT     "text"

/* ServiceRequest.status values a dossier goes through. */
static const char *const referral_statuses[] = { "draft", "active", "on-hold", "revoked", "completed", NULL };

static void
section_free (Section *section)
{
  g_free (section->code);
  g_free (section->text);
  g_free (section);
}

/**
 * cercle_referral_orientation_label:
 * @code: (nullable): SMR, HAD, USP, SSIAD or EHPAD
 *
 * Returns: (nullable): the translated label, or %NULL for an unknown code
 */
const char *
cercle_referral_orientation_label (const char *code)
{
  for (gsize i = 0; code != NULL && i < G_N_ELEMENTS (orientation_types); i++)
    if (strcmp (orientation_types[i].code, code) == 0)
      return g_dpgettext2 (GETTEXT_PACKAGE, "orientation type", orientation_types[i].label);
  return NULL;
}

/**
 * cercle_referral_is_orientation_type:
 * @code: (nullable): a candidate code
 *
 * Returns: %TRUE for SMR, HAD, USP, SSIAD and EHPAD
 */
gboolean
cercle_referral_is_orientation_type (const char *code)
{
  return cercle_referral_orientation_label (code) != NULL;
}

/**
 * cercle_referral_section_label:
 * @code: (nullable): a section code
 *
 * Returns: (nullable): the translated label of the section (volet)
 */
const char *
cercle_referral_section_label (const char *code)
{
  for (gsize i = 0; code != NULL && i < G_N_ELEMENTS (sections); i++)
    if (strcmp (sections[i].code, code) == 0)
      return g_dpgettext2 (GETTEXT_PACKAGE, "referral section", sections[i].label);
  return NULL;
}

/**
 * cercle_referral_is_section:
 * @code: (nullable): a candidate code
 *
 * Returns: %TRUE for administratif, medical, soins-autonomie and social
 */
gboolean
cercle_referral_is_section (const char *code)
{
  return cercle_referral_section_label (code) != NULL;
}

/**
 * cercle_referral_section_is_required:
 * @orientation_type: (nullable): the orientation type of the dossier
 * @section: a section code
 *
 * Every dossier needs its administrative, medical and care/autonomy
 * sections; the social one (income, housing, aid applications) is needed
 * for an EHPAD, where the stay is paid partly by the resident.
 *
 * Returns: %TRUE when @section must be complete before sending
 */
gboolean
cercle_referral_section_is_required (const char *orientation_type,
                                     const char *section)
{
  g_return_val_if_fail (section != NULL, FALSE);

  if (strcmp (section, CERCLE_REFERRAL_SECTION_SOCIAL) == 0)
    return g_strcmp0 (orientation_type, "EHPAD") == 0;
  return cercle_referral_is_section (section);
}

static void
cercle_referral_finalize (GObject *object)
{
  CercleReferral *self = (CercleReferral *) object;

  g_free (self->id);
  g_free (self->dossier_id);
  g_free (self->patient_id);
  g_free (self->requester_id);
  g_free (self->orientation_type);
  g_free (self->status);
  g_free (self->reason);
  g_clear_pointer (&self->authored_on, g_date_time_unref);
  g_ptr_array_unref (self->destination_ids);
  g_ptr_array_unref (self->sections);

  G_OBJECT_CLASS (cercle_referral_parent_class)->finalize (object);
}

static void
cercle_referral_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  CercleReferral *self = CERCLE_REFERRAL (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;
    case PROP_DOSSIER_ID:
      g_value_set_string (value, self->dossier_id);
      break;
    case PROP_PATIENT_ID:
      g_value_set_string (value, self->patient_id);
      break;
    case PROP_REQUESTER_ID:
      g_value_set_string (value, self->requester_id);
      break;
    case PROP_ORIENTATION_TYPE:
      g_value_set_string (value, self->orientation_type);
      break;
    case PROP_STATUS:
      g_value_set_string (value, self->status);
      break;
    case PROP_REASON:
      g_value_set_string (value, self->reason);
      break;
    case PROP_AUTHORED_ON:
      g_value_set_boxed (value, self->authored_on);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cercle_referral_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  CercleReferral *self = CERCLE_REFERRAL (object);

  switch (prop_id)
    {
    case PROP_ID:
      cercle_set_str (&self->id, g_value_get_string (value));
      break;
    case PROP_DOSSIER_ID:
      cercle_set_str (&self->dossier_id, g_value_get_string (value));
      break;
    case PROP_PATIENT_ID:
      cercle_set_str (&self->patient_id, g_value_get_string (value));
      break;
    case PROP_REQUESTER_ID:
      cercle_set_str (&self->requester_id, g_value_get_string (value));
      break;
    case PROP_ORIENTATION_TYPE:
      cercle_set_str (&self->orientation_type, g_value_get_string (value));
      break;
    case PROP_STATUS:
      cercle_set_str (&self->status, g_value_get_string (value));
      break;
    case PROP_REASON:
      cercle_set_str (&self->reason, g_value_get_string (value));
      break;
    case PROP_AUTHORED_ON:
      g_clear_pointer (&self->authored_on, g_date_time_unref);
      self->authored_on = g_value_dup_boxed (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cercle_referral_class_init (CercleReferralClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;

  object_class->finalize = cercle_referral_finalize;
  object_class->get_property = cercle_referral_get_property;
  object_class->set_property = cercle_referral_set_property;

  properties[PROP_ID] = g_param_spec_string ("id", NULL, NULL, NULL, rw);
  /* the business id of the dossier, ServiceRequest.requisition */
  properties[PROP_DOSSIER_ID] = g_param_spec_string ("dossier-id", NULL, NULL, NULL, rw);
  properties[PROP_PATIENT_ID] = g_param_spec_string ("patient-id", NULL, NULL, NULL, rw);
  properties[PROP_REQUESTER_ID] = g_param_spec_string ("requester-id", NULL, NULL, NULL, rw);
  properties[PROP_ORIENTATION_TYPE] = g_param_spec_string ("orientation-type", NULL, NULL, NULL, rw);
  /* ServiceRequest.status: draft until sent, then active */
  properties[PROP_STATUS] = g_param_spec_string ("status", NULL, NULL, "draft", rw);
  properties[PROP_REASON] = g_param_spec_string ("reason", NULL, NULL, NULL, rw);
  properties[PROP_AUTHORED_ON] = g_param_spec_boxed ("authored-on", NULL, NULL, G_TYPE_DATE_TIME, rw);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
cercle_referral_init (CercleReferral *self)
{
  self->status = g_strdup ("draft");
  self->destination_ids = g_ptr_array_new_null_terminated (4, g_free, TRUE);
  self->sections = g_ptr_array_new_with_free_func ((GDestroyNotify) section_free);
}

/**
 * cercle_referral_new:
 * @id: (nullable): the logical id of the ServiceRequest
 * @dossier_id: the dossier number (requisition)
 * @patient_id: the patient to orient
 * @requester_id: the Practitioner who prepares it
 * @orientation_type: SMR, HAD, USP, SSIAD or EHPAD
 *
 * Returns: (transfer full): a new draft referral, without sections
 */
CercleReferral *
cercle_referral_new (const char *id,
                     const char *dossier_id,
                     const char *patient_id,
                     const char *requester_id,
                     const char *orientation_type)
{
  return g_object_new (CERCLE_TYPE_REFERRAL,
                       "id", id,
                       "dossier-id", dossier_id,
                       "patient-id", patient_id,
                       "requester-id", requester_id,
                       "orientation-type", orientation_type,
                       NULL);
}

/**
 * cercle_referral_get_id:
 * @self: a referral
 *
 * Returns: (nullable): its #CercleReferral:id
 */
const char *
cercle_referral_get_id (CercleReferral *self)
{
  g_return_val_if_fail (CERCLE_IS_REFERRAL (self), NULL);
  return self->id;
}

/**
 * cercle_referral_get_dossier_id:
 * @self: a referral
 *
 * Returns: (nullable): its #CercleReferral:dossier-id
 */
const char *
cercle_referral_get_dossier_id (CercleReferral *self)
{
  g_return_val_if_fail (CERCLE_IS_REFERRAL (self), NULL);
  return self->dossier_id;
}

/**
 * cercle_referral_get_patient_id:
 * @self: a referral
 *
 * Returns: (nullable): its #CercleReferral:patient-id
 */
const char *
cercle_referral_get_patient_id (CercleReferral *self)
{
  g_return_val_if_fail (CERCLE_IS_REFERRAL (self), NULL);
  return self->patient_id;
}

/**
 * cercle_referral_get_requester_id:
 * @self: a referral
 *
 * Returns: (nullable): its #CercleReferral:requester-id
 */
const char *
cercle_referral_get_requester_id (CercleReferral *self)
{
  g_return_val_if_fail (CERCLE_IS_REFERRAL (self), NULL);
  return self->requester_id;
}

/**
 * cercle_referral_get_orientation_type:
 * @self: a referral
 *
 * Returns: (nullable): its #CercleReferral:orientation-type
 */
const char *
cercle_referral_get_orientation_type (CercleReferral *self)
{
  g_return_val_if_fail (CERCLE_IS_REFERRAL (self), NULL);
  return self->orientation_type;
}

/**
 * cercle_referral_get_status:
 * @self: a referral
 *
 * Returns: (nullable): its #CercleReferral:status
 */
const char *
cercle_referral_get_status (CercleReferral *self)
{
  g_return_val_if_fail (CERCLE_IS_REFERRAL (self), NULL);
  return self->status;
}

/**
 * cercle_referral_get_reason:
 * @self: a referral
 *
 * Returns: (nullable): its #CercleReferral:reason
 */
const char *
cercle_referral_get_reason (CercleReferral *self)
{
  g_return_val_if_fail (CERCLE_IS_REFERRAL (self), NULL);
  return self->reason;
}

/**
 * cercle_referral_get_authored_on:
 * @self: a referral
 *
 * Returns: (nullable): its #CercleReferral:authored-on
 */
GDateTime *
cercle_referral_get_authored_on (CercleReferral *self)
{
  g_return_val_if_fail (CERCLE_IS_REFERRAL (self), NULL);
  return self->authored_on;
}

/**
 * cercle_referral_get_destination_ids:
 * @self: a referral
 *
 * Returns: (transfer none) (array zero-terminated=1): the ids of the
 *   Organizations the dossier is sent to (ServiceRequest.performer)
 */
const char *const *
cercle_referral_get_destination_ids (CercleReferral *self)
{
  g_return_val_if_fail (CERCLE_IS_REFERRAL (self), NULL);
  return (const char *const *) self->destination_ids->pdata;
}

/**
 * cercle_referral_add_destination:
 * @self: a referral
 * @organization_id: the id of a destination Organization
 *
 * Adds a destination, once.
 */
void
cercle_referral_add_destination (CercleReferral *self,
                                 const char     *organization_id)
{
  g_return_if_fail (CERCLE_IS_REFERRAL (self));
  g_return_if_fail (organization_id != NULL);

  if (!g_strv_contains (cercle_referral_get_destination_ids (self), organization_id))
    g_ptr_array_add (self->destination_ids, g_strdup (organization_id));
}

static Section *
find_section (CercleReferral *self,
              const char     *code)
{
  for (guint i = 0; i < self->sections->len; i++)
    {
      Section *section = g_ptr_array_index (self->sections, i);

      if (strcmp (section->code, code) == 0)
        return section;
    }
  return NULL;
}

/**
 * cercle_referral_set_section:
 * @self: a referral
 * @section: a section code (CERCLE_REFERRAL_SECTION_…)
 * @complete: whether the writer marked it complete
 * @text: (nullable): its content
 *
 * Fills in a section (volet) of the dossier.
 */
void
cercle_referral_set_section (CercleReferral *self,
                             const char     *section,
                             gboolean        complete,
                             const char     *text)
{
  Section *s;

  g_return_if_fail (CERCLE_IS_REFERRAL (self));
  g_return_if_fail (cercle_referral_is_section (section));

  s = find_section (self, section);
  if (s == NULL)
    {
      s = g_new0 (Section, 1);
      s->code = g_strdup (section);
      g_ptr_array_add (self->sections, s);
    }
  s->complete = complete;
  cercle_set_str (&s->text, text);
}

/**
 * cercle_referral_get_section:
 * @self: a referral
 * @section: a section code
 * @complete: (out) (optional): whether it is complete
 * @text: (out) (optional) (transfer none) (nullable): its content
 *
 * Returns: %TRUE when the dossier has this section
 */
gboolean
cercle_referral_get_section (CercleReferral  *self,
                             const char      *section,
                             gboolean        *complete,
                             const char     **text)
{
  Section *s;

  g_return_val_if_fail (CERCLE_IS_REFERRAL (self), FALSE);
  g_return_val_if_fail (section != NULL, FALSE);

  s = find_section (self, section);
  if (complete != NULL)
    *complete = s ? s->complete : FALSE;
  if (text != NULL)
    *text = s ? s->text : NULL;
  return s != NULL;
}

/**
 * cercle_referral_is_complete:
 * @self: a referral
 * @missing: (out) (optional) (transfer full): the translated labels of what
 *   is missing, to show the person preparing the dossier
 *
 * A dossier can be sent only when it has a patient, a requester, an
 * orientation type, at least one destination and every required section
 * (cercle_referral_section_is_required()) complete.
 *
 * Returns: %TRUE when the dossier can be sent
 */
gboolean
cercle_referral_is_complete (CercleReferral *self,
                             GStrv          *missing)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  gboolean complete = TRUE;

  g_return_val_if_fail (CERCLE_IS_REFERRAL (self), FALSE);

  if (self->patient_id == NULL)
    {
      g_strv_builder_add (builder, _("the patient"));
      complete = FALSE;
    }
  if (self->requester_id == NULL)
    {
      g_strv_builder_add (builder, _("the requester"));
      complete = FALSE;
    }
  if (!cercle_referral_is_orientation_type (self->orientation_type))
    {
      g_strv_builder_add (builder, _("the type of orientation"));
      complete = FALSE;
    }
  if (self->destination_ids->len == 0)
    {
      g_strv_builder_add (builder, _("at least one requested structure"));
      complete = FALSE;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (sections); i++)
    {
      gboolean done = FALSE;

      if (!cercle_referral_section_is_required (self->orientation_type, sections[i].code))
        continue;
      cercle_referral_get_section (self, sections[i].code, &done, NULL);
      if (!done)
        {
          g_autofree char *label = g_strdup_printf (_("the %s section"),
                                                    cercle_referral_section_label (sections[i].code));

          g_strv_builder_add (builder, label);
          complete = FALSE;
        }
    }

  if (missing != NULL)
    *missing = g_strv_builder_end (builder);
  return complete;
}

static JsonObject *
sub_extension (const char *url,
               const char *value_member,
               JsonNode   *value)
{
  JsonObject *extension = json_object_new ();

  json_object_set_string_member (extension, "url", url);
  json_object_set_member (extension, value_member, value);
  return extension;
}

/**
 * cercle_referral_to_fhir:
 * @self: a referral
 *
 * Writes a FHIR R4 ServiceRequest: requisition the dossier id, intent order,
 * code the orientation type, subject the patient, requester, performers the
 * destination Organizations, the reason as text, and one referral-section
 * extension per section (code, complete, text).
 *
 * Returns: (transfer full): the ServiceRequest
 */
JsonObject *
cercle_referral_to_fhir (CercleReferral *self)
{
  JsonObject *request;
  JsonArray *array;

  g_return_val_if_fail (CERCLE_IS_REFERRAL (self), NULL);
  g_return_val_if_fail (self->patient_id != NULL, NULL);

  request = json_object_new ();
  json_object_set_string_member (request, "resourceType", "ServiceRequest");
  if (self->id)
    json_object_set_string_member (request, "id", self->id);

  if (self->sections->len > 0)
    {
      array = json_array_new ();
      for (guint i = 0; i < self->sections->len; i++)
        {
          Section *s = g_ptr_array_index (self->sections, i);
          JsonObject *extension = json_object_new ();
          JsonArray *parts = json_array_new ();

          json_object_set_string_member (extension, "url", CERCLE_FHIR_EXTENSION_REFERRAL_SECTION);
          json_array_add_object_element (parts, sub_extension (SECTION_CODE, "valueCode",
                                                               json_node_init_string (json_node_alloc (), s->code)));
          json_array_add_object_element (parts, sub_extension (SECTION_COMPLETE, "valueBoolean",
                                                               json_node_init_boolean (json_node_alloc (), s->complete)));
          if (s->text != NULL && s->text[0] != '\0')
            json_array_add_object_element (parts, sub_extension (SECTION_TEXT, "valueString",
                                                                 json_node_init_string (json_node_alloc (), s->text)));
          json_object_set_array_member (extension, "extension", parts);
          json_array_add_object_element (array, extension);
        }
      json_object_set_array_member (request, "extension", array);
    }

  if (self->dossier_id)
    json_object_set_object_member (request, "requisition",
                                   cercle_fhir_identifier_new (CERCLE_FHIR_SYSTEM_DOSSIER, self->dossier_id, "official"));
  json_object_set_string_member (request, "status", self->status ? self->status : "draft");
  json_object_set_string_member (request, "intent", "order");
  if (self->orientation_type)
    json_object_set_object_member (request, "code",
                                   cercle_fhir_codeable_concept_new (CERCLE_FHIR_SYSTEM_ORIENTATION_TYPE,
                                                                     self->orientation_type,
                                                                     orientation_display (self->orientation_type)));
  json_object_set_object_member (request, "subject", cercle_fhir_reference_new ("Patient", self->patient_id, NULL));
  if (self->authored_on)
    {
      g_autofree char *authored_on = cercle_fhir_format_date_time (self->authored_on);

      json_object_set_string_member (request, "authoredOn", authored_on);
    }
  if (self->requester_id)
    json_object_set_object_member (request, "requester",
                                   cercle_fhir_reference_new ("Practitioner", self->requester_id, NULL));
  if (self->destination_ids->len > 0)
    {
      array = json_array_new ();
      for (guint i = 0; i < self->destination_ids->len; i++)
        json_array_add_object_element (array,
                                       cercle_fhir_reference_new ("Organization",
                                                                  g_ptr_array_index (self->destination_ids, i),
                                                                  NULL));
      json_object_set_array_member (request, "performer", array);
    }
  if (self->reason)
    {
      array = json_array_new ();
      json_array_add_object_element (array, cercle_fhir_codeable_concept_new (NULL, NULL, self->reason));
      json_object_set_array_member (request, "reasonCode", array);
    }

  return request;
}

static char *
reference_id (JsonObject *reference,
              const char *expected_type)
{
  g_autofree char *type = NULL;
  g_autofree char *id = NULL;

  if (!cercle_fhir_reference_parse (reference, &type, &id) || strcmp (type, expected_type) != 0)
    return NULL;
  return g_steal_pointer (&id);
}

static gboolean
read_section (CercleReferral  *self,
              JsonObject      *extension,
              GError         **error)
{
  JsonArray *parts = cercle_fhir_get_array (extension, "extension");
  const char *code = NULL;
  const char *text = NULL;
  gboolean complete = FALSE;

  for (guint i = 0; parts != NULL && i < json_array_get_length (parts); i++)
    {
      JsonObject *part = cercle_fhir_array_get_object (parts, i);
      const char *url = cercle_fhir_get_string (part, "url");

      if (g_strcmp0 (url, SECTION_CODE) == 0)
        code = cercle_fhir_get_string (part, "valueCode");
      else if (g_strcmp0 (url, SECTION_TEXT) == 0)
        text = cercle_fhir_get_string (part, "valueString");
      else if (g_strcmp0 (url, SECTION_COMPLETE) == 0)
        {
          JsonNode *node = json_object_get_member (part, "valueBoolean");

          if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
            break;
          complete = json_node_get_boolean (node);
        }
    }
  if (!cercle_referral_is_section (code))
    {
      g_set_error (error, CERCLE_FHIR_ERROR, CERCLE_FHIR_ERROR_INVALID,
                   _("A section of the referral has no known code"));
      return FALSE;
    }
  cercle_referral_set_section (self, code, complete, text);
  return TRUE;
}

/**
 * cercle_referral_new_from_fhir:
 * @service_request: a FHIR ServiceRequest
 * @error: return location for a #CERCLE_FHIR_ERROR
 *
 * Reads what cercle_referral_to_fhir() writes. The dossier needs a Patient
 * subject, a known status, and, when present, a known orientation type and
 * known sections.
 *
 * Returns: (transfer full) (nullable): the referral, or %NULL
 */
CercleReferral *
cercle_referral_new_from_fhir (JsonObject  *service_request,
                               GError     **error)
{
  g_autoptr(CercleReferral) self = NULL;
  JsonArray *array;
  JsonObject *code;

  g_return_val_if_fail (service_request != NULL, NULL);

  if (!cercle_fhir_check_resource (service_request, "ServiceRequest", error))
    return NULL;

  self = g_object_new (CERCLE_TYPE_REFERRAL, "id", cercle_fhir_get_string (service_request, "id"), NULL);
  cercle_set_str (&self->status, cercle_fhir_get_string (service_request, "status"));
  if (!g_strv_contains (referral_statuses, self->status))
    {
      g_set_error (error, CERCLE_FHIR_ERROR, CERCLE_FHIR_ERROR_INVALID,
                   _("A referral cannot have the status “%s”"), self->status);
      return NULL;
    }

  self->patient_id = reference_id (cercle_fhir_get_object (service_request, "subject"), "Patient");
  if (self->patient_id == NULL)
    {
      g_set_error (error, CERCLE_FHIR_ERROR, CERCLE_FHIR_ERROR_REQUIRED,
                   _("A referral needs a patient as its subject"));
      return NULL;
    }
  self->requester_id = reference_id (cercle_fhir_get_object (service_request, "requester"), "Practitioner");
  self->dossier_id = g_strdup (cercle_fhir_get_string (cercle_fhir_get_object (service_request, "requisition"),
                                                       "value"));

  code = cercle_fhir_get_object (service_request, "code");
  if (code != NULL)
    {
      self->orientation_type = g_strdup (cercle_fhir_codeable_concept_find (code, CERCLE_FHIR_SYSTEM_ORIENTATION_TYPE,
                                                                            NULL));
      if (!cercle_referral_is_orientation_type (self->orientation_type))
        {
          g_set_error (error, CERCLE_FHIR_ERROR, CERCLE_FHIR_ERROR_INVALID,
                       _("The orientation type of the referral is not SMR, HAD, USP, SSIAD or EHPAD"));
          return NULL;
        }
    }

  self->authored_on = cercle_fhir_parse_date_time (cercle_fhir_get_string (service_request, "authoredOn"));

  array = cercle_fhir_get_array (service_request, "performer");
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      g_autofree char *id = reference_id (cercle_fhir_array_get_object (array, i), "Organization");

      if (id == NULL)
        {
          g_set_error (error, CERCLE_FHIR_ERROR, CERCLE_FHIR_ERROR_INVALID,
                       _("A referral can only be sent to structures"));
          return NULL;
        }
      cercle_referral_add_destination (self, id);
    }

  array = cercle_fhir_get_array (service_request, "reasonCode");
  if (array != NULL)
    self->reason = g_strdup (cercle_fhir_get_string (cercle_fhir_array_get_object (array, 0), "text"));

  array = cercle_fhir_get_array (service_request, "extension");
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      JsonObject *extension = cercle_fhir_array_get_object (array, i);

      if (g_strcmp0 (cercle_fhir_get_string (extension, "url"), CERCLE_FHIR_EXTENSION_REFERRAL_SECTION) == 0
          && !read_section (self, extension, error))
        return NULL;
    }

  return g_steal_pointer (&self);
}

/**
 * cercle_referral_fhir_strip_medical:
 * @service_request: a ServiceRequest written by cercle_referral_to_fhir()
 *
 * The medical section is for medical staff only
 * (cercle_profession_is_medical()): the server removes its text before
 * giving the dossier to anyone else, and keeps whether it is complete.
 */
void
cercle_referral_fhir_strip_medical (JsonObject *service_request)
{
  JsonArray *array;

  g_return_if_fail (service_request != NULL);

  array = cercle_fhir_get_array (service_request, "extension");
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      JsonObject *extension = cercle_fhir_array_get_object (array, i);
      JsonArray *parts;
      gboolean medical = FALSE;

      if (g_strcmp0 (cercle_fhir_get_string (extension, "url"), CERCLE_FHIR_EXTENSION_REFERRAL_SECTION) != 0)
        continue;
      parts = cercle_fhir_get_array (extension, "extension");
      for (guint j = 0; parts != NULL && j < json_array_get_length (parts); j++)
        {
          JsonObject *part = cercle_fhir_array_get_object (parts, j);

          if (g_strcmp0 (cercle_fhir_get_string (part, "url"), SECTION_CODE) == 0
              && g_strcmp0 (cercle_fhir_get_string (part, "valueCode"), CERCLE_REFERRAL_SECTION_MEDICAL) == 0)
            medical = TRUE;
        }
      for (guint j = 0; medical && parts != NULL && j < json_array_get_length (parts); )
        {
          JsonObject *part = cercle_fhir_array_get_object (parts, j);

          if (g_strcmp0 (cercle_fhir_get_string (part, "url"), SECTION_TEXT) == 0)
            json_array_remove_element (parts, j);
          else
            j++;
        }
    }
}
