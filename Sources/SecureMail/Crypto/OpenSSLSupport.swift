import COpenSSL
import Foundation
import Synchronization

/// Limits applied to untrusted input before OpenSSL parses it.
public enum CryptoLimits {
    /// The default largest DER or PEM input accepted: 256 MiB.
    public static let defaultMaximumInputSize = 256 * 1024 * 1024
}

/// Owns an `X509`, and what has been read from it as text. A certificate shared through
/// `CertificateCache` is described in the report of every message it signs, and rendering its
/// names through OpenSSL each time cost more than checking the message's digest.
final class X509Handle: @unchecked Sendable {
    /// Values read from the certificate, each on first use.
    struct Readings: Sendable {
        var subject: String?
        var issuer: String?
        var sha256Fingerprint: [UInt8]?
        var emailAddresses: [String]?
        var publicKeyAlgorithm: Certificate.PublicKeyAlgorithm?
    }

    let pointer: OpaquePointer
    private let readings = Mutex(Readings())

    init(taking pointer: OpaquePointer) { self.pointer = pointer }
    deinit { X509_free(pointer) }

    /// The value at `field`, from `read` the first time. Read outside the lock: two threads may
    /// both read a value once, and they read the same.
    func remembered<Value: Sendable>(_ field: sending WritableKeyPath<Readings, Value?>, read: () -> Value) -> Value {
        if let value = readings.withLock({ $0[keyPath: field] }) { return value }
        let value = read()
        readings.withLock { $0[keyPath: field] = value }
        return value
    }
}

/// Owns an `EVP_PKEY`.
final class PrivateKeyHandle: @unchecked Sendable {
    let pointer: OpaquePointer
    init(taking pointer: OpaquePointer) { self.pointer = pointer }
    deinit { EVP_PKEY_free(pointer) }
}

/// Owns an `X509_CRL`.
final class CRLHandle: @unchecked Sendable {
    let pointer: OpaquePointer
    init(taking pointer: OpaquePointer) { self.pointer = pointer }
    deinit { X509_CRL_free(pointer) }
}

/// Owns a `CMS_ContentInfo`.
final class CMSHandle: @unchecked Sendable {
    let pointer: OpaquePointer
    init(taking pointer: OpaquePointer) { self.pointer = pointer }
    deinit { CMS_ContentInfo_free(pointer) }

    /// Parses DER (or BER) CMS; nil when the bytes are not a CMS ContentInfo.
    static func parse(_ der: [UInt8]) -> CMSHandle? {
        guard !der.isEmpty, der.count <= Int(Int32.max) else { return nil }
        return der.withUnsafeBufferPointer { buffer -> CMSHandle? in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            guard let cms = d2i_CMS_ContentInfo(nil, &cursor, Int(buffer.count)) else { return nil }
            return CMSHandle(taking: cms)
        }
    }

    /// The DER encoding, written straight into one array of the exact size (a large message is
    /// not copied out of a growing memory buffer).
    func derBytes(operation: String) throws -> [UInt8] {
        let length = i2d_CMS_ContentInfo(pointer, nil)
        guard length > 0 else {
            throw CryptoError.openSSL(operation, remedy: "This is an internal error; report it with the OpenSSL text.")
        }
        return try [UInt8](unsafeUninitializedCapacity: Int(length)) { buffer, count in
            LargeBuffers.adviseHugePages(UnsafeMutableRawBufferPointer(buffer))
            var cursor = buffer.baseAddress
            guard i2d_CMS_ContentInfo(pointer, &cursor) == length else {
                throw CryptoError.openSSL(operation, remedy: "This is an internal error; report it with the OpenSSL text.")
            }
            count = Int(length)
        }
    }
}

/// Content handed to a CMS operation piece by piece: the writer calls `emit` once per piece, in
/// order, so that a large message goes through signing or encryption without being gathered
/// into one buffer first.
public typealias CMSContentWriter = (_ emit: (ArraySlice<UInt8>) throws -> Void) throws -> Void

