/* SPDX-License-Identifier: MIT */
/* The shared region (a sealed memfd) and the doorbell fds: creation and checks (internal). */
#ifndef XVS_VMBUS_REGION_H
#define XVS_VMBUS_REGION_H

#include "vmbus.h"

/* Host: a memfd of `size` bytes, sealed against shrinking, growing and further sealing, mapped
 * shared. 0 or -errno. */
int region_create(__u64 size, int *fd, void **map);
/* Guest: VMBUS_V_NONE if fd is a memfd of exactly `size` bytes carrying the seals, else why
 * not. */
enum vmbus_violation region_verify(int fd, __u64 size);
int region_map(int fd, __u64 size, void **map);

/* Guest: is fd an eventfd (the guest -> host doorbell) / the read end of a pipe (host ->
 * guest)? */
bool doorbell_is_eventfd(int fd);
bool doorbell_is_pipe_reader(int fd);

#endif
