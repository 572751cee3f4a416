/*
 * VALE in the kernel (spec §7.2): three ports where a broadcast reaches both others and a learned
 * unicast only its destination; 252 ports on one switch; two sender processes into one receiver
 * with every frame verified; ports joining and leaving while traffic flows; a hostile sender that
 * cannot affect other ports; VALE_LIST; the counters in /proc/netmap_vale.
 */
#include <signal.h>
#include <sys/wait.h>

#include "nm.h"

static const uint8_t BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t MAC_A[6] = { 2, 0, 0, 0, 0, 0xa };
static const uint8_t MAC_B[6] = { 2, 0, 0, 0, 0, 0xb };
static const uint8_t MAC_C[6] = { 2, 0, 0, 0, 0, 0xc };

static void frame(struct netmap_ring *t, const uint8_t *dst, const uint8_t *src, uint32_t len,
		  uint32_t seq)
{
	struct netmap_slot *slot = &t->slot[t->cur];
	uint8_t *buf = (uint8_t *)NETMAP_BUF(t, slot->buf_idx);
	uint32_t i;

	memcpy(buf, dst, 6);
	memcpy(buf + 6, src, 6);
	memcpy(buf + 12, &seq, 4);
	for (i = 16; i < len; i++)
		buf[i] = (uint8_t)(seq + i);
	slot->len = len;
	slot->flags = 0;
	t->head = t->cur = nm_ring_next(t, t->cur);
}

static uint32_t pending(struct nmport *p)
{
	ioctl(p->fd, NIOCRXSYNC);
	return nm_ring_space(NETMAP_RXRING(p->nifp, 0));
}

static void drain(struct nmport *p)
{
	struct netmap_ring *r = NETMAP_RXRING(p->nifp, 0);

	ioctl(p->fd, NIOCRXSYNC);
	r->head = r->cur = r->tail;
	ioctl(p->fd, NIOCRXSYNC);
}

/* A counter of a port from /proc/netmap_vale, or -1. */
static long long counter(const char *port, const char *name)
{
	FILE *f = fopen("/proc/netmap_vale", "r");
	char line[512], key[64];
	long long v = -1;

	while (f && fgets(line, sizeof(line), f)) {
		char *p;

		if (strncmp(line, port, strlen(port)) || line[strlen(port)] != ' ')
			continue;
		snprintf(key, sizeof(key), " %s ", name);
		p = strstr(line, key);
		if (p)
			v = atoll(p + strlen(key));
	}
	if (f)
		fclose(f);
	return v;
}

static void test_three_ports(void)
{
	struct nmport a, b, c;
	struct netmap_ring *ta;

	nm_open_or_die(&a, "vale0:a", NR_REG_ALL_NIC, 0, 0);
	nm_open_or_die(&b, "vale0:b", NR_REG_ALL_NIC, 0, 0);
	nm_open_or_die(&c, "vale0:c", NR_REG_ALL_NIC, 0, 0);
	ok(a.reg.nr_memsize == 42369024 && a.reg.nr_mem_id != b.reg.nr_mem_id &&
	   strcmp(a.nifp->ni_name, "vale0:a") == 0, "three ephemeral ports, each in its own region");
	ta = NETMAP_TXRING(a.nifp, 0);
	frame(ta, BCAST, MAC_A, 60, 1);
	ioctl(a.fd, NIOCTXSYNC);
	ok(pending(&b) == 1 && pending(&c) == 1 && pending(&a) == 0,
	   "a broadcast reaches both other ports and not the sender");
	drain(&b);
	drain(&c);
	frame(NETMAP_TXRING(b.nifp, 0), MAC_A, MAC_B, 60, 2);
	ioctl(b.fd, NIOCTXSYNC);
	ok(pending(&a) == 1 && pending(&c) == 0, "a learned unicast reaches only its destination");
	drain(&a);
	ok(counter("vale0:a", "rx_pkts") == 1 && counter("vale0:b", "tx_pkts") == 1 &&
	   counter("vale0:a", "tx_pkts") == 1, "/proc/netmap_vale counts per port");
	{
		struct nmreq_header h;
		struct nmreq_vale_list l = { 0 };

		nm_hdr_init(&h, NETMAP_REQ_VALE_LIST, "vale0:b", &l);
		ok(ioctl(a.fd, NIOCCTRL, &h) == 0 && l.nr_port_idx == 1, "VALE_LIST by name: vale0:b is port 1");
		memset(&l, 0, sizeof(l));
		nm_hdr_init(&h, NETMAP_REQ_VALE_LIST, "", &l);
		l.nr_port_idx = 2;
		ok(ioctl(a.fd, NIOCCTRL, &h) == 0 && strcmp(h.nr_name, "vale0:c") == 0,
		   "VALE_LIST enumeration writes the port name back: %s", h.nr_name);
	}
	nm_close(&c);
	nm_close(&b);
	nm_close(&a);
}

