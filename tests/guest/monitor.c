/*
 * tests/guest/monitor.c - monitors (spec §7.4): copy (`PORT/t`, `/r`, `/rt`) and zero-copy
 * (`/z`) on a pipe, on VALE ports and on a device through the generic adapter, its host rings
 * included.  Every monitor must see exactly the frames its parent moved, in order and intact,
 * with NS_TXMON on the transmitted ones; zero-copy monitors chain and never duplicate a buffer;
 * a full monitor keeps the newest frames and counts the others in /proc/netmap_rings; the
 * errors, the failing TXSYNC and the parent leaving netmap mode are as the spec says; killing a
 * monitor or its parent under traffic leaves nothing behind (tests/run-tests checks
 * live_objects and the kernel log).
 */
#include <signal.h>
#include <sys/wait.h>

#include "generic.h"

#define LEN 96

/* A monitor of `parent` (flags NR_MONITOR_*), all rings, `slots` slots (0: the parent's). */
static int mon_open(struct nmport *m, const char *parent, uint64_t flags, uint32_t slots)
{
	return nm_open_in(m, parent, flags, slots, 0);
}

/* Sends test frames [seq, seq + count) on TX ring 0 of p, one TXSYNC per ring-full. */
static void send_frames(struct nmport *p, uint32_t seq, uint32_t count)
{
	struct netmap_ring *t = NETMAP_TXRING(p->nifp, 0);
	int tries = 0;

	while (count && tries++ < 1000) {
		uint32_t k = tx_frames(t, seq, count, LEN);

		seq += k, count -= k;
		ioctl(p->fd, NIOCTXSYNC, NULL);
		if (count)
			usleep(1000);
	}
}

/* Receives on RX ring 0 of p until `count` intact test frames arrived (or 2 s passed). */
static uint32_t recv_frames(struct nmport *p, uint32_t count)
{
	struct netmap_ring *r = NETMAP_RXRING(p->nifp, 0);
	uint32_t got = 0, seq;

	while (got < count && rx_wait(p, r, 2000) > 0) {
		for (; !nm_ring_empty(r); r->head = r->cur = nm_ring_next(r, r->cur)) {
			struct netmap_slot *s = &r->slot[r->cur];

			if (t_check((uint8_t *)NETMAP_BUF(r, s->buf_idx), s->len, &seq) == 0)
				got++;
		}
		ioctl(p->fd, NIOCRXSYNC, NULL);
	}
	return got;
}

/* What a monitor saw: frames of each kind, and whether they came in order and intact. */
struct seen {
	uint32_t tx, rx;		/* frames with and without NS_TXMON */
	uint32_t next[2];		/* the sequence number expected next, per kind */
	uint32_t bad;			/* corrupt, out of order, or the wrong length */
	uint32_t other;			/* not test frames (a device's own traffic) */
};

/* Reads every RX ring of monitor m until nothing new comes for ms milliseconds. */
static void mon_read_for(struct nmport *m, struct seen *sn, int ms)
{
	struct pollfd pfd = { .fd = m->fd, .events = POLLIN };
	uint32_t i, seq;

	while (poll(&pfd, 1, ms) > 0 && !(pfd.revents & POLLERR)) {
		for (i = 0; i < m->nifp->ni_rx_rings + 1; i++) {
			struct netmap_ring *r = NETMAP_RXRING(m->nifp, i);

			if ((char *)r == (char *)m->nifp)	/* a ring this fd did not bind */
				continue;
			for (; !nm_ring_empty(r); r->head = r->cur = nm_ring_next(r, r->cur)) {
				struct netmap_slot *s = &r->slot[r->cur];
				int txmon = !!(s->flags & NS_TXMON);
				int c = t_check((uint8_t *)NETMAP_BUF(r, s->buf_idx), s->len, &seq);

				if (c < 0) {
					sn->other++;
					continue;
				}
				if (c > 0 || s->len != LEN || seq != sn->next[txmon])
					sn->bad++;
				sn->next[txmon] = seq + 1;
				if (txmon)
					sn->tx++;
				else
					sn->rx++;
			}
		}
	}
}

static void mon_read(struct nmport *m, struct seen *sn)
{
	mon_read_for(m, sn, 200);
}

