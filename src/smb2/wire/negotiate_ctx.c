/* SPDX-License-Identifier: Apache-2.0 */
/* Bodies of the SMB 3.1.1 negotiate contexts (MS-SMB2 2.2.3.1.x) and the response ones the
 * server builds (2.2.4.1.x). */
#include "smb2/wire/negotiate.h"

/* Point `l` at `count` u16 ids at r's position; false if the context cannot hold them. */
static bool rd_u16_list(struct rd *r, uint16_t count, struct smb2_u16_list *l)
{
	l->count = count;
	return rd_bytes(r, (size_t)count * 2, &l->p);
}

NTSTATUS smb2_neg_preauth_decode(const struct smb2_neg_context *c, struct smb2_preauth_caps *out)
{
	struct rd r = rd_init(c->data, c->len);
	uint16_t n;

	/* 2.2.3.1.1: HashAlgorithmCount MUST be greater than zero. */
	if (!rd_u16(&r, &n) || !rd_u16(&r, &out->salt_len) || n == 0 ||
	    !rd_u16_list(&r, n, &out->hash_algorithms) ||
	    !rd_bytes(&r, out->salt_len, &out->salt))
		return STATUS_INVALID_PARAMETER;
	return STATUS_SUCCESS;
}

NTSTATUS smb2_neg_encryption_decode(const struct smb2_neg_context *c,
				    struct smb2_encryption_caps *out)
{
	struct rd r = rd_init(c->data, c->len);
	uint16_t n;

	if (!rd_u16(&r, &n) || n == 0 || !rd_u16_list(&r, n, &out->ciphers))
		return STATUS_INVALID_PARAMETER;
	return STATUS_SUCCESS;
}

NTSTATUS smb2_neg_compression_decode(const struct smb2_neg_context *c,
				     struct smb2_compression_caps *out)
{
	struct rd r = rd_init(c->data, c->len);
	uint16_t n, padding;

	if (!rd_u16(&r, &n) || !rd_u16(&r, &padding) || !rd_u32(&r, &out->flags) || n == 0 ||
	    !rd_u16_list(&r, n, &out->algorithms))
		return STATUS_INVALID_PARAMETER;
	return STATUS_SUCCESS;
}

NTSTATUS smb2_neg_netname_decode(const struct smb2_neg_context *c, struct smb2_netname *out)
{
	out->name = c->data;
	out->name_len = c->len;
	return STATUS_SUCCESS;
}

NTSTATUS smb2_neg_transport_decode(const struct smb2_neg_context *c,
				   struct smb2_transport_caps *out)
{
	struct rd r = rd_init(c->data, c->len);

	if (!rd_u32(&r, &out->flags))
		return STATUS_INVALID_PARAMETER;
	return STATUS_SUCCESS;
}

NTSTATUS smb2_neg_rdma_decode(const struct smb2_neg_context *c,
			      struct smb2_rdma_transform_caps *out)
{
	struct rd r = rd_init(c->data, c->len);
	uint16_t n, reserved1;
	uint32_t reserved2;

	if (!rd_u16(&r, &n) || !rd_u16(&r, &reserved1) || !rd_u32(&r, &reserved2) || n == 0 ||
	    !rd_u16_list(&r, n, &out->transform_ids))
		return STATUS_INVALID_PARAMETER;
	return STATUS_SUCCESS;
}

NTSTATUS smb2_neg_signing_decode(const struct smb2_neg_context *c, struct smb2_signing_caps *out)
{
	struct rd r = rd_init(c->data, c->len);
	uint16_t n;

	if (!rd_u16(&r, &n) || n == 0 || !rd_u16_list(&r, n, &out->algorithms))
		return STATUS_INVALID_PARAMETER;
	return STATUS_SUCCESS;
}

void smb2_neg_ctx_preauth(struct smb2_neg_context *c, uint8_t buf[SMB2_NEG_PREAUTH_RSP_LEN],
			  const uint8_t salt[SMB2_PREAUTH_SALT_SIZE])
{
	put_le16(buf, 1);                              /* HashAlgorithmCount */
	put_le16(buf + 2, SMB2_PREAUTH_SALT_SIZE);     /* SaltLength */
	put_le16(buf + 4, SMB2_PREAUTH_INTEGRITY_SHA512);
	for (size_t i = 0; i < SMB2_PREAUTH_SALT_SIZE; i++)
		buf[6 + i] = salt[i];
	c->type = SMB2_PREAUTH_INTEGRITY_CAPABILITIES;
	c->data = buf;
	c->len = SMB2_NEG_PREAUTH_RSP_LEN;
}

static void one_id_ctx(struct smb2_neg_context *c, uint8_t buf[SMB2_NEG_ONE_ID_RSP_LEN],
		       uint16_t type, uint16_t id)
{
	put_le16(buf, 1);
	put_le16(buf + 2, id);
	c->type = type;
	c->data = buf;
	c->len = SMB2_NEG_ONE_ID_RSP_LEN;
}

void smb2_neg_ctx_encryption(struct smb2_neg_context *c, uint8_t buf[SMB2_NEG_ONE_ID_RSP_LEN],
			     uint16_t cipher)
{
	one_id_ctx(c, buf, SMB2_ENCRYPTION_CAPABILITIES, cipher);
}

void smb2_neg_ctx_signing(struct smb2_neg_context *c, uint8_t buf[SMB2_NEG_ONE_ID_RSP_LEN],
			  uint16_t algorithm)
{
	one_id_ctx(c, buf, SMB2_SIGNING_CAPABILITIES, algorithm);
}
