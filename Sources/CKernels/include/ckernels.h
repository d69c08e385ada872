// The engine's own compute kernels in C: a single-precision GEMM (packing + register-blocked
// micro-kernels, for AVX-512 or AVX2+FMA) and implicit-GEMM convolution on it. Swift decides
// threading; each call here runs on the calling thread only.
#ifndef CKERNELS_H
#define CKERNELS_H
#include "cpu_relax.h"

/// The best instruction set this CPU runs the kernels with: 2 AVX-512F, 1 AVX2+FMA, 0 none.
int dk_available_isa(void);

/// The instruction set the kernels below use (default: dk_available_isa()); 0 means they must not be called.
int dk_native_isa(void);

/// Makes the kernels use `level` (≤ dk_available_isa(), e.g. AVX2 on an AVX-512 CPU to test or compare
/// both); returns 0 and changes nothing when the CPU cannot run it. Not to be called while kernels run.
int dk_select_isa(int level);

/// Rows / columns per micro-tile for a product n columns wide: callers splitting M or N across
/// threads cut at multiples of these so that no tile is padded twice.
int dk_sgemm_tile_rows(long n);
int dk_sgemm_tile_columns(long n);

/// Row-major C = alpha·op(A)·op(B) + beta·C, op(A) m×k, op(B) k×n, on the calling thread.
/// op(A)[i][p] = transA ? a[p·lda + i] : a[i·lda + p]; op(B)[p][j] = transB ? b[j·ldb + p] : b[p·ldb + j].
/// beta = 0 never reads C (it may hold NaN). Needs dk_native_isa() > 0.
void dk_sgemm(int transA, int transB, long m, long n, long k, float alpha,
              const float *a, long lda, const float *b, long ldb, float beta, float *c, long ldc);

/// One convolution group seen as a column matrix cols[channel·tap][image·position] (never stored):
/// `input` points at the group's first channel of the first image counted; positions run over the
/// out_height × out_width output grid.
typedef struct {
    const float *input;
    long channels, height, width;
    long image_stride;
    long kernel_height, kernel_width, stride, padding, dilation;
    long out_height, out_width;
} dk_im2col;

/// Forward: C[m × ncols] = alpha·W·cols[:, j0 ..< j0 + ncols] + beta·C, W m × (channels·taps), row stride ldw.
void dk_conv_gemm(const dk_im2col *g, long m, long j0, long ncols, float alpha, const float *weight, long ldw,
                  float beta, float *c, long ldc);

/// Weight gradient: C[m × nrows] = alpha·dY·cols[r0 ..< r0 + nrows, q0 ..< q0 + npositions]ᵀ + beta·C,
/// dY m × npositions with row stride lddy (its first column is position q0).
void dk_conv_weight_gemm(const dk_im2col *g, long m, long q0, long npositions, long r0, long nrows, float alpha,
                         const float *dy, long lddy, float beta, float *c, long ldc);

#endif
