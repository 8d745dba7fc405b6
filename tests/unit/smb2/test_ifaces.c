/* SPDX-License-Identifier: Apache-2.0 */
/* What FSCTL_QUERY_NETWORK_INTERFACE_INFO says of an interface (ifaces.c): its link speed and RSS
 * capability as its driver tells ethtool, in skiffd's own network namespace even where /sys is
 * another namespace's. */
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "smb2/server.h"

#include "net_stub.h"

void net_conn_send(struct net_conn *c, uint8_t *buf, size_t len)
{
	(void)c;
	(void)len;
	free(buf);
}
void net_conn_close(struct net_conn *c) { (void)c; }

#define SKIPPED 77

/* lo has no link settings and one queue: the 1 Gbit/s default, no RSS. */
static void loopback_defaults(void **state)
{
	(void)state;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(smb2_iface_link_speed(fd, "lo"), 1000000000ull);
	assert_false(smb2_iface_rss_capable(fd, "lo"));
	assert_int_equal(smb2_iface_link_speed(fd, "no-such-if0"), 1000000000ull);
	close(fd);
}

/* In a child: a new network namespace (its /sys still the parent's) with a veth pair, one end
 * with four receive queues. The exit status says which check failed (0: none). */
static int veth_child(void)
{
	if (unshare(CLONE_NEWNET) != 0)
		return SKIPPED;
	if (system("ip link add sku0 numtxqueues 4 numrxqueues 4 type veth peer name sku1 "
		   "numtxqueues 1 numrxqueues 1 >/dev/null 2>&1") != 0)
		return SKIPPED;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		return 1;
	if (smb2_iface_link_speed(fd, "sku0") != 10000000000ull)   /* veth: 10000 Mb/s */
		return 2;
	if (!smb2_iface_rss_capable(fd, "sku0"))
		return 3;
	if (smb2_iface_rss_capable(fd, "sku1"))
		return 4;
	close(fd);
	return 0;   /* the namespace and its links go with the child */
}

static void veth_in_own_namespace(void **state)
{
	(void)state;
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(veth_child());
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == SKIPPED) {
		print_message("skipped: no network namespace or no ip(8) here (needs root)\n");
		skip();
	}
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(loopback_defaults),
		cmocka_unit_test(veth_in_own_namespace),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
