/* SPDX-License-Identifier: Apache-2.0 */
/* SESSION_SETUP (MS-SMB2 3.3.5.5) and LOGOFF (3.3.5.6): authentication, identity, keys, and the
 * binding of a session to another connection (3.3.5.5.2, multichannel). */
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "auth/identity.h"
#include "auth/throttle.h"
#include "core/config.h"
#include "core/log.h"
#include "net/net.h"
#include "smb2/conn.h"
#include "smb2/handlers.h"
#include "smb2/req.h"
#include "smb2/server.h"
#include "smb2/session.h"
#include "smb2/wire/negotiate.h"
#include "smb2/wire/session_setup.h"
#include "vfs/vfs.h"

/*
 * A failed logon: logged (at a rate that cannot flood the log), and its answer held back by
 * `failed logon delay` after the last failure from the same address (auth/throttle.h), unless
 * the compound's answer already waits longer.
 */
static void logon_failed(struct smb2_req *req, const char *who, NTSTATUS st)
{
	struct smb2_conn *c = req->conn;
	struct smb2_server *srv = c->srv;
	uint64_t now = net_now_ms();
	unsigned long suppressed = 0;
	char name[128];
	size_t i;

	/* The name comes from an unauthenticated client: no control characters into the log. */
	for (i = 0; who[i] && i < sizeof(name) - 1; i++)
		name[i] = (unsigned char)who[i] < 0x20 || who[i] == 0x7f ? '?' : who[i];
	name[i] = '\0';
	who = name;
	if (ratelimit_allow(&srv->failed_logon_log, now, &suppressed)) {
		if (suppressed)
			log_warn("%s: failed logon%s%s: %s (%lu more failed logons not logged)", c->peer,
				 who[0] ? " as " : "", who, nt_status_name(st), suppressed);
		else
			log_warn("%s: failed logon%s%s: %s", c->peer, who[0] ? " as " : "", who,
				 nt_status_name(st));
	}
	if (srv->throttle) {
		uint64_t due = auth_throttle_failed(srv->throttle, c->peer, now);
		if (due > req->cmp->answer_at)
			req->cmp->answer_at = due;
	}
}

/* Map the authenticated name to the Unix account of the same name (per-user identity mode),
 * which must pass the uid rule (`min uid`, `allow root logon`) at every logon: users.db may
 * predate the rule, or the account's uid may have changed since it was added. A refusal is
 * STATUS_LOGON_FAILURE, not STATUS_ACCOUNT_RESTRICTION: it comes after the password was
 * verified, and a distinct status would tell a guesser that root's password was right. */
static NTSTATUS map_identity(struct smb2_session *s, const char *unix_name)
{
	const struct cfg_global *g = &s->srv->cfg->g;
	struct passwd pw;
	char buf[4096];
	int ngroups = (int)(sizeof(s->groups) / sizeof(s->groups[0]));

	if (!vfs_running_as_root()) {
		/* Single-identity mode: every file operation runs as the server's own user. */
		s->ident.uid = geteuid();
		s->ident.gid = getegid();
		s->ident.ngroups = 0;
		s->ident.groups = s->groups;
		return STATUS_SUCCESS;
	}
	if (!auth_unix_account(unix_name, &pw, buf, sizeof(buf))) {
		log_warn("user '%s' authenticated but has no Unix account; refused", unix_name);
		return STATUS_LOGON_FAILURE;
	}
	switch (auth_uid_check(pw.pw_uid, g->min_uid, g->allow_root_logon)) {
	case AUTH_UID_OK:
		break;
	case AUTH_UID_ROOT:
		log_warn("user '%s' acts as Unix account '%s' (uid 0): refused (allow root logon = no)",
			 unix_name, pw.pw_name);
		return STATUS_LOGON_FAILURE;
	case AUTH_UID_BELOW_MIN:
		log_warn("user '%s' acts as Unix account '%s' (uid %u), below min uid %u: refused",
			 unix_name, pw.pw_name, (unsigned)pw.pw_uid, g->min_uid);
		return STATUS_LOGON_FAILURE;
	}
	if (getgrouplist(pw.pw_name, pw.pw_gid, s->groups, &ngroups) < 0)
		ngroups = (int)(sizeof(s->groups) / sizeof(s->groups[0]));   /* truncated list */
	s->ident.uid = pw.pw_uid;
	s->ident.gid = pw.pw_gid;
	s->ident.ngroups = ngroups;
	s->ident.groups = s->groups;
	return STATUS_SUCCESS;
}