static void set_param(const char *name, const char *value)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/netmap/parameters/%s", name);
	f = fopen(path, "w");
	if (f) {
		fputs(value, f);
		fclose(f);
	}
}

static void test_252_ports(void)
{
	static struct nmport p[256];
	int i, opened = 0, err = 0;
	char name[32];

	set_param("ring_num", "1024");	/* every port in the global region: 2 rings + 1 if each */
	set_param("if_num", "1000");
	for (i = 0; i < 256 && !err; i++) {
		snprintf(name, sizeof(name), "vale1:p%d", i);
		memset(&p[i], 0, sizeof(p[i]));
		p[i].fd = open("/dev/netmap", O_RDWR);
		nm_hdr_init(&p[i].hdr, NETMAP_REQ_REGISTER, name, &p[i].reg);
		p[i].reg.nr_mode = NR_REG_ALL_NIC;
		p[i].reg.nr_mem_id = 1;
		p[i].reg.nr_tx_slots = p[i].reg.nr_rx_slots = 64;
		err = ioctl(p[i].fd, NIOCCTRL, &p[i].hdr) ? errno : 0;
		opened += !err;
	}
	ok(opened == 252 && err == ENOMEM, "252 ports on one switch; the next gets ENOMEM (%d opened)", opened);
	for (i = 0; i < opened + 1; i++)
		close(p[i].fd);
	set_param("ring_num", "200");
	set_param("if_num", "100");
}

/* Sends `count` numbered frames to MAC_C, rate-limited by the ring (poll), then exits. */
static int sender(const char *port, const uint8_t *mac, uint32_t count)
{
	struct nmport s;
	struct netmap_ring *t;
	uint32_t seq = 0;

	nm_open_or_die(&s, port, NR_REG_ALL_NIC, 0, 0);
	t = NETMAP_TXRING(s.nifp, 0);
	while (seq < count) {
		struct pollfd pfd = { .fd = s.fd, .events = POLLOUT };
		uint32_t k;

		poll(&pfd, 1, 1000);
		for (k = 0; k < 256 && seq < count && nm_ring_space(t); k++)
			frame(t, MAC_C, mac, 128, seq++);
	}
	ioctl(s.fd, NIOCTXSYNC);
	nm_close(&s);
	return 0;
}

