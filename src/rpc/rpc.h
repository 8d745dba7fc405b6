/* SPDX-License-Identifier: Apache-2.0 */
/*
 * DCE/RPC over SMB named pipes (IPC$): the pipes srvsvc, wkssvc and lsarpc. The SMB2 layer opens a
 * pipe, passes the bytes of each WRITE in and hands out what READ asks for; this layer does the
 * connection-oriented PDUs (MS-RPCE 2.2.2, C706 12), NDR20 and the three services.
 */
#ifndef SKIFF_RPC_H
#define SKIFF_RPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/ntstatus.h"

/* Statuses the pipe calls return that core/ntstatus.h may not have (same spelling as there). */
#ifndef STATUS_PIPE_DISCONNECTED
#define STATUS_PIPE_DISCONNECTED 0xC00000B0u
#endif
#ifndef STATUS_PIPE_EMPTY
#define STATUS_PIPE_EMPTY 0xC00000D9u
#endif

/* Share types (MS-SRVS 2.2.2.4). */
#define RPC_STYPE_DISKTREE 0x00000000u
#define RPC_STYPE_IPC      0x00000003u
#define RPC_STYPE_HIDDEN   0x80000000u

/* One configured share as srvsvc shows it. Strings are UTF-8; NULL reads as "". */
struct rpc_share_info {
	const char *name;
	const char *comment;     /* IPC$ with no comment shows "IPC Service (<server comment>)" */
	const char *path;        /* Unix path, shown as "C:\a\b" (levels 2, 502); NULL for IPC$ */
	uint32_t type;           /* RPC_STYPE_DISKTREE or RPC_STYPE_IPC; RPC_STYPE_HIDDEN is added
	                          * for names ending in '$' */
	bool browseable;         /* false ("browseable = no"): not enumerated, GetInfo still answers */
	bool caller_denied;      /* the caller may not connect to it (valid users): neither enumerated
	                          * nor answered by GetInfo (ERROR_ACCESS_DENIED) */
	bool encrypt;            /* SHARE_1005_ENCRYPT_DATA in level 1005 */
	uint32_t max_users;      /* 0 = unlimited (shown as 0xFFFFFFFF) */
	uint32_t current_users;
};

struct rpc_server_info {
	const char *netbios_name;   /* "SKIFF": srvsvc server name, lsarpc account domain */
	const char *workgroup;      /* "WORKGROUP": wkssvc domain, lsarpc primary domain */
	const char *comment;        /* "server string" (NetSrvInfo101 comment) */
	uint32_t version_major;     /* NetSrvInfo101 version; 0.0 reads as 6.1, as Samba answers */
	uint32_t version_minor;
};

/* Who opened the pipe (the SMB session's user). */
struct rpc_caller {
	const char *user;           /* SMB account name, NULL when anonymous */
	uint32_t uid, gid;
	bool anonymous;             /* anonymous (null) session: no share paths, no lsarpc */
	bool admin;                 /* `server admins` lists it: may read share paths */
};

/*
 * Everything a pipe answers from. The caller keeps it (and all it points to) alive and unchanged
 * for the pipe's lifetime.
 *
 * Identity mapping (lsarpc, docs/RPC.md): the machine domain is S-1-5-21-a-b-c (machine_sid, or
 * when NULL a value derived from the NetBIOS name); Unix user uid <-> rid 1000 + 2*uid and group
 * gid <-> rid 1001 + 2*gid in that domain (Samba's algorithmic mapping); S-1-22-1-uid /
 * S-1-22-2-gid ("Unix User" / "Unix Group") are understood too; well-known and BUILTIN SIDs by
 * table. A name that is a Unix user maps to its machine-domain SID when is_account says it is an
 * SMB account (or is_account is NULL), else to S-1-22-1-uid; a Unix group maps to S-1-22-2-gid.
 */
struct rpc_context {
	const struct rpc_server_info *server;
	const struct rpc_share_info *shares;   /* everything configured, IPC$ and hidden ones too */
	size_t nshares;
	struct rpc_caller caller;
	const char *machine_sid;               /* "S-1-5-21-a-b-c" or NULL */
	/* Optional: is this Unix account name an SMB user (users.db)? Called on the pipe's thread. */
	bool (*is_account)(void *arg, const char *unix_name);
	void *is_account_arg;
};

struct rpc_pipe;

/* Maximum reassembled request (all fragments of one call), and what a pipe may hold unread. */
#define RPC_MAX_REQUEST_SIZE   (1024u * 1024u)
#define RPC_MAX_PENDING_OUTPUT (4u * 1024u * 1024u)

/* True for "srvsvc", "wkssvc", "lsarpc" (and "lsass"), case-insensitive, with or without a
 * leading "\\PIPE\\" or "\\pipe\\". */
bool rpc_pipe_exists(const char *name);

/* NULL for an unknown name (answer STATUS_OBJECT_NAME_NOT_FOUND) or on allocation failure. */
struct rpc_pipe *rpc_pipe_open(const char *name, const struct rpc_context *ctx);

/*
 * SMB2 WRITE (or the input of FSCTL_PIPE_TRANSCEIVE): bytes of one or more PDUs; a PDU may also
 * arrive split over several writes. Every complete PDU is processed now and its answer queued for
 * rpc_pipe_read. Protocol errors are answered on the pipe (bind_nak, fault) and return
 * STATUS_SUCCESS. Returns STATUS_INVALID_PARAMETER for bytes that are not DCE/RPC at all (the
 * pipe is then disconnected), STATUS_PIPE_DISCONNECTED once the pipe is disconnected (after
 * garbage, a bind_nak or a fatal fault, as Windows and Samba drop the association),
 * STATUS_INSUFFICIENT_RESOURCES when more than RPC_MAX_PENDING_OUTPUT would be left unread.
 */
NTSTATUS rpc_pipe_write(struct rpc_pipe *p, const uint8_t *data, size_t len);

/*
 * SMB2 READ (or the output of FSCTL_PIPE_TRANSCEIVE): up to max bytes of the current message.
 * Each PDU the server sends is one message (message-mode pipe). *more is true when the current
 * message has bytes left after this read: answer STATUS_BUFFER_OVERFLOW with the data, as Windows
 * does; the next read continues the same message. A read never spans two messages.
 * Nothing pending: *n = 0 and STATUS_PIPE_EMPTY (Windows would leave the READ pending until a
 * write; Samba does; the caller may go async on it or answer the status), or
 * STATUS_PIPE_DISCONNECTED on a disconnected pipe.
 */
NTSTATUS rpc_pipe_read(struct rpc_pipe *p, uint8_t *buf, size_t max, size_t *n, bool *more);

/* Bytes waiting to be read, all messages together (FILE_PIPE_LOCAL_INFORMATION.ReadDataAvailable,
 * FSCTL_PIPE_PEEK), and the bytes left of the current message. */
size_t rpc_pipe_pending(const struct rpc_pipe *p);
size_t rpc_pipe_message_left(const struct rpc_pipe *p);

void rpc_pipe_close(struct rpc_pipe *p);

#endif
