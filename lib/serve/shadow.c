/* ad-serve's shadow scores file: see shadow.h. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "infer.h"
#include "num.h"
#include "shadow.h"

#define HEADER "time,model,version,shadow_version,id,row,label,score," \
	"is_anomaly,challenger,challenger_is_anomaly\n"

struct ad_shadow {
	int fd;
	char *path;
};

/* Writes all of p[0..n) at once; a short write is an error, as the rest
 * could land after another request's rows. */
static enum ad_status write_all(struct ad_shadow *sh, const char *p, size_t n,
    struct ad_error *err)
{
	ssize_t w;

	do
		w = write(sh->fd, p, n);
	while (w < 0 && errno == EINTR);
	if (w < 0)
		return ad_error_sys(err, errno, sh->path, "write");
	if ((size_t)w != n)
		return ad_error_at(err, AD_EIO, sh->path, 0, 0, "short write: %zd "
		    "of %zu bytes", w, n);
	return AD_OK;
}

static enum ad_status check_header(struct ad_shadow *sh, struct ad_error *err)
{
	char head[sizeof HEADER];
	ssize_t r;

	do
		r = pread(sh->fd, head, sizeof HEADER - 1, 0);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return ad_error_sys(err, errno, sh->path, "read");
	if ((size_t)r != sizeof HEADER - 1 ||
	    memcmp(head, HEADER, sizeof HEADER - 1) != 0)
		return ad_error_at(err, AD_EDATA, sh->path, 1, 0, "not a shadow "
		    "scores file: its first line is not \"%.*s\"",
		    (int)sizeof HEADER - 2, HEADER);
	return AD_OK;
}

enum ad_status ad_shadow_open(struct ad_shadow **out, const char *path,
    struct ad_error *err)
{
	struct ad_shadow *sh = ad_calloc(1, sizeof *sh);
	struct stat sb;
	enum ad_status st;

	if (sh == NULL || (sh->path = ad_strndup(path, strlen(path))) == NULL) {
		ad_free(sh);
		return ad_error_nomem(err);
	}
	sh->fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (sh->fd < 0) {
		st = ad_error_sys(err, errno, path, "cannot open");
		goto fail;
	}
	if (fstat(sh->fd, &sb) != 0) {
		st = ad_error_sys(err, errno, path, "fstat");
		goto fail;
	}
	if ((st = sb.st_size == 0 ? write_all(sh, HEADER, sizeof HEADER - 1,
	    err) : check_header(sh, err)) != AD_OK)
		goto fail;
	*out = sh;
	return AD_OK;
fail:
	ad_shadow_close(sh);
	return st;
}

void ad_shadow_close(struct ad_shadow *sh)
{
	if (sh == NULL)
		return;
	if (sh->fd >= 0)
		close(sh->fd);
	ad_free(sh->path);
	ad_free(sh);
}

/* A CSV cell: quoted when it holds a comma, quote or line break. */
static enum ad_status put_cell(struct ad_sbuf *b, const char *s,
    struct ad_error *err)
{
	enum ad_status st = AD_OK;

	if (s == NULL || strpbrk(s, ",\"\r\n") == NULL)
		return s ? ad_sbuf_puts(b, s, err) : AD_OK;
	st = ad_sbuf_puts(b, "\"", err);
	for (; *s != '\0' && st == AD_OK; s++)
		st = *s == '"' ? ad_sbuf_puts(b, "\"\"", err) :
		    ad_sbuf_put(b, s, 1, err);
	return st == AD_OK ? ad_sbuf_puts(b, "\"", err) : st;
}

static enum ad_status put_num(struct ad_sbuf *b, double v,
    struct ad_error *err)
{
	char num[AD_NUM_MAXLEN];

	if (isnan(v))
		return AD_OK;   /* a missing score: an empty cell */
	ad_num_format(v, num);
	return ad_sbuf_puts(b, num, err);
}

enum ad_status ad_shadow_append(struct ad_shadow *sh,
    const struct ad_shadow_batch *x, struct ad_error *err)
{
	struct ad_sbuf b = { 0 }, head = { 0 };
	struct timespec now;
	struct tm tm;
	char when[64], row[32];
	enum ad_status st;

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(when + strlen(when), sizeof when - strlen(when), ".%03ldZ,",
	    now.tv_nsec / 1000000);
	/* what every row of the request starts with */
	if ((st = ad_sbuf_puts(&head, when, err)) != AD_OK ||
	    (st = put_cell(&head, x->model, err)) != AD_OK ||
	    (st = ad_sbuf_puts(&head, ",", err)) != AD_OK ||
	    (st = put_cell(&head, x->version, err)) != AD_OK ||
	    (st = ad_sbuf_puts(&head, ",", err)) != AD_OK ||
	    (st = put_cell(&head, x->shadow_version, err)) != AD_OK ||
	    (st = ad_sbuf_puts(&head, ",", err)) != AD_OK ||
	    (st = put_cell(&head, x->id, err)) != AD_OK)
		goto out;
	for (size_t i = 0; i < x->n && st == AD_OK; i++) {
		snprintf(row, sizeof row, ",%zu,", i + 1);
		if ((st = ad_sbuf_put(&b, head.p, head.len, err)) == AD_OK &&
		    (st = ad_sbuf_puts(&b, row, err)) == AD_OK &&
		    (st = put_cell(&b, x->label ? x->label[i] : NULL, err)) ==
		    AD_OK && (st = ad_sbuf_puts(&b, ",", err)) == AD_OK &&
		    (st = put_num(&b, x->score[i], err)) == AD_OK &&
		    (st = ad_sbuf_puts(&b, x->flag[i] != 0 ? ",1," : ",0,", err)) ==
		    AD_OK && (st = put_num(&b, x->cscore[i], err)) == AD_OK)
			st = ad_sbuf_puts(&b, x->cflag[i] != 0 ? ",1\n" : ",0\n", err);
	}
	if (st == AD_OK && b.len > 0)
		st = write_all(sh, b.p, b.len, err);
out:
	ad_sbuf_free(&b);
	ad_sbuf_free(&head);
	return st;
}
