/* Output committed atomically: a temporary renamed into place. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "in.h"
#include "out.h"

enum { OUT_BUFSZ = 1 << 17, RESERVE_MAX = 1 << 16 };

struct ad_out {
	int fd;
	int is_stdout;
	int in_place;         /* device or FIFO: written directly */
	int spill;            /* anonymous temporary */
	char *tmp_path;       /* mkstemp fallback: the visible temporary */
	char *path;           /* target, NULL for stdout and spills */
	char *name;
	char *buf;
	size_t len;
	ad_out_tap_fn tap;     /* sees every byte written, or NULL */
	void *tap_ctx;
	int mem;              /* bytes kept in memory, no file */
	char *mem_p;          /* ...flushed there */
	size_t mem_len, mem_cap;
};

static void out_free(struct ad_out *out)
{
	ad_free(out->mem_p);
	ad_free(out->buf);
	ad_free(out->tmp_path);
	ad_free(out->path);
	ad_free(out->name);
	ad_free(out);
}

static struct ad_out *out_new(const char *name)
{
	struct ad_out *o = ad_calloc(1, sizeof *o);

	if (o == NULL)
		return NULL;
	o->fd = -1;
	o->name = ad_strndup(name, strlen(name));
	o->buf = ad_malloc(OUT_BUFSZ);
	if (o->name == NULL || o->buf == NULL) {
		out_free(o);
		return NULL;
	}
	return o;
}

/* The directory part of path, for a temporary beside it. */
static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return ad_strndup(".", 1);
	return ad_strndup(path, slash == path ? 1 : (size_t)(slash - path));
}

/* Opens a temporary beside the target: unnamed if the file system can, so
 * that nothing is left even after SIGKILL; else a hidden mkstemp file. */
static enum ad_status open_temp(struct ad_out *o, struct ad_error *err)
{
	char *dir = dir_of(o->path);
	size_t n;

	if (dir == NULL)
		return ad_error_nomem(err);
	o->fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666);
	if (o->fd >= 0) {
		ad_free(dir);
		return AD_OK;
	}
	n = strlen(o->path) + 16;
	o->tmp_path = ad_malloc(n);
	if (o->tmp_path == NULL) {
		ad_free(dir);
		return ad_error_nomem(err);
	}
	{
		const char *base = strrchr(o->path, '/');
		base = base ? base + 1 : o->path;
		snprintf(o->tmp_path, n, "%s/.%s.XXXXXX", dir, base);
	}
	ad_free(dir);
	o->fd = mkostemp(o->tmp_path, O_CLOEXEC);
	if (o->fd < 0) {
		int e = errno;
		ad_free(o->tmp_path);
		o->tmp_path = NULL;
		ad_error_sys(err, e, o->name, "cannot create");
		return AD_EIO;
	}
	{
		mode_t mask = umask(0);
		umask(mask);
		fchmod(o->fd, 0666 & ~mask);
	}
	return AD_OK;
}

/* Follows symlinks from path to the file they name, which need not exist;
 * a link into /proc (such as /dev/stderr) is kept as it is, for writing in
 * place. *real is allocated. */
static enum ad_status resolve_link(const char *path, char **real,
    struct ad_error *err)
{
	char *cur = ad_strndup(path, strlen(path)), *next;
	struct stat sb;

	for (int hops = 0; cur != NULL; hops++) {
		char target[4096];
		ssize_t n;
		size_t len;

		if (hops == 40)
			return ad_error_at(err, AD_EIO, path, 0, 0,
			    "too many levels of symbolic links");
		if (lstat(cur, &sb) != 0 || !S_ISLNK(sb.st_mode) ||
		    (n = readlink(cur, target, sizeof target - 1)) <= 0)
			break;
		target[n] = '\0';
		if (strncmp(target, "/proc/", 6) == 0)
			break;
		if (target[0] == '/') {
			next = ad_strndup(target, strlen(target));
		} else {
			char *dir = dir_of(cur);
			len = (dir ? strlen(dir) : 0) + (size_t)n + 2;
			next = dir ? ad_malloc(len) : NULL;
			if (next != NULL)
				snprintf(next, len, "%s/%s", dir, target);
			ad_free(dir);
		}
		ad_free(cur);
		cur = next;
	}
	if (cur == NULL)
		return ad_error_nomem(err);
	*real = cur;
	return AD_OK;
}

