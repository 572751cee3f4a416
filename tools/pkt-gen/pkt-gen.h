/*
 * pkt-gen.h -- shared declarations of pkt-gen, the netmap traffic generator and sink.
 *
 * pkt-gen is split by concept: pkt-gen.c has main(), the port set-up, the worker threads and the
 * reporting loop; options.c parses the command line; packet.c builds and checks frames (Ethernet,
 * IPv4/IPv6, UDP, sequence markers, checksums); report.c formats numbers, the periodic line, the
 * JSON lines and the final report; txrx.c has the tx, rx, txseq and rxseq loops over netmap rings;
 * pingpong.c the ping and pong loops; altport.c the ports that are not netmap ports (null, tap,
 * pcap).  Everything global lives in one struct glob; every worker thread has a struct targ.
 * Counters a worker publishes are read by the main thread with relaxed atomics.
 */
#ifndef PKT_GEN_H
#define PKT_GEN_H

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <libnetmap.h>

/* Functions (-f). */
enum pg_fn { FN_RX, FN_TX, FN_PING, FN_PONG, FN_TXSEQ, FN_RXSEQ };

/* What -i names. */
enum pg_kind { KIND_NETMAP, KIND_NULL, KIND_TAP, KIND_PCAP };

/* -o bits. */
#define OPT_PREFETCH	1
#define OPT_ACCESS	2
#define OPT_COPY	4
#define OPT_MEMCPY	8
#define OPT_TS		16
#define OPT_INDIRECT	32
#define OPT_DUMP	64
#define OPT_RUBBISH	256
#define OPT_RANDOM_SRC	512
#define OPT_RANDOM_DST	1024
#define OPT_PPS_STATS	2048
#define OPT_UPDATE_CSUM	4096

/* Exit statuses. */
#define PG_EXIT_OK	0
#define PG_EXIT_ERROR	1	/* bad usage, a port that cannot be opened, a poll error */
#define PG_EXIT_TRAFFIC	2	/* rx/rxseq: -n not reached, loss, reordering or corruption */

#define PG_MAX_THREADS	64
#define PG_MAX_LEN	65536	/* -l upper bound */
#define PG_FRAMING	24	/* preamble, inter-frame gap and CRC, counted with -B */
#define PG_NO_SPACE	99999	/* min_space when no ring space was sampled */
#define PG_NONE		UINT64_MAX

typedef unsigned __int128 pg_u128;

/* An address range from -s/-d: addresses as 128-bit integers (IPv4 in the low 32 bits). */
struct addr_range {
	pg_u128 start, end, cur;
	uint16_t port0, port1, pcur;
};

/* A MAC range from -S/-D, as 48-bit integers. */
struct mac_range {
	uint64_t start, end, cur;
};

/* Payload marker written by txseq, ping and -o 16: lets rxseq and ping identify packets. */
#define PG_MARK_MAGIC	0x5047u		/* "PG" */
#define PG_MARK_LEN	16

/*
 * One thread's packet: a private copy of the template frame and the state that changes from one
 * packet to the next.  frame holds vhdr bytes of virtio-net header and then the Ethernet frame.
 */
struct pkt {
	uint8_t *frame;
	int vhdr;		/* virtio-net header bytes in front of the Ethernet header */
	int len;		/* current Ethernet frame length */
	int minlen, maxlen;	/* equal unless a second -l asked for random lengths */
	int l3, l4, pay;	/* offsets from the Ethernet header: IP, UDP, UDP payload */
	int v6;
	int raw;		/* frame from a pcap file: sent as it is */
	int marker;		/* write a PG_MARK_LEN marker at pay */
	int varies;		/* leading bytes of vhdr+frame that change per packet; 0: none */
	int hdr_dirty;		/* headers must be rewritten for every packet */
	uint64_t csum_const;	/* ones' sum of the payload after the marker, at maxlen */
	struct addr_range src, dst;
	struct mac_range smac, dmac;
	int rnd_src, rnd_dst;
	uint64_t rng;		/* xorshift state */
};

/* What a worker publishes; the main thread reads it with relaxed atomic loads. */
struct pg_ctrs {
	uint64_t pkts, bytes, events;
	uint64_t lost, reordered, corrupt;	/* rxseq, ping */
	uint64_t foreign;			/* rxseq: other traffic, ignored */
	uint32_t min_space;
};

struct glob;

/* Per-TX-ring state of a sender: which buffer holds a full copy of the frame. */
struct txring_state {
	uint32_t *known;	/* buf_idx last filled with the whole frame, per slot */
	uint8_t *ibuf;		/* -I: per-slot user copies of the frame, or NULL */
};

struct targ {
	struct glob *g;
	int id;
	struct nmport_d *nmd;	/* this thread's port (g->nmd itself with one thread) */
	int fd;
	int affinity;		/* CPU, or -1 */
	pthread_t tid;
	int started;
	int done;		/* set (atomically) when the worker has finished */
	int failed;		/* the worker stopped on an error */
	int idle_exit;		/* rx stopped by -W */
	int have_tic;
	struct timespec tic, toc;
	struct pg_ctrs ctr;	/* published copy */
	struct pkt pkt;
	uint64_t txk;		/* packets prepared so far (txseq: before --test-skip/swap) */
	int ready;		/* pkt holds a prepared packet not yet sent */
	int cur_len;		/* its Ethernet length */
	struct txring_state *txs;
	int ntxs;
	uint8_t *scratch;	/* gathers multi-slot packets */
	/* rxseq: next sequence number expected per stream */
	uint32_t *expect;
	/* ping RTT statistics (ns) */
	uint64_t rtt_count, rtt_sum, rtt_min;
	/* the tap/pcap handle of altport.c */
	int alt_fd;
	void *alt_pcap;
	struct pg_kloop *kloop;	/* --kloop: kloop.c's state, NULL otherwise */
};

