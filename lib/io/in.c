/* Buffered, non-seeking input, or a regular file mapped. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "in.h"

enum { IN_BUFSZ = 1 << 18 };

/* A mapped file is handed out this much at a time: the reader's queue of
 * records, and the checks that the file did not shrink, go by it. */
enum { MAP_CHUNK = 1 << 20 };

/* Mapped pieces waiting for a tap that runs behind the reading. */
enum { BEHIND_QUEUE = 64 };

/* A tap's own thread (ad_in_set_tap_behind): mapped bytes stay valid until
 * the file is closed, so the tap can see them later, off the reading's
 * path; the thread takes the queued pieces in order. */
struct behind {
	int on;               /* the tap may run behind */
	int started;          /* the thread runs (lock and cond set up) */
	int failed;           /* it could not start: the tap runs inline */
	int stop;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;  /* a piece queued or done, or stop */
	const unsigned char *p[BEHIND_QUEUE];
	size_t n[BEHIND_QUEUE];
	size_t head, count;   /* queued pieces, the first at head; a piece
	                         leaves the queue once its tap has run */
};

struct ad_in {
	int fd;
	int owns_fd;          /* 0 for stdin */
	int seekable;         /* a regular file: it can be read again */
	off_t start;          /* its offset when opened (stdin may be past 0) */
	unsigned char *buf;
	size_t pos, len;      /* unread bytes are buf[pos..len) */
	uint64_t consumed;    /* bytes handed out so far */
	uint64_t nread;       /* offset in the file read up to */
	int64_t size_at_open; /* a regular file's size when opened; -1 else */
	char *name;
	int map_tried;        /* a regular file is mapped at most once */
	unsigned char *map_base; /* the mapped file, from offset 0 */
	size_t map_size;
	const unsigned char *map; /* where reading went on in it */
	size_t map_len;       /* bytes from map on; pos counts from map */
	size_t map_checked;   /* bytes from map seen to be still in the file */
	size_t map_dropped;   /* bytes from map_base given back (madvise) */
	int handed_map;       /* the last ad_in_next handed out mapped bytes */
	int hold_map;         /* mapped pages are given back only on request
	                         (ad_in_release_before), not as reading goes on */
	ad_in_tap_fn tap;     /* sees every byte read, or NULL */
	void *tap_ctx;
	int mem;              /* bytes in memory (map, map_len), no file */
	void *mem_owned;      /* ...freed at close, or NULL: borrowed */
	struct behind behind;
};


/* Notes whether in is a regular file, and where reading starts in it. */
static void note_seekable(struct ad_in *in)
{
	struct stat sb;

	in->seekable = fstat(in->fd, &sb) == 0 && S_ISREG(sb.st_mode) &&
	    (in->start = lseek(in->fd, 0, SEEK_CUR)) >= 0;
}

/* The size of the regular file open on fd, or -1 for anything else. */
static int64_t regular_size(int fd)
{
	struct stat st;

	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		return -1;
	return (int64_t)st.st_size;
}

enum ad_status ad_in_open(struct ad_in **in, const char *path,
    struct ad_error *err)
{
	int use_stdin = path == NULL || strcmp(path, "-") == 0;
	const char *name = use_stdin ? "<stdin>" : path;
	struct ad_in *r = ad_calloc(1, sizeof *r);

	if (r == NULL)
		return ad_error_nomem(err);
	r->name = ad_strndup(name, strlen(name));
	r->buf = ad_malloc(IN_BUFSZ);
	if (r->name == NULL || r->buf == NULL) {
		ad_in_close(r);
		return ad_error_nomem(err);
	}
	r->size_at_open = -1;
	if (use_stdin) {
		r->fd = STDIN_FILENO;
	} else {
		r->fd = open(path, O_RDONLY | O_CLOEXEC);
		if (r->fd < 0) {
			int e = errno;
			ad_error_sys(err, e, path, "cannot open");
			ad_in_close(r);
			return AD_EIO;
		}
		r->owns_fd = 1;
		r->size_at_open = regular_size(r->fd);
	}
	note_seekable(r);
	*in = r;
	return AD_OK;
}

