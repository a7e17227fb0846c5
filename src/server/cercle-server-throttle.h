/* cercle-server-throttle.h — slowing down repeated failed sign-ins
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Failures allowed before a lock, the first lock (doubling at each further
 * failure) and its cap, in seconds; failures are forgotten after
 * CERCLE_THROTTLE_FORGET seconds without one (an account's at once on a
 * successful sign-in). An address is locked for longer than an account, so
 * that someone guessing from one address is stopped long before the account
 * they guess at, and a real user is never locked out for more than a minute. */
#define CERCLE_THROTTLE_ACCOUNT_FREE     5
#define CERCLE_THROTTLE_ACCOUNT_MAX_LOCK 60
#define CERCLE_THROTTLE_ADDRESS_FREE     10
#define CERCLE_THROTTLE_ADDRESS_MAX_LOCK 300
#define CERCLE_THROTTLE_FORGET           900
/* Logins and addresses followed at once (memory bound). */
#define CERCLE_THROTTLE_MAX_ENTRIES      10000

typedef struct _CercleThrottle CercleThrottle;

CercleThrottle *cercle_throttle_new       (void);
void            cercle_throttle_free      (CercleThrottle *self);
guint           cercle_throttle_check     (CercleThrottle *self,
                                           const char     *login,
                                           const char     *address);
void            cercle_throttle_failed    (CercleThrottle *self,
                                           const char     *login,
                                           const char     *address);
void            cercle_throttle_succeeded (CercleThrottle *self,
                                           const char     *login);
char           *cercle_throttle_address_key (const char   *address);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CercleThrottle, cercle_throttle_free)

G_END_DECLS
