/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A small plotting layer on cairo for genre-analysis (examples only; the
 * library never links cairo). A figure collects its series in memory and is
 * rendered twice, to PNG and to SVG, by the same drawing code.
 *
 * Kinds: XY (lines, step lines, scatter with one colour per class), HEATMAP
 * (a labelled square matrix in [-1, 1] with the values printed) and SCATTER3
 * (an orthographic view of 3-D points from a given azimuth and elevation).
 */
#ifndef GENRE_PLOT_H
#define GENRE_PLOT_H

#include <stddef.h>
#include <stdint.h>

enum { GPLOT_XY = 0, GPLOT_HEATMAP = 1, GPLOT_SCATTER3 = 2 };

typedef struct gplot gplot;

/* NULL on allocation failure; the strings are copied. */
gplot *gplot_create(int kind, const char *title, const char *xlabel, const char *ylabel);
void gplot_free(gplot *p);

/* Fixed axis limits (XY); without them the data's range, padded by 4%. */
void gplot_set_xlim(gplot *p, double lo, double hi);
void gplot_set_ylim(gplot *p, double lo, double hi);
/* Legend entries for class colours 0..n-1 (copied). */
int gplot_set_classes(gplot *p, const char *const *names, size_t n);

/* A polyline of colour `color` (index into the palette; -1 = grey), dashed
 * when `dashed`, in the legend when `label` is not NULL. */
int gplot_line(gplot *p, const double *x, const double *y, size_t n, int color, int dashed,
               double width, const char *label);
/* Points coloured by class (cls may be NULL: colour 0); at most max_points
 * are kept, taken at an even stride. z is used by SCATTER3 only. */
int gplot_points(gplot *p, const double *x, const double *y, const double *z, size_t stride,
                 const int32_t *cls, size_t n, size_t max_points, double radius);
/* SCATTER3: the view angles in degrees and the third axis name. */
void gplot_set_view(gplot *p, double azimuth_deg, double elevation_deg, const char *zlabel);
/* HEATMAP: an n x n matrix (copied) with row/column names. */
int gplot_heatmap(gplot *p, const double *m, size_t n, const char *const *names);
/* A marker at one point with a text beside it (XY). */
int gplot_annotate(gplot *p, double x, double y, const char *text);

/* Writes <base>.png and <base>.svg; 0 or -1 (message in errbuf). */
/* Releases cairo's and fontconfig's process-wide caches (font maps, the
 * parsed font configuration), so leak checkers see a clean exit. Call once,
 * after the last plot, with no plot being drawn on any thread. */
void gplot_shutdown(void);

int gplot_save(const gplot *p, const char *base, int width, int height, char *errbuf,
               size_t errcap);

#endif
