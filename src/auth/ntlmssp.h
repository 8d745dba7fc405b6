/* SPDX-License-Identifier: Apache-2.0 */
/*
 * NTLMSSP server (MS-NLMP), NTLMv2 only: NEGOTIATE in, CHALLENGE out, AUTHENTICATE verified; key
 * exchange, MIC, and the NTLMSSP signatures SPNEGO's mechListMIC needs (MS-NLMP 3.4.4.2).
 */
#ifndef SKIFF_NTLMSSP_H
#define SKIFF_NTLMSSP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/auth.h"
#include "core/ntstatus.h"
#include "crypto/crypto.h"

/* MS-NLMP 2.2.2.5 NEGOTIATE flags. */
#define NTLMSSP_NEGOTIATE_UNICODE                  0x00000001u
#define NTLM_NEGOTIATE_OEM                         0x00000002u
#define NTLMSSP_REQUEST_TARGET                     0x00000004u
#define NTLMSSP_NEGOTIATE_SIGN                     0x00000010u
#define NTLMSSP_NEGOTIATE_SEAL                     0x00000020u
#define NTLMSSP_NEGOTIATE_DATAGRAM                 0x00000040u
#define NTLMSSP_NEGOTIATE_LM_KEY                   0x00000080u
#define NTLMSSP_NEGOTIATE_NTLM                     0x00000200u
#define NTLMSSP_ANONYMOUS                          0x00000800u
#define NTLMSSP_NEGOTIATE_OEM_DOMAIN_SUPPLIED      0x00001000u
#define NTLMSSP_NEGOTIATE_OEM_WORKSTATION_SUPPLIED 0x00002000u
#define NTLMSSP_NEGOTIATE_ALWAYS_SIGN              0x00008000u
#define NTLMSSP_TARGET_TYPE_DOMAIN                 0x00010000u
#define NTLMSSP_TARGET_TYPE_SERVER                 0x00020000u
#define NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY 0x00080000u
#define NTLMSSP_NEGOTIATE_IDENTIFY                 0x00100000u
#define NTLMSSP_REQUEST_NON_NT_SESSION_KEY         0x00400000u
#define NTLMSSP_NEGOTIATE_TARGET_INFO              0x00800000u
#define NTLMSSP_NEGOTIATE_VERSION                  0x02000000u
#define NTLMSSP_NEGOTIATE_128                      0x20000000u
#define NTLMSSP_NEGOTIATE_KEY_EXCH                 0x40000000u
#define NTLMSSP_NEGOTIATE_56                       0x80000000u

/* MS-NLMP 2.2.1 MessageType. */
#define NTLMSSP_NEGOTIATE_MESSAGE    1u
#define NTLMSSP_CHALLENGE_MESSAGE    2u
#define NTLMSSP_AUTHENTICATE_MESSAGE 3u

/* MS-NLMP 2.2.2.1 AV_PAIR AvId. */
#define MsvAvEOL             0
#define MsvAvNbComputerName  1
#define MsvAvNbDomainName    2
#define MsvAvDnsComputerName 3
#define MsvAvDnsDomainName   4
#define MsvAvDnsTreeName     5
#define MsvAvFlags           6
#define MsvAvTimestamp       7
#define MsvAvSingleHost      8
#define MsvAvTargetName      9
#define MsvAvChannelBindings 10
/* MsvAvFlags bit: the AUTHENTICATE message carries a MIC. */
#define MSV_AV_FLAG_MIC_PRESENT 0x00000002u

/* MS-NLMP 2.2.1.3: with a Version field the MIC sits at offset 72. */
#define NTLMSSP_MIC_OFFSET 72
#define NTLMSSP_MIC_SIZE   16
#define NTLMSSP_SIG_SIZE   16
/* NTLMv2_RESPONSE: NTProofStr (16) + NTLMv2_CLIENT_CHALLENGE fixed part (28). */
#define NTLMV2_RESPONSE_MIN 44

extern const uint8_t ntlmssp_signature[8];   /* "NTLMSSP\0" */

/* A (pointer, length) view into a parsed message. */
struct ntlm_field {
	const uint8_t *p;
	size_t len;
};

/* An AUTHENTICATE_MESSAGE (MS-NLMP 2.2.1.3), every field checked against the message bounds. */
struct ntlm_authenticate {
	const uint8_t *msg;
	size_t msg_len;
	struct ntlm_field lm, nt, domain, user, workstation, enc_key;   /* strings: UTF-16LE */
	uint32_t flags;
	bool v2;               /* nt.len > 24: an NTLMv2_RESPONSE that parsed, up to MsvAvEOL */
	uint32_t av_flags;     /* MsvAvFlags from the response's AV pairs (0 if absent) */
};