/* ---- a tap behind the reading ---- */

static void *behind_main(void *arg)
{
	struct ad_in *in = arg;
	struct behind *b = &in->behind;

	pthread_mutex_lock(&b->lock);
	for (;;) {
		const unsigned char *p;
		size_t n;

		while (b->count == 0 && !b->stop)
			pthread_cond_wait(&b->cond, &b->lock);
		if (b->count == 0)
			break;
		p = b->p[b->head];
		n = b->n[b->head];
		/* the tap changes only once the queue is empty */
		pthread_mutex_unlock(&b->lock);
		in->tap(in->tap_ctx, p, n);
		pthread_mutex_lock(&b->lock);
		b->head = (b->head + 1) % BEHIND_QUEUE;
		b->count--;
		pthread_cond_broadcast(&b->cond);
	}
	pthread_mutex_unlock(&b->lock);
	return NULL;
}

/* Waits until the tap has seen every piece queued. */
static void behind_drain(struct ad_in *in)
{
	struct behind *b = &in->behind;

	if (!b->started)
		return;
	pthread_mutex_lock(&b->lock);
	while (b->count > 0)
		pthread_cond_wait(&b->cond, &b->lock);
	pthread_mutex_unlock(&b->lock);
}

/* Ends the thread, once it has seen every piece. */
static void behind_stop(struct ad_in *in)
{
	struct behind *b = &in->behind;

	if (!b->started)
		return;
	pthread_mutex_lock(&b->lock);
	b->stop = 1;
	pthread_cond_broadcast(&b->cond);
	pthread_mutex_unlock(&b->lock);
	pthread_join(b->thread, NULL);
	pthread_cond_destroy(&b->cond);
	pthread_mutex_destroy(&b->lock);
	b->started = 0;
	b->stop = 0;
}

static int behind_start(struct ad_in *in)
{
	struct behind *b = &in->behind;

	if (pthread_mutex_init(&b->lock, NULL) != 0)
		return -1;
	if (pthread_cond_init(&b->cond, NULL) != 0) {
		pthread_mutex_destroy(&b->lock);
		return -1;
	}
	b->head = b->count = 0;
	if (pthread_create(&b->thread, NULL, behind_main, in) != 0) {
		pthread_cond_destroy(&b->cond);
		pthread_mutex_destroy(&b->lock);
		return -1;
	}
	b->started = 1;
	return 0;
}

/* Passes mapped bytes to the tap: on its thread when it runs behind (a
 * thread that cannot start leaves it inline, only slower). */
static void tap_mapped(struct ad_in *in, const unsigned char *p, size_t n)
{
	struct behind *b = &in->behind;

	if (!b->on || b->failed || (!b->started && behind_start(in) != 0)) {
		b->failed = b->on;
		in->tap(in->tap_ctx, p, n);
		return;
	}
	pthread_mutex_lock(&b->lock);
	while (b->count == BEHIND_QUEUE)
		pthread_cond_wait(&b->cond, &b->lock);
	b->p[(b->head + b->count) % BEHIND_QUEUE] = p;
	b->n[(b->head + b->count) % BEHIND_QUEUE] = n;
	b->count++;
	pthread_cond_broadcast(&b->cond);
	pthread_mutex_unlock(&b->lock);
}

const char *ad_in_name(const struct ad_in *in)
{
	return in->name;
}

/* Reads up to n bytes into dst, bypassing the buffer (the tap still sees
 * them); *got is 0 at end of input. */
