// layer: smb2
/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Stateful fuzzing of the dispatcher (smb2_conn_frame): one real server (two shares in a temp
 * directory, a users.db with one known user) and up to two connections per input, driven by a
 * conversation the input spells out record by record. The harness plays the client's part
 * where the fuzzer cannot: it negotiates and logs on with real NTLMv2 (LOGON), derives the
 * session's keys as a client does (3.1.1 preauth hash included), and signs or encrypts the
 * messages the fuzzer writes (MSG) with the keys of the session slot they name, patching
 * MessageId, SessionId, TreeId, FileId and AsyncId to what it learned from the responses. So
 * the fuzzer reaches the post-authentication states (trees, opens, compounds, async requests,
 * several sessions per connection, encryption) and the checks between them.
 *
 * Input records (all integers little-endian):
 *   0 LOGON  conn dialect opts          negotiate (once per connection) and log a session on,
 *                                       or bind one of another connection (LOGON_BIND)
 *   1 MSG    conn sid_slot enc_slot flags len16 bytes[len]   a frame (one message or a chain)
 *   2 RAW    conn len16 bytes[len]      a frame sent as it is
 *   3 CLOSE  conn                       the connection goes (its sessions end with it)
 * MSG flags: MSG_* below. An oracle aborts if a message inside a TRANSFORM of one session is
 * answered with success for another (MS-SMB2 3.3.5.2.1.1).
 * Seeds: tests/fuzz/corpus/dispatch/, written by tests/fuzz/make_dispatch_corpus.py.
 */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth/userdb.h"
#include "core/config.h"
#include "core/log.h"
#include "crypto/crypto.h"
#include "rpc/idmap.h"
#include "smb2/conn.h"
#include "smb2/server.h"
#include "smb2/session.h"
#include "smb2/smb2.h"
#include "smb2/wire/header.h"
#include "smb2/wire/negotiate.h"
#include "vfs/vfs.h"

#include "fuzz_net_fake.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NCONN 2
#define NSLOT 4
#define FUZZ_USER "nobody"      /* a Unix account that exists where the fuzzer runs as root */
#define FUZZ_PASS "Fuzz-pass-1"

enum { OP_LOGON, OP_MSG, OP_RAW, OP_CLOSE };
enum {
	MSG_MID = 0x01,         /* MessageIds from the connection's sequence */
	MSG_SID = 0x02,         /* SessionId of sid_slot (unrelated messages) */
	MSG_TID = 0x04,         /* TreeId of sid_slot's last tree (unrelated messages) */
	MSG_FID = 0x08,         /* FileId: the connection's last CREATE (placeholders kept) */
	MSG_SIGN = 0x10,        /* sign every message with sid_slot's key */
	MSG_ENCRYPT = 0x20,     /* wrap the frame in a TRANSFORM of enc_slot */
	MSG_ASYNC = 0x40,       /* AsyncId: the connection's last interim response */
};

struct slot {
	bool valid;
	int conn;
	uint64_t id;
	bool signing_required;  /* the client required signing when its connection negotiated */
	uint16_t dialect;
	enum smb2_sign_alg sign_alg;
	enum smb2_cipher cipher;
	uint8_t sign_key[16];
	uint8_t c2s[32], s2c[32];       /* client-to-server (the server's dec_key) and back */
	uint32_t tree_id;
	uint64_t nonce;
};

struct client_conn {
	struct net_conn *nc;
	void *state;
	bool negotiated;
	uint64_t next_mid;
	uint8_t preauth[64];
	uint8_t last_fid[16];
	uint64_t last_async;
	bool signing_required;  /* NEGOTIATE said SMB2_NEGOTIATE_SIGNING_REQUIRED */
	/* what the harness sent, by MessageId: whether the message proves its session (signed by
	 * it, or inside its TRANSFORM), for the signing oracle */
	struct sent { uint64_t mid, sid; bool authentic, checked; } sent[64];
	unsigned nsent;
};

