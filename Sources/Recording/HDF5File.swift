// A small Swift layer over the HDF5 C library (through the CHDF5 shim): files, groups, 1-D extendible
// float64 series, N-D float32/uint8 datasets and string/number attributes. Only what run logs and
// checkpoints need; every failure becomes an `HDF5Error` naming the file and the object.
import CHDF5
import Foundation

/// An HDF5 failure, with the file and object it concerns.
public struct HDF5Error: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// An open HDF5 file or group (both are "locations" in HDF5 terms).
public class HDF5Location {
    public let id: hid_t
    public let path: String
    let fileName: String

    init(id: hid_t, path: String, fileName: String) {
        self.id = id
        self.path = path
        self.fileName = fileName
    }

    func fail(_ what: String) -> HDF5Error { HDF5Error("\(fileName): \(what) at \(path)") }

    /// Whether a direct child link `name` exists.
    public func contains(_ name: String) -> Bool { H5Lexists(id, name, chdf5_p_default()) > 0 }

    /// The names of the direct children, sorted by name.
    public func childNames() -> [String] {
        final class Box { var names: [String] = [] }
        let box = Box()
        var index: hsize_t = 0
        let context = Unmanaged.passUnretained(box).toOpaque()
        _ = H5Literate(id, H5_INDEX_NAME, H5_ITER_INC, &index, { _, name, _, context in
            let box = Unmanaged<Box>.fromOpaque(context!).takeUnretainedValue()
            box.names.append(String(cString: name!))
            return 0
        }, context)
        return box.names.sorted()
    }

    /// Opens the child group `name`, creating it when `create` is set and it is missing.
    public func group(_ name: String, create: Bool = false) throws -> HDF5Group {
        let childPath = path == "/" ? "/" + name : path + "/" + name
        let gid: hid_t
        if contains(name) {
            gid = H5Gopen2(id, name, chdf5_p_default())
        } else if create {
            gid = H5Gcreate2(id, name, chdf5_p_default(), chdf5_p_default(), chdf5_p_default())
        } else {
            throw HDF5Error("\(fileName): no group \(childPath)")
        }
        guard gid >= 0 else { throw fail("cannot open group \(name)") }
        return HDF5Group(id: gid, path: childPath, fileName: fileName)
    }

    // MARK: Attributes

    /// Writes (or replaces) a fixed-length UTF-8 string attribute.
    public func setAttribute(_ name: String, string value: String) throws {
        let bytes = Array(value.utf8)
        let type = H5Tcopy(chdf5_c_s1())
        defer { H5Tclose(type) }
        H5Tset_size(type, max(1, bytes.count))
        H5Tset_cset(type, H5T_CSET_UTF8)
        try writeAttribute(name, type: type) { attribute in
            var padded = bytes
            if padded.isEmpty { padded = [0] }
            return H5Awrite(attribute, type, padded)
        }
    }

    /// Writes (or replaces) a float64 scalar attribute.
    public func setAttribute(_ name: String, double value: Double) throws {
        var v = value
        try writeAttribute(name, type: chdf5_native_double()) { H5Awrite($0, chdf5_native_double(), &v) }
    }

    /// Writes (or replaces) an int64 scalar attribute.
    public func setAttribute(_ name: String, int value: Int) throws {
        var v = Int64(value)
        try writeAttribute(name, type: chdf5_native_int64()) { H5Awrite($0, chdf5_native_int64(), &v) }
    }

    private func writeAttribute(_ name: String, type: hid_t, write: (hid_t) -> herr_t) throws {
        if H5Aexists(id, name) > 0 { H5Adelete(id, name) }
        let space = H5Screate(H5S_SCALAR)
        defer { H5Sclose(space) }
        let attribute = H5Acreate2(id, name, type, space, chdf5_p_default(), chdf5_p_default())
        guard attribute >= 0 else { throw fail("cannot create attribute \(name)") }
        defer { H5Aclose(attribute) }
        guard write(attribute) >= 0 else { throw fail("cannot write attribute \(name)") }
    }

