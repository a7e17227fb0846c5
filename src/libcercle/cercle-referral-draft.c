/* cercle-referral-draft.c — a referral dossier being prepared
 *
 * What the user types before « Envoyer »: the orientation type, the fields
 * of each volet, the wished date and the structures chosen in the
 * directory. The referral repo saves it in the local store as the user
 * types (so that it survives a crash) and turns it into a ServiceRequest
 * and its Tasks when it is sent; until then nothing leaves the machine.
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "cercle-error.h"
#include "cercle-fhir.h"
#include "cercle-i18n.h"
#include "cercle-referral.h"
#include "cercle-referral-draft.h"

struct _CercleReferralDraft
{
  GObject parent_instance;

  char *id;
  char *patient_id;
  char *patient_name;
  char *commune_code;
  char *orientation_type;
  char *wished_date;
  GHashTable *fields;       /* key → value */
  GPtrArray *destinations;  /* of CercleReferralDraftDestination */
};

G_DEFINE_FINAL_TYPE (CercleReferralDraft, cercle_referral_draft, G_TYPE_OBJECT)

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

#define ADMIN CERCLE_REFERRAL_SECTION_ADMINISTRATIVE
#define MEDICAL CERCLE_REFERRAL_SECTION_MEDICAL
#define CARE CERCLE_REFERRAL_SECTION_CARE
#define SOCIAL CERCLE_REFERRAL_SECTION_SOCIAL

/* The volets of domain.md §6 and issue 17, field by field. A volet is
 * complete when its required fields are filled. */
static const CercleReferralField fields[] = {
  { "identity", ADMIN, N_("Identity"), N_("the patient’s identity"), TRUE },
  { "address", ADMIN, N_("Address"), N_("the address"), TRUE },
  { "gp", ADMIN, N_("General practitioner"), N_("the general practitioner"), TRUE },
  { "relatives", ADMIN, N_("Relatives"), N_("a relative to contact"), FALSE },
  { "reason", MEDICAL, N_("Reason for the referral"), N_("the reason for the referral"), TRUE },
  { "history", MEDICAL, N_("Medical history"), N_("the medical history"), FALSE },
  { "treatments", MEDICAL, N_("Treatments"), N_("the treatments"), TRUE },
  { "gir", MEDICAL, N_("Dependency (GIR 1–6)"), N_("the GIR (1 to 6)"), TRUE },
  { "isolation", MEDICAL, N_("Isolation or infection risk"), N_("the isolation or infection risk"), FALSE },
  { "nursing", CARE, N_("Nursing needs"), N_("the nursing needs"), TRUE },
  { "devices", CARE, N_("Devices"), N_("the devices"), FALSE },
  { "living", SOCIAL, N_("Living situation"), N_("the living situation"), TRUE },
  { "caregiver", SOCIAL, N_("Caregiver"), N_("the caregiver"), FALSE },
  { "home_help", SOCIAL, N_("Help at home"), N_("the help at home"), FALSE },
};

/* FINESS categories of the structures of each orientation type, checked
 * against the FINESS nomenclature (../shared/data/nomenclatures,
 * nomenclature_categorie_finess.csv; docs/fhir.md « Orientation types and
 * FINESS categories »):
 *
 * - SMR: 109 « Etablissement de santé privé autorisé en SSR » (SSR became
 *   SMR in 2023) is the open category; 108, 112 and 135 (convalescence,
 *   rehabilitation) are closed since 1999–2013 but real extracts still
 *   carry sites filed under them. 249 (« Réadaptation Professionnelle ») is
 *   a medico-social service for work, not SMR: left out.
 * - HAD 127, SSIAD 354 and SPASAD 209 (which includes a SSIAD), EHPAD 500.
 * - USP: FINESS has no category for a palliative care unit: a USP is a
 *   unit of an establishment, which the establishment's category does not
 *   tell. They are found in the CHR/CHU (101), the CH (355), former local
 *   hospitals (106, with « lits identifiés »), cancer centres (131, CLCC)
 *   and private or ESPIC establishments (365 « soins pluridisciplinaire »,
 *   129 « soins médicaux »). The nearest search offers these; the user
 *   picks the one that has the unit (the ROR, not the directory, lists
 *   units). */