/// Writes every piece of `content` through a BIO chain (CMS_dataInit's), checking the running
/// total against `limit`.
func writeContent(_ content: CMSContentWriter, to chain: OpaquePointer, limit: Int, what: String) throws {
    var total = 0
    try content { piece in
        let (sum, overflow) = total.addingReportingOverflow(piece.count)
        total = overflow ? Int.max : sum
        try checkInputSize(total, limit: limit, what: what)
        try piece.withUnsafeBytes { raw in
            guard var cursor = raw.baseAddress else { return }
            var remaining = raw.count
            while remaining > 0 {
                let written = BIO_write(chain, cursor, Int32(min(remaining, 1 << 30)))
                guard written > 0 else {
                    throw CryptoError.openSSL("pass \(what) to OpenSSL", remedy: "The process is out of memory, or the content is damaged.")
                }
                cursor += Int(written)
                remaining -= Int(written)
            }
        }
    }
}

/// A write-only BIO that hands what OpenSSL writes to Swift: into memory the caller allocated
/// (failing when it is full), to receive decrypted content into one array of known maximum size;
/// or to a consumer, to pass a streamed CMS encoding on piece by piece.
final class SinkBIO {
    private enum Destination {
        case buffer(cursor: UnsafeMutablePointer<UInt8>, remaining: Int)
        case consumer((UnsafeRawBufferPointer) -> Void)
    }

    let pointer: OpaquePointer
    private var destination: Destination
    /// Bytes written so far.
    private(set) var count = 0

    nonisolated(unsafe) private static let method: OpaquePointer? = {
        guard let method = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "securemail sink") else { return nil }
        let writeSet = BIO_meth_set_write(method) { bio, data, length -> Int32 in
            guard let bio, let data, length >= 0, let context = BIO_get_data(bio) else { return -1 }
            let sink = Unmanaged<SinkBIO>.fromOpaque(context).takeUnretainedValue()
            return sink.accept(UnsafeRawBufferPointer(start: data, count: Int(length))) ? length : -1
        }
        let controlSet = BIO_meth_set_ctrl(method) { _, command, _, _ -> Int in
            command == BIO_CTRL_FLUSH ? 1 : 0
        }
        let createSet = BIO_meth_set_create(method) { bio -> Int32 in
            BIO_set_init(bio, 1)
            return 1
        }
        guard writeSet == 1, controlSet == 1, createSet == 1 else {
            BIO_meth_free(method)
            return nil
        }
        return method
    }()

    /// A sink over `buffer`; the buffer must outlive this object.
    convenience init(buffer: UnsafeMutableBufferPointer<UInt8>) throws {
        guard let base = buffer.baseAddress else {
            throw CryptoError.openSSL("allocate an output buffer", remedy: "The process is out of memory.")
        }
        try self.init(destination: .buffer(cursor: base, remaining: buffer.count))
    }

    /// A sink that gives every piece written to `consumer`, which must not keep the pointer.
    convenience init(consumer: @escaping (UnsafeRawBufferPointer) -> Void) throws {
        try self.init(destination: .consumer(consumer))
    }

    private init(destination: Destination) throws {
        guard let method = Self.method, let bio = BIO_new(method) else {
            throw CryptoError.openSSL("allocate an output buffer", remedy: "The process is out of memory.")
        }
        pointer = bio
        self.destination = destination
        BIO_set_data(bio, Unmanaged.passUnretained(self).toOpaque())
    }

    deinit {
        BIO_set_data(pointer, nil)
        BIO_free(pointer)
    }

    private func accept(_ piece: UnsafeRawBufferPointer) -> Bool {
        switch destination {
        case .buffer(let cursor, let remaining):
            guard piece.count <= remaining else { return false }
            if let source = piece.baseAddress {
                cursor.update(from: source.assumingMemoryBound(to: UInt8.self), count: piece.count)
            }
            destination = .buffer(cursor: cursor + piece.count, remaining: remaining - piece.count)
        case .consumer(let consumer):
            consumer(piece)
        }
        count += piece.count
        return true
    }
}

/// Owns a `STACK_OF(X509)` and a reference to every certificate in it.
final class CertificateStack {
    let pointer: OpaquePointer
    init(_ certificates: [Certificate] = []) throws {
        guard let stack = securemail_sk_X509_new() else {
            throw CryptoError.openSSL("allocate a certificate list", remedy: "The process is out of memory.")
        }
        pointer = stack
        for certificate in certificates {
            guard securemail_sk_X509_push1(stack, certificate.handle.pointer) == 1 else {
                throw CryptoError.openSSL("build a certificate list", remedy: "The process is out of memory.")
            }
        }
    }
    deinit { securemail_sk_X509_free_all(pointer) }
}

