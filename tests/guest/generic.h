/*
 * tests/guest/generic.h - helpers shared by the generic adapter tests (generic*.c): veth pairs
 * through iproute2, test frames with a sequence number and a pattern in every byte, and the
 * counters of /proc/netmap_generic.
 */
#ifndef NM_TEST_GENERIC_H
#define NM_TEST_GENERIC_H

#include <arpa/inet.h>
#include <net/if.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "nm.h"

#define T_ETHERTYPE 0x88b5	/* IEEE local experimental */

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2), unused));
static int sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

/* A veth pair a <-> b, up, without IPv6 chatter; `extra` link options apply to both ends. */
static __attribute__((unused)) int veth_pair(const char *a, const char *b, const char *extra)
{
	sh("modprobe veth 2>/dev/null");
	sh("echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6 2>/dev/null");
	if (sh("/sbin/ip link add %s %s type veth peer name %s %s", a, extra ? extra : "", b,
	       extra ? extra : ""))
		return -1;
	sh("echo 1 > /proc/sys/net/ipv6/conf/%s/disable_ipv6 2>/dev/null", a);
	sh("echo 1 > /proc/sys/net/ipv6/conf/%s/disable_ipv6 2>/dev/null", b);
	return sh("/sbin/ip link set %s up && /sbin/ip link set %s up", a, b);
}

/* veth_pair(a, b) with netmap:a opened as tx and netmap:b as rx, all rings; exits on failure. */
static __attribute__((unused)) void veth_pair_open(const char *a, const char *b, struct nmport *tx,
						   struct nmport *rx)
{
	if (veth_pair(a, b, NULL)) {
		ok(0, "create veth pair %s/%s", a, b);
		exit(t_exit());
	}
	nm_open_or_die(tx, a, NR_REG_ALL_NIC, 0, 0);
	nm_open_or_die(rx, b, NR_REG_ALL_NIC, 0, 0);
}

static __attribute__((unused)) double now_s(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return tv.tv_sec + tv.tv_usec / 1e6;
}

static inline uint8_t t_pattern(uint32_t seq, uint32_t i)
{
	return (uint8_t)(seq * 7 + i * 13);
}

/* Writes test frame `seq` of `len` bytes (>= 18) into buf. */
static __attribute__((unused)) void t_frame(uint8_t *buf, uint32_t seq, uint32_t len)
{
	static const uint8_t dst[6] = { 2, 0, 0, 0, 0, 1 }, src[6] = { 2, 0, 0, 0, 0, 2 };
	uint32_t i;

	memcpy(buf, dst, 6);
	memcpy(buf + 6, src, 6);
	buf[12] = T_ETHERTYPE >> 8;
	buf[13] = T_ETHERTYPE & 0xff;
	memcpy(buf + 14, &seq, 4);
	for (i = 18; i < len; i++)
		buf[i] = t_pattern(seq, i);
}

/*
 * Queues test frames seq, seq+1, ... of len bytes in TX ring t, one slot each, while there is
 * room (no sync); returns how many.
 */
static __attribute__((unused)) uint32_t tx_frames(struct netmap_ring *t, uint32_t seq,
						  uint32_t count, uint32_t len)
{
	uint32_t k;

	for (k = 0; k < count && nm_ring_space(t); k++) {
		struct netmap_slot *s = &t->slot[t->cur];

		t_frame((uint8_t *)NETMAP_BUF(t, s->buf_idx), seq + k, len);
		s->len = (uint16_t)len;
		t->head = t->cur = nm_ring_next(t, t->cur);
	}
	return k;
}

/* -1: not a test frame; 0: frame `*seq` intact; 1: frame `*seq` corrupt. */
static __attribute__((unused)) int t_check(const uint8_t *buf, uint32_t len, uint32_t *seq)
{
	uint32_t i;

	if (len < 18 || buf[12] != (T_ETHERTYPE >> 8) || buf[13] != (T_ETHERTYPE & 0xff))
		return -1;
	memcpy(seq, buf + 14, 4);
	for (i = 18; i < len; i++)
		if (buf[i] != t_pattern(*seq, i))
			return 1;
	return 0;
}

