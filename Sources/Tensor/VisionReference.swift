// Naive reference kernels for the vision ops: direct loops written from the defining formulas,
// single-threaded and slow on purpose. Tests compare the fast kernels against these.

public enum VisionReference {
    /// Direct 7-loop convolution.
    public static func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor?, stride: Int, padding: Int, dilation: Int, groups: Int) -> Tensor {
        let g = ConvolutionGeometry(input: x.shape, weight: weight.shape, stride: stride, padding: padding, dilation: dilation, groups: groups)
        let xs = x.scalars, ws = weight.scalars, bs = bias?.scalars
        let cinG = g.inChannels / groups, coutG = g.outChannels / groups
        var out = [Float](repeating: 0, count: g.outputShape.reduce(1, *))
        for n in 0..<g.batch {
            for o in 0..<g.outChannels {
                let group = o / coutG
                for i in 0..<g.outHeight {
                    for j in 0..<g.outWidth {
                        var total: Double = Double(bs?[o] ?? 0)
                        for c in 0..<cinG {
                            for u in 0..<g.kernelHeight {
                                for v in 0..<g.kernelWidth {
                                    let ih = i * stride - padding + u * dilation, iw = j * stride - padding + v * dilation
                                    guard ih >= 0, ih < g.height, iw >= 0, iw < g.width else { continue }
                                    let xv = xs[((n * g.inChannels + group * cinG + c) * g.height + ih) * g.width + iw]
                                    total += Double(ws[((o * cinG + c) * g.kernelHeight + u) * g.kernelWidth + v] * xv)
                                }
                            }
                        }
                        out[((n * g.outChannels + o) * g.outHeight + i) * g.outWidth + j] = Float(total)
                    }
                }
            }
        }
        return Tensor(shape: g.outputShape, scalars: out)
    }

    /// Bilinear value of plane `p` (h×w) at real coordinates, clamping to the edge.
    static func bilinearClamped(_ p: [Float], offset: Int, h: Int, w: Int, y: Float, x: Float) -> Float {
        let y0 = min(Int(y.rounded(.down)), h - 1), x0 = min(Int(x.rounded(.down)), w - 1)
        let y1 = min(y0 + 1, h - 1), x1 = min(x0 + 1, w - 1)
        let ly = y - Float(y0), lx = x - Float(x0)
        func at(_ a: Int, _ b: Int) -> Float { p[offset + a * w + b] }
        return (1 - ly) * ((1 - lx) * at(y0, x0) + lx * at(y0, x1)) + ly * ((1 - lx) * at(y1, x0) + lx * at(y1, x1))
    }

    /// PyTorch bilinear, align_corners=False, written per output pixel.
    public static func resizeBilinear(_ x: Tensor, height: Int, width: Int) -> Tensor {
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3]), xs = x.scalars
        var out: [Float] = []
        for plane in 0..<n * c {
            for i in 0..<height {
                for j in 0..<width {
                    let y = max(0, (Float(i) + 0.5) * Float(h) / Float(height) - 0.5)
                    let xx = max(0, (Float(j) + 0.5) * Float(w) / Float(width) - 0.5)
                    out.append(bilinearClamped(xs, offset: plane * h * w, h: h, w: w, y: y, x: xx))
                }
            }
        }
        return Tensor(shape: [n, c, height, width], scalars: out)
    }

    /// Spec §5: `Y[a,b] = X̃(max(0, a − ⌊f/2⌋)/f, max(0, b − ⌊f/2⌋)/f)`, X̃ bilinear with edge replication.
    public static func alignedBilinearUpsample(_ x: Tensor, factor f: Int) -> Tensor {
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3]), xs = x.scalars
        var out: [Float] = []
        for plane in 0..<n * c {
            for a in 0..<h * f {
                for b in 0..<w * f {
                    let u = Float(max(0, a - f / 2)) / Float(f), v = Float(max(0, b - f / 2)) / Float(f)
                    out.append(bilinearClamped(xs, offset: plane * h * w, h: h, w: w, y: u, x: v))
                }
            }
        }
        return Tensor(shape: [n, c, h * f, w * f], scalars: out)
    }

    /// RoIAlign per box, channel, bin and sample, straight from spec §4 (fixed or adaptive grid).
    public static func roiAlign(_ feature: Tensor, boxes: Tensor, settings s: RoIAlignSettings) -> Tensor {
        let (c, h, w) = (feature.shape[1], feature.shape[2], feature.shape[3]), fs = feature.scalars, bs = boxes.scalars
        let size = s.outputSize, shift: Float = s.aligned ? 0.5 : 0
        var out: [Float] = []
        for r in 0..<boxes.shape[0] {
            let image = Int(bs[r * 5])
            let sx = bs[r * 5 + 1] * s.spatialScale - shift, sy = bs[r * 5 + 2] * s.spatialScale - shift
            var rw = bs[r * 5 + 3] * s.spatialScale - shift - sx, rh = bs[r * 5 + 4] * s.spatialScale - shift - sy
            if !s.aligned { rw = max(rw, 1); rh = max(rh, 1) }
            let gh = s.samplingRatio > 0 ? s.samplingRatio : Int((rh / Float(size)).rounded(.up))
            let gw = s.samplingRatio > 0 ? s.samplingRatio : Int((rw / Float(size)).rounded(.up))
            for ch in 0..<c {
                let offset = (image * c + ch) * h * w
                for py in 0..<size {
                    for px in 0..<size {
                        var total: Float = 0
                        for iy in 0..<max(gh, 0) {
                            for ix in 0..<max(gw, 0) {
                                var y = sy + Float(py) * rh / Float(size) + (Float(iy) + 0.5) * rh / Float(size) / Float(gh)
                                var x = sx + Float(px) * rw / Float(size) + (Float(ix) + 0.5) * rw / Float(size) / Float(gw)
                                if y < -1 || y > Float(h) || x < -1 || x > Float(w) { continue }
                                y = max(y, 0); x = max(x, 0)
                                if y >= Float(h - 1) { y = Float(h - 1) }
                                if x >= Float(w - 1) { x = Float(w - 1) }
                                total += bilinearClamped(fs, offset: offset, h: h, w: w, y: y, x: x)
                            }
                        }
                        out.append(total / Float(max(gh * gw, 1)))
                    }
                }
            }
        }
        return Tensor(shape: [boxes.shape[0], c, size, size], scalars: out)
    }

    /// Per-channel normalisation with given mean/variance, then affine.
    public static func normalize(_ x: Tensor, mean: (Int, Int) -> Float, variance: (Int, Int) -> Float,
                                 weight: Tensor, bias: Tensor, eps: Float) -> Tensor {
        let (n, c) = (x.shape[0], x.shape[1]), plane = x.count / (n * c), xs = x.scalars, g = weight.scalars, b = bias.scalars
        var out = xs
        for i in 0..<n { for ch in 0..<c { for p in 0..<plane {
            let k = (i * c + ch) * plane + p
            out[k] = (xs[k] - mean(i, ch)) / (variance(i, ch) + eps).squareRoot() * g[ch] + b[ch]
        }}}
        return Tensor(shape: x.shape, scalars: out)
    }
}
