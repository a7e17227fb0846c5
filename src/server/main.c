/* main.c — cercle-server: the FHIR R4 backend of a care network
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cercle-server"

#include "config.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <locale.h>
#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cercle-demo.h"
#include "cercle-directory.h"
#include "cercle-fhir-directory.h"
#include "cercle-server.h"
#include "cercle-server-access.h"
#include "cercle-server-audit.h"
#include "cercle-server-auth.h"
#include "cercle-server-store.h"

#define DEMO_PASSWORD CERCLE_DEMO_PASSWORD

static char *db_path = NULL;
static char *listen_on = NULL;
static char *tls_cert = NULL;
static char *tls_key = NULL;
static gboolean demo = FALSE;
static gint64 access_lifetime = 900;
static gint64 refresh_lifetime = 30 * 24 * 3600;
static char *response_delay_text = NULL;
static char *reminder_grace_text = NULL;
static gint deadline_check = CERCLE_SERVER_DEFAULT_DEADLINE_CHECK;
static gint readers = -1;
static char *public_url = NULL;
static gint idle_timeout = CERCLE_SERVER_DEFAULT_IDLE_TIMEOUT;
static gint header_timeout = CERCLE_SERVER_DEFAULT_HEADER_TIMEOUT;
static gint body_timeout = CERCLE_SERVER_DEFAULT_BODY_TIMEOUT;
static gint max_connections = CERCLE_SERVER_DEFAULT_MAX_CONNECTIONS;
static gint max_per_address = CERCLE_SERVER_DEFAULT_MAX_PER_ADDRESS;

static GOptionEntry main_entries[] = {
  { "db", 0, 0, G_OPTION_ARG_FILENAME, &db_path, N_("The server database"), N_("PATH") },
  { "listen", 0, 0, G_OPTION_ARG_STRING, &listen_on, N_("Address and port to listen on"), N_("HOST:PORT") },
  { "tls-cert", 0, 0, G_OPTION_ARG_FILENAME, &tls_cert, N_("TLS certificate (PEM)"), N_("FILE") },
  { "tls-key", 0, 0, G_OPTION_ARG_FILENAME, &tls_key, N_("TLS private key (PEM)"), N_("FILE") },
  { "demo", 0, 0, G_OPTION_ARG_NONE, &demo, N_("Fill an empty database with fictitious demo data"), NULL },
  { "access-token-lifetime", 0, 0, G_OPTION_ARG_INT64, &access_lifetime,
    N_("Lifetime of access tokens in seconds (default 900)"), N_("SECONDS") },
  { "response-delay", 0, 0, G_OPTION_ARG_STRING, &response_delay_text,
    N_("Time a destination has to answer a referral without its own deadline, in hours or with a unit s, m, h, d (default 48)"),
    N_("HOURS") },
  { "reminder-grace", 0, 0, G_OPTION_ARG_STRING, &reminder_grace_text,
    N_("Time between the reminder of an unanswered referral and its cancellation, in hours or with a unit s, m, h, d (default 24)"),
    N_("HOURS") },
  { "deadline-check-seconds", 0, 0, G_OPTION_ARG_INT, &deadline_check,
    N_("Seconds between two checks of the response deadlines (default 60)"), N_("SECONDS") },
  { "readers", 0, 0, G_OPTION_ARG_INT, &readers,
    N_("Threads that run reads and searches, 0 for none (default: one a core, at most 4)"), N_("N") },
  { "public-url", 0, 0, G_OPTION_ARG_STRING, &public_url,
    N_("The address clients reach the server at, for the links it writes (default: the listening address)"),
    N_("URL") },
  { "idle-timeout", 0, 0, G_OPTION_ARG_INT, &idle_timeout,
    N_("Seconds an idle connection stays open (default 60)"), N_("SECONDS") },
  { "header-timeout", 0, 0, G_OPTION_ARG_INT, &header_timeout,
    N_("Seconds a client has to send the headers of a request (default 10)"), N_("SECONDS") },
  { "body-timeout", 0, 0, G_OPTION_ARG_INT, &body_timeout,
    N_("Seconds a client has to send the body of a request (default 30)"), N_("SECONDS") },
  { "max-connections", 0, 0, G_OPTION_ARG_INT, &max_connections,
    N_("Connections open at once, all clients (default 4096)"), N_("N") },
  { "max-connections-per-address", 0, 0, G_OPTION_ARG_INT, &max_per_address,
    N_("Connections open at once from one client address (default 128)"), N_("N") },
  { NULL }
};

/* "48" (hours), "90s", "30m", "12h", "2d" → seconds, or -1. */
static gint64
parse_duration (const char *text,
                gint64      default_seconds)
{
  static const struct { char unit; gint64 seconds; } units[] = {
    { 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 24 * 3600 },
  };
  g_autofree char *number = NULL;
  gint64 factor = 3600;
  gsize len;
  guint64 n;

  if (text == NULL)
    return default_seconds;
  number = g_strstrip (g_strdup (text));
  len = strlen (number);
  for (guint i = 0; len > 0 && i < G_N_ELEMENTS (units); i++)
    if (g_ascii_tolower (number[len - 1]) == units[i].unit)
      {
        factor = units[i].seconds;
        number[len - 1] = '\0';
        break;
      }
  if (!g_ascii_string_to_unsigned (number, 10, 0, G_MAXINT64 / (24 * 3600), &n, NULL))
    return -1;
  return (gint64) n * factor;
}

