/* SPDX-License-Identifier: Apache-2.0 */
/* QUERY_INFO FileStreamInformation: the VFS's stream list in the wire's FILE_STREAM_INFORMATION. */
#include "smb2/open.h"
#include "smb2/req.h"
#include "smb2/streams.h"
#include "vfs/vfs.h"

#include "smb2/wire/stream_info.h"

NTSTATUS smb2_query_streams(struct smb2_req *req, struct smb2_open *op, uint32_t out_len,
			    struct wr *w)
{
	struct vfs_stream_info *s;
	struct smb2_stream_entry *e;
	size_t n;
	NTSTATUS st = vfs_stream_list(op->vfs, req->arena, &s, &n);

	if (st != STATUS_SUCCESS)
		return st;
	e = arena_alloc(req->arena, (n ? n : 1) * sizeof(*e));
	if (!e)
		return STATUS_NO_MEMORY;
	for (size_t i = 0; i < n; i++)
		e[i] = (struct smb2_stream_entry){ .name = s[i].name, .size = s[i].size,
						   .alloc_size = s[i].alloc_size };
	return smb2_stream_info_encode(e, n, out_len, w);
}
