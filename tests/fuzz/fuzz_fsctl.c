// layer: wire
/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz the FSCTL input buffer decoders. */
#include <stddef.h>
#include <stdint.h>

#include "smb2/wire/fsctl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smb2_validate_negotiate_req v;
	if (smb2_validate_negotiate_decode(data, size, &v) == STATUS_SUCCESS) {
		uint16_t sum = 0;
		for (uint16_t i = 0; i < v.dialect_count; i++)
			sum = (uint16_t)(sum + le16(v.dialects + 2 * i));
		(void)sum;
	}
	return 0;
}
