/* SPDX-License-Identifier: Apache-2.0 */
/*
 * FSCTL_QUERY_NETWORK_INTERFACE_INFO (MS-SMB2 3.3.5.15.11): the addresses a multichannel client
 * may open more channels to. They come from the host's interfaces (getifaddrs), with the link
 * speed and receive queues the driver reports to ethtool (sysfs when it won't say), restricted
 * to what the server listens on and to the configured `interfaces`.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <ifaddrs.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/config.h"
#include "core/log.h"
#include "smb2/server.h"
#include "smb2/wire/fsctl.h"

#define IFACES_MAX 64
#define LINK_SPEED_UNKNOWN 1000000000ull   /* 1 Gbit/s when the kernel does not say (lo) */

/*
 * What the driver tells ethtool, asked through a socket of skiffd's own network namespace: the
 * sysfs files answer for the namespace /sys was mounted in, which is the host's when skiffd
 * was put into a namespace without a fresh /sys (nsenter, a service manager joining one).
 */
static bool ethtool_ask(int fd, const char *name, void *cmd)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	if (strlen(name) >= sizeof(ifr.ifr_name))
		return false;
	memcpy(ifr.ifr_name, name, strlen(name));
	ifr.ifr_data = cmd;
	return ioctl(fd, SIOCETHTOOL, &ifr) == 0;
}

/* ETHTOOL_GLINKSETTINGS: the first call learns how many mask words the kernel has, the second
 * passes that many (link_mode_masks_nwords negated back, as the kernel's handshake asks). */
static uint32_t ethtool_speed_mbps(int fd, const char *name)
{
	union {   /* the settings, and room for their three masks of at most 127 words */
		struct ethtool_link_settings s;
		uint8_t room[sizeof(struct ethtool_link_settings) + 3 * 127 * sizeof(uint32_t)];
	} req;

	memset(&req, 0, sizeof(req));
	req.s.cmd = ETHTOOL_GLINKSETTINGS;
	if (!ethtool_ask(fd, name, &req) || req.s.link_mode_masks_nwords >= 0)
		return 0;
	int8_t nwords = (int8_t)-req.s.link_mode_masks_nwords;
	memset(&req, 0, sizeof(req));
	req.s.cmd = ETHTOOL_GLINKSETTINGS;
	req.s.link_mode_masks_nwords = nwords;
	if (!ethtool_ask(fd, name, &req))
		return 0;
	return req.s.speed == (uint32_t)SPEED_UNKNOWN ? 0 : req.s.speed;
}

/* ETHTOOL_GCHANNELS: receive queues in use (rx and combined channels); 0 if the driver won't say. */
static unsigned ethtool_rx_queues(int fd, const char *name)
{
	struct ethtool_channels ch = { .cmd = ETHTOOL_GCHANNELS };

	return ethtool_ask(fd, name, &ch) ? ch.rx_count + ch.combined_count : 0;
}

/* LinkSpeed in bit/s: ethtool, else /sys/class/net/NAME/speed (Mbit/s, -1 when unknown). */
uint64_t smb2_iface_link_speed(int fd, const char *name)
{
	char path[96];
	long mbps = ethtool_speed_mbps(fd, name);

	snprintf(path, sizeof(path), "/sys/class/net/%s/speed", name);
	FILE *f = mbps > 0 ? NULL : fopen(path, "r");
	if (f) {
		if (fscanf(f, "%ld", &mbps) != 1)
			mbps = -1;
		fclose(f);
	}
	return mbps > 0 ? (uint64_t)mbps * 1000000ull : LINK_SPEED_UNKNOWN;
}

/* Receive-side scaling: more than one receive queue (ethtool, else the sysfs queue files). */
bool smb2_iface_rss_capable(int fd, const char *name)
{
	char path[96];
	unsigned rx = ethtool_rx_queues(fd, name);

	if (rx > 0)
		return rx > 1;
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

	if (!listen_filter_init(g->listen, &lf))
		return STATUS_NOT_SUPPORTED;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);   /* for the ethtool ioctls */
	if (fd < 0)
		return STATUS_INSUFFICIENT_RESOURCES;
	if (getifaddrs(&all) != 0) {
		close(fd);
		return STATUS_NOT_SUPPORTED;
	}
	for (const struct ifaddrs *ifa = all; ifa && n < IFACES_MAX; ifa = ifa->ifa_next) {
		struct smb2_net_iface f = { 0 };
		if (!ifa->ifa_addr || !(ifa->ifa_flags & IFF_UP) || !name_configured(g, ifa->ifa_name))
			continue;
		if (!address_offered(&lf, g, ifa, &f))
			continue;
		f.if_index = if_nametoindex(ifa->ifa_name);
		if (f.if_index == 0)
			continue;   /* 3.3.5.15.11: never an IfIndex of zero */
		f.link_speed = smb2_iface_link_speed(fd, ifa->ifa_name);
		f.capability = smb2_iface_rss_capable(fd, ifa->ifa_name) ? SMB2_NET_IFACE_RSS_CAPABLE : 0;
		list[n++] = f;
	}
	freeifaddrs(all);
	close(fd);
	if (n == 0)
		return STATUS_NOT_SUPPORTED;   /* nothing a client could reach us at */
	smb2_net_iface_info_encode(out, list, n);
	return STATUS_SUCCESS;
}
