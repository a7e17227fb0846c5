/* cercle-patient-list.c — the patients of the local store, filtered as one types
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The patients page filters at every keystroke. A care team follows a few
 * thousand patients at most, so the list is read once (in a thread) with a
 * folded search key per patient, and filtering is a scan in memory: no
 * SQLite round trip, no allocation per patient, well under a frame for
 * 5,000 patients (tests/bench/bench-patients). A reload (the sync service's
 * Changed signal, a new patient) reads the store again.
 *
 * What one types is read the way a French nurse writes it:
 * - words: the first letters of the birth or used family name or of a given
 *   name, in any order, accents and case ignored (« dupont jea »);
 * - a date as written in France, whole or begun: « 12/03/1941 », « 12/03 »;
 * - an INS matricule, whole or begun, spaces allowed: « 2 95 10 99 ».
 */
#define G_LOG_DOMAIN "cercle-patient"

#include "config.h"

#include <string.h>

#include "cercle-note-repo.h"
#include "cercle-patient-list.h"
#include "cercle-patient-repo.h"
#include "cercle-store.h"
#include "cercle-text.h"

typedef struct {
  CerclePatient *patient;
  char *names;      /* " " + folded names, each word after a space */
  char birth[11];   /* DD/MM/YYYY */
  char *ins;        /* spaces removed, upper case */
} Entry;

struct _CerclePatientList
{
  GObject parent_instance;

