/*
 * tests/guest/pipe_anymem.c - pipes in any allocator (spec §7.3): the classic netmap load
 * balancer's fan-out, and pipes of a VALE port.
 *
 * Fan-out: pkt-gen sends 100 000 frames into veth lb0; a balancer (a child of this program)
 * holds netmap:lb1 and the master ends netmap:lbt{0/xT@M and lbt{1/xT@M, M being lb1's mem id,
 * and moves every frame from the NIC into the pipes by swapping buffer indices (zero copy);
 * `pkt-gen -f rx` on lbt}0 and lbt}1 must receive 50 000 frames each.  Then: a pipe of a parent
 * in another region than the one named is refused (EINVAL), and vale0:pa{1 / }1 share port pa's
 * region, legacy NIOCREGIF with extra buffers included.
 */
#include <signal.h>
#include <sys/wait.h>

#include "generic.h"

#define FRAMES 100000

/* Waits for room in TX ring t of p, syncing; 0 or -1 after 5 s. */
static int tx_room(struct nmport *p, struct netmap_ring *t)
{
	int i;

	for (i = 0; i < 5000 && nm_ring_space(t) == 0; i++) {
		ioctl(p->fd, NIOCTXSYNC, NULL);
		if (nm_ring_space(t) == 0)
			usleep(1000);
	}
	return nm_ring_space(t) ? 0 : -1;
}

/* The balancer: NIC lb1 into pipes lbt{0 and lbt{1, alternately, by buffer swaps.  Tells the
 * parent it is ready (or why not) on fd `ready`, then runs until killed. */
static void balancer(int ready)
{
	struct nmport nic, out[2];
	struct netmap_ring *rx, *tx[2];
	uint64_t n = 0;
	char msg[128] = "ok";
	int err, i;

	err = nm_open_in(&nic, "lb1", 0, 0, 0);
	for (i = 0; i < 2 && !err; i++) {
		char name[32];

		snprintf(name, sizeof(name), "lbt{%d", i);
		err = nm_open_in(&out[i], name, NR_EXCLUSIVE | NR_TX_RINGS_ONLY, 0,
				 nic.reg.nr_mem_id);
		if (!err && out[i].reg.nr_mem_id != nic.reg.nr_mem_id)
			err = -EXDEV;
	}
	if (err)
		snprintf(msg, sizeof(msg), "%s", strerror(-err));
	if (write(ready, msg, strlen(msg) + 1) < 0 || err)
		_exit(1);
	rx = NETMAP_RXRING(nic.nifp, 0);
	tx[0] = NETMAP_TXRING(out[0].nifp, 0);
	tx[1] = NETMAP_TXRING(out[1].nifp, 0);
	for (;;) {
		rx_wait(&nic, rx, 100);
		for (; !nm_ring_empty(rx); rx->head = rx->cur = nm_ring_next(rx, rx->cur), n++) {
			struct nmport *o = &out[n & 1];
			struct netmap_ring *t = tx[n & 1];
			struct netmap_slot *rs = &rx->slot[rx->cur], *ts;
			uint32_t idx;

			if (tx_room(o, t))
				_exit(2);
			ts = &t->slot[t->cur];
			idx = ts->buf_idx;
			ts->buf_idx = rs->buf_idx;
			ts->len = rs->len;
			ts->flags |= NS_BUF_CHANGED;
			rs->buf_idx = idx;
			rs->flags |= NS_BUF_CHANGED;
			t->head = t->cur = nm_ring_next(t, t->cur);
		}
		ioctl(out[0].fd, NIOCTXSYNC, NULL);
		ioctl(out[1].fd, NIOCTXSYNC, NULL);
	}
}

/* Runs `pkt-gen ARGS...` with its output in /tmp/anymem_NAME.out; returns its pid. */
static pid_t pktgen(const char *name, char *const args[])
{
	char out[64];
	pid_t pid;

	snprintf(out, sizeof(out), "/tmp/anymem_%s.out", name);
	pid = fork();
	if (pid == 0) {
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		dup2(fd, 1);
		dup2(fd, 2);
		execv("/usr/local/bin/pkt-gen", args);
		_exit(127);
	}
	return pid;
}

/* The number after "Received" in pkt-gen's final report, or -1. */
static long long received(const char *name)
{
	char path[64], line[512];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/anymem_%s.out", name);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f)) {
		char *k = strstr(line, "Received ");

		if (k)
			v = strtoll(k + 9, NULL, 10);
	}
	if (f)
		fclose(f);
	return v;
}

