#ifndef ADKIT_LINEAGE_H
#define ADKIT_LINEAGE_H
/*
 * Lineage: what made a binary stream, as a chain of steps, oldest first.
 * Each ad-clean or ad-features that writes a stream appends one step: its
 * kind, the params it applied (restored with -r: the file's SHA-256; fitted
 * here: the SHA-256 of the file -s saved, if any) and the SHA-256 of the
 * input it read, as read. The stream's header carries the chain as known
 * before the first row; the end record carries it again complete, since an
 * input's digest (a pipe's too) and a saved params file's are known only at
 * the end. ad-train stores the complete chain in the model (section LINE),
 * and ad-score compares it with its input's. adkit(5) gives the bytes.
 *
 * Encoding: u32 step count, then per step u8 kind, u8 flags (AD_LINEAGE_*),
 * 32 bytes params digest, 32 bytes input digest (zero when not known), u16
 * length and bytes of the params file's name, u16 length and bytes of the
 * input's name; little-endian.
 */
#include <stddef.h>
#include <stdint.h>

#include "ad.h"

struct ad_emit;

/* The model section that holds a model's training lineage: the tag
 * AD_MODEL_TAG('L','I','N','E') of detect/model.h. */
#define AD_LINEAGE_MODEL_TAG ((uint32_t)'L' | (uint32_t)'I' << 8 | \
	(uint32_t)'N' << 16 | (uint32_t)'E' << 24)

/* Most steps a chain has, and the longest name kept (longer ones are cut,
 * at a UTF-8 boundary, for messages only). */
#define AD_LINEAGE_MAX_STEPS 1024
#define AD_LINEAGE_NAME_MAX 255

enum ad_lineage_kind {
	AD_LINEAGE_CLEAN = 1,     /* ad-clean */
	AD_LINEAGE_FEATURES = 2   /* ad-features */
};

/* Step flags. */
enum {
	AD_LINEAGE_RESTORED = 1,   /* params applied with -r (else fitted) */
	AD_LINEAGE_PARAMS_SHA = 2, /* params_sha256 is known */
	AD_LINEAGE_INPUT_SHA = 4   /* input_sha256 is known */
};

struct ad_lineage_step {
	enum ad_lineage_kind kind;
	unsigned flags;
	unsigned char params_sha256[32];
	unsigned char input_sha256[32];
	char params[AD_LINEAGE_NAME_MAX + 1]; /* -r or -s file, or "" */
	char input[AD_LINEAGE_NAME_MAX + 1];  /* the input's name */
};

struct ad_lineage {
	size_t n;
	struct ad_lineage_step *step;  /* n steps, oldest first, ad_malloc'd */
};

/* Frees l's steps and empties it; l itself is the caller's. */
void ad_lineage_clear(struct ad_lineage *l);

/* Copies src into dst (emptied first). */
enum ad_status ad_lineage_copy(struct ad_lineage *dst,
    const struct ad_lineage *src, struct ad_error *err);

/* Appends a step of kind with the params file's name (NULL: none) and the
 * input's name; *step points at it (valid until l changes). Fails (AD_EDATA)
 * past AD_LINEAGE_MAX_STEPS. */
enum ad_status ad_lineage_append(struct ad_lineage *l,
    enum ad_lineage_kind kind, const char *params, const char *input,
    struct ad_lineage_step **step, struct ad_error *err);

/* Bytes l takes encoded. */
size_t ad_lineage_size(const struct ad_lineage *l);

/* Encodes l into buf, which holds ad_lineage_size(l) bytes. */
void ad_lineage_encode(const struct ad_lineage *l, unsigned char *buf);

/* Decodes len bytes at p into l (emptied first); a corrupt encoding is
 * AD_EDATA naming what (the file it came from). */
enum ad_status ad_lineage_decode(const unsigned char *p, size_t len,
    struct ad_lineage *l, const char *what, struct ad_error *err);

/* Whether late may complete early: the same steps, kinds and names, with at
 * least the digests early knows, unchanged. */
int ad_lineage_extends(const struct ad_lineage *early,
    const struct ad_lineage *late);

/* The kind's command name: "ad-clean", "ad-features". */
const char *ad_lineage_kind_name(enum ad_lineage_kind kind);

/* Compares the chain an input was made by (have) with the chain a model
 * was trained on (want): returns 0 when they agree as far as their digests
 * tell, else 1 with a one-line explanation in msg (cap bytes), which ends
 * with what to run instead when it is known. */
int ad_lineage_mismatch(const struct ad_lineage *have,
    const struct ad_lineage *want, char *msg, size_t cap);

/* The params file of the want's last step of kind, or NULL: what a
 * message about a missing feature points to. */
const char *ad_lineage_params_of(const struct ad_lineage *want,
    enum ad_lineage_kind kind);

/* Writes l as a JSON array of steps (for ad-score --inspect). */
void ad_lineage_write_json(const struct ad_lineage *l, struct ad_emit *e,
    const char *indent);

#endif
