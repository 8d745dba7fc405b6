/* SPDX-License-Identifier: Apache-2.0 */
/*
 * FSCTL_QUERY_NETWORK_INTERFACE_INFO (MS-SMB2 3.3.5.15.11): the addresses a multichannel client
 * may open more channels to. They come from the host's interfaces (getifaddrs), with the link
 * speed and receive queues the kernel reports in sysfs (what ethtool shows), restricted to what
 * the server listens on and to the configured `interfaces`.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/log.h"
#include "smb2/server.h"
#include "smb2/wire/fsctl.h"

#define IFACES_MAX 64
#define LINK_SPEED_UNKNOWN 1000000000ull   /* 1 Gbit/s when the kernel does not say (lo, veth) */

/* /sys/class/net/NAME/speed is in Mbit/s (-1 or unreadable when unknown). */
static uint64_t link_speed(const char *name)
{
	char path[96];
	long mbps = -1;

	snprintf(path, sizeof(path), "/sys/class/net/%s/speed", name);
	FILE *f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%ld", &mbps) != 1)
			mbps = -1;
		fclose(f);
	}
	return mbps > 0 ? (uint64_t)mbps * 1000000ull : LINK_SPEED_UNKNOWN;
}

/* Receive-side scaling: more than one receive queue. */
static bool rss_capable(const char *name)
{
	char path[96];
	unsigned rx = 0;

	snprintf(path, sizeof(path), "/sys/class/net/%s/queues", name);
	DIR *d = opendir(path);
	if (!d)
		return false;
	for (struct dirent *e; (e = readdir(d)) != NULL;)
		rx += strncmp(e->d_name, "rx-", 3) == 0;
	closedir(d);
	return rx > 1;
}

static bool name_configured(const struct cfg_global *g, const char *name)
{
	if (g->n_interfaces == 0)
		return true;
	for (size_t i = 0; i < g->n_interfaces; i++)
		if (strcmp(g->interfaces[i], name) == 0)
			return true;
	return false;
}

/* Which of the host's addresses clients may reach the server at: the listening address itself,
 * or, listening on a wildcard, every address of its family but loopback and IPv6 link-local
 * (an explicit `interfaces` list may name lo). */
struct listen_filter {
	bool wildcard;
	bool v6;            /* listening on IPv6 (:: takes IPv4 too) */
	uint8_t addr[16];
};

static bool listen_filter_init(const char *listen, struct listen_filter *lf)
{
	memset(lf, 0, sizeof(*lf));
	if (inet_pton(AF_INET, listen, lf->addr) == 1) {
		lf->wildcard = memcmp(lf->addr, "\0\0\0\0", 4) == 0;
		return true;
	}
	if (inet_pton(AF_INET6, listen, lf->addr) == 1) {
		lf->v6 = true;
		lf->wildcard = memcmp(lf->addr, &in6addr_any, 16) == 0;
		return true;
	}
	return false;
}

static bool address_offered(const struct listen_filter *lf, const struct cfg_global *g,
			    const struct ifaddrs *ifa, struct smb2_net_iface *out)
{
	int fam = ifa->ifa_addr->sa_family;

	if (fam == AF_INET) {
		memcpy(out->addr, &((const struct sockaddr_in *)(const void *)ifa->ifa_addr)->sin_addr, 4);
		out->ipv6 = false;
	} else if (fam == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)(const void *)ifa->ifa_addr;
		memcpy(out->addr, &s6->sin6_addr, 16);
		out->scope_id = s6->sin6_scope_id;
		out->ipv6 = true;
	} else {
		return false;
	}
	if (!lf->wildcard) {
		/* an IPv4-mapped listen address is not one of ours: only the exact address */
		return out->ipv6 == lf->v6 && memcmp(out->addr, lf->addr, out->ipv6 ? 16 : 4) == 0;
	}
	if (out->ipv6 && !lf->v6)
		return false;
	bool listed = g->n_interfaces > 0;
	if ((ifa->ifa_flags & IFF_LOOPBACK) && !listed)
		return false;
	if (out->ipv6 && IN6_IS_ADDR_LINKLOCAL(&((const struct sockaddr_in6 *)(const void *)ifa->ifa_addr)->sin6_addr))
		return false;
	return true;
}

NTSTATUS smb2_net_ifaces_query(const struct smb2_server *srv, struct wr *out)
{
	const struct cfg_global *g = &srv->cfg->g;
	struct smb2_net_iface list[IFACES_MAX];
	struct listen_filter lf;
	struct ifaddrs *all;
	size_t n = 0;

	if (!listen_filter_init(g->listen, &lf) || getifaddrs(&all) != 0)
		return STATUS_NOT_SUPPORTED;
	for (const struct ifaddrs *ifa = all; ifa && n < IFACES_MAX; ifa = ifa->ifa_next) {
		struct smb2_net_iface f = { 0 };
		if (!ifa->ifa_addr || !(ifa->ifa_flags & IFF_UP) || !name_configured(g, ifa->ifa_name))
			continue;
		if (!address_offered(&lf, g, ifa, &f))
			continue;
		f.if_index = if_nametoindex(ifa->ifa_name);
		if (f.if_index == 0)
			continue;   /* 3.3.5.15.11: never an IfIndex of zero */
		f.link_speed = link_speed(ifa->ifa_name);
		f.capability = rss_capable(ifa->ifa_name) ? SMB2_NET_IFACE_RSS_CAPABLE : 0;
		list[n++] = f;
	}
	freeifaddrs(all);
	if (n == 0)
		return STATUS_NOT_SUPPORTED;   /* nothing a client could reach us at */
	smb2_net_iface_info_encode(out, list, n);
	return STATUS_SUCCESS;
}
