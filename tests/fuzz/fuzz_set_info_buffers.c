// layer: wire
/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: every SET_INFO buffer decoder (src/smb2/wire/info_set.c) on the same bytes,
 * checking that what they return stays inside the input; then the QUERY_INFO / QUERY_DIRECTORY
 * encoders with a fuzzed OutputBufferLength and name, checking they never write past it.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "smb2/wire/info_dir.h"
#include "smb2/wire/info_file.h"
#include "smb2/wire/info_fs.h"
#include "smb2/wire/info_set.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond)
{
	if (!cond)
		abort();
}

static void check_rename(NTSTATUS st, const struct smb2_set_rename *r, const uint8_t *data,
			 size_t size)
{
	if (st != STATUS_SUCCESS)
		return;
	check(r->name_len % 2 == 0);
	check(r->name_len <= size);
	if (r->name_len) {
		volatile uint8_t sink = 0;

		check(r->name >= data + 20 && r->name + r->name_len <= data + size);
		for (uint32_t i = 0; i < r->name_len; i++)
			sink ^= r->name[i];
		(void)sink;
	}
}

static void decoders(const uint8_t *data, size_t size)
{
	struct smb2_set_basic basic;
	struct smb2_set_rename ren;
	uint64_t v;
	uint32_t u;
	bool b;

	(void)smb2_set_basic_decode(data, size, &basic);
	(void)smb2_set_eof_decode(data, size, &v);
	(void)smb2_set_allocation_decode(data, size, &v);
	(void)smb2_set_position_decode(data, size, &v);
	(void)smb2_set_disposition_decode(data, size, &b);
	(void)smb2_set_disposition_ex_decode(data, size, &u);
	(void)smb2_set_mode_decode(data, size, &u);
	check_rename(smb2_set_rename_decode(data, size, &ren), &ren, data, size);
	check_rename(smb2_set_rename_ex_decode(data, size, &ren), &ren, data, size);
	check_rename(smb2_set_link_decode(data, size, &ren), &ren, data, size);
	if (size)
		(void)smb2_set_info_file_class_check(data[0]);
}

/* Encoders: data = [class u8][limit u16][name bytes...]. */
static void encoders(const uint8_t *data, size_t size)
{
	struct smb2_info_file f = { .attrs = 0x20, .nlink = 1, .dialect = 0x0311 };
	struct smb2_info_fs s = { .fs_name = "NTFS", .max_name_len = 255, .bytes_per_sector = 512 };
	struct smb2_dir_entry e = { .attrs = 0x20 };
	struct smb2_dir_enc enc;
	struct wr w;
	uint32_t limit;
	uint8_t cls;
	char *name;

	if (size < 3)
		return;
	cls = data[0];
	limit = le16(data + 1);
	name = malloc(size - 3 + 1);
	if (!name)
		return;
	memcpy(name, data + 3, size - 3);
	name[size - 3] = '\0';

	f.path = name;
	f.is_dir = cls & 0x80;
	wr_init(&w, 64);
	(void)smb2_info_file_encode(cls, &f, limit, &w);
	check(w.failed || w.len <= limit);
	wr_free(&w);

	s.volume_label = name;
	wr_init(&w, 64);
	(void)smb2_info_fs_encode(cls & 0x0F, &s, limit, &w);
	check(w.failed || w.len <= limit);
	wr_free(&w);

	e.name = name;
	wr_init(&w, 64);
	if (smb2_dir_enc_init(&enc, cls & 0x3F, limit, &w) == STATUS_SUCCESS) {
		int i;

		for (i = 0; i < 4; i++) {
			if (smb2_dir_enc_add(&enc, &e) != STATUS_SUCCESS)
				break;
		}
		check(w.failed || w.len <= limit);
	}
	wr_free(&w);
	free(name);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	decoders(data, size);
	encoders(data, size);
	return 0;
}
