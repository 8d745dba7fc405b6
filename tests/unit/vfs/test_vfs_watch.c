/* SPDX-License-Identifier: Apache-2.0 */
/* Kernel change notify (src/vfs/vfs_watch.c, vfs_watch_fan.c): the inotify and fanotify
 * mappings, fanotify's record parser, and a watcher fed by changes made with plain syscalls, as a
 * local program would, next to the server's own (not reported): each watcher test runs with
 * inotify and, when the test may (root), with fanotify. */
#include "vfs_fixture.h"

#include <pthread.h>
#include <sys/fanotify.h>
#include <sys/inotify.h>
#include <time.h>

#include "vfs/vfs_watch.h"

static void test_map(void **state)
{
	(void)state;
	uint32_t f;

	assert_int_equal(vfs_watch_map(IN_CREATE, &f), VFS_WATCH_ADDED);
	assert_int_equal(f, VFS_WATCH_FILE_NAME);
	assert_int_equal(vfs_watch_map(IN_CREATE | IN_ISDIR, &f), VFS_WATCH_ADDED);
	assert_int_equal(f, VFS_WATCH_DIR_NAME);
	assert_int_equal(vfs_watch_map(IN_DELETE, &f), VFS_WATCH_REMOVED);
	assert_int_equal(f, VFS_WATCH_FILE_NAME);
	assert_int_equal(vfs_watch_map(IN_DELETE | IN_ISDIR, &f), VFS_WATCH_REMOVED);
	assert_int_equal(f, VFS_WATCH_DIR_NAME);
	/* Unpaired halves of a move: the name came or went. */
	assert_int_equal(vfs_watch_map(IN_MOVED_FROM, &f), VFS_WATCH_REMOVED);
	assert_int_equal(f, VFS_WATCH_FILE_NAME);
	assert_int_equal(vfs_watch_map(IN_MOVED_TO | IN_ISDIR, &f), VFS_WATCH_ADDED);
	assert_int_equal(f, VFS_WATCH_DIR_NAME);
	assert_int_equal(vfs_watch_map(IN_MODIFY, &f), VFS_WATCH_MODIFIED);
	assert_int_equal(f, VFS_WATCH_SIZE | VFS_WATCH_LAST_WRITE);
	assert_int_equal(vfs_watch_map(IN_ATTRIB, &f), VFS_WATCH_MODIFIED);
	assert_true(f & VFS_WATCH_ATTRIBUTES);
	assert_true(f & VFS_WATCH_SECURITY);   /* chmod, chown, ACL xattrs */
	assert_true(f & VFS_WATCH_EA);         /* user xattrs */
	assert_true(f & VFS_WATCH_LAST_WRITE); /* utimes */
	assert_false(f & (VFS_WATCH_FILE_NAME | VFS_WATCH_DIR_NAME | VFS_WATCH_SIZE));
	/* What changes nothing a client watches. */
	assert_int_equal(vfs_watch_map(IN_ACCESS, &f), 0);
	assert_int_equal(vfs_watch_map(IN_OPEN, &f), 0);
	assert_int_equal(vfs_watch_map(IN_CLOSE_WRITE, &f), 0);
	assert_int_equal(vfs_watch_map(IN_CLOSE_NOWRITE | IN_ISDIR, &f), 0);
	assert_int_equal(f, 0);
}

