// Colours and textures of the synthetic dataset: gradient + low-frequency-noise backgrounds,
// unlabelled clutter, and object fills (flat, gradient, stripes, checker, speckle, all shaded).
import Foundation

enum SyntheticBackground {
    /// Linear two-colour gradient plus smooth value noise (a coarse random grid, bilinearly interpolated).
    static func paint(into canvas: inout [Double], width: Int, height: Int, random: inout DataRandom) {
        let first = randomColor(random: &random), second = randomColor(random: &random)
        let angle = random.uniform(0, 2 * Double.pi)
        let (dx, dy) = (cos(angle), sin(angle))
        let extent = abs(dx) * Double(width) + abs(dy) * Double(height)
        let start = min(0, dx * Double(width)) + min(0, dy * Double(height))
        let grid = 6, amplitude = random.uniform(10, 45)
        var lattice = [Double](repeating: 0, count: grid * grid * 3)
        for i in 0..<lattice.count { lattice[i] = random.uniform(-amplitude, amplitude) }
        for y in 0..<height {
            for x in 0..<width {
                let t = (Double(x) * dx + Double(y) * dy - start) / extent
                let gx = Double(x) / Double(width) * Double(grid - 1), gy = Double(y) / Double(height) * Double(grid - 1)
                let ix = min(Int(gx), grid - 2), iy = min(Int(gy), grid - 2)
                let fx = gx - Double(ix), fy = gy - Double(iy)
                for c in 0..<3 {
                    func at(_ a: Int, _ b: Int) -> Double { lattice[((iy + b) * grid + ix + a) * 3 + c] }
                    let noise = (at(0, 0) * (1 - fx) + at(1, 0) * fx) * (1 - fy) + (at(0, 1) * (1 - fx) + at(1, 1) * fx) * fy
                    canvas[(y * width + x) * 3 + c] = first[c] * (1 - t) + second[c] * t + noise
                }
            }
        }
    }

    /// One distractor: a thick stroke, a blob, or a faint patch of lines. Never labelled.
    static func paintClutter(into canvas: inout [Double], width: Int, height: Int, random: inout DataRandom) {
        let color = randomColor(random: &random)
        let opacity = random.uniform(0.35, 0.9)
        let shortSide = Double(min(width, height))
        switch random.integer(0...2) {
        case 0:  // stroke: a thick line segment
            let x0 = random.uniform(0, Double(width)), y0 = random.uniform(0, Double(height))
            let angle = random.uniform(0, 2 * Double.pi), length = random.uniform(0.15, 0.8) * shortSide
            let x1 = x0 + cos(angle) * length, y1 = y0 + sin(angle) * length
            let thickness = random.uniform(0.8, 0.025 * shortSide + 1.2)
            blend(into: &canvas, width: width, height: height, color: color, opacity: opacity) { x, y in
                let t = max(0, min(1, ((x - x0) * (x1 - x0) + (y - y0) * (y1 - y0)) / (length * length)))
                let px = x0 + t * (x1 - x0) - x, py = y0 + t * (y1 - y0) - y
                return px * px + py * py <= thickness * thickness
            }
        case 1:  // blob: a small irregular disc (radius modulated by a few harmonics)
            let cx = random.uniform(0, Double(width)), cy = random.uniform(0, Double(height))
            let radius = random.uniform(0.02, 0.08) * shortSide
            let phase = random.uniform(0, 2 * Double.pi), wobble = random.uniform(0.1, 0.35)
            blend(into: &canvas, width: width, height: height, color: color, opacity: opacity) { x, y in
                let a = atan2(y - cy, x - cx)
                let r = radius * (1 + wobble * sin(3 * a + phase) + 0.5 * wobble * cos(5 * a))
                return (x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r
            }
        default:  // patch of parallel lines: texture in the background that no object owns
            let cx = random.uniform(0, Double(width)), cy = random.uniform(0, Double(height))
            let half = random.uniform(0.08, 0.25) * shortSide, period = random.uniform(3, 7)
            let angle = random.uniform(0, Double.pi)
            blend(into: &canvas, width: width, height: height, color: color, opacity: opacity * 0.6) { x, y in
                guard abs(x - cx) <= half && abs(y - cy) <= half else { return false }
                let s = (x * cos(angle) + y * sin(angle)) / period
                return s - floor(s) < 0.35
            }
        }
    }

    private static func blend(into canvas: inout [Double], width: Int, height: Int, color: SIMD3<Double>,
                              opacity: Double, inside: (Double, Double) -> Bool) {
        for y in 0..<height {
            for x in 0..<width where inside(Double(x) + 0.5, Double(y) + 0.5) {
                let i = (y * width + x) * 3
                for c in 0..<3 { canvas[i + c] = canvas[i + c] * (1 - opacity) + color[c] * opacity }
            }
        }
    }
}

/// A random colour from HSV, so that hues spread evenly and greys are rare but possible.
func randomColor(random: inout DataRandom, saturation: ClosedRange<Double> = 0.1...0.9,
                 value: ClosedRange<Double> = 0.15...0.95) -> SIMD3<Double> {
    let h = random.uniform(0, 6), s = random.uniform(saturation.lowerBound, saturation.upperBound)
    let v = random.uniform(value.lowerBound, value.upperBound) * 255
    let f = h - floor(h), p = v * (1 - s), q = v * (1 - s * f), t = v * (1 - s * (1 - f))
    switch Int(h) % 6 {
    case 0: return SIMD3(v, t, p)
    case 1: return SIMD3(q, v, p)
    case 2: return SIMD3(p, v, t)
    case 3: return SIMD3(p, q, v)
    case 4: return SIMD3(t, p, v)
    default: return SIMD3(v, p, q)
    }
}

/// How an object is coloured, in coordinates relative to its centre.
struct SyntheticFill {
    enum Pattern { case flat, gradient, stripes, checker, speckle }
    let pattern: Pattern
    let primary: SIMD3<Double>
    let secondary: SIMD3<Double>
    let direction: (x: Double, y: Double)
    let period: Double
    /// Directional shading strength: a light from one side makes objects look less like stickers.
    let shading: Double

