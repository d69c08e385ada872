// conv2d forward and backward on Tensors. Per column block: im2col (our pool), then one GEMM per
// group (OpenBLAS threads). Output and gradient blocks are gathered to/from a Cout × columns
// matrix; when a block is one image (whole or a run of rows) the GEMM reads and writes the NCHW
// tensors directly.

/// conv2d forward. `input` N×Cin×H×W, `weight` Cout×(Cin/groups)×kh×kw, `bias` Cout.
/// `y[n,o,i,j] = b[o] + Σ_{c,u,v} w[o,c,u,v] · x[n, g·Cin/groups + c, i·s − p + u·d, j·s − p + v·d]`.
public func conv2d(_ input: Tensor, weight: Tensor, bias: Tensor? = nil,
                   stride: Int = 1, padding: Int = 0, dilation: Int = 1, groups: Int = 1) -> Tensor {
    let geometry = ConvolutionGeometry(input: input.shape, weight: weight.shape, stride: stride,
                                       padding: padding, dilation: dilation, groups: groups)
    if let bias { precondition(bias.shape == [geometry.outChannels], "conv2d: bias shape \(bias.shape), expected [\(geometry.outChannels)]") }
    return Tensor(shape: geometry.outputShape) { output in
        input.withUnsafePointer { x in
            weight.withUnsafePointer { w in
                convolutionForward(geometry, x, w, output)
            }
        }
        if let bias {
            bias.withUnsafePointer { b in
                let positions = geometry.outPositions
                Parallel.forEachChunk(geometry.batch * geometry.outChannels, costPerItem: positions) { planes in
                    for plane in planes {
                        let value = b[plane % geometry.outChannels], row = output + plane * positions
                        for p in 0..<positions { row[p] += value }
                    }
                }
            }
        }
    }
}

func convolutionForward(_ g: ConvolutionGeometry, _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                        _ output: UnsafeMutablePointer<Float>) {
    // With AVX2's 16-column strips the implicit packer's per-run work outweighs the column matrix it
    // saves (ResNet-18 b4 forward, min of 15: 63-75 ms explicit vs 74-87 ms implicit on Zen 3), so
    // only AVX-512 (64-column strips) packs patches directly in the forward pass.
    if GEMM.backend == .native && GEMM.nativeISA == .avx512 && !g.isPointwise {
        implicitConvolutionForward(g, x, w, output)
        return
    }
    let groupRows = g.columnRows / g.groups, groupOut = g.outChannels / g.groups
    let positions = g.outPositions
    for block in g.columnBlocks() {
        // One image (whole or a run of rows): the GEMM reads and writes the NCHW planes in place.
        let single = block.imageCount == 1
        let direct = single && g.isPointwise
        let columnCount = direct ? 0 : g.columnRows * block.columns
        let resultCount = single ? 0 : g.outChannels * block.columns
        ScratchPool.shared.withBuffer(columnCount + resultCount) { scratch in
            if !direct { g.im2col(x, block, into: scratch) }
            let source = direct ? x + block.firstImage * g.inChannels * positions + block.firstPosition : UnsafePointer(scratch)
            let sourceStride = direct ? positions : block.columns
            let target = single ? output + block.firstImage * g.outChannels * positions + block.firstPosition : scratch + columnCount
            let targetStride = single ? positions : block.columns
            for group in 0..<g.groups {
                convolutionGEMM(transposeA: false, transposeB: false, m: groupOut, n: block.columns, k: groupRows,
                                w + group * groupOut * groupRows, lda: groupRows,
                                source + group * groupRows * sourceStride, ldb: sourceStride,
                                beta: 0, target + group * groupOut * targetStride, ldc: targetStride)
            }
            if !single { scatterBlock(g, block, from: target, into: output) }
        }
    }
}

/// Copies a Cout × columns block matrix into the N×Cout×P output.
func scatterBlock(_ g: ConvolutionGeometry, _ block: ColumnBlock, from matrix: UnsafePointer<Float>,
                  into output: UnsafeMutablePointer<Float>) {
    let positions = g.outPositions
    Parallel.forEachChunk(g.outChannels, costPerItem: block.columns) { channels in
        for o in channels {
            for i in 0..<block.imageCount {
                let source = matrix + o * block.columns + i * block.positionCount
                let target = output + ((block.firstImage + i) * g.outChannels + o) * positions + block.firstPosition
                target.update(from: source, count: block.positionCount)
            }
        }
    }
}

