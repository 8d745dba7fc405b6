/* SPDX-License-Identifier: Apache-2.0 */
/* FILE_FULL_EA_INFORMATION / FILE_GET_EA_INFORMATION lists (MS-FSCC 2.4.15, 2.4.15.1). */
#include "smb2/wire/ea.h"

#include <string.h>

#define FULL_HDR 8   /* NextEntryOffset, Flags, EaNameLength, EaValueLength */
#define GET_HDR  5   /* NextEntryOffset, EaNameLength */

enum ea_kind { EA_FULL, EA_GET };

/*
 * One entry at r's position: header, name, terminator, value. Leaves r at the start of the next
 * entry, or returns `last`. Both passes (count, then fill) run this, so they agree.
 */
static NTSTATUS entry_at(struct rd *r, enum ea_kind kind, struct smb2_ea *ea, bool *last)
{
	size_t start = r->off;
	uint32_t next;
	uint8_t flags = 0, nlen;
	uint16_t vlen = 0;
	const uint8_t *name, *nul, *value = NULL;

	if (!rd_u32(r, &next))
		return STATUS_EA_LIST_INCONSISTENT;
	if (kind == EA_FULL) {
		if (!rd_u8(r, &flags) || !rd_u8(r, &nlen) || !rd_u16(r, &vlen))
			return STATUS_EA_LIST_INCONSISTENT;
	} else if (!rd_u8(r, &nlen)) {
		return STATUS_EA_LIST_INCONSISTENT;
	}
	if (!rd_bytes(r, nlen, &name) || !rd_bytes(r, 1, &nul))
		return STATUS_EA_LIST_INCONSISTENT;
	if (vlen && !rd_bytes(r, vlen, &value))
		return STATUS_EA_LIST_INCONSISTENT;
	if (next == 0) {
		*last = true;
	} else {
		size_t used = r->off - start;
		/* Entries are longword-aligned and do not overlap; the next one needs a header. */
		if (next % 4 || next < used || !rd_seek(r, start + next) ||
		    rd_left(r) < (kind == EA_FULL ? FULL_HDR : GET_HDR))
			return STATUS_EA_LIST_INCONSISTENT;
		*last = false;
	}
	if (ea) {
		ea->flags = flags;
		ea->name_len = nlen;
		ea->name = (const char *)name;   /* copied by the caller */
		ea->value_len = vlen;
		ea->value = value;
	}
	return STATUS_SUCCESS;
}

static NTSTATUS list_decode(struct arena *a, const uint8_t *buf, size_t len, enum ea_kind kind,
			    struct smb2_ea **eas, size_t *count)
{
	struct rd r = rd_init(buf, len);
	struct smb2_ea *out;
	size_t n = 0;
	bool last = false;
	NTSTATUS st;

	*eas = NULL;
	*count = 0;
	if (len == 0)
		return STATUS_EA_LIST_INCONSISTENT;
	/* Pass 1: validate and count. Each entry advances by at least its header, so the loop
	 * ends within len / header steps. */
	while (!last) {
		st = entry_at(&r, kind, NULL, &last);
		if (st != STATUS_SUCCESS)
			return st;
		n++;
	}
	out = arena_alloc(a, n * sizeof(*out));
	if (!out)
		return STATUS_NO_MEMORY;
	/* Pass 2: fill, copying each name so that it ends in a NUL of our own. */
	r = rd_init(buf, len);
	for (size_t i = 0; i < n; i++) {
		char *name;
		(void)entry_at(&r, kind, &out[i], &last);
		if (memchr(out[i].name, '\0', out[i].name_len))
			return STATUS_INVALID_EA_NAME;
		name = arena_alloc(a, (size_t)out[i].name_len + 1);
		if (!name)
			return STATUS_NO_MEMORY;
		memcpy(name, out[i].name, out[i].name_len);
		name[out[i].name_len] = '\0';
		out[i].name = name;
	}
	*eas = out;
	*count = n;
	return STATUS_SUCCESS;
}

NTSTATUS smb2_ea_full_list_decode(struct arena *a, const uint8_t *buf, size_t len,
				  struct smb2_ea **eas, size_t *count)
{
	return list_decode(a, buf, len, EA_FULL, eas, count);
}

NTSTATUS smb2_ea_get_list_decode(struct arena *a, const uint8_t *buf, size_t len,
				 struct smb2_ea **eas, size_t *count)
{
	return list_decode(a, buf, len, EA_GET, eas, count);
}

size_t smb2_ea_entry_size(const struct smb2_ea *ea)
{
	return FULL_HDR + (size_t)ea->name_len + 1 + ea->value_len;
}

uint32_t smb2_ea_list_size(const struct smb2_ea *eas, size_t n)
{
	uint64_t total = 0;

	for (size_t i = 0; i < n; i++) {
		uint64_t sz = smb2_ea_entry_size(&eas[i]);
		if (i + 1 < n)
			sz = (sz + 3) & ~(uint64_t)3;
		total += sz;
		if (total > UINT32_MAX)
			return UINT32_MAX;
	}
	return (uint32_t)total;
}

size_t smb2_ea_full_list_encode(struct wr *w, const struct smb2_ea *eas, size_t n, uint32_t limit,
				bool single)
{
	size_t prev = SIZE_MAX, used = 0, done = 0;

	for (size_t i = 0; i < n && !(single && done == 1); i++) {
		size_t pad = prev == SIZE_MAX ? 0 : (4 - (used % 4)) % 4;
		size_t sz = smb2_ea_entry_size(&eas[i]);
		if (used + pad + sz > limit)
			break;
		wr_zero(w, pad);
		used += pad;
		if (prev != SIZE_MAX)
			wr_put_u32_at(w, prev, (uint32_t)(w->len - prev));
		prev = w->len;
		wr_u32(w, 0);   /* NextEntryOffset, patched when another entry follows */
		wr_u8(w, eas[i].flags);
		wr_u8(w, eas[i].name_len);
		wr_u16(w, eas[i].value_len);
		wr_bytes(w, eas[i].name, eas[i].name_len);
		wr_u8(w, 0);
		if (eas[i].value_len)
			wr_bytes(w, eas[i].value, eas[i].value_len);
		used += sz;
		done++;
	}
	return done;
}