static const char * const smr_categories[] = { "109", "108", "112", "135", NULL };
static const char * const had_categories[] = { "127", NULL };
static const char * const usp_categories[] = { "355", "101", "106", "131", "365", "129", NULL };
static const char * const ssiad_categories[] = { "354", "209", NULL };
static const char * const ehpad_categories[] = { "500", NULL };

/**
 * cercle_referral_orientation_categories:
 * @orientation_type: SMR, HAD, USP, SSIAD or EHPAD
 *
 * Returns: (transfer none) (nullable): the FINESS category codes the
 *   directory search uses for that type, %NULL for an unknown type
 */
const char * const *
cercle_referral_orientation_categories (const char *orientation_type)
{
  if (g_strcmp0 (orientation_type, "SMR") == 0)
    return smr_categories;
  if (g_strcmp0 (orientation_type, "HAD") == 0)
    return had_categories;
  if (g_strcmp0 (orientation_type, "USP") == 0)
    return usp_categories;
  if (g_strcmp0 (orientation_type, "SSIAD") == 0)
    return ssiad_categories;
  if (g_strcmp0 (orientation_type, "EHPAD") == 0)
    return ehpad_categories;
  return NULL;
}

/**
 * cercle_referral_draft_fields:
 * @n_fields: (out) (optional): how many
 *
 * Returns: (transfer none) (array length=n_fields): the fields of the volets
 */
const CercleReferralField *
cercle_referral_draft_fields (gsize *n_fields)
{
  if (n_fields)
    *n_fields = G_N_ELEMENTS (fields);
  return fields;
}

static const CercleReferralField *
find_field (const char *key)
{
  for (gsize i = 0; i < G_N_ELEMENTS (fields); i++)
    if (g_strcmp0 (fields[i].key, key) == 0)
      return &fields[i];
  return NULL;
}

static void
destination_free (CercleReferralDraftDestination *destination)
{
  g_free (destination->finess);
  g_free (destination->name);
  g_free (destination->category);
  g_free (destination);
}

static void
cercle_referral_draft_finalize (GObject *object)
{
  CercleReferralDraft *self = (CercleReferralDraft *) object;

  g_free (self->id);
  g_free (self->patient_id);
  g_free (self->patient_name);
  g_free (self->commune_code);
  g_free (self->orientation_type);
  g_free (self->wished_date);
  g_hash_table_unref (self->fields);
  g_ptr_array_unref (self->destinations);

  G_OBJECT_CLASS (cercle_referral_draft_parent_class)->finalize (object);
}