static gboolean
seed_demo (CercleServerStore  *store,
           GError            **error)
{
  CercleDb *db = cercle_server_store_get_db (store);
  g_autoptr(GPtrArray) resources = NULL;
  const CercleDemoAccount *accounts;
  gsize n_accounts = 0;

  if (!cercle_server_store_is_empty (store))
    {
      g_message ("The database is not empty: no demo data added");
      return TRUE;
    }
  resources = cercle_demo_resources ();
  accounts = cercle_demo_accounts (&n_accounts);
  if (!cercle_db_begin (db, error))
    return FALSE;
  for (guint i = 0; i < resources->len; i++)
    {
      JsonObject *res = g_ptr_array_index (resources, i);
      g_autoptr(CercleStoredResource) written = NULL;
      CercleStoreWrite outcome;

      written = cercle_server_store_write (store, res, -1, &outcome, error);
      if (written == NULL)
        goto fail;
    }
  for (gsize i = 0; i < n_accounts; i++)
    if (!cercle_server_auth_add_user (store, accounts[i].login, DEMO_PASSWORD, accounts[i].practitioner_id,
                                      accounts[i].organization_id, accounts[i].display_name, error))
      goto fail;
  if (!cercle_db_commit (db, error))
    return FALSE;
  g_message ("Demo data added: %u resources, %" G_GSIZE_FORMAT " accounts (password “%s”)",
             resources->len, n_accounts, DEMO_PASSWORD);
  return TRUE;

fail:
  cercle_db_rollback (db);
  return FALSE;
}

static GSocketAddress *
parse_listen (const char  *text,
              gboolean    *loopback,
              GError     **error)
{
  g_autofree char *host = NULL;
  g_autoptr(GInetAddress) inet = NULL;
  const char *colon = strrchr (text, ':');
  guint64 port;

  if (colon == NULL || !g_ascii_string_to_unsigned (colon + 1, 10, 0, 65535, &port, NULL))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, _("--listen takes HOST:PORT, not “%s”"), text);
      return NULL;
    }
  host = g_strndup (text, colon - text);
  if (host[0] == '[' && host[strlen (host) - 1] == ']')
    {
      host[strlen (host) - 1] = '\0';
      memmove (host, host + 1, strlen (host));
    }
  if (g_str_equal (host, "localhost"))
    g_free (g_steal_pointer (&host)), host = g_strdup ("127.0.0.1");
  inet = g_inet_address_new_from_string (host);
  if (inet == NULL)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, _("“%s” is not an IP address"), host);
      return NULL;
    }
  *loopback = g_inet_address_get_is_loopback (inet);
  return g_inet_socket_address_new (inet, port);
}

