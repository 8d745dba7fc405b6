/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Windows security descriptors over POSIX permissions (docs/VFS.md, "Security descriptors"):
 * uid/gid <-> SIDs, the DACL synthesized from mode and POSIX ACL, a DACL mapped back to mode and
 * POSIX ACL, the stored NT ACL that keeps what POSIX cannot say, inheritance at create, and the
 * access check that narrows the POSIX rights by that stored ACL.
 */
#include "vfs/vfs_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/log.h"


/* The stored NT ACL: security.* needs CAP_SYS_ADMIN to write, so only the server (root
 * sections) can change it; a server that is not root keeps it in user.* instead. */
#define NTACL_XATTR_ROOT "security.skiff.ntacl"
#define NTACL_XATTR_USER "user.skiff.ntacl"
#define NTACL_VERSION 1
#define NTACL_HEADER_LEN 28
#define NTACL_FLAG_NULL_DACL 0x01
/* DACL control bits worth keeping with the ACL. */
#define NTACL_CONTROL_KEEP (SE_DACL_DEFAULTED | SE_DACL_AUTO_INHERITED | SE_DACL_PROTECTED)

/* Linux POSIX ACL xattrs (the format of include/uapi/linux/posix_acl_xattr.h). */
#define PACL_XATTR_ACCESS  "system.posix_acl_access"
#define PACL_XATTR_DEFAULT "system.posix_acl_default"
#define PACL_VERSION   2
#define PACL_USER_OBJ  0x01
#define PACL_USER      0x02
#define PACL_GROUP_OBJ 0x04
#define PACL_GROUP     0x08
#define PACL_MASK      0x10
#define PACL_OTHER     0x20
#define PACL_UNDEFINED_ID 0xFFFFFFFFu
/* More named entries than any file system stores (ext4 fits ~500 in its 4 KiB xattr block). */
#define PACL_MAX_NAMED 1024

#define BIT_R 4u
#define BIT_W 2u
#define BIT_X 1u

/* Always granted whatever the stored DACL says: stat(2) needs no permission, and MS-FSA grants
 * FILE_READ_ATTRIBUTES through the parent's FILE_LIST_DIRECTORY anyway. */
#define ACCESS_ALWAYS (FILE_READ_ATTRIBUTES | SYNCHRONIZE)
/* What a POSIX owner may do whatever the mode: chmod, chown (to itself), utimes. */
#define OWNER_EXTRA (READ_CONTROL | WRITE_DAC | WRITE_OWNER | FILE_READ_ATTRIBUTES | \
		     FILE_WRITE_ATTRIBUTES | SYNCHRONIZE)

/* ---- SIDs ---- */

/* The machine domain of the lsarpc identity mapping (src/rpc/idmap.h): set once at start-up,
 * before any request, and read-only afterwards. Its algorithmic rids (user 1000 + 2 uid, group
 * 1001 + 2 gid, as Samba) are what a Windows client gets when it looks a name up to put it in an
 * ACL, so they must map back to the same ids. */
static struct sd_sid g_machine;
static bool g_machine_set;
#define MACHINE_RID_BASE 1000u

void vfs_acl_set_machine_sid(const struct sd_sid *machine)
{
	g_machine = *machine;
	g_machine_set = machine->num_auths > 0 && machine->num_auths < SD_SID_MAX_SUB_AUTHS;
}

/* The rid of a machine-domain SID of a Unix id (>= MACHINE_RID_BASE), or 0. */
static uint32_t machine_rid(const struct sd_sid *s)
{
	if (!g_machine_set || s->num_auths != g_machine.num_auths + 1 ||
	    s->authority != g_machine.authority ||
	    memcmp(s->sub_auths, g_machine.sub_auths, g_machine.num_auths * sizeof(uint32_t)) != 0)
		return 0;
	return s->sub_auths[g_machine.num_auths] >= MACHINE_RID_BASE ? s->sub_auths[g_machine.num_auths] : 0;
}

struct sd_sid vfs_sid_of_uid(uid_t uid)
{
	/* Root shows as BUILTIN\Administrators: a name every Windows client resolves by itself,
	 * and what a Windows admin expects to own system files. */
	return uid == 0 ? SD_SID_ADMINISTRATORS : SD_SID_UNIX_USER(uid);
}

struct sd_sid vfs_sid_of_gid(gid_t gid)
{
	return SD_SID_UNIX_GROUP(gid);
}

bool vfs_uid_of_sid(const struct sd_sid *s, uid_t *uid)
{
	struct sd_sid admins = SD_SID_ADMINISTRATORS;

	uint32_t rid = machine_rid(s);

	if (sd_sid_equal(s, &admins)) {
		*uid = 0;
		return true;
	}
	if (rid && (rid - MACHINE_RID_BASE) % 2 == 0) {
		*uid = (rid - MACHINE_RID_BASE) / 2;
		return true;
	}
	if (s->authority != SD_AUTH_UNIX || s->num_auths != 2 || s->sub_auths[0] != 1 ||
	    s->sub_auths[1] == UINT32_MAX)
		return false;
	*uid = s->sub_auths[1];
	return true;
}

bool vfs_gid_of_sid(const struct sd_sid *s, gid_t *gid)
{
	uint32_t rid = machine_rid(s);

	if (rid && (rid - MACHINE_RID_BASE) % 2 == 1) {
		*gid = (rid - MACHINE_RID_BASE - 1) / 2;
		return true;
	}
	if (s->authority != SD_AUTH_UNIX || s->num_auths != 2 || s->sub_auths[0] != 2 ||
	    s->sub_auths[1] == UINT32_MAX)
		return false;
	*gid = s->sub_auths[1];
	return true;
}

static bool sid_is(const struct sd_sid *s, struct sd_sid want)
{
	return sd_sid_equal(s, &want);
}

/* ---- xattrs and modes on any kind of fd (O_PATH ones through /proc/self/fd) ---- */

static ssize_t x_get(int fd, const char *name, void *buf, size_t len)
{
	return vfs_xattr_get(fd, name, buf, len, false);
}

static int x_set(int fd, const char *name, const void *v, size_t len)
{
	return vfs_xattr_set(fd, name, v, len, 0, false);
}

static int x_remove(int fd, const char *name)
{
	int err = vfs_xattr_remove(fd, name, false);

	return err == ENODATA ? 0 : err;
}

/* A whole xattr value into the arena. 0, ENODATA when absent, or another errno. */
static int x_read(int fd, const char *name, struct arena *a, uint8_t **val, size_t *len)
{
	*val = NULL;
	*len = 0;
	for (int tries = 0; tries < 4; tries++) {
		ssize_t n = x_get(fd, name, NULL, 0);
		uint8_t *b;

		if (n < 0)
			return (int)-n == EOPNOTSUPP ? ENOTSUP : (int)-n;
		b = arena_alloc(a, (size_t)n + 1);
		if (!b)
			return ENOMEM;
		n = x_get(fd, name, b, (size_t)n);
		if (n == -ERANGE)
			continue;   /* it grew in between */
		if (n < 0)
			return (int)-n;
		*val = b;
		*len = (size_t)n;
		return 0;
	}
	return EAGAIN;
}

