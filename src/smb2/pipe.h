/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Named pipes on IPC$ (pipe.c), served by the RPC layer.
 */
#ifndef SKIFF_SMB2_PIPE_H
#define SKIFF_SMB2_PIPE_H

#include <stddef.h>
#include <stdint.h>

#include "core/ntstatus.h"

struct smb2_pipe;
struct smb2_req;
struct wr;

/* Named pipes (pipe.c). */
NTSTATUS smb2_pipe_open(struct smb2_req *req, const char *name, struct smb2_pipe **out);
void smb2_pipe_close(struct smb2_pipe *p);
NTSTATUS smb2_pipe_write(struct smb2_pipe *p, const uint8_t *data, size_t len);
NTSTATUS smb2_pipe_read(struct smb2_pipe *p, struct wr *w, uint32_t max);
NTSTATUS smb2_pipe_query_info(struct smb2_pipe *p, uint8_t cls, uint32_t out_len, struct wr *w);

#endif
