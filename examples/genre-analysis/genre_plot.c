/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A small plotting layer on cairo for genre-analysis; see genre_plot.h. */
#include "genre_plot.h"

#include <cairo-svg.h>
#include <cairo.h>
#include <fontconfig/fontconfig.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FONT "DejaVu Sans"
#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

enum { S_LINE = 0, S_POINTS = 1, S_NOTE = 2 };

typedef struct series {
    int type;
    double *x, *y, *z;
    int32_t *cls;
    size_t n;
    int color, dashed;
    double width, radius;
    char *label;
} series;

struct gplot {
    int kind;
    char *title, *xlabel, *ylabel, *zlabel;
    int has_xlim, has_ylim;
    double xlo, xhi, ylo, yhi;
    series *s;
    size_t ns, cap;
    char **classes;
    size_t n_classes;
    double *heat;
    size_t hn;
    char **hnames;
    double az, el;
};

/* Tableau-10: distinguishable and colour-blind friendlier than the rainbow. */
static const double PALETTE[10][3] = {
    {0.122, 0.467, 0.706}, {1.000, 0.498, 0.055}, {0.173, 0.627, 0.173},
    {0.839, 0.153, 0.157}, {0.580, 0.404, 0.741}, {0.549, 0.337, 0.294},
    {0.890, 0.467, 0.761}, {0.498, 0.498, 0.498}, {0.737, 0.741, 0.133},
    {0.090, 0.745, 0.812}};

/* Colour c: Tableau-10 for the first ten; beyond, hues a golden angle
 * apart (saturated, darker than the Tableau colours, starting at a deep
 * magenta), so K classes get K
 * different colours. */
static void set_color(cairo_t *cr, int c, double alpha)
{
    if (c < 0) {
        cairo_set_source_rgba(cr, 0.35, 0.35, 0.35, alpha);
    } else if (c < 10) {
        cairo_set_source_rgba(cr, PALETTE[c][0], PALETTE[c][1], PALETTE[c][2], alpha);
    } else {
        double h = fmod((c - 10) * 0.6180339887 + 0.83, 1.0) * 6, v = c % 2 ? 0.75 : 0.5;
        double s = 0.9, f = h - floor(h), p = v * (1 - s), q = v * (1 - s * f),
               t = v * (1 - s * (1 - f));
        double rgb[6][3] = {{v, t, p}, {q, v, p}, {p, v, t}, {p, q, v}, {t, p, v}, {v, p, q}};
        int i = (int)floor(h) % 6;
        cairo_set_source_rgba(cr, rgb[i][0], rgb[i][1], rgb[i][2], alpha);
    }
}

static char *dupstr(const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

gplot *gplot_create(int kind, const char *title, const char *xlabel, const char *ylabel)
{
    gplot *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->kind = kind;
    p->title = dupstr(title ? title : "");
    p->xlabel = dupstr(xlabel ? xlabel : "");
    p->ylabel = dupstr(ylabel ? ylabel : "");
    p->zlabel = dupstr("");
    p->az = 35;
    p->el = 25;
    if (!p->title || !p->xlabel || !p->ylabel || !p->zlabel) {
        gplot_free(p);
        return NULL;
    }
    return p;
}

void gplot_free(gplot *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->ns; i++) {
        free(p->s[i].x), free(p->s[i].y), free(p->s[i].z), free(p->s[i].cls);
        free(p->s[i].label);
    }
    free(p->s);
    for (size_t i = 0; i < p->n_classes; i++)
        free(p->classes[i]);
    free(p->classes);
    for (size_t i = 0; i < p->hn; i++)
        free(p->hnames[i]);
    free(p->hnames);
    free(p->heat);
    free(p->title), free(p->xlabel), free(p->ylabel), free(p->zlabel);
    free(p);
}

void gplot_set_xlim(gplot *p, double lo, double hi)
{
    p->has_xlim = 1, p->xlo = lo, p->xhi = hi;
}

void gplot_set_ylim(gplot *p, double lo, double hi)
{
    p->has_ylim = 1, p->ylo = lo, p->yhi = hi;
}

