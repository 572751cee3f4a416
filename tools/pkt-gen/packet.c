/*
 * packet.c -- the frames pkt-gen sends and the checks rxseq and ping make on what they receive.
 *
 * A frame is Ethernet + IPv4 (or IPv6) + UDP + payload, preceded by the port's virtio-net header
 * (zeros) when it has one.  The template is built once (pkt_build) and every thread works on its
 * own copy (pkt_thread_init).  When something changes from one packet to the next (address or port
 * ranges, random addresses, random lengths, the sequence/timestamp marker) pkt_update rewrites the
 * headers and the marker and recomputes both checksums; the payload after the marker never changes,
 * so its ones' complement sum is computed once.  Checksums are always correct.
 *
 * The marker (PG_MARK_LEN bytes at the start of the UDP payload, network byte order): magic 0x5047
 * ("PG"), a 16-bit stream id (the sending thread), a 32-bit sequence number, a 64-bit timestamp in
 * nanoseconds (CLOCK_MONOTONIC; ping) or 0.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pkt-gen.h"

#define ETH_HLEN	14
#define IP4_HLEN	20
#define IP6_HLEN	40
#define UDP_HLEN	8

static const char payload_text[] = "netmap pkt-gen payload, bytes for nothing. ";

/* ------------------------------------------------------------------------------------------ */
/* Byte helpers and checksums                                                                 */

static void put16(uint8_t *d, uint16_t v)
{
	d[0] = (uint8_t)(v >> 8);
	d[1] = (uint8_t)v;
}

static void put32(uint8_t *d, uint32_t v)
{
	put16(d, (uint16_t)(v >> 16));
	put16(d + 2, (uint16_t)v);
}

static uint16_t get16(const uint8_t *d)
{
	return (uint16_t)(d[0] << 8 | d[1]);
}

static uint32_t get32(const uint8_t *d)
{
	return (uint32_t)get16(d) << 16 | get16(d + 2);
}

static void put_mac(uint8_t *d, uint64_t m)
{
	int i;

	for (i = 0; i < 6; i++)
		d[i] = (uint8_t)(m >> (40 - 8 * i));
}

static void put_addr(uint8_t *d, pg_u128 a, int v6)
{
	int i, n = v6 ? 16 : 4;

	for (i = 0; i < n; i++)
		d[i] = (uint8_t)(a >> (8 * (n - 1 - i)));
}

/* Ones' complement sum of big-endian 16-bit words; an odd last byte is the high half. */
static uint64_t csum_acc(const uint8_t *d, int len, uint64_t sum)
{
	int i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)d[i] << 8 | d[i + 1];
	if (len & 1)
		sum += (uint32_t)d[len - 1] << 8;
	return sum;
}

static uint16_t csum_fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint64_t rnd64(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1DULL;
}

/* ------------------------------------------------------------------------------------------ */
/* Address and MAC ranges                                                                     */

/* One "IP[:port]" (IPv6: "ADDR" or "[ADDR]:port"); the port is left alone if absent. */
static int parse_endpoint(const char *s, int af, pg_u128 *addr, uint16_t *port)
{
	char buf[128], *colon = NULL, *a = buf;
	uint8_t bin[16];
	int i, n = af == 6 ? 16 : 4;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	if (af == 6 && buf[0] == '[') {
		char *close = strchr(buf, ']');

		if (!close)
			return -1;
		*close = '\0';
		a = buf + 1;
		if (close[1] == ':')
			colon = close + 1;
		else if (close[1])
			return -1;
	} else if (af == 4) {
		colon = strchr(buf, ':');
	}
	if (colon) {
		char *end;
		long p = strtol(colon + 1, &end, 10);

		*colon = '\0';
		if (end == colon + 1 || *end || p < 0 || p > 65535)
			return -1;
		*port = (uint16_t)p;
	}
	if (inet_pton(af == 6 ? AF_INET6 : AF_INET, a, bin) != 1)
		return -1;
	*addr = 0;
	for (i = 0; i < n; i++)
		*addr = *addr << 8 | bin[i];
	return 0;
}

