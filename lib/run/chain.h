#ifndef ADKIT_CHAIN_H
#define ADKIT_CHAIN_H
/*
 * A runner's part in a stream's lineage (io/lineage.h): ad-clean and
 * ad-features digest their input as they read it, take the chain their
 * input came with, add their own step and hand the chain to the writer;
 * at the end they complete it with the digests known only then.
 */
#include <stddef.h>

#include "ad.h"
#include "lineage.h"
#include "reader.h"

struct ad_out;
struct ad_sha256;

struct ad_chain {
	struct ad_lineage lineage;   /* what the output's header and end
	                                record carry */
	struct ad_sha256 *in_sha;    /* of the input, as read */
	struct ad_sha256 *save_sha;  /* of the -s params file, as written */
	struct ad_in *in;            /* borrowed: the reader's input */
	int on;                      /* the output is a binary stream */
};

/* Opens ro's input into ro->from, digesting it as it is read. */
enum ad_status ad_chain_open_input(struct ad_chain *c,
    struct ad_reader_opts *ro, struct ad_error *err);

/* Once the reader has read the header: when format is binary, takes its
 * chain and adds a step of kind; restored_sha is the -r file's digest (with
 * its name restored), else save (may be NULL) is the -s output, named
 * save_name, digested as written. For any other format the digest stops. */
enum ad_status ad_chain_begin(struct ad_chain *c, const struct ad_reader *rd,
    enum ad_format format, enum ad_lineage_kind kind, const char *restored,
    const unsigned char *restored_sha, struct ad_out *save,
    const char *save_name, struct ad_error *err);

/* The chain for ad_writer_opts.lineage, or NULL when there is none. */
const struct ad_lineage *ad_chain_lineage(const struct ad_chain *c);

/* After the whole input is read and the -s file written: completes the
 * chain with the input's chain as its end record gave it and the digests. */
enum ad_status ad_chain_end(struct ad_chain *c, const struct ad_reader *rd,
    struct ad_out *save, struct ad_error *err);

/* Frees what c holds; c itself is the caller's. */
void ad_chain_free(struct ad_chain *c);

#endif