static struct smb2_server *srv;
static char base_dir[64], share_dir[256];
static struct client_conn conns[NCONN];
static struct slot slots[NSLOT];
static unsigned next_slot;
/* What the harness reached, for checking the fuzzer gets past authentication. */
static unsigned long stat_logons, stat_encrypted_ok, stat_post_auth_ok;

/* ---------------- server set-up (once) ---------------- */

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw);

static void remove_base(void)
{
	vfs_become_server();
	nftw(base_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	rmdir(base_dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char base[] = "/tmp/skiff-fuzz-dispatch.XXXXXX", conf[2048], err[256];

	(void)argc;
	(void)argv;
	log_set_level(getenv("FUZZ_LOG") ? atoi(getenv("FUZZ_LOG")) : -1);
	if (!mkdtemp(base) || !crypto_init() || vfs_global_init() != STATUS_SUCCESS)
		abort();
	snprintf(base_dir, sizeof(base_dir), "%s", base);
	atexit(remove_base);
	snprintf(share_dir, sizeof(share_dir), "%s/share", base);
	char state_dir[300];
	snprintf(state_dir, sizeof(state_dir), "%s/state", base);
	if (mkdir(share_dir, 0777) != 0 || chmod(share_dir, 0777) != 0 || mkdir(state_dir, 0700) != 0)
		abort();
	snprintf(conf, sizeof(conf),
		 "[global]\nstate directory = %s\nserver signing = auto\nlog level = 0\n"
		 "netbios name = FUZZ\nworkgroup = WORKGROUP\nserver min protocol = SMB2_02\n"
		 "server max protocol = SMB3_11\n"
		 "[share]\npath = %s\nread only = no\n"
		 "[enc]\npath = %s\nread only = no\nserver smb encrypt = required\n",
		 state_dir, share_dir, share_dir);
	struct cfg *cfg = cfg_load_string(conf, "fuzz", err, sizeof(err));
	if (!cfg) {
		fprintf(stderr, "fuzz_dispatch: %s\n", err);
		abort();
	}
	struct sd_sid machine_sid;
	idmap_derive_machine_sid(cfg->g.netbios_name, &machine_sid);
	vfs_acl_set_machine_sid(&machine_sid);
	struct userdb *users = userdb_open(state_dir, err, sizeof(err));
	if (!users || userdb_add_user(users, FUZZ_USER, FUZZ_PASS) != 0)
		abort();
	srv = smb2_server_new(cfg, users);
	if (!srv)
		abort();
	return 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	if (ftw->level > 0)
		remove(path);
	return 0;
}

/* ---------------- frames in and out ---------------- */

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)v); put16(p + 2, (uint16_t)(v >> 16)); }
static void put64(uint8_t *p, uint64_t v) { put32(p, (uint32_t)v); put32(p + 4, (uint32_t)(v >> 32)); }
static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t get32(const uint8_t *p) { return get16(p) | (uint32_t)get16(p + 2) << 16; }
static uint64_t get64(const uint8_t *p) { return get32(p) | (uint64_t)get32(p + 4) << 32; }

static struct slot *slot_by_id(int conn, uint64_t id)
{
	for (int i = 0; i < NSLOT; i++)
		if (slots[i].valid && slots[i].conn == conn && slots[i].id == id)
			return &slots[i];
	return NULL;
}

