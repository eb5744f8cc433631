// SPDX-License-Identifier: MIT
/* The one-line error message, where state lives, and the lock between xvs processes. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include "libxvs.h"

static __thread char errbuf[512];
static __thread char warnbuf[512];

const char *xvs_warning(void)
{
	return warnbuf[0] ? warnbuf : NULL;
}

void xvs_warn(const char *fmt, ...)
{
	va_list ap;

	warnbuf[0] = '\0';
	if (!fmt)
		return;
	va_start(ap, fmt);
	vsnprintf(warnbuf, sizeof(warnbuf), fmt, ap);
	va_end(ap);
}

const char *xvs_errmsg(void)
{
	return errbuf[0] ? errbuf : "unknown error";
}

int xvs_fail(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(errbuf, sizeof(errbuf), fmt, ap);
	va_end(ap);
	return err;
}

static const char *env_or(const char *var, const char *dflt)
{
	const char *v = getenv(var);

	return v && *v ? v : dflt;
}

const char *xvs_root_dir(void)
{
	return env_or("XVS_ROOT", XVS_ROOT_DEFAULT);
}

const char *xvs_run_dir(void)
{
	return env_or("XVS_RUN", XVS_RUN_DEFAULT);
}

int xvs_lock(void)
{
	char path[512];
	int fd;

	if (mkdir(xvs_run_dir(), 0755) && errno != EEXIST)
		return xvs_fail(-errno, "cannot create %s: %s", xvs_run_dir(), strerror(errno));
	snprintf(path, sizeof(path), "%s/lock", xvs_run_dir());
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return xvs_fail(-errno, "cannot open %s: %s", path, strerror(errno));
	if (flock(fd, LOCK_EX)) {
		int err = -errno;

		close(fd);
		return xvs_fail(err, "cannot lock %s: %s", path, strerror(-err));
	}
	return fd;
}

void xvs_unlock(int lock_fd)
{
	if (lock_fd >= 0)
		close(lock_fd);
}
