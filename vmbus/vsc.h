/* SPDX-License-Identifier: MIT */
/*
 * The guest side of a synthetic NIC as a C API, for poll-mode programs that talk to the
 * rings directly instead of through xvs-vsc's TAP (link build/libxvs-vmbus.a; -Ivmbus
 * -Iinclude). It is the guest half of vmbus.h; this header names what a guest uses:
 *
 *   struct vmbus_guest_params p;  vmbus_guest_params_default(&p);  p.limits.queues = N;
 *   vmbus_guest_connect("$XVS_RUN/<switch>/<port>.sock", &p, 2000, &g, &err);
 *   vmbus_guest_mac(g, mac, &mtu);            the port's MAC and MTU
 *   vmbus_guest_queues(g)                     queue pairs the host granted (<= the port's)
 *   vmbus_guest_send(g, q, frames, n)         copies frames into TX slots; returns how many
 *   vmbus_guest_recv(g, q, frames, n)         copies frames out of RX slots; returns how many
 *   vmbus_guest_wait(g, q, timeout_ms)        or: vmbus_guest_arm() + epoll on
 *                                             vmbus_guest_doorbell_fd(); a poll-mode program
 *                                             never sleeps
 *   vmbus_guest_free(g)
 *
 * xvsd negotiates no offloads (frames must carry finished checksums) and a max_frame of the
 * port's MTU + 18 (at most 3840). -EPIPE or -ECONNRESET from any call: the channel is over
 * (xvsd restarted, or the port was deleted); connect again. tools/vsc_pps.c is an example.
 */
#ifndef XVS_VSC_H
#define XVS_VSC_H

#include "vmbus.h"

#endif