/* "IP[:port][-IP[:port]]" into r, whose ports keep their value when none is given. */
int pkt_parse_addr_range(const char *arg, int af, struct addr_range *r)
{
	char buf[300], *dash;
	uint16_t p0 = r->port0, p1;

	if (strlen(arg) >= sizeof(buf))
		return -1;
	strcpy(buf, arg);
	dash = strchr(buf, '-');
	if (dash)
		*dash++ = '\0';
	if (parse_endpoint(buf, af, &r->start, &p0) < 0)
		return -1;
	r->end = r->start;
	p1 = p0;
	if (dash && parse_endpoint(dash, af, &r->end, &p1) < 0)
		return -1;
	if (r->end < r->start || p1 < p0)
		return -1;
	r->port0 = r->pcur = p0;
	r->port1 = p1;
	r->cur = r->start;
	return 0;
}

static int parse_mac(const char *s, uint64_t *m)
{
	unsigned int b[6];
	char tail;
	int i;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &tail) != 6)
		return -1;
	*m = 0;
	for (i = 0; i < 6; i++) {
		if (b[i] > 255)
			return -1;
		*m = *m << 8 | b[i];
	}
	return 0;
}

/* "MAC[-MAC]" */
int pkt_parse_mac_range(const char *arg, struct mac_range *r)
{
	char buf[64], *dash;

	if (strlen(arg) >= sizeof(buf))
		return -1;
	strcpy(buf, arg);
	dash = strchr(buf, '-');
	if (dash)
		*dash++ = '\0';
	if (parse_mac(buf, &r->start) < 0)
		return -1;
	r->end = r->start;
	if (dash && parse_mac(dash, &r->end) < 0)
		return -1;
	if (r->end < r->start)
		return -1;
	r->cur = r->start;
	return 0;
}

static void range_next(struct addr_range *r)
{
	if (r->pcur < r->port1) {
		r->pcur++;
		return;
	}
	r->pcur = r->port0;
	r->cur = r->cur < r->end ? r->cur + 1 : r->start;
}

/* Random within the range; a single address and port means anything at all. */
static void range_random(struct addr_range *r, int v6, uint64_t *rng)
{
	pg_u128 v = (pg_u128)rnd64(rng) << 64 | rnd64(rng);
	pg_u128 span = r->end - r->start + 1;
	uint32_t pspan = (uint32_t)(r->port1 - r->port0) + 1;

	if (r->start == r->end && r->port0 == r->port1) {
		r->cur = v6 ? v : (uint32_t)v;
		r->pcur = (uint16_t)rnd64(rng);
		return;
	}
	r->cur = span ? r->start + v % span : v;
	r->pcur = (uint16_t)(r->port0 + rnd64(rng) % pspan);
}

static void mac_next(struct mac_range *m)
{
	m->cur = m->cur < m->end ? m->cur + 1 : m->start;
}

/* ------------------------------------------------------------------------------------------ */
/* Building and updating frames                                                               */

/* The smallest -l with room for the marker. */
int pkt_min_len(const struct glob *g)
{
	return ETH_HLEN + (g->af == 6 ? IP6_HLEN : IP4_HLEN) + UDP_HLEN + PG_MARK_LEN;
}

/* The first byte of the payload that never changes, and the length the headers describe. */
static int const_start(const struct pkt *p)
{
	return p->pay + (p->marker ? PG_MARK_LEN : 0);
}

static int eff_len(const struct pkt *p)
{
	return p->len > const_start(p) ? p->len : const_start(p);
}

/* Lengths and checksums of the IP and UDP headers for the current addresses and length. */
static void write_l3l4(struct pkt *p)
{
	uint8_t *e = p->frame + p->vhdr, *ip = e + p->l3, *udp = e + p->l4;
	int len = eff_len(p), udplen = len - p->l4, cs = const_start(p);
	uint64_t sum;

	put16(udp + 4, (uint16_t)udplen);
	put16(udp + 6, 0);
	if (p->v6) {
		put16(ip + 4, (uint16_t)udplen);
		sum = csum_acc(ip + 8, 32, 0) + (uint32_t)udplen + 17;
	} else {
		put16(ip + 2, (uint16_t)(len - p->l3));
		put16(ip + 10, 0);
		put16(ip + 10, csum_fold(csum_acc(ip, IP4_HLEN, 0)));
		sum = csum_acc(ip + 12, 8, 0) + (uint32_t)udplen + 17;
	}
	sum = csum_acc(udp, UDP_HLEN, sum);
	if (p->marker)
		sum = csum_acc(e + p->pay, PG_MARK_LEN, sum);
	if (p->len == p->maxlen)
		sum += p->csum_const;
	else
		sum = csum_acc(e + cs, len - cs, sum);
	sum = csum_fold(sum);
	put16(udp + 6, sum ? (uint16_t)sum : 0xffff);
}