static void test_fan_map(void **state)
{
	(void)state;
	uint32_t f;

	assert_int_equal(vfs_fan_map(FAN_CREATE, false, &f), VFS_WATCH_ADDED);
	assert_int_equal(f, VFS_WATCH_FILE_NAME);
	assert_int_equal(vfs_fan_map(FAN_CREATE, true, &f), VFS_WATCH_ADDED);
	assert_int_equal(f, VFS_WATCH_DIR_NAME);
	assert_int_equal(vfs_fan_map(FAN_DELETE, true, &f), VFS_WATCH_REMOVED);
	assert_int_equal(f, VFS_WATCH_DIR_NAME);
	/* A file's writes: once, at its close. */
	assert_int_equal(vfs_fan_map(FAN_CLOSE_WRITE, false, &f), VFS_WATCH_MODIFIED);
	assert_int_equal(f, VFS_WATCH_SIZE | VFS_WATCH_LAST_WRITE);
	assert_int_equal(vfs_fan_map(FAN_ATTRIB, true, &f), VFS_WATCH_MODIFIED);
	assert_true(f & VFS_WATCH_ATTRIBUTES && f & VFS_WATCH_SECURITY && f & VFS_WATCH_EA);
	assert_false(f & (VFS_WATCH_FILE_NAME | VFS_WATCH_DIR_NAME | VFS_WATCH_SIZE));
	assert_int_equal(vfs_fan_map(FAN_MODIFY, false, &f), 0);   /* not asked for */
	assert_int_equal(vfs_fan_map(FAN_RENAME, false, &f), 0);   /* the reader pairs the names */
	assert_int_equal(vfs_fan_map(FAN_ACCESS, false, &f), 0);
	assert_int_equal(f, 0);
}

/* Build a fanotify event as the kernel lays it out: metadata, then DFID_NAME-type records. */
static size_t put_record(unsigned char *p, uint8_t type, uint32_t fsid_lo, uint32_t ino,
			 const char *name)
{
	size_t nl = strlen(name) + 1;
	size_t len = (4 + 8 + 8 + 8 + nl + 3) & ~(size_t)3;
	uint16_t l16 = (uint16_t)len;
	uint32_t hb = 8, ht = 1;

	memset(p, 0, len);
	p[0] = type;
	memcpy(p + 2, &l16, 2);
	memcpy(p + 4, &fsid_lo, 4);            /* fsid */
	memcpy(p + 12, &hb, 4);                /* handle_bytes */
	memcpy(p + 16, &ht, 4);                /* handle_type */
	memcpy(p + 20, &ino, 4);               /* f_handle */
	memcpy(p + 28, name, nl);
	return len;
}

static size_t put_event(unsigned char *buf, uint64_t mask, const unsigned char *recs, size_t rl)
{
	uint32_t event_len = (uint32_t)(24 + rl);
	uint16_t meta = 24;
	int32_t fd = FAN_NOFD, pid = 1;

	memcpy(buf, &event_len, 4);
	buf[4] = FANOTIFY_METADATA_VERSION;
	buf[5] = 0;
	memcpy(buf + 6, &meta, 2);
	memcpy(buf + 8, &mask, 8);
	memcpy(buf + 16, &fd, 4);
	memcpy(buf + 20, &pid, 4);
	memcpy(buf + 24, recs, rl);
	return event_len;
}

