// Convolution as implicit GEMM on the native kernel (CKernels/im2col.c): the GEMM packs image
// patches itself, so no column matrix is written. Forward and weight gradient go through here
// when `GEMM.backend` is native; the input gradient keeps the passes in ConvolutionPasses.swift
// (a forward convolution with the flipped kernel, or col2im), whose GEMMs are native too.
import CKernels
import Foundation

extension ConvolutionGeometry {
    /// The column-matrix view of group `group` for images from `firstImage` on.
    func im2colView(_ x: UnsafePointer<Float>, group: Int) -> dk_im2col {
        let inPerGroup = inChannels / groups
        return dk_im2col(input: x + group * inPerGroup * height * width, channels: inPerGroup, height: height, width: width,
                         image_stride: inChannels * height * width, kernel_height: kernelHeight, kernel_width: kernelWidth,
                         stride: stride, padding: padding, dilation: dilation, out_height: outHeight, out_width: outWidth)
    }

    /// Images with at least this many output positions are multiplied one by one, written straight
    /// into the NCHW output; smaller ones share one product through a Cout × images·positions matrix
    /// (a 4×4 map would waste three quarters of each 64-column tile).
    static let directPositions = 256
}

/// Runs `body(task)` for `count` tasks on the pool, or inline when the work is small.
@inline(__always)
func runTasks(_ count: Int, work: Int, _ body: (Int) -> Void) {
    if count <= 1 || work < GEMM.parallelThreshold {
        for t in 0..<count { body(t) }
    } else {
        Parallel.run(count, body)
    }
}

/// Column ranges of `total` columns cut into `parts` pieces on 64-column tile edges.
@inline(__always)
func columnPart(_ total: Int, part: Int, of parts: Int) -> Range<Int> {
    let tiles = (total + 63) / 64
    let lo = min(total, tiles * part / parts * 64), hi = min(total, tiles * (part + 1) / parts * 64)
    return lo..<hi
}

func implicitConvolutionForward(_ g: ConvolutionGeometry, _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                                _ output: UnsafeMutablePointer<Float>) {
    let groupRows = g.columnRows / g.groups, groupOut = g.outChannels / g.groups
    let positions = g.outPositions, workers = Parallel.threadCount
    let work = g.multiplyAccumulates
    for group in 0..<g.groups {
        var view = g.im2colView(x, group: group)
        let weight = w + group * groupOut * groupRows
        if positions >= ConvolutionGeometry.directPositions {
            let partsPerImage = g.batch >= workers ? 1 : (workers + g.batch - 1) / g.batch
            runTasks(g.batch * partsPerImage, work: work) { task in
                let image = task / partsPerImage, columns = columnPart(positions, part: task % partsPerImage, of: partsPerImage)
                guard !columns.isEmpty else { return }
                let target = output + (image * g.outChannels + group * groupOut) * positions + columns.lowerBound
                dk_conv_gemm(&view, groupOut, image * positions + columns.lowerBound, columns.count, 1, weight, groupRows,
                             0, target, positions)
            }
        } else {
            let total = g.batch * positions, columnTiles = (total + 63) / 64
            ScratchPool.shared.withBuffer(groupOut * total) { matrix in
                if columnTiles >= 2 * workers {
                    runTasks(workers, work: work) { part in
                        let columns = columnPart(total, part: part, of: workers)
                        guard !columns.isEmpty else { return }
                        dk_conv_gemm(&view, groupOut, columns.lowerBound, columns.count, 1, weight, groupRows,
                                     0, matrix + columns.lowerBound, total)
                    }
                } else {
                    // Few columns (a 4×4 map at batch 4 is one tile): split the output channels instead.
                    let rowTiles = (groupOut + 5) / 6, parts = min(workers, rowTiles)
                    runTasks(parts, work: work) { part in
                        let lo = rowTiles * part / parts * 6, hi = min(groupOut, rowTiles * (part + 1) / parts * 6)
                        guard lo < hi else { return }
                        dk_conv_gemm(&view, hi - lo, 0, total, 1, weight + lo * groupRows, groupRows, 0, matrix + lo * total, total)
                    }
                }
                for image in 0..<g.batch {
                    for o in 0..<groupOut {
                        (output + (image * g.outChannels + group * groupOut + o) * positions)
                            .update(from: matrix + o * total + image * positions, count: positions)
                    }
                }
            }
        }
    }
}

/// dW = Σ over images of dY·colsᵀ, written (not accumulated) into `dw`.
func implicitConvolutionWeightGradient(_ g: ConvolutionGeometry, dy: UnsafePointer<Float>, x: UnsafePointer<Float>,
                                       dw: UnsafeMutablePointer<Float>) {
    let groupRows = g.columnRows / g.groups, groupOut = g.outChannels / g.groups
    let positions = g.outPositions, total = g.batch * positions
    let parts = min(Parallel.threadCount, (groupRows + 63) / 64)
    for group in 0..<g.groups {
        var view = g.im2colView(x, group: group)
        let target = dw + group * groupOut * groupRows
        if positions >= ConvolutionGeometry.directPositions {
            runTasks(parts, work: g.multiplyAccumulates) { part in
                let rows = columnPart(groupRows, part: part, of: parts)
                guard !rows.isEmpty else { return }
                for image in 0..<g.batch {
                    let gradient = dy + (image * g.outChannels + group * groupOut) * positions
                    dk_conv_weight_gemm(&view, groupOut, image * positions, positions, rows.lowerBound, rows.count, 1,
                                        gradient, positions, image == 0 ? 0 : 1, target + rows.lowerBound, groupRows)
                }
            }
        } else {
            // Small maps: gather dY into one groupOut × images·positions matrix, one product.
            ScratchPool.shared.withBuffer(groupOut * total) { matrix in
                for image in 0..<g.batch {
                    for o in 0..<groupOut {
                        (matrix + o * total + image * positions)
                            .update(from: dy + (image * g.outChannels + group * groupOut + o) * positions, count: positions)
                    }
                }
                runTasks(parts, work: g.multiplyAccumulates) { part in
                    let rows = columnPart(groupRows, part: part, of: parts)
                    guard !rows.isEmpty else { return }
                    dk_conv_weight_gemm(&view, groupOut, 0, total, rows.lowerBound, rows.count, 1,
                                        matrix, total, 0, target + rows.lowerBound, groupRows)
                }
            }
        }
    }
}
