/* SPDX-License-Identifier: Apache-2.0 */
/* NEGOTIATE (MS-SMB2 3.3.5.4) and the SMB1 multi-protocol upgrade (3.3.5.3.1). */
#include <string.h>

#include "core/buf.h"
#include "core/config.h"
#include "core/log.h"
#include "net/net.h"
#include "smb2/conn.h"
#include "smb2/handlers.h"
#include "smb2/persist.h"
#include "smb2/req.h"
#include "smb2/server.h"
#include "smb2/wire/negotiate.h"
#include "smb2/wire/smb1_negotiate.h"

static const uint16_t dialect_preference[] = {
	SMB2_DIALECT_311, SMB2_DIALECT_302, SMB2_DIALECT_300, SMB2_DIALECT_210, SMB2_DIALECT_202,
};

static uint16_t pick_dialect(const struct cfg_global *g, const struct smb2_u16_list *offered)
{
	for (size_t i = 0; i < sizeof(dialect_preference) / sizeof(dialect_preference[0]); i++) {
		uint16_t d = dialect_preference[i];
		if (d >= g->min_protocol && d <= g->max_protocol && smb2_u16_list_has(offered, d))
			return d;
	}
	return 0;
}

static uint16_t security_mode(const struct smb2_server *srv)
{
	uint16_t mode = SMB2_NEGOTIATE_SIGNING_ENABLED;
	if (srv->cfg->g.signing == CFG_SIGNING_MANDATORY)
		mode |= SMB2_NEGOTIATE_SIGNING_REQUIRED;
	return mode;
}

bool smb2_conn_dir_leasing(const struct smb2_conn *c, uint16_t dialect)
{
	return dialect >= SMB2_DIALECT_300 && (c->client_caps & SMB2_GLOBAL_CAP_DIRECTORY_LEASING);
}

uint32_t smb2_server_caps(const struct smb2_conn *c, uint16_t dialect)
{
	/* Leases (lease.c) from 2.1 on; directory leases (v2 only) from 3.0 on, to a client that
	 * announced them (as Samba and Windows answer: a client without them, impacket's for one,
	 * may not cope with the capability). The capabilities are the server's: a share with
	 * `leases = no` ignores every lease request instead (MS-SMB2 3.3.5.9.8: it acts as a
	 * server that does not support leasing). */
	uint32_t caps = dialect >= SMB2_DIALECT_210
				? SMB2_GLOBAL_CAP_LARGE_MTU | SMB2_GLOBAL_CAP_LEASING : 0;
	if (smb2_conn_dir_leasing(c, dialect))
		caps |= SMB2_GLOBAL_CAP_DIRECTORY_LEASING;

	/* 3.0/3.0.2 announce encryption (AES-128-CCM) by capability; 3.1.1 by context. */
	if (dialect >= SMB2_DIALECT_300)
		caps |= SMB2_GLOBAL_CAP_MULTI_CHANNEL;   /* session binding, session_setup.c */
	/* Persistent handles (persist.c) when a share is continuously available (MS-SMB2
	 * 3.3.5.4: 3.x only). */
	if (dialect >= SMB2_DIALECT_300 && smb2_persist_enabled(c->srv))
		caps |= SMB2_GLOBAL_CAP_PERSISTENT_HANDLES;
	if ((dialect == SMB2_DIALECT_300 || dialect == SMB2_DIALECT_302) &&
	    (c->client_caps & SMB2_GLOBAL_CAP_ENCRYPTION) && c->srv->cfg->g.encrypt != CFG_ENCRYPT_OFF)
		caps |= SMB2_GLOBAL_CAP_ENCRYPTION;
	return caps;
}

static void fill_rsp(struct smb2_conn *c, struct smb2_negotiate_rsp *rsp, uint16_t dialect)
{
	struct smb2_server *srv = c->srv;
	bool large = dialect >= SMB2_DIALECT_210;

	*rsp = (struct smb2_negotiate_rsp){
		.security_mode = security_mode(srv),
		.dialect_revision = dialect,
		.capabilities = smb2_server_caps(c, dialect),
		.max_transact_size = large ? srv->max_trans : 65536,
		.max_read_size = large ? srv->max_read : 65536,
		.max_write_size = large ? srv->max_write : 65536,
		.system_time = smb2_nttime_now(),
		.server_start_time = 0,
		.security_buffer = srv->neg_token,
		.security_buffer_len = (uint16_t)srv->neg_token_len,
	};
	memcpy(rsp->server_guid, srv->server_guid, 16);
	/* What is announced is what the handlers enforce (MS-SMB2 3.3.5.12, 3.3.5.13, ...). */
	c->max_read = rsp->max_read_size;
	c->max_write = rsp->max_write_size;
	c->max_trans = rsp->max_transact_size;
}

