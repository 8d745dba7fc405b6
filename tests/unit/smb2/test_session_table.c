/* SPDX-License-Identifier: Apache-2.0 */
/* The session table (ids, references, unlinking), the binding checks' status mapping
 * (MS-SMB2 3.3.5.5 in smbtorture's order) and the channel signing key (3.3.5.5.3). */
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
#include "smb2/wire/negotiate.h"
#include "smb2/wire/transform.h"

/* The smb2 layer sits below the transport: stand-ins for what its objects reference. */
void net_conn_send(struct net_conn *c, uint8_t *buf, size_t len)
{
	(void)c;
	(void)len;
	free(buf);
}
void net_conn_close(struct net_conn *c) { (void)c; }
#include "net_stub.h"

static int setup(void **state)
{
	struct smb2_server *srv = calloc(1, sizeof(*srv));
	if (!srv || !smb2_sessions_init(srv))
		return -1;
	atomic_init(&srv->next_session_id, 0xFFFFFFFFu);   /* wraps over all-ones and 0 */
	*state = srv;
	return 0;
}

static int teardown(void **state)
{
	struct smb2_server *srv = *state;
	smb2_sessions_fini(srv);
	free(srv);
	return 0;
}

static void ids_skip_zero_and_all_ones(void **state)
{
	struct smb2_server *srv = *state;
	struct smb2_session *a = smb2_session_alloc(srv), *b = smb2_session_alloc(srv);

	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(a->id, 1);   /* all-ones and 0 skipped */
	assert_true(a->id != b->id);
	assert_true(b->id != 0 && b->id != 0xFFFFFFFFu);
	assert_int_equal(a->state, SESSION_IN_PROGRESS);
	pthread_mutex_lock(&a->lock);
	smb2_session_unlink(a);
	pthread_mutex_unlock(&a->lock);
	smb2_session_put(a);
	pthread_mutex_lock(&b->lock);
	smb2_session_unlink(b);
	pthread_mutex_unlock(&b->lock);
	smb2_session_put(b);
}

static void get_finds_and_unlink_hides(void **state)
{
	struct smb2_server *srv = *state;
	struct smb2_session *s = smb2_session_alloc(srv);

	assert_non_null(s);
	uint64_t id = s->id;
	assert_int_equal(atomic_load(&s->refs), 2);   /* the table's and ours */
	struct smb2_session *g = smb2_session_get(srv, id);
	assert_ptr_equal(g, s);
	assert_int_equal(atomic_load(&s->refs), 3);
	smb2_session_put(g);
	assert_null(smb2_session_get(srv, id + 1000));

	pthread_mutex_lock(&s->lock);
	smb2_session_unlink(s);
	smb2_session_unlink(s);   /* idempotent */
	pthread_mutex_unlock(&s->lock);
	assert_true(s->unlinked);
	assert_int_equal(atomic_load(&s->refs), 1);   /* only ours */
	assert_null(smb2_session_get(srv, id));
	smb2_session_put(s);   /* freed (ASan would see a leak or a double free) */
}

static void channels_attach_detach_and_limit(void **state)
{
	struct smb2_server *srv = *state;
	struct smb2_conn conns[SMB2_MAX_CHANNELS_PER_SESSION + 1];
	struct smb2_session *s = smb2_session_alloc(srv);

	assert_non_null(s);
	memset(conns, 0, sizeof(conns));
	for (size_t i = 0; i < sizeof(conns) / sizeof(conns[0]); i++)
		assert_int_equal(pthread_mutex_init(&conns[i].pin_lock, NULL), 0);
	pthread_mutex_lock(&s->lock);
	for (unsigned i = 0; i < SMB2_MAX_CHANNELS_PER_SESSION; i++) {
		struct smb2_channel *ch = smb2_channel_attach(&conns[i], s);
		assert_non_null(ch);
		assert_ptr_equal(smb2_channel_find(&conns[i], s->id), ch);
		assert_ptr_equal(smb2_channel_of(&conns[i], s), ch);
	}
	assert_int_equal(s->nchannels, SMB2_MAX_CHANNELS_PER_SESSION);
	assert_null(smb2_channel_attach(&conns[SMB2_MAX_CHANNELS_PER_SESSION], s));
	assert_null(smb2_channel_find(&conns[SMB2_MAX_CHANNELS_PER_SESSION], s->id));
	assert_int_equal(atomic_load(&s->refs), 2 + SMB2_MAX_CHANNELS_PER_SESSION);
	for (unsigned i = 0; i < SMB2_MAX_CHANNELS_PER_SESSION; i++)
		smb2_channel_detach(&conns[i], conns[i].channels);
	assert_int_equal(s->nchannels, 0);
	assert_null(s->channels);
	smb2_session_unlink(s);
	pthread_mutex_unlock(&s->lock);
	assert_int_equal(atomic_load(&s->refs), 1);
	smb2_session_put(s);
	for (size_t i = 0; i < sizeof(conns) / sizeof(conns[0]); i++)
		pthread_mutex_destroy(&conns[i].pin_lock);
}

