/* SPDX-License-Identifier: Apache-2.0 */
/* Identity mapping for lsarpc (see idmap.h): tables of well-known names, Unix accounts through
 * getpwnam_r / getgrnam_r, and the algorithmic rids of the machine domain. */
#include "rpc/idmap.h"

#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/utf16.h"
#include "rpc/ndr.h"

#define AUTH_NULL     0u
#define AUTH_WORLD    1u
#define AUTH_LOCAL    2u
#define AUTH_CREATOR  3u
#define AUTH_NT       5u
#define AUTH_UNIX     22u
#define NT_BUILTIN    32u   /* S-1-5-32 */
#define UNIX_USERS    1u    /* S-1-22-1 */
#define UNIX_GROUPS   2u    /* S-1-22-2 */

/* Names as Samba gives them, so both servers answer a client alike (MS-DTYP 2.4.2.4 lists the
 * SIDs; Windows spells "NT AUTHORITY" in capitals). */
static const char DOM_NT[] = "NT Authority";
static const char DOM_BUILTIN[] = "BUILTIN";
static const char DOM_UNIX_USER[] = "Unix User";
static const char DOM_UNIX_GROUP[] = "Unix Group";

struct wk_sid {
	uint8_t auth;
	uint8_t n;                  /* sub-authorities: 1 or 2 */
	uint32_t a0, a1;
	const char *name;
	uint16_t type;
};

static const struct wk_sid well_known[] = {
	{ AUTH_WORLD, 1, 0, 0, "Everyone", SID_NAME_WKN_GRP },
	{ AUTH_LOCAL, 1, 0, 0, "Local", SID_NAME_WKN_GRP },
	{ AUTH_LOCAL, 1, 1, 0, "Console Logon", SID_NAME_WKN_GRP },
	{ AUTH_CREATOR, 1, 0, 0, "Creator Owner", SID_NAME_WKN_GRP },
	{ AUTH_CREATOR, 1, 1, 0, "Creator Group", SID_NAME_WKN_GRP },
	{ AUTH_CREATOR, 1, 2, 0, "Creator Owner Server", SID_NAME_WKN_GRP },
	{ AUTH_CREATOR, 1, 3, 0, "Creator Group Server", SID_NAME_WKN_GRP },
	{ AUTH_CREATOR, 1, 4, 0, "Owner Rights", SID_NAME_WKN_GRP },
	{ AUTH_NT, 1, 1, 0, "Dialup", SID_NAME_WKN_GRP },
	{ AUTH_NT, 1, 2, 0, "Network", SID_NAME_WKN_GRP },
	{ AUTH_NT, 1, 3, 0, "Batch", SID_NAME_WKN_GRP },
	{ AUTH_NT, 1, 4, 0, "Interactive", SID_NAME_WKN_GRP },
	{ AUTH_NT, 1, 6, 0, "Service", SID_NAME_WKN_GRP },
	{ AUTH_NT, 1, 7, 0, "Anonymous Logon", SID_NAME_WKN_GRP },
	{ AUTH_NT, 1, 8, 0, "Proxy", SID_NAME_WKN_GRP },
	{ AUTH_NT, 1, 9, 0, "Enterprise Domain Controllers", SID_NAME_WKN_GRP },
	{ AUTH_NT, 1, 10, 0, "Self", SID_NAME_WKN_GRP },
	{ AUTH_NT, 1, 11, 0, "Authenticated Users", SID_NAME_WKN_GRP },
	{ AUTH_NT, 1, 12, 0, "Restricted", SID_NAME_WKN_GRP },
	{ AUTH_NT, 1, 13, 0, "Terminal Server User", SID_NAME_WKN_GRP },
	{ AUTH_NT, 1, 14, 0, "Remote Interactive Logon", SID_NAME_WKN_GRP },
	{ AUTH_NT, 1, 15, 0, "This Organization", SID_NAME_WKN_GRP },
	{ AUTH_NT, 1, 17, 0, "IUSR", SID_NAME_WKN_GRP },
	{ AUTH_NT, 1, 18, 0, "SYSTEM", SID_NAME_WKN_GRP },
	{ AUTH_NT, 1, 19, 0, "Local Service", SID_NAME_WKN_GRP },
	{ AUTH_NT, 1, 20, 0, "Network Service", SID_NAME_WKN_GRP },
	{ AUTH_NT, 2, NT_BUILTIN, 544, "Administrators", SID_NAME_ALIAS },
	{ AUTH_NT, 2, NT_BUILTIN, 545, "Users", SID_NAME_ALIAS },
	{ AUTH_NT, 2, NT_BUILTIN, 546, "Guests", SID_NAME_ALIAS },
	{ AUTH_NT, 2, NT_BUILTIN, 547, "Power Users", SID_NAME_ALIAS },
	{ AUTH_NT, 2, NT_BUILTIN, 548, "Account Operators", SID_NAME_ALIAS },
	{ AUTH_NT, 2, NT_BUILTIN, 549, "Server Operators", SID_NAME_ALIAS },
	{ AUTH_NT, 2, NT_BUILTIN, 550, "Print Operators", SID_NAME_ALIAS },
	{ AUTH_NT, 2, NT_BUILTIN, 551, "Backup Operators", SID_NAME_ALIAS },
	{ AUTH_NT, 2, NT_BUILTIN, 552, "Replicator", SID_NAME_ALIAS },
	{ AUTH_NT, 2, NT_BUILTIN, 554, "Pre-Windows 2000 Compatible Access", SID_NAME_ALIAS },
	{ AUTH_NT, 2, NT_BUILTIN, 555, "Remote Desktop Users", SID_NAME_ALIAS },
	{ AUTH_NT, 2, NT_BUILTIN, 556, "Network Configuration Operators", SID_NAME_ALIAS },
};

