// Internal to CKernels: the blocked GEMM driver with a pluggable packer for op(B), so that
// convolutions can pack image patches straight into the kernel's layout (no column matrix).
#ifndef CKERNELS_GEMM_DRIVER_H
#define CKERNELS_GEMM_DRIVER_H
#if defined(__x86_64__)
#include <immintrin.h>

#define KC 256
#define NC 2048
#define MC_WIDE 96
#define MC_NARROW 112
#define AVX512 __attribute__((target("avx512f")))

/// Packs op(B)[k0, k0 + kc) × [j0, j0 + nc) into strips of nr columns (strip s at dst + s·nr·kc,
/// step p of a strip = nr consecutive floats), zero beyond column nc.
typedef void (*dk_pack_b)(const void *context, long k0, long kc, long j0, long nc, int nr, float *dst);

/// C = alpha·op(A)·op(B) + beta·C with op(B) supplied by `pack_b`; A as in dk_sgemm.
void dk_gemm_driver(int transA, long m, long n, long k, float alpha, const float *a, long lda,
                    dk_pack_b pack_b, const void *context, float beta, float *c, long ldc);

/// dst[j·ldd + i] = src[i·lds + j] for a 16×16 block.
void dk_transpose16(const float *src, long lds, float *dst, long ldd);

static inline __mmask16 tail_mask(long left) {
    return left >= 16 ? (__mmask16)0xFFFF : left > 0 ? (__mmask16)((1u << left) - 1) : (__mmask16)0;
}

#endif
#endif
