/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Who file-system calls run as: per-thread credentials switched with raw syscalls, and the
 * single-identity mode used when the server does not start as root.
 */
#include "vfs/vfs_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/log.h"

/*
 * Two modes, fixed by vfs_global_init():
 *
 *  - Root mode (the server started with euid 0): before touching files for a session, the
 *    worker thread calls vfs_become() with the session's uid/gid/groups; the kernel then checks
 *    every open, create, rename and unlink against that user, exactly as for a local login.
 *    Only the effective (and file-system) ids change; the real and saved ids stay 0, which is
 *    what allows vfs_become_server() to return to root. Linux keeps credentials per thread, but
 *    glibc's setresuid()/setgroups() broadcast the change to every thread of the process (POSIX
 *    demands it), so the raw syscalls are used instead.
 *
 *  - Single-identity mode (started as an ordinary user): vfs_become() and vfs_become_server()
 *    do nothing and every client works with the server user's own permissions. The VFS still
 *    computes access from POSIX permissions (faccessat with AT_EACCESS), so files that user may
 *    not write are still refused, but all clients are that one user as far as the disk knows.
 */

static bool g_root_mode;
static uid_t g_server_euid;
static gid_t *g_server_groups;
static int g_server_ngroups;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static NTSTATUS g_init_status;

/* The identity this thread last became, so that a root section can go back to it. */
struct thread_ident {
	bool active;       /* thread is running as a session user */
	uid_t uid;
	gid_t gid;
	int ngroups;
	int cap;
	gid_t *groups;
	bool in_root_section;   /* between vfs_root_begin and vfs_root_end that switched */
};
static pthread_key_t g_ident_key;

static void ident_free(void *p)
{
	struct thread_ident *ti = p;

	if (ti) {
		free(ti->groups);
		free(ti);
	}
}

static struct thread_ident *ident_get(void)
{
	struct thread_ident *ti = pthread_getspecific(g_ident_key);

	if (!ti) {
		ti = calloc(1, sizeof(*ti));
		if (ti && pthread_setspecific(g_ident_key, ti) != 0) {
			free(ti);
			ti = NULL;
		}
	}
	return ti;
}

static void global_init_once(void)
{
	g_init_status = STATUS_SUCCESS;
	if (pthread_key_create(&g_ident_key, ident_free) != 0) {
		g_init_status = STATUS_INSUFFICIENT_RESOURCES;
		return;
	}
	g_server_euid = geteuid();
	g_root_mode = g_server_euid == 0;
	if (g_root_mode) {
		int n = getgroups(0, NULL);
		if (n > 0) {
			g_server_groups = calloc((size_t)n, sizeof(gid_t));
			if (g_server_groups)
				g_server_ngroups = getgroups(n, g_server_groups);
			if (g_server_ngroups < 0)
				g_server_ngroups = 0;
		}
	}
	/* Reopening O_PATH fds and reading xattrs of O_PATH fds go through /proc/self/fd. */
	if (access("/proc/self/fd", X_OK) != 0) {
		log_err("vfs: /proc is not mounted; the VFS needs /proc/self/fd");
		g_init_status = STATUS_INTERNAL_ERROR;
		return;
	}
	log_info("vfs: %s mode", g_root_mode ? "per-user identity (root)" : "single-identity");
}

NTSTATUS vfs_global_init(void)
{
	pthread_once(&g_once, global_init_once);
	return g_init_status;
}

bool vfs_running_as_root(void)
{
	return g_root_mode;
}

/* Back to root on this thread only. Order matters: the uid first, since changing gids and
 * groups needs the privileges root's euid brings back. */
static int become_root_raw(void)
{
	if (syscall(SYS_setresuid, -1, 0, -1) != 0)
		return -errno;
	if (syscall(SYS_setresgid, -1, 0, -1) != 0)
		return -errno;
	if (syscall(SYS_setgroups, (size_t)g_server_ngroups, g_server_groups) != 0)
		return -errno;
	return 0;
}