/* Learn from one response message: trees, opens, interim responses; check the oracle. */
static void learn(int conn, const uint8_t *m, size_t len, const struct slot *enc)
{
	struct client_conn *cc = &conns[conn];
	if (len < SMB2_HDR_SIZE || get32(m) != SMB2_PROTOCOL_ID)
		return;
	uint16_t cmd = get16(m + 12);
	uint32_t status = get32(m + 8), flags = get32(m + 16);
	uint64_t mid = get64(m + 24), sid = get64(m + 40);
	const uint8_t *body = m + SMB2_HDR_SIZE;
	size_t blen = len - SMB2_HDR_SIZE;

	if (enc && sid != enc->id && status == STATUS_SUCCESS && mid != UINT64_MAX) {
		fprintf(stderr, "oracle: command %u for session %llx succeeded inside a TRANSFORM of "
			"session %llx\n", cmd, (unsigned long long)sid, (unsigned long long)enc->id);
		abort();
	}
	if (status == STATUS_PENDING && (flags & SMB2_FLAGS_ASYNC_COMMAND))
		cc->last_async = get64(m + 32);
	if (status != STATUS_SUCCESS)
		return;
	/* MS-SMB2 3.3.5.2.4: on a session that requires signing, a request that is neither signed
	 * by it nor encrypted by it must not succeed. */
	const struct slot *rs = slot_by_id(conn, sid);
	if (rs && rs->signing_required && cmd != SMB2_NEGOTIATE && cmd != SMB2_SESSION_SETUP &&
	    cmd != SMB2_ECHO && mid != UINT64_MAX) {
		for (unsigned i = 0; i < 64; i++) {
			const struct sent *e = &cc->sent[(cc->nsent - 1 - i) % 64];
			if (i >= cc->nsent || e->mid != mid)
				continue;
			if (e->checked && e->sid == sid && !e->authentic) {
				fprintf(stderr, "oracle: unauthenticated command %u of signing session %llx "
					"succeeded\n", cmd, (unsigned long long)sid);
				abort();
			}
			break;
		}
	}
	if (cmd != SMB2_NEGOTIATE && cmd != SMB2_SESSION_SETUP && cmd != SMB2_ECHO)
		stat_post_auth_ok++;
	if (enc)
		stat_encrypted_ok++;
	struct slot *s = slot_by_id(conn, sid);
	if (cmd == SMB2_TREE_CONNECT && s)
		s->tree_id = get32(m + 36);
	if (cmd == SMB2_CREATE && blen >= 80)
		memcpy(cc->last_fid, body + 64, 16);
}

static void learn_frame(int conn, const uint8_t *f, size_t len)
{
	const struct slot *enc = NULL;
	uint8_t *plain = NULL;

	if (len > 52 && get32(f) == SMB2_TRANSFORM_ID) {
		enc = slot_by_id(conn, get64(f + 44));
		size_t plen = 0;
		plain = malloc(len);
		if (!enc || !plain || !smb2_decrypt(enc->cipher, enc->s2c, f, len, plain, &plen)) {
			free(plain);
			return;
		}
		f = plain;
		len = plen;
	}
	for (size_t off = 0; off + SMB2_HDR_SIZE <= len;) {
		uint32_t next = get32(f + off + 20);
		learn(conn, f + off, next && next <= len - off ? next : len - off, enc);
		if (!next || next > len - off)
			break;
		off += next;
	}
	free(plain);
}

/* Feed one frame to connection `conn`; its responses are learned from and dropped, except the
 * first one, which is kept for the caller in *rsp when rsp is not NULL. */
static void feed(int conn, const uint8_t *frame, size_t len, uint8_t **rsp, size_t *rsp_len)
{
	struct client_conn *cc = &conns[conn];
	if (rsp)
		*rsp = NULL;
	if (!cc->nc || cc->nc->closed || len == 0)
		return;
	uint8_t *copy = malloc(len);   /* exactly sized: ASan sees reads past the frame */
	if (!copy)
		return;
	memcpy(copy, frame, len);
	smb2_conn_frame(cc->nc, cc->state, copy, len);
	free(copy);
	fake_net_run_tasks();
	struct fake_frame *f;
	while ((f = fake_net_take_sent(cc->nc))) {
		learn_frame(conn, f->buf + 4, f->len);
		if (rsp && !*rsp) {
			*rsp = malloc(f->len);
			if (*rsp) {
				memcpy(*rsp, f->buf + 4, f->len);
				*rsp_len = f->len;
			}
		}
		free(f->buf);
		free(f);
	}
}

