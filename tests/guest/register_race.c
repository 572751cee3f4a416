/*
 * A REGISTER that ends in EOPNOTSUPP (an option nobody consumes, spec §5.5 rule 6) must never be
 * seen bound by the lock-free operations on the same fd: while one thread repeats such a
 * REGISTER, others repeat NIOCTXSYNC/NIOCRXSYNC (-1/ENXIO: unbound), poll with a zero timeout
 * (POLLERR alone) and mmap of the region's size (EINVAL).  A success of any of them means the
 * binding was visible before it was undone, and the undo then pulled rings, the netmap_if and
 * maybe the adapter itself from under that operation.  Phase 1 registers a pipe end (its pipe
 * comes and goes with every try), phase 2 an ephemeral VALE port.  Afterwards the fd registers
 * normally and syncs.
 */
#include <pthread.h>
#include <sys/time.h>

#include "nm.h"

#define PHASE_SECONDS	5	/* per phase; two phases */
#define OPT_KINDS	3

struct opts {
	struct nmreq_option unknown;
	struct nmreq_opt_offsets offsets;
	struct nmreq_opt_sync_kloop_mode kmode;	/* a SYNC_KLOOP_START option: REGISTER leaves it */
};

static int fd;
static volatile int stop;
static size_t memsize;

/* What the data-path threads saw. */
static struct {
	unsigned long syncs, sync_ok, sync_other, polls, poll_bad, maps, mapped, map_other;
	int sync_errno, map_errno;
	short poll_revents;
} seen;
static pthread_mutex_t seen_lock = PTHREAD_MUTEX_INITIALIZER;

static double now(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return tv.tv_sec + tv.tv_usec / 1e6;
}

/* One REGISTER of name with option kind k (0 unknown type 1000, 1 OFFSETS, 2 SYNC_KLOOP_MODE);
 * 0 or errno. */
static int bad_register(const char *name, int k, uint32_t *status)
{
	struct nmreq_header h;
	struct nmreq_register reg;
	struct opts o;
	struct nmreq_option *opt;

	memset(&reg, 0, sizeof(reg));
	memset(&o, 0, sizeof(o));
	reg.nr_mode = NR_REG_ALL_NIC;
	nm_hdr_init(&h, NETMAP_REQ_REGISTER, name, &reg);
	o.unknown.nro_reqtype = 1000;
	o.offsets.nro_opt.nro_reqtype = NETMAP_REQ_OPT_OFFSETS;
	o.offsets.nro_opt.nro_size = sizeof(o.offsets);
	o.offsets.nro_max_offset = 64;
	o.kmode.nro_opt.nro_reqtype = NETMAP_REQ_OPT_SYNC_KLOOP_MODE;
	o.kmode.nro_opt.nro_size = sizeof(o.kmode);
	opt = k == 0 ? &o.unknown : k == 1 ? &o.offsets.nro_opt : &o.kmode.nro_opt;
	h.nr_options = (uintptr_t)opt;
	if (ioctl(fd, NIOCCTRL, &h) == 0)
		return 0;
	*status = opt->nro_status;
	return errno;
}

static void *syncer(void *arg)
{
	unsigned long n = 0, okc = 0, other = 0;
	int last = 0;

	(void)arg;
	while (!stop) {
		int r = ioctl(fd, n & 1 ? NIOCRXSYNC : NIOCTXSYNC);

		n++;
		if (r == 0)
			okc++;
		else if (errno != ENXIO)
			other++, last = errno;
	}
	pthread_mutex_lock(&seen_lock);
	seen.syncs += n;
	seen.sync_ok += okc;
	seen.sync_other += other;
	if (last)
		seen.sync_errno = last;
	pthread_mutex_unlock(&seen_lock);
	return NULL;
}

/* poll and mmap, alternately. */
static void *poller_mapper(void *arg)
{
	unsigned long polls = 0, bad = 0, maps = 0, mapped = 0, other = 0;
	short revents = 0;
	int last = 0;

	(void)arg;
	while (!stop) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN | POLLOUT };
		void *m;

		if (poll(&pfd, 1, 0) != 1 || pfd.revents != POLLERR)
			bad++, revents = pfd.revents;
		polls++;
		m = mmap(NULL, memsize, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		maps++;
		if (m != MAP_FAILED) {
			mapped++;
			munmap(m, memsize);
		} else if (errno != EINVAL) {
			other++, last = errno;
		}
	}
	pthread_mutex_lock(&seen_lock);
	seen.polls += polls;
	seen.poll_bad += bad;
	if (bad)
		seen.poll_revents = revents;
	seen.maps += maps;
	seen.mapped += mapped;
	seen.map_other += other;
	if (last)
		seen.map_errno = last;
	pthread_mutex_unlock(&seen_lock);
	return NULL;
}

