/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The authentication facade SESSION_SETUP calls: SPNEGO (RFC 4178, MS-SPNG) around NTLMSSP
 * (MS-NLMP, NTLMv2 only), or raw NTLMSSP. One auth_ctx per session-setup exchange.
 */
#ifndef SKIFF_AUTH_H
#define SKIFF_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/ntstatus.h"

struct auth_config {
	const char *netbios_name;     /* e.g. "SKIFF" (server name, upper case) */
	const char *domain;           /* NetBIOS domain/workgroup, e.g. "WORKGROUP" */
	const char *dns_name;         /* e.g. "skiff" (may equal netbios name lower-cased) */
	bool allow_anonymous;         /* null session allowed */
	const char *guest_account;    /* NULL = guest refused; else unknown users map to it */
	/* Returns true and the NT hash for a known user (case-insensitive name). */
	bool (*get_nt_hash)(void *ctx, const char *user, uint8_t nt_hash[16]);
	void *lookup_ctx;
};

struct auth_result {
	char user[256];          /* authenticated user name as sent (UTF-8), without any domain part;
	                          * the guest account's name for a guest logon, "" for anonymous */
	char domain[256];        /* the domain the client named ("DOMAIN\user", "user@domain" or the
	                          * DomainName field) */
	char workstation[256];
	uint8_t session_key[16]; /* ExportedSessionKey (after KEY_EXCH) — the SMB2 session key */
	bool anonymous;
	bool guest;
	/* False for a guest logon: the password was never checked, so no key is shared with the
	 * client (session_key is zero) and the session cannot be signed (MS-SMB2 3.3.5.5.3).
	 * Anonymous logons do have one (MS-NLMP 3.2.5.1.2: derived from an all-zero base key). */
	bool has_session_key;
};

struct auth_ctx;

/* cfg must outlive ctx. NULL on allocation failure. crypto_init() must have succeeded. */
struct auth_ctx *auth_ctx_new(const struct auth_config *cfg);

/*
 * Feed the client's security buffer (SPNEGO NegTokenInit/NegTokenResp, or raw NTLMSSP, which some
 * clients send). Returns STATUS_MORE_PROCESSING_REQUIRED with *out = the token to send back,
 * STATUS_SUCCESS (with a final token, possibly empty) once authenticated, or an error
 * (STATUS_LOGON_FAILURE for bad credentials, unknown users or LM/NTLMv1 responses;
 * STATUS_INVALID_PARAMETER for malformed tokens; STATUS_ACCESS_DENIED for a bad SPNEGO
 * mechListMIC; STATUS_NOT_SUPPORTED for an OEM-only client). *out is malloc'ed (NULL with
 * *outlen 0 on errors or an empty token), caller frees. After an error or success the context
 * refuses further tokens (STATUS_INVALID_PARAMETER).
 */
NTSTATUS auth_ctx_step(struct auth_ctx *ctx, const uint8_t *in, size_t inlen, uint8_t **out,
		       size_t *outlen);

/* Valid after STATUS_SUCCESS; NULL before. */
const struct auth_result *auth_ctx_result(const struct auth_ctx *ctx);

/* The account the client tried ("DOMAIN\\user", "user", or "" before its AUTHENTICATE), kept
 * after a failure too, for the log line of a failed logon. */
const char *auth_ctx_tried_user(const struct auth_ctx *ctx);

/* Wipes keys. NULL is fine. */
void auth_ctx_free(struct auth_ctx *ctx);

/*
 * The SPNEGO NegTokenInit2 the server puts in the NEGOTIATE response (mechTypes: NTLMSSP
 * 1.3.6.1.4.1.311.2.2.10; negHints "not_defined_in_RFC4178@please_ignore"). malloc'ed.
 */
bool auth_negotiate_token(uint8_t **out, size_t *outlen);

#endif