    /// Reads a string attribute (fixed or variable length).
    public func stringAttribute(_ name: String) throws -> String {
        guard H5Aexists(id, name) > 0 else { throw fail("no attribute \(name)") }
        let attribute = H5Aopen(id, name, chdf5_p_default())
        defer { H5Aclose(attribute) }
        let type = H5Aget_type(attribute)
        defer { H5Tclose(type) }
        if H5Tis_variable_str(type) > 0 {
            var pointer: UnsafeMutablePointer<CChar>? = nil
            let memType = H5Tcopy(chdf5_c_s1())
            defer { H5Tclose(memType) }
            H5Tset_size(memType, Int(bitPattern: UInt(bitPattern: -1)))
            guard H5Aread(attribute, memType, &pointer) >= 0, let p = pointer else { throw fail("cannot read attribute \(name)") }
            defer { free(p) }
            return String(cString: p)
        }
        let size = H5Tget_size(type)
        var buffer = [UInt8](repeating: 0, count: size + 1)
        guard H5Aread(attribute, type, &buffer) >= 0 else { throw fail("cannot read attribute \(name)") }
        let end = buffer.firstIndex(of: 0) ?? size
        return String(decoding: buffer[..<end], as: UTF8.self)
    }

    /// Reads a numeric scalar attribute as float64.
    public func doubleAttribute(_ name: String) throws -> Double {
        guard H5Aexists(id, name) > 0 else { throw fail("no attribute \(name)") }
        let attribute = H5Aopen(id, name, chdf5_p_default())
        defer { H5Aclose(attribute) }
        var value = 0.0
        guard H5Aread(attribute, chdf5_native_double(), &value) >= 0 else { throw fail("cannot read attribute \(name)") }
        return value
    }

    // MARK: Datasets

    /// Creates a 1-D, chunked, unlimited float64 dataset (an appendable series), or opens it if present.
    public func series(_ name: String, chunk: Int = 256) throws -> HDF5Series {
        if contains(name) { return try openSeries(name) }
        var current: [hsize_t] = [0]
        var maximum: [hsize_t] = [chdf5_unlimited()]
        let space = H5Screate_simple(1, &current, &maximum)
        defer { H5Sclose(space) }
        let properties = H5Pcreate(chdf5_p_dataset_create())
        defer { H5Pclose(properties) }
        var chunkDims: [hsize_t] = [hsize_t(chunk)]
        H5Pset_chunk(properties, 1, &chunkDims)
        var fill = Double.nan
        H5Pset_fill_value(properties, chdf5_native_double(), &fill)
        let dataset = H5Dcreate2(id, name, chdf5_native_double(), space, chdf5_p_default(), properties, chdf5_p_default())
        guard dataset >= 0 else { throw fail("cannot create series \(name)") }
        return HDF5Series(id: dataset, name: name, location: self)
    }

    /// Opens an existing 1-D series.
    public func openSeries(_ name: String) throws -> HDF5Series {
        let dataset = H5Dopen2(id, name, chdf5_p_default())
        guard dataset >= 0 else { throw fail("no dataset \(name)") }
        return HDF5Series(id: dataset, name: name, location: self)
    }

    /// Writes a whole N-D array (float32 or uint8 element type) as a new dataset, replacing any old one.
    public func writeArray<T>(_ name: String, shape: [Int], values: [T], type: hid_t) throws {
        precondition(shape.reduce(1, *) == values.count, "shape \(shape) does not match \(values.count) values")
        if contains(name) { H5Ldelete(id, name, chdf5_p_default()) }
        var dims = shape.map { hsize_t($0) }
        let space = shape.isEmpty ? H5Screate(H5S_SCALAR) : H5Screate_simple(Int32(shape.count), &dims, nil)
        defer { H5Sclose(space) }
        let dataset = H5Dcreate2(id, name, type, space, chdf5_p_default(), chdf5_p_default(), chdf5_p_default())
        guard dataset >= 0 else { throw fail("cannot create dataset \(name)") }
        defer { H5Dclose(dataset) }
        let status = values.withUnsafeBytes { H5Dwrite(dataset, type, chdf5_s_all(), chdf5_s_all(), chdf5_p_default(), $0.baseAddress) }
        guard status >= 0 else { throw fail("cannot write dataset \(name)") }
    }

    /// Reads a whole dataset converted to `type`, with its shape.
    public func readArray<T>(_ name: String, type: hid_t, zero: T) throws -> (shape: [Int], values: [T]) {
        let dataset = H5Dopen2(id, name, chdf5_p_default())
        guard dataset >= 0 else { throw fail("no dataset \(name)") }
        defer { H5Dclose(dataset) }
        let space = H5Dget_space(dataset)
        defer { H5Sclose(space) }
        let rank = Int(H5Sget_simple_extent_ndims(space))
        var dims = [hsize_t](repeating: 0, count: max(rank, 1))
        H5Sget_simple_extent_dims(space, &dims, nil)
        let shape = rank == 0 ? [] : dims.prefix(rank).map { Int($0) }
        var values = [T](repeating: zero, count: shape.reduce(1, *))
        if !values.isEmpty {
            let status = values.withUnsafeMutableBytes { H5Dread(dataset, type, chdf5_s_all(), chdf5_s_all(), chdf5_p_default(), $0.baseAddress) }
            guard status >= 0 else { throw fail("cannot read dataset \(name)") }
        }
        return (shape, values)
    }
}

