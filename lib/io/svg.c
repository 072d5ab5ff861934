/*
 * SVG charts. Each panel is PANEL pixels wide: a square plot area with a
 * margin for the tick labels and axis titles, grid lines every 0.2, the
 * curves clipped to the area, an optional marked point, and under the axis
 * title a legend of a line per curve (the chance line and the point too). Coordinates are
 * written with two decimals (a hundredth of a pixel), in the C locale's
 * number format since lib/ never calls setlocale.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "emit.h"
#include "svg.h"

enum {
	PANEL = 440,     /* width and height of a panel */
	LEFT = 64,       /* plot area's offset in the panel */
	TOP = 44,
	SIZE = 340,      /* plot area's width and height */
	HEADER = 36      /* the document title's band */
};

/* Told apart in print and by the colour-blind (Okabe-Ito's order, after
 * the first two adkit always used). */
static const char *const colours[] = {
	"#1f77b4", "#d95f02", "#009e73", "#cc79a7", "#e6ab02", "#56b4e9",
	"#7f7f7f", "#000000", "#8c564b"
};
#define NCOLOURS (sizeof colours / sizeof colours[0])

/* Rows of the legend under a plot area. */
#define LEGEND_ROW 18

const char *ad_svg_colour(size_t k)
{
	return colours[k % NCOLOURS];
}

/* Writes s with &, <, >, " and ' escaped. */
static void put_text(struct ad_emit *e, const char *s)
{
	const char *run = s;

	for (; *s && ad_emit_ok(e); s++) {
		const char *esc = NULL;

		switch (*s) {
		case '&': esc = "&amp;"; break;
		case '<': esc = "&lt;"; break;
		case '>': esc = "&gt;"; break;
		case '"': esc = "&quot;"; break;
		case '\'': esc = "&#39;"; break;
		default:
			/* control bytes are not allowed in XML 1.0 */
			if ((unsigned char)*s < 0x20 && *s != '\t')
				esc = " ";
			break;
		}
		if (esc == NULL)
			continue;
		ad_emit_bytes(e, run, (size_t)(s - run));
		ad_emit_raw(e, esc);
		run = s + 1;
	}
	ad_emit_raw(e, run);
}

/* The document's start: the XML declaration, the svg element of width x
 * height, the style rules, a white background and the title centred at
 * baseline title_y. */
static void document_head(struct ad_emit *e, int width, int height,
    const char *style, int title_y, const char *title)
{
	ad_emit_printf(e, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" "
	    "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
	    "font-family=\"DejaVu Sans, Arial, Helvetica, sans-serif\">\n"
	    "<style>\n", width, height, width, height);
	ad_emit_raw(e, style);
	ad_emit_printf(e, "</style>\n<rect width=\"100%%\" height=\"100%%\" "
	    "fill=\"#ffffff\"/>\n<text class=\"title\" x=\"%d\" y=\"%d\" "
	    "text-anchor=\"middle\">", width / 2, title_y);
	put_text(e, title);
	ad_emit_raw(e, "</text>\n");
}

/* Panel coordinates of a point of the unit square. */
static double px_of(double x)
{
	return LEFT + x * SIZE;
}

static double py_of(double y)
{
	return TOP + (1 - y) * SIZE;
}

static void axes(struct ad_emit *e, const struct ad_svg_panel *p)
{
	ad_emit_printf(e, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
	    "fill=\"#ffffff\" stroke=\"#444444\"/>\n", LEFT, TOP, SIZE, SIZE);
	for (int i = 0; i <= 5; i++) {
		double v = i / 5.0;
		if (i > 0 && i < 5) {
			ad_emit_printf(e, "<line class=\"grid\" x1=\"%.2f\" "
			    "y1=\"%d\" x2=\"%.2f\" y2=\"%d\"/>\n", px_of(v), TOP,
			    px_of(v), TOP + SIZE);
			ad_emit_printf(e, "<line class=\"grid\" x1=\"%d\" "
			    "y1=\"%.2f\" x2=\"%d\" y2=\"%.2f\"/>\n", LEFT, py_of(v),
			    LEFT + SIZE, py_of(v));
		}
		ad_emit_printf(e, "<text class=\"tick\" x=\"%.2f\" y=\"%d\" "
		    "text-anchor=\"middle\">%.1f</text>\n", px_of(v),
		    TOP + SIZE + 16, v);
		ad_emit_printf(e, "<text class=\"tick\" x=\"%d\" y=\"%.2f\" "
		    "text-anchor=\"end\">%.1f</text>\n", LEFT - 6, py_of(v) + 4, v);
	}
	ad_emit_printf(e, "<text class=\"label\" x=\"%d\" y=\"%d\" "
	    "text-anchor=\"middle\">", LEFT + SIZE / 2, TOP + SIZE + 36);
	put_text(e, p->xlabel);
	ad_emit_printf(e, "</text>\n<text class=\"label\" transform=\""
	    "translate(%d %d) rotate(-90)\" text-anchor=\"middle\">", LEFT - 40,
	    TOP + SIZE / 2);
	put_text(e, p->ylabel);
	ad_emit_printf(e, "</text>\n<text class=\"title\" x=\"%d\" y=\"%d\" "
	    "text-anchor=\"middle\">", LEFT + SIZE / 2, TOP - 14);
	put_text(e, p->title);
	ad_emit_raw(e, "</text>\n");
}

