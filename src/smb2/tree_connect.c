/* SPDX-License-Identifier: Apache-2.0 */
/* TREE_CONNECT and TREE_DISCONNECT (MS-SMB2 3.3.5.7, 3.3.5.8). */
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/config.h"
#include "core/log.h"
#include "core/utf16.h"
#include "smb2/conn.h"
#include "smb2/handlers.h"
#include "smb2/persist.h"
#include "smb2/req.h"
#include "smb2/server.h"
#include "smb2/session.h"
#include "smb2/wire/negotiate.h"
#include "smb2/wire/tree_connect.h"

#define SMB2_MAX_TREES_PER_SESSION 1024

static unsigned count_trees(const struct smb2_session *s)
{
	unsigned n = 0;
	for (const struct smb2_tree *t = s->trees; t; t = t->next)
		n++;
	return n;
}

/* "\\server\share" -> "share"; NULL when the path has no share component. */
static const char *share_component(const char *path)
{
	if (path[0] != '\\' || path[1] != '\\')
		return NULL;
	const char *sep = strchr(path + 2, '\\');
	if (!sep || !sep[1] || strchr(sep + 1, '\\'))
		return NULL;
	return sep + 1;
}

static struct smb2_share *find_share(struct smb2_server *srv, const char *name)
{
	if (strcasecmp(name, "IPC$") == 0)
		return &srv->ipc;
	const struct cfg_share *cs = cfg_find_share(srv->cfg, name);
	if (!cs)
		return NULL;
	for (size_t i = 0; i < srv->nshares; i++)
		if (srv->shares[i].cfg == cs)
			return &srv->shares[i];
	return NULL;
}

/* %I: the client's address, without the port that conn->peer ends with ("a.b.c.d:p", "v6:p"). */
static void client_addr(const struct smb2_conn *c, char *out, size_t n)
{
	snprintf(out, n, "%s", c->peer);
	char *colon = strrchr(out, ':');
	if (colon)
		*colon = '\0';
}

/*
 * The directory tree a connect to `share` uses: the share's own, or for a path with variables
 * (docs/CONFIG.md) the pool entry of the path substituted for this session now. It runs as the
 * session's user (the dispatcher took it on), who must be able to reach the directory; a
 * value that cannot be filled (an anonymous %U, say) refuses the connect.
 */
static NTSTATUS tree_vfs(struct smb2_req *req, const struct smb2_share *share,
			 struct vfs_share **out)
{
	const struct smb2_session *s = req->sess;
	char addr[64], pwbuf[1024], grbuf[1024], path[4096];
	struct passwd pw, *pwp = NULL;
	struct group gr, *grp = NULL;

	*out = share->vfs;
	if (!share->pool || !share->cfg)   /* a pool is made for a configured share only */
		return STATUS_SUCCESS;
	client_addr(req->conn, addr, sizeof(addr));
	getpwuid_r(s->ident.uid, &pw, pwbuf, sizeof(pwbuf), &pwp);
	getgrgid_r(s->ident.gid, &gr, grbuf, sizeof(grbuf), &grp);
	struct cfg_path_vars v = {
		.user = s->user[0] ? s->user : NULL,
		.unix_user = pwp ? pwp->pw_name : NULL,
		.group = grp ? grp->gr_name : NULL,
		.client_addr = addr,
		.now = time(NULL),
	};
	size_t anchor_len;
	const char *rest;
	if (!cfg_path_substitute(share->cfg->path, &v, path, sizeof(path), &anchor_len, &rest)) {
		log_info("%s: [%s]: path %s cannot be filled in for %s", req->conn->peer,
			 share->cfg->name, share->cfg->path, s->user[0] ? s->user : "(anonymous)");
		return STATUS_BAD_NETWORK_NAME;
	}
	char anchor[4096];
	snprintf(anchor, sizeof(anchor), "%.*s", (int)anchor_len, path);
	return vfs_share_pool_get(share->pool, share->cfg->name, anchor, rest, share->cfg->read_only,
				  share->cfg->create_path, out);
}