static void
cercle_referral_draft_class_init (CercleReferralDraftClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = cercle_referral_draft_finalize;

  /**
   * CercleReferralDraft::changed:
   *
   * Something the user typed or chose changed: time to save the draft.
   */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
cercle_referral_draft_init (CercleReferralDraft *self)
{
  self->fields = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->destinations = g_ptr_array_new_with_free_func ((GDestroyNotify) destination_free);
}

/**
 * cercle_referral_draft_new:
 * @id: (nullable): the id the ServiceRequest will have; a new one when %NULL
 * @patient_id: the patient
 *
 * Returns: (transfer full): an empty draft
 */
CercleReferralDraft *
cercle_referral_draft_new (const char *id,
                           const char *patient_id)
{
  CercleReferralDraft *self;

  g_return_val_if_fail (patient_id != NULL, NULL);

  self = g_object_new (CERCLE_TYPE_REFERRAL_DRAFT, NULL);
  self->id = id ? g_strdup (id) : g_uuid_string_random ();
  self->patient_id = g_strdup (patient_id);
  return self;
}

static gboolean
set_string (char       **field,
            const char  *value)
{
  if (value != NULL && value[0] == '\0')
    value = NULL;
  if (g_strcmp0 (*field, value) == 0)
    return FALSE;
  g_free (*field);
  *field = g_strdup (value);
  return TRUE;
}

static void
changed (CercleReferralDraft *self)
{
  g_signal_emit (self, signals[CHANGED], 0);
}

#define GETTER(name) \
  const char * \
  cercle_referral_draft_get_##name (CercleReferralDraft *self) \
  { \
    g_return_val_if_fail (CERCLE_IS_REFERRAL_DRAFT (self), NULL); \
    return self->name; \
  }

/**
 * cercle_referral_draft_get_id:
 * @self: a draft
 *
 * Returns: the id of the ServiceRequest it becomes
 */
GETTER (id)
/**
 * cercle_referral_draft_get_patient_id:
 * @self: a draft
 *
 * Returns: the patient
 */
GETTER (patient_id)
/**
 * cercle_referral_draft_get_patient_name:
 * @self: a draft
 *
 * Returns: (nullable): the patient's name, for titles
 */
GETTER (patient_name)
/**
 * cercle_referral_draft_get_commune_code:
 * @self: a draft
 *
 * Returns: (nullable): the INSEE code of the patient's commune
 */
GETTER (commune_code)
/**
 * cercle_referral_draft_get_orientation_type:
 * @self: a draft
 *
 * Returns: (nullable): SMR, HAD, USP, SSIAD or EHPAD
 */
GETTER (orientation_type)
/**
 * cercle_referral_draft_get_wished_date:
 * @self: a draft
 *
 * Returns: (nullable): the wished date of discharge, "YYYY-MM-DD"
 */
GETTER (wished_date)

/**
 * cercle_referral_draft_set_patient_name:
 * @self: a draft
 * @name: (nullable): the patient's name
 */
void
cercle_referral_draft_set_patient_name (CercleReferralDraft *self,
                                        const char          *name)
{
  g_return_if_fail (CERCLE_IS_REFERRAL_DRAFT (self));
  set_string (&self->patient_name, name);
}

/**
 * cercle_referral_draft_set_commune_code:
 * @self: a draft
 * @code: (nullable): the INSEE code of the patient's commune
 */
void
cercle_referral_draft_set_commune_code (CercleReferralDraft *self,
                                        const char          *code)
{
  g_return_if_fail (CERCLE_IS_REFERRAL_DRAFT (self));
  set_string (&self->commune_code, code);
}

/**
 * cercle_referral_draft_set_orientation_type:
 * @self: a draft
 * @code: (nullable): SMR, HAD, USP, SSIAD or EHPAD
 *
 * Changing the type forgets the structures chosen for the former one:
 * they are of another category.
 */
void
cercle_referral_draft_set_orientation_type (CercleReferralDraft *self,
                                            const char          *code)
{
  g_return_if_fail (CERCLE_IS_REFERRAL_DRAFT (self));
  g_return_if_fail (code == NULL || code[0] == '\0' || cercle_referral_is_orientation_type (code));

  if (!set_string (&self->orientation_type, code))
    return;
  g_ptr_array_set_size (self->destinations, 0);
  changed (self);
}

/**
 * cercle_referral_draft_set_wished_date:
 * @self: a draft
 * @date: (nullable): "YYYY-MM-DD"
 */
void
cercle_referral_draft_set_wished_date (CercleReferralDraft *self,
                                       const char          *date)
{
  g_return_if_fail (CERCLE_IS_REFERRAL_DRAFT (self));
  g_return_if_fail (date == NULL || date[0] == '\0' || cercle_fhir_is_valid_date (date));

  if (set_string (&self->wished_date, date))
    changed (self);
}

/**
 * cercle_referral_draft_get_field:
 * @self: a draft
 * @key: a field key (see cercle_referral_draft_fields())
 *
 * Returns: (nullable): its value
 */
const char *
cercle_referral_draft_get_field (CercleReferralDraft *self,
                                 const char          *key)
{
  g_return_val_if_fail (CERCLE_IS_REFERRAL_DRAFT (self), NULL);
  return g_hash_table_lookup (self->fields, key);
}

/**
 * cercle_referral_draft_set_field:
 * @self: a draft
 * @key: a field key (see cercle_referral_draft_fields())
 * @value: (nullable): its value; blank clears it
 */
void
cercle_referral_draft_set_field (CercleReferralDraft *self,
                                 const char          *key,
                                 const char          *value)
{
  g_autofree char *stripped = NULL;

  g_return_if_fail (CERCLE_IS_REFERRAL_DRAFT (self));
  g_return_if_fail (find_field (key) != NULL);

  stripped = g_strstrip (g_strdup (value ? value : ""));
  if (stripped[0] == '\0')
    {
      if (!g_hash_table_remove (self->fields, key))
        return;
    }
  else
    {
      if (g_strcmp0 (g_hash_table_lookup (self->fields, key), value) == 0)
        return;
      /* Kept as typed: only the check for emptiness is on the stripped text. */
      g_hash_table_insert (self->fields, g_strdup (key), g_strdup (value));
    }
  changed (self);
}

/**
 * cercle_referral_draft_get_n_destinations:
 * @self: a draft
 *
 * Returns: how many structures are chosen
 */
guint
cercle_referral_draft_get_n_destinations (CercleReferralDraft *self)
{
  g_return_val_if_fail (CERCLE_IS_REFERRAL_DRAFT (self), 0);
  return self->destinations->len;
}

/**
 * cercle_referral_draft_get_destination:
 * @self: a draft
 * @position: from 0
 *
 * Returns: (transfer none): the chosen structure
 */
const CercleReferralDraftDestination *
cercle_referral_draft_get_destination (CercleReferralDraft *self,
                                       guint                position)
{
  g_return_val_if_fail (CERCLE_IS_REFERRAL_DRAFT (self), NULL);
  g_return_val_if_fail (position < self->destinations->len, NULL);
  return g_ptr_array_index (self->destinations, position);
}

/**
 * cercle_referral_draft_has_destination:
 * @self: a draft
 * @finess: a FINESS number
 *
 * Returns: whether that structure is chosen
 */
gboolean
cercle_referral_draft_has_destination (CercleReferralDraft *self,
                                       const char          *finess)
{
  g_return_val_if_fail (CERCLE_IS_REFERRAL_DRAFT (self), FALSE);

  for (guint i = 0; i < self->destinations->len; i++)
    if (g_strcmp0 (((CercleReferralDraftDestination *) g_ptr_array_index (self->destinations, i))->finess,
                   finess) == 0)
      return TRUE;
  return FALSE;
}

/**
 * cercle_referral_draft_add_destination:
 * @self: a draft
 * @finess: the structure's FINESS number
 * @name: its name
 * @category: (nullable): its FINESS category
 * @distance_km: its distance from the patient, negative when unknown
 * @covers: whether its zone covers the patient's commune
 *
 * Chooses a structure; choosing it twice does nothing.
 */
void
cercle_referral_draft_add_destination (CercleReferralDraft *self,
                                       const char          *finess,
                                       const char          *name,
                                       const char          *category,
                                       double               distance_km,
                                       gboolean             covers)
{
  CercleReferralDraftDestination *destination;

  g_return_if_fail (CERCLE_IS_REFERRAL_DRAFT (self));
  g_return_if_fail (finess != NULL && name != NULL);

  if (cercle_referral_draft_has_destination (self, finess))
    return;
  destination = g_new0 (CercleReferralDraftDestination, 1);
  destination->finess = g_strdup (finess);
  destination->name = g_strdup (name);
  destination->category = g_strdup (category);
  destination->distance_km = distance_km;
  destination->covers = covers;
  g_ptr_array_add (self->destinations, destination);
  changed (self);
}

/**
 * cercle_referral_draft_remove_destination:
 * @self: a draft
 * @finess: the structure's FINESS number
 */
void
cercle_referral_draft_remove_destination (CercleReferralDraft *self,
                                          const char          *finess)
{
  g_return_if_fail (CERCLE_IS_REFERRAL_DRAFT (self));

  for (guint i = 0; i < self->destinations->len; i++)
    if (g_strcmp0 (((CercleReferralDraftDestination *) g_ptr_array_index (self->destinations, i))->finess,
                   finess) == 0)
      {
        g_ptr_array_remove_index (self->destinations, i);
        changed (self);
        return;
      }
}

/**
 * cercle_referral_draft_get_missing:
 * @self: a draft
 * @section: a volet (CERCLE_REFERRAL_SECTION_*)
 *
 * Returns: (transfer full): what the volet still lacks, translated
 *   ("l’adresse", …); empty when it is complete
 */
GStrv
cercle_referral_draft_get_missing (CercleReferralDraft *self,
                                   const char          *section)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_return_val_if_fail (CERCLE_IS_REFERRAL_DRAFT (self), NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (fields); i++)
    if (fields[i].required && g_str_equal (fields[i].section, section)
        && g_hash_table_lookup (self->fields, fields[i].key) == NULL)
      g_strv_builder_add (builder, _(fields[i].missing));
  return g_strv_builder_end (builder);
}

