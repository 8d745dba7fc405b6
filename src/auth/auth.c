/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The session-setup authentication state machine: SPNEGO negotiation around the NTLMSSP server,
 * including the mechListMIC exchange (RFC 4178 5, MS-SPNG 3.3.5.1) as Samba's gensec does it.
 */
#include "auth/auth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/ntlmssp.h"
#include "auth/spnego.h"
#include "core/buf.h"
#include "core/log.h"

enum auth_state {
	AUTH_START,
	AUTH_WAIT_NEGOTIATE,      /* SPNEGO chose NTLMSSP without an optimistic NEGOTIATE */
	AUTH_WAIT_AUTHENTICATE,
	AUTH_WAIT_MIC,            /* NTLM done, the client's mechListMIC still owed */
	AUTH_DONE,
	AUTH_FAILED,
};

struct auth_ctx {
	const struct auth_config *cfg;
	enum auth_state state;
	bool spnego;              /* false: the client speaks raw NTLMSSP */
	bool mic_requested;       /* NTLMSSP was not the client's first mechanism */
	uint8_t *mech_types;      /* the client's MechTypeList DER, what mechListMIC signs */
	size_t mech_types_len;
	struct ntlmssp_server *ntlm;
	struct auth_result result;
	char tried_user[520];     /* "DOMAIN\\user" of the AUTHENTICATE, kept after a failure */
};

struct auth_ctx *auth_ctx_new(const struct auth_config *cfg)
{
	struct auth_ctx *ctx = calloc(1, sizeof(*ctx));

	if (!ctx)
		return NULL;
	ctx->cfg = cfg;
	ctx->ntlm = ntlmssp_server_new(cfg);
	if (!ctx->ntlm) {
		free(ctx);
		return NULL;
	}
	return ctx;
}

void auth_ctx_free(struct auth_ctx *ctx)
{
	if (!ctx)
		return;
	ntlmssp_server_free(ctx->ntlm);
	free(ctx->mech_types);
	explicit_bzero(ctx, sizeof(*ctx));
	free(ctx);
}

const char *auth_ctx_tried_user(const struct auth_ctx *ctx)
{
	return ctx->tried_user[0] ? ctx->tried_user : ntlmssp_server_tried_user(ctx->ntlm);
}

const struct auth_result *auth_ctx_result(const struct auth_ctx *ctx)
{
	return ctx->state == AUTH_DONE ? &ctx->result : NULL;
}

bool auth_negotiate_token(uint8_t **out, size_t *outlen)
{
	struct wr w;

	wr_init(&w, 96);
	if (!spnego_build_init2(&w)) {
		wr_free(&w);
		*out = NULL;
		*outlen = 0;
		return false;
	}
	*out = wr_steal(&w, outlen);
	return true;
}

/* Encode a NegTokenResp into *out; `st` is passed through unless encoding fails. */
static NTSTATUS reply(NTSTATUS st, uint8_t neg_state, bool supported_mech,
		      const uint8_t *response, size_t response_len, const uint8_t *mic,
		      uint8_t **out, size_t *outlen)
{
	struct wr w;

	wr_init(&w, response_len + 64);
	if (!spnego_build_resp(&w, neg_state, supported_mech, response, response_len, mic,
			       mic ? NTLMSSP_SIG_SIZE : 0)) {
		wr_free(&w);
		return STATUS_NO_MEMORY;
	}
	*out = wr_steal(&w, outlen);
	return st;
}

/* Parse a NegTokenResp; anything else where one is due is malformed. */
static NTSTATUS parse_resp(const uint8_t *in, size_t inlen, struct spnego_token *tok)
{
	if (spnego_parse(in, inlen, tok) != STATUS_SUCCESS || tok->kind != SPNEGO_NEG_TOKEN_RESP)
		return STATUS_INVALID_PARAMETER;
	return STATUS_SUCCESS;
}

/* Run NTLMSSP NEGOTIATE and wrap its CHALLENGE in NegTokenResp{accept-incomplete}. */
static NTSTATUS spnego_challenge(struct auth_ctx *ctx, const uint8_t *neg, size_t neg_len,
				 uint8_t **out, size_t *outlen)
{
	uint8_t *chal = NULL;
	size_t chal_len = 0;
	NTSTATUS st;

	st = ntlmssp_server_negotiate(ctx->ntlm, neg, neg_len, &chal, &chal_len);
	if (st == STATUS_MORE_PROCESSING_REQUIRED) {
		st = reply(st, SPNEGO_ACCEPT_INCOMPLETE, true, chal, chal_len, NULL, out, outlen);
		ctx->state = AUTH_WAIT_AUTHENTICATE;
	}
	free(chal);
	return st;
}

