/* SPDX-License-Identifier: Apache-2.0 */
/* EA list codec (src/smb2/wire/ea.c): FILE_FULL_EA_INFORMATION / FILE_GET_EA_INFORMATION
 * decoding with Windows' consistency rules, encoding within an output limit, EaSize. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "smb2/wire/ea.h"

/* The ExtA list smbtorture's getinfo tests send: EAONE=VALUE1, SECONDEA=ValueTwo. */
static const uint8_t torture_list[] = {
	20, 0, 0, 0, 0, 5, 6, 0, 'E', 'A', 'O', 'N', 'E', 0, 'V', 'A', 'L', 'U', 'E', '1',
	0, 0, 0, 0, 0, 8, 8, 0, 'S', 'E', 'C', 'O', 'N', 'D', 'E', 'A', 0,
	'V', 'a', 'l', 'u', 'e', 'T', 'w', 'o',
};

static void test_full_decode(void **state)
{
	struct arena a;
	struct smb2_ea *eas;
	size_t n;
	(void)state;

	arena_init(&a, 1024);
	assert_int_equal(smb2_ea_full_list_decode(&a, torture_list, sizeof(torture_list), &eas, &n),
			 STATUS_SUCCESS);
	assert_int_equal(n, 2);
	assert_string_equal(eas[0].name, "EAONE");
	assert_int_equal(eas[0].value_len, 6);
	assert_memory_equal(eas[0].value, "VALUE1", 6);
	assert_string_equal(eas[1].name, "SECONDEA");
	assert_memory_equal(eas[1].value, "ValueTwo", 8);
	/* EaSize as Samba reports it over SMB2: 20 + 25 */
	assert_int_equal(smb2_ea_list_size(eas, n), 45);

	/* inconsistent lists (IoCheckEaBufferValidity) */
	uint8_t b[64];
	assert_int_equal(smb2_ea_full_list_decode(&a, b, 0, &eas, &n), STATUS_EA_LIST_INCONSISTENT);
	assert_int_equal(smb2_ea_full_list_decode(&a, torture_list, 7, &eas, &n),
			 STATUS_EA_LIST_INCONSISTENT);                  /* header cut */
	assert_int_equal(smb2_ea_full_list_decode(&a, torture_list, sizeof(torture_list) - 1, &eas, &n),
			 STATUS_EA_LIST_INCONSISTENT);                  /* value cut */
	memcpy(b, torture_list, sizeof(torture_list));
	b[0] = 22;                                                       /* not a multiple of 4 */
	assert_int_equal(smb2_ea_full_list_decode(&a, b, sizeof(torture_list), &eas, &n),
			 STATUS_EA_LIST_INCONSISTENT);
	b[0] = 16;                                                       /* inside the entry */
	assert_int_equal(smb2_ea_full_list_decode(&a, b, sizeof(torture_list), &eas, &n),
			 STATUS_EA_LIST_INCONSISTENT);
	b[0] = 44;                                                       /* no room for a header */
	assert_int_equal(smb2_ea_full_list_decode(&a, b, sizeof(torture_list), &eas, &n),
			 STATUS_EA_LIST_INCONSISTENT);
	memcpy(b, torture_list, sizeof(torture_list));
	b[10] = 0;                                                       /* NUL inside the name */
	assert_int_equal(smb2_ea_full_list_decode(&a, b, sizeof(torture_list), &eas, &n),
			 STATUS_INVALID_EA_NAME);
	/* bytes after the last entry are ignored; a zero-length value has no pointer */
	const uint8_t del[] = { 0, 0, 0, 0, 0x80, 1, 0, 0, 'X', 0, 0xEE, 0xEE };
	assert_int_equal(smb2_ea_full_list_decode(&a, del, sizeof(del), &eas, &n), STATUS_SUCCESS);
	assert_int_equal(n, 1);
	assert_int_equal(eas[0].flags, FILE_NEED_EA);
	assert_int_equal(eas[0].value_len, 0);
	assert_null(eas[0].value);
	arena_destroy(&a);
}

static void test_get_decode(void **state)
{
	struct arena a;
	struct smb2_ea *eas;
	size_t n;
	const uint8_t get[] = { 12, 0, 0, 0, 5, 'E', 'A', 'O', 'N', 'E', 0, 0,
				0, 0, 0, 0, 1, 'Z', 0 };
	(void)state;

	arena_init(&a, 1024);
	assert_int_equal(smb2_ea_get_list_decode(&a, get, sizeof(get), &eas, &n), STATUS_SUCCESS);
	assert_int_equal(n, 2);
	assert_string_equal(eas[0].name, "EAONE");
	assert_string_equal(eas[1].name, "Z");
	assert_int_equal(smb2_ea_get_list_decode(&a, get, sizeof(get) - 1, &eas, &n),
			 STATUS_EA_LIST_INCONSISTENT);
	arena_destroy(&a);
}

static void test_encode(void **state)
{
	struct arena a;
	struct smb2_ea *eas;
	size_t n;
	struct wr w;
	(void)state;

	arena_init(&a, 1024);
	assert_int_equal(smb2_ea_full_list_decode(&a, torture_list, sizeof(torture_list), &eas, &n),
			 STATUS_SUCCESS);
	/* everything: the same bytes the client sent */
	wr_init(&w, 64);
	assert_int_equal(smb2_ea_full_list_encode(&w, eas, n, 65536, false), 2);
	assert_int_equal(w.len, sizeof(torture_list));
	assert_memory_equal(w.buf, torture_list, sizeof(torture_list));
	wr_free(&w);
	/* whole entries only: 44 bytes hold the first (20) but not both (45) */
	wr_init(&w, 64);
	assert_int_equal(smb2_ea_full_list_encode(&w, eas, n, 44, false), 1);
	assert_int_equal(w.len, 20);
	assert_int_equal(w.buf[0], 0);   /* the last one written ends the list */
	wr_free(&w);
	wr_init(&w, 64);
	assert_int_equal(smb2_ea_full_list_encode(&w, eas, n, 19, false), 0);
	assert_int_equal(w.len, 0);
	wr_free(&w);
	wr_init(&w, 64);
	assert_int_equal(smb2_ea_full_list_encode(&w, eas, n, 65536, true), 1);
	wr_free(&w);
	arena_destroy(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_decode),
		cmocka_unit_test(test_get_decode),
		cmocka_unit_test(test_encode),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