void gplot_set_view(gplot *p, double azimuth_deg, double elevation_deg, const char *zlabel)
{
    p->az = azimuth_deg;
    p->el = elevation_deg;
    char *z = dupstr(zlabel ? zlabel : "");
    if (z) {
        free(p->zlabel);
        p->zlabel = z;
    }
}

int gplot_set_classes(gplot *p, const char *const *names, size_t n)
{
    p->classes = calloc(n, sizeof *p->classes);
    if (!p->classes)
        return -1;
    p->n_classes = n;
    for (size_t i = 0; i < n; i++)
        if (!(p->classes[i] = dupstr(names[i])))
            return -1;
    return 0;
}

static series *add_series(gplot *p)
{
    if (p->ns == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 8;
        series *s = realloc(p->s, cap * sizeof *s);
        if (!s)
            return NULL;
        p->s = s, p->cap = cap;
    }
    series *s = &p->s[p->ns++];
    memset(s, 0, sizeof *s);
    return s;
}

int gplot_line(gplot *p, const double *x, const double *y, size_t n, int color, int dashed,
               double width, const char *label)
{
    series *s = add_series(p);
    if (!s)
        return -1;
    s->type = S_LINE, s->n = n, s->color = color, s->dashed = dashed;
    s->width = width > 0 ? width : 2.0;
    s->x = malloc((n ? n : 1) * sizeof *s->x);
    s->y = malloc((n ? n : 1) * sizeof *s->y);
    if (!s->x || !s->y || (label && !(s->label = dupstr(label))))
        return -1;
    if (n) {
        memcpy(s->x, x, n * sizeof *x);
        memcpy(s->y, y, n * sizeof *y);
    }
    return 0;
}

int gplot_points(gplot *p, const double *x, const double *y, const double *z, size_t stride,
                 const int32_t *cls, size_t n, size_t max_points, double radius)
{
    series *s = add_series(p);
    if (!s)
        return -1;
    size_t step = (max_points && n > max_points) ? (n + max_points - 1) / max_points : 1;
    size_t m = (n + step - 1) / step;
    s->type = S_POINTS, s->n = m, s->radius = radius > 0 ? radius : 1.6;
    s->x = malloc((m ? m : 1) * sizeof *s->x);
    s->y = malloc((m ? m : 1) * sizeof *s->y);
    s->z = malloc((m ? m : 1) * sizeof *s->z);
    s->cls = malloc((m ? m : 1) * sizeof *s->cls);
    if (!s->x || !s->y || !s->z || !s->cls)
        return -1;
    for (size_t i = 0, k = 0; i < n && k < m; i += step, k++) {
        s->x[k] = x[i * stride];
        s->y[k] = y[i * stride];
        s->z[k] = z ? z[i * stride] : 0.0;
        s->cls[k] = cls ? cls[i] : 0;
    }
    return 0;
}

int gplot_annotate(gplot *p, double x, double y, const char *text)
{
    series *s = add_series(p);
    if (!s)
        return -1;
    s->type = S_NOTE, s->n = 1;
    s->x = malloc(sizeof *s->x);
    s->y = malloc(sizeof *s->y);
    if (!s->x || !s->y || !(s->label = dupstr(text)))
        return -1;
    s->x[0] = x, s->y[0] = y;
    return 0;
}

int gplot_heatmap(gplot *p, const double *m, size_t n, const char *const *names)
{
    p->heat = malloc(n * n * sizeof *p->heat);
    p->hnames = calloc(n, sizeof *p->hnames);
    if (!p->heat || !p->hnames)
        return -1;
    memcpy(p->heat, m, n * n * sizeof *m);
    p->hn = n;
    for (size_t i = 0; i < n; i++)
        if (!(p->hnames[i] = dupstr(names[i])))
            return -1;
    return 0;
}

/* ---- drawing helpers ------------------------------------------------------ */

static void text_at(cairo_t *cr, double x, double y, const char *s, double size, double ax,
                    double ay, int bold)
{
    cairo_select_font_face(cr, FONT, CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, size);
    cairo_text_extents_t e;
    cairo_text_extents(cr, s, &e);
    cairo_move_to(cr, x - ax * e.x_advance, y + ay * size * 0.72);
    cairo_show_text(cr, s);
}