static int fd_chmod(int fd, mode_t mode)
{
	char p[64];

	if (fchmod(fd, mode) == 0)
		return 0;
	if (errno != EBADF)
		return errno;
	if (!vfs_proc_path(p, sizeof(p), fd, NULL))
		return ENAMETOOLONG;
	return chmod(p, mode) == 0 ? 0 : errno;
}

static const char *ntacl_xattr(void)
{
	return vfs_running_as_root() ? NTACL_XATTR_ROOT : NTACL_XATTR_USER;
}

/* ---- POSIX ACLs ---- */

struct pacl_entry {
	uint16_t tag;
	uint16_t perm;
	uint32_t id;
};

struct pacl {
	unsigned n;
	struct pacl_entry *e;
};

/* Parse a system.posix_acl_* value; false if it is not one. */
static bool pacl_parse(struct arena *a, const uint8_t *v, size_t len, struct pacl *out)
{
	struct rd r = rd_init(v, len);
	uint32_t version;

	out->n = 0;
	out->e = NULL;
	if (!rd_u32(&r, &version) || version != PACL_VERSION || rd_left(&r) % 8 != 0)
		return false;
	out->n = (unsigned)(rd_left(&r) / 8);
	if (out->n) {
		out->e = arena_alloc(a, out->n * sizeof(*out->e));
		if (!out->e)
			return false;
	}
	for (unsigned i = 0; i < out->n; i++) {
		rd_u16(&r, &out->e[i].tag);
		rd_u16(&r, &out->e[i].perm);
		rd_u32(&r, &out->e[i].id);
	}
	return true;
}

/*
 * The POSIX permissions of one object in classes: owner, owning group, other, and named
 * entries, each rwx bits. In a view read from disk the named and group bits are the raw entry
 * bits (the mask applies on top); in a view built from a DACL they are what each should get.
 */
struct named {
	uint32_t id;
	uint8_t bits;
};

struct posix_view {
	uint8_t u, g, o;
	bool has_acl;           /* an access ACL with named entries or a mask */
	uint8_t mask;           /* 7 without an ACL */
	unsigned nusers, ngroups;
	struct named *users, *groups;
};

static void view_from_mode(mode_t mode, struct posix_view *v)
{
	memset(v, 0, sizeof(*v));
	v->u = (mode >> 6) & 7;
	v->g = (mode >> 3) & 7;
	v->o = mode & 7;
	v->mask = 7;
}

/* Mode bits and, if present, the ACL (entries override the mode's classes). */
static void view_from_pacl(mode_t mode, const struct pacl *p, struct arena *a, struct posix_view *v)
{
	unsigned nu = 0, ng = 0;

	view_from_mode(mode, v);
	if (!p || p->n == 0)
		return;
	for (unsigned i = 0; i < p->n; i++) {
		nu += p->e[i].tag == PACL_USER;
		ng += p->e[i].tag == PACL_GROUP;
	}
	v->users = nu ? arena_alloc(a, nu * sizeof(*v->users)) : NULL;
	v->groups = ng ? arena_alloc(a, ng * sizeof(*v->groups)) : NULL;
	if ((nu && !v->users) || (ng && !v->groups))
		return;   /* out of memory: the mode alone is still a truthful answer */
	for (unsigned i = 0; i < p->n; i++) {
		const struct pacl_entry *e = &p->e[i];
		uint8_t bits = e->perm & 7;

		switch (e->tag) {
		case PACL_USER_OBJ: v->u = bits; break;
		case PACL_GROUP_OBJ: v->g = bits; break;
		case PACL_OTHER: v->o = bits; break;
		case PACL_MASK: v->mask = bits; v->has_acl = true; break;
		case PACL_USER: v->users[v->nusers++] = (struct named){ e->id, bits }; v->has_acl = true; break;
		case PACL_GROUP: v->groups[v->ngroups++] = (struct named){ e->id, bits }; v->has_acl = true; break;
		default: break;
		}
	}
}

static int cmp_named(const void *a, const void *b)
{
	uint32_t x = ((const struct named *)a)->id, y = ((const struct named *)b)->id;

	return x < y ? -1 : x > y;
}

/* Build the access ACL value for a view with named entries (the kernel wants them sorted). */
static void pacl_build(struct posix_view *v, struct wr *w)
{
	qsort(v->users, v->nusers, sizeof(*v->users), cmp_named);
	qsort(v->groups, v->ngroups, sizeof(*v->groups), cmp_named);
	wr_u32(w, PACL_VERSION);
#define ENTRY(tag, bits, id) do { wr_u16(w, tag); wr_u16(w, bits); wr_u32(w, id); } while (0)
	ENTRY(PACL_USER_OBJ, v->u, PACL_UNDEFINED_ID);
	for (unsigned i = 0; i < v->nusers; i++)
		ENTRY(PACL_USER, v->users[i].bits, v->users[i].id);
	ENTRY(PACL_GROUP_OBJ, v->g, PACL_UNDEFINED_ID);
	for (unsigned i = 0; i < v->ngroups; i++)
		ENTRY(PACL_GROUP, v->groups[i].bits, v->groups[i].id);
	ENTRY(PACL_MASK, v->mask, PACL_UNDEFINED_ID);
	ENTRY(PACL_OTHER, v->o, PACL_UNDEFINED_ID);
#undef ENTRY
}

/* ---- rights <-> rwx ---- */

/* What one class's rwx bits grant (also the rights vfs_maximal_access derives from POSIX). */
uint32_t vfs_acl_rights_of_bits(unsigned bits, bool is_dir)
{
	uint32_t m = 0;

	if (bits & BIT_R)
		m |= FILE_GENERIC_READ;
	if (bits & BIT_W) {
		m |= FILE_GENERIC_WRITE;
		/* Removing a name from a directory needs write and search on it. */
		if (!is_dir || (bits & BIT_X))
			m |= FILE_DELETE_CHILD;
	}
	if (bits & BIT_X)
		m |= FILE_GENERIC_EXECUTE;
	return m;
}

/* What a synthesized allow ACE grants for a class's bits: as above, plus DELETE with write, as
 * Samba's "dos filemode" shows it (rwx is then Full Control). Whether unlink(2) can happen is
 * still the parent's business: POSIX decides, vfs_acl_limit only narrows. */
static uint32_t synth_rights(unsigned bits, bool is_dir)
{
	return vfs_acl_rights_of_bits(bits, is_dir) | ((bits & BIT_W) ? DELETE_ACCESS : 0);
}

/* The specific rights only these bits give (for deny ACEs: nothing shared between bits). */
static uint32_t rights_only_of_bits(unsigned bits, bool is_dir)
{
	uint32_t m = 0;

	if (bits & BIT_R)
		m |= FILE_READ_DATA | FILE_READ_EA;
	if (bits & BIT_W)
		m |= FILE_WRITE_DATA | FILE_APPEND_DATA | FILE_WRITE_EA | FILE_WRITE_ATTRIBUTES |
		     FILE_DELETE_CHILD;
	if (bits & BIT_X)
		m |= FILE_EXECUTE;
	return m;
}

