/*
 * SVG charts. Each panel is a PANEL x PANEL pixel square: a plot area with
 * a margin for the tick labels and axis titles, grid lines every 0.2, the
 * curves clipped to the area, a legend in a lower corner and an optional
 * marked point. Coordinates are
 * written with two decimals (a hundredth of a pixel), in the C locale's
 * number format since lib/ never calls setlocale.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "io.h"
#include "svg.h"

enum {
	PANEL = 440,     /* width and height of a panel */
	LEFT = 64,       /* plot area's offset in the panel */
	TOP = 44,
	SIZE = 340,      /* plot area's width and height */
	HEADER = 36      /* the document title's band */
};

static const char *const colours[] = { "#1f77b4", "#d95f02" };

/* Writes printf-style text; the pieces here are short. */
static enum ad_status put(struct ad_out *out, struct ad_error *err,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static enum ad_status put(struct ad_out *out, struct ad_error *err,
    const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof buf)
		return ad_error_set(err, AD_EIO, "SVG text too long");
	return ad_out_write(out, buf, (size_t)n, err);
}

/* Writes s with &, <, >, " and ' escaped. */
static enum ad_status put_text(struct ad_out *out, const char *s,
    struct ad_error *err)
{
	enum ad_status st = AD_OK;
	const char *run = s;

	for (; *s && st == AD_OK; s++) {
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
		st = ad_out_write(out, run, (size_t)(s - run), err);
		if (st == AD_OK)
			st = ad_out_write(out, esc, strlen(esc), err);
		run = s + 1;
	}
	if (st == AD_OK)
		st = ad_out_write(out, run, strlen(run), err);
	return st;
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

static enum ad_status axes(struct ad_out *out, const struct ad_svg_panel *p,
    struct ad_error *err)
{
	enum ad_status st = AD_OK;

#define S(x) do { if (st == AD_OK) st = (x); } while (0)
	S(put(out, err, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
	    "fill=\"#ffffff\" stroke=\"#444444\"/>\n", LEFT, TOP, SIZE, SIZE));
	for (int i = 0; i <= 5; i++) {
		double v = i / 5.0;
		if (i > 0 && i < 5) {
			S(put(out, err, "<line class=\"grid\" x1=\"%.2f\" y1=\"%d\" "
			    "x2=\"%.2f\" y2=\"%d\"/>\n", px_of(v), TOP, px_of(v),
			    TOP + SIZE));
			S(put(out, err, "<line class=\"grid\" x1=\"%d\" y1=\"%.2f\" "
			    "x2=\"%d\" y2=\"%.2f\"/>\n", LEFT, py_of(v), LEFT + SIZE,
			    py_of(v)));
		}
		S(put(out, err, "<text class=\"tick\" x=\"%.2f\" y=\"%d\" "
		    "text-anchor=\"middle\">%.1f</text>\n", px_of(v),
		    TOP + SIZE + 16, v));
		S(put(out, err, "<text class=\"tick\" x=\"%d\" y=\"%.2f\" "
		    "text-anchor=\"end\">%.1f</text>\n", LEFT - 6, py_of(v) + 4, v));
	}
	S(put(out, err, "<text class=\"label\" x=\"%d\" y=\"%d\" "
	    "text-anchor=\"middle\">", LEFT + SIZE / 2, TOP + SIZE + 36));
	S(put_text(out, p->xlabel, err));
	S(put(out, err, "</text>\n<text class=\"label\" transform=\"translate(%d "
	    "%d) rotate(-90)\" text-anchor=\"middle\">", LEFT - 40,
	    TOP + SIZE / 2));
	S(put_text(out, p->ylabel, err));
	S(put(out, err, "</text>\n<text class=\"title\" x=\"%d\" y=\"%d\" "
	    "text-anchor=\"middle\">", LEFT + SIZE / 2, TOP - 14));
	S(put_text(out, p->title, err));
	S(put(out, err, "</text>\n"));
#undef S
	return st;
}

static enum ad_status chance_lines(struct ad_out *out,
    const struct ad_svg_panel *p, struct ad_error *err)
{
	enum ad_status st = AD_OK;

	if (p->diagonal)
		st = put(out, err, "<line class=\"chance\" x1=\"%.2f\" y1=\"%.2f\" "
		    "x2=\"%.2f\" y2=\"%.2f\"/>\n", px_of(0), py_of(0), px_of(1),
		    py_of(1));
	if (st == AD_OK && !isnan(p->baseline))
		st = put(out, err, "<line class=\"chance\" x1=\"%.2f\" y1=\"%.2f\" "
		    "x2=\"%.2f\" y2=\"%.2f\"/>\n", px_of(0), py_of(p->baseline),
		    px_of(1), py_of(p->baseline));
	return st;
}

static enum ad_status curve(struct ad_out *out, const struct ad_svg_curve *c,
    size_t k, int clip, struct ad_error *err)
{
	enum ad_status st;

	st = put(out, err, "<polyline clip-path=\"url(#clip%d)\" fill=\"none\" "
	    "stroke=\"%s\" stroke-width=\"2\"%s points=\"", clip, colours[k % 2],
	    c->dashed ? " stroke-dasharray=\"6 4\"" : "");
	for (size_t i = 0; i < c->n && st == AD_OK; i++) {
		/* a step holds the new y from the previous x, then moves across */
		if (c->steps && i > 0)
			st = put(out, err, "%.2f,%.2f ", px_of(c->x[i - 1]),
			    py_of(c->y[i]));
		if (st == AD_OK)
			st = put(out, err, "%.2f,%.2f ", px_of(c->x[i]),
			    py_of(c->y[i]));
	}
	return st != AD_OK ? st : put(out, err, "\"/>\n");
}

/* The legend, in a lower corner of the plot area: a line per curve, and
 * the marked point's label beside a circle like the mark. */
static enum ad_status legend(struct ad_out *out, const struct ad_svg_panel *p,
    struct ad_error *err)
{
	enum ad_status st = AD_OK;
	int lines = (int)p->ncurves + (p->has_point != 0);
	int width = SIZE * 3 / 5, x = p->legend_left ? LEFT + 10 :
	    LEFT + SIZE - 10 - width;
	int y = TOP + SIZE - 12 - lines * 18;