/* "Nice" tick step: 1, 2 or 5 times a power of ten, about 5-7 ticks. */
static double nice_step(double range)
{
    if (!(range > 0))
        return 1;
    double raw = range / 6;
    double mag = pow(10, floor(log10(raw)));
    double f = raw / mag;
    return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * mag;
}

static void fmt_tick(char *buf, size_t cap, double v, double step)
{
    if (fabs(v) < step * 1e-9)
        v = 0;
    if (fabs(v) >= 1e5 || (fabs(v) < 1e-3 && v != 0)) {
        snprintf(buf, cap, "%.3g", v);
        return;
    }
    int dec = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);
    snprintf(buf, cap, "%.*f", dec, v);
}

static void data_range(const gplot *p, int axis, double *lo, double *hi)
{
    double a = DBL_MAX, b = -DBL_MAX;
    for (size_t i = 0; i < p->ns; i++) {
        const double *v = axis == 0 ? p->s[i].x : axis == 1 ? p->s[i].y : p->s[i].z;
        for (size_t k = 0; k < p->s[i].n; k++)
            if (isfinite(v[k])) {
                a = v[k] < a ? v[k] : a;
                b = v[k] > b ? v[k] : b;
            }
    }
    if (a > b)
        a = 0, b = 1;
    if (a == b)
        a -= 0.5, b += 0.5;
    *lo = a, *hi = b;
}

static int has_legend(const gplot *p)
{
    if (p->n_classes)
        return 1;
    for (size_t i = 0; i < p->ns; i++)
        if (p->s[i].type == S_LINE && p->s[i].label)
            return 1;
    return 0;
}