static enum ad_status read_direct(struct ad_in *in, unsigned char *dst,
    size_t n, size_t *got, struct ad_error *err)
{
	ssize_t r;

	do
		r = read(in->fd, dst, n > SSIZE_MAX ? SSIZE_MAX : n);
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		int e = errno;
		ad_error_sys(err, e, in->name, "read error");
		return AD_EIO;
	}
	/* A file cut short under us (a log rotated by truncation, say) would
	 * otherwise pass for a shorter input, its last row maybe half there. */
	if (r == 0 && n > 0 && in->size_at_open >= 0 &&
	    in->nread < (uint64_t)in->size_at_open)
		return ad_error_at(err, AD_EIO, in->name, 0, 0, "file shrank "
		    "while being read (%llu of %lld bytes)",
		    (unsigned long long)in->nread,
		    (long long)in->size_at_open);
	in->nread += (size_t)r;
	*got = (size_t)r;
	if (in->tap != NULL && r > 0) {
		behind_drain(in);       /* bytes in order */
		in->tap(in->tap_ctx, dst, (size_t)r);
	}
	return AD_OK;
}

/* Reads more bytes after the unread ones; *n is 0 at end of input. */
static enum ad_status fill(struct ad_in *in, size_t *n, struct ad_error *err)
{
	enum ad_status st;

	if (in->pos > 0) {
		memmove(in->buf, in->buf + in->pos, in->len - in->pos);
		in->len -= in->pos;
		in->pos = 0;
	}
	st = read_direct(in, in->buf + in->len, IN_BUFSZ - in->len, n, err);
	if (st == AD_OK)
		in->len += *n;
	return st;
}

/* The error of a file found shorter than when it was opened. */
static enum ad_status shrank(const struct ad_in *in, off_t now,
    struct ad_error *err)
{
	return ad_error_at(err, AD_EIO, in->name, 0, 0, "file shrank "
	    "while being read (%llu of %lld bytes)",
	    (unsigned long long)now, (long long)in->size_at_open);
}

/* Maps the rest of a regular file, once its buffer is used up, sparing
 * read()'s copy; a file that cannot be mapped (a file system without mmap)
 * goes on being read. Only ad_in_next maps: a binary stream read with
 * ad_in_read gains nothing, its large reads bypassing the buffer. */
static enum ad_status map_rest(struct ad_in *in, struct ad_error *err)
{
	struct stat sb;
	off_t at;
	void *m;

	in->map_tried = 1;
	if (!in->seekable || (at = lseek(in->fd, 0, SEEK_CUR)) < 0 ||
	    fstat(in->fd, &sb) != 0)
		return AD_OK;
	if (in->size_at_open >= 0 && sb.st_size < in->size_at_open)
		return shrank(in, sb.st_size, err);
	if (sb.st_size <= at || (uint64_t)sb.st_size > SIZE_MAX)
		return AD_OK;
	/* a mapping starts at a page: map from 0, go on from at */
	m = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, in->fd, 0);
	if (m == MAP_FAILED)
		return AD_OK;
	(void)madvise(m, (size_t)sb.st_size, MADV_SEQUENTIAL);
	in->map_base = m;
	in->map_size = (size_t)sb.st_size;
	in->map = in->map_base + at;
	in->map_len = (size_t)(sb.st_size - at);
	in->map_checked = 0;
	in->map_dropped = 0;
	if (in->size_at_open < 0)
		in->size_at_open = sb.st_size;
	in->pos = in->len = 0;
	return AD_OK;
}

static void unmap(struct ad_in *in)
{
	behind_drain(in);       /* the tap may still read the mapped bytes */
	if (in->map_base != NULL)
		munmap(in->map_base, in->map_size);
	in->map_base = NULL;
	in->map = NULL;
	in->pos = in->len = 0;
}

/* A mapped file cut short under us would fault on its lost pages, and would
 * otherwise pass for a shorter input: before bytes up to end are touched,
 * the file's size is checked (once a MiB, for small reads). */
static enum ad_status map_check(struct ad_in *in, size_t end,
    struct ad_error *err)
{
	struct stat sb;

	if (end <= in->map_checked)
		return AD_OK;
	if (fstat(in->fd, &sb) != 0 || sb.st_size >= in->size_at_open) {
		in->map_checked = end - in->pos < MAP_CHUNK ?
		    in->pos + MAP_CHUNK : end;
		if (in->map_checked > in->map_len)
			in->map_checked = in->map_len;
		return AD_OK;
	}
	return shrank(in, sb.st_size, err);
}