/* Authentication finished: identity, keys and signing policy of the session. */
static NTSTATUS session_complete(struct smb2_req *req, struct smb2_session *s, bool reauth,
				 uint16_t *flags)
{
	struct smb2_conn *c = req->conn;
	const struct auth_result *res = auth_ctx_result(s->auth);
	const char *unix_name = res->user;
	NTSTATUS st;

	if (res->anonymous) {
		unix_name = "nobody";
		*flags = SMB2_SESSION_FLAG_IS_NULL;
	} else if (res->guest) {
		*flags = SMB2_SESSION_FLAG_IS_GUEST;
	}
	if (reauth && strcmp(s->user, res->user) != 0)
		/* The session keeps its keys and opens but acts as the new user from now on, as
		 * Windows and Samba do (smbtorture smb2.session.reauth2 re-authenticates anonymously). */
		log_info("%s: session %llx re-authenticated as %s", c->peer, (unsigned long long)s->id,
			 res->anonymous ? "(anonymous)" : res->user);
	st = map_identity(s, unix_name);
	if (st != STATUS_SUCCESS)
		return st;
	snprintf(s->user, sizeof(s->user), "%s", res->user);
	snprintf(s->domain, sizeof(s->domain), "%s", res->domain);
	s->anonymous = res->anonymous;
	s->guest = res->guest;
	if (!reauth) {
		if (res->has_session_key && !res->anonymous) {
			memcpy(s->session_key, res->session_key, 16);
			smb2_session_derive_keys(c, s);
			if (!s->keys_valid)
				return STATUS_INTERNAL_ERROR;
			s->signing_required =
				c->srv->cfg->g.signing == CFG_SIGNING_MANDATORY ||
				(c->client_security_mode & SMB2_NEGOTIATE_SIGNING_REQUIRED) ||
				(req->hdr.flags & SMB2_FLAGS_SIGNED);
			int enc = c->srv->cfg->g.encrypt;
			if (s->cipher_keys_valid &&
			    (enc == CFG_ENCRYPT_DESIRED || enc == CFG_ENCRYPT_REQUIRED)) {
				s->encrypt_data = true;
				*flags |= SMB2_SESSION_FLAG_ENCRYPT_DATA;
			} else if (enc == CFG_ENCRYPT_REQUIRED) {
				log_info("%s: encryption required but the client cannot encrypt", c->peer);
				return STATUS_ACCESS_DENIED;
			}
			/* The session's first channel signs with the session's key. */
			if (req->chan) {
				memcpy(req->chan->signing_key, s->signing_key, 16);
				req->chan->key_valid = true;
			}
			/* 3.3.5.5.3: on 3.1.1 the final response is signed in any case, which
			 * proves the preauth hash both sides computed. */
			if (c->dialect == SMB2_DIALECT_311) {
				memcpy(req->sign_key_copy, s->signing_key, 16);
				req->sign_key_override = req->sign_key_copy;
			}
		} else if (c->srv->cfg->g.signing == CFG_SIGNING_MANDATORY && !res->anonymous) {
			/* A guest has no key to sign with: with signing mandatory it cannot log on. */
			return STATUS_ACCESS_DENIED;
		}
	}
	s->state = SESSION_VALID;
	net_conn_set_authenticated(c->net);   /* full-size frames from now on */
	log_info("%s: session %llx: %s%s%s logged on%s", c->peer, (unsigned long long)s->id,
		 res->domain[0] ? res->domain : "", res->domain[0] ? "\\" : "",
		 res->anonymous ? "(anonymous)" : res->user, s->signing_required ? " (signed)" : "");
	return STATUS_SUCCESS;
}

