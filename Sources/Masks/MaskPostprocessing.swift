// Inference-time mask post-processing (spec §10.5 step 2–3): stride-4 probabilities → aligned
// bilinear ×4 → crop to the resized image → half-pixel bilinear resize to the original size →
// threshold → zero outside the (integer-truncated) box. Plain loops over Floats: it runs once
// per surviving detection and needs no gradients.
import Foundation
import Structures

public enum MaskPostprocessing {
    /// CondInst's aligned bilinear upsampling of an h×w map by an integer factor f (spec §5):
    /// Y[a, b] = X̃(max(0, a − ⌊f/2⌋)/f, max(0, b − ⌊f/2⌋)/f), X̃ bilinear with edge replication.
    public static func alignedUpsample(_ input: [Float], height: Int, width: Int, factor: Int) -> [Float] {
        precondition(input.count == height * width, "aligned upsample: \(input.count) values for \(height)×\(width)")
        let outHeight = height * factor, outWidth = width * factor, shift = factor / 2
        func axis(_ a: Int, _ size: Int) -> (Int, Int, Float) {
            let u = Float(max(0, a - shift)) / Float(factor)
            let i0 = min(Int(u), size - 1)
            let i1 = min(i0 + 1, size - 1)
            return (i0, i1, u - Float(i0))
        }
        return interpolate(input, width: width, rows: (0..<outHeight).map { axis($0, height) },
                           columns: (0..<outWidth).map { axis($0, width) })
    }

    /// Bilinear resize with half-pixel centres (align_corners = False): src = (dst + 0.5)·in/out − 0.5,
    /// negative sources clamped to 0, the upper neighbour clamped to in − 1.
    public static func resizeBilinear(_ input: [Float], height: Int, width: Int, toHeight outHeight: Int, width outWidth: Int) -> [Float] {
        precondition(input.count == height * width, "resize: \(input.count) values for \(height)×\(width)")
        func axis(_ d: Int, _ inSize: Int, _ outSize: Int) -> (Int, Int, Float) {
            let src = max(0, (Float(d) + 0.5) * Float(inSize) / Float(outSize) - 0.5)
            let i0 = min(Int(src), inSize - 1)
            return (i0, min(i0 + 1, inSize - 1), src - Float(i0))
        }
        return interpolate(input, width: width, rows: (0..<outHeight).map { axis($0, height, outHeight) },
                           columns: (0..<outWidth).map { axis($0, width, outWidth) })
    }

    /// Separable bilinear interpolation of a row-major map `width` wide: output (a, b) blends the
    /// input rows and columns named by the taps `rows[a]` and `columns[b]` (lower, upper, weight of upper).
    static func interpolate(_ input: [Float], width: Int, rows: [(Int, Int, Float)], columns: [(Int, Int, Float)]) -> [Float] {
        var output = [Float](repeating: 0, count: rows.count * columns.count)
        for (a, (y0, y1, ly)) in rows.enumerated() {
            for (b, (x0, x1, lx)) in columns.enumerated() {
                let top = input[y0 * width + x0] * (1 - lx) + input[y0 * width + x1] * lx
                let bottom = input[y1 * width + x0] * (1 - lx) + input[y1 * width + x1] * lx
                output[a * columns.count + b] = top * (1 - ly) + bottom * ly
            }
        }
        return output
    }

    /// The final binary mask of one detection on the original image.
    /// - Parameters:
    ///   - probabilities: σ(mask logits), Hm×Wm at stride 4 of the padded canvas.
    ///   - resized: (h, w), the unpadded resized image; `original`: (Ho, Wo).
    ///   - box: the detection's box already scaled to the original image and clipped (xyxy).
    public static func binaryMask(probabilities: [Float], maskHeight: Int, maskWidth: Int, stride: Int = 4,
                                  resized: (height: Int, width: Int), original: (height: Int, width: Int),
                                  box: SIMD4<Float>, threshold: Float = 0.5) -> BitMask {
        let up = alignedUpsample(probabilities, height: maskHeight, width: maskWidth, factor: stride)
        let upWidth = maskWidth * stride
        precondition(resized.height <= maskHeight * stride && resized.width <= upWidth, "resized image larger than the padded canvas")
        var cropped = [Float](repeating: 0, count: resized.height * resized.width)
        for y in 0..<resized.height {
            for x in 0..<resized.width { cropped[y * resized.width + x] = up[y * upWidth + x] }
        }
        let full = resizeBilinear(cropped, height: resized.height, width: resized.width,
                                  toHeight: original.height, width: original.width)
        // Truncate the box toward zero; keep rows y1..<y2 and columns x1..<x2.
        let x1 = max(0, Int(box.x)), y1 = max(0, Int(box.y))
        let x2 = min(original.width, Int(box.z)), y2 = min(original.height, Int(box.w))
        var mask = BitMask(width: original.width, height: original.height)
        if x1 < x2 && y1 < y2 {
            for y in y1..<y2 {
                for x in x1..<x2 where full[y * original.width + x] > threshold { mask.bits[y * original.width + x] = 1 }
            }
        }
        return mask
    }
}