/* Gives back the whole mapped pages below offset upto of the mapping. */
static void drop_below(struct ad_in *in, size_t upto)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	if (page == 0 || page == (size_t)-1)
		return;
	upto = upto / page * page;
	if (upto > in->map_dropped) {
		(void)madvise(in->map_base + in->map_dropped,
		    upto - in->map_dropped, MADV_DONTNEED);
		in->map_dropped = upto;
	}
}

/* Drops from the process the mapped pages more than two pieces behind
 * pos, so resident memory stays flat on a large file. The mapping is
 * private and never written: a page touched again (a slice kept long, a
 * seek back) is only read in again from the page cache. */
static void map_release(struct ad_in *in)
{
	size_t behind;

	if (in->map_base == NULL)
		return;
	behind = (size_t)(in->map - in->map_base) + in->pos;
	if (in->hold_map || behind < 3 * (size_t)MAP_CHUNK)
		return;
	drop_below(in, behind - 2 * (size_t)MAP_CHUNK);
}

/* Hands out up to max bytes of a mapped file, through the tap. */
static enum ad_status map_take(struct ad_in *in, size_t max,
    const unsigned char **data, size_t *len, struct ad_error *err)
{
	size_t n = in->map_len - in->pos;
	enum ad_status st;

	if (n > max)
		n = max;
	if (n > 0 && (st = map_check(in, in->pos + n, err)) != AD_OK)
		return st;
	*data = in->map + in->pos;
	*len = n;
	if (in->tap != NULL && n > 0)
		tap_mapped(in, *data, n);
	in->pos += n;
	in->consumed += n;
	map_release(in);
	return AD_OK;
}

int ad_in_ready(const struct ad_in *in)
{
	struct pollfd p = { .fd = in->fd, .events = POLLIN };

	if (in->seekable || in->map != NULL || in->pos < in->len)
		return 1;
	return poll(&p, 1, 0) != 0;
}

void ad_in_hold_map(struct ad_in *in)
{
	in->hold_map = 1;
}

void ad_in_release_before(struct ad_in *in, const unsigned char *p)
{
	if (in->map_base == NULL || p < in->map_base ||
	    p > in->map_base + in->map_size)
		return;
	drop_below(in, (size_t)(p - in->map_base));
}

int ad_in_stable(const struct ad_in *in)
{
	return in->handed_map;
}

void ad_in_set_tap(struct ad_in *in, ad_in_tap_fn fn, void *ctx)
{
	behind_drain(in);
	in->tap = fn;
	in->tap_ctx = ctx;
	in->behind.on = 0;
}

void ad_in_set_tap_behind(struct ad_in *in, ad_in_tap_fn fn, void *ctx)
{
	ad_in_set_tap(in, fn, ctx);
	in->behind.on = 1;
}

void ad_in_tap_wait(struct ad_in *in)
{
	behind_drain(in);
}

enum ad_status ad_in_peek(struct ad_in *in, size_t want,
    const unsigned char **data, size_t *len, struct ad_error *err)
{
	size_t n = 1;
	enum ad_status st;

	if (want > IN_BUFSZ)
		want = IN_BUFSZ;
	if (in->map != NULL) {
		*len = in->map_len - in->pos < want ? in->map_len - in->pos : want;
		*data = in->map + in->pos;
		return *len > 0 ? map_check(in, in->pos + *len, err) : AD_OK;
	}
	while (in->len - in->pos < want && n > 0)
		if ((st = fill(in, &n, err)) != AD_OK)
			return st;
	*data = in->buf + in->pos;
	*len = in->len - in->pos;
	if (*len > want)
		*len = want;
	return AD_OK;
}

enum ad_status ad_in_next(struct ad_in *in, const unsigned char **data,
    size_t *len, struct ad_error *err)
{
	size_t n;
	enum ad_status st;

	in->handed_map = 0;
	if (in->map == NULL && !in->map_tried && in->pos == in->len &&
	    (st = map_rest(in, err)) != AD_OK)
		return st;
	if (in->map != NULL) {
		in->handed_map = 1;
		return map_take(in, MAP_CHUNK, data, len, err);
	}
	if (in->pos == in->len) {
		in->pos = in->len = 0;
		if ((st = fill(in, &n, err)) != AD_OK)
			return st;
	}
	*data = in->buf + in->pos;
	*len = in->len - in->pos;
	in->consumed += *len;
	in->pos = in->len;
	return AD_OK;
}

