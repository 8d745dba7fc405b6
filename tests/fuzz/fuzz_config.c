// layer: core
/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz the skiff.conf parser: any text must load or fail with a "NAME:..." message, never crash,
 * and whatever loads must satisfy the invariants the server relies on. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A path with variables, filled with the share's own name as every value (fuzzed text: '/',
 * "..", ...): what comes out is absolute and nothing below its anchor is "." or "..". */
static void check_substitution(const struct cfg_share *s)
{
	struct cfg_path_vars v = { s->name, s->name, s->name, s->name, 0 };
	char out[512];
	size_t anchor;
	const char *rest;

	if (!cfg_path_substitute(s->path, &v, out, sizeof(out), &anchor, &rest))
		return;
	if (out[0] != '/' || anchor == 0 || anchor > strlen(out) || rest < out)
		abort();
	for (const char *c = rest; *c;) {
		size_t len = strcspn(c, "/");
		if (len == 0 || (len == 1 && c[0] == '.') || (len == 2 && c[0] == '.' && c[1] == '.'))
			abort();
		c += len + (c[len] == '/');
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	char *text = malloc(size + 1);
	struct cfg *c;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	err[0] = '\0';
	c = cfg_load_string(text, "f", err, sizeof(err));
	if (!c) {
		if (strncmp(err, "f:", 2) != 0)
			abort();
	} else {
		if (c->g.min_protocol > c->g.max_protocol || c->g.port == 0 || !c->g.listen ||
		    c->g.state_dir[0] != '/' || strlen(c->g.netbios_name) > 15)
			abort();
		for (size_t i = 0; i < c->nshares; i++) {
			const struct cfg_share *s = &c->shares[i];
			if (!s->path || s->path[0] != '/' || !s->comment || cfg_find_share(c, s->name) != s)
				abort();
			for (size_t j = 0; j < s->n_valid_users; j++)
				if (!cfg_share_user_allowed(s, s->valid_users[j]))
					abort();
			if (s->path_has_vars)
				check_substitution(s);
		}
		cfg_free(c);
	}
	free(text);
	return 0;
}
