// layer: loadclient
/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz bench's load client on what a server sends it: the input is a response frame, walked
 * message by message as the client does (signature checks on), and also a SESSION_SETUP
 * security buffer holding an NTLMSSP CHALLENGE. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smb2_client.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile uint64_t sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	struct lc_conn c = { .session_id = 1, .signing = true, .sign_alg = SMB2_SIGN_AES_CMAC };
	struct lc_challenge ch;
	struct lc_msg m;
	size_t off = 0;

	if (!ready)
		ready = crypto_init();
	c.rbuf = malloc(size ? size : 1);
	if (!c.rbuf)
		return 0;
	memcpy(c.rbuf, data, size);
	c.rlen = size;
	while (lc_frame_next(&c, &off, &m))
		sink += m.command + m.body_len + (m.len ? m.p[m.len - 1] : 0);
	free(c.rbuf);
	if (lc_challenge_parse(data, size, &ch))
		sink += ch.flags + ch.target_info_len + (ch.target_info_len ? ch.target_info[ch.target_info_len - 1] : 0);
	return 0;
}
