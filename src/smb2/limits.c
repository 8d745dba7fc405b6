/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Bounds that keep one client from taking the server's memory or descriptors: how much one
 * compound may answer, and how many opens a session and a Unix user may hold.
 */
#include <stdlib.h>
#include <sys/resource.h>

#include "core/config.h"
#include "core/log.h"
#include "smb2/conn.h"
#include "smb2/open.h"
#include "smb2/req.h"
#include "smb2/server.h"
#include "smb2/session.h"

/* One Unix user's opens over all its sessions and connections. */
struct smb2_user_opens {
	struct smb2_user_opens *next;
	uid_t uid;
	unsigned count;
	bool warned;        /* the refusal was logged; again once the user is well below */
};

/* Room left in a compound's response for the bodies of small messages beyond its one large
 * READ or transact-sized answer. */
#define SMB2_COMPOUND_SLACK (64 * 1024)

bool smb2_req_response_fits(const struct smb2_req *req, size_t body)
{
	const struct smb2_conn *c = req->conn;
	size_t budget = (c->max_read > c->max_trans ? c->max_read : c->max_trans) + SMB2_COMPOUND_SLACK;
	size_t used = req->out->len;   /* the 4-byte Direct TCP header, earlier responses, ours */

	return used <= budget && body <= budget - used;
}

/* The default: a quarter of the descriptors this process may open, so that three other users
 * (and the sockets of every client) still find some. */
static unsigned opens_per_user_auto(void)
{
	struct rlimit rl;
	rlim_t n = 4096;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
		n = rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > 1048576 ? 1048576 : rl.rlim_cur;
	n /= 4;
	return n < 16 ? 16 : (unsigned)n;
}

bool smb2_user_opens_init(struct smb2_server *srv)
{
	srv->max_opens_per_user = srv->cfg->g.max_open_files_per_user;   /* 0: at the first open */
	return pthread_mutex_init(&srv->user_opens_lock, NULL) == 0;
}

/* user_opens_lock held. The automatic bound is read at the first open, when start-up (which
 * raises RLIMIT_NOFILE, skiffd.c) is over whatever its order. */
static unsigned opens_per_user(struct smb2_server *srv)
{
	if (!srv->max_opens_per_user) {
		srv->max_opens_per_user = opens_per_user_auto();
		log_info("opens: at most %u per session, %u per user", srv->cfg->g.max_open_files,
			 srv->max_opens_per_user);
	}
	return srv->max_opens_per_user;
}

void smb2_user_opens_fini(struct smb2_server *srv)
{
	for (size_t b = 0; b < SMB2_USER_BUCKETS; b++) {
		while (srv->user_opens[b]) {
			struct smb2_user_opens *u = srv->user_opens[b];
			srv->user_opens[b] = u->next;
			free(u);
		}
	}
	pthread_mutex_destroy(&srv->user_opens_lock);
}

NTSTATUS smb2_open_charge(struct smb2_session *s, uid_t *owner)
{
	struct smb2_server *srv = s->srv;
	uid_t uid = s->ident.uid;
	NTSTATUS st = STATUS_SUCCESS;

	/* Samba's answer when its open table is full; what a client reads as "try later". */
	if (s->nopens + s->creating >= srv->cfg->g.max_open_files)
		return STATUS_INSUFFICIENT_RESOURCES;
	pthread_mutex_lock(&srv->user_opens_lock);
	struct smb2_user_opens **pp = &srv->user_opens[uid % SMB2_USER_BUCKETS];
	while (*pp && (*pp)->uid != uid)
		pp = &(*pp)->next;
	if (!*pp && (*pp = calloc(1, sizeof(**pp))))
		(*pp)->uid = uid;
	if (!*pp)
		st = STATUS_NO_MEMORY;
	else if ((*pp)->count >= opens_per_user(srv))
		st = STATUS_INSUFFICIENT_RESOURCES;
	else
		(*pp)->count++;
	bool log_it = st == STATUS_INSUFFICIENT_RESOURCES && !(*pp)->warned;
	if (log_it)
		(*pp)->warned = true;
	pthread_mutex_unlock(&srv->user_opens_lock);
	if (log_it)   /* once per episode: a client retrying at its bound must not flood the log */
		log_warn("opens: uid %u holds %u files (max open files per user): further opens refused",
			 (unsigned)uid, srv->max_opens_per_user);
	*owner = uid;
	return st;
}

void smb2_open_charge_restored(struct smb2_server *srv, uid_t owner)
{
	pthread_mutex_lock(&srv->user_opens_lock);
	struct smb2_user_opens **pp = &srv->user_opens[owner % SMB2_USER_BUCKETS];
	while (*pp && (*pp)->uid != owner)
		pp = &(*pp)->next;
	if (!*pp && (*pp = calloc(1, sizeof(**pp))))
		(*pp)->uid = owner;
	if (*pp)
		(*pp)->count++;
	pthread_mutex_unlock(&srv->user_opens_lock);
}

void smb2_open_uncharge(struct smb2_server *srv, uid_t owner)
{
	pthread_mutex_lock(&srv->user_opens_lock);
	struct smb2_user_opens **pp = &srv->user_opens[owner % SMB2_USER_BUCKETS];
	while (*pp && (*pp)->uid != owner)
		pp = &(*pp)->next;
	if (*pp && --(*pp)->count == 0) {
		struct smb2_user_opens *u = *pp;
		*pp = u->next;
		free(u);
	} else if (*pp && (*pp)->count < srv->max_opens_per_user / 4 * 3) {
		(*pp)->warned = false;
	}
	pthread_mutex_unlock(&srv->user_opens_lock);
}