static struct sd_sid wk_sid_of(const struct wk_sid *w)
{
	return sd_sid_make(w->auth, w->n, w->a0, w->a1);
}

/* The domain part of a SID: all but its last sub-authority. */
static struct sd_sid sid_domain_of(const struct sd_sid *sid)
{
	struct sd_sid d = *sid;

	if (d.num_auths > 0)
		d.num_auths--;
	return d;
}

static uint32_t fnv1a(uint32_t h, const char *s)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch >= 'a' && ch <= 'z')
			ch = (unsigned char)(ch - 'a' + 'A');
		h = (h ^ ch) * 16777619u;
	}
	return h;
}

void idmap_derive_machine_sid(const char *netbios_name, struct sd_sid *sid)
{
	const char *n = netbios_name ? netbios_name : "";

	*sid = sd_sid_make(AUTH_NT, 1, 21, 0);
	/* three different seeds; sub-authorities of real machine SIDs are never 0 */
	for (unsigned i = 0; i < 3; i++) {
		uint32_t v = fnv1a(fnv1a(2166136261u + i * 0x9E3779B9u, "skiff-machine-sid:"), n);
		sid->sub_auths[1 + i] = v ? v : 1;
	}
	sid->num_auths = 4;
}

void idmap_init(struct idmap *m, const struct rpc_context *ctx)
{
	m->ctx = ctx;
	m->machine_name = ctx->server && ctx->server->netbios_name ? ctx->server->netbios_name : "";
	if (ctx->machine_sid == NULL || !ndr_sid_parse(ctx->machine_sid, &m->machine) ||
	    m->machine.num_auths >= SD_SID_MAX_SUB_AUTHS) {
		if (ctx->machine_sid != NULL)
			log_warn("rpc: machine SID '%s' is not a SID; deriving one", ctx->machine_sid);
		idmap_derive_machine_sid(m->machine_name, &m->machine);
	}
}

/* sid == domain + one rid? */
static bool sid_in_domain(const struct sd_sid *sid, const struct sd_sid *dom, uint32_t *rid)
{
	struct sd_sid d;

	if (sid->num_auths != dom->num_auths + 1)
		return false;
	d = sid_domain_of(sid);
	if (!sd_sid_equal(&d, dom))
		return false;
	*rid = sid->sub_auths[sid->num_auths - 1];
	return true;
}

