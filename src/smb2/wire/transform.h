/* SPDX-License-Identifier: Apache-2.0 */
/* The 52-byte SMB2 TRANSFORM_HEADER in front of encrypted messages (MS-SMB2 2.2.41). The
 * cipher work is the crypto layer's; this file only moves the fields. */
#ifndef SKIFF_WIRE_TRANSFORM_H
#define SKIFF_WIRE_TRANSFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

#define SMB2_TRANSFORM_HDR_SIZE 52
/* 3.1.1: Flags; 3.0/3.0.2: EncryptionAlgorithm, where SMB2_ENCRYPTION_AES128_CCM is 0x0001 —
 * the same value, so one constant serves both. */
#define SMB2_TRANSFORM_FLAG_ENCRYPTED 0x0001
/* The AEAD's additional data: the header from Nonce to the end (3.1.4.3). */
#define SMB2_TRANSFORM_AAD_OFFSET 20
#define SMB2_TRANSFORM_AAD_SIZE   32
#define SMB2_TRANSFORM_SIG_OFFSET 4

struct smb2_transform_hdr {
	uint8_t signature[16];
	uint8_t nonce[16];          /* AES-CCM uses the first 11 bytes, AES-GCM the first 12 */
	uint32_t original_message_size;
	uint16_t flags;
	uint64_t session_id;
};

/* False if fewer than 52 bytes or the ProtocolId is not 0xFD 'S' 'M' 'B'. Whether
 * OriginalMessageSize matches the bytes that follow is the caller's check (3.3.5.2.1.1). */
bool smb2_transform_hdr_decode(const uint8_t *buf, size_t len, struct smb2_transform_hdr *h);
void smb2_transform_hdr_encode(struct wr *w, const struct smb2_transform_hdr *h);

#endif
