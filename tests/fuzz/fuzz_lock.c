// layer: wire
/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz the LOCK request decoder and read back every lock element it accepted. Input: the
 * request body (a header is put in front). */
#include "fuzz_wire.h"

#include "smb2/wire/lock.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t len;
	uint8_t *msg = fuzz_msg(SMB2_LOCK, data, size, &len);
	struct smb2_lock_req req;
	struct smb2_lock_element e;

	if (msg == NULL)
		return 0;
	if (smb2_lock_req_decode(msg, len, &req) == STATUS_SUCCESS) {
		for (size_t i = 0; i < req.lock_count; i++) {
			smb2_lock_req_element(&req, i, &e);
			fuzz_sink += e.offset + e.length + e.flags;
		}
		fuzz_sink += smb2_lock_seq_number(&req) + smb2_lock_seq_index(&req);
	}
	free(msg);
	return 0;
}