static struct sd_sid sid_append(const struct sd_sid *dom, uint32_t rid)
{
	struct sd_sid s = *dom;

	if (s.num_auths < SD_SID_MAX_SUB_AUTHS)
		s.sub_auths[s.num_auths++] = rid;
	return s;
}

/* --- Unix accounts (reentrant lookups with a buffer that grows on ERANGE) --- */

enum pw_kind { PW_BY_NAME, PW_BY_UID, GR_BY_NAME, GR_BY_GID };

/* Looks up a user or group; on success *name is the canonical name (from a) and *id its id. */
static bool unix_lookup(struct arena *a, enum pw_kind kind, const char *key, uint32_t id_in,
			const char **name, uint32_t *id)
{
	size_t size = 4096;
	bool found = false;

	for (;;) {
		char *buf = malloc(size);
		int rc;

		if (buf == NULL)
			return false;
		if (kind == PW_BY_NAME || kind == PW_BY_UID) {
			struct passwd pw, *res = NULL;
			rc = kind == PW_BY_NAME ? getpwnam_r(key, &pw, buf, size, &res)
						: getpwuid_r((uid_t)id_in, &pw, buf, size, &res);
			if (rc == 0 && res != NULL) {
				*name = arena_strdup(a, pw.pw_name);
				*id = (uint32_t)pw.pw_uid;
				found = *name != NULL;
			}
		} else {
			struct group gr, *res = NULL;
			rc = kind == GR_BY_NAME ? getgrnam_r(key, &gr, buf, size, &res)
						: getgrgid_r((gid_t)id_in, &gr, buf, size, &res);
			if (rc == 0 && res != NULL) {
				*name = arena_strdup(a, gr.gr_name);
				*id = (uint32_t)gr.gr_gid;
				found = *name != NULL;
			}
		}
		free(buf);
		if (rc != ERANGE || size >= 1024 * 1024)
			return found;
		size *= 2;
	}
}

/* By name: exactly as given, then in lower case (SMB names are case-insensitive, Unix ones
 * are by convention lower case). */
static bool unix_by_name(struct arena *a, enum pw_kind kind, const char *name,
			 const char **canon, uint32_t *id)
{
	size_t n = strlen(name);
	char *lower;

	if (n == 0 || n > 256)
		return false;
	if (unix_lookup(a, kind, name, 0, canon, id))
		return true;
	lower = arena_strdup(a, name);
	if (lower == NULL)
		return false;
	for (char *s = lower; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
	return strcmp(lower, name) != 0 && unix_lookup(a, kind, lower, 0, canon, id);
}

static bool is_account(const struct idmap *m, const char *unix_name)
{
	return m->ctx->is_account == NULL || m->ctx->is_account(m->ctx->is_account_arg, unix_name);
}

static char *decimal(struct arena *a, uint32_t v)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%" PRIu32, v);
	return arena_strdup(a, buf);
}

/* --- SID -> name --- */

static void entry_set(struct idmap_entry *e, uint16_t type, const struct sd_sid *sid,
		      const struct sd_sid *dom, const char *dom_name, const char *name)
{
	e->type = type;
	e->sid = *sid;
	e->domain = *dom;
	e->domain_name = dom_name;
	e->name = name;
	e->rid = type == SID_NAME_DOMAIN || sid->num_auths == 0 ? 0
		 : sid->sub_auths[sid->num_auths - 1];
}

/* The fixed domains a SID may name itself: name or NULL. */
static const char *fixed_domain_name(const struct idmap *m, const struct sd_sid *d)
{
	struct sd_sid s;

	if (sd_sid_equal(d, &m->machine))
		return m->machine_name;
	s = sd_sid_make(AUTH_NT, 1, NT_BUILTIN, 0);
	if (sd_sid_equal(d, &s))
		return DOM_BUILTIN;
	s = sd_sid_make(AUTH_UNIX, 1, UNIX_USERS, 0);
	if (sd_sid_equal(d, &s))
		return DOM_UNIX_USER;
	s = sd_sid_make(AUTH_UNIX, 1, UNIX_GROUPS, 0);
	if (sd_sid_equal(d, &s))
		return DOM_UNIX_GROUP;
	s = sd_sid_make(AUTH_NT, 0, 0, 0);
	if (sd_sid_equal(d, &s))
		return DOM_NT;
	if (d->num_auths == 0 &&
	    (d->authority == AUTH_WORLD || d->authority == AUTH_LOCAL || d->authority == AUTH_CREATOR))
		return "";
	return NULL;
}

