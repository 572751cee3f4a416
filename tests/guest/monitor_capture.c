/*
 * tests/guest/monitor_capture.c - capturing on a monitor while another program owns the port,
 * as a capture tool would: pkt-gen sends on netmap:mc0; this program opens netmap:mc0/rt with
 * libnetmap's nmport_open and, at the same time, netmap:mc0/t with the legacy nm_open
 * (NIOCREGIF), and captures 100 frames on each.  Every frame must be pkt-gen's (60 bytes, IPv4
 * UDP, the default ports) and carry NS_TXMON; pkt-gen must not notice (it sends all it was asked).
 */
#define NETMAP_WITH_LIBS
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libnetmap.h>

#include "../t.h"

/* (generic.h's helpers come with nm.h, whose nm_close is not the legacy library's.) */
static double now_s(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return tv.tv_sec + tv.tv_usec / 1e6;
}

#define FRAMES 100

/* Whether /proc/netmap_rings has a line starting with `prefix`. */
static int ring_listed(const char *prefix)
{
	return t_line_value("/proc/netmap_rings", prefix, NULL) == 1;
}

/* pkt-gen's frame: 60 bytes, IPv4, UDP. */
static int pktgen_frame(const uint8_t *buf, uint32_t len)
{
	return len == 60 && buf[12] == 0x08 && buf[13] == 0x00 && buf[14 + 9] == 17;
}

struct capture {
	uint32_t frames, pktgen, txmon;
};

/* One frame from RX ring r of a monitor, into c; the slot is released. */
static void take(struct netmap_ring *r, struct capture *c)
{
	struct netmap_slot *s = &r->slot[r->cur];

	c->frames++;
	c->pktgen += pktgen_frame((uint8_t *)NETMAP_BUF(r, s->buf_idx), s->len);
	c->txmon += !!(s->flags & NS_TXMON);
	r->head = r->cur = nm_ring_next(r, r->cur);
}

int main(void)
{
	struct capture cn = { 0 }, cl = { 0 };
	struct nmport_d *port;
	struct nm_desc *legacy;
	struct pollfd pfd[2];
	double end;
	pid_t pg;
	int i, st;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (system("modprobe veth 2>/dev/null; /sbin/ip link add mc0 type veth peer name mc1 && "
		   "/sbin/ip link set mc0 up && /sbin/ip link set mc1 up")) {
		ok(0, "create veth pair mc0/mc1");
		return t_exit();
	}
	pg = fork();
	if (pg == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		dup2(null, 2);
		execl("/usr/local/bin/pkt-gen", "pkt-gen", "-i", "netmap:mc0", "-f", "tx", "-n",
		      "3000", "-R", "1000", "-l", "60", (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 100 && !ring_listed("mc0 tx0 "); i++)
		usleep(100000);
	ok(ring_listed("mc0 tx0 "), "pkt-gen has netmap:mc0 open");
	port = nmport_open("netmap:mc0/rt");
	legacy = nm_open("netmap:mc0/t", NULL, 0, NULL);
	ok(port != NULL, "nmport_open(netmap:mc0/rt) while pkt-gen owns mc0");
	ok(legacy != NULL, "nm_open(netmap:mc0/t), legacy NIOCREGIF, at the same time");
	if (!port || !legacy) {
		kill(pg, SIGKILL);
		waitpid(pg, &st, 0);
		return t_exit();
	}
	pfd[0] = (struct pollfd){ .fd = port->fd, .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = legacy->fd, .events = POLLIN };
	for (end = now_s() + 20; (cn.frames < FRAMES || cl.frames < FRAMES) && now_s() < end;) {
		struct netmap_ring *r;

		if (poll(pfd, 2, 1000) < 0)
			break;
		for (r = NETMAP_RXRING(port->nifp, 0); !nm_ring_empty(r) && cn.frames < FRAMES;)
			take(r, &cn);
		for (r = NETMAP_RXRING(legacy->nifp, 0); !nm_ring_empty(r) && cl.frames < FRAMES;)
			take(r, &cl);
	}
	ok(cn.frames == FRAMES && cn.pktgen == FRAMES && cn.txmon == FRAMES,
	   "netmap:mc0/rt captured %u frames: %u of pkt-gen's, %u with NS_TXMON (want %d each)",
	   cn.frames, cn.pktgen, cn.txmon, FRAMES);
	ok(cl.frames == FRAMES && cl.pktgen == FRAMES && cl.txmon == FRAMES,
	   "netmap:mc0/t (legacy) captured %u frames: %u of pkt-gen's, %u with NS_TXMON",
	   cl.frames, cl.pktgen, cl.txmon);
	ok(strncmp(legacy->nifp->ni_name, "mc0/t#", 6) == 0, "the legacy monitor is %s",
	   legacy->nifp->ni_name);
	nm_close(legacy);
	nmport_close(port);
	for (i = 0; i < 300 && waitpid(pg, &st, WNOHANG) == 0; i++)
		usleep(100000);
	if (i == 300) {
		kill(pg, SIGKILL);
		waitpid(pg, &st, 0);
	}
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "pkt-gen sent its 3000 frames and exited 0 (%#x)",
	   st);
	if (system("/sbin/ip link del mc0"))
		ok(0, "remove veth pair mc0/mc1");
	return t_exit();
}
