/*
 * Opening and closing /dev/netmap many times leaks nothing; an unbound fd refuses what needs a
 * binding with the spec's errno values (§1.1, §1.2, §2.3, §4.8).
 */
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../t.h"

#define NMSYS "/sys/class/misc/netmap/"

int main(void)
{
	long objs0 = t_read_long(NMSYS "live_objects");
	long files0 = t_read_long(NMSYS "open_files");
	int i, fd, bad = 0;

	ok(objs0 >= 0 && files0 == 0, "counters readable at start (objects %ld, files %ld)", objs0, files0);

	for (i = 0; i < 1000; i++) {
		fd = open("/dev/netmap", O_RDWR);
		if (fd < 0 || close(fd) != 0)
			bad++;
	}
	ok(bad == 0, "1000 open/close cycles succeed (%d failed)", bad);
	ok(t_read_long(NMSYS "live_objects") == objs0, "live objects back to %ld after 1000 cycles", objs0);
	ok(t_read_long(NMSYS "open_files") == 0, "no open files after 1000 cycles");

	fd = open("/dev/netmap", O_RDWR);
	ok(fd >= 0, "open /dev/netmap");
	ok(t_read_long(NMSYS "open_files") == 1, "open_files counts the open fd");
	ok(t_read_long(NMSYS "live_objects") == objs0 + 1, "an open fd holds exactly one object");

	ok_errno(ioctl(fd, 0x12345678, 0), EOPNOTSUPP, "unknown ioctl");
	ok_errno(ioctl(fd, _IO('i', 200), 0), EOPNOTSUPP, "unknown netmap-type ioctl");
	ok(mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED && errno == EINVAL,
	   "mmap on an unbound fd fails with EINVAL");
	{
		struct pollfd pfd = { .fd = fd, .events = POLLIN | POLLOUT };
		int n = poll(&pfd, 1, 100);

		ok(n == 1 && (pfd.revents & POLLERR), "poll on an unbound fd reports POLLERR at once");
	}
	{
		char c;

		ok(read(fd, &c, 1) == -1, "read is not supported");
		ok(write(fd, &c, 1) == -1, "write is not supported");
	}
	close(fd);
	ok(t_read_long(NMSYS "live_objects") == objs0, "closing frees the fd's object");
	return t_exit();
}
