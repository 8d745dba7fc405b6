/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers the wire codec tests share: building a message (header + body) byte by byte and
 * checking encoded bodies at spec offsets. Included by tests/unit/wire/test_wire_*.c only. */
#ifndef SKIFF_TEST_WIRE_H
#define SKIFF_TEST_WIRE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/buf.h"
#include "core/ntstatus.h"
#include "smb2/wire/header.h"

/* Start a message with a plain request header for `cmd`; the body follows at offset 64. */
static inline void tmsg_begin(struct wr *w, uint16_t cmd)
{
	struct smb2_hdr h = { .command = cmd, .credits = 1, .message_id = 7, .tree_id = 1,
			      .session_id = 0x1122334455667788ull };

	wr_init(w, 512);
	smb2_hdr_encode(w, &h);
	assert_int_equal(w->len, SMB2_HDR_SIZE);
}

/* Start a response: 8 junk bytes first so hdr_off != 0 (as in a compound), then a header. */
static inline size_t trsp_begin(struct wr *w, uint16_t cmd)
{
	struct smb2_hdr h = { .command = cmd, .flags = SMB2_FLAGS_SERVER_TO_REDIR };

	wr_init(w, 512);
	wr_bytes(w, "PREVMSG!", 8);
	smb2_hdr_encode(w, &h);
	return 8;
}

/* Little-endian fields of an encoded response, at an offset from its header. */
#define T16(w, hdr_off, off) le16((w)->buf + (hdr_off) + (off))
#define T32(w, hdr_off, off) le32((w)->buf + (hdr_off) + (off))
#define T64(w, hdr_off, off) le64((w)->buf + (hdr_off) + (off))
#define TBODY_LEN(w, hdr_off) ((w)->len - (hdr_off) - SMB2_HDR_SIZE)

/* Append UTF-16LE of an ASCII string (tests only use ASCII names). */
static inline size_t t_utf16(struct wr *w, const char *s)
{
	size_t n = strlen(s);

	for (size_t i = 0; i < n; i++)
		wr_u16(w, (uint8_t)s[i]);
	return 2 * n;
}

#endif
