/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Change notify (notify.c): the server's watches.
 */
#ifndef SKIFF_SMB2_NOTIFY_H
#define SKIFF_SMB2_NOTIFY_H

#include <stdbool.h>
#include <stdint.h>

struct smb2_conn;
struct smb2_notify;
struct smb2_open;
struct smb2_server;
struct vfs_share;

/* Change notify (notify.c): the server's watches; report a change this server made; drop an
 * open's watch. */
struct smb2_notify *smb2_notify_new(void);
void smb2_notify_free(struct smb2_notify *n);
void smb2_notify_event(struct smb2_server *srv, struct vfs_share *share, const char *path,
		       uint32_t action, uint32_t filter);
/* Whether any watch exists (an atomic load): callers skip preparing a report when none does. */
bool smb2_notify_watching(const struct smb2_server *srv);
void smb2_notify_release(struct smb2_conn *c, struct smb2_open *op);
/* Kernel change notify for the share `name` at `path`, through one of the server's two watchers
 * (fanotify, inotify) of at most max_dirs directories each; `mode` is its enum cfg_kernel_notify.
 * Called at start-up, before privileges are dropped: fanotify needs CAP_SYS_ADMIN. The choice is
 * logged once per share. */
void smb2_notify_attach(struct smb2_notify *n, struct vfs_share *share, unsigned max_dirs,
			int mode, const char *name, const char *path);
/* A file was renamed to `path`: the attribute change watches without FILE_NAME see. */
void smb2_notify_renamed_file(struct smb2_server *srv, struct vfs_share *share, const char *path);
/* The directory (dev, ino) is delete-pending: its waiting notifies end with DELETE_PENDING. */
void smb2_notify_delete_pending(struct smb2_server *srv, uint64_t dev, uint64_t ino);

#endif
