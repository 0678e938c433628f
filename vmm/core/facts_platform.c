/*
 * facts_platform.c - the host's NUMA layout and device-passthrough plumbing.
 *
 * NUMA: how many memory nodes the host has (/sys/devices/system/node, the
 * kernel's node list) decides what `kvmlab run --numa-node N` can show: on
 * one node, binding guest RAM with mbind(2) succeeds but cannot move it
 * anywhere else.  Passthrough: a device can be given to a guest only through
 * an IOMMU (Intel VT-d, AMD-Vi) that confines its DMA; Linux exposes IOMMU
 * groups under /sys/kernel/iommu_groups and VFIO, the user-space driver a VMM
 * uses to own such a group, as /dev/vfio/vfio (Documentation/driver-api/vfio.rst).
 * SR-IOV capable devices show sriov_totalvfs in sysfs (Documentation/PCI/pci-iov-howto.rst).
 * These are host facts with the path each came from; nothing here opens a device.
 */
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kvmlab.h"

/* Entries of dir whose name starts with prefix and continues with a digit (node0, 12, ...); -1 if unreadable. */
static int count_entries(const char *dir, const char *prefix)
{
	DIR *d = opendir(dir);
	size_t n = strlen(prefix);
	int count = 0;

	if (!d)
		return -1;
	for (struct dirent *e; (e = readdir(d));)
		if (!strncmp(e->d_name, prefix, n) && e->d_name[n] >= '0' && e->d_name[n] <= '9')
			count++;
	closedir(d);
	return count;
}

/* PCI devices with an SR-IOV capability (a sriov_totalvfs file). */
static int count_sriov(void)
{
	DIR *d = opendir("/sys/bus/pci/devices");
	char path[512];
	int count = 0;

	if (!d)
		return -1;
	for (struct dirent *e; (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%.200s/sriov_totalvfs", e->d_name);
		count += access(path, F_OK) == 0;
	}
	closedir(d);
	return count;
}

void facts_platform(struct host_facts *hf)
{
	int nodes = count_entries("/sys/devices/system/node", "node");
	if (nodes > 0)
		facts_set_int(hf, "numa.nodes", nodes, "/sys/devices/system/node/node*");
	else
		facts_set_unknown(hf, "numa.nodes", FACT_INT, "/sys/devices/system/node unreadable (no CONFIG_NUMA?)");
	facts_set_bool(hf, "vfio", access("/dev/vfio/vfio", F_OK) == 0, "/dev/vfio/vfio exists (the VFIO container)");
	int groups = count_entries("/sys/kernel/iommu_groups", "");
	facts_set_int(hf, "iommu.groups", groups > 0 ? groups : 0,
		      groups >= 0 ? "/sys/kernel/iommu_groups/* (0: no IOMMU enabled)" : "/sys/kernel/iommu_groups absent");
	/* The IOMMU hardware units: dmar0, ivhd0, ... (any name) */
	DIR *d = opendir("/sys/class/iommu");
	int units = 0;
	if (d) {
		for (struct dirent *e; (e = readdir(d));)
			units += e->d_name[0] != '.';
		closedir(d);
	}
	facts_set_int(hf, "iommu.units", units, "/sys/class/iommu/* (dmar*: Intel VT-d, ivhd*: AMD-Vi)");
	int sriov = count_sriov();
	facts_set_int(hf, "sriov.devices", sriov > 0 ? sriov : 0, "/sys/bus/pci/devices/*/sriov_totalvfs");
}
