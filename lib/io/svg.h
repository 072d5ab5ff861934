#ifndef ADKIT_SVG_H
#define ADKIT_SVG_H
/*
 * A small SVG line chart of curves in the unit square, panels side by side:
 * ad-eval's ROC and precision-recall plot. The legend goes under each plot
 * area, so it hides no curve and no chance line. It writes plain SVG 1.1
 * with no script and no external resource, every text XML-escaped.
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
	const char *chance_label; /* the chance line's legend; NULL: none */
	int has_point;       /* mark (px, py); point_label is its legend */
	double px, py;
	const char *point_label;
	const char *note;    /* if not NULL: shown instead of the curves */
};

/* The colour of the k-th curve of a panel ("#rrggbb"), as drawn. */
const char *ad_svg_colour(size_t k);

/* Writes an SVG document of the panels in a row under title. */
enum ad_status ad_svg_write(struct ad_out *out, const char *title,
    const struct ad_svg_panel *panels, size_t npanels, struct ad_error *err);

/*
 * A time series: panels stacked over one x axis (time or plain numbers),
 * each a line of its rows' values. Rows are drawn a pixel column at a
 * time: the smallest and largest value of each column, in the order they
 * came, so a spike of one row among millions still shows. Rows inside a
 * labelled window shade every panel; flagged rows are marked on the panel
 * that asks for marks.
 */
struct ad_svg_series_panel {
	const char *title;
	const double *y;         /* a value per row; NaN: none */
	double hline;            /* a dashed level (the threshold); NaN: none */
	const char *hline_label;
	int marks;               /* mark the flagged rows on this panel */
};

struct ad_svg_series {
	const char *title;
	const char *xlabel;
	int time_axis;           /* x is epoch seconds: ticks as UTC times */
	const double *x;         /* n positions; a row with NaN x is not drawn */
	size_t n;
	const unsigned char *shade;  /* per row: in a labelled window */
	const unsigned char *flag;   /* per row: flagged */
	const char *shade_label, *flag_label;
	const struct ad_svg_series_panel *panels;
	size_t npanels;
};

/* Writes the series as an SVG document; memory: a few arrays of one entry
 * per pixel column, whatever n is. */
enum ad_status ad_svg_write_series(struct ad_out *out,
    const struct ad_svg_series *s, struct ad_error *err);

#endif
