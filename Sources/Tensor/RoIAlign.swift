// RoIAlign (torchvision semantics, spec §4) forward and backward. Each box's bilinear taps
// (feature offset, weight already divided by the sample count) are tabulated once and shared by all
// channels; the feature map is transposed to channels-last so that every tap is a contiguous,
// vectorisable multiply-add over channels, and the backward scatter is split by channel ranges
// (no two workers write the same float, unlike a split by boxes).
import Foundation

/// RoIAlign hyper-parameters. `aligned` shifts box corners by −0.5 pixel (ROIAlignV2).
public struct RoIAlignSettings: Equatable, Sendable {
    public var outputSize: Int
    public var spatialScale: Float
    /// Samples per bin along each axis; ≤ 0 means adaptive `⌈roi size / outputSize⌉`.
    public var samplingRatio: Int
    public var aligned: Bool

    public init(outputSize: Int, spatialScale: Float, samplingRatio: Int, aligned: Bool) {
        precondition(outputSize >= 1, "roiAlign: outputSize \(outputSize) must be ≥ 1")
        (self.outputSize, self.spatialScale, self.samplingRatio, self.aligned) = (outputSize, spatialScale, samplingRatio, aligned)
    }
}

/// Bilinear taps of every output bin of every box.
struct RoIAlignTapTable {
    /// Taps of bin b (box-major, then py, px) are `binStart[b]..<binStart[b+1]`.
    var binStart: [Int]
    /// Offset `y·W + x` inside the image's plane (channels-last: times C).
    var offsets: [Int32]
    var weights: [Float]
    var images: [Int]

    init(boxes: Tensor, height: Int, width: Int, batch: Int, settings: RoIAlignSettings) {
        precondition(boxes.rank == 2 && boxes.shape[1] == 5, "roiAlign: boxes must be R×5 (batch, x1, y1, x2, y2), got \(boxes.shape)")
        let count = boxes.shape[0], size = settings.outputSize
        binStart = [0]; offsets = []; weights = []; images = []
        binStart.reserveCapacity(count * size * size + 1)
        let box = boxes.scalars
        let shift: Float = settings.aligned ? 0.5 : 0
        for r in 0..<count {
            let image = Int(box[r * 5])
            precondition(image >= 0 && image < batch && Float(image) == box[r * 5], "roiAlign: box \(r) has batch index \(box[r * 5]), feature batch is \(batch)")
            images.append(image)
            let startX = box[r * 5 + 1] * settings.spatialScale - shift, startY = box[r * 5 + 2] * settings.spatialScale - shift
            var roiWidth = box[r * 5 + 3] * settings.spatialScale - shift - startX
            var roiHeight = box[r * 5 + 4] * settings.spatialScale - shift - startY
            if !settings.aligned { roiWidth = max(roiWidth, 1); roiHeight = max(roiHeight, 1) }
            let binHeight = roiHeight / Float(size), binWidth = roiWidth / Float(size)
            let gridH = settings.samplingRatio > 0 ? settings.samplingRatio : Int((roiHeight / Float(size)).rounded(.up))
            let gridW = settings.samplingRatio > 0 ? settings.samplingRatio : Int((roiWidth / Float(size)).rounded(.up))
            let norm = 1 / Float(max(gridH * gridW, 1))
            for py in 0..<size {
                for px in 0..<size {
                    for iy in 0..<max(gridH, 0) {
                        let y = startY + Float(py) * binHeight + (Float(iy) + 0.5) * binHeight / Float(gridH)
                        for ix in 0..<max(gridW, 0) {
                            let x = startX + Float(px) * binWidth + (Float(ix) + 0.5) * binWidth / Float(gridW)
                            appendBilinear(y: y, x: x, height: height, width: width, scale: norm)
                        }
                    }
                    binStart.append(offsets.count)
                }
            }
        }
    }

