/* cercle-server-throttle.c — slowing down repeated failed sign-ins
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each login typed and each client address has a count of failed sign-ins.
 * Past a number of free failures, each further one locks the login (or the
 * address) for a time that doubles, up to a cap: while locked, a sign-in is
 * answered 429 with Retry-After, without checking the password (which is
 * also the costly part). A refused attempt does not count as a failure: a
 * real user who waits the time said gets in. Logins typed that name no
 * account are followed the same way, so the answers say nothing of which
 * accounts exist.
 */
#include "config.h"

#include <gio/gio.h>
#include <string.h>

#include "cercle-server-throttle.h"

typedef struct {
  guint  failures;
  gint64 last_failure;   /* monotonic µs */
  gint64 locked_until;   /* monotonic µs */
} Entry;

struct _CercleThrottle
{
  GHashTable *logins;     /* char* → Entry* */
  GHashTable *addresses;  /* char* → Entry* */
};

CercleThrottle *
cercle_throttle_new (void)
{
  CercleThrottle *self = g_new0 (CercleThrottle, 1);

  self->logins = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->addresses = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return self;
}

void
cercle_throttle_free (CercleThrottle *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->logins);
  g_hash_table_unref (self->addresses);
  g_free (self);
}

static gboolean
forgotten (Entry  *entry,
           gint64  now)
{
  return entry->locked_until <= now && now - entry->last_failure > (gint64) CERCLE_THROTTLE_FORGET * G_USEC_PER_SEC;
}

static gboolean
prune_one (gpointer key,
           gpointer value,
           gpointer data)
{
  return forgotten (value, *(gint64 *) data);
}

static Entry *
lookup (GHashTable *table,
        const char *key,
        gint64      now)
{
  Entry *entry = g_hash_table_lookup (table, key);

  if (entry && forgotten (entry, now))
    {
      g_hash_table_remove (table, key);
      entry = NULL;
    }
  return entry;
}

static guint
seconds_left (Entry  *entry,
              gint64  now)
{
  if (entry == NULL || entry->locked_until <= now)
    return 0;
  return (guint) ((entry->locked_until - now + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC);
}

/**
 * cercle_throttle_check:
 * @self: a throttle
 * @login: the login typed
 * @address: the client's address
 *
 * Returns: 0 when a sign-in of @login from @address may be tried now, else
 *   the seconds to wait (for the Retry-After header)
 */
guint
cercle_throttle_check (CercleThrottle *self,
                       const char     *login,
                       const char     *address)
{
  gint64 now = g_get_monotonic_time ();

  g_autofree char *key = cercle_throttle_address_key (address);

  return MAX (seconds_left (lookup (self->addresses, key, now), now),
              seconds_left (lookup (self->logins, login, now), now));
}

static void
count_failure (GHashTable *table,
               const char *key,
               guint       free_failures,
               guint       max_lock,
               gint64      now)
{
  Entry *entry = lookup (table, key, now);

  if (entry == NULL)
    {
      if (g_hash_table_size (table) >= CERCLE_THROTTLE_MAX_ENTRIES)
        g_hash_table_foreach_remove (table, prune_one, &now);
      /* Still full of live entries: start again rather than grow. An
       * address that fills it is itself locked long before. */
      if (g_hash_table_size (table) >= CERCLE_THROTTLE_MAX_ENTRIES)
        g_hash_table_remove_all (table);
      entry = g_new0 (Entry, 1);
      g_hash_table_insert (table, g_strdup (key), entry);
    }
  entry->failures++;
  entry->last_failure = now;
  if (entry->failures > free_failures)
    {
      guint shift = MIN (entry->failures - free_failures - 1, 20);
      gint64 lock = MIN ((gint64) 1 << shift, (gint64) max_lock);

      entry->locked_until = now + lock * G_USEC_PER_SEC;
    }
}

/* A wrong password (or an unknown login) for @login from @address. */
void
cercle_throttle_failed (CercleThrottle *self,
                        const char     *login,
                        const char     *address)
{
  gint64 now = g_get_monotonic_time ();
  g_autofree char *key = cercle_throttle_address_key (address);

  count_failure (self->logins, login, CERCLE_THROTTLE_ACCOUNT_FREE, CERCLE_THROTTLE_ACCOUNT_MAX_LOCK, now);
  count_failure (self->addresses, key, CERCLE_THROTTLE_ADDRESS_FREE, CERCLE_THROTTLE_ADDRESS_MAX_LOCK, now);
}

/* The right password: the login's failures are forgotten, not the
 * address's (one's own account would otherwise reset guesses at others). */
void
cercle_throttle_succeeded (CercleThrottle *self,
                           const char     *login)
{
  g_hash_table_remove (self->logins, login);
}

/**
 * cercle_throttle_address_key:
 * @address: a client's address, as text
 *
 * What per-address limits (failed sign-ins, connections) count: an IPv4
 * address as it is, an IPv4-mapped IPv6 address (::ffff:a.b.c.d) as its
 * IPv4 address, and an IPv6 address as its /64 network. One host holds a
 * whole /64 (SLAAC, privacy addresses): counted one address at a time, it
 * had 2^64 fresh addresses to guess passwords and open connections from,
 * and could fill the followed addresses and logins until they were all
 * forgotten.
 *
 * Returns: (transfer full): the key
 */
char *
cercle_throttle_address_key (const char *address)
{
  static const guint8 mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
  g_autoptr(GInetAddress) inet = address ? g_inet_address_new_from_string (address) : NULL;
  const guint8 *b;

  if (inet == NULL || g_inet_address_get_family (inet) != G_SOCKET_FAMILY_IPV6)
    return g_strdup (address ? address : "");
  b = g_inet_address_to_bytes (inet);
  if (memcmp (b, mapped, sizeof mapped) == 0)
    return g_strdup_printf ("%u.%u.%u.%u", b[12], b[13], b[14], b[15]);
  return g_strdup_printf ("%x:%x:%x:%x::/64", (guint) (b[0] << 8 | b[1]), (guint) (b[2] << 8 | b[3]),
                          (guint) (b[4] << 8 | b[5]), (guint) (b[6] << 8 | b[7]));
}
