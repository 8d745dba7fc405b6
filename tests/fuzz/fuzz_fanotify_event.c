// layer: vfs
/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz the fanotify event parser (src/vfs/vfs_watch_fan.c). Input: what one read() of a
 * fanotify descriptor returns (seeds: real reads of FAN_REPORT_DFID_NAME events). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "vfs/vfs_watch.h"

volatile size_t fuzz_sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vfs_fan_event ev;
	size_t used;

	for (size_t off = 0; off < size; off += used) {
		bool ok = vfs_fan_parse(data + off, size - off, &ev, &used);
		if (used == 0)
			break;
		if (!ok)
			continue;
		const struct vfs_fan_ref *refs[3] = { &ev.dir, &ev.old_dir, &ev.new_dir };
		bool has[3] = { ev.has_dir, ev.has_old, ev.has_new };
		for (size_t i = 0; i < 3; i++)
			if (has[i]) {
				/* every byte the parser points at must be inside the input */
				fuzz_sink += strlen(refs[i]->name) + refs[i]->key[refs[i]->key_len - 1];
			}
		uint32_t filter;
		fuzz_sink += vfs_fan_map(ev.mask & 0x100, ev.mask & 0x40000000, &filter) + filter;
	}
	return 0;
}
