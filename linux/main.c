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
 *
 * mmap maps the whole requested range at once (vm_insert_page on each page of the region) rather
 * than on fault: the region is allocated in full when the port is registered anyway, and mapping
 * up front keeps page faults out of the packet path.  The pages stay valid for as long as the
 * mapping exists, even after the fd is closed and the region freed, because every inserted page
 * holds a reference.
 */
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/poll.h>

#include <linux/mm.h>
#include <linux/vmalloc.h>

#include <linux/proc_fs.h>
#include <linux/seq_file.h>

#include "../core/file.h"
#include "../core/counters.h"
#include "../core/mem.h"
#include "../core/port.h"
#include "../core/vale.h"
#include "generic.h"

static atomic_t nm_open_files = ATOMIC_INIT(0);

static int nm_open(struct inode *inode, struct file *file)
{
	struct nm_file *nf = nm_file_new();

	if (!nf)
		return -ENOMEM;
	nf->os_file = file;
	file->private_data = nf;
	atomic_inc(&nm_open_files);
	return 0;
}

static int nm_release(struct inode *inode, struct file *file)
{
	nm_file_release(file->private_data);
	atomic_dec(&nm_open_files);
	return 0;
}

/* Control requests run under the control lock; syncs never take it. */
static long nm_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct nm_file *nf = file->private_data;
	long err;

	switch (cmd) {
	case NIOCTXSYNC:
		return nm_file_sync(nf, NM_TX);
	case NIOCRXSYNC:
		return nm_file_sync(nf, NM_RX);
	case NIOCCTRL:
		nm_os_ctrl_lock();
		err = nm_ctrl_ioctl(nf, arg, &nm_requests);
		nm_os_ctrl_unlock();
		/* A SYNC_KLOOP_START this thread just made runs its loop here, without the lock. */
		return err ? err : nm_file_after_ctrl(nf);
	case NIOCREGIF:
	case NIOCGINFO:
		nm_os_ctrl_lock();
		err = nm_ctrl_legacy_ioctl(nf, cmd, arg, &nm_requests);
		nm_os_ctrl_unlock();
		return err;
	default:
		/* EOPNOTSUPP, not ENOTTY: netmap applications expect it (spec §2.3). */
		return -EOPNOTSUPP;
	}
}

struct nm_map_ctx {
	struct vm_area_struct *vma;
	unsigned long uaddr;
};

static int nm_map_piece(void *arg, u64 ofs, void *kaddr, u64 len)
{
	struct nm_map_ctx *ctx = arg;
	u64 done;
	int err;

	for (done = 0; done < len; done += PAGE_SIZE) {
		err = vm_insert_page(ctx->vma, ctx->uaddr, vmalloc_to_page((char *)kaddr + done));
		if (err)
			return err;
		ctx->uaddr += PAGE_SIZE;
	}
	return 0;
}

/* Nothing can be mapped until the fd is bound to a port, nor beyond the region (spec §1.2). */
static int nm_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct nm_mem *mem = nm_file_mem(file->private_data);
	struct nm_map_ctx ctx = { .vma = vma, .uaddr = vma->vm_start };
	u64 ofs = (u64)vma->vm_pgoff << PAGE_SHIFT;
	u64 len = vma->vm_end - vma->vm_start;

	if (!mem || ofs + len > nm_mem_size(mem))
		return -EINVAL;
	vma->vm_flags |= VM_DONTEXPAND | VM_DONTDUMP;
	return nm_mem_map_range(mem, ofs, len, nm_map_piece, &ctx);
}

struct nm_poll_ctx {
	struct file *file;
	poll_table *pt;
};

static void nm_poll_wait(void *arg, struct nm_os_waitq *q)
{
	struct nm_poll_ctx *ctx = arg;

	poll_wait(ctx->file, &q->head, ctx->pt);
}

/* Requested events come from the poll table's key; without a table, all of them (spec §4.8). */
static __poll_t nm_poll(struct file *file, poll_table *wait)
{
	struct nm_poll_ctx ctx = { .file = file, .pt = wait };
	__poll_t req = poll_requested_events(wait), ret = 0;
	unsigned int events = 0, rev;

	if (req & (EPOLLIN | EPOLLRDNORM))
		events |= NM_POLL_IN;
	if (req & (EPOLLOUT | EPOLLWRNORM))
		events |= NM_POLL_OUT;
	rev = nm_file_poll(file->private_data, events, nm_poll_wait, &ctx);
	if (rev & NM_POLL_IN)
		ret |= EPOLLIN | EPOLLRDNORM;
	if (rev & NM_POLL_OUT)
		ret |= EPOLLOUT | EPOLLWRNORM;
	if (rev & NM_POLL_ERR)
		ret |= EPOLLERR;
	return ret;
}

/* Every close() of an fd of the file: one by the process running its sync-kloop stops it. */
static int nm_flush(struct file *file, fl_owner_t id)
{
	nm_file_flush(file->private_data, (u64)(uintptr_t)id);
	return 0;
}

