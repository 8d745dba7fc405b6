/* SPDX-License-Identifier: Apache-2.0 */
/*
 * users.db: reading (with reload when the file changes), atomic rewriting under flock, and the
 * NT hash. The file holds NT hashes only; passwords live in memory just long enough to hash.
 */
#include "auth/userdb.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/config.h"
#include "core/log.h"
#include "core/utf16.h"
#include "crypto/crypto.h"

/* Far beyond any real user list; bounds what a damaged file can make us allocate. */
#define USERDB_MAX_SIZE (16u << 20)
#define USERDB_HEADER "# skiff users.db v1 - one \"name:NT-hash\" line per user; edit with `skiff user`\n"

struct user {
	char *name;              /* as first added; compared case-insensitively */
	uint8_t hash[16];        /* NT hash: MD4(UTF-16LE(password)) */
};

struct users {
	struct user *v;
	size_t n;
};

/* What identifies one version of the file: a rewrite always makes a new inode. */
struct file_id {
	bool exists;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
};

struct userdb {
	pthread_mutex_t lock;    /* guards users, id, bad_id and err; held while a writer runs */
	char *dir;               /* immutable after open */
	char *path;
	char *lock_path;
	struct users users;      /* contents of the version `id` */
	struct file_id id;
	struct file_id bad_id;   /* a version that failed to load: reported once, not retried */
	char err[512];           /* why the last writer call failed */
};