/// A read-write memory BIO that this object frees.
final class MemoryBIO {
    let pointer: OpaquePointer
    init() throws {
        guard let bio = BIO_new(BIO_s_mem()) else {
            throw CryptoError.openSSL("allocate a memory buffer", remedy: "The process is out of memory.")
        }
        pointer = bio
        // Reading past the end must report end-of-data (0), not "retry later" (-1 with a retry flag).
        BIO_ctrl(bio, BIO_C_SET_BUF_MEM_EOF_RETURN, 0, nil)
    }

    /// A memory BIO holding a copy of `bytes`.
    convenience init<C: Collection>(_ bytes: C) throws where C.Element == UInt8 {
        try self.init()
        try write(bytes)
    }

    deinit { BIO_free(pointer) }

    func write<C: Collection>(_ bytes: C) throws where C.Element == UInt8 {
        guard !bytes.isEmpty else { return }
        guard bytes.count <= Int(Int32.max) else {
            throw CryptoError(.inputTooLarge, operation: "buffer \(bytes.count) bytes", remedy: "Split the input.")
        }
        let array = Array(bytes)
        let written = array.withUnsafeBytes { BIO_write(pointer, $0.baseAddress, Int32($0.count)) }
        guard written == Int32(array.count) else {
            throw CryptoError.openSSL("buffer input bytes", remedy: "The process is out of memory.")
        }
    }

    /// Everything written to the BIO and not yet read.
    var bytes: [UInt8] {
        var data: UnsafePointer<CChar>?
        let length = securemail_bio_mem_data(pointer, &data)
        guard length > 0, let data else { return [] }
        return data.withMemoryRebound(to: UInt8.self, capacity: length) {
            Array(UnsafeBufferPointer(start: $0, count: length))
        }
    }

    var string: String { String(decoding: bytes, as: UTF8.self) }
}

/// Checks an input against a size limit before parsing.
func checkInputSize(_ count: Int, limit: Int, what: String) throws {
    guard count <= limit else { throw inputTooLarge(count, limit: limit, what: what) }
}

private func inputTooLarge(_ count: Int, limit: Int, what: String) -> CryptoError {
    CryptoError(
        .inputTooLarge, operation: "process \(what) of \(count) bytes",
        remedy: "The limit is \(limit) bytes; raise the configured limit if such large input is expected.")
}