/* The SESSION_SETUP response carrying the next authentication token (which it frees). */
static void respond(struct smb2_req *req, uint16_t flags, uint8_t *token, size_t token_len)
{
	struct smb2_session_setup_rsp rsp = {
		.session_flags = flags,
		.security_buffer = token,
		.security_buffer_len = (uint16_t)token_len,
	};

	smb2_session_setup_rsp_encode(req->out, req->hdr_off, &rsp);
	free(token);
}

/* The same account as the session's (MS-SMB2 3.3.5.5.2: a binding authenticates its user). */
static bool same_user(const struct smb2_session *s, const struct auth_result *res)
{
	return !res->anonymous && !res->guest && !s->anonymous && !s->guest &&
	       strcasecmp(s->user, res->user) == 0 && strcasecmp(s->domain, res->domain) == 0;
}

/*
 * MS-SMB2 3.3.5.5.3: a new session naming a PreviousSessionId of the same user ends that one,
 * as a lost connection would (its durable opens wait for a reconnect; smbtorture
 * session.reconnect1, durable-open.reopen1a). It may be bound to another connection, whose
 * requests then find it gone. The new session's lock is let go meanwhile (a thread holds one
 * session lock at most); the new session is on this connection only, so nothing else uses it.
 */
static void previous_session_end(struct smb2_req *req, struct smb2_session *s, uint64_t prev_id)
{
	struct smb2_session *old = prev_id && prev_id != s->id && !s->anonymous && !s->guest
					   ? smb2_session_get(req->conn->srv, prev_id) : NULL;

	if (!old)
		return;
	pthread_mutex_unlock(&s->lock);
	pthread_mutex_lock(&old->lock);
	if (!old->unlinked && old->state == SESSION_VALID && !old->anonymous && !old->guest &&
	    strcasecmp(old->user, s->user) == 0 && strcasecmp(old->domain, s->domain) == 0) {
		log_info("%s: session %llx replaces session %llx", req->conn->peer,
			 (unsigned long long)s->id, (unsigned long long)old->id);
		smb2_session_destroy(req->conn, old);
	}
	pthread_mutex_unlock(&old->lock);
	smb2_session_put(old);
	pthread_mutex_lock(&s->lock);
}

/*
 * A SESSION_SETUP with SMB2_SESSION_FLAG_BINDING: authenticate the session's user again on this
 * connection and give it a channel with its own signing key (3.3.5.5.2, 3.3.5.5.3). A failure
 * leaves the session as it was on its other connections.
 */
