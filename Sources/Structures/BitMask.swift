// A binary mask as a dense row-major byte grid (0 or 1). Run-length (RLE) forms live in RLE.swift.

public struct BitMask: Equatable, Sendable {
    public let width: Int
    public let height: Int
    /// Row-major, `height * width` bytes, each 0 or 1.
    public var bits: [UInt8]

    public init(width: Int, height: Int, bits: [UInt8]) {
        precondition(bits.count == width * height, "BitMask \(width)x\(height) needs \(width * height) bytes, got \(bits.count)")
        self.width = width
        self.height = height
        self.bits = bits
    }

    public init(width: Int, height: Int) {
        self.init(width: width, height: height, bits: [UInt8](repeating: 0, count: width * height))
    }

    public subscript(x: Int, y: Int) -> Bool {
        get { bits[y * width + x] != 0 }
        set { bits[y * width + x] = newValue ? 1 : 0 }
    }

    /// Number of foreground pixels.
    public var area: Int { bits.reduce(0) { $0 + Int($1) } }

    /// Tight box (x1, y1, x2, y2) with exclusive right/bottom edges, or nil when empty.
    public var boundingBox: (x1: Int, y1: Int, x2: Int, y2: Int)? {
        var x1 = width, y1 = height, x2 = -1, y2 = -1
        for y in 0..<height {
            let row = y * width
            for x in 0..<width where bits[row + x] != 0 {
                if x < x1 { x1 = x }
                if x > x2 { x2 = x }
                if y < y1 { y1 = y }
                y2 = y
            }
        }
        return x2 < 0 ? nil : (x1, y1, x2 + 1, y2 + 1)
    }
}
