/* SPDX-License-Identifier: Apache-2.0 */
/*
 * skiff-floor: the least work per byte a signing file server can do on this machine, measured.
 * It moves a file over a loopback TCP connection in 8 MiB messages, each with a 64-byte header
 * and an AES-128-GMAC over header and data (SMB 3.1.1 signing, through the same crypto layer as
 * skiffd), and nothing else: no protocol, no credits, no responses. A server that reads or
 * writes 1 GiB cannot spend less CPU than the serving side here, nor finish sooner, so bench
 * reports it beside the servers' figures as the floor of the bulk workloads.
 *
 *   skiff-floor read FILE [--via copy|mmap|sendfile] [--no-mac]
 *       serve FILE: pread into a buffer and send (copy), send from a read-only mapping (mmap),
 *       or sendfile from the page cache (MAC over a mapping); the receiving child checks every
 *       MAC and the byte count.
 *   skiff-floor write FILE --dest DEST [--truncate] [--no-mac]
 *       a child sends FILE; the serving side receives each message, checks its MAC and pwrites
 *       it into DEST, in place (DEST must exist and be at least as long) or, with --truncate,
 *       into DEST cut to nothing first (its pages freed, new blocks allocated, as when a client
 *       replaces a file); DEST is then compared with FILE.
 * Common: --chunk BYTES (default 8 MiB). Prints one JSON line: wall seconds, the serving side's
 * CPU seconds (user + system, its own process only), the other end's, bytes. On loopback the
 * kernel's TCP work falls to whichever end runs it, so the split between the two is approximate;
 * their sum is not. Exits 1 on any failure.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "crypto/crypto.h"

#define HDR_SIZE        64u
#define SIG_OFF         48u
#define SIG_SIZE        16u
#define DEFAULT_CHUNK   (8u * 1024u * 1024u)
#define MAX_CHUNK       (64u * 1024u * 1024u)

enum via { VIA_COPY, VIA_MMAP, VIA_SENDFILE };

struct opts {
	bool write;
	enum via via;
	bool mac, truncate;
	const char *file, *dest;
	size_t chunk;
};

/* A fixed key: this measures cost, not secrecy. */
static const uint8_t floor_key[16] = { 0x53, 0x6b, 0x69, 0x66, 0x66, 0x2d, 0x66, 0x6c,
				       0x6f, 0x6f, 0x72, 0x2d, 0x6b, 0x65, 0x79, 0x21 };

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double cpu_self(void)
{
	struct rusage r;

	getrusage(RUSAGE_SELF, &r);
	return (double)r.ru_utime.tv_sec + (double)r.ru_utime.tv_usec / 1e6 +
	       (double)r.ru_stime.tv_sec + (double)r.ru_stime.tv_usec / 1e6;
}

static void put_u64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_u64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* Header: "FLR1", data length at 8, message number at 16 (the GMAC nonce), MAC at 48. */
static void header_init(uint8_t hdr[HDR_SIZE], uint64_t len, uint64_t seq)
{
	memset(hdr, 0, HDR_SIZE);
	memcpy(hdr, "FLR1", 4);
	put_u64(hdr + 8, len);
	put_u64(hdr + 16, seq);
}

/* The MAC of header (its MAC field taken as zero) and data, as SMB 3.1.1 GMAC signing does it. */
static bool mac_of(const uint8_t hdr[HDR_SIZE], const uint8_t *data, size_t len, uint8_t out[16])
{
	static const uint8_t zero[SIG_SIZE];
	uint8_t nonce[12] = { 0 };

	memcpy(nonce, hdr + 16, 8);
	const struct crypto_part parts[3] = {
		{ hdr, SIG_OFF }, { zero, SIG_SIZE }, { data, len },
	};
	return crypto_aes128_gmac(floor_key, nonce, parts, 3, out);
}

