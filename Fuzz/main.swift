import Foundation
import SecureMailFuzzing

// libFuzzer's driver, entered from this program's own main: SwiftPM links an executable's entry
// point as `main`, so libFuzzer's `main` is never used (scripts/fuzz.sh builds this).
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

/// The entry point chosen by SECUREMAIL_FUZZ_TARGET (mime, inbound or cms).
nonisolated(unsafe) var entryPoint: (@Sendable ([UInt8]) -> Void)?

let name = ProcessInfo.processInfo.environment["SECUREMAIL_FUZZ_TARGET"] ?? ""
guard let chosen = FuzzEntryPoints.targets[name] else {
    FileHandle.standardError.write(Data("securemail-fuzz: set SECUREMAIL_FUZZ_TARGET to one of \(FuzzEntryPoints.targets.keys.sorted())\n".utf8))
    exit(64)
}
entryPoint = chosen
var argumentCount = CommandLine.argc
var arguments: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argumentCount, &arguments, fuzzOneInput))

/// One input; libFuzzer's runtime also links against this name.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    entryPoint?(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
    return 0
}