	if (lines == 0)
		return AD_OK;
	st = put(out, err, "<rect class=\"legend\" x=\"%d\" y=\"%d\" "
	    "width=\"%d\" height=\"%d\"/>\n", x, y - 4, width, lines * 18 + 6);
	for (int k = 0; k < lines && st == AD_OK; k++) {
		int ly = y + 8 + k * 18, is_point = k == (int)p->ncurves;

		if (is_point)
			st = put(out, err, "<circle cx=\"%d\" cy=\"%d\" r=\"5\" "
			    "fill=\"none\" stroke=\"#000000\" stroke-width=\"2\"/>\n",
			    x + 20, ly);
		else
			st = put(out, err, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" "
			    "y2=\"%d\" stroke=\"%s\" stroke-width=\"2\"%s/>\n", x + 8,
			    ly, x + 32, ly, colours[k % 2], p->curves[k].dashed ?
			    " stroke-dasharray=\"6 4\"" : "");
		if (st == AD_OK)
			st = put(out, err, "<text class=\"tick\" x=\"%d\" y=\"%d\">",
			    x + 40, ly + 4);
		if (st == AD_OK)
			st = put_text(out, is_point ? p->point_label :
			    p->curves[k].legend, err);
		if (st == AD_OK)
			st = put(out, err, "</text>\n");
	}
	return st;
}

static enum ad_status point(struct ad_out *out, const struct ad_svg_panel *p,
    struct ad_error *err)
{
	return put(out, err, "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"5\" "
	    "fill=\"none\" stroke=\"#000000\" stroke-width=\"2\"/>\n",
	    px_of(p->px), py_of(p->py));
}

static enum ad_status panel(struct ad_out *out, const struct ad_svg_panel *p,
    int index, struct ad_error *err)
{
	enum ad_status st;

	st = put(out, err, "<g transform=\"translate(%d %d)\">\n<clipPath "
	    "id=\"clip%d\"><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"/>"
	    "</clipPath>\n", index * PANEL, HEADER, index, LEFT - 3, TOP - 3,
	    SIZE + 6, SIZE + 6);
	if (st == AD_OK)
		st = axes(out, p, err);
	if (st == AD_OK && p->note != NULL) {
		st = put(out, err, "<text class=\"label\" x=\"%d\" y=\"%d\" "
		    "text-anchor=\"middle\">", LEFT + SIZE / 2, TOP + SIZE / 2);
		if (st == AD_OK)
			st = put_text(out, p->note, err);
		if (st == AD_OK)
			st = put(out, err, "</text>\n");
		return st != AD_OK ? st : put(out, err, "</g>\n");
	}
	if (st == AD_OK)
		st = chance_lines(out, p, err);
	for (size_t k = 0; k < p->ncurves && st == AD_OK; k++)
		st = curve(out, &p->curves[k], k, index, err);
	if (st == AD_OK && p->has_point)
		st = point(out, p, err);
	if (st == AD_OK)
		st = legend(out, p, err);
	return st != AD_OK ? st : put(out, err, "</g>\n");
}

enum ad_status ad_svg_write(struct ad_out *out, const char *title,
    const struct ad_svg_panel *panels, size_t npanels, struct ad_error *err)
{
	int width = (int)npanels * PANEL, height = PANEL + HEADER;
	enum ad_status st;

	st = put(out, err, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" "
	    "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
	    "font-family=\"DejaVu Sans, Arial, Helvetica, sans-serif\">\n",
	    width, height, width, height);
	if (st == AD_OK)
		st = put(out, err, "<style>\n"
	    ".grid { stroke: #e4e4e4; stroke-width: 1; }\n"
	    ".chance { stroke: #999999; stroke-width: 1; stroke-dasharray: 3 3; }\n"
	    ".tick { font-size: 12px; fill: #222222; }\n"
	    ".label { font-size: 14px; fill: #222222; }\n"
	    ".title { font-size: 15px; font-weight: bold; fill: #222222; }\n"
	    ".legend { fill: #ffffff; fill-opacity: 0.85; stroke: #bbbbbb; }\n"
	    "</style>\n<rect width=\"100%%\" height=\"100%%\" fill=\"#ffffff\"/>\n"
	    "<text class=\"title\" x=\"%d\" y=\"24\" text-anchor=\"middle\">",
	    width / 2);
	if (st == AD_OK)
		st = put_text(out, title, err);
	if (st == AD_OK)
		st = put(out, err, "</text>\n");
	for (size_t i = 0; i < npanels && st == AD_OK; i++)
		st = panel(out, &panels[i], (int)i, err);
	return st != AD_OK ? st : put(out, err, "</svg>\n");
}
