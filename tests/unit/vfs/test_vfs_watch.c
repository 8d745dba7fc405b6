/* SPDX-License-Identifier: Apache-2.0 */
/* Kernel change notify (src/vfs/vfs_watch.c): the inotify mapping, and a watcher fed by changes
 * made with plain syscalls, as a local program would, next to the server's own (not reported). */
#include "vfs_fixture.h"

#include <pthread.h>
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
static void test_local_changes(void **state)
{
	(void)state;
	struct vfs_watcher *wr = vfs_watcher_new(64);
	struct vfs_open *dir;
	struct vfs_watch *w;

	assert_non_null(wr);
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
	assert_int_equal(wait_seen(3), 3);
	expect(0, VFS_WATCH_RENAMED_OLD_NAME, "sub");
	expect(1, VFS_WATCH_RENAMED_NEW_NAME, "sub2");
	expect(2, VFS_WATCH_ADDED, "sub2/d.txt");

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
static void test_own_changes_once(void **state)
{
	(void)state;
	struct vfs_watcher *wr = vfs_watcher_new(64);
	struct vfs_open *dir, *op;
	struct vfs_watch *w;
	size_t n;

	assert_non_null(wr);
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
	assert_int_equal(wait_seen(1), 1);
	expect(0, VFS_WATCH_ADDED, "theirs.txt");

	vfs_watch_remove(w);
	close_op(dir);
	vfs_share_set_watcher(F->share, NULL);
	vfs_watcher_free(wr);
}

/* A tree with more directories than the limit: watched in part, and told so once. */
static void test_limit_overflow(void **state)
{
	(void)state;
	struct vfs_watcher *wr = vfs_watcher_new(2);
	struct vfs_open *dir;
	struct vfs_watch *w;

	assert_non_null(wr);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_map),
		cmocka_unit_test_setup_teardown(test_local_changes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_own_changes_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_limit_overflow, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