/* The region size of name, from PORT_INFO_GET (on a scratch fd). */
static size_t region_size(const char *name)
{
	struct nmreq_header h;
	struct nmreq_port_info_get info;
	int f = open("/dev/netmap", O_RDWR);
	size_t size = 0;

	memset(&info, 0, sizeof(info));
	nm_hdr_init(&h, NETMAP_REQ_PORT_INFO_GET, name, &info);
	if (ioctl(f, NIOCCTRL, &h) == 0)
		size = info.nr_memsize;
	close(f);
	return size;
}

static void phase(const char *name)
{
	pthread_t th[2];
	unsigned long tries = 0, wrong = 0, bad_status = 0;
	int last = 0, k;
	double end;

	memsize = region_size(name);
	ok(memsize > 0, "%s: PORT_INFO_GET gives the region size (%zu)", name, memsize);
	if (!memsize)
		memsize = 4096;
	memset(&seen, 0, sizeof(seen));
	stop = 0;
	pthread_create(&th[0], NULL, syncer, NULL);
	pthread_create(&th[1], NULL, poller_mapper, NULL);
	end = now() + PHASE_SECONDS;
	while (now() < end) {
		uint32_t status = 0;
		int err = bad_register(name, tries % OPT_KINDS, &status);

		tries++;
		if (err != EOPNOTSUPP)
			wrong++, last = err;
		else if (status != EOPNOTSUPP)
			bad_status++;
	}
	stop = 1;
	for (k = 0; k < 2; k++)
		pthread_join(th[k], NULL);

	ok(tries > 0 && wrong == 0, "%s: %lu REGISTERs with an unconsumed option, all EOPNOTSUPP (%lu not; last %s)",
	   name, tries, wrong, last ? strerror(last) : "success");
	ok(bad_status == 0, "%s: the option's status is EOPNOTSUPP every time (%lu not)", name,
	   bad_status);
	ok(seen.syncs > 0 && seen.sync_ok == 0 && seen.sync_other == 0,
	   "%s: %lu syncs meanwhile, all -1/ENXIO (%lu returned 0, %lu another errno%s%s)", name,
	   seen.syncs, seen.sync_ok, seen.sync_other, seen.sync_other ? ": " : "",
	   seen.sync_other ? strerror(seen.sync_errno) : "");
	ok(seen.polls > 0 && seen.poll_bad == 0,
	   "%s: %lu polls meanwhile, all POLLERR alone (%lu not; revents 0x%x)", name, seen.polls,
	   seen.poll_bad, seen.poll_revents);
	ok(seen.maps > 0 && seen.mapped == 0 && seen.map_other == 0,
	   "%s: %lu mmaps meanwhile, all EINVAL (%lu mapped while unbound, %lu another errno%s%s)",
	   name, seen.maps, seen.mapped, seen.map_other, seen.map_other ? ": " : "",
	   seen.map_other ? strerror(seen.map_errno) : "");
}

int main(void)
{
	struct nmreq_header h;
	struct nmreq_register reg;
	long live0 = t_read_long(NMSYS "live_objects");

	fd = open("/dev/netmap", O_RDWR);
	ok(fd >= 0, "open /dev/netmap");
	phase("race{1");
	phase("vale0:race");

	memset(&reg, 0, sizeof(reg));
	reg.nr_mode = NR_REG_ALL_NIC;
	nm_hdr_init(&h, NETMAP_REQ_REGISTER, "race{1", &reg);
	errno = 0;
	ok(ioctl(fd, NIOCCTRL, &h) == 0, "the fd then registers race{1 normally (%s)",
	   errno ? strerror(errno) : "0");
	ok(ioctl(fd, NIOCTXSYNC) == 0 && ioctl(fd, NIOCRXSYNC) == 0, "and syncs");
	{
		void *m = mmap(NULL, reg.nr_memsize, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		struct netmap_if *nifp = m == MAP_FAILED ? NULL : NETMAP_IF(m, reg.nr_offset);

		ok(nifp && strcmp(nifp->ni_name, "race{1") == 0 && nifp->ni_tx_rings == 1,
		   "its region maps, with the netmap_if of race{1");
		if (nifp)
			munmap(m, reg.nr_memsize);
	}
	close(fd);
	ok(t_read_long(NMSYS "live_objects") == live0, "live_objects back to %ld", live0);
	return t_exit();
}