static int become_raw(uid_t uid, gid_t gid, int ngroups, const gid_t *groups)
{
	/* Groups and gid while still privileged, the uid last. */
	if (syscall(SYS_setgroups, (size_t)(ngroups > 0 ? ngroups : 0), ngroups > 0 ? groups : NULL) != 0)
		return -errno;
	if (syscall(SYS_setresgid, -1, gid, -1) != 0)
		return -errno;
	if (syscall(SYS_setresuid, -1, uid, -1) != 0)
		return -errno;
	return 0;
}

NTSTATUS vfs_become(const struct vfs_identity *id)
{
	struct thread_ident *ti;
	int err;

	if (!g_root_mode)
		return STATUS_SUCCESS;
	if (!id || id->ngroups < 0 || (id->ngroups > 0 && !id->groups))
		return STATUS_INVALID_PARAMETER;
	ti = ident_get();
	if (!ti)
		return STATUS_NO_MEMORY;
	/* Already this user (the previous request on this thread was the same session's, or the
	 * same user's): six credential syscalls saved per request. */
	if (ti->active && ti->uid == id->uid && ti->gid == id->gid && ti->ngroups == id->ngroups &&
	    (id->ngroups == 0 || memcmp(ti->groups, id->groups, (size_t)id->ngroups * sizeof(gid_t)) == 0))
		return STATUS_SUCCESS;
	if (id->ngroups > ti->cap) {
		gid_t *g = realloc(ti->groups, (size_t)id->ngroups * sizeof(gid_t));
		if (!g)
			return STATUS_NO_MEMORY;
		ti->groups = g;
		ti->cap = id->ngroups;
	}

	if (ti->active && (err = become_root_raw()) != 0) {
		log_err("vfs: cannot return to root before switching identity: %s", strerror(-err));
		return STATUS_ACCESS_DENIED;
	}
	err = become_raw(id->uid, id->gid, id->ngroups, id->groups);
	if (err) {
		log_err("vfs: cannot become uid %u gid %u: %s", (unsigned)id->uid, (unsigned)id->gid,
			strerror(-err));
		/* Never leave the thread half-switched. */
		become_root_raw();
		ti->active = false;
		return STATUS_ACCESS_DENIED;
	}
	ti->active = true;
	ti->uid = id->uid;
	ti->gid = id->gid;
	ti->ngroups = id->ngroups;
	if (id->ngroups > 0)
		memcpy(ti->groups, id->groups, (size_t)id->ngroups * sizeof(gid_t));
	return STATUS_SUCCESS;
}

void vfs_become_server(void)
{
	struct thread_ident *ti;
	int err;

	if (!g_root_mode)
		return;
	ti = ident_get();
	if (ti && !ti->active)
		return;   /* already the server */
	err = become_root_raw();
	if (err)
		fatal("vfs: cannot return to root credentials: %s", strerror(-err));
	if (ti)
		ti->active = false;
}

void vfs_root_begin(struct vfs_root_section *rs)
{
	struct thread_ident *ti;

	rs->switched = false;
	if (!g_root_mode)
		return;
	ti = pthread_getspecific(g_ident_key);
	if (!ti || !ti->active)
		return;
	if (become_root_raw() != 0)
		fatal("vfs: cannot enter root section");
	rs->switched = true;
	ti->in_root_section = true;
}

void vfs_root_end(struct vfs_root_section *rs)
{
	struct thread_ident *ti;

	if (!rs->switched)
		return;
	ti = pthread_getspecific(g_ident_key);
	if (become_raw(ti->uid, ti->gid, ti->ngroups, ti->groups) != 0)
		fatal("vfs: cannot leave root section");
	rs->switched = false;
	ti->in_root_section = false;
}

uid_t vfs_thread_euid(void)
{
	struct thread_ident *ti;

	if (!g_root_mode)
		return g_server_euid;
	ti = pthread_getspecific(g_ident_key);
	return ti && ti->active && !ti->in_root_section ? ti->uid : 0;
}
