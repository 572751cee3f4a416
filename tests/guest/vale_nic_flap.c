/*
 * A device going down and up while it is attached to and detached from a switch, over and over
 * (core/vale_nic.c, linux/generic.c's netdevice notifier).  Going down stops the device's rings
 * and wakes them, and a wake-up of an attached ring kicks the attachment's work: the notifier
 * must never kick an attachment DETACH has freed.  One child toggles IFF_UP on fl0 (SIOCSIFFLAGS,
 * what `ip link set fl0 down/up` does), another sends frames into fl0 from netmap:fl1, and an
 * ephemeral VALE port sends broadcasts across the switch, while this process repeats
 * VALE_ATTACH vale0:fl0 / VALE_DETACH vale0:fl0.  Every answer must be 0, EBUSY or ENXIO, and
 * both must succeed many times; the runner checks the kernel log.
 */
#include <signal.h>
#include <sys/wait.h>

#include "generic.h"

#define A "fl0"
#define B "fl1"
#define SECONDS		10	/* of attach/detach */
#define FLAP_PAUSE_US	2000	/* between two toggles: rtnl is free for ATTACH meanwhile */
#define PORT		"vale0:" A
#define SRC		"vale0:fls"

static int errno_ok(int e)
{
	return e == 0 || e == EBUSY || e == ENXIO;
}

static int ctrl(int fd, uint16_t type, const char *name, void *body)
{
	struct nmreq_header h;

	nm_hdr_init(&h, type, name, body);
	return ioctl(fd, NIOCCTRL, &h) ? errno : 0;
}

/* Counters the children update (shared memory). */
static struct shared {
	volatile unsigned long toggles, toggle_errors, frames, ready;
} *sh_cnt;

/* Child: toggles IFF_UP on A until killed. */
static void flapper(void)
{
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM, 0);

	for (;;) {
		memset(&ifr, 0, sizeof(ifr));
		strcpy(ifr.ifr_name, A);
		if (ioctl(s, SIOCGIFFLAGS, &ifr) == 0) {
			ifr.ifr_flags ^= IFF_UP;
			if (ioctl(s, SIOCSIFFLAGS, &ifr) == 0)
				sh_cnt->toggles++;
			else
				sh_cnt->toggle_errors++;
		} else {
			sh_cnt->toggle_errors++;
		}
		usleep(FLAP_PAUSE_US);
	}
}

/*
 * Child: frames into A from netmap:B, until killed.  Holding B open also keeps the global
 * allocator active, which every ATTACH would otherwise set up and tear down again (slow).
 */
static void sender(void)
{
	struct nmport p;
	struct netmap_ring *t;
	uint32_t seq = 0;

	nm_open_or_die(&p, B, NR_REG_ALL_NIC, 0, 0);
	t = NETMAP_TXRING(p.nifp, 0);
	sh_cnt->ready = 1;
	for (;;) {
		seq += tx_frames(t, seq, 16, 60);
		ioctl(p.fd, NIOCTXSYNC);
		sh_cnt->frames = seq;
		usleep(1000);
	}
}

static pid_t spawn(void (*fn)(void))
{
	pid_t pid = fork();

	if (pid == 0) {
		fn();
		_exit(0);
	}
	return pid;
}

int main(void)
{
	struct nmreq_vale_attach att;
	struct nmreq_vale_detach det;
	struct nmport src;
	unsigned long att_ok = 0, att_busy = 0, det_ok = 0, det_busy = 0, cycles = 0, bad = 0;
	int fd, last_bad = 0, last_op = 0, e;
	pid_t kids[2];
	double end;

	if (veth_pair(A, B, NULL)) {
		ok(0, "create veth pair " A "/" B);
		return t_exit();
	}
	sh_cnt = mmap(NULL, sizeof(*sh_cnt), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		      -1, 0);
	fd = open("/dev/netmap", O_RDWR);
	nm_open_or_die(&src, SRC, NR_REG_ALL_NIC, 0, 0);
	kids[1] = spawn(sender);
	for (e = 0; e < 600 && !sh_cnt->ready; e++)
		usleep(100000);
	ok(sh_cnt->ready, "a child sends frames into " A " from netmap:" B);
	kids[0] = spawn(flapper);

	end = now_s() + SECONDS;
	while (now_s() < end) {
		struct netmap_ring *t = NETMAP_TXRING(src.nifp, 0);

		memset(&att, 0, sizeof(att));
		att.reg.nr_mode = NR_REG_ALL_NIC;
		e = ctrl(fd, NETMAP_REQ_VALE_ATTACH, PORT, &att);
		if (e == 0)
			att_ok++;
		else if (errno_ok(e))
			att_busy++;
		else
			bad++, last_bad = e, last_op = 0;
		/* Broadcasts across the switch: they go out to the device port's rings. */
		if (nm_ring_space(t) >= 4) {
			tx_frames(t, (uint32_t)cycles * 4, 4, 60);
			ioctl(src.fd, NIOCTXSYNC);
		}
		memset(&det, 0, sizeof(det));
		e = ctrl(fd, NETMAP_REQ_VALE_DETACH, PORT, &det);
		if (e == 0)
			det_ok++;
		else if (errno_ok(e))
			det_busy++;
		else
			bad++, last_bad = e, last_op = 1;
		cycles++;
	}
	kill(kids[0], SIGKILL);
	kill(kids[1], SIGKILL);
	waitpid(kids[0], NULL, 0);
	waitpid(kids[1], NULL, 0);
	sh("/sbin/ip link set " A " up");
	/* Whatever the last round left, take it off. */
	memset(&det, 0, sizeof(det));
	ctrl(fd, NETMAP_REQ_VALE_DETACH, PORT, &det);

	printf("# %lu cycles: ATTACH %lu ok, %lu EBUSY/ENXIO; DETACH %lu ok, %lu EBUSY/ENXIO; %lu toggles of IFF_UP (%lu failed), %lu frames sent by " B "\n",
	       cycles, att_ok, att_busy, det_ok, det_busy, sh_cnt->toggles, sh_cnt->toggle_errors,
	       sh_cnt->frames);
	ok(sh_cnt->toggles > 2 * att_ok, "the device went down and up throughout (%lu toggles)",
	   sh_cnt->toggles);
	ok(bad == 0, "every ATTACH/DETACH answers 0, EBUSY or ENXIO (%lu others; last: %s %s)", bad,
	   last_op ? "DETACH" : "ATTACH", last_bad ? strerror(last_bad) : "-");
	ok(att_ok > 0 && det_ok > 0, "ATTACH succeeded %lu times, DETACH %lu times", att_ok, det_ok);
	ok(det_ok == att_ok, "every successful ATTACH was undone by a successful DETACH");
	nm_close(&src);
	ok(system("grep -q '" A "' /proc/netmap_vale") != 0, "no port of " A " is left on a switch");
	memset(&att, 0, sizeof(att));
	att.reg.nr_mode = NR_REG_ALL_NIC;
	e = ctrl(fd, NETMAP_REQ_VALE_ATTACH, PORT, &att);
	ok(e == 0, "ATTACH works once the device stays up (%s)", e ? strerror(e) : "0");
	memset(&det, 0, sizeof(det));
	e = ctrl(fd, NETMAP_REQ_VALE_DETACH, PORT, &det);
	ok(e == 0, "and DETACH (%s)", e ? strerror(e) : "0");
	close(fd);
	sh("/sbin/ip link del " A);
	return t_exit();
}
