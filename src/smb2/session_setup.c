/* SPDX-License-Identifier: Apache-2.0 */
/* SESSION_SETUP (MS-SMB2 3.3.5.5) and LOGOFF (3.3.5.6): authentication, identity, keys. */
#include <ctype.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "smb2/smb2.h"
#include "smb2/wire/negotiate.h"
#include "smb2/wire/session_setup.h"

#define SMB2_MAX_SESSIONS_PER_CONN 64

static unsigned count_sessions(const struct smb2_conn *c)
{
	unsigned n = 0;
	for (const struct smb2_session *s = c->sessions; s; s = s->next)
		n++;
	return n;
}

/* Map the authenticated name to the Unix account of the same name (per-user identity mode). */
static NTSTATUS map_identity(struct smb2_session *s, const char *unix_name)
{
	struct passwd pw, *pwp = NULL;
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
	/* SMB names are case-insensitive, Unix account names are not: "TUSER" logs on as the
	 * account "tuser" when no account of the exact spelling exists. */
	char lower[256];
	size_t i;
	for (i = 0; unix_name[i] && i < sizeof(lower) - 1; i++)
		lower[i] = (char)tolower((unsigned char)unix_name[i]);
	lower[i] = '\0';
	if ((getpwnam_r(unix_name, &pw, buf, sizeof(buf), &pwp) != 0 || !pwp) &&
	    (getpwnam_r(lower, &pw, buf, sizeof(buf), &pwp) != 0 || !pwp)) {
		log_warn("user '%s' authenticated but has no Unix account; refused", unix_name);
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
	log_info("%s: session %llx: %s%s%s logged on%s", c->peer, (unsigned long long)s->id,
		 res->domain[0] ? res->domain : "", res->domain[0] ? "\\" : "",
		 res->anonymous ? "(anonymous)" : res->user, s->signing_required ? " (signed)" : "");
	return STATUS_SUCCESS;
}

NTSTATUS smb2_session_setup(struct smb2_req *req)
{
	struct smb2_conn *c = req->conn;
	struct smb2_session_setup_req in;
	struct smb2_session *s;
	uint8_t *token = NULL;
	size_t token_len = 0;
	uint16_t flags = 0;
	bool fresh = false, reauth = false;
	NTSTATUS st;

	st = smb2_session_setup_req_decode(req->msg, req->len, &in);
	if (st != STATUS_SUCCESS)
		return st;
	if (in.flags & SMB2_SESSION_FLAG_BINDING)
		return STATUS_REQUEST_NOT_ACCEPTED;   /* multichannel is not offered */

	if (req->hdr.session_id == 0) {
		if (count_sessions(c) >= SMB2_MAX_SESSIONS_PER_CONN)
			return STATUS_INSUFFICIENT_RESOURCES;
		s = smb2_session_new(c);
		if (!s)
			return STATUS_NO_MEMORY;
		fresh = true;
	} else {
		s = req->sess ? req->sess : smb2_session_find(c, req->hdr.session_id);
		if (!s)
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
		/* While authenticating the response is not signed (no key yet for a new session). */
		req->no_sign = true;
	} else if (st == STATUS_SUCCESS) {
		st = session_complete(req, s, reauth, &flags);
		if (st != STATUS_SUCCESS)
			goto fail;
		auth_ctx_free(s->auth);
		s->auth = NULL;
		s->reauth_in_progress = false;
	} else {
		goto fail;
	}
	struct smb2_session_setup_rsp rsp = {
		.session_flags = flags,
		.security_buffer = token,
		.security_buffer_len = (uint16_t)token_len,
	};
	smb2_session_setup_rsp_encode(req->out, req->hdr_off, &rsp);
	free(token);
	return st;

fail:
	free(token);
	log_info("%s: session setup failed: %s", c->peer, nt_status_name(st));
	req->sess = NULL;     /* the failure response is not signed */
	/* A failed logon deletes the session, a failed re-authentication too (as Windows does). */
	smb2_session_destroy(c, s);
	(void)fresh;
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
