/* SPDX-License-Identifier: Apache-2.0 */
/* Shared request-body and response-body helpers for the PDU codecs (see body.h). */
#include "smb2/wire/body.h"

NTSTATUS smb2_body_open(const uint8_t *msg, size_t len, uint16_t ss, bool empty_dyn_ok,
			struct rd *r)
{
	size_t need = smb2_body_end(ss);
	uint16_t got;

	/* MS-SMB2 3.3.5.2.6 / Samba smbd_smb2_request_verify_sizes: an odd StructureSize promises
	 * one byte of Buffer, except where clients legitimately send none (IOCTL, QUERY_INFO,
	 * WRITE), which callers say with empty_dyn_ok. */
	if ((ss & 1) && !empty_dyn_ok)
		need += 1;
	if (len < need)
		return STATUS_INVALID_PARAMETER;
	*r = rd_init(msg, len);
	if (!rd_seek(r, SMB2_HDR_SIZE) || !rd_u16(r, &got) || got != ss)
		return STATUS_INVALID_PARAMETER;
	return STATUS_SUCCESS;
}

NTSTATUS smb2_body_buf(const struct rd *r, size_t min_off, uint64_t off, uint64_t blen,
		       const uint8_t **p)
{
	struct rd sub;

	*p = NULL;
	if (blen == 0)
		return STATUS_SUCCESS;
	if (off < min_off || off > r->len || blen > r->len - off)
		return STATUS_INVALID_PARAMETER;
	if (!rd_at(r, (size_t)off, (size_t)blen, &sub))
		return STATUS_INVALID_PARAMETER;
	*p = sub.base;
	return STATUS_SUCCESS;
}

bool smb2_rd_fileid(struct rd *r, struct smb2_fileid *f)
{
	return rd_u64(r, &f->persistent) && rd_u64(r, &f->volatile_);
}

void smb2_wr_fileid(struct wr *w, const struct smb2_fileid *f)
{
	wr_u64(w, f->persistent);
	wr_u64(w, f->volatile_);
}

void smb2_body_align(struct wr *w, size_t hdr_off, size_t a)
{
	size_t pos = smb2_body_pos(w, hdr_off);

	wr_zero(w, (a - pos % a) % a);
}
