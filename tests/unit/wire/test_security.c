/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for src/smb2/wire/security.c: SID strings, the self-relative descriptor layout at
 * spec offsets, AdditionalInformation filtering, opaque ACEs, and rejection of malformed input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/arena.h"
#include "core/buf.h"
#include "smb2/wire/security.h"

#define ALL_SECINFO (OWNER_SECURITY_INFORMATION | GROUP_SECURITY_INFORMATION | \
		     DACL_SECURITY_INFORMATION | SACL_SECURITY_INFORMATION)

/*
 * Built by hand in the layout Samba 4.17 uses (owner, group, DACL after the header), with Unix
 * SIDs: owner S-1-22-1-1000, group S-1-22-2-1000, DACL protected, { allow owner 0x001f01ff,
 * allow group 0x001200a9, allow Everyone 0x001200a9 }.
 */
static const uint8_t samba_sd[] = {
	0x01, 0x00, 0x04, 0x90,                         /* rev 1, control DACL_PRESENT|PROTECTED|SELF_RELATIVE */
	0x14, 0x00, 0x00, 0x00,                         /* owner at 20 */
	0x24, 0x00, 0x00, 0x00,                         /* group at 36 */
	0x00, 0x00, 0x00, 0x00,                         /* no SACL */
	0x34, 0x00, 0x00, 0x00,                         /* DACL at 52 */
	0x01, 0x02, 0, 0, 0, 0, 0, 0x16, 0x01, 0, 0, 0, 0xe8, 0x03, 0, 0,   /* S-1-22-1-1000 */
	0x01, 0x02, 0, 0, 0, 0, 0, 0x16, 0x02, 0, 0, 0, 0xe8, 0x03, 0, 0,   /* S-1-22-2-1000 */
	0x02, 0x00, 0x4c, 0x00, 0x03, 0x00, 0x00, 0x00, /* ACL rev 2, size 76, 3 ACEs */
	0x00, 0x00, 0x18, 0x00, 0xff, 0x01, 0x1f, 0x00,
	0x01, 0x02, 0, 0, 0, 0, 0, 0x16, 0x01, 0, 0, 0, 0xe8, 0x03, 0, 0,
	0x00, 0x00, 0x18, 0x00, 0xa9, 0x00, 0x12, 0x00,
	0x01, 0x02, 0, 0, 0, 0, 0, 0x16, 0x02, 0, 0, 0, 0xe8, 0x03, 0, 0,
	0x00, 0x00, 0x14, 0x00, 0xa9, 0x00, 0x12, 0x00,
	0x01, 0x01, 0, 0, 0, 0, 0, 0x01, 0x00, 0, 0, 0,                     /* S-1-1-0 */
};

/* Captured: QUERY_INFO(SECURITY, OWNER|GROUP|DACL) of a new file on Samba 4.17 (acl_xattr,
 * tdbsam): owner S-1-5-21-...-1000, group S-1-5-21-...-513, three allow ACEs. */
static const uint8_t samba_captured[] = {
	0x01, 0x00, 0x04, 0x80, 0x14, 0x00, 0x00, 0x00, 0x30, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x4c, 0x00, 0x00, 0x00, 0x01, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x15, 0x00, 0x00, 0x00,
	0xcd, 0x5f, 0xb8, 0xa7, 0x75, 0xd7, 0xdf, 0x55, 0xa6, 0xa8, 0x30, 0xe0, 0xe8, 0x03, 0x00, 0x00,
	0x01, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x15, 0x00, 0x00, 0x00, 0xcd, 0x5f, 0xb8, 0xa7,
	0x75, 0xd7, 0xdf, 0x55, 0xa6, 0xa8, 0x30, 0xe0, 0x01, 0x02, 0x00, 0x00, 0x02, 0x00, 0x64, 0x00,
	0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x24, 0x00, 0xff, 0x01, 0x1f, 0x00, 0x01, 0x05, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x05, 0x15, 0x00, 0x00, 0x00, 0xcd, 0x5f, 0xb8, 0xa7, 0x75, 0xd7, 0xdf, 0x55,
	0xa6, 0xa8, 0x30, 0xe0, 0xe8, 0x03, 0x00, 0x00, 0x00, 0x00, 0x24, 0x00, 0xa9, 0x00, 0x12, 0x00,
	0x01, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x15, 0x00, 0x00, 0x00, 0xcd, 0x5f, 0xb8, 0xa7,
	0x75, 0xd7, 0xdf, 0x55, 0xa6, 0xa8, 0x30, 0xe0, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x14, 0x00,
	0xa9, 0x00, 0x12, 0x00, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00
};

