// Shared test helpers: tolerant comparisons, a seeded generator and a finite-difference gradient checker.
import XCTest
import Tensor

public func assertClose(_ a: [Float], _ b: [Float], atol: Float = 1e-5, rtol: Float = 1e-4,
                        _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, "length mismatch \(message)", file: file, line: line)
    for i in 0..<min(a.count, b.count) where !(abs(a[i] - b[i]) <= atol + rtol * abs(b[i])) {
        XCTFail("element \(i): \(a[i]) vs \(b[i]) \(message)", file: file, line: line)
        return
    }
}

public func assertClose(_ a: Tensor, _ b: Tensor, atol: Float = 1e-5, rtol: Float = 1e-4,
                        _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.shape, b.shape, "shape mismatch \(message)", file: file, line: line)
    assertClose(a.scalars, b.scalars, atol: atol, rtol: rtol, message, file: file, line: line)
}

/// Runs `body` with the native GEMM kernel on `isa` (and the native backend), restoring both after.
public func withNativeISA<T>(_ isa: NativeISA, _ body: () throws -> T) rethrows -> T {
    let savedBackend = GEMM.backend, savedISA = GEMM.nativeISA
    GEMM.nativeISA = isa
    GEMM.backend = .native
    defer { GEMM.nativeISA = savedISA; GEMM.backend = savedBackend }
    return try body()
}

/// The instruction sets this CPU can run the native kernel with (empty without AVX2+FMA).
public var nativeISAsOfThisCPU: [NativeISA] {
    NativeISA.allCases.filter { $0 != .none && $0.rawValue <= GEMM.availableISA.rawValue }
}