bool idmap_sid_lookup(const struct idmap *m, struct arena *a, const struct sd_sid *sid,
		      struct idmap_entry *e)
{
	struct sd_sid dom = sid_domain_of(sid);
	const char *dname, *name;
	uint32_t rid, id;

	memset(e, 0, sizeof(*e));
	dname = fixed_domain_name(m, sid);
	if (dname != NULL) {                    /* the SID of a domain itself */
		entry_set(e, SID_NAME_DOMAIN, sid, sid, dname, dname);
		return true;
	}
	for (size_t i = 0; i < sizeof(well_known) / sizeof(well_known[0]); i++) {
		struct sd_sid w = wk_sid_of(&well_known[i]);
		if (sd_sid_equal(sid, &w)) {
			struct sd_sid d = sid_domain_of(&w);
			entry_set(e, well_known[i].type, sid, &d, fixed_domain_name(m, &d),
				  well_known[i].name);
			return true;
		}
	}
	if (sid_in_domain(sid, &m->machine, &rid)) {
		if (rid == IDMAP_RID_NONE) {
			entry_set(e, SID_NAME_DOM_GRP, sid, &dom, m->machine_name, "None");
			return true;
		}
		if (rid < IDMAP_RID_BASE)
			return false;
		if ((rid - IDMAP_RID_BASE) % 2 == 0) {
			if (!unix_lookup(a, PW_BY_UID, NULL, (rid - IDMAP_RID_BASE) / 2, &name, &id) ||
			    !is_account(m, name))
				return false;
			entry_set(e, SID_NAME_USER, sid, &dom, m->machine_name, name);
			return true;
		}
		if (!unix_lookup(a, GR_BY_GID, NULL, (rid - IDMAP_RID_BASE - 1) / 2, &name, &id))
			return false;
		entry_set(e, SID_NAME_DOM_GRP, sid, &dom, m->machine_name, name);
		return true;
	}
	/* S-1-22-1-uid, S-1-22-2-gid: a name even without an account, as Samba answers */
	if (sid->authority == AUTH_UNIX && sid->num_auths == 2 &&
	    (sid->sub_auths[0] == UNIX_USERS || sid->sub_auths[0] == UNIX_GROUPS)) {
		bool user = sid->sub_auths[0] == UNIX_USERS;
		if (!unix_lookup(a, user ? PW_BY_UID : GR_BY_GID, NULL, sid->sub_auths[1], &name, &id))
			name = decimal(a, sid->sub_auths[1]);
		if (name == NULL)
			return false;
		entry_set(e, user ? SID_NAME_USER : SID_NAME_DOM_GRP, sid, &dom,
			  user ? DOM_UNIX_USER : DOM_UNIX_GROUP, name);
		return true;
	}
	return false;
}

/* --- name -> SID --- */

static bool wk_by_name(const struct idmap *m, const char *domain, const char *name,
		       struct idmap_entry *e)
{
	for (size_t i = 0; i < sizeof(well_known) / sizeof(well_known[0]); i++) {
		struct sd_sid w = wk_sid_of(&well_known[i]), d = sid_domain_of(&w);
		const char *dn = fixed_domain_name(m, &d);

		if (utf8_casecmp(name, well_known[i].name) != 0)
			continue;
		if (domain != NULL && utf8_casecmp(domain, dn) != 0)
			continue;
		entry_set(e, well_known[i].type, &w, &d, dn, well_known[i].name);
		return true;
	}
	return false;
}

