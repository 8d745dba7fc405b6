// layer: wire
/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz the self-relative security descriptor decoder (src/smb2/wire/security.c) with what a
 * client can send in SET_INFO or a SecD create context. Whatever decodes must re-encode to a
 * descriptor of the announced size that decodes again and encodes to the same bytes, for every
 * AdditionalInformation selection; SIDs must survive their string form.
 */
#include "fuzz_wire.h"

#include "core/arena.h"
#include "smb2/wire/security.h"

static void check(int cond)
{
	if (!cond)
		abort();
}

static void sid_roundtrip(const struct sd_sid *s)
{
	char buf[256];
	struct sd_sid back;
	int n = sd_sid_to_string(s, buf, sizeof(buf));

	check(n > 0 && (size_t)n < sizeof(buf));
	check(sd_sid_from_string(buf, &back) && sd_sid_equal(s, &back));
}

static void acl_walk(const struct sd_acl *acl)
{
	if (!acl)
		return;
	for (uint16_t i = 0; i < acl->num_aces; i++) {
		const struct sd_ace *ace = &acl->aces[i];

		fuzz_sink += ace->mask;
		if (ace->body)
			fuzz_sink += ace->body[ace->body_len - 1];
		else
			sid_roundtrip(&ace->sid);
	}
}

static void reencode(struct arena *a, const struct sd *sd, uint32_t secinfo)
{
	struct wr w1, w2;
	struct sd *again;
	size_t want = sd_encoded_size(sd, secinfo);

	wr_init(&w1, 64);
	wr_init(&w2, 64);
	if (sd_encode(&w1, sd, secinfo) && !w1.failed) {
		check(w1.len == want);
		check(sd_decode(a, w1.buf, w1.len, &again) == STATUS_SUCCESS);
		check(sd_encode(&w2, again, 0xFFFFFFFFu) && !w2.failed);
		check(w2.len == w1.len && memcmp(w1.buf, w2.buf, w1.len) == 0);
	} else {
		check(want == 0 || w1.failed);
	}
	wr_free(&w1);
	wr_free(&w2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf = fuzz_copy(data, size);
	struct arena a;
	struct sd *sd;

	if (!buf)
		return 0;
	arena_init(&a, 4096);
	if (sd_decode(&a, buf, size, &sd) == STATUS_SUCCESS) {
		if (sd->owner)
			sid_roundtrip(sd->owner);
		if (sd->group)
			sid_roundtrip(sd->group);
		acl_walk(sd->sacl);
		acl_walk(sd->dacl);
		for (uint32_t secinfo = 0; secinfo < 16; secinfo++)
			reencode(&a, sd, secinfo);
	}
	arena_destroy(&a);
	free(buf);
	return 0;
}