/* The header and len bytes of data (none: the header alone) in one go, across short sends. */
static bool send_hdr_and_data(int s, const uint8_t *hdr, const uint8_t *data, size_t len)
{
	struct iovec iov[2] = { { (void *)hdr, HDR_SIZE }, { (void *)data, len } };
	size_t left = HDR_SIZE + len;
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = 2 };

	while (left > 0) {
		ssize_t n = sendmsg(s, &m, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		left -= (size_t)n;
		while (m.msg_iovlen > 0 && (size_t)n >= m.msg_iov[0].iov_len) {
			n -= (ssize_t)m.msg_iov[0].iov_len;
			m.msg_iov++;
			m.msg_iovlen--;
		}
		if (m.msg_iovlen > 0) {
			m.msg_iov[0].iov_base = (uint8_t *)m.msg_iov[0].iov_base + n;
			m.msg_iov[0].iov_len -= (size_t)n;
		}
	}
	return true;
}

/* 1 with the whole buffer, 0 at a clean end of stream before any byte, -1 on error/short. */
static int recv_exact(int s, void *p, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = recv(s, (uint8_t *)p + got, len - got, MSG_WAITALL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0 && got == 0)
			return 0;
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return 1;
}

/* The whole range read (pread) or written (pwrite), across short transfers and EINTR. */
static bool file_io_all(int fd, bool write, void *buf, size_t len, uint64_t off)
{
	uint8_t *p = buf;
	size_t done = 0;

	while (done < len) {
		off_t at = (off_t)(off + done);
		ssize_t n = write ? pwrite(fd, p + done, len - done, at) : pread(fd, p + done, len - done, at);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		done += (size_t)n;
	}
	return true;
}

/* Receive messages until the sender closes; check each MAC; pwrite into fd_out when >= 0.
 * Returns the bytes received, or -1 on a bad header, bad MAC or short message. */
static int64_t receive_messages(int s, const struct opts *o, int fd_out)
{
	uint8_t hdr[HDR_SIZE], mac[16];
	uint8_t *buf = malloc(o->chunk);
	int64_t total = -1;
	uint64_t seq = 0, bytes = 0;

	if (!buf)
		return -1;
	for (;;) {
		int r = recv_exact(s, hdr, HDR_SIZE);
		if (r == 0)
			break;
		uint64_t len = r > 0 ? get_u64(hdr + 8) : UINT64_MAX;
		if (r < 0 || memcmp(hdr, "FLR1", 4) != 0 || len > o->chunk || get_u64(hdr + 16) != seq) {
			fprintf(stderr, "skiff-floor: bad message header at %" PRIu64 "\n", bytes);
			goto out;
		}
		if (recv_exact(s, buf, len) != 1) {
			fprintf(stderr, "skiff-floor: short message at %" PRIu64 "\n", bytes);
			goto out;
		}
		if (o->mac && (!mac_of(hdr, buf, len, mac) || !crypto_equal(mac, hdr + SIG_OFF, SIG_SIZE))) {
			fprintf(stderr, "skiff-floor: bad MAC at %" PRIu64 "\n", bytes);
			goto out;
		}
		if (fd_out >= 0 && !file_io_all(fd_out, true, buf, len, bytes)) {
			fprintf(stderr, "skiff-floor: pwrite: %s\n", strerror(errno));
			goto out;
		}
		bytes += len;
		seq++;
	}
	total = (int64_t)bytes;
out:
	free(buf);
	return total;
}