static gboolean
on_signal (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

static int
run_server (CercleServerStore *store)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(CercleServerAuth) auth = NULL;
  g_autoptr(CercleServer) server = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  gboolean loopback = FALSE;
  gint64 response_delay, reminder_grace;
  GSList *uris;

  /* Pages of the history feed are tens of kilobytes, built on a reader
   * thread and freed on the main loop once sent: freed memory stays in the
   * heap for the next page instead of going back to the kernel and being
   * faulted in again, page by page. */
  mallopt (M_MMAP_THRESHOLD, 1024 * 1024);
  mallopt (M_TRIM_THRESHOLD, 16 * 1024 * 1024);

  if (listen_on == NULL)
    {
      g_printerr ("cercle-server: %s\n", _("--listen HOST:PORT is required"));
      return 2;
    }
  address = parse_listen (listen_on, &loopback, &error);
  if (address == NULL)
    {
      g_printerr ("cercle-server: %s\n", error->message);
      return 2;
    }
  response_delay = parse_duration (response_delay_text, CERCLE_SERVER_DEFAULT_RESPONSE_DELAY);
  reminder_grace = parse_duration (reminder_grace_text, CERCLE_SERVER_DEFAULT_REMINDER_GRACE);
  if (response_delay < 0 || reminder_grace < 0 || deadline_check < 0)
    {
      g_printerr ("cercle-server: %s\n",
                  _("--response-delay and --reminder-grace take a number of hours, or a number and a unit: 90s, 30m, 12h, 2d"));
      return 2;
    }
  if (readers < -1 || readers > 64)
    {
      g_printerr ("cercle-server: %s\n", _("--readers takes a number of threads from 0 to 64"));
      return 2;
    }
  if (idle_timeout < 1 || header_timeout < 1 || body_timeout < 1 || max_connections < 1 || max_per_address < 1)
    {
      g_printerr ("cercle-server: %s\n",
                  _("--idle-timeout, --header-timeout, --body-timeout, --max-connections and --max-connections-per-address take a number from 1"));
      return 2;
    }
  if (public_url)
    {
      g_autoptr(GUri) uri = g_uri_parse (public_url, G_URI_FLAGS_NONE, NULL);

      if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0' ||
          (g_strcmp0 (g_uri_get_scheme (uri), "https") != 0 && g_strcmp0 (g_uri_get_scheme (uri), "http") != 0) ||
          g_uri_get_query (uri) || g_uri_get_fragment (uri) || g_uri_get_userinfo (uri))
        {
          g_printerr ("cercle-server: %s\n", _("--public-url takes an http:// or https:// address, without query or fragment"));
          return 2;
        }
    }
  if ((tls_cert == NULL) != (tls_key == NULL))
    {
      g_printerr ("cercle-server: %s\n", _("--tls-cert and --tls-key go together"));
      return 2;
    }
  if (tls_cert == NULL && !loopback)
    {
      /* Health data never travel over plain HTTP outside the machine. */
      g_printerr ("cercle-server: %s\n", _("Plain HTTP is allowed on a loopback address only: give --tls-cert and --tls-key"));
      return 2;
    }
  if (tls_cert)
    {
      certificate = g_tls_certificate_new_from_files (tls_cert, tls_key, &error);
      if (certificate == NULL)
        {
          g_printerr ("cercle-server: %s\n", error->message);
          return 2;
        }
    }
  if (demo && !seed_demo (store, &error))
    {
      g_printerr ("cercle-server: %s\n", error->message);
      return 1;
    }

  cercle_server_store_start_checkpoints (store);
  auth = cercle_server_auth_new (store, access_lifetime, refresh_lifetime);
  server = cercle_server_new (store, CERCLE_TOKEN_ISSUER (auth));
  cercle_server_set_deadlines (server, response_delay, reminder_grace, (guint) deadline_check);
  /* cercle_server_new () starts the default pool: no second one for it. */
  if (readers != -1)
    cercle_server_set_readers (server, readers);
  {
    CercleServerLimits limits = { (guint) idle_timeout, (guint) header_timeout, (guint) body_timeout,
                                  (guint) max_connections, (guint) max_per_address };

    cercle_server_set_limits (server, &limits);
  }
  if (public_url)
    cercle_server_set_public_url (server, public_url);
  if (!cercle_server_listen (server, address, certificate, &error))
    {
      g_printerr ("cercle-server: %s\n", error->message);
      return 1;
    }
  uris = cercle_server_get_uris (server);
  for (GSList *l = uris; l; l = l->next)
    {
      g_autofree char *text = g_uri_to_string (l->data);
      /* Tests and scripts read this line to find the port. */
      g_print ("Listening on %s\n", text);
    }
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  fflush (stdout);

  loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGTERM, on_signal, loop);
  g_unix_signal_add (SIGINT, on_signal, loop);
  g_main_loop_run (loop);
  g_message ("Stopping");
  return 0;
}

