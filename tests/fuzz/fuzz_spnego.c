// layer: auth
/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz SPNEGO through auth_ctx_step, in both states that take client bytes: a fresh context and
 * one that has answered a valid NegTokenInit (so the input is the AUTHENTICATE NegTokenResp). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "auth/spnego.h"
#include "core/buf.h"
#include "crypto/crypto.h"
#include "fuzz_auth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* smbclient's NegTokenInit: mechTypes {NTLMSSP}, mechToken = NTLMSSP NEGOTIATE. */
static const uint8_t neg_token_init[] = {
	0x60, 0x48, 0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02, 0xa0, 0x3e, 0x30, 0x3c, 0xa0,
	0x0e, 0x30, 0x0c, 0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a,
	0xa2, 0x2a, 0x04, 0x28, 0x4e, 0x54, 0x4c, 0x4d, 0x53, 0x53, 0x50, 0x00, 0x01, 0x00, 0x00,
	0x00, 0x15, 0x82, 0x08, 0x62, 0x00, 0x00, 0x00, 0x00, 0x28, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x28, 0x00, 0x00, 0x00, 0x06, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0f,
};

/* Whatever auth_ctx_step returns must be one of its documented outcomes. */
static void check(struct auth_ctx *ctx, NTSTATUS st, uint8_t *out, size_t outlen)
{
	struct spnego_token tok;

	if (st == STATUS_SUCCESS) {
		const struct auth_result *r = auth_ctx_result(ctx);
		/* random bytes cannot know tuser's key: only anonymous or guest can get in */
		if (!r || (!r->anonymous && !r->guest))
			abort();
	} else if (st == STATUS_MORE_PROCESSING_REQUIRED) {
		/* a SPNEGO answer, or a raw CHALLENGE when the client spoke raw NTLMSSP */
		if (!out || !outlen)
			abort();
		if (!(outlen > 8 && memcmp(out, "NTLMSSP", 8) == 0) &&
		    spnego_parse(out, outlen, &tok) != STATUS_SUCCESS)
			abort();
	} else if (out || outlen || auth_ctx_result(ctx)) {
		abort();
	}
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	struct auth_ctx *ctx;
	uint8_t *out;
	size_t outlen;
	NTSTATUS st;

	if (!ready) {
		if (!crypto_init())
			abort();
		ready = true;
	}

	/* fresh context */
	ctx = auth_ctx_new(&cfg);
	if (!ctx)
		return 0;
	st = auth_ctx_step(ctx, data, size, &out, &outlen);
	check(ctx, st, out, outlen);
	if (st == STATUS_MORE_PROCESSING_REQUIRED) {   /* and the same bytes once more */
		st = auth_ctx_step(ctx, data, size, &out, &outlen);
		check(ctx, st, out, outlen);
	}
	auth_ctx_free(ctx);

	/* after a good NegTokenInit */
	ctx = auth_ctx_new(&cfg);
	if (!ctx)
		return 0;
	st = auth_ctx_step(ctx, neg_token_init, sizeof(neg_token_init), &out, &outlen);
	if (st != STATUS_MORE_PROCESSING_REQUIRED)
		abort();
	free(out);
	st = auth_ctx_step(ctx, data, size, &out, &outlen);
	check(ctx, st, out, outlen);
	auth_ctx_free(ctx);

	/* the codec alone: a NegTokenResp that parses rebuilds and parses again */
	struct spnego_token tok, tok2;
	if (spnego_parse(data, size, &tok) == STATUS_SUCCESS && tok.kind == SPNEGO_NEG_TOKEN_RESP) {
		struct wr w;
		wr_init(&w, 64);
		if (spnego_build_resp(&w, tok.neg_state, tok.supported_mech_ntlmssp,
				      tok.response_token.present ? tok.response_token.p : NULL,
				      tok.response_token.len,
				      tok.mech_list_mic.present ? tok.mech_list_mic.p : NULL,
				      tok.mech_list_mic.len)) {
			if (spnego_parse(w.buf, w.len, &tok2) != STATUS_SUCCESS ||
			    tok2.neg_state != tok.neg_state ||
			    tok2.response_token.len != tok.response_token.len ||
			    tok2.mech_list_mic.len != tok.mech_list_mic.len)
				abort();
		}
		wr_free(&w);
	}
	return 0;
}