/* A frame whose first message names session `id`: a plain SMB2 header, or a TRANSFORM one. */
static size_t frame_for(uint8_t *buf, size_t cap, uint64_t id, bool transform)
{
	struct wr w;
	size_t len;

	wr_init(&w, cap);
	if (transform) {
		struct smb2_transform_hdr th = { .original_message_size = 64, .flags = 1, .session_id = id };
		smb2_transform_hdr_encode(&w, &th);
		wr_zero(&w, 64);
	} else {
		wr_u32(&w, SMB2_PROTOCOL_ID);
		wr_u16(&w, SMB2_HDR_SIZE);
		wr_zero(&w, 26);   /* charge, status, command, credits, flags, next, message id */
		wr_u32(&w, 0);     /* reserved */
		wr_u32(&w, 1);     /* tree id */
		wr_u64(&w, id);
		wr_zero(&w, 16);   /* signature */
	}
	assert_false(w.failed);
	assert_true(w.len <= cap);
	memcpy(buf, w.buf, w.len);
	len = w.len;
	wr_free(&w);
	return len;
}

/* A small frame runs on the event loop only when it cannot wait there for a session lock held
 * by another connection: not for a session unknown here, nor for one with a second channel. */
static void inline_only_without_other_channels(void **state)
{
	struct smb2_server *srv = *state;
	struct smb2_conn conns[2];
	struct smb2_session *s = smb2_session_alloc(srv);
	uint8_t f[160];
	size_t n;

	assert_non_null(s);
	memset(conns, 0, sizeof(conns));
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_mutex_init(&conns[i].pin_lock, NULL), 0);
	n = frame_for(f, sizeof(f), 0, false);
	assert_true(smb2_conn_may_run_inline(NULL, &conns[0], f, n));      /* no session yet */
	n = frame_for(f, sizeof(f), s->id, false);
	assert_false(smb2_conn_may_run_inline(NULL, &conns[0], f, n));     /* not bound here */
	pthread_mutex_lock(&s->lock);
	assert_non_null(smb2_channel_attach(&conns[0], s));
	pthread_mutex_unlock(&s->lock);
	assert_true(smb2_conn_may_run_inline(NULL, &conns[0], f, n));
	n = frame_for(f, sizeof(f), s->id, true);
	assert_true(smb2_conn_may_run_inline(NULL, &conns[0], f, n));
	/* a second channel: the session's requests stay off both connections' loops for good */
	pthread_mutex_lock(&s->lock);
	assert_non_null(smb2_channel_attach(&conns[1], s));
	pthread_mutex_unlock(&s->lock);
	assert_false(smb2_conn_may_run_inline(NULL, &conns[0], f, n));
	n = frame_for(f, sizeof(f), s->id, false);
	assert_false(smb2_conn_may_run_inline(NULL, &conns[1], f, n));
	pthread_mutex_lock(&s->lock);
	smb2_channel_detach(&conns[1], conns[1].channels);
	pthread_mutex_unlock(&s->lock);
	assert_false(smb2_conn_may_run_inline(NULL, &conns[0], f, n));
	/* not an SMB2 message: nothing to wait for (the frame handler refuses it) */
	assert_true(smb2_conn_may_run_inline(NULL, &conns[0], (const uint8_t *)"junk", 4));

	pthread_mutex_lock(&s->lock);
	smb2_channel_detach(&conns[0], conns[0].channels);
	smb2_session_unlink(s);
	pthread_mutex_unlock(&s->lock);
	smb2_session_put(s);
	for (int i = 0; i < 2; i++)
		pthread_mutex_destroy(&conns[i].pin_lock);
}

/* A binding every check lets through: 3.1.1, GMAC, AES-128-GCM on both sides. */
static struct smb2_bind_check good_bind(void)
{
	return (struct smb2_bind_check){
		.session_id = 0x1234,
		.found = true,
		.signed_flag = true,
		.signature_ok = true,
		.multichannel = true,
		.conn_dialect = SMB2_DIALECT_311,
		.sess_dialect = SMB2_DIALECT_311,
		.conn_sign_alg = SMB2_SIGN_AES_GMAC,
		.sess_sign_alg = SMB2_SIGN_AES_GMAC,
		.conn_cipher = SMB2_CIPHER_AES128_GCM,
		.sess_cipher = SMB2_CIPHER_AES128_GCM,
		.same_client = true,
		.state = SESSION_VALID,
		.nchannels = 1,
	};
}