static char *
read_password (void)
{
  g_autofree char *line = NULL;
  char buffer[1024];
  struct termios saved, quiet;
  gboolean tty = isatty (STDIN_FILENO) && tcgetattr (STDIN_FILENO, &saved) == 0;
  char *got;

  if (tty)
    {
      /* Typed, not echoed. */
      g_printerr ("%s", _("Password: "));
      quiet = saved;
      quiet.c_lflag &= ~(tcflag_t) ECHO;
      tcsetattr (STDIN_FILENO, TCSAFLUSH, &quiet);
    }
  got = fgets (buffer, sizeof buffer, stdin);
  if (tty)
    {
      tcsetattr (STDIN_FILENO, TCSAFLUSH, &saved);
      g_printerr ("\n");
    }
  if (got == NULL)
    return NULL;
  buffer[strcspn (buffer, "\r\n")] = '\0';
  line = g_strdup (buffer);
  explicit_bzero (buffer, sizeof buffer);
  return g_steal_pointer (&line);
}

static int
cmd_user (CercleServerStore *store,
          int                argc,
          char             **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GOptionContext) context = NULL;
  g_autofree char *practitioner = NULL;
  g_autofree char *organization = NULL;
  g_autofree char *name = NULL;
  gboolean admin = FALSE;
  GOptionEntry entries[] = {
    { "practitioner", 0, 0, G_OPTION_ARG_STRING, &practitioner, N_("The account's Practitioner id"), N_("ID") },
    { "organization", 0, 0, G_OPTION_ARG_STRING, &organization,
      N_("For an admission desk: the Organization id it acts for"), N_("ID") },
    { "name", 0, 0, G_OPTION_ARG_STRING, &name, N_("Display name"), N_("NAME") },
    { "admin", 0, 0, G_OPTION_ARG_NONE, &admin,
      N_("Make the account an administrator of the shared directory"), NULL },
    { NULL }
  };

  context = g_option_context_new (_("add LOGIN | disable LOGIN | grant LOGIN admin | revoke LOGIN admin"));
  g_option_context_set_summary (context, _("Add an account (password read from standard input) or disable one."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("cercle-server: %s\n", error->message);
      return 2;
    }
  if (argc == 3 && g_str_equal (argv[1], "add"))
    {
      g_autofree char *password = NULL;

      if (practitioner == NULL || !cercle_server_store_valid_id (practitioner) ||
          (organization && !cercle_server_store_valid_id (organization)))
        {
          g_printerr ("cercle-server: %s\n", _("user add needs --practitioner ID (and a valid --organization ID)"));
          return 2;
        }
      password = read_password ();
      if (password == NULL || strlen (password) < 8)
        {
          g_printerr ("cercle-server: %s\n", _("A password of 8 characters or more is read from standard input"));
          return 2;
        }
      if (!cercle_server_auth_add_user (store, argv[2], password, practitioner, organization, name, &error))
        {
          explicit_bzero (password, strlen (password));
          g_printerr ("cercle-server: %s\n", error->message);
          return 1;
        }
      explicit_bzero (password, strlen (password));
      g_print (_("Account “%s” saved\n"), argv[2]);
      if (admin)
        {
          if (!cercle_server_access_set_role (store, argv[2], CERCLE_SERVER_ROLE_ADMIN, TRUE, &error))
            {
              g_printerr ("cercle-server: %s\n", error->message);
              return 1;
            }
          g_print (_("Account “%s” is an administrator\n"), argv[2]);
        }
      return 0;
    }
  if (argc == 4 && (g_str_equal (argv[1], "grant") || g_str_equal (argv[1], "revoke")))
    {
      gboolean grant = g_str_equal (argv[1], "grant");

      if (!g_str_equal (argv[3], CERCLE_SERVER_ROLE_ADMIN))
        {
          g_printerr ("cercle-server: %s\n", _("The only role is “admin”"));
          return 2;
        }
      if (!cercle_server_access_set_role (store, argv[2], argv[3], grant, &error))
        {
          g_printerr ("cercle-server: %s\n", error->message);
          return 1;
        }
      g_print (grant ? _("Account “%s” is an administrator\n") : _("Account “%s” is no longer an administrator\n"),
               argv[2]);
      return 0;
    }
  if (argc == 3 && g_str_equal (argv[1], "disable"))
    {
      if (!cercle_server_auth_disable_user (store, argv[2], &error))
        {
          g_printerr ("cercle-server: %s\n", error->message);
          return 1;
        }
      g_print (_("Account “%s” disabled and its tokens revoked\n"), argv[2]);
      return 0;
    }
  g_printerr ("cercle-server: %s\n", _("usage: user add LOGIN --practitioner ID [--organization ID] [--name NAME] [--admin] | user disable LOGIN | user grant LOGIN admin | user revoke LOGIN admin"));
  return 2;
}

