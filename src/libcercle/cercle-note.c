/* cercle-note.c — a follow-up note shared with the care circle (FHIR Communication)
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "cercle-fhir.h"
#include "cercle-fhir-private.h"
#include "cercle-i18n.h"
#include "cercle-note.h"

struct _CercleNote
{
  GObject parent_instance;

  char *id;
  char *patient_id;
  char *author_id;
  char *author_display;
  char *category;
  GDateTime *sent;
  char *text;
  char *corrects_id;
  char *in_response_to_id;
  char *care_team_id;
};

G_DEFINE_FINAL_TYPE (CercleNote, cercle_note, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_PATIENT_ID,
  PROP_AUTHOR_ID,
  PROP_AUTHOR_DISPLAY,
  PROP_CATEGORY,
  PROP_CATEGORY_LABEL,
  PROP_SENT,
  PROP_TEXT,
  PROP_CORRECTS_ID,
  PROP_IN_RESPONSE_TO_ID,
  PROP_CARE_TEAM_ID,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const struct {
  const char *code;
  const char *label;
  const char *display;  /* French display in FHIR codings */
} categories[] = {
  { "transmission", NC_("note category", "Handover"), "Transmission" },
  { "vigilance",    NC_("note category", "Alert"), "Vigilance" },
  { "compte-rendu", NC_("note category", "Report"), "Compte rendu" },
  { "information",  NC_("note category", "Information"), "Information" },
};

static const char *
category_display (const char *code)
{
  for (gsize i = 0; code != NULL && i < G_N_ELEMENTS (categories); i++)
    if (strcmp (categories[i].code, code) == 0)
      return categories[i].display;
  return NULL;
}

/**
 * cercle_note_category_label:
 * @code: (nullable): a note category code
 *
 * Returns: (nullable): the translated label of @code, or %NULL
 */
const char *
cercle_note_category_label (const char *code)
{
  for (gsize i = 0; code != NULL && i < G_N_ELEMENTS (categories); i++)
    if (strcmp (categories[i].code, code) == 0)
      return g_dpgettext2 (GETTEXT_PACKAGE, "note category", categories[i].label);
  return NULL;
}

/**
 * cercle_note_is_category:
 * @code: (nullable): a candidate category code
 *
 * Returns: %TRUE for transmission, vigilance, compte-rendu and information
 */
gboolean
cercle_note_is_category (const char *code)
{
  return cercle_note_category_label (code) != NULL;
}

static void
cercle_note_finalize (GObject *object)
{
  CercleNote *self = (CercleNote *) object;

  g_free (self->id);
  g_free (self->patient_id);
  g_free (self->author_id);
  g_free (self->author_display);
  g_free (self->category);
  g_clear_pointer (&self->sent, g_date_time_unref);
  g_free (self->text);
  g_free (self->corrects_id);
  g_free (self->in_response_to_id);
  g_free (self->care_team_id);

  G_OBJECT_CLASS (cercle_note_parent_class)->finalize (object);
}