static void test_sid_strings(void **state)
{
	struct sd_sid s;
	char buf[96];

	assert_true(sd_sid_from_string("S-1-5-32-544", &s));
	assert_int_equal(s.authority, 5);
	assert_int_equal(s.num_auths, 2);
	assert_int_equal(s.sub_auths[0], 32);
	assert_int_equal(s.sub_auths[1], 544);
	assert_int_equal(sd_sid_to_string(&s, buf, sizeof(buf)), 12);
	assert_string_equal(buf, "S-1-5-32-544");

	s = SD_SID_UNIX_USER(4294967295u);
	sd_sid_to_string(&s, buf, sizeof(buf));
	assert_string_equal(buf, "S-1-22-1-4294967295");

	/* Authorities of 2^32 and above print in hex (MS-DTYP 2.4.2.1). */
	assert_true(sd_sid_from_string("S-1-0x123456789ABC-7", &s));
	assert_true(s.authority == 0x123456789ABCull);
	sd_sid_to_string(&s, buf, sizeof(buf));
	assert_string_equal(buf, "S-1-0x123456789ABC-7");

	assert_true(sd_sid_from_string("S-1-1", &s));
	assert_int_equal(s.num_auths, 0);
	/* Truncation: the length is still reported. */
	s = SD_SID_ADMINISTRATORS;
	assert_int_equal(sd_sid_to_string(&s, buf, 5), 12);
	assert_string_equal(buf, "S-1-");
	/* Sizing call, as with snprintf. */
	assert_int_equal(sd_sid_to_string(&s, NULL, 0), 12);
	/* The longest form: a 48-bit hex authority and 15 sub-authorities of 2^32 - 1. */
	assert_true(sd_sid_from_string("S-1-0xFFFFFFFFFFFF-4294967295-4294967295-4294967295-4294967295"
				       "-4294967295-4294967295-4294967295-4294967295-4294967295-4294967295"
				       "-4294967295-4294967295-4294967295-4294967295-4294967295", &s));
	assert_int_equal(s.num_auths, 15);
	assert_int_equal(sd_sid_to_string(&s, buf, 5), 18 + 15 * 11);

	assert_false(sd_sid_from_string("S-2-5", &s));
	assert_false(sd_sid_from_string("S-1-", &s));
	assert_false(sd_sid_from_string("S-1-5-", &s));
	assert_false(sd_sid_from_string("S-1-5-x", &s));
	assert_false(sd_sid_from_string("S-1-5-4294967296", &s));
	assert_false(sd_sid_from_string("S-1-281474976710656", &s));
	assert_false(sd_sid_from_string("S-1-5-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15-16", &s));
	assert_true(sd_sid_from_string("S-1-5-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15", &s));
}

