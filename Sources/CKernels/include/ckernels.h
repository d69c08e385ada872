// The engine's own compute kernels in C: an AVX-512 single-precision GEMM (packing + register-blocked
// micro-kernels). Swift decides threading; each call here runs on the calling thread only.
#ifndef CKERNELS_H
#define CKERNELS_H

/// 1 when the CPU runs AVX-512F code (the kernels below may be called), else 0.
int dk_has_avx512(void);

/// Rows per micro-tile for a product n columns wide: callers splitting M across threads cut at
/// multiples of this so that no tile is padded twice.
int dk_sgemm_tile_rows(long n);

/// Row-major C = alpha·op(A)·op(B) + beta·C, op(A) m×k, op(B) k×n, on the calling thread.
/// op(A)[i][p] = transA ? a[p·lda + i] : a[i·lda + p]; op(B)[p][j] = transB ? b[j·ldb + p] : b[p·ldb + j].
/// beta = 0 never reads C (it may hold NaN). Needs dk_has_avx512().
void dk_sgemm(int transA, int transB, long m, long n, long k, float alpha,
              const float *a, long lda, const float *b, long ldb, float beta, float *c, long ldc);

#endif
