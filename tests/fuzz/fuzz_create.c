// layer: wire
/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz the CREATE request decoder, its create-context chain parser, every context body
 * decoder and the durable contexts' combined decoder; then rebuild the parsed chain with the response builder and parse it again.
 * Input: the request body. */
#include "fuzz_wire.h"

#include "smb2/wire/create.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t len;
	uint8_t *msg = fuzz_msg(SMB2_CREATE, data, size, &len);
	static struct smb2_create_req req;
	static struct smb2_create_ctx_list again;

	if (msg == NULL)
		return 0;
	if (smb2_create_req_decode(msg, len, &req) == STATUS_SUCCESS) {
		struct smb2_create_ctx_builder b;
		struct wr w;
		bool small = true;

		if (req.name_len)
			fuzz_sink += req.name[req.name_len - 1];
		struct smb2_durable_ctx dur;
		fuzz_sink += smb2_create_ctx_durable_decode(&req.contexts, &dur);
		wr_init(&w, 256);
		smb2_create_ctx_builder_init(&b, &w);
		for (size_t i = 0; i < req.contexts.count; i++) {
			const struct smb2_create_ctx *c = &req.contexts.ctx[i];
			struct smb2_lease_req l;
			struct smb2_durable_v2_req d;
			struct smb2_durable_v2_reconnect rc;
			struct smb2_fileid f;
			uint64_t v;
			bool ts;

			fuzz_sink += c->name[c->name_len - 1];
			if (c->data_len)
				fuzz_sink += c->data[c->data_len - 1];
			fuzz_sink += smb2_create_ctx_lease_decode(c, &l) + smb2_create_ctx_dh2q_decode(c, &d) +
				     smb2_create_ctx_dh2c_decode(c, &rc) + smb2_create_ctx_dhnc_decode(c, &f) + smb2_create_ctx_dhnq_decode(c) +
				     smb2_create_ctx_u64_decode(c, &v) + smb2_create_ctx_mxac_decode(c, &ts, &v);
			smb2_create_ctx_add(&b, c->name, c->name_len, c->data, c->data_len);
			small = small && c->name_len <= 1024;   /* DataOffset is a u16 */
		}
		/* What the builder writes from a parsed chain must parse back the same. */
		if (!w.failed && small && req.contexts.count > 0 &&
		    (smb2_create_ctx_parse(w.buf, w.len, &again) != STATUS_SUCCESS ||
		     again.count != req.contexts.count))
			abort();
		wr_free(&w);
	}
	free(msg);
	return 0;
}
