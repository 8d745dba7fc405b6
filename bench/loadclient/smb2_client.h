/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A minimal pipelined SMB2 client for the benchmark (skiff-load): SMB 3.1.1 with NTLMv2 logon
 * inside SPNEGO, every request signed and every response's signature checked, and a credit
 * window that lets many requests be outstanding at once. Only what bench's workloads need.
 */
#ifndef SKIFF_LOAD_SMB2_CLIENT_H
#define SKIFF_LOAD_SMB2_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "crypto/crypto.h"

#define LC_HDR_SIZE 64

enum lc_cmd {
	LC_NEGOTIATE = 0x00, LC_SESSION_SETUP = 0x01, LC_TREE_CONNECT = 0x03, LC_CREATE = 0x05,
	LC_CLOSE = 0x06, LC_READ = 0x08, LC_WRITE = 0x09,
};

#define LC_STATUS_SUCCESS                  0x00000000u
#define LC_STATUS_PENDING                  0x00000103u
#define LC_STATUS_MORE_PROCESSING_REQUIRED 0xC0000016u

/* One message of a response frame, as parsed. */
struct lc_msg {
	const uint8_t *p;       /* the message (header + body) */
	size_t len;
	uint16_t command;
	uint16_t credits;       /* CreditResponse */
	uint32_t status;
	uint32_t flags;
	uint64_t message_id;
	uint64_t session_id;
	const uint8_t *body;    /* after the header */
	size_t body_len;
};

struct lc_conn {
	int fd;
	uint64_t next_mid;
	int64_t credits;              /* granted and not yet used */
	uint64_t session_id;
	uint32_t tree_id;
	bool signing;                 /* the session key is known: sign and verify */
	enum smb2_sign_alg sign_alg;
	uint8_t sign_key[16];
	uint8_t preauth[64];
	uint32_t max_read, max_write;
	uint8_t *rbuf;                /* the last frame received */
	size_t rcap, rlen;
	char error[256];              /* what went wrong, for the caller's message */
};

/* Parse the message at `off` of a frame; false if it is not a well-formed SMB2 message. */
bool lc_msg_parse(const uint8_t *frame, size_t len, size_t off, struct lc_msg *m, size_t *next_off);

/* Start a message in w (8-byte aligned after what is there): header with a fresh MessageId
 * taking `charge` credits. Returns the message's offset in w. */
size_t lc_msg_begin(struct lc_conn *c, struct wr *w, enum lc_cmd cmd, uint16_t charge, bool related);
/* Finish the message at `at` (sign it when the session signs). `next`: another follows. */
void lc_msg_end(struct lc_conn *c, struct wr *w, size_t at, bool next);
/* Frame (4-byte Direct TCP header, reserved by lc_frame_begin) and send. */
void lc_frame_begin(struct wr *w);
bool lc_frame_send(struct lc_conn *c, struct wr *w);
/* Receive one frame into c->rbuf; verifies every message's signature when signing. */
bool lc_frame_recv(struct lc_conn *c);
/* Walk the messages of c->rbuf, adding their credits; fails on a bad signature. */
bool lc_frame_next(struct lc_conn *c, size_t *off, struct lc_msg *m);

/* Connect, negotiate 3.1.1, log on, connect the tree. */
bool lc_connect(struct lc_conn *c, const char *host, uint16_t port, const char *user,
		const char *password, const char *share);
void lc_close(struct lc_conn *c);

/* Synchronous helpers for set-up and tear-down. */
bool lc_create(struct lc_conn *c, const char *path, uint32_t access, uint32_t disposition,
	       uint32_t options, uint8_t fid[16], uint64_t *eof);
bool lc_close_file(struct lc_conn *c, const uint8_t fid[16]);

/* Request bodies, appended after lc_msg_begin. */
void lc_put_create(struct wr *w, const char *path, uint32_t access, uint32_t disposition,
		   uint32_t options);
void lc_put_write(struct wr *w, const uint8_t fid[16], uint64_t offset, const uint8_t *data, uint32_t len);
void lc_put_read(struct wr *w, const uint8_t fid[16], uint64_t offset, uint32_t len);
void lc_put_close(struct wr *w, const uint8_t fid[16]);

/* What the client needs of the server's NTLMSSP CHALLENGE_MESSAGE (found inside its SPNEGO
 * token by the NTLMSSP signature); pointers into `blob`. */
struct lc_challenge {
	uint32_t flags;
	uint8_t server_challenge[8];
	const uint8_t *target_info;
	size_t target_info_len;
	uint64_t timestamp;
	bool have_timestamp;
};
bool lc_challenge_parse(const uint8_t *blob, size_t n, struct lc_challenge *out);

/* NTLMv2 (MS-NLMP 3.3.2): NTOWFv2, and the NtChallengeResponse with its session base key. */
bool lc_ntowfv2(const char *user, const char *domain, const char *password, uint8_t out[16]);
bool lc_ntlmv2_response(const uint8_t ntowf[16], const uint8_t server_challenge[8],
			const uint8_t client_challenge[8], uint64_t timestamp, const uint8_t *target_info,
			size_t target_info_len, struct wr *response, uint8_t session_base_key[16]);

/* The byte at `offset` of the test pattern of file number `file` (bench and tests check it). */
static inline uint8_t lc_pattern(uint32_t file, uint64_t offset)
{
	return (uint8_t)(file * 31u + offset * 7u + (offset >> 9));
}

#endif