static int
cmd_audit (CercleServerStore *store,
           int                argc,
           char             **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *first_bad = NULL;
  guint64 n = 0;

  if (argc != 2 || !g_str_equal (argv[1], "verify"))
    {
      g_printerr ("cercle-server: %s\n", _("usage: audit verify"));
      return 2;
    }
  if (!cercle_server_audit_verify (store, &n, &first_bad, &error))
    {
      g_printerr ("cercle-server: %s\n", error->message);
      return 2;
    }
  if (first_bad)
    {
      g_print (_("The audit trail was tampered with: event %s does not match the chain (%u events before it are intact)\n"),
               first_bad, (guint) n);
      return 1;
    }
  g_print (_("The audit trail is intact: %u events\n"), (guint) n);
  return 0;
}

/* The imported directory becomes FHIR resources of the API: one
 * Organization per FINESS site, its Location (position) and its
 * HealthcareService (intervention zone), ids derived from the FINESS number
 * so that a new import updates them in place. */
static gboolean
publish_directory (CercleServerStore  *store,
                   GError            **error)
{
  CercleDb *db = cercle_server_store_get_db (store);
  g_autoptr(CercleDirectory) directory = cercle_directory_new (cercle_db_get_path (db));
  g_autoptr(GListModel) structures = NULL;
  guint n, written = 0;

  structures = cercle_directory_list_structures (directory, NULL, NULL, error);
  if (structures == NULL)
    return FALSE;
  n = g_list_model_get_n_items (structures);
  if (!cercle_db_begin (db, error))
    return FALSE;
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(CercleStructure) s = g_list_model_get_item (structures, i);
      const char *finess = cercle_structure_get_finess (s);
      g_autofree char *org_id = g_strdup_printf ("org-%s", finess);
      g_autofree char *loc_id = g_strdup_printf ("loc-%s", finess);
      g_autofree char *hs_id = g_strdup_printf ("hs-%s", finess);
      double lat = cercle_structure_get_latitude (s), lon = cercle_structure_get_longitude (s);
      gboolean located = isfinite (lat) && isfinite (lon) && (lat != 0 || lon != 0);
      g_autoptr(JsonObject) org = NULL;
      g_autoptr(JsonObject) loc = NULL;
      g_autoptr(JsonObject) hs = NULL;
      JsonObject *resources[3];
      CercleStoreWrite outcome;

      if (!cercle_server_store_valid_id (org_id))
        continue;
      org = cercle_fhir_organization_new (org_id, finess, cercle_structure_get_name (s),
                                          cercle_structure_get_category_code (s),
                                          cercle_structure_get_category_label (s),
                                          cercle_structure_get_address (s), cercle_structure_get_commune_code (s),
                                          cercle_structure_get_commune_name (s), cercle_structure_get_postcode (s),
                                          cercle_structure_get_phone (s));
      if (located)
        loc = cercle_fhir_location_new (loc_id, org_id, cercle_structure_get_name (s),
                                        cercle_structure_get_address (s), cercle_structure_get_commune_code (s),
                                        cercle_structure_get_commune_name (s), cercle_structure_get_postcode (s),
                                        lat, lon);
      hs = cercle_fhir_healthcare_service_new (hs_id, org_id, located ? loc_id : NULL, cercle_structure_get_name (s),
                                               cercle_structure_get_category_code (s),
                                               cercle_structure_get_category_label (s),
                                               cercle_structure_get_phone (s), cercle_structure_get_zone (s));
      resources[0] = org;
      resources[1] = loc;
      resources[2] = hs;
      for (guint j = 0; j < G_N_ELEMENTS (resources); j++)
        {
          g_autoptr(CercleStoredResource) res = NULL;

          if (resources[j] == NULL)
            continue;
          res = cercle_server_store_write (store, resources[j], -1, &outcome, error);
          if (res == NULL)
            {
              cercle_db_rollback (db);
              return FALSE;
            }
          if (outcome != CERCLE_STORE_WRITE_UNCHANGED)
            written++;
        }
    }
  if (!cercle_db_commit (db, error))
    return FALSE;
  g_print (_("%u structures published in the API (%u resources written)\n"), n, written);
  return TRUE;
}