static void test_fan_parse(void **state)
{
	(void)state;
	unsigned char recs[256], buf[512];
	struct vfs_fan_event ev;
	size_t used, rl, n;

	/* A create: the directory's key (fsid + handle) and the name. */
	rl = put_record(recs, FAN_EVENT_INFO_TYPE_DFID_NAME, 7, 42, "a.txt");
	n = put_event(buf, FAN_CREATE, recs, rl);
	assert_true(vfs_fan_parse(buf, n, &ev, &used));
	assert_int_equal(used, n);
	assert_int_equal(ev.mask, FAN_CREATE);
	assert_true(ev.has_dir);
	assert_false(ev.has_old || ev.has_new);
	assert_string_equal(ev.dir.name, "a.txt");
	assert_int_equal(ev.dir.key_len, 8 + 8 + 8);
	assert_int_equal(ev.dir.key[0], 7);
	assert_int_equal(ev.dir.key[16], 42);

	/* A rename: both directories and names. */
	rl = put_record(recs, FAN_EVENT_INFO_TYPE_OLD_DFID_NAME, 7, 42, "old");
	rl += put_record(recs + rl, FAN_EVENT_INFO_TYPE_NEW_DFID_NAME, 7, 43, "new");
	n = put_event(buf, FAN_RENAME | FAN_ONDIR, recs, rl);
	assert_true(vfs_fan_parse(buf, n, &ev, &used));
	assert_true(ev.has_old && ev.has_new && !ev.has_dir);
	assert_string_equal(ev.old_dir.name, "old");
	assert_string_equal(ev.new_dir.name, "new");
	assert_int_equal(ev.new_dir.key[16], 43);

	/* Two events in one read: the second follows the first's event_len. */
	size_t first = n;
	rl = put_record(recs, FAN_EVENT_INFO_TYPE_DFID_NAME, 7, 42, "b");
	n = first + put_event(buf + first, FAN_DELETE, recs, rl);
	assert_true(vfs_fan_parse(buf + first, n - first, &ev, &used));
	assert_string_equal(ev.dir.name, "b");

	/* An overflow has no record. */
	n = put_event(buf, FAN_Q_OVERFLOW, recs, 0);
	assert_true(vfs_fan_parse(buf, n, &ev, &used));
	assert_int_equal(ev.mask, FAN_Q_OVERFLOW);
	assert_false(ev.has_dir);

	/* What cannot be read: a cut event, a record past its event, a name without its end, a
	 * handle longer than its record, another metadata version. */
	rl = put_record(recs, FAN_EVENT_INFO_TYPE_DFID_NAME, 7, 42, "a.txt");
	n = put_event(buf, FAN_CREATE, recs, rl);
	assert_false(vfs_fan_parse(buf, n - 1, &ev, &used));
	assert_int_equal(used, 0);
	assert_false(vfs_fan_parse(buf, 10, &ev, &used));
	uint16_t big = 200;
	memcpy(buf + 24 + 2, &big, 2);
	assert_false(vfs_fan_parse(buf, n, &ev, &used));
	assert_int_equal(used, n);   /* skipped whole */
	n = put_event(buf, FAN_CREATE, recs, rl);
	memset(buf + 24 + 28, 'x', rl - 28);   /* the name fills the record: no NUL */
	assert_false(vfs_fan_parse(buf, n, &ev, &used));
	n = put_event(buf, FAN_CREATE, recs, rl);
	uint32_t hb = 4000;
	memcpy(buf + 24 + 12, &hb, 4);
	assert_false(vfs_fan_parse(buf, n, &ev, &used));
	n = put_event(buf, FAN_CREATE, recs, rl);
	buf[4] = FANOTIFY_METADATA_VERSION + 1;
	assert_false(vfs_fan_parse(buf, n, &ev, &used));
}

/* The watcher the tests below use: inotify, or fanotify with the fixture's file system marked
 * (NULL, and the test skipped, when the kernel or our privileges do not allow it). */
static struct vfs_watcher *watcher_new(bool fanotify, unsigned max_dirs)
{
	char why[256];

	if (!fanotify)
		return vfs_watcher_new(max_dirs);
	struct vfs_watcher *wr = vfs_watcher_new_fanotify(max_dirs, why, sizeof(why));
	if (wr && !vfs_watcher_mark(wr, hostpath(""), why, sizeof(why))) {
		vfs_watcher_free(wr);
		wr = NULL;
	}
	if (!wr)
		print_message("fanotify: %s\n", why);
	return wr;
}

/* What a watch was told, in order. */
#define MAX_SEEN 64
static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned n;
	uint32_t action[MAX_SEEN], filter[MAX_SEEN];
	char name[MAX_SEEN][64];
} seen = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, { 0 }, { 0 }, { { 0 } } };

static void on_change(void *arg, uint32_t action, uint32_t filter, const char *name)
{
	(void)arg;
	pthread_mutex_lock(&seen.lock);
	if (seen.n < MAX_SEEN) {
		seen.action[seen.n] = action;
		seen.filter[seen.n] = filter;
		snprintf(seen.name[seen.n], sizeof(seen.name[0]), "%s", name ? name : "");
		seen.n++;
	}
	pthread_cond_broadcast(&seen.cond);
	pthread_mutex_unlock(&seen.lock);
}