static void bind_check_statuses(void **state)
{
	struct smb2_bind_check in;
	(void)state;

	in = good_bind();
	assert_int_equal(smb2_bind_check(&in), STATUS_SUCCESS);
	in.session_id = 0;
	assert_int_equal(smb2_bind_check(&in), STATUS_INVALID_PARAMETER);
	in = good_bind();
	in.found = false;
	assert_int_equal(smb2_bind_check(&in), STATUS_USER_SESSION_DELETED);

	/* bind_negative_smb3signGtoC* / GtoH*: a GMAC session, another algorithm here */
	in = good_bind();
	in.conn_sign_alg = SMB2_SIGN_AES_CMAC;
	assert_int_equal(smb2_bind_check(&in), STATUS_REQUEST_OUT_OF_SEQUENCE);
	/* ... even on a 2.x connection (signGtoH2X): the algorithm is checked first */
	in.conn_sign_alg = SMB2_SIGN_HMAC_SHA256;
	in.conn_dialect = SMB2_DIALECT_210;
	assert_int_equal(smb2_bind_check(&in), STATUS_REQUEST_OUT_OF_SEQUENCE);
	/* signCtoG / HtoG / C30toG / H2XtoG: a GMAC connection, another session algorithm */
	in = good_bind();
	in.sess_sign_alg = SMB2_SIGN_AES_CMAC;
	assert_int_equal(smb2_bind_check(&in), STATUS_NOT_SUPPORTED);
	in.sess_sign_alg = SMB2_SIGN_HMAC_SHA256;
	in.sess_dialect = SMB2_DIALECT_210;
	assert_int_equal(smb2_bind_check(&in), STATUS_NOT_SUPPORTED);

	/* smb202, smb210, smb3to2: a 2.x connection cannot bind */
	in = good_bind();
	in.conn_sign_alg = in.sess_sign_alg = SMB2_SIGN_HMAC_SHA256;
	in.conn_dialect = in.sess_dialect = SMB2_DIALECT_202;
	assert_int_equal(smb2_bind_check(&in), STATUS_REQUEST_NOT_ACCEPTED);
	in.sess_sign_alg = SMB2_SIGN_AES_CMAC;
	in.sess_dialect = SMB2_DIALECT_311;
	in.conn_dialect = SMB2_DIALECT_210;
	assert_int_equal(smb2_bind_check(&in), STATUS_REQUEST_NOT_ACCEPTED);
	in = good_bind();
	in.multichannel = false;
	assert_int_equal(smb2_bind_check(&in), STATUS_REQUEST_NOT_ACCEPTED);

	/* unsigned; smb2to3, smb3to3: dialect mismatch; encGtoC: cipher mismatch */
	in = good_bind();
	in.signed_flag = in.signature_ok = false;
	assert_int_equal(smb2_bind_check(&in), STATUS_INVALID_PARAMETER);
	in.signed_flag = true;   /* signed, but not with Session.SigningKey (3.3.5.2.4) */
	assert_int_equal(smb2_bind_check(&in), STATUS_ACCESS_DENIED);
	in = good_bind();
	in.conn_sign_alg = in.sess_sign_alg = SMB2_SIGN_AES_CMAC;
	in.sess_dialect = SMB2_DIALECT_302;
	assert_int_equal(smb2_bind_check(&in), STATUS_INVALID_PARAMETER);
	in.sess_sign_alg = SMB2_SIGN_HMAC_SHA256;
	in.sess_dialect = SMB2_DIALECT_210;
	assert_int_equal(smb2_bind_check(&in), STATUS_INVALID_PARAMETER);
	in = good_bind();
	in.conn_cipher = SMB2_CIPHER_AES128_CCM;
	assert_int_equal(smb2_bind_check(&in), STATUS_INVALID_PARAMETER);

	/* another client's connection (ClientGuid): the session is not there for it, but the
	 * request's own faults (unsigned, another dialect) are told first */
	in = good_bind();
	in.same_client = false;
	assert_int_equal(smb2_bind_check(&in), STATUS_USER_SESSION_DELETED);
	in.signed_flag = in.signature_ok = false;
	assert_int_equal(smb2_bind_check(&in), STATUS_INVALID_PARAMETER);
	in = good_bind();
	in.same_client = false;
	in.sess_dialect = SMB2_DIALECT_300;
	in.conn_sign_alg = in.sess_sign_alg = SMB2_SIGN_AES_CMAC;
	assert_int_equal(smb2_bind_check(&in), STATUS_INVALID_PARAMETER);
	in = good_bind();
	in.same_client = false;
	in.state = SESSION_EXPIRED;
	assert_int_equal(smb2_bind_check(&in), STATUS_USER_SESSION_DELETED);

	/* signCtoH / HtoC: CMAC and HMAC-SHA256 sessions and connections mix */
	in = good_bind();
	in.sess_sign_alg = SMB2_SIGN_AES_CMAC;
	in.conn_sign_alg = SMB2_SIGN_HMAC_SHA256;
	assert_int_equal(smb2_bind_check(&in), STATUS_SUCCESS);
	in.sess_sign_alg = SMB2_SIGN_HMAC_SHA256;
	in.conn_sign_alg = SMB2_SIGN_AES_CMAC;
	assert_int_equal(smb2_bind_check(&in), STATUS_SUCCESS);

	/* the session's state, this connection's channel, the user, the limit */
	in = good_bind();
	in.state = SESSION_IN_PROGRESS;
	assert_int_equal(smb2_bind_check(&in), STATUS_REQUEST_NOT_ACCEPTED);
	in.state = SESSION_EXPIRED;
	assert_int_equal(smb2_bind_check(&in), STATUS_NETWORK_SESSION_EXPIRED);
	in.state = SESSION_LOGGED_OFF;
	assert_int_equal(smb2_bind_check(&in), STATUS_USER_SESSION_DELETED);
	in = good_bind();
	in.channel_bound = true;
	assert_int_equal(smb2_bind_check(&in), STATUS_REQUEST_NOT_ACCEPTED);
	in = good_bind();
	in.channel_binding = true;
	in.nchannels = SMB2_MAX_CHANNELS_PER_SESSION;   /* its channel counts already */
	assert_int_equal(smb2_bind_check(&in), STATUS_SUCCESS);
	in = good_bind();
	in.anonymous_or_guest = true;
	assert_int_equal(smb2_bind_check(&in), STATUS_NOT_SUPPORTED);
	in = good_bind();
	in.nchannels = SMB2_MAX_CHANNELS_PER_SESSION;
	assert_int_equal(smb2_bind_check(&in), STATUS_INSUFFICIENT_RESOURCES);
}