static void test_two_senders(void)
{
	struct nmport c;
	struct netmap_ring *r;
	uint32_t count = 100000, next[2] = { 0, 0 }, got = 0, bad = 0, order = 0;
	pid_t pa, pb;
	int idle = 0;

	nm_open_or_die(&c, "vale2:c", NR_REG_ALL_NIC, 0, 0);
	r = NETMAP_RXRING(c.nifp, 0);
	frame(NETMAP_TXRING(c.nifp, 0), BCAST, MAC_C, 60, 0);	/* teaches the switch MAC_C */
	ioctl(c.fd, NIOCTXSYNC);
	pa = fork();
	if (pa == 0)
		_exit(sender("vale2:a", MAC_A, count));
	pb = fork();
	if (pb == 0)
		_exit(sender("vale2:b", MAC_B, count));
	while (idle < 20) {
		struct pollfd pfd = { .fd = c.fd, .events = POLLIN };

		if (poll(&pfd, 1, 100) <= 0) {
			idle++;
			continue;
		}
		idle = 0;
		while (!nm_ring_empty(r)) {
			const uint8_t *buf = (const uint8_t *)NETMAP_BUF(r, r->slot[r->head].buf_idx);
			int who = buf[11] == 0xa ? 0 : 1;
			uint32_t seq, i;

			memcpy(&seq, buf + 12, 4);
			for (i = 16; i < 128; i++)
				bad += buf[i] != (uint8_t)(seq + i);
			bad += r->slot[r->head].len != 128;
			order += seq < next[who];
			next[who] = seq + 1;
			got++;
			r->head = r->cur = nm_ring_next(r, r->head);
		}
	}
	waitpid(pa, NULL, 0);
	waitpid(pb, NULL, 0);
	ok(bad == 0 && order == 0, "two sender processes into one receiver: %u frames, none corrupt or reordered", got);
	ok(got + counter("vale2:c", "drop_full") == 2 * count, "delivered %u + drop_full %lld = sent %u", got,
	   counter("vale2:c", "drop_full"), 2 * count);
	nm_close(&c);
}

static void test_churn_and_hostile(void)
{
	struct nmport a, b, e;
	struct netmap_ring *te;
	pid_t pid;
	int i, ok_churn = 1;

	nm_open_or_die(&a, "vale3:a", NR_REG_ALL_NIC, 0, 0);
	pid = fork();
	if (pid == 0) {			/* floods broadcasts until killed */
		struct nmport s;
		struct netmap_ring *t;

		nm_open_or_die(&s, "vale3:flood", NR_REG_ALL_NIC, 0, 0);
		t = NETMAP_TXRING(s.nifp, 0);
		for (;;) {
			while (nm_ring_space(t))
				frame(t, BCAST, MAC_B, 60, 0);
			ioctl(s.fd, NIOCTXSYNC);
		}
	}
	for (i = 0; i < 50; i++) {	/* ports join and leave while traffic flows */
		struct nmport j;

		if (nm_register(&j, "vale3:joiner", NR_REG_ALL_NIC, 0, 0))
			ok_churn = 0;
		drain(&a);
		nm_close(&j);
	}
	ok(ok_churn, "50 ports joined and left while broadcasts flowed");

	nm_open_or_die(&b, "vale3:b", NR_REG_ALL_NIC, 0, 0);
	nm_open_or_die(&e, "vale3:evil", NR_REG_ALL_NIC, 0, 0);
	te = NETMAP_TXRING(e.nifp, 0);
	drain(&b);
	te->slot[te->cur].buf_idx = 0x7fffffff;	/* out of range */
	te->slot[te->cur].len = 60;
	te->head = te->cur = nm_ring_next(te, te->cur);
	te->slot[te->cur].len = 65000;		/* longer than a buffer */
	te->head = te->cur = nm_ring_next(te, te->cur);
	te->slot[te->cur].flags = NS_INDIRECT;	/* a pointer to nowhere */
	te->slot[te->cur].ptr = 0x10;
	te->slot[te->cur].len = 60;
	te->head = te->cur = nm_ring_next(te, te->cur);
	ok(ioctl(e.fd, NIOCTXSYNC) == 0, "a hostile sender's bad slots are accepted without error");
	ok(counter("vale3:evil", "drop_bad") >= 2, "its invalid frames are counted as drop_bad (%lld)",
	   counter("vale3:evil", "drop_bad"));
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	drain(&b);
	frame(NETMAP_TXRING(a.nifp, 0), BCAST, MAC_A, 60, 7);
	ioctl(a.fd, NIOCTXSYNC);
	ok(pending(&b) == 1, "other ports still exchange frames normally");
	nm_close(&e);
	nm_close(&b);
	nm_close(&a);
}

int main(void)
{
	test_three_ports();
	test_252_ports();
	test_two_senders();
	test_churn_and_hostile();
	return t_exit();
}
