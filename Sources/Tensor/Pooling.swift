// Max pooling (NCHW, PyTorch semantics: implicit −∞ padding, floor output size) with the argmax
// index of each output kept for the backward scatter, and nearest-neighbour upsampling by an
// integer factor (output pixel j copies input pixel ⌊j/f⌋, spec §3) with its backward block sum.

/// Result of `maxPool2d`: pooled values and, per output, the flat index (h·W + w) of the winner
/// inside its input plane.
public struct MaxPoolResult {
    public let output: Tensor
    public let indices: [Int32]
}

/// Max pooling over k×k windows. `input` N×C×H×W → N×C×⌊(H+2p−k)/s⌋+1×….
public func maxPool2d(_ input: Tensor, kernel: Int, stride: Int? = nil, padding: Int = 0) -> MaxPoolResult {
    precondition(input.rank == 4, "maxPool2d: input must be N×C×H×W, got \(input.shape)")
    let stride = stride ?? kernel
    precondition(kernel >= 1 && stride >= 1 && padding >= 0 && padding * 2 <= kernel,
                 "maxPool2d: kernel \(kernel), stride \(stride), padding \(padding) (padding at most half the kernel)")
    let (n, c, h, w) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
    let outH = (h + 2 * padding - kernel) / stride + 1, outW = (w + 2 * padding - kernel) / stride + 1
    precondition(outH > 0 && outW > 0, "maxPool2d: kernel \(kernel) larger than padded input \(input.shape)")
    var indices = [Int32](repeating: 0, count: n * c * outH * outW)
    let output = Tensor(shape: [n, c, outH, outW]) { y in
        input.withUnsafePointer { x in
            indices.withUnsafeMutableBufferPointer { index in
                let indexBase = index.baseAddress!
                Parallel.forEachChunk(n * c, costPerItem: outH * outW * kernel * kernel) { planes in
                    for plane in planes {
                        let source = x + plane * h * w
                        let target = y + plane * outH * outW, targetIndex = indexBase + plane * outH * outW
                        for oh in 0..<outH {
                            let h0 = max(0, oh * stride - padding), h1 = min(h, oh * stride - padding + kernel)
                            for ow in 0..<outW {
                                let w0 = max(0, ow * stride - padding), w1 = min(w, ow * stride - padding + kernel)
                                var best = -Float.infinity, bestIndex = h0 * w + w0
                                for ih in h0..<h1 {
                                    for iw in w0..<w1 {
                                        let v = source[ih * w + iw], i = ih * w + iw
                                        // NaN propagates as in PyTorch. Selects, not branches: the winner is
                                        // unpredictable on real activations.
                                        let take = v > best || v != v
                                        best = take ? v : best
                                        bestIndex = take ? i : bestIndex
                                    }
                                }
                                target[oh * outW + ow] = best
                                targetIndex[oh * outW + ow] = Int32(bestIndex)
                            }
                        }
                    }
                }
            }
        }
    }
    return MaxPoolResult(output: output, indices: indices)
}

/// Backward of `maxPool2d`: each output gradient goes to its recorded winner.
public func maxPool2dBackward(_ outputGrad: Tensor, indices: [Int32], inputShape: [Int]) -> Tensor {
    let planes = inputShape[0] * inputShape[1], planeSize = inputShape[2] * inputShape[3]
    let outPlane = outputGrad.count / max(planes, 1)
    precondition(indices.count == outputGrad.count, "maxPool2d backward: \(indices.count) indices for \(outputGrad.count) gradients")
    return Tensor(shape: inputShape) { dx in
        dx.initialize(repeating: 0, count: planes * planeSize)
        outputGrad.withUnsafePointer { dy in
            indices.withUnsafeBufferPointer { index in
                Parallel.forEachChunk(planes, costPerItem: outPlane) { range in
                    for plane in range {
                        let target = dx + plane * planeSize
                        for o in plane * outPlane..<(plane + 1) * outPlane { target[Int(index[o])] += dy[o] }
                    }
                }
            }
        }
    }
}

/// Nearest-neighbour upsampling by an integer factor: `y[n,c,i,j] = x[n,c,⌊i/f⌋,⌊j/f⌋]`.
public func upsampleNearest(_ input: Tensor, factor: Int) -> Tensor {
    precondition(input.rank == 4 && factor >= 1, "upsampleNearest: input must be N×C×H×W and factor ≥ 1, got \(input.shape), \(factor)")
    let (n, c, h, w) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
    let outW = w * factor
    return Tensor(shape: [n, c, h * factor, outW]) { y in
        input.withUnsafePointer { x in
            Parallel.forEachChunk(n * c * h, costPerItem: outW * factor) { rows in
                for row in rows {
                    let source = x + row * w, target = y + row * factor * outW
                    for j in 0..<outW { target[j] = source[j / factor] }
                    for copy in 1..<max(factor, 1) { (target + copy * outW).update(from: target, count: outW) }
                }
            }
        }
    }
}

/// Backward of `upsampleNearest`: each input pixel receives the sum of its f×f block.
public func upsampleNearestBackward(_ outputGrad: Tensor, factor: Int) -> Tensor {
    let (n, c, outH, outW) = (outputGrad.shape[0], outputGrad.shape[1], outputGrad.shape[2], outputGrad.shape[3])
    let h = outH / factor, w = outW / factor
    return Tensor(shape: [n, c, h, w]) { dx in
        outputGrad.withUnsafePointer { dy in
            Parallel.forEachChunk(n * c * h, costPerItem: outW * factor) { rows in
                for row in rows {
                    let target = dx + row * w
                    for j in 0..<w { target[j] = 0 }
                    for copy in 0..<factor {
                        let source = dy + (row * factor + copy) * outW
                        for j in 0..<outW { target[j / factor] += source[j] }
                    }
                }
            }
        }
    }
}
