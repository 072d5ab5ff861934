/* An LD_PRELOAD shim for tests/bats/io-faults.bats: read() hands out at most
 * one byte and fails with EINTR every other call, the worst a kernel may do
 * (a pipe, a slow device, a signal). With ADKIT_SHIM_TRUNCATE=PATH or
 * ADKIT_SHIM_UNLINK=PATH, that file is truncated to half its size, or
 * deleted, once its first bytes have been read: a file changed mid-read.
 * Test code: its state is global on purpose. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static unsigned long calls;
static int changed;

/* Truncates or deletes the named file once, after a first read of it. */
static void change_file(int fd)
{
	const char *t = getenv("ADKIT_SHIM_TRUNCATE");
	const char *u = getenv("ADKIT_SHIM_UNLINK");
	struct stat a, b;

	if (changed || (t == NULL && u == NULL))
		return;
	if (fstat(fd, &a) != 0 || stat(t ? t : u, &b) != 0 ||
	    a.st_ino != b.st_ino || a.st_dev != b.st_dev)
		return;
	changed = 1;
	if (t != NULL)
		(void)truncate(t, b.st_size / 2);
	else
		(void)unlink(u);
}

ssize_t read(int fd, void *buf, size_t n)
{
	static ssize_t (*real_read)(int, void *, size_t);
	ssize_t got;

	if (real_read == NULL)
		real_read = (ssize_t (*)(int, void *, size_t))dlsym(RTLD_NEXT,
		    "read");
	if (++calls % 2 == 0) {
		errno = EINTR;
		return -1;
	}
	got = real_read(fd, buf, n > 1 ? 1 : n);
	if (got > 0)
		change_file(fd);
	return got;
}
