/* SPDX-License-Identifier: MIT */
/*
 * AF_XDP multi-buffer (Linux 6.6) names that Debian 12's linux-libc-dev (6.1) lacks. The values
 * are the kernel's UAPI (include/uapi/linux/if_xdp.h): a bind flag and a descriptor option bit.
 * An older kernel refuses the bind flag with EINVAL; xvsd then binds without it.
 */
#ifndef XVS_IF_XDP_COMPAT_H
#define XVS_IF_XDP_COMPAT_H

#include <linux/if_xdp.h>

#ifndef XDP_USE_SG
#define XDP_USE_SG (1 << 4)            /* bind: frames may span several umem frames */
#endif
#ifndef XDP_PKT_CONTD
#define XDP_PKT_CONTD (1 << 0)         /* xdp_desc.options: the frame goes on in the next one */
#endif

#endif
