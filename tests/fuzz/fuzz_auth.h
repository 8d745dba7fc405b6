/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by the auth-layer fuzz targets: the server configuration they run against, with one
 * known user (tuser, NT hash all 0x11), anonymous logons allowed and a guest account. */
#ifndef SKIFF_FUZZ_AUTH_H
#define SKIFF_FUZZ_AUTH_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "auth/auth.h"

static bool lookup(void *ctx, const char *user, uint8_t nt_hash[16])
{
	(void)ctx;
	if (strcmp(user, "tuser") != 0)
		return false;
	memset(nt_hash, 0x11, 16);
	return true;
}

static const struct auth_config cfg = {
	.netbios_name = "SKIFF",
	.domain = "WORKGROUP",
	.dns_name = "skiff",
	.allow_anonymous = true,
	.guest_account = "nobody",
	.get_nt_hash = lookup,
};

#endif