static void conn_open(int conn)
{
	struct client_conn *cc = &conns[conn];
	if (cc->nc)
		return;
	memset(cc, 0, sizeof(*cc));
	cc->nc = fake_net_conn_new();
	if (!cc->nc)
		abort();
	cc->state = smb2_conn_open(cc->nc, srv);
	if (!cc->state)
		abort();
	cc->nc->state = cc->state;
}

static void conn_end(int conn)
{
	struct client_conn *cc = &conns[conn];
	if (!cc->nc)
		return;
	fake_net_run_tasks();
	smb2_conn_close(cc->nc, cc->state);
	cc->nc->gone = true;
	fake_net_run_tasks();
	net_conn_unref(cc->nc);
	memset(cc, 0, sizeof(*cc));
	for (int i = 0; i < NSLOT; i++)
		if (slots[i].valid && slots[i].conn == conn)
			slots[i].valid = false;
}

/* ---------------- the client's part: negotiate and NTLMv2 logon ---------------- */

static const uint16_t dialects[] = { 0x0202, 0x0210, 0x0300, 0x0302, 0x0311 };

static void hdr(uint8_t *m, uint16_t cmd, uint64_t mid, uint64_t sid)
{
	memset(m, 0, SMB2_HDR_SIZE);
	put32(m, SMB2_PROTOCOL_ID);
	put16(m + 4, 64);
	put16(m + 6, 1);
	put16(m + 12, cmd);
	put16(m + 14, 64);   /* credits asked: room for the fuzzer's messages */
	put64(m + 24, mid);
	put64(m + 40, sid);
}

static bool negotiate(int conn, uint8_t dialect_sel, uint8_t opts)
{
	struct client_conn *cc = &conns[conn];
	uint8_t m[256] = { 0 };
	uint16_t dialect = dialects[dialect_sel % 5];
	size_t len = SMB2_HDR_SIZE + 36 + 2;

	hdr(m, SMB2_NEGOTIATE, cc->next_mid++, 0);
	uint8_t *b = m + SMB2_HDR_SIZE;
	put16(b, 36);
	put16(b + 2, 1);
	put16(b + 4, opts & 0x08 ? SMB2_NEGOTIATE_SIGNING_REQUIRED : SMB2_NEGOTIATE_SIGNING_ENABLED);
	put32(b + 8, opts & 0x01 ? SMB2_GLOBAL_CAP_ENCRYPTION : 0);
	memset(b + 12, 0x5a, 16);
	put16(b + 36, dialect);
	if (dialect == 0x0311) {
		len = (len + 7) & ~(size_t)7;
		put32(b + 28, (uint32_t)len);
		uint16_t n = 0;
		uint8_t *x = m + len;
		/* PREAUTH_INTEGRITY_CAPABILITIES: SHA-512 and a 32-byte salt */
		put16(x, 1), put16(x + 2, 38), put16(x + 8, 1), put16(x + 10, 32), put16(x + 12, 1);
		memset(x + 14, 0xa5, 32);
		len += 8 + 38, n++;
		if (opts & 0x01) {   /* ENCRYPTION_CAPABILITIES, GCM or CCM first */
			len = (len + 7) & ~(size_t)7, x = m + len;
			put16(x, 2), put16(x + 2, 10), put16(x + 8, 4);
			bool ccm = opts & 0x02;
			put16(x + 10, ccm ? 1 : 2), put16(x + 12, ccm ? 2 : 1), put16(x + 14, 4), put16(x + 16, 3);
			len += 8 + 10, n++;
		}
		if (opts & 0x04) {   /* SIGNING_CAPABILITIES: GMAC, CMAC, HMAC */
			len = (len + 7) & ~(size_t)7, x = m + len;
			put16(x, 8), put16(x + 2, 8), put16(x + 8, 3);
			put16(x + 10, 2), put16(x + 12, 1), put16(x + 14, 0);
			len += 8 + 8, n++;
		}
		put16(b + 32, n);
	}
	uint8_t *rsp;
	size_t rlen = 0;
	feed(conn, m, len, &rsp, &rlen);
	bool ok = rsp && rlen >= SMB2_HDR_SIZE && get32(rsp + 8) == STATUS_SUCCESS;
	if (ok) {
		memset(cc->preauth, 0, sizeof(cc->preauth));
		crypto_preauth_update(cc->preauth, m, len);
		crypto_preauth_update(cc->preauth, rsp, rlen);
		cc->negotiated = true;
		cc->signing_required = opts & 0x08;
	}
	free(rsp);
	return ok;
}