static void chance_lines(struct ad_emit *e, const struct ad_svg_panel *p)
{
	if (p->diagonal)
		ad_emit_printf(e, "<line class=\"chance\" x1=\"%.2f\" y1=\"%.2f\" "
		    "x2=\"%.2f\" y2=\"%.2f\"/>\n", px_of(0), py_of(0), px_of(1),
		    py_of(1));
	if (!isnan(p->baseline))
		ad_emit_printf(e, "<line class=\"chance\" x1=\"%.2f\" y1=\"%.2f\" "
		    "x2=\"%.2f\" y2=\"%.2f\"/>\n", px_of(0), py_of(p->baseline),
		    px_of(1), py_of(p->baseline));
}

static void curve(struct ad_emit *e, const struct ad_svg_curve *c, size_t k,
    int clip)
{
	ad_emit_printf(e, "<polyline clip-path=\"url(#clip%d)\" fill=\"none\" "
	    "stroke=\"%s\" stroke-width=\"2\"%s points=\"", clip, ad_svg_colour(k),
	    c->dashed ? " stroke-dasharray=\"6 4\"" : "");
	for (size_t i = 0; i < c->n && ad_emit_ok(e); i++) {
		/* a step holds the new y from the previous x, then moves across */
		if (c->steps && i > 0)
			ad_emit_printf(e, "%.2f,%.2f ", px_of(c->x[i - 1]),
			    py_of(c->y[i]));
		ad_emit_printf(e, "%.2f,%.2f ", px_of(c->x[i]), py_of(c->y[i]));
	}
	ad_emit_raw(e, "\"/>\n");
}

/* Lines of panel p's legend: its curves, the point, the chance line. */
static int legend_lines(const struct ad_svg_panel *p)
{
	if (p->note != NULL)
		return 0;
	return (int)p->ncurves + (p->has_point != 0) +
	    (p->chance_label != NULL);
}

/* The legend, under the plot area and its axis title: a line per curve,
 * the marked point's label beside a circle like the mark, and the chance
 * line's label beside a line like it. */
static void legend(struct ad_emit *e, const struct ad_svg_panel *p)
{
	int lines = legend_lines(p), x = LEFT, y = TOP + SIZE + 50;
	int npoint = (int)p->ncurves + (p->has_point != 0);

	for (int k = 0; k < lines; k++) {
		int ly = y + k * LEGEND_ROW;
		const char *text;

		if (k < (int)p->ncurves) {
			ad_emit_printf(e, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" "
			    "y2=\"%d\" stroke=\"%s\" stroke-width=\"2\"%s/>\n", x,
			    ly, x + 24, ly, ad_svg_colour((size_t)k),
			    p->curves[k].dashed ? " stroke-dasharray=\"6 4\"" : "");
			text = p->curves[k].legend;
		} else if (k < npoint) {
			ad_emit_printf(e, "<circle cx=\"%d\" cy=\"%d\" r=\"5\" "
			    "fill=\"none\" stroke=\"#000000\" stroke-width=\"2\"/>\n",
			    x + 12, ly);
			text = p->point_label;
		} else {
			ad_emit_printf(e, "<line class=\"chance\" x1=\"%d\" y1=\"%d\" "
			    "x2=\"%d\" y2=\"%d\"/>\n", x, ly, x + 24, ly);
			text = p->chance_label;
		}
		ad_emit_printf(e, "<text class=\"tick\" x=\"%d\" y=\"%d\">",
		    x + 32, ly + 4);
		put_text(e, text);
		ad_emit_raw(e, "</text>\n");
	}
}

