/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by the wire-layer fuzz targets: put a 64-byte SMB2 header in front of the fuzz input
 * in an exactly sized heap buffer, so AddressSanitizer sees any read past the message. */
#ifndef SKIFF_FUZZ_WIRE_H
#define SKIFF_FUZZ_WIRE_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "smb2/wire/header.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static inline uint8_t *fuzz_msg(uint16_t command, const uint8_t *data, size_t size, size_t *len)
{
	struct smb2_hdr h = { .command = command, .credits = 1, .message_id = 1 };
	struct wr w;
	uint8_t *msg;

	wr_init(&w, SMB2_HDR_SIZE);
	smb2_hdr_encode(&w, &h);
	msg = malloc(SMB2_HDR_SIZE + size + 1);   /* +1: malloc(0)-free even for empty input */
	if (msg == NULL || w.failed) {
		wr_free(&w);
		free(msg);
		return NULL;
	}
	memcpy(msg, w.buf, SMB2_HDR_SIZE);
	if (size)
		memcpy(msg + SMB2_HDR_SIZE, data, size);
	wr_free(&w);
	*len = SMB2_HDR_SIZE + size;
	return msg;
}

/* Copy the input into an exactly sized buffer (for decoders that take the bytes whole). */
static inline uint8_t *fuzz_copy(const uint8_t *data, size_t size)
{
	uint8_t *p = malloc(size ? size : 1);

	if (p != NULL && size)
		memcpy(p, data, size);
	return p;
}

/* Keep the optimiser from dropping reads of decoded fields. */
static volatile uint64_t fuzz_sink;

#endif
