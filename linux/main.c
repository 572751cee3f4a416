/*
 * linux/main.c - the netmap module: registers /dev/netmap (a misc device, mode 0600) and routes its
 * file operations to the core.  It also owns the module-wide counters under
 * /sys/class/misc/netmap/ that tests use to prove nothing leaks:
 *
 *   open_files    file descriptors currently open on /dev/netmap
 *   live_objects  objects the core has allocated and not yet freed (core/os.h)
 *
 * The module cannot be unloaded while a file is open: fops.owner makes every open hold a module
 * reference.  At unload, any object still allocated is a bug and is reported with WARN, which the
 * guest test harness treats as a failure.
 */
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/poll.h>

#include "../core/os.h"

/* Per-file state.  It grows into the core's binding (port, rings, netmap_if) with REGISTER. */
struct nm_file {
	int unused;
};

static atomic_t nm_open_files = ATOMIC_INIT(0);

static int nm_open(struct inode *inode, struct file *file)
{
	struct nm_file *nf = nm_os_malloc(sizeof(*nf));

	if (!nf)
		return -ENOMEM;
	file->private_data = nf;
	atomic_inc(&nm_open_files);
	return 0;
}

static int nm_release(struct inode *inode, struct file *file)
{
	nm_os_free(file->private_data);
	atomic_dec(&nm_open_files);
	return 0;
}

/* Unknown commands give EOPNOTSUPP, not ENOTTY: netmap applications expect it (spec §2.3). */
static long nm_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	return -EOPNOTSUPP;
}

/* Nothing is mapped until the fd is bound to a port (spec §1.2). */
static int nm_mmap(struct file *file, struct vm_area_struct *vma)
{
	return -EINVAL;
}

/* An unbound fd reports POLLERR at once (spec §4.8). */
static __poll_t nm_poll(struct file *file, poll_table *wait)
{
	return EPOLLERR;
}

static const struct file_operations nm_fops = {
	.owner = THIS_MODULE,
	.open = nm_open,
	.release = nm_release,
	.unlocked_ioctl = nm_ioctl,
	.compat_ioctl = nm_ioctl,
	.mmap = nm_mmap,
	.poll = nm_poll,
	.llseek = noop_llseek,
};

static ssize_t open_files_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&nm_open_files));
}
static DEVICE_ATTR_RO(open_files);

static ssize_t live_objects_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%ld\n", nm_os_live_objects());
}
static DEVICE_ATTR_RO(live_objects);

static struct attribute *nm_attrs[] = {
	&dev_attr_open_files.attr,
	&dev_attr_live_objects.attr,
	NULL,
};
ATTRIBUTE_GROUPS(nm);

static struct miscdevice nm_miscdev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "netmap",
	.fops = &nm_fops,
	.mode = 0600,
	.groups = nm_groups,
};

static int __init nm_module_init(void)
{
	int err;

	err = misc_register(&nm_miscdev);
	if (err) {
		pr_err("netmap: cannot register /dev/netmap (error %d)\n", err);
		return err;
	}
	pr_info("netmap: loaded, /dev/netmap ready\n");
	return 0;
}

static void __exit nm_module_exit(void)
{
	long leaked;

	misc_deregister(&nm_miscdev);
	leaked = nm_os_live_objects();
	WARN(leaked != 0, "netmap: %ld objects leaked at unload\n", leaked);
	pr_info("netmap: unloaded\n");
}

module_init(nm_module_init);
module_exit(nm_module_exit);

MODULE_DESCRIPTION("netmap: fast packet I/O through shared rings (API 14)");
MODULE_LICENSE("Dual BSD/GPL");