/* Addresses and ports of the current range positions. */
static void write_addrs(struct pkt *p)
{
	uint8_t *e = p->frame + p->vhdr;
	int alen = p->v6 ? 16 : 4, aoff = p->v6 ? 8 : 12;

	put_mac(e, p->dmac.cur);
	put_mac(e + 6, p->smac.cur);
	put_addr(e + p->l3 + aoff, p->src.cur, p->v6);
	put_addr(e + p->l3 + aoff + alen, p->dst.cur, p->v6);
	put16(e + p->l4, p->src.pcur);
	put16(e + p->l4 + 2, p->dst.pcur);
}

static void write_marker(struct pkt *p, uint32_t stream, uint32_t seq, uint64_t ts)
{
	uint8_t *m = p->frame + p->vhdr + p->pay;

	put16(m, PG_MARK_MAGIC);
	put16(m + 2, (uint16_t)stream);
	put32(m + 4, seq);
	put32(m + 8, (uint32_t)(ts >> 32));
	put32(m + 12, (uint32_t)ts);
}

/* The fixed parts of the template: Ethernet type, IP version and protocol, payload text. */
static void write_fixed(struct pkt *p, int alloc)
{
	uint8_t *e = p->frame + p->vhdr, *ip = e + p->l3;
	int i;

	put16(e + 12, p->v6 ? 0x86dd : 0x0800);
	if (p->v6) {
		put32(ip, 0x60000000);
		ip[6] = 17;	/* next header: UDP */
		ip[7] = 64;	/* hop limit */
	} else {
		ip[0] = 0x45;
		ip[8] = 64;	/* TTL */
		ip[9] = 17;	/* UDP */
	}
	for (i = p->pay; i < alloc - p->vhdr; i++)
		e[i] = (uint8_t)payload_text[(i - p->pay) % (sizeof(payload_text) - 1)];
}

/* The MAC of a Linux interface named by a netmap port spec, or 0. */
static uint64_t iface_mac(const char *spec)
{
	struct ifreq ifr;
	uint64_t m = 0;
	size_t n;
	int fd, i;

	if (strncmp(spec, "netmap:", 7))
		return 0;
	spec += 7;
	n = strcspn(spec, "-*^/@{}");
	if (n == 0 || n >= IFNAMSIZ)
		return 0;
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, spec, n);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		return 0;
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) == 0)
		for (i = 0; i < 6; i++)
			m = m << 8 | (uint8_t)ifr.ifr_hwaddr.sa_data[i];
	close(fd);
	return m;
}

/* -s, -d, -S, -D with their defaults into g; -1 with a message on a bad range. */
static int parse_ranges(struct glob *g)
{
	const char *src = g->src_arg, *dst = g->dst_arg;

	g->src.port0 = g->dst.port0 = 1234;
	if (!src)
		src = g->af == 6 ? "fd00::1" : "10.0.0.1";
	if (!dst)
		dst = g->af == 6 ? "fd01::1" : "10.1.0.1";
	if (pkt_parse_addr_range(src, g->af, &g->src) < 0) {
		fprintf(stderr, "pkt-gen: invalid IPv%d range '%s'\n", g->af, src);
		return -1;
	}
	if (pkt_parse_addr_range(dst, g->af, &g->dst) < 0) {
		fprintf(stderr, "pkt-gen: invalid IPv%d range '%s'\n", g->af, dst);
		return -1;
	}
	if (g->smac_arg ? pkt_parse_mac_range(g->smac_arg, &g->smac) < 0 : 0) {
		fprintf(stderr, "pkt-gen: invalid MAC range '%s'\n", g->smac_arg);
		return -1;
	}
	if (!g->smac_arg)
		g->smac.start = g->smac.end = g->smac.cur = iface_mac(g->ifname);
	if (pkt_parse_mac_range(g->dmac_arg ? g->dmac_arg : "ff:ff:ff:ff:ff:ff", &g->dmac) < 0) {
		fprintf(stderr, "pkt-gen: invalid MAC range '%s'\n", g->dmac_arg);
		return -1;
	}
	return 0;
}

/* Does anything in the headers change from one packet to the next? */
static int headers_vary(const struct glob *g, const struct pkt *p)
{
	return p->marker || p->minlen != p->maxlen || p->rnd_src || p->rnd_dst ||
	       g->src.start != g->src.end || g->src.port0 != g->src.port1 ||
	       g->dst.start != g->dst.end || g->dst.port0 != g->dst.port1 ||
	       g->smac.start != g->smac.end || g->dmac.start != g->dmac.end;
}