/* Expected values computed apart from this code (Python hmac/hashlib, SP800-108 counter mode
 * as MS-SMB2 3.1.4.2 describes it). */
static void channel_signing_key(void **state)
{
	uint8_t key[16], preauth[64], out[16];
	static const uint8_t want311[16] = {
		0x0d, 0x73, 0x97, 0xf0, 0x4f, 0x5b, 0x71, 0x66,
		0x9d, 0xe0, 0x88, 0x40, 0x38, 0x1d, 0x59, 0xb1,
	};
	static const uint8_t want30[16] = {
		0x62, 0x34, 0x81, 0x4c, 0xbb, 0x8e, 0xa9, 0x22,
		0x74, 0x40, 0xeb, 0xfe, 0xb5, 0xea, 0xcb, 0xe1,
	};
	(void)state;

	for (unsigned i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)i;
	for (unsigned i = 0; i < sizeof(preauth); i++)
		preauth[i] = (uint8_t)(i * 7 + 3);
	assert_true(smb2_derive_signing_key(SMB2_DIALECT_311, key, preauth, out));
	assert_memory_equal(out, want311, 16);
	assert_true(smb2_derive_signing_key(SMB2_DIALECT_300, key, preauth, out));
	assert_memory_equal(out, want30, 16);
	assert_true(smb2_derive_signing_key(SMB2_DIALECT_302, key, NULL, out));
	assert_memory_equal(out, want30, 16);
	assert_true(smb2_derive_signing_key(SMB2_DIALECT_210, key, NULL, out));
	assert_memory_equal(out, key, 16);   /* 2.x signs with the session key itself */
	/* another channel's hash, another key */
	preauth[0] ^= 1;
	assert_true(smb2_derive_signing_key(SMB2_DIALECT_311, key, preauth, out));
	assert_memory_not_equal(out, want311, 16);
}

int main(void)
{
	if (!crypto_init())
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(ids_skip_zero_and_all_ones, setup, teardown),
		cmocka_unit_test_setup_teardown(get_finds_and_unlink_hides, setup, teardown),
		cmocka_unit_test_setup_teardown(inline_only_without_other_channels, setup, teardown),
		cmocka_unit_test_setup_teardown(channels_attach_detach_and_limit, setup, teardown),
		cmocka_unit_test(bind_check_statuses),
		cmocka_unit_test(channel_signing_key),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	crypto_shutdown();
	return rc;
}
