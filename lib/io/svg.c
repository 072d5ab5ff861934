/*
 * SVG charts. Each panel is a PANEL x PANEL pixel square: a plot area with
 * a margin for the tick labels and axis titles, grid lines every 0.2, the
 * curves clipped to the area, a legend in a lower corner and an optional
 * marked point. Coordinates are
 * written with two decimals (a hundredth of a pixel), in the C locale's
 * number format since lib/ never calls setlocale.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "emit.h"
#include "svg.h"

enum {
	PANEL = 440,     /* width and height of a panel */
	LEFT = 64,       /* plot area's offset in the panel */
	TOP = 44,
	SIZE = 340,      /* plot area's width and height */
	HEADER = 36      /* the document title's band */
};

static const char *const colours[] = { "#1f77b4", "#d95f02" };

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
	    "stroke=\"%s\" stroke-width=\"2\"%s points=\"", clip, colours[k % 2],
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

/* The legend, in a lower corner of the plot area: a line per curve, and
 * the marked point's label beside a circle like the mark. */
static void legend(struct ad_emit *e, const struct ad_svg_panel *p)
{
	int lines = (int)p->ncurves + (p->has_point != 0);
	int width = SIZE * 3 / 5, x = p->legend_left ? LEFT + 10 :
	    LEFT + SIZE - 10 - width;
	int y = TOP + SIZE - 12 - lines * 18;

	if (lines == 0)
		return;
	ad_emit_printf(e, "<rect class=\"legend\" x=\"%d\" y=\"%d\" "
	    "width=\"%d\" height=\"%d\"/>\n", x, y - 4, width, lines * 18 + 6);
	for (int k = 0; k < lines; k++) {
		int ly = y + 8 + k * 18, is_point = k == (int)p->ncurves;

		if (is_point)
			ad_emit_printf(e, "<circle cx=\"%d\" cy=\"%d\" r=\"5\" "
			    "fill=\"none\" stroke=\"#000000\" stroke-width=\"2\"/>\n",
			    x + 20, ly);
		else
			ad_emit_printf(e, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" "
			    "y2=\"%d\" stroke=\"%s\" stroke-width=\"2\"%s/>\n", x + 8,
			    ly, x + 32, ly, colours[k % 2], p->curves[k].dashed ?
			    " stroke-dasharray=\"6 4\"" : "");
		ad_emit_printf(e, "<text class=\"tick\" x=\"%d\" y=\"%d\">",
		    x + 40, ly + 4);
		put_text(e, is_point ? p->point_label : p->curves[k].legend);
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
	int width = (int)npanels * PANEL, height = PANEL + HEADER;
	struct ad_emit e;

	ad_emit_init(&e, out, err);
	ad_emit_printf(&e, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" "
	    "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
	    "font-family=\"DejaVu Sans, Arial, Helvetica, sans-serif\">\n",
	    width, height, width, height);
	ad_emit_printf(&e, "<style>\n"
	    ".grid { stroke: #e4e4e4; stroke-width: 1; }\n"
	    ".chance { stroke: #999999; stroke-width: 1; stroke-dasharray: 3 3; }\n"
	    ".tick { font-size: 12px; fill: #222222; }\n"
	    ".label { font-size: 14px; fill: #222222; }\n"
	    ".title { font-size: 15px; font-weight: bold; fill: #222222; }\n"
	    ".legend { fill: #ffffff; fill-opacity: 0.85; stroke: #bbbbbb; }\n"
	    "</style>\n<rect width=\"100%%\" height=\"100%%\" fill=\"#ffffff\"/>\n"
	    "<text class=\"title\" x=\"%d\" y=\"24\" text-anchor=\"middle\">",
	    width / 2);
	put_text(&e, title);
	ad_emit_raw(&e, "</text>\n");
	for (size_t i = 0; i < npanels; i++)
		panel(&e, &panels[i], (int)i);
	ad_emit_raw(&e, "</svg>\n");
	return ad_emit_status(&e);
}