    /// The spec §4 bilinear rule: zero beyond one pixel outside, clamp at 0, collapse at the last row/column.
    private mutating func appendBilinear(y: Float, x: Float, height: Int, width: Int, scale: Float) {
        if y < -1 || y > Float(height) || x < -1 || x > Float(width) { return }
        var y = max(y, 0), x = max(x, 0)
        var y0 = Int(y), x0 = Int(x), y1: Int, x1: Int
        if y0 >= height - 1 { y0 = height - 1; y1 = y0; y = Float(y0) } else { y1 = y0 + 1 }
        if x0 >= width - 1 { x0 = width - 1; x1 = x0; x = Float(x0) } else { x1 = x0 + 1 }
        let ly = y - Float(y0), lx = x - Float(x0), hy = 1 - ly, hx = 1 - lx
        for (offset, weight) in [(y0 * width + x0, hy * hx), (y0 * width + x1, hy * lx),
                                 (y1 * width + x0, ly * hx), (y1 * width + x1, ly * lx)] {
            offsets.append(Int32(offset)); weights.append(weight * scale)
        }
    }
}

/// NCHW → NHWC (or back with `toChannelsLast: false`), parallel over images and rows.
func transposeChannels(_ source: UnsafePointer<Float>, _ target: UnsafeMutablePointer<Float>,
                       batch: Int, channels: Int, plane: Int, toChannelsLast: Bool) {
    Parallel.forEachChunk(batch * channels, costPerItem: plane) { range in
        for item in range {
            let n = item / channels, c = item % channels, base = n * channels * plane
            if toChannelsLast {
                let s = source + base + c * plane, t = target + base + c
                for p in 0..<plane { t[p * channels] = s[p] }
            } else {
                let s = source + base + c, t = target + base + c * plane
                for p in 0..<plane { t[p] = s[p * channels] }
            }
        }
    }
}

/// RoIAlign. `feature` N×C×H×W, `boxes` R×5 rows (batch index, x1, y1, x2, y2) in input pixels
/// → R×C×S×S, or R×S²×C with `channelsLast` (bin-major, what the decoder consumes: no transpose).
/// Sample points and the bilinear rule follow spec §4.
public func roiAlign(_ feature: Tensor, boxes: Tensor, settings: RoIAlignSettings, channelsLast outputChannelsLast: Bool = false) -> Tensor {
    precondition(feature.rank == 4, "roiAlign: feature must be N×C×H×W, got \(feature.shape)")
    let (n, c, h, w) = (feature.shape[0], feature.shape[1], feature.shape[2], feature.shape[3])
    let table = RoIAlignTapTable(boxes: boxes, height: h, width: w, batch: n, settings: settings)
    let count = boxes.shape[0], bins = settings.outputSize * settings.outputSize
    let channelsLast = UnsafeMutablePointer<Float>.allocate(capacity: max(feature.count, 1))
    defer { channelsLast.deallocate() }
    feature.withUnsafePointer { transposeChannels($0, channelsLast, batch: n, channels: c, plane: h * w, toChannelsLast: true) }
    let shape = outputChannelsLast ? [count, bins, c] : [count, c, settings.outputSize, settings.outputSize]
    return Tensor(shape: shape) { output in
        table.binStart.withUnsafeBufferPointer { start in table.offsets.withUnsafeBufferPointer { offsets in
        table.weights.withUnsafeBufferPointer { weights in table.images.withUnsafeBufferPointer { images in
            Parallel.forEachChunk(count, costPerItem: bins * 16 * c) { range in
                let accumulator = UnsafeMutablePointer<Float>.allocate(capacity: c)
                defer { accumulator.deallocate() }
                for r in range {
                    let image = channelsLast + images[r] * h * w * c
                    for bin in 0..<bins {
                        accumulator.initialize(repeating: 0, count: c)
                        let b = r * bins + bin
                        for tap in start[b]..<start[b + 1] {
                            let source = image + Int(offsets[tap]) * c, weight = weights[tap]
                            for ch in 0..<c { accumulator[ch] += weight * source[ch] }
                        }
                        if outputChannelsLast {
                            (output + (r * bins + bin) * c).update(from: accumulator, count: c)
                        } else {
                            let target = output + r * c * bins + bin
                            for ch in 0..<c { target[ch * bins] = accumulator[ch] }
                        }
                    }
                }
            }
        }}}}
    }
}

