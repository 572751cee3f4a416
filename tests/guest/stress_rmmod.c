/*
 * Stress (issue 14): unloading netmap.ko while processes keep opening and closing ports.  This
 * file owns the module's lifetime under load; the other stress_* files never unload it.
 *
 * Children open /dev/netmap, register a port, sync it and close it, over and over: a pipe, a
 * VALE port, a null port, the generic adapter on veth sm0, and pkt-gen sending 3000 frames on a
 * VALE port.  They pause 0-400 ms between cycles (0-1 s for pkt-gen): an unload gets through only
 * when all of them are idle at once, and under TCG each REGISTER or close takes ~100 ms of the
 * control lock (populating or freeing a region), so shorter pauses left no such moment.  A raw
 * socket sends frames from sm1 into sm0 the whole time, so the generic adapter's capture runs too.
 * Once every child has done a cycle, the parent calls delete_module("netmap", O_NONBLOCK) every
 * 1-5 ms for 4 * NM_STRESS_ITERS seconds (frequent attempts are what catches the idle moments).
 * Each attempt must either
 *   - fail with EWOULDBLOCK (a file or a persistent port holds the module) or EBUSY (the module
 *     is on its way in or out), or
 *   - succeed, and then no process may hold a descriptor of /dev/netmap; the parent loads the
 *     module again with finit_module (/lib/netmap/netmap.ko, no parameters, as vm/init does)
 *     and it must come up live.
 * The children take ENOENT/ENODEV from open while the module is away, and nothing else.
 * Then, with the children stopped: a persistent VALE port makes every attempt fail with
 * EWOULDBLOCK until DELIF; a veth attached to a switch (nothing open) does not hold the module:
 * the unload succeeds and gives the device back.  The module is always loaded at the end (the
 * runner reads its counters after each program, and vm/init unloads it last), and its idle
 * live_objects must be what it was at the start.
 */
#include <dirent.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/resource.h>

#include "stress.h"

#define KO "/lib/netmap/netmap.ko"
/*
 * Small regions: every open after an idle moment populates its region again (a VALE port's
 * private one is 40 MB by default), and the children must cycle quickly for their idle moments,
 * when an unload gets through, to come often.  The generic adapter of sm0 needs 4 rings of 1024
 * slots in the global region; pipes and VALE ports are opened with 64 slots, and their private
 * regions are then sized by the ports.  The last load of the scenario keeps the defaults.
 */
#define RMMOD_BUF_NUM 8192
#define RMMOD_PRIV_BUF_NUM 1024
#define RMMOD_SLOTS 64

enum { C_PIPE, C_VALE, C_NULL, C_GENERIC, C_PKTGEN, C_FLOOD, NCHILD };
static const char *const child_name[NCHILD] = { "pipe", "vale", "null", "generic", "pkt-gen",
						"flood" };

struct shared {
	long cycles[NCHILD];	/* ports opened and closed (pkt-gen: runs; flood: frames) */
	long absent[NCHILD];	/* opens that found the module away */
	long errors[NCHILD];	/* anything else that went wrong */
	char last_error[NCHILD][96];
};

static struct shared *sh;
static volatile sig_atomic_t stopping;

static void on_term(int sig)
{
	(void)sig;
	stopping = 1;
}

static void child_error(int k, const char *what, int err)
{
	sh->errors[k]++;
	snprintf(sh->last_error[k], sizeof(sh->last_error[k]), "%s: %s", what, strerror(err));
}

/* One open/register/sync/close cycle of child k; -1 when the module is away. */
static int port_cycle(int k, int n)
{
	struct nmreq_header hdr;
	struct nmreq_register reg;
	char name[32];
	int fd = open("/dev/netmap", O_RDWR), i;

	if (fd < 0) {
		if (errno != ENOENT && errno != ENODEV && errno != ENXIO)
			child_error(k, "open", errno);
		return -1;
	}
	memset(&reg, 0, sizeof(reg));
	reg.nr_mode = NR_REG_ALL_NIC;
	switch (k) {
	case C_PIPE:
		snprintf(name, sizeof(name), "smp%d%c1", n % 3, n % 2 ? '{' : '}');
		reg.nr_tx_slots = reg.nr_rx_slots = RMMOD_SLOTS;
		break;
	case C_VALE:
		snprintf(name, sizeof(name), "vale4:m%d", n % 3);
		reg.nr_tx_slots = reg.nr_rx_slots = RMMOD_SLOTS;
		break;
	case C_NULL:
		snprintf(name, sizeof(name), "smnull");
		reg.nr_mode = NR_REG_NULL;
		reg.nr_mem_id = 1;
		reg.nr_tx_rings = reg.nr_rx_rings = 1;
		reg.nr_tx_slots = reg.nr_rx_slots = 64;
		break;
	default:
		snprintf(name, sizeof(name), "sm0");
		break;
	}
	nm_hdr_init(&hdr, NETMAP_REQ_REGISTER, name, &reg);
	if (ioctl(fd, NIOCCTRL, &hdr)) {
		child_error(k, "REGISTER", errno);
	} else {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		for (i = 0; i < 1 + rand() % 20; i++) {
			if (ioctl(fd, NIOCTXSYNC) || ioctl(fd, NIOCRXSYNC))
				child_error(k, "sync", errno);
			poll(&pfd, 1, 0);
		}
		st_msleep((unsigned)(rand() % 6));
	}
	close(fd);
	sh->cycles[k]++;
	return 0;
}