static void point(struct ad_emit *e, const struct ad_svg_panel *p)
{
	ad_emit_printf(e, "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"5\" "
	    "fill=\"none\" stroke=\"#000000\" stroke-width=\"2\"/>\n",
	    px_of(p->px), py_of(p->py));
}

static void panel(struct ad_emit *e, const struct ad_svg_panel *p, int index)
{
	ad_emit_printf(e, "<g transform=\"translate(%d %d)\">\n<clipPath "
	    "id=\"clip%d\"><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"/>"
	    "</clipPath>\n", index * PANEL, HEADER, index, LEFT - 3, TOP - 3,
	    SIZE + 6, SIZE + 6);
	axes(e, p);
	if (p->note != NULL) {
		ad_emit_printf(e, "<text class=\"label\" x=\"%d\" y=\"%d\" "
		    "text-anchor=\"middle\">", LEFT + SIZE / 2, TOP + SIZE / 2);
		put_text(e, p->note);
		ad_emit_raw(e, "</text>\n</g>\n");
		return;
	}
	chance_lines(e, p);
	for (size_t k = 0; k < p->ncurves; k++)
		curve(e, &p->curves[k], k, index);
	if (p->has_point)
		point(e, p);
	legend(e, p);
	ad_emit_raw(e, "</g>\n");
}

enum ad_status ad_svg_write(struct ad_out *out, const char *title,
    const struct ad_svg_panel *panels, size_t npanels, struct ad_error *err)
{
	int width = (int)npanels * PANEL, height = PANEL + HEADER, lines = 0;
	struct ad_emit e;

	for (size_t i = 0; i < npanels; i++)
		if (legend_lines(&panels[i]) > lines)
			lines = legend_lines(&panels[i]);
	height += lines * LEGEND_ROW + (lines > 0 ? 24 : 0);

	ad_emit_init(&e, out, err);
	document_head(&e, width, height, ".grid { stroke: #e4e4e4; stroke-width: 1; }\n"
	    ".chance { stroke: #999999; stroke-width: 1; stroke-dasharray: 3 3; }\n"
	    ".tick { font-size: 12px; fill: #222222; }\n"
	    ".label { font-size: 14px; fill: #222222; }\n"
	    ".title { font-size: 15px; font-weight: bold; fill: #222222; }\n",
	    24, title);
	for (size_t i = 0; i < npanels; i++)
		panel(&e, &panels[i], (int)i);
	ad_emit_raw(&e, "</svg>\n");
	return ad_emit_status(&e);
}

/* ---- time series ---- */

enum {
	S_WIDTH = 1000,  /* the document */
	S_LEFT = 72,     /* the plot areas' left edge */
	S_PW = 900,      /* their width: a pixel column per x bucket */
	S_HEADER = 44,   /* the title's band */
	S_GAP = 30,      /* above each panel, for its title */
	S_VALUE_H = 120, /* a value panel's height */
	S_SCORE_H = 180  /* the last (score) panel's */
};

/* Per pixel column of one panel: the extremes and the rows they came
 * from, to draw them in the order they came. */
struct colstat {
	double lo, hi, mark;   /* mark: the highest flagged value */
	size_t lo_row, hi_row;
	int any, flagged;
};

/* The pixel column of x in [x0, x1]. */
static size_t column_of(double x, double x0, double x1)
{
	double f = (x - x0) / (x1 - x0) * (S_PW - 1);

	if (!(f > 0))
		return 0;
	return f >= S_PW - 1 ? S_PW - 1 : (size_t)(f + 0.5);
}

/* The smallest and largest finite entry of v[0..n) where x is finite. */
static int range_of(const double *v, const double *x, size_t n, double *lo,
    double *hi)
{
	int any = 0;

	for (size_t i = 0; i < n; i++) {
		if (!isfinite(v[i]) || (x != NULL && !isfinite(x[i])))
			continue;
		if (!any || v[i] < *lo)
			*lo = v[i];
		if (!any || v[i] > *hi)
			*hi = v[i];
		any = 1;
	}
	return any;
}

/* A step of 1, 2 or 5 times a power of ten near span / want. */
static double nice_step(double span, int want)
{
	double raw = span / want, p = pow(10, floor(log10(raw))), f = raw / p;

	return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * p;
}

/* A tick's number with as many decimals as step needs, never in
 * exponent form for the magnitudes of counts and epoch seconds. */