static void set_err(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static void users_free(struct users *u)
{
	for (size_t i = 0; i < u->n; i++) {
		free(u->v[i].name);
		explicit_bzero(u->v[i].hash, sizeof(u->v[i].hash));
	}
	free(u->v);
	u->v = NULL;
	u->n = 0;
}

static ssize_t users_find(const struct users *u, const char *name)
{
	for (size_t i = 0; i < u->n; i++)
		if (!utf8_casecmp(u->v[i].name, name))
			return (ssize_t)i;
	return -1;
}

static void id_from_stat(struct file_id *id, const struct stat *st)
{
	*id = (struct file_id){ .exists = true, .dev = st->st_dev, .ino = st->st_ino,
				.size = st->st_size, .mtime = st->st_mtim };
}

static bool id_same(const struct file_id *id, const struct stat *st)
{
	return id->exists && id->dev == st->st_dev && id->ino == st->st_ino &&
	       id->size == st->st_size && id->mtime.tv_sec == st->st_mtim.tv_sec &&
	       id->mtime.tv_nsec == st->st_mtim.tv_nsec;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* One "name:hash" line; blank lines and '#' comments were skipped by the caller. */
static int parse_line(const char *path, int lineno, const char *line, size_t len, struct users *u,
		      char *err, size_t errlen)
{
	const char *colon = memchr(line, ':', len);
	struct user e = { 0 };

	if (memchr(line, '\0', len)) {
		set_err(err, errlen, "%s:%d: NUL byte in line", path, lineno);
		return -EINVAL;
	}
	if (!colon) {
		set_err(err, errlen, "%s:%d: expected 'name:NT-hash'", path, lineno);
		return -EINVAL;
	}
	e.name = strndup(line, (size_t)(colon - line));
	if (!e.name)
		return -ENOMEM;
	if (!cfg_valid_user_name(e.name)) {
		set_err(err, errlen, "%s:%d: invalid user name", path, lineno);
		goto bad;
	}
	if (users_find(u, e.name) >= 0) {
		set_err(err, errlen, "%s:%d: user '%s' appears twice", path, lineno, e.name);
		goto bad;
	}
	const char *hex = colon + 1;
	if ((size_t)(line + len - hex) != 32) {
		set_err(err, errlen, "%s:%d: NT hash must be 32 hex digits", path, lineno);
		goto bad;
	}
	for (size_t i = 0; i < 16; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
		if (hi < 0 || lo < 0) {
			set_err(err, errlen, "%s:%d: NT hash must be 32 hex digits", path, lineno);
			goto bad;
		}
		e.hash[i] = (uint8_t)(hi << 4 | lo);
	}
	struct user *nv = realloc(u->v, (u->n + 1) * sizeof(*nv));
	if (!nv) {
		explicit_bzero(e.hash, sizeof(e.hash));
		free(e.name);
		return -ENOMEM;
	}
	u->v = nv;
	u->v[u->n++] = e;
	return 0;
bad:
	explicit_bzero(e.hash, sizeof(e.hash));
	free(e.name);
	return -EINVAL;
}

static int parse_file(const char *path, const char *buf, size_t len, struct users *u, char *err,
		      size_t errlen)
{
	int lineno = 0;

	for (size_t off = 0; off < len;) {
		const char *line = buf + off;
		const char *nl = memchr(line, '\n', len - off);
		size_t n = nl ? (size_t)(nl - line) : len - off;

		off += n + (nl ? 1 : 0);
		lineno++;
		if (n && line[n - 1] == '\r')  /* tolerate a hand edit on another system */
			n--;
		if (n == 0 || line[0] == '#')
			continue;
		int r = parse_line(path, lineno, line, n, u, err, errlen);
		if (r < 0) {
			if (r == -ENOMEM)
				set_err(err, errlen, "%s: out of memory", path);
			users_free(u);
			return r;
		}
	}
	return 0;
}

/*
 * Read one version of the file into *u and its identity into *id. A missing file gives an
 * empty list (id->exists false). The identity comes from the descriptor actually read, so a
 * rename racing with us cannot pair new contents with an old identity.
 */
static int read_file(const char *path, struct users *u, struct file_id *id, char *err, size_t errlen)
{
	struct stat st;
	char *buf = NULL;
	size_t cap = 0, len = 0;
	int fd, r = 0;

	*u = (struct users){ 0 };
	*id = (struct file_id){ 0 };
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		r = -errno;
		set_err(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return r;
	}
	if (fstat(fd, &st) != 0) {
		r = -errno;
		set_err(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		r = -EINVAL;
		set_err(err, errlen, "%s: not a regular file", path);
		goto out;
	}
	/* Anyone who can write the file can add themselves a password. */
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		r = -EPERM;
		set_err(err, errlen, "%s: owned by uid %u, expected root or uid %u; refusing it", path,
			(unsigned)st.st_uid, (unsigned)geteuid());
		goto out;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		r = -EPERM;
		set_err(err, errlen, "%s: writable by group or others (mode %03o); refusing it "
			"(chmod 600 it after checking its contents)", path, (unsigned)(st.st_mode & 0777));
		goto out;
	}
	/* NT hashes are password equivalents (pass-the-hash): keep them from other local users. */
	if (st.st_mode & (S_IRGRP | S_IROTH)) {
		if (st.st_uid == geteuid() && fchmod(fd, 0600) == 0)
			log_warn("%s was readable by group or others (mode %03o); changed to 600", path,
				 (unsigned)(st.st_mode & 0777));
		else
			log_warn("%s is readable by group or others (mode %03o); chmod 600 it", path,
				 (unsigned)(st.st_mode & 0777));
	}
	if (st.st_size > (off_t)USERDB_MAX_SIZE) {
		r = -EFBIG;
		set_err(err, errlen, "%s: larger than %u bytes", path, USERDB_MAX_SIZE);
		goto out;
	}
	cap = (size_t)st.st_size + 1;
	buf = malloc(cap);
	if (!buf) {
		r = -ENOMEM;
		set_err(err, errlen, "%s: out of memory", path);
		goto out;
	}
	while (len < cap) {
		ssize_t got = read(fd, buf + len, cap - len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			r = -errno;
			set_err(err, errlen, "%s: read: %s", path, strerror(errno));
			goto out;
		}
		if (got == 0)
			break;
		len += (size_t)got;
	}
	if (len == cap) {  /* grew while we read: someone is editing it in place */
		r = -EAGAIN;
		set_err(err, errlen, "%s: changed while being read", path);
		goto out;
	}
	r = parse_file(path, buf, len, u, err, errlen);
	if (r == 0)
		id_from_stat(id, &st);
out:
	if (buf)
		crypto_wipe(buf, cap);
	close(fd);
	return r;
}

/* Caller holds db->lock. Bring db->users up to date with the file, keeping it on failure. */
static void maybe_reload(struct userdb *db)
{
	struct stat st;
	struct users u;
	struct file_id id;
	char err[512];

	if (stat(db->path, &st) != 0) {
		if (errno == ENOENT && db->id.exists) {
			log_warn("%s was removed: no SMB users remain", db->path);
			users_free(&db->users);
			db->id = (struct file_id){ 0 };
		}
		return;
	}
	if (id_same(&db->id, &st) || id_same(&db->bad_id, &st))
		return;
	if (read_file(db->path, &u, &id, err, sizeof(err)) != 0) {
		log_err("%s; keeping the %zu users loaded before", err, db->users.n);
		id_from_stat(&db->bad_id, &st);
		return;
	}
	users_free(&db->users);
	db->users = u;
	db->id = id;
	log_info("%s reloaded: %zu users", db->path, u.n);
}

static char *join(const char *dir, const char *name)
{
	char *s;

	if (asprintf(&s, "%s/%s", dir, name) < 0)
		return NULL;
	return s;
}

struct userdb *userdb_open(const char *state_dir, char *err, size_t errlen)
{
	struct userdb *db = calloc(1, sizeof(*db));

	if (!db) {
		set_err(err, errlen, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&db->lock, NULL);
	db->dir = strdup(state_dir);
	db->path = join(state_dir, USERDB_FILE);
	db->lock_path = join(state_dir, USERDB_FILE ".lock");
	if (!db->dir || !db->path || !db->lock_path) {
		set_err(err, errlen, "out of memory");
		goto fail;
	}
	if (read_file(db->path, &db->users, &db->id, err, errlen) != 0)
		goto fail;
	return db;
fail:
	userdb_close(db);
	return NULL;
}

void userdb_close(struct userdb *db)
{
	if (!db)
		return;
	users_free(&db->users);
	free(db->dir);
	free(db->path);
	free(db->lock_path);
	pthread_mutex_destroy(&db->lock);
	free(db);
}

const char *userdb_path(const struct userdb *db)
{
	return db->path;
}

bool userdb_get_nt_hash(struct userdb *db, const char *user, uint8_t nt_hash[16])
{
	bool found = false;

	if (!user)
		return false;
	pthread_mutex_lock(&db->lock);
	maybe_reload(db);
	ssize_t i = users_find(&db->users, user);
	if (i >= 0) {
		memcpy(nt_hash, db->users.v[i].hash, 16);
		found = true;
	}
	pthread_mutex_unlock(&db->lock);
	return found;
}

bool userdb_exists(struct userdb *db, const char *user)
{
	uint8_t h[16];
	bool found = userdb_get_nt_hash(db, user, h);

	explicit_bzero(h, sizeof(h));
	return found;
}

bool userdb_nt_hash(const char *password, uint8_t out[16])
{
	size_t n = utf8_utf16le_len(password);
	struct wr w;
	bool ok;

	if (n == SIZE_MAX)
		return false;
	/* Sized exactly so the writer never reallocates and leaves a copy behind unwiped. */
	wr_init(&w, n ? n : 2);
	ok = utf8_to_utf16le(&w, password) && !w.failed && w.len == n &&
	     crypto_md4(w.buf, w.len, out);
	if (w.buf)
		crypto_wipe(w.buf, w.cap);
	return ok;
}

/* mkdir -p; the last component (the state directory itself) is private. */
static int make_dirs(const char *dir)
{
	char *p = strdup(dir);
	int r = 0;

	if (!p)
		return -ENOMEM;
	for (char *s = p + 1;; s++) {
		bool last = *s == '\0';
		if (*s != '/' && !last)
			continue;
		*s = '\0';
		if (mkdir(p, last ? 0700 : 0755) != 0 && errno != EEXIST) {
			r = -errno;
			break;
		}
		if (last)
			break;
		*s = '/';
	}
	free(p);
	return r;
}

static int fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r = 0;

	if (fd < 0)
		return -errno;
	if (fsync(fd) != 0)
		r = -errno;
	close(fd);
	return r;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Replace the file with `u`: temp file in the same directory, fsync, rename, fsync directory. */
static int write_file(struct userdb *db, const struct users *u, struct file_id *id)
{
	struct wr w;
	char *tmp = NULL;
	struct stat st;
	int fd = -1, r;

	wr_init(&w, sizeof(USERDB_HEADER) + u->n * 64);
	wr_bytes(&w, USERDB_HEADER, strlen(USERDB_HEADER));
	for (size_t i = 0; i < u->n; i++) {
		char hex[34];
		for (size_t j = 0; j < 16; j++)
			snprintf(hex + 2 * j, 3, "%02x", u->v[i].hash[j]);
		wr_bytes(&w, u->v[i].name, strlen(u->v[i].name));
		wr_u8(&w, ':');
		wr_bytes(&w, hex, 32);
		wr_u8(&w, '\n');
		explicit_bzero(hex, sizeof(hex));
	}
	if (w.failed) {
		r = -ENOMEM;
		set_err(db->err, sizeof(db->err), "out of memory");
		goto out;
	}
	if (asprintf(&tmp, "%s/.%s.XXXXXX", db->dir, USERDB_FILE) < 0) {
		tmp = NULL;
		r = -ENOMEM;
		set_err(db->err, sizeof(db->err), "out of memory");
		goto out;
	}
	fd = mkostemp(tmp, O_CLOEXEC);  /* created 0600 */
	if (fd < 0) {
		r = -errno;
		set_err(db->err, sizeof(db->err), "%s: cannot create temporary file: %s", db->dir,
			strerror(errno));
		free(tmp);
		tmp = NULL;
		goto out;
	}
	r = write_all(fd, (const char *)w.buf, w.len);
	if (r == 0 && (fchmod(fd, 0600) != 0 || fsync(fd) != 0 || fstat(fd, &st) != 0))
		r = -errno;
	if (r) {
		set_err(db->err, sizeof(db->err), "%s: %s", tmp, strerror(-r));
		goto out;
	}
	if (close(fd) != 0) {
		fd = -1;
		r = -errno;
		set_err(db->err, sizeof(db->err), "%s: %s", tmp, strerror(-r));
		goto out;
	}
	fd = -1;
	if (rename(tmp, db->path) != 0) {
		r = -errno;
		set_err(db->err, sizeof(db->err), "cannot replace %s: %s", db->path, strerror(-r));
		goto out;
	}
	free(tmp);
	tmp = NULL;
	/* The rename is durable only once the directory is on disk too. */
	r = fsync_dir(db->dir);
	if (r)
		set_err(db->err, sizeof(db->err), "%s: fsync: %s", db->dir, strerror(-r));
	id_from_stat(id, &st);
out:
	if (fd >= 0)
		close(fd);
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	if (w.buf)
		crypto_wipe(w.buf, w.cap);
	return r;
}

enum modify_op { OP_SET, OP_ADD, OP_CHANGE, OP_DELETE };

static int modify(struct userdb *db, const char *user, const char *password, enum modify_op op)
{
	uint8_t hash[16];
	struct users cur = { 0 };
	struct file_id id, newid = { 0 };
	int lockfd = -1, r;

	pthread_mutex_lock(&db->lock);
	db->err[0] = '\0';
	if (!user || !cfg_valid_user_name(user)) {
		r = -EINVAL;
		set_err(db->err, sizeof(db->err), "invalid user name '%s'", user ? user : "");
		goto out;
	}
	if (op != OP_DELETE) {
		if (!password || utf8_utf16le_len(password) == SIZE_MAX) {
			r = -EINVAL;
			set_err(db->err, sizeof(db->err), "password is not valid UTF-8");
			goto out;
		}
		if (!userdb_nt_hash(password, hash)) {
			r = -EIO;
			set_err(db->err, sizeof(db->err), "cannot compute the NT hash (MD4 unavailable)");
			goto out;
		}
	}
	r = make_dirs(db->dir);
	if (r) {
		set_err(db->err, sizeof(db->err), "cannot create %s: %s", db->dir, strerror(-r));
		goto out;
	}
	/* A lock file of its own: users.db itself is replaced by rename, so a lock on it would
	 * be held on an inode that no longer has the name. */
	lockfd = open(db->lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
	if (lockfd < 0) {
		r = -errno;
		set_err(db->err, sizeof(db->err), "%s: %s", db->lock_path, strerror(-r));
		goto out;
	}
	while (flock(lockfd, LOCK_EX) != 0) {
		if (errno != EINTR) {
			r = -errno;
			set_err(db->err, sizeof(db->err), "%s: flock: %s", db->lock_path, strerror(-r));
			goto out;
		}
	}
	/* Start from what is on disk now, not from our possibly older copy. */
	r = read_file(db->path, &cur, &id, db->err, sizeof(db->err));
	if (r)
		goto out;
	ssize_t i = users_find(&cur, user);
	if (i >= 0 && op == OP_ADD) {
		r = -EEXIST;
		set_err(db->err, sizeof(db->err), "user '%s' already exists", cur.v[i].name);
		goto out;
	}
	if (i < 0 && (op == OP_CHANGE || op == OP_DELETE)) {
		r = -ENOENT;
		set_err(db->err, sizeof(db->err), "no such user '%s'", user);
		goto out;
	}
	if (op == OP_DELETE) {
		free(cur.v[i].name);
		explicit_bzero(cur.v[i].hash, 16);
		memmove(&cur.v[i], &cur.v[i + 1], (cur.n - (size_t)i - 1) * sizeof(cur.v[0]));
		cur.n--;
	} else if (i >= 0) {
		memcpy(cur.v[i].hash, hash, 16);
	} else {
		struct user *nv = realloc(cur.v, (cur.n + 1) * sizeof(*nv));
		char *name = strdup(user);
		if (nv)
			cur.v = nv;
		if (!nv || !name) {
			free(name);
			r = -ENOMEM;
			set_err(db->err, sizeof(db->err), "out of memory");
			goto out;
		}
		cur.v[cur.n].name = name;
		memcpy(cur.v[cur.n].hash, hash, 16);
		cur.n++;
	}
	r = write_file(db, &cur, &newid);
	if (r == 0 || newid.exists) {
		/* Renamed into place (even if the directory fsync then failed): it is the file now. */
		users_free(&db->users);
		db->users = cur;
		db->id = newid;
		cur = (struct users){ 0 };
	}
out:
	if (lockfd >= 0)
		close(lockfd);  /* releases the flock */
	users_free(&cur);
	explicit_bzero(hash, sizeof(hash));
	pthread_mutex_unlock(&db->lock);
	return r;
}

int userdb_set_password(struct userdb *db, const char *user, const char *password)
{
	return modify(db, user, password, OP_SET);
}

int userdb_add_user(struct userdb *db, const char *user, const char *password)
{
	return modify(db, user, password, OP_ADD);
}

int userdb_change_password(struct userdb *db, const char *user, const char *password)
{
	return modify(db, user, password, OP_CHANGE);
}

int userdb_delete(struct userdb *db, const char *user)
{
	return modify(db, user, NULL, OP_DELETE);
}

const char *userdb_error(struct userdb *db)
{
	return db->err;
}

int userdb_list(struct userdb *db, void (*cb)(const char *user, void *arg), void *arg)
{
	char **names;
	size_t n;

	pthread_mutex_lock(&db->lock);
	maybe_reload(db);
	n = db->users.n;
	names = calloc(n ? n : 1, sizeof(*names));
	for (size_t i = 0; names && i < n; i++) {
		names[i] = strdup(db->users.v[i].name);
		if (!names[i]) {
			for (size_t j = 0; j < i; j++)
				free(names[j]);
			free(names);
			names = NULL;
		}
	}
	pthread_mutex_unlock(&db->lock);
	if (!names)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		cb(names[i], arg);
		free(names[i]);
	}
	free(names);
	return n > INT_MAX ? INT_MAX : (int)n;
}