static void test_decode_samba(void **state)
{
	struct arena a;
	struct sd *sd;
	struct sd_sid want;

	arena_init(&a, 4096);
	assert_int_equal(sd_decode(&a, samba_sd, sizeof(samba_sd), &sd), STATUS_SUCCESS);
	assert_int_equal(sd->revision, 1);
	assert_int_equal(sd->control, SE_SELF_RELATIVE | SE_DACL_PROTECTED | SE_DACL_PRESENT);
	want = SD_SID_UNIX_USER(1000);
	assert_non_null(sd->owner);
	assert_true(sd_sid_equal(sd->owner, &want));
	want = SD_SID_UNIX_GROUP(1000);
	assert_true(sd_sid_equal(sd->group, &want));
	assert_null(sd->sacl);
	assert_non_null(sd->dacl);
	assert_int_equal(sd->dacl->revision, ACL_REVISION);
	assert_int_equal(sd->dacl->num_aces, 3);
	assert_int_equal(sd->dacl->aces[0].type, ACCESS_ALLOWED_ACE_TYPE);
	assert_int_equal(sd->dacl->aces[0].mask, 0x001f01ff);
	assert_int_equal(sd->dacl->aces[2].mask, 0x001200a9);
	want = SD_SID_EVERYONE;
	assert_true(sd_sid_equal(&sd->dacl->aces[2].sid, &want));
	assert_null(sd->dacl->aces[2].body);

	/* Re-encoding gives the same bytes. */
	struct wr w;
	wr_init(&w, 64);
	assert_int_equal(sd_encoded_size(sd, ALL_SECINFO), sizeof(samba_sd));
	assert_true(sd_encode(&w, sd, ALL_SECINFO));
	assert_false(w.failed);
	assert_int_equal(w.len, sizeof(samba_sd));
	assert_memory_equal(w.buf, samba_sd, sizeof(samba_sd));
	wr_free(&w);
	arena_destroy(&a);
}

static void test_decode_captured(void **state)
{
	struct arena a;
	struct sd *sd;
	struct wr w;
	char buf[96];

	arena_init(&a, 4096);
	assert_int_equal(sd_decode(&a, samba_captured, sizeof(samba_captured), &sd), STATUS_SUCCESS);
	assert_int_equal(sd->control, SE_SELF_RELATIVE | SE_DACL_PRESENT);
	sd_sid_to_string(sd->owner, buf, sizeof(buf));
	assert_string_equal(buf, "S-1-5-21-2813878221-1440733045-3761285286-1000");
	sd_sid_to_string(sd->group, buf, sizeof(buf));
	assert_string_equal(buf, "S-1-5-21-2813878221-1440733045-3761285286-513");
	assert_int_equal(sd->dacl->num_aces, 3);
	assert_int_equal(sd->dacl->aces[0].mask, 0x001f01ff);
	assert_int_equal(sd->dacl->aces[1].mask, 0x001200a9);
	wr_init(&w, 64);
	assert_true(sd_encode(&w, sd, ALL_SECINFO));
	assert_int_equal(w.len, sizeof(samba_captured));
	assert_memory_equal(w.buf, samba_captured, sizeof(samba_captured));
	wr_free(&w);
	arena_destroy(&a);
}

static void test_encode_secinfo(void **state)
{
	struct arena a;
	struct sd *sd;
	struct wr w;

	arena_init(&a, 4096);
	assert_int_equal(sd_decode(&a, samba_sd, sizeof(samba_sd), &sd), STATUS_SUCCESS);

	/* Nothing asked: the bare header, SELF_RELATIVE only (smb2.sdread asks for this). */
	wr_init(&w, 64);
	assert_true(sd_encode(&w, sd, 0));
	assert_int_equal(w.len, SD_HEADER_SIZE);
	assert_int_equal(sd_encoded_size(sd, 0), SD_HEADER_SIZE);
	assert_int_equal(w.buf[0], 1);
	assert_int_equal(le16(w.buf + 2), SE_SELF_RELATIVE);
	for (int i = 4; i < 20; i++)
		assert_int_equal(w.buf[i], 0);
	wr_free(&w);

	/* Group only. */
	wr_init(&w, 64);
	assert_true(sd_encode(&w, sd, GROUP_SECURITY_INFORMATION));
	assert_int_equal(w.len, SD_HEADER_SIZE + 16);
	assert_int_equal(le32(w.buf + 4), 0);
	assert_int_equal(le32(w.buf + 8), 20);
	assert_int_equal(le32(w.buf + 16), 0);
	assert_memory_equal(w.buf + 20, samba_sd + 36, 16);
	wr_free(&w);

	/* DACL only: its control bits stay, offsets of the rest are 0. */
	wr_init(&w, 64);
	assert_true(sd_encode(&w, sd, DACL_SECURITY_INFORMATION));
	assert_int_equal(w.len, SD_HEADER_SIZE + 76);
	assert_int_equal(le16(w.buf + 2), SE_SELF_RELATIVE | SE_DACL_PROTECTED | SE_DACL_PRESENT);
	assert_int_equal(le32(w.buf + 4), 0);
	assert_int_equal(le32(w.buf + 16), 20);
	assert_memory_equal(w.buf + 20, samba_sd + 52, 76);
	wr_free(&w);

	/* SACL asked but absent: no SACL_PRESENT. */
	wr_init(&w, 64);
	assert_true(sd_encode(&w, sd, SACL_SECURITY_INFORMATION));
	assert_int_equal(le16(w.buf + 2), SE_SELF_RELATIVE);
	wr_free(&w);
	arena_destroy(&a);
}

