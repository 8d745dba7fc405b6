/* SPDX-License-Identifier: Apache-2.0 */
/*
 * skiff-load: bench's own SMB2 load client. smbclient sends one request at a time and spends as
 * much CPU as the server on small files; this keeps up to --depth requests (or CREATE+WRITE+CLOSE
 * compounds) outstanding on one signed SMB 3.1.1 connection, so that the server is what is
 * measured. Prints one JSON line; exits 1 on any error (bad status, bad signature, short I/O).
 *
 *   skiff-load files --dir D [--count 2000] [--size 4096]   create and write D\f00000...
 *   skiff-load write --file F --size BYTES [--truncate]      write F (in place unless --truncate)
 *   skiff-load read --file F [--verify]                     read F whole
 *   skiff-load pattern --size BYTES [--index I]             the test pattern, to stdout
 * Common: --host 127.0.0.1 --port P --share S --user U --password-file PATH (or the environment
 * variable SKIFF_LOAD_PASSWORD) --depth N (default 32) --io BYTES (default 1 MiB).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "smb2_client.h"

#define ACCESS_FILE_READ_DATA   0x00000001u
#define ACCESS_FILE_WRITE_DATA  0x00000002u
#define ACCESS_READ_ATTRIBUTES  0x00000080u
#define ACCESS_SYNCHRONIZE      0x00100000u
#define DISP_OPEN               1u
#define DISP_OPEN_IF            3u
#define DISP_OVERWRITE_IF       5u
#define OPT_DIRECTORY           0x00000001u
#define OPT_NON_DIRECTORY       0x00000040u
#define PATTERN_PERIOD          (128u * 1024u)   /* lc_pattern repeats every 128 KiB */
#define MAX_DEPTH               256
#define SLOT_COUNT              65536            /* > MAX_DEPTH × the largest credit charge */

struct opts {
	const char *cmd, *host, *share, *user, *password_file, *dir, *file;
	uint16_t port;
	unsigned depth, count, index;
	uint64_t size, io;
	bool truncate, verify;
};

struct result {
	uint64_t ops, bytes, errors;
	double seconds;
};

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static uint16_t charge_of(uint64_t len)
{
	return (uint16_t)(len ? (len + 65535) / 65536 : 1);
}

/* Wait for one frame and account for its messages. Returns false on a transport or signature
 * error; done_cmd counts final responses of that command, errors the failed ones. */
struct pipe_state {
	struct lc_conn *c;
	unsigned inflight;
	uint64_t done, errors;
	uint64_t slot_offset[SLOT_COUNT];   /* READ: the offset each message id asked for */
	const struct opts *o;
	uint64_t bytes;
};

static bool drain_one(struct pipe_state *ps, enum lc_cmd done_cmd)
{
	struct lc_msg m;
	size_t off = 0;

	if (!lc_frame_recv(ps->c))
		return false;
	while (lc_frame_next(ps->c, &off, &m)) {
		if (m.status == LC_STATUS_PENDING && m.body_len >= 8)
			continue;   /* interim: the final answer follows */
		if (m.status != LC_STATUS_SUCCESS) {
			if (ps->errors++ == 0)
				fprintf(stderr, "skiff-load: command %u, message %" PRIu64 ": status 0x%08x\n",
					m.command, m.message_id, m.status);
		} else if (m.command == LC_WRITE && m.body_len >= 8) {
			ps->bytes += le32(m.body + 4);
		} else if (m.command == LC_READ && m.body_len >= 16) {
			uint8_t data_off = m.body[2];
			uint32_t n = le32(m.body + 4);
			if (data_off < LC_HDR_SIZE || data_off + (size_t)n > m.len) {
				ps->errors++;
				fprintf(stderr, "skiff-load: READ response out of bounds\n");
			} else {
				ps->bytes += n;
				if (ps->o->verify) {
					uint64_t at = ps->slot_offset[m.message_id % SLOT_COUNT];
					const uint8_t *d = m.p + data_off;
					for (uint32_t i = 0; i < n; i++)
						if (d[i] != lc_pattern(ps->o->index, at + i)) {
							if (ps->errors++ == 0)
								fprintf(stderr, "skiff-load: wrong byte at offset %" PRIu64 "\n",
									at + i);
							break;
						}
				}
			}
		}
		if (m.command == done_cmd) {
			ps->done++;
			ps->inflight--;
		}
	}
	return ps->c->error[0] == '\0';
}

