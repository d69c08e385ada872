// Separable 2-tap interpolation on NCHW planes: bilinear resize with PyTorch's half-pixel rule
// (align_corners=False) and CondInst's "aligned bilinear" ×f upsampling (spec §5). Both are the
// same linear map y = A_rows · x · A_colsᵀ with two taps per output index, so one forward and one
// backward kernel serve both; only the tap tables differ.

/// Two taps per output index along one axis: `out[i] = weight0[i]·in[index0[i]] + weight1[i]·in[index1[i]]`.
public struct InterpolationTaps: Sendable {
    public var index0: [Int], index1: [Int]
    public var weight0: [Float], weight1: [Float]
    public var count: Int { index0.count }

    /// The four tap arrays as raw pointers (lower index, upper index, lower weight, upper weight).
    @inlinable func withPointers<R>(_ body: (UnsafeBufferPointer<Int>, UnsafeBufferPointer<Int>,
                                             UnsafeBufferPointer<Float>, UnsafeBufferPointer<Float>) -> R) -> R {
        index0.withUnsafeBufferPointer { i0 in index1.withUnsafeBufferPointer { i1 in
            weight0.withUnsafeBufferPointer { w0 in weight1.withUnsafeBufferPointer { w1 in body(i0, i1, w0, w1) } }
        } }
    }

    /// PyTorch `interpolate(mode="bilinear", align_corners=False)` along one axis:
    /// `src = (dst + 0.5)·in/out − 0.5`, clamped below at 0; the upper tap is clamped to the edge.
    public static func halfPixel(inputSize: Int, outputSize: Int) -> InterpolationTaps {
        let scale = Float(inputSize) / Float(outputSize)
        var taps = InterpolationTaps(index0: [], index1: [], weight0: [], weight1: [])
        for dst in 0..<outputSize {
            let source = max(scale * (Float(dst) + 0.5) - 0.5, 0)
            let i0 = min(Int(source), inputSize - 1)
            let i1 = i0 + (i0 < inputSize - 1 ? 1 : 0)
            let lambda1 = source - Float(i0)
            taps.append(i0, i1, 1 - lambda1, lambda1)
        }
        return taps
    }

    /// CondInst aligned bilinear ×f (spec §5): `u = max(0, a − ⌊f/2⌋)/f`, bilinear with clamp-to-edge.
    public static func aligned(inputSize: Int, factor: Int) -> InterpolationTaps {
        var taps = InterpolationTaps(index0: [], index1: [], weight0: [], weight1: [])
        for a in 0..<inputSize * factor {
            let shifted = max(0, a - factor / 2)
            let i0 = shifted / factor, i1 = min(i0 + 1, inputSize - 1)
            let fraction = Float(shifted % factor) / Float(factor)
            taps.append(i0, i1, 1 - fraction, fraction)
        }
        return taps
    }

    mutating func append(_ i0: Int, _ i1: Int, _ w0: Float, _ w1: Float) {
        index0.append(i0); index1.append(i1); weight0.append(w0); weight1.append(w1)
    }
}

/// Bilinear resize to `height × width` (half-pixel centres, align_corners=False). N×C×H×W → N×C×height×width.
public func resizeBilinear(_ input: Tensor, height: Int, width: Int) -> Tensor {
    precondition(input.rank == 4 && height > 0 && width > 0, "resizeBilinear: input \(input.shape) to \(height)×\(width)")
    return interpolate(input, rows: .halfPixel(inputSize: input.shape[2], outputSize: height),
                       columns: .halfPixel(inputSize: input.shape[3], outputSize: width))
}

public func resizeBilinearBackward(_ outputGrad: Tensor, inputShape: [Int]) -> Tensor {
    interpolateBackward(outputGrad, inputShape: inputShape,
                        rows: .halfPixel(inputSize: inputShape[2], outputSize: outputGrad.shape[2]),
                        columns: .halfPixel(inputSize: inputShape[3], outputSize: outputGrad.shape[3]))
}

