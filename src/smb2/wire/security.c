/* SPDX-License-Identifier: Apache-2.0 */
/* Self-relative SECURITY_DESCRIPTOR codec (MS-DTYP 2.4.2.2 SID, 2.4.4 ACE, 2.4.5 ACL, 2.4.6 SD). */
#include "smb2/wire/security.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SID_REVISION 1
#define SD_REVISION 1
#define ACE_HEADER_SIZE 4

/* ---- SIDs ---- */

bool sd_sid_decode(struct rd *r, struct sd_sid *out)
{
	struct rd save = *r;
	uint8_t rev, n;
	const uint8_t *auth;

	if (!rd_u8(r, &rev) || !rd_u8(r, &n) || rev != SID_REVISION || n > SD_SID_MAX_SUB_AUTHS ||
	    !rd_bytes(r, 6, &auth) || rd_left(r) < 4 * (size_t)n) {
		*r = save;
		return false;
	}
	memset(out, 0, sizeof(*out));
	out->num_auths = n;
	for (int i = 0; i < 6; i++)
		out->authority = out->authority << 8 | auth[i];   /* big-endian (2.4.1) */
	for (unsigned i = 0; i < n; i++)
		rd_u32(r, &out->sub_auths[i]);
	return true;
}

void sd_sid_encode(struct wr *w, const struct sd_sid *s)
{
	wr_u8(w, SID_REVISION);
	wr_u8(w, s->num_auths);
	for (int i = 5; i >= 0; i--)
		wr_u8(w, (uint8_t)(s->authority >> (8 * i)));
	for (unsigned i = 0; i < s->num_auths && i < SD_SID_MAX_SUB_AUTHS; i++)
		wr_u32(w, s->sub_auths[i]);
}

int sd_sid_to_string(const struct sd_sid *s, char *buf, size_t len)
{
	/* Room for the longest SID (any 64-bit authority in hex, every sub-authority at 2^32 - 1),
	 * so nothing below truncates. Formatting it whole here and copying once keeps snprintf's
	 * contract (truncate, NUL-terminate, return the full length) without passing snprintf an
	 * offset into a NULL or already full caller buffer. */
	char full[sizeof("S-1-0x1234567890ABCDEF") + SD_SID_MAX_SUB_AUTHS * (sizeof("-4294967295") - 1)];
	size_t used;
	int n;

	/* MS-DTYP 2.4.2.1: IdentifierAuthority below 2^32 in decimal, else in hex. */
	if (s->authority < (1ull << 32))
		n = snprintf(full, sizeof(full), "S-1-%" PRIu64, s->authority);
	else
		n = snprintf(full, sizeof(full), "S-1-0x%012" PRIX64, s->authority);
	if (n < 0)
		return n;
	used = (size_t)n;
	for (unsigned i = 0; i < s->num_auths && i < SD_SID_MAX_SUB_AUTHS; i++) {
		n = snprintf(full + used, sizeof(full) - used, "-%" PRIu32, s->sub_auths[i]);
		if (n < 0)
			return n;
		used += (size_t)n;
	}
	return snprintf(buf, len, "%s", full);
}

bool sd_sid_from_string(const char *str, struct sd_sid *out)
{
	const char *p = str;
	char *end;
	unsigned long long v;

	memset(out, 0, sizeof(*out));
	if ((p[0] != 'S' && p[0] != 's') || strncmp(p + 1, "-1-", 3) != 0)
		return false;
	p += 4;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		if (p[2] < '0' || (p[2] > '9' && (p[2] | 0x20) < 'a') || (p[2] | 0x20) > 'f')
			return false;
		v = strtoull(p + 2, &end, 16);
	} else {
		if (*p < '0' || *p > '9')
			return false;
		v = strtoull(p, &end, 10);
	}
	if (v >= (1ull << 48))
		return false;
	out->authority = v;
	p = end;
	while (*p == '-') {
		p++;
		if (*p < '0' || *p > '9' || out->num_auths == SD_SID_MAX_SUB_AUTHS)
			return false;
		v = strtoull(p, &end, 10);
		if (v > UINT32_MAX)
			return false;
		out->sub_auths[out->num_auths++] = (uint32_t)v;
		p = end;
	}
	return *p == '\0';
}

/* ---- ACEs and ACLs ---- */

static bool ace_decode(struct rd *r, struct sd_ace *ace)
{
	uint16_t size;
	struct rd body;
	const uint8_t *p;

	if (!rd_u8(r, &ace->type) || !rd_u8(r, &ace->flags) || !rd_u16(r, &size) ||
	    size < ACE_HEADER_SIZE + 4 || !rd_bytes(r, size - ACE_HEADER_SIZE, &p))
		return false;
	body = rd_init(p, size - ACE_HEADER_SIZE);
	if (!rd_u32(&body, &ace->mask))
		return false;
	if (sd_ace_is_simple(ace->type)) {
		/* Bytes past the SID (AceSize may be larger than needed) carry nothing. */
		ace->body = NULL;
		ace->body_len = 0;
		return sd_sid_decode(&body, &ace->sid);
	}
	memset(&ace->sid, 0, sizeof(ace->sid));
	ace->body = p;
	ace->body_len = (uint16_t)(size - ACE_HEADER_SIZE);
	return true;
}