static void tick_number(char *buf, size_t cap, double v, double step)
{
	int decimals = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);

	if (fabs(v) < step * 1e-9)
		v = 0;
	if (fabs(v) >= 1e15 || decimals > 12)
		snprintf(buf, cap, "%.6g", v);
	else
		snprintf(buf, cap, "%.*f", decimals, v);
}

/* A step in seconds for a time axis spanning span seconds. */
static double time_step(double span)
{
	static const double steps[] = {
		1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200,
		10800, 21600, 43200, 86400, 172800, 604800, 1209600, 2419200,
		7776000, 31536000
	};

	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
		if (span / steps[i] <= 8)
			return steps[i];
	return nice_step(span / 31536000, 8) * 31536000;
}

/* The UTC calendar date of days since 1970-01-01 (H. Hinnant's
 * civil_from_days). */
static void civil(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	yoe = z - era * 146097;
	yoe = (yoe - yoe / 1460 + yoe / 36524 - yoe / 146096) / 365;
	doy = z - era * 146097 - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* A tick's label: the date for day steps, else the time of day (with the
 * date when the axis spans days), seconds only for steps under a minute. */
static void time_label(char *buf, size_t cap, double t, double step,
    double span)
{
	int64_t s = (int64_t)floor(t), days = s >= 0 ? s / 86400 :
	    -((-s + 86399) / 86400);
	int64_t sod = s - days * 86400, y;
	unsigned m, d;

	civil(days, &y, &m, &d);
	if (step >= 86400)
		snprintf(buf, cap, "%04lld-%02u-%02u", (long long)y, m, d);
	else if (step >= 60 && span > 86400)
		snprintf(buf, cap, "%02u-%02u %02d:%02d", m, d, (int)(sod / 3600),
		    (int)(sod / 60 % 60));
	else if (step >= 60)
		snprintf(buf, cap, "%02d:%02d", (int)(sod / 3600),
		    (int)(sod / 60 % 60));
	else
		snprintf(buf, cap, "%02d:%02d:%02d", (int)(sod / 3600),
		    (int)(sod / 60 % 60), (int)(sod % 60));
}

static void x_ticks(struct ad_emit *e, const struct ad_svg_series *s,
    double x0, double x1, int y)
{
	double span = x1 - x0;
	double step = s->time_axis ? time_step(span) : nice_step(span, 7);
	char label[64];

	for (double t = ceil(x0 / step) * step; t <= x1 + step * 1e-9;
	    t += step) {
		double px = S_LEFT + (t - x0) / span * (S_PW - 1);

		if (s->time_axis)
			time_label(label, sizeof label, t, step, span);
		else
			tick_number(label, sizeof label, t, step);
		ad_emit_printf(e, "<line class=\"grid\" x1=\"%.2f\" y1=\"%d\" "
		    "x2=\"%.2f\" y2=\"%d\"/>\n", px, S_HEADER, px, y);
		ad_emit_printf(e, "<text class=\"tick\" x=\"%.2f\" y=\"%d\" "
		    "text-anchor=\"middle\">%s</text>\n", px, y + 16, label);
	}
}

/* Fills c[0..S_PW) with panel p's extremes per pixel column. */
static void column_stats(const struct ad_svg_series *s,
    const struct ad_svg_series_panel *p, double x0, double x1,
    struct colstat *c)
{
	memset(c, 0, S_PW * sizeof *c);
	for (size_t i = 0; i < s->n; i++) {
		struct colstat *k;
		double v = p->y[i];

		if (!isfinite(s->x[i]) || !isfinite(v))
			continue;
		k = &c[column_of(s->x[i], x0, x1)];
		if (!k->any || v < k->lo) {
			k->lo = v;
			k->lo_row = i;
		}
		if (!k->any || v > k->hi) {
			k->hi = v;
			k->hi_row = i;
		}
		k->any = 1;
		if (s->flag != NULL && s->flag[i] && (!k->flagged || v > k->mark)) {
			k->mark = v;
			k->flagged = 1;
		}
	}
}

/* Marks the pixel columns of each labelled window: a run of rows shaded
 * one after the other covers the columns from its first row to its last. */
static void mark_windows(const struct ad_svg_series *s, double x0, double x1,
    unsigned char *windows)
{
	size_t i = 0;

	while (s->shade != NULL && i < s->n) {
		size_t a, b, end = i;

		if (!s->shade[i] || !isfinite(s->x[i])) {
			i++;
			continue;
		}
		while (end + 1 < s->n && s->shade[end + 1] && isfinite(s->x[end + 1]))
			end++;
		a = column_of(s->x[i], x0, x1);
		b = column_of(s->x[end], x0, x1);
		for (size_t c = a < b ? a : b; c <= (a < b ? b : a); c++)
			windows[c] = 1;
		i = end + 1;
	}
}

