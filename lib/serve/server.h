#ifndef ADKIT_SERVER_H
#define ADKIT_SERVER_H
/*
 * ad-serve's HTTP side: the Open Inference Protocol (KServe V2) REST API
 * over a loaded model store, served by libmicrohttpd (Debian
 * libmicrohttpd-dev) from a pool of threads. See ad-serve(1) for the
 * endpoints, the bodies accepted and the errors.
 */
#include <stddef.h>
#include <stdint.h>

#include "ad.h"

struct ad_shadow;
struct ad_store;
struct ad_store_source;
struct ad_server;

/* Receives one line of the access log (no newline), from any thread. */
typedef void (*ad_server_log_fn)(void *ctx, const char *line);

struct ad_server_opts {
	const char *listen;       /* "ADDR:PORT" or "[ADDR6]:PORT"; port 0: any */
	unsigned threads;         /* at least 1 */
	uint64_t max_body;        /* larger request bodies get 413 */
	uint64_t max_inflight;    /* more inference requests at once get 503 */
	ad_server_log_fn log;     /* NULL: no access log */
	void *log_ctx;
	struct ad_shadow *shadow; /* taken; NULL: no shadow scoring; else
	                             every request to shadow_model is also
	                             scored by shadow_version (which must be
	                             in the store) and written there */
	const char *shadow_model, *shadow_version;
};

/* Starts serving store (taken: freed by the server, also on failure, as
 * is o->shadow); *srv is set on success. AD_EUSAGE for a bad listen
 * address, AD_EDATA for a shadow version the store lacks, AD_EIO if it
 * cannot be bound. GET /metrics answers the counters of meters.h and the
 * server's own. */
enum ad_status ad_server_start(struct ad_server **srv,
    struct ad_store *store, const struct ad_server_opts *o,
    struct ad_error *err);

/* Serves store (taken) from now on; requests already routed finish on the
 * store they started on, which is freed after the last of them. Fails only
 * for memory (store freed). Any thread. */
enum ad_status ad_server_swap(struct ad_server *srv, struct ad_store *store,
    struct ad_error *err);

/* Opens the store src names again, keeping the releases that did not
 * change (ad_store_open, with retry and warn), and serves it as
 * ad_server_swap does; *changed says whether it serves anything new,
 * *models how many models it serves. On
 * failure the store served stays, and the failure is counted. One thread
 * at a time (the one that swaps). */
enum ad_status ad_server_reload(struct ad_server *srv,
    const struct ad_store_source *src, int retry,
    void (*warn)(void *ctx, const char *model, const char *release,
    const struct ad_error *err), void *ctx, int *changed, size_t *models,
    struct ad_error *err);

/* The port the server listens on (the one picked, for port 0). */
unsigned ad_server_port(const struct ad_server *srv);

/* Stops accepting connections, waits up to drain seconds for inference
 * requests in flight to finish, then stops and frees srv; returns how many
 * were still running (cut off). NULL is a no-op. */
uint64_t ad_server_stop(struct ad_server *srv, double drain);

#endif