/* Send the file at fd (size bytes) as messages, reading it the way o->via says. */
static bool send_messages(int s, const struct opts *o, int fd, uint64_t size)
{
	uint8_t hdr[HDR_SIZE];
	uint8_t *buf = o->via == VIA_COPY ? malloc(o->chunk) : NULL;
	bool ok = false;

	if (o->via == VIA_COPY && !buf)
		return false;
	for (uint64_t off = 0, seq = 0; off < size; off += o->chunk, seq++) {
		size_t len = size - off < o->chunk ? (size_t)(size - off) : o->chunk;
		const uint8_t *data = buf;
		uint8_t *map = NULL;

		if (o->via == VIA_COPY) {
			if (!file_io_all(fd, false, buf, len, off))
				goto out;
		} else {
			/* chunks are page multiples, so off is page aligned */
			map = mmap(NULL, len, PROT_READ, MAP_SHARED | MAP_POPULATE, fd, (off_t)off);
			if (map == MAP_FAILED)
				goto out;
			data = map;
		}
		header_init(hdr, len, seq);
		bool sent = !o->mac || mac_of(hdr, data, len, hdr + SIG_OFF);
		if (sent && o->via == VIA_SENDFILE) {
			off_t pos = (off_t)off;
			size_t left = len;
			sent = send_hdr_and_data(s, hdr, NULL, 0);
			while (sent && left > 0) {
				ssize_t n = sendfile(s, fd, &pos, left);
				if (n < 0 && errno == EINTR)
					continue;
				sent = n > 0;
				left -= sent ? (size_t)n : 0;
			}
		} else if (sent) {
			sent = send_hdr_and_data(s, hdr, data, len);
		}
		if (map)
			munmap(map, len);
		if (!sent)
			goto out;
	}
	ok = true;
out:
	if (!ok)
		fprintf(stderr, "skiff-floor: send: %s\n", strerror(errno));
	free(buf);
	return ok;
}

/* Same bytes in both files, compared after the measurement. */
static bool same_content(int a, int b, uint64_t size, size_t chunk)
{
	uint8_t *x = malloc(chunk), *y = malloc(chunk);
	bool same = x && y;

	for (uint64_t off = 0; same && off < size; off += chunk) {
		size_t len = size - off < chunk ? (size_t)(size - off) : chunk;
		same = file_io_all(a, false, x, len, off) && file_io_all(b, false, y, len, off) &&
		       memcmp(x, y, len) == 0;
	}
	free(x);
	free(y);
	return same;
}

static int usage(void)
{
	fprintf(stderr, "usage: skiff-floor read FILE [--via copy|mmap|sendfile] [--no-mac] [--chunk BYTES]\n"
			"       skiff-floor write FILE --dest DEST [--truncate] [--no-mac] [--chunk BYTES]\n");
	return 2;
}

static bool parse(int argc, char **argv, struct opts *o)
{
	*o = (struct opts){ .via = VIA_COPY, .mac = true, .chunk = DEFAULT_CHUNK };
	if (argc < 3)
		return false;
	if (strcmp(argv[1], "write") == 0)
		o->write = true;
	else if (strcmp(argv[1], "read") != 0)
		return false;
	o->file = argv[2];
	for (int i = 3; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--no-mac") == 0) {
			o->mac = false;
		} else if (strcmp(a, "--truncate") == 0) {
			o->truncate = true;
		} else if (strcmp(a, "--via") == 0 && v) {
			if (strcmp(v, "copy") == 0)
				o->via = VIA_COPY;
			else if (strcmp(v, "mmap") == 0)
				o->via = VIA_MMAP;
			else if (strcmp(v, "sendfile") == 0)
				o->via = VIA_SENDFILE;
			else
				return false;
			i++;
		} else if (strcmp(a, "--dest") == 0 && v) {
			o->dest = v;
			i++;
		} else if (strcmp(a, "--chunk") == 0 && v) {
			char *end;
			unsigned long long c = strtoull(v, &end, 10);
			long page = sysconf(_SC_PAGESIZE);
			if (*end || c == 0 || c > MAX_CHUNK || c % (unsigned long long)page)
				return false;
			o->chunk = (size_t)c;
			i++;
		} else {
			return false;
		}
	}
	return o->write == (o->dest != NULL) && !(o->write && o->via != VIA_COPY) &&
	       !(o->truncate && !o->write);
}

/* A connected loopback pair: *srv is the accepted end, *cli the connecting one. */
static bool loopback_pair(int *srv, int *cli)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool ok = false;

	*srv = *cli = -1;
	if (l < 0)
		return false;
	if (bind(l, (struct sockaddr *)&a, sizeof(a)) == 0 && listen(l, 1) == 0 &&
	    getsockname(l, (struct sockaddr *)&a, &alen) == 0) {
		*cli = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (*cli >= 0 && connect(*cli, (struct sockaddr *)&a, sizeof(a)) == 0) {
			*srv = accept4(l, NULL, NULL, SOCK_CLOEXEC);
			ok = *srv >= 0;
		}
	}
	close(l);
	if (!ok) {
		if (*cli >= 0)
			close(*cli);
		*cli = -1;
	}
	return ok;
}