/// Gradient of `roiAlign` with respect to the feature map (boxes get none: they are detached in the model).
/// `outputGrad` is R×C×S×S, or R×S²×C when the forward used `channelsLast`.
public func roiAlignBackward(_ outputGrad: Tensor, featureShape: [Int], boxes: Tensor, settings: RoIAlignSettings,
                             channelsLast gradientChannelsLast: Bool = false) -> Tensor {
    let (n, c, h, w) = (featureShape[0], featureShape[1], featureShape[2], featureShape[3])
    let count = boxes.shape[0], bins = settings.outputSize * settings.outputSize
    let expected = gradientChannelsLast ? [count, bins, c] : [count, c, settings.outputSize, settings.outputSize]
    precondition(outputGrad.shape == expected, "roiAlign backward: gradient \(outputGrad.shape) for \(count) boxes and \(c) channels")
    let table = RoIAlignTapTable(boxes: boxes, height: h, width: w, batch: n, settings: settings)
    // Output gradient as box × bin × channel, so each tap reads a contiguous channel vector.
    let gradient = UnsafeMutablePointer<Float>.allocate(capacity: max(outputGrad.count, 1))
    defer { gradient.deallocate() }
    outputGrad.withUnsafePointer { g in
        if gradientChannelsLast { gradient.update(from: g, count: outputGrad.count) }
        else { transposeChannels(g, gradient, batch: count, channels: c, plane: bins, toChannelsLast: true) }
    }
    let channelsLast = UnsafeMutablePointer<Float>.allocate(capacity: max(n * c * h * w, 1))
    defer { channelsLast.deallocate() }
    channelsLast.initialize(repeating: 0, count: n * c * h * w)
    table.binStart.withUnsafeBufferPointer { start in table.offsets.withUnsafeBufferPointer { offsets in
    table.weights.withUnsafeBufferPointer { weights in table.images.withUnsafeBufferPointer { images in
        let workers = min(Parallel.threadCount, max(1, c / 16))
        Parallel.forEachChunk(workers, costPerItem: 1 << 20) { parts in
            for part in parts {
                let c0 = c * part / workers, c1 = c * (part + 1) / workers
                for r in 0..<count {
                    let image = channelsLast + images[r] * h * w * c + c0
                    for bin in 0..<bins {
                        let b = r * bins + bin, g = gradient + b * c + c0
                        for tap in start[b]..<start[b + 1] {
                            let target = image + Int(offsets[tap]) * c, weight = weights[tap]
                            for ch in 0..<(c1 - c0) { target[ch] += weight * g[ch] }
                        }
                    }
                }
            }
        }
    }}}}
    return Tensor(shape: featureShape) { dx in
        transposeChannels(channelsLast, dx, batch: n, channels: c, plane: h * w, toChannelsLast: false)
    }
}

/// Spec §4 box-to-level rule: `k = clamp(⌊k0 + log2(√(w·h)/s0 + 1e-8)⌋, kmin, kmax)` with k0 = 4, s0 = 224,
/// area in input pixels. Returns the level index `k − kmin` per box; degenerate or inverted boxes go to kmin.
public func assignRoILevels(boxes: Tensor, minLevel: Int = 2, maxLevel: Int = 5,
                            canonicalLevel: Int = 4, canonicalSize: Float = 224) -> [Int] {
    precondition(boxes.rank == 2 && boxes.shape[1] == 5, "assignRoILevels: boxes must be R×5, got \(boxes.shape)")
    let box = boxes.scalars
    return (0..<boxes.shape[0]).map { r in
        let area = (box[r * 5 + 3] - box[r * 5 + 1]) * (box[r * 5 + 4] - box[r * 5 + 2])
        let level = (Float(canonicalLevel) + log2(area.squareRoot() / canonicalSize + 1e-8)).rounded(.down)
        guard level.isFinite else { return 0 }
        return Int(min(max(level, Float(minLevel)), Float(maxLevel))) - minLevel
    }
}