static NTSTATUS session_bind(struct smb2_req *req, const struct smb2_session_setup_req *in)
{
	struct smb2_conn *c = req->conn;
	struct smb2_session *s = req->sess;
	struct smb2_channel *ch = req->chan;
	uint8_t *token = NULL;
	size_t token_len = 0;
	uint8_t key[16];
	NTSTATUS st;

	struct smb2_bind_check chk = {
		.session_id = req->hdr.session_id,
		.found = s != NULL,
		.signed_flag = (req->hdr.flags & SMB2_FLAGS_SIGNED) != 0,
		.signature_ok = req->sess_sig_ok,
		.multichannel = true,
		.conn_dialect = c->dialect,
		.conn_sign_alg = c->sign_alg,
		.conn_cipher = c->cipher,
	};
	if (s) {
		chk.sess_dialect = s->dialect;
		chk.sess_sign_alg = s->sign_alg;
		chk.sess_cipher = s->cipher;
		chk.same_client = memcmp(c->client_guid, s->client_guid, sizeof(s->client_guid)) == 0;
		chk.state = s->state;
		chk.anonymous_or_guest = s->anonymous || s->guest || !s->keys_valid;
		chk.channel_bound = ch && !ch->binding;
		chk.channel_binding = ch && ch->binding;
		chk.nchannels = s->nchannels;
	}
	st = smb2_bind_check(&chk);
	if (st != STATUS_SUCCESS) {
		log_info("%s: binding to session %llx refused: %s", c->peer,
			 (unsigned long long)req->hdr.session_id, nt_status_name(st));
		return st;
	}
	if (!s)   /* refused above (chk.found); said again for clang's analyzer */
		return STATUS_USER_SESSION_DELETED;
	req->rsp_session_id = s->id;
	if (!ch) {
		ch = smb2_channel_attach(c, s);
		if (!ch)
			return STATUS_INSUFFICIENT_RESOURCES;
		ch->binding = true;
		ch->bind_auth = auth_ctx_new(&c->srv->auth_cfg);
		/* 3.3.5.5.3: the channel's hash starts from this connection's NEGOTIATE. */
		memcpy(ch->bind_preauth, c->preauth, sizeof(ch->bind_preauth));
		req->chan = ch;
		if (!ch->bind_auth) {
			st = STATUS_NO_MEMORY;
			goto fail;
		}
	}
	if (c->dialect == SMB2_DIALECT_311 &&
	    !crypto_preauth_update(ch->bind_preauth, req->msg, req->len)) {
		st = STATUS_INTERNAL_ERROR;
		goto fail;
	}
	st = auth_ctx_step(ch->bind_auth, in->security_buffer, in->security_buffer_len, &token,
			   &token_len);
	if (st == STATUS_MORE_PROCESSING_REQUIRED) {
		/* Signed with Session.SigningKey (req->sess_sig_ok), then hashed as sent. */
		if (c->dialect == SMB2_DIALECT_311)
			req->preauth_rsp = ch->bind_preauth;
	} else if (st == STATUS_SUCCESS) {
		const struct auth_result *res = auth_ctx_result(ch->bind_auth);
		if (!same_user(s, res)) {
			log_info("%s: binding to session %llx as another user refused", c->peer,
				 (unsigned long long)s->id);
			st = STATUS_ACCESS_DENIED;
			goto fail;
		}
		if (!res->has_session_key) {
			st = STATUS_NOT_SUPPORTED;   /* see 3.3.5.2.4: nothing to sign with */
			goto fail;
		}
		/* 3.3.5.5.3: Channel.SigningKey from this authentication's key, with the channel's
		 * preauth hash on 3.1.1. */
		if (!smb2_derive_signing_key(c->dialect, res->session_key, ch->bind_preauth, key)) {
			explicit_bzero(key, sizeof(key));
			st = STATUS_INTERNAL_ERROR;
			goto fail;
		}
		memcpy(ch->signing_key, key, sizeof(key));
		explicit_bzero(key, sizeof(key));
		ch->key_valid = true;
		ch->binding = false;
		net_conn_set_authenticated(c->net);
		auth_ctx_free(ch->bind_auth);
		ch->bind_auth = NULL;
		explicit_bzero(ch->bind_preauth, sizeof(ch->bind_preauth));
		log_info("%s: session %llx bound to this connection (%u channels)", c->peer,
			 (unsigned long long)s->id, s->nchannels);
	} else {
		goto fail;
	}
	respond(req, 0, token, token_len);
	return st;

fail:
	free(token);
	log_info("%s: binding to session %llx failed: %s", c->peer, (unsigned long long)s->id,
		 nt_status_name(st));
	logon_failed(req, ch->bind_auth ? auth_ctx_tried_user(ch->bind_auth) : "", st);
	smb2_channel_detach(c, ch);
	req->chan = NULL;
	return st;
}