enum ad_status ad_in_read(struct ad_in *in, void *buf, size_t n, size_t *got,
    struct ad_error *err)
{
	unsigned char *dst = buf;
	size_t done = 0, more;
	enum ad_status st;

	if (in->map != NULL) {
		const unsigned char *p;

		if ((st = map_take(in, n, &p, got, err)) == AD_OK && *got > 0)
			memcpy(buf, p, *got);
		return st;
	}
	while (done < n) {
		size_t avail = in->len - in->pos;

		if (avail == 0 && n - done >= IN_BUFSZ) {
			/* a large read goes straight to buf, sparing a copy */
			if ((st = read_direct(in, dst + done, n - done, &more,
			    err)) != AD_OK)
				return st;
			if (more == 0)
				break;
			in->consumed += more;
			done += more;
			continue;
		}
		if (avail == 0) {
			if ((st = fill(in, &more, err)) != AD_OK)
				return st;
			if (more == 0)
				break;
			continue;
		}
		if (avail > n - done)
			avail = n - done;
		memcpy(dst + done, in->buf + in->pos, avail);
		in->pos += avail;
		in->consumed += avail;
		done += avail;
	}
	*got = done;
	return AD_OK;
}

uint64_t ad_in_offset(const struct ad_in *in)
{
	return in->consumed;
}

int ad_in_seekable(const struct ad_in *in)
{
	return in->seekable;
}

enum ad_status ad_in_seek(struct ad_in *in, uint64_t offset,
    struct ad_error *err)
{
	if (!in->seekable || offset > (uint64_t)INT64_MAX - (uint64_t)in->start)
		return ad_error_at(err, AD_EIO, in->name, 0, 0,
		    "cannot read the input again");
	unmap(in);              /* reading goes on with read() */
	if (lseek(in->fd, in->start + (off_t)offset, SEEK_SET) < 0) {
		int e = errno;
		return ad_error_sys(err, e, in->name, "cannot read again");
	}
	in->pos = in->len = 0;
	in->consumed = offset;
	in->nread = (uint64_t)in->start + offset;
	return AD_OK;
}

void ad_in_close(struct ad_in *in)
{
	if (in == NULL)
		return;
	behind_stop(in);
	unmap(in);
	if (in->owns_fd)
		close(in->fd);
	ad_free(in->buf);
	ad_free(in->name);
	ad_free(in->mem_owned);
	ad_free(in);
}

enum ad_status ad_in_open_mem(struct ad_in **in, const void *data,
    size_t len, int take, struct ad_error *err)
{
	struct ad_in *r = ad_calloc(1, sizeof *r);

	if (r == NULL || (r->name = ad_strndup("<memory>", 8)) == NULL) {
		ad_free(r);
		if (take)
			ad_free((void *)data);
		return ad_error_nomem(err);
	}
	/* read as a mapped file is, its size never changing */
	r->fd = -1;
	r->mem = 1;
	r->mem_owned = take ? (void *)data : NULL;
	r->map_tried = 1;
	r->map = data != NULL ? data : (const unsigned char *)"";
	r->map_len = r->map_checked = len;
	r->size_at_open = (int64_t)len;
	*in = r;
	return AD_OK;
}

enum ad_status ad_in_open_fd(struct ad_in **in, int fd, struct ad_error *err)
{
	struct ad_in *r;
	enum ad_status st;

	/* stdin's stream, its descriptor swapped for fd */
	if ((st = ad_in_open(&r, "-", err)) != AD_OK) {
		close(fd);
		return st;
	}
	r->fd = fd;
	r->owns_fd = 1;
	note_seekable(r);
	*in = r;
	return AD_OK;
}
