/* SPDX-License-Identifier: Apache-2.0 */
/* Bodies made of StructureSize 4 and a Reserved u16 (MS-SMB2 2.2.7, 2.2.8, 2.2.11, 2.2.12,
 * 2.2.18, 2.2.27, 2.2.28, 2.2.29, 2.2.30), and the SET_INFO response (2.2.40). */
#ifndef SKIFF_WIRE_SIMPLE_H
#define SKIFF_WIRE_SIMPLE_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/ntstatus.h"

/* StructureSize must be 4 and the message must hold the 4 bytes. */
NTSTATUS smb2_simple_req_decode(const uint8_t *msg, size_t len);
void smb2_simple_rsp_encode(struct wr *w, size_t hdr_off);

/* ECHO (2.2.28, 2.2.29) and CANCEL (2.2.30: no response is ever sent). */
NTSTATUS smb2_echo_req_decode(const uint8_t *msg, size_t len);
void smb2_echo_rsp_encode(struct wr *w, size_t hdr_off);
NTSTATUS smb2_cancel_req_decode(const uint8_t *msg, size_t len);

#endif