enum ad_status ad_out_open(struct ad_out **out, const char *path,
    struct ad_error *err)
{
	int use_stdout = path == NULL || strcmp(path, "-") == 0 ||
	    strcmp(path, "/dev/stdout") == 0;
	struct ad_out *o = out_new(use_stdout ? "<stdout>" : path);
	struct stat sb;
	enum ad_status st;

	if (o == NULL)
		return ad_error_nomem(err);
	if (use_stdout) {
		o->fd = STDOUT_FILENO;
		o->is_stdout = 1;
		*out = o;
		return AD_OK;
	}
	/* A symlink is written through: its target, existing or not, is what
	 * gets replaced. */
	if ((st = resolve_link(path, &o->path, err)) != AD_OK) {
		out_free(o);
		return st;
	}
	if (strncmp(o->path, "/proc/", 6) == 0 ||
	    (stat(o->path, &sb) == 0 && !S_ISREG(sb.st_mode))) {
		o->in_place = 1;
		o->fd = open(path, O_WRONLY | O_CLOEXEC);
		if (o->fd < 0) {
			int e = errno;
			ad_error_sys(err, e, path, "cannot open");
			out_free(o);
			return AD_EIO;
		}
		*out = o;
		return AD_OK;
	}
	if ((st = open_temp(o, err)) != AD_OK) {
		out_free(o);
		return st;
	}
	*out = o;
	return AD_OK;
}

enum ad_status ad_out_open_spill(struct ad_out **out, struct ad_error *err)
{
	const char *dir = getenv("TMPDIR");
	struct ad_out *o = out_new("<spill>");

	if (o == NULL)
		return ad_error_nomem(err);
	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	o->spill = 1;
	o->fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (o->fd < 0) {
		size_t n = strlen(dir) + 24;
		char *tmpl = ad_malloc(n);
		if (tmpl == NULL) {
			out_free(o);
			return ad_error_nomem(err);
		}
		snprintf(tmpl, n, "%s/.adkit-spill.XXXXXX", dir);
		o->fd = mkostemp(tmpl, O_CLOEXEC);
		if (o->fd >= 0)
			unlink(tmpl);
		ad_free(tmpl);
	}
	if (o->fd < 0) {
		int e = errno;
		out_free(o);
		ad_error_sys(err, e, dir, "cannot create a temporary file");
		return AD_EIO;
	}
	*out = o;
	return AD_OK;
}

enum ad_status ad_out_open_mem(struct ad_out **out, struct ad_error *err)
{
	struct ad_out *o = out_new("<memory>");

	if (o == NULL)
		return ad_error_nomem(err);
	o->spill = 1;
	o->mem = 1;
	*out = o;
	return AD_OK;
}

const char *ad_out_name(const struct ad_out *out)
{
	return out->name;
}

/* Writes all of data to fd, retrying short writes and EINTR. */
static enum ad_status write_all(struct ad_out *o, const char *data, size_t n,
    struct ad_error *err)
{
	if (o->tap != NULL && n > 0)
		o->tap(o->tap_ctx, (const unsigned char *)data, n);
	while (n > 0) {
		ssize_t w = write(o->fd, data, n);
		if (w < 0) {
			int e = errno;
			if (e == EINTR)
				continue;
			if (e == EPIPE)
				return ad_error_set(err, AD_EPIPE, "broken pipe");
			ad_error_sys(err, e, o->name, "write error");
			return AD_EIO;
		}
		data += w;
		n -= (size_t)w;
	}
	return AD_OK;
}

/* Appends data[0..n) to a memory output's bytes. */
static enum ad_status keep_all(struct ad_out *o, const char *data, size_t n,
    struct ad_error *err)
{
	char *p;

	if (o->tap != NULL && n > 0)
		o->tap(o->tap_ctx, (const unsigned char *)data, n);
	if (n == 0)
		return AD_OK;
	if ((p = ad_grow(o->mem_p, &o->mem_cap, o->mem_len + n, 1)) == NULL)
		return ad_error_nomem(err);
	o->mem_p = p;
	memcpy(o->mem_p + o->mem_len, data, n);
	o->mem_len += n;
	return AD_OK;
}

static enum ad_status flush(struct ad_out *o, struct ad_error *err)
{
	enum ad_status st = o->mem ? keep_all(o, o->buf, o->len, err) :
	    write_all(o, o->buf, o->len, err);

	o->len = 0;
	return st;
}

void ad_out_set_tap(struct ad_out *out, ad_out_tap_fn fn, void *ctx)
{
	out->tap = fn;
	out->tap_ctx = ctx;
}

enum ad_status ad_out_flush(struct ad_out *out, struct ad_error *err)
{
	return flush(out, err);
}

