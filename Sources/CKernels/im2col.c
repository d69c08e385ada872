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

typedef struct { const dk_im2col *geometry; long column0, row0; } im2col_operand;

static __thread column_run *run_buffer;
static __thread float *transpose_buffer;

static column_run *runs_for_thread(void) {
    if (!run_buffer) run_buffer = malloc(sizeof(column_run) * (NC + 64));
    return run_buffer;
}



// AVX-512: masked lanes are neither read nor faulted.
#define ISA_TARGET AVX512
#define ISA_NAME(f) f##_avx512
#define TRANSPOSE16 dk_transpose16
#define ZERO_RUN(o, count) \
    for (long t = 0; t < (count); t += 16) _mm512_mask_storeu_ps((o) + t, tail_mask((count) - t), _mm512_setzero_ps())
#define COPY_WINDOW(o, src, count, lo, hi)                                                     \
    for (long t = 0; t < (count); t += 16) {                                                   \
        __mmask16 lanes = tail_mask((count) - t);                                              \
        __mmask16 valid = lanes & (__mmask16)(~tail_mask((lo) - t)) & tail_mask((hi) - t);     \
        _mm512_mask_storeu_ps((o) + t, lanes, _mm512_maskz_loadu_ps(valid, (src) + t));        \
    }
#include "im2col_packers.h"
#undef ISA_TARGET
#undef ISA_NAME
#undef TRANSPOSE16
#undef ZERO_RUN
#undef COPY_WINDOW

// AVX2: zero head, copied middle, zero tail (plain loops the compiler vectorises). conv2d uses the
// implicit forward (pack_cols) only with AVX-512; here it serves dk_conv_gemm callers and the tests.
#define ISA_TARGET AVX2
#define ISA_NAME(f) f##_avx2
#define TRANSPOSE16 dk_isa_avx2.transpose16
#define ZERO_RUN(o, count) \
    for (long t = 0; t < (count); t++) (o)[t] = 0.f
#define COPY_WINDOW(o, src, count, lo, hi)                                  \
    {                                                                       \
        const long head = (lo) < (count) ? (lo) : (count);                  \
        const long end = (hi) < head ? head : (hi);                         \
        for (long t = 0; t < head; t++) (o)[t] = 0.f;                       \
        for (long t = head; t < end; t++) (o)[t] = (src)[t];                \
        for (long t = end; t < (count); t++) (o)[t] = 0.f;                  \
    }
#include "im2col_packers.h"

void dk_conv_gemm(const dk_im2col *g, long m, long j0, long ncols, float alpha, const float *weight, long ldw,
                  float beta, float *c, long ldc) {
    const dk_isa *isa = dk_active_isa();
    if (!isa) abort();
    im2col_operand operand = {g, j0, 0};
    dk_gemm_driver(isa, 0, m, ncols, g->channels * g->kernel_height * g->kernel_width, alpha, weight, ldw,
                   isa->level == 2 ? pack_cols_avx512 : pack_cols_avx2, &operand, beta, c, ldc);
}

void dk_conv_weight_gemm(const dk_im2col *g, long m, long q0, long npositions, long r0, long nrows, float alpha,
                         const float *dy, long lddy, float beta, float *c, long ldc) {
    const dk_isa *isa = dk_active_isa();
    if (!isa) abort();
    im2col_operand operand = {g, q0, r0};
    dk_gemm_driver(isa, 0, m, nrows, npositions, alpha, dy, lddy,
                   isa->level == 2 ? pack_cols_transposed_avx512 : pack_cols_transposed_avx2, &operand, beta, c, ldc);
}

#else
void dk_conv_gemm(const dk_im2col *g, long m, long j0, long ncols, float alpha, const float *weight, long ldw,
                  float beta, float *c, long ldc) { abort(); }
void dk_conv_weight_gemm(const dk_im2col *g, long m, long q0, long npositions, long r0, long nrows, float alpha,
                         const float *dy, long lddy, float beta, float *c, long ldc) { abort(); }
#endif