/* Waits up to secs for pid; its exit status, or -1 after killing it. */
static int reap(pid_t pid, int secs)
{
	int i, st;

	for (i = 0; i < secs * 10; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		usleep(100000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return -1;
}

static void fanout(void)
{
	static char *rx0[] = { "pkt-gen", "-i", "netmap:lbt}0", "-f", "rx", "-n", "50000", NULL };
	static char *rx1[] = { "pkt-gen", "-i", "netmap:lbt}1", "-f", "rx", "-n", "50000", NULL };
	static char *tx[] = { "pkt-gen", "-i", "netmap:lb0", "-f", "tx", "-n", "100000", "-R",
			      "20000", "-l", "60", NULL };
	pid_t lb, r0, r1, t;
	char msg[128] = "";
	int fds[2], s0, s1, st;

	if (veth_pair("lb0", "lb1", NULL) || pipe(fds)) {
		ok(0, "create veth pair lb0/lb1");
		return;
	}
	lb = fork();
	if (lb == 0) {
		close(fds[0]);
		balancer(fds[1]);
	}
	close(fds[1]);
	ok(read(fds[0], msg, sizeof(msg)) > 0 && strcmp(msg, "ok") == 0,
	   "the balancer opened netmap:lb1 and netmap:lbt{0/xT, {1/xT in lb1's region (%s)", msg);
	close(fds[0]);
	r0 = pktgen("rx0", rx0);
	r1 = pktgen("rx1", rx1);
	usleep(500000);
	t = pktgen("tx", tx);
	st = reap(t, 60);
	s0 = reap(r0, 20);
	s1 = reap(r1, 20);
	kill(lb, SIGKILL);
	waitpid(lb, NULL, 0);
	ok(st == 0, "pkt-gen sent %d frames into lb0 (status %d)", FRAMES, st);
	ok(s0 == 0 && received("rx0") == FRAMES / 2,
	   "pkt-gen -f rx on lbt}0 received its half, %d (status %d, got %lld)", FRAMES / 2, s0,
	   received("rx0"));
	ok(s1 == 0 && received("rx1") == FRAMES / 2,
	   "pkt-gen -f rx on lbt}1 received its half, %d (status %d, got %lld)", FRAMES / 2, s1,
	   received("rx1"));
	sh("/sbin/ip link del lb0");
}

/* Pipes of a VALE port share its region; a region other than the parent's is refused. */
static void vale_pipes(void)
{
	struct nmport port, m, s, other;
	struct nmreq leg;
	int err, fd;

	nm_open_or_die(&port, "vale0:pa", NR_REG_ALL_NIC, 0, 0);
	nm_open_or_die(&other, "vale0:pb", NR_REG_ALL_NIC, 0, 0);
	err = nm_open_in(&m, "vale0:pa{1", 0, 0, 0);
	ok(err == 0 && m.reg.nr_mem_id == port.reg.nr_mem_id,
	   "vale0:pa{1 is in port pa's region (%s, mem id %u, port's %u)", strerror(-err),
	   m.reg.nr_mem_id, port.reg.nr_mem_id);
	err = nm_open_in(&s, "vale0:pa}1", 0, 0, port.reg.nr_mem_id);
	ok(err == 0 && s.reg.nr_mem_id == port.reg.nr_mem_id,
	   "vale0:pa}1 with @ of that region joins it (%s)", strerror(-err));
	tx_frames(NETMAP_TXRING(m.nifp, 0), 7, 1, 60);
	ioctl(m.fd, NIOCTXSYNC, NULL);
	ok(rx_wait(&s, NETMAP_RXRING(s.nifp, 0), 1000) == 1, "a frame crosses vale0:pa{1 -> }1");
	nm_close(&s);
	nm_close(&m);
	err = nm_open_in(&m, "vale0:pa{2", 0, 0, other.reg.nr_mem_id);
	ok(err == -EINVAL, "vale0:pa{2 in port pb's region: EINVAL (%s)", strerror(-err));
	nm_close(&m);
	err = nm_open_in(&m, "anymem{1", 0, 0, port.reg.nr_mem_id);
	err = err ? err : nm_open_in(&s, "anymem}1", 0, 0, other.reg.nr_mem_id);
	ok(err == -EINVAL, "joining a pipe from another region than its own: EINVAL (%s)",
	   strerror(-err));
	nm_close(&s);
	nm_close(&m);
	/* Legacy NIOCREGIF of a pipe of the port, with extra buffers from the port's region. */
	memset(&leg, 0, sizeof(leg));
	leg.nr_version = NETMAP_API;
	strcpy(leg.nr_name, "vale0:pa{3");
	leg.nr_flags = NR_REG_ALL_NIC;
	leg.nr_arg3 = 10;
	fd = open("/dev/netmap", O_RDWR);
	err = ioctl(fd, NIOCREGIF, &leg) ? -errno : 0;
	ok(err == 0 && leg.nr_arg2 == port.reg.nr_mem_id && leg.nr_arg3 == 10,
	   "legacy NIOCREGIF vale0:pa{3 with 10 extra buffers: in pa's region, all granted (%s, mem id %u, %u)",
	   strerror(-err), leg.nr_arg2, leg.nr_arg3);
	if (err == 0) {
		void *mem = mmap(NULL, leg.nr_memsize, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		struct netmap_if *nifp = NETMAP_IF(mem, leg.nr_offset);

		ok(mem != MAP_FAILED && nifp->ni_bufs_head != 0,
		   "the extra buffers are listed from ni_bufs_head (%u)",
		   mem != MAP_FAILED ? nifp->ni_bufs_head : 0);
		if (mem != MAP_FAILED)
			munmap(mem, leg.nr_memsize);
	}
	close(fd);
	nm_close(&other);
	nm_close(&port);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	fanout();
	vale_pipes();
	return t_exit();
}