/* A domain named by itself ("BUILTIN", the machine name, ...). */
static bool domain_by_name(const struct idmap *m, const char *name, struct idmap_entry *e)
{
	const struct sd_sid doms[] = {
		m->machine,
		sd_sid_make(AUTH_NT, 1, NT_BUILTIN, 0),
		sd_sid_make(AUTH_NT, 0, 0, 0),
		sd_sid_make(AUTH_UNIX, 1, UNIX_USERS, 0),
		sd_sid_make(AUTH_UNIX, 1, UNIX_GROUPS, 0),
	};

	for (size_t i = 0; i < sizeof(doms) / sizeof(doms[0]); i++) {
		const char *dn = fixed_domain_name(m, &doms[i]);
		if (dn != NULL && *dn && utf8_casecmp(name, dn) == 0) {
			entry_set(e, SID_NAME_DOMAIN, &doms[i], &doms[i], dn, dn);
			return true;
		}
	}
	return false;
}

static bool machine_user(const struct idmap *m, struct arena *a, const char *name,
			 struct idmap_entry *e)
{
	const char *canon;
	uint32_t uid;
	struct sd_sid s;

	if (utf8_casecmp(name, "None") == 0) {
		s = sid_append(&m->machine, IDMAP_RID_NONE);
		entry_set(e, SID_NAME_DOM_GRP, &s, &m->machine, m->machine_name, "None");
		return true;
	}
	if (!unix_by_name(a, PW_BY_NAME, name, &canon, &uid) || !is_account(m, canon) ||
	    uid > (UINT32_MAX - IDMAP_RID_BASE) / 2)
		return false;
	s = sid_append(&m->machine, IDMAP_RID_BASE + 2 * uid);
	entry_set(e, SID_NAME_USER, &s, &m->machine, m->machine_name, canon);
	return true;
}

static bool unix_account(struct arena *a, bool user, const char *name, struct idmap_entry *e)
{
	const char *canon;
	uint32_t id;
	struct sd_sid dom = sd_sid_make(AUTH_UNIX, 1, user ? UNIX_USERS : UNIX_GROUPS, 0);
	struct sd_sid s;

	if (!unix_by_name(a, user ? PW_BY_NAME : GR_BY_NAME, name, &canon, &id))
		return false;
	s = sid_append(&dom, id);
	entry_set(e, user ? SID_NAME_USER : SID_NAME_DOM_GRP, &s, &dom,
		  user ? DOM_UNIX_USER : DOM_UNIX_GROUP, canon);
	return true;
}

bool idmap_name_lookup(const struct idmap *m, struct arena *a, const char *full,
		       struct idmap_entry *e)
{
	const char *bs = strchr(full, '\\'), *at = strrchr(full, '@');
	const char *domain = NULL, *name = full;
	char *dcopy;

	memset(e, 0, sizeof(*e));
	if (bs != NULL) {                       /* DOMAIN\name */
		dcopy = arena_alloc(a, (size_t)(bs - full) + 1);
		if (dcopy == NULL)
			return false;
		memcpy(dcopy, full, (size_t)(bs - full));
		domain = dcopy;
		name = bs + 1;
	} else if (at != NULL && at != full) {  /* name@DOMAIN */
		dcopy = arena_alloc(a, (size_t)(at - full) + 1);
		if (dcopy == NULL)
			return false;
		memcpy(dcopy, full, (size_t)(at - full));
		domain = at + 1;
		name = dcopy;
	}
	if (*name == '\0')
		return domain != NULL && *domain && domain_by_name(m, domain, e);
	if (domain == NULL) {
		/* isolated names: well-known, BUILTIN, domains, accounts, Unix users and groups */
		return wk_by_name(m, NULL, name, e) || domain_by_name(m, name, e) ||
		       machine_user(m, a, name, e) || unix_account(a, true, name, e) ||
		       unix_account(a, false, name, e);
	}
	if (utf8_casecmp(domain, m->machine_name) == 0)
		return machine_user(m, a, name, e);
	if (utf8_casecmp(domain, DOM_UNIX_USER) == 0)
		return unix_account(a, true, name, e);
	if (utf8_casecmp(domain, DOM_UNIX_GROUP) == 0)
		return unix_account(a, false, name, e);
	return wk_by_name(m, domain, name, e);
}
