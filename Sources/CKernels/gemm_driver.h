// Internal to CKernels: the blocked GEMM driver with a pluggable packer for op(B), so that
// convolutions can pack image patches straight into the kernel's layout (no column matrix), and the
// per-instruction-set pieces it runs with (micro-kernels and packers for AVX-512 and AVX2+FMA).
#ifndef CKERNELS_GEMM_DRIVER_H
#define CKERNELS_GEMM_DRIVER_H
#if defined(__x86_64__)
#include <immintrin.h>

#define KC 256
#define NC 2048
#define MC_WIDE 96
#define MC_NARROW 112
#ifndef DIRECT_TILES
#define DIRECT_TILES 4
#endif
#define AVX512 __attribute__((target("avx512f")))
#define AVX2 __attribute__((target("avx2,fma")))

/// Packs op(B)[k0, k0 + kc) × [j0, j0 + nc) into strips of nr columns (strip s at dst + s·nr·kc,
/// step p of a strip = nr consecutive floats), zero beyond column nc.
typedef void (*dk_pack_b)(const void *context, long k0, long kc, long j0, long nc, int nr, float *dst);

/// Packs op(A) rows [0, mc) × k block [0, kc) into strips of mr rows (step p = mr consecutive rows).
typedef void (*dk_pack_a)(long mc, long kc, const float *a, long lda, int trans, int mr, float *dst);

/// C tile (rows × cols valid) = alpha·Ã·B̃ over one k block, plus beta·C (first block) or C (later blocks).
typedef void (*dk_micro_kernel)(long kc, const float *restrict ap, const float *restrict bp, float *c, long ldc,
                                long rows, long cols, float alpha, float beta, int first);

/// dst[j·ldd + i] = src[i·lds + j] for a 16×16 block.
typedef void (*dk_transpose)(const float *src, long lds, float *dst, long ldd);

/// As dk_micro_kernel with op(A) read in place: element (r, p) of the tile at a[r·row_stride + p·k_stride].
typedef void (*dk_direct_kernel)(long kc, const float *a, long row_stride, long k_stride, const float *restrict bp,
                                 float *c, long ldc, long rows, long cols, float alpha, float beta, int first);

/// `direct` (optional) skips packing op(A) on products with at most `direct_tiles` column tiles.
typedef struct { int mr, nr; long mc; dk_micro_kernel kernel; dk_direct_kernel direct; long direct_tiles; } dk_tile;

/// One instruction set's kernels. Products at most `narrow_columns` wide use the narrow tile.
typedef struct {
    int level;
    /// Loop order inside a packed block: 1 = each B strip (kc×nr, in L1) meets every A strip (the
    /// mc×kc block in L2), BLIS's order; 0 = each A strip stays in L1 while all of B's block streams
    /// past it (best for AVX-512 on Zen 5's 1 MB L2).
    int b_strip_outer;
    long narrow_columns;
    /// Columns of op(B) packed per block (≤ NC): kc × nc floats should stay in L2 (or L3 for AVX-512).
    long nc;
    dk_tile wide, narrow;
    dk_pack_a pack_a;
    dk_pack_b pack_b_matrix;
    dk_transpose transpose16;
} dk_isa;

extern const dk_isa dk_isa_avx512, dk_isa_avx2;

/// The instruction set the kernels run with (see dk_select_isa); NULL when the CPU has neither.
const dk_isa *dk_active_isa(void);

/// C = alpha·op(A)·op(B) + beta·C with op(B) supplied by `pack_b`; A as in dk_sgemm.
void dk_gemm_driver(const dk_isa *isa, int transA, long m, long n, long k, float alpha, const float *a, long lda,
                    dk_pack_b pack_b, const void *context, float beta, float *c, long ldc);

/// The AVX-512 16×16 transpose (dk_transpose signature).
void dk_transpose16(const float *src, long lds, float *dst, long ldd);

/// One kc × nr strip of op(B) = Bᵀ (`b` at the strip's first column, i.e. row of B); zero past `cols`.
void dk_pack_b_transposed_strip(const float *b, long ldb, long kc, long cols, int nr, float *dst, dk_transpose transpose16);

/// op(B) = B or Bᵀ stored row-major with leading dimension ldb (context of the pack_b_matrix packers).
typedef struct { const float *b; long ldb; int trans; } dk_matrix_operand;

static inline __mmask16 tail_mask(long left) {
    return left >= 16 ? (__mmask16)0xFFFF : left > 0 ? (__mmask16)((1u << left) - 1) : (__mmask16)0;
}

#endif
#endif