/**
 * cercle_referral_draft_is_section_complete:
 * @self: a draft
 * @section: a volet
 *
 * Returns: whether every required field of the volet is filled
 */
gboolean
cercle_referral_draft_is_section_complete (CercleReferralDraft *self,
                                           const char          *section)
{
  g_auto(GStrv) missing = cercle_referral_draft_get_missing (self, section);

  return missing[0] == NULL;
}

/**
 * cercle_referral_draft_get_section_text:
 * @self: a draft
 * @section: a volet
 *
 * The volet as the ServiceRequest carries it: one "Label : value" line per
 * filled field.
 *
 * Returns: (transfer full) (nullable): the text, %NULL when empty
 */
char *
cercle_referral_draft_get_section_text (CercleReferralDraft *self,
                                        const char          *section)
{
  g_autoptr(GString) text = g_string_new (NULL);

  g_return_val_if_fail (CERCLE_IS_REFERRAL_DRAFT (self), NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      const char *value = g_hash_table_lookup (self->fields, fields[i].key);

      if (value == NULL || !g_str_equal (fields[i].section, section))
        continue;
      if (text->len > 0)
        g_string_append_c (text, '\n');
      /* The labels go out as the sender reads them (French in
       * practice): the structure reads the same words. */
      g_string_append_printf (text, "%s : %s", _(fields[i].label), value);
    }
  if (g_str_equal (section, CERCLE_REFERRAL_SECTION_ADMINISTRATIVE) && self->wished_date)
    {
      if (text->len > 0)
        g_string_append_c (text, '\n');
      g_string_append_printf (text, "%s : %s", _("Wished date"), self->wished_date);
    }
  return text->len > 0 ? g_string_free (g_steal_pointer (&text), FALSE) : NULL;
}

