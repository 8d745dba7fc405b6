/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An SMB2 connection's state (its NEGOTIATE results, credits, channels, requests that went
 * async, the per-request arena) and sending responses on it.
 *
 * Threading: a connection's own state is touched only by that connection's strand (one worker at
 * a time, see src/net/pool.c), except what is marked otherwise.
 */
#ifndef SKIFF_SMB2_CONN_H
#define SKIFF_SMB2_CONN_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "crypto/crypto.h"
#include "smb2/credits.h"

struct net_conn;
struct smb2_server;
struct smb2_session;
struct smb2_channel;
struct wr;
struct smb2_conn;

/* A request that went async (MS-SMB2 3.3.4.2): an interim STATUS_PENDING response was sent and
 * the request is re-run from its saved copy when woken (smb2_async_wake), or cancelled. */
struct smb2_async {
	struct smb2_async *next;
	uint64_t async_id;
	uint64_t message_id;
	uint16_t command;
	uint64_t session_id;            /* resolved (related compounds included) */
	uint32_t tree_id;
	bool encrypted;                 /* arrived in a TRANSFORM: answers go back encrypted */
	uint8_t *msg;                   /* copy of the request message */
	size_t len;
	/* called when the request is cancelled or its connection goes, to drop waiter entries */
	void (*on_drop)(struct smb2_conn *c, struct smb2_async *a);
	/* a DH2Q CREATE waiting: its entry on the server's replay_pending list (replay.c) */
	struct smb2_replay_pending *replay;
};

#define SMB2_MAX_ASYNC_PER_CONN 512

struct smb2_conn {
	struct smb2_server *srv;
	bool closing;                   /* smb2_conn_close is dropping its async entries */
	struct net_conn *net;
	char peer[64];

	/* NEGOTIATE results */
	bool negotiated;
	uint16_t dialect;
	uint32_t client_caps;
	uint16_t client_security_mode;
	uint8_t client_guid[16];
	enum smb2_sign_alg sign_alg;
	bool signing_ctx;               /* the client sent SIGNING_CAPABILITIES */
	bool cipher_ctx;                /* the client sent ENCRYPTION_CAPABILITIES */
	enum smb2_cipher cipher;        /* negotiated cipher, SMB2_CIPHER_NONE if none */
	bool smb1_upgraded;             /* answered an SMB1 negotiate with 0x02FF */
	uint8_t read_body_padding;      /* smbtorture hook: zero bytes before READ data */
	uint8_t preauth[64];            /* 3.1.1 connection preauth hash */
	/* Connection.MaxReadSize/MaxWriteSize/MaxTransactSize as the NEGOTIATE response announced
	 * them (64 KiB for 2.0.2); 0 before NEGOTIATE */
	uint32_t max_read, max_write, max_trans;

	struct smb2_credits credits;

	struct smb2_channel *channels;  /* this connection's channels, newest first */

	/* Sessions bound here that have open files keep the connection pinned (not dropped for
	 * being idle); other strands change this, under pin_lock (a leaf). */
	pthread_mutex_t pin_lock;
	unsigned pinned_by;

	struct smb2_async *pending;     /* requests that went async */
	unsigned npending;
	uint64_t next_async_id;

	struct arena arena;             /* per-request */
};


/*
 * Largest frame accepted before a session is authenticated on the connection (the transport's
 * preauth_max_frame; net_conn_set_authenticated lifts it to max pdu size). A SESSION_SETUP can
 * never be larger than 64 (header) + 24 + 65535 (its SecurityBufferLength is 16 bits: Windows'
 * largest MaxTokenSize for Kerberos, 65535; the default is 48000) = 65623 bytes, and a NEGOTIATE
 * is a few hundred bytes: 68 KiB holds both with room, and equals the smallest "max pdu size".
 */
#define SMB2_PREAUTH_MAX_FRAME (68 * 1024)

/* Send a finished response PDU now (smb2_send_response, dispatch_response.c) or not before
 * due_ms. */
void smb2_send_response_at(struct smb2_conn *c, struct wr *out, struct smb2_session *enc,
			   uint64_t due_ms);

/* Send a response PDU built in `out` (4 bytes of room first), encrypted for `enc` if set
 * (the caller holds a reference to enc; its lock is not needed). */
void smb2_send_response(struct smb2_conn *c, struct wr *out, struct smb2_session *enc);

/* SMB1 NEGOTIATE (multi-protocol) answered with an SMB2 NEGOTIATE response. */
void smb2_smb1_negotiate(struct smb2_conn *c, const uint8_t *frame, size_t len);

/* NEGOTIATE announced directory leasing to this connection (3.x, the client asked for it). */
bool smb2_conn_dir_leasing(const struct smb2_conn *c, uint16_t dialect);

#endif