/*
 * One port type: frames go from port a to port b (and back, for /rt).  A /t monitor of a, a /r
 * monitor of b and a /rt monitor of each must each see exactly their share.
 */
static void traffic(const char *what, const char *a, const char *b)
{
	char am_name[80];
	struct nmport pa, pb, mt, mr, mrt;
	struct seen st = { 0 }, sr = { 0 }, srt = { 0 };
	int err;

	nm_open_or_die(&pa, a, NR_REG_ALL_NIC, 0, 0);
	nm_open_or_die(&pb, b, NR_REG_ALL_NIC, 0, 0);
	err = mon_open(&mt, a, NR_MONITOR_TX, 0);
	ok(err == 0, "%s: open %s/t (%s)", what, a, strerror(-err));
	snprintf(am_name, sizeof(am_name), "%s/t#", a);
	ok(err == 0 && strncmp(mt.nifp->ni_name, am_name, strlen(am_name)) == 0,
	   "%s: the monitor is named %s<N> (got %s)", what, am_name, err ? "-" : mt.nifp->ni_name);
	err = mon_open(&mr, b, NR_MONITOR_RX, 0);
	ok(err == 0, "%s: open %s/r (%s)", what, b, strerror(-err));
	err = mon_open(&mrt, b, NR_MONITOR_RX | NR_MONITOR_TX, 0);
	ok(err == 0, "%s: open %s/rt (%s)", what, b, strerror(-err));
	if (err)
		exit(t_exit());

	/* 3 rounds of 300 frames a -> b, then 200 b -> a. */
	for (int round = 0; round < 3; round++) {
		send_frames(&pa, round * 300, 300);
		ok(recv_frames(&pb, 300) == 300, "%s: round %d: b receives 300 frames", what, round);
		mon_read(&mt, &st);
		mon_read(&mr, &sr);
		mon_read(&mrt, &srt);
	}
	send_frames(&pb, 0, 200);
	ok(recv_frames(&pa, 200) == 200, "%s: a receives 200 frames from b", what);
	mon_read(&mt, &st);
	mon_read(&mr, &sr);
	mon_read(&mrt, &srt);
	ok(st.tx == 900 && st.rx == 0 && st.bad == 0,
	   "%s: %s/t saw the 900 frames a sent, NS_TXMON set, in order (tx %u rx %u bad %u)",
	   what, a, st.tx, st.rx, st.bad);
	ok(sr.rx == 900 && sr.tx == 0 && sr.bad == 0,
	   "%s: %s/r saw the 900 frames b received, NS_TXMON clear, in order (rx %u tx %u bad %u)",
	   what, b, sr.rx, sr.tx, sr.bad);
	ok(srt.rx == 900 && srt.tx == 200 && srt.bad == 0,
	   "%s: %s/rt saw 900 received and 200 sent (rx %u tx %u bad %u)", what, b, srt.rx,
	   srt.tx, srt.bad);
	nm_close(&mrt);
	nm_close(&mr);
	nm_close(&mt);
	nm_close(&pb);
	nm_close(&pa);
}

/* A monitor with less room than a batch keeps the newest frames and counts the others. */
static void full(void)
{
	struct nmport pa, pb, m;
	struct seen sn = { .next = { 137, 137 } };
	int err;

	nm_open_or_die(&pa, "mf{1", NR_REG_ALL_NIC, 0, 0);
	nm_open_or_die(&pb, "mf}1", NR_REG_ALL_NIC, 0, 0);
	err = mon_open(&m, "mf}1", NR_MONITOR_RX, 64);
	ok(err == 0 && NETMAP_RXRING(m.nifp, 0)->num_slots == 64,
	   "full: a 64-slot monitor of mf}1 (%s)", strerror(-err));
	send_frames(&pa, 0, 200);
	ok(recv_frames(&pb, 200) == 200, "full: mf}1 receives 200 frames in one batch");
	mon_read(&m, &sn);
	ok(sn.rx == 63 && sn.bad == 0,
	   "full: the monitor kept the newest 63 (seq 137..199) in order (got %u, bad %u)", sn.rx,
	   sn.bad);
	ok(nm_ring_counter(m.nifp->ni_name, "rx0", "skipped") == 137,
	   "full: /proc/netmap_rings counts 137 skipped on %s rx0 (got %ld)", m.nifp->ni_name,
	   nm_ring_counter(m.nifp->ni_name, "rx0", "skipped"));
	nm_close(&m);
	nm_close(&pb);
	nm_close(&pa);
}

