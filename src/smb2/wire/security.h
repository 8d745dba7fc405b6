/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Self-relative SECURITY_DESCRIPTOR codec (MS-DTYP 2.4.6) with its SIDs (2.4.2.2), ACLs (2.4.5)
 * and ACEs (2.4.4). The model lives in core/secdesc.h; this file only turns bytes into it and back.
 */
#ifndef SKIFF_WIRE_SECURITY_H
#define SKIFF_WIRE_SECURITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/ntstatus.h"
#include "core/secdesc.h"


#define SD_HEADER_SIZE 20                 /* Revision .. OffsetDacl */
#define SD_ACL_HEADER_SIZE 8
#define SD_MAX_ACL_SIZE 0xFFFFu           /* AclSize is 16 bits */

/* Bytes of a SID on the wire: 8 + 4 * SubAuthorityCount. */
static inline size_t sd_sid_size(const struct sd_sid *s) { return 8 + 4 * (size_t)s->num_auths; }

/* Read one SID at r's position; false if it is truncated, has Revision != 1 or more than 15
 * sub-authorities. */
bool sd_sid_decode(struct rd *r, struct sd_sid *out);
void sd_sid_encode(struct wr *w, const struct sd_sid *s);

/* "S-1-5-32-544" (MS-DTYP 2.4.2.1; authorities of 2^32 and above in hex). Returns the length
 * snprintf would have written. */
int sd_sid_to_string(const struct sd_sid *s, char *buf, size_t len);
/* Parse the string form; false if it is not one. */
bool sd_sid_from_string(const char *str, struct sd_sid *out);

/*
 * Decode a self-relative descriptor from buf[0, len). Everything is allocated in `a`; bodies of
 * non-simple ACEs point into buf, which must outlive the result. An offset of 0 means the part is
 * absent; a DACL or SACL offset without its *_PRESENT control bit is ignored, and *_PRESENT with
 * offset 0 is a NULL ACL. STATUS_INVALID_SECURITY_DESCR for anything malformed (bad revision,
 * offset or length outside the buffer, AceCount larger than the ACL can hold, ...),
 * STATUS_NO_MEMORY when the arena is exhausted.
 */
NTSTATUS sd_decode(struct arena *a, const uint8_t *buf, size_t len, struct sd **out);

/*
 * Encode the parts of sd that `secinfo` selects (OWNER/GROUP/DACL/SACL_SECURITY_INFORMATION)
 * as a self-relative descriptor: header, owner, group, SACL, DACL. Control keeps the bits of
 * the selected parts only, plus SE_SELF_RELATIVE. Returns false (writing nothing) if an ACL
 * would exceed 64 KiB; allocation failures show in w->failed as usual.
 */
bool sd_encode(struct wr *w, const struct sd *sd, uint32_t secinfo);
/* What sd_encode would write, in bytes (0 if an ACL is too large). */
size_t sd_encoded_size(const struct sd *sd, uint32_t secinfo);

#endif
