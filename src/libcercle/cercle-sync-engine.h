/* cercle-sync-engine.h — one account's local store kept in step with its server
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "cercle-client.h"
#include "cercle-db.h"

G_BEGIN_DECLS

/**
 * CercleSyncNoticeKind:
 * @CERCLE_SYNC_NOTICE_NOTE: someone else wrote a note on a patient of the
 *   user's circles
 * @CERCLE_SYNC_NOTICE_REFERRAL: a referral's destination changed status
 *   (answered, cancelled…), or a desk received a new one
 */
typedef enum {
  CERCLE_SYNC_NOTICE_NOTE,
  CERCLE_SYNC_NOTICE_REFERRAL,
} CercleSyncNoticeKind;

/* Something a round brought that deserves a desktop notification. No
 * note text: a notification may show on a locked screen. */
typedef struct {
  CercleSyncNoticeKind  kind;
  char                 *target_id;   /* patient id (note), ServiceRequest id (referral) */
  char                 *patient_id;
  char                 *detail;      /* category code of the note, Task status */
  char                 *business;    /* Task businessStatus code, or NULL */
} CercleSyncNotice;

/* What a round did. */
typedef struct {
  GPtrArray *kinds;      /* (element-type utf8): FHIR types changed locally */
  GPtrArray *patients;   /* (element-type utf8): patients whose file changed */
  GPtrArray *notices;    /* (element-type CercleSyncNotice) */
  guint      pulled;     /* resources applied */
  guint      pushed;     /* outbox rows the server took */
  guint      refused;    /* outbox rows refused in this round */
  gint64     retry_at;   /* real time (µs) when a waiting outbox row may go again; 0: none waits */
} CercleSyncRound;

void cercle_sync_round_free (CercleSyncRound *round);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CercleSyncRound, cercle_sync_round_free)

#define CERCLE_TYPE_SYNC_ENGINE (cercle_sync_engine_get_type ())
G_DECLARE_FINAL_TYPE (CercleSyncEngine, cercle_sync_engine, CERCLE, SYNC_ENGINE, GObject)

CercleSyncEngine *cercle_sync_engine_new          (CercleDb             *db,
                                                   CercleClient         *client);
void              cercle_sync_engine_set_page_size (CercleSyncEngine    *self,
                                                   guint                 page_size);
void              cercle_sync_engine_set_batch_size (CercleSyncEngine   *self,
                                                   guint                 batch_size);
void              cercle_sync_engine_round_async  (CercleSyncEngine     *self,
                                                   GCancellable         *cancellable,
                                                   GAsyncReadyCallback   callback,
                                                   gpointer              user_data);
CercleSyncRound  *cercle_sync_engine_round_finish (CercleSyncEngine     *self,
                                                   GAsyncResult         *result,
                                                   GError              **error);

G_END_DECLS
