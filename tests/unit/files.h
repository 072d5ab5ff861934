/*
 * Temporary files for the unit tests: a file made with given contents, and
 * a file's bytes read back. Failures here are the test machine's, not the
 * code's under test: they end the test program with status 2.
 */
#ifndef ADKIT_TEST_FILES_H
#define ADKIT_TEST_FILES_H
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The size of a path buffer for put_file. */
#define FILES_PATH_MAX 64

/* A test includes this for some of these helpers, not all. */
#define FILES_HELPER static __attribute__((unused))

/* Makes a new file under /tmp holding len bytes of data, its name (with
 * tag in it) in path[FILES_PATH_MAX]. */
FILES_HELPER void put_bytes(char *path, const char *tag, const void *data,
    size_t len)
{
	int fd;
	FILE *f;

	snprintf(path, FILES_PATH_MAX, "/tmp/adkit-%s-XXXXXX", tag);
	fd = mkstemp(path);
	f = fd < 0 ? NULL : fdopen(fd, "wb");
	if (f == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
		perror(path);
		exit(2);
	}
}

/* put_bytes for a string. */
FILES_HELPER void put_file(char *path, const char *tag, const char *text)
{
	put_bytes(path, tag, text, strlen(text));
}

/* The bytes of path, malloc'd, NUL-terminated (*len without the NUL when
 * len is not NULL); NULL if path cannot be read. */
FILES_HELPER char *slurp_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *p = NULL;
	long n;

	if (f != NULL && fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    (p = malloc((size_t)n + 1)) != NULL) {
		rewind(f);
		n = (long)fread(p, 1, (size_t)n, f);
		p[n] = '\0';
		if (len != NULL)
			*len = (size_t)n;
	}
	if (f != NULL)
		fclose(f);
	return p;
}

/* n bytes, malloc'd, in a pattern that shows a byte out of place. */
FILES_HELPER char *pattern_bytes(size_t n)
{
	char *p = malloc(n ? n : 1);

	if (p == NULL)
		exit(2);
	for (size_t i = 0; i < n; i++)
		p[i] = (char)('a' + (i * 7 + i / 251) % 26);
	return p;
}

#endif
