/*
 * Replays fuzz corpora without libFuzzer (the idea of zstd's
 * tests/fuzz/regression_driver.c), so `make fuzz-replay` runs every target
 * on its saved inputs with the ordinary compiler.
 *
 * usage: fuzz_NAME DIR|FILE...
 *
 * Each directory's regular files are replayed in name order (strcmp, so the
 * order does not depend on the locale or the file system); a file argument
 * is replayed alone. Every input is read into a malloc'd buffer of exactly
 * its size, so a sanitized build catches reads past its end. A missing or
 * empty directory is an error: a corpus that silently vanished would make
 * the replay pass while testing nothing.
 *
 * If an input crashes the target, its file name is printed on stderr: from
 * a SIGABRT handler (the targets' own checks call abort(), and so do UBSan's
 * fatal reports, see __ubsan_default_options), from the sanitizers' death
 * callback in a sanitized build, or from a SIGSEGV/SIGBUS handler in a
 * plain one.
 *
 * Exit status: 0 when every input ran, 1 on any error.
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Present only when a sanitizer runtime is linked in. */
extern void __sanitizer_set_death_callback(void (*cb)(void))
    __attribute__((weak));

static const char *prog = "fuzz";        /* basename of argv[0] */
static const char *volatile current;     /* the input being replayed */

/* Names the input that crashed, once; async-signal-safe. */
static void name_current(void)
{
	const char *f = current;

	if (f == NULL)
		return;
	current = NULL;
	(void)!write(STDERR_FILENO, prog, strlen(prog));
	(void)!write(STDERR_FILENO, ": crashed on ", 13);
	(void)!write(STDERR_FILENO, f, strlen(f));
	(void)!write(STDERR_FILENO, "\n", 1);
}

/* gcc links UBSan as a runtime of its own, which the death callback set
 * through ASan's does not reach: have its fatal reports abort() (with a
 * stack) so that the SIGABRT handler names the input. UBSAN_OPTIONS still
 * overrides this. */
const char *__ubsan_default_options(void);
const char *__ubsan_default_options(void)
{
	return "abort_on_error=1:print_stacktrace=1";
}

static void on_signal(int sig)
{
	name_current();
	signal(sig, SIG_DFL);
	raise(sig);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Reads path whole into a buffer of exactly its size and runs the target. */
static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct stat sb;
	uint8_t *buf = NULL;
	static uint8_t empty;
	size_t size;

	if (f == NULL || fstat(fileno(f), &sb) != 0) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		if (f != NULL)
			fclose(f);
		return -1;
	}
	size = (size_t)sb.st_size;
	if (size > 0 && (buf = malloc(size)) == NULL) {
		fprintf(stderr, "%s: %s: out of memory\n", prog, path);
		fclose(f);
		return -1;
	}
	if (size > 0 && (fread(buf, 1, size, f) != size || getc(f) != EOF)) {
		fprintf(stderr, "%s: %s: read failed or file changed size\n",
		    prog, path);
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	current = path;
	LLVMFuzzerTestOneInput(buf != NULL ? buf : &empty, size);
	current = NULL;
	free(buf);
	return 0;
}

/* Replays every regular file in dir in name order; returns the count or -1. */
static long replay_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0;
	long done = 0;

	if (d == NULL) {
		fprintf(stderr, "%s: %s: %s\n", prog, dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(dir) + strlen(e->d_name) + 2;
		struct stat sb;
		char *p;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if ((p = malloc(len)) == NULL)
			goto nomem;
		snprintf(p, len, "%s/%s", dir, e->d_name);
		if (stat(p, &sb) != 0 || !S_ISREG(sb.st_mode)) {
			free(p);
			continue;
		}
		if (n == cap) {
			char **q = realloc(names, (cap ? cap * 2 : 64) * sizeof *q);
			if (q == NULL) {
				free(p);
				goto nomem;
			}
			names = q;
			cap = cap ? cap * 2 : 64;
		}
		names[n++] = p;
	}
	closedir(d);
	d = NULL;
	if (n == 0) {
		fprintf(stderr, "%s: %s: no inputs to replay\n", prog, dir);
		done = -1;
		goto out;
	}
	qsort(names, n, sizeof *names, by_name);
	for (size_t i = 0; i < n; i++) {
		if (replay_file(names[i]) != 0) {
			done = -1;
			goto out;
		}
		done++;
	}
	goto out;
nomem:
	fprintf(stderr, "%s: %s: out of memory\n", prog, dir);
	done = -1;
out:
	if (d != NULL)
		closedir(d);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return done;
}

int main(int argc, char **argv)
{
	long total = 0;
	const char *slash;

	if (argc > 0 && argv[0] != NULL)
		prog = (slash = strrchr(argv[0], '/')) ? slash + 1 : argv[0];
	if (argc < 2) {
		fprintf(stderr, "usage: %s DIR|FILE...\n", prog);
		return 1;
	}
	signal(SIGABRT, on_signal);
	if (__sanitizer_set_death_callback != NULL) {
		__sanitizer_set_death_callback(name_current);
	} else {
		signal(SIGSEGV, on_signal);
		signal(SIGBUS, on_signal);
		signal(SIGFPE, on_signal);
		signal(SIGILL, on_signal);
	}
	for (int i = 1; i < argc; i++) {
		struct stat sb;
		long n;

		if (stat(argv[i], &sb) != 0) {
			fprintf(stderr, "%s: %s: %s\n", prog, argv[i],
			    strerror(errno));
			return 1;
		}
		if (S_ISDIR(sb.st_mode))
			n = replay_dir(argv[i]);
		else
			n = replay_file(argv[i]) == 0 ? 1 : -1;
		if (n < 0)
			return 1;
		total += n;
	}
	printf("%s: %ld inputs replayed\n", prog, total);
	return 0;
}