static NTSTATUS step_start(struct auth_ctx *ctx, const uint8_t *in, size_t inlen, uint8_t **out,
			   size_t *outlen)
{
	struct spnego_token tok;
	NTSTATUS st;

	if (inlen == 0) {
		/* A client that ignored the NEGOTIATE response's token asks for it again (Samba
		 * answers an empty first token the same way). */
		if (!auth_negotiate_token(out, outlen))
			return STATUS_NO_MEMORY;
		return STATUS_MORE_PROCESSING_REQUIRED;
	}
	if (inlen >= sizeof(ntlmssp_signature) &&
	    memcmp(in, ntlmssp_signature, sizeof(ntlmssp_signature)) == 0) {
		st = ntlmssp_server_negotiate(ctx->ntlm, in, inlen, out, outlen);
		if (st == STATUS_MORE_PROCESSING_REQUIRED)
			ctx->state = AUTH_WAIT_AUTHENTICATE;
		return st;
	}

	ctx->spnego = true;
	if (spnego_parse(in, inlen, &tok) != STATUS_SUCCESS || tok.kind != SPNEGO_NEG_TOKEN_INIT ||
	    !tok.mech_types.present)
		return STATUS_INVALID_PARAMETER;
	if (tok.ntlmssp_index < 0) {
		log_debug("auth: client offers no NTLMSSP in SPNEGO mechTypes");
		return STATUS_INVALID_PARAMETER;   /* what Samba answers: no common mechanism */
	}
	ctx->mech_types = malloc(tok.mech_types.len);
	if (!ctx->mech_types)
		return STATUS_NO_MEMORY;
	memcpy(ctx->mech_types, tok.mech_types.p, tok.mech_types.len);
	ctx->mech_types_len = tok.mech_types.len;

	if (tok.ntlmssp_index == 0 && tok.mech_token.present && tok.mech_token.len > 0)
		return spnego_challenge(ctx, tok.mech_token.p, tok.mech_token.len, out, outlen);

	/*
	 * RFC 4178 4.2.2: the optimistic token (if any) was for a mechanism we do not speak, or
	 * there was none. Select NTLMSSP and wait for its NEGOTIATE; a downgrade from the
	 * client's first choice must then be confirmed by a mechListMIC (RFC 4178 5 c).
	 */
	ctx->mic_requested = tok.ntlmssp_index > 0;
	ctx->state = AUTH_WAIT_NEGOTIATE;
	return reply(STATUS_MORE_PROCESSING_REQUIRED,
		     ctx->mic_requested ? SPNEGO_REQUEST_MIC : SPNEGO_ACCEPT_INCOMPLETE, true,
		     NULL, 0, NULL, out, outlen);
}

static NTSTATUS step_negotiate(struct auth_ctx *ctx, const uint8_t *in, size_t inlen,
			       uint8_t **out, size_t *outlen)
{
	struct spnego_token tok;

	if (parse_resp(in, inlen, &tok) != STATUS_SUCCESS || !tok.response_token.present ||
	    tok.response_token.len == 0)
		return STATUS_INVALID_PARAMETER;
	return spnego_challenge(ctx, tok.response_token.p, tok.response_token.len, out, outlen);
}

/*
 * After NTLMSSP succeeded: the mechListMIC exchange, as Samba's gensec_spnego server does it
 * (auth/gensec/spnego.c, negTokenTarg_finish). It happens when NTLMSSP can sign and either the
 * AUTHENTICATE had a MIC ("new SPNEGO"), the client sent a mechListMIC, or we downgraded the
 * client from its first mechanism. If the client's mechListMIC has not come yet, we send ours
 * with accept-incomplete and wait for it. Guest and anonymous logons skip all of this.
 */