static const struct file_operations nm_fops = {
	.owner = THIS_MODULE,
	.open = nm_open,
	.flush = nm_flush,
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

/* One counter of a table (core/counters.h) on a /proc line: " name value". */
void nm_proc_counter(void *arg, const char *name, u64 value)
{
	seq_printf(arg, " %s %llu", name, value);
}

/* /proc/netmap_vale: one line per VALE port with its counters (spec §11: "no counters"). */
static void nm_vale_show_port(void *arg, const char *name, u32 bridge, u32 port,
			      const struct nm_vale_stats *st)
{
	seq_printf(arg, "%s bridge %u port %u", name, bridge, port);
	nm_counters_each(nm_vale_port_counters, nm_vale_port_ncounters, st, nm_proc_counter, arg);
	seq_putc(arg, '\n');
}

static int nm_vale_show(struct seq_file *m, void *v)
{
	nm_os_ctrl_lock();
	nm_vale_foreach_port(nm_vale_show_port, m);
	nm_os_ctrl_unlock();
	return 0;
}

/*
 * /proc/netmap_rings: one line per ring that exists (has a user), with its users and counters:
 * "<port> <tx|rx><index> users <n> bad_syncs <n> bad_slots <n> skipped <n>" (skipped: frames a
 * monitor ring dropped for lack of room).  Index as in nr_ringid: NIC rings first, then host
 * rings.
 */
static void nm_rings_show_adapter(void *arg, struct nm_adapter *na)
{
	int d;
	u32 i;

	for (d = 0; d < NM_DIRS; d++) {
		for (i = 0; i < nm_adapter_all_rings(na, d); i++) {
			const struct nm_kring *kr = &na->krings[d][i];

			if (!kr->nusers)
				continue;
			seq_printf(arg, "%s %s%u users %u", na->name, d == NM_TX ? "tx" : "rx", i,
				   kr->nusers);
			nm_counters_each(nm_kring_counters, nm_kring_ncounters, kr,
					 nm_proc_counter, arg);
			seq_putc(arg, '\n');
		}
	}
}

static int nm_rings_show(struct seq_file *m, void *v)
{
	nm_os_ctrl_lock();
	nm_adapter_foreach(nm_rings_show_adapter, m);
	nm_os_ctrl_unlock();
	return 0;
}

/*
 * /proc/netmap_mem: one line per allocator, "<id> <global|private>" and then name-value pairs:
 * refs, active (users of its memory), memsize, buf_size, and for each pool (if, ring, buf)
 * <pool>_total, <pool>_free and <pool>_failures (requests refused because the pool ran out - the
 * failure users otherwise only see as ENOMEM).  Readers must accept keys they do not know.
 */
static void nm_mem_show_one(void *arg, const struct nm_mem_usage *u)
{
	int k;

	seq_printf(arg, "%u %s refs %u active %u memsize %llu buf_size %u", u->id,
		   u->priv ? "private" : "global", u->refs, u->active, u->memsize, u->buf_size);
	for (k = 0; k < NM_POOL_KINDS; k++)
		seq_printf(arg, " %s_total %u %s_free %u %s_failures %llu", u->pool[k].name,
			   u->pool[k].total, u->pool[k].name, u->pool[k].nfree, u->pool[k].name,
			   u->pool[k].exhausted);
	seq_putc(arg, '\n');
}

static int nm_mem_show(struct seq_file *m, void *v)
{
	nm_os_ctrl_lock();
	nm_mem_foreach_usage(nm_mem_show_one, m);
	nm_os_ctrl_unlock();
	return 0;
}

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

	err = nm_mem_global_init();
	if (err)
		return err;
	nm_vale_init();
	nm_ports_init();
	if (!proc_create_single("netmap_vale", 0444, NULL, nm_vale_show)) {
		err = -ENOMEM;
		goto fini_ports;
	}
	if (!proc_create_single("netmap_rings", 0444, NULL, nm_rings_show)) {
		err = -ENOMEM;
		goto remove_proc_vale;
	}
	if (!proc_create_single("netmap_mem", 0444, NULL, nm_mem_show)) {
		err = -ENOMEM;
		goto remove_proc_rings;
	}
	err = nm_generic_init();
	if (err)
		goto remove_proc_mem;
	err = misc_register(&nm_miscdev);
	if (err) {
		pr_err("netmap: cannot register /dev/netmap (error %d)\n", err);
		goto fini_generic;
	}
	pr_info("netmap: loaded, /dev/netmap ready\n");
	return 0;

fini_generic:
	nm_generic_fini();
remove_proc_mem:
	remove_proc_entry("netmap_mem", NULL);
remove_proc_rings:
	remove_proc_entry("netmap_rings", NULL);
remove_proc_vale:
	remove_proc_entry("netmap_vale", NULL);
fini_ports:
	nm_ports_fini();
	nm_vale_fini();
	nm_mem_global_fini();
	return err;
}

static void __exit nm_module_exit(void)
{
	long leaked;

	misc_deregister(&nm_miscdev);
	nm_os_ctrl_lock();
	nm_vale_detach_devices();
	nm_os_ctrl_unlock();
	nm_generic_fini();
	remove_proc_entry("netmap_mem", NULL);
	remove_proc_entry("netmap_rings", NULL);
	remove_proc_entry("netmap_vale", NULL);
	nm_ports_fini();
	nm_vale_fini();
	nm_mem_global_fini();
	leaked = nm_os_live_objects();
	WARN(leaked != 0, "netmap: %ld objects leaked at unload\n", leaked);
	pr_info("netmap: unloaded\n");
}

module_init(nm_module_init);
module_exit(nm_module_exit);

MODULE_DESCRIPTION("netmap: fast packet I/O through shared rings (API 14)");
MODULE_LICENSE("Dual BSD/GPL");
