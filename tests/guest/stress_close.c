/*
 * Stress (issue 14): a descriptor closed by one thread while other threads of the process are
 * inside poll(), epoll_wait() or a sync ioctl on it, on every port type, while pkt-gen moves frames
 * into the port at full speed.  This file owns that scenario; killing whole processes is
 * stress_kill.sh's.
 *
 * Each iteration registers a "victim" port and starts three threads on it:
 *   rx     poll(POLLIN) and release every received slot;
 *   tx     fill the TX rings with 60-byte frames, NIOCTXSYNC, NIOCRXSYNC;
 *   epoll  epoll_wait on an epoll set holding the descriptor;
 * then the main thread closes the descriptor 0-20 ms later, while they run.  The threads see
 * EBADF or POLLNVAL and stop; the last reference to the file goes with the last call still in
 * flight, so the release runs in whichever thread leaves the kernel last, while the peer keeps
 * delivering into the rings being torn down.  The mapping is unmapped only after the threads are
 * joined (it stays valid after the close, spec 1.2), so no thread touches unmapped memory.
 *
 * The ports, 25 * NM_STRESS_ITERS iterations each:
 *   pipe     victim sc}1, pkt-gen tx on netmap:sc{1
 *   vale     victim vale7:vN (a new ephemeral port each time: join and leave), pkt-gen tx on
 *            vale7:s (broadcast, so every victim receives); one victim in five has a region
 *            of its own, the others are in the global region (a private region costs 0.3 s)
 *   veth     victim sc0 (all NIC rings), pkt-gen tx on netmap:sc1
 *   host     victim sc0^ (host rings), pkt-gen tx on netmap:sc0^ whose frames the stack forwards
 *            back out of sc0 into the host RX ring, and pkt-gen rx on netmap:sc0 holding the NIC
 *            rings (the stack reaches the host RX ring only then, spec 7.7)
 *   persist  victim scp0 (a persistent VALE port on vale7), pkt-gen tx on vale7:s
 *   null     victim: a null port in the global region (syncs do nothing, poll(POLLIN) sleeps)
 * Where a peer or a held null port keeps the victim's region alive, the region is mapped once
 * and each victim's rings are found in that mapping through nr_offset, as libnetmap does.
 * After each port: nothing open, live_objects idle; ports with traffic must have received some.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <sys/epoll.h>

#include "stress.h"

struct victim {
	int fd;
	char *mem;
	struct netmap_if *nifp;
	uint32_t tx0, tx1, rx0, rx1;	/* bound rings [first, last) */
	atomic_int stop;
	atomic_long frames, calls;
	int own_map;			/* unmapped after the join (else the shared mapping) */
	uint64_t map_size;
};

static void *rx_thread(void *arg)
{
	struct victim *v = arg;
	struct pollfd pfd = { .fd = v->fd, .events = POLLIN };
	uint32_t i;

	while (!atomic_load(&v->stop)) {
		int r = poll(&pfd, 1, 100);

		atomic_fetch_add(&v->calls, 1);
		if (r < 0 || (pfd.revents & POLLNVAL))
			break;
		for (i = v->rx0; i < v->rx1; i++) {
			struct netmap_ring *ring = NETMAP_RXRING(v->nifp, i);
			uint32_t tail = ring->tail;

			atomic_fetch_add(&v->frames, nm_ring_space(ring));
			/* cur before head: every intermediate state is valid for the kernel */
			__atomic_store_n(&ring->cur, tail, __ATOMIC_RELEASE);
			__atomic_store_n(&ring->head, tail, __ATOMIC_RELEASE);
		}
	}
	return NULL;
}

static void *tx_thread(void *arg)
{
	static const uint8_t hdr[14] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0xc1, 0x05,
					 0x88, 0xb5 };
	struct victim *v = arg;
	uint32_t i;

	while (!atomic_load(&v->stop)) {
		for (i = v->tx0; i < v->tx1; i++) {
			struct netmap_ring *ring = NETMAP_TXRING(v->nifp, i);
			uint32_t cur = ring->cur, n = 0;

			while (n < 64 && nm_ring_space(ring) > n) {
				struct netmap_slot *s = &ring->slot[cur];

				memcpy(NETMAP_BUF(ring, s->buf_idx), hdr, sizeof(hdr));
				s->len = 60;
				cur = nm_ring_next(ring, cur);
				n++;
			}
			__atomic_store_n(&ring->cur, cur, __ATOMIC_RELEASE);
			__atomic_store_n(&ring->head, cur, __ATOMIC_RELEASE);
		}
		atomic_fetch_add(&v->calls, 2);
		if ((ioctl(v->fd, NIOCTXSYNC) && errno == EBADF) ||
		    (ioctl(v->fd, NIOCRXSYNC) && errno == EBADF))
			break;
	}
	return NULL;
}