/* pkt-gen on a VALE port, 3000 frames; -1 when it could not open the port. */
static int pktgen_cycle(int k, int n)
{
	char port[48];
	pid_t pid;
	int st;

	snprintf(port, sizeof(port), "vale4:pg%d@conf:slots=%d", n % 2, RMMOD_SLOTS);
	pid = fork();
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);

		dup2(fd, 1);
		dup2(fd, 2);
		execl(PKTGEN, PKTGEN, "-w", "0", "-i", port, "-f", "tx", "-n", "3000", (char *)NULL);
		_exit(127);
	}
	waitpid(pid, &st, 0);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
		sh->cycles[k]++;
		return 0;
	}
	/* an open that found the module away: pkt-gen exits 1; that is all it may do */
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 1)
		child_error(k, "pkt-gen exit status", WIFEXITED(st) ? WEXITSTATUS(st) : EINTR);
	return -1;
}

/* Broadcast frames from sm1 into sm0 through a raw socket, 32 every millisecond. */
static void flood(int k)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(0x88b5),
				   .sll_halen = 6 };
	uint8_t frame[60] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0xc1, 0x06, 0x88, 0xb5 };
	int s = socket(AF_PACKET, SOCK_RAW, 0);

	sll.sll_ifindex = (int)if_nametoindex("sm1");
	memset(sll.sll_addr, 0xff, 6);
	if (s < 0 || !sll.sll_ifindex) {
		child_error(k, "raw socket on sm1", errno);
		return;
	}
	while (!stopping) {
		int i;

		for (i = 0; i < 32; i++)
			if (sendto(s, frame, sizeof(frame), 0, (struct sockaddr *)&sll, sizeof(sll)) > 0)
				sh->cycles[k]++;
		st_msleep(1);	/* about 30000 frames/s: traffic, not a CPU hog */
	}
	close(s);
}

static void child(int k)
{
	int n = 0;

	signal(SIGTERM, on_term);
	srand((unsigned)getpid());
	/* the children yield to the parent, whose unload attempts are the point */
	setpriority(PRIO_PROCESS, 0, 10);
	if (k == C_FLOOD) {
		flood(k);
		_exit(0);
	}
	while (!stopping) {
		int r = k == C_PKTGEN ? pktgen_cycle(k, n++) : port_cycle(k, n++);

		if (r < 0)
			sh->absent[k]++;
		st_msleep((unsigned)(r < 0 ? 2 : k == C_PKTGEN ? rand() % 1000 : rand() % 400));
	}
	_exit(0);
}

/* --- the module --- */

static int unload(void)
{
	return syscall(SYS_delete_module, "netmap", O_NONBLOCK) ? errno : 0;
}

static void tune(void)
{
	st_write(NMPAR "buf_num", RMMOD_BUF_NUM);
	st_write(NMPAR "priv_buf_num", RMMOD_PRIV_BUF_NUM);
}

/* finit_module of the module file, then the small regions unless it is the last load. */
static int load(int last)
{
	int fd = open(KO, O_RDONLY), err;

	if (fd < 0)
		return errno;
	err = syscall(SYS_finit_module, fd, "", 0) ? errno : 0;
	close(fd);
	if (!err && !last)
		tune();
	return err;
}

static int module_live(void)
{
	FILE *f = fopen("/sys/module/netmap/initstate", "r");
	char s[16] = "";

	if (f) {
		if (!fgets(s, sizeof(s), f))
			s[0] = '\0';
		fclose(f);
	}
	return strncmp(s, "live", 4) == 0;
}

