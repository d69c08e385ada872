// Implicit-GEMM convolution: the GEMM driver's op(B) packer reads image patches directly, so no
// column matrix (9× the input for a 3×3 kernel) is ever written and re-read. Forward products use
// cols (rows = channel·tap, columns = image·position); the weight gradient uses colsᵀ, packed as
// row blocks of cols transposed 16×16 at a time. Columns are grouped in runs of one output row,
// where stride-1 taps are contiguous in the input (masked vector loads; padding reads as 0).
#include "ckernels.h"
#include "gemm_driver.h"
#include <stdint.h>
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

// (channel, ki, kj) of cols row k, advanced one row at a time: four 64-bit divisions per row cost as
// much as packing the row on 8×8 and 4×4 maps.
typedef struct { long channel, ki, kj; } tap_cursor;

static inline tap_cursor tap_cursor_at(const dk_im2col *g, long k) {
    const long taps = g->kernel_height * g->kernel_width;
    return (tap_cursor){k / taps, k % taps / g->kernel_width, k % taps % g->kernel_width};
}

static inline void tap_cursor_advance(const dk_im2col *g, tap_cursor *tap) {
    if (++tap->kj < g->kernel_width) return;
    tap->kj = 0;
    if (++tap->ki == g->kernel_height) { tap->ki = 0; tap->channel++; }
}

static __thread column_run *run_buffer;
static __thread float *transpose_buffer;

static column_run *runs_for_thread(void) {
    if (!run_buffer) run_buffer = malloc(sizeof(column_run) * (NC + 64));
    return run_buffer;
}



// Stride-1 convolutions whose output rows are as wide as the input's (2·padding = dilation·(kernel_width − 1)):
// output position p of a plane reads input p + dy·W + dx for tap (dy, dx), so a plane's row of cols is one
// shifted copy of the input plane with the frame masked off, packed 16 columns per masked load across output
// rows. On the 8×8 and 4×4 maps of ResNet's last stages the run-per-output-row packer moves 8 or 4 floats
// per run. Column validity repeats with period W; bit u of pattern[kj] says whether column u mod W is valid
// for horizontal tap kj, for u < W + 16, so any 16-column window is one shift (hence W ≤ 48).
AVX512 static int im2col_rows_flat_avx512(const dk_im2col *g, long k0, long krows, long j0, long ncols, long width, float *dst,
                                          long ldd, column_run *segments) {
    const long W = g->width;
    if (g->stride != 1 || g->out_width != W || W > 48 || g->kernel_width > 16) return 0;
    const long plane = g->height * W, positions = g->out_height * W;
    // Built per call (per 64-column strip): one period of W bits, then repeated by shifts, without the
    // division per bit that u % W would cost.
    uint64_t pattern[16];
    for (long kj = 0; kj < g->kernel_width; kj++) {
        const long dx = kj * g->dilation - g->padding;
        uint64_t period = 0;
        for (long ow = 0; ow < W; ow++)
            if (ow + dx >= 0 && ow + dx < W) period |= 1ull << ow;
        pattern[kj] = period;
        for (long shift = W; shift < W + 16; shift += W) pattern[kj] |= period << shift;
    }
    // One segment per image met in [j0, j0 + ncols): first position (column), its remainder mod W (row).
    long count = 0;
    for (long c = 0, j = j0; c < ncols;) {
        const long image = j / positions, p = j % positions;
        const long length = positions - p < ncols - c ? positions - p : ncols - c;
        segments[count++] = (column_run){image, p % W, p, length, c};
        c += length;
        j += length;
    }
    const long step = 16 % W;
    tap_cursor tap = tap_cursor_at(g, k0);
    for (long r = 0; r < krows; r++, tap_cursor_advance(g, &tap)) {
        const long channel = tap.channel;
        float *out = dst + r * ldd;
        const long dy = tap.ki * g->dilation - g->padding, dx = tap.kj * g->dilation - g->padding;
        // Valid output rows oh: 0 ≤ oh + dy < height, i.e. positions [first, last).
        const long first = (dy < 0 ? -dy : 0) * W;
        const long last = (g->height - dy < g->out_height ? g->height - dy : g->out_height) * W;
        const uint64_t columns = pattern[tap.kj];
        for (long s = 0; s < count; s++) {
            const column_run segment = segments[s];
            const float *source = g->input + segment.image * g->image_stride + channel * plane + dy * W + dx;
            float *o = out + segment.offset;
            long p = segment.column, remainder = segment.row;
            for (long t = 0; t < segment.count; t += 16, p += 16) {
                const __mmask16 lanes = tail_mask(segment.count - t);
                const __mmask16 rows = (__mmask16)~tail_mask(first - p) & tail_mask(last - p);
                const __mmask16 valid = lanes & rows & (__mmask16)(columns >> remainder);
                _mm512_mask_storeu_ps(o + t, lanes, _mm512_maskz_loadu_ps(valid, source + p));
                remainder += step;
                if (remainder >= W) remainder -= W;
            }
        }
        for (long c = ncols; c < width; c++) out[c] = 0.f;
    }
    return 1;
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
// Stride 2: two masked loads cover 32 inputs, a two-source permute keeps the even ones.
#define STRIDE2_WINDOW(o, src, iw0, count, width)                                                              \
    for (long t = 0; t < (count); t += 16) {                                                                   \
        const __m512i even_lanes = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30); \
        const long base = (iw0) + 2 * t, pairs = 2 * ((count) - t);                                            \
        const __mmask16 low = (__mmask16)~tail_mask(-base) & tail_mask((width) - base) & tail_mask(pairs);     \
        const __mmask16 high = (__mmask16)~tail_mask(-base - 16) & tail_mask((width) - base - 16) & tail_mask(pairs - 16); \
        const __m512 even = _mm512_permutex2var_ps(_mm512_maskz_loadu_ps(low, (src) + base), even_lanes,       \
                                                   _mm512_maskz_loadu_ps(high, (src) + base + 16));            \
        _mm512_mask_storeu_ps((o) + t, tail_mask((count) - t), even);                                          \
    }
#define FLAT_ROWS im2col_rows_flat_avx512
#include "im2col_packers.h"
#undef ISA_TARGET
#undef ISA_NAME
#undef TRANSPOSE16
#undef ZERO_RUN
#undef COPY_WINDOW
#undef STRIDE2_WINDOW
#undef FLAT_ROWS

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
