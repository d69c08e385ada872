// Renders instance masks and boxes over an image, for looking at data (examples, `data inspect`).
import Structures

public enum MaskOverlay {
    /// The image with each mask tinted in its own colour (`opacity` blend), its outline drawn solid,
    /// and its box drawn as a one-pixel rectangle. Masks must have the image's size.
    public static func render(_ image: RGBImage, masks: [BitMask], boxes: [SIMD4<Double>] = [],
                              opacity: Double = 0.45) -> RGBImage {
        var pixels = image.pixels
        let width = image.width, height = image.height
        for (n, mask) in masks.enumerated() {
            precondition(mask.width == width && mask.height == height, "mask size differs from the image")
            let color = palette(n)
            for y in 0..<height {
                for x in 0..<width where mask.bits[y * width + x] != 0 {
                    let edge = x == 0 || y == 0 || x == width - 1 || y == height - 1
                        || mask.bits[y * width + x - 1] == 0 || mask.bits[y * width + x + 1] == 0
                        || mask.bits[(y - 1) * width + x] == 0 || mask.bits[(y + 1) * width + x] == 0
                    let alpha = edge ? 1.0 : opacity
                    for c in 0..<3 {
                        let i = (y * width + x) * 3 + c
                        pixels[i] = UInt8((Double(pixels[i]) * (1 - alpha) + Double(color[c]) * alpha).rounded())
                    }
                }
            }
        }
        for (n, box) in boxes.enumerated() {
            let color = palette(n)
            let x0 = max(0, Int(box[0])), y0 = max(0, Int(box[1]))
            let x1 = min(width - 1, Int(box[0] + box[2]) - 1), y1 = min(height - 1, Int(box[1] + box[3]) - 1)
            guard x0 <= x1, y0 <= y1 else { continue }
            func set(_ x: Int, _ y: Int) { for c in 0..<3 { pixels[(y * width + x) * 3 + c] = color[c] } }
            for x in x0...x1 { set(x, y0); set(x, y1) }
            for y in y0...y1 { set(x0, y); set(x1, y) }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    /// Distinct, saturated colours by golden-ratio hue steps.
    static func palette(_ index: Int) -> [UInt8] {
        let hue = (Double(index) * 0.618_033_988_75).truncatingRemainder(dividingBy: 1) * 6
        let f = hue - hue.rounded(.down)
        let v = 255.0, p = 40.0, q = v * (1 - 0.85 * f), t = v * (1 - 0.85 * (1 - f))
        let rgb: [Double]
        switch Int(hue) {
        case 0: rgb = [v, t, p]
        case 1: rgb = [q, v, p]
        case 2: rgb = [p, v, t]
        case 3: rgb = [p, q, v]
        case 4: rgb = [t, p, v]
        default: rgb = [v, p, q]
        }
        return rgb.map { UInt8(max(0, min(255, $0))) }
    }

    /// Places images side by side (same height), with a `gap` of dark pixels between them.
    public static func sideBySide(_ images: [RGBImage], gap: Int = 4) -> RGBImage {
        let height = images.map(\.height).max() ?? 0
        let width = images.map(\.width).reduce(0, +) + gap * max(0, images.count - 1)
        var result = RGBImage(width: width, height: height, red: 20, green: 20, blue: 20)
        var offset = 0
        for image in images {
            for y in 0..<image.height {
                let source = y * image.width * 3, target = (y * width + offset) * 3
                result.pixels.replaceSubrange(target..<(target + image.width * 3),
                                              with: image.pixels[source..<(source + image.width * 3)])
            }
            offset += image.width + gap
        }
        return result
    }

    /// Each pixel repeated `factor`×`factor` times.
    public static func magnified(_ image: RGBImage, by factor: Int) -> RGBImage {
        precondition(factor >= 1, "magnification must be at least 1")
        if factor == 1 { return image }
        let width = image.width * factor, height = image.height * factor
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                let source = ((y / factor) * image.width + x / factor) * 3, target = (y * width + x) * 3
                pixels[target] = image.pixels[source]
                pixels[target + 1] = image.pixels[source + 1]
                pixels[target + 2] = image.pixels[source + 2]
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }
}
