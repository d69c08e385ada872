// Implicit-GEMM convolution: the GEMM driver's op(B) packer reads image patches directly, so no
// column matrix (9× the input for a 3×3 kernel) is ever written and re-read. Forward products use
// cols (rows = channel·tap, columns = image·position); the weight gradient uses colsᵀ, packed as
// row blocks of cols transposed 16×16 at a time. Columns are grouped in runs of one output row,
// where stride-1 taps are contiguous in the input (masked vector loads; padding reads as 0).
#include "ckernels.h"
#include "gemm_driver.h"
#include <stdlib.h>

#if defined(__x86_64__)

// Runs of consecutive columns within one output row of one image.
typedef struct { long image, row, column, count, offset; } column_run;

static long column_runs(const dk_im2col *g, long j0, long ncols, column_run *runs) {
    const long positions = g->out_height * g->out_width;
    long count = 0;
    for (long c = 0, j = j0; c < ncols;) {
        long image = j / positions, p = j % positions, row = p / g->out_width, column = p % g->out_width;
        long length = g->out_width - column < ncols - c ? g->out_width - column : ncols - c;
        runs[count++] = (column_run){image, row, column, length, c};
        c += length;
        j += length;
    }
    return count;
}

// dst[(k − k0)·ldd + c] = cols[k][j0 + c] for k in [k0, k0 + krows), c in [0, ncols); zero for c in [ncols, width).
AVX512 static void im2col_rows(const dk_im2col *g, long k0, long krows, long j0, long ncols, long width, float *dst, long ldd,
                               column_run *runs) {
    const long taps = g->kernel_height * g->kernel_width, plane = g->height * g->width;
    const long runCount = column_runs(g, j0, ncols, runs);
    for (long r = 0; r < krows; r++) {
        const long k = k0 + r, channel = k / taps, tap = k % taps;
        const long ki = tap / g->kernel_width, kj = tap % g->kernel_width;
        float *out = dst + r * ldd;
        for (long s = 0; s < runCount; s++) {
            const column_run run = runs[s];
            float *o = out + run.offset;
            const long ih = run.row * g->stride - g->padding + ki * g->dilation;
            if (ih < 0 || ih >= g->height) {
                for (long t = 0; t < run.count; t += 16) _mm512_mask_storeu_ps(o + t, tail_mask(run.count - t), _mm512_setzero_ps());
                continue;
            }
            const float *source = g->input + run.image * g->image_stride + channel * plane + ih * g->width;
            const long iw0 = run.column * g->stride - g->padding + kj * g->dilation;
            if (g->stride == 1) {
                // Valid taps: 0 ≤ iw0 + t < width. Masked-off lanes are neither read nor faulted.
                const long lo = iw0 < 0 ? -iw0 : 0, hi = g->width - iw0 < run.count ? g->width - iw0 : run.count;
                for (long t = 0; t < run.count; t += 16) {
                    __mmask16 lanes = tail_mask(run.count - t);
                    __mmask16 valid = lanes & (__mmask16)(~tail_mask(lo - t)) & tail_mask(hi - t);
                    _mm512_mask_storeu_ps(o + t, lanes, _mm512_maskz_loadu_ps(valid, source + iw0 + t));
                }
            } else {
                for (long t = 0; t < run.count; t++) {
                    const long iw = iw0 + t * g->stride;
                    o[t] = iw >= 0 && iw < g->width ? source[iw] : 0.f;
                }
            }
        }
        for (long c = ncols; c < width; c++) out[c] = 0.f;
    }
}

typedef struct { const dk_im2col *geometry; long column0, row0; } im2col_operand;

static __thread column_run *run_buffer;
static __thread float *transpose_buffer;

static column_run *runs_for_thread(void) {
    if (!run_buffer) run_buffer = malloc(sizeof(column_run) * (NC + 64));
    return run_buffer;
}

// Forward: op(B) = cols, k = channel·tap, j = image·position (offset by column0).
AVX512 static void pack_cols(const void *context, long k0, long kc, long j0, long nc, int nr, float *dst) {
    const im2col_operand *operand = context;
    column_run *runs = runs_for_thread();
    for (long j = 0; j < nc; j += nr) {
        const long cols = nc - j < nr ? nc - j : nr;
        im2col_rows(operand->geometry, k0, kc, operand->column0 + j0 + j, cols, nr, dst + j * kc, nr, runs);
    }
}

// Weight gradient: op(B) = colsᵀ, k = position (offset by column0), j = channel·tap (offset by row0).
AVX512 static void pack_cols_transposed(const void *context, long k0, long kc, long j0, long nc, int nr, float *dst) {
    const im2col_operand *operand = context;
    column_run *runs = runs_for_thread();
    if (!transpose_buffer) {
        void *p = NULL;
        if (posix_memalign(&p, 64, sizeof(float) * 64 * (KC + 16)) != 0) abort();
        transpose_buffer = p;
    }
    const long ldt = (kc + 15) / 16 * 16;
    for (long j = 0; j < nc; j += nr) {
        const long rows = nc - j < nr ? nc - j : nr;
        // transpose_buffer[c][p] = cols[row0 + j0 + j + c][column0 + k0 + p], zero rows past `rows` and columns past kc.
        im2col_rows(operand->geometry, operand->row0 + j0 + j, rows, operand->column0 + k0, kc, ldt, transpose_buffer, ldt, runs);
        for (long c = rows; c < nr; c++) for (long p = 0; p < ldt; p++) transpose_buffer[c * ldt + p] = 0.f;
        float *strip = dst + j * kc;
        long p = 0;
        for (; p + 16 <= kc; p += 16)
            for (long c = 0; c < nr; c += 16) dk_transpose16(transpose_buffer + c * ldt + p, ldt, strip + p * nr + c, nr);
        for (; p < kc; p++) for (long c = 0; c < nr; c++) strip[p * nr + c] = transpose_buffer[c * ldt + p];
    }
}

AVX512 void dk_conv_gemm(const dk_im2col *g, long m, long j0, long ncols, float alpha, const float *weight, long ldw,
                         float beta, float *c, long ldc) {
    im2col_operand operand = {g, j0, 0};
    dk_gemm_driver(0, m, ncols, g->channels * g->kernel_height * g->kernel_width, alpha, weight, ldw,
                   pack_cols, &operand, beta, c, ldc);
}

AVX512 void dk_conv_weight_gemm(const dk_im2col *g, long m, long q0, long npositions, long r0, long nrows, float alpha,
                                const float *dy, long lddy, float beta, float *c, long ldc) {
    im2col_operand operand = {g, q0, r0};
    dk_gemm_driver(0, m, nrows, npositions, alpha, dy, lddy, pack_cols_transposed, &operand, beta, c, ldc);
}

#else
void dk_conv_gemm(const dk_im2col *g, long m, long j0, long ncols, float alpha, const float *weight, long ldw,
                  float beta, float *c, long ldc) { abort(); }
void dk_conv_weight_gemm(const dk_im2col *g, long m, long q0, long npositions, long r0, long nrows, float alpha,
                         const float *dy, long lddy, float beta, float *c, long ldc) { abort(); }
#endif