static int build_raw(struct glob *g, struct pkt *p)
{
	uint8_t *f;
	int len;

	if (pg_load_pcap_file(g, &f, &len) < 0)
		return -1;
	g->tmpl_len = p->vhdr + len;
	p->frame = calloc(1, (size_t)g->tmpl_len);
	if (!p->frame)
		return -1;
	memcpy(p->frame + p->vhdr, f, (size_t)len);
	free(f);
	p->raw = 1;
	p->len = p->minlen = p->maxlen = len;
	g->len = g->minlen = len;
	return 0;
}

/* The template frame g->tmpl, after the port is open (the header length is known). */
int pkt_build(struct glob *g)
{
	struct pkt *p = &g->tmpl;
	int alloc;

	memset(p, 0, sizeof(*p));
	p->vhdr = g->vhdr;
	if (g->pcap_file)
		return build_raw(g, p);
	if (parse_ranges(g) < 0)
		return -1;
	p->v6 = g->af == 6;
	p->l3 = ETH_HLEN;
	p->l4 = p->l3 + (p->v6 ? IP6_HLEN : IP4_HLEN);
	p->pay = p->l4 + UDP_HLEN;
	p->marker = g->fn == FN_TXSEQ || g->fn == FN_PING || (g->options & OPT_TS);
	p->minlen = g->minlen;
	p->maxlen = p->len = g->len;
	p->rnd_src = !!(g->options & OPT_RANDOM_SRC);
	p->rnd_dst = !!(g->options & OPT_RANDOM_DST);
	p->src = g->src;
	p->dst = g->dst;
	p->smac = g->smac;
	p->dmac = g->dmac;
	alloc = p->vhdr + (g->len > pkt_min_len(g) ? g->len : pkt_min_len(g));
	g->tmpl_len = alloc;
	p->frame = calloc(1, (size_t)alloc);
	if (!p->frame)
		return -1;
	write_fixed(p, alloc);
	write_addrs(p);
	p->csum_const = csum_acc(p->frame + p->vhdr + const_start(p), eff_len(p) - const_start(p), 0);
	if (p->marker)
		write_marker(p, 0, 0, 0);
	write_l3l4(p);
	p->hdr_dirty = headers_vary(g, p);
	if (p->hdr_dirty)
		p->varies = p->vhdr + (p->marker ? const_start(p) : p->pay);
	return 0;
}

/* Thread `id`'s copy of the template. */
int pkt_thread_init(struct pkt *p, const struct glob *g, int id)
{
	*p = g->tmpl;
	p->frame = malloc((size_t)g->tmpl_len);
	if (!p->frame)
		return -1;
	memcpy(p->frame, g->tmpl.frame, (size_t)g->tmpl_len);
	p->rng = 0x9E3779B97F4A7C15ULL * (uint64_t)(id + 1) ^ pg_now_ns();
	if (!p->rng)
		p->rng = 1;
	return 0;
}

void pkt_thread_fini(struct pkt *p)
{
	free(p->frame);
	p->frame = NULL;
}

/* Moves to the next packet (ranges, random values, length, marker): returns its length. */
int pkt_update(struct pkt *p, uint32_t stream, uint32_t seq, uint64_t ts_ns)
{
	if (!p->hdr_dirty)
		return p->len;
	if (p->minlen != p->maxlen)
		p->len = p->minlen + (int)(rnd64(&p->rng) % (uint64_t)(p->maxlen - p->minlen + 1));
	mac_next(&p->smac);
	mac_next(&p->dmac);
	if (p->rnd_src)
		range_random(&p->src, p->v6, &p->rng);
	else
		range_next(&p->src);
	if (p->rnd_dst)
		range_random(&p->dst, p->v6, &p->rng);
	else
		range_next(&p->dst);
	write_addrs(p);
	if (p->marker)
		write_marker(p, stream, seq, ts_ns);
	write_l3l4(p);
	return p->len;
}

/* ------------------------------------------------------------------------------------------ */
/* Checking and reflecting received frames                                                    */

/*
 * A received frame against what pkt-gen sends: PKT_OK with the marker's fields; PKT_FOREIGN for
 * other traffic (not UDP over IPv4/IPv6, or a sound UDP datagram without the marker); PKT_CORRUPT
 * when lengths or checksums are wrong.
 */
