/*
 * libFuzzer target for ad-features' params files (lib/run/featurize.c).
 *
 * The input is a params file, written to a temporary file ($TMPDIR, else
 * /tmp) since params are read from files, and loaded as ad-features does
 * with -r. Loading may only succeed or fail with AD_EDATA (never crash,
 * leak, or fail otherwise: a corrupt file is bad data). A file that loads
 * must keep the loader's promise that what it accepts is a model ad-features
 * can save and use: saved, it loads again, and saved again it is the same,
 * byte for byte.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ad.h"
#include "featurize.h"
#include "out.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

/* Writes n bytes to a new temporary file named after tag; 0 on success. */
static int write_temp(char *path, size_t cap, const char *tag, const void *p,
    size_t n)
{
	const char *dir = getenv("TMPDIR");
	FILE *f;
	int fd, len;

	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	len = snprintf(path, cap, "%s/%s.XXXXXX", dir, tag);
	if (len < 0 || (size_t)len >= cap || (fd = mkstemp(path)) < 0)
		return -1;
	if ((f = fdopen(fd, "wb")) == NULL) {
		close(fd);
		unlink(path);
		return -1;
	}
	if ((n > 0 && fwrite(p, 1, n, f) != n) || fclose(f) != 0) {
		unlink(path);
		return -1;
	}
	return 0;
}

/* Saves m to path and returns the file's bytes (malloc'd) in *text. */
static size_t save_to(const struct ad_featurize_model *m, const char *path,
    char **text)
{
	struct ad_out *out;
	struct ad_error err;
	FILE *f;
	long n;

	CHECK(ad_out_open(&out, path, &err) == AD_OK);
	CHECK(ad_featurize_model_save(m, out, &err) == AD_OK);
	CHECK(ad_out_close(out, &err) == AD_OK);
	CHECK((f = fopen(path, "rb")) != NULL);
	CHECK(fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0);
	rewind(f);
	CHECK((*text = malloc((size_t)n + 1)) != NULL);
	CHECK(fread(*text, 1, (size_t)n, f) == (size_t)n);
	fclose(f);
	return (size_t)n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[4096], copy[4096];
	struct ad_featurize_model *m = NULL, *m2 = NULL;
	struct ad_error err;
	char *a = NULL, *b = NULL;
	size_t na, nb;
	enum ad_status st;

	if (write_temp(path, sizeof path, "fuzz_featurize", data, size) != 0 ||
	    write_temp(copy, sizeof copy, "fuzz_featurize.copy", "", 0) != 0)
		abort();
	st = ad_featurize_model_load(&m, path, &err);
	CHECK(st == AD_OK || st == AD_EDATA);
	CHECK(st == AD_OK || err.code == AD_EDATA);
	if (st == AD_OK) {
		na = save_to(m, copy, &a);
		CHECK(ad_featurize_model_load(&m2, copy, &err) == AD_OK);
		nb = save_to(m2, copy, &b);
		CHECK(na == nb && memcmp(a, b, na) == 0);
	}
	free(a);
	free(b);
	ad_featurize_model_free(m);
	ad_featurize_model_free(m2);
	unlink(path);
	unlink(copy);
	return 0;
}