/// Copies the N×Cout×P gradient of one block into a Cout × columns matrix.
func gatherBlock(_ g: ConvolutionGeometry, _ block: ColumnBlock, from outputGrad: UnsafePointer<Float>,
                 into matrix: UnsafeMutablePointer<Float>) {
    let positions = g.outPositions
    Parallel.forEachChunk(g.outChannels, costPerItem: block.columns) { channels in
        for o in channels {
            for i in 0..<block.imageCount {
                let source = outputGrad + ((block.firstImage + i) * g.outChannels + o) * positions + block.firstPosition
                (matrix + o * block.columns + i * block.positionCount).update(from: source, count: block.positionCount)
            }
        }
    }
}

/// Gradients of conv2d. Returns nil for each gradient not asked for.
public func conv2dBackward(_ outputGrad: Tensor, input: Tensor, weight: Tensor,
                           stride: Int = 1, padding: Int = 0, dilation: Int = 1, groups: Int = 1,
                           needInput: Bool = true, needWeight: Bool = true, needBias: Bool = true)
    -> (input: Tensor?, weight: Tensor?, bias: Tensor?) {
    let g = ConvolutionGeometry(input: input.shape, weight: weight.shape, stride: stride,
                                padding: padding, dilation: dilation, groups: groups)
    precondition(outputGrad.shape == g.outputShape, "conv2d backward: gradient \(outputGrad.shape), expected \(g.outputShape)")
    // Stride-1 kernels: dx is a forward convolution of dy with the flipped, transposed kernel, a GEMM
    // with K = Cout·k² and an im2col gather instead of a K = Cout GEMM and a col2im scatter-add.
    let positions = g.outPositions
    let transposedPadding = dilation * (g.kernelHeight - 1) - padding
    // Only where the columns outnumber the kernel: in deep layers (512 channels on 4×4 maps) flipping
    // the kernel copies more floats than the col2im scatter touches.
    let viaTransposedConvolution = needInput && stride == 1 && g.kernelHeight == g.kernelWidth && g.kernelHeight > 1
        && transposedPadding >= 0 && g.batch * positions >= transposedConvolutionMinimumRatio * g.outChannels
    var inputGrad = needInput && !viaTransposedConvolution ? Tensor(shape: input.shape) : nil
    var weightGrad = needWeight ? Tensor(shape: weight.shape) : nil
    if inputGrad != nil || weightGrad != nil {
        outputGrad.withUnsafePointer { dy in
            input.withUnsafePointer { x in
                weight.withUnsafePointer { w in
                    let dx = inputGrad?.withUnsafeMutablePointer { $0 }
                    var dw = weightGrad?.withUnsafeMutablePointer { $0 }
                    if let target = dw, GEMM.backend == .native && !g.isPointwise {
                        implicitConvolutionWeightGradient(g, dy: dy, x: x, dw: target)
                        dw = nil
                    }
                    if dx != nil || dw != nil {
                        for block in g.columnBlocks() { convolutionBackwardBlock(g, block, dy: dy, x: x, w: w, dx: dx, dw: dw) }
                    }
                }
            }
        }
    }
    if viaTransposedConvolution {
        // The flipped kernel lives in a reused scratch buffer: a fresh tensor per layer cost more in
        // page clearing than the flip itself (perf).
        let transposed = ConvolutionGeometry(input: outputGrad.shape, weight: [g.inChannels, g.outChannels / groups, g.kernelHeight, g.kernelWidth],
                                             padding: transposedPadding, dilation: dilation, groups: groups)
        inputGrad = Tensor(shape: input.shape) { dx in
            ScratchPool.shared.withBuffer(weight.count) { flipped in
                weight.withUnsafePointer { flipTransposeKernel($0, shape: weight.shape, groups: groups, into: flipped) }
                outputGrad.withUnsafePointer { dy in convolutionForward(transposed, dy, flipped, dx) }
            }
        }
    }
    var biasGrad: Tensor? = nil
    if needBias {
        biasGrad = Tensor(shape: [g.outChannels]) { db in
            outputGrad.withUnsafePointer { dy in
                Parallel.forEachChunk(g.outChannels, costPerItem: g.batch * positions) { channels in
                    for o in channels {
                        var total: Float = 0
                        for n in 0..<g.batch {
                            let row = dy + (n * g.outChannels + o) * positions
                            for p in 0..<positions { total += row[p] }
                        }
                        db[o] = total
                    }
                }
            }
        }
    }
    return (inputGrad, weightGrad, biasGrad)
}