/* Shades the columns inside labelled windows, runs of them as one box. */
static void shade_windows(struct ad_emit *e, const unsigned char *in,
    int top, int bottom)
{
	for (size_t c = 0; c < S_PW; c++) {
		size_t end = c;

		if (!in[c])
			continue;
		while (end + 1 < S_PW && in[end + 1])
			end++;
		/* at least 3 pixels: a window of one row still shows */
		ad_emit_printf(e, "<rect class=\"window\" x=\"%.1f\" y=\"%d\" "
		    "width=\"%.1f\" height=\"%d\"/>\n", S_LEFT + c - 1.5, top,
		    (double)(end - c + 3), bottom - top);
		c = end;
	}
}

static void series_panel(struct ad_emit *e, const struct ad_svg_series *s,
    const struct ad_svg_series_panel *p, const unsigned char *windows,
    struct colstat *c, double x0, double x1, int top, int h)
{
	double lo = 0, hi = 1, step;
	int any = range_of(p->y, s->x, s->n, &lo, &hi);

	if (isfinite(p->hline)) {
		lo = any && lo < p->hline ? lo : p->hline;
		hi = any && hi > p->hline ? hi : p->hline;
	}
	if (hi - lo < 1e-12 * (fabs(hi) + 1)) {
		lo -= 0.5 * (fabs(lo) + 1);
		hi += 0.5 * (fabs(hi) + 1);
	}
	step = nice_step(hi - lo, 4);
	lo = floor(lo / step) * step;
	hi = ceil(hi / step) * step;
#define PY(v) (top + (1 - ((v) - lo) / (hi - lo)) * h)
	ad_emit_printf(e, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
	    "fill=\"#ffffff\" stroke=\"#444444\"/>\n", S_LEFT, top, S_PW, h);
	shade_windows(e, windows, top, top + h);
	for (double v = lo; v <= hi + step * 1e-9; v += step) {
		char label[64];

		tick_number(label, sizeof label, v, step);
		ad_emit_printf(e, "<line class=\"grid\" x1=\"%d\" y1=\"%.2f\" "
		    "x2=\"%d\" y2=\"%.2f\"/>\n", S_LEFT, PY(v), S_LEFT + S_PW, PY(v));
		ad_emit_printf(e, "<text class=\"tick\" x=\"%d\" y=\"%.2f\" "
		    "text-anchor=\"end\">%s</text>\n", S_LEFT - 6, PY(v) + 4, label);
	}
	ad_emit_printf(e, "<text class=\"label\" x=\"%d\" y=\"%d\">", S_LEFT,
	    top - 8);
	put_text(e, p->title);
	ad_emit_raw(e, "</text>\n");
	column_stats(s, p, x0, x1, c);
	ad_emit_printf(e, "<polyline fill=\"none\" stroke=\"%s\" "
	    "stroke-width=\"1.5\" points=\"", ad_svg_colour(0));
	for (size_t k = 0; k < S_PW && ad_emit_ok(e); k++) {
		double a, b;

		if (!c[k].any)
			continue;
		a = c[k].lo_row < c[k].hi_row ? c[k].lo : c[k].hi;
		b = c[k].lo_row < c[k].hi_row ? c[k].hi : c[k].lo;
		ad_emit_printf(e, "%zu,%.2f ", S_LEFT + k, PY(a));
		if (a != b)
			ad_emit_printf(e, "%zu,%.2f ", S_LEFT + k, PY(b));
	}
	ad_emit_raw(e, "\"/>\n");
	if (isfinite(p->hline)) {
		ad_emit_printf(e, "<line class=\"threshold\" x1=\"%d\" y1=\"%.2f\" "
		    "x2=\"%d\" y2=\"%.2f\"/>\n", S_LEFT, PY(p->hline), S_LEFT + S_PW,
		    PY(p->hline));
	}
	for (size_t k = 0; p->marks && k < S_PW && ad_emit_ok(e); k++)
		if (c[k].flagged)
			ad_emit_printf(e, "<circle class=\"flag\" cx=\"%zu\" "
			    "cy=\"%.2f\" r=\"3.5\"/>\n", S_LEFT + k, PY(c[k].mark));
#undef PY
}