    /// A fill whose main colour differs clearly from the background under the object (retries a few times).
    static func random(against background: SIMD3<Double>, config: SyntheticShapesConfig, random: inout DataRandom) -> SyntheticFill {
        var primary = randomColor(random: &random, saturation: 0.3...1, value: 0.25...1)
        for _ in 0..<8 {
            let difference = primary - background
            if (difference * difference).sum().squareRoot() > 70 { break }
            primary = randomColor(random: &random, saturation: 0.3...1, value: 0.25...1)
        }
        let textured = random.chance(config.texturedProbability)
        let patterns: [Pattern] = [.gradient, .stripes, .checker, .speckle]
        let pattern = textured ? patterns[random.integer(0...3)] : .flat
        // The second colour stays near the first in hue so that an object reads as one thing.
        let secondary = primary * random.uniform(0.45, 0.8) + randomColor(random: &random) * random.uniform(0.1, 0.4)
        let angle = random.uniform(0, 2 * Double.pi)
        return SyntheticFill(pattern: pattern, primary: primary, secondary: secondary, direction: (cos(angle), sin(angle)),
                             period: random.uniform(2.5, 6), shading: random.uniform(0, 0.35))
    }

    func color(x: Double, y: Double, radius: Double, seed: UInt64) -> SIMD3<Double> {
        let along = (x * direction.x + y * direction.y) / max(radius, 1)
        var base: SIMD3<Double>
        switch pattern {
        case .flat:
            base = primary
        case .gradient:
            let t = (along + 1) / 2
            base = primary * (1 - t) + secondary * t
        case .stripes:
            let s = (x * direction.x + y * direction.y) / period
            base = s - floor(s) < 0.5 ? primary : secondary
        case .checker:
            let u = Int(floor((x + 1000) / period)), v = Int(floor((y + 1000) / period))
            base = (u + v) % 2 == 0 ? primary : secondary
        case .speckle:
            var hash = DataRandom(seed: seed, stream: UInt64(bitPattern: Int64(x.rounded())), UInt64(bitPattern: Int64(y.rounded())))
            base = primary + (secondary - primary) * hash.unit()
        }
        return base * (1 - shading * along)
    }
}