/* Wait until `n` changes were seen (or 5 s), then a little more for any extra one. */
static unsigned wait_seen(unsigned n)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 5;
	pthread_mutex_lock(&seen.lock);
	while (seen.n < n && pthread_cond_timedwait(&seen.cond, &seen.lock, &until) == 0)
		;
	pthread_mutex_unlock(&seen.lock);
	usleep(200 * 1000);
	pthread_mutex_lock(&seen.lock);
	unsigned got = seen.n;
	pthread_mutex_unlock(&seen.lock);
	return got;
}

static void seen_reset(void)
{
	pthread_mutex_lock(&seen.lock);
	seen.n = 0;
	pthread_mutex_unlock(&seen.lock);
}

static void expect(unsigned i, uint32_t action, const char *name)
{
	pthread_mutex_lock(&seen.lock);
	bool ok = seen.action[i] == action && !strcmp(seen.name[i], name);
	uint32_t got = seen.action[i];
	char got_name[64];
	snprintf(got_name, sizeof(got_name), "%s", seen.name[i]);
	pthread_mutex_unlock(&seen.lock);
	if (!ok)
		fail_msg("change %u: got action %u '%s', want %u '%s'", i, got, got_name, action, name);
}

static void write_file(const char *rel, const char *data)
{
	int fd = open(hostpath(rel), O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, strlen(data)), (ssize_t)strlen(data));
	close(fd);
}

/* A local program's changes in a watched tree, including a directory made after the watch. */
static void local_changes(bool fanotify)
{
	struct vfs_watcher *wr = watcher_new(fanotify, 64);
	struct vfs_open *dir;
	struct vfs_watch *w;

	if (!wr) {
		skip();
	}
	vfs_share_set_watcher(F->share, wr);
	assert_int_equal(mkdir(hostpath("top"), 0755), 0);
	assert_int_equal(open_opt("top", FILE_OPEN, FILE_DIRECTORY_FILE, &dir), STATUS_SUCCESS);
	seen_reset();
	assert_int_equal(vfs_watch_add(dir, true, on_change, NULL, &w), STATUS_SUCCESS);
	assert_non_null(w);

	write_file("top/a.txt", "hello");
	assert_int_equal(rename(hostpath("top/a.txt"), hostpath("top/b.txt")), 0);
	assert_int_equal(mkdir(hostpath("top/sub"), 0755), 0);
	assert_int_equal(wait_seen(5), 5);   /* the new directory is watched once seen */
	write_file("top/sub/c.txt", "x");
	assert_int_equal(unlink(hostpath("top/b.txt")), 0);
	assert_int_equal(rename(hostpath("top/sub/c.txt"), hostpath("top/c.txt")), 0);
	assert_int_equal(wait_seen(10), 10);
	expect(0, VFS_WATCH_ADDED, "a.txt");
	assert_int_equal(seen.filter[0], VFS_WATCH_FILE_NAME);
	expect(1, VFS_WATCH_MODIFIED, "a.txt");
	expect(2, VFS_WATCH_RENAMED_OLD_NAME, "a.txt");
	expect(3, VFS_WATCH_RENAMED_NEW_NAME, "b.txt");
	expect(4, VFS_WATCH_ADDED, "sub");
	assert_int_equal(seen.filter[4], VFS_WATCH_DIR_NAME);
	expect(5, VFS_WATCH_ADDED, "sub/c.txt");
	expect(6, VFS_WATCH_MODIFIED, "sub/c.txt");
	expect(7, VFS_WATCH_REMOVED, "b.txt");
	/* Across directories: a removal and an addition, as Windows reports it. */
	expect(8, VFS_WATCH_REMOVED, "sub/c.txt");
	expect(9, VFS_WATCH_ADDED, "c.txt");

	/* A renamed directory keeps being watched under its new name. */
	seen_reset();
	assert_int_equal(rename(hostpath("top/sub"), hostpath("top/sub2")), 0);
	assert_int_equal(wait_seen(2), 2);
	write_file("top/sub2/d.txt", "");
	/* fanotify reports the close of a file opened for writing even when nothing was written
	 * (inotify's IN_MODIFY needs a write). */
	assert_int_equal(wait_seen(fanotify ? 4 : 3), fanotify ? 4 : 3);
	expect(0, VFS_WATCH_RENAMED_OLD_NAME, "sub");
	expect(1, VFS_WATCH_RENAMED_NEW_NAME, "sub2");
	expect(2, VFS_WATCH_ADDED, "sub2/d.txt");
	if (fanotify)
		expect(3, VFS_WATCH_MODIFIED, "sub2/d.txt");

	/* Nothing after the watch is removed. */
	vfs_watch_remove(w);
	seen_reset();
	write_file("top/e.txt", "");
	assert_int_equal(wait_seen(1), 0);
	close_op(dir);
	vfs_share_set_watcher(F->share, NULL);
	vfs_watcher_free(wr);
}

