/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Extended-attribute lists (MS-FSCC 2.4.15 FILE_FULL_EA_INFORMATION, 2.4.15.1
 * FILE_GET_EA_INFORMATION): decoders for the lists a client sends (CREATE "ExtA" context, SET_INFO
 * and the QUERY_INFO input buffer of FileFullEaInformation) and the encoder for what the server
 * returns. Structure only: which names are valid and what an EA means is the caller's business.
 */
#ifndef SKIFF_WIRE_EA_H
#define SKIFF_WIRE_EA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/ntstatus.h"

/* FILE_FULL_EA_INFORMATION.Flags */
#define FILE_NEED_EA 0x80u

/* MS-ERREF 2.3 codes the EA calls answer with (not in core/ntstatus.h). */
#ifndef STATUS_NO_MORE_EAS
#define STATUS_NO_MORE_EAS          0x80000012u
#endif
#ifndef STATUS_INVALID_EA_NAME
#define STATUS_INVALID_EA_NAME      0x80000013u
#endif
#ifndef STATUS_EA_LIST_INCONSISTENT
#define STATUS_EA_LIST_INCONSISTENT 0x80000014u
#endif
#ifndef STATUS_NONEXISTENT_EA_ENTRY
#define STATUS_NONEXISTENT_EA_ENTRY 0xC0000051u
#endif

/* QUERY_INFO Flags for FileFullEaInformation (MS-SMB2 2.2.37) */
#define SL_RESTART_SCAN        0x00000001u
#define SL_RETURN_SINGLE_ENTRY 0x00000002u
#define SL_INDEX_SPECIFIED     0x00000004u

/* One EA. Decoded names are copied into the arena and NUL-terminated (they may contain no NUL:
 * a name with one is STATUS_INVALID_EA_NAME); values point into the caller's buffer. */
struct smb2_ea {
	uint8_t flags;           /* FILE_NEED_EA or 0 (GET lists: always 0) */
	uint8_t name_len;        /* bytes, without the terminator */
	const char *name;
	uint16_t value_len;
	const uint8_t *value;    /* NULL when value_len is 0 (and always for GET lists) */
};

/*
 * Decode a FILE_FULL_EA_INFORMATION list filling buf[0..len). Every entry must hold its 8-byte
 * header, name, terminator and value; NextEntryOffset is 0 for the last entry, otherwise a
 * multiple of 4 at least the entry's size that leaves room for the next header. Anything else
 * is STATUS_EA_LIST_INCONSISTENT (what Windows' IoCheckEaBufferValidity answers), an empty
 * buffer too. A NUL inside a name is STATUS_INVALID_EA_NAME. On success *eas (from `a`) holds
 * *count >= 1 entries in list order; STATUS_NO_MEMORY if the arena fails.
 */
NTSTATUS smb2_ea_full_list_decode(struct arena *a, const uint8_t *buf, size_t len,
				  struct smb2_ea **eas, size_t *count);

/* The same for a FILE_GET_EA_INFORMATION list (NextEntryOffset, EaNameLength, EaName + NUL):
 * the names a QUERY_INFO asks for. */
NTSTATUS smb2_ea_get_list_decode(struct arena *a, const uint8_t *buf, size_t len,
				 struct smb2_ea **eas, size_t *count);

/* Bytes of one FILE_FULL_EA_INFORMATION entry without alignment padding. */
size_t smb2_ea_entry_size(const struct smb2_ea *ea);

/* Size of eas[0..n) encoded as one list, entries but the last padded to 4: what Samba reports
 * as FileEaInformation.EaSize over SMB2. Saturates at UINT32_MAX. */
uint32_t smb2_ea_list_size(const struct smb2_ea *eas, size_t n);

/*
 * Append eas[0..n) as a FILE_FULL_EA_INFORMATION list of whole entries, as many as fit in
 * `limit` bytes (only the first when `single`); returns how many were written (0 when not even
 * the first fits).
 */
size_t smb2_ea_full_list_encode(struct wr *w, const struct smb2_ea *eas, size_t n, uint32_t limit,
				bool single);

#endif