/// CondInst aligned bilinear upsampling by an integer factor (spec §5). N×C×h×w → N×C×fh×fw.
public func alignedBilinearUpsample(_ input: Tensor, factor: Int) -> Tensor {
    precondition(input.rank == 4 && factor >= 1, "alignedBilinearUpsample: input \(input.shape), factor \(factor)")
    return interpolate(input, rows: .aligned(inputSize: input.shape[2], factor: factor),
                       columns: .aligned(inputSize: input.shape[3], factor: factor))
}

public func alignedBilinearUpsampleBackward(_ outputGrad: Tensor, factor: Int) -> Tensor {
    let inputShape = [outputGrad.shape[0], outputGrad.shape[1], outputGrad.shape[2] / factor, outputGrad.shape[3] / factor]
    return interpolateBackward(outputGrad, inputShape: inputShape,
                               rows: .aligned(inputSize: inputShape[2], factor: factor),
                               columns: .aligned(inputSize: inputShape[3], factor: factor))
}

/// `y[n,c] = R · x[n,c] · Cᵀ` for two-tap matrices R (rows) and C (columns).
public func interpolate(_ input: Tensor, rows: InterpolationTaps, columns: InterpolationTaps) -> Tensor {
    let (n, c, h, w) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
    let outH = rows.count, outW = columns.count
    return Tensor(shape: [n, c, outH, outW]) { y in
        input.withUnsafePointer { x in
            rows.withPointers { r0, r1, rw0, rw1 in columns.withPointers { c0, c1, cw0, cw1 in
                Parallel.forEachChunk(n * c, costPerItem: outH * outW * 4) { planes in
                    // Column pass into a scratch of H × outW, then the row pass.
                    let scratch = UnsafeMutablePointer<Float>.allocate(capacity: h * outW)
                    defer { scratch.deallocate() }
                    for plane in planes {
                        let source = x + plane * h * w, target = y + plane * outH * outW
                        for i in 0..<h {
                            let row = source + i * w, out = scratch + i * outW
                            for j in 0..<outW { out[j] = cw0[j] * row[c0[j]] + cw1[j] * row[c1[j]] }
                        }
                        for i in 0..<outH {
                            let a = scratch + r0[i] * outW, b = scratch + r1[i] * outW, out = target + i * outW
                            let wa = rw0[i], wb = rw1[i]
                            for j in 0..<outW { out[j] = wa * a[j] + wb * b[j] }
                        }
                    }
                }
            }}
        }
    }
}

/// Transpose of `interpolate`: `dx[n,c] = Rᵀ · dy[n,c] · C`.
public func interpolateBackward(_ outputGrad: Tensor, inputShape: [Int], rows: InterpolationTaps, columns: InterpolationTaps) -> Tensor {
    let (n, c, h, w) = (inputShape[0], inputShape[1], inputShape[2], inputShape[3])
    let outH = rows.count, outW = columns.count
    precondition(outputGrad.shape == [n, c, outH, outW], "interpolation backward: gradient \(outputGrad.shape) vs \([n, c, outH, outW])")
    return Tensor(shape: inputShape) { dx in
        outputGrad.withUnsafePointer { dy in
            rows.withPointers { r0, r1, rw0, rw1 in columns.withPointers { c0, c1, cw0, cw1 in
                Parallel.forEachChunk(n * c, costPerItem: outH * outW * 4) { planes in
                    let scratch = UnsafeMutablePointer<Float>.allocate(capacity: h * outW)
                    defer { scratch.deallocate() }
                    for plane in planes {
                        let source = dy + plane * outH * outW, target = dx + plane * h * w
                        scratch.initialize(repeating: 0, count: h * outW)
                        for i in 0..<outH {
                            let a = scratch + r0[i] * outW, b = scratch + r1[i] * outW, g = source + i * outW
                            let wa = rw0[i], wb = rw1[i]
                            for j in 0..<outW { a[j] += wa * g[j] }
                            for j in 0..<outW { b[j] += wb * g[j] }
                        }
                        target.initialize(repeating: 0, count: h * w)
                        for i in 0..<h {
                            let row = target + i * w, g = scratch + i * outW
                            for j in 0..<outW {
                                row[c0[j]] += cw0[j] * g[j]
                                row[c1[j]] += cw1[j] * g[j]
                            }
                        }
                    }
                }
            }}
        }
    }
}