/**
 * cercle_referral_draft_dup_blocker:
 * @self: a draft
 *
 * Why « Envoyer » cannot be pressed yet, in French: the orientation type,
 * a structure, or the volets that are not complete.
 *
 * Returns: (transfer full) (nullable): the reason, %NULL when it can be sent
 */
char *
cercle_referral_draft_dup_blocker (CercleReferralDraft *self)
{
  g_autoptr(GPtrArray) missing = g_ptr_array_new_with_free_func (g_free);
  static const char * const sections[] = {
    CERCLE_REFERRAL_SECTION_ADMINISTRATIVE, CERCLE_REFERRAL_SECTION_MEDICAL,
    CERCLE_REFERRAL_SECTION_CARE, CERCLE_REFERRAL_SECTION_SOCIAL,
  };
  g_autofree char *list = NULL;

  g_return_val_if_fail (CERCLE_IS_REFERRAL_DRAFT (self), NULL);

  if (self->orientation_type == NULL)
    g_ptr_array_add (missing, g_strdup (_("the type of orientation")));
  for (gsize i = 0; i < G_N_ELEMENTS (sections); i++)
    if (cercle_referral_section_is_required (self->orientation_type, sections[i])
        && !cercle_referral_draft_is_section_complete (self, sections[i]))
      g_ptr_array_add (missing, g_strdup_printf (_("the %s section"), cercle_referral_section_label (sections[i])));
  if (self->destinations->len == 0)
    g_ptr_array_add (missing, g_strdup (_("at least one requested structure")));
  if (missing->len == 0)
    return NULL;

  g_ptr_array_add (missing, NULL);
  list = g_strjoinv (", ", (char **) missing->pdata);
  return g_strdup_printf (_("Missing: %s"), list);
}

/**
 * cercle_referral_draft_to_json:
 * @self: a draft
 *
 * Returns: (transfer full): the draft as the local store keeps it
 */
