import Foundation
import SecureMail

/// What each fuzz target does with one input, shared by the libFuzzer executables under `Fuzz/`
/// (scripts/fuzz.sh) and by the regression test that replays every input they ever crashed on.
///
/// Each entry point returns normally for any input; a property that does not hold stops the
/// process with `preconditionFailure`, which libFuzzer records as a crash with the input.
public enum FuzzEntryPoints {
    /// The fuzz targets by name, as scripts/fuzz.sh and the corpus folders know them.
    public static let targets: [String: @Sendable ([UInt8]) -> Void] = [
        "mime": mime, "inbound": inbound, "cms": cms,
    ]

    /// The MIME parser: whatever it accepts it must give back byte for byte, and every part's
    /// decoded body, text, header values and addresses must be computable.
    public static func mime(_ bytes: [UInt8]) {
        guard let message = try? MIMEParser.parse(bytes) else { return }
        guard message.serialize() == bytes else {
            preconditionFailure("the parser accepted \(bytes.count) bytes but serialises different ones")
        }
        for part in message.allParts() {
            _ = part.decodedBody()
            _ = part.text()
            for field in part.header.fields {
                _ = EncodedWords.decode(field.value)
                _ = AddressList.parse(field.value)
            }
        }
    }

    /// The whole inbound inspection, as mail to sikkermail@ gets it: unwrap with the demo
    /// mailbox keys, verify against the demo CA, route, scan. A `verified` verdict for a message
    /// without a valid demo signature is a forgery accepted.
    public static func inbound(_ bytes: [UInt8]) {
        guard let inspector = demoInspector else { preconditionFailure("the demo configuration does not load: run from the repository root") }
        // The demo keys are loaded before the first input, so none can fail to load during one.
        do {
            _ = try inspector.inspect(bytes, sender: "kunde@example.dk", recipients: ["sikkermail@gjensidige.dk"]).report
        } catch {
            preconditionFailure("\(error)")
        }
    }

    /// The CMS entry points with DER from outside: SignedData verification, EnvelopedData and
    /// AuthEnvelopedData decryption with the demo key, and certificate parsing.
    public static func cms(_ bytes: [UInt8]) {
        guard let keyring = demoKeyring else { preconditionFailure("the demo keys do not load: run from the repository root") }
        _ = try? CMS.verify(bytes, detachedContent: nil, trust: keyring.trust, at: evaluationTime)
        _ = try? CMS.verify(bytes, detachedContent: Array("Content-Type: text/plain\r\n\r\nhej\r\n".utf8), trust: keyring.trust, at: evaluationTime)
        _ = try? CMS.decrypt(bytes, candidates: keyring.decryptionCandidates(forRecipients: ["sikkermail@gjensidige.dk"]))
        _ = try? Certificate(derEncoded: bytes)
    }

    /// A fixed time inside the demo certificates' validity, so that a run is repeatable.
    static let evaluationTime = Date(timeIntervalSince1970: 1_798_761_600)

    static let demoConfiguration: GatewayConfiguration? = try? ConfigurationLoader.load(path: nil, environment: [:])
    static let demoKeyring: Keyring? = demoConfiguration.flatMap { try? Keyring.load($0) }
    static let demoInspector: Inspector? = demoConfiguration.flatMap { configuration in
        demoKeyring.map { Inspector(configuration: configuration, keyring: $0, evaluationTime: evaluationTime) }
    }
}
