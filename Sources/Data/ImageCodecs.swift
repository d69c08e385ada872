// Image files in and out: PNG through libpng (CPNG shim) and JPEG through TurboJPEG, always decoded
// to 8-bit RGB. Errors name the file and say what is wrong with it.
import CJPEG
import CPNG
import Foundation

/// An 8-bit RGB image, row-major, interleaved: `pixels[(y * width + x) * 3 + c]`.
public struct RGBImage: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width >= 0 && height >= 0 && pixels.count == width * height * 3,
                     "RGBImage \(width)x\(height) needs \(width * height * 3) bytes, got \(pixels.count)")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// A uniformly coloured image.
    public init(width: Int, height: Int, red: UInt8 = 0, green: UInt8 = 0, blue: UInt8 = 0) {
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for i in 0..<(width * height) {
            pixels[3 * i] = red; pixels[3 * i + 1] = green; pixels[3 * i + 2] = blue
        }
        self.init(width: width, height: height, pixels: pixels)
    }

    public subscript(x: Int, y: Int) -> (red: UInt8, green: UInt8, blue: UInt8) {
        let i = (y * width + x) * 3
        return (pixels[i], pixels[i + 1], pixels[i + 2])
    }
}

/// What went wrong reading or writing an image; the description names the file.
public enum ImageFileError: Error, CustomStringConvertible, Equatable {
    case missing(path: String)
    case unknownFormat(path: String)
    case corrupt(path: String, reason: String)
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case .missing(let path): return "\(path): image file not found"
        case .unknownFormat(let path): return "\(path): neither PNG nor JPEG (unrecognised file signature)"
        case .corrupt(let path, let reason): return "\(path): cannot decode image: \(reason)"
        case .writeFailed(let path, let reason): return "\(path): cannot write PNG: \(reason)"
        }
    }
}

public enum ImageCodec {
    /// Decodes a PNG or JPEG file to RGB, choosing the decoder by the file's signature, not its name.
    public static func read(path: String) throws -> RGBImage {
        guard FileManager.default.fileExists(atPath: path) else { throw ImageFileError.missing(path: path) }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ImageFileError.corrupt(path: path, reason: "cannot open file")
        }
        let head = handle.readData(ofLength: 8)
        try? handle.close()
        let bytes = [UInt8](head)
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]) { return try readPNG(path: path) }
        if bytes.starts(with: [0xFF, 0xD8]) { return try readJPEG(path: path) }
        if bytes.isEmpty { throw ImageFileError.corrupt(path: path, reason: "file is empty") }
        throw ImageFileError.unknownFormat(path: path)
    }

    /// Decodes any PNG (8/16-bit, gray, gray+alpha, RGB, RGBA, palette) to RGB8; alpha is dropped.
    public static func readPNG(path: String) throws -> RGBImage {
        var pointer: UnsafeMutablePointer<UInt8>?
        var width: Int32 = 0, height: Int32 = 0
        var message = [CChar](repeating: 0, count: 512)
        let status = cpng_read_rgb8(path, &pointer, &width, &height, &message, message.count)
        guard status == 0, let pointer else {
            if status == 1, !FileManager.default.fileExists(atPath: path) { throw ImageFileError.missing(path: path) }
            throw ImageFileError.corrupt(path: path, reason: String(cString: message))
        }
        defer { cpng_free(pointer) }
        let count = Int(width) * Int(height) * 3
        return RGBImage(width: Int(width), height: Int(height), pixels: Array(UnsafeBufferPointer(start: pointer, count: count)))
    }

    /// Decodes a baseline or progressive JPEG (gray, YCbCr, CMYK) to RGB with TurboJPEG's accurate DCT.
    public static func readJPEG(path: String) throws -> RGBImage {
        guard let data = FileManager.default.contents(atPath: path) else { throw ImageFileError.missing(path: path) }
        guard let handle = tjInitDecompress() else { throw ImageFileError.corrupt(path: path, reason: "TurboJPEG init failed") }
        defer { tjDestroy(handle) }
        var bytes = [UInt8](data)
        var width: Int32 = 0, height: Int32 = 0, subsampling: Int32 = 0, colorspace: Int32 = 0
        func failure() -> ImageFileError {
            .corrupt(path: path, reason: String(cString: tjGetErrorStr2(handle)))
        }
        let headerStatus = bytes.withUnsafeMutableBufferPointer {
            tjDecompressHeader3(handle, $0.baseAddress, UInt($0.count), &width, &height, &subsampling, &colorspace)
        }
        guard headerStatus == 0, width > 0, height > 0 else { throw failure() }
        var pixels = [UInt8](repeating: 0, count: Int(width) * Int(height) * 3)
        let status = bytes.withUnsafeMutableBufferPointer { source in
            pixels.withUnsafeMutableBufferPointer { target in
                tjDecompress2(handle, source.baseAddress, UInt(source.count), target.baseAddress,
                              width, 0, height, Int32(TJPF_RGB.rawValue), TJFLAG_ACCURATEDCT)
            }
        }
        // Status -1 with a warning (e.g. premature end of data) still yields a usable image only
        // when TurboJPEG classes the error as a warning; anything else is corruption.
        if status != 0 && tjGetErrorCode(handle) != Int32(TJERR_WARNING.rawValue) { throw failure() }
        return RGBImage(width: Int(width), height: Int(height), pixels: pixels)
    }

    /// Writes RGB pixels as an 8-bit PNG.
    public static func writePNG(_ image: RGBImage, path: String) throws {
        try writePNG(pixels: image.pixels, width: image.width, height: image.height, channels: 3, path: path)
    }

    /// Writes packed 8-bit pixels with 1 (gray), 3 (RGB) or 4 (RGBA) channels as a PNG.
    public static func writePNG(pixels: [UInt8], width: Int, height: Int, channels: Int, path: String) throws {
        precondition(pixels.count == width * height * channels, "pixel buffer does not match \(width)x\(height)x\(channels)")
        var message = [CChar](repeating: 0, count: 512)
        let status = cpng_write(path, pixels, Int32(width), Int32(height), Int32(channels), &message, message.count)
        if status != 0 { throw ImageFileError.writeFailed(path: path, reason: String(cString: message)) }
    }
}
