/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The command handlers the dispatcher calls: one per command, each in its own file.
 */
#ifndef SKIFF_SMB2_HANDLERS_H
#define SKIFF_SMB2_HANDLERS_H

#include "core/ntstatus.h"

struct smb2_req;

NTSTATUS smb2_negotiate(struct smb2_req *req);
NTSTATUS smb2_session_setup(struct smb2_req *req);
NTSTATUS smb2_logoff(struct smb2_req *req);
NTSTATUS smb2_tree_connect(struct smb2_req *req);
NTSTATUS smb2_tree_disconnect(struct smb2_req *req);
NTSTATUS smb2_create(struct smb2_req *req);
NTSTATUS smb2_close(struct smb2_req *req);
NTSTATUS smb2_flush(struct smb2_req *req);
NTSTATUS smb2_read(struct smb2_req *req);
NTSTATUS smb2_write(struct smb2_req *req);
NTSTATUS smb2_lock(struct smb2_req *req);
NTSTATUS smb2_ioctl(struct smb2_req *req);
NTSTATUS smb2_cancel(struct smb2_req *req);
NTSTATUS smb2_echo(struct smb2_req *req);
NTSTATUS smb2_query_directory(struct smb2_req *req);
NTSTATUS smb2_change_notify(struct smb2_req *req);
NTSTATUS smb2_query_info(struct smb2_req *req);
NTSTATUS smb2_set_info(struct smb2_req *req);
NTSTATUS smb2_oplock_break(struct smb2_req *req);

#endif