  GPtrArray *entries;   /* Entry*, sorted */
  GPtrArray *visible;   /* Entry*, borrowed from entries */
  GHashTable *unread;   /* patient id → count */
  char *filter;
};

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (CerclePatientList, cercle_patient_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

enum {
  PROP_0,
  PROP_TOTAL,
  PROP_N_ITEMS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
entry_free (gpointer data)
{
  Entry *entry = data;

  g_object_unref (entry->patient);
  g_free (entry->names);
  g_free (entry->ins);
  g_free (entry);
}

static Entry *
entry_new (CerclePatient *patient)
{
  Entry *entry = g_new0 (Entry, 1);
  GString *names = g_string_new (NULL);
  const char *parts[] = {
    cercle_patient_get_birth_family_name (patient),
    cercle_patient_get_used_family_name (patient),
    cercle_patient_get_used_given_name (patient),
  };
  const char * const *given = cercle_patient_get_birth_given_names (patient);
  const char *birth = cercle_patient_get_birth_date (patient);

  entry->patient = g_object_ref (patient);
  for (guint i = 0; i < G_N_ELEMENTS (parts); i++)
    if (parts[i] != NULL && *parts[i] != '\0')
      {
        g_autofree char *key = cercle_text_fold (parts[i]);
        g_string_append_printf (names, " %s", key);
      }
  for (guint i = 0; given != NULL && given[i] != NULL; i++)
    {
      g_autofree char *key = cercle_text_fold (given[i]);
      g_string_append_printf (names, " %s", key);
    }
  entry->names = g_string_free (names, FALSE);
  if (birth != NULL && strlen (birth) == 10)
    g_snprintf (entry->birth, sizeof entry->birth, "%.2s/%.2s/%.4s", birth + 8, birth + 5, birth);
  if (cercle_patient_get_ins (patient) != NULL)
    entry->ins = g_ascii_strup (cercle_patient_get_ins (patient), -1);
  return entry;
}

static GType
cercle_patient_list_get_item_type (GListModel *model)
{
  return CERCLE_TYPE_PATIENT;
}

static guint
cercle_patient_list_get_n_items (GListModel *model)
{
  return CERCLE_PATIENT_LIST (model)->visible->len;
}

static gpointer
cercle_patient_list_get_item (GListModel *model,
                              guint       position)
{
  CerclePatientList *self = CERCLE_PATIENT_LIST (model);

  if (position >= self->visible->len)
    return NULL;
  return g_object_ref (((Entry *) g_ptr_array_index (self->visible, position))->patient);
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = cercle_patient_list_get_item_type;
  iface->get_n_items = cercle_patient_list_get_n_items;
  iface->get_item = cercle_patient_list_get_item;
}

static void
cercle_patient_list_finalize (GObject *object)
{
  CerclePatientList *self = CERCLE_PATIENT_LIST (object);

  g_ptr_array_unref (self->visible);
  g_ptr_array_unref (self->entries);
  g_hash_table_unref (self->unread);
  g_free (self->filter);

  G_OBJECT_CLASS (cercle_patient_list_parent_class)->finalize (object);
}

static void
cercle_patient_list_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  CerclePatientList *self = CERCLE_PATIENT_LIST (object);

  switch (prop_id)
    {
    case PROP_TOTAL:
      g_value_set_uint (value, self->entries->len);
      break;
    case PROP_N_ITEMS:
      g_value_set_uint (value, self->visible->len);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cercle_patient_list_class_init (CerclePatientListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = cercle_patient_list_finalize;
  object_class->get_property = cercle_patient_list_get_property;

  /* The number of patients in the store. */
  properties[PROP_TOTAL] = g_param_spec_uint ("total", NULL, NULL, 0, G_MAXUINT, 0,
                                              G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  /* The number of patients that match the filter. */
  properties[PROP_N_ITEMS] = g_param_spec_uint ("n-items", NULL, NULL, 0, G_MAXUINT, 0,
                                                G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
cercle_patient_list_init (CerclePatientList *self)
{
  self->entries = g_ptr_array_new_with_free_func (entry_free);
  self->visible = g_ptr_array_new ();
  self->unread = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

/**
 * cercle_patient_list_new:
 *
 * Returns: (transfer full): an empty list; load it with
 *   cercle_patient_list_load() or cercle_patient_list_load_async()
 */
CerclePatientList *
cercle_patient_list_new (void)
{
  return g_object_new (CERCLE_TYPE_PATIENT_LIST, NULL);
}

/* What one typed, read once per keystroke. */
typedef struct {
  GPtrArray *words;    /* " word" */
  GPtrArray *dates;    /* begun DD/MM/YYYY */
  char *ins;           /* begun INS */
} Filter;

static void
filter_clear (Filter *f)
{
  g_clear_pointer (&f->words, g_ptr_array_unref);
  g_clear_pointer (&f->dates, g_ptr_array_unref);
  g_clear_pointer (&f->ins, g_free);
}

static void
filter_parse (Filter     *f,
              const char *text)
{
  g_autoptr(GString) compact = g_string_new (NULL);
  g_auto(GStrv) tokens = NULL;
  gboolean ins_like = TRUE;

  f->words = g_ptr_array_new_with_free_func (g_free);
  f->dates = g_ptr_array_new_with_free_func (g_free);
  f->ins = NULL;
  if (text == NULL)
    return;

  /* An INS typed with spaces: only digits (and 2A/2B), five or more. */
  for (const char *p = text; *p; p++)
    if (*p != ' ')
      g_string_append_c (compact, g_ascii_toupper (*p));
  for (gsize i = 0; i < compact->len; i++)
    ins_like &= g_ascii_isdigit (compact->str[i])
                || (i == 6 && (compact->str[i] == 'A' || compact->str[i] == 'B'));
  if (ins_like && compact->len >= 5)
    {
      f->ins = g_strdup (compact->str);
      return;
    }

  tokens = g_strsplit_set (text, " \t", -1);
  for (guint i = 0; tokens[i] != NULL; i++)
    {
      char *t = tokens[i];
      gboolean date_like = *t != '\0' && g_ascii_isdigit (*t);

      for (const char *p = t; *p && date_like; p++)
        date_like = g_ascii_isdigit (*p) || *p == '/' || *p == '.' || *p == '-';
      if (date_like)
        {
          char *date = g_strdup (t);

          g_strdelimit (date, ".-", '/');
          g_ptr_array_add (f->dates, date);
        }
      else if (*t != '\0')
        {
          g_autofree char *key = cercle_text_fold (t);
          g_auto(GStrv) words = g_strsplit (key, " ", -1);

          for (guint j = 0; words[j] != NULL; j++)
            if (*words[j] != '\0')
              g_ptr_array_add (f->words, g_strconcat (" ", words[j], NULL));
        }
    }
}

static gboolean
entry_matches (const Entry  *entry,
               const Filter *f)
{
  if (f->ins != NULL)
    return entry->ins != NULL && g_str_has_prefix (entry->ins, f->ins);
  for (guint i = 0; i < f->words->len; i++)
    if (strstr (entry->names, g_ptr_array_index (f->words, i)) == NULL)
      return FALSE;
  for (guint i = 0; i < f->dates->len; i++)
    {
      const char *date = g_ptr_array_index (f->dates, i);

      /* « 12/03/1941 », « 12/03 », or a year alone. */
      if (!g_str_has_prefix (entry->birth, date)
          && !(strlen (date) == 4 && strchr (date, '/') == NULL && strcmp (entry->birth + 6, date) == 0))
        return FALSE;
    }
  return TRUE;
}

/**
 * cercle_patient_list_matches:
 * @patient: a patient
 * @text: (nullable): what a user typed in the search
 *
 * Returns: %TRUE when @patient matches @text the way the list filters
 */
gboolean
cercle_patient_list_matches (CerclePatient *patient,
                             const char    *text)
{
  Filter f;
  Entry *entry;
  gboolean matches;

  g_return_val_if_fail (CERCLE_IS_PATIENT (patient), FALSE);

  filter_parse (&f, text);
  entry = entry_new (patient);
  matches = entry_matches (entry, &f);
  entry_free (entry);
  filter_clear (&f);
  return matches;
}

/* Filters again. @old holds what the model's users were shown: only the
 * part that differs is announced (the rows kept at both ends are not), so
 * that the list view rebinds as few rows as it can. */
static void
refilter_from (CerclePatientList *self,
               GPtrArray         *old)
{
  guint prefix = 0, suffix = 0;
  Filter f;

  filter_parse (&f, self->filter);
  g_ptr_array_set_size (self->visible, 0);
  for (guint i = 0; i < self->entries->len; i++)
    {
      Entry *entry = g_ptr_array_index (self->entries, i);

      if (entry_matches (entry, &f))
        g_ptr_array_add (self->visible, entry);
    }
  filter_clear (&f);

  while (prefix < old->len && prefix < self->visible->len
         && g_ptr_array_index (old, prefix) == g_ptr_array_index (self->visible, prefix))
    prefix++;
  while (suffix < old->len - prefix && suffix < self->visible->len - prefix
         && g_ptr_array_index (old, old->len - 1 - suffix)
            == g_ptr_array_index (self->visible, self->visible->len - 1 - suffix))
    suffix++;
  if (old->len - prefix - suffix > 0 || self->visible->len - prefix - suffix > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), prefix, old->len - prefix - suffix,
                                self->visible->len - prefix - suffix);
  if (old->len != self->visible->len)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
}

static void
refilter (CerclePatientList *self)
{
  g_autoptr(GPtrArray) old = g_ptr_array_copy (self->visible, NULL, NULL);

  refilter_from (self, old);
}

/**
 * cercle_patient_list_set_filter:
 * @self: a patient list
 * @text: (nullable): what the user typed; %NULL or empty for every patient
 *
 * Shows only the patients that match @text (see the file's comment).
 */
void
cercle_patient_list_set_filter (CerclePatientList *self,
                                const char        *text)
{
  g_return_if_fail (CERCLE_IS_PATIENT_LIST (self));

  if (g_strcmp0 (self->filter, text) == 0)
    return;
  g_free (self->filter);
  self->filter = g_strdup (text);
  refilter (self);
}

/**
 * cercle_patient_list_get_filter:
 * @self: a patient list
 *
 * Returns: (nullable): the filter's text
 */
const char *
cercle_patient_list_get_filter (CerclePatientList *self)
{
  g_return_val_if_fail (CERCLE_IS_PATIENT_LIST (self), NULL);
  return self->filter;
}

/**
 * cercle_patient_list_get_total:
 * @self: a patient list
 *
 * Returns: the number of patients loaded, whatever the filter
 */
guint
cercle_patient_list_get_total (CerclePatientList *self)
{
  g_return_val_if_fail (CERCLE_IS_PATIENT_LIST (self), 0);
  return self->entries->len;
}

/**
 * cercle_patient_list_get_unread:
 * @self: a patient list
 * @patient_id: a patient
 *
 * Returns: how many notes of the patient the user has not seen
 */
guint
cercle_patient_list_get_unread (CerclePatientList *self,
                                const char        *patient_id)
{
  g_return_val_if_fail (CERCLE_IS_PATIENT_LIST (self), 0);
  return GPOINTER_TO_UINT (g_hash_table_lookup (self->unread, patient_id));
}

/**
 * cercle_patient_list_set_unread:
 * @self: a patient list
 * @patient_id: a patient
 * @n: their number of unread notes
 *
 * Keeps the count in step when the user reads a patient's notes, without a
 * reload. Rows showing the patient are told to update.
 */
void
cercle_patient_list_set_unread (CerclePatientList *self,
                                const char        *patient_id,
                                guint              n)
{
  g_return_if_fail (CERCLE_IS_PATIENT_LIST (self));
  g_return_if_fail (patient_id != NULL);

  if (cercle_patient_list_get_unread (self, patient_id) == n)
    return;
  if (n == 0)
    g_hash_table_remove (self->unread, patient_id);
  else
    g_hash_table_insert (self->unread, g_strdup (patient_id), GUINT_TO_POINTER (n));
  for (guint i = 0; i < self->visible->len; i++)
    if (g_strcmp0 (cercle_patient_get_id (((Entry *) g_ptr_array_index (self->visible, i))->patient),
                   patient_id) == 0)
      g_list_model_items_changed (G_LIST_MODEL (self), i, 1, 1);
}

typedef struct {
  GPtrArray *entries;
  GHashTable *unread;
} Loaded;

static void
loaded_free (gpointer data)
{
  Loaded *loaded = data;

  g_clear_pointer (&loaded->entries, g_ptr_array_unref);
  g_clear_pointer (&loaded->unread, g_hash_table_unref);
  g_free (loaded);
}

static Loaded *
read_store (CercleDb  *db,
            GError   **error)
{
  CerclePatientQuery query = { .limit = G_MAXINT };
  g_autoptr(GListModel) patients = NULL;
  g_autoptr(GHashTable) unread = NULL;
  Loaded *loaded;
  guint n;

  patients = cercle_patient_repo_search (db, &query, error);
  if (patients == NULL)
    return NULL;
  unread = cercle_note_repo_unread_counts (db, error);
  if (unread == NULL)
    return NULL;

  n = g_list_model_get_n_items (patients);
  loaded = g_new0 (Loaded, 1);
  loaded->entries = g_ptr_array_new_full (n, entry_free);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(CerclePatient) patient = g_list_model_get_item (patients, i);
      g_ptr_array_add (loaded->entries, entry_new (patient));
    }
  loaded->unread = g_steal_pointer (&unread);
  return loaded;
}

static void
take_loaded (CerclePatientList *self,
             Loaded            *loaded)
{
  guint old_total = self->entries->len;
  g_autoptr(GPtrArray) old = g_ptr_array_new ();
  g_autoptr(GPtrArray) old_entries = self->entries;

  /* The new entries are other pointers: the whole list changes. Items
   * already handed out hold their own reference to their patient. */
  g_ptr_array_set_size (old, self->visible->len);
  g_ptr_array_set_size (self->visible, 0);
  self->entries = g_steal_pointer (&loaded->entries);
  g_hash_table_unref (self->unread);
  self->unread = g_steal_pointer (&loaded->unread);
  loaded_free (loaded);
  if (old_total != self->entries->len)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TOTAL]);
  refilter_from (self, old);
}

/**
 * cercle_patient_list_load:
 * @self: a patient list
 * @db: the local store
 * @error: return location for a #GError
 *
 * Reads every patient and their unread counts from the store, then applies
 * the filter again. On failure the list keeps what it had.
 *
 * Returns: %TRUE on success
 */
gboolean
cercle_patient_list_load (CerclePatientList  *self,
                          CercleDb           *db,
                          GError            **error)
{
  Loaded *loaded;

  g_return_val_if_fail (CERCLE_IS_PATIENT_LIST (self), FALSE);
  g_return_val_if_fail (CERCLE_IS_DB (db), FALSE);

  loaded = read_store (db, error);
  if (loaded == NULL)
    return FALSE;
  take_loaded (self, loaded);
  return TRUE;
}

static void
load_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  g_autoptr(CercleDb) db = NULL;
  GError *error = NULL;
  Loaded *loaded;

  /* A CercleDb is for one thread: this one opens its own. */
  db = cercle_store_open (task_data, &error);
  if (db == NULL || (loaded = read_store (db, &error)) == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, loaded, loaded_free);
}

/**
 * cercle_patient_list_load_async:
 * @self: a patient list
 * @db_path: the local store's file
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when loaded
 * @user_data: data for @callback
 *
 * Like cercle_patient_list_load(), reading the store in a thread with its
 * own connection. The list changes when the load finishes.
 */
void
cercle_patient_list_load_async (CerclePatientList   *self,
                                const char          *db_path,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (CERCLE_IS_PATIENT_LIST (self));
  g_return_if_fail (db_path != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, cercle_patient_list_load_async);
  g_task_set_task_data (task, g_strdup (db_path), g_free);
  g_task_run_in_thread (task, load_thread);
}

/**
 * cercle_patient_list_load_finish:
 * @self: a patient list
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Returns: %TRUE when the list now shows the store
 */
gboolean
cercle_patient_list_load_finish (CerclePatientList  *self,
                                 GAsyncResult       *result,
                                 GError            **error)
{
  Loaded *loaded;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  loaded = g_task_propagate_pointer (G_TASK (result), error);
  if (loaded == NULL)
    return FALSE;
  take_loaded (self, loaded);
  return TRUE;
}