static void draw_legend(const gplot *p, cairo_t *cr, double x0, double y0)
{
    double y = y0;
    cairo_select_font_face(cr, FONT, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    for (size_t c = 0; c < p->n_classes; c++, y += 20) {
        set_color(cr, (int)c, 1);
        cairo_arc(cr, x0 + 8, y, 5, 0, 2 * M_PI);
        cairo_fill(cr);
        cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
        text_at(cr, x0 + 20, y, p->classes[c], 12, 0, 0.5, 0);
    }
    for (size_t i = 0; i < p->ns; i++) {
        const series *s = &p->s[i];
        if (s->type != S_LINE || !s->label)
            continue;
        set_color(cr, s->color, 1);
        cairo_set_line_width(cr, s->width);
        double dash[] = {6, 4};
        cairo_set_dash(cr, dash, s->dashed ? 2 : 0, 0);
        cairo_move_to(cr, x0, y);
        cairo_line_to(cr, x0 + 22, y);
        cairo_stroke(cr);
        cairo_set_dash(cr, dash, 0, 0);
        cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
        text_at(cr, x0 + 28, y, s->label, 12, 0, 0.5, 0);
        y += 20;
    }
}

static void draw_title(const gplot *p, cairo_t *cr, int w)
{
    cairo_set_source_rgb(cr, 0.05, 0.05, 0.05);
    text_at(cr, w / 2.0, 26, p->title, 17, 0.5, 0.5, 1);
}

static void draw_xy(const gplot *p, cairo_t *cr, int w, int h)
{
    double L = 92, R = has_legend(p) ? 215 : 30, T = 52, B = 66;
    double pw = w - L - R, ph = h - T - B;
    double xlo, xhi, ylo, yhi;
    data_range(p, 0, &xlo, &xhi);
    data_range(p, 1, &ylo, &yhi);
    double px = (xhi - xlo) * 0.04, py = (yhi - ylo) * 0.04;
    xlo -= px, xhi += px, ylo -= py, yhi += py;
    if (p->has_xlim)
        xlo = p->xlo, xhi = p->xhi;
    if (p->has_ylim)
        ylo = p->ylo, yhi = p->yhi;
#define SX(v) (L + ((v) - xlo) / (xhi - xlo) * pw)
#define SY(v) (T + ph - ((v) - ylo) / (yhi - ylo) * ph)
    /* grid and ticks */
    char buf[64];
    double xs = nice_step(xhi - xlo), ys = nice_step(yhi - ylo);
    cairo_set_line_width(cr, 1);
    for (double v = ceil(xlo / xs) * xs; v <= xhi + xs * 1e-9; v += xs) {
        cairo_set_source_rgb(cr, 0.9, 0.9, 0.9);
        cairo_move_to(cr, SX(v), T);
        cairo_line_to(cr, SX(v), T + ph);
        cairo_stroke(cr);
        cairo_set_source_rgb(cr, 0.15, 0.15, 0.15);
        cairo_move_to(cr, SX(v), T + ph);
        cairo_line_to(cr, SX(v), T + ph + 5);
        cairo_stroke(cr);
        fmt_tick(buf, sizeof buf, v, xs);
        text_at(cr, SX(v), T + ph + 16, buf, 12, 0.5, 0.5, 0);
    }
    for (double v = ceil(ylo / ys) * ys; v <= yhi + ys * 1e-9; v += ys) {
        cairo_set_source_rgb(cr, 0.9, 0.9, 0.9);
        cairo_move_to(cr, L, SY(v));
        cairo_line_to(cr, L + pw, SY(v));
        cairo_stroke(cr);
        cairo_set_source_rgb(cr, 0.15, 0.15, 0.15);
        cairo_move_to(cr, L - 5, SY(v));
        cairo_line_to(cr, L, SY(v));
        cairo_stroke(cr);
        fmt_tick(buf, sizeof buf, v, ys);
        text_at(cr, L - 8, SY(v), buf, 12, 1, 0.5, 0);
    }
    /* data, clipped to the frame */
    cairo_save(cr);
    cairo_rectangle(cr, L, T, pw, ph);
    cairo_clip(cr);
    for (size_t i = 0; i < p->ns; i++) {
        const series *s = &p->s[i];
        if (s->type == S_POINTS) {
            for (size_t k = 0; k < s->n; k++) {
                set_color(cr, s->cls[k], 0.55);
                cairo_arc(cr, SX(s->x[k]), SY(s->y[k]), s->radius, 0, 2 * M_PI);
                cairo_fill(cr);
            }
        } else if (s->type == S_LINE) {
            set_color(cr, s->color, 0.95);
            cairo_set_line_width(cr, s->width);
            double dash[] = {6, 4};
            cairo_set_dash(cr, dash, s->dashed ? 2 : 0, 0);
            int pen = 0;
            for (size_t k = 0; k < s->n; k++) {
                if (!isfinite(s->x[k]) || !isfinite(s->y[k])) {
                    pen = 0;
                    continue;
                }
                if (pen)
                    cairo_line_to(cr, SX(s->x[k]), SY(s->y[k]));
                else
                    cairo_move_to(cr, SX(s->x[k]), SY(s->y[k]));
                pen = 1;
            }
            cairo_stroke(cr);
            cairo_set_dash(cr, dash, 0, 0);
        } else {
            cairo_set_source_rgb(cr, 0, 0, 0);
            cairo_arc(cr, SX(s->x[0]), SY(s->y[0]), 5, 0, 2 * M_PI);
            cairo_fill(cr);
            text_at(cr, SX(s->x[0]) + 8, SY(s->y[0]) - 10, s->label, 12, 0, 0.5, 1);
        }
    }
    cairo_restore(cr);
    cairo_set_source_rgb(cr, 0.15, 0.15, 0.15);
    cairo_set_line_width(cr, 1.2);
    cairo_rectangle(cr, L, T, pw, ph);
    cairo_stroke(cr);
    /* labels */
    text_at(cr, L + pw / 2, h - 18, p->xlabel, 14, 0.5, 0.5, 0);
    cairo_save(cr);
    cairo_translate(cr, 20, T + ph / 2);
    cairo_rotate(cr, -M_PI / 2);
    text_at(cr, 0, 0, p->ylabel, 14, 0.5, 0.5, 0);
    cairo_restore(cr);
    draw_legend(p, cr, L + pw + 18, T + 10);
#undef SX
#undef SY
}

static void heat_color(cairo_t *cr, double v)
{
    v = v < -1 ? -1 : v > 1 ? 1 : v;
    if (v >= 0)
        cairo_set_source_rgb(cr, 1, 1 - 0.75 * v, 1 - 0.8 * v);
    else
        cairo_set_source_rgb(cr, 1 + 0.8 * v, 1 + 0.55 * v, 1);
}

static void draw_heatmap(const gplot *p, cairo_t *cr, int w, int h)
{
    size_t n = p->hn;
    double L = 150, T = 52, B = 130, R = 110;
    double side = fmin(w - L - R, h - T - B);
    double c = side / (double)(n ? n : 1);
    char buf[32];
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            double v = p->heat[i * n + j];
            heat_color(cr, v);
            cairo_rectangle(cr, L + j * c, T + i * c, c, c);
            cairo_fill(cr);
            cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
            snprintf(buf, sizeof buf, "%.2f", v);
            text_at(cr, L + (j + 0.5) * c, T + (i + 0.5) * c, buf, c > 40 ? 11 : 9, 0.5, 0.5,
                    0);
        }
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    for (size_t i = 0; i < n; i++) {
        text_at(cr, L - 6, T + (i + 0.5) * c, p->hnames[i], 12, 1, 0.5, 0);
        cairo_save(cr);
        cairo_translate(cr, L + (i + 0.5) * c, T + side + 8);
        cairo_rotate(cr, M_PI / 4);
        text_at(cr, 0, 0, p->hnames[i], 12, 0, 0.5, 0);
        cairo_restore(cr);
    }
    /* colour bar */
    double bx = L + side + 30, bw = 20;
    for (int k = 0; k < 100; k++) {
        heat_color(cr, 1 - 2 * (k + 0.5) / 100.0);
        cairo_rectangle(cr, bx, T + side * k / 100.0, bw, side / 100.0 + 0.5);
        cairo_fill(cr);
    }
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    for (int k = 0; k <= 4; k++) {
        snprintf(buf, sizeof buf, "%.1f", 1 - k * 0.5);
        text_at(cr, bx + bw + 5, T + side * k / 4.0, buf, 12, 0, 0.5, 0);
    }
}