int main(int argc, char **argv)
{
	struct opts o;
	struct stat st;
	int srv, cli, rc = 1;

	if (!parse(argc, argv, &o))
		return usage();
	if (!crypto_init())
		return 1;
	int fd = open(o.file, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0) {
		fprintf(stderr, "skiff-floor: %s: %s\n", o.file, strerror(errno));
		return 1;
	}
	uint64_t size = (uint64_t)st.st_size;
	int fd_dest = -1;
	if (o.write) {
		fd_dest = open(o.dest, O_RDWR | O_CLOEXEC);
		if (fd_dest < 0 || fstat(fd_dest, &st) != 0 ||
		    (!o.truncate && (uint64_t)st.st_size < size)) {
			fprintf(stderr, "skiff-floor: %s: missing or shorter than %s\n", o.dest, o.file);
			return 1;
		}
	}
	if (!loopback_pair(&srv, &cli)) {
		fprintf(stderr, "skiff-floor: loopback connection: %s\n", strerror(errno));
		return 1;
	}

	double cpu0 = cpu_self(), t0 = now();
	/* inside the measurement: a client replacing a file has the server truncate it */
	if (o.truncate && ftruncate(fd_dest, 0) != 0) {
		fprintf(stderr, "skiff-floor: truncate %s: %s\n", o.dest, strerror(errno));
		return 1;
	}
	pid_t child = fork();
	if (child < 0)
		return 1;
	if (child == 0) {
		/* the client: the other end of the transfer */
		close(srv);
		bool ok;
		if (o.write) {
			ok = send_messages(cli, &o, fd, size);
		} else {
			int64_t got = receive_messages(cli, &o, -1);
			ok = got >= 0 && (uint64_t)got == size;
			if (got >= 0 && !ok)
				fprintf(stderr, "skiff-floor: received %" PRId64 " of %" PRIu64 " bytes\n", got, size);
		}
		shutdown(cli, SHUT_WR);
		_exit(ok ? 0 : 1);
	}
	close(cli);
	bool served;
	if (o.write) {
		int64_t got = receive_messages(srv, &o, fd_dest);
		served = got >= 0 && (uint64_t)got == size;
	} else {
		served = send_messages(srv, &o, fd, size);
		shutdown(srv, SHUT_WR);
	}
	if (!served)
		kill(child, SIGTERM);
	int status = 0;
	struct rusage child_ru = { 0 };
	while (wait4(child, &status, 0, &child_ru) < 0 && errno == EINTR)
		;
	double wall = now() - t0, cpu = cpu_self() - cpu0;
	double child_cpu = (double)child_ru.ru_utime.tv_sec + (double)child_ru.ru_utime.tv_usec / 1e6 +
			   (double)child_ru.ru_stime.tv_sec + (double)child_ru.ru_stime.tv_usec / 1e6;
	close(srv);

	bool ok = served && WIFEXITED(status) && WEXITSTATUS(status) == 0;
	if (ok && o.write && !same_content(fd, fd_dest, size, o.chunk)) {
		fprintf(stderr, "skiff-floor: %s differs from %s after the transfer\n", o.dest, o.file);
		ok = false;
	}
	if (ok) {
		static const char *const via_names[] = { "copy", "mmap", "sendfile" };
		printf("{\"mode\": \"%s\", \"via\": \"%s\", \"mac\": %s, \"bytes\": %" PRIu64
		       ", \"truncate\": %s, \"wall_s\": %.4f, \"server_cpu_s\": %.4f"
		       ", \"client_cpu_s\": %.4f}\n",
		       o.write ? "write" : "read", via_names[o.via], o.mac ? "true" : "false", size,
		       o.truncate ? "true" : "false", wall, cpu, child_cpu);
		rc = 0;
	}
	close(fd);
	if (fd_dest >= 0)
		close(fd_dest);
	crypto_shutdown();
	return rc;
}
