/*
 * A scratch folder for the unit tests that read and write files:
 * tmpdir_make creates /tmp/adkit-NAME-XXXXXX, path_of names a file in it,
 * put_file writes one, tmpdir_remove deletes the files named and the
 * folder.
 */
#ifndef ADKIT_TEST_TMPDIR_H
#define ADKIT_TEST_TMPDIR_H
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char tmpdir[64];

/* tmpdir/name, in one of 64 rotating buffers: enough for any test's paths
 * to stay valid while it runs. */
__attribute__((unused))
static const char *path_of(const char *name)
{
	static char buf[64][128];
	static int k;

	k = (k + 1) % 64;
	snprintf(buf[k], sizeof buf[k], "%s/%s", tmpdir, name);
	return buf[k];
}

/* Creates the folder; 0, or -1 with the reason printed. */
__attribute__((unused))
static int tmpdir_make(const char *name)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/adkit-%s-XXXXXX", name);
	if (mkdtemp(tmpdir) == NULL) {
		perror(tmpdir);
		return -1;
	}
	return 0;
}

/* Writes text to the file name in the folder; exits 2 if it cannot. */
__attribute__((unused))
static void put_file(const char *name, const char *text)
{
	FILE *f = fopen(path_of(name), "wb");

	if (f == NULL || fputs(text, f) == EOF || fclose(f) != 0) {
		perror(name);
		exit(2);
	}
}

/* Deletes names[0..n) (missing ones are fine) and the folder. */
__attribute__((unused))
static void tmpdir_remove(const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		unlink(path_of(names[i]));
	rmdir(tmpdir);
}

#endif