static void test_null_and_empty_dacl(void **state)
{
	struct arena a;
	struct sd *sd;
	struct sd in = { .revision = 1, .control = SE_DACL_PRESENT };
	struct sd_acl empty = { .revision = ACL_REVISION };
	struct wr w;

	arena_init(&a, 4096);
	/* NULL DACL: present, offset 0. */
	wr_init(&w, 64);
	assert_true(sd_encode(&w, &in, ALL_SECINFO));
	assert_int_equal(w.len, SD_HEADER_SIZE);
	assert_int_equal(le16(w.buf + 2), SE_SELF_RELATIVE | SE_DACL_PRESENT);
	assert_int_equal(sd_decode(&a, w.buf, w.len, &sd), STATUS_SUCCESS);
	assert_true(sd->control & SE_DACL_PRESENT);
	assert_null(sd->dacl);
	wr_free(&w);

	/* Empty DACL: present, 8-byte ACL with no ACEs (denies everyone). */
	in.dacl = &empty;
	wr_init(&w, 64);
	assert_true(sd_encode(&w, &in, ALL_SECINFO));
	assert_int_equal(w.len, SD_HEADER_SIZE + 8);
	assert_int_equal(le32(w.buf + 16), 20);
	assert_int_equal(le16(w.buf + 22), 8);
	assert_int_equal(sd_decode(&a, w.buf, w.len, &sd), STATUS_SUCCESS);
	assert_non_null(sd->dacl);
	assert_int_equal(sd->dacl->num_aces, 0);
	wr_free(&w);

	/* A DACL offset without DACL_PRESENT is ignored (as Windows does). */
	uint8_t b[sizeof(samba_sd)];
	memcpy(b, samba_sd, sizeof(b));
	put_le16(b + 2, SE_SELF_RELATIVE);
	assert_int_equal(sd_decode(&a, b, sizeof(b), &sd), STATUS_SUCCESS);
	assert_null(sd->dacl);
	arena_destroy(&a);
}

