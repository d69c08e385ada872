// 2-D convolution (NCHW, weight out×in/groups×kh×kw) forward and backward through channel-first
// im2col + GEMM with M = output channels (faster than channels-last here, spec/workloads.md).
// Images are batched into one GEMM while the column buffer stays small; large images are tiled by
// output position. Our pool fills/scatters columns, OpenBLAS runs the GEMMs: never both at once.
import CBLAS
import Foundation

/// Shapes and hyper-parameters of one convolution, validated once.
public struct ConvolutionGeometry: Equatable, Sendable {
    public let batch, inChannels, height, width: Int
    public let outChannels, kernelHeight, kernelWidth: Int
    public let stride, padding, dilation, groups: Int
    public let outHeight, outWidth: Int

    public init(input: [Int], weight: [Int], stride: Int = 1, padding: Int = 0, dilation: Int = 1, groups: Int = 1) {
        precondition(input.count == 4, "conv2d: input must be N×C×H×W, got \(input)")
        precondition(weight.count == 4, "conv2d: weight must be Cout×Cin/groups×kh×kw, got \(weight)")
        precondition(stride >= 1 && dilation >= 1 && padding >= 0 && groups >= 1,
                     "conv2d: stride \(stride), dilation \(dilation) must be ≥ 1, padding \(padding) ≥ 0, groups \(groups) ≥ 1")
        precondition(input[1] % groups == 0 && weight[0] % groups == 0,
                     "conv2d: channels in \(input[1]) / out \(weight[0]) not divisible by groups \(groups)")
        precondition(weight[1] * groups == input[1],
                     "conv2d: weight \(weight) expects \(weight[1] * groups) input channels, input has \(input[1])")
        (batch, inChannels, height, width) = (input[0], input[1], input[2], input[3])
        (outChannels, kernelHeight, kernelWidth) = (weight[0], weight[2], weight[3])
        (self.stride, self.padding, self.dilation, self.groups) = (stride, padding, dilation, groups)
        outHeight = (height + 2 * padding - dilation * (kernelHeight - 1) - 1) / stride + 1
        outWidth = (width + 2 * padding - dilation * (kernelWidth - 1) - 1) / stride + 1
        precondition(outHeight > 0 && outWidth > 0, "conv2d: kernel larger than padded input \(input) with weight \(weight)")
    }

    /// Rows of the column matrix: input channels × kernel taps.
    public var columnRows: Int { inChannels * kernelHeight * kernelWidth }
    public var outPositions: Int { outHeight * outWidth }
    public var outputShape: [Int] { [batch, outChannels, outHeight, outWidth] }
    /// 1×1, stride 1, no padding: the input plane already is the column matrix.
    public var isPointwise: Bool { kernelHeight == 1 && kernelWidth == 1 && stride == 1 && padding == 0 }
    /// Multiply-accumulates of the forward pass.
    public var multiplyAccumulates: Int { batch * outChannels * outPositions * columnRows / groups }
}

/// A block of output columns handled by one GEMM: `imageCount` whole images, or a run of whole
/// output rows `[firstPosition, firstPosition + positionCount)` of one image.
struct ColumnBlock {
    let firstImage, imageCount, firstPosition, positionCount: Int
    var columns: Int { imageCount * positionCount }
}

extension ConvolutionGeometry {
    /// Column-buffer budget in floats (4 MiB). Several small images share one GEMM (few tiny calls);
    /// large images are split into runs of whole output rows, written by the GEMM straight into the
    /// NCHW tensors (ldc = H·W), which also bounds memory at 800 px. Measured on ResNet-18 batch 4
    /// at 128²: 4 MiB beats 16 MiB by ~5 %; 1 MiB and below lose (per-call GEMM and hand-off costs).
    nonisolated(unsafe) static var columnBudget = 1 << 20

    func columnBlocks() -> [ColumnBlock] {
        let perImage = columnRows * outPositions
        if perImage <= Self.columnBudget {
            // As many images per GEMM as fit, spread evenly over the blocks (4 images → 2 + 2, not 3 + 1).
            let blockCount = (batch + max(1, Self.columnBudget / max(perImage, 1)) - 1) / max(1, Self.columnBudget / max(perImage, 1))
            let imagesPerBlock = (batch + blockCount - 1) / blockCount
            return Swift.stride(from: 0, to: batch, by: imagesPerBlock).map {
                ColumnBlock(firstImage: $0, imageCount: min(imagesPerBlock, batch - $0), firstPosition: 0, positionCount: outPositions)
            }
        }
        // Whole output rows per block, spread evenly (9 rows in budget 4 → 3 + 3 + 3, not 4 + 4 + 1).
        let rowsInBudget = max(1, Self.columnBudget / (columnRows * outWidth))
        let blocksPerImage = (outHeight + rowsInBudget - 1) / rowsInBudget
        let rowsPerBlock = (outHeight + blocksPerImage - 1) / blocksPerImage
        var blocks: [ColumnBlock] = []
        for n in 0..<batch {
            for row in Swift.stride(from: 0, to: outHeight, by: rowsPerBlock) {
                blocks.append(ColumnBlock(firstImage: n, imageCount: 1, firstPosition: row * outWidth,
                                          positionCount: min(rowsPerBlock, outHeight - row) * outWidth))
            }
        }
        return blocks
    }

