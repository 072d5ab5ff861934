#ifndef ADKIT_SVG_H
#define ADKIT_SVG_H
/*
 * A small SVG line chart of curves in the unit square, panels side by side:
 * ad-eval's ROC and precision-recall plot. It writes plain SVG 1.1 with no
 * script and no external resource, every text XML-escaped.
 */
#include <stddef.h>

#include "ad.h"

struct ad_out;

/* One curve: n points in [0, 1]^2, drawn in order. */
struct ad_svg_curve {
	const char *legend;  /* its legend text */
	const double *x, *y;
	size_t n;
	int steps;           /* draw as steps: up or down first, then across */
	int dashed;
};

/* One panel: axes from 0 to 1, its curves, and optional marks. */
struct ad_svg_panel {
	const char *title;
	const char *xlabel, *ylabel;
	const struct ad_svg_curve *curves;
	size_t ncurves;
	int diagonal;        /* draw the line y = x (chance, for ROC) */
	double baseline;     /* a horizontal chance line at this y; NaN: none */
	int has_point;       /* mark (px, py); point_label is its legend */
	double px, py;
	const char *point_label;
	int legend_left;     /* the legend goes lower left, not lower right */
	const char *note;    /* if not NULL: shown instead of the curves */
};

/* Writes an SVG document of the panels in a row under title. */
enum ad_status ad_svg_write(struct ad_out *out, const char *title,
    const struct ad_svg_panel *panels, size_t npanels, struct ad_error *err);

#endif