static void test_opaque_and_flags(void **state)
{
	/* An object ACE (type 5) with an odd-sized body, inheritance flags on a simple ACE, a
	 * SACL with an audit ACE, and ACL revision 4. */
	static const uint8_t body[] = { 0x00, 0x01, 0x12, 0x00, 0x01, 0x00, 0x00, 0x00, 0xAA, 0xBB, 0xCC };
	struct sd_ace dace[2] = {
		{ .type = ACCESS_DENIED_ACE_TYPE, .flags = OBJECT_INHERIT_ACE | CONTAINER_INHERIT_ACE |
		  INHERIT_ONLY_ACE | INHERITED_ACE, .mask = 0x00010000, .sid = SD_SID_CREATOR_OWNER },
		{ .type = ACCESS_ALLOWED_OBJECT_ACE_TYPE, .flags = 0, .mask = 0x00120100,
		  .body = body, .body_len = sizeof(body) },
	};
	struct sd_ace sace = { .type = SYSTEM_AUDIT_ACE_TYPE, .flags = FAILED_ACCESS_ACE_FLAG,
			       .mask = 0x10000000, .sid = SD_SID_EVERYONE };
	struct sd_acl dacl = { .revision = ACL_REVISION_DS, .num_aces = 2, .aces = dace };
	struct sd_acl sacl = { .revision = ACL_REVISION, .num_aces = 1, .aces = &sace };
	struct sd_sid owner = SD_SID_ADMINISTRATORS, group = SD_SID_SYSTEM;
	struct sd in = { .revision = 1, .control = SE_DACL_PRESENT | SE_SACL_PRESENT | SE_DACL_AUTO_INHERITED,
			 .owner = &owner, .group = &group, .sacl = &sacl, .dacl = &dacl };
	struct arena a;
	struct sd *sd;
	struct wr w;

	arena_init(&a, 4096);
	wr_init(&w, 64);
	assert_true(sd_encode(&w, &in, ALL_SECINFO));
	/* header 20, owner 16, group 12, SACL 8+20, DACL 8+20+(4+12) */
	assert_int_equal(w.len, 20 + 16 + 12 + 28 + 44);
	assert_int_equal(le32(w.buf + 4), 20);
	assert_int_equal(le32(w.buf + 8), 36);
	assert_int_equal(le32(w.buf + 12), 48);
	assert_int_equal(le32(w.buf + 16), 76);
	/* the object ACE: size padded to 16, body verbatim, then zero */
	assert_int_equal(w.buf[76 + 8 + 20], ACCESS_ALLOWED_OBJECT_ACE_TYPE);
	assert_int_equal(le16(w.buf + 76 + 8 + 20 + 2), 16);
	assert_memory_equal(w.buf + 76 + 8 + 24, body, sizeof(body));
	assert_int_equal(w.buf[76 + 8 + 24 + 11], 0);

	assert_int_equal(sd_decode(&a, w.buf, w.len, &sd), STATUS_SUCCESS);
	assert_int_equal(sd->dacl->revision, ACL_REVISION_DS);
	assert_int_equal(sd->dacl->aces[0].flags, 0x1B);
	assert_true(sd_sid_equal(&sd->dacl->aces[0].sid, &dace[0].sid));
	assert_int_equal(sd->dacl->aces[1].mask, 0x00120100);
	assert_int_equal(sd->dacl->aces[1].body_len, 12);   /* the padding is part of the body now */
	assert_memory_equal(sd->dacl->aces[1].body, body, sizeof(body));
	assert_int_equal(sd->sacl->aces[0].type, SYSTEM_AUDIT_ACE_TYPE);
	assert_int_equal(sd->sacl->aces[0].flags, FAILED_ACCESS_ACE_FLAG);
	assert_int_equal(sd->control, in.control | SE_SELF_RELATIVE);

	/* Re-encoding the decoded form is stable. */
	struct wr w2;
	wr_init(&w2, 64);
	assert_true(sd_encode(&w2, sd, ALL_SECINFO));
	assert_int_equal(w2.len, w.len);
	assert_memory_equal(w2.buf, w.buf, w.len);
	wr_free(&w2);
	wr_free(&w);
	arena_destroy(&a);
}

