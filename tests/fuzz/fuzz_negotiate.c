// layer: wire
/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz the NEGOTIATE request decoder and every negotiate-context body decoder. Input: the
 * request body (a header is put in front). */
#include "fuzz_wire.h"

#include "smb2/wire/negotiate.h"

static void sum_list(const struct smb2_u16_list *l)
{
	for (size_t i = 0; i < l->count; i++)
		fuzz_sink += smb2_u16_list_get(l, i);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t len;
	uint8_t *msg = fuzz_msg(SMB2_NEGOTIATE, data, size, &len);
	struct smb2_negotiate_req req;

	if (msg == NULL)
		return 0;
	if (smb2_negotiate_req_decode(msg, len, &req) == STATUS_SUCCESS) {
		sum_list(&req.dialects);
		for (size_t i = 0; i < req.context_count; i++) {
			const struct smb2_neg_context *c = &req.contexts[i];
			struct smb2_preauth_caps pre;
			struct smb2_encryption_caps enc;
			struct smb2_compression_caps comp;
			struct smb2_netname net;
			struct smb2_transport_caps tr;
			struct smb2_rdma_transform_caps rdma;
			struct smb2_signing_caps sig;

			/* Every decoder on every context, whatever its type. */
			if (smb2_neg_preauth_decode(c, &pre) == STATUS_SUCCESS) {
				sum_list(&pre.hash_algorithms);
				for (size_t j = 0; j < pre.salt_len; j++)
					fuzz_sink += pre.salt[j];
			}
			if (smb2_neg_encryption_decode(c, &enc) == STATUS_SUCCESS)
				sum_list(&enc.ciphers);
			if (smb2_neg_compression_decode(c, &comp) == STATUS_SUCCESS)
				sum_list(&comp.algorithms);
			if (smb2_neg_netname_decode(c, &net) == STATUS_SUCCESS && net.name_len)
				fuzz_sink += net.name[net.name_len - 1];
			if (smb2_neg_transport_decode(c, &tr) == STATUS_SUCCESS)
				fuzz_sink += tr.flags;
			if (smb2_neg_rdma_decode(c, &rdma) == STATUS_SUCCESS)
				sum_list(&rdma.transform_ids);
			if (smb2_neg_signing_decode(c, &sig) == STATUS_SUCCESS)
				sum_list(&sig.algorithms);
		}
	}
	free(msg);
	return 0;
}
