/* ad-serve: options and wiring; the work is in lib/serve/. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "server.h"
#include "shadow.h"
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
	uint64_t max_entities;
	double drain;
	double reload_interval;
	const char *shadow;
	const char *shadow_output;
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
	AD_OPT_THREADS_ROW_HELP("threads that answer requests; a request's "
	    "rows are scored on the thread that took it (default: all cores)",
	    AD_OPT_AT(struct args, threads)),
	{ "max-body", 0, "BYTES", AD_OPT_U64, A(max_body), .umin = 1,
	    .umax = UINT64_MAX / 2, .def = "67108864", .kfp = AD_KFP_INTEGER,
	    .help = "answer larger request bodies with 413" },
	{ "max-inflight", 0, "N", AD_OPT_U64, A(max_inflight), .umin = 1,
	    .umax = 1000000, .def = "256", .kfp = AD_KFP_INTEGER,
	    .help = "answer inference requests beyond N at once with 503" },
	{ "max-entities", 0, "N", AD_OPT_U64, A(max_entities), .umin = 0,
	    .umax = 1000000000, .def = "100000", .kfp = AD_KFP_INTEGER,
	    .help = "keep the context state of at most N entities (group keys) "
	    "per release from one request to the next, the least recently "
	    "seen evicted (0: none, each request starts them afresh)" },
	{ "drain-timeout", 0, "SECONDS", AD_OPT_DOUBLE, A(drain), .dmin = 0,
	    .dmax = 86400, .def = "30", .kfp = AD_KFP_FLOAT,
	    .help = "on SIGTERM, wait this long for requests in flight" },
	{ "reload-interval", 0, "SECONDS", AD_OPT_DOUBLE, A(reload_interval),
	    .dmin = 0, .dmax = 86400, .def = "2", .kfp = AD_KFP_FLOAT,
	    .help = "look for store changes this often and serve them (0: only "
	    "on SIGHUP)" },
	AD_OPT_HEADING("A/B:"),
	{ "shadow", 0, "MODEL:VERSION", AD_OPT_STRING, A(shadow),
	    .kfp = AD_KFP_STRING, .help = "score every request to MODEL with "
	    "VERSION too, after answering it, into --shadow-output" },
	{ "shadow-output", 0, "FILE", AD_OPT_STRING, A(shadow_output),
	    .kfp = AD_KFP_NONE, .help = "append both versions' scores there, as "
	    "CSV that ad-eval --compare challenger reads" },
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
	if ((a->shadow == NULL) != (a->shadow_output == NULL))
		return ad_error_set(err, AD_EUSAGE, "--shadow and --shadow-output "
		    "go together");
	return AD_OK;
}

/* Splits --shadow MODEL:VERSION at its last ':' into model and version. */
static enum ad_status split_shadow(const char *spec, char *model,
    char *version, struct ad_error *err)
{
	const char *colon = strrchr(spec, ':');
	size_t n = colon ? (size_t)(colon - spec) : 0;

	if (colon == NULL || n > 255 || strlen(colon + 1) > 255)
		goto bad;
	memcpy(model, spec, n);
	model[n] = '\0';
	memcpy(version, colon + 1, strlen(colon + 1) + 1);
	if (ad_store_name_ok(model) && ad_store_name_ok(version))
		return AD_OK;
bad:
	return ad_error_set(err, AD_EUSAGE, "--shadow: expected MODEL:VERSION, "
	    "names not empty, not starting with '.', without '/', got "
	    "\"%.200s\"", spec);
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

static struct ad_store_source source(const struct args *a)
{
	struct ad_store_source src = { a->store, a->name, a->clean, a->features,
	    a->model, a->max_entities ? (size_t)a->max_entities :
	    AD_STORE_NO_ENTITIES };

	return src;
}

/* What a failed rescan said last, so a store that stays broken is told
 * once, not at every --reload-interval. */
struct reloads {
	char last[1600];
};

/* Looks at the store again and serves what changed (only the releases
 * whose files changed are loaded, in this thread, while the request
 * threads go on); if it fails, the store served stays. */
static void reload(const struct args *a, struct ad_server *srv, int hup,
    struct reloads *rl)
{
	struct ad_store_source src = source(a);
	struct ad_error err;
	char msg[sizeof rl->last];
	int changed = 0;
	size_t models = 0;

	ad_error_clear(&err);
	if (ad_server_reload(srv, &src, hup, left_out, NULL, &changed, &models,
	    &err) !=
	    AD_OK) {
		snprintf(msg, sizeof msg, "%s: reload failed, still serving the "
		    "store loaded before: %.300s%s%.900s", hup ? "SIGHUP" : "store changed",
		    err.file, err.file[0] ? ": " : "", err.msg);
		if (hup || strcmp(msg, rl->last) != 0)
			ad_cli_note(cmd.name, "%s", msg);
		memcpy(rl->last, msg, sizeof msg);
		return;
	}
	rl->last[0] = '\0';
	if (hup)
		ad_cli_note(cmd.name, "SIGHUP: reloaded, %zu models%s", models,
		    changed ? "" : ", nothing changed");
	else if (changed)
		ad_cli_note(cmd.name, "store changed: reloaded, %zu models",
		    models);
}

/* Waits for SIGTERM or SIGINT (blocked in every thread), looking at the
 * store every --reload-interval seconds and at once on SIGHUP. */
static void wait_for_stop(const struct args *a, struct ad_server *srv,
    const sigset_t *set)
{
	struct reloads rl = { "" };
	struct timespec every;
	int sig;

	every.tv_sec = (time_t)a->reload_interval;
	every.tv_nsec = (long)((a->reload_interval - floor(a->reload_interval)) *
	    1e9);
	for (;;) {
		if (a->reload_interval > 0)
			sig = sigtimedwait(set, NULL, &every);
		else
			sig = sigwaitinfo(set, NULL);
		if (sig < 0 && errno == EAGAIN)
			reload(a, srv, 0, &rl);
		else if (sig == SIGHUP)
			reload(a, srv, 1, &rl);
		else if (sig == SIGTERM || sig == SIGINT)
			return;
	}
}

static enum ad_status serve(const struct args *a, struct ad_error *err)
{
	struct ad_store *store = NULL;
	struct ad_server *srv = NULL;
	struct ad_server_opts so = { 0 };
	char smodel[256], sversion[256];
	sigset_t set;
	uint64_t cut;
	enum ad_status st;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	/* before any thread starts, so that all of them inherit the mask */
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	{
		struct ad_store_source src = source(a);
		if ((st = ad_store_open(&store, &src, NULL, 0, left_out, NULL,
		    err)) != AD_OK)
			return st;
	}
	if (a->shadow != NULL && ((st = split_shadow(a->shadow, smodel, sversion,
	    err)) != AD_OK || (st = ad_shadow_open(&so.shadow, a->shadow_output,
	    err)) != AD_OK)) {
		ad_store_free(store);
		return st;
	}
	so.shadow_model = smodel;
	so.shadow_version = sversion;
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
