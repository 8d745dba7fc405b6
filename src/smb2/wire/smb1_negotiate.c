/* SPDX-License-Identifier: Apache-2.0 */
/* SMB1 SMB_COM_NEGOTIATE request decoder, for the SMB2 upgrade path (MS-SMB2 3.3.5.3.1). */
#include "smb2/wire/smb1_negotiate.h"

#include <string.h>

#include "core/buf.h"
#include "smb2/wire/header.h"

#define SMB1_BUFFER_FORMAT_DIALECT 0x02

/* One entry at r's position: BufferFormat 0x02 then a NUL-terminated OEM string. */
static bool rd_dialect(struct rd *r, const uint8_t **name, size_t *name_len)
{
	uint8_t fmt;
	size_t start;
	const uint8_t *p;

	if (!rd_u8(r, &fmt) || fmt != SMB1_BUFFER_FORMAT_DIALECT)
		return false;
	start = r->off;
	if (rd_left(r) == 0)
		return false;
	p = memchr(r->base + start, 0, rd_left(r));
	if (p == NULL)
		return false;
	*name_len = (size_t)(p - (r->base + start));
	return rd_bytes(r, *name_len, name) && rd_skip(r, 1);
}

static bool name_is(const uint8_t *name, size_t len, const char *want)
{
	return len == strlen(want) && memcmp(name, want, len) == 0;
}

NTSTATUS smb1_negotiate_req_decode(const uint8_t *msg, size_t len, struct smb1_negotiate_req *req)
{
	struct rd r = rd_init(msg, len), d;
	uint32_t proto, status;
	uint8_t cmd, word_count;
	uint16_t byte_count;
	const uint8_t *name;
	size_t name_len;

	memset(req, 0, sizeof(*req));
	/* MS-CIFS 2.2.3.1: Protocol, Command, Status, Flags, Flags2, PIDHigh,
	 * SecurityFeatures[8], Reserved, TID, PIDLow, UID, MID. */
	if (!rd_u32(&r, &proto) || proto != SMB1_PROTOCOL_ID || !rd_u8(&r, &cmd) ||
	    cmd != SMB1_COM_NEGOTIATE || !rd_u32(&r, &status) || !rd_u8(&r, &req->flags) ||
	    !rd_u16(&r, &req->flags2) || !rd_u16(&r, &req->pid_high) || !rd_skip(&r, 8 + 2) ||
	    !rd_u16(&r, &req->tid) || !rd_u16(&r, &req->pid_low) || !rd_u16(&r, &req->uid) ||
	    !rd_u16(&r, &req->mid))
		return STATUS_INVALID_PARAMETER;
	/* MS-CIFS 2.2.4.52.1: WordCount 0, then ByteCount bytes of dialect entries. */
	if (!rd_u8(&r, &word_count) || word_count != 0 || !rd_u16(&r, &byte_count) ||
	    byte_count == 0 || !rd_bytes(&r, byte_count, &req->dialects))
		return STATUS_INVALID_PARAMETER;
	req->dialects_len = byte_count;

	d = rd_init(req->dialects, req->dialects_len);
	while (rd_left(&d) > 0) {
		if (!rd_dialect(&d, &name, &name_len))
			return STATUS_INVALID_PARAMETER;
		req->dialect_count++;
		if (name_is(name, name_len, SMB1_DIALECT_SMB2_002))
			req->smb2_002 = true;
		else if (name_is(name, name_len, SMB1_DIALECT_SMB2_WILDCARD))
			req->smb2_wildcard = true;
	}
	return STATUS_SUCCESS;
}

bool smb1_negotiate_next_dialect(const struct smb1_negotiate_req *req, size_t *pos,
				 const char **name, size_t *name_len)
{
	struct rd d = rd_init(req->dialects, req->dialects_len);
	const uint8_t *p;

	if (!rd_seek(&d, *pos) || rd_left(&d) == 0 || !rd_dialect(&d, &p, name_len))
		return false;
	*name = (const char *)p;
	*pos = d.off;
	return true;
}
