/* cercle-demo.h — the fictitious demo dataset the server seeds with --demo
 *
 * Copyright 2026 The Cercle authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define CERCLE_DEMO_PASSWORD "cercle-demo"

/* Organizations */
#define CERCLE_DEMO_ORG_CH_MELUN        "org-ch-melun"
#define CERCLE_DEMO_ORG_SSIAD_MELUN     "org-ssiad-melun"
#define CERCLE_DEMO_ORG_SMR_COUBERT     "org-smr-coubert"
#define CERCLE_DEMO_ORG_HAD_MELUN       "org-had-melun"
#define CERCLE_DEMO_ORG_CABINET_MELUN   "org-cabinet-melun"

/* Practitioners */
#define CERCLE_DEMO_PRACT_MARTIN        "pract-martin-paul"
#define CERCLE_DEMO_PRACT_BERNARD       "pract-bernard-sophie"
#define CERCLE_DEMO_PRACT_SORTIE        "pract-petit-nadia"
#define CERCLE_DEMO_PRACT_SSIAD         "pract-roux-celine"
#define CERCLE_DEMO_PRACT_SMR           "pract-lefevre-claire"
#define CERCLE_DEMO_PRACT_HAD           "pract-moreau-julien"
#define CERCLE_DEMO_PRACT_DEHORS        "pract-dehors-luc"

/* Patients */
#define CERCLE_DEMO_PAT_DURAND          "pat-durand-jeanne"
#define CERCLE_DEMO_PAT_LEROY           "pat-leroy-marcel"
#define CERCLE_DEMO_PAT_FAURE           "pat-faure-lucienne"
#define CERCLE_DEMO_PAT_NGUYEN          "pat-nguyen-thi"
#define CERCLE_DEMO_PAT_GARNIER         "pat-garnier-robert"

/* Relatives */
#define CERCLE_DEMO_REL_DURAND_FILLE    "rel-durand-claire"

/* Referral: one dossier for Jeanne Durand, three destinations */
#define CERCLE_DEMO_REFERRAL            "sr-durand-sortie"
#define CERCLE_DEMO_DOSSIER             "DO-2026-000117"
#define CERCLE_DEMO_TASK_SSIAD          "task-durand-ssiad"
#define CERCLE_DEMO_TASK_SMR            "task-durand-smr"
#define CERCLE_DEMO_TASK_HAD            "task-durand-had"

typedef struct {
  const char *login;
  const char *display_name;
  const char *practitioner_id;
  const char *organization_id;   /* nullable: set for admission desks */
  const char *profession;        /* TRE_G15 code or CERCLE_PROFESSION_* */
} CercleDemoAccount;

GPtrArray               *cercle_demo_resources (void);
const CercleDemoAccount *cercle_demo_accounts  (gsize *n_accounts);

G_END_DECLS
