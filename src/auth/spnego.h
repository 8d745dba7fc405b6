/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SPNEGO token codec (RFC 4178, MS-SPNG): the client's NegTokenInit / NegTokenResp in, the
 * server's NegTokenInit2 / NegTokenResp out. Knows nothing of NTLM beyond its mechanism OID.
 */
#ifndef SKIFF_SPNEGO_H
#define SKIFF_SPNEGO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/ntstatus.h"

/* RFC 4178 4.2.2 negState. */
enum spnego_neg_state {
	SPNEGO_ACCEPT_COMPLETED = 0,
	SPNEGO_ACCEPT_INCOMPLETE = 1,
	SPNEGO_REJECT = 2,
	SPNEGO_REQUEST_MIC = 3,
	SPNEGO_NEG_STATE_ABSENT = 0xff,   /* not an RFC value: the field is left out */
};

/* OID contents (no tag/length): 1.3.6.1.5.5.2 and 1.3.6.1.4.1.311.2.2.10. */
extern const uint8_t spnego_oid_spnego[6];
extern const uint8_t spnego_oid_ntlmssp[10];

/* A pointer/length pair into the parsed input (never copied). */
struct spnego_blob {
	const uint8_t *p;
	size_t len;
	bool present;
};

enum spnego_kind { SPNEGO_NEG_TOKEN_INIT, SPNEGO_NEG_TOKEN_RESP };

struct spnego_token {
	enum spnego_kind kind;
	/* NegTokenInit */
	struct spnego_blob mech_types;   /* the whole MechTypeList SEQUENCE as sent: what mechListMIC covers */
	int ntlmssp_index;               /* position of NTLMSSP in mechTypes, -1 if not offered */
	struct spnego_blob mech_token;
	/* NegTokenResp */
	uint8_t neg_state;               /* enum spnego_neg_state */
	bool supported_mech_ntlmssp;     /* supportedMech present and equal to NTLMSSP */
	struct spnego_blob response_token;
	/* both */
	struct spnego_blob mech_list_mic;
};

/*
 * Parse a client token: a GSS-API InitialContextToken carrying a NegTokenInit (RFC 2743 3.1,
 * RFC 4178 4.2.1), a bare NegTokenInit, or a NegTokenResp (4.2.2). Returns STATUS_SUCCESS or
 * STATUS_INVALID_PARAMETER for anything malformed; pointers in *tok point into `in`.
 */
NTSTATUS spnego_parse(const uint8_t *in, size_t len, struct spnego_token *tok);

/*
 * Build a NegTokenResp. neg_state may be SPNEGO_NEG_STATE_ABSENT; the NTLMSSP supportedMech is
 * written when `supported_mech` is true; `response` and `mic` when non-NULL. False on allocation
 * failure.
 */
bool spnego_build_resp(struct wr *w, uint8_t neg_state, bool supported_mech,
		       const uint8_t *response, size_t response_len,
		       const uint8_t *mic, size_t mic_len);

/* The server's NegTokenInit2 (MS-SPNG 2.2.1): mechTypes {NTLMSSP} and the customary negHints. */
bool spnego_build_init2(struct wr *w);

#endif