/* Processes holding a descriptor of /dev/netmap (what a successful unload must never leave). */
static int netmap_holders(void)
{
	DIR *proc = opendir("/proc"), *fds;
	struct dirent *p, *e;
	char path[600], link[128];
	int n = 0;

	while (proc && (p = readdir(proc))) {
		if (p->d_name[0] < '0' || p->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/fd", p->d_name);
		fds = opendir(path);
		while (fds && (e = readdir(fds))) {
			ssize_t len;

			snprintf(path, sizeof(path), "/proc/%s/fd/%s", p->d_name, e->d_name);
			len = readlink(path, link, sizeof(link) - 1);
			if (len > 0) {
				link[len] = '\0';
				if (strstr(link, "/dev/netmap")) {
					printf("# pid %s holds %s\n", p->d_name, link);
					n++;
				}
			}
		}
		if (fds)
			closedir(fds);
	}
	if (proc)
		closedir(proc);
	return n;
}

int main(void)
{
	int n = 0, k, err, busy = 0, trans = 0, bad = 0, unloads = 0, loads_bad = 0, held = 0;
	int stuck = 0, ready;
	double end;
	long idle, iterations = 0;
	pid_t pids[NCHILD];

	st_begin("rmmod");
	tune();
	idle = st_idle;
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED || st_sh("/sbin/ip link add sm0 type veth peer name sm1 && "
				      "for d in sm0 sm1; do echo 1 > /proc/sys/net/ipv6/conf/$d/disable_ipv6; "
				      "/sbin/ip link set $d up; done")) {
		ok(0, "rmmod: shared counters and the veth pair sm0/sm1");
		return st_end(0);
	}
	memset(sh, 0, sizeof(*sh));
	fflush(stdout);
	for (k = 0; k < NCHILD; k++) {
		pids[k] = fork();
		if (pids[k] == 0)
			child(k);
	}

	/* --- unload attempts while the children open and close ports --- */
	for (k = 0; k < 1000; k++) {
		int c;

		for (c = 0, ready = 1; c < NCHILD; c++)
			ready &= sh->cycles[c] > 0;
		if (ready)
			break;
		st_msleep(20);
	}
	end = st_now() + 4.0 * st_iters();
	while (st_now() < end) {
		st_msleep(1 + (unsigned)(rand() % 5));
		err = unload();
		iterations++;
		n++;
		if (err == EWOULDBLOCK) {
			busy++;
		} else if (err == EBUSY) {
			trans++;
		} else if (err) {
			bad++;
			printf("# delete_module: %s\n", strerror(err));
		} else {
			unloads++;
			held += netmap_holders();
			st_msleep((unsigned)(rand() % 51));	/* the children find it away */
			err = load(0);
			if (err || !module_live()) {
				loads_bad++;
				printf("# finit_module: %s, live %d\n", strerror(err), module_live());
				if (err)
					break;	/* nothing below can work without the module */
			}
		}
	}
	for (k = 0; k < NCHILD; k++)
		kill(pids[k], SIGTERM);
	for (k = 0; k < NCHILD; k++)
		waitpid(pids[k], NULL, 0);
	printf("# rmmod: %d attempts: %d unloaded (and loaded again), %d EWOULDBLOCK, %d EBUSY\n", n,
	       unloads, busy, trans);
	for (k = 0; k < NCHILD; k++)
		printf("# rmmod: child %s: %ld cycles, %ld found the module away, %ld errors%s%s\n",
		       child_name[k], sh->cycles[k], sh->absent[k], sh->errors[k],
		       sh->errors[k] ? ", last: " : "", sh->last_error[k]);
	ok(bad == 0, "rmmod: every attempt under load failed with EWOULDBLOCK or EBUSY, or succeeded "
	   "(%d other errors)", bad);
	ok(held == 0, "rmmod: no process held /dev/netmap after any of the %d unloads", unloads);
	ok(loads_bad == 0, "rmmod: the module loaded again and came up live after every unload");
	for (k = 0, err = 0; k < NCHILD; k++)
		err |= sh->errors[k] != 0 || sh->cycles[k] == 0;
	ok(!err, "rmmod: the children kept working through the unloads (only ENOENT/ENODEV while "
	   "the module was away)");

	/* --- nothing open: the unload must succeed --- */
	for (k = 0; k < 250 && t_read_long(NMSYS "open_files") != 0; k++)
		st_msleep(20);
	err = unload();
	iterations++;
	ok(err == 0 && netmap_holders() == 0, "rmmod: with the children gone the unload succeeds (%s)",
	   strerror(err));
	stuck += err == 0 && load(0) != 0;

	/* --- a persistent port holds the module until DELIF --- */
	ok(st_sh("vale-ctl -n smv0") == 0, "rmmod: persistent port smv0");
	for (k = 0, err = 0; k < 5 * st_iters(); k++, iterations++)
		err |= unload() != EWOULDBLOCK;
	ok(!err, "rmmod: %d attempts with a persistent port: each EWOULDBLOCK", 5 * st_iters());
	ok(st_sh("vale-ctl -r smv0") == 0 && unload() == 0,
	   "rmmod: after DELIF the unload succeeds");
	iterations++;
	stuck += load(0) != 0;

	/* --- a device on a switch, nothing open: unloading gives it back --- */
	ok(st_sh("vale-ctl -h vale4:sm0") == 0, "rmmod: sm0 and its host stack on vale4");
	ok(unload() == 0, "rmmod: the unload succeeds with sm0 attached and nothing open");
	iterations++;
	ok(st_sh("/sbin/ip link set sm0 down && /sbin/ip link set sm0 up && "
		 "/sbin/ip link show sm0 | grep -q UP") == 0, "rmmod: sm0 works as a plain device again");
	stuck += load(1) != 0;

	ok(stuck == 0 && module_live(), "rmmod: the module is loaded and live at the end");
	st_sh("/sbin/ip link del sm0");
	ok(st_settled(idle), "rmmod: nothing open and live_objects %ld, as at the start", idle);
	return st_end(iterations);
}
