import Foundation
@testable import SecureMail

enum MIMEFixtures {
    static var directory: URL {
        get throws {
            guard let root = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
                throw FixtureError.missing("Fixtures folder not in the test bundle")
            }
            return root.appendingPathComponent("lamps-smime")
        }
    }

    /// Every message fixture (real messages from the LAMPS corpus and their inner layers).
    static let names: [String] = [
        "smime-enc+legacy-disp.eml",
        "smime-enc+legacy-disp.inner",
        "smime-multipart-signed.eml",
        "smime-onepart-signed.eml",
        "smime-onepart-signed.inner",
        "smime-sign+enc+legacy-disp.eml",
        "smime-sign+enc+legacy-disp.inner",
        "smime-sign+enc+legacy-disp.inner.inner",
        "smime-sign+enc.eml",
        "smime-sign+enc.inner",
        "smime-sign+enc.inner.inner",
    ]

    static func bytes(_ name: String) throws -> [UInt8] {
        let url = try directory.appendingPathComponent(name)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw FixtureError.missing("fixture \(name) not found at \(url.path)")
        }
        return [UInt8](data)
    }

    enum FixtureError: Error, CustomStringConvertible {
        case missing(String)
        var description: String {
            switch self {
            case .missing(let what): what
            }
        }
    }
}

extension String {
    /// The UTF-8 bytes of this string with every LF turned into CR LF.
    var crlfBytes: [UInt8] { Array(replacingOccurrences(of: "\n", with: "\r\n").utf8) }
    var bytes: [UInt8] { Array(utf8) }
}

extension MIMEPart {
    /// The multipart body, if the part is one.
    var multipartBody: MIMEMultipart? {
        if case .multipart(let multipart) = body { return multipart }
        return nil
    }

    /// The leaf body bytes, if the part is a leaf.
    var singleBody: [UInt8]? {
        if case .single(let bytes) = body { return bytes }
        return nil
    }

    /// The embedded message, if the part is one.
    var messageBody: MIMEPart? {
        if case .message(let inner) = body { return inner }
        return nil
    }
}
