/* SPDX-License-Identifier: Apache-2.0 */
/* Server set-up from the configuration and the life of one SMB2 connection. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/throttle.h"
#include "auth/userdb.h"
#include "core/config.h"
#include "core/log.h"
#include "net/net.h"
#include "smb2/async.h"
#include "smb2/conn.h"
#include "smb2/durable.h"
#include "smb2/notify.h"
#include "smb2/open.h"
#include "smb2/oplock.h"
#include "smb2/persist.h"
#include "smb2/server.h"
#include "smb2/session.h"
#include "smb2/smb2.h"
#include "vfs/vfs.h"

static bool lookup_nt_hash(void *ctx, const char *user, uint8_t nt_hash[16])
{
	return userdb_get_nt_hash(ctx, user, nt_hash);
}

struct smb2_server *smb2_server_new(const struct cfg *cfg, struct userdb *users)
{
	struct smb2_server *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	if (!smb2_sessions_init(s)) {
		free(s);
		return NULL;
	}
	pthread_mutex_init(&s->lock_waits_lock, NULL);
	atomic_init(&s->nlock_waits, 0);
	s->cfg = cfg;
	s->users = users;
	/* Failed logons: at most 10 log lines per 10 s; the next one says how many were left out. */
	ratelimit_init(&s->failed_logon_log, 10000, 10);
	s->auth_cfg = (struct auth_config){
		.netbios_name = cfg->g.netbios_name,
		.domain = cfg->g.workgroup,
		.dns_name = cfg->g.netbios_name,
		.allow_anonymous = cfg->g.allow_anonymous,
		.guest_account = cfg->g.guest_account,
		.get_nt_hash = lookup_nt_hash,
		.lookup_ctx = users,
	};
	if (!crypto_random(s->server_guid, sizeof(s->server_guid)))
		goto fail;
	s->start_time = smb2_nttime_now();
	uint32_t first_id;
	if (!crypto_random(&first_id, sizeof(first_id)))
		goto fail;
	atomic_init(&s->next_session_id, first_id);
	atomic_init(&s->next_volatile, 0);
	if (!smb2_open_table_init(s))
		goto fail;
	s->max_read = s->max_write = s->max_trans = SMB2_MAX_IO;
	if (!smb2_user_opens_init(s))
		goto fail;
	s->user_opens_ready = true;
	s->oplocks = smb2_oplocks_new();
	if (!s->oplocks)
		goto fail;
	s->notify = smb2_notify_new();
	if (!s->notify)
		goto fail;
	if (!smb2_persist_init(s))
		goto fail;
	if (cfg->g.failed_logon_delay) {
		s->throttle = auth_throttle_new(cfg->g.failed_logon_delay, AUTH_THROTTLE_MAX_ADDRS);
		if (!s->throttle)
			goto fail;
	}
	if (!auth_negotiate_token(&s->neg_token, &s->neg_token_len))
		goto fail;
	s->ipc.ipc = true;
	s->shares = calloc(cfg->nshares ? cfg->nshares : 1, sizeof(*s->shares));
	if (!s->shares)
		goto fail;
	for (size_t i = 0; i < cfg->nshares; i++) {
		const struct cfg_share *cs = &cfg->shares[i];
		if (cs->path_has_vars) {   /* opened per path at TREE_CONNECT (tree_connect.c) */
			s->shares[i].pool = vfs_share_pool_new();
			if (!s->shares[i].pool)
				goto fail;
			s->shares[i].cfg = cs;
			s->nshares++;
			log_info("share [%s]: path %s is resolved at each tree connect", cs->name,
				 cs->path);
			continue;
		}
		NTSTATUS st = vfs_share_open(cs->name, cs->path, cs->read_only, &s->shares[i].vfs);
		if (st != STATUS_SUCCESS) {
			log_err("share [%s]: cannot use path %s (%s)", cs->name, cs->path, nt_status_name(st));
			goto fail;
		}
		s->shares[i].cfg = cs;
		s->nshares++;
		if (cs->kernel_change_notify)
			smb2_notify_attach(s->notify, s->shares[i].vfs, cfg->g.kernel_change_notify_watches,
					   cs->kernel_change_notify, cs->name, cs->path);
	}
	smb2_persist_restore(s);   /* before any client can open what they hold */
	return s;
fail:
	smb2_server_free(s);
	return NULL;
}

void smb2_server_free(struct smb2_server *s)
{
	if (!s)
		return;
	if (s->open_buckets)
		smb2_durable_close_all(s);   /* before their shares go */
	/* s->shares is checked too: a failure before it was allocated comes here with nshares 0,
	 * which clang's analyzer cannot see across smb2_sessions_init(s). */
	for (size_t i = 0; s->shares && i < s->nshares; i++)
		vfs_share_close(s->shares[i].vfs);
	free(s->neg_token);
	auth_throttle_free(s->throttle);
	ratelimit_destroy(&s->failed_logon_log);
	smb2_sessions_fini(s);
	for (size_t i = 0; s->shares && i < s->nshares; i++)   /* after the trees on them */
		vfs_share_pool_free(s->shares[i].pool);
	free(s->shares);
	smb2_open_table_fini(s);
	if (s->user_opens_ready)
		smb2_user_opens_fini(s);
	pthread_mutex_destroy(&s->lock_waits_lock);
	smb2_oplocks_free(s->oplocks);
	smb2_notify_free(s->notify);
	free(s->persist_restored);
	smb2_persist_fini(s);
	free(s);
}

void *smb2_conn_open(struct net_conn *nc, void *server)
{
	struct smb2_conn *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	if (!smb2_credits_init(&c->credits)) {
		free(c);
		return NULL;
	}
	if (pthread_mutex_init(&c->pin_lock, NULL) != 0) {
		smb2_credits_free(&c->credits);
		free(c);
		return NULL;
	}
	c->srv = server;
	c->net = nc;
	snprintf(c->peer, sizeof(c->peer), "%s", net_conn_peer(nc));
	arena_init(&c->arena, 16384);
	return c;
}

void smb2_conn_close(struct net_conn *nc, void *state)
{
	struct smb2_conn *c = state;

	c->closing = true;
	while (c->pending)
		smb2_async_drop(c, c->pending);
	/* A session ends with its last channel; one bound elsewhere too lives on there. */
	smb2_conn_drop_channels(c);
	pthread_mutex_destroy(&c->pin_lock);
	arena_destroy(&c->arena);
	smb2_credits_free(&c->credits);
	log_debug("%s: disconnected", c->peer);
	free(c);
}
