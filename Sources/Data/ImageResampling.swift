// Separable image resampling for the transforms: bilinear (triangle filter) whose support widens when
// downscaling, as PIL's BILINEAR does (spec §2: "area-aware when downscaling"), so small outputs do not alias.
import Foundation

enum ImageResampling {
    /// Per output index: first source index and normalised weights. The output pixel centre `o + 0.5`
    /// maps to source position `(o + 0.5) / scale + origin` (continuous, pixel edges at integers).
    struct Taps {
        var start: [Int] = []
        var weights: [[Float]] = []
    }

    static func taps(outputCount: Int, sourceCount: Int, scale: Double, origin: Double) -> Taps {
        var taps = Taps()
        let support = max(1, 1 / scale)
        for o in 0..<outputCount {
            let center = (Double(o) + 0.5) / scale + origin
            let low = max(0, Int(floor(center - support))), high = min(sourceCount - 1, Int(ceil(center + support)))
            var weights: [Float] = []
            var total = 0.0
            if low <= high {
                for s in low...high {
                    let w = max(0, 1 - abs(Double(s) + 0.5 - center) / support)
                    weights.append(Float(w))
                    total += w
                }
            }
            if total <= 0 {
                // Centre outside the source (only possible at a crop edge): take the nearest pixel.
                let nearest = min(sourceCount - 1, max(0, Int(floor(center))))
                taps.start.append(nearest)
                taps.weights.append([1])
            } else {
                taps.start.append(low)
                taps.weights.append(weights.map { $0 / Float(total) })
            }
        }
        return taps
    }

    /// Resamples `image` to `outputWidth`×`outputHeight` under x' = (x − originX)·scaleX, y' = (y − originY)·scaleY.
    static func resample(_ image: RGBImage, outputWidth: Int, outputHeight: Int,
                         scaleX: Double, scaleY: Double, originX: Double, originY: Double) -> RGBImage {
        let horizontal = taps(outputCount: outputWidth, sourceCount: image.width, scale: scaleX, origin: originX)
        let vertical = taps(outputCount: outputHeight, sourceCount: image.height, scale: scaleY, origin: originY)
        // Only the source rows that some output row touches need the horizontal pass.
        let rowLow = vertical.start.min() ?? 0
        let rowHigh = zip(vertical.start, vertical.weights).map { $0 + $1.count - 1 }.max() ?? -1
        let sourceWidth = image.width
        var intermediate = [Float](repeating: 0, count: max(0, rowHigh - rowLow + 1) * outputWidth * 3)
        image.pixels.withUnsafeBufferPointer { source in
            for y in stride(from: rowLow, through: rowHigh, by: 1) {
                let sourceRow = y * sourceWidth * 3, targetRow = (y - rowLow) * outputWidth * 3
                for o in 0..<outputWidth {
                    var r: Float = 0, g: Float = 0, b: Float = 0
                    let start = horizontal.start[o]
                    for (k, w) in horizontal.weights[o].enumerated() {
                        let i = sourceRow + (start + k) * 3
                        r += w * Float(source[i]); g += w * Float(source[i + 1]); b += w * Float(source[i + 2])
                    }
                    intermediate[targetRow + o * 3] = r
                    intermediate[targetRow + o * 3 + 1] = g
                    intermediate[targetRow + o * 3 + 2] = b
                }
            }
        }
        var pixels = [UInt8](repeating: 0, count: outputWidth * outputHeight * 3)
        let rowLength = outputWidth * 3
        // Whole rows at a time (row += weight · source row), which the compiler vectorises.
        var accumulator = [Float](repeating: 0, count: rowLength)
        intermediate.withUnsafeBufferPointer { source in
            accumulator.withUnsafeMutableBufferPointer { sum in
                pixels.withUnsafeMutableBufferPointer { target in
                    for o in 0..<outputHeight {
                        for i in 0..<rowLength { sum[i] = 0 }
                        for (k, w) in vertical.weights[o].enumerated() {
                            let row = (vertical.start[o] + k - rowLow) * rowLength
                            for i in 0..<rowLength { sum[i] += w * source[row + i] }
                        }
                        let base = o * rowLength
                        for i in 0..<rowLength { target[base + i] = UInt8(min(255, max(0, sum[i].rounded()))) }
                    }
                }
            }
        }
        return RGBImage(width: outputWidth, height: outputHeight, pixels: pixels)
    }

    /// The image mirrored left-right.
    static func flippedHorizontally(_ image: RGBImage) -> RGBImage {
        var pixels = image.pixels
        let width = image.width
        for y in 0..<image.height {
            for x in 0..<width {
                let target = (y * width + x) * 3, source = (y * width + width - 1 - x) * 3
                pixels[target] = image.pixels[source]
                pixels[target + 1] = image.pixels[source + 1]
                pixels[target + 2] = image.pixels[source + 2]
            }
        }
        return RGBImage(width: width, height: image.height, pixels: pixels)
    }
}
