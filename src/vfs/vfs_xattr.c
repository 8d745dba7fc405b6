/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Extended-attribute calls on an open's fd of any kind: O_PATH fds have no xattr operations, so
 * those go through the fd's /proc magic link (which names the very inode). Optionally retried as
 * the server when the VFS has already granted the Windows right the call stands for.
 */
#include "vfs/vfs_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/xattr.h>

enum xop { XGET, XSET, XREMOVE, XLIST };

static ssize_t x_once(int fd, enum xop op, const char *name, void *buf, size_t len, int flags)
{
	char p[64];
	ssize_t n;

	if (!vfs_fd_is_opath(fd)) {
		switch (op) {
		case XGET: n = fgetxattr(fd, name, buf, len); break;
		case XSET: n = fsetxattr(fd, name, buf, len, flags); break;
		case XREMOVE: n = fremovexattr(fd, name); break;
		default: n = flistxattr(fd, buf, len); break;
		}
		if (n >= 0)
			return n;
		if (errno != EBADF)
			return -errno;
	}
	if (!vfs_proc_path(p, sizeof(p), fd, NULL))
		return -ENAMETOOLONG;
	switch (op) {
	case XGET: n = getxattr(p, name, buf, len); break;
	case XSET: n = setxattr(p, name, buf, len, flags); break;
	case XREMOVE: n = removexattr(p, name); break;
	default: n = listxattr(p, buf, len); break;
	}
	return n >= 0 ? n : -errno;
}

static ssize_t x_call(int fd, enum xop op, const char *name, void *buf, size_t len, int flags,
		      bool privileged)
{
	ssize_t n = x_once(fd, op, name, buf, len, flags);

	if ((n == -EACCES || n == -EPERM) && privileged) {
		struct vfs_root_section rs;
		vfs_root_begin(&rs);
		if (rs.switched)
			n = x_once(fd, op, name, buf, len, flags);
		vfs_root_end(&rs);
	}
	if (n == -EOPNOTSUPP)
		n = -ENOTSUP;
	return n;
}

ssize_t vfs_xattr_get(int fd, const char *name, void *buf, size_t len, bool privileged)
{
	return x_call(fd, XGET, name, buf, len, 0, privileged);
}

int vfs_xattr_set(int fd, const char *name, const void *value, size_t len, int flags, bool privileged)
{
	ssize_t n = x_call(fd, XSET, name, (void *)value, len, flags, privileged);

	return n < 0 ? (int)-n : 0;
}

int vfs_xattr_remove(int fd, const char *name, bool privileged)
{
	ssize_t n = x_call(fd, XREMOVE, name, NULL, 0, 0, privileged);

	return n < 0 ? (int)-n : 0;
}

ssize_t vfs_xattr_list(int fd, char **out, bool privileged)
{
	char *buf = NULL;

	*out = NULL;
	/* The list can grow between the size query and the read: retry a few times. */
	for (int tries = 0; tries < 4; tries++) {
		ssize_t n = x_call(fd, XLIST, NULL, NULL, 0, 0, privileged);
		if (n <= 0) {
			free(buf);   /* the list may have emptied (or failed) on a retry */
			return n;
		}
		char *nb = realloc(buf, (size_t)n + 1);
		if (!nb) {
			free(buf);
			return -ENOMEM;
		}
		buf = nb;
		ssize_t m = x_call(fd, XLIST, NULL, buf, (size_t)n, 0, privileged);
		if (m == -ERANGE)
			continue;
		if (m < 0) {
			free(buf);
			return m;
		}
		buf[m] = '\0';
		*out = buf;
		return m;
	}
	free(buf);
	return -ERANGE;
}
