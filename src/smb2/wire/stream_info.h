/* SPDX-License-Identifier: Apache-2.0 */
/* FILE_STREAM_INFORMATION (MS-FSCC 2.4.44): the list of a file's data streams that QUERY_INFO
 * FileStreamInformation returns. */
#ifndef SKIFF_WIRE_STREAM_INFO_H
#define SKIFF_WIRE_STREAM_INFO_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/ntstatus.h"

struct smb2_stream_entry {
	const char *name;        /* UTF-8 stream name; "" for the unnamed stream ("::$DATA") */
	uint64_t size, alloc_size;
};

/* Smallest buffer the class accepts: sizeof(FILE_STREAM_INFORMATION) with its 8-byte alignment
 * (smbtorture smb2.getinfo.qfile_buffercheck). */
#define SMB2_STREAM_INFO_MIN 32

/*
 * Append entries[0..n) as ":name:$DATA" entries, each starting 8-byte aligned, as many whole
 * entries as fit in `limit` bytes (MS-FSA 2.1.5.12.29). Returns STATUS_SUCCESS when all fit,
 * STATUS_BUFFER_OVERFLOW when not (the whole entries that fit are written),
 * STATUS_INFO_LENGTH_MISMATCH below SMB2_STREAM_INFO_MIN (nothing written),
 * STATUS_OBJECT_NAME_INVALID for a name that is not UTF-8, STATUS_NO_MEMORY.
 */
NTSTATUS smb2_stream_info_encode(const struct smb2_stream_entry *e, size_t n, uint32_t limit,
				 struct wr *w);

#endif
