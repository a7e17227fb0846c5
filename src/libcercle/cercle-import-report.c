/* cercle-import-report.c — what an import of the directory did
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Counts what was imported and skipped, and why, and keeps the messages
 * "FILE:LINE: reason" of the malformed records for the user to fix them.
 * A file with a systematic fault would give one message per line: past
 * MAX_MESSAGES only the counts go on.
 */
#include "config.h"

#include <string.h>

#include "cercle-i18n.h"
#include "cercle-import-report.h"

#define MAX_MESSAGES 1000

struct _CercleImportReport
{
  GObject     parent_instance;
  guint       structures;
  guint       communes;
  guint       removed;
  guint       skipped;
  guint       dropped_messages;
  GPtrArray  *messages;      /* NULL-terminated, char * */
  GHashTable *reasons;       /* reason → GUINT_TO_POINTER (count) */
  GPtrArray  *reason_order;  /* reasons in first-seen order, borrowed from reasons */
};

G_DEFINE_FINAL_TYPE (CercleImportReport, cercle_import_report, G_TYPE_OBJECT)

static void
cercle_import_report_finalize (GObject *object)
{
  CercleImportReport *self = (CercleImportReport *)object;

  g_ptr_array_unref (self->messages);
  g_ptr_array_unref (self->reason_order);
  g_hash_table_unref (self->reasons);

  G_OBJECT_CLASS (cercle_import_report_parent_class)->finalize (object);
}

static void
cercle_import_report_class_init (CercleImportReportClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cercle_import_report_finalize;
}

static void
cercle_import_report_init (CercleImportReport *self)
{
  self->messages = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (self->messages, NULL);
  self->reasons = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->reason_order = g_ptr_array_new ();
}

/**
 * cercle_import_report_new:
 *
 * Returns: (transfer full): an empty report
 */
CercleImportReport *
cercle_import_report_new (void)
{
  return g_object_new (CERCLE_TYPE_IMPORT_REPORT, NULL);
}

/**
 * cercle_import_report_get_imported:
 * @self: a #CercleImportReport
 *
 * Returns: how many records were imported (structures and communes)
 */
guint
cercle_import_report_get_imported (CercleImportReport *self)
{
  g_return_val_if_fail (CERCLE_IS_IMPORT_REPORT (self), 0);
  return self->structures + self->communes;
}

/**
 * cercle_import_report_get_structures:
 * @self: a #CercleImportReport
 *
 * Returns: how many sites were imported or updated
 */
guint
cercle_import_report_get_structures (CercleImportReport *self)
{
  g_return_val_if_fail (CERCLE_IS_IMPORT_REPORT (self), 0);
  return self->structures;
}

/**
 * cercle_import_report_get_communes:
 * @self: a #CercleImportReport
 *
 * Returns: how many communes were imported or updated
 */
guint
cercle_import_report_get_communes (CercleImportReport *self)
{
  g_return_val_if_fail (CERCLE_IS_IMPORT_REPORT (self), 0);
  return self->communes;
}

/**
 * cercle_import_report_get_removed:
 * @self: a #CercleImportReport
 *
 * Returns: how many sites were removed because the file says they are
 *   closed
 */
guint
cercle_import_report_get_removed (CercleImportReport *self)
{
  g_return_val_if_fail (CERCLE_IS_IMPORT_REPORT (self), 0);
  return self->removed;
}

/**
 * cercle_import_report_get_skipped:
 * @self: a #CercleImportReport
 *
 * Returns: how many records were skipped, for whatever reason
 */
guint
cercle_import_report_get_skipped (CercleImportReport *self)
{
  g_return_val_if_fail (CERCLE_IS_IMPORT_REPORT (self), 0);
  return self->skipped;
}

/**
 * cercle_import_report_get_messages:
 * @self: a #CercleImportReport
 *
 * The malformed records, as "FILE:LINE: reason" (translated), in file
 * order; at most a thousand.
 *
 * Returns: (transfer none): a %NULL-terminated array
 */
const char * const *
cercle_import_report_get_messages (CercleImportReport *self)
{
  g_return_val_if_fail (CERCLE_IS_IMPORT_REPORT (self), NULL);
  return (const char * const *) self->messages->pdata;
}

/**
 * cercle_import_report_dup_skip_reasons:
 * @self: a #CercleImportReport
 *
 * Returns: (transfer full): one "reason: count" line per reason a record
 *   was skipped for, in the order they were first met
 */
char **
cercle_import_report_dup_skip_reasons (CercleImportReport *self)
{
  GStrvBuilder *builder;
  char **out;

  g_return_val_if_fail (CERCLE_IS_IMPORT_REPORT (self), NULL);

  builder = g_strv_builder_new ();
  for (guint i = 0; i < self->reason_order->len; i++)
    {
      const char *reason = g_ptr_array_index (self->reason_order, i);
      guint count = GPOINTER_TO_UINT (g_hash_table_lookup (self->reasons, reason));
      g_autofree char *line = g_strdup_printf ("%s: %u", reason, count);

      g_strv_builder_add (builder, line);
    }
  out = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);
  return out;
}

