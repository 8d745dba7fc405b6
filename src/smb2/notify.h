/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Change notify (notify.c): the server's watches.
 */
#ifndef SKIFF_SMB2_NOTIFY_H
#define SKIFF_SMB2_NOTIFY_H

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
void smb2_notify_release(struct smb2_conn *c, struct smb2_open *op);

#endif