/// Text of an ASN.1 object: OpenSSL's long name when it knows the OID, else the dotted form.
func objectName(_ object: OpaquePointer?) -> String {
    guard let object else { return "" }
    var buffer = [CChar](repeating: 0, count: 128)
    let length = OBJ_obj2txt(&buffer, Int32(buffer.count), object, 0)
    guard length > 0 else { return "" }
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// Dotted form of an ASN.1 object identifier.
/// Calls `body` with the ASN1_OBJECT of an encoded OBJECT IDENTIFIER (tag, length, contents);
/// nil when the bytes are not one.
func withObjectIdentifier<Result>(encoded: some ContiguousBytes, _ body: (OpaquePointer) -> Result) -> Result? {
    let object = encoded.withUnsafeBytes { buffer -> OpaquePointer? in
        var cursor: UnsafePointer<UInt8>? = buffer.bindMemory(to: UInt8.self).baseAddress
        return d2i_ASN1_OBJECT(nil, &cursor, buffer.count)
    }
    guard let object else { return nil }
    defer { ASN1_OBJECT_free(object) }
    return body(object)
}

func objectDottedForm(_ object: OpaquePointer?) -> String {
    guard let object else { return "" }
    var buffer = [CChar](repeating: 0, count: 128)
    let length = OBJ_obj2txt(&buffer, Int32(buffer.count), object, 1)
    guard length > 0 else { return "" }
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// Converts an ASN.1 UTCTime or GeneralizedTime to a Date.
func date(from time: UnsafePointer<ASN1_TIME>?) -> Date? {
    guard let time else { return nil }
    var components = tm()
    guard ASN1_TIME_to_tm(time, &components) == 1 else { return nil }
    return Date(timeIntervalSince1970: TimeInterval(timegm(&components)))
}

/// Converts the DER of a UTCTime or GeneralizedTime to a Date.
func date(fromDER encoding: [UInt8]) -> Date? {
    encoding.withUnsafeBufferPointer { buffer in
        var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
        guard let time = d2i_ASN1_TIME(nil, &cursor, buffer.count) else {
            OpenSSLErrorQueue.clear()
            return nil
        }
        defer { ASN1_TIME_free(time) }
        return date(from: time)
    }
}

/// Bytes of an ASN1_STRING (also IA5String, OCTET STRING, INTEGER ...).
func bytes(of string: UnsafePointer<ASN1_STRING>?) -> [UInt8] {
    guard let string, let data = ASN1_STRING_get0_data(string) else { return [] }
    let length = Int(ASN1_STRING_length(string))
    guard length > 0 else { return [] }
    return Array(UnsafeBufferPointer(start: data, count: length))
}

/// The DER of an X509_NAME; nil when OpenSSL cannot encode it.
func derEncoding(ofName name: OpaquePointer?) -> [UInt8]? {
    var der: UnsafePointer<UInt8>?
    var length = 0
    guard let name, X509_NAME_get0_der(name, &der, &length) == 1, let der else { return nil }
    return Array(UnsafeBufferPointer(start: der, count: length))
}

/// RFC 2253 text of an X509_NAME.
func rfc2253(_ name: OpaquePointer?) -> String {
    guard let name, let bio = try? MemoryBIO() else { return "" }
    guard X509_NAME_print_ex(bio.pointer, name, 0, securemail_name_print_flags()) >= 0 else { return "" }
    return bio.string
}

/// Uppercase hex of bytes, optionally separated.
func hexString(_ bytes: [UInt8], separator: String = "") -> String {
    let separatorBytes = Array(separator.utf8)
    var text: [UInt8] = []
    text.reserveCapacity(bytes.count * (2 + separatorBytes.count))
    for (index, byte) in bytes.enumerated() {
        if index > 0 { text += separatorBytes }
        text.append(hexDigit(byte >> 4))
        text.append(hexDigit(byte & 0x0F))
    }
    return String(decoding: text, as: UTF8.self)
}

/// Loads OpenSSL's "legacy" provider (RC2, 3DES PBE used by old PKCS#12 files) next to "default",
/// once per process; Swift runs a global's initialiser exactly once, thread-safely.
enum LegacyProviders {
    static let loaded: Bool = {
        // Loading "legacy" explicitly would disable the implicit "default" provider: load both.
        let defaultProvider = OSSL_PROVIDER_load(nil, "default")
        let legacyProvider = OSSL_PROVIDER_load(nil, "legacy")
        return defaultProvider != nil && legacyProvider != nil
    }()
}

/// Reads a file, refusing it when it is larger than the limit.
func readFile(_ path: String, limit: Int = CryptoLimits.defaultMaximumInputSize) throws -> [UInt8] {
    do {
        return try FileInput.readAll(path: path, limit: limit)
    } catch .tooLarge(let count) {
        throw inputTooLarge(count, limit: limit, what: path)
    } catch {
        throw CryptoError(
            .fileUnreadable, operation: "read \(path) (\(error.systemMessage))", remedy: "Check that the file exists and that this user may read it.")
    }
}

/// Refuses a private-key file that group or others may read.
func checkPrivateFilePermissions(_ path: String) throws {
    var status = stat()
    guard stat(path, &status) == 0 else {
        throw CryptoError(
            .fileUnreadable, operation: "read private key file \(path) (\(String(cString: strerror(errno))))",
            remedy: "Check that the file exists and that this user may read it.")
    }
    let permissions = Int(status.st_mode & 0o7777)
    if permissions & 0o077 != 0 {
        throw CryptoError(
            .insecureKeyFile,
            operation: "use private key file \(path): it is readable by group or others (mode \(String(permissions, radix: 8)))",
            remedy: "Run `chmod 600 \(path)` so that only its owner can read it.")
    }
}