/* The server's own changes are reported by the server, not again by the kernel; another
 * program's change of the same directory still is. A non-recursive watch sees no subdirectory. */
static void own_changes_once(bool fanotify)
{
	struct vfs_watcher *wr = watcher_new(fanotify, 64);
	struct vfs_open *dir, *op;
	struct vfs_watch *w;
	size_t n;

	if (!wr) {
		skip();
	}
	vfs_share_set_watcher(F->share, wr);
	assert_int_equal(mkdir(hostpath("d"), 0755), 0);
	assert_int_equal(mkdir(hostpath("d/sub"), 0755), 0);
	assert_int_equal(open_acc("d", FILE_READ_DATA, FILE_OPEN, FILE_DIRECTORY_FILE, &dir),
			 STATUS_SUCCESS);   /* no DELETE: the rename below may add a name */
	seen_reset();
	assert_int_equal(vfs_watch_add(dir, false, on_change, NULL, &w), STATUS_SUCCESS);

	assert_int_equal(open_simple("d/mine.txt", FILE_CREATE, &op), STATUS_SUCCESS);
	assert_int_equal(vfs_write(op, "data", 4, 0, &n), STATUS_SUCCESS);
	assert_int_equal(vfs_set_eof(op, 2), STATUS_SUCCESS);
	assert_int_equal(vfs_rename(op, "d/mine2.txt", false), STATUS_SUCCESS);
	close_op(op);
	write_file("d/sub/deep.txt", "");   /* below a non-recursive watch */
	write_file("d/theirs.txt", "");
	assert_int_equal(wait_seen(fanotify ? 2 : 1), fanotify ? 2 : 1);   /* see local_changes */
	expect(0, VFS_WATCH_ADDED, "theirs.txt");
	if (fanotify)
		expect(1, VFS_WATCH_MODIFIED, "theirs.txt");

	vfs_watch_remove(w);
	close_op(dir);
	vfs_share_set_watcher(F->share, NULL);
	vfs_watcher_free(wr);
}

/* A new watch is told only of what happens after it is made. fanotify's marks see the whole file
 * system whether anything is watched or not, and the server marks its own changes only while
 * something is: the changes it made just before a watch (as smb2.notify.mask does between its
 * rounds) must not reach that watch, whenever the reader gets to them. */