typedef struct proj {
    double u, v, depth;
    int32_t cls;
} proj;

static int cmp_depth(const void *a, const void *b)
{
    double x = ((const proj *)a)->depth, y = ((const proj *)b)->depth;
    return (x < y) - (x > y); /* far (large depth) first */
}

static void project(const gplot *p, double X, double Y, double Z, double *u, double *v,
                    double *d)
{
    double a = p->az * M_PI / 180, e = p->el * M_PI / 180;
    double xr = X * cos(a) - Y * sin(a);
    double yr = X * sin(a) + Y * cos(a);
    *u = xr;
    *v = Z * cos(e) - yr * sin(e);
    *d = yr * cos(e) + Z * sin(e);
}

static void draw_scatter3(const gplot *p, cairo_t *cr, int w, int h)
{
    double R = has_legend(p) ? 215 : 30;
    double cx = (w - R) / 2.0 + 10, cy = h / 2.0 + 15;
    double sc = fmin(w - R, h - 60) / 3.9;
    double lo[3], hi[3];
    for (int a = 0; a < 3; a++)
        data_range(p, a, &lo[a], &hi[a]);
#define NRM(val, a) (2 * ((val) - lo[a]) / (hi[a] - lo[a]) - 1)
    /* the three axes from the back corner */
    const char *names[3] = {p->xlabel, p->ylabel, p->zlabel};
    double corner[3] = {-1, -1, -1};
    char buf[64];
    cairo_set_line_width(cr, 1.3);
    for (int a = 0; a < 3; a++) {
        double end[3] = {-1, -1, -1};
        end[a] = 1;
        double u0, v0, u1, v1, d;
        project(p, corner[0], corner[1], corner[2], &u0, &v0, &d);
        project(p, end[0], end[1], end[2], &u1, &v1, &d);
        cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
        cairo_move_to(cr, cx + sc * u0, cy - sc * v0);
        cairo_line_to(cr, cx + sc * u1, cy - sc * v1);
        cairo_stroke(cr);
        text_at(cr, cx + sc * u1 * 1.1, cy - sc * v1 * 1.1, names[a], 14, 0.5, 0.5, 1);
        /* end values */
        snprintf(buf, sizeof buf, "%.2g", hi[a]);
        text_at(cr, cx + sc * u1, cy - sc * v1 + 14, buf, 11, 0.5, 0.5, 0);
        if (a == 0) {
            snprintf(buf, sizeof buf, "%.2g", lo[0]);
            text_at(cr, cx + sc * u0, cy - sc * v0 + 14, buf, 11, 0.5, 0.5, 0);
        }
    }
    size_t total = 0;
    for (size_t i = 0; i < p->ns; i++)
        if (p->s[i].type == S_POINTS)
            total += p->s[i].n;
    proj *pr = malloc((total ? total : 1) * sizeof *pr);
    if (pr) {
        size_t m = 0;
        for (size_t i = 0; i < p->ns; i++) {
            const series *s = &p->s[i];
            if (s->type != S_POINTS)
                continue;
            for (size_t k = 0; k < s->n; k++, m++) {
                project(p, NRM(s->x[k], 0), NRM(s->y[k], 1), NRM(s->z[k], 2), &pr[m].u,
                        &pr[m].v, &pr[m].depth);
                pr[m].cls = s->cls[k];
            }
        }
        qsort(pr, m, sizeof *pr, cmp_depth);
        for (size_t k = 0; k < m; k++) {
            set_color(cr, pr[k].cls, 0.6);
            cairo_arc(cr, cx + sc * pr[k].u, cy - sc * pr[k].v, 1.7, 0, 2 * M_PI);
            cairo_fill(cr);
        }
        free(pr);
    }
#undef NRM
    cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
    snprintf(buf, sizeof buf, "view: azimuth %.0f\xc2\xb0, elevation %.0f\xc2\xb0", p->az,
             p->el);
    text_at(cr, 12, h - 14, buf, 11, 0, 0.5, 0);
    draw_legend(p, cr, w - R + 18, 62);
}