struct glob {
	enum pg_fn fn;
	const char *fn_name;
	enum pg_kind kind;
	char ifname[512];	/* port spec after normalisation */
	const char *altname;	/* tap or pcap interface name */
	uint64_t npkts;		/* -n, 0 = forever */
	int nlens, lens[2];	/* -l given once or twice */
	int len, minlen;
	int burst, burst_set;
	int nthreads;
	int cpus, cpus_set, affinity, system_cpus;
	int report_ms;
	int wait_link, wait_set;
	double tx_rate;
	int af;			/* 4 or 6 */
	const char *src_arg, *dst_arg, *smac_arg, *dmac_arg;
	struct addr_range src, dst;
	struct mac_range smac, dmac;
	int frags, frag_size, frag_size_set;	/* after set-up: max slots and bytes per slot */
	int vhdr_req;		/* -H, -1 if not given */
	int vhdr;		/* the port's header length */
	const char *pcap_file;
	int options;
	int verbose;
	int idle_exit;		/* -W */
	int framing;		/* -B: PG_FRAMING, else 0 */
	int normalize;		/* 0 with -N */
	int conf[4], nconf;	/* -C */
	int json;
	int kloop, kloop_eventfd;	/* --kloop given; with eventfd (else sleep) */
	int kloop_direct;		/* --kloop direct: eventfd, and both direct modes */
	uint32_t kloop_sleep_us;
	uint64_t test_skip, test_swap;	/* txseq test aids, PG_NONE if unused */
	uint32_t buf_size;
	uint64_t remaining;	/* -n packets not yet claimed by a thread (atomic) */
	struct nmport_d *nmd;
	struct targ *targs;
	struct pkt tmpl;	/* the template every thread copies */
	int tmpl_len;		/* bytes allocated in tmpl.frame */
};

/* Set by SIGINT/SIGTERM: every loop checks it. */
extern volatile sig_atomic_t pg_stop;

/* kloop.c: --kloop (CSB mode driven by a sync-kloop) */
int pg_kloop_open(struct targ *t);
void pg_kloop_close(struct targ *t);
void pg_kloop_publish(struct targ *t);
int pg_kloop_wait(struct targ *t, short events, int timeout_ms);

/* options.c */
int pg_parse_args(struct glob *g, int argc, char **argv);
void pg_usage(FILE *f);
uint64_t pg_parse_count(const char *s, const char *what);

/* packet.c */
int pkt_parse_addr_range(const char *arg, int af, struct addr_range *r);
int pkt_parse_mac_range(const char *arg, struct mac_range *r);
int pkt_build(struct glob *g);
int pkt_thread_init(struct pkt *p, const struct glob *g, int id);
void pkt_thread_fini(struct pkt *p);
int pkt_update(struct pkt *p, uint32_t stream, uint32_t seq, uint64_t ts_ns);
#define PKT_OK		0
#define PKT_CORRUPT	(-1)
#define PKT_FOREIGN	1
int pkt_check(const uint8_t *eth, int len, uint32_t *stream, uint32_t *seq, uint64_t *ts);
void pkt_swap_addrs(uint8_t *eth, int len);
void pkt_dump(const char *what, const uint8_t *buf, int len, int ring, int slot);
int pkt_min_len(const struct glob *g);

/* report.c */
struct pg_totals {
	uint64_t pkts, bytes, events, lost, reordered, corrupt, foreign;
	uint32_t min_space;
};
const char *pg_norm(char *buf, size_t size, double val, int normalize);
void pg_stats_window(struct glob *g, double pps, char *out, size_t size);
void pg_json_periodic(const struct glob *g, const struct pg_totals *cur,
		      const struct pg_totals *delta, uint64_t usec);
void pg_final_report(const struct glob *g, const struct pg_totals *tot, double seconds);

/* txrx.c */
void *pg_tx_body(void *arg);
void *pg_rx_body(void *arg);
int pg_tx_state_init(struct targ *t);
void pg_tx_state_fini(struct targ *t);
int pg_poll_fd(struct targ *t, short events, int timeout_ms);
void pg_sync(struct targ *t, unsigned long cmd);
uint64_t pg_reserve(struct glob *g, uint64_t want);
void pg_unreserve(struct glob *g, uint64_t n);
int pg_budget_left(struct glob *g);
void pg_pace(uint64_t *next_ns, uint64_t period_ns);
uint64_t pg_tx_period(const struct glob *g, int *burst);
int pg_prepare(struct targ *t);
int pg_rx_frame(struct targ *t, struct pg_ctrs *c, const uint8_t *data, int len, int ring,
		int slot);
void pg_tx_flush(struct targ *t);

/* pingpong.c */
void *pg_ping_body(void *arg);
void *pg_pong_body(void *arg);

/* altport.c */
int alt_check(const struct glob *g);
int alt_open(struct glob *g, struct targ *t);
void alt_close(struct targ *t);
void *alt_tx_body(void *arg);
void *alt_rx_body(void *arg);
int pg_load_pcap_file(struct glob *g, uint8_t **frame, int *len);

/* pkt-gen.c helpers shared with the workers */
uint64_t pg_now_ns(void);
void pg_publish(struct targ *t, const struct pg_ctrs *c);
void pg_sample_space(struct targ *t, uint32_t space);
void pg_mark_start(struct targ *t);
void pg_mark_end(struct targ *t, int idle);
void pg_set_affinity(struct targ *t);

#endif /* PKT_GEN_H */
