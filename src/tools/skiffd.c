/* SPDX-License-Identifier: Apache-2.0 */
/*
 * skiffd: the SMB2/SMB3 file server. Loads the configuration, opens the shares and the user
 * database, wires the SMB2 layer to the transport and runs in the foreground until SIGTERM.
 */
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <sys/resource.h>
#include <unistd.h>

#include "auth/userdb.h"
#include "core/config.h"
#include "core/config_systemd.h"
#include "core/log.h"
#include "net/net.h"
#include "rpc/idmap.h"
#include "smb2/conn.h"
#include "smb2/persist.h"
#include "smb2/smb2.h"
#include "tools/privs.h"
#include "vfs/vfs.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: skiffd -c FILE [--check-config | --print-systemd-drop-in] [-d LEVEL]\n"
		"  -c, --config FILE   configuration file (default " SKIFF_DEFAULT_CONFIG ")\n"
		"  --check-config      load and validate the configuration, then exit\n"
		"  --print-systemd-drop-in  print the skiffd.service drop-in that lets the sandbox\n"
		"                      write this configuration's shares (docs/SECURITY.md), then exit\n"
		"  -d, --debug LEVEL   log level override (0 error .. 4 trace)\n"
		"Runs in the foreground and logs to stderr.\n");
}

/* Listening, no thread started yet: what the bind needed goes, for every thread to come. */
static void contain_after_bind(void *arg)
{
	char err[256];

	if (!privs_contain(vfs_running_as_root(), err, sizeof(err)))
		fatal("cannot drop privileges: %s", err);
}

/*
 * Each connection and each open file holds a descriptor, and the usual soft limit (1024) is
 * below what "max connections" alone allows: raise the soft limit to the hard one. Returns the
 * limit in force, for sizing what uses descriptors.
 */
static rlim_t raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return 0;
	rlim_t was = rl.rlim_cur;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			rl.rlim_cur = was;
	}
	log_info("file descriptors: limit %llu (soft limit was %llu, hard limit %llu)",
		 (unsigned long long)rl.rlim_cur, (unsigned long long)was,
		 (unsigned long long)rl.rlim_max);
	return rl.rlim_cur;
}