static void errors(void)
{
	struct nmport p, m, m2 = { .fd = -1 };
	struct pollfd pfd;
	int err;

	err = mon_open(&m, "vale9:nobody", NR_MONITOR_RX, 0);
	ok(err == -EINVAL, "a monitor of a VALE port that does not exist: EINVAL (%s)",
	   strerror(-err));
	nm_close(&m);
	err = mon_open(&m, "nobody{3", NR_MONITOR_TX, 0);
	ok(err == -EINVAL, "a monitor of a pipe that does not exist: EINVAL (%s)", strerror(-err));
	nm_close(&m);
	err = mon_open(&m, "nosuchif0", NR_MONITOR_TX, 0);
	ok(err == -ENXIO, "a monitor of an interface that does not exist: ENXIO (%s)",
	   strerror(-err));
	nm_close(&m);
	nm_open_or_die(&p, "vale9:e", NR_REG_ALL_NIC, 0, 0);
	err = mon_open(&m, "vale9:e", NR_MONITOR_RX, 0);
	err = err ? err : mon_open(&m2, m.nifp->ni_name, NR_MONITOR_RX, 0);
	ok(err == -EINVAL, "a monitor of a monitor: EINVAL, a monitor's name finds no open port (%s)",
	   strerror(-err));
	nm_close(&m2);
	nm_close(&m);
	err = mon_open(&m, "vale9:e", NR_MONITOR_TX | NR_MONITOR_RX, 0);
	ok(err == 0 && m.reg.nr_tx_rings == 1 && m.reg.nr_rx_rings == p.reg.nr_rx_rings,
	   "monitor geometry: 1 TX ring, the parent's RX rings (%s, %u, %u)", strerror(-err),
	   m.reg.nr_tx_rings, m.reg.nr_rx_rings);
	ok(m.reg.nr_mem_id != p.reg.nr_mem_id, "a copy monitor has a region of its own (%u, %u)",
	   m.reg.nr_mem_id, p.reg.nr_mem_id);
	/* A monitor never sends: TXSYNC of a frame is refused (0 from the ioctl, POLLERR). */
	tx_frames(NETMAP_TXRING(m.nifp, 0), 0, 1, LEN);
	ok(ioctl(m.fd, NIOCTXSYNC, NULL) == 0, "monitor TXSYNC returns 0 (spec §4.7)");
	pfd = (struct pollfd){ .fd = m.fd, .events = POLLOUT };
	ok(poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLERR), "monitor poll(POLLOUT): POLLERR");
	pfd = (struct pollfd){ .fd = m.fd, .events = POLLIN };
	err = mon_open(&m2, "vale9:e", NR_MONITOR_RX, 0);
	ok(err == 0 && poll(&(struct pollfd){ .fd = m2.fd, .events = POLLIN }, 1, 0) == 0,
	   "an idle monitor's poll(POLLIN) times out, no POLLERR (%s)", strerror(-err));
	/* The parent leaves netmap mode: the monitors' syncs fail. */
	nm_close(&p);
	ok(poll(&(struct pollfd){ .fd = m2.fd, .events = POLLIN }, 1, 1000) == 1,
	   "the parent closes: the monitor's poll returns at once");
	pfd = (struct pollfd){ .fd = m2.fd, .events = POLLIN };
	poll(&pfd, 1, 0);
	ok(pfd.revents & POLLERR, "... with POLLERR (revents %#x)", pfd.revents);
	ok(ioctl(m2.fd, NIOCRXSYNC, NULL) == 0, "... and RXSYNC returns 0 (spec §7.4)");
	nm_close(&m2);
	nm_close(&m);
	/* Not in netmap mode: no file has the port open. */
	if (veth_pair("me0", "me1", NULL) == 0) {
		err = mon_open(&m, "me0", NR_MONITOR_RX, 0);
		ok(err == -EINVAL, "a monitor of a device nobody has open: EINVAL (%s)",
		   strerror(-err));
		nm_close(&m);
		sh("/sbin/ip link del me0");
	}
}

