/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Names <-> SIDs for lsarpc: the machine domain with its algorithmic rids, Samba's "Unix User" /
 * "Unix Group" domains, BUILTIN and the well-known SIDs (docs/RPC.md "Identity mapping").
 */
#ifndef SKIFF_RPC_IDMAP_H
#define SKIFF_RPC_IDMAP_H

#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/secdesc.h"
#include "rpc/rpc.h"

/* SID_NAME_USE (MS-LSAT 2.2.13) */
#define SID_NAME_USER     1
#define SID_NAME_DOM_GRP  2
#define SID_NAME_DOMAIN   3
#define SID_NAME_ALIAS    4
#define SID_NAME_WKN_GRP  5
#define SID_NAME_UNKNOWN  8

/* Samba's algorithmic mapping: user rids are even, group rids odd, from 1000 up. */
#define IDMAP_RID_BASE     1000u
#define IDMAP_RID_NONE     513u          /* the machine domain's "None" group */

struct idmap {
	const struct rpc_context *ctx;
	struct sd_sid machine;               /* S-1-5-21-a-b-c */
	const char *machine_name;            /* the NetBIOS name */
};

/* One translated name or SID. For a domain, sid == domain and name == domain_name. */
struct idmap_entry {
	uint16_t type;                       /* SID_NAME_* */
	struct sd_sid sid;
	struct sd_sid domain;
	const char *domain_name;
	const char *name;
	uint32_t rid;                        /* last sub-authority of sid (0 for a domain) */
};

void idmap_init(struct idmap *m, const struct rpc_context *ctx);
/* Machine SID derived from the NetBIOS name when none is configured (stable across restarts). */
void idmap_derive_machine_sid(const char *netbios_name, struct sd_sid *sid);

/* false when the SID (or the name) maps to nothing. Names and strings come from `a`. */
bool idmap_sid_lookup(const struct idmap *m, struct arena *a, const struct sd_sid *sid,
		      struct idmap_entry *e);
/* "name", "DOMAIN\name" or "name@DOMAIN", case-insensitive for the fixed names. */
bool idmap_name_lookup(const struct idmap *m, struct arena *a, const char *name,
		       struct idmap_entry *e);

#endif
