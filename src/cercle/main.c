/* main.c — cercle, the desktop application
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "cercle-application.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(CercleApplication) app = NULL;
  const char *localedir;

  /* CERCLE_LOCALEDIR lets a build tree run in French before installing
   * (build-aux/run-demo.sh points it at the build's po/). */
  localedir = g_getenv ("CERCLE_LOCALEDIR");
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  app = cercle_application_new ();

  return g_application_run (G_APPLICATION (app), argc, argv);
}