/*
 * Zero-copy monitors of a (sender, which & 1) and of b (receiver, which & 2): `total` frames
 * a -> b.  The monitor of a gets each frame once its transmission completed, the monitor of b
 * once b's application released it, by buffer swaps; every frame exactly once, in order, and b
 * still receives every frame intact with the buffers the monitors gave back.  (On a pipe the two
 * ends share their buffers: a frame b's monitor took never comes back to a, whose monitor then
 * gets the buffer b's monitor gave instead - so a pipe is tested one side at a time.)
 */
#define ZA 1
#define ZB 2
static void zcopy(const char *what, const char *a, const char *b, uint32_t total, int which)
{
	struct nmport pa, pb, za, zb;
	struct seen sa = { 0 }, sb = { 0 };
	uint32_t seq, got = 0;
	int err, i;

	nm_open_or_die(&pa, a, NR_REG_ALL_NIC, 0, 0);
	nm_open_or_die(&pb, b, NR_REG_ALL_NIC, 0, 0);
	za.fd = zb.fd = -1;
	za.mem = zb.mem = NULL;
	err = which & ZA ? mon_open(&za, a, NR_ZCOPY_MON, 0) : 0;
	ok(err == 0, "%s: open %s/z (%s)", what, which & ZA ? a : b, strerror(-err));
	err = err || !(which & ZB) ? err : mon_open(&zb, b, NR_ZCOPY_MON, 0);
	if (which & ZB)
		ok(err == 0 && (zb.reg.nr_flags & (NR_MONITOR_TX | NR_MONITOR_RX | NR_ZCOPY_MON)) ==
		   (NR_MONITOR_TX | NR_MONITOR_RX | NR_ZCOPY_MON) &&
		   zb.reg.nr_mem_id == pb.reg.nr_mem_id && strstr(zb.nifp->ni_name, "/zrt#"),
		   "%s: %s/z: the reply adds NR_MONITOR_TX|RX, the parent's region, named %s",
		   what, b, err ? "-" : zb.nifp->ni_name);
	if (err)
		exit(t_exit());
	for (seq = 0; seq < total; seq += 256) {
		uint32_t k = total - seq < 256 ? total - seq : 256;

		send_frames(&pa, seq, k);
		got += recv_frames(&pb, k);
		if (which & ZA)
			mon_read_for(&za, &sa, 0);
		if (which & ZB)
			mon_read_for(&zb, &sb, 0);
	}
	/* The last frames: b releases them, a's transmissions complete. */
	for (i = 0; i < 20 && (((which & ZA) && sa.tx < total) || ((which & ZB) && sb.rx < total));
	     i++) {
		ioctl(pb.fd, NIOCRXSYNC, NULL);
		ioctl(pa.fd, NIOCTXSYNC, NULL);
		if (which & ZA)
			mon_read_for(&za, &sa, 50);
		if (which & ZB)
			mon_read_for(&zb, &sb, 50);
	}
	ok(got == total, "%s: b received all %u frames intact (got %u)", what, total, got);
	if (which & ZA)
		ok(sa.tx == total && sa.rx == 0 && sa.bad == 0,
		   "%s: %s/z saw each of the %u frames a sent once, NS_TXMON set, in order (tx %u rx %u bad %u)",
		   what, a, total, sa.tx, sa.rx, sa.bad);
	if (which & ZB)
		ok(sb.rx == total && sb.tx == 0 && sb.bad == 0,
		   "%s: %s/z saw each of the %u frames b released once, in order (rx %u tx %u bad %u)",
		   what, b, total, sb.rx, sb.tx, sb.bad);
	nm_close(&zb);
	nm_close(&za);
	nm_close(&pb);
	nm_close(&pa);
}

/* Every buffer index in the rings of p, for the uniqueness check. */
static uint32_t ring_bufs(struct nmport *p, uint32_t *idx, uint32_t n)
{
	struct netmap_if *nifp = p->nifp;
	uint32_t r, i, total = nifp->ni_tx_rings + nifp->ni_host_tx_rings + nifp->ni_rx_rings +
			       nifp->ni_host_rx_rings;

	for (r = 0; r < total; r++) {
		struct netmap_ring *ring;

		if (!nifp->ring_ofs[r])
			continue;
		ring = (struct netmap_ring *)((char *)nifp + nifp->ring_ofs[r]);
		for (i = 0; i < ring->num_slots; i++)
			idx[n++] = ring->slot[i].buf_idx;
	}
	return n;
}