static void draw(const gplot *p, cairo_t *cr, int w, int h)
{
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    draw_title(p, cr, w);
    if (p->kind == GPLOT_HEATMAP)
        draw_heatmap(p, cr, w, h);
    else if (p->kind == GPLOT_SCATTER3)
        draw_scatter3(p, cr, w, h);
    else
        draw_xy(p, cr, w, h);
}

int gplot_save(const gplot *p, const char *base, int width, int height, char *errbuf,
               size_t errcap)
{
    char path[4096];
    /* PNG */
    cairo_surface_t *surf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height);
    cairo_t *cr = cairo_create(surf);
    draw(p, cr, width, height);
    cairo_status_t st = cairo_status(cr);
    cairo_destroy(cr);
    snprintf(path, sizeof path, "%s.png", base);
    if (st == CAIRO_STATUS_SUCCESS)
        st = cairo_surface_write_to_png(surf, path);
    cairo_surface_destroy(surf);
    if (st != CAIRO_STATUS_SUCCESS) {
        snprintf(errbuf, errcap, "%s: %s", path, cairo_status_to_string(st));
        return -1;
    }
    /* SVG */
    snprintf(path, sizeof path, "%s.svg", base);
    surf = cairo_svg_surface_create(path, width, height);
    cr = cairo_create(surf);
    draw(p, cr, width, height);
    st = cairo_status(cr);
    cairo_destroy(cr);
    cairo_surface_finish(surf);
    if (st == CAIRO_STATUS_SUCCESS)
        st = cairo_surface_status(surf);
    cairo_surface_destroy(surf);
    if (st != CAIRO_STATUS_SUCCESS) {
        snprintf(errbuf, errcap, "%s: %s", path, cairo_status_to_string(st));
        return -1;
    }
    return 0;
}

void gplot_shutdown(void)
{
    cairo_debug_reset_static_data();
    FcFini();
}