static uint8_t bits_of_rights(uint32_t m, bool is_dir)
{
	uint8_t b = 0;

	if (m & FILE_READ_DATA)
		b |= BIT_R;
	if (m & (FILE_WRITE_DATA | FILE_APPEND_DATA | (is_dir ? FILE_DELETE_CHILD : 0)))
		b |= BIT_W;
	if (m & FILE_EXECUTE)
		b |= BIT_X;
	return b;
}

/* ---- access evaluation (MS-DTYP 2.5.3.2, for the maximum allowed) ---- */

/* Whom a DACL is evaluated for: a uid (or none), gids, root. Everyone, Authenticated Users and
 * BUILTIN\Users match every principal. */
struct who {
	bool has_uid;
	uid_t uid;
	unsigned ngids;
	const gid_t *gids;
	bool root;
};

static bool who_matches(const struct who *w, const struct sd_sid *s)
{
	uid_t u;
	gid_t g;

	/* Every Skiff user is authenticated, and on Windows every account is in BUILTIN\Users
	 * (Windows' own default DACLs give it read and execute). */
	if (sid_is(s, SD_SID_EVERYONE) || sid_is(s, SD_SID_AUTH_USERS) || sid_is(s, SD_SID_BUILTIN_USERS))
		return true;
	if (w->root && sid_is(s, SD_SID_SYSTEM))
		return true;
	if (w->has_uid && vfs_uid_of_sid(s, &u) && u == w->uid)
		return true;
	if (vfs_gid_of_sid(s, &g)) {
		for (unsigned i = 0; i < w->ngids; i++) {
			if (w->gids[i] == g)
				return true;
		}
	}
	return false;
}

static bool ace_effective(const struct sd_ace *ace)
{
	return !(ace->flags & INHERIT_ONLY_ACE) &&
	       (ace->type == ACCESS_ALLOWED_ACE_TYPE || ace->type == ACCESS_DENIED_ACE_TYPE);
}

/* Rights `w` gets from the DACL; is_owner: w owns the object (implicit READ_CONTROL|WRITE_DAC
 * unless an OWNER RIGHTS ACE says otherwise). dacl NULL = NULL DACL. */
static uint32_t dacl_access(const struct sd_acl *dacl, const struct who *w, bool is_owner)
{
	uint32_t granted = 0, denied = 0;
	bool owner_rights = false;

	if (!dacl)
		return FILE_ALL_ACCESS;
	for (uint16_t i = 0; i < dacl->num_aces; i++) {
		if (ace_effective(&dacl->aces[i]) && sid_is(&dacl->aces[i].sid, SD_SID_OWNER_RIGHTS))
			owner_rights = true;
	}
	if (is_owner && !owner_rights)
		granted = READ_CONTROL | WRITE_DAC;
	for (uint16_t i = 0; i < dacl->num_aces; i++) {
		const struct sd_ace *ace = &dacl->aces[i];
		uint32_t m;
		bool match;

		if (!ace_effective(ace))
			continue;
		if (sid_is(&ace->sid, SD_SID_OWNER_RIGHTS))
			match = is_owner;
		else
			match = who_matches(w, &ace->sid);
		if (!match)
			continue;
		m = vfs_map_generic(ace->mask);
		if (ace->type == ACCESS_ALLOWED_ACE_TYPE)
			granted |= m & ~denied;
		else
			denied |= m & ~granted;
	}
	return granted;
}

/* The calling thread's credentials (per-thread on Linux, see vfs_become). */
static bool who_current(struct arena *a, struct who *w)
{
	int n = getgroups(0, NULL);
	gid_t *g;

	if (n < 0)
		n = 0;
	g = arena_alloc(a, ((size_t)n + 1) * sizeof(*g));
	if (!g)
		return false;
	g[0] = getegid();
	if (n > 0) {
		n = getgroups(n, g + 1);
		if (n < 0)
			n = 0;
	}
	*w = (struct who){ .has_uid = true, .uid = geteuid(), .ngids = (unsigned)n + 1, .gids = g };
	w->root = w->uid == 0;
	return true;
}

/* ---- the stored NT ACL ---- */

/*
 * Value of NTACL_XATTR_* (docs/VFS.md), little-endian:
 *   0  u8  version (1)            1 u8 flags (NTACL_FLAG_NULL_DACL)    2 u16 DACL control bits
 *   4  u32 uid     8 u32 gid     12 u32 mode & 07777                  16 u64 POSIX ACL fingerprint
 *   24 u8  ACL revision           25 u8 zero                           26 u16 ACE count
 *   28 ACEs: u8 type, u8 flags, u16 body length; body length 0: u32 mask, SID (u8 count,
 *      6-byte authority big-endian, u32 sub-authorities); else that many body bytes (mask first).
 * The ACL applies only while uid, gid, mode and the POSIX ACL xattrs still are what they were
 * when it was written; anything else changing them makes the POSIX view authoritative again.
 */
struct stored {
	uint16_t control;
	struct sd_acl *dacl;   /* NULL: NULL DACL */
};

