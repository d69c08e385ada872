// Turns transformed samples into an `ImageBatch` (spec §2 and §9.5): ImageNet normalisation, top-left
// placement on a zero canvas whose sides are multiples of 32, and stride-4 GT masks sampled at 2, 6, 10, …
import Structures
import Tensor

public enum BatchCollation {
    /// ImageNet statistics in 0…255 RGB units (spec §2).
    public static let pixelMean: [Float] = [123.675, 116.280, 103.530]
    public static let pixelStd: [Float] = [58.395, 57.120, 57.375]

    /// `value` rounded up to a multiple of `divisor`.
    public static func roundedUp(_ value: Int, toMultipleOf divisor: Int) -> Int {
        (value + divisor - 1) / divisor * divisor
    }

    /// B×3×Hp×Wp normalised images (padding 0 after normalisation), sizes, ids, targets and stride-4 masks.
    public static func collate(_ samples: [TransformedSample], sizeDivisibility: Int = 32) -> ImageBatch {
        precondition(!samples.isEmpty, "cannot collate an empty batch")
        let paddedHeight = roundedUp(samples.map(\.image.height).max()!, toMultipleOf: sizeDivisibility)
        let paddedWidth = roundedUp(samples.map(\.image.width).max()!, toMultipleOf: sizeDivisibility)
        let plane = paddedHeight * paddedWidth
        let images = Tensor(shape: [samples.count, 3, paddedHeight, paddedWidth]) { pointer in
            pointer.initialize(repeating: 0, count: samples.count * 3 * plane)
            for (b, sample) in samples.enumerated() {
                let image = sample.image
                image.pixels.withUnsafeBufferPointer { pixels in
                    for c in 0..<3 {
                        let base = pointer + (b * 3 + c) * plane
                        let mean = pixelMean[c], inverseStd = 1 / pixelStd[c]
                        for y in 0..<image.height {
                            let row = base + y * paddedWidth
                            let source = y * image.width * 3 + c
                            for x in 0..<image.width { row[x] = (Float(pixels[source + 3 * x]) - mean) * inverseStd }
                        }
                    }
                }
            }
        }
        return ImageBatch(
            images: images,
            imageSizes: samples.map { ($0.image.height, $0.image.width) },
            originalSizes: samples.map(\.originalSize),
            imageIDs: samples.map(\.imageID),
            targets: samples.map(\.targets),
            strideFourMasks: samples.map { strideFourMasks($0.targets.masks, paddedHeight: paddedHeight, paddedWidth: paddedWidth) })
    }

    /// M×(Hp/4)×(Wp/4): each h×w mask zero-padded to Hp×Wp, then rows and columns 2, 6, 10, … taken
    /// (spec §9.5: pure subsampling starting at 2, step 4; the 0.5 threshold is a no-op on binary masks).
    public static func strideFourMasks(_ masks: [BitMask], paddedHeight: Int, paddedWidth: Int) -> Tensor {
        let height = paddedHeight / 4, width = paddedWidth / 4
        return Tensor(shape: [masks.count, height, width]) { pointer in
            pointer.initialize(repeating: 0, count: masks.count * height * width)
            for (m, mask) in masks.enumerated() {
                let base = pointer + m * height * width
                for i in 0..<height {
                    let y = 2 + 4 * i
                    if y >= mask.height { break }
                    for j in 0..<width {
                        let x = 2 + 4 * j
                        if x >= mask.width { break }
                        base[i * width + j] = Float(mask.bits[y * mask.width + x])
                    }
                }
            }
        }
    }
}