/*
 * Whether the guest kernel has KASAN (the debug kernel of `make check-debug` does, and has
 * /proc/config.gz; Debian's kernel has neither).
 */
static int kasan_kernel(void)
{
	static int kasan = -1;

	if (kasan < 0)
		kasan = system("zcat /proc/config.gz 2>/dev/null | grep -qx CONFIG_KASAN=y") == 0;
	return kasan;
}

/*
 * Objects in use in slab cache `name` (/proc/slabinfo); -1 if absent.
 *
 * Under KASAN a freed object is not given back to its cache at once: it waits in KASAN's
 * quarantine (to catch use after free) until enough other memory has been freed after it, and
 * /proc/slabinfo counts it in use meanwhile, so 200000 frames sent and freed look like some
 * 200000 skbs in use.  Shrinking the cache (/sys/kernel/slab/NAME/shrink, kmem_cache_shrink)
 * first frees that cache's quarantined objects (kasan_cache_shrink), so the count is again what
 * is really in use and the bounds of the tests hold unchanged.  Debian's kernel is read as is.
 */
static __attribute__((unused)) long long slab_active(const char *name)
{
	char line[512], n[128];
	long long active = -1, v;
	FILE *f;

	if (kasan_kernel()) {
		static int said;

		if (!said++)
			printf("# KASAN kernel: each slab count first empties the cache's quarantine (/sys/kernel/slab/%s/shrink)\n",
			       name);
		sh("echo 1 > /sys/kernel/slab/%s/shrink", name);
	}
	f = fopen("/proc/slabinfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%127s %lld", n, &v) == 2 && !strcmp(n, name))
			active = v;
	if (f)
		fclose(f);
	return active;
}

/* A counter of /proc/netmap_generic for interface ifname; -1 if absent. */
static __attribute__((unused)) long long gen_counter(const char *ifname, const char *name)
{
	FILE *f = fopen("/proc/netmap_generic", "r");
	char line[2048];
	long long v = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *p;
		size_t n = strlen(ifname);

		if (strncmp(line, ifname, n) || (line[n] != ' '))
			continue;
		p = strstr(line, name);
		if (p && p[strlen(name)] == ' ')
			v = atoll(p + strlen(name) + 1);
	}
	fclose(f);
	return v;
}

/* Whether /proc/netmap_generic lists ifname with " (gone)". */
static __attribute__((unused)) int gen_gone(const char *ifname)
{
	FILE *f = fopen("/proc/netmap_generic", "r");
	char line[2048];
	int gone = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, ifname, strlen(ifname)) && strstr(line, " (gone) "))
			gone = 1;
	fclose(f);
	return gone;
}

/* A raw packet socket bound to ifname (all protocols); -1 on failure. */
static __attribute__((unused)) int raw_socket(const char *ifname)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };
	int s = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));

	if (s < 0)
		return -1;
	sll.sll_ifindex = if_nametoindex(ifname);
	if (bind(s, (struct sockaddr *)&sll, sizeof(sll))) {
		close(s);
		return -1;
	}
	return s;
}

/* Waits up to ms for the RX ring to hold something; rxsyncs through poll. */
static __attribute__((unused)) int rx_wait(struct nmport *p, struct netmap_ring *ring, int ms)
{
	struct pollfd pfd = { .fd = p->fd, .events = POLLIN };
	double end = now_s() + ms / 1000.0;

	while (nm_ring_empty(ring)) {
		int left = (int)((end - now_s()) * 1000);

		if (left <= 0)
			return 0;
		poll(&pfd, 1, left);
		if (pfd.revents & POLLERR)
			return -1;
	}
	return 1;
}

#endif /* NM_TEST_GENERIC_H */