static int
cmd_directory (CercleServerStore *store,
               int                argc,
               char             **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CercleDirectory) directory = NULL;
  g_autoptr(CercleImportReport) report = NULL;
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree char *summary = NULL;
  const char * const *messages;

  if (argc < 3 || !g_str_equal (argv[1], "import"))
    {
      g_printerr ("cercle-server: %s\n", _("usage: directory import FILE…"));
      return 2;
    }
  for (int i = 2; i < argc; i++)
    g_ptr_array_add (files, g_file_new_for_commandline_arg (argv[i]));
  directory = cercle_directory_new (cercle_db_get_path (cercle_server_store_get_db (store)));
  report = cercle_directory_import (directory, (GFile **) files->pdata, files->len, NULL, NULL, NULL, &error);
  if (report == NULL)
    {
      g_printerr (_("cercle-server: import failed, the directory is unchanged: %s\n"), error->message);
      return 1;
    }
  messages = cercle_import_report_get_messages (report);
  for (guint i = 0; messages[i]; i++)
    g_printerr ("%s\n", messages[i]);
  summary = cercle_import_report_dup_summary (report);
  g_print ("%s\n", summary);
  if (!publish_directory (store, &error))
    {
      g_printerr ("cercle-server: %s\n", error->message);
      return 1;
    }
  return 0;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CercleServerStore) store = NULL;

  setlocale (LC_ALL, "");
  /* CERCLE_LOCALEDIR: a build tree's translations, before installing. */
  bindtextdomain (GETTEXT_PACKAGE, g_getenv ("CERCLE_LOCALEDIR") ? g_getenv ("CERCLE_LOCALEDIR") : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  context = g_option_context_new (_("[user|directory|audit …]"));
  g_option_context_set_summary (context, _("The Cercle FHIR R4 server: patients' care circles, notes and referrals."));
  g_option_context_add_main_entries (context, main_entries, GETTEXT_PACKAGE);
  /* Stop at the subcommand: what follows belongs to it. */
  g_option_context_set_strict_posix (context, TRUE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("cercle-server: %s\n", error->message);
      return 2;
    }
  if (db_path == NULL)
    {
      g_printerr ("cercle-server: %s\n", _("--db PATH is required"));
      return 2;
    }
  store = cercle_server_store_open (db_path, &error);
  if (store == NULL)
    {
      g_printerr ("cercle-server: %s\n", error->message);
      return 1;
    }

  if (argc < 2)
    return run_server (store);
  if (g_str_equal (argv[1], "user"))
    return cmd_user (store, argc - 1, argv + 1);
  if (g_str_equal (argv[1], "audit"))
    return cmd_audit (store, argc - 1, argv + 1);
  if (g_str_equal (argv[1], "directory"))
    return cmd_directory (store, argc - 1, argv + 1);
  g_printerr ("cercle-server: %s\n", _("Unknown command: use user, directory or audit"));
  return 2;
}