static void test_malformed(void **state)
{
	struct arena a;
	struct sd *sd;
	uint8_t b[sizeof(samba_sd)];

	arena_init(&a, 4096);
	/* Every truncation that cuts into a referenced part fails; none reads past the end. */
	for (size_t n = 0; n < sizeof(samba_sd); n++)
		assert_int_equal(sd_decode(&a, samba_sd, n, &sd), STATUS_INVALID_SECURITY_DESCR);

	memcpy(b, samba_sd, sizeof(b));
	b[0] = 2;   /* SD revision */
	assert_int_equal(sd_decode(&a, b, sizeof(b), &sd), STATUS_INVALID_SECURITY_DESCR);

	memcpy(b, samba_sd, sizeof(b));
	put_le32(b + 4, 8);   /* owner inside the header */
	assert_int_equal(sd_decode(&a, b, sizeof(b), &sd), STATUS_INVALID_SECURITY_DESCR);

	memcpy(b, samba_sd, sizeof(b));
	put_le32(b + 4, 0xFFFFFFF0u);   /* owner far outside */
	assert_int_equal(sd_decode(&a, b, sizeof(b), &sd), STATUS_INVALID_SECURITY_DESCR);

	memcpy(b, samba_sd, sizeof(b));
	b[20] = 2;   /* SID revision */
	assert_int_equal(sd_decode(&a, b, sizeof(b), &sd), STATUS_INVALID_SECURITY_DESCR);

	memcpy(b, samba_sd, sizeof(b));
	b[21] = 16;   /* SubAuthorityCount > 15 */
	assert_int_equal(sd_decode(&a, b, sizeof(b), &sd), STATUS_INVALID_SECURITY_DESCR);

	memcpy(b, samba_sd, sizeof(b));
	b[52] = 1;   /* ACL revision */
	assert_int_equal(sd_decode(&a, b, sizeof(b), &sd), STATUS_INVALID_SECURITY_DESCR);

	memcpy(b, samba_sd, sizeof(b));
	put_le16(b + 54, 77);   /* AclSize past the end */
	assert_int_equal(sd_decode(&a, b, sizeof(b), &sd), STATUS_INVALID_SECURITY_DESCR);

	memcpy(b, samba_sd, sizeof(b));
	put_le16(b + 56, 0xFFFF);   /* AceCount far beyond what 76 bytes can hold */
	assert_int_equal(sd_decode(&a, b, sizeof(b), &sd), STATUS_INVALID_SECURITY_DESCR);

	memcpy(b, samba_sd, sizeof(b));
	put_le16(b + 56, 4);   /* one ACE more than present */
	assert_int_equal(sd_decode(&a, b, sizeof(b), &sd), STATUS_INVALID_SECURITY_DESCR);

	memcpy(b, samba_sd, sizeof(b));
	put_le16(b + 60 + 2, 3);   /* AceSize smaller than a header and a mask */
	assert_int_equal(sd_decode(&a, b, sizeof(b), &sd), STATUS_INVALID_SECURITY_DESCR);

	memcpy(b, samba_sd, sizeof(b));
	put_le16(b + 60 + 2, 12);   /* simple ACE too short for its SID */
	assert_int_equal(sd_decode(&a, b, sizeof(b), &sd), STATUS_INVALID_SECURITY_DESCR);

	memcpy(b, samba_sd, sizeof(b));
	put_le16(b + 54, 60);   /* AclSize cuts the last ACE */
	assert_int_equal(sd_decode(&a, b, sizeof(b), &sd), STATUS_INVALID_SECURITY_DESCR);

	/* A fewer-ACEs count leaves the rest of the ACL unread: fine. */
	memcpy(b, samba_sd, sizeof(b));
	put_le16(b + 56, 1);
	assert_int_equal(sd_decode(&a, b, sizeof(b), &sd), STATUS_SUCCESS);
	assert_int_equal(sd->dacl->num_aces, 1);
	arena_destroy(&a);
}

static void test_too_large(void **state)
{
	static struct sd_ace aces[3000];
	struct sd_acl dacl = { .revision = ACL_REVISION, .num_aces = 3000, .aces = aces };
	struct sd in = { .revision = 1, .control = SE_DACL_PRESENT, .dacl = &dacl };
	struct wr w;

	for (int i = 0; i < 3000; i++)
		aces[i] = (struct sd_ace){ .type = ACCESS_ALLOWED_ACE_TYPE, .mask = 1,
					   .sid = SD_SID_UNIX_USER(i) };   /* 24 bytes each */
	assert_int_equal(sd_encoded_size(&in, DACL_SECURITY_INFORMATION), 0);
	wr_init(&w, 64);
	assert_false(sd_encode(&w, &in, DACL_SECURITY_INFORMATION));
	assert_int_equal(w.len, 0);
	/* Without the DACL selected the size limit does not matter. */
	assert_true(sd_encode(&w, &in, OWNER_SECURITY_INFORMATION));
	assert_int_equal(w.len, SD_HEADER_SIZE);
	wr_free(&w);

	dacl.num_aces = 2000;   /* 8 + 48000 bytes: fits */
	assert_int_equal(sd_encoded_size(&in, DACL_SECURITY_INFORMATION), 20 + 8 + 48000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sid_strings),
		cmocka_unit_test(test_decode_samba),
		cmocka_unit_test(test_decode_captured),
		cmocka_unit_test(test_encode_secinfo),
		cmocka_unit_test(test_null_and_empty_dacl),
		cmocka_unit_test(test_opaque_and_flags),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_too_large),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