static void nothing_from_before(bool fanotify)
{
	struct vfs_watcher *wr = watcher_new(fanotify, 64);
	struct vfs_open *dir, *other, *op;
	struct vfs_watch *w, *w0;

	if (!wr) {
		skip();
	}
	vfs_share_set_watcher(F->share, wr);
	assert_int_equal(mkdir(hostpath("d"), 0755), 0);
	assert_int_equal(mkdir(hostpath("o"), 0755), 0);
	assert_int_equal(open_opt("d", FILE_OPEN, FILE_DIRECTORY_FILE, &dir), STATUS_SUCCESS);
	assert_int_equal(open_opt("o", FILE_OPEN, FILE_DIRECTORY_FILE, &other), STATUS_SUCCESS);
	/* The reader runs (a first watch started it), then nothing is watched. */
	assert_int_equal(vfs_watch_add(other, false, on_change, NULL, &w0), STATUS_SUCCESS);
	vfs_watch_remove(w0);
	seen_reset();
	for (int i = 0; i < 50; i++) {
		char name[32];
		snprintf(name, sizeof(name), "d/mine%d", i);
		assert_int_equal(open_simple(name, FILE_CREATE, &op), STATUS_SUCCESS);
		close_op(op);
		assert_int_equal(vfs_watch_add(dir, false, on_change, NULL, &w), STATUS_SUCCESS);
		vfs_watch_remove(w);
	}
	assert_int_equal(vfs_watch_add(dir, false, on_change, NULL, &w), STATUS_SUCCESS);
	write_file("d/theirs.txt", "x");
	assert_int_equal(wait_seen(2), 2);
	expect(0, VFS_WATCH_ADDED, "theirs.txt");
	expect(1, VFS_WATCH_MODIFIED, "theirs.txt");
	vfs_watch_remove(w);
	close_op(other);
	close_op(dir);
	vfs_share_set_watcher(F->share, NULL);
	vfs_watcher_free(wr);
}

/* A tree with more directories than the limit: watched in part, and told so once. */
static void limit_overflow(bool fanotify)
{
	struct vfs_watcher *wr = watcher_new(fanotify, 2);
	struct vfs_open *dir;
	struct vfs_watch *w;

	if (!wr) {
		skip();
	}
	vfs_share_set_watcher(F->share, wr);
	assert_int_equal(mkdir(hostpath("t"), 0755), 0);
	assert_int_equal(mkdir(hostpath("t/a"), 0755), 0);
	assert_int_equal(mkdir(hostpath("t/b"), 0755), 0);
	assert_int_equal(open_opt("t", FILE_OPEN, FILE_DIRECTORY_FILE, &dir), STATUS_SUCCESS);
	seen_reset();
	assert_int_equal(vfs_watch_add(dir, true, on_change, NULL, &w), STATUS_SUCCESS);
	assert_int_equal(wait_seen(1), 1);
	assert_int_equal(seen.action[0], VFS_WATCH_OVERFLOW);

	/* A new directory past the limit overflows too; the top still reports. */
	seen_reset();
	assert_int_equal(mkdir(hostpath("t/c"), 0755), 0);
	assert_int_equal(wait_seen(2), 2);
	expect(0, VFS_WATCH_ADDED, "c");
	assert_int_equal(seen.action[1], VFS_WATCH_OVERFLOW);
	vfs_watch_remove(w);
	close_op(dir);
	vfs_share_set_watcher(F->share, NULL);
	vfs_watcher_free(wr);
}

static void test_local_changes(void **state) { (void)state; local_changes(false); }
static void test_local_changes_fan(void **state) { (void)state; local_changes(true); }
static void test_own_changes_once(void **state) { (void)state; own_changes_once(false); }
static void test_own_changes_once_fan(void **state) { (void)state; own_changes_once(true); }
static void test_limit_overflow(void **state) { (void)state; limit_overflow(false); }
static void test_nothing_from_before(void **state) { (void)state; nothing_from_before(false); }
static void test_nothing_from_before_fan(void **state) { (void)state; nothing_from_before(true); }
static void test_limit_overflow_fan(void **state) { (void)state; limit_overflow(true); }

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_map),
		cmocka_unit_test(test_fan_map),
		cmocka_unit_test(test_fan_parse),
		cmocka_unit_test_setup_teardown(test_local_changes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_local_changes_fan, setup, teardown),
		cmocka_unit_test_setup_teardown(test_own_changes_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_own_changes_once_fan, setup, teardown),
		cmocka_unit_test_setup_teardown(test_limit_overflow, setup, teardown),
		cmocka_unit_test_setup_teardown(test_limit_overflow_fan, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nothing_from_before, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nothing_from_before_fan, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
