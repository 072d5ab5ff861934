#ifndef ADKIT_FOREST_H
#define ADKIT_FOREST_H
/*
 * The forests' detectors, -a iforest and -a eif (lib/detect/forest.c, over
 * lib/detect/iforest.h): their options block.
 */
#include <stdint.h>

/* The options block of -a iforest and -a eif (defaults: their rows). */
struct ad_forest_opts {
	uint64_t trees;             /* 1..AD_IFOREST_MAX_TREES: 100 */
	uint64_t sample_size;       /* 2..AD_IFOREST_MAX_SAMPLE: 256 */
	int ext_level_set;          /* EIF: else features - 1 */
	uint64_t ext_level;
};

#endif