static unsigned cpu_count(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (unsigned)n : 1;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", no_argument, NULL, 'C' },
		{ "print-systemd-drop-in", no_argument, NULL, 'S' },
		{ "debug", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *conf_path = SKIFF_DEFAULT_CONFIG;
	bool check_only = false, print_drop_in = false;
	int debug = -1, opt;
	char err[512];

	/* READ responses and WRITE frames are up to 8 MiB: above glibc's default mmap threshold
	 * every one would be a fresh mmap, page-faulted in and unmapped again (on a VM, first
	 * touches of guest pages are the dearest part of a 1 GiB transfer). From the heap they are
	 * reused; memory above 64 MiB of free heap top is still given back. */
	mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
	mallopt(M_TRIM_THRESHOLD, 64 * 1024 * 1024);
	/* One heap per thread would keep an 8 MiB buffer or two cached in each of the loops' and
	 * workers' heaps; two heaps share them (small allocations mostly hit the per-thread cache
	 * and never take a heap lock). */
	mallopt(M_ARENA_MAX, 2);

	while ((opt = getopt_long(argc, argv, "c:d:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'c': conf_path = optarg; break;
		case 'C': check_only = true; break;
		case 'S': print_drop_in = true; break;
		case 'd': debug = atoi(optarg); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}

	struct cfg *cfg = cfg_load_file(conf_path, err, sizeof(err));
	if (!cfg) {
		fprintf(stderr, "skiffd: %s\n", err);
		return 1;
	}
	if (print_drop_in) {
		unsigned unexpressed;
		char *text = cfg_systemd_drop_in(cfg, &unexpressed);
		if (text)
			fputs(text, stdout);
		else
			fprintf(stderr, "skiffd: out of memory\n");
		if (unexpressed)
			fprintf(stderr, "skiffd: %u path%s to add by hand (see the comments)\n",
				unexpressed, unexpressed == 1 ? "" : "s");
		free(text);
		cfg_free(cfg);
		return text && !unexpressed ? 0 : 1;
	}
	if (check_only) {
		printf("%s: configuration OK (%zu share%s)\n", conf_path, cfg->nshares,
		       cfg->nshares == 1 ? "" : "s");
		cfg_free(cfg);
		return 0;
	}
	log_set_level(debug >= 0 ? debug : cfg->g.log_level);
	rlim_t fd_limit = raise_fd_limit();
	if (fd_limit && fd_limit < (rlim_t)cfg->g.max_connections + 64)
		log_warn("max connections (%u) is close to the file descriptor limit (%llu): clients "
			 "will be refused when it is reached", cfg->g.max_connections,
			 (unsigned long long)fd_limit);
	if (!crypto_init())
		fatal("cannot initialise OpenSSL (legacy provider for MD4/RC4 missing?)");
	if (vfs_global_init() != STATUS_SUCCESS)
		fatal("cannot initialise the VFS");
	/* The lsarpc machine domain and the VFS's SID mapping must agree on the machine SID. */
	struct sd_sid machine_sid;
	idmap_derive_machine_sid(cfg->g.netbios_name, &machine_sid);
	vfs_acl_set_machine_sid(&machine_sid);
	struct userdb *users = userdb_open(cfg->g.state_dir, err, sizeof(err));
	if (!users)
		fatal("%s", err);
	struct smb2_server *srv = smb2_server_new(cfg, users);
	if (!srv)
		fatal("cannot start: see the messages above");

	sigset_t sigs;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);   /* threads inherit the mask; we sigwait below */
	signal(SIGPIPE, SIG_IGN);

	unsigned cpus = cpu_count();
	struct net_config nc = {
		.listen = cfg->g.listen,
		.port = cfg->g.port,
		.event_threads = cfg->g.event_threads ? cfg->g.event_threads : cpus,
		.worker_threads = cfg->g.worker_threads ? cfg->g.worker_threads : 4 * cpus,
		.max_connections = cfg->g.max_connections,
		.max_connections_per_addr = cfg->g.max_connections_per_addr,
		.idle_timeout = cfg->g.idle_timeout,
		.unauth_timeout = cfg->g.unauth_timeout,
		.max_frame = cfg->g.max_pdu_size,
		.preauth_max_frame = SMB2_PREAUTH_MAX_FRAME,
	};
	struct net_handlers h = {
		.on_open = smb2_conn_open,
		.on_frame = smb2_conn_frame,
		.on_close = smb2_conn_close,
		.may_run_inline = smb2_conn_may_run_inline,
		.on_bound = contain_after_bind,
		.arg = srv,
	};
	struct net_server *ns = net_server_start(&nc, &h);
	if (!ns)
		fatal("cannot listen on %s port %u", cfg->g.listen, cfg->g.port);
	smb2_persist_arm(srv, ns);   /* the scavengers of restored persistent opens */
	log_info("skiffd listening on %s port %u (%zu share%s, %u event + %u worker threads, %s mode)",
		 cfg->g.listen, net_server_port(ns), cfg->nshares, cfg->nshares == 1 ? "" : "s",
		 nc.event_threads, nc.worker_threads,
		 vfs_running_as_root() ? "per-user identity" : "single-identity");
	/* Type=notify (dist/skiffd.service.in); without $NOTIFY_SOCKET these do nothing. */
	sd_notifyf(0, "READY=1\nSTATUS=Listening on %s port %u, %zu share%s",
		   cfg->g.listen, net_server_port(ns), cfg->nshares, cfg->nshares == 1 ? "" : "s");

	for (;;) {
		int sig;
		if (sigwait(&sigs, &sig) != 0)
			continue;
		/* No reload to announce (RELOADING=1): users.db is re-read whenever it changes, and
		 * every other setting needs a restart. */
		if (sig == SIGHUP) {
			log_info("SIGHUP: users.db is re-read on change; other settings need a restart");
			continue;
		}
		log_info("signal %d: shutting down", sig);
		sd_notify(0, "STOPPING=1\nSTATUS=Shutting down");
		break;
	}
	net_server_stop(ns);
	smb2_server_free(srv);
	userdb_close(users);
	cfg_free(cfg);
	crypto_shutdown();
	return 0;
}