static NTSTATUS acl_decode(struct arena *a, const struct rd *all, uint32_t off, struct sd_acl **out)
{
	struct rd hdr, aces;
	uint8_t rev, sbz1;
	uint16_t size, count, sbz2;
	struct sd_acl *acl;

	if (off < SD_HEADER_SIZE || !rd_at(all, off, SD_ACL_HEADER_SIZE, &hdr))
		return STATUS_INVALID_SECURITY_DESCR;
	rd_u8(&hdr, &rev);
	rd_u8(&hdr, &sbz1);
	rd_u16(&hdr, &size);
	rd_u16(&hdr, &count);
	rd_u16(&hdr, &sbz2);
	/* MS-DTYP 2.4.5: revisions 2 and 4 are defined; 3 is what Windows also accepts
	 * (MIN_ACL_REVISION..MAX_ACL_REVISION). */
	if (rev < ACL_REVISION || rev > ACL_REVISION_DS || size < SD_ACL_HEADER_SIZE ||
	    !rd_at(all, off + SD_ACL_HEADER_SIZE, size - SD_ACL_HEADER_SIZE, &aces))
		return STATUS_INVALID_SECURITY_DESCR;
	/* The smallest ACE is a header and a mask (8 bytes): bound the count before allocating. */
	if ((size_t)count > rd_left(&aces) / (ACE_HEADER_SIZE + 4))
		return STATUS_INVALID_SECURITY_DESCR;
	acl = arena_alloc(a, sizeof(*acl));
	if (!acl)
		return STATUS_NO_MEMORY;
	acl->revision = rev;
	acl->num_aces = count;
	if (count) {
		acl->aces = arena_alloc(a, count * sizeof(*acl->aces));
		if (!acl->aces)
			return STATUS_NO_MEMORY;
	}
	for (uint16_t i = 0; i < count; i++) {
		if (!ace_decode(&aces, &acl->aces[i]))
			return STATUS_INVALID_SECURITY_DESCR;
	}
	*out = acl;
	return STATUS_SUCCESS;
}

static NTSTATUS sid_at(struct arena *a, const struct rd *all, uint32_t off, struct sd_sid **out)
{
	struct rd r;

	if (off == 0)
		return STATUS_SUCCESS;
	if (off < SD_HEADER_SIZE || off > all->len || !rd_at(all, off, all->len - off, &r))
		return STATUS_INVALID_SECURITY_DESCR;
	*out = arena_alloc(a, sizeof(**out));
	if (!*out)
		return STATUS_NO_MEMORY;
	return sd_sid_decode(&r, *out) ? STATUS_SUCCESS : STATUS_INVALID_SECURITY_DESCR;
}

NTSTATUS sd_decode(struct arena *a, const uint8_t *buf, size_t len, struct sd **out)
{
	struct rd r = rd_init(buf, len);
	uint32_t off_owner, off_group, off_sacl, off_dacl;
	struct sd *sd;
	NTSTATUS st;

	*out = NULL;
	sd = arena_alloc(a, sizeof(*sd));
	if (!sd)
		return STATUS_NO_MEMORY;
	if (!rd_u8(&r, &sd->revision) || !rd_u8(&r, &sd->rm_control) || !rd_u16(&r, &sd->control) ||
	    !rd_u32(&r, &off_owner) || !rd_u32(&r, &off_group) || !rd_u32(&r, &off_sacl) ||
	    !rd_u32(&r, &off_dacl))
		return STATUS_INVALID_SECURITY_DESCR;
	if (sd->revision != SD_REVISION)
		return STATUS_INVALID_SECURITY_DESCR;

	st = sid_at(a, &r, off_owner, &sd->owner);
	if (st == STATUS_SUCCESS)
		st = sid_at(a, &r, off_group, &sd->group);
	if (st == STATUS_SUCCESS && (sd->control & SE_SACL_PRESENT) && off_sacl)
		st = acl_decode(a, &r, off_sacl, &sd->sacl);
	if (st == STATUS_SUCCESS && (sd->control & SE_DACL_PRESENT) && off_dacl)
		st = acl_decode(a, &r, off_dacl, &sd->dacl);
	if (st != STATUS_SUCCESS)
		return st;
	*out = sd;
	return STATUS_SUCCESS;
}

static size_t ace_size(const struct sd_ace *ace)
{
	if (sd_ace_is_simple(ace->type))
		return ACE_HEADER_SIZE + 4 + sd_sid_size(&ace->sid);
	return ACE_HEADER_SIZE + (((size_t)ace->body_len + 3) & ~(size_t)3);
}

static size_t acl_size(const struct sd_acl *acl)
{
	size_t n = SD_ACL_HEADER_SIZE;

	for (uint16_t i = 0; i < acl->num_aces; i++)
		n += ace_size(&acl->aces[i]);
	return n;
}

