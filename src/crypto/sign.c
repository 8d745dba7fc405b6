/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SMB2 message signatures (MS-SMB2 3.1.4.1 sign, 3.1.5.1 verify): HMAC-SHA256 for 2.0.2/2.1,
 * AES-128-CMAC for 3.x, AES-128-GMAC when 3.1.1 negotiated it.
 */
#include "crypto/crypto.h"

#include <string.h>

#include "core/buf.h"

/*
 * The few MS-SMB2 2.2.1 header fields signing needs. The crypto layer sits below the wire
 * layer, so it reads them itself rather than include smb2/wire/header.h.
 */
#define SIGN_HDR_SIZE        64
#define SIGN_OFF_COMMAND     12
#define SIGN_OFF_FLAGS       16
#define SIGN_OFF_MESSAGE_ID  24
#define SIGN_OFF_SIGNATURE   48
#define SIGN_SIG_SIZE        16
#define SIGN_CMD_CANCEL      0x000Cu      /* SMB2 CANCEL */
#define SIGN_FLAG_SERVER     0x00000001u  /* SMB2_FLAGS_SERVER_TO_REDIR */

/* GMAC nonce bits after the MessageId (MS-SMB2 3.1.4.1). */
#define GMAC_NONCE_ROLE_SERVER 0x00000001u
#define GMAC_NONCE_CANCEL      0x00000002u

/*
 * MS-SMB2 3.1.4.1: the first 8 bytes are the MessageId, the next 4 hold the sender's role in
 * the least significant bit (1 = server) and whether this is a CANCEL in the next bit; both
 * are laid out little-endian like every other SMB2 integer (as Samba does too).
 */
static bool gmac_nonce(const uint8_t *msg, size_t len, uint8_t nonce[12])
{
	struct rd r = rd_init(msg, len);
	uint16_t command;
	uint32_t flags;
	uint64_t message_id;
	uint32_t bits = 0;

	if (!rd_seek(&r, SIGN_OFF_COMMAND) || !rd_u16(&r, &command) ||
	    !rd_seek(&r, SIGN_OFF_FLAGS) || !rd_u32(&r, &flags) ||
	    !rd_seek(&r, SIGN_OFF_MESSAGE_ID) || !rd_u64(&r, &message_id))
		return false;
	if (flags & SIGN_FLAG_SERVER)
		bits |= GMAC_NONCE_ROLE_SERVER;
	if (command == SIGN_CMD_CANCEL)
		bits |= GMAC_NONCE_CANCEL;
	put_le64(nonce, message_id);
	put_le32(nonce + 8, bits);
	return true;
}

bool smb2_sign_compute(enum smb2_sign_alg alg, const uint8_t key[16], const uint8_t *msg,
		       size_t len, uint8_t sig[16])
{
	static const uint8_t zero_sig[SIGN_SIG_SIZE];
	uint8_t mac[32];
	uint8_t nonce[12];
	bool ok = false;

	if (key == NULL || msg == NULL || sig == NULL || len < SIGN_HDR_SIZE)
		goto out;

	/* MS-SMB2 3.1.4.1: the MAC covers the whole message with the signature field zeroed. Feeding
	 * it in three pieces leaves the caller's bytes untouched and lets sig point into msg. */
	const struct crypto_part parts[3] = {
		{ msg, SIGN_OFF_SIGNATURE },
		{ zero_sig, SIGN_SIG_SIZE },
		{ msg + SIGN_HDR_SIZE, len - SIGN_HDR_SIZE },
	};
	switch (alg) {
	case SMB2_SIGN_HMAC_SHA256:
		/* 2.0.2 / 2.1: the first 16 of the 32 HMAC bytes. */
		ok = crypto_hmac_sha256(key, 16, parts, 3, mac);
		break;
	case SMB2_SIGN_AES_CMAC:
		ok = crypto_aes128_cmac(key, parts, 3, mac);
		break;
	case SMB2_SIGN_AES_GMAC:
		ok = gmac_nonce(msg, len, nonce) && crypto_aes128_gmac(key, nonce, parts, 3, mac);
		break;
	}
	if (ok)
		memcpy(sig, mac, SIGN_SIG_SIZE);
out:
	explicit_bzero(mac, sizeof(mac));
	if (!ok && sig != NULL)
		memset(sig, 0, SIGN_SIG_SIZE);
	return ok;
}

bool smb2_sign_verify(enum smb2_sign_alg alg, const uint8_t key[16], const uint8_t *msg,
		      size_t len)
{
	uint8_t expected[SIGN_SIG_SIZE];
	bool ok;

	ok = msg != NULL && len >= SIGN_HDR_SIZE &&
	     smb2_sign_compute(alg, key, msg, len, expected) &&
	     crypto_equal(expected, msg + SIGN_OFF_SIGNATURE, SIGN_SIG_SIZE);
	explicit_bzero(expected, sizeof(expected));
	return ok;
}
