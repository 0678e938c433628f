/*
 * numa.c - guest RAM bound to one NUMA node: --numa-node N.
 *
 * On a NUMA host memory is attached to sockets, and a vCPU reads memory of
 * its own node faster than a remote one.  libvirt's <numatune><memory
 * mode='strict' nodeset='N'/> and numactl --membind do for a VM what this
 * file does for kvmlab's RAM slot: mbind(2) with MPOL_BIND before the guest
 * touches a page, so every page the host allocates for it comes from node N
 * (MPOL_MF_STRICT | MPOL_MF_MOVE also moves any page already there).  After
 * the run, move_pages(2) with no target nodes asks where each resident page
 * is.  A one-node host can show that the binding is accepted and every page
 * is on node 0; it cannot show a page moving or a remote access costing more.
 */
#include <errno.h>
#include <linux/mempolicy.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kvmlab.h"

#define NUMA_NODE_BITS   1024           /* nodes a mask can name; far beyond any host */
#define NUMA_QUERY_PAGES (1u << 18)     /* pages asked about after the run: the first 1 GiB */
#define MPOL_NODE_WORDS  (NUMA_NODE_BITS / (8 * sizeof(unsigned long)))

int numa_node_exists(int node)
{
	char path[64];

	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d", node);
	return node >= 0 && node < NUMA_NODE_BITS && access(path, F_OK) == 0;
}

int numa_bind(const struct mem_slot *s, int node, char *err, size_t errlen)
{
	unsigned long mask[MPOL_NODE_WORDS] = { 0 };

	mask[node / (8 * sizeof(unsigned long))] = 1UL << (node % (8 * sizeof(unsigned long)));
	/* maxnode counts bits plus one (mbind(2) BUGS: the kernel uses maxnode - 1). */
	if (syscall(SYS_mbind, s->hva, s->map_size, MPOL_BIND, mask, NUMA_NODE_BITS + 1,
		    MPOL_MF_STRICT | MPOL_MF_MOVE) != 0) {
		snprintf(err, errlen, "--numa-node %d: mbind(MPOL_BIND) of guest RAM: %s", node, strerror(errno));
		return XC_HOST;
	}
	return XC_OK;
}

int numa_where(const struct mem_slot *s, int node, struct numa_count *out)
{
	uint64_t n = s->size / 4096;

	memset(out, 0, sizeof(*out));
	if (n > NUMA_QUERY_PAGES)
		n = NUMA_QUERY_PAGES;
	void **pages = malloc(n * sizeof(*pages));
	int *status = malloc(n * sizeof(*status));
	if (!pages || !status) {
		free(pages);
		free(status);
		return -1;
	}
	for (uint64_t i = 0; i < n; i++)
		pages[i] = s->hva + i * 4096;
	/* nodes == NULL: move nothing, report each page's node or -ENOENT (move_pages(2)). */
	long rc = syscall(SYS_move_pages, 0, (unsigned long)n, pages, NULL, status, 0);
	if (rc == 0) {
		out->asked = n;
		for (uint64_t i = 0; i < n; i++) {
			if (status[i] < 0)
				continue;       /* -ENOENT: never touched, no host page */
			out->resident++;
			out->on_node += status[i] == node;
		}
	}
	free(pages);
	free(status);
	return rc == 0 ? 0 : -1;
}