NTSTATUS smb2_tree_connect(struct smb2_req *req)
{
	struct smb2_session *s = req->sess;
	struct smb2_tree_connect_req in;
	NTSTATUS st;

	st = smb2_tree_connect_req_decode(req->msg, req->len, &in);
	if (st != STATUS_SUCCESS)
		return st;
	const char *path = utf16le_to_utf8(req->arena, in.path, in.path_len);
	if (!path)
		return STATUS_INVALID_PARAMETER;
	const char *name = share_component(path);
	if (!name)
		return STATUS_BAD_NETWORK_NAME;
	struct smb2_share *share = find_share(req->conn->srv, name);
	if (!share)
		return STATUS_BAD_NETWORK_NAME;
	if (share->cfg) {
		if ((s->anonymous || s->guest) && !share->cfg->guest_ok)
			return STATUS_ACCESS_DENIED;
		if (!cfg_share_user_allowed(share->cfg, s->user)) {
			log_info("%s: %s is not in 'valid users' of [%s]", req->conn->peer, s->user,
				 share->cfg->name);
			return STATUS_ACCESS_DENIED;
		}
	}
	int enc = smb2_share_encrypt(req->conn->srv, share);
	bool encrypt = false;
	if (enc == CFG_ENCRYPT_REQUIRED || enc == CFG_ENCRYPT_DESIRED) {
		encrypt = s->cipher_keys_valid;
		if (!encrypt && enc == CFG_ENCRYPT_REQUIRED) {
			log_info("%s: [%s] requires encryption, which this client did not negotiate",
				 req->conn->peer, name);
			return STATUS_ACCESS_DENIED;
		}
	}
	if (count_trees(s) >= SMB2_MAX_TREES_PER_SESSION)
		return STATUS_INSUFFICIENT_RESOURCES;

	struct vfs_share *vs;
	st = tree_vfs(req, share, &vs);
	if (st != STATUS_SUCCESS)
		return st;
	struct smb2_tree *t = calloc(1, sizeof(*t));
	if (!t) {
		vfs_share_put(vs);
		return STATUS_NO_MEMORY;
	}
	t->id = s->next_tree_id++;
	t->share = share;
	t->vfs = vs;
	t->read_only = share->cfg ? share->cfg->read_only : false;
	t->encrypt_data = encrypt;
	/* What the share allows; each open's real access comes from the file system. */
	t->maximal_access = t->read_only ? (FILE_GENERIC_READ | FILE_GENERIC_EXECUTE) : FILE_ALL_ACCESS;
	t->next = s->trees;
	s->trees = t;
	req->hdr.tree_id = t->id;

	struct smb2_tree_connect_rsp rsp = {
		.share_type = share->ipc ? SMB2_SHARE_TYPE_PIPE : SMB2_SHARE_TYPE_DISK,
		.share_flags = SMB2_SHAREFLAG_MANUAL_CACHING | (encrypt ? SMB2_SHAREFLAG_ENCRYPT_DATA : 0),
		/* MS-SMB2 3.3.5.7: Share.IsCA, told to 3.x clients (persistent handles, persist.c) */
		.capabilities = share->cfg && share->cfg->continuously_available &&
				req->conn->dialect >= SMB2_DIALECT_300 && smb2_persist_enabled(req->conn->srv)
				? SMB2_SHARE_CAP_CONTINUOUS_AVAILABILITY : 0,
		.maximal_access = t->maximal_access,
	};
	smb2_tree_connect_rsp_encode(req->out, req->hdr_off, &rsp);
	log_debug("%s: tree %u -> %s", req->conn->peer, t->id, name);
	return STATUS_SUCCESS;
}

NTSTATUS smb2_tree_disconnect(struct smb2_req *req)
{
	NTSTATUS st = smb2_tree_disconnect_req_decode(req->msg, req->len);
	if (st != STATUS_SUCCESS)
		return st;
	smb2_tree_destroy(req->conn, req->sess, req->tree);
	req->tree = NULL;
	smb2_tree_disconnect_rsp_encode(req->out, req->hdr_off);
	return STATUS_SUCCESS;
}

int smb2_share_encrypt(const struct smb2_server *srv, const struct smb2_share *share)
{
	if (share->cfg && share->cfg->encrypt != CFG_ENCRYPT_INHERIT)
		return share->cfg->encrypt;
	return srv->cfg->g.encrypt;
}