static int cmp_u32(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;

	return a < b ? -1 : a > b;
}

/*
 * Two zero-copy monitors of one VALE port form a chain: the second gets the frames the first one
 * released; when the first closes, the second takes its place.  Buffers never get duplicated.
 */
static void zchain(void)
{
	static uint32_t idx[5 * 4096];
	struct nmport pa, pb, z1, z2;
	struct seen s1 = { 0 }, s2 = { 0 };
	uint32_t n, i, dup = 0;
	int err;

	nm_open_or_die(&pa, "vale9:za", NR_REG_ALL_NIC, 0, 0);
	nm_open_or_die(&pb, "vale9:zb", NR_REG_ALL_NIC, 0, 0);
	err = mon_open(&z1, "vale9:zb", NR_ZCOPY_MON, 0);
	err = err ? err : mon_open(&z2, "vale9:zb", NR_ZCOPY_MON, 0);
	ok(err == 0, "chain: two zero-copy monitors of vale9:zb (%s)", strerror(-err));
	if (err)
		exit(t_exit());
	send_frames(&pa, 0, 100);
	recv_frames(&pb, 100);
	ioctl(pb.fd, NIOCRXSYNC, NULL);
	mon_read_for(&z2, &s2, 100);
	ok(s2.rx == 0, "chain: the second monitor sees nothing before the first releases (%u)",
	   s2.rx);
	mon_read(&z1, &s1);
	ioctl(z1.fd, NIOCRXSYNC, NULL);		/* releases what mon_read consumed */
	mon_read(&z2, &s2);
	ok(s1.rx == 100 && s1.bad == 0 && s2.rx == 100 && s2.bad == 0,
	   "chain: the first saw 100, then the second the same 100 in order (%u/%u, %u/%u bad)",
	   s1.rx, s2.rx, s1.bad, s2.bad);
	n = ring_bufs(&pb, idx, 0);
	n = ring_bufs(&z1, idx, n);
	n = ring_bufs(&z2, idx, n);
	qsort(idx, n, sizeof(idx[0]), cmp_u32);
	for (i = 1; i < n; i++)
		dup += idx[i] == idx[i - 1];
	ok(dup == 0, "chain: %u buffers in the rings of vale9:zb and its monitors, none twice (%u)",
	   n, dup);
	nm_close(&z1);
	s2.next[0] = 100;
	send_frames(&pa, 100, 100);
	recv_frames(&pb, 100);
	ioctl(pb.fd, NIOCRXSYNC, NULL);
	mon_read(&z2, &s2);
	ok(s2.rx == 200 && s2.bad == 0,
	   "chain: the first closed, the second now gets b's frames directly (%u, bad %u)", s2.rx,
	   s2.bad);
	nm_close(&z2);
	nm_close(&pb);
	nm_close(&pa);
}

/*
 * Host rings (`netmap:mh0^/rt`): a program holds mh0's NIC and host rings; what the stack sends
 * out of mh0 lands on its host RX ring, and what it puts on its host TX ring goes up to the
 * stack.  A monitor of the host rings sees both, with NS_TXMON on the second.
 */