char *
cercle_referral_draft_to_json (CercleReferralDraft *self)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  GHashTableIter iter;
  gpointer key, value;

  g_return_val_if_fail (CERCLE_IS_REFERRAL_DRAFT (self), NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, self->id);
  json_builder_set_member_name (builder, "patient");
  json_builder_add_string_value (builder, self->patient_id);
#define OPTIONAL(member, value) \
  if (value) { json_builder_set_member_name (builder, member); json_builder_add_string_value (builder, value); }
  OPTIONAL ("patient_name", self->patient_name);
  OPTIONAL ("commune", self->commune_code);
  OPTIONAL ("type", self->orientation_type);
  OPTIONAL ("wished_date", self->wished_date);
#undef OPTIONAL
  json_builder_set_member_name (builder, "fields");
  json_builder_begin_object (builder);
  g_hash_table_iter_init (&iter, self->fields);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      json_builder_set_member_name (builder, key);
      json_builder_add_string_value (builder, value);
    }
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "destinations");
  json_builder_begin_array (builder);
  for (guint i = 0; i < self->destinations->len; i++)
    {
      CercleReferralDraftDestination *d = g_ptr_array_index (self->destinations, i);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "finess");
      json_builder_add_string_value (builder, d->finess);
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, d->name);
      if (d->category)
        {
          json_builder_set_member_name (builder, "category");
          json_builder_add_string_value (builder, d->category);
        }
      json_builder_set_member_name (builder, "distance_km");
      json_builder_add_double_value (builder, d->distance_km);
      json_builder_set_member_name (builder, "covers");
      json_builder_add_boolean_value (builder, d->covers);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  return json_to_string (root, FALSE);
}

/**
 * cercle_referral_draft_new_from_json:
 * @json: what cercle_referral_draft_to_json() wrote
 * @error: return location for a #CERCLE_DB_ERROR
 *
 * Returns: (transfer full) (nullable): the draft, or %NULL
 */
CercleReferralDraft *
cercle_referral_draft_new_from_json (const char  *json,
                                     GError     **error)
{
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(CercleReferralDraft) self = NULL;
  JsonObject *object, *map;
  JsonArray *array;
  const char *type;

  root = json_from_string (json, NULL);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    goto invalid;
  object = json_node_get_object (root);
  if (cercle_fhir_get_string (object, "id") == NULL || cercle_fhir_get_string (object, "patient") == NULL)
    goto invalid;

  self = cercle_referral_draft_new (cercle_fhir_get_string (object, "id"), cercle_fhir_get_string (object, "patient"));
  self->patient_name = g_strdup (cercle_fhir_get_string (object, "patient_name"));
  self->commune_code = g_strdup (cercle_fhir_get_string (object, "commune"));
  type = cercle_fhir_get_string (object, "type");
  if (cercle_referral_is_orientation_type (type))
    self->orientation_type = g_strdup (type);
  if (cercle_fhir_is_valid_date (cercle_fhir_get_string (object, "wished_date")))
    self->wished_date = g_strdup (cercle_fhir_get_string (object, "wished_date"));

  map = cercle_fhir_get_object (object, "fields");
  for (gsize i = 0; map != NULL && i < G_N_ELEMENTS (fields); i++)
    {
      const char *value = cercle_fhir_get_string (map, fields[i].key);

      if (value != NULL)
        g_hash_table_insert (self->fields, g_strdup (fields[i].key), g_strdup (value));
    }

  array = cercle_fhir_get_array (object, "destinations");
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      JsonObject *d = cercle_fhir_array_get_object (array, i);
      const char *finess = cercle_fhir_get_string (d, "finess");
      const char *name = cercle_fhir_get_string (d, "name");

      if (finess == NULL || name == NULL)
        continue;
      cercle_referral_draft_add_destination (self, finess, name, cercle_fhir_get_string (d, "category"),
                                             json_object_get_double_member_with_default (d, "distance_km", -1),
                                             json_object_get_boolean_member_with_default (d, "covers", FALSE));
    }
  return g_steal_pointer (&self);

invalid:
  g_set_error (error, CERCLE_DB_ERROR, CERCLE_DB_ERROR_SQL, _("A saved referral draft cannot be read"));
  return NULL;
}