static void
cercle_note_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  CercleNote *self = CERCLE_NOTE (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;
    case PROP_PATIENT_ID:
      g_value_set_string (value, self->patient_id);
      break;
    case PROP_AUTHOR_ID:
      g_value_set_string (value, self->author_id);
      break;
    case PROP_AUTHOR_DISPLAY:
      g_value_set_string (value, self->author_display);
      break;
    case PROP_CATEGORY:
      g_value_set_string (value, self->category);
      break;
    case PROP_CATEGORY_LABEL:
      g_value_set_string (value, cercle_note_category_label (self->category));
      break;
    case PROP_SENT:
      g_value_set_boxed (value, self->sent);
      break;
    case PROP_TEXT:
      g_value_set_string (value, self->text);
      break;
    case PROP_CORRECTS_ID:
      g_value_set_string (value, self->corrects_id);
      break;
    case PROP_IN_RESPONSE_TO_ID:
      g_value_set_string (value, self->in_response_to_id);
      break;
    case PROP_CARE_TEAM_ID:
      g_value_set_string (value, self->care_team_id);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cercle_note_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  CercleNote *self = CERCLE_NOTE (object);

  switch (prop_id)
    {
    case PROP_ID:
      cercle_set_str (&self->id, g_value_get_string (value));
      break;
    case PROP_PATIENT_ID:
      cercle_set_str (&self->patient_id, g_value_get_string (value));
      break;
    case PROP_AUTHOR_ID:
      cercle_set_str (&self->author_id, g_value_get_string (value));
      break;
    case PROP_AUTHOR_DISPLAY:
      cercle_set_str (&self->author_display, g_value_get_string (value));
      break;
    case PROP_CATEGORY:
      cercle_set_str (&self->category, g_value_get_string (value));
      g_object_notify_by_pspec (object, properties[PROP_CATEGORY_LABEL]);
      break;
    case PROP_SENT:
      g_clear_pointer (&self->sent, g_date_time_unref);
      self->sent = g_value_dup_boxed (value);
      break;
    case PROP_TEXT:
      cercle_set_str (&self->text, g_value_get_string (value));
      break;
    case PROP_CORRECTS_ID:
      cercle_set_str (&self->corrects_id, g_value_get_string (value));
      break;
    case PROP_IN_RESPONSE_TO_ID:
      cercle_set_str (&self->in_response_to_id, g_value_get_string (value));
      break;
    case PROP_CARE_TEAM_ID:
      cercle_set_str (&self->care_team_id, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cercle_note_class_init (CercleNoteClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;

  object_class->finalize = cercle_note_finalize;
  object_class->get_property = cercle_note_get_property;
  object_class->set_property = cercle_note_set_property;

  properties[PROP_ID] = g_param_spec_string ("id", NULL, NULL, NULL, rw);
  properties[PROP_PATIENT_ID] = g_param_spec_string ("patient-id", NULL, NULL, NULL, rw);
  properties[PROP_AUTHOR_ID] = g_param_spec_string ("author-id", NULL, NULL, NULL, rw);
  properties[PROP_AUTHOR_DISPLAY] = g_param_spec_string ("author-display", NULL, NULL, NULL, rw);
  properties[PROP_CATEGORY] = g_param_spec_string ("category", NULL, NULL, NULL, rw);
  properties[PROP_CATEGORY_LABEL] = g_param_spec_string ("category-label", NULL, NULL, NULL,
                                                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_SENT] = g_param_spec_boxed ("sent", NULL, NULL, G_TYPE_DATE_TIME, rw);
  properties[PROP_TEXT] = g_param_spec_string ("text", NULL, NULL, NULL, rw);
  /* the id of the note this one corrects: both stay visible */
  properties[PROP_CORRECTS_ID] = g_param_spec_string ("corrects-id", NULL, NULL, NULL, rw);
  properties[PROP_IN_RESPONSE_TO_ID] = g_param_spec_string ("in-response-to-id", NULL, NULL, NULL, rw);
  properties[PROP_CARE_TEAM_ID] = g_param_spec_string ("care-team-id", NULL, NULL, NULL, rw);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
cercle_note_init (CercleNote *self)
{
}

/**
 * cercle_note_new:
 * @id: (nullable): the logical id of the Communication
 * @patient_id: the patient the note is about
 * @author_id: the Practitioner who writes it
 * @category: a note category (CERCLE_NOTE_CATEGORY_…)
 * @text: the text
 *
 * The note is timed now (UTC); set #CercleNote:sent to change that.
 *
 * Returns: (transfer full): a new note
 */
CercleNote *
cercle_note_new (const char *id,
                 const char *patient_id,
                 const char *author_id,
                 const char *category,
                 const char *text)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  /* FHIR times here are to the second. */
  g_autoptr(GDateTime) sent = g_date_time_new_utc (g_date_time_get_year (now), g_date_time_get_month (now),
                                                   g_date_time_get_day_of_month (now), g_date_time_get_hour (now),
                                                   g_date_time_get_minute (now), g_date_time_get_second (now));

  return g_object_new (CERCLE_TYPE_NOTE,
                       "id", id,
                       "patient-id", patient_id,
                       "author-id", author_id,
                       "category", category,
                       "text", text,
                       "sent", sent,
                       NULL);
}

/**
 * cercle_note_new_correction:
 * @corrected: the note being corrected
 * @id: (nullable): the id of the new note
 * @author_id: who writes the correction
 * @text: the corrected text
 *
 * A sent note is never edited in place: a correction is a new note of the
 * same patient and category that points at the note it corrects.
 *
 * Returns: (transfer full): the correction
 */
CercleNote *
cercle_note_new_correction (CercleNote *corrected,
                            const char *id,
                            const char *author_id,
                            const char *text)
{
  CercleNote *self;

  g_return_val_if_fail (CERCLE_IS_NOTE (corrected), NULL);
  g_return_val_if_fail (corrected->id != NULL, NULL);

  self = cercle_note_new (id, corrected->patient_id, author_id, corrected->category, text);
  self->corrects_id = g_strdup (corrected->id);
  self->care_team_id = g_strdup (corrected->care_team_id);
  return self;
}

/**
 * cercle_note_get_id:
 * @self: a note
 *
 * Returns: (nullable): its #CercleNote:id
 */
const char *
cercle_note_get_id (CercleNote *self)
{
  g_return_val_if_fail (CERCLE_IS_NOTE (self), NULL);
  return self->id;
}

/**
 * cercle_note_get_patient_id:
 * @self: a note
 *
 * Returns: (nullable): its #CercleNote:patient-id
 */
const char *
cercle_note_get_patient_id (CercleNote *self)
{
  g_return_val_if_fail (CERCLE_IS_NOTE (self), NULL);
  return self->patient_id;
}

/**
 * cercle_note_get_author_id:
 * @self: a note
 *
 * Returns: (nullable): its #CercleNote:author-id
 */
const char *
cercle_note_get_author_id (CercleNote *self)
{
  g_return_val_if_fail (CERCLE_IS_NOTE (self), NULL);
  return self->author_id;
}

/**
 * cercle_note_get_author_display:
 * @self: a note
 *
 * Returns: (nullable): its #CercleNote:author-display
 */
const char *
cercle_note_get_author_display (CercleNote *self)
{
  g_return_val_if_fail (CERCLE_IS_NOTE (self), NULL);
  return self->author_display;
}

/**
 * cercle_note_get_category:
 * @self: a note
 *
 * Returns: (nullable): its #CercleNote:category
 */
const char *
cercle_note_get_category (CercleNote *self)
{
  g_return_val_if_fail (CERCLE_IS_NOTE (self), NULL);
  return self->category;
}

/**
 * cercle_note_get_category_label:
 * @self: a note
 *
 * Returns: (nullable): its #CercleNote:category-label
 */
const char *
cercle_note_get_category_label (CercleNote *self)
{
  g_return_val_if_fail (CERCLE_IS_NOTE (self), NULL);
  return cercle_note_category_label (self->category);
}

/**
 * cercle_note_get_sent:
 * @self: a note
 *
 * Returns: (nullable): its #CercleNote:sent
 */
GDateTime *
cercle_note_get_sent (CercleNote *self)
{
  g_return_val_if_fail (CERCLE_IS_NOTE (self), NULL);
  return self->sent;
}

/**
 * cercle_note_get_text:
 * @self: a note
 *
 * Returns: (nullable): its #CercleNote:text
 */
const char *
cercle_note_get_text (CercleNote *self)
{
  g_return_val_if_fail (CERCLE_IS_NOTE (self), NULL);
  return self->text;
}

/**
 * cercle_note_get_corrects_id:
 * @self: a note
 *
 * Returns: (nullable): its #CercleNote:corrects-id
 */
const char *
cercle_note_get_corrects_id (CercleNote *self)
{
  g_return_val_if_fail (CERCLE_IS_NOTE (self), NULL);
  return self->corrects_id;
}

/**
 * cercle_note_get_in_response_to_id:
 * @self: a note
 *
 * Returns: (nullable): its #CercleNote:in-response-to-id
 */
const char *
cercle_note_get_in_response_to_id (CercleNote *self)
{
  g_return_val_if_fail (CERCLE_IS_NOTE (self), NULL);
  return self->in_response_to_id;
}

/**
 * cercle_note_get_care_team_id:
 * @self: a note
 *
 * Returns: (nullable): its #CercleNote:care-team-id
 */
const char *
cercle_note_get_care_team_id (CercleNote *self)
{
  g_return_val_if_fail (CERCLE_IS_NOTE (self), NULL);
  return self->care_team_id;
}

/**
 * cercle_note_to_fhir:
 * @self: a note
 *
 * Writes a FHIR R4 Communication: status completed, category, subject the
 * patient, sender the author, recipient the care team, sent time, the text
 * as payload, inResponseTo for a reply and the note-corrects extension for
 * a correction.
 *
 * Returns: (transfer full): the Communication
 */
JsonObject *
cercle_note_to_fhir (CercleNote *self)
{
  JsonObject *communication;
  JsonArray *array;
  JsonObject *payload;

  g_return_val_if_fail (CERCLE_IS_NOTE (self), NULL);
  g_return_val_if_fail (self->patient_id != NULL && self->category != NULL, NULL);

  communication = json_object_new ();
  json_object_set_string_member (communication, "resourceType", "Communication");
  if (self->id)
    json_object_set_string_member (communication, "id", self->id);

  if (self->corrects_id)
    {
      JsonObject *extension = json_object_new ();

      json_object_set_string_member (extension, "url", CERCLE_FHIR_EXTENSION_CORRECTS);
      json_object_set_object_member (extension, "valueReference",
                                     cercle_fhir_reference_new ("Communication", self->corrects_id, NULL));
      array = json_array_new ();
      json_array_add_object_element (array, extension);
      json_object_set_array_member (communication, "extension", array);
    }
  if (self->in_response_to_id)
    {
      array = json_array_new ();
      json_array_add_object_element (array, cercle_fhir_reference_new ("Communication", self->in_response_to_id, NULL));
      json_object_set_array_member (communication, "inResponseTo", array);
    }

  json_object_set_string_member (communication, "status", "completed");
  array = json_array_new ();
  json_array_add_object_element (array,
                                 cercle_fhir_codeable_concept_new (CERCLE_FHIR_SYSTEM_NOTE_CATEGORY, self->category,
                                                                   category_display (self->category)));
  json_object_set_array_member (communication, "category", array);
  json_object_set_object_member (communication, "subject",
                                 cercle_fhir_reference_new ("Patient", self->patient_id, NULL));
  if (self->sent)
    {
      g_autofree char *sent = cercle_fhir_format_date_time (self->sent);

      json_object_set_string_member (communication, "sent", sent);
    }
  if (self->care_team_id)
    {
      array = json_array_new ();
      json_array_add_object_element (array, cercle_fhir_reference_new ("CareTeam", self->care_team_id, NULL));
      json_object_set_array_member (communication, "recipient", array);
    }
  if (self->author_id)
    json_object_set_object_member (communication, "sender",
                                   cercle_fhir_reference_new ("Practitioner", self->author_id, self->author_display));
  if (self->text)
    {
      payload = json_object_new ();
      json_object_set_string_member (payload, "contentString", self->text);
      array = json_array_new ();
      json_array_add_object_element (array, payload);
      json_object_set_array_member (communication, "payload", array);
    }

  return communication;
}

static char *
reference_id (JsonObject *reference,
              const char *expected_type)
{
  g_autofree char *type = NULL;
  char *id = NULL;

  if (!cercle_fhir_reference_parse (reference, &type, &id))
    return NULL;
  if (strcmp (type, expected_type) != 0)
    {
      g_free (id);
      return NULL;
    }
  return id;
}

/**
 * cercle_note_new_from_fhir:
 * @communication: a FHIR Communication
 * @error: return location for a #CERCLE_FHIR_ERROR
 *
 * Reads what cercle_note_to_fhir() writes. A note needs a known category, a
 * Patient subject, a Practitioner sender, a sent time and a text.
 *
 * Returns: (transfer full) (nullable): the note, or %NULL
 */
CercleNote *
cercle_note_new_from_fhir (JsonObject  *communication,
                           GError     **error)
{
  g_autoptr(CercleNote) self = NULL;
  JsonArray *array;
  JsonObject *extension;
  const char *sent;

  g_return_val_if_fail (communication != NULL, NULL);

  if (!cercle_fhir_check_resource (communication, "Communication", error))
    return NULL;

  self = g_object_new (CERCLE_TYPE_NOTE, "id", cercle_fhir_get_string (communication, "id"), NULL);

  array = cercle_fhir_get_array (communication, "category");
  if (array != NULL)
    self->category = g_strdup (cercle_fhir_codeable_concept_find (cercle_fhir_array_get_object (array, 0),
                                                                  CERCLE_FHIR_SYSTEM_NOTE_CATEGORY, NULL));
  if (!cercle_note_is_category (self->category))
    {
      g_set_error (error, CERCLE_FHIR_ERROR, CERCLE_FHIR_ERROR_INVALID,
                   _("A note needs a category: transmission, vigilance, compte-rendu or information"));
      return NULL;
    }

  self->patient_id = reference_id (cercle_fhir_get_object (communication, "subject"), "Patient");
  if (self->patient_id == NULL)
    {
      g_set_error (error, CERCLE_FHIR_ERROR, CERCLE_FHIR_ERROR_REQUIRED,
                   _("A note needs a patient as its subject"));
      return NULL;
    }

  self->author_id = reference_id (cercle_fhir_get_object (communication, "sender"), "Practitioner");
  if (self->author_id == NULL)
    {
      g_set_error (error, CERCLE_FHIR_ERROR, CERCLE_FHIR_ERROR_REQUIRED,
                   _("A note needs a professional as its sender"));
      return NULL;
    }
  self->author_display = g_strdup (cercle_fhir_get_string (cercle_fhir_get_object (communication, "sender"),
                                                           "display"));

  sent = cercle_fhir_get_string (communication, "sent");
  self->sent = cercle_fhir_parse_date_time (sent);
  if (self->sent == NULL)
    {
      g_set_error (error, CERCLE_FHIR_ERROR, CERCLE_FHIR_ERROR_REQUIRED,
                   _("A note needs the time it was sent, with its time zone"));
      return NULL;
    }

  array = cercle_fhir_get_array (communication, "payload");
  for (guint i = 0; array != NULL && i < json_array_get_length (array) && self->text == NULL; i++)
    self->text = g_strdup (cercle_fhir_get_string (cercle_fhir_array_get_object (array, i), "contentString"));
  if (self->text == NULL || self->text[0] == '\0')
    {
      g_set_error (error, CERCLE_FHIR_ERROR, CERCLE_FHIR_ERROR_REQUIRED,
                   _("A note needs a text"));
      return NULL;
    }

  array = cercle_fhir_get_array (communication, "recipient");
  for (guint i = 0; array != NULL && i < json_array_get_length (array) && self->care_team_id == NULL; i++)
    self->care_team_id = reference_id (cercle_fhir_array_get_object (array, i), "CareTeam");

  array = cercle_fhir_get_array (communication, "inResponseTo");
  if (array != NULL)
    {
      self->in_response_to_id = reference_id (cercle_fhir_array_get_object (array, 0), "Communication");
      if (self->in_response_to_id == NULL)
        {
          g_set_error (error, CERCLE_FHIR_ERROR, CERCLE_FHIR_ERROR_INVALID,
                       _("A note can only answer another note"));
          return NULL;
        }
    }

  extension = cercle_fhir_find_extension (communication, CERCLE_FHIR_EXTENSION_CORRECTS);
  if (extension != NULL)
    {
      self->corrects_id = reference_id (cercle_fhir_get_object (extension, "valueReference"), "Communication");
      if (self->corrects_id == NULL)
        {
          g_set_error (error, CERCLE_FHIR_ERROR, CERCLE_FHIR_ERROR_INVALID,
                       _("A note can only correct another note"));
          return NULL;
        }
    }

  return g_steal_pointer (&self);
}
