// layer: auth
/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz the NTLMSSP server with raw NTLMSSP messages: as a NEGOTIATE to a fresh server, as an
 * AUTHENTICATE after a valid NEGOTIATE, and through auth_ctx_step in raw (non-SPNEGO) mode. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "auth/ntlmssp.h"
#include "crypto/crypto.h"
#include "fuzz_auth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* smbclient's NEGOTIATE_MESSAGE (UNICODE SIGN NTLM ALWAYS_SIGN ESS VERSION 128 KEY_EXCH ...). */
static const uint8_t negotiate[] = {
	0x4e, 0x54, 0x4c, 0x4d, 0x53, 0x53, 0x50, 0x00, 0x01, 0x00, 0x00, 0x00, 0x15, 0x82, 0x08,
	0x62, 0x00, 0x00, 0x00, 0x00, 0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x28, 0x00,
	0x00, 0x00, 0x06, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0f,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	struct ntlmssp_server *s;
	struct ntlm_authenticate a;
	struct auth_result res;
	struct auth_ctx *ctx;
	uint8_t *out;
	size_t outlen;
	NTSTATUS st;

	if (!ready) {
		if (!crypto_init())
			abort();
		ready = true;
	}

	/* as a NEGOTIATE */
	s = ntlmssp_server_new(&cfg);
	if (!s)
		return 0;
	st = ntlmssp_server_negotiate(s, data, size, &out, &outlen);
	if ((st == STATUS_MORE_PROCESSING_REQUIRED) != (out != NULL))
		abort();
	free(out);
	ntlmssp_server_free(s);

	/* as an AUTHENTICATE */
	(void)ntlm_parse_authenticate(data, size, &a);
	s = ntlmssp_server_new(&cfg);
	if (!s)
		return 0;
	if (ntlmssp_server_negotiate(s, negotiate, sizeof(negotiate), &out, &outlen) !=
	    STATUS_MORE_PROCESSING_REQUIRED)
		abort();
	free(out);
	st = ntlmssp_server_authenticate(s, data, size, &res);
	if (st == STATUS_SUCCESS && !res.anonymous && !res.guest)
		abort();   /* nobody can forge tuser's NTLMv2 response for a fresh random challenge */
	if (st == STATUS_SUCCESS && ntlmssp_server_can_sign(s)) {
		uint8_t sig[16];
		(void)ntlmssp_server_check_sig(s, data, size, data, size);
		(void)ntlmssp_server_sign(s, data, size, sig);
	}
	ntlmssp_server_free(s);

	/* through the facade, raw mode */
	ctx = auth_ctx_new(&cfg);
	if (!ctx)
		return 0;
	if (auth_ctx_step(ctx, negotiate, sizeof(negotiate), &out, &outlen) !=
	    STATUS_MORE_PROCESSING_REQUIRED)
		abort();
	free(out);
	st = auth_ctx_step(ctx, data, size, &out, &outlen);
	if (out || (st == STATUS_SUCCESS) != (auth_ctx_result(ctx) != NULL))
		abort();
	auth_ctx_free(ctx);
	return 0;
}
