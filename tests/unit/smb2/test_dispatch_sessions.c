/* SPDX-License-Identifier: Apache-2.0 */
/* The dispatcher keeps sessions apart (src/smb2/dispatch.c, echo.c): a message inside one
 * session's TRANSFORM naming another is refused (MS-SMB2 3.3.5.2.1.1), and a CANCEL ends a
 * pending request only when its session signed it (3.3.5.2.4, 3.3.5.16). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/buf.h"
#include "net/net.h"
#include "smb2/conn.h"
#include "smb2/server.h"
#include "smb2/session.h"
#include "smb2/smb2.h"
#include "smb2/wire/header.h"
#include "smb2/wire/transform.h"

/* The transport below the smb2 layer: what is sent is kept for the test to read. */
static uint8_t *sent;
static size_t sent_len;
static unsigned nsent;

void net_conn_send(struct net_conn *c, uint8_t *buf, size_t len)
{
	(void)c;
	free(sent);
	sent = buf;
	sent_len = len;
	nsent++;
}
void net_conn_close(struct net_conn *c) { (void)c; fail_msg("the connection was closed"); }
#include "net_stub.h"

struct fixture {
	struct smb2_server srv;
	struct smb2_conn *c;
	struct smb2_session *a, *b;
	uint64_t mid;
};

/* A logged-on session of c that signs, with keys made from `seed`. */
static struct smb2_session *session(struct smb2_conn *c, uint8_t seed)
{
	struct smb2_session *s = smb2_session_new(c);
	struct smb2_channel *ch = smb2_channel_of(c, s);

	assert_non_null(s);
	assert_non_null(ch);
	s->state = SESSION_VALID;
	s->keys_valid = s->cipher_keys_valid = s->signing_required = true;
	memset(s->signing_key, seed, 16);
	memset(s->enc_key, seed + 1, 32);
	memset(s->dec_key, seed + 2, 32);
	memcpy(ch->signing_key, s->signing_key, 16);
	ch->key_valid = true;
	pthread_mutex_unlock(&s->lock);
	smb2_session_put(s);   /* the table and the channel keep it */
	return s;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	if (!f || !smb2_sessions_init(&f->srv))
		return -1;
	atomic_init(&f->srv.next_session_id, 0x100);
	f->c = smb2_conn_open(NULL, &f->srv);
	if (!f->c)
		return -1;
	f->c->negotiated = true;
	f->c->dialect = 0x0311;
	f->c->sign_alg = SMB2_SIGN_AES_CMAC;
	f->c->cipher = SMB2_CIPHER_AES128_GCM;
	f->a = session(f->c, 0x10);
	f->b = session(f->c, 0x20);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	smb2_conn_close(NULL, f->c);
	smb2_sessions_fini(&f->srv);
	free(f);
	free(sent);
	sent = NULL;
	nsent = 0;
	return 0;
}

/* A message (header and a 4-byte body: ECHO's and CANCEL's) appended to w. */
static void message(struct fixture *f, struct wr *w, uint16_t cmd, uint64_t sid, uint32_t flags,
		    uint64_t async_id, bool next)
{
	struct smb2_hdr h = {
		.command = cmd, .credits = 16, .flags = flags, .session_id = sid,
		.message_id = cmd == SMB2_CANCEL ? 0 : f->mid++, .async_id = async_id,
		.next_command = next ? 72 : 0,
	};
	smb2_hdr_encode(w, &h);
	wr_u16(w, 4);
	wr_u16(w, 0);
	if (next)
		wr_zero(w, 4);   /* to 8 bytes */
	assert_false(w->failed);
}

static void sign(struct wr *w, size_t at, const uint8_t key[16])
{
	uint8_t *m = w->buf + at, sig[16];
	m[16] |= SMB2_FLAGS_SIGNED;
	assert_true(smb2_sign_compute(SMB2_SIGN_AES_CMAC, key, m, w->len - at, sig));
	memcpy(m + SMB2_SIG_OFFSET, sig, 16);
}

/* Run a frame (encrypted by `enc` when not NULL) through the dispatcher. */
static void run(struct fixture *f, struct wr *w, struct smb2_session *enc)
{
	if (!enc) {
		smb2_conn_frame(NULL, f->c, w->buf, w->len);
		return;
	}
	uint8_t nonce[16] = { (uint8_t)f->mid }, *t = malloc(SMB2_TRANSFORM_HDR_SIZE + w->len);
	assert_non_null(t);
	assert_true(smb2_encrypt(f->c->cipher, enc->dec_key, enc->id, nonce, w->buf, w->len, t));
	smb2_conn_frame(NULL, f->c, t, SMB2_TRANSFORM_HDR_SIZE + w->len);
	free(t);
}