enum ad_status ad_out_write(struct ad_out *out, const void *data, size_t n,
    struct ad_error *err)
{
	enum ad_status st;

	if (out->len + n > OUT_BUFSZ) {
		if ((st = flush(out, err)) != AD_OK)
			return st;
		if (n >= OUT_BUFSZ)
			return out->mem ? keep_all(out, data, n, err) :
			    write_all(out, data, n, err);
	}
	memcpy(out->buf + out->len, data, n);
	out->len += n;
	return AD_OK;
}

enum ad_status ad_out_reserve(struct ad_out *out, size_t n, char **p,
    struct ad_error *err)
{
	enum ad_status st;

	if (n > RESERVE_MAX)
		return ad_error_set(err, AD_EIO, "internal: reserve too large");
	if (out->len + n > OUT_BUFSZ && (st = flush(out, err)) != AD_OK)
		return st;
	*p = out->buf + out->len;
	return AD_OK;
}

void ad_out_commit(struct ad_out *out, size_t n)
{
	out->len += n;
}

enum ad_status ad_out_spill_to_in(struct ad_out *out, struct ad_in **in,
    struct ad_error *err)
{
	enum ad_status st;
	int fd;

	if ((st = flush(out, err)) != AD_OK)
		return st;
	if (out->mem) {
		char *p = out->mem_p;
		size_t n = out->mem_len;

		out->mem_p = NULL;
		out->mem_len = out->mem_cap = 0;
		return ad_in_open_mem(in, p, n, 1, err);
	}
	fd = dup(out->fd);
	if (fd < 0 || lseek(fd, 0, SEEK_SET) < 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return ad_error_sys(err, e, "<spill>", "cannot reread");
	}
	return ad_in_open_fd(in, fd, err);
}

/* Gives the finished temporary its name: link the unnamed file straight to
 * the target when it does not exist yet, else link it beside and rename. */
static enum ad_status publish(struct ad_out *o, struct ad_error *err)
{
	char proc[64], *side;
	size_t n;
	int e;

	if (o->tmp_path != NULL) {
		if (rename(o->tmp_path, o->path) == 0)
			return AD_OK;
		e = errno;
		unlink(o->tmp_path);
		ad_error_sys(err, e, o->name, "cannot rename into place");
		return AD_EIO;
	}
	snprintf(proc, sizeof proc, "/proc/self/fd/%d", o->fd);
	if (linkat(AT_FDCWD, proc, AT_FDCWD, o->path, AT_SYMLINK_FOLLOW) == 0)
		return AD_OK;
	if (errno != EEXIST) {
		e = errno;
		ad_error_sys(err, e, o->name, "cannot create");
		return AD_EIO;
	}
	n = strlen(o->path) + 32;
	if ((side = ad_malloc(n)) == NULL)
		return ad_error_nomem(err);
	for (unsigned i = 0;; i++) {
		snprintf(side, n, "%s.%ld.%u.tmp", o->path, (long)getpid(), i);
		if (linkat(AT_FDCWD, proc, AT_FDCWD, side, AT_SYMLINK_FOLLOW) == 0)
			break;
		if (errno != EEXIST || i == 100) {
			e = errno;
			ad_free(side);
			ad_error_sys(err, e, o->name, "cannot create");
			return AD_EIO;
		}
	}
	if (rename(side, o->path) != 0) {
		e = errno;
		unlink(side);
		ad_free(side);
		ad_error_sys(err, e, o->name, "cannot rename into place");
		return AD_EIO;
	}
	ad_free(side);
	return AD_OK;
}

enum ad_status ad_out_close(struct ad_out *out, struct ad_error *err)
{
	enum ad_status st = flush(out, err);

	if (st == AD_OK && !out->is_stdout && !out->in_place && !out->spill)
		st = publish(out, err);
	if (out->fd >= 0 && close(out->fd) != 0 && st == AD_OK) {
		int e = errno;
		if (e == EPIPE)
			st = ad_error_set(err, AD_EPIPE, "broken pipe");
		else
			st = ad_error_sys(err, e, out->name, "write error");
	}
	out->fd = -1;
	if (st != AD_OK && out->tmp_path != NULL)
		unlink(out->tmp_path);
	out_free(out);
	return st;
}

void ad_out_abort(struct ad_out *out)
{
	if (out == NULL)
		return;
	if (out->tmp_path != NULL)
		unlink(out->tmp_path);
	if (out->fd >= 0 && !out->is_stdout)
		close(out->fd);
	out_free(out);
}