static void path_join(char *out, size_t n, const char *dir, const char *name)
{
	snprintf(out, n, "%s\\%s", dir, name);
}

static bool run_files(struct lc_conn *c, const struct opts *o, struct result *res)
{
	struct pipe_state *ps = calloc(1, sizeof(*ps));
	uint8_t fid[16], *data = malloc(o->size ? o->size : 1);
	const uint8_t related_fid[16] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	struct wr w;
	bool ok = false;
	double t0;
	unsigned sent = 0;

	if (!ps || !data)
		goto out;
	ps->c = c;
	ps->o = o;
	wr_init(&w, 1024 + o->size);
	if (!lc_create(c, o->dir, ACCESS_READ_ATTRIBUTES | ACCESS_SYNCHRONIZE, DISP_OPEN_IF, OPT_DIRECTORY,
		       fid, NULL) || !lc_close_file(c, fid))
		goto out_w;
	t0 = now();
	while (ps->done < o->count) {
		uint16_t need = 2 + charge_of(o->size);
		while (sent < o->count && ps->inflight < o->depth && c->credits >= need) {
			char name[32], path[1024];
			snprintf(name, sizeof(name), "f%05u", sent);
			path_join(path, sizeof(path), o->dir, name);
			for (uint64_t i = 0; i < o->size; i++)
				data[i] = lc_pattern(sent, i);
			lc_frame_begin(&w);
			size_t a = lc_msg_begin(c, &w, LC_CREATE, 1, false);
			lc_put_create(&w, path, ACCESS_FILE_WRITE_DATA | ACCESS_READ_ATTRIBUTES | ACCESS_SYNCHRONIZE,
				      DISP_OVERWRITE_IF, OPT_NON_DIRECTORY);
			lc_msg_end(c, &w, a, true);
			a = lc_msg_begin(c, &w, LC_WRITE, charge_of(o->size), true);
			lc_put_write(&w, related_fid, 0, data, (uint32_t)o->size);
			lc_msg_end(c, &w, a, true);
			a = lc_msg_begin(c, &w, LC_CLOSE, 1, true);
			lc_put_close(&w, related_fid);
			lc_msg_end(c, &w, a, false);
			if (!lc_frame_send(c, &w))
				goto out_w;
			sent++;
			ps->inflight++;
		}
		if (!drain_one(ps, LC_CLOSE))
			goto out_w;
	}
	res->seconds = now() - t0;
	res->ops = ps->done;
	res->bytes = ps->bytes;
	res->errors = ps->errors;
	ok = ps->errors == 0 && ps->bytes == (uint64_t)o->count * o->size;
	if (ps->errors == 0 && !ok)
		fprintf(stderr, "skiff-load: wrote %" PRIu64 " bytes, not %" PRIu64 "\n", ps->bytes,
			(uint64_t)o->count * o->size);
out_w:
	wr_free(&w);
out:
	free(data);
	free(ps);
	return ok;
}