/* The statuses of the response messages sent last, decrypted with enc's key. */
static unsigned statuses(struct smb2_session *enc, uint32_t *st, unsigned max)
{
	uint8_t plain[1024];
	size_t plen = 0, off = 0;
	unsigned n = 0;

	assert_non_null(sent);
	assert_true(sent_len <= sizeof(plain));
	assert_true(smb2_decrypt(SMB2_CIPHER_AES128_GCM, enc->enc_key, sent + 4, sent_len, plain, &plen));
	while (n < max && off + SMB2_HDR_SIZE <= plen) {
		struct smb2_hdr h;
		assert_true(smb2_hdr_decode(plain + off, plen - off, &h));
		st[n++] = h.status;
		if (!h.next_command)
			break;
		off += h.next_command;
	}
	return n;
}

static void transform_names_its_own_session_only(void **state)
{
	struct fixture *f = *state;
	uint32_t st[2];
	struct wr w;

	/* A's TRANSFORM around an unsigned ECHO naming B: refused, answered under A's key */
	wr_init(&w, 128);
	message(f, &w, SMB2_ECHO, f->b->id, 0, 0, false);
	run(f, &w, f->a);
	wr_free(&w);
	assert_int_equal(statuses(f->a, st, 2), 1);
	assert_int_equal(st[0], STATUS_ACCESS_DENIED);

	/* A's own ECHO in A's TRANSFORM runs */
	wr_init(&w, 128);
	message(f, &w, SMB2_ECHO, f->a->id, 0, 0, false);
	run(f, &w, f->a);
	wr_free(&w);
	assert_int_equal(statuses(f->a, st, 2), 1);
	assert_int_equal(st[0], STATUS_SUCCESS);

	/* in a compound, each unrelated message must name A */
	wr_init(&w, 256);
	message(f, &w, SMB2_ECHO, f->a->id, 0, 0, true);
	message(f, &w, SMB2_ECHO, f->b->id, 0, 0, false);
	run(f, &w, f->a);
	wr_free(&w);
	assert_int_equal(statuses(f->a, st, 2), 2);
	assert_int_equal(st[0], STATUS_SUCCESS);
	assert_int_equal(st[1], STATUS_ACCESS_DENIED);
}

/* A's request waiting as async id 7 (as a CHANGE_NOTIFY would). */
static void park(struct fixture *f)
{
	struct smb2_async *a = calloc(1, sizeof(*a));
	assert_non_null(a);
	a->async_id = 7;
	a->message_id = 1000;
	a->command = SMB2_CHANGE_NOTIFY;
	a->session_id = f->a->id;
	a->msg = malloc(1);
	a->next = f->c->pending;
	f->c->pending = a;
	f->c->npending++;
}

static void cancel(struct fixture *f, struct smb2_session *named, const uint8_t *key)
{
	struct wr w;
	wr_init(&w, 128);
	message(f, &w, SMB2_CANCEL, named->id, SMB2_FLAGS_ASYNC_COMMAND, 7, false);
	if (key)
		sign(&w, 0, key);
	run(f, &w, NULL);
	wr_free(&w);
}

static void cancel_needs_the_sessions_signature(void **state)
{
	struct fixture *f = *state;
	uint8_t wrong[16];

	park(f);
	memset(wrong, 0x77, sizeof(wrong));
	cancel(f, f->a, NULL);               /* unsigned */
	cancel(f, f->a, wrong);              /* a bad signature */
	cancel(f, f->b, f->b->signing_key);  /* B's, properly signed: not B's request */
	assert_int_equal(f->c->npending, 1);
	assert_int_equal(nsent, 0);          /* and a CANCEL is never answered */

	cancel(f, f->a, f->a->signing_key);
	assert_int_equal(f->c->npending, 0);
	assert_int_equal(nsent, 1);          /* the request's own final answer */
	struct smb2_hdr h;
	assert_true(smb2_hdr_decode(sent + 4, sent_len, &h));
	assert_int_equal(h.status, STATUS_CANCELLED);
	assert_int_equal(h.message_id, 1000);
}

int main(void)
{
	if (!crypto_init())
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(transform_names_its_own_session_only, setup, teardown),
		cmocka_unit_test_setup_teardown(cancel_needs_the_sessions_signature, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
