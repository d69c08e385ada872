// Polygon → RLE rasterisation that reproduces pycocotools' `frPoly` bit for bit: vertices are scaled by 5 and
// rounded, edges are walked densely on that grid, the x-crossings are mapped back to pixel columns and the
// sorted crossing positions become run boundaries. Boxes rasterise as their 4-corner polygon (`frBbox`).
import Foundation

public enum Polygon {
    /// Upsampling factor of the edge walk (pycocotools uses 5).
    static let scale: Double = 5

    /// Rasterises one polygon given as `[x0, y0, x1, y1, …]` (pixel coordinates, pixel centres at integers + 0.5
    /// as COCO) into an `height`×`width` mask. A trailing odd coordinate is ignored, as pycocotools does.
    public static func rasterize(_ xy: [Double], height: Int, width: Int) -> RLE {
        let k = xy.count / 2
        if k == 0 { return RLE.empty(height: height, width: width) }
        // 1. Vertices on the upsampled grid (round half up via +0.5 then truncation toward zero, like a C cast).
        var vx = [Int](repeating: 0, count: k + 1), vy = [Int](repeating: 0, count: k + 1)
        for j in 0..<k {
            vx[j] = Int(scale * xy[2 * j] + 0.5)
            vy[j] = Int(scale * xy[2 * j + 1] + 0.5)
        }
        vx[k] = vx[0]; vy[k] = vy[0]

        // 2. Dense boundary points: along each edge, step one unit in the major direction. Edges are walked
        // from their lower end in the major axis so both directions of an edge give identical points.
        var u: [Int] = [], v: [Int] = []
        var total = 0
        for j in 0..<k { total += max(abs(vx[j] - vx[j + 1]), abs(vy[j] - vy[j + 1])) + 1 }
        u.reserveCapacity(total); v.reserveCapacity(total)
        for j in 0..<k {
            var xs = vx[j], xe = vx[j + 1], ys = vy[j], ye = vy[j + 1]
            let dx = abs(xe - xs), dy = abs(ys - ye)
            let flip = (dx >= dy && xs > xe) || (dx < dy && ys > ye)
            if flip { swap(&xs, &xe); swap(&ys, &ye) }
            if dx >= dy {
                if dx == 0 {
                    // A repeated vertex: pycocotools computes 0/0 here and its C cast of NaN yields INT_MIN on
                    // x86, which later clamps to row 0; keep that value so results stay identical.
                    u.append(xs)
                    v.append(Int(Int32.min))
                    continue
                }
                let slope = Double(ye - ys) / Double(dx)
                for d in 0...dx {
                    let t = flip ? dx - d : d
                    u.append(t + xs)
                    v.append(Int(Double(ys) + slope * Double(t) + 0.5))
                }
            } else {
                let slope = Double(xe - xs) / Double(dy)
                for d in 0...dy {
                    let t = flip ? dy - d : d
                    v.append(t + ys)
                    u.append(Int(Double(xs) + slope * Double(t) + 0.5))
                }
            }
        }

        // 3. Where the boundary crosses from one upsampled column to the next, record the pixel column it
        // lands on (only exact pixel columns inside the image) and the first pixel row below the crossing.
        var boundaries: [UInt32] = []
        boundaries.reserveCapacity(u.count / 4 + 1)
        for j in 1..<max(u.count, 1) where u[j] != u[j - 1] {
            var xd = Double(u[j] < u[j - 1] ? u[j] : u[j] - 1)
            xd = (xd + 0.5) / scale - 0.5
            if xd.rounded(.down) != xd || xd < 0 || xd > Double(width - 1) { continue }
            var yd = Double(v[j] < v[j - 1] ? v[j] : v[j - 1])
            yd = (yd + 0.5) / scale - 0.5
            if yd < 0 { yd = 0 } else if yd > Double(height) { yd = Double(height) }
            yd = yd.rounded(.up)
            boundaries.append(UInt32(truncatingIfNeeded: Int(xd) * height + Int(yd)))
        }

        // 4. Sorted crossing positions toggle the mask: their differences are the runs; a zero difference means
        // two crossings cancel, so the following run is folded into the previous one.
        boundaries.append(UInt32(truncatingIfNeeded: height * width))
        boundaries.sort()
        var previous: UInt32 = 0
        for j in 0..<boundaries.count {
            let t = boundaries[j]
            boundaries[j] = t &- previous
            previous = t
        }
        var counts: [UInt32] = [boundaries[0]]
        var j = 1
        while j < boundaries.count {
            if boundaries[j] > 0 {
                counts.append(boundaries[j]); j += 1
            } else {
                j += 1
                if j < boundaries.count { counts[counts.count - 1] += boundaries[j]; j += 1 }
            }
        }
        return RLE(height: height, width: width, counts: counts)
    }

    /// Rasterises a COCO box `[x, y, w, h]` as the polygon (x,y) (x,y+h) (x+w,y+h) (x+w,y) (pycocotools `frBbox`).
    public static func rasterize(box: [Double], height: Int, width: Int) -> RLE {
        let xs = box[0], ys = box[1], xe = box[0] + box[2], ye = box[1] + box[3]
        return rasterize([xs, ys, xs, ye, xe, ye, xe, ys], height: height, width: width)
    }

    /// A COCO polygon list (one object, possibly several parts) as one mask: each part rasterised, then their
    /// union. As pycocotools' `frPyObjects`, a list whose first entry has exactly 4 numbers is read as boxes.
    public static func rasterize(polygons: [[Double]], height: Int, width: Int) throws -> RLE {
        guard let first = polygons.first else {
            throw RLEError.invalidSegmentation("empty polygon list")
        }
        if first.count < 4 {
            throw RLEError.invalidSegmentation("polygon with \(first.count) coordinates (needs at least 6)")
        }
        let parts: [RLE]
        if first.count == 4 {
            parts = polygons.map { rasterize(box: $0.count >= 4 ? $0 : [0, 0, 0, 0], height: height, width: width) }
        } else {
            parts = polygons.map { rasterize($0, height: height, width: width) }
        }
        return try RLE.merge(parts)
    }
}