static bool run_write(struct lc_conn *c, const struct opts *o, struct result *res)
{
	struct pipe_state *ps = calloc(1, sizeof(*ps));
	uint64_t io = o->io < c->max_write ? o->io : c->max_write, off = 0, chunks;
	uint8_t fid[16], *data = NULL;
	struct wr w = { 0 };
	bool ok = false;
	double t0;

	if (io % PATTERN_PERIOD) {
		fprintf(stderr, "skiff-load: --io must be a multiple of %u\n", PATTERN_PERIOD);
		free(ps);
		return false;
	}
	data = malloc(io);
	if (!ps || !data)
		goto out;
	for (uint64_t i = 0; i < io; i++)
		data[i] = lc_pattern(o->index, i);   /* the same for every chunk: io is a period multiple */
	ps->c = c;
	ps->o = o;
	wr_init(&w, io + 256);
	if (!lc_create(c, o->file, ACCESS_FILE_WRITE_DATA | ACCESS_READ_ATTRIBUTES | ACCESS_SYNCHRONIZE,
		       o->truncate ? DISP_OVERWRITE_IF : DISP_OPEN_IF, OPT_NON_DIRECTORY, fid, NULL))
		goto out;
	chunks = (o->size + io - 1) / io;
	t0 = now();
	while (ps->done < chunks) {
		while (off < o->size && ps->inflight < o->depth) {
			uint32_t n = (uint32_t)(o->size - off < io ? o->size - off : io);
			if (c->credits < charge_of(n))
				break;
			lc_frame_begin(&w);
			size_t a = lc_msg_begin(c, &w, LC_WRITE, charge_of(n), false);
			lc_put_write(&w, fid, off, data, n);
			lc_msg_end(c, &w, a, false);
			if (!lc_frame_send(c, &w))
				goto out;
			off += n;
			ps->inflight++;
		}
		if (!drain_one(ps, LC_WRITE))
			goto out;
	}
	res->seconds = now() - t0;
	res->ops = ps->done;
	res->bytes = ps->bytes;
	res->errors = ps->errors;
	ok = lc_close_file(c, fid) && ps->errors == 0 && ps->bytes == o->size;
out:
	wr_free(&w);
	free(data);
	free(ps);
	return ok;
}

static bool run_read(struct lc_conn *c, const struct opts *o, struct result *res)
{
	struct pipe_state *ps = calloc(1, sizeof(*ps));
	uint64_t io = o->io < c->max_read ? o->io : c->max_read, off = 0, size = 0, chunks;
	uint8_t fid[16];
	struct wr w;
	bool ok = false;
	double t0;

	if (!ps)
		return false;
	ps->c = c;
	ps->o = o;
	wr_init(&w, 256);
	if (!lc_create(c, o->file, ACCESS_FILE_READ_DATA | ACCESS_READ_ATTRIBUTES | ACCESS_SYNCHRONIZE,
		       DISP_OPEN, OPT_NON_DIRECTORY, fid, &size))
		goto out;
	chunks = (size + io - 1) / io;
	t0 = now();
	while (ps->done < chunks) {
		while (off < size && ps->inflight < o->depth) {
			uint32_t n = (uint32_t)(size - off < io ? size - off : io);
			if (c->credits < charge_of(n))
				break;
			lc_frame_begin(&w);
			ps->slot_offset[c->next_mid % SLOT_COUNT] = off;
			size_t a = lc_msg_begin(c, &w, LC_READ, charge_of(n), false);
			lc_put_read(&w, fid, off, n);
			lc_msg_end(c, &w, a, false);
			if (!lc_frame_send(c, &w))
				goto out;
			off += n;
			ps->inflight++;
		}
		if (!drain_one(ps, LC_READ))
			goto out;
	}
	res->seconds = now() - t0;
	res->ops = ps->done;
	res->bytes = ps->bytes;
	res->errors = ps->errors;
	ok = lc_close_file(c, fid) && ps->errors == 0 && ps->bytes == size;
	if (ps->errors == 0 && ps->bytes != size)
		fprintf(stderr, "skiff-load: read %" PRIu64 " bytes of %" PRIu64 "\n", ps->bytes, size);
out:
	wr_free(&w);
	free(ps);
	return ok;
}

static int usage(void)
{
	fprintf(stderr, "usage: skiff-load files|write|read|pattern [options] (see the top of skiff_load.c)\n");
	return 2;
}

