/* SPDX-License-Identifier: Apache-2.0 */
/* FILE_STREAM_INFORMATION list encoder (MS-FSCC 2.4.44). */
#include "smb2/wire/stream_info.h"

#include "core/utf16.h"

#define ENTRY_FIXED 24   /* NextEntryOffset, StreamNameLength, StreamSize, StreamAllocationSize */

NTSTATUS smb2_stream_info_encode(const struct smb2_stream_entry *e, size_t n, uint32_t limit,
				 struct wr *w)
{
	size_t start = w->len, prev = SIZE_MAX;

	if (limit < SMB2_STREAM_INFO_MIN)
		return STATUS_INFO_LENGTH_MISMATCH;
	for (size_t i = 0; i < n; i++) {
		size_t name16 = utf8_utf16le_len(e[i].name);
		size_t at = w->len, pad = prev == SIZE_MAX ? 0 : (8 - (at - start) % 8) % 8;
		if (name16 == SIZE_MAX) {
			w->len = start;
			return STATUS_OBJECT_NAME_INVALID;
		}
		/* ":" name ":$DATA" in UTF-16 */
		size_t nlen = 2 + name16 + 12;
		if ((at - start) + pad + ENTRY_FIXED + nlen > limit)
			return w->failed ? STATUS_NO_MEMORY : STATUS_BUFFER_OVERFLOW;
		wr_zero(w, pad);
		if (prev != SIZE_MAX)
			wr_put_u32_at(w, prev, (uint32_t)(w->len - prev));
		prev = w->len;
		wr_u32(w, 0);
		wr_u32(w, (uint32_t)nlen);
		wr_u64(w, e[i].size);
		wr_u64(w, e[i].alloc_size);
		(void)utf8_to_utf16le(w, ":");
		(void)utf8_to_utf16le(w, e[i].name);
		(void)utf8_to_utf16le(w, ":$DATA");
	}
	return w->failed ? STATUS_NO_MEMORY : STATUS_SUCCESS;
}