NTSTATUS smb2_session_setup(struct smb2_req *req)
{
	struct smb2_conn *c = req->conn;
	struct smb2_session_setup_req in;
	struct smb2_session *s;
	uint8_t *token = NULL;
	size_t token_len = 0;
	uint16_t flags = 0;
	bool reauth = false;
	NTSTATUS st;

	st = smb2_session_setup_req_decode(req->msg, req->len, &in);
	if (st != STATUS_SUCCESS)
		return st;
	/* Failed logons wait for their answer without a thread; a client piling up more on one
	 * connection is refused before any password is checked, so this tells it nothing. */
	if (net_conn_delayed(c->net) >= SMB2_MAX_DELAYED_ANSWERS)
		return STATUS_REQUEST_NOT_ACCEPTED;
	if (in.flags & SMB2_SESSION_FLAG_BINDING)
		return session_bind(req, &in);

	if (req->hdr.session_id == 0) {
		/* No session is held here (the header names none), so others may be locked. */
		if (smb2_conn_prune_channels(c) >= SMB2_MAX_SESSIONS_PER_CONN)
			return STATUS_INSUFFICIENT_RESOURCES;
		s = smb2_session_new(c);
		if (!s)
			return STATUS_NO_MEMORY;
		req->held = s;
		req->chan = smb2_channel_of(c, s);
	} else {
		s = req->sess;
		if (!s)
			return STATUS_USER_SESSION_DELETED;
		/* 3.3.5.5: without the binding flag, only a session of this connection; one bound
		 * elsewhere is left alone (its answer is signed if the request was, 3.3.5.2.4). */
		if (!req->chan || req->chan->binding)
			return STATUS_USER_SESSION_DELETED;
		reauth = s->state != SESSION_IN_PROGRESS;
	}
	req->sess = s;
	req->rsp_session_id = s->id;

	if (!s->auth) {
		s->auth = auth_ctx_new(&c->srv->auth_cfg);
		if (!s->auth) {
			st = STATUS_NO_MEMORY;
			goto fail;
		}
		if (reauth) {
			/* MS-SMB2 3.3.5.5.2: re-authentication restarts from the connection's hash. */
			memcpy(s->preauth, c->preauth, sizeof(s->preauth));
			s->reauth_in_progress = true;
		}
	}
	reauth = s->reauth_in_progress;
	if (c->dialect == SMB2_DIALECT_311 && !crypto_preauth_update(s->preauth, req->msg, req->len)) {
		st = STATUS_INTERNAL_ERROR;
		goto fail;
	}

	st = auth_ctx_step(s->auth, in.security_buffer, in.security_buffer_len, &token, &token_len);
	if (st == STATUS_MORE_PROCESSING_REQUIRED) {
		if (c->dialect == SMB2_DIALECT_311)
			req->preauth_rsp = s->preauth;
		/* A new session has no key to sign with yet. A re-authentication's answer is signed
		 * as any other of the session when its request was (3.3.4.1.1): a client that
		 * requires signing refuses an unsigned one (smbtorture smb2.session.reauth1). */
		req->no_sign = !reauth;
	} else if (st == STATUS_SUCCESS) {
		st = session_complete(req, s, reauth, &flags);
		if (st != STATUS_SUCCESS)
			goto fail;
		auth_ctx_free(s->auth);
		s->auth = NULL;
		s->reauth_in_progress = false;
		if (!reauth)
			previous_session_end(req, s, in.previous_session_id);
	} else {
		goto fail;
	}
	respond(req, flags, token, token_len);
	return st;

fail:
	free(token);
	logon_failed(req, s->auth ? auth_ctx_tried_user(s->auth) : "", st);
	/* The failure of a re-authentication whose request was signed is signed too, as Samba
	 * does (smb2.session.reauth6): with the channel's key, copied before the session and its
	 * keys go. A failed first logon has no key, its answer goes unsigned. */
	if (reauth && req->sig_verified && req->chan && req->chan->key_valid) {
		memcpy(req->sign_key_copy, req->chan->signing_key, sizeof(req->sign_key_copy));
		req->sign_key_override = req->sign_key_copy;
	}
	req->sess = NULL;
	/* A failed logon deletes the session, a failed re-authentication too (as Windows does),
	 * on every connection it is bound to. */
	smb2_session_destroy(c, s);
	req->chan = NULL;
	return st;
}

NTSTATUS smb2_logoff(struct smb2_req *req)
{
	NTSTATUS st = smb2_logoff_req_decode(req->msg, req->len);

	if (st != STATUS_SUCCESS)
		return st;
	/* The session stays as a tombstone, so the response is still signed with its key. */
	smb2_session_logoff(req->conn, req->sess);
	smb2_logoff_rsp_encode(req->out, req->hdr_off);
	return STATUS_SUCCESS;
}
