/* ad-serve: options and wiring; the work is in lib/serve/. */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "server.h"
#include "store.h"

struct args {
	const char *store;
	const char *model;
	const char *clean;
	const char *features;
	const char *name;
	const char *listen;
	unsigned threads;
	uint64_t max_body;
	uint64_t max_inflight;
	double drain;
	struct ad_cli_common c;
};

#define A(field) AD_OPT_AT(struct args, field)

static const struct ad_opt opts[] = {
	AD_OPT_HEADING("Models:"),
	{ "store", 0, "DIR", AD_OPT_STRING, A(store),
	    .kfp = AD_KFP_IN_ARTIFACT, .help = "serve every release of every "
	    "model in DIR (DIR/MODEL/releases/RELEASE, DIR/MODEL/current)" },
	{ "model", 'm', "MODEL", AD_OPT_STRING, A(model),
	    .kfp = AD_KFP_IN_MODEL, .help = "serve this model file alone "
	    "(with --name)" },
	{ "clean-params", 0, "P", AD_OPT_STRING, A(clean),
	    .kfp = AD_KFP_IN_ARTIFACT, .help = "with -m: clean each request's "
	    "rows with these ad-clean params" },
	{ "features-params", 0, "P", AD_OPT_STRING, A(features),
	    .kfp = AD_KFP_IN_ARTIFACT, .help = "with -m: make features with these "
	    "ad-features params" },
	{ "name", 0, "N", AD_OPT_STRING, A(name), .kfp = AD_KFP_STRING,
	    .help = "with -m: the model's name in URLs" },
	AD_OPT_HEADING("Serving:"),
	{ "listen", 0, "ADDR:PORT", AD_OPT_STRING, A(listen),
	    .def = "127.0.0.1:8080", .kfp = AD_KFP_STRING, .help = "listen "
	    "there; port 0 picks a free one (printed on stdout)" },
	AD_OPT_THREADS_ROW(AD_OPT_AT(struct args, threads)),
	{ "max-body", 0, "BYTES", AD_OPT_U64, A(max_body), .umin = 1,
	    .umax = UINT64_MAX / 2, .def = "67108864", .kfp = AD_KFP_INTEGER,
	    .help = "answer larger request bodies with 413" },
	{ "max-inflight", 0, "N", AD_OPT_U64, A(max_inflight), .umin = 1,
	    .umax = 1000000, .def = "256", .kfp = AD_KFP_INTEGER,
	    .help = "answer inference requests beyond N at once with 503" },
	{ "drain-timeout", 0, "SECONDS", AD_OPT_DOUBLE, A(drain), .dmin = 0,
	    .dmax = 86400, .def = "30", .kfp = AD_KFP_FLOAT,
	    .help = "on SIGTERM, wait this long for requests in flight" },
	AD_OPT_HEADING("Common options:"),
	AD_CLI_OPT_QUIET("no access log on stderr"),
};

static const struct ad_cli_block blocks[] = { AD_CLI_BLOCK(opts) };

static const struct ad_cli_cmd cmd = {
	.name = "ad-serve",
	.summary = "serve models over HTTP with the Open Inference Protocol "
	    "(KServe V2): each request's rows go through a release's clean "
	    "params, features params and model, as in the batch pipeline.",
	.usage = "ad-serve [-qV] [--listen addr:port] [options] "
	    "--store dir | -m model --name name",
	.examples = "Examples:\n"
	    "  ad-serve --store /srv/models --listen 0.0.0.0:8080\n"
	    "  ad-serve -m servers.model --clean-params clean.params "
	    "--features-params features.params --name servers\n",
	.blocks = blocks,
	.nblocks = sizeof blocks / sizeof blocks[0],
	.footer = "Exit status: 0 stopped by SIGTERM or SIGINT, 2 usage error, "
	    "3 a model or params\nthat do not load, 4 I/O or system error (the "
	    "address cannot be bound). See ad-serve(1).\n",
};