static NTSTATUS finish_spnego(struct auth_ctx *ctx, const struct spnego_token *tok,
			      uint8_t **out, size_t *outlen)
{
	uint8_t mic[NTLMSSP_SIG_SIZE];
	bool have_sign = ntlmssp_server_can_sign(ctx->ntlm);
	bool new_spnego = ntlmssp_server_had_mic(ctx->ntlm) || tok->mech_list_mic.present ||
			  ctx->mic_requested;
	NTSTATUS st;

	if (!have_sign || !new_spnego) {
		ctx->state = AUTH_DONE;
		return reply(STATUS_SUCCESS, SPNEGO_ACCEPT_COMPLETED, false, NULL, 0, NULL, out,
			     outlen);
	}
	if (tok->mech_list_mic.present) {
		st = ntlmssp_server_check_sig(ctx->ntlm, ctx->mech_types, ctx->mech_types_len,
					      tok->mech_list_mic.p, tok->mech_list_mic.len);
		if (st != STATUS_SUCCESS) {
			log_info("auth: bad SPNEGO mechListMIC from %s\\%s", ctx->result.domain,
				 ctx->result.user);
			return st;
		}
	}
	if (!ntlmssp_server_sign(ctx->ntlm, ctx->mech_types, ctx->mech_types_len, mic))
		return STATUS_INTERNAL_ERROR;
	if (tok->mech_list_mic.present) {
		ctx->state = AUTH_DONE;
		return reply(STATUS_SUCCESS, SPNEGO_ACCEPT_COMPLETED, false, NULL, 0, mic, out,
			     outlen);
	}
	ctx->state = AUTH_WAIT_MIC;
	return reply(STATUS_MORE_PROCESSING_REQUIRED, SPNEGO_ACCEPT_INCOMPLETE, true, NULL, 0, mic,
		     out, outlen);
}

static NTSTATUS step_authenticate(struct auth_ctx *ctx, const uint8_t *in, size_t inlen,
				  uint8_t **out, size_t *outlen)
{
	struct spnego_token tok;
	NTSTATUS st;

	if (!ctx->spnego) {
		st = ntlmssp_server_authenticate(ctx->ntlm, in, inlen, &ctx->result);
		if (st == STATUS_SUCCESS)
			ctx->state = AUTH_DONE;
		return st;
	}
	if (parse_resp(in, inlen, &tok) != STATUS_SUCCESS || !tok.response_token.present ||
	    tok.response_token.len == 0)
		return STATUS_INVALID_PARAMETER;
	st = ntlmssp_server_authenticate(ctx->ntlm, tok.response_token.p, tok.response_token.len,
					 &ctx->result);
	if (st != STATUS_SUCCESS)
		return st;
	return finish_spnego(ctx, &tok, out, outlen);
}

static NTSTATUS step_mic(struct auth_ctx *ctx, const uint8_t *in, size_t inlen, uint8_t **out,
			 size_t *outlen)
{
	struct spnego_token tok;
	NTSTATUS st;

	if (parse_resp(in, inlen, &tok) != STATUS_SUCCESS ||
	    (tok.response_token.present && tok.response_token.len > 0))
		return STATUS_INVALID_PARAMETER;
	if (!tok.mech_list_mic.present)
		return STATUS_ACCESS_DENIED;
	st = ntlmssp_server_check_sig(ctx->ntlm, ctx->mech_types, ctx->mech_types_len,
				      tok.mech_list_mic.p, tok.mech_list_mic.len);
	if (st != STATUS_SUCCESS)
		return st;
	ctx->state = AUTH_DONE;
	return reply(STATUS_SUCCESS, SPNEGO_ACCEPT_COMPLETED, false, NULL, 0, NULL, out, outlen);
}

NTSTATUS auth_ctx_step(struct auth_ctx *ctx, const uint8_t *in, size_t inlen, uint8_t **out,
		       size_t *outlen)
{
	NTSTATUS st;

	*out = NULL;
	*outlen = 0;
	if (!in)
		inlen = 0;
	switch (ctx->state) {
	case AUTH_START:
		st = step_start(ctx, in, inlen, out, outlen);
		break;
	case AUTH_WAIT_NEGOTIATE:
		st = step_negotiate(ctx, in, inlen, out, outlen);
		break;
	case AUTH_WAIT_AUTHENTICATE:
		st = step_authenticate(ctx, in, inlen, out, outlen);
		break;
	case AUTH_WAIT_MIC:
		st = step_mic(ctx, in, inlen, out, outlen);
		break;
	default:
		st = STATUS_INVALID_PARAMETER;
		break;
	}
	if (ctx->result.user[0] && !ctx->tried_user[0])
		snprintf(ctx->tried_user, sizeof(ctx->tried_user), "%s%s%s", ctx->result.domain,
			 ctx->result.domain[0] ? "\\" : "", ctx->result.user);
	if (st != STATUS_SUCCESS && st != STATUS_MORE_PROCESSING_REQUIRED) {
		free(*out);
		*out = NULL;
		*outlen = 0;
		ctx->state = AUTH_FAILED;
		explicit_bzero(&ctx->result, sizeof(ctx->result));
	}
	return st;
}