    /// Fills `columns` (columnRows × block.columns, row-major) from `input`; column i·P + p is
    /// image firstImage+i, output position firstPosition+p. Zero where the tap falls in the padding.
    func im2col(_ input: UnsafePointer<Float>, _ block: ColumnBlock, into columns: UnsafeMutablePointer<Float>) {
        let ld = block.columns, plane = height * width
        let taps = kernelHeight * kernelWidth
        let firstRow = block.firstPosition / outWidth, rowCount = block.positionCount / outWidth
        Parallel.forEachChunk(columnRows, costPerItem: ld) { rows in
            for row in rows {
                let c = row / taps, ki = (row % taps) / kernelWidth, kj = row % kernelWidth
                let rowOffset = ki * dilation - padding, colOffset = kj * dilation - padding
                // Output columns whose tap lands inside the row: 0 ≤ ow·stride + colOffset < width.
                let validLow = min(outWidth, max(0, (-colOffset + stride - 1) / stride))
                let validHigh = max(validLow, min(outWidth, (width - colOffset + stride - 1) / stride))
                for i in 0..<block.imageCount {
                    let source = input + ((block.firstImage + i) * inChannels + c) * plane
                    let destination = columns + row * ld + i * block.positionCount
                    for r in 0..<rowCount {
                        let out = destination + r * outWidth, ih = (firstRow + r) * stride + rowOffset
                        if ih < 0 || ih >= height { out.initialize(repeating: 0, count: outWidth); continue }
                        out.initialize(repeating: 0, count: validLow)
                        let sourceRow = source + ih * width + colOffset
                        if stride == 1 {
                            (out + validLow).update(from: sourceRow + validLow, count: validHigh - validLow)
                        } else {
                            for ow in validLow..<validHigh { out[ow] = sourceRow[ow * stride] }
                        }
                        (out + validHigh).initialize(repeating: 0, count: outWidth - validHigh)
                    }
                }
            }
        }
    }

    /// Adds the column gradient back into `inputGrad` (the transpose of `im2col`). Parallel over
    /// input channels, so no two workers touch the same plane.
    func col2imAdd(_ columns: UnsafePointer<Float>, _ block: ColumnBlock, into inputGrad: UnsafeMutablePointer<Float>) {
        let ld = block.columns, plane = height * width
        let taps = kernelHeight * kernelWidth
        let firstRow = block.firstPosition / outWidth, rowCount = block.positionCount / outWidth
        Parallel.forEachChunk(inChannels, costPerItem: taps * ld) { channels in
            for c in channels {
                for tap in 0..<taps {
                    let row = c * taps + tap, ki = tap / kernelWidth, kj = tap % kernelWidth
                    let rowOffset = ki * dilation - padding, colOffset = kj * dilation - padding
                    let lo = min(outWidth, max(0, (-colOffset + stride - 1) / stride))
                    let hi = max(lo, min(outWidth, (width - colOffset + stride - 1) / stride))
                    for i in 0..<block.imageCount {
                        let target = inputGrad + ((block.firstImage + i) * inChannels + c) * plane
                        let source = columns + row * ld + i * block.positionCount
                        for r in 0..<rowCount {
                            let ih = (firstRow + r) * stride + rowOffset
                            guard ih >= 0 && ih < height else { continue }
                            let sourceRow = source + r * outWidth, targetRow = target + ih * width + colOffset
                            if stride == 1 {
                                for ow in lo..<hi { targetRow[ow] += sourceRow[ow] }
                            } else {
                                for ow in lo..<hi { targetRow[ow * stride] += sourceRow[ow] }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Single-precision row-major GEMM: C = alpha·op(A)·op(B) + beta·C.
@inline(__always)
func convolutionGEMM(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
          _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int,
          beta: Float, _ c: UnsafeMutablePointer<Float>, ldc: Int) {
    GEMM.multiply(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                  a, lda: lda, b, ldb: ldb, beta: beta, c, ldc: ldc)
}

/// Reusable scratch buffers for the column and gradient matrices: a fresh 10-60 MB allocation per
/// call costs page faults (kernel page clearing) comparable to the GEMM itself.
final class ScratchPool: @unchecked Sendable {
    static let shared = ScratchPool()
    private let lock = NSLock()
    private var free: [(pointer: UnsafeMutablePointer<Float>, capacity: Int)] = []

    /// Runs `body` with a buffer of at least `count` floats (contents undefined), then keeps it for reuse.
    func withBuffer<R>(_ count: Int, _ body: (UnsafeMutablePointer<Float>) -> R) -> R {
        lock.lock()
        var buffer: (pointer: UnsafeMutablePointer<Float>, capacity: Int)
        if let index = free.firstIndex(where: { $0.capacity >= count }) {
            buffer = free.remove(at: index)
        } else {
            if let smallest = free.indices.min(by: { free[$0].capacity < free[$1].capacity }) {
                free.remove(at: smallest).pointer.deallocate()
            }
            buffer = (UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1)), max(count, 1))
        }
        lock.unlock()
        defer {
            lock.lock()
            free.append(buffer)
            // At most four cached buffers; drop the smallest beyond that.
            if free.count > 4, let smallest = free.indices.min(by: { free[$0].capacity < free[$1].capacity }) {
                free.remove(at: smallest).pointer.deallocate()
            }
            lock.unlock()
        }
        return body(buffer.pointer)
    }
}