static void acl_encode(struct wr *w, const struct sd_acl *acl, size_t size)
{
	wr_u8(w, acl->revision ? acl->revision : ACL_REVISION);
	wr_u8(w, 0);
	wr_u16(w, (uint16_t)size);
	wr_u16(w, acl->num_aces);
	wr_u16(w, 0);
	for (uint16_t i = 0; i < acl->num_aces; i++) {
		const struct sd_ace *ace = &acl->aces[i];
		size_t n = ace_size(ace);

		wr_u8(w, ace->type);
		wr_u8(w, ace->flags);
		wr_u16(w, (uint16_t)n);
		if (sd_ace_is_simple(ace->type)) {
			wr_u32(w, ace->mask);
			sd_sid_encode(w, &ace->sid);
		} else {
			wr_bytes(w, ace->body, ace->body_len);
			wr_zero(w, n - ACE_HEADER_SIZE - ace->body_len);
		}
	}
}

/* What goes out for `secinfo`: the parts, their sizes, the control word. */
struct sd_layout {
	const struct sd_sid *owner, *group;
	const struct sd_acl *sacl, *dacl;
	size_t sacl_size, dacl_size;
	uint16_t control;
	size_t total;
	bool too_large;
};

#define SE_DACL_BITS (SE_DACL_PRESENT | SE_DACL_DEFAULTED | SE_DACL_TRUSTED | \
		      SE_DACL_AUTO_INHERIT_REQ | SE_DACL_AUTO_INHERITED | SE_DACL_PROTECTED)
#define SE_SACL_BITS (SE_SACL_PRESENT | SE_SACL_DEFAULTED | SE_SACL_AUTO_INHERIT_REQ | \
		      SE_SACL_AUTO_INHERITED | SE_SACL_PROTECTED)

static void layout(const struct sd *sd, uint32_t secinfo, struct sd_layout *l)
{
	memset(l, 0, sizeof(*l));
	l->control = sd->control | SE_SELF_RELATIVE;
	l->total = SD_HEADER_SIZE;
	if ((secinfo & OWNER_SECURITY_INFORMATION) && sd->owner) {
		l->owner = sd->owner;
		l->total += sd_sid_size(sd->owner);
	} else {
		l->control &= ~SE_OWNER_DEFAULTED;
	}
	if ((secinfo & GROUP_SECURITY_INFORMATION) && sd->group) {
		l->group = sd->group;
		l->total += sd_sid_size(sd->group);
	} else {
		l->control &= ~SE_GROUP_DEFAULTED;
	}
	if ((secinfo & SACL_SECURITY_INFORMATION) && (sd->control & SE_SACL_PRESENT)) {
		l->sacl = sd->sacl;
		if (sd->sacl) {
			l->sacl_size = acl_size(sd->sacl);
			l->total += l->sacl_size;
			l->too_large |= l->sacl_size > SD_MAX_ACL_SIZE;
		}
	} else {
		l->control &= ~SE_SACL_BITS;
	}
	if ((secinfo & DACL_SECURITY_INFORMATION) && (sd->control & SE_DACL_PRESENT)) {
		l->dacl = sd->dacl;
		if (sd->dacl) {
			l->dacl_size = acl_size(sd->dacl);
			l->total += l->dacl_size;
			l->too_large |= l->dacl_size > SD_MAX_ACL_SIZE;
		}
	} else {
		l->control &= ~SE_DACL_BITS;
	}
}

size_t sd_encoded_size(const struct sd *sd, uint32_t secinfo)
{
	struct sd_layout l;

	layout(sd, secinfo, &l);
	return l.too_large ? 0 : l.total;
}

bool sd_encode(struct wr *w, const struct sd *sd, uint32_t secinfo)
{
	struct sd_layout l;
	uint32_t off = SD_HEADER_SIZE, off_owner = 0, off_group = 0, off_sacl = 0, off_dacl = 0;

	layout(sd, secinfo, &l);
	if (l.too_large)
		return false;
	if (l.owner) {
		off_owner = off;
		off += (uint32_t)sd_sid_size(l.owner);
	}
	if (l.group) {
		off_group = off;
		off += (uint32_t)sd_sid_size(l.group);
	}
	if (l.sacl) {
		off_sacl = off;
		off += (uint32_t)l.sacl_size;
	}
	if (l.dacl)
		off_dacl = off;

	wr_u8(w, SD_REVISION);
	wr_u8(w, (l.control & SE_RM_CONTROL_VALID) ? sd->rm_control : 0);
	wr_u16(w, l.control);
	wr_u32(w, off_owner);
	wr_u32(w, off_group);
	wr_u32(w, off_sacl);
	wr_u32(w, off_dacl);
	if (l.owner)
		sd_sid_encode(w, l.owner);
	if (l.group)
		sd_sid_encode(w, l.group);
	if (l.sacl)
		acl_encode(w, l.sacl, l.sacl_size);
	if (l.dacl)
		acl_encode(w, l.dacl, l.dacl_size);
	return true;
}
