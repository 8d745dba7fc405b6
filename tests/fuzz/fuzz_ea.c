// layer: wire
/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz the EA list decoders (FILE_FULL_EA_INFORMATION from CREATE ExtA and SET_INFO,
 * FILE_GET_EA_INFORMATION from QUERY_INFO). Every full list accepted is encoded again and must
 * decode to the same entries, in the size smb2_ea_list_size promised. */
#include "fuzz_wire.h"

#include "smb2/wire/ea.h"

static void same_or_abort(const struct smb2_ea *a, const struct smb2_ea *b)
{
	if (a->flags != b->flags || a->name_len != b->name_len || a->value_len != b->value_len ||
	    memcmp(a->name, b->name, a->name_len) != 0 ||
	    (a->value_len && memcmp(a->value, b->value, a->value_len) != 0))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf = fuzz_copy(data, size);
	struct arena a;
	struct smb2_ea *eas, *again;
	size_t n, n2;

	if (buf == NULL)
		return 0;
	arena_init(&a, 4096);
	if (smb2_ea_full_list_decode(&a, buf, size, &eas, &n) == STATUS_SUCCESS) {
		struct wr w;
		wr_init(&w, 256);
		size_t done = smb2_ea_full_list_encode(&w, eas, n, UINT32_MAX, false);
		if (w.failed || done != n || w.len != smb2_ea_list_size(eas, n))
			abort();
		if (smb2_ea_full_list_decode(&a, w.buf, w.len, &again, &n2) != STATUS_SUCCESS || n2 != n)
			abort();
		for (size_t i = 0; i < n; i++)
			same_or_abort(&eas[i], &again[i]);
		/* a limit cuts at whole entries only */
		wr_free(&w);
		wr_init(&w, 256);
		done = smb2_ea_full_list_encode(&w, eas, n, (uint32_t)(size / 2), false);
		if (done > n || w.len > size / 2)
			abort();
		wr_free(&w);
	}
	if (smb2_ea_get_list_decode(&a, buf, size, &eas, &n) == STATUS_SUCCESS) {
		for (size_t i = 0; i < n; i++)
			fuzz_sink += eas[i].name_len + (uint8_t)eas[i].name[0];
	}
	arena_destroy(&a);
	free(buf);
	return 0;
}