/* UTF-16LE of an ASCII string, upper-cased when asked. */
static size_t utf16(const char *s, bool upper, uint8_t *out)
{
	size_t n = 0;
	for (; *s; s++) {
		char ch = upper && *s >= 'a' && *s <= 'z' ? (char)(*s - 32) : *s;
		out[n++] = (uint8_t)ch;
		out[n++] = 0;
	}
	return n;
}

#define NTLM_FLAGS (0x00000001u /* UNICODE */ | 0x00000004u /* REQUEST_TARGET */ |            \
		    0x00000010u /* SIGN */ | 0x00000200u /* NTLM */ | 0x00008000u /* ALWAYS_SIGN */ | \
		    0x00080000u /* EXTENDED_SESSIONSECURITY */ | 0x00800000u /* TARGET_INFO */ |       \
		    0x20000000u /* 128 */)

/* One SESSION_SETUP leg with a raw NTLMSSP token; the response is returned (caller frees). */
static uint8_t *session_leg(int conn, uint64_t sid, const struct slot *bind, const uint8_t *tok,
			    size_t tok_len, uint8_t preauth[64], size_t *rlen)
{
	struct client_conn *cc = &conns[conn];
	size_t len = SMB2_HDR_SIZE + 24 + tok_len;
	uint8_t *m = calloc(1, len), *rsp = NULL;
	if (!m)
		return NULL;
	hdr(m, SMB2_SESSION_SETUP, cc->next_mid++, sid);
	uint8_t *b = m + SMB2_HDR_SIZE;
	put16(b, 25);
	b[2] = bind ? 0x01 : 0;   /* SMB2_SESSION_FLAG_BINDING */
	b[3] = SMB2_NEGOTIATE_SIGNING_ENABLED;
	put16(b + 12, SMB2_HDR_SIZE + 24);
	put16(b + 14, (uint16_t)tok_len);
	memcpy(b + 24, tok, tok_len);
	if (bind) {   /* 3.2.4.1.1: a binding is signed with Session.SigningKey */
		uint8_t sig[16];
		put32(m + 16, SMB2_FLAGS_SIGNED);
		if (smb2_sign_compute(bind->sign_alg, bind->sign_key, m, len, sig))
			memcpy(m + SMB2_SIG_OFFSET, sig, 16);
	}
	crypto_preauth_update(preauth, m, len);
	feed(conn, m, len, &rsp, rlen);
	free(m);
	return rsp;
}

/* Log a new session on, or (opts & LOGON_BIND) bind the session of slot (opts >> 5) % NSLOT,
 * which lives on another connection, to this one as a new channel (MS-SMB2 3.2.4.1.7). */