/**
 * cercle_import_report_dup_summary:
 * @self: a #CercleImportReport
 *
 * Returns: (transfer full): a translated sentence or two for the user
 */
char *
cercle_import_report_dup_summary (CercleImportReport *self)
{
  GString *s;
  g_auto(GStrv) reasons = NULL;

  g_return_val_if_fail (CERCLE_IS_IMPORT_REPORT (self), NULL);

  s = g_string_new (NULL);
  /* %'u: the numbers grouped as the locale writes them ("95 333"). */
  g_string_append_printf (s, _("Imported: %'u structures, %'u communes; removed (closed): %'u; skipped: %'u."),
                          self->structures, self->communes, self->removed, self->skipped);
  reasons = cercle_import_report_dup_skip_reasons (self);
  for (guint i = 0; reasons[i]; i++)
    g_string_append_printf (s, "\n  %s", reasons[i]);
  if (self->dropped_messages > 0)
    {
      g_string_append_c (s, '\n');
      g_string_append_printf (s, g_dngettext (GETTEXT_PACKAGE,
                                              "%u more message not kept",
                                              "%u more messages not kept",
                                              self->dropped_messages),
                              self->dropped_messages);
    }
  return g_string_free (s, FALSE);
}

/**
 * cercle_import_report_add_structure:
 * @self: a #CercleImportReport
 *
 * Counts one site imported.
 */
void
cercle_import_report_add_structure (CercleImportReport *self)
{
  self->structures++;
}

/**
 * cercle_import_report_add_commune:
 * @self: a #CercleImportReport
 *
 * Counts one commune imported.
 */
void
cercle_import_report_add_commune (CercleImportReport *self)
{
  self->communes++;
}

/**
 * cercle_import_report_add_removed:
 * @self: a #CercleImportReport
 *
 * Counts one closed site removed from the directory.
 */
void
cercle_import_report_add_removed (CercleImportReport *self)
{
  self->removed++;
}

/**
 * cercle_import_report_skip:
 * @self: a #CercleImportReport
 * @file: the file's name, as the user knows it
 * @line: the line the record starts on
 * @reason: why, translated: "kind" or "kind: details" (the summary counts
 *   the kinds)
 * @with_message: %TRUE for a malformed record (the user gets
 *   "FILE:LINE: reason"), %FALSE for a record left out on purpose (a closed
 *   site: only counted)
 *
 * Counts one record skipped.
 */
void
cercle_import_report_skip (CercleImportReport *self,
                           const char         *file,
                           guint64             line,
                           const char         *reason,
                           gboolean            with_message)
{
  const char *colon = strstr (reason, ": ");
  /* chomped: French puts a space before the colon */
  g_autofree char *kind = g_strchomp (colon ? g_strndup (reason, colon - reason) : g_strdup (reason));
  gpointer count;

  g_return_if_fail (CERCLE_IS_IMPORT_REPORT (self));

  /* Counted by kind: what comes before ": " (the details after it, a
   * number or a byte offset, would make every reason its own). */
  self->skipped++;
  if (g_hash_table_lookup_extended (self->reasons, kind, NULL, &count))
    g_hash_table_insert (self->reasons, g_strdup (kind), GUINT_TO_POINTER (GPOINTER_TO_UINT (count) + 1));
  else
    {
      char *key = g_steal_pointer (&kind);

      g_hash_table_insert (self->reasons, key, GUINT_TO_POINTER (1));
      g_ptr_array_add (self->reason_order, key);
    }

  if (!with_message)
    return;
  if (self->messages->len - 1 >= MAX_MESSAGES)
    {
      self->dropped_messages++;
      return;
    }
  self->messages->pdata[self->messages->len - 1] =
    g_strdup_printf ("%s:%" G_GUINT64_FORMAT ": %s", file, line, reason);
  g_ptr_array_add (self->messages, NULL);
}

/**
 * cercle_import_report_warn:
 * @self: a #CercleImportReport
 * @file: the file's name, as the user knows it
 * @line: the line the record starts on
 * @reason: what is wrong, translated
 *
 * Adds a message "FILE:LINE: reason" for a record that was imported all the
 * same (e.g. without its unusable coordinates).
 */
void
cercle_import_report_warn (CercleImportReport *self,
                           const char         *file,
                           guint64             line,
                           const char         *reason)
{
  g_return_if_fail (CERCLE_IS_IMPORT_REPORT (self));

  if (self->messages->len - 1 >= MAX_MESSAGES)
    {
      self->dropped_messages++;
      return;
    }
  self->messages->pdata[self->messages->len - 1] =
    g_strdup_printf ("%s:%" G_GUINT64_FORMAT ": %s", file, line, reason);
  g_ptr_array_add (self->messages, NULL);
}