/*
 * Parse an AUTHENTICATE message. STATUS_INVALID_PARAMETER if anything is out of bounds, a string
 * has odd length, an NTLMv2 response's AV pairs do not parse or end without MsvAvEOL, or the
 * MsvAvFlags MIC bit is set but the message cannot hold a MIC. Does not judge credentials.
 */
NTSTATUS ntlm_parse_authenticate(const uint8_t *msg, size_t len, struct ntlm_authenticate *a);

/* MS-NLMP 3.3.2 NTOWFv2 = HMAC_MD5(NT hash, UPPER(user) || domain), names in UTF-16LE. */
bool ntlm_ntowfv2(const uint8_t nt_hash[16], const uint8_t *user16, size_t user_len,
		  const uint8_t *domain16, size_t domain_len, uint8_t out[16]);

/*
 * Check an NTLMv2 response (a->v2) for the user's NT hash: NTProofStr must equal
 * HMAC_MD5(NTOWFv2, ServerChallenge || temp), tried with the domain as sent, upper-cased, and
 * empty (as Samba's ntlm_password_check does). On success fills the SessionBaseKey.
 */
bool ntlm_v2_verify(const uint8_t nt_hash[16], const struct ntlm_authenticate *a,
		    const uint8_t server_challenge[8], uint8_t session_base_key[16]);

/* MS-NLMP 3.4.5.2/3.4.5.3 SIGNKEY and SEALKEY for both directions (extended session security). */
struct ntlmssp_keys {
	uint8_t client_sign[16];
	uint8_t client_seal[16];
	uint8_t server_sign[16];
	uint8_t server_seal[16];
};
bool ntlmssp_derive_keys(const uint8_t exported_session_key[16], uint32_t flags,
			 struct ntlmssp_keys *k);

/*
 * MS-NLMP 3.4.4.2 NTLMSSP_MESSAGE_SIGNATURE with extended session security: version 1,
 * HMAC_MD5(sign_key, seqnum || msg)[0..7], then RC4-encrypted through `seal` when key exchange
 * was negotiated (NULL otherwise; the stream advances), seqnum.
 */
bool ntlmssp_make_signature(const uint8_t sign_key[16], struct crypto_rc4_state *seal,
			    uint32_t seqnum, const uint8_t *msg, size_t len,
			    uint8_t sig[NTLMSSP_SIG_SIZE]);

struct ntlmssp_server;

struct ntlmssp_server *ntlmssp_server_new(const struct auth_config *cfg);
void ntlmssp_server_free(struct ntlmssp_server *s);

/*
 * NEGOTIATE in, CHALLENGE (malloc'ed) out: STATUS_MORE_PROCESSING_REQUIRED on success.
 * STATUS_INVALID_PARAMETER if malformed, STATUS_NOT_SUPPORTED if the client cannot do Unicode.
 */
NTSTATUS ntlmssp_server_negotiate(struct ntlmssp_server *s, const uint8_t *in, size_t len,
				  uint8_t **out, size_t *outlen);

/*
 * Adopt an exchange whose NEGOTIATE and CHALLENGE already happened (their exact bytes), as if
 * ntlmssp_server_negotiate had produced that CHALLENGE. For replaying captured exchanges in tests.
 */
NTSTATUS ntlmssp_server_resume(struct ntlmssp_server *s, const uint8_t *neg, size_t neg_len,
			       const uint8_t *chal, size_t chal_len);

/*
 * AUTHENTICATE in. STATUS_SUCCESS with *res filled, STATUS_LOGON_FAILURE for bad/unknown
 * credentials, LM/NTLMv1 responses or a wrong MIC, STATUS_INVALID_PARAMETER when malformed.
 */
NTSTATUS ntlmssp_server_authenticate(struct ntlmssp_server *s, const uint8_t *in, size_t len,
				     struct auth_result *res);
/* After a failed AUTHENTICATE: the account it named ("DOMAIN\\user"; "" if none), for the log
 * line of the failure (*res itself is wiped). */
const char *ntlmssp_server_tried_user(const struct ntlmssp_server *s);

/* After success: can NTLMSSP signatures be made (SIGN and extended session security negotiated,
 * a real user's key)? Samba's GENSEC_FEATURE_SIGN. */
bool ntlmssp_server_can_sign(const struct ntlmssp_server *s);
/* After success: did the AUTHENTICATE carry a verified MIC ("new-style" NTLM)? */
bool ntlmssp_server_had_mic(const struct ntlmssp_server *s);
/* Verify a client signature over data (next receive sequence number): STATUS_SUCCESS or
 * STATUS_ACCESS_DENIED. */
NTSTATUS ntlmssp_server_check_sig(struct ntlmssp_server *s, const uint8_t *data, size_t len,
				  const uint8_t *sig, size_t sig_len);
/* Sign data as the server (next send sequence number). */
bool ntlmssp_server_sign(struct ntlmssp_server *s, const uint8_t *data, size_t len,
			 uint8_t sig[NTLMSSP_SIG_SIZE]);

#endif