/* 3.1.1 negotiate contexts: preauth (required), signing, and the ones we only record. */
static NTSTATUS negotiate_contexts(struct smb2_conn *c, const struct smb2_negotiate_req *in)
{
	const struct smb2_neg_context *ctx;
	struct smb2_preauth_caps pre;
	NTSTATUS st;

	ctx = smb2_negotiate_req_find(in, SMB2_PREAUTH_INTEGRITY_CAPABILITIES);
	if (!ctx)
		return STATUS_INVALID_PARAMETER;
	st = smb2_neg_preauth_decode(ctx, &pre);
	if (st != STATUS_SUCCESS)
		return st;
	if (!smb2_u16_list_has(&pre.hash_algorithms, SMB2_PREAUTH_INTEGRITY_SHA512))
		return STATUS_SMB_NO_PREAUTH_INTEGRITY_HASH_OVERLAP;

	c->sign_alg = SMB2_SIGN_AES_CMAC;
	ctx = smb2_negotiate_req_find(in, SMB2_SIGNING_CAPABILITIES);
	if (ctx) {
		struct smb2_signing_caps sc;
		st = smb2_neg_signing_decode(ctx, &sc);
		if (st != STATUS_SUCCESS)
			return st;
		/* Server preference: GMAC (fastest), then CMAC, then HMAC-SHA256. */
		if (smb2_u16_list_has(&sc.algorithms, SMB2_SIGNING_AES_GMAC))
			c->sign_alg = SMB2_SIGN_AES_GMAC;
		else if (smb2_u16_list_has(&sc.algorithms, SMB2_SIGNING_AES_CMAC))
			c->sign_alg = SMB2_SIGN_AES_CMAC;
		else if (smb2_u16_list_has(&sc.algorithms, SMB2_SIGNING_HMAC_SHA256))
			c->sign_alg = SMB2_SIGN_HMAC_SHA256;
		c->signing_ctx = true;
	}
	ctx = smb2_negotiate_req_find(in, SMB2_ENCRYPTION_CAPABILITIES);
	if (ctx) {
		struct smb2_encryption_caps ec;
		st = smb2_neg_encryption_decode(ctx, &ec);
		if (st != STATUS_SUCCESS)
			return st;
		/* Server preference: AES-128-GCM (fastest), AES-128-CCM, AES-256-GCM, AES-256-CCM. */
		static const uint16_t pref[] = { SMB2_ENCRYPTION_AES128_GCM, SMB2_ENCRYPTION_AES128_CCM,
						 SMB2_ENCRYPTION_AES256_GCM, SMB2_ENCRYPTION_AES256_CCM };
		c->cipher_ctx = true;
		if (c->srv->cfg->g.encrypt != CFG_ENCRYPT_OFF)
			for (size_t i = 0; i < sizeof(pref) / sizeof(pref[0]); i++)
				if (smb2_u16_list_has(&ec.ciphers, pref[i])) {
					c->cipher = (enum smb2_cipher)pref[i];
					break;
				}
	}
	ctx = smb2_negotiate_req_find(in, SMB2_NETNAME_NEGOTIATE_CONTEXT_ID);
	if (ctx) {
		struct smb2_netname nn;
		st = smb2_neg_netname_decode(ctx, &nn);
		if (st != STATUS_SUCCESS)
			return st;
	}
	ctx = smb2_negotiate_req_find(in, SMB2_COMPRESSION_CAPABILITIES);
	if (ctx) {
		struct smb2_compression_caps cc;
		st = smb2_neg_compression_decode(ctx, &cc);
		if (st != STATUS_SUCCESS)
			return st;
	}
	return STATUS_SUCCESS;
}