/// dx goes through the flipped-kernel convolution when batch·H·W ≥ this × Cout.
let transposedConvolutionMinimumRatio = 4

/// One column block of the backward pass: dW += dY·colsᵀ (im2col recomputed rather than kept from the
/// forward, which would hold K×N·P floats per layer), dcols = Wᵀ·dY scattered back by col2im.
func convolutionBackwardBlock(_ g: ConvolutionGeometry, _ block: ColumnBlock, dy: UnsafePointer<Float>, x: UnsafePointer<Float>,
                              w: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>?, dw: UnsafeMutablePointer<Float>?) {
    let groupRows = g.columnRows / g.groups, groupOut = g.outChannels / g.groups
    let positions = g.outPositions, n = block.columns
    let single = block.imageCount == 1
    let direct = single && g.isPointwise
    let columnCount = direct ? 0 : g.columnRows * n, gradCount = single ? 0 : g.outChannels * n
    ScratchPool.shared.withBuffer(columnCount + gradCount) { scratch in
        if !single { gatherBlock(g, block, from: dy, into: scratch + columnCount) }
        let gradMatrix = single ? dy + block.firstImage * g.outChannels * positions + block.firstPosition : UnsafePointer(scratch + columnCount)
        let gradStride = single ? positions : n
        let planeOffset = block.firstImage * g.inChannels * positions + block.firstPosition
        if let dw {
            if !direct { g.im2col(x, block, into: scratch) }
            let source = direct ? x + planeOffset : UnsafePointer(scratch)
            let sourceStride = direct ? positions : n
            for group in 0..<g.groups {
                convolutionGEMM(transposeA: false, transposeB: true, m: groupOut, n: groupRows, k: n,
                                gradMatrix + group * groupOut * gradStride, lda: gradStride,
                                source + group * groupRows * sourceStride, ldb: sourceStride,
                                beta: 1, dw + group * groupOut * groupRows, ldc: groupRows)
            }
        }
        if let dx {
            // Pointwise: the input-plane gradient is the GEMM result itself; otherwise go through columns.
            let target = direct ? dx + planeOffset : scratch
            let targetStride = direct ? positions : n
            for group in 0..<g.groups {
                convolutionGEMM(transposeA: true, transposeB: false, m: groupRows, n: n, k: groupOut,
                                w + group * groupOut * groupRows, lda: groupRows,
                                gradMatrix + group * groupOut * gradStride, ldb: gradStride,
                                beta: 0, target + group * groupRows * targetStride, ldc: targetStride)
            }
            if !direct { g.col2imAdd(scratch, block, into: dx) }
        }
    }
}

/// W′[g·Cin_g + c, o, u, v] = W[g·Cout_g + o, c, k−1−u, k−1−v]: the kernel of the transposed convolution.
func flippedTransposedKernel(_ weight: Tensor, groups: Int) -> Tensor {
    Tensor(shape: [weight.shape[1] * groups, weight.shape[0] / groups, weight.shape[2], weight.shape[3]]) { target in
        weight.withUnsafePointer { flipTransposeKernel($0, shape: weight.shape, groups: groups, into: target) }
    }
}

/// Writes `flippedTransposedKernel` of the Cout×Cin_g×kh×kw kernel at `source` into `target`.
func flipTransposeKernel(_ source: UnsafePointer<Float>, shape: [Int], groups: Int, into target: UnsafeMutablePointer<Float>) {
    let (outChannels, inPerGroup, kh, kw) = (shape[0], shape[1], shape[2], shape[3])
    let outPerGroup = outChannels / groups, taps = kh * kw
    // Parallel over target rows (input channels) so that writes are sequential.
    Parallel.forEachChunk(inPerGroup * groups, costPerItem: outPerGroup * taps) { rows in
        for row in rows {
            let group = row / inPerGroup, c = row % inPerGroup
            for localOut in 0..<outPerGroup {
                let from = source + ((group * outPerGroup + localOut) * inPerGroup + c) * taps
                let to = target + (row * outPerGroup + localOut) * taps
                for t in 0..<taps { to[t] = from[taps - 1 - t] }
            }
        }
    }
}