/* One legend row under the x axis: the line, the windows, the flags. */
static void series_legend(struct ad_emit *e, const struct ad_svg_series *s,
    int y)
{
	int x = S_LEFT;

	ad_emit_printf(e, "<rect class=\"window\" x=\"%d\" y=\"%d\" width=\"24\" "
	    "height=\"12\"/>\n<text class=\"tick\" x=\"%d\" y=\"%d\">", x, y - 6,
	    x + 30, y + 4);
	put_text(e, s->shade_label);
	ad_emit_raw(e, "</text>\n");
	x += 30 + 7 * (int)strlen(s->shade_label) + 24;
	ad_emit_printf(e, "<circle class=\"flag\" cx=\"%d\" cy=\"%d\" r=\"3.5\"/>"
	    "\n<text class=\"tick\" x=\"%d\" y=\"%d\">", x + 6, y, x + 16, y + 4);
	put_text(e, s->flag_label);
	ad_emit_raw(e, "</text>\n");
	x += 16 + 7 * (int)strlen(s->flag_label) + 24;
	for (size_t p = 0; p < s->npanels; p++) {
		if (!isfinite(s->panels[p].hline))
			continue;
		ad_emit_printf(e, "<line class=\"threshold\" x1=\"%d\" y1=\"%d\" "
		    "x2=\"%d\" y2=\"%d\"/>\n<text class=\"tick\" x=\"%d\" "
		    "y=\"%d\">", x, y, x + 24, y, x + 30, y + 4);
		put_text(e, s->panels[p].hline_label);
		ad_emit_raw(e, "</text>\n");
		x += 30 + 7 * (int)strlen(s->panels[p].hline_label) + 24;
	}
}

enum ad_status ad_svg_write_series(struct ad_out *out,
    const struct ad_svg_series *s, struct ad_error *err)
{
	struct ad_emit e;
	struct colstat *c;
	unsigned char *windows;
	double x0 = 0, x1 = 1;
	int height = S_HEADER, top;

	if ((c = ad_calloc(S_PW, sizeof *c)) == NULL ||
	    (windows = ad_calloc(S_PW, 1)) == NULL) {
		ad_free(c);
		return ad_error_nomem(err);
	}
	if (!range_of(s->x, NULL, s->n, &x0, &x1) || x1 - x0 <= 0) {
		x0 -= s->time_axis ? 30 : 0.5;
		x1 += s->time_axis ? 30 : 0.5;
	}
	mark_windows(s, x0, x1, windows);
	for (size_t p = 0; p < s->npanels; p++)
		height += S_GAP + (p + 1 == s->npanels ? S_SCORE_H : S_VALUE_H);
	height += 72;
	ad_emit_init(&e, out, err);
	document_head(&e, S_WIDTH, height, ".grid { stroke: #e4e4e4; "
	    "stroke-width: 1; }\n"
	    ".tick { font-size: 12px; fill: #222222; }\n"
	    ".label { font-size: 13px; font-weight: bold; fill: #222222; }\n"
	    ".title { font-size: 15px; font-weight: bold; fill: #222222; }\n"
	    ".window { fill: #f4a582; fill-opacity: 0.6; stroke: none; }\n"
	    ".flag { fill: #d62728; stroke: #ffffff; stroke-width: 0.5; }\n"
	    ".threshold { stroke: #7b3294; stroke-width: 1.5; "
	    "stroke-dasharray: 6 4; }\n", 26, s->title);
	top = S_HEADER;
	for (size_t p = 0; p < s->npanels; p++) {
		int h = p + 1 == s->npanels ? S_SCORE_H : S_VALUE_H;

		top += S_GAP;
		series_panel(&e, s, &s->panels[p], windows, c, x0, x1, top, h);
		top += h;
	}
	x_ticks(&e, s, x0, x1, top);
	ad_emit_printf(&e, "<text class=\"tick\" x=\"%d\" y=\"%d\" "
	    "text-anchor=\"middle\">", S_LEFT + S_PW / 2, top + 34);
	put_text(&e, s->xlabel);
	if (s->time_axis) {
		/* the ticks may show times of day only: the date they start on */
		char from[64];
		time_label(from, sizeof from, x0, 86400, 0);
		ad_emit_printf(&e, ", from %s", from);
	}
	ad_emit_raw(&e, "</text>\n");
	series_legend(&e, s, top + 56);
	ad_emit_raw(&e, "</svg>\n");
	ad_free(c);
	ad_free(windows);
	return ad_emit_status(&e);
}