int pkt_check(const uint8_t *e, int len, uint32_t *stream, uint32_t *seq, uint64_t *ts)
{
	const uint8_t *ip = e + ETH_HLEN, *udp;
	int type, udplen;
	uint64_t sum;

	if (len < ETH_HLEN)
		return PKT_CORRUPT;
	type = get16(e + 12);
	if (type == 0x86dd && len >= ETH_HLEN + IP6_HLEN && (ip[0] >> 4) == 6 && ip[6] == 17) {
		udplen = get16(ip + 4);
		if (ETH_HLEN + IP6_HLEN + udplen > len)
			return PKT_CORRUPT;
		sum = csum_acc(ip + 8, 32, 0) + (uint32_t)udplen + 17;
		udp = ip + IP6_HLEN;
	} else if (type == 0x0800 && len >= ETH_HLEN + IP4_HLEN && ip[0] == 0x45 && ip[9] == 17) {
		int iplen = get16(ip + 2);

		if (ETH_HLEN + iplen > len || csum_fold(csum_acc(ip, IP4_HLEN, 0)) != 0)
			return PKT_CORRUPT;
		udplen = iplen - IP4_HLEN;
		sum = csum_acc(ip + 12, 8, 0) + (uint32_t)udplen + 17;
		udp = ip + IP4_HLEN;
	} else {
		return PKT_FOREIGN;
	}
	if (udplen < UDP_HLEN || get16(udp + 4) != udplen)
		return PKT_CORRUPT;
	if ((type == 0x86dd || get16(udp + 6)) && csum_fold(csum_acc(udp, udplen, sum)) != 0)
		return PKT_CORRUPT;
	if (udplen < UDP_HLEN + PG_MARK_LEN || get16(udp + UDP_HLEN) != PG_MARK_MAGIC)
		return PKT_FOREIGN;
	udp += UDP_HLEN;
	*stream = get16(udp + 2);
	*seq = get32(udp + 4);
	*ts = (uint64_t)get32(udp + 8) << 32 | get32(udp + 12);
	return PKT_OK;
}

static void swap_bytes(uint8_t *a, uint8_t *b, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		uint8_t x = a[i];

		a[i] = b[i];
		b[i] = x;
	}
}

/* pong: MACs, IP addresses and UDP ports change places; the checksums stay valid. */
void pkt_swap_addrs(uint8_t *e, int len)
{
	int type;

	if (len < ETH_HLEN)
		return;
	swap_bytes(e, e + 6, 6);
	type = get16(e + 12);
	if (type == 0x0800 && len >= ETH_HLEN + IP4_HLEN + UDP_HLEN && e[ETH_HLEN + 9] == 17) {
		swap_bytes(e + ETH_HLEN + 12, e + ETH_HLEN + 16, 4);
		swap_bytes(e + ETH_HLEN + IP4_HLEN, e + ETH_HLEN + IP4_HLEN + 2, 2);
	} else if (type == 0x86dd && len >= ETH_HLEN + IP6_HLEN + UDP_HLEN && e[ETH_HLEN + 6] == 17) {
		swap_bytes(e + ETH_HLEN + 8, e + ETH_HLEN + 24, 16);
		swap_bytes(e + ETH_HLEN + IP6_HLEN, e + ETH_HLEN + IP6_HLEN + 2, 2);
	}
}

/* -X: one header line and the bytes in hex and ASCII, 16 per line, on stderr. */
void pkt_dump(const char *what, const uint8_t *buf, int len, int ring, int slot)
{
	char line[100];
	int i, j, n;

	fprintf(stderr, "%s ring %d slot %d len %d\n", what, ring, slot, len);
	for (i = 0; i < len; i += 16) {
		n = snprintf(line, sizeof(line), "%04x:", i);
		for (j = 0; j < 16; j++)
			n += j < len - i ? snprintf(line + n, sizeof(line) - (size_t)n, " %02x", buf[i + j])
					 : snprintf(line + n, sizeof(line) - (size_t)n, "   ");
		n += snprintf(line + n, sizeof(line) - (size_t)n, "  ");
		for (j = 0; j < 16 && i + j < len; j++)
			line[n++] = isprint(buf[i + j]) ? (char)buf[i + j] : '.';
		line[n] = '\0';
		fprintf(stderr, "%s\n", line);
	}
}
