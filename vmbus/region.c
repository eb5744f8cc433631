// SPDX-License-Identifier: MIT
/*
 * The region is a memfd the host creates and seals before the guest sees it:
 * F_SEAL_SHRINK so the guest cannot truncate it under the host's mapping (a SIGBUS in the
 * host), F_SEAL_GROW so its size is the one both computed, F_SEAL_SEAL so nobody adds
 * F_SEAL_WRITE/FUTURE_WRITE later and takes write access away from the host.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include "region.h"

#define REQUIRED_SEALS (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)

int region_map(int fd, __u64 size, void **map)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	if (p == MAP_FAILED)
		return -errno;
	*map = p;
	return 0;
}

int region_create(__u64 size, int *fd_out, void **map)
{
	int fd, err;

	fd = memfd_create("xvs-vmbus", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)size) < 0 || fcntl(fd, F_ADD_SEALS, REQUIRED_SEALS) < 0) {
		err = -errno;
		goto fail;
	}
	err = region_map(fd, size, map);
	if (err)
		goto fail;
	*fd_out = fd;
	return 0;
fail:
	close(fd);
	return err;
}

/* The target of /proc/self/fd/N, which names what kind of file the fd is. */
static bool fd_link_starts(int fd, const char *prefix)
{
	char path[64], link[128];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return false;
	link[n] = 0;
	return strncmp(link, prefix, strlen(prefix)) == 0;
}

enum vmbus_violation region_verify(int fd, __u64 size)
{
	struct stat st;
	int seals;

	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || !fd_link_starts(fd, "/memfd:"))
		return VMBUS_V_REGION_TYPE;
	seals = fcntl(fd, F_GET_SEALS);
	if (seals < 0 || (seals & REQUIRED_SEALS) != REQUIRED_SEALS)
		return VMBUS_V_REGION_SEALS;
	if ((__u64)st.st_size != size)
		return VMBUS_V_REGION_SIZE;
	return VMBUS_V_NONE;
}

bool doorbell_is_eventfd(int fd)
{
	return fd_link_starts(fd, "anon_inode:[eventfd]");
}

bool doorbell_is_pipe_reader(int fd)
{
	struct stat st;
	int fl = fcntl(fd, F_GETFL);

	return fl >= 0 && (fl & O_ACCMODE) == O_RDONLY && fstat(fd, &st) == 0 &&
	       S_ISFIFO(st.st_mode);
}