static void host_rings(void)
{
	struct nmport p, m;
	struct netmap_ring *hr, *ht, *mr;
	struct seen sn = { .next = { 700, 800 } };
	static uint8_t frame[LEN];
	int s, err, k;

	if (veth_pair("mh0", "mh1", NULL)) {
		ok(0, "create veth pair mh0/mh1");
		return;
	}
	s = raw_socket("mh0");
	nm_open_or_die(&p, "mh0", NR_REG_NIC_SW, 0, 0);
	err = nm_register_in(&m, "mh0", NR_REG_SW, 0, NR_MONITOR_RX | NR_MONITOR_TX, 0, 0);
	err = err ? err : nm_map(&m);
	ok(err == 0 && m.reg.nr_host_rx_rings == 1,
	   "host rings: open mh0^/rt while a program holds mh0* (%s, %u host RX rings)",
	   strerror(-err), m.reg.nr_host_rx_rings);
	if (err || s < 0) {
		nm_close(&m);
		nm_close(&p);
		return;
	}
	hr = NETMAP_RXRING(p.nifp, p.reg.nr_rx_rings);
	ht = NETMAP_TXRING(p.nifp, p.reg.nr_tx_rings);
	mr = NETMAP_RXRING(m.nifp, m.reg.nr_rx_rings);
	for (k = 0; k < 10; k++) {		/* the stack -> host RX ring */
		t_frame(frame, 700 + k, LEN);
		if (send(s, frame, LEN, 0) != LEN)
			break;
	}
	for (k = 0; k < 10 && rx_wait(&p, hr, 2000) > 0;)
		for (; !nm_ring_empty(hr); hr->head = hr->cur = nm_ring_next(hr, hr->cur))
			k++;
	ioctl(p.fd, NIOCRXSYNC, NULL);
	tx_frames(ht, 800, 10, LEN);		/* host TX ring -> the stack */
	ioctl(p.fd, NIOCTXSYNC, NULL);
	mon_read(&m, &sn);
	ok(k == 10 && sn.rx == 10 && sn.tx == 10 && sn.bad == 0 && (char *)mr != (char *)m.nifp,
	   "host rings: the monitor saw the 10 frames from the stack and the 10 to it, NS_TXMON on "
	   "these (held %d, rx %u tx %u bad %u)", k, sn.rx, sn.tx, sn.bad);
	nm_close(&m);
	nm_close(&p);
	close(s);
	sh("/sbin/ip link del mh0");
}

/* kill -9 of a monitor, then of the parent, while frames flow. */
static void kills(void)
{
	struct nmport m;
	pid_t traffic_pid, mon_pid;
	int st, err;

	traffic_pid = fork();
	if (traffic_pid == 0) {
		struct nmport a, b;

		nm_open_or_die(&a, "vale9:k1", NR_REG_ALL_NIC, 0, 0);
		nm_open_or_die(&b, "vale9:k2", NR_REG_ALL_NIC, 0, 0);
		for (uint32_t seq = 0;; seq += 64) {
			send_frames(&a, seq, 64);
			recv_frames(&b, 64);
		}
	}
	usleep(300000);
	mon_pid = fork();
	if (mon_pid == 0) {
		struct seen sn = { 0 };
		int i;

		/* The traffic child may not have opened its ports yet. */
		for (i = 0; i < 50 && (err = mon_open(&m, "vale9:k2", NR_MONITOR_RX | NR_MONITOR_TX,
						      0)); i++) {
			nm_close(&m);
			usleep(100000);
		}
		if (err == 0)
			for (;;)
				mon_read(&m, &sn);
		printf("# monitor child: open vale9:k2/rt: %s\n", strerror(-err));
		_exit(1);
	}
	usleep(500000);
	kill(mon_pid, SIGKILL);
	waitpid(mon_pid, &st, 0);
	ok(WIFSIGNALED(st), "kill -9 of a monitor under traffic");
	err = mon_open(&m, "vale9:k1", NR_MONITOR_TX, 0);
	ok(err == 0, "a new monitor of the sender (%s)", strerror(-err));
	usleep(300000);
	kill(traffic_pid, SIGKILL);
	waitpid(traffic_pid, &st, 0);
	ok(WIFSIGNALED(st), "kill -9 of the monitored program under traffic");
	if (err == 0) {
		struct pollfd pfd = { .fd = m.fd, .events = POLLIN };

		poll(&pfd, 1, 1000);
		ok(pfd.revents & POLLERR, "the monitor of the killed program's port: POLLERR (%#x)",
		   pfd.revents);
	}
	nm_close(&m);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	traffic("pipe", "mp{1", "mp}1");
	traffic("VALE", "vale9:a", "vale9:b");
	if (veth_pair("mv0", "mv1", NULL) == 0) {
		traffic("generic", "mv0", "mv1");
		sh("/sbin/ip link del mv0");
	} else {
		ok(0, "create veth pair mv0/mv1");
	}
	zcopy("pipe", "zp{1", "zp}1", 1000000, ZB);
	zcopy("pipe", "zp{2", "zp}2", 200000, ZA);
	zcopy("VALE", "vale9:c", "vale9:d", 20000, ZA | ZB);
	if (veth_pair("mz0", "mz1", NULL) == 0) {
		zcopy("generic", "mz0", "mz1", 20000, ZA | ZB);
		sh("/sbin/ip link del mz0");
	}
	zchain();
	host_rings();
	full();
	errors();
	kills();
	return t_exit();
}