#define LOGON_BIND 0x10
static void logon(int conn, uint8_t dialect_sel, uint8_t opts)
{
	const struct slot *bind = NULL;
	if (opts & LOGON_BIND) {
		bind = &slots[(opts >> 5) % NSLOT];
		if (!bind->valid || bind->conn == conn)
			return;
	}
	struct client_conn *cc = &conns[conn];
	uint8_t preauth[64], neg[32] = "NTLMSSP", ntowf[16], nt_hash[16], buf[512], key[16];
	uint8_t *rsp = NULL, *auth = NULL;
	size_t rlen = 0;

	if (!cc->negotiated && !negotiate(conn, dialect_sel, opts))
		return;
	struct smb2_conn *c = cc->state;
	memcpy(preauth, cc->preauth, sizeof(preauth));
	put32(neg + 8, 1);
	put32(neg + 12, NTLM_FLAGS);
	rsp = session_leg(conn, bind ? bind->id : 0, bind, neg, sizeof(neg), preauth, &rlen);
	if (!rsp || rlen < SMB2_HDR_SIZE + 8 || get32(rsp + 8) != STATUS_MORE_PROCESSING_REQUIRED)
		goto out;
	crypto_preauth_update(preauth, rsp, rlen);
	uint64_t sid = get64(rsp + 40);
	size_t toff = get16(rsp + SMB2_HDR_SIZE + 4), tlen = get16(rsp + SMB2_HDR_SIZE + 6);
	if (toff + tlen > rlen || tlen < 48)
		goto out;
	const uint8_t *ch = rsp + toff;   /* CHALLENGE_MESSAGE */
	size_t ti_len = get16(ch + 40), ti_off = get32(ch + 44);
	if (memcmp(ch, "NTLMSSP", 8) != 0 || ti_off > tlen || ti_len > tlen - ti_off || ti_len > 300)
		goto out;
	uint64_t timestamp = 0;
	for (size_t i = 0; i + 4 <= ti_len;) {   /* MsvAvTimestamp, if any */
		uint16_t id = get16(ch + ti_off + i), l = get16(ch + ti_off + i + 2);
		if (id == 7 && l == 8 && i + 12 <= ti_len)
			timestamp = get64(ch + ti_off + i + 4);
		if (id == 0)
			break;
		i += 4 + l;
	}

	/* NTLMv2 (MS-NLMP 3.3.2): NTOWFv2, the NtChallengeResponse and the session base key */
	if (!userdb_nt_hash(FUZZ_PASS, nt_hash))
		goto out;
	size_t n = utf16(FUZZ_USER, true, buf);
	struct crypto_part who = { buf, n };
	if (!crypto_hmac_md5(nt_hash, 16, &who, 1, ntowf))
		goto out;
	uint8_t temp[28 + 300 + 4] = { 1, 1 };
	put64(temp + 8, timestamp);
	memset(temp + 16, 0x42, 8);   /* client challenge: fixed, the harness stays deterministic */
	memcpy(temp + 28, ch + ti_off, ti_len);
	size_t temp_len = 28 + ti_len + 4;
	uint8_t proof[16];
	struct crypto_part pp[2] = { { ch + 24, 8 }, { temp, temp_len } };
	if (!crypto_hmac_md5(ntowf, 16, pp, 2, proof))
		goto out;
	struct crypto_part bp = { proof, 16 };
	if (!crypto_hmac_md5(ntowf, 16, &bp, 1, key))   /* = the exported session key */
		goto out;

	/* AUTHENTICATE_MESSAGE: LM (24 zeros), NT, domain (empty), user, workstation */
	uint8_t user16[64], ws16[16];
	size_t user_len = utf16(FUZZ_USER, false, user16), ws_len = utf16("FZ", false, ws16);
	size_t nt_len = 16 + temp_len, alen = 64 + 24 + nt_len + user_len + ws_len;
	auth = calloc(1, alen);
	if (!auth)
		goto out;
	memcpy(auth, "NTLMSSP", 8);
	put32(auth + 8, 3);
	size_t p = 64;
	put16(auth + 12, 24), put16(auth + 14, 24), put32(auth + 16, (uint32_t)p), p += 24;
	put16(auth + 20, (uint16_t)nt_len), put16(auth + 22, (uint16_t)nt_len), put32(auth + 24, (uint32_t)p);
	memcpy(auth + p, proof, 16), memcpy(auth + p + 16, temp, temp_len), p += nt_len;
	put32(auth + 32, (uint32_t)p);   /* domain: empty */
	put16(auth + 36, (uint16_t)user_len), put16(auth + 38, (uint16_t)user_len), put32(auth + 40, (uint32_t)p);
	memcpy(auth + p, user16, user_len), p += user_len;
	put16(auth + 44, (uint16_t)ws_len), put16(auth + 46, (uint16_t)ws_len), put32(auth + 48, (uint32_t)p);
	memcpy(auth + p, ws16, ws_len), p += ws_len;
	put32(auth + 56, (uint32_t)p);   /* no encrypted random session key */
	put32(auth + 60, NTLM_FLAGS & get32(ch + 20));
	free(rsp);
	rsp = session_leg(conn, sid, bind, auth, alen, preauth, &rlen);
	if (!rsp || rlen < SMB2_HDR_SIZE || get32(rsp + 8) != STATUS_SUCCESS)
		goto out;

	/* The keys, as the client derives them (MS-SMB2 3.2.5.3.1) */
	/* A channel signs with its own key; its encryption keys are the session's. (The slot
	 * bound may be the one about to be reused: copy it first.) */
	struct slot *s = &slots[next_slot++ % NSLOT], target = bind ? *bind : (struct slot){ 0 };
	memset(s, 0, sizeof(*s));
	s->conn = conn;
	s->id = sid;
	s->signing_required = bind ? target.signing_required : cc->signing_required;
	s->dialect = c->dialect;   /* what NEGOTIATE chose, read back rather than re-parsed */
	s->sign_alg = c->sign_alg;
	s->cipher = c->cipher;
	if (!smb2_derive_signing_key(s->dialect, key, preauth, s->sign_key))
		goto out;
	if (bind) {
		memcpy(s->c2s, target.c2s, sizeof(s->c2s));
		memcpy(s->s2c, target.s2c, sizeof(s->s2c));
		s->nonce = target.nonce + (1ull << 40);   /* another nonce range than that slot's */
	} else if (s->cipher != SMB2_CIPHER_NONE &&
		   !smb2_derive_cipher_keys(s->dialect, s->cipher, key, 16, preauth, s->s2c, s->c2s)) {
		goto out;
	}
	s->valid = true;
	stat_logons++;
out:
	free(rsp);
	free(auth);
}