static enum ad_status check_args(const struct args *a, struct ad_error *err)
{
	if ((a->store == NULL) == (a->model == NULL))
		return ad_error_set(err, AD_EUSAGE, "give either --store DIR or "
		    "-m MODEL --name N");
	if (a->store != NULL && (a->clean || a->features || a->name))
		return ad_error_set(err, AD_EUSAGE, "--clean-params, "
		    "--features-params and --name go with -m, not --store");
	if (a->model != NULL && a->name == NULL)
		return ad_error_set(err, AD_EUSAGE, "-m needs --name N, the "
		    "model's name in URLs");
	if (a->name != NULL && !ad_store_name_ok(a->name))
		return ad_error_set(err, AD_EUSAGE, "--name must not be empty, "
		    "start with '.' or hold '/'");
	return AD_OK;
}

static void access_log(void *ctx, const char *line)
{
	(void)ctx;
	fprintf(stderr, "%s: %s\n", cmd.name, line);
}

static void left_out(void *ctx, const char *model, const char *release,
    const struct ad_error *err)
{
	(void)ctx;
	ad_cli_note(cmd.name, "%s/releases/%s left out: %s%s%s", model, release,
	    err->file, err->file[0] ? ": " : "", err->msg);
}

static enum ad_status load(const struct args *a, struct ad_store **store,
    struct ad_error *err)
{
	if (a->store != NULL)
		return ad_store_scan(store, a->store, left_out, NULL, err);
	return ad_store_single(store, a->name, a->clean, a->features, a->model,
	    err);
}

/* SIGHUP: loads the store again and serves it; if it fails to load, the
 * one served stays. */
static void reload(const struct args *a, struct ad_server *srv)
{
	struct ad_store *store;
	struct ad_error err;

	ad_error_clear(&err);
	if (load(a, &store, &err) != AD_OK ||
	    ad_server_swap(srv, store, &err) != AD_OK) {
		ad_cli_note(cmd.name, "SIGHUP: reload failed, still serving the "
		    "store loaded before: %s%s%s", err.file, err.file[0] ? ": " :
		    "", err.msg);
		return;
	}
	ad_cli_note(cmd.name, "SIGHUP: reloaded, %zu models",
	    ad_store_count(store));
}

/* Waits for SIGTERM or SIGINT (blocked in every thread), reloading on
 * SIGHUP. */
static void wait_for_stop(const struct args *a, struct ad_server *srv,
    const sigset_t *set)
{
	int sig;

	while (sigwait(set, &sig) == 0 && sig == SIGHUP)
		reload(a, srv);
}

static enum ad_status serve(const struct args *a, struct ad_error *err)
{
	struct ad_store *store = NULL;
	struct ad_server *srv = NULL;
	struct ad_server_opts so = { 0 };
	sigset_t set;
	uint64_t cut;
	enum ad_status st;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	/* before any thread starts, so that all of them inherit the mask */
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if ((st = load(a, &store, err)) != AD_OK)
		return st;
	so.listen = a->listen;
	so.threads = a->threads;
	so.max_body = a->max_body;
	so.max_inflight = a->max_inflight;
	so.log = a->c.quiet ? NULL : access_log;
	if ((st = ad_server_start(&srv, store, &so, err)) != AD_OK)
		return st;
	{
		const char *colon = strrchr(a->listen, ':');
		printf("listening on %.*s:%u\n", (int)(colon - a->listen), a->listen,
		    ad_server_port(srv));
		fflush(stdout);
	}
	wait_for_stop(a, srv, &set);
	cut = ad_server_stop(srv, a->drain);
	if (cut > 0)
		ad_cli_note(cmd.name, "%llu requests still running after "
		    "--drain-timeout were cut off", (unsigned long long)cut);
	return AD_OK;
}

int main(int argc, char **argv)
{
	struct args a;
	struct ad_error err;
	int code, first;

	memset(&a, 0, sizeof a);
	ad_error_clear(&err);
	ad_cli_init();
	if ((code = ad_cli_parse(&cmd, argc, argv, &a, &a.c, &first)) >= 0)
		goto out;
	if (first < argc) {
		ad_error_set(&err, AD_EUSAGE, "unexpected operand \"%s\"",
		    argv[first]);
		goto fail;
	}
	if (check_args(&a, &err) != AD_OK || serve(&a, &err) != AD_OK)
		goto fail;
	code = AD_EXIT_OK;
	goto out;
fail:
	code = ad_cli_fail(&cmd, &err);
out:
	ad_cli_free(&cmd, &a, &a.c);
	return code;
}
