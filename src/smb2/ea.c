/* SPDX-License-Identifier: Apache-2.0 */
/* Extended attributes over SMB2: the ExtA create context and the EA information classes, between
 * the wire lists (smb2/wire/ea.h) and the VFS's EA store. */
#include "core/buf.h"
#include "smb2/ea.h"
#include "smb2/open.h"
#include "smb2/req.h"
#include "vfs/vfs.h"

#include <string.h>
#include <strings.h>

#include "smb2/wire/ea.h"
#include "smb2/wire/info_file.h"

static NTSTATUS to_vfs(struct arena *a, const struct smb2_ea *in, size_t n, struct vfs_ea **out)
{
	struct vfs_ea *v = arena_alloc(a, n * sizeof(*v));

	if (!v)
		return STATUS_NO_MEMORY;
	for (size_t i = 0; i < n; i++)
		v[i] = (struct vfs_ea){ .name = in[i].name, .value = in[i].value,
					.value_len = in[i].value_len, .flags = in[i].flags };
	*out = v;
	return STATUS_SUCCESS;
}

NTSTATUS smb2_ea_from_create_context(struct arena *a, const uint8_t *data, size_t len,
				     struct vfs_ea **eas, size_t *n)
{
	struct smb2_ea *list;
	NTSTATUS st;

	*eas = NULL;
	*n = 0;
	st = smb2_ea_full_list_decode(a, data, len, &list, n);
	if (st == STATUS_SUCCESS)
		st = to_vfs(a, list, *n, eas);
	if (st == STATUS_SUCCESS)
		st = vfs_ea_check(*eas, *n);
	return st;
}

bool smb2_ea_query_class(uint8_t info_class)
{
	return info_class == FileEaInformation || info_class == FileFullEaInformation;
}

/* The wire form of a VFS EA (names are at most 255 bytes, values at most 65535: vfs_ea_check). */
static struct smb2_ea from_vfs(const struct vfs_ea *v)
{
	size_t nlen = strlen(v->name);

	return (struct smb2_ea){ .flags = v->flags, .name_len = (uint8_t)(nlen > 255 ? 255 : nlen),
				 .name = v->name,
				 .value_len = (uint16_t)(v->value_len > 65535 ? 65535 : v->value_len),
				 .value = v->value };
}

/* FileFullEaInformation for the names a FILE_GET_EA_INFORMATION list asks for: each found EA,
 * or the name with an empty value when the file has none by that name (as Windows answers). */
static NTSTATUS query_named(struct smb2_req *req, const struct vfs_ea *all, size_t n,
			    const struct smb2_query_info_req *in, struct wr *w)
{
	struct smb2_ea *want, *res;
	size_t nwant, done;
	NTSTATUS st;

	st = smb2_ea_get_list_decode(req->arena, in->input, in->input_len, &want, &nwant);
	if (st != STATUS_SUCCESS)
		return st;
	res = arena_alloc(req->arena, nwant * sizeof(*res));
	if (!res)
		return STATUS_NO_MEMORY;
	for (size_t i = 0; i < nwant; i++) {
		res[i] = want[i];
		for (size_t k = 0; k < n; k++) {
			if (strcasecmp(all[k].name, want[i].name) == 0) {
				res[i] = from_vfs(&all[k]);
				break;
			}
		}
	}
	done = smb2_ea_full_list_encode(w, res, nwant, in->output_buffer_length,
					in->flags & SL_RETURN_SINGLE_ENTRY);
	if (done == 0)
		return STATUS_BUFFER_TOO_SMALL;
	return done < nwant && !(in->flags & SL_RETURN_SINGLE_ENTRY) ? STATUS_BUFFER_OVERFLOW
								     : STATUS_SUCCESS;
}

NTSTATUS smb2_ea_size(struct smb2_req *req, struct smb2_open *op, uint32_t *size)
{
	struct vfs_ea *all;
	struct smb2_ea *list;
	size_t n;
	NTSTATUS st = vfs_ea_list(op->vfs, req->arena, true, &all, &n);

	if (st != STATUS_SUCCESS)
		return st;
	list = arena_alloc(req->arena, (n ? n : 1) * sizeof(*list));
	if (!list)
		return STATUS_NO_MEMORY;
	for (size_t i = 0; i < n; i++)
		list[i] = from_vfs(&all[i]);
	*size = smb2_ea_list_size(list, n);
	return STATUS_SUCCESS;
}

NTSTATUS smb2_query_ea(struct smb2_req *req, struct smb2_open *op,
		       const struct smb2_query_info_req *in, struct wr *w)
{
	struct vfs_ea *all;
	struct smb2_ea *list;
	size_t n, start, done;
	NTSTATUS st;

	if (in->file_info_class == FileEaInformation) {
		/* MS-FSCC FILE_EA_INFORMATION: any handle may ask (smb2.getinfo.getinfo_access). */
		if (in->output_buffer_length < 4)
			return STATUS_INFO_LENGTH_MISMATCH;
		uint32_t size;
		st = smb2_ea_size(req, op, &size);
		if (st == STATUS_SUCCESS)
			wr_u32(w, size);
		return st;
	}

	/* FileFullEaInformation, MS-FSA 2.1.5.12.12 */
	st = vfs_ea_list(op->vfs, req->arena, false, &all, &n);
	if (st != STATUS_SUCCESS)
		return st;
	if (in->input_len)
		return query_named(req, all, n, in, w);
	if (n == 0)
		return STATUS_NO_EAS_ON_FILE;
	start = (in->flags & SL_RESTART_SCAN) ? 0 : vfs_open_ea_index(op->vfs);
	if (start >= n)
		return STATUS_NO_MORE_EAS;
	list = arena_alloc(req->arena, (n - start) * sizeof(*list));
	if (!list)
		return STATUS_NO_MEMORY;
	for (size_t i = start; i < n; i++)
		list[i - start] = from_vfs(&all[i]);
	done = smb2_ea_full_list_encode(w, list, n - start, in->output_buffer_length,
					in->flags & SL_RETURN_SINGLE_ENTRY);
	if (done == 0)
		return STATUS_BUFFER_TOO_SMALL;
	vfs_open_set_ea_index(op->vfs, (uint32_t)(start + done));
	return start + done < n ? STATUS_BUFFER_OVERFLOW : STATUS_SUCCESS;
}

NTSTATUS smb2_set_ea(struct smb2_req *req, struct smb2_open *op, const uint8_t *buf, size_t len)
{
	struct smb2_ea *list;
	struct vfs_ea *eas;
	size_t n;
	NTSTATUS st;

	/* MS-SMB2 3.3.5.21.1 */
	if (!(op->access & FILE_WRITE_EA))
		return STATUS_ACCESS_DENIED;
	st = smb2_ea_full_list_decode(req->arena, buf, len, &list, &n);
	if (st == STATUS_SUCCESS)
		st = to_vfs(req->arena, list, n, &eas);
	if (st == STATUS_SUCCESS)
		st = vfs_ea_set(op->vfs, eas, n);
	return st;
}