/* ---------------- the fuzzer's messages ---------------- */

/* Where a command's request carries its FileId, from the start of the body (0: none). */
static size_t fid_offset(uint16_t cmd)
{
	switch (cmd) {
	case SMB2_CLOSE: case SMB2_FLUSH: case SMB2_LOCK: case SMB2_IOCTL:
	case SMB2_QUERY_DIRECTORY: case SMB2_CHANGE_NOTIFY: case SMB2_OPLOCK_BREAK:
		return 8;
	case SMB2_READ: case SMB2_WRITE: case SMB2_SET_INFO:
		return 16;
	case SMB2_QUERY_INFO:
		return 24;
	default:
		return 0;
	}
}

static void send_msg(int conn, const struct slot *ss, const struct slot *es, uint8_t flags,
		     const uint8_t *in, size_t len)
{
	struct client_conn *cc = &conns[conn];
	uint8_t *m = malloc(len + 52);   /* room for a TRANSFORM header in front */
	if (!m)
		return;
	uint8_t *f = m + 52;
	memcpy(f, in, len);
	for (size_t off = 0; off + SMB2_HDR_SIZE <= len;) {
		uint8_t *h = f + off;
		uint32_t next = get32(h + 20);
		size_t mlen = next && next <= len - off ? next : len - off;
		uint16_t cmd = get16(h + 12);
		bool related = get32(h + 16) & SMB2_FLAGS_RELATED_OPERATIONS;
		if (flags & MSG_MID) {
			if (cmd == SMB2_CANCEL) {
				put64(h + 24, cc->next_mid ? cc->next_mid - 1 : 0);
			} else {
				uint16_t charge = get16(h + 6);
				put64(h + 24, cc->next_mid);
				cc->next_mid += charge ? charge : 1;
			}
		}
		if ((flags & MSG_ASYNC) && (get32(h + 16) & SMB2_FLAGS_ASYNC_COMMAND))
			put64(h + 32, cc->last_async);
		if ((flags & MSG_SID) && ss && !related)
			put64(h + 40, ss->id);
		if ((flags & MSG_TID) && ss && !related && !(get32(h + 16) & SMB2_FLAGS_ASYNC_COMMAND))
			put32(h + 36, ss->tree_id);
		size_t fo = fid_offset(cmd);
		if ((flags & MSG_FID) && fo && SMB2_HDR_SIZE + fo + 16 <= mlen) {
			static const uint8_t placeholder[16] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
								 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
			if (memcmp(h + SMB2_HDR_SIZE + fo, placeholder, 16) != 0)
				memcpy(h + SMB2_HDR_SIZE + fo, cc->last_fid, 16);
		}
		/* For the signing oracle: an unrelated message of a known session, and whether it
		 * proves that session (related ones inherit theirs: not judged). */
		struct sent *e = &cc->sent[cc->nsent++ % 64];
		uint64_t sid = get64(h + 40);
		*e = (struct sent){
			.mid = get64(h + 24), .sid = sid, .checked = !related && cmd != SMB2_CANCEL,
			.authentic = ((flags & MSG_SIGN) && ss && ss->id == sid) ||
				     ((flags & MSG_ENCRYPT) && es && es->cipher != SMB2_CIPHER_NONE &&
				      es->id == sid),
		};
		if ((flags & MSG_SIGN) && ss) {
			uint8_t sig[16];
			put32(h + 16, get32(h + 16) | SMB2_FLAGS_SIGNED);
			memset(h + SMB2_SIG_OFFSET, 0, 16);
			if (smb2_sign_compute(ss->sign_alg, ss->sign_key, h, mlen, sig))
				memcpy(h + SMB2_SIG_OFFSET, sig, 16);
		}
		if (!next || next > len - off)
			break;
		off += next;
	}
	if ((flags & MSG_ENCRYPT) && es && es->cipher != SMB2_CIPHER_NONE) {
		uint8_t nonce[16] = { 0 };
		struct slot *w = (struct slot *)es;
		put64(nonce, ++w->nonce);
		if (smb2_encrypt(es->cipher, es->c2s, es->id, nonce, f, len, m))
			feed(conn, m, len + 52, NULL, NULL);
	} else {
		feed(conn, f, len, NULL, NULL);
	}
	free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t i = 0;

	memset(slots, 0, sizeof(slots));
	next_slot = 0;
	while (i < size) {
		uint8_t op = data[i++];
		if (i >= size)
			break;
		int conn = data[i++] % NCONN;
		conn_open(conn);
		if (op == OP_LOGON) {
			if (i + 2 > size)
				break;
			logon(conn, data[i], data[i + 1]);
			i += 2;
		} else if (op == OP_MSG || op == OP_RAW) {
			size_t hl = op == OP_MSG ? 5 : 2;
			if (i + hl > size)
				break;
			size_t len = get16(data + i + hl - 2);
			if (len > size - i - hl)
				len = size - i - hl;
			if (op == OP_MSG) {
				const struct slot *ss = &slots[data[i] % NSLOT], *es = &slots[data[i + 1] % NSLOT];
				send_msg(conn, ss->valid ? ss : NULL, es->valid ? es : NULL, data[i + 2],
					 data + i + hl, len);
			} else {
				feed(conn, data + i + hl, len, NULL, NULL);
			}
			i += hl + len;
		} else if (op == OP_CLOSE) {
			conn_end(conn);
		} else {
			break;
		}
		if (conns[conn].nc && conns[conn].nc->closed)
			conn_end(conn);
	}
	/* Time passes at the end of an input: unanswered breaks time out, then the clients go. */
	fake_net_fire_timers(false);
	fake_net_run_tasks();
	for (int c = 0; c < NCONN; c++)
		conn_end(c);
	fake_net_fire_timers(true);
	/* A request leaves its thread with its user's credentials (vfs_become): take the
	 * server's back, so the share is cleaned and libFuzzer writes its files as itself. */
	vfs_become_server();
	nftw(share_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	if (getenv("FUZZ_DISPATCH_STATS"))
		fprintf(stderr, "fuzz_dispatch: %lu logons, %lu post-auth successes, %lu encrypted\n",
			stat_logons, stat_post_auth_ok, stat_encrypted_ok);
	return 0;
}