NTSTATUS smb2_negotiate(struct smb2_req *req)
{
	struct smb2_conn *c = req->conn;
	struct smb2_negotiate_req in;
	struct smb2_negotiate_rsp rsp;
	NTSTATUS st;

	/* 3.3.5.3.1: a second NEGOTIATE is a protocol error (after the SMB1 upgrade to 0x02FF the
	 * client's SMB2 NEGOTIATE is expected). */
	if (c->negotiated && !(c->smb1_upgraded && c->dialect == SMB2_DIALECT_WILDCARD)) {
		net_conn_close(c->net);
		return STATUS_INVALID_PARAMETER;
	}
	st = smb2_negotiate_req_decode(req->msg, req->len, &in);
	if (st != STATUS_SUCCESS)
		return st;
	uint16_t dialect = pick_dialect(&c->srv->cfg->g, &in.dialects);
	if (!dialect)
		return STATUS_NOT_SUPPORTED;

	c->client_caps = in.capabilities;
	c->client_security_mode = in.security_mode;
	memcpy(c->client_guid, in.client_guid, 16);
	c->sign_alg = dialect >= SMB2_DIALECT_300 ? SMB2_SIGN_AES_CMAC : SMB2_SIGN_HMAC_SHA256;

	c->cipher = SMB2_CIPHER_NONE;
	fill_rsp(c, &rsp, dialect);
	if (rsp.capabilities & SMB2_GLOBAL_CAP_ENCRYPTION)
		c->cipher = SMB2_CIPHER_AES128_CCM;
	struct smb2_neg_context ctxs[3];
	uint8_t pre_buf[SMB2_NEG_PREAUTH_RSP_LEN], sign_buf[SMB2_NEG_ONE_ID_RSP_LEN];
	uint8_t enc_buf[SMB2_NEG_ONE_ID_RSP_LEN];
	if (dialect == SMB2_DIALECT_311) {
		uint8_t salt[SMB2_PREAUTH_SALT_SIZE];
		st = negotiate_contexts(c, &in);
		if (st != STATUS_SUCCESS)
			return st;
		if (!crypto_random(salt, sizeof(salt)))
			return STATUS_INTERNAL_ERROR;
		smb2_neg_ctx_preauth(&ctxs[0], pre_buf, salt);
		rsp.contexts = ctxs;
		rsp.context_count = 1;
		if (c->signing_ctx) {
			static const uint16_t wire_alg[] = {
				[SMB2_SIGN_HMAC_SHA256] = SMB2_SIGNING_HMAC_SHA256,
				[SMB2_SIGN_AES_CMAC] = SMB2_SIGNING_AES_CMAC,
				[SMB2_SIGN_AES_GMAC] = SMB2_SIGNING_AES_GMAC,
			};
			smb2_neg_ctx_signing(&ctxs[rsp.context_count++], sign_buf, wire_alg[c->sign_alg]);
		}
		/* 3.3.5.4: answer an encryption context with our choice, 0 when none is shared. */
		if (c->cipher_ctx)
			smb2_neg_ctx_encryption(&ctxs[rsp.context_count++], enc_buf, (uint16_t)c->cipher);
		/* MS-SMB2 3.3.5.4: the connection's hash starts over from this request. */
		memset(c->preauth, 0, sizeof(c->preauth));
		if (!crypto_preauth_update(c->preauth, req->msg, req->len))
			return STATUS_INTERNAL_ERROR;
		req->preauth_rsp = c->preauth;
	}
	c->dialect = dialect;
	c->negotiated = true;
	smb2_negotiate_rsp_encode(req->out, req->hdr_off, &rsp);
	log_debug("%s: negotiated %s", c->peer, cfg_dialect_name(dialect));
	return STATUS_SUCCESS;
}

/*
 * An SMB1 NEGOTIATE listing SMB2 dialects gets an SMB2 NEGOTIATE response: 0x02FF when the client
 * also offers "SMB 2.???" (it will send an SMB2 NEGOTIATE next), else 0x0202 directly.
 */
void smb2_smb1_negotiate(struct smb2_conn *c, const uint8_t *frame, size_t len)
{
	struct smb1_negotiate_req in;
	struct smb2_negotiate_rsp rsp;
	uint16_t dialect;
	struct wr w;

	if (smb1_negotiate_req_decode(frame, len, &in) != STATUS_SUCCESS) {
		net_conn_close(c->net);
		return;
	}
	if (in.smb2_wildcard && c->srv->cfg->g.max_protocol >= SMB2_DIALECT_210)
		dialect = SMB2_DIALECT_WILDCARD;
	else if (in.smb2_002 && c->srv->cfg->g.min_protocol <= SMB2_DIALECT_202)
		dialect = SMB2_DIALECT_202;
	else {
		log_info("%s: SMB1-only client refused", c->peer);
		net_conn_close(c->net);
		return;
	}
	wr_init(&w, 512);
	wr_zero(&w, 4);
	struct smb2_hdr h = {
		.command = SMB2_NEGOTIATE,
		.credits = 1,
		.flags = SMB2_FLAGS_SERVER_TO_REDIR,
	};
	smb2_hdr_encode(&w, &h);
	fill_rsp(c, &rsp, dialect);
	smb2_negotiate_rsp_encode(&w, 4, &rsp);
	if (w.failed) {
		wr_free(&w);
		net_conn_close(c->net);
		return;
	}
	c->negotiated = true;
	c->smb1_upgraded = true;
	c->dialect = dialect;
	c->sign_alg = SMB2_SIGN_HMAC_SHA256;
	/* The SMB1 request used message id 0; the SMB2 NEGOTIATE that follows uses 1. */
	smb2_credits_reset(&c->credits, 1);
	size_t olen;
	uint8_t *buf = wr_steal(&w, &olen);
	net_conn_send(c->net, buf, olen - 4);
}