static bool read_password(const struct opts *o, char *buf, size_t n)
{
	const char *env = getenv("SKIFF_LOAD_PASSWORD");

	if (o->password_file) {
		FILE *f = fopen(o->password_file, "r");
		if (!f || !fgets(buf, (int)n, f)) {
			if (f)
				fclose(f);
			fprintf(stderr, "skiff-load: cannot read %s\n", o->password_file);
			return false;
		}
		fclose(f);
		buf[strcspn(buf, "\r\n")] = '\0';
		return true;
	}
	if (env) {
		snprintf(buf, n, "%s", env);
		return true;
	}
	fprintf(stderr, "skiff-load: no password (--password-file or SKIFF_LOAD_PASSWORD)\n");
	return false;
}

int main(int argc, char **argv)
{
	struct opts o = { .host = "127.0.0.1", .port = 445, .share = "share", .user = "",
			  .depth = 32, .count = 2000, .size = 4096, .io = 1u << 20 };
	struct result res = { 0 };
	struct lc_conn c;
	char password[256];

	if (argc < 2)
		return usage();
	o.cmd = argv[1];
	for (int i = 2; i < argc; i++) {
		const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(k, "--truncate") == 0) { o.truncate = true; continue; }
		if (strcmp(k, "--verify") == 0) { o.verify = true; continue; }
		if (!v)
			return usage();
		i++;
		if (strcmp(k, "--host") == 0) o.host = v;
		else if (strcmp(k, "--port") == 0) o.port = (uint16_t)strtoul(v, NULL, 10);
		else if (strcmp(k, "--share") == 0) o.share = v;
		else if (strcmp(k, "--user") == 0) o.user = v;
		else if (strcmp(k, "--password-file") == 0) o.password_file = v;
		else if (strcmp(k, "--dir") == 0) o.dir = v;
		else if (strcmp(k, "--file") == 0) o.file = v;
		else if (strcmp(k, "--depth") == 0) o.depth = (unsigned)strtoul(v, NULL, 10);
		else if (strcmp(k, "--count") == 0) o.count = (unsigned)strtoul(v, NULL, 10);
		else if (strcmp(k, "--index") == 0) o.index = (unsigned)strtoul(v, NULL, 10);
		else if (strcmp(k, "--size") == 0) o.size = strtoull(v, NULL, 10);
		else if (strcmp(k, "--io") == 0) o.io = strtoull(v, NULL, 10);
		else return usage();
	}
	if (o.depth < 1 || o.depth > MAX_DEPTH || o.io < 1 || o.io > (8u << 20)) {
		fprintf(stderr, "skiff-load: --depth 1..%d, --io 1..8 MiB\n", MAX_DEPTH);
		return 2;
	}
	if (strcmp(o.cmd, "pattern") == 0) {
		for (uint64_t i = 0; i < o.size; i++)
			putchar(lc_pattern(o.index, i));
		return ferror(stdout) ? 1 : 0;
	}
	bool files = strcmp(o.cmd, "files") == 0, wr = strcmp(o.cmd, "write") == 0, rd = strcmp(o.cmd, "read") == 0;
	if ((!files && !wr && !rd) || (files && !o.dir) || ((wr || rd) && !o.file) || (files && o.size > (1u << 20)))
		return usage();
	if (!read_password(&o, password, sizeof(password)) || !crypto_init())
		return 1;
	bool ok = lc_connect(&c, o.host, o.port, o.user, password, o.share);
	explicit_bzero(password, sizeof(password));
	if (ok)
		ok = files ? run_files(&c, &o, &res) : wr ? run_write(&c, &o, &res) : run_read(&c, &o, &res);
	if (c.error[0])
		fprintf(stderr, "skiff-load: %s\n", c.error);
	lc_close(&c);
	printf("{\"workload\": \"%s\", \"ops\": %" PRIu64 ", \"bytes\": %" PRIu64 ", \"seconds\": %.6f, "
	       "\"errors\": %" PRIu64 ", \"depth\": %u, \"ok\": %s}\n", o.cmd, res.ops, res.bytes, res.seconds,
	       res.errors + (ok ? 0 : 1), o.depth, ok ? "true" : "false");
	crypto_shutdown();
	return ok ? 0 : 1;
}
