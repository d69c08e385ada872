// conv2d forward and backward on Tensors. Per column block: im2col (our pool), then one GEMM per
// group (OpenBLAS threads). Output and gradient blocks are gathered to/from a Cout × columns
// matrix; when a block is one whole image the GEMM reads and writes the NCHW tensors directly.

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
    let groupRows = g.columnRows / g.groups, groupOut = g.outChannels / g.groups
    let positions = g.outPositions
    for block in g.columnBlocks() {
        let wholeImage = block.imageCount == 1 && block.positionCount == positions
        let direct = wholeImage && g.isPointwise
        let columns = direct ? nil : UnsafeMutablePointer<Float>.allocate(capacity: g.columnRows * block.columns)
        defer { columns?.deallocate() }
        if let columns { g.im2col(x, block, into: columns) }
        let source = columns.map { UnsafePointer($0) } ?? x + block.firstImage * g.inChannels * positions
        let result = wholeImage ? nil : UnsafeMutablePointer<Float>.allocate(capacity: g.outChannels * block.columns)
        defer { result?.deallocate() }
        let target = result ?? output + block.firstImage * g.outChannels * positions
        for group in 0..<g.groups {
            gemm(transposeA: false, transposeB: false, m: groupOut, n: block.columns, k: groupRows,
                 w + group * groupOut * groupRows, lda: groupRows,
                 source + group * groupRows * block.columns, ldb: block.columns,
                 beta: 0, target + group * groupOut * block.columns, ldc: block.columns)
        }
        if let result { scatterBlock(g, block, from: result, into: output) }
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
    var inputGrad = needInput ? Tensor(shape: input.shape) : nil
    var weightGrad = needWeight ? Tensor(shape: weight.shape) : nil
    let groupRows = g.columnRows / g.groups, groupOut = g.outChannels / g.groups
    let positions = g.outPositions
    outputGrad.withUnsafePointer { dy in
        input.withUnsafePointer { x in
            weight.withUnsafePointer { w in
                let dx = inputGrad?.withUnsafeMutablePointer { $0 }
                let dw = weightGrad?.withUnsafeMutablePointer { $0 }
                for block in g.columnBlocks() {
                    let wholeImage = block.imageCount == 1 && block.positionCount == positions
                    let gradMatrixBuffer = wholeImage ? nil : UnsafeMutablePointer<Float>.allocate(capacity: g.outChannels * block.columns)
                    defer { gradMatrixBuffer?.deallocate() }
                    if let gradMatrixBuffer { gatherBlock(g, block, from: dy, into: gradMatrixBuffer) }
                    let gradMatrix = gradMatrixBuffer.map { UnsafePointer($0) } ?? dy + block.firstImage * g.outChannels * positions
                    let direct = wholeImage && g.isPointwise
                    let columns = direct ? nil : UnsafeMutablePointer<Float>.allocate(capacity: g.columnRows * block.columns)
                    defer { columns?.deallocate() }
                    if let dw {
                        if let columns { g.im2col(x, block, into: columns) }
                        let source = columns.map { UnsafePointer($0) } ?? x + block.firstImage * g.inChannels * positions
                        for group in 0..<g.groups {
                            // dW_g += dY_g · colsᵀ
                            gemm(transposeA: false, transposeB: true, m: groupOut, n: groupRows, k: block.columns,
                                 gradMatrix + group * groupOut * block.columns, lda: block.columns,
                                 source + group * groupRows * block.columns, ldb: block.columns,
                                 beta: 1, dw + group * groupOut * groupRows, ldc: groupRows)
                        }
                    }
                    if let dx {
                        if direct {
                            let target = dx + block.firstImage * g.inChannels * positions
                            for group in 0..<g.groups {
                                gemm(transposeA: true, transposeB: false, m: groupRows, n: block.columns, k: groupOut,
                                     w + group * groupOut * groupRows, lda: groupRows,
                                     gradMatrix + group * groupOut * block.columns, ldb: block.columns,
                                     beta: 0, target + group * groupRows * block.columns, ldc: block.columns)
                            }
                        } else if let columns {
                            for group in 0..<g.groups {
                                // dcols_g = W_gᵀ · dY_g, then scattered back onto the input planes.
                                gemm(transposeA: true, transposeB: false, m: groupRows, n: block.columns, k: groupOut,
                                     w + group * groupOut * groupRows, lda: groupRows,
                                     gradMatrix + group * groupOut * block.columns, ldb: block.columns,
                                     beta: 0, columns + group * groupRows * block.columns, ldc: block.columns)
                            }
                            g.col2imAdd(columns, block, into: dx)
                        }
                    }
                }
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
