/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The SMB2 library's entry points for the daemon: the server made from the configuration, and
 * the connection callbacks skiffd wires to the transport. Handlers and the rest of the library
 * include the per-topic headers (server.h, conn.h, session.h, open.h, req.h, async.h, oplock.h,
 * lease.h, notify.h, pipe.h, handlers.h): each what it uses.
 */
#ifndef SKIFF_SMB2_H
#define SKIFF_SMB2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cfg;
struct net_conn;
struct smb2_server;
struct userdb;

/* Connection lifecycle, wired to the transport by skiffd. */
void *smb2_conn_open(struct net_conn *nc, void *server);
void smb2_conn_frame(struct net_conn *nc, void *state, uint8_t *frame, size_t len);
/* net_handlers.may_run_inline: not for a session with several channels, whose lock another
 * connection's request may hold (the event loop must not wait for it). */
bool smb2_conn_may_run_inline(struct net_conn *nc, void *state, const uint8_t *frame, size_t len);
void smb2_conn_close(struct net_conn *nc, void *state);

/* Server set-up from the configuration. */
struct smb2_server *smb2_server_new(const struct cfg *cfg, struct userdb *users);
void smb2_server_free(struct smb2_server *s);

#endif
