import Foundation
import SecureMailFuzzing

/// The entry point chosen by SECUREMAIL_FUZZ_TARGET (mime, inbound or cms), set by scripts/fuzz.sh.
nonisolated(unsafe) private var entryPoint: (@Sendable ([UInt8]) -> Void)?

/// libFuzzer calls this once before the first input.
@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(_ argc: UnsafeMutablePointer<Int32>?, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?) -> Int32 {
    let name = ProcessInfo.processInfo.environment["SECUREMAIL_FUZZ_TARGET"] ?? ""
    guard let chosen = FuzzEntryPoints.targets[name] else {
        fputs("securemail-fuzz: set SECUREMAIL_FUZZ_TARGET to one of \(FuzzEntryPoints.targets.keys.sorted())\n", stderr)
        exit(64)
    }
    entryPoint = chosen
    return 0
}

/// libFuzzer calls this once per input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    entryPoint?(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
    return 0
}
