// Geometry of the synthetic shape classes: each placed shape answers "does it cover this point?",
// and gives its bounding square so that rasterisation only visits nearby pixels.
import Foundation

/// The shape classes of the synthetic dataset. Class index = position in `allCases` order of the config's list.
public enum ShapeKind: String, CaseIterable, Codable, Sendable {
    case circle, ellipse, square, triangle, star, ring, cross
}

/// A shape placed in an image: centre, size (circumradius in pixels), rotation and class-specific proportions.
struct PlacedShape {
    let kind: ShapeKind
    let centerX: Double
    let centerY: Double
    /// Circumradius: every covered point lies within this distance of the centre.
    let radius: Double
    let angle: Double
    /// Class-specific proportion: ellipse minor/major ratio, ring inner/outer ratio, star inner/outer ratio,
    /// cross arm width / arm length.
    let proportion: Double
    private let cosAngle: Double
    private let sinAngle: Double

    init(kind: ShapeKind, centerX: Double, centerY: Double, radius: Double, angle: Double, proportion: Double) {
        self.kind = kind
        self.centerX = centerX
        self.centerY = centerY
        self.radius = radius
        self.angle = angle
        self.proportion = proportion
        cosAngle = cos(angle)
        sinAngle = sin(angle)
    }

    /// Whether the point (image pixel coordinates, continuous) lies inside the shape.
    func contains(x: Double, y: Double) -> Bool {
        let dx = x - centerX, dy = y - centerY
        // Rotate into the shape's own frame, scaled so that the circumradius is 1.
        let u = (dx * cosAngle + dy * sinAngle) / radius
        let v = (-dx * sinAngle + dy * cosAngle) / radius
        let squaredDistance = u * u + v * v
        if squaredDistance > 1 { return false }
        switch kind {
        case .circle:
            return true
        case .ellipse:
            return u * u + (v * v) / (proportion * proportion) <= 1
        case .square:
            let half = 1 / 2.0.squareRoot()
            return abs(u) <= half && abs(v) <= half
        case .triangle:
            return PlacedShape.insideRegularPolygon(u: u, v: v, sides: 3)
        case .star:
            return PlacedShape.insideStar(u: u, v: v, points: 5, innerRatio: proportion)
        case .ring:
            return squaredDistance >= proportion * proportion
        case .cross:
            // Two perpendicular bars of half-length ~1/sqrt(1 + w²) and half-width w times that.
            let length = 1 / (1 + proportion * proportion).squareRoot()
            let width = proportion * length
            return (abs(u) <= length && abs(v) <= width) || (abs(v) <= length && abs(u) <= width)
        }
    }

    /// Regular polygon with unit circumradius and a vertex pointing up (−v).
    private static func insideRegularPolygon(u: Double, v: Double, sides: Int) -> Bool {
        let apothem = cos(Double.pi / Double(sides))
        for k in 0..<sides {
            // Outward normal of edge k, halfway between vertices k and k+1.
            let normalAngle = -Double.pi / 2 + (Double(k) + 0.5) * 2 * Double.pi / Double(sides)
            if u * cos(normalAngle) + v * sin(normalAngle) > apothem { return false }
        }
        return true
    }

    /// Star polygon: alternating outer (radius 1) and inner (radius `innerRatio`) vertices, even-odd rule.
    private static func insideStar(u: Double, v: Double, points: Int, innerRatio: Double) -> Bool {
        let count = points * 2
        var inside = false
        var previous = starVertex(count - 1, count: count, innerRatio: innerRatio)
        for k in 0..<count {
            let current = starVertex(k, count: count, innerRatio: innerRatio)
            if (current.v > v) != (previous.v > v) {
                let crossing = previous.u + (v - previous.v) * (current.u - previous.u) / (current.v - previous.v)
                if u < crossing { inside.toggle() }
            }
            previous = current
        }
        return inside
    }

    private static func starVertex(_ k: Int, count: Int, innerRatio: Double) -> (u: Double, v: Double) {
        let r = k % 2 == 0 ? 1.0 : innerRatio
        let a = -Double.pi / 2 + Double(k) * 2 * Double.pi / Double(count)
        return (r * cos(a), r * sin(a))
    }
}
