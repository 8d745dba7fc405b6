/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Commands whose features are not built yet: byte-range locks. They are
 * refused with STATUS_NOT_SUPPORTED, which clients treat as "feature absent".
 */
#include "smb2/smb2.h"

NTSTATUS smb2_lock(struct smb2_req *req)
{
	(void)req;
	return STATUS_NOT_SUPPORTED;
}
