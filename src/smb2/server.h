/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The SMB2 server object: what every connection shares (configuration, shares, users, the
 * session, open, oplock and notify tables with their locks) and the server-wide answers derived
 * from the configuration. Immutable after start-up except the tables, each under its own lock.
 */
#ifndef SKIFF_SMB2_SERVER_H
#define SKIFF_SMB2_SERVER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/auth.h"
#include "core/ntstatus.h"
#include "core/ratelimit.h"

struct cfg;
struct cfg_share;
struct vfs_share;
struct vfs_share_pool;
struct smb2_conn;
struct smb2_session;
struct smb2_open;
struct smb2_lock_wait;
struct net_conn;
struct userdb;
struct pstore;

#define SMB2_MAX_IO      (8 * 1024 * 1024)
#define SMB2_MAX_OPENS_PER_CONN_DEFAULT 16384
#define SMB2_SESSION_BUCKETS 256
#define SMB2_MAX_SESSIONS_PER_CONN 64    /* channels of a connection, tombstones included */
#define SMB2_MAX_CHANNELS_PER_SESSION 32
#define SMB2_USER_BUCKETS 64

struct smb2_user_opens;
struct smb2_oplocks;
struct smb2_notify;

/* Failed-logon answers one connection may have waiting (`failed logon delay`); beyond that its
 * SESSION_SETUPs are refused unchecked, which bounds the memory they hold. */
#define SMB2_MAX_DELAYED_ANSWERS 4

struct auth_throttle;

struct smb2_share {
	const struct cfg_share *cfg;    /* NULL for IPC$ */
	struct vfs_share *vfs;          /* NULL for IPC$ and for a path with variables */
	struct vfs_share_pool *pool;    /* a path with variables: one vfs_share per path */
	bool ipc;
};

struct smb2_server {
	const struct cfg *cfg;
	struct userdb *users;
	struct auth_config auth_cfg;
	uint8_t server_guid[16];
	uint64_t start_time;            /* NT time */
	struct smb2_share *shares;
	size_t nshares;
	struct smb2_share ipc;
	uint8_t *neg_token;             /* SPNEGO NegTokenInit2 for NEGOTIATE responses */
	size_t neg_token_len;
	atomic_uint_fast64_t next_session_id;
	atomic_uint_fast64_t next_volatile;     /* FileId.Volatile, unique server-wide */
	/* MS-SMB2 3.3.1.5 GlobalOpenTable (open_table.c), by persistent id: open_lock (a leaf)
	 * guards the buckets, nopens_global and the chains through smb2_open.global_next. */
	pthread_mutex_t open_lock;
	struct smb2_open **open_buckets;
	struct smb2_open **guid_buckets;     /* the CreateGuid index, as many buckets */
	struct smb2_replay_pending *replay_pending;   /* DH2Q CREATEs waiting (replay.c) */
	size_t n_open_buckets, nopens_global;
	atomic_uint_fast64_t next_persistent;   /* FileId.Persistent, from a random start */
	uint32_t max_read, max_write, max_trans;
	struct auth_throttle *throttle; /* failed-logon schedule; NULL with a delay of 0 */
	struct ratelimit failed_logon_log;
	/* MS-SMB2 3.3.1.5 GlobalSessionTable (session_table.c): sess_lock guards the buckets and
	 * the chains through smb2_session.table_next, nothing else. */
	pthread_mutex_t sess_lock;
	struct smb2_session *sess_table[SMB2_SESSION_BUCKETS];
	/* Opens per Unix user (limits.c): user_opens_lock, a leaf taken under a session's lock,
	 * guards the table. */
	unsigned max_opens_per_user;    /* 0 until the first open when automatic */
	bool user_opens_ready;
	pthread_mutex_t user_opens_lock;
	struct smb2_user_opens *user_opens[SMB2_USER_BUCKETS];
	/* Blocking LOCKs waiting for a range (lock.c): lock_waits_lock, taken under a session's
	 * lock and before the VFS's, guards the list; nlock_waits is read without it. */
	pthread_mutex_t lock_waits_lock;
	struct smb2_lock_wait *lock_waits;
	atomic_uint nlock_waits;
	/* Oplock grants, breaks and waiting CREATEs (oplock.c), with their own lock. */
	struct smb2_oplocks *oplocks;
	/* Change-notify watches (notify.c), with their own lock. */
	struct smb2_notify *notify;
	/* The persistent-handle store (persist.c), NULL when no share is continuously available;
	 * thread safe on its own. */
	struct pstore *pstore;
	uint64_t *persist_restored;     /* restored at start-up, their timers not yet set */
	size_t npersist_restored;
};

/* The effective "server smb encrypt" of a share (its own value or the global one). */
int smb2_share_encrypt(const struct smb2_server *srv, const struct smb2_share *share);

/* Capabilities the server answers NEGOTIATE (and VALIDATE_NEGOTIATE_INFO) with. */
uint32_t smb2_server_caps(const struct smb2_conn *c, uint16_t dialect);

/* Current time as NT time. */
uint64_t smb2_nttime_now(void);

/* FSCTL_QUERY_NETWORK_INTERFACE_INFO's output (ifaces.c): the addresses of this host a client
 * may add channels on; STATUS_NOT_SUPPORTED when there is none. */
struct wr;
NTSTATUS smb2_net_ifaces_query(const struct smb2_server *srv, struct wr *out);
/* An interface's LinkSpeed (bit/s) and RSS capability as the driver tells ethtool, asked through
 * fd (a socket of the namespace the interface is in); sysfs when the driver won't say. */
uint64_t smb2_iface_link_speed(int fd, const char *name);
bool smb2_iface_rss_capable(int fd, const char *name);

#endif