/// A group inside an HDF5 file; closed when released.
public final class HDF5Group: HDF5Location {
    deinit { H5Gclose(id) }
}

/// An HDF5 file; closed when released.
public final class HDF5File: HDF5Location {
    public enum Mode { case create, createExclusive, readOnly, readWrite }

    public init(path filePath: String, mode: Mode) throws {
        chdf5_silence_errors()
        let fid: hid_t
        switch mode {
        case .create: fid = H5Fcreate(filePath, chdf5_acc_trunc(), chdf5_p_default(), chdf5_p_default())
        case .createExclusive: fid = H5Fcreate(filePath, chdf5_acc_excl(), chdf5_p_default(), chdf5_p_default())
        case .readOnly:
            // Without locking a reader can open a log while its run is still writing it (plots of live runs);
            // it sees everything up to the writer's last flush.
            let access = H5Pcreate(chdf5_p_file_access())
            H5Pset_file_locking(access, false, true)
            fid = H5Fopen(filePath, chdf5_acc_rdonly(), access)
            H5Pclose(access)
        case .readWrite: fid = H5Fopen(filePath, chdf5_acc_rdwr(), chdf5_p_default())
        }
        guard fid >= 0 else { throw HDF5Error("\(filePath): cannot \(mode == .readOnly || mode == .readWrite ? "open" : "create") HDF5 file") }
        super.init(id: fid, path: "/", fileName: filePath)
    }

    /// Pushes every buffered change to disk, so that a process killed afterwards leaves a readable file.
    public func flush() throws {
        guard H5Fflush(id, H5F_SCOPE_GLOBAL) >= 0 else { throw fail("cannot flush") }
    }

    deinit { H5Fclose(id) }
}

/// A 1-D appendable float64 dataset.
public final class HDF5Series {
    let id: hid_t
    public let name: String
    let location: HDF5Location

    init(id: hid_t, name: String, location: HDF5Location) {
        self.id = id
        self.name = name
        self.location = location
    }

    deinit { H5Dclose(id) }

    /// Current number of elements.
    public var count: Int {
        let space = H5Dget_space(id)
        defer { H5Sclose(space) }
        var dims: [hsize_t] = [0]
        H5Sget_simple_extent_dims(space, &dims, nil)
        return Int(dims[0])
    }

    /// Grows or shrinks the series to `newCount` elements (new elements read as NaN, the fill value).
    public func resize(to newCount: Int) throws {
        var dims: [hsize_t] = [hsize_t(newCount)]
        guard H5Dset_extent(id, &dims) >= 0 else { throw location.fail("cannot resize \(name)") }
    }

    /// Writes `values` starting at element `offset`, growing the series when needed.
    public func write(_ values: [Double], at offset: Int) throws {
        guard !values.isEmpty else { return }
        if offset + values.count > count { try resize(to: offset + values.count) }
        let fileSpace = H5Dget_space(id)
        defer { H5Sclose(fileSpace) }
        var start: [hsize_t] = [hsize_t(offset)]
        var length: [hsize_t] = [hsize_t(values.count)]
        H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, &start, nil, &length, nil)
        let memorySpace = H5Screate_simple(1, &length, nil)
        defer { H5Sclose(memorySpace) }
        let status = values.withUnsafeBufferPointer {
            H5Dwrite(id, chdf5_native_double(), memorySpace, fileSpace, chdf5_p_default(), $0.baseAddress)
        }
        guard status >= 0 else { throw location.fail("cannot write \(name)") }
    }

    /// Appends values at the end.
    public func append(_ values: [Double]) throws { try write(values, at: count) }

    /// Reads every element.
    public func read() throws -> [Double] {
        var values = [Double](repeating: 0, count: count)
        if values.isEmpty { return [] }
        let status = values.withUnsafeMutableBufferPointer {
            H5Dread(id, chdf5_native_double(), chdf5_s_all(), chdf5_s_all(), chdf5_p_default(), $0.baseAddress)
        }
        guard status >= 0 else { throw location.fail("cannot read \(name)") }
        return values
    }
}