static uint64_t fnv1a(uint64_t h, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

/* Hash of the object's POSIX ACL xattrs (access, and default for directories). */
static uint64_t pacl_fingerprint(int fd, bool is_dir, struct arena *a)
{
	static const char *const names[2] = { PACL_XATTR_ACCESS, PACL_XATTR_DEFAULT };
	uint64_t h = 0xcbf29ce484222325ull;

	for (int i = 0; i < (is_dir ? 2 : 1); i++) {
		uint8_t *v = NULL, tag = (uint8_t)('A' + i), lb[4];
		size_t len = 0;

		if (x_read(fd, names[i], a, &v, &len) != 0)
			len = 0;
		put_le32(lb, (uint32_t)len);
		h = fnv1a(h, &tag, 1);
		h = fnv1a(h, lb, 4);
		if (len)
			h = fnv1a(h, v, len);
	}
	return h;
}

static bool stored_sid_decode(struct rd *r, struct sd_sid *s)
{
	uint8_t n;
	const uint8_t *auth;

	if (!rd_u8(r, &n) || n > SD_SID_MAX_SUB_AUTHS || !rd_bytes(r, 6, &auth))
		return false;
	memset(s, 0, sizeof(*s));
	s->num_auths = n;
	for (int i = 0; i < 6; i++)
		s->authority = s->authority << 8 | auth[i];
	for (unsigned i = 0; i < n; i++) {
		if (!rd_u32(r, &s->sub_auths[i]))
			return false;
	}
	return true;
}

/* Load the stored ACL of fd if it is still valid for st. */
static bool stored_load(int fd, const struct stat *st, struct arena *a, struct stored *out)
{
	uint8_t *v;
	size_t len;
	struct rd r;
	uint8_t version, flags, rev, zero;
	uint16_t control, count;
	uint32_t uid, gid, mode;
	uint64_t fp;
	struct sd_acl *acl;

	if (x_read(fd, ntacl_xattr(), a, &v, &len) != 0)
		return false;
	r = rd_init(v, len);
	if (!rd_u8(&r, &version) || version != NTACL_VERSION || !rd_u8(&r, &flags) ||
	    !rd_u16(&r, &control) || !rd_u32(&r, &uid) || !rd_u32(&r, &gid) || !rd_u32(&r, &mode) ||
	    !rd_u64(&r, &fp) || !rd_u8(&r, &rev) || !rd_u8(&r, &zero) || !rd_u16(&r, &count))
		return false;
	if (uid != st->st_uid || gid != st->st_gid || mode != (st->st_mode & 07777) ||
	    fp != pacl_fingerprint(fd, S_ISDIR(st->st_mode), a))
		return false;
	out->control = control & NTACL_CONTROL_KEEP;
	out->dacl = NULL;
	if (flags & NTACL_FLAG_NULL_DACL)
		return true;
	if ((size_t)count > rd_left(&r) / 8)
		return false;
	acl = arena_alloc(a, sizeof(*acl));
	if (!acl || (count && !(acl->aces = arena_alloc(a, count * sizeof(*acl->aces)))))
		return false;
	acl->revision = rev;
	acl->num_aces = count;
	for (uint16_t i = 0; i < count; i++) {
		struct sd_ace *ace = &acl->aces[i];
		uint16_t body_len;
		const uint8_t *body;

		if (!rd_u8(&r, &ace->type) || !rd_u8(&r, &ace->flags) || !rd_u16(&r, &body_len))
			return false;
		if (body_len == 0) {
			if (!rd_u32(&r, &ace->mask) || !stored_sid_decode(&r, &ace->sid))
				return false;
		} else {
			if (body_len < 4 || !rd_bytes(&r, body_len, &body))
				return false;
			ace->body = body;
			ace->body_len = body_len;
			ace->mask = le32(body);
		}
	}
	out->dacl = acl;
	return true;
}

/* Write the stored ACL for the object's current POSIX state (read back after applying it). */
static int stored_save(int fd, uint16_t control, const struct sd_acl *dacl, struct arena *a)
{
	struct vfs_root_section rs;
	struct stat st;
	struct wr w;
	int err;

	if (fstat(fd, &st) != 0)
		return errno;
	wr_init(&w, 256);
	wr_u8(&w, NTACL_VERSION);
	wr_u8(&w, dacl ? 0 : NTACL_FLAG_NULL_DACL);
	wr_u16(&w, control & NTACL_CONTROL_KEEP);
	wr_u32(&w, st.st_uid);
	wr_u32(&w, st.st_gid);
	wr_u32(&w, st.st_mode & 07777);
	wr_u64(&w, pacl_fingerprint(fd, S_ISDIR(st.st_mode), a));
	wr_u8(&w, dacl ? dacl->revision : ACL_REVISION);
	wr_u8(&w, 0);
	wr_u16(&w, dacl ? dacl->num_aces : 0);
	for (uint16_t i = 0; dacl && i < dacl->num_aces; i++) {
		const struct sd_ace *ace = &dacl->aces[i];

		wr_u8(&w, ace->type);
		wr_u8(&w, ace->flags);
		if (ace->body) {
			wr_u16(&w, ace->body_len);
			wr_bytes(&w, ace->body, ace->body_len);
		} else {
			wr_u16(&w, 0);
			wr_u32(&w, ace->mask);
			wr_u8(&w, ace->sid.num_auths);
			for (int k = 5; k >= 0; k--)
				wr_u8(&w, (uint8_t)(ace->sid.authority >> (8 * k)));
			for (unsigned k = 0; k < ace->sid.num_auths; k++)
				wr_u32(&w, ace->sid.sub_auths[k]);
		}
	}
	if (w.failed) {
		wr_free(&w);
		return ENOMEM;
	}
	vfs_root_begin(&rs);
	err = x_set(fd, ntacl_xattr(), w.buf, w.len);
	vfs_root_end(&rs);
	if (err == EACCES && !vfs_running_as_root() && st.st_uid == geteuid()) {
		/* Single-identity mode keeps it in user.*, which needs write permission; the owner
		 * may take that for a moment (the mode the fingerprint recorded comes back). */
		if (fd_chmod(fd, (st.st_mode & 07777) | S_IWUSR) == 0) {
			err = x_set(fd, ntacl_xattr(), w.buf, w.len);
			fd_chmod(fd, st.st_mode & 07777);
		}
	}
	wr_free(&w);
	return err == EOPNOTSUPP ? ENOTSUP : err;
}

/* ---- POSIX -> DACL ---- */

struct acl_builder {
	struct sd_ace *aces;
	uint16_t n, cap;
};

static void add_ace(struct acl_builder *b, uint8_t type, uint8_t flags, uint32_t mask,
		    struct sd_sid sid)
{
	if (mask == 0 || b->n == b->cap)
		return;
	b->aces[b->n++] = (struct sd_ace){ .type = type, .flags = flags, .mask = mask, .sid = sid };
}

/* Effective bits of named entries and the owning group under the mask. */
static uint8_t eff(const struct posix_view *v, uint8_t bits)
{
	return bits & v->mask;
}

static void synth_denies(struct acl_builder *b, const struct posix_view *v, uid_t uid, gid_t gid,
			 bool is_dir)
{
	uint8_t groups = eff(v, v->g) | v->o;
	uint32_t owner_allow = synth_rights(v->u, is_dir) | OWNER_EXTRA;

	for (unsigned i = 0; i < v->ngroups; i++)
		groups |= eff(v, v->groups[i].bits);
	/* POSIX looks at one class only: the owner never gets group or other bits, a named user
	 * never gets group or other bits, a group member never gets other bits. Windows adds up
	 * every matching ACE, so say so with deny ACEs (they come first: canonical order). */
	add_ace(b, ACCESS_DENIED_ACE_TYPE, 0,
		rights_only_of_bits(groups & ~v->u, is_dir) & ~owner_allow, vfs_sid_of_uid(uid));
	for (unsigned i = 0; i < v->nusers; i++) {
		uint8_t e = eff(v, v->users[i].bits);
		add_ace(b, ACCESS_DENIED_ACE_TYPE, 0,
			rights_only_of_bits(groups & ~e, is_dir) & ~synth_rights(e, is_dir),
			SD_SID_UNIX_USER(v->users[i].id));
	}
	add_ace(b, ACCESS_DENIED_ACE_TYPE, 0,
		rights_only_of_bits(v->o & ~eff(v, v->g), is_dir) &
		~synth_rights(eff(v, v->g), is_dir), vfs_sid_of_gid(gid));
	for (unsigned i = 0; i < v->ngroups; i++) {
		uint8_t e = eff(v, v->groups[i].bits);
		add_ace(b, ACCESS_DENIED_ACE_TYPE, 0,
			rights_only_of_bits(v->o & ~e, is_dir) & ~synth_rights(e, is_dir),
			SD_SID_UNIX_GROUP(v->groups[i].id));
	}
}

static void synth_allows(struct acl_builder *b, const struct posix_view *v, uid_t uid, gid_t gid,
			 bool is_dir)
{
	add_ace(b, ACCESS_ALLOWED_ACE_TYPE, 0, synth_rights(v->u, is_dir) | OWNER_EXTRA,
		vfs_sid_of_uid(uid));
	for (unsigned i = 0; i < v->nusers; i++)
		add_ace(b, ACCESS_ALLOWED_ACE_TYPE, 0,
			synth_rights(eff(v, v->users[i].bits), is_dir),
			SD_SID_UNIX_USER(v->users[i].id));
	add_ace(b, ACCESS_ALLOWED_ACE_TYPE, 0, synth_rights(eff(v, v->g), is_dir),
		vfs_sid_of_gid(gid));
	for (unsigned i = 0; i < v->ngroups; i++)
		add_ace(b, ACCESS_ALLOWED_ACE_TYPE, 0,
			synth_rights(eff(v, v->groups[i].bits), is_dir),
			SD_SID_UNIX_GROUP(v->groups[i].id));
	add_ace(b, ACCESS_ALLOWED_ACE_TYPE, 0, synth_rights(v->o, is_dir), SD_SID_EVERYONE);
}

/* A directory's default ACL as inheritable ACEs: the owning entries become CREATOR OWNER and
 * CREATOR GROUP (they name whoever creates the child). An ACE equal to an effective one
 * already present is merged into it (OI|CI added), as Samba presents them. */
static void synth_inheritable(struct acl_builder *b, const struct posix_view *d, uint16_t first)
{
	struct acl_builder t = { .aces = b->aces + b->n, .cap = (uint16_t)(b->cap - b->n) };
	const uint8_t inh = OBJECT_INHERIT_ACE | CONTAINER_INHERIT_ACE;

	add_ace(&t, ACCESS_ALLOWED_ACE_TYPE, inh | INHERIT_ONLY_ACE,
		synth_rights(d->u, true), SD_SID_CREATOR_OWNER);
	for (unsigned i = 0; i < d->nusers; i++)
		add_ace(&t, ACCESS_ALLOWED_ACE_TYPE, inh | INHERIT_ONLY_ACE,
			synth_rights(eff(d, d->users[i].bits), true),
			SD_SID_UNIX_USER(d->users[i].id));
	add_ace(&t, ACCESS_ALLOWED_ACE_TYPE, inh | INHERIT_ONLY_ACE,
		synth_rights(eff(d, d->g), true), SD_SID_CREATOR_GROUP);
	for (unsigned i = 0; i < d->ngroups; i++)
		add_ace(&t, ACCESS_ALLOWED_ACE_TYPE, inh | INHERIT_ONLY_ACE,
			synth_rights(eff(d, d->groups[i].bits), true),
			SD_SID_UNIX_GROUP(d->groups[i].id));
	add_ace(&t, ACCESS_ALLOWED_ACE_TYPE, inh | INHERIT_ONLY_ACE,
		synth_rights(d->o, true), SD_SID_EVERYONE);

	for (uint16_t i = 0; i < t.n; i++) {
		struct sd_ace *in = &t.aces[i];
		bool merged = false;

		for (uint16_t j = first; j < b->n && !merged; j++) {
			struct sd_ace *e = &b->aces[j];
			if (e->type == ACCESS_ALLOWED_ACE_TYPE && e->flags == 0 && e->mask == in->mask &&
			    sd_sid_equal(&e->sid, &in->sid)) {
				e->flags = inh;
				merged = true;
			}
		}
		if (!merged)
			b->aces[b->n++] = *in;
	}
}

static NTSTATUS synthesize(int fd, const struct stat *st, struct arena *a, struct sd_acl **out)
{
	bool is_dir = S_ISDIR(st->st_mode);
	struct posix_view v, d;
	struct pacl p = { 0 }, pd = { 0 };
	struct acl_builder b;
	uint8_t *val;
	size_t len;
	unsigned cap;
	uint16_t first_allow;

	if (x_read(fd, PACL_XATTR_ACCESS, a, &val, &len) == 0)
		pacl_parse(a, val, len, &p);
	view_from_pacl(st->st_mode, &p, a, &v);
	memset(&d, 0, sizeof(d));
	if (is_dir && x_read(fd, PACL_XATTR_DEFAULT, a, &val, &len) == 0 &&
	    pacl_parse(a, val, len, &pd) && pd.n)
		view_from_pacl(0, &pd, a, &d);

	/* denies: 2 + named; allows: 3 + named; inheritable: 3 + default named */
	cap = 2 * (3 + v.nusers + v.ngroups) + 3 + d.nusers + d.ngroups;
	if (cap > UINT16_MAX)
		return STATUS_NO_MEMORY;
	b = (struct acl_builder){ .aces = arena_alloc(a, cap * sizeof(struct sd_ace)), .cap = (uint16_t)cap };
	if (!b.aces)
		return STATUS_NO_MEMORY;
	synth_denies(&b, &v, st->st_uid, st->st_gid, is_dir);
	first_allow = b.n;
	synth_allows(&b, &v, st->st_uid, st->st_gid, is_dir);
	if (pd.n)
		synth_inheritable(&b, &d, first_allow);

	*out = arena_alloc(a, sizeof(**out));
	if (!*out)
		return STATUS_NO_MEMORY;
	**out = (struct sd_acl){ .revision = ACL_REVISION, .num_aces = b.n, .aces = b.aces };
	return STATUS_SUCCESS;
}

/* ---- DACL -> POSIX ---- */

static bool named_add(struct named *list, unsigned *n, uint32_t id)
{
	for (unsigned i = 0; i < *n; i++) {
		if (list[i].id == id)
			return true;
	}
	if (*n == PACL_MAX_NAMED)
		return false;
	list[(*n)++] = (struct named){ .id = id };
	return true;
}

/*
 * Map a DACL to POSIX classes: each class gets the rwx bits that its principal would be
 * granted by the DACL evaluated Windows' way (in order, deny before allow, Everyone and
 * Authenticated Users counting for everyone). Unix users and groups other than the owning ones
 * become named ACL entries; other SIDs (SYSTEM, Administrators = root, domain SIDs) have no POSIX
 * principal and only live in the stored ACL.
 */
static NTSTATUS dacl_to_posix(const struct sd_acl *dacl, uid_t uid, gid_t gid, bool is_dir,
			      struct arena *a, struct posix_view *v)
{
	struct who w;

	memset(v, 0, sizeof(*v));
	v->users = arena_alloc(a, PACL_MAX_NAMED * sizeof(*v->users));
	v->groups = arena_alloc(a, PACL_MAX_NAMED * sizeof(*v->groups));
	if (!v->users || !v->groups)
		return STATUS_NO_MEMORY;
	for (uint16_t i = 0; dacl && i < dacl->num_aces; i++) {
		const struct sd_ace *ace = &dacl->aces[i];
		uid_t u;
		gid_t g;

		if (!ace_effective(ace))
			continue;
		if (vfs_uid_of_sid(&ace->sid, &u) && u != uid && u != 0) {
			if (!named_add(v->users, &v->nusers, u))
				return STATUS_INSUFFICIENT_RESOURCES;
		} else if (vfs_gid_of_sid(&ace->sid, &g) && g != gid) {
			if (!named_add(v->groups, &v->ngroups, g))
				return STATUS_INSUFFICIENT_RESOURCES;
		}
	}

	w = (struct who){ .has_uid = true, .uid = uid };
	v->u = bits_of_rights(dacl_access(dacl, &w, true), is_dir);
	w = (struct who){ .ngids = 1, .gids = &gid };
	v->g = bits_of_rights(dacl_access(dacl, &w, false), is_dir);
	w = (struct who){ 0 };
	v->o = bits_of_rights(dacl_access(dacl, &w, false), is_dir);
	v->mask = v->g;
	for (unsigned i = 0; i < v->nusers; i++) {
		w = (struct who){ .has_uid = true, .uid = v->users[i].id };
		v->users[i].bits = bits_of_rights(dacl_access(dacl, &w, false), is_dir);
		v->mask |= v->users[i].bits;
	}
	for (unsigned i = 0; i < v->ngroups; i++) {
		gid_t g = v->groups[i].id;
		w = (struct who){ .ngids = 1, .gids = &g };
		v->groups[i].bits = bits_of_rights(dacl_access(dacl, &w, false), is_dir);
		v->mask |= v->groups[i].bits;
	}
	/* The owner can always chmod its own object, so denying it in POSIX protects nothing;
	 * it keeps read (files) or everything (directories) there, as Samba does, and SMB access
	 * stays bounded by the stored DACL (smb2.acls.OWNER-RIGHTS-DENY: READ_EA without
	 * READ_DATA; smb2.acls.GENERIC: an execute-only file must still open). */
	v->u |= is_dir ? (BIT_R | BIT_W | BIT_X) : BIT_R;
	if (is_dir) {
		/* Windows does not check traversal (every account holds SeChangeNotifyPrivilege),
		 * while POSIX cannot add or remove a name without search permission: write on a
		 * directory comes with search (smb2.acls.DYNAMIC). SMB access still follows the DACL. */
		v->u |= (v->u & BIT_W) ? BIT_X : 0;
		v->g |= (v->g & BIT_W) ? BIT_X : 0;
		v->o |= (v->o & BIT_W) ? BIT_X : 0;
		v->mask |= (v->mask & BIT_W) ? BIT_X : 0;
		for (unsigned i = 0; i < v->nusers; i++)
			v->users[i].bits |= (v->users[i].bits & BIT_W) ? BIT_X : 0;
		for (unsigned i = 0; i < v->ngroups; i++)
			v->groups[i].bits |= (v->groups[i].bits & BIT_W) ? BIT_X : 0;
	}
	v->has_acl = v->nusers || v->ngroups;
	return STATUS_SUCCESS;
}

/* Make the object's mode (and access ACL) say what v says; special bits are kept. */
static NTSTATUS posix_apply(int fd, mode_t cur, struct posix_view *v)
{
	mode_t mode = (cur & 07000) | (mode_t)v->u << 6 | (mode_t)(v->has_acl ? v->mask : v->g) << 3 | v->o;
	int err;

	if (v->has_acl) {
		struct wr w;
		wr_init(&w, 64);
		pacl_build(v, &w);
		err = w.failed ? ENOMEM : fd_chmod(fd, mode);
		/* Setting the ACL also sets the mode's permission bits from it. */
		if (!err)
			err = x_set(fd, PACL_XATTR_ACCESS, w.buf, w.len);
		wr_free(&w);
	} else {
		err = x_remove(fd, PACL_XATTR_ACCESS);
		if (err == ENOTSUP || err == EOPNOTSUPP)
			err = 0;   /* no ACL support: there is none to remove */
		if (!err)
			err = fd_chmod(fd, mode);
	}
	if (err)
		log_debug("vfs: applying permissions (mode %o): %s", (unsigned)mode, strerror(err));
	return err ? vfs_status_from_errno(err) : STATUS_SUCCESS;
}

/* Apply a DACL to the object: POSIX first (the source of truth), then the stored copy. */
static NTSTATUS dacl_apply(int fd, uint16_t control, const struct sd_acl *dacl, struct arena *a)
{
	struct posix_view v;
	struct stat st;
	NTSTATUS status;
	int err;

	if (fstat(fd, &st) != 0)
		return vfs_status_from_errno(errno);
	if (dacl) {
		/* Windows keeps GENERIC_* only in inherit-only ACEs: in ACEs that apply to the object
		 * they are mapped to the file rights when the DACL is set (smb2.acls.CREATOR). */
		struct sd_acl *m = arena_alloc(a, sizeof(*m));
		if (!m || (dacl->num_aces && !(m->aces = arena_alloc(a, dacl->num_aces * sizeof(*m->aces)))))
			return STATUS_NO_MEMORY;
		m->revision = dacl->revision;
		m->num_aces = dacl->num_aces;
		for (uint16_t i = 0; i < dacl->num_aces; i++) {
			m->aces[i] = dacl->aces[i];
			if (sd_ace_is_simple(m->aces[i].type) && !(m->aces[i].flags & INHERIT_ONLY_ACE))
				m->aces[i].mask = vfs_map_generic(m->aces[i].mask);
		}
		dacl = m;
	}
	status = dacl_to_posix(dacl, st.st_uid, st.st_gid, S_ISDIR(st.st_mode), a, &v);
	if (status == STATUS_SUCCESS)
		status = posix_apply(fd, st.st_mode, &v);
	if (status != STATUS_SUCCESS)
		return status;
	err = stored_save(fd, control, dacl, a);
	if (err && err != ENOTSUP)
		log_debug("vfs: cannot store the NT ACL: %s", strerror(err));
	return STATUS_SUCCESS;
}

/* ---- inheritance (MS-DTYP 2.5.3.4, simplified to what files and directories need) ---- */

/* ACEs a new child inherits from its parent's DACL. CREATOR OWNER / CREATOR GROUP become the
 * child's owner and group in the effective copy; generic rights are mapped there too. */
static NTSTATUS inherit_aces(const struct sd_acl *parent, bool auto_inherit, bool child_dir,
			     uid_t uid, gid_t gid, struct arena *a, struct sd_acl **out)
{
	const uint8_t inh = OBJECT_INHERIT_ACE | CONTAINER_INHERIT_ACE;
	/* MS-DTYP 2.5.3.4.2: copies are marked INHERITED_ACE only under DACL_AUTO_INHERIT, which
	 * NTFS asks for when the parent's DACL is SE_DACL_AUTO_INHERITED (smb2.acls.INHERITANCE
	 * wants flags 0 otherwise). */
	const uint8_t mark = auto_inherit ? INHERITED_ACE : 0;
	struct sd_acl *acl;
	uint16_t n = 0;

	*out = NULL;
	if (!parent || parent->num_aces == 0)
		return STATUS_SUCCESS;
	acl = arena_alloc(a, sizeof(*acl));
	if (!acl || !(acl->aces = arena_alloc(a, 2 * (size_t)parent->num_aces * sizeof(*acl->aces))))
		return STATUS_NO_MEMORY;
	for (uint16_t i = 0; i < parent->num_aces; i++) {
		const struct sd_ace *p = &parent->aces[i];
		bool creator = sid_is(&p->sid, SD_SID_CREATOR_OWNER) || sid_is(&p->sid, SD_SID_CREATOR_GROUP);
		bool generic = p->mask & (GENERIC_ALL | GENERIC_READ | GENERIC_WRITE | GENERIC_EXECUTE);
		bool effective, propagate;
		struct sd_ace e = *p;

		if (p->type != ACCESS_ALLOWED_ACE_TYPE && p->type != ACCESS_DENIED_ACE_TYPE)
			continue;   /* object and callback ACEs are not inherited by Skiff */
		if (child_dir) {
			effective = p->flags & CONTAINER_INHERIT_ACE;
			propagate = !(p->flags & NO_PROPAGATE_INHERIT_ACE) && (p->flags & inh);
		} else {
			effective = p->flags & OBJECT_INHERIT_ACE;
			propagate = false;
		}
		if (!effective && !propagate)
			continue;
		if (effective && propagate && !creator && !generic) {
			/* One ACE both applies and passes on. */
			e.flags = (p->flags & inh) | mark;
			acl->aces[n++] = e;
			continue;
		}
		if (effective) {
			e.flags = mark;
			e.mask = vfs_map_generic(p->mask);
			if (sid_is(&p->sid, SD_SID_CREATOR_OWNER))
				e.sid = vfs_sid_of_uid(uid);
			else if (sid_is(&p->sid, SD_SID_CREATOR_GROUP))
				e.sid = vfs_sid_of_gid(gid);
			acl->aces[n++] = e;
		}
		if (propagate) {
			e = *p;
			e.flags = (p->flags & inh) | INHERIT_ONLY_ACE | mark;
			acl->aces[n++] = e;
		}
	}
	acl->revision = parent->revision ? parent->revision : ACL_REVISION;
	acl->num_aces = n;
	*out = acl;
	return STATUS_SUCCESS;
}

/* Explicit ACEs of `mine` followed by the inherited ones (MS-DTYP 2.5.3.4.1: the creator's
 * explicit ACEs come first; any it marked inherited are replaced by the parent's). */
static NTSTATUS merge_aces(const struct sd_acl *mine, const struct sd_acl *inherited,
			   struct arena *a, struct sd_acl **out)
{
	size_t cap = (mine ? mine->num_aces : 0) + (inherited ? inherited->num_aces : 0);
	struct sd_acl *acl = arena_alloc(a, sizeof(*acl));
	uint16_t n = 0;

	if (!acl || cap > UINT16_MAX || (cap && !(acl->aces = arena_alloc(a, cap * sizeof(*acl->aces)))))
		return STATUS_NO_MEMORY;
	for (uint16_t i = 0; mine && i < mine->num_aces; i++) {
		if (!(mine->aces[i].flags & INHERITED_ACE))
			acl->aces[n++] = mine->aces[i];
	}
	for (uint16_t i = 0; inherited && i < inherited->num_aces; i++)
		acl->aces[n++] = inherited->aces[i];
	acl->revision = mine && mine->revision > ACL_REVISION ? mine->revision : ACL_REVISION;
	acl->num_aces = n;
	*out = acl;
	return STATUS_SUCCESS;
}

/* The parent directory of an open, O_PATH; -1 for the share root or on failure. */
static int parent_of(struct vfs_open *op)
{
	char *parent = NULL;
	const char *name;
	const char *path = vfs_open_path(op);
	int fd = -1;

	if (path[0] && vfs_split_path(path, &parent, &name))
		fd = vfs_openat2(op->share->root_fd, parent, O_PATH | O_DIRECTORY, 0);
	free(parent);
	return fd >= 0 ? fd : -1;
}

const struct stat *vfs_parent_stat(struct vfs_parent_hint *p)
{
	if (p->fd < 0)
		return NULL;
	if (!p->have_st) {
		if (fstat(p->fd, &p->st) != 0)
			return NULL;
		p->have_st = true;
	}
	return &p->st;
}

/* The parent's stored DACL, if it has a valid one; its absence is remembered in the hint. */
static bool parent_stored(struct vfs_parent_hint *p, struct arena *a, struct stored *out)
{
	const struct stat *pst;

	if (p->no_stored_acl || !(pst = vfs_parent_stat(p)))
		return false;
	if (stored_load(p->fd, pst, a, out))
		return true;
	p->no_stored_acl = true;
	return false;
}

/* ---- owner and group ---- */

static NTSTATUS owner_group_apply(int fd, const struct stat *st, uint32_t secinfo,
				  const struct sd *sd, bool *changed)
{
	uid_t uid = (uid_t)-1;
	gid_t gid = (gid_t)-1;

	*changed = false;
	if ((secinfo & OWNER_SECURITY_INFORMATION) && sd->owner) {
		if (!vfs_uid_of_sid(sd->owner, &uid))
			return STATUS_INVALID_OWNER;
		if (uid == st->st_uid)
			uid = (uid_t)-1;
		else if (geteuid() != 0)
			return STATUS_INVALID_OWNER;   /* only root may give a file away */
	}
	if ((secinfo & GROUP_SECURITY_INFORMATION) && sd->group) {
		if (!vfs_gid_of_sid(sd->group, &gid))
			return STATUS_INVALID_PRIMARY_GROUP;
		if (gid == st->st_gid)
			gid = (gid_t)-1;
	}
	if (uid == (uid_t)-1 && gid == (gid_t)-1)
		return STATUS_SUCCESS;
	/* As the caller: the kernel lets an owner change the group only to one of its groups. */
	if (fchownat(fd, "", uid, gid, AT_EMPTY_PATH) != 0)
		return errno == EPERM ? STATUS_ACCESS_DENIED : vfs_status_from_errno(errno);
	*changed = true;
	return STATUS_SUCCESS;
}

/* ---- the VFS entry points ---- */

NTSTATUS vfs_get_sd(struct vfs_open *op, struct arena *a, struct sd **out)
{
	struct stat st;
	struct stored s;
	struct sd *sd;
	NTSTATUS status = STATUS_SUCCESS;

	*out = NULL;
	if (fstat(op->fd, &st) != 0)
		return vfs_status_from_errno(errno);
	sd = arena_alloc(a, sizeof(*sd));
	if (!sd || !(sd->owner = arena_alloc(a, sizeof(*sd->owner))) ||
	    !(sd->group = arena_alloc(a, sizeof(*sd->group))))
		return STATUS_NO_MEMORY;
	sd->revision = 1;
	*sd->owner = vfs_sid_of_uid(st.st_uid);
	*sd->group = vfs_sid_of_gid(st.st_gid);
	if (stored_load(op->fd, &st, a, &s)) {
		sd->control = SE_DACL_PRESENT | s.control;
		sd->dacl = s.dacl;
	} else {
		sd->control = SE_DACL_PRESENT;
		status = synthesize(op->fd, &st, a, &sd->dacl);
	}
	if (status == STATUS_SUCCESS)
		*out = sd;
	return status;
}

NTSTATUS vfs_set_sd(struct vfs_open *op, uint32_t secinfo, const struct sd *sd, struct arena *a)
{
	struct stat st;
	struct stored old;
	const struct sd_acl *dacl = NULL;
	uint16_t control = 0;
	bool have_old, apply_dacl = false, chowned;
	NTSTATUS status;

	vfs_watch_self_open(op);

	if (fstat(op->fd, &st) != 0)
		return vfs_status_from_errno(errno);
	have_old = stored_load(op->fd, &st, a, &old);

	if (secinfo & DACL_SECURITY_INFORMATION) {
		/* Without SE_DACL_PRESENT the object gets a NULL DACL, as on Windows. The DACL is
		 * kept as sent: inheritance is the client's business on a set (smb2.acls.INHERITFLAGS);
		 * SE_DACL_AUTO_INHERITED stays only when the client also sent AUTO_INHERIT_REQ. */
		dacl = (sd->control & SE_DACL_PRESENT) ? sd->dacl : NULL;
		control = sd->control & (SE_DACL_PROTECTED | SE_DACL_DEFAULTED);
		if ((sd->control & (SE_DACL_AUTO_INHERITED | SE_DACL_AUTO_INHERIT_REQ)) ==
		    (SE_DACL_AUTO_INHERITED | SE_DACL_AUTO_INHERIT_REQ))
			control |= SE_DACL_AUTO_INHERITED;
		apply_dacl = true;
	} else if (have_old) {
		/* Owner or group change: the stored DACL stays and is mapped again for them. */
		dacl = old.dacl;
		control = old.control;
		apply_dacl = true;
	}

	status = owner_group_apply(op->fd, &st, secinfo, sd, &chowned);
	if (status != STATUS_SUCCESS)
		return status;
	if (apply_dacl && ((secinfo & DACL_SECURITY_INFORMATION) || chowned))
		status = dacl_apply(op->fd, control, dacl, a);
	return status;
}

NTSTATUS vfs_sd_on_create(struct vfs_open *op, const struct sd *creator, struct arena *a)
{
	struct vfs_parent_hint parent = vfs_parent_hint_of(parent_of(op));
	struct stat st;
	NTSTATUS status;

	if (fstat(op->fd, &st) != 0)
		status = vfs_status_from_errno(errno);
	else
		status = vfs_sd_on_create_in(op, &st, creator, a, &parent);
	if (parent.fd >= 0)
		close(parent.fd);
	return status;
}

NTSTATUS vfs_sd_on_create_in(struct vfs_open *op, const struct stat *st_in, const struct sd *creator,
			     struct arena *a, struct vfs_parent_hint *parent)
{
	struct stat st = *st_in;
	struct stored ps;
	struct sd_acl *inh = NULL, *dacl = NULL;
	uint16_t control = 0;
	bool chowned, apply = false, auto_inherit = false;
	NTSTATUS status = STATUS_SUCCESS;

	if (parent_stored(parent, a, &ps)) {
		auto_inherit = ps.control & SE_DACL_AUTO_INHERITED;
		status = inherit_aces(ps.dacl, auto_inherit, op->is_dir, st.st_uid, st.st_gid, a, &inh);
		if (status != STATUS_SUCCESS)
			goto out;
		if (inh && inh->num_aces == 0)
			inh = NULL;
	}
	if (creator) {
		status = owner_group_apply(op->fd, &st, OWNER_SECURITY_INFORMATION |
					   GROUP_SECURITY_INFORMATION, creator, &chowned);
		if (status != STATUS_SUCCESS)
			goto out;
		if (chowned && fstat(op->fd, &st) != 0) {
			status = vfs_status_from_errno(errno);
			goto out;
		}
	}
	if (creator && (creator->control & SE_DACL_PRESENT)) {
		control = creator->control & NTACL_CONTROL_KEEP;
		if (!creator->dacl) {
			dacl = NULL;   /* NULL DACL */
		} else if (control & SE_DACL_PROTECTED) {
			dacl = creator->dacl;
		} else {
			status = merge_aces(creator->dacl, inh, a, &dacl);
			if (status != STATUS_SUCCESS)
				goto out;
			if (inh && auto_inherit)
				control |= SE_DACL_AUTO_INHERITED;
		}
		apply = true;
	} else if (inh) {
		/* Inherited from a stored parent ACL. Without one POSIX already did the right thing
		 * (umask, or the parent's default ACL). */
		dacl = inh;
		control = auto_inherit ? SE_DACL_AUTO_INHERITED : 0;
		apply = true;
	}
	if (apply)
		status = dacl_apply(op->fd, control, dacl, a);
out:
	return status;
}

uint32_t vfs_acl_limit(int fd, struct vfs_parent_hint *parent, const struct stat *st, uint32_t acc,
		       bool fresh)
{
	struct arena a;
	struct stored fs, ps;
	struct who w;
	bool have_file, have_parent = false, file_delete;
	uint32_t nt = 0;

	if (vfs_thread_euid() == 0)
		return acc;   /* root: every permission, as POSIX gives it */
	arena_init(&a, 2048);
	have_file = !fresh && stored_load(fd, st, &a, &fs);
	if (acc & DELETE_ACCESS)
		have_parent = parent_stored(parent, &a, &ps);
	if ((!have_file && !have_parent) || !who_current(&a, &w))
		goto out;
	if (have_file) {
		nt = dacl_access(fs.dacl, &w, st->st_uid == w.uid);
		acc &= nt | ACCESS_ALWAYS | DELETE_ACCESS;
	}
	/* MS-FSA 2.1.5.1.2.1: DELETE comes from the object's DACL or from FILE_DELETE_CHILD on
	 * the parent. POSIX (already in acc) decides whether unlink(2) can happen at all. A
	 * synthesized DACL grants DELETE with write permission; a synthesized parent grants
	 * FILE_DELETE_CHILD exactly when POSIX lets unlink happen. */
	file_delete = have_file ? (nt & DELETE_ACCESS) : (acc & FILE_WRITE_DATA);
	if ((acc & DELETE_ACCESS) && !file_delete && have_parent &&
	    !(dacl_access(ps.dacl, &w, parent->st.st_uid == w.uid) & FILE_DELETE_CHILD))
		acc &= ~DELETE_ACCESS;
out:
	arena_destroy(&a);
	return acc;
}

bool vfs_acl_may_add(struct vfs_parent_hint *parent, bool is_dir)
{
	struct arena a;
	struct stored ps;
	struct who w;
	bool ok = true;

	if (parent->fd < 0 || vfs_thread_euid() == 0)
		return true;
	arena_init(&a, 2048);
	/* MS-FSA 2.1.5.1.1: a new file needs FILE_ADD_FILE, a new directory FILE_ADD_SUBDIRECTORY
	 * on the parent; POSIX write and search are checked by the kernel anyway. */
	if (parent_stored(parent, &a, &ps) && who_current(&a, &w))
		ok = dacl_access(ps.dacl, &w, parent->st.st_uid == w.uid) &
		     (is_dir ? FILE_ADD_SUBDIRECTORY : FILE_ADD_FILE);
	arena_destroy(&a);
	return ok;
}