static void *epoll_thread(void *arg)
{
	struct victim *v = arg;
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT }, out[4];
	int ep = epoll_create1(0);

	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, v->fd, &ev)) {
		if (ep >= 0)
			close(ep);
		return NULL;	/* the descriptor was already closed: nothing to wait on */
	}
	while (!atomic_load(&v->stop)) {
		epoll_wait(ep, out, 4, 20);
		atomic_fetch_add(&v->calls, 1);
	}
	close(ep);
	return NULL;
}

/* --- the victim's registration and mapping --- */

struct port {
	const char *label;
	const char *name;	/* nr_name; "%d" is replaced by the iteration (vale) */
	uint32_t mode;
	uint16_t mem_id;	/* the region (null port; vale: see own_region) */
	int shared;		/* something keeps the region alive: map it once */
	int traffic;		/* frames must reach the victims */
	int own_region;		/* vale: every Nth victim gets a private region, mapped anew */
};

static char *cached_mem;
static uint64_t cached_size;

static int victim_open(struct victim *v, const struct port *pt, int iter)
{
	int own = pt->own_region && iter % pt->own_region == 0, shared = pt->shared && !own;
	struct nmreq_header hdr;
	struct nmreq_register reg;
	char name[32];

	memset(v, 0, sizeof(*v));
	snprintf(name, sizeof(name), pt->name, iter);
	v->fd = open("/dev/netmap", O_RDWR);
	if (v->fd < 0)
		return -errno;
	memset(&reg, 0, sizeof(reg));
	nm_hdr_init(&hdr, NETMAP_REQ_REGISTER, name, &reg);
	reg.nr_mode = pt->mode;
	reg.nr_mem_id = own ? 0 : pt->mem_id;
	if (pt->mode == NR_REG_NULL) {
		reg.nr_tx_rings = reg.nr_rx_rings = 2;
		reg.nr_tx_slots = reg.nr_rx_slots = 256;
	}
	if (ioctl(v->fd, NIOCCTRL, &hdr)) {
		int err = -errno;

		close(v->fd);
		return err;
	}
	if (shared && cached_mem && cached_size == reg.nr_memsize) {
		v->mem = cached_mem;
	} else {
		v->mem = mmap(NULL, reg.nr_memsize, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
		if (v->mem == MAP_FAILED) {
			int err = -errno;

			close(v->fd);
			return err;
		}
		if (shared) {
			cached_mem = v->mem;
			cached_size = reg.nr_memsize;
		}
	}
	v->nifp = NETMAP_IF(v->mem, reg.nr_offset);
	if (pt->mode == NR_REG_SW) {
		v->tx0 = reg.nr_tx_rings;
		v->tx1 = v->tx0 + reg.nr_host_tx_rings;
		v->rx0 = reg.nr_rx_rings;
		v->rx1 = v->rx0 + reg.nr_host_rx_rings;
	} else {
		v->tx1 = reg.nr_tx_rings;
		v->rx1 = reg.nr_rx_rings;
	}
	v->own_map = v->mem != cached_mem;
	v->map_size = reg.nr_memsize;
	return 0;
}

static void unmap_cache(void)
{
	if (cached_mem)
		munmap(cached_mem, cached_size);
	cached_mem = NULL;
	cached_size = 0;
}

/* --- the loop --- */

static long total;

static void close_loop(const struct port *pt, int n)
{
	long frames = 0, calls = 0, failed = 0;
	double t0 = st_now();
	int i, err = 0;

	for (i = 0; i < n; i++) {
		struct victim v;
		pthread_t th[3];

		err = victim_open(&v, pt, i);
		if (err) {
			failed++;
			continue;
		}
		pthread_create(&th[0], NULL, rx_thread, &v);
		pthread_create(&th[1], NULL, tx_thread, &v);
		pthread_create(&th[2], NULL, epoll_thread, &v);
		st_msleep((unsigned)(rand() % 21));
		close(v.fd);		/* the threads are in poll, epoll_wait or an ioctl on it */
		st_msleep((unsigned)(rand() % 3));
		atomic_store(&v.stop, 1);
		pthread_join(th[0], NULL);
		pthread_join(th[1], NULL);
		pthread_join(th[2], NULL);
		if (v.own_map)
			munmap(v.mem, v.map_size);
		frames += atomic_load(&v.frames);
		calls += atomic_load(&v.calls);
	}
	total += n;
	printf("# close: %s: %d closes in %.0f ms, %ld calls, %ld frames received by the victims\n",
	       pt->label, n, (st_now() - t0) * 1000, calls, frames);
	ok(failed == 0, "close: %s: every victim registered (%ld failed, last error %s)", pt->label,
	   failed, strerror(-err));
	if (pt->traffic)
		ok(frames > 0, "close: %s: frames reached the victims (%ld)", pt->label, frames);
}

static void idle_check(const struct port *pt, int n, long idle)
{
	ok(st_settled(idle), "close: %s: %d closes under threads in poll/epoll/sync, then nothing "
	   "open and live_objects %ld", pt->label, n, idle);
}

int main(void)
{
	static const struct port pipe = { "pipe", "sc}1", NR_REG_ALL_NIC, 0, 1, 1, 0 };
	static const struct port vale = { "vale", "vale7:v%d", NR_REG_ALL_NIC, 1, 1, 1, 5 };
	static const struct port veth = { "veth", "sc0", NR_REG_ALL_NIC, 0, 1, 1, 0 };
	static const struct port host = { "host", "sc0", NR_REG_SW, 0, 1, 1, 0 };
	static const struct port pers = { "persist", "scp0", NR_REG_ALL_NIC, 0, 1, 1, 0 };
	static const struct port null = { "null", "scnull", NR_REG_NULL, 1, 1, 0, 0 };
	struct victim h;
	int n = 25 * st_iters(), fwd0;
	struct st_peer tx, hold;
	long pidle;
	char cmd[256];

	st_begin("close");

	st_pktgen(&tx, "sc-pipe", "-i netmap:sc{1 -f tx");
	ok(st_flowing(&tx), "close: pkt-gen sends into the pipe");
	close_loop(&pipe, n);
	unmap_cache();
	st_kill(&tx);
	idle_check(&pipe, n, st_idle);

	st_pktgen(&tx, "sc-vale", "-i vale7:s -f tx");
	ok(st_flowing(&tx), "close: pkt-gen sends on vale7");
	/* a null port holds the global region, where 4 of 5 victims are (a private one is slow) */
	ok(victim_open(&h, &null, 0) == 0, "close: a null port holds the global region");
	close_loop(&vale, n);
	unmap_cache();
	close(h.fd);
	st_kill(&tx);
	idle_check(&vale, n, st_idle);

	if (st_sh("/sbin/ip link add sc0 type veth peer name sc1 && "
		  "for d in sc0 sc1; do echo 1 > /proc/sys/net/ipv6/conf/$d/disable_ipv6; "
		  "/sbin/ip link set $d up; done"))
		ok(0, "close: veth pair sc0/sc1");
	st_pktgen(&tx, "sc-veth", "-i netmap:sc1 -f tx");
	ok(st_flowing(&tx), "close: pkt-gen sends from sc1");
	close_loop(&veth, n);
	unmap_cache();
	st_kill(&tx);
	idle_check(&veth, n, st_idle);

	/* host rings: the stack forwards pkt-gen's frames back out of sc0 (see stress_kill.sh) */
	fwd0 = (int)t_read_long("/proc/sys/net/ipv4/ip_forward");
	st_sh("echo 1 > /proc/sys/net/ipv4/ip_forward; "
	      "echo 0 > /proc/sys/net/ipv4/conf/all/send_redirects; "
	      "echo 0 > /proc/sys/net/ipv4/conf/sc0/send_redirects; "
	      "/sbin/ip addr add 10.0.0.254/8 dev sc0; "
	      "/sbin/ip neigh add 10.1.0.1 lladdr 02:00:00:00:0e:01 dev sc0 nud permanent");
	st_pktgen(&hold, "sc-hold", "-i netmap:sc0 -f rx");
	{
		FILE *f = fopen("/sys/class/net/sc0/address", "r");
		char mac[32] = "";

		if (f) {
			if (!fgets(mac, sizeof(mac), f))
				mac[0] = '\0';
			fclose(f);
		}
		mac[strcspn(mac, "\n")] = '\0';
		snprintf(cmd, sizeof(cmd), "-i netmap:sc0^ -f tx -D %s -s 10.0.0.1 -d 10.1.0.1", mac);
	}
	st_pktgen(&tx, "sc-host", cmd);
	ok(st_flowing(&tx), "close: pkt-gen sends into sc0's stack");
	close_loop(&host, n);
	unmap_cache();
	st_kill(&tx);
	st_kill(&hold);
	idle_check(&host, n, st_idle);
	st_sh("/sbin/ip link del sc0");
	st_write("/proc/sys/net/ipv4/ip_forward", fwd0);

	if (st_sh("vale-ctl -n scp0 && vale-ctl -a vale7:scp0"))
		ok(0, "close: persistent port scp0 on vale7");
	pidle = t_read_long(NMSYS "live_objects");
	st_pktgen(&tx, "sc-pers", "-i vale7:s -f tx");
	ok(st_flowing(&tx), "close: pkt-gen sends on vale7");
	close_loop(&pers, n);
	unmap_cache();
	st_kill(&tx);
	idle_check(&pers, n, pidle);
	ok(st_sh("vale-ctl -d vale7:scp0 && vale-ctl -r scp0") == 0,
	   "close: the persistent port is removed once nobody uses it");

	/* A null port of its own keeps the global region (and so the one mapping) alive. */
	ok(victim_open(&h, &null, 0) == 0, "close: a null port holds the global region");
	close_loop(&null, n);
	unmap_cache();
	close(h.fd);
	idle_check(&null, n, st_idle);
	return st_end(total);
}
